#!/usr/bin/env bash
# Runs the built binary end to end under valgrind's memcheck: a short sweep
# (fast and reference kernels), two shards of it merged, a resume, a trace,
# `info` on files and parts, `validate` on the sweeps and on every fourth
# bad spec (ASan runs them all: memcheck adds uninitialised reads, and
# its start-up, not the spec, is what each costs), and `trial`. Passes only when every command exits as
# expected and memcheck reports no error and no definitely or indirectly
# lost block.
#
#   tests/e2e/valgrind_test.sh BIN SRC_DIR
#
# Exit 0 clean, 1 a finding, 77 valgrind missing (a skip for ctest).
# tests/e2e/valgrind.supp, if present, holds suppressions for third-party
# library internals only; it is passed to every run.
set -u
bin=${1:?usage: valgrind_test.sh BIN SRC_DIR}
src=${2:?usage: valgrind_test.sh BIN SRC_DIR}

if ! command -v valgrind >/dev/null; then
    echo "valgrind_test: valgrind is not installed: skipped"
    exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/synsweep-vg.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# shellcheck disable=SC2054 # the commas belong to the option values
vg=(valgrind --tool=memcheck --error-exitcode=99 --leak-check=full
    --errors-for-leak-kinds=definite,indirect
    --show-leak-kinds=definite,indirect --num-callers=30)
if [[ -f $src/tests/e2e/valgrind.supp ]]; then
    vg+=(--suppressions="$src/tests/e2e/valgrind.supp")
fi

steps=0
failed=0
n=0

# check WANT NAME ARGS...: runs BIN ARGS under memcheck; the command must
# exit WANT and memcheck must find nothing.
check() {
    local want=$1 name=$2
    shift 2
    n=$((n + 1))
    steps=$((steps + 1))
    local log=$tmp/vg.$n.log out=$tmp/out.$n.txt
    "${vg[@]}" --log-file="$log" "$bin" "$@" >"$out" 2>&1
    local rc=$?
    local errors definite indirect
    errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$log" |
        tail -n 1 | tr -d ,)
    definite=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' \
        "$log" | tail -n 1 | tr -d ,)
    indirect=$(sed -n 's/.*indirectly lost: \([0-9,]*\) bytes.*/\1/p' \
        "$log" | tail -n 1 | tr -d ,)
    local why=""
    if grep -q "unhandled instruction" "$log"; then
        why="valgrind cannot run an instruction of the binary (a wider"
        why+=" kernel variant than valgrind supports?)"
    elif [[ -z $errors ]]; then
        why="memcheck printed no summary (exit $rc)"
    elif ((${definite:-0} > 0 || ${indirect:-0} > 0)); then
        why="leaks: ${definite:-0} bytes definitely, ${indirect:-0}"
        why+=" indirectly lost"
    elif ((rc == 99 || errors > 0)); then
        why="memcheck: $errors errors"
    elif ((rc != want)); then
        why="exited $rc, expected $want"
    fi
    if [[ -z $why ]]; then
        printf 'ok    %-44s exit %d, 0 errors, no leaks\n' "$name" "$rc"
        return
    fi
    failed=$((failed + 1))
    printf 'FAIL  %-44s %s\n' "$name" "$why"
    echo "---- output of: $bin $*"
    tail -n 20 "$out"
    echo "---- memcheck log"
    grep -v '^==[0-9]*== *$' "$log" | sed -n '1,200p'
    echo "----"
}

# A short version of the default sweep: one repeat.
sed 's/^repeats: [0-9]*$/repeats: 1/' "$src/sweeps/default.yaml" \
    >"$tmp/default.yaml"
if ! grep -q '^repeats: 1$' "$tmp/default.yaml"; then
    echo "valgrind_test: sweeps/default.yaml has no 'repeats:' line"
    exit 1
fi

check 0 "run default.yaml -j 2" \
    run "$tmp/default.yaml" -o "$tmp/x.h5" -j 2 --quiet
check 0 "run default.yaml -j 2 --kernel reference" \
    run "$tmp/default.yaml" -o "$tmp/ref.h5" -j 2 --quiet --kernel reference
check 0 "info x.h5" info "$tmp/x.h5"
check 0 "run --shard 0/2" \
    run "$tmp/default.yaml" -o "$tmp/p0.h5" --shard 0/2 --quiet
check 0 "run --shard 1/2 --resume (a new part)" \
    run "$tmp/default.yaml" -o "$tmp/p1.h5" --shard 1/2 --resume --quiet
check 0 "merge two parts" merge -o "$tmp/m.h5" "$tmp/p0.h5" "$tmp/p1.h5" -q
check 0 "info two parts --json" info "$tmp/p0.h5" "$tmp/p1.h5" --json
check 0 "run --resume a finished file" \
    run "$tmp/default.yaml" -o "$tmp/x.h5" --resume --quiet
check 0 "trace --at" trace "$tmp/default.yaml" --at exc_rate=10 \
    --at inh_rate=20 -o "$tmp/t.h5"
check 0 "trial lif_cond_stp" trial lif_cond_stp
check 0 "trial lif_cond_stp --kernel reference" \
    trial lif_cond_stp --kernel reference
for spec in "$src"/sweeps/*.yaml; do
    check 0 "validate sweeps/${spec##*/}" validate "$spec"
done
# error paths of the loader the catalogue reaches: exit 2, no leak
k=0
for spec in "$src"/tests/specs/bad/*.yaml; do
    k=$((k + 1))
    ((k % 4 == 1)) || continue
    check 2 "validate bad/${spec##*/}" validate "$spec"
done

echo "valgrind_test: $((steps - failed)) of $steps runs clean under memcheck"
((failed == 0))
