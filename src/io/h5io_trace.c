/* One trial's full time series, written to a file of its own. */
#define _POSIX_C_SOURCE 200809L
#include "h5io_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "synsweep/version.h"

/* long_name as a LIF model has it, then as stp_train (one synapse) has it
 * when that differs */
static const struct {
    ss_trace trace;
    const char *name, *units, *long_name, *stp_long_name;
} trace_table[] = {
    {SS_TRACE_V, "v", "mV", "membrane potential", NULL},
    {SS_TRACE_FMP, "fmp", "mV", "free membrane potential (no threshold)",
     NULL},
    {SS_TRACE_GE, "gE", "nS", "total excitatory conductance",
     "synaptic conductance"},
    {SS_TRACE_GI, "gI", "nS", "total inhibitory conductance", NULL},
    {SS_TRACE_I, "I", "pA", "injected current", NULL},
    {SS_TRACE_U, "u", "1", "release probability (mean over excitatory "
                           "synapses)",
     "release probability"},
    {SS_TRACE_R, "R", "1", "available resources (mean over excitatory "
                           "synapses)",
     "available resources"},
    {SS_TRACE_TRAIN, "presynaptic", "1",
     "excitatory presynaptic spikes per bin", "presynaptic spikes per bin"},
};

ss_status ss_h5_write_trace(const char *path, bool force, const ss_grid *grid,
                            uint64_t trial, const ss_params *p,
                            const ss_metrics *met, const ss_model_ws *ws,
                            const char *command_line, ss_error *err)
{
    ss__h5_quiet();
    ss__output o;
    ss_status st = ss__output_begin(&o, path, force, false, err);
    if (st != SS_OK)
        return st;
    /* made beside and renamed when written, as a results file is */
    if ((st = ss__output_make(&o, "creating", err)) != SS_OK) {
        ss__output_end(&o);
        return st;
    }
    errno = 0;
    hid_t file = ss__h5_fcreate(o.temp_file);
    if (file < 0) {
        int e = errno;
        ss__output_end(&o);
        return ss_error_set(err, SS_ERR_IO, "cannot create '%s': %s", path,
                            e ? strerror(e) : "HDF5 error");
    }
    const ss_spec *spec = ss_grid_spec(grid);
    ss_model m = ss_spec_model(spec);
    size_t Lt = ss_model_trace_length(ws);
    size_t n_spikes;
    const double *spike_t = ss_model_spike_times(ws, &n_spikes);
    double *buf = malloc((Lt > n_spikes ? Lt : n_spikes + 1) * sizeof *buf);
    hid_t time = -1, spike = -1;
    int bad = buf == NULL;
    uint64_t idx[SS_GRID_MAX_AXES + 1];
    ss_grid_index(grid, trial, idx);

    for (size_t t = 0; !bad && t < Lt; t++)
        buf[t] = (double)t * p->dt; /* np.arange(0, T, dt) */
    if (!bad) {
        time = ss__h5_dataset_1d(file, "time", H5T_IEEE_F64LE,
                                 H5T_NATIVE_DOUBLE, Lt, buf);
        bad = time < 0 || H5DSset_scale(time, "time") < 0 ||
              ss__h5_attr_string(time, "units", "ms") < 0;
    }
    for (size_t k = 0; !bad && k < sizeof trace_table / sizeof trace_table[0];
         k++) {
        const double *x = ss_model_trace(ws, trace_table[k].trace);
        if (!x)
            continue;
        hid_t d = ss__h5_dataset_1d(file, trace_table[k].name, H5T_IEEE_F64LE,
                                    H5T_NATIVE_DOUBLE, Lt, x);
        const char *long_name = m == SS_MODEL_STP_TRAIN &&
                                        trace_table[k].stp_long_name
                                    ? trace_table[k].stp_long_name
                                    : trace_table[k].long_name;
        bad = d < 0 || H5DSattach_scale(d, time, 0) < 0 ||
              ss__h5_attr_string(d, "units", trace_table[k].units) < 0 ||
              ss__h5_attr_string(d, "long_name", long_name) < 0;
        if (d >= 0)
            H5Dclose(d);
    }
    if (!bad && m != SS_MODEL_STP_TRAIN) {
        spike = ss__h5_index_dataset(file, "spike", n_spikes);
        hid_t d = spike >= 0
                      ? ss__h5_dataset_1d(file, "spike_time", H5T_IEEE_F64LE,
                                          H5T_NATIVE_DOUBLE, n_spikes, spike_t)
                      : -1;
        bad = d < 0 || H5DSset_scale(spike, "spike") < 0 ||
              H5DSattach_scale(d, spike, 0) < 0 ||
              ss__h5_attr_string(d, "units", "ms") < 0 ||
              ss__h5_attr_string(d, "long_name", "output spike times") < 0;
        if (d >= 0)
            H5Dclose(d);
    }
    size_t len;
    const char *text = ss_spec_text(spec, &len);
    bad = bad ||
          ss__h5_attr_string(file, "synsweep_version", SS_VERSION_STRING) < 0 ||
          ss__h5_attr_string(file, "model", ss_model_name(m)) < 0 ||
          ss__h5_attr_string(file, "Conventions", "CF-1.10") < 0 ||
          ss__h5_attr_i64(file, "trial", (int64_t)trial) < 0 ||
          ss__h5_attr_i64(file, "repeat",
                          (int64_t)idx[ss_grid_rank(grid) - 1]) < 0 ||
          ss__h5_attr_seed(file, ss_spec_seed(spec)) < 0 ||
          ss__h5_attr_string(file, "spec", text) < 0 ||
          ss__h5_attr_string(file, "command_line",
                             command_line ? command_line : "") < 0;
    for (int i = 0; !bad && i < SS_PARAM_COUNT; i++) {
        ss_param_id id = (ss_param_id)i;
        if (!ss_param_used_by(id, m))
            continue;
        if (ss_param_info_of(id)->kind == SS_KIND_CHOICE) {
            char word[16];
            ss_param_format_value(id, ss_params_get(p, id), word,
                                  sizeof word);
            bad = ss__h5_attr_string(file, ss_param_info_of(id)->name,
                                     word) < 0;
        } else {
            bad = ss__h5_attr_double(file, ss_param_info_of(id)->name,
                                     ss_params_get(p, id)) < 0;
        }
    }
    for (int i = 0; !bad && i < SS_METRIC_COUNT; i++)
        if (ss_metric_used_by((ss_metric_id)i, m))
            bad = ss__h5_attr_double(file,
                                     ss_metric_info_of((ss_metric_id)i)->name,
                                     met->value[i]) < 0;
    if (spike >= 0)
        H5Dclose(spike);
    if (time >= 0)
        H5Dclose(time);
    free(buf);
    bad |= H5Fclose(file) < 0;
    if (bad) {
        ss__output_end(&o);
        return ss_error_set(err, SS_ERR_IO, "%s: cannot write the trace",
                            path);
    }
    st = ss__output_commit(&o, err);
    ss__output_end(&o);
    return st;
}
