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
 * vary together and the dimension is an index 0..n-1, or its labels; any
 * other axis has exactly one member, named like the axis. */
typedef struct ss_axis {
    char name[64];
    size_t n;
    bool zip;
    size_t n_members;
    ss_axis_member *members;
    /* a zip axis' `labels`: n distinct non-empty strings, or NULL */
    char **labels;
    int line, column; /* where the axis key is */
} ss_axis;

/* A loaded spec: opaque, immutable once loaded, so any number of threads
 * may read one at once. Everything it returns points into it and lives
 * until ss_spec_free. */
typedef struct ss_spec ss_spec;

/* Reads and validates the spec at path. On success *out is a new spec the
 * caller frees with ss_spec_free; it copies path (ss_spec_file) and the
 * text (ss_spec_text). On failure returns the error (SS_ERR_IO or
 * SS_ERR_NOMEM when the file cannot be read, SS_ERR_SPEC naming
 * path:line:column when it is no valid spec), *out is NULL and nothing
 * leaks. */
ss_status ss_spec_load_file(const char *path, ss_spec **out, ss_error *err);

/* The same from len bytes of text in memory (no NUL needed); file_name is
 * what errors and ss_spec_file call it ("<string>" if NULL). Copies text
 * and file_name: neither need outlive the call. Free the spec with
 * ss_spec_free. On failure *out is NULL and nothing leaks. */
ss_status ss_spec_load_string(const char *text, size_t len,
                              const char *file_name, ss_spec **out,
                              ss_error *err);

/* Frees spec and everything it returned. NULL is fine. */
void ss_spec_free(ss_spec *spec);

/* The file name of path without its directories and its last extension
 * (what `name` defaults to and what `run` names its output after):
 * "sweeps/stp.yaml" -> "stp", "a.b.yaml" -> "a.b"; a leading dot is part
 * of the name (".yaml" -> ".yaml"). Writes at most size bytes to buf,
 * NUL-terminated (nothing when size is 0; buf may then be NULL), and
 * returns the stem's full length, as snprintf does: a return >= size means
 * the stem was cut. */
size_t ss_spec_file_stem(const char *path, char *buf, size_t size);

/* The spec text exactly as read, NUL-terminated; *len (if len is not NULL)
 * its length in bytes. */
const char *ss_spec_text(const ss_spec *spec, size_t *len);
/* The file name given to the loader. */
const char *ss_spec_file(const ss_spec *spec);
/* `name` (default: ss_spec_file_stem of the file name) and `description`
 * (default ""). */
const char *ss_spec_name(const ss_spec *spec);
const char *ss_spec_description(const ss_spec *spec);

/* `model` (required). */
ss_model ss_spec_model(const ss_spec *spec);
/* `seed` of the random streams (default 0). */
uint64_t ss_spec_seed(const ss_spec *spec);
/* `repeats`: trials per grid point (default 1). */
uint64_t ss_spec_repeats(const ss_spec *spec);
/* Whether `streams: common` (default: independent). */
bool ss_spec_common_streams(const ss_spec *spec);

/* The model's defaults with `fixed` applied. */
const ss_params *ss_spec_fixed(const ss_spec *spec);

/* The axes of `sweep`, in spec order: at most SS_SPEC_MAX_AXES. */
size_t ss_spec_axis_count(const ss_spec *spec);
/* Axis i, or NULL when i is not below ss_spec_axis_count. */
const ss_axis *ss_spec_axis(const ss_spec *spec, size_t i);

/* Derived parameters, in evaluation order (dependencies first): the
 * parameter derived parameter i sets and its expression as written;
 * SS_PARAM_COUNT and NULL when i is not below ss_spec_derived_count. */
size_t ss_spec_derived_count(const ss_spec *spec);
ss_param_id ss_spec_derived_param(const ss_spec *spec, size_t i);
const char *ss_spec_derived_text(const ss_spec *spec, size_t i);

/* varies[p] = whether parameter p changes across the grid: an axis member
 * or a derived parameter; the others are the spec's fixed values. */
void ss_spec_varies(const ss_spec *spec, bool varies[SS_PARAM_COUNT]);

/* Whether the spec asks for metric id (default: all of the model's);
 * false for an id outside the table. */
bool ss_spec_metric_selected(const ss_spec *spec, ss_metric_id id);

/* Whether a and b describe the same sweep: the same trials in the same
 * order with the same results. They do when they have the same model,
 * seed, streams and repeats; the same axes in the same order (the grid's
 * order: trial indices are row-major), each with the same members and
 * the same values, bit for bit; every other parameter the model uses
 * derived by the same expression (ss_expr_equal) or fixed at the same
 * value (a default and the same value written in `fixed` are the same);
 * and the same metrics. What only the text holds does not count:
 * comments, blanks, block or flow style, quoting, the order of keys in
 * every mapping but `sweep` (a zip's members included), how a number is
 * spelt (10, 10.0, 1e1), how an expression is spaced or parenthesised;
 * nor do `name` and `description`, which only label the results file.
 *
 * When they differ, returns false and writes the first difference into
 * buf (size bytes, NUL-terminated, cut as snprintf cuts; nothing when
 * size is 0), a's value first, in UTF-8 ("≠" is U+2260). In the order
 * they are checked:
 *   model lif_cond ≠ lif_cond_stp
 *   seed 1 ≠ 2
 *   streams independent ≠ common
 *   repeats 5 ≠ 10
 *   axis order exc_rate, inh_rate ≠ inh_rate, exc_rate
 *   axes exc_rate ≠ exc_rate, tau_m        ("none" for no axis)
 *   axis regime: a zip ≠ not a zip
 *   axis regime: members U0, tau_f ≠ U0
 *   axis exc_rate: 10 values ≠ 11
 *   axis exc_rate: value 3 is 12 ≠ 12.5
 *   axis regime: member U0 value 2 is 0.2 ≠ 0.25
 *   fixed gE_bar 3 ≠ 2.4                   (the parameters in table
 *   derived tau_syn: 0.05 * tau_d ≠ tau_d   order, each one of these)
 *   tau_syn: derived 0.05 * tau_d ≠ fixed 5 (or fixed 5 ≠ derived ...)
 *   metrics g1, g10 ≠ g1
 * Value i counts from 1; numbers are the shortest that read back exactly
 * (ss_param_format_number), `input` is its word, an expression is its
 * text as written; long lists are cut with the message.
 * On true buf holds "". Reads both specs only; thread-safe. */
bool ss_spec_same_sweep(const ss_spec *a, const ss_spec *b, char *buf,
                        size_t size);

/* The number of grid points (product of the axis sizes; 1 without axes)
 * and of trials (points times repeats); both checked at load time to be
 * at most SS_SPEC_MAX_TRIALS. */
uint64_t ss_spec_point_count(const ss_spec *spec);
uint64_t ss_spec_trial_count(const ss_spec *spec);

/* The parameters of the grid point with index idx[a] on axis a: the
 * fixed parameters, then the axis values, then the derived expressions in
 * order. The point is checked (ss_params_check_point); an error points at
 * the line where the offending parameter is set (its axis, its derived
 * expression, its `fixed` entry, or the `model` key for a default). An
 * index outside its axis is SS_ERR_USAGE, at no place.
 * If derived is not NULL it receives the derived values in order
 * (ss_spec_derived_count of them). Thread-safe: reads the spec only;
 * allocates nothing. */
ss_status ss_spec_point(const ss_spec *spec, const size_t *idx,
                        ss_params *out, double *derived, ss_error *err);

#endif
