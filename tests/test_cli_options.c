/* The program's option parser (src/cli/options.c), driven as a pure
 * function of argv and a table. */
#include "testutil.h"

#include <stdbool.h>
#include <string.h>

#include "options.h"

enum { HELP = 1, OUTPUT, JOBS, QUIET, RESUME, FORCE, SET, KERNEL };

static const cli_option table[] = {
    {HELP, 'h', "help", false, 0},
    {OUTPUT, 'o', "output", true, 0},
    {JOBS, 'j', "jobs", true, 0},
    {QUIET, 'q', "quiet", false, 0},
    {RESUME, 0, "resume", false, FORCE},
    {FORCE, 0, "force", false, 0},
    {SET, 0, "set", true, 0},
    {KERNEL, 'k', NULL, true, 0},
};
#define N_TABLE (sizeof table / sizeof table[0])

/* What one pass gave: each item's key, value and name, then the end. */
typedef struct parsed {
    int n;
    int key[16];
    const char *value[16];
    char name[16][64];
    int last; /* CLI_END or CLI_ERROR */
    char error[256];
} parsed;

static parsed parse_words(int argc, char **argv)
{
    parsed r;
    memset(&r, 0, sizeof r);
    cli_parser p;
    cli_parser_init(&p, argc, argv, table, N_TABLE);
    for (;;) {
        cli_arg a;
        int key = cli_next(&p, &a);
        assert_int_equal(key, a.key);
        if (key == CLI_END || key == CLI_ERROR) {
            r.last = key;
            strcpy(r.error, p.error);
            /* it stays there */
            assert_int_equal(cli_next(&p, &a), key);
            return r;
        }
        assert_true(r.n < 16);
        r.key[r.n] = key;
        r.value[r.n] = a.value;
        strcpy(r.name[r.n], a.name);
        r.n++;
    }
}

#define PARSE(...)                                                           \
    parse_words((int)(sizeof((char *[]){__VA_ARGS__}) / sizeof(char *)),    \
                (char *[]){__VA_ARGS__})

/* What one item must be: its key and its value (NULL: none). */
typedef struct item {
    int key;
    const char *value;
} item;

/* The pass ended well with exactly the items want[0 .. n). */
static void check_items(parsed r, const item *want, int n)
{
    assert_int_equal(r.last, CLI_END);
    assert_int_equal(r.n, n);
    for (int i = 0; i < n; i++) {
        assert_int_equal(r.key[i], want[i].key);
        if (!want[i].value) {
            assert_null(r.value[i]);
        } else {
            assert_non_null(r.value[i]);
            assert_string_equal(r.value[i], want[i].value);
        }
    }
}

#define CHECK_ITEMS(r, ...)                                                  \
    check_items((r), (const item[]){__VA_ARGS__},                            \
                (int)(sizeof((item[]){__VA_ARGS__}) / sizeof(item)))

static void options_take_values_in_every_getopt_form(void **state)
{
    (void)state;
    parsed r = PARSE("-o", "a.h5", "-ob.h5", "--output", "c.h5",
                     "--output=d.h5", "-j", "3", "-j4", "--jobs", "5",
                     "--jobs=6");
    CHECK_ITEMS(r, {OUTPUT, "a.h5"}, {OUTPUT, "b.h5"}, {OUTPUT, "c.h5"},
                {OUTPUT, "d.h5"}, {JOBS, "3"}, {JOBS, "4"}, {JOBS, "5"},
                {JOBS, "6"});
    /* the name as written, for messages */
    static const char *const names[] = {"-o", "-o", "--output", "--output",
                                        "-j", "-j", "--jobs",   "--jobs"};
    for (int i = 0; i < 8; i++)
        assert_string_equal(r.name[i], names[i]);
}

static void options_flags_short_long_and_bundled(void **state)
{
    (void)state;
    CHECK_ITEMS(PARSE("-q", "--quiet", "-qj2", "-qo", "x.h5", "-h"),
                {QUIET, NULL}, {QUIET, NULL}, {QUIET, NULL}, {JOBS, "2"},
                {QUIET, NULL}, {OUTPUT, "x.h5"}, {HELP, NULL});
}

static void options_and_arguments_come_in_any_order(void **state)
{
    (void)state;
    parsed r = PARSE("spec.yaml", "-o", "out.h5", "-", "more", "-q");
    /* a lone '-' is an argument */
    CHECK_ITEMS(r, {CLI_ARGUMENT, "spec.yaml"}, {OUTPUT, "out.h5"},
                {CLI_ARGUMENT, "-"}, {CLI_ARGUMENT, "more"}, {QUIET, NULL});
    assert_string_equal(r.name[0], "");
}

static void options_end_at_double_dash(void **state)
{
    (void)state;
    CHECK_ITEMS(PARSE("-q", "--", "-weird.yaml", "--output=x", "--", "-j"),
                {QUIET, NULL}, {CLI_ARGUMENT, "-weird.yaml"},
                {CLI_ARGUMENT, "--output=x"}, {CLI_ARGUMENT, "--"},
                {CLI_ARGUMENT, "-j"});
}

static void options_value_may_start_with_a_dash(void **state)
{
    (void)state;
    /* as getopt: the word after an option that takes a value is its value */
    CHECK_ITEMS(PARSE("--set", "-4", "-o", "--", "--jobs="), {SET, "-4"},
                {OUTPUT, "--"}, {JOBS, ""});
}

static void options_repeated_option_gives_each_in_order(void **state)
{
    (void)state;
    CHECK_ITEMS(PARSE("--set", "a=1", "-o", "x", "--set=b=2", "-o", "y"),
                {SET, "a=1"}, {OUTPUT, "x"}, {SET, "b=2"}, {OUTPUT, "y"});
}

/* The pass ended in a usage error with message after n items. */
static void check_error(parsed r, int n, const char *message)
{
    assert_int_equal(r.last, CLI_ERROR);
    assert_int_equal(r.n, n);
    assert_string_equal(r.error, message);
}

static void options_reject_unknown_options(void **state)
{
    (void)state;
    check_error(PARSE("a", "--bogus", "-q"), 1, "unknown option '--bogus'");
    check_error(PARSE("--bogus=3"), 0, "unknown option '--bogus'");
    check_error(PARSE("-weird.yaml"), 0, "unknown option '-weird.yaml'");
    check_error(PARSE("-qx"), 1, "unknown option '-x' in '-qx'");
    /* long names are written in full, and only the table's */
    check_error(PARSE("--out", "x"), 0, "unknown option '--out'");
    /* this table has -k only */
    check_error(PARSE("--kernel", "fast"), 0, "unknown option '--kernel'");
    check_error(PARSE("---quiet"), 0, "unknown option '---quiet'");
}

static void options_reject_missing_values(void **state)
{
    (void)state;
    check_error(PARSE("-q", "-o"), 1, "-o needs a value");
    check_error(PARSE("--output"), 0, "--output needs a value");
    check_error(PARSE("-qj"), 1, "-j needs a value");
    check_error(PARSE("x", "--set"), 1, "--set needs a value");
}

static void options_reject_a_value_for_a_flag(void **state)
{
    (void)state;
    check_error(PARSE("--quiet=yes"), 0,
                "--quiet takes no value (got '--quiet=yes')");
    check_error(PARSE("-h", "--help=me"), 1,
                "--help takes no value (got '--help=me')");
}

static void options_conflicts_are_found_once_argv_is_read(void **state)
{
    (void)state;
    static const char conflict[] = "--resume and --force do not go together";
    /* every word is read first: an unknown option later would win */
    check_error(PARSE("--resume", "spec.yaml", "--force"), 3, conflict);
    check_error(PARSE("--force", "--resume"), 2, conflict);
    check_error(PARSE("--resume", "--force", "--bogus"), 2,
                "unknown option '--bogus'");
    assert_int_equal(PARSE("--resume", "--resume").last, CLI_END);
    assert_int_equal(PARSE("--force").last, CLI_END);
    /* after --, they are arguments */
    assert_int_equal(PARSE("--resume", "--", "--force").last, CLI_END);
}

static void options_empty_argv_ends_at_once(void **state)
{
    (void)state;
    cli_parser p;
    cli_arg a;
    cli_parser_init(&p, 0, NULL, table, N_TABLE);
    assert_int_equal(cli_next(&p, &a), CLI_END);
    CHECK_ITEMS(PARSE(""), {CLI_ARGUMENT, ""});
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(options_take_values_in_every_getopt_form),
        cmocka_unit_test(options_flags_short_long_and_bundled),
        cmocka_unit_test(options_and_arguments_come_in_any_order),
        cmocka_unit_test(options_end_at_double_dash),
        cmocka_unit_test(options_value_may_start_with_a_dash),
        cmocka_unit_test(options_repeated_option_gives_each_in_order),
        cmocka_unit_test(options_reject_unknown_options),
        cmocka_unit_test(options_reject_missing_values),
        cmocka_unit_test(options_reject_a_value_for_a_flag),
        cmocka_unit_test(options_conflicts_are_found_once_argv_is_read),
        cmocka_unit_test(options_empty_argv_ends_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
