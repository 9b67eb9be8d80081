#include "synsweep/grid.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "synsweep/model.h"

struct ss_grid {
    const ss_spec *spec;
    size_t rank;
    uint64_t shape[SS_GRID_MAX_AXES + 1];
    uint64_t trials;
    bool sharded;
    ss_shard shard;
    uint64_t block_first, block_count; /* the trials this part runs */
    /* The stream key's hash after the point's leading values that no axis
     * or derived expression sets (the model, then the parameters in table
     * order up to the first one that varies): the same at every point, so
     * a trial absorbs only the rest. Unused with `streams: common`. */
    ss_rng_point_hash key_prefix;
};

/* The hash state of every point's first values that are the same at
 * every point of spec's grid. */
static void key_prefix_init(const ss_spec *spec, ss_rng_point_hash *st)
{
    const ss_model m = ss_spec_model(spec);
    bool varies[SS_PARAM_COUNT];
    ss_spec_varies(spec, varies);
    double point[SS_PARAM_COUNT + 1];
    size_t n = ss_params_point(m, ss_spec_fixed(spec), point);
    size_t fixed = 1; /* the model */
    for (int i = 0; i < SS_PARAM_COUNT; i++) {
        if (!ss_param_used_by((ss_param_id)i, m) ||
            !ss_param_keyed((ss_param_id)i))
            continue;
        if (varies[i])
            break;
        fixed++;
    }
    ss_rng_point_hash_init(st, n);
    ss_rng_point_hash_absorb(st, point, fixed);
}

ss_status ss_grid_create(const ss_spec *spec, ss_grid **out, ss_error *err)
{
    *out = NULL;
    size_t axes = ss_spec_axis_count(spec);
    if (axes > SS_GRID_MAX_AXES)
        return ss_error_set(err, SS_ERR_SPEC,
                            "a sweep has at most %d axes (got %zu)",
                            SS_GRID_MAX_AXES, axes);
    ss_grid *g = calloc(1, sizeof *g);
    if (!g)
        return ss_error_set(err, SS_ERR_NOMEM, "cannot allocate the grid");
    g->spec = spec;
    g->rank = axes + 1;
    g->trials = 1;
    for (size_t a = 0; a <= axes; a++) {
        uint64_t n = a < axes ? ss_spec_axis(spec, a)->n
                              : ss_spec_repeats(spec);
        g->shape[a] = n;
        /* the spec checked the size already; checked again, for a spec
         * built some other way */
        if (n == 0 || g->trials > SS_SPEC_MAX_TRIALS / n) {
            free(g);
            return ss_error_set(err, SS_ERR_SPEC,
                                "the grid is empty or has more than 2^53 "
                                "trials");
        }
        g->trials *= n;
    }
    g->block_count = g->trials;
    key_prefix_init(spec, &g->key_prefix);
    *out = g;
    return SS_OK;
}

ss_status ss_grid_create_shard(const ss_spec *spec, const ss_shard *shard,
                               ss_grid **out, ss_error *err)
{
    *out = NULL;
    if (shard && (shard->n == 0 || shard->k >= shard->n))
        return ss_error_set(err, SS_ERR_USAGE,
                            "shard %llu/%llu: K must be below N",
                            (unsigned long long)shard->k,
                            (unsigned long long)shard->n);
    ss_status st = ss_grid_create(spec, out, err);
    if (st != SS_OK || !shard)
        return st;
    ss_grid *g = *out;
    g->sharded = true;
    g->shard = *shard;
    ss_shard_range(g->trials, shard->k, shard->n, &g->block_first,
                   &g->block_count);
    return SS_OK;
}

const ss_shard *ss_grid_shard(const ss_grid *grid)
{
    return grid->sharded ? &grid->shard : NULL;
}

void ss_grid_block(const ss_grid *grid, uint64_t *first, uint64_t *count)
{
    *first = grid->block_first;
    *count = grid->block_count;
}

void ss_grid_free(ss_grid *grid)
{
    free(grid);
}

const ss_spec *ss_grid_spec(const ss_grid *grid)
{
    return grid->spec;
}

uint64_t ss_grid_trials(const ss_grid *grid)
{
    return grid->trials;
}

size_t ss_grid_rank(const ss_grid *grid)
{
    return grid->rank;
}

const uint64_t *ss_grid_shape(const ss_grid *grid)
{
    return grid->shape;
}

void ss_grid_index(const ss_grid *grid, uint64_t trial, uint64_t *idx)
{
    for (size_t d = grid->rank; d-- > 0;) {
        idx[d] = trial % grid->shape[d];
        trial /= grid->shape[d];
    }
}

uint64_t ss_grid_trial_of(const ss_grid *grid, const uint64_t *idx)
{
    uint64_t t = 0;
    for (size_t d = 0; d < grid->rank; d++)
        t = t * grid->shape[d] + idx[d];
    return t;
}

ss_status ss_grid_trial(const ss_grid *grid, uint64_t trial, ss_params *p,
                        uint64_t *repeat, ss_rng_stream *stream,
                        ss_error *err)
{
    if (trial >= grid->trials)
        return ss_error_set(err, SS_ERR_USAGE,
                            "trial %llu is outside the grid (0 .. %llu)",
                            (unsigned long long)trial,
                            (unsigned long long)(grid->trials - 1));
    uint64_t idx[SS_GRID_MAX_AXES + 1];
    size_t axis_idx[SS_GRID_MAX_AXES + 1];
    ss_grid_index(grid, trial, idx);
    for (size_t d = 0; d + 1 < grid->rank; d++)
        axis_idx[d] = (size_t)idx[d];
    ss_status s = ss_spec_point(grid->spec, axis_idx, p, NULL, err);
    if (s != SS_OK)
        return s;
    *repeat = idx[grid->rank - 1];
    /* ss_model_trial_stream's key, resumed after the fixed prefix */
    const ss_spec *spec = grid->spec;
    uint64_t point_key = 0;
    if (!ss_spec_common_streams(spec)) {
        double point[SS_PARAM_COUNT + 1];
        size_t n = ss_params_point(ss_spec_model(spec), p, point);
        ss_rng_point_hash st = grid->key_prefix;
        ss_rng_point_hash_absorb(&st, point + st.i, n - st.i);
        point_key = ss_rng_point_hash_final(&st);
    }
    ss_rng_stream_init(stream, ss_spec_seed(spec), point_key, *repeat);
    return SS_OK;
}

int ss_grid_boxes(size_t rank, const uint64_t *shape, uint64_t first,
                  uint64_t n,
                  int (*emit)(const uint64_t *start, const uint64_t *count,
                              void *ctx),
                  void *ctx)
{
    /* stride[k] = product of the last k dimensions */
    uint64_t stride[SS_GRID_MAX_AXES + 2];
    stride[0] = 1;
    for (size_t k = 1; k <= rank; k++)
        stride[k] = stride[k - 1] * shape[rank - k];
    uint64_t pos = first, end = first + n;
    while (pos < end) {
        /* The largest whole block of trailing dimensions that starts at
         * pos and fits before end... */
        size_t k = 0;
        while (k < rank && pos % stride[k + 1] == 0 &&
               pos + stride[k + 1] <= end)
            k++;
        /* ...taken as many times as fit along dimension rank-1-k without
         * crossing into the next index of the dimension above. */
        uint64_t units = (end - pos) / stride[k];
        if (k < rank) {
            uint64_t left = (stride[k + 1] - pos % stride[k + 1]) / stride[k];
            if (left < units)
                units = left;
        }
        uint64_t start[SS_GRID_MAX_AXES + 1], count[SS_GRID_MAX_AXES + 1];
        uint64_t rest = pos;
        for (size_t d = rank; d-- > 0;) {
            start[d] = rest % shape[d];
            rest /= shape[d];
        }
        for (size_t d = 0; d < rank; d++) {
            size_t level = rank - 1 - d; /* trailing dims below d */
            count[d] = level < k ? shape[d] : level == k ? units : 1;
        }
        int rc = emit(start, count, ctx);
        if (rc)
            return rc;
        pos += units * stride[k];
    }
    return 0;
}
