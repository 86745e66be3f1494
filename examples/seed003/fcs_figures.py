"""Figures of the fcs component: TUR ratios of Lindblad machines.

    python -m examples.seed003.fcs_figures --out DIR [--quick]

Panels: (a) three-level maser, TUR ratio of the output power against the drive
strength (``Q < 2``: the classical TUR is violated), with the gradient-based
minimum found by ``jax.grad``; (b) qubit-rotor device of seed 004 (fig. 2
parameters, local ME), mean heat flows and their TUR ratios against beta_2/beta_1.
Writes PNGs, an ``.npz`` with the data and a JSON file with every parameter.
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np

import jaxqtm  # noqa: F401
from jaxqtm import fcs, rotor
from jaxqtm.plot import save_figure

from .._cli import figure_parser, pyplot

MASER = dict(beta_h=0.01, beta_c=1.0, gamma_h=0.01, gamma_c=0.1, omega_h=4.0, omega_c=1.0)
ROTOR = dict(beta1=0.1, beta_r=0.09, b1=4.0, b2=10.0, g=1.0, chi=0.0, lam=0.1, gamma=5e-5, inertia=1.0)


def maser_q(eps):
    return fcs.tur_ratios(*fcs.three_level_maser(epsilon=eps, **MASER)).ratio[2]


def main(argv=None):
    args = figure_parser("python -m examples.seed003.fcs_figures", __doc__).parse_args(argv)  # creates --out
    plt = pyplot()

    t0 = time.time()
    eps = np.geomspace(0.005, 2.0, 12 if args.quick else 60)
    q_maser = np.array([float(maser_q(e)) for e in eps])
    # gradient descent on log(eps) to the minimum of Q (implicit-differentiation gradients)
    dq = jax.grad(lambda le: maser_q(jnp.exp(le)))
    le = jnp.log(eps[np.argmin(q_maser)])
    for _ in range(2 if args.quick else 30):
        le = le - 0.5 * dq(le) / max(abs(float(dq(le))), 1.0)
    eps_opt, q_opt = float(jnp.exp(le)), float(maser_q(jnp.exp(le)))
    print(f"[fcs.figures] panel (a) maser: min Q = {q_opt:.5f} at epsilon = {eps_opt:.4f} ({time.time() - t0:.1f} s)")

    L = 4 if args.quick else 12
    ratios = np.linspace(0.2, 0.9, 4 if args.quick else 15)
    heat, q_rot, sig = [], [], []
    for r in ratios:
        res = fcs.tur_ratios(*rotor.currents(rotor.RotorParams(**{**ROTOR, "beta2": r * ROTOR["beta1"]}), L))
        heat.append(np.asarray(res.mean))
        q_rot.append(np.asarray(res.ratio))
        sig.append(float(res.entropy_production))
    heat, q_rot, sig = np.array(heat), np.array(q_rot), np.array(sig)
    print(f"[fcs.figures] panel (b) rotor L={L}: {len(ratios)} points ({time.time() - t0:.1f} s)")

    fig, ax = plt.subplots(1, 3, figsize=(14, 4))
    ax[0].semilogx(eps, q_maser, label="Q_P (power)")
    ax[0].axhline(2.0, color="k", ls="--", lw=0.8, label="classical bound 2")
    ax[0].plot([eps_opt], [q_opt], "ro", label=f"grad. min {q_opt:.4f}")
    ax[0].set_xlabel("drive strength epsilon")
    ax[0].set_ylabel("Q = sigma S / J^2")
    ax[0].set_title("(a) three-level maser")
    ax[0].legend()
    for i, name in enumerate(("Q_1", "Q_2", "Q_r")):
        ax[1].plot(ratios, heat[:, i], label=name)
    ax[1].axhline(0, color="k", lw=0.5)
    ax[1].set_xlabel("beta_2 / beta_1")
    ax[1].set_ylabel("heat flow into the system")
    ax[1].set_title(f"(b) rotor device, L={L}")
    ax[1].legend()
    for i, name in enumerate(("Q_1", "Q_2")):
        ax[2].semilogy(ratios, q_rot[:, i], label=f"TUR ratio {name}")
    ax[2].axhline(2.0, color="k", ls="--", lw=0.8)
    ax[2].set_xlabel("beta_2 / beta_1")
    ax[2].set_title("(c) rotor device TUR ratios")
    ax[2].legend()
    fig.tight_layout()
    save_figure(
        fig,
        args.out,
        "fcs_tur",
        data=dict(
            eps=eps, q_maser=q_maser, eps_opt=eps_opt, q_opt=q_opt, ratios=ratios, heat=heat, q_rotor=q_rot, sigma=sig
        ),
        params={"maser": MASER, "rotor": ROTOR, "L": L, "quick": args.quick},
    )
    print(f"[fcs.figures] wrote fcs_tur.png/.npz/.json to {args.out} ({time.time() - t0:.1f} s)")


if __name__ == "__main__":
    main()
