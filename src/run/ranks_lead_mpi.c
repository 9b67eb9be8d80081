#define _POSIX_C_SOURCE 200809L
/* Rank 0 of a run over MPI ranks: deals trials, writes what comes back,
 * and computes its own share on a thread of its own, so that the main
 * thread stays free to answer the others. */
#include "synsweep/ranks.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <mpi.h>

#include "ranks_internal.h"

/* The main thread naps this long when no message came, and waits without
 * spinning: it often shares a core with rank 0's own threads. */
#define LEAD_NAP_NS 200000L
#define PROGRESS_PERIOD 0.25

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int stop_value(const ss_run_options *opt)
{
    return opt->stop ? (int)*opt->stop : 0;
}

/* What rank 0's computing thread asks of the main thread, one at a time:
 * the main thread alone calls MPI, the sink and the todo callback. */
typedef enum { LOCAL_NONE, LOCAL_ASK, LOCAL_ROWS, LOCAL_BYE } local_kind;

typedef struct local {
    pthread_mutex_t mu;
    pthread_cond_t posted, answered;
    local_kind kind; /* posted and not answered yet; NONE once answered */
    uint64_t first, n;
    const ss_metrics *rows;
    ss_status st;
    ss_error err;
    const ss_grid *grid;
    ss_run_options opt;
} local;

/* Posts a request and waits for the main thread's answer. */
static void local_post(local *l, local_kind kind, uint64_t first, uint64_t n,
                       const ss_metrics *rows)
{
    pthread_mutex_lock(&l->mu);
    l->kind = kind;
    l->first = first;
    l->n = n;
    l->rows = rows;
    pthread_cond_signal(&l->posted);
    while (l->kind != LOCAL_NONE)
        pthread_cond_wait(&l->answered, &l->mu);
    pthread_mutex_unlock(&l->mu);
}

static ss_status local_todo(void *ctx, uint64_t from, uint64_t *first,
                            uint64_t *n, ss_error *err)
{
    (void)from; /* deals only grow, so they start at or after it */
    (void)err;
    local *l = ctx;
    local_post(l, LOCAL_ASK, 0, 0, NULL);
    *first = l->first;
    *n = l->n;
    return SS_OK;
}

static ss_status local_sink(void *ctx, uint64_t first, uint64_t n,
                            const ss_metrics *rows, ss_error *err)
{
    local *l = ctx;
    local_post(l, LOCAL_ROWS, first, n, rows);
    if (l->st != SS_OK && err)
        *err = l->err;
    return l->st;
}

static void *local_main(void *arg)
{
    local *l = arg;
    ss_error err;
    ss_error_clear(&err);
    ss_status st = ss_run(l->grid, &l->opt, local_sink, l, NULL, &err);
    pthread_mutex_lock(&l->mu);
    l->st = st;
    l->err = err;
    pthread_mutex_unlock(&l->mu);
    local_post(l, LOCAL_BYE, 0, 0, NULL);
    return NULL;
}

typedef struct lead {
    const ss_run_options *opt;
    ss_run_sink sink;
    void *sink_ctx;
    ss__ranks_dealer d;
    int active; /* ranks (rank 0's thread included) not finished yet */
    uint64_t written;
    ss_status failed; /* the first failure, which ends the run */
    ss_error err;
    int signal;       /* a stop that ended the run */
    ss_metrics *buf;  /* a block from another rank, SS__RANKS_MAX_DEAL rows */
} lead;

static void lead_fail(lead *ld, ss_status st, const ss_error *err)
{
    ld->d.closed = true;
    if (ld->failed == SS_OK) {
        ld->failed = st;
        ld->err = *err;
    }
}

/* A rank that ended: its failure or its stop ends the run. */
static void lead_bye(lead *ld, int rank, const ss__ranks_bye *b)
{
    ld->active--;
    if (b->status == SS_ERR_INTR) {
        ld->d.closed = true;
        if (!ld->signal)
            ld->signal = b->signal;
    } else if (b->status != SS_OK && ld->failed == SS_OK) {
        ss_error e = b->err;
        if (rank > 0)
            snprintf(e.message, sizeof e.message, "rank %d: %.8150s", rank,
                     b->err.message);
        lead_fail(ld, (ss_status)b->status, &e);
    }
}

static void lead_rows(lead *ld, uint64_t first, uint64_t n,
                      const ss_metrics *rows)
{
    if (ld->failed != SS_OK)
        return; /* the run is failing: nothing more is written */
    ss_error e;
    ss_error_clear(&e);
    ss_status st = ld->sink(ld->sink_ctx, first, n, rows, &e);
    if (st == SS_OK)
        ld->written += n;
    else
        lead_fail(ld, st, &e);
}

static void lead_deal(lead *ld, uint64_t *first, uint64_t *n)
{
    ss_error e;
    ss_error_clear(&e);
    ss_status st = ss__ranks_deal(&ld->d, first, n, &e);
    if (st != SS_OK)
        lead_fail(ld, st, &e);
}

/* Answers the message that came from another rank. */
static void lead_message(lead *ld, const MPI_Status *s)
{
    const int from = s->MPI_SOURCE;
    if (s->MPI_TAG == SS__RANKS_ASK) {
        MPI_Recv(NULL, 0, MPI_BYTE, from, SS__RANKS_ASK, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
        uint64_t w[2] = {0, 0};
        lead_deal(ld, &w[0], &w[1]);
        MPI_Send(w, 2, MPI_UINT64_T, from, SS__RANKS_WORK, MPI_COMM_WORLD);
    } else if (s->MPI_TAG == SS__RANKS_ROWS) {
        uint64_t h[2];
        MPI_Recv(h, 2, MPI_UINT64_T, from, SS__RANKS_ROWS, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
        /* a block never exceeds its deal, which buf holds: a longer
         * message would be MPI's error, ending the job */
        MPI_Recv(ld->buf, (int)(h[1] * sizeof *ld->buf), MPI_BYTE, from,
                 SS__RANKS_DATA, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        lead_rows(ld, h[0], h[1], ld->buf);
    } else if (s->MPI_TAG == SS__RANKS_BYE) {
        ss__ranks_bye b;
        MPI_Recv(&b, (int)sizeof b, MPI_BYTE, from, SS__RANKS_BYE,
                 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        lead_bye(ld, from, &b);
    }
}

/* Answers rank 0's own thread; l->mu is held. */
static void lead_local(lead *ld, local *l)
{
    if (l->kind == LOCAL_BYE) {
        ss__ranks_bye b = {l->st, stop_value(ld->opt), l->err};
        lead_bye(ld, 0, &b);
    } else if (l->kind == LOCAL_ASK) {
        l->st = SS_OK;
        lead_deal(ld, &l->first, &l->n);
    } else if (l->kind == LOCAL_ROWS) {
        lead_rows(ld, l->first, l->n, l->rows);
        l->st = ld->failed;
        if (ld->failed != SS_OK)
            l->err = ld->err;
    }
    l->kind = LOCAL_NONE;
    pthread_cond_broadcast(&l->answered);
}

static void report(lead *ld, double start, double *last, bool force)
{
    const ss_run_options *opt = ld->opt;
    double t = now_seconds();
    if (!opt->progress || (!force && t - *last < PROGRESS_PERIOD))
        return;
    *last = t;
    ss_run_progress p = {ld->written,
                         opt->todo ? opt->todo_trials : ld->d.total,
                         t - start};
    opt->progress(&p, opt->progress_ctx);
}

ss_status ss_ranks_run(const ss_grid *grid, const ss_run_options *opt,
                       ss_run_sink sink, void *sink_ctx,
                       ss_run_result *result, ss_error *err)
{
    ss_run_options none = {.threads = 0};
    ss_run_result unused;
    if (!opt)
        opt = &none;
    if (!result)
        result = &unused;
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    lead ld = {.opt = opt, .sink = sink, .sink_ctx = sink_ctx,
               .active = size, .failed = SS_OK};
    ss_error_clear(&ld.err);
    ld.d.todo = opt->todo;
    ld.d.todo_ctx = opt->todo_ctx;
    ld.d.total = ss_grid_trials(grid);
    ld.d.left = opt->todo ? opt->todo_trials : ld.d.total;
    ld.d.unit = opt->block ? opt->block : 1;
    ld.d.takers = size;

    local l = {.kind = LOCAL_NONE, .grid = grid, .opt = *opt};
    l.opt.todo = local_todo;
    l.opt.todo_ctx = &l;
    l.opt.progress = NULL;
    ss_error_clear(&l.err);
    pthread_mutex_init(&l.mu, NULL);
    pthread_cond_init(&l.posted, NULL);
    pthread_cond_init(&l.answered, NULL);
    pthread_t thread;
    bool started = false;
    ss_error e;
    if (!(ld.buf = malloc(SS__RANKS_MAX_DEAL * sizeof *ld.buf))) {
        ss_error_set(&e, SS_ERR_NOMEM, "cannot allocate a block");
        lead_fail(&ld, SS_ERR_NOMEM, &e);
    } else if (!(started = pthread_create(&thread, NULL, local_main, &l) ==
                           0)) {
        ss_error_set(&e, SS_ERR_NOMEM, "cannot start a thread");
        lead_fail(&ld, SS_ERR_NOMEM, &e);
    }
    if (!started)
        ld.active--; /* rank 0 computes nothing; the others are answered */

    const double start = now_seconds();
    double last = start;
    while (ld.active > 0) {
        int got = 0;
        MPI_Status s;
        MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &got, &s);
        if (got)
            lead_message(&ld, &s);
        pthread_mutex_lock(&l.mu);
        if (!got && l.kind == LOCAL_NONE) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += LEAD_NAP_NS;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&l.posted, &l.mu, &until);
        }
        if (l.kind != LOCAL_NONE)
            lead_local(&ld, &l);
        pthread_mutex_unlock(&l.mu);
        int sig = stop_value(opt);
        if (sig) {
            ld.d.closed = true; /* deal nothing more */
            if (!ld.signal)
                ld.signal = sig;
        }
        report(&ld, start, &last, false);
    }
    if (started)
        pthread_join(thread, NULL);
    pthread_cond_destroy(&l.answered);
    pthread_cond_destroy(&l.posted);
    pthread_mutex_destroy(&l.mu);
    free(ld.buf);

    result->written = ld.written;
    result->signal = 0;
    if (ld.failed != SS_OK) {
        if (err)
            *err = ld.err;
        return ld.failed;
    }
    report(&ld, start, &last, true);
    if (ld.signal) {
        result->signal = ld.signal;
        return ss_error_set(err, SS_ERR_INTR, "interrupted by signal %d",
                            ld.signal);
    }
    return SS_OK;
}
