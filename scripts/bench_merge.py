"""Benchmark of a sweep run in shards and merged, and of the run's cost per
trial and per byte: the figures docs/scaling.md scales up.

1. Merge: a stp_train sweep of 10^7 trials (100 presynaptic rates 5..50 Hz
   x 100,000 repeats, Poisson input so that no two trials are alike and
   the file compresses as real results do; every metric of the model, the
   default) is run once in one process and then as N parts (N = 4 and 16,
   one part after the other, each with -j 2). For each N: the parts' sizes
   on disk (while their run goes, uncompressed, and finished), a part's
   run time, and `synsweep merge`'s wall time and peak resident memory
   (`/usr/bin/time -f %M`), the merged file's size, the merge's throughput;
   and whether the merged file's metrics, `status` and `done` are
   byte-equal to the one-process run's (h5py, `tobytes()`).
2. Run cost: trials per second per core at -j 1 and -j 2 (and at -j 1 with
   the AVX2 lane kernels, as on a core without AVX-512) for stp_train
   (the sweep above with 10,000 repeats), lif_cond (Coding Exercise 1.2)
   and lif_cond_stp (the bonus demo), and the bytes per trial of the
   finished (compressed) file and of the file while the run goes
   (uncompressed).

The machine may be shared: every time is the median of several runs
(--repeat). Prints Markdown tables. Run it through scripts/bench_merge.sh.

usage: bench_merge.py SYNSWEEP [--quick] [--trials T] [--parts 4,16]
                      [--repeat R] [--tmp DIR]
"""
import argparse
import datetime
import glob
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import h5py

import machine  # scripts/machine.py

STP_SPEC = """name: bench_merge
model: stp_train
seed: 7
fixed: {{input: poisson}}
repeats: {repeats}
sweep:
  rate: {{linspace: [5, 50, 100]}}
"""
GRID_POINTS = 100  # the rate axis above

# name: (label, spec body without repeats, repeats for the run cost)
MODELS = [
    ("stp_train", "stp_train, Poisson input, 100 rates 5..50 Hz",
     None, 10000),
    ("lif_cond", "lif_cond, Exercise 1.2 (1 s, 80+20 inputs at 10 Hz)",
     "name: exercise_1_2\nmodel: lif_cond\nseed: 12\n", 100000),
    ("lif_cond_stp", "lif_cond_stp, bonus demo (1 s, 80+20 inputs at 15 Hz)",
     "name: bonus\nmodel: lif_cond_stp\nseed: 12\n", 40000),
]

SUMMARY = re.compile(r"ran (\d+) trials in ([0-9.]+) s")
MB = 1e6


class SizeWatch:
    """Samples, while a run goes, the largest size of the results file at
    `path` and of the file being made beside it (FILE.creating-*/): the
    uncompressed file, before it is compressed at the end."""

    def __init__(self, path):
        self.path = path
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self):
        while not self._stop.is_set():
            for p in [self.path] + glob.glob(self.path + ".creating-*/*"):
                try:
                    self.peak = max(self.peak, os.stat(p).st_size)
                except OSError:
                    pass
            self._stop.wait(0.02)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def run(binary, spec, out, threads, shard=None, lanes=None):
    """Runs a sweep (or one part; with the lane kernels `lanes`, e.g.
    avx2); returns (wall s, compute s from the summary, uncompressed size,
    finished size)."""
    args = [binary, "run", spec, "-o", out, "--force", "-j", str(threads)]
    if shard:
        args += ["--shard", shard]
    env = dict(os.environ)
    env.pop("SYNSWEEP_LANES", None)
    if lanes:
        env["SYNSWEEP_LANES"] = lanes
    with SizeWatch(out) as watch:
        start = time.perf_counter()
        p = subprocess.run(args, capture_output=True, text=True, env=env)
        wall = time.perf_counter() - start
    if p.returncode != 0:
        raise SystemExit(f"synsweep run failed ({p.returncode}): {p.stderr}")
    m = SUMMARY.search(p.stdout)
    compute = float(m.group(2)) if m else float("nan")
    size = os.stat(out).st_size
    return wall, compute, max(watch.peak, size), size


def merge(binary, out, parts, tmp):
    """Merges parts into out under /usr/bin/time; returns (wall s, peak
    RSS in MB, the merged file's size while it is made: uncompressed)."""
    log = os.path.join(tmp, "time.log")
    args = ["/usr/bin/time", "-f", "%e %M", "-o", log, binary, "merge", "-o",
            out, "--force", "-q", *parts]
    with SizeWatch(out) as watch:
        start = time.perf_counter()
        p = subprocess.run(args, capture_output=True, text=True)
        wall = time.perf_counter() - start
    if p.returncode != 0:
        raise SystemExit(f"synsweep merge failed ({p.returncode}): {p.stderr}")
    with open(log) as f:
        _, kb = f.read().split()[-2:]
    return wall, int(kb) / 1024.0, watch.peak


def byte_equal(a, b):
    """Whether every metric, `status` and `done` of results files a and b
    hold the same bytes; the names of those that differ."""
    differ = []
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        shape = fa["done"].shape  # metrics, status and done: one per trial
        names = [n for n in fa if fa[n].shape == shape and
                 fa[n].attrs.get("CLASS") != b"DIMENSION_SCALE"]
        for name in names:
            if (name not in fb or
                    fa[name][...].tobytes() != fb[name][...].tobytes()):
                differ.append(name)
    return names, differ


def med(xs):
    return statistics.median(xs)


def merge_table(binary, trials, part_counts, repeat, tmp):
    spec = os.path.join(tmp, "bench_merge.yaml")
    write(spec, STP_SPEC.format(repeats=trials // GRID_POINTS))
    one = os.path.join(tmp, "one.h5")
    one_wall, one_compute, one_raw, one_size = run(binary, spec, one, 2)
    rows = []
    for n in part_counts:
        folder = os.path.join(tmp, f"parts{n}")
        os.makedirs(folder, exist_ok=True)
        parts, walls, raws, sizes = [], [], [], []
        for k in range(n):
            part = os.path.join(folder, f"part-{k}.h5")
            wall, _, raw, size = run(binary, spec, part, 2, f"{k}/{n}")
            parts.append(part)
            walls.append(wall)
            raws.append(raw)
            sizes.append(size)
        out = os.path.join(tmp, f"merged{n}.h5")
        timings = [merge(binary, out, parts, tmp) for _ in range(repeat)]
        wall = med([t[0] for t in timings])
        rss = max(t[1] for t in timings)
        raw = max(t[2] for t in timings)
        names, differ = byte_equal(out, one)
        rows.append(dict(n=n, part_size=med(sizes), part_raw=med(raws),
                         parts_total=sum(sizes), part_wall=med(walls),
                         wall=wall, rss=rss,
                         merged=os.stat(out).st_size, merged_raw=raw,
                         names=names,
                         differ=differ))
        for part in parts:
            os.remove(part)
    os.remove(one)
    # a part's cost that does not shrink with its share: a part of 1/1000
    # of the trials still has the whole sweep's layout
    tiny = os.path.join(tmp, "tiny.h5")
    runs = [run(binary, spec, tiny, 2, "0/1000") for _ in range(repeat)]
    os.remove(tiny)
    fixed = dict(wall=med([x[0] for x in runs]),
                 compute=med([x[1] for x in runs]),
                 raw=med([x[2] for x in runs]), size=med([x[3] for x in runs]))
    return dict(trials=trials, one_wall=one_wall, one_compute=one_compute,
                one_raw=one_raw, one_size=one_size, rows=rows, fixed=fixed)


def cost_table(binary, repeat, scale, tmp):
    rows = []
    for name, label, body, repeats in MODELS:
        repeats = max(int(repeats * scale), 100)
        spec = os.path.join(tmp, f"cost_{name}.yaml")
        if body is None:
            write(spec, STP_SPEC.format(repeats=repeats))
            trials = repeats * GRID_POINTS
        else:
            write(spec, body + f"repeats: {repeats}\n")
            trials = repeats
        out = os.path.join(tmp, f"cost_{name}.h5")
        r = {}
        for threads in (1, 2):
            runs = [run(binary, spec, out, threads) for _ in range(repeat)]
            r[threads] = dict(compute=med([x[1] for x in runs]),
                              wall=med([x[0] for x in runs]),
                              raw=med([x[2] for x in runs]),
                              size=med([x[3] for x in runs]))
        # what a core without AVX-512 does: the AVX2 lane kernels
        runs = [run(binary, spec, out, 1, lanes="avx2") for _ in range(repeat)]
        r["avx2"] = dict(compute=med([x[1] for x in runs]))
        os.remove(out)
        rows.append(dict(name=name, label=label, trials=trials, r=r))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("synsweep")
    ap.add_argument("--quick", action="store_true",
                    help="a tenth of the trials")
    ap.add_argument("--trials", type=int, default=10**7,
                    help="trials of the merged sweep (a multiple of 100)")
    ap.add_argument("--parts", default="4,16")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs per timing; the median is printed")
    ap.add_argument("--tmp", help="where the files go (default: $TMPDIR)")
    args = ap.parse_args()
    scale = 0.1 if args.quick else 1.0
    trials = int(args.trials * scale) // GRID_POINTS * GRID_POINTS
    part_counts = [int(x) for x in args.parts.split(",")]
    binary = os.path.abspath(args.synsweep)
    version = subprocess.run([binary, "--version"], capture_output=True,
                             text=True).stdout.strip()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        m = merge_table(binary, trials, part_counts, args.repeat, tmp)
        cost = cost_table(binary, args.repeat, scale, tmp)
    load_after = os.getloadavg()[0]

    print(f"synsweep merge and run-cost benchmark ({version}; {machine.describe()}; "
          f"{datetime.date.today()})")
    print(f"Times are medians of {args.repeat} runs (merge, run cost) or of "
          f"the parts (part run); the machine may be shared, so they are "
          f"noisy (load average {load_before:.1f} before, {load_after:.1f} "
          f"after, on {os.cpu_count()} cores).\n")
    t = m["trials"]
    print(f"Sweep: stp_train, {t:,} trials (100 rates x {t // GRID_POINTS:,} "
          f"repeats, Poisson input, all 7 metrics). One process, -j 2: "
          f"{m['one_wall']:.1f} s wall ({m['one_compute']:.1f} s of trials), "
          f"{m['one_raw'] / MB:.0f} MB while running, "
          f"{m['one_size'] / MB:.0f} MB finished. Parts run one after the "
          f"other, each -j 2. MB/s: the parts' bytes on disk over the merge's "
          f"wall time.\n")
    head = ["trials", "parts", "part on disk MB (while running)",
            "part run s", "merge wall s", "merge peak RSS MB",
            "merged file MB (while merging)", "merge trials/s", "merge MB/s",
            "byte-equal to one process"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in m["rows"]:
        equal = ("yes" if not r["differ"] else
                 "NO: " + ", ".join(r["differ"]))
        equal += f" ({len(r['names'])} datasets)"
        print(f"| {t:,} | {r['n']} | {r['part_size'] / MB:.1f} "
              f"({r['part_raw'] / MB:.0f}) | {r['part_wall']:.1f} | "
              f"{r['wall']:.1f} | {r['rss']:.0f} | {r['merged'] / MB:.0f} "
              f"({r['merged_raw'] / MB:.0f}) | "
              f"{t / r['wall']:,.0f} | {r['parts_total'] / MB / r['wall']:.1f} | "
              f"{equal} |")
    f = m["fixed"]
    print(f"\nA part's cost that does not shrink with its share (each part "
          f"has the whole sweep's layout): part 0/1000 of the same sweep "
          f"({t // 1000:,} trials): {f['wall']:.1f} s wall "
          f"({f['compute']:.2f} s of trials), {f['raw'] / MB:.0f} MB while "
          f"running, {f['size'] / MB:.1f} MB finished.\n")
    print("Run cost: trials/s per core from the run's summary (the trials "
          "alone); AVX2 lanes: SYNSWEEP_LANES=avx2, as on a core without "
          "AVX-512; wall: the whole command (making, filling and compressing "
          "the file too). Bytes per trial: the finished (compressed) file "
          "and the file while the run goes (uncompressed).\n")
    head = ["configuration", "trials", "trials/s/core -j 1",
            "trials/s/core -j 2", "trials/s/core -j 1, AVX2 lanes", "wall trials/s/core -j 1",
            "wall trials/s/core -j 2", "bytes/trial compressed",
            "bytes/trial uncompressed"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for c in cost:
        n, r1, r2 = c["trials"], c["r"][1], c["r"][2]
        print(f"| {c['label']} | {n:,} | {n / r1['compute']:,.0f} | "
              f"{n / r2['compute'] / 2:,.0f} | "
              f"{n / c['r']['avx2']['compute']:,.0f} | {n / r1['wall']:,.0f} | "
              f"{n / r2['wall'] / 2:,.0f} | {r1['size'] / n:.1f} | "
              f"{r1['raw'] / n:.1f} |")
    bad = [r for r in m["rows"] if r["differ"]]
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
