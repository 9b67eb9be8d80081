/* The program's signal handling: SIGINT, SIGTERM, SIGHUP and SIGUSR1 stop
 * a run cleanly through the runner's stop flag; a second SIGINT ends the
 * process at once. Process-wide state, so it lives here, not in the
 * libraries. */
#ifndef SYNSWEEP_CLI_SIGNALS_H
#define SYNSWEEP_CLI_SIGNALS_H

#include <signal.h>

/* Installs the handlers (once is enough; again is harmless) and returns
 * the stop flag for ss_run_options.stop: 0 until SIGINT, SIGTERM, SIGHUP
 * or SIGUSR1 arrives, then that signal's number (the latest one's).
 * Interrupted system calls restart, so the writes in flight finish. A
 * second SIGINT prints "stopped at once" and ends the process with status
 * 130: the results file stays readable and resumable. */
const volatile sig_atomic_t *cli_catch_signals(void);

/* "SIGINT", "SIGTERM", "SIGHUP", "SIGUSR1", or "a signal" for any other
 * number. */
const char *cli_signal_name(int sig);

#endif
