/* The exact integrator's building blocks, private to model_exact.c,
 * model_exact_runs.c and model_exact_vec.c: the Gauss-Legendre rules, the
 * short exponential series four at a time, the factors of a piece length,
 * the integrator's constants and state, and the runs of bins. */
#ifndef SYNSWEEP_MODEL_EXACT_KERNELS_H
#define SYNSWEEP_MODEL_EXACT_KERNELS_H

#include <stdbool.h>
#include <string.h>

#include "model_internal.h"

/* Gauss-Legendre nodes and weights on [-1, 1]. */
static const double gl3_x[3] = {-0.774596669241483377035853079956, 0.0,
                                0.774596669241483377035853079956};
static const double gl3_w[3] = {5.0 / 9.0, 8.0 / 9.0, 5.0 / 9.0};
static const double gl5_x[5] = {-0.906179845938663992797626878299,
                                -0.538469310105683091036314420700, 0.0,
                                0.538469310105683091036314420700,
                                0.906179845938663992797626878299};
static const double gl5_w[5] = {0.236926885056189087514264040720,
                                0.478628670499366468041291514836,
                                128.0 / 225.0,
                                0.478628670499366468041291514836,
                                0.236926885056189087514264040720};

/* exp(x) for x in [-bound, 0], bound <= 0.2, by its Taylor series, as
 * short as the bound allows: to x^7 for bound <= TINY_STEP, x^8 for
 * 0.06, x^11 above (error below 3e-17 relative), in Horner's scheme with
 * multiplications by 1/k! only: the pieces' exponents are that small, and
 * this costs a fraction of a libm call. exp_SUF for any vector type VT,
 * with function attributes ATTR (a kernel's target: a vector argument
 * crosses no call without it); the same operations in every lane. */
typedef double v4 __attribute__((vector_size(32)));

/* Whole bins whose h a0 is at most this take the shortest series. */
#define TINY_STEP 0.03

#define EXP_TINY(r, v)                                                       \
    r = r * v + 1.388888888888888888889e-3;                                  \
    r = r * v + 8.333333333333333333333e-3;                                  \
    r = r * v + 4.166666666666666666667e-2;                                  \
    r = r * v + 1.666666666666666666667e-1;                                  \
    r = r * v + 0.5;                                                         \
    r = r * v + 1.0;                                                         \
    r = r * v + 1.0

/* r = exp(v) by that series, r and v of any vector type VT. */
#define EXP_SERIES(VT, r, v, bound)                                          \
    do {                                                                     \
        r = (VT){0};                                                         \
        if ((bound) <= TINY_STEP) {                                          \
            r = r + 1.984126984126984126984e-4;                              \
        } else if ((bound) <= 0.06) {                                        \
            r = r + 2.480158730158730158730e-5;                              \
            r = r * v + 1.984126984126984126984e-4;                          \
        } else {                                                             \
            r = r + 2.505210838544171877505e-8;                              \
            r = r * v + 2.755731922398589065256e-7;                          \
            r = r * v + 2.755731922398589065256e-6;                          \
            r = r * v + 2.480158730158730158730e-5;                          \
            r = r * v + 1.984126984126984126984e-4;                          \
        }                                                                    \
        EXP_TINY(r, v);                                                      \
    } while (0)

/* exp_SUF(v, bound) of vectors VT, for kernels with attributes ATTR. */
#define DEFINE_EXP(VT, SUF, ATTR)                                            \
    ATTR static inline __attribute__((always_inline)) VT exp_##SUF(          \
        VT v, double bound)                                                  \
    {                                                                        \
        VT r;                                                                \
        EXP_SERIES(VT, r, v, bound);                                         \
        return r;                                                            \
    }

/* Four exponents at once, from and to memory (no vector crosses a call:
 * the same code whatever the caller's target). */
static inline void exp_bounded4(const double *x, double *out, double bound)
{
    v4 v, r;
    memcpy(&v, x, sizeof v);
    EXP_SERIES(v4, r, v, bound);
    memcpy(out, &r, sizeof r);
}

/* Sub-pieces with h lambda at most this take 3 nodes and the series exp. */
#define SMALL_STEP 0.15

/* The factors of one sub-piece length that do not depend on the state. */
typedef struct piece_factors {
    double hs;        /* the length they are for (NAN: none yet) */
    int nodes;        /* 3 or 5 */
    double eE, eI;    /* exp(-hs / tau_syn) */
    double w[5];      /* weights times hs / 2 */
    double t[6];      /* (hs - u_k) / tau_m; for 3 nodes t[3] at u = 0 */
    double dE[6];     /* cE (exp(-u_k / tau_E) - eE) */
    double dI[6];
    double bE[5];     /* exp(-u_k / tau_E) VE / (g_L tau_m) */
    double bI[5];
} piece_factors;

/* Bins of one run at most (model_exact.c). */
#define RUN 256

/* Conductances written at once from a kick on, whatever the bins to the
 * next (32: longer gaps are rare at the usual input rates). */
#define STRETCH 32

typedef struct xk {
    double V_th, V_reset, tau_m, g_L, E_L, VE, VI, I, tref;
    double rE, rI; /* 1 / tau_syn */
    double cE, cI; /* tau_syn / (g_L tau_m) */
    double N0;     /* g_L E_L + I_inj: v_inf's numerator without synapses */
    double b0;     /* (E_L + I_inj / g_L) / tau_m */
    double dt, r_dt; /* and 1 / dt */
    double r_gL, r_tau_m, r_syn; /* 1 / g_L, 1 / tau_m, max(rE, rI) */
    double r_gL_tau_m;           /* 1 / (g_L tau_m) */
    double v_inf_lo, v_inf_hi;   /* v_inf's range: E_L + I_inj / g_L, VE, VI */
    piece_factors cache[2];
    piece_factors grid_step; /* of a whole bin, dt */
    piece_factors small;     /* of the last other length, 3 nodes */
    double powE[RUN + 1 + STRETCH], powI[RUN + 1 + STRETCH]; /* eE^m, eI^m */
    int isa;                 /* vector kernels: 0 base, 1 AVX2, 2 AVX-512 */
    int next_slot;
} xk;


/* Room for a count rounded up to the widest vector (eight lanes). */
#define PAD8(n) (((n) + 7) & ~(size_t)7)

/* The room past the last sample that a run may write its conductances
 * into (model_exact.c allocates it). */
#define RUN_SPARE (RUN + STRETCH + 8)

/* Event times in one run at most (a bin may hold several). */
#define NEV (2 * RUN)

/* A run of bins: the conductances first, then every piece's Phi and Psi in
 * vectors, then v bin by bin. */
typedef struct run_bins {
    /* at the bins' starts: the workspace's samples from the run's start
     * on (gE[j] is bin j's start, the sample of bin j - 1), RUN +
     * STRETCH of them written */
    double *gE, *gI;
    double Phi[RUN + 8], Psi[RUN + 8]; /* of the bins as whole ones */
    double Phi2[RUN], Psi2[RUN];       /* of bins j and j + 1 together */
    /* the event times, q = 0, 1, ... (a bin with k inside holds k of
     * them, in order): */
    size_t ej[NEV];              /* the bin */
    bool split[NEV];             /* inside the bin (else at its end) */
    bool first[NEV], last[NEV];  /* the first, the last of its bin */
    bool long1[NEV];             /* piece 2 q not short (not a first) */
    bool long2[NEV];             /* a last, piece 2 q + 1 not short */
    size_t endm[NEV];            /* the merged events delivered by then */
    double te[NEV];              /* the events' time */
    double gE1[NEV], gI1[NEV];   /* at te, before the kicks */
    double gEk[NEV], gIk[NEV];   /* at te, after them */
    /* piece 2 q from the bin's start or the time before to te, piece
     * 2 q + 1 from te to the bin's end when q is the last in its bin
     * (h = 0 for the pieces not used): */
    double h[2 * NEV + 8], pE[2 * NEV + 8], pI[2 * NEV + 8];
    double en[6][2 * NEV + 8]; /* exp(-u_i / tau_syn): row 2 i + (0 E, 1 I) */
    double pPhi[2 * NEV + 8], pPsi[2 * NEV + 8];
} run_bins;

/* The vector kernels (model_exact_vec.c); the arrays hold their count
 * rounded up by PAD8. Phi and Psi of n whole bins (the factors f of dt)
 * from conductances gE[j], gI[j] at their starts: phi_psi's short-piece
 * operations, exponents at most bound. */
void ss__exact_phi_psi_bins(const xk *k, const piece_factors *f, size_t n,
                            double bound, const double *gE, const double *gI,
                            double *Phi, double *Psi);
/* b->en from the lengths b->h of np pieces, exponents at most bound. */
void ss__exact_piece_exps(const xk *k, run_bins *b, size_t np, double bound);
/* b->pPhi, b->pPsi of np pieces from b->h, b->en and their conductances
 * b->pE, b->pI at their starts, exponents at most bound. */
void ss__exact_piece_phi_psi(const xk *k, run_bins *b, size_t np,
                             double bound);

/* The membrane's state along the trial. */
typedef struct run_state {
    double v, vf, gE, gI;
    double refr_end; /* v is clamped at V_reset until then */
    size_t n_spikes;
    bool nomem;
} run_state;

/* The events of a trial and where the integration stands in them. */
typedef struct ev_cursor {
    const double *tE, *tI;
    const double *mt;   /* both merged, in time order */
    const uint32_t *mk; /* their trains, bit 31 set for inhibitory ones */
    size_t nEv, nIv, nm, iE, iI; /* delivered: iE, iI, merged iE + iI */
} ev_cursor;

/* maybe_above's two-sided bound with v_inf's range over any conductances
 * (no division): true when v, at va and vb < V_th at the ends of a piece
 * of length h with total conductance g at its start, cannot reach V_th
 * inside it. */
static inline bool below_anyway(const xk *k, double va, double vb, double g,
                                double h)
{
    double a_max = (1.0 + g * k->r_gL) * k->r_tau_m;
    double lo = k->v_inf_lo, hi = k->v_inf_hi;
    double vlow = va < lo ? va : lo, vhigh = va > hi ? va : hi;
    double d1 = a_max * (hi - vlow), d2 = a_max * (vhigh - lo);
    /* the peak va + d1 (vb - va + h d2) / (d1 + d2) below V_th, without
     * the division (d1 + d2 >= a_max (hi - lo) > 0 unless v_inf has one
     * value) */
    return d1 + d2 > 0 &&
           d1 * (vb - va + h * d2) < (k->V_th - va) * (d1 + d2);
}

/* Both runs (v and the FMP) from t0 to t1 (> t0), no event between, with
 * the piece's Phi, Psi and end conductances gE1, gI1 given
 * (model_exact.c); r holds the state at t0, then at t1. */
void ss__exact_advance_with(xk *k, run_state *r, ss__exact_ws *w, double t0,
                            double t1, double Phi, double Psi, double gE1,
                            double gI1);
/* The same, Phi and Psi made here. */
void ss__exact_advance(xk *k, run_state *r, ss__exact_ws *w, double t0,
                       double t1);
/* Whether v, at va and vb < V_th at the ends of a piece of length h (the
 * conductances decaying from gE, gI to gE1, gI1), may reach V_th inside
 * it: the general path's test before it searches (model_exact.c). */
bool ss__exact_maybe_above(const xk *k, double va, double vb, double gE,
                           double gI, double gE1, double gI1, double h);

/* One Tsodyks-Markram synapse's increment at its spike at time t
 * (model_exact_runs.c); syn holds (u, R, t_last), updated. */
double ss__exact_stp_kick(double *syn, double t, double g_bar, double U0,
                          double tau_d, double tau_f);

/* Bins it, it + 1, ... (the state r at the start of bin it, a grid point)
 * as one run of at most RUN bins, as far as they are whole bins or bins
 * split by event times with short first pieces; the events are delivered
 * from c on, the grid samples written into w. Returns how many bins it
 * did (0: none, the general path goes on); r->nomem on a failed
 * allocation. b is scratch. */
size_t ss__exact_run_bins(xk *k, run_state *r, ss__exact_ws *w,
                          const ss_params *p, bool stp, size_t nE,
                          ev_cursor *c, size_t it, size_t Lt, run_bins *b);

#endif
