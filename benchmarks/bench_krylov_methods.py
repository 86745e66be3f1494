"""Benchmark: the Krylov iteration behind ``jaxqtm.lindblad.Krylov`` against library ones.

Run:  python benchmarks/bench_krylov_methods.py [--model cavity_qubits] [--n 128] [--reps 3]

Same deflated operator, same Lyapunov preconditioner, same relative tolerance (1e-12), same
jit: jaxqtm's own BiCGStab and GMRES(40) (``jaxqtm.lindblad._krylov``: they report mat-vecs,
the true residual and stagnation) against ``jax.scipy.sparse.linalg.bicgstab`` / ``gmres``
and lineax's ``BiCGStab`` / ``GMRES`` (if lineax is installed).  Prints run time (after
compilation), compile time, the true relative residual and ``|rho - rho_ref|_max``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="cavity_qubits")
    ap.add_argument("--n", type=int, default=128)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()

    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    import jaxqtm.lindblad as jl
    from benchmarks._steady_models import build
    from jaxqtm.lindblad._generator import liouville_operator
    from jaxqtm.lindblad._krylov import bicgstab, gmres
    from jaxqtm.lindblad._linsolve import krylov_system

    h, c, _ = build(a.model, a.n)
    model = jl.from_qutip(h, c)
    tol = 1e-12

    def setup(m):
        op = liouville_operator(m, (), dense=False)
        sysm = krylov_system(op, jl.Krylov())
        amat = sysm._deflated(op.fast_matvec)
        b = sysm.scale * op.tvec / (op.tvec @ op.tvec)
        return amat, sysm.precond, b

    def ours(method):
        def run(m):
            amat, pre, b = setup(m)
            if method == "bicgstab":
                return bicgstab(amat, b, pre, tol=tol, max_steps=2000, max_restarts=25)[0]
            return gmres(amat, b, pre, tol=tol, restart=40, max_restarts=25)[0]

        return run

    def jsp(method):
        from jax.scipy.sparse.linalg import bicgstab as jb
        from jax.scipy.sparse.linalg import gmres as jg

        def run(m):
            amat, pre, b = setup(m)
            if method == "bicgstab":
                return jb(amat, b, tol=tol, atol=0.0, maxiter=4000, M=pre)[0]
            return jg(amat, b, tol=tol, atol=0.0, restart=40, maxiter=25, M=pre)[0]

        return run

    def lx(method):
        import lineax

        def run(m):
            amat, pre, b = setup(m)
            st = jax.ShapeDtypeStruct(b.shape, b.dtype)
            opx = lineax.FunctionLinearOperator(amat, st)
            prx = lineax.FunctionLinearOperator(pre, st)
            solver = (
                lineax.BiCGStab(rtol=tol, atol=0.0, norm=lineax._norm.two_norm, max_steps=4000)
                if method == "bicgstab"
                else lineax.GMRES(rtol=tol, atol=0.0, norm=lineax._norm.two_norm, max_steps=1000, restart=40)
            )
            return lineax.linear_solve(opx, b, solver, options={"preconditioner": prx}, throw=False).value

        return run

    @jax.jit
    def residual(m, x):
        amat, _, b = setup(m)
        return jnp.linalg.norm(b - amat(x)) / jnp.linalg.norm(b)

    cands = [("jaxqtm bicgstab", ours("bicgstab")), ("jaxqtm gmres(40)", ours("gmres"))]
    cands += [("jax.scipy bicgstab", jsp("bicgstab")), ("jax.scipy gmres(40)", jsp("gmres"))]
    try:
        import lineax  # noqa: F401

        cands += [("lineax BiCGStab", lx("bicgstab")), ("lineax GMRES(40)", lx("gmres"))]
    except ImportError:
        print("lineax not installed: pip install lineax")
    ref = jl.steady_state(model, solver=jl.Krylov(tol=1e-13)).vector
    print(f"{a.model}, n = {model.n} (Liouville dimension {model.n**2}), tol {tol:g}")
    base = None
    for name, fn in cands:
        f = jax.jit(fn)
        t = time.perf_counter()
        x = jax.block_until_ready(f(model))
        first = time.perf_counter() - t
        ts = []
        for _ in range(a.reps):
            t = time.perf_counter()
            x = jax.block_until_ready(f(model))
            ts.append(time.perf_counter() - t)
        run = min(ts)
        res = float(residual(model, x))
        err = float(jnp.max(jnp.abs(x - ref)))
        base = run if base is None else base
        print(
            f"  {name:22s} run {run:8.3f} s  compile {first - run:6.2f} s  residual {res:.1e}  "
            f"|x - ref| {err:.1e}  ({run / base:.2f}x jaxqtm bicgstab)",
            flush=True,
        )


if __name__ == "__main__":
    main()
