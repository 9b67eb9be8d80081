"""synsweep-plot: a figure from a synsweep results or trace file.

    synsweep-plot FILE [-o OUT.png|.pdf|.svg] [--x AXIS --y METRIC
                  [--hue AXIS]] [--at NAME=VALUE]... [--data OUT.csv]

Exit status 0, 1 when a file cannot be read or written, 2 for bad usage
(a name the file does not have: one line that lists those it has)."""
import argparse
import os
import sys

PROG = "synsweep-plot"
FORMATS = (".png", ".pdf", ".svg")


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"{PROG}: error: {message}\nTry '{PROG} --help'.\n")


def _parser():
    p = _Parser(prog=PROG, description=(
        "Draws a figure from a synsweep results file (or a trace file of "
        "synsweep trace). Without --x/--y: the figure that fits the file's "
        "model and axes (the tutorial's figures). With them: METRIC against "
        "AXIS, mean ± standard error over repeats, one line per value of "
        "--hue."))
    p.add_argument("file", metavar="FILE")
    p.add_argument("-o", "--output", metavar="OUT",
                   help="the figure, .png, .pdf or .svg "
                        "(default: FILE with .png)")
    p.add_argument("--x", metavar="AXIS", help="the axis along x")
    p.add_argument("--y", metavar="METRIC", help="the metric along y")
    p.add_argument("--hue", metavar="AXIS", help="one line per value")
    p.add_argument("--at", metavar="NAME=VALUE", action="append", default=[],
                   help="fix another axis (or a zip member, or a label) at "
                        "a value; repeatable")
    p.add_argument("--data", metavar="OUT.csv",
                   help="also write the plotted numbers as CSV: one row per "
                        "point, the axes, <metric>_mean, <metric>_sem and n "
                        "(the done, non-NaN repeats behind the point)")
    return p


def _fail(code, message):
    sys.stderr.write(f"{PROG}: error: {message}\n")
    return code


def main(argv=None):
    args = _parser().parse_args(argv)
    if (args.x is None) != (args.y is None):
        return _fail(2, "--x and --y go together")
    if (args.hue or args.at) and args.x is None:
        return _fail(2, "--hue and --at need --x and --y")
    out = args.output or os.path.splitext(args.file)[0] + ".png"
    if os.path.splitext(out)[1].lower() not in FORMATS:
        return _fail(2, f"{out}: the figure must end in "
                        f"{', '.join(FORMATS)}")
    at = []
    for item in args.at:
        name, eq, value = item.partition("=")
        if not eq or not name.strip():
            return _fail(2, f"--at takes NAME=VALUE, got '{item}'")
        at.append((name.strip(), value.strip()))

    import matplotlib
    matplotlib.use("Agg")
    from . import figures, reader, table

    try:
        ds = reader.open(args.file)
    except (OSError, ValueError) as e:
        return _fail(1, f"cannot read {args.file}: {e}")
    try:
        if args.x is None:
            fig, rows = figures.default(ds)
        else:
            if "time" in ds.dims:
                return _fail(2, f"{args.file} is a trace file: it takes no "
                                "--x/--y")
            table.check_axis(ds, args.x)
            table.check_metric(ds, args.y)
            fig, rows = figures.custom(table.select_at(ds, at), args.x,
                                       args.y, args.hue, at)
    except table.UnknownName as e:
        return _fail(2, str(e))
    try:
        fig.savefig(out, dpi=100)
        if args.data:
            table.write_csv(args.data, rows)
    except OSError as e:
        return _fail(1, f"cannot write: {e}")
    return 0
