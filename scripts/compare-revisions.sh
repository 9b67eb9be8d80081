#!/usr/bin/env bash
# Proves that a change keeps every result: builds git revision REF (default
# HEAD) in a temporary worktree beside the working tree, runs every spec of
# sweeps/ and tests/specs/good/ with both builds (both kernels, 1 and 2
# threads) and a trace of a few trials of each, and compares every metric,
# `status`, `done` and trace dataset byte for byte (h5py). Prints one line
# per file and exits non-zero on the first difference.
#
#   scripts/compare-revisions.sh [REF]
set -euo pipefail
cd "$(dirname "$0")/.."

ref=${1:-HEAD}
work=$(mktemp -d "${TMPDIR:-/tmp}/synsweep-compare.XXXXXX")
trap 'git worktree remove --force "$work/old-src" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

jobs=$(nproc 2>/dev/null || echo 2)
build() { # build SRC DIR
    cmake -S "$1" -B "$2" -DSYNSWEEP_TESTS=OFF >/dev/null
    cmake --build "$2" -j "$jobs" --target synsweep >/dev/null
}

git worktree add --detach "$work/old-src" "$ref" >/dev/null 2>&1
build "$work/old-src" "$work/old-build"
build . "$work/new-build"
program() { # program DIR: the binary, at the top or in src/cli/ (layers)
    local f
    for f in "$1/synsweep" "$1/src/cli/synsweep"; do
        if [[ -x $f ]]; then
            echo "$f"
            return
        fi
    done
    echo "compare-revisions.sh: no synsweep built in $1" >&2
    return 1
}
old=$(program "$work/old-build")
new=$(program "$work/new-build")

mkdir -p "$work/out"
n=0
for spec in sweeps/*.yaml tests/specs/good/*.yaml; do
    # the folder too: sweeps/ and tests/specs/good/ share names
    base=$(basename "$(dirname "$spec")").$(basename "$spec" .yaml)
    for kernel in fast reference; do
        for threads in 1 2; do
            tag=$base.$kernel.j$threads
            "$old" run "$spec" -o "$work/out/$tag.old.h5" -j "$threads" \
                --kernel "$kernel" --quiet
            "$new" run "$spec" -o "$work/out/$tag.new.h5" -j "$threads" \
                --kernel "$kernel" --quiet
            n=$((n + 1))
        done
        # traces of the first, a middle and the last trial
        total=$(/usr/bin/python3 -c 'import h5py,sys
f = h5py.File(sys.argv[1], "r"); print(f["done"].size)' \
            "$work/out/$base.$kernel.j1.old.h5")
        for trial in $(printf '%s\n' 0 $((total / 2)) $((total - 1)) | sort -un); do
            tag=$base.$kernel.trace$trial
            "$old" trace "$spec" --trial "$trial" --kernel "$kernel" \
                -o "$work/out/$tag.old.h5" >/dev/null
            "$new" trace "$spec" --trial "$trial" --kernel "$kernel" \
                -o "$work/out/$tag.new.h5" >/dev/null
            n=$((n + 1))
        done
    done
done

/usr/bin/python3 - "$work/out" <<'EOF'
import pathlib, sys
import h5py

out = pathlib.Path(sys.argv[1])
# coordinates and attributes may carry the version or the time of
# creation; the data are what must not change
skip = {"repeat", "time", "spike"}
bad = 0
for old_path in sorted(out.glob("*.old.h5")):
    new_path = old_path.with_name(old_path.name.replace(".old.", ".new."))
    with h5py.File(old_path, "r") as a, h5py.File(new_path, "r") as b:
        names = sorted(set(a) | set(b))
        compared = 0
        for name in names:
            if name not in a or name not in b:
                print(f"DIFFER {old_path.stem}: dataset {name} only in one")
                bad += 1
                continue
            if name in skip and "trace" not in old_path.name:
                continue
            x, y = a[name][()], b[name][()]
            if x.dtype == object:  # variable-length strings
                x, y = x.astype(bytes), y.astype(bytes)
            if x.dtype != y.dtype or x.shape != y.shape \
                    or x.tobytes() != y.tobytes():
                print(f"DIFFER {old_path.stem}: {name}")
                bad += 1
            compared += 1
        print(f"same   {old_path.stem[:-4]}: {compared} datasets")
print(f"{'FAIL' if bad else 'OK'}: {bad} differences")
sys.exit(1 if bad else 0)
EOF
echo "compared $n pairs of files against $ref ($(git rev-parse --short "$ref"))"
