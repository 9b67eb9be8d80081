#define _POSIX_C_SOURCE 200809L
#include "synsweep/h5io.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <hdf5.h>
#include <hdf5_hl.h>
#include <sha2.h>

#include "synsweep/version.h"

/* Elements per chunk (128 KiB of float64). */
#define CHUNK_TARGET 16384
/* Points of derived coordinates and trials of a scan handled at once. */
#define SCAN_BLOCK 65536

struct ss_h5 {
    char path[4096];
    const ss_grid *grid;
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
    double *column;   /* one metric of a block */
    uint8_t *ones;    /* the done flags of a block */
    uint8_t *flags;   /* the statuses of a block */
    uint64_t capacity;
    /* a window of the done mask, for finding the trials left to do */
    uint8_t *window;
    uint64_t window_first, window_n;
};

/* The version of the layout below; a file of another is not resumed. */
#define LAYOUT "synsweep-results-1"

/* ---- small HDF5 helpers: each returns < 0 on failure ---------------- */

static void quiet_hdf5(void)
{
    /* No cleanup at exit: after a failed close (a full disk) HDF5's own
     * would crash; the files are closed explicitly anyway. */
    H5dont_atexit();
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

/* Bytes free for an unprivileged writer in the directory of path. */
static double free_bytes(const char *path)
{
    char dir[4300];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    struct statvfs vfs;
    if (statvfs(dir, &vfs) != 0)
        return INFINITY; /* unknown: let the write tell */
    return (double)vfs.f_bavail * (double)vfs.f_frsize;
}

/* What the uncompressed file of grid needs, with room for its metadata. */
static double file_bytes(const ss_grid *grid)
{
    const ss_spec *spec = ss_grid_spec(grid);
    double per_trial = 2; /* done and status */
    for (int i = 0; i < SS_METRIC_COUNT; i++)
        per_trial += ss_metric_used_by((ss_metric_id)i, ss_spec_model(spec)) &&
                             ss_spec_metric_selected(spec, (ss_metric_id)i)
                         ? 8
                         : 0;
    double derived = 8.0 * (double)ss_spec_derived_count(spec) *
                     (double)ss_spec_point_count(spec);
    size_t text;
    ss_spec_text(spec, &text);
    return per_trial * (double)ss_grid_trials(grid) + derived + 65536 +
           2.0 * (double)text;
}

static hid_t string_type(void)
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

static int attr_string(hid_t obj, const char *name, const char *value)
{
    hid_t t = string_type();
    if (t < 0)
        return -1;
    int rc = attr_write(obj, name, t, &value);
    H5Tclose(t);
    return rc;
}

static int attr_double(hid_t obj, const char *name, double value)
{
    return attr_write(obj, name, H5T_NATIVE_DOUBLE, &value);
}

static int attr_u64(hid_t obj, const char *name, uint64_t value)
{
    return attr_write(obj, name, H5T_NATIVE_UINT64, &value);
}

/* Reads a string attribute (fixed or variable length) into buf; "" when
 * it is missing. */
static void attr_read_string(hid_t obj, const char *name, char *buf,
                             size_t size)
{
    buf[0] = '\0';
    if (H5Aexists(obj, name) <= 0)
        return;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t ft = a >= 0 ? H5Aget_type(a) : -1;
    if (ft >= 0 && H5Tget_class(ft) == H5T_STRING) {
        if (H5Tis_variable_str(ft) > 0) {
            hid_t t = string_type();
            char *s = NULL;
            if (t >= 0 && H5Aread(a, t, &s) >= 0 && s) {
                snprintf(buf, size, "%s", s);
                H5free_memory(s);
            }
            if (t >= 0)
                H5Tclose(t);
        } else {
            size_t n = H5Tget_size(ft);
            char *s = calloc(n + 1, 1);
            if (s && H5Aread(a, ft, s) >= 0)
                snprintf(buf, size, "%s", s);
            free(s);
        }
    }
    if (ft >= 0)
        H5Tclose(ft);
    if (a >= 0)
        H5Aclose(a);
}

static uint64_t attr_read_u64(hid_t obj, const char *name)
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

/* A 1-D dataset of n values of mem_type (contiguous). */
static hid_t dataset_1d(hid_t file, const char *name, hid_t file_type,
                        hid_t mem_type, uint64_t n, const void *data)
{
    hsize_t dim = n;
    hid_t space = H5Screate_simple(1, &dim, NULL);
    if (space < 0)
        return -1;
    hid_t d = H5Dcreate2(file, name, file_type, space, H5P_DEFAULT,
                         H5P_DEFAULT, H5P_DEFAULT);
    if (d >= 0 && n > 0 &&
        H5Dwrite(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
        H5Dclose(d);
        d = -1;
    }
    H5Sclose(space);
    return d;
}

/* Hyperslab selection of a run of consecutive trials (see ss_grid_boxes). */
typedef struct {
    hid_t space;
    int first;
} select_ctx;

static int select_box(const uint64_t *start, const uint64_t *count, void *ctx)
{
    select_ctx *c = ctx;
    hsize_t s[SS_GRID_MAX_AXES + 1], n[SS_GRID_MAX_AXES + 1];
    int rank = H5Sget_simple_extent_ndims(c->space);
    for (int d = 0; d < rank; d++) {
        s[d] = start[d];
        n[d] = count[d];
    }
    herr_t rc = H5Sselect_hyperslab(c->space,
                                    c->first ? H5S_SELECT_SET : H5S_SELECT_OR,
                                    s, NULL, n, NULL);
    c->first = 0;
    return rc < 0 ? -1 : 0;
}

/* Selects trials [first, first + n) of a dataset of the given shape. */
static hid_t select_run(size_t rank, const uint64_t *shape, uint64_t first,
                        uint64_t n)
{
    hsize_t dims[SS_GRID_MAX_AXES + 1];
    for (size_t d = 0; d < rank; d++)
        dims[d] = shape[d];
    hid_t space = rank ? H5Screate_simple((int)rank, dims, NULL)
                       : H5Screate(H5S_SCALAR);
    if (space < 0 || rank == 0)
        return space;
    select_ctx c = {space, 1};
    if (ss_grid_boxes(rank, shape, first, n, select_box, &c) != 0) {
        H5Sclose(space);
        return -1;
    }
    return space;
}

static hid_t memory_space(uint64_t n)
{
    hsize_t dim = n;
    return H5Screate_simple(1, &dim, NULL);
}

/* Chunks that each hold a contiguous run of trials: whole trailing
 * dimensions, then part of one. Returns the trials per chunk. */
static uint64_t chunk_shape(size_t rank, const uint64_t *shape,
                            hsize_t *chunk)
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

/* An N-D dataset filled with *fill. Compressed, its chunks are allocated
 * as they are written; uncompressed, all of them at once now, so that
 * writing data later never changes the file's metadata. */
static hid_t create_nd(hid_t file, const char *name, hid_t type,
                       const void *fill, size_t rank, const uint64_t *shape,
                       bool compressed, uint64_t *chunk_trials)
{
    hsize_t dims[SS_GRID_MAX_AXES + 1], chunk[SS_GRID_MAX_AXES + 1];
    for (size_t d = 0; d < rank; d++)
        dims[d] = shape[d];
    hid_t space = rank ? H5Screate_simple((int)rank, dims, NULL)
                       : H5Screate(H5S_SCALAR);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hid_t dapl = H5Pcreate(H5P_DATASET_ACCESS);
    hid_t d = -1;
    if (space < 0 || dcpl < 0 || dapl < 0)
        goto done;
    if (rank > 0) {
        uint64_t per_chunk = chunk_shape(rank, shape, chunk);
        if (chunk_trials)
            *chunk_trials = per_chunk;
        if (H5Pset_chunk(dcpl, (int)rank, chunk) < 0)
            goto done;
        if (compressed ? H5Pset_shuffle(dcpl) < 0 ||
                             H5Pset_deflate(dcpl, 1) < 0
                       : H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY) < 0)
            goto done;
        /* room for the few chunks one block of trials touches */
        H5Pset_chunk_cache(dapl, 521, 1u << 20, 1.0);
    }
    if (H5Pset_fill_value(dcpl, H5Tget_class(type) == H5T_FLOAT
                                    ? H5T_NATIVE_DOUBLE
                                    : H5T_NATIVE_UINT8,
                          fill) < 0 ||
        H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC) < 0)
        goto done;
    d = H5Dcreate2(file, name, type, space, H5P_DEFAULT, dcpl, dapl);
done:
    if (dapl >= 0)
        H5Pclose(dapl);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
    return d;
}

/* ---- the results file ----------------------------------------------- */

static void iso_time_now(char *buf, size_t size)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static bool path_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Writes an axis member's values as a 1-D dataset (words for `input`). */
static hid_t member_dataset(hid_t file, const char *name,
                            const ss_axis_member *m, uint64_t n)
{
    if (m->param == SS_P_input) {
        const char **words = calloc(n, sizeof *words);
        char(*buf)[16] = calloc(n, sizeof *buf);
        hid_t t = string_type(), d = -1;
        if (words && buf && t >= 0) {
            for (uint64_t i = 0; i < n; i++) {
                ss_param_format_value(SS_P_input, m->values[i], buf[i],
                                      sizeof buf[i]);
                words[i] = buf[i];
            }
            d = dataset_1d(file, name, t, t, n, words);
        }
        if (t >= 0)
            H5Tclose(t);
        free(words);
        free(buf);
        return d;
    }
    hid_t d = dataset_1d(file, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n,
                         m->values);
    if (d < 0)
        return d;
    if (m->param != SS_PARAM_COUNT) {
        const ss_param_info *info = ss_param_info_of(m->param);
        if (attr_string(d, "units", info->unit) < 0 ||
            attr_string(d, "long_name", info->long_name) < 0) {
            H5Dclose(d);
            return -1;
        }
    }
    return d;
}

static hid_t index_dataset(hid_t file, const char *name, uint64_t n)
{
    int64_t *idx = malloc((n ? n : 1) * sizeof *idx);
    if (!idx)
        return -1;
    for (uint64_t i = 0; i < n; i++)
        idx[i] = (int64_t)i;
    hid_t d = dataset_1d(file, name, H5T_STD_I64LE, H5T_NATIVE_INT64, n, idx);
    free(idx);
    return d;
}

typedef struct {
    hid_t scale[SS_GRID_MAX_AXES + 1]; /* per dimension */
    hid_t extra[SS_GRID_MAX_AXES * 8 + SS_PARAM_COUNT];
    size_t n_extra;
    char coordinates[4096]; /* names of the non-dimension coordinates */
} coords;

static int attach_dims(hid_t d, const coords *c, size_t rank)
{
    for (size_t a = 0; a < rank; a++)
        if (H5DSattach_scale(d, c->scale[a], (unsigned)a) < 0)
            return -1;
    return 0;
}

static void coords_note(coords *c, const char *name)
{
    size_t used = strlen(c->coordinates);
    snprintf(c->coordinates + used, sizeof c->coordinates - used, "%s%s",
             used ? " " : "", name);
}

static ss_status check_name_free(hid_t file, const char *name,
                                 const char *path, ss_error *err)
{
    if (H5Lexists(file, name, H5P_DEFAULT) > 0)
        return ss_error_set(err, SS_ERR_SPEC,
                            "%s: the name '%s' is used twice in the results "
                            "file (an axis, a zip member, a derived "
                            "parameter, a metric, 'repeat' or 'done')",
                            path, name);
    return SS_OK;
}

/* The coordinates: one dimension scale per axis and the repeat, zip
 * members along their axis. */
static ss_status write_coordinates(hid_t file, const ss_grid *grid,
                                   coords *c, const char *path,
                                   ss_error *err)
{
    const ss_spec *spec = ss_grid_spec(grid);
    size_t axes = ss_spec_axis_count(spec);
    for (size_t a = 0; a < axes; a++) {
        const ss_axis *ax = ss_spec_axis(spec, a);
        ss_status s = check_name_free(file, ax->name, path, err);
        if (s != SS_OK)
            return s;
        hid_t d = ax->zip ? index_dataset(file, ax->name, ax->n)
                          : member_dataset(file, ax->name, &ax->members[0],
                                           ax->n);
        c->scale[a] = d;
        if (d < 0 || H5DSset_scale(d, ax->name) < 0)
            return ss_error_set(err, SS_ERR_IO,
                                "%s: cannot write the coordinate of axis '%s'",
                                path, ax->name);
        if (ax->zip && attr_string(d, "long_name", "index along the zipped "
                                                   "axis") < 0)
            return ss_error_set(err, SS_ERR_IO, "%s: cannot write '%s'",
                                path, ax->name);
        for (size_t k = 0; ax->zip && k < ax->n_members; k++) {
            const ss_axis_member *m = &ax->members[k];
            if ((s = check_name_free(file, m->name, path, err)) != SS_OK)
                return s;
            hid_t md = member_dataset(file, m->name, m, ax->n);
            c->extra[c->n_extra++] = md;
            if (md < 0 || H5DSattach_scale(md, d, 0) < 0)
                return ss_error_set(err, SS_ERR_IO,
                                    "%s: cannot write the coordinate '%s'",
                                    path, m->name);
            coords_note(c, m->name);
        }
    }
    ss_status s = check_name_free(file, "repeat", path, err);
    if (s != SS_OK)
        return s;
    hid_t r = index_dataset(file, "repeat", ss_spec_repeats(spec));
    c->scale[axes] = r;
    if (r < 0 || H5DSset_scale(r, "repeat") < 0 ||
        attr_string(r, "long_name", "repeat index (trials per grid point)") <
            0)
        return ss_error_set(err, SS_ERR_IO, "%s: cannot write 'repeat'", path);
    return SS_OK;
}

/* Each derived parameter's value at every grid point, written in blocks
 * of points so memory stays bounded. */
static ss_status write_derived(hid_t file, const ss_grid *grid, coords *c,
                               const char *path, ss_error *err)
{
    const ss_spec *spec = ss_grid_spec(grid);
    size_t nd = ss_spec_derived_count(spec);
    if (nd == 0)
        return SS_OK;
    size_t rank = ss_grid_rank(grid) - 1;
    const uint64_t *shape = ss_grid_shape(grid);
    uint64_t points = ss_spec_point_count(spec);
    hid_t ds[SS_PARAM_COUNT];
    size_t made = 0;
    ss_status st = SS_OK;
    double nan = NAN;
    for (size_t k = 0; k < nd; k++) {
        const ss_param_info *info =
            ss_param_info_of(ss_spec_derived_param(spec, k));
        if ((st = check_name_free(file, info->name, path, err)) != SS_OK)
            goto done;
        ds[k] = create_nd(file, info->name, H5T_IEEE_F64LE, &nan, rank, shape,
                          true, NULL);
        if (ds[k] < 0) {
            st = ss_error_set(err, SS_ERR_IO, "%s: cannot create '%s'", path,
                              info->name);
            goto done;
        }
        made++;
        if (attach_dims(ds[k], c, rank) < 0 ||
            attr_string(ds[k], "units", info->unit) < 0 ||
            attr_string(ds[k], "long_name", info->long_name) < 0 ||
            attr_string(ds[k], "expression",
                        ss_spec_derived_text(spec, k)) < 0) {
            st = ss_error_set(err, SS_ERR_IO, "%s: cannot describe '%s'",
                              path, info->name);
            goto done;
        }
        coords_note(c, info->name);
    }
    uint64_t block = points < SCAN_BLOCK ? points : SCAN_BLOCK;
    double *values = malloc(block * nd * sizeof *values);
    double *column = malloc(block * sizeof *column);
    if (!values || !column) {
        free(values);
        free(column);
        st = ss_error_set(err, SS_ERR_NOMEM, "cannot allocate a block");
        goto done;
    }
    for (uint64_t first = 0; first < points && st == SS_OK; first += block) {
        uint64_t n = points - first < block ? points - first : block;
        for (uint64_t i = 0; i < n; i++) {
            uint64_t idx64[SS_GRID_MAX_AXES + 1];
            size_t idx[SS_GRID_MAX_AXES + 1];
            uint64_t rest = first + i;
            for (size_t d = rank; d-- > 0;) {
                idx64[d] = rest % shape[d];
                rest /= shape[d];
                idx[d] = (size_t)idx64[d];
            }
            ss_params p;
            st = ss_spec_point(spec, idx, &p, values + i * nd, err);
            if (st != SS_OK)
                break;
        }
        for (size_t k = 0; k < nd && st == SS_OK; k++) {
            for (uint64_t i = 0; i < n; i++)
                column[i] = values[i * nd + k];
            hid_t fs = select_run(rank, shape, first, n);
            hid_t ms = memory_space(n);
            if (fs < 0 || ms < 0 ||
                H5Dwrite(ds[k], H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT,
                         column) < 0)
                st = ss_error_set(err, SS_ERR_IO, "%s: cannot write derived "
                                                  "values",
                                  path);
            if (fs >= 0)
                H5Sclose(fs);
            if (ms >= 0)
                H5Sclose(ms);
        }
    }
    free(values);
    free(column);
done:
    for (size_t k = 0; k < made; k++)
        H5Dclose(ds[k]);
    return st;
}

static ss_status write_root_attributes(hid_t file, const ss_grid *grid,
                                       const char *kernel,
                                       const char *command_line,
                                       const char *created, const char *path,
                                       ss_error *err)
{
    const ss_spec *spec = ss_grid_spec(grid);
    size_t len;
    const char *text = ss_spec_text(spec, &len);
    char sha[SHA256_DIGEST_STRING_LENGTH];
    SHA256Data((const uint8_t *)text, len, sha);
    ss_model m = ss_spec_model(spec);
    int bad = attr_string(file, "synsweep_version", SS_VERSION_STRING) < 0 ||
              attr_string(file, "layout", LAYOUT) < 0 ||
              attr_string(file, "name", ss_spec_name(spec)) < 0 ||
              attr_string(file, "description", ss_spec_description(spec)) <
                  0 ||
              attr_string(file, "model", ss_model_name(m)) < 0 ||
              attr_u64(file, "seed", ss_spec_seed(spec)) < 0 ||
              attr_string(file, "kernel", kernel) < 0 ||
              attr_string(file, "streams", ss_spec_common_streams(spec)
                                                   ? "common"
                                                   : "independent") < 0 ||
              attr_u64(file, "repeats", ss_spec_repeats(spec)) < 0 ||
              attr_string(file, "spec", text) < 0 ||
              attr_string(file, "spec_file", ss_spec_file(spec)) < 0 ||
              attr_string(file, "spec_sha256", sha) < 0 ||
              attr_string(file, "created", created) < 0 ||
              attr_string(file, "command_line", command_line) < 0;
    /* The parameters every trial shares, so the file says everything
     * `synsweep trial` needs to reproduce one. */
    bool varies[SS_PARAM_COUNT] = {false};
    for (size_t a = 0; a < ss_spec_axis_count(spec); a++) {
        const ss_axis *ax = ss_spec_axis(spec, a);
        for (size_t k = 0; k < ax->n_members; k++)
            if (ax->members[k].param != SS_PARAM_COUNT)
                varies[ax->members[k].param] = true;
    }
    for (size_t k = 0; k < ss_spec_derived_count(spec); k++)
        varies[ss_spec_derived_param(spec, k)] = true;
    const ss_params *fixed = ss_spec_fixed(spec);
    for (int i = 0; i < SS_PARAM_COUNT && !bad; i++) {
        ss_param_id id = (ss_param_id)i;
        if (!ss_param_used_by(id, m) || varies[i])
            continue;
        double v = ss_params_get(fixed, id);
        if (id == SS_P_input) {
            char word[16];
            ss_param_format_value(id, v, word, sizeof word);
            bad = attr_string(file, "input", word) < 0;
        } else {
            bad = attr_double(file, ss_param_info_of(id)->name, v) < 0;
        }
    }
    if (bad)
        return ss_error_set(err, SS_ERR_IO,
                            "%s: cannot write the file's attributes", path);
    return SS_OK;
}

static void h5_release(ss_h5 *f)
{
    for (int i = 0; i < SS_METRIC_COUNT; i++)
        if (f->metric[i] >= 0)
            H5Dclose(f->metric[i]);
    if (f->done >= 0)
        H5Dclose(f->done);
    if (f->status >= 0)
        H5Dclose(f->status);
    if (f->file >= 0)
        H5Fclose(f->file);
    free(f->column);
    free(f->ones);
    free(f->flags);
    free(f->window);
    free(f->command_line);
    free(f);
}

/* CF's flag_values and flag_meanings: what each status value means. */
static int write_flags(hid_t d)
{
    uint8_t values[SS_TRIAL_STATUS_COUNT];
    char meanings[256] = "";
    for (int s = 0; s < SS_TRIAL_STATUS_COUNT; s++) {
        values[s] = (uint8_t)s;
        size_t used = strlen(meanings);
        snprintf(meanings + used, sizeof meanings - used, "%s%s",
                 s ? " " : "", ss_trial_status_name((ss_trial_status)s));
    }
    hsize_t n = SS_TRIAL_STATUS_COUNT;
    hid_t space = H5Screate_simple(1, &n, NULL);
    hid_t a = space >= 0 ? H5Acreate2(d, "flag_values", H5T_STD_U8LE, space,
                                      H5P_DEFAULT, H5P_DEFAULT)
                         : -1;
    int rc = a < 0 || H5Awrite(a, H5T_NATIVE_UINT8, values) < 0 ? -1 : 0;
    if (a >= 0)
        H5Aclose(a);
    if (space >= 0)
        H5Sclose(space);
    return rc < 0 ? -1 : attr_string(d, "flag_meanings", meanings);
}

/* Creates a results file at path (flags: H5F_ACC_EXCL or H5F_ACC_TRUNC)
 * with every dataset, coordinate and attribute. */
static ss_status create_file(const char *path, const ss_grid *grid,
                             const char *kernel, const char *command_line,
                             const char *created, bool compressed,
                             unsigned flags, ss_h5 **out, ss_error *err)
{
    *out = NULL;
    ss_h5 *f = calloc(1, sizeof *f);
    if (!f)
        return ss_error_set(err, SS_ERR_NOMEM, "cannot allocate");
    snprintf(f->path, sizeof f->path, "%s", path);
    snprintf(f->created, sizeof f->created, "%s", created);
    f->grid = grid;
    f->compressed = compressed;
    f->command_line = strdup(command_line ? command_line : "");
    snprintf(f->kernel, sizeof f->kernel, "%s", kernel);
    f->done = f->status = -1;
    for (int i = 0; i < SS_METRIC_COUNT; i++)
        f->metric[i] = -1;
    f->file = -1;
    f->rank = ss_grid_rank(grid);
    memcpy(f->shape, ss_grid_shape(grid), f->rank * sizeof f->shape[0]);
    if (!f->command_line) {
        h5_release(f);
        return ss_error_set(err, SS_ERR_NOMEM, "cannot allocate");
    }

    ss_status st = SS_OK;
    coords c;
    memset(&c, 0, sizeof c);
    for (size_t a = 0; a < SS_GRID_MAX_AXES + 1; a++)
        c.scale[a] = -1;

    errno = 0;
    f->file = H5Fcreate(path, flags, H5P_DEFAULT, H5P_DEFAULT);
    if (f->file < 0) {
        st = ss_error_set(err, SS_ERR_IO, "cannot create '%s': %s", path,
                          errno ? strerror(errno) : "HDF5 error");
        h5_release(f);
        return st;
    }
    const ss_spec *spec = ss_grid_spec(grid);
    if ((st = write_root_attributes(f->file, grid, kernel, f->command_line,
                                    created, path, err)) != SS_OK ||
        (st = write_coordinates(f->file, grid, &c, path, err)) != SS_OK ||
        (st = write_derived(f->file, grid, &c, path, err)) != SS_OK)
        goto fail;

    double nan = NAN;
    uint8_t zero = 0;
    ss_model m = ss_spec_model(spec);
    for (int i = 0; i < SS_METRIC_COUNT; i++) {
        ss_metric_id id = (ss_metric_id)i;
        if (!ss_metric_used_by(id, m) || !ss_spec_metric_selected(spec, id))
            continue;
        const ss_metric_info *info = ss_metric_info_of(id);
        if ((st = check_name_free(f->file, info->name, path, err)) != SS_OK)
            goto fail;
        hid_t d = create_nd(f->file, info->name, H5T_IEEE_F64LE, &nan,
                            f->rank, f->shape, compressed, &f->chunk_trials);
        f->metric[i] = d;
        if (d < 0 || attach_dims(d, &c, f->rank) < 0 ||
            attr_string(d, "units", info->unit) < 0 ||
            attr_string(d, "long_name", info->long_name) < 0 ||
            (c.coordinates[0] &&
             attr_string(d, "coordinates", c.coordinates) < 0)) {
            st = ss_error_set(err, SS_ERR_IO, "%s: cannot create '%s'", path,
                              info->name);
            goto fail;
        }
    }
    /* per-trial flags: how the trial ended, and whether it is written */
    struct {
        hid_t *d;
        const char *name, *long_name;
    } per_trial[] = {
        {&f->status, "status", "how the trial ended"},
        {&f->done, "done", "1 once the trial has finished and been written"},
    };
    for (size_t k = 0; k < sizeof per_trial / sizeof per_trial[0]; k++) {
        if ((st = check_name_free(f->file, per_trial[k].name, path, err)) != SS_OK)
            goto fail;
        hid_t d = *per_trial[k].d = create_nd(f->file, per_trial[k].name,
                                          H5T_STD_U8LE, &zero, f->rank,
                                          f->shape, compressed,
                                          &f->chunk_trials);
        if (d < 0 || attach_dims(d, &c, f->rank) < 0 ||
            attr_string(d, "long_name", per_trial[k].long_name) < 0 ||
            (d == f->status && write_flags(d) < 0)) {
            st = ss_error_set(err, SS_ERR_IO, "%s: cannot create '%s'", path,
                              per_trial[k].name);
            goto fail;
        }
    }
    for (size_t a = 0; a < f->rank; a++)
        H5Dclose(c.scale[a]);
    for (size_t k = 0; k < c.n_extra; k++)
        H5Dclose(c.extra[k]);
    if (H5Fflush(f->file, H5F_SCOPE_GLOBAL) < 0) {
        st = ss_error_set(err, SS_ERR_IO, "%s: cannot write: %s", path,
                          strerror(errno));
        goto fail_closed;
    }
    *out = f;
    return SS_OK;

fail:
    for (size_t a = 0; a < SS_GRID_MAX_AXES + 1; a++)
        if (c.scale[a] >= 0)
            H5Dclose(c.scale[a]);
    for (size_t k = 0; k < c.n_extra; k++)
        if (c.extra[k] >= 0)
            H5Dclose(c.extra[k]);
fail_closed:
    h5_release(f);
    unlink(path); /* a half-made file helps nobody */
    return st;
}

/* Closes and deletes a file just made. */
static void discard(ss_h5 *f)
{
    char path[sizeof f->path];
    memcpy(path, f->path, sizeof path);
    h5_release(f);
    unlink(path);
}

ss_status ss_h5_create(const char *path, const ss_grid *grid,
                       const char *kernel, const char *command_line,
                       bool force, ss_h5 **out, ss_error *err)
{
    *out = NULL;
    quiet_hdf5();
    if (!force && path_exists(path))
        return ss_error_set(err, SS_ERR_USAGE,
                            "'%s' exists; use --force to overwrite it", path);
    double need = file_bytes(grid), have = free_bytes(path);
    if (need > have)
        return ss_error_set(err, SS_ERR_IO,
                            "cannot create '%s': it needs %.3g MB and the "
                            "disk has %.3g MB free",
                            path, need / 1e6, have / 1e6);
    char created[64];
    iso_time_now(created, sizeof created);
    /* made beside and renamed when complete: a kill while it is being made
     * leaves no half-made file at path (and --force keeps the old one till
     * then) */
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.creating", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0)
        return ss_error_set(err, SS_ERR_IO, "cannot create '%s': %s", path,
                            strerror(errno));
    close(fd);
    ss_status st = create_file(tmp, grid, kernel, command_line, created,
                               false, H5F_ACC_TRUNC, out, err);
    if (st != SS_OK)
        return st;
    if (!force && path_exists(path)) {
        discard(*out);
        *out = NULL;
        return ss_error_set(err, SS_ERR_USAGE,
                            "'%s' exists; use --force to overwrite it", path);
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        discard(*out);
        *out = NULL;
        return ss_error_set(err, SS_ERR_IO, "cannot create '%s': %s", path,
                            strerror(e));
    }
    snprintf((*out)->path, sizeof (*out)->path, "%s", path);
    return SS_OK;
}

uint64_t ss_h5_chunk_trials(const ss_h5 *f)
{
    return f->chunk_trials ? f->chunk_trials : 1;
}

ss_status ss_h5_write_block(ss_h5 *f, uint64_t first, uint64_t n,
                            const ss_metrics *rows, ss_error *err)
{
    if (n == 0)
        return SS_OK;
    if (n > f->capacity) {
        double *col = realloc(f->column, n * sizeof *col);
        if (col)
            f->column = col;
        uint8_t *ones = realloc(f->ones, n);
        if (ones)
            f->ones = ones;
        uint8_t *flags = realloc(f->flags, n);
        if (flags)
            f->flags = flags;
        if (!col || !ones || !flags)
            return ss_error_set(err, SS_ERR_NOMEM, "cannot allocate a block");
        memset(f->ones, 1, n);
        f->capacity = n;
    }
    hid_t fs = select_run(f->rank, f->shape, first, n);
    hid_t ms = memory_space(n);
    ss_status st = SS_OK;
    if (fs < 0 || ms < 0) {
        st = ss_error_set(err, SS_ERR_IO, "%s: cannot select trials", f->path);
        goto done;
    }
    for (int i = 0; i < SS_METRIC_COUNT; i++) {
        if (f->metric[i] < 0)
            continue;
        for (uint64_t t = 0; t < n; t++)
            f->column[t] = rows[t].value[i];
        if (H5Dwrite(f->metric[i], H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT,
                     f->column) < 0) {
            st = ss_error_set(err, SS_ERR_IO, "%s: cannot write '%s'",
                              f->path, ss_metric_info_of((ss_metric_id)i)->name);
            goto done;
        }
    }
    for (uint64_t t = 0; t < n; t++)
        f->flags[t] = (uint8_t)rows[t].status;
    if (H5Dwrite(f->status, H5T_NATIVE_UINT8, ms, fs, H5P_DEFAULT, f->flags) <
        0) {
        st = ss_error_set(err, SS_ERR_IO, "%s: cannot write 'status'",
                          f->path);
        goto done;
    }
    /* The data first, the done flags after: a trial is never marked done
     * before its metrics are in the file. */
    if (H5Dwrite(f->done, H5T_NATIVE_UINT8, ms, fs, H5P_DEFAULT, f->ones) <
            0 ||
        H5Fflush(f->file, H5F_SCOPE_GLOBAL) < 0)
        st = ss_error_set(err, SS_ERR_IO, "%s: cannot write: %s", f->path,
                          errno ? strerror(errno) : "HDF5 error");
done:
    if (fs >= 0)
        H5Sclose(fs);
    if (ms >= 0)
        H5Sclose(ms);
    return st;
}

/* Copies trials [0, total) of dataset name from src to dst, in blocks. */
static int copy_dataset(hid_t src, const ss_h5 *dst, hid_t dst_d,
                        const char *name, hid_t mem_type, void *buf)
{
    hid_t src_d = H5Dopen2(src, name, H5P_DEFAULT);
    if (src_d < 0)
        return -1;
    uint64_t total = ss_grid_trials(dst->grid);
    int rc = 0;
    for (uint64_t first = 0; first < total && rc == 0; first += SCAN_BLOCK) {
        uint64_t n = total - first < SCAN_BLOCK ? total - first : SCAN_BLOCK;
        hid_t fs = select_run(dst->rank, dst->shape, first, n);
        hid_t ms = memory_space(n);
        rc = fs < 0 || ms < 0 ||
                     H5Dread(src_d, mem_type, ms, fs, H5P_DEFAULT, buf) < 0 ||
                     H5Dwrite(dst_d, mem_type, ms, fs, H5P_DEFAULT, buf) < 0
                 ? -1
                 : 0;
        if (fs >= 0)
            H5Sclose(fs);
        if (ms >= 0)
            H5Sclose(ms);
    }
    H5Dclose(src_d);
    return rc;
}

/* Rewrites the finished, uncompressed file at path compressed: into a
 * temporary file beside it, then renamed over it, so that at every moment
 * one complete file is at path. */
static ss_status compact(const char *path, const ss_grid *grid,
                         const char *kernel, const char *command_line,
                         const char *created, ss_error *err)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.compacting", path);
    /* the copy is at most as big as the file: without room for that, keep
     * the complete file as it is */
    struct stat st_file;
    if (stat(path, &st_file) == 0 && (double)st_file.st_size > free_bytes(tmp))
        return ss_error_set(err, SS_ERR_IO,
                            "%s: no room on the disk to compress the "
                            "finished file (it is complete, uncompressed)",
                            path);
    ss_h5 *dst;
    ss_status st = create_file(tmp, grid, kernel, command_line, created,
                               true, H5F_ACC_TRUNC, &dst, err);
    if (st != SS_OK)
        return st;
    hid_t src = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    double *buf = malloc(SCAN_BLOCK * sizeof *buf);
    int bad = src < 0 || !buf;
    for (int i = 0; i < SS_METRIC_COUNT && !bad; i++)
        if (dst->metric[i] >= 0)
            bad = copy_dataset(src, dst, dst->metric[i],
                               ss_metric_info_of((ss_metric_id)i)->name,
                               H5T_NATIVE_DOUBLE, buf) < 0;
    bad = bad ||
          copy_dataset(src, dst, dst->status, "status", H5T_NATIVE_UINT8,
                       buf) < 0 ||
          copy_dataset(src, dst, dst->done, "done", H5T_NATIVE_UINT8, buf) < 0;
    free(buf);
    if (src >= 0)
        H5Fclose(src);
    bad |= H5Fflush(dst->file, H5F_SCOPE_GLOBAL) < 0;
    h5_release(dst);
    if (bad || rename(tmp, path) != 0) {
        unlink(tmp);
        return ss_error_set(err, SS_ERR_IO,
                            "%s: cannot compress the finished file (it is "
                            "complete, uncompressed)",
                            path);
    }
    return SS_OK;
}

ss_status ss_h5_close(ss_h5 *f, bool complete, ss_error *err)
{
    if (!f)
        return SS_OK;
    ss_status st = SS_OK;
    if (H5Fflush(f->file, H5F_SCOPE_GLOBAL) < 0)
        st = ss_error_set(err, SS_ERR_IO, "%s: cannot write: %s", f->path,
                          errno ? strerror(errno) : "HDF5 error");
    bool compress = st == SS_OK && complete && !f->compressed;
    char path[sizeof f->path], created[sizeof f->created],
        kernel[sizeof f->kernel];
    memcpy(path, f->path, sizeof path);
    memcpy(created, f->created, sizeof created);
    memcpy(kernel, f->kernel, sizeof kernel);
    char *command_line = f->command_line;
    const ss_grid *grid = f->grid;
    f->command_line = NULL;
    h5_release(f);
    if (compress)
        st = compact(path, grid, kernel, command_line, created, err);
    free(command_line);
    return st;
}

/* ---- going on with an unfinished file --------------------------------- */

/* Reads done flags [first, first + n) into buf. */
static int read_done(const ss_h5 *f, uint64_t first, uint64_t n, uint8_t *buf)
{
    hid_t fs = select_run(f->rank, f->shape, first, n);
    hid_t ms = memory_space(n);
    int rc = fs < 0 || ms < 0 ||
                     H5Dread(f->done, H5T_NATIVE_UINT8, ms, fs, H5P_DEFAULT,
                             buf) < 0
                 ? -1
                 : 0;
    if (fs >= 0)
        H5Sclose(fs);
    if (ms >= 0)
        H5Sclose(ms);
    return rc;
}

static bool same_shape(hid_t d, size_t rank, const uint64_t *shape)
{
    hid_t space = H5Dget_space(d);
    hsize_t dims[SS_GRID_MAX_AXES + 1];
    bool same = space >= 0 &&
                H5Sget_simple_extent_ndims(space) == (int)rank &&
                H5Sget_simple_extent_dims(space, dims, NULL) >= 0;
    for (size_t k = 0; same && k < rank; k++)
        same = dims[k] == shape[k];
    if (space >= 0)
        H5Sclose(space);
    return same;
}

ss_status ss_h5_open_resume(const char *path, const ss_grid *grid,
                            const char *kernel, ss_h5 **out,
                            uint64_t *done_trials, ss_error *err)
{
    *out = NULL;
    quiet_hdf5();
    if (!path_exists(path))
        return ss_error_set(err, SS_ERR_IO, "cannot resume '%s': %s", path,
                            strerror(errno));
    ss_h5 *f = calloc(1, sizeof *f);
    if (!f)
        return ss_error_set(err, SS_ERR_NOMEM, "cannot allocate");
    snprintf(f->path, sizeof f->path, "%s", path);
    f->grid = grid;
    f->done = f->status = -1;
    for (int i = 0; i < SS_METRIC_COUNT; i++)
        f->metric[i] = -1;
    f->rank = ss_grid_rank(grid);
    memcpy(f->shape, ss_grid_shape(grid), f->rank * sizeof f->shape[0]);
    ss_status st = SS_OK;
    /* checked read-only first: a file that is refused stays untouched */
    f->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f->file < 0) {
        st = ss_error_set(err, SS_ERR_IO,
                          "cannot resume '%s': not a readable HDF5 file",
                          path);
        goto fail;
    }
    char layout[64], sha[80], file_kernel[16], cl[8192];
    attr_read_string(f->file, "layout", layout, sizeof layout);
    attr_read_string(f->file, "spec_sha256", sha, sizeof sha);
    attr_read_string(f->file, "kernel", file_kernel, sizeof file_kernel);
    attr_read_string(f->file, "created", f->created, sizeof f->created);
    attr_read_string(f->file, "command_line", cl, sizeof cl);
    snprintf(f->kernel, sizeof f->kernel, "%s", file_kernel);
    f->command_line = strdup(cl);
    if (strcmp(layout, LAYOUT) != 0) {
        st = ss_error_set(err, SS_ERR_IO,
                          "cannot resume '%s': not a synsweep results file "
                          "of layout %s (its layout: '%s')",
                          path, LAYOUT, layout[0] ? layout : "none");
        goto fail;
    }
    const ss_spec *spec = ss_grid_spec(grid);
    size_t len;
    const char *text = ss_spec_text(spec, &len);
    char want[SHA256_DIGEST_STRING_LENGTH];
    SHA256Data((const uint8_t *)text, len, want);
    uint64_t seed = attr_read_u64(f->file, "seed");
    /* now for writing */
    if (strcmp(sha, want) == 0 && seed == ss_spec_seed(spec) &&
        strcmp(file_kernel, kernel) == 0 && strcmp(layout, LAYOUT) == 0) {
        H5Fclose(f->file);
        f->file = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
        if (f->file < 0) {
            st = ss_error_set(err, SS_ERR_IO,
                              "cannot resume '%s': cannot open it for "
                              "writing",
                              path);
            goto fail;
        }
    }
    if (strcmp(sha, want) != 0 || seed != ss_spec_seed(spec)) {
        st = ss_error_set(err, SS_ERR_USAGE,
                          "cannot resume '%s': it holds another sweep (spec "
                          "SHA-256 %.12s..., seed %llu; this spec: %.12s..., "
                          "seed %llu)",
                          path, sha, (unsigned long long)seed, want,
                          (unsigned long long)ss_spec_seed(spec));
        goto fail;
    }
    if (strcmp(file_kernel, kernel) != 0) {
        st = ss_error_set(err, SS_ERR_USAGE,
                          "cannot resume '%s': it was run with the %s "
                          "kernel, not %s",
                          path, file_kernel, kernel);
        ss_error_hint(err, "add --kernel %s", file_kernel);
        goto fail;
    }
    ss_model m = ss_spec_model(spec);
    int bad = 0;
    for (int i = 0; i < SS_METRIC_COUNT && !bad; i++) {
        ss_metric_id id = (ss_metric_id)i;
        if (!ss_metric_used_by(id, m) || !ss_spec_metric_selected(spec, id))
            continue;
        f->metric[i] = H5Dopen2(f->file, ss_metric_info_of(id)->name,
                                H5P_DEFAULT);
        bad = f->metric[i] < 0 || !same_shape(f->metric[i], f->rank, f->shape);
    }
    f->done = bad ? -1 : H5Dopen2(f->file, "done", H5P_DEFAULT);
    f->status = f->done < 0 ? -1 : H5Dopen2(f->file, "status", H5P_DEFAULT);
    if (bad || f->status < 0 || !same_shape(f->done, f->rank, f->shape) ||
        !same_shape(f->status, f->rank, f->shape)) {
        st = ss_error_set(err, SS_ERR_IO,
                          "cannot resume '%s': its datasets do not match "
                          "the sweep's grid",
                          path);
        goto fail;
    }
    /* a finished file is compressed; its chunks say how blocks align */
    hid_t plist = H5Dget_create_plist(f->done);
    hsize_t chunk[SS_GRID_MAX_AXES + 1];
    f->compressed = plist >= 0 && H5Pget_nfilters(plist) > 0;
    f->chunk_trials = 1;
    if (plist >= 0 &&
        H5Pget_chunk(plist, (int)f->rank, chunk) == (int)f->rank)
        for (size_t k = 0; k < f->rank; k++)
            f->chunk_trials *= chunk[k];
    if (plist >= 0)
        H5Pclose(plist);

    /* count what is done */
    uint64_t total = ss_grid_trials(grid), done = 0;
    f->window = malloc(SCAN_BLOCK);
    if (!f->window) {
        st = ss_error_set(err, SS_ERR_NOMEM, "cannot allocate");
        goto fail;
    }
    for (uint64_t first = 0; first < total; first += SCAN_BLOCK) {
        uint64_t n = total - first < SCAN_BLOCK ? total - first : SCAN_BLOCK;
        if (read_done(f, first, n, f->window) < 0) {
            st = ss_error_set(err, SS_ERR_IO, "%s: cannot read 'done'", path);
            goto fail;
        }
        for (uint64_t t = 0; t < n; t++)
            done += f->window[t] != 0;
    }
    f->window_n = 0;
    *done_trials = done;
    *out = f;
    return SS_OK;
fail:
    h5_release(f);
    return st;
}

ss_status ss_h5_next_todo(ss_h5 *f, uint64_t from, uint64_t *first,
                          uint64_t *n, ss_error *err)
{
    const uint64_t total = ss_grid_trials(f->grid);
    *n = 0;
    bool in_run = false;
    for (uint64_t pos = from; pos < total;) {
        if (pos < f->window_first || pos >= f->window_first + f->window_n) {
            f->window_first = pos;
            f->window_n = total - pos < SCAN_BLOCK ? total - pos : SCAN_BLOCK;
            if (read_done(f, f->window_first, f->window_n, f->window) < 0) {
                f->window_n = 0;
                return ss_error_set(err, SS_ERR_IO,
                                    "%s: cannot read 'done'", f->path);
            }
        }
        bool todo = f->window[pos - f->window_first] == 0;
        if (todo && !in_run) {
            *first = pos;
            in_run = true;
        } else if (!todo && in_run) {
            break;
        }
        if (in_run)
            (*n)++;
        pos++;
    }
    return SS_OK;
}

/* ---- reading back: info ---------------------------------------------- */

/* Writes element i of a 1-D coordinate as text. */
static void coordinate_text(hid_t d, uint64_t i, char *buf, size_t size)
{
    buf[0] = '\0';
    hid_t ft = H5Dget_type(d);
    hid_t fs = H5Dget_space(d);
    hid_t ms = H5Screate(H5S_SCALAR);
    hsize_t start = i, count = 1;
    if (ft < 0 || fs < 0 || ms < 0 ||
        H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL) <
            0)
        goto done;
    if (H5Tget_class(ft) == H5T_STRING && H5Tis_variable_str(ft) > 0) {
        hid_t t = string_type();
        char *s = NULL;
        if (t >= 0 && H5Dread(d, t, ms, fs, H5P_DEFAULT, &s) >= 0 && s) {
            snprintf(buf, size, "%s", s);
            H5free_memory(s);
        }
        if (t >= 0)
            H5Tclose(t);
    } else if (H5Tget_class(ft) == H5T_INTEGER) {
        long long v;
        if (H5Dread(d, H5T_NATIVE_LLONG, ms, fs, H5P_DEFAULT, &v) >= 0)
            snprintf(buf, size, "%lld", v);
    } else if (H5Tget_class(ft) == H5T_FLOAT) {
        double v;
        if (H5Dread(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, &v) >= 0)
            snprintf(buf, size, "%.15g", v);
    }
done:
    if (ms >= 0)
        H5Sclose(ms);
    if (fs >= 0)
        H5Sclose(fs);
    if (ft >= 0)
        H5Tclose(ft);
}

static herr_t visit_scale(hid_t did, unsigned dim, hid_t dsid, void *ctx)
{
    (void)did;
    (void)dim;
    ss_h5_dim *d = ctx;
    H5DSget_scale_name(dsid, d->name, sizeof d->name);
    if (d->size > 0) {
        coordinate_text(dsid, 0, d->first, sizeof d->first);
        coordinate_text(dsid, d->size - 1, d->last, sizeof d->last);
    }
    return 1; /* the first scale is the dimension's coordinate */
}

ss_status ss_h5_read_info(const char *path, ss_h5_info *info, ss_error *err)
{
    memset(info, 0, sizeof *info);
    quiet_hdf5();
    if (!path_exists(path))
        return ss_error_set(err, SS_ERR_IO, "cannot open '%s': %s", path,
                            strerror(errno));
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0)
        return ss_error_set(err, SS_ERR_IO,
                            "'%s' is not a readable HDF5 file", path);
    ss_status st = SS_OK;
    hid_t done = -1, space = -1;
    hid_t metric[SS_METRIC_COUNT];
    int metric_id[SS_METRIC_COUNT];
    double *values = NULL;
    uint8_t *flags = NULL, *statuses = NULL;
    hid_t status = -1;

    attr_read_string(file, "synsweep_version", info->version,
                     sizeof info->version);
    attr_read_string(file, "name", info->name, sizeof info->name);
    attr_read_string(file, "model", info->model, sizeof info->model);
    attr_read_string(file, "created", info->created, sizeof info->created);
    attr_read_string(file, "spec_sha256", info->spec_sha256,
                     sizeof info->spec_sha256);
    info->seed = attr_read_u64(file, "seed");
    if (!info->version[0] || ss_model_from_name(info->model) == SS_MODEL_COUNT ||
        H5Lexists(file, "done", H5P_DEFAULT) <= 0) {
        H5Fclose(file);
        return ss_error_set(err, SS_ERR_IO,
                            "'%s' is not a synsweep results file (no "
                            "synsweep_version, model or done)",
                            path);
    }
    done = H5Dopen2(file, "done", H5P_DEFAULT);
    space = done >= 0 ? H5Dget_space(done) : -1;
    int rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
    if (rank < 1 || rank > SS_H5_MAX_DIMS) {
        st = ss_error_set(err, SS_ERR_IO, "%s: 'done' has no usable shape",
                          path);
        goto out;
    }
    hsize_t dims[SS_H5_MAX_DIMS];
    H5Sget_simple_extent_dims(space, dims, NULL);
    info->rank = (size_t)rank;
    uint64_t shape[SS_H5_MAX_DIMS];
    info->trials = 1;
    for (int d = 0; d < rank; d++) {
        shape[d] = dims[d];
        info->dims[d].size = dims[d];
        info->trials *= dims[d];
        H5DSiterate_scales(done, (unsigned)d, NULL, visit_scale,
                           &info->dims[d]);
    }

    for (int i = 0; i < SS_METRIC_COUNT; i++) {
        const ss_metric_info *mi = ss_metric_info_of((ss_metric_id)i);
        if (H5Lexists(file, mi->name, H5P_DEFAULT) <= 0)
            continue;
        size_t k = info->n_metrics++;
        metric[k] = H5Dopen2(file, mi->name, H5P_DEFAULT);
        metric_id[k] = i;
        ss_h5_metric_summary *s = &info->metrics[k];
        snprintf(s->name, sizeof s->name, "%s", mi->name);
        if (metric[k] >= 0)
            attr_read_string(metric[k], "units", s->units, sizeof s->units);
        s->min = INFINITY;
        s->max = -INFINITY;
        s->mean = 0;
    }
    (void)metric_id;

    uint64_t block = info->trials < SCAN_BLOCK ? info->trials : SCAN_BLOCK;
    values = malloc(block * sizeof *values);
    flags = malloc(block);
    statuses = malloc(block);
    status = H5Lexists(file, "status", H5P_DEFAULT) > 0
                 ? H5Dopen2(file, "status", H5P_DEFAULT)
                 : -1;
    if (!values || !flags || !statuses) {
        st = ss_error_set(err, SS_ERR_NOMEM, "cannot allocate a block");
        goto out;
    }
    for (uint64_t first = 0; first < info->trials; first += block) {
        uint64_t n = info->trials - first < block ? info->trials - first
                                                  : block;
        hid_t fs = select_run((size_t)rank, shape, first, n);
        hid_t ms = memory_space(n);
        bool ok = fs >= 0 && ms >= 0 &&
                  H5Dread(done, H5T_NATIVE_UINT8, ms, fs, H5P_DEFAULT,
                          flags) >= 0;
        for (uint64_t t = 0; ok && t < n; t++)
            info->done += flags[t] != 0;
        if (ok && status >= 0) {
            ok = H5Dread(status, H5T_NATIVE_UINT8, ms, fs, H5P_DEFAULT,
                         statuses) >= 0;
            for (uint64_t t = 0; ok && t < n; t++)
                info->diverged += flags[t] && statuses[t] == SS_TRIAL_DIVERGED;
        }
        for (size_t k = 0; ok && k < info->n_metrics; k++) {
            ok = metric[k] >= 0 && H5Dread(metric[k], H5T_NATIVE_DOUBLE, ms,
                                           fs, H5P_DEFAULT, values) >= 0;
            ss_h5_metric_summary *s = &info->metrics[k];
            for (uint64_t t = 0; ok && t < n; t++) {
                double v = values[t];
                if (!flags[t] || !isfinite(v))
                    continue;
                s->finite++;
                s->mean += (v - s->mean) / (double)s->finite;
                if (v < s->min)
                    s->min = v;
                if (v > s->max)
                    s->max = v;
            }
        }
        if (fs >= 0)
            H5Sclose(fs);
        if (ms >= 0)
            H5Sclose(ms);
        if (!ok) {
            st = ss_error_set(err, SS_ERR_IO, "%s: cannot read the results",
                              path);
            goto out;
        }
    }
    for (size_t k = 0; k < info->n_metrics; k++)
        if (!info->metrics[k].finite)
            info->metrics[k].min = info->metrics[k].max =
                info->metrics[k].mean = NAN;
out:
    for (size_t k = 0; k < info->n_metrics; k++)
        if (metric[k] >= 0)
            H5Dclose(metric[k]);
    free(values);
    free(flags);
    free(statuses);
    if (status >= 0)
        H5Dclose(status);
    if (space >= 0)
        H5Sclose(space);
    if (done >= 0)
        H5Dclose(done);
    H5Fclose(file);
    return st;
}

/* ---- one trial's time series ----------------------------------------- */

static const struct {
    ss_trace trace;
    const char *name, *units, *long_name;
} trace_table[] = {
    {SS_TRACE_V, "v", "mV", "membrane potential"},
    {SS_TRACE_FMP, "fmp", "mV", "free membrane potential (no threshold)"},
    {SS_TRACE_GE, "gE", "nS", "total excitatory conductance"},
    {SS_TRACE_GI, "gI", "nS", "total inhibitory conductance"},
    {SS_TRACE_I, "I", "pA", "injected current"},
    {SS_TRACE_U, "u", "1", "release probability (mean over excitatory "
                           "synapses)"},
    {SS_TRACE_R, "R", "1", "available resources (mean over excitatory "
                           "synapses)"},
    {SS_TRACE_TRAIN, "presynaptic", "1",
     "excitatory presynaptic spikes per bin"},
};

ss_status ss_h5_write_trace(const char *path, bool force, const ss_grid *grid,
                            uint64_t trial, const ss_params *p,
                            const ss_metrics *met, const ss_model_ws *ws,
                            const char *command_line, ss_error *err)
{
    quiet_hdf5();
    if (!force && path_exists(path))
        return ss_error_set(err, SS_ERR_USAGE,
                            "'%s' exists; use --force to overwrite it", path);
    errno = 0;
    hid_t file = H5Fcreate(path, force ? H5F_ACC_TRUNC : H5F_ACC_EXCL,
                           H5P_DEFAULT, H5P_DEFAULT);
    if (file < 0)
        return ss_error_set(err, SS_ERR_IO, "cannot create '%s': %s", path,
                            errno ? strerror(errno) : "HDF5 error");
    const ss_spec *spec = ss_grid_spec(grid);
    ss_model m = ss_spec_model(spec);
    size_t Lt = ss_model_trace_length(ws);
    size_t n_spikes;
    const size_t *bins = ss_model_spikes(ws, &n_spikes);
    double *buf = malloc((Lt > n_spikes ? Lt : n_spikes + 1) * sizeof *buf);
    hid_t time = -1, spike = -1;
    int bad = buf == NULL;
    uint64_t idx[SS_GRID_MAX_AXES + 1];
    ss_grid_index(grid, trial, idx);

    for (size_t t = 0; !bad && t < Lt; t++)
        buf[t] = (double)t * p->dt; /* np.arange(0, T, dt) */
    if (!bad) {
        time = dataset_1d(file, "time", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, Lt,
                          buf);
        bad = time < 0 || H5DSset_scale(time, "time") < 0 ||
              attr_string(time, "units", "ms") < 0;
    }
    for (size_t k = 0; !bad && k < sizeof trace_table / sizeof trace_table[0];
         k++) {
        const double *x = ss_model_trace(ws, trace_table[k].trace);
        if (!x)
            continue;
        hid_t d = dataset_1d(file, trace_table[k].name, H5T_IEEE_F64LE,
                             H5T_NATIVE_DOUBLE, Lt, x);
        bad = d < 0 || H5DSattach_scale(d, time, 0) < 0 ||
              attr_string(d, "units", trace_table[k].units) < 0 ||
              attr_string(d, "long_name", trace_table[k].long_name) < 0;
        if (d >= 0)
            H5Dclose(d);
    }
    if (!bad && m != SS_MODEL_STP_TRAIN) {
        spike = index_dataset(file, "spike", n_spikes);
        for (size_t k = 0; k < n_spikes; k++)
            buf[k] = (double)bins[k] * p->dt;
        hid_t d = spike >= 0 ? dataset_1d(file, "spike_time", H5T_IEEE_F64LE,
                                          H5T_NATIVE_DOUBLE, n_spikes, buf)
                             : -1;
        bad = d < 0 || H5DSset_scale(spike, "spike") < 0 ||
              H5DSattach_scale(d, spike, 0) < 0 ||
              attr_string(d, "units", "ms") < 0 ||
              attr_string(d, "long_name", "output spike times") < 0;
        if (d >= 0)
            H5Dclose(d);
    }
    size_t len;
    const char *text = ss_spec_text(spec, &len);
    bad = bad || attr_string(file, "synsweep_version", SS_VERSION_STRING) < 0 ||
          attr_string(file, "model", ss_model_name(m)) < 0 ||
          attr_u64(file, "trial", trial) < 0 ||
          attr_u64(file, "repeat", idx[ss_grid_rank(grid) - 1]) < 0 ||
          attr_u64(file, "seed", ss_spec_seed(spec)) < 0 ||
          attr_string(file, "spec", text) < 0 ||
          attr_string(file, "command_line", command_line ? command_line
                                                         : "") < 0;
    for (int i = 0; !bad && i < SS_PARAM_COUNT; i++) {
        ss_param_id id = (ss_param_id)i;
        if (!ss_param_used_by(id, m))
            continue;
        if (id == SS_P_input) {
            char word[16];
            ss_param_format_value(id, p->input, word, sizeof word);
            bad = attr_string(file, "input", word) < 0;
        } else {
            bad = attr_double(file, ss_param_info_of(id)->name,
                              ss_params_get(p, id)) < 0;
        }
    }
    for (int i = 0; !bad && i < SS_METRIC_COUNT; i++)
        if (ss_metric_used_by((ss_metric_id)i, m))
            bad = attr_double(file, ss_metric_info_of((ss_metric_id)i)->name,
                              met->value[i]) < 0;
    if (spike >= 0)
        H5Dclose(spike);
    if (time >= 0)
        H5Dclose(time);
    free(buf);
    bad |= H5Fclose(file) < 0;
    if (bad) {
        unlink(path);
        return ss_error_set(err, SS_ERR_IO, "%s: cannot write the trace",
                            path);
    }
    return SS_OK;
}
