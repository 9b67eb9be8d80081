#include "testutil.h"

#include <string.h>

#include "synsweep/expr.h"

/* A tiny symbol table: the names tests use and their slots. */
static const char *const names[] = {"tau_ratio", "tau_d", "x", "_y2"};
#define N_NAMES (sizeof names / sizeof names[0])

static int resolve(const char *name, void *ctx)
{
    (void)ctx;
    for (size_t i = 0; i < N_NAMES; i++)
        if (strcmp(name, names[i]) == 0)
            return (int)i;
    return -1;
}

static const char *suggest(const char *name, void *ctx)
{
    (void)ctx;
    if (strcmp(name, "tau_rato") == 0)
        return "tau_ratio";
    return NULL;
}

/* tau_ratio = 0.5, tau_d = 2.385, x = -3, _y2 = 7 */
static const double vars[N_NAMES] = {0.5, 2.385, -3.0, 7.0};

static double eval(const char *text)
{
    ss_expr *e = NULL;
    ss_error err;
    ss_error_clear(&err);
    ss_status s = ss_expr_parse(text, resolve, suggest, NULL, &e, &err);
    if (s != SS_OK) {
        print_error("'%s' failed to parse: %d:%s\n", text, err.column,
                    err.message);
        fail();
    }
    double v = ss_expr_eval(e, vars);
    ss_expr_free(e);
    return v;
}

static void expr_evaluates_numbers_and_names(void **state)
{
    (void)state;
    assert_close(eval("300 * tau_ratio"), 150.0, 0, 0);
    assert_close(eval("500*tau_ratio"), 250.0, 0, 0);
    assert_close(eval("0.05 * tau_d"), 0.05 * 2.385, 1e-15, 0);
    assert_close(eval("  42  "), 42.0, 0, 0);
    assert_close(eval("1e-3"), 0.001, 0, 0);
    assert_close(eval(".5"), 0.5, 0, 0);
    assert_close(eval("2.5E+2"), 250.0, 0, 0);
    assert_close(eval("_y2"), 7.0, 0, 0);
    assert_close(eval("x"), -3.0, 0, 0);
}

static void expr_follows_the_precedence_of_mathematics(void **state)
{
    (void)state;
    assert_close(eval("1 + 2 * 3"), 7.0, 0, 0);
    assert_close(eval("(1 + 2) * 3"), 9.0, 0, 0);
    assert_close(eval("10 - 4 - 3"), 3.0, 0, 0);   /* (10 - 4) - 3 */
    assert_close(eval("48 / 4 / 2"), 6.0, 0, 0);   /* (48 / 4) / 2 */
    assert_close(eval("2 * 3 ^ 2"), 18.0, 0, 0);   /* 2 * 9 */
    assert_close(eval("2 ^ 3 ^ 2"), 512.0, 0, 0);  /* 2 ^ 9 */
    assert_close(eval("(2 ^ 3) ^ 2"), 64.0, 0, 0);
    assert_close(eval("-2 ^ 2"), -4.0, 0, 0);      /* -(2 ^ 2) */
    assert_close(eval("(-2) ^ 2"), 4.0, 0, 0);
    assert_close(eval("2 ^ -1"), 0.5, 0, 0);
    assert_close(eval("2 ^ -x"), 8.0, 0, 0);       /* x = -3 */
    assert_close(eval("--3"), 3.0, 0, 0);
    assert_close(eval("+-+3"), -3.0, 0, 0);
    assert_close(eval("-x * 2"), 6.0, 0, 0);
    assert_close(eval("1 - -1"), 2.0, 0, 0);
    assert_close(eval("4 ^ 0.5 * 3"), 6.0, 0, 0);
    assert_close(eval("2 * (tau_d + 1) - tau_d / 2"),
                 2 * (2.385 + 1) - 2.385 / 2, 1e-15, 0);
    assert_close(eval("((((tau_ratio))))"), 0.5, 0, 0);
}

static void expr_division_by_zero_is_ieee(void **state)
{
    (void)state;
    assert_true(isinf(eval("1/0")) && eval("1/0") > 0);
    assert_true(isinf(eval("-1/0")) && eval("-1/0") < 0);
    assert_true(isnan(eval("0/0")));
}

static void expr_lists_its_slots_once_in_first_use_order(void **state)
{
    (void)state;
    ss_expr *e = NULL;
    ss_error err;
    assert_int_equal(ss_expr_parse("x * tau_d + x / tau_ratio - tau_d",
                                   resolve, suggest, NULL, &e, &err),
                     SS_OK);
    int slots[8];
    assert_int_equal(ss_expr_slots(e, slots, 8), 3);
    assert_int_equal(slots[0], 2);
    assert_int_equal(slots[1], 1);
    assert_int_equal(slots[2], 0);
    /* max limits what is written, not what is counted */
    slots[1] = -7;
    assert_int_equal(ss_expr_slots(e, slots, 1), 3);
    assert_int_equal(slots[0], 2);
    assert_int_equal(slots[1], -7);
    ss_expr_free(e);

    assert_int_equal(ss_expr_parse("3 * 4", resolve, suggest, NULL, &e, &err),
                     SS_OK);
    assert_int_equal(ss_expr_slots(e, slots, 8), 0);
    ss_expr_free(e);
    ss_expr_free(NULL);
}

static void parse_fails(const char *text, int column, const char *needle,
                        const char *hint)
{
    ss_expr *e = (ss_expr *)&e; /* must come back NULL */
    ss_error err;
    ss_error_clear(&err);
    assert_int_equal(ss_expr_parse(text, resolve, suggest, NULL, &e, &err),
                     SS_ERR_SPEC);
    assert_null(e);
    if (err.column != column || !strstr(err.message, needle)) {
        print_error("'%s': got %d: %s, expected %d: ...%s...\n", text,
                    err.column, err.message, column, needle);
        fail();
    }
    assert_int_equal(err.line, 0);
    if (hint) {
        assert_string_equal(err.hint, hint);
    } else if (err.hint[0]) {
        print_error("'%s': unexpected hint '%s'\n", text, err.hint);
        fail();
    }
}

static void expr_reports_every_error_at_its_column(void **state)
{
    (void)state;
    parse_fails("", 1, "empty expression", NULL);
    parse_fails("   ", 1, "empty expression", NULL);
    parse_fails("300 * tau_rato", 7, "unknown name 'tau_rato' in expression",
                "did you mean 'tau_ratio'?");
    parse_fails("frobnicate", 1, "unknown name 'frobnicate'", NULL);
    parse_fails("2 *", 4,
                "expected a number, a name or '(' after '*', got the end of "
                "the expression",
                NULL);
    parse_fails("2 * * 3", 5, "expected a number, a name or '(' after '*'",
                NULL);
    parse_fails("(2 + )", 6,
                "expected a number, a name or '(' after '+', got ')'", NULL);
    parse_fails("()", 2, "expected a number, a name or '(' after '('", NULL);
    parse_fails("* 3", 1,
                "expected a number, a name or '(' at the start of the "
                "expression",
                NULL);
    parse_fails("2 ^", 4, "after '^'", NULL);
    parse_fails("-", 2, "after '-'", NULL);
    parse_fails("1 + 2)", 6, "unbalanced ')'", NULL);
    parse_fails("(1 + 2))", 8, "unbalanced ')'", NULL);
    parse_fails("(1 + 2", 7,
                "expected ')' to close the '(' at column 1, got the end of "
                "the expression",
                NULL);
    parse_fails("2 * (x (", 8, "expected ')' to close the '(' at column 5",
                NULL);
    parse_fails("2 x", 3, "unexpected 'x' after the end of the expression",
                NULL);
    parse_fails("2 3", 3, "unexpected '3' after the end of the expression",
                NULL);
    parse_fails("tau_d $ 2", 7, "unexpected '$'", NULL);
    parse_fails("2 % 3", 3, "unexpected '%'", NULL);
    parse_fails("1.5.5", 4, "unexpected '.'", NULL);
    parse_fails("1e999", 1, "number out of range", NULL);
    parse_fails("#", 1, "got '#'", NULL);
    parse_fails("2 \xc3\x97 3", 3,
                "unexpected '\xc3\x97' after the end of the expression", NULL);
    parse_fails("2 *\x01", 4, "got a control character (0x01)", NULL);
}

static void expr_limits_nesting_instead_of_overflowing(void **state)
{
    (void)state;
    char text[1024];
    /* 300 opening parentheses: refused, not a stack overflow */
    memset(text, '(', 300);
    strcpy(text + 300, "1");
    ss_expr *e = NULL;
    ss_error err;
    ss_error_clear(&err);
    assert_int_equal(ss_expr_parse(text, resolve, suggest, NULL, &e, &err),
                     SS_ERR_SPEC);
    assert_null(e);
    assert_non_null(strstr(err.message, "nested too deeply"));

    /* 2^2^...^2 needs one stack slot per power */
    size_t n = 0;
    for (int i = 0; i < 80; i++)
        n += (size_t)sprintf(text + n, "1^");
    strcpy(text + n, "1");
    assert_int_equal(ss_expr_parse(text, resolve, suggest, NULL, &e, &err),
                     SS_ERR_SPEC);
    assert_non_null(strstr(err.message, "nested too deeply"));

    /* a long flat sum is fine however long */
    n = 0;
    for (int i = 0; i < 300; i++)
        n += (size_t)sprintf(text + n, "1+");
    strcpy(text + n, "1");
    assert_close(eval(text), 301.0, 0, 0);
}

static void expr_parse_without_resolver_knows_no_names(void **state)
{
    (void)state;
    ss_expr *e = NULL;
    ss_error err;
    ss_error_clear(&err);
    assert_int_equal(ss_expr_parse("2 * x", NULL, NULL, NULL, &e, &err),
                     SS_ERR_SPEC);
    assert_int_equal(err.column, 5);
    assert_int_equal(ss_expr_parse("2 ^ 10", NULL, NULL, NULL, &e, NULL),
                     SS_OK);
    assert_close(ss_expr_eval(e, NULL), 1024.0, 0, 0);
    ss_expr_free(e);
}

static ss_expr *parse(const char *text)
{
    ss_expr *e = NULL;
    assert_int_equal(ss_expr_parse(text, resolve, suggest, NULL, &e, NULL),
                     SS_OK);
    return e;
}

/* equal: whether a and b should be the same program under map */
static void assert_expr_equal(const char *a, const char *b, const int *map,
                              size_t map_len, bool equal)
{
    ss_expr *x = parse(a), *y = parse(b);
    if (ss_expr_equal(x, y, map, map_len) != equal) {
        print_error("'%s' and '%s': expected %s\n", a, b,
                    equal ? "equal" : "different");
        fail();
    }
    ss_expr_free(x);
    ss_expr_free(y);
}

static void expr_equal_compares_programs_not_texts(void **state)
{
    (void)state;
    assert_expr_equal("300 * tau_ratio", "300*tau_ratio", NULL, 0, true);
    assert_expr_equal("((3e2) * (tau_ratio))", "300.0*tau_ratio", NULL, 0,
                      true);
    assert_expr_equal("+x - 2", "x-2.", NULL, 0, true);
    assert_expr_equal("x ^ 2 ^ 3", "x^(2^3)", NULL, 0, true);
    /* another number, operation, name or order */
    assert_expr_equal("300 * tau_ratio", "301 * tau_ratio", NULL, 0, false);
    assert_expr_equal("300 * tau_ratio", "300 / tau_ratio", NULL, 0, false);
    assert_expr_equal("300 * tau_ratio", "300 * tau_d", NULL, 0, false);
    assert_expr_equal("300 * tau_ratio", "tau_ratio * 300", NULL, 0, false);
    assert_expr_equal("(x ^ 2) ^ 3", "x ^ 2 ^ 3", NULL, 0, false);
    assert_expr_equal("-x", "x", NULL, 0, false);
    assert_expr_equal("x", "x + 0", NULL, 0, false);
    /* slots of another lookup: a's x (2) is b's _y2 (3) */
    static const int map[] = {0, 1, 3, 2};
    assert_expr_equal("2 * x", "2 * _y2", map, 4, true);
    assert_expr_equal("2 * x", "2 * x", map, 4, false);
    assert_expr_equal("2 * x", "2 * x", map, 2, true); /* x beyond map */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(expr_evaluates_numbers_and_names),
        cmocka_unit_test(expr_follows_the_precedence_of_mathematics),
        cmocka_unit_test(expr_division_by_zero_is_ieee),
        cmocka_unit_test(expr_lists_its_slots_once_in_first_use_order),
        cmocka_unit_test(expr_reports_every_error_at_its_column),
        cmocka_unit_test(expr_limits_nesting_instead_of_overflowing),
        cmocka_unit_test(expr_parse_without_resolver_knows_no_names),
        cmocka_unit_test(expr_equal_compares_programs_not_texts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
