"""Reading a synsweep file into xarray, ready for analysis.

The file itself opens in any netCDF-4 reader; this module removes the
friction of the first analysis: trials that are not done or diverged read
as NaN, `done` and `status` are coordinates (so `mean("repeat")` drops them),
zip members are levels of a pandas MultiIndex (so `sel(U0=0.2)` works), and
the fixed parameters are scalar coordinates with units (so `xr.concat` of two
sweeps keeps what differs).
"""
import numpy as np
import pandas as pd
import xarray as xr

# Root attributes of a results file that describe the run, not a parameter;
# used only for files written before `fixed_parameters` existed.
_RUN_ATTRIBUTES = {
    "synsweep_version", "layout", "name", "description", "model", "seed",
    "seed_text", "kernel", "streams", "repeats", "spec", "spec_file",
    "spec_sha256", "created", "command_line", "fixed_parameters", "Conventions",
    "shard", "shards", "trial", "repeat",
}
_FLAGS = ("done", "status")


def _fixed_parameters(attrs):
    """[(name, units)] of the parameters the root attributes hold."""
    listed = attrs.get("fixed_parameters")
    if listed is not None:
        out = []
        for item in str(listed).split(","):
            name, _, units = item.partition(":")
            if name.strip():
                out.append((name.strip(), units.strip()))
        return out
    return [(k, "") for k, v in attrs.items()
            if k not in _RUN_ATTRIBUTES and np.ndim(v) == 0
            and isinstance(v, (int, float, np.number, str))]


def _zip_members(ds):
    """{axis: [members]} of a file's zipped axes: dimensions with 1-D
    coordinates along them that are no derived parameter (those carry an
    `expression`)."""
    out = {}
    for dim in ds.dims:
        if dim == "repeat":
            continue
        members = [name for name, c in ds.coords.items()
                   if name != dim and c.dims == (dim,)
                   and name not in _FLAGS and "expression" not in c.attrs]
        if members:
            out[dim] = members
    return out


def label_level(axis):
    """The MultiIndex level that holds a zip axis' labels."""
    return f"{axis}_label"


def zip_levels(ds, axis):
    """(labels, members) of a zip axis of an opened Dataset: the name of
    its label level (None without labels) and its members' names; (None,
    []) for an axis that is not zipped."""
    index = ds.indexes.get(axis)
    names = [n for n in getattr(index, "names", []) or [] if n]
    if len(names) < 2 and (not names or names[0] == axis):
        return None, []
    label = label_level(axis)
    return (label if label in names else None), [n for n in names
                                                 if n != label]


def _index_zip_axes(ds):
    """Each zip axis becomes a MultiIndex of its labels (if any) and its
    members: sel(regime="depressing") picks by label, sel(U0=0.2) by a
    member. One index per dimension: xarray 2023.01 cannot align objects
    with two indexes along one dimension."""
    for dim, members in _zip_members(ds).items():
        names, arrays = list(members), [ds[m].values for m in members]
        attrs = {m: dict(ds[m].attrs) for m in members}
        if ds[dim].dtype.kind in "OUS":  # labels, not the index 0..n-1
            names.insert(0, label_level(dim))
            arrays.insert(0, ds[dim].values.astype(str))
            attrs[names[0]] = dict(ds[dim].attrs)
        index = pd.MultiIndex.from_arrays(arrays, names=names)
        ds = ds.drop_vars([dim] + members).assign_coords({dim: index})
        for name in names:
            ds[name].attrs.update(attrs[name])
    return ds


def _is_trace(raw):
    return "time" in raw.dims and "trial" in raw.attrs


def open(path):  # noqa: A001 - the name users expect: synsweep.open
    """The synsweep file at path as an xarray Dataset, loaded into memory
    (the file is closed on return, so a running sweep can go on writing).

    Results file: metrics NaN wherever a trial is not done (`done` != 1) or
    diverged (`status` != 0), besides the NaN a metric has of its own
    (`cv_isi` with fewer than 4 spikes, `g_ratio` = 0/0); `done` and
    `status` are coordinates; each zip axis is a MultiIndex of its labels
    (level `<axis>_label`) and members; each fixed parameter is a scalar
    coordinate with its `units` (and no longer a root attribute).

    Trace file (`synsweep trace`): the time series as they are, parameters
    and metrics as root attributes."""
    with xr.open_dataset(path, engine="h5netcdf") as raw:
        ds = raw.load()
    if _is_trace(ds):
        return ds
    missing = [f for f in _FLAGS if f not in ds.variables]
    if missing:
        raise ValueError(f"{path}: not a synsweep results file "
                         f"(no {' or '.join(missing)})")
    ok = (ds["done"] == 1) & (ds["status"] == 0)
    ds = ds.set_coords(list(_FLAGS))
    for name in list(ds.data_vars):
        if set(ok.dims) <= set(ds[name].dims):
            ds[name] = ds[name].where(ok)
    fixed = {}
    attrs = dict(ds.attrs)
    for name, units in _fixed_parameters(attrs):
        if name in attrs and name not in ds.variables:
            fixed[name] = xr.Variable((), attrs.pop(name),
                                      {"units": units} if units else {})
    ds = ds.assign_coords(fixed)
    ds.attrs = attrs
    return _index_zip_axes(ds)


def axes(ds):
    """The sweep axes of ds in spec order: a metric's dimensions but
    `repeat`."""
    names = metrics(ds)
    dims = ds[names[0]].dims if names else tuple(ds.dims)
    return [d for d in dims if d != "repeat"]


def metrics(ds):
    """The metrics of a results Dataset: its data variables along
    `repeat`."""
    return [n for n, v in ds.data_vars.items() if "repeat" in v.dims]
