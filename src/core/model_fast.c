/* The fast kernels: the same discrete-time models as the reference kernels,
 * computed with less work.
 *  - A Poisson train is drawn as gaps between spikes: the gap of a per-bin
 *    Bernoulli(p) process is geometric, 1 + floor(log U / log(1 - p)), so
 *    the draws scale with the spikes, not with bins x trains.
 *  - A synapse's state (u, R) is advanced only at its train's spikes, by the
 *    per-bin Euler factor raised to the number of bins elapsed; the
 *    conductances of a population share tau_syn, so their sum is one state,
 *    kicked by the per-bin sum of the synapses' increments.
 *  - The spiking run and the free-membrane-potential run are one pass, and
 *    SS_MODEL_LANES trials run side by side in SIMD lanes, so the latency of
 *    one trial's update chain hides behind the others'.
 * No allocation, no division and no branch on rare events in the time loop. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"
#include "rng_internal.h"
#include "synsweep/input.h"

#include "lanes.h"

/* The fast kernels' own scratch: they never write the reference kernels'
 * traces or scratch, so ss_model_trace keeps the last reference run's. */
struct ss_fast_scratch {
    size_t cap;         /* bins the arrays hold */
    double *in_E, *in_I; /* per bin and lane: spike counts or increments */
    double *current;     /* per bin and lane: injected current */
    double *noise;       /* cap bins: one lane's current, before the above */
    double *isi;         /* cap bins: one lane's interspike intervals */
    size_t *spikes;      /* per lane, cap bins: output spike bins */
    size_t n_spikes[L];  /* of the last run */
    size_t Lt;
    const ss__lane_set *lanes; /* the lane kernels this processor runs */
};

const size_t *ss__fast_spikes(const ss_model_ws *ws, size_t lane, size_t *n)
{
    const struct ss_fast_scratch *f = ws->fast;
    *n = f && lane < L ? f->n_spikes[lane] : 0;
    return f ? f->spikes + lane * f->Lt : NULL;
}

/* Frees the arrays, not f. */
static void fast_arrays_free(struct ss_fast_scratch *f)
{
    free(f->in_E);
    free(f->in_I);
    free(f->current);
    free(f->noise);
    free(f->isi);
    free(f->spikes);
}

void ss__fast_free(struct ss_fast_scratch *f)
{
    if (!f)
        return;
    fast_arrays_free(f);
    free(f);
}

static void *aligned_array(size_t n, size_t size)
{
    size_t bytes = (n * size + 63) / 64 * 64;
    return aligned_alloc(64, bytes ? bytes : 64);
}

static ss_status fast_reserve(ss_model_ws *ws, size_t Lt, ss_error *err)
{
    struct ss_fast_scratch *f = ws->fast;
    if (!f && !(f = ws->fast = calloc(1, sizeof *f)))
        return ss_error_set(err, SS_ERR_NOMEM, "cannot allocate a workspace");
    if (!f->lanes)
        f->lanes = ss__lane_kernels();
    if (Lt <= f->cap)
        return SS_OK;
    fast_arrays_free(f);
    f->in_E = aligned_array(Lt * L, sizeof(double));
    f->in_I = aligned_array(Lt * L, sizeof(double));
    f->current = aligned_array(Lt * L, sizeof(double));
    f->noise = malloc(Lt * sizeof *f->noise);
    f->isi = malloc(Lt * sizeof *f->isi);
    f->spikes = malloc(Lt * L * sizeof *f->spikes);
    f->cap = 0;
    if (!f->in_E || !f->in_I || !f->current || !f->noise || !f->isi ||
        !f->spikes)
        return ss_error_set(err, SS_ERR_NOMEM,
                            "cannot allocate the workspace for %zu bins", Lt);
    memset(f->in_E, 0, Lt * L * sizeof *f->in_E);
    memset(f->in_I, 0, Lt * L * sizeof *f->in_I);
    f->cap = Lt;
    return SS_OK;
}

/* x^n by squaring: the Euler factor of n bins without a spike. */
static double power(double x, uint64_t n)
{
    double r = 1.0;
    while (n) {
        if (n & 1)
            r *= x;
        x *= x;
        n >>= 1;
    }
    return r;
}

/* x^n for many n: x^n = hi[n / 64] lo[n % 64] for n < 4096, by squaring
 * beyond. Built per trial and population, 128 multiplications. */
typedef struct powers {
    double x, lo[64], hi[64];
} powers;

static void powers_init(powers *pw, double x)
{
    pw->x = x;
    pw->lo[0] = pw->hi[0] = 1.0;
    for (int k = 1; k < 64; k++)
        pw->lo[k] = pw->lo[k - 1] * x;
    double x64 = pw->lo[63] * x;
    for (int k = 1; k < 64; k++)
        pw->hi[k] = pw->hi[k - 1] * x64;
}

static inline double powers_of(const powers *pw, uint64_t n)
{
    return n < 4096 ? pw->hi[n >> 6] * pw->lo[n & 63] : power(pw->x, n);
}

/* ---- presynaptic trains as gaps ------------------------------------- */

/* A Bernoulli(p)-per-bin train read as gaps: the next spike bin after
 * `bin` (start at -1) is bin + 1 + floor(log U / log(1 - p)), U in (0, 1].
 * The uniforms are read L at a time and their logs taken in the lanes. */
typedef struct gaps {
    ss_rng_seq q;
    double inv_log_q; /* 1 / log(1 - p) (< 0); 0 when p = 1 */
    int64_t bin;
    int64_t Lt;
    int never; /* p = 0 */
    double x[L]; /* log U / log(1 - p) of the draws not used yet */
    size_t next;
    void (*log_lanes)(const double *x, double *out);
} gaps;

static double log1m(double p)
{
    /* log(1 - p) accurate for small p: log(w) corrected by the rounding of
     * w = 1 - p. */
    double w = 1.0 - p;
    if (w == 1.0)
        return -p;
    return ss__rng_log(w) * (-p / (w - 1.0));
}

/* 1 / log(1 - p), what gaps scale log U by (0 for p = 1). */
static double gap_scale(double p)
{
    return p >= 1.0 ? 0.0 : p > 0 ? 1.0 / log1m(p) : 0.0;
}

static void gaps_init(gaps *g, const ss_rng_stream *s, uint64_t substream,
                      double p, double scale, size_t Lt,
                      void (*log_lanes)(const double *x, double *out))
{
    g->log_lanes = log_lanes;
    ss_rng_seq_init(&g->q, s, substream);
    g->never = !(p > 0);
    g->inv_log_q = scale;
    g->bin = -1;
    g->Lt = (int64_t)Lt;
    g->next = L;
}

/* The next spike bin, or Lt when the train has no more spikes. */
static int64_t gaps_next(gaps *g)
{
    if (g->never || g->bin >= g->Lt)
        return g->Lt;
    if (g->next == L) {
        double u[L];
        for (size_t l = 0; l < L; l++)
            u[l] = 1.0 - ss_rng_uniform(&g->q); /* (0, 1] */
        g->log_lanes(u, g->x);
        for (size_t l = 0; l < L; l++)
            g->x[l] *= g->inv_log_q; /* >= 0 */
        g->next = 0;
    }
    double x = g->x[g->next++];
    double room = (double)(g->Lt - g->bin);
    g->bin = x < room ? g->bin + 1 + (int64_t)x : g->Lt;
    if (g->bin > g->Lt)
        g->bin = g->Lt;
    return g->bin;
}

/* Where a train's spike bins come from. */
typedef struct train_source {
    enum { FROM_GAPS, FROM_PERIOD, FROM_LIST } from;
    gaps g;                          /* FROM_GAPS: drawn */
    int64_t bin, period, Lt;         /* FROM_PERIOD: 0, isi, 2 isi, ... */
    const uint32_t *next, *end;      /* FROM_LIST: given */
} train_source;

/* A train of rate at dt; scale is gap_scale(rate * (dt / 1000.)), the
 * same for every train of a population. */
static void source_init(train_source *t, const ss_rng_stream *s,
                        uint64_t substream, int kind, double rate, double dt,
                        double scale, size_t Lt, const ss__lane_set *kernels)
{
    t->Lt = (int64_t)Lt;
    if (kind == SS_INPUT_REGULAR) {
        t->from = FROM_PERIOD;
        t->period = (int64_t)ss_input_regular_isi(rate, dt);
        t->bin = -t->period;
    } else {
        t->from = FROM_GAPS;
        gaps_init(&t->g, s, substream, rate * (dt / 1000.), scale, Lt,
                  kernels->log);
    }
}

static void source_given(train_source *t, const ss__trains *given, size_t j,
                         size_t Lt)
{
    t->from = FROM_LIST;
    t->Lt = (int64_t)Lt;
    t->next = given->bins + given->offset[j];
    t->end = given->bins + given->offset[j + 1];
}

/* The next spike bin of the train, or Lt when it has no more. */
static int64_t source_next(train_source *t)
{
    switch (t->from) {
    case FROM_LIST:
        return t->next < t->end ? (int64_t)*t->next++ : t->Lt;
    case FROM_PERIOD:
        if (t->period == 0)
            return t->Lt;
        t->bin += t->period;
        return t->bin < t->Lt ? t->bin : t->Lt;
    default:
        return gaps_next(&t->g);
    }
}

/* Adds the spike counts of a static population into in[bin * L + lane]
 * (run_LIF_cond multiplies the count by g_bar). */
static void static_population(double *in, size_t lane, size_t Lt,
                              train_source *t)
{
    for (int64_t b; (b = source_next(t)) < (int64_t)Lt;)
        in[(size_t)b * L + lane] += 1.0;
}

/* One Tsodyks-Markram synapse, updated at its spikes only: adds its
 * conductance increments g_bar R u into in[bin * L + lane]. Between spikes
 * the tutorial's Euler steps scale u by (1 - dt/tau_f) and 1 - R by
 * (1 - dt/tau_d) per bin; the spike step is the tutorial's, in its order. */
static void stp_synapse(double *in, size_t lane, size_t Lt, train_source *t,
                        double g_bar, double U0, double a_d, double a_f,
                        const powers *keep_u, const powers *keep_1mR)
{
    double u = 0., R = 1.;
    int64_t last = 0; /* the bin (u, R) belong to */
    for (int64_t b; (b = source_next(t)) < (int64_t)Lt;) {
        if (b == 0)
            continue; /* the tutorial reads the train at it + 1 */
        uint64_t quiet = (uint64_t)(b - 1 - last);
        u *= powers_of(keep_u, quiet);
        R = 1.0 - (1.0 - R) * powers_of(keep_1mR, quiet);
        double du = -a_f * u + U0 * (1.0 - u);
        double u_new = u + du;
        double dR = a_d * (1.0 - R) - u_new * R;
        in[(size_t)b * L + lane] += g_bar * R * u_new;
        u = u_new;
        R = R + dR;
        last = b;
    }
}

/* ---- the membrane, L trials at once ---------------------------------- */

/* The lane kernels (lanes.c), compiled once per instruction set: the
 * widest the processor has. */
const ss__lane_set *ss__lane_kernels(void)
{
#define SS_LANE_SET(v) {ss__membrane_##v, ss__log_lanes_##v}
    static const ss__lane_set base = SS_LANE_SET(base);
#if defined(__x86_64__) && defined(__GNUC__)
    static const ss__lane_set avx2 = SS_LANE_SET(avx2),
                              avx512 = SS_LANE_SET(avx512);
    /* SYNSWEEP_LANES=avx2 or base asks for narrower instructions (for a
     * debugger, valgrind, or a processor that clocks down on AVX-512):
     * the numbers are the same bits */
    const char *want = getenv("SYNSWEEP_LANES");
    bool narrow2 = want && strcmp(want, "avx2") == 0;
    bool narrow1 = want && strcmp(want, "base") == 0;
    if (!narrow1 && !narrow2 && __builtin_cpu_supports("avx512f") &&
        __builtin_cpu_supports("avx512dq"))
        return &avx512;
    if (!narrow1 && __builtin_cpu_supports("avx2"))
        return &avx2;
#endif
    return &base;
#undef SS_LANE_SET
}

static double lane_of(vd x, size_t l)
{
    double a[L];
    memcpy(a, &x, sizeof a);
    return a[l];
}

static void set_lane(vd *x, size_t l, double value)
{
    double a[L];
    memcpy(a, x, sizeof a);
    a[l] = value;
    memcpy(x, a, sizeof a);
}

static ss_status run_lif(ss_model m, size_t n, const ss_params *p,
                         const ss_rng_stream *s, const ss__trains *given,
                         ss_model_ws *ws, ss_metrics *out, ss_error *err)
{
    const size_t Lt = ss_params_time_bins(m, &p[0]);
    ss_status st = fast_reserve(ws, Lt, err);
    if (st != SS_OK)
        return st;
    struct ss_fast_scratch *f = ws->fast;
    /* in_E and in_I are zero here: made so, and left so by the time loop */

    lanes c;
    memset(&c, 0, sizeof c);
    c.Lt = Lt;
    for (size_t l = 0; l < L; l++) {
        /* unused lanes repeat trial 0 without input: harmless, ignored */
        const ss_params *q = &p[l < n ? l : 0];
        set_lane(&c.V_th, l, q->V_th);
        set_lane(&c.V_reset, l, q->V_reset);
        set_lane(&c.V_init, l, q->V_init);
        set_lane(&c.E_L, l, q->E_L);
        set_lane(&c.VE, l, q->VE);
        set_lane(&c.VI, l, q->VI);
        set_lane(&c.k, l, q->dt / q->tau_m);
        set_lane(&c.r_gL, l, 1.0 / q->g_L);
        set_lane(&c.tref_dt, l, q->tref / q->dt);
        set_lane(&c.a_E, l, q->dt / q->tau_syn_E);
        set_lane(&c.a_I, l, q->dt / q->tau_syn_I);
        /* static synapses kick by g_bar x count; STP by the summed
         * increments themselves */
        set_lane(&c.w_E, l, m == SS_MODEL_LIF_COND ? q->gE_bar : 1.0);
        set_lane(&c.w_I, l, m == SS_MODEL_LIF_COND ? q->gI_bar : 1.0);
        set_lane(&c.I_inj, l, q->I_inj);
        c.noise |= l < n && q->I_sigma != 0.0;
    }

    for (size_t l = 0; l < n; l++) {
        const ss_params *q = &p[l];
        const int kind = (int)q->input;
        const size_t trains = (size_t)q->n_exc + (size_t)q->n_inh;
        /* the tutorial's per-bin factors: u by 1 - dt/tau_f, 1 - R by
         * 1 - dt/tau_d, between a synapse's spikes */
        const double a_fE = q->dt / q->tau_f_E, a_dE = q->dt / q->tau_d_E,
                     a_fI = q->dt / q->tau_f_I, a_dI = q->dt / q->tau_d_I;
        const double scale_E = gap_scale(q->exc_rate * (q->dt / 1000.)),
                     scale_I = gap_scale(q->inh_rate * (q->dt / 1000.));
        powers uE, RE, uI, RI;
        if (m == SS_MODEL_LIF_COND_STP) {
            powers_init(&uE, 1.0 - a_fE);
            powers_init(&RE, 1.0 - a_dE);
            powers_init(&uI, 1.0 - a_fI);
            powers_init(&RI, 1.0 - a_dI);
        }
        for (size_t j = 0; j < trains; j++) {
            const bool exc = j < (size_t)q->n_exc;
            const size_t jj = exc ? j : j - (size_t)q->n_exc;
            train_source t;
            if (given)
                source_given(&t, &given[l], j, Lt);
            else
                source_init(&t, &s[l],
                            exc ? SS_SUBSTREAM_EXC(jj) : SS_SUBSTREAM_INH(jj),
                            kind, exc ? q->exc_rate : q->inh_rate, q->dt,
                            exc ? scale_E : scale_I, Lt, f->lanes);
            double *in = exc ? f->in_E : f->in_I;
            if (m == SS_MODEL_LIF_COND)
                static_population(in, l, Lt, &t);
            else if (exc)
                stp_synapse(in, l, Lt, &t, q->gE_bar, q->U0_E, a_dE, a_fE,
                            &uE, &RE);
            else
                stp_synapse(in, l, Lt, &t, q->gI_bar, q->U0_I, a_dI, a_fI,
                            &uI, &RI);
        }
        if (c.noise) {
            double *I = f->noise;
            ss_input_current(I, Lt, q->I_inj, q->I_sigma, q->dt, &s[l]);
            for (size_t it = 0; it < Lt; it++)
                f->current[it * L + l] = I[it];
        }
    }
    if (c.noise)
        for (size_t l = n; l < L; l++)
            for (size_t it = 0; it < Lt; it++)
                f->current[it * L + l] = p[0].I_inj;

    lane_sums sums;
    f->Lt = Lt;
    f->lanes->membrane(&c, f->in_E, f->in_I, f->current, f->spikes, &sums);
    memcpy(f->n_spikes, sums.n_spikes, sizeof f->n_spikes);

    for (size_t l = 0; l < n; l++) {
        const ss_params *q = &p[l];
        double *x = out[l].value;
        ss_metrics_clear(&out[l]);
        size_t ns = sums.n_spikes[l];
        const double bins = (double)Lt;
        x[SS_MET_n_spikes] = (double)ns;
        x[SS_MET_firing_rate] = 1e3 * (double)ns / q->T;
        x[SS_MET_cv_isi] =
            ss_stats_cv_isi(f->spikes + l * Lt, ns, q->dt, f->isi);
        double mf = lane_of(sums.fmp, l) / bins;
        double var = lane_of(sums.fmp_sq, l) / bins - mf * mf;
        x[SS_MET_fmp_mean] = q->V_init + mf;
        x[SS_MET_fmp_std] = sqrt(var > 0 ? var : 0);
        x[SS_MET_v_mean] = lane_of(sums.v, l) / bins;
        x[SS_MET_gE_mean] = lane_of(sums.gE, l) / bins;
        x[SS_MET_gI_mean] = lane_of(sums.gI, l) / bins;
        ss_metrics_check_finite(m, &out[l]);
    }
    return SS_OK;
}

/* ---- one synapse, event by event ------------------------------------- */

/* my_illus_STD's measurement with the synapse advanced between events:
 * its spikes and the two bins read (isi and 9 isi). */
static ss_status run_stp_train(const ss_params *p, const ss_rng_stream *s,
                               const ss__trains *given,
                               const ss__lane_set *kernels, ss_metrics *out,
                               ss_error *err)
{
    const size_t Lt = ss_params_time_bins(SS_MODEL_STP_TRAIN, p);
    size_t isi;
    ss_status st = ss__stp_train_isi(p, Lt, &isi, err);
    if (st != SS_OK)
        return st;
    const double a_f = p->dt / p->tau_f, a_d = p->dt / p->tau_d,
                 a_s = p->dt / p->tau_syn;
    train_source t;
    if (given)
        source_given(&t, given, 0, Lt);
    else
        source_init(&t, s, SS_SUBSTREAM_EXC(0), (int)p->input, p->rate, p->dt,
                    gap_scale(p->rate * (p->dt / 1000.)), Lt, kernels);
    const int64_t read_at[2] = {(int64_t)isi, (int64_t)(9 * isi)};
    double u = 0., R = 1., g = 0.;
    int64_t last = 0;
    int next_read = 0;
    double got[2][3];
    int64_t b = source_next(&t);
    while (next_read < 2) {
        while (b == 0)
            b = source_next(&t); /* never delivered */
        int64_t target = read_at[next_read];
        int spike = b <= target;
        int64_t upto = spike ? b - 1 : target;
        uint64_t quiet = (uint64_t)(upto - last);
        u *= power(1.0 - a_f, quiet);
        R = 1.0 - (1.0 - R) * power(1.0 - a_d, quiet);
        g *= power(1.0 - a_s, quiet);
        last = upto;
        if (spike) {
            double du = -a_f * u + p->U0 * (1.0 - u);
            double u_new = u + du;
            double dR = a_d * (1.0 - R) - u_new * R;
            double dg = -a_s * g + p->g_bar * R * u_new;
            u = u_new;
            R = R + dR;
            g = g + dg;
            last = b;
            b = source_next(&t);
        }
        if (last == target) {
            got[next_read][0] = g;
            got[next_read][1] = u;
            got[next_read][2] = R;
            next_read++;
        }
    }
    ss_metrics_clear(out);
    double *x = out->value;
    x[SS_MET_g1] = got[0][0];
    x[SS_MET_g10] = got[1][0];
    x[SS_MET_g_ratio] = got[1][0] / got[0][0];
    x[SS_MET_u1] = got[0][1];
    x[SS_MET_R1] = got[0][2];
    x[SS_MET_u10] = got[1][1];
    x[SS_MET_R10] = got[1][2];
    ss_metrics_check_finite(SS_MODEL_STP_TRAIN, out);
    return SS_OK;
}

/* ---- the trains themselves, for traces and tests ---------------------- */

void ss__train_buf_free(ss__train_buf *b)
{
    free(b->offset);
    free(b->bins);
    memset(b, 0, sizeof *b);
}

/* a, an array of *cap entries of size bytes, with room for n + 1: a
 * itself, or a grown copy (*cap updated), or NULL (a untouched) when out
 * of memory. */
static void *grow_array(void *a, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return a;
    size_t want = *cap ? 2 * *cap : 1024;
    if (want < n + 1)
        want = n + 1;
    void *p = realloc(a, want * size);
    if (p)
        *cap = want;
    return p;
}

static int grow_offsets(ss__train_buf *b, size_t n)
{
    size_t *p = grow_array(b->offset, &b->offset_cap, n, sizeof *p);
    if (p)
        b->offset = p;
    return p ? 0 : -1;
}

static int grow_bins(ss__train_buf *b, size_t n)
{
    uint32_t *p = grow_array(b->bins, &b->bins_cap, n, sizeof *p);
    if (p)
        b->bins = p;
    return p ? 0 : -1;
}

ss_status ss__draw_trains(ss_model m, const ss_params *p,
                          const ss_rng_stream *s, ss__train_buf *buf,
                          ss_error *err)
{
    const size_t Lt = ss_params_time_bins(m, p);
    const bool one = m == SS_MODEL_STP_TRAIN;
    buf->n_exc = one ? 1 : (size_t)p->n_exc;
    buf->n_inh = one ? 0 : (size_t)p->n_inh;
    size_t trains = buf->n_exc + buf->n_inh, n = 0;
    if (grow_offsets(buf, trains) < 0)
        return ss_error_set(err, SS_ERR_NOMEM, "cannot allocate trains");
    for (size_t j = 0; j < trains; j++) {
        bool exc = j < buf->n_exc;
        size_t jj = exc ? j : j - buf->n_exc;
        double rate = one ? p->rate : exc ? p->exc_rate : p->inh_rate;
        train_source t;
        source_init(&t, s, exc ? SS_SUBSTREAM_EXC(jj) : SS_SUBSTREAM_INH(jj),
                    (int)p->input, rate, p->dt,
                    gap_scale(rate * (p->dt / 1000.)), Lt,
                    ss__lane_kernels());
        buf->offset[j] = n;
        for (int64_t b; (b = source_next(&t)) < (int64_t)Lt;) {
            if (grow_bins(buf, n) < 0)
                return ss_error_set(err, SS_ERR_NOMEM,
                                    "cannot allocate trains");
            buf->bins[n++] = (uint32_t)b;
        }
    }
    buf->offset[trains] = n;
    return SS_OK;
}

/* ---- entry points ---------------------------------------------------- */

/* ss__model_run_fast_on; check false skips ss_params_validate of the
 * points (the caller has checked them). */
static ss_status run_fast(ss_model m, size_t n, const ss_params *p,
                          const ss_rng_stream *s, const ss__trains *trains,
                          ss_model_ws *ws, ss_metrics *out, bool check,
                          ss_error *err)
{
    if (n == 0 || n > L)
        return ss_error_set(err, SS_ERR_PARAM,
                            "the fast kernels take 1 to %d trials at once",
                            L);
    for (size_t l = 0; l < n; l++) {
        ss_status st = check ? ss_params_validate(m, &p[l], err) : SS_OK;
        if (st != SS_OK)
            return st;
        if (ss_params_time_bins(m, &p[l]) != ss_params_time_bins(m, &p[0]) &&
            m != SS_MODEL_STP_TRAIN)
            return ss_error_set(err, SS_ERR_PARAM,
                                "trials run side by side must have the same "
                                "number of time bins");
    }
    if (ss__cont_lanes(m, n, p, trains)) /* continuous events, exact */
        return ss__model_run_fast_cont(m, n, p, s, trains, ws, out, err);
    if (m == SS_MODEL_STP_TRAIN) {
        ss_status st = fast_reserve(ws, 0, err); /* picks the lane kernels */
        for (size_t l = 0; l < n && st == SS_OK; l++)
            st = run_stp_train(&p[l], &s[l], trains ? &trains[l] : NULL,
                               ws->fast->lanes, &out[l], err);
        return st;
    }
    return run_lif(m, n, p, s, trains, ws, out, err);
}

ss_status ss__model_run_fast_on(ss_model m, size_t n, const ss_params *p,
                                const ss_rng_stream *s,
                                const ss__trains *trains, ss_model_ws *ws,
                                ss_metrics *out, ss_error *err)
{
    return run_fast(m, n, p, s, trains, ws, out, true, err);
}

ss_status ss_model_run_fast(ss_model m, size_t n, const ss_params *p,
                            const ss_rng_stream *s, ss_model_ws *ws,
                            ss_metrics *out, ss_error *err)
{
    return run_fast(m, n, p, s, NULL, ws, out, true, err);
}

ss_status ss_model_run_fast_checked(ss_model m, size_t n, const ss_params *p,
                                    const ss_rng_stream *s, ss_model_ws *ws,
                                    ss_metrics *out, ss_error *err)
{
    return run_fast(m, n, p, s, NULL, ws, out, false, err);
}
