/* The paths of `events: continuous` and `method: exact`: where a trial's
 * events come from and which integrator runs them. The tutorial's Euler
 * loops (model.c, model_fast.c) run continuous events as the bins they fall
 * in; the exact integrator (model_exact.c) runs events at their times. */
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"
#include "synsweep/input.h"

#define L SS_MODEL_LANES

struct ss_cont_scratch {
    ss_events ev[L];
    ss__train_buf tb[L];
    ss__exact_ws xw;
    double *train; /* one Bernoulli train, for the reference kernels */
    size_t train_cap;
};

void ss__cont_free(struct ss_cont_scratch *c)
{
    if (!c)
        return;
    for (size_t l = 0; l < L; l++) {
        ss_events_free(&c->ev[l]);
        ss__train_buf_free(&c->tb[l]);
    }
    ss__exact_free(&c->xw);
    free(c->train);
    free(c);
}

static struct ss_cont_scratch *scratch(ss_model_ws *ws, ss_error *err)
{
    if (!ws->cont && !(ws->cont = calloc(1, sizeof *ws->cont)))
        ss_error_set(err, SS_ERR_NOMEM, "cannot allocate a workspace");
    return ws->cont;
}

static bool is_exact(const ss_params *p)
{
    return p->method == SS_METHOD_EXACT;
}

static bool is_continuous(const ss_params *p)
{
    return p->events == SS_EVENTS_CONTINUOUS;
}

bool ss__cont_wanted(ss_model m, const ss_params *p, const ss__trains *given)
{
    return m != SS_MODEL_STP_TRAIN &&
           (is_exact(p) || (!given && is_continuous(p)));
}

bool ss__cont_lanes(ss_model m, size_t n, const ss_params *p,
                    const ss__trains *trains)
{
    for (size_t l = 0; l < n; l++)
        if (ss__cont_wanted(m, &p[l], trains ? &trains[l] : NULL))
            return true;
    return false;
}

/* ---- events <-> bins ------------------------------------------------- */

static int grow(void **a, size_t *cap, size_t n, size_t size)
{
    if (n <= *cap)
        return 0;
    size_t want = *cap ? 2 * *cap : 1024;
    while (want < n)
        want *= 2;
    void *q = realloc(*a, want * size);
    if (!q)
        return -1;
    *a = q;
    *cap = want;
    return 0;
}

ss_status ss__events_to_trains(ss_model m, const ss_params *p,
                               const ss_events *ev, ss__train_buf *buf,
                               ss_error *err)
{
    const size_t Lt = ss_params_time_bins(m, p);
    const size_t nE = (size_t)p->n_exc, nI = (size_t)p->n_inh;
    const size_t trains = nE + nI;
    const bool once = m == SS_MODEL_LIF_COND_STP;
    buf->n_exc = nE;
    buf->n_inh = nI;
    size_t total = ev->n[0] + ev->n[1];
    if (grow((void **)&buf->offset, &buf->offset_cap, trains + 2,
             sizeof *buf->offset) < 0 ||
        grow((void **)&buf->bins, &buf->bins_cap, total + 1,
             sizeof *buf->bins) < 0)
        return ss_error_set(err, SS_ERR_NOMEM, "cannot allocate trains");
    /* a counting sort by train keeps each train's events in time order */
    size_t *off = buf->offset;
    for (size_t j = 0; j <= trains; j++)
        off[j] = 0;
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < ev->n[k]; i++)
            off[(k ? nE : 0) + ev->train[k][i] + 1]++;
    for (size_t j = 0; j < trains; j++)
        off[j + 1] += off[j];
    /* off[j] is now the start of train j: fill, advancing a cursor kept
     * in off[j] itself, then shift back */
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < ev->n[k]; i++) {
            size_t j = (k ? nE : 0) + ev->train[k][i];
            double b = ev->t[k][i] / p->dt;
            size_t bin = b < (double)(Lt - 1) ? (size_t)b : Lt - 1;
            buf->bins[off[j]++] = (uint32_t)bin;
        }
    }
    for (size_t j = trains; j > 0; j--)
        off[j] = off[j - 1];
    off[0] = 0;
    if (once) { /* one spike per bin and train */
        size_t w = 0;
        for (size_t j = 0; j < trains; j++) {
            size_t start = off[j], end = off[j + 1];
            off[j] = w;
            for (size_t i = start; i < end; i++)
                if (i == start || buf->bins[i] != buf->bins[i - 1])
                    buf->bins[w++] = buf->bins[i];
        }
        off[trains] = w;
    }
    return SS_OK;
}

typedef struct bin_event {
    uint32_t bin, train;
} bin_event;

static int bin_event_cmp(const void *a, const void *b)
{
    const bin_event *x = a, *y = b;
    if (x->bin != y->bin)
        return x->bin < y->bin ? -1 : 1;
    return x->train < y->train ? -1 : x->train > y->train;
}

ss_status ss__trains_to_events(const ss__trains *tr, double dt,
                               ss_events *ev, ss_error *err)
{
    for (int k = 0; k < 2; k++) {
        size_t first = k ? tr->n_exc : 0;
        size_t n_trains = k ? tr->n_inh : tr->n_exc;
        size_t n = tr->offset[first + n_trains] - tr->offset[first];
        ev->n[k] = 0;
        if (n == 0)
            continue;
        bin_event *tmp = malloc(n * sizeof *tmp);
        if (!tmp || grow((void **)&ev->t[k], &ev->cap[k], n,
                         sizeof *ev->t[k]) < 0) {
            free(tmp);
            return ss_error_set(err, SS_ERR_NOMEM, "cannot allocate events");
        }
        /* t and train share one capacity */
        uint32_t *jj = realloc(ev->train[k], ev->cap[k] * sizeof *jj);
        if (!jj) {
            free(tmp);
            return ss_error_set(err, SS_ERR_NOMEM, "cannot allocate events");
        }
        ev->train[k] = jj;
        size_t m = 0;
        for (size_t j = 0; j < n_trains; j++)
            for (size_t i = tr->offset[first + j];
                 i < tr->offset[first + j + 1]; i++)
                tmp[m++] = (bin_event){tr->bins[i], (uint32_t)j};
        qsort(tmp, n, sizeof *tmp, bin_event_cmp);
        for (size_t i = 0; i < n; i++) {
            ev->t[k][i] = (double)tmp[i].bin * dt;
            ev->train[k][i] = tmp[i].train;
        }
        ev->n[k] = n;
        free(tmp);
    }
    return SS_OK;
}

/* The reference kernels' Bernoulli trains (ss_input_train, substream by
 * substream), as bins. */
static ss_status reference_trains(ss_model m, const ss_params *p,
                                  const ss_rng_stream *s,
                                  struct ss_cont_scratch *c,
                                  ss__train_buf *buf, ss_error *err)
{
    const size_t Lt = ss_params_time_bins(m, p);
    const size_t nE = (size_t)p->n_exc, nI = (size_t)p->n_inh;
    if (grow((void **)&c->train, &c->train_cap, Lt, sizeof *c->train) < 0 ||
        grow((void **)&buf->offset, &buf->offset_cap, nE + nI + 1,
             sizeof *buf->offset) < 0)
        return ss_error_set(err, SS_ERR_NOMEM, "cannot allocate trains");
    buf->n_exc = nE;
    buf->n_inh = nI;
    size_t n = 0;
    for (size_t j = 0; j < nE + nI; j++) {
        bool exc = j < nE;
        ss_input_train(c->train, Lt, (int)p->input,
                       exc ? p->exc_rate : p->inh_rate, p->dt, s,
                       exc ? SS_SUBSTREAM_EXC(j) : SS_SUBSTREAM_INH(j - nE));
        buf->offset[j] = n;
        for (size_t b = 0; b < Lt; b++) {
            if (c->train[b] == 0.0)
                continue;
            if (grow((void **)&buf->bins, &buf->bins_cap, n + 1,
                     sizeof *buf->bins) < 0)
                return ss_error_set(err, SS_ERR_NOMEM,
                                    "cannot allocate trains");
            buf->bins[n++] = (uint32_t)b;
        }
    }
    buf->offset[nE + nI] = n;
    return SS_OK;
}

static ss__trains view_of(const ss__train_buf *b)
{
    return (ss__trains){b->n_exc, b->n_inh, b->offset, b->bins};
}

/* ---- reference runs -------------------------------------------------- */

/* The exact run's samples as the reference kernels' traces. */
static void exact_traces(const ss_params *p, const ss_events *ev,
                         const ss__exact_ws *xw, ss_model_ws *ws)
{
    const size_t Lt = ws->Lt;
    memcpy(ws->trace[SS_TRACE_V], xw->v, Lt * sizeof(double));
    memcpy(ws->trace[SS_TRACE_FMP], xw->fmp, Lt * sizeof(double));
    memcpy(ws->trace[SS_TRACE_GE], xw->gE, Lt * sizeof(double));
    memcpy(ws->trace[SS_TRACE_GI], xw->gI, Lt * sizeof(double));
    double *I = ws->trace[SS_TRACE_I], *train = ws->trace[SS_TRACE_TRAIN];
    for (size_t it = 0; it < Lt; it++) {
        I[it] = p->I_inj;
        train[it] = 0.0;
    }
    for (size_t i = 0; i < ev->n[0]; i++) {
        double b = ev->t[0][i] / p->dt;
        train[b < (double)(Lt - 1) ? (size_t)b : Lt - 1] += 1.0;
    }
    ws->n_spikes = xw->n_spikes;
    for (size_t i = 0; i < xw->n_spikes; i++) {
        double b = xw->spike_t[i] / p->dt;
        ws->spikes[i < Lt ? i : Lt - 1] =
            b < (double)(Lt - 1) ? (size_t)b : Lt - 1;
        ws->spike_t[i < Lt ? i : Lt - 1] = xw->spike_t[i];
    }
    if (ws->n_spikes > Lt)
        ws->n_spikes = Lt;
    ws->made[SS_TRACE_V] = ws->made[SS_TRACE_FMP] = true;
    ws->made[SS_TRACE_GE] = ws->made[SS_TRACE_GI] = true;
    ws->made[SS_TRACE_I] = ws->made[SS_TRACE_TRAIN] = true;
}

ss_status ss__model_run_cont(ss_model m, const ss_params *p,
                             const ss_rng_stream *s, const ss__trains *given,
                             ss_model_ws *ws, ss_metrics *out, ss_error *err)
{
    struct ss_cont_scratch *c = scratch(ws, err);
    if (!c)
        return SS_ERR_NOMEM;
    ss_status st = SS_OK;
    ss_events *ev = &c->ev[0];
    if (!given && is_continuous(p)) {
        st = ss_events_draw(p, s, ev, err);
        if (st == SS_OK && !is_exact(p)) {
            st = ss__events_to_trains(m, p, ev, &c->tb[0], err);
            ss__trains view = view_of(&c->tb[0]);
            return st == SS_OK ? ss__model_run_on(m, p, s, &view, ws, out,
                                                  err)
                               : st;
        }
    } else {
        ss__trains view;
        if (!given) {
            st = reference_trains(m, p, s, c, &c->tb[0], err);
            view = view_of(&c->tb[0]);
            given = &view;
        }
        if (st == SS_OK)
            st = ss__trains_to_events(given, p->dt, ev, err);
    }
    if (st == SS_OK)
        st = ss__exact_lif(m, p, ev, &c->xw, out, err);
    if (st == SS_OK)
        exact_traces(p, ev, &c->xw, ws);
    return st;
}

/* ---- fast runs ------------------------------------------------------- */

ss_status ss__model_run_fast_cont(ss_model m, size_t n, const ss_params *p,
                                  const ss_rng_stream *s,
                                  const ss__trains *trains, ss_model_ws *ws,
                                  ss_metrics *out, ss_error *err)
{
    struct ss_cont_scratch *c = scratch(ws, err);
    if (!c)
        return SS_ERR_NOMEM;
    /* the Euler lanes, in two groups: Bernoulli trains drawn by the fast
     * kernels, or trains given (continuous events in bins) */
    ss_params pa[L], pb[L];
    ss_rng_stream sa[L], sb[L];
    ss__trains tb[L];
    size_t ia[L], ib[L], na = 0, nb = 0;
    ss_metrics ma[L], mb[L];
    ss_status st = SS_OK;
    for (size_t l = 0; l < n && st == SS_OK; l++) {
        const ss__trains *given = trains ? &trains[l] : NULL;
        if (is_exact(&p[l])) {
            ss_events *ev = &c->ev[l];
            if (given) {
                st = ss__trains_to_events(given, p[l].dt, ev, err);
            } else if (is_continuous(&p[l])) {
                st = ss_events_draw(&p[l], &s[l], ev, err);
            } else {
                st = ss__draw_trains(m, &p[l], &s[l], &c->tb[l], err);
                ss__trains view = view_of(&c->tb[l]);
                if (st == SS_OK)
                    st = ss__trains_to_events(&view, p[l].dt, ev, err);
            }
            if (st == SS_OK)
                st = ss__exact_lif(m, &p[l], ev, &c->xw, &out[l], err);
        } else if (given || is_continuous(&p[l])) {
            if (!given) {
                st = ss_events_draw(&p[l], &s[l], &c->ev[l], err);
                if (st == SS_OK)
                    st = ss__events_to_trains(m, &p[l], &c->ev[l],
                                              &c->tb[l], err);
                tb[nb] = view_of(&c->tb[l]);
            } else {
                tb[nb] = *given;
            }
            pb[nb] = p[l];
            sb[nb] = s[l];
            ib[nb++] = l;
        } else {
            pa[na] = p[l];
            sa[na] = s[l];
            ia[na++] = l;
        }
    }
    if (st == SS_OK && na > 0)
        st = ss__model_run_fast_on(m, na, pa, sa, NULL, ws, ma, err);
    if (st == SS_OK && nb > 0)
        st = ss__model_run_fast_on(m, nb, pb, sb, tb, ws, mb, err);
    for (size_t i = 0; st == SS_OK && i < na; i++)
        out[ia[i]] = ma[i];
    for (size_t i = 0; st == SS_OK && i < nb; i++)
        out[ib[i]] = mb[i];
    return st;
}
