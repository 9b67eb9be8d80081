"""What synsweep guarantees when things go wrong: a sweep killed at any
moment (SIGKILL included) leaves a file that opens and a resume that ends
byte-equal to an uninterrupted run; SIGTERM, SIGINT, SIGHUP and SIGUSR1 stop cleanly, also while the file is
made or compressed, and with standard error closed; full
disks, unwritable paths and foreign files are clear errors that lose no
finished trial; diverging dynamics give NaN metrics and a status, not a
crash. Run: python3 faults_test.py path/to/synsweep
"""
import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import h5py
import numpy as np

import e2e
from e2e import run

METRICS = ["firing_rate", "n_spikes", "cv_isi", "fmp_mean", "fmp_std",
           "v_mean", "gE_mean", "gI_mean"]
# Under a second of work for the fast kernels on two cores.
LONG_SPEC = "model: lif_cond_stp\nseed: 11\nrepeats: 80\n" \
            "sweep:\n  exc_rate: {linspace: [5, 25, 100]}\n  inh_rate: [10, 20, 30, 40, 50]\n"
# Cheap trials, many of them: a file that takes a moment to make and to
# compress (2,000,000 trials, 20 MB uncompressed).
WIDE_SPEC = "model: stp_train\nrepeats: 2000\n" \
            "sweep:\n  rate: {linspace: [5, 40, 1000]}\nmetrics: [g1]\n"


def strays(out):
    """What a run of out left beside it: FILE.creating-*, FILE.compacting-*
    (directories), FILE.lock."""
    return sorted(glob.glob(glob.escape(out) + ".*"))


def datasets(path):
    with h5py.File(path, "r") as f:
        return {k: f[k][...] for k in METRICS + ["done", "status"]}


class Faults(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="synsweep-faults-")
        self.spec = os.path.join(self.tmp, "long.yaml")
        with open(self.spec, "w") as f:
            f.write(LONG_SPEC)
        self.mounts = []

    def tearDown(self):
        for m in self.mounts:
            subprocess.run(["umount", m], capture_output=True)
        shutil.rmtree(self.tmp)

    def reference(self):
        path = os.path.join(self.tmp, "reference.h5")
        began = time.monotonic()
        run("run", self.spec, "-o", path, "--quiet")
        self.reference_seconds = time.monotonic() - began
        return datasets(path)

    def start(self, out, resume, spec=None, stderr_closed=False):
        args = [e2e.BIN, "run", spec or self.spec, "-o", out, "--quiet", "-j", "2"]
        if resume:
            args.append("--resume")
        if stderr_closed:
            # descriptor 2 closed, not /dev/null: the next file opened
            # would get it
            return subprocess.Popen(["bash", "-c", 'exec "$0" "$@" 2>&-', *args],
                                    stdout=subprocess.PIPE, text=True)
        return subprocess.Popen(args, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def assert_complete(self, path, ref):
        got = datasets(path)
        for k in METRICS + ["done", "status"]:
            self.assertEqual(got[k].tobytes(), ref[k].tobytes(), k)

    def mid_run(self, proc, out, share=0.3):
        """Waits until the sweep is under way: its file made, a moment on
        (a share of the reference run's time, at most a quarter second:
        a faster machine or build is still mid-run then)."""
        for _ in range(3000):
            if os.path.exists(out) or proc.poll() is not None:
                break
            time.sleep(0.01)
        time.sleep(min(0.25, share * self.reference_seconds))
        self.assertIsNone(proc.poll(), "the sweep ended before the signal")

    def assert_consistent(self, path, ref):
        """The file opens, in h5py and in synsweep, and every trial it calls
        done has exactly the reference's numbers."""
        got = datasets(path)
        done = got["done"] == 1
        for k in METRICS + ["status"]:
            self.assertEqual(got[k][done].tobytes(), ref[k][done].tobytes(), k)
        p = run("info", path, check=False)
        # 0 complete, 3 incomplete: never an error
        self.assertEqual(p.returncode, 0 if done.all() else 3, p.stderr)
        self.assertIn(f"trials   {int(done.sum())} of", p.stdout)
        return int(done.sum())

    def test_sigkill_at_ten_moments_then_resume_is_byte_equal(self):
        ref = self.reference()
        out = os.path.join(self.tmp, "killed.h5")
        done_before, kills = 0, 0
        # the moments spread over the run as long as this machine and
        # build take for it, from 3% to 39% of the whole (each killed
        # run is resumed by the next)
        for k in range(10):
            proc = self.start(out, resume=os.path.exists(out))
            time.sleep(self.reference_seconds * (0.03 + 0.04 * k))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            proc.communicate()
            if not os.path.exists(out):
                continue  # killed before the file existed
            done = self.assert_consistent(out, ref)
            self.assertGreaterEqual(done, done_before)
            done_before = done
        self.assertGreaterEqual(kills, 5)
        run("run", self.spec, "-o", out, "--resume", "--quiet")
        got = datasets(out)
        for k in METRICS + ["done", "status"]:
            self.assertEqual(got[k].tobytes(), ref[k].tobytes(), k)
        # the finished file is compressed, like an uninterrupted one
        with h5py.File(out, "r") as f:
            self.assertEqual(f["fmp_mean"].compression, "gzip")
        self.assertEqual(strays(out), [])

    def test_sigterm_sighup_sigusr1_stop_cleanly_and_say_how_to_resume(self):
        ref = self.reference()
        for sig, status in ((signal.SIGTERM, 143), (signal.SIGHUP, 129),
                            (signal.SIGUSR1, 138)):
            with self.subTest(signal=sig.name):
                out = os.path.join(self.tmp, f"{sig.name}.h5")
                proc = self.start(out, resume=False)
                self.mid_run(proc, out)
                proc.send_signal(sig)
                _, err = proc.communicate(timeout=30)
                self.assertEqual(proc.returncode, status, err)
                self.assertIn(f"interrupted by {sig.name}", err)
                command = f"synsweep run {self.spec} -o {out} --resume"
                self.assertIn(command, err)
                done = self.assert_consistent(out, ref)
                self.assertIn(f"{done} of 40000 trials are done", err)
                # the command it printed completes the sweep
                p = run(*command.split()[1:])
                self.assertIn(f"resuming {out}: {done} of 40000 trials done",
                              p.stdout)
                self.assert_complete(out, ref)

    def test_resume_command_quotes_paths_for_the_shell(self):
        ref = self.reference()
        where = os.path.join(self.tmp, "it's a dir")
        os.mkdir(where)
        spec = os.path.join(where, "long spec.yaml")
        shutil.copy(self.spec, spec)
        out = os.path.join(where, "out put.h5")
        proc = self.start(out, resume=False, spec=spec)
        self.mid_run(proc, out)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 143, err)
        q = lambda path: "'" + path.replace("'", "'\\''") + "'"
        command = f"synsweep run {q(spec)} -o {q(out)} --resume"
        self.assertIn(f"  resume with: {command}\n", err)
        # the line, pasted into a shell, completes the sweep
        env = dict(os.environ, PATH=os.path.dirname(e2e.BIN) + os.pathsep
                   + os.environ["PATH"])
        p = subprocess.run(["sh", "-c", command + " --quiet"], env=env,
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assert_complete(out, ref)

    def stop_during(self, spec, out, suffix, resume=False):
        """Starts a run and stops it (SIGSTOP) while its temporary
        FILE+suffix-XXXXXX exists; the process, or None if no attempt
        caught that moment."""
        pattern = glob.escape(out + suffix) + "-*"
        for _ in range(10):
            proc = self.start(out, resume, spec=spec)
            while proc.poll() is None and not glob.glob(pattern):
                pass
            proc.send_signal(signal.SIGSTOP)
            if glob.glob(pattern):
                return proc
            proc.send_signal(signal.SIGCONT)
            proc.communicate(timeout=60)
            if os.path.exists(out):
                os.unlink(out)
            self.assertEqual(strays(out), [])
        return None

    def test_sigterm_while_the_file_is_made_stops_after_making_it(self):
        spec = os.path.join(self.tmp, "wide.yaml")
        with open(spec, "w") as f:
            f.write(WIDE_SPEC)
        out = os.path.join(self.tmp, "made.h5")
        proc = self.stop_during(spec, out, ".creating")
        if proc is None:
            self.skipTest("the file was always made before the signal")
        self.assertFalse(os.path.exists(out))
        proc.send_signal(signal.SIGTERM)
        proc.send_signal(signal.SIGCONT)
        _, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 143, err)
        self.assertIn("interrupted by SIGTERM: stopped; 0 of 2000000 trials "
                      "are done", err)
        self.assertIn(f"resume with: synsweep run {spec} -o {out} --resume",
                      err)
        self.assertEqual(strays(out), [])
        with h5py.File(out, "r") as f:
            self.assertEqual(int(f["done"][...].sum()), 0)
        run("run", spec, "-o", out, "--resume", "--quiet")
        ref = os.path.join(self.tmp, "wide-ref.h5")
        run("run", spec, "-o", ref, "--quiet")
        with h5py.File(out, "r") as a, h5py.File(ref, "r") as b:
            for k in ("g1", "done", "status"):
                self.assertEqual(a[k][...].tobytes(), b[k][...].tobytes(), k)

    def test_sigterm_while_the_compressed_file_is_built_stops_cleanly(self):
        # the compressed file is built beside the working one while the
        # trials run (FILE.compacting-XXXXXX): a SIGTERM then stops the
        # run (or, after the last trial, lets the file finish), removes
        # the half-built copy, and --resume gives the uninterrupted file
        spec = os.path.join(self.tmp, "wide.yaml")
        with open(spec, "w") as f:
            f.write(WIDE_SPEC)
        ref = os.path.join(self.tmp, "wide-ref.h5")
        run("run", spec, "-o", ref, "--quiet")
        out = os.path.join(self.tmp, "compact.h5")
        proc = self.stop_during(spec, out, ".compacting")
        if proc is None:
            self.skipTest("never caught the compressed file being built")
        proc.send_signal(signal.SIGTERM)
        proc.send_signal(signal.SIGCONT)
        _, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 143, err)
        self.assertRegex(err, "interrupted by SIGTERM(: stopped; [0-9]+ of "
                         "| after the last trial: all )2000000 trials")
        self.assertEqual(strays(out), [])
        with h5py.File(out, "r") as f:  # opens: the working file or all
            done = int(f["done"][...].sum())
        p = run("run", spec, "-o", out, "--resume")
        self.assertIn(f"{done} of 2000000 trials done", p.stdout)
        self.assertEqual(strays(out), [])
        with h5py.File(out, "r") as a, h5py.File(ref, "r") as b:
            self.assertEqual(a["g1"].compression, "gzip")
            for k in ("g1", "done", "status"):
                self.assertEqual(a[k][...].tobytes(), b[k][...].tobytes(), k)

    def test_double_sigint_with_stderr_closed_never_touches_the_file(self):
        # "stopped at once" goes to descriptor 2: were it closed, the
        # results file could have it, and the message would land in it
        ref = self.reference()
        out = os.path.join(self.tmp, "closed.h5")
        for k in range(5):
            proc = self.start(out, resume=os.path.exists(out),
                              stderr_closed=True)
            self.mid_run(proc, out, share=0.2)
            proc.send_signal(signal.SIGINT)
            time.sleep(0.05)
            proc.send_signal(signal.SIGINT)
            proc.communicate(timeout=30)
            self.assertEqual(proc.returncode, 130)
            with open(out, "rb") as f:
                self.assertNotIn(b"stopped at once", f.read())
            self.assert_consistent(out, ref)
        run("run", self.spec, "-o", out, "--resume", "--quiet")
        self.assert_complete(out, ref)

    def test_second_sigint_exits_at_once(self):
        ref = self.reference()
        out = os.path.join(self.tmp, "int.h5")
        proc = self.start(out, resume=False)
        self.mid_run(proc, out)
        proc.send_signal(signal.SIGINT)
        proc.send_signal(signal.SIGINT)
        t0 = time.time()
        _, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 130)
        self.assertLess(time.time() - t0, 2)
        self.assert_consistent(out, ref)
        run("run", self.spec, "-o", out, "--resume", "--quiet")
        self.assertEqual(datasets(out)["fmp_mean"].tobytes(), ref["fmp_mean"].tobytes())

    def tmpfs(self, size):
        path = os.path.join(self.tmp, f"disk{len(self.mounts)}")
        os.mkdir(path)
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", path],
                           capture_output=True, text=True)
        if p.returncode != 0:
            self.skipTest(f"cannot mount a small file system here: {p.stderr.strip()}")
        self.mounts.append(path)
        return path

    def test_full_disk_at_creation_is_an_error_and_leaves_nothing(self):
        disk = self.tmpfs("64k")
        out = os.path.join(disk, "x.h5")
        p = run("run", self.spec, "-o", out, "--quiet", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertRegex(p.stderr, f"cannot create '{out}': it needs [0-9.]+ MB "
                                   "and the disk has [0-9.]+ MB free")
        self.assertFalse(os.path.exists(out))

    def test_full_disk_when_compressing_keeps_every_trial(self):
        # room for the finished file uncompressed, not for its compressed
        # copy beside it
        probe = os.path.join(self.tmp, "probe.h5")
        proc = self.start(probe, resume=False)
        time.sleep(0.3)
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        size = os.path.getsize(probe)
        # the free-space check wants the dry-run's bound (at least the
        # uncompressed file): give it that, far less than the copy needs
        dry = run("run", self.spec, "-o", probe, "--dry-run").stdout
        bound = float(dry.split("at most ")[1].split(" MB")[0]) * 1e6
        self.assertGreaterEqual(bound, size)
        disk = self.tmpfs(str(int(bound) + 12 * 1024))
        out = os.path.join(disk, "x.h5")
        p = run("run", self.spec, "-o", out, "--quiet", check=False)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("warning", p.stderr)
        self.assertIn("no room on the disk to compress the finished file "
                      "(it is complete, uncompressed)", p.stderr)
        ref = self.reference()
        got = datasets(out)
        for k in METRICS + ["done", "status"]:
            self.assertEqual(got[k].tobytes(), ref[k].tobytes(), k)
        self.assertEqual(strays(out), [])

    def test_unwritable_output_path_is_an_error(self):
        blocker = os.path.join(self.tmp, "a-file")
        open(blocker, "w").close()
        out = os.path.join(blocker, "x.h5")  # a file is no directory
        p = run("run", self.spec, "-o", out, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn(f"cannot create '{out}': Not a directory", p.stderr)

    def test_resume_refuses_foreign_files(self):
        text = os.path.join(self.tmp, "notes.h5")
        with open(text, "w") as f:
            f.write("not HDF5\n")
        p = run("run", self.spec, "-o", text, "--resume", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("not a readable HDF5 file", p.stderr)
        self.assertEqual(open(text).read(), "not HDF5\n")

        foreign = os.path.join(self.tmp, "foreign.h5")
        with h5py.File(foreign, "w") as f:
            f["firing_rate"] = np.zeros(3)
        p = run("run", self.spec, "-o", foreign, "--resume", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("not a synsweep results file of layout synsweep-results-1",
                      p.stderr)
        p = run("info", foreign, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("not a synsweep results file", p.stderr)

        other = os.path.join(self.tmp, "other.yaml")
        with open(other, "w") as f:
            f.write(LONG_SPEC.replace("seed: 11", "seed: 12"))
        theirs = os.path.join(self.tmp, "theirs.h5")
        proc = subprocess.Popen([e2e.BIN, "run", other, "-o", theirs, "--quiet"])
        time.sleep(0.4)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        before = open(theirs, "rb").read()
        p = run("run", self.spec, "-o", theirs, "--resume", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn(f"cannot resume '{theirs}': the file's sweep differs "
                      "from this spec: seed 12 \u2260 11 (file \u2260 spec)",
                      p.stderr)
        p = run("run", other, "-o", theirs, "--resume", "--kernel", "reference",
                check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("it was run with the fast kernel, not reference", p.stderr)
        self.assertIn("hint: add --kernel fast", p.stderr)
        self.assertEqual(open(theirs, "rb").read(), before)

        # --resume on a file not made yet starts it (shards_test runs one):
        # here where it cannot be made
        none = os.path.join(self.tmp, "no-dir", "none.h5")
        p = run("run", self.spec, "-o", none, "--resume", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn(f"cannot create '{none}': No such file or directory",
                      p.stderr)

    def test_diverging_dynamics_give_nan_and_a_status(self):
        spec = os.path.join(self.tmp, "blowup.yaml")
        with open(spec, "w") as f:
            # dt / tau_m = 2.5: the Euler step of v is unstable
            f.write("model: lif_cond\nrepeats: 3\nfixed: {T: 200}\n"
                    "sweep:\n  tau_m: [10, 0.04, 20]\n")
        out = os.path.join(self.tmp, "blowup.h5")
        p = run("run", spec, "-o", out)
        self.assertIn("9 of 9 done (100.0%), 3 diverged", p.stdout)
        with h5py.File(out, "r") as f:
            np.testing.assert_array_equal(f["status"][...][:, 0], [0, 1, 0])
            self.assertEqual(f["status"].attrs["flag_meanings"], "ok diverged")
            for k in METRICS:
                self.assertTrue(np.all(np.isnan(f[k][1])), k)
                self.assertTrue(np.all(np.isfinite(f[k][[0, 2]][..., :])) or k == "cv_isi", k)
        for kernel in ("fast", "reference"):
            p = run("trial", "lif_cond", "--set", "tau_m=0.04", "--kernel", kernel)
            self.assertIn("status\tdiverged", p.stdout)
            self.assertIn("fmp_mean\tnan", p.stdout)


if __name__ == "__main__":
    e2e.main()
