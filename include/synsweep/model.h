/* One trial of a model: (params, random stream, workspace) -> metrics.
 * Pure: no I/O, no threads, no allocation inside the time loop. The
 * reference kernels are the tutorial's per-step Euler loops in the
 * tutorial's operation order, quirks included; the fast kernels compute the
 * same models with less work. No global state: calls on different
 * workspaces may run on any threads at once. */
#ifndef SYNSWEEP_MODEL_H
#define SYNSWEEP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synsweep/metrics.h"
#include "synsweep/params.h"
#include "synsweep/rng.h"
#include "synsweep/status.h"

/* Scratch memory for trials, and the traces of the last traced trial:
 * created once per thread, grown (before any time loop) when a trial needs
 * more bins. Opaque; one workspace per thread, never used by two threads
 * at once. */
typedef struct ss_model_ws ss_model_ws;

/* An empty workspace (it grows on first use), or NULL when out of memory.
 * The caller owns it: free with ss_model_ws_free. One per thread. */
ss_model_ws *ss_model_ws_create(void);
/* Frees ws and everything in it; pointers from ss_model_trace and
 * ss_model_spikes die with it. NULL is fine. */
void ss_model_ws_free(ss_model_ws *ws);

/* Fills *s with trial (m, p, repeat)'s stream. The reproducibility
 * contract: a trial's stream is keyed by (seed, its parameter point,
 * repeat); with common = true by (seed, repeat) only, so every parameter
 * point of a repeat sees the same random numbers. Pure, any thread. */
void ss_model_trial_stream(ss_model m, const ss_params *p, uint64_t seed,
                           uint64_t repeat, bool common, ss_rng_stream *s);

/* Runs one trial of model m with the reference kernel and keeps its
 * traces in ws (see ss_model_trace). Validates p first (SS_ERR_PARAM);
 * SS_ERR_NOMEM when the workspace cannot grow; err (may be NULL) says why.
 * Same (m, p, s) gives the same bits on any thread. Metrics m does not
 * produce are NaN. */
ss_status ss_model_run(ss_model m, const ss_params *p, const ss_rng_stream *s,
                       ss_model_ws *ws, ss_metrics *out, ss_error *err);

/* The kernels: the reference kernels step every bin of every train as the
 * tutorial does; the fast kernels draw the gaps between presynaptic spikes,
 * update each synapse only at its spikes and run several trials in SIMD
 * lanes. Same model, same distribution of results; the fast kernels read
 * the random stream differently, so single trials differ. */
typedef enum ss_kernel {
    SS_KERNEL_FAST,
    SS_KERNEL_REFERENCE,
    SS_KERNEL_COUNT
} ss_kernel;

/* The kernel's name (a static string), "?" for no kernel. */
const char *ss_kernel_name(ss_kernel k);
/* The version of the fast kernels' random numbers: it changes when they
 * draw other numbers for the same trial (2: lif_cond draws its static
 * populations as counts per bin; 3: lif_cond's and lif_cond_stp's Poisson
 * inputs read Philox4x32-10 under a key from the trial's stream). Results
 * files of the fast kernels record it, so that a file is never resumed or
 * merged with other numbers. */
#define SS_FAST_KERNEL_VERSION 3
/* Returns SS_KERNEL_COUNT when name is no kernel. */
ss_kernel ss_kernel_from_name(const char *name);

/* Trials one call of the fast kernels runs side by side. */
#define SS_MODEL_LANES 8

/* Runs n (1 .. SS_MODEL_LANES) trials of model m with the fast kernels:
 * trial k has parameters p[k] and stream s[k]; out[k] gets its metrics.
 * The trials must share the number of time bins (SS_ERR_PARAM otherwise);
 * errors as ss_model_run. Traces are not kept: the fast kernels have
 * scratch of their own in ws and leave its traces and spikes as they
 * were. */
ss_status ss_model_run_fast(ss_model m, size_t n, const ss_params *p,
                            const ss_rng_stream *s, ss_model_ws *ws,
                            ss_metrics *out, ss_error *err);

/* ss_model_run_fast for points that have passed ss_params_check_point
 * already (every point ss_spec_point and ss_grid_trial return): the same
 * results, without checking the points again. A point that has not
 * passed the check is undefined behaviour: use ss_model_run_fast. */
ss_status ss_model_run_fast_checked(ss_model m, size_t n, const ss_params *p,
                                    const ss_rng_stream *s, ss_model_ws *ws,
                                    ss_metrics *out, ss_error *err);

/* Runs one trial with the kernel chosen: ss_model_run or
 * ss_model_run_fast with n = 1 (which keeps no traces). */
ss_status ss_model_run_kernel(ss_kernel k, ss_model m, const ss_params *p,
                              const ss_rng_stream *s, ss_model_ws *ws,
                              ss_metrics *out, ss_error *err);

/* Runs one trial with the kernel chosen and keeps its time series in ws:
 * with the reference kernels this is ss_model_run; with the fast kernels,
 * the reference dynamics on the presynaptic trains the fast kernels draw,
 * so the metrics agree with ss_model_run_fast's to rounding (1e-9).
 * Errors as ss_model_run. */
ss_status ss_model_run_traced(ss_kernel k, ss_model m, const ss_params *p,
                              const ss_rng_stream *s, ss_model_ws *ws,
                              ss_metrics *out, ss_error *err);

/* Time series of the last traced trial in ws: the last run by
 * ss_model_run, ss_model_run_traced, or ss_model_run_kernel with the
 * reference kernel. Runs of the fast kernels (ss_model_run_fast,
 * ss_model_run_kernel with SS_KERNEL_FAST) trace nothing and change
 * nothing of it: after them these still give the last traced trial's
 * data, at the same addresses. */
typedef enum ss_trace {
    SS_TRACE_V,       /* membrane potential, mV (the tutorial's v) */
    SS_TRACE_FMP,     /* free membrane potential, mV */
    SS_TRACE_GE,      /* total excitatory conductance, nS (g for stp_train) */
    SS_TRACE_GI,      /* total inhibitory conductance, nS */
    SS_TRACE_I,       /* injected current, pA */
    SS_TRACE_U,       /* u (mean over excitatory synapses in lif_cond_stp) */
    SS_TRACE_R,       /* R (mean over excitatory synapses in lif_cond_stp) */
    SS_TRACE_TRAIN,   /* presynaptic spikes per bin (excitatory, summed) */
    SS_TRACE_COUNT
} ss_trace;

/* Points of each trace (0 before any traced trial). */
size_t ss_model_trace_length(const ss_model_ws *ws);
/* Trace t, ss_model_trace_length points (time = index * dt), or NULL when
 * the last traced trial's model does not make it (or no trial was traced).
 * Owned by ws: valid until the next traced run with ws or
 * ss_model_ws_free; read-only. */
const double *ss_model_trace(const ss_model_ws *ws, ss_trace t);
/* Output spike bins of the last traced trial (spike time = bin * dt), *n
 * of them (0 for stp_train); owned by ws and valid as ss_model_trace. */
const size_t *ss_model_spikes(const ss_model_ws *ws, size_t *n);
/* The same spikes' times, ms: bin * dt for Euler, the crossing times the
 * exact integrator found (between grid points) for `method: exact`. */
const double *ss_model_spike_times(const ss_model_ws *ws, size_t *n);

#endif
