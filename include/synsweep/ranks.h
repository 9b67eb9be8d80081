/* One run spread over the ranks of an MPI job (MPI_COMM_WORLD), in builds
 * with SYNSWEEP_MPI: rank 0 deals out runs of trials on request (dynamic
 * balancing) and hands the metrics that come back to its one sink; every
 * rank, rank 0 included, computes its share with ss_run (OpenMP inside).
 * A trial's result depends only on its parameters, the seed and its
 * repeat, so the file does not depend on the number of ranks either.
 *
 * Knows nothing of the file and installs nothing process-wide: the program
 * initialises MPI (MPI_THREAD_FUNNELED at least), catches signals, and
 * ends MPI. Rank 0 calls ss_ranks_run while every other rank calls
 * ss_ranks_work (or ss_ranks_fail), with the same grid and kernel. */
#ifndef SYNSWEEP_RANKS_H
#define SYNSWEEP_RANKS_H

#include "synsweep/run.h"

/* On rank 0: runs every trial of grid (or those opt->todo names) on all
 * ranks and hands their metrics to sink(sink_ctx, ...), as ss_run does,
 * but for three things: blocks reach the sink in any order (each is a
 * run of trials, never one twice); opt->progress counts the trials
 * written; and a rank other than 0 that fails or is stopped by a signal
 * ends the run as rank 0's own failure or stop flag would.
 *
 * Rank 0's share runs on a thread of its own with opt->threads threads;
 * the calling thread answers the other ranks and is the only one that
 * calls MPI, sink, opt->todo and opt->progress. Once *opt->stop is set,
 * no trial is dealt any more and every block finished on any rank is
 * still handed to the sink; returns once every rank has finished.
 *
 * Returns SS_OK when every trial was written; the sink's, todo's or a
 * rank's failure (a rank's message names it); SS_ERR_NOMEM; or
 * SS_ERR_INTR with result->signal the stop flag's (or the stopped rank's)
 * signal. result->written counts the trials the sink took. */
ss_status ss_ranks_run(const ss_grid *grid, const ss_run_options *opt,
                       ss_run_sink sink, void *sink_ctx,
                       ss_run_result *result, ss_error *err);

/* On every rank but 0: asks rank 0 for trials, computes them with ss_run
 * (opt: threads, kernel, block, stop; its todo, progress and sink are
 * this module's) and sends their metrics back until rank 0 has no more,
 * then tells rank 0 how it ended. Returns that: SS_OK, a trial's failure
 * or SS_ERR_NOMEM (err filled), or SS_ERR_INTR once *opt->stop is set. */
ss_status ss_ranks_work(const ss_grid *grid, const ss_run_options *opt,
                        ss_error *err);

/* On a rank but 0 that cannot take part (its grid could not be built):
 * tells rank 0, whose ss_ranks_run then ends with err. */
void ss_ranks_fail(const ss_error *err);

#endif
