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
 * limit.
 *
 * A chunk of numbers that are not runs (the LIF models' means and
 * standard deviations) is coded a block per byte plane instead: shuffled,
 * each byte plane of a float64 has statistics of its own (the sign and
 * exponent bytes a few values, the low mantissa bytes near uniform) and
 * repeats little but runs, so zlib's search for matches finds almost
 * nothing and costs most of its time (about 100 MB/s here). A plane is
 * coded as runs, as stored bytes when they are as good as random, or
 * with Huffman codes built from its own byte counts (a dynamic block of
 * literals only, RFC 1951, 3.2.7), whichever its counts say is smallest:
 * a histogram, a table look-up per byte, and zlib's adler32. */
#include "h5io_util.h"

#include <math.h>
#include <string.h>

#include <zlib.h>

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

/* The n bytes at in as runs (a literal, then matches at distance 1), in
 * the current block of b: the tokens of a fixed-Huffman block. With sums
 * (not NULL), Adler-32's two sums taken on over those bytes, a run at a
 * time in closed form. */
static void code_runs(bits *b, const unsigned char *in, size_t n,
                      uint64_t *sums)
{
    for (size_t i = 0; i < n && !b->full;) {
        size_t r = run_length(in, i, n);
        unsigned v = in[i];
        if (sums) {
            uint64_t a = sums[0], s = sums[1];
            sums[1] = (s + (uint64_t)r * a +
                       v * ((uint64_t)r * (r + 1) / 2 % ADLER_MOD)) %
                      ADLER_MOD;
            sums[0] = (a + (uint64_t)r * v) % ADLER_MOD;
        }
        literal(b, v);
        size_t rest = r - 1;
        while (rest >= 3 && !b->full) {
            /* 258 at a time, never leaving 1 or 2 for the end */
            unsigned len = rest >= 258 + 3 || rest == 258 ? 258
                           : rest > 258                   ? (unsigned)rest - 3
                                                          : (unsigned)rest;
            match(b, len);
            rest -= len;
        }
        while (rest-- > 0 && !b->full)
            literal(b, v);
        i += r;
    }
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
    uint64_t sums[2] = {1, 0}; /* Adler-32's */
    code_runs(&b, in, n, sums);
    put(&b, 0, 7); /* end of block */
    if (b.n > 0)
        put(&b, 0, 8 - b.n); /* to a whole byte */
    if (b.full)
        return 0;
    uint32_t adler = (uint32_t)(sums[1] << 16 | sums[0]);
    for (int k = 3; k >= 0; k--)
        *b.out++ = (unsigned char)(adler >> (8 * k));
    return (size_t)(b.out - out);
}

/* ---- a block per byte plane ------------------------------------------- */

/* Symbols of the literal/length alphabet used here (the 256 byte values
 * and the end of block: no matches) and of the code-length alphabet. */
#define LIT_SYMBOLS 257
#define CL_SYMBOLS 19
#define MAX_BITS 15
#define MAX_CL_BITS 7

/* Huffman code lengths (at most maxlen bits) for the n symbols of freq;
 * symbols of frequency 0 get none. At least two symbols must occur. The
 * tree is built from the frequencies sorted (two queues: leaves and the
 * nodes made, each in order of weight); a code too long is made again
 * from frequencies halved, which flattens the tree. */
static void code_lengths(const uint32_t *freq, int n, int maxlen,
                         uint8_t *len)
{
    uint32_t f[LIT_SYMBOLS];
    for (int s = 0; s < n; s++)
        f[s] = freq[s];
    for (;;) {
        int sym[LIT_SYMBOLS], k = 0;
        for (int s = 0; s < n; s++) {
            len[s] = 0;
            if (!f[s])
                continue;
            /* insertion by weight: k is at most 257 */
            int j = k++;
            while (j > 0 && f[sym[j - 1]] > f[s]) {
                sym[j] = sym[j - 1];
                j--;
            }
            sym[j] = s;
        }
        uint64_t w[2 * LIT_SYMBOLS];
        int parent[2 * LIT_SYMBOLS], depth[2 * LIT_SYMBOLS];
        for (int i = 0; i < k; i++)
            w[i] = f[sym[i]];
        int leaf = 0, node = k;
        for (int made = k; made < 2 * k - 1; made++) {
            int pick[2];
            for (int t = 0; t < 2; t++)
                pick[t] = leaf < k && (node >= made || w[leaf] <= w[node])
                              ? leaf++
                              : node++;
            w[made] = w[pick[0]] + w[pick[1]];
            parent[pick[0]] = parent[pick[1]] = made;
        }
        /* a parent comes after its children */
        depth[2 * k - 2] = 0;
        int longest = 0;
        for (int i = 2 * k - 3; i >= 0; i--) {
            depth[i] = depth[parent[i]] + 1;
            if (i < k) {
                len[sym[i]] = (uint8_t)depth[i];
                if (depth[i] > longest)
                    longest = depth[i];
            }
        }
        if (longest <= maxlen)
            return;
        for (int s = 0; s < n; s++)
            f[s] = f[s] ? (f[s] >> 1) | 1 : 0;
    }
}

/* The canonical codes of RFC 1951, 3.2.2, for the lengths len, bit
 * reversed (deflate sends a Huffman code's first bit first). */
static void canonical_codes(const uint8_t *len, int n, uint16_t *code)
{
    unsigned count[MAX_BITS + 1] = {0}, next[MAX_BITS + 1];
    for (int s = 0; s < n; s++)
        count[len[s]]++;
    count[0] = 0;
    unsigned c = 0;
    for (int bits_ = 1; bits_ <= MAX_BITS; bits_++) {
        c = (c + count[bits_ - 1]) << 1;
        next[bits_] = c;
    }
    for (int s = 0; s < n; s++)
        code[s] = len[s] ? (uint16_t)reversed(next[len[s]]++, len[s]) : 0;
}

/* A dynamic-Huffman block of the n bytes at in, literals only, whose
 * byte counts are freq (freq[256], the end of block, 1). */
static void huffman_block(bits *b, const unsigned char *in, size_t n,
                          const uint32_t *freq, bool last)
{
    uint8_t len[LIT_SYMBOLS + 2];
    uint16_t code[LIT_SYMBOLS];
    code_lengths(freq, LIT_SYMBOLS, MAX_BITS, len);
    canonical_codes(len, LIT_SYMBOLS, code);
    /* two distance codes of one bit: never used, but a complete code, as
     * zlib writes it */
    len[LIT_SYMBOLS] = len[LIT_SYMBOLS + 1] = 1;
    /* the code lengths, runs of zeros as symbols 17 (3..10) and 18
     * (11..138) */
    uint8_t cl_sym[LIT_SYMBOLS + 2], cl_extra[LIT_SYMBOLS + 2];
    int n_cl = 0;
    uint32_t cl_freq[CL_SYMBOLS] = {0};
    for (int i = 0; i < LIT_SYMBOLS + 2;) {
        int j = i;
        while (len[i] == 0 && j < LIT_SYMBOLS + 2 && len[j] == 0 &&
               j - i < 138)
            j++;
        int zeros = j - i;
        if (zeros >= 11) {
            cl_sym[n_cl] = 18;
            cl_extra[n_cl++] = (uint8_t)(zeros - 11);
        } else if (zeros >= 3) {
            cl_sym[n_cl] = 17;
            cl_extra[n_cl++] = (uint8_t)(zeros - 3);
        } else {
            cl_sym[n_cl++] = len[i];
            zeros = 1;
        }
        cl_freq[cl_sym[n_cl - 1]]++;
        i += zeros;
    }
    /* the code-length code needs two symbols, as any other */
    int used_cl = 0;
    for (int i = 0; i < CL_SYMBOLS; i++)
        used_cl += cl_freq[i] != 0;
    for (int i = 0; used_cl < 2; i++)
        if (!cl_freq[i]) {
            cl_freq[i] = 1;
            used_cl++;
        }
    uint8_t cl_len[CL_SYMBOLS];
    uint16_t cl_code[CL_SYMBOLS];
    code_lengths(cl_freq, CL_SYMBOLS, MAX_CL_BITS, cl_len);
    canonical_codes(cl_len, CL_SYMBOLS, cl_code);
    static const uint8_t order[CL_SYMBOLS] = {16, 17, 18, 0, 8,  7, 9,
                                              6,  10, 5,  11, 4, 12, 3,
                                              13, 2,  14, 1,  15};
    int hclen = CL_SYMBOLS;
    while (hclen > 4 && cl_len[order[hclen - 1]] == 0)
        hclen--;
    put(b, last, 1);
    put(b, 2, 2);                 /* dynamic Huffman codes */
    put(b, LIT_SYMBOLS - 257, 5); /* HLIT */
    put(b, 2 - 1, 5);             /* HDIST */
    put(b, (uint32_t)(hclen - 4), 4);
    for (int i = 0; i < hclen; i++)
        put(b, cl_len[order[i]], 3);
    for (int i = 0; i < n_cl; i++) {
        put(b, cl_code[cl_sym[i]], cl_len[cl_sym[i]]);
        if (cl_sym[i] == 17)
            put(b, cl_extra[i], 3);
        else if (cl_sym[i] == 18)
            put(b, cl_extra[i], 7);
    }
    /* the bytes: at most 15 bits each, 32 bits out at a time */
    uint64_t acc = b->acc;
    unsigned used = b->n;
    unsigned char *out = b->out;
    for (size_t i = 0; i < n; i++) {
        acc |= (uint64_t)code[in[i]] << used;
        used += len[in[i]];
        if (used >= 32) {
            if (b->end - out < 4) {
                b->full = true;
                return;
            }
            for (int k = 0; k < 4; k++)
                out[k] = (unsigned char)(acc >> (8 * k));
            out += 4;
            acc >>= 32;
            used -= 32;
        }
    }
    b->out = out;
    b->acc = acc;
    b->n = used;
    put(b, code[256], len[256]); /* end of block; whole bytes out */
}

/* Stored blocks of the n bytes at in (at most 65535 bytes each). */
static void stored_blocks(bits *b, const unsigned char *in, size_t n,
                          bool last)
{
    do {
        size_t k = n < 65535 ? n : 65535;
        put(b, last && k == n, 1);
        put(b, 0, 2);
        if (b->n > 0)
            put(b, 0, 8 - b->n); /* to a whole byte */
        if (b->full || (size_t)(b->end - b->out) < 4 + k) {
            b->full = true;
            return;
        }
        unsigned char *o = b->out;
        o[0] = (unsigned char)k;
        o[1] = (unsigned char)(k >> 8);
        o[2] = (unsigned char)~k;
        o[3] = (unsigned char)(~k >> 8);
        memcpy(o + 4, in, k);
        b->out = o + 4 + k;
        in += k;
        n -= k;
    } while (n > 0);
}

/* Counts the bytes of in by value (four tables, so that equal bytes in a
 * row do not wait on each other) and how many runs they make. */
static size_t histogram(const unsigned char *in, size_t n, uint32_t *freq)
{
    uint32_t t[4][256];
    memset(t, 0, sizeof t);
    size_t changes = 0, i = 0;
    for (; i + 4 <= n; i += 4) {
        t[0][in[i]]++;
        t[1][in[i + 1]]++;
        t[2][in[i + 2]]++;
        t[3][in[i + 3]]++;
    }
    for (; i < n; i++)
        t[0][in[i]]++;
    for (i = 1; i < n; i++)
        changes += in[i] != in[i - 1];
    for (int v = 0; v < 256; v++)
        freq[v] = t[0][v] + t[1][v] + t[2][v] + t[3][v];
    return n ? changes + 1 : 0;
}

size_t ss__deflate_planes(const unsigned char *in, size_t n, size_t planes,
                          unsigned char *out, size_t limit)
{
    if (limit < 8 || planes == 0 || n % planes != 0 || n > UINT32_MAX)
        return 0;
    size_t m = n / planes;
    out[0] = 0x78;
    out[1] = 0x01;
    bits b = {out + 2, out + limit - 4, 0, 0, false};
    if (n == 0) {
        put(&b, 1, 1);
        put(&b, 1, 2);
        put(&b, 0, 7);
    }
    for (size_t j = 0; j < planes && m > 0 && !b.full; j++) {
        const unsigned char *p = in + j * m;
        bool last = j == planes - 1;
        uint32_t freq[LIT_SYMBOLS];
        size_t runs = histogram(p, m, freq);
        freq[256] = 1;
        /* what each coding would take, in bits: runs, a literal and a
         * few matches each (at most 18 bits per 258 bytes); Huffman, the
         * entropy of the bytes and a header; stored, the bytes */
        double entropy = 0;
        for (int v = 0; v < 256; v++)
            if (freq[v]) {
                double q = (double)freq[v] / (double)m;
                entropy -= (double)freq[v] * log2(q);
            }
        double as_runs = 27.0 * (double)runs + (double)m * 18.0 / 258.0;
        double as_huffman = entropy + 1.02 * (double)m / 64.0 + 1200.0;
        double as_stored = 8.0 * (double)m + 40.0 * ((double)m / 65535 + 1);
        if (as_runs <= as_huffman && as_runs <= as_stored) {
            put(&b, last, 1);
            put(&b, 1, 2); /* fixed Huffman codes */
            code_runs(&b, p, m, NULL);
            put(&b, 0, 7); /* end of block */
        } else if (as_huffman < as_stored) {
            huffman_block(&b, p, m, freq, last);
        } else {
            stored_blocks(&b, p, m, last);
        }
    }
    if (b.n > 0)
        put(&b, 0, 8 - b.n); /* to a whole byte */
    if (b.full)
        return 0;
    uint32_t adler = (uint32_t)adler32(1L, in, (uInt)n);
    for (int k = 3; k >= 0; k--)
        *b.out++ = (unsigned char)(adler >> (8 * k));
    return (size_t)(b.out - out);
}
