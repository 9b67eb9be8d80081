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
         * time, by the series (exp_bounded4) */
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
 * v rises wherever it meets V_th; gE1, gI1 the conductances at h):
 * safeguarded Newton from the root of the cubic Hermite interpolant of v
 * (v and dv/dt at both ends), which is already within about
 * (h / tau)^4 h of it, so that one step and its check usually do. */
static double solve_unique(xk *k, double va, double gE, double gI,
                           double gE1, double gI1, double h, double vb)
{
    double lo = 0.0, hi = h;
    double s = h * (k->V_th - va) / (vb - va);
    {
        /* p(x) = V_th on x = s / h in (0, 1), Newton on the cubic from
         * the chord's root */
        double ma = h * dvdt(k, va, gE, gI), mb = h * dvdt(k, vb, gE1, gI1);
        double c1 = ma, c2 = 3.0 * (vb - va) - 2.0 * ma - mb,
               c3 = ma + mb - 2.0 * (vb - va), c0 = va - k->V_th;
        double x = s / h;
        for (int i = 0; i < 4; i++) {
            double px = c0 + x * (c1 + x * (c2 + x * c3));
            double dp = c1 + x * (2.0 * c2 + x * 3.0 * c3);
            if (!(dp > 0))
                break;
            x -= px / dp;
        }
        if (x > 0 && x < 1)
            s = h * x;
    }
    if (!(s > lo && s < hi))
        s = 0.5 * h;
    for (int iter = 0; iter < 200 && hi - lo > CROSS_TOL; iter++) {
        /* v and the conductances at s: dv/dt from the same factors */
        double Phi, Psi, gEs, gIs;
        phi_psi(k, gE, gI, s, &Phi, &Psi, &gEs, &gIs);
        double vs = Phi * va + Psi;
        double f = vs - k->V_th;
        if (f >= 0)
            hi = s;
        else
            lo = s;
        double d = dvdt(k, vs, gEs, gIs);
        double sn = d > 0 ? s - f / d : 0.5 * (lo + hi);
        if (d > 0 && fabs(sn - s) <= 0.25 * CROSS_TOL) {
            /* converged (f = 0 too, s itself then, which the bracket
             * test below would have bisected away from) */
            s = sn < lo ? lo : sn > hi ? hi : sn;
            break;
        }
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
            return solve_unique(k, va, gE, gI, gE1, gI1, h, vb);
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
            /* the conductances with room for a run's writes past Lt */
            size_t spare = i == 2 || i == 3 ? RUN_SPARE : 0;
            double *p = realloc(*arr[i], (Lt + 1 + spare) * sizeof **arr[i]);
            if (p)
                *arr[i] = p;
            else
                bad = 1;
        }
        if (!bad)
            w->cap = w->spike_cap = Lt;
    }
    if (!bad && !w->runs) {
        /* the vector kernels' arrays on whole cache lines */
        size_t size = (sizeof *w->runs + 63) / 64 * 64;
        if (!(w->runs = aligned_alloc(64, size)))
            bad = 1;
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
    free(w->mt);
    free(w->mk);
    free(w->runs);
    memset(w, 0, sizeof *w);
}


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

void ss__exact_advance_with(xk *k, run_state *r, ss__exact_ws *w, double t0,
                            double t1, double Phi, double Psi, double gE1,
                            double gI1)
{
    advance_with(k, r, w, t0, t1, Phi, Psi, gE1, gI1);
}

bool ss__exact_maybe_above(const xk *k, double va, double vb, double gE,
                           double gI, double gE1, double gI1, double h)
{
    return maybe_above(k, va, vb, gE, gI, gE1, gI1, h);
}

void ss__exact_advance(xk *k, run_state *r, ss__exact_ws *w, double t0,
                       double t1)
{
    advance(k, r, w, t0, t1);
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
    k.r_dt = 1.0 / p->dt;
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
        /* SYNSWEEP_LANES=avx2 or base asks for narrower instructions here
         * too (the same bits) */
        const char *want = getenv("SYNSWEEP_LANES");
        bool narrow2 = want && strcmp(want, "avx2") == 0;
        bool narrow1 = want && strcmp(want, "base") == 0;
        if (!narrow1 && !narrow2 && __builtin_cpu_supports("avx512f"))
            k.isa = 2;
        else if (!narrow1 && __builtin_cpu_supports("avx2"))
            k.isa = 1;
    }
#endif
    k.cache[0].hs = k.cache[1].hs = k.grid_step.hs = k.small.hs = NAN;
    {
        double a_max_rate = k.rE > k.rI ? k.rE : k.rI;
        if (p->dt * a_max_rate <= SMALL_STEP) {
            factors_make(&k, p->dt, 3, &k.grid_step);
            k.powE[0] = k.powI[0] = 1.0;
            for (int i = 1; i <= RUN + STRETCH; i++) {
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
    /* the two populations' events in one time order (excitatory first
     * at equal times, as the general path adds them), for the runs */
    if (nEv + nIv > w->m_cap) {
        size_t want = 2 * (nEv + nIv) + 64;
        double *mt = realloc(w->mt, want * sizeof *mt);
        if (mt)
            w->mt = mt;
        uint32_t *mk = realloc(w->mk, want * sizeof *mk);
        if (mk)
            w->mk = mk;
        if (!mt || !mk)
            return ss_error_set(err, SS_ERR_NOMEM,
                                "cannot allocate %zu input events",
                                nEv + nIv);
        w->m_cap = want;
    }
    for (size_t i = 0, j = 0; i + j < nEv + nIv;) {
        /* which comes first is random: selects, not branches */
        bool moreE = i < nEv, moreI = j < nIv;
        double te = moreE ? tE[i] : INFINITY, ti = moreI ? tI[j] : INFINITY;
        uint32_t ke = moreE ? ev->train[0][i] : 0,
                 ki = moreI ? ev->train[1][j] | 0x80000000u : 0;
        bool inh = ti < te;
        w->mt[i + j] = inh ? ti : te;
        w->mk[i + j] = inh ? ki : ke;
        i += !inh;
        j += inh;
    }
    ev_cursor cur = {tE, tI, w->mt, w->mk, nEv, nIv, nEv + nIv, 0, 0};
    /* an event at t = 0 is not delivered, as the tutorial's bin 0 */
    while (cur.iE < nEv && !(tE[cur.iE] > 0))
        cur.iE++;
    while (cur.iI < nIv && !(tI[cur.iI] > 0))
        cur.iI++;
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
            size_t n = ss__exact_run_bins(&k, &r, w, p, stp, nE, &cur, it, Lt,
                                          w->runs);
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
            r.gE += stp ? ss__exact_stp_kick(
                              &w->syn[3 * ev->train[0][cur.iE]], tb,
                              p->gE_bar, p->U0_E, p->tau_d_E, p->tau_f_E)
                        : p->gE_bar;
        for (; cur.iI < nIv && tI[cur.iI] <= tb; cur.iI++)
            r.gI += stp ? ss__exact_stp_kick(
                              &w->syn[3 * (nE + ev->train[1][cur.iI])], tb,
                              p->gI_bar, p->U0_I, p->tau_d_I, p->tau_f_I)
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
