/* The fast kernels: the same discrete-time models as the reference kernels,
 * computed with less work.
 *  - A Poisson train is drawn as gaps between spikes: the gap of a per-bin
 *    Bernoulli(p) process is geometric, 1 + floor(log U / log(1 - p)), so
 *    the draws scale with the spikes, not with bins x trains.
 *  - A population onto static synapses (lif_cond) acts only through its
 *    count per bin: it is drawn as one train of Binomial(n, p) counts
 *    (see pop_law), one draw per non-empty bin instead of one per spike
 *    plus one per train.
 *  - The draws themselves (Philox4x32, see fast_trains.h, and the gaps'
 *    logs) are made in SIMD lanes, many at once, and so are the bins they
 *    give (8 draws of a population, or the first draws of 8 trains, at
 *    once); lif_cond_stp's synapses advance 8 at a time in lanes, with the
 *    same numbers as one at a time.
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

#include "fast_trains.h"
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
    struct pop_law *laws;      /* 2 L: lane l's E at [l], I at [L + l] */
    struct powers *pw;         /* 4 L: lane l's STP tables at [4 l ..] */
    int64_t *grp_bins; /* an STP group's spikes and their increments, */
                       /* side by side: see ss__stp_lanes */
    double *grp_inc;
    size_t grp_cap;
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

static void laws_free(struct pop_law *laws);

void ss__fast_free(struct ss_fast_scratch *f)
{
    if (!f)
        return;
    fast_arrays_free(f);
    laws_free(f->laws);
    free(f->pw);
    free(f->grp_bins);
    free(f->grp_inc);
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

/* x^n for many n: x^n = hi[n / 64] lo[n % 64] for n < 4096, by squaring
 * beyond (ss__stp_lanes reads them so). Built per point and population,
 * 128 multiplications. */
typedef struct powers {
    double x, lo[64], hi[64];
    bool ready;
} powers;

/* Makes pw the table of x (kept when it already is: the tables depend on
 * the point, not the trial, and 128 chained multiplications each are worth
 * saving). */
static void powers_init(powers *pw, double x)
{
    if (pw->ready && pw->x == x)
        return;
    pw->ready = true;
    pw->x = x;
    pw->lo[0] = pw->hi[0] = 1.0;
    for (int k = 1; k < 64; k++)
        pw->lo[k] = pw->lo[k - 1] * x;
    double x64 = pw->lo[63] * x;
    for (int k = 1; k < 64; k++)
        pw->hi[k] = pw->hi[k - 1] * x64;
}

/* Puts the counts of population law (substream sub) into in[bin * L +
 * lane]: stores, not additions, as in[] is zero there (the time loop
 * leaves it so) and the population is its only writer. */
static void static_superposed(double *in, size_t lane, size_t Lt,
                              const pop_law *law, uint64_t key, uint64_t sub,
                              const ss__lane_set *k)
{
    pop_gaps g;
    ss__pop_gaps_init(&g, law, key, sub, Lt, k);
    ss__pop_gaps_fill(&g, in + lane);
}

/* Frees the 2 L laws of a workspace (NULL is fine). */
static void laws_free(pop_law *laws)
{
    for (size_t i = 0; laws && i < 2 * L; i++)
        ss__pop_law_free(&laws[i]);
    free(laws);
}

/* Lane l's laws of its two populations: f->laws[l], f->laws[L + l]. */
static ss_status fast_laws(struct ss_fast_scratch *f, ss_error *err)
{
    if (!f->laws && !(f->laws = calloc(2 * L, sizeof *f->laws)))
        return ss_error_set(err, SS_ERR_NOMEM, "cannot allocate a workspace");
    return SS_OK;
}

/* Adds the spike counts of a static population into in[bin * L + lane]
 * (run_LIF_cond multiplies the count by g_bar). */
static void static_population(double *in, size_t lane, size_t Lt,
                              train_source *t)
{
    for (int64_t b; (b = source_next(t)) < (int64_t)Lt;)
        in[(size_t)b * L + lane] += 1.0;
}

/* A Tsodyks-Markram synapse is updated at its spikes only. Between its
 * spikes the tutorial's Euler steps scale u by (1 - dt/tau_f) and 1 - R by
 * (1 - dt/tau_d) per bin; the spike step is the tutorial's, in its order
 * (lanes.c: ss__stp_lanes):
 *   du = -a_f u + U0 (1 - u); u_new = u + du;
 *   dR = a_d (1 - R) - u_new R; the conductance kick is g_bar R u_new. */

/* Up to L synapses of one STP population of one trial, side by side in
 * the lanes (ss__stp_lanes): each one's chain of updates is as long as
 * one at a time, but L advance at once. Their spike bins are gathered
 * first, train by train; the increments are added afterwards train by
 * train, in the order one at a time adds them, so the sums per bin keep
 * their bits. */
typedef struct stp_group {
    size_t m;       /* trains gathered */
    int64_t n[L];   /* train i's spikes: f->grp_bins[k L + i], k < n[i] */
    size_t kmax;    /* the largest n[i] */
} stp_group;

/* Room in the group for spike k of every lane. */
static ss_status stp_room(struct ss_fast_scratch *f, size_t k,
                          ss_error *err)
{
    if ((k + 1) * L <= f->grp_cap)
        return SS_OK;
    size_t want = 2 * (k + 1) * L;
    int64_t *bins = realloc(f->grp_bins, want * sizeof *bins);
    if (bins)
        f->grp_bins = bins;
    double *inc = realloc(f->grp_inc, want * sizeof *inc);
    if (inc)
        f->grp_inc = inc;
    if (!bins || !inc)
        return ss_error_set(err, SS_ERR_NOMEM,
                            "cannot allocate the workspace for %zu spikes",
                            want);
    f->grp_cap = want;
    return SS_OK;
}

/* Appends train t's spike bins as the group's next lane (but bin 0: the
 * tutorial reads the train at it + 1, so a spike there is never
 * delivered). A drawn train's preloaded draws are read with the state in
 * registers (gaps_next's steps), the rest through source_next. */
static ss_status stp_gather(struct ss_fast_scratch *f, stp_group *g,
                            train_source *t, size_t Lt, const double *in,
                            size_t lane, const ss__train_lanes *pre,
                            ss_error *err)
{
    const size_t i = g->m;
    size_t k = 0;
    ss_status st = stp_room(f, 4 * STP_MAX_BLOCKS, err);
    if (st != SS_OK)
        return st;
    int64_t *bins = f->grp_bins;
    if (pre && t->from == FROM_GAPS && !t->g.never) {
        /* the preloaded draws' spikes are in lane i already */
        gaps *q = &t->g;
        k = (size_t)pre->n[i];
        q->bin = pre->last[i];
        q->next = q->avail;
    } else if (t->from == FROM_GAPS && !t->g.never && t->g.xs != t->g.x) {
        gaps *q = &t->g;
        const int64_t end = q->Lt;
        const double last = (double)end;
        int64_t b = q->bin;
        size_t next = q->next;
        while (next < q->avail) {
            double x = q->xs[next++ * q->stride];
            /* gaps_next's step: x >= Lt is past the end as b >= -1 */
            if (!(x < last)) {
                b = end;
                break;
            }
            b += 1 + (int64_t)x;
            if (b >= end) {
                b = end;
                break;
            }
            if (b != 0) {
                bins[k++ * L + i] = b; /* at most one per draw: room */
                /* the increment goes there after the group's run: the
                 * line is on its way meanwhile */
                __builtin_prefetch(in + (size_t)b * L + lane, 1, 3);
            }
        }
        q->bin = b;
        q->next = next;
    }
    for (int64_t b; (b = source_next(t)) < (int64_t)Lt;) {
        if (b == 0)
            continue;
        if ((st = stp_room(f, k, err)) != SS_OK)
            return st;
        f->grp_bins[k++ * L + i] = b;
    }
    g->n[g->m++] = (int64_t)k;
    if (k > g->kmax)
        g->kmax = k;
    return SS_OK;
}

/* Runs the group's synapses and adds their increments into in[bin * L +
 * lane], train by train; empties the group. */
static void stp_group_run(double *in, size_t lane, struct ss_fast_scratch *f,
                          stp_group *g, double g_bar, double U0, double a_d,
                          double a_f, const powers *keep_u,
                          const powers *keep_1mR)
{
    ss__stp_lanes a = {.bins = f->grp_bins, .inc = f->grp_inc,
                       .kmax = g->kmax, .g_bar = g_bar, .U0 = U0,
                       .a_d = a_d, .a_f = a_f, .keep_u = keep_u->x,
                       .keep_1mR = keep_1mR->x, .u_lo = keep_u->lo,
                       .u_hi = keep_u->hi, .R_lo = keep_1mR->lo,
                       .R_hi = keep_1mR->hi};
    const int64_t *bins = f->grp_bins;
    for (size_t i = 0; i < L; i++) /* a lane past its spikes is ignored */
        a.n[i] = i < g->m ? g->n[i] : 0;
    f->lanes->stp(&a);
    for (size_t i = 0; i < g->m; i++)
        for (size_t k = 0; k < (size_t)a.n[i]; k++)
            in[(size_t)bins[k * L + i] * L + lane] += a.inc[k * L + i];
    g->m = 0;
    g->kmax = 0;
}

/* ---- the membrane, L trials at once ---------------------------------- */

/* The lane kernels (lanes.c), compiled once per instruction set: the
 * widest the processor has. */
const ss__lane_set *ss__lane_kernels(void)
{
#define SS_LANE_SET(v)                                                       \
    {ss__membrane_##v, ss__log_lanes_##v, ss__philox_lanes_##v,              \
     ss__gaps_lanes_##v, ss__stp_lanes_##v, ss__pop_lanes_##v, \
     ss__train_lanes_##v, ss__fast_log_lanes_##v}
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

/* Lane l's static populations, drawn as counts per bin (see pop_law)
 * from their own substreams, into f->in_E and f->in_I. */
static ss_status superposed_inputs(struct ss_fast_scratch *f, size_t l,
                                   size_t Lt, const ss_params *q,
                                   const ss_rng_stream *s, ss_error *err)
{
    ss_status st = fast_laws(f, err);
    if (st == SS_OK)
        st = ss__pop_law_set(&f->laws[l], (unsigned)q->n_exc,
                             q->exc_rate * (q->dt / 1000.), err);
    if (st == SS_OK)
        st = ss__pop_law_set(&f->laws[L + l], (unsigned)q->n_inh,
                             q->inh_rate * (q->dt / 1000.), err);
    if (st != SS_OK)
        return st;
    const uint64_t key = ss__fast_key(s);
    static_superposed(f->in_E, l, Lt, &f->laws[l], key,
                      SS__SUBSTREAM_POP_EXC, f->lanes);
    static_superposed(f->in_I, l, Lt, &f->laws[L + l], key,
                      SS__SUBSTREAM_POP_INH, f->lanes);
    return SS_OK;
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
        const double scale_E = ss__gap_scale(q->exc_rate * (q->dt / 1000.)),
                     scale_I = ss__gap_scale(q->inh_rate * (q->dt / 1000.));
        powers *uE = NULL, *RE = NULL, *uI = NULL, *RI = NULL;
        if (m == SS_MODEL_LIF_COND_STP) {
            if (!f->pw && !(f->pw = calloc(4 * L, sizeof *f->pw)))
                return ss_error_set(err, SS_ERR_NOMEM,
                                    "cannot allocate a workspace");
            uE = &f->pw[4 * l];
            RE = uE + 1;
            uI = uE + 2;
            RI = uE + 3;
            powers_init(uE, 1.0 - a_fE);
            powers_init(RE, 1.0 - a_dE);
            powers_init(uI, 1.0 - a_fI);
            powers_init(RI, 1.0 - a_dI);
        }
        /* drawn static populations: their counts per bin */
        const bool counts = m == SS_MODEL_LIF_COND && !given &&
                            kind == SS_INPUT_POISSON;
        if (counts) {
            st = superposed_inputs(f, l, Lt, q, &s[l], err);
            if (st != SS_OK)
                return st;
        }
        /* drawn STP trains: the first words of L trains at once */
        const bool ahead = m == SS_MODEL_LIF_COND_STP && !given &&
                           kind == SS_INPUT_POISSON;
        const size_t B_E = ss__stp_blocks(q->exc_rate * (q->dt / 1000.), Lt),
                     B_I = ss__stp_blocks(q->inh_rate * (q->dt / 1000.), Lt);
        uint64_t words[L * 4 * STP_MAX_BLOCKS];
        double x_ahead[L * 4 * STP_MAX_BLOCKS];
        stp_group group = {0};
        const uint64_t key = ss__fast_key(&s[l]);
        ss__train_lanes ahead_trains;
        const ss__train_lanes *pre = NULL;
        for (size_t j = 0; j < trains && !counts; j++) {
            const bool exc = j < (size_t)q->n_exc;
            const size_t jj = exc ? j : j - (size_t)q->n_exc;
            const size_t n_pop = exc ? (size_t)q->n_exc : (size_t)q->n_inh;
            const size_t B = exc ? B_E : B_I;
            if (ahead && jj % L == 0) {
                uint64_t sub[L];
                for (size_t i = 0; i < L; i++) {
                    size_t ji = jj + i < n_pop ? jj + i : jj; /* spare */
                    sub[i] = exc ? SS_SUBSTREAM_EXC(ji) : SS_SUBSTREAM_INH(ji);
                }
                ss__stp_draw_ahead(f->lanes, key, sub, B,
                                   exc ? scale_E : scale_I, words, x_ahead);
                /* their spikes, the group's lanes at once (into the
                 * group's rows: the group is empty here) */
                pre = NULL;
                if ((exc ? q->exc_rate : q->inh_rate) > 0) {
                    if ((st = stp_room(f, 4 * B, err)) != SS_OK)
                        return st;
                    ahead_trains.x = x_ahead;
                    ahead_trains.nw = 4 * B;
                    ahead_trains.Lt = (int64_t)Lt;
                    ahead_trains.bins = f->grp_bins;
                    f->lanes->trains(&ahead_trains);
                    pre = ahead_trains.zero ? NULL : &ahead_trains;
                }
            }
            train_source t;
            if (given)
                ss__source_given(&t, &given[l], j, Lt);
            else
                ss__source_init(&t, &s[l], &key,
                                exc ? SS_SUBSTREAM_EXC(jj)
                                    : SS_SUBSTREAM_INH(jj),
                                kind, exc ? q->exc_rate : q->inh_rate, q->dt,
                                exc ? scale_E : scale_I, Lt, f->lanes);
            if (ahead)
                gaps_preload(&t.g, x_ahead + jj % L, L, 4 * B);
            double *in = exc ? f->in_E : f->in_I;
            if (m == SS_MODEL_LIF_COND) {
                static_population(in, l, Lt, &t);
                continue;
            }
            st = stp_gather(f, &group, &t, Lt, in, l, ahead ? pre : NULL,
                            err);
            if (st != SS_OK)
                return st;
            if (group.m < L && jj + 1 < n_pop)
                continue; /* the group fills */
            if (exc)
                stp_group_run(in, l, f, &group, q->gE_bar, q->U0_E, a_dE,
                              a_fE, uE, RE);
            else
                stp_group_run(in, l, f, &group, q->gI_bar, q->U0_I, a_dI,
                              a_fI, uI, RI);
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
        ss__source_given(&t, given, 0, Lt);
    else
        ss__source_init(&t, s, NULL, SS_SUBSTREAM_EXC(0), (int)p->input,
                        p->rate,
                        p->dt, ss__gap_scale(p->rate * (p->dt / 1000.)), Lt,
                        kernels);
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
        u *= ss__power(1.0 - a_f, quiet);
        R = 1.0 - (1.0 - R) * ss__power(1.0 - a_d, quiet);
        g *= ss__power(1.0 - a_s, quiet);
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
