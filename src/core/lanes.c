/* The lane kernels of the fast kernels: the time loop of L trials in SIMD
 * lanes, and L logs at once. Built once per instruction set, SS_VARIANT
 * naming it (see CMakeLists.txt); the fast kernels call the widest the
 * processor has. */
#include <stdint.h>
#include <string.h>

#include "lanes.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

/* The lanes where mask is set, as bits: for the 8-lane vectors of lanes.h
 * (the input kernels below); the time loop has its own, on its width. */
static inline unsigned mask_bits(vl mask)
{
#if defined(__AVX512DQ__) && L == 8
    __m512i m;
    memcpy(&m, &mask, sizeof m);
    return _mm512_movepi64_mask(m);
#elif defined(__AVX__) && L == 8
    __m256d lo, hi;
    memcpy(&lo, &mask, sizeof lo);
    memcpy(&hi, (const char *)&mask + sizeof lo, sizeof hi);
    return (unsigned)_mm256_movemask_pd(lo) |
           (unsigned)_mm256_movemask_pd(hi) << 4;
#else
    long long m[L];
    memcpy(m, &mask, sizeof m);
    unsigned bits = 0;
    for (unsigned l = 0; l < L; l++)
        bits |= (unsigned)(m[l] & 1) << l;
    return bits;
#endif
}

/* The time loop works on the processor's own vectors: W lanes each (the
 * widest the variant is built for), G = L / W groups of them per step. The
 * groups are independent, so their chains overlap; and no operation is
 * wider than the registers, which the compiler would otherwise split lane
 * by lane. */
#if defined(__AVX512F__)
#define W 8
#elif defined(__AVX__)
#define W 4
#else
#define W 2
#endif
#define G (L / W)

typedef double vw __attribute__((vector_size(8 * W)));
typedef long long vwl __attribute__((vector_size(8 * W)));

static inline __attribute__((always_inline)) vw wload(const double *p)
{
    vw v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline __attribute__((always_inline)) vw wsplat(double x)
{
    return (vw){0} + x;
}

/* Masks of W lanes (mask registers on AVX-512, all-ones lanes elsewhere):
 * the comparisons a > b and a >= b (false for NaN, as in C), not, or,
 * select, and the mask as bits, lane 0 lowest. */
#if defined(__AVX512F__)
typedef __mmask8 wmask;
static inline __attribute__((always_inline)) wmask wgt(vw a, vw b)
{
    return _mm512_cmp_pd_mask((__m512d)a, (__m512d)b, _CMP_GT_OQ);
}
/* a >= b in the lanes of keep, false elsewhere */
static inline __attribute__((always_inline)) wmask wge_in(wmask keep, vw a,
                                                          vw b)
{
    return _mm512_mask_cmp_pd_mask(keep, (__m512d)a, (__m512d)b,
                                   _CMP_GE_OQ);
}
static inline __attribute__((always_inline)) wmask wnot(wmask a)
{
    return (wmask)~a;
}
static inline __attribute__((always_inline)) wmask wor(wmask a, wmask b)
{
    return a | b;
}
static inline __attribute__((always_inline)) vw wselect(wmask m, vw yes,
                                                        vw no)
{
    return (vw)_mm512_mask_blend_pd(m, (__m512d)no, (__m512d)yes);
}
static inline __attribute__((always_inline)) unsigned wbits(wmask m)
{
    return m;
}
#else
typedef vwl wmask;
static inline __attribute__((always_inline)) wmask wgt(vw a, vw b)
{
    return a > b;
}
static inline __attribute__((always_inline)) wmask wge_in(wmask keep, vw a,
                                                          vw b)
{
    return keep & (a >= b);
}
static inline __attribute__((always_inline)) wmask wnot(wmask a)
{
    return ~a;
}
static inline __attribute__((always_inline)) wmask wor(wmask a, wmask b)
{
    return a | b;
}
static inline __attribute__((always_inline)) vw wselect(wmask m, vw yes,
                                                        vw no)
{
#if defined(__AVX__)
    return (vw)_mm256_blendv_pd((__m256d)no, (__m256d)yes, (__m256d)m);
#else
    return (vw)(((vwl)yes & m) | ((vwl)no & ~m));
#endif
}
static inline __attribute__((always_inline)) unsigned wbits(wmask m)
{
#if defined(__AVX__)
    return (unsigned)_mm256_movemask_pd((__m256d)m);
#elif defined(__SSE2__)
    return (unsigned)_mm_movemask_pd((__m128d)m);
#else
    unsigned bits = 0;
    for (unsigned l = 0; l < W; l++)
        bits |= (unsigned)(m[l] & 1) << l;
    return bits;
#endif
}
#endif

/* Bins between checks for output spikes: the time loop only notes each
 * step's spike mask; the spikes are read out once per tile. */
#define TILE 64

/* The constants of a group of W lanes, in the loop's form. */
typedef struct group_consts {
    vw V_th, V_reset, V_init, tref_dt, a_E, a_I, w_E, w_I, I_inj, kg, A0,
        kE_L, VE, VI;
} group_consts;

static inline __attribute__((always_inline)) vw part(vd x, size_t g)
{
    vw y;
    memcpy(&y, (const char *)&x + g * sizeof y, sizeof y);
    return y;
}

static inline __attribute__((always_inline)) void put_part(vd *x, size_t g,
                                                           vw y)
{
    memcpy((char *)x + g * sizeof y, &y, sizeof y);
}

/* The tutorial's per-step order for each lane: the refractory clamp (counter
 * tref/dt), else the threshold test (spike, reset), then g at it + 1, then
 * the Euler step of v (and of the threshold-free fmp) with g at it + 1 and
 * v, I at it. The step is the tutorial's
 *   v + k (-(v - E_L) - gE/g_L (v - VE) - gI/g_L (v - VI) + I/g_L)
 * regrouped as A v + B, with A and B free of v: the chain from one v to the
 * next is one multiply and one add, and both runs share A and B. With
 * noise = 0 the current is I_inj (a constant the compiler folds in). With
 * unit = 1 the inputs are the conductance increments themselves (w_E and
 * w_I are 1 in every lane: lif_cond_stp), added without the multiply by 1,
 * which changes nothing. */
static inline __attribute__((always_inline)) void
membrane(const lanes *c, double *restrict in_E, double *restrict in_I,
         const double *restrict current, size_t *restrict spikes,
         lane_sums *out, const int noise, const int unit)
{
    const size_t Lt = c->Lt;
    const vw one = wsplat(1.0), zero = wsplat(0.);
    group_consts k[G];
    vw v[G], fmp[G], gE[G], gI[G], tr[G];
    vw sum_v[G], sum_f[G], sum_f2[G], sum_gE[G], sum_gI[G];
    for (size_t g = 0; g < G; g++) {
        group_consts *q = &k[g];
        q->V_th = part(c->V_th, g);
        q->V_reset = part(c->V_reset, g);
        q->V_init = part(c->V_init, g);
        q->tref_dt = part(c->tref_dt, g);
        q->a_E = part(c->a_E, g);
        q->a_I = part(c->a_I, g);
        q->w_E = part(c->w_E, g);
        q->w_I = part(c->w_I, g);
        q->I_inj = part(c->I_inj, g);
        q->kg = part(c->k, g) * part(c->r_gL, g);
        q->A0 = one - part(c->k, g);
        q->kE_L = part(c->k, g) * part(c->E_L, g);
        q->VE = part(c->VE, g);
        q->VI = part(c->VI, g);
        v[g] = fmp[g] = q->V_init;
        gE[g] = gI[g] = tr[g] = zero;
        sum_v[g] = sum_f[g] = sum_f2[g] = sum_gE[g] = sum_gI[g] = zero;
    }
    memset(in_E, 0, L * sizeof *in_E); /* bin 0 is never read */
    memset(in_I, 0, L * sizeof *in_I);
    size_t n[L] = {0};
    _Static_assert(L <= 8 && TILE % 8 == 0, "a step's spikes in a byte");
    uint8_t tile[TILE];
    for (size_t t0 = 0; t0 + 1 < Lt; t0 += TILE) {
        const size_t t1 = t0 + TILE < Lt - 1 ? t0 + TILE : Lt - 1;
        for (size_t it = t0; it < t1; it++) {
            const double *e = in_E + (it + 1) * L, *i = in_I + (it + 1) * L;
            unsigned bits = 0;
#pragma GCC unroll 4
            for (size_t g = 0; g < G; g++) {
                const group_consts *q = &k[g];
                wmask refractory = wgt(tr[g], zero);
                wmask spike = wge_in(wnot(refractory), v[g], q->V_th);
                v[g] = wselect(wor(refractory, spike), q->V_reset, v[g]);
                tr[g] = wselect(refractory, tr[g] - one,
                                wselect(spike, q->tref_dt, tr[g]));
                bits |= wbits(spike) << (g * W);
                vw f = fmp[g] - q->V_init;
                sum_v[g] += v[g];
                sum_f[g] += f;
                sum_f2[g] += f * f;
                sum_gE[g] += gE[g];
                sum_gI[g] += gI[g];

                const vw kick_E = unit ? wload(e + g * W)
                                       : q->w_E * wload(e + g * W),
                         kick_I = unit ? wload(i + g * W)
                                       : q->w_I * wload(i + g * W);
                gE[g] = gE[g] - q->a_E * gE[g] + kick_E;
                gI[g] = gI[g] - q->a_I * gI[g] + kick_I;
                vw I = noise ? wload(current + it * L + g * W) : q->I_inj;
                vw A = q->A0 - q->kg * (gE[g] + gI[g]);
                vw B = q->kE_L + q->kg * (gE[g] * q->VE + gI[g] * q->VI + I);
                v[g] = A * v[g] + B;
                fmp[g] = A * fmp[g] + B;
            }
            /* leave the inputs zero for the next trials (stores beside
             * the arithmetic: cheaper here than a memset per tile) */
            memset(in_E + (it + 1) * L, 0, L * sizeof *in_E);
            memset(in_I + (it + 1) * L, 0, L * sizeof *in_I);
            tile[it - t0] = (uint8_t)bits;
        }
        /* the steps with spikes, 8 steps' masks a word (read here, not
         * in the loop: one op less per step; a tile's steps past t1 are
         * none) */
        memset(tile + (t1 - t0), 0, TILE - (t1 - t0));
        for (size_t j = 0; j < TILE / 8; j++) {
            uint64_t word;
            memcpy(&word, tile + 8 * j, sizeof word);
            while (word) {
                const unsigned at = (unsigned)__builtin_ctzll(word) / 8;
                const size_t it = t0 + 8 * j + at;
                for (unsigned bits = (unsigned)(word >> (8 * at)) & 0xff;
                     bits; bits &= bits - 1) {
                    unsigned l = (unsigned)__builtin_ctz(bits);
                    spikes[l * Lt + n[l]++] = it;
                }
                word &= ~(UINT64_C(0xff) << (8 * at));
            }
        }
    }
    for (size_t g = 0; g < G; g++) {
        vw f = fmp[g] - k[g].V_init; /* the last bin, never tested */
        put_part(&out->v, g, sum_v[g] + v[g]);
        put_part(&out->fmp, g, sum_f[g] + f);
        put_part(&out->fmp_sq, g, sum_f2[g] + f * f);
        put_part(&out->gE, g, sum_gE[g] + gE[g]);
        put_part(&out->gI, g, sum_gI[g] + gI[g]);
    }
    memcpy(out->n_spikes, n, sizeof n);
}

#define SS_CAT_(a, b) a##b
#define SS_CAT(a, b) SS_CAT_(a, b)

void SS_CAT(ss__membrane_, SS_VARIANT)(SS_MEMBRANE_ARGS)
{
    int unit = 1;
    for (size_t l = 0; l < L; l++)
        unit &= c->w_E[l] == 1.0 && c->w_I[l] == 1.0;
    if (c->noise && unit)
        membrane(c, in_E, in_I, current, spikes, out, 1, 1);
    else if (c->noise)
        membrane(c, in_E, in_I, current, spikes, out, 1, 0);
    else if (unit)
        membrane(c, in_E, in_I, current, spikes, out, 0, 1);
    else
        membrane(c, in_E, in_I, current, spikes, out, 0, 0);
}

void SS_CAT(ss__log_lanes_, SS_VARIANT)(const double *x, double *out)
{
    vd y = vlog(vload(x));
    memcpy(out, &y, sizeof y);
}

static inline __attribute__((always_inline)) vd gather(const double *t,
                                                       vl idx);

/* ss__fast_log (lanes.h) in every lane, the same operations in the same
 * order. */
static inline __attribute__((always_inline)) vd vlog_fast(vd x)
{
    const vl mant = (vl){0} + 0x000fffffffffffffLL,
             one_bits = (vl){0} + 0x3ff0000000000000LL;
    vl bits = (vl)x;
    vl k = (bits >> 52) - 1023; /* x > 0: no sign bit */
    vl i2 = ((bits >> 45) & 127) * 2;
    vd m = (vd)((bits & mant) | one_bits);
    vd invc = gather(ss__fast_log_tab, i2),
       logc = gather(ss__fast_log_tab, i2 + 1);
    vd r = m * invc - vsplat(1.0);
    vd r2 = r * r;
    vd p = r + r2 * ((vsplat(-0.5) + r * vsplat(1.0 / 3)) +
                     r2 * ((vsplat(-0.25) + r * vsplat(0.2)) +
                           r2 * vsplat(-1.0 / 6)));
    vd kd = __builtin_convertvector(k, vd);
    vd y = kd * vsplat(SS_LN2_HI) + (logc + (kd * vsplat(SS_LN2_LO) + p));
    return vselect(y > vsplat(0.0), vsplat(0.0), y);
}

void SS_CAT(ss__fast_log_lanes_, SS_VARIANT)(const double *x, double *out)
{
    vd y = vlog_fast(vload(x));
    memcpy(out, &y, sizeof y);
}

/* ---- input generation ------------------------------------------------ */

typedef unsigned long long vu __attribute__((vector_size(8 * L)));

static inline __attribute__((always_inline)) vu vu_load(const uint64_t *p)
{
    vu v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* The 64-bit products of the low 32 bits of a and b, lane by lane: one
 * vpmuludq (the compiler does not always see it in (a & m) * (b & m)). */
static inline __attribute__((always_inline)) vu mul32(vu a, vu b)
{
#if defined(__AVX512F__) && L == 8
    __m512i x, y, r;
    memcpy(&x, &a, sizeof x);
    memcpy(&y, &b, sizeof y);
    r = _mm512_mul_epu32(x, y);
    vu out;
    memcpy(&out, &r, sizeof out);
    return out;
#elif defined(__AVX2__) && L == 8
    __m256i x[2], y[2], r[2];
    memcpy(x, &a, sizeof x);
    memcpy(y, &b, sizeof y);
    r[0] = _mm256_mul_epu32(x[0], y[0]);
    r[1] = _mm256_mul_epu32(x[1], y[1]);
    vu out;
    memcpy(&out, r, sizeof out);
    return out;
#else
    const vu m = (vu){0} + 0xffffffffULL;
    return (a & m) * (b & m);
#endif
}

/* Random123's philox4x32 (10 rounds) in the lanes, a 32-bit word in each
 * 64-bit lane: its round is (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0) with
 * (hi0, lo0) = M0 c0 and (hi1, lo1) = M1 c2, the key bumped by the Weyl
 * constants between rounds. Only the low 32 bits of a lane are the word:
 * the multiply reads nothing else, and the xors and the products' high
 * halves carry nothing from above, so the high bits are left as they fall
 * and cleared once at the end. Lane i of vector v is the pair of blocks
 * 2 c, 2 c + 1 for c = block + v dv (fast_trains.h: ss__fast_block). NV
 * vectors at once: one vector's rounds are a chain of multiply latencies,
 * so several interleave to keep the multiplier busy. */
static inline __attribute__((always_inline)) void
philox_vectors(uint32_t rk[10][2], vu sub, vu block, uint64_t dv,
               uint64_t *out, const int NV)
{
    const vu m = (vu){0} + 0xffffffffULL;
    const vu M0 = (vu){0} + 0xD2511F53ULL, M1 = (vu){0} + 0xCD9E8D57ULL;
    vu c0[8], c1[8], c2[8], c3[8];
    for (int v = 0; v < 2 * NV; v++) {
        vu c = 2 * (block + (uint64_t)(v >> 1) * dv) + (uint64_t)(v & 1);
        c0[v] = c;
        c1[v] = c >> 32;
        c2[v] = sub;
        c3[v] = sub >> 32;
    }
    for (int r = 0; r < 10; r++) {
        const vu k0 = (vu){0} + rk[r][0], k1 = (vu){0} + rk[r][1];
        for (int v = 0; v < 2 * NV; v++) {
            vu p0 = mul32(c0[v], M0), p1 = mul32(c2[v], M1);
            c0[v] = (p1 >> 32) ^ c1[v] ^ k0;
            c1[v] = p1;
            c2[v] = (p0 >> 32) ^ c3[v] ^ k1;
            c3[v] = p0;
        }
    }
    for (int v = 0; v < 2 * NV; v++) {
        vu w0 = (c0[v] & m) | (c1[v] << 32), w1 = (c2[v] & m) | (c3[v] << 32);
        memcpy(out + (2 * v + 0) * L, &w0, sizeof w0);
        memcpy(out + (2 * v + 1) * L, &w1, sizeof w1);
    }
}

void SS_CAT(ss__philox_lanes_, SS_VARIANT)(SS_PHILOX_ARGS)
{
    uint32_t rk[10][2];
    uint32_t k0 = (uint32_t)key, k1 = (uint32_t)(key >> 32);
    for (int r = 0; r < 10; r++) {
        rk[r][0] = k0;
        rk[r][1] = k1;
        k0 += 0x9E3779B9U;
        k1 += 0xBB67AE85U;
    }
    vu lane = {0};
    for (unsigned i = 0; i < L; i++)
        lane[i] = i;
    const vu subs = vu_load(sub);
    vu block = (vu){0} + b0 + lane * di;
    size_t v = 0;
    for (; v + 4 <= nvec; v += 4, block += 4 * dv)
        philox_vectors(rk, subs, block, dv, out + 4 * L * v, 4);
    for (; v < nvec; v++, block += dv)
        philox_vectors(rk, subs, block, dv, out + 4 * L * v, 1);
}

/* 1 - u01(w) is exact ((2^53 - (w >> 11)) 2^-53), and so is the
 * conversion of a 53-bit integer: each entry gets the scalar path's bits. */
void SS_CAT(ss__gaps_lanes_, SS_VARIANT)(SS_GAPS_ARGS)
{
    const vd s = vsplat(scale);
    for (size_t i = 0; i < n; i += L) {
        vl w = (vl)(vu_load(words + i) >> 11);
        vd u = __builtin_convertvector(w, vd) * vsplat(0x1.0p-53);
        vd y = vlog_fast(vsplat(1.0) - u) * s;
        memcpy(out + i, &y, sizeof y);
    }
}

/* t[idx] of the lanes. */
static inline __attribute__((always_inline)) vd gather(const double *t, vl idx)
{
#if defined(__AVX512F__) && L == 8
    __m512i i;
    memcpy(&i, &idx, sizeof i);
    __m512d r = _mm512_i64gather_pd(i, t, 8);
    vd out;
    memcpy(&out, &r, sizeof out);
    return out;
#elif defined(__AVX2__) && L == 8
    __m256i i[2];
    memcpy(i, &idx, sizeof i);
    __m256d r[2] = {_mm256_i64gather_pd(t, i[0], 8),
                    _mm256_i64gather_pd(t, i[1], 8)};
    vd out;
    memcpy(&out, r, sizeof out);
    return out;
#else
    vd out;
    for (unsigned l = 0; l < L; l++)
        out[l] = t[idx[l]];
    return out;
#endif
}

/* model_fast.c's stp_synapse in every lane, the same operations in the
 * same order: one synapse's chain of updates is as long as before, but L
 * of them advance at once. */
void SS_CAT(ss__stp_lanes_, SS_VARIANT)(const ss__stp_lanes *a)
{
    const vd one = vsplat(1.0), neg_a_f = vsplat(-a->a_f),
             U0 = vsplat(a->U0), a_d = vsplat(a->a_d),
             g_bar = vsplat(a->g_bar);
    vl n;
    memcpy(&n, a->n, sizeof n);
    vd u = vsplat(0.), R = one;
    vl last = (vl){0};
    for (size_t k = 0; k < a->kmax; k++) {
        vl b;
        memcpy(&b, a->bins + k * L, sizeof b);
        vl active = ((vl){0} + (long long)k) < n;
        /* a lane past its spikes holds anything: it is made quiet */
        b = (b & active) | ((last + 1) & ~active);
        vl quiet = b - 1 - last;
        vl far = quiet >= 4096;
        vl q = (quiet & active) & ~far; /* a table index in every lane */
        vd Pu = gather(a->u_hi, q >> 6) * gather(a->u_lo, q & 63);
        vd PR = gather(a->R_hi, q >> 6) * gather(a->R_lo, q & 63);
        if (mask_bits(far & active))
            for (unsigned l = 0; l < L; l++)
                if (far[l] && active[l]) {
                    Pu[l] = ss__power(a->keep_u, (uint64_t)quiet[l]);
                    PR[l] = ss__power(a->keep_1mR, (uint64_t)quiet[l]);
                }
        vd ui = u * Pu;
        vd Ri = one - (one - R) * PR;
        vd du = neg_a_f * ui + U0 * (one - ui);
        vd u_new = ui + du;
        vd dR = a_d * (one - Ri) - u_new * Ri;
        vd inc = g_bar * Ri * u_new;
        memcpy(a->inc + k * L, &inc, sizeof inc);
        u = vselect(active, u_new, u);
        R = vselect(active, Ri + dR, R);
        last = (b & active) | (last & ~active);
    }
}

/* The bins of pop_lanes' vectors with a count other than 1 (or, without
 * AVX-512's scatter, every bin), stored by the vector loop and read back
 * after it: read at once, each would wait for its vector's store. */
#define POP_CHUNK 16 /* vectors */

static void pop_rest(const ss__pop_lanes *a, long long *bb, double *ff,
                     unsigned *rest, unsigned *ones, size_t nv)
{
    for (size_t v = 0; v < nv; v++)
        for (unsigned r = rest[v]; r; r &= r - 1) {
            unsigned l = (unsigned)__builtin_ctz(r);
            a->in[(size_t)bb[v * L + l] * L] =
                (ones[v] >> l & 1)
                    ? 1.0
                    : (double)ss__pop_count(a->t, a->K, ff[v * L + l]);
        }
}

void SS_CAT(ss__pop_lanes_, SS_VARIANT)(ss__pop_lanes *a)
{
    _Static_assert(L == 8, "the prefix sum below is written for 8 lanes");
    const vd end = vsplat((double)a->Lt), t1 = vsplat(a->t[1]);
    const vl zero = {0}, Lt = zero + a->Lt;
    /* the last bin in every lane: the next vector's start, kept in a
     * register (read back from memory, each vector would wait for the
     * previous one's store) */
    vl b = zero + a->bin;
    int ended = 0;
    long long bb[POP_CHUNK * L];
    double ff[POP_CHUNK * L];
    unsigned rest[POP_CHUNK], ones_of[POP_CHUNK];
    size_t nv = 0;
    for (size_t i = 0; i < a->n && !ended; i += L) {
        vd x = vload(a->x + i);
        /* X >= Lt is past the end from any bin >= -1: Lt is as good, and
         * converts */
        x = vselect(x < end, x, end);
        vl whole = __builtin_convertvector(x, vl); /* x >= 0: floor */
        vl s = whole + 1;
        s += __builtin_shufflevector(s, zero, 8, 0, 1, 2, 3, 4, 5, 6);
        s += __builtin_shufflevector(s, zero, 8, 8, 0, 1, 2, 3, 4, 5);
        s += __builtin_shufflevector(s, zero, 8, 8, 8, 8, 0, 1, 2, 3);
        vl bins = s + b;
        vd frac = x - __builtin_convertvector(whole, vd);
        unsigned valid = mask_bits(bins < Lt); /* a prefix of the lanes */
        unsigned ones = mask_bits(frac >= t1);
#if defined(__AVX512F__) && L == 8
        /* the bins of count 1 (nearly all) in one scatter */
        {
            __m512i at;
            vl bytes = bins * (long long)(L * sizeof(double));
            memcpy(&at, &bytes, sizeof at);
            _mm512_mask_i64scatter_pd(a->in, (__mmask8)(valid & ones), at,
                                      _mm512_set1_pd(1.0), 1);
        }
        unsigned r = valid & ~ones;
#else
        unsigned r = valid;
#endif
        if (r) {
            memcpy(bb + nv * L, &bins, sizeof bins);
            memcpy(ff + nv * L, &frac, sizeof frac);
            rest[nv] = r;
            ones_of[nv++] = ones;
            if (nv == POP_CHUNK) {
                pop_rest(a, bb, ff, rest, ones_of, nv);
                nv = 0;
            }
        }
        ended = valid != (1u << L) - 1;
        b = __builtin_shufflevector(bins, bins, 7, 7, 7, 7, 7, 7, 7, 7);
    }
    if (nv)
        pop_rest(a, bb, ff, rest, ones_of, nv);
    a->bin = ended ? a->Lt : b[0];
}

void SS_CAT(ss__train_lanes_, SS_VARIANT)(ss__train_lanes *a)
{
    const vd end = vsplat((double)a->Lt);
    const vl Lt = (vl){0} + a->Lt;
    vl b = (vl){0} - 1, n = {0}, done = {0};
    a->zero = 0;
    for (size_t m = 0; m < a->nw; m++) {
        vd x = vload(a->x + m * L);
        /* X >= Lt is past the end from any bin >= -1: Lt is as good, and
         * converts */
        x = vselect(x < end, x, end);
        vl nb = b + 1 + __builtin_convertvector(x, vl); /* x >= 0: floor */
        if (m == 0 && mask_bits(nb == 0)) {
            a->zero = 1;
            return;
        }
        done |= nb >= Lt; /* an ended train stays so */
        b = (vl)vselect(done, (vd)Lt, (vd)nb);
        n -= ~done; /* + 1 where not done */
        memcpy(a->bins + m * L, &b, sizeof b);
        if (mask_bits(done) == (1u << L) - 1)
            break;
    }
    memcpy(a->n, &n, sizeof n);
    memcpy(a->last, &b, sizeof b);
}
