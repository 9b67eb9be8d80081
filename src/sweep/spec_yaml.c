/* The loader's YAML helpers and error reporting: errors placed at a node,
 * libyaml's own failures, the checks of the text around libyaml, and the
 * checks every section of a spec makes of its keys. */
#include "spec_yaml.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synsweep/params.h"

#define SPEC_MAX_KEYS 4096
/* libyaml's scanner takes time quadratic in the depth of flow collections
 * ([ and {): a spec nests a few levels, so deeper is refused before it. */
#define SPEC_MAX_FLOW_DEPTH 64

const char *const ss__spec_top_names[N_TOP] = {
    "name",    "description", "model", "seed",    "streams",
    "repeats", "fixed",       "sweep", "derived", "metrics"};

/* ---- errors at a node ------------------------------------------------- */

static bool loc_before(loc a, loc b)
{
    return a.line < b.line || (a.line == b.line && a.column < b.column);
}

ss_status ss__spec_fail(loader *ld, loc at, const char *fmt, ...)
{
    char message[sizeof ld->err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    return ss_error_set_at(ld->err, SS_ERR_SPEC, ld->spec->file, at.line,
                           at.column, "%s", message);
}

/* Passes on an error another module filled (a parameter's range, an
 * expression's syntax) as a spec error at the node that caused it. */
ss_status ss__spec_relay(loader *ld, loc at, const ss_error *inner)
{
    if (inner->code == SS_ERR_NOMEM) {
        *ld->err = *inner;
        return SS_ERR_NOMEM;
    }
    ss__spec_fail(ld, at, "%s", inner->message);
    snprintf(ld->err->hint, sizeof ld->err->hint, "%s", inner->hint);
    return SS_ERR_SPEC;
}

ss_status ss__spec_nomem(loader *ld)
{
    return ss_error_set(ld->err, SS_ERR_NOMEM,
                        "out of memory reading the spec");
}

char *ss__spec_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

bool ss__spec_is_null(const yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE ||
        n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *s = text_of(n);
    return !*s || !strcmp(s, "~") || !strcmp(s, "null") ||
           !strcmp(s, "Null") || !strcmp(s, "NULL");
}

/* "a list", "a mapping", "nothing" or the scalar quoted: for "got ...". */
const char *ss__spec_what(const yaml_node_t *n, char *buf, size_t size)
{
    if (n->type == YAML_SEQUENCE_NODE)
        return "a list";
    if (n->type == YAML_MAPPING_NODE)
        return "a mapping";
    if (ss__spec_is_null(n))
        return "nothing";
    snprintf(buf, size, "'%.60s%s'", text_of(n),
             strlen(text_of(n)) > 60 ? "..." : "");
    return buf;
}

void ss__spec_hint_nearest(loader *ld, const char *near)
{
    if (near)
        ss_error_hint(ld->err, "did you mean '%s'?", near);
}

/* ---- checks of keys --------------------------------------------------- */

/* Keys of a mapping: scalars, each once, and (when known is given) one of
 * known. */
ss_status ss__spec_check_keys(loader *ld, const yaml_node_t *map,
                              const char *const *known, size_t n_known,
                              const char *kind)
{
    char buf[96];
    /* The duplicate search is quadratic; no spec needs this many keys. */
    if (map_len(map) > SPEC_MAX_KEYS)
        return ss__spec_fail(ld, node_loc(map),
                             "more than %d keys in one mapping", SPEC_MAX_KEYS);
    for (size_t i = 0; i < map_len(map); i++) {
        const yaml_node_t *k = map_key(ld, map, i);
        if (k->type != YAML_SCALAR_NODE)
            return ss__spec_fail(ld, node_loc(k),
                                 "expected a name as %s, got %s", kind,
                                 ss__spec_what(k, buf, sizeof buf));
        for (size_t j = 0; j < i; j++) {
            const yaml_node_t *prev = map_key(ld, map, j);
            if (prev->type == YAML_SCALAR_NODE &&
                !strcmp(text_of(prev), text_of(k)))
                return ss__spec_fail(ld, node_loc(k),
                                     "duplicate key '%s' (first at line %d)",
                                     text_of(k), node_loc(prev).line);
        }
        if (!known)
            continue;
        bool ok = false;
        for (size_t j = 0; j < n_known && !ok; j++)
            ok = !strcmp(text_of(k), known[j]);
        if (!ok) {
            ss__spec_fail(ld, node_loc(k), "unknown %s '%s'", kind, text_of(k));
            const char *near = ss_nearest_name(text_of(k), known, n_known);
            if (near) {
                ss__spec_hint_nearest(ld, near);
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

ss_status ss__spec_section(loader *ld, enum top_key k, const char *entries,
                           const char *kind, const yaml_node_t **map)
{
    const yaml_node_t *m = ld->val[k];
    char buf[96];
    *map = NULL;
    if (!m || ss__spec_is_null(m))
        return SS_OK;
    if (m->type != YAML_MAPPING_NODE)
        return ss__spec_fail(ld, node_loc(m),
                             "expected a mapping of %s for %s, got %s",
                             entries, ss__spec_top_names[k],
                             ss__spec_what(m, buf, sizeof buf));
    *map = m;
    return ss__spec_check_keys(ld, m, NULL, 0, kind);
}

/* A key that must name a parameter the model uses. */
static ss_status model_param(loader *ld, const yaml_node_t *key,
                             ss_param_id *out)
{
    const char *name = text_of(key);
    ss_model m = ld->spec->model;
    ss_param_id id = ss_param_find(name);
    if (id == SS_PARAM_COUNT) {
        ss__spec_fail(ld, node_loc(key), "unknown parameter '%s' for model %s",
                      name, ss_model_name(m));
        ss__spec_hint_nearest(ld, ss_params_nearest_name(m, name));
        return SS_ERR_SPEC;
    }
    if (!ss_param_used_by(id, m))
        return ss__spec_fail(ld, node_loc(key),
                             "parameter '%s' is not used by model %s", name,
                             ss_model_name(m));
    *out = id;
    return SS_OK;
}

/* Records where parameter id is set; a second place is an error, reported
 * at whichever of the two comes later in the text. */
ss_status ss__spec_claim(loader *ld, ss_param_id id, set_place place)
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
    ss__spec_fail(ld, b, "parameter '%s' is already set at line %d",
                  ss_param_info_of(id)->name, a.line);
    ss_error_hint(ld->err, "set a parameter in one place only: fixed, sweep "
                           "or derived");
    return SS_ERR_SPEC;
}

ss_status ss__spec_param_key(loader *ld, const yaml_node_t *key,
                             const yaml_node_t *val, set_kind kind,
                             ss_param_id *out)
{
    ss_status s = model_param(ld, key, out);
    if (s == SS_OK)
        s = ss__spec_claim(ld, *out,
                           (set_place){kind, node_loc(key), node_loc(val), 0,
                                       0});
    return s;
}

const char *ss__spec_value_kind(ss_param_id id)
{
    if (ss_param_info_of(id)->kind != SS_KIND_CHOICE)
        return "a number";
    return id == SS_P_input    ? "poisson or regular"
           : id == SS_P_method ? "euler or exact"
                               : "binned or continuous";
}

/* ---- the text around libyaml ------------------------------------------ */

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

ss_status ss__spec_yaml_failure(loader *ld, const yaml_parser_t *ps)
{
    const ss_spec *spec = ld->spec;
    if (ps->error == YAML_MEMORY_ERROR)
        return ss__spec_nomem(ld);
    loc at;
    if (ps->error == YAML_READER_ERROR)
        at = offset_loc(spec->text, spec->len, ps->problem_offset);
    else
        at = (loc){(int)ps->problem_mark.line + 1,
                   (int)ps->problem_mark.column + 1};
    const char *problem = ps->problem ? ps->problem : "unreadable text";
    if (ps->context)
        ss__spec_fail(ld, at, "invalid YAML: %s (%s)", problem, ps->context);
    else
        ss__spec_fail(ld, at, "invalid YAML: %s", problem);
    if (ps->error != YAML_READER_ERROR &&
        char_at(spec->text, spec->len, at) == '\t')
        ss_error_hint(ld->err, "YAML indents with spaces, not tabs");
    else if (ps->context && ps->context_mark.line != ps->problem_mark.line)
        ss_error_hint(ld->err, "the %s began at line %d",
                      construct_of(ps->context),
                      (int)ps->context_mark.line + 1);
    return SS_ERR_SPEC;
}

/* libyaml turns "\0" in a double-quoted scalar into a NUL the C strings
 * of the rest of the loader would cut at. */
ss_status ss__spec_check_nul(loader *ld)
{
    for (yaml_node_t *n = ld->doc->nodes.start; n < ld->doc->nodes.top; n++)
        if (n->type == YAML_SCALAR_NODE &&
            strlen(text_of(n)) != n->data.scalar.length)
            return ss__spec_fail(ld, node_loc(n),
                                 "a NUL character is not allowed in "
                                 "a spec");
    return SS_OK;
}

/* The tag as written: libyaml resolves the secondary handle !! to
 * tag:yaml.org,2002:, which no one types. */
static void tag_as_written(const char *tag, char *buf, size_t size)
{
    static const char yaml_org[] = "tag:yaml.org,2002:";
    if (!strncmp(tag, yaml_org, sizeof yaml_org - 1))
        snprintf(buf, size, "!!%.60s", tag + sizeof yaml_org - 1);
    else
        snprintf(buf, size, "%.60s", tag);
}

/* The document API gives an untagged node its default tag, the same as an
 * explicit !!str, !!seq or !!map: only the events tell them apart. So
 * the text is read again as events, up to the end of the first document,
 * which libyaml has already loaded without error. */
ss_status ss__spec_check_tags(loader *ld)
{
    yaml_parser_t ps;
    if (!yaml_parser_initialize(&ps))
        return ss__spec_nomem(ld);
    yaml_parser_set_input_string(&ps, (const unsigned char *)ld->spec->text,
                                 ld->spec->len);
    ss_status s = SS_OK;
    for (bool more = true; more && s == SS_OK;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&ps, &ev)) {
            s = ss__spec_yaml_failure(ld, &ps);
            break;
        }
        const yaml_char_t *tag = NULL;
        if (ev.type == YAML_SCALAR_EVENT)
            tag = ev.data.scalar.tag;
        else if (ev.type == YAML_SEQUENCE_START_EVENT)
            tag = ev.data.sequence_start.tag;
        else if (ev.type == YAML_MAPPING_START_EVENT)
            tag = ev.data.mapping_start.tag;
        more = ev.type != YAML_DOCUMENT_END_EVENT &&
               ev.type != YAML_STREAM_END_EVENT;
        if (tag) {
            char written[80];
            tag_as_written((const char *)tag, written, sizeof written);
            s = ss__spec_fail(ld,
                              (loc){(int)ev.start_mark.line + 1,
                                    (int)ev.start_mark.column + 1},
                              "unsupported YAML tag '%s': a spec takes no "
                              "tags",
                              written);
            ss_error_hint(ld->err, "remove the tag: a value's type comes "
                                   "from where it stands in the spec");
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&ps);
    return s;
}

/* Refuses flow collections nested deeper than SPEC_MAX_FLOW_DEPTH, at the
 * bracket that goes too deep: quotes and comments are skipped, brackets
 * counted. */
ss_status ss__spec_check_nesting(loader *ld)
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
                return ss__spec_fail(ld, (loc){line, column},
                                     "lists and mappings nested deeper than %d "
                                     "levels",
                                     SPEC_MAX_FLOW_DEPTH);
        } else if ((ch == ']' || ch == '}') && depth > 0) {
            depth--;
        }
    }
    return SS_OK;
}
