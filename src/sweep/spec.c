/* The spec's top level: loading the text, the top-level keys in their
 * order, `fixed` and `metrics`, freeing, and the accessors. The sections
 * with more to them are read in spec_axes.c (sweep), spec_derived.c
 * (derived) and spec_check.c (the grid's points), with the YAML helpers of
 * spec_yaml.c; a trial's point is made in spec_point.c. */
#include "synsweep/spec.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec_yaml.h"
#include "synsweep/expr.h"
#include "synsweep/metrics.h"
#include "synsweep/params.h"

/* A spec is a short text; anything bigger is a mistake, not a sweep. */
#define SPEC_MAX_BYTES ((size_t)16 << 20)

/* Digits only: seeds and repeat counts are whole numbers as typed. */
static bool to_u64(const char *s, uint64_t *out)
{
    if (!*s)
        return false;
    for (const char *c = s; *c; c++)
        if (*c < '0' || *c > '9')
            return false;
    errno = 0;
    unsigned long long v = strtoull(s, NULL, 10);
    if (errno == ERANGE)
        return false;
    *out = (uint64_t)v;
    return true;
}

/* ---- top-level scalars ------------------------------------------------ */

static ss_status read_model(loader *ld)
{
    const yaml_node_t *v = ld->val[K_MODEL];
    char buf[96];
    if (!v) {
        ss__spec_fail(ld, (loc){1, 1}, "missing required key 'model'");
        ss_error_hint(ld->err, "add 'model: lif_cond' (or lif_cond_stp, "
                               "stp_train)");
        return SS_ERR_SPEC;
    }
    ld->spec->model_key = node_loc(ld->key[K_MODEL]);
    if (v->type != YAML_SCALAR_NODE || ss__spec_is_null(v))
        return ss__spec_fail(ld, node_loc(v),
                             "expected a model name (lif_cond, lif_cond_stp or "
                             "stp_train), got %s",
                             ss__spec_what(v, buf, sizeof buf));
    ld->spec->model = ss_model_from_name(text_of(v));
    if (ld->spec->model == SS_MODEL_COUNT) {
        ss__spec_fail(ld, node_loc(v), "unknown model '%s'", text_of(v));
        const char *models[SS_MODEL_COUNT];
        for (int m = 0; m < SS_MODEL_COUNT; m++)
            models[m] = ss_model_name((ss_model)m);
        const char *near = ss_nearest_name(text_of(v), models, SS_MODEL_COUNT);
        if (near)
            ss__spec_hint_nearest(ld, near);
        else
            ss_error_hint(ld->err, "the models are lif_cond, lif_cond_stp "
                                   "and stp_train");
        return SS_ERR_SPEC;
    }
    return SS_OK;
}

static ss_status read_string(loader *ld, enum top_key k, char **out)
{
    const yaml_node_t *v = ld->val[k];
    char buf[96];
    if (v->type != YAML_SCALAR_NODE)
        return ss__spec_fail(
            ld, node_loc(v), "expected a string for %s, got %s",
            ss__spec_top_names[k], ss__spec_what(v, buf, sizeof buf));
    if (k == K_NAME && !*text_of(v))
        return ss__spec_fail(ld, node_loc(v), "name must not be empty");
    char *s = ss__spec_strdup(text_of(v));
    if (!s)
        return ss__spec_nomem(ld);
    free(*out);
    *out = s;
    return SS_OK;
}

static ss_status read_seed(loader *ld)
{
    const yaml_node_t *v = ld->val[K_SEED];
    char buf[96];
    if (v->type != YAML_SCALAR_NODE || !to_u64(text_of(v), &ld->spec->seed))
        return ss__spec_fail(ld, node_loc(v),
                             "seed must be a whole number from 0 to "
                             "18446744073709551615 (got %s)",
                             ss__spec_what(v, buf, sizeof buf));
    return SS_OK;
}

static ss_status read_repeats(loader *ld)
{
    const yaml_node_t *v = ld->val[K_REPEATS];
    char buf[96];
    uint64_t r = 0;
    if (v->type != YAML_SCALAR_NODE || !to_u64(text_of(v), &r) || r < 1)
        return ss__spec_fail(ld, node_loc(v),
                             "repeats must be a whole number >= 1 (got %s)",
                             ss__spec_what(v, buf, sizeof buf));
    ld->spec->repeats = r;
    return SS_OK;
}

static ss_status read_streams(loader *ld)
{
    static const char *const kinds[] = {"independent", "common"};
    const yaml_node_t *v = ld->val[K_STREAMS];
    char buf[96];
    if (v->type == YAML_SCALAR_NODE) {
        for (int i = 0; i < 2; i++) {
            if (!strcmp(text_of(v), kinds[i])) {
                ld->spec->common = i == 1;
                return SS_OK;
            }
        }
    }
    ss__spec_fail(ld, node_loc(v),
                  "streams must be independent or common (got %s)",
                  ss__spec_what(v, buf, sizeof buf));
    if (v->type == YAML_SCALAR_NODE)
        ss__spec_hint_nearest(ld, ss_nearest_name(text_of(v), kinds, 2));
    return SS_ERR_SPEC;
}

/* ---- fixed ------------------------------------------------------------ */

static ss_status read_fixed(loader *ld)
{
    const yaml_node_t *map;
    char buf[96];
    ss_status s = ss__spec_section(ld, K_FIXED, "parameter: value",
                                   "parameter", &map);
    for (size_t i = 0; s == SS_OK && map && i < map_len(map); i++) {
        const yaml_node_t *k = map_key(ld, map, i);
        const yaml_node_t *v = map_val(ld, map, i);
        ss_param_id id;
        s = ss__spec_param_key(ld, k, v, SET_FIXED, &id);
        if (s != SS_OK)
            break;
        if (v->type != YAML_SCALAR_NODE)
            return ss__spec_fail(ld, node_loc(v), "expected %s for %s, got %s",
                                 ss__spec_value_kind(id), text_of(k),
                                 ss__spec_what(v, buf, sizeof buf));
        ss_error inner;
        ss_error_clear(&inner);
        double x;
        if (ss_param_parse(id, text_of(v), &x, &inner) != SS_OK)
            return ss__spec_relay(ld, node_loc(v), &inner);
        ss_params_put(&ld->spec->fixed, id, x);
    }
    return s;
}

/* ---- metrics ---------------------------------------------------------- */

static ss_status read_metrics(loader *ld)
{
    ss_spec *spec = ld->spec;
    const yaml_node_t *v = ld->val[K_METRICS];
    char buf[96];
    const char *own[SS_METRIC_COUNT];
    size_t n_own = 0;
    for (int i = 0; i < SS_METRIC_COUNT; i++)
        if (ss_metric_used_by((ss_metric_id)i, spec->model))
            own[n_own++] = ss_metric_info_of((ss_metric_id)i)->name;
    if (!v || ss__spec_is_null(v)) {
        for (int i = 0; i < SS_METRIC_COUNT; i++)
            spec->metric[i] = ss_metric_used_by((ss_metric_id)i, spec->model);
        return SS_OK;
    }
    if (v->type != YAML_SEQUENCE_NODE) {
        ss__spec_fail(ld, node_loc(v),
                      "expected a list of metric names for metrics, "
                      "got %s",
                      ss__spec_what(v, buf, sizeof buf));
        if (v->type == YAML_SCALAR_NODE)
            ss_error_hint(ld->err, "write metrics: [%.200s]", text_of(v));
        return SS_ERR_SPEC;
    }
    if (seq_len(v) == 0) {
        ss__spec_fail(ld, node_loc(v), "metrics is empty");
        ss_error_hint(ld->err, "leave the key out to record all of the "
                               "model's metrics");
        return SS_ERR_SPEC;
    }
    int first_line[SS_METRIC_COUNT] = {0};
    for (size_t i = 0; i < seq_len(v); i++) {
        const yaml_node_t *e = seq_item(ld, v, i);
        loc at = node_loc(e);
        if (e->type != YAML_SCALAR_NODE)
            return ss__spec_fail(ld, at, "expected a metric name, got %s",
                                 ss__spec_what(e, buf, sizeof buf));
        ss_metric_id id = ss_metric_find(text_of(e));
        if (id == SS_METRIC_COUNT) {
            ss__spec_fail(ld, at, "unknown metric '%s' for model %s",
                          text_of(e), ss_model_name(spec->model));
            ss__spec_hint_nearest(ld, ss_nearest_name(text_of(e), own, n_own));
            return SS_ERR_SPEC;
        }
        if (!ss_metric_used_by(id, spec->model))
            return ss__spec_fail(ld, at,
                                 "metric '%s' is not produced by model %s",
                                 text_of(e), ss_model_name(spec->model));
        if (spec->metric[id])
            return ss__spec_fail(ld, at,
                                 "duplicate metric '%s' (first at line %d)",
                                 text_of(e), first_line[id]);
        spec->metric[id] = true;
        first_line[id] = at.line;
    }
    return SS_OK;
}

/* ---- loading ---------------------------------------------------------- */

static ss_status read_top(loader *ld, const yaml_node_t *root)
{
    ss_spec *spec = ld->spec;
    char buf[96];
    if (!root || ss__spec_is_null(root)) {
        ss__spec_fail(ld, (loc){1, 1}, "the spec is empty");
        ss_error_hint(ld->err, "a spec needs at least 'model: lif_cond' (or "
                               "lif_cond_stp, stp_train)");
        return SS_ERR_SPEC;
    }
    if (root->type != YAML_MAPPING_NODE)
        return ss__spec_fail(
            ld, node_loc(root),
            "expected a mapping of keys (model, sweep, ...) at the "
            "top of the spec, got %s",
            ss__spec_what(root, buf, sizeof buf));
    ss_status s =
        ss__spec_check_keys(ld, root, ss__spec_top_names, N_TOP, "key");
    if (s != SS_OK)
        return s;
    for (size_t i = 0; i < map_len(root); i++) {
        const char *k = text_of(map_key(ld, root, i));
        for (int t = 0; t < N_TOP; t++) {
            if (!strcmp(k, ss__spec_top_names[t])) {
                ld->key[t] = map_key(ld, root, i);
                ld->val[t] = map_val(ld, root, i);
            }
        }
    }
    /* The model first, whatever the order: every other check needs it. */
    s = read_model(ld);
    if (s != SS_OK)
        return s;
    ss_params_defaults(spec->model, &spec->fixed);
    for (size_t i = 0; s == SS_OK && i < map_len(root); i++) {
        const yaml_node_t *k = map_key(ld, root, i);
        if (k == ld->key[K_NAME])
            s = read_string(ld, K_NAME, &spec->name);
        else if (k == ld->key[K_DESCRIPTION])
            s = read_string(ld, K_DESCRIPTION, &spec->description);
        else if (k == ld->key[K_SEED])
            s = read_seed(ld);
        else if (k == ld->key[K_STREAMS])
            s = read_streams(ld);
        else if (k == ld->key[K_REPEATS])
            s = read_repeats(ld);
    }
    if (s == SS_OK)
        s = read_fixed(ld);
    if (s == SS_OK)
        s = ss__spec_read_sweep(ld);
    if (s == SS_OK)
        s = ss__spec_read_derived(ld);
    if (s == SS_OK)
        s = ss__spec_check_free_used(ld);
    if (s == SS_OK)
        s = ss__spec_order_derived(ld);
    if (s == SS_OK)
        s = read_metrics(ld);
    if (s != SS_OK)
        return s;
    if (spec->repeats > SS_SPEC_MAX_TRIALS / spec->points) {
        ss__spec_fail(ld, node_loc(ld->key[K_REPEATS]),
                      "the grid has more than 2^53 trials");
        ss_error_hint(ld->err, "%llu points x %llu repeats",
                      (unsigned long long)spec->points,
                      (unsigned long long)spec->repeats);
        return SS_ERR_SPEC;
    }
    spec->trials = spec->points * spec->repeats;
    return ss__spec_check_points(ld);
}

static ss_status read_yaml(loader *ld)
{
    yaml_parser_t ps;
    ss_status nest = ss__spec_check_nesting(ld);
    if (nest != SS_OK)
        return nest;
    yaml_document_t doc, extra;
    if (!yaml_parser_initialize(&ps))
        return ss__spec_nomem(ld);
    yaml_parser_set_input_string(&ps, (const unsigned char *)ld->spec->text,
                                 ld->spec->len);
    if (!yaml_parser_load(&ps, &doc)) {
        ss_status s = ss__spec_yaml_failure(ld, &ps);
        yaml_parser_delete(&ps);
        return s;
    }
    ld->doc = &doc;
    ss_status s = SS_OK;
    if (!yaml_parser_load(&ps, &extra)) {
        s = ss__spec_yaml_failure(ld, &ps);
    } else {
        if (yaml_document_get_root_node(&extra))
            s = ss__spec_fail(
                ld,
                (loc){(int)extra.start_mark.line + 1,
                      (int)extra.start_mark.column + 1},
                "a spec is one YAML document; a second one starts here");
        yaml_document_delete(&extra);
    }
    if (s == SS_OK)
        s = ss__spec_check_tags(ld);
    if (s == SS_OK)
        s = ss__spec_check_nul(ld);
    if (s == SS_OK)
        s = read_top(ld, yaml_document_get_root_node(&doc));
    yaml_document_delete(&doc);
    yaml_parser_delete(&ps);
    return s;
}

size_t ss_spec_file_stem(const char *path, char *buf, size_t size)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    /* a leading dot starts a name (".sweep"), not an extension */
    size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    if (size > 0) {
        size_t put = n < size ? n : size - 1;
        memcpy(buf, base, put);
        buf[put] = '\0';
    }
    return n;
}

/* `name` by default: the file's stem. */
static char *default_name(const char *file)
{
    size_t n = ss_spec_file_stem(file, NULL, 0);
    char *name = malloc(n + 1);
    if (name)
        ss_spec_file_stem(file, name, n + 1);
    return name;
}

ss_status ss_spec_load_string(const char *text, size_t len,
                              const char *file_name, ss_spec **out,
                              ss_error *err)
{
    *out = NULL;
    if (!file_name)
        file_name = "<string>";
    ss_error local;
    ss_error_clear(&local);
    if (len > SPEC_MAX_BYTES) {
        ss_error_set_at(&local, SS_ERR_SPEC, file_name, 0, 0,
                        "'%s' is larger than 16 MiB: not a spec", file_name);
        if (err)
            *err = local;
        return SS_ERR_SPEC;
    }
    ss_spec *spec = calloc(1, sizeof *spec);
    loader ld = {.spec = spec, .err = &local};
    ss_status s;
    if (spec) {
        spec->text = malloc(len + 1);
        spec->file = ss__spec_strdup(file_name);
        spec->name = default_name(file_name);
        spec->description = ss__spec_strdup("");
        spec->repeats = 1;
        spec->points = 1;
    }
    if (!spec || !spec->text || !spec->file || !spec->name ||
        !spec->description) {
        s = ss_error_set(&local, SS_ERR_NOMEM, "out of memory reading '%s'",
                         file_name);
    } else {
        memcpy(spec->text, text, len);
        spec->text[len] = '\0';
        spec->len = len;
        s = read_yaml(&ld);
    }
    if (s != SS_OK) {
        ss_spec_free(spec);
        if (err)
            *err = local;
        return s;
    }
    *out = spec;
    return SS_OK;
}

/* A failure to read the file itself: no line to point at. */
static ss_status file_error(ss_error *err, ss_status code, const char *path,
                            const char *why)
{
    return ss_error_set_at(err, code, path, 0, 0, "cannot read '%s': %s",
                           path, why);
}

ss_status ss_spec_load_file(const char *path, ss_spec **out, ss_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return file_error(err, SS_ERR_IO, path, strerror(errno));
    char *buf = NULL;
    size_t len = 0, cap = 0;
    /* Reads one byte past the limit to tell "too big" from "just fits". */
    while (len <= SPEC_MAX_BYTES) {
        if (len == cap) {
            size_t next = cap ? 2 * cap : 4096;
            if (next > SPEC_MAX_BYTES + 1)
                next = SPEC_MAX_BYTES + 1;
            char *grown = realloc(buf, next);
            if (!grown) {
                free(buf);
                fclose(f);
                return file_error(err, SS_ERR_NOMEM, path, "out of memory");
            }
            buf = grown;
            cap = next;
        }
        errno = 0;
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0 && ferror(f)) {
            int errnum = errno ? errno : EIO;
            free(buf);
            fclose(f);
            return file_error(err, SS_ERR_IO, path, strerror(errnum));
        }
        if (got == 0)
            break;
    }
    fclose(f);
    ss_status s = ss_spec_load_string(buf, len, path, out, err);
    free(buf);
    return s;
}

void ss_spec_free(ss_spec *spec)
{
    if (!spec)
        return;
    for (size_t a = 0; a < spec->n_axes; a++) {
        spec_axis *ax = &spec->axes[a];
        for (size_t k = 0; k < ax->pub.n_members; k++) {
            free(ax->pub.members[k].values);
            free(ax->src[k].elem);
        }
        free(ax->pub.members);
        free(ax->src);
        for (size_t i = 0; ax->pub.labels && i < ax->pub.n; i++)
            free(ax->pub.labels[i]);
        free(ax->pub.labels);
    }
    free(spec->axes);
    for (size_t i = 0; i < spec->n_derived; i++) {
        free(spec->derived[i].text);
        ss_expr_free(spec->derived[i].expr);
    }
    free(spec->derived);
    free(spec->text);
    free(spec->file);
    free(spec->name);
    free(spec->description);
    free(spec);
}

/* ---- accessors -------------------------------------------------------- */

const char *ss_spec_text(const ss_spec *spec, size_t *len)
{
    if (len)
        *len = spec->len;
    return spec->text;
}

const char *ss_spec_file(const ss_spec *spec)
{
    return spec->file;
}

const char *ss_spec_name(const ss_spec *spec)
{
    return spec->name;
}

const char *ss_spec_description(const ss_spec *spec)
{
    return spec->description;
}

ss_model ss_spec_model(const ss_spec *spec)
{
    return spec->model;
}

uint64_t ss_spec_seed(const ss_spec *spec)
{
    return spec->seed;
}

uint64_t ss_spec_repeats(const ss_spec *spec)
{
    return spec->repeats;
}

bool ss_spec_common_streams(const ss_spec *spec)
{
    return spec->common;
}

const ss_params *ss_spec_fixed(const ss_spec *spec)
{
    return &spec->fixed;
}

size_t ss_spec_axis_count(const ss_spec *spec)
{
    return spec->n_axes;
}

const ss_axis *ss_spec_axis(const ss_spec *spec, size_t i)
{
    return i < spec->n_axes ? &spec->axes[i].pub : NULL;
}

size_t ss_spec_derived_count(const ss_spec *spec)
{
    return spec->n_derived;
}

ss_param_id ss_spec_derived_param(const ss_spec *spec, size_t i)
{
    return i < spec->n_derived ? spec->derived[i].param : SS_PARAM_COUNT;
}

void ss_spec_varies(const ss_spec *spec, bool varies[SS_PARAM_COUNT])
{
    for (size_t p = 0; p < SS_PARAM_COUNT; p++)
        varies[p] = false;
    for (size_t a = 0; a < spec->n_axes; a++) {
        const ss_axis *ax = ss_spec_axis(spec, a);
        for (size_t k = 0; k < ax->n_members; k++)
            if (ax->members[k].param != SS_PARAM_COUNT)
                varies[ax->members[k].param] = true;
    }
    for (size_t i = 0; i < spec->n_derived; i++)
        varies[spec->derived[i].param] = true;
}

const char *ss_spec_derived_text(const ss_spec *spec, size_t i)
{
    return i < spec->n_derived ? spec->derived[i].text : NULL;
}

bool ss_spec_metric_selected(const ss_spec *spec, ss_metric_id id)
{
    return (unsigned)id < SS_METRIC_COUNT && spec->metric[id];
}

uint64_t ss_spec_point_count(const ss_spec *spec)
{
    return spec->points;
}

uint64_t ss_spec_trial_count(const ss_spec *spec)
{
    return spec->trials;
}
