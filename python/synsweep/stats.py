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
