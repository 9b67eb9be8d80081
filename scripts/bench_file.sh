#!/usr/bin/env bash
# Builds synsweep optimised (build/bench-file) and prints a Markdown table
# of what the results file costs a run, end to end (-j 1): trials/s, the
# file's share of the wall time, the CPU time, the file's size and the
# peak RSS, for
# each model at 10^3..10^7 trials (scripts/bench_file.py says which specs).
# With --before REV (a commit), builds REV too (build/bench-file-before)
# and runs both side by side, interleaved. Other arguments go to
# scripts/bench_file.py (--repeat N, --sizes 3,4,5, --lif-max 5, --tmp,
# --real for the LIF models' default trials, --threads for -j 1 against -j 2).
# About 10 minutes on 2 cores; 10^7 trials need ~1.3 GB of free disk.
set -euo pipefail
cd "$(dirname "$0")/.."
before=""
args=()
while [ $# -gt 0 ]; do
    case "$1" in
    --before) before="$2"; shift 2 ;;
    *) args+=("$1"); shift ;;
    esac
done
scripts/build-release.sh build/bench-file
if [ -n "$before" ]; then
    src=build/bench-file-before-src
    rm -rf "$src" && mkdir -p "$src"
    git archive "$before" | tar -x -C "$src"
    scripts/build-release.sh build/bench-file-before "$src"
    args+=(--before build/bench-file-before/synsweep)
fi
exec /usr/bin/python3 scripts/bench_file.py build/bench-file/synsweep "${args[@]+"${args[@]}"}"
