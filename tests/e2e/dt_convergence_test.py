"""The dt-convergence study on a small sweep of its shape (sweeps/
dt_convergence.yaml with fewer repeats and shorter trials): synsweep-plot
draws its figure from the results file and its numbers (--data) are the
paired biases computed here with h5py and numpy; scripts/dt_convergence.py
prints the table and writes its numbers with the structure README's table
needs. On the spec's own points, with continuous events: exact's spike
counts are equal across dt in >= 98% of trials, read from the file, and
its spike times (synsweep trace) are the same at every dt; the
trace of a trial holds the sweep's trial (its spike count).
Run: python3 dt_convergence_test.py path/to/synsweep
"""
import csv
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import h5py
import numpy as np

import e2e

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
SPEC = os.path.join(ROOT, "sweeps", "dt_convergence.yaml")
PLOT = os.path.join(ROOT, "scripts", "synsweep-plot")
STUDY = os.path.join(ROOT, "scripts", "dt_convergence.py")
PNG = b"\x89PNG\r\n\x1a\n"


def words(f, name):
    return [x.decode() if isinstance(x, bytes) else x for x in f[name][...]]


def paired(path):
    """{(inh_rate, method, dt): (mean, sem, n)} of the firing-rate
    difference to exact at the smallest dt, repeat by repeat."""
    with h5py.File(path, "r") as f:
        dims = [d[0].name.lstrip("/") for d in f["firing_rate"].dims]
        assert dims == ["inh_rate", "method", "dt", "repeat"], dims
        fr = f["firing_rate"][...]
        ok = (f["done"][...] == 1) & (f["status"][...] == 0)
        fr = np.where(ok, fr, np.nan)
        eis, methods, dts = (list(f["inh_rate"][...]), words(f, "method"),
                             list(f["dt"][...]))
    ref = fr[:, methods.index("exact"), int(np.argmin(dts))]
    out = {}
    for i, e in enumerate(eis):
        for k, m in enumerate(methods):
            for j, dt in enumerate(dts):
                d = fr[i, k, j] - ref[i]
                d = d[np.isfinite(d)]
                out[(float(e), m, float(dt))] = (
                    d.mean(), d.std(ddof=1) / np.sqrt(len(d)), len(d))
    return out


class DtConvergence(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="synsweep-dtconv-")
        with open(SPEC) as f:
            text = f.read()
        # the study's shape at a small size: 0.4 s trials, 24 repeats,
        # three steps
        small, n = re.subn(r"(?m)^repeats: \d+$", "repeats: 24", text)
        assert n == 1, "sweeps/dt_convergence.yaml: no 'repeats:' line"
        small, n = re.subn(r"(?m)^(\s+dt:) .*$", r"\1 [0.05, 0.1, 0.2]",
                           small)
        assert n == 1, "sweeps/dt_convergence.yaml: no dt axis"
        small, n = re.subn(r"(?m)^fixed: \{", "fixed: {T: 400, ", small)
        assert n == 1, "sweeps/dt_convergence.yaml: no 'fixed: {' line"
        cls.small_spec = os.path.join(cls.tmp, "small.yaml")
        with open(cls.small_spec, "w") as f:
            f.write(small)
        cls.small = os.path.join(cls.tmp, "small.h5")
        subprocess.run([e2e.BIN, "run", cls.small_spec, "-o", cls.small, "-q",
                        "-j", "2"], check=True)
        # the spec's own points, exact only, 100 repeats
        exact, n = re.subn(r"(?m)^(\s+method:) \[.*\]$", r"\1 [exact]", text)
        assert n == 1, "sweeps/dt_convergence.yaml: no method axis"
        exact = re.sub(r"(?m)^repeats: \d+$", "repeats: 100", exact)
        cls.exact_spec = os.path.join(cls.tmp, "exact.yaml")
        with open(cls.exact_spec, "w") as f:
            f.write(exact)
        cls.exact = os.path.join(cls.tmp, "exact.h5")
        subprocess.run([e2e.BIN, "run", cls.exact_spec, "-o", cls.exact, "-q",
                        "-j", "2"], check=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def assert_png(self, path):
        with open(path, "rb") as f:
            self.assertEqual(f.read(8), PNG)
        self.assertGreater(os.path.getsize(path), 10000)

    def test_spec_is_valid(self):
        p = subprocess.run([e2e.BIN, "validate", SPEC], capture_output=True,
                           text=True)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_figure_and_its_numbers(self):
        out = os.path.join(self.tmp, "fig.png")
        data = os.path.join(self.tmp, "fig.csv")
        p = subprocess.run([PLOT, self.small, "-o", out, "--data", data],
                           capture_output=True, text=True,
                           env=dict(os.environ, MPLBACKEND="", DISPLAY=""))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assert_png(out)
        with open(data, newline="") as f:
            rows = list(csv.DictReader(f))
        want = paired(self.small)
        self.assertEqual(len(rows), len(want))
        for row in rows:
            key = (float(row["inh_rate"]), row["method"], float(row["dt"]))
            mean, sem, n = want[key]
            self.assertEqual(int(row["n"]), n, key)
            np.testing.assert_allclose(float(row["bias_mean"]), mean,
                                       rtol=1e-9, atol=1e-12, err_msg=key)
            np.testing.assert_allclose(float(row["bias_sem"]), sem,
                                       rtol=1e-9, atol=1e-12, err_msg=key)

    def test_study_script_table_and_numbers(self):
        out = os.path.join(self.tmp, "study.png")
        js = os.path.join(self.tmp, "study.json")
        p = subprocess.run(["/usr/bin/python3", STUDY, e2e.BIN, "--spec",
                            self.small_spec, "--results", self.small,
                            "--figure", out, "--json", js,
                            "--spike-trials", "1", "--timing-rounds", "1",
                            "--timing-repeats", "10"],
                           capture_output=True, text=True,
                           env=dict(os.environ, MPLBACKEND="", DISPLAY=""))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assert_png(out)
        with open(js) as f:
            nb = json.load(f)
        want = paired(self.small)
        self.assertEqual(nb["axis"], "inh_rate")
        self.assertEqual(nb["repeats"], 24)
        self.assertEqual({(r["inh_rate"], r["method"], r["dt"])
                          for r in nb["rows"]}, set(want))
        for r in nb["rows"]:
            mean, sem, n = want[(r["inh_rate"], r["method"], r["dt"])]
            np.testing.assert_allclose(r["bias"], mean, rtol=1e-9,
                                       atol=1e-12)
            np.testing.assert_allclose(r["sem"], sem, rtol=1e-9, atol=1e-12)
            self.assertGreaterEqual(r["us_per_trial"], 0.0)
            self.assertGreaterEqual(r["reference_spikes"], 0)
            if r["method"] == "euler" and r["reference_spikes"]:
                self.assertTrue(np.isfinite(r["spike_error_ms"]))
        # a ratio bias(dt) / bias(dt / 2) for each pair of halving steps
        dts = sorted({r["dt"] for r in nb["rows"]})
        pairs = sum(1 for a, b in zip(dts, dts[1:]) if b == 2 * a)
        euler = [q for q in nb["ratios"] if q["method"] == "euler"]
        self.assertEqual(len(euler), 2 * pairs)
        # the table: a header and one row per (inh_rate, dt)
        lines = [x for x in p.stdout.splitlines() if x.startswith("| ")]
        self.assertIn("euler bias (Hz)", lines[0])
        self.assertIn("exact µs/trial", lines[0])
        self.assertEqual(len(lines), 1 + 2 * len(dts))
        self.assertIn("bias(0.1)/bias(0.05)", p.stdout)

    def test_exact_counts_equal_across_dt_at_the_specs_points(self):
        with h5py.File(self.exact, "r") as f:
            self.assertEqual(words(f, "method"), ["exact"])
            n = f["n_spikes"][...][:, 0]  # inh_rate, dt, repeat
            self.assertTrue((f["done"][...] == 1).all())
            self.assertEqual(n.shape[1], 5)
        for i in range(n.shape[0]):
            same = (n[i] == n[i][0]).all(axis=0).mean()
            self.assertGreaterEqual(same, 0.98, f"inh_rate index {i}")
            self.assertGreater(n[i].mean(), 1.0)  # spikes to compare

    def test_trace_holds_the_trial_and_exact_times_do_not_depend_on_dt(self):
        with h5py.File(self.small, "r") as f:
            small = f["n_spikes"][...]  # inh_rate, method, dt, repeat
            methods, sdts = words(f, "method"), list(f["dt"][...])
            seis = list(f["inh_rate"][...])
        out = os.path.join(self.tmp, "trace.h5")
        for i, k, j, r in ((0, 0, 1, 3), (1, 0, 2, 5), (1, 1, 0, 2)):
            subprocess.run([e2e.BIN, "trace", self.small_spec, "--at",
                            f"inh_rate={seis[i]}", "--at",
                            f"method={methods[k]}", "--at", f"dt={sdts[j]}",
                            "--repeat", str(r), "-o", out, "--force"],
                           check=True, capture_output=True)
            with h5py.File(out, "r") as f:
                self.assertEqual(f.attrs["events"], "continuous")
                self.assertEqual(len(f["spike_time"]), small[i, k, j, r],
                                 (i, k, j, r))
        with h5py.File(self.exact, "r") as f:
            counts = f["n_spikes"][...]
            dts = list(f["dt"][...])
            eis = list(f["inh_rate"][...])
        for r in (0, 7):
            times = {}
            for j, dt in enumerate(dts):
                subprocess.run([e2e.BIN, "trace", self.exact_spec, "--at",
                                f"inh_rate={eis[0]}", "--at", f"dt={dt}",
                                "--repeat", str(r), "-o", out, "--force"],
                               check=True, capture_output=True)
                with h5py.File(out, "r") as f:
                    t = f["spike_time"][...]
                self.assertEqual(len(t), counts[0, 0, j, r], (dt, r))
                times[dt] = t
                # the crossings themselves, not their bins: off the grid
                self.assertTrue(np.all(np.abs(t / dt - np.round(t / dt))
                                       > 1e-9), (dt, r))
            fine = min(dts)
            for dt in dts:
                if len(times[dt]) != len(times[fine]):
                    continue  # the rare trial whose count differs
                # the same inputs, the same continuous solution: the same
                # times whatever the grid
                np.testing.assert_allclose(times[dt], times[fine], rtol=0,
                                           atol=1e-6,
                                           err_msg=f"dt {dt}, repeat {r}")

if __name__ == "__main__":
    e2e.main()
