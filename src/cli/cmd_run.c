#define _POSIX_C_SOURCE 200809L
/* synsweep run: a sweep run into one results file, or estimated. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "synsweep/metrics.h"
#include "synsweep/run.h"
#include "cli_mpi.h"
#include "signals.h"

static const char run_usage[] =
    "usage: synsweep run SPEC [-o FILE] [-j N] [--kernel fast|reference]\n"
    "                         [--shard K/N|auto] [--resume | --force]\n"
    "                         [--dry-run] [-q]\n"
    "Runs every trial of the sweep SPEC and writes one HDF5 results file\n"
    "(default: the spec's file name with .h5, in the current directory).\n"
    "  -o, --output FILE  results file\n"
    "  -j, --jobs N       threads (default: OMP_NUM_THREADS, else the\n"
    "                     CPUs this process may use)\n"
    "  --kernel K         fast (default) or reference (the tutorial's\n"
    "                     loops, slower)\n"
    "  --shard K/N        run only part K of N (0 <= K < N): the trials\n"
    "                     [floor(K*T/N), floor((K+1)*T/N)) of the T in\n"
    "                     row-major order, into a FILE with the whole\n"
    "                     sweep's layout; 'synsweep merge' joins the parts\n"
    "  --shard auto       K and N of this task of a Slurm job array:\n"
    "                     K = (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN)\n"
    "                     / SLURM_ARRAY_TASK_STEP, N = SLURM_ARRAY_TASK_COUNT\n"
    "  --resume           go on with the unfinished FILE of this spec (and\n"
    "                     shard): run only the trials not done yet; a FILE\n"
    "                     that does not exist yet is started, so one job\n"
    "                     script serves the first run and every requeue\n"
    "  --force            overwrite FILE if it exists\n"
    "  --dry-run          print the grid (and the shard's trials) and\n"
    "                     estimates of run time and file size\n"
    "  -q, --quiet        no progress line, no summary\n"
    "  --progress-every S when stderr is no terminal (a batch log): a\n"
    "                     progress line every S seconds (default 60)\n"
    "  -h, --help         this text\n"
    "  --                 ends the options: a SPEC may start with '-'\n";

static const cli_option run_options[] = {
    CLI_OPT_HELP,
    CLI_OPT_OUTPUT,
    {OPT_JOBS, 'j', "jobs", true, 0},
    CLI_OPT_KERNEL,
    {OPT_RESUME, 0, "resume", false, OPT_FORCE},
    CLI_OPT_FORCE,
    {OPT_DRY_RUN, 0, "dry-run", false, 0},
    {OPT_QUIET, 'q', "quiet", false, 0},
    {OPT_SHARD, 0, "shard", true, 0},
    {OPT_PROGRESS_EVERY, 0, "progress-every", true, 0},
};

static const cli_syntax run_syntax = {"run", run_usage, NULL,
                                     CLI_TABLE(run_options),
                                     "run needs a SPEC", NULL};

typedef struct run_args {
    cli_words w; /* SPEC, --kernel, --resume, --force, --dry-run, --quiet */
    const char *out_path;
    int threads;
    bool sharded; /* --shard given */
    ss_shard shard;
    double progress_every; /* seconds between lines in a batch log */
} run_args;

/* --shard K/N, or auto: this Slurm array task's. */
static int shard_value(run_args *r, const cli_arg *arg)
{
    ss_error err;
    ss_error_clear(&err);
    const bool slurm = strcmp(arg->value, "auto") == 0;
    ss_status st;
    if (slurm)
        st = ss_shard_from_slurm(getenv("SLURM_ARRAY_TASK_ID"),
                                 getenv("SLURM_ARRAY_TASK_MIN"),
                                 getenv("SLURM_ARRAY_TASK_STEP"),
                                 getenv("SLURM_ARRAY_TASK_COUNT"), &r->shard,
                                 &err);
    else
        st = ss_shard_parse(arg->value, &r->shard, &err);
    if (st != SS_OK) /* auto's messages name the option already */
        return cli_usage_error("run", "%s%s", slurm ? "" : "--shard: ",
                               err.message);
    r->sharded = true;
    return CLI_CONTINUE;
}

static int run_value(void *ctx, const cli_arg *arg)
{
    run_args *r = ctx;
    uint64_t j;
    if (arg->key == OPT_OUTPUT) {
        r->out_path = arg->value;
    } else if (arg->key == OPT_SHARD) {
        return shard_value(r, arg);
    } else if (arg->key == OPT_PROGRESS_EVERY) {
        char *end;
        double s = strtod(arg->value, &end);
        if (end == arg->value || *end || !(s > 0) || !isfinite(s))
            return cli_usage_error("run",
                                   "%s takes a number of seconds > 0 (got "
                                   "'%s')",
                                   arg->name, arg->value);
        r->progress_every = s;
    } else if (!cli_parse_u64(arg->value, &j) || j < 1 || j > CLI_MAX_THREADS) {
        return cli_usage_error("run",
                               "%s takes a thread count 1..%d (got '%s')",
                               arg->name, CLI_MAX_THREADS, arg->value);
    } else {
        r->threads = (int)j; /* -j */
    }
    return CLI_CONTINUE;
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

typedef struct progress_state {
    uint64_t before; /* trials a resumed file had done before this run */
    bool batch;      /* stderr is no terminal: whole lines, now and then */
    double every;    /* seconds between them */
    double next;     /* elapsed seconds when the next is due */
} progress_state;

/* p counts this run's trials; those done before are shown apart so the
 * rate and ETA stay this run's. On a terminal one line redrawn with \r;
 * in a batch log (Slurm's) a line every so often, and the last one. */
static void print_progress(const ss_run_progress *p, void *ctx)
{
    progress_state *ps = ctx;
    const bool last = p->done == p->total;
    if (ps->batch && p->elapsed < ps->next &&
        !(last && ps->next > ps->every))
        return;
    if (ps->batch) {
        while (ps->next <= p->elapsed)
            ps->next += ps->every;
        if (last)
            ps->next = INFINITY; /* said once */
    }
    double rate = p->elapsed > 0 ? (double)p->done / p->elapsed : 0;
    char eta[32], elapsed[32], earlier[64] = "";
    format_duration(rate > 0 ? (double)(p->total - p->done) / rate : NAN, eta,
                    sizeof eta);
    if (ps->before > 0)
        snprintf(earlier, sizeof earlier, "  (+%llu done before)",
                 (unsigned long long)ps->before);
    double percent =
        p->total ? 100.0 * (double)p->done / (double)p->total : 100.0;
    if (ps->batch) {
        format_duration(p->elapsed, elapsed, sizeof elapsed);
        fprintf(stderr,
                "progress %llu/%llu trials%s  %.1f%%  %.0f trials/s  "
                "elapsed %s  ETA %s\n",
                (unsigned long long)p->done, (unsigned long long)p->total,
                earlier, percent, rate, elapsed, eta);
    } else {
        fprintf(stderr,
                "\r%llu/%llu trials%s  %5.1f%%  %.0f trials/s  ETA %s   ",
                (unsigned long long)p->done, (unsigned long long)p->total,
                earlier, percent, rate, eta);
    }
    fflush(stderr);
}

typedef struct file_sink {
    ss_h5 *file;
    double seconds; /* spent writing */
    /* the rows lent to the file (read on its writer thread) until the
     * runner needs them back; not under MPI, where rank 0's sink is
     * handed other ranks' rows in buffers of its own */
    bool lend;
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
    ss_status st = sink->lend
                       ? ss_h5_lend_block(sink->file, first, n, rows, err)
                       : ss_h5_write_block(sink->file, first, n, rows, err);
    sink->seconds += now_seconds() - t0;
    return st;
}

static void release_rows(void *ctx)
{
    file_sink *sink = ctx;
    double t0 = now_seconds();
    ss_h5_release_rows(sink->file);
    sink->seconds += now_seconds() - t0;
}

static ss_status next_todo(void *ctx, uint64_t from, uint64_t *first,
                           uint64_t *n, ss_error *err)
{
    return ss_h5_next_todo(ctx, from, first, n, err);
}

/* FILE.yaml -> FILE.h5 in the current directory; false if it does not fit
 * in size bytes. */
static bool default_output(const char *spec_path, char *buf, size_t size)
{
    static const char ext[] = ".h5";
    size_t len = ss_spec_file_stem(spec_path, buf, size);
    if (len + sizeof ext > size)
        return false;
    memcpy(buf + len, ext, sizeof ext);
    return true;
}

/* --dry-run: the grid, and estimates of the run time and the file size. */
static int dry_run(const run_args *r, const ss_spec *spec,
                   const ss_grid *grid)
{
    ss_error err;
    ss_error_clear(&err);
    cli_print_grid(spec, grid);
    double per_trial;
    if (ss_run_time_trials(grid, r->w.kernel, 8, &per_trial, &err) != SS_OK)
        return cli_report(&err);
    ss_run_options opt = {.threads = r->threads};
    int n_threads = ss_run_threads(&opt);
    uint64_t first, total; /* the part this run would do */
    ss_grid_block(grid, &first, &total);
    const ss_shard *shard = ss_grid_shard(grid);
    if (shard) {
        char trials[96];
        cli_format_trials(trials, sizeof trials, first, total);
        printf("shard   %llu/%llu: %s, %llu of the %llu trials\n",
               (unsigned long long)shard->k, (unsigned long long)shard->n,
               trials, (unsigned long long)total,
               (unsigned long long)ss_grid_trials(grid));
    }
    char eta[32];
    format_duration(per_trial * (double)total / n_threads, eta, sizeof eta);
    printf("time    ~%s on %d thread%s (%.3g ms per trial)\n", eta, n_threads,
           n_threads == 1 ? "" : "s", per_trial * 1e3);
    printf("output  %s, at most %.2f MB before compression\n", r->out_path,
           ceil(ss_h5_estimate_bytes(grid) / 1e4) / 100);
    return 0;
}

/* The command that goes on with the run, on stderr, its paths quoted for
 * the shell. */
static void print_resume_command(const run_args *r)
{
    fputs("  resume with: synsweep run ", stderr);
    cli_put_spec_word(stderr, r->w.argument);
    fputs(" -o ", stderr);
    cli_put_shell_word(stderr, r->out_path);
    /* K/N, not auto: the line works outside the array too */
    if (r->sharded)
        fprintf(stderr, " --shard %llu/%llu", (unsigned long long)r->shard.k,
                (unsigned long long)r->shard.n);
    fputs(" --resume", stderr);
    if (r->w.kernel != SS_KERNEL_FAST)
        fprintf(stderr, " --kernel %s", ss_kernel_name(r->w.kernel));
    fputc('\n', stderr);
}

/* What a signal left: how many trials are done and how to go on. */
static int print_stopped(const run_args *r, int sig, uint64_t done,
                         uint64_t total)
{
    char shard[64] = "";
    if (r->sharded)
        snprintf(shard, sizeof shard, " of shard %llu/%llu",
                 (unsigned long long)r->shard.k,
                 (unsigned long long)r->shard.n);
    fprintf(stderr,
            "synsweep: interrupted by %s: stopped; %llu of %llu trials%s "
            "are done and written to %s\n",
            cli_signal_name(sig), (unsigned long long)done,
            (unsigned long long)total, shard, r->out_path);
    print_resume_command(r);
    return 128 + sig;
}

/* Creates (or, with --resume, opens) the file, runs the trials into it
 * and closes it; the exit status. */
static int run_into_file(const run_args *r, const ss_grid *grid,
                         const char *command_line)
{
    ss_error err;
    ss_error_clear(&err);
    ss_run_options opt = {.threads = r->threads, .kernel = r->w.kernel};
    uint64_t first, total; /* the trials this run is for: a shard's */
    ss_grid_block(grid, &first, &total);
    const char *kernel = ss_kernel_name(r->w.kernel);
    const bool quiet = r->w.flag[OPT_QUIET];
    /* --resume on a FILE not made yet starts it: one job script serves
     * the first run and every requeue */
    struct stat st_out;
    const bool resume = r->w.flag[OPT_RESUME] &&
                        !(lstat(r->out_path, &st_out) != 0 && errno == ENOENT);
    if (r->w.flag[OPT_RESUME] && !resume && !quiet)
        printf("starting %s: it does not exist yet\n", r->out_path);
    ss_h5 *file;
    uint64_t already = 0;
    /* caught from here on: a signal while the file is made (or compressed)
     * is seen once that is done, never half-way */
    const volatile sig_atomic_t *stop = cli_catch_signals();
    double t_create = now_seconds();
    ss_status open_st =
        resume ? ss_h5_open_resume(r->out_path, grid, kernel, &file, &already,
                                   &err)
               : ss_h5_create(r->out_path, grid, kernel, command_line,
                              r->w.flag[OPT_FORCE], &file, &err);
    if (open_st != SS_OK)
        return cli_report(&err);
    int sig = *stop;
    if (sig) { /* the file is a valid, unfinished results file */
        ss_h5_close(file, false, NULL);
        return print_stopped(r, sig, already, total);
    }
    bool tty = isatty(STDERR_FILENO);
    progress_state ps = {already, !tty, r->progress_every,
                         r->progress_every};
    opt.progress = quiet ? NULL : print_progress;
    opt.progress_ctx = &ps;
    opt.block = ss_h5_chunk_trials(file);
    if (resume) {
        opt.todo = next_todo;
        opt.todo_ctx = file;
        opt.todo_trials = total - already;
        if (!quiet)
            printf("resuming %s: %llu of %llu trials done, %llu to run\n",
                   r->out_path, (unsigned long long)already,
                   (unsigned long long)total,
                   (unsigned long long)(total - already));
    }
    opt.stop = stop;
    file_sink sink = {file, 0.0, cli_mpi_ranks() == 1};
    if (sink.lend)
        opt.release = release_rows;
    ss_run_result result;
    double t0 = now_seconds();
    ss_status st = cli_mpi_run(grid, &opt, write_to_file, &sink, &result,
                               &err);
    double t1 = now_seconds();
    /* the blocks still being written (the file's time): their failure is
     * the run's */
    ss_error flush_err;
    ss_status flush_st = ss_h5_flush(file, &flush_err);
    if (flush_st != SS_OK && (st == SS_OK || st == SS_ERR_INTR)) {
        st = flush_st;
        err = flush_err;
    }
    if (!quiet && tty)
        fprintf(stderr, "\n");
    ss_error close_err;
    ss_status close_st = ss_h5_close(file, st == SS_OK, &close_err);
    double t_closed = now_seconds();
    if (st == SS_ERR_INTR)
        return print_stopped(r, result.signal, already + result.written,
                             total);
    if (st != SS_OK)
        return cli_report(&err);
    if (close_st != SS_OK) {
        /* every trial is in the file; only compressing it failed */
        fprintf(stderr, "synsweep: warning: %s\n", close_err.message);
    }
    if ((sig = *stop) != 0) {
        /* after the last trial, while the file was compressed: the work is
         * done, the signal still decides the exit status */
        fprintf(stderr,
                "synsweep: interrupted by %s after the last trial: all %llu "
                "trials are done and written to %s\n",
                cli_signal_name(sig), (unsigned long long)total,
                r->out_path);
        return 128 + sig;
    }
    if (quiet)
        return 0;

    double secs = t1 - t0, all = t_closed - t_create;
    /* creating the file, writing blocks, compressing it at the end */
    double writing = (t0 - t_create) + sink.seconds + (t_closed - t1);
    int threads = ss_run_threads(&opt), ranks = cli_mpi_ranks();
    char on_ranks[64] = "";
    if (ranks > 1)
        snprintf(on_ranks, sizeof on_ranks, " on rank 0 of %d MPI ranks",
                 ranks);
    printf("ran %llu trials in %.2f s (%.0f trials/s) on %d thread%s%s, "
           "%s kernel; the file took %.1f%% of %.2f s\n",
           (unsigned long long)result.written, secs,
           secs > 0 ? (double)result.written / secs : 0.0, threads,
           threads == 1 ? "" : "s", on_ranks, kernel,
           all > 0 ? 100.0 * writing / all : 0.0, all);
    ss_h5_info *info = malloc(sizeof *info);
    if (info && ss_h5_read_info(r->out_path, info, &err) == SS_OK)
        cli_print_info(info, r->out_path);
    free(info);
    return 0;
}

static int run_command(int argc, char **argv, const char *command_line)
{
    run_args r = {.out_path = NULL, .progress_every = 60};
    int rc = cli_parse(&run_syntax, argc, argv, &r.w, run_value, &r);
    if (rc == CLI_CONTINUE && r.threads == 0) /* no -j */
        rc = cli_env_threads("run", &r.threads);
    if (rc != CLI_CONTINUE)
        return rc;
    char default_path[4096];
    if (!r.out_path) {
        if (!default_output(r.w.argument, default_path, sizeof default_path))
            return cli_usage_error("run", "the spec's name is too long for "
                                   "an output name; give one with -o");
        r.out_path = default_path;
    }
    /* before anything is read or written: -o SPEC would overwrite it */
    if (cli_same_file(r.w.argument, r.out_path))
        return cli_usage_error("run", "the output '%s' is the spec itself",
                               r.out_path);
    ss_spec *spec;
    ss_grid *grid;
    if ((rc = cli_load_part(r.w.argument, r.sharded ? &r.shard : NULL, &spec,
                            &grid)) != 0)
        return rc;
    rc = r.w.flag[OPT_DRY_RUN] ? dry_run(&r, spec, grid)
                   : run_into_file(&r, grid, command_line);
    ss_grid_free(grid);
    ss_spec_free(spec);
    return rc;
}

int cli_cmd_run(int argc, char **argv, const char *command_line)
{
    /* under an MPI launcher: on rank 0, the trials on every rank */
    return cli_mpi_command(argc, argv, command_line, run_command);
}
