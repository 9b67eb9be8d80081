"""What the tests on a real Slurm share: the command line (the synsweep
binary and the source folder), starting a single-node Slurm with
tests/cluster/slurm.sh and stopping it if they started it, and a test case
that submits jobs from a folder of its own, reads their state, waits for
them and leaves none of them queued, whatever failed.
"""
import glob
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
ENV = None         # the environment of Slurm's commands (SLURM_CONF)
TIMEOUT = 60       # for any one command or wait
METRICS = ["firing_rate", "n_spikes", "cv_isi", "fmp_mean", "fmp_std",
           "v_mean", "gE_mean", "gI_mean"]
ENDED = ("COMPLETED", "CANCELLED", "FAILED", "TIMEOUT", "NODE_FAIL",
         "OUT_OF_MEMORY")
_started = False   # Slurm was started here, so it is stopped here


def slurm_sh():
    return os.path.join(SRC, "tests/cluster/slurm.sh")


def up():
    """Starts Slurm unless it runs already (for setUpModule)."""
    global _started, ENV
    p = subprocess.run([slurm_sh(), "up"], capture_output=True, text=True,
                       timeout=120)
    if p.returncode != 0:
        raise RuntimeError(f"slurm.sh up failed:\n{p.stderr}")
    _started = p.stdout.strip() == "started"
    folder = os.environ.get("SYNSWEEP_SLURM_DIR", "/tmp/synsweep-slurm")
    ENV = dict(os.environ, SLURM_CONF=os.path.join(folder, "slurm.conf"),
               SYNSWEEP=BIN)


def down():
    """Stops Slurm if up() started it (for tearDownModule)."""
    if _started:
        subprocess.run([slurm_sh(), "down"], timeout=120)


def one_process_run(spec, out):
    """The file one process writes for the spec: what jobs must equal."""
    p = subprocess.run([BIN, "run", spec, "-o", out, "-q"],
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise AssertionError(f"the one-process run failed:\n{p.stderr}")
    return out


def datasets(path):
    with h5py.File(path, "r") as f:
        return {k: f[k][...] for k in METRICS + ["done", "status"]}


class SlurmCase(unittest.TestCase):
    """Each test's jobs run in self.dir and are cancelled at its end."""
    parent = None  # where self.dir is made (None: the system's tmp)

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="synsweep-slurm-",
                                    dir=self.parent)
        self.jobs = []

    def tearDown(self):
        if self.jobs:
            subprocess.run(["scancel"] + self.jobs, env=ENV,
                           capture_output=True, timeout=TIMEOUT)
            end = time.time() + TIMEOUT
            while time.time() < end and subprocess.run(
                    ["squeue", "-h", "-j", ",".join(self.jobs)], env=ENV,
                    capture_output=True, text=True,
                    timeout=TIMEOUT).stdout.strip():
                time.sleep(0.1)
        shutil.rmtree(self.dir)

    def slurm(self, *args):
        """A Slurm command that must succeed; its output."""
        p = subprocess.run(list(args), env=ENV, capture_output=True,
                           text=True, timeout=TIMEOUT)
        self.assertEqual(p.returncode, 0, f"{args}: {p.stderr}")
        return p.stdout

    def submit(self, *args):
        """sbatch in self.dir; the job id."""
        jid = self.slurm("sbatch", "--parsable", "-D", self.dir,
                         *args).strip().split(";")[0]
        self.jobs.append(jid)
        return jid

    def job(self, jid):
        """The job's (or array task's) fields, once Slurm has a record."""
        p = subprocess.run(["scontrol", "show", "job", "-o", jid], env=ENV,
                           capture_output=True, text=True, timeout=TIMEOUT)
        return dict(re.findall(r"(\w+)=(\S*)", p.stdout))

    def state(self, jid):
        j = self.job(jid)
        return j.get("JobState", "?"), j.get("ExitCode", "?")

    def wait_for(self, what, check):
        end = time.time() + TIMEOUT
        while time.time() < end:
            if check():
                return
            time.sleep(0.05)
        self.fail(f"{what}: not after {TIMEOUT} s; queue:\n"
                  + self.slurm("squeue") + self.logs())

    def wait_done(self, jid):
        """Waits for the job to end; its (state, exit code)."""
        self.wait_for(f"job {jid} ended",
                      lambda: self.state(jid)[0] in ENDED)
        return self.state(jid)

    def log(self, name):
        path = os.path.join(self.dir, name)
        if not os.path.exists(path):
            return ""
        with open(path) as f:
            return f.read()

    def logs(self):
        return "".join(f"\n--- {os.path.basename(p)}\n" + self.log(p)
                       for p in sorted(glob.glob(self.dir + "/*.log")))

    def assert_same(self, got, ref):
        """Every metric, status and done byte-equal."""
        a, b = datasets(got), datasets(ref)
        for k in METRICS + ["done", "status"]:
            self.assertEqual(a[k].tobytes(), b[k].tobytes(), k)


def main(tools):
    """Runs the calling module's tests: python3 X_test.py path/to/synsweep
    SOURCE_DIR; a skip (exit 77) without root or without the tools."""
    global BIN, SRC
    BIN = os.path.abspath(sys.argv.pop(1))
    SRC = os.path.abspath(sys.argv.pop(1))
    if os.geteuid() != 0:
        print("skipped: a real Slurm needs root (its daemons and munge)")
        sys.exit(77)
    missing = [c for c in tools if not shutil.which(c)]
    if missing:
        print(f"skipped: no {', '.join(missing)} (scripts/install-deps.sh)")
        sys.exit(77)
    unittest.main(module="__main__", verbosity=2)
