#include "testutil.h"

#include <stdlib.h>

#include "synsweep/input.h"
#include "synsweep/params.h"

static void input_regular_isi_truncates_as_the_tutorial(void **state)
{
    (void)state;
    /* int((1e3/rate)/dt) */
    assert_int_equal(ss_input_regular_isi(20, 0.1), 500);
    assert_int_equal(ss_input_regular_isi(30, 0.1), 333);
    assert_int_equal(ss_input_regular_isi(15, 0.1), 666);
    assert_int_equal(ss_input_regular_isi(7.3, 0.05), 2739);
    assert_int_equal(ss_input_regular_isi(0, 0.1), 0);
}

static void input_regular_train_fires_every_isi_from_bin_zero(void **state)
{
    (void)state;
    double train[1001];
    ss_rng_stream s;
    ss_rng_stream_init(&s, 0, 0, 0);
    ss_input_train(train, 1001, SS_INPUT_REGULAR, 30, 0.1, &s, 0);
    for (size_t b = 0; b < 1001; b++)
        assert_true(train[b] == (b % 333 == 0 ? 1.0 : 0.0));

    double counts[1001] = {0};
    ss_input_add_trains(counts, 1001, 7, SS_INPUT_REGULAR, 30, 0.1, &s, 0);
    assert_true(counts[666] == 7.0);
    assert_true(counts[667] == 0.0);
    ss_input_add_trains(counts, 1001, 3, SS_INPUT_REGULAR, 0, 0.1, &s, 0);
    assert_true(counts[666] == 7.0); /* rate 0: no spikes */
}

/* A Poisson train fires in bin b exactly when word b of its substream, as a
 * uniform, is below rate * (dt / 1000.). */
static void input_poisson_train_is_bernoulli_of_its_substream(void **state)
{
    (void)state;
    enum { LT = 5000 };
    double train[LT];
    ss_rng_stream s;
    ss_rng_stream_init(&s, 42, 4242, 2);
    ss_input_train(train, LT, SS_INPUT_POISSON, 37.3, 0.1, &s,
                   SS_SUBSTREAM_INH(3));
    ss_rng_seq q;
    ss_rng_seq_init(&q, &s, SS_SUBSTREAM_INH(3));
    double p = 37.3 * (0.1 / 1000.);
    for (size_t b = 0; b < LT; b++)
        assert_true(train[b] == (ss_rng_uniform(&q) < p ? 1.0 : 0.0));
}

static void input_add_trains_sums_the_single_trains(void **state)
{
    (void)state;
    enum { LT = 3000, N = 5 };
    double counts[LT] = {0}, one[LT], sum[LT] = {0};
    ss_rng_stream s;
    ss_rng_stream_init(&s, 9, 99, 0);
    ss_input_add_trains(counts, LT, N, SS_INPUT_POISSON, 80, 0.1, &s,
                        SS_SUBSTREAM_EXC(0));
    for (unsigned j = 0; j < N; j++) {
        ss_input_train(one, LT, SS_INPUT_POISSON, 80, 0.1, &s,
                       SS_SUBSTREAM_EXC(j));
        for (size_t b = 0; b < LT; b++)
            sum[b] += one[b];
    }
    for (size_t b = 0; b < LT; b++)
        assert_true(counts[b] == sum[b]);
}

/* Spike counts of a train over Lt bins are Binomial(Lt, p): mean Lt p,
 * variance Lt p (1 - p); every bin fires with probability p. */
static void input_poisson_counts_are_binomial(void **state)
{
    (void)state;
    enum { LT = 2000, TRAINS = 2000 };
    const double rate = 23.7, dt = 0.1, p = rate * (dt / 1000.);
    double *counts = calloc(LT, sizeof *counts);
    double *train = malloc(LT * sizeof *train);
    ss_rng_stream s;
    ss_rng_stream_init(&s, 1, 2, 3);
    sample per_train = {0};
    for (unsigned j = 0; j < TRAINS; j++) {
        ss_input_train(train, LT, SS_INPUT_POISSON, rate, dt, &s, j);
        double c = 0;
        for (size_t b = 0; b < LT; b++) {
            c += train[b];
            counts[b] += train[b];
        }
        sample_add(&per_train, c);
    }
    double var = per_train.n * sample_se(&per_train) * sample_se(&per_train);
    assert_close(sample_mean(&per_train), LT * p, 0,
                 4 * sqrt(LT * p * (1 - p) / TRAINS));
    /* variance of a sample variance ~ 2 sigma^4 / n for near-normal data */
    assert_close(var, LT * p * (1 - p), 0,
                 4 * sqrt(2.0 / TRAINS) * LT * p * (1 - p));
    /* per bin: TRAINS draws of Bernoulli(p); chi-square over groups of
     * 100 bins, 20 groups, 19 dof, 0.1% point 43.82 */
    double chi2 = 0;
    for (size_t g = 0; g < LT / 100; g++) {
        double c = 0;
        for (size_t b = g * 100; b < (g + 1) * 100; b++)
            c += counts[b];
        double expect = 100.0 * TRAINS * p;
        chi2 += (c - expect) * (c - expect) / (expect * (1 - p));
    }
    assert_true(chi2 < 43.82);
    free(counts);
    free(train);
}

static void input_zero_rate_poisson_never_fires(void **state)
{
    (void)state;
    double train[100];
    ss_rng_stream s;
    ss_rng_stream_init(&s, 0, 0, 0);
    ss_input_train(train, 100, SS_INPUT_POISSON, 0, 0.1, &s, 0);
    for (int b = 0; b < 100; b++)
        assert_true(train[b] == 0.0);
}

static void input_current_is_dc_without_noise(void **state)
{
    (void)state;
    double I[50];
    ss_rng_stream s;
    ss_rng_stream_init(&s, 0, 0, 0);
    ss_input_current(I, 50, 213.7, 0.0, 0.1, &s);
    for (int i = 0; i < 50; i++)
        assert_true(I[i] == 213.7);
}

/* my_GWN: I = mu + sig * z / sqrt(dt / 1000.): mean mu, variance
 * sig^2 * 1000 / dt, the draws from the noise substream. */
static void input_current_noise_follows_my_gwn(void **state)
{
    (void)state;
    enum { LT = 200000 };
    const double mu = 35.2, sig = 2.385, dt = 0.05;
    double *I = malloc(LT * sizeof *I);
    ss_rng_stream s;
    ss_rng_stream_init(&s, 31, 41, 0);
    ss_input_current(I, LT, mu, sig, dt, &s);
    ss_rng_seq q;
    ss_rng_seq_init(&q, &s, SS_SUBSTREAM_NOISE);
    for (int i = 0; i < 10; i++)
        assert_true(I[i] == mu + sig * ss_rng_normal(&q) / sqrt(dt / 1000.));
    sample x = {0};
    for (size_t i = 0; i < LT; i++)
        sample_add(&x, I[i]);
    double sd = sig / sqrt(dt / 1000.);
    assert_close(sample_mean(&x), mu, 0, 4 * sd / sqrt(LT));
    double var = LT * sample_se(&x) * sample_se(&x);
    assert_close(var, sd * sd, 0, 4 * sqrt(2.0 / LT) * sd * sd);
    free(I);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(input_regular_isi_truncates_as_the_tutorial),
        cmocka_unit_test(input_regular_train_fires_every_isi_from_bin_zero),
        cmocka_unit_test(input_poisson_train_is_bernoulli_of_its_substream),
        cmocka_unit_test(input_add_trains_sums_the_single_trains),
        cmocka_unit_test(input_poisson_counts_are_binomial),
        cmocka_unit_test(input_zero_rate_poisson_never_fires),
        cmocka_unit_test(input_current_is_dc_without_noise),
        cmocka_unit_test(input_current_noise_follows_my_gwn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
