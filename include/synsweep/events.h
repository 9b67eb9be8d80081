/* Presynaptic events in continuous time (`events: continuous`): each
 * presynaptic train a Poisson process (or the regular rule) in continuous
 * time, drawn from a stream keyed by the seed, the repeat and the input
 * parameters only (n_exc, n_inh, exc_rate, inh_rate, input, T), so a
 * trial's input realisation does not change with dt, the integration
 * method or any neuron parameter. Pure: no I/O, no threads, no global
 * state; ss_events_draw allocates (outside any time loop) into the
 * caller's ss_events. */
#ifndef SYNSWEEP_EVENTS_H
#define SYNSWEEP_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "synsweep/params.h"
#include "synsweep/rng.h"
#include "synsweep/status.h"

/* Population 0 is the excitatory one, 1 the inhibitory one. */
enum { SS_EVENTS_EXC = 0, SS_EVENTS_INH = 1 };

/* One trial's events, both populations: population k has n[k] events at
 * times t[k][0..n[k]) (ms, non-decreasing, in [0, T)), event i of train
 * train[k][i] (0 .. n_exc - 1 or n_inh - 1). Owned: free with
 * ss_events_free; a zeroed struct is an empty set. */
typedef struct ss_events {
    size_t n[2];
    double *t[2];
    uint32_t *train[2];
    size_t cap[2];
} ss_events;

/* Frees ev's arrays and zeroes it. */
void ss_events_free(ss_events *ev);

/* The stream the events of trial (p, s) are drawn from: seed and repeat of
 * s, and a key from (n_exc, n_inh, exc_rate, inh_rate, input, T); for a
 * stream of `streams: common` (point key 0), from the seed and the repeat
 * alone. Pure. */
void ss_events_stream(const ss_params *p, const ss_rng_stream *s,
                      ss_rng_stream *out);

/* Draws the events of a LIF trial into ev (grown as needed; the caller's).
 * input poisson: population k is the superposition of its trains, a
 * Poisson process of rate n * rate, its gaps exponential (-log U * 1000 /
 * (n rate) ms, U from substream 2k), each event's train uniform among the
 * n (from substream 2k + 1); this is n independent Poisson trains.
 * input regular: every train fires at k * 1000 / rate, k = 0, 1, ...
 * SS_ERR_NOMEM when ev cannot grow (ev then holds fewer events). */
ss_status ss_events_draw(const ss_params *p, const ss_rng_stream *s,
                         ss_events *ev, ss_error *err);

#endif
