"""A sweep of 10^6 short trials runs with flat memory: the peak resident
set of `synsweep run` for 10^6 trials stays well under 100 MB and close to
that of 10^5 trials. Prints both. A sweep whose file would not fit on a
small disk is refused before anything is made. Run: python3 scale_test.py
path/to/synsweep
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import e2e


SPEC = """name: scale
model: lif_cond
seed: 1
repeats: {repeats}
fixed: {{T: 2, n_exc: 2, n_inh: 1}}
sweep:
  exc_rate: {{linspace: [1, 100, {n}]}}
  inh_rate: {{linspace: [1, 100, {n}]}}
"""


def peak_rss_mb(args, cwd):
    """Runs args and returns (exit status, peak RSS in MB) of that process."""
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    return proc.returncode, usage.ru_maxrss / 1024.0


class Scale(unittest.TestCase):
    def test_a_million_trials_run_in_flat_memory(self):
        with tempfile.TemporaryDirectory() as tmp:
            peaks = {}
            for trials, n, repeats in ((10**5, 158, 4), (10**6, 500, 4)):
                spec = os.path.join(tmp, f"scale{trials}.yaml")
                with open(spec, "w") as f:
                    f.write(SPEC.format(n=n, repeats=repeats))
                out = os.path.join(tmp, f"scale{trials}.h5")
                rc, peaks[trials] = peak_rss_mb(
                    [e2e.BIN, "run", spec, "-o", out, "--quiet"], tmp)
                self.assertEqual(rc, 0)
                print(f"\n{trials:>8} trials: peak RSS {peaks[trials]:.1f} MB",
                      file=sys.stderr)
            self.assertLess(peaks[10**6], 100)
            # bounded: two blocks of at most 65536 trials and the chunk
            # caches, reached by both sizes or nearly
            self.assertLess(peaks[10**6], peaks[10**5] + 20)


class FullDisk(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="synsweep-scale-")
        self.disk = os.path.join(self.tmp, "disk")
        os.mkdir(self.disk)
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs",
                            self.disk], capture_output=True, text=True)
        if p.returncode != 0:
            shutil.rmtree(self.tmp)
            self.skipTest("cannot mount a 4 MB tmpfs here (needs root): "
                          + p.stderr.strip())

    def tearDown(self):
        subprocess.run(["umount", self.disk], capture_output=True)
        shutil.rmtree(self.tmp)

    def test_a_file_bigger_than_the_disk_is_refused_before_it_is_made(self):
        # 8 metrics x 60,000 trials: about 4.4 MB before compression
        spec = os.path.join(self.tmp, "big.yaml")
        with open(spec, "w") as f:
            f.write("model: lif_cond\nrepeats: 60000\n")
        dry = subprocess.run([e2e.BIN, "run", spec, "--dry-run"], cwd=self.tmp,
                             capture_output=True, text=True)
        bound = float(re.search(r"at most ([0-9.]+) MB", dry.stdout)[1])
        self.assertGreater(bound, 4.2)
        out = os.path.join(self.disk, "x.h5")
        p = subprocess.run([e2e.BIN, "run", spec, "-o", out, "--quiet"],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertRegex(p.stderr, rf"cannot create '{re.escape(out)}': it "
                         rf"needs {bound:.2f} MB and the disk has [0-9.]+ MB "
                         rf"free at {re.escape(self.disk)}: disk full")
        self.assertEqual(os.listdir(self.disk), [])


if __name__ == "__main__":
    e2e.main()
