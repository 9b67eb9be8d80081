/* synsweep validate: a spec checked and its grid printed. */
#include "cli.h"

#include <stdio.h>

#include "synsweep/params.h"

static const char validate_usage[] =
    "usage: synsweep validate SPEC [--json]\n"
    "Checks a sweep spec and prints its grid: axes, sizes, trials.\n"
    "  --json      one JSON object: an axis' values when it has at most\n"
    "              1000, else its first and last\n"
    "  -h, --help  this text\n";

/* Axes longer than this give first and last in JSON, not every value. */
#define JSON_MAX_VALUES 1000

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

/* A member's value i: a word for `input`, else a number. */
static void json_value(const ss_axis_member *m, size_t i)
{
    if (m->param != SS_PARAM_COUNT &&
        ss_param_info_of(m->param)->kind == SS_KIND_CHOICE) {
        char word[16];
        ss_param_format_value(m->param, m->values[i], word, sizeof word);
        cli_json_string(stdout, word);
    } else {
        cli_json_number(stdout, m->values[i]);
    }
}

/* "values": [...], or "first" and "last" of a long axis */
static void json_values(const ss_axis_member *m, size_t n)
{
    if (n <= JSON_MAX_VALUES) {
        printf("\"values\": [");
        for (size_t i = 0; i < n; i++) {
            printf("%s", i ? ", " : "");
            json_value(m, i);
        }
        printf("]");
    } else {
        printf("\"first\": ");
        json_value(m, 0);
        printf(", \"last\": ");
        json_value(m, n - 1);
    }
}

static void json_grid(const ss_spec *spec, const ss_grid *grid)
{
    printf("{\"spec\": ");
    cli_json_string(stdout, ss_spec_file(spec));
    cli_json_string_member(stdout, "name", ss_spec_name(spec));
    cli_json_string_member(stdout, "description", ss_spec_description(spec));
    printf(", \"model\": \"%s\", \"seed\": %llu, \"streams\": \"%s\",\n"
           " \"axes\": [",
           ss_model_name(ss_spec_model(spec)),
           (unsigned long long)ss_spec_seed(spec),
           ss_spec_common_streams(spec) ? "common" : "independent");
    for (size_t a = 0; a < ss_spec_axis_count(spec); a++) {
        const ss_axis *ax = ss_spec_axis(spec, a);
        printf("%s\n  {\"name\": ", a ? "," : "");
        cli_json_string(stdout, ax->name);
        printf(", \"size\": %zu, \"zip\": %s", ax->n,
               ax->zip ? "true" : "false");
        if (ax->zip) {
            printf(", \"members\": [");
            for (size_t k = 0; k < ax->n_members; k++) {
                printf("%s{\"name\": ", k ? ", " : "");
                cli_json_string(stdout, ax->members[k].name);
                printf(", ");
                json_values(&ax->members[k], ax->n);
                printf("}");
            }
            printf("]");
        } else {
            printf(", ");
            json_values(&ax->members[0], ax->n);
        }
        if (ax->labels) {
            printf(", \"labels\": [");
            for (size_t i = 0; i < ax->n; i++) {
                printf("%s", i ? ", " : "");
                cli_json_string(stdout, ax->labels[i]);
            }
            printf("]");
        }
        printf("}");
    }
    printf("],\n \"repeats\": %llu, \"derived\": [",
           (unsigned long long)ss_spec_repeats(spec));
    for (size_t k = 0; k < ss_spec_derived_count(spec); k++) {
        printf("%s{\"name\": \"%s\", \"expression\": ", k ? ", " : "",
               ss_param_info_of(ss_spec_derived_param(spec, k))->name);
        cli_json_string(stdout, ss_spec_derived_text(spec, k));
        printf("}");
    }
    printf("],\n \"points\": %llu, \"trials\": %llu}\n",
           (unsigned long long)ss_spec_point_count(spec),
           (unsigned long long)ss_grid_trials(grid));
}

static int validate(const char *path, bool json)
{
    ss_spec *spec;
    ss_grid *grid;
    int rc = cli_load_sweep(path, &spec, &grid);
    if (rc != 0)
        return rc;
    if (json)
        json_grid(spec, grid);
    else
        cli_print_grid(spec, grid);
    ss_grid_free(grid);
    ss_spec_free(spec);
    return 0;
}

int cli_cmd_validate(int argc, char **argv, const char *command_line)
{
    (void)command_line;
    static const cli_option options[] = {CLI_OPT_HELP,
                                         {OPT_JSON, 0, "json", false, 0}};
    static const cli_syntax syntax = {
        "validate", validate_usage, NULL, CLI_TABLE(options),
        "validate takes one SPEC", "validate takes one SPEC"};
    cli_words w;
    int rc = cli_parse(&syntax, argc, argv, &w, NULL, NULL);
    return rc == CLI_CONTINUE ? validate(w.argument, w.flag[OPT_JSON]) : rc;
}
