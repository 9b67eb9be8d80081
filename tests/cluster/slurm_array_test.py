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
import os
import re
import shutil
import tempfile
import time

import slurm_cluster as cluster

TMP = None         # the spec and its one-process file, for both tests
SPEC = None
REF = None
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


def setUpModule():
    global TMP, SPEC, REF
    cluster.up()
    TMP = tempfile.mkdtemp(prefix="synsweep-slurm-array-")
    SPEC = os.path.join(TMP, "sweep.yaml")
    with open(SPEC, "w") as f:
        f.write(SPEC_TEXT)
    REF = cluster.one_process_run(SPEC, os.path.join(TMP, "ref.h5"))


def tearDownModule():
    if TMP:
        shutil.rmtree(TMP)
    cluster.down()


class SlurmArray(cluster.SlurmCase):
    def setUp(self):
        self.parent = TMP
        super().setUp()

    def submit_array(self):
        return self.submit(f"--array={ARRAY}", "-o", "task-%a.log",
                           os.path.join(cluster.SRC,
                                        "scripts/slurm/array.sbatch"), SPEC)

    def submit_merge(self, array_jid):
        return self.submit(f"--dependency=afterany:{array_jid}",
                           "-o", "merge.log",
                           os.path.join(cluster.SRC,
                                        "scripts/slurm/merge.sbatch"),
                           "out.h5")

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
        self.assert_same(os.path.join(self.dir, "out.h5"), REF)
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
    cluster.main(["munged", "slurmctld", "slurmd", "sbatch", "scontrol",
                  "scancel", "squeue"])
