#!/usr/bin/env bash
# Redraws docs/figures/: runs every spec of sweeps/ at full size and draws
# its results file with scripts/synsweep-plot (the figure that fits its
# model and axes), plus one --x/--y/--hue figure and the traces of three
# of the tutorial's trials (synsweep trace). README shows them.
# docs/figures/dt_convergence_study.png is scripts/dt_convergence.sh's (it
# times runs and traces trials besides the sweep).
#
#   scripts/gallery.sh           builds build/release/synsweep first
#   SYNSWEEP=path/to/synsweep scripts/gallery.sh
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${SYNSWEEP:-build/release/synsweep}
[[ -n ${SYNSWEEP:-} ]] || { scripts/install-deps.sh && scripts/build-release.sh build/release; }
work=$(mktemp -d "${TMPDIR:-/tmp}/synsweep-gallery.XXXXXX")
trap 'rm -rf "$work"' EXIT
out=docs/figures
mkdir -p "$out"
plot() { scripts/synsweep-plot "$@"; }

for spec in sweeps/*.yaml; do
    name=$(basename "$spec" .yaml)
    echo "== $name"
    "$bin" run "$spec" -o "$work/$name.h5" --quiet
    plot "$work/$name.h5" -o "$out/$name.png"
done

echo "== ei_balance, CV against exc_rate per inh_rate"
plot "$work/ei_balance.h5" --x exc_rate --y cv_isi --hue inh_rate \
    -o "$out/ei_balance_cv.png"

# trial indices are row-major over the axes, repeats last
trace() { # trace NAME SPEC TRIAL
    echo "== trace $1"
    "$bin" trace "$2" --trial "$3" -o "$work/$1.h5" >/dev/null
    plot "$work/$1.h5" -o "$out/$1.png"
}
trace trace_exercise_1_2 sweeps/exercise_1_2.yaml 0   # my_illus_LIFSYN
trace trace_lif_stp_bonus sweeps/lif_stp_bonus.yaml 80 # tau_ratio 1, repeat 0
trace trace_std_rate sweeps/std_rate.yaml 3            # 20 Hz: my_illus_STD
ls -l "$out"
