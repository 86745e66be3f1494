"""Part 3c: rectification performance of the qubit--rotor device (seed 004, fig. 4) by gradients.

Seed 004 scans the coupling asymmetry chi (g_{1,2} = g (1 -/+ chi)) at g = 0.5 and marks the maximum
of Gamma_alpha = alpha R + (1 - alpha) J (eq. 41) for alpha = 0, 0.5, 1. Gamma_alpha is a weighted
sum of the two objectives (R, J), so the scalarisations here are weighted sums of F = (-R, -J)
(one per alpha), optimised over chi through the global-ME steady state (implicit gradients of
``jaxqtm.rotor.rectification``), one alpha and restart per (reused) compiled program (vmapping them
still deadlocks the CPU LAPACK pool, see :func:`rotor_optima`); a dense chi grid gives the
independent reference (forward only: batched, no deadlock seen).

Truncation (rotor population at |l| = L, global ME, chi in {0.3, 0.6, 0.8, 0.95}): at L = 22 it
reaches 1.8e-3 (beta2 = 0.03); at L = 32 it is < 1e-10 for beta2 = 0.03, 0.05 but up to 1.8e-6 for
beta2 = 0.01; at L = 40 it is < 3e-11 for all three. :func:`truncation_for` picks L = 32 (beta2 >=
0.02) or 40 (hotter); the device's default edge tolerance 1e-6 flags points, and every optimum is
re-evaluated at L + 8 (convergence check, recorded).
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxqtm.rotor as rot
from jaxqtm.optimize import NoProgressMeter, WeightedSum, pareto_front
from jaxqtm.plot import save_figure

FIG4 = dict(b1=4.0, b2=10.0, beta1=0.1, beta_r=0.09, g=0.5, lam=0.1, gamma=5e-5, inertia=1.0)
CHI_MAX = 0.98
TRUNCATION = 32
EDGE_TOL = 1e-6


def truncation_for(beta2):
    """Rotor truncation L whose edge population stays < 1e-10 over chi in [0, 0.95] (see module doc)."""
    return TRUNCATION if beta2 >= 0.02 else TRUNCATION + 8


def rotor_problem(beta2=0.03, truncation=None, edge_tol=EDGE_TOL, **overrides):
    """objective(raw) -> (F = (-R, -J), ok, aux) over chi = CHI_MAX sigmoid(raw['chi'])."""
    unknown = set(overrides) - set(FIG4)
    if unknown:
        raise ValueError(f"unknown rotor parameters {sorted(unknown)}; allowed: {sorted(FIG4)}")
    par = {**FIG4, **overrides, "beta2": beta2}
    truncation = truncation_for(beta2) if truncation is None else truncation

    def rect(chi, L=truncation):
        p = rot.RotorParams(chi=jnp.atleast_1d(chi), **par)  # batched call: flags, never raises
        r = rot.rectification(p, L, edge_tol=edge_tol, throw=False)
        return {k: getattr(r, k) for k in ("R", "J", "q", "q_swap", "ok")}

    def objective(raw):
        chi = CHI_MAX * jax.nn.sigmoid(raw["chi"])
        r = rect(chi)
        F = jnp.stack([-r["R"][0], -r["J"][0]])
        return F, r["ok"][0], dict(chi=chi, R=r["R"][0], J=r["J"][0], q=r["q"][0], q_swap=r["q_swap"][0])

    def init(key):
        return dict(chi=jax.random.uniform(key, (), minval=-2.0, maxval=2.0))

    return objective, init, rect, dict(params=par, truncation=truncation, edge_tol=edge_tol, chi_max=CHI_MAX)


def rotor_optima(beta2, alphas, *, steps, restarts, truncation=None, seed=5, check_dL=8):
    """Gradient maxima of Gamma_alpha over chi for every alpha (best of ``restarts``), with the
    convergence check at ``truncation + check_dL``.

    Returns (entries, result, desc): one dict per alpha with chi, R, J, Gamma, ok, and the
    relative change of R and J at L + check_dL (``dR_rel``, ``dJ_rel``).
    """
    objective, init, rect, desc = rotor_problem(beta2=beta2, truncation=truncation)
    alphas = np.asarray(alphas, dtype=float)
    # ONE (alpha, restart) per compiled program, looped in Python: vmapping them still deadlocks
    # jaxlib 0.10.2's CPU LAPACK pool (gdb, 3 alphas x 1 restart, L = 32: two threads blocked in
    # jax::ParallelBatchMap <- LuDecomposition<c128> (lapack_zgetrf_ffi), the batched LU of the
    # steady state and of its swapped-temperature twin, which rectification() solves independently).
    # With a batch of one the LU is unbatched (no ParallelBatchMap) and the program is reused.
    optimizer = optax.adam(optax.cosine_decay_schedule(0.3, steps))
    keys = jax.random.split(jax.random.PRNGKey(seed), restarts)
    best, res = [], None
    for a in alphas:
        grid = WeightedSum(jnp.asarray([[a, 1 - a]]), jnp.zeros((1, 2)), jnp.ones((1, 2)))
        runs = [
            pareto_front(
                objective,
                init,
                grid,
                steps=steps,
                restarts=1,
                key=k,
                optimizer=optimizer,
                segments=1,
                progress_meter=NoProgressMeter(),
            )
            for k in keys
        ]
        sc = [float(r.scalar[0, 0]) for r in runs]
        res = runs[int(np.argmin(sc))]
        best.append(res)
    chi, R, J = (np.array([float(r.aux[k][0, 0]) for r in best]) for k in ("chi", "R", "J"))
    ok = np.array([bool(r.ok[0, 0]) for r in best])
    rect_big = jax.jit(lambda c: rect(c, desc["truncation"] + check_dL))  # compiled once, batch of one
    big = [rect_big(jnp.asarray([c])) for c in chi]
    Rb, Jb, okb = (np.array([b[k][0] for b in big]) for k in ("R", "J", "ok"))
    entries = [
        dict(
            alpha=float(a),
            chi=float(chi[i]),
            R=float(R[i]),
            J=float(J[i]),
            Gamma=float(a * R[i] + (1 - a) * J[i]),
            ok=bool(ok[i]),
            ok_L_plus=bool(okb[i]),
            dR_rel=float(abs(Rb[i] - R[i]) / abs(Rb[i])),
            dJ_rel=float(abs(Jb[i] - J[i]) / abs(Jb[i])),
        )
        for i, a in enumerate(np.asarray(alphas))
    ]
    return entries, res, desc


def rotor_front(out, quick, log, record, *, steps, restarts, points):
    import matplotlib.pyplot as plt

    alphas = np.linspace(0.0, 1.0, max(points, 2))
    # the three hot-bath temperatures of seed 004 fig. 4 (quick: the middle one)
    beta2s = [0.03] if quick else [0.01, 0.03, 0.05]
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    rec = {}
    data = {}
    for b2 in beta2s:
        objective, init, rect, desc = rotor_problem(beta2=b2)
        t0 = time.perf_counter()
        chis = np.linspace(0.0, 0.95, 8 if quick else 39)
        # eager call: the batched steady state and its swapped twin are two programs run one after
        # the other (jitting them together lets their batched LUs run concurrently -> deadlock)
        ref = rect(jnp.asarray(chis))
        R, J, okg = (np.asarray(ref[k]) for k in ("R", "J", "ok"))
        L = desc["truncation"]
        log(
            f"rotor beta2={b2}: chi grid ({chis.size} points x 2 steady states, L={L}) "
            f"{time.perf_counter() - t0:.1f} s, {int(okg.sum())}/{okg.size} ok"
        )
        t0 = time.perf_counter()
        entries, res, _ = rotor_optima(b2, alphas, steps=steps, restarts=restarts)
        for e in entries:
            log(
                f"    alpha={e['alpha']:.2f}: chi={e['chi']:.4f} R={e['R']:.4f} J={e['J']:.4f} ok={e['ok']} "
                f"|dR|/R={e['dR_rel']:.1e} |dJ|/J={e['dJ_rel']:.1e} (L={L}->{L + 8})"
            )
        log(
            f"rotor beta2={b2}: {len(alphas)} alphas x {restarts} restarts, "
            f"{time.perf_counter() - t0:.1f} s (compile {res.compile_s:.1f} s)"
        )
        (line,) = ax.plot(J, R, "-", label=rf"$\beta_2={b2}$ ($\chi$ grid)")
        okb = np.array([e["ok"] for e in entries])
        ax.plot(
            np.array([e["J"] for e in entries])[okb],
            np.array([e["R"] for e in entries])[okb],
            "o",
            color=line.get_color(),
            mfc="none",
        )
        for e in entries:
            gam_grid = np.where(okg, e["alpha"] * R + (1 - e["alpha"]) * J, -np.inf)
            k = int(np.argmax(gam_grid))
            e.update(grid_chi=float(chis[k]), grid_Gamma=float(gam_grid[k]))
        rec[str(b2)] = dict(
            problem=desc,
            steps=steps,
            restarts=restarts,
            best=entries,
            compile_s=res.compile_s,
            run_s=float(res.history["wall_s"][-1]),
            optimizer="adam(cosine 0.3)",
            convergence_check_truncation=L + 8,
        )
        data[f"grid_chi_beta2_{b2}"] = chis
        data[f"grid_R_beta2_{b2}"] = R
        data[f"grid_J_beta2_{b2}"] = J
        data[f"grid_ok_beta2_{b2}"] = okg
        for k in ("chi", "R", "J", "ok", "dR_rel", "dJ_rel"):
            data[f"opt_{k}_beta2_{b2}"] = np.array([e[k] for e in entries])
    data["alphas"] = alphas
    ax.set_xlabel("J")
    ax.set_ylabel("R")
    ax.set_title("qubit-rotor rectification, circles: gradient max of $\\Gamma_\\alpha$", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    save_figure(fig, out, "rotor_rectification", data=data)
    record["rotor"] = rec
    log("rotor_rectification.png written")
