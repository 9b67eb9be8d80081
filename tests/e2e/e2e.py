"""What the end-to-end tests share: the synsweep binary under test (the
first argument of every test script), running it, and a folder of its own
for each test.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

BIN = None


def run(*args, check=True, **kw):
    """synsweep ARGS...; with check, a failure raises with its stderr."""
    p = subprocess.run([BIN, *args], capture_output=True, text=True, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"synsweep {' '.join(args)} exited "
                             f"{p.returncode}:\n{p.stdout}\n{p.stderr}")
    return p


class WorkdirCase(unittest.TestCase):
    """Each test works in self.tmp, removed after it."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="synsweep-e2e-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def path(self, *names):
        return os.path.join(self.tmp, *names)

    def write(self, name, text):
        """A file NAME in self.tmp holding TEXT; its path."""
        path = self.path(name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def spec(self, name, text):
        """A spec NAME (.yaml added if it has no suffix) holding TEXT."""
        if not os.path.splitext(name)[1]:
            name += ".yaml"
        return self.write(name, text)


def main():
    """Runs the calling script's tests: python3 X_test.py path/to/synsweep."""
    global BIN
    BIN = os.path.abspath(sys.argv.pop(1))
    unittest.main(module="__main__", verbosity=2)
