/* The grid of a sweep: trial index <-> (axis indices, repeat), row-major
 * with the repeat last, and each trial's parameters and random stream.
 * Nothing is allocated per trial. */
#ifndef SYNSWEEP_GRID_H
#define SYNSWEEP_GRID_H

#include <stddef.h>
#include <stdint.h>

#include "synsweep/params.h"
#include "synsweep/rng.h"
#include "synsweep/spec.h"
#include "synsweep/status.h"

/* Dimensions: at most this many sweep axes (plus the repeat); the spec
 * decides how many axes a sweep may have. */
#define SS_GRID_MAX_AXES SS_SPEC_MAX_AXES

/* A grid: opaque, read-only after ss_grid_create, so threads may share
 * one. */
typedef struct ss_grid ss_grid;

/* The grid of spec: a new grid the caller frees with ss_grid_free. Keeps
 * a pointer: spec must outlive the grid. On failure (SS_ERR_SPEC for a
 * spec of more than SS_GRID_MAX_AXES axes, an empty grid or one of more
 * than SS_SPEC_MAX_TRIALS trials; SS_ERR_NOMEM) *out is NULL and nothing
 * leaks. */
ss_status ss_grid_create(const ss_spec *spec, ss_grid **out, ss_error *err);
/* Frees the grid, not its spec. NULL is fine. */
void ss_grid_free(ss_grid *grid);

/* Shards: a sweep split into n parts by trial index, for Slurm job
 * arrays. Shard k of n holds trials [floor(k*T/n), floor((k+1)*T/n)) of
 * the row-major order, T the grid's trials: consecutive blocks that cover
 * every trial once, their sizes differing by at most one (empty ones when
 * n > T). Plain data; {0, 1} is the whole sweep. */
typedef struct ss_shard {
    uint64_t k, n; /* 0 <= k < n */
} ss_shard;

/* The block of shard k of n (k < n, n >= 1) of a sweep of `trials`
 * trials: *first and *count. Exact for any trials and n below 2^64 (no
 * overflow). */
void ss_shard_range(uint64_t trials, uint64_t k, uint64_t n, uint64_t *first,
                    uint64_t *count);

/* The shard of n whose block holds trial (trial < trials): the inverse of
 * ss_shard_range. */
uint64_t ss_shard_of_trial(uint64_t trials, uint64_t n, uint64_t trial);

/* Reads "K/N" (decimal, 0 <= K < N) into *out; anything else is
 * SS_ERR_USAGE saying what is wrong. */
ss_status ss_shard_parse(const char *text, ss_shard *out, ss_error *err);

/* The shard of a task of a Slurm job array, from the values of
 * SLURM_ARRAY_TASK_ID, _MIN, _STEP and _COUNT (NULL when unset; STEP
 * unset is 1): k = (ID - MIN) / STEP, n = COUNT. SS_ERR_USAGE naming the
 * variable when one is missing (not in an array), not a number, or when
 * they disagree (ID below MIN or off the lattice MIN + k * STEP, k not
 * below COUNT, STEP or COUNT 0). Pure: the caller reads the
 * environment. */
ss_status ss_shard_from_slurm(const char *id, const char *min,
                              const char *step, const char *count,
                              ss_shard *out, ss_error *err);

/* The grid of spec restricted to one shard: the same layout (shape,
 * trials, indices) as ss_grid_create's, and ss_grid_shard and
 * ss_grid_block name the part it runs. shard NULL is the whole sweep, as
 * ss_grid_create. Same ownership and failures as ss_grid_create, and
 * SS_ERR_USAGE for a shard with k >= n. */
ss_status ss_grid_create_shard(const ss_spec *spec, const ss_shard *shard,
                               ss_grid **out, ss_error *err);

/* The grid's shard; NULL for the whole sweep (ss_grid_create). */
const ss_shard *ss_grid_shard(const ss_grid *grid);

/* The trials the grid's part runs: [*first, *first + *count), its
 * shard's block (every trial for the whole sweep). */
void ss_grid_block(const ss_grid *grid, uint64_t *first, uint64_t *count);

/* The spec given to ss_grid_create. */
const ss_spec *ss_grid_spec(const ss_grid *grid);
/* The number of trials: the product of the shape. */
uint64_t ss_grid_trials(const ss_grid *grid);
/* Number of dimensions: the sweep axes, then the repeat. */
size_t ss_grid_rank(const ss_grid *grid);
/* Size of each dimension (rank values), owned by the grid. */
const uint64_t *ss_grid_shape(const ss_grid *grid);

/* idx[0..rank) of a trial: axis indices, then the repeat (trial below
 * ss_grid_trials). */
void ss_grid_index(const ss_grid *grid, uint64_t trial, uint64_t *idx);
/* The inverse: the trial at idx[0..rank), each index within its
 * dimension. */
uint64_t ss_grid_trial_of(const ss_grid *grid, const uint64_t *idx);

/* The trial at the point named by at[0 .. n_at), each "NAME=VALUE"
 * (`trace --at`), and the repeat: NAME an axis, a zip axis' member (its
 * value), or a zip axis itself (its label, or its index 0..n-1 when it
 * has no labels). Values match exactly, as numbers are parsed (10, 10.0
 * and 1e1 alike; `input` by its word). Every axis of more than one value
 * must be named; an axis may be named twice (two members of a zip) if
 * both name the same point. SS_ERR_USAGE otherwise: an unknown NAME (the
 * axes as the hint), a VALUE the axis does not have (its values listed),
 * a repeat beyond the spec's. */
ss_status ss_grid_trial_at(const ss_grid *grid, const char *const *at,
                           size_t n_at, uint64_t repeat, uint64_t *trial,
                           ss_error *err);

/* A trial's parameters, repeat index and random stream (keyed by the
 * spec's seed, the parameter point and the repeat, or by seed and repeat
 * alone with `streams: common`). A trial outside the grid is SS_ERR_USAGE;
 * a point that fails its check is the error of ss_spec_point. The stream
 * key is ss_model_trial_stream's, bit for bit; the grid hashes the point's
 * leading parameters that no axis or derived expression sets once, at
 * ss_grid_create, and each trial only the rest. Thread-safe; allocates
 * nothing. */
ss_status ss_grid_trial(const ss_grid *grid, uint64_t trial, ss_params *p,
                        uint64_t *repeat, ss_rng_stream *stream,
                        ss_error *err);

/* Splits the trials [first, first + n) into boxes of the grid's shape,
 * at most 2 * rank - 1 of them, in row-major order: for each box calls
 * emit(start, count, ctx) with start/count of rank values. Used to write a
 * run of consecutive trials as hyperslabs. Returns the first non-zero
 * value emit returns, else 0. */
int ss_grid_boxes(size_t rank, const uint64_t *shape, uint64_t first,
                  uint64_t n,
                  int (*emit)(const uint64_t *start, const uint64_t *count,
                              void *ctx),
                  void *ctx);

#endif
