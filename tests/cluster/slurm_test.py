"""An MPI build of synsweep on a real single-node Slurm (started and stopped
here with tests/cluster/slurm.sh): `sbatch scripts/slurm/mpi.sbatch` and
`srun --mpi=pmix` write files byte-equal, in every metric, `status` and
`done`, to one process's; a job cancelled half-way (scancel: SIGTERM to
every rank) ends with rank 0's 143 and its resume line, and sbatching the
script again completes the file byte-equal. Needs root (exit 77, a skip,
otherwise). Run: python3 slurm_test.py path/to/synsweep SOURCE_DIR
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import h5py

BIN = None
SRC = None
SLURM = None       # tests/cluster/slurm.sh
STARTED = False    # this test started Slurm, so it stops it
ENV = None
METRICS = ["firing_rate", "n_spikes", "cv_isi", "fmp_mean", "fmp_std",
           "v_mean", "gE_mean", "gI_mean"]
# 18,000 cheap trials over two chunks of the file.
GRID_SPEC = ("model: lif_cond\nseed: 5\nrepeats: 40\nfixed: {T: 300}\n"
             "sweep:\n  exc_rate: {linspace: [4, 20, 30]}\n"
             "  inh_rate: [10, 30, 50]\n  I_inj: [0, 40, 80, 120, 160]\n")
# A few seconds of work on two cores (about 2 s on 3 ranks): long enough
# to cancel half-way.
LONG_SPEC = ("model: lif_cond_stp\nseed: 11\nrepeats: 100\n"
             "fixed: {T: 2000}\n"
             "sweep:\n  exc_rate: {linspace: [5, 25, 100]}\n"
             "  inh_rate: [10, 20, 30, 40, 50]\n")
TIMEOUT = 60


def setUpModule():
    global STARTED, ENV
    p = subprocess.run([SLURM, "up"], capture_output=True, text=True,
                       timeout=120)
    if p.returncode != 0:
        raise RuntimeError(f"slurm.sh up failed:\n{p.stderr}")
    STARTED = p.stdout.strip() == "started"
    dir_ = os.environ.get("SYNSWEEP_SLURM_DIR", "/tmp/synsweep-slurm")
    ENV = dict(os.environ, SLURM_CONF=os.path.join(dir_, "slurm.conf"),
               SYNSWEEP=BIN)


def tearDownModule():
    if STARTED:
        subprocess.run([SLURM, "down"], timeout=120)


def datasets(path):
    with h5py.File(path, "r") as f:
        return {k: f[k][...] for k in METRICS + ["done", "status"]}


class Slurm(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="synsweep-slurm-")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def spec(self, name, text):
        path = os.path.join(self.tmp, name + ".yaml")
        with open(path, "w") as f:
            f.write(text)
        ref = os.path.join(self.tmp, name + "-ref.h5")
        p = subprocess.run([BIN, "run", path, "-o", ref, "-q"],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        return path, ref

    def sbatch(self, log, spec, out):
        """Submits scripts/slurm/mpi.sbatch on 2 ranks; the job id."""
        p = subprocess.run(["sbatch", "--parsable", "-D", self.tmp, "-n", "2",
                            "-o", log,
                            os.path.join(SRC, "scripts/slurm/mpi.sbatch"),
                            spec, out], env=ENV,
                           capture_output=True, text=True, timeout=TIMEOUT)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.strip().split(";")[0]

    def job(self, jid):
        """The job's state and exit code, once Slurm has a record."""
        p = subprocess.run(["scontrol", "show", "job", "-o", jid], env=ENV,
                           capture_output=True, text=True, timeout=TIMEOUT)
        state = re.search(r"JobState=(\S+)", p.stdout)
        code = re.search(r"ExitCode=(\S+)", p.stdout)
        return (state.group(1) if state else "?",
                code.group(1) if code else "?")

    def wait_done(self, jid):
        end = time.time() + TIMEOUT
        while time.time() < end:
            if self.job(jid)[0] not in ("PENDING", "RUNNING", "CONFIGURING",
                                        "COMPLETING"):
                return self.job(jid)
            time.sleep(0.1)
        subprocess.run(["scancel", jid], env=ENV)
        self.fail(f"job {jid} still not done after {TIMEOUT} s")

    def assert_same(self, got, ref):
        a, b = datasets(got), datasets(ref)
        for k in METRICS + ["done", "status"]:
            self.assertEqual(a[k].tobytes(), b[k].tobytes(), k)

    def log(self, name):
        with open(os.path.join(self.tmp, name)) as f:
            return f.read()

    def test_sbatch_mpi_job_writes_the_one_process_file(self):
        spec, ref = self.spec("grid", GRID_SPEC)
        out = os.path.join(self.tmp, "out.h5")
        jid = self.sbatch("job.log", spec, out)
        self.assertEqual(self.wait_done(jid), ("COMPLETED", "0:0"),
                         self.log("job.log"))
        self.assertIn("on rank 0 of 2 MPI ranks", self.log("job.log"))
        self.assert_same(out, ref)

    def test_srun_pmix_writes_the_one_process_file(self):
        spec, ref = self.spec("grid", GRID_SPEC)
        out = os.path.join(self.tmp, "out.h5")
        p = subprocess.run(["srun", "--mpi=pmix", "-n", "3", "--overcommit",
                            BIN, "run", spec, "-o", out, "-j", "1"], env=ENV,
                           capture_output=True, text=True, timeout=TIMEOUT)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.count("ran 18000 trials"), 1, p.stdout)
        self.assert_same(out, ref)

    def test_scancel_then_sbatch_again_completes_the_file(self):
        spec, ref = self.spec("long", LONG_SPEC)
        out = os.path.join(self.tmp, "out.h5")
        jid = self.sbatch("first.log", spec, out)
        end = time.time() + TIMEOUT
        while not os.path.exists(out) and time.time() < end:
            time.sleep(0.02)
        time.sleep(0.6)  # the first deals written
        self.assertEqual(self.job(jid)[0], "RUNNING", self.log("first.log"))
        subprocess.run(["scancel", jid], env=ENV, check=True)
        state, code = self.wait_done(jid)
        first = self.log("first.log")
        self.assertEqual((state, code), ("CANCELLED", "143:0"), first)
        self.assertEqual(first.count("interrupted by SIGTERM"), 1, first)
        self.assertIn(f"resume with: synsweep run {spec} -o {out} --resume",
                      first)
        done = int(re.search(r"(\d+) of 50000 trials are done",
                             first).group(1))
        # the same script again goes on with the file
        jid = self.sbatch("second.log", spec, out)
        self.assertEqual(self.wait_done(jid), ("COMPLETED", "0:0"))
        second = self.log("second.log")
        self.assertIn(f"resuming {out}: {done} of 50000 trials done", second)
        self.assert_same(out, ref)


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv.pop(1))
    SRC = os.path.abspath(sys.argv.pop(1))
    SLURM = os.path.join(SRC, "tests/cluster/slurm.sh")
    if os.geteuid() != 0:
        print("skipped: a real Slurm needs root (its daemons and munge)")
        sys.exit(77)
    unittest.main(verbosity=2)
