/* The runner: blocks reach the sink in order and cover every trial once;
 * results do not depend on threads or block sizes and are each trial's
 * own model run; the todo callback and the stop flag are obeyed. */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"

#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "synsweep/grid.h"
#include "synsweep/model.h"
#include "synsweep/run.h"
#include "synsweep/spec.h"

/* Poisson-driven synapses, so each trial's random stream matters; 13,200
 * trials: three blocks or more (the first block has about 4096). */
static const char spec_text[] = "model: stp_train\n"
                                "seed: 2385\n"
                                "repeats: 600\n"
                                "fixed: {input: poisson, dt: 0.5}\n"
                                "sweep:\n"
                                "  rate: {linspace: [20, 40, 11]}\n"
                                "  U0: [0.2, 0.55]\n";

typedef struct sweep {
    ss_spec *spec;
    ss_grid *grid;
    uint64_t total;
    ss_metrics *expected[SS_KERNEL_COUNT]; /* by trial, run one by one */
} sweep;

static bool same_metrics(const ss_metrics *a, const ss_metrics *b)
{
    return memcmp(a->value, b->value, sizeof a->value) == 0 &&
           a->status == b->status;
}

/* Each trial on its own stream through the model's own function: the
 * reference kernel (ss_model_run) and the fast one for a single lane. */
static int setup(void **state)
{
    sweep *s = calloc(1, sizeof *s);
    ss_error err;
    assert_non_null(s);
    assert_int_equal(ss_spec_load_string(spec_text, strlen(spec_text),
                                         "run.yaml", &s->spec, &err),
                     SS_OK);
    assert_int_equal(ss_grid_create(s->spec, &s->grid, &err), SS_OK);
    s->total = ss_grid_trials(s->grid);
    assert_true(s->total == 13200);
    ss_model_ws *ws = ss_model_ws_create();
    assert_non_null(ws);
    const ss_model m = ss_spec_model(s->spec);
    for (int k = 0; k < SS_KERNEL_COUNT; k++) {
        s->expected[k] = calloc(s->total, sizeof(ss_metrics));
        assert_non_null(s->expected[k]);
    }
    for (uint64_t t = 0; t < s->total; t++) {
        ss_params p;
        uint64_t repeat;
        ss_rng_stream stream;
        assert_int_equal(ss_grid_trial(s->grid, t, &p, &repeat, &stream,
                                       &err),
                         SS_OK);
        assert_int_equal(ss_model_run(m, &p, &stream, ws,
                                      &s->expected[SS_KERNEL_REFERENCE][t],
                                      &err),
                         SS_OK);
        assert_int_equal(ss_model_run_fast(m, 1, &p, &stream, ws,
                                           &s->expected[SS_KERNEL_FAST][t],
                                           &err),
                         SS_OK);
    }
    ss_model_ws_free(ws);
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    sweep *s = *state;
    for (int k = 0; k < SS_KERNEL_COUNT; k++)
        free(s->expected[k]);
    ss_grid_free(s->grid);
    ss_spec_free(s->spec);
    free(s);
    return 0;
}

#define MAX_CALLS 64

/* A sink that checks the order of the blocks and keeps copies of them. */
typedef struct recorder {
    uint64_t total;
    ss_metrics *rows;     /* by trial */
    unsigned char *times; /* how often each trial arrived */
    uint64_t first[MAX_CALLS], n[MAX_CALLS];
    int calls;
    uint64_t received, next; /* trials received; where the next may start */
    /* the stop flag, set with stop_value on call number stop_at (1-based;
     * 0: never) */
    volatile sig_atomic_t stop;
    int stop_at, stop_value;
    int calls_after_stop;
    int fail_at; /* return SS_ERR_IO on that call (0: never) */
    ss_run_progress last_progress;
    int progress_calls;
    /* every report's total must be this (0: any) */
    uint64_t want_total;
    int wrong_totals;
    /* the sink's first call takes this long (0: no time) */
    long first_call_ns;
} recorder;

static void recorder_init(recorder *r, uint64_t total)
{
    memset(r, 0, sizeof *r);
    r->total = total;
    r->rows = calloc(total, sizeof *r->rows);
    r->times = calloc(total, 1);
    assert_non_null(r->rows);
    assert_non_null(r->times);
}

static void recorder_free(recorder *r)
{
    free(r->rows);
    free(r->times);
}

static ss_status record(void *ctx, uint64_t first, uint64_t n,
                        const ss_metrics *rows, ss_error *err)
{
    recorder *r = ctx;
    if (r->stop)
        r->calls_after_stop++;
    assert_true(n > 0);
    assert_true(first >= r->next); /* increasing, never overlapping */
    assert_true(first + n <= r->total);
    assert_true(r->calls < MAX_CALLS);
    r->first[r->calls] = first;
    r->n[r->calls] = n;
    r->calls++;
    if (r->calls == 1 && r->first_call_ns > 0) {
        struct timespec t = {r->first_call_ns / 1000000000L,
                             r->first_call_ns % 1000000000L};
        nanosleep(&t, NULL);
    }
    if (r->fail_at == r->calls)
        return ss_error_set(err, SS_ERR_IO, "disk on fire at %llu",
                            (unsigned long long)first);
    memcpy(&r->rows[first], rows, n * sizeof *rows);
    for (uint64_t i = first; i < first + n; i++)
        r->times[i]++;
    r->received += n;
    r->next = first + n;
    if (r->stop_at == r->calls)
        r->stop = r->stop_value;
    return SS_OK;
}

static void note_progress(const ss_run_progress *p, void *ctx)
{
    recorder *r = ctx;
    assert_true(p->done <= p->total);
    r->last_progress = *p;
    r->progress_calls++;
    r->wrong_totals += r->want_total && p->total != r->want_total;
}

static void run_blocks_cover_every_trial_once_in_order(void **state)
{
    sweep *s = *state;
    static const uint64_t units[] = {1, 7, 64};
    for (size_t u = 0; u < 3; u++) {
        recorder r;
        recorder_init(&r, s->total);
        ss_run_options opt = {.threads = 2,
                              .block = units[u],
                              .progress = note_progress,
                              .progress_ctx = &r};
        ss_run_result result;
        ss_error err;
        assert_int_equal(ss_run(s->grid, &opt, record, &r, &result, &err),
                         SS_OK);
        assert_true(result.written == s->total);
        assert_int_equal(result.signal, 0);
        assert_true(r.received == s->total);
        assert_true(r.calls >= 3);
        uint64_t next = 0;
        for (int c = 0; c < r.calls; c++) {
            assert_true(r.first[c] == next); /* contiguous */
            bool last = c == r.calls - 1;
            assert_true(r.first[c] % units[u] == 0);
            assert_true(last || r.n[c] % units[u] == 0);
            next += r.n[c];
        }
        for (uint64_t t = 0; t < s->total; t++)
            assert_int_equal(r.times[t], 1);
        /* the last report is the end */
        assert_true(r.progress_calls >= 1);
        assert_true(r.last_progress.done == s->total);
        assert_true(r.last_progress.total == s->total);
        recorder_free(&r);
    }
}

static void run_results_do_not_depend_on_threads_or_blocks(void **state)
{
    sweep *s = *state;
    static const int threads[] = {1, 2};
    static const uint64_t units[] = {1, 7, 64};
    for (int k = 0; k < SS_KERNEL_COUNT; k++) {
        for (size_t t = 0; t < 2; t++) {
            for (size_t u = 0; u < 3; u++) {
                recorder r;
                recorder_init(&r, s->total);
                ss_run_options opt = {.threads = threads[t],
                                      .block = units[u],
                                      .kernel = (ss_kernel)k};
                ss_run_result result;
                ss_error err;
                assert_int_equal(
                    ss_run(s->grid, &opt, record, &r, &result, &err), SS_OK);
                assert_true(result.written == s->total);
                for (uint64_t i = 0; i < s->total; i++) {
                    if (!same_metrics(&r.rows[i], &s->expected[k][i]))
                        fail_msg("%s kernel, %d threads, block %llu: trial "
                                 "%llu differs from its own model run",
                                 ss_kernel_name((ss_kernel)k), threads[t],
                                 (unsigned long long)units[u],
                                 (unsigned long long)i);
                }
                recorder_free(&r);
            }
        }
    }
}

static void run_without_options_runs_everything(void **state)
{
    sweep *s = *state;
    recorder r;
    recorder_init(&r, s->total);
    ss_error err;
    assert_int_equal(ss_run(s->grid, NULL, record, &r, NULL, &err), SS_OK);
    assert_true(r.received == s->total);
    for (uint64_t i = 0; i < s->total; i++)
        assert_true(same_metrics(&r.rows[i], &s->expected[SS_KERNEL_FAST][i]));
    recorder_free(&r);
}

/* Runs of trials to do, as a resumed file would name them. */
typedef struct todo_ranges {
    const uint64_t (*range)[2]; /* [start, end) */
    size_t n;
    int calls;
} todo_ranges;

static ss_status next_range(void *ctx, uint64_t from, uint64_t *first,
                            uint64_t *n, ss_error *err)
{
    (void)err;
    todo_ranges *t = ctx;
    t->calls++;
    *n = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (t->range[i][1] > from) {
            *first = from > t->range[i][0] ? from : t->range[i][0];
            *n = t->range[i][1] - *first;
            break;
        }
    }
    return SS_OK;
}

static void run_todo_runs_exactly_the_trials_named(void **state)
{
    sweep *s = *state;
    static const uint64_t ranges[][2] = {
        {5, 100}, {4000, 5000}, {9000, 9001}, {9002, 13200}};
    todo_ranges todo = {ranges, 4, 0};
    uint64_t to_do = 0;
    for (size_t i = 0; i < 4; i++)
        to_do += ranges[i][1] - ranges[i][0];
    recorder r;
    recorder_init(&r, s->total);
    ss_run_options opt = {.threads = 2,
                          .block = 7,
                          .todo = next_range,
                          .todo_ctx = &todo,
                          .todo_trials = to_do,
                          .progress = note_progress,
                          .progress_ctx = &r};
    ss_run_result result;
    ss_error err;
    assert_int_equal(ss_run(s->grid, &opt, record, &r, &result, &err), SS_OK);
    assert_true(result.written == to_do);
    assert_true(r.received == to_do);
    assert_true(todo.calls >= 4);
    for (uint64_t t = 0; t < s->total; t++) {
        bool wanted = false;
        for (size_t i = 0; i < 4; i++)
            wanted |= t >= ranges[i][0] && t < ranges[i][1];
        assert_int_equal(r.times[t], wanted ? 1 : 0);
        if (wanted)
            assert_true(
                same_metrics(&r.rows[t], &s->expected[SS_KERNEL_FAST][t]));
    }
    /* a block never straddles two runs */
    for (int c = 0; c < r.calls; c++) {
        size_t i = 0;
        while (ranges[i][1] <= r.first[c])
            i++;
        assert_true(r.first[c] >= ranges[i][0]);
        assert_true(r.first[c] + r.n[c] <= ranges[i][1]);
    }
    assert_true(r.last_progress.done == to_do);
    assert_true(r.last_progress.total == to_do);
    recorder_free(&r);
}

/* A resumed run reports its own trials against the trials it has to do,
 * also between blocks (not the grid's total, which made the ETA wrong). */
static void run_progress_counts_this_runs_trials(void **state)
{
    sweep *s = *state;
    static const uint64_t ranges[][2] = {{5, 100}, {4000, 5000}};
    todo_ranges todo = {ranges, 2, 0};
    const uint64_t to_do = 95 + 1000;
    recorder r;
    recorder_init(&r, s->total);
    r.want_total = to_do;
    /* one thread: it writes the first block, slowly, then computes the
     * second, so a report falls inside the run */
    r.first_call_ns = 300000000L;
    ss_run_options opt = {.threads = 1,
                          .todo = next_range,
                          .todo_ctx = &todo,
                          .todo_trials = to_do,
                          .progress = note_progress,
                          .progress_ctx = &r};
    ss_run_result result;
    assert_int_equal(ss_run(s->grid, &opt, record, &r, &result, NULL),
                     SS_OK);
    assert_true(result.written == to_do);
    assert_true(r.progress_calls >= 2); /* one in the run, one at the end */
    assert_int_equal(r.wrong_totals, 0);
    assert_true(r.last_progress.done == to_do);
    recorder_free(&r);
}

/* The stop flag, set by the sink on call stop_at, ends the run: the blocks
 * written so far are kept, the one being computed is dropped. */
static void check_stop(const sweep *s, int threads, int stop_at)
{
    recorder r;
    recorder_init(&r, s->total);
    r.stop_at = stop_at;
    r.stop_value = SIGTERM;
    ss_run_options opt = {.threads = threads, .stop = &r.stop};
    ss_run_result result;
    ss_error err;
    ss_error_clear(&err);
    assert_int_equal(ss_run(s->grid, &opt, record, &r, &result, &err),
                     SS_ERR_INTR);
    assert_int_equal(err.code, SS_ERR_INTR);
    assert_int_equal(result.signal, SIGTERM);
    assert_int_equal(r.calls, stop_at);
    assert_int_equal(r.calls_after_stop, 0);
    assert_true(result.written == r.received);
    assert_true(r.received < s->total);
    /* what was written is the first blocks, whole */
    for (uint64_t t = 0; t < s->total; t++)
        assert_int_equal(r.times[t], t < r.received ? 1 : 0);
    for (uint64_t t = 0; t < r.received; t++)
        assert_true(same_metrics(&r.rows[t], &s->expected[SS_KERNEL_FAST][t]));
    recorder_free(&r);
}

static void run_stop_flag_keeps_finished_blocks_drops_the_running_one(
    void **state)
{
    sweep *s = *state;
    check_stop(s, 1, 1);
    check_stop(s, 2, 1);
    check_stop(s, 2, 2);
}

static void run_stop_flag_set_before_the_run_runs_nothing(void **state)
{
    sweep *s = *state;
    recorder r;
    recorder_init(&r, s->total);
    r.stop = 77;
    ss_run_options opt = {.stop = &r.stop};
    ss_run_result result;
    ss_error err;
    assert_int_equal(ss_run(s->grid, &opt, record, &r, &result, &err),
                     SS_ERR_INTR);
    assert_int_equal(result.signal, 77);
    assert_true(result.written == 0);
    assert_int_equal(r.calls, 0);
    recorder_free(&r);
}

static void run_sink_failure_ends_the_run_with_its_error(void **state)
{
    sweep *s = *state;
    recorder r;
    recorder_init(&r, s->total);
    r.fail_at = 2;
    ss_run_options opt = {.threads = 2};
    ss_run_result result;
    ss_error err;
    ss_error_clear(&err);
    assert_int_equal(ss_run(s->grid, &opt, record, &r, &result, &err),
                     SS_ERR_IO);
    assert_int_equal(err.code, SS_ERR_IO);
    assert_non_null(strstr(err.message, "disk on fire"));
    assert_int_equal(r.calls, 2);
    assert_true(result.written == r.n[0]);
    assert_int_equal(result.signal, 0);
    recorder_free(&r);
}

static void run_time_trials_gives_a_positive_time(void **state)
{
    sweep *s = *state;
    double seconds = -1;
    ss_error err;
    assert_int_equal(ss_run_time_trials(s->grid, SS_KERNEL_FAST, 8, &seconds,
                                        &err),
                     SS_OK);
    assert_true(seconds > 0);
    assert_int_equal(ss_run_time_trials(s->grid, SS_KERNEL_FAST, 0, &seconds,
                                        &err),
                     SS_OK);
    assert_true(seconds == 0);
    ss_run_options opt = {.threads = 3};
    assert_int_equal(ss_run_threads(&opt), 3);
    assert_true(ss_run_threads(NULL) >= 1);
}

/* A sink that keeps reading its rows after it returns (opt.release): it
 * holds each block lent with a copy made when it got it; release checks
 * that the runner has not written the lent rows meanwhile, then lets them
 * go. */
typedef struct lender {
    recorder r;
    const ss_metrics *lent[MAX_CALLS];
    ss_metrics *copy[MAX_CALLS];
    uint64_t lent_n[MAX_CALLS];
    int n_lent, releases, overwritten;
} lender;

static ss_status borrow(void *ctx, uint64_t first, uint64_t n,
                        const ss_metrics *rows, ss_error *err)
{
    lender *l = ctx;
    ss_status st = record(&l->r, first, n, rows, err);
    if (st != SS_OK)
        return st;
    assert_true(l->n_lent < MAX_CALLS);
    l->copy[l->n_lent] = malloc(n * sizeof *rows);
    assert_non_null(l->copy[l->n_lent]);
    memcpy(l->copy[l->n_lent], rows, n * sizeof *rows);
    l->lent[l->n_lent] = rows;
    l->lent_n[l->n_lent] = n;
    l->n_lent++;
    return SS_OK;
}

static void give_back(void *ctx)
{
    lender *l = ctx;
    l->releases++;
    for (int i = 0; i < l->n_lent; i++) {
        if (memcmp(l->lent[i], l->copy[i], l->lent_n[i] * sizeof *l->copy[i]))
            l->overwritten++;
        free(l->copy[i]);
    }
    l->n_lent = 0;
}

static void run_rows_lent_to_the_sink_stay_until_released(void **state)
{
    sweep *s = *state;
    for (int threads = 1; threads <= 2; threads++) {
        for (int fail_at = 0; fail_at <= 3; fail_at += 3) {
            lender l = {0};
            recorder_init(&l.r, s->total);
            l.r.fail_at = fail_at;
            ss_run_options opt = {.threads = threads, .block = 64,
                                  .release = give_back};
            ss_error err;
            ss_status st = ss_run(s->grid, &opt, borrow, &l, NULL, &err);
            assert_int_equal(st, fail_at ? SS_ERR_IO : SS_OK);
            /* every block was looked at again when it was given back, and
             * the last one before the run returned */
            assert_int_equal(l.n_lent, 0);
            assert_int_equal(l.overwritten, 0);
            assert_true(l.releases >= l.r.calls);
            if (!fail_at)
                for (uint64_t i = 0; i < s->total; i++)
                    assert_true(same_metrics(&l.r.rows[i],
                                             &s->expected[SS_KERNEL_FAST][i]));
            recorder_free(&l.r);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(run_blocks_cover_every_trial_once_in_order),
        cmocka_unit_test(run_results_do_not_depend_on_threads_or_blocks),
        cmocka_unit_test(run_without_options_runs_everything),
        cmocka_unit_test(run_rows_lent_to_the_sink_stay_until_released),
        cmocka_unit_test(run_todo_runs_exactly_the_trials_named),
        cmocka_unit_test(run_progress_counts_this_runs_trials),
        cmocka_unit_test(
            run_stop_flag_keeps_finished_blocks_drops_the_running_one),
        cmocka_unit_test(run_stop_flag_set_before_the_run_runs_nothing),
        cmocka_unit_test(run_sink_failure_ends_the_run_with_its_error),
        cmocka_unit_test(run_time_trials_gives_a_positive_time),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
