"""The numbers behind a figure: means, standard errors and counts over
repeats at each point, as rows that a figure draws and a CSV file holds."""
import csv

import numpy as np

from .reader import axes, metrics, zip_levels
from .stats import summary


class UnknownName(KeyError):
    """A name (axis, metric, value) the file does not have; its message is
    one line that lists the names that exist."""

    def __str__(self):
        return self.args[0]


def fmt(v):
    """A number as short as it reads back exactly (100, 0.6, 1e-05)."""
    if isinstance(v, (float, np.floating)):
        v = float(v)
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, (np.integer,)):
        return str(int(v))
    return str(v)


def unit_of(ds, name):
    """The units of a variable or coordinate, '' when none or
    dimensionless."""
    if name not in ds.variables:
        return ""
    units = str(ds[name].attrs.get("units", ""))
    return "" if units in ("1", "") else units


def label(ds, name, text=None):
    """An axis label: the name (or text) and the units from the file."""
    units = unit_of(ds, name)
    text = text or name
    return f"{text} ({units})" if units else text


def display_values(ds, axis):
    """The values of an axis as a reader should see them: numbers, words,
    a zip axis' labels, or its members written out."""
    lab, members = zip_levels(ds, axis)
    if lab:
        return [str(v) for v in ds[lab].values]
    if members:
        return [", ".join(f"{m}={fmt(ds[m].values[i])}" +
                          (f" {unit_of(ds, m)}" if unit_of(ds, m) else "")
                          for m in members)
                for i in range(ds.sizes[axis])]
    return list(ds[axis].values)


def is_numeric(ds, axis):
    lab, members = zip_levels(ds, axis)
    return not lab and not members and ds[axis].dtype.kind in "iuf"


def check_axis(ds, name, what="axis"):
    names = axes(ds)
    if name not in names:
        raise UnknownName(f"no {what} '{name}' in the file; its axes: "
                         f"{', '.join(names) or '(none)'}")


def check_metric(ds, name):
    names = metrics(ds)
    if name not in names:
        raise UnknownName(f"no metric '{name}' in the file; its metrics: "
                         f"{', '.join(names)}")


def select_at(ds, at):
    """ds at NAME=VALUE for each (NAME, VALUE) of at: NAME an axis, a zip
    member or a zip label level; VALUE a number as written or a word."""
    for name, text in at:
        owner = next((a for a in axes(ds) if a == name or
                      name in (zip_levels(ds, a)[1] +
                               [zip_levels(ds, a)[0]])), None)
        if owner is None:
            raise UnknownName(f"no axis or zip member '{name}' to fix with "
                             f"--at; the axes: {', '.join(axes(ds))}")
        lab, members = zip_levels(ds, owner)
        key = lab if name == owner and lab else name
        candidates = list(ds[key].values)
        try:
            value = float(text)
            hits = [c for c in candidates
                    if isinstance(c, (int, float, np.number)) and c == value]
        except ValueError:
            hits = []
        if not hits:
            hits = [c for c in candidates if str(c) == text]
        if not hits:
            raise UnknownName(f"'{name}' has no value {text}; its values: "
                             f"{', '.join(fmt(c) for c in candidates)}")
        ds = ds.sel({key: hits[0]})
        if owner in ds.dims:
            ds = ds.squeeze(owner, drop=False)
    return ds


def points(ds, keep, names):
    """Rows, one per point of the axes keep (in order), of the metrics
    names: {axis: value shown, ..., '<m>_mean', '<m>_sem', and 'n' (one
    metric) or '<m>_n' (several)}; plus the numeric arrays per metric,
    shaped by keep, for drawing."""
    arrays = {}
    for m in names:
        s = summary(ds, m, over=[d for d in ds[m].dims if d not in keep])
        s = s.transpose(*keep)
        arrays[m] = s
    shown = [display_values(ds, a) for a in keep]
    rows = []
    for idx in np.ndindex(*[len(v) for v in shown]):
        row = {a: shown[k][i] for k, (a, i) in enumerate(zip(keep, idx))}
        for m in names:
            s = arrays[m]
            row[f"{m}_mean"] = float(s["mean"].values[idx])
            row[f"{m}_sem"] = float(s["sem"].values[idx])
            row["n" if len(names) == 1 else f"{m}_n"] = \
                int(s["count"].values[idx])
        rows.append(row)
    return rows, arrays


def write_csv(path, rows):
    """rows (dicts with the same keys) as CSV: numbers written exactly,
    NaN as an empty field."""
    if not rows:
        return
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        keys = list(rows[0])
        w.writerow(keys)
        for r in rows:
            w.writerow("" if isinstance(r[k], float) and np.isnan(r[k])
                       else fmt(r[k]) for k in keys)
