"""The job-array workflow on a real single-node Slurm (started and stopped
here with tests/cluster/slurm.sh): scripts/slurm/array.sbatch as an array
whose IDs are 3, 6, 9, 12 (--array=3-12:3, so `--shard auto` works from
MIN and STEP), scripts/slurm/merge.sbatch chained with
--dependency=afterany; the merged file is byte-equal, in every metric,
`status` and `done`, to one process's run of the spec.

- The time-limit warning (SIGUSR1 to the batch shell, sent here with
  `scancel --batch --signal=USR1`) stops synsweep (143, its resume line)
  and the script requeues the task; the merge job waits for the requeued
  task and merges a complete file.
- A task cancelled by plain scancel is not requeued; the merge job runs
  anyway, writes nothing and names the command for the missing trials;
  sbatching the same array again completes the parts.

Needs root and the Slurm tools (exit 77, a skip, otherwise). Run:
python3 slurm_array_test.py path/to/synsweep SOURCE_DIR
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
SLURM = None       # tests/cluster/slurm.sh
STARTED = False    # this test started Slurm, so it stops it
ENV = None
TMP = None         # the spec and its one-process file, for both tests
SPEC = None
REF = None
METRICS = ["firing_rate", "n_spikes", "cv_isi", "fmp_mean", "fmp_std",
           "v_mean", "gE_mean", "gI_mean"]
# 216,000 cheap trials, 54,000 a task: one to three seconds a task on one
# core of a shared 2-core machine, in three or more blocks of writes
# (16,200 trials, a chunk of the file, or more), so a task can be stopped
# after its first block is written and before its last.
SPEC_TEXT = ("model: lif_cond\nseed: 5\nrepeats: 100\nfixed: {T: 300}\n"
             "sweep:\n  exc_rate: {linspace: [4, 20, 240]}\n"
             "  inh_rate: [10, 30, 50]\n  I_inj: [0, 80, 160]\n")
TRIALS = 54000     # a task's
ARRAY = "3-12:3"
TASKS = [3, 6, 9, 12]
TIMEOUT = 60


def setUpModule():
    global STARTED, ENV, TMP, SPEC, REF
    p = subprocess.run([SLURM, "up"], capture_output=True, text=True,
                       timeout=120)
    if p.returncode != 0:
        raise RuntimeError(f"slurm.sh up failed:\n{p.stderr}")
    STARTED = p.stdout.strip() == "started"
    dir_ = os.environ.get("SYNSWEEP_SLURM_DIR", "/tmp/synsweep-slurm")
    ENV = dict(os.environ, SLURM_CONF=os.path.join(dir_, "slurm.conf"),
               SYNSWEEP=BIN)
    TMP = tempfile.mkdtemp(prefix="synsweep-slurm-array-")
    SPEC = os.path.join(TMP, "sweep.yaml")
    with open(SPEC, "w") as f:
        f.write(SPEC_TEXT)
    REF = os.path.join(TMP, "ref.h5")
    p = subprocess.run([BIN, "run", SPEC, "-o", REF, "-q"],
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError(f"the one-process run failed:\n{p.stderr}")


def tearDownModule():
    if TMP:
        shutil.rmtree(TMP)
    if STARTED:
        subprocess.run([SLURM, "down"], timeout=120)


def datasets(path):
    with h5py.File(path, "r") as f:
        return {k: f[k][...] for k in METRICS + ["done", "status"]}


class SlurmArray(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="jobs-", dir=TMP)
        self.jobs = []

    def tearDown(self):
        # nothing of ours left in the queue, whatever failed
        if self.jobs:
            subprocess.run(["scancel"] + self.jobs, env=ENV,
                           capture_output=True, timeout=TIMEOUT)
            end = time.time() + TIMEOUT
            while time.time() < end and subprocess.run(
                    ["squeue", "-h", "-j", ",".join(self.jobs)], env=ENV,
                    capture_output=True, text=True,
                    timeout=TIMEOUT).stdout.strip():
                time.sleep(0.1)

    def slurm(self, *args):
        p = subprocess.run(list(args), env=ENV, capture_output=True,
                           text=True, timeout=TIMEOUT)
        self.assertEqual(p.returncode, 0, f"{args}: {p.stderr}")
        return p.stdout

    def submit(self, *args):
        """sbatch in the jobs' directory; the job id."""
        jid = self.slurm("sbatch", "--parsable", "-D", self.dir,
                         *args).strip().split(";")[0]
        self.jobs.append(jid)
        return jid

    def submit_array(self):
        return self.submit(f"--array={ARRAY}", "-o", "task-%a.log",
                           os.path.join(SRC, "scripts/slurm/array.sbatch"),
                           SPEC)

    def submit_merge(self, array_jid):
        return self.submit(f"--dependency=afterany:{array_jid}",
                           "-o", "merge.log",
                           os.path.join(SRC, "scripts/slurm/merge.sbatch"),
                           "out.h5")

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
        ended = ("COMPLETED", "CANCELLED", "FAILED", "TIMEOUT", "NODE_FAIL",
                 "OUT_OF_MEMORY")
        self.wait_for(f"job {jid} ended",
                      lambda: self.state(jid)[0] in ended)
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

    def start_mid_run(self, array_jid, task):
        """Waits until the task runs and has written a block of trials."""
        tid = f"{array_jid}_{task}"
        part = os.path.join(self.dir, f"part-{task}.h5")
        self.wait_for(f"task {tid} running with its part",
                      lambda: self.state(tid)[0] == "RUNNING"
                      and os.path.exists(part))
        # the part appears whole (made aside, renamed into place); its
        # next modification is a block of trials written
        made = os.stat(part).st_mtime_ns
        self.wait_for(f"a block of part-{task}.h5 written",
                      lambda: os.stat(part).st_mtime_ns != made)
        self.assertEqual(self.state(tid)[0], "RUNNING", self.logs())
        return tid

    def assert_stopped(self, task, log):
        """The task's synsweep stopped by SIGTERM: trials done, resume."""
        shard = f"{TASKS.index(task)}/{len(TASKS)}"
        self.assertEqual(log.count("interrupted by SIGTERM"), 1, log)
        m = re.search(rf"stopped; (\d+) of (\d+) trials of shard {shard} "
                      rf"are done and written to part-{task}\.h5", log)
        self.assertIsNotNone(m, log)
        self.assertEqual(int(m.group(2)), TRIALS)
        done = int(m.group(1))
        self.assertGreater(done, 0, log)
        self.assertLess(done, TRIALS, "stopped too late: " + log)
        self.assertIn(f"resume with: synsweep run {SPEC} -o part-{task}.h5 "
                      f"--shard {shard} --resume", log)
        return done

    def assert_merged(self):
        out = os.path.join(self.dir, "out.h5")
        a, b = datasets(out), datasets(REF)
        for k in METRICS + ["done", "status"]:
            self.assertEqual(a[k].tobytes(), b[k].tobytes(), k)
        # the parts and logs, nothing half made, no lock left
        names = sorted(os.listdir(self.dir))
        self.assertEqual(
            names,
            sorted(["out.h5", "merge.log"]
                   + [f"part-{t}.h5" for t in TASKS]
                   + [f"task-{t}.log" for t in TASKS]), names)

    def test_warned_task_requeues_itself_and_merge_waits_for_it(self):
        jid = self.submit_array()
        mid = self.submit_merge(jid)
        # the last task: once it runs, no task of the array is pending
        # (while one is, Slurm 22.05's `scancel --batch --signal` of a
        # running task delivers the signal, answers "Job can not be
        # altered now", and sends it again 5 s later)
        task = TASKS[-1]
        tid = self.start_mid_run(jid, task)
        # what --signal=B:USR1@60 sends a minute before the time limit
        self.slurm("scancel", "--batch", "--signal=USR1", tid)
        self.wait_for(f"task {tid} requeued",
                      lambda: self.job(tid).get("Restarts") == "1"
                      and self.state(tid)[0] == "PENDING")
        log = self.log(f"task-{task}.log")
        done = self.assert_stopped(task, log)
        self.assertIn("array.sbatch: time is nearly up: synsweep stopped "
                      f"(exit 143); requeueing task {tid}", log)
        # Slurm holds a requeued job for its credential expiry window
        # (about 2 minutes): start it sooner, but not in the second of the
        # requeue (its new launch credential would predate the old one's
        # revocation: "Job credential revoked", and the task fails)
        eligible = time.mktime(time.strptime(
            self.job(tid)["EligibleTime"], "%Y-%m-%dT%H:%M:%S"))
        self.assertGreater(eligible - time.time(), 60, self.job(tid))
        self.assertEqual(self.state(mid)[0], "PENDING")
        self.slurm("scontrol", "update", f"JobId={tid}", "StartTime=now+2")
        self.assertEqual(self.wait_done(tid), ("COMPLETED", "0:0"),
                         self.logs())
        log = self.log(f"task-{task}.log")
        # --open-mode=append: the first run's lines are kept
        self.assertIn("interrupted by SIGTERM", log)
        self.assertIn(f"resuming part-{task}.h5: {done} of {TRIALS} trials "
                      f"done, {TRIALS - done} to run", log)
        for t in TASKS:
            self.assertEqual(self.wait_done(f"{jid}_{t}"),
                             ("COMPLETED", "0:0"), self.logs())
            # the requeue was of that task only (its job id may be the
            # array's)
            self.assertEqual(self.job(f"{jid}_{t}").get("Restarts"),
                             "1" if t == task else "0", t)
        self.assertEqual(self.wait_done(mid), ("COMPLETED", "0:0"),
                         self.logs())
        self.assertIn("merged 4 parts into out.h5: 216000 of 216000 trials "
                      "done", self.log("merge.log"))
        self.assert_merged()

    def test_cancelled_task_is_not_requeued_and_merge_names_it(self):
        jid = self.submit_array()
        mid = self.submit_merge(jid)
        task = TASKS[-1]
        tid = self.start_mid_run(jid, task)
        # a user's scancel: SIGTERM to the shell and synsweep, then the
        # job ends CANCELLED
        self.slurm("scancel", tid)
        self.assertEqual(self.wait_done(tid), ("CANCELLED", "143:0"),
                         self.logs())
        self.assertEqual(self.job(tid).get("Restarts"), "0")
        log = self.log(f"task-{task}.log")
        self.assert_stopped(task, log)
        self.assertNotIn("requeueing", log)
        # afterany: the merge runs, refuses, names the command
        self.assertEqual(self.wait_done(mid), ("FAILED", "1:0"), self.logs())
        merge = self.log("merge.log")
        self.assertIn("nothing written", merge)
        self.assertIn(f"synsweep run {SPEC} -o part-{task}.h5 --shard "
                      f"{TASKS.index(task)}/{len(TASKS)} --resume", merge)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "out.h5")))
        os.remove(os.path.join(self.dir, "merge.log"))
        # the same array again: the done parts end at once
        jid = self.submit_array()
        mid = self.submit_merge(jid)
        self.assertEqual(self.wait_done(mid), ("COMPLETED", "0:0"),
                         self.logs())
        self.assertIn(f"resuming part-{task}.h5: ",
                      self.log(f"task-{task}.log"))
        self.assert_merged()


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv.pop(1))
    SRC = os.path.abspath(sys.argv.pop(1))
    SLURM = os.path.join(SRC, "tests/cluster/slurm.sh")
    if os.geteuid() != 0:
        print("skipped: a real Slurm needs root (its daemons and munge)")
        sys.exit(77)
    missing = [c for c in ("munged", "slurmctld", "slurmd", "sbatch",
                           "scontrol", "scancel", "squeue")
               if not shutil.which(c)]
    if missing:
        print(f"skipped: no {', '.join(missing)} (scripts/install-deps.sh)")
        sys.exit(77)
    unittest.main(verbosity=2)
