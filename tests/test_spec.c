#define _POSIX_C_SOURCE 200809L

#include "testutil.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "synsweep/metrics.h"
#include "synsweep/params.h"
#include "synsweep/spec.h"

static ss_spec *load_named(const char *text, const char *file)
{
    ss_spec *spec = NULL;
    ss_error err;
    ss_error_clear(&err);
    if (ss_spec_load_string(text, strlen(text), file, &spec, &err) != SS_OK) {
        print_error("spec failed to load: %s:%d:%d: %s (hint: %s)\n",
                    err.file, err.line, err.column, err.message, err.hint);
        fail();
    }
    assert_non_null(spec);
    return spec;
}

static ss_spec *load(const char *text)
{
    return load_named(text, "inline.yaml");
}

/* The spec fails with SS_ERR_SPEC at line:column with needle in the
 * message and (if given) hint as the hint. */
static void load_fails(const char *text, int line, int column,
                       const char *needle, const char *hint)
{
    ss_spec *spec = (ss_spec *)&spec; /* must come back NULL */
    ss_error err;
    ss_error_clear(&err);
    ss_status s = ss_spec_load_string(text, strlen(text), "inline.yaml",
                                      &spec, &err);
    assert_null(spec);
    if (s != SS_ERR_SPEC || err.line != line || err.column != column ||
        !strstr(err.message, needle) || strcmp(err.file, "inline.yaml")) {
        print_error("got %s %s:%d:%d: %s\nexpected SS_ERR_SPEC %d:%d: "
                    "...%s...\nin:\n%s\n",
                    ss_status_name(s), err.file, err.line, err.column,
                    err.message, line, column, needle, text);
        fail();
    }
    if (hint && strcmp(err.hint, hint)) {
        print_error("hint '%s', expected '%s'\n", err.hint, hint);
        fail();
    }
}

static const double *values_of(const ss_spec *spec, size_t axis,
                               size_t member, size_t n)
{
    const ss_axis *ax = ss_spec_axis(spec, axis);
    assert_non_null(ax);
    assert_int_equal(ax->n, n);
    assert_true(member < ax->n_members);
    return ax->members[member].values;
}

/* ---- good specs ------------------------------------------------------- */

static void spec_reads_every_top_level_key(void **state)
{
    (void)state;
    ss_spec *spec = load("name: stp_regimes\n"
                         "description: g10/g1 against presynaptic rate\n"
                         "model: stp_train\n"
                         "seed: 18446744073709551615\n"
                         "streams: common\n"
                         "repeats: 3\n"
                         "fixed: {g_bar: 1.37, input: poisson}\n"
                         "sweep:\n"
                         "  rate: {range: [2, 40, 2]}\n"
                         "metrics: [g10, g1]\n");
    assert_string_equal(ss_spec_name(spec), "stp_regimes");
    assert_string_equal(ss_spec_description(spec),
                        "g10/g1 against presynaptic rate");
    assert_int_equal(ss_spec_model(spec), SS_MODEL_STP_TRAIN);
    assert_true(ss_spec_seed(spec) == UINT64_MAX);
    assert_true(ss_spec_common_streams(spec));
    assert_int_equal(ss_spec_repeats(spec), 3);
    assert_close(ss_spec_fixed(spec)->g_bar, 1.37, 0, 0);
    assert_close(ss_spec_fixed(spec)->input, SS_INPUT_POISSON, 0, 0);
    assert_close(ss_spec_fixed(spec)->U0, 0.5, 0, 0); /* the default */
    assert_true(ss_spec_metric_selected(spec, SS_MET_g1));
    assert_true(ss_spec_metric_selected(spec, SS_MET_g10));
    assert_false(ss_spec_metric_selected(spec, SS_MET_g_ratio));
    assert_false(ss_spec_metric_selected(spec, SS_MET_firing_rate));
    assert_int_equal(ss_spec_point_count(spec), 20);
    assert_int_equal(ss_spec_trial_count(spec), 60);
    ss_spec_free(spec);
}

static void spec_defaults_when_keys_are_absent(void **state)
{
    (void)state;
    ss_spec *spec = load_named("model: lif_cond\n", "sweeps/lif.demo.yaml");
    assert_string_equal(ss_spec_name(spec), "lif.demo");
    assert_string_equal(ss_spec_file(spec), "sweeps/lif.demo.yaml");
    assert_string_equal(ss_spec_description(spec), "");
    assert_int_equal(ss_spec_seed(spec), 0);
    assert_int_equal(ss_spec_repeats(spec), 1);
    assert_false(ss_spec_common_streams(spec));
    assert_int_equal(ss_spec_axis_count(spec), 0);
    assert_null(ss_spec_axis(spec, 0));
    assert_int_equal(ss_spec_derived_count(spec), 0);
    assert_int_equal(ss_spec_point_count(spec), 1);
    assert_int_equal(ss_spec_trial_count(spec), 1);
    for (int i = 0; i < SS_METRIC_COUNT; i++)
        assert_int_equal(ss_spec_metric_selected(spec, (ss_metric_id)i),
                         ss_metric_used_by((ss_metric_id)i,
                                           SS_MODEL_LIF_COND));
    ss_params def;
    ss_params_defaults(SS_MODEL_LIF_COND, &def);
    assert_memory_equal(ss_spec_fixed(spec), &def, sizeof def);
    ss_params p;
    size_t none = 0;
    assert_int_equal(ss_spec_point(spec, &none, &p, NULL, NULL), SS_OK);
    assert_memory_equal(&p, &def, sizeof def);
    ss_spec_free(spec);

    /* empty sections mean "none" */
    spec = load_named("model: stp_train\nfixed:\nsweep:\nderived: ~\n",
                      "plain");
    assert_string_equal(ss_spec_name(spec), "plain");
    assert_int_equal(ss_spec_axis_count(spec), 0);
    assert_int_equal(ss_spec_point_count(spec), 1);
    ss_spec_free(spec);
    ss_spec_free(NULL);
}

/* ss_spec_file_stem as snprintf: the stem's full length, at most size
 * bytes written, NUL-terminated. */
static void stem_is(const char *path, const char *stem)
{
    char buf[64];
    memset(buf, '#', sizeof buf);
    assert_int_equal(ss_spec_file_stem(path, buf, sizeof buf), strlen(stem));
    assert_string_equal(buf, stem);
    assert_int_equal(ss_spec_file_stem(path, NULL, 0), strlen(stem));
}

static void spec_file_stem_drops_directories_and_the_last_extension(
    void **state)
{
    (void)state;
    stem_is("sweeps/stp_regimes.yaml", "stp_regimes");
    stem_is("/a.d/b/lif.demo.yaml", "lif.demo");
    stem_is("plain", "plain");
    stem_is("dir.d/noext", "noext");
    stem_is(".hidden", ".hidden");
    stem_is("x/.hidden.yaml", ".hidden");
    stem_is("trailing.", "trailing");
    stem_is("dir/", "");
    stem_is("", "");

    /* cut to the buffer, the full length returned */
    char small[4];
    assert_int_equal(ss_spec_file_stem("s/stp_regimes.yaml", small,
                                       sizeof small),
                     11);
    assert_string_equal(small, "stp");
    char one[1] = {'#'};
    assert_int_equal(ss_spec_file_stem("abc.yaml", one, 1), 3);
    assert_int_equal(one[0], '\0');
}

static void spec_keeps_the_text_verbatim(void **state)
{
    (void)state;
    const char *text = "# a comment that matters to nobody\n"
                       "model:   stp_train   # trailing\n"
                       "sweep: {rate: [5, 10]}";
    ss_spec *spec = load(text);
    size_t len = 0;
    assert_string_equal(ss_spec_text(spec, &len), text);
    assert_int_equal(len, strlen(text));
    assert_string_equal(ss_spec_file(spec), "inline.yaml");
    assert_string_equal(ss_spec_name(spec), "inline");
    ss_spec_free(spec);
}

static void spec_range_includes_stop_within_a_tolerance(void **state)
{
    (void)state;
    ss_spec *spec = load("model: lif_cond\n"
                         "sweep:\n"
                         "  exc_rate: {range: [2, 40, 2]}\n"
                         "  I_inj: {range: [0, 1, 0.1]}\n"
                         "  V_th: {range: [-50, -51, -0.25]}\n"
                         "  tau_m: {range: [5, 5.95, 0.1]}\n"
                         "  g_L: {range: [7.5, 7.5, 3]}\n");
    const double *v = values_of(spec, 0, 0, 20);
    for (size_t i = 0; i < 20; i++)
        assert_close(v[i], 2.0 + 2.0 * (double)i, 0, 0);
    v = values_of(spec, 1, 0, 11);
    for (size_t i = 0; i < 11; i++)
        assert_close(v[i], 0.1 * (double)i, 1e-15, 1e-15);
    assert_close(v[10], 1.0, 0, 1e-12);
    v = values_of(spec, 2, 0, 5);
    assert_close(v[0], -50.0, 0, 0);
    assert_close(v[4], -51.0, 0, 0);
    v = values_of(spec, 3, 0, 10); /* 5.95 is not reached */
    assert_close(v[9], 5.9, 1e-15, 0);
    v = values_of(spec, 4, 0, 1);
    assert_close(v[0], 7.5, 0, 0);
    assert_int_equal(ss_spec_point_count(spec), 20 * 11 * 5 * 10 * 1);
    ss_spec_free(spec);
}

static void spec_linspace_and_geomspace_follow_numpy(void **state)
{
    (void)state;
    ss_spec *spec = load("model: lif_cond\n"
                         "sweep:\n"
                         "  exc_rate: {linspace: [5, 25, 5]}\n"
                         "  I_inj: {linspace: [0, 1, 4]}\n"
                         "  V_th: {linspace: [-52.5, 0, 1]}\n"
                         "  gE_bar: {geomspace: [0.5, 8, 5]}\n"
                         "  V_init: {geomspace: [-1, -1000, 4]}\n"
                         "  tau_m: {geomspace: [0.3, 70.1, 7]}\n");
    const double *v = values_of(spec, 0, 0, 5);
    for (size_t i = 0; i < 5; i++)
        assert_close(v[i], 5.0 + 5.0 * (double)i, 0, 0);
    v = values_of(spec, 1, 0, 4);
    assert_close(v[0], 0.0, 0, 0);
    assert_close(v[1], 1.0 / 3.0, 1e-15, 0);
    assert_close(v[2], 2.0 / 3.0, 1e-15, 0);
    assert_true(v[3] == 1.0);
    v = values_of(spec, 2, 0, 1); /* num = 1 gives [start] */
    assert_close(v[0], -52.5, 0, 0);
    v = values_of(spec, 3, 0, 5);
    for (size_t i = 0; i < 5; i++)
        assert_close(v[i], 0.5 * pow(2.0, (double)i), 1e-15, 0);
    v = values_of(spec, 4, 0, 4);
    assert_close(v[1], -10.0, 1e-14, 0);
    assert_close(v[2], -100.0, 1e-14, 0);
    assert_true(v[3] == -1000.0);
    v = values_of(spec, 5, 0, 7); /* endpoints exact, ratios equal */
    assert_true(v[0] == 0.3);
    assert_true(v[6] == 70.1);
    for (size_t i = 1; i < 7; i++)
        assert_close(v[i] / v[i - 1], pow(70.1 / 0.3, 1.0 / 6.0), 1e-13, 0);
    ss_spec_free(spec);
}

/* range and linspace give the doubles of the decimals a person writes:
 * the C compiler's own reading of 0.6 is the double nearest 0.6, which
 * numpy's 0.2 + 2 * 0.2 (0.6000000000000001) is not. */
static void spec_range_and_linspace_give_values_as_written(void **state)
{
    (void)state;
    assert_true(0.2 + 2.0 * 0.2 != 0.6 && 0.0 + 7.0 * 0.1 != 0.7 &&
                -0.3 + 0.1 != -0.2); /* what the test would otherwise miss */
    ss_spec *spec = load("model: lif_cond\n"
                         "sweep:\n"
                         "  I_inj: {range: [0.1, 1.0, 0.1]}\n"
                         "  tau_ratio: {range: [0.2, 1.0, 0.2]}\n"
                         "  V_th: {range: [-0.3, 0.3, 0.1]}\n"
                         "  gE_bar: {range: [1e-3, 5E-3, 1e-3]}\n"
                         "  tau_m: {range: [12.5, 10, -0.75]}\n"
                         "  I_sigma: {linspace: [0, 1, 11]}\n"
                         "  gI_bar: {linspace: [0, 1, 3]}\n"
                         "  E_L: {linspace: [-70.5, -70.2, 4]}\n"
                         "derived:\n"
                         "  tau_syn_E: 2 * tau_ratio\n");
    static const double i_inj[] = {0.1, 0.2, 0.3, 0.4, 0.5,
                                   0.6, 0.7, 0.8, 0.9, 1.0};
    static const double ratio[] = {0.2, 0.4, 0.6, 0.8, 1.0};
    static const double v_th[] = {-0.3, -0.2, -0.1, 0.0, 0.1, 0.2, 0.3};
    static const double ge[] = {0.001, 0.002, 0.003, 0.004, 0.005};
    static const double tau_m[] = {12.5, 11.75, 11.0, 10.25};
    static const double g_l[] = {0.0, 0.1, 0.2, 0.3, 0.4, 0.5,
                                 0.6, 0.7, 0.8, 0.9, 1.0};
    static const double gi[] = {0.0, 0.5, 1.0};
    static const double e_l[] = {-70.5, -70.4, -70.3, -70.2};
    const struct {
        const double *want;
        size_t n;
    } axes[] = {{i_inj, 10}, {ratio, 5}, {v_th, 7}, {ge, 5},
                {tau_m, 4},  {g_l, 11},  {gi, 3},   {e_l, 4}};
    for (size_t a = 0; a < sizeof axes / sizeof axes[0]; a++) {
        const double *v = values_of(spec, a, 0, axes[a].n);
        for (size_t i = 0; i < axes[a].n; i++)
            if (v[i] != axes[a].want[i]) {
                print_error("axis %zu value %zu: %.17g, expected %.17g\n", a,
                            i, v[i], axes[a].want[i]);
                fail();
            }
    }
    ss_spec_free(spec);

    /* not short decimals: numpy's arithmetic, as before */
    spec = load("model: lif_cond\n"
                "sweep:\n"
                "  I_inj: {linspace: [0, 1, 4]}\n"
                "  g_L: {range: [0.1, 0.5, 0.12345678901234567]}\n"
                "  V_th: {range: [0x1p-2, 1, 0.25]}\n");
    const double *v = values_of(spec, 0, 0, 4);
    assert_true(v[1] == 1.0 / 3.0 && v[2] == 2.0 / 3.0 && v[3] == 1.0);
    v = values_of(spec, 1, 0, 4);
    for (size_t i = 0; i < 4; i++)
        assert_true(v[i] == 0.1 + (double)i * 0.12345678901234567);
    v = values_of(spec, 2, 0, 4);
    assert_true(v[0] == 0.25 && v[3] == 1.0);
    ss_spec_free(spec);
}

/* labels beside a zip name its values; they must match it one to one. */
static void spec_zip_labels_name_the_values(void **state)
{
    (void)state;
    ss_spec *spec = load("model: stp_train\n"
                         "sweep:\n"
                         "  rate: [10, 20]\n"
                         "  regime:\n"
                         "    labels: [depressing, \"facilitating, slow\"]\n"
                         "    zip: {U0: [0.5, 0.2], tau_f: [50, 750]}\n"
                         "  other:\n"
                         "    zip: {tau_d: [100, 150]}\n");
    const ss_axis *ax = ss_spec_axis(spec, 1);
    assert_non_null(ax->labels);
    assert_string_equal(ax->labels[0], "depressing");
    assert_string_equal(ax->labels[1], "facilitating, slow");
    assert_null(ss_spec_axis(spec, 0)->labels);
    assert_null(ss_spec_axis(spec, 2)->labels);
    ss_spec_free(spec);
    /* after the zip, and numbers as words */
    spec = load("model: stp_train\n"
                "sweep:\n"
                "  regime:\n"
                "    zip: {U0: [0.5, 0.2]}\n"
                "    labels: [1, 2.50]\n");
    assert_string_equal(ss_spec_axis(spec, 0)->labels[1], "2.50");
    ss_spec_free(spec);

    const char *head = "model: stp_train\nsweep:\n  regime:\n"
                       "    zip: {U0: [0.5, 0.2, 0.1]}\n";
    char text[512];
    static const struct {
        const char *labels;
        int line, column;
        const char *needle;
    } bad[] = {
        {"    labels: [a, b]\n", 5, 13, "axis 'regime' has 3 values and 2"},
        {"    labels: [a, b, a]\n", 5, 20, "label 'a' of axis 'regime' is "
                                           "given twice (first at line 5, "
                                           "column 14)"},
        {"    labels: [a, ~, c]\n", 5, 17, "expected a non-empty string"},
        {"    labels: [a, [b], c]\n", 5, 17, "expected a non-empty string"},
        {"    labels: [a, \"b\\tc\", d]\n", 5, 17, "control characters"},
        {"    labels: abc\n", 5, 13, "take a list of names, got 'abc'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(text, sizeof text, "%s%s", head, bad[i].labels);
        load_fails(text, bad[i].line, bad[i].column, bad[i].needle, NULL);
    }
    load_fails("model: stp_train\nsweep:\n  regime: {labels: [a, b]}\n", 3,
               12, "got labels alone", NULL);
    load_fails("model: stp_train\nsweep:\n"
               "  rate: {labels: [a, b], values: [1, 2]}\n",
               3, 10, "labels name the values of a zip axis; axis 'rate' is "
                      "a list of values", NULL);
    load_fails("model: stp_train\nsweep:\n  regime:\n"
               "    zip: {U0: {labels: [a], values: [0.5]}}\n",
               4, 16, "unknown axis form 'labels'", NULL);
}

static void spec_zip_members_vary_together(void **state)
{
    (void)state;
    ss_spec *spec = load("model: stp_train\n"
                         "sweep:\n"
                         "  rate: [2, 4, 8]\n"
                         "  regime:\n"
                         "    zip:\n"
                         "      U0: [0.5, 0.2]\n"
                         "      tau_d: {values: [100, 150]}\n"
                         "      tau_f: {linspace: [50, 750, 2]}\n");
    const ss_axis *ax = ss_spec_axis(spec, 1);
    assert_string_equal(ax->name, "regime");
    assert_true(ax->zip);
    assert_int_equal(ax->n, 2);
    assert_int_equal(ax->n_members, 3);
    assert_string_equal(ax->members[0].name, "U0");
    assert_int_equal(ax->members[0].param, SS_P_U0);
    assert_int_equal(ax->members[2].param, SS_P_tau_f);
    assert_int_equal(ax->line, 4);
    assert_int_equal(ax->column, 3);
    assert_false(ss_spec_axis(spec, 0)->zip);
    assert_int_equal(ss_spec_axis(spec, 0)->n_members, 1);
    assert_string_equal(ss_spec_axis(spec, 0)->members[0].name, "rate");
    assert_int_equal(ss_spec_point_count(spec), 6);

    ss_params p;
    ss_error err;
    size_t idx[2] = {2, 1};
    assert_int_equal(ss_spec_point(spec, idx, &p, NULL, &err), SS_OK);
    assert_close(p.rate, 8.0, 0, 0);
    assert_close(p.U0, 0.2, 0, 0);
    assert_close(p.tau_d, 150.0, 0, 0);
    assert_close(p.tau_f, 750.0, 0, 0);
    assert_close(p.g_bar, 1.2, 0, 0); /* default */
    idx[0] = 0;
    idx[1] = 0;
    assert_int_equal(ss_spec_point(spec, idx, &p, NULL, &err), SS_OK);
    assert_close(p.rate, 2.0, 0, 0);
    assert_close(p.U0, 0.5, 0, 0);
    assert_close(p.tau_f, 50.0, 0, 0);
    ss_spec_free(spec);
}

static void spec_input_axis_takes_words(void **state)
{
    (void)state;
    ss_spec *spec = load("model: lif_cond\n"
                         "sweep:\n"
                         "  input: [regular, poisson]\n");
    const double *v = values_of(spec, 0, 0, 2);
    assert_close(v[0], SS_INPUT_REGULAR, 0, 0);
    assert_close(v[1], SS_INPUT_POISSON, 0, 0);
    ss_params p;
    size_t idx = 0;
    assert_int_equal(ss_spec_point(spec, &idx, &p, NULL, NULL), SS_OK);
    assert_close(p.input, SS_INPUT_REGULAR, 0, 0);
    ss_spec_free(spec);
}

/* The tutorial's bonus: tau_d = 500 * tau_ratio, tau_f = 300 * tau_ratio. */
static void spec_free_variable_drives_derived_parameters(void **state)
{
    (void)state;
    ss_spec *spec = load("model: lif_cond_stp\n"
                         "sweep:\n"
                         "  tau_ratio: [0.2, 0.4, 0.6, 0.8, 1.0]\n"
                         "derived:\n"
                         "  tau_d_E: 500 * tau_ratio\n"
                         "  tau_f_E: 300 * tau_ratio\n"
                         "  tau_d_I: 500 * tau_ratio\n"
                         "  tau_f_I: '300 * tau_ratio'\n");
    const ss_axis *ax = ss_spec_axis(spec, 0);
    assert_int_equal(ax->members[0].param, SS_PARAM_COUNT);
    assert_string_equal(ax->name, "tau_ratio");
    assert_int_equal(ss_spec_derived_count(spec), 4);
    assert_int_equal(ss_spec_derived_param(spec, 0), SS_P_tau_d_E);
    assert_int_equal(ss_spec_derived_param(spec, 3), SS_P_tau_f_I);
    assert_string_equal(ss_spec_derived_text(spec, 3), "300 * tau_ratio");

    ss_params p;
    double d[4];
    ss_error err;
    size_t idx = 1; /* tau_ratio = 0.4 */
    assert_int_equal(ss_spec_point(spec, &idx, &p, d, &err), SS_OK);
    assert_close(p.tau_d_E, 500 * 0.4, 1e-15, 0);
    assert_close(p.tau_f_E, 300 * 0.4, 1e-15, 0);
    assert_close(p.tau_d_I, 200.0, 1e-15, 0);
    assert_close(p.tau_f_I, 120.0, 1e-15, 0);
    assert_close(d[0], 200.0, 1e-15, 0);
    assert_close(d[1], 120.0, 1e-15, 0);
    assert_close(p.U0_E, 0.45, 0, 0); /* untouched default */
    idx = 4;
    assert_int_equal(ss_spec_point(spec, &idx, &p, d, &err), SS_OK);
    assert_close(p.tau_d_E, 500.0, 0, 0);
    assert_close(d[3], 300.0, 0, 0);
    ss_spec_free(spec);
}

static void spec_orders_derived_dependencies_first(void **state)
{
    (void)state;
    ss_spec *spec = load("model: stp_train\n"
                         "sweep:\n"
                         "  tau_d: [100, 200]\n"
                         "fixed: {g_bar: 2.385}\n"
                         "derived:\n"
                         "  tau_f: 3 * tau_syn\n"
                         "  U0: 0.1 + 0.001 * g_bar\n"
                         "  tau_syn: 0.05 * tau_d\n"
                         "  rate: tau_f / 2\n");
    /* tau_f and rate wait for tau_syn; U0 keeps its place */
    assert_int_equal(ss_spec_derived_count(spec), 4);
    assert_int_equal(ss_spec_derived_param(spec, 0), SS_P_U0);
    assert_int_equal(ss_spec_derived_param(spec, 1), SS_P_tau_syn);
    assert_int_equal(ss_spec_derived_param(spec, 2), SS_P_tau_f);
    assert_int_equal(ss_spec_derived_param(spec, 3), SS_P_rate);
    assert_string_equal(ss_spec_derived_text(spec, 1), "0.05 * tau_d");
    ss_params p;
    double d[4];
    size_t idx = 1;
    assert_int_equal(ss_spec_point(spec, &idx, &p, d, NULL), SS_OK);
    assert_close(p.tau_syn, 0.05 * 200, 1e-15, 0);
    assert_close(p.tau_f, 3 * 10.0, 1e-15, 0);
    assert_close(p.rate, 15.0, 1e-15, 0);
    assert_close(p.U0, 0.1 + 0.001 * 2.385, 1e-15, 0);
    assert_close(d[0], p.U0, 0, 0);
    assert_close(d[3], 15.0, 1e-15, 0);
    ss_spec_free(spec);
}

static void spec_counts_points_and_trials(void **state)
{
    (void)state;
    ss_spec *spec = load("model: lif_cond\n"
                         "repeats: 7\n"
                         "sweep:\n"
                         "  exc_rate: [1, 2, 3]\n"
                         "  inh_rate: {linspace: [1, 4, 4]}\n"
                         "  gE_bar: {range: [1, 5, 1]}\n");
    assert_int_equal(ss_spec_point_count(spec), 3 * 4 * 5);
    assert_int_equal(ss_spec_trial_count(spec), 3 * 4 * 5 * 7);
    ss_params p;
    size_t idx[3] = {2, 3, 4};
    assert_int_equal(ss_spec_point(spec, idx, &p, NULL, NULL), SS_OK);
    assert_close(p.exc_rate, 3, 0, 0);
    assert_close(p.inh_rate, 4, 0, 0);
    assert_close(p.gE_bar, 5, 0, 0);
    ss_error err;
    ss_error_clear(&err);
    idx[1] = 4;
    assert_int_equal(ss_spec_point(spec, idx, &p, NULL, &err), SS_ERR_USAGE);
    assert_non_null(strstr(err.message, "out of range for axis 'inh_rate'"));
    ss_spec_free(spec);

    /* 2^53 trials exactly is allowed */
    spec = load("model: stp_train\n"
                "repeats: 4503599627370496\n"
                "sweep: {U0: [0.25, 0.5]}\n");
    assert_true(ss_spec_trial_count(spec) == SS_SPEC_MAX_TRIALS);
    ss_spec_free(spec);
}

/* ---- errors ----------------------------------------------------------- */

static void spec_rejects_negative_dt_at_value_location(void **state)
{
    (void)state;
    load_fails("model: lif_cond\nfixed:\n  tau_m: 10\n  dt: -0.1\n", 4, 7,
               "dt must be a number in (0, 100]", NULL);
    load_fails("model: lif_cond\nsweep:\n  dt: [0.1, 0.05, 0]\n", 3, 19,
               "dt must be a number in (0, 100] (got 0)", NULL);
}

static void spec_hints_name_the_nearest_valid_word(void **state)
{
    (void)state;
    load_fails("model: stp_train\nsweeps: {rate: [1]}\n", 2, 1,
               "unknown key 'sweeps'", "did you mean 'sweep'?");
    load_fails("model: lif_cond\nfixed: {tau_n: 3}\n", 2, 9,
               "unknown parameter 'tau_n' for model lif_cond",
               "did you mean 'tau_m'?");
    load_fails("model: lif_cond\nsweep: {tua_m: [3]}\n", 2, 9,
               "axis 'tua_m' is neither a parameter of lif_cond nor used by "
               "any derived expression",
               "did you mean 'tau_m'?");
    load_fails("model: lif_cond\nderived: {V_rest: V_th - 1}\n", 2, 11,
               "unknown parameter 'V_rest'", "did you mean 'V_reset'?");
    load_fails("model: stp_train\nsweep: {rate: {rnage: [1, 2, 1]}}\n", 2,
               16, "unknown axis form 'rnage'", "did you mean 'range'?");
    load_fails("model: stp_train\nmetrics: [g1, g_ratoi]\n", 2, 15,
               "unknown metric 'g_ratoi' for model stp_train",
               "did you mean 'g_ratio'?");
    load_fails("model: stp_train\nmetrics: [g2]\n", 2, 11, "unknown metric",
               "did you mean 'g1'?");
    load_fails("model: lif_cond_sdp\n", 1, 8, "unknown model",
               "did you mean 'lif_cond_stp'?");
    load_fails("model: stp_train\nstreams: comon\n", 2, 10,
               "streams must be independent or common",
               "did you mean 'common'?");
    load_fails("model: lif_cond_stp\n"
               "sweep: {tau_ratio: [1, 2]}\n"
               "derived: {tau_d_E: 500 * tau_rato}\n",
               3, 26, "unknown name 'tau_rato' in expression",
               "did you mean 'tau_ratio'?");
    load_fails("model: stp_train\nfixed: {U0: 2}\nmodl: x\n", 3, 1,
               "unknown key 'modl'", "did you mean 'model'?");
}

static void spec_locates_errors_inside_expressions(void **state)
{
    (void)state;
    /* plain, double-quoted, single-quoted, in a flow mapping */
    load_fails("model: stp_train\nderived:\n  tau_syn: 2 * * tau_d\n", 3, 16,
               "expected a number, a name or '(' after '*'", NULL);
    load_fails("model: stp_train\nderived:\n  tau_syn: \"2 * * tau_d\"\n", 3,
               17, "after '*'", NULL);
    load_fails("model: stp_train\nderived:\n  tau_syn: '2 ^ (tau_d'\n", 3, 23,
               "expected ')' to close the '(' at column 5", NULL);
    load_fails("model: stp_train\nderived: {tau_syn: tau_d x}\n", 2, 26,
               "unexpected 'x' after the end of the expression", NULL);
    load_fails("model: stp_train\nderived:\n  tau_syn: \"\"\n", 3, 12,
               "empty expression", NULL);
    load_fails("model: stp_train\nderived:\n  tau_syn:\n", 3, 11,
               "empty expression", NULL);
    load_fails("model: stp_train\nderived:\n  tau_syn: [1]\n", 3, 12,
               "expected an expression for tau_syn, got a list", NULL);
    /* a block scalar is located at its start */
    load_fails("model: stp_train\nderived:\n  tau_syn: |\n    2 * * tau_d\n",
               3, 12, "after '*'", NULL);
}

static void spec_rejects_each_parameter_set_twice(void **state)
{
    (void)state;
    load_fails("model: stp_train\n"
               "sweep: {rate: [1, 2]}\n"
               "fixed: {U0: 0.3, rate: 5}\n",
               3, 18, "parameter 'rate' is already set at line 2", NULL);
    load_fails("model: stp_train\n"
               "sweep:\n"
               "  U0: [0.1, 0.2]\n"
               "  pair: {zip: {U0: [0.3, 0.4], tau_f: [1, 2]}}\n",
               4, 16, "parameter 'U0' is already set at line 3", NULL);
    load_fails("model: stp_train\n"
               "sweep: {U0: [0.1, 0.2]}\n"
               "derived: {U0: 0.5}\n",
               3, 11, "parameter 'U0' is already set at line 2", NULL);
    load_fails("model: stp_train\n"
               "derived: {tau_f: 5}\n"
               "fixed: {tau_f: 5}\n",
               3, 9, "parameter 'tau_f' is already set at line 2", NULL);
    load_fails("model: lif_cond_stp\n"
               "sweep:\n"
               "  k: [1, 2]\n"
               "  z: {zip: {k: [1, 2]}}\n"
               "derived: {tau_d_E: k}\n",
               4, 13, "name 'k' is already used at line 3", NULL);
}

static void spec_rejects_malformed_axes(void **state)
{
    (void)state;
    load_fails("model: stp_train\nsweep: {rate: 5}\n", 2, 15,
               "expected a list or one of values, range, linspace, "
               "geomspace, zip for axis 'rate', got '5'",
               NULL);
    load_fails("model: stp_train\nsweep: {rate: {}}\n", 2, 15,
               "got an empty mapping", NULL);
    load_fails("model: stp_train\n"
               "sweep: {rate: {range: [1, 2, 1], values: [3]}}\n",
               2, 34, "axis 'rate' takes one form, got both 'range' and "
                      "'values'",
               NULL);
    load_fails("model: stp_train\nsweep: {rate: {range: [1, 2]}}\n", 2, 23,
               "range takes [start, stop, step], got 2 values", NULL);
    load_fails("model: stp_train\nsweep: {rate: {range: [1, x, 1]}}\n", 2,
               27, "expected a number for the stop of range, got 'x'", NULL);
    load_fails("model: stp_train\nsweep: {rate: {linspace: [1, 2, 2.5]}}\n",
               2, 33, "linspace num must be a whole number >= 1 (got 2.5)",
               NULL);
    load_fails("model: stp_train\nsweep: {tau_f: {geomspace: [-1, 5, 3]}}\n",
               2, 33, "geomspace needs start and stop nonzero and of the "
                      "same sign",
               NULL);
    load_fails("model: stp_train\nsweep: {rate: {range: [0, 1e300, 1e-300]}}"
               "\n",
               2, 23, "more than", NULL);
    load_fails("model: stp_train\nsweep: {rate: [1, [2]]}\n", 2, 19,
               "expected a number for rate, got a list", NULL);
    load_fails("model: stp_train\nsweep: {rate: {values: []}}\n", 2, 24,
               "axis 'rate' is empty", NULL);
    load_fails("model: stp_train\nsweep: {z: {zip: {U0: []}}}\n", 2, 23,
               "zip member 'U0' is empty", NULL);
    load_fails("model: stp_train\nsweep: {z: {zip: {}}}\n", 2, 18,
               "zip of axis 'z' has no members", NULL);
    load_fails("model: stp_train\nsweep: {z: {zip: [1]}}\n", 2, 18,
               "zip takes a mapping of member: values, got a list", NULL);
    load_fails("model: stp_train\nsweep: {z: {zip: {U0: {zip: {}}}}}\n", 2,
               24, "a zip member takes a list or values", NULL);
    load_fails("model: stp_train\nsweep: {repeat: [1]}\n", 2, 9,
               "'repeat' cannot name an axis", NULL);
    load_fails("model: stp_train\nsweep: {k: [1, x]}\nderived: {U0: k}\n", 2,
               16, "expected a number for k, got 'x'", NULL);
    load_fails("model: stp_train\nsweep: [rate]\n", 2, 8,
               "expected a mapping of axis: values for sweep, got a list",
               NULL);
}

static void spec_rejects_names_the_results_file_cannot_hold(void **state)
{
    (void)state;
    const char *why_first = "a name in the results file starts with a "
                            "letter, a digit or '_'";
    load_fails("model: stp_train\nsweep: {\"a/b\": [1]}\n", 2, 9,
               "'a/b' cannot name an axis: '/' separates groups", NULL);
    load_fails("model: stp_train\nsweep: {/: [1]}\n", 2, 9,
               "'/' cannot name an axis", NULL);
    load_fails("model: stp_train\nsweep: {.: [1]}\n", 2, 9,
               "'.' cannot name an axis", NULL);
    load_fails("model: stp_train\nsweep: {.: [1]}\n", 2, 9, why_first, NULL);
    load_fails("model: stp_train\nsweep: {..: [1]}\n", 2, 9, why_first,
               NULL);
    load_fails("model: stp_train\nsweep: {\"\": [1]}\n", 2, 9,
               "the name of an axis must not be empty", NULL);
    load_fails("model: stp_train\nsweep: {'': {zip: {U0: [0.5]}}}\n", 2, 9,
               "the name of an axis must not be empty", NULL);
    load_fails("model: stp_train\nsweep: {\" x\": [1]}\n", 2, 9, why_first,
               NULL);
    load_fails("model: stp_train\nsweep: {\"x \": [1]}\n", 2, 9,
               "'x ' cannot name an axis: a name in the results file must "
               "not end in a blank",
               NULL);
    load_fails("model: stp_train\nsweep: {\"a\\tb\": [1]}\n", 2, 9,
               "the name of an axis must not hold control characters", NULL);
    load_fails("model: stp_train\nsweep: {\"a\\x01\": [1]}\n", 2, 9,
               "must not hold control characters", NULL);
    load_fails("model: stp_train\nsweep: {\"a\\x85\": [1]}\n", 2, 9,
               "must not hold control characters", NULL);
    /* zip axes and their members that are no parameter */
    load_fails("model: stp_train\nsweep:\n  \"E/I\": {zip: {U0: [0.5]}}\n", 3,
               3, "'E/I' cannot name an axis", NULL);
    load_fails("model: stp_train\nsweep:\n  z: {zip: {U0: [0.5], a/b: [1]}}"
               "\n",
               3, 24, "'a/b' cannot name a zip member", NULL);
    load_fails("model: stp_train\nsweep:\n  z: {zip: {U0: [0.5], \"\": [1]}}"
               "\n",
               3, 24, "the name of a zip member must not be empty", NULL);
    load_fails("model: stp_train\nsweep:\n  z: {zip: {U0: [0.5], .: [1]}}\n",
               3, 24, "'.' cannot name a zip member", NULL);
    /* the file's own names: every metric of the table, of any model */
    static const char *const own[] = {"repeat", "done", "status"};
    char text[256], needle[96];
    for (size_t i = 0; i < sizeof own / sizeof *own; i++) {
        snprintf(text, sizeof text, "model: lif_cond\nsweep:\n  %s: [1]\n",
                 own[i]);
        snprintf(needle, sizeof needle, "'%s' cannot name an axis", own[i]);
        load_fails(text, 3, 3, needle, NULL);
        snprintf(text, sizeof text,
                 "model: stp_train\nsweep:\n  %s: {zip: {U0: [0.5]}}\n",
                 own[i]);
        load_fails(text, 3, 3, needle, NULL);
    }
    for (int i = 0; i < SS_METRIC_COUNT; i++) {
        const char *name = ss_metric_info_of((ss_metric_id)i)->name;
        snprintf(text, sizeof text,
                 "model: lif_cond\nsweep:\n  tau_m: [10, 20]\n  %s: [1]\n",
                 name);
        snprintf(needle, sizeof needle, "'%s' cannot name an axis", name);
        load_fails(text, 4, 3, needle, NULL);
        snprintf(text, sizeof text,
                 "model: stp_train\nsweep:\n  z: {zip: {U0: [0.5], %s: [1]}}\n",
                 name);
        snprintf(needle, sizeof needle, "'%s' cannot name a zip member",
                 name);
        load_fails(text, 3, 24, needle, NULL);
    }
    /* A derived parameter is stored under the parameter's name: no
     * parameter of the table may be one of the file's own names. */
    for (int i = 0; i < SS_PARAM_COUNT; i++) {
        const char *name = ss_param_info_of((ss_param_id)i)->name;
        assert_int_equal(ss_metric_find(name), SS_METRIC_COUNT);
        for (size_t k = 0; k < sizeof own / sizeof *own; k++)
            assert_string_not_equal(name, own[k]);
    }
    /* What netCDF takes still loads: digits first, inner blanks and dots,
     * non-ASCII letters. */
    ss_spec *spec = load("model: stp_train\nsweep:\n"
                         "  2nd regime.v1: {zip: {U0: [0.5, 0.2]}}\n"
                         "  \xc3\xa9tat: {zip: {tau_f: [50, 750]}}\n");
    assert_string_equal(ss_spec_axis(spec, 0)->name, "2nd regime.v1");
    assert_string_equal(ss_spec_axis(spec, 1)->name, "\xc3\xa9tat");
    ss_spec_free(spec);
}

static void spec_refuses_every_yaml_tag_at_the_tag(void **state)
{
    (void)state;
    const char *hint = "remove the tag: a value's type comes from where it "
                       "stands in the spec";
    load_fails("model: stp_train\nfixed: {g_bar: !!str 3}\n", 2, 16,
               "unsupported YAML tag '!!str': a spec takes no tags", hint);
    load_fails("model: stp_train\nfixed: {g_bar: !!float 3}\n", 2, 16,
               "unsupported YAML tag '!!float'", hint);
    load_fails("model: stp_train\nrepeats: !!int 3\n", 2, 10,
               "unsupported YAML tag '!!int'", hint);
    load_fails("model: stp_train\nfixed: !!python/object {g_bar: 3}\n", 2, 8,
               "unsupported YAML tag '!!python/object'", hint);
    load_fails("model: stp_train\nsweep: {rate: !!seq [1, 2]}\n", 2, 15,
               "unsupported YAML tag '!!seq'", hint);
    load_fails("model: stp_train\nsweep:\n  rate: [1, !local 2]\n", 3, 13,
               "unsupported YAML tag '!local'", hint);
    load_fails("model: stp_train\nname: ! x\n", 2, 7,
               "unsupported YAML tag '!'", hint);
    load_fails("!!map\nmodel: stp_train\n", 1, 1, "unsupported YAML tag '!!map'",
               hint);
    load_fails("%TAG !e! tag:example.com,2000:\n---\nmodel: !e!m stp_train\n",
               3, 8, "unsupported YAML tag 'tag:example.com,2000:m'", hint);
    /* a tag's characters in a comment or a quoted value are no tag */
    ss_spec *spec = load("model: stp_train # !!str\nname: '!!str'\n");
    assert_string_equal(ss_spec_name(spec), "!!str");
    ss_spec_free(spec);
}

static void spec_rejects_wrong_types_at_the_value(void **state)
{
    (void)state;
    load_fails("model: stp_train\nseed: 2.5\n", 2, 7, "seed must be", NULL);
    load_fails("model: stp_train\nseed: 18446744073709551616\n", 2, 7,
               "seed must be", NULL);
    load_fails("model: stp_train\nrepeats: [1]\n", 2, 10,
               "repeats must be a whole number >= 1 (got a list)", NULL);
    load_fails("model: stp_train\nrepeats: -3\n", 2, 10, "repeats must be",
               NULL);
    load_fails("model: [stp_train]\n", 1, 8, "expected a model name", NULL);
    load_fails("model: stp_train\ndescription: {a: b}\n", 2, 14,
               "expected a string for description, got a mapping", NULL);
    load_fails("model: stp_train\nname: ''\n", 2, 7, "name must not be empty",
               NULL);
    load_fails("model: stp_train\nfixed: {input: [regular]}\n", 2, 16,
               "expected poisson or regular for input, got a list", NULL);
    load_fails("model: stp_train\nfixed: {tau_f: fast}\n", 2, 16,
               "tau_f must be a number in (0, 1000000] (got 'fast')", NULL);
    load_fails("model: stp_train\nmetrics: []\n", 2, 10, "metrics is empty",
               NULL);
    load_fails("model: stp_train\nmetrics: [[g1]]\n", 2, 11,
               "expected a metric name, got a list", NULL);
    load_fails("model: stp_train\nderived: [tau_syn]\n", 2, 10,
               "expected a mapping of parameter: expression", NULL);
    load_fails("model: stp_train\nfixed: {[U0]: 1}\n", 2, 9,
               "expected a name as parameter, got a list", NULL);
    load_fails("model: stp_train\nname: \"a\\0b\"\n", 2, 7,
               "NUL character", NULL);
    load_fails("just a word\n", 1, 1, "expected a mapping of keys", NULL);
    load_fails("# only a comment\n", 1, 1, "the spec is empty", NULL);
    load_fails("---\n", 1, 1, "the spec is empty", NULL);
}

/* A cross-parameter rule broken at one grid point is reported where the
 * broken parameter is set, with the point's coordinates. */
static void spec_cross_parameter_errors_point_at_their_source(void **state)
{
    (void)state;
    /* the list element */
    load_fails("model: stp_train\nsweep:\n  U0: [0.2, 0.5]\n"
               "  rate: [10, 20000, 30]\n",
               4, 14,
               "rate * dt / 1000 must be <= 1 (got rate = 20000 Hz, dt = "
               "0.1 ms: p = 2) at grid point U0=0.2, "
               "rate=20000",
               NULL);
    /* the generating form */
    load_fails("model: stp_train\nsweep:\n  rate: {range: [5000, 20000, "
               "5000]}\n",
               3, 9, "at grid point rate=15000", NULL);
    /* the derived expression */
    load_fails("model: lif_cond\n"
               "sweep: {dt: [0.1, 0.2]}\n"
               "derived:\n"
               "  exc_rate: 6000 * dt * 10\n",
               4, 13, "exc_rate * dt / 1000 must be <= 1", NULL);
    /* a fixed value */
    load_fails("model: lif_cond\n"
               "fixed: {inh_rate: 9000}\n"
               "sweep: {input: [regular], dt: [0.1, 0.2]}\n",
               2, 19,
               "inh_rate * dt / 1000 must be <= 1 (got inh_rate = 9000 Hz, "
               "dt = 0.2 ms: p = 1.8) at grid point "
               "input=regular, dt=0.2",
               NULL);
    /* a default: the model key */
    load_fails("\nmodel: stp_train\nsweep: {dt: [0.1, 100]}\n", 2, 1,
               "rate * dt / 1000 must be <= 1 (got rate = 20 Hz", NULL);
    /* a zip member's element */
    load_fails("model: stp_train\n"
               "sweep:\n"
               "  z: {zip: {rate: [1, 2e4], U0: [0.1, 0.2]}}\n",
               3, 23, "at grid point rate=20000, U0=0.2", NULL);
    /* a derived value out of range */
    load_fails("model: stp_train\n"
               "sweep: {s: [1, 0, 2]}\n"
               "derived: {tau_syn: 1 / s}\n",
               3, 20, "tau_syn must be a number in (0, 1000000] (got inf) "
                      "at grid point s=0",
               NULL);
}

/* Big grids are checked point by point on the axes the cross-parameter
 * rules read; the failing point is still found. */
static void spec_checks_points_of_large_grids(void **state)
{
    (void)state;
    ss_spec *spec = load("model: lif_cond\n"
                         "sweep:\n"
                         "  gE_bar: {linspace: [0, 10, 400]}\n"
                         "  gI_bar: {linspace: [0, 10, 400]}\n"
                         "  exc_rate: [5, 10]\n");
    assert_int_equal(ss_spec_point_count(spec), 400 * 400 * 2);
    ss_spec_free(spec);
    load_fails("model: lif_cond\n"
               "sweep:\n"
               "  gE_bar: {linspace: [0, 10, 400]}\n"
               "  gI_bar: {linspace: [0, 10, 400]}\n"
               "  exc_rate: [5, 10, 12000]\n",
               5, 21, "exc_rate * dt / 1000 must be <= 1", NULL);
    load_fails("model: lif_cond_stp\n"
               "sweep:\n"
               "  gE_bar: {linspace: [0, 10, 400]}\n"
               "  k: {linspace: [0, 2, 400]}\n"
               "derived: {U0_E: k}\n",
               5, 17, "U0_E must be a number in (0, 1] (got 0) at grid point "
                      "gE_bar=0, k=0",
               NULL);
}

/* On a large grid the rate and time-step rules are checked at the ends of
 * an axis; a zip, whose members move together, point by point. */
static void spec_checks_zipped_rules_between_the_ends(void **state)
{
    (void)state;
    load_fails("model: lif_cond\n"
               "sweep:\n"
               "  gE_bar: {linspace: [0, 10, 400]}\n"
               "  gI_bar: {linspace: [0, 10, 400]}\n"
               "  r:\n"
               "    zip: {exc_rate: [9000, 8000, 1], dt: [0.1, 0.13, 0.5]}\n",
               6, 28, "exc_rate * dt / 1000 must be <= 1", NULL);
}

/* Flow collections nested absurdly deep are refused before libyaml, whose
 * scanner slows down quadratically with the depth. */
static void spec_refuses_deep_nesting_quickly(void **state)
{
    (void)state;
    static char text[70000];
    strcpy(text, "model: lif_cond\nfixed: ");
    size_t n = strlen(text);
    memset(text + n, '[', 65536);
    text[n + 65536] = '\0';
    load_fails(text, 2, 8 + 64, "nested deeper than 64 levels", NULL);
    /* brackets in quotes and comments do not count */
    ss_spec *spec = load("model: lif_cond  # [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n"
                         "description: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[['\n");
    assert_non_null(spec);
    ss_spec_free(spec);
}

static void spec_reports_grid_overflow_where_it_happens(void **state)
{
    (void)state;
    load_fails("model: lif_cond\n"
               "sweep:\n"
               "  gE_bar: {range: [0, 1e6, 1]}\n"
               "  gI_bar: {range: [0, 1e6, 1]}\n"
               "  tau_m: {range: [1, 1e6, 1]}\n",
               2, 1, "the grid has more than 2^53 trials", NULL);
    load_fails("model: lif_cond\n"
               "sweep:\n"
               "  gE_bar: {range: [0, 1e6, 1]}\n"
               "repeats: 9007199254\n",
               4, 1, "the grid has more than 2^53 trials", NULL);
}

static void spec_load_file_reports_unreadable_files(void **state)
{
    (void)state;
    ss_spec *spec = (ss_spec *)&spec;
    ss_error err;
    ss_error_clear(&err);
    assert_int_equal(ss_spec_load_file("no/such/x.yaml", &spec, &err),
                     SS_ERR_IO);
    assert_null(spec);
    assert_string_equal(err.message,
                        "cannot read 'no/such/x.yaml': No such file or "
                        "directory");
    assert_int_equal(err.line, 0);
    assert_string_equal(err.file, "no/such/x.yaml");

    const char *dir = getenv("SS_TEST_SPECS");
    assert_non_null(dir);
    spec = (ss_spec *)&spec;
    assert_int_equal(ss_spec_load_file(dir, &spec, &err), SS_ERR_IO);
    assert_null(spec);
    assert_non_null(strstr(err.message, "Is a directory"));
}

static void spec_rejects_text_over_16_mib(void **state)
{
    (void)state;
    size_t len = ((size_t)16 << 20) + 1;
    char *text = malloc(len);
    assert_non_null(text);
    memset(text, ' ', len);
    memcpy(text, "model: stp_train\n", 17);
    ss_spec *spec = NULL;
    ss_error err;
    ss_error_clear(&err);
    assert_int_equal(ss_spec_load_string(text, len, "big.yaml", &spec, &err),
                     SS_ERR_SPEC);
    assert_null(spec);
    assert_non_null(strstr(err.message, "larger than 16 MiB"));
    /* exactly 16 MiB is read */
    assert_int_equal(
        ss_spec_load_string(text, len - 1, "big.yaml", &spec, &err), SS_OK);
    ss_spec_free(spec);
    free(text);
}

/* ---- the catalogue of files ------------------------------------------- */

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names of the .yaml files in dir; NULL-terminated. */
static char **list_yaml(const char *dir, size_t *count)
{
    DIR *d = opendir(dir);
    if (!d) {
        print_error("cannot open %s\n", dir);
        fail();
    }
    size_t n = 0, cap = 16;
    char **names = malloc(cap * sizeof *names);
    assert_non_null(names);
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".yaml"))
            continue;
        if (n + 1 == cap) {
            cap *= 2;
            names = realloc(names, cap * sizeof *names);
            assert_non_null(names);
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    names[n] = NULL;
    qsort(names, n, sizeof *names, compare_names);
    *count = n;
    return names;
}

static void free_names(char **names)
{
    for (char **p = names; *p; p++)
        free(*p);
    free(names);
}

static const char *specs_dir(void)
{
    const char *dir = getenv("SS_TEST_SPECS");
    if (!dir || !*dir) {
        print_error("SS_TEST_SPECS is not set (ctest sets it)\n");
        fail();
    }
    return dir;
}

/* Every tests/specs/bad/X.yaml fails as X.expect says:
 * "LINE:COLUMN: substring of the message". */
static void spec_bad_catalogue_fails_at_the_expected_place(void **state)
{
    (void)state;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/bad", specs_dir());
    size_t n = 0;
    char **names = list_yaml(dir, &n);
    if (n < 30) {
        print_error("only %zu bad specs in %s\n", n, dir);
        fail();
    }
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        char path[1400], expect_path[1400], line_buf[600];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        snprintf(expect_path, sizeof expect_path, "%.*s.expect",
                 (int)(strlen(path) - 5), path);
        FILE *f = fopen(expect_path, "r");
        if (!f || !fgets(line_buf, sizeof line_buf, f)) {
            print_error("%s: no expectation in %s\n", names[i], expect_path);
            failures++;
            if (f)
                fclose(f);
            continue;
        }
        fclose(f);
        line_buf[strcspn(line_buf, "\n")] = '\0';
        int line = 0, column = 0, used = 0;
        if (sscanf(line_buf, "%d:%d: %n", &line, &column, &used) != 2 ||
            used == 0) {
            print_error("%s: malformed expectation '%s'\n", expect_path,
                        line_buf);
            failures++;
            continue;
        }
        const char *needle = line_buf + used;

        ss_spec *spec = NULL;
        ss_error err;
        ss_error_clear(&err);
        ss_status s = ss_spec_load_file(path, &spec, &err);
        bool ok = s == SS_ERR_SPEC && spec == NULL && err.line == line &&
                  err.column == column && strcmp(err.file, path) == 0 &&
                  strstr(err.message, needle) != NULL;
        if (!ok) {
            print_error("%s:\n  expected SS_ERR_SPEC %d:%d: ...%s...\n"
                        "  got      %s %s:%d:%d: %s\n",
                        names[i], line, column, needle, ss_status_name(s),
                        err.file, err.line, err.column, err.message);
            failures++;
        }
        ss_spec_free(spec);
    }
    free_names(names);
    if (failures) {
        print_error("%d of %zu bad specs did not fail as expected\n",
                    failures, n);
        fail();
    }
}

static void spec_good_files_load(void **state)
{
    (void)state;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/good", specs_dir());
    size_t n = 0;
    char **names = list_yaml(dir, &n);
    assert_true(n >= 3);
    for (size_t i = 0; i < n; i++) {
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        ss_spec *spec = NULL;
        ss_error err;
        ss_error_clear(&err);
        if (ss_spec_load_file(path, &spec, &err) != SS_OK) {
            print_error("%s:%d:%d: %s\n", err.file, err.line, err.column,
                        err.message);
            fail();
        }
        assert_string_equal(ss_spec_file(spec), path);
        ss_spec_free(spec);
    }
    free_names(names);

    /* the design's example, read back */
    char path[1400];
    snprintf(path, sizeof path, "%s/stp_regimes.yaml", dir);
    ss_spec *spec = NULL;
    assert_int_equal(ss_spec_load_file(path, &spec, NULL), SS_OK);
    assert_string_equal(ss_spec_name(spec), "stp_regimes");
    assert_int_equal(ss_spec_model(spec), SS_MODEL_STP_TRAIN);
    assert_int_equal(ss_spec_seed(spec), 1);
    assert_int_equal(ss_spec_axis_count(spec), 2);
    assert_int_equal(ss_spec_point_count(spec), 20 * 2);
    ss_params p;
    double tau_syn;
    size_t idx[2] = {19, 1};
    assert_int_equal(ss_spec_point(spec, idx, &p, &tau_syn, NULL), SS_OK);
    assert_close(p.rate, 40, 0, 0);
    assert_close(p.U0, 0.2, 0, 0);
    assert_close(p.tau_f, 750, 0, 0);
    assert_close(tau_syn, 0.05 * 100, 1e-15, 0);
    assert_close(p.g_bar, 1.2, 0, 0);
    assert_close(p.input, SS_INPUT_REGULAR, 0, 0);
    size_t len = 0;
    assert_non_null(strstr(ss_spec_text(spec, &len), "# The design's"));
    ss_spec_free(spec);

    snprintf(path, sizeof path, "%s/lif_inputs.yaml", dir);
    assert_int_equal(ss_spec_load_file(path, &spec, NULL), SS_OK);
    assert_true(ss_spec_common_streams(spec));
    assert_int_equal(ss_spec_trial_count(spec), 2 * 5 * 5 * 10);
    ss_spec_free(spec);
}

/* ---- comparing two specs by meaning --------------------------------- */

/* " ≠ " in UTF-8 */
#define NE " \xe2\x89\xa0 "

/* a and b (texts) describe the same sweep, both ways round. */
static void assert_same_sweep(const char *a_text, const char *b_text)
{
    ss_spec *a = load(a_text), *b = load(b_text);
    char msg[512] = "untouched";
    bool ab = ss_spec_same_sweep(a, b, msg, sizeof msg);
    if (!ab || msg[0]) {
        print_error("differ: '%s'\nfile:\n%s\nspec:\n%s\n", msg, a_text,
                    b_text);
        fail();
    }
    assert_true(ss_spec_same_sweep(b, a, msg, sizeof msg));
    ss_spec_free(a);
    ss_spec_free(b);
}

/* a (the file's) and b (this spec) differ, and the first difference reads
 * exactly want. */
static void assert_first_difference(const char *a_text, const char *b_text,
                                    const char *want)
{
    ss_spec *a = load(a_text), *b = load(b_text);
    char msg[512] = "";
    bool same = ss_spec_same_sweep(a, b, msg, sizeof msg);
    if (same || strcmp(msg, want)) {
        print_error("got '%s' (same: %d)\nexpected '%s'\nfile:\n%s\nspec:"
                    "\n%s\n",
                    msg, same, want, a_text, b_text);
        fail();
    }
    ss_spec_free(a);
    ss_spec_free(b);
}

static const char bonus_sweep[] =
    "# the bonus demo, in short\n"
    "model: lif_cond_stp\n"
    "seed: 7\n"
    "repeats: 2\n"
    "fixed: {gE_bar: 3, input: poisson, T: 200}\n"
    "sweep:\n"
    "  exc_rate: [10, 12, 14]\n"
    "  regime:\n"
    "    zip: {U0_E: [0.2, 0.5], tau_d_E: [100, 200]}\n"
    "  tau_ratio: {range: [0.5, 1, 0.5]}\n"
    "derived:\n"
    "  tau_f_E: 300 * tau_ratio\n"
    "  tau_f_I: tau_f_E / 2\n"
    "metrics: [firing_rate, cv_isi]\n";

static void spec_same_sweep_ignores_what_only_the_text_holds(void **state)
{
    (void)state;
    assert_same_sweep(bonus_sweep, bonus_sweep);
    /* comments, blanks, key order, flow and block style, quoting, the
     * spelling of numbers and expressions, explicit defaults, the labels */
    assert_same_sweep(
        bonus_sweep,
        "name: renamed   # only labels the file\n"
        "description: \"a comment-only edit\"\n"
        "metrics:\n"
        "  - cv_isi\n"
        "  - firing_rate\n"
        "derived: {tau_f_I: 'tau_f_E/2.0', tau_f_E: \"(300.0*tau_ratio)\"}\n"
        "sweep:\n"
        "    exc_rate: {values: [1e1, 12.0, 14]}\n"
        "    regime: {zip: {tau_d_E: [1e2, 200.], U0_E: [.2, 0.50]}}\n"
        "    tau_ratio:\n"
        "      - 0.5\n"
        "      - 1\n"
        "fixed:\n"
        "  T: 2e2\n"
        "  input: 'poisson'\n"
        "  gE_bar:    3.0\n"
        "  tau_syn_E: 5       # lif_cond_stp's default\n"
        "streams: independent\n"
        "repeats: 2\n"
        "seed: 7\n"
        "\n"
        "model: \"lif_cond_stp\"\n");
    /* an expression's parentheses and unary plus are no operations */
    assert_same_sweep("model: stp_train\nderived: {tau_syn: 0.05 * tau_d}\n",
                      "model: stp_train\n"
                      "derived: {tau_syn: ((+0.05) * (tau_d))}\n");
}

static void spec_same_sweep_names_the_first_difference(void **state)
{
    (void)state;
    static const struct {
        const char *file, *spec, *want;
    } cases[] = {
        {"model: lif_cond\n", "model: lif_cond_stp\n",
         "model lif_cond" NE "lif_cond_stp"},
        {"model: lif_cond\nseed: 1\n", "model: lif_cond\nseed: 2\n",
         "seed 1" NE "2"},
        {"model: lif_cond\n", "model: lif_cond\nstreams: common\n",
         "streams independent" NE "common"},
        {"model: lif_cond\nrepeats: 5\n", "model: lif_cond\nrepeats: 10\n",
         "repeats 5" NE "10"},
        /* the first difference: seed comes before repeats */
        {"model: lif_cond\nrepeats: 5\nseed: 1\n",
         "model: lif_cond\nrepeats: 10\nseed: 2\n", "seed 1" NE "2"},
        {"model: lif_cond\nsweep: {exc_rate: [10, 20], inh_rate: [5]}\n",
         "model: lif_cond\nsweep: {inh_rate: [5], exc_rate: [10, 20]}\n",
         "axis order exc_rate, inh_rate" NE "inh_rate, exc_rate"},
        {"model: lif_cond\nsweep: {exc_rate: [10]}\n",
         "model: lif_cond\nsweep: {exc_rate: [10], tau_m: [10, 20]}\n",
         "axes exc_rate" NE "exc_rate, tau_m"},
        {"model: lif_cond\nfixed: {exc_rate: 10}\n",
         "model: lif_cond\nsweep: {exc_rate: [10]}\n",
         "axes none" NE "exc_rate"},
        {"model: lif_cond\nsweep: {exc_rate: {linspace: [5, 25, 10]}}\n",
         "model: lif_cond\nsweep: {exc_rate: {linspace: [5, 25, 11]}}\n",
         "axis exc_rate: 10 values" NE "11"},
        {"model: lif_cond\nsweep: {exc_rate: [10]}\n",
         "model: lif_cond\nsweep: {exc_rate: [10, 11]}\n",
         "axis exc_rate: 1 value" NE "2"},
        {"model: lif_cond\nsweep: {exc_rate: [10, 11, 12]}\n",
         "model: lif_cond\nsweep: {exc_rate: [10, 11, 12.5]}\n",
         "axis exc_rate: value 3 is 12" NE "12.5"},
        {"model: lif_cond\nsweep: {input: [poisson, regular]}\n",
         "model: lif_cond\nsweep: {input: [regular, poisson]}\n",
         "axis input: value 1 is poisson" NE "regular"},
        {"model: lif_cond_stp\nsweep: {tau_ratio: [0.5, 1]}\n"
         "derived: {tau_f_E: 300 * tau_ratio}\n",
         "model: lif_cond_stp\n"
         "sweep: {tau_ratio: {zip: {x: [0.5, 1], tau_d_E: [100, 200]}}}\n"
         "derived: {tau_f_E: 300 * x}\n",
         "axis tau_ratio: not a zip" NE "a zip"},
        {"model: lif_cond_stp\n"
         "sweep: {regime: {zip: {U0_E: [0.2, 0.5], tau_d_E: [100, 200]}}}\n",
         "model: lif_cond_stp\nsweep: {regime: {zip: {U0_E: [0.2, 0.5]}}}\n",
         "axis regime: members U0_E, tau_d_E" NE "U0_E"},
        {"model: lif_cond_stp\n"
         "sweep: {regime: {zip: {U0_E: [0.2, 0.5], tau_d_E: [100, 200]}}}\n",
         "model: lif_cond_stp\n"
         "sweep: {regime: {zip: {tau_d_E: [100, 250], U0_E: [0.2, 0.5]}}}\n",
         "axis regime: member tau_d_E value 2 is 200" NE "250"},
        {"model: lif_cond\nfixed: {gE_bar: 3}\n", "model: lif_cond\n",
         "fixed gE_bar 3" NE "2.4"},
        /* numbers in the shortest form that reads back exactly */
        {"model: lif_cond\nfixed: {gE_bar: 0.3}\n",
         "model: lif_cond\nfixed: {gE_bar: 0.30000000000000004}\n",
         "fixed gE_bar 0.3" NE "0.30000000000000004"},
        /* trials are keyed by the bits of their parameters */
        {"model: lif_cond\nfixed: {I_inj: -0}\n",
         "model: lif_cond\nfixed: {I_inj: 0}\n", "fixed I_inj -0" NE "0"},
        {"model: stp_train\nfixed: {input: poisson}\n", "model: stp_train\n",
         "fixed input poisson" NE "regular"},
        {"model: stp_train\nderived: {tau_syn: 0.05 * tau_d}\n",
         "model: stp_train\nderived: {tau_syn: 0.1 * tau_d}\n",
         "derived tau_syn: 0.05 * tau_d" NE "0.1 * tau_d"},
        /* operand order counts (so do associativity and rounding) */
        {"model: stp_train\nderived: {tau_syn: 0.05 * tau_d}\n",
         "model: stp_train\nderived: {tau_syn: tau_d * 0.05}\n",
         "derived tau_syn: 0.05 * tau_d" NE "tau_d * 0.05"},
        {"model: stp_train\nderived: {tau_syn: 0.05 * tau_d}\n",
         "model: stp_train\nfixed: {tau_syn: 5}\n",
         "tau_syn: derived 0.05 * tau_d" NE "fixed 5"},
        {"model: stp_train\nfixed: {tau_syn: 5}\n",
         "model: stp_train\nderived: {tau_syn: 0.05 * tau_d}\n",
         "tau_syn: fixed 5" NE "derived 0.05 * tau_d"},
        /* the parameters in the table's order: tau_m before gE_bar */
        {"model: lif_cond\nfixed: {gE_bar: 3, tau_m: 20}\n",
         "model: lif_cond\n", "fixed tau_m 20" NE "10"},
        {"model: stp_train\nmetrics: [g1, g10]\n",
         "model: stp_train\nmetrics: [g1]\n", "metrics g1, g10" NE "g1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        assert_first_difference(cases[i].file, cases[i].spec, cases[i].want);
}

static void spec_same_sweep_cuts_the_difference_to_the_buffer(void **state)
{
    (void)state;
    ss_spec *a = load("model: lif_cond\nseed: 1\n");
    ss_spec *b = load("model: lif_cond\nseed: 2\n");
    char msg[8];
    assert_false(ss_spec_same_sweep(a, b, msg, sizeof msg));
    assert_string_equal(msg, "seed 1 ");
    assert_false(ss_spec_same_sweep(a, b, NULL, 0));
    ss_spec_free(a);
    ss_spec_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spec_reads_every_top_level_key),
        cmocka_unit_test(spec_defaults_when_keys_are_absent),
        cmocka_unit_test(
            spec_file_stem_drops_directories_and_the_last_extension),
        cmocka_unit_test(spec_keeps_the_text_verbatim),
        cmocka_unit_test(spec_range_includes_stop_within_a_tolerance),
        cmocka_unit_test(spec_linspace_and_geomspace_follow_numpy),
        cmocka_unit_test(spec_range_and_linspace_give_values_as_written),
        cmocka_unit_test(spec_zip_members_vary_together),
        cmocka_unit_test(spec_zip_labels_name_the_values),
        cmocka_unit_test(spec_input_axis_takes_words),
        cmocka_unit_test(spec_free_variable_drives_derived_parameters),
        cmocka_unit_test(spec_orders_derived_dependencies_first),
        cmocka_unit_test(spec_counts_points_and_trials),
        cmocka_unit_test(spec_rejects_negative_dt_at_value_location),
        cmocka_unit_test(spec_hints_name_the_nearest_valid_word),
        cmocka_unit_test(spec_locates_errors_inside_expressions),
        cmocka_unit_test(spec_rejects_each_parameter_set_twice),
        cmocka_unit_test(spec_rejects_malformed_axes),
        cmocka_unit_test(spec_rejects_names_the_results_file_cannot_hold),
        cmocka_unit_test(spec_refuses_every_yaml_tag_at_the_tag),
        cmocka_unit_test(spec_rejects_wrong_types_at_the_value),
        cmocka_unit_test(spec_cross_parameter_errors_point_at_their_source),
        cmocka_unit_test(spec_checks_points_of_large_grids),
        cmocka_unit_test(spec_checks_zipped_rules_between_the_ends),
        cmocka_unit_test(spec_refuses_deep_nesting_quickly),
        cmocka_unit_test(spec_reports_grid_overflow_where_it_happens),
        cmocka_unit_test(spec_load_file_reports_unreadable_files),
        cmocka_unit_test(spec_rejects_text_over_16_mib),
        cmocka_unit_test(spec_bad_catalogue_fails_at_the_expected_place),
        cmocka_unit_test(spec_good_files_load),
        cmocka_unit_test(spec_same_sweep_ignores_what_only_the_text_holds),
        cmocka_unit_test(spec_same_sweep_names_the_first_difference),
        cmocka_unit_test(spec_same_sweep_cuts_the_difference_to_the_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
