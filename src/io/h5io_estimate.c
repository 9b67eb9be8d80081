/* The results file's size before it is made: an upper bound of what
 * ss_h5_create writes (h5io.h says what it counts), for the free-space
 * check and `run --dry-run`. */
#include "h5io_util.h"

#include <math.h>
#include <string.h>

/* Object header, attributes (their strings in the global heap), its
 * dimension-list references and its entry in the root group. */
#define DATASET_ALLOWANCE 4096.0
/* Superblock, root group, the root attributes but the spec text and a
 * command line of up to 4 KiB. */
#define FILE_ALLOWANCE 16384.0
/* One v1 B-tree node indexing chunks: 24 bytes of header, 2K + 1 keys
 * (chunk size, filter mask, rank + 1 offsets), 2K child addresses; HDF5's
 * default K is 32. */
#define BTREE_K 32

static double btree_bytes(size_t rank, double chunks)
{
    double node = 24.0 + (2 * BTREE_K + 1) * (8.0 + 8.0 * (double)(rank + 1)) +
                  2 * BTREE_K * 8.0;
    /* every node but the root is at least half full */
    double nodes = 0;
    do {
        chunks = ceil(chunks / BTREE_K);
        nodes += chunks;
    } while (chunks > 1);
    return nodes * node;
}

/* `chunks` chunks of per_chunk elements of `size` bytes each, and their
 * index. Compressed chunks (the derived coordinates) may grow by
 * deflate's worst case, 0.1% and a few bytes. */
static double chunks_bytes(size_t rank, double chunks, double per_chunk,
                           double size, bool compressed)
{
    double bytes = chunks * per_chunk * size;
    if (compressed)
        bytes += bytes / 512 + 64 * chunks;
    return bytes + btree_bytes(rank, chunks);
}

/* A chunked dataset of the given shape, element size bytes, `copies`
 * times: its chunks allocated whole (the last one along each dimension
 * padded) and a chunk index each. Compressed chunks (the derived
 * coordinates) may grow by deflate's worst case, 0.1% and a few bytes. */
static double chunked_bytes(size_t rank, const uint64_t *shape, double size,
                            double copies, bool compressed)
{
    if (rank == 0)
        return copies * size;
    uint64_t chunk[SS_GRID_MAX_AXES + 1];
    double per_chunk = (double)ss__h5_chunk_shape(rank, shape, chunk);
    double chunks = 1;
    for (size_t d = 0; d < rank; d++)
        chunks *= ceil((double)shape[d] / (double)chunk[d]);
    return copies * chunks_bytes(rank, chunks, per_chunk, size, compressed);
}

/* The same, uncompressed, with only the chunks that hold trials
 * [first, first + n) allocated (a shard's part). */
static double block_bytes(size_t rank, const uint64_t *shape, double size,
                          double copies, uint64_t first, uint64_t n)
{
    uint64_t chunk[SS_GRID_MAX_AXES + 1];
    double per_chunk = (double)ss__h5_chunk_shape(rank, shape, chunk);
    double chunks = (double)ss__h5_chunks_of_run(rank, shape, first, n);
    return copies * chunks_bytes(rank, chunks, per_chunk, size, false);
}

/* A 1-D coordinate of n values of param (strings for `input`: a heap
 * reference and a heap object of a short word each). */
static double member_bytes(const ss_axis_member *m, uint64_t n)
{
    return (double)n * (m->param != SS_PARAM_COUNT &&
                                ss_param_info_of(m->param)->kind ==
                                    SS_KIND_CHOICE
                            ? 16.0 + 32.0
                            : 8.0);
}

double ss_h5_estimate_bytes(const ss_grid *grid)
{
    const ss_spec *spec = ss_grid_spec(grid);
    size_t rank = ss_grid_rank(grid);
    const uint64_t *shape = ss_grid_shape(grid);
    double datasets = 0, bytes = 0;
    size_t names = 0; /* the metrics' `coordinates` attribute */

    for (size_t a = 0; a < ss_spec_axis_count(spec); a++) {
        const ss_axis *ax = ss_spec_axis(spec, a);
        bytes += ax->zip ? 8.0 * (double)ax->n
                         : member_bytes(&ax->members[0], ax->n);
        for (size_t i = 0; ax->labels && i < ax->n; i++)
            bytes += 48.0 + (double)strlen(ax->labels[i]);
        datasets++;
        for (size_t k = 0; ax->zip && k < ax->n_members; k++) {
            bytes += member_bytes(&ax->members[k], ax->n);
            names += strlen(ax->members[k].name) + 1;
            datasets++;
        }
    }
    bytes += 8.0 * (double)ss_spec_repeats(spec); /* the repeat coordinate */
    datasets++;

    size_t nd = ss_spec_derived_count(spec);
    for (size_t k = 0; k < nd; k++) {
        bytes += chunked_bytes(rank - 1, shape, 8, 1, true);
        names += strlen(ss_param_info_of(ss_spec_derived_param(spec, k))
                            ->name) + 1;
        datasets++;
    }

    int metrics = 0;
    for (int i = 0; i < SS_METRIC_COUNT; i++)
        if (ss_metric_used_by((ss_metric_id)i, ss_spec_model(spec)) &&
            ss_spec_metric_selected(spec, (ss_metric_id)i))
            metrics++;
    /* the metrics (float64), status and done (uint8) share one chunk
     * shape */
    uint64_t first, count;
    ss_grid_block(grid, &first, &count);
    if (count < ss_grid_trials(grid)) /* a part: its block's chunks only */
        bytes += block_bytes(rank, shape, 8, metrics, first, count) +
                 block_bytes(rank, shape, 1, 2, first, count);
    else
        bytes += chunked_bytes(rank, shape, 8, metrics, false) +
                 chunked_bytes(rank, shape, 1, 2, false);
    datasets += metrics + 2;

    size_t text;
    ss_spec_text(spec, &text);
    /* each dataset's attributes and references, the coordinates
     * attribute of each metric, the spec text (an attribute, in the
     * global heap) and the fixed parameters' attributes */
    bytes += datasets * (DATASET_ALLOWANCE + 64.0 * (double)rank) +
             (double)metrics * (double)names + 2.0 * (double)text +
             128.0 * SS_PARAM_COUNT + FILE_ALLOWANCE;
    return bytes;
}
