/* Rank 0's dealer of trials (the part of the ranks module without MPI):
 * deals cover every trial to do once, in increasing order, never across
 * two runs of trials to do; they shrink towards the end, are whole chunks
 * of the file while they can be, and never exceed what rank 0 holds for
 * a block; a failing todo callback closes the dealer. */
#include "testutil.h"

#include <stdbool.h>
#include <stdlib.h>

#include "ranks_internal.h"

/* Deals everything; checks each deal follows the one before; returns the
 * number of deals. */
static int deal_all(ss__ranks_dealer *d, uint64_t *covered, uint64_t *last)
{
    uint64_t first, n, end = 0;
    int deals = 0;
    ss_error err;
    *covered = 0;
    for (;;) {
        assert_int_equal(ss__ranks_deal(d, &first, &n, &err), SS_OK);
        if (n == 0)
            break;
        assert_true(first >= end); /* increasing, never twice */
        assert_true(n <= SS__RANKS_MAX_DEAL);
        end = first + n;
        *covered += n;
        *last = n;
        deals++;
    }
    assert_true(d->closed);
    /* closed stays closed */
    assert_int_equal(ss__ranks_deal(d, &first, &n, &err), SS_OK);
    assert_int_equal(n, 0);
    return deals;
}

static void ranks_deals_cover_a_grid_in_shrinking_whole_chunks(void **state)
{
    (void)state;
    const uint64_t total = 2385000, unit = 16384;
    ss__ranks_dealer d = {.total = total, .left = total, .unit = unit,
                          .takers = 3};
    uint64_t first, n, prev = SS__RANKS_MAX_DEAL, end = 0;
    ss_error err;
    while (ss__ranks_deal(&d, &first, &n, &err) == SS_OK && n > 0) {
        assert_int_equal(first, end); /* contiguous from 0 */
        assert_true(n <= prev || first + n == total);
        if (n >= unit)
            assert_int_equal(n % unit, 0);
        if (first + n < total)
            assert_true(n >= SS__RANKS_MIN_DEAL);
        prev = n;
        end = first + n;
    }
    assert_int_equal(end, total);
    /* the last deals are small: the ranks finish together */
    assert_true(prev <= 2 * SS__RANKS_MIN_DEAL);
}

static void ranks_a_small_grid_is_one_deal(void **state)
{
    (void)state;
    ss__ranks_dealer d = {.total = 10, .left = 10, .unit = 10, .takers = 3};
    uint64_t covered, last;
    assert_int_equal(deal_all(&d, &covered, &last), 1);
    assert_int_equal(covered, 10);
}

/* Trials to do in three runs, as a resumed file gives them. */
static const uint64_t runs[3][2] = {{10, 5000}, {7000, 3}, {9000, 30000}};

static ss_status three_runs(void *ctx, uint64_t from, uint64_t *first,
                            uint64_t *n, ss_error *err)
{
    (void)err;
    int *calls = ctx;
    (*calls)++;
    *n = 0;
    for (int r = 0; r < 3; r++) {
        uint64_t a = runs[r][0], b = runs[r][0] + runs[r][1];
        if (from < b) {
            *first = from > a ? from : a;
            *n = b - *first;
            return SS_OK;
        }
    }
    return SS_OK;
}

static void ranks_deals_follow_the_trials_to_do(void **state)
{
    (void)state;
    int calls = 0;
    ss__ranks_dealer d = {.todo = three_runs, .todo_ctx = &calls,
                          .total = 100000, .left = 5000 + 3 + 30000,
                          .unit = 64, .takers = 2};
    uint64_t first, n;
    ss_error err;
    bool seen[100000] = {false};
    while (ss__ranks_deal(&d, &first, &n, &err) == SS_OK && n > 0) {
        int inside = 0;
        for (int r = 0; r < 3; r++)
            inside += first >= runs[r][0] &&
                      first + n <= runs[r][0] + runs[r][1];
        assert_int_equal(inside, 1); /* never across two runs */
        for (uint64_t t = first; t < first + n; t++) {
            assert_false(seen[t]);
            seen[t] = true;
        }
    }
    uint64_t dealt = 0;
    for (int t = 0; t < 100000; t++)
        dealt += seen[t];
    assert_int_equal(dealt, 5000 + 3 + 30000);
    assert_int_equal(calls, 4); /* once per run, once to find none left */
}

static ss_status failing_todo(void *ctx, uint64_t from, uint64_t *first,
                              uint64_t *n, ss_error *err)
{
    (void)ctx;
    (void)from;
    (void)first;
    (void)n;
    return ss_error_set(err, SS_ERR_IO, "x.h5: cannot read 'done'");
}

static void ranks_a_failing_todo_closes_the_dealer(void **state)
{
    (void)state;
    ss__ranks_dealer d = {.todo = failing_todo, .total = 100, .left = 100,
                          .unit = 1, .takers = 2};
    uint64_t first, n;
    ss_error err;
    assert_int_equal(ss__ranks_deal(&d, &first, &n, &err), SS_ERR_IO);
    assert_int_equal(n, 0);
    assert_string_equal(err.message, "x.h5: cannot read 'done'");
    assert_true(d.closed);
    assert_int_equal(ss__ranks_deal(&d, &first, &n, &err), SS_OK);
    assert_int_equal(n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ranks_deals_cover_a_grid_in_shrinking_whole_chunks),
        cmocka_unit_test(ranks_a_small_grid_is_one_deal),
        cmocka_unit_test(ranks_deals_follow_the_trials_to_do),
        cmocka_unit_test(ranks_a_failing_todo_closes_the_dealer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
