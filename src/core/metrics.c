#include "synsweep/metrics.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "metrics_internal.h"

static const ss_metric_info metric_table[SS_METRIC_COUNT] = {
#define SS_X_INFO(name, unit, models, long_name)                             \
    {#name, unit, models, long_name},
    SS_METRIC_LIST(SS_X_INFO)
#undef SS_X_INFO
};

const ss_metric_info *ss_metric_info_of(ss_metric_id id)
{
    return (unsigned)id < SS_METRIC_COUNT ? &metric_table[id] : NULL;
}

ss_metric_id ss_metric_find(const char *name)
{
    for (int i = 0; i < SS_METRIC_COUNT; i++)
        if (strcmp(name, metric_table[i].name) == 0)
            return (ss_metric_id)i;
    return SS_METRIC_COUNT;
}

bool ss_metric_used_by(ss_metric_id id, ss_model m)
{
    return (unsigned)id < SS_METRIC_COUNT && (unsigned)m < SS_MODEL_COUNT &&
           (metric_table[id].models & (1u << m));
}

void ss_metrics_clear(ss_metrics *out)
{
    for (int i = 0; i < SS_METRIC_COUNT; i++)
        out->value[i] = NAN;
    out->status = SS_TRIAL_OK;
}

const char *ss_trial_status_name(ss_trial_status s)
{
    switch (s) {
#define SS_X_CASE(code, value, name)                                         \
    case code:                                                               \
        return name;
        SS_TRIAL_STATUS_LIST(SS_X_CASE)
#undef SS_X_CASE
    default:
        return "?";
    }
}

ss_trial_status ss_metrics_check_finite(ss_model m, ss_metrics *out)
{
    /* the means of v, the FMP and the conductances (g1, g10 for one
     * synapse) see every bin: one non-finite bin makes them non-finite */
    static const ss_metric_id lif[] = {SS_MET_fmp_mean, SS_MET_fmp_std,
                                       SS_MET_v_mean, SS_MET_gE_mean,
                                       SS_MET_gI_mean};
    static const ss_metric_id one[] = {SS_MET_g1, SS_MET_g10, SS_MET_u10,
                                       SS_MET_R10};
    const ss_metric_id *ids = m == SS_MODEL_STP_TRAIN ? one : lif;
    size_t n = m == SS_MODEL_STP_TRAIN ? sizeof one / sizeof one[0]
                                       : sizeof lif / sizeof lif[0];
    for (size_t k = 0; k < n; k++) {
        if (!isfinite(out->value[ids[k]])) {
            ss_metrics_clear(out);
            out->status = SS_TRIAL_DIVERGED;
            break;
        }
    }
    return out->status;
}

size_t ss_metrics_format(ss_model m, const ss_metrics *met, bool json,
                         char *buf, size_t size)
{
    size_t used = 0;
#define APPEND(...)                                                          \
    do {                                                                     \
        int n_ = snprintf(buf + (used < size ? used : size),                 \
                          used < size ? size - used : 0, __VA_ARGS__);       \
        if (n_ > 0)                                                          \
            used += (size_t)n_;                                              \
    } while (0)
    if (json)
        APPEND("{");
    bool first = true;
    for (int i = 0; i < SS_METRIC_COUNT; i++) {
        if (!ss_metric_used_by((ss_metric_id)i, m))
            continue;
        double v = met->value[i];
        char num[32]; /* exact, and short: 0.1, not 0.10000000000000001 */
        ss_param_format_number(v, num, sizeof num);
        if (json) {
            APPEND("%s\"%s\": ", first ? "" : ", ", metric_table[i].name);
            if (isfinite(v))
                APPEND("%s", num);
            else
                APPEND("null");
        } else {
            APPEND("%s\t%s\n", metric_table[i].name, num);
        }
        first = false;
    }
    if (json)
        APPEND(", \"status\": \"%s\"}\n", ss_trial_status_name(met->status));
    else
        APPEND("status\t%s\n", ss_trial_status_name(met->status));
#undef APPEND
    return used;
}

double ss__stats_sum(const double *x, size_t n)
{
    /* numpy's pairwise_sum: 8 accumulators up to 128 values, halves (cut
     * at a multiple of 8) above. */
    if (n < 8) {
        double res = 0.;
        for (size_t i = 0; i < n; i++)
            res += x[i];
        return res;
    }
    if (n <= 128) {
        double r[8];
        for (int j = 0; j < 8; j++)
            r[j] = x[j];
        size_t i;
        for (i = 8; i < n - (n % 8); i += 8)
            for (int j = 0; j < 8; j++)
                r[j] += x[i + j];
        double res = ((r[0] + r[1]) + (r[2] + r[3])) +
                     ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++)
            res += x[i];
        return res;
    }
    size_t n2 = n / 2;
    n2 -= n2 % 8;
    return ss__stats_sum(x, n2) + ss__stats_sum(x + n2, n - n2);
}

double ss_stats_mean(const double *x, size_t n)
{
    return n ? ss__stats_sum(x, n) / (double)n : NAN;
}

/* Sum of squared deviations, pairwise like ss__stats_sum; the squares are
 * made on the fly instead of in a temporary array. */
static double sum_sq_dev(const double *x, size_t n, double mean)
{
    if (n < 8) {
        double res = 0.;
        for (size_t i = 0; i < n; i++)
            res += (x[i] - mean) * (x[i] - mean);
        return res;
    }
    if (n <= 128) {
        double r[8];
        for (int j = 0; j < 8; j++)
            r[j] = (x[j] - mean) * (x[j] - mean);
        size_t i;
        for (i = 8; i < n - (n % 8); i += 8)
            for (int j = 0; j < 8; j++)
                r[j] += (x[i + j] - mean) * (x[i + j] - mean);
        double res = ((r[0] + r[1]) + (r[2] + r[3])) +
                     ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++)
            res += (x[i] - mean) * (x[i] - mean);
        return res;
    }
    size_t n2 = n / 2;
    n2 -= n2 % 8;
    return sum_sq_dev(x, n2, mean) + sum_sq_dev(x + n2, n - n2, mean);
}

double ss_stats_std(const double *x, size_t n, double mean)
{
    return n ? sqrt(sum_sq_dev(x, n, mean) / (double)n) : NAN;
}

double ss_stats_cv_isi(const size_t *idx, size_t n, double dt,
                       double *scratch)
{
    if (n < 4)
        return NAN;
    for (size_t i = 1; i < n; i++)
        scratch[i - 1] = (double)idx[i] * dt - (double)idx[i - 1] * dt;
    double mean = ss_stats_mean(scratch, n - 1);
    return ss_stats_std(scratch, n - 1, mean) / mean;
}
