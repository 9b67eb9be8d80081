/* What drives a trial: presynaptic spike trains (Poisson or regular) and
 * the injected current (DC plus Gaussian white noise). Pure: each function
 * writes only the caller's array and reads the stream without changing it,
 * so it may run on any thread at once. */
#ifndef SYNSWEEP_INPUT_H
#define SYNSWEEP_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "synsweep/rng.h"

/* Substreams of a trial's stream: one per presynaptic train, one for the
 * noise current. Train j of a population always reads the same substream,
 * whatever the number of trains. */
#define SS_SUBSTREAM_EXC(j) ((uint64_t)(j))
#define SS_SUBSTREAM_INH(j) ((UINT64_C(1) << 32) + (uint64_t)(j))
#define SS_SUBSTREAM_NOISE (UINT64_C(2) << 32)

/* The tutorial's regular rule: int((1e3 / rate) / dt) bins between spikes;
 * 0 (no spikes at all) when rate is 0. */
size_t ss_input_regular_isi(double rate, double dt);

/* One train over Lt bins into train[0..Lt) (the caller's): train[b] = 1
 * where it fires, 0 elsewhere.
 * kind SS_INPUT_POISSON: Poisson_generator's Bernoulli per bin, fires in
 * bin b when word b of the substream, as a uniform, is < rate*(dt/1000.).
 * kind SS_INPUT_REGULAR: fires at bins 0, isi, 2 isi, ... */
void ss_input_train(double *train, size_t Lt, int kind, double rate,
                    double dt, const ss_rng_stream *s, uint64_t substream);

/* Adds n such trains, substreams first_substream + 0 .. n-1, into
 * counts[0..Lt) (spikes per bin; not cleared first). */
void ss_input_add_trains(double *counts, size_t Lt, unsigned n, int kind,
                         double rate, double dt, const ss_rng_stream *s,
                         uint64_t first_substream);

/* The injected current of my_GWN into I[0..Lt):
 * I[it] = I_inj + I_sigma * z_it / sqrt(dt / 1000.), z standard normal from
 * the noise substream; exactly I_inj (no draws) when I_sigma is 0. */
void ss_input_current(double *I, size_t Lt, double I_inj, double I_sigma,
                      double dt, const ss_rng_stream *s);

#endif
