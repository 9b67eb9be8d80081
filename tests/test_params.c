#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "synsweep/params.h"

/* The tutorial's values: default_pars, Coding Exercise 1.2 (lif_cond),
 * the bonus LIF_STP demo at tau_ratio 0.5 (lif_cond_stp), my_illus_STD's
 * defaults (stp_train). */
static void params_defaults_are_the_tutorials(void **state)
{
    (void)state;
    ss_params p;
    ss_params_defaults(SS_MODEL_LIF_COND, &p);
    assert_close(p.V_th, -55., 0, 0);
    assert_close(p.V_reset, -75., 0, 0);
    assert_close(p.tau_m, 10., 0, 0);
    assert_close(p.g_L, 10., 0, 0);
    assert_close(p.V_init, -65., 0, 0);
    assert_close(p.E_L, -75., 0, 0);
    assert_close(p.tref, 2., 0, 0);
    assert_close(p.dt, .1, 0, 0);
    assert_close(p.T, 1000., 0, 0);
    assert_close(p.gE_bar, 2.4, 0, 0);
    assert_close(p.gI_bar, 2.4, 0, 0);
    assert_close(p.VE, 0., 0, 0);
    assert_close(p.VI, -80., 0, 0);
    assert_close(p.tau_syn_E, 2., 0, 0);
    assert_close(p.tau_syn_I, 5., 0, 0);
    assert_close(p.n_exc, 80, 0, 0);
    assert_close(p.n_inh, 20, 0, 0);
    assert_close(p.exc_rate, 10, 0, 0);
    assert_close(p.inh_rate, 10, 0, 0);
    assert_close(p.input, SS_INPUT_POISSON, 0, 0);

    ss_params_defaults(SS_MODEL_LIF_COND_STP, &p);
    assert_close(p.gE_bar, 1.2 * 4, 0, 0);
    assert_close(p.gI_bar, 1.6 * 4, 0, 0);
    assert_close(p.tau_syn_E, 5., 0, 0);
    assert_close(p.tau_syn_I, 10., 0, 0);
    assert_close(p.U0_E, 0.45, 0, 0);
    assert_close(p.tau_d_E, 500. * 0.5, 0, 0);
    assert_close(p.tau_f_E, 300. * 0.5, 0, 0);
    assert_close(p.U0_I, 0.45, 0, 0);
    assert_close(p.tau_d_I, 500. * 0.5, 0, 0);
    assert_close(p.tau_f_I, 300. * 0.5, 0, 0);
    assert_close(p.exc_rate, 15, 0, 0);
    assert_close(p.inh_rate, 15, 0, 0);

    ss_params_defaults(SS_MODEL_STP_TRAIN, &p);
    assert_close(p.rate, 20., 0, 0);
    assert_close(p.U0, 0.5, 0, 0);
    assert_close(p.tau_d, 100., 0, 0);
    assert_close(p.tau_f, 50., 0, 0);
    assert_close(p.g_bar, 1.2, 0, 0);
    assert_close(p.tau_syn, 5., 0, 0);
    assert_close(p.dt, .1, 0, 0);
    assert_close(p.input, SS_INPUT_REGULAR, 0, 0);
}

static void params_defaults_pass_validation(void **state)
{
    (void)state;
    for (int m = 0; m < SS_MODEL_COUNT; m++) {
        ss_params p;
        ss_error err;
        ss_params_defaults((ss_model)m, &p);
        assert_int_equal(ss_params_validate((ss_model)m, &p, &err), SS_OK);
    }
}

static void params_table_and_struct_agree(void **state)
{
    (void)state;
    ss_params p;
    memset(&p, 0, sizeof p);
    ss_params_put(&p, SS_P_tau_syn_I, 2.385);
    assert_close(p.tau_syn_I, 2.385, 0, 0);
    p.U0_E = 0.615;
    assert_close(ss_params_get(&p, SS_P_U0_E), 0.615, 0, 0);
    assert_int_equal(ss_param_find("tau_d_I"), SS_P_tau_d_I);
    assert_int_equal(ss_param_find("nope"), SS_PARAM_COUNT);
    assert_string_equal(ss_param_info_of(SS_P_gE_bar)->unit, "nS");
    assert_true(ss_param_used_by(SS_P_U0_E, SS_MODEL_LIF_COND_STP));
    assert_false(ss_param_used_by(SS_P_U0_E, SS_MODEL_LIF_COND));
    assert_false(ss_param_used_by(SS_P_V_th, SS_MODEL_STP_TRAIN));
    assert_true(ss_param_used_by(SS_P_dt, SS_MODEL_STP_TRAIN));
    assert_int_equal(ss_model_from_name("lif_cond_stp"), SS_MODEL_LIF_COND_STP);
    assert_int_equal(ss_model_from_name("lif"), SS_MODEL_COUNT);
}

static void params_assign_sets_numbers_and_choices(void **state)
{
    (void)state;
    ss_params p;
    ss_error err;
    ss_params_defaults(SS_MODEL_LIF_COND, &p);
    assert_int_equal(ss_params_assign(SS_MODEL_LIF_COND, &p, "tau_m=13.7", &err),
                     SS_OK);
    assert_close(p.tau_m, 13.7, 0, 0);
    assert_int_equal(
        ss_params_assign(SS_MODEL_LIF_COND, &p, "input=regular", &err), SS_OK);
    assert_close(p.input, SS_INPUT_REGULAR, 0, 0);
    assert_int_equal(ss_params_assign(SS_MODEL_LIF_COND, &p, "n_exc=7", &err),
                     SS_OK);
    assert_close(p.n_exc, 7, 0, 0);
    assert_int_equal(ss_params_assign(SS_MODEL_LIF_COND, &p, "V_th=-5.5e1", &err),
                     SS_OK);
    assert_close(p.V_th, -55, 0, 0);
}

static void params_assign_ignores_blanks_around_name_and_value(void **state)
{
    (void)state;
    static const char *const forms[] = {"tau_m=13.75 ", "tau_m= 13.75",
                                        " tau_m =\t13.75\n", "tau_m =13.75",
                                        "\ttau_m=13.75"};
    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
        ss_params p;
        ss_error err;
        ss_error_clear(&err);
        ss_params_defaults(SS_MODEL_LIF_COND, &p);
        if (ss_params_assign(SS_MODEL_LIF_COND, &p, forms[i], &err) != SS_OK) {
            print_error("'%s': %s\n", forms[i], err.message);
            fail();
        }
        assert_close(p.tau_m, 13.75, 0, 0);
    }
    ss_params p;
    ss_error err;
    ss_params_defaults(SS_MODEL_LIF_COND, &p);
    assert_int_equal(
        ss_params_assign(SS_MODEL_LIF_COND, &p, " input = regular ", &err),
        SS_OK);
    assert_close(p.input, SS_INPUT_REGULAR, 0, 0);
}

static void assign_fails(ss_model m, const char *text, const char *needle,
                         const char *hint)
{
    ss_params p;
    ss_error err;
    ss_error_clear(&err);
    ss_params_defaults(m, &p);
    ss_params before = p;
    assert_int_equal(ss_params_assign(m, &p, text, &err), SS_ERR_PARAM);
    assert_memory_equal(&p, &before, sizeof p); /* nothing half-applied */
    if (!strstr(err.message, needle)) {
        print_error("message '%s' lacks '%s'\n", err.message, needle);
        fail();
    }
    if (hint && !strstr(err.hint, hint)) {
        print_error("hint '%s' lacks '%s'\n", err.hint, hint);
        fail();
    }
}

static void params_assign_rejects_bad_input_with_a_clear_message(void **state)
{
    (void)state;
    assign_fails(SS_MODEL_STP_TRAIN, "U0=1.5", "U0 must be a number in (0, 1]",
                 NULL);
    assign_fails(SS_MODEL_STP_TRAIN, "U0=0", "(got 0)", NULL);
    assign_fails(SS_MODEL_LIF_COND, "dt=-0.1", "dt must be a number in (0, 100]",
                 NULL);
    assign_fails(SS_MODEL_LIF_COND, "tau_n=3", "unknown parameter 'tau_n'",
                 "did you mean 'tau_m'?");
    assign_fails(SS_MODEL_STP_TRAIN, "V_th=3",
                 "parameter 'V_th' is not used by model stp_train", NULL);
    assign_fails(SS_MODEL_LIF_COND, "tau_m=fast", "got 'fast'", NULL);
    assign_fails(SS_MODEL_LIF_COND, "tau_m=3x", "got '3x'", NULL);
    assign_fails(SS_MODEL_LIF_COND, "tau_m=", "got ''", NULL);
    assign_fails(SS_MODEL_LIF_COND, "tau_m=nan", "(got nan)", NULL);
    assign_fails(SS_MODEL_LIF_COND, "tau_m=inf", "tau_m must be", NULL);
    assign_fails(SS_MODEL_LIF_COND, "tau_m=1e999", "tau_m must be", NULL);
    assign_fails(SS_MODEL_LIF_COND, "n_exc=2.5",
                 "n_exc must be a whole number in [0, 100000]", NULL);
    assign_fails(SS_MODEL_LIF_COND, "n_inh=-1", "n_inh must be a whole number",
                 NULL);
    assign_fails(SS_MODEL_LIF_COND, "exc_rate=-3", "exc_rate must be", NULL);
    assign_fails(SS_MODEL_LIF_COND, "input=poison", "poisson | regular",
                 NULL);
    assign_fails(SS_MODEL_LIF_COND, "tau_m", "expected NAME=VALUE", NULL);
    assign_fails(SS_MODEL_LIF_COND, "=3", "expected NAME=VALUE", NULL);
    assign_fails(SS_MODEL_LIF_COND, "  =3", "expected NAME=VALUE", NULL);
    assign_fails(SS_MODEL_LIF_COND, "tau_m=  ", "got ''", NULL);
    assign_fails(SS_MODEL_LIF_COND, "tau_m=1 3", "got '1 3'", NULL);
    assign_fails(SS_MODEL_LIF_COND, "ta u_m=3", "unknown parameter 'ta u_m'",
                 NULL);
}

static void params_validate_ties_rates_to_dt(void **state)
{
    (void)state;
    ss_params p;
    ss_error err;
    ss_params_defaults(SS_MODEL_LIF_COND, &p);
    p.exc_rate = 20000; /* p = 20000 * 0.1 / 1000 = 2 */
    assert_int_equal(ss_params_validate(SS_MODEL_LIF_COND, &p, &err),
                     SS_ERR_PARAM);
    assert_non_null(strstr(err.message, "exc_rate * dt / 1000 must be <= 1"));
    p.exc_rate = 10000; /* p = 1 exactly: allowed */
    assert_int_equal(ss_params_validate(SS_MODEL_LIF_COND, &p, &err), SS_OK);

    ss_params_defaults(SS_MODEL_STP_TRAIN, &p);
    p.rate = 12000;
    assert_int_equal(ss_params_validate(SS_MODEL_STP_TRAIN, &p, &err),
                     SS_ERR_PARAM);
    assert_non_null(strstr(err.message, "rate * dt / 1000"));
}

static void params_validate_bounds_the_time_grid(void **state)
{
    (void)state;
    ss_params p;
    ss_error err;
    ss_params_defaults(SS_MODEL_LIF_COND, &p);
    p.T = 1e7; /* 1e8 bins */
    assert_int_equal(ss_params_validate(SS_MODEL_LIF_COND, &p, &err),
                     SS_ERR_PARAM);
    /* the quotient as it is, not the bin count capped above the limit */
    assert_string_equal(err.message, "the time grid must have 2 to 10000000 "
                                     "bins (got T / dt = 100000000)");
    p.dt = 1e-300;
    assert_int_equal(ss_params_validate(SS_MODEL_LIF_COND, &p, &err),
                     SS_ERR_PARAM);
    assert_non_null(strstr(err.message, "(got T / dt = 1e+307)"));
    p.dt = 0.1;
    p.T = 1000000.05; /* 10000000.5: 10000001 bins */
    assert_int_equal(ss_params_validate(SS_MODEL_LIF_COND, &p, &err),
                     SS_ERR_PARAM);
    assert_non_null(strstr(err.message, "(got T / dt = 10000000.5)"));
    ss_params_defaults(SS_MODEL_STP_TRAIN, &p);
    p.rate = 0.001;
    p.dt = 0.01;
    assert_int_equal(ss_params_validate(SS_MODEL_STP_TRAIN, &p, &err),
                     SS_ERR_PARAM);
    assert_non_null(strstr(err.message, "(got 10000 / rate / dt = "
                                        "1000000000)"));
    ss_params_defaults(SS_MODEL_LIF_COND, &p);
    p.T = 0.1; /* one bin */
    assert_int_equal(ss_params_validate(SS_MODEL_LIF_COND, &p, &err),
                     SS_ERR_PARAM);
    p.T = 0.15; /* np.arange(0, 0.15, 0.1) has 2 points */
    assert_int_equal(ss_params_validate(SS_MODEL_LIF_COND, &p, &err), SS_OK);
}

static void params_format_numbers_in_the_shortest_exact_form(void **state)
{
    (void)state;
    static const double values[] = {0.1,  0.3,    0.1 + 0.2, 1e7,    -0.0,
                                    2.385, 1e-300, 1.0 / 3,  1e+307, 12.5};
    static const char *const want[] = {
        "0.1",   "0.3",    "0.30000000000000004", "10000000", "-0",
        "2.385", "1e-300", "0.3333333333333333", "1e+307",   "12.5"};
    char buf[32];
    for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
        ss_param_format_number(values[i], buf, sizeof buf);
        assert_string_equal(buf, want[i]);
        assert_true(strtod(buf, NULL) == values[i]);
    }
    ss_param_format_number(2.385, buf, 3); /* cut as snprintf cuts */
    assert_string_equal(buf, "2.");
}

static void params_time_bins_follow_numpy_arange(void **state)
{
    (void)state;
    ss_params p;
    ss_params_defaults(SS_MODEL_LIF_COND, &p);
    assert_int_equal(ss_params_time_bins(SS_MODEL_LIF_COND, &p), 10000);
    p.T = 723.4;
    p.dt = 0.05; /* len(np.arange(0, 723.4, 0.05)) = 14468 */
    assert_int_equal(ss_params_time_bins(SS_MODEL_LIF_COND, &p), 14468);
    ss_params_defaults(SS_MODEL_STP_TRAIN, &p);
    p.rate = 15; /* T = 666.67 ms: 6667 bins (the tutorial's STD table) */
    assert_int_equal(ss_params_time_bins(SS_MODEL_STP_TRAIN, &p), 6667);
    p.rate = 30;
    assert_int_equal(ss_params_time_bins(SS_MODEL_STP_TRAIN, &p), 3334);
}

static void params_point_holds_the_models_values_in_table_order(void **state)
{
    (void)state;
    ss_params p;
    double v[SS_PARAM_COUNT + 1];
    ss_params_defaults(SS_MODEL_STP_TRAIN, &p);
    size_t n = ss_params_point(SS_MODEL_STP_TRAIN, &p, v);
    /* the model, then dt input rate g_bar tau_syn U0 tau_d tau_f */
    assert_int_equal(n, 9);
    assert_close(v[0], SS_MODEL_STP_TRAIN, 0, 0);
    assert_close(v[1], 0.1, 0, 0);
    assert_close(v[2], SS_INPUT_REGULAR, 0, 0);
    assert_close(v[3], 20., 0, 0);
    assert_close(v[8], 50., 0, 0);
    ss_params_defaults(SS_MODEL_LIF_COND_STP, &p);
    assert_int_equal(ss_params_point(SS_MODEL_LIF_COND_STP, &p, v), 1 + 28);
}

static void params_nearest_name_suggests_close_names_only(void **state)
{
    (void)state;
    assert_string_equal(ss_params_nearest_name(SS_MODEL_LIF_COND, "gE_bra"),
                        "gE_bar");
    assert_string_equal(ss_params_nearest_name(SS_MODEL_LIF_COND, "V_TH"),
                        "V_th");
    assert_string_equal(ss_params_nearest_name(SS_MODEL_STP_TRAIN, "tauf"),
                        "tau_f");
    assert_null(ss_params_nearest_name(SS_MODEL_LIF_COND, "frobnicate"));
}

static void params_format_range_and_value(void **state)
{
    (void)state;
    char buf[96];
    ss_param_format_range(SS_P_U0, buf, sizeof buf);
    assert_string_equal(buf, "(0, 1]");
    ss_param_format_range(SS_P_tref, buf, sizeof buf);
    assert_string_equal(buf, "[0, 1000000]");
    ss_param_format_range(SS_P_input, buf, sizeof buf);
    assert_string_equal(buf, "poisson | regular");
    ss_param_format_value(SS_P_input, SS_INPUT_REGULAR, buf, sizeof buf);
    assert_string_equal(buf, "regular");
    /* the shortest form that reads back exactly */
    ss_param_format_value(SS_P_dt, 0.1, buf, sizeof buf);
    assert_string_equal(buf, "0.1");
    ss_param_format_value(SS_P_dt, 0.1 + 0.2, buf, sizeof buf);
    assert_string_equal(buf, "0.30000000000000004");
    ss_param_format_value(SS_P_dt, 1e-5, buf, sizeof buf);
    assert_string_equal(buf, "1e-05");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(params_defaults_are_the_tutorials),
        cmocka_unit_test(params_defaults_pass_validation),
        cmocka_unit_test(params_table_and_struct_agree),
        cmocka_unit_test(params_assign_sets_numbers_and_choices),
        cmocka_unit_test(params_assign_ignores_blanks_around_name_and_value),
        cmocka_unit_test(params_assign_rejects_bad_input_with_a_clear_message),
        cmocka_unit_test(params_validate_ties_rates_to_dt),
        cmocka_unit_test(params_validate_bounds_the_time_grid),
        cmocka_unit_test(params_format_numbers_in_the_shortest_exact_form),
        cmocka_unit_test(params_time_bins_follow_numpy_arange),
        cmocka_unit_test(params_point_holds_the_models_values_in_table_order),
        cmocka_unit_test(params_nearest_name_suggests_close_names_only),
        cmocka_unit_test(params_format_range_and_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
