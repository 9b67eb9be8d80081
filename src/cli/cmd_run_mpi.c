#define _POSIX_C_SOURCE 200809L
/* synsweep run under an MPI launcher: MPI's start and end, and what rank 0
 * tells the other ranks before and after the trials. */
#include "cli_mpi.h"

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mpi.h>

#include "signals.h"
#include "synsweep/ranks.h"
#include "synsweep/spec.h"

/* What rank 0 tells the others once it knows: take part (go, the file is
 * open), or end with an exit status (a usage or spec error, --help,
 * --dry-run, a file that cannot be made, a stop before the first trial).
 * The others never read the spec or the command line themselves: they
 * take the spec's text from rank 0, so the trials are those of the file
 * and only rank 0 prints. */
typedef struct job {
    int64_t go;
    int64_t status;   /* without go: the exit status */
    int64_t finalize; /* without go: 0 to end without MPI_Finalize */
    int64_t kernel;
    int64_t threads;  /* -j, or 0: each rank its own processors */
    uint64_t block;
    uint64_t text_len, name_len; /* then the spec's text and file name */
} job;

/* How the job ends, from rank 0 once the file is closed. */
typedef struct ending {
    int32_t status, finalize;
} ending;

static struct {
    int rank, size;   /* size 0: MPI not initialised */
    bool told;        /* rank 0 has sent the job */
    bool by_mpirun;   /* OpenMPI's mpirun started the ranks */
} mpi;

/* The others wait for rank 0 without spinning: it may be making or
 * compressing a large file on the core they share. */
#define WAIT_NAP_NS 1000000L
/* How long a rank other than 0 lingers under mpirun after an interrupted
 * job before it exits: mpirun, ending a job, takes the first rank to exit
 * as the end and kills the rest, and its own SIGKILL comes one second
 * after its SIGTERM; so rank 0 exits first, with its status. (srun reports
 * the highest status of all, whatever the order.) */
#define LINGER_SECONDS 2

/* Started by an MPI launcher: mpirun (OMPI_*), a PMIx one (mpirun, srun
 * --mpi=pmix) or a PMI-2 one (srun --mpi=pmi2, MPICH's). Anything else,
 * a plain shell or srun without --mpi, is no MPI job: MPI_Init would then
 * start a singleton, which costs about 0.4 s here, for nothing. */
static bool launched(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK",
                                       "PMI_RANK", "PMI_SIZE"};
    mpi.by_mpirun = getenv("OMPI_COMM_WORLD_SIZE") != NULL;
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (getenv(vars[i]))
            return true;
    return false;
}

/* MPI_Bcast from rank 0, without spinning while it waits. */
static void broadcast(void *buf, uint64_t len)
{
    MPI_Request req;
    MPI_Ibcast(buf, (int)len, MPI_BYTE, 0, MPI_COMM_WORLD, &req);
    int done = 0;
    struct timespec nap = {0, WAIT_NAP_NS};
    for (;;) {
        MPI_Test(&req, &done, MPI_STATUS_IGNORE);
        if (done)
            return;
        nanosleep(&nap, NULL);
    }
}

/* After SIGTERM, SIGINT or SIGHUP the launcher is ending the job (see
 * cli_mpi.h): MPI_Finalize would wait for it forever. */
static bool finalizes(int status)
{
    return status != 128 + SIGTERM && status != 128 + SIGINT &&
           status != 128 + SIGHUP;
}

static int end(int status, bool finalize)
{
    if (finalize) {
        MPI_Finalize();
    } else if (mpi.rank > 0 && mpi.by_mpirun) {
        struct timespec linger = {LINGER_SECONDS, 0};
        nanosleep(&linger, NULL);
    }
    return status;
}

int cli_mpi_ranks(void)
{
    return mpi.size > 1 ? mpi.size : 1;
}

ss_status cli_mpi_run(const ss_grid *grid, const ss_run_options *opt,
                      ss_run_sink sink, void *sink_ctx,
                      ss_run_result *result, ss_error *err)
{
    if (mpi.size <= 1)
        return ss_run(grid, opt, sink, sink_ctx, result, err);
    const ss_spec *spec = ss_grid_spec(grid);
    size_t text_len;
    const char *text = ss_spec_text(spec, &text_len);
    const char *name = ss_spec_file(spec);
    job j = {.go = 1, .kernel = opt->kernel, .threads = opt->threads,
             .block = opt->block, .text_len = text_len,
             .name_len = strlen(name)};
    char *payload = malloc(j.text_len + j.name_len + 1);
    if (!payload) /* the others wait for it: nothing else can end them */
        MPI_Abort(MPI_COMM_WORLD, ss_status_exit_code(SS_ERR_NOMEM));
    memcpy(payload, text, j.text_len);
    memcpy(payload + j.text_len, name, j.name_len);
    broadcast(&j, sizeof j);
    broadcast(payload, j.text_len + j.name_len);
    free(payload);
    mpi.told = true;
    return ss_ranks_run(grid, opt, sink, sink_ctx, result, err);
}

/* A rank but 0: the trials rank 0 deals, then rank 0's exit status. */
static int work(void)
{
    const volatile sig_atomic_t *stop = cli_catch_signals();
    job j;
    broadcast(&j, sizeof j);
    if (!j.go)
        return end((int)j.status, j.finalize);
    char *payload = malloc(j.text_len + j.name_len + 1);
    if (!payload)
        MPI_Abort(MPI_COMM_WORLD, ss_status_exit_code(SS_ERR_NOMEM));
    broadcast(payload, j.text_len + j.name_len);
    payload[j.text_len + j.name_len] = '\0';
    ss_error err;
    ss_error_clear(&err);
    ss_spec *spec = NULL;
    ss_grid *grid = NULL;
    if (ss_spec_load_string(payload, j.text_len, payload + j.text_len, &spec,
                            &err) != SS_OK ||
        ss_grid_create(spec, &grid, &err) != SS_OK) {
        ss_ranks_fail(&err);
    } else {
        ss_run_options opt = {.threads = (int)j.threads,
                              .kernel = (ss_kernel)j.kernel,
                              .block = j.block,
                              .stop = stop};
        ss_ranks_work(grid, &opt, &err); /* rank 0 reports how it ended */
    }
    ss_grid_free(grid);
    ss_spec_free(spec);
    free(payload);
    ending e;
    broadcast(&e, sizeof e);
    return end(e.status, e.finalize);
}

int cli_mpi_command(int argc, char **argv, const char *command_line,
                    cli_command_fn command)
{
    if (!launched())
        return command(argc, argv, command_line);
    int provided = 0;
    MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &mpi.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &mpi.size);
    if (provided < MPI_THREAD_FUNNELED) {
        if (mpi.rank == 0)
            fprintf(stderr, "synsweep: error: this MPI cannot give the "
                            "thread support a run needs (FUNNELED)\n");
        MPI_Abort(MPI_COMM_WORLD, ss_status_exit_code(SS_ERR_IO));
    }
    if (mpi.rank > 0)
        return work();
    int status = command(argc, argv, command_line);
    bool finalize = finalizes(status);
    if (mpi.size > 1 && !mpi.told) {
        job j = {.go = 0, .status = status, .finalize = finalize};
        broadcast(&j, sizeof j);
    } else if (mpi.size > 1) {
        ending e = {status, finalize};
        broadcast(&e, sizeof e);
    }
    return end(status, finalize);
}
