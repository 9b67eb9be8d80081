/* The results file's run coder (src/io/h5io_deflate.c): every stream it
 * makes is inflated by zlib itself, the decoder HDF5's deflate filter
 * uses, which also checks the stream's Adler-32; what comes out must be
 * the bytes that went in. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(deflate_runs_round_trips_runs_of_every_length),
        cmocka_unit_test(deflate_runs_codes_long_runs_in_13_bits_per_258_bytes),
        cmocka_unit_test(deflate_runs_gives_up_past_the_limit),
        cmocka_unit_test(deflate_runs_codes_an_empty_chunk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
