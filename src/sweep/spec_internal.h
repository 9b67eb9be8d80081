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
