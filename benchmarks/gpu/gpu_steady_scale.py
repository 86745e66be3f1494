"""GPU run of the steady-state scale benchmark (under 8 minutes on one H200-class GPU).

Run on a machine with a CUDA jax:  python benchmarks/gpu/gpu_steady_scale.py [--sizes 64 128 256 512 1024]
                                       [--batch 64] [--batch-n 64 128] [--out gpu_steady_scale.json]

Measures, for the driven cavity with two qubits of ``benchmarks/_steady_models.py`` (no
symmetry): the first call (compile + run) and the second call (new parameter values, run
only) of ``jaxqtm.lindblad.steady_state`` with the matrix-free ``Krylov`` solver at each
``n``; then a ``vmap`` batch of ``--batch`` parameter points at each ``--batch-n`` against
the same number of single calls.  What runs where: the Krylov iteration (mat-vecs as
``n x n`` products and gathers, the Lyapunov preconditioner's four products per step) runs
on the device; the one non-symmetric ``eig`` of the ``n x n`` no-jump generator per solve
is computed by JAX's GPU backend on the host (LAPACK ``geev``; MAGMA when
``jax_use_magma`` is on) -- its time is in the first/second-call figures.  No host callback.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="+", type=int, default=[64, 128, 256, 512, 1024])
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--batch-n", nargs="+", type=int, default=[64, 128])
    ap.add_argument("--out", default="gpu_steady_scale.json")
    a = ap.parse_args()

    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    import jaxqtm.lindblad as jl
    from benchmarks._steady_models import DEFAULT_PARAMS, cavity_qubits_parametric

    print("devices:", jax.devices(), flush=True)
    solver = jl.Krylov()
    rows = []

    def solve(build, p):
        h, ops, rates, ch = build(p)
        return jl.steady_state(jl.lindblad_model(h, ops, rates, channels=ch), solver=solver, throw=False)

    for n in a.sizes:
        build = cavity_qubits_parametric(n // 4)
        p0 = jnp.asarray(DEFAULT_PARAMS)
        t = time.perf_counter()
        ss = solve(build, p0)
        ss.rho.block_until_ready()
        first = time.perf_counter() - t
        t = time.perf_counter()
        ss = solve(build, p0 * 1.01)
        ss.rho.block_until_ready()
        second = time.perf_counter() - t
        row = dict(n=n, first_s=first, second_s=second, matvecs=int(ss.matvecs), residual=float(ss.residual))
        row["ok"] = bool(ss.ok)
        rows.append(row)
        print(json.dumps(row), flush=True)

    for n in a.batch_n:
        build = cavity_qubits_parametric(n // 4)
        pts = jnp.asarray(DEFAULT_PARAMS)[None] * (1 + 0.2 * jnp.linspace(-1, 1, a.batch))[:, None]

        def heat(p, build=build):
            h, ops, rates, ch = build(p)
            m = jl.lindblad_model(h, ops, rates, channels=ch)
            return jl.heat_flows(m, jl.steady_state(m, solver=solver, throw=False))["cavity"]

        fb = jax.jit(jax.vmap(heat))
        f1 = jax.jit(heat)
        jax.block_until_ready(fb(pts))
        jax.block_until_ready(f1(pts[0]))
        t = time.perf_counter()
        jax.block_until_ready(fb(pts))
        tb = time.perf_counter() - t
        t = time.perf_counter()
        for p in pts:
            jax.block_until_ready(f1(p))
        tl = time.perf_counter() - t
        row = dict(n=n, batch=a.batch, vmap_s=tb, loop_s=tl, speedup=tl / tb)
        rows.append(row)
        print(json.dumps(row), flush=True)
    Path(a.out).write_text(json.dumps({"jax": jax.__version__, "devices": str(jax.devices()), "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
