/* The results file: written through h5io, read back with the HDF5 C API
 * itself. Rows are made by hand with distinct values, so every value can
 * be traced to its trial; expected numbers come from those rows and from
 * h5io.h's contract. */
#define _POSIX_C_SOURCE 200809L

#include "testutil.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hdf5.h>
#include <hdf5_hl.h>
#include <sha2.h>

#include "synsweep/grid.h"
#include "synsweep/h5io.h"
#include "synsweep/metrics.h"
#include "synsweep/spec.h"

/* 4 rates x 2 regimes (a zipped axis) x 3 repeats = 24 trials, three of
 * stp_train's seven metrics. */
static const char spec_text[] =
    "model: stp_train\n"
    "seed: 7\n"
    "repeats: 3\n"
    "sweep:\n"
    "  rate: [5, 10, 20, 40]\n"
    "  regime:\n"
    "    zip: {U0: [0.5, 0.2], tau_f: [50, 750]}\n"
    "metrics: [g1, g10, g_ratio]\n";
#define N_TRIALS 24
static const uint64_t spec_shape[] = {4, 2, 3};

static const ss_metric_id selected[] = {SS_MET_g1, SS_MET_g10,
                                        SS_MET_g_ratio};
#define N_SELECTED 3

typedef struct {
    char dir[256];
    char path[320]; /* dir/results.h5 */
    ss_spec *spec;
    ss_grid *grid;
} fixture;

/* ---- specs, grids, rows ---------------------------------------------- */

static void load(const char *text, ss_spec **spec, ss_grid **grid)
{
    ss_error err;
    ss_error_clear(&err);
    if (ss_spec_load_string(text, strlen(text), "h5io_test.yaml", spec,
                            &err) != SS_OK ||
        ss_grid_create(*spec, grid, &err) != SS_OK) {
        print_error("%s:%d:%d: %s\n", err.file, err.line, err.column,
                    err.message);
        fail();
    }
}

static bool diverges(uint64_t t)
{
    return t % 7 == 4;
}

/* A finished trial whose g_ratio is undefined (NaN, but status ok). */
static bool ratio_undefined(uint64_t t)
{
    return !diverges(t) && t % 5 == 2;
}

/* Metric k of trial t: distinct across trials and metrics; g1 is 0 where
 * g_ratio = g10 / g1 is undefined, as the model makes it. */
static double value_of(uint64_t t, size_t k)
{
    if (diverges(t) || (k == 2 && ratio_undefined(t)))
        return NAN;
    if (k == 0 && ratio_undefined(t))
        return 0;
    return 2.385 + (double)t + 1000.125 * (double)k +
           0.0009765625 * (double)(t * t);
}

static void make_row(uint64_t t, ss_metrics *row)
{
    ss_metrics_clear(row);
    row->status = diverges(t) ? SS_TRIAL_DIVERGED : SS_TRIAL_OK;
    for (size_t k = 0; k < N_SELECTED; k++)
        row->value[selected[k]] = value_of(t, k);
    /* not asked for by the spec: stored nowhere */
    row->value[SS_MET_u1] = -7.25e3;
}

static void write_trials(ss_h5 *f, uint64_t first, uint64_t n)
{
    ss_metrics *rows = calloc(n, sizeof *rows);
    assert_non_null(rows);
    for (uint64_t i = 0; i < n; i++)
        make_row(first + i, &rows[i]);
    ss_error err;
    ss_status s = ss_h5_write_block(f, first, n, rows, &err);
    if (s != SS_OK)
        print_error("%s\n", err.message);
    assert_int_equal(s, SS_OK);
    free(rows);
}

static ss_h5 *create(const char *path, const ss_grid *grid)
{
    ss_h5 *f = NULL;
    ss_error err;
    ss_status s = ss_h5_create(path, grid, "fast", "synsweep run test.yaml",
                               false, &f, &err);
    if (s != SS_OK)
        print_error("%s\n", err.message);
    assert_int_equal(s, SS_OK);
    assert_non_null(f);
    return f;
}

static void close_file(ss_h5 *f, bool complete)
{
    ss_error err;
    ss_status s = ss_h5_close(f, complete, &err);
    if (s != SS_OK)
        print_error("%s\n", err.message);
    assert_int_equal(s, SS_OK);
}

/* The blocks written out of order: trials [0, 3), [7, 18) and [19, 24),
 * leaving the gaps [3, 7) and [18, 19). */
static const uint64_t blocks[][2] = {{7, 9}, {0, 3}, {19, 5}, {16, 2}};
#define N_BLOCKS 4

static bool in_blocks(uint64_t t)
{
    for (size_t b = 0; b < N_BLOCKS; b++)
        if (t >= blocks[b][0] && t < blocks[b][0] + blocks[b][1])
            return true;
    return false;
}

static void write_blocks(ss_h5 *f)
{
    for (size_t b = 0; b < N_BLOCKS; b++)
        write_trials(f, blocks[b][0], blocks[b][1]);
}

/* The results file at fx->path with the blocks written, closed
 * unfinished. */
static void write_partial_file(const fixture *fx)
{
    ss_h5 *f = create(fx->path, fx->grid);
    write_blocks(f);
    close_file(f, false);
}

/* ---- files ----------------------------------------------------------- */

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    const char *tmp = getenv("TMPDIR");
    snprintf(fx->dir, sizeof fx->dir, "%s/synsweep-h5io.XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(fx->dir)) {
        free(fx);
        return -1;
    }
    snprintf(fx->path, sizeof fx->path, "%s/results.h5", fx->dir);
    load(spec_text, &fx->spec, &fx->grid);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    ss_grid_free(fx->grid);
    ss_spec_free(fx->spec);
    DIR *d = opendir(fx->dir);
    int rc = d ? 0 : -1;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char p[600];
        snprintf(p, sizeof p, "%s/%s", fx->dir, e->d_name);
        if (unlink(p) != 0)
            rc = -1;
    }
    if (d)
        closedir(d);
    if (rmdir(fx->dir) != 0)
        rc = -1;
    free(fx);
    return rc;
}

static char *in_dir(const fixture *fx, const char *name)
{
    static char p[600];
    snprintf(p, sizeof p, "%s/%s", fx->dir, name);
    return p;
}

static size_t entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

/* A file's bytes and modification time, to show it was left alone. */
typedef struct {
    char *bytes;
    size_t size;
    struct timespec mtime;
} snapshot;

static snapshot take(const char *path)
{
    snapshot s = {NULL, 0, {0, 0}};
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    s.size = (size_t)st.st_size;
    s.mtime = st.st_mtim;
    s.bytes = malloc(s.size ? s.size : 1);
    assert_non_null(s.bytes);
    FILE *in = fopen(path, "rb");
    assert_non_null(in);
    assert_true(fread(s.bytes, 1, s.size, in) == s.size);
    fclose(in);
    return s;
}

static void assert_unchanged(const char *path, snapshot *before)
{
    snapshot now = take(path);
    assert_true(now.size == before->size);
    assert_memory_equal(now.bytes, before->bytes, now.size);
    assert_true(now.mtime.tv_sec == before->mtime.tv_sec &&
                now.mtime.tv_nsec == before->mtime.tv_nsec);
    free(now.bytes);
    free(before->bytes);
    before->bytes = NULL;
}

static void write_text(const char *path, const char *text)
{
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    fputs(text, out);
    fclose(out);
}

/* ---- reading back with HDF5 ------------------------------------------- */

/* Reads all of dataset name as mem_type into buf (room for N_TRIALS or
 * max values) and its dims; returns its rank, -1 when there is no such
 * dataset. */
static int read_all(const char *path, const char *name, hid_t mem_type,
                    void *buf, size_t max, hsize_t *dims)
{
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(file >= 0);
    int rank = -1;
    if (H5Lexists(file, name, H5P_DEFAULT) > 0) {
        hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
        hid_t space = H5Dget_space(d);
        assert_true(d >= 0 && space >= 0);
        rank = H5Sget_simple_extent_ndims(space);
        assert_true(rank >= 1 && rank <= 8);
        H5Sget_simple_extent_dims(space, dims, NULL);
        assert_true((size_t)H5Sget_simple_extent_npoints(space) <= max);
        assert_true(H5Dread(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                            buf) >= 0);
        H5Sclose(space);
        H5Dclose(d);
    }
    H5Fclose(file);
    return rank;
}

/* The element of an array of the given dims (row-major) at idx. */
static size_t offset_of(int rank, const hsize_t *dims, const uint64_t *idx)
{
    size_t off = 0;
    for (int d = 0; d < rank; d++) {
        assert_true(idx[d] < dims[d]);
        off = off * dims[d] + idx[d];
    }
    return off;
}

static bool compressed(const char *path, const char *name)
{
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
    hid_t plist = H5Dget_create_plist(d);
    assert_true(file >= 0 && d >= 0 && plist >= 0);
    bool filtered = H5Pget_nfilters(plist) > 0;
    H5Pclose(plist);
    H5Dclose(d);
    H5Fclose(file);
    return filtered;
}

/* Every trial of the 24-trial grid is at its row-major place in every
 * dataset: written ones (is_written) with their row, the others NaN, not
 * done, status 0. The metrics the spec leaves out have no dataset. */
static void assert_contents(const char *path, const ss_grid *grid,
                            bool (*is_written)(uint64_t))
{
    double metric[N_SELECTED][N_TRIALS];
    uint8_t done[N_TRIALS], status[N_TRIALS];
    hsize_t dims[8], other[8];
    assert_int_equal(read_all(path, "done", H5T_NATIVE_UINT8, done, N_TRIALS,
                              dims),
                     3);
    for (int d = 0; d < 3; d++)
        assert_true(dims[d] == spec_shape[d]);
    assert_int_equal(read_all(path, "status", H5T_NATIVE_UINT8, status,
                              N_TRIALS, other),
                     3);
    assert_memory_equal(other, dims, sizeof dims[0] * 3);
    for (size_t k = 0; k < N_SELECTED; k++) {
        const char *name = ss_metric_info_of(selected[k])->name;
        assert_int_equal(read_all(path, name, H5T_NATIVE_DOUBLE, metric[k],
                                  N_TRIALS, other),
                         3);
        assert_memory_equal(other, dims, sizeof dims[0] * 3);
    }
    for (int i = 0; i < SS_METRIC_COUNT; i++) {
        bool asked = false;
        for (size_t k = 0; k < N_SELECTED; k++)
            asked |= selected[k] == (ss_metric_id)i;
        if (!asked)
            assert_int_equal(read_all(path,
                                      ss_metric_info_of((ss_metric_id)i)->name,
                                      H5T_NATIVE_DOUBLE, NULL, 0, other),
                             -1);
    }
    for (uint64_t t = 0; t < N_TRIALS; t++) {
        uint64_t idx[3];
        ss_grid_index(grid, t, idx);
        size_t at = offset_of(3, dims, idx);
        bool written = is_written(t);
        assert_int_equal(done[at], written ? 1 : 0);
        assert_int_equal(status[at], written && diverges(t) ? 1 : 0);
        for (size_t k = 0; k < N_SELECTED; k++) {
            double want = written ? value_of(t, k) : NAN;
            double got = metric[k][at];
            /* a trial not done: the fill value (NaN), or 0 where the
             * working file's chunks are allocated but never written (a
             * sparse file; `done` says the value does not count) */
            if (!written)
                assert_true(isnan(got) || got == 0.0);
            else if (isnan(want))
                assert_true(isnan(got));
            else
                assert_memory_equal(&got, &want, sizeof got);
        }
    }
}

static bool none(uint64_t t)
{
    (void)t;
    return false;
}

static bool all(uint64_t t)
{
    (void)t;
    return true;
}

/* ---- create ----------------------------------------------------------- */

static void h5io_create_makes_grid_shaped_datasets_nan_and_not_done(
    void **state)
{
    fixture *fx = *state;
    ss_h5 *f = create(fx->path, fx->grid);
    assert_true(ss_h5_chunk_trials(f) >= 1);
    close_file(f, false);
    assert_true(H5Fis_hdf5(fx->path) > 0);
    assert_contents(fx->path, fx->grid, none);
    /* nothing beside it: the file made beside the path was renamed */
    assert_int_equal(entries(fx->dir), 1);
}

static void h5io_create_refuses_existing_file_without_force(void **state)
{
    fixture *fx = *state;
    /* an existing results file with some trials done */
    write_partial_file(fx);
    snapshot before = take(fx->path);

    ss_h5 *again = (ss_h5 *)&again; /* must come back NULL */
    ss_error err;
    assert_int_equal(ss_h5_create(fx->path, fx->grid, "fast", NULL, false,
                                  &again, &err),
                     SS_ERR_USAGE);
    assert_null(again);
    assert_non_null(strstr(err.message, fx->path));
    assert_non_null(strstr(err.message, "--force"));
    assert_unchanged(fx->path, &before);
    assert_int_equal(entries(fx->dir), 1);

    /* a plain file is refused the same way */
    char *text = in_dir(fx, "notes.txt");
    write_text(text, "not a results file\n");
    before = take(text);
    assert_int_equal(
        ss_h5_create(text, fx->grid, "fast", NULL, false, &again, &err),
        SS_ERR_USAGE);
    assert_null(again);
    assert_unchanged(text, &before);
    assert_int_equal(entries(fx->dir), 2);
}

static void h5io_create_with_force_replaces_existing_file(void **state)
{
    fixture *fx = *state;
    write_partial_file(fx);
    ss_h5 *f;
    assert_contents(fx->path, fx->grid, in_blocks);

    ss_error err;
    assert_int_equal(
        ss_h5_create(fx->path, fx->grid, "fast", NULL, true, &f, &err), SS_OK);
    close_file(f, false);
    assert_contents(fx->path, fx->grid, none);

    /* over a plain file too */
    char *text = in_dir(fx, "notes.h5");
    write_text(text, "not a results file\n");
    assert_int_equal(ss_h5_create(text, fx->grid, "fast", NULL, true, &f, &err),
                     SS_OK);
    close_file(f, false);
    assert_true(H5Fis_hdf5(text) > 0);
    assert_contents(text, fx->grid, none);
    assert_int_equal(entries(fx->dir), 2);
}

/* ---- writing blocks --------------------------------------------------- */

static void h5io_write_block_puts_each_value_at_its_trial_position(
    void **state)
{
    fixture *fx = *state;
    write_partial_file(fx);
    assert_contents(fx->path, fx->grid, in_blocks);
    assert_false(compressed(fx->path, "g1"));
}

/* ---- resume ----------------------------------------------------------- */

static bool in_blocks_or_gaps(uint64_t t)
{
    return in_blocks(t) || (t >= 3 && t < 7) || t == 18;
}

static void h5io_resume_counts_done_and_walks_the_gaps_in_order(
    void **state)
{
    fixture *fx = *state;
    write_partial_file(fx);
    ss_h5 *f;

    uint64_t done = 0;
    ss_error err;
    assert_int_equal(
        ss_h5_open_resume(fx->path, fx->grid, "fast", &f, &done, &err), SS_OK);
    assert_non_null(f);
    assert_true(done == 3 + 9 + 5 + 2);

    /* the gaps, in increasing order, and nothing else */
    static const uint64_t gaps[][2] = {{3, 4}, {18, 1}};
    size_t found = 0;
    uint64_t from = 0, first = 0, n = 0;
    for (;;) {
        assert_int_equal(ss_h5_next_todo(f, from, &first, &n, &err), SS_OK);
        if (n == 0)
            break;
        assert_true(found < 2);
        assert_true(first == gaps[found][0] && n == gaps[found][1]);
        found++;
        from = first + n;
    }
    assert_int_equal(found, 2);
    /* from inside a gap: the rest of it */
    assert_int_equal(ss_h5_next_todo(f, 5, &first, &n, &err), SS_OK);
    assert_true(first == 5 && n == 2);
    /* from the last trial on: nothing, *first untouched */
    first = 99;
    assert_int_equal(ss_h5_next_todo(f, 19, &first, &n, &err), SS_OK);
    assert_true(n == 0 && first == 99);

    /* filling the gaps completes the sweep */
    write_trials(f, 18, 1);
    write_trials(f, 3, 4);
    close_file(f, true);
    assert_contents(fx->path, fx->grid, in_blocks_or_gaps);
    assert_true(compressed(fx->path, "g1"));
}

/* More trials than the window next_todo reads the done mask in: a gap
 * that straddles two windows is one run. */
static void h5io_next_todo_joins_a_gap_across_its_read_window(void **state)
{
    fixture *fx = *state;
    static const char text[] = "model: stp_train\n"
                               "repeats: 70000\n"
                               "metrics: [g1]\n";
    ss_spec *spec;
    ss_grid *grid;
    load(text, &spec, &grid);
    ss_h5 *f = create(fx->path, grid);
    enum { block = 8192 };
    ss_metrics *rows = calloc(block, sizeof *rows);
    assert_non_null(rows);
    for (size_t i = 0; i < block; i++)
        make_row(i, &rows[i]);
    ss_error err;
    /* done: [0, 65530) and [65540, 69999) */
    static const uint64_t runs[][2] = {{0, 65530}, {65540, 69999}};
    for (size_t r = 0; r < 2; r++)
        for (uint64_t t = runs[r][0]; t < runs[r][1]; t += block) {
            uint64_t n = runs[r][1] - t < block ? runs[r][1] - t : block;
            assert_int_equal(ss_h5_write_block(f, t, n, rows, &err), SS_OK);
        }
    free(rows);
    close_file(f, false);

    uint64_t done = 0, first = 0, n = 0;
    assert_int_equal(ss_h5_open_resume(fx->path, grid, "fast", &f, &done,
                                       &err),
                     SS_OK);
    assert_true(done == 65530 + (69999 - 65540));
    assert_int_equal(ss_h5_next_todo(f, 0, &first, &n, &err), SS_OK);
    assert_true(first == 65530 && n == 10);
    assert_int_equal(ss_h5_next_todo(f, 65540, &first, &n, &err), SS_OK);
    assert_true(first == 69999 && n == 1);
    assert_int_equal(ss_h5_next_todo(f, 70000, &first, &n, &err), SS_OK);
    assert_true(n == 0);
    close_file(f, false);
    ss_grid_free(grid);
    ss_spec_free(spec);
}

static void sha256_hex(const char *text, char *hex)
{
    SHA256Data((const uint8_t *)text, strlen(text), hex);
}

/* A string attribute of the file's root, read with HDF5 itself, into
 * buf. */
static void root_attr(const char *path, const char *name, char *buf,
                      size_t size)
{
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(file >= 0);
    hid_t a = H5Aopen(file, name, H5P_DEFAULT);
    assert_true(a >= 0);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    char *s = NULL;
    assert_true(H5Aread(a, t, &s) >= 0);
    snprintf(buf, size, "%s", s);
    H5free_memory(s);
    H5Tclose(t);
    H5Aclose(a);
    H5Fclose(file);
}

/* resume with spec text, refused with SS_ERR_USAGE and exactly want as
 * the message */
static void assert_refused_with(const fixture *fx, const char *text,
                                const char *kernel, const char *want)
{
    ss_spec *spec;
    ss_grid *grid;
    load(text, &spec, &grid);
    ss_h5 *f = (ss_h5 *)&f;
    uint64_t done = 0;
    ss_error err;
    assert_int_equal(ss_h5_open_resume(fx->path, grid, kernel, &f, &done,
                                       &err),
                     SS_ERR_USAGE);
    assert_null(f);
    assert_string_equal(err.message, want);
    ss_grid_free(grid);
    ss_spec_free(spec);
}

/* spec_text with one piece replaced (the caller frees it) */
static char *edited(const char *old, const char *new_text)
{
    const char *at = strstr(spec_text, old);
    assert_non_null(at);
    size_t head = (size_t)(at - spec_text);
    char *s = malloc(sizeof spec_text + strlen(new_text));
    assert_non_null(s);
    snprintf(s, sizeof spec_text + strlen(new_text), "%.*s%s%s", (int)head,
             spec_text, new_text, at + strlen(old));
    return s;
}

#define NE "\xe2\x89\xa0"

static void h5io_resume_refuses_other_sweep_or_kernel(void **state)
{
    fixture *fx = *state;
    write_partial_file(fx);
    snapshot before = take(fx->path);
    char want[1024];

    /* another RNG seed, another axis value: the first difference, the
     * file's value first */
    char *seeded = edited("seed: 7", "seed: 8");
    snprintf(want, sizeof want,
             "cannot resume '%s': the file's sweep differs from this spec: "
             "seed 7 " NE " 8 (file " NE " spec)",
             fx->path);
    assert_refused_with(fx, seeded, "fast", want);
    free(seeded);
    char *valued = edited("[5, 10, 20, 40]", "[5, 10, 20, 45]");
    snprintf(want, sizeof want,
             "cannot resume '%s': the file's sweep differs from this spec: "
             "axis rate: value 4 is 40 " NE " 45 (file " NE " spec)",
             fx->path);
    assert_refused_with(fx, valued, "fast", want);
    free(valued);

    /* the hint: a command that prints the file's text */
    ss_spec *spec;
    ss_grid *grid;
    char *metrics = edited("[g1, g10, g_ratio]", "[g1, g10]");
    load(metrics, &spec, &grid);
    free(metrics);
    ss_h5 *f = (ss_h5 *)&f;
    uint64_t done = 0;
    ss_error err;
    assert_int_equal(ss_h5_open_resume(fx->path, grid, "fast", &f, &done,
                                       &err),
                     SS_ERR_USAGE);
    assert_non_null(strstr(err.message, "metrics g1, g10, g_ratio " NE
                                        " g1, g10 (file"));
    snprintf(want, sizeof want,
             "the sweep in the file: python3 -c 'import h5py,sys; "
             "sys.stdout.write(h5py.File(sys.argv[1],\"r\").attrs[\"spec\"])"
             "' %s",
             fx->path);
    assert_string_equal(err.hint, want);
    ss_grid_free(grid);
    ss_spec_free(spec);

    /* another kernel */
    snprintf(want, sizeof want,
             "cannot resume '%s': it was run with the fast kernel, not "
             "reference",
             fx->path);
    assert_refused_with(fx, spec_text, "reference", want);

    /* none of which touched the file */
    assert_unchanged(fx->path, &before);
}

/* Another text of the same sweep goes on; the finished file keeps the
 * text it was made from, and its digest. */
static void h5io_resume_goes_on_with_the_same_sweep_written_otherwise(
    void **state)
{
    fixture *fx = *state;
    write_partial_file(fx);
    char file_sha[SHA256_DIGEST_STRING_LENGTH];
    sha256_hex(spec_text, file_sha);
    static const char other_text[] =
        "# the same, reworded\n"
        "metrics: [g_ratio, g1, g10]\n"
        "sweep:\n"
        "  rate: {values: [5.0, 1e1, 20, 40]}\n"
        "  regime: {zip: {tau_f: [5e1, 750], U0: [0.50, .2]}}\n"
        "repeats: 3\n"
        "seed: 7\n"
        "model: stp_train\n"
        "name: reworded\n";
    ss_spec *spec;
    ss_grid *grid;
    load(other_text, &spec, &grid);
    ss_h5 *f;
    uint64_t done = 0;
    ss_error err;
    assert_int_equal(ss_h5_open_resume(fx->path, grid, "fast", &f, &done,
                                       &err),
                     SS_OK);
    assert_true(done == 3 + 9 + 5 + 2);
    write_trials(f, 18, 1);
    write_trials(f, 3, 4);
    close_file(f, true); /* compressed: the file is made anew */
    assert_contents(fx->path, fx->grid, in_blocks_or_gaps);
    assert_true(compressed(fx->path, "g1"));
    char text[sizeof spec_text + 64], sha[80], name[64];
    root_attr(fx->path, "spec", text, sizeof text);
    root_attr(fx->path, "spec_sha256", sha, sizeof sha);
    root_attr(fx->path, "name", name, sizeof name);
    assert_string_equal(text, spec_text);
    assert_string_equal(sha, file_sha);
    assert_string_equal(name, "h5io_test");
    ss_grid_free(grid);
    ss_spec_free(spec);
}

/* ---- foreign files ---------------------------------------------------- */

static void assert_resume_refused(const fixture *fx, const char *path,
                                  const char *needle)
{
    snapshot before = take(path);
    ss_h5 *f = (ss_h5 *)&f;
    uint64_t done = 0;
    ss_error err;
    assert_int_equal(
        ss_h5_open_resume(path, fx->grid, "fast", &f, &done, &err),
        SS_ERR_IO);
    assert_null(f);
    assert_non_null(strstr(err.message, path));
    if (needle && !strstr(err.message, needle)) {
        print_error("'%s' does not say '%s'\n", err.message, needle);
        fail();
    }
    assert_unchanged(path, &before);
}

static void h5io_resume_refuses_foreign_files_and_leaves_them_alone(
    void **state)
{
    fixture *fx = *state;
    /* a plain text file */
    char *text = in_dir(fx, "notes.txt");
    write_text(text, "model: stp_train\nlayout: synsweep-results-1\n");
    assert_resume_refused(fx, text, "HDF5");

    /* an HDF5 file with a `done` of the grid's shape but no layout */
    char plain[600];
    snprintf(plain, sizeof plain, "%s", in_dir(fx, "plain.h5"));
    hid_t file = H5Fcreate(plain, H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(file >= 0);
    hsize_t dims[3] = {4, 2, 3};
    hid_t space = H5Screate_simple(3, dims, NULL);
    hid_t d = H5Dcreate2(file, "done", H5T_STD_U8LE, space, H5P_DEFAULT,
                         H5P_DEFAULT, H5P_DEFAULT);
    assert_true(space >= 0 && d >= 0);
    H5Dclose(d);
    H5Sclose(space);
    H5Fclose(file);
    assert_resume_refused(fx, plain, "layout");

    /* a results file of another layout number */
    write_partial_file(fx);
    file = H5Fopen(fx->path, H5F_ACC_RDWR, H5P_DEFAULT);
    assert_true(file >= 0);
    assert_true(H5Adelete(file, "layout") >= 0);
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    space = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(file, "layout", type, space, H5P_DEFAULT,
                         H5P_DEFAULT);
    const char *layout = "synsweep-results-2";
    assert_true(a >= 0 && H5Awrite(a, type, &layout) >= 0);
    H5Aclose(a);
    H5Sclose(space);
    H5Tclose(type);
    H5Fclose(file);
    assert_resume_refused(fx, fx->path, "synsweep-results-2");
}

/* ---- closing complete, and info ---------------------------------------- */

/* What info must report for the trials is_written marks, computed from
 * the rows written. */
static void assert_info(const fixture *fx, bool (*is_written)(uint64_t))
{
    ss_h5_info *info = malloc(sizeof *info);
    assert_non_null(info);
    ss_error err;
    assert_int_equal(ss_h5_read_info(fx->path, info, &err), SS_OK);

    uint64_t done = 0, diverged = 0;
    for (uint64_t t = 0; t < N_TRIALS; t++) {
        done += is_written(t);
        diverged += is_written(t) && diverges(t);
    }
    assert_true(info->trials == N_TRIALS);
    assert_true(info->done == done);
    assert_true(info->diverged == diverged);
    assert_true(info->impossible == 0);
    assert_true(info->seed == 7);
    assert_string_equal(info->model, "stp_train");
    assert_string_equal(info->name, "h5io_test");
    char sha[SHA256_DIGEST_STRING_LENGTH];
    sha256_hex(spec_text, sha);
    assert_string_equal(info->spec_sha256, sha);
    assert_true(info->version[0] != '\0');

    static const char *names[] = {"rate", "regime", "repeat"};
    static const char *first[] = {"5", "0", "0"}, *last[] = {"40", "1", "2"};
    assert_int_equal(info->rank, 3);
    for (size_t d = 0; d < 3; d++) {
        assert_string_equal(info->dims[d].name, names[d]);
        assert_true(info->dims[d].size == spec_shape[d]);
        assert_string_equal(info->dims[d].first, first[d]);
        assert_string_equal(info->dims[d].last, last[d]);
    }

    assert_int_equal(info->n_metrics, N_SELECTED);
    for (size_t k = 0; k < N_SELECTED; k++) {
        const ss_h5_metric_summary *s = &info->metrics[k];
        const ss_metric_info *mi = ss_metric_info_of(selected[k]);
        assert_string_equal(s->name, mi->name);
        assert_string_equal(s->units, mi->unit);
        double sum = 0, lo = INFINITY, hi = -INFINITY;
        uint64_t finite = 0;
        for (uint64_t t = 0; t < N_TRIALS; t++) {
            double v = value_of(t, k);
            if (!is_written(t) || isnan(v))
                continue;
            finite++;
            sum += v;
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        assert_true(s->finite == finite);
        assert_close(s->min, lo, 0, 0);
        assert_close(s->max, hi, 0, 0);
        assert_close(s->mean, sum / (double)finite, 1e-13, 0);
    }
    free(info);
}

static void h5io_close_complete_compacts_keeping_every_value(void **state)
{
    fixture *fx = *state;
    ss_h5 *f = create(fx->path, fx->grid);
    write_trials(f, 12, 12);
    write_trials(f, 0, 5);
    write_trials(f, 5, 7);
    close_file(f, true);
    for (size_t k = 0; k < N_SELECTED; k++)
        assert_true(
            compressed(fx->path, ss_metric_info_of(selected[k])->name));
    assert_true(compressed(fx->path, "done"));
    assert_contents(fx->path, fx->grid, all);
    /* the temporary copy is gone */
    assert_int_equal(entries(fx->dir), 1);
    assert_info(fx, all);
}

/* Writes one trial's g1 and status straight into the file, leaving done
 * alone: what a writer killed between its data and its done flags
 * leaves. */
static void write_behind_done(const fixture *fx, uint64_t trial, double g1,
                              uint8_t status)
{
    uint64_t idx[3];
    ss_grid_index(fx->grid, trial, idx);
    hsize_t start[3] = {idx[0], idx[1], idx[2]}, count[3] = {1, 1, 1};
    hid_t file = H5Fopen(fx->path, H5F_ACC_RDWR, H5P_DEFAULT);
    assert_true(file >= 0);
    hid_t one = H5Screate(H5S_SCALAR);
    static const char *names[] = {"g1", "status"};
    for (size_t k = 0; k < 2; k++) {
        hid_t d = H5Dopen2(file, names[k], H5P_DEFAULT);
        hid_t space = H5Dget_space(d);
        assert_true(d >= 0 && space >= 0 &&
                    H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL,
                                        count, NULL) >= 0);
        assert_true(k == 0 ? H5Dwrite(d, H5T_NATIVE_DOUBLE, one, space,
                                      H5P_DEFAULT, &g1) >= 0
                           : H5Dwrite(d, H5T_NATIVE_UINT8, one, space,
                                      H5P_DEFAULT, &status) >= 0);
        H5Sclose(space);
        H5Dclose(d);
    }
    H5Sclose(one);
    H5Fclose(file);
}

/* Blocks lent (ss_h5_lend_block) are read until ss_h5_release_rows
 * returns and never after: rows scribbled over once it has returned leave
 * the file as the rows were. Given back at once, the first block is lent
 * while the writer thread still makes the file, so that the release
 * itself must read it. */
static void scribble(ss_metrics *rows, uint64_t n)
{
    memset(rows, 0xa5, n * sizeof *rows); /* freed only after close */
}

static void h5io_lent_rows_are_read_until_released(void **state)
{
    fixture *fx = *state;
    static const uint64_t lent[][2] = {{0, 5}, {5, 7}, {12, 12}};
    for (int at_once = 0; at_once <= 1; at_once++) {
        ss_h5 *f = create(fx->path, fx->grid);
        ss_metrics *rows[3];
        for (int b = 0; b < 3; b++) {
            rows[b] = calloc(lent[b][1], sizeof *rows[b]);
            assert_non_null(rows[b]);
            for (uint64_t i = 0; i < lent[b][1]; i++)
                make_row(lent[b][0] + i, &rows[b][i]);
            ss_error err;
            assert_int_equal(ss_h5_lend_block(f, lent[b][0], lent[b][1],
                                              rows[b], &err),
                             SS_OK);
            if (at_once) {
                ss_h5_release_rows(f);
                scribble(rows[b], lent[b][1]);
            }
        }
        ss_h5_release_rows(f);
        for (int b = 0; b < 3 && !at_once; b++)
            scribble(rows[b], lent[b][1]);
        close_file(f, true);
        for (int b = 0; b < 3; b++)
            free(rows[b]);
        assert_contents(fx->path, fx->grid, all);
        unlink(fx->path);
    }
}

static void h5io_info_summarises_only_done_trials(void **state)
{
    fixture *fx = *state;
    write_partial_file(fx);
    /* trials 5 and 6 are not done: what they hold does not count */
    write_behind_done(fx, 5, 1e9, SS_TRIAL_OK);
    write_behind_done(fx, 6, -1e9, SS_TRIAL_DIVERGED);
    assert_info(fx, in_blocks);
}

/* Writes value into dataset name at trial, behind the writer's back. */
static void write_value_at(const fixture *fx, uint64_t trial,
                           const char *name, double value)
{
    uint64_t idx[3];
    ss_grid_index(fx->grid, trial, idx);
    hsize_t start[3] = {idx[0], idx[1], idx[2]}, count[3] = {1, 1, 1};
    hid_t file = H5Fopen(fx->path, H5F_ACC_RDWR, H5P_DEFAULT);
    assert_true(file >= 0);
    hid_t one = H5Screate(H5S_SCALAR);
    hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
    hid_t space = H5Dget_space(d);
    assert_true(d >= 0 && space >= 0 &&
                H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL,
                                    count, NULL) >= 0);
    assert_true(H5Dwrite(d, H5T_NATIVE_DOUBLE, one, space, H5P_DEFAULT,
                         &value) >= 0);
    H5Sclose(space);
    H5Dclose(d);
    H5Sclose(one);
    H5Fclose(file);
}

/* Done over NaN with status ok: g10 NaN (trial 8), g_ratio NaN though g1
 * is not 0 (trial 9), g1 infinite (trial 10) are impossible; g_ratio NaN
 * where g1 is 0 (trial 12), NaN in a diverged trial (11) and in a trial
 * not done (5) are not. */
static void h5io_info_counts_done_trials_with_impossible_metrics(
    void **state)
{
    fixture *fx = *state;
    write_partial_file(fx);
    assert_true(ratio_undefined(12) && diverges(11) && !in_blocks(5));
    assert_true(!diverges(8) && !diverges(9) && !diverges(10));
    write_value_at(fx, 8, "g10", NAN);
    write_value_at(fx, 9, "g_ratio", NAN);
    write_value_at(fx, 10, "g1", INFINITY);
    write_value_at(fx, 11, "g10", NAN);
    write_value_at(fx, 12, "g_ratio", NAN);
    write_value_at(fx, 5, "g1", NAN);
    ss_h5_info *info = malloc(sizeof *info);
    assert_non_null(info);
    ss_error err;
    assert_int_equal(ss_h5_read_info(fx->path, info, &err), SS_OK);
    assert_true(info->impossible == 3);
    free(info);
}

static void h5io_info_refuses_a_file_that_is_no_results_file(void **state)
{
    fixture *fx = *state;
    char *text = in_dir(fx, "notes.txt");
    write_text(text, "not HDF5\n");
    ss_h5_info *info = malloc(sizeof *info);
    assert_non_null(info);
    ss_error err;
    assert_int_equal(ss_h5_read_info(text, info, &err), SS_ERR_IO);
    assert_non_null(strstr(err.message, text));
    free(info);
}

/* ---- shards: parts, resume of a part, merge --------------------------- */

static ss_grid *shard_grid(const fixture *fx, uint64_t k, uint64_t n)
{
    ss_shard shard = {k, n};
    ss_grid *grid;
    ss_error err;
    assert_int_equal(ss_grid_create_shard(fx->spec, &shard, &grid, &err),
                     SS_OK);
    return grid;
}

/* Part k of n of the 24 trials at dir/name: its block written, closed
 * complete (so compressed); its path. */
static const char *write_part(const fixture *fx, const char *name,
                              uint64_t k, uint64_t n)
{
    ss_grid *grid = shard_grid(fx, k, n);
    const char *path = in_dir(fx, name);
    ss_h5 *f = create(path, grid);
    uint64_t first, count;
    ss_grid_block(grid, &first, &count);
    write_trials(f, first, count);
    close_file(f, true);
    ss_grid_free(grid);
    return path;
}

static void read_root_attribute(const char *path, const char *name,
                                hid_t mem_type, void *value)
{
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(file >= 0);
    hid_t a = H5Aopen(file, name, H5P_DEFAULT);
    assert_true(a >= 0);
    assert_true(H5Aread(a, mem_type, value) >= 0);
    H5Aclose(a);
    H5Fclose(file);
}

static bool shard_1_of_3(uint64_t t)
{
    return t >= 8 && t < 16;
}

static void h5io_part_records_its_shard_and_resumes_only_its_block(
    void **state)
{
    fixture *fx = *state;
    ss_grid *part = shard_grid(fx, 1, 3), *other = shard_grid(fx, 2, 3);
    close_file(create(fx->path, part), false);
    char *shard = NULL;
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    read_root_attribute(fx->path, "shard", t, &shard);
    assert_string_equal(shard, "1/3");
    H5free_memory(shard);
    H5Tclose(t);
    uint64_t first = 0, count = 0;
    read_root_attribute(fx->path, "shard_first", H5T_NATIVE_UINT64, &first);
    read_root_attribute(fx->path, "shard_count", H5T_NATIVE_UINT64, &count);
    assert_true(first == 8 && count == 8);

    /* the whole sweep, or another shard, is not this part */
    ss_h5 *f;
    uint64_t done = 99;
    ss_error err;
    assert_int_equal(ss_h5_open_resume(fx->path, fx->grid, "fast", &f, &done,
                                       &err),
                     SS_ERR_USAGE);
    assert_non_null(strstr(err.message, "it holds shard 1/3 of the sweep, "
                                        "not every trial"));
    assert_string_equal(err.hint, "add --shard 1/3");
    assert_int_equal(ss_h5_open_resume(fx->path, other, "fast", &f, &done,
                                       &err),
                     SS_ERR_USAGE);
    assert_non_null(strstr(err.message, "not shard 2/3"));

    /* its own shard: only its block is to do */
    assert_int_equal(ss_h5_open_resume(fx->path, part, "fast", &f, &done,
                                       &err),
                     SS_OK);
    assert_true(done == 0);
    uint64_t todo_first = 0, todo_n = 0;
    assert_int_equal(ss_h5_next_todo(f, 0, &todo_first, &todo_n, &err),
                     SS_OK);
    assert_true(todo_first == 8 && todo_n == 8);
    write_trials(f, 8, 8);
    close_file(f, true);
    assert_true(compressed(fx->path, "done"));
    assert_contents(fx->path, fx->grid, shard_1_of_3);
    ss_h5_info info;
    assert_int_equal(ss_h5_read_info(fx->path, &info, &err), SS_OK);
    assert_string_equal(info.shard, "1/3");
    assert_true(info.shard_first == 8 && info.shard_count == 8 &&
                info.shard_done == 8 && info.done == 8);
    ss_grid_free(other);
    ss_grid_free(part);
}

static bool first_half(uint64_t t)
{
    return t < 12;
}

typedef struct {
    uint64_t first[4], n[4];
    size_t runs;
} missing_runs;

static void note_missing(void *ctx, uint64_t first, uint64_t n)
{
    missing_runs *m = ctx;
    assert_true(m->runs < 4);
    m->first[m->runs] = first;
    m->n[m->runs++] = n;
}

/* Writes value into metric name of the file at path, at trial. */
static void overwrite(const fixture *fx, const char *path, uint64_t trial,
                      const char *name, double value)
{
    uint64_t idx[3];
    ss_grid_index(fx->grid, trial, idx);
    hsize_t start[3] = {idx[0], idx[1], idx[2]}, count[3] = {1, 1, 1};
    hid_t file = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
    hid_t space = H5Dget_space(d), one = H5Screate(H5S_SCALAR);
    assert_true(file >= 0 && d >= 0 && space >= 0 &&
                H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL,
                                    count, NULL) >= 0 &&
                H5Dwrite(d, H5T_NATIVE_DOUBLE, one, space, H5P_DEFAULT,
                         &value) >= 0);
    H5Sclose(one);
    H5Sclose(space);
    H5Dclose(d);
    H5Fclose(file);
}

static void h5io_merge_copies_done_trials_and_refuses_disagreement(
    void **state)
{
    fixture *fx = *state;
    const char *paths[3];
    char a[600], b[600], c[600];
    snprintf(a, sizeof a, "%s", write_part(fx, "a.h5", 0, 2));
    snprintf(b, sizeof b, "%s", write_part(fx, "b.h5", 1, 2));
    snprintf(c, sizeof c, "%s", write_part(fx, "c.h5", 0, 3)); /* 0..7 */
    paths[0] = a;
    paths[1] = c;
    paths[2] = b;
    ss_h5_part parts[3];
    ss_h5_parts sum;
    ss_h5_merge_result result;
    ss_error err;
    ss_h5_merge_options opt = {.command_line = "synsweep merge"};

    /* overlapping parts that agree: every trial once, compressed */
    assert_int_equal(ss_h5_merge(fx->path, paths, 3, &opt, parts, &sum,
                                 &result, &err),
                     SS_OK);
    assert_true(result.written && !result.warning[0]);
    assert_contents(fx->path, fx->grid, all);
    assert_true(compressed(fx->path, "g1"));
    assert_true(sum.trials == 24 && sum.done == 24 && sum.shard_n == 0);
    assert_true(parts[1].sharded && parts[1].shard.k == 0 &&
                parts[1].shard.n == 3 && parts[1].first == 0 &&
                parts[1].count == 8 && parts[1].done == 8);
    assert_int_equal(entries(fx->dir), 4);
    unlink(fx->path);

    /* one part: the rest is missing, nothing written unless asked */
    missing_runs m = {{0}, {0}, 0};
    opt.missing = note_missing;
    opt.missing_ctx = &m;
    assert_int_equal(ss_h5_merge(fx->path, paths, 1, &opt, parts, &sum,
                                 &result, &err),
                     SS_OK);
    assert_false(result.written);
    assert_int_equal(entries(fx->dir), 3);
    assert_true(m.runs == 1 && m.first[0] == 12 && m.n[0] == 12);
    assert_true(sum.shard_n == 2 && sum.done == 12 && sum.missing_runs == 1);
    opt.allow_partial = true;
    opt.missing = NULL;
    assert_int_equal(ss_h5_merge(fx->path, paths, 1, &opt, parts, &sum,
                                 &result, &err),
                     SS_OK);
    assert_true(result.written);
    assert_contents(fx->path, fx->grid, first_half);
    unlink(fx->path);

    /* trial 3 in a and c, one bit apart in g10: refused, nothing left */
    overwrite(fx, c, 3, "g10", nextafter(value_of(3, 1), INFINITY));
    assert_int_equal(ss_h5_merge(fx->path, paths, 3, &opt, parts, &sum,
                                 &result, &err),
                     SS_ERR_USAGE);
    assert_false(result.written);
    assert_non_null(strstr(err.message, "trial 3 is done in"));
    assert_non_null(strstr(err.message, "another g10"));
    assert_non_null(strstr(err.message, "/a.h5"));
    assert_non_null(strstr(err.message, "/c.h5"));
    assert_int_equal(entries(fx->dir), 3);

    /* a part of another seed: refused before anything is made */
    ss_spec *spec;
    ss_grid *grid;
    static const char other[] = "model: stp_train\n"
                                "seed: 8\n"
                                "repeats: 3\n"
                                "sweep:\n"
                                "  rate: [5, 10, 20, 40]\n"
                                "  regime:\n"
                                "    zip: {U0: [0.5, 0.2], tau_f: [50, "
                                "750]}\n"
                                "metrics: [g1, g10, g_ratio]\n";
    load(other, &spec, &grid);
    unlink(c);
    close_file(create(c, grid), false);
    ss_grid_free(grid);
    ss_spec_free(spec);
    assert_int_equal(ss_h5_merge(fx->path, paths, 3, &opt, parts, &sum,
                                 &result, &err),
                     SS_ERR_USAGE);
    assert_non_null(strstr(err.message, "its seed is 8, not 7"));
    assert_int_equal(entries(fx->dir), 3);
}

/* ---- the size estimate ------------------------------------------------ */

/* Creates the file of spec text (uncompressed, every chunk allocated, as
 * a sweep writes it; of part k of n, n > 1, its block's chunks), checks
 * the estimate bounds its size, and, for a file of a megabyte and more,
 * by no more than max_ratio; removes it. */
static void check_estimate_part(const fixture *fx, const char *text,
                                uint64_t k, uint64_t n, double max_ratio)
{
    ss_spec *spec;
    ss_grid *grid;
    load(text, &spec, &grid);
    if (n > 1) {
        ss_grid_free(grid);
        ss_shard shard = {k, n};
        ss_error err;
        assert_int_equal(ss_grid_create_shard(spec, &shard, &grid, &err),
                         SS_OK);
    }
    ss_h5 *f = create(fx->path, grid);
    close_file(f, false);
    struct stat st;
    assert_int_equal(stat(fx->path, &st), 0);
    double estimate = ss_h5_estimate_bytes(grid);
    double ratio = estimate / (double)st.st_size;
    if (getenv("SYNSWEEP_PRINT_ESTIMATES"))
        print_message("%12llu trials: file %12lld B, estimate %14.0f B, "
                      "ratio %.3f\n",
                      (unsigned long long)ss_grid_trials(grid),
                      (long long)st.st_size, estimate, ratio);
    if (!(estimate >= (double)st.st_size) ||
        (st.st_size >= 1000000 && ratio > max_ratio)) {
        print_error("estimate %.0f for %lld bytes of the created file\n",
                    estimate, (long long)st.st_size);
        fail();
    }
    unlink(fx->path);
    ss_grid_free(grid);
    ss_spec_free(spec);
}

static void check_estimate(const fixture *fx, const char *text,
                           double max_ratio)
{
    check_estimate_part(fx, text, 0, 1, max_ratio);
}

/* The estimate bounds the uncompressed file: one trial, a few axes with a
 * zip, a string axis and a derived parameter, ten axes of two points,
 * thousands and millions of repeats (partial last chunks, a large repeat
 * coordinate, chunk indexes of many nodes), and is close on large ones. */
static void h5io_estimate_bounds_the_created_file(void **state)
{
    fixture *fx = *state;
    check_estimate(fx, "model: lif_cond\n", 1.3);
    check_estimate(fx, spec_text, 1.3);
    check_estimate(fx, "model: lif_cond\n"
                       "sweep:\n"
                       "  I_inj: [100, 200]\n"
                       "  input: [poisson, regular]\n"
                       "derived:\n"
                       "  I_sigma: 0.5 * I_inj\n", 1.3);
    check_estimate(fx, "model: lif_cond\n"
                       "sweep:\n"
                       "  I_inj: [100, 200]\n"
                       "  tau_m: [10, 20]\n"
                       "  g_L: [10, 20]\n"
                       "  V_th: [-55, -50]\n"
                       "  V_reset: [-75, -70]\n"
                       "  E_L: [-75, -70]\n"
                       "  gE_bar: [2.4, 3]\n"
                       "  gI_bar: [2.4, 3]\n"
                       "  tau_syn_E: [2, 3]\n"
                       "  tau_syn_I: [5, 6]\n", 1.3);
    check_estimate(fx, "model: stp_train\nrepeats: 1000\n", 1.3);
    check_estimate(fx, "model: lif_cond\nrepeats: 20000\n", 1.3);
    check_estimate(fx, "model: lif_cond\n"
                       "repeats: 80\n"
                       "sweep:\n"
                       "  exc_rate: {linspace: [1, 100, 100]}\n"
                       "  inh_rate: [1, 2, 5, 10, 20]\n", 1.3);
    check_estimate(fx, "model: lif_cond\n"
                       "repeats: 7\n"
                       "sweep:\n"
                       "  exc_rate: {linspace: [1, 100, 3001]}\n"
                       "  inh_rate: [1, 2, 5, 10, 20]\n"
                       "derived:\n"
                       "  I_sigma: 0.01 * exc_rate\n", 1.3);
    check_estimate(fx, "model: stp_train\nrepeats: 2000000\n", 1.3);
}

/* A part's estimate counts its block's chunks only, and bounds the part's
 * file: a block inside one chunk, one across chunks of partial rows, the
 * last block, and one of a single repeat axis. */
static void h5io_estimate_of_a_part_counts_its_block(void **state)
{
    fixture *fx = *state;
    const char *rows = "model: stp_train\n"
                       "repeats: 20000\n"
                       "sweep:\n"
                       "  rate: {linspace: [5, 50, 100]}\n";
    check_estimate_part(fx, rows, 0, 100, 1.3);
    check_estimate_part(fx, rows, 37, 100, 1.3);
    check_estimate_part(fx, rows, 999, 1000, 1.3);
    check_estimate_part(fx, rows, 3, 7, 1.3);
    check_estimate_part(fx, "model: stp_train\nrepeats: 2000000\n", 5, 9,
                        1.3);
    check_estimate_part(fx, spec_text, 1, 5, 1.3);
    /* proportional: 1/100 of the sweep is under 1/50 of the whole file */
    ss_spec *spec;
    ss_grid *whole, *part;
    load(rows, &spec, &whole);
    ss_shard shard = {42, 100};
    ss_error err;
    assert_int_equal(ss_grid_create_shard(spec, &shard, &part, &err), SS_OK);
    assert_true(ss_h5_estimate_bytes(part) * 50 <
                ss_h5_estimate_bytes(whole));
    ss_grid_free(part);
    ss_grid_free(whole);
    ss_spec_free(spec);
}


/* ---- dimension scales --------------------------------------------------- */

static herr_t scale_name_of(hid_t d, unsigned dim, hid_t scale, void *name)
{
    (void)d;
    (void)dim;
    return H5DSget_scale_name(scale, name, 64) > 0 ? 1 : -1;
}

/* Dataset name of the file at path has, on each dimension i, the one
 * scale dims[i], attached both ways as HDF5's own dimension-scale
 * library (H5DS) sees it (H5DSis_attached checks the dataset's
 * DIMENSION_LIST and the scale's REFERENCE_LIST). */
static void assert_scales(hid_t file, const char *name,
                          const char *const *dims, int rank)
{
    hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
    assert_true(d >= 0);
    for (int i = 0; i < rank; i++) {
        assert_int_equal(H5DSget_num_scales(d, (unsigned)i), 1);
        char got[64] = "";
        assert_int_equal(H5DSiterate_scales(d, (unsigned)i, NULL,
                                            scale_name_of, got), 1);
        if (strcmp(got, dims[i]) != 0)
            fail_msg("%s: dimension %d has scale '%s', not '%s'", name, i,
                     got, dims[i]);
        hid_t scale = H5Dopen2(file, dims[i], H5P_DEFAULT);
        assert_true(scale >= 0);
        assert_int_equal(H5DSis_scale(scale), 1);
        assert_int_equal(H5DSis_attached(d, scale, (unsigned)i), 1);
        H5Dclose(scale);
    }
    H5Dclose(d);
}

/* How many datasets a scale's REFERENCE_LIST names. */
static hssize_t scale_users(hid_t file, const char *name)
{
    hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
    hid_t a = H5Aopen(d, "REFERENCE_LIST", H5P_DEFAULT);
    hid_t sp = H5Aget_space(a);
    hssize_t n = H5Sget_simple_extent_npoints(sp);
    H5Sclose(sp);
    H5Aclose(a);
    H5Dclose(d);
    return n;
}

static void assert_file_scales(const char *path)
{
    static const char *const dims[] = {"rate", "regime", "repeat"};
    static const char *const per_trial[] = {"g1", "g10", "g_ratio",
                                            "status", "done"};
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(file >= 0);
    for (size_t k = 0; k < 5; k++)
        assert_scales(file, per_trial[k], dims, 3);
    assert_scales(file, "tau_syn", dims, 2); /* derived: the points */
    assert_scales(file, "U0", dims + 1, 1);  /* zip members */
    assert_scales(file, "tau_f", dims + 1, 1);
    /* each scale is named by what is attached to it, and nothing else */
    assert_int_equal(scale_users(file, "rate"), 6);
    assert_int_equal(scale_users(file, "regime"), 8);
    assert_int_equal(scale_users(file, "repeat"), 5);
    H5Fclose(file);
}

/* The working file and the finished one have the dimension scales
 * H5DSattach_scale would make (h5io writes those attributes itself, once
 * per dataset and scale): netCDF readers and xarray read dimensions from
 * them. */
static void h5io_dimension_scales_are_attached_as_h5ds_makes_them(
    void **state)
{
    fixture *fx = *state;
    ss_spec *spec;
    ss_grid *grid;
    load("model: stp_train\n"
         "repeats: 3\n"
         "sweep:\n"
         "  rate: [5, 10, 20, 40]\n"
         "  regime:\n"
         "    zip: {U0: [0.5, 0.2], tau_f: [50, 750]}\n"
         "derived:\n"
         "  tau_syn: 0.05 * tau_d\n"
         "metrics: [g1, g10, g_ratio]\n",
         &spec, &grid);
    ss_h5 *f = create(fx->path, grid);
    close_file(f, false);
    assert_file_scales(fx->path); /* the working file */
    ss_error err;
    uint64_t already;
    assert_int_equal(ss_h5_open_resume(fx->path, grid, "fast", &f, &already,
                                       &err),
                     SS_OK);
    write_trials(f, 0, N_TRIALS);
    close_file(f, true);
    assert_file_scales(fx->path); /* the finished, compressed one */
    ss_grid_free(grid);
    ss_spec_free(spec);
}

/* What a second ^C removes (ss_h5_remove_temporaries, from its handler)
 * while the writer thread makes the working file and then the finished
 * file beside it: whenever it comes, nothing but the output is left,
 * although that thread goes on until the process ends. The removal comes
 * after a delay, or as soon as the working file is at its path (when the
 * finished file's directory is about to be made); the pause after it
 * stands for the handler's own work before it ends the process. */
static void h5io_a_second_interrupt_while_the_file_is_made_leaves_no_temporary(
    void **state)
{
    const fixture *fx = *state;
    for (int i = 0; i < 80; i++) {
        bool at_the_path = i % 2;
        long delay_us = (i / 2 % 20) * 200;
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            ss_h5 *f = NULL;
            ss_error err;
            if (ss_h5_create(fx->path, fx->grid, "fast", NULL, false, &f,
                             &err) != SS_OK)
                _exit(3);
            if (at_the_path)
                for (long spin = 0; spin < 100000000L &&
                                    access(fx->path, F_OK) != 0; spin++)
                    ;
            else
                nanosleep(&(struct timespec){.tv_nsec = delay_us * 1000}, NULL);
            ss_h5_remove_temporaries();
            nanosleep(&(struct timespec){.tv_nsec = 3000000L}, NULL);
            _exit(0);
        }
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        DIR *d = opendir(fx->dir);
        assert_non_null(d);
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
                strcmp(e->d_name, "results.h5") == 0)
                continue;
            print_error("removed %s: %s was left\n",
                        at_the_path ? "once the file was at its path"
                                    : "after a delay",
                        e->d_name);
            fail();
        }
        closedir(d);
        unlink(fx->path);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        T(h5io_create_makes_grid_shaped_datasets_nan_and_not_done),
        T(h5io_create_refuses_existing_file_without_force),
        T(h5io_create_with_force_replaces_existing_file),
        T(h5io_write_block_puts_each_value_at_its_trial_position),
        T(h5io_resume_counts_done_and_walks_the_gaps_in_order),
        T(h5io_next_todo_joins_a_gap_across_its_read_window),
        T(h5io_resume_refuses_other_sweep_or_kernel),
        T(h5io_resume_goes_on_with_the_same_sweep_written_otherwise),
        T(h5io_resume_refuses_foreign_files_and_leaves_them_alone),
        T(h5io_close_complete_compacts_keeping_every_value),
        T(h5io_lent_rows_are_read_until_released),
        T(h5io_info_summarises_only_done_trials),
        T(h5io_info_counts_done_trials_with_impossible_metrics),
        T(h5io_info_refuses_a_file_that_is_no_results_file),
        T(h5io_estimate_bounds_the_created_file),
        T(h5io_estimate_of_a_part_counts_its_block),
        T(h5io_part_records_its_shard_and_resumes_only_its_block),
        T(h5io_merge_copies_done_trials_and_refuses_disagreement),
        T(h5io_dimension_scales_are_attached_as_h5ds_makes_them),
        T(h5io_a_second_interrupt_while_the_file_is_made_leaves_no_temporary),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
