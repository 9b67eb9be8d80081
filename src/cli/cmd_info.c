/* synsweep info: a results file summarised. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>

static const char info_usage[] =
    "usage: synsweep info FILE [--json]\n"
    "       synsweep info PART PART... [--json]\n"
    "Summarises a results file: its sweep, axes, trials done (a shard's\n"
    "part: of its block too), and each metric's min, mean and max over the\n"
    "finished trials. A file a sweep is writing may be read meanwhile: it\n"
    "shows the trials done so far.\n"
    "With several files, the parts of one sweep (as 'synsweep merge' takes\n"
    "them): each part's shard and trials done of its block, the trials\n"
    "done in some part of the whole sweep, and the missing ones with the\n"
    "commands that run them.\n"
    "  --json      one JSON object (NaN and infinities as null)\n"
    "  -h, --help  this text\n"
    "Exit status: 0 complete (every trial of the file, of a part's block,\n"
    "or of the sweep the parts make, is done); 3 incomplete (trials not\n"
    "done yet: a running, stopped or partial sweep); 1 error (unreadable,\n"
    "no results file, or trials marked done hold metrics their status\n"
    "rules out: damaged); 2 bad usage, or a file not of the first one's\n"
    "sweep.\n";

/* info's exit status for a readable file with trials not done yet */
#define INFO_INCOMPLETE 3

static const cli_option info_options[] = {CLI_OPT_HELP,
                                          {OPT_JSON, 0, "json", false, 0}};
static const cli_syntax info_syntax = {"info", info_usage, NULL,
                                       CLI_TABLE(info_options),
                                       "info takes a FILE", NULL};

void cli_print_info(const ss_h5_info *info, const char *path)
{
    printf("file     %s\n", path);
    printf("sweep    %s: model %s, seed %llu (synsweep %s, %s)\n", info->name,
           info->model, (unsigned long long)info->seed, info->version,
           info->created);
    printf("dims    ");
    for (size_t d = 0; d < info->rank; d++)
        printf(" %s=%llu", info->dims[d].name,
               (unsigned long long)info->dims[d].size);
    printf("\n");
    for (size_t d = 0; d < info->rank; d++)
        printf("  %-12s %s .. %s\n", info->dims[d].name, info->dims[d].first,
               info->dims[d].last);
    printf("trials   %llu of %llu done (%.1f%%), %llu diverged\n",
           (unsigned long long)info->done, (unsigned long long)info->trials,
           info->trials ? 100.0 * (double)info->done / (double)info->trials
                        : 0.0,
           (unsigned long long)info->diverged);
    if (info->shard[0]) {
        char trials[96];
        cli_format_trials(trials, sizeof trials, info->shard_first,
                          info->shard_count);
        printf("shard    %s: %s, %llu of %llu done\n", info->shard, trials,
               (unsigned long long)info->shard_done,
               (unsigned long long)info->shard_count);
    }
    if (info->impossible)
        printf("warning  %llu trial%s marked done with status ok but NaN "
               "metrics that status rules out: the file is damaged\n",
               (unsigned long long)info->impossible,
               info->impossible == 1 ? "" : "s");
    printf("%-12s %-5s %14s %14s %14s %10s\n", "metric", "unit", "min", "mean",
           "max", "finite");
    for (size_t k = 0; k < info->n_metrics; k++) {
        const ss_h5_metric_summary *m = &info->metrics[k];
        printf("%-12s %-5s %14.6g %14.6g %14.6g %10llu\n", m->name, m->units,
               m->min, m->mean, m->max, (unsigned long long)m->finite);
    }
}

/* The members naming a sweep, as info prints them for one file and for
 * parts. */
static void json_sweep(const char *name, const char *model,
                       unsigned long long seed)
{
    cli_json_string_member(stdout, "name", name);
    cli_json_string_member(stdout, "model", model);
    printf(", \"seed\": %llu", seed);
}

static void json_info(const ss_h5_info *info, const char *path,
                      const char *state)
{
    printf("{\"file\": ");
    cli_json_string(stdout, path);
    printf(", \"state\": \"%s\"", state);
    json_sweep(info->name, info->model, info->seed);
    cli_json_string_member(stdout, "synsweep_version", info->version);
    cli_json_string_member(stdout, "created", info->created);
    cli_json_string_member(stdout, "spec_sha256", info->spec_sha256);
    printf(",\n \"dims\": [");
    for (size_t d = 0; d < info->rank; d++) {
        printf("%s{\"name\": ", d ? ", " : "");
        cli_json_string(stdout, info->dims[d].name);
        printf(", \"size\": %llu, \"first\": ",
               (unsigned long long)info->dims[d].size);
        cli_json_text_value(stdout, info->dims[d].first);
        printf(", \"last\": ");
        cli_json_text_value(stdout, info->dims[d].last);
        printf("}");
    }
    printf("],\n \"trials\": %llu, \"done\": %llu, \"diverged\": %llu, "
           "\"impossible\": %llu, \"shard\": ",
           (unsigned long long)info->trials, (unsigned long long)info->done,
           (unsigned long long)info->diverged,
           (unsigned long long)info->impossible);
    if (info->shard[0]) {
        printf("{\"shard\": ");
        cli_json_string(stdout, info->shard);
        printf(", \"first\": %llu, \"count\": %llu, \"done\": %llu}",
               (unsigned long long)info->shard_first,
               (unsigned long long)info->shard_count,
               (unsigned long long)info->shard_done);
    } else {
        printf("null");
    }
    printf(",\n \"metrics\": [");
    for (size_t k = 0; k < info->n_metrics; k++) {
        const ss_h5_metric_summary *m = &info->metrics[k];
        printf("%s\n  {\"name\": ", k ? "," : "");
        cli_json_string(stdout, m->name);
        cli_json_string_member(stdout, "units", m->units);
        cli_json_number_member(stdout, "min", m->min);
        cli_json_number_member(stdout, "mean", m->mean);
        cli_json_number_member(stdout, "max", m->max);
        printf(", \"finite\": %llu}", (unsigned long long)m->finite);
    }
    printf("]}\n");
}

static int info(const char *path, bool json)
{
    ss_h5_info *info = malloc(sizeof *info);
    ss_error err;
    ss_error_clear(&err);
    if (!info) {
        ss_error_set(&err, SS_ERR_NOMEM, "cannot allocate");
        return cli_report(&err);
    }
    if (ss_h5_read_info(path, info, &err) != SS_OK) {
        free(info);
        return cli_report(&err);
    }
    /* a part is complete when its block is */
    uint64_t want = info->shard[0] ? info->shard_count : info->trials;
    uint64_t have = info->shard[0] ? info->shard_done : info->done;
    int rc = info->impossible ? ss_status_exit_code(SS_ERR_IO)
             : have < want    ? INFO_INCOMPLETE
                              : 0;
    if (json)
        json_info(info, path,
                  rc == 0 ? "complete"
                          : rc == INFO_INCOMPLETE ? "incomplete" : "damaged");
    else
        cli_print_info(info, path);
    free(info);
    return rc;
}

/* Several files: the parts of one sweep, and what they miss. */
static void json_parts(const char **paths, const ss_h5_part *parts,
                       size_t n, const ss_h5_parts *sum)
{
    printf("{\"state\": \"%s\"",
           sum->done < sum->trials ? "incomplete" : "complete");
    json_sweep(sum->name, sum->model, sum->seed);
    cli_json_string_member(stdout, "kernel", sum->kernel);
    cli_json_string_member(stdout, "spec_file", sum->spec_file);
    cli_json_string_member(stdout, "spec_sha256", sum->spec_sha256);
    printf(",\n \"parts\": [");
    for (size_t i = 0; i < n; i++) {
        const ss_h5_part *p = &parts[i];
        printf("%s\n  {\"file\": ", i ? "," : "");
        cli_json_string(stdout, paths[i]);
        if (p->sharded)
            printf(", \"shard\": \"%llu/%llu\"",
                   (unsigned long long)p->shard.k,
                   (unsigned long long)p->shard.n);
        else
            printf(", \"shard\": null");
        printf(", \"first\": %llu, \"count\": %llu, \"done\": %llu}",
               (unsigned long long)p->first, (unsigned long long)p->count,
               (unsigned long long)p->done);
    }
    printf("],\n \"trials\": %llu, \"done\": %llu, \"missing\": %llu}\n",
           (unsigned long long)sum->trials, (unsigned long long)sum->done,
           (unsigned long long)(sum->trials - sum->done));
}

static int info_parts(const char **paths, size_t n, bool json)
{
    ss_h5_part *parts = calloc(n, sizeof *parts);
    cli_gaps *gaps = calloc(1, sizeof *gaps);
    ss_h5_parts sum;
    ss_error err;
    ss_error_clear(&err);
    int rc = 0;
    if (!parts || !gaps)
        ss_error_set(&err, SS_ERR_NOMEM, "cannot allocate");
    if (!parts || !gaps ||
        ss_h5_read_parts(paths, n, parts, &sum, cli_gaps_add, gaps, &err) !=
            SS_OK) {
        rc = cli_report(&err);
        goto out;
    }
    if (json) {
        json_parts(paths, parts, n, &sum);
        rc = sum.done < sum.trials ? INFO_INCOMPLETE : 0;
        goto out;
    }
    printf("sweep    %s: model %s, seed %llu, kernel %s\n", sum.name,
           sum.model, (unsigned long long)sum.seed, sum.kernel);
    printf("spec     %s (SHA-256 %.16s...)\n", sum.spec_file,
           sum.spec_sha256);
    for (size_t i = 0; i < n; i++) {
        const ss_h5_part *p = &parts[i];
        char trials[96];
        cli_format_trials(trials, sizeof trials, p->first, p->count);
        printf("part     %s: ", paths[i]);
        if (p->sharded)
            printf("shard %llu/%llu, %s: ", (unsigned long long)p->shard.k,
                   (unsigned long long)p->shard.n, trials);
        else
            printf("every trial: ");
        printf("%llu of %llu done\n", (unsigned long long)p->done,
               (unsigned long long)p->count);
    }
    printf("trials   %llu of %llu done in some part (%.1f%%)\n",
           (unsigned long long)sum.done, (unsigned long long)sum.trials,
           sum.trials ? 100.0 * (double)sum.done / (double)sum.trials : 0.0);
    if (sum.done < sum.trials) {
        printf("missing  %llu trials: ",
               (unsigned long long)(sum.trials - sum.done));
        cli_print_gaps(stdout, gaps);
        printf("\n");
        cli_fill_ctx fill = {gaps, paths, parts, n, &sum, NULL, false};
        cli_print_fill(stdout, &fill);
        rc = INFO_INCOMPLETE;
    }
out:
    free(parts);
    free(gaps);
    return rc;
}

int cli_cmd_info(int argc, char **argv, const char *command_line)
{
    (void)command_line;
    const char **paths = calloc((size_t)argc + 1, sizeof *paths);
    if (!paths) {
        fprintf(stderr, "synsweep: error: cannot allocate\n");
        return ss_status_exit_code(SS_ERR_NOMEM);
    }
    cli_words w;
    size_t n;
    int rc = cli_parse_list(&info_syntax, argc, argv, &w, paths, &n, NULL,
                            NULL);
    if (rc == CLI_CONTINUE)
        rc = n == 1 ? info(paths[0], w.flag[OPT_JSON])
                    : info_parts(paths, n, w.flag[OPT_JSON]);
    free(paths);
    return rc;
}
