/* Status codes and the error record every fallible function fills. */
#ifndef SYNSWEEP_STATUS_H
#define SYNSWEEP_STATUS_H

/* code, process exit status, message */
#define SS_STATUS_LIST(X)                                          \
    X(SS_OK, 0, "success")                                         \
    X(SS_ERR_USAGE, 2, "bad command-line usage")                   \
    X(SS_ERR_SPEC, 2, "invalid spec")                              \
    X(SS_ERR_PARAM, 2, "invalid parameter")                        \
    X(SS_ERR_IO, 1, "file or HDF5 error")                          \
    X(SS_ERR_NOMEM, 1, "out of memory")                            \
    X(SS_ERR_NUMERIC, 1, "numerical failure")                      \
    X(SS_ERR_INTR, 130, "interrupted")

typedef enum ss_status {
#define SS_X_ENUM(code, exit_status, message) code,
    SS_STATUS_LIST(SS_X_ENUM)
#undef SS_X_ENUM
    SS_STATUS_COUNT
} ss_status;

/* What went wrong and where. Filled where the failure is found; only the
 * command line prints it. line and column are 1-based, 0 when unknown. */
typedef struct ss_error {
    ss_status code;
    char file[256];
    int line;
    int column;
    char message[512];
    char hint[256];
} ss_error;

const char *ss_status_name(ss_status s);
const char *ss_status_message(ss_status s);
int ss_status_exit_code(ss_status s);

/* Clears err (NULL is allowed everywhere an ss_error * is taken). */
void ss_error_clear(ss_error *err);

/* Records code and a printf-style message in err (if not NULL) and returns
 * code, so a failure is reported in one line:
 *     return ss_error_set(err, SS_ERR_PARAM, "dt must be > 0 (got %g)", dt);
 */
ss_status ss_error_set(ss_error *err, ss_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Sets the hint of an already filled error. */
void ss_error_hint(ss_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
