#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "synsweep/grid.h"
#include "synsweep/model.h"

typedef struct {
    size_t rank;
    const uint64_t *shape;
    uint64_t next; /* the trial the next box must start at */
    int boxes;
} box_check;

/* Each box must continue exactly where the previous ended, in row-major
 * order, and stay inside the shape. */
static int check_box(const uint64_t *start, const uint64_t *count, void *ctx)
{
    box_check *c = ctx;
    uint64_t lin = 0, cells = 1;
    for (size_t d = 0; d < c->rank; d++) {
        assert_true(count[d] >= 1);
        assert_true(start[d] + count[d] <= c->shape[d]);
        lin = lin * c->shape[d] + start[d];
        cells *= count[d];
    }
    assert_true(lin == c->next);
    /* a box is one contiguous run: all dims after the first partial one
     * are full */
    size_t d = 0;
    while (d < c->rank && count[d] == 1)
        d++;
    for (size_t e = d + 1; e < c->rank; e++) {
        assert_true(start[e] == 0);
        assert_true(count[e] == c->shape[e]);
    }
    c->next += cells;
    c->boxes++;
    return 0;
}

static void grid_boxes_cover_any_range_in_order(void **state)
{
    (void)state;
    static const uint64_t shapes[][4] = {
        {7, 1, 1, 1}, {3, 5, 1, 1}, {4, 3, 6, 1}, {2, 3, 4, 5}, {1, 1, 1, 9}};
    static const size_t ranks[] = {1, 2, 3, 4, 4};
    for (size_t s = 0; s < 5; s++) {
        uint64_t total = 1;
        for (size_t d = 0; d < ranks[s]; d++)
            total *= shapes[s][d];
        for (uint64_t first = 0; first < total; first++) {
            for (uint64_t n = 1; first + n <= total; n++) {
                box_check c = {ranks[s], shapes[s], first, 0};
                assert_int_equal(ss_grid_boxes(ranks[s], shapes[s], first, n,
                                               check_box, &c),
                                 0);
                assert_true(c.next == first + n);
                assert_true(c.boxes <= 2 * (int)ranks[s] - 1);
            }
        }
    }
}

static const char spec_text[] =
    "model: stp_train\n"
    "seed: 5\n"
    "repeats: 3\n"
    "sweep:\n"
    "  rate: [10, 20, 40]\n"
    "  regime:\n"
    "    zip: {U0: [0.5, 0.2], tau_f: [50, 750]}\n";

static void grid_indexes_row_major_with_repeat_last(void **state)
{
    (void)state;
    ss_spec *spec;
    ss_grid *grid;
    ss_error err;
    assert_int_equal(ss_spec_load_string(spec_text, strlen(spec_text), "g.yaml",
                                         &spec, &err),
                     SS_OK);
    assert_int_equal(ss_grid_create(spec, &grid, &err), SS_OK);
    assert_int_equal(ss_grid_rank(grid), 3);
    assert_true(ss_grid_trials(grid) == 3 * 2 * 3);
    const uint64_t *shape = ss_grid_shape(grid);
    assert_true(shape[0] == 3 && shape[1] == 2 && shape[2] == 3);

    uint64_t idx[3];
    ss_grid_index(grid, 11, idx); /* 11 = (1 * 2 + 1) * 3 + 2 */
    assert_true(idx[0] == 1 && idx[1] == 1 && idx[2] == 2);
    for (uint64_t t = 0; t < ss_grid_trials(grid); t++) {
        ss_grid_index(grid, t, idx);
        assert_true(ss_grid_trial_of(grid, idx) == t);
    }

    ss_params p;
    uint64_t repeat;
    ss_rng_stream s;
    assert_int_equal(ss_grid_trial(grid, 11, &p, &repeat, &s, &err), SS_OK);
    assert_close(p.rate, 20, 0, 0);
    assert_close(p.U0, 0.2, 0, 0);
    assert_close(p.tau_f, 750, 0, 0);
    assert_true(repeat == 2);
    /* the stream is the one `synsweep trial` makes from the same point */
    ss_rng_stream want;
    ss_model_trial_stream(SS_MODEL_STP_TRAIN, &p, 5, 2, false, &want);
    assert_memory_equal(&s, &want, sizeof s);

    assert_int_equal(ss_grid_trial(grid, 18, &p, &repeat, &s, &err),
                     SS_ERR_USAGE);
    ss_grid_free(grid);
    ss_spec_free(spec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(grid_boxes_cover_any_range_in_order),
        cmocka_unit_test(grid_indexes_row_major_with_repeat_last),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
