/* The fast kernels: the same discrete-time models as the reference kernels,
 * computed with less work.
 *  - A Poisson train is drawn as gaps between spikes: the gap of a per-bin
 *    Bernoulli(p) process is geometric, 1 + floor(log U / log(1 - p)), so
 *    the draws scale with the spikes, not with bins x trains.
 *  - A population onto static synapses (lif_cond) acts only through its
 *    count per bin: it is drawn as one train of Binomial(n, p) counts
 *    (see pop_law), one draw per non-empty bin instead of one per spike
 *    plus one per train.
 *  - The draws themselves (Philox4x64 and the gaps' logs) are made in SIMD
 *    lanes, many at once; lif_cond_stp's synapses advance 8 at a time in
 *    lanes, with the same numbers as one at a time.
 *  - A synapse's state (u, R) is advanced only at its train's spikes, by the
 *    per-bin Euler factor raised to the number of bins elapsed; the
 *    conductances of a population share tau_syn, so their sum is one state,
 *    kicked by the per-bin sum of the synapses' increments.
 *  - The spiking run and the free-membrane-potential run are one pass, and
 *    SS_MODEL_LANES trials run side by side in SIMD lanes, so the latency of
 *    one trial's update chain hides behind the others'.
 * No allocation, no division and no branch on rare events in the time loop. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"
#include "rng_internal.h"
#include "synsweep/input.h"

#include "lanes.h"

/* The fast kernels' own scratch: they never write the reference kernels'
 * traces or scratch, so ss_model_trace keeps the last reference run's. */
struct ss_fast_scratch {
    size_t cap;         /* bins the arrays hold */
    double *in_E, *in_I; /* per bin and lane: spike counts or increments */
    double *current;     /* per bin and lane: injected current */
    double *noise;       /* cap bins: one lane's current, before the above */
    double *isi;         /* cap bins: one lane's interspike intervals */
    size_t *spikes;      /* per lane, cap bins: output spike bins */
    size_t n_spikes[L];  /* of the last run */
    size_t Lt;
    const ss__lane_set *lanes; /* the lane kernels this processor runs */
    struct pop_law *laws;      /* 2 L: lane l's E at [l], I at [L + l] */
    int64_t *grp_bins; /* an STP group's spikes and their increments, */
                       /* side by side: see ss__stp_lanes */
    double *grp_inc;
    size_t grp_cap;
};

const size_t *ss__fast_spikes(const ss_model_ws *ws, size_t lane, size_t *n)
{
    const struct ss_fast_scratch *f = ws->fast;
    *n = f && lane < L ? f->n_spikes[lane] : 0;
    return f ? f->spikes + lane * f->Lt : NULL;
}

/* Frees the arrays, not f. */
static void fast_arrays_free(struct ss_fast_scratch *f)
{
    free(f->in_E);
    free(f->in_I);
    free(f->current);
    free(f->noise);
    free(f->isi);
    free(f->spikes);
}

static void laws_free(struct pop_law *laws);

void ss__fast_free(struct ss_fast_scratch *f)
{
    if (!f)
        return;
    fast_arrays_free(f);
    laws_free(f->laws);
    free(f->grp_bins);
    free(f->grp_inc);
    free(f);
}

static void *aligned_array(size_t n, size_t size)
{
    size_t bytes = (n * size + 63) / 64 * 64;
    return aligned_alloc(64, bytes ? bytes : 64);
}

static ss_status fast_reserve(ss_model_ws *ws, size_t Lt, ss_error *err)
{
    struct ss_fast_scratch *f = ws->fast;
    if (!f && !(f = ws->fast = calloc(1, sizeof *f)))
        return ss_error_set(err, SS_ERR_NOMEM, "cannot allocate a workspace");
    if (!f->lanes)
        f->lanes = ss__lane_kernels();
    if (Lt <= f->cap)
        return SS_OK;
    fast_arrays_free(f);
    f->in_E = aligned_array(Lt * L, sizeof(double));
    f->in_I = aligned_array(Lt * L, sizeof(double));
    f->current = aligned_array(Lt * L, sizeof(double));
    f->noise = malloc(Lt * sizeof *f->noise);
    f->isi = malloc(Lt * sizeof *f->isi);
    f->spikes = malloc(Lt * L * sizeof *f->spikes);
    f->cap = 0;
    if (!f->in_E || !f->in_I || !f->current || !f->noise || !f->isi ||
        !f->spikes)
        return ss_error_set(err, SS_ERR_NOMEM,
                            "cannot allocate the workspace for %zu bins", Lt);
    memset(f->in_E, 0, Lt * L * sizeof *f->in_E);
    memset(f->in_I, 0, Lt * L * sizeof *f->in_I);
    f->cap = Lt;
    return SS_OK;
}

/* x^n for many n: x^n = hi[n / 64] lo[n % 64] for n < 4096, by squaring
 * beyond. Built per trial and population, 128 multiplications. */
typedef struct powers {
    double x, lo[64], hi[64];
} powers;

static void powers_init(powers *pw, double x)
{
    pw->x = x;
    pw->lo[0] = pw->hi[0] = 1.0;
    for (int k = 1; k < 64; k++)
        pw->lo[k] = pw->lo[k - 1] * x;
    double x64 = pw->lo[63] * x;
    for (int k = 1; k < 64; k++)
        pw->hi[k] = pw->hi[k - 1] * x64;
}

static inline double powers_of(const powers *pw, uint64_t n)
{
    return n < 4096 ? pw->hi[n >> 6] * pw->lo[n & 63] : ss__power(pw->x, n);
}

/* ---- presynaptic trains as gaps ------------------------------------- */

/* A Bernoulli(p)-per-bin train read as gaps: the next spike bin after
 * `bin` (start at -1) is bin + 1 + floor(log U / log(1 - p)), U in (0, 1].
 * The uniforms are read L at a time and their logs taken in the lanes. */
typedef struct gaps {
    ss_rng_seq q;
    double inv_log_q; /* 1 / log(1 - p) (< 0); 0 when p = 1 */
    int64_t bin;
    int64_t Lt;
    int never; /* p = 0 */
    const double *xs; /* log U / log(1 - p) of the draws: */
    size_t stride;    /* xs[k stride] for k in [next, avail) not used yet */
    size_t next, avail;
    double x[L];        /* the draws made here, L at a time */
    void (*log_lanes)(const double *x, double *out);
} gaps;

static double log1m(double p)
{
    /* log(1 - p) accurate for small p: log(w) corrected by the rounding of
     * w = 1 - p. */
    double w = 1.0 - p;
    if (w == 1.0)
        return -p;
    return ss__rng_log(w) * (-p / (w - 1.0));
}

/* 1 / log(1 - p), what gaps scale log U by (0 for p = 1). */
static double gap_scale(double p)
{
    return p >= 1.0 ? 0.0 : p > 0 ? 1.0 / log1m(p) : 0.0;
}

static void gaps_init(gaps *g, const ss_rng_stream *s, uint64_t substream,
                      double p, double scale, size_t Lt,
                      void (*log_lanes)(const double *x, double *out))
{
    g->log_lanes = log_lanes;
    ss_rng_seq_init(&g->q, s, substream);
    g->never = !(p > 0);
    g->inv_log_q = scale;
    g->bin = -1;
    g->Lt = (int64_t)Lt;
    g->xs = g->x;
    g->stride = 1;
    g->next = g->avail = L;
}

/* Hands g the scaled logs of the first n words of its sequence, drawn
 * beforehand (in lanes across trains), word k at x[k stride]; it goes on
 * from word n. The numbers are those g would draw itself. */
static void gaps_preload(gaps *g, const double *x, size_t stride, size_t n)
{
    g->xs = x;
    g->stride = stride;
    g->next = 0;
    g->avail = n;
    ss__rng_seq_skip(&g->q, n);
}

/* The next spike bin, or Lt when the train has no more spikes. */
static int64_t gaps_next(gaps *g)
{
    if (g->never || g->bin >= g->Lt)
        return g->Lt;
    if (g->next == g->avail) {
        double u[L];
        for (size_t l = 0; l < L; l++)
            u[l] = 1.0 - ss_rng_uniform(&g->q); /* (0, 1] */
        g->log_lanes(u, g->x);
        for (size_t l = 0; l < L; l++)
            g->x[l] *= g->inv_log_q; /* >= 0 */
        g->xs = g->x;
        g->stride = 1;
        g->next = 0;
        g->avail = L;
    }
    double x = g->xs[g->next++ * g->stride];
    double room = (double)(g->Lt - g->bin);
    g->bin = x < room ? g->bin + 1 + (int64_t)x : g->Lt;
    if (g->bin > g->Lt)
        g->bin = g->Lt;
    return g->bin;
}

/* Where a train's spike bins come from. */
typedef struct train_source {
    enum { FROM_GAPS, FROM_PERIOD, FROM_LIST } from;
    gaps g;                          /* FROM_GAPS: drawn */
    int64_t bin, period, Lt;         /* FROM_PERIOD: 0, isi, 2 isi, ... */
    const uint32_t *next, *end;      /* FROM_LIST: given */
} train_source;

/* A train of rate at dt; scale is gap_scale(rate * (dt / 1000.)), the
 * same for every train of a population. */
static void source_init(train_source *t, const ss_rng_stream *s,
                        uint64_t substream, int kind, double rate, double dt,
                        double scale, size_t Lt, const ss__lane_set *kernels)
{
    t->Lt = (int64_t)Lt;
    if (kind == SS_INPUT_REGULAR) {
        t->from = FROM_PERIOD;
        t->period = (int64_t)ss_input_regular_isi(rate, dt);
        t->bin = -t->period;
    } else {
        t->from = FROM_GAPS;
        gaps_init(&t->g, s, substream, rate * (dt / 1000.), scale, Lt,
                  kernels->log);
    }
}

static void source_given(train_source *t, const ss__trains *given, size_t j,
                         size_t Lt)
{
    t->from = FROM_LIST;
    t->Lt = (int64_t)Lt;
    t->next = given->bins + given->offset[j];
    t->end = given->bins + given->offset[j + 1];
}

/* The next spike bin of the train, or Lt when it has no more. */
static int64_t source_next(train_source *t)
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

/* ---- words in lanes ---------------------------------------------------- */

#define MAX_VECS 16 /* of the lanes' Philox at once */

/* ---- a static population as one train of counts ------------------------ */

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
 * rounding), where drawing the trains takes one per spike plus n. */
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

static void pop_law_free(pop_law *w)
{
    free(w->t);
    memset(w, 0, sizeof *w);
}

/* Makes w the law of n trains of p (kept when it already is). */
static ss_status pop_law_set(pop_law *w, unsigned n, double p, ss_error *err)
{
    if (w->t && w->n == n && w->p == p)
        return SS_OK;
    w->n = n;
    w->p = p;
    w->never = n == 0 || !(p > 0);
    w->every = !w->never && p >= 1.0;
    w->K = 0;
    if (w->never || w->every)
        return SS_OK;
    if (!w->t || w->cap < (size_t)n + 1) {
        free(w->t);
        w->cap = 0;
        if (!(w->t = malloc(((size_t)n + 1) * sizeof *w->t))) {
            w->n = 0;
            return ss_error_set(err, SS_ERR_NOMEM,
                                "cannot allocate the law of %u trains", n);
        }
        w->cap = (size_t)n + 1;
    }
    const double log_q = (double)n * log1m(p);
    w->scale = 1.0 / log_q;
    /* r_k = P(c = k) / P(c = 1) into t[k], up to where the rest past the
     * mode is below 2^-64 of the sum R */
    const double odds = p / (1.0 - p);
    const double mode = floor(((double)n + 1.0) * p);
    double *t = w->t, R = 1.0;
    size_t K = 1;
    t[1] = 1.0;
    while (K < n && !((double)K > mode && t[K] < R * 0x1p-64)) {
        t[K + 1] = t[K] * ((double)(n - K) / (double)(K + 1)) * odds;
        R += t[K + 1];
        K++;
    }
    /* 1 - q = P(c > 0) = P(c = 1) R, without the cancellation of 1 - q
     * when q is near 1 */
    double q = ss__power(1.0 - p, n);
    double one_minus_q =
        q < 0.5 ? 1.0 - q : (double)n * p * ss__power(1.0 - p, n - 1) * R;
    /* S_k summed from the small end; t_k from it */
    double S = 0.0;
    for (size_t k = K; k >= 1; k--) {
        double r = t[k];
        t[k] = k == K ? 0.0 : log1m(S * one_minus_q) * w->scale;
        S += r / R;
    }
    w->K = K;
    w->busy = one_minus_q;
    return SS_OK;
}

/* The count of a non-empty bin from frac X: the smallest k with
 * frac >= t_k (t decreasing, t_K = 0). */
static inline unsigned pop_count(const pop_law *w, double frac)
{
    if (frac >= w->t[1])
        return 1;
    size_t lo = 2, hi = w->K; /* the answer is in [lo, hi] */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (frac >= w->t[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return (unsigned)lo;
}

/* The non-empty bins of a population, in order, from its own substream,
 * its words drawn 4 L at a time in the lanes. */
#define POP_VECS 4
#define POP_WORDS (4 * L * POP_VECS)
typedef struct pop_gaps {
    const pop_law *law;
    const ss_rng_stream *s;
    const ss__lane_set *k;
    uint64_t subs[L], block; /* the substream, L times; the next block */
    int64_t bin, Lt;
    size_t next;
    double x[POP_WORDS]; /* X of the words drawn, x[next..) not used yet */
} pop_gaps;

static void pop_gaps_init(pop_gaps *g, const pop_law *law,
                          const ss_rng_stream *s, uint64_t sub, size_t Lt,
                          const ss__lane_set *k)
{
    g->law = law;
    g->s = s;
    g->k = k;
    for (size_t i = 0; i < L; i++)
        g->subs[i] = sub;
    g->block = 0;
    g->bin = -1;
    g->Lt = (int64_t)Lt;
    g->next = POP_WORDS;
}

/* The next non-empty bins of g (at most POP_WORDS; none when there are
 * no more) into bin[] and their counts into count[]; returns how many. */
static size_t pop_gaps_batch(pop_gaps *g, uint32_t *bin, uint32_t *count)
{
    const pop_law *w = g->law;
    const int64_t Lt = g->Lt;
    if (w->never || g->bin >= Lt)
        return 0;
    size_t n = 0;
    if (w->every) {
        for (; n < POP_WORDS && ++g->bin < Lt; n++) {
            bin[n] = (uint32_t)g->bin;
            count[n] = w->n;
        }
        return n;
    }
    /* blocks block .. block + POP_VECS L - 1; their words in the order
     * the lanes give them (each an independent uniform all the same) */
    /* as many vectors as the bins left are likely to need (3 standard
     * deviations more), up to POP_VECS: the words come in the same order
     * whatever the split, vector after vector */
    double need = (double)(Lt - g->bin) * w->busy;
    need += 3.0 * sqrt(need) + 1.0;
    size_t nvec = need < (double)(POP_VECS * 4 * L)
                      ? (size_t)(need / (4 * L)) + 1
                      : POP_VECS;
    uint64_t words[POP_WORDS];
    g->k->philox(g->s->key, g->s->repeat, g->subs, g->block, L, 1, nvec,
                 words);
    g->k->gaps(words, nvec * 4 * L, w->scale, g->x);
    g->block += nvec * L;
    const size_t n_words = nvec * 4 * L;
    int64_t b = g->bin;
    const double t1 = w->t[1], end = (double)Lt;
    for (size_t i = 0; i < n_words; i++) {
        double x = g->x[i];
        if (!(x < end)) { /* past the end (b >= -1), or too big to convert */
            b = Lt;
            break;
        }
        int64_t whole = (int64_t)x; /* x >= 0: floor */
        b += 1 + whole;
        if (b >= Lt) {
            b = Lt;
            break;
        }
        double frac = x - (double)whole;
        bin[n] = (uint32_t)b;
        count[n++] = frac >= t1 ? 1 : pop_count(w, frac);
    }
    g->bin = b;
    return n;
}

/* Puts the counts of population law (substream sub) into in[bin * L +
 * lane]: stores, not additions, as in[] is zero there (the time loop
 * leaves it so) and the population is its only writer. */
static void static_superposed(double *in, size_t lane, size_t Lt,
                              const pop_law *law, const ss_rng_stream *s,
                              uint64_t sub, const ss__lane_set *k)
{
    pop_gaps g;
    pop_gaps_init(&g, law, s, sub, Lt, k);
    uint32_t bin[POP_WORDS], count[POP_WORDS];
    for (size_t n; (n = pop_gaps_batch(&g, bin, count)) > 0;)
        for (size_t i = 0; i < n; i++)
            in[(size_t)bin[i] * L + lane] = (double)count[i];
}

/* Frees the 2 L laws of a workspace (NULL is fine). */
static void laws_free(pop_law *laws)
{
    for (size_t i = 0; laws && i < 2 * L; i++)
        pop_law_free(&laws[i]);
    free(laws);
}

/* Lane l's laws of its two populations: f->laws[l], f->laws[L + l]. */
static ss_status fast_laws(struct ss_fast_scratch *f, ss_error *err)
{
    if (!f->laws && !(f->laws = calloc(2 * L, sizeof *f->laws)))
        return ss_error_set(err, SS_ERR_NOMEM, "cannot allocate a workspace");
    return SS_OK;
}

/* ---- STP trains: their first words in lanes ----------------------------- */

/* Blocks drawn ahead per train: enough for the mean count of spikes
 * (plus the draw past the end) and two standard deviations; a train that
 * needs more draws the rest itself, the same numbers. */
#define STP_MAX_BLOCKS MAX_VECS
static size_t stp_blocks(double p, size_t Lt)
{
    /* one standard deviation: a block more for every train costs more
     * than the trains (one in six or so) that draw the rest themselves */
    double mean = p * (double)Lt;
    double words = mean + sqrt(mean) + 1.0;
    size_t b = (size_t)ceil(words / 4.0);
    return b < 1 ? 1 : b < STP_MAX_BLOCKS ? b : STP_MAX_BLOCKS;
}

/* The first 4 B words of the trains of substreams sub[0..L), scaled
 * logs: train i's word m at x[m L + i]. One call of the lanes' Philox
 * instead of B L of the scalar one. */
static void stp_draw_ahead(const ss__lane_set *k, const ss_rng_stream *s,
                           const uint64_t sub[L], size_t B, double scale,
                           uint64_t *words, double *x)
{
    k->philox(s->key, s->repeat, sub, 0, 1, 0, B, words);
    k->gaps(words, L * 4 * B, scale, x);
}

/* Adds the spike counts of a static population into in[bin * L + lane]
 * (run_LIF_cond multiplies the count by g_bar). */
static void static_population(double *in, size_t lane, size_t Lt,
                              train_source *t)
{
    for (int64_t b; (b = source_next(t)) < (int64_t)Lt;)
        in[(size_t)b * L + lane] += 1.0;
}

/* A Tsodyks-Markram synapse is updated at its spikes only. Between its
 * spikes the tutorial's Euler steps scale u by (1 - dt/tau_f) and 1 - R by
 * (1 - dt/tau_d) per bin; the spike step is the tutorial's, in its order
 * (lanes.c: ss__stp_lanes):
 *   du = -a_f u + U0 (1 - u); u_new = u + du;
 *   dR = a_d (1 - R) - u_new R; the conductance kick is g_bar R u_new. */

/* Up to L synapses of one STP population of one trial, side by side in
 * the lanes (ss__stp_lanes): each one's chain of updates is as long as
 * one at a time, but L advance at once. Their spike bins are gathered
 * first, train by train; the increments are added afterwards train by
 * train, in the order one at a time adds them, so the sums per bin keep
 * their bits. */
typedef struct stp_group {
    size_t m;       /* trains gathered */
    int64_t n[L];   /* train i's spikes: f->grp_bins[k L + i], k < n[i] */
    size_t kmax;    /* the largest n[i] */
} stp_group;

/* Room in the group for spike k of every lane. */
static ss_status stp_room(struct ss_fast_scratch *f, size_t k,
                          ss_error *err)
{
    if ((k + 1) * L <= f->grp_cap)
        return SS_OK;
    size_t want = 2 * (k + 1) * L;
    int64_t *bins = realloc(f->grp_bins, want * sizeof *bins);
    if (bins)
        f->grp_bins = bins;
    double *inc = realloc(f->grp_inc, want * sizeof *inc);
    if (inc)
        f->grp_inc = inc;
    if (!bins || !inc)
        return ss_error_set(err, SS_ERR_NOMEM,
                            "cannot allocate the workspace for %zu spikes",
                            want);
    f->grp_cap = want;
    return SS_OK;
}

/* Appends train t's spike bins as the group's next lane (but bin 0: the
 * tutorial reads the train at it + 1, so a spike there is never
 * delivered). A drawn train's preloaded draws are read with the state in
 * registers (gaps_next's steps), the rest through source_next. */
static ss_status stp_gather(struct ss_fast_scratch *f, stp_group *g,
                            train_source *t, size_t Lt, ss_error *err)
{
    const size_t i = g->m;
    size_t k = 0;
    ss_status st = stp_room(f, 4 * STP_MAX_BLOCKS, err);
    if (st != SS_OK)
        return st;
    int64_t *bins = f->grp_bins;
    if (t->from == FROM_GAPS && !t->g.never && t->g.xs != t->g.x) {
        gaps *q = &t->g;
        const int64_t end = q->Lt;
        const double last = (double)end;
        int64_t b = q->bin;
        size_t next = q->next;
        while (next < q->avail) {
            double x = q->xs[next++ * q->stride];
            /* gaps_next's step: x >= Lt is past the end as b >= -1 */
            if (!(x < last)) {
                b = end;
                break;
            }
            b += 1 + (int64_t)x;
            if (b >= end) {
                b = end;
                break;
            }
            if (b != 0)
                bins[k++ * L + i] = b; /* at most one per draw: room */
        }
        q->bin = b;
        q->next = next;
    }
    for (int64_t b; (b = source_next(t)) < (int64_t)Lt;) {
        if (b == 0)
            continue;
        if ((st = stp_room(f, k, err)) != SS_OK)
            return st;
        f->grp_bins[k++ * L + i] = b;
    }
    g->n[g->m++] = (int64_t)k;
    if (k > g->kmax)
        g->kmax = k;
    return SS_OK;
}

/* Runs the group's synapses and adds their increments into in[bin * L +
 * lane], train by train; empties the group. */
static void stp_group_run(double *in, size_t lane, struct ss_fast_scratch *f,
                          stp_group *g, double g_bar, double U0, double a_d,
                          double a_f, const powers *keep_u,
                          const powers *keep_1mR)
{
    ss__stp_lanes a = {.bins = f->grp_bins, .inc = f->grp_inc,
                       .kmax = g->kmax, .g_bar = g_bar, .U0 = U0,
                       .a_d = a_d, .a_f = a_f, .keep_u = keep_u->x,
                       .keep_1mR = keep_1mR->x, .u_lo = keep_u->lo,
                       .u_hi = keep_u->hi, .R_lo = keep_1mR->lo,
                       .R_hi = keep_1mR->hi};
    int64_t *bins = f->grp_bins;
    for (size_t i = 0; i < L; i++) {
        a.n[i] = i < g->m ? g->n[i] : 0;
        /* a lane past its spikes is ignored: any bin will do */
        for (size_t k = (size_t)a.n[i]; k < g->kmax; k++)
            bins[k * L + i] = 1;
    }
    f->lanes->stp(&a);
    for (size_t i = 0; i < g->m; i++)
        for (size_t k = 0; k < (size_t)a.n[i]; k++)
            in[(size_t)bins[k * L + i] * L + lane] += a.inc[k * L + i];
    g->m = 0;
    g->kmax = 0;
}

/* ---- the membrane, L trials at once ---------------------------------- */

/* The lane kernels (lanes.c), compiled once per instruction set: the
 * widest the processor has. */
const ss__lane_set *ss__lane_kernels(void)
{
#define SS_LANE_SET(v)                                                       \
    {ss__membrane_##v, ss__log_lanes_##v, ss__philox_lanes_##v,              \
     ss__gaps_lanes_##v, ss__stp_lanes_##v}
    static const ss__lane_set base = SS_LANE_SET(base);
#if defined(__x86_64__) && defined(__GNUC__)
    static const ss__lane_set avx2 = SS_LANE_SET(avx2),
                              avx512 = SS_LANE_SET(avx512);
    /* SYNSWEEP_LANES=avx2 or base asks for narrower instructions (for a
     * debugger, valgrind, or a processor that clocks down on AVX-512):
     * the numbers are the same bits */
    const char *want = getenv("SYNSWEEP_LANES");
    bool narrow2 = want && strcmp(want, "avx2") == 0;
    bool narrow1 = want && strcmp(want, "base") == 0;
    if (!narrow1 && !narrow2 && __builtin_cpu_supports("avx512f") &&
        __builtin_cpu_supports("avx512dq"))
        return &avx512;
    if (!narrow1 && __builtin_cpu_supports("avx2"))
        return &avx2;
#endif
    return &base;
#undef SS_LANE_SET
}

static double lane_of(vd x, size_t l)
{
    double a[L];
    memcpy(a, &x, sizeof a);
    return a[l];
}

static void set_lane(vd *x, size_t l, double value)
{
    double a[L];
    memcpy(a, x, sizeof a);
    a[l] = value;
    memcpy(x, a, sizeof a);
}

/* Lane l's static populations, drawn as counts per bin (see pop_law)
 * from their own substreams, into f->in_E and f->in_I. */
static ss_status superposed_inputs(struct ss_fast_scratch *f, size_t l,
                                   size_t Lt, const ss_params *q,
                                   const ss_rng_stream *s, ss_error *err)
{
    ss_status st = fast_laws(f, err);
    if (st == SS_OK)
        st = pop_law_set(&f->laws[l], (unsigned)q->n_exc,
                         q->exc_rate * (q->dt / 1000.), err);
    if (st == SS_OK)
        st = pop_law_set(&f->laws[L + l], (unsigned)q->n_inh,
                         q->inh_rate * (q->dt / 1000.), err);
    if (st != SS_OK)
        return st;
    static_superposed(f->in_E, l, Lt, &f->laws[l], s, SS__SUBSTREAM_POP_EXC,
                      f->lanes);
    static_superposed(f->in_I, l, Lt, &f->laws[L + l], s,
                      SS__SUBSTREAM_POP_INH, f->lanes);
    return SS_OK;
}

static ss_status run_lif(ss_model m, size_t n, const ss_params *p,
                         const ss_rng_stream *s, const ss__trains *given,
                         ss_model_ws *ws, ss_metrics *out, ss_error *err)
{
    const size_t Lt = ss_params_time_bins(m, &p[0]);
    ss_status st = fast_reserve(ws, Lt, err);
    if (st != SS_OK)
        return st;
    struct ss_fast_scratch *f = ws->fast;
    /* in_E and in_I are zero here: made so, and left so by the time loop */

    lanes c;
    memset(&c, 0, sizeof c);
    c.Lt = Lt;
    for (size_t l = 0; l < L; l++) {
        /* unused lanes repeat trial 0 without input: harmless, ignored */
        const ss_params *q = &p[l < n ? l : 0];
        set_lane(&c.V_th, l, q->V_th);
        set_lane(&c.V_reset, l, q->V_reset);
        set_lane(&c.V_init, l, q->V_init);
        set_lane(&c.E_L, l, q->E_L);
        set_lane(&c.VE, l, q->VE);
        set_lane(&c.VI, l, q->VI);
        set_lane(&c.k, l, q->dt / q->tau_m);
        set_lane(&c.r_gL, l, 1.0 / q->g_L);
        set_lane(&c.tref_dt, l, q->tref / q->dt);
        set_lane(&c.a_E, l, q->dt / q->tau_syn_E);
        set_lane(&c.a_I, l, q->dt / q->tau_syn_I);
        /* static synapses kick by g_bar x count; STP by the summed
         * increments themselves */
        set_lane(&c.w_E, l, m == SS_MODEL_LIF_COND ? q->gE_bar : 1.0);
        set_lane(&c.w_I, l, m == SS_MODEL_LIF_COND ? q->gI_bar : 1.0);
        set_lane(&c.I_inj, l, q->I_inj);
        c.noise |= l < n && q->I_sigma != 0.0;
    }

    for (size_t l = 0; l < n; l++) {
        const ss_params *q = &p[l];
        const int kind = (int)q->input;
        const size_t trains = (size_t)q->n_exc + (size_t)q->n_inh;
        /* the tutorial's per-bin factors: u by 1 - dt/tau_f, 1 - R by
         * 1 - dt/tau_d, between a synapse's spikes */
        const double a_fE = q->dt / q->tau_f_E, a_dE = q->dt / q->tau_d_E,
                     a_fI = q->dt / q->tau_f_I, a_dI = q->dt / q->tau_d_I;
        const double scale_E = gap_scale(q->exc_rate * (q->dt / 1000.)),
                     scale_I = gap_scale(q->inh_rate * (q->dt / 1000.));
        powers uE, RE, uI, RI;
        if (m == SS_MODEL_LIF_COND_STP) {
            powers_init(&uE, 1.0 - a_fE);
            powers_init(&RE, 1.0 - a_dE);
            powers_init(&uI, 1.0 - a_fI);
            powers_init(&RI, 1.0 - a_dI);
        }
        /* drawn static populations: their counts per bin */
        const bool counts = m == SS_MODEL_LIF_COND && !given &&
                            kind == SS_INPUT_POISSON;
        if (counts) {
            st = superposed_inputs(f, l, Lt, q, &s[l], err);
            if (st != SS_OK)
                return st;
        }
        /* drawn STP trains: the first words of L trains at once */
        const bool ahead = m == SS_MODEL_LIF_COND_STP && !given &&
                           kind == SS_INPUT_POISSON;
        const size_t B_E = stp_blocks(q->exc_rate * (q->dt / 1000.), Lt),
                     B_I = stp_blocks(q->inh_rate * (q->dt / 1000.), Lt);
        uint64_t words[L * 4 * STP_MAX_BLOCKS];
        double x_ahead[L * 4 * STP_MAX_BLOCKS];
        stp_group group = {0};
        for (size_t j = 0; j < trains && !counts; j++) {
            const bool exc = j < (size_t)q->n_exc;
            const size_t jj = exc ? j : j - (size_t)q->n_exc;
            const size_t n_pop = exc ? (size_t)q->n_exc : (size_t)q->n_inh;
            const size_t B = exc ? B_E : B_I;
            if (ahead && jj % L == 0) {
                uint64_t sub[L];
                for (size_t i = 0; i < L; i++) {
                    size_t ji = jj + i < n_pop ? jj + i : jj; /* spare */
                    sub[i] = exc ? SS_SUBSTREAM_EXC(ji) : SS_SUBSTREAM_INH(ji);
                }
                stp_draw_ahead(f->lanes, &s[l], sub, B,
                               exc ? scale_E : scale_I, words, x_ahead);
            }
            train_source t;
            if (given)
                source_given(&t, &given[l], j, Lt);
            else
                source_init(&t, &s[l],
                            exc ? SS_SUBSTREAM_EXC(jj) : SS_SUBSTREAM_INH(jj),
                            kind, exc ? q->exc_rate : q->inh_rate, q->dt,
                            exc ? scale_E : scale_I, Lt, f->lanes);
            if (ahead)
                gaps_preload(&t.g, x_ahead + jj % L, L, 4 * B);
            double *in = exc ? f->in_E : f->in_I;
            if (m == SS_MODEL_LIF_COND) {
                static_population(in, l, Lt, &t);
                continue;
            }
            st = stp_gather(f, &group, &t, Lt, err);
            if (st != SS_OK)
                return st;
            if (group.m < L && jj + 1 < n_pop)
                continue; /* the group fills */
            if (exc)
                stp_group_run(in, l, f, &group, q->gE_bar, q->U0_E, a_dE,
                              a_fE, &uE, &RE);
            else
                stp_group_run(in, l, f, &group, q->gI_bar, q->U0_I, a_dI,
                              a_fI, &uI, &RI);
        }
        if (c.noise) {
            double *I = f->noise;
            ss_input_current(I, Lt, q->I_inj, q->I_sigma, q->dt, &s[l]);
            for (size_t it = 0; it < Lt; it++)
                f->current[it * L + l] = I[it];
        }
    }
    if (c.noise)
        for (size_t l = n; l < L; l++)
            for (size_t it = 0; it < Lt; it++)
                f->current[it * L + l] = p[0].I_inj;

    lane_sums sums;
    f->Lt = Lt;
    f->lanes->membrane(&c, f->in_E, f->in_I, f->current, f->spikes, &sums);
    memcpy(f->n_spikes, sums.n_spikes, sizeof f->n_spikes);

    for (size_t l = 0; l < n; l++) {
        const ss_params *q = &p[l];
        double *x = out[l].value;
        ss_metrics_clear(&out[l]);
        size_t ns = sums.n_spikes[l];
        const double bins = (double)Lt;
        x[SS_MET_n_spikes] = (double)ns;
        x[SS_MET_firing_rate] = 1e3 * (double)ns / q->T;
        x[SS_MET_cv_isi] =
            ss_stats_cv_isi(f->spikes + l * Lt, ns, q->dt, f->isi);
        double mf = lane_of(sums.fmp, l) / bins;
        double var = lane_of(sums.fmp_sq, l) / bins - mf * mf;
        x[SS_MET_fmp_mean] = q->V_init + mf;
        x[SS_MET_fmp_std] = sqrt(var > 0 ? var : 0);
        x[SS_MET_v_mean] = lane_of(sums.v, l) / bins;
        x[SS_MET_gE_mean] = lane_of(sums.gE, l) / bins;
        x[SS_MET_gI_mean] = lane_of(sums.gI, l) / bins;
        ss_metrics_check_finite(m, &out[l]);
    }
    return SS_OK;
}

/* ---- one synapse, event by event ------------------------------------- */

/* my_illus_STD's measurement with the synapse advanced between events:
 * its spikes and the two bins read (isi and 9 isi). */
static ss_status run_stp_train(const ss_params *p, const ss_rng_stream *s,
                               const ss__trains *given,
                               const ss__lane_set *kernels, ss_metrics *out,
                               ss_error *err)
{
    const size_t Lt = ss_params_time_bins(SS_MODEL_STP_TRAIN, p);
    size_t isi;
    ss_status st = ss__stp_train_isi(p, Lt, &isi, err);
    if (st != SS_OK)
        return st;
    const double a_f = p->dt / p->tau_f, a_d = p->dt / p->tau_d,
                 a_s = p->dt / p->tau_syn;
    train_source t;
    if (given)
        source_given(&t, given, 0, Lt);
    else
        source_init(&t, s, SS_SUBSTREAM_EXC(0), (int)p->input, p->rate, p->dt,
                    gap_scale(p->rate * (p->dt / 1000.)), Lt, kernels);
    const int64_t read_at[2] = {(int64_t)isi, (int64_t)(9 * isi)};
    double u = 0., R = 1., g = 0.;
    int64_t last = 0;
    int next_read = 0;
    double got[2][3];
    int64_t b = source_next(&t);
    while (next_read < 2) {
        while (b == 0)
            b = source_next(&t); /* never delivered */
        int64_t target = read_at[next_read];
        int spike = b <= target;
        int64_t upto = spike ? b - 1 : target;
        uint64_t quiet = (uint64_t)(upto - last);
        u *= ss__power(1.0 - a_f, quiet);
        R = 1.0 - (1.0 - R) * ss__power(1.0 - a_d, quiet);
        g *= ss__power(1.0 - a_s, quiet);
        last = upto;
        if (spike) {
            double du = -a_f * u + p->U0 * (1.0 - u);
            double u_new = u + du;
            double dR = a_d * (1.0 - R) - u_new * R;
            double dg = -a_s * g + p->g_bar * R * u_new;
            u = u_new;
            R = R + dR;
            g = g + dg;
            last = b;
            b = source_next(&t);
        }
        if (last == target) {
            got[next_read][0] = g;
            got[next_read][1] = u;
            got[next_read][2] = R;
            next_read++;
        }
    }
    ss_metrics_clear(out);
    double *x = out->value;
    x[SS_MET_g1] = got[0][0];
    x[SS_MET_g10] = got[1][0];
    x[SS_MET_g_ratio] = got[1][0] / got[0][0];
    x[SS_MET_u1] = got[0][1];
    x[SS_MET_R1] = got[0][2];
    x[SS_MET_u10] = got[1][1];
    x[SS_MET_R10] = got[1][2];
    ss_metrics_check_finite(SS_MODEL_STP_TRAIN, out);
    return SS_OK;
}

/* ---- the trains themselves, for traces and tests ---------------------- */

void ss__train_buf_free(ss__train_buf *b)
{
    free(b->offset);
    free(b->bins);
    memset(b, 0, sizeof *b);
}

/* a, an array of *cap entries of size bytes, with room for n + 1: a
 * itself, or a grown copy (*cap updated), or NULL (a untouched) when out
 * of memory. */
static void *grow_array(void *a, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return a;
    size_t want = *cap ? 2 * *cap : 1024;
    if (want < n + 1)
        want = n + 1;
    void *p = realloc(a, want * size);
    if (p)
        *cap = want;
    return p;
}

static int grow_offsets(ss__train_buf *b, size_t n)
{
    size_t *p = grow_array(b->offset, &b->offset_cap, n, sizeof *p);
    if (p)
        b->offset = p;
    return p ? 0 : -1;
}

static int grow_bins(ss__train_buf *b, size_t n)
{
    uint32_t *p = grow_array(b->bins, &b->bins_cap, n, sizeof *p);
    if (p)
        b->bins = p;
    return p ? 0 : -1;
}

/* One of lif_cond's drawn populations as the trains of its n neurons,
 * trains first.. of buf from spike n_bins on: each non-empty bin's count c
 * (the fast kernel's, see pop_law) goes to c trains picked uniformly
 * without replacement (Floyd's algorithm, from the pick substream). Given
 * c, the set of the n Bernoulli trains that fire in a bin is a uniform
 * c-subset, so the trains have the tutorial's law, and their sum per bin
 * is what the fast kernel runs on. */
static ss_status draw_population(ss__train_buf *buf, size_t first, size_t n,
                                 double p, const ss_rng_stream *s,
                                 uint64_t sub, uint64_t pick_sub, size_t Lt,
                                 size_t *n_bins, ss_error *err)
{
    pop_law law = {0};
    uint32_t *who = NULL, *when = NULL, *picked = NULL;
    size_t *cursor = NULL, cap = 0, cap_when = 0, events = 0;
    ss_status st = pop_law_set(&law, (unsigned)n, p, err);
    if (st == SS_OK && n > 0 &&
        (!(picked = malloc(n * sizeof *picked)) ||
         !(cursor = calloc(n, sizeof *cursor))))
        st = ss_error_set(err, SS_ERR_NOMEM, "cannot allocate trains");
    if (st == SS_OK) {
        ss_rng_seq pick;
        ss_rng_seq_init(&pick, s, pick_sub);
        pop_gaps g;
        pop_gaps_init(&g, &law, s, sub, Lt, ss__lane_kernels());
        uint32_t bins[POP_WORDS], counts[POP_WORDS];
        size_t nb;
        while (st == SS_OK && (nb = pop_gaps_batch(&g, bins, counts)) > 0) {
            for (size_t e = 0; e < nb; e++) {
                const size_t c = counts[e];
                if (events + c > cap || events + c > cap_when) {
                    uint32_t *a = grow_array(who, &cap, events + c,
                                             sizeof *who);
                    if (a)
                        who = a;
                    uint32_t *w2 = grow_array(when, &cap_when, events + c,
                                              sizeof *when);
                    if (w2)
                        when = w2;
                    if (!a || !w2) {
                        st = ss_error_set(err, SS_ERR_NOMEM,
                                          "cannot allocate trains");
                        break;
                    }
                }
                for (size_t j = n - c; j < n; j++) {
                    size_t r = (size_t)(ss_rng_uniform(&pick) *
                                        (double)(j + 1));
                    size_t pick_j = r <= j ? r : j;
                    for (size_t i = 0; i + (n - c) < j; i++)
                        if (picked[i] == pick_j)
                            pick_j = j; /* taken: j (not taken yet) */
                    picked[j - (n - c)] = (uint32_t)pick_j;
                    who[events] = (uint32_t)pick_j;
                    when[events++] = bins[e];
                }
            }
        }
    }
    /* by train, each in bin order (a counting sort, stable) */
    if (st == SS_OK && grow_bins(buf, *n_bins + events) < 0)
        st = ss_error_set(err, SS_ERR_NOMEM, "cannot allocate trains");
    if (st == SS_OK) {
        for (size_t e = 0; e < events; e++)
            cursor[who[e]]++;
        size_t at = *n_bins;
        for (size_t j = 0; j < n; j++) {
            buf->offset[first + j] = at;
            size_t k = cursor[j];
            cursor[j] = at;
            at += k;
        }
        for (size_t e = 0; e < events; e++)
            buf->bins[cursor[who[e]]++] = when[e];
        *n_bins = at;
    }
    pop_law_free(&law);
    free(who);
    free(when);
    free(picked);
    free(cursor);
    return st;
}

ss_status ss__draw_trains(ss_model m, const ss_params *p,
                          const ss_rng_stream *s, ss__train_buf *buf,
                          ss_error *err)
{
    const size_t Lt = ss_params_time_bins(m, p);
    const bool one = m == SS_MODEL_STP_TRAIN;
    buf->n_exc = one ? 1 : (size_t)p->n_exc;
    buf->n_inh = one ? 0 : (size_t)p->n_inh;
    size_t trains = buf->n_exc + buf->n_inh, n = 0;
    if (grow_offsets(buf, trains) < 0)
        return ss_error_set(err, SS_ERR_NOMEM, "cannot allocate trains");
    if (m == SS_MODEL_LIF_COND && (int)p->input == SS_INPUT_POISSON) {
        /* what the fast lif_cond draws: counts per bin */
        ss_status st = draw_population(
            buf, 0, buf->n_exc, p->exc_rate * (p->dt / 1000.), s,
            SS__SUBSTREAM_POP_EXC, SS__SUBSTREAM_PICK_EXC, Lt, &n, err);
        if (st == SS_OK)
            st = draw_population(buf, buf->n_exc, buf->n_inh,
                                 p->inh_rate * (p->dt / 1000.), s,
                                 SS__SUBSTREAM_POP_INH, SS__SUBSTREAM_PICK_INH,
                                 Lt, &n, err);
        buf->offset[trains] = n;
        return st;
    }
    for (size_t j = 0; j < trains; j++) {
        bool exc = j < buf->n_exc;
        size_t jj = exc ? j : j - buf->n_exc;
        double rate = one ? p->rate : exc ? p->exc_rate : p->inh_rate;
        train_source t;
        source_init(&t, s, exc ? SS_SUBSTREAM_EXC(jj) : SS_SUBSTREAM_INH(jj),
                    (int)p->input, rate, p->dt,
                    gap_scale(rate * (p->dt / 1000.)), Lt,
                    ss__lane_kernels());
        buf->offset[j] = n;
        for (int64_t b; (b = source_next(&t)) < (int64_t)Lt;) {
            if (grow_bins(buf, n) < 0)
                return ss_error_set(err, SS_ERR_NOMEM,
                                    "cannot allocate trains");
            buf->bins[n++] = (uint32_t)b;
        }
    }
    buf->offset[trains] = n;
    return SS_OK;
}

/* ---- entry points ---------------------------------------------------- */

/* ss__model_run_fast_on; check false skips ss_params_validate of the
 * points (the caller has checked them). */
static ss_status run_fast(ss_model m, size_t n, const ss_params *p,
                          const ss_rng_stream *s, const ss__trains *trains,
                          ss_model_ws *ws, ss_metrics *out, bool check,
                          ss_error *err)
{
    if (n == 0 || n > L)
        return ss_error_set(err, SS_ERR_PARAM,
                            "the fast kernels take 1 to %d trials at once",
                            L);
    for (size_t l = 0; l < n; l++) {
        ss_status st = check ? ss_params_validate(m, &p[l], err) : SS_OK;
        if (st != SS_OK)
            return st;
        if (ss_params_time_bins(m, &p[l]) != ss_params_time_bins(m, &p[0]) &&
            m != SS_MODEL_STP_TRAIN)
            return ss_error_set(err, SS_ERR_PARAM,
                                "trials run side by side must have the same "
                                "number of time bins");
    }
    if (m == SS_MODEL_STP_TRAIN) {
        ss_status st = fast_reserve(ws, 0, err); /* picks the lane kernels */
        for (size_t l = 0; l < n && st == SS_OK; l++)
            st = run_stp_train(&p[l], &s[l], trains ? &trains[l] : NULL,
                               ws->fast->lanes, &out[l], err);
        return st;
    }
    return run_lif(m, n, p, s, trains, ws, out, err);
}

ss_status ss__model_run_fast_on(ss_model m, size_t n, const ss_params *p,
                                const ss_rng_stream *s,
                                const ss__trains *trains, ss_model_ws *ws,
                                ss_metrics *out, ss_error *err)
{
    return run_fast(m, n, p, s, trains, ws, out, true, err);
}

ss_status ss_model_run_fast(ss_model m, size_t n, const ss_params *p,
                            const ss_rng_stream *s, ss_model_ws *ws,
                            ss_metrics *out, ss_error *err)
{
    return run_fast(m, n, p, s, NULL, ws, out, true, err);
}

ss_status ss_model_run_fast_checked(ss_model m, size_t n, const ss_params *p,
                                    const ss_rng_stream *s, ss_model_ws *ws,
                                    ss_metrics *out, ss_error *err)
{
    return run_fast(m, n, p, s, NULL, ws, out, false, err);
}
