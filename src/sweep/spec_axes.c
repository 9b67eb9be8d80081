/* The `sweep` section: its axes in their forms (a list, values, range,
 * linspace, geomspace, zip), each value range-checked where it is
 * written, and the size of the grid they make. */
#include "spec_yaml.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synsweep/metrics.h"
#include "synsweep/params.h"

/* One axis' values are held in memory: 2^26 doubles are 512 MiB. So are
 * all the axes' together: a zip of many generated members must not
 * multiply that from a few lines of text. */
#define SPEC_MAX_AXIS_VALUES ((size_t)1 << 26)
#define SPEC_MAX_VALUES SPEC_MAX_AXIS_VALUES

enum form { F_VALUES, F_RANGE, F_LINSPACE, F_GEOMSPACE, F_ZIP, N_FORMS };

/* The forms, then `labels`, which an axis takes beside a zip. */
static const char *const form_names[N_FORMS + 1] = {
    "values", "range", "linspace", "geomspace", "zip", "labels"};

/* Names the results file gives its own datasets, besides the metrics
 * (which come from the metrics table). */
static const char *const reserved_names[] = {"repeat", "done", "status"};

/* A number written in full: strtod's syntax, finite, nothing after. */
static bool to_double(const char *s, double *out)
{
    if (!*s || s[0] == ' ')
        return false;
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (*end != '\0' || !isfinite(v))
        return false;
    *out = v;
    return true;
}

/* The one form key of an axis mapping ({range: ...}, {zip: ...}, ...),
 * and, where labels is not NULL (an axis, not a zip member), the `labels`
 * beside a zip (*labels NULL when absent). */
static ss_status axis_form(loader *ld, const yaml_node_t *map,
                           const char *axis, enum form *form,
                           const yaml_node_t **key, const yaml_node_t **val,
                           const yaml_node_t **labels)
{
    ss_status s = ss__spec_check_keys(ld, map, form_names,
                                      N_FORMS + (labels != NULL),
                                      "axis form");
    if (s != SS_OK)
        return s;
    const yaml_node_t *lkey = NULL, *keys[2] = {NULL, NULL};
    size_t n_forms = 0;
    for (size_t i = 0; i < map_len(map); i++) {
        const yaml_node_t *k = map_key(ld, map, i);
        if (!strcmp(text_of(k), form_names[N_FORMS])) {
            lkey = k;
            *labels = map_val(ld, map, i);
        } else {
            if (n_forms < 2)
                keys[n_forms] = k;
            if (n_forms++ == 0)
                *val = map_val(ld, map, i);
        }
    }
    if (n_forms == 0)
        return ss__spec_fail(
            ld, node_loc(lkey ? lkey : map),
            "expected a list or one of values, range, linspace, "
            "geomspace, zip for axis '%s', got %s",
            axis, lkey ? "labels alone" : "an empty mapping");
    if (n_forms > 1)
        return ss__spec_fail(ld, node_loc(keys[1]),
                             "axis '%s' takes one form, got both '%s' and '%s'",
                             axis, text_of(keys[0]), text_of(keys[1]));
    *key = keys[0];
    for (int f = 0; f < N_FORMS; f++)
        if (!strcmp(text_of(*key), form_names[f]))
            *form = (enum form)f;
    if (lkey && *form != F_ZIP)
        return ss__spec_fail(ld, node_loc(lkey),
                             "labels name the values of a zip axis; axis "
                             "'%s' is a %s",
                             axis,
                             *form == F_VALUES ? "list of values"
                                               : form_names[*form]);
    return SS_OK;
}

/* A name of the results file that no axis may take. */
static bool reserved(const char *name)
{
    for (size_t i = 0; i < sizeof reserved_names / sizeof *reserved_names;
         i++)
        if (!strcmp(name, reserved_names[i]))
            return true;
    return ss_metric_find(name) != SS_METRIC_COUNT;
}

/* A name that becomes a dataset of the results file must be one netCDF
 * and HDF5 take (netCDF's rule, NC_check_name, is the stricter): no
 * control characters, no '/' (HDF5's group separator), starting with a
 * letter, a digit, '_' or a non-ASCII character (so not '.', nor blank),
 * not ending in a blank; and not one of the file's own names. (libyaml
 * has already refused text that is not UTF-8.) what is "an axis" or "a
 * zip member". */
static ss_status dataset_name(loader *ld, const char *name, loc at,
                              const char *what)
{
    if (!*name)
        return ss__spec_fail(ld, at, "the name of %s must not be empty",
                             what);
    for (const unsigned char *c = (const unsigned char *)name; *c; c++)
        /* C0, DEL, and C1 (U+0080..U+009F: 0xC2 0x80..0x9F in UTF-8) */
        if (*c < 0x20 || *c == 0x7F ||
            (*c == 0xC2 && c[1] >= 0x80 && c[1] <= 0x9F))
            return ss__spec_fail(ld, at,
                                 "the name of %s must not hold control "
                                 "characters",
                                 what);
    if (strchr(name, '/'))
        return ss__spec_fail(ld, at,
                             "'%s' cannot name %s: '/' separates groups in "
                             "an HDF5 file",
                             name, what);
    unsigned char first = (unsigned char)name[0];
    unsigned char last = (unsigned char)name[strlen(name) - 1];
    if (first < 0x80 && !(first >= 'a' && first <= 'z') &&
        !(first >= 'A' && first <= 'Z') && !(first >= '0' && first <= '9') &&
        first != '_')
        return ss__spec_fail(ld, at,
                             "'%s' cannot name %s: a name in the results "
                             "file starts with a letter, a digit or '_'",
                             name, what);
    if (last == ' ')
        return ss__spec_fail(ld, at,
                             "'%s' cannot name %s: a name in the results "
                             "file must not end in a blank",
                             name, what);
    if (reserved(name))
        return ss__spec_fail(
            ld, at,
            "'%s' cannot name %s: repeat, done, status and the metrics "
            "are datasets of the results file",
            name, what);
    return SS_OK;
}

/* A name that is no parameter must be new among free variables and zip
 * axes: they are coordinates of the results file. */
static ss_status new_coordinate(loader *ld, const char *name, loc at,
                                const char *what)
{
    if (strlen(name) >= sizeof ((ss_axis *)0)->name)
        return ss__spec_fail(ld, at,
                             "axis name '%.60s...' is too long (at most %zu "
                             "characters)",
                             name, sizeof ((ss_axis *)0)->name - 1);
    ss_status s = dataset_name(ld, name, at, what);
    if (s != SS_OK)
        return s;
    const ss_spec *spec = ld->spec;
    for (size_t i = 0; i < spec->n_free; i++)
        if (!strcmp(spec->free_name[i], name))
            return ss__spec_fail(ld, at, "name '%s' is already used at line %d",
                                 name, ld->free_key[i].line);
    for (size_t i = 0; i < ld->n_zip; i++)
        if (!strcmp(ld->zip_name[i], name))
            return ss__spec_fail(ld, at, "name '%s' is already used at line %d",
                                 name, ld->zip_key[i].line);
    return SS_OK;
}

/* Start, stop and step or num of a generating form, their values and
 * their texts. */
static ss_status read_triple(loader *ld, const yaml_node_t *v,
                             const char *form, const char *third,
                             double x[3], loc at[3], const char *txt[3])
{
    char buf[96];
    if (v->type != YAML_SEQUENCE_NODE || seq_len(v) != 3) {
        if (v->type == YAML_SEQUENCE_NODE)
            snprintf(buf, sizeof buf, "%zu values", seq_len(v));
        return ss__spec_fail(
            ld, node_loc(v), "%s takes [start, stop, %s], got %s", form, third,
            v->type == YAML_SEQUENCE_NODE ? buf
                                          : ss__spec_what(v, buf, sizeof buf));
    }
    for (size_t i = 0; i < 3; i++) {
        const yaml_node_t *e = seq_item(ld, v, i);
        at[i] = node_loc(e);
        txt[i] = e->type == YAML_SCALAR_NODE ? text_of(e) : "";
        if (e->type != YAML_SCALAR_NODE || !to_double(text_of(e), &x[i]))
            return ss__spec_fail(ld, at[i],
                                 "expected a number for the %s of %s, got %s",
                                 i == 0 ? "start" : i == 1 ? "stop" : third,
                                 form, ss__spec_what(e, buf, sizeof buf));
    }
    return SS_OK;
}

static ss_status count_of(loader *ld, double num, loc at, const char *form,
                          size_t *n)
{
    char got[32];
    ss_param_format_number(num, got, sizeof got);
    if (!(num >= 1 && num == floor(num)))
        return ss__spec_fail(ld, at,
                             "%s num must be a whole number >= 1 (got %s)",
                             form, got);
    if (num > (double)SPEC_MAX_AXIS_VALUES)
        return ss__spec_fail(ld, at,
                             "%s num is %s, more than the %zu values an "
                             "axis may have",
                             form, got, SPEC_MAX_AXIS_VALUES);
    *n = (size_t)num;
    return SS_OK;
}

/* The grid stays within SS_SPEC_MAX_TRIALS, checked axis by axis (so the
 * product cannot wrap) and before an axis' values are made (so an absurd
 * grid costs nothing). */
static ss_status fits_grid(loader *ld, const char *axis, size_t n)
{
    uint64_t points = ld->spec->points; /* of the axes before this one */
    if (n <= SS_SPEC_MAX_TRIALS / points)
        return SS_OK;
    ss__spec_fail(ld, node_loc(ld->key[K_SWEEP]),
                  "the grid has more than 2^53 trials");
    ss_error_hint(ld->err, "the axes before '%s' make %llu points and it has "
                           "%zu values",
                  axis, (unsigned long long)points, n);
    return SS_ERR_SPEC;
}

/* Reserves n more values for the members of axis, within
 * SPEC_MAX_VALUES. */
static ss_status hold_values(loader *ld, const char *axis, size_t n, loc at)
{
    if (n <= SPEC_MAX_VALUES - ld->n_values) {
        ld->n_values += n;
        return SS_OK;
    }
    ss__spec_fail(ld, at, "the axes have more than %zu values in all",
                  SPEC_MAX_VALUES);
    ss_error_hint(ld->err, "%zu values are held already and axis '%s' "
                           "adds %zu",
                  ld->n_values, axis, n);
    return SS_ERR_SPEC;
}

/* ss_param_check's test without the message it formats, which would
 * dominate the loading of a million-value axis; a value that fails is
 * handed to ss_param_check for the message. */
static bool in_range(ss_param_id id, double v)
{
    const ss_param_info *in = ss_param_info_of(id);
    return isfinite(v) && (in->lo_open ? v > in->lo : v >= in->lo) &&
           (in->hi_open ? v < in->hi : v <= in->hi) &&
           (in->kind == SS_KIND_REAL || v == floor(v));
}

/* range/linspace/geomspace: the values computed as numpy computes them,
 * except that range and linspace give the decimals as written when the
 * spec's numbers are decimals (spec_decimal.c); each range-checked at the
 * form, the one place that sets them. */
static ss_status generate(loader *ld, const char *axis, ss_axis_member *m,
                          loc form_at, enum form form,
                          const yaml_node_t *fval, size_t *n_out)
{
    const char *fname = form_names[form];
    double x[3];
    loc at[3];
    const char *txt[3];
    size_t n = 0;
    ss_status s = read_triple(ld, fval, fname,
                              form == F_RANGE ? "step" : "num", x, at, txt);
    if (s != SS_OK)
        return s;
    double start = x[0], stop = x[1];
    char a[32], b[32], c[32]; /* for messages */
    ss_param_format_number(start, a, sizeof a);
    ss_param_format_number(stop, b, sizeof b);
    ss_param_format_number(x[2], c, sizeof c);
    if (form == F_RANGE) {
        double step = x[2];
        if (step == 0)
            return ss__spec_fail(ld, at[2], "range step must not be 0");
        double span = (stop - start) / step;
        if (span < -1e-9)
            return ss__spec_fail(
                ld, at[2],
                "range from %s to %s needs a %s step (got %s)", a, b,
                step > 0 ? "negative" : "positive", c);
        /* stop is inclusive within 1e-9 of a step */
        double count = floor(span + 1e-9) + 1;
        if (!(count <= (double)SPEC_MAX_AXIS_VALUES)) {
            ss_param_format_number(count, c, sizeof c);
            return ss__spec_fail(
                ld, node_loc(fval),
                "range gives %s values, more than the %zu an axis may have",
                c, SPEC_MAX_AXIS_VALUES);
        }
        n = (size_t)count;
    } else {
        s = count_of(ld, x[2], at[2], fname, &n);
        if (s != SS_OK)
            return s;
        if (form == F_GEOMSPACE &&
            (start == 0 || stop == 0 || (start < 0) != (stop < 0)))
            return ss__spec_fail(
                ld, start == 0 ? at[0] : at[1],
                "geomspace needs start and stop nonzero and of the "
                "same sign (got %s and %s)",
                a, b);
    }
    s = fits_grid(ld, axis, n);
    if (s == SS_OK)
        s = hold_values(ld, axis, n, node_loc(fval));
    if (s != SS_OK)
        return s;
    m->values = malloc(n * sizeof *m->values);
    if (!m->values)
        return ss__spec_nomem(ld);
    double div = n > 1 ? (double)(n - 1) : 1.0;
    double lin_step = (stop - start) / div;
    bool written = (form == F_RANGE &&
                    ss__spec_range_as_written(txt[0], txt[2], n, m->values)) ||
                   (form == F_LINSPACE &&
                    ss__spec_linspace_as_written(txt[0], txt[1], n,
                                                 m->values));
    for (size_t i = 0; i < n; i++) {
        double v, t = (double)i;
        if (written) {
            v = m->values[i];
        } else if (form == F_RANGE) {
            v = start + t * x[2];
        } else if (i == 0) {
            v = start;
        } else if (i == n - 1) {
            v = stop; /* numpy sets both ends exactly */
        } else if (form == F_LINSPACE) {
            v = lin_step != 0 ? t * lin_step + start
                              : t / div * (stop - start) + start;
        } else {
            v = start * pow(stop / start, t / div);
        }
        m->values[i] = v;
        /* the error (1 KiB to clear) only for a value that fails */
        if (m->param != SS_PARAM_COUNT && !in_range(m->param, v)) {
            ss_error inner;
            ss_error_clear(&inner);
            if (ss_param_check(m->param, v, &inner) != SS_OK)
                return ss__spec_relay(ld, form_at, &inner);
        }
        if (!isfinite(v))
            return ss__spec_fail(ld, form_at,
                                 "%s gives a value that is not finite", fname);
    }
    *n_out = n;
    return SS_OK;
}

/* A list of values, each parsed and range-checked at its own element. */
static ss_status read_list(loader *ld, spec_axis *ax, size_t k,
                           const yaml_node_t *list, size_t *n_out)
{
    ss_axis_member *m = &ax->pub.members[k];
    member_src *src = &ax->src[k];
    const char *what_is = ax->pub.zip ? "zip member" : "axis";
    char buf[96];
    if (list->type != YAML_SEQUENCE_NODE)
        return ss__spec_fail(ld, node_loc(list),
                             "expected a list of values for %s, got %s",
                             m->name, ss__spec_what(list, buf, sizeof buf));
    size_t n = seq_len(list);
    if (n == 0)
        return ss__spec_fail(ld, node_loc(list), "%s '%s' is empty", what_is,
                             m->name);
    if (n > SPEC_MAX_AXIS_VALUES)
        return ss__spec_fail(ld, node_loc(list),
                             "%s '%s' has more than %zu values", what_is,
                             m->name, SPEC_MAX_AXIS_VALUES);
    ss_status s = fits_grid(ld, ax->pub.name, n);
    if (s == SS_OK)
        s = hold_values(ld, ax->pub.name, n, node_loc(list));
    if (s != SS_OK)
        return s;
    m->values = malloc(n * sizeof *m->values);
    src->elem = malloc(n * sizeof *src->elem);
    if (!m->values || !src->elem)
        return ss__spec_nomem(ld);
    for (size_t i = 0; i < n; i++) {
        const yaml_node_t *e = seq_item(ld, list, i);
        loc at = node_loc(e);
        src->elem[i] = at;
        bool free_var = m->param == SS_PARAM_COUNT;
        if (e->type != YAML_SCALAR_NODE ||
            (free_var && !to_double(text_of(e), &m->values[i])))
            return ss__spec_fail(ld, at, "expected %s for %s, got %s",
                                 free_var ? "a number"
                                          : ss__spec_value_kind(m->param),
                                 m->name, ss__spec_what(e, buf, sizeof buf));
        if (free_var)
            continue;
        ss_error inner;
        ss_error_clear(&inner);
        if (ss_param_parse(m->param, text_of(e), &m->values[i], &inner) !=
            SS_OK)
            return ss__spec_relay(ld, at, &inner);
    }
    *n_out = n;
    return SS_OK;
}

/* A member's values: a list, or one of values/range/linspace/geomspace. */
static ss_status read_values(loader *ld, spec_axis *ax, size_t k,
                             const yaml_node_t *v, size_t *n_out)
{
    ss_axis_member *m = &ax->pub.members[k];
    char buf[96];
    ax->src[k].form = node_loc(v);
    if (v->type == YAML_SEQUENCE_NODE)
        return read_list(ld, ax, k, v, n_out);
    if (v->type != YAML_MAPPING_NODE)
        return ss__spec_fail(
            ld, node_loc(v),
            "expected a list or one of values, range, linspace, "
            "geomspace%s for %s '%s', got %s",
            ax->pub.zip ? "" : ", zip", ax->pub.zip ? "zip member" : "axis",
            m->name, ss__spec_what(v, buf, sizeof buf));
    enum form form = F_VALUES;
    const yaml_node_t *fkey, *fval;
    ss_status s = axis_form(ld, v, m->name, &form, &fkey, &fval, NULL);
    if (s != SS_OK)
        return s;
    if (form == F_ZIP)
        return ss__spec_fail(
            ld, node_loc(fkey),
            "a zip member takes a list or values, range, linspace, "
            "geomspace, not zip");
    if (form == F_VALUES)
        return read_list(ld, ax, k, fval, n_out);
    if (m->param != SS_PARAM_COUNT &&
        ss_param_info_of(m->param)->kind == SS_KIND_CHOICE) {
        size_t nc;
        const char *const *words = ss_param_choices(m->param, &nc);
        return ss__spec_fail(ld, node_loc(fkey),
                             "%s takes words: give a list such as [%s, "
                             "%s], not %s",
                             ss_param_info_of(m->param)->name, words[0],
                             words[1], form_names[form]);
    }
    return generate(ld, ax->pub.name, m, ax->src[k].form, form, fval, n_out);
}

/* One variable of an axis: a parameter the model uses, or a free variable
 * that only derived expressions may read. */
static ss_status read_member(loader *ld, size_t a, size_t k,
                             const yaml_node_t *key, const yaml_node_t *val,
                             size_t *n_out)
{
    ss_spec *spec = ld->spec;
    spec_axis *ax = &spec->axes[a];
    ss_axis_member *m = &ax->pub.members[k];
    member_src *src = &ax->src[k];
    const char *name = text_of(key);
    loc at = node_loc(key);
    ss_status s;
    src->key = at;
    m->param = ss_param_find(name);
    if (m->param != SS_PARAM_COUNT) {
        if (!ss_param_used_by(m->param, spec->model))
            return ss__spec_fail(ld, at,
                                 "parameter '%s' is not used by model %s", name,
                                 ss_model_name(spec->model));
        snprintf(m->name, sizeof m->name, "%s", name);
        s = ss__spec_claim(ld, m->param,
                           (set_place){SET_AXIS, at, node_loc(val), a, k});
        src->slot = (int)m->param;
    } else {
        s = new_coordinate(ld, name, at,
                           ax->pub.zip ? "a zip member" : "an axis");
        if (s == SS_OK && spec->n_free == SPEC_MAX_FREE)
            s = ss__spec_fail(ld, at, "at most %d axes may be free variables",
                              SPEC_MAX_FREE);
        if (s == SS_OK) {
            size_t f = spec->n_free++;
            snprintf(m->name, sizeof m->name, "%s", name);
            spec->free_name[f] = m->name;
            ld->free_key[f] = at;
            ld->free_in_zip[f] = ax->pub.zip;
            src->slot = SS_PARAM_COUNT + (int)f;
        }
    }
    return s != SS_OK ? s : read_values(ld, ax, k, val, n_out);
}

static ss_status alloc_members(loader *ld, spec_axis *ax, size_t n)
{
    ax->pub.members = calloc(n, sizeof *ax->pub.members);
    ax->src = calloc(n, sizeof *ax->src);
    if (!ax->pub.members || !ax->src)
        return ss__spec_nomem(ld);
    ax->pub.n_members = n;
    return SS_OK;
}

static ss_status read_zip(loader *ld, size_t a, const yaml_node_t *zkey,
                          const yaml_node_t *zval)
{
    spec_axis *ax = &ld->spec->axes[a];
    const char *name = ax->pub.name;
    loc at = {ax->pub.line, ax->pub.column};
    char buf[96];
    ax->pub.zip = true;
    if (ss_param_find(name) != SS_PARAM_COUNT)
        return ss__spec_fail(
            ld, at,
            "a zip axis is a new dimension: name it with a word that "
            "is no parameter (got '%s')",
            name);
    ss_status s = new_coordinate(ld, name, at, "an axis");
    if (s != SS_OK)
        return s;
    if (ld->n_zip == SPEC_MAX_FREE)
        return ss__spec_fail(ld, at, "at most %d axes may be zipped",
                             SPEC_MAX_FREE);
    ld->zip_name[ld->n_zip] = name;
    ld->zip_key[ld->n_zip++] = at;
    if (zval->type != YAML_MAPPING_NODE)
        return ss__spec_fail(ld, node_loc(zval),
                             "zip takes a mapping of member: values, got %s",
                             ss__spec_what(zval, buf, sizeof buf));
    size_t nm = map_len(zval);
    if (nm == 0)
        return ss__spec_fail(ld, node_loc(zval),
                             "zip of axis '%s' has no members", name);
    s = ss__spec_check_keys(ld, zval, NULL, 0, "zip member");
    if (s == SS_OK)
        s = alloc_members(ld, ax, nm);
    for (size_t k = 0; s == SS_OK && k < nm; k++) {
        size_t n = 0;
        s = read_member(ld, a, k, map_key(ld, zval, k), map_val(ld, zval, k),
                        &n);
        if (s == SS_OK && k == 0)
            ax->pub.n = n;
        else if (s == SS_OK && n != ax->pub.n)
            s = ss__spec_fail(ld, node_loc(zkey),
                              "zip members have different lengths: %s has %zu "
                              "value%s, %s has %zu",
                              ax->pub.members[0].name, ax->pub.n,
                              ax->pub.n == 1 ? "" : "s",
                              ax->pub.members[k].name, n);
    }
    return s;
}

static ss_status read_axis(loader *ld, size_t a, const yaml_node_t *key,
                           const yaml_node_t *val)
{
    spec_axis *ax = &ld->spec->axes[a];
    const char *name = text_of(key);
    loc at = node_loc(key);
    ld->spec->n_axes = a + 1;
    if (strlen(name) >= sizeof ax->pub.name)
        return ss__spec_fail(ld, at,
                             "axis name '%.60s...' is too long (at most %zu "
                             "characters)",
                             name, sizeof ax->pub.name - 1);
    snprintf(ax->pub.name, sizeof ax->pub.name, "%s", name);
    ax->pub.line = at.line;
    ax->pub.column = at.column;
    if (val->type == YAML_MAPPING_NODE) {
        enum form form = F_VALUES;
        const yaml_node_t *fkey, *fval, *labels = NULL;
        ss_status s = axis_form(ld, val, name, &form, &fkey, &fval, &labels);
        if (s == SS_OK && form == F_ZIP) {
            s = read_zip(ld, a, fkey, fval);
            if (s == SS_OK && labels)
                s = ss__spec_read_labels(ld, ax, labels);
        }
        if (s != SS_OK || form == F_ZIP)
            return s;
    }
    ss_status s = alloc_members(ld, ax, 1);
    return s != SS_OK ? s : read_member(ld, a, 0, key, val, &ax->pub.n);
}

ss_status ss__spec_read_sweep(loader *ld)
{
    ss_spec *spec = ld->spec;
    const yaml_node_t *map;
    spec->points = 1;
    ss_status s = ss__spec_section(ld, K_SWEEP, "axis: values", "axis", &map);
    if (s != SS_OK || !map || map_len(map) == 0)
        return s;
    if (map_len(map) > SS_SPEC_MAX_AXES)
        return ss__spec_fail(ld, node_loc(map_key(ld, map, SS_SPEC_MAX_AXES)),
                             "a sweep has at most %d axes", SS_SPEC_MAX_AXES);
    spec->axes = calloc(map_len(map), sizeof *spec->axes);
    if (!spec->axes)
        return ss__spec_nomem(ld);
    for (size_t a = 0; a < map_len(map); a++) {
        s = read_axis(ld, a, map_key(ld, map, a), map_val(ld, map, a));
        if (s != SS_OK)
            return s;
        spec->points *= spec->axes[a].pub.n; /* fits_grid saw to it */
    }
    return SS_OK;
}
