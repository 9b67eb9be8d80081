#define _POSIX_C_SOURCE 200809L
/* synsweep merge: the parts of a sweep run in shards, joined into one
 * results file. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signals.h"

static const char merge_usage[] =
    "usage: synsweep merge -o FILE PART... [--allow-partial] [--force] [-q]\n"
    "Merges the parts of one sweep (the files of 'synsweep run --shard\n"
    "K/N', or unfinished files of the whole sweep) into one results file,\n"
    "equal in every metric, status and done to one run of the sweep. The\n"
    "parts must be of one spec, seed, kernel and layout, and a trial done\n"
    "in two parts must have the same results in both. FILE is written only\n"
    "when every trial is done in some part; else the missing trials are\n"
    "named, with the commands that run them, and nothing is written.\n"
    "  -o, --output FILE  the merged file\n"
    "  --allow-partial    write FILE even when trials are missing (their\n"
    "                     done is 0: 'synsweep run SPEC -o FILE --resume'\n"
    "                     completes it)\n"
    "  --force            overwrite FILE if it exists\n"
    "  -q, --quiet        no summary\n"
    "  -h, --help         this text\n"
    "Exit status: 0 FILE written; 1 trials missing (FILE not written) or a\n"
    "file error; 2 bad usage, or parts that do not belong together (another\n"
    "sweep, or results that disagree), FILE not written; 128 + the signal\n"
    "that stopped it.\n";

static const cli_option merge_options[] = {
    CLI_OPT_HELP,
    CLI_OPT_OUTPUT,
    {OPT_ALLOW_PARTIAL, 0, "allow-partial", false, 0},
    CLI_OPT_FORCE,
    {OPT_QUIET, 'q', "quiet", false, 0},
};

static const cli_syntax merge_syntax = {"merge", merge_usage, NULL,
                                        CLI_TABLE(merge_options),
                                        "merge needs at least one PART",
                                        NULL};

static int merge_value(void *ctx, const cli_arg *arg)
{
    *(const char **)ctx = arg->value; /* -o, the only option with one */
    return CLI_CONTINUE;
}

/* What is missing, and how to run it; FILE not written unless partial. */
static void print_missing(const cli_fill_ctx *fill, bool written)
{
    const ss_h5_parts *sum = fill->sum;
    fprintf(stderr, "synsweep: %s: %llu of %llu trials are done in no part (",
            written ? "warning" : "error",
            (unsigned long long)(sum->trials - sum->done),
            (unsigned long long)sum->trials);
    cli_print_gaps(stderr, fill->gaps);
    fprintf(stderr, "): %s\n",
            written ? "the merged file lacks them" : "nothing written");
    if (written) {
        /* the partial file is an unfinished run of the whole sweep */
        fprintf(stderr, "  to complete it: synsweep run ");
        cli_put_spec_word(stderr, sum->spec_file);
        fputs(" -o ", stderr);
        cli_put_shell_word(stderr, fill->merge_out);
        fputs(" --resume", stderr);
        if (strcmp(sum->kernel, "fast") != 0)
            fprintf(stderr, " --kernel %s", sum->kernel);
        fputc('\n', stderr);
        return;
    }
    cli_print_fill(stderr, fill);
    fprintf(stderr, "  or write what the parts hold with --allow-partial\n");
}

static int merge(const char *out, const char **paths, size_t n,
                 const cli_words *w, const char *command_line)
{
    for (size_t i = 0; i < n; i++)
        if (cli_same_file(out, paths[i]))
            return cli_usage_error("merge", "the output '%s' is the part "
                                   "'%s'", out, paths[i]);
    ss_h5_part *parts = calloc(n, sizeof *parts);
    cli_gaps *gaps = calloc(1, sizeof *gaps);
    ss_h5_parts sum;
    ss_error err;
    ss_error_clear(&err);
    if (!parts || !gaps) {
        free(parts);
        free(gaps);
        ss_error_set(&err, SS_ERR_NOMEM, "cannot allocate");
        return cli_report(&err);
    }
    const volatile sig_atomic_t *stop = cli_catch_signals();
    ss_h5_merge_options opt = {
        .allow_partial = w->flag[OPT_ALLOW_PARTIAL],
        .force = w->flag[OPT_FORCE],
        .command_line = command_line,
        .missing = cli_gaps_add,
        .missing_ctx = gaps,
        .stop = stop,
    };
    ss_h5_merge_result result;
    ss_status st = ss_h5_merge(out, paths, n, &opt, parts, &sum, &result,
                               &err);
    cli_fill_ctx fill = {gaps, paths, parts, n, &sum, out,
                         w->flag[OPT_FORCE]};
    int rc = 0;
    if (st == SS_ERR_INTR) {
        fprintf(stderr, "synsweep: interrupted by %s: stopped; nothing "
                "written\n", cli_signal_name(*stop));
        rc = 128 + *stop;
    } else if (st != SS_OK) {
        rc = cli_report(&err);
    } else if (!result.written) {
        print_missing(&fill, false);
        rc = ss_status_exit_code(SS_ERR_IO);
    } else {
        if (result.warning[0])
            fprintf(stderr, "synsweep: warning: %s\n", result.warning);
        if (sum.done < sum.trials)
            print_missing(&fill, true);
        if (!w->flag[OPT_QUIET])
            printf("merged %zu part%s into %s: %llu of %llu trials done\n",
                   n, n == 1 ? "" : "s", out, (unsigned long long)sum.done,
                   (unsigned long long)sum.trials);
        if (*stop) { /* after the file was made: it stands */
            fprintf(stderr, "synsweep: interrupted by %s after %s was "
                    "written\n", cli_signal_name(*stop), out);
            rc = 128 + *stop;
        }
    }
    free(parts);
    free(gaps);
    return rc;
}

int cli_cmd_merge(int argc, char **argv, const char *command_line)
{
    const char *out = NULL;
    const char **paths = calloc((size_t)argc + 1, sizeof *paths);
    if (!paths) {
        fprintf(stderr, "synsweep: error: cannot allocate\n");
        return ss_status_exit_code(SS_ERR_NOMEM);
    }
    cli_words w;
    size_t n;
    int rc = cli_parse_list(&merge_syntax, argc, argv, &w, paths, &n,
                            merge_value, &out);
    if (rc == CLI_CONTINUE && !out)
        rc = cli_usage_error("merge", "merge needs the merged file: -o "
                             "FILE");
    if (rc == CLI_CONTINUE)
        rc = merge(out, paths, n, &w, command_line);
    free(paths);
    return rc;
}
