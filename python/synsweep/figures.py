"""The figures of synsweep-plot, each a function (Dataset -> Figure, rows
of the numbers it draws). The default figure fits the file's model and
axes; `custom` draws one metric against one axis, one line per value of
another. Headless: matplotlib's Figure with no pyplot and no display."""
import matplotlib
import numpy as np
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from .reader import axes, metrics, zip_levels
from .table import (UnknownName, check_axis, check_metric, display_values,
                    fmt, is_numeric, label, points, unit_of)

LIF_MAIN = ["firing_rate", "cv_isi", "fmp_mean", "fmp_std"]
WIDTH = 10.0  # inches at 100 dpi: figures about 1000 pixels wide


def _title(fig, ds, extra=""):
    name = ds.attrs.get("name", "")
    desc = ds.attrs.get("description", "")
    text = f"{name}: {desc}" if name and desc else (name or desc)
    if extra:
        text = f"{text}\n{extra}" if text else extra
    if text:
        fig.suptitle(text, fontsize=11)


def _positions(ds, axis):
    """x positions and tick labels: the values of a numeric axis, else
    0..n-1 labelled with the values shown."""
    shown = display_values(ds, axis)
    if is_numeric(ds, axis):
        return np.asarray(shown, dtype=float), None
    return np.arange(len(shown)), [str(v) for v in shown]


def _errorbar(ax, x, s, **kw):
    """mean with standard-error bars (no bar where it is undefined)."""
    mean = np.asarray(s["mean"].values, dtype=float)
    sem = np.asarray(s["sem"].values, dtype=float)
    ax.errorbar(x, mean, yerr=np.where(np.isfinite(sem), sem, 0.0),
                capsize=2.5, **kw)


def _fixed_note(ds, names):
    """"U0=0.5, tau_d=100 ms" for the names that are scalar coordinates."""
    out = []
    for n in names:
        if n in ds.coords and ds[n].ndim == 0:
            units = unit_of(ds, n)
            out.append(f"{n}={fmt(ds[n].values[()])}" +
                       (f" {units}" if units else ""))
    return ", ".join(out)


# ---- stp_train over rate: the tutorial's STD and STF figures ------------

def _column_heads(ds, axis):
    """A zip axis' labels with its members' values below them."""
    shown = display_values(ds, axis)
    lab, members = zip_levels(ds, axis)
    if not lab:
        return [f"{axis}={fmt(v)}" if is_numeric(ds, axis) else str(v)
                for v in shown]
    return [f"{v}\n" + ", ".join(
        f"{m}={fmt(ds[m].values[i])}" +
        (f" {unit_of(ds, m)}" if unit_of(ds, m) else "") for m in members)
        for i, v in enumerate(shown)]


def stp_rate(ds):
    """g1 and g10 against rate, and g10/g1 against rate; one column per
    value of a second axis (depression and facilitation side by side)."""
    others = [a for a in axes(ds) if a != "rate"]
    names = [m for m in ("g1", "g10", "g_ratio") if m in metrics(ds)]
    rows, arr = points(ds, ["rate"] + others, names)
    cols = ds.sizes[others[0]] if others else 1
    heads = _column_heads(ds, others[0]) if others else \
        [_fixed_note(ds, ["U0", "tau_d", "tau_f"])]
    if cols == 1:
        fig = Figure(figsize=(WIDTH, 4.2))
        grid = fig.subplots(1, 2, squeeze=False)
        panels = [(grid[0, 0], grid[0, 1])]
    else:
        fig = Figure(figsize=(min(WIDTH * 1.3, 4.2 * cols + 1), 7.0))
        grid = fig.subplots(2, cols, squeeze=False, sharex=True,
                            sharey="row")
        panels = [(grid[0, c], grid[1, c]) for c in range(cols)]
    x = np.asarray(ds["rate"].values, dtype=float)
    for c, (top, bottom) in enumerate(panels):
        pick = {others[0]: c} if others else {}
        for m, style, text in (("g1", "m-o", "1st spike"),
                               ("g10", "c-o", "10th spike")):
            if m in arr:
                _errorbar(top, x, arr[m].isel(pick), fmt=style, ms=4,
                          label=text)
        top.set_ylabel(label(ds, "g1", "conductance"))
        top.legend(fontsize=9)
        top.set_title(str(heads[c]), fontsize=10)
        if "g_ratio" in arr:
            _errorbar(bottom, x, arr["g_ratio"].isel(pick), fmt="b-o", ms=4)
        bottom.axhline(1.0, color="0.6", lw=0.8, ls="--")
        bottom.set_ylabel(r"conductance ratio $g_{10}/g_{1}$")
        bottom.set_xlabel(label(ds, "rate"))
        if cols == 1:
            top.set_xlabel(label(ds, "rate"))
    _title(fig, ds)
    fig.tight_layout()
    return fig, rows


# ---- LIF over two axes: maps, and CV against the mean FMP ---------------

def _edges(centres):
    c = np.asarray(centres, dtype=float)
    if len(c) == 1:
        return np.array([c[0] - 0.5, c[0] + 0.5])
    mid = (c[1:] + c[:-1]) / 2
    return np.concatenate([[2 * c[0] - mid[0]], mid, [2 * c[-1] - mid[-1]]])


def lif_maps(ds):
    """Firing rate, CV_ISI, FMP mean and std over the two axes (mean over
    repeats; a cell with no trial blank), and CV_ISI against mean FMP - V_th
    over every trial."""
    xa, ya = axes(ds)
    names = [m for m in LIF_MAIN if m in metrics(ds)]
    rows, arr = points(ds, [xa, ya], names)
    fig = Figure(figsize=(WIDTH * 1.25, 6.6))
    gs = fig.add_gridspec(2, 3, width_ratios=[1, 1, 1.15])
    xs, xt = _positions(ds, xa)
    ys, yt = _positions(ds, ya)
    xe = _edges(xs) if xt is None else np.arange(len(xs) + 1) - 0.5
    ye = _edges(ys) if yt is None else np.arange(len(ys) + 1) - 0.5
    titles = {"firing_rate": "firing rate", "cv_isi": "CV of the ISIs",
              "fmp_mean": "mean free membrane potential",
              "fmp_std": "std of the free membrane potential"}
    for k, m in enumerate(names):
        ax = fig.add_subplot(gs[k // 2, k % 2])
        z = np.ma.masked_invalid(arr[m]["mean"].values.T)
        mesh = ax.pcolormesh(xe, ye, z, shading="flat",
                             cmap="viridis" if m != "cv_isi" else "magma")
        cb = fig.colorbar(mesh, ax=ax)
        cb.set_label(label(ds, m))
        ax.set_title(titles.get(m, m), fontsize=10)
        ax.set_xlabel(label(ds, xa))
        ax.set_ylabel(label(ds, ya))
        if xt:
            ax.set_xticks(xs, xt)
        if yt:
            ax.set_yticks(ys, yt)
    if {"cv_isi", "fmp_mean"} <= set(metrics(ds)) and "V_th" in ds.variables:
        ax = fig.add_subplot(gs[:, 2])
        depol = (ds["fmp_mean"] - ds["V_th"]).values.ravel()
        cv = ds["cv_isi"].broadcast_like(ds["fmp_mean"]).values.ravel()
        if {"exc_rate", "inh_rate"} <= set(ds.variables):
            ratio = (ds["exc_rate"] / ds["inh_rate"]).broadcast_like(
                ds["fmp_mean"]).values.ravel()
            ctext = "exc_rate / inh_rate"
        else:
            ratio = ds[xa].broadcast_like(ds["fmp_mean"]).values.ravel() \
                if is_numeric(ds, xa) else None
            ctext = label(ds, xa)
        ok = np.isfinite(depol) & np.isfinite(cv)
        norm = None
        if ratio is not None and ok.any() and \
                ratio[ok].min() < 1.0 < ratio[ok].max() and \
                ctext.startswith("exc_rate /"):
            # white where the rates are equal
            norm = TwoSlopeNorm(1.0, ratio[ok].min(), ratio[ok].max())
        sc = ax.scatter(depol[ok], cv[ok], s=6, alpha=0.6,
                        c=None if ratio is None else ratio[ok],
                        cmap="coolwarm", norm=norm, linewidths=0)
        if ratio is not None:
            fig.colorbar(sc, ax=ax).set_label(ctext)
        ax.axhline(1.0, color="k", lw=0.8, ls="--")
        ax.axvline(0.0, color="0.5", lw=0.8, ls=":")
        ax.text(0.02, 0.98, "CV = 1: Poisson-like\n"
                f"{int(ok.sum())} trials with > 3 spikes",
                transform=ax.transAxes, va="top", fontsize=8)
        ax.set_xlabel(f"mean FMP − V_th ({unit_of(ds, 'fmp_mean')})")
        ax.set_ylabel(label(ds, "cv_isi", "CV of the ISIs"))
        ax.set_title("irregularity against the mean drive", fontsize=10)
    _title(fig, ds, "mean over repeats; a blank cell has no trial with a "
                    "defined value")
    fig.tight_layout()
    return fig, rows


# ---- LIF over one axis: lines with standard errors ----------------------

def lif_lines(ds):
    """Firing rate and CV (and the FMP's mean and std) against the one
    axis, mean ± standard error over repeats."""
    (xa,) = axes(ds)
    names = [m for m in LIF_MAIN if m in metrics(ds)]
    rows, arr = points(ds, [xa], names)
    ncol = 2 if len(names) > 1 else 1
    nrow = (len(names) + ncol - 1) // ncol
    fig = Figure(figsize=(WIDTH, 3.4 * nrow + 0.6))
    grid = fig.subplots(nrow, ncol, squeeze=False, sharex=True)
    x, ticks = _positions(ds, xa)
    for k, m in enumerate(names):
        ax = grid[k // ncol, k % ncol]
        _errorbar(ax, x, arr[m], fmt="o-", ms=4, color="C%d" % k)
        ax.set_ylabel(label(ds, m))
        if k + ncol >= len(names):  # the lowest panel of its column
            ax.set_xlabel(label(ds, xa))
            ax.xaxis.set_tick_params(labelbottom=True)
        if ticks:
            ax.set_xticks(x, ticks)
    for k in range(len(names), nrow * ncol):
        grid[k // ncol, k % ncol].set_visible(False)
    _title(fig, ds, "mean ± standard error over repeats")
    fig.tight_layout()
    return fig, rows


# ---- dt and method axes: the convergence study --------------------------

def _dt_study(ds):
    """(the axes but dt and method, ok): a file whose metrics run along dt
    and method, with `exact` among the methods, and at most one other axis
    of a few values (a column each)."""
    names = axes(ds)
    if not {"dt", "method"} <= set(names) or \
            "firing_rate" not in metrics(ds) or \
            "exact" not in [str(v) for v in ds["method"].values]:
        return [], False
    others = [a for a in names if a not in ("dt", "method")]
    return others, len(others) <= 1 and \
        all(ds.sizes[a] <= 4 for a in others)


def first_order_guide(ax, dt, bias):
    """A dashed line proportional to dt through the geometric mean of the
    positive (dt, bias) points."""
    dt, bias = np.asarray(dt, float), np.asarray(bias, float)
    ok = np.isfinite(bias) & (bias > 0)
    if ok.sum() < 2:
        return
    c = np.exp(np.mean(np.log(bias[ok] / dt[ok])))
    xs = np.array([dt.min(), dt.max()])
    ax.plot(xs, c * xs, ls="--", color="0.5", lw=1,
            label="first order (∝ dt)")


def dt_convergence(ds):
    """The paired firing-rate bias of each method against dt, on log-log
    axes with a first-order guide, one column per value of the other axis
    (the E/I points); below it, the fraction of trials whose spike count
    equals the reference's. The reference is `exact` at the smallest dt,
    trial by trial (the same inputs with `events: continuous`)."""
    from .stats import paired_bias
    others, _ = _dt_study(ds)
    b = paired_bias(ds, "firing_rate")
    col = others[0] if others else None
    heads = _column_heads(ds, col) if col else [""]
    if col and unit_of(ds, col) and is_numeric(ds, col):
        heads = [f"{h} {unit_of(ds, col)}" for h in heads]
    fixed = _fixed_note(ds, ["exc_rate", "n_exc", "n_inh", "events"])
    ncol = len(heads)
    fig = Figure(figsize=(max(WIDTH, 4.6 * ncol), 7.2))
    grid = fig.subplots(2, ncol, squeeze=False, sharex=True)
    dts = np.asarray(ds["dt"].values, dtype=float)
    methods = [str(v) for v in ds["method"].values]
    rows = []
    for c in range(ncol):
        sel = {col: ds[col].values[c]} if col else {}
        at = b.isel({col: c}) if col else b
        top, low = grid[0, c], grid[1, c]
        notes = []
        for k, m in enumerate(methods):
            s = at.sel({"method": m})
            mean = np.asarray(s["mean"].values, float)
            sem = np.asarray(s["sem"].values, float)
            same = np.asarray(s["same"].values, float) \
                if "same" in s else None
            for i, dt in enumerate(dts):
                rows.append(dict({col: fmt(sel[col])} if col else {},
                                 method=m, dt=float(dt),
                                 bias_mean=float(mean[i]),
                                 bias_sem=float(sem[i]),
                                 relative=float(s["relative"].values[i]),
                                 reference_rate=float(
                                     s["ref_mean"].values[i]),
                                 same_count=float(same[i])
                                 if same is not None else np.nan,
                                 n=int(s["count"].values[i])))
            pos = np.isfinite(mean) & (mean > 0)
            if pos.any():
                top.errorbar(dts[pos], mean[pos],
                             yerr=np.where(np.isfinite(sem[pos]), sem[pos],
                                           0.0),
                             fmt="o-", ms=4, capsize=2.5, color=f"C{k}",
                             label=m)
                if m == "euler":
                    first_order_guide(top, dts, mean)
            if (~pos).any():
                what = "0" if np.all(mean[~pos] == 0) else "≤ 0"
                where = "every dt" if (~pos).all() else "dt = " + \
                    ", ".join(fmt(float(v)) for v in dts[~pos]) + " ms"
                notes.append(f"{m}: bias {what} at {where} "
                             "(not on log axes)")
            if same is not None:
                low.plot(dts, 100 * same, "o-", ms=4, color=f"C{k}",
                         label=m)
        top.set_xscale("log")
        top.set_yscale("log")
        top.set_title(heads[c], fontsize=10)
        top.set_ylabel("paired firing-rate bias (Hz)")
        top.legend(fontsize=8, loc="lower right")
        if notes:
            top.text(0.02, 0.98, "\n".join(notes), transform=top.transAxes,
                     va="top", fontsize=8)
        low.set_xlabel(label(ds, "dt"))
        low.set_ylabel("trials with the reference's\nspike count (%)")
        low.set_ylim(-3, 103)
        low.legend(fontsize=8, loc="lower left")
        low.set_xticks(dts, [fmt(float(v)) for v in dts])
        low.xaxis.set_minor_formatter(NullFormatter())
    ref = b.attrs["reference"]
    _title(fig, ds, (f"{fixed}\n" if fixed else "") +
           f"paired over {ds.sizes['repeat']} repeats against {ref} "
           "ms: mean ± standard error")
    fig.tight_layout()
    return fig, rows


# ---- no axes: the distribution over repeats -----------------------------

def repeats_histograms(ds):
    """Histograms of the main metrics over the repeats of the one point."""
    names = [m for m in LIF_MAIN if m in metrics(ds)] or metrics(ds)[:4]
    ncol = 2 if len(names) > 1 else 1
    nrow = (len(names) + ncol - 1) // ncol
    fig = Figure(figsize=(WIDTH, 3.2 * nrow + 0.6))
    grid = fig.subplots(nrow, ncol, squeeze=False)
    for k, m in enumerate(names):
        ax = grid[k // ncol, k % ncol]
        v = ds[m].values.ravel()
        v = v[np.isfinite(v)]
        if len(v):
            ax.hist(v, bins=min(30, max(5, len(v) // 5)), color="C%d" % k)
            ax.axvline(v.mean(), color="k", ls="--", lw=1)
        else:
            ax.text(0.5, 0.5, "no trial with a defined value",
                    transform=ax.transAxes, ha="center")
        ax.set_xlabel(label(ds, m))
        ax.set_ylabel("trials")
    for k in range(len(names), nrow * ncol):
        grid[k // ncol, k % ncol].set_visible(False)
    _title(fig, ds, f"{ds.sizes['repeat']} repeats; dashed: the mean")
    fig.tight_layout()
    rows = [dict({"repeat": int(r)},
                 **{m: float(ds[m].values.ravel()[i]) for m in names})
            for i, r in enumerate(ds["repeat"].values)]
    return fig, rows


# ---- one metric against one axis ----------------------------------------

def custom(ds, x, y, hue=None, at=()):
    """y (mean ± standard error over repeats) against x, one line per
    value of hue. Every other axis must have one value (fix it with
    select_at first, and name what it fixed in at: (name, value) pairs for
    the title)."""
    check_axis(ds, x)
    check_metric(ds, y)
    if hue is not None:
        check_axis(ds, hue, "hue axis")
        if hue == x:
            raise UnknownName(f"--hue must differ from --x (both '{x}')")
    keep = [x] + ([hue] if hue else [])
    for a in axes(ds):
        if a not in keep and a in ds.dims and ds.sizes[a] > 1:
            raise UnknownName(
                f"axis '{a}' has {ds.sizes[a]} values; give it as --hue or "
                f"fix it with --at {a}=VALUE")
    rows, arr = points(ds, keep, [y])
    fig = Figure(figsize=(WIDTH * 0.8, 5.0))
    ax = fig.subplots()
    xs, ticks = _positions(ds, x)
    s = arr[y]
    if hue:
        shown = display_values(ds, hue)
        # numbers in order along a colour map; words in distinct colours
        cmap = matplotlib.colormaps["viridis"] if is_numeric(ds, hue) \
            else None
        for i, name in enumerate(shown):
            colour = cmap(i / max(1, len(shown) - 1) * 0.9) if cmap \
                else f"C{i % 10}"
            _errorbar(ax, xs, s.isel({hue: i}), fmt="o-", ms=4,
                      color=colour, label=fmt(name))
        ax.legend(title=label(ds, hue), fontsize=8,
                  ncol=2 if len(shown) > 8 else 1)
    else:
        _errorbar(ax, xs, s, fmt="o-", ms=4)
    if ticks:
        ax.set_xticks(xs, ticks)
    ax.set_xlabel(label(ds, x))
    ax.set_ylabel(label(ds, y))
    fixed = [f"{a}={display_values(ds, a)[0]}" for a in axes(ds)
             if a not in keep] + [f"{n}={v}" for n, v in at]
    note = ", ".join(fixed)
    _title(fig, ds, "mean ± standard error over repeats" +
           (f"; at {note}" if note else ""))
    fig.tight_layout()
    return fig, rows


def generic(ds):
    """The first metric (the model's main one: the firing rate, g10/g1)
    against the first axis, numeric first (one line per value of a second;
    further axes at their first value)."""
    names = axes(ds)
    if not names:
        return repeats_histograms(ds)
    names.sort(key=lambda a: not (is_numeric(ds, a) and ds.sizes[a] > 1))
    for a in names[2:]:
        ds = ds.isel({a: [0]})
    hue = names[1] if len(names) > 1 and ds.sizes[names[1]] <= 12 else None
    for a in names[1:2]:
        if hue is None:
            ds = ds.isel({a: [0]})
    main = [m for m in ("firing_rate", "g_ratio") if m in metrics(ds)]
    return custom(ds, names[0], (main or metrics(ds))[0], hue)


# ---- a trace file: one trial's time series ------------------------------

def trace(ds):
    """v with the threshold and the FMP (the tutorial's my_illus_LIFSYN),
    gE and gI, and u and R where the model has them; for stp_train, as
    my_illus_STD: u and R, the presynaptic spikes, and g."""
    t = ds["time"].values
    a = ds.attrs
    if "v" not in ds:
        return _trace_stp(ds)
    has_stp = "u" in ds and "R" in ds
    nrow = 3 if has_stp else 2
    fig = Figure(figsize=(WIDTH * 1.1, 2.6 * nrow + 0.8))
    gs = fig.add_gridspec(nrow, 2, height_ratios=[1.3] + [1] * (nrow - 1))
    ax = fig.add_subplot(gs[0, :])
    ax.plot(t, ds["fmp"].values, "r", lw=1, label="Free mem. pot.", zorder=2)
    ax.plot(t, ds["v"].values, "b", lw=1, alpha=0.7, label="True mem. pot",
            zorder=1)
    ax.axhline(a["V_th"], color="k", lw=2, ls="--", label="Spike Threshold")
    ax.axhline(float(np.mean(ds["fmp"].values)), color="r", lw=2, ls="--",
               label="Mean Free Mem. Pot.")
    ax.set_xlabel(label(ds, "time"))
    ax.set_ylabel(label(ds, "v", "V"))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    for k, (name, colour) in enumerate((("gE", "r"), ("gI", "b"))):
        g = fig.add_subplot(gs[1, k])
        if name in ds:
            g.plot(t[::3], ds[name].values[::3], colour, lw=1)
        g.set_xlabel(label(ds, "time"))
        g.set_ylabel(label(ds, name, "$g_E$" if k == 0 else "$g_I$"))
    if has_stp:
        s = fig.add_subplot(gs[2, :])
        s.plot(t, ds["R"].values, "b", label="R")
        s.plot(t, ds["u"].values, "r", label="u")
        s.set_xlabel(label(ds, "time"))
        s.set_ylabel("R, u (excitatory mean)")
        s.legend(loc="best", fontsize=8)
    keys = [k for k in ("exc_rate", "inh_rate", "gE_bar", "gI_bar",
                        "tau_d_E", "tau_f_E") if k in a]
    _title(fig, ds, f"{a.get('model', '')} trial {a.get('trial', '?')}, "
                    f"repeat {a.get('repeat', '?')}: " +
           ", ".join(f"{k}={fmt(a[k])}" for k in keys) +
           f"; {ds.sizes.get('spike', 0)} spikes")
    fig.tight_layout()
    return fig, _trace_rows(ds, ["v", "fmp", "gE", "gI", "u", "R"])


def _trace_stp(ds):
    t = ds["time"].values
    a = ds.attrs
    fig = Figure(figsize=(WIDTH * 1.1, 5.4))
    gs = fig.add_gridspec(2, 2)
    ax = fig.add_subplot(gs[0, 0])
    ax.plot(t, ds["R"].values, "b", label="R")
    ax.plot(t, ds["u"].values, "r", label="u")
    ax.legend(loc="best")
    ax.set_ylabel(r"$R$ or $u$ (a.u)")
    ax.set_xlim(t[0], t[-1])
    sp = fig.add_subplot(gs[1, 0])
    spikes = t[ds["presynaptic"].values > 0]
    sp.plot(spikes, np.zeros(len(spikes)), "k|", ms=18, mew=2)
    sp.set_yticks([])
    sp.set_xlim(t[0], t[-1])
    sp.set_xlabel(label(ds, "time"))
    sp.set_title("Presynaptic spikes", fontsize=10)
    g = fig.add_subplot(gs[:, 1])
    g.plot(t, ds["gE"].values, "r", label="STP synapse")
    g.set_xlabel(label(ds, "time"))
    g.set_ylabel(label(ds, "gE", "g"))
    g.set_xlim(t[0], t[-1])
    keys = [k for k in ("rate", "U0", "tau_d", "tau_f", "input") if k in a]
    _title(fig, ds, "stp_train trial %s: " % a.get("trial", "?") +
           ", ".join(f"{k}={fmt(a[k])}" for k in keys))
    fig.tight_layout()
    return fig, _trace_rows(ds, ["u", "R", "gE", "presynaptic"])


def _trace_rows(ds, names):
    names = [n for n in names if n in ds]
    cols = {n: ds[n].values for n in names}
    return [dict({"time": float(tt)}, **{n: float(cols[n][i]) for n in names})
            for i, tt in enumerate(ds["time"].values)]


def default(ds):
    """The figure that fits the file's model and axes."""
    if "time" in ds.dims:
        return trace(ds)
    model = ds.attrs.get("model", "")
    names = axes(ds)
    # a column per value of the second axis: a few regimes side by side
    if model == "stp_train" and "rate" in names and len(names) <= 2 \
            and all(ds.sizes[a] <= 4 for a in names if a != "rate") \
            and {"g1", "g10"} & set(metrics(ds)):
        return stp_rate(ds)
    lif = model in ("lif_cond", "lif_cond_stp") and \
        {"firing_rate", "cv_isi"} & set(metrics(ds))
    if lif and _dt_study(ds)[1]:
        return dt_convergence(ds)
    if lif and len(names) == 2:
        return lif_maps(ds)
    if lif and len(names) == 1:
        return lif_lines(ds)
    return generic(ds)


__all__ = ["default", "custom", "trace", "stp_rate", "lif_maps",
           "lif_lines", "repeats_histograms", "generic", "dt_convergence"]
