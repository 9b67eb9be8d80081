#include "testutil.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "synsweep/grid.h"
#include "synsweep/model.h"

typedef struct {
    size_t rank;
    const uint64_t *shape;
    uint64_t next; /* the trial the next box must start at */
    int boxes;
} box_check;

/* Each box must continue exactly where the previous ended, in row-major
 * order, and stay inside the shape. */
static int check_box(const uint64_t *start, const uint64_t *count, void *ctx)
{
    box_check *c = ctx;
    uint64_t lin = 0, cells = 1;
    for (size_t d = 0; d < c->rank; d++) {
        assert_true(count[d] >= 1);
        assert_true(start[d] + count[d] <= c->shape[d]);
        lin = lin * c->shape[d] + start[d];
        cells *= count[d];
    }
    assert_true(lin == c->next);
    /* a box is one contiguous run: all dims after the first partial one
     * are full */
    size_t d = 0;
    while (d < c->rank && count[d] == 1)
        d++;
    for (size_t e = d + 1; e < c->rank; e++) {
        assert_true(start[e] == 0);
        assert_true(count[e] == c->shape[e]);
    }
    c->next += cells;
    c->boxes++;
    return 0;
}

static void grid_boxes_cover_any_range_in_order(void **state)
{
    (void)state;
    static const uint64_t shapes[][4] = {
        {7, 1, 1, 1}, {3, 5, 1, 1}, {4, 3, 6, 1}, {2, 3, 4, 5}, {1, 1, 1, 9}};
    static const size_t ranks[] = {1, 2, 3, 4, 4};
    for (size_t s = 0; s < 5; s++) {
        uint64_t total = 1;
        for (size_t d = 0; d < ranks[s]; d++)
            total *= shapes[s][d];
        for (uint64_t first = 0; first < total; first++) {
            for (uint64_t n = 1; first + n <= total; n++) {
                box_check c = {ranks[s], shapes[s], first, 0};
                assert_int_equal(ss_grid_boxes(ranks[s], shapes[s], first, n,
                                               check_box, &c),
                                 0);
                assert_true(c.next == first + n);
                assert_true(c.boxes <= 2 * (int)ranks[s] - 1);
            }
        }
    }
}

static const char spec_text[] =
    "model: stp_train\n"
    "seed: 5\n"
    "repeats: 3\n"
    "sweep:\n"
    "  rate: [10, 20, 40]\n"
    "  regime:\n"
    "    zip: {U0: [0.5, 0.2], tau_f: [50, 750]}\n";

static void grid_indexes_row_major_with_repeat_last(void **state)
{
    (void)state;
    ss_spec *spec;
    ss_grid *grid;
    ss_error err;
    assert_int_equal(ss_spec_load_string(spec_text, strlen(spec_text), "g.yaml",
                                         &spec, &err),
                     SS_OK);
    assert_int_equal(ss_grid_create(spec, &grid, &err), SS_OK);
    assert_int_equal(ss_grid_rank(grid), 3);
    assert_true(ss_grid_trials(grid) == 3 * 2 * 3);
    const uint64_t *shape = ss_grid_shape(grid);
    assert_true(shape[0] == 3 && shape[1] == 2 && shape[2] == 3);

    uint64_t idx[3];
    ss_grid_index(grid, 11, idx); /* 11 = (1 * 2 + 1) * 3 + 2 */
    assert_true(idx[0] == 1 && idx[1] == 1 && idx[2] == 2);
    for (uint64_t t = 0; t < ss_grid_trials(grid); t++) {
        ss_grid_index(grid, t, idx);
        assert_true(ss_grid_trial_of(grid, idx) == t);
    }

    ss_params p;
    uint64_t repeat;
    ss_rng_stream s;
    assert_int_equal(ss_grid_trial(grid, 11, &p, &repeat, &s, &err), SS_OK);
    assert_close(p.rate, 20, 0, 0);
    assert_close(p.U0, 0.2, 0, 0);
    assert_close(p.tau_f, 750, 0, 0);
    assert_true(repeat == 2);
    /* the stream is the one `synsweep trial` makes from the same point */
    ss_rng_stream want;
    ss_model_trial_stream(SS_MODEL_STP_TRAIN, &p, 5, 2, false, &want);
    assert_memory_equal(&s, &want, sizeof s);

    assert_int_equal(ss_grid_trial(grid, 18, &p, &repeat, &s, &err),
                     SS_ERR_USAGE);
    ss_grid_free(grid);
    ss_spec_free(spec);
}

/* Every trial's stream, whatever the grid varies (the grid hashes the
 * parameters it keeps fixed once), is ss_model_trial_stream's. */
static void grid_streams_are_those_of_the_trial_points(void **state)
{
    (void)state;
    static const char *const texts[] = {
        spec_text,
        "model: stp_train\nseed: 7\nrepeats: 2\n"
        "sweep:\n  tau_f: [50, 750]\nderived:\n  tau_syn: 0.05 * tau_d\n",
        "model: stp_train\nfixed: {rate: 10}\nsweep:\n  U0: [0.1, 0.2]\n",
        "model: lif_cond_stp\nseed: 3\nrepeats: 2\n"
        "sweep:\n  exc_rate: [5, 10]\n  tau_ratio: [1, 2]\n"
        "derived:\n  tau_f_E: 300 * tau_ratio\n",
        "model: lif_cond\nrepeats: 3\n",
        "model: lif_cond\nstreams: common\nrepeats: 2\n"
        "sweep:\n  T: [100, 200]\n",
    };
    for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++) {
        ss_spec *spec;
        ss_grid *grid;
        ss_error err;
        ss_status st = ss_spec_load_string(texts[k], strlen(texts[k]),
                                           "s.yaml", &spec, &err);
        if (st != SS_OK)
            fail_msg("spec %zu: %s", k, err.message);
        assert_int_equal(ss_grid_create(spec, &grid, &err), SS_OK);
        for (uint64_t t = 0; t < ss_grid_trials(grid); t++) {
            ss_params p;
            uint64_t repeat;
            ss_rng_stream s, want;
            assert_int_equal(ss_grid_trial(grid, t, &p, &repeat, &s, &err),
                             SS_OK);
            ss_model_trial_stream(ss_spec_model(spec), &p,
                                  ss_spec_seed(spec), repeat,
                                  ss_spec_common_streams(spec), &want);
            assert_memory_equal(&s, &want, sizeof s);
        }
        ss_grid_free(grid);
        ss_spec_free(spec);
    }
}

/* ---- shards ----------------------------------------------------------- */

/* floor(k * T / n) by long division in base 2^32 digits: another way
 * than the 128-bit product ss_shard_range uses. */
static uint64_t floor_mul_div(uint64_t k, uint64_t T, uint64_t n)
{
    /* k * T as four 32-bit digits, most significant first */
    uint64_t a[4] = {0}, kd[2] = {k >> 32, k & 0xffffffffu},
             td[2] = {T >> 32, T & 0xffffffffu};
    for (int i = 1; i >= 0; i--)
        for (int j = 1; j >= 0; j--) {
            uint64_t prod = kd[i] * td[j];
            int at = i + j + 1; /* digit of the low half */
            uint64_t carry = prod;
            for (int d = at; d >= 0 && carry; d--) {
                uint64_t sum = a[d] + (carry & 0xffffffffu);
                a[d] = sum & 0xffffffffu;
                carry = (carry >> 32) + (sum >> 32);
            }
        }
    /* divide bit by bit: the remainder stays below n < 2^64 */
    uint64_t q = 0, r = 0;
    for (int bit = 127; bit >= 0; bit--) {
        uint64_t b = (a[3 - bit / 32] >> (bit % 32)) & 1;
        bool over = r >> 63;
        r = (r << 1) | b;
        q <<= 1; /* the quotient fits 64 bits: k < n */
        if (over || r >= n) {
            r -= n;
            q |= 1;
        }
    }
    return q;
}

static void check_partition(uint64_t T, uint64_t n)
{
    uint64_t next = 0;
    for (uint64_t k = 0; k < n; k++) {
        uint64_t first, count;
        ss_shard_range(T, k, n, &first, &count);
        assert_true(first == next); /* consecutive, nothing skipped */
        assert_true(first == floor_mul_div(k, T, n));
        assert_true(count <= T / n + 1 && count + 1 >= T / n + (T % n != 0));
        for (uint64_t t = first; t < first + count; t++)
            assert_true(ss_shard_of_trial(T, n, t) == k);
        next = first + count;
    }
    assert_true(next == T);
}

static void shard_blocks_partition_the_trials_in_order(void **state)
{
    (void)state;
    /* every split of small sweeps, empty parts included (n > T) */
    for (uint64_t T = 1; T <= 40; T++)
        for (uint64_t n = 1; n <= 45; n++)
            check_partition(T, n);
    uint64_t first, count;
    ss_shard_range(10, 2, 3, &first, &count);
    assert_true(first == 6 && count == 4);
    ss_shard_range(2, 3, 5, &first, &count); /* floor(6/5), floor(8/5) */
    assert_true(first == 1 && count == 0);
}

static void shard_range_is_exact_up_to_2_to_the_64(void **state)
{
    (void)state;
    const uint64_t two63 = UINT64_C(1) << 63;
    uint64_t first, count;
    /* 2^63 / 3 = 3074457345618258602.67 */
    ss_shard_range(two63, 1, 3, &first, &count);
    assert_true(first == UINT64_C(3074457345618258602));
    ss_shard_range(two63, 2, 3, &first, &count);
    assert_true(first == UINT64_C(6148914691236517205));
    assert_true(first + count == two63);
    /* k * T overflows 64 bits many times over */
    static const uint64_t Ts[] = {UINT64_C(1) << 63,
                                  (UINT64_C(1) << 63) + 12345,
                                  UINT64_MAX, UINT64_C(1) << 53};
    static const uint64_t ns[] = {2, 3, 7, 1000003, (UINT64_C(1) << 32) + 1,
                                  UINT64_C(1) << 62, UINT64_MAX};
    for (size_t i = 0; i < sizeof Ts / sizeof Ts[0]; i++) {
        for (size_t j = 0; j < sizeof ns / sizeof ns[0]; j++) {
            const uint64_t T = Ts[i], n = ns[j];
            const uint64_t ks[] = {0, 1, n / 3, n / 2, n - 2, n - 1};
            for (size_t q = 0; q < sizeof ks / sizeof ks[0]; q++) {
                uint64_t k = ks[q];
                ss_shard_range(T, k, n, &first, &count);
                assert_true(first == floor_mul_div(k, T, n));
                uint64_t end = k + 1 == n ? T : floor_mul_div(k + 1, T, n);
                assert_true(first + count == end);
                if (count > 0) {
                    assert_true(ss_shard_of_trial(T, n, first) == k);
                    assert_true(ss_shard_of_trial(T, n, end - 1) == k);
                }
            }
        }
    }
    /* the last block ends at T exactly */
    ss_shard_range(UINT64_MAX, UINT64_MAX - 1, UINT64_MAX, &first, &count);
    assert_true(first == UINT64_MAX - 1 && count == 1);
}

static void shard_parse_takes_k_of_n_only(void **state)
{
    (void)state;
    ss_shard s;
    ss_error err;
    assert_int_equal(ss_shard_parse("2/7", &s, &err), SS_OK);
    assert_true(s.k == 2 && s.n == 7);
    assert_int_equal(ss_shard_parse("0/1", &s, &err), SS_OK);
    assert_int_equal(ss_shard_parse("18446744073709551614/"
                                    "18446744073709551615",
                                    &s, &err),
                     SS_OK);
    assert_true(s.k == UINT64_MAX - 1 && s.n == UINT64_MAX);
    static const char *const bad[] = {
        "4/4", "5/4", "0/0", "1", "/3", "1/", "-1/3", "1/-3", " 1/3",
        "1/3 ", "1/3/4", "a/b", "+1/3", "1/18446744073709551616", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ss_error_clear(&err);
        assert_int_equal(ss_shard_parse(bad[i], &s, &err), SS_ERR_USAGE);
        assert_non_null(strstr(err.message, "K/N"));
    }
}

/* The shard of a Slurm task, or the error's message. */
static ss_status slurm(const char *id, const char *min, const char *step,
                       const char *count, ss_shard *s, ss_error *err)
{
    ss_error_clear(err);
    return ss_shard_from_slurm(id, min, step, count, s, err);
}

static void shard_from_slurm_array_with_min_and_step(void **state)
{
    (void)state;
    ss_shard s;
    ss_error err;
    /* --array=5-14:3: IDs 5, 8, 11, 14 are K 0..3 of 4 */
    static const char *const ids[] = {"5", "8", "11", "14"};
    for (uint64_t k = 0; k < 4; k++) {
        assert_int_equal(slurm(ids[k], "5", "3", "4", &s, &err), SS_OK);
        assert_true(s.k == k && s.n == 4);
    }
    /* STEP unset: 1 */
    assert_int_equal(slurm("3", "1", NULL, "10", &s, &err), SS_OK);
    assert_true(s.k == 2 && s.n == 10);

    static const struct {
        const char *id, *min, *step, *count, *says;
    } bad[] = {
        {NULL, "5", "3", "4", "SLURM_ARRAY_TASK_ID is not set"},
        {"5", NULL, "3", "4", "SLURM_ARRAY_TASK_MIN is not set"},
        {"5", "5", "3", NULL, "SLURM_ARRAY_TASK_COUNT is not set"},
        {"7", "5", "3", "4", "SLURM_ARRAY_TASK_ID=7 is not "
                             "SLURM_ARRAY_TASK_MIN=5 plus a multiple of "
                             "SLURM_ARRAY_TASK_STEP=3"},
        {"17", "5", "3", "4", "not below SLURM_ARRAY_TASK_COUNT=4"},
        {"4", "5", "3", "4", "SLURM_ARRAY_TASK_ID=4 is below "
                             "SLURM_ARRAY_TASK_MIN=5"},
        {"5", "5", "0", "4", "SLURM_ARRAY_TASK_STEP is 0"},
        {"5", "5", "3", "0", "SLURM_ARRAY_TASK_COUNT is 0"},
        {"x", "5", "3", "4", "SLURM_ARRAY_TASK_ID is not a whole number"},
        {"5", "5", "3", "", "SLURM_ARRAY_TASK_COUNT is not a whole number"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(slurm(bad[i].id, bad[i].min, bad[i].step,
                               bad[i].count, &s, &err),
                         SS_ERR_USAGE);
        if (!strstr(err.message, bad[i].says)) {
            print_error("'%s' does not say '%s'\n", err.message, bad[i].says);
            fail();
        }
    }
}

/* trace --at: a trial by its parameters, matched exactly as parsed. */
static void grid_trial_at_finds_a_point_by_its_values(void **state)
{
    (void)state;
    static const char text[] = "model: stp_train\n"
                               "repeats: 3\n"
                               "fixed: {dt: 0.1}\n"
                               "sweep:\n"
                               "  rate: {range: [0.1, 0.3, 0.1]}\n"
                               "  input: [regular]\n"
                               "  regime:\n"
                               "    labels: [dep, fac]\n"
                               "    zip: {U0: [0.5, 0.2], tau_f: [50, 750]}\n";
    ss_spec *spec;
    ss_grid *grid;
    ss_error err;
    assert_int_equal(ss_spec_load_string(text, strlen(text), "a.yaml", &spec,
                                         &err),
                     SS_OK);
    assert_int_equal(ss_grid_create(spec, &grid, &err), SS_OK);
    uint64_t t, idx[4];
    /* 0.3 as the range makes it, spelt otherwise; a zip by a member */
    const char *a[] = {"rate=3e-1", "tau_f=750"};
    assert_int_equal(ss_grid_trial_at(grid, a, 2, 2, &t, &err), SS_OK);
    ss_grid_index(grid, t, idx);
    assert_true(idx[0] == 2 && idx[1] == 0 && idx[2] == 1 && idx[3] == 2);
    /* by its label, two members that agree, the one-value axis named */
    const char *b[] = {"regime=fac", "U0=0.2", "rate=0.1", "input=regular"};
    assert_int_equal(ss_grid_trial_at(grid, b, 4, 0, &t, &err), SS_OK);
    ss_grid_index(grid, t, idx);
    assert_true(idx[0] == 0 && idx[2] == 1 && idx[3] == 0);

    const char *c[] = {"rate=0.25", "U0=0.5"};
    assert_int_equal(ss_grid_trial_at(grid, c, 2, 0, &t, &err), SS_ERR_USAGE);
    assert_string_equal(err.message, "--at rate=0.25: rate has no value 0.25 "
                                     "(its values: 0.1, 0.2, 0.3)");
    const char *d[] = {"rate=0.1"};
    assert_int_equal(ss_grid_trial_at(grid, d, 1, 0, &t, &err), SS_ERR_USAGE);
    assert_non_null(strstr(err.message, "the axis regime (2 values)"));
    const char *e[] = {"rate=0.1", "regime=dep", "tau_f=750"};
    assert_int_equal(ss_grid_trial_at(grid, e, 3, 0, &t, &err), SS_ERR_USAGE);
    assert_non_null(strstr(err.message, "different points"));
    const char *f[] = {"tau_d=100"};
    assert_int_equal(ss_grid_trial_at(grid, f, 1, 0, &t, &err), SS_ERR_USAGE);
    assert_string_equal(err.hint, "the axes are rate, input, regime");
    const char *g[] = {"rate=0.1", "regime=slow"};
    assert_int_equal(ss_grid_trial_at(grid, g, 2, 0, &t, &err), SS_ERR_USAGE);
    assert_non_null(strstr(err.message, "(its labels: dep, fac)"));
    const char *h[] = {"rate=0.1", "U0=0.5"};
    assert_int_equal(ss_grid_trial_at(grid, h, 2, 3, &t, &err), SS_ERR_USAGE);
    assert_non_null(strstr(err.message, "--repeat 3"));
    ss_grid_free(grid);
    ss_spec_free(spec);
}

static void grid_of_a_shard_keeps_the_layout_and_names_its_block(void **state)
{
    (void)state;
    ss_spec *spec;
    ss_grid *whole, *part;
    ss_error err;
    assert_int_equal(ss_spec_load_string(spec_text, strlen(spec_text), "g.yaml",
                                         &spec, &err),
                     SS_OK);
    assert_int_equal(ss_grid_create(spec, &whole, &err), SS_OK);
    ss_shard sh = {2, 4};
    assert_int_equal(ss_grid_create_shard(spec, &sh, &part, &err), SS_OK);
    assert_true(ss_grid_trials(part) == 18);
    assert_int_equal(ss_grid_rank(part), 3);
    assert_memory_equal(ss_grid_shape(part), ss_grid_shape(whole),
                        3 * sizeof(uint64_t));
    uint64_t first, count;
    ss_grid_block(part, &first, &count);
    assert_true(first == 9 && count == 4); /* floor(36/4), floor(54/4) */
    assert_true(ss_grid_shard(part)->k == 2 && ss_grid_shard(part)->n == 4);
    assert_null(ss_grid_shard(whole));
    ss_grid_block(whole, &first, &count);
    assert_true(first == 0 && count == 18);
    ss_grid *none;
    ss_shard bad = {4, 4};
    assert_int_equal(ss_grid_create_shard(spec, &bad, &none, &err),
                     SS_ERR_USAGE);
    assert_null(none);
    ss_grid_free(part);
    ss_grid_free(whole);
    ss_spec_free(spec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(grid_boxes_cover_any_range_in_order),
        cmocka_unit_test(grid_indexes_row_major_with_repeat_last),
        cmocka_unit_test(grid_streams_are_those_of_the_trial_points),
        cmocka_unit_test(shard_blocks_partition_the_trials_in_order),
        cmocka_unit_test(shard_range_is_exact_up_to_2_to_the_64),
        cmocka_unit_test(shard_parse_takes_k_of_n_only),
        cmocka_unit_test(shard_from_slurm_array_with_min_and_step),
        cmocka_unit_test(grid_of_a_shard_keeps_the_layout_and_names_its_block),
        cmocka_unit_test(grid_trial_at_finds_a_point_by_its_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
