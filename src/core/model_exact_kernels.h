/* The exact integrator's building blocks (model_exact.c only): the
 * Gauss-Legendre rules, the short exponential series four at a time, the
 * factors of a piece length and the integrator's constants. */
#ifndef SYNSWEEP_MODEL_EXACT_KERNELS_H
#define SYNSWEEP_MODEL_EXACT_KERNELS_H

#include <stdbool.h>
#include <string.h>

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

/* exp(x) for -0.2 <= x <= 0 by its Taylor series to x^11 (error below
 * 1e-17 relative), four at a time (Horner's scheme, multiplications by
 * 1/k! only): the pieces' exponents are that small, and this costs a
 * fraction of a libm call. */
typedef double v4 __attribute__((vector_size(32)));

static inline void exp_small4(const double *x, double *out)
{
    v4 v, r;
    memcpy(&v, x, sizeof v);
    r = (v4){0, 0, 0, 0} + 2.505210838544171877505e-8;
    r = r * v + 2.755731922398589065256e-7;
    r = r * v + 2.755731922398589065256e-6;
    r = r * v + 2.480158730158730158730e-5;
    r = r * v + 1.984126984126984126984e-4;
    r = r * v + 1.388888888888888888889e-3;
    r = r * v + 8.333333333333333333333e-3;
    r = r * v + 4.166666666666666666667e-2;
    r = r * v + 1.666666666666666666667e-1;
    r = r * v + 0.5;
    r = r * v + 1.0;
    r = r * v + 1.0;
    memcpy(out, &r, sizeof r);
}

/* exp(x) for -0.03 <= x <= 0 to x^7 (error below 2e-17 relative), four
 * at once: whole bins of small dt have exponents this small. */
static inline void exp_tiny4(const double *x, double *out)
{
    v4 v, r;
    memcpy(&v, x, sizeof v);
    r = (v4){0, 0, 0, 0} + 1.984126984126984126984e-4;
    r = r * v + 1.388888888888888888889e-3;
    r = r * v + 8.333333333333333333333e-3;
    r = r * v + 4.166666666666666666667e-2;
    r = r * v + 1.666666666666666666667e-1;
    r = r * v + 0.5;
    r = r * v + 1.0;
    r = r * v + 1.0;
    memcpy(out, &r, sizeof r);
}

/* Whole bins whose h a0 is at most this take exp_tiny4. */
#define TINY_STEP 0.03

/* exp(x) for -0.06 <= x <= 0 to x^8 (error below 3e-17 relative). */
static inline void exp_mid4(const double *x, double *out)
{
    v4 v, r;
    memcpy(&v, x, sizeof v);
    r = (v4){0, 0, 0, 0} + 2.480158730158730158730e-5;
    r = r * v + 1.984126984126984126984e-4;
    r = r * v + 1.388888888888888888889e-3;
    r = r * v + 8.333333333333333333333e-3;
    r = r * v + 4.166666666666666666667e-2;
    r = r * v + 1.666666666666666666667e-1;
    r = r * v + 0.5;
    r = r * v + 1.0;
    r = r * v + 1.0;
    memcpy(out, &r, sizeof r);
}

/* exp of four exponents in [-bound, 0], bound <= 0.2: the shortest series
 * that is exact to the last bit or so. */
static inline void exp_bounded4(const double *x, double *out, double bound)
{
    if (bound <= TINY_STEP)
        exp_tiny4(x, out);
    else if (bound <= 0.06)
        exp_mid4(x, out);
    else
        exp_small4(x, out);
}

/* Sub-pieces with h lambda at most this take 3 nodes and exp_small. */
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

typedef struct xk {
    double V_th, V_reset, tau_m, g_L, E_L, VE, VI, I, tref;
    double rE, rI; /* 1 / tau_syn */
    double cE, cI; /* tau_syn / (g_L tau_m) */
    double N0;     /* g_L E_L + I_inj: v_inf's numerator without synapses */
    double b0;     /* (E_L + I_inj / g_L) / tau_m */
    double dt;
    double r_gL, r_tau_m, r_syn; /* 1 / g_L, 1 / tau_m, max(rE, rI) */
    double r_gL_tau_m;           /* 1 / (g_L tau_m) */
    double v_inf_lo, v_inf_hi;   /* v_inf's range: E_L + I_inj / g_L, VE, VI */
    piece_factors cache[2];
    piece_factors grid_step; /* of a whole bin, dt */
    piece_factors small;     /* of the last other length, 3 nodes */
    double powE[129], powI[129]; /* grid_step.eE^m, eI^m, m <= RUN */
    bool avx2;               /* the processor has AVX2 */
    int next_slot;
} xk;

#endif
