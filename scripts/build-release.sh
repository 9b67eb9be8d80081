#!/usr/bin/env bash
# Builds an optimised synsweep (no tests) in BUILD_DIR from SOURCE_DIR, for
# the scripts that run it: quick start, gallery, benchmarks.
#
#   scripts/build-release.sh BUILD_DIR [SOURCE_DIR] [-- CMAKE_OPTION ...]
#
# SOURCE_DIR defaults to this checkout. Quiet unless something fails.
set -euo pipefail
if [ $# -lt 1 ]; then
    echo "usage: $0 BUILD_DIR [SOURCE_DIR] [-- CMAKE_OPTION ...]" >&2
    exit 2
fi
build=$1
shift
src=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -gt 0 ] && [ "$1" != -- ]; then
    src=$1
    shift
fi
[ "${1:-}" = -- ] && shift
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DSYNSWEEP_TESTS=OFF \
    "$@" >/dev/null
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
