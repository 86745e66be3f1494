"""Reproduce figures of seed 001 (the main job of jaxqtm).

    python -m examples.seed001.figures --out results/oscillators [--quick] [--n 256]

Writes one PNG per figure, the data (``.npz``) and a JSON file with every
parameter, and prints progress. Figures: 2(a) eigenvalue of chi''(w); 2(b) Pearson
coefficient vs T2; 3(a-d) Q_{P_A} and P_A over the (Omega, T) plane for omega_c = 1000
and 1.2; 4 Q_{P_A}/2 vs Pearson C at varying gamma_2; 5(a,b) the same plane at
Delta T / Tbar = 1.8; 6(a,b) Q_{P_A}/V_{P_A} and P_A for r = 1/2; 8(a) work-to-work
efficiency vs Omega.

``--appendix`` adds the appendix figures 7 (Q_{P_B}, P_B over the fig. 3 planes), 9 (Q_{P_A}, P_A
at weak damping gamma_2 = 0.01, gamma_1 = 0.001) and 10 (the threshold Omega_th above which
Q_{P_A} < 2, against Delta T / Tbar); they are computed with ``jaxqtm.sweep`` (see
``appendix_figures``).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np

import jaxqtm
import jaxqtm.oscillators as osc
from jaxqtm._progress import compile_event
from jaxqtm.oscillators import ExactIsothermal, MatsubaraSum, observables
from jaxqtm.plot import save_figure

from .._cli import count, figure_parser
from .paper import paper_machine

FIG3 = dict(omega_A=1.0, omega_B=0.6, gamma2=100.0, gamma1=0.01, phi=float(np.pi / 2), r=0.0)


def _progress(msg):
    print(msg, flush=True)


def _sig(x, digits=6):
    """A number for figures.json, to ``digits`` significant digits (the figures' values are good to
    ~1e-9 or better; more digits are noise to a reader)."""
    return float(f"{float(x):.{digits}g}")


# One compiled evaluator per noise method, shared by every figure: all paper parameters are traced
# arguments and every call has the same shape, so the whole job compiles twice (isothermal /
# two-temperature) instead of once per panel. A call holds _ROWS machines with _PER_ROW points each:
# the machine parameters are batched over rows only, so the response poles, residues and bath
# factors (~45 % of a point's cost) are computed once per row, not once per point. A panel of one
# machine fills every row with it; fig. 4, one point per machine, pads its rows (4 calls in all).
_ROWS, _PER_ROW = 64, 64
_CHUNK = _ROWS * _PER_ROW
_POINT_KEYS = ("Omega", "T1", "T2")
_MACHINE_KEYS = ("omega_c", "r", "gamma2", "gamma1")
_KEYS = _POINT_KEYS + _MACHINE_KEYS


def _point(p, q, isothermal):
    noise = ExactIsothermal() if isothermal else MatsubaraSum()
    m, d = paper_machine(
        omega_A=1.0,
        omega_B=0.6,
        gamma2=q["gamma2"],
        gamma1=q["gamma1"],
        omega_c=q["omega_c"],
        T1=p["T1"],
        T2=p["T2"],
        phi=jnp.pi / 2,
        r=q["r"],
    )
    ob = observables(m, d, p["Omega"], noise=noise, throw=False)
    return dict(
        Q_PA=ob.Q_l[0],
        P_A=ob.P_l[0],
        P_B=ob.P_l[1],
        V_PA=ob.V_l[0],
        pearson=ob.pearson[0, 1],
        pearson_like=ob.pearson_like[0, 1],
        eta_work=ob.eta_work,
        status=ob.status.astype(float),
    )


def _rows_program(isothermal):
    """(points (_ROWS, _PER_ROW), machines (_ROWS,)) -> observables (_ROWS, _PER_ROW)."""
    row = jax.vmap(lambda p, q: _point(p, q, isothermal), in_axes=(0, None))
    # compiled with the oscillator engine's options (classic CPU fusion emitters: 1.5x faster to compile)
    return jax.jit(jax.vmap(row), compiler_options=osc.compiler_options())


_BATCH = {iso: _rows_program(iso) for iso in (True, False)}
_COMPILED: set = set()  # which of the two has run (the first call compiles, or loads it from the cache)


def _rows(machines):
    """Index arrays of the points, grouped into rows of at most _PER_ROW points of one machine."""
    _, inverse = np.unique(machines, axis=0, return_inverse=True)
    order = np.argsort(inverse.ravel(), kind="stable")
    cuts = np.flatnonzero(np.diff(inverse.ravel()[order])) + 1
    return [g[i : i + _PER_ROW] for g in np.split(order, cuts) for i in range(0, len(g), _PER_ROW)]


def evaluate(isothermal: bool, label: str = "", **params):
    """Evaluate the paper machine on broadcast parameter arrays (defaults: fig. 3), chunked."""
    defaults = dict(T1=0.1, T2=0.1, omega_c=1.2, r=0.0, gamma2=100.0, gamma1=0.01)
    defaults.update(params)
    arrs = np.broadcast_arrays(*[np.asarray(defaults[k], dtype=float) for k in _KEYS])
    shape = arrs[0].shape
    flat = dict(zip(_KEYS, (a.ravel() for a in arrs)))
    n = flat["Omega"].size
    rows = _rows(np.stack([flat[k] for k in _MACHINE_KEYS], axis=1))
    out: dict = {}
    t0, done = time.time(), 0
    for r0 in range(0, len(rows), _ROWS):
        chunk_rows = rows[r0 : r0 + _ROWS]
        # short rows and a short last call are padded by repeating their points (results dropped)
        idx = np.resize(np.stack([np.resize(i, _PER_ROW) for i in chunk_rows]), (_ROWS, _PER_ROW))
        points = {k: jnp.asarray(flat[k][idx]) for k in _POINT_KEYS}
        machines = {k: jnp.asarray(flat[k][idx[:, 0]]) for k in _MACHINE_KEYS}
        first = isothermal not in _COMPILED
        if first:
            what = "the isothermal" if isothermal else "the two-temperature"
            _progress("  " + compile_event("figures", f"{what} evaluator ({_CHUNK} points per call)")["message"])
            _COMPILED.add(isothermal)
            tc = time.time()
        res = jax.device_get(_BATCH[isothermal](points, machines))
        if first:
            _progress(f"  compiled (or loaded) and ran the first call in {time.time() - tc:.1f} s")
        for b, i in enumerate(chunk_rows):
            for k, v in res.items():
                out.setdefault(k, np.empty(n))[i] = np.asarray(v)[b, : len(i)]
        done += sum(len(i) for i in chunk_rows)
        if label:
            _progress(f"  {label}: {done}/{n} points ({time.time() - t0:.1f} s)")
    return {k: v.reshape(shape) for k, v in out.items()}


def fig3_data(n, omega_c, omega_range=(1e-2, 1e3), t_range=(1e-2, 2.0)):
    om = np.logspace(np.log10(omega_range[0]), np.log10(omega_range[1]), n)
    ts = np.logspace(np.log10(t_range[0]), np.log10(t_range[1]), n)
    xx, yy = np.meshgrid(om, ts)
    return xx, yy, evaluate(True, f"fig3 omega_c={omega_c:g}", Omega=xx, T1=yy, T2=yy, omega_c=omega_c)


def fig5_data(n, rel_gradient=1.8, omega_c=1.2):
    xx, yy = np.meshgrid(np.logspace(-2, 3, n), np.logspace(-2, np.log10(2.0), n))
    return (
        xx,
        yy,
        evaluate(
            False, "fig5", Omega=xx, T1=yy * (1 + rel_gradient / 2), T2=yy * (1 - rel_gradient / 2), omega_c=omega_c
        ),
    )


def fig6_data(n, r=0.5, omega_c=1.2):
    xx, yy = np.meshgrid(np.logspace(-2, 3, n), np.logspace(-2, np.log10(2.0), n))
    d = evaluate(True, "fig6", Omega=xx, T1=yy, T2=yy, omega_c=omega_c, r=r)
    d["Q_over_V"] = d["Q_PA"] / d["V_PA"]
    return xx, yy, d


# one program for both dampings (the medium is a traced argument)
_CHI_EIG = jax.jit(jax.vmap(lambda medium, w: medium.chi_imag_eig(w), in_axes=(None, 0)))


def fig2_data(n):
    ws = np.linspace(0.0, 1.6, 40 * n // 8 + 1)
    eig = {}
    for g2 in (0.01, 100.0):
        vals, vecs = _CHI_EIG(osc.WorkingMedium([1.0, 0.6], g2), jnp.asarray(ws))
        # chi'' is rank one at strong damping; plot the eigenvalue of largest modulus
        idx = np.argmax(np.abs(np.asarray(vals)), axis=1)
        eig[g2] = (np.asarray(vals)[np.arange(len(ws)), idx], np.asarray(vecs)[np.arange(len(ws)), :, idx])
    t2s = np.logspace(-2, 1, n)
    g2s = np.array([0.01, 0.1, 1.0, 10.0, 100.0])
    tt, gg = np.meshgrid(t2s, g2s)
    pc = evaluate(True, "", Omega=1.0, T1=tt, T2=tt, gamma2=gg)["pearson"]
    return ws, eig, t2s, {g: pc[i] for i, g in enumerate(g2s)}


# fig. 4(b): the Pearson coefficient at the caption's T = 0.1 and colder, where C -> -1 is reached
FIG4_TEMPERATURES = (0.1, 0.01, 0.001)


def fig4_data(n):
    """Fig. 4 at T = 0.1 (g2s, Q_PA/2, C, C~ of eq. 25, P_A) and C at FIG4_TEMPERATURES, shape (3, n)."""
    g2s = np.logspace(-2, 3, n)
    t = np.asarray(FIG4_TEMPERATURES)[:, None]
    d = evaluate(True, "", Omega=200.0, T1=t, T2=t, gamma2=g2s[None, :])
    return g2s, d["Q_PA"][0] / 2, d["pearson"][0], d["pearson_like"][0], d["P_A"][0], d["pearson"]


def fig8_data(n):
    om = np.logspace(-1, 3, n)
    curves = ((0.01, 0.0), (100.0, 0.0), (100.0, 0.5), (100.0, 1.0), (100.0, 1.5))
    g2, r = (np.array(c)[:, None] for c in zip(*curves))
    eta = evaluate(True, "", Omega=om[None, :], gamma2=g2, gamma1=0.001, r=r)["eta_work"]
    return om, {c: eta[i] for i, c in enumerate(curves)}


def _density(ax, xx, yy, z, title, center, cmap, label, log_norm=False):
    """One density panel on log-log axes, the contour z = ``center`` dashed.

    ``log_norm``: logarithmic colours symmetric about ``center`` (white exactly there: the TUR bound
    Q = 2, or Q/V = 1), at most three decades each way (beyond: the end colours). Otherwise a
    symmetric-log scale about 0 (linear within 1e-4 of the largest |z|), labelled at 0 and every
    second decade, so that the labels around 0 do not overlap."""
    import matplotlib.colors as mcolors

    if log_norm:
        zz = np.where(z > 0, z, np.nan)
        span = float(np.clip(np.nanmax(np.abs(np.log10(zz / center))), 0.1, 3.0))
        norm = mcolors.LogNorm(vmin=center * 10.0**-span, vmax=center * 10.0**span)
        pcm = ax.pcolormesh(xx, yy, zz, norm=norm, cmap=cmap, shading="auto")
        cb = ax.figure.colorbar(pcm, ax=ax, label=label, extend="both" if span == 3.0 else "neither")
        # labelled at center x 10^k: the white middle carries its value (2, or 1)
        k = np.arange(-np.floor(span), np.floor(span) + 1)
        cb.set_ticks(center * 10.0**k, labels=[f"{center * 10.0**j:g}" for j in k])
        cb.ax.minorticks_off()
    else:
        lim = float(np.nanmax(np.abs(z)))
        pcm = ax.pcolormesh(
            xx, yy, z, cmap=cmap, shading="auto", norm=mcolors.SymLogNorm(linthresh=lim * 1e-4, vmin=-lim, vmax=lim)
        )
        top = 10.0 ** np.floor(np.log10(lim))
        ticks = [-top, -top * 1e-2, 0.0, top * 1e-2, top]
        ax.figure.colorbar(pcm, ax=ax, label=label, ticks=ticks)
    ax.contour(xx, yy, z, levels=[center], colors="k", linestyles="--", linewidths=1.0)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"$\Omega/\omega_A$")
    ax.set_ylabel(r"$T/\omega_A$")
    ax.set_title(title, fontsize=9)


# ---------------------------------------------------------------------------
# Appendix figures 7, 9, 10 (computed with jaxqtm.sweep)
# ---------------------------------------------------------------------------


def _iso_kernel(Omega, T, omega_c, gamma2, gamma1):
    """Isothermal point of the paper machine (r = 0, phi = pi/2): powers and TUR ratios of A and B."""
    m, d = paper_machine(
        omega_A=1.0, omega_B=0.6, gamma2=gamma2, gamma1=gamma1, omega_c=omega_c, T1=T, T2=T, phi=jnp.pi / 2, r=0.0
    )
    o = observables(m, d, Omega, noise=ExactIsothermal(), throw=False)
    return dict(Q_PA=o.Q_l[0], P_A=o.P_l[0], Q_PB=o.Q_l[1], P_B=o.P_l[1], result=o.result)


def _gradient_kernel(Omega, Tbar, rel_gradient, omega_c, gamma2, gamma1):
    """Two-temperature point: T1 = Tbar (1 + x/2), T2 = Tbar (1 - x/2), x = Delta T / Tbar (seed 001, sec. V)."""
    m, d = paper_machine(
        omega_A=1.0,
        omega_B=0.6,
        gamma2=gamma2,
        gamma1=gamma1,
        omega_c=omega_c,
        T1=Tbar * (1 + rel_gradient / 2),
        T2=Tbar * (1 - rel_gradient / 2),
        phi=jnp.pi / 2,
        r=0.0,
    )
    o = observables(m, d, Omega, noise=MatsubaraSum(), throw=False)
    return dict(Q_PA=o.Q_l[0], P_A=o.P_l[0], result=o.result)


def _iso_sweep(n, omega_c, gamma2, gamma1):
    """Isothermal (Omega, T) planes, one per omega_c value. Every parameter is a grid axis and the
    chunk is n*n points, so figs. 7 and 9 share ONE compiled program (jaxqtm.sweep caches it)."""
    from jaxqtm.sweep import Fixed, Grid, NoProgressMeter, sweep

    om, ts = np.logspace(-2, 3, n), np.logspace(-2, np.log10(2.0), n)
    g = Grid(omega_c=np.asarray(omega_c, float), gamma2=[float(gamma2)], gamma1=[float(gamma1)], T=ts, Omega=om)
    res = sweep(_iso_kernel, g, chunk=Fixed(min(_CHUNK, n * n)), progress_meter=NoProgressMeter())
    xx, yy = np.meshgrid(om, ts)
    squeeze = {k: v[:, 0, 0] for k, v in res.arrays.items()}
    return xx, yy, squeeze, res.codes[:, 0, 0], res.ok[:, 0, 0]


def fig7_data(n, omega_cs=(1000.0, 1.2)):
    """Q_{P_B}, P_B (and Q_{P_A}, P_A) over the fig. 3 planes, both cut-offs: arrays (2, n, n)."""
    return _iso_sweep(n, omega_cs, 100.0, 0.01)


def fig9_data(n):
    """Weak damping: gamma_2 = 0.01, gamma_1 = 0.001, omega_c = 1.2 (seed 001, appendix G): arrays (n, n)."""
    xx, yy, d, st, ok = _iso_sweep(n, [1.2], 0.01, 0.001)
    return xx, yy, {k: v[0] for k, v in d.items()}, st[0], ok[0]


def threshold_frequency(omega, q, ok):
    """Omega_th such that Q < 2 for every Omega > Omega_th on the grid (last upward crossing of
    Q = 2, log-interpolated); NaN where Q >= 2 at the largest Omega or a point is flagged."""
    omega, q, ok = np.asarray(omega), np.asarray(q), np.asarray(ok)
    out = np.full(q.shape[:-1], np.nan)
    for idx in np.ndindex(out.shape):
        qq, good = q[idx], ok[idx]
        viol = good & (qq < 2.0)
        if not viol[-1] or not np.all(good):
            continue
        k = len(qq) - 1
        while k > 0 and viol[k - 1]:
            k -= 1
        if k == 0:
            out[idx] = omega[0]  # violated on the whole grid: threshold at or below the grid
            continue
        l0, l1 = np.log(omega[k - 1]), np.log(omega[k])
        y0, y1 = np.log(qq[k - 1] / 2.0), np.log(qq[k] / 2.0)  # y0 >= 0 > y1
        out[idx] = float(np.exp(l0 + (l1 - l0) * y0 / (y0 - y1)))
    return out


def fig10_data(n_x, n_omega, tbars=(0.05, 0.1, 0.2, 0.5)):
    """Omega_th against x = Delta T / Tbar for several Tbar (fig. 5 parameters: gamma_2 = 100, omega_c = 1.2)."""
    from jaxqtm.sweep import Fixed, Grid, NoProgressMeter, sweep

    xs, om = np.linspace(-1.9, 1.9, n_x), np.logspace(-1, 3, n_omega)
    g = Grid(Tbar=np.asarray(tbars), rel_gradient=xs, Omega=om)
    res = sweep(
        _gradient_kernel,
        g,
        fixed=dict(omega_c=1.2, gamma2=100.0, gamma1=0.01),
        chunk=Fixed(min(_CHUNK, g.size)),
        progress_meter=NoProgressMeter(),
    )
    # an ill_conditioned point (T2 << omega: the noise's round-off bound above 1e-8, its error
    # <= 5e-8) still locates the crossing Q = 2; only invalid or non-finite points are left out
    usable = np.asarray(res.ok) | (np.asarray(res.codes) == int(jaxqtm.result_codes(jaxqtm.RESULTS.ill_conditioned)))
    return xs, om, np.asarray(tbars), res, threshold_frequency(om, res["Q_PA"], usable)


def appendix_figures(out, n, n_threshold=None, log=_progress):
    """Figures 7, 9, 10 of seed 001 into ``out`` (PNG + npz); returns their metadata."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    record = {}
    t0 = time.time()
    log(f"[fig7] Q_PB and P_B over (Omega, T), 2 x {n}x{n}")
    xx, yy, r7, st7, ok7 = fig7_data(n)
    fig, axes = plt.subplots(2, 2, figsize=(10, 8))
    for col, wc in enumerate((1000.0, 1.2)):
        _density(
            axes[0, col],
            xx,
            yy,
            r7["Q_PB"][col],
            f"({'ab'[col]}) $Q_{{P_B}}$, $\\omega_c={wc:g}$",
            2.0,
            "coolwarm",
            r"$Q_{P_B}$",
            log_norm=True,
        )
        _density(
            axes[1, col], xx, yy, r7["P_B"][col], f"({'cd'[col]}) $P_B$, $\\omega_c={wc:g}$", 0.0, "coolwarm", r"$P_B$"
        )
    fig.suptitle(
        r"Seed 001 fig. 7: $\gamma_2=100$, $\omega_B=0.6$, $\gamma_1=0.01$, $\phi=\pi/2$, $r=0$"
        + "\n"
        + r"dashed: $Q_{P_B}=2$ (TUR bound; white in the colour scale), $P_B=0$",
        fontsize=10,
    )
    fig.tight_layout()
    save_figure(
        fig,
        out,
        "fig7",
        data=dict(
            Omega=xx,
            T=yy,
            omega_c=np.array([1000.0, 1.2]),
            **{k: r7[k] for k in ("Q_PB", "P_B", "Q_PA", "P_A")},
            status=st7,
        ),
    )
    viol = ok7 & (r7["Q_PB"] < 2)
    record["fig7"] = dict(
        omega_c=[1000.0, 1.2],
        gamma2=100.0,
        gamma1=0.01,
        grid=n,
        violation_fraction=[float(np.mean(viol[i])) for i in range(2)],
        min_P_B_where_violated=float(np.min(r7["P_B"][viol])) if viol.any() else None,
        bad_points=int(np.sum(~ok7)),
    )

    log(f"[fig9] weak damping gamma2 = 0.01, {n}x{n}")
    xx, yy, r9, st9, ok9 = fig9_data(n)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    _density(axes[0], xx, yy, r9["Q_PA"], r"(a) $Q_{P_A}$, $\gamma_2=0.01$", 2.0, "coolwarm", r"$Q_{P_A}$", True)
    _density(axes[1], xx, yy, r9["P_A"], r"(b) $P_A$, $\gamma_2=0.01$", 0.0, "coolwarm", r"$P_A$")
    fig.tight_layout()
    save_figure(fig, out, "fig9", data=dict(Omega=xx, T=yy, Q_PA=r9["Q_PA"], P_A=r9["P_A"], status=st9))
    v9 = ok9 & (r9["Q_PA"] < 2)
    record["fig9"] = dict(
        gamma2=0.01,
        gamma1=0.001,
        omega_c=1.2,
        grid=n,
        violation_fraction=float(np.mean(v9)),
        max_Omega_violated=float(xx[v9].max()) if v9.any() else None,
        max_T_violated=float(yy[v9].max()) if v9.any() else None,
        bad_points=int(np.sum(~ok9)),
    )

    nt = n_threshold or max(9, n // 4)
    log(f"[fig10] threshold frequency vs Delta T / Tbar, 4 x {nt} x {2 * nt} two-temperature points")
    xs, om, tbars, r10, th = fig10_data(nt, 2 * nt)
    fig, ax = plt.subplots(figsize=(5, 4))
    for i, tb in enumerate(tbars):
        ax.semilogy(xs, th[i], "o-", ms=3, label=rf"$\bar T={tb:g}$")
    ax.set_xlabel(r"$\Delta T/\bar T$")
    ax.set_ylabel(r"$\Omega_{\rm th}/\omega_A$")
    ax.legend(fontsize=8)
    ax.set_title(r"Seed 001 fig. 10: $\gamma_2=100$, $\omega_c=1.2$, $r=0$", fontsize=9)
    fig.tight_layout()
    save_figure(
        fig,
        out,
        "fig10",
        data=dict(rel_gradient=xs, Omega=om, Tbar=tbars, Q_PA=r10["Q_PA"], status=r10.codes, Omega_th=th),
    )
    record["fig10"] = dict(
        Tbar=tbars.tolist(),
        rel_gradient=xs.tolist(),
        Omega_range=[float(om[0]), float(om[-1])],
        Omega_th=[[None if np.isnan(v) else float(v) for v in row] for row in th],
        argmin_rel_gradient=[None if np.all(np.isnan(row)) else float(xs[np.nanargmin(row)]) for row in th],
        bad_points=int(np.sum(~r10.ok)),
    )
    record["appendix_s"] = time.time() - t0
    return record


def main(argv=None):
    p = figure_parser(
        "python -m examples.seed001.figures",
        __doc__,
        out_default="results/oscillators",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    # >= 2: the contour panels need a 2 x 2 grid
    p.add_argument("--n", type=count(2), default=None, help="grid points per axis, >= 2 (default 256, quick: 48)")
    p.add_argument("--appendix", action="store_true", help="also figures 7, 9, 10 (appendices E, G, H)")
    args = p.parse_args(argv)  # creates --out
    n = args.n if args.n is not None else (48 if args.quick else 256)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    meta = dict(
        jaxqtm_version=jaxqtm.__version__,
        jax_version=jax.__version__,
        grid_points_per_axis=n,
        units="hbar = k_B = m = omega_A = 1",
        fig3=FIG3,
        x64=jaxqtm.x64_enabled(),
        figures={},
    )
    t_start = time.time()
    timings: dict = {}
    n5 = max(16, n // 2)
    # Every JAX computation runs, in this order, on one worker thread while this thread draws the
    # figures whose data are ready (JAX releases the GIL while it computes; rendering is pure Python):
    # the two overlap instead of adding up. One thread only: JAX calls stay serial.
    worker = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="seed001-compute")

    def later(name, fn, *a):
        def timed():
            t0 = time.time()
            try:
                return fn(*a)
            finally:
                timings[name] = time.time() - t0

        return worker.submit(timed)

    try:
        return _figures(args, n, n5, meta, t_start, timings, later, plt)
    finally:
        worker.shutdown(cancel_futures=True)  # an error or Ctrl-C drops the queued work


def _figures(args, n, n5, meta, t_start, timings, later, plt):
    _progress(
        f"[compute] figs. 3 ({n}x{n} x 2), 4, 2, 5 ({n5}x{n5}, two temperatures), 6 ({n}x{n}) and 8, in this order"
    )
    pending = {f"fig3_omega_c={wc}": later(f"fig3_omega_c={wc}", fig3_data, n, wc) for wc in (1000.0, 1.2)}
    pending["fig4"] = later("fig4", fig4_data, max(n, 64))
    pending["fig2"] = later("fig2", fig2_data, n)
    pending["fig5"] = later("fig5", fig5_data, n5)
    pending["fig6"] = later("fig6", fig6_data, n)
    pending["fig8"] = later("fig8", fig8_data, max(n, 64))

    # --- Fig. 3 -----------------------------------------------------------
    _progress(f"[fig3] Q_PA and P_A over (Omega, T), {n}x{n} per panel")
    fig, axes = plt.subplots(2, 2, figsize=(10, 8))
    data3 = {}
    for col, wc in enumerate((1000.0, 1.2)):
        xx, yy, d = pending[f"fig3_omega_c={wc}"].result()
        data3[wc] = d
        _density(
            axes[0, col],
            xx,
            yy,
            d["Q_PA"],
            f"({'ab'[col]}) $Q_{{P_A}}$, $\\omega_c={wc:g}$",
            2.0,
            "coolwarm",
            r"$Q_{P_A}$",
            log_norm=True,
        )
        _density(axes[1, col], xx, yy, d["P_A"], f"({'cd'[col]}) $P_A$, $\\omega_c={wc:g}$", 0.0, "coolwarm", r"$P_A$")
        np.savez(os.path.join(args.out, f"fig3_omega_c_{wc:g}.npz"), Omega=xx, T=yy, **d)
    fig.suptitle(
        r"Seed 001 fig. 3: $\gamma_2=100$, $\omega_B=0.6$, $\gamma_1=0.01$, $\phi=\pi/2$, $r=0$, $T_1=T_2=T$"
        + "\n"
        + r"dashed: $Q_{P_A}=2$ (TUR bound; white in the colour scale), $P_A=0$",
        fontsize=10,
    )
    fig.tight_layout()
    save_figure(fig, args.out, "fig3")  # data: one fig3_omega_c_<wc>.npz per column (above)
    meta["figures"]["fig3"] = dict(
        omega_c=[1000.0, 1.2],
        Omega_range=[1e-2, 1e3],
        T_range=[1e-2, 2.0],
        violation_fraction={str(wc): float(np.mean(data3[wc]["Q_PA"] < 2)) for wc in data3},
        min_Q_PA={str(wc): float(np.nanmin(data3[wc]["Q_PA"])) for wc in data3},
        bad_points=int(sum(np.sum(data3[wc]["status"] != 0) for wc in data3)),
    )

    # --- Fig. 4 -----------------------------------------------------------
    _progress("[fig4] Q_PA/2 vs Pearson coefficient at varying gamma_2")
    g2s, q2, c, ct, pa, c_t = pending["fig4"].result()
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    sc = ax.scatter(c, q2, c=np.log10(g2s), s=8, cmap="viridis")
    ax.axhline(1.0, color="k", ls="--", lw=1)
    ax.set_xlabel(r"Pearson coefficient $\mathcal{C}$")
    ax.set_ylabel(r"$Q_{P_A}/2$")
    ax.set_yscale("log")
    fig.colorbar(sc, ax=ax, label=r"$\log_{10}\gamma_2/\omega_A$")
    ax.set_title(r"(a) seed 001 fig. 4: $T=0.1$, $\omega_c=1.2$, $\Omega=200$; dashed: $Q_{P_A}=2$", fontsize=9)
    for t, ci in zip(FIG4_TEMPERATURES, c_t):
        ax2.semilogx(g2s, ci, label=rf"$\mathcal{{C}}$, $T={t:g}$")
    ax2.semilogx(g2s, ct, "k--", lw=1, label=r"$\tilde{\mathcal{C}}$ (eq. 25), $T=0.1$")
    ax2.axhline(-1.0, color="0.5", ls=":", lw=1)
    ax2.set_xlabel(r"$\gamma_2/\omega_A$")
    ax2.set_ylabel(r"$\mathcal{C}$, $\tilde{\mathcal{C}}$")
    ax2.set_ylim(-1.05, 0.05)
    ax2.legend(fontsize=8)
    ax2.set_title(r"(b) where $\mathcal{C}\to-1$: only as $T\to0$ (dotted: $-1$)", fontsize=9)
    fig.tight_layout()
    save_figure(
        fig,
        args.out,
        "fig4",
        data=dict(
            gamma2=g2s,
            Q_PA_half=q2,
            pearson=c,
            pearson_like=ct,
            P_A=pa,
            T_values=np.asarray(FIG4_TEMPERATURES),
            pearson_T=c_t,
        ),
    )
    meta["figures"]["fig4"] = dict(
        T=0.1,
        omega_c=1.2,
        Omega=200.0,
        gamma2_range=[1e-2, 1e3],
        Q_PA_half_at_gamma2_max=_sig(q2[-1]),
        pearson_at_gamma2_max=_sig(c[-1]),
        pearson_like_at_gamma2_max=_sig(ct[-1]),
        pearson_at_gamma2_max_by_T={f"{t:g}": _sig(ci[-1]) for t, ci in zip(FIG4_TEMPERATURES, c_t)},
    )

    # --- Fig. 2 -----------------------------------------------------------
    _progress("[fig2] eigenvalue of chi'' and Pearson coefficient vs T2")
    ws, eig, t2s, pearson = pending["fig2"].result()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for g2, (vals, _) in eig.items():
        axes[0].plot(ws, vals / np.max(np.abs(vals)), label=rf"$\gamma_2={g2:g}$ (normalised)")
    axes[0].set_xlabel(r"$\omega/\omega_A$")
    axes[0].set_ylabel(r"finite eigenvalue of $\chi_2''(\omega)$")
    axes[0].legend(fontsize=8)
    for g2, pc in pearson.items():
        axes[1].semilogx(t2s, pc, label=rf"$\gamma_2={g2:g}$")
    axes[1].set_xlabel(r"$T_2/\omega_A$")
    axes[1].set_ylabel(r"$\mathcal{C}$")
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    save_figure(
        fig,
        args.out,
        "fig2",
        data=dict(
            omega=ws,
            T2=t2s,
            **{f"eig_gamma2_{g:g}": v[0] for g, v in eig.items()},
            **{f"pearson_gamma2_{g:g}": v for g, v in pearson.items()},
        ),
    )
    meta["figures"]["fig2"] = dict(
        omega_range=[float(ws[0]), float(ws[-1])],
        eigenvalue="largest-modulus eigenvalue of chi''(omega), normalised per gamma2",
        gamma2_eigenvalue=[float(g) for g in eig],
        T2_range=[float(t2s[0]), float(t2s[-1])],
        Omega=1.0,
        pearson_at_T2_min={f"{g:g}": _sig(v[0]) for g, v in pearson.items()},
        pearson_at_T2_max={f"{g:g}": _sig(v[-1]) for g, v in pearson.items()},
    )

    # --- Fig. 5 (two temperatures) and 6 (generalised bound) --------------
    _progress(f"[fig5] Delta T / Tbar = 1.8, {n5}x{n5} (two-temperature noise by the Matsubara series)")
    xx, yy, d5 = pending["fig5"].result()
    _progress(f"[fig6] Q_PA / V_PA at r = 1/2, {n}x{n}")
    xx6, yy6, d6 = pending["fig6"].result()
    fig, axes = plt.subplots(2, 2, figsize=(10, 8))
    _density(
        axes[0, 0], xx, yy, d5["Q_PA"], r"5(a) $Q_{P_A}$, $\Delta T/\bar T=1.8$", 2.0, "coolwarm", r"$Q_{P_A}$", True
    )
    _density(axes[0, 1], xx, yy, d5["P_A"], r"5(b) $P_A$, $\Delta T/\bar T=1.8$", 0.0, "coolwarm", r"$P_A$")
    _density(
        axes[1, 0],
        xx6,
        yy6,
        d6["Q_over_V"],
        r"6(a) $Q_{P_A}/\mathcal{V}_{P_A}$, $r=1/2$",
        1.0,
        "coolwarm",
        r"$Q/\mathcal{V}$",
        True,
    )
    _density(axes[1, 1], xx6, yy6, d6["P_A"], r"6(b) $P_A$, $r=1/2$", 0.0, "coolwarm", r"$P_A$")
    for ax in axes[0]:
        ax.set_ylabel(r"$\bar T/\omega_A$")
    fig.suptitle(
        r"Seed 001 figs. 5 ($T_{1,2}=\bar T(1\pm\Delta T/2\bar T)$) and 6 ($f_B\propto\Omega^{1/2}$, $T_1=T_2=T$); "
        r"$\gamma_2=100$, $\omega_c=1.2$"
        + "\n"
        + r"dashed: $Q_{P_A}=2$, $Q_{P_A}/\mathcal{V}_{P_A}=1$ (the bounds; white in the colour scales), $P_A=0$",
        fontsize=10,
    )
    fig.tight_layout()
    save_figure(fig, args.out, "fig5_fig6")  # data: fig5.npz, fig6.npz
    np.savez(os.path.join(args.out, "fig5.npz"), Omega=xx, Tbar=yy, **d5)
    np.savez(os.path.join(args.out, "fig6.npz"), Omega=xx6, T=yy6, **d6)
    # points the Matsubara series flags RESULTS.ill_conditioned (T2 = 0.1 Tbar << omega at large Omega:
    # its round-off bound exceeds 1e-8; against TanhSinh their noise is off by <= 5e-8, invisible here)
    n_ill = int(np.sum(d5["status"] == int(jaxqtm.result_codes(jaxqtm.RESULTS.ill_conditioned))))
    n_bad = int(np.sum(d5["status"] != 0)) - n_ill
    meta["figures"]["fig5"] = dict(
        rel_gradient=1.8,
        omega_c=1.2,
        violation_fraction=float(np.mean(d5["Q_PA"] < 2)),
        ill_conditioned_points=n_ill,
        other_flagged_points=n_bad,
    )
    _progress(f"  fig5: {n_ill} of {d5['status'].size} points flagged ill_conditioned (round-off bound > 1e-8)")
    meta["figures"]["fig6"] = dict(r=0.5, omega_c=1.2, violation_fraction=float(np.mean(d6["Q_over_V"] < 1)))

    # --- Fig. 8(a,b) ----------------------------------------------------------
    _progress("[fig8] work-to-work efficiency")
    om8, eta = pending["fig8"].result()
    fig, ax = plt.subplots(figsize=(5, 4))
    for (g2, r), e in eta.items():
        ax.semilogx(om8, e, label=rf"$\gamma_2={g2:g}$, $r={r:g}$")
    ax.set_xlabel(r"$\Omega/\omega_A$")
    ax.set_ylabel(r"$\eta=-P_A/P_B$")
    ax.legend(fontsize=7)
    ax.set_title(r"Seed 001 fig. 8: $\gamma_1=0.001$, $\omega_c=1.2$, $T=0.1$", fontsize=9)
    fig.tight_layout()
    save_figure(
        fig, args.out, "fig8", data=dict(Omega=om8, **{f"eta_gamma2_{g:g}_r_{r:g}": e for (g, r), e in eta.items()})
    )
    peaks = {}
    for (g2, r), e in eta.items():  # NaN where the machine is not a work-to-work converter
        k = int(np.nanargmax(e)) if np.isfinite(e).any() else None
        peaks[f"gamma2={g2:g}, r={r:g}"] = None if k is None else dict(eta=_sig(e[k]), Omega=_sig(om8[k]))
    meta["figures"]["fig8"] = dict(
        gamma1=0.001, omega_c=1.2, T=0.1, Omega_range=[float(om8[0]), float(om8[-1])], eta_max=peaks
    )

    if args.appendix:
        meta["figures"].update(appendix_figures(args.out, n))

    meta["timings_s"] = timings
    meta["total_s"] = time.time() - t_start
    with open(os.path.join(args.out, "figures.json"), "w") as fh:
        json.dump(meta, fh, indent=2)
    _progress(f"done in {meta['total_s']:.1f} s -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
