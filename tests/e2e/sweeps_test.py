"""End-to-end tests of `synsweep run`: every spec in sweeps/ runs and its
results file reads back with h5py and with xarray (engine h5netcdf); the
reproducibility contract holds. Run: python3 sweeps_test.py path/to/synsweep
"""
import os
import re
import subprocess

import h5py
import numpy as np
import xarray as xr

import e2e
from e2e import run

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SWEEPS = os.path.join(ROOT, "sweeps")
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "seed_cases.h")

# What each spec in sweeps/ must produce: its dimensions (axes, then
# repeat) and the coordinate values, from the spec's arithmetic.
EXPECTED = {
    "default": {"model": "lif_cond",
                "axes": {"exc_rate": list(range(2, 21, 2)),
                         "inh_rate": [10, 20, 30, 40, 50, 60]},
                "repeats": 20},
    "exercise_1_2": {"model": "lif_cond", "axes": {}, "repeats": 200},
    "ei_balance": {"model": "lif_cond",
                   "axes": {"exc_rate": list(range(2, 21, 2)),
                            "inh_rate": list(range(10, 61, 5))},
                   "repeats": 20},
    "std_rate": {"model": "stp_train", "axes": {"rate": list(range(5, 41, 5))},
                 "repeats": 1},
    "stf_rate": {"model": "stp_train", "axes": {"rate": list(range(2, 41, 2))},
                 "repeats": 1},
    "stp_regimes": {"model": "stp_train",
                    "axes": {"rate": list(range(1, 41)),
                             "regime": ["depressing", "facilitating"]},
                    "repeats": 1},
    "lif_stp_bonus": {"model": "lif_cond_stp",
                      "axes": {"tau_ratio": [0.2, 0.4, 0.6, 0.8, 1.0]},
                      "repeats": 20},
    "dt_convergence": {"model": "lif_cond",
                       "axes": {"inh_rate": [20, 40],
                                "method": ["euler", "exact"],
                                "dt": [0.025, 0.05, 0.1, 0.2, 0.4]},
                       "repeats": 300},
}
METRICS = {
    "lif_cond": ["firing_rate", "n_spikes", "cv_isi", "fmp_mean", "fmp_std",
                 "v_mean", "gE_mean", "gI_mean"],
    "stp_train": ["g1", "g10", "g_ratio", "u1", "R1", "u10", "R10"],
}
METRICS["lif_cond_stp"] = METRICS["lif_cond"]
UNITS = {"firing_rate": "Hz", "fmp_mean": "mV", "gE_mean": "nS", "g1": "nS",
         "g_ratio": "1"}
SHORT_REPEATS = 3  # long specs are shortened to this many repeats


def read(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


def seed_stp_table():
    """The tutorial's g1/g10/ratio for the STD and STF tables, from the
    generated fixture header."""
    text = read(FIXTURES)
    rows = {}
    pattern = re.compile(r'\{"(STD|STF)_([0-9.]+)Hz",\s*"([^"]*)",\s*(\d+), (\d+),\s*'
                         r'([-0-9.e]+), ([-0-9.e]+), ([-0-9.e]+),')
    for kind, _, params, _, _, g1, g10, ratio in pattern.findall(text):
        rate = float(re.search(r"\brate=([0-9.]+)", params).group(1))
        rows[(kind, rate)] = (float(g1), float(g10), float(ratio))
    return rows


class Sweeps(e2e.WorkdirCase):
    def shortened(self, name):
        """sweeps/NAME.yaml with its repeats cut to SHORT_REPEATS."""
        text = read(os.path.join(SWEEPS, name + ".yaml"))
        text = re.sub(r"(?m)^repeats: *(\d+)",
                      lambda m: f"repeats: {min(int(m.group(1)), SHORT_REPEATS)}", text)
        return self.spec(name, text)

    def test_every_spec_in_sweeps_runs_and_reads_back(self):
        names = sorted(f[:-5] for f in os.listdir(SWEEPS) if f.endswith(".yaml"))
        self.assertEqual(names, sorted(EXPECTED))
        for name in names:
            with self.subTest(spec=name):
                want = EXPECTED[name]
                out = os.path.join(self.tmp, name + ".h5")
                run("run", self.shortened(name), "-o", out, "-j", "2", "--quiet")
                repeats = min(want["repeats"], SHORT_REPEATS)
                dims = list(want["axes"]) + ["repeat"]
                shape = tuple(len(v) for v in want["axes"].values()) + (repeats,)
                with h5py.File(out, "r") as f:
                    self.assertEqual(f.attrs["model"], want["model"])
                    self.assertEqual(f.attrs["name"], name)
                    self.assertTrue(np.all(f["done"][...] == 1))
                    for m in METRICS[want["model"]]:
                        self.assertEqual(f[m].shape, shape)
                        self.assertEqual(f[m].dtype, np.float64)
                ds = xr.open_dataset(out, engine="h5netcdf")
                try:
                    for m in METRICS[want["model"]]:
                        self.assertEqual(list(ds[m].dims), dims)
                        if m in UNITS:
                            self.assertEqual(ds[m].attrs["units"], UNITS[m])
                        self.assertIn("long_name", ds[m].attrs)
                    for axis, values in want["axes"].items():
                        if isinstance(values[0], str):  # a zip axis' labels
                            self.assertEqual([str(v) for v in ds[axis].values], values)
                            continue
                        np.testing.assert_allclose(ds[axis].values, values,
                                                   rtol=1e-12, atol=1e-12)
                    np.testing.assert_array_equal(ds["repeat"].values, np.arange(repeats))
                    self.assertEqual(ds.attrs["model"], want["model"])
                    frame = ds[METRICS[want["model"]][0]].to_dataframe()
                    self.assertEqual(len(frame), int(np.prod(shape)))
                    if want["model"] != "stp_train":
                        fr = ds["firing_rate"].values
                        self.assertTrue(np.all(np.isfinite(fr)))
                        np.testing.assert_array_equal(fr, ds["n_spikes"].values)  # T = 1 s
                finally:
                    ds.close()

    def test_std_and_stf_sweeps_equal_the_seed(self):
        table = seed_stp_table()
        # the two regimes side by side, at every rate of the tutorial's grids
        out = os.path.join(self.tmp, "stp_regimes.h5")
        run("run", os.path.join(SWEEPS, "stp_regimes.yaml"), "-o", out, "--quiet")
        with h5py.File(out, "r") as f:
            rates = list(f["rate"][...])
            for (kind, rate), (g1, g10, ratio) in table.items():
                i, j = rates.index(rate), {"STD": 0, "STF": 1}[kind]
                np.testing.assert_allclose(
                    [f["g1"][i, j, 0], f["g10"][i, j, 0], f["g_ratio"][i, j, 0]],
                    [g1, g10, ratio], rtol=1e-12, err_msg=f"{kind} {rate}")
        for kind, name in (("STD", "std_rate"), ("STF", "stf_rate")):
            out = os.path.join(self.tmp, name + ".h5")
            run("run", os.path.join(SWEEPS, name + ".yaml"), "-o", out, "--quiet")
            with h5py.File(out, "r") as f:
                rates = f["rate"][...]
                for i, rate in enumerate(rates):
                    g1, g10, ratio = table[(kind, float(rate))]
                    np.testing.assert_allclose(f["g1"][i, 0], g1, rtol=1e-12)
                    np.testing.assert_allclose(f["g10"][i, 0], g10, rtol=1e-12)
                    np.testing.assert_allclose(f["g_ratio"][i, 0], ratio, rtol=1e-12)
                self.assertEqual(len(rates), {"STD": 8, "STF": 20}[kind])

    def test_bonus_spec_stores_derived_parameters(self):
        out = os.path.join(self.tmp, "bonus.h5")
        run("run", self.shortened("lif_stp_bonus"), "-o", out, "--quiet")
        ds = xr.open_dataset(out, engine="h5netcdf")
        try:
            ratio = ds["tau_ratio"].values
            np.testing.assert_allclose(ds["tau_d_E"].values, 500 * ratio, rtol=1e-15)
            np.testing.assert_allclose(ds["tau_f_I"].values, 300 * ratio, rtol=1e-15)
            self.assertEqual(list(ds["tau_d_E"].dims), ["tau_ratio"])
            self.assertEqual(ds["tau_d_E"].attrs["units"], "ms")
            self.assertIn("tau_d_E", ds["firing_rate"].coords)
        finally:
            ds.close()

    def test_zip_axis_members_are_coordinates_along_it(self):
        spec = self.spec("regimes", "model: stp_train\nsweep:\n"
                         "  rate: [10, 20]\n"
                         "  regime:\n    zip: {U0: [0.5, 0.2], tau_f: [50, 750]}\n")
        out = os.path.join(self.tmp, "regimes.h5")
        run("run", spec, "-o", out, "--quiet")
        ds = xr.open_dataset(out, engine="h5netcdf")
        try:
            self.assertEqual(list(ds["g10"].dims), ["rate", "regime", "repeat"])
            np.testing.assert_array_equal(ds["regime"].values, [0, 1])
            np.testing.assert_array_equal(ds["U0"].values, [0.5, 0.2])
            self.assertEqual(list(ds["tau_f"].dims), ["regime"])
            self.assertIn("U0", ds["g10"].coords)
            table = seed_stp_table()
            g10 = ds["g10"].sel(rate=20.0).values[:, 0]
            np.testing.assert_allclose(g10, [table[("STD", 20.0)][1],
                                             table[("STF", 20.0)][1]], rtol=1e-12)
        finally:
            ds.close()

    def test_zip_labels_are_the_axis_coordinate(self):
        spec = self.spec("labelled", "model: stp_train\nsweep:\n"
                         "  rate: {range: [0.2, 1.0, 0.2]}\n"
                         "  regime:\n    labels: [depressing, facilitating]\n"
                         "    zip: {U0: [0.5, 0.2], tau_f: [50, 750]}\n")
        out = os.path.join(self.tmp, "labelled.h5")
        run("run", spec, "-o", out, "--quiet")
        ds = xr.open_dataset(out, engine="h5netcdf")
        try:
            self.assertEqual([str(v) for v in ds["regime"].values],
                             ["depressing", "facilitating"])
            np.testing.assert_array_equal(ds["U0"].values, [0.5, 0.2])
            self.assertEqual(list(ds["U0"].dims), ["regime"])
            # range values as written: 0.6, not 0.6000000000000001
            self.assertEqual(list(ds["rate"].values), [0.2, 0.4, 0.6, 0.8, 1.0])
            self.assertEqual(ds["g1"].sel(rate=0.6, regime="facilitating").shape, (1,))
        finally:
            ds.close()

    def test_input_axis_is_a_string_coordinate(self):
        spec = self.spec("inputs", "model: stp_train\nrepeats: 2\n"
                         "sweep:\n  input: [poisson, regular]\n")
        out = os.path.join(self.tmp, "inputs.h5")
        run("run", spec, "-o", out, "--quiet")
        ds = xr.open_dataset(out, engine="h5netcdf")
        try:
            self.assertEqual([str(v) for v in ds["input"].values], ["poisson", "regular"])
            reg = ds["g1"].sel(input="regular").values
            self.assertEqual(reg[0], reg[1])  # regular input: no randomness
        finally:
            ds.close()

    def small_ei(self, extra=""):
        return self.spec("ei", "model: lif_cond\nseed: 4\nrepeats: 3\n"
                         "fixed: {T: 300, gE_bar: 3, gI_bar: 3}\n" + extra +
                         "sweep:\n  exc_rate: [5, 10, 15]\n  inh_rate: [10, 30]\n")

    def test_thread_count_does_not_change_a_byte(self):
        spec = self.small_ei()
        a, b = (os.path.join(self.tmp, n) for n in ("j1.h5", "j2.h5"))
        run("run", spec, "-o", a, "-j", "1", "--quiet")
        run("run", spec, "-o", b, "-j", "2", "--quiet")
        with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
            for m in METRICS["lif_cond"] + ["done"]:
                self.assertEqual(fa[m][...].tobytes(), fb[m][...].tobytes(), m)

    def test_small_thread_stacks_are_enough(self):
        # a trial keeps its working arrays in its workspace, not on the
        # stack: the threads' stacks may be small (OMP_STACKSIZE), here
        # 64 KiB (AddressSanitizer's frames, with their red zones, take
        # several times more: 1 MiB there), for both integrators; the
        # numbers are the same
        spec = self.spec("stack", "model: lif_cond\nseed: 5\nrepeats: 8\n"
                         "fixed: {T: 300, events: continuous}\n"
                         "sweep:\n  method: [euler, exact]\n"
                         "  exc_rate: [10, 20]\n")
        a, b = (os.path.join(self.tmp, n) for n in ("big.h5", "small.h5"))
        run("run", spec, "-o", a, "-j", "2", "--quiet")
        small = "1M" if os.environ.get("SS_SANITIZED") else "64K"
        env = dict(os.environ, OMP_STACKSIZE=small)
        p = run("run", spec, "-o", b, "-j", "2", "--quiet", env=env,
                check=False)
        self.assertEqual(p.returncode, 0, p.stderr)
        with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
            for m in METRICS["lif_cond"] + ["done"]:
                self.assertEqual(fa[m][...].tobytes(), fb[m][...].tobytes(), m)

    def test_extending_the_grid_leaves_finished_trials_unchanged(self):
        small = self.spec("small", "model: lif_cond\nseed: 9\nrepeats: 2\nfixed: {T: 200}\n"
                          "sweep:\n  exc_rate: [5, 10]\n  gI_bar: [1, 2]\n")
        big = self.spec("big", "model: lif_cond\nseed: 9\nrepeats: 3\nfixed: {T: 200}\n"
                        "sweep:\n  exc_rate: [5, 10, 20]\n  gI_bar: [0.5, 1, 2]\n")
        a, b = (os.path.join(self.tmp, n) for n in ("small.h5", "big.h5"))
        run("run", small, "-o", a, "--quiet")
        run("run", big, "-o", b, "--quiet")
        with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
            for m in METRICS["lif_cond"]:
                self.assertEqual(fa[m][...].tobytes(),
                                 fb[m][0:2, 1:3, 0:2].tobytes(), m)

    def trial_metrics(self, model, sets, seed, repeat):
        args = ["trial", model, "--seed", str(seed), "--repeat", str(repeat)]
        for k, v in sets.items():
            args += ["--set", f"{k}={v}"]
        out = run(*args).stdout
        pairs = dict(line.split("\t") for line in out.splitlines())
        self.assertEqual(pairs.pop("status"), "ok")
        return {k: float(v) for k, v in pairs.items()}

    def test_trial_command_reproduces_any_trial_of_a_sweep(self):
        spec = self.small_ei()
        out = os.path.join(self.tmp, "ei.h5")
        run("run", spec, "-o", out, "--quiet")
        with h5py.File(out, "r") as f:
            for (i, j, r) in ((0, 0, 0), (2, 1, 2), (1, 0, 1)):
                sets = {"T": 300, "gE_bar": 3, "gI_bar": 3,
                        "exc_rate": repr(float(f["exc_rate"][i])),
                        "inh_rate": repr(float(f["inh_rate"][j]))}
                got = self.trial_metrics("lif_cond", sets, int(f.attrs["seed"]), r)
                for m in METRICS["lif_cond"]:
                    want = f[m][i, j, r]
                    self.assertTrue(got[m] == want or (np.isnan(got[m]) and np.isnan(want)),
                                    f"{m}: trial {got[m]!r}, file {want!r}")
        # derived parameters too: the bonus demo at tau_ratio 0.4, repeat 1
        out = os.path.join(self.tmp, "bonus.h5")
        spec = self.spec("bonus", read(os.path.join(SWEEPS, "lif_stp_bonus.yaml"))
                         .replace("repeats: 20", "repeats: 2"))
        run("run", spec, "-o", out, "--quiet")
        with h5py.File(out, "r") as f:
            sets = {k: repr(float(f[k][1])) for k in ("tau_d_E", "tau_f_E", "tau_d_I", "tau_f_I")}
            got = self.trial_metrics("lif_cond_stp", sets, int(f.attrs["seed"]), 1)
            for m in METRICS["lif_cond_stp"]:
                want = f[m][1, 1]
                self.assertTrue(got[m] == want or (np.isnan(got[m]) and np.isnan(want)), m)

    def test_common_streams_give_every_point_the_same_realisation(self):
        base = "model: lif_cond\nseed: 2\nrepeats: 3\nfixed: {T: 300}\n"
        axes = "sweep:\n  gE_bar: [1.5, 2.4, 3.3]\n"
        common = self.spec("common", base + "streams: common\n" + axes)
        indep = self.spec("indep", base + axes)
        a, b = (os.path.join(self.tmp, n) for n in ("common.h5", "indep.h5"))
        run("run", common, "-o", a, "--quiet")
        run("run", indep, "-o", b, "--quiet")
        with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
            gi = fa["gI_mean"][...]   # inhibition does not depend on gE_bar
            for r in range(3):
                self.assertEqual(len(set(gi[:, r])), 1)
            self.assertEqual(len(set(gi[0, :])), 3)   # repeats differ
            self.assertGreater(len(set(fa["fmp_mean"][:, 0])), 1)
            self.assertEqual(len(set(fb["gI_mean"][:, 0])), 3)  # independent

    def test_existing_file_is_never_overwritten_without_force(self):
        spec = self.small_ei()
        out = os.path.join(self.tmp, "keep.h5")
        run("run", spec, "-o", out, "--quiet")
        before = read(out, "rb")
        p = run("run", spec, "-o", out, "--quiet", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("exists; use --force", p.stderr)
        self.assertEqual(read(out, "rb"), before)
        run("run", spec, "-o", out, "--quiet", "--force")

    def test_progress_goes_to_a_terminal_only(self):
        import pty
        spec = self.small_ei()
        master, slave = pty.openpty()
        p = subprocess.run([e2e.BIN, "run", spec, "-o", os.path.join(self.tmp, "tty.h5")],
                           stdout=subprocess.PIPE, stderr=slave)
        os.close(slave)
        seen = b""
        try:
            while True:
                chunk = os.read(master, 4096)
                if not chunk:
                    break
                seen += chunk
        except OSError:  # the terminal closed
            pass
        os.close(master)
        self.assertEqual(p.returncode, 0)
        self.assertIn(b"18/18 trials", seen)
        self.assertIn(b"trials/s", seen)
        self.assertIn(b"ETA", seen)
        # not a terminal: nothing on stderr; --quiet: nothing at all
        p = run("run", spec, "-o", os.path.join(self.tmp, "pipe.h5"))
        self.assertEqual(p.stderr, "")
        self.assertIn("ran 18 trials", p.stdout)
        p = run("run", spec, "-o", os.path.join(self.tmp, "quiet.h5"), "--quiet")
        self.assertEqual(p.stdout + p.stderr, "")

    def test_dry_run_estimates_and_writes_nothing(self):
        spec = self.small_ei()
        out = os.path.join(self.tmp, "dry.h5")
        p = run("run", spec, "-o", out, "--dry-run")
        self.assertIn("trials  18 (6 grid points x 3 repeats)", p.stdout)
        self.assertRegex(p.stdout, r"time +~\d+:\d\d:\d\d on \d+ thread")
        self.assertFalse(os.path.exists(out))

    def test_validate_and_info_summarise(self):
        spec = self.small_ei()
        p = run("validate", spec)
        self.assertIn("exc_rate", p.stdout)
        self.assertIn("trials  18", p.stdout)
        out = os.path.join(self.tmp, "info.h5")
        run("run", spec, "-o", out, "--quiet")
        p = run("info", out)
        self.assertIn("model lif_cond", p.stdout)
        self.assertIn("trials   18 of 18 done", p.stdout)
        with h5py.File(out, "r") as f:
            fmp = f["fmp_mean"][...]
        line = next(l for l in p.stdout.splitlines() if l.startswith("fmp_mean"))
        lo, mean, hi = (float(x) for x in line.split()[2:5])
        self.assertAlmostEqual(lo, fmp.min(), places=4)
        self.assertAlmostEqual(mean, fmp.mean(), places=4)
        self.assertAlmostEqual(hi, fmp.max(), places=4)
        p = run("info", os.path.join(self.tmp, "missing.h5"), check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("missing.h5", p.stderr)

    def test_trace_writes_the_time_series_of_one_trial(self):
        spec = self.small_ei()
        out = os.path.join(self.tmp, "ei.h5")
        trace = os.path.join(self.tmp, "trace.h5")
        run("run", spec, "-o", out, "--quiet")
        run("trace", spec, "--trial", "10", "-o", trace)   # (1, 1, 1)
        ds = xr.open_dataset(trace, engine="h5netcdf")
        try:
            self.assertEqual(ds["v"].dims, ("time",))
            self.assertEqual(ds.sizes["time"], 3000)
            with h5py.File(out, "r") as f:
                # the reference dynamics on the trains the fast kernels drew:
                # the sweep's trial to rounding
                np.testing.assert_allclose(float(ds["fmp"].mean()),
                                           f["fmp_mean"][1, 1, 1], rtol=1e-9)
                self.assertEqual(ds.sizes["spike"], f["n_spikes"][1, 1, 1])
                np.testing.assert_allclose(ds.attrs["fmp_mean"], f["fmp_mean"][1, 1, 1],
                                           rtol=1e-9)
            self.assertEqual(ds.attrs["repeat"], 1)
            self.assertEqual(ds["gE"].attrs["units"], "nS")
        finally:
            ds.close()


if __name__ == "__main__":
    e2e.main()
