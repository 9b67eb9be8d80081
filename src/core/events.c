#include "synsweep/events.h"

#include <stdlib.h>
#include <string.h>

#include <Random123/philox.h>

#include "lanes.h"
#include "rng_internal.h"
#include "synsweep/input.h"

void ss_events_free(ss_events *ev)
{
    for (int k = 0; k < 2; k++) {
        free(ev->t[k]);
        free(ev->train[k]);
    }
    memset(ev, 0, sizeof *ev);
}

/* A tag no model index takes, first in the hashed values, so no trial's
 * own stream key can equal an events key by construction of the point. */
#define EVENTS_TAG (-1.0)

void ss_events_stream(const ss_params *p, const ss_rng_stream *s,
                      ss_rng_stream *out)
{
    double v[7] = {EVENTS_TAG, p->n_exc, p->n_inh, p->exc_rate,
                   p->inh_rate, p->input, p->T};
    size_t n = s->key[1] == 0 ? 1 : 7; /* common: seed and repeat only */
    ss_rng_stream_init(out, s->key[0], ss_rng_point_key(v, n), s->repeat);
}

static int reserve(ss_events *ev, int k, size_t n)
{
    if (n <= ev->cap[k])
        return 0;
    size_t want = ev->cap[k] ? 2 * ev->cap[k] : 4096;
    while (want < n)
        want *= 2;
    double *t = realloc(ev->t[k], want * sizeof *t);
    if (t)
        ev->t[k] = t;
    uint32_t *j = realloc(ev->train[k], want * sizeof *j);
    if (j)
        ev->train[k] = j;
    if (!t || !j)
        return -1;
    ev->cap[k] = want;
    return 0;
}

static ss_status population(ss_events *ev, int k, unsigned n, double rate,
                            int kind, double T, const ss_rng_stream *es,
                            ss_error *err)
{
    ev->n[k] = 0;
    if (n == 0 || !(rate > 0))
        return SS_OK;
    size_t m = 0;
    if (kind == SS_INPUT_REGULAR) {
        double period = 1e3 / rate;
        for (double i = 0;; i++) {
            double t = i * period;
            if (!(t < T))
                break;
            if (reserve(ev, k, m + n) < 0)
                return ss_error_set(err, SS_ERR_NOMEM,
                                    "cannot allocate presynaptic events");
            for (unsigned j = 0; j < n; j++) {
                ev->t[k][m] = t;
                ev->train[k][m++] = j;
            }
        }
        ev->n[k] = m;
        return SS_OK;
    }
    /* the gaps' and the trains' sequences (ss_rng_seq_init's counters
     * and key: substreams 2 k and 2 k + 1), read L words at a time from
     * their Philox blocks, both at once; the gaps' logs in lanes:
     * ss__rng_log's bits in each (words read ahead are never used) */
    philox4x64_key_t key = {{es->key[0], es->key[1]}};
    const uint64_t sub = 2 * (uint64_t)k;
    const double mean_gap = 1e3 / ((double)n * rate); /* ms */
    const ss__lane_set *lk = ss__lane_kernels();
    double u[L], lg[L], who[L];
    double t = 0.0;
    for (uint64_t blk = 0;; blk += L / 4) {
        uint64_t wg[L], ww[L];
        for (uint64_t i = 0; i < L / 4; i++) {
            philox4x64_ctr_t cg = {{blk + i, sub, es->repeat, 0}},
                             cw = {{blk + i, sub + 1, es->repeat, 0}};
            philox4x64_ctr_t rg = philox4x64(cg, key),
                             rw = philox4x64(cw, key);
            memcpy(wg + 4 * i, rg.v, sizeof rg.v);
            memcpy(ww + 4 * i, rw.v, sizeof rw.v);
        }
        for (size_t l = 0; l < L; l++) {
            u[l] = 1.0 - ss__rng_u01(wg[l]); /* (0, 1] */
            who[l] = ss__rng_u01(ww[l]);
        }
        lk->log(u, lg);
        if (reserve(ev, k, m + L) < 0)
            return ss_error_set(err, SS_ERR_NOMEM,
                                "cannot allocate presynaptic events");
        for (size_t l = 0; l < L; l++) {
            t += -lg[l] * mean_gap;
            if (!(t < T)) {
                ev->n[k] = m;
                return SS_OK;
            }
            uint32_t j = (uint32_t)(who[l] * (double)n);
            ev->t[k][m] = t;
            ev->train[k][m++] = j < n ? j : n - 1;
        }
    }
}

ss_status ss_events_draw(const ss_params *p, const ss_rng_stream *s,
                         ss_events *ev, ss_error *err)
{
    ss_rng_stream es;
    ss_events_stream(p, s, &es);
    ss_status st = population(ev, SS_EVENTS_EXC, (unsigned)p->n_exc,
                              p->exc_rate, (int)p->input, p->T, &es, err);
    if (st == SS_OK)
        st = population(ev, SS_EVENTS_INH, (unsigned)p->n_inh, p->inh_rate,
                        (int)p->input, p->T, &es, err);
    return st;
}
