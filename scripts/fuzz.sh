#!/usr/bin/env bash
# Fuzzes the spec loader, the grid and the expression evaluator with
# libFuzzer under AddressSanitizer + UndefinedBehaviorSanitizer.
#
#   scripts/fuzz.sh [SECONDS]      (default 60; 0 = regression check only)
#
# Builds build/fuzz/fuzz_spec straight from the sources (no CMake), runs
# every input of tests/fuzz/regressions/ once, then fuzzes for SECONDS from
# a fresh corpus seeded with sweeps/, tests/specs/ and the regressions.
# Exits non-zero on any finding; its input is left in build/fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
if ! [[ $seconds =~ ^[0-9]+$ ]]; then
    echo "usage: scripts/fuzz.sh [SECONDS]" >&2
    exit 2
fi

out=build/fuzz
bin=$out/fuzz_spec
regressions=tests/fuzz/regressions
fuzz_flags=(-timeout=10 -rss_limit_mb=2048 -max_len=4096)

# ---- toolchain ------------------------------------------------------------

apt_install() {
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y "$@" >/dev/null ||
        { apt-get update >/dev/null && apt-get install -y "$@" >/dev/null; }
}

cc=$(command -v clang-14 || command -v clang || true)
fuzzer_works() {
    [[ -n $cc ]] && printf '%s\n' \
        '#include <stddef.h>' '#include <stdint.h>' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
        '{ (void)d; (void)n; return 0; }' |
        "$cc" -fsanitize=fuzzer,address,undefined -x c - -o /dev/null \
            2>/dev/null
}
if ! fuzzer_works; then
    echo "== installing clang and libFuzzer"
    apt_install clang libclang-rt-14-dev
    cc=$(command -v clang-14 || command -v clang)
    fuzzer_works || { echo "fuzz.sh: clang cannot build a fuzzer" >&2; exit 1; }
fi
pkgs=()
command -v pkg-config >/dev/null || pkgs+=(pkg-config)
pkg-config --exists yaml-0.1 2>/dev/null || pkgs+=(libyaml-dev)
[[ -f /usr/include/Random123/philox.h ]] || pkgs+=(librandom123-dev)
if ((${#pkgs[@]})); then
    echo "== installing ${pkgs[*]}"
    apt_install "${pkgs[@]}"
fi

# ---- build ----------------------------------------------------------------

echo "== building $bin with $cc"
mkdir -p "$out/obj" "$out/generated/synsweep"
version=$(sed -n 's/^project(synsweep VERSION \([0-9.]*\).*/\1/p' \
    CMakeLists.txt)
sed "s/@PROJECT_VERSION@/${version:-0}/" include/synsweep/version.h.in \
    >"$out/generated/synsweep/version.h"

read -r -a yaml_cflags <<<"$(pkg-config --cflags yaml-0.1)"
read -r -a yaml_libs <<<"$(pkg-config --libs yaml-0.1)"
# shellcheck disable=SC2054 # the commas belong to -fsanitize=...
common=(-std=c11 -g -O1 -fno-omit-frame-pointer -ffp-contract=off
        -fno-fast-math -Wall -Wextra -Wno-psabi
        -fsanitize=address,undefined -fno-sanitize-recover=all
        -Iinclude -Isrc/core -I"$out/generated" "${yaml_cflags[@]}")
# Coverage feedback for the code under test (the sweep layer and the core
# modules it leans on); the model code the grid needs for the random stream
# is only sanitized.
covered=(src/core/{status,params,metrics,expr}.c src/sweep/*.c)
# (every other file of the core: a new module is linked without a list to edit)
uncovered=()
for f in src/core/*.c; do
    case " ${covered[*]} src/core/lanes.c " in
    *" $f "*) ;;
    *) uncovered+=("$f") ;;
    esac
done

objs=()
compile() { # source object extra-flags...
    local src=$1 obj=$2
    shift 2
    "$cc" "${common[@]}" "$@" -c "$src" -o "$obj"
    objs+=("$obj")
}
for f in "${covered[@]}"; do
    compile "$f" "$out/obj/$(basename "$f" .c).o" -fsanitize=fuzzer-no-link
done
for f in "${uncovered[@]}"; do
    compile "$f" "$out/obj/$(basename "$f" .c).o"
done
# model_fast.c picks among the lane kernels at run time: all are linked.
compile src/core/lanes.c "$out/obj/lanes_base.o" -DSS_VARIANT=base
if [[ $(uname -m) == x86_64 ]]; then
    compile src/core/lanes.c "$out/obj/lanes_avx2.o" -DSS_VARIANT=avx2 \
        -march=x86-64-v3
    compile src/core/lanes.c "$out/obj/lanes_avx512.o" -DSS_VARIANT=avx512 \
        -march=x86-64-v4
fi
compile tests/fuzz/fuzz_spec.c "$out/obj/fuzz_spec.o" \
    -fsanitize=fuzzer-no-link
"$cc" -fsanitize=fuzzer,address,undefined "${objs[@]}" "${yaml_libs[@]}" \
    -lm -o "$bin"

# ---- regressions ----------------------------------------------------------

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p "$out/artifacts"
rm -f "$out"/artifacts/*

shopt -s nullglob
reg_files=()
for f in "$regressions"/*; do
    [[ -f $f ]] && reg_files+=("$f")
done
if ((${#reg_files[@]})); then
    echo "== regression check: ${#reg_files[@]} inputs"
    if ! "$bin" "${fuzz_flags[@]}" -artifact_prefix="$out/artifacts/" \
        "${reg_files[@]}" >"$out/regressions.log" 2>&1; then
        tail -n 60 "$out/regressions.log" >&2
        echo "fuzz.sh: a regression input fails again (log:" \
            "$out/regressions.log)" >&2
        exit 1
    fi
fi
if ((seconds == 0)); then
    echo "fuzz.sh: regressions pass"
    exit 0
fi

# ---- fuzzing --------------------------------------------------------------

corpus=$out/corpus
rm -rf "$corpus"
mkdir -p "$corpus"
for f in sweeps/*.yaml tests/specs/good/*.yaml tests/specs/bad/*.yaml \
    "${reg_files[@]}"; do
    # flattened names: several directories hold files of the same name
    cp "$f" "$corpus/$(echo "$f" | tr / _)"
done

echo "== fuzzing for ${seconds}s (corpus $corpus, log $out/fuzz.log)"
status=0
"$bin" "${fuzz_flags[@]}" -max_total_time="$seconds" \
    -dict=tests/fuzz/spec.dict -print_final_stats=1 \
    -artifact_prefix="$out/artifacts/" "$corpus" >"$out/fuzz.log" 2>&1 ||
    status=$?

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/fuzz.log" |
    tail -n 1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out/fuzz.log" |
    tail -n 1)
findings=("$out"/artifacts/*)
echo "fuzz.sh: ${execs:-?} executions in ${seconds}s (${rate:-?}/s)," \
    "corpus $(find "$corpus" -type f | wc -l) inputs"
if ((status != 0 || ${#findings[@]})); then
    tail -n 60 "$out/fuzz.log" >&2
    echo "fuzz.sh: FINDING (exit $status): ${findings[*]:-see the log}" >&2
    echo "  reproduce: $bin ${findings[0]:-INPUT}" >&2
    exit 1
fi
echo "fuzz.sh: no findings"
