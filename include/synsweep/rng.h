/* Per-trial random streams from the Philox4x64-10 counter-based generator
 * (Random123). A trial's stream is keyed by (seed, its parameter point,
 * its repeat index) and nothing else, so it never depends on which other
 * trials ran, on which thread, or in what order. No global state. */
#ifndef SYNSWEEP_RNG_H
#define SYNSWEEP_RNG_H

#include <stddef.h>
#include <stdint.h>

/* One trial's stream: plain data, cheap to copy. */
typedef struct ss_rng_stream {
    uint64_t key[2]; /* {seed, point key} */
    uint64_t repeat;
} ss_rng_stream;

/* A sequential reader of one substream of a stream (one presynaptic train,
 * the noise current). Its i-th 64-bit word is
 *     Philox4x64-10(counter = {i / 4, substream, repeat, 0}, key)[i % 4],
 * so substreams are independent and any word can be found without the
 * others. Plain data; one per substream, not shared between threads. */
typedef struct ss_rng_seq {
    uint64_t ctr[4];    /* ctr[0]: the block held in `block` */
    uint64_t key[2];
    uint64_t block[4];
    uint64_t pos;       /* index of the next word to read */
    int block_valid;
    int has_spare;      /* the polar method makes normals in pairs */
    double spare;
} ss_rng_seq;

/* Hashes a parameter point (exact doubles, -0 taken as +0) into the 64-bit
 * key word that, with the seed, keys a trial's stream. Reads values[0..n);
 * pure, any thread. */
uint64_t ss_rng_point_key(const double *values, size_t n);

/* The same hash taken in steps, for points whose first values are shared
 * by many points (a sweep's fixed parameters): a chain in which value i is
 * enciphered under the hash of values[0..i), so the state after a prefix
 * can be kept and resumed. init(n), then absorbing values[0..n) in any
 * number of calls, in order, then final gives ss_rng_point_key(values, n),
 * bit for bit. Plain data; copy a state to resume it more than once. */
typedef struct ss_rng_point_hash {
    uint64_t h[2];
    size_t i; /* values absorbed so far */
    size_t n; /* the point's length */
} ss_rng_point_hash;

void ss_rng_point_hash_init(ss_rng_point_hash *st, size_t n);
/* Absorbs the next count values (values[0..count) are the point's values
 * st->i .. st->i + count); st->i + count must not exceed n. */
void ss_rng_point_hash_absorb(ss_rng_point_hash *st, const double *values,
                              size_t count);
/* The key, once all n values are absorbed. */
uint64_t ss_rng_point_hash_final(const ss_rng_point_hash *st);

/* Fills *s with the stream of (seed, point key, repeat). For common random
 * numbers across grid points, pass point_key = 0. Pure, any thread. */
void ss_rng_stream_init(ss_rng_stream *s, uint64_t seed, uint64_t point_key,
                        uint64_t repeat);

/* Fills *q with a reader of substream `substream` of *s, at its first word.
 * Copies what it needs: s need not outlive q. */
void ss_rng_seq_init(ss_rng_seq *q, const ss_rng_stream *s,
                     uint64_t substream);

/* Reading a stream. Each call reads the next words of q and advances it
 * (q is the caller's, not shared between threads); the bits returned are
 * part of the reproducibility contract, on any compiler or C library. */

/* The next 64-bit word, as defined above. Public: the words are the stream
 * itself, what every variate below is made of. */
uint64_t ss_rng_next_u64(ss_rng_seq *q);
/* Uniform double in [0, 1) with 53 random bits: (word >> 11) * 2^-53 of
 * the next word. */
double ss_rng_uniform(ss_rng_seq *q);
/* Standard normal (Marsaglia's polar method, with this module's own log so
 * the numbers do not change with the C library); the pair's second normal
 * is kept in q for the next call. */
double ss_rng_normal(ss_rng_seq *q);

#endif
