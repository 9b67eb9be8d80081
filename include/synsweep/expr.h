/* Arithmetic expressions of the spec's `derived` section:
 * numbers, names, + - * / ^ (right-associative power), unary minus and
 * parentheses. Parsed once, evaluated per trial. Pure: no I/O, no global
 * state; a parsed expression is read-only, so several threads may
 * evaluate it at once. */
#ifndef SYNSWEEP_EXPR_H
#define SYNSWEEP_EXPR_H

#include <stdbool.h>
#include <stddef.h>

#include "synsweep/status.h"

/* A parsed expression: opaque, owns all it holds (it keeps no pointer to
 * the text, the callbacks or ctx). */
typedef struct ss_expr ss_expr;

/* Parses text. Each name is looked up with resolve(name, ctx), which
 * returns a slot index >= 0 (the index evaluation reads from vars[]) or -1
 * for an unknown name. On a syntax error or an unknown name returns
 * SS_ERR_SPEC with err->column set to the 1-based column of the offending
 * character within text (err->line left 0) and, for an unknown name,
 * err->hint from suggest(name, ctx) when that returns non-NULL (copied);
 * SS_ERR_NOMEM when out of memory. resolve and suggest are called during
 * the parse only. On success the caller owns *out: free with
 * ss_expr_free. On failure *out is NULL and nothing leaks. */
ss_status ss_expr_parse(const char *text,
                        int (*resolve)(const char *name, void *ctx),
                        const char *(*suggest)(const char *name, void *ctx),
                        void *ctx, ss_expr **out, ss_error *err);

/* Frees e; NULL is fine. */
void ss_expr_free(ss_expr *e);

/* The value with slot i holding vars[i] (vars must cover every slot the
 * expression reads). IEEE semantics (x/0 is inf). No allocation. */
double ss_expr_eval(const ss_expr *e, const double *vars);

/* The distinct slots the expression reads, in first-use order; returns
 * their number and writes at most max of them into slots (the caller's). */
size_t ss_expr_slots(const ss_expr *e, int *slots, size_t max);

/* Whether a and b compute the same thing the same way: the same
 * operations in the same order on the same numbers (bit for bit) and
 * slots, whatever the blanks, parentheses and spelling of numbers of their
 * texts ("(x*2)" and "x * 2.0" are equal; "2 * x" is not, nor is "x + x":
 * operand order counts). A slot s of a reads as map[s] when map is not
 * NULL and s < map_len (as s otherwise), so expressions of two lookups
 * can be compared. Allocates nothing; reads both only. */
bool ss_expr_equal(const ss_expr *a, const ss_expr *b, const int *map,
                   size_t map_len);

#endif
