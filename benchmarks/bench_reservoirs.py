"""Benchmark: exact reservoir dynamics, jaxqtm vs a numpy/scipy expm loop (same run).

    python benchmarks/bench_reservoirs.py [--n 100] [--nt 200]

The peer is what a user would otherwise write: for each time, U = scipy.linalg.expm(-i h t),
C(t) = (U Gamma0 U^dag)^T and the bare energies.  jaxqtm times are after compilation
(compile time reported separately).  Also times the full three-assignment energetics
(minimal-dissipation integrals included), which the peer loop does not compute.
"""

from __future__ import annotations

import argparse
import time

import jax
import numpy as np
import scipy.linalg as sla

import jaxqtm  # noqa: F401
from jaxqtm.reservoirs import all_to_all, correlation_matrix, energetics


def peer(h, gamma0, n1, ts, h1, h2, g):
    out = []
    for t in ts:
        u = sla.expm(-1j * h * t)
        gam = u @ gamma0 @ u.conj().T
        u1 = np.real(np.trace(h1 @ gam[:n1, :n1]))
        u2 = np.real(np.trace(h2 @ gam[n1:, n1:]))
        ui = 2 * np.real(np.trace(g @ gam[n1:, :n1]))
        out.append((gam.T, u1, u2, ui))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100, help="modes per reservoir (N1 = N2)")
    ap.add_argument("--nt", type=int, default=200, help="number of output times")
    ap.add_argument(
        "--md-nt", type=int, default=40, help="output times for the full energetics (each adds 8 quadrature nodes)"
    )
    a = ap.parse_args()
    n = a.n
    m = all_to_all(n, n, omega1=1.0, omega2=0.95, g=0.01 / n, gamma=0.1 / n, T1=2.0, T2=0.5)
    ts = np.linspace(0.0, 50.0, a.nt)
    h = np.asarray(m.full_hamiltonian())
    # Gamma_pq(0) = <c_q^dag c_p>(0): the transpose of C(0) (public API only)
    gamma0 = np.asarray(correlation_matrix(m, np.zeros(1)))[0].T

    t0 = time.perf_counter()
    jax.block_until_ready(correlation_matrix(m, ts))
    c_first = time.perf_counter() - t0
    t0 = time.perf_counter()
    c = jax.block_until_ready(correlation_matrix(m, ts))
    c_run = time.perf_counter() - t0

    ts_md = np.linspace(0.0, 50.0, a.md_nt)
    t0 = time.perf_counter()
    jax.block_until_ready(energetics(m, ts_md))
    e_first = time.perf_counter() - t0
    t0 = time.perf_counter()
    jax.block_until_ready(energetics(m, ts_md))
    e_run = time.perf_counter() - t0

    t0 = time.perf_counter()
    ref = peer(h, gamma0, n, ts, np.asarray(m.h1), np.asarray(m.h2), np.asarray(m.g))
    p_run = time.perf_counter() - t0
    err = max(np.max(np.abs(np.asarray(c[i]) - ref[i][0])) for i in range(len(ts)))

    print(f"N1 = N2 = {n}, {a.nt} times, device {jax.devices()[0]}")
    print("| task | jaxqtm run [s] | jaxqtm compile+first [s] | scipy expm loop [s] | ratio |")
    print("|---|---|---|---|---|")
    print(f"| C(t) + bare energies | {c_run:.3f} | {c_first:.2f} | {p_run:.3f} | {p_run / c_run:.1f}x |")
    print(
        f"| full energetics, {a.md_nt} times (3 assignments, md integrals, 8 GL nodes/panel) | "
        f"{e_run:.3f} | {e_first:.2f} | n/a | -- |"
    )
    print(f"max |C_jaxqtm - C_scipy| = {err:.2e}")


if __name__ == "__main__":
    main()
