/* Creating a results file (its layout: coordinates, derived parameters,
 * attributes, per-trial datasets) and writing blocks of trials to it. */
#define _POSIX_C_SOURCE 200809L
#include "h5io_util.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hdf5.h>
#include <hdf5_hl.h>
#include <sha2.h>

#include "synsweep/version.h"

/* A 1-D dataset of n strings. */
static hid_t strings_dataset(hid_t file, const char *name,
                             const char *const *s, uint64_t n)
{
    hid_t t = ss__h5_string_type();
    hid_t d = t >= 0 ? ss__h5_dataset_1d(file, name, t, t, n, s) : -1;
    if (t >= 0)
        H5Tclose(t);
    return d;
}

/* Writes an axis member's values as a 1-D dataset (words for `input`). */
static hid_t member_dataset(hid_t file, const char *name,
                            const ss_axis_member *m, uint64_t n)
{
    if (m->param != SS_PARAM_COUNT &&
        ss_param_info_of(m->param)->kind == SS_KIND_CHOICE) {
        const char **words = calloc(n, sizeof *words);
        char(*buf)[16] = calloc(n, sizeof *buf);
        hid_t d = -1;
        if (words && buf) {
            for (uint64_t i = 0; i < n; i++) {
                ss_param_format_value(m->param, m->values[i], buf[i],
                                      sizeof buf[i]);
                words[i] = buf[i];
            }
            d = strings_dataset(file, name, words, n);
        }
        if (d >= 0 && ss__h5_attr_string(d, "long_name",
                                         ss_param_info_of(m->param)
                                             ->long_name) < 0) {
            H5Dclose(d);
            d = -1;
        }
        free(words);
        free(buf);
        return d;
    }
    hid_t d = ss__h5_dataset_1d(file, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                                n, m->values);
    if (d < 0)
        return d;
    /* a variable that is no model parameter (tau_ratio) is a number */
    const ss_param_info *info =
        m->param != SS_PARAM_COUNT ? ss_param_info_of(m->param) : NULL;
    char about[160];
    snprintf(about, sizeof about, "%s (a sweep variable of the spec)", name);
    if (ss__h5_attr_string(d, "units", info ? info->unit : "1") < 0 ||
        ss__h5_attr_string(d, "long_name", info ? info->long_name : about) <
            0) {
        H5Dclose(d);
        return -1;
    }
    return d;
}

/* An axis' coordinate: a zip axis' labels, or its index 0..n-1; any
 * other axis' values. */
static hid_t axis_dataset(hid_t file, const ss_axis *ax)
{
    if (ax->labels)
        return strings_dataset(file, ax->name,
                               (const char *const *)ax->labels, ax->n);
    if (ax->zip)
        return ss__h5_index_dataset(file, ax->name, ax->n);
    return member_dataset(file, ax->name, &ax->members[0], ax->n);
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
        hid_t d = axis_dataset(file, ax);
        c->scale[a] = d;
        if (d < 0 || H5DSset_scale(d, ax->name) < 0)
            return ss_error_set(err, SS_ERR_IO,
                                "%s: cannot write the coordinate of axis '%s'",
                                path, ax->name);
        if (ax->zip && (ss__h5_attr_string(d, "long_name",
                                           ax->labels
                                               ? "label along the zipped axis"
                                               : "index along the zipped "
                                                 "axis") < 0 ||
                        (!ax->labels &&
                         ss__h5_attr_string(d, "units", "1") < 0)))
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
    hid_t r = ss__h5_index_dataset(file, "repeat", ss_spec_repeats(spec));
    c->scale[axes] = r;
    if (r < 0 || H5DSset_scale(r, "repeat") < 0 ||
        ss__h5_attr_string(r, "units", "1") < 0 ||
        ss__h5_attr_string(r, "long_name",
                           "repeat index (trials per grid point)") < 0)
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
        ds[k] = ss__h5_create_nd(file, info->name, H5T_IEEE_F64LE, &nan, rank,
                                 shape, true, 0, UINT64_MAX, NULL);
        if (ds[k] < 0) {
            st = ss_error_set(err, SS_ERR_IO, "%s: cannot create '%s'", path,
                              info->name);
            goto done;
        }
        made++;
        if (attach_dims(ds[k], c, rank) < 0 ||
            ss__h5_attr_string(ds[k], "units", info->unit) < 0 ||
            ss__h5_attr_string(ds[k], "long_name", info->long_name) < 0 ||
            ss__h5_attr_string(ds[k], "expression",
                               ss_spec_derived_text(spec, k)) < 0) {
            st = ss_error_set(err, SS_ERR_IO, "%s: cannot describe '%s'",
                              path, info->name);
            goto done;
        }
        coords_note(c, info->name);
    }
    uint64_t block = points < SS__H5_SCAN_BLOCK ? points : SS__H5_SCAN_BLOCK;
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
            if (ss__h5_write_run(ds[k], H5T_NATIVE_DOUBLE, rank, shape, first,
                                 n, column) < 0)
                st = ss_error_set(err, SS_ERR_IO,
                                  "%s: cannot write derived values", path);
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
    /* netCDF-C's provenance attribute, in its own format */
    unsigned maj, min, rel;
    H5get_libversion(&maj, &min, &rel);
    char props[128];
    snprintf(props, sizeof props, "version=2,synsweep=%s,hdf5=%u.%u.%u",
             SS_VERSION_STRING, maj, min, rel);
    int bad =
        ss__h5_attr_char(file, "_NCProperties", props) < 0 ||
        ss__h5_attr_string(file, "Conventions", "CF-1.10") < 0 ||
        ss__h5_attr_string(file, "synsweep_version", SS_VERSION_STRING) < 0 ||
        ss__h5_attr_string(file, "layout", SS__H5_LAYOUT) < 0 ||
        ss__h5_attr_string(file, "name", ss_spec_name(spec)) < 0 ||
        ss__h5_attr_string(file, "description", ss_spec_description(spec)) <
            0 ||
        ss__h5_attr_string(file, "model", ss_model_name(m)) < 0 ||
        ss__h5_attr_seed(file, ss_spec_seed(spec)) < 0 ||
        ss__h5_attr_string(file, "kernel", kernel) < 0 ||
        ss__h5_attr_string(file, "streams",
                           ss_spec_common_streams(spec) ? "common"
                                                        : "independent") < 0 ||
        ss__h5_attr_i64(file, "repeats", (int64_t)ss_spec_repeats(spec)) < 0 ||
        ss__h5_attr_string(file, "spec", text) < 0 ||
        ss__h5_attr_string(file, "spec_file", ss_spec_file(spec)) < 0 ||
        ss__h5_attr_string(file, "spec_sha256", sha) < 0 ||
        ss__h5_attr_string(file, "created", created) < 0 ||
        ss__h5_attr_string(file, "command_line", command_line) < 0 ||
        ss__h5_write_shard(file, grid) < 0 ||
        (strcmp(kernel, "fast") == 0 &&
         ss__h5_attr_i64(file, "kernel_version", SS_FAST_KERNEL_VERSION) <
             0);
    /* The parameters every trial shares, so the file says everything
     * `synsweep trial` needs to reproduce one. */
    bool varies[SS_PARAM_COUNT];
    ss_spec_varies(spec, varies);
    const ss_params *fixed = ss_spec_fixed(spec);
    /* which attributes are parameters, and their units: "T: ms, dt: ms,
     * ..., input" (an attribute has no attributes of its own) */
    char list[64 * SS_PARAM_COUNT] = "";
    for (int i = 0; i < SS_PARAM_COUNT && !bad; i++) {
        ss_param_id id = (ss_param_id)i;
        if (!ss_param_used_by(id, m) || varies[i])
            continue;
        const ss_param_info *info = ss_param_info_of(id);
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s%s%s%s",
                 used ? ", " : "", info->name, *info->unit ? ": " : "",
                 info->unit);
        double v = ss_params_get(fixed, id);
        if (ss_param_info_of(id)->kind == SS_KIND_CHOICE) {
            char word[16];
            ss_param_format_value(id, v, word, sizeof word);
            bad = ss__h5_attr_string(file, info->name, word) < 0;
        } else {
            bad = ss__h5_attr_double(file, ss_param_info_of(id)->name, v) < 0;
        }
    }
    bad = bad || ss__h5_attr_string(file, "fixed_parameters", list) < 0;
    if (bad)
        return ss_error_set(err, SS_ERR_IO,
                            "%s: cannot write the file's attributes", path);
    return SS_OK;
}

ss_h5 *ss__h5_new(const char *path, const ss_grid *grid)
{
    ss_h5 *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    snprintf(f->path, sizeof f->path, "%s", path);
    f->out.lock_fd = -1;
    f->grid = grid;
    f->file = f->done = f->status = -1;
    for (int i = 0; i < SS_METRIC_COUNT; i++)
        f->metric[i] = -1;
    f->rank = ss_grid_rank(grid);
    memcpy(f->shape, ss_grid_shape(grid), f->rank * sizeof f->shape[0]);
    return f;
}

/* Closes f's HDF5 objects, leaving their ids -1. */
static void close_objects(ss_h5 *f)
{
    for (int i = 0; i < SS_METRIC_COUNT; i++)
        if (f->metric[i] >= 0) {
            H5Dclose(f->metric[i]);
            f->metric[i] = -1;
        }
    if (f->done >= 0)
        H5Dclose(f->done);
    if (f->status >= 0)
        H5Dclose(f->status);
    if (f->file >= 0)
        H5Fclose(f->file);
    f->done = f->status = f->file = -1;
}

void ss__h5_release(ss_h5 *f)
{
    ss__queue_stop(f, NULL); /* its last block written */
    ss__pack_free(f->pack);  /* before the file its chunks come from */
    close_objects(f);
    free(f->column);
    free(f->ones);
    free(f->flags);
    free(f->window);
    free(f->command_line);
    ss_grid_free(f->own_grid); /* the grid before its spec */
    ss_spec_free(f->own_spec);
    free(f);
}

/* CF's flag_values and flag_meanings: what each value of status (done:
 * 0 or 1) means. */
static int write_flags(hid_t d, bool is_done)
{
    uint8_t values[SS_TRIAL_STATUS_COUNT > 2 ? SS_TRIAL_STATUS_COUNT : 2];
    char meanings[256] = "";
    int n_flags = is_done ? 2 : SS_TRIAL_STATUS_COUNT;
    for (int s = 0; s < n_flags; s++) {
        values[s] = (uint8_t)s;
        size_t used = strlen(meanings);
        snprintf(meanings + used, sizeof meanings - used, "%s%s",
                 s ? " " : "",
                 is_done ? (s ? "done" : "not_done")
                         : ss_trial_status_name((ss_trial_status)s));
    }
    hsize_t n = (hsize_t)n_flags;
    hid_t space = H5Screate_simple(1, &n, NULL);
    hid_t a = space >= 0 ? H5Acreate2(d, "flag_values", H5T_STD_U8LE, space,
                                      H5P_DEFAULT, H5P_DEFAULT)
                         : -1;
    int rc = a < 0 || H5Awrite(a, H5T_NATIVE_UINT8, values) < 0 ? -1 : 0;
    if (a >= 0)
        H5Aclose(a);
    if (space >= 0)
        H5Sclose(space);
    return rc < 0 ? -1 : ss__h5_attr_string(d, "flag_meanings", meanings);
}

ss_status ss__h5_create_file(const char *file_path, const char *path,
                             const ss_grid *grid, const char *kernel,
                             const char *command_line, const char *created,
                             bool compressed, ss_h5 **out, ss_error *err)
{
    *out = NULL;
    ss_h5 *f = ss__h5_new(path, grid);
    if (!f)
        return ss_error_set(err, SS_ERR_NOMEM, "cannot allocate");
    snprintf(f->created, sizeof f->created, "%s", created);
    snprintf(f->kernel, sizeof f->kernel, "%s", kernel);
    f->compressed = compressed;
    f->command_line = strdup(command_line ? command_line : "");
    if (!f->command_line) {
        ss__h5_release(f);
        return ss_error_set(err, SS_ERR_NOMEM, "cannot allocate");
    }
    ss_status st = ss__h5_make(f, file_path, err);
    if (st != SS_OK) {
        ss__h5_release(f);
        return st;
    }
    *out = f;
    return SS_OK;
}

ss_status ss__h5_make(ss_h5 *f, const char *file_path, ss_error *err)
{
    const char *path = f->path;
    const ss_grid *grid = f->grid;
    const char *kernel = f->kernel, *created = f->created;
    const bool compressed = f->compressed;
    ss_status st = SS_OK;
    int e = 0; /* errno of the failure */
    coords c;
    memset(&c, 0, sizeof c);
    for (size_t a = 0; a < SS_GRID_MAX_AXES + 1; a++)
        c.scale[a] = -1;

    errno = 0;
    /* exclusive: O_EXCL never follows a link planted at the name */
    f->file = ss__h5_fcreate(file_path);
    if (f->file < 0) {
        e = errno;
        st = SS__H5_DISK_FULL(e)
                 ? ss__h5_disk_full(err, path, file_path,
                                    ss_h5_estimate_bytes(grid),
                                    "cannot create it")
                 : ss_error_set(err, SS_ERR_IO, "cannot create '%s': %s",
                                path, e ? strerror(e) : "HDF5 error");
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
    uint64_t block_first, block_count;
    ss_grid_block(grid, &block_first, &block_count);
    ss_model m = ss_spec_model(spec);
    for (int i = 0; i < SS_METRIC_COUNT; i++) {
        ss_metric_id id = (ss_metric_id)i;
        if (!ss_metric_used_by(id, m) || !ss_spec_metric_selected(spec, id))
            continue;
        const ss_metric_info *info = ss_metric_info_of(id);
        if ((st = check_name_free(f->file, info->name, path, err)) != SS_OK)
            goto fail;
        hid_t d =
            ss__h5_create_nd(f->file, info->name, H5T_IEEE_F64LE, &nan, f->rank,
                             f->shape, compressed, block_first, block_count,
                             &f->chunk_trials);
        f->metric[i] = d;
        if (d < 0 || attach_dims(d, &c, f->rank) < 0 ||
            ss__h5_attr_string(d, "units", info->unit) < 0 ||
            ss__h5_attr_string(d, "long_name", info->long_name) < 0 ||
            (c.coordinates[0] &&
             ss__h5_attr_char(d, "coordinates", c.coordinates) < 0)) {
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
        if ((st = check_name_free(f->file, per_trial[k].name, path, err)) !=
            SS_OK)
            goto fail;
        hid_t d = *per_trial[k].d =
            ss__h5_create_nd(f->file, per_trial[k].name, H5T_STD_U8LE, &zero,
                             f->rank, f->shape, compressed, block_first,
                             block_count, &f->chunk_trials);
        if (d < 0 || attach_dims(d, &c, f->rank) < 0 ||
            ss__h5_attr_string(d, "long_name", per_trial[k].long_name) < 0 ||
            write_flags(d, d == f->done) < 0) {
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
        e = errno;
        st = ss_error_set(err, SS_ERR_IO, "%s: cannot write: %s", path,
                          strerror(e));
        goto fail_closed;
    }
    /* the room the trials will need, taken now: a working file never
     * finds the disk full half-way (the free-space check is a bound) */
    if (!compressed && (e = ss__h5_reserve(file_path)) != 0) {
        st = ss_error_set(err, SS_ERR_IO, "%s: cannot write: %s", path,
                          strerror(e));
        goto fail_closed;
    }
    return SS_OK;

fail:
    e = errno;
    for (size_t a = 0; a < SS_GRID_MAX_AXES + 1; a++)
        if (c.scale[a] >= 0)
            H5Dclose(c.scale[a]);
    for (size_t k = 0; k < c.n_extra; k++)
        if (c.extra[k] >= 0)
            H5Dclose(c.extra[k]);
fail_closed:
    close_objects(f);
    unlink(file_path); /* a half-made file helps nobody */
    /* "cannot create 'done'" hides why: say the disk is full */
    if (st == SS_ERR_IO && SS__H5_DISK_FULL(e) && err) {
        char what[sizeof err->message];
        snprintf(what, sizeof what, "%s", err->message);
        ss__h5_disk_full(err, path, file_path, ss_h5_estimate_bytes(grid),
                         what);
    }
    return st;
}

ss_status ss__h5_make_working(ss_h5 *f, ss_error *err)
{
    ss__h5_quiet();
    ss_status st = ss__h5_make(f, f->out.temp_file, err);
    if (st != SS_OK)
        return st;
    if ((st = ss__output_commit(&f->out, err)) != SS_OK)
        close_objects(f); /* its file is gone: nothing is written */
    return st;
}

bool ss__h5_has_metric(const ss_grid *grid, int i)
{
    const ss_spec *spec = ss_grid_spec(grid);
    return ss_metric_used_by((ss_metric_id)i, ss_spec_model(spec)) &&
           ss_spec_metric_selected(spec, (ss_metric_id)i);
}

ss_status ss_h5_create(const char *path, const ss_grid *grid,
                       const char *kernel, const char *command_line,
                       bool force, ss_h5 **out, ss_error *err)
{
    *out = NULL;
    ss__output o;
    ss_status st = ss__output_begin(&o, path, force, false, err);
    if (st != SS_OK)
        return st;
    double need = ss_h5_estimate_bytes(grid), have = ss__h5_free_bytes(o.path);
    if (need > have) {
        char dir[SS__H5_PATH_MAX];
        ss__h5_dir_of(o.path, dir, sizeof dir);
        ss__output_end(&o);
        return ss_error_set(err, SS_ERR_IO,
                            "cannot create '%s': it needs %.2f MB and the "
                            "disk has %.2f MB free at %s: disk full",
                            path, ceil(need / 1e4) / 100, have / 1e6, dir);
    }
    /* made beside and renamed when complete: a kill while it is being made
     * leaves no half-made file at path (and --force keeps the old one till
     * then) */
    if ((st = ss__output_make(&o, "creating", err)) != SS_OK) {
        ss__output_end(&o);
        return st;
    }
    ss_h5 *f = ss__h5_new(path, grid);
    char *line = strdup(command_line ? command_line : "");
    if (!f || !line) {
        free(line);
        if (f)
            ss__h5_release(f);
        ss__output_end(&o);
        return ss_error_set(err, SS_ERR_NOMEM, "cannot allocate");
    }
    f->command_line = line;
    f->out = o;
    ss__h5_iso_time_now(f->created, sizeof f->created);
    snprintf(f->kernel, sizeof f->kernel, "%s", kernel);
    if (f->rank > 0) {
        uint64_t chunk[SS_GRID_MAX_AXES + 1];
        f->chunk_trials = ss__h5_chunk_shape(f->rank, f->shape, chunk);
    }
    /* The layout (~60 HDF5 objects and attributes, a few milliseconds) is
     * made on the writer thread, and then the finished file beside it,
     * while the first trials run: the first block waits for it only if it
     * is done sooner. A failure to make it is the first block's. */
    if (ss__queue_start(f, 1, true) != SS_OK) {
        /* no thread: both made here */
        if ((st = ss__h5_make_working(f, err)) != SS_OK) {
            ss__output_end(&f->out);
            ss__h5_release(f);
            return st;
        }
        ss_error ignored;
        ss__pack_start(f, false, &ignored);
    }
    *out = f;
    return SS_OK;
}

uint64_t ss_h5_chunk_trials(const ss_h5 *f)
{
    return f->chunk_trials ? f->chunk_trials : 1;
}

/* A failed write of dataset name: a full disk said as such. */
static ss_status write_failed(const ss_h5 *f, ss_error *err,
                              const char *name)
{
    int e = errno;
    char what[128];
    snprintf(what, sizeof what, "cannot write '%s'", name);
    if (SS__H5_DISK_FULL(e))
        return ss__h5_disk_full(err, f->path, f->out.path,
                                ss_h5_estimate_bytes(f->grid), what);
    return ss_error_set(err, SS_ERR_IO, "%s: %s: %s", f->path, what,
                        e ? strerror(e) : "HDF5 error");
}

ss_status ss__h5_write_columns(ss_h5 *f, uint64_t first, uint64_t n,
                               const double *const *cols,
                               const uint8_t *flags, ss_error *err)
{
    errno = 0;
    if (n > f->capacity) {
        uint8_t *ones = realloc(f->ones, n);
        if (!ones)
            return ss_error_set(err, SS_ERR_NOMEM, "cannot allocate a block");
        f->ones = ones;
        memset(f->ones, 1, n);
        f->capacity = n;
    }
    /* the chunks the block completes are compressed meanwhile */
    ss__pack_early(f, first, n, cols, flags);
    for (int i = 0; i < SS_METRIC_COUNT; i++)
        if (f->metric[i] >= 0 &&
            ss__h5_write_run(f->metric[i], H5T_NATIVE_DOUBLE, f->rank,
                             f->shape, first, n, cols[i]) < 0)
            return write_failed(f, err,
                                ss_metric_info_of((ss_metric_id)i)->name);
    if (ss__h5_write_run(f->status, H5T_NATIVE_UINT8, f->rank, f->shape, first,
                         n, flags) < 0)
        return write_failed(f, err, "status");
    /* The data first, flushed, the done flags after: a trial is never
     * marked done before its metrics are in the file, for a reader of a
     * running sweep and after a kill alike. */
    for (int i = 0; i < SS_METRIC_COUNT; i++)
        if (f->metric[i] >= 0 && H5Dflush(f->metric[i]) < 0)
            return write_failed(f, err,
                                ss_metric_info_of((ss_metric_id)i)->name);
    if (H5Dflush(f->status) < 0)
        return write_failed(f, err, "status");
    if (ss__h5_write_run(f->done, H5T_NATIVE_UINT8, f->rank, f->shape, first,
                         n, f->ones) < 0 ||
        H5Fflush(f->file, H5F_SCOPE_GLOBAL) < 0)
        return write_failed(f, err, "done");
    ss__pack_block(f, first, n, cols, flags);
    return SS_OK;
}

ss_status ss_h5_lend_block(ss_h5 *f, uint64_t first, uint64_t n,
                           const ss_metrics *rows, ss_error *err)
{
    if (n > 0 && f->queue)
        return ss__queue_put(f, first, n, rows, true, err);
    return ss_h5_write_block(f, first, n, rows, err); /* read now */
}

void ss_h5_release_rows(ss_h5 *f)
{
    if (f)
        ss__queue_release(f);
}

ss_status ss_h5_write_block(ss_h5 *f, uint64_t first, uint64_t n,
                            const ss_metrics *rows, ss_error *err)
{
    if (n == 0)
        return SS_OK;
    if (f->queue)
        return ss__queue_put(f, first, n, rows, false, err);
    /* no writer thread (none could be started): written here */
    int used[SS_METRIC_COUNT], n_used = 0;
    for (int i = 0; i < SS_METRIC_COUNT; i++)
        if (f->metric[i] >= 0)
            used[n_used++] = i;
    if (n > f->column_capacity) {
        double *col = realloc(f->column, n * (size_t)(n_used ? n_used : 1) *
                                             sizeof *col);
        uint8_t *flags = col ? realloc(f->flags, n) : NULL;
        if (col)
            f->column = col;
        if (flags)
            f->flags = flags;
        if (!col || !flags)
            return ss_error_set(err, SS_ERR_NOMEM, "cannot allocate a block");
        f->column_capacity = n;
    }
    const double *cols[SS_METRIC_COUNT] = {NULL};
    for (int k = 0; k < n_used; k++)
        cols[used[k]] = f->column + (size_t)k * n;
    for (uint64_t t = 0; t < n; t++) {
        for (int k = 0; k < n_used; k++)
            f->column[(size_t)k * n + t] = rows[t].value[used[k]];
        f->flags[t] = (uint8_t)rows[t].status;
    }
    return ss__h5_write_columns(f, first, n, cols, f->flags, err);
}

ss_status ss_h5_flush(ss_h5 *f, ss_error *err)
{
    return f ? ss__queue_stop(f, err) : SS_OK;
}
