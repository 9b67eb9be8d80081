#!/usr/bin/python3
"""The results file's cost, end to end: for each model and grid size, runs
`synsweep run -j 1` (process wall time, the file included) and prints a
Markdown table of trials/s, the file's share of the wall time (the run's
own summary line: creating the file, writing blocks, finishing it), the
process's CPU time (user + system, os.wait4: all its threads, the
process's start included), the file's size and the process's peak RSS.

With --before BIN, the same runs of another build, interleaved with this
one's (the machine's load changes: ratios are fair only side by side);
each figure is the best of --repeat runs (the wall time's run for
trials/s and the share; CPU time: the least; peak RSS: the largest). On
a machine busy with other work, the wall time says little: both builds
compute the same trials, so the difference of their CPU times is what
their files cost apart.

Trials are made cheap so that 10^6-10^7 of them stay feasible:
stp_train as the tutorial has it (rate swept over 5-40 Hz); lif_cond and
lif_cond_stp with T = 10 ms, 4 excitatory and 1 inhibitory input
(exc_rate swept); see SPECS. The LIF models stop at 10^6 trials unless
--lif-max says otherwise. With --real, the LIF models' trials are those
users run, the models' defaults (T = 1000 ms, 80 + 20 inputs: Exercise
1.2 and the bonus demo), exc_rate swept over the same range.

With --threads, instead: stp_train's 2,000,000 trials (100 rates x 20,000
repeats) at -j 1 and -j 2 (wall time of the process, best of --repeat,
interleaved with --before), and the machine's own ceiling measured
beside them: two -j 1 runs side by side against one alone.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

SPECS = {
    "stp_train": "model: stp_train\n",
    "lif_cond": "model: lif_cond\nfixed: {T: 10, n_exc: 4, n_inh: 1}\n",
    "lif_cond_stp": "model: lif_cond_stp\nfixed: {T: 10, n_exc: 4, n_inh: 1}\n",
}
REAL = {
    "stp_train": "model: stp_train\n",
    "lif_cond": "model: lif_cond\n",
    "lif_cond_stp": "model: lif_cond_stp\n",
}
AXIS = {"stp_train": "rate", "lif_cond": "exc_rate", "lif_cond_stp": "exc_rate"}
SUMMARY = re.compile(r"the file took ([0-9.]+)% of ([0-9.]+) s")


def spec_text(model, trials, real=False):
    points = 100 if trials >= 1000 else 10
    return ((REAL if real else SPECS)[model] + "sweep:\n"
            f"  {AXIS[model]}: {{linspace: [5, 40, {points}]}}\n"
            f"repeats: {trials // points}\n")


def measure(binary, spec, out, threads=1, quiet=False):
    """One run with its own peak RSS, from wait4."""
    if os.path.exists(out):
        os.unlink(out)
    t0 = time.perf_counter()
    p = subprocess.Popen([binary, "run", spec, "-o", out, "-j", str(threads)]
                         + (["--quiet"] if quiet else []),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # read the pipes to the end, then reap the process with its usage
    stdout = p.stdout.read().decode()
    stderr = p.stderr.read().decode()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit(f"{binary} run {spec}: exit {p.returncode}\n{stderr}")
    m = SUMMARY.search(stdout)
    share = float(m.group(1)) / 100 if m else float("nan")
    return {"wall": wall, "share": share, "bytes": os.path.getsize(out),
            "rss": usage.ru_maxrss * 1024,
            "cpu": usage.ru_utime + usage.ru_stime}


def fmt_rate(r):
    return f"{r:,.0f}"


def threads_table(builds, repeat, tmp):
    """-j 1 against -j 2 on stp_train's 2,000,000 trials, and the
    machine's ceiling: two -j 1 runs started together against one alone
    (their summed rate over its rate), all interleaved, best of repeat."""
    trials = 2_000_000
    spec = os.path.join(tmp, "threads.yaml")
    with open(spec, "w") as f:
        f.write(spec_text("stp_train", trials))
    best = {}

    def keep(key, wall):
        best[key] = min(best.get(key, wall), wall)

    for _ in range(repeat):
        for name, binary in builds:
            for threads in (1, 2):
                r = measure(binary, spec, os.path.join(tmp, f"{name}.h5"),
                            threads, quiet=True)
                keep((name, threads), r["wall"])
            # two -j 1 runs side by side: the time of the slower
            t0 = time.perf_counter()
            procs = []
            for k in range(2):
                out = os.path.join(tmp, f"{name}-pair{k}.h5")
                if os.path.exists(out):
                    os.unlink(out)
                procs.append(subprocess.Popen(
                    [binary, "run", spec, "-o", out, "-j", "1", "--quiet"]))
            for p in procs:
                if p.wait() != 0:
                    sys.exit(f"{binary} run {spec}: exit {p.returncode}")
            keep((name, "pair"), time.perf_counter() - t0)
    print("| build | -j 1 trials/s | -j 2 trials/s | speed-up 2 threads "
          "| ceiling: two -j 1 side by side / one |")
    print("|---|---:|---:|---:|---:|")
    for name, _ in builds:
        one, two = best[(name, 1)], best[(name, 2)]
        pair = best[(name, "pair")]
        print(f"| {name} | {fmt_rate(trials / one)} | {fmt_rate(trials / two)} "
              f"| {one / two:.2f}x | {2 * one / pair:.2f}x |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("binary")
    ap.add_argument("--before", help="another build's synsweep, side by side")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sizes", default="3,4,5,6,7",
                    help="powers of ten of the trials (default 3,4,5,6,7)")
    ap.add_argument("--lif-max", type=int, default=6,
                    help="largest power of ten for the LIF models")
    ap.add_argument("--models", default="stp_train,lif_cond,lif_cond_stp")
    ap.add_argument("--tmp", default=None)
    ap.add_argument("--real", action="store_true",
                    help="the LIF models' default trials (T = 1000 ms, "
                         "80 + 20 inputs)")
    ap.add_argument("--threads", action="store_true",
                    help="-j 1 against -j 2 on stp_train's 2,000,000 "
                         "trials, and the machine's ceiling")
    args = ap.parse_args()
    builds = [("after", args.binary)]
    if args.before:
        builds.insert(0, ("before", args.before))
    if args.threads:
        with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
            threads_table(builds, args.repeat, tmp)
        return
    rows = []
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        for model in args.models.split(","):
            for e in (int(x) for x in args.sizes.split(",")):
                if model != "stp_train" and e > args.lif_max:
                    continue
                trials = 10 ** e
                spec = os.path.join(tmp, f"{model}-{e}.yaml")
                with open(spec, "w") as f:
                    f.write(spec_text(model, trials, args.real))
                best = {name: None for name, _ in builds}
                repeat = args.repeat if e < 7 else 1
                for _ in range(repeat):
                    for name, binary in builds:  # interleaved
                        out = os.path.join(tmp, f"{name}.h5")
                        r = measure(binary, spec, out)
                        b = best[name]
                        if b is None:
                            best[name] = r
                        else:
                            r["rss"] = b["rss"] = max(b["rss"], r["rss"])
                            r["cpu"] = b["cpu"] = min(b["cpu"], r["cpu"])
                            if r["wall"] < b["wall"]:
                                best[name] = r
                        os.unlink(out)
                for name, _ in builds:
                    rows.append((model, trials, name, best[name]))
                    r = best[name]
                    print(f"{model} 10^{e} {name}: {trials / r['wall']:,.0f} "
                          f"trials/s, file {100 * r['share']:.1f}%, "
                          f"CPU {1e3 * r['cpu']:.1f} ms, "
                          f"{r['bytes'] / 1e6:.2f} MB, "
                          f"{r['rss'] / 1e6:.0f} MB RSS", file=sys.stderr)
    print("| model | trials | build | trials/s (end to end, -j 1) "
          "| file's share of wall time | CPU time (ms) "
          "| file size (MB) | peak RSS (MB) |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    for model, trials, name, r in rows:
        print(f"| {model} | 10^{len(str(trials)) - 1} | {name} | "
              f"{fmt_rate(trials / r['wall'])} | {100 * r['share']:.1f}% | "
              f"{1e3 * r['cpu']:.1f} | "
              f"{r['bytes'] / 1e6:.2f} | {r['rss'] / 1e6:.0f} |")


if __name__ == "__main__":
    main()
