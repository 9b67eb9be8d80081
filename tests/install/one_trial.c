/* A program of synsweep's users, built against an installed synsweep: one
 * trial of stp_train through the core, its metrics printed as `synsweep
 * trial` prints them; and a call into each of the other libraries, so that
 * every one of them (and what it uses: libyaml, HDF5, OpenMP) links. */
#include <stdio.h>
#include <string.h>

#include <synsweep/grid.h>
#include <synsweep/h5io.h>
#include <synsweep/model.h>
#include <synsweep/run.h>
#include <synsweep/spec.h>
#include <synsweep/version.h>

static int fail(const ss_error *err)
{
    fprintf(stderr, "one_trial: %s\n", err->message);
    return 1;
}

int main(void)
{
    ss_error err;
    ss_error_clear(&err);
    const ss_model m = SS_MODEL_STP_TRAIN;
    ss_params p;
    ss_params_defaults(m, &p);
    if (ss_params_assign(m, &p, "rate=20", &err) != SS_OK)
        return fail(&err);
    ss_rng_stream s;
    ss_model_trial_stream(m, &p, 0, 0, false, &s);
    ss_model_ws *ws = ss_model_ws_create();
    ss_metrics met;
    if (!ws || ss_model_run_kernel(SS_KERNEL_FAST, m, &p, &s, ws, &met,
                                   &err) != SS_OK)
        return fail(&err);
    ss_model_ws_free(ws);
    char buf[4096];
    ss_metrics_format(m, &met, false, buf, sizeof buf);
    fputs(buf, stdout);

    static const char spec_text[] = "model: stp_train\nsweep: {rate: [10, 20]}\n";
    ss_spec *spec;
    ss_grid *grid;
    if (ss_spec_load_string(spec_text, strlen(spec_text), "x.yaml", &spec,
                            &err) != SS_OK ||
        ss_grid_create(spec, &grid, &err) != SS_OK)
        return fail(&err);
    ss_run_options opt = {.threads = 3};
    fprintf(stderr, "synsweep %s: %llu trials, ~%.0f bytes, %d threads\n",
            SS_VERSION_STRING, (unsigned long long)ss_grid_trials(grid),
            ss_h5_estimate_bytes(grid), ss_run_threads(&opt));
    ss_grid_free(grid);
    ss_spec_free(spec);
    return 0;
}
