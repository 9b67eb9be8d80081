#include "testutil.h"

#include <string.h>

#include "synsweep/status.h"

static void status_exit_codes_follow_the_table(void **state)
{
    (void)state;
    assert_int_equal(ss_status_exit_code(SS_OK), 0);
    assert_int_equal(ss_status_exit_code(SS_ERR_USAGE), 2);
    assert_int_equal(ss_status_exit_code(SS_ERR_PARAM), 2);
    assert_int_equal(ss_status_exit_code(SS_ERR_SPEC), 2);
    assert_int_equal(ss_status_exit_code(SS_ERR_IO), 1);
    assert_int_equal(ss_status_exit_code(SS_ERR_INTR), 130);
    assert_string_equal(ss_status_name(SS_ERR_PARAM), "SS_ERR_PARAM");
    assert_string_equal(ss_status_name((ss_status)999), "SS_?");
    assert_int_equal(ss_status_exit_code((ss_status)999), 1);
}

static void error_set_formats_and_returns_the_code(void **state)
{
    (void)state;
    ss_error err;
    ss_error_clear(&err);
    assert_int_equal(ss_error_set(&err, SS_ERR_PARAM, "dt must be > 0 (got %g)",
                                  -0.25),
                     SS_ERR_PARAM);
    assert_int_equal(err.code, SS_ERR_PARAM);
    assert_string_equal(err.message, "dt must be > 0 (got -0.25)");
    ss_error_hint(&err, "did you mean '%s'?", "tau_m");
    assert_string_equal(err.hint, "did you mean 'tau_m'?");
    /* a new error clears the old hint */
    ss_error_set(&err, SS_ERR_IO, "x");
    assert_string_equal(err.hint, "");
}

/* err holds exactly this error, with no hint. */
static void error_is(const ss_error *err, ss_status code, const char *file,
                     int line, int column, const char *message)
{
    assert_int_equal(err->code, code);
    assert_string_equal(err->file, file);
    assert_int_equal(err->line, line);
    assert_int_equal(err->column, column);
    assert_string_equal(err->message, message);
    assert_string_equal(err->hint, "");
}

static void error_set_at_records_message_and_place_together(void **state)
{
    (void)state;
    ss_error err;
    ss_error_clear(&err);
    assert_int_equal(ss_error_set_at(&err, SS_ERR_SPEC, "sweeps/x.yaml", 12,
                                     9, "dt must be > 0 (got %g)", -0.125),
                     SS_ERR_SPEC);
    error_is(&err, SS_ERR_SPEC, "sweeps/x.yaml", 12, 9,
             "dt must be > 0 (got -0.125)");

    /* a second error replaces every field, the hint included */
    ss_error_hint(&err, "did you mean '%s'?", "tau_m");
    ss_error_set_at(&err, SS_ERR_PARAM, "b.yaml", 3, 27, "%s", "y");
    error_is(&err, SS_ERR_PARAM, "b.yaml", 3, 27, "y");

    /* no file: "" and the place as given */
    ss_error_set_at(&err, SS_ERR_SPEC, NULL, 0, 5, "%s", "z");
    error_is(&err, SS_ERR_SPEC, "", 0, 5, "z");

    /* the file's own name passed back in keeps it */
    ss_error_set_at(&err, SS_ERR_SPEC, "c.yaml", 7, 2, "%s", "w");
    ss_error_set_at(&err, SS_ERR_SPEC, err.file, 8, 3, "%s", "v");
    error_is(&err, SS_ERR_SPEC, "c.yaml", 8, 3, "v");
}

static void error_set_clears_an_earlier_place(void **state)
{
    (void)state;
    ss_error err;
    ss_error_clear(&err);
    ss_error_set_at(&err, SS_ERR_SPEC, "sweeps/x.yaml", 12, 9, "%s", "old");
    ss_error_hint(&err, "%s", "an old hint");
    assert_int_equal(ss_error_set(&err, SS_ERR_IO, "cannot write '%s'",
                                  "out.h5"),
                     SS_ERR_IO);
    error_is(&err, SS_ERR_IO, "", 0, 0, "cannot write 'out.h5'");
}

static void error_null_is_allowed(void **state)
{
    (void)state;
    assert_int_equal(ss_error_set(NULL, SS_ERR_NOMEM, "%s", "no"),
                     SS_ERR_NOMEM);
    assert_int_equal(ss_error_set_at(NULL, SS_ERR_SPEC, "f", 1, 2, "%s", "no"),
                     SS_ERR_SPEC);
    ss_error_hint(NULL, "nothing");
    ss_error_clear(NULL);
}

static void error_truncates_long_messages_and_file_names(void **state)
{
    (void)state;
    char longtext[10000]; /* longer than any field */
    memset(longtext, 'a', sizeof longtext - 1);
    longtext[sizeof longtext - 1] = '\0';
    ss_error err;
    ss_error_set(&err, SS_ERR_SPEC, "%s", longtext);
    assert_int_equal(strlen(err.message), sizeof err.message - 1);
    ss_error_set_at(&err, SS_ERR_IO, longtext, 0, 0, "%s", longtext);
    assert_int_equal(strlen(err.file), sizeof err.file - 1);
    assert_memory_equal(err.file, longtext, sizeof err.file - 1);
    assert_int_equal(strlen(err.message), sizeof err.message - 1);
}

/* A path as long as PATH_MAX and the reason after it fit in a message. */
static void error_message_holds_a_longest_path_and_its_reason(void **state)
{
    (void)state;
    char path[4097];
    memset(path, 'p', sizeof path - 1);
    path[sizeof path - 1] = '\0';
    ss_error err;
    ss_error_set(&err, SS_ERR_IO, "cannot create '%s': %s", path,
                 "No such file or directory");
    static const char tail[] = "': No such file or directory";
    size_t len = strlen(err.message);
    assert_true(len > sizeof tail);
    assert_string_equal(err.message + len - (sizeof tail - 1), tail);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(status_exit_codes_follow_the_table),
        cmocka_unit_test(error_set_formats_and_returns_the_code),
        cmocka_unit_test(error_set_at_records_message_and_place_together),
        cmocka_unit_test(error_set_clears_an_earlier_place),
        cmocka_unit_test(error_null_is_allowed),
        cmocka_unit_test(error_truncates_long_messages_and_file_names),
        cmocka_unit_test(error_message_holds_a_longest_path_and_its_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
