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
import subprocess
import time

import slurm_cluster as cluster

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


def setUpModule():
    cluster.up()


def tearDownModule():
    cluster.down()


class Slurm(cluster.SlurmCase):
    def spec(self, name, text):
        """The spec's path and its one-process file."""
        path = os.path.join(self.dir, name + ".yaml")
        with open(path, "w") as f:
            f.write(text)
        return path, cluster.one_process_run(
            path, os.path.join(self.dir, name + "-ref.h5"))

    def sbatch(self, log, spec, out):
        """Submits scripts/slurm/mpi.sbatch on 2 ranks; the job id."""
        return self.submit("-n", "2", "-o", log,
                           os.path.join(cluster.SRC,
                                        "scripts/slurm/mpi.sbatch"),
                           spec, out)

    def test_sbatch_mpi_job_writes_the_one_process_file(self):
        spec, ref = self.spec("grid", GRID_SPEC)
        out = os.path.join(self.dir, "out.h5")
        jid = self.sbatch("job.log", spec, out)
        self.assertEqual(self.wait_done(jid), ("COMPLETED", "0:0"),
                         self.log("job.log"))
        self.assertIn("on rank 0 of 2 MPI ranks", self.log("job.log"))
        self.assert_same(out, ref)

    def test_srun_pmix_writes_the_one_process_file(self):
        spec, ref = self.spec("grid", GRID_SPEC)
        out = os.path.join(self.dir, "out.h5")
        p = subprocess.run(["srun", "--mpi=pmix", "-n", "3", "--overcommit",
                            cluster.BIN, "run", spec, "-o", out, "-j", "1"],
                           env=cluster.ENV, capture_output=True, text=True,
                           timeout=cluster.TIMEOUT)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.count("ran 18000 trials"), 1, p.stdout)
        self.assert_same(out, ref)

    def test_scancel_then_sbatch_again_completes_the_file(self):
        spec, ref = self.spec("long", LONG_SPEC)
        out = os.path.join(self.dir, "out.h5")
        jid = self.sbatch("first.log", spec, out)
        self.wait_for("the results file made", lambda: os.path.exists(out))
        time.sleep(0.6)  # the first deals written
        self.assertEqual(self.state(jid)[0], "RUNNING", self.log("first.log"))
        self.slurm("scancel", jid)
        first_state = self.wait_done(jid)
        first = self.log("first.log")
        self.assertEqual(first_state, ("CANCELLED", "143:0"), first)
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
    cluster.main(["munged", "slurmctld", "slurmd", "sbatch", "srun",
                  "scontrol", "scancel", "squeue"])
