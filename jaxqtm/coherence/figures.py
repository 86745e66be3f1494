"""Figures of the coherence component (seed 003): the 2N-state model.

    python -m jaxqtm.coherence.figures --out DIR [--quick]

(a) heat current J and entropy production sigma of rho_0 and of its decohered
part rho_sd against N (J(rho_0) = O(N), sigma(rho_0) = O(1)); (b) current--
dissipation ratio J^2/sigma with the bounds A/2 (A_cl/2 for rho_sd,
(A_cl + A_qm)/2 for rho_0 = rho_bd).  Numerics (points) against the closed form
(lines).  Writes PNG, ``.npz`` and a JSON with every parameter.
"""

from __future__ import annotations

import json
import os
import time

import numpy as np

import jaxqtm  # noqa: F401
from jaxqtm._plotting import figure_script
from jaxqtm import coherence as co

PARAMS = dict(omega=1.0, gamma=0.7, beta=0.5)


def main(argv=None):
    args, plt = figure_script(argv, __doc__)

    t0 = time.time()
    ns = [1, 4, 16, 64] if args.quick else [1, 2, 4, 8, 16, 32, 64, 128, 256]
    rows = []
    for n in ns:
        h, ops, rates, bohr, basis = co.two_n_state_model(n, **PARAMS)
        rho0, _ = co.two_n_state_rho0(n, PARAMS["omega"], PARAMS["beta"])
        rep = co.coherence_report(rho0, h, ops, rates, PARAMS["beta"], bohr, basis=basis)
        j_cf, s_cf = co.two_n_state_closed_form(n, **PARAMS)
        rows.append(
            [n, rep["rho"]["J"], rep["rho"]["sigma"], rep["sd"]["J"], rep["sd"]["sigma"], rep["A_cl"], rep["A_qm"], j_cf, s_cf]
        )
        print(f"[coherence.figures] N={n}: J={float(rep['rho']['J']):.6g} sigma={float(rep['rho']['sigma']):.6g} "
              f"({time.time() - t0:.1f} s)")
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
    fig.savefig(os.path.join(args.out, "coherence_2n_model.png"), dpi=120)
    np.savez(os.path.join(args.out, "coherence_2n_model.npz"), N=n, J_rho0=j0, sigma_rho0=s0, J_sd=jsd, sigma_sd=ssd,
             A_cl=acl, A_qm=aqm, J_closed=jcf, sigma_closed=scf)
    with open(os.path.join(args.out, "coherence_2n_model.json"), "w") as f:
        json.dump({**PARAMS, "N": ns, "quick": args.quick}, f, indent=1)
    print(f"[coherence.figures] wrote coherence_2n_model.png/.npz/.json to {args.out} ({time.time() - t0:.1f} s)")


if __name__ == "__main__":
    main()
