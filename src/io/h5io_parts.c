/* Reading the parts of one sweep (the files of its shards, or unfinished
 * files of the whole sweep): each checked against the first, and which
 * trials they hold done between them, a block of trials at a time. */
#define _POSIX_C_SOURCE 200809L
#include "h5io_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>
#include <sha2.h>

/* A variable-length string attribute, copied (free it); NULL when it is
 * missing or of another type. */
static char *attr_string_copy(hid_t obj, const char *name)
{
    if (H5Aexists(obj, name) <= 0)
        return NULL;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t ft = a >= 0 ? H5Aget_type(a) : -1;
    hid_t t = ss__h5_string_type();
    char *s = NULL, *copy = NULL;
    if (ft >= 0 && t >= 0 && H5Tget_class(ft) == H5T_STRING &&
        H5Tis_variable_str(ft) > 0 && H5Aread(a, t, &s) >= 0 && s) {
        copy = strdup(s);
        H5free_memory(s);
    }
    if (t >= 0)
        H5Tclose(t);
    if (ft >= 0)
        H5Tclose(ft);
    if (a >= 0)
        H5Aclose(a);
    return copy;
}

hid_t ss__h5_open_per_trial(hid_t file, const char *name, size_t rank,
                            const uint64_t *shape)
{
    if (H5Lexists(file, name, H5P_DEFAULT) <= 0)
        return -1;
    hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
    hid_t space = d >= 0 ? H5Dget_space(d) : -1;
    hsize_t dims[SS_GRID_MAX_AXES + 1];
    bool same = space >= 0 &&
                H5Sget_simple_extent_ndims(space) == (int)rank &&
                H5Sget_simple_extent_dims(space, dims, NULL) >= 0;
    for (size_t k = 0; same && k < rank; k++)
        same = dims[k] == shape[k];
    if (space >= 0)
        H5Sclose(space);
    if (!same && d >= 0) {
        H5Dclose(d);
        d = -1;
    }
    return d;
}

hid_t ss__h5_part_open(const ss__h5_set *set, size_t i)
{
    return ss__h5_fopen(set->paths[i], H5F_ACC_RDONLY);
}

/* The first part: the sweep's spec, from the text the file keeps. */
static ss_status load_sweep(ss__h5_set *set, hid_t file, const char *path,
                            ss_error *err)
{
    ss_h5_parts *sum = set->sum;
    char *text = attr_string_copy(file, "spec");
    if (!text)
        return ss_error_set(err, SS_ERR_IO, "'%s' has no spec text: not a "
                            "synsweep results file", path);
    char sha[SHA256_DIGEST_STRING_LENGTH];
    SHA256Data((const uint8_t *)text, strlen(text), sha);
    ss_status st = SS_OK;
    if (strcmp(sha, sum->spec_sha256) != 0) {
        st = ss_error_set(err, SS_ERR_IO,
                          "'%s': its spec text does not match its "
                          "spec_sha256: a damaged file",
                          path);
    } else if (ss_spec_load_string(text, strlen(text), sum->spec_file,
                                   &set->spec, err) != SS_OK) {
        char why[sizeof err->message];
        snprintf(why, sizeof why, "%s", err ? err->message : "");
        st = ss_error_set(err, SS_ERR_IO,
                          "'%s': its spec does not load: %s", path, why);
    } else if (ss_spec_seed(set->spec) != sum->seed) {
        st = ss_error_set(err, SS_ERR_IO,
                          "'%s': its seed attribute is not its spec's: a "
                          "damaged file",
                          path);
    } else {
        st = ss_grid_create(set->spec, &set->grid, err);
    }
    free(text);
    if (st != SS_OK)
        return st;
    snprintf(sum->name, sizeof sum->name, "%s", ss_spec_name(set->spec));
    snprintf(sum->model, sizeof sum->model, "%s",
             ss_model_name(ss_spec_model(set->spec)));
    sum->trials = ss_grid_trials(set->grid);
    /* the spec's file as the runs named it, if it still holds this spec */
    char file_sha[SHA256_DIGEST_STRING_LENGTH];
    sum->spec_file_matches =
        sum->spec_file[0] && SHA256File(sum->spec_file, file_sha) &&
        strcmp(file_sha, sum->spec_sha256) == 0;
    return SS_OK;
}

/* Part i's header: of this layout, of the first part's sweep, with the
 * grid's datasets; its shard. */
static ss_status check_part(ss__h5_set *set, size_t i, hid_t file,
                            ss_error *err)
{
    const char *path = set->paths[i], *first = set->paths[0];
    ss_h5_parts *sum = set->sum;
    char layout[64], sha[65], kernel[16];
    ss__h5_attr_read_string(file, "layout", layout, sizeof layout);
    if (strcmp(layout, SS__H5_LAYOUT) != 0)
        return ss_error_set(err, SS_ERR_IO,
                            "'%s' is not a synsweep results file of layout "
                            "%s (its layout: '%s')",
                            path, SS__H5_LAYOUT, layout[0] ? layout : "none");
    ss__h5_attr_read_string(file, "spec_sha256", sha, sizeof sha);
    ss__h5_attr_read_string(file, "kernel", kernel, sizeof kernel);
    uint64_t seed = ss__h5_attr_read_seed(file);
    ss_status vst =
        ss__h5_check_kernel_version(file, path, kernel, "merge", err);
    if (vst != SS_OK)
        return vst;
    if (i == 0) {
        snprintf(sum->spec_sha256, sizeof sum->spec_sha256, "%s", sha);
        snprintf(sum->kernel, sizeof sum->kernel, "%s", kernel);
        sum->seed = seed;
        ss__h5_attr_read_string(file, "spec_file", sum->spec_file,
                                sizeof sum->spec_file);
        ss_status st = load_sweep(set, file, path, err);
        if (st != SS_OK)
            return st;
    } else if (seed != sum->seed) { /* the spec differs too: say why */
        return ss_error_set(err, SS_ERR_USAGE,
                            "'%s' is not a part of the sweep of '%s': its "
                            "seed is %llu, not %llu",
                            path, first, (unsigned long long)seed,
                            (unsigned long long)sum->seed);
    } else if (strcmp(sha, sum->spec_sha256) != 0) {
        return ss_error_set(err, SS_ERR_USAGE,
                            "'%s' is not a part of the sweep of '%s': its "
                            "spec differs (SHA-256 %.12s..., not "
                            "%.12s...)",
                            path, first, sha, sum->spec_sha256);
    } else if (strcmp(kernel, sum->kernel) != 0) {
        return ss_error_set(err, SS_ERR_USAGE,
                            "'%s' is not a part of the sweep of '%s': it "
                            "was run with the %s kernel, not %s",
                            path, first, kernel, sum->kernel);
    }
    /* the grid's datasets, of the grid's shape */
    const size_t rank = ss_grid_rank(set->grid);
    const uint64_t *shape = ss_grid_shape(set->grid);
    const ss_spec *spec = set->spec;
    bool bad = false;
    for (int m = 0; m < SS_METRIC_COUNT && !bad; m++) {
        ss_metric_id id = (ss_metric_id)m;
        if (!ss_metric_used_by(id, ss_spec_model(spec)) ||
            !ss_spec_metric_selected(spec, id))
            continue;
        hid_t d = ss__h5_open_per_trial(file, ss_metric_info_of(id)->name,
                                        rank, shape);
        bad = d < 0;
        if (d >= 0)
            H5Dclose(d);
    }
    static const char *const flags[] = {"status", "done"};
    for (size_t k = 0; k < 2 && !bad; k++) {
        hid_t d = ss__h5_open_per_trial(file, flags[k], rank, shape);
        bad = d < 0;
        if (d >= 0)
            H5Dclose(d);
    }
    if (bad)
        return ss_error_set(err, SS_ERR_IO,
                            "'%s': its datasets do not match the sweep's "
                            "grid",
                            path);
    ss_h5_part *p = &set->parts[i];
    return ss__h5_read_shard(file, sum->trials, path, &p->sharded, &p->shard,
                             &p->first, &p->count, err);
}

ss_status ss__h5_parts_open(ss__h5_set *set, const char *const *paths,
                            size_t n, ss_h5_part *parts, ss_h5_parts *sum,
                            ss_error *err)
{
    memset(set, 0, sizeof *set);
    memset(parts, 0, n * sizeof *parts);
    memset(sum, 0, sizeof *sum);
    set->paths = paths;
    set->n = n;
    set->parts = parts;
    set->sum = sum;
    ss__h5_quiet();
    bool one_n = true;
    for (size_t i = 0; i < n; i++) {
        if (!ss__h5_path_exists(paths[i])) {
            int e = errno;
            ss__h5_parts_close(set);
            return ss_error_set(err, SS_ERR_IO, "cannot read '%s': %s",
                                paths[i], strerror(e));
        }
        hid_t file = ss__h5_part_open(set, i);
        if (file < 0) {
            ss__h5_parts_close(set);
            return ss_error_set(err, SS_ERR_IO,
                                "'%s' is not a readable HDF5 file",
                                paths[i]);
        }
        ss_status st = check_part(set, i, file, err);
        H5Fclose(file);
        if (st != SS_OK) {
            ss__h5_parts_close(set);
            return st;
        }
        /* the N the commands that fill gaps use: the parts' own */
        if (parts[i].sharded) {
            if (sum->shard_n && sum->shard_n != parts[i].shard.n)
                one_n = false;
            sum->shard_n = parts[i].shard.n;
        }
    }
    if (!one_n)
        sum->shard_n = 0;
    return SS_OK;
}

void ss__h5_parts_close(ss__h5_set *set)
{
    ss_grid_free(set->grid);
    ss_spec_free(set->spec);
    set->grid = NULL;
    set->spec = NULL;
}

int ss__h5_parts_each(const ss__h5_set *set, uint64_t first, uint64_t n,
                      int (*visit)(void *ctx, size_t part, hid_t file,
                                   uint64_t first, uint64_t n),
                      void *ctx)
{
    for (size_t i = 0; i < set->n; i++) {
        const ss_h5_part *p = &set->parts[i];
        uint64_t lo = first > p->first ? first : p->first;
        uint64_t hi = first + n < p->first + p->count ? first + n
                                                        : p->first + p->count;
        if (lo >= hi)
            continue;
        /* one part open at a time: a thousand shards need no thousand
         * descriptors */
        hid_t file = ss__h5_part_open(set, i);
        int rc = file < 0 ? -1 : visit(ctx, i, file, lo, hi - lo);
        if (file >= 0)
            H5Fclose(file);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Pass over the done masks: which trials some part holds. */
typedef struct {
    const ss__h5_set *set;
    uint64_t block_first;
    uint8_t *mask; /* of the block: done in some part */
    uint8_t *buf;
    size_t failed; /* the part that could not be read */
} done_scan;

static int scan_done(void *ctx, size_t part, hid_t file, uint64_t first,
                     uint64_t n)
{
    done_scan *s = ctx;
    const ss_grid *grid = s->set->grid;
    s->failed = part;
    hid_t d = H5Dopen2(file, "done", H5P_DEFAULT);
    int rc = d < 0 ? -1
                   : ss__h5_read_run(d, H5T_NATIVE_UINT8, ss_grid_rank(grid),
                                     ss_grid_shape(grid), first, n, s->buf);
    if (d >= 0)
        H5Dclose(d);
    if (rc < 0)
        return -1;
    uint8_t *mask = s->mask + (first - s->block_first);
    uint64_t done = 0;
    for (uint64_t t = 0; t < n; t++) {
        done += s->buf[t] != 0;
        mask[t] |= s->buf[t] != 0;
    }
    s->set->parts[part].done += done;
    return 0;
}

ss_status ss__h5_parts_scan(const ss__h5_set *set, ss_h5_missing_fn missing,
                            void *ctx, const volatile sig_atomic_t *stop,
                            ss_error *err)
{
    ss_h5_parts *sum = set->sum;
    const uint64_t total = sum->trials;
    const uint64_t block = total < SS__H5_SCAN_BLOCK ? total
                                                     : SS__H5_SCAN_BLOCK;
    done_scan s = {set, 0, malloc(block), malloc(block), 0};
    ss_status st = SS_OK;
    if (!s.mask || !s.buf) {
        st = ss_error_set(err, SS_ERR_NOMEM, "cannot allocate a block");
        goto out;
    }
    for (size_t i = 0; i < set->n; i++)
        set->parts[i].done = 0;
    sum->done = sum->missing_runs = 0;
    bool in_gap = false;
    uint64_t gap = 0; /* where the current run of missing trials began */
    for (uint64_t first = 0; first < total; first += block) {
        if (stop && *stop) {
            st = ss_error_set(err, SS_ERR_INTR, "interrupted");
            goto out;
        }
        uint64_t n = total - first < block ? total - first : block;
        memset(s.mask, 0, n);
        s.block_first = first;
        if (ss__h5_parts_each(set, first, n, scan_done, &s) != 0) {
            st = ss_error_set(err, SS_ERR_IO, "%s: cannot read 'done'",
                              set->paths[s.failed]);
            goto out;
        }
        for (uint64_t t = 0; t < n; t++) {
            if (s.mask[t]) {
                sum->done++;
                if (in_gap && missing)
                    missing(ctx, gap, first + t - gap);
                in_gap = false;
            } else if (!in_gap) {
                in_gap = true;
                gap = first + t;
                sum->missing_runs++;
            }
        }
    }
    if (in_gap && missing)
        missing(ctx, gap, total - gap);
out:
    free(s.mask);
    free(s.buf);
    return st;
}

ss_status ss_h5_read_parts(const char *const *paths, size_t n,
                           ss_h5_part *parts, ss_h5_parts *sum,
                           ss_h5_missing_fn missing, void *ctx,
                           ss_error *err)
{
    ss__h5_set set;
    ss_status st = ss__h5_parts_open(&set, paths, n, parts, sum, err);
    if (st != SS_OK)
        return st;
    st = ss__h5_parts_scan(&set, missing, ctx, NULL, err);
    ss__h5_parts_close(&set);
    return st;
}
