#define _POSIX_C_SOURCE 200809L

#include "signals.h"

#include <string.h>
#include <unistd.h>

#include "synsweep/h5io.h"

/* The program's only mutable global: the signal that asked the run to
 * stop, 0 until one did. */
static volatile sig_atomic_t stop_signal = 0;

static void on_signal(int sig)
{
    if (stop_signal == SIGINT && sig == SIGINT) {
        /* a second ^C: the user means it; the file stays readable, and
         * a file half made or half compressed goes with the run */
        ss_h5_remove_temporaries();
        static const char msg[] = "\nsynsweep: stopped at once\n";
        ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
        (void)ignored;
        _exit(128 + SIGINT);
    }
    stop_signal = sig;
}

const volatile sig_atomic_t *cli_catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART; /* the writes in flight finish */
    sigemptyset(&sa.sa_mask);
    /* SIGHUP: the terminal or the ssh session went away; SIGUSR1: what
     * Slurm's --signal sends as a warning before the time limit */
    static const int stops[] = {SIGINT, SIGTERM, SIGHUP, SIGUSR1};
    for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++)
        sigaction(stops[i], &sa, NULL);
    return &stop_signal;
}

const char *cli_signal_name(int sig)
{
    switch (sig) {
    case SIGINT:
        return "SIGINT";
    case SIGTERM:
        return "SIGTERM";
    case SIGHUP:
        return "SIGHUP";
    case SIGUSR1:
        return "SIGUSR1";
    default:
        return "a signal";
    }
}
