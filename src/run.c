#include "synsweep/run.h"

#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "synsweep/model.h"

/* Trials per block when the caller has no preference: big enough that
 * threads rarely wait at a block's end, small enough to stay a few MB. */
#define DEFAULT_BLOCK 8192
/* Seconds between progress reports. */
#define PROGRESS_PERIOD 0.25

/* Runs trials [first, first + n) into rows[0 .. n): one by one with the
 * reference kernels; with the fast ones, in lanes of up to SS_MODEL_LANES
 * trials that share a time grid. */
static ss_status run_trials(const ss_grid *grid, ss_kernel kernel,
                            uint64_t first, uint64_t n, ss_model_ws *ws,
                            ss_metrics *rows, ss_error *err)
{
    const ss_model model = ss_spec_model(ss_grid_spec(grid));
    ss_params p[SS_MODEL_LANES];
    ss_rng_stream s[SS_MODEL_LANES];
    uint64_t repeat;
    ss_status st = SS_OK;
    for (uint64_t t = 0; t < n && st == SS_OK;) {
        if (kernel == SS_KERNEL_REFERENCE) {
            st = ss_grid_trial(grid, first + t, &p[0], &repeat, &s[0], err);
            if (st == SS_OK)
                st = ss_model_run(model, &p[0], &s[0], ws, &rows[t], err);
            t++;
            continue;
        }
        size_t lanes = 0, bins = 0;
        while (lanes < SS_MODEL_LANES && t + lanes < n && st == SS_OK) {
            st = ss_grid_trial(grid, first + t + lanes, &p[lanes], &repeat,
                               &s[lanes], err);
            size_t b = ss_params_time_bins(model, &p[lanes]);
            if (lanes > 0 && b != bins)
                break; /* starts the next group */
            bins = b;
            lanes++;
        }
        if (st == SS_OK)
            st = ss_model_run_fast(model, lanes, p, s, ws, &rows[t], err);
        t += lanes;
    }
    return st;
}

int ss_run_threads(const ss_run_options *opt)
{
    return opt && opt->threads > 0 ? opt->threads : omp_get_num_procs();
}

ss_status ss_run(const ss_grid *grid, const ss_run_options *opt,
                 ss_run_sink sink, void *sink_ctx, ss_error *err)
{
    const uint64_t total = ss_grid_trials(grid);
    const int threads = ss_run_threads(opt);
    const uint64_t block = opt && opt->block ? opt->block : DEFAULT_BLOCK;
    const ss_kernel kernel = opt ? opt->kernel : SS_KERNEL_FAST;
    /* the unit of work one thread takes at a time */
    const uint64_t group = kernel == SS_KERNEL_FAST ? SS_MODEL_LANES : 1;

    ss_metrics *rows = malloc(block * sizeof *rows);
    ss_model_ws **ws = calloc((size_t)threads, sizeof *ws);
    ss_status st = SS_OK;
    if (!rows || !ws) {
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
    uint64_t done = 0;
    for (uint64_t first = 0; first < total && st == SS_OK; first += block) {
        const uint64_t n = total - first < block ? total - first : block;
        ss_status failed = SS_OK;
        uint64_t finished = 0; /* trials of this block done so far */
        ss_error first_err;
        ss_error_clear(&first_err);

#pragma omp parallel num_threads(threads)
        {
            ss_model_ws *w = ws[omp_get_thread_num()];
#pragma omp for schedule(dynamic, 1)
            for (uint64_t i = 0; i < n; i += group) {
                uint64_t count = n - i < group ? n - i : group;
                ss_error e;
                ss_status ts = run_trials(grid, kernel, first + i, count, w,
                                          &rows[i], &e);
                if (ts != SS_OK) {
#pragma omp critical(ss_run_error)
                    if (failed == SS_OK) {
                        failed = ts;
                        first_err = e;
                    }
                }
#pragma omp atomic update
                finished += count;
                if (opt && opt->progress && omp_get_thread_num() == 0) {
                    double now = omp_get_wtime();
                    if (now - last_report >= PROGRESS_PERIOD) {
                        uint64_t so_far;
#pragma omp atomic read
                        so_far = finished;
                        last_report = now;
                        ss_run_progress pr = {done + so_far, total,
                                              now - start};
                        opt->progress(&pr, opt->progress_ctx);
                    }
                }
            }
        }
        if (failed != SS_OK) {
            if (err)
                *err = first_err;
            st = failed;
            break;
        }
        st = sink(sink_ctx, first, n, rows, err);
        done += n;
        if (opt && opt->progress) {
            ss_run_progress pr = {done, total, omp_get_wtime() - start};
            opt->progress(&pr, opt->progress_ctx);
        }
    }

out:
    if (ws)
        for (int t = 0; t < threads; t++)
            ss_model_ws_free(ws[t]);
    free(ws);
    free(rows);
    return st;
}

ss_status ss_run_time_trials(const ss_grid *grid, ss_kernel kernel,
                             unsigned n_samples, double *seconds,
                             ss_error *err)
{
    const uint64_t total = ss_grid_trials(grid);
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
        st = run_trials(grid, kernel, trial, count, w, m, err);
        timed += count;
    }
    *seconds = (omp_get_wtime() - start) / (double)timed;
    ss_model_ws_free(w);
    return st;
}
