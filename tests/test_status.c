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

static void error_null_is_allowed(void **state)
{
    (void)state;
    assert_int_equal(ss_error_set(NULL, SS_ERR_NOMEM, "%s", "no"),
                     SS_ERR_NOMEM);
    ss_error_hint(NULL, "nothing");
    ss_error_clear(NULL);
}

static void error_truncates_long_messages(void **state)
{
    (void)state;
    char longtext[2000];
    memset(longtext, 'a', sizeof longtext - 1);
    longtext[sizeof longtext - 1] = '\0';
    ss_error err;
    ss_error_set(&err, SS_ERR_SPEC, "%s", longtext);
    assert_int_equal(strlen(err.message), sizeof err.message - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(status_exit_codes_follow_the_table),
        cmocka_unit_test(error_set_formats_and_returns_the_code),
        cmocka_unit_test(error_null_is_allowed),
        cmocka_unit_test(error_truncates_long_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
