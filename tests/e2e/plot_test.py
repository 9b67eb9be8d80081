"""scripts/synsweep-plot, headless, on small results files of each model, a
zipped file and a trace file: a figure appears, the numbers of --data equal
the file's means, standard errors and counts over repeats (computed here
with h5py and numpy, not with the reader), and a name the file does not
have is one line and exit status 2.
Run: python3 plot_test.py path/to/synsweep
"""
import contextlib
import csv
import io
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np

import e2e

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLOT = os.path.join(ROOT, "scripts", "synsweep-plot")

LIF = ["firing_rate", "cv_isi", "fmp_mean", "fmp_std"]
STP = ["g1", "g10", "g_ratio"]


def expected(path, metric):
    """mean, sem, count over repeats (the last dimension) of the trials done
    and not diverged where the metric is defined, straight from the file."""
    with h5py.File(path, "r") as f:
        x = f[metric][...]
        ok = (f["done"][...] == 1) & (f["status"][...] == 0) & ~np.isnan(x)
    x = np.where(ok, x, 0.0)
    n = ok.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = x.sum(axis=-1) / n
        dev = np.where(ok, x - mean[..., None], 0.0)
        sem = np.sqrt((dev ** 2).sum(axis=-1) / (n - 1)) / np.sqrt(n)
    return np.where(n > 0, mean, np.nan), np.where(n > 1, sem, np.nan), n


def coordinate(path, name):
    with h5py.File(path, "r") as f:
        v = f[name][...]
    return [x.decode() if isinstance(x, bytes) else x for x in v]


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def num(text):
    return float(text) if text != "" else np.nan


class Plot(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="synsweep-plot-")
        cls.files = {}
        specs = {
            # two axes, a cell with few spikes (cv_isi NaN) and one trial
            # marked not done below
            "ei": "model: lif_cond\nseed: 5\nrepeats: 4\n"
                  "fixed: {T: 300, gE_bar: 3, gI_bar: 3}\n"
                  "sweep:\n  exc_rate: [4, 16]\n  inh_rate: [10, 40, 60]\n",
            "bonus": "model: lif_cond_stp\nseed: 7\nrepeats: 3\nfixed: {T: 300}\n"
                     "sweep:\n  tau_ratio: {range: [0.2, 1.0, 0.4]}\n"
                     "derived:\n  tau_d_E: 500 * tau_ratio\n"
                     "  tau_f_E: 300 * tau_ratio\n",
            "regimes": "model: stp_train\nrepeats: 2\n"
                       "sweep:\n  rate: [5, 10, 20]\n  regime:\n"
                       "    labels: [depressing, facilitating]\n"
                       "    zip: {U0: [0.5, 0.2], tau_f: [50, 750]}\n",
            "one_point": "model: lif_cond\nseed: 2\nrepeats: 6\nfixed: {T: 300}\n",
        }
        for name, text in specs.items():
            spec = os.path.join(cls.tmp, name + ".yaml")
            with open(spec, "w") as f:
                f.write(text)
            out = os.path.join(cls.tmp, name + ".h5")
            subprocess.run([e2e.BIN, "run", spec, "-o", out, "-q", "-j", "2"],
                           check=True)
            cls.files[name] = out
        with h5py.File(cls.files["ei"], "r+") as f:
            done = f["done"][...]
            done[1, 1, 2] = 0  # a part-done file: this trial is not counted
            f["done"][...] = done
        cls.files["trace"] = os.path.join(cls.tmp, "trace.h5")
        subprocess.run([e2e.BIN, "trace", os.path.join(cls.tmp, "bonus.yaml"),
                        "--trial", "4", "-o", cls.files["trace"]],
                       check=True, capture_output=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def plot(self, name, *args, code=0):
        p = subprocess.run([PLOT, self.files[name], *args], capture_output=True,
                           text=True, env=dict(os.environ, MPLBACKEND="",
                                               DISPLAY=""))
        self.assertEqual(p.returncode, code, p.stderr)
        return p

    def figure(self, name, *args, ext=".png"):
        """synsweep-plot with --data: the figure exists, the rows read."""
        out = os.path.join(self.tmp, name + "-" + "-".join(a.strip("-") for a in args)
                           + ext)
        data = out + ".csv"
        self.plot(name, "-o", out, "--data", data, *args)
        with open(out, "rb") as f:
            head = f.read(8)
        self.assertEqual(head[:4] if ext == ".pdf" else head,
                         b"%PDF" if ext == ".pdf" else b"\x89PNG\r\n\x1a\n")
        self.assertGreater(os.path.getsize(out), 10000)
        return read_csv(data)

    def check_rows(self, rows, path, axes, metrics, hue_labels=None):
        """rows, one per point in row-major order over axes, hold the file's
        numbers for each metric."""
        values = [coordinate(path, a) for a in axes]
        shape = tuple(len(v) for v in values)
        self.assertEqual(len(rows), int(np.prod(shape)))
        for m in metrics:
            mean, sem, n = expected(path, m)
            count = "n" if len(metrics) == 1 else f"{m}_n"
            for row, idx in zip(rows, np.ndindex(*shape)):
                for a, v, i in zip(axes, values, idx):
                    if isinstance(v[i], str):
                        self.assertEqual(row[a], v[i])
                    else:
                        self.assertEqual(float(row[a]), v[i])
                self.assertEqual(int(row[count]), n[idx], (m, idx))
                np.testing.assert_allclose(num(row[f"{m}_mean"]), mean[idx],
                                           rtol=1e-12, err_msg=f"{m} {idx}")
                np.testing.assert_allclose(num(row[f"{m}_sem"]), sem[idx],
                                           rtol=1e-9, err_msg=f"{m} {idx}")

    def test_lif_cond_maps_over_two_axes(self):
        rows = self.figure("ei")
        self.check_rows(rows, self.files["ei"], ["exc_rate", "inh_rate"], LIF)
        # the trial marked not done is left out of its point
        self.assertEqual(int(rows[4]["firing_rate_n"]), 3)
        self.assertTrue(any(r["cv_isi_mean"] == "" for r in rows))

    def test_lif_cond_stp_lines_over_tau_ratio(self):
        rows = self.figure("bonus")
        self.check_rows(rows, self.files["bonus"], ["tau_ratio"], LIF)
        self.assertEqual([r["tau_ratio"] for r in rows], ["0.2", "0.6", "1"])

    def test_stp_train_regimes_side_by_side(self):
        rows = self.figure("regimes")
        self.check_rows(rows, self.files["regimes"], ["rate", "regime"], STP)
        self.assertEqual(rows[0]["regime"], "depressing")

    def test_custom_axes_with_a_zipped_hue_shown_by_its_labels(self):
        rows = self.figure("regimes", "--x", "rate", "--y", "g_ratio",
                           "--hue", "regime", ext=".pdf")
        self.assertEqual(list(rows[0]), ["rate", "regime", "g_ratio_mean",
                                         "g_ratio_sem", "n"])
        self.check_rows(rows, self.files["regimes"], ["rate", "regime"],
                        ["g_ratio"])

    def test_other_axes_are_fixed_with_at(self):
        p = self.plot("ei", "--x", "exc_rate", "--y", "fmp_mean", "-o",
                      os.path.join(self.tmp, "x.png"), code=2)
        self.assertIn("axis 'inh_rate' has 3 values", p.stderr)
        rows = self.figure("ei", "--x", "exc_rate", "--y", "fmp_mean",
                           "--at", "inh_rate=40")
        mean, sem, n = expected(self.files["ei"], "fmp_mean")
        self.assertEqual(list(rows[0]), ["exc_rate", "fmp_mean_mean",
                                         "fmp_mean_sem", "n"])
        np.testing.assert_allclose([num(r["fmp_mean_mean"]) for r in rows],
                                   mean[:, 1], rtol=1e-12)
        self.assertEqual([int(r["n"]) for r in rows], list(n[:, 1]))

    def test_one_point_shows_the_distribution_over_repeats(self):
        rows = self.figure("one_point")
        with h5py.File(self.files["one_point"], "r") as f:
            np.testing.assert_array_equal([num(r["fmp_mean"]) for r in rows],
                                          f["fmp_mean"][...])

    def test_trace_file(self):
        rows = self.figure("trace")
        with h5py.File(self.files["trace"], "r") as f:
            self.assertEqual(len(rows), f["time"].shape[0])
            for name in ("v", "fmp", "gE", "gI", "u", "R"):
                np.testing.assert_array_equal(
                    [float(r[name]) for r in rows[:500]], f[name][:500])

    def test_bad_names_are_one_line_and_exit_2(self):
        out = os.path.join(self.tmp, "bad.png")
        p = self.plot("regimes", "-o", out, "--x", "rat", "--y", "g1", code=2)
        self.assertEqual(p.stderr, "synsweep-plot: error: no axis 'rat' in the "
                                   "file; its axes: rate, regime\n")
        # the rest in this process: the same main() without a second start
        sys.path.insert(0, os.path.join(ROOT, "python"))
        from synsweep.plot_cli import main
        for args, needle in (
                (["--x", "rate", "--y", "g2"], "no metric 'g2' in the file; its metrics: "),
                (["--x", "rate", "--y", "g1", "--hue", "regim"], "no hue axis 'regim'"),
                (["--x", "rate", "--y", "g1", "--hue", "regime", "--at", "U0=0.3"],
                 "'U0' has no value 0.3; its values: 0.5, 0.2"),
                (["--x", "rate", "--y", "g1", "--at", "tau=1"],
                 "no axis or zip member 'tau'"),
                (["--x", "rate"], "--x and --y go together")):
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                code = main([self.files["regimes"], "-o", out, *args])
            self.assertEqual(code, 2, err.getvalue())
            self.assertEqual(len(err.getvalue().splitlines()), 1, err.getvalue())
            self.assertIn(needle, err.getvalue())
            self.assertTrue(err.getvalue().startswith("synsweep-plot: error: "))
        self.assertFalse(os.path.exists(out))
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            code = main([os.path.join(self.tmp, "missing.h5")])
        self.assertEqual(code, 1)
        self.assertIn("missing.h5", err.getvalue())


if __name__ == "__main__":
    e2e.main()
