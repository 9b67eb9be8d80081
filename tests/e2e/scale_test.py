"""A sweep of 10^6 short trials runs with flat memory: the peak resident
set of `synsweep run` for 10^6 trials stays well under 100 MB and close to
that of 10^5 trials. Prints both. Run: python3 scale_test.py path/to/synsweep
"""
import os
import subprocess
import sys
import tempfile
import unittest

BIN = None

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
                    [BIN, "run", spec, "-o", out, "--quiet"], tmp)
                self.assertEqual(rc, 0)
                print(f"\n{trials:>8} trials: peak RSS {peaks[trials]:.1f} MB",
                      file=sys.stderr)
            self.assertLess(peaks[10**6], 100)
            # bounded: two blocks of at most 65536 trials and the chunk
            # caches, reached by both sizes or nearly
            self.assertLess(peaks[10**6], peaks[10**5] + 20)


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
