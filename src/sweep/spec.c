#include "synsweep/spec.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "synsweep/expr.h"
#include "synsweep/grid.h" /* SS_GRID_MAX_AXES: the grid's dimensions */

/* A spec is a short text; anything bigger is a mistake, not a sweep. */
#define SPEC_MAX_BYTES ((size_t)16 << 20)
#define SPEC_MAX_KEYS 4096
/* libyaml's scanner takes time quadratic in the depth of flow collections
 * ([ and {): a spec nests a few levels, so deeper is refused before it. */
#define SPEC_MAX_FLOW_DEPTH 64
/* Free variables get the expression slots after the parameters, so the
 * point evaluation works in one stack array. */
#define SPEC_MAX_FREE 64
/* One axis' values are held in memory: 2^26 doubles are 512 MiB. So are
 * all the axes' together: a zip of many generated members must not
 * multiply that from a few lines of text. */
#define SPEC_MAX_AXIS_VALUES ((size_t)1 << 26)
#define SPEC_MAX_VALUES SPEC_MAX_AXIS_VALUES
/* Up to this many points every point is checked at load time; above it
 * only the axes that can change the outcome of ss_params_check_point (those
 * its documented cross-parameter rules read, and those a derived
 * expression reads) are iterated, the others being checked value by
 * value (see check_points). */
#define SPEC_FULL_CHECK_POINTS ((uint64_t)1 << 14)
/* The work of checking the points at load time, at most a fraction of a
 * second: each point costs about as much as SPEC_POINT_COST steps of an
 * expression, plus its derived expressions' steps (at most their length),
 * so a grid without derived parameters may check 2^20 points. */
#define SPEC_MAX_CHECK_WORK ((uint64_t)1 << 27)
#define SPEC_POINT_COST 128

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

static const char *const top_names[N_TOP] = {
    "name",    "description", "model", "seed",    "streams",
    "repeats", "fixed",       "sweep", "derived", "metrics"};

enum form { F_VALUES, F_RANGE, F_LINSPACE, F_GEOMSPACE, F_ZIP, N_FORMS };

static const char *const form_names[N_FORMS] = {"values", "range", "linspace",
                                                "geomspace", "zip"};

/* Names that are datasets of the results file besides the axes. */
static const char *const reserved_names[] = {"repeat", "done"};

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

/* ---- small helpers ---------------------------------------------------- */

static loc node_loc(const yaml_node_t *n)
{
    return (loc){(int)n->start_mark.line + 1, (int)n->start_mark.column + 1};
}

static bool loc_before(loc a, loc b)
{
    return a.line < b.line || (a.line == b.line && a.column < b.column);
}

static void place_error(ss_error *err, const char *file, loc at)
{
    snprintf(err->file, sizeof err->file, "%s", file);
    err->line = at.line;
    err->column = at.column;
}

static ss_status fail(loader *ld, loc at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static ss_status fail(loader *ld, loc at, const char *fmt, ...)
{
    ss_error *err = ld->err;
    err->code = SS_ERR_SPEC;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    err->hint[0] = '\0';
    place_error(err, ld->spec->file, at);
    return SS_ERR_SPEC;
}

/* Passes on an error another module filled (a parameter's range, an
 * expression's syntax) as a spec error at the node that caused it. */
static ss_status relay(loader *ld, loc at, const ss_error *inner)
{
    if (inner->code == SS_ERR_NOMEM) {
        *ld->err = *inner;
        return SS_ERR_NOMEM;
    }
    fail(ld, at, "%s", inner->message);
    snprintf(ld->err->hint, sizeof ld->err->hint, "%s", inner->hint);
    return SS_ERR_SPEC;
}

static ss_status nomem(loader *ld)
{
    ss_error_set(ld->err, SS_ERR_NOMEM, "out of memory reading the spec");
    ld->err->line = ld->err->column = 0;
    return SS_ERR_NOMEM;
}

static char *dup_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static const char *text_of(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

static bool is_null(const yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE ||
        n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *s = text_of(n);
    return !*s || !strcmp(s, "~") || !strcmp(s, "null") ||
           !strcmp(s, "Null") || !strcmp(s, "NULL");
}

/* "a list", "a mapping", "nothing" or the scalar quoted: for "got ...". */
static const char *what(const yaml_node_t *n, char *buf, size_t size)
{
    if (n->type == YAML_SEQUENCE_NODE)
        return "a list";
    if (n->type == YAML_MAPPING_NODE)
        return "a mapping";
    if (is_null(n))
        return "nothing";
    snprintf(buf, size, "'%.60s%s'", text_of(n),
             strlen(text_of(n)) > 60 ? "..." : "");
    return buf;
}

static yaml_node_t *node_at(const loader *ld, int id)
{
    return yaml_document_get_node(ld->doc, id);
}

static size_t seq_len(const yaml_node_t *n)
{
    return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

static yaml_node_t *seq_item(const loader *ld, const yaml_node_t *n, size_t i)
{
    return node_at(ld, n->data.sequence.items.start[i]);
}

static size_t map_len(const yaml_node_t *n)
{
    return (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
}

static yaml_node_t *map_key(const loader *ld, const yaml_node_t *n, size_t i)
{
    return node_at(ld, n->data.mapping.pairs.start[i].key);
}

static yaml_node_t *map_val(const loader *ld, const yaml_node_t *n, size_t i)
{
    return node_at(ld, n->data.mapping.pairs.start[i].value);
}


static void hint_nearest(loader *ld, const char *near)
{
    if (near)
        ss_error_hint(ld->err, "did you mean '%s'?", near);
}

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

/* Keys of a mapping: scalars, each once, and (when known is given) one of
 * known. */
static ss_status check_keys(loader *ld, const yaml_node_t *map,
                            const char *const *known, size_t n_known,
                            const char *kind)
{
    char buf[96];
    /* The duplicate search is quadratic; no spec needs this many keys. */
    if (map_len(map) > SPEC_MAX_KEYS)
        return fail(ld, node_loc(map), "more than %d keys in one mapping",
                    SPEC_MAX_KEYS);
    for (size_t i = 0; i < map_len(map); i++) {
        const yaml_node_t *k = map_key(ld, map, i);
        if (k->type != YAML_SCALAR_NODE)
            return fail(ld, node_loc(k), "expected a name as %s, got %s",
                        kind, what(k, buf, sizeof buf));
        for (size_t j = 0; j < i; j++) {
            const yaml_node_t *prev = map_key(ld, map, j);
            if (prev->type == YAML_SCALAR_NODE &&
                !strcmp(text_of(prev), text_of(k)))
                return fail(ld, node_loc(k),
                            "duplicate key '%s' (first at line %d)",
                            text_of(k), node_loc(prev).line);
        }
        if (!known)
            continue;
        bool ok = false;
        for (size_t j = 0; j < n_known && !ok; j++)
            ok = !strcmp(text_of(k), known[j]);
        if (!ok) {
            fail(ld, node_loc(k), "unknown %s '%s'", kind, text_of(k));
            const char *near = ss_nearest_name(text_of(k), known, n_known);
            if (near) {
                hint_nearest(ld, near);
            } else {
                char list[256];
                size_t used = 0;
                list[0] = '\0';
                for (size_t j = 0; j < n_known && used < sizeof list; j++)
                    used += (size_t)snprintf(list + used, sizeof list - used,
                                             "%s%s", j ? ", " : "", known[j]);
                ss_error_hint(ld->err, "expected one of: %s", list);
            }
            return SS_ERR_SPEC;
        }
    }
    return SS_OK;
}

/* A key that must name a parameter the model uses. */
static ss_status model_param(loader *ld, const yaml_node_t *key,
                             ss_param_id *out)
{
    const char *name = text_of(key);
    ss_model m = ld->spec->model;
    ss_param_id id = ss_param_find(name);
    if (id == SS_PARAM_COUNT) {
        fail(ld, node_loc(key), "unknown parameter '%s' for model %s", name,
             ss_model_name(m));
        hint_nearest(ld, ss_params_nearest_name(m, name));
        return SS_ERR_SPEC;
    }
    if (!ss_param_used_by(id, m))
        return fail(ld, node_loc(key), "parameter '%s' is not used by model %s",
                    name, ss_model_name(m));
    *out = id;
    return SS_OK;
}

/* Records where parameter id is set; a second place is an error, reported
 * at whichever of the two comes later in the text. */
static ss_status claim(loader *ld, ss_param_id id, set_place place)
{
    set_place *first = &ld->spec->set[id];
    if (first->kind == SET_DEFAULT) {
        *first = place;
        return SS_OK;
    }
    loc a = first->key, b = place.key;
    if (loc_before(b, a)) {
        loc t = a;
        a = b;
        b = t;
    }
    fail(ld, b, "parameter '%s' is already set at line %d",
         ss_param_info_of(id)->name, a.line);
    ss_error_hint(ld->err, "set a parameter in one place only: fixed, sweep "
                           "or derived");
    return SS_ERR_SPEC;
}

/* ---- top-level scalars ------------------------------------------------ */

static ss_status read_model(loader *ld)
{
    const yaml_node_t *v = ld->val[K_MODEL];
    char buf[96];
    if (!v) {
        fail(ld, (loc){1, 1}, "missing required key 'model'");
        ss_error_hint(ld->err, "add 'model: lif_cond' (or lif_cond_stp, "
                               "stp_train)");
        return SS_ERR_SPEC;
    }
    ld->spec->model_key = node_loc(ld->key[K_MODEL]);
    if (v->type != YAML_SCALAR_NODE || is_null(v))
        return fail(ld, node_loc(v),
                    "expected a model name (lif_cond, lif_cond_stp or "
                    "stp_train), got %s",
                    what(v, buf, sizeof buf));
    ld->spec->model = ss_model_from_name(text_of(v));
    if (ld->spec->model == SS_MODEL_COUNT) {
        fail(ld, node_loc(v), "unknown model '%s'", text_of(v));
        const char *models[SS_MODEL_COUNT];
        for (int m = 0; m < SS_MODEL_COUNT; m++)
            models[m] = ss_model_name((ss_model)m);
        const char *near = ss_nearest_name(text_of(v), models, SS_MODEL_COUNT);
        if (near)
            hint_nearest(ld, near);
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
        return fail(ld, node_loc(v), "expected a string for %s, got %s",
                    top_names[k], what(v, buf, sizeof buf));
    if (k == K_NAME && !*text_of(v))
        return fail(ld, node_loc(v), "name must not be empty");
    char *s = dup_string(text_of(v));
    if (!s)
        return nomem(ld);
    free(*out);
    *out = s;
    return SS_OK;
}

static ss_status read_seed(loader *ld)
{
    const yaml_node_t *v = ld->val[K_SEED];
    char buf[96];
    if (v->type != YAML_SCALAR_NODE || !to_u64(text_of(v), &ld->spec->seed))
        return fail(ld, node_loc(v),
                    "seed must be a whole number from 0 to "
                    "18446744073709551615 (got %s)",
                    what(v, buf, sizeof buf));
    return SS_OK;
}

static ss_status read_repeats(loader *ld)
{
    const yaml_node_t *v = ld->val[K_REPEATS];
    char buf[96];
    uint64_t r = 0;
    if (v->type != YAML_SCALAR_NODE || !to_u64(text_of(v), &r) || r < 1)
        return fail(ld, node_loc(v),
                    "repeats must be a whole number >= 1 (got %s)",
                    what(v, buf, sizeof buf));
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
    fail(ld, node_loc(v), "streams must be independent or common (got %s)",
         what(v, buf, sizeof buf));
    if (v->type == YAML_SCALAR_NODE)
        hint_nearest(ld, ss_nearest_name(text_of(v), kinds, 2));
    return SS_ERR_SPEC;
}

/* ---- fixed ------------------------------------------------------------ */

static const char *value_kind(ss_param_id id)
{
    return ss_param_info_of(id)->kind == SS_KIND_CHOICE ? "poisson or regular"
                                                        : "a number";
}

static ss_status read_fixed(loader *ld)
{
    const yaml_node_t *map = ld->val[K_FIXED];
    char buf[96];
    if (!map || is_null(map))
        return SS_OK;
    if (map->type != YAML_MAPPING_NODE)
        return fail(ld, node_loc(map),
                    "expected a mapping of parameter: value for fixed, got %s",
                    what(map, buf, sizeof buf));
    ss_status s = check_keys(ld, map, NULL, 0, "parameter");
    for (size_t i = 0; s == SS_OK && i < map_len(map); i++) {
        const yaml_node_t *k = map_key(ld, map, i);
        const yaml_node_t *v = map_val(ld, map, i);
        ss_param_id id;
        s = model_param(ld, k, &id);
        if (s == SS_OK)
            s = claim(ld, id, (set_place){SET_FIXED, node_loc(k), node_loc(v),
                                          0, 0});
        if (s != SS_OK)
            break;
        if (v->type != YAML_SCALAR_NODE)
            return fail(ld, node_loc(v), "expected %s for %s, got %s",
                        value_kind(id), text_of(k), what(v, buf, sizeof buf));
        ss_error inner;
        ss_error_clear(&inner);
        double x;
        if (ss_param_parse(id, text_of(v), &x, &inner) != SS_OK)
            return relay(ld, node_loc(v), &inner);
        ss_params_put(&ld->spec->fixed, id, x);
    }
    return s;
}

/* ---- sweep ------------------------------------------------------------ */

/* The one form key of an axis mapping ({range: ...}, {zip: ...}, ...). */
static ss_status axis_form(loader *ld, const yaml_node_t *map,
                           const char *axis, enum form *form,
                           const yaml_node_t **key, const yaml_node_t **val)
{
    ss_status s = check_keys(ld, map, form_names, N_FORMS, "axis form");
    if (s != SS_OK)
        return s;
    if (map_len(map) == 0)
        return fail(ld, node_loc(map),
                    "expected a list or one of values, range, linspace, "
                    "geomspace, zip for axis '%s', got an empty mapping",
                    axis);
    if (map_len(map) > 1)
        return fail(ld, node_loc(map_key(ld, map, 1)),
                    "axis '%s' takes one form, got both '%s' and '%s'", axis,
                    text_of(map_key(ld, map, 0)),
                    text_of(map_key(ld, map, 1)));
    *key = map_key(ld, map, 0);
    *val = map_val(ld, map, 0);
    for (int f = 0; f < N_FORMS; f++)
        if (!strcmp(text_of(*key), form_names[f]))
            *form = (enum form)f;
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

/* A name that is no parameter must be new among free variables and zip
 * axes: they are coordinates of the results file. */
static ss_status new_coordinate(loader *ld, const char *name, loc at)
{
    if (strlen(name) >= sizeof ((ss_axis *)0)->name)
        return fail(ld, at, "axis name '%.60s...' is too long (at most %zu "
                            "characters)",
                    name, sizeof ((ss_axis *)0)->name - 1);
    if (reserved(name))
        return fail(ld, at,
                    "'%s' cannot name an axis: repeat, done and the metrics "
                    "are datasets of the results file",
                    name);
    const ss_spec *spec = ld->spec;
    for (size_t i = 0; i < spec->n_free; i++)
        if (!strcmp(spec->free_name[i], name))
            return fail(ld, at, "name '%s' is already used at line %d", name,
                        ld->free_key[i].line);
    for (size_t i = 0; i < ld->n_zip; i++)
        if (!strcmp(ld->zip_name[i], name))
            return fail(ld, at, "name '%s' is already used at line %d", name,
                        ld->zip_key[i].line);
    return SS_OK;
}

/* Start, stop and step or num of a generating form. */
static ss_status read_triple(loader *ld, const yaml_node_t *v,
                             const char *form, const char *third,
                             double x[3], loc at[3])
{
    char buf[96];
    if (v->type != YAML_SEQUENCE_NODE || seq_len(v) != 3) {
        if (v->type == YAML_SEQUENCE_NODE)
            snprintf(buf, sizeof buf, "%zu values", seq_len(v));
        return fail(ld, node_loc(v), "%s takes [start, stop, %s], got %s",
                    form, third,
                    v->type == YAML_SEQUENCE_NODE ? buf
                                                  : what(v, buf, sizeof buf));
    }
    for (size_t i = 0; i < 3; i++) {
        const yaml_node_t *e = seq_item(ld, v, i);
        at[i] = node_loc(e);
        if (e->type != YAML_SCALAR_NODE || !to_double(text_of(e), &x[i]))
            return fail(ld, at[i], "expected a number for the %s of %s, got %s",
                        i == 0 ? "start" : i == 1 ? "stop" : third, form,
                        what(e, buf, sizeof buf));
    }
    return SS_OK;
}

static ss_status count_of(loader *ld, double num, loc at, const char *form,
                          size_t *n)
{
    if (!(num >= 1 && num == floor(num)))
        return fail(ld, at, "%s num must be a whole number >= 1 (got %.15g)",
                    form, num);
    if (num > (double)SPEC_MAX_AXIS_VALUES)
        return fail(ld, at, "%s num is %.15g, more than the %zu values an "
                            "axis may have",
                    form, num, SPEC_MAX_AXIS_VALUES);
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
    fail(ld, node_loc(ld->key[K_SWEEP]), "the grid has more than 2^53 trials");
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
    fail(ld, at, "the axes have more than %zu values in all", SPEC_MAX_VALUES);
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
 * each range-checked at the form, the one place that sets them. */
static ss_status generate(loader *ld, const char *axis, ss_axis_member *m,
                          loc form_at, enum form form,
                          const yaml_node_t *fval, size_t *n_out)
{
    const char *fname = form_names[form];
    double x[3];
    loc at[3];
    size_t n = 0;
    ss_status s = read_triple(ld, fval, fname,
                              form == F_RANGE ? "step" : "num", x, at);
    if (s != SS_OK)
        return s;
    double start = x[0], stop = x[1];
    if (form == F_RANGE) {
        double step = x[2];
        if (step == 0)
            return fail(ld, at[2], "range step must not be 0");
        double span = (stop - start) / step;
        if (span < -1e-9)
            return fail(ld, at[2],
                        "range from %.15g to %.15g needs a %s step (got "
                        "%.15g)",
                        start, stop, step > 0 ? "negative" : "positive",
                        step);
        /* stop is inclusive within 1e-9 of a step */
        double count = floor(span + 1e-9) + 1;
        if (!(count <= (double)SPEC_MAX_AXIS_VALUES))
            return fail(ld, node_loc(fval),
                        "range gives %.15g values, more than the %zu an axis "
                        "may have",
                        count, SPEC_MAX_AXIS_VALUES);
        n = (size_t)count;
    } else {
        s = count_of(ld, x[2], at[2], fname, &n);
        if (s != SS_OK)
            return s;
        if (form == F_GEOMSPACE &&
            (start == 0 || stop == 0 || (start < 0) != (stop < 0)))
            return fail(ld, start == 0 ? at[0] : at[1],
                        "geomspace needs start and stop nonzero and of the "
                        "same sign (got %.15g and %.15g)",
                        start, stop);
    }
    s = fits_grid(ld, axis, n);
    if (s == SS_OK)
        s = hold_values(ld, axis, n, node_loc(fval));
    if (s != SS_OK)
        return s;
    m->values = malloc(n * sizeof *m->values);
    if (!m->values)
        return nomem(ld);
    double div = n > 1 ? (double)(n - 1) : 1.0;
    double lin_step = (stop - start) / div;
    for (size_t i = 0; i < n; i++) {
        double v, t = (double)i;
        if (form == F_RANGE) {
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
                return relay(ld, form_at, &inner);
        }
        if (!isfinite(v))
            return fail(ld, form_at, "%s gives a value that is not finite",
                        fname);
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
        return fail(ld, node_loc(list),
                    "expected a list of values for %s, got %s", m->name,
                    what(list, buf, sizeof buf));
    size_t n = seq_len(list);
    if (n == 0)
        return fail(ld, node_loc(list), "%s '%s' is empty", what_is, m->name);
    if (n > SPEC_MAX_AXIS_VALUES)
        return fail(ld, node_loc(list), "%s '%s' has more than %zu values",
                    what_is, m->name, SPEC_MAX_AXIS_VALUES);
    ss_status s = fits_grid(ld, ax->pub.name, n);
    if (s == SS_OK)
        s = hold_values(ld, ax->pub.name, n, node_loc(list));
    if (s != SS_OK)
        return s;
    m->values = malloc(n * sizeof *m->values);
    src->elem = malloc(n * sizeof *src->elem);
    if (!m->values || !src->elem)
        return nomem(ld);
    for (size_t i = 0; i < n; i++) {
        const yaml_node_t *e = seq_item(ld, list, i);
        loc at = node_loc(e);
        src->elem[i] = at;
        bool free_var = m->param == SS_PARAM_COUNT;
        if (e->type != YAML_SCALAR_NODE ||
            (free_var && !to_double(text_of(e), &m->values[i])))
            return fail(ld, at, "expected %s for %s, got %s",
                        free_var ? "a number" : value_kind(m->param),
                        m->name, what(e, buf, sizeof buf));
        if (free_var)
            continue;
        ss_error inner;
        ss_error_clear(&inner);
        if (ss_param_parse(m->param, text_of(e), &m->values[i], &inner) !=
            SS_OK)
            return relay(ld, at, &inner);
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
        return fail(ld, node_loc(v),
                    "expected a list or one of values, range, linspace, "
                    "geomspace%s for %s '%s', got %s",
                    ax->pub.zip ? "" : ", zip",
                    ax->pub.zip ? "zip member" : "axis", m->name,
                    what(v, buf, sizeof buf));
    enum form form = F_VALUES;
    const yaml_node_t *fkey, *fval;
    ss_status s = axis_form(ld, v, m->name, &form, &fkey, &fval);
    if (s != SS_OK)
        return s;
    if (form == F_ZIP)
        return fail(ld, node_loc(fkey),
                    "a zip member takes a list or values, range, linspace, "
                    "geomspace, not zip");
    if (form == F_VALUES)
        return read_list(ld, ax, k, fval, n_out);
    if (m->param == SS_P_input)
        return fail(ld, node_loc(fkey),
                    "input takes words: give a list such as [poisson, "
                    "regular], not %s",
                    form_names[form]);
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
            return fail(ld, at, "parameter '%s' is not used by model %s",
                        name, ss_model_name(spec->model));
        snprintf(m->name, sizeof m->name, "%s", name);
        s = claim(ld, m->param,
                  (set_place){SET_AXIS, at, node_loc(val), a, k});
        src->slot = (int)m->param;
    } else {
        s = new_coordinate(ld, name, at);
        if (s == SS_OK && spec->n_free == SPEC_MAX_FREE)
            s = fail(ld, at, "at most %d axes may be free variables",
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
        return nomem(ld);
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
        return fail(ld, at,
                    "a zip axis is a new dimension: name it with a word that "
                    "is no parameter (got '%s')",
                    name);
    ss_status s = new_coordinate(ld, name, at);
    if (s != SS_OK)
        return s;
    if (ld->n_zip == SPEC_MAX_FREE)
        return fail(ld, at, "at most %d axes may be zipped", SPEC_MAX_FREE);
    ld->zip_name[ld->n_zip] = name;
    ld->zip_key[ld->n_zip++] = at;
    if (zval->type != YAML_MAPPING_NODE)
        return fail(ld, node_loc(zval),
                    "zip takes a mapping of member: values, got %s",
                    what(zval, buf, sizeof buf));
    size_t nm = map_len(zval);
    if (nm == 0)
        return fail(ld, node_loc(zval), "zip of axis '%s' has no members",
                    name);
    s = check_keys(ld, zval, NULL, 0, "zip member");
    if (s == SS_OK)
        s = alloc_members(ld, ax, nm);
    for (size_t k = 0; s == SS_OK && k < nm; k++) {
        size_t n = 0;
        s = read_member(ld, a, k, map_key(ld, zval, k), map_val(ld, zval, k),
                        &n);
        if (s == SS_OK && k == 0)
            ax->pub.n = n;
        else if (s == SS_OK && n != ax->pub.n)
            s = fail(ld, node_loc(zkey),
                     "zip members have different lengths: %s has %zu "
                     "value%s, %s has %zu",
                     ax->pub.members[0].name, ax->pub.n,
                     ax->pub.n == 1 ? "" : "s", ax->pub.members[k].name, n);
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
        return fail(ld, at, "axis name '%.60s...' is too long (at most %zu "
                            "characters)",
                    name, sizeof ax->pub.name - 1);
    snprintf(ax->pub.name, sizeof ax->pub.name, "%s", name);
    ax->pub.line = at.line;
    ax->pub.column = at.column;
    if (val->type == YAML_MAPPING_NODE) {
        enum form form = F_VALUES;
        const yaml_node_t *fkey, *fval;
        ss_status s = axis_form(ld, val, name, &form, &fkey, &fval);
        if (s != SS_OK)
            return s;
        if (form == F_ZIP)
            return read_zip(ld, a, fkey, fval);
    }
    ss_status s = alloc_members(ld, ax, 1);
    return s != SS_OK ? s : read_member(ld, a, 0, key, val, &ax->pub.n);
}

static ss_status read_sweep(loader *ld)
{
    ss_spec *spec = ld->spec;
    const yaml_node_t *map = ld->val[K_SWEEP];
    char buf[96];
    spec->points = 1;
    if (!map || is_null(map))
        return SS_OK;
    if (map->type != YAML_MAPPING_NODE)
        return fail(ld, node_loc(map),
                    "expected a mapping of axis: values for sweep, got %s",
                    what(map, buf, sizeof buf));
    ss_status s = check_keys(ld, map, NULL, 0, "axis");
    if (s != SS_OK || map_len(map) == 0)
        return s;
    if (map_len(map) > SS_GRID_MAX_AXES)
        return fail(ld, node_loc(map_key(ld, map, SS_GRID_MAX_AXES)),
                    "a sweep has at most %d axes", SS_GRID_MAX_AXES);
    spec->axes = calloc(map_len(map), sizeof *spec->axes);
    if (!spec->axes)
        return nomem(ld);
    for (size_t a = 0; a < map_len(map); a++) {
        s = read_axis(ld, a, map_key(ld, map, a), map_val(ld, map, a));
        if (s != SS_OK)
            return s;
        spec->points *= spec->axes[a].pub.n; /* fits_grid saw to it */
    }
    return SS_OK;
}

/* ---- derived ---------------------------------------------------------- */

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

static ss_status read_derived(loader *ld)
{
    ss_spec *spec = ld->spec;
    const yaml_node_t *map = ld->val[K_DERIVED];
    char buf[96];
    if (!map || is_null(map))
        return SS_OK;
    if (map->type != YAML_MAPPING_NODE)
        return fail(ld, node_loc(map),
                    "expected a mapping of parameter: expression for "
                    "derived, got %s",
                    what(map, buf, sizeof buf));
    ss_status s = check_keys(ld, map, NULL, 0, "parameter");
    if (s != SS_OK || map_len(map) == 0)
        return s;
    spec->derived = calloc(map_len(map), sizeof *spec->derived);
    if (!spec->derived)
        return nomem(ld);
    for (size_t i = 0; i < map_len(map); i++) {
        const yaml_node_t *k = map_key(ld, map, i);
        const yaml_node_t *v = map_val(ld, map, i);
        ss_param_id id;
        s = model_param(ld, k, &id);
        if (s == SS_OK)
            s = claim(ld, id, (set_place){SET_DERIVED, node_loc(k),
                                          node_loc(v), 0, 0});
        if (s != SS_OK)
            return s;
        if (v->type != YAML_SCALAR_NODE)
            return fail(ld, node_loc(v),
                        "expected an expression for %s, got %s", text_of(k),
                        what(v, buf, sizeof buf));
        derived *d = &spec->derived[spec->n_derived++];
        d->param = id;
        d->key = node_loc(k);
        d->value = node_loc(v);
        d->text = dup_string(text_of(v));
        if (!d->text)
            return nomem(ld);
        ss_error inner;
        ss_error_clear(&inner);
        ld->unused_in_expr = SS_PARAM_COUNT;
        s = ss_expr_parse(d->text, resolve_name, suggest_name, ld, &d->expr,
                          &inner);
        if (s == SS_OK)
            continue;
        if (s != SS_ERR_SPEC)
            return relay(ld, d->value, &inner);
        loc at = expr_loc(v, d->text, inner.column);
        if (ld->unused_in_expr != SS_PARAM_COUNT)
            return fail(ld, at, "parameter '%s' is not used by model %s",
                        ss_param_info_of(ld->unused_in_expr)->name,
                        ss_model_name(spec->model));
        return relay(ld, at, &inner);
    }
    return SS_OK;
}

/* A free variable is there for the expressions; one they do not read is
 * almost always a misspelt parameter. */
static ss_status check_free_used(loader *ld)
{
    ss_model m = ld->spec->model;
    for (size_t i = 0; i < ld->spec->n_free; i++) {
        if (ld->free_used[i])
            continue;
        const char *name = ld->spec->free_name[i];
        fail(ld, ld->free_key[i],
             "%s '%s' is neither a parameter of %s nor used by any derived "
             "expression",
             ld->free_in_zip[i] ? "zip member" : "axis", name,
             ss_model_name(m));
        hint_nearest(ld, ss_params_nearest_name(m, name));
        return SS_ERR_SPEC;
    }
    return SS_OK;
}

/* Orders the derived parameters dependencies first, otherwise as written;
 * a cycle is an error at the first of its members. */
static ss_status order_derived(loader *ld)
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
        return fail(ld, spec->derived[path[first]].key,
                    "derived parameters form a cycle: %s", text);
    }
    derived sorted[SS_PARAM_COUNT];
    for (size_t i = 0; i < n; i++)
        sorted[i] = spec->derived[order[i]];
    if (n > 0)
        memcpy(spec->derived, sorted, n * sizeof *sorted);
    return SS_OK;
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
    if (!v || is_null(v)) {
        for (int i = 0; i < SS_METRIC_COUNT; i++)
            spec->metric[i] = ss_metric_used_by((ss_metric_id)i, spec->model);
        return SS_OK;
    }
    if (v->type != YAML_SEQUENCE_NODE) {
        fail(ld, node_loc(v), "expected a list of metric names for metrics, "
                              "got %s",
             what(v, buf, sizeof buf));
        if (v->type == YAML_SCALAR_NODE)
            ss_error_hint(ld->err, "write metrics: [%.200s]", text_of(v));
        return SS_ERR_SPEC;
    }
    if (seq_len(v) == 0) {
        fail(ld, node_loc(v), "metrics is empty");
        ss_error_hint(ld->err, "leave the key out to record all of the "
                               "model's metrics");
        return SS_ERR_SPEC;
    }
    int first_line[SS_METRIC_COUNT] = {0};
    for (size_t i = 0; i < seq_len(v); i++) {
        const yaml_node_t *e = seq_item(ld, v, i);
        loc at = node_loc(e);
        if (e->type != YAML_SCALAR_NODE)
            return fail(ld, at, "expected a metric name, got %s",
                        what(e, buf, sizeof buf));
        ss_metric_id id = ss_metric_find(text_of(e));
        if (id == SS_METRIC_COUNT) {
            fail(ld, at, "unknown metric '%s' for model %s", text_of(e),
                 ss_model_name(spec->model));
            hint_nearest(ld, ss_nearest_name(text_of(e), own, n_own));
            return SS_ERR_SPEC;
        }
        if (!ss_metric_used_by(id, spec->model))
            return fail(ld, at, "metric '%s' is not produced by model %s",
                        text_of(e), ss_model_name(spec->model));
        if (spec->metric[id])
            return fail(ld, at, "duplicate metric '%s' (first at line %d)",
                        text_of(e), first_line[id]);
        spec->metric[id] = true;
        first_line[id] = at.line;
    }
    return SS_OK;
}

/* ---- the grid's points ------------------------------------------------ */

/* Every point is checked with ss_spec_point itself. Above
 * SPEC_FULL_CHECK_POINTS, an axis none of whose members is read by a
 * derived expression or by the cross-parameter rules of
 * ss_params_check_point (rates, dt, T) stays at its first value: its
 * values were range-checked one by one, which is all the check does with
 * them. An axis with one member those rules read, and none an expression
 * reads, takes only that member's smallest and largest value: the rules
 * (rate * dt / 1000 <= 1, 2 <= T / dt <= SS_MAX_BINS, and their stp_train
 * forms) are monotone in each of their parameters, so a point that fails
 * them fails at a corner of the box of values. The other axes go through
 * every value, within SPEC_MAX_CHECK_WORK, so loading stays quick whatever
 * the spec. */
static ss_status check_points(loader *ld)
{
    const ss_spec *spec = ld->spec;
    size_t na = spec->n_axes;
    bool read[SS_PARAM_COUNT + SPEC_MAX_FREE] = {false};
    bool rule[SS_PARAM_COUNT] = {false};
    int slots[SS_PARAM_COUNT + SPEC_MAX_FREE];
    uint64_t cost = SPEC_POINT_COST;
    for (size_t i = 0; i < spec->n_derived; i++) {
        size_t ns = ss_expr_slots(spec->derived[i].expr, slots,
                                  sizeof slots / sizeof *slots);
        for (size_t j = 0; j < ns; j++)
            read[slots[j]] = true;
        cost += strlen(spec->derived[i].text);
    }
    rule[SS_P_T] = rule[SS_P_dt] = rule[SS_P_rate] = true;
    rule[SS_P_exc_rate] = rule[SS_P_inh_rate] = true;

    /* axis a goes through the indices 0 .. n_pos[a] - 1, or ends[a][] */
    size_t *idx = calloc(na ? na : 1, sizeof *idx);
    size_t *pos = calloc(na ? na : 1, sizeof *pos);
    size_t *n_pos = calloc(na ? na : 1, sizeof *n_pos);
    size_t(*ends)[2] = calloc(na ? na : 1, sizeof *ends);
    bool *all = calloc(na ? na : 1, sizeof *all);
    ss_status s = idx && pos && n_pos && ends && all ? SS_OK : nomem(ld);
    uint64_t checks = 1;
    for (size_t a = 0; s == SS_OK && a < na; a++) {
        const spec_axis *ax = &spec->axes[a];
        size_t n_read = 0, n_rule = 0, by_rule = 0;
        for (size_t k = 0; k < ax->pub.n_members; k++) {
            int slot = ax->src[k].slot;
            if (read[slot])
                n_read++;
            else if (slot < SS_PARAM_COUNT && rule[slot]) {
                by_rule = k;
                n_rule++;
            }
        }
        n_pos[a] = 1;
        all[a] = spec->points <= SPEC_FULL_CHECK_POINTS || n_read > 0 ||
                 n_rule > 1;
        if (all[a]) {
            n_pos[a] = ax->pub.n;
        } else if (n_rule == 1) {
            const double *v = ax->pub.members[by_rule].values;
            for (size_t i = 1; i < ax->pub.n; i++) {
                if (v[i] < v[ends[a][0]])
                    ends[a][0] = i;
                if (v[i] > v[ends[a][1]])
                    ends[a][1] = i;
            }
            n_pos[a] = ends[a][0] == ends[a][1] ? 1 : 2;
        }
        checks *= n_pos[a]; /* at most the points: cannot wrap */
    }
    if (s == SS_OK && checks > SPEC_MAX_CHECK_WORK / cost) {
        char names[256];
        size_t used = 0;
        names[0] = '\0';
        for (size_t a = 0; a < na && used < sizeof names; a++)
            if (n_pos[a] > 1)
                used += (size_t)snprintf(names + used, sizeof names - used,
                                         "%s%s", used ? ", " : "",
                                         spec->axes[a].pub.name);
        s = fail(ld, node_loc(ld->key[K_SWEEP]),
                 "the grid has %llu points to check at load time, more than "
                 "%llu",
                 (unsigned long long)checks,
                 (unsigned long long)(SPEC_MAX_CHECK_WORK / cost));
        ss_error_hint(ld->err, "every combination of the axes %s is checked "
                               "(a limit that long derived expressions "
                               "lower): split the sweep into several specs",
                      names);
    }
    bool more = s == SS_OK;
    while (more) {
        for (size_t a = 0; a < na; a++)
            idx[a] = all[a] ? pos[a] : ends[a][pos[a]];
        ss_params p;
        s = ss_spec_point(spec, idx, &p, NULL, ld->err);
        if (s != SS_OK)
            break;
        more = false; /* odometer: the last axis turns fastest */
        for (size_t a = na; a-- > 0 && !more;) {
            if (++pos[a] < n_pos[a])
                more = true;
            else
                pos[a] = 0;
        }
    }
    free(idx);
    free(pos);
    free(n_pos);
    free(ends);
    free(all);
    return s;
}

static loc culprit_loc(const ss_spec *spec, ss_param_id id,
                       const size_t *idx)
{
    if (id == SS_PARAM_COUNT)
        return spec->model_key;
    const set_place *at = &spec->set[id];
    switch (at->kind) {
    case SET_FIXED:
    case SET_DERIVED:
        return at->value;
    case SET_AXIS: {
        const member_src *src = &spec->axes[at->axis].src[at->member];
        return src->elem ? src->elem[idx[at->axis]] : src->form;
    }
    default:
        return spec->model_key;
    }
}

/* "rate=20000, dt=0.1": the axis values of a point. */
static void describe_point(const ss_spec *spec, const size_t *idx, char *buf,
                           size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t a = 0; a < spec->n_axes; a++) {
        const ss_axis *ax = &spec->axes[a].pub;
        for (size_t k = 0; k < ax->n_members && used < size; k++) {
            const ss_axis_member *m = &ax->members[k];
            double v = m->values[idx[a]];
            char value[64];
            if (m->param != SS_PARAM_COUNT &&
                ss_param_info_of(m->param)->kind == SS_KIND_CHOICE)
                ss_param_format_value(m->param, v, value, sizeof value);
            else
                snprintf(value, sizeof value, "%.15g", v);
            used += (size_t)snprintf(buf + used, size - used, "%s%s=%s",
                                     used ? ", " : "", m->name, value);
        }
    }
}

ss_status ss_spec_point(const ss_spec *spec, const size_t *idx,
                        ss_params *out, double *derived_out, ss_error *err)
{
    double vars[SS_PARAM_COUNT + SPEC_MAX_FREE];
    ss_params p = spec->fixed;
    for (size_t a = 0; a < spec->n_axes; a++) {
        const spec_axis *ax = &spec->axes[a];
        if (idx[a] >= ax->pub.n) {
            ss_error_set(err, SS_ERR_USAGE,
                         "index %zu is out of range for axis '%s' (%zu "
                         "values)",
                         idx[a], ax->pub.name, ax->pub.n);
            if (err) {
                err->file[0] = '\0';
                err->line = err->column = 0;
            }
            return SS_ERR_USAGE;
        }
        for (size_t k = 0; k < ax->pub.n_members; k++) {
            const ss_axis_member *m = &ax->pub.members[k];
            if (m->param != SS_PARAM_COUNT)
                ss_params_put(&p, m->param, m->values[idx[a]]);
            else
                vars[ax->src[k].slot] = m->values[idx[a]];
        }
    }
    for (int i = 0; i < SS_PARAM_COUNT; i++)
        vars[i] = ss_params_get(&p, (ss_param_id)i);
    for (size_t i = 0; i < spec->n_derived; i++) {
        const derived *d = &spec->derived[i];
        double v = ss_expr_eval(d->expr, vars);
        ss_params_put(&p, d->param, v);
        vars[d->param] = v;
        if (derived_out)
            derived_out[i] = v;
    }
    *out = p;

    ss_param_id culprit;
    ss_error inner;
    ss_error_clear(&inner);
    if (ss_params_check_point(spec->model, &p, &culprit, &inner) == SS_OK)
        return SS_OK;
    if (!err)
        return SS_ERR_SPEC;
    char point[256];
    describe_point(spec, idx, point, sizeof point);
    ss_error_set(err, SS_ERR_SPEC, "%s%s%s", inner.message,
                 point[0] ? " at grid point " : "", point);
    place_error(err, spec->file, culprit_loc(spec, culprit, idx));
    return SS_ERR_SPEC;
}

/* ---- loading ---------------------------------------------------------- */

static loc offset_loc(const char *text, size_t len, size_t offset)
{
    loc at = {1, 1};
    for (size_t i = 0; i < offset && i < len; i++) {
        if (text[i] == '\n') {
            at.line++;
            at.column = 1;
        } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
            at.column++;
        }
    }
    return at;
}

/* The byte at 1-based line and character column, or '\0'. */
static char char_at(const char *text, size_t len, loc at)
{
    size_t i = 0;
    for (int line = 1; line < at.line && i < len; i++)
        line += text[i] == '\n';
    for (int col = 1; i < len; i++) {
        if (((unsigned char)text[i] & 0xC0) == 0x80)
            continue;
        if (col++ == at.column)
            return text[i];
    }
    return '\0';
}

/* "while parsing a block mapping" -> "block mapping" */
static const char *construct_of(const char *context)
{
    const char *a = strstr(context, " a ");
    const char *an = strstr(context, " an ");
    return an ? an + 4 : a ? a + 3 : context;
}

static ss_status yaml_failure(loader *ld, const yaml_parser_t *ps)
{
    const ss_spec *spec = ld->spec;
    if (ps->error == YAML_MEMORY_ERROR)
        return nomem(ld);
    loc at;
    if (ps->error == YAML_READER_ERROR)
        at = offset_loc(spec->text, spec->len, ps->problem_offset);
    else
        at = (loc){(int)ps->problem_mark.line + 1,
                   (int)ps->problem_mark.column + 1};
    const char *problem = ps->problem ? ps->problem : "unreadable text";
    if (ps->context)
        fail(ld, at, "invalid YAML: %s (%s)", problem, ps->context);
    else
        fail(ld, at, "invalid YAML: %s", problem);
    if (ps->error != YAML_READER_ERROR &&
        char_at(spec->text, spec->len, at) == '\t')
        ss_error_hint(ld->err, "YAML indents with spaces, not tabs");
    else if (ps->context && ps->context_mark.line != ps->problem_mark.line)
        ss_error_hint(ld->err, "the %s began at line %d",
                      construct_of(ps->context),
                      (int)ps->context_mark.line + 1);
    return SS_ERR_SPEC;
}

static ss_status read_top(loader *ld, const yaml_node_t *root)
{
    ss_spec *spec = ld->spec;
    char buf[96];
    if (!root || is_null(root)) {
        fail(ld, (loc){1, 1}, "the spec is empty");
        ss_error_hint(ld->err, "a spec needs at least 'model: lif_cond' (or "
                               "lif_cond_stp, stp_train)");
        return SS_ERR_SPEC;
    }
    if (root->type != YAML_MAPPING_NODE)
        return fail(ld, node_loc(root),
                    "expected a mapping of keys (model, sweep, ...) at the "
                    "top of the spec, got %s",
                    what(root, buf, sizeof buf));
    ss_status s = check_keys(ld, root, top_names, N_TOP, "key");
    if (s != SS_OK)
        return s;
    for (size_t i = 0; i < map_len(root); i++) {
        const char *k = text_of(map_key(ld, root, i));
        for (int t = 0; t < N_TOP; t++) {
            if (!strcmp(k, top_names[t])) {
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
        s = read_sweep(ld);
    if (s == SS_OK)
        s = read_derived(ld);
    if (s == SS_OK)
        s = check_free_used(ld);
    if (s == SS_OK)
        s = order_derived(ld);
    if (s == SS_OK)
        s = read_metrics(ld);
    if (s != SS_OK)
        return s;
    if (spec->repeats > SS_SPEC_MAX_TRIALS / spec->points) {
        fail(ld, node_loc(ld->key[K_REPEATS]),
             "the grid has more than 2^53 trials");
        ss_error_hint(ld->err, "%llu points x %llu repeats",
                      (unsigned long long)spec->points,
                      (unsigned long long)spec->repeats);
        return SS_ERR_SPEC;
    }
    spec->trials = spec->points * spec->repeats;
    return check_points(ld);
}

/* libyaml turns "\0" in a double-quoted scalar into a NUL the C strings
 * of the rest of the loader would cut at. */
static ss_status check_nul(loader *ld)
{
    for (yaml_node_t *n = ld->doc->nodes.start; n < ld->doc->nodes.top; n++)
        if (n->type == YAML_SCALAR_NODE &&
            strlen(text_of(n)) != n->data.scalar.length)
            return fail(ld, node_loc(n), "a NUL character is not allowed in "
                                         "a spec");
    return SS_OK;
}

/* Refuses flow collections nested deeper than SPEC_MAX_FLOW_DEPTH, at the
 * bracket that goes too deep: quotes and comments are skipped, brackets
 * counted. */
static ss_status check_nesting(loader *ld)
{
    const char *t = ld->spec->text;
    size_t len = ld->spec->len;
    int line = 1, column = 1, depth = 0;
    char quote = 0;
    for (size_t i = 0; i < len; i++, column++) {
        char ch = t[i];
        if (ch == '\n') {
            line++;
            column = 0;
            continue;
        }
        if (quote) {
            if (quote == '"' && ch == '\\')
                i++, column++; /* an escaped character */
            else if (ch == quote)
                quote = 0;
            continue;
        }
        if (ch == '"' || ch == '\'') {
            quote = ch;
        } else if (ch == '#' && (i == 0 || t[i - 1] == ' ' ||
                                 t[i - 1] == '\t' || t[i - 1] == '\n')) {
            while (i + 1 < len && t[i + 1] != '\n')
                i++; /* a comment */
        } else if (ch == '[' || ch == '{') {
            if (++depth > SPEC_MAX_FLOW_DEPTH)
                return fail(ld, (loc){line, column},
                            "lists and mappings nested deeper than %d "
                            "levels",
                            SPEC_MAX_FLOW_DEPTH);
        } else if ((ch == ']' || ch == '}') && depth > 0) {
            depth--;
        }
    }
    return SS_OK;
}

static ss_status read_yaml(loader *ld)
{
    yaml_parser_t ps;
    ss_status nest = check_nesting(ld);
    if (nest != SS_OK)
        return nest;
    yaml_document_t doc, extra;
    if (!yaml_parser_initialize(&ps))
        return nomem(ld);
    yaml_parser_set_input_string(&ps, (const unsigned char *)ld->spec->text,
                                 ld->spec->len);
    if (!yaml_parser_load(&ps, &doc)) {
        ss_status s = yaml_failure(ld, &ps);
        yaml_parser_delete(&ps);
        return s;
    }
    ld->doc = &doc;
    ss_status s = SS_OK;
    if (!yaml_parser_load(&ps, &extra)) {
        s = yaml_failure(ld, &ps);
    } else {
        if (yaml_document_get_root_node(&extra))
            s = fail(ld,
                     (loc){(int)extra.start_mark.line + 1,
                           (int)extra.start_mark.column + 1},
                     "a spec is one YAML document; a second one starts here");
        yaml_document_delete(&extra);
    }
    if (s == SS_OK)
        s = check_nul(ld);
    if (s == SS_OK)
        s = read_top(ld, yaml_document_get_root_node(&doc));
    yaml_document_delete(&doc);
    yaml_parser_delete(&ps);
    return s;
}

static char *default_name(const char *file)
{
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    char *name = malloc(n + 1);
    if (name) {
        memcpy(name, base, n);
        name[n] = '\0';
    }
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
        ss_error_set(&local, SS_ERR_SPEC,
                     "'%s' is larger than 16 MiB: not a spec", file_name);
        snprintf(local.file, sizeof local.file, "%s", file_name);
        if (err)
            *err = local;
        return SS_ERR_SPEC;
    }
    ss_spec *spec = calloc(1, sizeof *spec);
    loader ld = {.spec = spec, .err = &local};
    ss_status s;
    if (spec) {
        spec->text = malloc(len + 1);
        spec->file = dup_string(file_name);
        spec->name = default_name(file_name);
        spec->description = dup_string("");
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
    ss_error_set(err, code, "cannot read '%s': %s", path, why);
    if (err) {
        snprintf(err->file, sizeof err->file, "%s", path);
        err->line = err->column = 0;
    }
    return code;
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
