/* What the reference and the fast kernels share inside the model module. */
#ifndef SYNSWEEP_MODEL_INTERNAL_H
#define SYNSWEEP_MODEL_INTERNAL_H

#include "synsweep/model.h"

struct ss_fast_scratch;

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
    size_t n_spikes;
    struct ss_fast_scratch *fast; /* the fast kernels' own, made on use */
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

#endif
