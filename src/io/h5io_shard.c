/* A part's shard in its results file: the root attributes `shard` ("K/N"),
 * `shard_first` and `shard_count` (its block of trials), written when the
 * grid is a shard's, read back by resume, info and merge. */
#define _POSIX_C_SOURCE 200809L
#include "h5io_util.h"

#include <stdio.h>
#include <string.h>

#include <hdf5.h>

void ss__h5_shard_text(const ss_shard *shard, char *buf, size_t size)
{
    if (shard)
        snprintf(buf, size, "%llu/%llu", (unsigned long long)shard->k,
                 (unsigned long long)shard->n);
    else
        snprintf(buf, size, "%s", "");
}

int ss__h5_write_shard(hid_t file, const ss_grid *grid)
{
    const ss_shard *shard = ss_grid_shard(grid);
    if (!shard)
        return 0; /* a whole sweep's file has none, as before shards */
    char text[48];
    uint64_t first, count;
    ss__h5_shard_text(shard, text, sizeof text);
    ss_grid_block(grid, &first, &count);
    return ss__h5_attr_string(file, "shard", text) < 0 ||
                   ss__h5_attr_i64(file, "shard_first", (int64_t)first) < 0 ||
                   ss__h5_attr_i64(file, "shard_count", (int64_t)count) < 0
               ? -1
               : 0;
}

ss_status ss__h5_read_shard(hid_t file, uint64_t trials, const char *path,
                            bool *sharded, ss_shard *shard, uint64_t *first,
                            uint64_t *count, ss_error *err)
{
    char text[64];
    ss__h5_attr_read_string(file, "shard", text, sizeof text);
    *sharded = text[0] != '\0';
    *first = 0;
    *count = trials;
    shard->k = 0;
    shard->n = 1;
    if (!*sharded)
        return SS_OK;
    uint64_t want_first, want_count;
    if (ss_shard_parse(text, shard, NULL) != SS_OK)
        return ss_error_set(err, SS_ERR_IO,
                            "%s: its shard attribute '%s' is no K/N", path,
                            text);
    ss_shard_range(trials, shard->k, shard->n, &want_first, &want_count);
    *first = ss__h5_attr_read_u64(file, "shard_first");
    *count = ss__h5_attr_read_u64(file, "shard_count");
    if (*first != want_first || *count != want_count)
        return ss_error_set(err, SS_ERR_IO,
                            "%s: shard %s of %llu trials is trials "
                            "[%llu, %llu), but the file says [%llu, %llu): "
                            "a damaged file",
                            path, text, (unsigned long long)trials,
                            (unsigned long long)want_first,
                            (unsigned long long)(want_first + want_count),
                            (unsigned long long)*first,
                            (unsigned long long)(*first + *count));
    return SS_OK;
}

ss_status ss__h5_check_shard(hid_t file, const ss_grid *grid,
                             const char *path, ss_error *err)
{
    char have[64], want[48];
    ss__h5_attr_read_string(file, "shard", have, sizeof have);
    ss__h5_shard_text(ss_grid_shard(grid), want, sizeof want);
    if (strcmp(have, want) == 0)
        return SS_OK;
    ss_error_set(err, SS_ERR_USAGE,
                 "cannot resume '%s': it holds %s%s of the sweep, not %s%s",
                 path, have[0] ? "shard " : "every trial", have,
                 want[0] ? "shard " : "every trial", want);
    if (have[0])
        ss_error_hint(err, "add --shard %s", have);
    else
        ss_error_hint(err, "leave out --shard");
    return SS_ERR_USAGE;
}
