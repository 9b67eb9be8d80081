"""The tree keeps its architecture: layers used only downwards, no cycle
among modules, process-wide state only in the program, no god files, nothing
stray at the root.

    layers_test.py SOURCE_DIR
"""
import collections
import pathlib
import re
import subprocess
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
src = root / "src"
include = root / "include" / "synsweep"

# Lowest first; a layer may use itself and the layers before it, except
# that io and run are siblings that know nothing of each other.
LAYERS = ["core", "sweep", "io", "run", "cli"]
MAY_USE = {
    "core": {"core"},
    "sweep": {"core", "sweep"},
    "io": {"core", "sweep", "io"},
    "run": {"core", "sweep", "run"},
    "cli": set(LAYERS),
}
# Where each public header's module lives.
HEADER_LAYER = {
    "status": "core", "params": "core", "metrics": "core", "rng": "core",
    "input": "core", "events": "core", "model": "core", "expr": "core",
    "version": "core",
    "spec": "sweep", "grid": "sweep", "h5io": "io", "run": "run",
    # one run spread over MPI ranks: scheduling, beside run (not inside
    # it: run.h must not know MPI, and one module may not include another
    # that includes it back)
    "ranks": "run",
}
# Libraries each layer may include; the core is libm only.
FOREIGN = {
    "yaml.h": {"sweep"},
    "hdf5.h": {"io"}, "hdf5_hl.h": {"io"}, "H5DSpublic.h": {"io"},
    "omp.h": {"run"},
    "mpi.h": {"cli", "run", "io"},
}
MAX_LINES = 900
ROOT_ENTRIES = {"CMakeLists.txt", "README.md", "src", "include", "sweeps",
                "tests", "scripts", "docs", "python", "cmake", "man",
                "completions", "packaging", "examples"}

include_re = re.compile(r'^\s*#\s*include\s+([<"])([^>"]+)[>"]', re.M)
failures = []


def fail(msg):
    failures.append(msg)


def module_of(path):
    """spec_axes.c, spec_internal.h -> spec; h5io_util.c -> h5io."""
    return path.stem.split("_")[0]


def includes(path):
    return include_re.findall(path.read_text(errors="replace"))


def check_public_include(where, layer, module, name):
    """where (of module, in layer) includes the public header name."""
    stem = pathlib.Path(name).stem
    used = HEADER_LAYER.get(stem)
    if used is None:
        fail(f"{where}: includes {name}, a header of no known layer")
    elif used not in MAY_USE[layer]:
        fail(f"{where}: the {layer} layer includes {name} "
             f"of the {used} layer")
    if stem != module:
        deps[module].add(stem)


# --- every file of src/ sits in a known layer and uses only what it may --
deps = collections.defaultdict(set)   # module -> modules it includes
files = sorted(p for p in src.rglob("*") if p.suffix in (".c", ".h"))
if not files:
    fail(f"no sources under {src}")
for path in files:
    rel = path.relative_to(root)
    layer = path.relative_to(src).parts[0]
    if layer not in MAY_USE or len(path.relative_to(src).parts) != 2:
        fail(f"{rel}: not in one of the layer folders {LAYERS}")
        continue
    for kind, name in includes(path):
        if kind == '"' and name.startswith("synsweep/"):
            check_public_include(rel, layer, module_of(path), name)
        elif kind == '"':
            # private headers: only from the same folder
            if not (path.parent / name).exists():
                fail(f"{rel}: includes \"{name}\" from outside its folder")
        else:
            allowed = FOREIGN.get(pathlib.Path(name).name)
            if allowed is not None and layer not in allowed:
                fail(f"{rel}: the {layer} layer includes <{name}>")
    text = path.read_text(errors="replace")
    if layer != "cli" and re.search(r"\b(sigaction|signal)\s*\(", text):
        fail(f"{rel}: installs a signal handler outside the program")
    if layer == "core" and re.search(r"#\s*pragma\s+omp", text):
        fail(f"{rel}: OpenMP in the core")
    if path.suffix == ".c":
        n = text.count("\n")
        if n > MAX_LINES:
            fail(f"{rel}: {n} lines (more than {MAX_LINES}: several concerns?)")

# --- public headers: the same rule among themselves ----------------------
for path in sorted(include.glob("*.h")):
    own = HEADER_LAYER.get(path.stem)
    if own is None:
        fail(f"include/synsweep/{path.name}: of no known layer")
        continue
    for kind, name in includes(path):
        if kind == '"' and name.startswith("synsweep/"):
            check_public_include(f"include/synsweep/{path.name}", own,
                                 path.stem, name)
        elif kind == "<" and name in FOREIGN:
            fail(f"include/synsweep/{path.name}: exposes <{name}>")

# --- no cycle among modules ----------------------------------------------
state = {}


def visit(module, stack):
    state[module] = "open"
    for dep in sorted(deps.get(module, ())):
        if state.get(dep) == "open":
            cycle = stack[stack.index(dep):] + [dep]
            fail("module cycle: " + " -> ".join(cycle))
        elif dep not in state:
            visit(dep, stack + [dep])
    state[module] = "done"


for module in sorted(deps):
    if module not in state:
        visit(module, [module])

# --- nothing stray at the root -------------------------------------------
try:
    tracked = subprocess.run(["git", "-C", str(root), "ls-files"],
                             capture_output=True, text=True, check=True)
    top = {line.split("/")[0] for line in tracked.stdout.splitlines()}
    for entry in sorted(top):
        if not entry.startswith(".") and entry not in ROOT_ENTRIES \
                and not entry.startswith("LICENSE"):
            fail(f"{entry}: a stray entry at the root")
except (OSError, subprocess.CalledProcessError):
    pass  # not a git checkout (an exported tree): nothing to list

for msg in failures:
    print("FAIL", msg)
edges = sum(len(v) for v in deps.values())
print(f"{len(files)} source files, {len(deps)} modules, {edges} "
      f"dependencies: {'ok' if not failures else f'{len(failures)} failures'}")
sys.exit(1 if failures else 0)
