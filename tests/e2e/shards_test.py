"""A sweep run in shards, as a Slurm job array runs it: `run --shard K/N`
(and `--shard auto` from the array's variables) writes parts with the whole
sweep's layout; `merge` joins them into a file byte-equal, in every metric,
`status` and `done`, to one run of the sweep, refuses parts of another
sweep and parts that disagree (writing nothing), and names the missing
trials as the commands that run them; `info` of several parts says what
they hold. Run: python3 shards_test.py path/to/synsweep
"""
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import h5py
import numpy as np

import e2e

STP = ["g1", "g10", "g_ratio", "u1", "R1", "u10", "R10"]
LIF = ["firing_rate", "n_spikes", "cv_isi", "fmp_mean", "fmp_std",
       "v_mean", "gE_mean", "gI_mean"]
# 6 x 2 x 4 = 48 cheap trials
SMALL = "model: stp_train\nseed: 3\nrepeats: 4\n" \
        "sweep:\n  rate: [5, 10, 15, 20, 30, 40]\n  U0: [0.2, 0.5]\n"
# fewer trials than some shard counts
TINY = "model: stp_train\nseed: 4\nrepeats: 2\nsweep:\n  rate: [10, 20, 40]\n"
# about two seconds of work on two cores: a part of it can be stopped
LONG = "model: lif_cond_stp\nseed: 11\nrepeats: 80\n" \
       "sweep:\n  exc_rate: {linspace: [5, 25, 100]}\n" \
       "  inh_rate: [10, 20, 30, 40, 50]\n"
# 2 x 10^6 cheap trials: a part of 1/100 of them must cost about that
BIG = "model: stp_train\nseed: 5\nrepeats: 20000\n" \
      "sweep:\n  rate: {linspace: [5, 50, 100]}\n"
NO_SLURM = {k: v for k, v in os.environ.items()
            if not k.startswith("SLURM_")}


def run(*args, env=None, **kw):
    """synsweep outside any Slurm job unless env says otherwise."""
    return e2e.run(*args, env=env or NO_SLURM, **kw)


def datasets(path, metrics):
    with h5py.File(path, "r") as f:
        return {k: f[k][...] for k in metrics + ["status", "done"]}


def read(path):
    with open(path, "rb") as f:
        return f.read()


def shard_range(T, k, n):
    return k * T // n, (k + 1) * T // n


def commands_after(text, header):
    """The `synsweep ...` lines under header, as argument lists."""
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip() == header)
    out = []
    for line in lines[at + 1:]:
        if not line.startswith("    synsweep "):
            break
        words = shlex.split(line)
        out.append(words[1:])  # without the program's name
    return out


class Shards(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.base = tempfile.mkdtemp(prefix="synsweep-shards-")
        cls.refs = {}
        for name, text in (("small", SMALL), ("tiny", TINY), ("long", LONG)):
            with open(os.path.join(cls.base, name + ".yaml"), "w") as f:
                f.write(text)
            ref = os.path.join(cls.base, name + "-ref.h5")
            run("run", name + ".yaml", "-o", ref, "-q", cwd=cls.base)
            cls.refs[name] = ref

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.base)

    def setUp(self):
        self.tmp = tempfile.mkdtemp(dir=self.base)
        for name in ("small", "tiny", "long"):
            shutil.copy(os.path.join(self.base, name + ".yaml"), self.tmp)

    def path(self, *names):
        return os.path.join(self.tmp, *names)

    def assert_equal_to_one_run(self, path, name="small"):
        metrics = LIF if name == "long" else STP
        got, ref = datasets(path, metrics), datasets(self.refs[name], metrics)
        for k in metrics + ["status", "done"]:
            self.assertEqual(got[k].tobytes(), ref[k].tobytes(), k)
            self.assertEqual(got[k].shape, ref[k].shape, k)
        with h5py.File(path, "r") as f:
            self.assertEqual(int(f["done"][...].sum()), f["done"].size)

    def run_parts(self, n, spec="small.yaml", pattern="part-{k}-of-{n}.h5",
                  skip=()):
        paths = []
        for k in range(n):
            p = self.path(pattern.format(k=k, n=n))
            if k not in skip:
                # threads differ between parts: results must not
                run("run", spec, "-o", p, "--shard", f"{k}/{n}", "-q",
                    "-j", str(1 + k % 2), cwd=self.tmp)
            paths.append(p)
        return paths

    def test_k_shards_merged_are_byte_equal_to_one_run(self):
        T = 48
        for n in (1, 2, 3, 7):
            with self.subTest(shards=n):
                parts = self.run_parts(n)
                for k, p in enumerate(parts):
                    first, end = shard_range(T, k, n)
                    with h5py.File(p, "r") as f:
                        self.assertEqual(f.attrs["shard"], f"{k}/{n}")
                        self.assertEqual(int(f.attrs["shard_first"]), first)
                        self.assertEqual(int(f.attrs["shard_count"]),
                                         end - first)
                        done = f["done"][...].reshape(-1)
                        # its block only, every trial of it
                        self.assertTrue(np.all(done[first:end] == 1))
                        self.assertEqual(int(done.sum()), end - first)
                        # the whole sweep's layout, compressed when done
                        self.assertEqual(f["g1"].shape, (6, 2, 4))
                        self.assertEqual(f["g1"].compression, "gzip")
                out = self.path(f"merged-{n}.h5")
                p = run("merge", "-o", out, *parts)
                self.assertIn(f"merged {n} part", p.stdout)
                self.assert_equal_to_one_run(out)
                with h5py.File(out, "r") as f, \
                        h5py.File(self.refs["small"], "r") as r:
                    # the attributes of one run, but the merge's command
                    self.assertNotIn("shard", f.attrs)
                    self.assertNotIn("shard_first", f.attrs)
                    self.assertIn(" merge -o ", f.attrs["command_line"])
                    self.assertEqual(f["g1"].compression, "gzip")
                    skip = {"command_line", "created"}
                    self.assertEqual(set(f.attrs) - skip, set(r.attrs) - skip)
                    for a in set(r.attrs) - skip:
                        self.assertEqual(str(f.attrs[a]), str(r.attrs[a]), a)
                    self.assertEqual(set(f), set(r))
                # info of all the parts: every trial there, exit 0
                p = run("info", *parts)
                self.assertIn("trials   48 of 48 done in some part"
                              if n > 1 else "trials   48 of 48 done (100.0%)",
                              p.stdout)
                self.assertNotIn("missing", p.stdout)
        # xarray reads a part as it reads a whole file
        import xarray as xr
        with xr.open_dataset(parts[0], engine="h5netcdf") as ds:
            self.assertEqual(dict(ds.sizes), {"rate": 6, "U0": 2, "repeat": 4})

    def test_more_shards_than_trials_give_valid_empty_parts(self):
        parts = self.run_parts(9, spec="tiny.yaml")  # 6 trials, 9 shards
        empty = 0
        for k, p in enumerate(parts):
            first, end = shard_range(6, k, 9)
            with h5py.File(p, "r") as f:
                self.assertEqual(int(f.attrs["shard_count"]), end - first)
                self.assertEqual(int(f["done"][...].sum()), end - first)
                empty += end == first
        self.assertEqual(empty, 3)
        out = self.path("merged.h5")
        run("merge", "-o", out, *parts)
        self.assert_equal_to_one_run(out, "tiny")
        p = run("info", parts[0])  # shard 0/9 holds no trial
        self.assertIn("shard    0/9: no trials, 0 of 0 done", p.stdout)

    def test_shard_auto_takes_k_and_n_from_a_slurm_array(self):
        # --array=5-14:3: task IDs 5, 8, 11, 14 are shards 0..3 of 4
        parts = []
        for k, task in enumerate((5, 8, 11, 14)):
            env = dict(NO_SLURM, SLURM_ARRAY_TASK_ID=str(task),
                       SLURM_ARRAY_TASK_MIN="5", SLURM_ARRAY_TASK_STEP="3",
                       SLURM_ARRAY_TASK_COUNT="4", SLURM_ARRAY_TASK_MAX="14")
            out = self.path(f"task-{task}.h5")
            run("run", "small.yaml", "-o", out, "--shard", "auto", "-q",
                "--resume", env=env, cwd=self.tmp)
            with h5py.File(out, "r") as f:
                self.assertEqual(f.attrs["shard"], f"{k}/4")
            parts.append(out)
        merged = self.path("merged.h5")
        run("merge", "-o", merged, *parts)
        self.assert_equal_to_one_run(merged)

        array = dict(SLURM_ARRAY_TASK_ID="8", SLURM_ARRAY_TASK_MIN="5",
                     SLURM_ARRAY_TASK_STEP="3", SLURM_ARRAY_TASK_COUNT="4")
        cases = [
            ({}, "SLURM_ARRAY_TASK_ID is not set: not a task of a Slurm "
                 "job array"),
            ({"SLURM_ARRAY_TASK_ID": "7"},
             "SLURM_ARRAY_TASK_ID=7 is not SLURM_ARRAY_TASK_MIN=5 plus a "
             "multiple of SLURM_ARRAY_TASK_STEP=3"),
            ({"SLURM_ARRAY_TASK_ID": "17"},
             "SLURM_ARRAY_TASK_ID=17 is task 4 of the array, not below "
             "SLURM_ARRAY_TASK_COUNT=4"),
            ({"SLURM_ARRAY_TASK_ID": "2"},
             "SLURM_ARRAY_TASK_ID=2 is below SLURM_ARRAY_TASK_MIN=5"),
            ({"SLURM_ARRAY_TASK_COUNT": None},
             "SLURM_ARRAY_TASK_COUNT is not set"),
            ({"SLURM_ARRAY_TASK_STEP": "zero"},
             "SLURM_ARRAY_TASK_STEP is not a whole number (got 'zero')"),
        ]
        before = sorted(os.listdir(self.tmp))
        for change, says in cases:
            with self.subTest(says=says):
                env = dict(NO_SLURM)
                if change:
                    env.update(array)
                    for k, v in change.items():
                        if v is None:
                            del env[k]
                        else:
                            env[k] = v
                p = run("run", "small.yaml", "-o", "x.h5", "--shard", "auto",
                        check=False, env=env, cwd=self.tmp)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn(f"synsweep: error: --shard auto: {says}",
                              p.stderr)
                self.assertEqual(sorted(os.listdir(self.tmp)), before)
        # unset STEP is 1
        env = dict(NO_SLURM, SLURM_ARRAY_TASK_ID="3", SLURM_ARRAY_TASK_MIN="1",
                   SLURM_ARRAY_TASK_COUNT="3")
        p = run("run", "small.yaml", "--shard", "auto", "--dry-run", env=env,
                cwd=self.tmp)
        self.assertIn("shard   2/3: trials 32–47, 16 of the 48 trials",
                      p.stdout)
        p = run("run", "small.yaml", "--shard", "3/3", check=False,
                cwd=self.tmp)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--shard: a shard K/N needs 0 <= K < N (got '3/3')",
                      p.stderr)

    def assert_refused(self, out, parts, says, status=2):
        before = sorted(os.listdir(self.tmp))
        p = run("merge", "-o", out, *parts, check=False)
        self.assertEqual(p.returncode, status, p.stderr)
        for s in says:
            self.assertIn(s, p.stderr)
        self.assertFalse(os.path.exists(out))
        # no temporary left either
        self.assertEqual(sorted(os.listdir(self.tmp)), before)

    def test_merge_refuses_foreign_parts_and_writes_nothing(self):
        parts = self.run_parts(2)
        out = self.path("merged.h5")
        with open(self.path("other.yaml"), "w") as f:
            f.write(SMALL.replace("[5, 10", "[6, 10"))
        with open(self.path("seed.yaml"), "w") as f:
            f.write(SMALL.replace("seed: 3", "seed: 4"))
        other = self.path("other.h5")
        run("run", "other.yaml", "-o", other, "--shard", "1/2", "-q",
            cwd=self.tmp)
        seed = self.path("seed.h5")
        run("run", "seed.yaml", "-o", seed, "--shard", "1/2", "-q",
            cwd=self.tmp)
        kernel = self.path("kernel.h5")
        run("run", "small.yaml", "-o", kernel, "--shard", "1/2", "-q",
            "--kernel", "reference", cwd=self.tmp)
        self.assert_refused(out, [parts[0], other], [
            f"'{other}' is not a part of the sweep of '{parts[0]}': its spec "
            "differs (SHA-256"])
        self.assert_refused(out, [parts[0], seed], [
            f"'{seed}' is not a part of the sweep of '{parts[0]}': its seed "
            "is 4, not 3"])
        self.assert_refused(out, [parts[0], kernel], [
            f"'{kernel}' is not a part of the sweep of '{parts[0]}': it was "
            "run with the reference kernel, not fast"])
        plain = self.path("plain.h5")
        with h5py.File(plain, "w") as f:
            f["g1"] = np.zeros(3)
        self.assert_refused(out, [parts[0], plain, parts[1]], [
            f"'{plain}' is not a synsweep results file of layout "
            "synsweep-results-1"], status=1)
        text = self.path("notes.h5")
        with open(text, "w") as f:
            f.write("not HDF5\n")
        self.assert_refused(out, [text, parts[0]], [
            f"'{text}' is not a readable HDF5 file"], status=1)
        p = run("info", parts[0], seed, check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("its seed is 4, not 3", p.stderr)
        # an existing output: only with --force
        with open(out, "w") as f:
            f.write("keep\n")
        p = run("merge", "-o", out, *parts, check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn(f"'{out}' exists; use --force to overwrite it",
                      p.stderr)
        self.assertEqual(read(out), b"keep\n")
        run("merge", "-o", out, "--force", *parts)
        self.assert_equal_to_one_run(out)
        p = run("merge", "-o", parts[0], parts[0], parts[1], "--force",
                check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("is the part", p.stderr)

    def test_overlaps_must_agree_bit_for_bit(self):
        halves = self.run_parts(2)
        thirds = self.run_parts(3)
        out = self.path("merged.h5")
        # overlapping parts that agree merge as well
        run("merge", "-o", out, halves[0], thirds[0], thirds[1], halves[1])
        self.assert_equal_to_one_run(out)
        os.unlink(out)
        # trial 5 is in both 0/2 and 0/3: make them disagree
        with h5py.File(thirds[0], "r+") as f:
            g = f["g10"][...]
            flat = g.reshape(-1)
            flat[5] = np.nextafter(flat[5], np.inf)
            f["g10"][...] = g
        self.assert_refused(out, [halves[0], halves[1], thirds[0]], [
            f"trial 5 is done in '{halves[0]}' and in '{thirds[0]}' with "
            "another g10", "the parts disagree"])
        # NaN equals NaN: the same NaN in both is no disagreement
        with h5py.File(thirds[0], "r+") as f, \
                h5py.File(halves[0], "r+") as h:
            for d in (f, h):
                g = d["g10"][...]
                g.reshape(-1)[5] = np.nan
                d["g10"][...] = g
        run("merge", "-o", out, halves[0], halves[1], thirds[0])
        with h5py.File(out, "r") as f:
            self.assertTrue(np.isnan(f["g10"][...].reshape(-1)[5]))
        # a status that differs
        os.unlink(out)
        with h5py.File(thirds[0], "r+") as f:
            s = f["status"][...]
            s.reshape(-1)[7] = 1
            f["status"][...] = s
        self.assert_refused(out, [halves[0], thirds[0], halves[1]], [
            f"trial 7 is done in '{halves[0]}' and in '{thirds[0]}' with "
            "another status (0 and 1)"])

    def test_missing_parts_are_named_as_the_commands_that_run_them(self):
        os.mkdir(self.path("parts"))
        parts = self.run_parts(5, pattern="parts/run_{k:03d}.h5",
                               skip=(1, 3))
        given = [p for k, p in enumerate(parts) if k not in (1, 3)]
        out = self.path("merged.h5")
        before = sorted(os.listdir(self.tmp))
        p = run("merge", "-o", "merged.h5", *given, check=False,
                cwd=self.tmp)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("synsweep: error: 20 of 48 trials are done in no part "
                      "(trials 9–18, trials 28–37): nothing written",
                      p.stderr)
        self.assertFalse(os.path.exists(out))
        self.assertEqual(sorted(os.listdir(self.tmp)), before)
        commands = commands_after(p.stderr, "to run them:")
        self.assertEqual(commands, [
            ["run", "small.yaml", "-o", parts[1], "--shard", "1/5",
             "--resume"],
            ["run", "small.yaml", "-o", parts[3], "--shard", "3/5",
             "--resume"]])
        merge = commands_after(p.stderr, "then merge again:")
        self.assertEqual(len(merge), 1)
        # info of the parts says the same, exit 3 (incomplete)
        q = run("info", *given, check=False, cwd=self.tmp)
        self.assertEqual(q.returncode, 3)
        self.assertIn(f"part     {given[1]}: shard 2/5, trials 19–27: 9 of 9 "
                      "done", q.stdout)
        self.assertIn("trials   28 of 48 done in some part", q.stdout)
        self.assertIn("missing  20 trials: trials 9–18, trials 28–37",
                      q.stdout)
        self.assertEqual(commands_after(q.stdout, "to run them:"), commands)
        # the printed commands, run as printed, fill the gaps
        for c in commands + merge:
            run(*c, cwd=self.tmp)
        self.assert_equal_to_one_run(out)

    def test_parts_named_otherwise_get_a_name_of_their_own(self):
        # names that do not hold K (Slurm task IDs, say)
        a, b = self.path("alpha.h5"), self.path("beta.h5")
        run("run", "small.yaml", "-o", a, "--shard", "0/3", "-q", cwd=self.tmp)
        run("run", "small.yaml", "-o", b, "--shard", "2/3", "-q", cwd=self.tmp)
        p = run("merge", "-o", "m.h5", a, b, check=False, cwd=self.tmp)
        self.assertEqual(p.returncode, 1)
        commands = commands_after(p.stderr, "to run them:")
        self.assertEqual(commands, [[
            "run", "small.yaml", "-o", self.path("small-shard-1-of-3.h5"),
            "--shard", "1/3", "--resume"]])
        for c in commands + commands_after(p.stderr, "then merge again:"):
            run(*c, cwd=self.tmp)
        self.assert_equal_to_one_run(self.path("m.h5"))

    def test_allow_partial_writes_what_the_parts_hold(self):
        parts = self.run_parts(4, skip=(2,))
        given = [p for k, p in enumerate(parts) if k != 2]
        out = self.path("partial.h5")
        p = run("merge", "-o", out, "--allow-partial", *given, cwd=self.tmp)
        self.assertIn("synsweep: warning: 12 of 48 trials are done in no part "
                      "(trials 24–35): the merged file lacks them", p.stderr)
        ref = datasets(self.refs["small"], STP)
        got = datasets(out, STP)
        done = got["done"].reshape(-1)
        self.assertEqual(list(np.flatnonzero(done == 0)), list(range(24, 36)))
        for k in STP + ["status"]:
            a, r = got[k].reshape(-1), ref[k].reshape(-1)
            self.assertEqual(a[done == 1].tobytes(), r[done == 1].tobytes())
        self.assertTrue(np.all(np.isnan(got["g1"].reshape(-1)[24:36])))
        # the partial file is an unfinished run: the hint completes it
        line = next(x for x in p.stderr.splitlines() if "to complete it:" in x)
        run(*shlex.split(line.split("to complete it: ")[1])[1:], cwd=self.tmp)
        self.assert_equal_to_one_run(out)

    def test_a_part_stopped_by_sigterm_resumes_with_the_printed_command(self):
        part = self.path("long-1.h5")
        proc = subprocess.Popen(
            [e2e.BIN, "run", "long.yaml", "-o", part, "--shard", "1/2", "-j", "2",
             "--quiet"], cwd=self.tmp, env=NO_SLURM, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        # held still as soon as its file is there (its first block still
        # computing), so that the signal comes before its end however
        # fast the machine
        while proc.poll() is None and not os.path.exists(part):
            time.sleep(0.001)
        proc.send_signal(signal.SIGSTOP)
        self.assertIsNone(proc.poll(), "the part ended before the signal")
        proc.send_signal(signal.SIGTERM)
        proc.send_signal(signal.SIGCONT)
        _, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 143, err)
        self.assertIn("trials of shard 1/2 are done and written", err)
        line = next(x for x in err.splitlines() if "resume with:" in x)
        command = shlex.split(line.split("resume with: ")[1])
        self.assertEqual(command, ["synsweep", "run", "long.yaml", "-o", part,
                                   "--shard", "1/2", "--resume"])
        with h5py.File(part, "r") as f:
            done = int(f["done"][...].sum())
        self.assertLess(done, 20000)
        p = run(*command[1:], cwd=self.tmp)
        self.assertIn(f"resuming {part}: {done} of 20000 trials done", p.stdout)
        other = self.path("long-0.h5")
        run("run", "long.yaml", "-o", other, "--shard", "0/2", "-q", "-j", "2",
            cwd=self.tmp)
        out = self.path("long.h5")
        run("merge", "-o", out, other, part)
        self.assert_equal_to_one_run(out, "long")

    def test_a_part_killed_at_any_moment_resumes_byte_equal(self):
        # part 1/3: a block that starts and ends inside chunks, the only
        # chunks its file allocates
        part = self.path("long-1-of-3.h5")
        T = 100 * 5 * 80
        a, b = shard_range(T, 1, 3)
        ref = datasets(self.refs["long"], LIF)
        done_before, kills = 0, 0
        for k in range(6):
            args = [e2e.BIN, "run", "long.yaml", "-o", part, "--shard", "1/3",
                    "-q", "-j", "2"]
            if os.path.exists(part):
                args.append("--resume")
            proc = subprocess.Popen(args, cwd=self.tmp, env=NO_SLURM,
                                    stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            time.sleep(0.05 + 0.1 * k)
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            proc.wait()
            if not os.path.exists(part):
                continue  # killed before the file was at its path
            got = datasets(part, LIF)
            done = got["done"].reshape(-1) == 1
            self.assertFalse(done[:a].any() or done[b:].any())
            for m in LIF + ["status"]:
                g, w = got[m].reshape(-1), ref[m].reshape(-1)
                self.assertEqual(g[done].tobytes(), w[done].tobytes(), m)
            p = run("info", part, check=False, cwd=self.tmp)
            self.assertIn(p.returncode, (0, 3), p.stderr)
            self.assertGreaterEqual(int(done.sum()), done_before)
            done_before = int(done.sum())
        self.assertGreaterEqual(kills, 3)
        run("run", "long.yaml", "-o", part, "--shard", "1/3", "--resume",
            "-q", cwd=self.tmp)
        got = datasets(part, LIF)
        for m in LIF + ["status", "done"]:
            g, w = got[m].reshape(-1), ref[m].reshape(-1)
            self.assertEqual(g[a:b].tobytes(), w[a:b].tobytes(), m)
        self.assertTrue(np.isnan(got["firing_rate"].reshape(-1)[:a]).all())
        self.assertFalse(got["done"].reshape(-1)[b:].any())

    def test_resume_checks_the_shard_and_starts_a_missing_file(self):
        part = self.path("p.h5")
        p = run("run", "small.yaml", "-o", part, "--shard", "0/2", "--resume",
                cwd=self.tmp)
        self.assertIn(f"starting {part}: it does not exist yet", p.stdout)
        p = run("run", "small.yaml", "-o", part, "--shard", "0/2", "--resume",
                cwd=self.tmp)
        self.assertIn(f"resuming {part}: 24 of 24 trials done, 0 to run",
                      p.stdout)
        before = read(part)
        for args, says, hint in (
                (["--shard", "1/2"], "it holds shard 0/2 of the sweep, not "
                 "shard 1/2", "add --shard 0/2"),
                ([], "it holds shard 0/2 of the sweep, not every trial",
                 "add --shard 0/2")):
            p = run("run", "small.yaml", "-o", part, "--resume", *args,
                    check=False, cwd=self.tmp)
            self.assertEqual(p.returncode, 2)
            self.assertIn(f"cannot resume '{part}': {says}", p.stderr)
            self.assertIn(f"hint: {hint}", p.stderr)
        whole = self.path("whole.h5")
        run("run", "small.yaml", "-o", whole, "--resume", "-q", cwd=self.tmp)
        self.assert_equal_to_one_run(whole)
        p = run("run", "small.yaml", "-o", whole, "--resume", "--shard",
                "1/2", check=False, cwd=self.tmp)
        self.assertEqual(p.returncode, 2)
        self.assertIn("it holds every trial of the sweep, not shard 1/2",
                      p.stderr)
        self.assertEqual(read(part), before)

    def test_dry_run_shows_the_part(self):
        p = run("run", "small.yaml", "--shard", "1/3", "--dry-run",
                cwd=self.tmp)
        self.assertIn("shard   1/3: trials 16–31, 16 of the 48 trials",
                      p.stdout)
        p = run("run", "tiny.yaml", "--shard", "0/9", "--dry-run",
                cwd=self.tmp)
        self.assertIn("shard   0/9: no trials, 0 of the 6 trials", p.stdout)
        self.assertEqual(sorted(os.listdir(self.tmp)),
                         ["long.yaml", "small.yaml", "tiny.yaml"])

    def test_a_part_costs_in_proportion_to_its_block(self):
        with open(self.path("big.yaml"), "w") as f:
            f.write(BIG)
        T, per_trial = 2_000_000, len(STP) * 8 + 2
        a, b = shard_range(T, 0, 100)
        # the block's trials, five times over, and the fixed overhead
        limit = 5 * (b - a) * per_trial + 256 * 1024
        p = run("run", "big.yaml", "--shard", "0/100", "--dry-run",
                cwd=self.tmp)
        bound = float(p.stdout.split("at most ")[1].split(" MB")[0]) * 1e6
        self.assertLess(bound, limit)
        # the uncompressed file as soon as it is at its path (it is renamed
        # there once made), then the finished one
        part = self.path("big-part.h5")
        proc = subprocess.Popen([e2e.BIN, "run", "big.yaml", "-o", part,
                                 "--shard", "0/100", "-q", "-j", "1"],
                                cwd=self.tmp, env=NO_SLURM,
                                stderr=subprocess.PIPE, text=True)
        seen = 0
        while proc.poll() is None and not seen:
            if os.path.exists(part):
                proc.send_signal(signal.SIGSTOP)
                seen = os.path.getsize(part)
                proc.send_signal(signal.SIGCONT)
            time.sleep(0.0005)
        _, stderr = proc.communicate()
        self.assertEqual(proc.returncode, 0, stderr)
        self.assertLess(seen, limit)
        self.assertLess(os.path.getsize(part), limit)
        ref = self.path("big-ref.h5")
        run("run", "big.yaml", "-o", ref, "-q", cwd=self.tmp)
        got, want = datasets(part, STP), datasets(ref, STP)
        for k in STP + ["status", "done"]:
            g, w = got[k].reshape(-1), want[k].reshape(-1)
            self.assertEqual(got[k].shape, want[k].shape, k)
            self.assertEqual(g[a:b].tobytes(), w[a:b].tobytes(), k)
            rest = np.concatenate([g[:a], g[b:]])
            if k in STP:
                self.assertTrue(np.isnan(rest).all(), k)
            else:
                self.assertFalse(rest.any(), k)
        self.assertTrue(got["done"].reshape(-1)[a:b].all())


if __name__ == "__main__":
    e2e.main()
