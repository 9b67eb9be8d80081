/* Closing a results file; a finished one is rewritten compressed. */
#define _POSIX_C_SOURCE 200809L
#include "h5io_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>

/* Copies the trials of the grid's part (ss_grid_block: every trial for
 * the whole sweep) of one dataset of src to dst_d, in blocks; the others
 * hold the fill value in both, and stay unallocated in dst_d. */
static int copy_dataset(const ss_h5 *src, hid_t src_d, hid_t dst_d,
                        hid_t mem_type, void *buf)
{
    uint64_t start, count;
    ss_grid_block(src->grid, &start, &count);
    uint64_t total = start + count;
    for (uint64_t first = start; first < total;
         first += SS__H5_SCAN_BLOCK) {
        uint64_t n = total - first < SS__H5_SCAN_BLOCK ? total - first
                                                       : SS__H5_SCAN_BLOCK;
        if (ss__h5_read_run(src_d, mem_type, src->rank, src->shape, first, n,
                            buf) < 0 ||
            ss__h5_write_run(dst_d, mem_type, src->rank, src->shape, first,
                             n, buf) < 0)
            return -1;
    }
    return 0;
}

/* Rewrites the finished, uncompressed file f compressed: read from the
 * file this run wrote (still open, whatever is at the path now) into a
 * new file beside it, then renamed over it only if it is still the one
 * at the path; so at every moment one complete file is at the path. */
static ss_status compact(ss_h5 *f, ss_error *err)
{
    /* the copy is at most as big as the file: without room for that, keep
     * the complete file as it is */
    struct stat st_file;
    if (stat(f->out.path, &st_file) == 0 &&
        (double)st_file.st_size > ss__h5_free_bytes(f->out.path))
        return ss_error_set(err, SS_ERR_IO,
                            "%s: no room on the disk to compress the "
                            "finished file (it is complete, uncompressed)",
                            f->path);
    ss_h5 *dst;
    ss_status st = ss__output_make(&f->out, "compacting", err);
    if (st != SS_OK)
        return st;
    /* the sweep as the file has it: its text may be another than this
     * spec's (a resume by meaning) */
    const ss_grid *grid = f->own_grid ? f->own_grid : f->grid;
    st = ss__h5_create_file(f->out.temp_file, f->path, grid, f->kernel,
                            f->command_line, f->created, true, &dst, err);
    if (st != SS_OK) {
        ss__output_discard(&f->out);
        return st;
    }
    double *buf = malloc(SS__H5_SCAN_BLOCK * sizeof *buf);
    int bad = !buf;
    for (int i = 0; i < SS_METRIC_COUNT && !bad; i++)
        if (dst->metric[i] >= 0)
            bad = copy_dataset(f, f->metric[i], dst->metric[i],
                               H5T_NATIVE_DOUBLE, buf) < 0;
    bad = bad ||
          copy_dataset(f, f->status, dst->status, H5T_NATIVE_UINT8, buf) < 0 ||
          copy_dataset(f, f->done, dst->done, H5T_NATIVE_UINT8, buf) < 0;
    free(buf);
    bad |= H5Fflush(dst->file, H5F_SCOPE_GLOBAL) < 0;
    ss__h5_release(dst);
    if (bad) {
        ss__output_discard(&f->out);
        return ss_error_set(err, SS_ERR_IO,
                            "%s: cannot compress the finished file (it is "
                            "complete, uncompressed)",
                            f->path);
    }
    if ((st = ss__output_commit(&f->out, err)) != SS_OK) {
        char why[sizeof err->message];
        snprintf(why, sizeof why, "%s", err->message);
        return ss_error_set(err, SS_ERR_IO, "%s (not compressed)", why);
    }
    return SS_OK;
}

ss_status ss_h5_close(ss_h5 *f, bool complete, ss_error *err)
{
    if (!f)
        return SS_OK;
    /* the blocks still queued first; a failure among them is the run's */
    ss_status st = ss__queue_stop(f, err);
    if (st == SS_OK && f->file < 0) /* its making failed, said before */
        st = ss_error_set(err, SS_ERR_IO, "%s: the file was not made",
                          f->path);
    if (st != SS_OK) {
        ss__pack_abandon(f);
        ss__output_end(&f->out);
        ss__h5_release(f);
        return st;
    }
    /* this thread's HDF5 errors unprinted too: the file may have been
     * made on the writer thread */
    ss__h5_quiet();
    if (H5Fflush(f->file, H5F_SCOPE_GLOBAL) < 0)
        st = ss_error_set(err, SS_ERR_IO, "%s: cannot write: %s", f->path,
                          errno ? strerror(errno) : "HDF5 error");
    if (st == SS_OK && complete && f->pack)
        st = ss__pack_finish(f, err);
    else if (st == SS_OK && complete && !f->compressed)
        st = compact(f, err); /* no finished file was built as it ran */
    else
        ss__pack_abandon(f);
    ss__output_end(&f->out);
    ss__h5_release(f);
    return st;
}
