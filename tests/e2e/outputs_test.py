"""Where results go on disk: outputs that are not files are refused, planted
symbolic links are never followed, a symbolic link named as the output is
written through, one writer per output (HDF5's own locking on or off), and
a second ^C while the file is made or compressed leaves nothing behind.
Run: python3 outputs_test.py path/to/synsweep
"""
import glob
import os
import shutil
import signal
import stat
import subprocess
import tempfile
import time
import unittest

import h5py

import e2e
from e2e import run

# About two seconds of work for the fast kernels on two cores.
LONG_SPEC = "model: lif_cond_stp\nseed: 11\nrepeats: 80\n" \
            "sweep:\n  exc_rate: {linspace: [5, 25, 100]}\n  inh_rate: [10, 20, 30, 40, 50]\n"
# Cheap trials, many: a file that takes a moment to make and to compress.
WIDE_SPEC = "model: stp_train\nrepeats: 2000\n" \
            "sweep:\n  rate: {linspace: [5, 40, 1000]}\nmetrics: [g1]\n"
# A file that takes a few tenths of a second to make (230 MB).
HUGE_SPEC = "model: stp_train\nrepeats: 4000\n" \
            "sweep:\n  rate: {linspace: [5, 40, 1000]}\n"
SMALL_SPEC = "model: stp_train\nrepeats: 3\nsweep:\n  rate: [10, 20]\n"
DATASETS = ["firing_rate", "cv_isi", "fmp_mean", "done", "status"]


def strays(out):
    """What a run of out left beside it."""
    return sorted(glob.glob(glob.escape(out) + ".*"))


def slurp(path, mode="r", n=-1):
    with open(path, mode) as f:
        return f.read(n)


def contents(path, names=DATASETS):
    with h5py.File(path, "r") as f:
        return {k: f[k][...].tobytes() for k in names}


class Outputs(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="synsweep-outputs-")
        self.spec = self.write("long.yaml", LONG_SPEC)
        self.small = self.write("small.yaml", SMALL_SPEC)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def path(self, name):
        return os.path.join(self.tmp, name)

    def start(self, spec, out, *extra, env=None):
        return subprocess.Popen([e2e.BIN, "run", spec, "-o", out, "--quiet", "-j", "2",
                                 *extra], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=env)

    def wait_for(self, proc, pattern):
        """Busy-waits until a path matching pattern exists; then stops the
        process (SIGSTOP). False if the run ended first."""
        while proc.poll() is None and not glob.glob(pattern):
            pass
        proc.send_signal(signal.SIGSTOP)
        return bool(glob.glob(pattern))

    # ---- 1. outputs that are not regular files ----------------------------

    def test_devices_fifos_and_directories_are_refused_force_or_not(self):
        dev = self.path("null-like")
        os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a private node
        fifo = self.path("fifo")
        os.mkfifo(fifo)
        folder = self.path("folder")
        os.mkdir(folder)
        link_to_dev = self.path("dev-link")
        os.symlink(dev, link_to_dev)
        for out, kind in ((dev, "a character device"), (fifo, "a FIFO"),
                          (folder, "a directory"), (link_to_dev, "a character device")):
            for args in (["run", self.small, "-o", out],
                         ["run", self.small, "-o", out, "--force"],
                         ["run", self.small, "-o", out, "--resume"],
                         ["trace", self.small, "--trial", "0", "-o", out, "--force"]):
                with self.subTest(out=os.path.basename(out), args=args[-1]):
                    p = run(*args, check=False)
                    self.assertEqual(p.returncode, 2, p.stderr)
                    self.assertIn(f"'{out}' is {kind}, not a regular file: "
                                  "refusing to write it", p.stderr)
        self.assertTrue(stat.S_ISCHR(os.stat(dev).st_mode))
        self.assertTrue(stat.S_ISFIFO(os.stat(fifo).st_mode))
        self.assertEqual(os.listdir(folder), [])
        self.assertTrue(os.path.islink(link_to_dev))
        self.assertEqual(sorted(os.listdir(self.tmp)),
                         ["dev-link", "fifo", "folder", "long.yaml", "null-like",
                          "small.yaml"])

    # ---- 2. planted links; the private directory ---------------------------

    def test_planted_links_beside_the_output_are_never_followed(self):
        victim = self.write("victim.txt", "precious\n")
        out = self.path("out.h5")
        # the names beside FILE that runs once used, and its lock
        for name in (".creating", ".compacting", ".tmp"):
            os.symlink(victim, out + name)
        p = run("run", self.small, "-o", out, "--quiet")
        with open(victim) as f:
            self.assertEqual(f.read(), "precious\n")
        self.assertEqual(sorted(strays(out)), sorted(out + n for n in
                                                     (".compacting", ".creating", ".tmp")))
        os.symlink(victim, out + ".lock")
        for args in (["run", self.small, "-o", out, "--force"],
                     ["run", self.small, "-o", out, "--resume"],
                     ["trace", self.small, "--trial", "1", "-o", out, "--force"]):
            with self.subTest(args=args[-1]):
                p = run(*args, check=False)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn(f"cannot lock '{out}': '{out}.lock' is a symbolic "
                              "link (planted?); remove it", p.stderr)
        with open(victim) as f:
            self.assertEqual(f.read(), "precious\n")
        self.assertTrue(os.path.islink(out + ".lock"))

    def test_the_file_is_made_in_a_private_directory(self):
        spec = self.write("wide.yaml", WIDE_SPEC)
        out = self.path("wide.h5")
        proc = self.start(spec, out)
        try:
            if not self.wait_for(proc, glob.escape(out) + ".creating-*/*"):
                self.skipTest("the file was made before it could be seen")
            (made,) = glob.glob(glob.escape(out) + ".creating-*")
            self.assertRegex(made, r"\.creating-[A-Za-z0-9]{6}$")
            self.assertTrue(os.path.isdir(made))
            self.assertEqual(stat.S_IMODE(os.stat(made).st_mode), 0o700)
            self.assertEqual(os.listdir(made), ["wide.h5"])
            self.assertFalse(os.path.exists(out))
        finally:
            proc.send_signal(signal.SIGCONT)
            proc.communicate(timeout=120)
        self.assertEqual(proc.returncode, 0)
        self.assertEqual(strays(out), [])

    def test_what_a_killed_run_left_is_removed_by_the_next_writer(self):
        out = self.path("out.h5")
        for name in ("out.h5.creating-Ab3dEf", "out.h5.compacting-xY12zz"):
            os.mkdir(self.path(name), 0o700)
            self.write(os.path.join(name, "out.h5"), "half made")
        self.write("out.h5.lock", "12345 elsewhere\n")  # no lock held on it
        run("run", self.small, "-o", out, "--quiet")
        self.assertEqual(strays(out), [])
        with h5py.File(out, "r") as f:
            self.assertEqual(int(f["done"][...].sum()), 6)

    # ---- a symbolic link as the output: written through ----------------

    def test_a_linked_output_is_written_through_and_resumed_through(self):
        ref = self.path("ref.h5")
        run("run", self.spec, "-o", ref, "--quiet")
        store = self.path("store")
        os.mkdir(store)
        target = os.path.join(store, "results.h5")
        self.write(target, "old\n")
        link = self.path("results.h5")
        os.symlink(target, link)
        p = run("run", self.spec, "-o", link, "--quiet", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn(f"'{link}' exists; use --force to overwrite it", p.stderr)
        # interrupted through the link, resumed through it
        proc = self.start(self.spec, link, "--force")
        for _ in range(3000):
            if proc.poll() is not None or h5py.is_hdf5(target):
                break
            time.sleep(0.01)
        time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 143, err)
        self.assertTrue(os.path.islink(link))
        run("run", self.spec, "-o", link, "--resume", "--quiet")
        self.assertTrue(os.path.islink(link))
        self.assertEqual(os.readlink(link), target)
        self.assertEqual(contents(target), contents(ref))
        with h5py.File(target, "r") as f:
            self.assertEqual(f["fmp_mean"].compression, "gzip")
        self.assertEqual(strays(link) + strays(target), [])
        dangling = self.path("dangling.h5")
        os.symlink(self.path("nowhere/x.h5"), dangling)
        p = run("run", self.small, "-o", dangling, check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn(f"'{dangling}' is a symbolic link to a missing file", p.stderr)
        self.assertFalse(os.path.exists(self.path("nowhere")))

    # ---- 4. one writer per output ------------------------------------------

    def test_a_second_writer_is_refused_with_hdf5_locking_on_and_off(self):
        ref = self.path("ref.h5")
        run("run", self.spec, "-o", ref, "--quiet")
        for locking in ("TRUE", "FALSE"):
            with self.subTest(HDF5_USE_FILE_LOCKING=locking):
                env = dict(os.environ, HDF5_USE_FILE_LOCKING=locking)
                out = self.path(f"shared-{locking}.h5")
                first = self.start(self.spec, out, env=env)
                for _ in range(3000):
                    if first.poll() is not None or os.path.exists(out):
                        break
                    time.sleep(0.01)
                self.assertIsNone(first.poll())
                before = slurp(out, "rb", 512)
                for args in (["run", self.spec, "-o", out, "--force"],
                             ["run", self.spec, "-o", out, "--resume"],
                             ["trace", self.spec, "--trial", "3", "-o", out, "--force"]):
                    p = run(*args, check=False, env=env)
                    self.assertEqual(p.returncode, 2, p.stderr)
                    self.assertIn(f"'{out}' is being written by synsweep (process "
                                  f"{first.pid} on ", p.stderr)
                    self.assertIn("one writer per file", p.stderr)
                self.assertEqual(slurp(out, "rb", 512), before)
                _, err = first.communicate(timeout=120)
                self.assertEqual(first.returncode, 0, err)
                self.assertEqual(contents(out), contents(ref))
                self.assertEqual(strays(out), [])
                # the writer is gone: the next one may write
                run("run", self.small, "-o", out, "--force", "--quiet", env=env)

    def test_compression_never_touches_a_file_put_at_the_path_meanwhile(self):
        spec = self.write("wide.yaml", WIDE_SPEC)
        out = self.path("moved.h5")
        proc = self.start(spec, out)
        # held still while its file is swapped: a run that ends first
        # would have nothing left to compress
        while proc.poll() is None and not os.path.exists(out):
            pass
        proc.send_signal(signal.SIGSTOP)
        self.assertIsNone(proc.poll(), "the run ended before its file was moved")
        os.rename(out, self.path("moved-away.h5"))
        self.write("moved.h5", "someone else's\n")
        proc.send_signal(signal.SIGCONT)
        _, err = proc.communicate(timeout=120)
        self.assertIn(f"'{out}' was replaced by another file while this run "
                      "wrote it: left that file alone", err)
        self.assertEqual(slurp(out), "someone else's\n")
        with h5py.File(self.path("moved-away.h5"), "r") as f:
            self.assertEqual(int(f["done"][...].sum()), f["done"].size)
        self.assertEqual(strays(out), [])

    # ---- a second ^C while the file is made or compressed -------------------

    def test_double_sigint_while_made_leaves_nothing(self):
        spec = self.write("huge.yaml", HUGE_SPEC)
        out = self.path("twice.h5")
        for attempt in range(5):
            proc = self.start(spec, out)
            while proc.poll() is None and not glob.glob(glob.escape(out) + ".creating-*/*"):
                pass
            proc.send_signal(signal.SIGINT)
            time.sleep(0.01)
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=60)
            self.assertEqual(strays(out), [])
            if "stopped at once" in err and not os.path.exists(out):
                break
            # the file was made before the second ^C (creating it writes
            # little, so it often is): a valid file, resumable
            self.assertEqual(proc.returncode, 130, err)
            with h5py.File(out, "r") as f:
                self.assertIn("done", f)
            os.unlink(out)
        else:
            self.skipTest("the file was always made before the second ^C")
        self.assertEqual(proc.returncode, 130, err)
        self.assertFalse(os.path.exists(out))
        self.assertEqual(sorted(os.listdir(self.tmp)),
                         ["huge.yaml", "long.yaml", "small.yaml"])

    def test_double_sigint_while_compressed_keeps_a_resumable_file(self):
        # the compressed copy is built beside the working file while the
        # trials run: a second ^C removes it, and the working file (at the
        # path since the run started) stays, readable and resumable
        spec = self.write("wide.yaml", WIDE_SPEC)
        out = self.path("twice.h5")
        proc = self.start(spec, out)
        if not self.wait_for(proc, glob.escape(out) + ".compacting-*/*"):
            proc.communicate(timeout=60)
            self.skipTest("never caught the file while it was compressed")
        proc.send_signal(signal.SIGINT)
        proc.send_signal(signal.SIGCONT)
        time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        self.assertIn(proc.returncode, (0, 130), err)
        if proc.returncode == 130:
            # the second ^C stops at once, unless the first had already
            # stopped the run in order (it may, in 20 ms)
            self.assertRegex(err, "stopped at once|interrupted by SIGINT: stopped;")
        self.assertEqual(strays(out), [])
        with h5py.File(out, "r") as f:
            self.assertLessEqual(int(f["done"][...].sum()), f["done"].size)
        p = run("run", spec, "-o", out, "--resume")
        self.assertIn("trials done", p.stdout)
        with h5py.File(out, "r") as f:
            self.assertEqual(int(f["done"][...].sum()), f["done"].size)
            self.assertEqual(f["g1"].compression, "gzip")
        self.assertEqual(strays(out), [])


if __name__ == "__main__":
    e2e.main()
