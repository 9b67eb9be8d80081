"""The malformed-spec catalogue through the command line: for every
tests/specs/bad/NAME.yaml, `synsweep validate` and `synsweep run` exit with
status 2, print `NAME.yaml:LINE:COLUMN: error: ...` as listed in NAME.expect,
and create no file. Run: python3 bad_specs_test.py path/to/synsweep
"""
import os
import subprocess
import tempfile
import unittest

import e2e

BAD = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                   "specs", "bad")


class BadSpecs(unittest.TestCase):
    def test_catalogue_is_large(self):
        specs = [f for f in os.listdir(BAD) if f.endswith(".yaml")]
        self.assertGreaterEqual(len(specs), 30)

    def test_every_bad_spec_is_refused_with_its_location(self):
        for name in sorted(os.listdir(BAD)):
            if not name.endswith(".yaml"):
                continue
            with self.subTest(spec=name):
                path = os.path.join(BAD, name)
                with open(path[:-5] + ".expect") as f:
                    line, col, needle = f.read().strip().split(":", 2)
                needle = needle.strip()
                with tempfile.TemporaryDirectory() as tmp:
                    out = os.path.join(tmp, "out.h5")
                    for args in (["validate", path], ["run", path, "-o", out]):
                        p = subprocess.run([e2e.BIN, *args], capture_output=True,
                                           text=True, cwd=tmp)
                        self.assertEqual(p.returncode, 2, p.stderr)
                        first = p.stderr.splitlines()[0]
                        self.assertTrue(first.startswith(f"{path}:{line}:{col}: error: "),
                                        first)
                        self.assertIn(needle, first)
                        self.assertEqual(p.stdout, "")
                    self.assertEqual(os.listdir(tmp), [])

    def test_missing_spec_file_is_an_io_error(self):
        with tempfile.TemporaryDirectory() as tmp:
            p = subprocess.run([e2e.BIN, "run", os.path.join(tmp, "nope.yaml")],
                               capture_output=True, text=True, cwd=tmp)
            self.assertEqual(p.returncode, 1)
            self.assertIn("nope.yaml", p.stderr)
            self.assertEqual(os.listdir(tmp), [])


if __name__ == "__main__":
    e2e.main()
