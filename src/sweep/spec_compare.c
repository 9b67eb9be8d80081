/* Whether two loaded specs describe the same sweep, and if not, their
 * first difference in words: what `run --resume` asks of a file made from
 * another text of the spec. Reads the loaded specs only, never their
 * text, so comments, blanks, key order, quoting and the spelling of
 * numbers cannot count. */
#include "spec_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "synsweep/expr.h"
#include "synsweep/metrics.h"
#include "synsweep/params.h"

/* " ≠ " in UTF-8, between the first spec's value and the second's */
#define NE " \xe2\x89\xa0 "

typedef struct diff {
    char *buf;
    size_t size;
} diff;

/* Writes the difference and returns false ("not the same"). */
static bool differ(diff *d, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static bool differ(diff *d, const char *fmt, ...)
{
    if (d->size > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(d->buf, d->size, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* Trials are keyed by the bits of their parameters: -0 is not 0. */
static bool same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* A value as the user writes it: a choice's word, or the shortest number
 * that reads back exactly. */
static void format_value(ss_param_id id, double v, char *buf, size_t size)
{
    if (id != SS_PARAM_COUNT &&
        ss_param_info_of(id)->kind == SS_KIND_CHOICE)
        ss_param_format_value(id, v, buf, size);
    else
        ss_param_format_number(v, buf, size);
}

/* "a, b, c" (or "none") into buf, cut to size. */
static void join(const char *const *names, size_t n, char *buf, size_t size)
{
    size_t used = 0;
    snprintf(buf, size, "%s", n ? "" : "none");
    for (size_t i = 0; i < n && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s",
                                 i ? ", " : "", names[i]);
}

/* Whether the n names of a are the n of b in some order (names of one
 * list are distinct). */
static bool same_set(const char *const *a, const char *const *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        for (size_t j = 0; j < n && !found; j++)
            found = !strcmp(a[i], b[j]);
        if (!found)
            return false;
    }
    return true;
}

static bool same_axis_names(const ss_spec *a, const ss_spec *b, diff *d)
{
    const char *na[SS_SPEC_MAX_AXES], *nb[SS_SPEC_MAX_AXES];
    bool same = a->n_axes == b->n_axes;
    for (size_t i = 0; i < a->n_axes; i++)
        na[i] = a->axes[i].pub.name;
    for (size_t i = 0; i < b->n_axes; i++)
        nb[i] = b->axes[i].pub.name;
    for (size_t i = 0; same && i < a->n_axes; i++)
        same = !strcmp(na[i], nb[i]);
    if (same)
        return true;
    char la[1024], lb[1024];
    join(na, a->n_axes, la, sizeof la);
    join(nb, b->n_axes, lb, sizeof lb);
    /* the same axes in another order are another grid: trial i moves */
    if (a->n_axes == b->n_axes && same_set(na, nb, a->n_axes))
        return differ(d, "axis order %s" NE "%s", la, lb);
    return differ(d, "axes %s" NE "%s", la, lb);
}

/* b's member of the name, or NULL. */
static const ss_axis_member *member_named(const ss_axis *b, const char *name)
{
    for (size_t k = 0; k < b->n_members; k++)
        if (!strcmp(b->members[k].name, name))
            return &b->members[k];
    return NULL;
}

/* Two axes of the same name: the same kind, members and values. A zip's
 * members are a mapping: their order does not count. */
static bool same_axis(const ss_axis *a, const ss_axis *b, diff *d)
{
    if (a->zip != b->zip)
        return differ(d, "axis %s: %s" NE "%s", a->name,
                      a->zip ? "a zip" : "not a zip",
                      b->zip ? "a zip" : "not a zip");
    if (a->zip) {
        const char *ma[SS_PARAM_COUNT + SPEC_MAX_FREE];
        const char *mb[SS_PARAM_COUNT + SPEC_MAX_FREE];
        /* members are distinct parameters or free variables */
        for (size_t k = 0; k < a->n_members; k++)
            ma[k] = a->members[k].name;
        for (size_t k = 0; k < b->n_members; k++)
            mb[k] = b->members[k].name;
        if (a->n_members != b->n_members ||
            !same_set(ma, mb, a->n_members)) {
            char la[1024], lb[1024];
            join(ma, a->n_members, la, sizeof la);
            join(mb, b->n_members, lb, sizeof lb);
            return differ(d, "axis %s: members %s" NE "%s", a->name, la, lb);
        }
    }
    if (a->n != b->n)
        return differ(d, "axis %s: %zu value%s" NE "%zu", a->name, a->n,
                      a->n == 1 ? "" : "s", b->n);
    for (size_t k = 0; k < a->n_members; k++) {
        const ss_axis_member *ma = &a->members[k];
        const ss_axis_member *mb = a->zip ? member_named(b, ma->name)
                                          : &b->members[0];
        for (size_t i = 0; i < a->n; i++) {
            if (same_bits(ma->values[i], mb->values[i]))
                continue;
            char va[32], vb[32];
            format_value(ma->param, ma->values[i], va, sizeof va);
            format_value(mb->param, mb->values[i], vb, sizeof vb);
            /* counted from 1, as a person counts a list */
            if (a->zip)
                return differ(d, "axis %s: member %s value %zu is %s" NE "%s",
                              a->name, ma->name, i + 1, va, vb);
            return differ(d, "axis %s: value %zu is %s" NE "%s", a->name,
                          i + 1, va, vb);
        }
    }
    return true;
}

static const derived *derived_of(const ss_spec *s, ss_param_id id)
{
    for (size_t i = 0; i < s->n_derived; i++)
        if (s->derived[i].param == id)
            return &s->derived[i];
    return NULL;
}

/* Every parameter that no axis sets, in the table's order: derived by the
 * same expression, or fixed (a default included) at the same value. The
 * axes are the same by now, so the free variables of a map to b's by
 * name. */
static bool same_parameters(const ss_spec *a, const ss_spec *b, diff *d)
{
    int map[SS_PARAM_COUNT + SPEC_MAX_FREE];
    for (int i = 0; i < SS_PARAM_COUNT; i++)
        map[i] = i;
    for (size_t f = 0; f < a->n_free; f++) {
        map[SS_PARAM_COUNT + f] = -1;
        for (size_t g = 0; g < b->n_free; g++)
            if (!strcmp(a->free_name[f], b->free_name[g]))
                map[SS_PARAM_COUNT + f] = SS_PARAM_COUNT + (int)g;
    }
    for (int i = 0; i < SS_PARAM_COUNT; i++) {
        ss_param_id id = (ss_param_id)i;
        const char *name = ss_param_info_of(id)->name;
        if (!ss_param_used_by(id, a->model) || a->set[id].kind == SET_AXIS)
            continue;
        const derived *da = derived_of(a, id), *db = derived_of(b, id);
        double fa = ss_params_get(&a->fixed, id);
        double fb = ss_params_get(&b->fixed, id);
        if (da && db &&
            ss_expr_equal(da->expr, db->expr, map, SS_PARAM_COUNT + a->n_free))
            continue;
        if (!da && !db && same_bits(fa, fb))
            continue;
        char va[32], vb[32];
        format_value(id, fa, va, sizeof va);
        format_value(id, fb, vb, sizeof vb);
        if (da && db)
            return differ(d, "derived %s: %s" NE "%s", name, da->text,
                          db->text);
        if (da)
            return differ(d, "%s: derived %s" NE "fixed %s", name, da->text,
                          vb);
        if (db)
            return differ(d, "%s: fixed %s" NE "derived %s", name, va,
                          db->text);
        return differ(d, "fixed %s %s" NE "%s", name, va, vb);
    }
    return true;
}

static bool same_metrics(const ss_spec *a, const ss_spec *b, diff *d)
{
    if (!memcmp(a->metric, b->metric, sizeof a->metric))
        return true;
    const char *na[SS_METRIC_COUNT], *nb[SS_METRIC_COUNT];
    size_t n_a = 0, n_b = 0;
    for (int i = 0; i < SS_METRIC_COUNT; i++) {
        const char *name = ss_metric_info_of((ss_metric_id)i)->name;
        if (a->metric[i])
            na[n_a++] = name;
        if (b->metric[i])
            nb[n_b++] = name;
    }
    char la[512], lb[512];
    join(na, n_a, la, sizeof la);
    join(nb, n_b, lb, sizeof lb);
    return differ(d, "metrics %s" NE "%s", la, lb);
}

bool ss_spec_same_sweep(const ss_spec *a, const ss_spec *b, char *buf,
                        size_t size)
{
    diff d = {buf, size};
    if (size > 0)
        buf[0] = '\0';
    if (a->model != b->model)
        return differ(&d, "model %s" NE "%s", ss_model_name(a->model),
                      ss_model_name(b->model));
    if (a->seed != b->seed)
        return differ(&d, "seed %llu" NE "%llu", (unsigned long long)a->seed,
                      (unsigned long long)b->seed);
    if (a->common != b->common)
        return differ(&d, "streams %s" NE "%s",
                      a->common ? "common" : "independent",
                      b->common ? "common" : "independent");
    if (a->repeats != b->repeats)
        return differ(&d, "repeats %llu" NE "%llu",
                      (unsigned long long)a->repeats,
                      (unsigned long long)b->repeats);
    if (!same_axis_names(a, b, &d))
        return false;
    for (size_t i = 0; i < a->n_axes; i++)
        if (!same_axis(&a->axes[i].pub, &b->axes[i].pub, &d))
            return false;
    return same_parameters(a, b, &d) && same_metrics(a, b, &d);
}
