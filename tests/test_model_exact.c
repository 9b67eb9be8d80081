/* The exact integrator (`method: exact`) and continuous events (`events:
 * continuous`): spike times against the LIF's closed form, a voltage trace
 * against an independent fine-step RK4 solution computed here, spike
 * counts that do not depend on dt, and Euler's paired bias against it. */
#define _POSIX_C_SOURCE 200112L /* setenv */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_exact_kernels.h"
#include "model_internal.h"
#include "rng_internal.h"
#include "synsweep/events.h"
#include "synsweep/model.h"
#include "testutil.h"

static void lif_defaults(ss_params *p)
{
    ss_params_defaults(SS_MODEL_LIF_COND, p);
    p->method = SS_METHOD_EXACT;
}

/* One excitatory and one inhibitory synapse of the given weights, a
 * current of 150 pA, T ms: the single-event tests' neuron. */
static void one_event_neuron(ss_params *p, double T, double gE_bar,
                             double gI_bar)
{
    lif_defaults(p);
    p->T = T;
    p->n_exc = p->n_inh = 1;
    p->gE_bar = gE_bar;
    p->gI_bar = gI_bar;
    p->I_inj = 150.0;
}

/* Events at tE (nE) and tI (nI), event i of either population on
 * train trains[i]. */
static ss_events events_at(double *tE, size_t nE, double *tI, size_t nI,
                           uint32_t *trains)
{
    ss_events ev;
    memset(&ev, 0, sizeof ev);
    ev.n[0] = nE;
    ev.n[1] = nI;
    ev.t[0] = tE;
    ev.t[1] = tI;
    ev.train[0] = ev.train[1] = trains;
    return ev;
}

/* The LIF under a DC current I, no synapses: v_inf = E_L + I / g_L, the
 * first spike at tau_m ln((v_inf - V_init) / (v_inf - V_th)), then one
 * every tref + tau_m ln((v_inf - V_reset) / (v_inf - V_th)). */
static void exact_dc_spikes_match_closed_form(void **state)
{
    (void)state;
    const double currents[] = {201.0, 250.0, 400.0, 1000.0, 5000.0};
    const double steps[] = {0.1, 0.05, 0.3};
    ss__exact_ws w;
    memset(&w, 0, sizeof w);
    ss_events none;
    memset(&none, 0, sizeof none);
    for (size_t c = 0; c < sizeof currents / sizeof *currents; c++) {
        for (size_t d = 0; d < sizeof steps / sizeof *steps; d++) {
            ss_params p;
            lif_defaults(&p);
            p.n_exc = p.n_inh = 0;
            p.I_inj = currents[c];
            p.dt = steps[d];
            p.V_init = d == 2 ? -70.0 : -65.0;
            ss_metrics m;
            ss_error err;
            assert_int_equal(ss__exact_lif(SS_MODEL_LIF_COND, &p, &none, &w,
                                           &m, &err),
                             SS_OK);
            double v_inf = p.E_L + p.I_inj / p.g_L;
            double t = p.tau_m * log((v_inf - p.V_init) / (v_inf - p.V_th));
            double isi = p.tref + p.tau_m * log((v_inf - p.V_reset) /
                                                (v_inf - p.V_th));
            size_t n = 0;
            for (; t < p.T; t += isi, n++) {
                assert_true(n < w.n_spikes);
                assert_close(w.spike_t[n], t, 0, 1e-9);
            }
            assert_int_equal(w.n_spikes, n);
            assert_close(m.value[SS_MET_n_spikes], (double)n, 0, 0);
            if (n >= 4)
                assert_close(m.value[SS_MET_cv_isi], 0.0, 0, 1e-9);
        }
    }
    /* below threshold: none; the free membrane potential relaxes to
     * v_inf exactly: v(t) = v_inf + (V_init - v_inf) exp(-t / tau_m) */
    ss_params p;
    lif_defaults(&p);
    p.n_exc = p.n_inh = 0;
    p.I_inj = 150.0;
    ss_metrics m;
    assert_int_equal(
        ss__exact_lif(SS_MODEL_LIF_COND, &p, &none, &w, &m, NULL), SS_OK);
    assert_int_equal(w.n_spikes, 0);
    double v_inf = p.E_L + p.I_inj / p.g_L;
    for (size_t it = 0; it < 10000; it += 37) {
        double want = v_inf + (p.V_init - v_inf) *
                                  exp(-(double)it * p.dt / p.tau_m);
        assert_close(w.fmp[it], want, 1e-9, 0);
        assert_close(w.v[it], want, 1e-9, 0);
    }
    ss__exact_free(&w);
}

/* The crossings themselves to about 1e-12 ms (the solver's tolerance;
 * v's own rounding adds a little where v rises slowly): under DC the
 * first spike and every interval between spikes against the closed form,
 * with the crossing at many places inside its bin (several steps and
 * starting points). */
static void exact_dc_crossings_are_located_to_1e_12_ms(void **state)
{
    (void)state;
    const double currents[] = {250.0, 400.0, 1000.0, 5000.0};
    const double steps[] = {0.1, 0.05, 0.3, 0.07};
    const double starts[] = {-65.0, -70.0, -60.3, -56.0};
    ss__exact_ws w;
    memset(&w, 0, sizeof w);
    ss_events none;
    memset(&none, 0, sizeof none);
    double worst = 0.0;
    for (size_t c = 0; c < sizeof currents / sizeof *currents; c++) {
        for (size_t d = 0; d < sizeof steps / sizeof *steps; d++) {
            for (size_t i = 0; i < sizeof starts / sizeof *starts; i++) {
                ss_params p;
                lif_defaults(&p);
                p.n_exc = p.n_inh = 0;
                p.I_inj = currents[c];
                p.dt = steps[d];
                p.T = 100.0;
                p.V_init = starts[i];
                ss_metrics m;
                assert_int_equal(ss__exact_lif(SS_MODEL_LIF_COND, &p, &none,
                                               &w, &m, NULL),
                                 SS_OK);
                double v_inf = p.E_L + p.I_inj / p.g_L;
                double t1 = p.tau_m *
                            log((v_inf - p.V_init) / (v_inf - p.V_th));
                double isi = p.tref + p.tau_m * log((v_inf - p.V_reset) /
                                                    (v_inf - p.V_th));
                assert_true(w.n_spikes >= 2);
                double e = fabs(w.spike_t[0] - t1);
                worst = e > worst ? e : worst;
                for (size_t n = 1; n < w.n_spikes; n++) {
                    e = fabs((w.spike_t[n] - w.spike_t[n - 1]) - isi);
                    worst = e > worst ? e : worst;
                }
            }
        }
    }
    printf("DC crossings: largest error %.3g ms\n", worst);
    assert_true(worst <= 4e-12);
    ss__exact_free(&w);
}

/* A traced trial's spike times: the exact integrator's own (the closed
 * form again, between grid points), Euler's the bins times dt. */
static void traced_spike_times_are_the_kernels(void **state)
{
    (void)state;
    ss_model_ws *ws = ss_model_ws_create();
    assert_non_null(ws);
    ss_rng_stream s;
    ss_rng_stream_init(&s, 1, 0, 0);
    for (int exact = 0; exact < 2; exact++) {
        ss_params p;
        lif_defaults(&p);
        p.method = exact ? SS_METHOD_EXACT : SS_METHOD_EULER;
        p.n_exc = p.n_inh = 0;
        p.I_inj = 400.0;
        ss_metrics m;
        assert_int_equal(ss_model_run(SS_MODEL_LIF_COND, &p, &s, ws, &m, NULL),
                         SS_OK);
        size_t n, nb;
        const double *t = ss_model_spike_times(ws, &n);
        const size_t *bins = ss_model_spikes(ws, &nb);
        assert_int_equal(n, nb);
        assert_close((double)n, m.value[SS_MET_n_spikes], 0, 0);
        assert_true(n > 10);
        double v_inf = p.E_L + p.I_inj / p.g_L;
        double want = p.tau_m * log((v_inf - p.V_init) / (v_inf - p.V_th));
        double isi = p.tref + p.tau_m * log((v_inf - p.V_reset) /
                                            (v_inf - p.V_th));
        for (size_t k = 0; k < n; k++, want += isi) {
            if (exact) { /* in the bin it falls in */
                assert_close(t[k], want, 0, 1e-9);
                assert_int_equal(bins[k], (size_t)(t[k] / p.dt));
            } else { /* on the grid; the first within a few steps */
                assert_true(t[k] == (double)bins[k] * p.dt);
                assert_true(k > 0 || fabs(t[k] - want) < 0.5);
            }
        }
    }
    ss_model_ws_free(ws);
}

/* ---- an independent solution: RK4 with tiny steps --------------------- */

typedef struct ref_run {
    const ss_params *p;
    const double *tE, *tI; /* event times, increasing */
    size_t nE, nI;
    double h;              /* RK4 step */
    double v, gE, gI, t;
    double refr_end;
    bool threshold;
    double spikes[64];
    size_t n_spikes;
} ref_run;

static double ref_f(const ss_params *p, double v, double gE, double gI)
{
    return (-(v - p->E_L) - gE / p->g_L * (v - p->VE) -
            gI / p->g_L * (v - p->VI) + p->I_inj / p->g_L) /
           p->tau_m;
}

/* One RK4 step of length h from (t, v) with conductances gE, gI at t. */
static double ref_step(const ss_params *p, double v, double gE, double gI,
                       double h, double *d0, double *d1)
{
    double eE = exp(-0.5 * h / p->tau_syn_E), eI = exp(-0.5 * h / p->tau_syn_I);
    double k1 = ref_f(p, v, gE, gI);
    double k2 = ref_f(p, v + 0.5 * h * k1, gE * eE, gI * eI);
    double k3 = ref_f(p, v + 0.5 * h * k2, gE * eE, gI * eI);
    double k4 = ref_f(p, v + h * k3, gE * eE * eE, gI * eI * eI);
    double vn = v + h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4);
    *d0 = k1;
    *d1 = ref_f(p, vn, gE * eE * eE, gI * eI * eI);
    return vn;
}

/* Integrates r from r->t to t1 (no event in between). */
static void ref_to(ref_run *r, double t1)
{
    const ss_params *p = r->p;
    while (r->t < t1) {
        if (r->threshold && r->refr_end > r->t) {
            double te = r->refr_end < t1 ? r->refr_end : t1;
            r->gE *= exp(-(te - r->t) / p->tau_syn_E);
            r->gI *= exp(-(te - r->t) / p->tau_syn_I);
            r->t = te;
            r->v = p->V_reset;
            continue;
        }
        double h = t1 - r->t < r->h ? t1 - r->t : r->h;
        double d0, d1;
        double vn = ref_step(p, r->v, r->gE, r->gI, h, &d0, &d1);
        if (r->threshold && vn >= p->V_th) {
            /* the crossing of the cubic Hermite interpolant, by bisection */
            double lo = 0, hi = 1;
            for (int i = 0; i < 100; i++) {
                double s = 0.5 * (lo + hi), s2 = s * s, s3 = s2 * s;
                double v = (2 * s3 - 3 * s2 + 1) * r->v +
                           (s3 - 2 * s2 + s) * h * d0 +
                           (-2 * s3 + 3 * s2) * vn + (s3 - s2) * h * d1;
                if (v >= p->V_th)
                    hi = s;
                else
                    lo = s;
            }
            double ts = r->t + hi * h;
            r->spikes[r->n_spikes++] = ts;
            r->gE *= exp(-(ts - r->t) / p->tau_syn_E);
            r->gI *= exp(-(ts - r->t) / p->tau_syn_I);
            r->t = ts;
            r->v = p->V_reset;
            r->refr_end = ts + p->tref;
            continue;
        }
        r->gE *= exp(-h / p->tau_syn_E);
        r->gI *= exp(-h / p->tau_syn_I);
        r->v = vn;
        r->t += h;
    }
}

/* The trace at the grid points it * dt, it < Lt, events delivered at their
 * times. */
static void ref_trace(ref_run *r, size_t Lt, double *v)
{
    const ss_params *p = r->p;
    size_t iE = 0, iI = 0;
    r->v = p->V_init;
    r->gE = r->gI = r->t = 0.0;
    r->refr_end = -1.0;
    r->n_spikes = 0;
    v[0] = r->v;
    for (size_t it = 1; it < Lt; it++) {
        double tg = (double)it * p->dt;
        for (;;) {
            double te = iE < r->nE ? r->tE[iE] : INFINITY;
            double ti = iI < r->nI ? r->tI[iI] : INFINITY;
            double tn = te < ti ? te : ti;
            if (tn > tg)
                break;
            ref_to(r, tn);
            if (tn == te) {
                r->gE += p->gE_bar;
                iE++;
            } else {
                r->gI += p->gI_bar;
                iI++;
            }
        }
        ref_to(r, tg);
        v[it] = r->threshold && r->refr_end >= tg ? p->V_reset : r->v;
    }
}

/* A single strong excitatory event that makes the neuron fire, an
 * inhibitory one later: the exact trace and spike time against RK4 with
 * steps of 2e-5 ms (error far below 1e-9). */
static void exact_single_event_trace_matches_fine_rk4(void **state)
{
    (void)state;
    ss_params p;
    one_event_neuron(&p, 30.0, 50.0, 30.0);
    double tE[2] = {5.03125, 14.2}, tI[1] = {9.7};
    uint32_t zeros[2] = {0, 0};
    ss_events ev = events_at(tE, 2, tI, 1, zeros);

    for (int threshold = 0; threshold < 2; threshold++) {
        ss_params q = p;
        if (!threshold)
            q.V_th = 1000.0; /* never reached: the plain trace */
        ss__exact_ws w;
        memset(&w, 0, sizeof w);
        ss_metrics m;
        assert_int_equal(
            ss__exact_lif(SS_MODEL_LIF_COND, &q, &ev, &w, &m, NULL), SS_OK);
        size_t Lt = ss_params_time_bins(SS_MODEL_LIF_COND, &q);
        double *v = malloc(Lt * sizeof *v);
        ref_run r = {.p = &q, .tE = tE, .tI = tI, .nE = 2, .nI = 1,
                     .h = 2e-5, .threshold = true};
        ref_trace(&r, Lt, v);
        for (size_t it = 0; it < Lt; it++)
            assert_close(w.v[it], v[it], 1e-9, 1e-9);
        /* the free membrane potential is the run without threshold */
        r.threshold = false;
        ref_trace(&r, Lt, v);
        for (size_t it = 0; it < Lt; it++)
            assert_close(w.fmp[it], v[it], 1e-9, 1e-9);
        if (threshold) {
            r.threshold = true;
            ref_trace(&r, Lt, v);
            assert_true(r.n_spikes >= 1);
            assert_int_equal(w.n_spikes, r.n_spikes);
            for (size_t i = 0; i < r.n_spikes; i++)
                assert_close(w.spike_t[i], r.spikes[i], 0, 1e-9);
        } else {
            assert_int_equal(w.n_spikes, 0);
        }
        free(v);
        ss__exact_free(&w);
    }
}

/* The exact run of these events (train j of event i: trains[i]) against
 * RK4 with steps of 2e-5 ms: spike times to 1e-9 ms (at least min_spikes
 * of them), v and the FMP at every grid point to 1e-9. */
static void matches_fine_rk4(const ss_params *p, double *tE, size_t nE,
                             double *tI, size_t nI, uint32_t *trains,
                             size_t min_spikes)
{
    ss_events ev = events_at(tE, nE, tI, nI, trains);

    ss__exact_ws w;
    memset(&w, 0, sizeof w);
    ss_metrics m;
    assert_int_equal(ss__exact_lif(SS_MODEL_LIF_COND, p, &ev, &w, &m, NULL),
                     SS_OK);
    size_t Lt = ss_params_time_bins(SS_MODEL_LIF_COND, p);
    double *v = malloc(Lt * sizeof *v);
    ref_run r = {.p = p, .tE = tE, .tI = tI, .nE = nE, .nI = nI,
                 .h = 2e-5, .threshold = true};
    ref_trace(&r, Lt, v);
    assert_true(r.n_spikes >= min_spikes);
    assert_int_equal(w.n_spikes, r.n_spikes);
    for (size_t i = 0; i < r.n_spikes; i++)
        assert_close(w.spike_t[i], r.spikes[i], 0, 1e-9);
    for (size_t it = 0; it < Lt; it++)
        assert_close(w.v[it], v[it], 1e-9, 1e-9);
    r.threshold = false;
    ref_trace(&r, Lt, v);
    for (size_t it = 0; it < Lt; it++)
        assert_close(w.fmp[it], v[it], 1e-9, 1e-9);
    free(v);
    ss__exact_free(&w);
}

/* v grazing V_th: it rises above V_th and falls back below inside one bin,
 * so that v is below V_th at both of the bin's ends (the bound cannot
 * clear the bin, the finer test must send it to the search). At rest
 * before one excitatory event (so the trace only shifts with the event's
 * time), the event placed so that v peaks in the middle of a bin, V_th a
 * little below the peak; the bin whole, or split by a tiny inhibitory
 * event before the crossing or after it. One spike, at RK4's time. */
static void exact_finds_a_crossing_inside_a_bin_whose_ends_are_below(
    void **state)
{
    (void)state;
    ss_params p;
    one_event_neuron(&p, 12.0, 50.0, 1e-6);
    p.V_init = p.E_L + p.I_inj / p.g_L; /* at rest */
    p.V_th = 1000.0;
    double tE[1] = {2.0}, tI[1] = {1000.0};
    /* the peak of the free trace, on a fine grid */
    ref_run r = {.p = &p, .tE = tE, .tI = tI, .nE = 1, .nI = 0, .h = 2e-5,
                 .threshold = false};
    r.v = p.V_init;
    r.gE = r.gI = r.t = 0.0;
    r.refr_end = -1.0;
    r.n_spikes = 0;
    ref_to(&r, tE[0]);
    r.gE += p.gE_bar;
    double tp = 0.0, vp = -INFINITY;
    for (double t = tE[0] + 1e-3; t < 10.0; t += 1e-3) {
        ref_to(&r, t);
        if (r.v > vp) {
            vp = r.v;
            tp = t;
        }
    }
    /* the peak into the middle of bin m: the event moves with it */
    double m = floor(tp / p.dt) + 3.0;
    tE[0] += (m - 0.5) * p.dt - tp;
    for (int variant = 0; variant < 3; variant++) {
        ss_params q = p;
        /* V_th below the peak by a quarter of v's fall to the bin's ends
         * (the fall is about c (dt / 2)^2: crossings at about dt / 4
         * either side of the peak) */
        ref_run f = {.p = &q, .tE = tE, .tI = tI, .nE = 1, .nI = 0,
                     .h = 2e-5, .threshold = false};
        size_t Lt = ss_params_time_bins(SS_MODEL_LIF_COND, &q);
        double *v = malloc(Lt * sizeof *v);
        ref_trace(&f, Lt, v);
        size_t b = (size_t)m; /* the bin (b - 1) dt .. b dt */
        double ends = v[b - 1] > v[b] ? v[b - 1] : v[b];
        q.V_th = vp - 0.25 * (vp - ends);
        assert_true(v[b - 1] < q.V_th && v[b] < q.V_th);
        /* 1, 2: a tiny inhibitory event before the up-crossing or after
         * the down-crossing (the excursion in the second piece or the
         * first) */
        tI[0] = variant == 0   ? 1000.0
                : variant == 1 ? (m - 0.5) * p.dt - 0.04
                               : (m - 0.5) * p.dt + 0.04;
        uint32_t zeros[1] = {0};
        ss_events ev = events_at(tE, 1, tI, 1, zeros);
        ss__exact_ws w;
        memset(&w, 0, sizeof w);
        ss_metrics met;
        assert_int_equal(
            ss__exact_lif(SS_MODEL_LIF_COND, &q, &ev, &w, &met, NULL), SS_OK);
        ref_run g = {.p = &q, .tE = tE, .tI = tI, .nE = 1, .nI = 1,
                     .h = 2e-5, .threshold = true};
        ref_trace(&g, Lt, v);
        assert_int_equal(g.n_spikes, 1);
        assert_int_equal(w.n_spikes, 1);
        assert_close(w.spike_t[0], g.spikes[0], 0, 1e-9);
        /* inside the bin, before the peak */
        assert_true(w.spike_t[0] > (m - 1.0) * p.dt &&
                    w.spike_t[0] < (m - 0.5) * p.dt);
        free(v);
        ss__exact_free(&w);
    }
}

/* Many events of every kind the runs of bins meet: one at a grid point,
 * two and three event times in one bin, several events at one time, a
 * cluster that lifts the conductance beyond what the runs take (the bins
 * after it go the general way), a kick so large that the rest of its bin
 * is not short, spikes and refractory periods inside runs: the exact
 * trace, FMP and spike times against RK4 with steps of 2e-5 ms. */
static void exact_runs_of_bins_match_fine_rk4(void **state)
{
    (void)state;
    ss_params p;
    lif_defaults(&p);
    p.T = 32.0;
    p.n_exc = 4;
    p.n_inh = 1;
    p.gE_bar = 50.0;
    p.gI_bar = 30.0;
    p.I_inj = 150.0;
    const double grid = 37 * p.dt; /* the grid point's time, as the grid */
    double tE[] = {1.2345, grid,   5.03,   5.07,   8.41,   8.47,  12.0001,
                   12.05,  12.12,  12.2,   20.51,  20.51,  20.51, 20.51,
                   24.987, 27.3,   30.123};
    double tI[] = {4.1, 8.43, 15.5, 25.05};
    const size_t nE = sizeof tE / sizeof *tE, nI = sizeof tI / sizeof *tI;
    uint32_t trains[sizeof tE / sizeof *tE];
    for (size_t i = 0; i < nE; i++)
        trains[i] = (uint32_t)(i % 4); /* at 20.51, one from each train */
    matches_fine_rk4(&p, tE, nE, tI, nI, trains, 3);
}

/* Bins holding three, four and nine event times (one of them two trains
 * at once), short enough to stay in a run, and one whose event times
 * inside are followed by one at its end (the grid point: the general
 * path), against the same fine RK4 with the events delivered at their
 * times. */
static void exact_bins_with_several_event_times_match_fine_rk4(void **state)
{
    (void)state;
    ss_params p;
    lif_defaults(&p);
    p.T = 20.0;
    p.n_exc = 3;
    p.n_inh = 2;
    p.gE_bar = 7.385;
    p.I_inj = 185.0;
    const double grid = 111 * p.dt;
    double tE[] = {3.013, 3.041, 3.088, 6.21,  6.29,  9.52,  9.52,
                   9.57,  11.03, grid,  14.101, 14.109, 14.118, 14.127,
                   14.136, 14.145, 14.154, 14.163, 14.172, 17.35};
    double tI[] = {3.066, 6.25, 11.06, 17.33};
    const size_t nE = sizeof tE / sizeof *tE, nI = sizeof tI / sizeof *tI;
    uint32_t trains[sizeof tE / sizeof *tE];
    for (size_t i = 0; i < nE; i++)
        trains[i] = (uint32_t)(i % 2); /* at 9.52, trains 1 and 0 */
    matches_fine_rk4(&p, tE, nE, tI, nI, trains, 1);
}

/* ---- continuous events -------------------------------------------------- */

static void events_depend_only_on_the_input(void **state)
{
    (void)state;
    ss_params p, q;
    ss_params_defaults(SS_MODEL_LIF_COND, &p);
    p.events = SS_EVENTS_CONTINUOUS;
    ss_rng_stream s, sq;
    ss_model_trial_stream(SS_MODEL_LIF_COND, &p, 7, 3, false, &s);
    ss_events a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    assert_int_equal(ss_events_draw(&p, &s, &a, NULL), SS_OK);
    /* dt, the method and neuron parameters change the trial's own stream,
     * not its events */
    q = p;
    q.dt = 0.05;
    q.method = SS_METHOD_EXACT;
    q.V_th = -50.0;
    q.gE_bar = 3.0;
    ss_model_trial_stream(SS_MODEL_LIF_COND, &q, 7, 3, false, &sq);
    assert_int_equal(ss_events_draw(&q, &sq, &b, NULL), SS_OK);
    for (int k = 0; k < 2; k++) {
        assert_int_equal(a.n[k], b.n[k]);
        assert_memory_equal(a.t[k], b.t[k], a.n[k] * sizeof(double));
        assert_memory_equal(a.train[k], b.train[k], a.n[k] * sizeof(uint32_t));
    }
    /* about n * rate * T events, increasing, in [0, T) */
    assert_true(fabs((double)a.n[0] - 800.0) < 5 * sqrt(800.0));
    assert_true(fabs((double)a.n[1] - 200.0) < 5 * sqrt(200.0));
    for (size_t i = 1; i < a.n[0]; i++)
        assert_true(a.t[0][i] >= a.t[0][i - 1] && a.t[0][i] < p.T);
    /* another rate, another realisation */
    q = p;
    q.exc_rate = 11.0;
    ss_model_trial_stream(SS_MODEL_LIF_COND, &q, 7, 3, false, &sq);
    assert_int_equal(ss_events_draw(&q, &sq, &b, NULL), SS_OK);
    assert_true(a.n[0] != b.n[0] || a.t[0][0] != b.t[0][0]);
    ss_events_free(&a);
    ss_events_free(&b);
}

/* The events are, word for word, their definition: population k's gaps
 * -log(1 - U) / (n rate) from substream 2 k of the events stream, the
 * train floor(U n) from substream 2 k + 1, one word of each per event, in
 * order (the documented realisation), at several sizes and rates. */
static void events_are_their_definition(void **state)
{
    (void)state;
    const double rates[][2] = {{10.0, 10.0}, {3.0, 47.0}, {0.5, 0.0}};
    const unsigned sizes[][2] = {{80, 20}, {7, 300}, {1, 5}};
    ss_events a;
    memset(&a, 0, sizeof a);
    for (int c = 0; c < 3; c++) {
        ss_params p;
        ss_params_defaults(SS_MODEL_LIF_COND, &p);
        p.events = SS_EVENTS_CONTINUOUS;
        p.exc_rate = rates[c][0];
        p.inh_rate = rates[c][1];
        p.n_exc = sizes[c][0];
        p.n_inh = sizes[c][1];
        p.T = c == 2 ? 5000.0 : 1000.0;
        ss_rng_stream s, es;
        ss_model_trial_stream(SS_MODEL_LIF_COND, &p, 11, (uint64_t)c, false,
                              &s);
        assert_int_equal(ss_events_draw(&p, &s, &a, NULL), SS_OK);
        ss_events_stream(&p, &s, &es);
        for (int k = 0; k < 2; k++) {
            unsigned n = sizes[c][k];
            double rate = rates[c][k];
            ss_rng_seq gap, who;
            ss_rng_seq_init(&gap, &es, 2 * (uint64_t)k);
            ss_rng_seq_init(&who, &es, 2 * (uint64_t)k + 1);
            size_t m = 0;
            double t = 0.0;
            for (; rate > 0;) {
                t += -ss__rng_log(1.0 - ss_rng_uniform(&gap)) *
                     (1e3 / ((double)n * rate));
                if (!(t < p.T))
                    break;
                uint32_t j = (uint32_t)(ss_rng_uniform(&who) * (double)n);
                assert_true(m < a.n[k]);
                assert_true(a.t[k][m] == t);
                assert_int_equal(a.train[k][m], j < n ? j : n - 1);
                m++;
            }
            assert_int_equal(a.n[k], m);
        }
    }
    ss_events_free(&a);
}

static void run_one(const ss_params *p, uint64_t repeat, ss_model_ws *ws,
                    ss_metrics *m)
{
    ss_rng_stream s;
    ss_model_trial_stream(SS_MODEL_LIF_COND, p, 11, repeat, false, &s);
    ss_error err;
    ss_status st = ss_model_run_fast(SS_MODEL_LIF_COND, 1, p, &s, ws, m, &err);
    if (st != SS_OK)
        print_error("%s\n", err.message);
    assert_int_equal(st, SS_OK);
}

/* On the same continuous inputs, the exact scheme's spike counts do not
 * depend on dt (it only samples v at the grid). */
static void exact_counts_agree_across_dt(void **state)
{
    (void)state;
    ss_model_ws *ws = ss_model_ws_create();
    const size_t N = 120;
    size_t same = 0;
    for (size_t r = 0; r < N; r++) {
        double n[3];
        const double dts[3] = {0.05, 0.1, 0.2};
        for (int d = 0; d < 3; d++) {
            ss_params p;
            lif_defaults(&p);
            p.events = SS_EVENTS_CONTINUOUS;
            p.inh_rate = 20.0;
            p.dt = dts[d];
            ss_metrics m;
            run_one(&p, r, ws, &m);
            n[d] = m.value[SS_MET_n_spikes];
        }
        same += n[0] == n[1] && n[1] == n[2];
    }
    assert_true((double)same >= 0.98 * (double)N);
    ss_model_ws_free(ws);
}

/* Euler on the same continuous inputs: its firing-rate bias against the
 * exact scheme is positive and first order (halves with dt). */
static void euler_paired_bias_is_positive_and_first_order(void **state)
{
    (void)state;
    ss_model_ws *ws = ss_model_ws_create();
    sample b1 = {0}, b05 = {0};
    for (size_t r = 0; r < 300; r++) {
        ss_params p;
        ss_params_defaults(SS_MODEL_LIF_COND, &p);
        p.events = SS_EVENTS_CONTINUOUS;
        p.inh_rate = 20.0;
        ss_metrics exact, e1, e05;
        p.method = SS_METHOD_EXACT;
        run_one(&p, r, ws, &exact);
        p.method = SS_METHOD_EULER;
        run_one(&p, r, ws, &e1);
        p.dt = 0.05;
        run_one(&p, r, ws, &e05);
        sample_add(&b1, e1.value[SS_MET_firing_rate] -
                            exact.value[SS_MET_firing_rate]);
        sample_add(&b05, e05.value[SS_MET_firing_rate] -
                             exact.value[SS_MET_firing_rate]);
    }
    print_message("Euler's rate bias: dt 0.1: %.3f +- %.3f Hz, dt 0.05: "
                  "%.3f +- %.3f Hz\n",
                  sample_mean(&b1), sample_se(&b1), sample_mean(&b05),
                  sample_se(&b05));
    assert_true(sample_mean(&b1) > 4 * sample_se(&b1));
    assert_true(sample_mean(&b05) > 2 * sample_se(&b05));
    double ratio = sample_mean(&b1) / sample_mean(&b05);
    assert_true(ratio > 1.4 && ratio < 3.2);
    ss_model_ws_free(ws);
}

/* Euler on continuous events: both kernels run the same bins; the exact
 * method gives the same bits in both; traced runs run the same events. */
static void euler_continuous_kernels_agree(void **state)
{
    (void)state;
    ss_model_ws *ws = ss_model_ws_create();
    for (int model = 0; model < 2; model++) {
        ss_model m = model ? SS_MODEL_LIF_COND_STP : SS_MODEL_LIF_COND;
        for (uint64_t r = 0; r < 5; r++) {
            ss_params p;
            ss_params_defaults(m, &p);
            p.events = SS_EVENTS_CONTINUOUS;
            ss_rng_stream s;
            ss_model_trial_stream(m, &p, 5, r, false, &s);
            ss_metrics a, b;
            assert_int_equal(ss_model_run(m, &p, &s, ws, &a, NULL), SS_OK);
            assert_int_equal(ss_model_run_fast(m, 1, &p, &s, ws, &b, NULL),
                             SS_OK);
            for (int i = 0; i < SS_METRIC_COUNT; i++)
                assert_close(b.value[i], a.value[i], 1e-9, 1e-12);
            /* a traced fast run runs the same events */
            ss_metrics c;
            assert_int_equal(ss_model_run_traced(SS_KERNEL_FAST, m, &p, &s,
                                                 ws, &c, NULL),
                             SS_OK);
            for (int i = 0; i < SS_METRIC_COUNT; i++)
                assert_close(c.value[i], b.value[i], 1e-9, 1e-12);
            /* and so do the exact ones */
            p.method = SS_METHOD_EXACT;
            assert_int_equal(ss_model_run(m, &p, &s, ws, &a, NULL), SS_OK);
            assert_int_equal(ss_model_run_fast(m, 1, &p, &s, ws, &b, NULL),
                             SS_OK);
            for (int i = 0; i < SS_METRIC_COUNT; i++)
                assert_close(b.value[i], a.value[i], 0, 0);
            assert_int_equal(ss_model_run_traced(SS_KERNEL_FAST, m, &p, &s,
                                                 ws, &c, NULL),
                             SS_OK);
            for (int i = 0; i < SS_METRIC_COUNT; i++)
                assert_close(c.value[i], b.value[i], 0, 0);
            /* on binned trains, traced and untraced exact fast runs agree
             * too (the fast kernels' trains, at their bins' times) */
            p.events = SS_EVENTS_BINNED;
            assert_int_equal(ss_model_run_fast(m, 1, &p, &s, ws, &b, NULL),
                             SS_OK);
            assert_int_equal(ss_model_run_traced(SS_KERNEL_FAST, m, &p, &s,
                                                 ws, &c, NULL),
                             SS_OK);
            for (int i = 0; i < SS_METRIC_COUNT; i++)
                assert_close(c.value[i], b.value[i], 0, 0);
        }
    }
    ss_model_ws_free(ws);
}

/* The runs of bins compute in 512-bit or 256-bit registers where the
 * processor has them: the same bits as plain x86-64 (SYNSWEEP_LANES=avx2,
 * base), on inputs with split bins, events at grid points (binned trains)
 * and spikes. */
static void exact_instruction_sets_agree_bit_for_bit(void **state)
{
    (void)state;
    ss_model_ws *ws = ss_model_ws_create();
    for (int model = 0; model < 2; model++) {
        ss_model m = model ? SS_MODEL_LIF_COND_STP : SS_MODEL_LIF_COND;
        for (uint64_t r = 0; r < 4; r++) {
            ss_params p;
            ss_params_defaults(m, &p);
            p.method = SS_METHOD_EXACT;
            p.events = r < 3 ? SS_EVENTS_CONTINUOUS : SS_EVENTS_BINNED;
            ss_rng_stream s;
            ss_model_trial_stream(m, &p, 9, r, false, &s);
            ss_metrics wide, avx2, base;
            unsetenv("SYNSWEEP_LANES");
            assert_int_equal(ss_model_run_fast(m, 1, &p, &s, ws, &wide, NULL),
                             SS_OK);
            setenv("SYNSWEEP_LANES", "avx2", 1);
            assert_int_equal(ss_model_run_fast(m, 1, &p, &s, ws, &avx2, NULL),
                             SS_OK);
            setenv("SYNSWEEP_LANES", "base", 1);
            assert_int_equal(ss_model_run_fast(m, 1, &p, &s, ws, &base, NULL),
                             SS_OK);
            unsetenv("SYNSWEEP_LANES");
            assert_true(wide.value[SS_MET_n_spikes] > 3);
            assert_memory_equal(wide.value, base.value, sizeof wide.value);
            assert_memory_equal(avx2.value, base.value, sizeof avx2.value);
        }
    }
    ss_model_ws_free(ws);
}

/* The exp series at each of its tiers' limits (x^7 to TINY_STEP, x^8 to
 * 0.06, x^11 to 0.2) and halfway between them: within a few rounding
 * errors of libm's exp (a tier one power short is off by 5e-16 or more
 * there). */
static void exact_exp_series_is_exp_to_its_tiers_limits(void **state)
{
    (void)state;
    const double limits[] = {TINY_STEP, 0.06, 0.2};
    double worst = 0.0;
    for (size_t l = 0; l < 2 * sizeof limits / sizeof *limits; l++) {
        /* each limit, and a bound halfway to the next */
        double b = limits[l / 2];
        if (l % 2 == 1)
            b = l / 2 + 1 < sizeof limits / sizeof *limits
                    ? 0.5 * (b + limits[l / 2 + 1])
                    : 0.0007;
        for (int k = 0; k <= 64; k += 4) {
            double x[4], e[4];
            for (int i = 0; i < 4; i++)
                x[i] = -b * (64 - k - i / 4.0) / 64.0;
            exp_bounded4(x, e, b);
            for (int i = 0; i < 4; i++) {
                double d = fabs(e[i] - exp(x[i])) / exp(x[i]);
                worst = d > worst ? d : worst;
            }
        }
    }
    assert_true(worst < 3e-16); /* 1.3e-16 */
}

/* Phi and Psi of whole bins four or eight at a time: the same quadrature
 * with libm's exps to 1e-15 relative, with conductances that put h a0
 * near each of the exp series' tiers, in every instruction set. */
static void exact_whole_bins_phi_psi_match_libm_quadrature(void **state)
{
    (void)state;
    ss_params p;
    lif_defaults(&p);
    xk k;
    memset(&k, 0, sizeof k);
    k.rE = 1.0 / p.tau_syn_E;
    k.rI = 1.0 / p.tau_syn_I;
    k.cE = p.tau_syn_E / (p.g_L * p.tau_m);
    k.cI = p.tau_syn_I / (p.g_L * p.tau_m);
    k.b0 = (p.E_L + p.I_inj / p.g_L) / p.tau_m;
    const double h = 0.1;
    piece_factors f;
    memset(&f, 0, sizeof f);
    double eE = exp(-h * k.rE), eI = exp(-h * k.rI);
    for (int i = 0; i < 3; i++) {
        double u = 0.5 * h * (1.0 + gl3_x[i]);
        f.w[i] = 0.5 * h * gl3_w[i];
        f.t[i] = (h - u) / p.tau_m;
        f.dE[i] = k.cE * (exp(-u * k.rE) - eE);
        f.dI[i] = k.cI * (exp(-u * k.rI) - eI);
        f.bE[i] = exp(-u * k.rE) * p.VE / (p.g_L * p.tau_m);
        f.bI[i] = exp(-u * k.rI) * p.VI / (p.g_L * p.tau_m);
    }
    f.t[3] = h / p.tau_m;
    f.dE[3] = k.cE * (1.0 - eE);
    f.dI[3] = k.cI * (1.0 - eI);
    const double limits[] = {0.0105, 0.014, 0.03, 0.06, 0.099, 0.15};
    for (int isa = 0; isa < 3; isa++) {
        k.isa = isa;
#if defined(__x86_64__) && defined(__GNUC__)
        if ((isa == 2 && !__builtin_cpu_supports("avx512f")) ||
            (isa == 1 && !__builtin_cpu_supports("avx2")))
            continue;
#else
        if (isa > 0)
            continue;
#endif
        for (size_t l = 0; l < sizeof limits / sizeof *limits; l++) {
            /* total conductance g with h a0 = limit: the largest of 16
             * bins; the others below it, split 2.385 : 1 */
            double gmax = (limits[l] * p.tau_m / h - 1.0) * p.g_L;
            double gE[16], gI[16], Phi[16], Psi[16];
            for (int j = 0; j < 16; j++) {
                double g = gmax * (1.0 - j / 23.0);
                gE[j] = g * 2.385 / 3.385;
                gI[j] = g - gE[j];
            }
            ss__exact_phi_psi_bins(&k, &f, 16, limits[l], gE, gI, Phi, Psi);
            for (int j = 0; j < 16; j++) {
                double E[4], q = 0.0;
                for (int i = 0; i < 4; i++)
                    E[i] = exp(-(f.t[i] + gE[j] * f.dE[i] + gI[j] * f.dI[i]));
                for (int i = 0; i < 3; i++)
                    q += f.w[i] * E[i] *
                         (k.b0 + gE[j] * f.bE[i] + gI[j] * f.bI[i]);
                assert_true(fabs(Phi[j] - E[3]) <= 1e-15 * E[3]);
                assert_true(fabs(Psi[j] - q) <= 1e-15 * fabs(q));
            }
        }
    }
}

/* White noise has no exact scheme here: refused, naming I_sigma. */
static void exact_refuses_white_noise(void **state)
{
    (void)state;
    ss_params p;
    lif_defaults(&p);
    p.I_sigma = 1.0;
    ss_param_id culprit;
    ss_error err;
    assert_int_equal(ss_params_check_point(SS_MODEL_LIF_COND, &p, &culprit,
                                           &err),
                     SS_ERR_PARAM);
    assert_int_equal(culprit, SS_P_I_sigma);
    assert_non_null(strstr(err.message, "method exact"));
    p.method = SS_METHOD_EULER;
    assert_int_equal(ss_params_validate(SS_MODEL_LIF_COND, &p, NULL), SS_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exact_dc_spikes_match_closed_form),
        cmocka_unit_test(exact_dc_crossings_are_located_to_1e_12_ms),
        cmocka_unit_test(traced_spike_times_are_the_kernels),
        cmocka_unit_test(exact_single_event_trace_matches_fine_rk4),
        cmocka_unit_test(exact_finds_a_crossing_inside_a_bin_whose_ends_are_below),
        cmocka_unit_test(exact_runs_of_bins_match_fine_rk4),
        cmocka_unit_test(exact_bins_with_several_event_times_match_fine_rk4),
        cmocka_unit_test(events_depend_only_on_the_input),
        cmocka_unit_test(events_are_their_definition),
        cmocka_unit_test(exact_counts_agree_across_dt),
        cmocka_unit_test(euler_paired_bias_is_positive_and_first_order),
        cmocka_unit_test(euler_continuous_kernels_agree),
        cmocka_unit_test(exact_instruction_sets_agree_bit_for_bit),
        cmocka_unit_test(exact_exp_series_is_exp_to_its_tiers_limits),
        cmocka_unit_test(exact_whole_bins_phi_psi_match_libm_quadrature),
        cmocka_unit_test(exact_refuses_white_noise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
