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

/* The lanes where mask is set, as bits. */
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

/* Bins between checks for output spikes: the time loop only notes each
 * step's spike mask; the spikes are read out once per tile. */
#define TILE 64

/* The tutorial's per-step order for each lane: the refractory clamp (counter
 * tref/dt), else the threshold test (spike, reset), then g at it + 1, then
 * the Euler step of v (and of the threshold-free fmp) with g at it + 1 and
 * v, I at it. The step is the tutorial's
 *   v + k (-(v - E_L) - gE/g_L (v - VE) - gI/g_L (v - VI) + I/g_L)
 * regrouped as A v + B, with A and B free of v: the chain from one v to the
 * next is one multiply and one add, and both runs share A and B. */
#define SS_CAT_(a, b) a##b
#define SS_CAT(a, b) SS_CAT_(a, b)

void SS_CAT(ss__membrane_, SS_VARIANT)(SS_MEMBRANE_ARGS)
{
    const size_t Lt = c->Lt;
    const vd one = vsplat(1.0), zero = vsplat(0.);
    memset(in_E, 0, L * sizeof *in_E); /* bin 0 is never read */
    memset(in_I, 0, L * sizeof *in_I);
    const vd kg = c->k * c->r_gL, A0 = one - c->k, kE_L = c->k * c->E_L;
    vd v = c->V_init, fmp = c->V_init, gE = zero, gI = zero, tr = zero;
    vd sum_v = zero, sum_f = zero, sum_f2 = zero, sum_gE = zero,
       sum_gI = zero;
    size_t n[L] = {0};
    uint8_t tile[TILE];
    for (size_t t0 = 0; t0 + 1 < Lt; t0 += TILE) {
        const size_t t1 = t0 + TILE < Lt - 1 ? t0 + TILE : Lt - 1;
        unsigned any = 0;
        for (size_t it = t0; it < t1; it++) {
            vl refractory = tr > zero;
            vl spike = ~refractory & (v >= c->V_th);
            v = vselect(refractory | spike, c->V_reset, v);
            tr = vselect(refractory, tr - one, vselect(spike, c->tref_dt, tr));
            unsigned bits = mask_bits(spike);
            tile[it - t0] = (uint8_t)bits;
            any |= bits;
            vd f = fmp - c->V_init;
            sum_v += v;
            sum_f += f;
            sum_f2 += f * f;
            sum_gE += gE;
            sum_gI += gI;

            gE = gE - c->a_E * gE + c->w_E * vload(in_E + (it + 1) * L);
            gI = gI - c->a_I * gI + c->w_I * vload(in_I + (it + 1) * L);
            /* leave the inputs zero for the next trials */
            memset(in_E + (it + 1) * L, 0, L * sizeof *in_E);
            memset(in_I + (it + 1) * L, 0, L * sizeof *in_I);
            vd I = c->noise ? vload(current + it * L) : c->I_inj;
            vd A = A0 - kg * (gE + gI);
            vd B = kE_L + kg * (gE * c->VE + gI * c->VI + I);
            v = A * v + B;
            fmp = A * fmp + B;
        }
        for (size_t it = t0; any && it < t1; it++) {
            for (unsigned bits = tile[it - t0]; bits; bits &= bits - 1) {
                unsigned l = (unsigned)__builtin_ctz(bits);
                spikes[l * Lt + n[l]++] = it;
            }
        }
    }
    vd f = fmp - c->V_init; /* the last bin, never tested */
    out->v = sum_v + v;
    out->fmp = sum_f + f;
    out->fmp_sq = sum_f2 + f * f;
    out->gE = sum_gE + gE;
    out->gI = sum_gI + gI;
    memcpy(out->n_spikes, n, sizeof n);
}


void SS_CAT(ss__log_lanes_, SS_VARIANT)(const double *x, double *out)
{
    vd y = vlog(vload(x));
    memcpy(out, &y, sizeof y);
}
