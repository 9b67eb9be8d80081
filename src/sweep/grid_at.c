/* A trial named by its parameters (`trace --at NAME=VALUE`): the axis
 * values matched exactly, as numbers are parsed, to the grid's index. */
#include "synsweep/grid.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synsweep/spec.h"

/* value as a member of an axis holds it: a choice's index for `input`,
 * else the number strtod reads (all of the text, finite or not). */
static bool parse_value(const ss_axis_member *m, const char *text,
                        double *out)
{
    if (m->param != SS_PARAM_COUNT &&
        ss_param_info_of(m->param)->kind == SS_KIND_CHOICE)
        return ss_param_parse(m->param, text, out, NULL) == SS_OK;
    char *end = NULL;
    errno = 0;
    *out = strtod(text, &end);
    return *text && end != text && *end == '\0';
}

/* "5, 10, 20" (the first values, then how many more) into buf. */
static void list_values(const ss_axis *ax, const ss_axis_member *m,
                        char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < ax->n && used + 1 < size; i++) {
        char v[64];
        if (i == 12) {
            snprintf(buf + used, size - used, ", ... (%zu in all)", ax->n);
            return;
        }
        if (!m)
            snprintf(v, sizeof v, "%s", ax->labels ? ax->labels[i] : "");
        else if (m->param != SS_PARAM_COUNT)
            ss_param_format_value(m->param, m->values[i], v, sizeof v);
        else
            ss_param_format_number(m->values[i], v, sizeof v);
        if (!m && !ax->labels)
            snprintf(v, sizeof v, "%zu", i);
        int n = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", v);
        if (n < 0)
            return;
        used += (size_t)n;
    }
}

/* The index along ax that NAME=text names: m the member named (NULL for
 * the zip axis itself: its label, or its index without labels). */
static ss_status match(const ss_axis *ax, const ss_axis_member *m,
                       const char *name, const char *text, uint64_t *idx,
                       ss_error *err)
{
    char values[512];
    if (!m) {
        for (size_t i = 0; i < ax->n; i++) {
            char index[24];
            snprintf(index, sizeof index, "%zu", i);
            if (strcmp(text, ax->labels ? ax->labels[i] : index) == 0) {
                *idx = i;
                return SS_OK;
            }
        }
        list_values(ax, NULL, values, sizeof values);
        return ss_error_set(err, SS_ERR_USAGE,
                            "--at %s=%s: the axis %s has no %s '%s' (its "
                            "%s: %s)",
                            name, text, ax->name,
                            ax->labels ? "label" : "index", text,
                            ax->labels ? "labels" : "indices", values);
    }
    double v;
    bool ok = parse_value(m, text, &v);
    for (size_t i = 0; ok && i < ax->n; i++) {
        if (m->values[i] == v) {
            *idx = i;
            return SS_OK;
        }
    }
    list_values(ax, m, values, sizeof values);
    return ss_error_set(err, SS_ERR_USAGE,
                        "--at %s=%s: %s%s has no value %s (its values: %s)",
                        name, text, ax->zip ? "the zip member " : "", name,
                        text, values);
}

/* Finds NAME among the axes: *axis and *member (NULL for a zip axis by
 * its own name). */
static bool find_name(const ss_spec *spec, const char *name, size_t len,
                      size_t *axis, const ss_axis_member **member)
{
    for (size_t a = 0; a < ss_spec_axis_count(spec); a++) {
        const ss_axis *ax = ss_spec_axis(spec, a);
        for (size_t k = 0; k < ax->n_members; k++) {
            const ss_axis_member *m = &ax->members[k];
            if (strlen(m->name) == len && strncmp(m->name, name, len) == 0) {
                *axis = a;
                *member = m;
                return true;
            }
        }
        if (ax->zip && strlen(ax->name) == len &&
            strncmp(ax->name, name, len) == 0) {
            *axis = a;
            *member = NULL;
            return true;
        }
    }
    return false;
}

ss_status ss_grid_trial_at(const ss_grid *grid, const char *const *at,
                           size_t n_at, uint64_t repeat, uint64_t *trial,
                           ss_error *err)
{
    const ss_spec *spec = ss_grid_spec(grid);
    const size_t n_axes = ss_spec_axis_count(spec);
    const uint64_t *shape = ss_grid_shape(grid);
    uint64_t idx[SS_SPEC_MAX_AXES + 1] = {0};
    const char *given[SS_SPEC_MAX_AXES] = {NULL}; /* what set each axis */
    for (size_t i = 0; i < n_at; i++) {
        const char *eq = strchr(at[i], '=');
        if (!eq || eq == at[i])
            return ss_error_set(err, SS_ERR_USAGE,
                                "--at takes NAME=VALUE (got '%s')", at[i]);
        const size_t len = (size_t)(eq - at[i]);
        size_t a;
        const ss_axis_member *m;
        if (!find_name(spec, at[i], len, &a, &m)) {
            ss_error_set(err, SS_ERR_USAGE,
                         "--at %s: %.*s is no axis of the sweep", at[i],
                         (int)len, at[i]);
            if (n_axes == 0)
                ss_error_hint(err, "the sweep has no axes: use --trial");
            else {
                char names[512] = "";
                size_t used = 0;
                for (size_t b = 0; b < n_axes && used < sizeof names; b++)
                    used += (size_t)snprintf(names + used,
                                             sizeof names - used, "%s%s",
                                             b ? ", " : "",
                                             ss_spec_axis(spec, b)->name);
                ss_error_hint(err, "the axes are %s", names);
            }
            return err ? err->code : SS_ERR_USAGE;
        }
        uint64_t k = 0;
        ss_status st = match(ss_spec_axis(spec, a), m,
                             m ? m->name : ss_spec_axis(spec, a)->name,
                             eq + 1, &k, err);
        if (st != SS_OK)
            return st;
        /* two members of one zip may name it, if they agree */
        if (given[a] && idx[a] != k)
            return ss_error_set(err, SS_ERR_USAGE,
                                "--at %s and --at %s name different points "
                                "of the axis %s",
                                given[a], at[i], ss_spec_axis(spec, a)->name);
        given[a] = at[i];
        idx[a] = k;
    }
    for (size_t a = 0; a < n_axes; a++) {
        const ss_axis *ax = ss_spec_axis(spec, a);
        if (!given[a] && ax->n > 1)
            return ss_error_set(err, SS_ERR_USAGE,
                                "--at does not say where on the axis %s (%zu "
                                "values): add --at %s=%s",
                                ax->name, ax->n,
                                ax->zip && !ax->labels ? ax->members[0].name
                                                       : ax->name,
                                ax->labels ? "LABEL" : "VALUE");
    }
    if (repeat >= shape[n_axes])
        return ss_error_set(err, SS_ERR_USAGE,
                            "--repeat %llu is beyond the sweep's %llu "
                            "repeats (0..%llu)",
                            (unsigned long long)repeat,
                            (unsigned long long)shape[n_axes],
                            (unsigned long long)(shape[n_axes] - 1));
    idx[n_axes] = repeat;
    *trial = ss_grid_trial_of(grid, idx);
    return SS_OK;
}
