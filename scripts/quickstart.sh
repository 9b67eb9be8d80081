#!/usr/bin/env bash
# Sets synsweep up on a fresh Debian machine and runs its default sweep:
# installs the missing packages, builds build/release/synsweep, runs
# sweeps/default.yaml into results/default.h5 (replacing the file an earlier
# quick start wrote) and prints a summary of the file.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build-release.sh build/release

bin=build/release/synsweep
mkdir -p results
echo "== $bin run sweeps/default.yaml -o results/default.h5"
"$bin" run sweeps/default.yaml -o results/default.h5 --force
echo
echo "Results: $(pwd)/results/default.h5"
echo "Open it with: /usr/bin/python3 -c \"import xarray as xr; print(xr.open_dataset('results/default.h5', engine='h5netcdf'))\""
echo "Draw it with: scripts/synsweep-plot results/default.h5   (docs/analysis.md for more)"
