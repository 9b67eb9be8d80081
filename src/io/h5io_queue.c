/* Writing blocks of results on a thread of its own, so that the trials'
 * thread (the only one with -j 1) goes back to computing as soon as a
 * block is copied.
 *
 * Why: writing a block to the working file (HDF5 hyperslab writes, the
 * flushes that make `done` come after the data) and compressing the
 * chunks it completes cost a cheap model (stp_train) a fifth of its wall
 * time when done on the trials' thread. Here ss_h5_write_block copies the
 * block as columns into one of QUEUE_SLOTS slots and returns (with
 * ss_h5_lend_block the rows are copied on the writer thread, while the
 * next block is computed, unless ss_h5_release_rows needs them first:
 * reading 128-byte rows costs a cheap model's trials' thread 5-8% of its
 * time); the writer
 * thread writes it exactly as before (metrics, status, flush, done,
 * flush), then hands the chunks it completed to the compressing thread
 * (h5io_pack.c). The order of the writes in the file is unchanged, so a
 * kill leaves what it left before: trials whose `done` is 1 with their
 * metrics, nothing else. What a stop or kill can lose in addition is only
 * what was never marked done: the blocks still queued.
 *
 * The thread first makes the working file (ss_h5_create's: H5open and
 * its ~60 objects and attributes take a few milliseconds, as long as
 * 10^4 cheap trials) and then starts building the finished file
 * (ss__pack_start: a second HDF5 file with every coordinate and
 * attribute, about as long to make), so that their making overlaps the
 * first block's trials instead of delaying them. The first block waits
 * in its slot until the working file is there.
 *
 * HDF5 (a serial, not thread-safe build) is called by one thread at a
 * time: while the writer thread runs, the caller's only HDF5 calls are
 * the resume's reads of `done` (ss_h5_next_todo), taken under the same
 * lock; ss_h5_close stops the thread before it touches the file. */
#define _POSIX_C_SOURCE 200809L
#include "h5io_util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One: the block being written while the runner computes the next one
 * into its other buffer. More would only hold memory (4 MB a block of a
 * LIF model): a block takes longer to compute than to write, so the
 * next one rarely waits. */
#define QUEUE_SLOTS 1

/* Where a slot's block is: its rows lent and not yet in columns, being
 * copied into them, or there. */
typedef enum { SLOT_LENT, SLOT_COPYING, SLOT_COPIED } slot_state;

typedef struct slot {
    uint64_t first, n, capacity;
    double *cols;          /* the metrics f has, a column of n each */
    uint8_t *flags;        /* statuses */
    const ss_metrics *rows; /* lent, until copied */
    slot_state state;
} slot;

struct ss__queue {
    ss_h5 *f;
    int used[SS_METRIC_COUNT], n_used;
    slot slot[QUEUE_SLOTS];
    uint64_t head, tail; /* [tail, head) queued */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool quit;
    bool make; /* the working file to make first */
    int pack; /* the finished file to start then: 0 none, 1 new, 2 resumed */
    ss_status st; /* the first failure, and its error */
    ss_error err;
};

static pthread_mutex_t h5_lock = PTHREAD_MUTEX_INITIALIZER;

void ss__h5_lock(void)
{
    pthread_mutex_lock(&h5_lock);
}

void ss__h5_unlock(void)
{
    pthread_mutex_unlock(&h5_lock);
}

/* The block's rows as columns, in one pass over the rows: a pass per
 * metric would read every row's cache lines again. */
static void copy_rows(const ss__queue *q, slot *s, const ss_metrics *rows)
{
    for (uint64_t t = 0; t < s->n; t++) {
        for (int k = 0; k < q->n_used; k++)
            s->cols[(size_t)k * s->n + t] = rows[t].value[q->used[k]];
        s->flags[t] = (uint8_t)rows[t].status;
    }
}

/* Copies a lent slot's rows, with q->mu held (released meanwhile). */
static void copy_lent(ss__queue *q, slot *s)
{
    s->state = SLOT_COPYING;
    pthread_mutex_unlock(&q->mu);
    copy_rows(q, s, s->rows);
    pthread_mutex_lock(&q->mu);
    s->rows = NULL;
    s->state = SLOT_COPIED;
    pthread_cond_broadcast(&q->cv);
}

static void *writer(void *arg)
{
    ss__queue *q = arg;
    /* HDF5's error printing is off per thread (a thread-safe build keeps
     * an error stack per thread): this one's too */
    ss__h5_lock();
    ss__h5_quiet();
    ss__h5_unlock();
    if (q->make) {
        /* a failure is returned for the blocks, nothing is written */
        ss_error err;
        ss_error_clear(&err);
        ss__h5_lock();
        ss_status st = ss__h5_make_working(q->f, &err);
        ss__h5_unlock();
        if (st != SS_OK) {
            pthread_mutex_lock(&q->mu);
            q->st = st;
            q->err = err;
            pthread_mutex_unlock(&q->mu);
        }
    }
    if (q->pack && q->st == SS_OK) {
        /* without it (no room, say) the working file is compressed at
         * the end the old way */
        ss_error ignored;
        ss__h5_lock();
        ss__pack_start(q->f, q->pack == 2, &ignored);
        ss__h5_unlock();
    }
    pthread_mutex_lock(&q->mu);
    for (;;) {
        while (!q->quit && q->tail == q->head)
            pthread_cond_wait(&q->cv, &q->mu);
        if (q->tail == q->head)
            break;
        slot *s = &q->slot[q->tail % QUEUE_SLOTS];
        if (s->state == SLOT_LENT)
            copy_lent(q, s);
        while (s->state != SLOT_COPIED) /* ss__queue_release copies it */
            pthread_cond_wait(&q->cv, &q->mu);
        bool failed = q->st != SS_OK;
        pthread_mutex_unlock(&q->mu);
        ss_error err;
        ss_error_clear(&err);
        ss_status st = SS_OK;
        if (!failed) { /* after a failure, nothing more is marked done */
            const double *cols[SS_METRIC_COUNT] = {NULL};
            for (int k = 0; k < q->n_used; k++)
                cols[q->used[k]] = s->cols + (size_t)k * s->n;
            ss__h5_lock();
            st = ss__h5_write_columns(q->f, s->first, s->n, cols, s->flags,
                                      &err);
            ss__h5_unlock();
        }
        pthread_mutex_lock(&q->mu);
        if (st != SS_OK && q->st == SS_OK) {
            q->st = st;
            q->err = err;
        }
        q->tail++;
        pthread_cond_broadcast(&q->cv);
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

ss_status ss__queue_start(ss_h5 *f, int pack, bool make)
{
    ss__queue *q = calloc(1, sizeof *q);
    if (!q)
        return SS_ERR_NOMEM;
    q->f = f;
    q->make = make;
    q->pack = pack;
    /* a file still to make has its metrics from the spec */
    for (int i = 0; i < SS_METRIC_COUNT; i++)
        if (make ? ss__h5_has_metric(f->grid, i) : f->metric[i] >= 0)
            q->used[q->n_used++] = i;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    if (pthread_create(&q->thread, NULL, writer, q) != 0) {
        pthread_mutex_destroy(&q->mu);
        pthread_cond_destroy(&q->cv);
        free(q);
        return SS_ERR_NOMEM;
    }
    f->queue = q;
    return SS_OK;
}

void ss__queue_start_with_pack(ss_h5 *f, bool resumed)
{
    if (ss__queue_start(f, resumed ? 2 : 1, false) == SS_OK)
        return;
    /* no thread: the finished file made here, the blocks written in
     * place */
    ss_error ignored;
    ss__pack_start(f, resumed, &ignored);
}

ss_status ss__queue_put(ss_h5 *f, uint64_t first, uint64_t n,
                        const ss_metrics *rows, bool lent, ss_error *err)
{
    ss__queue *q = f->queue;
    pthread_mutex_lock(&q->mu);
    while (q->head - q->tail == QUEUE_SLOTS && q->st == SS_OK)
        pthread_cond_wait(&q->cv, &q->mu);
    if (q->st != SS_OK) { /* a block before this one failed */
        if (err)
            *err = q->err;
        ss_status st = q->st;
        pthread_mutex_unlock(&q->mu);
        return st;
    }
    slot *s = &q->slot[q->head % QUEUE_SLOTS];
    pthread_mutex_unlock(&q->mu);
    /* the slot is the caller's until head moves on */
    if (n > s->capacity) {
        double *cols = realloc(s->cols, n * (size_t)(q->n_used ? q->n_used
                                                               : 1) *
                                            sizeof *cols);
        if (cols)
            s->cols = cols;
        uint8_t *flags = realloc(s->flags, n);
        if (flags)
            s->flags = flags;
        if (!cols || !flags)
            return ss_error_set(err, SS_ERR_NOMEM, "cannot allocate a block");
        s->capacity = n;
    }
    s->first = first;
    s->n = n;
    s->rows = lent ? rows : NULL;
    s->state = lent ? SLOT_LENT : SLOT_COPIED;
    if (!lent)
        copy_rows(q, s, rows);
    pthread_mutex_lock(&q->mu);
    q->head++;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    return SS_OK;
}

void ss__queue_release(ss_h5 *f)
{
    ss__queue *q = f->queue;
    if (!q)
        return;
    pthread_mutex_lock(&q->mu);
    for (uint64_t i = q->tail; i < q->head; i++) {
        slot *s = &q->slot[i % QUEUE_SLOTS];
        if (s->state == SLOT_LENT)
            copy_lent(q, s); /* the writer thread has not got to it */
        while (s->state == SLOT_COPYING)
            pthread_cond_wait(&q->cv, &q->mu);
    }
    pthread_mutex_unlock(&q->mu);
}

ss_status ss__queue_stop(ss_h5 *f, ss_error *err)
{
    ss__queue *q = f->queue;
    if (!q)
        return SS_OK;
    pthread_mutex_lock(&q->mu);
    q->quit = true;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    pthread_join(q->thread, NULL);
    ss_status st = q->st;
    if (st != SS_OK && err)
        *err = q->err;
    for (int i = 0; i < QUEUE_SLOTS; i++) {
        free(q->slot[i].cols);
        free(q->slot[i].flags);
    }
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
    free(q);
    f->queue = NULL;
    return st;
}
