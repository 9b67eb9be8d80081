#include "synsweep/run.h"

#include <stdlib.h>

#include <omp.h>

#include "synsweep/model.h"

/* Trials per block: blocks start small (the first results reach the file
 * soon) and grow while one takes under BLOCK_SECONDS, so cheap trials do
 * not pay a flush each, and shrink again towards the end (the last write
 * runs alone); two blocks of MAX_BLOCK bound the memory (16 MB). */
#define MIN_BLOCK 4096
#define MAX_BLOCK 65536
#define BLOCK_SECONDS 0.25
/* Seconds between progress reports. */
#define PROGRESS_PERIOD 0.25

/* The last trial made by next_trial: its grid point's parameters and
 * stream key serve every repeat of the point. */
typedef struct point_cache {
    uint64_t point; /* trial / repeats; UINT64_MAX when empty */
    ss_params p;
    ss_rng_stream s;
    size_t bins; /* ss_params_time_bins of p, for the fast kernels */
} point_cache;

/* Trial `trial`'s parameters and stream into *p, *s: ss_grid_trial's. The
 * repeat is the grid's last dimension and a point's parameters and stream
 * key do not depend on it, so the repeats of the point in the cache take
 * them from there (with their own repeat), checked and keyed once. */
static ss_status next_trial(const ss_grid *grid, uint64_t repeats,
                            point_cache *c, uint64_t trial, ss_params *p,
                            ss_rng_stream *s, ss_error *err)
{
    const uint64_t point = trial / repeats;
    if (point == c->point) {
        *p = c->p;
        ss_rng_stream_init(s, c->s.key[0], c->s.key[1], trial % repeats);
        return SS_OK;
    }
    uint64_t repeat;
    ss_status st = ss_grid_trial(grid, trial, p, &repeat, s, err);
    if (st == SS_OK) {
        c->point = point;
        c->p = *p;
        c->s = *s;
        c->bins = ss_params_time_bins(ss_spec_model(ss_grid_spec(grid)), p);
    }
    return st;
}

/* Runs trials [first, first + n) into rows[0 .. n): one by one with the
 * reference kernels; with the fast ones, in lanes of up to SS_MODEL_LANES
 * trials that share a time grid. The points come from ss_grid_trial,
 * checked: the fast kernels do not check them again. */
static ss_status run_trials(const ss_grid *grid, ss_kernel kernel,
                            uint64_t first, uint64_t n, ss_model_ws *ws,
                            ss_metrics *rows, ss_error *err)
{
    const ss_model model = ss_spec_model(ss_grid_spec(grid));
    const uint64_t repeats = ss_grid_shape(grid)[ss_grid_rank(grid) - 1];
    point_cache cache = {.point = UINT64_MAX};
    ss_params p[SS_MODEL_LANES];
    ss_rng_stream s[SS_MODEL_LANES];
    ss_status st = SS_OK;
    for (uint64_t t = 0; t < n && st == SS_OK;) {
        if (kernel == SS_KERNEL_REFERENCE) {
            st = next_trial(grid, repeats, &cache, first + t, &p[0], &s[0],
                            err);
            if (st == SS_OK)
                st = ss_model_run(model, &p[0], &s[0], ws, &rows[t], err);
            t++;
            continue;
        }
        size_t lanes = 0, bins = 0;
        while (lanes < SS_MODEL_LANES && t + lanes < n && st == SS_OK) {
            st = next_trial(grid, repeats, &cache, first + t + lanes,
                            &p[lanes], &s[lanes], err);
            size_t b = cache.bins; /* of the point just made */
            if (lanes > 0 && b != bins)
                break; /* starts the next group */
            bins = b;
            lanes++;
        }
        if (st == SS_OK)
            st = ss_model_run_fast_checked(model, lanes, p, s, ws, &rows[t],
                                           err);
        t += lanes;
    }
    return st;
}

/* The trials the run is to do: those opt->todo names, else the grid's
 * part (its shard's block, or every trial). */
static uint64_t run_total(const ss_grid *grid, const ss_run_options *opt)
{
    if (opt && opt->todo)
        return opt->todo_trials;
    uint64_t first, count;
    ss_grid_block(grid, &first, &count);
    return count;
}

/* The stop flag's value: 0 while the run may go on. */
static int stop_value(const ss_run_options *opt)
{
    return opt && opt->stop ? (int)*opt->stop : 0;
}

int ss_run_threads(const ss_run_options *opt)
{
    return opt && opt->threads > 0 ? opt->threads : omp_get_num_procs();
}

/* Computes trials [first, first + n) into rows on the threads, while the
 * master first hands the previous block (if any) to the sink: writing
 * overlaps computing. Returns the first trial or sink failure. */
static ss_status run_block(const ss_grid *grid, const ss_run_options *opt,
                           ss_kernel kernel, ss_model_ws **ws, int threads,
                           uint64_t first, uint64_t n, ss_metrics *rows,
                           ss_run_sink sink, void *sink_ctx,
                           uint64_t prev_first, uint64_t prev_n,
                           const ss_metrics *prev_rows, uint64_t done,
                           double start, double *last_report, ss_error *err)
{
    /* progress counts this run's trials against this run's total, so a
     * resumed run's rate and ETA are right */
    const uint64_t total = run_total(grid, opt);
    /* the unit of work one thread takes at a time: a few hundred per
     * thread and block (whole lane groups), so that cheap trials do not
     * pay a hand-out (and an atomic add) each, and the threads still
     * finish a block within one unit of each other */
    const uint64_t group = kernel == SS_KERNEL_FAST ? SS_MODEL_LANES : 1;
    const uint64_t per = n / (group * (uint64_t)threads * 256);
    const uint64_t chunk = group * (per > 1 ? per : 1);
    ss_status failed = SS_OK, sink_st = SS_OK;
    ss_error trial_err, sink_err;
    ss_error_clear(&trial_err);
    ss_error_clear(&sink_err);
    uint64_t finished = 0; /* trials of this block done so far */

#pragma omp parallel num_threads(threads)
    {
#pragma omp master
        if (prev_n > 0)
            sink_st = sink(sink_ctx, prev_first, prev_n, prev_rows,
                           &sink_err);
        ss_model_ws *w = ws[omp_get_thread_num()];
#pragma omp for schedule(dynamic, 1)
        for (uint64_t i = 0; i < n; i += chunk) {
            if (stop_value(opt))
                continue; /* hand out nothing more */
            uint64_t count = n - i < chunk ? n - i : chunk;
            ss_error e;
            ss_status ts = run_trials(grid, kernel, first + i, count, w,
                                      &rows[i], &e);
            if (ts != SS_OK) {
#pragma omp critical(ss_run_error)
                if (failed == SS_OK) {
                    failed = ts;
                    trial_err = e;
                }
            }
#pragma omp atomic update
            finished += count;
            if (opt && opt->progress && omp_get_thread_num() == 0) {
                double now = omp_get_wtime();
                if (now - *last_report >= PROGRESS_PERIOD) {
                    uint64_t so_far;
#pragma omp atomic read
                    so_far = finished;
                    *last_report = now;
                    ss_run_progress pr = {done + so_far, total, now - start};
                    opt->progress(&pr, opt->progress_ctx);
                }
            }
        }
    }
    if (sink_st != SS_OK) {
        if (err)
            *err = sink_err;
        return sink_st;
    }
    if (failed != SS_OK && err)
        *err = trial_err;
    return failed;
}

/* The sink is done with every row handed to it (opt->release). */
static void release_rows(const ss_run_options *opt, void *sink_ctx)
{
    if (opt && opt->release)
        opt->release(sink_ctx);
}

/* Every trial of the grid's part (its shard's block, or the sweep). */
static ss_status all_trials(void *ctx, uint64_t from, uint64_t *first,
                            uint64_t *n, ss_error *err)
{
    (void)err;
    uint64_t start, count;
    ss_grid_block(ctx, &start, &count);
    if (from < start)
        from = start;
    *first = from;
    *n = from < start + count ? start + count - from : 0;
    return SS_OK;
}

ss_status ss_run(const ss_grid *grid, const ss_run_options *opt,
                 ss_run_sink sink, void *sink_ctx, ss_run_result *result,
                 ss_error *err)
{
    ss_run_result unused;
    if (!result)
        result = &unused;
    const int threads = ss_run_threads(opt);
    const ss_kernel kernel = opt ? opt->kernel : SS_KERNEL_FAST;
    ss_run_todo todo = opt && opt->todo ? opt->todo : all_trials;
    void *todo_ctx = opt && opt->todo ? opt->todo_ctx : (void *)grid;
    const uint64_t total = run_total(grid, opt);
    /* blocks are whole multiples of unit, from about MIN_BLOCK trials,
     * growing while one takes less than BLOCK_SECONDS, up to MAX_BLOCK */
    const uint64_t unit = opt && opt->block ? opt->block : 1;
    const uint64_t max_block = (MAX_BLOCK + unit - 1) / unit * unit;
    const uint64_t min_block = (MIN_BLOCK + unit - 1) / unit * unit;
    uint64_t block = min_block;
    result->written = 0;
    result->signal = 0;

    ss_metrics *rows[2] = {malloc(max_block * sizeof(ss_metrics)),
                           malloc(max_block * sizeof(ss_metrics))};
    ss_model_ws **ws = calloc((size_t)threads, sizeof *ws);
    ss_status st = SS_OK;
    if (!rows[0] || !rows[1] || !ws) {
        st = ss_error_set(err, SS_ERR_NOMEM, "cannot allocate a block");
        goto out;
    }
    for (int t = 0; t < threads; t++) {
        if (!(ws[t] = ss_model_ws_create())) {
            st = ss_error_set(err, SS_ERR_NOMEM, "cannot allocate workspaces");
            goto out;
        }
    }

    const double start = omp_get_wtime();
    double last_report = start;
    uint64_t prev_first = 0, prev_n = 0, computed = 0;
    uint64_t range_first = 0, range_n = 0, next = 0;
    int cur = 0;
    int stopped = 0; /* the stop flag's value once the run has seen it */
    while (st == SS_OK && !(stopped = stop_value(opt))) {
        if (range_n == 0) {
            if ((st = todo(todo_ctx, next, &range_first, &range_n, err)) !=
                SS_OK)
                break;
            if (range_n == 0)
                break;
        }
        /* blocks never straddle two runs of trials to do; and none takes
         * more than half of what is left of one (unless that is under
         * min_block): the blocks shrink towards the end, so the write of
         * the last block, which no computing overlaps, is short */
        uint64_t n = range_n < block ? range_n : block;
        const uint64_t half = (range_n / 2 + unit - 1) / unit * unit;
        if (half >= min_block && half < n)
            n = half;
        const uint64_t first = range_first;
        double t0 = omp_get_wtime();
        /* rows[cur] was handed to the sink in the block before */
        release_rows(opt, sink_ctx);
        st = run_block(grid, opt, kernel, ws, threads, first, n, rows[cur],
                       sink, sink_ctx, prev_first, prev_n, rows[1 - cur],
                       computed, start, &last_report, err);
        if (st == SS_OK) {
            result->written += prev_n;
            prev_n = 0;
        }
        if ((stopped = stop_value(opt)))
            break; /* this block is incomplete: dropped */
        if (omp_get_wtime() - t0 < BLOCK_SECONDS && block < max_block)
            block = block * 2 < max_block ? block * 2 : max_block;
        prev_first = first;
        prev_n = n;
        computed += n;
        cur = 1 - cur;
        range_first += n;
        range_n -= n;
        next = range_first;
    }
    if (st == SS_OK && prev_n > 0) {
        /* the last complete block, also when the stop flag ended the run */
        st = sink(sink_ctx, prev_first, prev_n, rows[1 - cur], err);
        if (st == SS_OK)
            result->written += prev_n;
    }
    if (st == SS_OK && opt && opt->progress) {
        ss_run_progress pr = {result->written, total,
                              omp_get_wtime() - start};
        opt->progress(&pr, opt->progress_ctx);
    }
    if (st == SS_OK && !stopped)
        stopped = stop_value(opt); /* set while the last block was written */
    if (st == SS_OK && stopped) {
        result->signal = stopped;
        st = ss_error_set(err, SS_ERR_INTR, "interrupted by signal %d",
                          stopped);
    }

out:
    release_rows(opt, sink_ctx); /* before the rows go */
    if (ws)
        for (int t = 0; t < threads; t++)
            ss_model_ws_free(ws[t]);
    free(ws);
    free(rows[0]);
    free(rows[1]);
    return st;
}

ss_status ss_run_time_trials(const ss_grid *grid, ss_kernel kernel,
                             unsigned n_samples, double *seconds,
                             ss_error *err)
{
    uint64_t base, total; /* the grid's part */
    ss_grid_block(grid, &base, &total);
    if (n_samples == 0 || total == 0) {
        *seconds = 0;
        return SS_OK;
    }
    if (n_samples > total)
        n_samples = (unsigned)total;
    /* the fast kernels run trials in lanes: time them that way */
    const uint64_t group = kernel == SS_KERNEL_FAST ? SS_MODEL_LANES : 1;
    ss_metrics m[SS_MODEL_LANES];
    uint64_t timed = 0;
    ss_model_ws *w = ss_model_ws_create();
    if (!w)
        return ss_error_set(err, SS_ERR_NOMEM, "cannot allocate a workspace");
    ss_status st = SS_OK;
    double start = omp_get_wtime();
    for (unsigned k = 0; k < n_samples && st == SS_OK; k++) {
        /* spread over the grid: trial costs vary along its axes */
        uint64_t trial = (uint64_t)((double)k * (double)total / n_samples);
        uint64_t count = total - trial < group ? total - trial : group;
        st = run_trials(grid, kernel, base + trial, count, w, m, err);
        timed += count;
    }
    *seconds = (omp_get_wtime() - start) / (double)timed;
    ss_model_ws_free(w);
    return st;
}
