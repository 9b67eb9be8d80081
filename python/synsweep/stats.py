"""Averages over repeats, with the standard error and the count behind
each."""
import warnings

import numpy as np
import xarray as xr


def summary(ds, metric, over="repeat"):
    """Mean, standard error of the mean and count of ds[metric] over the
    dimension(s) `over`, as a Dataset with variables `mean`, `sem` and
    `count`. `count` is the number of values that are not NaN: in a Dataset
    from synsweep.open, the trials done, not diverged, where the metric is
    defined. `sem` is the sample standard deviation (ddof=1) over
    sqrt(count): NaN where count < 2; `mean` NaN where count is 0."""
    x = ds[metric]
    dims = [over] if isinstance(over, str) else list(over)
    for d in dims:
        if d not in x.dims:
            raise KeyError(f"{metric} has no dimension '{d}' "
                           f"(it has {', '.join(x.dims)})")
    count = x.notnull().sum(dims)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = x.mean(dims, skipna=True)
        std = x.std(dims, skipna=True, ddof=1)
    sem = (std / np.sqrt(count)).where(count > 1)
    mean = mean.where(count > 0)
    units = x.attrs.get("units")
    out = xr.Dataset({"mean": mean, "sem": sem, "count": count})
    for name, long in (("mean", "mean"), ("sem", "standard error of the mean"),
                       ("count", "values that are not NaN")):
        out[name].attrs = {"long_name": f"{long} of {metric} over "
                                        f"{', '.join(dims)}"}
        if units is not None and name != "count":
            out[name].attrs["units"] = units
    out.attrs = {"metric": metric, "over": " ".join(dims)}
    return out


def paired_bias(ds, metric="firing_rate", reference=None):
    """The paired difference of ds[metric] to a reference point, trial by
    trial (the same repeat, hence the same inputs with `events:
    continuous`), averaged over repeats, for a Dataset with `method` and
    `dt` axes. reference: {axis: value} of the reference point; default
    method `exact` at the smallest dt. Returns a Dataset over the other
    axes with `mean`, `sem` (ddof=1 over sqrt(count); NaN below 2),
    `count` (repeats where both are defined), `ref_mean` (the reference's
    mean over those repeats), `relative` (mean / ref_mean) and `same`
    (the fraction of repeats with the reference's n_spikes, when the file
    has n_spikes)."""
    for axis in ("method", "dt"):
        if axis not in ds[metric].dims:
            raise KeyError(f"{metric} has no '{axis}' axis")
    if reference is None:
        reference = {"method": "exact", "dt": float(ds["dt"].min())}
    x = ds[metric].reset_coords(drop=True)
    ref = x.sel(reference).drop_vars(list(reference), errors="ignore")
    d = x - ref
    both = d.notnull()
    count = both.sum("repeat")
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = d.mean("repeat", skipna=True)
        sem = d.std("repeat", skipna=True, ddof=1) / np.sqrt(count)
        ref_mean = ref.where(both).mean("repeat", skipna=True)
    out = xr.Dataset({"mean": mean.where(count > 0),
                      "sem": sem.where(count > 1), "count": count,
                      "ref_mean": ref_mean, "relative": mean / ref_mean})
    if "n_spikes" in ds:
        n = ds["n_spikes"].reset_coords(drop=True)
        nref = n.sel(reference).drop_vars(list(reference), errors="ignore")
        ok = n.notnull() & nref.notnull()
        out["same"] = (n == nref).where(ok).sum("repeat") / ok.sum("repeat")
    out.attrs = {"metric": metric,
                 "reference": ", ".join(f"{k}={v}"
                                        for k, v in reference.items())}
    return out
