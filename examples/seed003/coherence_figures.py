"""Figures of the coherence component (seed 003): the 2N-state model and the superradiant engine.

    python -m examples.seed003.coherence_figures --out DIR [--quick]

``coherence_2n_model``: (a) heat current J and entropy production sigma of rho_0
and of its decohered part rho_sd against N (J(rho_0) = O(N), sigma(rho_0) = O(1));
(b) current--dissipation ratio J^2/sigma with the bounds A/2 (A_cl/2 for rho_sd,
(A_cl + A_qm)/2 for rho_0 = rho_bd).  Numerics (points) against the closed form
(lines).

``coherence_superradiant_scaling`` (full mode only): N qubits, collective emission in
the symmetric (Dicke) subspace vs N independent qubits: maximum power over tau, its
ratio to the classical-part and full bounds, and A_bar_qm / A_bar_cl against N.

``coherence_superradiant_engine``: the two-qubit staircase Carnot engine
(``jaxqtm.coherence.superradiant_engine``) with collective (superradiant, triplet)
and independent emission: (a) power--efficiency curves (cycle duration tau varied)
with the trade-off bound (A_bar/2) beta_C eta (eta_C - eta) and its classical part
(A_bar_cl/2 ...); (b) P / bound against tau; (c) the instantaneous current--
dissipation ratio J^2/sigma along one collective cycle against A_cl/2 and
(A_cl + A_qm)/2; (d) A_bar_qm / A_bar_cl against tau.

Each figure: PNG, ``.npz`` and a JSON with every parameter.
"""

from __future__ import annotations

import time

import jax
import numpy as np

import jaxqtm  # noqa: F401
from jaxqtm import coherence as co
from jaxqtm.plot import save_figure

from .._cli import figure_parser, pyplot

PARAMS = dict(omega=1.0, gamma=0.7, beta=0.5)


def main(argv=None):
    args = figure_parser("python -m examples.seed003.coherence_figures", __doc__).parse_args(argv)  # creates --out
    plt = pyplot()

    t0 = time.time()
    ns = [1, 4, 16, 64] if args.quick else [1, 2, 4, 8, 16, 32, 64, 128, 256]
    rows = []
    for n in ns:
        model, bohr = co.two_n_state_model(n, **PARAMS)
        rho0, _ = co.two_n_state_rho0(n, PARAMS["omega"], PARAMS["beta"])
        rep = co.coherence_report(model, rho0, PARAMS["beta"], bohr=bohr)
        j_cf, s_cf = co.two_n_state_closed_form(n, **PARAMS)
        rows.append(
            [
                n,
                rep["rho"]["J"],
                rep["rho"]["sigma"],
                rep["sd"]["J"],
                rep["sd"]["sigma"],
                rep["A_cl"],
                rep["A_qm"],
                j_cf,
                s_cf,
            ]
        )
        print(
            f"[coherence.figures] N={n}: J={float(rep['rho']['J']):.6g} sigma={float(rep['rho']['sigma']):.6g} "
            f"({time.time() - t0:.1f} s)"
        )
    d = np.array(rows, dtype=float)
    n, j0, s0, jsd, ssd, acl, aqm, jcf, scf = d.T
    fig, ax = plt.subplots(1, 2, figsize=(10, 4))
    ax[0].loglog(n, j0, "o", label="J(rho_0)")
    ax[0].loglog(n, jcf, "-", color="C0", lw=0.8, label="omega N gamma p_e")
    ax[0].loglog(n, s0, "s", label="sigma(rho_0)")
    ax[0].loglog(n, scf, "-", color="C1", lw=0.8, label="N gamma p_e ln(1+1/N)")
    ax[0].loglog(n, jsd, "^", label="J(rho_sd)")
    ax[0].loglog(n, ssd, "v", label="sigma(rho_sd)")
    ax[0].set_xlabel("N")
    ax[0].set_title("(a) 2N-state model: current and dissipation")
    ax[0].legend(fontsize=7)
    ax[1].loglog(n, j0**2 / s0, "o", label="J^2/sigma (rho_0)")
    ax[1].loglog(n, (acl + aqm) / 2, "-", label="(A_cl + A_qm)/2")
    ax[1].loglog(n, jsd**2 / ssd, "^", label="J^2/sigma (rho_sd)")
    ax[1].loglog(n, acl / 2, "--", label="A_cl/2")
    ax[1].set_xlabel("N")
    ax[1].set_title("(b) current-dissipation ratio and bounds")
    ax[1].legend(fontsize=7)
    fig.tight_layout()
    save_figure(
        fig,
        args.out,
        "coherence_2n_model",
        data=dict(
            N=n, J_rho0=j0, sigma_rho0=s0, J_sd=jsd, sigma_sd=ssd, A_cl=acl, A_qm=aqm, J_closed=jcf, sigma_closed=scf
        ),
        params={**PARAMS, "N": ns, "quick": args.quick},
    )
    print(f"[coherence.figures] wrote coherence_2n_model.png/.npz/.json to {args.out} ({time.time() - t0:.1f} s)")
    superradiant_engine_figure(args, plt)
    if args.quick:
        print("[coherence.figures] --quick: N-qubit scaling figure skipped (one compilation per N)")
    else:
        superradiant_scaling_figure(args, plt)


ENGINE = dict(beta_hot=0.5, beta_cold=1.0, omega_start=2.0, omega_end=1.0, kappa=1.0, hot_fraction=0.5)


def superradiant_engine_figure(args, plt):
    """Power--efficiency trade-off of the two-qubit superradiant engine (see module docstring)."""
    t0 = time.time()
    steps = 8 if args.quick else 64
    taus = np.geomspace(0.5, 2000.0, 12 if args.quick else 48)
    i_trace = int(np.argmin(np.abs(np.log(taus / 10.0))))  # the cycle shown in panel (c): tau ~ 10
    tau_trace = float(taus[i_trace])
    cycle = co.CarnotCycle(tau=tau_trace, **ENGINE)
    curves = co.power_efficiency_curve(cycle, taus, steps=steps)
    print(
        f"[coherence.figures] engine curves: {len(taus)} cycle durations x 2 dissipations, steps={steps} "
        f"({time.time() - t0:.1f} s)"
    )
    data = {"tau": taus, "steps": steps}
    for name, r in curves.items():
        for f in (
            "power",
            "efficiency",
            "bound",
            "bound_classical",
            "a_mean",
            "a_cl_mean",
            "a_qm_mean",
            "entropy_production",
            "q_hot",
            "ok",
            "is_engine",
        ):
            data[f"{name}_{f}"] = np.asarray(getattr(r, f))
        bad = int(np.sum(~np.asarray(r.ok)))
        if bad:
            print(f"[coherence.figures] warning: {bad} {name} points flagged not ok (left out)")
    # one collective cycle: instantaneous CD ratio at the sub-stroke starts
    one = jax.tree_util.tree_map(lambda x: x[i_trace], curves["collective"])

    def inst(w, b, rho):
        # one batched eigh only (in entropy_production): A(rho) = A(rho_bd) since c^dag c commutes with H
        model, bohr = co.two_qubit_model(w, b, ENGINE["kappa"])
        a = co.heat_fluctuation(model, rho, bohr)
        a_cl = co.heat_fluctuation(model, co.strictly_diagonal(rho), bohr)
        return (co.heat_current(model, rho), co.entropy_production(model, rho, b), a_cl, a - a_cl)

    j, sig, a_cl, a_qm = jax.jit(jax.vmap(inst))(one.omegas, one.betas, one.rho[:-1])
    rows = np.stack([np.asarray(one.times[:-1]), np.asarray(j), np.asarray(sig), np.asarray(a_cl), np.asarray(a_qm)], 1)
    tr = np.array(rows)
    data.update(trace_t=tr[:, 0], trace_J=tr[:, 1], trace_sigma=tr[:, 2], trace_A_cl=tr[:, 3], trace_A_qm=tr[:, 4])
    print(f"[coherence.figures] engine cycle trace at tau={tau_trace:.3g} ({time.time() - t0:.1f} s)")

    fig, ax = plt.subplots(2, 2, figsize=(10, 8))
    colors = {"collective": "C0", "independent": "C1"}
    eta_c = float(np.asarray(curves["collective"].eta_carnot)[0])
    for name, c in colors.items():
        m = data[f"{name}_ok"] & data[f"{name}_is_engine"]
        eta, p = data[f"{name}_efficiency"][m], data[f"{name}_power"][m]
        ax[0, 0].plot(eta, p, "o-", color=c, ms=3, label=f"P, {name}")
        ax[0, 0].plot(eta, data[f"{name}_bound"][m], "--", color=c, lw=1, label=f"(A/2) beta_C eta(eta_C-eta), {name}")
        if name == "collective":
            ax[0, 0].plot(
                eta,
                data[f"{name}_bound_classical"][m],
                ":",
                color=c,
                lw=1,
                label="(A_cl/2) beta_C eta(eta_C-eta), collective",
            )
        ax[0, 1].semilogx(taus[m], p / data[f"{name}_bound"][m], "o-", color=c, ms=3, label=f"P / bound, {name}")
        if name == "collective":
            ax[0, 1].semilogx(
                taus[m],
                p / data[f"{name}_bound_classical"][m],
                "s:",
                color=c,
                ms=3,
                label="P / classical-part bound, collective",
            )
        ax[1, 1].semilogx(taus, data[f"{name}_a_qm_mean"] / data[f"{name}_a_cl_mean"], "o-", color=c, ms=3, label=name)
    ax[0, 0].axvline(eta_c, color="k", lw=0.6)
    ax[0, 0].set_xlabel("efficiency eta")
    ax[0, 0].set_ylabel("power P")
    ax[0, 0].set_title("(a) power-efficiency (tau varied); line: eta_C")
    ax[0, 0].legend(fontsize=6)
    ax[0, 1].axhline(1.0, color="k", lw=0.6)
    ax[0, 1].set_xlabel("cycle duration tau")
    ax[0, 1].set_title("(b) power relative to the trade-off bounds")
    ax[0, 1].legend(fontsize=7)
    ratio = tr[:, 1] ** 2 / tr[:, 2]
    ax[1, 0].plot(tr[:, 0], ratio, "o", ms=3, label="J^2/sigma")
    ax[1, 0].plot(tr[:, 0], 0.5 * tr[:, 3], "-", label="A_cl/2")
    ax[1, 0].plot(tr[:, 0], 0.5 * (tr[:, 3] + tr[:, 4]), "--", label="(A_cl + A_qm)/2")
    ax[1, 0].set_xlabel("time in the cycle (hot, then cold)")
    ax[1, 0].set_title(f"(c) collective cycle, tau={tau_trace:.3g}: current-dissipation ratio")
    ax[1, 0].legend(fontsize=7)
    ax[1, 1].set_xlabel("cycle duration tau")
    ax[1, 1].set_title("(d) cycle-averaged A_qm / A_cl")
    ax[1, 1].legend(fontsize=7)
    fig.tight_layout()
    save_figure(
        fig,
        args.out,
        "coherence_superradiant_engine",
        data=data,
        params={
            **ENGINE,
            "tau_min": float(taus[0]),
            "tau_max": float(taus[-1]),
            "n_tau": int(taus.size),
            "steps": steps,
            "tau_trace": tau_trace,
            "quick": args.quick,
            "model": "two qubits, H = omega (n1 + n2); collective: J_- = s1^- + s2^- in the triplet "
            "subspace; independent: s1^-, s2^-; rates kappa(1+n_B), kappa n_B; "
            "staircase Carnot cycle",
        },
    )
    print(
        f"[coherence.figures] wrote coherence_superradiant_engine.png/.npz/.json to {args.out} "
        f"({time.time() - t0:.1f} s)"
    )


def superradiant_scaling_figure(args, plt, ns=(1, 2, 4, 8, 16, 32), steps=32):
    """N-qubit Dicke engine vs N independent qubits (same cycle as the two-qubit figure)."""
    t0 = time.time()
    taus = np.geomspace(0.02, 200.0, 30)
    cycle = co.CarnotCycle(tau=10.0, **ENGINE)
    rows = []
    for n in ns:
        cur = co.power_efficiency_curve(
            cycle, taus, steps=steps, dissipations={"dicke": co.Dicke(n), "indep": co.IndependentQubits(n)}
        )
        d, i = cur["dicke"], cur["indep"]
        m = np.asarray(d.is_engine & d.ok)
        p = np.where(m, np.asarray(d.power), -np.inf)
        j = int(np.argmax(p))
        mi = np.asarray(i.is_engine & i.ok)
        rows.append(
            [
                n,
                p[j],
                float(d.efficiency[j]),
                np.max(np.where(mi, np.asarray(i.power), -np.inf)),
                np.max(np.asarray(d.power / d.bound_classical)[m]),
                np.max(np.asarray(d.power / d.bound)[m]),
                float(d.a_qm_mean[j] / d.a_cl_mean[j]),
            ]
        )
        print(
            f"[coherence.figures] scaling N={n}: P_max={p[j]:.4g} (independent {rows[-1][3]:.4g}), "
            f"max P/classical-part bound={rows[-1][4]:.3f} ({time.time() - t0:.1f} s)"
        )
    r = np.array(rows, dtype=float)
    fig, ax = plt.subplots(1, 3, figsize=(13, 4))
    ax[0].loglog(r[:, 0], r[:, 1], "o-", label="collective (Dicke)")
    ax[0].loglog(r[:, 0], r[:, 3], "s-", label="independent")
    ax[0].set_xlabel("N qubits")
    ax[0].set_title("(a) maximum power over tau")
    ax[0].legend(fontsize=7)
    ax[1].semilogx(r[:, 0], r[:, 4], "o-", label="max P / [(A_cl/2) beta_C eta(eta_C-eta)]")
    ax[1].semilogx(r[:, 0], r[:, 5], "s-", label="max P / [(A/2) beta_C eta(eta_C-eta)]")
    ax[1].axhline(1.0, color="k", lw=0.6)
    ax[1].set_xlabel("N qubits")
    ax[1].set_title("(b) collective engine vs the bounds")
    ax[1].legend(fontsize=7)
    ax[2].semilogx(r[:, 0], r[:, 6], "o-")
    ax[2].set_xlabel("N qubits")
    ax[2].set_title("(c) A_qm / A_cl at maximum power (collective)")
    fig.tight_layout()
    save_figure(
        fig,
        args.out,
        "coherence_superradiant_scaling",
        data=dict(
            N=r[:, 0],
            P_max=r[:, 1],
            eta_at_P_max=r[:, 2],
            P_max_independent=r[:, 3],
            max_P_over_classical_bound=r[:, 4],
            max_P_over_bound=r[:, 5],
            A_qm_over_A_cl=r[:, 6],
            tau=taus,
        ),
        params={
            **ENGINE,
            "N": list(ns),
            "steps": steps,
            "tau_min": float(taus[0]),
            "tau_max": float(taus[-1]),
            "n_tau": int(taus.size),
        },
    )
    print(f"[coherence.figures] wrote coherence_superradiant_scaling.png/.npz/.json ({time.time() - t0:.1f} s)")


if __name__ == "__main__":
    main()
