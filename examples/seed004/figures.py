"""Reproduce Figs. 2(a-c), 3, 4, 5, 6, 7, 8 of seed 004 (Leitch, Hammam, De Chiara).

    python -m examples.seed004.figures --out DIR [--quick] [--figs 2,4,6,8]

Writes ``fig2.png ... fig8.png``, ``rotor_figures.npz`` (all curves) and
``rotor_figures.json`` (every parameter, truncation, and the edge populations
that certify the truncation).  ``--quick`` uses coarse grids and smaller
truncations (CI smoke run, < 60 s).
"""

from __future__ import annotations

import json
import os
import time

import numpy as np

from jaxqtm.plot import save_figure

from .._cli import figure_parser, subset

FIG2 = dict(b1=4.0, b2=10.0, beta1=0.1, beta_r=0.09, g=1.0, chi=0.0, lam=0.1, gamma=5e-5, inertia=1.0)
FIG4 = dict(FIG2, g=0.5)
# largest rotor population at the truncation edge |l| = L of a state drawn as the steady state
SS_EDGE_TOL = 1e-6
FIG6 = dict(b1=10.0, b2=10.0, beta1=0.1, beta2=0.02, beta_r=0.09, g=1.0, chi=0.0, lam=0.1, gamma=5e-4, inertia=1.0)


def _batch(base, **arrays):
    import jax.numpy as jnp

    from jaxqtm.rotor import RotorParams

    size = max(np.size(v) for v in arrays.values())
    fields = {k: jnp.full(size, v, dtype=jnp.float64) for k, v in base.items()}
    for k, v in arrays.items():
        fields[k] = jnp.broadcast_to(jnp.asarray(v, jnp.float64), (size,))
    return RotorParams(**fields)


def roundoff_floor(levels, e_max):
    """Round-off floor of an ergotropy Tr(rho H) - Tr(pi H) of ``levels`` levels with energies up to
    ``e_max`` in magnitude: each trace carries ~levels * eps * e_max of rounding; 16x that is the
    floor below which a computed ergotropy is zero within rounding (drawn as 0, i.e. not on a log axis)."""
    return 16.0 * levels * float(np.finfo(np.float64).eps) * e_max


def above_floor(values, floor):
    """``values`` where they exceed ``floor``, NaN (not drawn) elsewhere."""
    values = np.asarray(values, dtype=float)
    return np.where(values > floor, values, np.nan)


def fig2_fig3(out, quick, log, record):
    import matplotlib.pyplot as plt

    from jaxqtm.rotor import solve_device

    L = 22 if quick else 32
    ratios = np.linspace(0.05, 0.89, 12 if quick else 85)
    t0 = time.perf_counter()
    r = solve_device(_batch(FIG2, beta2=FIG2["beta1"] * ratios), L, edge_tol=1e-3 if quick else 1e-7, throw=False)
    log(f"fig2/3: {ratios.size} steady states (local ME, L={L}) in {time.perf_counter() - t0:.1f} s")
    q1, q2, w = (np.asarray(x) for x in (r.q_cold, r.q_hot, r.w_q))
    eng = (q1 < 0) & (q2 > 0) & (w < 0)
    ref = (q1 > 0) & (q2 < 0) & (w > 0)
    eta = np.where(eng, -w / q2, np.nan)
    cop = np.where(ref, q1 / w, np.nan)
    eta_c = 1 - ratios
    cop_c = 1 / (1 - ratios)

    def boundary(mask):
        idx = np.flatnonzero(np.diff(mask.astype(int)) != 0)
        return [float(0.5 * (ratios[i] + ratios[i + 1])) for i in idx]

    fig, ax = plt.subplots(1, 3, figsize=(14, 4))
    ax[0].plot(ratios, q1, label=r"$\dot Q_1$")
    ax[0].plot(ratios, q2, label=r"$\dot Q_2$")
    ax[0].plot(ratios, w, label=r"$\dot W^{(Q)}$")
    ax[0].axhline(0, color="k", lw=0.5)
    for b in boundary(eng) + boundary(ref):
        ax[0].axvline(b, color="grey", ls=":")
    ax[0].set_xlabel(r"$\beta_2/\beta_1$")
    ax[0].set_ylabel(r"energy current ($\hbar = k_B = 1$; $>0$ into the device)")
    ax[0].set_title("(a) heat flows and power")
    ax[0].legend()
    ax[1].plot(ratios, eta, label=r"$\eta$")
    ax[1].plot(ratios[eng], eta_c[eng], "--", label=r"$\eta_C$")
    ax[1].set_xlabel(r"$\beta_2/\beta_1$")
    ax[1].set_ylabel(r"$\eta = -\dot W^{(Q)}/\dot Q_2$ (engine region)")
    ax[1].set_title("(b) engine efficiency")
    ax[1].legend()
    ax[2].plot(ratios, cop, label="COP")
    ax[2].plot(ratios[ref], cop_c[ref], "--", label=r"COP$_C$")
    ax[2].set_xlabel(r"$\beta_2/\beta_1$")
    ax[2].set_ylabel(r"COP $= \dot Q_1/\dot W^{(Q)}$ (refrigerator region)")
    ax[2].set_title("(c) refrigerator COP")
    ax[2].legend()
    fig.tight_layout()
    save_figure(fig, out, "fig2")

    # ergotropies below their round-off floor are zero within rounding (the two-qubit one is exactly
    # zero in the accelerator and refrigerator regions; computed, it is +-1e-15): not drawn as physics
    e_qubits = (FIG2["b1"] + FIG2["b2"]) / 2
    e_device = e_qubits + L**2 / (2 * FIG2["inertia"]) + 2 * FIG2["g"]
    floor_q, floor_d = roundoff_floor(4, e_qubits), roundoff_floor(4 * (2 * L + 1), e_device)
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    ax.plot(ratios, above_floor(r.ergotropy_total, floor_d), label="total")
    ax.plot(ratios, above_floor(r.ergotropy_rotor, floor_d), label="rotor")
    ax.plot(ratios, above_floor(r.ergotropy_qubits, floor_q), label="two qubits")
    zero_q = np.asarray(r.ergotropy_qubits) <= floor_q
    ax.set_yscale("log")
    if zero_q.any():  # zero on a log axis: a marker on the bottom edge
        ax.plot(
            ratios[zero_q],
            np.full(zero_q.sum(), 0.03),
            "v",
            color="C2",
            ms=5,
            transform=ax.get_xaxis_transform(),
            clip_on=False,
            label="two qubits: 0 within rounding",
        )
    ax.set_xlabel(r"$\beta_2/\beta_1$")
    ax.set_ylabel("ergotropy")
    ax.set_title(
        f"Seed 004 fig. 3\nbelow the round-off floor (qubits {floor_q:.0e}, device {floor_d:.0e}): 0 within rounding",
        fontsize=8,
    )
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, out, "fig3")
    log("fig2.png, fig3.png written")
    i_eta = int(np.nanargmax(eta)) if np.any(eng) else None
    record["fig2"] = dict(
        params=FIG2,
        truncation=L,
        ratios=ratios.tolist(),
        engine_to_accelerator=boundary(eng),
        accelerator_to_refrigerator=boundary(ref),
        max_eta_at=float(ratios[i_eta]) if i_eta is not None else None,
        max_edge_population=float(np.max(r.edge_population)),
        all_ok=bool(np.all(r.ok)),
        max_ergotropy_qubit1=float(np.max(np.abs(r.ergotropy_qubit1))),
        max_ergotropy_qubit2=float(np.max(np.abs(r.ergotropy_qubit2))),
        ergotropy_floor_qubits=floor_q,
        ergotropy_floor_device=floor_d,
        qubits_ergotropy_zero_from_ratio=float(ratios[zero_q][0]) if zero_q.any() else None,
    )
    return dict(
        fig2_ratio=ratios,
        fig2_q1=q1,
        fig2_q2=q2,
        fig2_w=w,
        fig2_qr=np.asarray(r.q_load),
        fig2_eta=eta,
        fig2_cop=cop,
        fig3_total=np.asarray(r.ergotropy_total),
        fig3_rotor=np.asarray(r.ergotropy_rotor),
        fig3_qubits=np.asarray(r.ergotropy_qubits),
        fig2_lz=np.asarray(r.lz),
        fig2_edge=np.asarray(r.edge_population),
    )


def fig4_fig5(out, quick, log, record):
    import matplotlib.pyplot as plt

    from jaxqtm.rotor import rectification

    L = 22 if quick else 32
    chis = np.linspace(0.0, 0.95, 6 if quick else 39)
    beta2s = [0.01, 0.03, 0.05]
    alphas = [0.0, 0.5, 1.0]
    data, rec = {}, {}
    fig4, ax4 = plt.subplots(figsize=(5, 4))
    fig5, ax5 = plt.subplots(figsize=(5, 4))
    for b2 in beta2s:
        t0 = time.perf_counter()
        res = rectification(_batch(FIG4, beta2=b2, chi=chis), L, edge_tol=1e-3 if quick else 1e-7, throw=False)
        log(f"fig4/5: beta2={b2}: {2 * chis.size} global-ME steady states (L={L}) in {time.perf_counter() - t0:.1f} s")
        R, J, Ra, Ja = (np.asarray(getattr(res, k)) for k in ("R", "J", "R_angular", "J_angular"))
        (line,) = ax4.plot(J, R, label=rf"$\beta_2={b2}$")
        (line5,) = ax5.plot(Ja, Ra, label=rf"$\beta_2={b2}$")
        best = {}
        for a in alphas:
            k = int(np.argmax(a * R + (1 - a) * J))
            ka = int(np.argmax(a * Ra + (1 - a) * Ja))
            ax4.plot(J[k], R[k], "o", color=line.get_color())
            ax5.plot(Ja[ka], Ra[ka], "o", color=line5.get_color())
            best[str(a)] = dict(
                chi=float(chis[k]),
                R=float(R[k]),
                J=float(J[k]),
                chi_angular=float(chis[ka]),
                R_angular=float(Ra[ka]),
                J_angular=float(Ja[ka]),
            )
        rec[str(b2)] = dict(best=best, all_ok=bool(np.all(res.ok)))
        for k in ("R", "J", "R_angular", "J_angular", "q", "q_swap", "lz", "lz_swap"):
            data[f"fig45_{k}_beta2_{b2}"] = np.asarray(getattr(res, k))
    for ax, xl, yl in [(ax4, "J", "R"), (ax5, r"$J_{\rm angular}$", r"$R_{\rm angular}$")]:
        ax.set_xlabel(xl)
        ax.set_ylabel(yl)
        ax.legend()
    fig4.tight_layout()
    save_figure(fig4, out, "fig4")
    fig5.tight_layout()
    save_figure(fig5, out, "fig5")
    log("fig4.png, fig5.png written")
    data["fig45_chi"] = chis
    record["fig4_fig5"] = dict(
        params=FIG4, truncation=L, beta2=beta2s, alphas=alphas, results=rec, cutoff="2 max(B1, B2) = 20"
    )
    return data


def fig6_fig7(out, quick, log, record):
    import matplotlib.pyplot as plt

    from jaxqtm.lindblad import partial_trace, steady_state
    from jaxqtm.rotor import RotorParams, evolve_device, rotor_model

    L = 10 if quick else 20
    ts = np.array([0.0, 200.0, 1000.0, 3000.0]) if quick else np.array([0.0, 200.0, 500.0, 1000.0, 2000.0, 4000.0])
    data = {}
    for name, load in [("fig6", False), ("fig7", True)]:
        p = RotorParams(**FIG6)
        t0 = time.perf_counter()
        ev = evolve_device(p, ts, L, load=load)
        ss = steady_state(rotor_model(p, L, load=load), throw=False)  # no load: no steady state in the box
        pss = np.real(np.diag(np.asarray(partial_trace(ss.rho, (2, 2, 2 * L + 1), [2]))))
        log(f"{name}: time evolution ({ts.size} times) + steady state, L={L}, in {time.perf_counter() - t0:.1f} s")
        ls = np.arange(-L, L + 1)
        sel = (ls >= -5) & (ls <= 10)
        fig, ax = plt.subplots(figsize=(6, 4))
        pops = np.asarray(ev.rotor_populations)
        for k, t in enumerate(ts):
            ax.plot(ls[sel], pops[k][sel], "o-", ms=3, label=f"t={t:g}")
        # a stationary state of the truncated box whose population reaches the edge |l| = L is not a
        # steady state of the device: drawn dashed, with a warning on the figure itself
        edge = float(pss[0] + pss[-1])
        converged = edge <= SS_EDGE_TOL
        ss_label = "steady state" if converged else f"stationary state of the box (edge population {edge:.1g})"
        ax.plot(ls[sel], pss[sel], "s-" if converged else "s--", color="red", ms=4, label=ss_label)
        title = ("with" if load else "without") + " load"
        if not converged:
            why = (
                "no steady state: without a load the rotor keeps accelerating,\nthe box's stationary state sits at "
                f"its edge |l| = L = {L}"
                if not load
                else f"truncation L = {L} too small: edge population {edge:.1g} > {SS_EDGE_TOL:g}"
            )
            title += "\nwarning: " + why
        ax.set_xlabel("l")
        ax.set_ylabel(r"$\langle l|\rho_r|l\rangle$")
        ax.set_title(title, fontsize=9, color="black" if converged else "darkred")
        ax.legend(fontsize=7)
        fig.tight_layout()
        save_figure(fig, out, name)
        data[f"{name}_pops"] = pops
        data[f"{name}_steady"] = pss
        record[name] = dict(
            params=dict(FIG6, gamma=FIG6["gamma"] if load else 0.0),
            truncation=L,
            times=ts.tolist(),
            steady_state_edge_population=edge,
            steady_state_converged=converged,
            mean_lz_vs_time=np.asarray(ev.lz).tolist(),
        )
    data["fig67_l"] = np.arange(-L, L + 1)
    data["fig67_t"] = ts
    log("fig6.png, fig7.png written")
    return data


def fig8(out, quick, log, record):
    import matplotlib.pyplot as plt

    from jaxqtm.rotor import RotorParams, evolve_device

    L = 12 if quick else 24
    ts = np.concatenate([[0.0], np.geomspace(1e-2, 1e4 if quick else 1e6, 16 if quick else 80)])
    p = RotorParams(**dict(FIG2, beta2=0.08))
    t0 = time.perf_counter()
    ev = evolve_device(p, ts, L)
    log(f"fig8: {ts.size} times, L={L}, in {time.perf_counter() - t0:.1f} s")
    fig, ax = plt.subplots(figsize=(6, 4))
    for k, lab in [
        ("w_kin", r"$\dot W_{\rm kin}$"),
        ("w_int", r"$\dot W_{\rm int}$"),
        ("w_net", r"$\dot W_{\rm net}$"),
        ("q_ba", r"$\dot Q_{BA}$"),
    ]:
        ax.plot(ts[1:], np.asarray(getattr(ev, k))[1:], label=lab)
    ax.plot(ts[1:], -np.asarray(ev.q_load)[1:], "k:", label=r"$-\dot Q_r$")
    ax.set_xscale("log")
    ax.set_xlabel("t")
    ax.set_ylabel(r"power, heat current (symmetric log, linear below $10^{-6}$)")
    ax.set_yscale("symlog", linthresh=1e-6)
    ax.legend(fontsize=7)
    fig.tight_layout()
    save_figure(fig, out, "fig8")
    log("fig8.png written")
    record["fig8"] = dict(
        params=dict(FIG2, beta2=0.08),
        truncation=L,
        t_max=float(ts[-1]),
        final_w_int=float(ev.w_int[-1]),
        final_minus_q_load=float(-ev.q_load[-1]),
        final_w_kin=float(ev.w_kin[-1]),
        final_w_net=float(ev.w_net[-1]),
    )
    return {f"fig8_{k}": np.asarray(getattr(ev, k)) for k in ("w_kin", "w_int", "w_net", "q_ba", "q_load")} | {
        "fig8_t": ts
    }


def main(argv=None):
    ap = figure_parser("python -m examples.seed004.figures", (__doc__ or "").partition("\n")[0])
    ap.add_argument(
        "--figs", type=subset(("2", "4", "6", "8")), default="2,4,6,8", help="subset: 2 (figs 2-3), 4 (4-5), 6 (6-7), 8"
    )
    args = ap.parse_args(argv)  # creates --out
    import matplotlib

    matplotlib.use("Agg")
    import jaxqtm  # noqa: F401  (float64)

    start = time.perf_counter()

    def log(msg):
        print(f"[{time.perf_counter() - start:7.1f} s] {msg}", flush=True)

    record: dict = {"quick": args.quick}
    data: dict = {}
    chosen = {int(v) for v in args.figs}
    for key, fn in ((2, fig2_fig3), (4, fig4_fig5), (6, fig6_fig7), (8, fig8)):
        if key in chosen:
            data.update(fn(args.out, args.quick, log, record))
    np.savez(os.path.join(args.out, "rotor_figures.npz"), **data)
    with open(os.path.join(args.out, "rotor_figures.json"), "w") as f:
        json.dump(record, f, indent=1)
    log(f"done: {args.out}")


if __name__ == "__main__":
    main()
