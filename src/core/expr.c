#include "synsweep/expr.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The parsed expression is a postfix program: evaluation is one loop over
 * it with a small stack, no recursion and no allocation. */
typedef enum op_kind {
    OP_NUM,
    OP_VAR,
    OP_NEG,
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_POW
} op_kind;

typedef struct op {
    op_kind kind;
    int slot;
    double num;
} op;

/* Deep enough for any expression a person writes; the limits keep the
 * parser's recursion and the evaluation stack bounded. */
#define EXPR_MAX_STACK 64
#define EXPR_MAX_NESTING 100

struct ss_expr {
    size_t n;
    op *ops;
};

typedef struct parser {
    const char *text;
    size_t pos;
    op *ops;
    size_t n, cap;
    size_t sp, max_sp; /* evaluation stack depth the program reaches */
    int nesting;
    int (*resolve)(const char *name, void *ctx);
    const char *(*suggest)(const char *name, void *ctx);
    void *ctx;
    ss_error *err;
} parser;

/* ASCII classes: <ctype.h> would follow the locale. */
static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static ss_status parse_expr(parser *p);
static ss_status parse_unary(parser *p);

/* Every syntax error: msg at the 0-based byte offset at. */
static ss_status fail(parser *p, size_t at, const char *msg)
{
    return ss_error_set_at(p->err, SS_ERR_SPEC, NULL, 0, (int)at + 1, "%s",
                           msg);
}

static void skip_space(parser *p)
{
    while (is_space(p->text[p->pos]))
        p->pos++;
}

static ss_status emit(parser *p, op o)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 16;
        op *ops = realloc(p->ops, cap * sizeof *ops);
        if (!ops)
            return ss_error_set(p->err, SS_ERR_NOMEM,
                                "out of memory parsing an expression");
        p->ops = ops;
        p->cap = cap;
    }
    p->ops[p->n++] = o;
    if (o.kind == OP_NUM || o.kind == OP_VAR) {
        if (++p->sp > p->max_sp)
            p->max_sp = p->sp;
        if (p->max_sp > EXPR_MAX_STACK)
            return fail(p, p->pos, "expression is nested too deeply");
    } else if (o.kind != OP_NEG) {
        p->sp--;
    }
    return SS_OK;
}

/* What the parser just read, for "expected ... after X". */
static void describe_before(const parser *p, size_t at, char *buf,
                            size_t size)
{
    size_t i = at;
    while (i > 0 && is_space(p->text[i - 1]))
        i--;
    if (i == 0)
        snprintf(buf, size, "at the start of the expression");
    else
        snprintf(buf, size, "after '%c'", p->text[i - 1]);
}

/* The character at p->pos as a message shows it: a UTF-8 sequence whole,
 * a control character by its code. */
static void describe_char(const parser *p, char *buf, size_t size)
{
    const unsigned char *c = (const unsigned char *)p->text + p->pos;
    size_t len = 1;
    if (*c == '\0') {
        snprintf(buf, size, "the end of the expression");
    } else if (*c < 0x20 || *c == 0x7f) {
        snprintf(buf, size, "a control character (0x%02x)", *c);
    } else {
        while (*c >= 0x80 && len < 4 && (c[len] & 0xC0) == 0x80)
            len++;
        snprintf(buf, size, "'%.*s'", (int)len, (const char *)c);
    }
}

static ss_status parse_name(parser *p)
{
    size_t start = p->pos;
    while (is_name_start(p->text[p->pos]) || is_digit(p->text[p->pos]))
        p->pos++;
    size_t len = p->pos - start;
    char *name = malloc(len + 1);
    if (!name)
        return ss_error_set(p->err, SS_ERR_NOMEM,
                            "out of memory parsing an expression");
    memcpy(name, p->text + start, len);
    name[len] = '\0';
    int slot = p->resolve ? p->resolve(name, p->ctx) : -1;
    if (slot < 0) {
        char msg[256];
        snprintf(msg, sizeof msg, "unknown name '%.200s' in expression", name);
        fail(p, start, msg);
        const char *near = p->suggest ? p->suggest(name, p->ctx) : NULL;
        if (near)
            ss_error_hint(p->err, "did you mean '%s'?", near);
        free(name);
        return SS_ERR_SPEC;
    }
    free(name);
    return emit(p, (op){OP_VAR, slot, 0.0});
}

static ss_status parse_number(parser *p)
{
    size_t start = p->pos;
    char *end = NULL;
    double v = strtod(p->text + start, &end);
    if (isinf(v))
        return fail(p, start, "number out of range in expression");
    p->pos = (size_t)(end - p->text);
    return emit(p, (op){OP_NUM, -1, v});
}

/* atom := number | name | '(' expr ')' */
static ss_status parse_atom(parser *p)
{
    skip_space(p);
    const char *s = p->text + p->pos;
    if (is_digit(s[0]) || (s[0] == '.' && is_digit(s[1])))
        return parse_number(p);
    if (is_name_start(s[0]))
        return parse_name(p);
    if (s[0] == '(') {
        size_t open = p->pos++;
        if (++p->nesting > EXPR_MAX_NESTING)
            return fail(p, open, "expression is nested too deeply");
        ss_status st = parse_expr(p);
        p->nesting--;
        if (st != SS_OK)
            return st;
        skip_space(p);
        if (p->text[p->pos] != ')') {
            char got[64], msg[160];
            describe_char(p, got, sizeof got);
            snprintf(msg, sizeof msg,
                     "expected ')' to close the '(' at column %zu, got %s",
                     open + 1, got);
            return fail(p, p->pos, msg);
        }
        p->pos++;
        return SS_OK;
    }
    char before[64], got[64], msg[192];
    describe_before(p, p->pos, before, sizeof before);
    describe_char(p, got, sizeof got);
    snprintf(msg, sizeof msg, "expected a number, a name or '(' %s, got %s",
             before, got);
    return fail(p, p->pos, msg);
}

/* power := atom ('^' unary)?   right-associative: 2^3^2 = 2^9 */
static ss_status parse_power(parser *p)
{
    ss_status st = parse_atom(p);
    if (st != SS_OK)
        return st;
    skip_space(p);
    if (p->text[p->pos] != '^')
        return SS_OK;
    p->pos++;
    st = parse_unary(p);
    return st != SS_OK ? st : emit(p, (op){OP_POW, -1, 0.0});
}

/* unary := '-' unary | '+' unary | power   so -2^2 = -(2^2) */
static ss_status parse_unary(parser *p)
{
    skip_space(p);
    char c = p->text[p->pos];
    if (c != '-' && c != '+')
        return parse_power(p);
    size_t at = p->pos++;
    if (++p->nesting > EXPR_MAX_NESTING)
        return fail(p, at, "expression is nested too deeply");
    ss_status st = parse_unary(p);
    p->nesting--;
    if (st != SS_OK || c == '+')
        return st;
    return emit(p, (op){OP_NEG, -1, 0.0});
}

/* term := unary (('*' | '/') unary)* */
static ss_status parse_term(parser *p)
{
    ss_status st = parse_unary(p);
    while (st == SS_OK) {
        skip_space(p);
        char c = p->text[p->pos];
        if (c != '*' && c != '/')
            break;
        p->pos++;
        st = parse_unary(p);
        if (st == SS_OK)
            st = emit(p, (op){c == '*' ? OP_MUL : OP_DIV, -1, 0.0});
    }
    return st;
}

/* expr := term (('+' | '-') term)* */
static ss_status parse_expr(parser *p)
{
    ss_status st = parse_term(p);
    while (st == SS_OK) {
        skip_space(p);
        char c = p->text[p->pos];
        if (c != '+' && c != '-')
            break;
        p->pos++;
        st = parse_term(p);
        if (st == SS_OK)
            st = emit(p, (op){c == '+' ? OP_ADD : OP_SUB, -1, 0.0});
    }
    return st;
}

ss_status ss_expr_parse(const char *text,
                        int (*resolve)(const char *name, void *ctx),
                        const char *(*suggest)(const char *name, void *ctx),
                        void *ctx, ss_expr **out, ss_error *err)
{
    *out = NULL;
    parser p = {.text = text, .resolve = resolve, .suggest = suggest,
                .ctx = ctx, .err = err};
    skip_space(&p);
    if (text[p.pos] == '\0')
        return fail(&p, 0, "empty expression");
    ss_status st = parse_expr(&p);
    if (st == SS_OK) {
        skip_space(&p);
        char c = text[p.pos];
        if (c == ')') {
            st = fail(&p, p.pos, "unbalanced ')'");
        } else if (c != '\0') {
            char got[64], msg[128];
            describe_char(&p, got, sizeof got);
            snprintf(msg, sizeof msg,
                     "unexpected %s after the end of the expression", got);
            st = fail(&p, p.pos, msg);
        }
    }
    ss_expr *e = st == SS_OK ? malloc(sizeof *e) : NULL;
    if (st == SS_OK && !e)
        st = ss_error_set(err, SS_ERR_NOMEM,
                          "out of memory parsing an expression");
    if (st != SS_OK) {
        free(p.ops);
        return st;
    }
    e->n = p.n;
    e->ops = p.ops;
    *out = e;
    return SS_OK;
}

void ss_expr_free(ss_expr *e)
{
    if (!e)
        return;
    free(e->ops);
    free(e);
}

double ss_expr_eval(const ss_expr *e, const double *vars)
{
    double stack[EXPR_MAX_STACK];
    size_t sp = 0;
    for (size_t i = 0; i < e->n; i++) {
        const op *o = &e->ops[i];
        switch (o->kind) {
        case OP_NUM:
            stack[sp++] = o->num;
            break;
        case OP_VAR:
            stack[sp++] = vars[o->slot];
            break;
        case OP_NEG:
            stack[sp - 1] = -stack[sp - 1];
            break;
        default: {
            double b = stack[--sp];
            double a = stack[sp - 1];
            double r;
            if (o->kind == OP_ADD)
                r = a + b;
            else if (o->kind == OP_SUB)
                r = a - b;
            else if (o->kind == OP_MUL)
                r = a * b;
            else if (o->kind == OP_DIV)
                r = a / b;
            else
                r = pow(a, b);
            stack[sp - 1] = r;
        }
        }
    }
    return sp == 1 ? stack[0] : NAN;
}

size_t ss_expr_slots(const ss_expr *e, int *slots, size_t max)
{
    size_t count = 0;
    for (size_t i = 0; i < e->n; i++) {
        if (e->ops[i].kind != OP_VAR)
            continue;
        int s = e->ops[i].slot;
        bool seen = false;
        /* Distinctness is judged on the full list, written or not. */
        for (size_t j = 0; j < i && !seen; j++)
            seen = e->ops[j].kind == OP_VAR && e->ops[j].slot == s;
        if (seen)
            continue;
        if (count < max)
            slots[count] = s;
        count++;
    }
    return count;
}

bool ss_expr_equal(const ss_expr *a, const ss_expr *b, const int *map,
                   size_t map_len)
{
    if (a->n != b->n)
        return false;
    /* the postfix program holds no parentheses, blanks or digits as typed */
    for (size_t i = 0; i < a->n; i++) {
        const op *x = &a->ops[i], *y = &b->ops[i];
        if (x->kind != y->kind)
            return false;
        if (x->kind == OP_NUM && memcmp(&x->num, &y->num, sizeof x->num))
            return false;
        if (x->kind == OP_VAR) {
            int s = x->slot;
            if (map && s >= 0 && (size_t)s < map_len)
                s = map[s];
            if (s != y->slot)
                return false;
        }
    }
    return true;
}
