#define _POSIX_C_SOURCE 200809L
/* The trials no part of a sweep holds, as `merge` and `info` say them: the
 * ranges, and the commands that run them (a shard's part with --resume,
 * named as the other parts are named). */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Gap runs said by name, and fill commands printed, at most. */
#define SAID_MAX 8
#define FILL_MAX 64

void cli_gaps_add(void *ctx, uint64_t first, uint64_t n)
{
    cli_gaps *g = ctx;
    if (g->kept < CLI_GAPS_KEPT) {
        g->first[g->kept] = first;
        g->n[g->kept] = n;
        g->kept++;
    }
    g->runs++;
    g->trials += n;
}

void cli_print_gaps(FILE *stream, const cli_gaps *g)
{
    for (size_t i = 0; i < g->kept && i < SAID_MAX; i++) {
        char trials[96];
        cli_format_trials(trials, sizeof trials, g->first[i], g->n[i]);
        fprintf(stream, "%s%s", i ? ", " : "", trials);
    }
    if (g->runs > SAID_MAX)
        fprintf(stream, " and %llu more ranges",
                (unsigned long long)(g->runs - SAID_MAX));
}

/* How the parts are named: the sample's path with the digits of its K at
 * [at, at + len) replaced by another K (zero-padded to width, if > 0). */
typedef struct naming {
    const char *sample;
    size_t at, len;
    int width;
} naming;

static void name_part(const naming *nm, uint64_t k, char *buf, size_t size)
{
    snprintf(buf, size, "%.*s%0*llu%s", (int)nm->at, nm->sample, nm->width,
             (unsigned long long)k, nm->sample + nm->at + nm->len);
}

/* A naming that gives every part of N its own path, taken from the part
 * of the smallest K (the likeliest to show zero-padding); false if there
 * is none (names that do not hold K, say the Slurm task IDs). */
static bool find_naming(const cli_fill_ctx *c, uint64_t N, naming *nm)
{
    const ss_h5_part *best = NULL;
    for (size_t i = 0; i < c->n; i++) {
        const ss_h5_part *p = &c->parts[i];
        if (p->sharded && p->shard.n == N &&
            (!best || p->shard.k < best->shard.k)) {
            best = p;
            nm->sample = c->paths[i];
        }
    }
    if (!best)
        return false;
    /* each run of digits that reads as its K, the last one first (the
     * file name before its directories) */
    const char *s = nm->sample;
    for (size_t end = strlen(s); end > 0;) {
        while (end > 0 && (s[end - 1] < '0' || s[end - 1] > '9'))
            end--;
        size_t at = end;
        while (at > 0 && s[at - 1] >= '0' && s[at - 1] <= '9')
            at--;
        if (at == end)
            break;
        char *stop;
        unsigned long long v = strtoull(s + at, &stop, 10);
        nm->at = at;
        nm->len = end - at;
        nm->width = nm->len > 1 && s[at] == '0' ? (int)nm->len : 0;
        bool fits = v == best->shard.k && end - at <= 19;
        for (size_t i = 0; i < c->n && fits; i++) {
            const ss_h5_part *p = &c->parts[i];
            char path[4200];
            if (!p->sharded || p->shard.n != N)
                continue;
            name_part(nm, p->shard.k, path, sizeof path);
            fits = strcmp(path, c->paths[i]) == 0;
        }
        if (fits)
            return true;
        end = at;
    }
    return false;
}

/* The path of shard k's part: the given part's, else one named as the
 * others, else STEM-shard-K-of-N.h5 beside the first part. */
static void part_path(const cli_fill_ctx *c, const naming *nm, bool named,
                      uint64_t k, uint64_t N, char *buf, size_t size,
                      bool *given)
{
    *given = false;
    for (size_t i = 0; i < c->n; i++) {
        const ss_h5_part *p = &c->parts[i];
        if (p->sharded && p->shard.n == N && p->shard.k == k) {
            snprintf(buf, size, "%s", c->paths[i]);
            *given = true;
            return;
        }
    }
    if (named) {
        name_part(nm, k, buf, size);
        return;
    }
    char stem[256];
    const char *spec = c->sum->spec_file[0] ? c->sum->spec_file : "part";
    ss_spec_file_stem(spec, stem, sizeof stem);
    const char *slash = strrchr(c->paths[0], '/');
    int dir = slash ? (int)(slash - c->paths[0] + 1) : 0;
    snprintf(buf, size, "%.*s%s-shard-%llu-of-%llu.h5", dir, c->paths[0],
             stem, (unsigned long long)k, (unsigned long long)N);
}

/* Calls visit for each shard of N holding a missing trial, in order, at
 * most FILL_MAX times; returns how many shards there are in all (of the
 * runs kept). */
static uint64_t each_shard(const cli_fill_ctx *c, uint64_t N,
                           void (*visit)(const cli_fill_ctx *c, uint64_t k,
                                         uint64_t N, void *ctx),
                           void *ctx)
{
    const cli_gaps *g = c->gaps;
    const uint64_t T = c->sum->trials;
    uint64_t count = 0, visited = 0, last = UINT64_MAX;
    for (size_t i = 0; i < g->kept; i++) {
        const uint64_t a = g->first[i], n = g->n[i];
        uint64_t k0 = ss_shard_of_trial(T, N, a);
        uint64_t k1 = ss_shard_of_trial(T, N, a + n - 1);
        /* N > T: a trial a shard, the shards between them empty */
        count += (N <= T ? k1 - k0 + 1 : n) - (k0 == last);
        for (uint64_t j = 0; j < (N <= T ? k1 - k0 + 1 : n) &&
                             visited < FILL_MAX;
             j++) {
            uint64_t k = N <= T ? k0 + j : ss_shard_of_trial(T, N, a + j);
            if (k != last) {
                visit(c, k, N, ctx);
                visited++;
            }
            last = k;
        }
        last = k1;
    }
    return count;
}

typedef struct {
    naming nm;
    bool named;
    FILE *stream;
    bool only_new; /* for the merge command: the paths of new parts */
} fill_print;

static void print_run(const cli_fill_ctx *c, uint64_t k, uint64_t N,
                      void *ctx)
{
    fill_print *fp = ctx;
    char path[4200];
    bool given;
    part_path(c, &fp->nm, fp->named, k, N, path, sizeof path, &given);
    if (fp->only_new) {
        if (!given) {
            fputc(' ', fp->stream);
            cli_put_shell_word(fp->stream, path);
        }
        return;
    }
    fputs("    synsweep run ", fp->stream);
    cli_put_spec_word(fp->stream, c->sum->spec_file);
    fputs(" -o ", fp->stream);
    cli_put_shell_word(fp->stream, path);
    fprintf(fp->stream, " --shard %llu/%llu --resume",
            (unsigned long long)k, (unsigned long long)N);
    if (strcmp(c->sum->kernel, "fast") != 0)
        fprintf(fp->stream, " --kernel %s", c->sum->kernel);
    fputc('\n', fp->stream);
}

/* A part of the whole sweep (no shard): resuming it runs every trial it
 * lacks, the missing ones among them. */
static const char *whole_part(const cli_fill_ctx *c)
{
    for (size_t i = 0; i < c->n; i++)
        if (!c->parts[i].sharded)
            return c->paths[i];
    return NULL;
}

size_t cli_print_fill(FILE *stream, const cli_fill_ctx *c)
{
    const uint64_t N = c->sum->shard_n;
    fill_print fp = {.stream = stream};
    const char *whole = whole_part(c);
    if (!c->sum->spec_file[0] || c->gaps->runs == 0 || (!N && !whole))
        return 0;
    if (!c->sum->spec_file_matches)
        fprintf(stream,
                "  note: %s, the spec the parts were run from, is not here "
                "or has changed; each part keeps its text (attribute "
                "'spec')\n",
                c->sum->spec_file);
    fprintf(stream, "  to run them:\n");
    uint64_t shards = 1;
    if (N) {
        fp.named = find_naming(c, N, &fp.nm);
        shards = each_shard(c, N, print_run, &fp);
        if (shards > FILL_MAX || c->gaps->runs > c->gaps->kept)
            fprintf(stream, "    (and more: run these, then look again)\n");
    } else {
        fputs("    synsweep run ", stream);
        cli_put_spec_word(stream, c->sum->spec_file);
        fputs(" -o ", stream);
        cli_put_shell_word(stream, whole);
        fputs(" --resume", stream);
        if (strcmp(c->sum->kernel, "fast") != 0)
            fprintf(stream, " --kernel %s", c->sum->kernel);
        fputc('\n', stream);
    }
    if (c->merge_out) {
        fprintf(stream, "  then merge again:\n    synsweep merge -o ");
        cli_put_shell_word(stream, c->merge_out);
        if (c->merge_force)
            fputs(" --force", stream);
        for (size_t i = 0; i < c->n; i++) {
            fputc(' ', stream);
            cli_put_shell_word(stream, c->paths[i]);
        }
        if (N) {
            fp.only_new = true;
            each_shard(c, N, print_run, &fp);
        }
        fputc('\n', stream);
    }
    return (size_t)shards;
}
