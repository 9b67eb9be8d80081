/* The presynaptic trains of the fast kernels: one train drawn as gaps
 * between its spikes, a static population drawn as counts per bin, the
 * first draws of 8 trains at once, and the trains themselves for traces
 * and tests. Internal to the model module (model_fast.c). */
#ifndef SYNSWEEP_FAST_TRAINS_H
#define SYNSWEEP_FAST_TRAINS_H

#include <stdint.h>

#include "lanes.h"
#include "model_internal.h"
#include "rng_internal.h"
#include "synsweep/rng.h"

#define MAX_VECS 16 /* vectors of the lanes' Philox at once */

/* ---- the fast kernels' draws ------------------------------------------ */

/* The Poisson inputs of the fast lif_cond and lif_cond_stp (version 3 of
 * the fast kernels) are read from a generator of their own, cheaper in the
 * lanes than the stream's Philox4x64 (whose 64 x 64 multiply the lanes
 * build from four 32 x 32 ones): Philox4x32-10 (Random123's philox4x32)
 * under a 64-bit key drawn from the trial's stream,
 *   key = Philox4x64({0, 0, repeat, SS__FAST_KEY_TAG}, {seed, point key})[0]
 * (the stream's own counters all have a last word of 0), and word 4 b +
 * 2 h + j (h, j in {0, 1}) of substream sub is x[2 j] | x[2 j + 1] << 32,
 *   x = Philox4x32-10({lo(c), hi(c), lo(sub), hi(sub)}, {lo(key), hi(key)}),
 * c = 2 b + h: a block of 4 words is two Philox4x32 blocks. So a trial's
 * draws depend on (seed, point, repeat) only, as before; two trials share
 * them only if their keys collide (2^-64 a pair). stp_train's train keeps
 * the stream's own words. */
#define SS__FAST_KEY_TAG UINT64_C(0x3374736166737373)

uint64_t ss__fast_key(const ss_rng_stream *s);

/* Block b (words 4 b .. 4 b + 3) of substream sub under key. */
void ss__fast_block(uint64_t key, uint64_t sub, uint64_t b, uint64_t out[4]);

/* A sequential reader of one substream of the fast draws. */
typedef struct fast_seq {
    uint64_t key, sub, pos; /* pos: the next word */
    uint64_t held;          /* 1 + the block in block[], 0 for none */
    uint64_t block[4];
} fast_seq;

static inline uint64_t fast_seq_next(fast_seq *q)
{
    uint64_t b = q->pos >> 2;
    if (q->held != b + 1) {
        ss__fast_block(q->key, q->sub, b, q->block);
        q->held = b + 1;
    }
    return q->block[q->pos++ & 3];
}

/* ---- one train as gaps ------------------------------------------------ */

/* A Bernoulli(p)-per-bin train read as gaps: the next spike bin after
 * `bin` (start at -1) is bin + 1 + floor(log U / log(1 - p)), U in (0, 1].
 * The uniforms are read L at a time and their logs taken in the lanes. */
typedef struct gaps {
    ss_rng_seq q;   /* the stream's words (stp_train), */
    fast_seq f;     /* or the fast draws' (fast set) */
    int fast;
    double inv_log_q; /* 1 / log(1 - p) (< 0); 0 when p = 1 */
    int64_t bin;
    int64_t Lt;
    int never; /* p = 0 */
    const double *xs; /* log U / log(1 - p) of the draws: */
    size_t stride;    /* xs[k stride] for k in [next, avail) not used yet */
    size_t next, avail;
    double x[4 * L];    /* the draws made here: L at a time, or 4 L */
    void (*log_lanes)(const double *x, double *out);
    const ss__lane_set *lanes; /* for the fast draws' 4 L at a time */
} gaps;

/* Where a train's spike bins come from. */
typedef struct train_source {
    enum { FROM_GAPS, FROM_PERIOD, FROM_LIST } from;
    gaps g;                          /* FROM_GAPS: drawn */
    int64_t bin, period, Lt;         /* FROM_PERIOD: 0, isi, 2 isi, ... */
    const uint32_t *next, *end;      /* FROM_LIST: given */
} train_source;

/* 1 / log(1 - p), what gaps scale log U by (0 for p = 1). */
double ss__gap_scale(double p);

/* A train of rate at dt; scale is ss__gap_scale(rate * (dt / 1000.)), the
 * same for every train of a population. Drawn from the fast draws under
 * *fast_key, or from the stream's own words when fast_key is NULL. */
void ss__source_init(train_source *t, const ss_rng_stream *s,
                     const uint64_t *fast_key, uint64_t substream, int kind,
                     double rate, double dt, double scale, size_t Lt,
                     const ss__lane_set *kernels);

/* Train j of given, over Lt bins. */
void ss__source_given(train_source *t, const ss__trains *given, size_t j,
                      size_t Lt);

/* Draws g's next uniforms itself and takes their scaled logs: L of the
 * stream's words, or 4 L of the fast draws (L blocks in one call of the
 * lanes' Philox). */
void ss__gaps_refill(gaps *g);

/* Hands g the scaled logs of the first n words of its sequence, drawn
 * beforehand (in lanes across trains), word k at x[k stride]; it goes on
 * from word n. The numbers are those g would draw itself. */
static inline void gaps_preload(gaps *g, const double *x, size_t stride,
                                size_t n)
{
    g->xs = x;
    g->stride = stride;
    g->next = 0;
    g->avail = n;
    if (g->fast)
        g->f.pos += n;
    else
        ss__rng_seq_skip(&g->q, n);
}

/* The next spike bin, or Lt when the train has no more spikes. */
static inline int64_t gaps_next(gaps *g)
{
    if (g->never || g->bin >= g->Lt)
        return g->Lt;
    if (g->next == g->avail)
        ss__gaps_refill(g);
    double x = g->xs[g->next++ * g->stride];
    double room = (double)(g->Lt - g->bin);
    g->bin = x < room ? g->bin + 1 + (int64_t)x : g->Lt;
    if (g->bin > g->Lt)
        g->bin = g->Lt;
    return g->bin;
}

/* The next spike bin of the train, or Lt when it has no more. */
static inline int64_t source_next(train_source *t)
{
    switch (t->from) {
    case FROM_LIST:
        return t->next < t->end ? (int64_t)*t->next++ : t->Lt;
    case FROM_PERIOD:
        if (t->period == 0)
            return t->Lt;
        t->bin += t->period;
        return t->bin < t->Lt ? t->bin : t->Lt;
    default:
        return gaps_next(&t->g);
    }
}


/* ---- a static population as counts per bin ----------------------------- */

/* A population of n Bernoulli(p)-per-bin trains onto static synapses acts
 * only through its count per bin, c = the number of trains that fire in
 * the bin: c ~ Binomial(n, p), independently from bin to bin. So instead
 * of n trains the fast lif_cond draws the bins where c > 0 and c there:
 *   - a bin is empty with probability q = (1 - p)^n, so the gaps between
 *     non-empty bins are geometric: the next one is bin + 1 + floor(X),
 *     X = log U / log q, U uniform in (0, 1], as for one train;
 *   - given c > 0, c has the zero-truncated binomial law, independent of
 *     the gaps. It is read from the same U: X is exponential (P(X > x) =
 *     q^x), and P(floor X = g, frac X >= y) = q^(g+y) - q^(g+1) =
 *     q^g (1 - q) (q^y - q) / (1 - q): frac X is independent of floor X,
 *     with P(frac X >= y) = (q^y - q) / (1 - q). Let S_k = P(c > k | c > 0)
 *     and t_k = log(1 - S_k (1 - q)) / log q (decreasing in k, t_n = 0);
 *     then P(frac X >= t_k) = 1 - S_k = P(c <= k | c > 0), and
 *     c = the smallest k with frac X >= t_k has the truncated law.
 * So one uniform and one log per non-empty bin (about one per spike when
 * n p is small) give exactly the counts of the tutorial's n trains (up to
 * rounding), where drawing the trains takes one per spike plus n.
 * "Up to rounding": U = 1 - u01 takes the values k 2^-53, k = 1 .. 2^53,
 * each with probability 2^-53, and log U is ss__fast_log's (lanes.h),
 * within 2^-52 max(1, |log U|) of the true log: at most twice the spacing
 * of log U's own values (2^-53 / U, at least 2^-53, and far more than
 * 2^-52 |log U| for small U), so the error moves a threshold of X by at
 * most about two steps of U's grid. */
typedef struct pop_law {
    unsigned n;   /* trains */
    double p;     /* per bin; n and p are what the rest was made from */
    int never;    /* n = 0 or p = 0: no spikes */
    int every;    /* p = 1: every bin holds n */
    double scale; /* 1 / log q (< 0) */
    double busy;  /* 1 - q: a bin's chance to be non-empty */
    size_t K;     /* t[1..K], t[K] = 0: c is at most K */
    size_t cap;
    double *t;
} pop_law;

void ss__pop_law_free(pop_law *w);

/* Makes w the law of n trains of p (kept when it already is). */
ss_status ss__pop_law_set(pop_law *w, unsigned n, double p, ss_error *err);

/* The non-empty bins of a population, in order, from its own substream,
 * its words drawn 4 L at a time in the lanes. */
#define POP_VECS 4
#define POP_WORDS (4 * L * POP_VECS)
typedef struct pop_gaps {
    const pop_law *law;
    uint64_t key; /* of the fast draws */
    const ss__lane_set *k;
    uint64_t subs[L], block; /* the substream, L times; the next block */
    int64_t bin, Lt;
    size_t next;
    double x[POP_WORDS]; /* X of the words drawn, x[next..) not used yet */
} pop_gaps;

void ss__pop_gaps_init(pop_gaps *g, const pop_law *law, uint64_t key,
                       uint64_t sub, size_t Lt, const ss__lane_set *k);

/* The next non-empty bins of g (at most POP_WORDS; none when there are
 * no more) into bin[] and their counts into count[]; returns how many. */
size_t ss__pop_gaps_batch(pop_gaps *g, uint32_t *bin, uint32_t *count);

/* All the non-empty bins of g at once, bin b's count stored into
 * in[b L] (in a lane of the per-bin inputs, zero where no bin is): the
 * bins and counts of ss__pop_gaps_batch, with the lanes' pop kernel. */
void ss__pop_gaps_fill(pop_gaps *g, double *in);

/* ---- STP trains: their first draws in lanes ----------------------------- */

#define STP_MAX_BLOCKS MAX_VECS

/* Blocks to draw ahead per train of p over Lt bins. */
size_t ss__stp_blocks(double p, size_t Lt);

/* The first 4 B words of the trains of substreams sub[0..L), scaled
 * logs: train i's word m at x[m L + i]. */
void ss__stp_draw_ahead(const ss__lane_set *k, uint64_t key,
                        const uint64_t sub[L], size_t B, double scale,
                        uint64_t *words, double *x);

#endif
