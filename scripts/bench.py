"""Benchmark of synsweep's kernels, side by side in one run.

For fixed configurations (Coding Exercise 1.2 for lif_cond, the bonus demo
for lif_cond_stp, stp_train at 10 and 40 Hz) it measures, with `synsweep
run` on sweeps of many trials:
  - trials per second per core of the fast and the reference kernels (-j 1),
    end to end (the whole command, results file included);
  - the fast kernels alone (synsweep-bench-kernel, beside SYNSWEEP: the same
    trials through ss_model_run_fast on one thread, no file), and the
    cycles per time step per trial of their fastest batch of 64 trials at
    the clock measured beside them;
  - the same trials in Brian2 (scripts/bench_brian2.py), when installed;
  - the floor: the fast kernel on a trial with no input at all (the bare
    membrane loop), and each fast trial's cost as a multiple of it (end to
    end against end to end, kernel against kernel);
  - the speed-up from 1 to 2 threads, and the machine's own ceiling for it:
    two independent single-thread processes side by side against one alone;
  - the peak resident memory of the run;
  - the share of the wall time spent writing the HDF5 file.
The machine may be shared: each figure is the best of a few runs, and the
runs of a configuration are interleaved. Prints one Markdown table. Run it
through scripts/bench.sh.

usage: bench.py SYNSWEEP [--quick] [--no-brian] [--repeats N]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import machine  # scripts/machine.py

HERE = os.path.dirname(os.path.abspath(__file__))

# name: (spec body, trials for the fast kernel, trials for the reference)
CONFIGS = {
    "ex12": ("model: lif_cond\n", 40000, 200,
             "lif_cond, Exercise 1.2 (1 s, 80+20 inputs at 10 Hz)"),
    "bonus": ("model: lif_cond_stp\n", 20000, 60,
              "lif_cond_stp, bonus demo (1 s, 80+20 inputs at 15 Hz)"),
    "ex12_exact": ("model: lif_cond\nfixed: {method: exact, events: continuous}\n",
                   10000, 2000,
                   "lif_cond, Exercise 1.2, method: exact (continuous events)"),
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


def kernel_run(kbin, body, trials):
    """synsweep-bench-kernel on the spec body's point: its JSON record
    (trials_per_s, ns_per_trial_step, clock_ghz, cycles_per_trial_step)."""
    return json.loads(subprocess.run(kernel_args(kbin, body, trials),
                                     capture_output=True, text=True,
                                     check=True).stdout)


def kernel_args(kbin, body, trials):
    model = re.search(r"model: (\w+)", body).group(1)
    fixed = re.search(r"fixed: \{(.*)\}", body)
    assigns = [a.replace(":", "=").replace(" ", "")
               for a in fixed.group(1).split(",")] if fixed else []
    return [kbin, model, str(trials)] + assigns


def side_by_side(kbin, body, trials):
    """The machine's ceiling for 2 threads: the summed rate of two
    independent single-thread processes started together, over the rate of
    one alone (best of each)."""
    alone = kernel_run(kbin, body, trials)["trials_per_s"]
    procs = [subprocess.Popen(kernel_args(kbin, body, trials),
                              stdout=subprocess.PIPE, text=True)
             for _ in range(2)]
    both = sum(json.loads(p.communicate()[0])["trials_per_s"] for p in procs)
    return both / alone


def best(f, repeats=2):
    """The best of a few runs: the machine is shared and noisy."""
    results = [f() for _ in range(repeats)]
    return max(results, key=lambda r: r[0])


def interleaved(fs, repeats):
    """Runs each of fs once per round, `repeats` rounds, so that a busy
    moment of the machine hits all of them alike; the best of each (by its
    first item)."""
    out = [None] * len(fs)
    for _ in range(repeats):
        for i, f in enumerate(fs):
            r = f()
            if out[i] is None or r[0] > out[i][0]:
                out[i] = r
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("synsweep")
    ap.add_argument("--quick", action="store_true", help="a tenth of the trials")
    ap.add_argument("--no-brian", action="store_true")
    ap.add_argument("--repeats", type=int, default=3,
                    help="rounds of interleaved runs; the best counts")
    args = ap.parse_args()
    scale = 0.1 if args.quick else 1.0
    binary = os.path.abspath(args.synsweep)
    kbin = os.path.join(os.path.dirname(binary), "synsweep-bench-kernel")
    if not os.access(kbin, os.X_OK):
        raise SystemExit(f"bench.py: {kbin} not found (built with synsweep)")
    version = subprocess.run([binary, "--version"], capture_output=True,
                             text=True).stdout.strip()
    reps = max(args.repeats, 1)

    def kern(body, n):
        return lambda: (lambda k: (k["trials_per_s"], k))(kernel_run(kbin, body, n))

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        floor_n = int(FLOOR[1] * scale)
        floor_e2e, floor_k = interleaved(
            [lambda: run_sweep(binary, FLOOR[0], floor_n, 1, "fast", tmp),
             kern(FLOOR[0], floor_n)], reps)
        floor_rate = floor_e2e[0]
        floor_us = 1e6 / floor_rate
        floor_kus = 1e6 / floor_k[0]
        ceiling = max(side_by_side(kbin, CONFIGS["ex12"][0],
                                   max(int(8000 * scale), 800))
                      for _ in range(reps))
        for name, (body, n_fast, n_ref, label) in CONFIGS.items():
            n_fast = max(int(n_fast * scale), 16)
            n_ref = max(int(n_ref * scale), 4)
            fast1, fast2, k = interleaved(
                [lambda: run_sweep(binary, body, n_fast, 1, "fast", tmp),
                 lambda: run_sweep(binary, body, n_fast, 2, "fast", tmp),
                 kern(body, n_fast)], reps)
            ref1 = run_sweep(binary, body, n_ref, 1, "reference", tmp)
            rss = peak_rss(binary, body, n_fast, tmp)
            b = None if args.no_brian or name == "ex12_exact" else brian(
                name, {"ex12": 2000, "bonus": 200}.get(name, 100000))
            lif = name in ("ex12", "bonus")
            rows.append(dict(name=name, label=label, fast=fast1[0], fast2=fast2[0],
                             ref=ref1[0], write=fast1[2], rss=rss, brian=b,
                             kernel=k[1],
                             multiple=(1e6 / fast1[0]) / floor_us if lif else None,
                             kmultiple=(1e6 / k[0]) / floor_kus if lif else None))
    fk = floor_k[1]
    print(f"synsweep benchmark ({version}; {machine.describe()})\n")
    print(f"clock: {fk['clock_ghz']:.2f} GHz ({fk['clock']}: the rate of a chain "
          f"of dependent one-cycle additions, timed beside the kernels)\n")
    print(f"floor: {FLOOR[2]}: {floor_rate:,.0f} trials/s per core end to end "
          f"({floor_us:.1f} µs per trial); the kernel alone {floor_k[0]:,.0f} "
          f"trials/s ({floor_kus:.1f} µs, {fk['ns_per_trial_step']:.2f} ns = "
          f"{fk['cycles_per_trial_step']:.2f} cycles per time step per trial)\n")
    print(f"2-thread ceiling of the machine: two independent single-thread "
          f"processes side by side run {ceiling:.2f}× the trials of one alone\n")
    head = ["configuration", "fast trials/s/core", "kernel alone trials/s/core",
            "kernel cycles / step / trial (fastest batch)", "reference trials/s/core",
            "fast / reference", "Brian2 trials/s/core (build s)", "fast / Brian2",
            "fast cost / floor (kernel alone)", "speed-up 2 threads",
            "peak RSS MB", "HDF5 share"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        b = r["brian"]
        k = r["kernel"]
        brian_col = f"{b['trials_per_s_per_core']:,.0f} ({b['build_s']:.0f})" if b else "n/a"
        ratio_b = f"{r['fast'] / b['trials_per_s_per_core']:.1f}×" if b else "n/a"
        mult = (f"{r['multiple']:.2f}× ({r['kmultiple']:.2f}×)"
                if r["multiple"] else "–")
        print(f"| {r['label']} | {r['fast']:,.0f} | {k['trials_per_s']:,.0f} | "
              f"{k['cycles_per_trial_step']:.2f} | {r['ref']:,.0f} | "
              f"{r['fast'] / r['ref']:,.0f}× | {brian_col} | {ratio_b} | {mult} | "
              f"{r['fast2'] / r['fast']:.2f}× | {r['rss']:.0f} | {100 * r['write']:.1f}% |")


if __name__ == "__main__":
    main()
