/* synsweep trace: the time series of one trial of a sweep. */
#include "cli.h"

#include <stdio.h>

static const char trace_usage[] =
    "usage: synsweep trace SPEC (--trial I | --at NAME=VALUE... [--repeat R])\n"
    "                      -o FILE [--kernel fast|reference] [--force]\n"
    "Runs one trial of the sweep SPEC and writes its full time series to\n"
    "the HDF5 file FILE. With the fast kernel (default) the trial's\n"
    "presynaptic trains are the ones the sweep drew, stepped bin by bin as\n"
    "the tutorial does.\n"
    "  --trial I          the trial's index (row-major, repeats last)\n"
    "  --at NAME=VALUE    the trial at this value of the axis NAME, once per\n"
    "                     axis of more than one value; a zip axis by one\n"
    "                     member's value or by its label (its index without\n"
    "                     labels); values as numbers: 10, 10.0 and 1e1 alike\n"
    "  --repeat R         with --at: the repeat (default 0); alone, for a\n"
    "                     sweep whose axes have one value each\n"
    "  -o, --output FILE  the trace file\n"
    "  --kernel K         fast (default) or reference (the tutorial's loops)\n"
    "  --force            overwrite FILE if it exists\n"
    "  -h, --help         this text\n";

static const cli_option trace_options[] = {
    CLI_OPT_HELP,
    {OPT_TRIAL, 0, "trial", true, OPT_AT},
    {OPT_AT, 0, "at", true, 0},
    {OPT_REPEAT, 0, "repeat", true, OPT_TRIAL},
    CLI_OPT_OUTPUT,
    CLI_OPT_KERNEL,
    CLI_OPT_FORCE,
};

static const cli_syntax trace_syntax = {"trace", trace_usage, NULL,
                                       CLI_TABLE(trace_options), NULL, NULL};

/* The most --at a command line may give: every axis, and then some
 * (two members of a zip may both be named). */
#define MAX_AT 64

typedef struct trace_args {
    cli_words w; /* SPEC, --kernel, --force */
    const char *out_path;
    uint64_t trial, repeat;
    bool have_trial, have_repeat;
    const char *at[MAX_AT];
    size_t n_at;
} trace_args;

static int trace_value(void *ctx, const cli_arg *arg)
{
    trace_args *t = ctx;
    if (arg->key == OPT_OUTPUT) {
        t->out_path = arg->value;
    } else if (arg->key == OPT_AT) {
        if (t->n_at == MAX_AT)
            return cli_usage_error("trace", "more than %d --at", MAX_AT);
        t->at[t->n_at++] = arg->value;
    } else if (arg->key == OPT_REPEAT) {
        if (!(t->have_repeat = cli_parse_u64(arg->value, &t->repeat)))
            return cli_usage_error("trace",
                                   "%s takes a repeat index (got '%s')",
                                   arg->name, arg->value);
    } else if (!(t->have_trial = cli_parse_u64(arg->value, &t->trial))) {
        return cli_usage_error("trace", "%s takes a trial index (got '%s')",
                               arg->name, arg->value);
    }
    return CLI_CONTINUE;
}

int cli_cmd_trace(int argc, char **argv, const char *command_line)
{
    trace_args t = {.out_path = NULL};
    int rc = cli_parse(&trace_syntax, argc, argv, &t.w, trace_value, &t);
    if (rc != CLI_CONTINUE)
        return rc;
    if (!t.w.argument || (!t.have_trial && !t.n_at && !t.have_repeat) || !t.out_path)
        return cli_usage_error("trace", "trace needs SPEC, --trial I or "
                                        "--at NAME=VALUE, and -o FILE");
    if (cli_same_file(t.w.argument, t.out_path))
        return cli_usage_error("trace", "the output '%s' is the spec itself",
                               t.out_path);
    ss_spec *spec;
    ss_grid *grid;
    if ((rc = cli_load_sweep(t.w.argument, &spec, &grid)) != 0)
        return rc;
    ss_error err;
    ss_error_clear(&err);
    ss_params p;
    uint64_t repeat;
    ss_rng_stream s;
    ss_metrics met;
    ss_model_ws *ws = ss_model_ws_create();
    ss_status st = ws ? SS_OK : ss_error_set(&err, SS_ERR_NOMEM, "no memory");
    if (st == SS_OK && !t.have_trial) /* --at */
        st = ss_grid_trial_at(grid, t.at, t.n_at, t.repeat, &t.trial, &err);
    if (st == SS_OK)
        st = ss_grid_trial(grid, t.trial, &p, &repeat, &s, &err);
    if (st == SS_OK)
        st = ss_model_run_traced(t.w.kernel, ss_spec_model(spec), &p, &s, ws,
                                 &met, &err);
    if (st == SS_OK)
        st = ss_h5_write_trace(t.out_path, t.w.flag[OPT_FORCE], grid,
                               t.trial, &p, &met, ws, command_line, &err);
    if (st == SS_OK)
        printf("wrote trial %llu (repeat %llu, %zu time points) to %s\n",
               (unsigned long long)t.trial, (unsigned long long)repeat,
               ss_model_trace_length(ws), t.out_path);
    ss_model_ws_free(ws);
    ss_grid_free(grid);
    ss_spec_free(spec);
    return st == SS_OK ? 0 : cli_report(&err);
}
