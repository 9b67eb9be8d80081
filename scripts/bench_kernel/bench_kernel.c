/* synsweep-bench-kernel: the fast kernels alone, without the results file.
 *
 *   synsweep-bench-kernel MODEL TRIALS [NAME=VALUE ...]
 *
 * Runs TRIALS repeats of one parameter point of MODEL (the defaults, with
 * the assignments given) through ss_model_run_fast on one thread, SS_MODEL_
 * LANES at a time as `synsweep run` does, and prints one JSON line: the
 * trials per second and nanoseconds per time step per trial of the whole
 * run and of its fastest batch of 64 trials (on a shared machine, the
 * kernels' own cost), the clock of this core measured beside them, and the
 * cycles per time step per trial of the fastest batch at that clock.
 *
 * The clock: the processor's cycle counter is often out of reach (a virtual
 * machine without a performance-monitoring unit: `perf stat` says "cycles
 * <not supported>"), so on x86-64 the clock is measured as the rate of a
 * chain of dependent integer additions, each one cycle of latency on every
 * x86-64 core since the Pentium 4, timed before and after the trials (the
 * faster of the two). Elsewhere it is read from /proc/cpuinfo ("cpu MHz"),
 * and the output says which. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "synsweep/model.h"
#include "synsweep/params.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

#if defined(__x86_64__) && defined(__GNUC__)
/* GHz: 64 dependent one-cycle additions per iteration, the best of 20
 * runs of about 1 ms (the loop's own add and branch run beside the chain;
 * on a shared machine some runs lose the processor for a while). */
static double clock_ghz(const char **how)
{
    const unsigned long iters = 50000;
    double best = 0;
    for (int r = 0; r < 20; r++) {
        unsigned long x = 1;
        double t0 = now();
        for (unsigned long i = 0; i < iters; i++)
            __asm__ volatile(
                ".rept 64\n\tadd %0, %0\n\t.endr" : "+r"(x));
        double ghz = 64e-9 * (double)iters / (now() - t0);
        if (ghz > best)
            best = ghz;
    }
    *how = "measured";
    return best;
}
#else
static double clock_ghz(const char **how)
{
    double mhz = 0;
    char line[256];
    FILE *f = fopen("/proc/cpuinfo", "r");
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "cpu MHz", 7) == 0) {
            const char *colon = strchr(line, ':');
            mhz = colon ? atof(colon + 1) : 0;
            break;
        }
    if (f)
        fclose(f);
    *how = "/proc/cpuinfo";
    return mhz / 1e3;
}
#endif

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: synsweep-bench-kernel MODEL TRIALS "
                        "[NAME=VALUE ...]\n");
        return 2;
    }
    ss_model m = ss_model_from_name(argv[1]);
    if (m == SS_MODEL_COUNT) {
        fprintf(stderr, "synsweep-bench-kernel: no model '%s'\n", argv[1]);
        return 2;
    }
    char *end;
    unsigned long long trials = strtoull(argv[2], &end, 10);
    if (*end || trials == 0) {
        fprintf(stderr, "synsweep-bench-kernel: TRIALS must be a positive "
                        "integer (got '%s')\n", argv[2]);
        return 2;
    }
    ss_params p;
    ss_error err;
    ss_params_defaults(m, &p);
    for (int i = 3; i < argc; i++)
        if (ss_params_assign(m, &p, argv[i], &err) != SS_OK ||
            ss_params_validate(m, &p, &err) != SS_OK) {
            fprintf(stderr, "synsweep-bench-kernel: %s: %s\n", argv[i],
                    err.message);
            return 2;
        }
    ss_model_ws *ws = ss_model_ws_create();
    if (!ws) {
        fprintf(stderr, "synsweep-bench-kernel: out of memory\n");
        return 1;
    }
    ss_params ps[SS_MODEL_LANES];
    ss_rng_stream s[SS_MODEL_LANES];
    ss_metrics out[SS_MODEL_LANES];
    for (size_t l = 0; l < SS_MODEL_LANES; l++)
        ps[l] = p;

    ss_rng_stream key;
    ss_model_trial_stream(m, &p, 1, 0, false, &key);
    const char *how;
    double ghz = clock_ghz(&how);
    /* batches of BATCH trials timed apart: the fastest is the kernels' cost
     * when they had the core to themselves (the cycles come from it) */
    enum { BATCH = 8 * SS_MODEL_LANES };
    double t0 = now(), batch_start = t0, best_batch = 0;
    for (unsigned long long r = 0; r < trials; r += SS_MODEL_LANES) {
        size_t n = trials - r < SS_MODEL_LANES ? (size_t)(trials - r)
                                               : SS_MODEL_LANES;
        for (size_t l = 0; l < n; l++) /* as `synsweep run`: keyed once */
            ss_rng_stream_init(&s[l], key.key[0], key.key[1], r + l);
        if (ss_model_run_fast_checked(m, n, ps, s, ws, out, &err) != SS_OK) {
            fprintf(stderr, "synsweep-bench-kernel: %s\n", err.message);
            ss_model_ws_free(ws);
            return 1;
        }
        if ((r + n) % BATCH == 0) {
            double t = now(), dt = t - batch_start;
            if (best_batch == 0 || dt < best_batch)
                best_batch = dt;
            batch_start = t;
        }
    }
    double seconds = now() - t0;
    if (best_batch == 0) /* fewer trials than a batch */
        best_batch = seconds * BATCH / (double)trials;
    const char *how2;
    double ghz2 = clock_ghz(&how2);
    if (ghz2 > ghz)
        ghz = ghz2;
    ss_model_ws_free(ws);

    double steps = (double)ss_params_time_bins(m, &p);
    double ns = 1e9 * seconds / ((double)trials * steps);
    double ns_best = 1e9 * best_batch / (BATCH * steps);
    printf("{\"model\": \"%s\", \"trials\": %llu, \"seconds\": %.6f, "
           "\"trials_per_s\": %.1f, \"steps_per_trial\": %.0f, "
           "\"ns_per_trial_step\": %.5f, \"best_trials_per_s\": %.1f, "
           "\"best_ns_per_trial_step\": %.5f, \"clock_ghz\": %.3f, "
           "\"clock\": \"%s\", \"cycles_per_trial_step\": %.4f}\n",
           ss_model_name(m), trials, seconds, (double)trials / seconds,
           steps, ns, BATCH / best_batch, ns_best, ghz, how, ns_best * ghz);
    return 0;
}
