"""The Python reader (`import synsweep`, python/synsweep) on files the built
binary writes: not-done and diverged trials read as NaN and leave the
counts, `done` and `status` are coordinates, zip members and labels and
range values as written can be selected, and two sweeps that differ in a
fixed parameter concatenate along it. Expected numbers come from h5py.
Run: PYTHONPATH=python python3 reader_test.py path/to/synsweep
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np
import xarray as xr

import e2e

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
try:
    import synsweep
except ImportError:  # run by hand without PYTHONPATH
    sys.path.insert(0, os.path.join(ROOT, "python"))
    import synsweep


class Reader(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="synsweep-reader-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def run_spec(self, name, text):
        spec = os.path.join(self.tmp, name + ".yaml")
        with open(spec, "w") as f:
            f.write(text)
        out = os.path.join(self.tmp, name + ".h5")
        subprocess.run([e2e.BIN, "run", spec, "-o", out, "-q", "--force"],
                       check=True)
        return out

    def test_not_done_and_diverged_trials_read_as_nan(self):
        # tau_m = 0.04 ms: dt / tau_m = 2.5, the Euler step of v diverges
        path = self.run_spec("blowup", "model: lif_cond\nrepeats: 3\nseed: 3\n"
                             "fixed: {T: 200, exc_rate: 20}\n"
                             "sweep:\n  tau_m: [10, 0.04, 20]\n")
        with h5py.File(path, "r+") as f:
            self.assertEqual(list(f["status"][:, 0]), [0, 1, 0])
            done = f["done"][...]
            done[2, 1] = 0            # part-done: written, not marked done
            f["done"][...] = done
            fmp = f["fmp_mean"][...]
            fmp[1, 0] = -60.0         # a diverged trial with a number in it
            f["fmp_mean"][...] = fmp
            raw = {m: f[m][...] for m in ("fmp_mean", "firing_rate")}
        self.assertTrue(np.isfinite(raw["fmp_mean"][2, 1]))
        ds = synsweep.open(path)
        for m, x in raw.items():
            got = ds[m].values
            self.assertTrue(np.all(np.isnan(got[1])), m)
            self.assertTrue(np.isnan(got[2, 1]), m)
            np.testing.assert_array_equal(got[0], x[0])
            np.testing.assert_array_equal(got[2, [0, 2]], x[2, [0, 2]])
        # done and status are coordinates, not metrics
        self.assertNotIn("done", ds.data_vars)
        self.assertNotIn("status", ds.data_vars)
        self.assertEqual(int(ds["status"][1, 0]), 1)
        self.assertEqual(int(ds["done"][2, 1]), 0)
        means = ds.mean("repeat")
        self.assertNotIn("done", means.variables)
        self.assertNotIn("status", means.variables)
        frame = ds[["fmp_mean"]].reset_coords(drop=True).to_dataframe()
        self.assertEqual(list(frame.columns), ["fmp_mean"])
        # the summary counts what is left and averages only that
        s = synsweep.summary(ds, "fmp_mean")
        self.assertEqual(list(s["count"].values), [3, 0, 2])
        x = raw["fmp_mean"]
        np.testing.assert_allclose(s["mean"].values[[0, 2]],
                                   [x[0].mean(), x[2, [0, 2]].mean()], rtol=1e-14)
        self.assertTrue(np.isnan(s["mean"].values[1]))
        np.testing.assert_allclose(s["sem"].values[2],
                                   np.std(x[2, [0, 2]], ddof=1) / np.sqrt(2),
                                   rtol=1e-12)
        self.assertEqual(s["mean"].attrs["units"], "mV")

    def test_zip_members_labels_and_range_values_select(self):
        text = ("model: stp_train\nsweep:\n  rate: {range: [0.1, 0.9, 0.1]}\n"
                "  regime:\n    %s\n"
                "    zip: {U0: [0.5, 0.2], tau_d: [100, 100], tau_f: [50, 750]}\n")
        labelled = self.run_spec("labelled", text % "labels: [depressing, facilitating]")
        plain = self.run_spec("plain", text % "# no labels")
        with h5py.File(labelled, "r") as f:
            g10 = f["g10"][...]
            self.assertEqual(list(f["rate"][...])[2], 0.3)  # not 0.30000000000000004
        ds = synsweep.open(labelled)
        np.testing.assert_array_equal(
            ds["g10"].sel(rate=0.3, regime="facilitating").values.ravel(), g10[2, 1])
        np.testing.assert_array_equal(
            ds["g10"].sel(U0=0.2).values.ravel(), g10[:, 1].ravel())
        np.testing.assert_array_equal(
            ds["g10"].sel(tau_f=50).values.ravel(), g10[:, 0].ravel())
        self.assertEqual(list(ds["regime_label"].values), ["depressing", "facilitating"])
        self.assertEqual(ds["tau_f"].attrs["units"], "ms")
        pl = synsweep.open(plain)
        np.testing.assert_array_equal(
            pl["g10"].sel(U0=0.2, rate=0.7).values.ravel(), g10[6, 1])
        self.assertEqual(synsweep.zip_levels(pl, "regime"), (None, ["U0", "tau_d", "tau_f"]))
        self.assertEqual(synsweep.zip_levels(ds, "regime"),
                         ("regime_label", ["U0", "tau_d", "tau_f"]))
        # a plain xarray open sees the labels as the axis' coordinate
        with xr.open_dataset(labelled, engine="h5netcdf") as raw:
            self.assertEqual(list(raw["regime"].values), ["depressing", "facilitating"])

    def test_fixed_parameters_are_scalar_coordinates_and_concatenate(self):
        text = ("model: stp_train\nfixed: {g_bar: %s, U0: 0.3}\n"
                "sweep:\n  rate: [10, 20]\n")
        a = synsweep.open(self.run_spec("a", text % "1.2"))
        b = synsweep.open(self.run_spec("b", text % "2.5"))
        self.assertEqual(float(a["g_bar"]), 1.2)
        self.assertEqual(a["g_bar"].attrs["units"], "nS")
        self.assertEqual(a["tau_d"].attrs["units"], "ms")
        self.assertEqual(str(a["input"].values), "regular")
        self.assertNotIn("g_bar", a.attrs)
        both = xr.concat([a, b], dim="g_bar")
        self.assertEqual(both["g1"].dims, ("g_bar", "rate", "repeat"))
        self.assertEqual(list(both["g_bar"].values), [1.2, 2.5])
        self.assertEqual(both["U0"].ndim, 0)   # the same in both: kept once
        np.testing.assert_allclose(both["g1"].sel(g_bar=2.5).values,
                                   b["g1"].values)
        # g1 = g_bar * U0 at the first spike
        np.testing.assert_allclose(both["g1"].values[:, 0, 0], [1.2 * 0.3, 2.5 * 0.3],
                                   rtol=1e-12)

    def test_trace_files_open_as_they_are(self):
        spec = os.path.join(self.tmp, "t.yaml")
        with open(spec, "w") as f:
            f.write("model: lif_cond\nfixed: {T: 100}\n")
        out = os.path.join(self.tmp, "t.h5")
        subprocess.run([e2e.BIN, "trace", spec, "--trial", "0", "-o", out],
                       check=True, capture_output=True)
        ds = synsweep.open(out)
        self.assertEqual(ds["v"].dims, ("time",))
        self.assertEqual(ds.attrs["V_th"], -55.0)


if __name__ == "__main__":
    e2e.main()
