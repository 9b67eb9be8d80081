#!/usr/bin/env bash
# Golden checks of `synsweep run`'s command line: usage errors are one line
# `synsweep: error: ...` then `Try 'synsweep run --help'.`, exit status 2,
# nothing on stdout and nothing read or written; every form of the options
# works; `--` ends the options.
set -u
bin=${1:?usage: test_run.sh path/to/synsweep}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/synsweep-cli-run.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
cat >small.yaml <<'YAML'
model: stp_train
repeats: 2
sweep:
  rate: [10, 20, 40]
YAML

# usage_error MESSAGE ARGS...: `synsweep ARGS` exits 2 with exactly the two
# lines of a usage error on stderr, nothing on stdout, and leaves the
# directory as it was.
usage_error() {
    local message=$1
    shift
    local before out err rc
    before=$(ls -A)
    out=$("$bin" "$@" 2>"$tmp/.err")
    rc=$?
    err=$(cat "$tmp/.err")
    rm -f "$tmp/.err"
    local want
    want=$(printf "synsweep: error: %s\nTry 'synsweep run --help'." "$message")
    if [ "$rc" -ne 2 ]; then
        bad "$* exited $rc, expected 2 (stderr: $err)"
    elif [ "$err" != "$want" ]; then
        bad "$*: stderr is '$err', expected '$want'"
    elif [ -n "$out" ]; then
        bad "$*: printed '$out' on stdout"
    elif [ "$(ls -A)" != "$before" ]; then
        bad "$*: changed the directory"
    else
        ok
    fi
}

usage_error "unknown option '--bogus'" run small.yaml --bogus
usage_error "unknown option '--bogus'" run small.yaml --bogus=1
usage_error "unknown option '-x' in '-qx'" run small.yaml -qx
usage_error "unknown option '-weird.yaml'" run -weird.yaml
usage_error "--resume and --force do not go together" run small.yaml --resume --force
# refused before the spec is read: it need not exist
usage_error "--resume and --force do not go together" run --force missing.yaml --resume
usage_error "-j takes a thread count 1..4096 (got '0')" run small.yaml -j0
usage_error "-j takes a thread count 1..4096 (got '0')" run small.yaml -j 0
usage_error "--jobs takes a thread count 1..4096 (got '4097')" run small.yaml --jobs=4097
usage_error "--jobs takes a thread count 1..4096 (got 'two')" run small.yaml --jobs two
usage_error "-o needs a value" run small.yaml -o
usage_error "--output needs a value" run small.yaml --output
usage_error "--quiet takes no value (got '--quiet=yes')" run small.yaml --quiet=yes
usage_error "--kernel takes fast or reference (got 'quick')" run small.yaml --kernel quick
usage_error "unexpected argument 'other.yaml'" run small.yaml other.yaml
usage_error "run needs a SPEC" run -q
usage_error "run needs a SPEC" run

# -j's default: OMP_NUM_THREADS (its first entry), else the CPUs this
# process may use; -j wins over it
threads_of() { # ENV ARGS...: the thread count --dry-run announces
    local env=$1
    shift
    env $env "$bin" "$@" --dry-run 2>&1 | sed -n 's/^time .* on \([0-9]*\) thread.*/\1/p'
}
[ "$(threads_of OMP_NUM_THREADS=1 run small.yaml)" = 1 ] && ok || bad "OMP_NUM_THREADS=1"
[ "$(threads_of OMP_NUM_THREADS=3,2 run small.yaml)" = 3 ] && ok || bad "OMP_NUM_THREADS=3,2"
[ "$(threads_of OMP_NUM_THREADS=1 run small.yaml -j 2)" = 2 ] && ok || bad "-j over OMP_NUM_THREADS"
[ "$(threads_of OMP_NUM_THREADS=bad run small.yaml -j 2)" = 2 ] && ok || bad "-j over a bad OMP_NUM_THREADS"
cpus=$(nproc)
[ "$(threads_of "-u OMP_NUM_THREADS" run small.yaml)" = "$cpus" ] && ok || bad "no OMP_NUM_THREADS: not $cpus"
out=$(OMP_NUM_THREADS=1 "$bin" run small.yaml -o omp.h5 2>&1)
case "$out" in
*" on 1 thread, "*) ok ;;
*) bad "OMP_NUM_THREADS=1 run: $out" ;;
esac
rm -f omp.h5
# a bad value: exit 2 naming the variable (libgomp may have said so first)
for v in 0 two -1 ,2 4097 "2 "; do
    before=$(ls -A)
    err=$(OMP_NUM_THREADS=$v "$bin" run small.yaml -q 2>&1 >/dev/null)
    rc=$?
    want="synsweep: error: OMP_NUM_THREADS must be a thread count 1..4096, or a list such as 4,2 whose first entry is one (got '$v')
Try 'synsweep run --help'."
    [ "$rc" -eq 2 ] && [ "$(printf '%s\n' "$err" | tail -n 2)" = "$want" ] &&
        [ "$(ls -A)" = "$before" ] && ok || bad "OMP_NUM_THREADS='$v': exit $rc, '$err'"
done

# run_ok FILE ARGS...: `synsweep ARGS` succeeds and writes FILE.
run_ok() {
    local file=$1
    shift
    rm -f -- "$file"
    if ! "$bin" "$@" >"$tmp/.out" 2>&1; then
        bad "$* failed: $(cat "$tmp/.out")"
    elif [ ! -f "$file" ]; then
        bad "$*: no $file"
    else
        ok
    fi
}

run_ok a.h5 run small.yaml -o a.h5 -j 2 -q
run_ok b.h5 run small.yaml -ob.h5 -j2 --quiet
run_ok c.h5 run --output c.h5 --jobs 1 small.yaml -q
run_ok d.h5 run --output=d.h5 --jobs=2 -qj1 small.yaml
run_ok e.h5 run -q --kernel=reference -o e.h5 small.yaml
# the default name, from the spec's
run_ok small.h5 run small.yaml -q
# `--` ends the options: a spec whose name starts with '-'
cp small.yaml ./-weird.yaml
run_ok -weird.h5 run -q -- -weird.yaml
run_ok w.h5 run -o w.h5 -q -- -weird.yaml
# resume of a finished file: nothing left to run
out=$("$bin" run small.yaml -o a.h5 --resume 2>&1)
case "$out" in
"resuming a.h5: 6 of 6 trials done, 0 to run"*) ok ;;
*) bad "--resume: $out" ;;
esac

# the spec itself as the output is refused, with or without --force, before
# anything is read or written; a hard link to it too
cp small.yaml keep.yaml
ln keep.yaml keep-link.yaml
usage_error "the output 'keep.yaml' is the spec itself" run keep.yaml -o keep.yaml
usage_error "the output 'keep.yaml' is the spec itself" run keep.yaml -o keep.yaml --force
usage_error "the output 'keep-link.yaml' is the spec itself" run keep.yaml -o keep-link.yaml --force
usage_error "the output './keep.yaml' is the spec itself" run keep.yaml -o ./keep.yaml --resume
cmp -s keep.yaml small.yaml && ok || bad "-o SPEC changed the spec"
out=$("$bin" trace keep.yaml --trial 0 -o keep.yaml --force 2>&1)
rc=$?
[ "$rc" -eq 2 ] && cmp -s keep.yaml small.yaml &&
    [ "$out" = "synsweep: error: the output 'keep.yaml' is the spec itself
Try 'synsweep trace --help'." ] && ok || bad "trace -o SPEC: $rc $out"

# what cannot be written on stdout is an error, exit 1, with the reason
if [ -w /dev/full ]; then
    for args in "info a.h5" "validate small.yaml" "trial stp_train" \
        "trial lif_cond --json --set T=100" "run small.yaml -o full.h5" \
        "run small.yaml --dry-run" "trial --help" "--version"; do
        err=$("$bin" $args 2>&1 >/dev/full)
        rc=$?
        [ "$rc" -eq 1 ] &&
            [ "$err" = "synsweep: error: cannot write to standard output: No space left on device" ] &&
            ok || bad "$args >/dev/full: exit $rc, '$err'"
    done
fi

# a message about a path as long as PATH_MAX still ends with the reason
long=$tmp/missing
while [ ${#long} -lt 3990 ]; do long=$long/$(printf '%0200d' 0); done
err=$("$bin" run small.yaml -o "$long/x.h5" -q 2>&1)
rc=$?
[ "$rc" -eq 1 ] && [ "${#long}" -ge 3990 ] &&
    [ "$err" = "synsweep: error: cannot create '$long/x.h5': No such file or directory" ] &&
    ok || bad "long path: exit $rc, '...${err: -80}'"

# --help anywhere prints the usage, whatever else is there
"$bin" run --help | grep -q -- '-o, --output FILE' && ok || bad "run --help"
"$bin" run small.yaml -h | grep -q -- '-j, --jobs N' && ok || bad "run -h"
"$bin" run --help | grep -q "the tutorial's" && ok || bad "run --help: kernel"
for c in validate info trial trace merge; do
    "$bin" $c --help | grep -q "^usage: synsweep $c" && ok || bad "$c --help"
    "$bin" $c -h | grep -q "^usage: synsweep $c" && ok || bad "$c -h"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
