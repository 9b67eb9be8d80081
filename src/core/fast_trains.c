/* The presynaptic trains of the fast kernels (fast_trains.h). */
#include "fast_trains.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <Random123/philox.h>

#include "rng_internal.h"
#include "synsweep/input.h"

/* ---- the fast kernels' draws ------------------------------------------ */

uint64_t ss__fast_key(const ss_rng_stream *s)
{
    const uint64_t ctr[4] = {0, 0, s->repeat, SS__FAST_KEY_TAG};
    uint64_t out[4];
    ss__rng_philox4x64(ctr, s->key, out);
    return out[0];
}

void ss__fast_block(uint64_t key, uint64_t sub, uint64_t b, uint64_t out[4])
{
    philox4x32_key_t k = {{(uint32_t)key, (uint32_t)(key >> 32)}};
    for (uint64_t h = 0; h < 2; h++) {
        uint64_t c = 2 * b + h;
        philox4x32_ctr_t x = {{(uint32_t)c, (uint32_t)(c >> 32),
                               (uint32_t)sub, (uint32_t)(sub >> 32)}};
        philox4x32_ctr_t r = philox4x32(x, k);
        out[2 * h] = (uint64_t)r.v[0] | (uint64_t)r.v[1] << 32;
        out[2 * h + 1] = (uint64_t)r.v[2] | (uint64_t)r.v[3] << 32;
    }
}

/* ---- one train as gaps ------------------------------------------------ */

static double log1m(double p)
{
    /* log(1 - p) accurate for small p: log(w) corrected by the rounding of
     * w = 1 - p. */
    double w = 1.0 - p;
    if (w == 1.0)
        return -p;
    return ss__rng_log(w) * (-p / (w - 1.0));
}

double ss__gap_scale(double p)
{
    return p >= 1.0 ? 0.0 : p > 0 ? 1.0 / log1m(p) : 0.0;
}

static void gaps_init(gaps *g, const ss_rng_stream *s,
                      const uint64_t *fast_key, uint64_t substream, double p,
                      double scale, size_t Lt,
                      void (*log_lanes)(const double *x, double *out))
{
    g->log_lanes = log_lanes;
    g->fast = fast_key != NULL;
    if (g->fast)
        g->f = (fast_seq){.key = *fast_key, .sub = substream};
    else
        ss_rng_seq_init(&g->q, s, substream);
    g->never = !(p > 0);
    g->inv_log_q = scale;
    g->bin = -1;
    g->Lt = (int64_t)Lt;
    g->xs = g->x;
    g->stride = 1;
    g->next = g->avail = L;
}

void ss__gaps_refill(gaps *g)
{
    double u[L];
    for (size_t l = 0; l < L; l++) /* (0, 1] */
        u[l] = 1.0 - (g->fast ? ss__rng_u01(fast_seq_next(&g->f))
                              : ss_rng_uniform(&g->q));
    g->log_lanes(u, g->x);
    for (size_t l = 0; l < L; l++)
        g->x[l] *= g->inv_log_q; /* >= 0 */
    g->xs = g->x;
    g->stride = 1;
    g->next = 0;
    g->avail = L;
}

void ss__source_init(train_source *t, const ss_rng_stream *s,
                     const uint64_t *fast_key, uint64_t substream, int kind,
                     double rate, double dt, double scale, size_t Lt,
                     const ss__lane_set *kernels)
{
    t->Lt = (int64_t)Lt;
    if (kind == SS_INPUT_REGULAR) {
        t->from = FROM_PERIOD;
        t->period = (int64_t)ss_input_regular_isi(rate, dt);
        t->bin = -t->period;
    } else {
        t->from = FROM_GAPS;
        gaps_init(&t->g, s, fast_key, substream, rate * (dt / 1000.), scale,
                  Lt, kernels->log);
    }
}

void ss__source_given(train_source *t, const ss__trains *given, size_t j,
                      size_t Lt)
{
    t->from = FROM_LIST;
    t->Lt = (int64_t)Lt;
    t->next = given->bins + given->offset[j];
    t->end = given->bins + given->offset[j + 1];
}

/* ---- a static population as counts per bin ----------------------------- */

void ss__pop_law_free(pop_law *w)
{
    free(w->t);
    memset(w, 0, sizeof *w);
}

ss_status ss__pop_law_set(pop_law *w, unsigned n, double p, ss_error *err)
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

static inline unsigned pop_count(const pop_law *w, double frac)
{
    return ss__pop_count(w->t, w->K, frac);
}

void ss__pop_gaps_init(pop_gaps *g, const pop_law *law, uint64_t key,
                       uint64_t sub, size_t Lt, const ss__lane_set *k)
{
    g->law = law;
    g->key = key;
    g->k = k;
    for (size_t i = 0; i < L; i++)
        g->subs[i] = sub;
    g->block = 0;
    g->bin = -1;
    g->Lt = (int64_t)Lt;
    g->next = POP_WORDS;
}

/* Vectors to draw for the bins left: the mean count of non-empty bins
 * left and a standard deviation more, up to POP_VECS (when short, the
 * next call draws the rest: the words come in the same order whatever
 * the split, vector after vector). */
static size_t pop_vectors(const pop_gaps *g)
{
    double need = (double)(g->Lt - g->bin) * g->law->busy;
    need += sqrt(need) + 1.0;
    return need < (double)(POP_VECS * 4 * L) ? (size_t)(need / (4 * L)) + 1
                                              : POP_VECS;
}

size_t ss__pop_gaps_batch(pop_gaps *g, uint32_t *bin, uint32_t *count)
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
    /* blocks block .. block + nvec L - 1; their words in the order the
     * lanes give them (each an independent uniform all the same) */
    size_t nvec = pop_vectors(g);
    uint64_t words[POP_WORDS];
    g->k->philox(g->key, g->subs, g->block, L, 1, nvec,
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

void ss__pop_gaps_fill(pop_gaps *g, double *in)
{
    const pop_law *w = g->law;
    if (w->never)
        return;
    if (w->every) {
        for (int64_t b = 0; b < g->Lt; b++)
            in[(size_t)b * L] = (double)w->n;
        g->bin = g->Lt;
        return;
    }
    ss__pop_lanes a = {.x = g->x, .bin = g->bin, .Lt = g->Lt, .t = w->t,
                       .K = w->K, .in = in};
    uint64_t words[POP_WORDS];
    while (a.bin < a.Lt) {
        g->bin = a.bin;
        size_t nvec = pop_vectors(g);
        g->k->philox(g->key, g->subs, g->block, L, 1, nvec,
                     words);
        g->k->gaps(words, nvec * 4 * L, w->scale, g->x);
        g->block += nvec * L;
        a.n = nvec * 4 * L;
        g->k->pop(&a);
    }
    g->bin = a.bin;
}

/* ---- STP trains: their first draws in lanes ----------------------------- */

/* Blocks drawn ahead per train: enough for the mean count of spikes (plus
 * the draw past the end) and a standard deviation; a train that needs more
 * draws the rest itself, the same numbers. */
size_t ss__stp_blocks(double p, size_t Lt)
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
void ss__stp_draw_ahead(const ss__lane_set *k, uint64_t key,
                        const uint64_t sub[L], size_t B, double scale,
                        uint64_t *words, double *x)
{
    k->philox(key, sub, 0, 1, 0, B, words);
    k->gaps(words, L * 4 * B, scale, x);
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
    ss_status st = ss__pop_law_set(&law, (unsigned)n, p, err);
    if (st == SS_OK && n > 0 &&
        (!(picked = malloc(n * sizeof *picked)) ||
         !(cursor = calloc(n, sizeof *cursor))))
        st = ss_error_set(err, SS_ERR_NOMEM, "cannot allocate trains");
    if (st == SS_OK) {
        ss_rng_seq pick;
        ss_rng_seq_init(&pick, s, pick_sub);
        pop_gaps g;
        ss__pop_gaps_init(&g, &law, ss__fast_key(s), sub, Lt,
                          ss__lane_kernels());
        uint32_t bins[POP_WORDS], counts[POP_WORDS];
        size_t nb;
        while (st == SS_OK && (nb = ss__pop_gaps_batch(&g, bins, counts)) > 0) {
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
    ss__pop_law_free(&law);
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
    /* lif_cond_stp's trains are the fast draws, stp_train's the stream's */
    const uint64_t key = ss__fast_key(s);
    for (size_t j = 0; j < trains; j++) {
        bool exc = j < buf->n_exc;
        size_t jj = exc ? j : j - buf->n_exc;
        double rate = one ? p->rate : exc ? p->exc_rate : p->inh_rate;
        train_source t;
        ss__source_init(&t, s, one ? NULL : &key,
                        exc ? SS_SUBSTREAM_EXC(jj) : SS_SUBSTREAM_INH(jj),
                        (int)p->input, rate, p->dt,
                        ss__gap_scale(rate * (p->dt / 1000.)), Lt,
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

