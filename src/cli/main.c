#define _POSIX_C_SOURCE 200809L
/* synsweep's command line: a dispatch table of subcommands. Each parses its
 * arguments, calls the library and maps the status to an exit code; only
 * this file prints errors. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>
#include <time.h>
#include <unistd.h>

#include "synsweep/grid.h"
#include "synsweep/h5io.h"
#include "synsweep/metrics.h"
#include "synsweep/model.h"
#include "synsweep/params.h"
#include "synsweep/run.h"
#include "synsweep/spec.h"
#include "synsweep/status.h"
#include "synsweep/version.h"

#include "signals.h"

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

/* --kernel's value; prints the error and returns false when it is none. */
static bool parse_kernel(const char *text, ss_kernel *out)
{
    *out = ss_kernel_from_name(text);
    if (*out != SS_KERNEL_COUNT)
        return true;
    usage_error("--kernel takes fast or reference (got '%s')", text);
    return false;
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
    "[--repeat R] [--kernel fast|reference] [--json]\n"
    "Runs one trial of MODEL (lif_cond, lif_cond_stp, stp_train) with the\n"
    "defaults overridden by --set and prints its metrics, one\n"
    "'name<TAB>value' line each, or one JSON object with --json.\n"
    "The random stream is keyed by the seed, the full parameter point and\n"
    "the repeat index, as in a sweep; with the sweep's kernel (default\n"
    "fast) it prints exactly that trial's metrics.\n";

static int cmd_trial(int argc, char **argv, const char *command_line)
{
    (void)command_line;
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
    ss_kernel kernel = SS_KERNEL_FAST;
    ss_error err;
    ss_error_clear(&err);
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (strcmp(a, "--set") == 0 || strcmp(a, "--seed") == 0 ||
                   strcmp(a, "--repeat") == 0 || strcmp(a, "--kernel") == 0) {
            if (i + 1 >= argc)
                return usage_error("%s needs a value", a);
            const char *val = argv[++i];
            if (strcmp(a, "--kernel") == 0) {
                if (!parse_kernel(val, &kernel))
                    return ss_status_exit_code(SS_ERR_USAGE);
            } else if (strcmp(a, "--set") == 0) {
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
    ss_status st = ss_model_run_kernel(kernel, m, &p, &s, ws, &met, &err);
    ss_model_ws_free(ws);
    if (st != SS_OK)
        return report(&err);

    char buf[4096];
    ss_metrics_format(m, &met, json, buf, sizeof buf);
    fputs(buf, stdout);
    return fflush(stdout) == 0 ? 0 : 1;
}

/* The command line as typed, for the results file's attributes. */
static void join_command_line(int argc, char **argv, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < argc && used < size; i++) {
        bool quote = strpbrk(argv[i], " \t'\"") != NULL || !argv[i][0];
        int n = snprintf(buf + used, size - used, "%s%s%s%s", i ? " " : "",
                         quote ? "'" : "", argv[i], quote ? "'" : "");
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

/* Loads a spec and its grid; prints the error and returns its exit code
 * on failure, else 0. */
static int load_sweep(const char *path, ss_spec **spec, ss_grid **grid)
{
    ss_error err;
    ss_error_clear(&err);
    *grid = NULL;
    if (ss_spec_load_file(path, spec, &err) != SS_OK)
        return report(&err);
    if (ss_grid_create(*spec, grid, &err) != SS_OK) {
        ss_spec_free(*spec);
        *spec = NULL;
        return report(&err);
    }
    return 0;
}

static void format_duration(double s, char *buf, size_t size)
{
    if (!isfinite(s) || s < 0) {
        snprintf(buf, size, "?");
        return;
    }
    unsigned long t = (unsigned long)(s + 0.5);
    snprintf(buf, size, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
}

static void print_progress(const ss_run_progress *p, void *ctx)
{
    (void)ctx;
    double rate = p->elapsed > 0 ? (double)p->done / p->elapsed : 0;
    char eta[32];
    format_duration(rate > 0 ? (double)(p->total - p->done) / rate : NAN, eta,
                    sizeof eta);
    fprintf(stderr, "\r%llu/%llu trials  %5.1f%%  %.0f trials/s  ETA %s   ",
            (unsigned long long)p->done, (unsigned long long)p->total,
            100.0 * (double)p->done / (double)p->total, rate, eta);
    fflush(stderr);
}

typedef struct file_sink {
    ss_h5 *file;
    double seconds; /* spent writing */
} file_sink;

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static ss_status write_to_file(void *ctx, uint64_t first, uint64_t n,
                               const ss_metrics *rows, ss_error *err)
{
    file_sink *sink = ctx;
    double t0 = now_seconds();
    ss_status st = ss_h5_write_block(sink->file, first, n, rows, err);
    sink->seconds += now_seconds() - t0;
    return st;
}

static ss_status next_todo(void *ctx, uint64_t from, uint64_t *first,
                           uint64_t *n, ss_error *err)
{
    return ss_h5_next_todo(ctx, from, first, n, err);
}

static void print_grid(const ss_spec *spec, const ss_grid *grid)
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

static const char validate_usage[] =
    "usage: synsweep validate SPEC\n"
    "Checks a sweep spec and prints its grid: axes, sizes, trials.\n";

static int cmd_validate(int argc, char **argv, const char *command_line)
{
    (void)command_line;
    if (argc == 2 && (strcmp(argv[1], "--help") == 0)) {
        fputs(validate_usage, stdout);
        return 0;
    }
    if (argc != 2)
        return usage_error("%s", "validate takes one SPEC");
    ss_spec *spec;
    ss_grid *grid;
    int rc = load_sweep(argv[1], &spec, &grid);
    if (rc)
        return rc;
    print_grid(spec, grid);
    ss_grid_free(grid);
    ss_spec_free(spec);
    return 0;
}

static void print_info(const ss_h5_info *info, const char *path)
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
    printf("%-12s %-5s %14s %14s %14s %10s\n", "metric", "unit", "min", "mean",
           "max", "finite");
    for (size_t k = 0; k < info->n_metrics; k++) {
        const ss_h5_metric_summary *m = &info->metrics[k];
        printf("%-12s %-5s %14.6g %14.6g %14.6g %10llu\n", m->name, m->units,
               m->min, m->mean, m->max, (unsigned long long)m->finite);
    }
}

static const char info_usage[] =
    "usage: synsweep info FILE\n"
    "Summarises a results file: its sweep, axes, trials done, and each\n"
    "metric's min, mean and max over the finished trials.\n";

static int cmd_info(int argc, char **argv, const char *command_line)
{
    (void)command_line;
    if (argc == 2 && strcmp(argv[1], "--help") == 0) {
        fputs(info_usage, stdout);
        return 0;
    }
    if (argc != 2)
        return usage_error("%s", "info takes one FILE");
    ss_h5_info *info = malloc(sizeof *info);
    ss_error err;
    ss_error_clear(&err);
    if (!info) {
        ss_error_set(&err, SS_ERR_NOMEM, "cannot allocate");
        return report(&err);
    }
    if (ss_h5_read_info(argv[1], info, &err) != SS_OK) {
        free(info);
        return report(&err);
    }
    print_info(info, argv[1]);
    free(info);
    return 0;
}

/* FILE.yaml -> FILE.h5 in the current directory. */
static void default_output(const char *spec_path, char *buf, size_t size)
{
    const char *base = strrchr(spec_path, '/');
    base = base ? base + 1 : spec_path;
    const char *dot = strrchr(base, '.');
    int len = dot && dot != base ? (int)(dot - base) : (int)strlen(base);
    snprintf(buf, size, "%.*s.h5", len, base);
}

static const char run_usage[] =
    "usage: synsweep run SPEC [-o FILE] [-j N] [--kernel fast|reference]\n"
    "                         [--resume | --force] [--dry-run] [--quiet]\n"
    "Runs every trial of the sweep SPEC and writes one HDF5 results file\n"
    "(default: the spec's file name with .h5, in the current directory).\n"
    "  -o FILE     results file\n"
    "  -j N        threads (default: all cores)\n"
    "  --kernel K  fast (default) or reference (the tutorial's loops,\n"
    "              slower)\n"
    "  --resume    go on with the unfinished FILE of this spec: run only the\n"
    "              trials not done yet\n"
    "  --force     overwrite FILE if it exists\n"
    "  --dry-run   print the grid and estimates of run time and file size\n"
    "  --quiet     no progress line\n";

static int cmd_run(int argc, char **argv, const char *command_line)
{
    const char *spec_path = NULL, *out_path = NULL;
    bool force = false, dry_run = false, quiet = false, resume = false;
    int threads = 0;
    ss_kernel kernel = SS_KERNEL_FAST;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(run_usage, stdout);
            return 0;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "-j") == 0 ||
                   strcmp(a, "--kernel") == 0) {
            if (i + 1 >= argc)
                return usage_error("%s needs a value", a);
            const char *v = argv[++i];
            if (a[1] == 'o') {
                out_path = v;
            } else if (a[1] == '-') {
                if (!parse_kernel(v, &kernel))
                    return ss_status_exit_code(SS_ERR_USAGE);
            } else {
                uint64_t j;
                if (!parse_u64(v, &j) || j < 1 || j > 4096)
                    return usage_error("-j takes a thread count 1..4096 "
                                       "(got '%s')",
                                       v);
                threads = (int)j;
            }
        } else if (strcmp(a, "--force") == 0) {
            force = true;
        } else if (strcmp(a, "--resume") == 0) {
            resume = true;
        } else if (strcmp(a, "--dry-run") == 0) {
            dry_run = true;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            quiet = true;
        } else if (a[0] == '-' && a[1]) {
            return usage_error("unknown option '%s'", a);
        } else if (!spec_path) {
            spec_path = a;
        } else {
            return usage_error("unexpected argument '%s'", a);
        }
    }
    if (!spec_path)
        return usage_error("%s", "run needs a SPEC");
    char default_path[4096];
    if (!out_path) {
        default_output(spec_path, default_path, sizeof default_path);
        out_path = default_path;
    }

    ss_spec *spec;
    ss_grid *grid;
    int rc = load_sweep(spec_path, &spec, &grid);
    if (rc)
        return rc;
    ss_error err;
    ss_error_clear(&err);
    if (resume && force)
        return usage_error("%s", "--resume and --force do not go together");
    ss_run_options opt = {.threads = threads, .kernel = kernel};
    uint64_t total = ss_grid_trials(grid);

    if (dry_run) {
        print_grid(spec, grid);
        double per_trial;
        if (ss_run_time_trials(grid, kernel, 8, &per_trial, &err) != SS_OK) {
            rc = report(&err);
        } else {
            int n_threads = ss_run_threads(&opt);
            size_t metrics = 0;
            for (int i = 0; i < SS_METRIC_COUNT; i++)
                metrics += ss_metric_used_by((ss_metric_id)i,
                                             ss_spec_model(spec)) &&
                           ss_spec_metric_selected(spec, (ss_metric_id)i);
            char eta[32];
            format_duration(per_trial * (double)total / n_threads, eta,
                            sizeof eta);
            printf("time    ~%s on %d thread%s (%.3g ms per trial)\n", eta,
                   n_threads, n_threads == 1 ? "" : "s", per_trial * 1e3);
            printf("output  %s, at most %.3g MB before compression\n",
                   out_path, (double)total * (8.0 * metrics + 1) / 1e6);
        }
        ss_grid_free(grid);
        ss_spec_free(spec);
        return rc;
    }

    ss_h5 *file;
    uint64_t already = 0;
    double t_create = now_seconds();
    ss_status open_st =
        resume ? ss_h5_open_resume(out_path, grid, ss_kernel_name(kernel),
                                   &file, &already, &err)
               : ss_h5_create(out_path, grid, ss_kernel_name(kernel),
                              command_line, force, &file, &err);
    if (open_st != SS_OK) {
        ss_grid_free(grid);
        ss_spec_free(spec);
        return report(&err);
    }
    bool show = !quiet && isatty(STDERR_FILENO);
    opt.progress = show ? print_progress : NULL;
    opt.block = ss_h5_chunk_trials(file);
    if (resume) {
        opt.todo = next_todo;
        opt.todo_ctx = file;
        opt.todo_trials = total - already;
        if (!quiet)
            printf("resuming %s: %llu of %llu trials done, %llu to run\n",
                   out_path, (unsigned long long)already,
                   (unsigned long long)total,
                   (unsigned long long)(total - already));
    }
    opt.stop = cli_catch_signals();
    file_sink sink = {file, 0.0};
    ss_run_result result;
    double t0 = now_seconds();
    ss_status st = ss_run(grid, &opt, write_to_file, &sink, &result, &err);
    double t1 = now_seconds();
    if (show)
        fprintf(stderr, "\n");
    ss_error close_err;
    ss_status close_st = ss_h5_close(file, st == SS_OK, &close_err);
    double t_closed = now_seconds();
    ss_grid_free(grid);
    ss_spec_free(spec);
    if (st == SS_ERR_INTR) {
        uint64_t done = already + result.written;
        fprintf(stderr,
                "synsweep: interrupted by %s: stopped; %llu of %llu trials "
                "are done and written to %s\n"
                "  resume with: synsweep run %s -o %s --resume%s%s\n",
                cli_signal_name(result.signal), (unsigned long long)done,
                (unsigned long long)total, out_path, spec_path, out_path,
                kernel == SS_KERNEL_FAST ? "" : " --kernel ",
                kernel == SS_KERNEL_FAST ? "" : ss_kernel_name(kernel));
        return 128 + result.signal;
    }
    if (st != SS_OK)
        return report(&err);
    if (close_st != SS_OK) {
        /* every trial is in the file; only compressing it failed */
        fprintf(stderr, "synsweep: warning: %s\n", close_err.message);
    }

    double secs = t1 - t0, all = t_closed - t_create;
    /* creating the file, writing blocks, compressing it at the end */
    double writing = (t0 - t_create) + sink.seconds + (t_closed - t1);
    if (!quiet) {
        printf("ran %llu trials in %.2f s (%.0f trials/s) on %d thread%s, "
               "%s kernel; the file took %.1f%% of %.2f s\n",
               (unsigned long long)result.written, secs,
               secs > 0 ? (double)result.written / secs : 0.0,
               ss_run_threads(&opt), ss_run_threads(&opt) == 1 ? "" : "s",
               ss_kernel_name(kernel),
               all > 0 ? 100.0 * writing / all : 0.0, all);
        ss_h5_info *info = malloc(sizeof *info);
        if (info && ss_h5_read_info(out_path, info, &err) == SS_OK)
            print_info(info, out_path);
        free(info);
    }
    return 0;
}

static const char trace_usage[] =
    "usage: synsweep trace SPEC --trial I -o FILE [--kernel fast|reference] "
    "[--force]\n"
    "Runs trial I of the sweep SPEC (the index along the grid, row-major,\n"
    "repeats last) and writes its full time series to the HDF5 file FILE.\n"
    "With the fast kernel (default) the trial's presynaptic trains are the\n"
    "ones the sweep drew, stepped bin by bin as the tutorial does.\n";

static int cmd_trace(int argc, char **argv, const char *command_line)
{
    const char *spec_path = NULL, *out_path = NULL;
    uint64_t trial = 0;
    bool have_trial = false, force = false;
    ss_kernel kernel = SS_KERNEL_FAST;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(trace_usage, stdout);
            return 0;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--trial") == 0 ||
                   strcmp(a, "--kernel") == 0) {
            if (i + 1 >= argc)
                return usage_error("%s needs a value", a);
            const char *v = argv[++i];
            if (strcmp(a, "--kernel") == 0) {
                if (!parse_kernel(v, &kernel))
                    return ss_status_exit_code(SS_ERR_USAGE);
            } else if (a[1] == 'o')
                out_path = v;
            else if (!(have_trial = parse_u64(v, &trial)))
                return usage_error("--trial takes a trial index (got '%s')",
                                   v);
        } else if (strcmp(a, "--force") == 0) {
            force = true;
        } else if (a[0] == '-' && a[1]) {
            return usage_error("unknown option '%s'", a);
        } else if (!spec_path) {
            spec_path = a;
        } else {
            return usage_error("unexpected argument '%s'", a);
        }
    }
    if (!spec_path || !have_trial || !out_path)
        return usage_error("%s", "trace needs SPEC, --trial I and -o FILE");
    ss_spec *spec;
    ss_grid *grid;
    int rc = load_sweep(spec_path, &spec, &grid);
    if (rc)
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
        st = ss_grid_trial(grid, trial, &p, &repeat, &s, &err);
    if (st == SS_OK)
        st = ss_model_run_traced(kernel, ss_spec_model(spec), &p, &s, ws,
                                 &met, &err);
    if (st == SS_OK)
        st = ss_h5_write_trace(out_path, force, grid, trial, &p, &met, ws,
                               command_line, &err);
    if (st == SS_OK)
        printf("wrote trial %llu (repeat %llu, %zu time points) to %s\n",
               (unsigned long long)trial, (unsigned long long)repeat,
               ss_model_trace_length(ws), out_path);
    ss_model_ws_free(ws);
    ss_grid_free(grid);
    ss_spec_free(spec);
    return st == SS_OK ? 0 : report(&err);
}

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv, const char *command_line);
    const char *summary;
} command;

static const command commands[] = {
    {"run", cmd_run, "run a sweep spec into one HDF5 results file"},
    {"validate", cmd_validate, "check a sweep spec and print its grid"},
    {"info", cmd_info, "summarise a results file"},
    {"trial", cmd_trial, "run one trial and print its metrics"},
    {"trace", cmd_trace, "write the time series of one trial of a sweep"},
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
    char command_line[8192];
    join_command_line(argc, argv, command_line, sizeof command_line);
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1, command_line);
    return usage_error("unknown command '%s'", argv[1]);
}
