#include "synsweep/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"
#include "synsweep/input.h"

#define N_SCRATCH 5

static double **scratch_slot(ss_model_ws *ws, int k)
{
    double **slots[N_SCRATCH] = {&ws->train, &ws->syn_u, &ws->syn_R,
                                 &ws->syn_g, &ws->counts_I};
    return slots[k];
}

ss_model_ws *ss_model_ws_create(void)
{
    return calloc(1, sizeof(ss_model_ws));
}

void ss_model_ws_free(ss_model_ws *ws)
{
    if (!ws)
        return;
    for (int t = 0; t < SS_TRACE_COUNT; t++)
        free(ws->trace[t]);
    for (int k = 0; k < N_SCRATCH; k++)
        free(*scratch_slot(ws, k));
    free(ws->spikes);
    free(ws->spike_t);
    ss__fast_free(ws->fast);
    ss__cont_free(ws->cont);
    free(ws);
}

static int grow(double **a, size_t n)
{
    double *p = realloc(*a, n * sizeof **a);
    if (!p)
        return -1;
    *a = p;
    return 0;
}

/* Grows the reference kernels' traces and scratch to Lt bins. */
static ss_status ws_reserve(ss_model_ws *ws, size_t Lt, ss_error *err)
{
    if (Lt <= ws->cap)
        return SS_OK;
    int bad = 0;
    for (int t = 0; t < SS_TRACE_COUNT; t++)
        bad |= grow(&ws->trace[t], Lt);
    for (int k = 0; k < N_SCRATCH; k++)
        bad |= grow(scratch_slot(ws, k), Lt);
    bad |= grow(&ws->spike_t, Lt);
    size_t *sp = realloc(ws->spikes, Lt * sizeof *sp);
    if (sp)
        ws->spikes = sp;
    if (bad || !sp)
        return ss_error_set(err, SS_ERR_NOMEM,
                            "cannot allocate the workspace for %zu bins", Lt);
    ws->cap = Lt;
    return SS_OK;
}

size_t ss_model_trace_length(const ss_model_ws *ws)
{
    return ws->Lt;
}

const double *ss_model_trace(const ss_model_ws *ws, ss_trace t)
{
    return (unsigned)t < SS_TRACE_COUNT && ws->made[t] ? ws->trace[t] : NULL;
}

const size_t *ss_model_spikes(const ss_model_ws *ws, size_t *n)
{
    *n = ws->n_spikes;
    return ws->spikes;
}

const double *ss_model_spike_times(const ss_model_ws *ws, size_t *n)
{
    *n = ws->n_spikes;
    return ws->spike_t;
}

void ss_model_trial_stream(ss_model m, const ss_params *p, uint64_t seed,
                           uint64_t repeat, bool common, ss_rng_stream *s)
{
    uint64_t point_key = 0;
    if (!common) {
        double point[SS_PARAM_COUNT + 1];
        size_t n = ss_params_point(m, p, point);
        point_key = ss_rng_point_key(point, n);
    }
    ss_rng_stream_init(s, seed, point_key, repeat);
}

/* Presynaptic train j of a population (first_substream + j) into
 * train[0..Lt): Bernoulli per bin from the stream, or the given bins. */
static void one_train(double *train, size_t Lt, const ss_params *p,
                      double rate, const ss_rng_stream *s,
                      uint64_t first_substream, const ss__trains *given,
                      size_t given_j)
{
    if (!given) {
        ss_input_train(train, Lt, (int)p->input, rate, p->dt, s,
                       first_substream);
        return;
    }
    for (size_t t = 0; t < Lt; t++)
        train[t] = 0.;
    for (size_t k = given->offset[given_j]; k < given->offset[given_j + 1];
         k++)
        train[given->bins[k]] = 1.;
}

/* dynamic_syn: one Tsodyks-Markram synapse driven by train[0..Lt).
 * Order per step as the tutorial: u first, then R with the new u, then g with
 * R at it and the new u; the train is read at it + 1, so a spike in bin 0
 * is never delivered. */
static void dynamic_syn(double g_bar, double tau_syn, double U0, double tau_d,
                        double tau_f, const double *pre_spike_train,
                        size_t Lt, double dt, double *u, double *R, double *g)
{
    u[0] = 0.;
    R[0] = 1.;
    g[0] = 0.;
    for (size_t it = 0; it + 1 < Lt; it++) {
        double du = -(dt / tau_f) * u[it] +
                    U0 * (1.0 - u[it]) * pre_spike_train[it + 1];
        u[it + 1] = u[it] + du;
        double dR = (dt / tau_d) * (1.0 - R[it]) -
                    u[it + 1] * R[it] * pre_spike_train[it + 1];
        R[it + 1] = R[it] + dR;
        double dg = -(dt / tau_syn) * g[it] +
                    g_bar * R[it] * u[it + 1] * pre_spike_train[it + 1];
        g[it + 1] = g[it] + dg;
    }
}

/* run_LIF_cond's static synapses: g[it+1] from g[it] and the spike count
 * of bin it + 1. */
static void static_syn(double g_bar, double tau_syn, const double *counts,
                       size_t Lt, double dt, double *g)
{
    g[0] = 0.;
    for (size_t it = 0; it + 1 < Lt; it++)
        g[it + 1] = g[it] - (dt / tau_syn) * g[it] + g_bar * counts[it + 1];
}

/* Sums the conductances of n STP synapses, one per train of substreams
 * first_substream + j, into g_total (numpy's gE.sum(axis=0): train by
 * train). Adds the mean u and R over the synapses into u_mean, R_mean and
 * the spike counts into counts when those are not NULL. */
static void stp_population(ss_model_ws *ws, const ss_params *p, unsigned n,
                           double rate, double g_bar, double tau_syn,
                           double U0, double tau_d, double tau_f,
                           const ss_rng_stream *s, uint64_t first_substream,
                           const ss__trains *given, size_t first_given,
                           size_t Lt, double *g_total, double *u_mean,
                           double *R_mean, double *counts)
{
    for (size_t t = 0; t < Lt; t++)
        g_total[t] = 0.;
    for (unsigned j = 0; j < n; j++) {
        one_train(ws->train, Lt, p, rate, s, first_substream + j, given,
                  first_given + j);
        dynamic_syn(g_bar, tau_syn, U0, tau_d, tau_f, ws->train, Lt, p->dt,
                    ws->syn_u, ws->syn_R, ws->syn_g);
        for (size_t t = 0; t < Lt; t++)
            g_total[t] += ws->syn_g[t];
        if (u_mean) {
            for (size_t t = 0; t < Lt; t++) {
                u_mean[t] += ws->syn_u[t] / n;
                R_mean[t] += ws->syn_R[t] / n;
                counts[t] += ws->train[t];
            }
        }
    }
}

/* The membrane loop of run_LIF_cond / run_LIF_cond_STP. Per step: the
 * refractory clamp (counter tr = tref/dt), else the threshold test (spike
 * at bin it, v reset), then the Euler step of v using g at it + 1, v and
 * I_inj at it. The last bin is never tested. With threshold false this is
 * the free-membrane-potential run. Returns the number of spikes. */
static size_t membrane(const ss_params *p, const double *gE, const double *gI,
                       const double *Iinj, size_t Lt, bool threshold,
                       double *v, size_t *rec_spikes)
{
    const double V_th = p->V_th, V_reset = p->V_reset, tau_m = p->tau_m,
                 g_L = p->g_L, E_L = p->E_L, VE = p->VE, VI = p->VI,
                 tref = p->tref, dt = p->dt;
    size_t n = 0;
    double tr = 0.;
    v[0] = p->V_init;
    for (size_t it = 0; it + 1 < Lt; it++) {
        if (threshold) {
            if (tr > 0) {
                v[it] = V_reset;
                tr = tr - 1;
            } else if (v[it] >= V_th) {
                rec_spikes[n++] = it;
                v[it] = V_reset;
                tr = tref / dt;
            }
        }
        double dv = (dt / tau_m) * (-(v[it] - E_L) -
                                    (gE[it + 1] / g_L) * (v[it] - VE) -
                                    (gI[it + 1] / g_L) * (v[it] - VI) +
                                    Iinj[it] / g_L);
        v[it + 1] = v[it] + dv;
    }
    return n;
}

static ss_status run_lif(ss_model m, const ss_params *p,
                         const ss_rng_stream *s, const ss__trains *given,
                         ss_model_ws *ws, ss_metrics *out)
{
    const size_t Lt = ws->Lt;
    const unsigned nE = (unsigned)p->n_exc, nI = (unsigned)p->n_inh;
    double *gE = ws->trace[SS_TRACE_GE], *gI = ws->trace[SS_TRACE_GI];
    double *counts_E = ws->trace[SS_TRACE_TRAIN];

    for (size_t t = 0; t < Lt; t++)
        counts_E[t] = 0.;
    if (m == SS_MODEL_LIF_COND) {
        for (size_t t = 0; t < Lt; t++)
            ws->counts_I[t] = 0.;
        if (given) {
            for (size_t j = 0; j < (size_t)nE + nI; j++) {
                double *counts = j < nE ? counts_E : ws->counts_I;
                for (size_t k = given->offset[j]; k < given->offset[j + 1];
                     k++)
                    counts[given->bins[k]] += 1.;
            }
        } else {
            ss_input_add_trains(counts_E, Lt, nE, (int)p->input, p->exc_rate,
                                p->dt, s, SS_SUBSTREAM_EXC(0));
            ss_input_add_trains(ws->counts_I, Lt, nI, (int)p->input,
                                p->inh_rate, p->dt, s, SS_SUBSTREAM_INH(0));
        }
        static_syn(p->gE_bar, p->tau_syn_E, counts_E, Lt, p->dt, gE);
        static_syn(p->gI_bar, p->tau_syn_I, ws->counts_I, Lt, p->dt, gI);
    } else {
        double *u = ws->trace[SS_TRACE_U], *R = ws->trace[SS_TRACE_R];
        for (size_t t = 0; t < Lt; t++)
            u[t] = R[t] = 0.;
        stp_population(ws, p, nE, p->exc_rate, p->gE_bar, p->tau_syn_E,
                       p->U0_E, p->tau_d_E, p->tau_f_E, s,
                       SS_SUBSTREAM_EXC(0), given, 0, Lt, gE, u, R, counts_E);
        stp_population(ws, p, nI, p->inh_rate, p->gI_bar, p->tau_syn_I,
                       p->U0_I, p->tau_d_I, p->tau_f_I, s,
                       SS_SUBSTREAM_INH(0), given, nE, Lt, gI, NULL, NULL,
                       NULL);
        ws->made[SS_TRACE_U] = ws->made[SS_TRACE_R] = nE > 0;
    }
    double *I = ws->trace[SS_TRACE_I];
    ss_input_current(I, Lt, p->I_inj, p->I_sigma, p->dt, s);

    /* The free-membrane-potential run sees the same input realisation. */
    double *v = ws->trace[SS_TRACE_V], *v_fmp = ws->trace[SS_TRACE_FMP];
    membrane(p, gE, gI, I, Lt, false, v_fmp, NULL);
    size_t n = membrane(p, gE, gI, I, Lt, true, v, ws->spikes);
    ws->n_spikes = n;
    for (size_t k = 0; k < n; k++)
        ws->spike_t[k] = (double)ws->spikes[k] * p->dt;
    ws->made[SS_TRACE_V] = ws->made[SS_TRACE_FMP] = true;
    ws->made[SS_TRACE_GE] = ws->made[SS_TRACE_GI] = true;
    ws->made[SS_TRACE_I] = ws->made[SS_TRACE_TRAIN] = true;

    double *x = out->value;
    x[SS_MET_n_spikes] = (double)n;
    x[SS_MET_firing_rate] = 1e3 * (double)n / p->T;
    x[SS_MET_cv_isi] = ss_stats_cv_isi(ws->spikes, n, p->dt, ws->syn_u);
    x[SS_MET_fmp_mean] = ss_stats_mean(v_fmp, Lt);
    x[SS_MET_fmp_std] = ss_stats_std(v_fmp, Lt, x[SS_MET_fmp_mean]);
    x[SS_MET_v_mean] = ss_stats_mean(v, Lt);
    x[SS_MET_gE_mean] = ss_stats_mean(gE, Lt);
    x[SS_MET_gI_mean] = ss_stats_mean(gI, Lt);
    ss_metrics_check_finite(m, out);
    return SS_OK;
}

ss_status ss__stp_train_isi(const ss_params *p, size_t Lt, size_t *isi,
                           ss_error *err)
{
    *isi = ss_input_regular_isi(p->rate, p->dt);
    if (*isi != 0 && 9 * *isi < Lt)
        return SS_OK;
    char rate[32], dt[32];
    ss_param_format_number(p->rate, rate, sizeof rate);
    ss_param_format_number(p->dt, dt, sizeof dt);
    return ss_error_set(err, SS_ERR_PARAM,
                        "rate %s Hz with dt %s ms leaves no room for 10 "
                        "spikes",
                        rate, dt);
}

/* my_illus_STD: one synapse (g_bar, tau_syn) driven for 10 periods of the
 * rate; g1 = g[isi], g10 = g[9 isi] with isi = int((1e3/rate)/dt). */
static ss_status run_stp_train(const ss_params *p, const ss_rng_stream *s,
                               const ss__trains *given, ss_model_ws *ws,
                               ss_metrics *out, ss_error *err)
{
    const size_t Lt = ws->Lt;
    size_t isi_num;
    ss_status st = ss__stp_train_isi(p, Lt, &isi_num, err);
    if (st != SS_OK)
        return st;
    double *train = ws->trace[SS_TRACE_TRAIN], *u = ws->trace[SS_TRACE_U],
           *R = ws->trace[SS_TRACE_R], *g = ws->trace[SS_TRACE_GE];
    one_train(train, Lt, p, p->rate, s, SS_SUBSTREAM_EXC(0), given, 0);
    dynamic_syn(p->g_bar, p->tau_syn, p->U0, p->tau_d, p->tau_f, train, Lt,
                p->dt, u, R, g);
    ws->made[SS_TRACE_TRAIN] = ws->made[SS_TRACE_U] = true;
    ws->made[SS_TRACE_R] = ws->made[SS_TRACE_GE] = true;

    double *x = out->value;
    x[SS_MET_g1] = g[isi_num];
    x[SS_MET_g10] = g[9 * isi_num];
    x[SS_MET_g_ratio] = g[9 * isi_num] / g[isi_num];
    x[SS_MET_u1] = u[isi_num];
    x[SS_MET_R1] = R[isi_num];
    x[SS_MET_u10] = u[9 * isi_num];
    x[SS_MET_R10] = R[9 * isi_num];
    ss_metrics_check_finite(SS_MODEL_STP_TRAIN, out);
    return SS_OK;
}

ss_status ss__model_run_on(ss_model m, const ss_params *p,
                           const ss_rng_stream *s, const ss__trains *given,
                           ss_model_ws *ws, ss_metrics *out, ss_error *err)
{
    ss_metrics_clear(out);
    ss_status st = ss_params_validate(m, p, err);
    if (st != SS_OK)
        return st;
    size_t Lt = ss_params_time_bins(m, p);
    if ((st = ws_reserve(ws, Lt, err)) != SS_OK)
        return st;
    ws->Lt = Lt;
    ws->n_spikes = 0;
    memset(ws->made, 0, sizeof ws->made);
    if (m == SS_MODEL_STP_TRAIN)
        return run_stp_train(p, s, given, ws, out, err);
    if (ss__cont_wanted(m, p, given))
        return ss__model_run_cont(m, p, s, given, ws, out, err);
    return run_lif(m, p, s, given, ws, out);
}

ss_status ss_model_run(ss_model m, const ss_params *p, const ss_rng_stream *s,
                       ss_model_ws *ws, ss_metrics *out, ss_error *err)
{
    return ss__model_run_on(m, p, s, NULL, ws, out, err);
}

static const char *const kernel_names[SS_KERNEL_COUNT] = {"fast",
                                                          "reference"};

const char *ss_kernel_name(ss_kernel k)
{
    return (unsigned)k < SS_KERNEL_COUNT ? kernel_names[k] : "?";
}

ss_kernel ss_kernel_from_name(const char *name)
{
    for (int k = 0; k < SS_KERNEL_COUNT; k++)
        if (strcmp(name, kernel_names[k]) == 0)
            return (ss_kernel)k;
    return SS_KERNEL_COUNT;
}

ss_status ss_model_run_kernel(ss_kernel k, ss_model m, const ss_params *p,
                              const ss_rng_stream *s, ss_model_ws *ws,
                              ss_metrics *out, ss_error *err)
{
    if (k == SS_KERNEL_FAST)
        return ss_model_run_fast(m, 1, p, s, ws, out, err);
    return ss_model_run(m, p, s, ws, out, err);
}

ss_status ss_model_run_traced(ss_kernel k, ss_model m, const ss_params *p,
                              const ss_rng_stream *s, ss_model_ws *ws,
                              ss_metrics *out, ss_error *err)
{
    /* continuous events are the same for both kernels: the reference
     * run draws the very events the fast kernels run */
    if (k != SS_KERNEL_FAST ||
        (m != SS_MODEL_STP_TRAIN && p->events == SS_EVENTS_CONTINUOUS))
        return ss_model_run(m, p, s, ws, out, err);
    ss__train_buf buf = {0};
    ss_status st = ss__draw_trains(m, p, s, &buf, err);
    if (st == SS_OK) {
        ss__trains view = {buf.n_exc, buf.n_inh, buf.offset, buf.bins};
        st = ss__model_run_on(m, p, s, &view, ws, out, err);
    }
    ss__train_buf_free(&buf);
    return st;
}
