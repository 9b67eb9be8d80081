/* Helpers shared by the cmocka tests. */
#ifndef SYNSWEEP_TESTUTIL_H
#define SYNSWEEP_TESTUTIL_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

/* |actual - expected| <= atol + rtol * |expected|; NaN equals only NaN. */
#define assert_close(actual, expected, rtol, atol)                           \
    assert_close_at((actual), (expected), (rtol), (atol), #actual, __FILE__, \
                    __LINE__)

static inline void assert_close_at(double actual, double expected,
                                   double rtol, double atol,
                                   const char *what, const char *file,
                                   int line)
{
    if (isnan(expected) && isnan(actual))
        return;
    double tol = atol + rtol * fabs(expected);
    if (!(fabs(actual - expected) <= tol)) {
        print_error("%s = %.17g, expected %.17g (|diff| %.3g > tol %.3g)\n",
                    what, actual, expected, fabs(actual - expected), tol);
        _fail(file, line);
    }
}

/* Mean and standard error of a sample, accumulated one value at a time. */
typedef struct sample {
    size_t n;
    double sum, sum_sq;
} sample;

static inline void sample_add(sample *s, double x)
{
    s->n++;
    s->sum += x;
    s->sum_sq += x * x;
}

static inline double sample_mean(const sample *s)
{
    return s->sum / (double)s->n;
}

static inline double sample_se(const sample *s)
{
    double m = sample_mean(s);
    double var = (s->sum_sq - (double)s->n * m * m) / (double)(s->n - 1);
    return sqrt(var > 0 ? var : 0) / sqrt((double)s->n);
}

/* Two independent estimates agree within k combined standard errors. */
#define assert_agree(mean1, se1, mean2, se2, k)                              \
    assert_close_at((mean1), (mean2), 0.0,                                   \
                    (k) * sqrt((se1) * (se1) + (se2) * (se2)), #mean1,       \
                    __FILE__, __LINE__)

/* Two trials' metrics are the same to the bit (the padding aside). */
#define assert_same_metrics(a, b)                                            \
    do {                                                                     \
        assert_memory_equal((a).value, (b).value, sizeof (a).value);        \
        assert_int_equal((a).status, (b).status);                            \
    } while (0)

#endif
