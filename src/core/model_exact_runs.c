/* The exact integrator's common case (model_exact.c): runs of bins. The
 * conductances do not depend on v, so over a run of bins (whole bins, and
 * bins split by one event time or more) their values at the bins' starts
 * and at the events come first, one pass over the events; then every bin's and
 * piece's Phi and Psi in vectors (model_exact_vec.c), the exponentials of
 * the split pieces' nodes too; then v and the FMP along the run, two bins
 * per multiply-add, where only the recurrence and the no-crossing bound
 * are left. A bin that may hold a crossing, or lies in a refractory
 * period, goes through advance_with with the same Phi and Psi. Pure
 * numerics. */
#include <math.h>
#include <string.h>

#include "model_exact_kernels.h"

/* One Tsodyks-Markram synapse's increment at its spike at time t: u and R
 * relax exactly since its last spike, then the tutorial's spike step (u
 * first, R with the new u, g with R before it and the new u). syn holds
 * (u, R, t_last). */
double ss__exact_stp_kick(double *syn, double t, double g_bar, double U0,
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

/* The kicks of the merged events from the cursor's up to index endm (all
 * at time te) added to *gE, *gI: each population's in its order, as the
 * general path adds them. */
static inline void kick_all(const ss_params *p, bool stp, size_t nE,
                            ss__exact_ws *w, ev_cursor *c, size_t endm,
                            double te, double *gE, double *gI)
{
    const double kE[2] = {p->gE_bar, 0.0}, kI[2] = {0.0, p->gI_bar};
    for (size_t m = c->iE + c->iI; m < endm; m++) {
        uint32_t inh = c->mk[m] >> 31, train = c->mk[m] & 0x7fffffffu;
        if (stp) {
            if (inh)
                *gI += ss__exact_stp_kick(&w->syn[3 * (nE + train)], te,
                                          p->gI_bar, p->U0_I, p->tau_d_I,
                                          p->tau_f_I);
            else
                *gE += ss__exact_stp_kick(&w->syn[3 * train], te, p->gE_bar,
                                          p->U0_E, p->tau_d_E, p->tau_f_E);
        } else {
            *gE += kE[inh]; /* + 0.0 leaves a conductance as it is */
            *gI += kI[inh];
        }
        c->iI += inh;
        c->iE += 1 - inh;
    }
}

/* The membrane's state handed to the general code at the start of a bin
 * (conductances gE, gI there). */
static inline void hand_over(run_state *r, double v, double vf, double gE,
                             double gI)
{
    r->v = v;
    r->vf = vf;
    r->gE = gE;
    r->gI = gI;
}

/* The kicks of the merged events jm .. km - 1 added to the conductances
 * (an event's top bit: inhibitory); km. */
static inline size_t kick(const ev_cursor *c, size_t jm, size_t km,
                          const double kE[2], const double kI[2],
                          double *gE, double *gI)
{
    for (; jm < km; jm++) {
        uint32_t inh = c->mk[jm] >> 31;
        *gE += kE[inh];
        *gI += kI[inh];
    }
    return km;
}

/* Bin j of the run (from ta to tg) with event times q, q + 1, ... inside,
 * from v, vf at its start: pieces 2 q, ..., 2 ql and 2 ql + 1, each as
 * advance_with takes it when v stays below V_th at its end (the run's
 * bound, else the finer one), else the general code piece by piece.
 * Returns ql, the bin's last event time; r->nomem on a failed allocation.
 * Out of line: such bins are the rarer ones. */
static __attribute__((noinline)) size_t
several_times(xk *k, run_state *r, ss__exact_ws *w, const run_bins *b,
              size_t q, size_t j, double ta, double tg, double *v_io,
              double *vf_io)
{
    const double LE = k->VE - k->V_th, LI = k->VI - k->V_th;
    const double L0 = k->N0 - k->V_th * k->g_L;
    const double V_th = k->V_th;
    double v = *v_io, vf = *vf_io;
    size_t ql = q;
    while (!b->last[ql])
        ql++;
    bool fast = r->refr_end < ta;
    double vv = v, tp = ta, gEs = b->gE[j], gIs = b->gI[j];
    for (size_t m = q; fast && m <= ql; m++) {
        size_t Pm = 2 * m;
        if (m > q) {
            gEs = b->gEk[m - 1];
            gIs = b->gIk[m - 1];
        }
        double gEa = LE > 0 ? gEs : b->gE1[m];
        double gIa = LI > 0 ? gIs : b->gI1[m];
        double vm = b->pPhi[Pm] * vv + b->pPsi[Pm];
        fast = !b->long1[m] && vm < V_th &&
               (L0 + gEa * LE + gIa * LI < 0 ||
                below_anyway(k, vv, vm, gEs + gIs, b->te[m] - tp) ||
                !ss__exact_maybe_above(k, vv, vm, gEs, gIs, b->gE1[m],
                                       b->gI1[m], b->te[m] - tp));
        vv = vm;
        tp = b->te[m];
    }
    size_t Pl = 2 * ql + 1;
    double gEb = b->gEk[ql], gIb = b->gIk[ql];
    if (fast) {
        double vb = b->pPhi[Pl] * vv + b->pPsi[Pl];
        double gEm2 = LE > 0 ? gEb : b->gE[j + 1];
        double gIm2 = LI > 0 ? gIb : b->gI[j + 1];
        fast = !b->long2[ql] && vb < V_th &&
               (L0 + gEm2 * LE + gIm2 * LI < 0 ||
                below_anyway(k, vv, vb, gEb + gIb, tg - tp) ||
                !ss__exact_maybe_above(k, vv, vb, gEb, gIb, b->gE[j + 1],
                                       b->gI[j + 1], tg - tp));
        vv = vb;
    }
    if (fast) {
        v = vv;
        for (size_t m = q; m <= ql; m++)
            vf = b->pPhi[2 * m] * vf + b->pPsi[2 * m];
        vf = b->pPhi[Pl] * vf + b->pPsi[Pl];
    } else {
        hand_over(r, v, vf, b->gE[j], b->gI[j]);
        tp = ta;
        for (size_t m = q; m <= ql; m++) {
            if (b->long1[m])
                ss__exact_advance(k, r, w, tp, b->te[m]);
            else
                ss__exact_advance_with(k, r, w, tp, b->te[m],
                                       b->pPhi[2 * m], b->pPsi[2 * m],
                                       b->gE1[m], b->gI1[m]);
            if (r->nomem)
                return ql;
            r->gE = b->gEk[m]; /* after the kicks at te */
            r->gI = b->gIk[m];
            tp = b->te[m];
        }
        if (b->long2[ql])
            ss__exact_advance(k, r, w, tp, tg); /* a large kick */
        else
            ss__exact_advance_with(k, r, w, tp, tg, b->pPhi[Pl],
                                   b->pPsi[Pl], b->gE[j + 1], b->gI[j + 1]);
        if (r->nomem)
            return ql;
        v = r->refr_end >= tg ? k->V_reset : r->v;
        vf = r->vf;
    }
    *v_io = v;
    *vf_io = vf;
    return ql;
}

/* Bins it, it + 1, ... (t at the start of bin it, a grid point) as one
 * run, as far as they are whole bins or bins split by event times, with
 * short first pieces; returns how many it did (0: none, the caller's
 * general path goes on). */
static inline __attribute__((always_inline)) size_t
run_bins_body(xk *k, run_state *r, ss__exact_ws *w, const ss_params *p,
              bool stp, size_t nE, ev_cursor *c, size_t it, size_t Lt,
              run_bins *b)
{
    const double dt = k->dt;
    const size_t nmax = RUN < Lt - it ? RUN : Lt - it;
    /* the conductances straight into the samples (bin j's start is the
     * sample at it + j - 1; what is written past the run is written again
     * when its bins are done) */
    b->gE = w->gE + it - 1;
    b->gI = w->gI + it - 1;
    /* 1. the bins with events (the events only looked at here), so the
     * bins between them are whole */
    size_t n = 0, ne = 0;
    {
        size_t jm = c->iE + c->iI;
        /* bounds on the conductances (a kick is at most g_bar, the decay
         * left out): the run stops before a bin whose first piece may not
         * be short */
        double gEu = r->gE, gIu = r->gI;
        const double kE[2] = {p->gE_bar, 0.0}, kI[2] = {0.0, p->gI_bar};
        while (n < nmax) {
            double a0u = (1.0 + (gEu + gIu) * k->r_gL) * k->r_tau_m;
            if (dt * a0u > SMALL_STEP)
                break;
            double te = jm < c->nm ? c->mt[jm] : INFINITY;
            /* te / dt but for the rounding, which the steps below put
             * right (they find the bin whatever the estimate) */
            double qb = te * k->r_dt;
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
            size_t km = jm + 1;
            while (km < c->nm && c->mt[km] <= te)
                km++;
            if (ne == NEV) {
                n = rel;
                break;
            }
            if (te == tg) {
                /* at the bin's end (a binned train's events) */
                b->split[ne] = false;
                b->first[ne] = b->last[ne] = true;
                b->h[2 * ne] = b->h[2 * ne + 1] = 0.0;
                b->ej[ne] = rel;
                b->te[ne] = te;
                b->endm[ne] = km;
                jm = kick(c, jm, km, kE, kI, &gEu, &gIu);
                ne++;
            } else {
                if (!(te > ta) ||
                    (te - ta) * (a0u > k->r_syn ? a0u : k->r_syn) >
                        SMALL_STEP) {
                    n = rel; /* the general path takes this bin */
                    break;
                }
                /* every event time inside the bin, one piece before each
                 * and one after the last */
                size_t q0 = ne;
                double tp = ta;
                bool fits = true;
                for (;;) {
                    b->split[ne] = true;
                    b->first[ne] = ne == q0;
                    b->last[ne] = false;
                    b->h[2 * ne] = te - tp;
                    b->h[2 * ne + 1] = 0.0;
                    b->ej[ne] = rel;
                    b->te[ne] = te;
                    b->endm[ne] = km;
                    jm = kick(c, jm, km, kE, kI, &gEu, &gIu);
                    ne++;
                    if (!(km < c->nm && c->mt[km] < tg))
                        break;
                    if (ne == NEV) {
                        fits = false;
                        break;
                    }
                    tp = te;
                    te = c->mt[km];
                    for (km++; km < c->nm && c->mt[km] <= te; km++)
                        ;
                }
                if (!fits || (km < c->nm && c->mt[km] <= tg)) {
                    ne = q0; /* an event at the end too: the general path */
                    n = rel;
                    break;
                }
                b->last[ne - 1] = true;
                b->h[2 * (ne - 1) + 1] = tg - te;
            }
            n = rel + 1;
        }
    }
    if (n == 0)
        return 0;
    size_t np = 2 * ne;
    for (size_t P = np; P < PAD8(np); P++)
        b->h[P] = 0.0; /* the spare lanes */
    /* 2. the splits' node exponentials (at most dt / tau_syn) */
    if (np)
        ss__exact_piece_exps(k, b, np, dt * k->r_syn);
    /* 3. the conductances with the kicks; between kicks g = g0 exp(-m dt
     * / tau_syn), from a table of powers so that the bins do not wait on
     * each other; a bin whose piece is not short ends the run before it */
    double gE0 = r->gE, gI0 = r->gI;
    size_t j0 = 0; /* the bin whose start has gE0, gI0 */
    double wbound = 0.0, pbound = 0.0;
    size_t q = 0;
    for (;; q++) {
        size_t je = q < ne ? b->ej[q] : n;
        double gE, gI; /* at the start of piece 2 q */
        if (q < ne && !b->first[q]) {
            /* the next event time in the same bin */
            gE = b->gEk[q - 1];
            gI = b->gIk[q - 1];
        } else {
            /* a fixed stretch of STRETCH first (no branch on its length;
             * what lies past je is overwritten by the next stretch) */
            for (size_t o = 0; o < STRETCH; o++) {
                b->gE[j0 + o] = gE0 * k->powE[o];
                b->gI[j0 + o] = gI0 * k->powI[o];
            }
            for (size_t j = j0 + STRETCH; j <= je; j++) {
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
            gE = b->gE[je];
            gI = b->gI[je];
        }
        double a0 = (1.0 + (gE + gI) * k->r_gL) * k->r_tau_m;
        size_t P = 2 * q;
        if (b->split[q]) {
            double lam = a0 > k->r_syn ? a0 : k->r_syn;
            bool long1 = b->h[P] * lam > SMALL_STEP;
            if (long1 && b->first[q]) {
                n = je; /* the general path takes this bin */
                break;
            }
            /* a piece between two event times that is not short: the
             * general code's own Phi and Psi for it */
            b->long1[q] = long1;
            b->pE[P] = long1 ? 0.0 : gE;
            b->pI[P] = long1 ? 0.0 : gI;
            double pb = long1 ? 0.0 : b->h[P] * a0;
            pbound = pb > pbound ? pb : pbound;
            gE *= b->en[0][P] * b->en[4][P];
            gI *= b->en[1][P] * b->en[5][P];
        } else {
            b->long1[q] = false;
            b->pE[P] = b->pI[P] = 0.0;
            gE = gE0 * k->powE[je + 1 - j0];
            gI = gI0 * k->powI[je + 1 - j0];
        }
        b->gE1[q] = gE;
        b->gI1[q] = gI;
        kick_all(p, stp, nE, w, c, b->endm[q], b->te[q], &gE, &gI);
        b->gEk[q] = gE;
        b->gIk[q] = gI;
        if (b->split[q] && b->last[q]) {
            double a0b = (1.0 + (gE + gI) * k->r_gL) * k->r_tau_m;
            bool long2 = !(b->h[P + 1] * a0b <= SMALL_STEP);
            b->long2[q] = long2;
            b->pE[P + 1] = long2 ? 0.0 : gE;
            b->pI[P + 1] = long2 ? 0.0 : gI;
            double pb = long2 ? 0.0 : b->h[P + 1] * a0b;
            pbound = pb > pbound ? pb : pbound;
            gE *= b->en[0][P + 1] * b->en[4][P + 1];
            gI *= b->en[1][P + 1] * b->en[5][P + 1];
        } else {
            b->long2[q] = false;
            b->pE[P + 1] = b->pI[P + 1] = 0.0;
        }
        if (b->last[q]) {
            gE0 = gE;
            gI0 = gI;
            j0 = je + 1;
        }
    }
    ne = q; /* the event bins in the run */
    if (n == 0)
        return 0;
    /* 4. Phi and Psi of every bin as a whole one (those of the bins with
     * events are not used) and of the pieces */
    for (size_t j = n + 1; j < PAD8(n); j++)
        b->gE[j] = b->gI[j] = 0.0;
    ss__exact_phi_psi_bins(k, &k->grid_step, n, wbound, b->gE, b->gI, b->Phi,
                           b->Psi);
    np = 2 * ne;
    for (size_t P = np; P < PAD8(np); P++)
        b->h[P] = b->pE[P] = b->pI[P] = 0.0;
    if (np)
        ss__exact_piece_phi_psi(k, b, np, pbound);
    /* two bins at once, j and j + 1: v_{j+1} = Phi2 v_{j-1} + Psi2, so the
     * recurrence waits on one multiply-add per two bins (v_j itself, for
     * its test and sample, beside it) */
    for (size_t j = 0; j + 1 < n; j++) {
        b->Phi2[j] = b->Phi[j + 1] * b->Phi[j];
        b->Psi2[j] = b->Phi[j + 1] * b->Psi[j] + b->Psi[j + 1];
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
            double tg = (double)(it + j) * dt;
            if (r->refr_end >= tg) {
                /* refractory all through the bin: v clamped, only the FMP
                 * moves (advance_slow's operations) */
                vf = b->Phi[j] * vf + b->Psi[j];
                v = k->V_reset;
                w->v[it + j] = v;
                w->fmp[it + j] = vf;
                j++;
                continue;
            }
            if (r->refr_end < (double)(it + j - 1) * dt) {
                for (;;) {
                    for (; j + 1 < je; j += 2) {
                        double Phi = b->Phi[j], Psi = b->Psi[j];
                        double v1 = Phi * v + Psi,
                               v2 = b->Phi2[j] * v + b->Psi2[j];
                        double gEm = LE > 0 ? b->gE[j] : b->gE[j + 1];
                        double gIm = LI > 0 ? b->gI[j] : b->gI[j + 1];
                        double gEm2 = LE > 0 ? b->gE[j + 1] : b->gE[j + 2];
                        double gIm2 = LI > 0 ? b->gI[j + 1] : b->gI[j + 2];
                        if (!(v1 < V_th && v2 < V_th &&
                              (L0 + gEm * LE + gIm * LI < 0 ||
                               below_anyway(k, v, v1, b->gE[j] + b->gI[j],
                                            dt)) &&
                              (L0 + gEm2 * LE + gIm2 * LI < 0 ||
                               below_anyway(k, v1, v2,
                                            b->gE[j + 1] + b->gI[j + 1],
                                            dt))))
                            break;
                        double vf1 = Phi * vf + Psi;
                        vf = b->Phi2[j] * vf + b->Psi2[j];
                        v = v2;
                        w->v[it + j] = v1;
                        w->fmp[it + j] = vf1;
                        w->v[it + j + 1] = v2;
                        w->fmp[it + j + 1] = vf;
                    }
                    if (j == je)
                        break;
                    /* one bin: the last, or the first of a pair that
                     * failed */
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
                    j++;
                }
                if (j == je)
                    break;
            }
            double ta = (double)(it + j - 1) * dt;
            tg = (double)(it + j) * dt;
            if (r->refr_end < ta) {
                /* what advance_with does when v stays below V_th at the
                 * bin's end and the finer bound rules a crossing out */
                double vb = b->Phi[j] * v + b->Psi[j];
                if (vb < V_th &&
                    !ss__exact_maybe_above(k, v, vb, b->gE[j], b->gI[j],
                                           b->gE[j + 1], b->gI[j + 1],
                                           tg - ta)) {
                    v = vb;
                    vf = b->Phi[j] * vf + b->Psi[j];
                    w->v[it + j] = v;
                    w->fmp[it + j] = vf;
                    j++;
                    continue;
                }
            }
            hand_over(r, v, vf, b->gE[j], b->gI[j]);
            ss__exact_advance_with(k, r, w, ta, tg, b->Phi[j], b->Psi[j],
                                   b->gE[j + 1], b->gI[j + 1]);
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
                 below_anyway(k, v, vb, b->gE[j] + b->gI[j], dt) ||
                 !ss__exact_maybe_above(k, v, vb, b->gE[j], b->gI[j],
                                        b->gE1[q], b->gI1[q], tg - ta))) {
                v = vb;
                vf = Phi * vf + Psi;
            } else {
                hand_over(r, v, vf, b->gE[j], b->gI[j]);
                ss__exact_advance_with(k, r, w, ta, tg, Phi, Psi, b->gE1[q],
                             b->gI1[q]);
                if (r->nomem)
                    return j;
                v = r->refr_end >= tg ? k->V_reset : r->v;
                vf = r->vf;
            }
        } else if (b->last[q]) {
            /* one event time inside */
            double P1 = b->pPhi[P], Q1 = b->pPsi[P];
            double P2 = b->pPhi[P + 1], Q2 = b->pPsi[P + 1];
            double gEb = b->gEk[q], gIb = b->gIk[q];
            double vm = P1 * v + Q1, vb = P2 * vm + Q2;
            double gEm2 = LE > 0 ? gEb : b->gE[j + 1];
            double gIm2 = LI > 0 ? gIb : b->gI[j + 1];
            /* each piece as advance_with takes it when v stays below
             * V_th at its end: the run's bound, else the finer one */
            if (!b->long2[q] && r->refr_end < ta && vm < V_th && vb < V_th &&
                (L0 + gEm * LE + gIm * LI < 0 ||
                 below_anyway(k, v, vm, b->gE[j] + b->gI[j], te - ta) ||
                 !ss__exact_maybe_above(k, v, vm, b->gE[j], b->gI[j],
                                        b->gE1[q], b->gI1[q], te - ta)) &&
                (L0 + gEm2 * LE + gIm2 * LI < 0 ||
                 below_anyway(k, vm, vb, gEb + gIb, tg - te) ||
                 !ss__exact_maybe_above(k, vm, vb, gEb, gIb, b->gE[j + 1],
                                        b->gI[j + 1], tg - te))) {
                v = vb;
                vf = P2 * (P1 * vf + Q1) + Q2;
            } else {
                hand_over(r, v, vf, b->gE[j], b->gI[j]);
                ss__exact_advance_with(k, r, w, ta, te, P1, Q1, b->gE1[q],
                                       b->gI1[q]);
                if (r->nomem)
                    return j;
                r->gE = gEb; /* after the kicks at te */
                r->gI = gIb;
                if (b->long2[q])
                    ss__exact_advance(k, r, w, te, tg); /* a large kick */
                else
                    ss__exact_advance_with(k, r, w, te, tg, P2, Q2,
                                           b->gE[j + 1], b->gI[j + 1]);
                if (r->nomem)
                    return j;
                v = r->refr_end >= tg ? k->V_reset : r->v;
                vf = r->vf;
            }
        } else {
            q = several_times(k, r, w, b, q, j, ta, tg, &v, &vf);
            if (r->nomem)
                return j;
        }
        w->v[it + j] = v;
        w->fmp[it + j] = vf;
        j++;
    }
    hand_over(r, v, vf, b->gE[n], b->gI[n]);
    return n;
}

static size_t run_bins_base(xk *k, run_state *r, ss__exact_ws *w,
                            const ss_params *p, bool stp, size_t nE,
                            ev_cursor *c, size_t it, size_t Lt, run_bins *b)
{
    return run_bins_body(k, r, w, p, stp, nE, c, it, Lt, b);
}

#if defined(__x86_64__) && defined(__GNUC__)
/* The same operations with wider registers for the array loops (scalar
 * arithmetic is the same IEEE operations in any of them; no FMA: -ffp-
 * contract=off): the same bits. */
__attribute__((target("avx2"))) static size_t
run_bins_avx2(xk *k, run_state *r, ss__exact_ws *w, const ss_params *p,
              bool stp, size_t nE, ev_cursor *c, size_t it, size_t Lt,
              run_bins *b)
{
    return run_bins_body(k, r, w, p, stp, nE, c, it, Lt, b);
}

__attribute__((target("avx512f"))) static size_t
run_bins_avx512(xk *k, run_state *r, ss__exact_ws *w, const ss_params *p,
                bool stp, size_t nE, ev_cursor *c, size_t it, size_t Lt,
                run_bins *b)
{
    return run_bins_body(k, r, w, p, stp, nE, c, it, Lt, b);
}
#endif

size_t ss__exact_run_bins(xk *k, run_state *r, ss__exact_ws *w,
                          const ss_params *p, bool stp, size_t nE,
                          ev_cursor *c, size_t it, size_t Lt, run_bins *b)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (k->isa == 2)
        return run_bins_avx512(k, r, w, p, stp, nE, c, it, Lt, b);
    if (k->isa == 1)
        return run_bins_avx2(k, r, w, p, stp, nE, c, it, Lt, b);
#endif
    return run_bins_base(k, r, w, p, stp, nE, c, it, Lt, b);
}
