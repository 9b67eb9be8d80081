#!/usr/bin/env bash
# End-to-end checks of `synsweep trial`: output formats, agreement with the
# tutorial's numbers, determinism, and the errors and exit codes of bad input.
set -u
bin=${1:?usage: test_trial.sh path/to/synsweep}
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

# expect_error EXIT NEEDLE ARGS...: the command fails with EXIT and its one
# error line contains NEEDLE; nothing on stdout.
expect_error() {
    local want=$1 needle=$2
    shift 2
    local out err rc
    out=$("$bin" "$@" 2>/tmp/synsweep_trial_err.$$)
    rc=$?
    err=$(cat /tmp/synsweep_trial_err.$$)
    rm -f /tmp/synsweep_trial_err.$$
    if [ "$rc" -ne "$want" ]; then
        bad "$* exited $rc, expected $want (stderr: $err)"
    elif [[ "$err" != *"$needle"* ]]; then
        bad "$*: stderr '$err' lacks '$needle'"
    elif [ -n "$out" ]; then
        bad "$*: printed '$out' on stdout"
    else
        ok
    fi
}

# close NAME VALUE EXPECTED: relative error <= 1e-12
close() {
    if awk -v a="$2" -v b="$3" 'BEGIN { d = a - b; if (d < 0) d = -d;
            s = b < 0 ? -b : b; exit !(d <= 1e-12 * s) }'; then
        ok
    else
        bad "$1 = $2, expected $3"
    fi
}

value() { awk -F'\t' -v k="$1" '$1 == k { print $2 }'; }

# The tutorial's STD table at 20 Hz (my_illus_STD, U0=0.5 tau_d=100 tau_f=50).
out=$("$bin" trial stp_train --set rate=20) || bad "stp_train trial failed"
close g1 "$(value g1 <<<"$out")" 0.6
close g10 "$(value g10 <<<"$out")" 0.3779432126139256
close g_ratio "$(value g_ratio <<<"$out")" 0.6299053543565427
# ... and its STF table at 10 Hz (U0=0.2 tau_d=100 tau_f=750).
out=$("$bin" trial stp_train --set rate=10 --set U0=0.2 --set tau_f=750) ||
    bad "stf trial failed"
close g10_stf "$(value g10 <<<"$out")" "$(
    "$bin" trial stp_train --set rate=10 --set U0=0.2 --set tau_f=750 --json |
        sed 's/.*"g10": \([^,]*\),.*/\1/')"

json=$("$bin" trial stp_train --set rate=20 --json --kernel reference)
case "$json" in
'{"g1": 0.6, "g10": 0.3779432126139256'*'}') ok ;;
*) bad "json output: $json" ;;
esac
if command -v /usr/bin/python3 >/dev/null &&
    /usr/bin/python3 -c 'import json,sys; d = json.loads(sys.argv[1]); assert d["u1"] == 0.5' "$json"; then
    ok
else
    bad "json does not parse: $json"
fi

# DC-driven lif_cond at 250 pA: 55 spikes in 1 s (run_LIF_cond), with
# either kernel.
for k in reference fast; do
    out=$("$bin" trial lif_cond --set n_exc=0 --set n_inh=0 --set I_inj=250 --kernel $k)
    [ "$(value n_spikes <<<"$out")" = 55 ] && ok || bad "DC 250 pA ($k): $out"
    close "v_mean ($k)" "$(value v_mean <<<"$out")" -63.82838079327536
done
out=$("$bin" trial stp_train --set rate=20 --kernel fast)
close "g10 (fast)" "$(value g10 <<<"$out")" 0.3779432126139256

# All three models run with their defaults; output is deterministic.
for m in lif_cond lif_cond_stp stp_train; do
    a=$("$bin" trial $m --seed 3 --repeat 2) || bad "$m failed"
    b=$("$bin" trial $m --seed 3 --repeat 2)
    [ -n "$a" ] && [ "$a" = "$b" ] && ok || bad "$m not deterministic"
done
a=$("$bin" trial lif_cond --seed 1)
b=$("$bin" trial lif_cond --seed 2)
[ "$a" != "$b" ] && ok || bad "seeds 1 and 2 gave the same lif_cond trial"
"$bin" trial lif_cond --set input=regular --json | grep -q '"cv_isi"' && ok ||
    bad "regular input"

# Blanks around NAME and VALUE do not matter: 'T=5 ' is 'T= 5' is 'T=5'.
a=$("$bin" trial lif_cond --set 'T=50 ' --set ' n_exc = 3') || bad "--set 'T=50 '"
b=$("$bin" trial lif_cond --set 'T= 50' --set 'n_exc=3')
[ -n "$a" ] && [ "$a" = "$b" ] && ok || bad "--set with blanks: '$a' vs '$b'"

# Bad input: one clear line naming the parameter and its range, status 2.
expect_error 2 "U0 must be a number in (0, 1] (got 1.5)" trial stp_train --set U0=1.5
expect_error 2 "unknown parameter 'tau_n' for model lif_cond" trial lif_cond --set tau_n=3
expect_error 2 "did you mean 'tau_m'?" trial lif_cond --set tau_n=3
expect_error 2 "parameter 'V_th' is not used by model stp_train" trial stp_train --set V_th=1
expect_error 2 "dt must be a number in (0, 100] (got 'abc')" trial lif_cond --set dt=abc
expect_error 2 "n_exc must be a whole number in [0, 100000] (got 2.5)" trial lif_cond --set n_exc=2.5
expect_error 2 "exc_rate * dt / 1000 must be <= 1" trial lif_cond --set exc_rate=20000
expect_error 2 "input must be one of poisson | regular" trial lif_cond --set input=bursty
expect_error 2 "unknown model 'lif'" trial lif
expect_error 2 "--seed must be a whole number" trial lif_cond --seed -4
expect_error 2 "--repeat must be a whole number" trial lif_cond --repeat x
expect_error 2 "--set needs a value" trial lif_cond --set
expect_error 2 "unknown option '--sett'" trial lif_cond --sett a=1
expect_error 2 "unexpected argument 'extra'" trial lif_cond extra
expect_error 2 "unknown command 'trail'" trail lif_cond
expect_error 2 "trial needs a MODEL" trial
expect_error 2 "--kernel takes fast or reference (got 'quick')" trial lif_cond --kernel quick
# T / dt over the limit is shown as it is, not capped at the limit + 1
expect_error 2 "the time grid must have 2 to 10000000 bins (got T / dt = 1000000000)" \
    trial lif_cond --set T=1e7 --set dt=1e-2

"$bin" --version | grep -q '^synsweep [0-9]' && ok || bad "--version"
"$bin" trial --help | grep -q 'tau_d_E' && ok || bad "trial --help lists parameters"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
