/* Private to src/io: what the files of the results-file module share.
 *
 *   h5io_util.c     attribute, dataset and selection helpers
 *   h5io_write.c    the layout: creating a results file, writing blocks
 *   h5io_estimate.c the file's size, bounded before it is made
 *   h5io_compact.c  closing, and compressing a finished file
 *   h5io_resume.c   going on with an unfinished file
 *   h5io_info.c     reading a file's summary back
 *   h5io_trace.c    one trial's time series
 *   h5io_output.c   the output's place on disk: checks, lock, renames
 *   h5io_shard.c    a part's shard attributes
 *   h5io_parts.c    reading a set of parts: their checks, what they hold
 *   h5io_merge.c    merging parts into one file
 *
 * The HDF5 helpers return a negative value (or id) on failure and fill no
 * ss_error: their callers name the path and the operation. */
#ifndef SYNSWEEP_H5IO_UTIL_H
#define SYNSWEEP_H5IO_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <errno.h>
#include <sys/types.h>

#include <hdf5.h>

#include "synsweep/h5io.h"

/* The version of the layout; a file of another is not resumed. */
#define SS__H5_LAYOUT "synsweep-results-1"
/* Points of derived coordinates and trials of a scan handled at once. */
#define SS__H5_SCAN_BLOCK 65536
/* Room for an output path and the names made beside it. */
#define SS__H5_PATH_MAX 4400

/* An output on disk while a run writes it (h5io_output.c). */
typedef struct ss__output {
    char shown[4096]; /* the path as given, for messages */
    char path[4096];  /* the file written: a symbolic link's target */
    char lock_path[SS__H5_PATH_MAX];
    char temp_dir[SS__H5_PATH_MAX];  /* "" when none */
    char temp_file[SS__H5_PATH_MAX]; /* in temp_dir */
    int lock_fd;                     /* -1 when not locked */
    /* the one file at path that may be replaced: what --force or
     * --resume named, then the file this run put there */
    bool replaceable;
    dev_t dev;
    ino_t ino;
} ss__output;

struct ss_h5 {
    char path[4096]; /* as the user named it, for messages */
    ss__output out;  /* where it is on disk; unused by a copy being made */
    const ss_grid *grid;
    /* a resumed file's own sweep when this spec's text differs but means
     * the same: what compressing the finished file writes, so the file
     * keeps the text that was run (NULL otherwise; owned) */
    ss_spec *own_spec;
    ss_grid *own_grid;
    char created[64];
    char kernel[16];
    char *command_line;
    bool compressed;
    hid_t file;
    hid_t metric[SS_METRIC_COUNT]; /* -1 where the spec skips the metric */
    hid_t done, status;
    size_t rank;
    uint64_t shape[SS_GRID_MAX_AXES + 1];
    uint64_t chunk_trials;
    double *column;   /* the metrics of a block, a column each */
    uint64_t column_capacity;
    uint8_t *ones;    /* the done flags of a block */
    uint8_t *flags;   /* the statuses of a block */
    uint64_t capacity;
    /* the finished file being built while the run goes (h5io_pack.c);
     * NULL when none: a finished file, or compressed the old way */
    struct ss__pack *pack;
    /* the thread that writes blocks (h5io_queue.c); NULL: written by
     * ss_h5_write_block itself */
    struct ss__queue *queue;
    /* a window of the done mask, for finding the trials left to do */
    uint8_t *window;
    uint64_t window_first, window_n;
};

/* ---- h5io_util.c ---------------------------------------------------- */

/* Turns HDF5's error printing and its cleanup at exit off. */
void ss__h5_quiet(void);

/* Bytes free for an unprivileged writer in the directory of path
 * (INFINITY when unknown). */
double ss__h5_free_bytes(const char *path);

/* The directory of path ("." for a bare name) into dir. */
void ss__h5_dir_of(const char *path, char *dir, size_t size);

/* True when e, the errno of a failed write, says the disk is full. */
#define SS__H5_DISK_FULL(e) ((e) == ENOSPC || (e) == EDQUOT)

/* SS_ERR_IO "PATH: disk full: it needs about N MB and the disk has M MB
 * free at DIR (what)": a write to the file on_disk, which path names,
 * failed for want of space; need is the file's estimated size. */
ss_status ss__h5_disk_full(ss_error *err, const char *path,
                           const char *on_disk, double need,
                           const char *what);

bool ss__h5_path_exists(const char *path);

/* The time now, as the `created` attribute has it (ISO 8601, UTC). */
void ss__h5_iso_time_now(char *buf, size_t size);

/* A variable-length UTF-8 string type; close it with H5Tclose. */
hid_t ss__h5_string_type(void);

/* Scalar attributes of obj. */
int ss__h5_attr_string(hid_t obj, const char *name, const char *value);
int ss__h5_attr_double(hid_t obj, const char *name, double value);
int ss__h5_attr_u64(hid_t obj, const char *name, uint64_t value);
int ss__h5_attr_i64(hid_t obj, const char *name, int64_t value);
/* A fixed-length string: netCDF's NC_CHAR, what netCDF-C writes for text
 * (_NCProperties) and NCO wants for CF's `coordinates`. */
int ss__h5_attr_char(hid_t obj, const char *name, const char *value);
/* The seed: `seed` as an int32 when it fits, else an int64 when it fits,
 * else a uint64; and `seed_text`, its exact decimal digits. */
int ss__h5_attr_seed(hid_t obj, uint64_t seed);
/* The seed from seed_text, else (files made before it) from seed. */
uint64_t ss__h5_attr_read_seed(hid_t obj);
/* _FillValue = NaN of d's own (float) type. */
int ss__h5_fill_attr(hid_t d);

/* Property lists of a results file: the creation one tracks link and
 * attribute creation order (netCDF-C writes only to such files), the
 * access one takes no HDF5 file lock (FILE.lock keeps one writer, and
 * readers may watch a running sweep). Close them with H5Pclose. */
hid_t ss__h5_fcpl(void);
hid_t ss__h5_fapl(void);
/* H5Fopen and H5Fcreate (exclusive) with those lists. */
hid_t ss__h5_fopen(const char *path, unsigned flags);
hid_t ss__h5_fcreate(const char *path);

/* Reads a string attribute (fixed or variable length) into buf; "" when
 * it is missing. */
void ss__h5_attr_read_string(hid_t obj, const char *name, char *buf,
                             size_t size);
/* A string attribute (fixed or variable length), whole: a copy from
 * malloc the caller frees; NULL when it is missing, no string, or out of
 * memory. */
char *ss__h5_attr_read_alloc(hid_t obj, const char *name);
/* Reads an integer attribute; 0 when it is missing. */
uint64_t ss__h5_attr_read_u64(hid_t obj, const char *name);

/* The version of the fast kernels a file of kernel `kernel` was run with:
 * its root attribute kernel_version, 1 when it has none (the files made
 * before there was one); 0 for another kernel. */
uint64_t ss__h5_kernel_version(hid_t file, const char *kernel);

/* Checks that a file (shown as path) of kernel `kernel` holds this
 * synsweep's fast-kernel numbers: SS_ERR_USAGE naming both versions, and
 * `doing` ("resume", "merge"), if not. */
ss_status ss__h5_check_kernel_version(hid_t file, const char *path,
                                      const char *kernel, const char *doing,
                                      ss_error *err);

/* A 1-D contiguous dataset of n values of mem_type (data NULL: left to
 * the caller to write); close it. */
hid_t ss__h5_dataset_1d(hid_t file, const char *name, hid_t file_type,
                        hid_t mem_type, uint64_t n, const void *data);
/* A 1-D int64 dataset 0..n-1, written in blocks; close it. */
hid_t ss__h5_index_dataset(hid_t file, const char *name, uint64_t n);

/* The chunk shape of ss__h5_create_nd for a dataset of the given shape
 * (rank > 0): whole trailing dimensions, then part of one, about 16384
 * elements. Returns the elements per chunk. */
uint64_t ss__h5_chunk_shape(size_t rank, const uint64_t *shape,
                            uint64_t *chunk);

/* The chunks of that shape that hold trials [first, first + n) (chunks
 * hold runs of consecutive trials, so these are consecutive too). */
uint64_t ss__h5_chunks_of_run(size_t rank, const uint64_t *shape,
                              uint64_t first, uint64_t n);

/* An N-D dataset of one value per trial, filled with *fill (a double for a
 * float type, else a uint8_t). Compressed, its chunks are allocated as
 * they are written. Uncompressed, the chunks that hold trials
 * [block_first, block_first + block_count) are allocated now, filled (all
 * of them, early, for a block that is every trial; incrementally, only
 * the block's, for a shard's part: the others stay unallocated and read
 * as the fill), so that writing the block's trials later never changes
 * the file's metadata. *chunk_trials (if not NULL) gets the trials per
 * chunk. */
hid_t ss__h5_create_nd(hid_t file, const char *name, hid_t type,
                       const void *fill, size_t rank, const uint64_t *shape,
                       bool compressed, uint64_t block_first,
                       uint64_t block_count, uint64_t *chunk_trials);

/* Reads trials [first, first + n) of d, a dataset of one value per
 * trial of a grid of the given shape, into buf (n values of mem_type, in
 * the grid's row-major order); or writes them from buf. */
int ss__h5_read_run(hid_t d, hid_t mem_type, size_t rank,
                    const uint64_t *shape, uint64_t first, uint64_t n,
                    void *buf);
int ss__h5_write_run(hid_t d, hid_t mem_type, size_t rank,
                     const uint64_t *shape, uint64_t first, uint64_t n,
                     const void *buf);

/* ---- h5io_output.c ------------------------------------------------- */

/* Allocates disk blocks for the whole of file (fallocate, which writes
 * nothing), so that a working file whose chunks are allocated but never
 * filled cannot run out of room later; 0, or the errno (ENOSPC: the disk
 * is full). A file system without fallocate is left as it is. */
int ss__h5_reserve(const char *file);

/* Starts writing the output path: resolves a symbolic link to its target,
 * refuses anything there that is not a regular file (a device, a FIFO, a
 * directory), an existing file unless force (must_exist: --resume, a
 * missing one), and an output another synsweep is writing (its lock
 * FILE.lock); then removes what killed runs of it left. On success the
 * lock is held until ss__output_end; on failure nothing is held. */
ss_status ss__output_begin(ss__output *o, const char *path, bool force,
                           bool must_exist, ss_error *err);

/* Makes a private directory FILE.<what>-XXXXXX beside the output and
 * names the file to create in it, o->temp_file, which a second ^C removes
 * (ss_h5_remove_temporaries). Create it exclusively (H5F_ACC_EXCL). */
ss_status ss__output_make(ss__output *o, const char *what, ss_error *err);

/* Renames o->temp_file to the output: where nothing is, or over the one
 * file this run may replace; anything else there is left alone (an
 * error, the temporary removed). */
ss_status ss__output_commit(ss__output *o, ss_error *err);

/* Removes the temporary file and its directory, if any. */
void ss__output_discard(ss__output *o);

/* Discards any temporary and releases the lock, removing FILE.lock. */
void ss__output_end(ss__output *o);

/* ---- h5io_write.c --------------------------------------------------- */

/* Creates a results file at path, which must not exist, with every
 * dataset, coordinate and attribute; compressed or with every chunk
 * allocated. Messages and (*out)->path name it `shown`. Copies shown,
 * created and command_line; grid must outlive *out. On failure *out is
 * NULL and path is removed. */
ss_status ss__h5_create_file(const char *path, const char *shown,
                             const ss_grid *grid,
                             const char *kernel, const char *command_line,
                             const char *created, bool compressed,
                             ss_h5 **out, ss_error *err);

/* Makes f's file (every id -1, its path, created, kernel and command
 * line set) at file_path, which must not exist: every dataset,
 * coordinate and attribute, compressed (f->compressed) or with every
 * chunk allocated. On failure f's ids are -1 again and file_path is
 * removed. */
ss_status ss__h5_make(ss_h5 *f, const char *file_path, ss_error *err);

/* Makes the working file of f, a handle of ss_h5_create, in
 * f->out.temp_file and renames it to its path (ss__output_commit). */
ss_status ss__h5_make_working(ss_h5 *f, ss_error *err);

/* Whether grid's file has metric i: the model's, as the spec selects. */
bool ss__h5_has_metric(const ss_grid *grid, int i);

/* A handle for grid's file at path with nothing open yet: path copied,
 * every HDF5 id -1, the grid's shape. NULL when out of memory; free it
 * with ss__h5_release. grid must outlive it. */
ss_h5 *ss__h5_new(const char *path, const ss_grid *grid);

/* Closes every HDF5 object of f and frees it (its own sweep too),
 * flushing nothing. */
void ss__h5_release(ss_h5 *f);

/* ---- h5io_deflate.c ------------------------------------------------- */
/* A zlib stream (what HDF5's deflate filter inflates) of the n bytes at
 * in, coded as runs of one byte (a literal, then matches at distance 1)
 * with deflate's fixed Huffman codes, into out; its length, or 0 when it
 * would take more than limit bytes (a chunk that is not mostly runs). */
size_t ss__deflate_runs(const unsigned char *in, size_t n, unsigned char *out,
                        size_t limit);

/* ---- h5io_pack.c ---------------------------------------------------- */

typedef struct ss__pack ss__pack;

/* Starts building f's finished file (compressed) beside it, in
 * FILE.compacting-XXXXXX, with a thread that compresses chunks as their
 * trials are done; resumed: counts the trials f has done already. Does
 * nothing for a compressed f. On failure f has no finished file being
 * built (ss_h5_close compresses the old way). */
ss_status ss__pack_start(ss_h5 *f, bool resumed, ss_error *err);

/* Trials [first, first + n) are about to be written to f (cols[i]:
 * metric i's n values, NULL for a metric f has not; flags: their
 * status): counts them done, and hands the chunks they complete, as far
 * as those are wholly in the block, to the compressing thread, so that
 * compressing them goes on while f is written. If writing f fails, the
 * finished file must be abandoned (ss_h5_close does). */
void ss__pack_early(ss_h5 *f, uint64_t first, uint64_t n,
                    const double *const *cols, const uint8_t *flags);

/* Trials [first, first + n), counted by ss__pack_early, are written to f:
 * compresses and writes the chunks that are now complete. A failure
 * abandons the finished file (the run goes on into f). */
void ss__pack_block(ss_h5 *f, uint64_t first, uint64_t n,
                    const double *const *cols, const uint8_t *flags);

/* Every trial is done: writes the last chunks, closes the finished file
 * and renames it over f's path. On failure it is removed (f stays, whole,
 * uncompressed). */
ss_status ss__pack_finish(ss_h5 *f, ss_error *err);

/* Stops building the finished file and removes it. */
void ss__pack_abandon(ss_h5 *f);

/* Frees p (its thread stopped, its file closed), removing nothing. */
void ss__pack_free(ss__pack *p);

/* ---- h5io_write.c, h5io_queue.c ------------------------------------- */

/* Writes trials [first, first + n) to f: cols[i] holds metric i's values
 * (NULL for a metric f has not), flags their statuses; the chunks they
 * complete handed to the compressing thread first (ss__pack_early), then
 * metrics, status, flush, then done and flush; then those chunks go to the
 * finished file. */
ss_status ss__h5_write_columns(ss_h5 *f, uint64_t first, uint64_t n,
                               const double *const *cols,
                               const uint8_t *flags, ss_error *err);

typedef struct ss__queue ss__queue;

/* HDF5 is not thread-safe: held around every HDF5 call made while f's
 * writer thread may run. */
void ss__h5_lock(void);
void ss__h5_unlock(void);

/* Starts f's writer thread, which first makes f's working file when make
 * says so (ss__h5_make_working: its failure is the first block's), then
 * starts f's finished file when pack says so (1: ss__pack_start(f,
 * false), 2: resumed, 0: none); on failure (SS_ERR_NOMEM) f has no
 * thread, no file made and no finished file. */
ss_status ss__queue_start(ss_h5 *f, int pack, bool make);
/* Starts f's writer thread and, on it, f's finished file (resumed: of a
 * resumed f); without a thread, both here. */
void ss__queue_start_with_pack(ss_h5 *f, bool resumed);
/* Queues the block (waiting for a free slot): copied into columns here,
 * or with lent, by whoever gets to it first, the writer thread or
 * ss__queue_release; a failure of an earlier block is returned instead
 * (nothing queued). */
ss_status ss__queue_put(ss_h5 *f, uint64_t first, uint64_t n,
                        const ss_metrics *rows, bool lent, ss_error *err);
/* Returns once no lent rows are read any more (copying those not yet
 * copied here). */
void ss__queue_release(ss_h5 *f);
/* Writes what is queued and stops the thread; the first failure of any
 * block. Nothing when f has no thread. */
ss_status ss__queue_stop(ss_h5 *f, ss_error *err);

/* ---- h5io_shard.c --------------------------------------------------- */

/* "K/N" of shard, "" for NULL (the whole sweep). */
void ss__h5_shard_text(const ss_shard *shard, char *buf, size_t size);

/* The root attributes shard, shard_first and shard_count of a grid made
 * for a shard; nothing for a whole sweep's. */
int ss__h5_write_shard(hid_t file, const ss_grid *grid);

/* Reads a file's shard: *sharded, *shard ({0, 1} when none) and its block
 * [*first, *first + *count) of a sweep of `trials` trials (the whole
 * sweep when none). A shard attribute that is no K/N, or a block that is
 * not the shard's, is SS_ERR_IO naming path. */
ss_status ss__h5_read_shard(hid_t file, uint64_t trials, const char *path,
                            bool *sharded, ss_shard *shard, uint64_t *first,
                            uint64_t *count, ss_error *err);

/* SS_ERR_USAGE, with a hint, when the file's shard is not grid's (resume
 * goes on with the part it was given only). */
ss_status ss__h5_check_shard(hid_t file, const ss_grid *grid,
                             const char *path, ss_error *err);

/* ---- h5io_parts.c --------------------------------------------------- */

/* A set of parts of one sweep being read: the caller's paths, parts and
 * sum; the sweep's spec and whole grid, loaded from the first part's
 * spec text. */
typedef struct ss__h5_set {
    const char *const *paths;
    size_t n;
    ss_h5_part *parts;
    ss_h5_parts *sum;
    ss_spec *spec;
    ss_grid *grid;
} ss__h5_set;

/* Checks every part's header against the first's (ss_h5_read_parts says
 * how) and fills parts[i] but their done counts, and sum but its
 * counts. Keeps pointers to paths, parts and sum. On failure everything
 * is freed; else free the set with ss__h5_parts_close. */
ss_status ss__h5_parts_open(ss__h5_set *set, const char *const *paths,
                            size_t n, ss_h5_part *parts, ss_h5_parts *sum,
                            ss_error *err);
void ss__h5_parts_close(ss__h5_set *set);

/* Counts what each part and all of them hold done, and calls missing (may
 * be NULL) for each run of trials in no part; a block of trials at a
 * time. stop (may be NULL): SS_ERR_INTR once it is non-zero. */
ss_status ss__h5_parts_scan(const ss__h5_set *set, ss_h5_missing_fn missing,
                            void *ctx, const volatile sig_atomic_t *stop,
                            ss_error *err);

/* Part i opened read-only (close it), or < 0. */
hid_t ss__h5_part_open(const ss__h5_set *set, size_t i);

/* For each part whose trials meet [first, first + n): opens it, calls
 * visit(ctx, part, file, lo, count) with the trials [lo, lo + count) of
 * the range it holds, and closes it. Returns the first non-zero value
 * visit returns (-1 when a part does not open), else 0. */
int ss__h5_parts_each(const ss__h5_set *set, uint64_t first, uint64_t n,
                      int (*visit)(void *ctx, size_t part, hid_t file,
                                   uint64_t first, uint64_t n),
                      void *ctx);

/* The dataset name of file if it has the given shape, else < 0. */
hid_t ss__h5_open_per_trial(hid_t file, const char *name, size_t rank,
                            const uint64_t *shape);

#endif
