#!/usr/bin/env bash
# The dt-convergence study (README, "How exact are the numbers?"): runs
# sweeps/dt_convergence.yaml, traces a subset of its trials for the spike
# times, times each method and dt in one-thread runs, prints the table and
# draws docs/figures/dt_convergence_study.png. A few minutes on one core.
#
#   scripts/dt_convergence.sh            builds build/release/synsweep first
#   SYNSWEEP=path/to/synsweep scripts/dt_convergence.sh [--repeats N ...]
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${SYNSWEEP:-build/release/synsweep}
[[ -n ${SYNSWEEP:-} ]] || { scripts/install-deps.sh && scripts/build-release.sh build/release; }
exec /usr/bin/python3 scripts/dt_convergence.py "$bin" \
    --spec sweeps/dt_convergence.yaml \
    --figure docs/figures/dt_convergence_study.png "$@"
