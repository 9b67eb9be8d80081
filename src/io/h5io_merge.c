/* Merging the parts of one sweep into one results file: a block of trials
 * at a time, every part's done trials copied, overlaps compared bit for
 * bit, the file made beside its path and renamed into place at the end. */
#define _POSIX_C_SOURCE 200809L
#include "h5io_util.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

/* One block of the merged file, built from the parts that hold its
 * trials. */
typedef struct {
    const ss__h5_set *set;
    const ss_h5 *out;
    uint64_t first;                /* the block's first trial */
    double *value[SS_METRIC_COUNT]; /* per metric the file has */
    uint8_t *status, *done;
    uint32_t *source; /* the part each done trial came from */
    double *part_value;
    uint8_t *part_done, *part_status;
    /* a failure found by merge_part */
    ss_status st;
    ss_error *err;
} block;

/* Reads trials [first, first + n) of dataset name of a part into buf. */
static int read_part(const block *b, hid_t file, const char *name,
                     hid_t mem_type, uint64_t first, uint64_t n, void *buf)
{
    hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
    int rc = d < 0 ? -1
                   : ss__h5_read_run(d, mem_type, b->out->rank,
                                     b->out->shape, first, n, buf);
    if (d >= 0)
        H5Dclose(d);
    return rc;
}

static int disagree(block *b, size_t part, uint64_t trial, const char *what,
                    const char *mine, const char *theirs)
{
    size_t other = b->source[trial - b->first];
    b->st = ss_error_set(b->err, SS_ERR_USAGE,
                         "trial %llu is done in '%s' and in '%s' with "
                         "another %s (%s and %s): the parts disagree",
                         (unsigned long long)trial, b->set->paths[other],
                         b->set->paths[part], what, theirs, mine);
    return 1;
}

/* Adds one part's done trials of [first, first + n) to the block; a
 * trial already done must be equal, bit for bit. */
static int merge_part(void *ctx, size_t part, hid_t file, uint64_t first,
                      uint64_t n)
{
    block *b = ctx;
    const uint64_t off = first - b->first;
    if (read_part(b, file, "done", H5T_NATIVE_UINT8, first, n,
                  b->part_done) < 0)
        goto unreadable;
    bool any = false;
    for (uint64_t t = 0; t < n && !any; t++)
        any = b->part_done[t] != 0;
    if (!any)
        return 0;
    for (int m = 0; m < SS_METRIC_COUNT; m++) {
        if (b->out->metric[m] < 0)
            continue;
        const char *name = ss_metric_info_of((ss_metric_id)m)->name;
        if (read_part(b, file, name, H5T_NATIVE_DOUBLE, first, n,
                      b->part_value) < 0)
            goto unreadable;
        double *value = b->value[m] + off;
        for (uint64_t t = 0; t < n; t++) {
            if (!b->part_done[t])
                continue;
            if (!b->done[off + t]) {
                value[t] = b->part_value[t];
            } else if (memcmp(&value[t], &b->part_value[t],
                              sizeof value[t]) != 0) { /* NaN == NaN */
                char mine[32], theirs[32];
                ss_param_format_number(b->part_value[t], mine, sizeof mine);
                ss_param_format_number(value[t], theirs, sizeof theirs);
                return disagree(b, part, first + t, name, mine, theirs);
            }
        }
    }
    if (read_part(b, file, "status", H5T_NATIVE_UINT8, first, n,
                  b->part_status) < 0)
        goto unreadable;
    for (uint64_t t = 0; t < n; t++) {
        if (!b->part_done[t])
            continue;
        uint8_t *status = &b->status[off + t];
        if (!b->done[off + t]) {
            *status = b->part_status[t];
        } else if (*status != b->part_status[t]) {
            char mine[32], theirs[32];
            snprintf(mine, sizeof mine, "%u", (unsigned)b->part_status[t]);
            snprintf(theirs, sizeof theirs, "%u", (unsigned)*status);
            return disagree(b, part, first + t, "status", mine, theirs);
        }
    }
    /* done last: the values above were compared against earlier parts */
    for (uint64_t t = 0; t < n; t++) {
        if (b->part_done[t] && !b->done[off + t]) {
            b->done[off + t] = 1;
            b->source[off + t] = (uint32_t)part;
        }
    }
    return 0;
unreadable:
    b->st = ss_error_set(b->err, SS_ERR_IO, "%s: cannot read its results",
                         b->set->paths[part]);
    return 1;
}

/* Writes the block's trials [first, first + n) to the merged file:
 * metrics, then status, then done. */
static ss_status write_block(const block *b, uint64_t n, ss_error *err)
{
    const ss_h5 *f = b->out;
    for (int m = 0; m < SS_METRIC_COUNT; m++)
        if (f->metric[m] >= 0 &&
            ss__h5_write_run(f->metric[m], H5T_NATIVE_DOUBLE, f->rank,
                             f->shape, b->first, n, b->value[m]) < 0)
            return ss_error_set(err, SS_ERR_IO, "%s: cannot write '%s': %s",
                                f->path,
                                ss_metric_info_of((ss_metric_id)m)->name,
                                errno ? strerror(errno) : "HDF5 error");
    if (ss__h5_write_run(f->status, H5T_NATIVE_UINT8, f->rank, f->shape,
                         b->first, n, b->status) < 0 ||
        ss__h5_write_run(f->done, H5T_NATIVE_UINT8, f->rank, f->shape,
                         b->first, n, b->done) < 0)
        return ss_error_set(err, SS_ERR_IO, "%s: cannot write: %s", f->path,
                            errno ? strerror(errno) : "HDF5 error");
    return SS_OK;
}

/* Every block of the sweep, merged from the parts into f. */
static ss_status copy_blocks(const ss__h5_set *set, const ss_h5 *f,
                             const volatile sig_atomic_t *stop,
                             ss_error *err)
{
    const uint64_t total = set->sum->trials;
    const uint64_t size = total < SS__H5_SCAN_BLOCK ? total
                                                    : SS__H5_SCAN_BLOCK;
    block b = {.set = set, .out = f, .err = err};
    bool ok = (b.status = malloc(size)) && (b.done = malloc(size)) &&
              (b.source = malloc(size * sizeof *b.source)) &&
              (b.part_value = malloc(size * sizeof *b.part_value)) &&
              (b.part_done = malloc(size)) && (b.part_status = malloc(size));
    for (int m = 0; m < SS_METRIC_COUNT && ok; m++)
        if (f->metric[m] >= 0)
            ok = (b.value[m] = malloc(size * sizeof *b.value[m])) != NULL;
    ss_status st = ok ? SS_OK
                      : ss_error_set(err, SS_ERR_NOMEM,
                                     "cannot allocate a block");
    for (uint64_t first = 0; first < total && st == SS_OK; first += size) {
        if (stop && *stop) {
            st = ss_error_set(err, SS_ERR_INTR, "interrupted");
            break;
        }
        const uint64_t n = total - first < size ? total - first : size;
        b.first = first;
        /* a trial no part has: NaN, status 0, not done, as a run leaves
         * it */
        for (int m = 0; m < SS_METRIC_COUNT; m++)
            for (uint64_t t = 0; b.value[m] && t < n; t++)
                b.value[m][t] = NAN;
        memset(b.status, 0, n);
        memset(b.done, 0, n);
        b.st = SS_OK;
        if (ss__h5_parts_each(set, first, n, merge_part, &b) != 0) {
            st = b.st != SS_OK
                     ? b.st
                     : ss_error_set(err, SS_ERR_IO, "cannot open a part");
            break;
        }
        st = write_block(&b, n, err);
    }
    for (int m = 0; m < SS_METRIC_COUNT; m++)
        free(b.value[m]);
    free(b.status);
    free(b.done);
    free(b.source);
    free(b.part_value);
    free(b.part_done);
    free(b.part_status);
    return st;
}

ss_status ss_h5_merge(const char *out, const char *const *paths, size_t n,
                      const ss_h5_merge_options *opt, ss_h5_part *parts,
                      ss_h5_parts *sum, ss_h5_merge_result *result,
                      ss_error *err)
{
    memset(result, 0, sizeof *result);
    ss__h5_quiet();
    const bool force = opt && opt->force;
    const volatile sig_atomic_t *stop = opt ? opt->stop : NULL;
    /* an output like run's: checked, locked, made beside and renamed */
    ss__output o;
    ss_status st = ss__output_begin(&o, out, force, false, err);
    if (st != SS_OK)
        return st;
    ss__h5_set set;
    if ((st = ss__h5_parts_open(&set, paths, n, parts, sum, err)) != SS_OK) {
        ss__output_end(&o);
        return st;
    }
    /* first the done masks: nothing is made for parts that leave gaps */
    st = ss__h5_parts_scan(&set, opt ? opt->missing : NULL,
                           opt ? opt->missing_ctx : NULL, stop, err);
    const bool complete = sum->done == sum->trials;
    if (st != SS_OK || (!complete && !(opt && opt->allow_partial)))
        goto fail;
    /* as a run checks before it makes its file */
    double need = ss_h5_estimate_bytes(set.grid);
    if (need > ss__h5_free_bytes(o.path)) {
        st = ss__h5_disk_full(err, out, o.path, need, "nothing written");
        goto fail;
    }
    char created[64];
    ss_h5 *f = NULL;
    ss__h5_iso_time_now(created, sizeof created);
    if ((st = ss__output_make(&o, "creating", err)) != SS_OK ||
        (st = ss__h5_create_file(o.temp_file, out, set.grid, sum->kernel,
                                 opt ? opt->command_line : NULL, created,
                                 complete, &f, err)) != SS_OK)
        goto fail;
    st = copy_blocks(&set, f, stop, err);
    if (st == SS_OK && H5Fflush(f->file, H5F_SCOPE_GLOBAL) < 0)
        st = ss_error_set(err, SS_ERR_IO, "%s: cannot write: %s", out,
                          errno ? strerror(errno) : "HDF5 error");
    if (st == SS_OK)
        st = ss__output_commit(&o, err);
    if (st != SS_OK) {
        ss__h5_release(f);
        goto fail;
    }
    /* Complete: written compressed from the start, once (the file is
     * made in a private directory and renamed into place whole, so it
     * needs no crash-safe uncompressed stage; blocks go in trial order,
     * so each chunk is compressed once, when the chunk cache lets it go).
     * Partial: uncompressed, as a run leaves an unfinished file, so that
     * --resume can go on with it safely. */
    f->out = o;
    ss_h5_close(f, false, NULL);
    ss__h5_parts_close(&set); /* the grid's owner: after the file */
    result->written = true;
    return SS_OK;
fail:
    ss__h5_parts_close(&set);
    ss__output_end(&o);
    return st;
}
