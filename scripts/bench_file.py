#!/usr/bin/python3
"""The results file's cost, end to end: for each model and grid size, runs
`synsweep run -j 1` (process wall time, the file included) and prints a
Markdown table of trials/s, the file's share of the wall time (the run's
own summary line: creating the file, writing blocks, finishing it), the
file's size and the process's peak RSS (os.wait4).

With --before BIN, the same runs of another build, interleaved with this
one's (the machine's load changes: ratios are fair only side by side);
each figure is the best of --repeat runs (peak RSS: the largest).

Trials are made cheap so that 10^6-10^7 of them stay feasible:
stp_train as the tutorial has it (rate swept over 5-40 Hz); lif_cond and
lif_cond_stp with T = 10 ms, 4 excitatory and 1 inhibitory input
(exc_rate swept); see SPECS. The LIF models stop at 10^6 trials unless
--lif-max says otherwise.
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
AXIS = {"stp_train": "rate", "lif_cond": "exc_rate", "lif_cond_stp": "exc_rate"}
SUMMARY = re.compile(r"the file took ([0-9.]+)% of ([0-9.]+) s")


def spec_text(model, trials):
    points = 100 if trials >= 1000 else 10
    return (SPECS[model] + "sweep:\n"
            f"  {AXIS[model]}: {{linspace: [5, 40, {points}]}}\n"
            f"repeats: {trials // points}\n")


def measure(binary, spec, out):
    """One run with its own peak RSS, from wait4."""
    if os.path.exists(out):
        os.unlink(out)
    t0 = time.perf_counter()
    p = subprocess.Popen([binary, "run", spec, "-o", out, "-j", "1"],
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
            "rss": usage.ru_maxrss * 1024}


def fmt_rate(r):
    return f"{r:,.0f}"


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
    args = ap.parse_args()
    builds = [("after", args.binary)]
    if args.before:
        builds.insert(0, ("before", args.before))
    rows = []
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        for model in args.models.split(","):
            for e in (int(x) for x in args.sizes.split(",")):
                if model != "stp_train" and e > args.lif_max:
                    continue
                trials = 10 ** e
                spec = os.path.join(tmp, f"{model}-{e}.yaml")
                with open(spec, "w") as f:
                    f.write(spec_text(model, trials))
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
                            b["rss"] = max(b["rss"], r["rss"])
                            if r["wall"] < b["wall"]:
                                r["rss"] = b["rss"]
                                best[name] = r
                        os.unlink(out)
                for name, _ in builds:
                    rows.append((model, trials, name, best[name]))
                    r = best[name]
                    print(f"{model} 10^{e} {name}: {trials / r['wall']:,.0f} "
                          f"trials/s, file {100 * r['share']:.1f}%, "
                          f"{r['bytes'] / 1e6:.2f} MB, "
                          f"{r['rss'] / 1e6:.0f} MB RSS", file=sys.stderr)
    print("| model | trials | build | trials/s (end to end, -j 1) "
          "| file's share of wall time | file size (MB) | peak RSS (MB) |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for model, trials, name, r in rows:
        print(f"| {model} | 10^{len(str(trials)) - 1} | {name} | "
              f"{fmt_rate(trials / r['wall'])} | {100 * r['share']:.1f}% | "
              f"{r['bytes'] / 1e6:.2f} | {r['rss'] / 1e6:.0f} |")


if __name__ == "__main__":
    main()
