#!/usr/bin/env bash
# Runs every test from scratch: installs missing packages, configures fresh
# builds, builds with -Werror and runs ctest; then builds again under
# AddressSanitizer + UndefinedBehaviorSanitizer and runs the suite there.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

jobs=$(nproc 2>/dev/null || echo 2)

run_suite() {
    local dir=$1; shift
    rm -rf "$dir"
    cmake -S . -B "$dir" -DSYNSWEEP_WERROR=ON "$@" >/dev/null
    cmake --build "$dir" -j "$jobs"
    (cd "$dir" && ctest --output-on-failure -j "$jobs")
}

echo "== release build"
run_suite build/test
echo "== AddressSanitizer + UndefinedBehaviorSanitizer build"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite build/sanitize -DSYNSWEEP_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
