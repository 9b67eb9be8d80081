/* The fast kernels against the reference kernels: the same dynamics on the
 * same presynaptic spikes, and presynaptic spikes drawn with the
 * distribution of the tutorial's per-bin Bernoulli process. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "fixture_params.h"
#include "fixtures/seed_poisson_stats.h"
#include "fast_trains.h"
#include "lanes.h"
#include "model_internal.h"
#include "rng_internal.h"
#include "synsweep/input.h"
#include "synsweep/model.h"

/* Metrics agree to this relative error on the same spike input. */
#define FAST_RTOL 1e-9

static ss_model_ws *ws_ref, *ws_fast;

static int setup(void **state)
{
    (void)state;
    ws_ref = ss_model_ws_create();
    ws_fast = ss_model_ws_create();
    return ws_ref && ws_fast ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ss_model_ws_free(ws_ref);
    ss_model_ws_free(ws_fast);
    return 0;
}

/* A uniform in [lo, hi) from a test-only stream. */
static double pick(ss_rng_seq *q, double lo, double hi)
{
    return lo + (hi - lo) * ss_rng_uniform(q);
}

/* Random parameters for model m on a time grid of T ms at dt ms. */
static void random_params(ss_model m, ss_rng_seq *q, double T, double dt,
                          ss_params *p)
{
    ss_params_defaults(m, p);
    p->dt = dt;
    if (m == SS_MODEL_STP_TRAIN) {
        p->rate = pick(q, 2, 80);
        p->U0 = pick(q, 0.02, 1.0);
        p->tau_d = pick(q, 5, 900);
        p->tau_f = pick(q, 5, 900);
        p->g_bar = pick(q, 0.1, 3);
        p->tau_syn = pick(q, 1, 20);
        p->input = ss_rng_uniform(q) < 0.5 ? SS_INPUT_POISSON
                                           : SS_INPUT_REGULAR;
        return;
    }
    p->T = T;
    p->V_th = pick(q, -58, -50);
    p->V_reset = pick(q, -80, -65);
    p->tau_m = pick(q, 5, 30);
    p->g_L = pick(q, 5, 20);
    p->V_init = pick(q, -75, -55);
    p->E_L = pick(q, -80, -65);
    p->tref = pick(q, 0, 5);
    p->I_inj = pick(q, -50, 300);
    p->gE_bar = pick(q, 0.5, 6);
    p->gI_bar = pick(q, 0.5, 8);
    p->VE = pick(q, -5, 5);
    p->VI = pick(q, -90, -70);
    p->tau_syn_E = pick(q, 1, 10);
    p->tau_syn_I = pick(q, 2, 15);
    p->n_exc = (double)(int)pick(q, 0, 120);
    p->n_inh = (double)(int)pick(q, 0, 40);
    p->exc_rate = pick(q, 0, 40);
    p->inh_rate = pick(q, 0, 60);
    p->U0_E = pick(q, 0.05, 1);
    p->tau_d_E = pick(q, 20, 800);
    p->tau_f_E = pick(q, 20, 800);
    p->U0_I = pick(q, 0.05, 1);
    p->tau_d_I = pick(q, 20, 800);
    p->tau_f_I = pick(q, 20, 800);
}

/* The reference kernels' own Bernoulli trains of trial (m, p, s), as lists
 * of spike bins. */
static void bernoulli_trains(ss_model m, const ss_params *p,
                             const ss_rng_stream *s, ss__train_buf *b)
{
    size_t Lt = ss_params_time_bins(m, p);
    bool one = m == SS_MODEL_STP_TRAIN;
    b->n_exc = one ? 1 : (size_t)p->n_exc;
    b->n_inh = one ? 0 : (size_t)p->n_inh;
    size_t trains = b->n_exc + b->n_inh;
    double *train = malloc(Lt * sizeof *train);
    b->offset = malloc((trains + 1) * sizeof *b->offset);
    b->bins = malloc((Lt * trains + 1) * sizeof *b->bins);
    size_t n = 0;
    for (size_t j = 0; j < trains; j++) {
        bool exc = j < b->n_exc;
        size_t jj = exc ? j : j - b->n_exc;
        double rate = one ? p->rate : exc ? p->exc_rate : p->inh_rate;
        ss_input_train(train, Lt, (int)p->input, rate, p->dt, s,
                       exc ? SS_SUBSTREAM_EXC(jj) : SS_SUBSTREAM_INH(jj));
        b->offset[j] = n;
        for (size_t t = 0; t < Lt; t++)
            if (train[t] != 0.0)
                b->bins[n++] = (uint32_t)t;
    }
    b->offset[trains] = n;
    free(train);
}

static void check_same_metrics(ss_model m, const ss_metrics *ref,
                               const ss_metrics *fast)
{
    for (int i = 0; i < SS_METRIC_COUNT; i++) {
        if (!ss_metric_used_by((ss_metric_id)i, m))
            continue;
        double r = ref->value[i], f = fast->value[i];
        if ((isnan(r) && isnan(f)) || r == f)
            continue;
        if (!(fabs(r - f) <= FAST_RTOL * fabs(r) + 1e-12)) {
            print_error("%s: reference %.17g, fast %.17g\n",
                        ss_metric_info_of((ss_metric_id)i)->name, r, f);
            fail();
        }
    }
}

/* Hundreds of random parameter points, 8 side by side per time grid: on
 * the reference's own trains the fast kernels give the same spike times
 * and the metrics to 1e-9. */
static void fast_equals_reference_on_the_same_trains(void **state)
{
    (void)state;
    ss_rng_stream meta;
    ss_rng_stream_init(&meta, 2385, 1, 0);
    ss_rng_seq q;
    ss_rng_seq_init(&q, &meta, 0);
    const ss_model models[] = {SS_MODEL_LIF_COND, SS_MODEL_LIF_COND_STP,
                               SS_MODEL_STP_TRAIN};
    int spiking = 0, points = 0;
    for (size_t mi = 0; mi < 3; mi++) {
        ss_model m = models[mi];
        int batches = m == SS_MODEL_LIF_COND_STP ? 12 : 25;
        for (int b = 0; b < batches; b++) {
            double dt = ss_rng_uniform(&q) < 0.5 ? 0.1 : 0.05;
            double T = pick(&q, 150, 400);
            ss_params p[SS_MODEL_LANES];
            ss_rng_stream s[SS_MODEL_LANES];
            ss__train_buf bufs[SS_MODEL_LANES];
            ss__trains given[SS_MODEL_LANES];
            ss_metrics ref[SS_MODEL_LANES], fast[SS_MODEL_LANES];
            size_t n = 1 + (size_t)(ss_rng_uniform(&q) * SS_MODEL_LANES);
            for (size_t l = 0; l < n; l++) {
                do
                    random_params(m, &q, T, dt, &p[l]);
                while (ss_params_validate(m, &p[l], NULL) != SS_OK);
                ss_model_trial_stream(m, &p[l], 77, (uint64_t)b, false, &s[l]);
                memset(&bufs[l], 0, sizeof bufs[l]);
                bernoulli_trains(m, &p[l], &s[l], &bufs[l]);
                given[l] = (ss__trains){bufs[l].n_exc, bufs[l].n_inh,
                                        bufs[l].offset, bufs[l].bins};
            }
            assert_int_equal(ss__model_run_fast_on(m, n, p, s, given, ws_fast,
                                                   fast, NULL),
                             SS_OK);
            for (size_t l = 0; l < n; l++) {
                assert_int_equal(ss__model_run_on(m, &p[l], &s[l], &given[l],
                                                  ws_ref, &ref[l], NULL),
                                 SS_OK);
                check_same_metrics(m, &ref[l], &fast[l]);
                if (m != SS_MODEL_STP_TRAIN) {
                    size_t nr, nf;
                    const size_t *br = ss_model_spikes(ws_ref, &nr);
                    const size_t *bf = ss__fast_spikes(ws_fast, l, &nf);
                    assert_int_equal(nr, nf);
                    for (size_t k = 0; k < nr; k++)
                        assert_int_equal(br[k], bf[k]);
                    spiking += nr > 3;
                }
                points++;
                ss__train_buf_free(&bufs[l]);
            }
        }
    }
    print_message("%d random points, %d spiking LIF trials\n", points,
                  spiking);
    assert_true(points >= 200);
    assert_true(spiking >= 60);
}

/* The DC-driven and regular-train cases: no randomness at all, so the fast
 * kernels on their own input reproduce the reference. */
static void fast_equals_reference_without_randomness(void **state)
{
    (void)state;
    for (double I = 150; I <= 1000; I += 85) {
        ss_params p;
        ss_params_defaults(SS_MODEL_LIF_COND, &p);
        p.n_exc = p.n_inh = 0;
        p.I_inj = I;
        ss_rng_stream s;
        ss_model_trial_stream(SS_MODEL_LIF_COND, &p, 0, 0, false, &s);
        ss_metrics ref, fast;
        assert_int_equal(ss_model_run(SS_MODEL_LIF_COND, &p, &s, ws_ref, &ref,
                                      NULL),
                         SS_OK);
        assert_int_equal(ss_model_run_fast(SS_MODEL_LIF_COND, 1, &p, &s,
                                           ws_fast, &fast, NULL),
                         SS_OK);
        check_same_metrics(SS_MODEL_LIF_COND, &ref, &fast);
    }
    for (int m = SS_MODEL_LIF_COND; m <= SS_MODEL_STP_TRAIN; m++) {
        ss_params p;
        ss_params_defaults((ss_model)m, &p);
        p.input = SS_INPUT_REGULAR;
        ss_rng_stream s;
        ss_model_trial_stream((ss_model)m, &p, 0, 0, false, &s);
        ss_metrics ref, fast;
        assert_int_equal(ss_model_run((ss_model)m, &p, &s, ws_ref, &ref, NULL),
                         SS_OK);
        assert_int_equal(ss_model_run_fast((ss_model)m, 1, &p, &s, ws_fast,
                                           &fast, NULL),
                         SS_OK);
        check_same_metrics((ss_model)m, &ref, &fast);
    }
}

/* A trial's numbers do not depend on the trials beside it in the lanes. */
static void fast_lanes_do_not_mix(void **state)
{
    (void)state;
    ss_params p[SS_MODEL_LANES];
    ss_rng_stream s[SS_MODEL_LANES];
    ss_metrics together[SS_MODEL_LANES], alone;
    for (size_t l = 0; l < SS_MODEL_LANES; l++) {
        ss_params_defaults(SS_MODEL_LIF_COND_STP, &p[l]);
        p[l].exc_rate = 5 + 3.7 * (double)l;
        p[l].I_sigma = l % 2 ? 1.5 : 0;
        ss_model_trial_stream(SS_MODEL_LIF_COND_STP, &p[l], 3, l, false, &s[l]);
    }
    assert_int_equal(ss_model_run_fast(SS_MODEL_LIF_COND_STP, SS_MODEL_LANES, p,
                                       s, ws_fast, together, NULL),
                     SS_OK);
    for (size_t l = 0; l < SS_MODEL_LANES; l++) {
        assert_int_equal(ss_model_run_fast(SS_MODEL_LIF_COND_STP, 1, &p[l],
                                           &s[l], ws_fast, &alone, NULL),
                         SS_OK);
        assert_same_metrics(alone, together[l]);
    }
}

/* A trace and the output spikes, as ss_model_trace and ss_model_spikes
 * gave them after a run. */
typedef struct kept_traces {
    size_t Lt, n_spikes;
    const double *at[SS_TRACE_COUNT];
    double *copy[SS_TRACE_COUNT];
    const size_t *spikes_at;
    size_t *spikes;
} kept_traces;

static void keep_traces(const ss_model_ws *ws, kept_traces *k)
{
    k->Lt = ss_model_trace_length(ws);
    for (int t = 0; t < SS_TRACE_COUNT; t++) {
        k->at[t] = ss_model_trace(ws, (ss_trace)t);
        k->copy[t] = NULL;
        if (k->at[t]) {
            k->copy[t] = malloc(k->Lt * sizeof *k->copy[t]);
            memcpy(k->copy[t], k->at[t], k->Lt * sizeof *k->copy[t]);
        }
    }
    k->spikes_at = ss_model_spikes(ws, &k->n_spikes);
    k->spikes = malloc((k->n_spikes + 1) * sizeof *k->spikes);
    memcpy(k->spikes, k->spikes_at, k->n_spikes * sizeof *k->spikes);
}

/* ws still shows exactly what k kept, at the same addresses. */
static void check_traces_kept(const ss_model_ws *ws, const kept_traces *k)
{
    assert_int_equal(ss_model_trace_length(ws), k->Lt);
    for (int t = 0; t < SS_TRACE_COUNT; t++) {
        const double *x = ss_model_trace(ws, (ss_trace)t);
        assert_ptr_equal(x, k->at[t]);
        if (x)
            assert_memory_equal(x, k->copy[t], k->Lt * sizeof *x);
    }
    size_t n;
    const size_t *bins = ss_model_spikes(ws, &n);
    assert_int_equal(n, k->n_spikes);
    assert_ptr_equal(bins, k->spikes_at);
    assert_memory_equal(bins, k->spikes, n * sizeof *bins);
}

static void free_kept_traces(kept_traces *k)
{
    for (int t = 0; t < SS_TRACE_COUNT; t++)
        free(k->copy[t]);
    free(k->spikes);
}

/* The fast kernels keep to their own scratch: after fast runs of other
 * trials in the same workspace, some on a longer time grid, the traces and
 * spikes are still those of the last reference run, bit for bit. */
static void fast_runs_leave_the_reference_traces_alone(void **state)
{
    (void)state;
    for (int m = SS_MODEL_LIF_COND; m <= SS_MODEL_STP_TRAIN; m++) {
        const ss_model model = (ss_model)m;
        ss_model_ws *ws = ss_model_ws_create();
        assert_non_null(ws);
        ss_params p;
        ss_params_defaults(model, &p);
        if (model == SS_MODEL_STP_TRAIN) {
            p.rate = 23.85;
            p.input = SS_INPUT_POISSON;
        } else {
            p.T = 238.5;
            p.I_inj = 123.85;
            p.I_sigma = 2.385; /* a noise current, traced as SS_TRACE_I */
        }
        ss_rng_stream s;
        ss_model_trial_stream(model, &p, 5, 0, false, &s);
        ss_metrics ref;
        assert_int_equal(ss_model_run_traced(SS_KERNEL_REFERENCE, model, &p,
                                             &s, ws, &ref, NULL),
                         SS_OK);
        kept_traces k;
        keep_traces(ws, &k);
        assert_non_null(k.at[model == SS_MODEL_STP_TRAIN ? SS_TRACE_GE
                                                         : SS_TRACE_I]);

        /* other trials, side by side, then one alone on a longer grid */
        ss_params q[SS_MODEL_LANES];
        ss_rng_stream qs[SS_MODEL_LANES];
        ss_metrics out[SS_MODEL_LANES];
        for (size_t l = 0; l < SS_MODEL_LANES; l++) {
            q[l] = p;
            if (model == SS_MODEL_STP_TRAIN)
                q[l].U0 = 0.1 + 0.07 * (double)l;
            else
                q[l].exc_rate = 4.5 + 2.385 * (double)l;
            ss_model_trial_stream(model, &q[l], 6, l, false, &qs[l]);
        }
        assert_int_equal(ss_model_run_fast(model, SS_MODEL_LANES, q, qs, ws,
                                           out, NULL),
                         SS_OK);
        check_traces_kept(ws, &k);
        if (model == SS_MODEL_STP_TRAIN)
            q[0].rate = 2.385;
        else
            q[0].T = 3 * p.T;
        assert_int_equal(ss_model_run_kernel(SS_KERNEL_FAST, model, &q[0],
                                             &qs[0], ws, out, NULL),
                         SS_OK);
        check_traces_kept(ws, &k);

        /* and the next reference run is the same trial's again */
        ss_metrics again;
        assert_int_equal(ss_model_run_traced(SS_KERNEL_REFERENCE, model, &p,
                                             &s, ws, &again, NULL),
                         SS_OK);
        assert_same_metrics(again, ref);
        check_traces_kept(ws, &k);
        free_kept_traces(&k);
        ss_model_ws_free(ws);
    }
}

#define LANE_SET(v)                                                          \
    (ss__lane_set)                                                           \
    {                                                                        \
        ss__membrane_##v, ss__log_lanes_##v, ss__philox_lanes_##v,           \
            ss__gaps_lanes_##v, ss__stp_lanes_##v, ss__pop_lanes_##v,        \
            ss__train_lanes_##v, ss__fast_log_lanes_##v                      \
    }

/* The lane kernel variants this processor runs, into sets[0..3). */
static size_t lane_sets(ss__lane_set *sets)
{
    size_t n = 0;
    sets[n++] = LANE_SET(base);
#if defined(__x86_64__) && defined(__GNUC__)
    if (__builtin_cpu_supports("avx2"))
        sets[n++] = LANE_SET(avx2);
    if (__builtin_cpu_supports("avx512f") &&
        __builtin_cpu_supports("avx512dq"))
        sets[n++] = LANE_SET(avx512);
#endif
    return n;
}

/* The fast draws' blocks are Random123's philox4x32-10 (its published
 * known answers), two to a block of 4 words; Philox in the lanes is
 * ss__fast_block in every lane, for counters and keys of every bit
 * pattern; and the gaps' logs are the scalar path's bits: log(1 -
 * u01(word)) times the scale. */
static void fast_lane_philox_and_gaps_equal_the_scalar_ones(void **state)
{
    (void)state;
    /* Random123's kat_vectors for philox4x32_10: counter (c, sub) as
     * {lo c, hi c, lo sub, hi sub}, c = 2 b + h */
    static const struct {
        uint64_t key, sub, c;
        uint32_t x[4];
    } kat[3] = {
        {0, 0, 0, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
        {UINT64_MAX, UINT64_MAX, UINT64_MAX,
         {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
        {0x299f31d0a4093822, 0x0370734413198a2e, 0x85a308d3243f6a88,
         {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
    };
    for (size_t i = 0; i < 3; i++) {
        uint64_t o[4];
        ss__fast_block(kat[i].key, kat[i].sub, kat[i].c / 2, o);
        size_t h = (size_t)(kat[i].c % 2);
        assert_true(o[2 * h] ==
                    ((uint64_t)kat[i].x[0] | (uint64_t)kat[i].x[1] << 32));
        assert_true(o[2 * h + 1] ==
                    ((uint64_t)kat[i].x[2] | (uint64_t)kat[i].x[3] << 32));
    }
    ss__lane_set sets[3];
    size_t n_sets = lane_sets(sets);
    ss_rng_stream st;
    ss_rng_stream_init(&st, 0x2385, 0x1f3d5b79, 7);
    ss_rng_seq q;
    ss_rng_seq_init(&q, &st, 9);
    /* 5 vectors (the interleaved four and one alone), blocks in both
     * patterns the kernels use: one substream's run of blocks, and the
     * same blocks of L substreams */
    enum { NV = 5, NL = SS_MODEL_LANES };
    for (int round = 0; round < 100; round++) {
        uint64_t sub[NL], key = ss_rng_next_u64(&q);
        uint64_t b0 = round == 0 ? UINT64_MAX - 9 : ss_rng_next_u64(&q);
        for (size_t i = 0; i < NL; i++)
            sub[i] = round % 2 ? ss_rng_next_u64(&q) : (uint64_t)round;
        const uint64_t dv = round % 2 ? 1 : NL, di = round % 2 ? 0 : 1;
        for (size_t k = 0; k < n_sets; k++) {
            uint64_t out[4 * NL * NV];
            sets[k].philox(key, sub, b0, dv, di, NV, out);
            for (size_t v = 0; v < NV; v++)
                for (size_t l = 0; l < NL; l++) {
                    uint64_t o[4];
                    ss__fast_block(key, sub[l], b0 + v * dv + l * di, o);
                    for (size_t w = 0; w < 4; w++)
                        assert_true(out[(4 * v + w) * NL + l] == o[w]);
                }
            if (round == 0) /* the edges too */
                for (size_t i = 0; i < 4 * NL * NV; i++)
                    out[i] = i % 2 ? UINT64_MAX : 0;
            double x[4 * NL * NV];
            const double scale = -1.0 / 0.0023851;
            sets[k].gaps(out, 4 * NL * NV, scale, x);
            for (size_t i = 0; i < 4 * NL * NV; i++)
                assert_true(x[i] ==
                            ss__fast_log(1.0 - ss__rng_u01(out[i])) * scale);
        }
    }
    /* the STP synapses in lanes: against the tutorial's steps one synapse
     * at a time, bit for bit, quiet spells past the tables included */
    enum { KMAX = 40 };
    int64_t bins[KMAX * NL];
    double inc[KMAX * NL], lo[2][64], hi[2][64];
    const double keep[2] = {1 - 0.1 / 87.3, 1 - 0.1 / 412.9};
    for (int j = 0; j < 2; j++) {
        lo[j][0] = hi[j][0] = 1.0;
        for (int i = 1; i < 64; i++)
            lo[j][i] = lo[j][i - 1] * keep[j];
        double x64 = lo[j][63] * keep[j];
        for (int i = 1; i < 64; i++)
            hi[j][i] = hi[j][i - 1] * x64;
    }
    ss__stp_lanes a = {.bins = bins, .inc = inc, .kmax = KMAX,
                       .g_bar = 2.385, .U0 = 0.237, .a_d = 0.1 / 412.9,
                       .a_f = 0.1 / 87.3, .keep_u = keep[0],
                       .keep_1mR = keep[1], .u_lo = lo[0], .u_hi = hi[0],
                       .R_lo = lo[1], .R_hi = hi[1]};
    for (size_t l = 0; l < NL; l++) {
        a.n[l] = (int64_t)(l == 3 ? 0 : KMAX - 3 * l);
        int64_t b = 0;
        for (size_t k = 0; k < KMAX; k++) {
            b += 1 + (int64_t)(ss_rng_uniform(&q) * (k % 7 == 3 ? 9000 : 300));
            bins[k * NL + l] = b;
        }
    }
    for (size_t k = 0; k < n_sets; k++) {
        memset(inc, 0, sizeof inc);
        sets[k].stp(&a);
        for (size_t l = 0; l < NL; l++) {
            double u = 0., R = 1.;
            int64_t last = 0;
            for (int64_t i = 0; i < a.n[l]; i++) {
                int64_t b = bins[i * NL + l];
                uint64_t quiet = (uint64_t)(b - 1 - last);
                double Pu = quiet < 4096 ? hi[0][quiet >> 6] * lo[0][quiet & 63]
                                         : ss__power(keep[0], quiet);
                double PR = quiet < 4096 ? hi[1][quiet >> 6] * lo[1][quiet & 63]
                                         : ss__power(keep[1], quiet);
                u *= Pu;
                R = 1.0 - (1.0 - R) * PR;
                double du = -a.a_f * u + a.U0 * (1.0 - u);
                double u_new = u + du;
                double dR = a.a_d * (1.0 - R) - u_new * R;
                assert_true(inc[i * NL + l] == a.g_bar * R * u_new);
                u = u_new;
                R = R + dR;
                last = b;
            }
        }
    }
    print_message("%zu variants of Philox, the gaps and STP compared\n",
                  n_sets);
}

/* Every instruction-set variant of the lane kernels gives the same bits:
 * results do not depend on the machine. */
static void fast_lane_variants_agree_bit_for_bit(void **state)
{
    (void)state;
    ss__lane_set sets[3];
    size_t n_sets = lane_sets(sets);
    /* logs: against the scalar ss__rng_log */
    ss_rng_stream st;
    ss_rng_stream_init(&st, 4, 4, 4);
    ss_rng_seq q;
    ss_rng_seq_init(&q, &st, 0);
    for (int round = 0; round < 2000; round++) {
        double x[SS_MODEL_LANES], y[SS_MODEL_LANES];
        for (size_t l = 0; l < SS_MODEL_LANES; l++)
            x[l] = 1.0 - ss_rng_uniform(&q);
        for (size_t k = 0; k < n_sets; k++) {
            sets[k].log(x, y);
            for (size_t l = 0; l < SS_MODEL_LANES; l++)
                assert_true(y[l] == ss__rng_log(x[l]));
        }
    }
    /* the time loop: the same sums and spikes */
    enum { LT = 3000 };
    lanes c;
    memset(&c, 0, sizeof c);
    c.Lt = LT;
    c.V_th = vsplat(-55);
    c.V_reset = vsplat(-75);
    c.V_init = vsplat(-65);
    c.E_L = vsplat(-75);
    c.VE = vsplat(0);
    c.VI = vsplat(-80);
    c.k = vsplat(0.01);
    c.r_gL = vsplat(0.1);
    c.tref_dt = vsplat(20);
    c.a_E = vsplat(0.05);
    c.a_I = vsplat(0.02);
    c.w_E = vsplat(2.4);
    c.w_I = vsplat(2.4);
    c.I_inj = vsplat(0);
    double *in_E = aligned_alloc(64, LT * SS_MODEL_LANES * sizeof(double));
    double *in_I = aligned_alloc(64, LT * SS_MODEL_LANES * sizeof(double));
    size_t *spikes = malloc(LT * SS_MODEL_LANES * sizeof *spikes);
    lane_sums first;
    for (size_t k = 0; k < n_sets; k++) {
        ss_rng_seq_init(&q, &st, 1);
        for (size_t i = 0; i < LT * SS_MODEL_LANES; i++) {
            in_E[i] = ss_rng_uniform(&q) < 0.08 ? 1 + (i % 3) : 0;
            in_I[i] = ss_rng_uniform(&q) < 0.02 ? 1 : 0;
        }
        lane_sums sums;
        sets[k].membrane(&c, in_E, in_I, NULL, spikes, &sums);
        if (k == 0)
            first = sums;
        else
            assert_memory_equal(&sums, &first, sizeof sums);
        for (size_t i = 0; i < LT * SS_MODEL_LANES; i++)
            assert_true(in_E[i] == 0 && in_I[i] == 0); /* left zero */
    }
    print_message("%zu lane kernel variants compared\n", n_sets);
    free(in_E);
    free(in_I);
    free(spikes);
}

static double lane_at(vd x, size_t l)
{
    double a[SS_MODEL_LANES];
    memcpy(a, &x, sizeof a);
    return a[l];
}

static void set_lane_at(vd *x, size_t l, double value)
{
    double a[SS_MODEL_LANES];
    memcpy(a, x, sizeof a);
    a[l] = value;
    memcpy(x, a, sizeof a);
}

/* One lane of the time loop, a scalar loop written from the step lanes.c
 * documents (the tutorial's refractory clamp, threshold and reset, then g
 * at it + 1, then v and fmp by A v + B): the sums and spikes of lane l. */
static void membrane_one_lane(const lanes *c, size_t l, const double *in_E,
                              const double *in_I, const double *current,
                              size_t *spikes, size_t *n_spikes,
                              double sums[5])
{
    const double V_th = lane_at(c->V_th, l), V_reset = lane_at(c->V_reset, l),
                 V_init = lane_at(c->V_init, l), k = lane_at(c->k, l),
                 kg = k * lane_at(c->r_gL, l), A0 = 1.0 - k,
                 kE_L = k * lane_at(c->E_L, l), VE = lane_at(c->VE, l),
                 VI = lane_at(c->VI, l), tref_dt = lane_at(c->tref_dt, l),
                 a_E = lane_at(c->a_E, l), a_I = lane_at(c->a_I, l),
                 w_E = lane_at(c->w_E, l), w_I = lane_at(c->w_I, l),
                 I_inj = lane_at(c->I_inj, l);
    double v = V_init, fmp = V_init, gE = 0, gI = 0, tr = 0;
    double s_v = 0, s_f = 0, s_f2 = 0, s_gE = 0, s_gI = 0;
    size_t n = 0;
    for (size_t it = 0; it + 1 < c->Lt; it++) {
        const bool refractory = tr > 0;
        const bool spike = !refractory && v >= V_th;
        if (refractory || spike)
            v = V_reset;
        tr = refractory ? tr - 1 : spike ? tref_dt : tr;
        if (spike)
            spikes[n++] = it;
        const double f = fmp - V_init;
        s_v += v;
        s_f += f;
        s_f2 += f * f;
        s_gE += gE;
        s_gI += gI;
        gE = gE - a_E * gE + w_E * in_E[(it + 1) * SS_MODEL_LANES + l];
        gI = gI - a_I * gI + w_I * in_I[(it + 1) * SS_MODEL_LANES + l];
        const double I = current ? current[it * SS_MODEL_LANES + l] : I_inj;
        const double A = A0 - kg * (gE + gI);
        const double B = kE_L + kg * (gE * VE + gI * VI + I);
        v = A * v + B;
        fmp = A * fmp + B;
    }
    const double f = fmp - V_init;
    sums[0] = s_v + v;
    sums[1] = s_f + f;
    sums[2] = s_f2 + f * f;
    sums[3] = s_gE + gE;
    sums[4] = s_gI + gI;
    *n_spikes = n;
}

/* Each instruction-set variant of the time loop computes every lane as the
 * scalar step does, bit for bit, with its own constants in every lane (so
 * a lane read from the wrong group or slot shows), with and without an
 * injected current, with weights and with w_E = w_I = 1 in every lane (the
 * loop's own path for lif_cond_stp's increments), through spikes and
 * refractory periods. */
static void fast_time_loop_matches_the_step_lane_by_lane(void **state)
{
    (void)state;
    void (*variants[3])(SS_MEMBRANE_ARGS) = {ss__membrane_base};
    size_t n_variants = 1;
#if defined(__x86_64__) && defined(__GNUC__)
    if (__builtin_cpu_supports("avx2"))
        variants[n_variants++] = ss__membrane_avx2;
    if (__builtin_cpu_supports("avx512f") &&
        __builtin_cpu_supports("avx512dq"))
        variants[n_variants++] = ss__membrane_avx512;
#endif
    enum { LT = 2000, NL = SS_MODEL_LANES };
    lanes c;
    memset(&c, 0, sizeof c);
    c.Lt = LT;
    for (size_t l = 0; l < NL; l++) {
        const double x = (double)l;
        set_lane_at(&c.V_th, l, -55.3 + 0.71 * x);
        set_lane_at(&c.V_reset, l, -74.2 - 0.37 * x);
        set_lane_at(&c.V_init, l, -65.1 + 0.23 * x);
        set_lane_at(&c.E_L, l, -75.4 + 0.11 * x);
        set_lane_at(&c.VE, l, 0.35 * x);
        set_lane_at(&c.VI, l, -80.3 - 0.5 * x);
        set_lane_at(&c.k, l, 0.1 / (10.3 + 0.9 * x));
        set_lane_at(&c.r_gL, l, 1.0 / (9.7 + 0.4 * x));
        set_lane_at(&c.tref_dt, l, 17.5 + 1.3 * x);
        set_lane_at(&c.a_E, l, 0.1 / (4.8 + 0.3 * x));
        set_lane_at(&c.a_I, l, 0.1 / (5.9 + 0.2 * x));
        set_lane_at(&c.w_E, l, 2.385 + 0.17 * x);
        set_lane_at(&c.w_I, l, 2.1 + 0.13 * x);
        set_lane_at(&c.I_inj, l, 11.5 * x);
    }
    double *in_E = aligned_alloc(64, LT * NL * sizeof(double));
    double *in_I = aligned_alloc(64, LT * NL * sizeof(double));
    double *E0 = malloc(LT * NL * sizeof *E0), *I0 = malloc(LT * NL * sizeof *I0);
    double *current = malloc(LT * NL * sizeof *current);
    size_t *spikes = malloc(LT * NL * sizeof *spikes), one[LT];
    ss_rng_stream st;
    ss_rng_stream_init(&st, 5, 5, 5);
    ss_rng_seq q;
    ss_rng_seq_init(&q, &st, 0);
    for (size_t i = 0; i < LT * NL; i++) {
        E0[i] = ss_rng_uniform(&q) < 0.1 ? (double)(1 + i % 3) : 0;
        I0[i] = ss_rng_uniform(&q) < 0.03 ? 1 : 0;
        current[i] = pick(&q, -20, 160);
    }
    size_t lanes_spiking = 0;
    for (int pass = 0; pass < 4; pass++) {
        const int noise = pass % 2;
        if (pass == 2) /* unit weights, the rest as before */
            for (size_t l = 0; l < NL; l++) {
                set_lane_at(&c.w_E, l, 1.0);
                set_lane_at(&c.w_I, l, 1.0);
            }
        c.noise = noise;
        for (size_t k = 0; k < n_variants; k++) {
            memcpy(in_E, E0, LT * NL * sizeof *in_E);
            memcpy(in_I, I0, LT * NL * sizeof *in_I);
            lane_sums sums;
            variants[k](&c, in_E, in_I, noise ? current : NULL, spikes, &sums);
            for (size_t l = 0; l < NL; l++) {
                double want[5];
                size_t n;
                membrane_one_lane(&c, l, E0, I0, noise ? current : NULL, one,
                                  &n, want);
                assert_true(lane_at(sums.v, l) == want[0]);
                assert_true(lane_at(sums.fmp, l) == want[1]);
                assert_true(lane_at(sums.fmp_sq, l) == want[2]);
                assert_true(lane_at(sums.gE, l) == want[3]);
                assert_true(lane_at(sums.gI, l) == want[4]);
                assert_int_equal(sums.n_spikes[l], n);
                assert_memory_equal(spikes + l * LT, one, n * sizeof *one);
                lanes_spiking += n > 2;
            }
            for (size_t i = 0; i < LT * NL; i++)
                assert_true(in_E[i] == 0 && in_I[i] == 0); /* left zero */
        }
    }
    /* the case is not vacuous: lanes spike, and go refractory */
    assert_true(lanes_spiking >= 2 * n_variants * NL);
    free(in_E);
    free(in_I);
    free(E0);
    free(I0);
    free(current);
    free(spikes);
}

/* The fast draws' log is the log to 2^-51 of max(1, |log x|) (against the
 * C library's, itself within an ulp), never positive, 0 at 1, over (0, 1]
 * (uniforms near 1, and x = u 2^-e down to 2^-113), and every lane
 * variant gives its bits. */
static void fast_log_is_the_log(void **state)
{
    (void)state;
    ss__lane_set sets[3];
    size_t n_sets = lane_sets(sets);
    ss_rng_stream st;
    ss_rng_stream_init(&st, 0x1092, 0x5eed, 3);
    ss_rng_seq q;
    ss_rng_seq_init(&q, &st, 4);
    enum { NL = SS_MODEL_LANES };
    double worst = 0;
    assert_true(ss__fast_log(1.0) == 0.0);
    for (int n = 0; n < 200000; n++) {
        double x[NL], y[NL];
        for (size_t l = 0; l < NL; l++) {
            double u = ss__rng_u01(ss_rng_next_u64(&q));
            x[l] = l % 2 ? 1.0 - u
                         : ldexp(1.0 - u, -(int)(ss_rng_next_u64(&q) % 61));
        }
        for (size_t l = 0; l < NL; l++) {
            double a = ss__fast_log(x[l]), b = log(x[l]);
            double e = fabs(a - b) / (fabs(b) > 1 ? fabs(b) : 1);
            worst = e > worst ? e : worst;
            assert_true(e <= 0x1p-51);
            assert_true(a <= 0);
        }
        for (size_t k = 0; k < n_sets; k++) {
            sets[k].fast_log(x, y);
            for (size_t l = 0; l < NL; l++)
                assert_true(y[l] == ss__fast_log(x[l]));
        }
    }
    print_message("fast log: worst error %.3g of max(1, |log x|)\n", worst);
}

/* The gaps drawn by the fast kernels have the distribution of the
 * tutorial's per-bin Bernoulli(p) process: each train's spike count is
 * Binomial(Lt, p), the spikes fall uniformly over the bins, and the gaps are
 * geometric. Chi-square tests at a fixed seed; each threshold is the 0.1%
 * point of its chi-square distribution. */
static void fast_gaps_follow_the_bernoulli_process(void **state)
{
    (void)state;
    static const double rates[] = {2.385, 10, 37.3, 400};
    /* lif_cond's trains (its counts per bin shared out) and lif_cond_stp's
     * (each train's own gaps) */
    static const ss_model models[] = {SS_MODEL_LIF_COND,
                                      SS_MODEL_LIF_COND_STP};
    for (size_t mi = 0; mi < 2; mi++)
    for (size_t r = 0; r < sizeof rates / sizeof rates[0]; r++) {
        const ss_model model = models[mi];
        ss_params p;
        ss_params_defaults(model, &p);
        p.T = 1000;
        p.n_exc = 1000;
        p.n_inh = 0;
        p.exc_rate = rates[r];
        const size_t Lt = 10000;
        const double prob = p.exc_rate * (p.dt / 1000.);
        ss_rng_stream s;
        ss_model_trial_stream(model, &p, 12, r, false, &s);
        ss__train_buf buf = {0};
        assert_int_equal(ss__draw_trains(model, &p, &s, &buf,
                                         NULL),
                         SS_OK);
        /* 1. counts per train: chi-square over 8 equiprobable-ish classes
         * of the binomial, built from its CDF (7 dof: 24.32) */
        double mean = Lt * prob, sd = sqrt(Lt * prob * (1 - prob));
        static const double z[7] = {-1.15035, -0.67449, -0.31864, 0,
                                    0.31864,  0.67449,  1.15035};
        double edges[7];
        for (int k = 0; k < 7; k++)
            edges[k] = mean + z[k] * sd;
        double expect[8], observed[8] = {0};
        /* exact binomial class probabilities by summing the pmf */
        double pmf = pow(1 - prob, (double)Lt), cdf_at_edge[7] = {0};
        double cdf = 0;
        int edge = 0;
        for (size_t k = 0; k <= Lt && edge < 7; k++) {
            while (edge < 7 && (double)k > edges[edge])
                cdf_at_edge[edge++] = cdf;
            cdf += pmf;
            pmf *= (double)(Lt - k) / (double)(k + 1) * prob / (1 - prob);
        }
        while (edge < 7)
            cdf_at_edge[edge++] = cdf;
        for (int k = 0; k < 8; k++)
            expect[k] = 1000 * ((k < 7 ? cdf_at_edge[k] : 1.0) -
                                (k > 0 ? cdf_at_edge[k - 1] : 0.0));
        size_t *per_bin = calloc(Lt / 100, sizeof *per_bin);
        for (size_t j = 0; j < 1000; j++) {
            size_t count = buf.offset[j + 1] - buf.offset[j];
            int k = 0;
            while (k < 7 && (double)count > edges[k])
                k++;
            observed[k]++;
            for (size_t i = buf.offset[j]; i < buf.offset[j + 1]; i++)
                per_bin[buf.bins[i] / 100]++;
        }
        double chi2 = 0;
        for (int k = 0; k < 8; k++)
            if (expect[k] > 0)
                chi2 += (observed[k] - expect[k]) * (observed[k] - expect[k]) /
                        expect[k];
        print_message("%s rate %g: counts chi2 %.2f", ss_model_name(model),
                      rates[r], chi2);
        assert_true(chi2 < 24.32);
        /* 2. spikes over 100 groups of 100 bins: uniform (99 dof: 148.2) */
        double total = (double)buf.offset[1000], chi2_bins = 0;
        for (size_t g = 0; g < Lt / 100; g++) {
            double e = total / (double)(Lt / 100);
            chi2_bins += ((double)per_bin[g] - e) * ((double)per_bin[g] - e) / e;
        }
        print_message(", bins chi2 %.2f", chi2_bins);
        assert_true(chi2_bins < 148.2);
        /* 3. gaps between spikes, on trains of 10^7 bins so that cutting
         * them at the end of the grid is negligible: in classes of width
         * w, P(class c) = q^(cw) - q^((c+1)w), q = 1 - p, the last class
         * open (11 dof: 31.26) */
        ss__train_buf_free(&buf);
        p.T = 999999;
        p.n_exc = 20;
        assert_int_equal(ss__draw_trains(model, &p, &s, &buf,
                                         NULL),
                         SS_OK);
        size_t w = (size_t)(0.25 / prob) + 1;
        size_t gap_hist[12] = {0}, n_gaps = 0;
        for (size_t j = 0; j < 20; j++) {
            for (size_t i = buf.offset[j] + 1; i < buf.offset[j + 1]; i++) {
                size_t cls = (buf.bins[i] - buf.bins[i - 1] - 1) / w;
                gap_hist[cls < 11 ? cls : 11]++;
                n_gaps++;
            }
        }
        double chi2_gaps = 0;
        for (int c = 0; c < 12; c++) {
            double lo = pow(1 - prob, (double)(c * w)),
                   hi = c < 11 ? pow(1 - prob, (double)((c + 1) * w)) : 0.0;
            double e = (double)n_gaps * (lo - hi);
            chi2_gaps += ((double)gap_hist[c] - e) *
                         ((double)gap_hist[c] - e) / e;
        }
        print_message(", gaps chi2 %.2f (%zu gaps)\n", chi2_gaps, n_gaps);
        assert_true(chi2_gaps < 31.26);
        free(per_bin);
        ss__train_buf_free(&buf);
    }
}

/* lif_cond's fast kernel draws each static population as counts per bin
 * (see pop_law in model_fast.c). The sum of n Bernoulli(p) trains in a bin
 * is Binomial(n, p), independently from bin to bin, so: the counts per bin
 * against the exact binomial pmf, and the gaps between non-empty bins
 * against the geometric law of q = (1 - p)^n. Chi-square at a fixed seed,
 * thresholds at the 0.1% points; the counts also against the Poisson law
 * of the same mean, which they must fail (the test tells the laws apart). */
static void fast_population_counts_follow_the_binomial_law(void **state)
{
    (void)state;
    static const struct {
        int n;
        double rate, T;
    } cases[] = {{3, 2385., 20000.}, {80, 10., 100000.}};
    for (size_t ci = 0; ci < 2; ci++) {
        ss_params p;
        ss_params_defaults(SS_MODEL_LIF_COND, &p);
        p.T = cases[ci].T;
        p.n_exc = cases[ci].n;
        p.n_inh = 0;
        p.exc_rate = cases[ci].rate;
        const size_t Lt = ss_params_time_bins(SS_MODEL_LIF_COND, &p);
        const double prob = p.exc_rate * (p.dt / 1000.);
        const int n = cases[ci].n;
        ss_rng_stream s;
        ss_model_trial_stream(SS_MODEL_LIF_COND, &p, 5, ci, false, &s);
        ss__train_buf buf = {0};
        assert_int_equal(ss__draw_trains(SS_MODEL_LIF_COND, &p, &s, &buf,
                                         NULL),
                         SS_OK);
        uint32_t *count = calloc(Lt, sizeof *count);
        for (size_t i = 0; i < buf.offset[n]; i++)
            count[buf.bins[i]]++;
        /* 1. counts 0, 1, 2, >= 3 (3 dof: 16.27) */
        double obs[4] = {0}, binom[4] = {0}, poisson[4] = {0};
        for (size_t b = 0; b < Lt; b++)
            obs[count[b] < 3 ? count[b] : 3]++;
        double pmf = pow(1 - prob, n), pois = exp(-n * prob);
        for (int k = 0; k < 3; k++) {
            binom[k] = pmf;
            poisson[k] = pois;
            pmf *= (double)(n - k) / (k + 1) * prob / (1 - prob);
            pois *= n * prob / (k + 1);
        }
        binom[3] = 1 - binom[0] - binom[1] - binom[2];
        poisson[3] = 1 - poisson[0] - poisson[1] - poisson[2];
        double chi2 = 0, chi2_wrong = 0;
        for (int k = 0; k < 4; k++) {
            double e = binom[k] * (double)Lt, w = poisson[k] * (double)Lt;
            chi2 += (obs[k] - e) * (obs[k] - e) / e;
            chi2_wrong += (obs[k] - w) * (obs[k] - w) / w;
        }
        /* 2. gaps between non-empty bins in classes of width w: P(class
         * c) = q^(cw) - q^((c+1)w), the last class open (11 dof: 31.26) */
        const double q = pow(1 - prob, n);
        size_t w = (size_t)(0.25 / (1 - q)) + 1;
        size_t hist[12] = {0}, n_gaps = 0;
        for (size_t b = 0, last = SIZE_MAX; b < Lt; b++) {
            if (!count[b])
                continue;
            if (last != SIZE_MAX) {
                size_t cls = (b - last - 1) / w;
                hist[cls < 11 ? cls : 11]++;
                n_gaps++;
            }
            last = b;
        }
        double chi2_gaps = 0;
        for (int c = 0; c < 12; c++) {
            double lo = pow(q, (double)(c * w)),
                   hi = c < 11 ? pow(q, (double)((c + 1) * w)) : 0.0;
            double e = (double)n_gaps * (lo - hi);
            if (e > 0)
                chi2_gaps += ((double)hist[c] - e) * ((double)hist[c] - e) / e;
        }
        print_message("n %d p %g: counts chi2 %.2f (Poisson law: %.0f), "
                      "gaps chi2 %.2f (%zu gaps)\n",
                      n, prob, chi2, chi2_wrong, chi2_gaps, n_gaps);
        assert_true(chi2 < 16.27);
        assert_true(chi2_gaps < 31.26);
        if (ci == 0)
            assert_true(chi2_wrong > 16.27);
        free(count);
        ss__train_buf_free(&buf);
    }
}

/* What `trace` shows of a fast lif_cond or lif_cond_stp trial is that
 * trial: the trains ss__draw_trains shares out sum, bin by bin, to the
 * counts the fast lif_cond drew, and are the trains the fast lif_cond_stp
 * drew (up to 400 Hz: trains past their draws ahead, and first spikes at
 * bin 0), so the reference dynamics on them give the fast kernel's
 * metrics (to 1e-9), lane by lane, for points of every lane. */
static void fast_traced_trains_are_the_run_trains(void **state)
{
    (void)state;
    ss_rng_stream st;
    ss_rng_stream_init(&st, 77, 77, 0);
    ss_rng_seq q;
    ss_rng_seq_init(&q, &st, 3);
    for (int round = 0; round < 12; round++) {
        /* lif_cond (counts per bin shared out to trains), lif_cond_stp
         * (its trains' first spikes found 8 trains at a time in a run,
         * one train at a time when traced) */
        const ss_model m =
            round % 2 ? SS_MODEL_LIF_COND_STP : SS_MODEL_LIF_COND;
        ss_params ps[SS_MODEL_LANES];
        ss_rng_stream s[SS_MODEL_LANES];
        ss_metrics fast[SS_MODEL_LANES];
        for (size_t l = 0; l < SS_MODEL_LANES; l++) {
            ss_params_defaults(m, &ps[l]);
            ps[l].T = 400;
            ps[l].n_exc = (double)(int)pick(&q, 1, 200);
            ps[l].n_inh = (double)(int)pick(&q, 0, 60);
            ps[l].exc_rate = pick(&q, 0.5, round % 4 == 3 ? 400 : 60);
            ps[l].inh_rate = pick(&q, 0.5, 60);
            ps[l].gE_bar = pick(&q, 0.5, 4.5);
            ss_model_trial_stream(m, &ps[l], 19,
                                  (uint64_t)(round * 8 + (int)l), false,
                                  &s[l]);
        }
        assert_int_equal(ss_model_run_fast(m, SS_MODEL_LANES,
                                           ps, s, ws_fast, fast, NULL),
                         SS_OK);
        for (size_t l = 0; l < SS_MODEL_LANES; l++) {
            ss_metrics traced;
            assert_int_equal(ss_model_run_traced(SS_KERNEL_FAST,
                                                 m, &ps[l],
                                                 &s[l], ws_ref, &traced, NULL),
                             SS_OK);
            check_same_metrics(m, &traced, &fast[l]);
        }
    }
}

/* A drawn train of the fast draws reads its substream's words in order,
 * word m the word m % 4 of ss__fast_block's block m / 4, each one gap of
 * floor(log(1 - u01(word)) * scale) quiet bins: from the start, and past
 * draws handed over beforehand (a whole number of blocks, as the kernels
 * hand them, or not), through the draws it makes itself, with every lane
 * set. */
static void fast_train_reads_its_words_in_order(void **state)
{
    (void)state;
    ss__lane_set sets[3];
    const size_t n_sets = lane_sets(sets);
    ss_rng_stream st;
    ss_rng_stream_init(&st, 3, 3, 3);
    static const double rates[] = {2.385, 37.3, 400};
    static const size_t handed[] = {0, 20, 6};
    const uint64_t key = UINT64_C(0x9e3779b97f4a7c15);
    const double dt = 0.1;
    const size_t Lt = 5000;
    for (size_t k = 0; k < n_sets; k++)
        for (size_t r = 0; r < 3; r++)
            for (size_t h = 0; h < 3; h++) {
                const uint64_t sub = SS_SUBSTREAM_EXC(7 * r + h);
                const double scale = ss__gap_scale(rates[r] * (dt / 1000.));
                /* the scaled logs of word m, the scalar way */
                double x[1024];
                for (size_t m = 0; m < 1024; m++) {
                    uint64_t block[4];
                    ss__fast_block(key, sub, m / 4, block);
                    x[m] = ss__fast_log(1.0 - ss__rng_u01(block[m % 4])) *
                           scale;
                }
                train_source t;
                ss__source_init(&t, &st, &key, sub, SS_INPUT_POISSON,
                                 rates[r], dt, scale, Lt, &sets[k]);
                if (handed[h])
                    gaps_preload(&t.g, x, 1, handed[h]);
                int64_t want = -1;
                size_t m = 0, spikes = 0;
                for (;;) {
                    double room = (double)((int64_t)Lt - want);
                    assert_true(m < 1024);
                    double xm = x[m++];
                    want = xm < room ? want + 1 + (int64_t)xm : (int64_t)Lt;
                    if (want > (int64_t)Lt)
                        want = (int64_t)Lt;
                    assert_int_equal(source_next(&t), want);
                    if (want == (int64_t)Lt)
                        break;
                    spikes++;
                }
                /* past its first draws: rate 400 needs several refills */
                assert_true(r < 2 || spikes > 150);
            }
}

/* The fast kernels' Poisson-driven statistics agree with the tutorial's
 * code over as many seeds, within 4 combined standard errors. */
static void fast_poisson_statistics_agree_with_tutorial(void **state)
{
    (void)state;
    size_t n = sizeof fx_poisson_cases / sizeof fx_poisson_cases[0];
    for (size_t i = 0; i < n; i++) {
        const fx_poisson_case *c = &fx_poisson_cases[i];
        ss_model model = ss_model_from_name(c->model);
        ss_params p;
        params_from_fixture(model, c->params, &p);
        sample rate = {0}, cv = {0}, fm = {0}, fs = {0}, ge = {0};
        for (int k = 0; k < c->n_seeds; k += SS_MODEL_LANES) {
            ss_params ps[SS_MODEL_LANES];
            ss_rng_stream s[SS_MODEL_LANES];
            ss_metrics out[SS_MODEL_LANES];
            for (size_t l = 0; l < SS_MODEL_LANES; l++) {
                ps[l] = p;
                ss_model_trial_stream(model, &p, 31, (uint64_t)(k + (int)l),
                                      false, &s[l]);
            }
            assert_int_equal(ss_model_run_fast(model, SS_MODEL_LANES, ps, s,
                                               ws_fast, out, NULL),
                             SS_OK);
            for (size_t l = 0; l < SS_MODEL_LANES; l++) {
                double *x = out[l].value;
                sample_add(&rate, x[SS_MET_firing_rate]);
                if (!isnan(x[SS_MET_cv_isi]))
                    sample_add(&cv, x[SS_MET_cv_isi]);
                sample_add(&fm, x[SS_MET_fmp_mean]);
                sample_add(&fs, x[SS_MET_fmp_std]);
                sample_add(&ge, x[SS_MET_gE_mean]);
            }
        }
        print_message("%-14s rate %.3f (tutorial %.3f)  fmp %.3f+-%.3f\n",
                      c->name, sample_mean(&rate), c->firing_rate_mean,
                      sample_mean(&fm), sample_mean(&fs));
        assert_agree(sample_mean(&rate), sample_se(&rate), c->firing_rate_mean,
                     c->firing_rate_se, 4);
        assert_agree(sample_mean(&cv), sample_se(&cv), c->cv_isi_mean,
                     c->cv_isi_se, 4);
        assert_agree(sample_mean(&fm), sample_se(&fm), c->fmp_mean_mean,
                     c->fmp_mean_se, 4);
        assert_agree(sample_mean(&fs), sample_se(&fs), c->fmp_std_mean,
                     c->fmp_std_se, 4);
        assert_agree(sample_mean(&ge), sample_se(&ge), c->gE_mean_mean,
                     c->gE_mean_se, 4);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fast_equals_reference_on_the_same_trains),
        cmocka_unit_test(fast_equals_reference_without_randomness),
        cmocka_unit_test(fast_lanes_do_not_mix),
        cmocka_unit_test(fast_runs_leave_the_reference_traces_alone),
        cmocka_unit_test(fast_lane_variants_agree_bit_for_bit),
        cmocka_unit_test(fast_time_loop_matches_the_step_lane_by_lane),
        cmocka_unit_test(fast_lane_philox_and_gaps_equal_the_scalar_ones),
        cmocka_unit_test(fast_population_counts_follow_the_binomial_law),
        cmocka_unit_test(fast_traced_trains_are_the_run_trains),
        cmocka_unit_test(fast_train_reads_its_words_in_order),
        cmocka_unit_test(fast_log_is_the_log),
        cmocka_unit_test(fast_gaps_follow_the_bernoulli_process),
        cmocka_unit_test(fast_poisson_statistics_agree_with_tutorial),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
