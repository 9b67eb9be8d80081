#include "synsweep/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int exit_code;
    const char *message;
} status_table[] = {
#define SS_X_ROW(code, exit_status, message) {#code, exit_status, message},
    SS_STATUS_LIST(SS_X_ROW)
#undef SS_X_ROW
};

const char *ss_status_name(ss_status s)
{
    return (unsigned)s < SS_STATUS_COUNT ? status_table[s].name : "SS_?";
}

const char *ss_status_message(ss_status s)
{
    return (unsigned)s < SS_STATUS_COUNT ? status_table[s].message
                                         : "unknown status";
}

int ss_status_exit_code(ss_status s)
{
    return (unsigned)s < SS_STATUS_COUNT ? status_table[s].exit_code : 1;
}

void ss_error_clear(ss_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}

ss_status ss_error_set(ss_error *err, ss_status code, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    err->hint[0] = '\0';
    return code;
}

void ss_error_hint(ss_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->hint, sizeof err->hint, fmt, ap);
    va_end(ap);
}
