/* synsweep trace: the time series of one trial of a sweep. */
#include "cli.h"

#include <stdio.h>

static const char trace_usage[] =
    "usage: synsweep trace SPEC --trial I -o FILE [--kernel fast|reference] "
    "[--force]\n"
    "Runs trial I of the sweep SPEC (the index along the grid, row-major,\n"
    "repeats last) and writes its full time series to the HDF5 file FILE.\n"
    "With the fast kernel (default) the trial's presynaptic trains are the\n"
    "ones the sweep drew, stepped bin by bin as the tutorial does.\n"
    "  --trial I          the trial's index\n"
    "  -o, --output FILE  the trace file\n"
    "  --kernel K         fast (default) or reference (the tutorial's loops)\n"
    "  --force            overwrite FILE if it exists\n"
    "  -h, --help         this text\n";

static const cli_option trace_options[] = {
    CLI_OPT_HELP,
    {OPT_TRIAL, 0, "trial", true, 0},
    CLI_OPT_OUTPUT,
    CLI_OPT_KERNEL,
    CLI_OPT_FORCE,
};

static const cli_syntax trace_syntax = {"trace", trace_usage, NULL,
                                       CLI_TABLE(trace_options), NULL, NULL};

typedef struct trace_args {
    cli_words w; /* SPEC, --kernel, --force */
    const char *out_path;
    uint64_t trial;
    bool have_trial;
} trace_args;

static int trace_value(void *ctx, const cli_arg *arg)
{
    trace_args *t = ctx;
    if (arg->key == OPT_OUTPUT)
        t->out_path = arg->value;
    else if (!(t->have_trial = cli_parse_u64(arg->value, &t->trial)))
        return cli_usage_error("trace", "%s takes a trial index (got '%s')",
                               arg->name, arg->value);
    return CLI_CONTINUE;
}

int cli_cmd_trace(int argc, char **argv, const char *command_line)
{
    trace_args t = {.out_path = NULL};
    int rc = cli_parse(&trace_syntax, argc, argv, &t.w, trace_value, &t);
    if (rc != CLI_CONTINUE)
        return rc;
    if (!t.w.argument || !t.have_trial || !t.out_path)
        return cli_usage_error("trace",
                               "trace needs SPEC, --trial I and -o FILE");
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
