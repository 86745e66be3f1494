"""Benchmark: steady states of the seed-004 qubit--rotor device, jaxqtm vs QuTiP.

Run:  python benchmarks/bench_rotor.py [--sizes 12 20 40] [--global-sizes 4 6 12 20 40]
                                       [--qutip-global-max 6] [--batch 64] [--reps 5]

Times, in the same process and after compilation (compile time reported
separately):
  1. one steady state of the local ME (jaxqtm ``steady_state(rotor_model(...))``
     vs QuTiP ``steadystate(H, c_ops)``, sparse LU, QuTiP's own CSR operators);
  2. a batch of parameter sets (jaxqtm ``vmap``; QuTiP loop, building H and
     c_ops each time as a script would);
  3. the gradient of the hot-bath heat flow w.r.t. all 10 device parameters
     (``jax.grad``, implicit adjoint) vs one forward solve of the same function;
  4. the same for the (semi-)global ME (eq. 27): jaxqtm ``rotor_model(...,
     equation=jl.GlobalME())`` vs QuTiP ``bloch_redfield_tensor`` (secular,
     sigma_x couplings, same Ohmic spectra) + ``steadystate``.  QuTiP's tensor
     construction grows ~n^6 here (5 s at L = 4, 43 s at L = 6, > 10 min and 5 GB
     at L = 12), so QuTiP is timed only up to ``--qutip-global-max``.
By default BLAS is pinned to one thread for both libraries (OPENBLAS_NUM_THREADS=1,
overridable): on a shared machine OpenBLAS threading makes small complex LUs
10-100x slower and the timings meaningless.
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import time  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import qutip as qt  # noqa: E402

import jaxqtm.lindblad as jl  # noqa: E402
import jaxqtm.rotor as jr  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "rotor"))
import qutip_reference  # noqa: E402  (shared with the tests)

FIG2 = dict(b1=4.0, b2=10.0, beta1=0.1, beta2=0.03, beta_r=0.09, g=1.0, chi=0.0, lam=0.1, gamma=5e-5, inertia=1.0)


def qutip_problem(p, L):
    """The device written the way a QuTiP user would (literal eq. 17 load)."""
    d = 2 * L + 1
    shift = qt.Qobj(np.eye(d, k=-1))
    lz = qt.Qobj(np.diag(np.arange(-L, L + 1, dtype=float)))
    i2, idr = qt.qeye(2), qt.qeye(d)
    s1p, s2p = qt.tensor(qt.sigmap(), i2, idr), qt.tensor(i2, qt.sigmap(), idr)
    s1z, s2z = qt.tensor(qt.sigmaz(), i2, idr), qt.tensor(i2, qt.sigmaz(), idr)
    e, lzf = qt.tensor(i2, i2, shift), qt.tensor(i2, i2, lz)
    h = p["b1"] * s1z + p["b2"] * s2z + lzf * lzf / (2 * p["inertia"])
    h += p["lam"] * (s1p * s2p.dag() * e + s1p.dag() * s2p * e.dag())
    g1, g2 = p["g"] * (1 - p["chi"]), p["g"] * (1 + p["chi"])
    n1 = 1 / np.expm1(2 * p["beta1"] * p["b1"])
    n2 = 1 / np.expm1(2 * p["beta2"] * p["b2"])
    cos, sin = 0.5 * (e + e.dag()), (e - e.dag()) / 2j
    k = p["beta_r"] / (4 * p["inertia"])
    pref = np.sqrt(2 * p["inertia"] * p["gamma"] / p["beta_r"])
    c_ops = [
        g1 * np.sqrt(n1) * s1p,
        g1 * np.sqrt(n1 + 1) * s1p.dag(),
        g2 * np.sqrt(n2) * s2p,
        g2 * np.sqrt(n2 + 1) * s2p.dag(),
        pref * (cos - 1j * k * sin * lzf),
        pref * (sin + 1j * k * cos * lzf),
    ]
    return h, c_ops, (g2**2 * n2, g2**2 * (n2 + 1), s2p, p["b2"] * s2z)


def qutip_heat_hot(p, L):
    h, c_ops, (r_up, r_dn, s2p, h2) = qutip_problem(p, L)
    rho = qt.steadystate(h, c_ops)
    d = r_up * jl_dissipate(s2p, rho) + r_dn * jl_dissipate(s2p.dag(), rho)
    return qt.expect(h2, d), rho


def jl_dissipate(c, rho):
    return c * rho * c.dag() - 0.5 * (c.dag() * c * rho + rho * c.dag() * c)


def qutip_global(p, L):
    """Global ME the QuTiP way: Bloch--Redfield tensor (secular) + steadystate."""
    h, c_ops, _ = qutip_problem(p, L)
    c_load = c_ops[4:]
    d = 2 * L + 1
    i2, idr = qt.qeye(2), qt.qeye(d)
    x1 = qt.tensor(qt.sigmax(), i2, idr)
    x2 = qt.tensor(i2, qt.sigmax(), idr)
    cutoff = 2 * max(p["b1"], p["b2"])
    g1, g2 = p["g"] * (1 - p["chi"]), p["g"] * (1 + p["chi"])

    def spec(strength, beta):  # the test-suite's QuTiP spectrum, J(w)(1 + n(w)) with J odd
        return qutip_reference.ohmic_rate(strength, cutoff, beta)

    e = h.eigenenergies()
    dw = np.abs(e[:, None] - e[None, :])
    dw_min = dw[dw > 0].min()
    r = qt.bloch_redfield_tensor(
        h,
        [(x1, spec(g1**2, p["beta1"])), (x2, spec(g2**2, p["beta2"]))],
        c_ops=c_load,
        sec_cutoff=1e-9 / dw_min,
        fock_basis=True,
    )
    return qt.steadystate(r)


def global_rows(args):
    rows = []
    for L in args.global_sizes:
        n = 4 * (2 * L + 1)
        p = jr.RotorParams(**FIG2)

        def heat(q):
            m = jr.rotor_model(q, L, equation=jl.GlobalME())
            return jl.heat_flows(m, jl.steady_state(m))["hot"]  # Tr[H_S D_hot rho] (eq. 29)

        f_rho = jax.jit(lambda q: jl.steady_state(jr.rotor_model(q, L, equation=jl.GlobalME())).rho)
        f_heat = jax.jit(heat)
        f_grad = jax.jit(jax.grad(heat))
        betas = np.linspace(0.005, 0.09, args.batch)
        pb = jr.RotorParams(**{**{k: jnp.full(args.batch, v) for k, v in FIG2.items()}, "beta2": jnp.asarray(betas)})
        f_batch = jax.jit(jax.vmap(heat))
        comp = []
        for f, a in ((f_rho, p), (f_heat, p), (f_grad, p), (f_batch, pb)):
            t0 = time.perf_counter()
            jax.block_until_ready(f(a))
            comp.append(time.perf_counter() - t0)
        t_j1 = timeit(lambda: f_rho(p), args.reps)
        t_jh = timeit(lambda: f_heat(p), args.reps)
        t_jg = timeit(lambda: f_grad(p), args.reps)
        t_jb = timeit(lambda: f_batch(pb), max(2, args.reps // 2))
        t_q1 = err = np.nan
        if L <= args.qutip_global_max:
            t0 = time.perf_counter()
            rho_q = qutip_global(FIG2, L)
            t_q1 = time.perf_counter() - t0
            err = float(np.max(np.abs(np.asarray(f_rho(p)) - rho_q.full())))
        rows.append((L, n, t_j1, t_q1, t_jb, t_q1 * args.batch, t_jh, t_jg, comp[0], comp[3], comp[2], err))
        print(
            f"GLOBAL L={L:3d} n={n:4d} | one: jaxqtm {t_j1 * 1e3:8.2f} ms  qutip {t_q1 * 1e3:9.1f} ms"
            f" | batch {args.batch}: jaxqtm {t_jb:7.3f} s ({t_jb / args.batch * 1e3:.2f} ms/point)"
            f" | grad/forward {t_jg / t_jh:4.2f} ({t_jg * 1e3:.2f}/{t_jh * 1e3:.2f} ms)"
            f" | compile rho {comp[0]:.1f}s batch {comp[3]:.1f}s grad {comp[2]:.1f}s | max|rho-rho_qutip| {err:.1e}",
            flush=True,
        )
    return rows


def timeit(fn, reps):
    best = np.inf
    for _ in range(reps):
        t = time.perf_counter()
        out = fn()
        jax.block_until_ready(out)
        best = min(best, time.perf_counter() - t)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[12, 20, 40])
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--global-sizes", type=int, nargs="*", default=[4, 6, 12, 20, 40])
    ap.add_argument("--qutip-global-max", type=int, default=6)
    args = ap.parse_args()
    print(
        f"jax {jax.__version__} on {jax.devices()[0].platform}; qutip {qt.__version__}; "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}"
    )
    rows = []
    for L in args.sizes:
        n = 4 * (2 * L + 1)
        p = jr.RotorParams(**FIG2)

        def heat(q):
            m = jr.rotor_model(q, L)
            return jl.heat_flows(m, jl.steady_state(m), energy=jr.hamiltonian_parts(q, L)[0])["hot"]

        f_rho = jax.jit(lambda q: jl.steady_state(jr.rotor_model(q, L)).rho)
        f_heat = jax.jit(heat)
        f_grad = jax.jit(jax.grad(heat))
        betas = np.linspace(0.005, 0.09, args.batch)
        pb = jr.RotorParams(**{**{k: jnp.full(args.batch, v) for k, v in FIG2.items()}, "beta2": jnp.asarray(betas)})
        f_batch = jax.jit(jax.vmap(heat))

        t0 = time.perf_counter()
        jax.block_until_ready(f_rho(p))
        c_rho = time.perf_counter() - t0
        t0 = time.perf_counter()
        jax.block_until_ready(f_heat(p))
        c_heat = time.perf_counter() - t0
        t0 = time.perf_counter()
        jax.block_until_ready(f_grad(p))
        c_grad = time.perf_counter() - t0
        t0 = time.perf_counter()
        jax.block_until_ready(f_batch(pb))
        c_batch = time.perf_counter() - t0

        # correctness in the same run
        q_ref, rho_ref = qutip_heat_hot(FIG2, L)
        err_rho = float(np.max(np.abs(np.asarray(f_rho(p)) - rho_ref.full())))
        err_q = abs(float(f_heat(p)) - q_ref) / abs(q_ref)

        t_j1 = timeit(lambda: f_rho(p), args.reps)
        t_q1 = timeit(lambda: qt.steadystate(*qutip_problem(FIG2, L)[:2]), max(2, args.reps // 2))
        t_jh = timeit(lambda: f_heat(p), args.reps)
        t_jg = timeit(lambda: f_grad(p), args.reps)
        t_jb = timeit(lambda: f_batch(pb), max(2, args.reps // 2))
        nq = args.batch if L <= 20 else 8  # QuTiP batch: loop (subsampled at large L, then scaled)
        t0 = time.perf_counter()
        for b2 in betas[:nq]:
            qutip_heat_hot(dict(FIG2, beta2=float(b2)), L)
        t_qb = (time.perf_counter() - t0) * args.batch / nq
        rows.append((L, n, t_j1, t_q1, t_jb, t_qb, t_jh, t_jg, c_rho, c_batch, c_grad, err_rho, err_q))
        print(
            f"L={L:3d} n={n:4d} | one: jaxqtm {t_j1 * 1e3:8.2f} ms  qutip {t_q1 * 1e3:8.2f} ms  "
            f"ratio {t_q1 / t_j1:6.1f}x"
            f" | batch {args.batch}: jaxqtm {t_jb:7.3f} s  qutip {t_qb:7.3f} s  throughput x{t_qb / t_jb:6.1f}"
            f" | grad/forward {t_jg / t_jh:4.2f} ({t_jg * 1e3:.2f}/{t_jh * 1e3:.2f} ms)"
            f" | compile rho {c_rho:.1f}s heat {c_heat:.1f}s batch {c_batch:.1f}s grad {c_grad:.1f}s"
            f" | max|rho-rho_qutip| {err_rho:.1e}, rel err Q_hot {err_q:.1e}",
            flush=True,
        )
    grows = global_rows(args) if args.global_sizes else []
    print(
        "\n| L | n | jaxqtm one (ms) | QuTiP one (ms) | speed-up | batch jaxqtm (s) | batch QuTiP "
        "(s) | throughput x | grad/forward | compile one/batch/grad (s) | max abs err rho | rel err Q_hot |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        L, n, tj1, tq1, tjb, tqb, tjh, tjg, cr, cb, cg, er, eq = r
        print(
            f"| {L} | {n} | {tj1 * 1e3:.2f} | {tq1 * 1e3:.1f} | {tq1 / tj1:.1f} | {tjb:.3f} | "
            f"{tqb:.2f} | {tqb / tjb:.1f} | {tjg / tjh:.2f} | {cr:.1f}/{cb:.1f}/{cg:.1f} | {er:.1e} | {eq:.1e} |"
        )

    if grows:
        print("\nGlobal ME (QuTiP: bloch_redfield_tensor + steadystate; batch = 64 x one point)")
        print(
            "| L | n | jaxqtm one (ms) | QuTiP one (s) | speed-up | batch jaxqtm (s) | ms/point | "
            "batch QuTiP est. (s) | throughput x | grad/forward | compile one/batch/grad (s) | max abs err rho |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in grows:
            L, n, tj1, tq1, tjb, tqb, tjh, tjg, cr, cb, cg, er = r
            q = lambda v, f: "n/a" if np.isnan(v) else f.format(v)  # noqa: E731
            print(
                f"| {L} | {n} | {tj1 * 1e3:.2f} | {q(tq1, '{:.2f}')} | {q(tq1 / tj1, '{:.0f}')} | "
                f"{tjb:.3f} | {tjb / args.batch * 1e3:.2f} | {q(tqb, '{:.0f}')} | {q(tqb / tjb, '{:.0f}')} | "
                f"{tjg / tjh:.2f} | {cr:.1f}/{cb:.1f}/{cg:.1f} | {q(er, '{:.1e}')} |"
            )


if __name__ == "__main__":
    main()
