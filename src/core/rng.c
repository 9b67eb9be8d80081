#include "synsweep/rng.h"

#include <math.h>
#include <string.h>

#include <Random123/philox.h>

#include "rng_internal.h"

void ss__rng_philox4x64(const uint64_t ctr[4], const uint64_t key[2],
                       uint64_t out[4])
{
    philox4x64_ctr_t c = {{ctr[0], ctr[1], ctr[2], ctr[3]}};
    philox4x64_key_t k = {{key[0], key[1]}};
    philox4x64_ctr_t r = philox4x64(c, k);
    memcpy(out, r.v, sizeof r.v);
}

void ss_rng_point_hash_init(ss_rng_point_hash *st, size_t n)
{
    st->h[0] = UINT64_C(0x243f6a8885a308d3);
    st->h[1] = UINT64_C(0x13198a2e03707344);
    st->i = 0;
    st->n = n;
}

void ss_rng_point_hash_absorb(ss_rng_point_hash *st, const double *values,
                              size_t count)
{
    /* Philox as a compression function: each value, with its position and
     * the point's length, is enciphered under the running hash as key. */
    for (size_t k = 0; k < count; k++, st->i++) {
        double v = values[k] == 0.0 ? 0.0 : values[k];
        uint64_t bits;
        memcpy(&bits, &v, sizeof bits);
        uint64_t ctr[4] = {bits, (uint64_t)st->i, (uint64_t)st->n,
                           UINT64_C(0x7053574550504f49)};
        uint64_t out[4];
        ss__rng_philox4x64(ctr, st->h, out);
        st->h[0] = out[0];
        st->h[1] = out[1];
    }
}

uint64_t ss_rng_point_hash_final(const ss_rng_point_hash *st)
{
    return st->h[0] ^ st->h[1];
}

uint64_t ss_rng_point_key(const double *values, size_t n)
{
    ss_rng_point_hash st;
    ss_rng_point_hash_init(&st, n);
    ss_rng_point_hash_absorb(&st, values, n);
    return ss_rng_point_hash_final(&st);
}

void ss_rng_stream_init(ss_rng_stream *s, uint64_t seed, uint64_t point_key,
                        uint64_t repeat)
{
    s->key[0] = seed;
    s->key[1] = point_key;
    s->repeat = repeat;
}

void ss_rng_seq_init(ss_rng_seq *q, const ss_rng_stream *s,
                     uint64_t substream)
{
    q->ctr[0] = 0;
    q->ctr[1] = substream;
    q->ctr[2] = s->repeat;
    q->ctr[3] = 0;
    q->key[0] = s->key[0];
    q->key[1] = s->key[1];
    q->pos = 0;
    q->block_valid = 0;
    q->has_spare = 0;
    q->spare = 0.0;
}

void ss__rng_seq_skip(ss_rng_seq *q, uint64_t n)
{
    q->pos += n;
}

uint64_t ss_rng_next_u64(ss_rng_seq *q)
{
    uint64_t b = q->pos / 4;
    if (!q->block_valid || q->ctr[0] != b) {
        q->ctr[0] = b;
        ss__rng_philox4x64(q->ctr, q->key, q->block);
        q->block_valid = 1;
    }
    return q->block[q->pos++ % 4];
}

double ss__rng_u01(uint64_t word)
{
    return (double)(word >> 11) * 0x1.0p-53;
}

double ss_rng_uniform(ss_rng_seq *q)
{
    return ss__rng_u01(ss_rng_next_u64(q));
}

double ss__rng_log(double x)
{
    /* x = m 2^k with m in [sqrt(1/2), sqrt(2)); log m = 2 atanh(s) with
     * s = (m - 1) / (m + 1), |s| < 0.172, summed as an odd series. The
     * exponent is read from the bits (x is positive and normal for every
     * caller; a subnormal is scaled up first). */
    static const double ln2_hi = 0x1.62e42fefa3800p-1;
    static const double ln2_lo = 0x1.ef35793c76730p-45;
    int k = 0;
    if (x < 0x1p-1022) {
        x *= 0x1p54;
        k = -54;
    }
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    k += (int)((bits >> 52) & 0x7ff) - 1023;
    bits = (bits & UINT64_C(0x000fffffffffffff)) | UINT64_C(0x3ff0000000000000);
    double m;
    memcpy(&m, &bits, sizeof m); /* in [1, 2) */
    if (m > 0x1.6a09e667f3bcdp0) {
        m *= 0.5;
        k += 1;
    }
    double f = m - 1.0;
    double s = f / (2.0 + f);
    double z = s * s;
    /* 1 + z/3 + z^2/5 + ... + z^11/23 (the next term is below 2^-60), in
     * Estrin's order: a short dependency chain. */
    double z2 = z * z, z4 = z2 * z2, z8 = z4 * z4;
    double q0 = 1.0 + z * (1.0 / 3), q1 = 1.0 / 5 + z * (1.0 / 7),
           q2 = 1.0 / 9 + z * (1.0 / 11), q3 = 1.0 / 13 + z * (1.0 / 15),
           q4 = 1.0 / 17 + z * (1.0 / 19), q5 = 1.0 / 21 + z * (1.0 / 23);
    double series = (q0 + z2 * q1) + z4 * (q2 + z2 * q3) +
                    z8 * (q4 + z2 * q5);
    double log_m = 2.0 * s * series;
    return (double)k * ln2_hi + ((double)k * ln2_lo + log_m);
}

double ss_rng_normal(ss_rng_seq *q)
{
    if (q->has_spare) {
        q->has_spare = 0;
        return q->spare;
    }
    double x, y, r2;
    do {
        x = 2.0 * ss_rng_uniform(q) - 1.0;
        y = 2.0 * ss_rng_uniform(q) - 1.0;
        r2 = x * x + y * y;
    } while (r2 >= 1.0 || r2 == 0.0);
    double scale = sqrt(-2.0 * ss__rng_log(r2) / r2);
    q->spare = y * scale;
    q->has_spare = 1;
    return x * scale;
}
