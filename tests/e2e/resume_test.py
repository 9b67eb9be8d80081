"""`run --resume` compares the sweep's meaning, not its text: a sweep
interrupted and resumed with its spec edited only in comments, blanks, key
order, YAML style or the spelling of numbers ends byte-equal to an
uninterrupted run and keeps the text it was started with; a real change is
refused (exit 2) naming the first difference, with a hint that prints the
file's text, and the file is left byte for byte as it was. A resumed run's
progress line counts this run's trials. Run: python3 resume_test.py
path/to/synsweep
"""
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import h5py

import e2e
from e2e import run

METRICS = ["firing_rate", "n_spikes", "cv_isi", "fmp_mean", "fmp_std",
           "v_mean", "gE_mean", "gI_mean"]
NE = "\u2260"
# About two seconds of work for the fast kernels on two cores.
SPEC = """\
model: lif_cond_stp
seed: 11
repeats: 80
fixed: {gE_bar: 4.8, tau_syn_E: 5}
sweep:
  exc_rate: {linspace: [5, 25, 100]}
  inh_rate: [10, 20, 30, 40, 50]
"""
# The same sweep, written otherwise.
SAME = {
    "comments and blanks": """\
# the bonus demo's neuron, driven harder
model:   lif_cond_stp     # with STP

seed: 11
repeats: 80
fixed: {gE_bar: 4.8,   tau_syn_E: 5}
sweep:
    exc_rate: {linspace: [5, 25, 100]}   # Hz
    inh_rate: [10, 20, 30, 40, 50]
""",
    "key order": """\
sweep:
  exc_rate: {linspace: [5, 25, 100]}
  inh_rate: [10, 20, 30, 40, 50]
fixed: {tau_syn_E: 5, gE_bar: 4.8}
repeats: 80
seed: 11
model: lif_cond_stp
""",
    "number spelling and YAML style": """\
model: "lif_cond_stp"
seed: 11
repeats: 80
fixed:
  gE_bar: 4.80
  tau_syn_E: 5.0e0
sweep:
  exc_rate:
    linspace: [5.0, 2.5e1, 100]
  inh_rate:
    - 1e1
    - 20.
    - '30'
    - 40
    - 50
""",
}
# A real change: the edit and the exact difference it makes.
CHANGES = [
    (("seed: 11", "seed: 12"), f"seed 11 {NE} 12"),
    (("[5, 25, 100]", "[5, 25, 101]"), f"axis exc_rate: 100 values {NE} 101"),
    (("gE_bar: 4.8", "gE_bar: 4.9"), f"fixed gE_bar 4.8 {NE} 4.9"),
    (("[10, 20, 30, 40, 50]", "[10, 20, 35, 40, 50]"),
     f"axis inh_rate: value 3 is 30 {NE} 35"),
]
# The hint's command as a user's shell runs it: Debian's python3 first.
SHELL_ENV = dict(os.environ, PATH="/usr/bin:" + os.environ.get("PATH", ""))


def datasets(path):
    with h5py.File(path, "r") as f:
        return {k: f[k][...] for k in METRICS + ["done", "status"]}


def done_in(path):
    """Trials done so far in a file being written (0 while it cannot be
    read): read without HDF5's lock, which the writer holds."""
    try:
        with h5py.File(path, "r", locking=False) as f:
            return int(f["done"][...].sum())
    except (OSError, KeyError):
        return 0


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


class Resume(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="synsweep-resume-")
        cls.spec = os.path.join(cls.tmp, "sweep.yaml")
        with open(cls.spec, "w") as f:
            f.write(SPEC)
        ref = os.path.join(cls.tmp, "reference.h5")
        run("run", cls.spec, "-o", ref, "--quiet")
        cls.ref = datasets(ref)
        with h5py.File(ref, "r") as f:
            cls.ref_sha = f.attrs["spec_sha256"]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def interrupted(self, name):
        """A results file of SPEC stopped by SIGINT with some trials done
        and some not: the signal goes as soon as the first block is in."""
        out = os.path.join(self.tmp, name)
        for _ in range(3):
            if os.path.exists(out):
                os.unlink(out)
            proc = subprocess.Popen([e2e.BIN, "run", self.spec, "-o", out,
                                     "--quiet", "-j", "2"],
                                    stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
            while proc.poll() is None and done_in(out) == 0:
                time.sleep(0.02)
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=60)
            if proc.returncode != 130:
                continue  # it ended before the signal
            done = int(datasets(out)["done"].sum())
            if 0 < done < 40000:
                return out, done
        self.skipTest("no interruption left the sweep part done")

    def assert_complete(self, path):
        got = datasets(path)
        for k in METRICS + ["done", "status"]:
            self.assertEqual(got[k].tobytes(), self.ref[k].tobytes(), k)

    def test_text_edits_that_keep_the_sweep_resume_byte_equal(self):
        for what, text in SAME.items():
            with self.subTest(edit=what):
                out, done = self.interrupted("edited.h5")
                edited = self.write("edited.yaml", text)
                p = run("run", edited, "-o", out, "--resume")
                self.assertIn(f"resuming {out}: {done} of 40000 trials done, "
                              f"{40000 - done} to run", p.stdout)
                self.assert_complete(out)
                # the file keeps the text that was run, and its digest
                with h5py.File(out, "r") as f:
                    self.assertEqual(f.attrs["spec"], SPEC)
                    self.assertEqual(f.attrs["spec_sha256"], self.ref_sha)
                    self.assertEqual(f.attrs["name"], "sweep")
                    self.assertEqual(f["fmp_mean"].compression, "gzip")

    def test_real_changes_are_refused_and_leave_the_file_untouched(self):
        out, _ = self.interrupted("changed.h5")
        before = read_bytes(out)
        for (old, new), diff in CHANGES:
            with self.subTest(change=new):
                self.assertIn(old, SPEC)
                changed = self.write("changed.yaml", SPEC.replace(old, new))
                p = run("run", changed, "-o", out, "--resume", check=False)
                self.assertEqual(p.returncode, 2, p.stderr)
                lines = p.stderr.splitlines()
                self.assertEqual(
                    lines[0],
                    f"synsweep: error: cannot resume '{out}': the file's "
                    f"sweep differs from this spec: {diff} (file {NE} spec)")
                self.assertTrue(lines[1].startswith(
                    "  hint: the sweep in the file: "), lines)
                self.assertEqual(read_bytes(out), before)
        # the hint's command prints the text the file was made from
        command = lines[1].split("the sweep in the file: ", 1)[1]
        self.assertTrue(command.endswith(out), command)
        shown = subprocess.run(["sh", "-c", command], capture_output=True,
                               text=True, env=SHELL_ENV)
        self.assertEqual(shown.returncode, 0, shown.stderr)
        self.assertEqual(shown.stdout, SPEC)
        # and the file, untouched, still completes with its own spec
        run("run", self.spec, "-o", out, "--resume", "--quiet")
        self.assert_complete(out)

    def test_hint_quotes_a_path_for_the_shell(self):
        where = os.path.join(self.tmp, "it's here")
        os.makedirs(where, exist_ok=True)
        out, _ = self.interrupted("quoted.h5")
        moved = os.path.join(where, "a run.h5")
        os.rename(out, moved)
        changed = self.write("seed.yaml", SPEC.replace("seed: 11", "seed: 2"))
        p = run("run", changed, "-o", moved, "--resume", check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        q = "'" + moved.replace("'", "'\\''") + "'"
        hint = p.stderr.splitlines()[1]
        self.assertTrue(hint.endswith(" " + q), hint)
        command = hint.split("the sweep in the file: ", 1)[1]
        shown = subprocess.run(["sh", "-c", command], capture_output=True,
                               text=True, env=SHELL_ENV)
        self.assertEqual(shown.stdout, SPEC, shown.stderr)

    def test_a_file_whose_text_does_not_load_is_refused_by_digest(self):
        out, _ = self.interrupted("garbled.h5")
        with h5py.File(out, "r+") as f:
            f.attrs["spec"] = "model: [not a spec"
        before = read_bytes(out)
        edited = self.write("blank.yaml", "\n" + SPEC)
        p = run("run", edited, "-o", out, "--resume", check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn(f"cannot resume '{out}': it holds another sweep (spec "
                      f"SHA-256 {self.ref_sha[:12]}..., seed 11", p.stderr)
        self.assertEqual(read_bytes(out), before)

    def test_progress_after_a_resume_counts_this_runs_trials(self):
        out, done = self.interrupted("progress.h5")
        to_run = 40000 - done
        # progress shows only on a terminal: standard error on a pty
        master, slave = pty.openpty()
        proc = subprocess.Popen([e2e.BIN, "run", self.spec, "-o", out,
                                 "--resume", "-j", "2"],
                                stdout=subprocess.DEVNULL, stderr=slave)
        os.close(slave)
        shown = b""
        while True:
            ready, _, _ = select.select([master], [], [], 60)
            if not ready:
                break
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the pty is closed once the process ends
                break
            if not chunk:
                break
            shown += chunk
        os.close(master)
        self.assertEqual(proc.wait(timeout=60), 0)
        reports = re.findall(
            r"(\d+)/(\d+) trials  \(\+(\d+) done before\)\s+([\d.]+)%",
            shown.decode())
        self.assertTrue(reports, shown.decode())
        for n, total, before, percent in reports:
            self.assertEqual(int(total), to_run)
            self.assertEqual(int(before), done)
            self.assertLessEqual(int(n), to_run)
            self.assertAlmostEqual(float(percent), 100 * int(n) / to_run,
                                   delta=0.051)
        self.assertEqual(int(reports[-1][0]), to_run)
        self.assert_complete(out)


class KernelVersion(unittest.TestCase):
    """A file of the fast kernels records the version of their random
    numbers (root attribute kernel_version; none means 1, the files made
    before it): a file of another version is neither resumed nor merged,
    the message names both versions, and the file stays as it was."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="synsweep-kversion-")
        self.spec = os.path.join(self.tmp, "s.yaml")
        with open(self.spec, "w") as f:
            f.write("model: lif_cond\nseed: 3\nrepeats: 64\n"
                    "fixed: {T: 50}\n")
        self.parts = []
        for k in (0, 1):
            p = os.path.join(self.tmp, f"part{k}.h5")
            run("run", self.spec, "-o", p, "--shard", f"{k}/2", "-q")
            self.parts.append(p)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def older(self, path, version):
        """path as a file of fast-kernel version `version` (None: made
        before the attribute)."""
        with h5py.File(path, "r+") as f:
            self.assertEqual(int(f.attrs["kernel_version"]), 3)
            del f.attrs["kernel_version"]
            if version is not None:
                f.attrs["kernel_version"] = version
        return read_bytes(path)

    def test_resume_refuses_another_version(self):
        for version, shown in ((None, 1), (2, 2), (7, 7)):
            with self.subTest(version=version):
                out = os.path.join(self.tmp, "whole.h5")
                run("run", self.spec, "-o", out, "-q", "--force")
                before = self.older(out, version)
                p = run("run", self.spec, "-o", out, "--resume", check=False)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn(
                    f"cannot resume '{out}': it was run with version {shown} "
                    "of the fast kernels, which draw other random numbers "
                    "than this synsweep's (version 3)", p.stderr)
                self.assertEqual(read_bytes(out), before)

    def test_merge_refuses_another_version(self):
        before = self.older(self.parts[1], None)
        out = os.path.join(self.tmp, "merged.h5")
        p = run("merge", "-o", out, *self.parts, check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn(f"cannot merge '{self.parts[1]}': it was run with "
                      "version 1 of the fast kernels", p.stderr)
        self.assertFalse(os.path.exists(out))
        self.assertEqual(read_bytes(self.parts[1]), before)

    def test_parts_of_this_version_merge(self):
        out = os.path.join(self.tmp, "merged.h5")
        run("merge", "-o", out, *self.parts)
        with h5py.File(out, "r") as f:
            self.assertEqual(int(f.attrs["kernel_version"]), 3)
            self.assertEqual(f.attrs["kernel"], "fast")


if __name__ == "__main__":
    e2e.main()
