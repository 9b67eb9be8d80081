/* synsweep trial: one trial of a model, its metrics printed. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>

#include "synsweep/metrics.h"
#include "synsweep/params.h"

static const char trial_usage[] =
    "usage: synsweep trial MODEL [--set NAME=VALUE]... [--seed S] "
    "[--repeat R]\n"
    "                            [--kernel fast|reference] [--json]\n"
    "Runs one trial of MODEL (lif_cond, lif_cond_stp, stp_train) with the\n"
    "defaults overridden by --set and prints its metrics, one\n"
    "'name<TAB>value' line each, or one JSON object with --json.\n"
    "The random stream is keyed by the seed, the full parameter point and\n"
    "the repeat index, as in a sweep; with the sweep's kernel (default\n"
    "fast) it prints exactly that trial's metrics.\n"
    "  --set NAME=VALUE  a parameter (again for each one)\n"
    "  --seed S          the random seed (default 0)\n"
    "  --repeat R        the repeat index (default 0)\n"
    "  --kernel K        fast (default) or reference (the tutorial's loops)\n"
    "  --json            one JSON object\n"
    "  -h, --help        this text and the parameters of every model\n";

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

static void print_params(void)
{
    printf("\nParameters:\n");
    for (int m = 0; m < SS_MODEL_COUNT; m++)
        print_model_params((ss_model)m);
}

static const cli_option trial_options[] = {
    CLI_OPT_HELP,
    {OPT_SET, 0, "set", true, 0},
    {OPT_SEED, 0, "seed", true, 0},
    {OPT_REPEAT, 0, "repeat", true, 0},
    CLI_OPT_KERNEL,
    {OPT_JSON, 0, "json", false, 0},
};

static const cli_syntax trial_syntax = {"trial", trial_usage, print_params,
                                       CLI_TABLE(trial_options),
                                       "trial needs a MODEL", NULL};

typedef struct trial_args {
    cli_words w;       /* MODEL, --kernel, --json */
    const char **sets; /* the --set values in order: applied once the
                          model is known, wherever MODEL stands */
    size_t n_sets;
    uint64_t seed, repeat;
} trial_args;

static int trial_value(void *ctx, const cli_arg *arg)
{
    trial_args *t = ctx;
    if (arg->key == OPT_SET)
        t->sets[t->n_sets++] = arg->value;
    else if (!cli_parse_u64(arg->value,
                            arg->key == OPT_SEED ? &t->seed : &t->repeat))
        return cli_usage_error("trial",
                               "%s must be a whole number in "
                               "[0, 18446744073709551615] (got '%s')",
                               arg->name, arg->value);
    return CLI_CONTINUE;
}

/* Runs the trial and prints it; the exit status. */
static int run_trial(ss_model m, const trial_args *t)
{
    ss_error err;
    ss_error_clear(&err);
    ss_params p;
    ss_params_defaults(m, &p);
    for (size_t i = 0; i < t->n_sets; i++)
        if (ss_params_assign(m, &p, t->sets[i], &err) != SS_OK)
            return cli_report(&err);
    if (ss_params_validate(m, &p, &err) != SS_OK)
        return cli_report(&err);

    ss_model_ws *ws = ss_model_ws_create();
    if (!ws) {
        ss_error_set(&err, SS_ERR_NOMEM, "cannot allocate a workspace");
        return cli_report(&err);
    }
    ss_rng_stream s;
    ss_model_trial_stream(m, &p, t->seed, t->repeat, false, &s);
    ss_metrics met;
    ss_status st = ss_model_run_kernel(t->w.kernel, m, &p, &s, ws, &met, &err);
    ss_model_ws_free(ws);
    if (st != SS_OK)
        return cli_report(&err);

    char buf[4096];
    ss_metrics_format(m, &met, t->w.flag[OPT_JSON], buf, sizeof buf);
    fputs(buf, stdout); /* main checks that it was written */
    return 0;
}

int cli_cmd_trial(int argc, char **argv, const char *command_line)
{
    (void)command_line;
    trial_args t = {.sets = malloc((size_t)argc * sizeof *t.sets)};
    if (!t.sets) {
        fprintf(stderr, "synsweep: error: out of memory\n");
        return ss_status_exit_code(SS_ERR_NOMEM);
    }
    int rc = cli_parse(&trial_syntax, argc, argv, &t.w, trial_value, &t);
    if (rc == CLI_CONTINUE) {
        ss_model m = ss_model_from_name(t.w.argument);
        if (m == SS_MODEL_COUNT)
            rc = cli_usage_error("trial",
                                 "unknown model '%s' (models: lif_cond, "
                                 "lif_cond_stp, stp_train)",
                                 t.w.argument);
        else
            rc = run_trial(m, &t);
    }
    free(t.sets);
    return rc;
}
