/* Shards of a sweep: the block of trials each of n parts runs, and which
 * shard a Slurm array task is. Pure arithmetic on trial indices. */
#include "synsweep/grid.h"

#include <stdbool.h>
#include <string.h>

/* k * T and (t + 1) * n reach 2^128: products in 128 bits. */
__extension__ typedef unsigned __int128 u128;

void ss_shard_range(uint64_t trials, uint64_t k, uint64_t n, uint64_t *first,
                    uint64_t *count)
{
    uint64_t a = (uint64_t)((u128)k * trials / n);
    uint64_t b = (uint64_t)((u128)(k + 1) * trials / n);
    *first = a;
    *count = b - a;
}

uint64_t ss_shard_of_trial(uint64_t trials, uint64_t n, uint64_t trial)
{
    /* floor(k * T / n) <= t  <=>  k * T < (t + 1) * n */
    return (uint64_t)(((u128)(trial + 1) * n - 1) / trials);
}

/* A whole number in decimal digits only (no sign, no blank), below 2^64. */
static bool parse_u64(const char *text, size_t len, uint64_t *out)
{
    if (len == 0 || len > 20)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        uint64_t d = (uint64_t)(text[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

ss_status ss_shard_parse(const char *text, ss_shard *out, ss_error *err)
{
    const char *slash = strchr(text, '/');
    uint64_t k, n;
    if (!slash || !parse_u64(text, (size_t)(slash - text), &k) ||
        !parse_u64(slash + 1, strlen(slash + 1), &n))
        return ss_error_set(err, SS_ERR_USAGE,
                            "a shard is K/N, two whole numbers (got '%s')",
                            text);
    if (n == 0 || k >= n)
        return ss_error_set(err, SS_ERR_USAGE,
                            "a shard K/N needs 0 <= K < N (got '%s')", text);
    out->k = k;
    out->n = n;
    return SS_OK;
}

/* One of the array's variables: value (NULL when unset) into *out. */
static ss_status slurm_value(const char *name, const char *value,
                             uint64_t *out, ss_error *err)
{
    if (!value)
        return ss_error_set(err, SS_ERR_USAGE,
                            "--shard auto: %s is not set: not a task of a "
                            "Slurm job array",
                            name);
    if (!parse_u64(value, strlen(value), out))
        return ss_error_set(err, SS_ERR_USAGE,
                            "--shard auto: %s is not a whole number (got "
                            "'%s')",
                            name, value);
    return SS_OK;
}

ss_status ss_shard_from_slurm(const char *id, const char *min,
                              const char *step, const char *count,
                              ss_shard *out, ss_error *err)
{
    uint64_t i, lo, s = 1, n;
    ss_status st;
    if ((st = slurm_value("SLURM_ARRAY_TASK_ID", id, &i, err)) != SS_OK ||
        (st = slurm_value("SLURM_ARRAY_TASK_MIN", min, &lo, err)) != SS_OK ||
        (step && (st = slurm_value("SLURM_ARRAY_TASK_STEP", step, &s,
                                   err)) != SS_OK) ||
        (st = slurm_value("SLURM_ARRAY_TASK_COUNT", count, &n, err)) !=
            SS_OK)
        return st;
    if (s == 0)
        return ss_error_set(err, SS_ERR_USAGE,
                            "--shard auto: SLURM_ARRAY_TASK_STEP is 0");
    if (n == 0)
        return ss_error_set(err, SS_ERR_USAGE,
                            "--shard auto: SLURM_ARRAY_TASK_COUNT is 0");
    if (i < lo)
        return ss_error_set(err, SS_ERR_USAGE,
                            "--shard auto: SLURM_ARRAY_TASK_ID=%llu is below "
                            "SLURM_ARRAY_TASK_MIN=%llu",
                            (unsigned long long)i, (unsigned long long)lo);
    if ((i - lo) % s != 0)
        return ss_error_set(err, SS_ERR_USAGE,
                            "--shard auto: SLURM_ARRAY_TASK_ID=%llu is not "
                            "SLURM_ARRAY_TASK_MIN=%llu plus a multiple of "
                            "SLURM_ARRAY_TASK_STEP=%llu (an array given as a "
                            "list? use --shard K/N)",
                            (unsigned long long)i, (unsigned long long)lo,
                            (unsigned long long)s);
    uint64_t k = (i - lo) / s;
    if (k >= n)
        return ss_error_set(err, SS_ERR_USAGE,
                            "--shard auto: SLURM_ARRAY_TASK_ID=%llu is task "
                            "%llu of the array, not below "
                            "SLURM_ARRAY_TASK_COUNT=%llu",
                            (unsigned long long)i, (unsigned long long)k,
                            (unsigned long long)n);
    out->k = k;
    out->n = n;
    return SS_OK;
}
