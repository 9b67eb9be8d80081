/* The sweep spec: YAML text -> a validated description of a sweep. Every
 * error carries file:line:column (1-based) and, for a misspelt key or
 * parameter, the nearest valid name as a hint. Runs nothing. */
#ifndef SYNSWEEP_SPEC_H
#define SYNSWEEP_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synsweep/metrics.h"
#include "synsweep/params.h"
#include "synsweep/status.h"

/* Trials in a grid, repeats included, are at most this many. */
#define SS_SPEC_MAX_TRIALS (UINT64_C(1) << 53)
/* A sweep has at most this many axes (the grid's dimensions are these and
 * the repeat). */
#define SS_SPEC_MAX_AXES 32

/* One variable of an axis: a model parameter, or a free variable (a name
 * that is no parameter, such as the tutorial's tau_ratio, usable only in
 * `derived` expressions). */
typedef struct ss_axis_member {
    char name[64];
    ss_param_id param; /* SS_PARAM_COUNT for a free variable */
    double *values;    /* the axis' n values; a choice's index for `input` */
} ss_axis_member;

/* One dimension of the grid: the key under `sweep`. A zip axis' members
 * vary together and the dimension is an index 0..n-1; any other axis has
 * exactly one member, named like the axis. */
typedef struct ss_axis {
    char name[64];
    size_t n;
    bool zip;
    size_t n_members;
    ss_axis_member *members;
    int line, column; /* where the axis key is */
} ss_axis;

typedef struct ss_spec ss_spec;

/* Reads and validates the spec at path. Errors name path:line:column.
 * On failure *out is NULL and nothing leaks. */
ss_status ss_spec_load_file(const char *path, ss_spec **out, ss_error *err);

/* The same from text in memory; file_name is what errors call it. */
ss_status ss_spec_load_string(const char *text, size_t len,
                              const char *file_name, ss_spec **out,
                              ss_error *err);

/* NULL is fine. */
void ss_spec_free(ss_spec *spec);

/* The spec text exactly as read, NUL-terminated. */
const char *ss_spec_text(const ss_spec *spec, size_t *len);
/* The file name given to the loader. */
const char *ss_spec_file(const ss_spec *spec);
/* `name` (default: the file name without directory and extension) and
 * `description` (default ""). */
const char *ss_spec_name(const ss_spec *spec);
const char *ss_spec_description(const ss_spec *spec);

ss_model ss_spec_model(const ss_spec *spec);
uint64_t ss_spec_seed(const ss_spec *spec);      /* default 0 */
uint64_t ss_spec_repeats(const ss_spec *spec);   /* default 1 */
bool ss_spec_common_streams(const ss_spec *spec); /* streams: common */

/* Model defaults overridden by `fixed`. */
const ss_params *ss_spec_fixed(const ss_spec *spec);

size_t ss_spec_axis_count(const ss_spec *spec);
const ss_axis *ss_spec_axis(const ss_spec *spec, size_t i);

/* Derived parameters, in evaluation order (dependencies first). */
size_t ss_spec_derived_count(const ss_spec *spec);
ss_param_id ss_spec_derived_param(const ss_spec *spec, size_t i);
const char *ss_spec_derived_text(const ss_spec *spec, size_t i);

/* Metrics the spec asks for (default: all of the model's). */
bool ss_spec_metric_selected(const ss_spec *spec, ss_metric_id id);

/* The number of grid points (product of the axis sizes; 1 without axes)
 * and of trials (points times repeats); both checked at load time to be
 * at most SS_SPEC_MAX_TRIALS. */
uint64_t ss_spec_point_count(const ss_spec *spec);
uint64_t ss_spec_trial_count(const ss_spec *spec);

/* The parameters of the grid point with index idx[a] on axis a: the
 * fixed parameters, then the axis values, then the derived expressions in
 * order. The point is checked (ss_params_check_point); an error points at
 * the line where the offending parameter is set (its axis, its derived
 * expression, its `fixed` entry, or the `model` key for a default).
 * If derived is not NULL it receives the derived values in order.
 * Thread-safe: reads the spec only. */
ss_status ss_spec_point(const ss_spec *spec, const size_t *idx,
                        ss_params *out, double *derived, ss_error *err);

#endif
