#include "synsweep/input.h"

#include <math.h>

#include "synsweep/params.h"

size_t ss_input_regular_isi(double rate, double dt)
{
    if (!(rate > 0))
        return 0;
    return (size_t)((1e3 / rate) / dt); /* int() truncates, as the tutorial */
}

void ss_input_train(double *train, size_t Lt, int kind, double rate,
                    double dt, const ss_rng_stream *s, uint64_t substream)
{
    for (size_t b = 0; b < Lt; b++)
        train[b] = 0.0;
    ss_input_add_trains(train, Lt, 1, kind, rate, dt, s, substream);
}

void ss_input_add_trains(double *counts, size_t Lt, unsigned n, int kind,
                         double rate, double dt, const ss_rng_stream *s,
                         uint64_t first_substream)
{
    if (kind == SS_INPUT_REGULAR) {
        size_t isi = ss_input_regular_isi(rate, dt);
        if (isi == 0 || n == 0)
            return;
        for (size_t b = 0; b < Lt; b += isi)
            counts[b] += (double)n;
        return;
    }
    double p = rate * (dt / 1000.);
    if (!(p > 0))
        return; /* u < 0 never holds: no spikes, no draws needed */
    for (unsigned j = 0; j < n; j++) {
        ss_rng_seq q;
        ss_rng_seq_init(&q, s, first_substream + j);
        for (size_t b = 0; b < Lt; b++)
            counts[b] += ss_rng_uniform(&q) < p ? 1.0 : 0.0;
    }
}

void ss_input_current(double *I, size_t Lt, double I_inj, double I_sigma,
                      double dt, const ss_rng_stream *s)
{
    if (I_sigma == 0.0) {
        for (size_t it = 0; it < Lt; it++)
            I[it] = I_inj;
        return;
    }
    ss_rng_seq q;
    ss_rng_seq_init(&q, s, SS_SUBSTREAM_NOISE);
    /* my_GWN: mu + sig * randn / np.sqrt(dt / 1000.) */
    double root = sqrt(dt / 1000.);
    for (size_t it = 0; it < Lt; it++)
        I[it] = I_inj + I_sigma * ss_rng_normal(&q) / root;
}
