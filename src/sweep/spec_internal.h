/* Inside the spec module: the loaded spec and where each of its parts was
 * written. Shared by the loader (spec*.c) and the per-trial point
 * (spec_point.c); no libyaml here, so a trial's code never sees the
 * parser. Not installed. */
#ifndef SYNSWEEP_SPEC_INTERNAL_H
#define SYNSWEEP_SPEC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synsweep/expr.h"
#include "synsweep/metrics.h"
#include "synsweep/params.h"
#include "synsweep/spec.h"

/* Free variables get the expression slots after the parameters, so the
 * point evaluation works in one stack array. */
#define SPEC_MAX_FREE 64

/* A place in the spec text, 1-based. */
typedef struct loc {
    int line, column;
} loc;

/* Where an axis member's values come from, so a later check can point at
 * the exact list element. */
typedef struct member_src {
    loc key;   /* the member's key: the axis key for a one-member axis */
    loc form;  /* the list, or the generating form's mapping */
    loc *elem; /* each value's list element; NULL for a generated form */
    int slot;  /* what expressions read: the parameter, or a free slot */
} member_src;

typedef struct spec_axis {
    ss_axis pub;
    member_src *src;
} spec_axis;

typedef struct derived {
    ss_param_id param;
    char *text;
    ss_expr *expr;
    loc key, value;
} derived;

typedef enum set_kind {
    SET_DEFAULT,
    SET_FIXED,
    SET_AXIS,
    SET_DERIVED
} set_kind;

/* The one place that sets a parameter. */
typedef struct set_place {
    set_kind kind;
    loc key, value;
    size_t axis, member;
} set_place;

/* ---- values as written (spec_decimal.c) ------------------------------ */

/* The n values of `range: [start, stop, step]` from the texts of start
 * and step: value i is the double nearest the decimal start + i * step,
 * computed with as many fractional digits as the more precise of start
 * and step. False (values untouched) when start or step is no plain
 * decimal ([+-]digits[.digits][e[+-]digits]) or a value would need more
 * than 22 fractional digits or more than 2^53 as a whole number of its
 * last digit's units. */
bool ss__spec_range_as_written(const char *start, const char *step, size_t n,
                               double *values);
/* The same for `linspace: [start, stop, n]` (n >= 2): value i is the double
 * nearest start + i * (stop - start) / (n - 1) when that is a decimal, with
 * the fewest fractional digits, from those of start and stop on, at which
 * (stop - start) / (n - 1) is a whole number of units; so both ends are
 * start and stop as written. False when no such digits (0..1 in 4 values
 * are thirds) or the limits above are passed. */
bool ss__spec_linspace_as_written(const char *start, const char *stop,
                                  size_t n, double *values);

struct ss_spec {
    char *text;
    size_t len;
    char *file;
    char *name;
    char *description;
    ss_model model;
    loc model_key;
    uint64_t seed, repeats;
    bool common;
    ss_params fixed;
    spec_axis *axes;
    size_t n_axes;
    derived *derived;
    size_t n_derived;
    const char *free_name[SPEC_MAX_FREE];
    size_t n_free;
    bool metric[SS_METRIC_COUNT];
    uint64_t points, trials;
    set_place set[SS_PARAM_COUNT];
};

#endif
