/* A zlib stream made of runs: what HDF5's deflate filter inflates, for
 * chunks that are mostly runs of one byte.
 *
 * Why: shuffled results of a deterministic or nearly constant metric
 * (stp_train's, every repeat the same; a LIF model's counts at a low
 * rate) are runs thousands of bytes long, and zlib spends a byte's work
 * on each byte of them (its run-length strategy included: ~600 MB/s),
 * more than computing the trials costs for the cheapest model. Here a
 * run costs a word compare per 8 bytes and 13 bits per 258 bytes: one
 * block of deflate's fixed Huffman codes (RFC 1951, 3.2.6), a literal
 * for a run's first byte and matches at distance 1 for the rest, the
 * same tokens zlib's Z_RLE strategy would choose. The Adler-32 of a run
 * is taken in closed form. A chunk that is not mostly runs is given up
 * (zlib does it then): when it has more runs than the caller's limit has
 * bytes, before any coding, else as soon as its output passes that
 * limit. */
#include "h5io_util.h"

#include <string.h>

#define ADLER_MOD 65521u

typedef struct bits {
    unsigned char *out, *end;
    uint64_t acc; /* pending bits, the first in the lowest */
    unsigned n;   /* how many */
    bool full;
} bits;

static void put(bits *b, uint32_t value, unsigned count)
{
    b->acc |= (uint64_t)value << b->n;
    b->n += count;
    while (b->n >= 8) {
        if (b->out == b->end) {
            b->full = true;
            b->n = 0;
            return;
        }
        *b->out++ = (unsigned char)b->acc;
        b->acc >>= 8;
        b->n -= 8;
    }
}

/* A Huffman code goes most significant bit first. */
static uint32_t reversed(uint32_t code, unsigned count)
{
    uint32_t r = 0;
    for (unsigned i = 0; i < count; i++, code >>= 1)
        r = (r << 1) | (code & 1);
    return r;
}

static void literal(bits *b, unsigned byte)
{
    if (byte < 144)
        put(b, reversed(0x30 + byte, 8), 8);
    else
        put(b, reversed(0x190 + byte - 144, 9), 9);
}

/* Lengths 3..258: symbols 257..285, their first length and extra bits. */
static const uint16_t len_base[29] = {3,  4,  5,  6,   7,   8,   9,   10,
                                      11, 13, 15, 17,  19,  23,  27,  31,
                                      35, 43, 51, 59,  67,  83,  99,  115,
                                      131, 163, 195, 227, 258};
static const uint8_t len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1,
                                      1, 1, 2, 2, 2, 2, 3, 3, 3, 3,
                                      4, 4, 4, 4, 5, 5, 5, 5, 0};

/* A match of len (3..258) bytes at distance 1. */
static void match(bits *b, unsigned len)
{
    unsigned k = 28;
    while (len_base[k] > len)
        k--;
    unsigned sym = 257 + k;
    if (sym < 280)
        put(b, reversed(sym - 256, 7), 7);
    else
        put(b, reversed(0xC0 + sym - 280, 8), 8);
    if (len_extra[k])
        put(b, len - len_base[k], len_extra[k]);
    put(b, 0, 5); /* distance 1: code 0, no extra bits */
}

/* The length of the run of in[i]'s byte from i on, at most n - i. */
static size_t run_length(const unsigned char *in, size_t i, size_t n)
{
    uint64_t pattern = 0x0101010101010101ull * in[i];
    size_t j = i + 1;
    while (j + 8 <= n) {
        uint64_t w;
        memcpy(&w, in + j, 8);
        uint64_t diff = w ^ pattern;
        if (diff) {
            /* the first differing byte: the lowest one on a little-endian
             * machine, the highest on a big-endian one */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
            return j + (size_t)(__builtin_clzll(diff) / 8) - i;
#else
            return j + (size_t)(__builtin_ctzll(diff) / 8) - i;
#endif
        }
        j += 8;
    }
    while (j < n && in[j] == in[i])
        j++;
    return j - i;
}

/* How many runs the n bytes at in make: a count a vector loop takes at
 * several bytes a cycle, and each run costs a byte of output at least. */
static size_t count_runs(const unsigned char *in, size_t n)
{
    size_t changes = 0;
    for (size_t i = 1; i < n; i++)
        changes += in[i] != in[i - 1];
    return n ? changes + 1 : 0;
}

size_t ss__deflate_runs(const unsigned char *in, size_t n, unsigned char *out,
                        size_t limit)
{
    if (limit < 8 || n > UINT32_MAX)
        return 0;
    /* not mostly runs: said before coding any */
    if (count_runs(in, n) > limit - 6)
        return 0;
    /* zlib's header: deflate, a 32 KiB window, the fastest level */
    out[0] = 0x78;
    out[1] = 0x01;
    bits b = {out + 2, out + limit - 4, 0, 0, false};
    put(&b, 1, 1); /* the last block */
    put(&b, 1, 2); /* fixed Huffman codes */
    uint64_t a = 1, s = 0; /* Adler-32's two sums */
    for (size_t i = 0; i < n && !b.full;) {
        size_t r = run_length(in, i, n);
        uint64_t v = in[i];
        /* the sums after r bytes of v, in closed form */
        s = (s + (uint64_t)r * a + v * ((uint64_t)r * (r + 1) / 2 %
                                        ADLER_MOD)) % ADLER_MOD;
        a = (a + (uint64_t)r * v) % ADLER_MOD;
        literal(&b, (unsigned)v);
        size_t rest = r - 1;
        while (rest >= 3 && !b.full) {
            /* 258 at a time, never leaving 1 or 2 for the end */
            unsigned len = rest >= 258 + 3 || rest == 258 ? 258
                           : rest > 258                   ? (unsigned)rest - 3
                                                          : (unsigned)rest;
            match(&b, len);
            rest -= len;
        }
        while (rest-- > 0 && !b.full)
            literal(&b, (unsigned)v);
        i += r;
    }
    put(&b, 0, 7); /* end of block */
    if (b.n > 0)
        put(&b, 0, 8 - b.n); /* to a whole byte */
    if (b.full)
        return 0;
    uint32_t adler = (uint32_t)(s << 16 | a);
    for (int k = 3; k >= 0; k--)
        *b.out++ = (unsigned char)(adler >> (8 * k));
    return (size_t)(b.out - out);
}
