#!/usr/bin/env bash
# `cmake --install` into a fresh prefix: every part is there, and a user's
# program builds against it both through find_package(synsweep) and through
# pkg-config, runs one trial, and prints what the installed `synsweep
# trial` prints (and g1 = g_bar * U0 = 0.6 for the regular train).
#     install_test.sh BUILD_DIR SOURCE_DIR
set -u
build=${1:?usage: install_test.sh BUILD_DIR SOURCE_DIR}
src=${2:?usage: install_test.sh BUILD_DIR SOURCE_DIR}
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/synsweep-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
if ! cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1; then
    cat "$tmp/install.log" >&2
    echo "FAIL: cmake --install"
    exit 1
fi
libdir=lib
[ -d "$prefix/lib64" ] && libdir=lib64
for f in bin/synsweep bin/synsweep-plot include/synsweep/model.h \
    include/synsweep/params.h include/synsweep/version.h \
    $libdir/libsynsweep_core.a $libdir/libsynsweep_sweep.a \
    $libdir/libsynsweep_h5io.a $libdir/libsynsweep_run.a \
    $libdir/cmake/synsweep/synsweepConfig.cmake \
    $libdir/cmake/synsweep/synsweepConfigVersion.cmake \
    $libdir/pkgconfig/synsweep.pc share/man/man1/synsweep.1 \
    share/bash-completion/completions/synsweep; do
    [ -f "$prefix/$f" ] && ok || bad "not installed: $f"
done
ls "$prefix"/lib/python3*/dist-packages/synsweep/__init__.py >/dev/null 2>&1 &&
    ok || bad "not installed: the Python package"
# the installed program runs from there (its RPATH finds HDF5)
"$prefix/bin/synsweep" --version | grep -q '^synsweep [0-9]' && ok ||
    bad "installed synsweep --version"
want=$("$prefix/bin/synsweep" trial stp_train --set rate=20)
[[ $want == *$'g1\t0.6\n'* ]] && ok || bad "synsweep trial: g1 is not 0.6: $want"

# check_output HOW PROGRAM: it prints what `synsweep trial` does
check_output() {
    local out
    if ! out=$("$2" 2>"$tmp/err"); then
        bad "$1: the program failed: $(cat "$tmp/err")"
    elif [ "$out" != "$want" ]; then
        bad "$1: printed '$out', synsweep trial '$want'"
    else
        ok
    fi
}

# 1. find_package(synsweep) in a tiny CMake project
mkdir -p "$tmp/user"
cp "$src/tests/install/one_trial.c" "$tmp/user/"
cat >"$tmp/user/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.18)
project(user LANGUAGES C)
find_package(synsweep 0.1 REQUIRED)
add_executable(one_trial one_trial.c)
target_link_libraries(one_trial PRIVATE synsweep::run synsweep::h5io
                      synsweep::sweep synsweep::core)
CMAKE
if cmake -S "$tmp/user" -B "$tmp/user/build" -DCMAKE_PREFIX_PATH="$prefix" \
    >"$tmp/cmake.log" 2>&1 &&
    cmake --build "$tmp/user/build" >>"$tmp/cmake.log" 2>&1; then
    check_output find_package "$tmp/user/build/one_trial"
else
    cat "$tmp/cmake.log" >&2
    bad "find_package(synsweep): the program does not build"
fi

# 2. pkg-config
export PKG_CONFIG_PATH=$prefix/$libdir/pkgconfig
if flags=$(pkg-config --cflags --libs synsweep) &&
    cc -std=c11 -o "$tmp/one_trial_pc" "$src/tests/install/one_trial.c" \
        $flags 2>"$tmp/cc.log"; then
    check_output pkg-config "$tmp/one_trial_pc"
else
    cat "$tmp/cc.log" >&2
    bad "pkg-config: the program does not build ($flags)"
fi
[ "$(pkg-config --modversion synsweep)" = "$("$prefix/bin/synsweep" --version | cut -d' ' -f2)" ] &&
    ok || bad "pkg-config --modversion"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
