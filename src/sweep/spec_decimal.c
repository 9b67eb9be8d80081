/* Values as written: range and linspace computed on the decimals of the
 * spec's text, so `range: [0.2, 1.0, 0.2]` gives the doubles of 0.2, 0.4,
 * 0.6, 0.8, 1.0 and not 0.6000000000000001, which no one can `sel`.
 *
 * A value m / 10^D with m a whole number of magnitude at most 2^53 and
 * D <= 22 is the quotient of two exact doubles; IEEE division rounds it
 * once, to the double nearest the decimal: what strtod gives for its
 * digits. */
#include "spec_internal.h"

#include <stdint.h>

#define MAX_WHOLE (INT64_C(1) << 53)
#define MAX_DIGITS 22 /* 10^22 is the largest power of ten a double holds */

static const double pow10_exact[MAX_DIGITS + 1] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* A number's text as m / 10^d, the fewest fractional digits d; false
 * for anything but [+-]digits[.digits][(e|E)[+-]digits] or a value whose
 * digits, as a whole number, exceed 2^53. */
typedef struct decimal {
    int64_t m;
    int d;
} decimal;

/* m * 10^k within MAX_WHOLE in magnitude, or false. */
static bool scale_up(int64_t m, int k, int64_t *out)
{
    for (; k > 0; k--) {
        if (m > MAX_WHOLE / 10 || m < -MAX_WHOLE / 10)
            return false;
        m *= 10;
    }
    if (m > MAX_WHOLE || m < -MAX_WHOLE)
        return false;
    *out = m;
    return true;
}

static bool parse_decimal(const char *s, decimal *out)
{
    bool neg = false;
    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    const char *int_start = s;
    while (*s >= '0' && *s <= '9')
        s++;
    const char *int_end = s, *frac_start = s, *frac_end = s;
    if (*s == '.') {
        frac_start = ++s;
        while (*s >= '0' && *s <= '9')
            s++;
        frac_end = s;
    }
    if (int_end == int_start && frac_end == frac_start)
        return false; /* no digit */
    long e = 0;
    if (*s == 'e' || *s == 'E') {
        s++;
        bool eneg = false;
        if (*s == '+' || *s == '-')
            eneg = *s++ == '-';
        if (!(*s >= '0' && *s <= '9'))
            return false;
        for (; *s >= '0' && *s <= '9'; s++)
            if (e < 1000)
                e = e * 10 + (*s - '0');
        if (eneg)
            e = -e;
    }
    if (*s)
        return false;
    while (frac_end > frac_start && frac_end[-1] == '0')
        frac_end--; /* 2.50 is 2.5 */
    /* the digits as a whole number, leading zeros skipped */
    int64_t m = 0;
    int sig = 0;
    for (const char *c = int_start; c < frac_end; c++) {
        if (c == int_end) {
            c = frac_start - 1;
            continue;
        }
        if (sig == 0 && *c == '0')
            continue;
        if (++sig > 17)
            return false;
        m = m * 10 + (*c - '0');
    }
    long d = (long)(frac_end - frac_start) - e;
    if (m == 0)
        d = 0;
    if (d < 0) {
        if (-d > MAX_DIGITS || !scale_up(m, (int)-d, &m))
            return false;
        d = 0;
    }
    while (d > 0 && m % 10 == 0) {
        m /= 10;
        d--;
    }
    if (d > MAX_DIGITS || m > MAX_WHOLE)
        return false;
    out->m = neg ? -m : m;
    out->d = (int)d;
    return true;
}

/* values[i] = (first + i * step) / 10^digits for i < n, if no numerator
 * exceeds 2^53 in magnitude. */
static bool fill(int64_t first, int64_t step, int digits, size_t n,
                 double *values)
{
    int64_t reach = MAX_WHOLE - (first < 0 ? -first : first);
    int64_t mag = step < 0 ? -step : step;
    if (n > 1 && mag > reach / (int64_t)(n - 1))
        return false;
    for (size_t i = 0; i < n; i++)
        values[i] =
            (double)(first + (int64_t)i * step) / pow10_exact[digits];
    return true;
}

bool ss__spec_range_as_written(const char *start, const char *step, size_t n,
                               double *values)
{
    decimal a, s;
    if (!parse_decimal(start, &a) || !parse_decimal(step, &s))
        return false;
    int digits = a.d > s.d ? a.d : s.d;
    int64_t first, by;
    return scale_up(a.m, digits - a.d, &first) &&
           scale_up(s.m, digits - s.d, &by) &&
           fill(first, by, digits, n, values);
}

bool ss__spec_linspace_as_written(const char *start, const char *stop,
                                  size_t n, double *values)
{
    decimal a, b;
    if (n < 2 || !parse_decimal(start, &a) || !parse_decimal(stop, &b))
        return false;
    /* the fewest digits, from those of start and stop on, at which the
     * step (stop - start) / (n - 1) is a whole number of units */
    for (int digits = a.d > b.d ? a.d : b.d; digits <= MAX_DIGITS;
         digits++) {
        int64_t first, last;
        if (!scale_up(a.m, digits - a.d, &first) ||
            !scale_up(b.m, digits - b.d, &last))
            return false;
        int64_t span = last - first; /* within 2^54: no overflow */
        if (span % (int64_t)(n - 1) == 0)
            return fill(first, span / (int64_t)(n - 1), digits, n, values);
    }
    return false;
}
