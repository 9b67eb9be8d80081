#include "synsweep/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int exit_code;
} status_table[] = {
#define SS_X_ROW(code, exit_status, message) {#code, exit_status},
    SS_STATUS_LIST(SS_X_ROW)
#undef SS_X_ROW
};

const char *ss_status_name(ss_status s)
{
    return (unsigned)s < SS_STATUS_COUNT ? status_table[s].name : "SS_?";
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

/* The one writer of a new error record: every field but the hint from the
 * arguments, the hint cleared. */
static void error_fill(ss_error *err, ss_status code, const char *file,
                       int line, int column, const char *fmt, va_list ap)
{
    err->code = code;
    if (!file)
        err->file[0] = '\0';
    else if (file != err->file) /* snprintf onto its own source is undefined */
        snprintf(err->file, sizeof err->file, "%s", file);
    err->line = line;
    err->column = column;
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    err->hint[0] = '\0';
}

ss_status ss_error_set(ss_error *err, ss_status code, const char *fmt, ...)
{
    if (!err)
        return code;
    va_list ap;
    va_start(ap, fmt);
    error_fill(err, code, NULL, 0, 0, fmt, ap);
    va_end(ap);
    return code;
}

ss_status ss_error_set_at(ss_error *err, ss_status code, const char *file,
                          int line, int column, const char *fmt, ...)
{
    if (!err)
        return code;
    va_list ap;
    va_start(ap, fmt);
    error_fill(err, code, file, line, column, fmt, ap);
    va_end(ap);
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
