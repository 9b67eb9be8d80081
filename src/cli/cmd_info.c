/* synsweep info: a results file summarised. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>

static const char info_usage[] =
    "usage: synsweep info FILE\n"
    "Summarises a results file: its sweep, axes, trials done, and each\n"
    "metric's min, mean and max over the finished trials. Exits 1 when\n"
    "trials marked done hold metrics their status rules out.\n"
    "  -h, --help  this text\n";

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

int cli_cmd_info(int argc, char **argv, const char *command_line)
{
    (void)command_line;
    return cli_run_on_path("info", info_usage, "FILE", argc, argv, info);
}
