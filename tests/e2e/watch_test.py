"""A sweep watched and scripted: while it runs, `synsweep info` and xarray
open its file and see the trials done so far (info exits 3, incomplete)
and a second writer is still refused; in a batch log (stderr no terminal)
a progress line comes every --progress-every seconds, none with --quiet;
`info --json` and `validate --json` are valid JSON (NaN as null, names
with quotes, backslashes and UTF-8 escaped); info's exit status tells
complete (0), incomplete (3), error (1) and bad usage (2).
Run: python3 watch_test.py path/to/synsweep
"""
import json
import os
import signal
import subprocess
import time

import h5py
import xarray as xr

import e2e
from e2e import run

# Some seconds of work on two cores: long enough to be watched.
LONG_SPEC = "model: lif_cond_stp\nseed: 11\nrepeats: 200\n" \
            "sweep:\n  exc_rate: {linspace: [5, 25, 100]}\n  inh_rate: [10, 20, 30, 40, 50]\n"
SMALL_SPEC = "model: stp_train\nrepeats: 3\nsweep:\n  rate: [10, 20]\n"


class Watch(e2e.WorkdirCase):
    def test_info_and_xarray_read_a_running_sweep(self):
        spec = self.write("long.yaml", LONG_SPEC)
        out = self.path("running.h5")
        proc = subprocess.Popen([e2e.BIN, "run", spec, "-o", out, "-q", "-j", "2"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        try:
            seen = None
            deadline = time.monotonic() + 60
            while seen is None and time.monotonic() < deadline:
                if not os.path.exists(out):
                    time.sleep(0.02)
                    continue
                p = run("info", out, "--json", check=False)
                self.assertIn(p.returncode, (0, 3), p.stderr)
                d = json.loads(p.stdout)
                if 0 < d["done"] < d["trials"]:
                    seen = (p, d)
                self.assertIsNone(proc.poll(), "the run ended before it "
                                  "was seen half-way")
            self.assertIsNotNone(seen)
            p, d = seen
            self.assertEqual(p.returncode, 3)
            self.assertEqual(d["state"], "incomplete")
            self.assertEqual(d["trials"], 100 * 5 * 200)
            # the text summary too, and xarray and h5py as an analyst has them
            p = run("info", out, check=False)
            self.assertEqual(p.returncode, 3, p.stderr)
            self.assertIn(" of 100000 done (", p.stdout)
            with xr.open_dataset(out, engine="h5netcdf") as ds:
                done = int(ds["done"].sum())
            self.assertTrue(d["done"] <= done <= 100000)
            with h5py.File(out, "r") as f:
                self.assertTrue(done <= int(f["done"][...].sum()))
            # a second writer: refused, as ever
            p = run("run", spec, "-o", out, "--resume", check=False)
            self.assertEqual(p.returncode, 2)
            self.assertIn(f"'{out}' is being written by synsweep (process "
                          f"{proc.pid} on ", p.stderr)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 143)
        p = run("info", out, check=False)
        self.assertEqual(p.returncode, 3)

    def test_progress_lines_in_a_batch_log(self):
        spec = self.write("long.yaml", LONG_SPEC.replace("200", "60"))
        out = self.path("progress.h5")
        p = run("run", spec, "-o", out, "-j", "2", "--progress-every", "0.3")
        lines = p.stderr.splitlines()
        self.assertNotIn("\r", p.stderr)
        self.assertGreaterEqual(len(lines), 2, p.stderr)
        for line in lines:
            self.assertRegex(line, r"^progress \d+/30000 trials  \d+\.\d%  "
                             r"\d+ trials/s  elapsed \d+:\d\d:\d\d  "
                             r"ETA (\d+:\d\d:\d\d|\?)$")
        self.assertTrue(lines[-1].startswith("progress 30000/30000 trials  "
                                             "100.0%"), lines[-1])
        p = run("run", spec, "-o", out, "-j", "2", "--force", "--quiet",
                "--progress-every", "0.3")
        self.assertEqual(p.stderr, "")
        # the default: a line a minute, none in a short run
        small = self.write("small.yaml", SMALL_SPEC)
        p = run("run", small, "-o", self.path("small.h5"))
        self.assertEqual(p.stderr, "")
        for bad in ("0", "-1", "x", "nan"):
            p = run("run", small, "-o", self.path("x.h5"), "--progress-every",
                    bad, check=False)
            self.assertEqual(p.returncode, 2)
            self.assertIn("--progress-every takes a number of seconds > 0",
                          p.stderr)

    def test_json_is_valid_and_escaped(self):
        name = 'say "hi" \\ back – ünï ✓'
        yaml_name = name.replace("\\", "\\\\").replace('"', '\\"')
        spec = self.write("named.yaml",
                          f'name: "{yaml_name}"\nmodel: stp_train\n'
                          'repeats: 2\nsweep:\n  rate: [10, 20]\n'
                          '  regime:\n    labels: ["a\\"b", "c\\\\d"]\n'
                          '    zip: {U0: [0.5, 0.2], tau_f: [50, 750]}\n')
        p = run("validate", spec, "--json")
        v = json.loads(p.stdout)
        self.assertEqual(v["name"], name)
        self.assertEqual(v["trials"], 8)
        self.assertEqual(v["axes"][0], {"name": "rate", "size": 2,
                                        "zip": False, "values": [10, 20]})
        self.assertEqual(v["axes"][1]["labels"], ['a"b', "c\\d"])
        self.assertEqual(v["axes"][1]["members"][0],
                         {"name": "U0", "values": [0.5, 0.2]})
        out = self.path("named.h5")
        run("run", spec, "-o", out, "-q")
        p = run("info", out, "--json")
        d = json.loads(p.stdout)
        self.assertEqual((d["name"], d["state"], d["done"], d["trials"]),
                         (name, "complete", 8, 8))
        self.assertEqual([x["name"] for x in d["dims"]],
                         ["rate", "regime", "repeat"])
        self.assertEqual((d["dims"][0]["first"], d["dims"][0]["last"]),
                         (10, 20))
        self.assertEqual(d["dims"][1]["first"], 'a"b')
        g1 = next(m for m in d["metrics"] if m["name"] == "g1")
        with h5py.File(out, "r") as f:
            self.assertEqual(g1["max"], float(f["g1"][...].max()))
        # a metric with no finite value: null, never NaN
        spec = self.write("silent.yaml", "model: lif_cond\nfixed: {T: 50, "
                          "exc_rate: 1, n_exc: 1}\n")
        out = self.path("silent.h5")
        run("run", spec, "-o", out, "-q")
        p = run("info", out, "--json")
        self.assertNotIn("NaN", p.stdout)
        cv = next(m for m in json.loads(p.stdout)["metrics"]
                  if m["name"] == "cv_isi")
        self.assertEqual((cv["min"], cv["mean"], cv["max"], cv["finite"]),
                         (None, None, None, 0))
        # a long axis: first and last, not every value
        spec = self.write("wide.yaml", "model: stp_train\nsweep:\n"
                          "  rate: {linspace: [1, 40, 2000]}\n")
        a = json.loads(run("validate", spec, "--json").stdout)["axes"][0]
        self.assertEqual(a, {"name": "rate", "size": 2000, "zip": False,
                             "first": 1, "last": 40})

    def test_info_exit_status_tells_complete_from_incomplete(self):
        spec = self.write("small.yaml", SMALL_SPEC)
        whole = self.path("whole.h5")
        run("run", spec, "-o", whole, "-q")
        self.assertEqual(run("info", whole).returncode, 0)
        parts = [self.path(f"part{k}.h5") for k in range(3)]
        for k in (0, 2):
            run("run", spec, "-o", parts[k], "-q", "--shard", f"{k}/3")
        # a part whose block is done is complete; parts missing one are not
        self.assertEqual(run("info", parts[0]).returncode, 0)
        p = run("info", parts[0], parts[2], check=False)
        self.assertEqual(p.returncode, 3)
        self.assertIn("missing  2 trials", p.stdout)
        p = run("info", parts[0], parts[2], "--json", check=False)
        self.assertEqual(p.returncode, 3)
        d = json.loads(p.stdout)
        self.assertEqual((d["state"], d["done"], d["missing"]),
                         ("incomplete", 4, 2))
        self.assertEqual([x["shard"] for x in d["parts"]], ["0/3", "2/3"])
        # a run stopped early
        with h5py.File(whole, "r+") as f:
            done = f["done"][...]
            done[0] = 0
            f["done"][...] = done
        p = run("info", whole, check=False)
        self.assertEqual(p.returncode, 3)
        self.assertIn("trials   3 of 6 done", p.stdout)
        # no file: an error; a bad option: usage
        p = run("info", self.path("none.h5"), check=False)
        self.assertEqual(p.returncode, 1)
        p = run("info", whole, "--bogus", check=False)
        self.assertEqual(p.returncode, 2)
        p = run("info", "--help")
        self.assertIn("3 incomplete", p.stdout)


if __name__ == "__main__":
    e2e.main()
