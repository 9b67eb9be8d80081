/* The parameters of one grid point: what a trial calls, so this file
 * reads the loaded spec only and knows nothing of YAML. */
#include "spec_internal.h"

#include <stdio.h>

#include "synsweep/expr.h"
#include "synsweep/params.h"

/* Where the parameter id that fails a point is set: its list element or
 * generating form on an axis, its `fixed` or `derived` value, or the
 * `model` key for a default. */
static loc culprit_loc(const ss_spec *spec, ss_param_id id, const size_t *idx)
{
    if (id == SS_PARAM_COUNT)
        return spec->model_key;
    const set_place *at = &spec->set[id];
    switch (at->kind) {
    case SET_FIXED:
    case SET_DERIVED:
        return at->value;
    case SET_AXIS: {
        const member_src *src = &spec->axes[at->axis].src[at->member];
        return src->elem ? src->elem[idx[at->axis]] : src->form;
    }
    default:
        return spec->model_key;
    }
}

/* "rate=20000, dt=0.1": the axis values of a point. */
static void describe_point(const ss_spec *spec, const size_t *idx, char *buf,
                           size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t a = 0; a < spec->n_axes; a++) {
        const ss_axis *ax = &spec->axes[a].pub;
        for (size_t k = 0; k < ax->n_members && used < size; k++) {
            const ss_axis_member *m = &ax->members[k];
            double v = m->values[idx[a]];
            char value[64];
            if (m->param != SS_PARAM_COUNT &&
                ss_param_info_of(m->param)->kind == SS_KIND_CHOICE)
                ss_param_format_value(m->param, v, value, sizeof value);
            else
                ss_param_format_number(v, value, sizeof value);
            used += (size_t)snprintf(buf + used, size - used, "%s%s=%s",
                                     used ? ", " : "", m->name, value);
        }
    }
}

ss_status ss_spec_point(const ss_spec *spec, const size_t *idx, ss_params *out,
                        double *derived_out, ss_error *err)
{
    double vars[SS_PARAM_COUNT + SPEC_MAX_FREE];
    ss_params p = spec->fixed;
    for (size_t a = 0; a < spec->n_axes; a++) {
        const spec_axis *ax = &spec->axes[a];
        if (idx[a] >= ax->pub.n) {
            return ss_error_set(err, SS_ERR_USAGE,
                                "index %zu is out of range for axis '%s' "
                                "(%zu values)",
                                idx[a], ax->pub.name, ax->pub.n);
        }
        for (size_t k = 0; k < ax->pub.n_members; k++) {
            const ss_axis_member *m = &ax->pub.members[k];
            if (m->param != SS_PARAM_COUNT)
                ss_params_put(&p, m->param, m->values[idx[a]]);
            else
                vars[ax->src[k].slot] = m->values[idx[a]];
        }
    }
    for (int i = 0; i < SS_PARAM_COUNT; i++)
        vars[i] = ss_params_get(&p, (ss_param_id)i);
    for (size_t i = 0; i < spec->n_derived; i++) {
        const derived *d = &spec->derived[i];
        double v = ss_expr_eval(d->expr, vars);
        ss_params_put(&p, d->param, v);
        vars[d->param] = v;
        if (derived_out)
            derived_out[i] = v;
    }
    *out = p;

    ss_param_id culprit;
    ss_error inner;
    ss_error_clear(&inner);
    if (ss_params_check_point(spec->model, &p, &culprit, &inner) == SS_OK)
        return SS_OK;
    if (!err)
        return SS_ERR_SPEC;
    char point[256];
    describe_point(spec, idx, point, sizeof point);
    loc at = culprit_loc(spec, culprit, idx);
    return ss_error_set_at(err, SS_ERR_SPEC, spec->file, at.line, at.column,
                           "%s%s%s", inner.message,
                           point[0] ? " at grid point " : "", point);
}
