#include "testutil.h"

#include <string.h>

#include "metrics_internal.h"
#include "synsweep/metrics.h"

/* 1..n: mean (n+1)/2, population std sqrt((n^2 - 1)/12). */
static void stats_mean_and_std_of_one_to_n(void **state)
{
    (void)state;
    static double x[1000];
    for (size_t n = 1; n <= 1000; n += 37) {
        for (size_t i = 0; i < n; i++)
            x[i] = (double)(i + 1);
        double mean = ss_stats_mean(x, n);
        assert_close(mean, (n + 1) / 2.0, 1e-15, 0);
        assert_close(ss_stats_std(x, n, mean), sqrt((n * n - 1.0) / 12.0),
                     1e-14, 1e-300);
        assert_close(ss__stats_sum(x, n), n * (n + 1) / 2.0, 0, 0);
    }
    assert_true(isnan(ss_stats_mean(x, 0)));
}

/* Pairwise summation loses far less than a running sum: 0.1 added 10^6
 * times is 1e5 to within ~1e-15 relative, where a running sum is off by
 * 1.3e-11 relative. */
static void stats_sum_is_pairwise(void **state)
{
    (void)state;
    enum { N = 1000000 };
    static double x[N];
    for (size_t i = 0; i < N; i++)
        x[i] = 0.1;
    assert_close(ss__stats_sum(x, N), 1e5, 1e-14, 0);
}

static void stats_cv_isi_from_spike_bins(void **state)
{
    (void)state;
    double scratch[8];
    /* ISIs 10, 20, 30 ms: mean 20, std sqrt(200/3), CV 0.408248290463863 */
    size_t idx[] = {0, 10, 30, 60};
    assert_close(ss_stats_cv_isi(idx, 4, 1.0, scratch), sqrt(200.0 / 3) / 20,
                 1e-15, 0);
    /* dt scales the intervals and not the CV */
    assert_close(ss_stats_cv_isi(idx, 4, 0.1, scratch), sqrt(200.0 / 3) / 20,
                 1e-14, 0);
    /* regular spikes: CV 0 */
    size_t reg[] = {5, 105, 205, 305, 405};
    assert_close(ss_stats_cv_isi(reg, 5, 1.0, scratch), 0, 0, 0);
    /* the tutorial computes CV only with more than 3 spikes; NaN below */
    assert_true(isnan(ss_stats_cv_isi(idx, 3, 1.0, scratch)));
    assert_true(isnan(ss_stats_cv_isi(idx, 0, 1.0, scratch)));
}

static void metrics_table_lookups(void **state)
{
    (void)state;
    assert_int_equal(ss_metric_find("g_ratio"), SS_MET_g_ratio);
    assert_int_equal(ss_metric_find("g2"), SS_METRIC_COUNT);
    assert_string_equal(ss_metric_info_of(SS_MET_fmp_std)->unit, "mV");
    assert_true(ss_metric_used_by(SS_MET_cv_isi, SS_MODEL_LIF_COND_STP));
    assert_false(ss_metric_used_by(SS_MET_cv_isi, SS_MODEL_STP_TRAIN));
    assert_true(ss_metric_used_by(SS_MET_g10, SS_MODEL_STP_TRAIN));
    ss_metrics m;
    ss_metrics_clear(&m);
    for (int i = 0; i < SS_METRIC_COUNT; i++)
        assert_true(isnan(m.value[i]));
}

static void metrics_format_tsv_and_json(void **state)
{
    (void)state;
    ss_metrics m;
    ss_metrics_clear(&m);
    m.value[SS_MET_g1] = 0.6;
    m.value[SS_MET_g10] = 0.25;
    m.value[SS_MET_g_ratio] = 0.25 / 0.6;
    char buf[2048];
    ss_metrics_format(SS_MODEL_STP_TRAIN, &m, false, buf, sizeof buf);
    assert_non_null(strstr(buf, "g1\t0.6\n"));
    assert_non_null(strstr(buf, "g10\t0.25\n"));
    assert_non_null(strstr(buf, "u1\tnan\n"));
    assert_null(strstr(buf, "firing_rate"));

    size_t n = ss_metrics_format(SS_MODEL_STP_TRAIN, &m, true, buf, sizeof buf);
    assert_int_equal(n, strlen(buf));
    assert_true(strncmp(buf, "{\"g1\": 0.6, \"g10\": 0.25, ", 25) == 0);
    assert_non_null(strstr(buf, "\"u1\": null"));
    assert_string_equal(buf + n - 2, "}\n");

    /* a short buffer is never overrun and the full length is reported */
    char tiny[8];
    size_t want = ss_metrics_format(SS_MODEL_STP_TRAIN, &m, true, tiny,
                                    sizeof tiny);
    assert_int_equal(want, n);
    assert_int_equal(strlen(tiny), sizeof tiny - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stats_mean_and_std_of_one_to_n),
        cmocka_unit_test(stats_sum_is_pairwise),
        cmocka_unit_test(stats_cv_isi_from_spike_bins),
        cmocka_unit_test(metrics_table_lookups),
        cmocka_unit_test(metrics_format_tsv_and_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
