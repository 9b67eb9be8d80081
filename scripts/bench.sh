#!/usr/bin/env bash
# Builds synsweep optimised (build/bench) and prints the benchmark table:
# fast and reference kernels, Brian2 (if python3-brian is installed; pass
# --no-brian to skip it), the floor, thread scaling, memory and file share.
# Arguments go to scripts/bench.py (e.g. --quick).
set -euo pipefail
cd "$(dirname "$0")/.."
case " $* " in
*" --no-brian "*) scripts/install-deps.sh ;;
*) scripts/install-deps.sh python3-brian ;;
esac
cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DSYNSWEEP_TESTS=OFF >/dev/null
cmake --build build/bench -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
exec /usr/bin/python3 scripts/bench.py build/bench/synsweep "$@"
