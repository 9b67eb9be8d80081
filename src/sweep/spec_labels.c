/* A zip axis' labels: `regime: {labels: [depressing, facilitating], zip:
 * {...}}` names its values, which the results file then holds as the
 * axis' coordinate (strings) instead of the index 0..n-1. */
#include "spec_yaml.h"

#include <stdlib.h>
#include <string.h>

/* Control characters (C0, DEL, C1) would garble a legend, a CSV row or a
 * line of ncdump; libyaml has already refused text that is not UTF-8. */
static bool has_control(const char *s)
{
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c < 0x20 || *c == 0x7F ||
            (*c == 0xC2 && c[1] >= 0x80 && c[1] <= 0x9F))
            return true;
    return false;
}

/* Labels sorted by text, then by place: a duplicate is a neighbour. */
typedef struct entry {
    const char *text;
    size_t i;
} entry;

static int by_text_then_place(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    int c = strcmp(x->text, y->text);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* The first label, in the order written, that repeats an earlier one (n
 * when none): sorted, not compared pairwise, since a zip may be long. */
static ss_status first_repeat(loader *ld, const yaml_node_t *list, size_t n,
                              size_t *at, size_t *first)
{
    entry *e = malloc(n * sizeof *e);
    if (!e)
        return ss__spec_nomem(ld);
    for (size_t i = 0; i < n; i++)
        e[i] = (entry){text_of(seq_item(ld, list, i)), i};
    qsort(e, n, sizeof *e, by_text_then_place);
    *at = n;
    size_t group = 0; /* where the run of equal texts starts */
    for (size_t k = 1; k < n; k++) {
        if (strcmp(e[k].text, e[group].text)) {
            group = k;
        } else if (e[k].i < *at) {
            *at = e[k].i;
            *first = e[group].i;
        }
    }
    free(e);
    return SS_OK;
}

ss_status ss__spec_read_labels(loader *ld, spec_axis *ax,
                               const yaml_node_t *list)
{
    const char *axis = ax->pub.name;
    size_t n = ax->pub.n;
    char buf[96];
    if (list->type != YAML_SEQUENCE_NODE)
        return ss__spec_fail(ld, node_loc(list),
                             "labels of axis '%s' take a list of names, "
                             "got %s",
                             axis, ss__spec_what(list, buf, sizeof buf));
    if (seq_len(list) != n)
        return ss__spec_fail(ld, node_loc(list),
                             "axis '%s' has %zu value%s and %zu label%s",
                             axis, n, n == 1 ? "" : "s", seq_len(list),
                             seq_len(list) == 1 ? "" : "s");
    for (size_t i = 0; i < n; i++) {
        const yaml_node_t *e = seq_item(ld, list, i);
        if (e->type != YAML_SCALAR_NODE || ss__spec_is_null(e) ||
            !*text_of(e))
            return ss__spec_fail(ld, node_loc(e),
                                 "expected a non-empty string as a label of "
                                 "axis '%s', got %s",
                                 axis, ss__spec_what(e, buf, sizeof buf));
        if (has_control(text_of(e)))
            return ss__spec_fail(ld, node_loc(e),
                                 "a label of axis '%s' must not hold control "
                                 "characters",
                                 axis);
    }
    size_t at = n, first = 0;
    ss_status s = first_repeat(ld, list, n, &at, &first);
    if (s != SS_OK)
        return s;
    if (at < n) {
        const yaml_node_t *e = seq_item(ld, list, at);
        return ss__spec_fail(ld, node_loc(e),
                             "label '%s' of axis '%s' is given twice (first "
                             "at line %d, column %d)",
                             text_of(e), axis,
                             node_loc(seq_item(ld, list, first)).line,
                             node_loc(seq_item(ld, list, first)).column);
    }
    ax->pub.labels = calloc(n, sizeof *ax->pub.labels);
    if (!ax->pub.labels)
        return ss__spec_nomem(ld);
    for (size_t i = 0; i < n; i++)
        if (!(ax->pub.labels[i] =
                  ss__spec_strdup(text_of(seq_item(ld, list, i)))))
            return ss__spec_nomem(ld);
    return SS_OK;
}
