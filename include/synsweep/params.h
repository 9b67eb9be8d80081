/* The one table of every model parameter: name, unit, default per model,
 * valid range. Validation, defaults, HDF5 units and help text all read it.
 * The table is constant: every function may run on any thread at once, on
 * its own data. Strings returned point into static tables (never freed). */
#ifndef SYNSWEEP_PARAMS_H
#define SYNSWEEP_PARAMS_H

#include <stdbool.h>
#include <stddef.h>

#include "synsweep/status.h"

typedef enum ss_model {
    SS_MODEL_LIF_COND,     /* run_LIF_cond + its free-membrane-potential run */
    SS_MODEL_LIF_COND_STP, /* run_LIF_cond_STP + its FMP run */
    SS_MODEL_STP_TRAIN,    /* dynamic_syn driven as in my_illus_STD */
    SS_MODEL_COUNT
} ss_model;

/* Which models use a parameter (bit per model). */
#define SS_M_LIF (1u << SS_MODEL_LIF_COND)
#define SS_M_STP (1u << SS_MODEL_LIF_COND_STP)
#define SS_M_TRAIN (1u << SS_MODEL_STP_TRAIN)
#define SS_M_LIFS (SS_M_LIF | SS_M_STP)

typedef enum ss_param_kind {
    SS_KIND_REAL,   /* any double in range */
    SS_KIND_COUNT,  /* a whole number in range */
    SS_KIND_CHOICE  /* one of named values, stored as its index */
} ss_param_kind;

/* Values of the `input` choice parameter. */
enum { SS_INPUT_POISSON = 0, SS_INPUT_REGULAR = 1 };
/* Values of the `method` choice parameter: the tutorial's forward Euler
 * loops, or the exact integrator (model_exact.c). */
enum { SS_METHOD_EULER = 0, SS_METHOD_EXACT = 1 };
/* Values of the `events` choice parameter: a Bernoulli draw per bin (the
 * tutorial's Poisson_generator), or trains in continuous time (events.h). */
enum { SS_EVENTS_BINNED = 0, SS_EVENTS_CONTINUOUS = 1 };

/* Defaults are the tutorial's: default_pars and Coding Exercise 1.2 for
 * lif_cond, the bonus LIF_STP demo (tau_ratio = 0.5) for lif_cond_stp,
 * my_illus_STD for stp_train. A range is [lo, hi], with an open end where
 * the flag says so.
 *
 * X(name, unit, kind, models, lif_cond, lif_cond_stp, stp_train,
 *   lo, lo_open, hi, hi_open, long_name)                                   */
#define SS_PARAM_LIST(X)                                                      \
    X(T, "ms", SS_KIND_REAL, SS_M_LIFS, 1000., 1000., 0.,                     \
      0., 1, 1e7, 0, "simulated time")                                        \
    X(dt, "ms", SS_KIND_REAL, SS_M_LIFS | SS_M_TRAIN, .1, .1, .1,             \
      0., 1, 100., 0, "time step")                                            \
    X(V_th, "mV", SS_KIND_REAL, SS_M_LIFS, -55., -55., 0.,                    \
      -1000., 0, 1000., 0, "spike threshold")                                 \
    X(V_reset, "mV", SS_KIND_REAL, SS_M_LIFS, -75., -75., 0.,                 \
      -1000., 0, 1000., 0, "reset potential")                                 \
    X(tau_m, "ms", SS_KIND_REAL, SS_M_LIFS, 10., 10., 0.,                     \
      0., 1, 1e6, 0, "membrane time constant")                                \
    X(g_L, "nS", SS_KIND_REAL, SS_M_LIFS, 10., 10., 0.,                       \
      0., 1, 1e6, 0, "leak conductance")                                      \
    X(V_init, "mV", SS_KIND_REAL, SS_M_LIFS, -65., -65., 0.,                  \
      -1000., 0, 1000., 0, "initial membrane potential")                      \
    X(E_L, "mV", SS_KIND_REAL, SS_M_LIFS, -75., -75., 0.,                     \
      -1000., 0, 1000., 0, "leak reversal potential")                         \
    X(tref, "ms", SS_KIND_REAL, SS_M_LIFS, 2., 2., 0.,                        \
      0., 0, 1e6, 0, "refractory time")                                       \
    X(I_inj, "pA", SS_KIND_REAL, SS_M_LIFS, 0., 0., 0.,                       \
      -1e6, 0, 1e6, 0, "injected DC current")                                 \
    X(I_sigma, "pA s^0.5", SS_KIND_REAL, SS_M_LIFS, 0., 0., 0.,               \
      0., 0, 1e6, 0, "injected white-noise amplitude (sig of my_GWN)")        \
    X(gE_bar, "nS", SS_KIND_REAL, SS_M_LIFS, 2.4, 4.8, 0.,                    \
      0., 0, 1e6, 0, "excitatory synaptic weight")                            \
    X(gI_bar, "nS", SS_KIND_REAL, SS_M_LIFS, 2.4, 6.4, 0.,                    \
      0., 0, 1e6, 0, "inhibitory synaptic weight")                            \
    X(VE, "mV", SS_KIND_REAL, SS_M_LIFS, 0., 0., 0.,                          \
      -1000., 0, 1000., 0, "excitatory reversal potential")                   \
    X(VI, "mV", SS_KIND_REAL, SS_M_LIFS, -80., -80., 0.,                      \
      -1000., 0, 1000., 0, "inhibitory reversal potential")                   \
    X(tau_syn_E, "ms", SS_KIND_REAL, SS_M_LIFS, 2., 5., 0.,                   \
      0., 1, 1e6, 0, "excitatory synaptic time constant")                     \
    X(tau_syn_I, "ms", SS_KIND_REAL, SS_M_LIFS, 5., 10., 0.,                  \
      0., 1, 1e6, 0, "inhibitory synaptic time constant")                     \
    X(U0_E, "1", SS_KIND_REAL, SS_M_STP, 0., .45, 0.,                         \
      0., 1, 1., 0, "excitatory release probability at rest")                 \
    X(tau_d_E, "ms", SS_KIND_REAL, SS_M_STP, 0., 250., 0.,                    \
      0., 1, 1e6, 0, "excitatory depression time constant")                   \
    X(tau_f_E, "ms", SS_KIND_REAL, SS_M_STP, 0., 150., 0.,                    \
      0., 1, 1e6, 0, "excitatory facilitation time constant")                 \
    X(U0_I, "1", SS_KIND_REAL, SS_M_STP, 0., .45, 0.,                         \
      0., 1, 1., 0, "inhibitory release probability at rest")                 \
    X(tau_d_I, "ms", SS_KIND_REAL, SS_M_STP, 0., 250., 0.,                    \
      0., 1, 1e6, 0, "inhibitory depression time constant")                   \
    X(tau_f_I, "ms", SS_KIND_REAL, SS_M_STP, 0., 150., 0.,                    \
      0., 1, 1e6, 0, "inhibitory facilitation time constant")                 \
    X(n_exc, "1", SS_KIND_COUNT, SS_M_LIFS, 80., 80., 0.,                     \
      0., 0, 1e5, 0, "number of excitatory presynaptic trains")               \
    X(n_inh, "1", SS_KIND_COUNT, SS_M_LIFS, 20., 20., 0.,                     \
      0., 0, 1e5, 0, "number of inhibitory presynaptic trains")               \
    X(exc_rate, "Hz", SS_KIND_REAL, SS_M_LIFS, 10., 15., 0.,                  \
      0., 0, 1e6, 0, "rate of each excitatory train")                         \
    X(inh_rate, "Hz", SS_KIND_REAL, SS_M_LIFS, 10., 15., 0.,                  \
      0., 0, 1e6, 0, "rate of each inhibitory train")                         \
    X(input, "", SS_KIND_CHOICE, SS_M_LIFS | SS_M_TRAIN,                      \
      SS_INPUT_POISSON, SS_INPUT_POISSON, SS_INPUT_REGULAR,                   \
      0., 0, 1., 0, "presynaptic trains: poisson or regular")                 \
    X(method, "", SS_KIND_CHOICE, SS_M_LIFS, SS_METHOD_EULER,                 \
      SS_METHOD_EULER, 0., 0., 0, 1., 0,                                      \
      "integration scheme: euler or exact")                                   \
    X(events, "", SS_KIND_CHOICE, SS_M_LIFS, SS_EVENTS_BINNED,                \
      SS_EVENTS_BINNED, 0., 0., 0, 1., 0,                                     \
      "presynaptic events: binned or continuous")                             \
    X(rate, "Hz", SS_KIND_REAL, SS_M_TRAIN, 0., 0., 20.,                      \
      0., 1, 1e6, 0, "presynaptic rate")                                      \
    X(g_bar, "nS", SS_KIND_REAL, SS_M_TRAIN, 0., 0., 1.2,                     \
      0., 0, 1e6, 0, "synaptic weight")                                       \
    X(tau_syn, "ms", SS_KIND_REAL, SS_M_TRAIN, 0., 0., 5.,                    \
      0., 1, 1e6, 0, "synaptic time constant")                                \
    X(U0, "1", SS_KIND_REAL, SS_M_TRAIN, 0., 0., .5,                          \
      0., 1, 1., 0, "release probability at rest")                            \
    X(tau_d, "ms", SS_KIND_REAL, SS_M_TRAIN, 0., 0., 100.,                    \
      0., 1, 1e6, 0, "depression time constant")                              \
    X(tau_f, "ms", SS_KIND_REAL, SS_M_TRAIN, 0., 0., 50.,                     \
      0., 1, 1e6, 0, "facilitation time constant")

typedef enum ss_param_id {
#define SS_X_ID(name, ...) SS_P_##name,
    SS_PARAM_LIST(SS_X_ID)
#undef SS_X_ID
    SS_PARAM_COUNT
} ss_param_id;

/* One trial's parameters: plain data, one double per table row (choices
 * and counts included), so a test can build it by hand. */
typedef struct ss_params {
#define SS_X_FIELD(name, ...) double name;
    SS_PARAM_LIST(SS_X_FIELD)
#undef SS_X_FIELD
} ss_params;

typedef struct ss_param_info {
    const char *name;
    const char *unit;
    ss_param_kind kind;
    unsigned models;
    double defaults[SS_MODEL_COUNT];
    double lo, hi;
    bool lo_open, hi_open;
    const char *long_name;
} ss_param_info;

/* Longest time grid a trial may have (bins); keeps workspaces bounded. */
#define SS_MAX_BINS 10000000.0

/* The model's name ("lif_cond", ...), "?" for no model. */
const char *ss_model_name(ss_model m);
/* Returns SS_MODEL_COUNT when name is no model. */
ss_model ss_model_from_name(const char *name);

/* The table's row of parameter id (static), NULL for no parameter. */
const ss_param_info *ss_param_info_of(ss_param_id id);
/* Returns SS_PARAM_COUNT when name is no parameter. */
ss_param_id ss_param_find(const char *name);
/* Whether model m uses parameter id (false for no parameter or model). */
bool ss_param_used_by(ss_param_id id, ss_model m);

/* Reads and writes p's field of parameter id (id < SS_PARAM_COUNT). */
double ss_params_get(const ss_params *p, ss_param_id id);
void ss_params_put(ss_params *p, ss_param_id id, double value);

/* Fills p (the caller's) with model m's defaults (parameters m does not
 * use become 0). */
void ss_params_defaults(ss_model m, ss_params *p);

/* Writes "[lo, hi]", "(0, 1]" or "poisson | regular" into buf (the
 * caller's, size bytes, truncated as snprintf does); id < SS_PARAM_COUNT. */
void ss_param_format_range(ss_param_id id, char *buf, size_t size);
/* Writes a value as the user would type it: a number (exactly, in the
 * form of ss_param_format_number), or a choice's name; into buf as ss_param_format_range. */
void ss_param_format_value(ss_param_id id, double value, char *buf,
                           size_t size);

/* Writes value in the shortest %g form that reads back as the same double
 * ("0.1", not "0.10000000000000001"; 15 to 17 significant digits at
 * most), into buf as ss_param_format_range. */
void ss_param_format_number(double value, char *buf, size_t size);

/* Parses text (a number, or a choice's name) as parameter id's value and
 * checks it against the parameter's kind and range. Sets *out only on
 * SS_OK; SS_ERR_PARAM with the reason in err (may be NULL) otherwise. */
ss_status ss_param_parse(ss_param_id id, const char *text, double *out,
                         ss_error *err);
/* Checks one value against the parameter's kind and range: SS_OK, or
 * SS_ERR_PARAM with the reason in err (may be NULL). */
ss_status ss_param_check(ss_param_id id, double value, ss_error *err);

/* Applies "NAME=VALUE" to p for model m; blanks (spaces, tabs, newlines)
 * around NAME and around VALUE are ignored. Unknown names, names m does
 * not use, bad numbers and out-of-range values are SS_ERR_PARAM, with the
 * nearest valid name as the hint in err (may be NULL); p is then
 * unchanged (also on SS_ERR_NOMEM). */
ss_status ss_params_assign(ss_model m, ss_params *p, const char *assignment,
                           ss_error *err);

/* Checks every parameter m uses, then the rules that tie several together:
 * p = rate * dt / 1000 <= 1 for each presynaptic rate, and a time grid of
 * 1 .. SS_MAX_BINS bins. SS_OK, or SS_ERR_PARAM with the first failure in
 * err (may be NULL). */
ss_status ss_params_validate(ss_model m, const ss_params *p, ss_error *err);
/* As ss_params_validate, and names in *culprit (if not NULL) the parameter
 * the failure is about (for the rate rules, the rate; for the time grid, T
 * or rate), so a caller can point at the place that set it. */
ss_status ss_params_check_point(ss_model m, const ss_params *p,
                                ss_param_id *culprit, ss_error *err);

/* Edit distance between two names (SIZE_MAX for names over 63 bytes). */
size_t ss_name_distance(const char *a, const char *b);
/* Whether a name at that distance is close enough to suggest. */
bool ss_name_close(const char *name, size_t distance);
/* The candidate closest to name, or NULL when none is close enough: the
 * "did you mean" of every error about a name. Returns one of candidates'
 * pointers (not a copy). */
const char *ss_nearest_name(const char *name, const char *const *candidates,
                            size_t n);

/* The model's valid parameter name closest to name (edit distance), or NULL
 * when nothing is close. The name is the table's (static). */
const char *ss_params_nearest_name(ss_model m, const char *name);

/* Lt, the number of points of np.arange(0, T, dt); for stp_train T is
 * my_illus_STD's 10 * 1000 / rate. At least 1; SS_MAX_BINS + 1 for any
 * longer grid (which ss_params_validate rejects). */
size_t ss_params_time_bins(ss_model m, const ss_params *p);

/* Whether parameter id is part of a trial's parameter point (the stream
 * key): every parameter but `method` and `events`, which choose how the
 * same random numbers are used, so the schemes see the same stream. */
bool ss_param_keyed(ss_param_id id);

/* The names of a choice parameter's values (static), *n of them; NULL
 * (and *n = 0) for a parameter that is no choice. */
const char *const *ss_param_choices(ss_param_id id, size_t *n);

/* The trial's parameter point: the values of the keyed parameters m uses
 * (ss_param_keyed), in table order, preceded by m itself. Returns the
 * count written (at most SS_PARAM_COUNT + 1). */
size_t ss_params_point(ss_model m, const ss_params *p, double *values);

#endif
