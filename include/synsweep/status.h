/* Status codes and the error record every fallible function fills. */
#ifndef SYNSWEEP_STATUS_H
#define SYNSWEEP_STATUS_H

/* code, process exit status, what the code means */
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
    char message[8192]; /* a PATH_MAX path and the reason fit */
    char hint[256];
} ss_error;

/* "SS_ERR_SPEC" for SS_ERR_SPEC; "SS_?" for a value outside the table. */
const char *ss_status_name(ss_status s);
/* The process exit status of s (the table's second column); 1 for a value
 * outside the table. */
int ss_status_exit_code(ss_status s);

/* Clears err (NULL is allowed everywhere an ss_error * is taken). */
void ss_error_clear(ss_error *err);

/* Records code and a printf-style message in err (if not NULL) and returns
 * code, so a failure is reported in one line:
 *     return ss_error_set(err, SS_ERR_PARAM, "dt must be > 0 (got %g)", dt);
 * The whole record is new: file, line, column and hint are cleared, so no
 * earlier error's place or hint goes with the message. Messages longer than
 * err->message are cut. */
ss_status ss_error_set(ss_error *err, ss_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* ss_error_set with the place of the failure, set together with the
 * message as libyaml sets a problem and its mark: file (copied, cut to
 * err->file; NULL for none), 1-based line and column (0 when unknown).
 *     return ss_error_set_at(err, SS_ERR_SPEC, path, 12, 9,
 *                            "dt must be > 0 (got %g)", dt);
 */
ss_status ss_error_set_at(ss_error *err, ss_status code, const char *file,
                          int line, int column, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/* Sets the hint of an already filled error (if err is not NULL). */
void ss_error_hint(ss_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
