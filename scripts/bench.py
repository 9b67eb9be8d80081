"""Benchmark of synsweep's kernels, side by side in one run.

For fixed configurations (Coding Exercise 1.2 for lif_cond, the bonus demo
for lif_cond_stp, stp_train at 10 and 40 Hz) it measures, with `synsweep
run` on sweeps of many trials:
  - trials per second per core of the fast and the reference kernels (-j 1);
  - the same trials in Brian2 (scripts/bench_brian2.py), when installed;
  - the floor: the fast kernel on a trial with no input at all (the bare
    membrane loop), and each fast trial's cost as a multiple of it;
  - the speed-up from 1 to 2 threads;
  - the peak resident memory of the run;
  - the share of the wall time spent writing the HDF5 file.
Prints one Markdown table. Run it through scripts/bench.sh.

usage: bench.py SYNSWEEP [--quick] [--no-brian]
"""
import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# name: (spec body, trials for the fast kernel, trials for the reference)
CONFIGS = {
    "ex12": ("model: lif_cond\n", 40000, 200,
             "lif_cond, Exercise 1.2 (1 s, 80+20 inputs at 10 Hz)"),
    "bonus": ("model: lif_cond_stp\n", 20000, 60,
              "lif_cond_stp, bonus demo (1 s, 80+20 inputs at 15 Hz)"),
    "stp10": ("model: stp_train\nfixed: {rate: 10}\n", 2000000, 20000,
              "stp_train, 10 Hz"),
    "stp40": ("model: stp_train\nfixed: {rate: 40}\n", 2000000, 20000,
              "stp_train, 40 Hz"),
}
FLOOR = ("model: lif_cond\nfixed: {n_exc: 0, n_inh: 0}\n", 80000,
         "lif_cond with no input (the bare membrane loop)")

SUMMARY = re.compile(r"ran (\d+) trials in ([0-9.]+) s .* the file took ([0-9.]+)% of")


def run_sweep(binary, body, trials, threads, kernel, tmp):
    """Runs a sweep of `trials` repeats; returns (trials/s of the run, wall
    seconds of the command, share of the time from creating the results file
    to closing it spent on the file: creating, writing, compressing)."""
    spec = os.path.join(tmp, "bench.yaml")
    with open(spec, "w") as f:
        f.write(body + f"repeats: {trials}\n")
    out = os.path.join(tmp, "bench.h5")
    start = time.perf_counter()
    proc = subprocess.Popen([binary, "run", spec, "-o", out, "--force", "-j",
                             str(threads), "--kernel", kernel],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"synsweep failed: {stderr}")
    m = SUMMARY.search(stdout)
    return trials / float(m.group(2)), wall, float(m.group(3)) / 100.0


def peak_rss(binary, body, trials, tmp):
    spec = os.path.join(tmp, "rss.yaml")
    with open(spec, "w") as f:
        f.write(body + f"repeats: {trials}\n")
    proc = subprocess.Popen([binary, "run", spec, "-o", os.path.join(tmp, "rss.h5"),
                             "--force", "-j", "2", "--quiet"])
    _, _, usage = os.wait4(proc.pid, 0)
    return usage.ru_maxrss / 1024.0


def brian(config, trials):
    script = os.path.join(HERE, "bench_brian2.py")
    if not os.path.exists(script):
        return None
    try:
        p = subprocess.run(["/usr/bin/python3", script, "--config", config,
                            "--trials", str(trials), "--repeat", "2",
                            "--json", "--no-check"],
                           capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired:
        return None
    if p.returncode != 0:
        sys.stderr.write(p.stderr[-2000:])
        return None
    return json.loads(p.stdout.strip().splitlines()[-1])


def best(f, repeats=2):
    """The best of a few runs: the machine is shared and noisy."""
    results = [f() for _ in range(repeats)]
    return max(results, key=lambda r: r[0])


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    flags = open("/proc/cpuinfo").read()
    isa = "avx512" if " avx512dq" in flags else "avx2" if " avx2" in flags else "base"
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, lane kernels: {isa}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("synsweep")
    ap.add_argument("--quick", action="store_true", help="a tenth of the trials")
    ap.add_argument("--no-brian", action="store_true")
    args = ap.parse_args()
    scale = 0.1 if args.quick else 1.0
    binary = os.path.abspath(args.synsweep)
    version = subprocess.run([binary, "--version"], capture_output=True,
                             text=True).stdout.strip()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        floor_n = int(FLOOR[1] * scale)
        floor_rate = best(lambda: run_sweep(binary, FLOOR[0], floor_n, 1, "fast", tmp))[0]
        floor_us = 1e6 / floor_rate
        for name, (body, n_fast, n_ref, label) in CONFIGS.items():
            n_fast = max(int(n_fast * scale), 16)
            n_ref = max(int(n_ref * scale), 4)
            fast1 = best(lambda: run_sweep(binary, body, n_fast, 1, "fast", tmp))
            fast2 = best(lambda: run_sweep(binary, body, n_fast, 2, "fast", tmp))
            ref1 = run_sweep(binary, body, n_ref, 1, "reference", tmp)
            rss = peak_rss(binary, body, n_fast, tmp)
            b = None if args.no_brian else brian(
                name, {"ex12": 2000, "bonus": 200}.get(name, 100000))
            rows.append(dict(name=name, label=label, fast=fast1[0], fast2=fast2[0],
                             ref=ref1[0], write=fast1[2], rss=rss, brian=b,
                             multiple=(1e6 / fast1[0]) / floor_us if name in ("ex12", "bonus") else None))
    print(f"synsweep benchmark ({version}; {machine()})\n")
    print(f"floor: {FLOOR[2]}: {floor_rate:,.0f} trials/s per core ({floor_us:.1f} µs per trial)\n")
    head = ["configuration", "fast trials/s/core", "reference trials/s/core",
            "fast / reference", "Brian2 trials/s/core (build s)", "fast / Brian2",
            "fast cost / floor", "speed-up 2 threads", "peak RSS MB", "HDF5 share"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        b = r["brian"]
        brian_col = f"{b['trials_per_s_per_core']:,.0f} ({b['build_s']:.0f})" if b else "n/a"
        ratio_b = f"{r['fast'] / b['trials_per_s_per_core']:.1f}×" if b else "n/a"
        mult = f"{r['multiple']:.2f}×" if r["multiple"] else "–"
        print(f"| {r['label']} | {r['fast']:,.0f} | {r['ref']:,.0f} | "
              f"{r['fast'] / r['ref']:,.0f}× | {brian_col} | {ratio_b} | {mult} | "
              f"{r['fast2'] / r['fast']:.2f}× | {r['rss']:.0f} | {100 * r['write']:.1f}% |")


if __name__ == "__main__":
    main()
