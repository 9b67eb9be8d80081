#define _POSIX_C_SOURCE 200809L
/* The ranks but 0 of a run over MPI ranks: ask rank 0 for trials, compute
 * them, send the metrics back. */
#include "synsweep/ranks.h"

#include <stdint.h>
#include <time.h>

#include <mpi.h>

#include "ranks_internal.h"

/* A rank waiting for rank 0 naps this long between looks (MPI's blocking
 * calls spin, and would take a core from the trials). */
#define WAIT_NAP_NS 50000L

/* MPI_Wait without spinning. */
static void wait_politely(MPI_Request *req)
{
    struct timespec nap = {0, WAIT_NAP_NS};
    int done = 0;
    for (;;) {
        MPI_Test(req, &done, MPI_STATUS_IGNORE);
        if (done)
            return;
        nanosleep(&nap, NULL);
    }
}

static int stop_value(const ss_run_options *opt)
{
    return opt->stop ? (int)*opt->stop : 0;
}

static ss_status ask(void *ctx, uint64_t from, uint64_t *first, uint64_t *n,
                     ss_error *err)
{
    (void)ctx;
    (void)from; /* deals only grow, so they start at or after it */
    (void)err;
    MPI_Request req[2];
    uint64_t w[2];
    MPI_Irecv(w, 2, MPI_UINT64_T, 0, SS__RANKS_WORK, MPI_COMM_WORLD, &req[1]);
    MPI_Isend(NULL, 0, MPI_BYTE, 0, SS__RANKS_ASK, MPI_COMM_WORLD, &req[0]);
    wait_politely(&req[0]);
    wait_politely(&req[1]);
    *first = w[0];
    *n = w[1];
    return SS_OK;
}

static ss_status send_rows(void *ctx, uint64_t first, uint64_t n,
                           const ss_metrics *rows, ss_error *err)
{
    (void)ctx;
    (void)err;
    uint64_t h[2] = {first, n};
    MPI_Request req[2];
    MPI_Isend(h, 2, MPI_UINT64_T, 0, SS__RANKS_ROWS, MPI_COMM_WORLD, &req[0]);
    MPI_Isend(rows, (int)(n * sizeof *rows), MPI_BYTE, 0, SS__RANKS_DATA,
              MPI_COMM_WORLD, &req[1]);
    wait_politely(&req[0]);
    wait_politely(&req[1]);
    return SS_OK;
}

static void send_bye(ss_status st, int signal, const ss_error *err)
{
    ss__ranks_bye b = {st, signal, *err};
    MPI_Request req;
    MPI_Isend(&b, (int)sizeof b, MPI_BYTE, 0, SS__RANKS_BYE, MPI_COMM_WORLD,
              &req);
    wait_politely(&req);
}

ss_status ss_ranks_work(const ss_grid *grid, const ss_run_options *opt,
                        ss_error *err)
{
    ss_run_options o = *opt;
    o.todo = ask;
    o.todo_ctx = NULL;
    o.progress = NULL;
    ss_error e;
    ss_error_clear(&e);
    ss_status st = ss_run(grid, &o, send_rows, NULL, NULL, &e);
    send_bye(st, st == SS_ERR_INTR ? stop_value(opt) : 0, &e);
    if (err)
        *err = e;
    return st;
}

void ss_ranks_fail(const ss_error *err)
{
    send_bye(err->code != SS_OK ? err->code : SS_ERR_IO, 0, err);
}
