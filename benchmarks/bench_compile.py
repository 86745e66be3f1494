"""Time to first result: the first call of each public kernel, split into trace, lower, compile and run,
and the wall time of each long job, on a cold and on a warm persistent compilation cache.

    python benchmarks/bench_compile.py [--jobs] [--only NAME ...] [--json benchmarks/results/compile.json]

Every measurement runs in a fresh Python process (nothing compiled in memory), first with an empty
cache directory (cold: what a new user waits for), then again with the directory the first run filled
(warm: every later run). Kernels are timed with JAX's ahead-of-time API (``jit(f).trace(...)``,
``.lower()``, ``.compile()``, then the call), so the four shares add up to the first call. ``--jobs``
adds the command-line jobs (the main job with ``--quick`` and in full, ``examples.fronts --quick
--parts heat``, the README sweep), timed as wall clock.

Peer: none does this job with a compiler; the figure a user compares against is the run time (the
second call), printed beside the first call.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


# ---- kernels: name -> builder returning (function, args) ---------------------------------------
def _osc_point(two_temperature):
    import jaxqtm.oscillators as osc

    t2 = 0.05 if two_temperature else 0.1
    m = osc.OscillatorMachine(osc.WorkingMedium([1.0, 0.6], 100.0), osc.DrudeLorentz(0.01, 1.2), 0.1, t2)
    d = osc.Monochromatic([1.0, 1.0], [0.0, 1.5707963267948966])
    return m, d


def k_observables():
    import jaxqtm.oscillators as osc

    m, d = _osc_point(False)
    return (lambda m, d, w: osc.observables(m, d, w, throw=False)), (m, d, 200.0)


def k_observables_two_temperature():
    import jaxqtm.oscillators as osc

    m, d = _osc_point(True)
    return (lambda m, d, w: osc.observables(m, d, w, throw=False)), (m, d, 200.0)


def k_observables_grid():
    import jax
    import jax.numpy as jnp

    import jaxqtm.oscillators as osc

    m, d = _osc_point(False)

    def f(om, t):
        mm = osc.OscillatorMachine(m.medium, m.bath1, t, t)
        return osc.observables(mm, d, om, noise=osc.ExactIsothermal(), throw=False).Q_l[0]

    x = jnp.logspace(-2, 3, 4096)
    return jax.vmap(f), (x, jnp.full_like(x, 0.1))


def k_gradient():
    import jax

    import jaxqtm.oscillators as osc

    m, d = _osc_point(True)

    def q(t1, t2, om):
        mm = osc.OscillatorMachine(m.medium, m.bath1, t1, t2)
        return osc.observables(mm, d, om, throw=False).Q_l[0]

    return jax.grad(q, argnums=(0, 1, 2)), (0.1, 0.05, 200.0)


def k_solve_device():
    import jaxqtm.rotor as jr

    p = jr.RotorParams()
    return (lambda p: jr.solve_device(p, 20, throw=False)), (p,)


def k_steady_state_krylov():
    import jaxqtm.lindblad as jl

    sys.path.insert(0, HERE)
    from _steady_models import spin_chain

    h, c_ops, _ = spin_chain(6)
    model = jl.lindblad_model(h, c_ops, [1.0] * len(c_ops))
    return (lambda m: jl.steady_state(m, solver=jl.Krylov(), throw=False)), (model,)


KERNELS = {
    "oscillators.observables (T1 = T2)": k_observables,
    "oscillators.observables (T1 != T2, MatsubaraSum)": k_observables_two_temperature,
    "oscillators.observables, vmap over 4096 (Omega, T)": k_observables_grid,
    "grad Q_PA wrt (T1, T2, Omega), T1 != T2": k_gradient,
    "rotor.solve_device (L = 20)": k_solve_device,
    "lindblad.steady_state, Krylov (6-spin chain, n = 64)": k_steady_state_krylov,
}

JOBS = {
    "main job --quick": [sys.executable, "-m", "examples.seed001.figures", "--quick", "--out", "{tmp}/quick"],
    "main job": [sys.executable, "-m", "examples.seed001.figures", "--out", "{tmp}/full"],
    "examples.fronts --quick --parts heat": [
        sys.executable,
        "-m",
        "examples.fronts",
        "--quick",
        "--parts",
        "heat",
        "--out",
        "{tmp}/fronts",
    ],
}


def _time_kernel(name):
    t_import = time.perf_counter()
    import jax

    import jaxqtm

    fn, args = KERNELS[name]()
    t_build = time.perf_counter() - t_import
    # the oscillator programs get the engine's compile options, as its docs tell a user's jit to
    # (``osc.compiler_options()``: classic CPU fusion emitters); the Lindblad ones XLA's defaults
    opts = None
    if name.startswith(("oscillators", "grad")):
        import jaxqtm.oscillators as osc

        opts = osc.compiler_options()
    jitted = jax.jit(fn, compiler_options=opts)
    t0 = time.perf_counter()
    traced = jitted.trace(*args)
    t1 = time.perf_counter()
    lowered = traced.lower()
    t2 = time.perf_counter()
    compiled = lowered.compile()
    t3 = time.perf_counter()
    jax.block_until_ready(compiled(*args))
    t4 = time.perf_counter()
    runs = []
    for _ in range(3):
        s = time.perf_counter()
        jax.block_until_ready(compiled(*args))
        runs.append(time.perf_counter() - s)
    return dict(
        name=name,
        import_and_build_s=t_build,
        trace_s=t1 - t0,
        lower_s=t2 - t1,
        compile_s=t3 - t2,
        first_run_s=t4 - t3,
        first_call_s=t4 - t0,
        run_s=min(runs),
        cache=jaxqtm.compilation_cache_dir(),
    )


def _subprocess(cmd, cache_home, timeout=1800):
    env = dict(os.environ, XDG_CACHE_HOME=cache_home, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("JAXQTM_CACHE_DIR", None)
    t = time.perf_counter()
    p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        raise RuntimeError(f"{cmd} failed:\n{p.stdout[-2000:]}\n{p.stderr[-4000:]}")
    return p.stdout, wall


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--one", help=argparse.SUPPRESS)  # worker mode: one kernel, JSON on stdout
    ap.add_argument("--only", nargs="*", help="kernel names (substrings) to run")
    ap.add_argument("--jobs", action="store_true", help="also time the command-line jobs")
    ap.add_argument("--json", default=os.path.join(HERE, "results", "compile.json"))
    a = ap.parse_args(argv)
    if a.one:
        print("RESULT " + json.dumps(_time_kernel(a.one)))
        return 0
    names = [k for k in KERNELS if not a.only or any(s in k for s in a.only)]
    rows = []
    print(
        f"{'kernel':52s} {'cache':5s} {'trace':>6s} {'lower':>6s} {'compile':>8s} {'1st run':>8s} "
        f"{'1st call':>9s} {'run':>9s}"
    )
    for name in names:
        with tempfile.TemporaryDirectory() as cache_home:
            for label in ("cold", "warm"):
                out, _ = _subprocess([sys.executable, os.path.abspath(__file__), "--one", name], cache_home)
                r = json.loads(next(line for line in out.splitlines() if line.startswith("RESULT "))[7:])
                r["cache_state"] = label
                rows.append(r)
                print(
                    f"{name:52s} {label:5s} {r['trace_s']:6.2f} {r['lower_s']:6.2f} {r['compile_s']:8.2f} "
                    f"{r['first_run_s']:8.3f} {r['first_call_s']:8.2f}s {r['run_s'] * 1e3:7.2f}ms",
                    flush=True,
                )
    jobs = []
    if a.jobs:
        for name, cmd in JOBS.items():
            with tempfile.TemporaryDirectory() as cache_home, tempfile.TemporaryDirectory() as tmp:
                for label in ("cold", "warm"):
                    _, wall = _subprocess([c.format(tmp=tmp) for c in cmd], cache_home)
                    jobs.append(dict(name=name, cache_state=label, wall_s=wall))
                    print(f"{name:52s} {label:5s} wall {wall:7.1f} s", flush=True)
    os.makedirs(os.path.dirname(a.json), exist_ok=True)
    import jax

    with open(a.json, "w") as fh:
        json.dump(dict(kernels=rows, jobs=jobs, jax=jax.__version__, cpu_count=os.cpu_count()), fh, indent=1)
    print(f"wrote {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
