/* Runs the trials of a grid on OpenMP threads and hands the results, in
 * order, block by block, to one writer. Knows nothing of the file and
 * installs nothing process-wide: the program that wants a run to stop on
 * a signal catches it itself and passes a stop flag. */
#ifndef SYNSWEEP_RUN_H
#define SYNSWEEP_RUN_H

#include <signal.h> /* sig_atomic_t */
#include <stdbool.h>
#include <stdint.h>

#include "synsweep/grid.h"
#include "synsweep/metrics.h"
#include "synsweep/model.h"
#include "synsweep/status.h"

/* Receives trials [first, first + n), rows[i] being trial first + i, and
 * writes them; returns SS_OK or the failure (the run then stops). rows is
 * the runner's and valid only during the call (copy what is kept), or
 * with opt->release until that is called. Called
 * on the thread that called ss_run, in increasing order of first, never
 * twice for a trial; while it runs, the next block is being computed. */
typedef ss_status (*ss_run_sink)(void *ctx, uint64_t first, uint64_t n,
                                 const ss_metrics *rows, ss_error *err);

/* How far this run is: done of its total trials (those opt->todo names
 * when set, else the grid's; a resumed run does not count the trials
 * done before it), in elapsed seconds, so done / elapsed is its rate. */
typedef struct ss_run_progress {
    uint64_t done, total;
    double elapsed; /* seconds */
} ss_run_progress;

/* The trials still to do: gives the first run of them at or after `from`,
 * [*first, *first + *n), *n = 0 when none is left. Called on the thread
 * that called ss_run, with `from` increasing. */
typedef ss_status (*ss_run_todo)(void *ctx, uint64_t from, uint64_t *first,
                                 uint64_t *n, ss_error *err);

/* Plain data, built by the caller (a designated initialiser leaves the
 * rest zero: every field's zero is the default). */
typedef struct ss_run_options {
    int threads;      /* <= 0: all cores */
    uint64_t block;   /* blocks handed to the sink are multiples of this
                         (the file's chunk), but for the last of each run
                         of trials to do; 0: any size */
    ss_kernel kernel; /* SS_KERNEL_FAST (0) unless set */
    /* called now and then on the thread that called ss_run, and once at
     * the end; may be NULL */
    void (*progress)(const ss_run_progress *p, void *ctx);
    void *progress_ctx;
    /* which trials to run (NULL: all) and how many those are */
    ss_run_todo todo;
    void *todo_ctx;
    uint64_t todo_trials;
    /* NULL: the run never stops early. Else read (never written) by every
     * thread: once *stop is non-zero (a program's signal handler stores the
     * signal number), the run stops handing out trials, drops the block
     * being computed, hands the sink what was computed before, and
     * returns SS_ERR_INTR with result->signal = *stop. */
    const volatile sig_atomic_t *stop;
    /* NULL: the sink reads rows only during its call. Else it may go on
     * reading the rows it was handed after it returns (on a thread of its
     * own, say), until release(sink_ctx) returns: the runner calls it
     * before it writes those rows again or frees them. */
    void (*release)(void *sink_ctx);
} ss_run_options;

typedef struct ss_run_result {
    uint64_t written; /* trials handed to the sink and written */
    int signal;       /* the stop flag's value that ended the run, or 0 */
} ss_run_result;

/* Runs every trial of grid's part (ss_grid_block: its shard's block, or
 * the whole sweep), or those opt->todo names, and hands their metrics to
 * sink(sink_ctx, ...). A trial's result depends only on its parameters,
 * the seed and its repeat: never on the thread count, the schedule or the
 * block size. Blocks go to the sink in order while the
 * next block is computed; memory is bounded by two blocks.
 *
 * opt may be NULL (all defaults); result may be NULL. Returns SS_OK when
 * every trial was written; the sink's or a trial's failure (err filled by
 * them); SS_ERR_NOMEM; or SS_ERR_INTR when the stop flag ended the run.
 * result->written counts the trials the sink took, also on failure.
 * Allocates its blocks and one model workspace per thread and frees them
 * before returning; keeps no pointer to grid, opt or the contexts after it
 * returns. The grid is only read: several runs may share it at once. */
ss_status ss_run(const ss_grid *grid, const ss_run_options *opt,
                 ss_run_sink sink, void *sink_ctx, ss_run_result *result,
                 ss_error *err);

/* Times up to n_samples trials spread over the grid's part (its shard's
 * block, or the whole sweep) on the calling thread and returns the mean
 * seconds per trial in *seconds (0 for an empty part or n_samples = 0).
 * Returns a trial's failure or SS_ERR_NOMEM; allocates one workspace and
 * frees it. */
ss_status ss_run_time_trials(const ss_grid *grid, ss_kernel kernel,
                             unsigned n_samples, double *seconds,
                             ss_error *err);

/* The number of threads ss_run would use for opt (NULL: the defaults):
 * opt->threads when positive, else the processors OpenMP counts. */
int ss_run_threads(const ss_run_options *opt);

#endif
