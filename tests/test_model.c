#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "fixtures/seed_cases.h"
#include "fixtures/seed_poisson_stats.h"
#include "fixture_params.h"
#include "synsweep/model.h"

/* The tutorial's deterministic numbers are matched to this relative error. */
#define TUTORIAL_RTOL 1e-12

static ss_model_ws *ws;

static int setup(void **state)
{
    (void)state;
    ws = ss_model_ws_create();
    return ws ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ss_model_ws_free(ws);
    return 0;
}

static ss_metrics run_trial(ss_model m, const ss_params *p, uint64_t seed,
                            uint64_t repeat)
{
    ss_rng_stream s;
    ss_model_trial_stream(m, p, seed, repeat, false, &s);
    ss_metrics met;
    ss_error err;
    if (ss_model_run(m, p, &s, ws, &met, &err) != SS_OK) {
        print_error("trial failed: %s\n", err.message);
        fail();
    }
    return met;
}

static void model_ref_matches_tutorial_stp_train(void **state)
{
    (void)state;
    size_t n = sizeof fx_stp_cases / sizeof fx_stp_cases[0];
    assert_true(n >= 38); /* both tutorial tables and off-tutorial cases */
    for (size_t i = 0; i < n; i++) {
        const fx_stp_case *c = &fx_stp_cases[i];
        ss_params p;
        params_from_fixture(SS_MODEL_STP_TRAIN, c->params, &p);
        ss_metrics m = run_trial(SS_MODEL_STP_TRAIN, &p, 0, 0);
        assert_int_equal(ss_model_trace_length(ws), c->Lt);
        assert_close(m.value[SS_MET_g1], c->g1, TUTORIAL_RTOL, 0);
        assert_close(m.value[SS_MET_g10], c->g10, TUTORIAL_RTOL, 0);
        assert_close(m.value[SS_MET_g_ratio], c->g_ratio, TUTORIAL_RTOL, 0);
        assert_close(m.value[SS_MET_u1], c->u1, TUTORIAL_RTOL, 0);
        assert_close(m.value[SS_MET_R1], c->R1, TUTORIAL_RTOL, 0);
        assert_close(m.value[SS_MET_u10], c->u10, TUTORIAL_RTOL, 0);
        assert_close(m.value[SS_MET_R10], c->R10, TUTORIAL_RTOL, 0);
        assert_true(isnan(m.value[SS_MET_firing_rate]));
    }
}

static void model_ref_matches_tutorial_lif(void **state)
{
    (void)state;
    size_t n = sizeof fx_lif_cases / sizeof fx_lif_cases[0];
    int spiking = 0;
    for (size_t i = 0; i < n; i++) {
        const fx_lif_case *c = &fx_lif_cases[i];
        ss_model model = ss_model_from_name(c->model);
        assert_int_not_equal(model, SS_MODEL_COUNT);
        ss_params p;
        params_from_fixture(model, c->params, &p);
        ss_metrics m = run_trial(model, &p, 0, 0);
        assert_int_equal(ss_model_trace_length(ws), c->Lt);

        size_t n_sp;
        const size_t *bins = ss_model_spikes(ws, &n_sp);
        if ((int)n_sp != c->n_spikes)
            print_error("%s: %zu spikes, the tutorial %d\n", c->name, n_sp,
                        c->n_spikes);
        assert_int_equal(n_sp, c->n_spikes);
        for (size_t k = 0; k < n_sp; k++)
            assert_close((double)bins[k] * p.dt, c->spike_times[k],
                         TUTORIAL_RTOL, 0);
        spiking += n_sp > 3;

        assert_close(m.value[SS_MET_n_spikes], c->n_spikes, 0, 0);
        assert_close(m.value[SS_MET_firing_rate], c->firing_rate, TUTORIAL_RTOL,
                     0);
        assert_close(m.value[SS_MET_cv_isi], c->cv_isi, TUTORIAL_RTOL, 0);
        assert_close(m.value[SS_MET_v_mean], c->v_mean, TUTORIAL_RTOL, 0);
        assert_close(m.value[SS_MET_fmp_mean], c->fmp_mean, TUTORIAL_RTOL, 0);
        assert_close(m.value[SS_MET_fmp_std], c->fmp_std, TUTORIAL_RTOL, 0);
        assert_close(m.value[SS_MET_gE_mean], c->gE_mean, TUTORIAL_RTOL, 0);
        assert_close(m.value[SS_MET_gI_mean], c->gI_mean, TUTORIAL_RTOL, 0);

        const double *v = ss_model_trace(ws, SS_TRACE_V);
        assert_non_null(v);
        double v_mean = ss_stats_mean(v, (size_t)c->Lt);
        assert_close(ss_stats_std(v, (size_t)c->Lt, v_mean), c->v_std,
                     TUTORIAL_RTOL, 0);
    }
    assert_true(spiking >= 5); /* spike times and CV are really exercised */
}

/* Poisson-driven trials over many seeds agree with the tutorial's code over
 * as many seeds: each metric's mean within 4 combined standard errors. */
static void model_ref_poisson_statistics_agree_with_tutorial(void **state)
{
    (void)state;
    size_t n = sizeof fx_poisson_cases / sizeof fx_poisson_cases[0];
    for (size_t i = 0; i < n; i++) {
        const fx_poisson_case *c = &fx_poisson_cases[i];
        ss_model model = ss_model_from_name(c->model);
        ss_params p;
        params_from_fixture(model, c->params, &p);
        sample rate = {0}, cv = {0}, fm = {0}, fs = {0}, vm = {0}, ge = {0},
               gi = {0};
        for (int k = 0; k < c->n_seeds; k++) {
            ss_metrics m = run_trial(model, &p, 2385, (uint64_t)k);
            sample_add(&rate, m.value[SS_MET_firing_rate]);
            if (!isnan(m.value[SS_MET_cv_isi]))
                sample_add(&cv, m.value[SS_MET_cv_isi]);
            sample_add(&fm, m.value[SS_MET_fmp_mean]);
            sample_add(&fs, m.value[SS_MET_fmp_std]);
            sample_add(&vm, m.value[SS_MET_v_mean]);
            sample_add(&ge, m.value[SS_MET_gE_mean]);
            sample_add(&gi, m.value[SS_MET_gI_mean]);
        }
        print_message("%-14s rate %.3f (tutorial %.3f)  cv %.3f (%.3f)  "
                      "fmp %.3f+-%.3f (%.3f+-%.3f)\n",
                      c->name, sample_mean(&rate), c->firing_rate_mean,
                      cv.n ? sample_mean(&cv) : NAN, c->cv_isi_mean,
                      sample_mean(&fm), sample_mean(&fs), c->fmp_mean_mean,
                      c->fmp_std_mean);
        assert_agree(sample_mean(&rate), sample_se(&rate), c->firing_rate_mean,
                     c->firing_rate_se, 4);
        if (cv.n > 10 && c->cv_count > 10)
            assert_agree(sample_mean(&cv), sample_se(&cv), c->cv_isi_mean,
                         c->cv_isi_se, 4);
        assert_agree(sample_mean(&fm), sample_se(&fm), c->fmp_mean_mean,
                     c->fmp_mean_se, 4);
        assert_agree(sample_mean(&fs), sample_se(&fs), c->fmp_std_mean,
                     c->fmp_std_se, 4);
        assert_agree(sample_mean(&vm), sample_se(&vm), c->v_mean_mean,
                     c->v_mean_se, 4);
        assert_agree(sample_mean(&ge), sample_se(&ge), c->gE_mean_mean,
                     c->gE_mean_se, 4);
        assert_agree(sample_mean(&gi), sample_se(&gi), c->gI_mean_mean,
                     c->gI_mean_se, 4);
    }
}

static void model_ref_poisson_stp_train_agrees_with_tutorial(void **state)
{
    (void)state;
    size_t n = sizeof fx_stp_poisson_cases / sizeof fx_stp_poisson_cases[0];
    for (size_t i = 0; i < n; i++) {
        const fx_stp_poisson_case *c = &fx_stp_poisson_cases[i];
        ss_params p;
        params_from_fixture(SS_MODEL_STP_TRAIN, c->params, &p);
        sample g1 = {0}, g10 = {0};
        for (int k = 0; k < c->n_seeds; k++) {
            ss_metrics m = run_trial(SS_MODEL_STP_TRAIN, &p, 17, (uint64_t)k);
            sample_add(&g1, m.value[SS_MET_g1]);
            sample_add(&g10, m.value[SS_MET_g10]);
        }
        assert_agree(sample_mean(&g1), sample_se(&g1), c->g1_mean, c->g1_se, 4);
        assert_agree(sample_mean(&g10), sample_se(&g10), c->g10_mean,
                     c->g10_se, 4);
    }
}

/* Campbell's theorem for the Euler-discretised conductance: with
 * a = dt/tau_syn and E[count per bin] = n p, p = rate dt/1000, g[0] = 0,
 *   E g[t] = g* (1 - (1 - a)^t),  g* = n rate/1000 g_bar tau_syn,
 * so the mean over the Lt bins of a trial is
 *   g* (1 - (1 - (1 - a)^Lt) / (Lt a)). */
static double campbell_mean(double n, double rate, double g_bar, double tau,
                            double dt, double Lt)
{
    double a = dt / tau;
    double g_star = n * rate / 1000 * g_bar * tau;
    return g_star * (1 - (1 - pow(1 - a, Lt)) / (Lt * a));
}

static void model_ref_mean_conductance_follows_campbell(void **state)
{
    (void)state;
    static const char *cases[] = {
        "", /* Exercise 1.2 */
        "n_exc=37 exc_rate=23.85 gE_bar=1.7 tau_syn_E=3.3 n_inh=13 "
        "inh_rate=41.5 gI_bar=0.9 tau_syn_I=7.9 dt=0.05 T=600",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ss_params p;
        params_from_fixture(SS_MODEL_LIF_COND, cases[i], &p);
        double Lt = (double)ss_params_time_bins(SS_MODEL_LIF_COND, &p);
        sample ge = {0}, gi = {0};
        for (int k = 0; k < 300; k++) {
            ss_metrics m = run_trial(SS_MODEL_LIF_COND, &p, 99, (uint64_t)k);
            sample_add(&ge, m.value[SS_MET_gE_mean]);
            sample_add(&gi, m.value[SS_MET_gI_mean]);
        }
        double want_e = campbell_mean(p.n_exc, p.exc_rate, p.gE_bar,
                                      p.tau_syn_E, p.dt, Lt);
        double want_i = campbell_mean(p.n_inh, p.inh_rate, p.gI_bar,
                                      p.tau_syn_I, p.dt, Lt);
        assert_close(sample_mean(&ge), want_e, 0, 4 * sample_se(&ge));
        assert_close(sample_mean(&gi), want_i, 0, 4 * sample_se(&gi));
    }
}

/* White noise alone (no synapses) makes the FMP an AR(1) process:
 * v' = v + b (-(v - E_L) + I / g_L), b = dt / tau_m, with
 * I = mu + sig z / sqrt(dt/1000): stationary mean E_L + mu / g_L and
 * variance s^2 / (1 - (1 - b)^2), s = b sig / (g_L sqrt(dt/1000)). */
static void model_ref_white_noise_fmp_is_the_ar1_process(void **state)
{
    (void)state;
    ss_params p;
    params_from_fixture(SS_MODEL_LIF_COND,
                        "n_exc=0 n_inh=0 I_inj=87.5 I_sigma=2.385 T=5000 "
                        "tau_m=13.7 g_L=8.3 E_L=-71.3 V_init=-60.7578313253012",
                        &p);
    double b = p.dt / p.tau_m;
    double s = b * p.I_sigma / (p.g_L * sqrt(p.dt / 1000.));
    double want_mean = p.E_L + p.I_inj / p.g_L;
    double want_std = sqrt(s * s / (1 - (1 - b) * (1 - b)));
    sample fm = {0}, fs = {0};
    for (int k = 0; k < 100; k++) {
        ss_metrics m = run_trial(SS_MODEL_LIF_COND, &p, 5, (uint64_t)k);
        sample_add(&fm, m.value[SS_MET_fmp_mean]);
        sample_add(&fs, m.value[SS_MET_fmp_std]);
    }
    assert_close(sample_mean(&fm), want_mean, 0, 4 * sample_se(&fm));
    /* the within-trial std is biased low by the start at zero variance and
     * the finite record, both ~1/(Lt b) = 0.3% here: allowed for */
    assert_close(sample_mean(&fs), want_std, 0,
                 4 * sample_se(&fs) + 0.003 * want_std);
}

static void model_same_stream_same_bits_any_order(void **state)
{
    (void)state;
    ss_params pa, pb;
    ss_params_defaults(SS_MODEL_LIF_COND_STP, &pa);
    ss_params_defaults(SS_MODEL_LIF_COND, &pb);
    pb.I_sigma = 3.1;
    ss_metrics a1 = run_trial(SS_MODEL_LIF_COND_STP, &pa, 8, 1);
    ss_metrics b1 = run_trial(SS_MODEL_LIF_COND, &pb, 8, 1);
    ss_metrics a2 = run_trial(SS_MODEL_LIF_COND_STP, &pa, 8, 1);
    assert_same_metrics(a1, a2);
    /* a fresh workspace gives the same bits */
    ss_model_ws *other = ss_model_ws_create();
    ss_rng_stream s;
    ss_model_trial_stream(SS_MODEL_LIF_COND, &pb, 8, 1, false, &s);
    ss_metrics b2;
    assert_int_equal(ss_model_run(SS_MODEL_LIF_COND, &pb, &s, other, &b2, NULL),
                     SS_OK);
    ss_model_ws_free(other);
    assert_same_metrics(b1, b2);
    /* another repeat or seed is another realisation */
    ss_metrics a3 = run_trial(SS_MODEL_LIF_COND_STP, &pa, 8, 2);
    ss_metrics a4 = run_trial(SS_MODEL_LIF_COND_STP, &pa, 9, 1);
    assert_true(a3.value[SS_MET_fmp_mean] != a1.value[SS_MET_fmp_mean]);
    assert_true(a4.value[SS_MET_fmp_mean] != a1.value[SS_MET_fmp_mean]);
}

/* streams: common gives every parameter point of a repeat the same random
 * numbers; independent streams differ between points. */
static void model_common_streams_share_the_input_realisation(void **state)
{
    (void)state;
    ss_params p1, p2;
    ss_params_defaults(SS_MODEL_LIF_COND, &p1);
    p2 = p1;
    p2.gE_bar = 3.7;
    size_t Lt = ss_params_time_bins(SS_MODEL_LIF_COND, &p1);
    double *train1 = malloc(Lt * sizeof *train1);
    for (int common = 0; common <= 1; common++) {
        ss_rng_stream s1, s2;
        ss_model_trial_stream(SS_MODEL_LIF_COND, &p1, 4, 0, common, &s1);
        ss_model_trial_stream(SS_MODEL_LIF_COND, &p2, 4, 0, common, &s2);
        ss_metrics m;
        assert_int_equal(ss_model_run(SS_MODEL_LIF_COND, &p1, &s1, ws, &m, NULL),
                         SS_OK);
        memcpy(train1, ss_model_trace(ws, SS_TRACE_TRAIN), Lt * sizeof *train1);
        assert_int_equal(ss_model_run(SS_MODEL_LIF_COND, &p2, &s2, ws, &m, NULL),
                         SS_OK);
        int same = memcmp(train1, ss_model_trace(ws, SS_TRACE_TRAIN),
                          Lt * sizeof *train1) == 0;
        assert_int_equal(same, common);
    }
    free(train1);
}

static void model_rejects_invalid_parameters(void **state)
{
    (void)state;
    ss_params p;
    ss_params_defaults(SS_MODEL_STP_TRAIN, &p);
    p.U0 = 0;
    ss_rng_stream s;
    ss_rng_stream_init(&s, 0, 0, 0);
    ss_metrics m;
    ss_error err;
    assert_int_equal(ss_model_run(SS_MODEL_STP_TRAIN, &p, &s, ws, &m, &err),
                     SS_ERR_PARAM);
    assert_non_null(strstr(err.message, "U0"));
    assert_true(isnan(m.value[SS_MET_g1]));
}

static void model_traces_have_the_grid_length(void **state)
{
    (void)state;
    ss_params p;
    ss_params_defaults(SS_MODEL_LIF_COND_STP, &p);
    run_trial(SS_MODEL_LIF_COND_STP, &p, 1, 0);
    assert_int_equal(ss_model_trace_length(ws), 10000);
    for (int t = 0; t < SS_TRACE_COUNT; t++)
        assert_non_null(ss_model_trace(ws, (ss_trace)t));
    const double *u = ss_model_trace(ws, SS_TRACE_U);
    const double *R = ss_model_trace(ws, SS_TRACE_R);
    for (size_t i = 0; i < 10000; i++)
        assert_true(u[i] >= 0 && u[i] <= 1 && R[i] >= 0 && R[i] <= 1);
    ss_params_defaults(SS_MODEL_STP_TRAIN, &p);
    run_trial(SS_MODEL_STP_TRAIN, &p, 1, 0);
    assert_int_equal(ss_model_trace_length(ws), 5000);
    assert_null(ss_model_trace(ws, SS_TRACE_V));
    assert_non_null(ss_model_trace(ws, SS_TRACE_GE));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(model_ref_matches_tutorial_stp_train),
        cmocka_unit_test(model_ref_matches_tutorial_lif),
        cmocka_unit_test(model_ref_poisson_statistics_agree_with_tutorial),
        cmocka_unit_test(model_ref_poisson_stp_train_agrees_with_tutorial),
        cmocka_unit_test(model_ref_mean_conductance_follows_campbell),
        cmocka_unit_test(model_ref_white_noise_fmp_is_the_ar1_process),
        cmocka_unit_test(model_same_stream_same_bits_any_order),
        cmocka_unit_test(model_common_streams_share_the_input_realisation),
        cmocka_unit_test(model_rejects_invalid_parameters),
        cmocka_unit_test(model_traces_have_the_grid_length),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
