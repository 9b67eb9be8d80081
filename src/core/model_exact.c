/* The exact integrator of the LIF models (`method: exact`): between input
 * events the conductances decay exactly (exponentials); v obeys
 *     dv/dt = -a(t) v + b(t),
 *     a = (1 + (gE + gI) / g_L) / tau_m,
 *     b = (E_L + (gE VE + gI VI + I_inj) / g_L) / tau_m,
 * linear in v, so over a piece [t0, t0 + h] without events
 *     v(t0 + h) = Phi v(t0) + Psi,  Phi = exp(-(A(h))),
 *     Psi = int_0^h exp(-(A(h) - A(u))) b(u) du,
 * with A(u) = int_0^u a in closed form (sums of exponentials) and Psi by
 * Gauss-Legendre quadrature on sub-pieces short enough (h lambda <= 1 for
 * 5 nodes, <= 0.15 for 3, lambda the fastest rate of the integrand) that
 * its error is below 1e-11 relative. Threshold crossings are found in
 * continuous time: a piece is searched only when a bound says v may reach
 * V_th in it (the drive v_inf = b / a above V_th somewhere in it, and a
 * bound on dv/dt); the first crossing is then bracketed by bisection and
 * found by safeguarded Newton to 1e-12 ms. The refractory clamp lasts
 * exactly tref; the synapses of lif_cond_stp relax exactly between their
 * spikes. Pure numerics: no I/O, no threads; the caller's workspace. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"
#include "model_exact_kernels.h"

/* The crossing time's tolerance, ms. */
#define CROSS_TOL 1e-12

static void factors_make(const xk *k, double hs, int nodes, piece_factors *f)
{
    const double *x = nodes == 3 ? gl3_x : gl5_x;
    const double *w = nodes == 3 ? gl3_w : gl5_w;
    double u[5], e[12];
    for (int i = 0; i < nodes; i++)
        u[i] = 0.5 * hs * (1.0 + x[i]);
    if (nodes == 3) {
        /* hs / tau_syn <= SMALL_STEP: the eight exponentials, four at a
         * time, by exp_small */
        double a[8] = {-hs * k->rE,   -hs * k->rI,   -u[0] * k->rE,
                       -u[0] * k->rI, -u[1] * k->rE, -u[1] * k->rI,
                       -u[2] * k->rE, -u[2] * k->rI};
        double bound = hs * k->r_syn;
        exp_bounded4(a, e, bound);
        exp_bounded4(a + 4, e + 4, bound);
    } else {
        e[0] = exp(-hs * k->rE);
        e[1] = exp(-hs * k->rI);
        for (int i = 0; i < nodes; i++) {
            e[2 + 2 * i] = exp(-u[i] * k->rE);
            e[3 + 2 * i] = exp(-u[i] * k->rI);
        }
    }
    f->hs = hs;
    f->nodes = nodes;
    f->eE = e[0];
    f->eI = e[1];
    for (int i = 0; i < nodes; i++) {
        double eEu = e[2 + 2 * i], eIu = e[3 + 2 * i];
        f->w[i] = 0.5 * hs * w[i];
        f->t[i] = (hs - u[i]) * k->r_tau_m;
        f->dE[i] = k->cE * (eEu - f->eE);
        f->dI[i] = k->cI * (eIu - f->eI);
        f->bE[i] = eEu * k->VE * k->r_gL_tau_m;
        f->bI[i] = eIu * k->VI * k->r_gL_tau_m;
    }
    /* A(hs) itself: the node u = 0 */
    f->t[nodes] = hs * k->r_tau_m;
    f->dE[nodes] = k->cE * (1.0 - f->eE);
    f->dI[nodes] = k->cI * (1.0 - f->eI);
}

static const piece_factors *factors(xk *k, double hs, int nodes)
{
    for (int s = 0; s < 2; s++)
        if (k->cache[s].hs == hs && k->cache[s].nodes == nodes)
            return &k->cache[s];
    piece_factors *f = &k->cache[k->next_slot];
    k->next_slot ^= 1;
    factors_make(k, hs, nodes, f);
    return f;
}

/* Phi and Psi of a piece of length h from conductances gE, gI (no event
 * inside); *gE1, *gI1 get the conductances at its end. */
static void phi_psi(xk *k, double gE, double gI, double h, double *Phi,
                    double *Psi, double *gE1, double *gI1)
{
    double a0 = (1.0 + (gE + gI) * k->r_gL) * k->r_tau_m;
    double lam = a0 > k->r_syn ? a0 : k->r_syn;
    if (h * lam <= SMALL_STEP) {
        /* every exponent below is in [-h lambda, 0] */
        const piece_factors *f = &k->grid_step;
        if (!(f->hs == k->dt && fabs(h - k->dt) <= 1e-12 * k->dt)) {
            /* a bin split by events: lengths seldom repeat */
            if (k->small.hs != h)
                factors_make(k, h, 3, &k->small);
            f = &k->small;
        }
        double x[4], e[4];
        for (int i = 0; i < 4; i++)
            x[i] = -(f->t[i] + gE * f->dE[i] + gI * f->dI[i]);
        exp_bounded4(x, e, h * a0); /* A(u) <= u a0: a falls */
        double q = 0.0;
        for (int i = 0; i < 3; i++)
            q += f->w[i] * e[i] * (k->b0 + gE * f->bE[i] + gI * f->bI[i]);
        *Phi = e[3]; /* phi_psi_bins does the same, four bins at once */
        *Psi = q;
        *gE1 = gE * f->eE;
        *gI1 = gI * f->eI;
        return;
    }
    double q = ceil(h * lam);
    int m = q > 1e9 ? 1000000000 : (int)q;
    double hs = h / m;
    const piece_factors *f = factors(k, hs, 5);
    double ph = 1.0, ps = 0.0;
    for (int s = 0; s < m; s++) {
        double Ah = hs / k->tau_m + gE * k->cE * (1.0 - f->eE) +
                    gI * k->cI * (1.0 - f->eI);
        double e = exp(-Ah), qs = 0.0;
        for (int i = 0; i < f->nodes; i++) {
            double b = k->b0 + gE * f->bE[i] + gI * f->bI[i];
            qs += f->w[i] *
                  exp(-(f->t[i] + gE * f->dE[i] + gI * f->dI[i])) * b;
        }
        ps = e * ps + qs;
        ph *= e;
        gE *= f->eE;
        gI *= f->eI;
    }
    *Phi = ph;
    *Psi = ps;
    *gE1 = gE;
    *gI1 = gI;
}

static double prop(xk *k, double v, double gE, double gI, double h)
{
    double Phi, Psi, a, b;
    phi_psi(k, gE, gI, h, &Phi, &Psi, &a, &b);
    return Phi * v + Psi;
}

/* v_inf > V_th <=> L(gE, gI) > 0, L linear: its extremes over the box of
 * conductances a piece passes through are at corners. */
static double l_of(const xk *k, double gE, double gI)
{
    return (k->N0 - k->V_th * k->g_L) + gE * (k->VE - k->V_th) +
           gI * (k->VI - k->V_th);
}

static double v_inf(const xk *k, double gE, double gI)
{
    return (k->N0 + gE * k->VE + gI * k->VI) / (k->g_L + gE + gI);
}

/* Whether v, below V_th at both ends of the piece (va at its start, vb at
 * its end, the conductances decaying from gE, gI to gE1, gI1 over h), may reach V_th inside it. False
 * only when it cannot: either v_inf < V_th all along (v falls wherever it
 * meets V_th), or the largest dv/dt the piece allows cannot lift va to
 * V_th in time h. */
static bool maybe_above(const xk *k, double va, double vb, double gE,
                        double gI, double gE1, double gI1, double h)
{
    double lmax = l_of(k, k->VE > k->V_th ? gE : gE1,
                       k->VI > k->V_th ? gI : gI1);
    if (lmax < 0)
        return false;
    double a_max = (k->g_L + gE + gI) / (k->g_L * k->tau_m);
    /* first with v_inf's bounds over any conductances */
    double vlow0 = va < k->v_inf_lo ? va : k->v_inf_lo;
    if (va + h * a_max * (k->v_inf_hi - vlow0) < k->V_th)
        return false;
    double c[4] = {v_inf(k, gE, gI), v_inf(k, gE1, gI), v_inf(k, gE, gI1),
                   v_inf(k, gE1, gI1)};
    double hi = c[0], lo = c[0];
    for (int i = 1; i < 4; i++) {
        hi = c[i] > hi ? c[i] : hi;
        lo = c[i] < lo ? c[i] : lo;
    }
    /* dv/dt = a (v_inf - v) with v between min(va, min v_inf) and
     * max(va, max v_inf): v rises at most at d1 and falls at most at d2,
     * so v(s) <= min(va + d1 s, vb + d2 (h - s)), whose largest value is
     * where the two lines meet */
    double vlow = va < lo ? va : lo, vhigh = va > hi ? va : hi;
    double d1 = a_max * (hi - vlow > 0 ? hi - vlow : 0.0);
    double d2 = a_max * (vhigh - lo > 0 ? vhigh - lo : 0.0);
    double peak = d1 + d2 > 0 ? va + d1 * (vb - va + h * d2) / (d1 + d2)
                              : (va > vb ? va : vb);
    return peak >= k->V_th;
}

static double dvdt(const xk *k, double v, double gE, double gI)
{
    return (-(v - k->E_L) - (gE / k->g_L) * (v - k->VE) -
            (gI / k->g_L) * (v - k->VI) + k->I / k->g_L) /
           k->tau_m;
}

/* The one crossing in (0, h] (va < V_th <= vb, v_inf > V_th all along, so
 * v rises wherever it meets V_th): safeguarded Newton. */
static double solve_unique(xk *k, double va, double gE, double gI, double h,
                           double vb)
{
    double lo = 0.0, hi = h;
    double s = h * (k->V_th - va) / (vb - va);
    if (!(s > lo && s < hi))
        s = 0.5 * h;
    for (int iter = 0; iter < 200 && hi - lo > CROSS_TOL; iter++) {
        double vs = prop(k, va, gE, gI, s);
        double f = vs - k->V_th;
        if (f >= 0)
            hi = s;
        else
            lo = s;
        double d = dvdt(k, vs, gE * exp(-s * k->rE), gI * exp(-s * k->rI));
        double sn = d > 0 ? s - f / d : 0.5 * (lo + hi);
        if (!(sn > lo && sn < hi))
            sn = 0.5 * (lo + hi);
        if (fabs(sn - s) <= 0.25 * CROSS_TOL) {
            s = sn;
            break;
        }
        s = sn;
    }
    return s;
}

/* The first time in (0, h] at which v reaches V_th on a piece starting at
 * va < V_th with conductances gE, gI (gE1, gI1 at its end) and ending at
 * vb, or -1 for none. */
static double first_cross(xk *k, double va, double gE, double gI, double gE1,
                          double gI1, double h, double vb, int depth)
{
    if (vb >= k->V_th) {
        double lmin = l_of(k, k->VE > k->V_th ? gE1 : gE,
                           k->VI > k->V_th ? gI1 : gI);
        if (lmin > 0)
            return solve_unique(k, va, gE, gI, h, vb);
    } else if (!maybe_above(k, va, vb, gE, gI, gE1, gI1, h)) {
        return -1.0;
    }
    if (h <= CROSS_TOL || depth >= 64)
        return vb >= k->V_th ? h : -1.0;
    double hm = 0.5 * h, Phi, Psi, gEm, gIm;
    phi_psi(k, gE, gI, hm, &Phi, &Psi, &gEm, &gIm);
    double vm = Phi * va + Psi;
    double s = first_cross(k, va, gE, gI, gEm, gIm, hm, vm, depth + 1);
    if (s >= 0)
        return s;
    if (vm >= k->V_th)
        return hm; /* below the tolerance: the midpoint is the crossing */
    s = first_cross(k, vm, gEm, gIm, gE1, gI1, h - hm, vb, depth + 1);
    return s >= 0 ? hm + s : -1.0;
}

ss_status ss__exact_reserve(ss__exact_ws *w, size_t Lt, size_t synapses,
                            ss_error *err)
{
    int bad = 0;
    if (Lt > w->cap) {
        double **arr[5] = {&w->v, &w->fmp, &w->gE, &w->gI, &w->spike_t};
        for (int i = 0; i < 5; i++) {
            double *p = realloc(*arr[i], (Lt + 1) * sizeof **arr[i]);
            if (p)
                *arr[i] = p;
            else
                bad = 1;
        }
        if (!bad)
            w->cap = w->spike_cap = Lt;
    }
    if (!bad && 3 * synapses > w->syn_cap) {
        double *p = realloc(w->syn, 3 * synapses * sizeof *p);
        if (p) {
            w->syn = p;
            w->syn_cap = 3 * synapses;
        } else {
            bad = 1;
        }
    }
    if (bad)
        return ss_error_set(err, SS_ERR_NOMEM,
                            "cannot allocate the exact integrator's "
                            "workspace for %zu bins",
                            Lt);
    return SS_OK;
}

void ss__exact_free(ss__exact_ws *w)
{
    free(w->v);
    free(w->fmp);
    free(w->gE);
    free(w->gI);
    free(w->spike_t);
    free(w->syn);
    free(w->isi);
    memset(w, 0, sizeof *w);
}

/* The membrane's state along the trial. */
typedef struct run_state {
    double v, vf, gE, gI;
    double refr_end; /* v is clamped at V_reset until then */
    size_t n_spikes;
    bool nomem;
} run_state;

static void spike(run_state *r, ss__exact_ws *w, const xk *k, double ts)
{
    if (r->n_spikes == w->spike_cap) {
        /* more spikes than bins: only with tref below dt; rare */
        size_t want = 2 * w->spike_cap + 16;
        double *p = realloc(w->spike_t, want * sizeof *p);
        if (!p) {
            r->nomem = true;
            return;
        }
        w->spike_t = p;
        w->spike_cap = want;
    }
    w->spike_t[r->n_spikes++] = ts;
    r->refr_end = ts + k->tref;
}

/* The spiking run from ta (v = va, conductances gE, gI there, not
 * refractory) to tb, vb the value v reaches at tb if it does not fire. */
static void segment(xk *k, run_state *r, ss__exact_ws *w, double ta,
                    double va, double gE, double gI, double gE1, double gI1,
                    double tb, double vb)
{
    for (;;) {
        double h = tb - ta;
        double s =
            h > 0 ? first_cross(k, va, gE, gI, gE1, gI1, h, vb, 0) : -1.0;
        if (s < 0) {
            r->v = h > 0 ? vb : va;
            return;
        }
        spike(r, w, k, ta + s);
        if (r->nomem || r->refr_end >= tb) {
            r->v = k->V_reset;
            return;
        }
        double hr = r->refr_end - ta;
        gE *= exp(-hr * k->rE);
        gI *= exp(-hr * k->rI);
        ta = r->refr_end;
        va = k->V_reset;
        double Phi, Psi;
        phi_psi(k, gE, gI, tb - ta, &Phi, &Psi, &gE1, &gI1);
        vb = Phi * va + Psi;
    }
}

/* Both runs from t0 to t1 (> t0), no event between, Phi, Psi and the end
 * conductances of the piece given. */
static void advance_slow(xk *k, run_state *r, ss__exact_ws *w, double t0,
                         double t1, double Phi, double Psi, double gE1,
                         double gI1);

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

/* The common case inline: v_inf below V_th all along the piece (so no
 * crossing) and not refractory; the rest in advance_slow. */
static inline void advance_with(xk *k, run_state *r, ss__exact_ws *w,
                                double t0, double t1, double Phi, double Psi,
                                double gE1, double gI1)
{
    double vb = Phi * r->v + Psi;
    if (r->refr_end < t0 && vb < k->V_th &&
        (l_of(k, k->VE > k->V_th ? r->gE : gE1,
              k->VI > k->V_th ? r->gI : gI1) < 0 ||
         below_anyway(k, r->v, vb, r->gE + r->gI, t1 - t0))) {
        r->vf = Phi * r->vf + Psi;
        r->v = vb;
        r->gE = gE1;
        r->gI = gI1;
        return;
    }
    advance_slow(k, r, w, t0, t1, Phi, Psi, gE1, gI1);
}

static void advance_slow(xk *k, run_state *r, ss__exact_ws *w, double t0,
                         double t1, double Phi, double Psi, double gE1,
                         double gI1)
{
    r->vf = Phi * r->vf + Psi;
    if (r->refr_end >= t1) {
        r->v = k->V_reset;
    } else if (r->refr_end > t0) {
        double hr = r->refr_end - t0;
        double gE = r->gE * exp(-hr * k->rE), gI = r->gI * exp(-hr * k->rI);
        double P, Q, a, b;
        phi_psi(k, gE, gI, t1 - r->refr_end, &P, &Q, &a, &b);
        segment(k, r, w, r->refr_end, k->V_reset, gE, gI, a, b, t1,
                P * k->V_reset + Q);
    } else {
        double vb = Phi * r->v + Psi;
        /* the common case: v_inf below V_th all along, no crossing */
        if (vb < k->V_th &&
            l_of(k, k->VE > k->V_th ? r->gE : gE1,
                 k->VI > k->V_th ? r->gI : gI1) < 0)
            r->v = vb;
        else
            segment(k, r, w, t0, r->v, r->gE, r->gI, gE1, gI1, t1, vb);
    }
    r->gE = gE1;
    r->gI = gI1;
}

static void advance(xk *k, run_state *r, ss__exact_ws *w, double t0,
                    double t1)
{
    double Phi, Psi, gE1, gI1;
    phi_psi(k, r->gE, r->gI, t1 - t0, &Phi, &Psi, &gE1, &gI1);
    advance_with(k, r, w, t0, t1, Phi, Psi, gE1, gI1);
}

/* Bins the batch below takes at once. */
#define BATCH 64

#define PHI_PSI_BINS_BODY                                                    \
    for (size_t j = 0; j < n; j += 4) {                                      \
        v4 GE, GI, E[4], q = {0, 0, 0, 0};                                   \
        memcpy(&GE, gE + j, sizeof GE);                                      \
        memcpy(&GI, gI + j, sizeof GI);                                      \
        for (int i = 0; i < 4; i++) {                                        \
            v4 x = -(f->t[i] + GE * f->dE[i] + GI * f->dI[i]);               \
            exp_bounded4((const double *)&x, (double *)&E[i], bound);        \
        }                                                                    \
        for (int i = 0; i < 3; i++)                                          \
            q += f->w[i] * E[i] * (k->b0 + GE * f->bE[i] + GI * f->bI[i]);   \
        memcpy(Phi + j, &E[3], sizeof q);                                    \
        memcpy(Psi + j, &q, sizeof q);                                       \
    }

static void phi_psi_bins_base(const xk *k, const piece_factors *f, size_t n,
                              double bound, const double *gE, const double *gI,
                              double *Phi, double *Psi)
{
    PHI_PSI_BINS_BODY
}

#if defined(__x86_64__) && defined(__GNUC__)
/* The same operations in 256-bit registers (no FMA: the same bits). */
__attribute__((target("avx2"))) static void
phi_psi_bins_avx2(const xk *k, const piece_factors *f, size_t n, double bound,
                  const double *gE, const double *gI, double *Phi,
                  double *Psi)
{
    PHI_PSI_BINS_BODY
}
#endif

/* Phi and Psi of n whole bins (the factors f of dt) from conductances
 * gE[j], gI[j], four bins at a time: the operations of phi_psi's
 * short-piece branch (the exponents at most bound), in the
 * same order. The arrays hold n rounded up to 4. */
static void phi_psi_bins(const xk *k, const piece_factors *f, size_t n,
                         double bound, const double *gE, const double *gI,
                         double *Phi, double *Psi)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (k->avx2) {
        phi_psi_bins_avx2(k, f, n, bound, gE, gI, Phi, Psi);
        return;
    }
#endif
    phi_psi_bins_base(k, f, n, bound, gE, gI, Phi, Psi);
}

/* One Tsodyks-Markram synapse's increment at its spike at time t: u and R
 * relax exactly since its last spike, then the tutorial's spike step (u
 * first, R with the new u, g with R before it and the new u). syn holds
 * (u, R, t_last). */
static double stp_kick(double *syn, double t, double g_bar, double U0,
                       double tau_d, double tau_f)
{
    double dt_last = t - syn[2];
    double u = syn[0] * exp(-dt_last / tau_f);
    double R = 1.0 - (1.0 - syn[1]) * exp(-dt_last / tau_d);
    double u_new = u + U0 * (1.0 - u);
    double kick = g_bar * R * u_new;
    syn[0] = u_new;
    syn[1] = R - u_new * R;
    syn[2] = t;
    return kick;
}

/* ---- runs of bins: the common case, in batches ------------------------
 *
 * The conductances do not depend on v, so over a run of bins (whole bins,
 * and bins split by one event time) their values at the bins' starts and
 * at the events come first, one pass; then every piece's Phi and Psi in
 * vectors, four pieces at a time (the exponentials of the split pieces'
 * nodes too); then v and the FMP bin by bin, where only the recurrence
 * v = Phi v + Psi and the no-crossing bound are left per bin. A bin that
 * may hold a crossing, or lies in a refractory period, goes through
 * advance_with with the same Phi and Psi. */

/* Bins of one run at most. */
#define RUN 128

enum { BIN_WHOLE = 0, BIN_SPLIT = 1 };

typedef struct run_bins {
    double gE[RUN + 4], gI[RUN + 4]; /* at the bins' starts (after kicks) */
    double Phi[RUN + 4], Psi[RUN + 4]; /* of the whole bins */
    /* the bins with events, q = 0, 1, ...: */
    size_t ej[RUN];              /* the bin */
    bool split[RUN];             /* an event inside (else at its end) */
    bool long2[RUN];             /* split, second piece not short */
    size_t endE[RUN], endI[RUN]; /* the events delivered by the bin's end */
    double te[RUN];              /* the events' time */
    double gE1[RUN], gI1[RUN];   /* at te, before the kicks */
    double gEk[RUN], gIk[RUN];   /* at te, after them */
    /* a split's pieces 2 q and 2 q + 1 (h = 0 for events at the end): */
    double h[2 * RUN + 4], pE[2 * RUN + 4], pI[2 * RUN + 4];
    double en[6][2 * RUN + 4]; /* exp(-u_i / tau_syn): row 2 i + (0 E, 1 I) */
    double pPhi[2 * RUN + 4], pPsi[2 * RUN + 4];
} run_bins;

/* The node exponentials of np pieces (rows of run_bins.en), exponents at
 * most bound. */
static inline __attribute__((always_inline)) void
piece_exps(const xk *k, run_bins *b, size_t np, double bound)
{
    for (size_t P = 0; P < np; P += 4) {
        v4 H, a[6];
        memcpy(&H, b->h + P, sizeof H);
        for (int i = 0; i < 3; i++) {
            v4 u = 0.5 * H * (1.0 + gl3_x[i]);
            a[2 * i] = -u * k->rE;
            a[2 * i + 1] = -u * k->rI;
        }
        for (int r = 0; r < 6; r++)
            exp_bounded4((const double *)&a[r], b->en[r] + P, bound);
    }
}

/* Phi and Psi of np pieces from their conductances pE, pI (phi_psi's
 * short-piece scheme), four at a time; exponents at most bound. */
static inline __attribute__((always_inline)) void
piece_phi_psi(const xk *k, run_bins *b, size_t np, double bound)
{
    for (size_t P = 0; P < np; P += 4) {
        v4 H, GE, GI, EE[3], EI[3], X[4], E[4];
        memcpy(&H, b->h + P, sizeof H);
        memcpy(&GE, b->pE + P, sizeof GE);
        memcpy(&GI, b->pI + P, sizeof GI);
        for (int i = 0; i < 3; i++) {
            memcpy(&EE[i], b->en[2 * i] + P, sizeof H);
            memcpy(&EI[i], b->en[2 * i + 1] + P, sizeof H);
        }
        v4 eE = EE[0] * EE[2], eI = EI[0] * EI[2]; /* u_0 + u_2 = h */
        for (int i = 0; i < 3; i++) {
            v4 u = 0.5 * H * (1.0 + gl3_x[i]);
            X[i] = -((H - u) * k->r_tau_m + GE * (k->cE * (EE[i] - eE)) +
                     GI * (k->cI * (EI[i] - eI)));
        }
        X[3] = -(H * k->r_tau_m + GE * (k->cE * (1.0 - eE)) +
                 GI * (k->cI * (1.0 - eI)));
        for (int i = 0; i < 4; i++)
            exp_bounded4((const double *)&X[i], (double *)&E[i], bound);
        v4 q = {0, 0, 0, 0};
        for (int i = 0; i < 3; i++)
            q += (0.5 * H * gl3_w[i]) * E[i] *
                 (k->b0 + GE * (EE[i] * k->VE * k->r_gL_tau_m) +
                  GI * (EI[i] * k->VI * k->r_gL_tau_m));
        memcpy(b->pPhi + P, &E[3], sizeof q);
        memcpy(b->pPsi + P, &q, sizeof q);
    }
}

static void piece_exps_base(const xk *k, run_bins *b, size_t np,
                            double bound)
{
    piece_exps(k, b, np, bound);
}

static void piece_phi_psi_base(const xk *k, run_bins *b, size_t np,
                               double bound)
{
    piece_phi_psi(k, b, np, bound);
}

#if defined(__x86_64__) && defined(__GNUC__)
/* The same operations in 256-bit registers (no FMA: the same bits). */
__attribute__((target("avx2"))) static void
piece_exps_avx2(const xk *k, run_bins *b, size_t np, double bound)
{
    piece_exps(k, b, np, bound);
}

__attribute__((target("avx2"))) static void
piece_phi_psi_avx2(const xk *k, run_bins *b, size_t np, double bound)
{
    piece_phi_psi(k, b, np, bound);
}
#endif

/* The events of a trial and where the integration stands in them. */
typedef struct ev_cursor {
    const double *tE, *tI;
    size_t nEv, nIv, iE, iI;
} ev_cursor;

/* The kicks of the events up to index endE, endI (all at time te) added
 * to *gE, *gI, in the order of the generic path. */
static void kick_all(const ss_params *p, bool stp, size_t nE,
                     const ss_events *ev, ss__exact_ws *w, ev_cursor *c,
                     size_t endE, size_t endI, double te, double *gE,
                     double *gI)
{
    for (; c->iE < endE; c->iE++)
        *gE += stp ? stp_kick(&w->syn[3 * ev->train[0][c->iE]], te,
                              p->gE_bar, p->U0_E, p->tau_d_E, p->tau_f_E)
                   : p->gE_bar;
    for (; c->iI < endI; c->iI++)
        *gI += stp ? stp_kick(&w->syn[3 * (nE + ev->train[1][c->iI])], te,
                              p->gI_bar, p->U0_I, p->tau_d_I, p->tau_f_I)
                   : p->gI_bar;
}

/* Bins it, it + 1, ... (t at the start of bin it, a grid point) as one
 * run, as far as they are whole bins or bins split by one event time,
 * with short pieces; returns how many it did (0: none, the caller's
 * general path goes on). */
static size_t run_bins_do(xk *k, run_state *r, ss__exact_ws *w,
                          const ss_params *p, bool stp, size_t nE,
                          const ss_events *ev, ev_cursor *c, size_t it,
                          size_t Lt, run_bins *b)
{
    const double dt = k->dt;
    const size_t nmax = RUN < Lt - it ? RUN : Lt - it;
    /* 1. the bins with events (the events only looked at here), so the
     * bins between them are whole */
    size_t n = 0, ne = 0;
    {
        size_t jE = c->iE, jI = c->iI;
        /* bounds on the conductances (a kick is at most g_bar, the decay
         * left out): the run stops before a bin whose first piece may not
         * be short */
        double gEu = r->gE, gIu = r->gI;
        while (n < nmax) {
            double a0u = (1.0 + (gEu + gIu) * k->r_gL) * k->r_tau_m;
            if (dt * a0u > SMALL_STEP)
                break;
            double te = jE < c->nEv ? c->tE[jE] : INFINITY;
            if (jI < c->nIv && c->tI[jI] < te)
                te = c->tI[jI];
            double qb = te / dt;
            if (!(qb < (double)(it + nmax) + 1.0)) {
                n = nmax;
                break;
            }
            /* the bin of te: the first grid point at or after it */
            size_t ie = (size_t)qb;
            while ((double)ie * dt < te)
                ie++;
            while (ie > 0 && (double)(ie - 1) * dt >= te)
                ie--;
            if (ie < it + n) /* cannot be: events up to t are delivered */
                break;
            size_t rel = ie - it;
            if (rel >= nmax) {
                n = nmax;
                break;
            }
            double ta = (double)(ie - 1) * dt, tg = (double)ie * dt;
            size_t kE = jE, kI = jI;
            while (kE < c->nEv && c->tE[kE] <= te)
                kE++;
            while (kI < c->nIv && c->tI[kI] <= te)
                kI++;
            if (te == tg) {
                /* at the bin's end (a binned train's events) */
                b->split[ne] = false;
                b->h[2 * ne] = b->h[2 * ne + 1] = 0.0;
            } else {
                if (!(te > ta) ||
                    (te - ta) * (a0u > k->r_syn ? a0u : k->r_syn) >
                        SMALL_STEP ||
                    (kE < c->nEv && c->tE[kE] <= tg) ||
                    (kI < c->nIv && c->tI[kI] <= tg)) {
                    n = rel; /* the general path takes this bin */
                    break;
                }
                b->split[ne] = true;
                b->h[2 * ne] = te - ta;
                b->h[2 * ne + 1] = tg - te;
            }
            b->ej[ne] = rel;
            b->te[ne] = te;
            b->endE[ne] = kE;
            b->endI[ne] = kI;
            gEu += (double)(kE - jE) * p->gE_bar;
            gIu += (double)(kI - jI) * p->gI_bar;
            jE = kE;
            jI = kI;
            ne++;
            n = rel + 1;
        }
    }
    if (n == 0)
        return 0;
    size_t np = 2 * ne;
    for (size_t P = np; P < ((np + 3) & ~(size_t)3); P++)
        b->h[P] = 0.0; /* the spare lanes */
    /* 2. the splits' node exponentials (at most dt / tau_syn) */
    if (np) {
#if defined(__x86_64__) && defined(__GNUC__)
        if (k->avx2)
            piece_exps_avx2(k, b, np, dt * k->r_syn);
        else
#endif
            piece_exps_base(k, b, np, dt * k->r_syn);
    }
    /* 3. the conductances with the kicks; between kicks g = g0 exp(-m dt
     * / tau_syn), from a table of powers so that the bins do not wait on
     * each other; a bin whose piece is not short ends the run before it */
    double gE0 = r->gE, gI0 = r->gI;
    size_t j0 = 0; /* the bin whose start has gE0, gI0 */
    double wbound = 0.0, pbound = 0.0;
    size_t q = 0;
    for (;; q++) {
        size_t je = q < ne ? b->ej[q] : n;
        for (size_t j = j0; j <= je; j++) {
            b->gE[j] = gE0 * k->powE[j - j0];
            b->gI[j] = gI0 * k->powI[j - j0];
        }
        if (j0 < je || (q < ne && !b->split[q])) {
            /* whole bins from j0: a0 falls, largest at j0 */
            double a0 = (1.0 + (b->gE[j0] + b->gI[j0]) * k->r_gL) *
                        k->r_tau_m;
            if (dt * a0 > SMALL_STEP) {
                n = j0;
                break;
            }
            wbound = dt * a0 > wbound ? dt * a0 : wbound;
        }
        if (q == ne)
            break;
        double gE = b->gE[je], gI = b->gI[je];
        double a0 = (1.0 + (gE + gI) * k->r_gL) * k->r_tau_m;
        size_t P = 2 * q;
        if (b->split[q]) {
            double lam = a0 > k->r_syn ? a0 : k->r_syn;
            if (b->h[P] * lam > SMALL_STEP) {
                n = je;
                break;
            }
            pbound = b->h[P] * a0 > pbound ? b->h[P] * a0 : pbound;
            b->pE[P] = gE;
            b->pI[P] = gI;
            gE *= b->en[0][P] * b->en[4][P];
            gI *= b->en[1][P] * b->en[5][P];
        } else {
            b->pE[P] = b->pI[P] = 0.0;
            gE = gE0 * k->powE[je + 1 - j0];
            gI = gI0 * k->powI[je + 1 - j0];
        }
        b->gE1[q] = gE;
        b->gI1[q] = gI;
        kick_all(p, stp, nE, ev, w, c, b->endE[q], b->endI[q], b->te[q], &gE,
                 &gI);
        b->gEk[q] = gE;
        b->gIk[q] = gI;
        if (b->split[q]) {
            double a0b = (1.0 + (gE + gI) * k->r_gL) * k->r_tau_m;
            bool long2 = !(b->h[P + 1] * a0b <= SMALL_STEP);
            b->long2[q] = long2;
            b->pE[P + 1] = long2 ? 0.0 : gE;
            b->pI[P + 1] = long2 ? 0.0 : gI;
            if (!long2 && b->h[P + 1] * a0b > pbound)
                pbound = b->h[P + 1] * a0b;
            gE *= b->en[0][P + 1] * b->en[4][P + 1];
            gI *= b->en[1][P + 1] * b->en[5][P + 1];
        } else {
            b->long2[q] = false;
            b->pE[P + 1] = b->pI[P + 1] = 0.0;
        }
        gE0 = gE;
        gI0 = gI;
        j0 = je + 1;
    }
    ne = q; /* the event bins in the run */
    if (n == 0)
        return 0;
    /* 4. Phi and Psi of every bin as a whole one (those of the bins with
     * events are not used) and of the pieces */
    for (size_t j = n + 1; j < ((n + 3) & ~(size_t)3); j++)
        b->gE[j] = b->gI[j] = 0.0;
    phi_psi_bins(k, &k->grid_step, n, wbound, b->gE, b->gI, b->Phi, b->Psi);
    np = 2 * ne;
    for (size_t P = np; P < ((np + 3) & ~(size_t)3); P++)
        b->h[P] = b->pE[P] = b->pI[P] = 0.0;
    if (np) {
#if defined(__x86_64__) && defined(__GNUC__)
        if (k->avx2)
            piece_phi_psi_avx2(k, b, np, pbound);
        else
#endif
            piece_phi_psi_base(k, b, np, pbound);
    }
    /* 5. v and the FMP: in the common case (no crossing possible: v_inf
     * below V_th over the bin, or the two-sided bound) the plain
     * recurrence, advance_with's operations; else advance_with */
    const double LE = k->VE - k->V_th, LI = k->VI - k->V_th;
    const double L0 = k->N0 - k->V_th * k->g_L;
    const double V_th = k->V_th;
    double v = r->v, vf = r->vf;
    size_t j = 0;
    for (q = 0;; q++) {
        size_t je = q < ne ? b->ej[q] : n;
        while (j < je) {
            if (r->refr_end < (double)(it + j - 1) * dt) {
                for (; j < je; j++) {
                    double Phi = b->Phi[j], Psi = b->Psi[j];
                    double vb = Phi * v + Psi;
                    double gEm = LE > 0 ? b->gE[j] : b->gE[j + 1];
                    double gIm = LI > 0 ? b->gI[j] : b->gI[j + 1];
                    if (!(vb < V_th &&
                          (L0 + gEm * LE + gIm * LI < 0 ||
                           below_anyway(k, v, vb, b->gE[j] + b->gI[j],
                                        dt))))
                        break;
                    v = vb;
                    vf = Phi * vf + Psi;
                    w->v[it + j] = v;
                    w->fmp[it + j] = vf;
                }
                if (j == je)
                    break;
            }
            double ta = (double)(it + j - 1) * dt, tg = (double)(it + j) * dt;
            r->v = v;
            r->vf = vf;
            r->gE = b->gE[j];
            r->gI = b->gI[j];
            advance_with(k, r, w, ta, tg, b->Phi[j], b->Psi[j], b->gE[j + 1],
                         b->gI[j + 1]);
            if (r->nomem)
                return j;
            v = r->refr_end >= tg ? k->V_reset : r->v;
            vf = r->vf;
            w->v[it + j] = v;
            w->fmp[it + j] = vf;
            j++;
        }
        if (q == ne)
            break;
        /* the bin with events */
        double ta = (double)(it + j - 1) * dt, tg = (double)(it + j) * dt;
        double te = b->te[q];
        size_t P = 2 * q;
        double gEm = LE > 0 ? b->gE[j] : b->gE1[q];
        double gIm = LI > 0 ? b->gI[j] : b->gI1[q];
        if (!b->split[q]) {
            double Phi = b->Phi[j], Psi = b->Psi[j];
            double vb = Phi * v + Psi;
            if (r->refr_end < ta && vb < V_th &&
                (L0 + gEm * LE + gIm * LI < 0 ||
                 below_anyway(k, v, vb, b->gE[j] + b->gI[j], dt))) {
                v = vb;
                vf = Phi * vf + Psi;
            } else {
                r->v = v;
                r->vf = vf;
                r->gE = b->gE[j];
                r->gI = b->gI[j];
                advance_with(k, r, w, ta, tg, Phi, Psi, b->gE1[q],
                             b->gI1[q]);
                if (r->nomem)
                    return j;
                v = r->refr_end >= tg ? k->V_reset : r->v;
                vf = r->vf;
            }
        } else {
            double P1 = b->pPhi[P], Q1 = b->pPsi[P];
            double P2 = b->pPhi[P + 1], Q2 = b->pPsi[P + 1];
            double gEb = b->gEk[q], gIb = b->gIk[q];
            double vm = P1 * v + Q1, vb = P2 * vm + Q2;
            double gEm2 = LE > 0 ? gEb : b->gE[j + 1];
            double gIm2 = LI > 0 ? gIb : b->gI[j + 1];
            if (!b->long2[q] && r->refr_end < ta && vm < V_th && vb < V_th &&
                (L0 + gEm * LE + gIm * LI < 0 ||
                 below_anyway(k, v, vm, b->gE[j] + b->gI[j], te - ta)) &&
                (L0 + gEm2 * LE + gIm2 * LI < 0 ||
                 below_anyway(k, vm, vb, gEb + gIb, tg - te))) {
                v = vb;
                vf = P2 * (P1 * vf + Q1) + Q2;
            } else {
                r->v = v;
                r->vf = vf;
                r->gE = b->gE[j];
                r->gI = b->gI[j];
                advance_with(k, r, w, ta, te, P1, Q1, b->gE1[q], b->gI1[q]);
                if (r->nomem)
                    return j;
                r->gE = gEb; /* after the kicks at te */
                r->gI = gIb;
                if (b->long2[q])
                    advance(k, r, w, te, tg); /* a large kick */
                else
                    advance_with(k, r, w, te, tg, P2, Q2, b->gE[j + 1],
                                 b->gI[j + 1]);
                if (r->nomem)
                    return j;
                v = r->refr_end >= tg ? k->V_reset : r->v;
                vf = r->vf;
            }
        }
        w->v[it + j] = v;
        w->fmp[it + j] = vf;
        j++;
    }
    memcpy(w->gE + it, b->gE + 1, n * sizeof *w->gE);
    memcpy(w->gI + it, b->gI + 1, n * sizeof *w->gI);
    r->v = v;
    r->vf = vf;
    r->gE = b->gE[n];
    r->gI = b->gI[n];
    return n;
}

ss_status ss__exact_lif(ss_model m, const ss_params *p, const ss_events *ev,
                        ss__exact_ws *w, ss_metrics *out, ss_error *err)
{
    const size_t Lt = ss_params_time_bins(m, p);
    const size_t nE = (size_t)p->n_exc, nI = (size_t)p->n_inh;
    ss_status st = ss__exact_reserve(w, Lt, nE + nI, err);
    if (st != SS_OK)
        return st;
    xk k;
    memset(&k, 0, sizeof k);
    k.V_th = p->V_th;
    k.V_reset = p->V_reset;
    k.tau_m = p->tau_m;
    k.g_L = p->g_L;
    k.E_L = p->E_L;
    k.VE = p->VE;
    k.VI = p->VI;
    k.I = p->I_inj;
    k.tref = p->tref;
    k.rE = 1.0 / p->tau_syn_E;
    k.rI = 1.0 / p->tau_syn_I;
    k.cE = p->tau_syn_E / (p->g_L * p->tau_m);
    k.cI = p->tau_syn_I / (p->g_L * p->tau_m);
    k.N0 = p->g_L * p->E_L + p->I_inj;
    k.b0 = (p->E_L + p->I_inj / p->g_L) / p->tau_m;
    k.dt = p->dt;
    k.r_gL = 1.0 / p->g_L;
    k.r_tau_m = 1.0 / p->tau_m;
    k.r_gL_tau_m = 1.0 / (p->g_L * p->tau_m);
    k.r_syn = k.rE > k.rI ? k.rE : k.rI;
    {
        double e0 = p->E_L + p->I_inj / p->g_L;
        k.v_inf_lo = fmin(e0, fmin(p->VE, p->VI));
        k.v_inf_hi = fmax(e0, fmax(p->VE, p->VI));
    }
#if defined(__x86_64__) && defined(__GNUC__)
    {
        /* SYNSWEEP_LANES=base asks for plain x86-64 here too (same bits) */
        const char *want = getenv("SYNSWEEP_LANES");
        k.avx2 = __builtin_cpu_supports("avx2") &&
                 !(want && strcmp(want, "base") == 0);
    }
#endif
    k.cache[0].hs = k.cache[1].hs = k.grid_step.hs = k.small.hs = NAN;
    {
        double a_max_rate = k.rE > k.rI ? k.rE : k.rI;
        if (p->dt * a_max_rate <= SMALL_STEP) {
            factors_make(&k, p->dt, 3, &k.grid_step);
            k.powE[0] = k.powI[0] = 1.0;
            for (int i = 1; i <= RUN; i++) {
                k.powE[i] = k.powE[i - 1] * k.grid_step.eE;
                k.powI[i] = k.powI[i - 1] * k.grid_step.eI;
            }
        }
    }

    const bool stp = m == SS_MODEL_LIF_COND_STP;
    for (size_t j = 0; j < nE + nI; j++) {
        w->syn[3 * j] = 0.0;     /* u */
        w->syn[3 * j + 1] = 1.0; /* R */
        w->syn[3 * j + 2] = 0.0; /* t_last */
    }

    const double dt = p->dt, T = p->T;
    const double *tE = ev->t[SS_EVENTS_EXC], *tI = ev->t[SS_EVENTS_INH];
    const size_t nEv = ev->n[SS_EVENTS_EXC], nIv = ev->n[SS_EVENTS_INH];
    ev_cursor cur = {tE, tI, nEv, nIv, 0, 0};
    /* an event at t = 0 is not delivered, as the tutorial's bin 0 */
    while (cur.iE < nEv && !(tE[cur.iE] > 0))
        cur.iE++;
    while (cur.iI < nIv && !(tI[cur.iI] > 0))
        cur.iI++;
    run_bins rb;

    run_state r = {p->V_init, p->V_init, 0.0, 0.0, -INFINITY, 0, false};
    if (r.v >= k.V_th) { /* the tutorial tests bin 0 too */
        spike(&r, w, &k, 0.0);
        r.v = k.V_reset;
    }
    w->v[0] = r.v;
    w->fmp[0] = r.vf;
    w->gE[0] = w->gI[0] = 0.0;
    size_t it = 1;
    double t = 0.0;
    for (;;) {
        /* at a grid point: a run of whole and split bins */
        if (k.grid_step.hs == dt && it < Lt && t == (double)(it - 1) * dt) {
            size_t n = run_bins_do(&k, &r, w, p, stp, nE, ev, &cur, it, Lt,
                                   &rb);
            if (r.nomem)
                return ss_error_set(err, SS_ERR_NOMEM,
                                    "cannot allocate the spike times");
            if (n) {
                it += n;
                t = (double)(it - 1) * dt;
                continue;
            }
        }
        double tg = it < Lt ? (double)it * dt : INFINITY;
        double te = cur.iE < nEv ? tE[cur.iE] : INFINITY;
        double ti = cur.iI < nIv ? tI[cur.iI] : INFINITY;
        double tb = tg < te ? tg : te;
        tb = tb < ti ? tb : ti;
        tb = tb < T ? tb : T;
        if (tb > t)
            advance(&k, &r, w, t, tb);
        if (r.nomem)
            return ss_error_set(err, SS_ERR_NOMEM,
                                "cannot allocate the spike times");
        t = tb;
        for (; cur.iE < nEv && tE[cur.iE] <= tb; cur.iE++)
            r.gE += stp ? stp_kick(&w->syn[3 * ev->train[0][cur.iE]], tb,
                                   p->gE_bar, p->U0_E, p->tau_d_E,
                                   p->tau_f_E)
                        : p->gE_bar;
        for (; cur.iI < nIv && tI[cur.iI] <= tb; cur.iI++)
            r.gI += stp ? stp_kick(&w->syn[3 * (nE + ev->train[1][cur.iI])], tb,
                                   p->gI_bar, p->U0_I, p->tau_d_I,
                                   p->tau_f_I)
                        : p->gI_bar;
        if (tb == tg) {
            /* the tutorial's samples at it * dt; v clamped while
             * refractory */
            w->v[it] = r.refr_end >= tb ? k.V_reset : r.v;
            w->fmp[it] = r.vf;
            w->gE[it] = r.gE;
            w->gI[it] = r.gI;
            it++;
        }
        if (tb >= T)
            break;
    }
    w->n_spikes = r.n_spikes;
    w->Lt = Lt;

    ss_metrics_clear(out);
    double *x = out->value;
    size_t n = r.n_spikes;
    x[SS_MET_n_spikes] = (double)n;
    x[SS_MET_firing_rate] = 1e3 * (double)n / T;
    x[SS_MET_fmp_mean] = ss_stats_mean(w->fmp, Lt);
    x[SS_MET_fmp_std] = ss_stats_std(w->fmp, Lt, x[SS_MET_fmp_mean]);
    x[SS_MET_v_mean] = ss_stats_mean(w->v, Lt);
    x[SS_MET_gE_mean] = ss_stats_mean(w->gE, Lt);
    x[SS_MET_gI_mean] = ss_stats_mean(w->gI, Lt);
    x[SS_MET_cv_isi] = NAN; /* the tutorial's rule: more than 3 spikes */
    if (n >= 4) {
        if (w->isi_cap < n) {
            double *q = realloc(w->isi, n * sizeof *q);
            if (!q)
                return ss_error_set(err, SS_ERR_NOMEM, "out of memory");
            w->isi = q;
            w->isi_cap = n;
        }
        for (size_t i = 1; i < n; i++)
            w->isi[i - 1] = w->spike_t[i] - w->spike_t[i - 1];
        double mean = ss_stats_mean(w->isi, n - 1);
        x[SS_MET_cv_isi] = ss_stats_std(w->isi, n - 1, mean) / mean;
    }
    ss_metrics_check_finite(m, out);
    return SS_OK;
}
