#define _POSIX_C_SOURCE 200809L
/* One run spread over MPI ranks: rank 0 deals, writes and computes. */
#include "synsweep/ranks.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mpi.h>

enum { TAG_ASK = 1, TAG_WORK, TAG_ROWS, TAG_DATA, TAG_BYE };

/* Trials per deal: guided, a share of what is left (large deals first, few
 * messages; small ones at the end, so the ranks finish together), never
 * so few that the messages cost more than the trials, never more than the
 * runner's largest block. */
#define MIN_DEAL 1024
#define MAX_DEAL 65536
/* Rank 0's main thread naps this long when no message came, and waits
 * without spinning: it often shares a core with rank 0's own threads. */
#define LEAD_NAP_NS 200000L
/* A rank waiting for an answer from rank 0 naps this long between looks
 * (MPI's blocking calls spin, and would take a core from the trials). */
#define WAIT_NAP_NS 50000L
#define PROGRESS_PERIOD 0.25

/* How a rank other than 0 ended its part of the run. */
typedef struct bye {
    int32_t status; /* ss_status */
    int32_t signal; /* its stop flag's value when stopped */
    ss_error err;
} bye;

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void nap(long ns)
{
    struct timespec t = {0, ns};
    nanosleep(&t, NULL);
}

/* MPI_Wait without spinning. */
static void wait_politely(MPI_Request *req)
{
    int done = 0;
    for (;;) {
        MPI_Test(req, &done, MPI_STATUS_IGNORE);
        if (done)
            return;
        nap(WAIT_NAP_NS);
    }
}

static int stop_value(const ss_run_options *opt)
{
    return opt->stop ? (int)*opt->stop : 0;
}

/* --- rank 0: the dealer of trials -------------------------------------- */

typedef struct dealer {
    ss_run_todo todo; /* NULL: every trial of the grid */
    void *todo_ctx;
    uint64_t total;   /* trials of the grid */
    uint64_t left;    /* trials to do not dealt yet (sizes deals only) */
    uint64_t unit;    /* deals are multiples of it while they can be */
    uint64_t range_first, range_n, next;
    int takers;  /* ranks computing */
    bool closed; /* nothing more is dealt */
} dealer;

/* The next deal, [*first, *first + *n), *n = 0 once nothing is left. */
static ss_status deal(dealer *d, uint64_t *first, uint64_t *n, ss_error *err)
{
    *n = 0;
    if (d->closed)
        return SS_OK;
    if (d->range_n == 0) {
        if (d->todo) {
            ss_status st = d->todo(d->todo_ctx, d->next, &d->range_first,
                                   &d->range_n, err);
            if (st != SS_OK) {
                d->closed = true;
                return st;
            }
        } else {
            d->range_first = d->next;
            d->range_n = d->next < d->total ? d->total - d->next : 0;
        }
        if (d->range_n == 0) {
            d->closed = true;
            return SS_OK;
        }
    }
    uint64_t g = d->left / (2 * (uint64_t)d->takers);
    g = g < MIN_DEAL ? MIN_DEAL : g > MAX_DEAL ? MAX_DEAL : g;
    if (g >= d->unit)
        g = g / d->unit * d->unit; /* whole chunks of the file */
    if (g > d->range_n)
        g = d->range_n;
    *first = d->range_first;
    *n = g;
    d->range_first += g;
    d->range_n -= g;
    d->next = d->range_first;
    d->left = d->left > g ? d->left - g : 0;
    return SS_OK;
}

/* --- rank 0: its own share, on a thread of its own ---------------------- */

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

/* --- rank 0: the main thread ------------------------------------------- */

typedef struct lead {
    const ss_run_options *opt;
    ss_run_sink sink;
    void *sink_ctx;
    dealer d;
    int active; /* ranks (rank 0's thread included) not finished yet */
    uint64_t written;
    ss_status failed; /* the first failure, which ends the run */
    ss_error err;
    int signal;       /* a stop that ended the run */
    ss_metrics *buf;  /* a block from another rank, MAX_DEAL rows */
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
static void lead_bye(lead *ld, int rank, const bye *b)
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
    ss_status st = deal(&ld->d, first, n, &e);
    if (st != SS_OK)
        lead_fail(ld, st, &e);
}

/* Answers the message that came from another rank. */
static void lead_message(lead *ld, const MPI_Status *s)
{
    const int from = s->MPI_SOURCE;
    if (s->MPI_TAG == TAG_ASK) {
        MPI_Recv(NULL, 0, MPI_BYTE, from, TAG_ASK, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
        uint64_t w[2] = {0, 0};
        lead_deal(ld, &w[0], &w[1]);
        MPI_Send(w, 2, MPI_UINT64_T, from, TAG_WORK, MPI_COMM_WORLD);
    } else if (s->MPI_TAG == TAG_ROWS) {
        uint64_t h[2];
        MPI_Recv(h, 2, MPI_UINT64_T, from, TAG_ROWS, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
        /* a block never exceeds its deal (MAX_DEAL), which buf holds: a
         * longer message would be MPI's error, ending the job */
        MPI_Recv(ld->buf, (int)(h[1] * sizeof *ld->buf), MPI_BYTE, from,
                 TAG_DATA, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        lead_rows(ld, h[0], h[1], ld->buf);
    } else if (s->MPI_TAG == TAG_BYE) {
        bye b;
        MPI_Recv(&b, (int)sizeof b, MPI_BYTE, from, TAG_BYE, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
        lead_bye(ld, from, &b);
    }
}

/* Answers rank 0's own thread; l->mu is held. */
static void lead_local(lead *ld, local *l)
{
    if (l->kind == LOCAL_BYE) {
        bye b = {l->st, stop_value(ld->opt), l->err};
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
    if (!(ld.buf = malloc(MAX_DEAL * sizeof *ld.buf))) {
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

/* --- the other ranks ---------------------------------------------------- */

static ss_status ask(void *ctx, uint64_t from, uint64_t *first, uint64_t *n,
                     ss_error *err)
{
    (void)ctx;
    (void)from; /* deals only grow, so they start at or after it */
    (void)err;
    MPI_Request req[2];
    uint64_t w[2];
    MPI_Irecv(w, 2, MPI_UINT64_T, 0, TAG_WORK, MPI_COMM_WORLD, &req[1]);
    MPI_Isend(NULL, 0, MPI_BYTE, 0, TAG_ASK, MPI_COMM_WORLD, &req[0]);
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
    MPI_Isend(h, 2, MPI_UINT64_T, 0, TAG_ROWS, MPI_COMM_WORLD, &req[0]);
    MPI_Isend(rows, (int)(n * sizeof *rows), MPI_BYTE, 0, TAG_DATA,
              MPI_COMM_WORLD, &req[1]);
    wait_politely(&req[0]);
    wait_politely(&req[1]);
    return SS_OK;
}

static void send_bye(ss_status st, int signal, const ss_error *err)
{
    bye b = {st, signal, *err};
    MPI_Request req;
    MPI_Isend(&b, (int)sizeof b, MPI_BYTE, 0, TAG_BYE, MPI_COMM_WORLD, &req);
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
