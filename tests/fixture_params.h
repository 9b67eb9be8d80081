/* Parameters from the fixtures' "name=value name=value ..." strings. */
#ifndef SYNSWEEP_FIXTURE_PARAMS_H
#define SYNSWEEP_FIXTURE_PARAMS_H

#include <string.h>

#include "synsweep/params.h"
#include "testutil.h"

/* Applies a fixture's "name=value name=value ..." to m's defaults. */
static inline void params_from_fixture(ss_model m, const char *text, ss_params *p)
{
    ss_params_defaults(m, p);
    char buf[2048];
    assert_true(strlen(text) < sizeof buf);
    strcpy(buf, text);
    for (char *tok = strtok(buf, " "); tok; tok = strtok(NULL, " ")) {
        ss_error err;
        if (ss_params_assign(m, p, tok, &err) != SS_OK) {
            print_error("%s: %s\n", tok, err.message);
            fail();
        }
    }
}

#endif
