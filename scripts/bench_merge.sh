#!/usr/bin/env bash
# Builds synsweep optimised (build/bench) and prints the tables of a sweep
# run in shards and merged (part sizes, merge time, memory and throughput,
# the merged file checked byte-equal to one run) and of the run's cost per
# trial and per byte for each model: the figures docs/scaling.md uses.
# Arguments go to scripts/bench_merge.py (e.g. --quick, --parts 4,16,
# --repeat 3, --tmp DIR). 10 to 20 minutes on 2 cores; needs about 3 GB
# of free disk in $TMPDIR (or --tmp) for 10^7 trials.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build-release.sh build/bench
exec /usr/bin/python3 scripts/bench_merge.py build/bench/synsweep "$@"
