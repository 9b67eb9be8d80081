/* What the reference and the fast kernels share inside the model module. */
#ifndef SYNSWEEP_MODEL_INTERNAL_H
#define SYNSWEEP_MODEL_INTERNAL_H

#include "synsweep/events.h"
#include "synsweep/model.h"

struct ss_fast_scratch;
struct ss_cont_scratch;

/* Everything but `fast` belongs to the reference kernels (model.c) and
 * holds the last traced trial; the fast kernels (model_fast.c) touch only
 * `fast`, so their runs leave the traces as they were. */
struct ss_model_ws {
    size_t cap; /* bins every array below holds */
    size_t Lt;  /* bins of the last traced trial */
    double *trace[SS_TRACE_COUNT];
    bool made[SS_TRACE_COUNT];
    /* scratch: one synapse's train and state, the inhibitory counts */
    double *train, *syn_u, *syn_R, *syn_g, *counts_I;
    size_t *spikes;
    double *spike_t; /* their times, ms */
    size_t n_spikes;
    struct ss_fast_scratch *fast; /* the fast kernels' own, made on use */
    struct ss_cont_scratch *cont; /* continuous events, exact: made on use */
};

/* Frees the fast kernels' scratch; NULL is fine. */
void ss__fast_free(struct ss_fast_scratch *f);

/* stp_train's spike period, isi = int((1e3/rate)/dt) bins (my_illus_STD's
 * isi_num), when its grid of Lt bins reaches bin 9 isi, where both kernels
 * read g10; SS_ERR_PARAM otherwise. */
ss_status ss__stp_train_isi(const ss_params *p, size_t Lt, size_t *isi,
                           ss_error *err);

/* Presynaptic spikes given explicitly, for one trial: train j (excitatory
 * trains first, then inhibitory) fires at bins[offset[j] .. offset[j+1]),
 * in increasing order. Lets tests drive both kernels with the same input. */
typedef struct ss__trains {
    size_t n_exc, n_inh;
    const size_t *offset;
    const uint32_t *bins;
} ss__trains;

/* Substreams of a trial's stream the fast kernels read beside those of
 * synsweep/input.h (past the noise's): lif_cond's populations drawn as
 * counts per bin, and the draws that share a bin's count among the
 * population's trains (for ss__draw_trains only: the counts alone drive
 * the model). */
#define SS__SUBSTREAM_POP_EXC (UINT64_C(3) << 32)
#define SS__SUBSTREAM_POP_INH (UINT64_C(4) << 32)
#define SS__SUBSTREAM_PICK_EXC (UINT64_C(5) << 32)
#define SS__SUBSTREAM_PICK_INH (UINT64_C(6) << 32)

/* A growable set of trains, owned. */
typedef struct ss__train_buf {
    size_t n_exc, n_inh;
    size_t *offset;
    uint32_t *bins;
    size_t offset_cap, bins_cap;
} ss__train_buf;

void ss__train_buf_free(ss__train_buf *b);

/* The presynaptic trains the fast kernels draw for trial (m, p, s). */
ss_status ss__draw_trains(ss_model m, const ss_params *p,
                          const ss_rng_stream *s, ss__train_buf *buf,
                          ss_error *err);

/* ss_model_run (the reference dynamics, traces kept) on given trains
 * instead of Bernoulli trains from the stream (which still drives the
 * noise current); given NULL is ss_model_run. */
ss_status ss__model_run_on(ss_model m, const ss_params *p,
                           const ss_rng_stream *s, const ss__trains *given,
                           ss_model_ws *ws, ss_metrics *out, ss_error *err);

/* The output spike bins of lane `lane` of the last fast LIF run in ws. */
const size_t *ss__fast_spikes(const ss_model_ws *ws, size_t lane, size_t *n);

/* ss_model_run_fast with the presynaptic spikes of lane k from trains[k]
 * instead of drawn from the streams (which still drive the noise). */
ss_status ss__model_run_fast_on(ss_model m, size_t n, const ss_params *p,
                                const ss_rng_stream *s,
                                const ss__trains *trains, ss_model_ws *ws,
                                ss_metrics *out, ss_error *err);

/* ---- continuous events and the exact integrator (model_cont.c,
 * model_exact.c) ------------------------------------------------------- */

/* Frees the scratch of the continuous-event and exact paths; NULL is
 * fine. */
void ss__cont_free(struct ss_cont_scratch *c);

/* Whether a reference run of (p, given) takes the continuous-event or the
 * exact path (ss__model_run_cont) rather than the tutorial's loops. */
bool ss__cont_wanted(ss_model m, const ss_params *p, const ss__trains *given);

/* The reference run of a LIF trial with `events: continuous` or `method:
 * exact`, traces kept in ws (reserved for the trial's bins by the caller).
 * Euler on continuous events: the events in bins (ss__events_to_trains),
 * then the tutorial's loops. Exact: the trains given, or drawn (continuous
 * events, or Bernoulli per bin as the reference kernels draw them, an event
 * in bin b at time b dt), integrated by ss__exact_lif. */
ss_status ss__model_run_cont(ss_model m, const ss_params *p,
                             const ss_rng_stream *s, const ss__trains *given,
                             ss_model_ws *ws, ss_metrics *out, ss_error *err);

/* Whether fast lanes (p[0..n), trains given or not) need
 * ss__model_run_fast_cont: some lane is exact, or continuous without
 * given trains. */
bool ss__cont_lanes(ss_model m, size_t n, const ss_params *p,
                    const ss__trains *trains);

/* ss__model_run_fast_on for lanes of mixed methods and events: the Euler
 * lanes in the fast kernels (continuous events as their bins), the exact
 * lanes one by one in ss__exact_lif (binned trains drawn as the fast
 * kernels draw them). */
ss_status ss__model_run_fast_cont(ss_model m, size_t n, const ss_params *p,
                                  const ss_rng_stream *s,
                                  const ss__trains *trains, ss_model_ws *ws,
                                  ss_metrics *out, ss_error *err);

/* Euler's delivery of continuous events: an event at time t is a spike of
 * its train in bin floor(t / dt) (the tutorial then reads that bin at
 * it + 1). Static synapses count every event; an STP synapse fires at most
 * once per bin, as a Bernoulli train (events of one train in one bin are
 * one spike). Trains as ss__draw_trains. */
ss_status ss__events_to_trains(ss_model m, const ss_params *p,
                               const ss_events *ev, ss__train_buf *buf,
                               ss_error *err);

/* Binned trains as events for the exact integrator: a spike in bin b at
 * time b dt, population by population in time order (ties by train). */
ss_status ss__trains_to_events(const ss__trains *tr, double dt,
                               ss_events *ev, ss_error *err);

/* The exact integrator's workspace: the grid samples and spike times of
 * the last trial. Zeroed is empty; grown by ss__exact_lif. */
typedef struct ss__exact_ws {
    size_t cap, Lt;
    double *v, *fmp, *gE, *gI; /* at the grid points it * dt, Lt of each */
    double *spike_t;           /* n_spikes spike times, ms */
    size_t spike_cap, n_spikes;
    double *syn; /* (u, R, t_last) per synapse */
    size_t syn_cap;
    double *isi;
    size_t isi_cap;
    double *mt;   /* both populations' events merged in time order */
    uint32_t *mk; /* their train, bit 31 set for an inhibitory one */
    size_t m_cap;
    /* a run of bins' working arrays (~120 KB): here, not on the stack,
     * which a thread's may not hold (OMP_STACKSIZE) */
    struct run_bins *runs;
} ss__exact_ws;

ss_status ss__exact_reserve(ss__exact_ws *w, size_t Lt, size_t synapses,
                            ss_error *err);
void ss__exact_free(ss__exact_ws *w);

/* One LIF trial (m, p) on the events ev by the exact integrator (see
 * model_exact.c): metrics into out; grid samples and spike times left in
 * w. p must have passed ss_params_check_point. */
ss_status ss__exact_lif(ss_model m, const ss_params *p, const ss_events *ev,
                        ss__exact_ws *w, ss_metrics *out, ss_error *err);

#endif
