/* SIMD lanes of the fast kernels: the vector types, the time loop's
 * inputs and outputs. Internal to the model module. */
#ifndef SYNSWEEP_LANES_H
#define SYNSWEEP_LANES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "synsweep/model.h"

#define L SS_MODEL_LANES

/* Vectors of the L lanes (GCC and clang vector extensions: the compiler
 * lowers them to the instructions of the target the file is built for). */
typedef double vd __attribute__((vector_size(8 * L)));
typedef long long vl __attribute__((vector_size(8 * L)));

static inline __attribute__((always_inline)) vd vload(const double *p)
{
    vd v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline __attribute__((always_inline)) vd vsplat(double x)
{
    return (vd){0} + x;
}

static inline __attribute__((always_inline)) vd vselect(vl mask, vd yes,
                                                        vd no)
{
    return (vd)(((vl)yes & mask) | ((vl)no & ~mask));
}

typedef struct lanes {
    vd V_th, V_reset, V_init, E_L, VE, VI, k, r_gL, tref_dt, a_E, a_I, w_E,
        w_I, I_inj;
    int noise;       /* some lane has I_sigma > 0: read f->current */
    size_t Lt;
} lanes;

typedef struct lane_sums {
    vd v, fmp, fmp_sq, gE, gI; /* fmp sums are of fmp - V_init */
    size_t n_spikes[L];
} lane_sums;

/* log x of the lanes, for x in (0, 1] normal: ss__rng_log's arithmetic in
 * every lane, so each lane gives ss__rng_log's bits. */
static inline __attribute__((always_inline)) vd vlog(vd x)
{
    const vl exp_mask = (vl){0} + 0x7ff, mant = (vl){0} + 0x000fffffffffffffLL,
             one_bits = (vl){0} + 0x3ff0000000000000LL;
    vl bits = (vl)x;
    vl e = ((bits >> 52) & exp_mask) - 1023;
    vd m = (vd)((bits & mant) | one_bits); /* in [1, 2) */
    vl big = m > vsplat(0x1.6a09e667f3bcdp0);
    m = vselect(big, m * vsplat(0.5), m);
    e = e - big; /* big is -1 where true */
    vd f = m - vsplat(1.0);
    vd s = f / (vsplat(2.0) + f);
    vd z = s * s;
    vd z2 = z * z, z4 = z2 * z2, z8 = z4 * z4;
    vd q0 = vsplat(1.0) + z * vsplat(1.0 / 3),
       q1 = vsplat(1.0 / 5) + z * vsplat(1.0 / 7),
       q2 = vsplat(1.0 / 9) + z * vsplat(1.0 / 11),
       q3 = vsplat(1.0 / 13) + z * vsplat(1.0 / 15),
       q4 = vsplat(1.0 / 17) + z * vsplat(1.0 / 19),
       q5 = vsplat(1.0 / 21) + z * vsplat(1.0 / 23);
    vd series = (q0 + z2 * q1) + z4 * (q2 + z2 * q3) + z8 * (q4 + z2 * q5);
    vd log_m = vsplat(2.0) * s * series;
    vd k = __builtin_convertvector(e, vd);
    return k * vsplat(0x1.62e42fefa3800p-1) +
           (k * vsplat(0x1.ef35793c76730p-45) + log_m);
}

/* log x for x in (0, 1] normal, the fast draws' log (the gaps of the
 * fast lif_cond and lif_cond_stp): x = 2^k m, m in [1, 2); with c the
 * centre of m's 128th of [1, 2) (from m's top 7 bits) and r = m / c - 1
 * (|r| <= 1/256: m times the table's 1 / c, less 1), log x = k log 2 +
 * log c + log(1 + r), the last by its Taylor series to r^6 (the rest is
 * below 2^-58). No division: a multiply, two table reads and a short
 * polynomial. Its absolute error is a few 2^-54 (the table's entries and
 * the rounding of m / c), below the resolution of the uniforms it is taken
 * of (2^-53), and it is never positive (rounding near x = 1 is clamped
 * to 0). The lanes (lanes.c: vlog_fast) do these operations in this
 * order, so they give this function's bits. */
extern const double ss__fast_log_tab[256];

#define SS_LN2_HI 0x1.62e42fefa3800p-1
#define SS_LN2_LO 0x1.ef35793c76730p-45

static inline double ss__fast_log(double x)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int64_t k = (int64_t)(bits >> 52) - 1023;
    uint64_t i = (bits >> 45) & 127;
    uint64_t mb = (bits & UINT64_C(0x000fffffffffffff)) |
                  UINT64_C(0x3ff0000000000000);
    double m;
    memcpy(&m, &mb, sizeof m);
    double invc = ss__fast_log_tab[2 * i], logc = ss__fast_log_tab[2 * i + 1];
    double r = m * invc - 1.0;
    double r2 = r * r;
    double p = r + r2 * ((-0.5 + r * (1.0 / 3)) +
                         r2 * ((-0.25 + r * 0.2) + r2 * (-1.0 / 6)));
    double kd = (double)k;
    double y = kd * SS_LN2_HI + (logc + (kd * SS_LN2_LO + p));
    return y > 0 ? 0.0 : y;
}

/* The kernels of lanes.c, one definition per instruction set: the time
 * loop of L trials (it reads in_E and in_I and leaves them zero), and the
 * logs of L values (ss__rng_log's bits in each lane). */
#define SS_MEMBRANE_ARGS                                                     \
    const lanes *c, double *in_E, double *in_I, const double *current,       \
        size_t *spikes, lane_sums *out
#define SS_LANE_VARIANT(v)                                                   \
    void ss__membrane_##v(SS_MEMBRANE_ARGS);                                 \
    void ss__log_lanes_##v(const double *x, double *out);                    \
    void ss__fast_log_lanes_##v(const double *x, double *out);
SS_LANE_VARIANT(base)
SS_LANE_VARIANT(avx2)
SS_LANE_VARIANT(avx512)

/* The input generators of lanes.c (declared at the end of this file). */
struct ss__stp_lanes;
struct ss__pop_lanes;
struct ss__train_lanes;
#define SS_PHILOX_ARGS                                                      \
    uint64_t key, const uint64_t *sub, uint64_t b0, uint64_t dv,             \
        uint64_t di, size_t nvec, uint64_t *out
#define SS_GAPS_ARGS                                                        \
    const uint64_t *words, size_t n, double scale, double *out

typedef struct ss__lane_set {
    void (*membrane)(SS_MEMBRANE_ARGS);
    void (*log)(const double *x, double *out);
    void (*philox)(SS_PHILOX_ARGS);
    void (*gaps)(SS_GAPS_ARGS);
    void (*stp)(const struct ss__stp_lanes *a);
    void (*pop)(struct ss__pop_lanes *a);
    void (*trains)(struct ss__train_lanes *a);
    void (*fast_log)(const double *x, double *out);
} ss__lane_set;

/* The widest set the processor runs. */
const ss__lane_set *ss__lane_kernels(void);

/* ---- input generation in lanes --------------------------------------- */

/* Blocks of the fast kernels' draws under key (fast_trains.h: two
 * Philox4x32-10 blocks make one of 4 words), nvec vectors of L: lane i of
 * vector v is block b0 + v dv + i di of substream sub[i], its words at
 * out[(4 v + w) L + i], w = 0..3: ss__fast_block's bits in every lane.
 * ss__gaps_lanes: out[i] = log(1 - u01(words[i])) * scale for i < n (n a
 * multiple of L), the gaps' arithmetic of the fast kernels, ss__fast_log's
 * bits in every entry. */
#define SS_INPUT_VARIANT(v)                                                  \
    void ss__philox_lanes_##v(SS_PHILOX_ARGS);                               \
    void ss__gaps_lanes_##v(SS_GAPS_ARGS);
SS_INPUT_VARIANT(base)
SS_INPUT_VARIANT(avx2)
SS_INPUT_VARIANT(avx512)

/* x^n by squaring: the Euler factor of n bins without a spike. One
 * definition for the kernels and the lanes, so they agree to the bit. */
static inline double ss__power(double x, uint64_t n)
{
    double r = 1.0;
    while (n) {
        if (n & 1)
            r *= x;
        x *= x;
        n >>= 1;
    }
    return r;
}

/* L Tsodyks-Markram synapses of one population side by side, lane i with
 * its spikes at bins[k L + i] for k < n[i] (each >= 1, increasing; what
 * the lane's rows hold past n[i], up to kmax, is never used), from
 * u = 0, R = 1 at bin 0: the fast kernels' steps (model_fast.c), the
 * increment g_bar R u of lane i's k-th spike into inc[k L + i]. Between
 * spikes, u and 1 - R scale by x^q for q quiet bins: x^q = hi[q >> 6]
 * lo[q & 63] for q < 4096 (the tables of x = keep_u, keep_1mR), by
 * squaring beyond. */
typedef struct ss__stp_lanes {
    const int64_t *bins;
    double *inc;
    int64_t n[L];
    size_t kmax; /* the largest n[i] */
    double g_bar, U0, a_d, a_f;
    double keep_u, keep_1mR;
    const double *u_lo, *u_hi, *R_lo, *R_hi;
} ss__stp_lanes;

void ss__stp_lanes_base(const ss__stp_lanes *a);
void ss__stp_lanes_avx2(const ss__stp_lanes *a);
void ss__stp_lanes_avx512(const ss__stp_lanes *a);

/* The count of a static population's non-empty bin from frac X (see
 * pop_law in fast_trains.h): the smallest k >= 1 with frac >= t[k], t
 * decreasing, t[K] = 0. */
static inline unsigned ss__pop_count(const double *t, size_t K, double frac)
{
    if (frac >= t[1])
        return 1;
    size_t lo = 2, hi = K; /* the answer is in [lo, hi] */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (frac >= t[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return (unsigned)lo;
}

/* A static population's non-empty bins from its scaled draws X (x[0..n),
 * n a multiple of L, in the order of its sequence), as pop_gaps reads
 * them: from bin on, each draw's bin is bin + 1 + floor(X) and its count
 * ss__pop_count(frac X), stored into in[b L] (a lane of the per-bin
 * inputs); bin is left at the last bin stored, or at Lt once a bin
 * reaches Lt (the draws after that are not read). The bins of L draws are
 * found at once (a prefix sum across the lanes); only the integers and
 * exact differences of the scalar steps are computed, so every variant
 * gives the scalar steps' bins and counts. */
typedef struct ss__pop_lanes {
    const double *x;
    size_t n;
    int64_t bin, Lt;
    const double *t; /* the law's t[1..K] */
    size_t K;
    double *in;
} ss__pop_lanes;

void ss__pop_lanes_base(ss__pop_lanes *a);
void ss__train_lanes_base(struct ss__train_lanes *a);
void ss__train_lanes_avx2(struct ss__train_lanes *a);
void ss__train_lanes_avx512(struct ss__train_lanes *a);
void ss__pop_lanes_avx2(ss__pop_lanes *a);
void ss__pop_lanes_avx512(ss__pop_lanes *a);

/* The spike bins of L trains side by side from their first draws: lane
 * i's scaled draw m (log U / log(1 - p), as the gaps read it) at x[m L +
 * i], m < nw; its spikes bin + 1 + floor(X) from bin = -1 on, the gaps'
 * steps (fast_trains.h: gaps_next), spike k at bins[k L + i] while below
 * Lt. Out: n[i] spikes; last[i] the last bin, or Lt when lane i's train
 * has ended (then the draws after the one that ended it are not read),
 * its draws all read otherwise. zero is set, and nothing else, when a
 * lane's first spike is at bin 0 (which the kernels skip: the caller then
 * reads those trains one at a time). Integer steps and exact conversions
 * only: every variant gives the scalar steps' bins. */
typedef struct ss__train_lanes {
    const double *x;
    size_t nw;
    int64_t Lt;
    int64_t *bins;
    int64_t n[L], last[L];
    int zero;
} ss__train_lanes;

#endif
