/* synsweep's command line: a dispatch table of subcommands. Each parses its
 * arguments, calls the library and maps the status to an exit code; only
 * this file prints errors. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synsweep/metrics.h"
#include "synsweep/model.h"
#include "synsweep/params.h"
#include "synsweep/status.h"
#include "synsweep/version.h"

static int report(const ss_error *err)
{
    if (err->file[0] && err->line > 0)
        fprintf(stderr, "%s:%d:%d: error: %s\n", err->file, err->line,
                err->column, err->message);
    else
        fprintf(stderr, "synsweep: error: %s\n", err->message);
    if (err->hint[0])
        fprintf(stderr, "  hint: %s\n", err->hint);
    return ss_status_exit_code(err->code);
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "synsweep: error: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'synsweep --help'.\n");
    return ss_status_exit_code(SS_ERR_USAGE);
}

static bool parse_u64(const char *text, uint64_t *out)
{
    if (!text || !*text || *text == '-')
        return false;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (*end != '\0' || errno == ERANGE)
        return false;
    *out = (uint64_t)v;
    return true;
}

static void print_model_params(ss_model m)
{
    printf("  %s:\n", ss_model_name(m));
    for (int i = 0; i < SS_PARAM_COUNT; i++) {
        ss_param_id id = (ss_param_id)i;
        if (!ss_param_used_by(id, m))
            continue;
        const ss_param_info *info = ss_param_info_of(id);
        char def[64], range[96];
        ss_param_format_value(id, info->defaults[m], def, sizeof def);
        ss_param_format_range(id, range, sizeof range);
        printf("    %-10s %-9s default %-8s range %-20s %s\n", info->name,
               info->unit[0] ? info->unit : "-", def, range,
               info->long_name);
    }
}

static const char trial_usage[] =
    "usage: synsweep trial MODEL [--set NAME=VALUE]... [--seed S] "
    "[--repeat R] [--json]\n"
    "Runs one trial of MODEL (lif_cond, lif_cond_stp, stp_train) with the\n"
    "defaults overridden by --set and prints its metrics, one\n"
    "'name<TAB>value' line each, or one JSON object with --json.\n"
    "The random stream is keyed by the seed, the full parameter point and\n"
    "the repeat index, as in a sweep.\n";

static int cmd_trial(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("%s", "trial needs a MODEL");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(trial_usage, stdout);
        printf("\nParameters:\n");
        for (int m = 0; m < SS_MODEL_COUNT; m++)
            print_model_params((ss_model)m);
        return 0;
    }
    ss_model m = ss_model_from_name(argv[1]);
    if (m == SS_MODEL_COUNT)
        return usage_error("unknown model '%s' (models: lif_cond, "
                           "lif_cond_stp, stp_train)",
                           argv[1]);

    ss_params p;
    ss_params_defaults(m, &p);
    uint64_t seed = 0, repeat = 0;
    bool json = false;
    ss_error err;
    ss_error_clear(&err);
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (strcmp(a, "--set") == 0 || strcmp(a, "--seed") == 0 ||
                   strcmp(a, "--repeat") == 0) {
            if (i + 1 >= argc)
                return usage_error("%s needs a value", a);
            const char *val = argv[++i];
            if (strcmp(a, "--set") == 0) {
                if (ss_params_assign(m, &p, val, &err) != SS_OK)
                    return report(&err);
            } else if (!parse_u64(val, strcmp(a, "--seed") == 0 ? &seed
                                                                 : &repeat)) {
                fprintf(stderr,
                        "synsweep: error: %s must be a whole number in "
                        "[0, 18446744073709551615] (got '%s')\n",
                        a, val);
                return ss_status_exit_code(SS_ERR_USAGE);
            }
        } else {
            return usage_error("unexpected argument '%s'", a);
        }
    }
    if (ss_params_validate(m, &p, &err) != SS_OK)
        return report(&err);

    ss_model_ws *ws = ss_model_ws_create();
    if (!ws) {
        ss_error_set(&err, SS_ERR_NOMEM, "cannot allocate a workspace");
        return report(&err);
    }
    ss_rng_stream s;
    ss_model_trial_stream(m, &p, seed, repeat, false, &s);
    ss_metrics met;
    ss_status st = ss_model_run(m, &p, &s, ws, &met, &err);
    ss_model_ws_free(ws);
    if (st != SS_OK)
        return report(&err);

    char buf[4096];
    ss_metrics_format(m, &met, json, buf, sizeof buf);
    fputs(buf, stdout);
    return fflush(stdout) == 0 ? 0 : 1;
}

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"trial", cmd_trial, "run one trial and print its metrics"},
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

int main(int argc, char **argv)
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
        printf("synsweep %s\n", SS_VERSION_STRING);
        return 0;
    }
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    return usage_error("unknown command '%s'", argv[1]);
}
