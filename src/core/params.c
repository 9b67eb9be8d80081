#include "synsweep/params.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const ss_param_info param_table[SS_PARAM_COUNT] = {
#define SS_X_INFO(name, unit, kind, models, d_lif, d_stp, d_train, lo,       \
                  lo_open, hi, hi_open, long_name)                           \
    {#name, unit, kind, models, {d_lif, d_stp, d_train}, lo, hi, lo_open,    \
     hi_open, long_name},
    SS_PARAM_LIST(SS_X_INFO)
#undef SS_X_INFO
};

static const size_t param_offset[SS_PARAM_COUNT] = {
#define SS_X_OFFSET(name, ...) offsetof(ss_params, name),
    SS_PARAM_LIST(SS_X_OFFSET)
#undef SS_X_OFFSET
};

static const char *const model_names[SS_MODEL_COUNT] = {
    "lif_cond", "lif_cond_stp", "stp_train"};

static const char *const input_names[] = {"poisson", "regular"};
static const char *const method_names[] = {"euler", "exact"};
static const char *const events_names[] = {"binned", "continuous"};

const char *const *ss_param_choices(ss_param_id id, size_t *n)
{
    *n = 2;
    switch (id) {
    case SS_P_input:
        return input_names;
    case SS_P_method:
        return method_names;
    case SS_P_events:
        return events_names;
    default:
        *n = 0;
        return NULL;
    }
}

bool ss_param_keyed(ss_param_id id)
{
    return id != SS_P_method && id != SS_P_events;
}

const char *ss_model_name(ss_model m)
{
    return (unsigned)m < SS_MODEL_COUNT ? model_names[m] : "?";
}

ss_model ss_model_from_name(const char *name)
{
    for (int m = 0; m < SS_MODEL_COUNT; m++)
        if (strcmp(name, model_names[m]) == 0)
            return (ss_model)m;
    return SS_MODEL_COUNT;
}

const ss_param_info *ss_param_info_of(ss_param_id id)
{
    return (unsigned)id < SS_PARAM_COUNT ? &param_table[id] : NULL;
}

ss_param_id ss_param_find(const char *name)
{
    for (int i = 0; i < SS_PARAM_COUNT; i++)
        if (strcmp(name, param_table[i].name) == 0)
            return (ss_param_id)i;
    return SS_PARAM_COUNT;
}

bool ss_param_used_by(ss_param_id id, ss_model m)
{
    return (unsigned)id < SS_PARAM_COUNT && (unsigned)m < SS_MODEL_COUNT &&
           (param_table[id].models & (1u << m));
}

double ss_params_get(const ss_params *p, ss_param_id id)
{
    double v;
    memcpy(&v, (const char *)p + param_offset[id], sizeof v);
    return v;
}

void ss_params_put(ss_params *p, ss_param_id id, double value)
{
    memcpy((char *)p + param_offset[id], &value, sizeof value);
}

void ss_params_defaults(ss_model m, ss_params *p)
{
    for (int i = 0; i < SS_PARAM_COUNT; i++)
        ss_params_put(p, (ss_param_id)i,
                      ss_param_used_by((ss_param_id)i, m)
                          ? param_table[i].defaults[m]
                          : 0.0);
}

void ss_param_format_range(ss_param_id id, char *buf, size_t size)
{
    const ss_param_info *info = &param_table[id];
    if (info->kind == SS_KIND_CHOICE) {
        size_t n;
        const char *const *names = ss_param_choices(id, &n);
        snprintf(buf, size, "%s | %s", names[0], names[1]);
        return;
    }
    char lo[32], hi[32];
    ss_param_format_number(info->lo, lo, sizeof lo);
    ss_param_format_number(info->hi, hi, sizeof hi);
    snprintf(buf, size, "%c%s, %s%c", info->lo_open ? '(' : '[', lo, hi,
             info->hi_open ? ')' : ']');
}

void ss_param_format_value(ss_param_id id, double value, char *buf,
                           size_t size)
{
    size_t n;
    const char *const *names = ss_param_choices(id, &n);
    if (param_table[id].kind == SS_KIND_CHOICE && value >= 0 &&
        value < (double)n && value == floor(value))
        snprintf(buf, size, "%s", names[(int)value]);
    else
        ss_param_format_number(value, buf, size);
}

void ss_param_format_number(double value, char *buf, size_t size)
{
    char tmp[32];
    /* %.17g always reads back; shorter forms often do, and read better.
     * Fewer than 15 digits need not be tried: when k < 15 digits read
     * back, %.15g rounds to those same k digits (and drops the zeros). */
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(tmp, sizeof tmp, "%.*g", digits, value);
        if (digits == 17 || strtod(tmp, NULL) == value)
            break;
    }
    snprintf(buf, size, "%s", tmp);
}

ss_status ss_param_check(ss_param_id id, double value, ss_error *err)
{
    const ss_param_info *info = &param_table[id];
    bool whole = info->kind != SS_KIND_REAL;
    bool ok = isfinite(value) &&
              (info->lo_open ? value > info->lo : value >= info->lo) &&
              (info->hi_open ? value < info->hi : value <= info->hi) &&
              (!whole || value == floor(value));
    if (ok)
        return SS_OK;
    char range[96], got[64];
    ss_param_format_range(id, range, sizeof range);
    ss_param_format_value(id, value, got, sizeof got);
    return ss_error_set(err, SS_ERR_PARAM, "%s must be %s in %s (got %s)",
                        info->name, whole ? "a whole number" : "a number",
                        range, got);
}

ss_status ss_param_parse(ss_param_id id, const char *text, double *out,
                         ss_error *err)
{
    const ss_param_info *info = &param_table[id];
    if (info->kind == SS_KIND_CHOICE) {
        size_t n;
        const char *const *names = ss_param_choices(id, &n);
        for (size_t k = 0; k < n; k++) {
            if (strcmp(text, names[k]) == 0) {
                *out = (double)k;
                return SS_OK;
            }
        }
        return ss_error_set(err, SS_ERR_PARAM,
                            "%s must be one of %s | %s (got '%s')",
                            info->name, names[0], names[1], text);
    }
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE) {
        char range[96];
        ss_param_format_range(id, range, sizeof range);
        return ss_error_set(err, SS_ERR_PARAM,
                            "%s must be a number in %s (got '%s')",
                            info->name, range, text);
    }
    ss_status s = ss_param_check(id, v, err);
    if (s == SS_OK)
        *out = v;
    return s;
}

size_t ss_name_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return (size_t)-1;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

bool ss_name_close(const char *name, size_t distance)
{
    /* a suggestion further away than about a third of the name misleads */
    size_t len = strlen(name);
    return distance <= (len < 3 ? 1 : len / 3 + 1);
}

const char *ss_nearest_name(const char *name, const char *const *candidates,
                            size_t n)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        size_t d = ss_name_distance(name, candidates[i]);
        if (d < best_d) {
            best_d = d;
            best = candidates[i];
        }
    }
    return best && ss_name_close(name, best_d) ? best : NULL;
}

const char *ss_params_nearest_name(ss_model m, const char *name)
{
    const char *names[SS_PARAM_COUNT];
    size_t n = 0;
    for (int i = 0; i < SS_PARAM_COUNT; i++)
        if (ss_param_used_by((ss_param_id)i, m))
            names[n++] = param_table[i].name;
    return ss_nearest_name(name, names, n);
}

static void list_model_params(ss_model m, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < SS_PARAM_COUNT && used < size; i++) {
        if (!ss_param_used_by((ss_param_id)i, m))
            continue;
        int n = snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
                         param_table[i].name);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

/* YAML's and the shell's blanks: what a person may leave around = */
static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

/* [*start, *end) without the blanks at either end. */
static void trim(const char **start, const char **end)
{
    while (*start < *end && is_blank(**start))
        (*start)++;
    while (*end > *start && is_blank((*end)[-1]))
        (*end)--;
}

ss_status ss_params_assign(ss_model m, ss_params *p, const char *assignment,
                           ss_error *err)
{
    const char *eq = strchr(assignment, '=');
    const char *name_start = assignment, *name_end = eq;
    if (eq)
        trim(&name_start, &name_end);
    if (!eq || name_start == name_end)
        return ss_error_set(err, SS_ERR_PARAM,
                            "expected NAME=VALUE (got '%s')", assignment);
    char name[64];
    size_t len = (size_t)(name_end - name_start);
    if (len >= sizeof name)
        len = sizeof name - 1;
    memcpy(name, name_start, len);
    name[len] = '\0';

    ss_param_id id = ss_param_find(name);
    if (!ss_param_used_by(id, m)) {
        const char *near = ss_params_nearest_name(m, name);
        if (id == SS_PARAM_COUNT)
            ss_error_set(err, SS_ERR_PARAM,
                         "unknown parameter '%s' for model %s", name,
                         ss_model_name(m));
        else
            ss_error_set(err, SS_ERR_PARAM,
                         "parameter '%s' is not used by model %s", name,
                         ss_model_name(m));
        if (near) {
            ss_error_hint(err, "did you mean '%s'?", near);
        } else {
            char list[1024];
            list_model_params(m, list, sizeof list);
            ss_error_hint(err, "%s takes: %s", ss_model_name(m), list);
        }
        return SS_ERR_PARAM;
    }
    const char *value_start = eq + 1, *value_end = eq + 1 + strlen(eq + 1);
    trim(&value_start, &value_end);
    size_t n = (size_t)(value_end - value_start);
    char *value = malloc(n + 1);
    if (!value)
        return ss_error_set(err, SS_ERR_NOMEM, "out of memory");
    memcpy(value, value_start, n);
    value[n] = '\0';
    double v;
    ss_status s = ss_param_parse(id, value, &v, err);
    free(value);
    if (s == SS_OK)
        ss_params_put(p, id, v);
    return s;
}

/* The simulated time: stp_train's is my_illus_STD's 10 * 1000 / rate. */
static double sim_time(ss_model m, const ss_params *p)
{
    return m == SS_MODEL_STP_TRAIN ? 10.0 * 1000 / (1.0 * p->rate) : p->T;
}

size_t ss_params_time_bins(ss_model m, const ss_params *p)
{
    double T = sim_time(m, p);
    double bins = ceil(T / p->dt); /* len(np.arange(0, T, dt)) */
    if (!(bins >= 1.0))
        return 1;
    if (bins > SS_MAX_BINS)
        return (size_t)SS_MAX_BINS + 1;
    return (size_t)bins;
}

static ss_status check_rate(ss_param_id rate_id, double rate, double dt,
                            ss_error *err)
{
    /* Poisson_generator's p = rate * (dt / 1000.) is a probability, and the
     * regular rule int((1e3/rate)/dt) needs at least one bin per period. */
    double p = rate * (dt / 1000.);
    if (p <= 1.0 && !(rate > 0 && (1e3 / rate) / dt < 1.0))
        return SS_OK;
    char r[32], d[32], q[32];
    ss_param_format_number(rate, r, sizeof r);
    ss_param_format_number(dt, d, sizeof d);
    ss_param_format_number(p, q, sizeof q);
    return ss_error_set(err, SS_ERR_PARAM,
                        "%s * dt / 1000 must be <= 1 (got %s = %s Hz, "
                        "dt = %s ms: p = %s)",
                        param_table[rate_id].name, param_table[rate_id].name,
                        r, d, q);
}

ss_status ss_params_check_point(ss_model m, const ss_params *p,
                                ss_param_id *culprit, ss_error *err)
{
    ss_param_id dummy;
    if (!culprit)
        culprit = &dummy;
    *culprit = SS_PARAM_COUNT;
    if ((unsigned)m >= SS_MODEL_COUNT)
        return ss_error_set(err, SS_ERR_PARAM, "unknown model");
    for (int i = 0; i < SS_PARAM_COUNT; i++) {
        ss_param_id id = (ss_param_id)i;
        if (!ss_param_used_by(id, m))
            continue;
        *culprit = id;
        ss_status s = ss_param_check(id, ss_params_get(p, id), err);
        if (s != SS_OK)
            return s;
    }
    ss_param_id rates[2] = {SS_P_exc_rate, SS_P_inh_rate};
    size_t n_rates = 2;
    if (m != SS_MODEL_STP_TRAIN && p->method == SS_METHOD_EXACT) {
        /* white noise has no continuous path whose threshold crossings
         * can be located without misses: refused, not approximated */
        if (p->I_sigma != 0.0) {
            *culprit = SS_P_I_sigma;
            return ss_error_set(err, SS_ERR_PARAM,
                                "method exact takes no white-noise current "
                                "(I_sigma must be 0; use method euler for "
                                "I_sigma > 0)");
        }
        if (!(p->V_reset < p->V_th)) {
            *culprit = SS_P_V_reset;
            return ss_error_set(err, SS_ERR_PARAM,
                                "method exact needs V_reset < V_th (a reset "
                                "at or above threshold fires again at once)");
        }
    }
    /* continuous trains have no per-bin probability to bound */
    if (m != SS_MODEL_STP_TRAIN && p->events == SS_EVENTS_CONTINUOUS)
        n_rates = 0;
    if (m == SS_MODEL_STP_TRAIN) {
        rates[0] = SS_P_rate;
        n_rates = 1;
    }
    for (size_t k = 0; k < n_rates; k++) {
        *culprit = rates[k];
        ss_status s = check_rate(rates[k], ss_params_get(p, rates[k]), p->dt,
                                 err);
        if (s != SS_OK)
            return s;
    }
    *culprit = m == SS_MODEL_STP_TRAIN ? SS_P_rate : SS_P_T;
    size_t bins = ss_params_time_bins(m, p);
    if (bins < 2 || (double)bins > SS_MAX_BINS) {
        /* the quotient itself: the bin count is capped above the limit */
        char ratio[32];
        ss_param_format_number(sim_time(m, p) / p->dt, ratio, sizeof ratio);
        return ss_error_set(err, SS_ERR_PARAM,
                            "the time grid must have 2 to %.0f bins "
                            "(got %s / dt = %s)",
                            SS_MAX_BINS,
                            m == SS_MODEL_STP_TRAIN ? "10000 / rate" : "T",
                            ratio);
    }
    *culprit = SS_PARAM_COUNT;
    return SS_OK;
}

ss_status ss_params_validate(ss_model m, const ss_params *p, ss_error *err)
{
    return ss_params_check_point(m, p, NULL, err);
}

size_t ss_params_point(ss_model m, const ss_params *p, double *values)
{
    size_t n = 0;
    values[n++] = (double)m;
    for (int i = 0; i < SS_PARAM_COUNT; i++)
        if (ss_param_used_by((ss_param_id)i, m) &&
            ss_param_keyed((ss_param_id)i))
            values[n++] = ss_params_get(p, (ss_param_id)i);
    return n;
}
