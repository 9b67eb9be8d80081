#include "testutil.h"

#include <float.h>
#include <string.h>

#include "rng_internal.h"
#include "synsweep/rng.h"

/* Random123's kat_vectors for philox4x64 with 10 rounds:
 * counter (4 words), key (2 words), expected output (4 words). */
static void rng_philox_passes_random123_known_answers(void **state)
{
    (void)state;
    static const uint64_t kat[3][10] = {
        {0, 0, 0, 0, 0, 0, UINT64_C(0x16554d9eca36314c),
         UINT64_C(0xdb20fe9d672d0fdc), UINT64_C(0xd7e772cee186176b),
         UINT64_C(0x7e68b68aec7ba23b)},
        {UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX,
         UINT64_MAX, UINT64_C(0x87b092c3013fe90b),
         UINT64_C(0x438c3c67be8d0224), UINT64_C(0x9cc7d7c69cd777b6),
         UINT64_C(0xa09caebf594f0ba0)},
        {UINT64_C(0x243f6a8885a308d3), UINT64_C(0x13198a2e03707344),
         UINT64_C(0xa4093822299f31d0), UINT64_C(0x082efa98ec4e6c89),
         UINT64_C(0x452821e638d01377), UINT64_C(0xbe5466cf34e90c6c),
         UINT64_C(0xa528f45403e61d95), UINT64_C(0x38c72dbd566e9788),
         UINT64_C(0xa5a1610e72fd18b5), UINT64_C(0x57bd43b5e52b7fe6)},
    };
    for (int i = 0; i < 3; i++) {
        uint64_t out[4];
        ss__rng_philox4x64(kat[i], kat[i] + 4, out);
        for (int j = 0; j < 4; j++)
            assert_true(out[j] == kat[i][6 + j]);
    }
}

static void rng_seq_reads_the_documented_words(void **state)
{
    (void)state;
    ss_rng_stream s;
    ss_rng_stream_init(&s, 2385, 77, 3);
    ss_rng_seq q;
    ss_rng_seq_init(&q, &s, 12);
    for (uint64_t i = 0; i < 11; i++) {
        uint64_t ctr[4] = {i / 4, 12, 3, 0}, key[2] = {2385, 77}, out[4];
        ss__rng_philox4x64(ctr, key, out);
        assert_true(ss_rng_next_u64(&q) == out[i % 4]);
    }
}

static void rng_skip_lands_where_reading_would(void **state)
{
    (void)state;
    ss_rng_stream s;
    ss_rng_stream_init(&s, 1, 2, 0);
    for (uint64_t skip = 0; skip < 13; skip++) {
        ss_rng_seq a, b;
        ss_rng_seq_init(&a, &s, 5);
        ss_rng_seq_init(&b, &s, 5);
        ss_rng_next_u64(&a); /* skip from the middle of a block too */
        ss_rng_next_u64(&b);
        for (uint64_t i = 0; i < skip; i++)
            ss_rng_next_u64(&a);
        ss__rng_seq_skip(&b, skip);
        assert_true(ss_rng_next_u64(&a) == ss_rng_next_u64(&b));
    }
}

static void rng_same_key_same_stream_other_key_other_stream(void **state)
{
    (void)state;
    double pa[3] = {2.385, -0.0, 10.0}, pb[3] = {2.385, 0.0, 10.0},
           pc[3] = {2.385, 0.0, 10.000000000000002};
    uint64_t ka = ss_rng_point_key(pa, 3), kb = ss_rng_point_key(pb, 3),
             kc = ss_rng_point_key(pc, 3);
    assert_true(ka == kb); /* -0 and +0 are the same point */
    assert_true(ka != kc); /* one ulp is another point */
    assert_true(ss_rng_point_key(pa, 2) != ka); /* length matters */
    double swapped[3] = {0.0, 2.385, 10.0};
    assert_true(ss_rng_point_key(swapped, 3) != kb); /* order matters */

    ss_rng_stream s1, s2, s3, s4;
    ss_rng_stream_init(&s1, 7, ka, 0);
    ss_rng_stream_init(&s2, 7, kb, 0);
    ss_rng_stream_init(&s3, 7, ka, 1);
    ss_rng_stream_init(&s4, 8, ka, 0);
    ss_rng_seq q1, q2, q3, q4;
    ss_rng_seq_init(&q1, &s1, 0);
    ss_rng_seq_init(&q2, &s2, 0);
    ss_rng_seq_init(&q3, &s3, 0);
    ss_rng_seq_init(&q4, &s4, 0);
    int same3 = 0, same4 = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t a = ss_rng_next_u64(&q1);
        assert_true(a == ss_rng_next_u64(&q2));
        same3 += a == ss_rng_next_u64(&q3);
        same4 += a == ss_rng_next_u64(&q4);
    }
    assert_int_equal(same3, 0);
    assert_int_equal(same4, 0);
}

/* The hash taken in steps, from any split point, is the one-call key. */
static void rng_point_hash_in_steps_is_the_point_key(void **state)
{
    (void)state;
    const double v[6] = {2, 0.1, -0.0, 20, 1e-300, -7.5};
    for (size_t n = 0; n <= 6; n++) {
        uint64_t want = ss_rng_point_key(v, n);
        for (size_t cut = 0; cut <= n; cut++) {
            ss_rng_point_hash st;
            ss_rng_point_hash_init(&st, n);
            ss_rng_point_hash_absorb(&st, v, cut);
            ss_rng_point_hash copy = st; /* a prefix resumed twice */
            ss_rng_point_hash_absorb(&st, v + cut, n - cut);
            assert_true(ss_rng_point_hash_final(&st) == want);
            ss_rng_point_hash_absorb(&copy, v + cut, n - cut);
            assert_true(ss_rng_point_hash_final(&copy) == want);
        }
    }
}

static void rng_a_stream_does_not_depend_on_others_being_read(void **state)
{
    (void)state;
    ss_rng_stream s, other;
    ss_rng_stream_init(&s, 3, 4, 5);
    ss_rng_stream_init(&other, 3, 9, 5);
    ss_rng_seq alone, mixed, noise;
    ss_rng_seq_init(&alone, &s, 1);
    double first[100];
    for (int i = 0; i < 100; i++)
        first[i] = ss_rng_normal(&alone);
    ss_rng_seq_init(&mixed, &s, 1);
    ss_rng_seq_init(&noise, &other, 1);
    for (int i = 0; i < 100; i++) {
        ss_rng_normal(&noise);
        ss_rng_uniform(&noise);
        assert_true(ss_rng_normal(&mixed) == first[i]);
    }
}

static void rng_u01_covers_zero_to_below_one(void **state)
{
    (void)state;
    assert_true(ss__rng_u01(0) == 0.0);
    assert_true(ss__rng_u01(UINT64_MAX) == 1.0 - DBL_EPSILON / 2);
    assert_true(ss__rng_u01(UINT64_C(1) << 63) == 0.5);
}

/* Moments of U(0,1): mean 1/2, variance 1/12; of N(0,1): mean 0,
 * variance 1, skewness 0, kurtosis 3. Each within 4 standard errors. */
static void rng_uniform_and_normal_moments(void **state)
{
    (void)state;
    const int n = 400000;
    ss_rng_stream s;
    ss_rng_stream_init(&s, 11, 22, 0);
    ss_rng_seq q;
    ss_rng_seq_init(&q, &s, 0);
    double su = 0, su2 = 0;
    for (int i = 0; i < n; i++) {
        double u = ss_rng_uniform(&q);
        assert_true(u >= 0.0 && u < 1.0);
        su += u;
        su2 += (u - 0.5) * (u - 0.5);
    }
    assert_close(su / n, 0.5, 0, 4 * sqrt(1.0 / 12 / n));
    /* Var of (u - 1/2)^2 is 1/80 - 1/144 */
    assert_close(su2 / n, 1.0 / 12, 0, 4 * sqrt((1.0 / 80 - 1.0 / 144) / n));

    double m1 = 0, m2 = 0, m3 = 0, m4 = 0;
    for (int i = 0; i < n; i++) {
        double z = ss_rng_normal(&q);
        m1 += z;
        m2 += z * z;
        m3 += z * z * z;
        m4 += z * z * z * z;
    }
    m1 /= n, m2 /= n, m3 /= n, m4 /= n;
    assert_close(m1, 0, 0, 4 * sqrt(1.0 / n));
    assert_close(m2, 1, 0, 4 * sqrt(2.0 / n));
    assert_close(m3, 0, 0, 4 * sqrt(15.0 / n));
    assert_close(m4, 3, 0, 4 * sqrt(96.0 / n));
}

/* Chi-square of normals over the deciles of N(0,1) (quantiles from the
 * inverse normal CDF); 9 degrees of freedom, 27.88 is the 0.1% point. */
static void rng_normal_deciles_chi_square(void **state)
{
    (void)state;
    static const double q[9] = {-1.2815515655446004, -0.8416212335729143,
                                 -0.5244005127080407, -0.2533471031357997,
                                 0.0,
                                 0.2533471031357997,  0.5244005127080407,
                                 0.8416212335729143,  1.2815515655446004};
    const int n = 200000;
    int count[10] = {0};
    ss_rng_stream s;
    ss_rng_stream_init(&s, 5, 6, 7);
    ss_rng_seq seq;
    ss_rng_seq_init(&seq, &s, 3);
    for (int i = 0; i < n; i++) {
        double z = ss_rng_normal(&seq);
        int k = 0;
        while (k < 9 && z >= q[k])
            k++;
        count[k]++;
    }
    double chi2 = 0, expect = n / 10.0;
    for (int k = 0; k < 10; k++)
        chi2 += (count[k] - expect) * (count[k] - expect) / expect;
    assert_true(chi2 < 27.88);
}

/* Streams of neighbouring points, repeats and substreams are
 * uncorrelated: |r| < 4/sqrt(n) for each pair. */
static void rng_neighbouring_streams_are_uncorrelated(void **state)
{
    (void)state;
    const int n = 100000;
    double p0[1] = {10.0}, p1[1] = {10.5};
    ss_rng_stream a, b, c;
    ss_rng_stream_init(&a, 1, ss_rng_point_key(p0, 1), 0);
    ss_rng_stream_init(&b, 1, ss_rng_point_key(p1, 1), 0);
    ss_rng_stream_init(&c, 1, ss_rng_point_key(p0, 1), 1);
    struct {
        const ss_rng_stream *s1, *s2;
        uint64_t sub1, sub2;
    } pairs[] = {{&a, &b, 0, 0}, {&a, &c, 0, 0}, {&a, &a, 0, 1},
                 {&a, &a, 0, UINT64_C(1) << 32}};
    for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++) {
        ss_rng_seq x, y;
        ss_rng_seq_init(&x, pairs[k].s1, pairs[k].sub1);
        ss_rng_seq_init(&y, pairs[k].s2, pairs[k].sub2);
        double sxy = 0, lag = 0, prev = 0;
        for (int i = 0; i < n; i++) {
            double u = ss_rng_uniform(&x) - 0.5, v = ss_rng_uniform(&y) - 0.5;
            sxy += u * v;
            lag += u * prev; /* serial correlation within a stream */
            prev = u;
        }
        double r = sxy / n * 12, r_lag = lag / n * 12;
        assert_close(r, 0, 0, 4 / sqrt(n));
        assert_close(r_lag, 0, 0, 4 / sqrt(n));
    }
}

static void rng_log_agrees_with_the_mathematics(void **state)
{
    (void)state;
    assert_true(ss__rng_log(1.0) == 0.0);
    assert_close(ss__rng_log(2.0), 0.69314718055994531, 2 * DBL_EPSILON, 0);
    assert_close(ss__rng_log(0.5), -0.69314718055994531, 2 * DBL_EPSILON, 0);
    assert_close(ss__rng_log(10.0), 2.3025850929940457, 2 * DBL_EPSILON, 0);
    assert_close(ss__rng_log(1e-300), -690.77552789821368, 2 * DBL_EPSILON, 0);
    assert_close(ss__rng_log(2.718281828459045), 1.0, 2 * DBL_EPSILON, 0);
    /* and with the C library's log over (0, 1], where the polar method uses
     * it, to within a few ulp */
    ss_rng_stream s;
    ss_rng_stream_init(&s, 0, 0, 0);
    ss_rng_seq q;
    ss_rng_seq_init(&q, &s, 0);
    for (int i = 0; i < 100000; i++) {
        double x = 1.0 - ss_rng_uniform(&q); /* (0, 1] */
        double want = log(x);
        assert_close(ss__rng_log(x), want, 4 * DBL_EPSILON, 4 * DBL_MIN);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rng_philox_passes_random123_known_answers),
        cmocka_unit_test(rng_seq_reads_the_documented_words),
        cmocka_unit_test(rng_skip_lands_where_reading_would),
        cmocka_unit_test(rng_same_key_same_stream_other_key_other_stream),
        cmocka_unit_test(rng_point_hash_in_steps_is_the_point_key),
        cmocka_unit_test(rng_a_stream_does_not_depend_on_others_being_read),
        cmocka_unit_test(rng_u01_covers_zero_to_below_one),
        cmocka_unit_test(rng_uniform_and_normal_moments),
        cmocka_unit_test(rng_normal_deciles_chi_square),
        cmocka_unit_test(rng_neighbouring_streams_are_uncorrelated),
        cmocka_unit_test(rng_log_agrees_with_the_mathematics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
