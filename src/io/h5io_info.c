/* Reading a results file's summary back: what `synsweep info` shows. */
#define _POSIX_C_SOURCE 200809L
#include "h5io_util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>
#include <hdf5_hl.h>

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
        hid_t t = ss__h5_string_type();
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
            ss_param_format_number(v, buf, size);
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

/* Whether a finished trial with status ok may hold a non-finite value of
 * metric id, g1 being its g1 (NAN when the file has none): cv_isi is NaN
 * below 4 spikes, g_ratio = g10 / g1 is not finite when g1 is 0; every
 * other metric of a trial that did not diverge is a finite number. */
static bool may_be_nan_when_ok(ss_metric_id id, double g1)
{
    switch (id) {
    case SS_MET_cv_isi:
        return true;
    case SS_MET_g_ratio:
        return !(g1 != 0); /* 0, or no g1 to tell */
    default:
        return false;
    }
}

ss_status ss_h5_read_info(const char *path, ss_h5_info *info, ss_error *err)
{
    memset(info, 0, sizeof *info);
    ss__h5_quiet();
    if (!ss__h5_path_exists(path))
        return ss_error_set(err, SS_ERR_IO, "cannot open '%s': %s", path,
                            strerror(errno));
    hid_t file = ss__h5_fopen(path, H5F_ACC_RDONLY);
    if (file < 0)
        return ss_error_set(err, SS_ERR_IO,
                            "'%s' is not a readable HDF5 file", path);
    ss_status st = SS_OK;
    hid_t done = -1, space = -1;
    hid_t metric[SS_METRIC_COUNT];
    ss_metric_id metric_id[SS_METRIC_COUNT];
    double *values = NULL, *g1 = NULL;
    uint8_t *impossible = NULL; /* per trial of a block */
    uint8_t *flags = NULL, *statuses = NULL;
    hid_t status = -1;

    ss__h5_attr_read_string(file, "synsweep_version", info->version,
                            sizeof info->version);
    ss__h5_attr_read_string(file, "name", info->name, sizeof info->name);
    ss__h5_attr_read_string(file, "model", info->model, sizeof info->model);
    ss__h5_attr_read_string(file, "created", info->created,
                            sizeof info->created);
    ss__h5_attr_read_string(file, "spec_sha256", info->spec_sha256,
                            sizeof info->spec_sha256);
    info->seed = ss__h5_attr_read_seed(file);
    if (!info->version[0] ||
        ss_model_from_name(info->model) == SS_MODEL_COUNT ||
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

    bool sharded;
    ss_shard shard;
    if ((st = ss__h5_read_shard(file, info->trials, path, &sharded, &shard,
                                &info->shard_first, &info->shard_count,
                                err)) != SS_OK)
        goto out;
    if (sharded)
        ss__h5_shard_text(&shard, info->shard, sizeof info->shard);
    const uint64_t shard_end = info->shard_first + info->shard_count;

    for (int i = 0; i < SS_METRIC_COUNT; i++) {
        const ss_metric_info *mi = ss_metric_info_of((ss_metric_id)i);
        if (H5Lexists(file, mi->name, H5P_DEFAULT) <= 0)
            continue;
        size_t k = info->n_metrics++;
        metric_id[k] = (ss_metric_id)i;
        metric[k] = H5Dopen2(file, mi->name, H5P_DEFAULT);
        ss_h5_metric_summary *s = &info->metrics[k];
        snprintf(s->name, sizeof s->name, "%s", mi->name);
        if (metric[k] >= 0)
            ss__h5_attr_read_string(metric[k], "units", s->units,
                                    sizeof s->units);
        s->min = INFINITY;
        s->max = -INFINITY;
        s->mean = 0;
    }

    uint64_t block =
        info->trials < SS__H5_SCAN_BLOCK ? info->trials : SS__H5_SCAN_BLOCK;
    values = malloc(block * sizeof *values);
    g1 = malloc(block * sizeof *g1);
    flags = malloc(block);
    statuses = malloc(block);
    impossible = malloc(block);
    status = H5Lexists(file, "status", H5P_DEFAULT) > 0
                 ? H5Dopen2(file, "status", H5P_DEFAULT)
                 : -1;
    if (!values || !g1 || !flags || !statuses || !impossible) {
        st = ss_error_set(err, SS_ERR_NOMEM, "cannot allocate a block");
        goto out;
    }
    for (uint64_t first = 0; first < info->trials; first += block) {
        uint64_t n = info->trials - first < block ? info->trials - first
                                                  : block;
        bool ok = ss__h5_read_run(done, H5T_NATIVE_UINT8, (size_t)rank, shape,
                                  first, n, flags) >= 0;
        for (uint64_t t = 0; ok && t < n; t++) {
            info->done += flags[t] != 0;
            info->shard_done += flags[t] != 0 &&
                                first + t >= info->shard_first &&
                                first + t < shard_end;
        }
        if (ok && status >= 0) {
            ok = ss__h5_read_run(status, H5T_NATIVE_UINT8, (size_t)rank,
                                 shape, first, n, statuses) >= 0;
            for (uint64_t t = 0; ok && t < n; t++)
                info->diverged += flags[t] && statuses[t] == SS_TRIAL_DIVERGED;
        }
        memset(impossible, 0, n);
        for (uint64_t t = 0; t < n; t++)
            g1[t] = NAN;
        for (size_t k = 0; ok && k < info->n_metrics; k++)
            if (metric_id[k] == SS_MET_g1)
                ok = metric[k] >= 0 &&
                     ss__h5_read_run(metric[k], H5T_NATIVE_DOUBLE,
                                     (size_t)rank, shape, first, n, g1) >= 0;
        for (size_t k = 0; ok && k < info->n_metrics; k++) {
            ok = metric[k] >= 0 &&
                 ss__h5_read_run(metric[k], H5T_NATIVE_DOUBLE, (size_t)rank,
                                 shape, first, n, values) >= 0;
            ss_h5_metric_summary *s = &info->metrics[k];
            /* the block's sum, then the running mean updated once: a
             * division per value made this loop the time of `info` (and
             * of the summary a run prints) */
            double sum[4] = {0, 0, 0, 0};
            uint64_t finite = 0;
            for (uint64_t t = 0; ok && t < n; t++) {
                double v = values[t];
                /* done over metrics its status rules out: a file whose
                 * done mask says more than its data */
                if (flags[t] && !isfinite(v) && status >= 0 &&
                    statuses[t] == SS_TRIAL_OK &&
                    !may_be_nan_when_ok(metric_id[k], g1[t]))
                    impossible[t] = 1;
                if (!flags[t] || !isfinite(v))
                    continue;
                sum[finite++ & 3] += v;
                if (v < s->min)
                    s->min = v;
                if (v > s->max)
                    s->max = v;
            }
            if (finite) {
                s->finite += finite;
                s->mean += ((sum[0] + sum[1]) + (sum[2] + sum[3]) -
                            (double)finite * s->mean) /
                           (double)s->finite;
            }
        }
        if (!ok) {
            st = ss_error_set(err, SS_ERR_IO, "%s: cannot read the results",
                              path);
            goto out;
        }
        for (uint64_t t = 0; t < n; t++)
            info->impossible += impossible[t];
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
    free(g1);
    free(flags);
    free(statuses);
    free(impossible);
    if (status >= 0)
        H5Dclose(status);
    if (space >= 0)
        H5Sclose(space);
    if (done >= 0)
        H5Dclose(done);
    H5Fclose(file);
    return st;
}
