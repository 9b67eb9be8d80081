/* The results file: HDF5 laid out so that xarray (engine h5netcdf), pandas
 * and h5py read it directly.
 *
 *  /<metric>     float64 (axes..., repeat), chunked, compressed, NaN fill,
 *                attributes units, long_name (and coordinates, listing the
 *                zip members and derived parameters)
 *  /<axis>       1-D coordinate of each sweep axis, an HDF5 dimension scale
 *                (a zip axis: its index 0..n-1; its members are 1-D
 *                coordinates /<member> along it)
 *  /repeat       0..R-1, a dimension scale
 *  /<derived>    float64 (axes...), each derived parameter's value per point
 *  /status       uint8 (axes..., repeat): how the trial ended, 0 ok,
 *                1 diverged (flag_values, flag_meanings)
 *  /done         uint8 (axes..., repeat): 1 once the trial is written
 *  root attributes: synsweep_version, layout, spec (its text), spec_sha256,
 *  seed (the RNG seed), kernel, model, name, description, streams,
 *  repeats, created, command_line, and the value of every model parameter
 *  that is neither swept nor derived; a shard's part (a grid made by
 *  ss_grid_create_shard) also shard ("K/N"), shard_first and shard_count
 *  (its block of trials). A part has the whole sweep's layout; only its
 *  block is ever marked done, and only the chunks that hold its block are
 *  allocated (the others read as the fill value).
 *
 * One writer: no function here but ss_h5_estimate_bytes may be called from
 * two threads at once. */
#ifndef SYNSWEEP_H5IO_H
#define SYNSWEEP_H5IO_H

#include <signal.h> /* sig_atomic_t */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synsweep/grid.h"
#include "synsweep/metrics.h"
#include "synsweep/model.h"
#include "synsweep/status.h"

/* An open results file, for writing: opaque. */
typedef struct ss_h5 ss_h5;

/* An upper bound of the results file's size in bytes before compression
 * (the uncompressed file ss_h5_create makes, every chunk allocated, or for
 * a shard's part every chunk that holds its block); what ss_h5_create
 * checks the disk's free space against. It counts every dataset the grid
 * gives the file, in the chunk shape the file uses:
 *  - each metric the spec stores (8 B), `status` and `done` (1 B each):
 *    per element of their chunks allocated whole (a part's: those that
 *    hold a trial of its block), the last chunk along each dimension
 *    padded, and each one's chunk index (v1 B-tree nodes of 64 entries,
 *    at least half full);
 *  - each derived parameter: 8 B per element of its padded chunks, plus
 *    deflate's worst-case growth, and its chunk index;
 *  - the coordinates: 8 B per value (48 B per `input` word), the repeat
 *    coordinate's 8 B per repeat included;
 *  - per dataset 4 KiB plus 64 B per dimension for its object header,
 *    attributes and dimension-scale references; the metrics'
 *    `coordinates` attribute; twice the spec text; 128 B per parameter
 *    attribute; 16 KiB for the superblock, the root group, and the other
 *    root attributes with a command line of up to 4 KiB.
 * Measured against created files: 1.02x the file for 20,000 repeats of
 * one point or 80 repeats of 100 x 5 points, 1.001x for 2 x 10^6
 * repeats of stp_train; small files (under 200 KB) get up to 2.6x, the
 * fixed allowances. Reads the grid only; thread-safe. */
double ss_h5_estimate_bytes(const ss_grid *grid);

/* Outputs (results and trace files), whichever function writes them:
 *  - path may be a symbolic link: the file it points to is written (the
 *    link stays); a link to nothing is an error (SS_ERR_USAGE);
 *  - anything at path that is not a regular file (a directory, a device,
 *    a FIFO, a socket) is refused (SS_ERR_USAGE), force or not;
 *  - one writer per output: while a run writes it, it holds a POSIX
 *    record lock on FILE.lock beside it (removed when done; a killed run's
 *    lock dies with it); another writer is refused (SS_ERR_USAGE) with the
 *    holder's process id and host, before anything is touched;
 *  - a file is made in a private directory FILE.creating-XXXXXX (or
 *    FILE.compacting-XXXXXX) beside path, created exclusively, and
 *    renamed to path where nothing is, or over the file force or --resume
 *    named or this run put there, never over anything else; directories a
 *    killed run left are removed by the next writer of the same output. */

/* Creates path for grid's sweep with every dataset, coordinate and
 * attribute; metrics NaN, done 0. An existing path is an error
 * (SS_ERR_USAGE) unless force; so is a disk with less free space than
 * ss_h5_estimate_bytes(grid) (SS_ERR_IO, "... disk full", nothing made),
 * and a write that fails for want of space (ENOSPC, EDQUOT) while the
 * file is made is reported as a full disk too. kernel (its name) and
 * command_line (NULL for none) are stored as attributes. A grid made for
 * a shard (ss_grid_create_shard) gives that shard's part: the same
 * layout, and the shard attributes.
 *
 * The file is made beside path and renamed to it once complete, so a kill
 * while it is made leaves nothing at path, and with force the old file
 * stays until then. The output's lock is held until ss_h5_close.
 *
 * Ownership: copies path, kernel and command_line; keeps a pointer to
 * grid: grid (and its spec) must outlive the file, until ss_h5_close
 * returns. On success *out is open for writing; close it with
 * ss_h5_close, which frees it. On failure *out is NULL, no file is left
 * behind, a file already at path is untouched, and nothing leaks.
 *
 * Threads: the output is checked and locked, and its room on the disk,
 * before the call returns; the file's layout is made by f's writer
 * thread while the caller computes the first block. A failure to make it
 * (SS_ERR_IO: an HDF5 error, a full disk, another file at path by then)
 * is returned by ss_h5_write_block, ss_h5_flush or ss_h5_close instead,
 * with nothing left behind and a file already at path untouched.
 *
 * While trials are being written the datasets are uncompressed with every
 * chunk allocated up front (a part: every chunk that holds a trial of its
 * block; the others stay unallocated, the fill value), so writing data
 * never touches the file's metadata: whenever the process dies, the file
 * opens, and every trial marked done has its metrics. A whole sweep's
 * chunks are allocated but not filled (a sparse file: creating it costs
 * the same for any number of trials), so trials not done read as 0, not
 * NaN, until they are written: `done` says which values count. Beside it,
 * in FILE.compacting-XXXXXX, the finished file is built compressed as
 * chunks fill up (a thread compresses them), and ss_h5_close renames it
 * over the working file (a part: its block's trials only). */
ss_status ss_h5_create(const char *path, const ss_grid *grid,
                       const char *kernel, const char *command_line,
                       bool force, ss_h5 **out, ss_error *err);

/* Trials in one chunk of the datasets (at least 1): blocks of whole
 * multiples of it rewrite few partial chunks. */
uint64_t ss_h5_chunk_trials(const ss_h5 *f);

/* Writes the spec's metrics and the status of trials [first, first + n)
 * (a run inside the grid, in any order relative to other blocks), rows[i]
 * being trial first + i in row-major order (ss_grid_index), then marks
 * them done, then flushes the file. rows is read during the call only.
 * A trial is marked done only once its metrics and status are written;
 * on failure (SS_ERR_IO, "disk full" when a write found no space;
 * SS_ERR_NOMEM) the trials of earlier blocks stay
 * done and those of this block may not be.
 *
 * Threads: the block is copied and written by a thread of f's own, so
 * the call returns before it is in the file (it waits only while an
 * earlier block is still being written); a failure to write it is
 * returned by the next call, by ss_h5_flush or by ss_h5_close. Call it
 * from one thread at a time. */
ss_status ss_h5_write_block(ss_h5 *f, uint64_t first, uint64_t n,
                            const ss_metrics *rows, ss_error *err);

/* ss_h5_write_block, but rows stay the caller's loan: they are read
 * after the call returns too (turned into columns on f's writer thread,
 * while the caller computes the next block), until ss_h5_release_rows
 * returns. The caller must not write or free them before. */
ss_status ss_h5_lend_block(ss_h5 *f, uint64_t first, uint64_t n,
                           const ss_metrics *rows, ss_error *err);

/* Returns once no row lent by ss_h5_lend_block is read any more: rows the
 * writer thread has not got to yet are read here, on the caller's
 * thread. NULL is fine. */
void ss_h5_release_rows(ss_h5 *f);

/* Waits until every block given to ss_h5_write_block is written (and
 * marked done) and stops f's writer thread; the first failure to write
 * one (the blocks after it are not marked done). Later blocks are written
 * by ss_h5_write_block itself. NULL is fine. */
ss_status ss_h5_flush(ss_h5 *f, ss_error *err);

/* Opens the unfinished results file at path to go on with grid's sweep:
 * it must be a results file of this layout (else SS_ERR_IO) of the same
 * sweep with the same kernel (else SS_ERR_USAGE, naming what differs).
 * The same sweep: the same spec text (SHA-256) and RNG seed, or a text
 * (its `spec` attribute) that loads and means the same as grid's spec
 * (ss_spec_same_sweep: comments, blanks, key order and number spelling
 * aside); the file then keeps its own text and digest, what was run. A
 * different sweep's message names the first difference, the file's value
 * first, and its hint a command that prints the file's text; a file whose
 * text does not load is refused naming the digests. It must also be of
 * the grid's shard (the same K/N, or none for a whole sweep's grid).
 * *done_trials gets the number of trials of the grid's part
 * (ss_grid_block) already done.
 *
 * Ownership: copies path; keeps a pointer to grid: grid must outlive the
 * file. Close it with ss_h5_close, which frees it. The output's lock is
 * taken first (another writer: SS_ERR_USAGE) and held until then; a
 * missing path is SS_ERR_IO. The file is opened
 * read-only until those checks pass, so a file that is refused for them
 * is not modified. On failure *out is NULL and nothing leaks. */
ss_status ss_h5_open_resume(const char *path, const ss_grid *grid,
                            const char *kernel, ss_h5 **out,
                            uint64_t *done_trials, ss_error *err);

/* The first run of trials of the grid's part (ss_grid_block) at or after
 * `from` not yet done: [*first, *first + *n), *n = 0 (and *first
 * untouched) when none is left.
 * Reads the done mask a window at a time. f must come from
 * ss_h5_open_resume; trials written since then through f may still show
 * as to do if they fall in the window already read. */
ss_status ss_h5_next_todo(ss_h5 *f, uint64_t from, uint64_t *first,
                          uint64_t *n, ss_error *err);

/* Writes what is queued (ss_h5_flush), flushes and closes the file and
 * frees f, whatever the result (NULL is fine), and releases the output's
 * lock. With complete (every trial of the grid's part written: a shard's
 * block, or the sweep), puts the compressed file at the path: the one
 * built while the trials were written, or else (it could not be built) a
 * compressed copy of the file this run wrote, made beside it; either is
 * renamed over the working file if that is still the file at the path, so
 * one complete file is at the path at every moment; if that fails
 * (SS_ERR_IO) the complete, uncompressed file stays. Without complete,
 * the compressed file being built is removed. grid must still be
 * alive. */
ss_status ss_h5_close(ss_h5 *f, bool complete, ss_error *err);

/* Removes the temporary file, its directory and the lock file of the
 * output being written, if any: for a program that exits at once on a
 * signal. Async-signal-safe (unlink and rmdir only). */
void ss_h5_remove_temporaries(void);

/* What `synsweep info` shows. */
#define SS_H5_MAX_DIMS 34
typedef struct ss_h5_dim {
    char name[64];
    uint64_t size;
    char first[64], last[64]; /* first and last coordinate, as text */
} ss_h5_dim;

typedef struct ss_h5_metric_summary {
    char name[64];
    char units[32];
    double min, mean, max; /* over finished trials with a finite value */
    uint64_t finite;       /* how many those are */
} ss_h5_metric_summary;

typedef struct ss_h5_info {
    char version[32];
    char name[256];
    char model[32];
    char created[64];
    char spec_sha256[65];
    uint64_t seed; /* the RNG seed */
    size_t rank;
    ss_h5_dim dims[SS_H5_MAX_DIMS];
    uint64_t trials, done;
    uint64_t diverged; /* finished trials whose dynamics blew up */
    /* a shard's part: "K/N" ("" for a whole sweep's file), its block of
     * trials [shard_first, shard_first + shard_count) and how many of
     * those are done */
    char shard[48];
    uint64_t shard_first, shard_count, shard_done;
    /* trials marked done whose metrics their status rules out: status ok
     * but a metric that is then always finite is NaN or infinite (all but
     * cv_isi, and g_ratio where g1 is 0); a damaged file */
    uint64_t impossible;
    size_t n_metrics;
    ss_h5_metric_summary metrics[SS_METRIC_COUNT];
} ss_h5_info;

/* Reads the summary of the results file at path into the caller's info
 * (scans every metric once, in bounded blocks), counting the trials done
 * whose metrics are impossible for their status (info->impossible). Opens the file read-only
 * and keeps nothing. SS_ERR_IO when path is not a synsweep results file
 * or cannot be read. */
ss_status ss_h5_read_info(const char *path, ss_h5_info *info, ss_error *err);

/* ---- parts: the files of a sweep run in shards ----------------------- */

/* One part as ss_h5_read_parts and ss_h5_merge read it. */
typedef struct ss_h5_part {
    bool sharded;          /* the file records a shard */
    ss_shard shard;        /* {0, 1} when it records none */
    uint64_t first, count; /* the trials it holds: its shard's block, or
                              every trial of the sweep */
    uint64_t done;         /* of those, how many are done */
} ss_h5_part;

/* What a set of parts of one sweep holds together. */
typedef struct ss_h5_parts {
    char name[256];
    char model[32];
    char kernel[16];
    char spec_sha256[65];
    uint64_t seed;
    /* the spec's path as the runs were given it (relative to where they
     * ran), and whether that file holds the parts' spec text now */
    char spec_file[4096];
    bool spec_file_matches;
    uint64_t trials;       /* of the sweep */
    uint64_t done;         /* done in at least one part */
    uint64_t missing_runs; /* runs of consecutive trials done in no part */
    uint64_t shard_n;      /* the N of every part that records a shard; 0
                              when none does or two disagree */
} ss_h5_parts;

/* Told each run of consecutive trials [first, first + n) done in no
 * part, in increasing order. */
typedef void (*ss_h5_missing_fn)(void *ctx, uint64_t first, uint64_t n);

/* Reads the parts paths[0 .. n) (n >= 1) of one sweep: checks that each is
 * a readable results file of this layout with the datasets of the grid of
 * the first one's spec (else SS_ERR_IO), made from the same spec text
 * (SHA-256), seed and kernel as the first (else SS_ERR_USAGE naming the
 * file and what differs). Fills parts[i] for paths[i] and *sum, and calls
 * missing(ctx, ...) (may be NULL) for each run of trials in no part. A
 * part holds the trials of its shard's block (or of the sweep if it
 * records no shard): only those count. Opens the files read-only, one at a
 * time, and keeps nothing; memory is bounded by a block of trials, not by
 * the grid. */
ss_status ss_h5_read_parts(const char *const *paths, size_t n,
                           ss_h5_part *parts, ss_h5_parts *sum,
                           ss_h5_missing_fn missing, void *ctx,
                           ss_error *err);

typedef struct ss_h5_merge_options {
    bool allow_partial;       /* write out even when trials are missing */
    bool force;               /* replace an existing out */
    const char *command_line; /* the out file's command_line; NULL: none */
    ss_h5_missing_fn missing; /* as for ss_h5_read_parts; may be NULL */
    void *missing_ctx;
    /* NULL, or a flag a signal handler sets: once non-zero the merge
     * stops, removes what it made and returns SS_ERR_INTR */
    const volatile sig_atomic_t *stop;
} ss_h5_merge_options;

typedef struct ss_h5_merge_result {
    bool written;       /* out was written */
    char warning[1024]; /* not "": out is written, but (e.g.) could not be
                           compressed */
} ss_h5_merge_result;

/* Merges the parts paths[0 .. n) of one sweep into a results file at out:
 * reads them as ss_h5_read_parts does (the same checks and failures; parts
 * and sum filled), then, when every trial is done in some part (or with
 * opt->allow_partial), writes out with the sweep's whole layout and
 * attributes as ss_h5_create makes them (no shard), each trial's metrics,
 * status and done copied from a part that has it done, and compresses it
 * when complete. Trials done in two parts must agree bit for bit (NaN
 * equal to itself) in every metric and the status, else SS_ERR_USAGE
 * naming the trial, the two parts and the metric. An existing out is
 * SS_ERR_USAGE unless opt->force. When trials are missing and not
 * opt->allow_partial, returns SS_OK with result->written false.
 *
 * out is made as a temporary file beside it and renamed into place at the
 * end: on any failure or refusal nothing is left at out (an old one is
 * untouched) and no temporary stays. Memory is bounded by a block of
 * trials; no HDF5 virtual dataset is used. */
ss_status ss_h5_merge(const char *out, const char *const *paths, size_t n,
                      const ss_h5_merge_options *opt, ss_h5_part *parts,
                      ss_h5_parts *sum, ss_h5_merge_result *result,
                      ss_error *err);

/* Writes the full time series of one trial, just run in ws
 * (ss_model_run_traced with p), to path: /time (ms) as the dimension of
 * v, fmp, gE, gI, I, u, R and presynaptic (those the model makes),
 * /spike_time along /spike, and as root attributes the trial, its repeat,
 * the RNG seed, the spec, every parameter and every metric (met).
 * Refuses an existing path unless force (SS_ERR_USAGE), as an output
 * (see above: made beside and renamed, locked). Reads its
 * arguments during the call only and keeps nothing; the file is closed
 * when it returns. On a failure while writing (SS_ERR_IO) the partial
 * file is removed. */
ss_status ss_h5_write_trace(const char *path, bool force, const ss_grid *grid,
                            uint64_t trial, const ss_params *p,
                            const ss_metrics *met, const ss_model_ws *ws,
                            const char *command_line, ss_error *err);

#endif
