"""Pareto fronts: jaxqtm (optax, exact gradients) vs pymoo's NSGA-II, same objectives, same run.

Problem: the heat engine (eta, -P) of ``jaxqtm.optimize.problems.heat_engine`` (joint configuration,
slides 000), drives g_A, g_B with H Fourier harmonics and Omega free: 4H + 3 variables. Both
optimisers see the same raw variables (NSGA-II in the box a, b in [-3, 3], amp in [0, 1],
omega in [-6, 6]; every point of that box is a valid drive with max_t |g| <= g_max) and the same
objective code: NSGA-II evaluates each population with one jitted + vmapped call of
``problem.objective`` (compiled before timing). Hypervolume of (P, -eta_ext) w.r.t. (0, 0), i.e.
the area under the (eta, -P) front, from all ok final points of each method.

    python benchmarks/bench_pareto.py [--quick] [--harmonics 3] [--gens 150] [--pop 64]

Prints both HV-vs-time curves, the time jaxqtm needs to reach NSGA-II's final HV (excluding
compilation, reported separately) and the ratio to NSGA-II's wall time.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np

import jaxqtm.oscillators as osc
from jaxqtm.optimize import NoProgressMeter, epsilon_grid, hypervolume_2d, pareto_front

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))  # the repository root
from examples.fronts import problems as pr  # noqa: E402  (the seeds' objectives: an application, not the library)
from examples.fronts.fronts import front_optimizer  # noqa: E402  (the fronts' own schedule, one copy)


def _flatten_spec(raw):
    leaves, treedef = jax.tree_util.tree_flatten(raw)
    shapes = [np.shape(x) for x in leaves]
    sizes = [int(np.prod(s)) for s in shapes]
    names = sorted(raw.keys())  # tree_flatten of a dict sorts keys

    def unflatten(x):
        out, i = [], 0
        for s, n in zip(shapes, sizes):
            out.append(x[i : i + n].reshape(s))
            i += n
        return jax.tree_util.tree_unflatten(treedef, out)

    lo, hi = [], []
    for nm, n in zip(names, sizes):
        b = dict(a=(-3.0, 3.0), b=(-3.0, 3.0), amp=(0.0, 1.0), omega=(-6.0, 6.0))[nm]
        lo += [b[0]] * n
        hi += [b[1]] * n
    return unflatten, np.array(lo), np.array(hi)


def run_nsga2(problem, pop, gens, seed, ref, log):
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.core.problem import Problem
    from pymoo.optimize import minimize

    raw0 = problem.init(jax.random.PRNGKey(0))
    unflatten, lo, hi = _flatten_spec(raw0)

    @jax.jit
    def batch(X):
        F, ok, _ = jax.vmap(lambda x: problem.objective(unflatten(x)))(X)
        return F, ok

    t0 = time.perf_counter()
    jax.block_until_ready(batch(jnp.asarray(np.tile((lo + hi) / 2, (pop, 1)))))
    compile_s = time.perf_counter() - t0
    trace = []
    t_start = [None]

    class P(Problem):
        def __init__(self):
            super().__init__(n_var=lo.size, n_obj=2, xl=lo, xu=hi)

        def _evaluate(self, X, out, *args, **kwargs):
            Xp = np.zeros((pop, X.shape[1]))  # fixed batch size: one compiled program
            Xp[: X.shape[0]] = X
            F, ok = batch(jnp.asarray(Xp))
            F, ok = np.asarray(F)[: X.shape[0]], np.asarray(ok)[: X.shape[0]]
            # failed evaluations: worst possible (never non-dominated against a valid engine)
            good = ok & np.all(np.isfinite(F), 1)
            out["F"] = np.where(good[:, None], F, 1e3)

    def callback(algorithm):
        F = algorithm.pop.get("F")
        trace.append((time.perf_counter() - t_start[0], hypervolume_2d(F, ref), algorithm.evaluator.n_eval))

    t_start[0] = time.perf_counter()
    minimize(P(), NSGA2(pop_size=pop), ("n_gen", gens), seed=seed, callback=callback, verbose=False)
    wall = time.perf_counter() - t_start[0]
    log(
        f"NSGA-II: pop {pop}, {gens} generations, {trace[-1][2]} evaluations, {wall:.2f} s "
        f"(evaluator compile {compile_s:.1f} s), final HV {trace[-1][1]:.6g}"
    )
    return dict(trace=np.array(trace), wall=wall, compile_s=compile_s, hv=trace[-1][1], n_eval=trace[-1][2])


def run_jaxqtm(problem, points, restarts, steps, seed, ref, log, segments=20):
    eta_c = 1 - problem.description["machine"]["T2"] / problem.description["machine"]["T1"]
    grid = epsilon_grid(-np.linspace(0.05, 0.95, points) * eta_c, index=0, ideal=[0, 0], scale=[1, 1], mu=1e4)
    res = pareto_front(
        problem.objective,
        problem.init,
        grid,
        steps=steps,
        restarts=restarts,
        key=jax.random.PRNGKey(seed),
        optimizer=front_optimizer(5e-2, steps),
        segments=segments,
        hv_ref=ref,
        progress_meter=NoProgressMeter(),
    )
    hv = res.history["hv"]
    log(
        f"jaxqtm: {points} thresholds x {restarts} restarts x {steps} steps ({points * restarts * steps} gradient "
        f"evaluations), {res.history['wall_s'][-1]:.2f} s (compile {res.compile_s:.1f} s), final HV {hv[-1]:.6g}"
    )
    return dict(
        trace=np.stack([res.history["wall_s"], hv, res.history["step"] * points * restarts], 1),
        wall=float(res.history["wall_s"][-1]),
        compile_s=res.compile_s,
        hv=float(hv[-1]),
    )


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--harmonics", type=int, default=3)
    ap.add_argument("--pop", type=int, default=64)
    ap.add_argument("--gens", type=int, default=None)
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    gens = a.gens or (30 if a.quick else 200)
    steps = a.steps or (100 if a.quick else 400)
    log = lambda m: print(m, flush=True)
    problem = pr.heat_engine(("power", "efficiency"), configuration=osc.Joint(), harmonics=a.harmonics)
    ref = np.array([0.0, 0.0])
    ns = run_nsga2(problem, a.pop, gens, a.seed, ref, log)
    jq = run_jaxqtm(problem, 8 if a.quick else 12, 2 if a.quick else 4, steps, a.seed, ref, log)
    reach = np.flatnonzero(jq["trace"][:, 1] >= ns["hv"])
    log("\nHV vs time (s, excluding compilation):")
    log("  NSGA-II: " + ", ".join(f"{t:.2f}:{h:.5g}" for t, h, _ in ns["trace"][:: max(1, len(ns["trace"]) // 8)]))
    log("  jaxqtm : " + ", ".join(f"{t:.2f}:{h:.5g}" for t, h, _ in jq["trace"][:: max(1, len(jq["trace"]) // 8)]))
    if reach.size:
        t_reach = jq["trace"][reach[0], 0]
        log(
            f"\njaxqtm reaches NSGA-II's final HV {ns['hv']:.6g} after {t_reach:.3f} s "
            f"(segment resolution {jq['wall'] / len(jq['trace']):.3f} s); NSGA-II wall {ns['wall']:.2f} s; "
            f"ratio {t_reach / ns['wall']:.3f}"
        )
    else:
        log(f"\njaxqtm does NOT reach NSGA-II's final HV {ns['hv']:.6g} (best {jq['hv']:.6g})")
    log(
        f"final HV: jaxqtm {jq['hv']:.6g} vs NSGA-II {ns['hv']:.6g} (ratio {jq['hv'] / ns['hv']:.3f}); "
        f"wall: jaxqtm {jq['wall']:.2f} s vs NSGA-II {ns['wall']:.2f} s; compile: jaxqtm {jq['compile_s']:.1f} s, "
        f"NSGA-II evaluator {ns['compile_s']:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
