"""The man page and the bash completion name exactly what the program's
tables hold: its commands, each command's options, the models and the
parameters (their units, ranges and defaults too, in the man page's
PARAMETERS section, which this script writes with --update); the man page
renders without warnings.

    docs_test.py path/to/synsweep [--update]
"""
import os
import pathlib
import re
import shutil
import subprocess
import sys

binary = os.path.abspath(sys.argv[1])
update = "--update" in sys.argv[2:]
root = pathlib.Path(__file__).resolve().parents[2]
man = root / "man" / "synsweep.1"
completion = root / "completions" / "synsweep.bash"
failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)


def ask(*args):
    return subprocess.run([binary, *args], check=True, capture_output=True,
                          text=True).stdout.splitlines()


commands = ask("--list-commands")
models = ask("--list-models")
options = {}  # command -> every name of its options, long and short
for c in commands:
    names = set()
    for line in ask(c, "--list-options"):
        long, short, _ = line.split(" ")
        names.update(n for n in (long, short) if n != "-")
    options[c] = names
params = [line.split("\t") for line in ask("--list-params")]
param_names = [p[0] for p in params]


def roff(text):
    """Plain text as roff: backslashes and minus signs escaped."""
    return text.replace("\\", "\\e").replace("-", "\\-")


def parameters_section():
    out = []
    for name, unit, range_, long_name, defaults in params:
        out.append(".TP")
        out.append(f'.BR {roff(name)} " ({roff(unit)})"' if unit
                   else f".B {roff(name)}")
        out.append(f"{roff(long_name)}; in {roff(range_)}.")
        pairs = [d.split("=", 1) for d in defaults.split(" ")]
        out.append("Default: " + ", ".join(f"{roff(m)} {roff(v)}"
                                           for m, v in pairs) + ".")
    return out


# --- the PARAMETERS section is the table's -------------------------------
begin = '.\\" BEGIN PARAMETERS (written by tests/e2e/docs_test.py --update)'
end = '.\\" END PARAMETERS'
text = man.read_text()
lines = text.splitlines()
check(begin in lines and end in lines, "man page: no PARAMETERS markers")
if begin in lines and end in lines:
    i, j = lines.index(begin), lines.index(end)
    want = parameters_section()
    if update:
        lines[i + 1:j] = want
        man.write_text("\n".join(lines) + "\n")
        text = man.read_text()
        lines = text.splitlines()
    else:
        check(lines[i + 1:j] == want,
              "man page: PARAMETERS is not the parameter table's "
              f"(run {sys.argv[0]} {sys.argv[1]} --update)")

# --- commands and options ------------------------------------------------
sections = {}  # command -> the option names of its .TP headings
current = None
for k, line in enumerate(lines):
    m = re.match(r'\.SS "synsweep (\w+)', line)
    if m:
        current = m.group(1)
        sections[current] = set()
    elif line.startswith(".SH"):
        current = None
    elif current and k > 0 and lines[k - 1] == ".TP":
        plain = line.replace("\\-", "-")
        sections[current].update(
            re.findall(r"(?<![\w-])(--[a-z][a-z-]*|-[a-zA-Z])(?![\w-])", plain))
check(list(sections) == commands,
      f"man page: commands {list(sections)}, the program's {commands}")
for c in commands:
    got = sections.get(c, set())
    check(got == options[c],
          f"man page: {c}'s options {sorted(got)}, the program's "
          f"{sorted(options[c])}")
version = ask("--version")[0].split()[1]
m = re.search(r'^\.TH SYNSWEEP 1 \S+ "synsweep ([^"]+)"', text, re.M)
check(m and m.group(1) == version,
      f"man page: .TH names {m and m.group(1)}, the program {version}")

# --- it renders without warnings -----------------------------------------
if shutil.which("man"):
    r = subprocess.run(["man", "--warnings", "-l", str(man)],
                       capture_output=True, text=True,
                       env={**os.environ, "MANWIDTH": "80",
                            "MANPAGER": "cat", "PAGER": "cat"})
    check(r.returncode == 0 and not r.stderr.strip(),
          f"man --warnings: exit {r.returncode}: {r.stderr.strip()}")
    check("PARAMETERS" in r.stdout and "tau_syn_E" in r.stdout,
          "man: the rendered page lacks its PARAMETERS")
else:
    print("no man: the rendering is not checked")

# --- the completion offers those names -----------------------------------
def complete(*words):
    """What _synsweep offers for the words (the last is being typed)."""
    script = (f"source {completion}\n"
              'COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n'
              "_synsweep\n"
              'printf "%s\\n" "${COMPREPLY[@]}"\n')
    r = subprocess.run(["bash", "-c", script, "bash", binary, *words],
                       capture_output=True, text=True, cwd=root / "sweeps")
    check(r.returncode == 0 and not r.stderr, f"completion {words}: "
          f"exit {r.returncode}, {r.stderr.strip()}")
    return [w for w in r.stdout.splitlines() if w]


check(complete("") == commands, f"completion of a command: {complete('')}")
check(complete("tr") == ["trial", "trace"], f"tr: {complete('tr')}")
check(complete("--v") == ["--version"], f"--v: {complete('--v')}")
for c in commands:
    got = complete(c, "-")
    check(sorted(got) == sorted(options[c]),
          f"completion of {c}'s options: {got}, the program's "
          f"{sorted(options[c])}")
check(complete("trial", "") == models, f"trial MODEL: {complete('trial', '')}")
check(complete("trial", "--set", "") == [n + "=" for n in param_names],
      "completion after --set: not every parameter")
for m in models:
    want = [line.split("\t")[0] + "=" for line in ask("--list-params", m)]
    got = complete("trial", m, "--json", "--set", "")
    check(got == want, f"completion after trial {m} --set: {got}")
check(complete("trial", "stp_train", "--set", "tau_") ==
      ["tau_syn=", "tau_d=", "tau_f="], "--set tau_ of stp_train")
check(complete("run", "stp_reg") == ["stp_regimes.yaml"],
      f"run SPEC: {complete('run', 'stp_reg')}")
check(complete("run", "x.yaml", "--kernel", "") == ["fast", "reference"],
      "--kernel")
check(complete("trace", "x.yaml", "--at", "") == [], "--at offers nothing")

for f in failures:
    print("FAIL:", f)
print(f"{'failed' if failures else 'passed'}")
sys.exit(1 if failures else 0)
