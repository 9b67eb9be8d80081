/* synsweep info: a results file summarised. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>

static const char info_usage[] =
    "usage: synsweep info FILE\n"
    "       synsweep info PART PART...\n"
    "Summarises a results file: its sweep, axes, trials done (a shard's\n"
    "part: of its block too), and each metric's min, mean and max over the\n"
    "finished trials. Exits 1 when trials marked done hold metrics their\n"
    "status rules out.\n"
    "With several files, the parts of one sweep (as 'synsweep merge' takes\n"
    "them): each part's shard and trials done of its block, the trials\n"
    "done in some part of the whole sweep, and the missing ones with the\n"
    "commands that run them. Exits 1 when a trial is missing (or a part is\n"
    "unreadable), 2 when a file is not of the first one's sweep.\n"
    "  -h, --help  this text\n";

static const cli_option info_options[] = {CLI_OPT_HELP};
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

static int info(const char *path)
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
    cli_print_info(info, path);
    int rc = info->impossible ? 1 : 0;
    free(info);
    return rc;
}

/* Several files: the parts of one sweep, and what they miss. */
static int info_parts(const char **paths, size_t n)
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
        rc = ss_status_exit_code(SS_ERR_IO);
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
        rc = n == 1 ? info(paths[0]) : info_parts(paths, n);
    free(paths);
    return rc;
}
