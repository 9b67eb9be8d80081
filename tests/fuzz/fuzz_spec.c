/* libFuzzer target: hostile bytes into the spec loader, the grid over a
 * spec that loads, and the expression parser and evaluator.
 *
 * Besides what the sanitizers catch (memory errors, leaks, undefined
 * behaviour), it checks the contracts a caller relies on and aborts when
 * one breaks:
 *  - a failed load leaves *out NULL and fills an error with a message and
 *    a 1-based line and column;
 *  - every trial of a loaded spec has valid parameters (the loader checked
 *    the grid), and trial index <-> axis indices round-trip;
 *  - ss_grid_boxes covers a run of trials exactly, in at most 2 * rank - 1
 *    boxes;
 *  - a parsed expression reads only slots its resolver gave out.
 * Work per input is bounded: a handful of trials, never the whole grid
 * (which may have 2^53 of them). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synsweep/expr.h"
#include "synsweep/grid.h"
#include "synsweep/rng.h"
#include "synsweep/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_SAMPLES 8   /* trials between the first and the last */
#define N_SLOTS 8     /* expression variables of the fuzz resolver */

static void broken(const char *what, const ss_error *err)
{
    fprintf(stderr, "fuzz_spec: contract broken: %s\n", what);
    if (err)
        fprintf(stderr, "  error: %s:%d:%d: %s (hint: %s)\n", err->file,
                err->line, err->column, err->message, err->hint);
    abort();
}

/* ---- the grid -------------------------------------------------------- */

typedef struct box_sum {
    size_t rank;
    uint64_t covered;
    int boxes;
} box_sum;

static int add_box(const uint64_t *start, const uint64_t *count, void *ctx)
{
    box_sum *b = ctx;
    uint64_t n = 1;
    (void)start;
    for (size_t d = 0; d < b->rank; d++)
        n *= count[d];
    b->covered += n;
    b->boxes++;
    return 0;
}

static void check_trial(const ss_grid *g, uint64_t trial)
{
    uint64_t idx[SS_GRID_MAX_AXES + 1];
    size_t rank = ss_grid_rank(g);
    const uint64_t *shape = ss_grid_shape(g);
    ss_grid_index(g, trial, idx);
    for (size_t d = 0; d < rank; d++)
        if (idx[d] >= shape[d])
            broken("ss_grid_index gave an index outside the shape", NULL);
    if (ss_grid_trial_of(g, idx) != trial)
        broken("ss_grid_trial_of(ss_grid_index(t)) != t", NULL);

    ss_params p;
    uint64_t repeat = UINT64_MAX;
    ss_rng_stream stream;
    ss_error err;
    ss_error_clear(&err);
    if (ss_grid_trial(g, trial, &p, &repeat, &stream, &err) != SS_OK)
        broken("a trial of a loaded spec is invalid", &err);
    if (repeat != idx[rank - 1])
        broken("ss_grid_trial's repeat differs from ss_grid_index's", NULL);

    /* the same point through the spec, with the derived values */
    const ss_spec *spec = ss_grid_spec(g);
    size_t axis_idx[SS_GRID_MAX_AXES + 1];
    double derived[SS_PARAM_COUNT];
    ss_params q;
    for (size_t d = 0; d + 1 < rank; d++)
        axis_idx[d] = (size_t)idx[d];
    if (ss_spec_point(spec, axis_idx, &q, derived, &err) != SS_OK)
        broken("ss_spec_point fails where ss_grid_trial succeeds", &err);
    if (memcmp(&p, &q, sizeof p) != 0)
        broken("ss_spec_point and ss_grid_trial disagree", NULL);
}

static void check_boxes(const ss_grid *g, uint64_t first, uint64_t n)
{
    box_sum b = {ss_grid_rank(g), 0, 0};
    ss_grid_boxes(b.rank, ss_grid_shape(g), first, n, add_box, &b);
    if (b.covered != n)
        broken("ss_grid_boxes does not cover the run exactly", NULL);
    if (n > 0 && (size_t)b.boxes > 2 * b.rank - 1)
        broken("ss_grid_boxes made more than 2 * rank - 1 boxes", NULL);
}

static void walk_grid(const ss_spec *spec, const uint8_t *data, size_t size)
{
    ss_grid *g = NULL;
    ss_error err;
    ss_error_clear(&err);
    if (ss_grid_create(spec, &g, &err) != SS_OK) {
        if (g)
            broken("ss_grid_create failed but set *out", NULL);
        broken("ss_grid_create rejects a loaded spec", &err);
    }
    uint64_t trials = ss_grid_trials(g);
    if (trials != ss_spec_trial_count(spec) || trials == 0)
        broken("the grid's and the spec's trial counts differ", NULL);

    /* first, last, evenly spaced ones, and a few picked by the input */
    check_trial(g, 0);
    check_trial(g, trials - 1);
    for (uint64_t k = 1; k <= N_SAMPLES; k++)
        check_trial(g, trials / (N_SAMPLES + 1) * k);
    uint64_t h = 1469598103934665603u; /* FNV-1a of the input */
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 1099511628211u;
    for (int k = 0; k < 4; k++) {
        h = h * 6364136223846793005u + 1442695040888963407u;
        check_trial(g, (h >> 11) % trials);
    }

    /* outside the grid: an error, not a crash */
    ss_params p;
    uint64_t repeat;
    ss_rng_stream stream;
    if (ss_grid_trial(g, trials, &p, &repeat, &stream, &err) == SS_OK)
        broken("ss_grid_trial accepted a trial past the end", NULL);

    check_boxes(g, 0, trials < 1000 ? trials : 1000);
    uint64_t first = (h >> 7) % trials;
    uint64_t left = trials - first;
    check_boxes(g, first, left < 777 ? left : 777);
    ss_grid_free(g);
}

static void fuzz_spec(const uint8_t *data, size_t size)
{
    ss_spec *spec = (ss_spec *)(uintptr_t)1; /* must come back NULL */
    ss_error err;
    ss_error_clear(&err);
    ss_status s = ss_spec_load_string((const char *)data, size, "fuzz.yaml",
                                      &spec, &err);
    if (s != SS_OK) {
        if (spec)
            broken("a failed load left *out set", &err);
        if (err.code != s || !err.message[0])
            broken("a failed load left no error message", &err);
        if (s == SS_ERR_SPEC && (err.line < 1 || err.column < 1))
            broken("a spec error does not say where", &err);
        return;
    }
    if (!spec)
        broken("a successful load returned NULL", NULL);
    size_t len = 0;
    const char *text = ss_spec_text(spec, &len);
    if (len != size || memcmp(text, data, size) != 0 || text[len] != '\0')
        broken("ss_spec_text differs from the input", NULL);
    for (size_t i = 0; i < ss_spec_derived_count(spec); i++)
        if (!ss_spec_derived_text(spec, i))
            broken("a derived parameter has no text", NULL);
    walk_grid(spec, data, size);
    ss_spec_free(spec);
}

/* ---- expressions ----------------------------------------------------- */

/* Names starting with 'q' are unknown; any other maps to a slot. */
static int resolve(const char *name, void *ctx)
{
    (void)ctx;
    if (name[0] == 'q')
        return -1;
    unsigned h = 0;
    for (const char *c = name; *c; c++)
        h = h * 31u + (unsigned char)*c;
    return (int)(h % N_SLOTS);
}

static const char *suggest(const char *name, void *ctx)
{
    (void)ctx;
    return strlen(name) % 2 ? "tau_m" : NULL;
}

static void fuzz_expr(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return;
    memcpy(text, data, size);
    text[size] = '\0';
    ss_expr *e = (ss_expr *)(uintptr_t)1;
    ss_error err;
    ss_error_clear(&err);
    ss_status s = ss_expr_parse(text, resolve, suggest, NULL, &e, &err);
    if (s != SS_OK) {
        if (e)
            broken("a failed parse left *out set", &err);
        if (s == SS_ERR_SPEC &&
            (err.column < 1 || (size_t)err.column > strlen(text) + 1))
            broken("an expression error's column is outside the text", &err);
        free(text);
        return;
    }
    static const double vars[N_SLOTS] = {2.385, -0.731, 1e-3, 47.5,
                                         0.0,   -1e300, 3.0,  1e300};
    (void)ss_expr_eval(e, vars);
    int slots[N_SLOTS + 1];
    size_t n = ss_expr_slots(e, slots, N_SLOTS + 1);
    if (n > N_SLOTS)
        broken("an expression reads more distinct slots than exist", NULL);
    for (size_t i = 0; i < n; i++)
        if (slots[i] < 0 || slots[i] >= N_SLOTS)
            broken("an expression reads a slot no name resolved to", NULL);
    ss_expr_free(e);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_spec(data, size);
    fuzz_expr(data, size);
    return 0;
}
