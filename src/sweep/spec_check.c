/* The load-time check of the grid's points: every point a trial can meet
 * passes ss_params_check_point, or the spec is refused before it runs. */
#include "spec_yaml.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synsweep/expr.h"
#include "synsweep/params.h"

/* Up to this many points every point is checked at load time; above it
 * only the axes that can change the outcome of ss_params_check_point (those
 * its documented cross-parameter rules read, and those a derived
 * expression reads) are iterated, the others being checked value by
 * value (see ss__spec_check_points). */
#define SPEC_FULL_CHECK_POINTS ((uint64_t)1 << 14)
/* The work of checking the points at load time, at most a fraction of a
 * second: each point costs about as much as SPEC_POINT_COST steps of an
 * expression, plus its derived expressions' steps (at most their length),
 * so a grid without derived parameters may check 2^20 points. */
#define SPEC_MAX_CHECK_WORK ((uint64_t)1 << 27)
#define SPEC_POINT_COST 128

/* Every point is checked with ss_spec_point itself. Above
 * SPEC_FULL_CHECK_POINTS, an axis none of whose members is read by a
 * derived expression or by the cross-parameter rules of
 * ss_params_check_point (rates, dt, T) stays at its first value: its
 * values were range-checked one by one, which is all the check does with
 * them. An axis with one member those rules read, and none an expression
 * reads, takes only that member's smallest and largest value: the rules
 * (rate * dt / 1000 <= 1, 2 <= T / dt <= SS_MAX_BINS, and their stp_train
 * forms) are monotone in each of their parameters, so a point that fails
 * them fails at a corner of the box of values. The other axes go through
 * every value, within SPEC_MAX_CHECK_WORK, so loading stays quick whatever
 * the spec. */
ss_status ss__spec_check_points(loader *ld)
{
    const ss_spec *spec = ld->spec;
    size_t na = spec->n_axes;
    bool read[SS_PARAM_COUNT + SPEC_MAX_FREE] = {false};
    bool rule[SS_PARAM_COUNT] = {false};
    int slots[SS_PARAM_COUNT + SPEC_MAX_FREE];
    uint64_t cost = SPEC_POINT_COST;
    for (size_t i = 0; i < spec->n_derived; i++) {
        size_t ns = ss_expr_slots(spec->derived[i].expr, slots,
                                  sizeof slots / sizeof *slots);
        for (size_t j = 0; j < ns; j++)
            read[slots[j]] = true;
        cost += strlen(spec->derived[i].text);
    }
    rule[SS_P_T] = rule[SS_P_dt] = rule[SS_P_rate] = true;
    rule[SS_P_exc_rate] = rule[SS_P_inh_rate] = true;

    /* axis a goes through the indices 0 .. n_pos[a] - 1, or ends[a][] */
    size_t *idx = calloc(na ? na : 1, sizeof *idx);
    size_t *pos = calloc(na ? na : 1, sizeof *pos);
    size_t *n_pos = calloc(na ? na : 1, sizeof *n_pos);
    size_t(*ends)[2] = calloc(na ? na : 1, sizeof *ends);
    bool *all = calloc(na ? na : 1, sizeof *all);
    ss_status s =
        idx && pos && n_pos && ends && all ? SS_OK : ss__spec_nomem(ld);
    uint64_t checks = 1;
    for (size_t a = 0; s == SS_OK && a < na; a++) {
        const spec_axis *ax = &spec->axes[a];
        size_t n_read = 0, n_rule = 0, by_rule = 0;
        for (size_t k = 0; k < ax->pub.n_members; k++) {
            int slot = ax->src[k].slot;
            if (read[slot])
                n_read++;
            else if (slot < SS_PARAM_COUNT && rule[slot]) {
                by_rule = k;
                n_rule++;
            }
        }
        n_pos[a] = 1;
        all[a] = spec->points <= SPEC_FULL_CHECK_POINTS || n_read > 0 ||
                 n_rule > 1;
        if (all[a]) {
            n_pos[a] = ax->pub.n;
        } else if (n_rule == 1) {
            const double *v = ax->pub.members[by_rule].values;
            for (size_t i = 1; i < ax->pub.n; i++) {
                if (v[i] < v[ends[a][0]])
                    ends[a][0] = i;
                if (v[i] > v[ends[a][1]])
                    ends[a][1] = i;
            }
            n_pos[a] = ends[a][0] == ends[a][1] ? 1 : 2;
        }
        checks *= n_pos[a]; /* at most the points: cannot wrap */
    }
    if (s == SS_OK && checks > SPEC_MAX_CHECK_WORK / cost) {
        char names[256];
        size_t used = 0;
        names[0] = '\0';
        for (size_t a = 0; a < na && used < sizeof names; a++)
            if (n_pos[a] > 1)
                used += (size_t)snprintf(names + used, sizeof names - used,
                                         "%s%s", used ? ", " : "",
                                         spec->axes[a].pub.name);
        s = ss__spec_fail(
            ld, node_loc(ld->key[K_SWEEP]),
            "the grid has %llu points to check at load time, more than "
            "%llu",
            (unsigned long long)checks,
            (unsigned long long)(SPEC_MAX_CHECK_WORK / cost));
        ss_error_hint(ld->err, "every combination of the axes %s is checked "
                               "(a limit that long derived expressions "
                               "lower): split the sweep into several specs",
                      names);
    }
    bool more = s == SS_OK;
    while (more) {
        for (size_t a = 0; a < na; a++)
            idx[a] = all[a] ? pos[a] : ends[a][pos[a]];
        ss_params p;
        s = ss_spec_point(spec, idx, &p, NULL, ld->err);
        if (s != SS_OK)
            break;
        more = false; /* odometer: the last axis turns fastest */
        for (size_t a = na; a-- > 0 && !more;) {
            if (++pos[a] < n_pos[a])
                more = true;
            else
                pos[a] = 0;
        }
    }
    free(idx);
    free(pos);
    free(n_pos);
    free(ends);
    free(all);
    return s;
}
