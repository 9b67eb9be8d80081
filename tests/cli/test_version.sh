#!/usr/bin/env bash
# --version names the git commit the program was built from when built from
# a checkout ("synsweep 0.1.0 (git 1a2b3c4)", "-dirty" when modified), and
# only the version otherwise (a tarball): cmake/git_version.cmake's output.
#     test_version.sh path/to/synsweep SOURCE_DIR
set -u
bin=${1:?usage: test_version.sh path/to/synsweep SOURCE_DIR}
src=${2:?usage: test_version.sh path/to/synsweep SOURCE_DIR}
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/synsweep-version.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

v=$("$bin" --version)
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
    # a commit of this checkout (HEAD when built since the last commit)
    [[ $v =~ ^synsweep\ [0-9]+\.[0-9]+\.[0-9]+\ \(git\ ([0-9a-f]{7,})(-dirty)?\)$ ]] &&
        git -C "$src" cat-file -e "${BASH_REMATCH[1]}^{commit}" 2>/dev/null &&
        ok || bad "--version in a checkout: '$v'"
else
    [[ $v =~ ^synsweep\ [0-9]+\.[0-9]+\.[0-9]+$ ]] && ok || bad "--version: '$v'"
fi

# what the build writes: nothing outside a checkout; the commit, and
# -dirty once a tracked file changes
describe() { # DIR: the string the generated file defines
    cmake -DSOURCE_DIR="$1" -DOUT="$tmp/v.c" -P "$src/cmake/git_version.cmake" &&
        sed -n 's/^const char cli_git_describe\[\] = "\(.*\)";$/\1/p' "$tmp/v.c"
}
mkdir "$tmp/tarball"
[ -z "$(describe "$tmp/tarball")" ] && ok || bad "not a checkout: '$(describe "$tmp/tarball")'"
if command -v git >/dev/null; then
    repo=$tmp/repo
    git init -q "$repo" && echo a >"$repo/f" && git -C "$repo" add f &&
        git -C "$repo" -c user.name=t -c user.email=t@t commit -qm one
    c=$(git -C "$repo" rev-parse --short=7 HEAD)
    [ "$(describe "$repo")" = " (git $c)" ] && ok || bad "clean: '$(describe "$repo")'"
    touch "$repo/f" # the same content: still clean
    [ "$(describe "$repo")" = " (git $c)" ] && ok || bad "touched: '$(describe "$repo")'"
    echo b >"$repo/f"
    [ "$(describe "$repo")" = " (git $c-dirty)" ] && ok || bad "dirty: '$(describe "$repo")'"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
