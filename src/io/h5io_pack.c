/* Compressing a run's results while it runs: the finished file is built
 * beside the working file, one chunk at a time, as chunks fill up.
 *
 * Why: rewriting the whole working file compressed at the end took most
 * of the file's share of a cheap sweep's wall time, all of it after the
 * last trial. Here a chunk is compressed (shuffle + deflate, what HDF5's
 * own filters do, so any netCDF or HDF5 reader inflates it without a
 * plugin) on a thread of its own as soon as every trial it holds is done,
 * and written to the finished file with direct chunk I/O
 * (H5Dwrite_chunk); when the last chunk is in, the end of the run is a
 * rename of that file over the working one.
 *
 * Crash safety is the working file's, untouched: its metadata never
 * changes while trials are written, and `done` is written last. The
 * finished file is made in FILE.compacting-XXXXXX and only renamed into
 * place once complete: a kill leaves that directory (removed by the next
 * run of FILE) and the working file, which `--resume` completes; a resumed
 * run starts a new finished file and fills it with the chunks done before
 * (read back from the working file) as well as its own.
 *
 * Threads: the compressing thread touches memory only (zlib, no HDF5);
 * every HDF5 call is on the caller's thread (the writer thread of
 * h5io_queue.c, which also starts the finished file, under the HDF5 lock;
 * after it stopped, the run's), so the library stays called from one
 * thread at a time. Memory: PACK_JOBS chunks in flight, whatever
 * the number of trials. */
#define _POSIX_C_SOURCE 200809L
#include "h5io_util.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>
#include <zlib.h>

/* Chunks between being loaded and being written: enough that the
 * compressing thread never waits for the writer, few enough to keep
 * memory small (each holds one chunk of every per-trial dataset). */
#define PACK_JOBS 4
/* Per-trial datasets: the metrics, status and done. */
#define PACK_MAX_DS (SS_METRIC_COUNT + 2)
/* Deflate as HDF5's filter inflates it (a zlib stream), at level 1 with
 * zlib's run-length strategy: matches only of the byte before, which is
 * what shuffled numbers repeat (their sign, exponent and high mantissa
 * bytes), about twice as fast as level 1's search on this data and no
 * bigger (26% smaller on the LIF models' metrics, the same on
 * stp_train's). Any inflater reads it: the data are the same bytes,
 * only their compressed form differs from what HDF5's own filter at
 * level 1 would write. */
#define PACK_LEVEL 1
#define PACK_STRATEGY Z_RLE

typedef struct pack_job {
    uint64_t chunk;
    unsigned char *raw[PACK_MAX_DS];    /* one chunk, uncompressed */
    unsigned char *packed[PACK_MAX_DS]; /* packed_room of it */
    uLongf packed_len[PACK_MAX_DS];
    int bad; /* zlib failed */
    /* its datasets handed out to a compressing thread, and compressed
     * (under the pack's mutex) */
    size_t taken, finished;
} pack_job;

/* A thread's means to compress: its shuffle scratch and deflate state,
 * reset per chunk. */
typedef struct packer {
    unsigned char *shuffled;
    z_stream zs;
    bool zs_ready;
    int zs_level; /* the level zs codes at now */
} packer;

struct ss__pack {
    ss_h5 *dst; /* the finished file, in f->out.temp_file */
    size_t n_ds;
    hid_t src[PACK_MAX_DS], dst_d[PACK_MAX_DS]; /* borrowed ids */
    int metric[PACK_MAX_DS]; /* metric id, or -1 status, -2 done */
    size_t elem[PACK_MAX_DS]; /* bytes per value */
    /* chunk geometry (see ss__h5_chunk_shape): dimension d is chunked in
     * part (k of its s values), inner trials per value of it */
    size_t rank, d;
    uint64_t shape[SS_GRID_MAX_AXES + 1];
    uint64_t inner, k, s, per_row, per_chunk;
    /* the grid's part and the chunks that hold it */
    uint64_t block_first, block_end, c0, n_chunks;
    uint32_t *remaining; /* per chunk: its part's trials not done yet */
    uint64_t *ready;     /* chunks every trial of which is done, FIFO */
    uint64_t ready_in, ready_out;
    /* jobs: a ring; [tail, packed) compressed, [packed, head) waiting */
    pack_job job[PACK_JOBS];
    uint64_t head, packed, tail;
    /* the compressing thread's, and the one of whoever waits for it
     * (the writer, or at the end the run's thread), which helps */
    packer mine, helper;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool thread_started, quit;
};

/* ---- chunk geometry ---------------------------------------------------- */

static uint64_t chunk_of(const ss__pack *p, uint64_t trial)
{
    uint64_t a = trial / p->inner;
    return a / p->s * p->per_row + a % p->s / p->k;
}

/* The first trial of chunk c and how many trials of the grid it holds
 * (fewer than per_chunk at the end of the chunked dimension). */
static uint64_t chunk_first(const ss__pack *p, uint64_t c, uint64_t *count)
{
    uint64_t row = c / p->per_row, j = c % p->per_row;
    uint64_t along = p->s - j * p->k < p->k ? p->s - j * p->k : p->k;
    *count = along * p->inner;
    return (row * p->s + j * p->k) * p->inner;
}

/* Chunk c's offset in the dataset's index space, for H5Dwrite_chunk. */
static void chunk_offset(const ss__pack *p, uint64_t c, hsize_t *offset)
{
    uint64_t row = c / p->per_row;
    for (size_t i = p->rank; i-- > 0;) {
        if (i > p->d) {
            offset[i] = 0;
        } else if (i == p->d) {
            offset[i] = c % p->per_row * p->k;
        } else {
            offset[i] = row % p->shape[i];
            row /= p->shape[i];
        }
    }
}

/* ---- the compressing thread --------------------------------------------- */

/* The bytes of x[0..7] as a matrix, row r the bytes of x[r] (lowest
 * first), transposed in place: swapping the off-diagonal halves, then
 * quarters, then single bytes. */
static void transpose8(uint64_t *x)
{
    for (int r = 0; r < 4; r++) {
        uint64_t t = ((x[r] >> 32) ^ x[r + 4]) & 0x00000000FFFFFFFFull;
        x[r] ^= t << 32;
        x[r + 4] ^= t;
    }
    for (int r = 0; r < 8; r += (r & 1) ? 3 : 1) { /* 0 1 4 5 */
        uint64_t t = ((x[r] >> 16) ^ x[r + 2]) & 0x0000FFFF0000FFFFull;
        x[r] ^= t << 16;
        x[r + 2] ^= t;
    }
    for (int r = 0; r < 8; r += 2) {
        uint64_t t = ((x[r] >> 8) ^ x[r + 1]) & 0x00FF00FF00FF00FFull;
        x[r] ^= t << 8;
        x[r + 1] ^= t;
    }
}

/* HDF5's shuffle filter: byte j of element i goes to j * n + i. For
 * 8-byte elements, 8 at a time as a transposed 8 x 8 matrix of bytes
 * (a byte at a time, reading with a stride of 8 bytes, took as long as
 * compressing). */
static void shuffle(const unsigned char *in, unsigned char *out, size_t n,
                    size_t size)
{
    size_t i = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (size == 8) {
        for (; i + 8 <= n; i += 8) {
            uint64_t x[8];
            memcpy(x, in + i * 8, sizeof x);
            transpose8(x);
            for (size_t j = 0; j < 8; j++)
                memcpy(out + j * n + i, &x[j], 8);
        }
    }
#endif
    for (size_t j = 0; j < size; j++)
        for (size_t k = i; k < n; k++)
            out[j * n + k] = in[k * size + j];
}

/* A byte plane's Shannon entropy in bits per byte, from a sample of
 * about PLANE_SAMPLE of its bytes: enough that uniform noise reads about
 * 7.8 bits (the estimate's bias is 255 / (2 n ln 2)), few enough to cost
 * a few percent of coding the plane. */
#define PLANE_SAMPLE 1024
static double plane_entropy(const unsigned char *plane, size_t n)
{
    unsigned count[256] = {0};
    size_t step = n > PLANE_SAMPLE ? n / PLANE_SAMPLE : 1, m = 0;
    for (size_t i = 0; i < n; i += step, m++)
        count[plane[i]]++;
    double h = 0.0;
    for (int b = 0; b < 256; b++)
        if (count[b]) {
            double q = (double)count[b] / (double)m;
            h -= q * log2(q);
        }
    return h;
}

/* Above this many bits per byte a plane is stored, not coded: Huffman
 * codes could save at most an eighth of it, at zlib's byte-at-a-time
 * speed. */
#define PLANE_STORE_BITS 7.0

/* Room for a chunk's stream: zlib's bound for one stream, and for each
 * of at most 8 planes a block ended early (a block's header, its end
 * code and the bits to a byte: under 16 bytes; zlib never codes a block
 * larger than stored). */
static size_t packed_room(size_t bytes)
{
    return (size_t)compressBound((uLong)bytes) + 8 * 16;
}

/* One zlib stream of `bytes` bytes at in (shuffled: `planes` byte planes
 * one after the other) into out (room: packed_room of them); its
 * length, 0 on failure. The low mantissa bytes of measured numbers are
 * noise: those planes go into the stream as stored blocks (zlib's level
 * 0, a copy and a checksum), the others at PACK_LEVEL, one stream with
 * the parameters changed between planes (deflateParams). The stream's
 * state is made once and reset per chunk: making it anew (compress2)
 * allocates and clears a quarter of a megabyte each time. */
static uLongf deflate_chunk(packer *w, const unsigned char *in, size_t bytes,
                            size_t planes, unsigned char *out)
{
    if (!w->zs_ready) {
        memset(&w->zs, 0, sizeof w->zs);
        if (deflateInit2(&w->zs, PACK_LEVEL, Z_DEFLATED, 15, 8,
                         PACK_STRATEGY) != Z_OK)
            return 0;
        w->zs_ready = true;
        w->zs_level = PACK_LEVEL;
    } else if (deflateReset(&w->zs) != Z_OK) {
        return 0;
    }
    w->zs.next_out = out;
    w->zs.avail_out = (uInt)packed_room(bytes);
    size_t plane = bytes / planes;
    for (size_t j = 0; j < planes; j++) {
        const unsigned char *at = in + j * plane;
        int level = planes > 1 && plane_entropy(at, plane) > PLANE_STORE_BITS
                        ? 0
                        : PACK_LEVEL;
        if (level != w->zs_level) {
            if (deflateParams(&w->zs, level, PACK_STRATEGY) != Z_OK)
                return 0;
            w->zs_level = level;
        }
        w->zs.next_in = (Bytef *)(uintptr_t)at;
        w->zs.avail_in = (uInt)plane;
        bool last = j + 1 == planes;
        int rc = deflate(&w->zs, last ? Z_FINISH : Z_NO_FLUSH);
        if (last ? rc != Z_STREAM_END : rc != Z_OK)
            return 0;
    }
    return (uLongf)w->zs.total_out;
}

/* Compresses dataset k of job; false when zlib failed. */
static bool compress_one(const ss__pack *p, packer *w, pack_job *job,
                         size_t k)
{
    size_t bytes = p->per_chunk * p->elem[k];
    const unsigned char *in = job->raw[k];
    if (p->elem[k] > 1) { /* shuffle is a no-op on bytes: HDF5 skips it */
        shuffle(in, w->shuffled, p->per_chunk, p->elem[k]);
        in = w->shuffled;
    }
    /* mostly runs (an eighth of the bytes or less once coded): as runs,
     * at the speed of a word compare; else by zlib */
    job->packed_len[k] = ss__deflate_runs(in, bytes, job->packed[k],
                                          bytes / 8);
    if (job->packed_len[k] == 0)
        job->packed_len[k] =
            deflate_chunk(w, in, bytes, p->elem[k], job->packed[k]);
    return job->packed_len[k] != 0;
}

/* With p->mu held: takes a dataset of the oldest job not yet compressed
 * and compresses it with w (the mutex released meanwhile); the thread
 * that compresses a job's last dataset marks the job compressed. False
 * when that job has no dataset left to take. */
static bool compress_some(ss__pack *p, packer *w)
{
    pack_job *job = &p->job[p->packed % PACK_JOBS];
    if (p->packed == p->head || job->taken == p->n_ds)
        return false;
    size_t k = job->taken++;
    pthread_mutex_unlock(&p->mu);
    bool ok = compress_one(p, w, job, k);
    pthread_mutex_lock(&p->mu);
    if (!ok)
        job->bad = 1;
    if (++job->finished == p->n_ds) {
        p->packed++;
        pthread_cond_broadcast(&p->cv);
    }
    return true;
}

static void *compressor(void *arg)
{
    ss__pack *p = arg;
    pthread_mutex_lock(&p->mu);
    while (!p->quit) /* quit: finished (nothing left) or abandoned */
        if (!compress_some(p, &p->mine))
            pthread_cond_wait(&p->cv, &p->mu);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* ---- the writer's side ------------------------------------------------- */

static ss_status pack_failed(const ss_h5 *f, ss_error *err, const char *what)
{
    return ss_error_set(err, SS_ERR_IO,
                        "%s: cannot compress the results: %s (the working "
                        "file is complete, uncompressed)",
                        f->path, what);
}

/* Writes compressed job `tail` to the finished file, waiting for it when
 * wait; returns 1 when one was written, 0 when none was ready, -1 on
 * failure. */
static int write_one(ss__pack *p, bool wait)
{
    pthread_mutex_lock(&p->mu);
    /* waiting, the caller compresses too: the datasets of the job the
     * compressing thread is on (at the end of a run, when nothing else
     * is left to do, that halves the wait) */
    while (wait && p->packed == p->tail && p->tail < p->head)
        if (!compress_some(p, &p->helper))
            pthread_cond_wait(&p->cv, &p->mu);
    bool have = p->packed > p->tail;
    pthread_mutex_unlock(&p->mu);
    if (!have)
        return 0;
    pack_job *job = &p->job[p->tail % PACK_JOBS];
    if (job->bad)
        return -1;
    hsize_t offset[SS_GRID_MAX_AXES + 1];
    chunk_offset(p, job->chunk, offset);
    for (size_t k = 0; k < p->n_ds; k++)
        if (H5Dwrite_chunk(p->dst_d[k], H5P_DEFAULT, 0, offset,
                           (size_t)job->packed_len[k], job->packed[k]) < 0)
            return -1;
    pthread_mutex_lock(&p->mu);
    p->tail++;
    pthread_mutex_unlock(&p->mu);
    return 1;
}

/* The block being written: trials [first, first + n), a column per
 * metric (NULL for those f has not) and their statuses. */
typedef struct block {
    uint64_t first, n;
    const double *const *cols;
    const uint8_t *flags;
} block;

/* Fills job with chunk c: the trials of the part it holds, from the block
 * when they are all in it, else read back from the working file (trials
 * done before a resume, or in an earlier block); the fill value around
 * them (a part's chunk at its ends, the padding of the last chunk). */
static int load_job(ss__pack *p, pack_job *job, uint64_t c, const block *b)
{
    uint64_t count, cs = chunk_first(p, c, &count);
    uint64_t lo = cs > p->block_first ? cs : p->block_first;
    uint64_t hi = cs + count < p->block_end ? cs + count : p->block_end;
    bool in_block = b->n && lo >= b->first && hi <= b->first + b->n;
    job->chunk = c;
    for (size_t k = 0; k < p->n_ds; k++) {
        size_t e = p->elem[k];
        unsigned char *raw = job->raw[k];
        if (e == sizeof(double)) {
            double *v = (double *)(void *)raw, nan = NAN;
            for (uint64_t t = 0; t < lo - cs; t++)
                v[t] = nan;
            for (uint64_t t = hi - cs; t < p->per_chunk; t++)
                v[t] = nan;
        } else {
            memset(raw, 0, lo - cs);
            memset(raw + (hi - cs), 0, p->per_chunk - (hi - cs));
        }
        unsigned char *at = raw + (lo - cs) * e;
        if (p->metric[k] == -2) /* done: every trial of the part in it */
            memset(at, 1, hi - lo);
        else if (in_block)
            memcpy(at,
                   p->metric[k] == -1
                       ? (const void *)(b->flags + (lo - b->first))
                       : (const void *)(b->cols[p->metric[k]] +
                                        (lo - b->first)),
                   (hi - lo) * e);
        else if (ss__h5_read_run(p->src[k],
                                 e == 1 ? H5T_NATIVE_UINT8 : H5T_NATIVE_DOUBLE,
                                 p->rank, p->shape, lo, hi - lo, at) < 0)
            return -1;
    }
    return 0;
}

/* The ready chunk just loaded into job (the next one at head) goes to the
 * compressing threads. */
static void hand_out(ss__pack *p, pack_job *job)
{
    p->ready_out++;
    pthread_mutex_lock(&p->mu);
    job->bad = 0;
    job->taken = job->finished = 0;
    p->head++;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* Hands the ready chunks to the compressing thread (waiting for room when
 * every job is taken) and writes what it has compressed. */
static int pump(ss__pack *p, const block *b)
{
    while (p->ready_out < p->ready_in) {
        int w;
        while ((w = write_one(p, false)) > 0) {
        }
        if (w < 0)
            return -1;
        if (p->head - p->tail == PACK_JOBS && write_one(p, true) < 0)
            return -1;
        pack_job *job = &p->job[p->head % PACK_JOBS];
        if (load_job(p, job, p->ready[p->ready_out % p->n_chunks], b) < 0)
            return -1;
        hand_out(p, job);
    }
    int w;
    while ((w = write_one(p, false)) > 0) {
    }
    return w;
}

/* Trials [first, first + n) are done: chunks left with none to do are
 * ready. */
static void count_done(ss__pack *p, uint64_t first, uint64_t n)
{
    uint64_t end = first + n;
    for (uint64_t t = first; t < end;) {
        uint64_t c = chunk_of(p, t), count, cs = chunk_first(p, c, &count);
        uint64_t hi = cs + count < end ? cs + count : end;
        uint64_t i = c - p->c0, k = hi - t;
        if (p->remaining[i] > 0) {
            p->remaining[i] -= k < p->remaining[i] ? (uint32_t)k
                                                   : p->remaining[i];
            if (p->remaining[i] == 0)
                p->ready[p->ready_in++ % p->n_chunks] = c;
        }
        t = hi;
    }
}

static void stop_thread(ss__pack *p)
{
    if (!p->thread_started)
        return;
    pthread_mutex_lock(&p->mu);
    p->quit = true; /* what still waits is dropped: nobody writes it */
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    p->thread_started = false;
}

static void pack_free(ss__pack *p)
{
    if (!p)
        return;
    stop_thread(p);
    for (int j = 0; j < PACK_JOBS; j++)
        for (size_t k = 0; k < PACK_MAX_DS; k++) {
            free(p->job[j].raw[k]);
            free(p->job[j].packed[k]);
        }
    packer *w[] = {&p->mine, &p->helper};
    for (int i = 0; i < 2; i++) {
        free(w[i]->shuffled);
        if (w[i]->zs_ready)
            deflateEnd(&w[i]->zs);
    }
    free(p->remaining);
    free(p->ready);
    if (p->dst)
        ss__h5_release(p->dst);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p);
}

void ss__pack_free(ss__pack *p)
{
    pack_free(p);
}

void ss__pack_abandon(ss_h5 *f)
{
    if (!f->pack)
        return;
    pack_free(f->pack);
    f->pack = NULL;
    ss__output_discard(&f->out);
}

/* Sets up p's geometry and datasets for f; -1 when out of memory. */
static int pack_layout(ss__pack *p, ss_h5 *f)
{
    p->rank = f->rank;
    memcpy(p->shape, f->shape, sizeof p->shape);
    uint64_t chunk[SS_GRID_MAX_AXES + 1];
    p->per_chunk = ss__h5_chunk_shape(f->rank, f->shape, chunk);
    /* the one dimension chunked in part: whole ones after it */
    size_t d = f->rank - 1;
    p->inner = 1;
    while (d > 0 && chunk[d] == f->shape[d]) {
        p->inner *= f->shape[d];
        d--;
    }
    p->d = d;
    p->k = chunk[d];
    p->s = f->shape[d];
    p->per_row = (p->s + p->k - 1) / p->k;
    for (int i = 0; i < SS_METRIC_COUNT; i++) {
        if (f->metric[i] < 0)
            continue;
        p->src[p->n_ds] = f->metric[i];
        p->dst_d[p->n_ds] = p->dst->metric[i];
        p->metric[p->n_ds] = i;
        p->elem[p->n_ds++] = sizeof(double);
    }
    p->src[p->n_ds] = f->status;
    p->dst_d[p->n_ds] = p->dst->status;
    p->metric[p->n_ds] = -1;
    p->elem[p->n_ds++] = 1;
    p->src[p->n_ds] = f->done;
    p->dst_d[p->n_ds] = p->dst->done;
    p->metric[p->n_ds] = -2;
    p->elem[p->n_ds++] = 1;

    uint64_t count;
    ss_grid_block(f->grid, &p->block_first, &count);
    p->block_end = p->block_first + count;
    p->c0 = chunk_of(p, p->block_first);
    p->n_chunks = count ? chunk_of(p, p->block_end - 1) - p->c0 + 1 : 0;
    p->remaining = calloc(p->n_chunks ? p->n_chunks : 1, sizeof *p->remaining);
    p->ready = calloc(p->n_chunks ? p->n_chunks : 1, sizeof *p->ready);
    p->mine.shuffled = malloc(p->per_chunk * sizeof(double));
    p->helper.shuffled = malloc(p->per_chunk * sizeof(double));
    if (!p->remaining || !p->ready || !p->mine.shuffled ||
        !p->helper.shuffled)
        return -1;
    for (int j = 0; j < PACK_JOBS; j++)
        for (size_t k = 0; k < p->n_ds; k++) {
            size_t bytes = p->per_chunk * p->elem[k];
            p->job[j].raw[k] = malloc(bytes);
            p->job[j].packed[k] = malloc(packed_room(bytes));
            if (!p->job[j].raw[k] || !p->job[j].packed[k])
                return -1;
        }
    /* every chunk starts with its part's trials to do */
    for (uint64_t i = 0; i < p->n_chunks; i++) {
        uint64_t cs = chunk_first(p, p->c0 + i, &count);
        uint64_t lo = cs > p->block_first ? cs : p->block_first;
        uint64_t hi = cs + count < p->block_end ? cs + count : p->block_end;
        p->remaining[i] = (uint32_t)(hi - lo);
    }
    return 0;
}

/* Counts the trials a resumed file has done already. */
static int count_done_before(ss__pack *p, ss_h5 *f)
{
    uint8_t *buf = malloc(SS__H5_SCAN_BLOCK);
    if (!buf)
        return -1;
    int rc = 0;
    for (uint64_t at = p->block_first; rc == 0 && at < p->block_end;
         at += SS__H5_SCAN_BLOCK) {
        uint64_t n = p->block_end - at < SS__H5_SCAN_BLOCK
                         ? p->block_end - at
                         : SS__H5_SCAN_BLOCK;
        if (ss__h5_read_run(f->done, H5T_NATIVE_UINT8, f->rank, f->shape, at,
                            n, buf) < 0) {
            rc = -1;
            break;
        }
        /* runs of done trials at once */
        for (uint64_t t = 0; t < n;) {
            if (!buf[t]) {
                t++;
                continue;
            }
            uint64_t u = t;
            while (u < n && buf[u])
                u++;
            count_done(p, at + t, u - t);
            t = u;
        }
    }
    free(buf);
    return rc;
}

ss_status ss__pack_start(ss_h5 *f, bool resumed, ss_error *err)
{
    if (f->compressed || f->rank == 0)
        return SS_OK; /* a finished file, or nothing to chunk */
    ss__pack *p = calloc(1, sizeof *p);
    if (!p)
        return ss_error_set(err, SS_ERR_NOMEM, "cannot allocate");
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    ss_status st = ss__output_make(&f->out, "compacting", err);
    if (st != SS_OK) {
        pack_free(p);
        return st;
    }
    /* the sweep as the file has it: a resumed file keeps its own text */
    const ss_grid *grid = f->own_grid ? f->own_grid : f->grid;
    st = ss__h5_create_file(f->out.temp_file, f->path, grid, f->kernel,
                            f->command_line, f->created, true, &p->dst, err);
    if (st != SS_OK) {
        pack_free(p);
        ss__output_discard(&f->out);
        return st;
    }
    f->pack = p;
    if (pack_layout(p, f) < 0) {
        ss__pack_abandon(f);
        return ss_error_set(err, SS_ERR_NOMEM, "cannot allocate");
    }
    if (resumed && count_done_before(p, f) < 0) {
        ss__pack_abandon(f);
        return ss_error_set(err, SS_ERR_IO, "%s: cannot read 'done'",
                            f->path);
    }
    if (pthread_create(&p->thread, NULL, compressor, p) != 0) {
        ss__pack_abandon(f);
        return ss_error_set(err, SS_ERR_NOMEM, "cannot start a thread");
    }
    p->thread_started = true;
    return SS_OK;
}

void ss__pack_early(ss_h5 *f, uint64_t first, uint64_t n,
                    const double *const *cols, const uint8_t *flags)
{
    ss__pack *p = f->pack;
    if (!p || n == 0)
        return;
    count_done(p, first, n);
    /* the chunks this block completes, in their order, while they are
     * wholly in it and a job is free: their compressing starts now */
    while (p->ready_out < p->ready_in && p->head - p->tail < PACK_JOBS) {
        uint64_t c = p->ready[p->ready_out % p->n_chunks], count;
        uint64_t cs = chunk_first(p, c, &count);
        uint64_t lo = cs > p->block_first ? cs : p->block_first;
        uint64_t hi = cs + count < p->block_end ? cs + count : p->block_end;
        if (lo < first || hi > first + n)
            break; /* trials of it come from the working file */
        block b = {first, n, cols, flags};
        pack_job *job = &p->job[p->head % PACK_JOBS];
        load_job(p, job, c, &b); /* from memory: cannot fail */
        hand_out(p, job);
    }
}

void ss__pack_block(ss_h5 *f, uint64_t first, uint64_t n,
                    const double *const *cols, const uint8_t *flags)
{
    ss__pack *p = f->pack;
    if (!p || n == 0)
        return;
    block b = {first, n, cols, flags};
    if (pump(p, &b) < 0) {
        /* not the trials' failure: the run goes on into the working
         * file, which ss_h5_close compresses the old way if it can */
        ss__pack_abandon(f);
    }
}

ss_status ss__pack_finish(ss_h5 *f, ss_error *err)
{
    ss__pack *p = f->pack;
    if (!p)
        return SS_OK;
    if (p->ready_in != p->n_chunks) {
        ss__pack_abandon(f);
        return pack_failed(f, err, "trials are missing");
    }
    block none = {0, 0, NULL, NULL};
    int bad = pump(p, &none) < 0;
    while (!bad && p->tail < p->head)
        bad = write_one(p, true) < 0;
    stop_thread(p);
    bad = bad || H5Fflush(p->dst->file, H5F_SCOPE_GLOBAL) < 0;
    ss__h5_release(p->dst); /* closes it: all on disk before the rename */
    p->dst = NULL;
    if (bad) {
        ss__pack_abandon(f);
        return pack_failed(f, err, "writing a chunk failed");
    }
    pack_free(p);
    f->pack = NULL;
    /* over the working file, only if that is still the one at the path */
    ss_status st = ss__output_commit(&f->out, err);
    if (st != SS_OK) {
        char why[sizeof err->message];
        snprintf(why, sizeof why, "%s", err->message);
        return ss_error_set(err, SS_ERR_IO, "%s (not compressed)", why);
    }
    return SS_OK;
}
