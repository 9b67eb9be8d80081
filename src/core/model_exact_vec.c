/* The exact integrator's kernels over many bins or pieces at once (the
 * runs of bins of model_exact.c): Phi and Psi of whole bins, the node
 * exponentials of the pieces of split bins, and the pieces' Phi and Psi.
 * Each lane does the same operations in the same order, without FMA, so
 * plain x86-64 (two lanes a register), AVX2 (four) and AVX-512 (eight)
 * give the same bits; the widest the processor has is used. Pure
 * numerics. */
#include <string.h>

#include "model_exact_kernels.h"

typedef double v8 __attribute__((vector_size(64)));

/* The kernels for vectors VT of W lanes, with function attributes ATTR
 * (their exp too: a vector argument crosses no call without them). */
#define DEFINE_KERNELS(VT, W, SUF, ATTR)                                     \
    DEFINE_EXP(VT, SUF, ATTR)                                                \
    /* phi_psi's short-piece branch for n whole bins (factors f) */          \
    ATTR static void phi_psi_bins_##SUF(                                     \
        const xk *k, const piece_factors *f, size_t n, double bound,         \
        const double *gE, const double *gI, double *Phi, double *Psi)        \
    {                                                                        \
        for (size_t j = 0; j < n; j += W) {                                  \
            VT GE, GI, E[4], q = (VT){0};                                    \
            memcpy(&GE, gE + j, sizeof GE);                                  \
            memcpy(&GI, gI + j, sizeof GI);                                  \
            for (int i = 0; i < 4; i++)                                      \
                E[i] = exp_##SUF(                                             \
                    -(f->t[i] + GE * f->dE[i] + GI * f->dI[i]), bound);      \
            for (int i = 0; i < 3; i++)                                      \
                q += f->w[i] * E[i] *                                        \
                     (k->b0 + GE * f->bE[i] + GI * f->bI[i]);                \
            memcpy(Phi + j, &E[3], sizeof q);                                \
            memcpy(Psi + j, &q, sizeof q);                                   \
        }                                                                    \
    }                                                                        \
                                                                             \
    /* exp(-u_i / tau_syn) at the 3 nodes of np pieces */                    \
    ATTR static void piece_exps_##SUF(const xk *k, run_bins *b, size_t np,   \
                                      double bound)                          \
    {                                                                        \
        for (size_t P = 0; P < np; P += W) {                                 \
            VT H;                                                            \
            memcpy(&H, b->h + P, sizeof H);                                  \
            for (int i = 0; i < 3; i++) {                                    \
                VT u = 0.5 * H * (1.0 + gl3_x[i]);                           \
                VT eE = exp_##SUF(-u * k->rE, bound);                         \
                VT eI = exp_##SUF(-u * k->rI, bound);                         \
                memcpy(b->en[2 * i] + P, &eE, sizeof H);                     \
                memcpy(b->en[2 * i + 1] + P, &eI, sizeof H);                 \
            }                                                                \
        }                                                                    \
    }                                                                        \
                                                                             \
    /* Phi and Psi of np pieces from their conductances pE, pI */            \
    ATTR static void piece_phi_psi_##SUF(const xk *k, run_bins *b,           \
                                         size_t np, double bound)            \
    {                                                                        \
        for (size_t P = 0; P < np; P += W) {                                 \
            VT H, GE, GI, EE[3], EI[3], E[4];                                \
            memcpy(&H, b->h + P, sizeof H);                                  \
            memcpy(&GE, b->pE + P, sizeof GE);                               \
            memcpy(&GI, b->pI + P, sizeof GI);                               \
            for (int i = 0; i < 3; i++) {                                    \
                memcpy(&EE[i], b->en[2 * i] + P, sizeof H);                  \
                memcpy(&EI[i], b->en[2 * i + 1] + P, sizeof H);              \
            }                                                                \
            VT eE = EE[0] * EE[2], eI = EI[0] * EI[2]; /* u0 + u2 = h */     \
            for (int i = 0; i < 3; i++) {                                    \
                VT u = 0.5 * H * (1.0 + gl3_x[i]);                           \
                E[i] = exp_##SUF(-((H - u) * k->r_tau_m +                     \
                                  GE * (k->cE * (EE[i] - eE)) +              \
                                  GI * (k->cI * (EI[i] - eI))),              \
                                bound);                                      \
            }                                                                \
            E[3] = exp_##SUF(-(H * k->r_tau_m + GE * (k->cE * (1.0 - eE)) +   \
                              GI * (k->cI * (1.0 - eI))),                    \
                            bound);                                          \
            VT q = (VT){0};                                                  \
            for (int i = 0; i < 3; i++)                                      \
                q += (0.5 * H * gl3_w[i]) * E[i] *                           \
                     (k->b0 + GE * (EE[i] * k->VE * k->r_gL_tau_m) +         \
                      GI * (EI[i] * k->VI * k->r_gL_tau_m));                 \
            memcpy(b->pPhi + P, &E[3], sizeof q);                            \
            memcpy(b->pPsi + P, &q, sizeof q);                               \
        }                                                                    \
    }

DEFINE_KERNELS(v4, 4, base, )
#if defined(__x86_64__) && defined(__GNUC__)
/* 256-bit registers; no FMA: the same bits */
DEFINE_KERNELS(v4, 4, avx2, __attribute__((target("avx2"))))
/* 512-bit registers (FMA never contracted: -ffp-contract=off) */
DEFINE_KERNELS(v8, 8, avx512, __attribute__((target("avx512f"))))
#define PICK(name, ...)                                                      \
    do {                                                                     \
        if (k->isa == 2)                                                     \
            name##_avx512(__VA_ARGS__);                                      \
        else if (k->isa == 1)                                                \
            name##_avx2(__VA_ARGS__);                                        \
        else                                                                 \
            name##_base(__VA_ARGS__);                                        \
    } while (0)
#else
#define PICK(name, ...) name##_base(__VA_ARGS__)
#endif

void ss__exact_phi_psi_bins(const xk *k, const piece_factors *f, size_t n,
                            double bound, const double *gE, const double *gI,
                            double *Phi, double *Psi)
{
    PICK(phi_psi_bins, k, f, n, bound, gE, gI, Phi, Psi);
}

void ss__exact_piece_exps(const xk *k, run_bins *b, size_t np, double bound)
{
    PICK(piece_exps, k, b, np, bound);
}

void ss__exact_piece_phi_psi(const xk *k, run_bins *b, size_t np,
                             double bound)
{
    PICK(piece_phi_psi, k, b, np, bound);
}
