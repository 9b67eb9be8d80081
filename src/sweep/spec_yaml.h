/* Inside the spec loader: the state of one load, the YAML node helpers
 * every section reader uses, the error reporting that points at a node,
 * and the section readers each file of the loader provides. Not installed;
 * the per-trial code (spec_point.c) does not include it. */
#ifndef SYNSWEEP_SPEC_YAML_H
#define SYNSWEEP_SPEC_YAML_H

#include <stdbool.h>
#include <stddef.h>

#include <yaml.h>

#include "spec_internal.h"
#include "synsweep/params.h"
#include "synsweep/status.h"

enum top_key {
    K_NAME,
    K_DESCRIPTION,
    K_MODEL,
    K_SEED,
    K_STREAMS,
    K_REPEATS,
    K_FIXED,
    K_SWEEP,
    K_DERIVED,
    K_METRICS,
    N_TOP
};

/* The top-level keys' names, indexed by enum top_key. */
extern const char *const ss__spec_top_names[N_TOP];

/* One load: the spec being filled, the YAML document it comes from (alive
 * only during the load) and the error to fill. */
typedef struct loader {
    ss_spec *spec;
    yaml_document_t *doc;
    ss_error *err;
    yaml_node_t *key[N_TOP], *val[N_TOP];
    bool free_used[SPEC_MAX_FREE];
    loc free_key[SPEC_MAX_FREE];
    bool free_in_zip[SPEC_MAX_FREE];
    /* zip axes' names, which share the namespace of the free variables */
    const char *zip_name[SPEC_MAX_FREE];
    loc zip_key[SPEC_MAX_FREE];
    size_t n_zip;
    size_t n_values; /* held by the axes read so far */
    ss_param_id unused_in_expr; /* what the last failed lookup hit */
} loader;

/* ---- nodes ------------------------------------------------------------ */

static inline loc node_loc(const yaml_node_t *n)
{
    return (loc){(int)n->start_mark.line + 1, (int)n->start_mark.column + 1};
}

static inline const char *text_of(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

static inline yaml_node_t *node_at(const loader *ld, int id)
{
    return yaml_document_get_node(ld->doc, id);
}

static inline size_t seq_len(const yaml_node_t *n)
{
    return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

static inline yaml_node_t *seq_item(const loader *ld, const yaml_node_t *n,
                                    size_t i)
{
    return node_at(ld, n->data.sequence.items.start[i]);
}

static inline size_t map_len(const yaml_node_t *n)
{
    return (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
}

static inline yaml_node_t *map_key(const loader *ld, const yaml_node_t *n,
                                   size_t i)
{
    return node_at(ld, n->data.mapping.pairs.start[i].key);
}

static inline yaml_node_t *map_val(const loader *ld, const yaml_node_t *n,
                                   size_t i)
{
    return node_at(ld, n->data.mapping.pairs.start[i].value);
}

/* A plain scalar YAML reads as null: empty, ~, null, Null or NULL. */
bool ss__spec_is_null(const yaml_node_t *n);
/* "a list", "a mapping", "nothing" or the scalar quoted (in buf): for
 * "got ...". */
const char *ss__spec_what(const yaml_node_t *n, char *buf, size_t size);
/* A copy of s from malloc, or NULL. */
char *ss__spec_strdup(const char *s);

/* ---- errors (spec_yaml.c) --------------------------------------------- */

/* A spec error at the place at of the spec's file; returns SS_ERR_SPEC. */
ss_status ss__spec_fail(loader *ld, loc at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Passes on an error another module filled (a parameter's range, an
 * expression's syntax) as a spec error at the node that caused it. */
ss_status ss__spec_relay(loader *ld, loc at, const ss_error *inner);
/* SS_ERR_NOMEM, at no place. */
ss_status ss__spec_nomem(loader *ld);
/* "did you mean 'near'?" as the hint, unless near is NULL. */
void ss__spec_hint_nearest(loader *ld, const char *near);
/* libyaml's failure to parse (ps->error set) as an error at its mark. */
ss_status ss__spec_yaml_failure(loader *ld, const yaml_parser_t *ps);

/* ---- checks every section makes (spec_yaml.c) ------------------------- */

/* Keys of a mapping: scalars, each once, and (when known is given) one of
 * known; kind names a key in messages. */
ss_status ss__spec_check_keys(loader *ld, const yaml_node_t *map,
                              const char *const *known, size_t n_known,
                              const char *kind);
/* The mapping under top-level key k, whose entries messages call entries
 * ("parameter: value") and whose keys kind ("parameter"): *map is NULL
 * when the key is absent or null (an empty section), else a mapping whose
 * keys ss__spec_check_keys passed. */
ss_status ss__spec_section(loader *ld, enum top_key k, const char *entries,
                           const char *kind, const yaml_node_t **map);
/* Entry key: val of `fixed` or `derived` (kind SET_FIXED or SET_DERIVED):
 * the key must name a parameter the model uses (*out), set in no other
 * place. */
ss_status ss__spec_param_key(loader *ld, const yaml_node_t *key,
                             const yaml_node_t *val, set_kind kind,
                             ss_param_id *out);
/* Records where parameter id is set; a second place is an error, reported
 * at whichever of the two comes later in the text. */
ss_status ss__spec_claim(loader *ld, ss_param_id id, set_place place);
/* "a number", or the words a choice parameter takes: for "expected ...". */
const char *ss__spec_value_kind(ss_param_id id);
/* Checks of the text before and after libyaml reads it: flow collections
 * nested too deep, and NUL characters in scalars. */
ss_status ss__spec_check_nesting(loader *ld);
ss_status ss__spec_check_nul(loader *ld);
/* Refuses every explicit YAML tag (!!str, !!int, !custom, ...) at the
 * tag: a spec's values are typed by where they stand, not by tags. */
ss_status ss__spec_check_tags(loader *ld);

/* ---- the sections ----------------------------------------------------- */

/* `sweep`: the axes and spec->points (spec_axes.c). */
ss_status ss__spec_read_sweep(loader *ld);
/* A zip axis' `labels` (the list node), read once its length is known
 * (spec_labels.c). */
ss_status ss__spec_read_labels(loader *ld, spec_axis *ax,
                               const yaml_node_t *list);
/* `derived`: parsed, then each free variable checked to be read, then put
 * dependencies first (spec_derived.c). */
ss_status ss__spec_read_derived(loader *ld);
ss_status ss__spec_check_free_used(loader *ld);
ss_status ss__spec_order_derived(loader *ld);
/* Every point of the grid checked at load time, within a bound of work
 * (spec_check.c). */
ss_status ss__spec_check_points(loader *ld);

#endif
