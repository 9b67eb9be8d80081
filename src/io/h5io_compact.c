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

/* Copies trials [0, total) of dataset name from src to dst, in blocks. */
static int copy_dataset(hid_t src, const ss_h5 *dst, hid_t dst_d,
                        const char *name, hid_t mem_type, void *buf)
{
    hid_t src_d = H5Dopen2(src, name, H5P_DEFAULT);
    if (src_d < 0)
        return -1;
    uint64_t total = ss_grid_trials(dst->grid);
    int rc = 0;
    for (uint64_t first = 0; first < total && rc == 0;
         first += SS__H5_SCAN_BLOCK) {
        uint64_t n = total - first < SS__H5_SCAN_BLOCK ? total - first
                                                       : SS__H5_SCAN_BLOCK;
        if (ss__h5_read_run(src_d, mem_type, dst->rank, dst->shape, first, n,
                            buf) < 0 ||
            ss__h5_write_run(dst_d, mem_type, dst->rank, dst->shape, first, n,
                             buf) < 0)
            rc = -1;
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
    if (stat(path, &st_file) == 0 &&
        (double)st_file.st_size > ss__h5_free_bytes(tmp))
        return ss_error_set(err, SS_ERR_IO,
                            "%s: no room on the disk to compress the "
                            "finished file (it is complete, uncompressed)",
                            path);
    ss_h5 *dst;
    ss_status st = ss__h5_create_file(tmp, grid, kernel, command_line, created,
                                      true, H5F_ACC_TRUNC, &dst, err);
    if (st != SS_OK)
        return st;
    hid_t src = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    double *buf = malloc(SS__H5_SCAN_BLOCK * sizeof *buf);
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
    ss__h5_release(dst);
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
    /* the sweep as the file has it: its text may be another than this
     * spec's (a resume by meaning) */
    ss_spec *own_spec = f->own_spec;
    ss_grid *own_grid = f->own_grid;
    const ss_grid *grid = own_grid ? own_grid : f->grid;
    f->command_line = NULL;
    f->own_spec = NULL;
    f->own_grid = NULL;
    ss__h5_release(f);
    if (compress)
        st = compact(path, grid, kernel, command_line, created, err);
    free(command_line);
    ss_grid_free(own_grid);
    ss_spec_free(own_spec);
    return st;
}
