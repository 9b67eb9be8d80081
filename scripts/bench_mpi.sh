#!/usr/bin/env bash
# Builds synsweep optimised with MPI (build/bench-mpi) and prints one table:
# trials per second of one lif_cond sweep (Exercise 1.2, 1 s trials) run by
# one process and by mpirun on 1, 2 and 3 ranks, side by side in one run,
# each the best of three rounds. The rate is the summary line's (the trials
# alone); the wall time counts everything: MPI's start, the file, its
# compression; trials per CPU second count the processor time of every
# process, which a shared machine's other load leaves alone.
# --quick: a tenth of the trials. On demand, not in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
trials=80000
[ "${1:-}" = --quick ] && trials=8000

scripts/install-deps.sh time   # /usr/bin/time: the processor time of every rank
scripts/build-release.sh build/bench-mpi -- -DSYNSWEEP_MPI=ON
bin=$PWD/build/bench-mpi/synsweep
cores=$(nproc)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/synsweep-bench-mpi.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
printf 'model: lif_cond\nrepeats: %d\n' "$trials" >"$tmp/ex12.yaml"

# run THREADS [LAUNCHER...]: "trials/s wall-seconds cpu-seconds" of one
# run; the processor time of every process (mpirun's ranks are its
# children), MPI's start included
run() {
    local threads=$1 out start end
    shift
    start=$(date +%s.%N)
    out=$(/usr/bin/time -f '%U %S' -o "$tmp/cpu" "$@" "$bin" run \
        "$tmp/ex12.yaml" -o "$tmp/out.h5" --force -j "$threads")
    end=$(date +%s.%N)
    echo "$(sed -n 's/^ran [0-9]* trials in [0-9.]* s (\([0-9]*\) trials\/s).*/\1/p' <<<"$out")" \
        "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')" \
        "$(awk '{ printf "%.2f", $1 + $2 }' "$tmp/cpu")"
}

mpi=(mpirun --allow-run-as-root --oversubscribe)
# label|ranks|threads per rank|launcher (mpirun binds each of 1 or 2 ranks
# to one core: threads of one rank need --bind-to none)
rows=(
    "one process, no mpirun|1|$cores|"
    "mpirun -np 1 --bind-to none|1|$cores|${mpi[*]} -np 1 --bind-to none"
    "mpirun -np 2|2|1|${mpi[*]} -np 2"
    "mpirun -np 3 (oversubscribed: 3 ranks on $cores cores)|3|1|${mpi[*]} -np 3"
)

echo "synsweep MPI benchmark ($("$bin" --version); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $cores cores, $(mpirun --version | head -1))"
echo
echo "lif_cond, Exercise 1.2 (1 s, 80+20 inputs at 10 Hz), $trials trials, fast kernels"
echo
echo "| configuration | ranks | threads per rank | trials/s | vs one process | wall s | trials per CPU s |"
echo "|---|---|---|---|---|---|---|"
# rounds over the rows, the best of each row kept: a load that comes and
# goes on a shared machine touches every row alike
rounds=3
declare -a rate wall cpu
for ((r = 0; r < rounds; r++)); do
    for i in "${!rows[@]}"; do
        IFS='|' read -r label ranks threads launcher <<<"${rows[$i]}"
        # shellcheck disable=SC2086
        read -r x w c < <(run "$threads" $launcher)
        if [ "$x" -gt "${rate[$i]:-0}" ]; then
            rate[$i]=$x
            wall[$i]=$w
            cpu[$i]=$c
        fi
    done
done
for i in "${!rows[@]}"; do
    IFS='|' read -r label ranks threads launcher <<<"${rows[$i]}"
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$ranks" \
        "$threads" "$(sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"${rate[$i]}")" \
        "$(awk -v r="${rate[$i]}" -v b="${rate[0]}" 'BEGIN { printf "%.2f×", r / b }')" \
        "${wall[$i]}" \
        "$(awk -v c="${cpu[$i]}" -v n="$trials" 'BEGIN { printf "%d", n / c }' |
            sed ':a;s/\B[0-9]\{3\}\>/,&/;ta')"
done
