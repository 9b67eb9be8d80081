/* Helpers of the results-file module: HDF5 attributes, datasets and the
 * selections of runs of trials. Each returns < 0 on failure. */
#define _POSIX_C_SOURCE 200809L
#include "h5io_util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>

#include <hdf5.h>

/* Elements per chunk (128 KiB of float64). */
#define CHUNK_TARGET 16384

void ss__h5_quiet(void)
{
    /* No cleanup at exit: after a failed close (a full disk) HDF5's own
     * would crash; the files are closed explicitly anyway. */
    H5dont_atexit();
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

void ss__h5_dir_of(const char *path, char *dir, size_t size)
{
    snprintf(dir, size, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, size, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
}

/* Bytes free for an unprivileged writer in the directory of path. */
double ss__h5_free_bytes(const char *path)
{
    char dir[SS__H5_PATH_MAX];
    ss__h5_dir_of(path, dir, sizeof dir);
    struct statvfs vfs;
    if (statvfs(dir, &vfs) != 0)
        return INFINITY; /* unknown: let the write tell */
    return (double)vfs.f_bavail * (double)vfs.f_frsize;
}

ss_status ss__h5_disk_full(ss_error *err, const char *path,
                            const char *on_disk, double need,
                            const char *what)
{
    char dir[SS__H5_PATH_MAX];
    ss__h5_dir_of(on_disk, dir, sizeof dir);
    return ss_error_set(err, SS_ERR_IO,
                        "%s: disk full: it needs about %.2f MB and the disk "
                        "has %.2f MB free at %s (%s)",
                        path, need / 1e6, ss__h5_free_bytes(on_disk) / 1e6,
                        dir, what);
}

hid_t ss__h5_string_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0)
        return t;
    if (H5Tset_size(t, H5T_VARIABLE) < 0 ||
        H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

static int attr_write(hid_t obj, const char *name, hid_t type,
                      const void *value)
{
    hid_t space = H5Screate(H5S_SCALAR);
    if (space < 0)
        return -1;
    hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    int rc = a < 0 || H5Awrite(a, type, value) < 0 ? -1 : 0;
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(space);
    return rc;
}

int ss__h5_attr_string(hid_t obj, const char *name, const char *value)
{
    hid_t t = ss__h5_string_type();
    if (t < 0)
        return -1;
    int rc = attr_write(obj, name, t, &value);
    H5Tclose(t);
    return rc;
}

int ss__h5_attr_double(hid_t obj, const char *name, double value)
{
    return attr_write(obj, name, H5T_NATIVE_DOUBLE, &value);
}

int ss__h5_attr_u64(hid_t obj, const char *name, uint64_t value)
{
    return attr_write(obj, name, H5T_NATIVE_UINT64, &value);
}

int ss__h5_attr_i64(hid_t obj, const char *name, int64_t value)
{
    return attr_write(obj, name, H5T_NATIVE_INT64, &value);
}

int ss__h5_attr_seed(hid_t obj, uint64_t seed)
{
    /* R takes no 64-bit integer, NCO and netCDF-3 tools no uint64: the
     * narrowest signed type that holds it, and its exact digits always */
    char text[32];
    snprintf(text, sizeof text, "%llu", (unsigned long long)seed);
    int32_t small = (int32_t)seed;
    int rc = seed <= INT32_MAX
                 ? attr_write(obj, "seed", H5T_NATIVE_INT32, &small)
             : seed <= INT64_MAX
                 ? ss__h5_attr_i64(obj, "seed", (int64_t)seed)
                 : ss__h5_attr_u64(obj, "seed", seed);
    return rc < 0 ? rc : ss__h5_attr_string(obj, "seed_text", text);
}

uint64_t ss__h5_attr_read_seed(hid_t obj)
{
    /* files made before seed_text have seed as a uint64 */
    char text[32];
    ss__h5_attr_read_string(obj, "seed_text", text, sizeof text);
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (text[0] >= '0' && text[0] <= '9' && !*end && errno == 0)
        return (uint64_t)v;
    return ss__h5_attr_read_u64(obj, "seed");
}

int ss__h5_attr_char(hid_t obj, const char *name, const char *value)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0)
        return -1;
    bool ascii = true;
    for (const char *c = value; *c; c++)
        ascii = ascii && (unsigned char)*c < 0x80;
    int rc = H5Tset_size(t, strlen(value) + 1) < 0 ||
                     H5Tset_strpad(t, H5T_STR_NULLTERM) < 0 ||
                     (!ascii && H5Tset_cset(t, H5T_CSET_UTF8) < 0)
                 ? -1
                 : attr_write(obj, name, t, value);
    H5Tclose(t);
    return rc;
}

hid_t ss__h5_fcpl(void)
{
    /* netCDF-C opens for writing only files whose groups track the
     * creation order of links (NC_ECANTWRITE otherwise) */
    hid_t p = H5Pcreate(H5P_FILE_CREATE);
    unsigned order = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;
    if (p >= 0 && (H5Pset_link_creation_order(p, order) < 0 ||
                   H5Pset_attr_creation_order(p, order) < 0)) {
        H5Pclose(p);
        return -1;
    }
    return p;
}

hid_t ss__h5_fapl(void)
{
    /* one writer is enforced by FILE.lock (h5io_output.c); HDF5's own
     * lock would keep readers out of a running sweep */
    hid_t p = H5Pcreate(H5P_FILE_ACCESS);
    /* no blocks set aside for later metadata and small data: a flush
     * while the trials run would give back their unused end, truncating
     * the file before the superblock says so, and a reader of the running
     * sweep would find it "truncated" */
    if (p >= 0 && (H5Pset_file_locking(p, false, true) < 0 ||
                   H5Pset_meta_block_size(p, 0) < 0 ||
                   H5Pset_small_data_block_size(p, 0) < 0)) {
        H5Pclose(p);
        return -1;
    }
    return p;
}

hid_t ss__h5_fopen(const char *path, unsigned flags)
{
    hid_t fapl = ss__h5_fapl();
    hid_t f = fapl >= 0 ? H5Fopen(path, flags, fapl) : -1;
    if (fapl >= 0)
        H5Pclose(fapl);
    return f;
}

hid_t ss__h5_fcreate(const char *path)
{
    hid_t fcpl = ss__h5_fcpl(), fapl = ss__h5_fapl();
    hid_t f = fcpl >= 0 && fapl >= 0
                  ? H5Fcreate(path, H5F_ACC_EXCL, fcpl, fapl)
                  : -1;
    if (fcpl >= 0)
        H5Pclose(fcpl);
    if (fapl >= 0)
        H5Pclose(fapl);
    return f;
}

/* A dataset's creation properties as netCDF-C makes them: attributes in
 * creation order; float ones filled with NaN, as their _FillValue says. */
static hid_t netcdf_dcpl(hid_t type)
{
    hid_t p = H5Pcreate(H5P_DATASET_CREATE);
    unsigned order = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;
    double nan = NAN;
    if (p >= 0 && (H5Pset_attr_creation_order(p, order) < 0 ||
                   (H5Tget_class(type) == H5T_FLOAT &&
                    H5Pset_fill_value(p, H5T_NATIVE_DOUBLE, &nan) < 0))) {
        H5Pclose(p);
        return -1;
    }
    return p;
}

int ss__h5_fill_attr(hid_t d)
{
    /* netCDF's _FillValue: of the variable's own type, equal to the
     * HDF5 fill value */
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t t = H5Dget_type(d);
    double nan = NAN;
    hid_t a = space >= 0 && t >= 0 ? H5Acreate2(d, "_FillValue", t, space,
                                                H5P_DEFAULT, H5P_DEFAULT)
                                   : -1;
    int rc = a < 0 || H5Awrite(a, H5T_NATIVE_DOUBLE, &nan) < 0 ? -1 : 0;
    if (a >= 0)
        H5Aclose(a);
    if (t >= 0)
        H5Tclose(t);
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

char *ss__h5_attr_read_alloc(hid_t obj, const char *name)
{
    if (H5Aexists(obj, name) <= 0)
        return NULL;
    char *copy = NULL;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t ft = a >= 0 ? H5Aget_type(a) : -1;
    if (ft >= 0 && H5Tget_class(ft) == H5T_STRING) {
        if (H5Tis_variable_str(ft) > 0) {
            hid_t t = ss__h5_string_type();
            char *s = NULL;
            if (t >= 0 && H5Aread(a, t, &s) >= 0 && s) {
                copy = strdup(s);
                H5free_memory(s);
            }
            if (t >= 0)
                H5Tclose(t);
        } else {
            size_t n = H5Tget_size(ft);
            copy = calloc(n + 1, 1);
            if (copy && H5Aread(a, ft, copy) < 0) {
                free(copy);
                copy = NULL;
            }
        }
    }
    if (ft >= 0)
        H5Tclose(ft);
    if (a >= 0)
        H5Aclose(a);
    return copy;
}

void ss__h5_attr_read_string(hid_t obj, const char *name, char *buf,
                             size_t size)
{
    char *s = ss__h5_attr_read_alloc(obj, name);
    snprintf(buf, size, "%s", s ? s : "");
    free(s);
}

uint64_t ss__h5_kernel_version(hid_t file, const char *kernel)
{
    if (strcmp(kernel, "fast") != 0)
        return 0;
    uint64_t v = ss__h5_attr_read_u64(file, "kernel_version");
    return v ? v : 1;
}

ss_status ss__h5_check_kernel_version(hid_t file, const char *path,
                                      const char *kernel, const char *doing,
                                      ss_error *err)
{
    uint64_t v = ss__h5_kernel_version(file, kernel);
    if (v == 0 || v == SS_FAST_KERNEL_VERSION)
        return SS_OK;
    ss_status st = ss_error_set(
        err, SS_ERR_USAGE,
        "cannot %s '%s': it was run with version %llu of the fast kernels, "
        "which draw other random numbers than this synsweep's (version %d)",
        doing, path, (unsigned long long)v, SS_FAST_KERNEL_VERSION);
    ss_error_hint(err, "run the sweep again into a new file, or %s it with "
                       "the synsweep that made it", doing);
    return st;
}

uint64_t ss__h5_attr_read_u64(hid_t obj, const char *name)
{
    uint64_t v = 0;
    if (H5Aexists(obj, name) > 0) {
        hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
        if (a >= 0) {
            H5Aread(a, H5T_NATIVE_UINT64, &v);
            H5Aclose(a);
        }
    }
    return v;
}

/* A 1-D dataset of n values of mem_type (contiguous); data NULL: not
 * written yet. */
hid_t ss__h5_dataset_1d(hid_t file, const char *name, hid_t file_type,
                        hid_t mem_type, uint64_t n, const void *data)
{
    hsize_t dim = n;
    hid_t space = H5Screate_simple(1, &dim, NULL);
    if (space < 0)
        return -1;
    hid_t dcpl = netcdf_dcpl(file_type);
    hid_t d = dcpl >= 0 ? H5Dcreate2(file, name, file_type, space,
                                     H5P_DEFAULT, dcpl, H5P_DEFAULT)
                        : -1;
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (d >= 0 && H5Tget_class(file_type) == H5T_FLOAT &&
        ss__h5_fill_attr(d) < 0) {
        H5Dclose(d);
        d = -1;
    }
    if (d >= 0 && n > 0 && data &&
        H5Dwrite(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
        H5Dclose(d);
        d = -1;
    }
    H5Sclose(space);
    return d;
}

/* One box of a run: written or read with a selection of its own. */
typedef struct {
    hid_t d, mem_type;
    size_t elem;
    const unsigned char *from;
    unsigned char *into;
    uint64_t done; /* trials of the run before this box */
} box_ctx;

static int transfer_box(const uint64_t *start, const uint64_t *count,
                        void *ctx)
{
    box_ctx *c = ctx;
    hid_t fs = H5Dget_space(c->d);
    int rank = fs >= 0 ? H5Sget_simple_extent_ndims(fs) : -1;
    if (rank > SS_GRID_MAX_AXES + 1)
        rank = -1;
    hsize_t s[SS_GRID_MAX_AXES + 1], k[SS_GRID_MAX_AXES + 1], n = 1;
    for (int d = 0; d < rank; d++) {
        s[d] = start[d];
        k[d] = count[d];
        n *= count[d];
    }
    /* the memory space the box's own shape: with a 1-D one HDF5 maps
     * memory to chunks an element at a time */
    hid_t ms = rank > 0 ? H5Screate_simple(rank, k, NULL) : -1;
    herr_t rc = -1;
    if (fs >= 0 && ms >= 0 && rank > 0 &&
        H5Sselect_hyperslab(fs, H5S_SELECT_SET, s, NULL, k, NULL) >= 0)
        rc = c->from ? H5Dwrite(c->d, c->mem_type, ms, fs, H5P_DEFAULT,
                                c->from + c->done * c->elem)
                     : H5Dread(c->d, c->mem_type, ms, fs, H5P_DEFAULT,
                               c->into + c->done * c->elem);
    c->done += n;
    if (fs >= 0)
        H5Sclose(fs);
    if (ms >= 0)
        H5Sclose(ms);
    return rc < 0 ? -1 : 0;
}

/* Writes trials [first, first + n) of d from `from` or, if it is NULL,
 * reads them into `into`: n values of mem_type. A box at a time, each its
 * own regular hyperslab: HDF5 maps a union of hyperslabs to chunks one
 * element at a time (the time of `info` on a 10^7-trial file, and 200 MB
 * of chunk maps in a write), a single box a chunk at a time. */
static int transfer_run(hid_t d, hid_t mem_type, size_t rank,
                        const uint64_t *shape, uint64_t first, uint64_t n,
                        const void *from, void *into)
{
    if (n == 0)
        return 0;
    if (rank == 0) {
        herr_t rc = from ? H5Dwrite(d, mem_type, H5S_ALL, H5S_ALL,
                                    H5P_DEFAULT, from)
                         : H5Dread(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                   into);
        return rc < 0 ? -1 : 0;
    }
    box_ctx c = {d, mem_type, H5Tget_size(mem_type), from, into, 0};
    return ss_grid_boxes(rank, shape, first, n, transfer_box, &c) != 0 ? -1
                                                                       : 0;
}

int ss__h5_read_run(hid_t d, hid_t mem_type, size_t rank,
                    const uint64_t *shape, uint64_t first, uint64_t n,
                    void *buf)
{
    return transfer_run(d, mem_type, rank, shape, first, n, NULL, buf);
}

int ss__h5_write_run(hid_t d, hid_t mem_type, size_t rank,
                     const uint64_t *shape, uint64_t first, uint64_t n,
                     const void *buf)
{
    return transfer_run(d, mem_type, rank, shape, first, n, buf, NULL);
}

/* Chunks that each hold a contiguous run of trials: whole trailing
 * dimensions, then part of one. Returns the trials per chunk. */
uint64_t ss__h5_chunk_shape(size_t rank, const uint64_t *shape,
                            uint64_t *chunk)
{
    uint64_t product = 1;
    size_t d = rank;
    while (d-- > 0) {
        if (product * shape[d] <= CHUNK_TARGET) {
            chunk[d] = shape[d];
            product *= shape[d];
            continue;
        }
        chunk[d] = CHUNK_TARGET / product ? CHUNK_TARGET / product : 1;
        product *= chunk[d];
        while (d-- > 0)
            chunk[d] = 1;
        break;
    }
    return product;
}

/* Writes *fill (a double or a uint8_t, as type) over trials
 * [first, first + n) of d: allocates the chunks that hold them. */
static int fill_run(hid_t d, hid_t type, const void *fill, size_t rank,
                    const uint64_t *shape, uint64_t first, uint64_t n)
{
    bool is_float = H5Tget_class(type) == H5T_FLOAT;
    size_t size = is_float ? sizeof(double) : 1;
    uint64_t block = n < SS__H5_SCAN_BLOCK ? n : SS__H5_SCAN_BLOCK;
    unsigned char *buf = malloc((block ? block : 1) * size);
    if (!buf)
        return -1;
    for (uint64_t i = 0; i < block; i++)
        memcpy(buf + i * size, fill, size);
    int rc = 0;
    for (uint64_t at = first; rc == 0 && at < first + n; at += block) {
        uint64_t k = first + n - at < block ? first + n - at : block;
        rc = ss__h5_write_run(d, is_float ? H5T_NATIVE_DOUBLE
                                          : H5T_NATIVE_UINT8,
                              rank, shape, at, k, buf);
    }
    free(buf);
    return rc;
}

uint64_t ss__h5_chunks_of_run(size_t rank, const uint64_t *shape,
                              uint64_t first, uint64_t n)
{
    if (n == 0)
        return 0;
    if (rank == 0)
        return 1;
    uint64_t chunk[SS_GRID_MAX_AXES + 1];
    ss__h5_chunk_shape(rank, shape, chunk);
    /* the one dimension d chunked in part: whole ones after it, chunks of
     * 1 before it */
    size_t d = rank - 1;
    uint64_t inner = 1;
    while (d > 0 && chunk[d] == shape[d]) {
        inner *= shape[d];
        d--;
    }
    uint64_t per_row = (shape[d] + chunk[d] - 1) / chunk[d];
    uint64_t last = first + n - 1;
    uint64_t a = first / inner, b = last / inner;
    uint64_t ca = a / shape[d] * per_row + a % shape[d] / chunk[d];
    uint64_t cb = b / shape[d] * per_row + b % shape[d] / chunk[d];
    return cb - ca + 1;
}

/* An N-D dataset filled with *fill. Compressed, its chunks are allocated
 * as they are written; uncompressed, those that hold trials
 * [block_first, block_first + block_count) at once now (all of them, at
 * creation, for the whole sweep), so that writing those trials later
 * never changes the file's metadata. */
hid_t ss__h5_create_nd(hid_t file, const char *name, hid_t type,
                       const void *fill, size_t rank, const uint64_t *shape,
                       bool compressed, uint64_t block_first,
                       uint64_t block_count, uint64_t *chunk_trials)
{
    uint64_t total = 1;
    for (size_t d = 0; d < rank; d++)
        total *= shape[d];
    /* a part: only its block's chunks */
    bool part = !compressed && rank > 0 && block_count < total;
    hsize_t dims[SS_GRID_MAX_AXES + 1], chunk[SS_GRID_MAX_AXES + 1];
    for (size_t d = 0; d < rank; d++)
        dims[d] = shape[d];
    hid_t space = rank ? H5Screate_simple((int)rank, dims, NULL)
                       : H5Screate(H5S_SCALAR);
    hid_t dcpl = netcdf_dcpl(type);
    hid_t dapl = H5Pcreate(H5P_DATASET_ACCESS);
    hid_t d = -1;
    if (space < 0 || dcpl < 0 || dapl < 0)
        goto done;
    if (rank > 0) {
        uint64_t chunk64[SS_GRID_MAX_AXES + 1];
        uint64_t per_chunk = ss__h5_chunk_shape(rank, shape, chunk64);
        for (size_t k = 0; k < rank; k++)
            chunk[k] = chunk64[k];
        if (chunk_trials)
            *chunk_trials = per_chunk;
        if (H5Pset_chunk(dcpl, (int)rank, chunk) < 0)
            goto done;
        if (compressed ? H5Pset_shuffle(dcpl) < 0 ||
                             H5Pset_deflate(dcpl, 1) < 0
                       : H5Pset_alloc_time(dcpl, part ? H5D_ALLOC_TIME_INCR
                                                      : H5D_ALLOC_TIME_EARLY) <
                             0)
            goto done;
        /* compressed: room for the few chunks one block of trials
         * touches; uncompressed: none, so that a block goes straight
         * to the file and not through a chunk-sized copy per chunk */
        H5Pset_chunk_cache(dapl, 521, compressed ? 1u << 20 : 0, 1.0);
    }
    /* The working file of a whole sweep: its chunks are allocated at
     * once but never filled, so creating it costs no more for 10^7
     * trials than for 10^3 (the file is sparse: untouched chunks read as
     * zeros, `done` 0 included, and no disk is used till trials land).
     * A trial's values count only once its `done` is 1. A part's chunks
     * are filled as they are allocated: only its block's. */
    bool sparse = !compressed && rank > 0 && !part;
    if (H5Pset_fill_value(dcpl, H5Tget_class(type) == H5T_FLOAT
                                    ? H5T_NATIVE_DOUBLE
                                    : H5T_NATIVE_UINT8,
                          fill) < 0 ||
        H5Pset_fill_time(dcpl, sparse ? H5D_FILL_TIME_NEVER
                                      : H5D_FILL_TIME_ALLOC) < 0)
        goto done;
    d = H5Dcreate2(file, name, type, space, H5P_DEFAULT, dcpl, dapl);
    if (d >= 0 && H5Tget_class(type) == H5T_FLOAT && ss__h5_fill_attr(d) < 0) {
        H5Dclose(d);
        d = -1;
    }
    if (d >= 0 && part && block_count > 0 &&
        fill_run(d, type, fill, rank, shape, block_first, block_count) < 0) {
        H5Dclose(d);
        d = -1;
    }
done:
    if (dapl >= 0)
        H5Pclose(dapl);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
    return d;
}

void ss__h5_iso_time_now(char *buf, size_t size)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

bool ss__h5_path_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

hid_t ss__h5_index_dataset(hid_t file, const char *name, uint64_t n)
{
    /* written a block at a time: the repeat coordinate of 10^7 repeats
     * needs no 80 MB buffer */
    uint64_t block = n < SS__H5_SCAN_BLOCK ? n : SS__H5_SCAN_BLOCK;
    int64_t *idx = malloc((block ? block : 1) * sizeof *idx);
    if (!idx)
        return -1;
    hid_t d = ss__h5_dataset_1d(file, name, H5T_STD_I64LE, H5T_NATIVE_INT64,
                                n, NULL);
    uint64_t shape[1] = {n};
    for (uint64_t first = 0; d >= 0 && first < n; first += block) {
        uint64_t k = n - first < block ? n - first : block;
        for (uint64_t i = 0; i < k; i++)
            idx[i] = (int64_t)(first + i);
        if (ss__h5_write_run(d, H5T_NATIVE_INT64, 1, shape, first, k, idx) <
            0) {
            H5Dclose(d);
            d = -1;
        }
    }
    free(idx);
    return d;
}
