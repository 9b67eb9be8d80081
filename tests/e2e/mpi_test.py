"""One sweep spread over MPI ranks (a build with -DSYNSWEEP_MPI=ON): the
file `mpirun -np R synsweep run` writes is byte-equal, in every metric,
`status` and `done`, to one process's, for any number of ranks and threads,
either kernel; a SIGTERM to mpirun stops the job cleanly (rank 0 writes what
was finished, prints the resume command and exits 143) and `--resume` under
mpirun completes the file byte-equal; SIGUSR1 is forwarded and the job ends
with 138, and one process completes the file; errors end the job without
hanging, said once. Run: python3 mpi_test.py path/to/synsweep path/to/mpiexec
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import h5py

import e2e

MPIEXEC = None
# root may run mpirun, and 3 ranks may share 2 cores
MPI_FLAGS = ["--allow-run-as-root", "--oversubscribe"]
LIF = ["firing_rate", "n_spikes", "cv_isi", "fmp_mean", "fmp_std", "v_mean",
       "gE_mean", "gI_mean"]
STP = ["g1", "g10", "g_ratio", "u1", "R1", "u10", "R10"]
# 18,000 cheap trials over two chunks of the file: many deals.
GRID_SPEC = ("model: lif_cond\nseed: 5\nrepeats: 40\nfixed: {T: 300}\n"
             "sweep:\n  exc_rate: {linspace: [4, 20, 30]}\n"
             "  inh_rate: [10, 30, 50]\n  I_inj: [0, 40, 80, 120, 160]\n")
# The reference kernels, which the other ranks must use too.
STP_SPEC = ("model: stp_train\nseed: 3\nrepeats: 30\n"
            "sweep:\n  rate: {linspace: [2, 40, 20]}\n"
            "  regime:\n    zip: {U0: [0.5, 0.2], tau_f: [50, 750]}\n")
# A few seconds of work on two cores (about 2 s on 3 ranks): long enough
# that a signal lands half-way.
LONG_SPEC = ("model: lif_cond_stp\nseed: 11\nrepeats: 100\n"
             "fixed: {T: 2000}\n"
             "sweep:\n  exc_rate: {linspace: [5, 25, 100]}\n"
             "  inh_rate: [10, 20, 30, 40, 50]\n")


# mpirun ends a job whose ranks exit non-zero a second or two later,
# waiting to SIGKILL ranks that are gone: its own wait, not ours, skipped
# where no SIGTERM is involved
QUICK_END = dict(os.environ, OMPI_MCA_odls_base_sigkill_timeout="0")


def datasets(path, metrics):
    with h5py.File(path, "r") as f:
        return {k: f[k][...] for k in metrics + ["done", "status"]}


class Mpi(e2e.WorkdirCase):
    @classmethod
    def setUpClass(cls):
        """One process's file of LONG_SPEC, which two tests compare with."""
        cls.long_dir = tempfile.mkdtemp(prefix="synsweep-mpi-long-")
        cls.long_spec = os.path.join(cls.long_dir, "long.yaml")
        with open(cls.long_spec, "w") as f:
            f.write(LONG_SPEC)
        cls.long_ref = os.path.join(cls.long_dir, "ref.h5")
        began = time.monotonic()
        subprocess.run([e2e.BIN, "run", cls.long_spec, "-o", cls.long_ref, "-q"],
                       check=True, timeout=120)
        # how long the sweep takes this machine and build: the signals
        # below come a share of it after the start, never a fixed moment
        # a faster machine could outrun
        cls.long_seconds = time.monotonic() - began

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.long_dir)

    def serial(self, spec, out, *args):
        p = subprocess.run([e2e.BIN, "run", spec, "-o", out, "-q", *args],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)

    def mpirun(self, ranks, *args, timeout=120, env=None):
        return subprocess.run([MPIEXEC, *MPI_FLAGS, "-np", str(ranks), e2e.BIN,
                               *args], capture_output=True, text=True,
                              timeout=timeout, env=env)

    def assert_same(self, got, ref, metrics, done_only=False):
        a, b = datasets(got, metrics), datasets(ref, metrics)
        mask = a["done"] == 1
        for k in metrics + ["done", "status"]:
            if done_only and k != "done":
                self.assertEqual(a[k][mask].tobytes(), b[k][mask].tobytes(), k)
            elif not done_only:
                self.assertEqual(a[k].tobytes(), b[k].tobytes(), k)
        return int(mask.sum())

    def test_any_ranks_and_threads_give_the_one_process_file(self):
        spec = self.spec("grid", GRID_SPEC)
        ref = os.path.join(self.tmp, "ref.h5")
        self.serial(spec, ref, "-j", "2")
        for ranks, jobs in ((3, ["-j", "1"]), (2, ["-j", "2"]), (3, [])):
            with self.subTest(ranks=ranks, jobs=jobs):
                out = os.path.join(self.tmp, f"np{ranks}{''.join(jobs)}.h5")
                p = self.mpirun(ranks, "run", spec, "-o", out, *jobs)
                self.assertEqual(p.returncode, 0, p.stderr)
                # rank 0 alone prints the summary
                self.assertEqual(p.stdout.count("ran 18000 trials"), 1,
                                 p.stdout)
                self.assertIn(f"of {ranks} MPI ranks", p.stdout)
                self.assertIn("18000 of 18000 done", p.stdout)
                self.assert_same(out, ref, LIF)

    def test_the_other_ranks_use_rank_0s_kernel(self):
        spec = self.spec("stp", STP_SPEC)
        ref = os.path.join(self.tmp, "ref.h5")
        self.serial(spec, ref, "--kernel", "reference")
        out = os.path.join(self.tmp, "mpi.h5")
        p = self.mpirun(3, "run", spec, "-o", out, "-q", "-j", "1",
                        "--kernel", "reference")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "")  # --quiet on every rank
        self.assert_same(out, ref, STP)
        with h5py.File(out, "r") as f:
            self.assertEqual(f.attrs["kernel"], "reference")

    def test_sigterm_to_mpirun_stops_cleanly_and_resume_is_byte_equal(self):
        spec, ref = self.long_spec, self.long_ref
        out = os.path.join(self.tmp, "stopped.h5")
        # mpirun answers SIGTERM with its own exit status (1): each rank's
        # is kept by a shell around it that ignores the signals itself
        keep = ('trap "" TERM INT HUP USR1; "$0" "$@"; '
                'echo $? > "$SS_STATUS.$OMPI_COMM_WORLD_RANK"')
        env = dict(os.environ, SS_STATUS=os.path.join(self.tmp, "status"))
        proc = subprocess.Popen([MPIEXEC, *MPI_FLAGS, "-np", "3", "sh", "-c",
                                 keep, e2e.BIN, "run", spec, "-o", out, "-j", "1"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=env)
        for _ in range(3000):
            if os.path.exists(out) or proc.poll() is not None:
                break
            time.sleep(0.01)
        time.sleep(min(0.6, 0.3 * self.long_seconds))  # the first deals written
        self.assertIsNone(proc.poll(), "the sweep ended before the signal")
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        self.assertNotEqual(proc.returncode, 0)
        with open(os.path.join(self.tmp, "status.0")) as f:
            self.assertEqual(f.read().strip(), "143", err)
        self.assertEqual(err.count("interrupted by SIGTERM"), 1, err)
        command = f"synsweep run {spec} -o {out} --resume"
        self.assertIn(f"  resume with: {command}\n", err)
        done = self.assert_same(out, ref, LIF, done_only=True)
        self.assertIn(f"{done} of 50000 trials are done", err)
        # the command it printed, under mpirun, completes the file
        p = self.mpirun(3, *command.split()[1:], "-j", "1")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(f"resuming {out}: {done} of 50000 trials done",
                      p.stdout)
        self.assert_same(out, ref, LIF)

    def test_sigusr1_is_forwarded_and_one_process_resumes_the_file(self):
        spec = self.long_spec
        out = os.path.join(self.tmp, "warned.h5")
        proc = subprocess.Popen([MPIEXEC, *MPI_FLAGS, "-np", "3", e2e.BIN, "run",
                                 spec, "-o", out, "-j", "1"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=QUICK_END)
        for _ in range(3000):
            if os.path.exists(out) or proc.poll() is not None:
                break
            time.sleep(0.01)
        time.sleep(min(0.3, 0.15 * self.long_seconds))
        self.assertIsNone(proc.poll(), "the sweep ended before the signal")
        proc.send_signal(signal.SIGUSR1)
        _, err = proc.communicate(timeout=60)
        # mpirun forwards SIGUSR1 (Slurm's early warning) and reports the
        # ranks' exit status: every rank ended MPI normally
        self.assertEqual(proc.returncode, 138, err)
        self.assertEqual(err.count("interrupted by SIGUSR1"), 1, err)
        done = self.assert_same(out, self.long_ref, LIF, done_only=True)
        self.assertIn(f"{done} of 50000 trials are done", err)
        # a file an MPI job began, one process completes
        p = subprocess.run([e2e.BIN, "run", spec, "-o", out, "--resume"],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(f"resuming {out}: {done} of 50000 trials done",
                      p.stdout)
        self.assert_same(out, self.long_ref, LIF)

    def test_errors_end_the_job_at_once_said_once(self):
        env = QUICK_END
        bad = self.spec("bad", "model: lif_cond\nfixed: {dt: -0.1}\n")
        out = os.path.join(self.tmp, "bad.h5")
        p = self.mpirun(3, "run", bad, "-o", out, timeout=60, env=env)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertEqual(p.stderr.count("error: dt must be"), 1, p.stderr)
        self.assertFalse(os.path.exists(out))
        # a file that exists, found by rank 0 alone
        spec = self.spec("stp", STP_SPEC)
        with open(out, "w") as f:
            f.write("not mine")
        p = self.mpirun(3, "run", spec, "-o", out, timeout=60, env=env)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertEqual(p.stderr.count("use --force"), 1, p.stderr)
        p = self.mpirun(2, "run", spec, "--bogus", timeout=60, env=env)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertEqual(p.stderr.count("unknown option '--bogus'"), 1,
                         p.stderr)
        # --dry-run: rank 0 estimates, nobody writes
        p = self.mpirun(3, "run", spec, "-o", out + "2", "--dry-run",
                        timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.count("trials  1200"), 1, p.stdout)
        self.assertFalse(os.path.exists(out + "2"))


if __name__ == "__main__":
    MPIEXEC = sys.argv.pop(2)
    e2e.main()
