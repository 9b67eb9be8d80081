#!/usr/bin/env bash
# `synsweep trace --at NAME=VALUE`: the trial named by its parameters is the
# one its index names (the same datasets, byte for byte); what names no
# trial is a usage error that says why.
set -u
bin=${1:?usage: test_trace.sh path/to/synsweep}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
py=/usr/bin/python3
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/synsweep-cli-trace.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
cat >s.yaml <<'YAML'
model: lif_cond
repeats: 3
fixed: {T: 200, n_exc: 20, n_inh: 5}
sweep:
  exc_rate: {range: [5, 15, 5]}
  inh_rate: [10, 20]
  tau_m: [10]
YAML
cat >z.yaml <<'YAML'
model: stp_train
sweep:
  rate: {range: [0.5, 2, 0.5]}
  regime:
    labels: [depressing, facilitating]
    zip: {U0: [0.5, 0.2], tau_f: [50, 750]}
  mix:
    zip: {tau_d: [100, 200]}
YAML

# same_datasets A B: every dataset of the two trace files is equal, bytes
same_datasets() {
    "$py" - "$1" "$2" <<'PY'
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
names = []
a.visit(names.append)
other = []
b.visit(other.append)
assert names == other, (names, other)
for n in names:
    if isinstance(a[n], h5py.Dataset):
        assert a[n][()].tobytes() == b[n][()].tobytes(), n
assert a.attrs["trial"] == b.attrs["trial"]
PY
}

# trace_pair SPEC INDEX ARGS...: --trial INDEX and ARGS (the --at form)
# write equal traces
trace_pair() {
    local spec=$1 index=$2
    shift 2
    rm -f by_index.h5 by_at.h5
    if ! "$bin" trace "$spec" --trial "$index" -o by_index.h5 >/dev/null; then
        bad "trace $spec --trial $index failed"
    elif ! out=$("$bin" trace "$spec" "$@" -o by_at.h5); then
        bad "trace $spec $*: failed"
    elif [[ "$out" != "wrote trial $index "* ]]; then
        bad "trace $spec $*: '$out', not trial $index"
    elif ! same_datasets by_index.h5 by_at.h5; then
        bad "trace $spec $*: not the trace of trial $index"
    else
        ok
    fi
}

# s.yaml: shape (3, 2, 1, 3), row-major, repeats last
trace_pair s.yaml $(((2 * 2 + 1) * 3 + 2)) --at exc_rate=15 --at inh_rate=20 --repeat 2
trace_pair s.yaml $(((1 * 2 + 0) * 3 + 0)) --at inh_rate=1e1 --at exc_rate=10.0
trace_pair s.yaml 0 --at exc_rate=5 --at=inh_rate=10 --at tau_m=10 --repeat=0
# z.yaml: a zip by a member's value or its label, one by its index
trace_pair z.yaml $(((3 * 2 + 1) * 2 + 1)) --at rate=2 --at tau_f=750 --at mix=1
trace_pair z.yaml $(((1 * 2 + 1) * 2 + 0)) --at regime=facilitating --at rate=1 --at tau_d=100
trace_pair z.yaml $(((0 * 2 + 0) * 2 + 1)) --at U0=0.5 --at regime=depressing --at rate=0.5 --at mix=1

# usage_error MESSAGE ARGS...: exit 2, the message and then the hint or
# the usage line on stderr, nothing on stdout, no file written
usage_error() {
    local want=$1
    shift
    local out err rc
    out=$("$bin" trace "$@" -o no.h5 2>"$tmp/.err")
    rc=$?
    err=$(cat "$tmp/.err")
    if [ "$rc" -ne 2 ] || [ "$(head -n 1 <<<"$err")" != "synsweep: error: $want" ] ||
        [ -n "$out" ] || [ -e no.h5 ]; then
        bad "trace $*: exit $rc, '$err'"
    else
        ok
    fi
}
usage_error "--trial and --at do not go together" s.yaml --trial 0 --at exc_rate=5
usage_error "--repeat and --trial do not go together" s.yaml --trial 0 --repeat 1
usage_error "--at exc_rate=7: exc_rate has no value 7 (its values: 5, 10, 15)" \
    s.yaml --at exc_rate=7 --at inh_rate=10
usage_error "--at does not say where on the axis inh_rate (2 values): add --at inh_rate=VALUE" \
    s.yaml --at exc_rate=5
usage_error "--at does not say where on the axis regime (2 values): add --at regime=LABEL" \
    z.yaml --at rate=1 --at mix=0
usage_error "--at regime=slow: the axis regime has no label 'slow' (its labels: depressing, facilitating)" \
    z.yaml --at rate=1 --at regime=slow --at mix=0
usage_error "--at mix=2: the axis mix has no index '2' (its indices: 0, 1)" \
    z.yaml --at rate=1 --at U0=0.2 --at mix=2
usage_error "--at U0=0.5 and --at tau_f=750 name different points of the axis regime" \
    z.yaml --at U0=0.5 --at tau_f=750 --at rate=1 --at mix=0
usage_error "--at tau_m=11: tau_m has no value 11 (its values: 10)" \
    s.yaml --at tau_m=11 --at exc_rate=5 --at inh_rate=10
usage_error "--at V_th=1: V_th is no axis of the sweep" s.yaml --at V_th=1
usage_error "--at takes NAME=VALUE (got 'exc_rate')" s.yaml --at exc_rate
usage_error "--repeat 3 is beyond the sweep's 3 repeats (0..2)" \
    s.yaml --at exc_rate=5 --at inh_rate=10 --repeat 3
usage_error "--repeat takes a repeat index (got '-1')" s.yaml --at exc_rate=5 --repeat -1
usage_error "trace needs SPEC, --trial I or --at NAME=VALUE, and -o FILE" s.yaml

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
