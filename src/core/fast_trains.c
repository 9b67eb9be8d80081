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

/* 1 / c and log c for c = 1 + (i + 1/2) / 128 (1 / c rounded, log c the
 * correctly rounded log of that double's inverse), i = 0 .. 127: the
 * table of ss__fast_log (lanes.h), made by Python's decimal module at 60
 * digits. */
const double ss__fast_log_tab[256] = {
    0x1.fe01fe01fe020p-1, 0x1.ff00aa2b10ba0p-9,
    0x1.fa11caa01fa12p-1, 0x1.7dc475f810a69p-7,
    0x1.f6310aca0dbb5p-1, 0x1.3cea44346a584p-6,
    0x1.f25f644230ab5p-1, 0x1.b9fc027af919ap-6,
    0x1.ee9c7f8458e02p-1, 0x1.1b0d98923d97fp-5,
    0x1.eae807aba01ebp-1, 0x1.58a5bafc8e4d3p-5,
    0x1.e741aa59750e4p-1, 0x1.95c830ec8e3f2p-5,
    0x1.e3a9179dc1a73p-1, 0x1.d276b8adb0b56p-5,
    0x1.e01e01e01e01ep-1, 0x1.075983598e471p-4,
    0x1.dca01dca01dcap-1, 0x1.253f62f0a1417p-4,
    0x1.d92f2231e7f8ap-1, 0x1.42edcbea646eep-4,
    0x1.d5cac807572b2p-1, 0x1.60658a93750c4p-4,
    0x1.d272ca3fc5b1ap-1, 0x1.7da766d7b12d0p-4,
    0x1.cf26e5c44bfc6p-1, 0x1.9ab42462033aep-4,
    0x1.cbe6d9601cbe7p-1, 0x1.b78c82bb0eda0p-4,
    0x1.c8b265afb8a42p-1, 0x1.d4313d66cb35dp-4,
    0x1.c5894d10d4986p-1, 0x1.f0a30c01162a4p-4,
    0x1.c26b5392ea01cp-1, 0x1.0671512ca596fp-3,
    0x1.bf583ee868d8bp-1, 0x1.14785846742acp-3,
    0x1.bc4fd65883e7bp-1, 0x1.2266f190a5acdp-3,
    0x1.b951e2b18ff23p-1, 0x1.303d718e47fd5p-3,
    0x1.b65e2e3beee05p-1, 0x1.3dfc2b0ecc62ap-3,
    0x1.b37484ad806cep-1, 0x1.4ba36f39a55e5p-3,
    0x1.b094b31d922a4p-1, 0x1.59338d9982085p-3,
    0x1.adbe87f94905ep-1, 0x1.66acd4272ad51p-3,
    0x1.aaf1d2f87ebfdp-1, 0x1.740f8f54037a3p-3,
    0x1.a82e65130e159p-1, 0x1.815c0a14357e9p-3,
    0x1.a574107688a4ap-1, 0x1.8e928de886d41p-3,
    0x1.a2c2a87c51ca0p-1, 0x1.9bb362e7dfb85p-3,
    0x1.a01a01a01a01ap-1, 0x1.a8becfc882f19p-3,
    0x1.9d79f176b682dp-1, 0x1.b5b519e8fb5a6p-3,
    0x1.9ae24ea5510dap-1, 0x1.c2968558c18c2p-3,
    0x1.9852f0d8ec0ffp-1, 0x1.cf6354e09c5ddp-3,
    0x1.95cbb0be377aep-1, 0x1.dc1bca0abec7bp-3,
    0x1.934c67f9b2ce6p-1, 0x1.e8c0252aa5a60p-3,
    0x1.90d4f120190d5p-1, 0x1.f550a564b7b37p-3,
    0x1.8e6527af1373fp-1, 0x1.00e6c45ad501dp-2,
    0x1.8bfce8062ff3ap-1, 0x1.071b85fcd590dp-2,
    0x1.899c0f601899cp-1, 0x1.0d46b579ab74bp-2,
    0x1.87427bcc092b9p-1, 0x1.136870293a8b0p-2,
    0x1.84f00c2780614p-1, 0x1.1980d2dd4236fp-2,
    0x1.82a4a0182a4a0p-1, 0x1.1f8ff9e48a2f3p-2,
    0x1.8060180601806p-1, 0x1.2596010df763ap-2,
    0x1.7e225515a4f1dp-1, 0x1.2b9303ab89d25p-2,
    0x1.7beb3922e017cp-1, 0x1.31871c9544185p-2,
    0x1.79baa6bb6398bp-1, 0x1.3772662bfd85cp-2,
    0x1.77908119ac60dp-1, 0x1.3d54fa5c1f710p-2,
    0x1.756cac201756dp-1, 0x1.432ef2a04e813p-2,
    0x1.734f0c541fe8dp-1, 0x1.49006804009d0p-2,
    0x1.713786d9c7c09p-1, 0x1.4ec9732600269p-2,
    0x1.6f26016f26017p-1, 0x1.548a2c3add263p-2,
    0x1.6d1a62681c861p-1, 0x1.5a42ab0f4cfe2p-2,
    0x1.6b1490aa31a3dp-1, 0x1.5ff3070a793d4p-2,
    0x1.691473a88d0c0p-1, 0x1.659b57303e1f2p-2,
    0x1.6719f3601671ap-1, 0x1.6b3bb2235943dp-2,
    0x1.6524f853b4aa3p-1, 0x1.70d42e2789236p-2,
    0x1.63356b88ac0dep-1, 0x1.7664e1239dbcfp-2,
    0x1.614b36831ae94p-1, 0x1.7bede0a37afbfp-2,
    0x1.5f66434292dfcp-1, 0x1.816f41da0d495p-2,
    0x1.5d867c3ece2a5p-1, 0x1.86e919a330ba1p-2,
    0x1.5babcc647fa91p-1, 0x1.8c5b7c858b48bp-2,
    0x1.59d61f123ccaap-1, 0x1.91c67eb45a83ep-2,
    0x1.5805601580560p-1, 0x1.972a341135159p-2,
    0x1.56397ba7c52e2p-1, 0x1.9c86b02dc0862p-2,
    0x1.54725e6bb82fep-1, 0x1.a1dc064d5b995p-2,
    0x1.52aff56a8054bp-1, 0x1.a72a4966bd9e9p-2,
    0x1.50f22e111c4c5p-1, 0x1.ac718c258b0e5p-2,
    0x1.4f38f62dd4c9bp-1, 0x1.b1b1e0ebdfc5ap-2,
    0x1.4d843bedc2c4cp-1, 0x1.b6eb59d3cf35cp-2,
    0x1.4bd3edda68fe1p-1, 0x1.bc1e08b0dad0ap-2,
    0x1.4a27fad76014ap-1, 0x1.c149ff115f027p-2,
    0x1.4880522014880p-1, 0x1.c66f4e3ff6ff9p-2,
    0x1.46dce34596066p-1, 0x1.cb8e0744d7acap-2,
    0x1.453d9e2c776cap-1, 0x1.d0a63ae721e64p-2,
    0x1.43a2730abee4dp-1, 0x1.d5b7f9ae2c684p-2,
    0x1.420b5265e5951p-1, 0x1.dac353e2c5955p-2,
    0x1.40782d10e6566p-1, 0x1.dfc859906d5b5p-2,
    0x1.3ee8f42a5af07p-1, 0x1.e4c71a8687704p-2,
    0x1.3d5d991aa75c6p-1, 0x1.e9bfa659861f5p-2,
    0x1.3bd60d9232955p-1, 0x1.eeb20c640ddf3p-2,
    0x1.3a524387ac822p-1, 0x1.f39e5bc811e5dp-2,
    0x1.38d22d366088ep-1, 0x1.f884a36fe9ec1p-2,
    0x1.3755bd1c945eep-1, 0x1.fd64f20f61571p-2,
    0x1.35dce5f9f2af8p-1, 0x1.011fab125ff8ap-1,
    0x1.34679ace01346p-1, 0x1.0389eefce633cp-1,
    0x1.32f5ced6a1dfap-1, 0x1.05f14bd26459cp-1,
    0x1.3187758e9ebb6p-1, 0x1.0855c884b450ep-1,
    0x1.301c82ac40260p-1, 0x1.0ab76bece14d2p-1,
    0x1.2eb4ea1fed14bp-1, 0x1.0d163ccb9d6b8p-1,
    0x1.2d50a012d50a0p-1, 0x1.0f7241c9b497dp-1,
    0x1.2bef98e5a3711p-1, 0x1.11cb81787ccf8p-1,
    0x1.2a91c92f3c105p-1, 0x1.1422025243d45p-1,
    0x1.293725bb804a5p-1, 0x1.1675cababa60ep-1,
    0x1.27dfa38a1ce4dp-1, 0x1.18c6e0ff5cf07p-1,
    0x1.268b37cd60127p-1, 0x1.1b154b57da29ep-1,
    0x1.2539d7e9177b2p-1, 0x1.1d610fe677003p-1,
    0x1.23eb79717605bp-1, 0x1.1faa34b87094cp-1,
    0x1.22a0122a0122ap-1, 0x1.21f0bfc65beecp-1,
    0x1.21579804855e6p-1, 0x1.2434b6f483934p-1,
    0x1.2012012012012p-1, 0x1.26762013430e0p-1,
    0x1.1ecf43c7fb84cp-1, 0x1.28b500df60783p-1,
    0x1.1d8f5672e4abdp-1, 0x1.2af15f02640acp-1,
    0x1.1c522fc1ce059p-1, 0x1.2d2b4012edc9dp-1,
    0x1.1b17c67f2bae3p-1, 0x1.2f62a99509546p-1,
    0x1.19e0119e0119ep-1, 0x1.3197a0fa7fe6ap-1,
    0x1.18ab083902bdbp-1, 0x1.33ca2ba328994p-1,
    0x1.1778a191bd684p-1, 0x1.35fa4edd36ea0p-1,
    0x1.1648d50fc3201p-1, 0x1.38280fe58797fp-1,
    0x1.151b9a3fdd5c9p-1, 0x1.3a5373e7ebdf9p-1,
    0x1.13f0e8d344724p-1, 0x1.3c7c7fff73206p-1,
    0x1.12c8b89edc0acp-1, 0x1.3ea33936b2f5bp-1,
    0x1.11a3019a74826p-1, 0x1.40c7a4880dceap-1,
    0x1.107fbbe011080p-1, 0x1.42e9c6ddf80bfp-1,
    0x1.0f5edfab325a2p-1, 0x1.4509a5133bb0ap-1,
    0x1.0e40655826011p-1, 0x1.472743f33aaadp-1,
    0x1.0d24456359e3ap-1, 0x1.4942a83a2fc07p-1,
    0x1.0c0a7868b4171p-1, 0x1.4b5bd6956e273p-1,
    0x1.0af2f722eecb5p-1, 0x1.4d72d3a39fd01p-1,
    0x1.09ddba6af8360p-1, 0x1.4f87a3f5026e9p-1,
    0x1.08cabb37565e2p-1, 0x1.519a4c0ba3446p-1,
    0x1.07b9f29b8eae2p-1, 0x1.53aad05b99b7cp-1,
    0x1.06ab59c7912fbp-1, 0x1.55b9354b40bcep-1,
    0x1.059eea0727586p-1, 0x1.57c57f336f191p-1,
    0x1.04949cc1664c5p-1, 0x1.59cfb25fae87fp-1,
    0x1.038c6b78247fcp-1, 0x1.5bd7d30e71c73p-1,
    0x1.02864fc7729e9p-1, 0x1.5ddde57149923p-1,
    0x1.0182436517a37p-1, 0x1.5fe1edad18919p-1,
    0x1.0080402010080p-1, 0x1.61e3efda46467p-1,
};

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
                      void (*log_lanes)(const double *x, double *out),
                      const ss__lane_set *kernels)
{
    g->log_lanes = log_lanes;
    g->lanes = kernels;
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
    if (g->fast && g->f.pos % 4 == 0) {
        /* blocks pos / 4 .. + L - 1 of the substream, lane i block pos / 4
         * + i, its word w at w[w L + i]; into the sequence's order, then
         * their scaled logs (the same arithmetic as below) */
        uint64_t sub[L], w[4 * L], seq[4 * L];
        for (size_t i = 0; i < L; i++)
            sub[i] = g->f.sub;
        g->lanes->philox(g->f.key, sub, g->f.pos / 4, 0, 1, 1, w);
        for (size_t i = 0; i < L; i++)
            for (size_t j = 0; j < 4; j++)
                seq[4 * i + j] = w[j * L + i];
        g->lanes->gaps(seq, 4 * L, g->inv_log_q, g->x);
        g->f.pos += 4 * L;
        g->xs = g->x;
        g->stride = 1;
        g->next = 0;
        g->avail = 4 * L;
        return;
    }
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
                  Lt, fast_key ? kernels->fast_log : kernels->log, kernels);
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

