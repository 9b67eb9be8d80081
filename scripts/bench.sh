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
scripts/build-release.sh build/bench
exec /usr/bin/python3 scripts/bench.py build/bench/synsweep "$@"
