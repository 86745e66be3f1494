"""Benchmark: steady states of generic GKSL models (no symmetry), jaxqtm vs QuTiP 5.

Run:  python benchmarks/bench_steady_scale.py [--models cavity_qubits spin_chain maser_cavity]
          [--sizes 16 32 64 128 256 512] [--qutip-budget 240] [--grad-n 64] [--batch 16]
          [--out benchmarks/results/steady_scale.json]

Every case runs in its own subprocess (so peak memory is the case's own ``ru_maxrss``):
  * jaxqtm ``steady_state(from_qutip(h, c_ops))`` with the default ``AutoSolver`` (dense LU
    up to its crossover, matrix-free BiCGStab + Lyapunov preconditioner beyond): first call
    (compile + run) and the second call on new parameter values (run only; no recompile);
  * QuTiP ``steadystate`` default (direct sparse LU) and its best iterative method
    (``method="iterative-gmres"``, ``use_precond=True``: ILU-preconditioned GMRES) at the same
    tolerance (``rtol=1e-12``); a method that exceeded ``--qutip-budget`` seconds at one size
    is not run at larger ones (reported as "> budget").
Then, in this process: ``|rho_jaxqtm - rho_qutip|_max``; the gradient of the cavity heat
current with respect to all 7 parameters of the cavity model (``jax.grad``, implicit
adjoint) against one forward evaluation; a ``vmap`` batch of parameter points against a
loop of single calls.  Times are wall-clock seconds on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _peak_mb():
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _worker(kind, model, n, out, single=False):
    import numpy as np

    from benchmarks._steady_models import build

    h, c, dims = build(model, n)
    res = {"n": int(h.shape[0])}
    if kind == "jaxqtm":
        import jax

        jax.config.update("jax_enable_x64", True)
        import jaxqtm.lindblad as jl

        t = time.perf_counter()
        ss = jl.steady_state(jl.from_qutip(h, c), throw=False)
        ss.rho.block_until_ready()
        res["first"] = time.perf_counter() - t
        if not single:  # new parameter values, same structure: no recompilation
            h2, c2, _ = build(model, n)
            t = time.perf_counter()
            ss = jl.steady_state(jl.from_qutip(h2 * 1.0, c2), throw=False)
            ss.rho.block_until_ready()
            res["second"] = time.perf_counter() - t
        res.update(
            method=ss.method,
            reason=ss.reason,
            matvecs=int(ss.matvecs),
            residual=float(ss.residual),
            ok=bool(ss.ok),
            gap=float(ss.gap),
        )
        np.save(out, np.asarray(ss.rho))
    else:
        import qutip as qt

        d = [list(dims)] * 2
        # CSR operators, as QuTiP's own constructors give (dense Qobj would make QuTiP build a
        # dense n^2 x n^2 Liouvillian: 12 GB at n = 128, 64 GB at n = 256)
        hq, cq = qt.Qobj(h, dims=d).to("CSR"), [qt.Qobj(x, dims=d).to("CSR") for x in c]
        kw = {} if kind == "qutip-direct" else dict(method="iterative-gmres", use_precond=True, rtol=1e-12, atol=1e-14)
        t = time.perf_counter()
        rho = qt.steadystate(hq, cq, **kw)
        res["second"] = time.perf_counter() - t
        np.save(out, rho.full())
    res["peak_mb"] = _peak_mb()
    print(json.dumps(res))


def _run_case(kind, model, n, budget, tmp, single=False):
    out = os.path.join(tmp, f"{kind}_{model}_{n}.npy")
    cmd = [sys.executable, __file__, "--worker", kind, "--model", model, "--n", str(n), "--rho-out", out]
    cmd += ["--single"] if single else []
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=budget, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"timeout": budget}
    if p.returncode != 0:
        return {"error": p.stderr.strip().splitlines()[-1] if p.stderr.strip() else f"rc {p.returncode}"}
    r = json.loads(p.stdout.strip().splitlines()[-1])
    r["rho_file"] = out
    return r


def _grad_and_batch(n_grad, batch):
    """Gradient cost and vmap throughput on the parametric cavity model."""
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    import jaxqtm.lindblad as jl
    from benchmarks._steady_models import DEFAULT_PARAMS, cavity_qubits_parametric

    build = cavity_qubits_parametric(max(2, n_grad // 4))

    def heat(params):
        h, ops, rates, ch = build(params)
        m = jl.lindblad_model(h, ops, rates, channels=ch)
        ss = jl.steady_state(m, solver=jl.Krylov(check_unique=False), throw=False)
        return jl.heat_flows(m, ss)["cavity"]

    p0 = jnp.asarray(DEFAULT_PARAMS)
    f = jax.jit(heat)
    g = jax.jit(jax.grad(heat))

    def timed(fn, *a, reps=3):
        jax.block_until_ready(fn(*a))
        ts = []
        for _ in range(reps):
            t = time.perf_counter()
            jax.block_until_ready(fn(*a))
            ts.append(time.perf_counter() - t)
        return min(ts)

    t_f, t_g = timed(f, p0), timed(g, p0)
    grad = g(p0)
    eps = 1e-6
    fd = jnp.stack([(f(p0.at[i].add(eps)) - f(p0.at[i].add(-eps))) / (2 * eps) for i in range(7)])
    out = {"n": 4 * max(2, n_grad // 4), "forward_s": t_f, "grad_s": t_g, "ratio": t_g / t_f}
    out["grad_vs_fd_max_rel"] = float(jnp.max(jnp.abs(grad - fd)) / jnp.max(jnp.abs(fd)))
    pts = p0[None] * (1 + 0.1 * jnp.linspace(-1, 1, batch))[:, None]
    fb = jax.jit(jax.vmap(heat))
    t_b = timed(fb, pts)
    t_loop = timed(lambda ps: [f(p) for p in ps], pts)
    out.update(batch=batch, vmap_s=t_b, loop_s=t_loop, vmap_speedup=t_loop / t_b)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="+", default=["cavity_qubits", "spin_chain", "maser_cavity"])
    ap.add_argument("--sizes", nargs="+", type=int, default=[16, 32, 64, 128, 256, 512])
    ap.add_argument("--qutip-budget", type=float, default=240.0)
    ap.add_argument("--jaxqtm-budget", type=float, default=900.0)
    ap.add_argument("--grad-n", type=int, default=64)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "steady_scale.json"))
    ap.add_argument("--worker")
    ap.add_argument("--model")
    ap.add_argument("--n", type=int)
    ap.add_argument("--rho-out")
    ap.add_argument("--single", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument(
        "--reuse-jaxqtm",
        help="take the jaxqtm timings from this earlier results file (one call per case only, for rho)",
    )
    a = ap.parse_args()
    if a.worker:
        return _worker(a.worker, a.model, a.n, a.rho_out, a.single)
    import numpy as np

    rows = []
    old = {}
    if a.reuse_jaxqtm:
        old = {(r["model"], r["n_target"]): r["jaxqtm"] for r in json.loads(Path(a.reuse_jaxqtm).read_text())["rows"]}
    with tempfile.TemporaryDirectory() as tmp:
        for model in a.models:
            over = set()
            for n in a.sizes:
                row = {"model": model, "n_target": n}
                if (model, n) in old:
                    fresh = _run_case("jaxqtm", model, n, a.jaxqtm_budget, tmp, single=True)
                    row["jaxqtm"] = {**old[(model, n)], "rho_file": fresh.get("rho_file"), "reused": True}
                else:
                    row["jaxqtm"] = _run_case("jaxqtm", model, n, a.jaxqtm_budget, tmp)
                for kind in ("qutip-direct", "qutip-gmres"):
                    row[kind] = (
                        {"skipped": "exceeded budget at a smaller n"}
                        if kind in over
                        else _run_case(kind, model, n, a.qutip_budget, tmp)
                    )
                    if "timeout" in row[kind]:
                        over.add(kind)
                jr = row["jaxqtm"]
                for kind in ("qutip-direct", "qutip-gmres"):
                    q = row[kind]
                    if q.get("rho_file") and jr.get("rho_file"):
                        q["max_diff"] = float(np.max(np.abs(np.load(jr["rho_file"]) - np.load(q["rho_file"]))))
                rows.append(row)
                _print_row(row, a.qutip_budget)
    extra = _grad_and_batch(a.grad_n, a.batch) if a.grad_n > 0 else {}
    if extra:
        _print_extra(extra)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    for r in rows:
        for v in r.values():
            if isinstance(v, dict):
                v.pop("rho_file", None)
    meta = {"jax": __import__("jax").__version__, "qutip": __import__("qutip").__version__, "cpus": os.cpu_count()}
    Path(a.out).write_text(json.dumps({"meta": meta, "rows": rows, "gradient_batch": extra}, indent=1))
    print(f"wrote {a.out}")


def _print_extra(extra):
    print(
        f"gradient (n = {extra['n']}, 7 parameters): forward {extra['forward_s']:.3f} s, grad {extra['grad_s']:.3f} s, "
        f"ratio {extra['ratio']:.2f}; grad vs finite differences: max rel {extra['grad_vs_fd_max_rel']:.1e}"
    )
    print(
        f"vmap batch of {extra['batch']} (n = {extra['n']}): {extra['vmap_s']:.3f} s vs loop {extra['loop_s']:.3f} s "
        f"-> {extra['vmap_speedup']:.2f}x throughput"
    )


def _fmt(case, budget):
    if "second" in case:
        return f"{case['second']:8.3f}"
    if "timeout" in case or "skipped" in case:
        return f"> {budget:.0f}".rjust(8)
    return "   error"


def _print_row(row, budget):
    j, qd, qg = row["jaxqtm"], row["qutip-direct"], row["qutip-gmres"]
    if "second" not in j:
        print(row["model"], row["n_target"], "jaxqtm failed:", j, flush=True)
        return
    best = [q["second"] for q in (qd, qg) if "second" in q]
    ratio = f"{min(best) / j['second']:7.1f}x" if best else f"> {budget / j['second']:.0f}x"
    diffs = [q["max_diff"] for q in (qd, qg) if "max_diff" in q]
    print(
        f"{row['model']:14s} n={j['n']:4d}  jaxqtm {j['second']:8.3f} s (first {j['first']:6.2f}, {j['method']}, "
        f"{j['matvecs']} mv, res {j['residual']:.0e}, {j['peak_mb']:.0f} MB) | QuTiP direct {_fmt(qd, budget)} "
        f"gmres+ILU {_fmt(qg, budget)} | best/jaxqtm {ratio} | drho {min(diffs) if diffs else float('nan'):.1e}",
        flush=True,
    )


if __name__ == "__main__":
    main()
