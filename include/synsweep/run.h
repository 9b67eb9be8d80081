/* Runs the trials of a grid on OpenMP threads and hands the results, in
 * order, block by block, to one writer. Knows nothing of the file. */
#ifndef SYNSWEEP_RUN_H
#define SYNSWEEP_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "synsweep/grid.h"
#include "synsweep/metrics.h"
#include "synsweep/model.h"
#include "synsweep/status.h"

/* Receives trials [first, first + n), rows[i] being trial first + i; called
 * from one thread only, in increasing order of first. */
typedef ss_status (*ss_run_sink)(void *ctx, uint64_t first, uint64_t n,
                                 const ss_metrics *rows, ss_error *err);

typedef struct ss_run_progress {
    uint64_t done, total;
    double elapsed; /* seconds */
} ss_run_progress;

/* The trials still to do: gives the first run of them at or after `from`,
 * [*first, *first + *n), *n = 0 when none is left. */
typedef ss_status (*ss_run_todo)(void *ctx, uint64_t from, uint64_t *first,
                                 uint64_t *n, ss_error *err);

typedef struct ss_run_options {
    int threads;      /* <= 0: all cores */
    uint64_t block;   /* blocks handed to the sink are multiples of this
                         (the file's chunk), 0: any size */
    ss_kernel kernel; /* SS_KERNEL_FAST (0) unless set */
    /* called now and then from one thread; may be NULL */
    void (*progress)(const ss_run_progress *p, void *ctx);
    void *progress_ctx;
    /* which trials to run (NULL: all) and how many those are */
    ss_run_todo todo;
    void *todo_ctx;
    uint64_t todo_trials;
} ss_run_options;

typedef struct ss_run_result {
    uint64_t written; /* trials handed to the sink and written */
    int signal;       /* the signal that stopped the run, or 0 */
} ss_run_result;

/* Makes SIGINT and SIGTERM stop ss_run cleanly: it stops handing out
 * trials, drops the block being computed, writes what was computed before
 * and returns SS_ERR_INTR with the signal in its result. A second SIGINT
 * ends the process at once (status 130). */
void ss_run_catch_signals(void);

/* Runs every trial of grid. A trial's result depends only on its
 * parameters, the seed and its repeat: never on the thread count, the
 * schedule or the block size. Blocks go to the sink in order while the
 * next block is computed; memory is bounded by two blocks. */
ss_status ss_run(const ss_grid *grid, const ss_run_options *opt,
                 ss_run_sink sink, void *sink_ctx, ss_run_result *result,
                 ss_error *err);



/* Times up to n_samples trials spread over the grid on one thread and
 * returns the mean seconds per trial in *seconds. */
ss_status ss_run_time_trials(const ss_grid *grid, ss_kernel kernel,
                             unsigned n_samples, double *seconds,
                             ss_error *err);

/* The number of threads ss_run would use for opt. */
int ss_run_threads(const ss_run_options *opt);

#endif
