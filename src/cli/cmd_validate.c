/* synsweep validate: a spec checked and its grid printed. */
#include "cli.h"

#include <stdio.h>

#include "synsweep/params.h"

static const char validate_usage[] =
    "usage: synsweep validate SPEC\n"
    "Checks a sweep spec and prints its grid: axes, sizes, trials.\n"
    "  -h, --help  this text\n";

void cli_print_grid(const ss_spec *spec, const ss_grid *grid)
{
    printf("spec    %s (%s)\n", ss_spec_file(spec), ss_spec_name(spec));
    printf("model   %s, seed %llu, streams %s\n",
           ss_model_name(ss_spec_model(spec)),
           (unsigned long long)ss_spec_seed(spec),
           ss_spec_common_streams(spec) ? "common" : "independent");
    printf("axes\n");
    for (size_t a = 0; a < ss_spec_axis_count(spec); a++) {
        const ss_axis *ax = ss_spec_axis(spec, a);
        for (size_t k = 0; k < ax->n_members; k++) {
            const ss_axis_member *m = &ax->members[k];
            char lo[64], hi[64];
            ss_param_id id = m->param == SS_PARAM_COUNT ? SS_P_T : m->param;
            ss_param_format_value(id, m->values[0], lo, sizeof lo);
            ss_param_format_value(id, m->values[ax->n - 1], hi, sizeof hi);
            if (k == 0)
                printf("  %-12s %8zu values", ax->name, ax->n);
            else
                printf("  %-12s %8s       ", "", "");
            printf("  %s%s%s .. %s\n", ax->zip ? m->name : "",
                   ax->zip ? ": " : "", lo, hi);
        }
        if (ax->labels)
            printf("  %-12s %8s         labels: %s .. %s\n", "", "",
                   ax->labels[0], ax->labels[ax->n - 1]);
    }
    printf("  %-12s %8llu\n", "repeat",
           (unsigned long long)ss_spec_repeats(spec));
    for (size_t k = 0; k < ss_spec_derived_count(spec); k++)
        printf("derived %s = %s\n",
               ss_param_info_of(ss_spec_derived_param(spec, k))->name,
               ss_spec_derived_text(spec, k));
    printf("trials  %llu (%llu grid points x %llu repeats)\n",
           (unsigned long long)ss_grid_trials(grid),
           (unsigned long long)ss_spec_point_count(spec),
           (unsigned long long)ss_spec_repeats(spec));
}

static int validate(const char *path)
{
    ss_spec *spec;
    ss_grid *grid;
    int rc = cli_load_sweep(path, &spec, &grid);
    if (rc != 0)
        return rc;
    cli_print_grid(spec, grid);
    ss_grid_free(grid);
    ss_spec_free(spec);
    return 0;
}

int cli_cmd_validate(int argc, char **argv, const char *command_line)
{
    (void)command_line;
    return cli_run_on_path("validate", validate_usage, "SPEC", argc, argv,
                           validate);
}
