/* The `derived` section: an expression per parameter, parsed against the
 * model's parameters and the free variables of the axes, then ordered so
 * that each comes after the parameters it reads. */
#include "spec_yaml.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synsweep/expr.h"
#include "synsweep/params.h"

static int resolve_name(const char *name, void *ctx)
{
    loader *ld = ctx;
    ld->unused_in_expr = SS_PARAM_COUNT;
    ss_param_id id = ss_param_find(name);
    if (id != SS_PARAM_COUNT) {
        if (ss_param_used_by(id, ld->spec->model))
            return (int)id;
        ld->unused_in_expr = id;
        return -1;
    }
    for (size_t i = 0; i < ld->spec->n_free; i++) {
        if (!strcmp(ld->spec->free_name[i], name)) {
            ld->free_used[i] = true;
            return SS_PARAM_COUNT + (int)i;
        }
    }
    return -1;
}

static const char *suggest_name(const char *name, void *ctx)
{
    loader *ld = ctx;
    const char *best = ss_params_nearest_name(ld->spec->model, name);
    size_t best_d = best ? ss_name_distance(name, best) : (size_t)-1;
    for (size_t i = 0; i < ld->spec->n_free; i++) {
        size_t d = ss_name_distance(name, ld->spec->free_name[i]);
        if (d < best_d) {
            best_d = d;
            best = ld->spec->free_name[i];
        }
    }
    return best && ss_name_close(name, best_d) ? best : NULL;
}

/* Where column (1-based, in bytes of text) of an expression is in the
 * file: exact for a one-line plain or quoted scalar whose source is the
 * text itself, else the scalar's start. */
static loc expr_loc(const yaml_node_t *n, const char *text, int column)
{
    loc at = node_loc(n);
    if (column < 1 || !*text || n->start_mark.line != n->end_mark.line)
        return at;
    size_t off = (size_t)column - 1, chars = 0, total = 0;
    for (size_t i = 0; text[i]; i++) {
        if (((unsigned char)text[i] & 0xC0) == 0x80)
            continue; /* libyaml counts characters, not UTF-8 bytes */
        total++;
        chars += i < off;
    }
    size_t span = n->end_mark.column - n->start_mark.column;
    yaml_scalar_style_t style = n->data.scalar.style;
    if (style == YAML_PLAIN_SCALAR_STYLE && span == total)
        at.column += (int)chars;
    else if ((style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
              style == YAML_DOUBLE_QUOTED_SCALAR_STYLE) &&
             span == total + 2)
        at.column += (int)chars + 1;
    return at;
}

ss_status ss__spec_read_derived(loader *ld)
{
    ss_spec *spec = ld->spec;
    const yaml_node_t *map;
    char buf[96];
    ss_status s = ss__spec_section(ld, K_DERIVED, "parameter: expression",
                                   "parameter", &map);
    if (s != SS_OK || !map || map_len(map) == 0)
        return s;
    spec->derived = calloc(map_len(map), sizeof *spec->derived);
    if (!spec->derived)
        return ss__spec_nomem(ld);
    for (size_t i = 0; i < map_len(map); i++) {
        const yaml_node_t *k = map_key(ld, map, i);
        const yaml_node_t *v = map_val(ld, map, i);
        ss_param_id id;
        s = ss__spec_param_key(ld, k, v, SET_DERIVED, &id);
        if (s != SS_OK)
            return s;
        if (v->type != YAML_SCALAR_NODE)
            return ss__spec_fail(ld, node_loc(v),
                                 "expected an expression for %s, got %s",
                                 text_of(k), ss__spec_what(v, buf, sizeof buf));
        derived *d = &spec->derived[spec->n_derived++];
        d->param = id;
        d->key = node_loc(k);
        d->value = node_loc(v);
        d->text = ss__spec_strdup(text_of(v));
        if (!d->text)
            return ss__spec_nomem(ld);
        ss_error inner;
        ss_error_clear(&inner);
        ld->unused_in_expr = SS_PARAM_COUNT;
        s = ss_expr_parse(d->text, resolve_name, suggest_name, ld, &d->expr,
                          &inner);
        if (s == SS_OK)
            continue;
        if (s != SS_ERR_SPEC)
            return ss__spec_relay(ld, d->value, &inner);
        loc at = expr_loc(v, d->text, inner.column);
        if (ld->unused_in_expr != SS_PARAM_COUNT)
            return ss__spec_fail(ld, at,
                                 "parameter '%s' is not used by model %s",
                                 ss_param_info_of(ld->unused_in_expr)->name,
                                 ss_model_name(spec->model));
        return ss__spec_relay(ld, at, &inner);
    }
    return SS_OK;
}

/* A free variable is there for the expressions; one they do not read is
 * almost always a misspelt parameter. */
ss_status ss__spec_check_free_used(loader *ld)
{
    ss_model m = ld->spec->model;
    for (size_t i = 0; i < ld->spec->n_free; i++) {
        if (ld->free_used[i])
            continue;
        const char *name = ld->spec->free_name[i];
        ss__spec_fail(
            ld, ld->free_key[i],
            "%s '%s' is neither a parameter of %s nor used by any derived "
            "expression",
            ld->free_in_zip[i] ? "zip member" : "axis", name, ss_model_name(m));
        ss__spec_hint_nearest(ld, ss_params_nearest_name(m, name));
        return SS_ERR_SPEC;
    }
    return SS_OK;
}

/* Orders the derived parameters dependencies first, otherwise as written;
 * a cycle is an error at the first of its members. */
ss_status ss__spec_order_derived(loader *ld)
{
    ss_spec *spec = ld->spec;
    size_t n = spec->n_derived; /* at most SS_PARAM_COUNT: keys differ */
    int owner[SS_PARAM_COUNT];
    bool dep[SS_PARAM_COUNT][SS_PARAM_COUNT] = {{false}};
    bool done[SS_PARAM_COUNT] = {false};
    size_t order[SS_PARAM_COUNT];
    int slots[SS_PARAM_COUNT + SPEC_MAX_FREE];
    if (n == 0)
        return SS_OK;
    for (size_t p = 0; p < SS_PARAM_COUNT; p++)
        owner[p] = -1;
    for (size_t i = 0; i < n; i++)
        owner[spec->derived[i].param] = (int)i;
    for (size_t i = 0; i < n; i++) {
        size_t ns = ss_expr_slots(spec->derived[i].expr, slots,
                                  sizeof slots / sizeof *slots);
        for (size_t j = 0; j < ns; j++)
            if (slots[j] < SS_PARAM_COUNT && owner[slots[j]] >= 0)
                dep[i][owner[slots[j]]] = true;
    }
    for (size_t step = 0; step < n; step++) {
        size_t pick = n;
        for (size_t i = 0; i < n && pick == n; i++) {
            bool ready = !done[i];
            for (size_t j = 0; j < n && ready; j++)
                ready = !dep[i][j] || done[j];
            if (ready)
                pick = i;
        }
        if (pick < n) {
            done[pick] = true;
            order[step] = pick;
            continue;
        }
        /* Every member left waits for another: walk until one repeats. */
        int seen_at[SS_PARAM_COUNT];
        size_t path[SS_PARAM_COUNT], len = 0, cur = 0;
        for (size_t i = 0; i < n; i++)
            seen_at[i] = -1;
        while (done[cur])
            cur++;
        while (seen_at[cur] < 0) {
            seen_at[cur] = (int)len;
            path[len++] = cur;
            size_t next = 0;
            while (!dep[cur][next] || done[next])
                next++;
            cur = next;
        }
        size_t from = (size_t)seen_at[cur], first = from;
        for (size_t i = from; i < len; i++)
            if (path[i] < path[first])
                first = i;
        char text[400];
        size_t used = 0, cycle = len - from;
        for (size_t i = 0; i <= cycle && used < sizeof text; i++) {
            size_t d = path[from + (first - from + i) % cycle];
            used += (size_t)snprintf(
                text + used, sizeof text - used, "%s%s", i ? " -> " : "",
                ss_param_info_of(spec->derived[d].param)->name);
        }
        return ss__spec_fail(ld, spec->derived[path[first]].key,
                             "derived parameters form a cycle: %s", text);
    }
    derived sorted[SS_PARAM_COUNT];
    for (size_t i = 0; i < n; i++)
        sorted[i] = spec->derived[order[i]];
    if (n > 0)
        memcpy(spec->derived, sorted, n * sizeof *sorted);
    return SS_OK;
}
