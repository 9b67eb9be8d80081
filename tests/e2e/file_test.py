"""The results file while a sweep runs: creating it for 10^7 trials writes
next to nothing (its chunks are allocated, not filled); the compressed file
built beside it while trials run (FILE.compacting-XXXXXX, direct chunk
writes) survives SIGKILL at any moment: --resume completes the file, byte-
equal in every dataset's values to an uninterrupted run, and leaves
nothing beside it; while trials are written the file never gets shorter
than its superblock says (a reader of the running sweep would find it
"truncated"); the finished file has only the standard filters
(shuffle, deflate) and reads the same in netCDF4, ncdump and h5py.
Run: python3 file_test.py path/to/synsweep
"""
import glob
import os
import random
import shutil
import signal
import subprocess
import sys
import time

import h5py
import numpy as np

import e2e
from e2e import run

# 10^7 trials, coordinates of a few hundred values: the file's size is the
# per-trial datasets' (7 metrics, status, done: about 580 MB uncompressed).
BIG = """\
model: stp_train
sweep:
  rate: {linspace: [5, 40, 100]}
  U0: {linspace: [0.1, 0.9, 100]}
repeats: 1000
"""
# 2 * 10^6 trials, chunks of 16 x 1000: blocks span chunks, and the last
# chunk along rate is a partial one (125 = 7 * 16 + 13).
KILLED = """\
model: stp_train
seed: 5
sweep:
  rate: {linspace: [5, 40, 125]}
  U0: {linspace: [0.15, 0.85, 16]}
repeats: 1000
"""
# a few seconds of trials, written in several blocks
WATCHED = """\
model: lif_cond_stp
seed: 11
sweep:
  exc_rate: {linspace: [5, 25, 100]}
  inh_rate: [10, 20, 30, 40, 50]
repeats: 200
"""
SMALL = """\
model: lif_cond_stp
seed: 3
fixed: {T: 50, n_exc: 6, n_inh: 2}
sweep:
  exc_rate: {linspace: [5, 40, 37]}
repeats: 29
"""


def per_trial(path):
    """Every per-trial dataset's values, as bytes."""
    with h5py.File(path, "r") as f:
        shape = f["done"].shape
        return {k: f[k][...].tobytes() for k in f
                if isinstance(f[k], h5py.Dataset) and f[k].shape == shape}


def strays(out):
    return sorted(glob.glob(glob.escape(out) + ".*"))


class File(e2e.WorkdirCase):
    def test_creating_a_file_for_ten_million_trials_writes_little(self):
        # the bytes the process wrote (/proc/PID/io wchar) by the time the
        # file is at its path, stopped there: metadata and coordinates,
        # not the ~580 MB of the datasets (filled with NaN before)
        spec = self.spec("big.yaml", BIG)
        out = os.path.join(self.tmp, "big.h5")
        proc = subprocess.Popen([e2e.BIN, "run", spec, "-o", out, "-j", "1",
                                 "--quiet"], stderr=subprocess.PIPE)
        try:
            while proc.poll() is None and not os.path.exists(out):
                pass
            proc.send_signal(signal.SIGSTOP)
            with open(f"/proc/{proc.pid}/io") as f:
                io = dict(line.split(": ") for line in f.read().splitlines())
            size = os.path.getsize(out)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.send_signal(signal.SIGCONT)
            proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 143)
        self.assertGreater(size, 500e6)  # the datasets' room is taken
        written = int(io["wchar"])
        print(f"\ncreating a {size / 1e6:.0f} MB file wrote "
              f"{written / 1e6:.2f} MB", file=sys.stderr)
        self.assertLess(written, 20e6)
        self.assertEqual(strays(out), [])
        # stopped at once: what it holds is resumable (not run further)
        with h5py.File(out, "r") as f:
            self.assertEqual(f["done"].shape, (100, 100, 1000))

    def test_running_file_keeps_its_size_and_opens(self):
        # stopped now and then while its blocks are written: the working
        # file is as long as it was when it appeared (HDF5 gives back no
        # space at a flush, which would cut the file short of what its
        # superblock says until the next one) and opens every time
        spec = self.spec("watched.yaml", WATCHED)
        out = os.path.join(self.tmp, "watched.h5")
        proc = subprocess.Popen([e2e.BIN, "run", spec, "-o", out, "-j", "2",
                                 "--quiet"], stderr=subprocess.PIPE)
        sizes, dones = [], []
        try:
            while proc.poll() is None and not os.path.exists(out):
                time.sleep(0.001)
            deadline = time.monotonic() + 60
            while proc.poll() is None and time.monotonic() < deadline:
                proc.send_signal(signal.SIGSTOP)
                try:
                    sizes.append(os.path.getsize(out))
                    with h5py.File(out, "r") as f:
                        dones.append(int(f["done"][...].sum()))
                finally:
                    proc.send_signal(signal.SIGCONT)
                if len([d for d in dones if d > 0]) >= 3:
                    break
                time.sleep(0.05)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.communicate(timeout=60)
        self.assertGreaterEqual(len([d for d in dones if d > 0]), 3, dones)
        self.assertEqual(set(sizes), {sizes[0]}, sizes)

    def test_sigkill_at_any_moment_then_resume_is_byte_equal(self):
        spec = self.spec("killed.yaml", KILLED)
        ref = os.path.join(self.tmp, "ref.h5")
        t0 = time.monotonic()
        run("run", spec, "-o", ref, "--quiet", "-j", "2")
        whole = time.monotonic() - t0
        want = per_trial(ref)
        out = os.path.join(self.tmp, "killed.h5")
        rng = random.Random(7)
        # each run killed a while after it starts (a resumed one has less
        # left to do, so the later kills land ever nearer its end: the
        # last chunks, the rename of the finished file, or after it)
        for frac in (0.3, 0.3, 0.25, 0.2, 0.15, 0.1):
            args = [e2e.BIN, "run", spec, "-o", out, "--quiet", "-j", "2"]
            if os.path.exists(out):
                args.append("--resume")
            proc = subprocess.Popen(args, stderr=subprocess.PIPE)
            time.sleep(whole * frac * rng.uniform(0.5, 1.0))
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=60)
            if os.path.exists(out):  # whatever is there opens
                with h5py.File(out, "r") as f:
                    done = f["done"][...]
                    self.assertTrue(set(np.unique(done)) <= {0, 1})
        args = ["run", spec, "-o", out, "--quiet"]
        if os.path.exists(out):
            args.append("--resume")
        run(*args)
        self.assertEqual(strays(out), [])
        got = per_trial(out)
        self.assertEqual(sorted(got), sorted(want))
        for name in want:
            self.assertEqual(got[name], want[name], name)
        with h5py.File(out, "r") as f:
            self.assertEqual(f["g1"].compression, "gzip")
            self.assertTrue(f["g1"].shuffle)

    def test_finished_file_has_standard_filters_and_reads_alike(self):
        spec = self.spec("small.yaml", SMALL)
        out = os.path.join(self.tmp, "small.h5")
        run("run", spec, "-o", out, "--quiet", "-j", "2")
        with h5py.File(out, "r") as f:
            names = [k for k in f if isinstance(f[k], h5py.Dataset)
                     and f[k].shape == f["done"].shape]
            values = {k: f[k][...] for k in names}
            for k in names:
                plist = f[k].id.get_create_plist()
                filters = [plist.get_filter(i)[0]
                           for i in range(plist.get_nfilters())]
                # H5Z_FILTER_SHUFFLE 2, H5Z_FILTER_DEFLATE 1: nothing else
                self.assertEqual(filters, [2, 1], k)
        self.assertTrue(values["done"].all())
        try:
            import netCDF4
        except ImportError:
            netCDF4 = None
        if netCDF4 is not None:
            with netCDF4.Dataset(out) as d:
                for k in names:
                    v = d.variables[k]
                    v.set_auto_mask(False)
                    np.testing.assert_array_equal(v[...], values[k], k)
        if shutil.which("ncdump"):
            p = subprocess.run(["ncdump", "-v", "g1" if "g1" in names
                                else "firing_rate", out],
                               capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("data:", p.stdout)


if __name__ == "__main__":
    e2e.main()
