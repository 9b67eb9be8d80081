"""The dt-convergence study of sweeps/dt_convergence.yaml: the paired
firing-rate bias of euler and exact against dt (from the sweep's results
file), the spike-time error of euler (from `synsweep trace` of a subset of
trials against exact at a 1 µs grid) and the cost per trial of each method
and dt (separate one-thread runs); prints README's table (Markdown) and
draws the study's figure.

    /usr/bin/python3 scripts/dt_convergence.py BIN [--spec SPEC]
        [--results FILE] [--figure OUT.png] [--json OUT.json]
        [--spike-trials N] [--timing-rounds K] [--timing-repeats R]

BIN is the synsweep binary. Without --results the spec is run first (all
threads). Cost: CPU time of a one-thread `synsweep run` of R repeats at one
point minus that of R/10 repeats (so start-up and file creation cancel),
over the 9R/10 trials in between, the smallest of K interleaved rounds.
Spike times: `synsweep trace` records euler's spikes at it·dt, as the
tutorial, and exact's at the crossing times it found; the reference is
exact traced at dt_ref = 0.001 ms. Euler's spike-time error: the median
over the reference's spikes of the distance to euler's nearest spike, and
euler's mean offset (euler − ref) over pairs closer than 1 ms. Exact's
times do not depend on dt: the largest distance between its spikes and
the reference's, spike by spike, is reported at every dt.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "python"))

import synsweep  # noqa: E402
from synsweep.figures import first_order_guide  # noqa: E402

DT_REF = 0.001  # ms: the grid of the reference traces


def parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("bin")
    p.add_argument("--spec", default="sweeps/dt_convergence.yaml")
    p.add_argument("--results", help="the spec's results file (else run)")
    p.add_argument("--repeats", type=int,
                   help="run the spec with this many repeats instead of "
                        "its own (the first ones are the same trials)")
    p.add_argument("--figure", default="docs/figures/dt_convergence_study.png")
    p.add_argument("--json", help="also write the numbers as JSON")
    p.add_argument("--spike-trials", type=int, default=20,
                   help="traced repeats per E/I point (default 20)")
    p.add_argument("--timing-rounds", type=int, default=5)
    p.add_argument("--timing-repeats", type=int, default=600)
    return p.parse_args()


def run(cmd):
    """Runs cmd; its CPU time (user + system, s)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _, status, ru = os.wait4(proc.pid, 0)
    err = proc.stderr.read().decode()
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"dt_convergence: {' '.join(cmd)} failed ({code}): {err}")
    return ru.ru_utime + ru.ru_stime


def file_spec(path):
    """(model, seed, streams, {fixed parameter: value}) of a results
    file, from its root attributes."""
    with h5py.File(path, "r") as f:
        at = dict(f.attrs)

    def text(v):
        return v.decode() if isinstance(v, bytes) else v
    names = [item.partition(":")[0].strip()
             for item in text(at["fixed_parameters"]).split(",")]
    fixed = {n: text(at[n]) for n in names if n and n in at}
    return (text(at["model"]), text(at.get("seed_text", at["seed"])),
            text(at.get("streams", "independent")), fixed)


def write_spec(path, base, point, repeats, sweep=None):
    """A spec of the results file's model, seed and fixed parameters with
    point fixed too, and the given sweep axes ({name: [values]})."""
    model, seed, streams, fixed = base
    fixed = dict(fixed, **point)

    def word(v):
        if isinstance(v, str):
            return v
        v = float(v)
        return str(int(v)) if v.is_integer() else repr(v)
    lines = [f"model: {model}", f"seed: {seed}", f"streams: {streams}",
             f"repeats: {repeats}",
             "fixed: {" + ", ".join(f"{k}: {word(v)}"
                                    for k, v in fixed.items()) + "}"]
    if sweep:
        lines.append("sweep:")
        lines += [f"  {k}: [{', '.join(word(v) for v in vs)}]"
                  for k, vs in sweep.items()]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def spike_times(path):
    with h5py.File(path, "r") as f:
        return f["spike_time"][...].astype(float)


def compare_spikes(ref, times):
    """(distances of ref's spikes to the nearest of times, offsets
    times - ref of the pairs closer than 1 ms)."""
    if len(ref) == 0:
        return np.empty(0), np.empty(0)
    if len(times) == 0:
        return np.full(len(ref), np.inf), np.empty(0)
    k = np.clip(np.searchsorted(times, ref), 1, len(times) - 1)
    left, right = times[k - 1], times[k]
    near = np.where(np.abs(ref - left) <= np.abs(right - ref), left, right)
    if len(times) == 1:
        near = np.full(len(ref), times[0])
    off = near - ref
    return np.abs(off), off[np.abs(off) < 1.0]


def main():
    a = parse()
    tmp = tempfile.mkdtemp(prefix="synsweep-dtconv-")
    results = a.results
    if results is None:
        spec = a.spec
        if a.repeats:
            with open(a.spec) as f:
                text, n = re.subn(r"(?m)^repeats: *\d+ *$",
                                  f"repeats: {a.repeats}", f.read())
            if n != 1:
                sys.exit(f"dt_convergence: {a.spec}: no 'repeats:' line")
            spec = os.path.join(tmp, "study.yaml")
            with open(spec, "w") as f:
                f.write(text)
        results = os.path.join(tmp, "study.h5")
        run([a.bin, "run", spec, "-o", results, "--quiet"])
    ds = synsweep.open(results)
    b = synsweep.paired_bias(ds, "firing_rate")
    others = [x for x in synsweep.axes(ds) if x not in ("method", "dt")]
    if len(others) != 1:
        sys.exit("dt_convergence: the spec needs one axis besides method "
                 "and dt (the E/I points)")
    ei = others[0]
    eis = [float(v) for v in ds[ei].values]
    methods = [str(v) for v in ds["method"].values]
    dts = [float(v) for v in ds["dt"].values]
    repeats = ds.sizes["repeat"]
    base = file_spec(results)

    # cost per trial: one-thread runs at each point, interleaved rounds
    R1 = a.timing_repeats
    R0 = max(1, R1 // 10)
    best = {}
    for _ in range(a.timing_rounds):
        for e in eis:
            for m in methods:
                for dt in dts:
                    point = {ei: e, "method": m, "dt": dt}
                    for R in (R0, R1):
                        sp = write_spec(os.path.join(tmp, "t.yaml"), base,
                                        point, R)
                        t = run([a.bin, "run", sp, "-o",
                                 os.path.join(tmp, "t.h5"), "--force",
                                 "-j", "1", "--quiet"])
                        key = (e, m, dt, R)
                        best[key] = min(best.get(key, np.inf), t)

    def us_per_trial(e, m, dt):
        return max(best[(e, m, dt, R1)] - best[(e, m, dt, R0)], 0.0) \
            / (R1 - R0) * 1e6

    # spike times: traces of the first repeats, reference exact at DT_REF
    ref_path = write_spec(os.path.join(tmp, "ref.yaml"), base,
                          {"method": "exact", "dt": DT_REF}, repeats,
                          {ei: eis})
    n_tr = min(a.spike_trials, repeats)
    spikes = {}
    for e in eis:
        for r in range(n_tr):
            out = os.path.join(tmp, "tr.h5")
            run([a.bin, "trace", ref_path, "--at", f"{ei}={e}", "--repeat",
                 str(r), "-o", out, "--force"])
            ref = spike_times(out)
            for m in methods:
                for dt in dts:
                    run([a.bin, "trace", a.spec, "--at", f"{ei}={e}", "--at",
                         f"method={m}", "--at", f"dt={dt}", "--repeat",
                         str(r), "-o", out, "--force"])
                    t = spike_times(out)
                    d = spikes.setdefault((e, m, dt),
                                          {"dist": [], "off": [],
                                           "apart": 0.0, "n": 0})
                    dist, off = compare_spikes(ref, t)
                    d["dist"].extend(dist.tolist())
                    d["off"].extend(off.tolist())
                    if len(t) == len(ref) and len(t):
                        d["apart"] = max(d["apart"],
                                         float(np.max(np.abs(t - ref))))
                    d["n"] += len(ref)

    rows = []
    for e in eis:
        for m in methods:
            for dt in dts:
                s = b.sel({ei: e, "method": m, "dt": dt})
                sp = spikes[(e, m, dt)]
                dist = np.asarray(sp["dist"])
                rows.append({
                    ei: e, "method": m, "dt": dt,
                    "bias": float(s["mean"]), "sem": float(s["sem"]),
                    "relative": float(s["relative"]),
                    "reference_rate": float(s["ref_mean"]),
                    "same_count": float(s["same"]),
                    "n": int(s["count"]),
                    "us_per_trial": us_per_trial(e, m, dt),
                    "spike_error_ms": float(np.median(dist))
                    if len(dist) else float("nan"),
                    "spike_offset_ms": float(np.mean(sp["off"]))
                    if sp["off"] else float("nan"),
                    "max_time_apart_ms": sp["apart"],
                    "reference_spikes": sp["n"],
                })
    ratios = []
    for e in eis:
        for m in methods:
            r = [x for x in rows if x[ei] == e and x["method"] == m]
            for lo, hi in zip(r, r[1:]):
                if hi["dt"] == 2 * lo["dt"] and lo["bias"] != 0:
                    q = hi["bias"] / lo["bias"]
                    # delta method, the two biases' errors as independent
                    # (an upper bound: they are positively correlated)
                    se = abs(q) * np.hypot(hi["sem"] / hi["bias"],
                                           lo["sem"] / lo["bias"])
                    ratios.append({ei: e, "method": m, "dt": hi["dt"],
                                   "half": lo["dt"], "ratio": q,
                                   "ratio_se": float(se)})
    numbers = {"axis": ei, "repeats": repeats,
               "reference": b.attrs["reference"],
               "spike_trials": n_tr, "dt_ref": DT_REF,
               "timing_repeats": [R0, R1], "rows": rows, "ratios": ratios}
    if a.json:
        with open(a.json, "w") as f:
            json.dump(numbers, f, indent=1)
    print_table(numbers)
    draw(numbers, ds, a.figure)


def pm(x, s, digits=3):
    return f"{x:+.{digits}f} ± {s:.{digits}f}"


def print_table(nb):
    ei = nb["axis"]
    rows = nb["rows"]
    print(f"paired firing-rate bias against {nb['reference']} ms, "
          f"{nb['repeats']} repeats; spike times from {nb['spike_trials']} "
          f"traced repeats per point against exact at dt = {nb['dt_ref']} "
          "ms; cost: CPU µs per trial, one thread\n")
    print(f"| {ei} (Hz) | dt (ms) | euler bias (Hz) | euler bias (%) | "
          "exact bias (Hz) | euler spike-time error (ms) | "
          "euler µs/trial | exact µs/trial |")
    print("|---|---|---|---|---|---|---|---|")
    by = {(r[ei], r["method"], r["dt"]): r for r in rows}
    for (e, m, dt), r in by.items():
        if m != "euler" or (e, "exact", dt) not in by:
            continue
        x = by[(e, "exact", dt)]
        print(f"| {e:g} | {dt:g} | {pm(r['bias'], r['sem'])} | "
              f"{100 * r['relative']:+.1f} | {pm(x['bias'], x['sem'])} | "
              f"{r['spike_error_ms']:.3f} | {r['us_per_trial']:.0f} | "
              f"{x['us_per_trial']:.0f} |")
    print()
    for q in nb["ratios"]:
        if q["method"] == "euler":
            print(f"{ei} {q[ei]:g}: euler bias({q['dt']:g})/bias("
                  f"{q['half']:g}) = {q['ratio']:.2f} ± {q['ratio_se']:.2f}")
    for e in sorted({r[ei] for r in rows}):
        ex = [r for r in rows if r[ei] == e and r["method"] == "exact"]
        if ex:
            print(f"{ei} {e:g}: exact's spike count equals the reference's "
                  f"in {100 * min(r['same_count'] for r in ex):.1f}% of "
                  "trials or more at every dt; its spike times are within "
                  f"{max(r['max_time_apart_ms'] for r in ex):.1e} ms of the "
                  "reference's; "
                  f"reference rate {ex[0]['reference_rate']:.2f} Hz")


def draw(nb, ds, path):
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import NullFormatter
    from matplotlib.transforms import blended_transform_factory

    ei = nb["axis"]
    rows = nb["rows"]
    eis = sorted({r[ei] for r in rows})
    fixed = []
    for n in ("exc_rate", "n_exc", "n_inh", "gE_bar", "gI_bar"):
        if n in ds.coords and ds[n].ndim == 0:
            u = ds[n].attrs.get("units", "")
            fixed.append(f"{n}={ds[n].values[()]:g}" +
                         (f" {u}" if u not in ("", "1") else ""))

    def sel(e, m):
        return [r for r in rows if r[ei] == e and r["method"] == m]

    fig = Figure(figsize=(14, 8.2))
    g = fig.subplots(2, 3)
    colours = {e: f"C{k}" for k, e in enumerate(eis)}
    dts = sorted({r["dt"] for r in rows})

    def dt_axis(ax):
        ax.set_xscale("log")
        ax.set_xticks(dts, [f"{d:g}" for d in dts])
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("dt (ms)")

    def plain_log_ticks(axis, values):
        """Ticks of a log axis at 1-2-5 steps within the values, written
        as plain numbers."""
        v = [x for x in values if np.isfinite(x) and x > 0]
        lo, hi = min(v), max(v)
        ticks = [m * 10.0 ** e for e in range(-3, 5) for m in (1, 2, 5)
                 if lo / 1.5 <= m * 10.0 ** e <= hi * 1.5]
        axis.set_ticks(ticks, [f"{t:g}" for t in ticks])
        axis.set_minor_formatter(NullFormatter())

    def floor_marks(ax, xs, colour, text):
        """Points whose error is 0 (below log axes): marks on the lower
        edge."""
        tr = blended_transform_factory(ax.transData, ax.transAxes)
        ax.plot(xs, [0.03] * len(xs), "v", color=colour, mfc="none",
                transform=tr, label=text, clip_on=False)

    for k, e in enumerate(eis[:2]):
        ax = g[0, k]
        eu, ex = sel(e, "euler"), sel(e, "exact")
        x = np.array([r["dt"] for r in eu])
        y = np.array([r["bias"] for r in eu])
        s = np.array([r["sem"] for r in eu])
        ax.errorbar(x, y, yerr=s, fmt="o-", ms=4, capsize=2.5,
                    color=colours[e], label="euler, mean ± SE")
        first_order_guide(ax, x, y)
        zero = [r["dt"] for r in ex if r["bias"] == 0]
        if zero:
            floor_marks(ax, zero, "k", "exact: bias 0 (identical counts)")
        ax.set_yscale("log")
        dt_axis(ax)
        ax.set_ylabel("paired firing-rate bias (Hz)")
        ax.set_title(f"{ei} = {e:g} Hz: rate bias "
                     f"(reference {ex[0]['reference_rate']:.2f} Hz)",
                     fontsize=10)
        ax.legend(fontsize=8, loc="upper left")

    ax = g[0, 2]
    for e in eis:
        eu = sel(e, "euler")
        ax.plot([r["dt"] for r in eu], [r["spike_error_ms"] for r in eu],
                "o-", ms=4, color=colours[e], label=f"euler, {ei} {e:g} Hz")
        ax.plot([r["dt"] for r in eu],
                [abs(r["spike_offset_ms"]) for r in eu], "s:", ms=3,
                color=colours[e], alpha=0.6,
                label=f"|mean offset| (euler early), {ei} {e:g} Hz")
    ax.plot(dts, dts, "--", color="0.5", lw=1, label="dt")
    ex = [r for r in rows if r["method"] == "exact"]
    if ex:
        apart = max(r["max_time_apart_ms"] for r in ex)
        ax.text(0.98, 0.03, f"exact: spike times within {apart:.0e} ms\n"
                "of the reference's at every dt", transform=ax.transAxes,
                ha="right", va="bottom", fontsize=8)
    ax.set_yscale("log")
    dt_axis(ax)
    ax.set_ylabel("spike-time error (ms)")
    ax.set_title(f"euler's spike times: median distance to the reference\n"
                 f"({nb['spike_trials']} trials per point, reference exact "
                 f"at dt = {nb['dt_ref']:g} ms)", fontsize=10)
    ax.legend(fontsize=7, loc="upper left")

    for col, (key, ylab, title) in enumerate((
            ("bias", "paired firing-rate bias (Hz)",
             "work–precision: rate bias"),
            ("spike_error_ms", "spike-time error (ms)",
             "work–precision: spike times"))):
        ax = g[1, col]
        for e in eis:
            eu = sel(e, "euler")
            xs = [r["us_per_trial"] for r in eu]
            ax.plot(xs, [r[key] for r in eu], "o-", ms=4, color=colours[e],
                    label=f"euler, {ei} {e:g} Hz")
            # labels away from the other E/I point's line: the first's
            # (the cheaper, leftmost) above left, the second's below right
            right = e != eis[0]
            for r in eu:
                ax.annotate(f"{r['dt']:g}", (r["us_per_trial"], r[key]),
                            textcoords="offset points",
                            xytext=(5, -3) if right else (-5, 3),
                            ha="left" if right else "right",
                            va="top" if right else "bottom",
                            fontsize=7, color=colours[e])
            floor_marks(ax, [r["us_per_trial"] for r in sel(e, "exact")],
                        colours[e], f"exact, {ei} {e:g} Hz (error 0)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        plain_log_ticks(ax.xaxis, [r["us_per_trial"] for r in rows])
        ax.set_xlabel("cost (CPU µs per trial, one thread)")
        ax.set_ylabel(ylab)
        ax.set_title(title + " (labels: dt in ms)", fontsize=10)
        ax.legend(fontsize=7, loc="upper right")

    ax = g[1, 2]
    for k, m in enumerate(sorted({r["method"] for r in rows})):
        for e in eis:
            r = sel(e, m)
            ax.plot([x["dt"] for x in r], [x["us_per_trial"] for x in r],
                    "o-" if m == "euler" else "s--", ms=4, color=colours[e],
                    label=f"{m}, {ei} {e:g} Hz")
    ax.set_yscale("log")
    plain_log_ticks(ax.yaxis, [r["us_per_trial"] for r in rows])
    dt_axis(ax)
    ax.set_ylabel("cost (CPU µs per trial, one thread)")
    ax.set_title("cost against dt", fontsize=10)
    ax.legend(fontsize=7)
    fig.suptitle(
        "What the time step costs: tutorial's Euler against the exact "
        f"integrator, paired on the same inputs ({nb['repeats']} trials "
        "of 1 s per point)\n" + ", ".join(fixed) +
        f"; bias against {nb['reference']} ms", fontsize=11)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=100)


if __name__ == "__main__":
    main()
