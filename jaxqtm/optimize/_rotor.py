"""Part 3c: rectification performance of the qubit--rotor device (seed 004, fig. 4) by gradients.

Seed 004 scans the coupling asymmetry chi (g_{1,2} = g (1 -/+ chi)) at g = 0.5 and marks the maximum
of Gamma_alpha = alpha R + (1 - alpha) J (eq. 41) for alpha = 0, 0.5, 1. Gamma_alpha is a weighted
sum of the two objectives (R, J), so the scalarisations here are weighted sums of F = (-R, -J)
(one per alpha), optimised over chi through the global-ME steady state (implicit gradients of
``jaxqtm.rotor.rectification``); a dense chi grid gives the independent reference.
"""

from __future__ import annotations

import os
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxqtm.rotor as rot

from ._pareto import WeightedSum, pareto_front

FIG4 = dict(b1=4.0, b2=10.0, beta1=0.1, beta_r=0.09, g=0.5, lam=0.1, gamma=5e-5, inertia=1.0)
CHI_MAX = 0.98


def rotor_problem(beta2=0.03, truncation=22, edge_tol=1e-3, **overrides):
    """objective(raw) -> (F = (-R, -J), ok, aux) over chi = CHI_MAX sigmoid(raw['chi'])."""
    unknown = set(overrides) - set(FIG4)
    if unknown:
        raise ValueError(f"unknown rotor parameters {sorted(unknown)}; allowed: {sorted(FIG4)}")
    par = {**FIG4, **overrides, "beta2": beta2}

    def rect(chi):
        p = rot.RotorParams(chi=jnp.atleast_1d(chi), **par)  # batched call: flags, never raises
        r = rot.rectification(p, truncation=truncation, edge_tol=edge_tol)
        return {k: v for k, v in r.items()}

    def objective(raw):
        chi = CHI_MAX * jax.nn.sigmoid(raw["chi"])
        r = rect(chi)
        F = jnp.stack([-r["R"][0], -r["J"][0]])
        return F, r["ok"][0], dict(chi=chi, R=r["R"][0], J=r["J"][0], q=r["q"][0], q_swap=r["q_swap"][0])

    def init(key):
        return dict(chi=jax.random.uniform(key, (), minval=-2.0, maxval=2.0))

    return objective, init, rect, dict(params=par, truncation=truncation, edge_tol=edge_tol, chi_max=CHI_MAX)


def rotor_front(out, quick, log, record, *, steps, restarts, points):
    import matplotlib.pyplot as plt

    alphas = np.linspace(0.0, 1.0, max(points, 2))
    # every beta2 is a separate compiled program (~3 min compile + ~1 s per gradient at L = 22 on
    # 2 busy cores): one hot-bath temperature, the seed's middle one
    beta2s = [0.03]
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    rec = {}
    data = {}
    for b2 in beta2s:
        objective, init, rect, desc = rotor_problem(beta2=b2, truncation=22)
        t0 = time.perf_counter()
        chis = np.linspace(0.0, 0.95, 8 if quick else 39)
        # one steady state at a time (lax.map, not vmap): jaxlib 0.10's batched CPU LAPACK calls can
        # deadlock a 2-thread pool when two run concurrently (seen here with a vmapped chi grid)
        ref = jax.jit(lambda c: jax.lax.map(lambda x: {k: v[0] for k, v in rect(x).items()}, c))(jnp.asarray(chis))
        R, J, okg = (np.asarray(ref[k]) for k in ("R", "J", "ok"))
        log(f"rotor beta2={b2}: chi grid ({chis.size} points x 2 steady states) {time.perf_counter() - t0:.1f} s")
        # one alpha at a time (batch of one steady-state pair): vmapping several global-ME solves
        # hung jaxlib 0.10's 2-thread LAPACK pool here; the compiled program is reused across alphas
        optimizer = optax.adam(optax.cosine_decay_schedule(0.3, steps))
        t0 = time.perf_counter()
        runs = []
        for a in alphas:
            grid = WeightedSum(jnp.asarray([[a, 1 - a]]), jnp.zeros((1, 2)), jnp.ones((1, 2)))
            runs.append(pareto_front(objective, init, grid, steps=steps, restarts=restarts,
                                     key=jax.random.PRNGKey(5), optimizer=optimizer, segments=1, progress=False))
            log(f"    alpha={a:.2f}: chi={float(runs[-1].aux['chi'][0, runs[-1].best[0]]):.4f}, ok={bool(runs[-1].ok.any())}")
        compile_s = runs[0].compile_s
        log(f"rotor beta2={b2}: gradient optimum of Gamma_alpha for {len(alphas)} alphas in "
            f"{time.perf_counter() - t0:.1f} s (compile {compile_s:.1f} s)")
        (line,) = ax.plot(J, R, "-", label=rf"$\beta_2={b2}$ ($\chi$ grid)")
        aux = {k: np.array([np.asarray(r.aux[k])[0, r.best[0]] for r in runs]) for k in runs[0].aux}
        okb = np.array([bool(r.ok[0, r.best[0]]) for r in runs])
        ax.plot(aux["J"][okb], aux["R"][okb], "o", color=line.get_color(), mfc="none")
        entries = []
        for i, a in enumerate(alphas):
            gam_grid = a * R + (1 - a) * J
            gam_grid = np.where(okg, gam_grid, -np.inf)
            k = int(np.argmax(gam_grid))
            entries.append(dict(alpha=float(a), chi=float(aux["chi"][i]), R=float(aux["R"][i]), J=float(aux["J"][i]),
                                Gamma=float(a * aux["R"][i] + (1 - a) * aux["J"][i]), ok=bool(okb[i]),
                                grid_chi=float(chis[k]), grid_Gamma=float(gam_grid[k])))
        rec[str(b2)] = dict(problem=desc, steps=steps, restarts=restarts, best=entries, compile_s=compile_s,
                            run_s=float(sum(r.history["wall_s"][-1] for r in runs)), optimizer="adam(cosine 0.3)")
        data[f"grid_chi_beta2_{b2}"] = chis
        data[f"grid_R_beta2_{b2}"] = R
        data[f"grid_J_beta2_{b2}"] = J
        data[f"grid_ok_beta2_{b2}"] = okg
        for k, v in aux.items():
            data[f"opt_{k}_beta2_{b2}"] = v
        data[f"opt_ok_beta2_{b2}"] = okb
    data["alphas"] = alphas
    ax.set_xlabel("J")
    ax.set_ylabel("R")
    ax.set_title("qubit-rotor rectification, circles: gradient max of $\\Gamma_\\alpha$")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "rotor_rectification.png"), dpi=120)
    plt.close(fig)
    np.savez(os.path.join(out, "rotor_rectification.npz"), **data)
    record["rotor"] = rec
    log("rotor_rectification.png written")
