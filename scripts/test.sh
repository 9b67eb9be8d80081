#!/usr/bin/env bash
# Runs every test from scratch: installs missing packages, configures fresh
# builds, builds with -Werror and runs ctest (valgrind memcheck on an
# end-to-end run included); the release build is the MPI one, which outside
# mpirun is the serial program, so the whole suite runs against it, plus
# the MPI tests and a real single-node Slurm (labels mpi, slurm); then
# builds again, serial, under AddressSanitizer + UndefinedBehaviorSanitizer
# and runs the suite there but for the Python-only tests (reader, plots:
# no C of their own); then fuzzes the spec loader for half a minute
# (SYNSWEEP_FUZZ_SECONDS; longer runs: scripts/fuzz.sh SECONDS).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

jobs=$(nproc 2>/dev/null || echo 2)

# run_suite DIR "CTEST ARGS" CMAKE ARGS...
run_suite() {
    local dir=$1 ctest_args=$2; shift 2
    rm -rf "$dir"
    cmake -S . -B "$dir" -DSYNSWEEP_WERROR=ON "$@" >/dev/null
    cmake --build "$dir" -j "$jobs"
    # shellcheck disable=SC2086
    (cd "$dir" && ctest --output-on-failure -j "$jobs" $ctest_args)
}

echo "== release build (with MPI)"
run_suite build/test "" -DSYNSWEEP_MPI=ON
# (serial: OpenMPI's own allocations at init would read as leaks, and the
# MPI code is the release build's)
echo "== AddressSanitizer + UndefinedBehaviorSanitizer build"
# (memory measurements mean nothing under the sanitizers: label 'measures';
# the reader and the plots are Python over files the release run checked;
# the statistics of thousands of reference trials (label 'statistics')
# take minutes there, and the sanitized tests run those kernels anyway)
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite build/sanitize "-LE measures|python|statistics" -DSYNSWEEP_SANITIZE=ON \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== fuzzing the spec loader, the grid and the expressions"
scripts/fuzz.sh "${SYNSWEEP_FUZZ_SECONDS:-30}"
