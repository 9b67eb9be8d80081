/* The results file's own deflate coders (src/io/h5io_deflate.c), the run
 * coder and the coder of a block per byte plane: every stream they make
 * is inflated by zlib itself, the decoder HDF5's deflate filter uses,
 * which also checks the stream's Adler-32 and rejects any Huffman code
 * that is not a complete prefix code; what comes out must be the bytes
 * that went in. Sizes are held against the entropy of the bytes. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "h5io_util.h"

/* Codes n bytes with room `limit` and inflates them back; the coded
 * length. */
static size_t round_trip(const unsigned char *in, size_t n, size_t limit)
{
    unsigned char *packed = malloc(limit + 1);
    unsigned char *back = malloc(n + 1);
    assert_non_null(packed);
    assert_non_null(back);
    size_t len = ss__deflate_runs(in, n, packed, limit);
    assert_true(len > 0);
    assert_true(len <= limit);
    uLongf back_len = (uLongf)n + 1;
    assert_int_equal(uncompress(back, &back_len, packed, (uLong)len), Z_OK);
    assert_int_equal(back_len, n);
    if (n > 0)
        assert_memory_equal(back, in, n);
    free(packed);
    free(back);
    return len;
}

/* Runs of every length around deflate's length codes (3..258 and the
 * splits of longer runs into 258s), of bytes below and above 144 (8- and
 * 9-bit literals), one after another. */
static void deflate_runs_round_trips_runs_of_every_length(void **state)
{
    (void)state;
    const size_t lengths[] = {1,   2,   3,   4,   10,  11,  12,  130, 131,
                              257, 258, 259, 260, 261, 262, 515, 516, 517,
                              518, 519, 774, 775, 1000, 65536, 131071};
    size_t total = 0;
    for (size_t k = 0; k < sizeof lengths / sizeof lengths[0]; k++)
        total += lengths[k];
    unsigned char *in = malloc(total);
    assert_non_null(in);
    size_t at = 0;
    for (size_t k = 0; k < sizeof lengths / sizeof lengths[0]; k++) {
        memset(in + at, k % 2 ? 0xF7 : (int)(0x11 * (k % 8)), lengths[k]);
        at += lengths[k];
    }
    round_trip(in, total, total);
    /* each run alone, too */
    at = 0;
    for (size_t k = 0; k < sizeof lengths / sizeof lengths[0]; k++) {
        round_trip(in + at, lengths[k], lengths[k] + 64);
        at += lengths[k];
    }
    free(in);
}

/* A shuffled chunk of one repeated double (2.385): eight runs of 16384
 * bytes; 13 bits per 258 bytes and a byte per run's literal, about. */
static void deflate_runs_codes_long_runs_in_13_bits_per_258_bytes(void **state)
{
    (void)state;
    enum { N = 16384 };
    double v = 2.385;
    unsigned char bytes[8];
    memcpy(bytes, &v, 8);
    unsigned char *in = malloc(8 * N);
    assert_non_null(in);
    for (int j = 0; j < 8; j++)
        memset(in + (size_t)j * N, bytes[j], N);
    size_t len = round_trip(in, 8 * N, 8 * N / 8);
    /* header 2, trailer 4, 3 + 7 bits of block; per run a literal (at
     * most 9 bits), 13 bits per 258 bytes, and the rest in at most two
     * matches of at most 18 bits */
    size_t bits = 3 + 7 + 8 * (9 + 13 * ((N - 1) / 258) + 2 * 18);
    assert_true(len <= 2 + 4 + (bits + 7) / 8);
    free(in);
}

/* Bytes that are no runs (a linear congruential sequence) are given up
 * when they pass the limit, and coded whole when the room allows. */
static void deflate_runs_gives_up_past_the_limit(void **state)
{
    (void)state;
    enum { N = 40000 };
    unsigned char *in = malloc(N);
    unsigned char out[N / 8];
    assert_non_null(in);
    uint32_t x = 12345;
    for (size_t i = 0; i < N; i++) {
        x = x * 1103515245u + 12345u;
        in[i] = (unsigned char)(x >> 23);
    }
    assert_int_equal(ss__deflate_runs(in, N, out, sizeof out), 0);
    /* 8 or 9 bits a byte: at most 9/8 of it, with header and trailer */
    round_trip(in, N, N + N / 8 + 16);
    /* no room even for the header and trailer */
    assert_int_equal(ss__deflate_runs(in, 1, out, 7), 0);
    free(in);
}

/* Nothing at all is a valid, empty stream. */
static void deflate_runs_codes_an_empty_chunk(void **state)
{
    (void)state;
    unsigned char out[16], back[1] = {0};
    size_t len = ss__deflate_runs(back, 0, out, sizeof out);
    assert_true(len > 0);
    uLongf back_len = sizeof back;
    assert_int_equal(uncompress(back, &back_len, out, (uLong)len), Z_OK);
    assert_int_equal(back_len, 0);
}


/* ---- a block per byte plane ------------------------------------------- */

/* Codes n bytes of `planes` planes with room `limit`, inflates them back
 * with zlib; the coded length (0: given up). */
static size_t planes_trip(const unsigned char *in, size_t n, size_t planes,
                          size_t limit)
{
    unsigned char *packed = malloc(limit + 1);
    unsigned char *back = malloc(n + 1);
    assert_non_null(packed);
    assert_non_null(back);
    size_t len = ss__deflate_planes(in, n, planes, packed, limit);
    if (len > 0) {
        assert_true(len <= limit);
        uLongf back_len = (uLongf)n + 1;
        assert_int_equal(uncompress(back, &back_len, packed, (uLong)len),
                         Z_OK);
        assert_int_equal(back_len, n);
        if (n > 0)
            assert_memory_equal(back, in, n);
    }
    free(packed);
    free(back);
    return len;
}

static uint32_t lcg(uint32_t *x)
{
    *x = *x * 1103515245u + 12345u;
    return *x >> 8;
}

/* Plane kinds: uniform bytes; runs; a few values at random; every byte
 * value in turn; a constant; frequencies in the Fibonacci sequence (a
 * Huffman tree 24 deep, which deflate's 15 bits must flatten); one value
 * and a single other byte. */
enum { KINDS = 7 };

static void fill_plane(unsigned char *p, size_t m, int kind, uint32_t *x)
{
    switch (kind) {
    case 0:
        for (size_t i = 0; i < m; i++)
            p[i] = (unsigned char)lcg(x);
        break;
    case 1:
        for (size_t i = 0; i < m; i++)
            p[i] = (unsigned char)(0x40 + i / 1000 % 3);
        break;
    case 2:
        for (size_t i = 0; i < m; i++) {
            uint32_t r = lcg(x) % 100;
            p[i] = (unsigned char)(r < 60 ? 0x3F : r < 85 ? 0xC0 : r < 97 ? 7
                                                                  : 0xFF);
        }
        break;
    case 3:
        for (size_t i = 0; i < m; i++)
            p[i] = (unsigned char)i;
        break;
    case 4:
        memset(p, 0xA5, m);
        break;
    case 5: {
        /* value k with frequency fib(k + 1), k = 0..24, shuffled */
        uint32_t fib[25] = {1, 1};
        for (int k = 2; k < 25; k++)
            fib[k] = fib[k - 1] + fib[k - 2];
        size_t at = 0;
        for (int k = 24; k >= 0 && at < m; k--)
            for (uint32_t c = 0; c < fib[k] && at < m; c++)
                p[at++] = (unsigned char)(k * 10);
        while (at < m)
            p[at++] = 250;
        for (size_t i = m; i-- > 1;) {
            size_t j = lcg(x) % (i + 1);
            unsigned char t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        break;
    }
    default:
        memset(p, 0x11, m);
        p[m / 3] = 0x12;
        break;
    }
}

/* Every kind of plane, alone and eight side by side in every order of
 * kinds, of a chunk's usual size and of odd ones. */
static void deflate_planes_round_trips_every_kind_of_plane(void **state)
{
    (void)state;
    const size_t sizes[] = {1, 2, 3, 7, 100, 1001, 16384, 70001};
    uint32_t x = 2385;
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t m = sizes[s];
        unsigned char *in = malloc(8 * m);
        assert_non_null(in);
        size_t bound = compressBound((uLong)(8 * m)) + 64;
        for (int kind = 0; kind <= KINDS; kind++) {
            fill_plane(in, m, kind, &x);
            assert_true(planes_trip(in, m, 1, bound) > 0);
        }
        for (int shift = 0; shift < 8; shift++) {
            for (int j = 0; j < 8; j++)
                fill_plane(in + (size_t)j * m, m, (j + shift) % (KINDS + 1),
                           &x);
            assert_true(planes_trip(in, 8 * m, 8, bound) > 0);
        }
        free(in);
    }
}

/* What a plane costs, against its entropy: uniform bytes are stored (a
 * byte each, 5 bytes a block of 65535); a constant a few bytes; Huffman
 * codes what the optimal prefix code of its frequencies takes, and a
 * header. */
static void deflate_planes_codes_each_plane_near_its_entropy(void **state)
{
    (void)state;
    enum { M = 16384 };
    unsigned char *in = malloc(M);
    assert_non_null(in);
    uint32_t x = 11;
    fill_plane(in, M, 0, &x);
    assert_true(planes_trip(in, M, 1, 2 * M) <= M + 5 + 6 + 1);
    /* two values at random and the end of block: the best prefix code
     * has lengths 1, 2, 2, 1.5 bits a byte */
    for (size_t i = 0; i < M; i++)
        in[i] = lcg(&x) & 0x100 ? 0x3F : 0xC1;
    assert_true(planes_trip(in, M, 1, 2 * M) <= 3 * M / 16 + 6 + 64);
    fill_plane(in, M, 4, &x);
    assert_true(planes_trip(in, M, 1, 2 * M) <= 2 + 4 + 1 + 9 + 13 * M / 258);
    /* 60/25/12/3 %: entropy 1.46 bits a byte; Huffman (1, 2, 3, 3 bits)
     * 1.55 */
    fill_plane(in, M, 2, &x);
    size_t len = planes_trip(in, M, 1, 2 * M);
    assert_true(len <= (size_t)(1.55 * M / 8 * 1.03) + 6 + 64);
    assert_true(len >= (size_t)(1.46 * M / 8 * 0.97));
    free(in);
}

/* Past the limit, nothing; an empty chunk is a valid, empty stream. */
static void deflate_planes_gives_up_past_the_limit(void **state)
{
    (void)state;
    enum { M = 4096 };
    unsigned char in[M], out[M / 2];
    uint32_t x = 7;
    fill_plane(in, M, 0, &x);
    assert_int_equal(ss__deflate_planes(in, M, 1, out, sizeof out), 0);
    assert_int_equal(ss__deflate_planes(in, M, 1, out, 7), 0);
    /* planes that do not divide the bytes */
    assert_int_equal(ss__deflate_planes(in, 10, 4, out, sizeof out), 0);
    assert_true(planes_trip(in, 0, 8, 16) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(deflate_runs_round_trips_runs_of_every_length),
        cmocka_unit_test(deflate_runs_codes_long_runs_in_13_bits_per_258_bytes),
        cmocka_unit_test(deflate_runs_gives_up_past_the_limit),
        cmocka_unit_test(deflate_runs_codes_an_empty_chunk),
        cmocka_unit_test(deflate_planes_round_trips_every_kind_of_plane),
        cmocka_unit_test(deflate_planes_codes_each_plane_near_its_entropy),
        cmocka_unit_test(deflate_planes_gives_up_past_the_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
