/* synsweep's command line: a dispatch table of subcommands. Each parses its
 * words with the one option parser (options.c), calls the libraries and
 * maps the status to an exit code; only the program prints errors. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "synsweep/version.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv, const char *command_line);
    const char *summary;
} command;

static const command commands[] = {
    {"run", cli_cmd_run, "run a sweep spec into one HDF5 results file"},
    {"validate", cli_cmd_validate, "check a sweep spec and print its grid"},
    {"merge", cli_cmd_merge, "merge the parts of a sweep run in shards"},
    {"info", cli_cmd_info, "summarise a results file, or a sweep's parts"},
    {"trial", cli_cmd_trial, "run one trial and print its metrics"},
    {"trace", cli_cmd_trace, "write the time series of one trial of a sweep"},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void print_help(void)
{
    printf("synsweep %s: parameter sweeps of single-neuron synapse models\n\n"
           "usage: synsweep COMMAND [ARGS]\n\ncommands:\n",
           SS_VERSION_STRING);
    for (size_t i = 0; i < N_COMMANDS; i++)
        printf("  %-10s %s\n", commands[i].name, commands[i].summary);
    printf("\n'synsweep COMMAND --help' describes a command.\n");
}

/* The command line as typed, for the results file's attributes. */
static void join_command_line(int argc, char **argv, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < argc && used < size; i++) {
        bool quote = strpbrk(argv[i], " \t'\"") != NULL || !argv[i][0];
        int n = snprintf(buf + used, size - used, "%s%s%s%s", i ? " " : "",
                         quote ? "'" : "", argv[i], quote ? "'" : "");
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

/* Puts /dev/null on each of descriptors 0, 1 and 2 that is closed, before
 * anything else opens a file: else the results file could get descriptor
 * 2, and a message written to stderr would land in it. False if that
 * fails. */
static bool open_standard_descriptors(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        /* the lowest free descriptor: fd, as those below it are open */
        int got = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
        if (got < 0)
            return false;
        if (got != fd) {
            int moved = dup2(got, fd);
            close(got);
            if (moved != fd)
                return false;
        }
    }
    return true;
}

/* Everything printed on stdout must have reached it: a full disk or a
 * closed pipe is a failure (exit 1), not a silent loss. status is the
 * command's exit status, kept when it already says something failed. */
static int finish_stdout(int status)
{
    int e = fflush(stdout) != 0 ? errno : 0;
    if (!ferror(stdout))
        return status;
    fprintf(stderr, "synsweep: error: cannot write to standard output: %s\n",
            strerror(e ? e : EIO));
    return status == 0 ? ss_status_exit_code(SS_ERR_IO) : status;
}

/* One line of --list-params: name, unit, range, long name and the
 * defaults, "MODEL=VALUE" for each model that uses it, tab-separated. */
static void print_param(ss_param_id id)
{
    const ss_param_info *info = ss_param_info_of(id);
    char range[96];
    ss_param_format_range(id, range, sizeof range);
    printf("%s\t%s\t%s\t%s\t", info->name, info->unit, range,
           info->long_name);
    const char *sep = "";
    for (int m = 0; m < SS_MODEL_COUNT; m++) {
        if (!ss_param_used_by(id, (ss_model)m))
            continue;
        char def[64];
        ss_param_format_value(id, info->defaults[m], def, sizeof def);
        printf("%s%s=%s", sep, ss_model_name((ss_model)m), def);
        sep = " ";
    }
    putchar('\n');
}

/* Hidden: the names the man page and the bash completion are checked
 * against (tests/cli/docs_test.py), one a line. --list-params [MODEL]:
 * every parameter, or MODEL's, with its unit, range and defaults. */
static int list_names(int argc, char **argv)
{
    if (strcmp(argv[1], "--list-commands") == 0 && argc == 2) {
        for (size_t i = 0; i < N_COMMANDS; i++)
            printf("%s\n", commands[i].name);
    } else if (strcmp(argv[1], "--list-models") == 0 && argc == 2) {
        for (int m = 0; m < SS_MODEL_COUNT; m++)
            printf("%s\n", ss_model_name((ss_model)m));
    } else if (strcmp(argv[1], "--list-params") == 0 && argc <= 3) {
        ss_model m = argc == 3 ? ss_model_from_name(argv[2]) : SS_MODEL_COUNT;
        if (argc == 3 && m == SS_MODEL_COUNT)
            return cli_usage_error(NULL, "unknown model '%s'", argv[2]);
        for (int i = 0; i < SS_PARAM_COUNT; i++)
            if (m == SS_MODEL_COUNT || ss_param_used_by((ss_param_id)i, m))
                print_param((ss_param_id)i);
    } else {
        return -1;
    }
    return 0;
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        print_help();
        return ss_status_exit_code(SS_ERR_USAGE);
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        print_help();
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("synsweep %s%s\n", SS_VERSION_STRING, cli_git_describe);
        return 0;
    }
    int listed = list_names(argc, argv);
    if (listed >= 0)
        return listed;
    char command_line[8192];
    join_command_line(argc, argv, command_line, sizeof command_line);
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1, command_line);
    if (argv[1][0] == '-')
        return cli_usage_error(NULL, "unknown option '%s'", argv[1]);
    return cli_usage_error(NULL, "unknown command '%s'", argv[1]);
}

int main(int argc, char **argv)
{
    if (!open_standard_descriptors())
        return ss_status_exit_code(SS_ERR_IO); /* nowhere to say it */
    return finish_stdout(dispatch(argc, argv));
}
