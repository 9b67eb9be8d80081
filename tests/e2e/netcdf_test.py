"""Results files in the netCDF tools, which no one here wrote: ncdump reads
every model's file without a warning; netCDF-C appends to a finished file
(netCDF4.Dataset(f, "a"): an attribute and a variable), NCO edits one
(ncatted) and averages a part-done one over `repeat` (ncwa: the _FillValue
keeps not-done trials out of the means), xarray appends with either
engine, R's ncdf4 reads and writes one (skipped when not installed). The
seed survives exactly, in types every reader takes, and files with the
seed as it was written before (a uint64 alone) still resume and merge.
Run: python3 netcdf_test.py path/to/synsweep
"""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import h5py
import netCDF4
import numpy as np
import xarray as xr

import e2e

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# One small spec per model, with what the layout has: a zip with labels, a
# zip without, a non-parameter axis with derived parameters, `input`.
SPECS = {
    "stp": "name: stp\nmodel: stp_train\nsweep:\n  rate: [5, 10, 20]\n"
           "  regime:\n    labels: [depressing, facilitating]\n"
           "    zip: {U0: [0.5, 0.2], tau_f: [50, 750]}\n",
    "lif": "name: lif\nmodel: lif_cond\nrepeats: 3\nfixed: {T: 200}\n"
           "sweep:\n  input: [poisson, regular]\n"
           "  pair:\n    zip: {exc_rate: [5, 10], inh_rate: [10, 20]}\n",
    "bonus": "name: bonus\nmodel: lif_cond_stp\nseed: 7\nrepeats: 2\n"
             "fixed: {T: 200}\nsweep:\n  tau_ratio: [0.5, 1]\n"
             "derived:\n  tau_d_E: 500 * tau_ratio\n",
}
# 60 points of 20 repeats; its shard 0/7 ends within a point (171 trials)
PART_SPEC = "name: part\nmodel: lif_cond\nrepeats: 20\nfixed: {T: 200}\n" \
            "sweep:\n  exc_rate: [2, 4, 6, 8, 10, 12, 14, 16, 18, 20]\n" \
            "  inh_rate: [10, 20, 30, 40, 50, 60]\n"
METRICS = ["firing_rate", "cv_isi", "fmp_mean", "done", "status"]


def run(*args, check=True, **kw):
    p = subprocess.run([*args], capture_output=True, text=True, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(args)}: {p.returncode}\n{p.stderr}")
    return p


def have(program):
    return shutil.which(program) is not None


class NetCDF(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="synsweep-netcdf-")
        cls.files = {}
        for name, text in SPECS.items():
            cls.files[name] = cls.make(name, text)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    @classmethod
    def make(cls, name, text, *extra):
        spec = os.path.join(cls.tmp, name + ".yaml")
        with open(spec, "w") as f:
            f.write(text)
        out = os.path.join(cls.tmp, name + ".h5")
        run(e2e.BIN, "run", spec, "-o", out, "-q", "--force", *extra)
        return out

    def copy(self, name, to):
        dst = os.path.join(self.tmp, to)
        shutil.copy(self.files[name], dst)
        return dst

    @unittest.skipUnless(have("ncdump"), "ncdump not installed (netcdf-bin)")
    def test_ncdump_reads_every_model_without_warnings(self):
        for name, path in self.files.items():
            with self.subTest(name):
                p = run("ncdump", "-h", path)
                self.assertEqual(p.stderr, "")
                head = p.stdout
                self.assertIn(':Conventions = "CF-1.10"', head)
                self.assertRegex(head, r'\t\t:seed = \d+ ;')  # an int
                # every float variable declares its fill value, NaN
                doubles = re.findall(r"\tdouble (\w+)\(", head)
                self.assertTrue(doubles)
                for v in doubles:
                    self.assertIn(f"\t\t{v}:_FillValue = NaN ;", head, v)
                # every coordinate says what it is; numbers their units
                for kind, v in re.findall(r"\t(\w+) (\w+)\(\2\) ;", head):
                    self.assertIn(f"{v}:long_name = ", head, v)
                    if kind != "string":
                        self.assertIn(f"{v}:units = ", head, v)
                self.assertIn('done:flag_meanings = "not_done done"', head)
                p = run("ncdump", path)  # the data too
                self.assertEqual(p.stderr, "")
        head = run("ncdump", "-h", self.files["bonus"]).stdout
        self.assertIn('string tau_ratio:units = "1"', head)
        head = run("ncdump", "-h", self.files["lif"]).stdout
        self.assertIn('string input:long_name = ', head)
        self.assertIn('string pair:units = "1"', head)

    def test_netcdf4_appends_an_attribute_and_a_variable(self):
        path = self.copy("stp", "append.h5")
        with netCDF4.Dataset(path, "a") as d:
            d.history = "checked by hand"
            d["g1"].comment = "the first delivered spike"
            v = d.createVariable("g1_twice", "f8", d["g1"].dimensions,
                                 fill_value=np.nan)
            v[:] = 2 * d["g1"][:]
            v.units = "nS"
        with netCDF4.Dataset(path) as d:
            self.assertEqual(d.history, "checked by hand")
            self.assertEqual(d["g1"].comment, "the first delivered spike")
            np.testing.assert_array_equal(d["g1_twice"][:], 2 * d["g1"][:])
            self.assertEqual(d.seed, 0)
            self.assertEqual(d.seed_text, "0")
        with xr.open_dataset(path, engine="h5netcdf") as ds:
            self.assertEqual(ds["g1_twice"].dims, ds["g1"].dims)
        # still a results file to synsweep
        p = run(e2e.BIN, "info", path)
        self.assertIn("trials   6 of 6 done", p.stdout)

    @unittest.skipUnless(have("ncatted") and have("ncwa"), "NCO not installed")
    def test_nco_edits_and_averages_a_part_done_file(self):
        path = self.copy("stp", "nco.h5")
        run("ncatted", "-a", "comment,g1,c,c,edited", "-a",
            "project,global,c,c,synapses", path)
        head = run("ncdump", "-h", path).stdout
        self.assertIn('g1:comment = "edited"', head)
        self.assertIn(':project = "synapses"', head)
        part = self.make("part", PART_SPEC, "--shard", "0/7", "-j", "2")
        with h5py.File(part, "r") as f:
            rate = f["firing_rate"][...]
            done = f["done"][...] == 1
        self.assertEqual(int(done.sum()), 171)  # point 8: 11 of 20 repeats
        want = np.ma.masked_array(rate, ~done).mean(axis=-1)
        mean = os.path.join(self.tmp, "mean.nc")

        def ncwa(path):
            p = run("ncwa", "-O", "-a", "repeat", "-v", "firing_rate", path,
                    mean)
            self.assertEqual(p.stderr, "")
            with netCDF4.Dataset(mean) as d:
                return d["firing_rate"][:]
        # NCO does no arithmetic on NaN (its manual says so): a point with
        # a trial not done is missing, never a wrong number
        got = ncwa(part)
        self.assertTrue(got.mask[1, 2])
        self.assertFalse(want.mask[1, 2])
        np.testing.assert_array_equal(got[0], want[0])
        # NCO's recipe: a normal number for the fill, then the means are
        # those of the trials done
        run("ncatted", "-a", "_FillValue,,m,d,1.0e36", part)
        got = ncwa(part)
        self.assertEqual(got.mask.tolist(), want.mask.tolist())
        self.assertFalse(np.isnan(got.compressed()).any())
        np.testing.assert_allclose(got.compressed(), want.compressed(),
                                   rtol=1e-12)

    def test_xarray_appends_with_either_engine(self):
        for engine in ("netcdf4", "h5netcdf"):
            with self.subTest(engine):
                path = self.copy("lif", f"xr-{engine}.h5")
                with xr.open_dataset(path, engine=engine) as ds:
                    extra = (ds.firing_rate.mean("repeat")
                             .rename("mean_rate").to_dataset())
                    extra = extra.drop_vars([c for c in extra.coords
                                             if c not in extra.dims])
                    extra.load()
                extra.to_netcdf(path, mode="a", engine=engine)
                with xr.open_dataset(path, engine=engine) as ds:
                    np.testing.assert_allclose(
                        ds.mean_rate, ds.firing_rate.mean("repeat"))
                p = run(e2e.BIN, "info", path)
                self.assertIn("trials   12 of 12 done", p.stdout)

    def test_r_ncdf4_reads_and_writes(self):
        if not have("Rscript") or run("Rscript", "-e", "library(ncdf4)",
                                      check=False).returncode != 0:
            self.skipTest("R's ncdf4 not installed (r-cran-ncdf4)")
        path = self.copy("bonus", "r.h5")
        script = (
            f'library(ncdf4); nc <- nc_open("{path}", write = TRUE)\n'
            'x <- ncvar_get(nc, "firing_rate")\n'
            'cat(dim(x), "\\n")\n'
            'cat(ncatt_get(nc, 0, "seed_text")$value, "\\n")\n'
            'cat(ncatt_get(nc, 0, "seed")$value, "\\n")\n'
            'cat(ncatt_get(nc, "firing_rate", "units")$value, "\\n")\n'
            'ncatt_put(nc, 0, "analyst", "R")\n'
            'nc_close(nc)\n')
        p = run("Rscript", "-e", script)
        lines = p.stdout.split("\n")
        self.assertEqual(lines[0].split(), ["2", "2"])  # R reverses dims
        self.assertEqual(lines[1].strip(), "7")
        self.assertEqual(lines[2].strip(), "7")
        self.assertEqual(lines[3].strip(), "Hz")
        with netCDF4.Dataset(path) as d:
            self.assertEqual(d.analyst, "R")

    def test_the_seed_is_exact_and_old_files_resume_and_merge(self):
        for seed, dtype in ((2**31, np.int64), (2**63, np.uint64)):
            spec = SPECS["stp"].replace("name: stp", f"name: s\nseed: {seed}")
            with h5py.File(self.make("s", spec), "r") as f:
                self.assertEqual(f.attrs["seed_text"], str(seed))
                self.assertEqual(f.attrs["seed"].dtype, dtype)
                self.assertEqual(int(f.attrs["seed"]), seed)
        big = 2**64 - 1
        spec = SPECS["stp"].replace("name: stp", f"name: seeds\nseed: {big}")
        path = self.make("seeds", spec)
        with h5py.File(path, "r") as f:
            self.assertEqual(f.attrs["seed_text"], str(big))
            self.assertEqual(int(f.attrs["seed"]), big)
        with h5py.File(self.files["bonus"], "r") as f:
            self.assertEqual(f.attrs["seed"].dtype, np.int32)
            self.assertEqual(f.attrs["seed_text"], "7")
        p = run(e2e.BIN, "info", path)
        self.assertIn(f"seed {big} ", p.stdout)

        # a file as written before seed_text: seed a uint64, alone
        def make_old(p):
            with h5py.File(p, "r+") as f:
                seed = int(f.attrs["seed_text"])
                del f.attrs["seed_text"]
                del f.attrs["seed"]
                f.attrs.create("seed", seed, dtype=np.uint64)
        spec_path = os.path.join(self.tmp, "seeds.yaml")
        ref = self.read(path)
        old = os.path.join(self.tmp, "old.h5")
        shutil.copy(path, old)
        with h5py.File(old, "r+") as f:
            done = f["done"][...]
            done[1:] = 0  # rate 10 and 20 not done yet
            f["done"][...] = done
        make_old(old)
        run(e2e.BIN, "run", spec_path, "-o", old, "-q", "--resume")
        self.assertEqual(self.read(old), ref)
        # parts, one of them old, merge as before
        parts = []
        for k in range(2):
            part = os.path.join(self.tmp, f"seeds-{k}.h5")
            run(e2e.BIN, "run", spec_path, "-o", part, "-q", "--shard", f"{k}/2")
            parts.append(part)
        make_old(parts[0])
        merged = os.path.join(self.tmp, "merged.h5")
        run(e2e.BIN, "merge", "-o", merged, *parts)
        self.assertEqual(self.read(merged), ref)
        with h5py.File(merged, "r") as f:
            self.assertEqual(f.attrs["seed_text"], str(big))

    def test_stp_train_traces_name_their_one_synapse(self):
        spec = os.path.join(self.tmp, "stp.yaml")
        out = os.path.join(self.tmp, "trace.h5")
        run(e2e.BIN, "trace", spec, "--trial", "0", "-o", out)
        with h5py.File(out, "r") as f:
            self.assertEqual(f["gE"].attrs["long_name"], "synaptic conductance")
            self.assertEqual(f["R"].attrs["long_name"], "available resources")
            self.assertEqual(f["u"].attrs["long_name"], "release probability")
        if have("ncdump"):
            self.assertEqual(run("ncdump", "-h", out).stderr, "")

    @staticmethod
    def read(path):
        with h5py.File(path, "r") as f:
            return {k: f[k][...].tobytes() for k in ("g1", "g10", "done", "status")}


if __name__ == "__main__":
    e2e.main()
