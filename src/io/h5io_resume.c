/* Going on with an unfinished results file: checks that it holds this
 * sweep (by meaning: a spec whose text changed but not its sweep goes on),
 * counts what is done and finds the trials left to do. */
#define _POSIX_C_SOURCE 200809L
#include "h5io_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>
#include <sha2.h>

/* Reads done flags [first, first + n) into buf. */
static int read_done(const ss_h5 *f, uint64_t first, uint64_t n, uint8_t *buf)
{
    return ss__h5_read_run(f->done, H5T_NATIVE_UINT8, f->rank, f->shape,
                           first, n, buf);
}

/* path as one word of a POSIX shell: as it is when nothing in it is
 * special, else single-quoted. False when it does not fit in size. */
static bool shell_word(const char *path, char *buf, size_t size)
{
    static const char plain[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                "abcdefghijklmnopqrstuvwxyz"
                                "0123456789_./-+,:=@%";
    if (*path && !path[strspn(path, plain)])
        return (size_t)snprintf(buf, size, "%s", path) < size;
    size_t n = 0;
    if (size < 3)
        return false;
    buf[n++] = '\'';
    for (const char *c = path; *c; c++) {
        bool quote = *c == '\'';
        size_t len = quote ? 4 : 1;
        if (n + len + 2 > size) /* the closing quote and the NUL */
            return false;
        if (quote)
            memcpy(buf + n, "'\\''", len); /* close, an escaped ', reopen */
        else
            buf[n] = *c;
        n += len;
    }
    buf[n++] = '\'';
    buf[n] = '\0';
    return true;
}

/* The file f was made from another text than spec's (its digest sha,
 * this one's want) or names another seed: it holds the same sweep all the
 * same when its text, loaded, means the same. Then SS_OK, and f keeps
 * that sweep (f->own_spec, f->own_grid) for the finished file. Otherwise
 * SS_ERR_USAGE naming the first difference and where the file's text is;
 * or, when that text does not load, naming the digests. Reads only. */
static ss_status check_same_sweep(ss_h5 *f, const ss_spec *spec,
                                  const char *sha, const char *want,
                                  uint64_t seed, ss_error *err)
{
    const char *path = f->path;
    char *text = ss__h5_attr_read_alloc(f->file, "spec");
    char *file_name = ss__h5_attr_read_alloc(f->file, "spec_file");
    ss_spec *theirs = NULL;
    /* loaded under its own file name: `name` defaults to its stem */
    if (text)
        ss_spec_load_string(text, strlen(text),
                            file_name && *file_name ? file_name : path,
                            &theirs, NULL);
    free(text);
    free(file_name);
    char diff[1024];
    if (!theirs || seed != ss_spec_seed(theirs)) {
        ss_spec_free(theirs);
        return ss_error_set(err, SS_ERR_USAGE,
                            "cannot resume '%s': it holds another sweep "
                            "(spec SHA-256 %.12s..., seed %llu; this spec: "
                            "%.12s..., seed %llu)",
                            path, sha, (unsigned long long)seed, want,
                            (unsigned long long)ss_spec_seed(spec));
    }
    if (ss_spec_same_sweep(theirs, spec, diff, sizeof diff)) {
        ss_status st = ss_grid_create(theirs, &f->own_grid, err);
        if (st != SS_OK) {
            ss_spec_free(theirs);
            return st;
        }
        f->own_spec = theirs;
        return SS_OK;
    }
    ss_spec_free(theirs);
    ss_error_set(err, SS_ERR_USAGE,
                 "cannot resume '%s': the file's sweep differs from this "
                 "spec: %s (file \xe2\x89\xa0 spec)",
                 path, diff);
    /* a command that prints the file's text with what the project
     * already needs (python3-h5py) */
    static const char show[] =
        "the sweep in the file: python3 -c 'import h5py,sys; "
        "sys.stdout.write(h5py.File(sys.argv[1],\"r\").attrs[\"spec\"])'";
    char word[sizeof err->hint];
    if (shell_word(path, word, sizeof word) &&
        strlen(show) + 1 + strlen(word) < sizeof err->hint)
        ss_error_hint(err, "%s %s", show, word);
    else
        ss_error_hint(err, "%s FILE", show);
    return SS_ERR_USAGE;
}

ss_status ss_h5_open_resume(const char *path, const ss_grid *grid,
                            const char *kernel, ss_h5 **out,
                            uint64_t *done_trials, ss_error *err)
{
    *out = NULL;
    ss__h5_quiet();
    ss_h5 *f = ss__h5_new(path, grid);
    if (!f)
        return ss_error_set(err, SS_ERR_NOMEM, "cannot allocate");
    /* this run's alone from here: no other synsweep writes it meanwhile */
    ss_status st = ss__output_begin(&f->out, path, false, true, err);
    if (st != SS_OK) {
        ss__h5_release(f);
        return st;
    }
    /* checked read-only first: a file that is refused stays untouched */
    f->file = ss__h5_fopen(f->out.path, H5F_ACC_RDONLY);
    if (f->file < 0) {
        st = ss_error_set(err, SS_ERR_IO,
                          "cannot resume '%s': not a readable HDF5 file",
                          path);
        goto fail;
    }
    char layout[64], sha[80], file_kernel[16], cl[8192];
    ss__h5_attr_read_string(f->file, "layout", layout, sizeof layout);
    ss__h5_attr_read_string(f->file, "spec_sha256", sha, sizeof sha);
    ss__h5_attr_read_string(f->file, "kernel", file_kernel, sizeof file_kernel);
    ss__h5_attr_read_string(f->file, "created", f->created, sizeof f->created);
    ss__h5_attr_read_string(f->file, "command_line", cl, sizeof cl);
    snprintf(f->kernel, sizeof f->kernel, "%s", file_kernel);
    f->command_line = strdup(cl);
    if (strcmp(layout, SS__H5_LAYOUT) != 0) {
        st = ss_error_set(err, SS_ERR_IO,
                          "cannot resume '%s': not a synsweep results file "
                          "of layout %s (its layout: '%s')",
                          path, SS__H5_LAYOUT, layout[0] ? layout : "none");
        goto fail;
    }
    const ss_spec *spec = ss_grid_spec(grid);
    size_t len;
    const char *text = ss_spec_text(spec, &len);
    char want[SHA256_DIGEST_STRING_LENGTH];
    SHA256Data((const uint8_t *)text, len, want);
    uint64_t seed = ss__h5_attr_read_seed(f->file);
    /* another text may be the same sweep: a comment edited, keys moved */
    if (strcmp(sha, want) != 0 || seed != ss_spec_seed(spec)) {
        st = check_same_sweep(f, spec, sha, want, seed, err);
        if (st != SS_OK)
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
    if ((st = ss__h5_check_kernel_version(f->file, path, file_kernel,
                                          "resume", err)) != SS_OK)
        goto fail;
    if ((st = ss__h5_check_shard(f->file, grid, path, err)) != SS_OK)
        goto fail;
    /* this sweep's file: now for writing */
    H5Fclose(f->file);
    f->file = ss__h5_fopen(f->out.path, H5F_ACC_RDWR);
    if (f->file < 0) {
        st = ss_error_set(err, SS_ERR_IO,
                          "cannot resume '%s': cannot open it for writing",
                          path);
        goto fail;
    }
    ss_model m = ss_spec_model(spec);
    int bad = 0;
    for (int i = 0; i < SS_METRIC_COUNT && !bad; i++) {
        ss_metric_id id = (ss_metric_id)i;
        if (!ss_metric_used_by(id, m) || !ss_spec_metric_selected(spec, id))
            continue;
        f->metric[i] = ss__h5_open_per_trial(
            f->file, ss_metric_info_of(id)->name, f->rank, f->shape);
        bad = f->metric[i] < 0;
    }
    f->done = bad ? -1
                  : ss__h5_open_per_trial(f->file, "done", f->rank, f->shape);
    f->status = f->done < 0 ? -1
                            : ss__h5_open_per_trial(f->file, "status",
                                                    f->rank, f->shape);
    if (bad || f->status < 0) {
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

    /* count what is done in the grid's part (a shard's block, or all) */
    uint64_t start, total, done = 0;
    ss_grid_block(grid, &start, &total);
    total += start;
    f->window = malloc(SS__H5_SCAN_BLOCK);
    if (!f->window) {
        st = ss_error_set(err, SS_ERR_NOMEM, "cannot allocate");
        goto fail;
    }
    for (uint64_t first = start; first < total; first += SS__H5_SCAN_BLOCK) {
        uint64_t n = total - first < SS__H5_SCAN_BLOCK ? total - first
                                                       : SS__H5_SCAN_BLOCK;
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
    /* the finished file, built as chunks fill up (see ss_h5_create) */
    ss__queue_start_with_pack(f, true);
    return SS_OK;
fail:
    ss__output_end(&f->out);
    ss__h5_release(f);
    return st;
}

ss_status ss_h5_next_todo(ss_h5 *f, uint64_t from, uint64_t *first,
                          uint64_t *n, ss_error *err)
{
    /* only the grid's part: a shard's block, or every trial */
    uint64_t start, total;
    ss_grid_block(f->grid, &start, &total);
    total += start;
    if (from < start)
        from = start;
    *n = 0;
    bool in_run = false;
    for (uint64_t pos = from; pos < total;) {
        if (pos < f->window_first || pos >= f->window_first + f->window_n) {
            f->window_first = pos;
            f->window_n = total - pos < SS__H5_SCAN_BLOCK ? total - pos
                                                          : SS__H5_SCAN_BLOCK;
            /* the writer thread may be in HDF5 */
            ss__h5_lock();
            int rc = read_done(f, f->window_first, f->window_n, f->window);
            ss__h5_unlock();
            if (rc < 0) {
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
