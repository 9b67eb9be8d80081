"""Reading synsweep results files for analysis.

    import synsweep
    ds = synsweep.open("results/default.h5")      # an xarray Dataset
    s = synsweep.summary(ds, "firing_rate")       # mean, sem, count over repeats

Pure Python on xarray (engine h5netcdf) and numpy; `scripts/synsweep-plot`
draws figures from it. docs/analysis.md has the details.
"""
from .reader import axes, label_level, metrics, open, zip_levels  # noqa: A004
from .stats import paired_bias, summary

__all__ = ["open", "summary", "paired_bias", "axes", "metrics", "zip_levels",
           "label_level"]
