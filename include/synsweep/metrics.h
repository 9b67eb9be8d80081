/* What one trial yields: the table of metrics (name, unit, which models
 * produce it) and the summary statistics they are computed with. No global
 * state: every function may run on any thread at once, on its own data. */
#ifndef SYNSWEEP_METRICS_H
#define SYNSWEEP_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "synsweep/params.h"

/* X(name, unit, models, long_name) */
#define SS_METRIC_LIST(X)                                                    \
    X(firing_rate, "Hz", SS_M_LIFS, "output firing rate")                    \
    X(n_spikes, "1", SS_M_LIFS, "number of output spikes")                   \
    X(cv_isi, "1", SS_M_LIFS,                                                \
      "coefficient of variation of the interspike intervals")                \
    X(fmp_mean, "mV", SS_M_LIFS, "mean free membrane potential")             \
    X(fmp_std, "mV", SS_M_LIFS,                                              \
      "standard deviation of the free membrane potential")                   \
    X(v_mean, "mV", SS_M_LIFS, "mean membrane potential")                    \
    X(gE_mean, "nS", SS_M_LIFS, "mean total excitatory conductance")         \
    X(gI_mean, "nS", SS_M_LIFS, "mean total inhibitory conductance")         \
    X(g1, "nS", SS_M_TRAIN, "conductance at the 1st delivered spike")        \
    X(g10, "nS", SS_M_TRAIN, "conductance at the 9th delivered spike "       \
                             "(the 10th of the train)")                      \
    X(g_ratio, "1", SS_M_TRAIN, "g10 / g1")                                  \
    X(u1, "1", SS_M_TRAIN, "release probability u at the g1 spike")          \
    X(R1, "1", SS_M_TRAIN, "available resources R at the g1 spike")          \
    X(u10, "1", SS_M_TRAIN, "release probability u at the g10 spike")        \
    X(R10, "1", SS_M_TRAIN, "available resources R at the g10 spike")

typedef enum ss_metric_id {
#define SS_X_ID(name, ...) SS_MET_##name,
    SS_METRIC_LIST(SS_X_ID)
#undef SS_X_ID
    SS_METRIC_COUNT
} ss_metric_id;

typedef struct ss_metric_info {
    const char *name;
    const char *unit;
    unsigned models;
    const char *long_name;
} ss_metric_info;

/* How a trial ended: X(code, value, name). The names are the flag_meanings
 * of the results file's `status`. */
#define SS_TRIAL_STATUS_LIST(X)                                              \
    X(SS_TRIAL_OK, 0, "ok")                                                  \
    X(SS_TRIAL_DIVERGED, 1, "diverged")

typedef enum ss_trial_status {
#define SS_X_ENUM(code, value, name) code = value,
    SS_TRIAL_STATUS_LIST(SS_X_ENUM)
#undef SS_X_ENUM
    SS_TRIAL_STATUS_COUNT
} ss_trial_status;

/* The status's name (a static string), "?" for no status. */
const char *ss_trial_status_name(ss_trial_status s);

/* One trial's metrics; those its model does not produce are NaN. A trial
 * whose dynamics blew up (a non-finite membrane potential or conductance)
 * has every metric NaN and status SS_TRIAL_DIVERGED. */
typedef struct ss_metrics {
    double value[SS_METRIC_COUNT];
    ss_trial_status status;
} ss_metrics;

/* Marks out diverged (all metrics NaN) if any metric of model m that
 * summarises the dynamics is not finite. Returns out->status. The kernels
 * call it on every trial they run. */
ss_trial_status ss_metrics_check_finite(ss_model m, ss_metrics *out);

/* The table's row of metric id (static, never freed), NULL for no
 * metric. */
const ss_metric_info *ss_metric_info_of(ss_metric_id id);
/* Returns SS_METRIC_COUNT when name is no metric. */
ss_metric_id ss_metric_find(const char *name);
/* Whether model m produces metric id (false for no metric or model). */
bool ss_metric_used_by(ss_metric_id id, ss_model m);

/* Sets every metric to NaN and the status to SS_TRIAL_OK. */
void ss_metrics_clear(ss_metrics *out);

/* Writes model m's metrics, then the status, into buf (the caller's, size
 * bytes) as "name\tvalue\n" lines or, with json, one JSON object (NaN as
 * null). Returns the length snprintf would give: the text is whole when
 * that is < size. */
size_t ss_metrics_format(ss_model m, const ss_metrics *met, bool json,
                         char *buf, size_t size);

/* Mean and population standard deviation (ddof = 0) of x[0..n) computed
 * as numpy computes np.mean and np.std of a contiguous float64 array:
 * pairwise summation with numpy's blocking, the two-pass formula for the
 * variance. So they agree with the tutorial's numbers to the last bit or
 * so. NaN when n is 0; std takes the mean ss_stats_mean gave. */
double ss_stats_mean(const double *x, size_t n);
double ss_stats_std(const double *x, size_t n, double mean);

/* CV of the interspike intervals of spikes at bins idx[0..n) with step dt:
 * np.std(isi) / np.mean(isi) with isi = np.diff(np.array(idx) * dt), as
 * the tutorial; NaN with fewer than 4 spikes. scratch, the caller's, holds
 * n doubles and is overwritten. */
double ss_stats_cv_isi(const size_t *idx, size_t n, double dt,
                       double *scratch);

#endif
