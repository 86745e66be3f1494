"""Sweep throughput against chunk size and (forced host) device count, memory high-water mark, and
the naive alternative (a Python loop of single jitted calls), in one run.

    python benchmarks/bench_sweep.py [--n 4096] [--chunks 64 256 1024 4096] [--devices 1 2 4] [--loop 128]

Every configuration runs in its own subprocess (fresh JAX, its own ``ru_maxrss``; forced host
devices need ``XLA_FLAGS`` before JAX starts). Kernel: the seed-001 machine, isothermal, every
observable of ``jaxqtm.oscillators.observables`` at one (Omega, T) point (fig. 3(b) parameters).
Compile time is reported separately from the run time (points/s excludes compilation).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time


def kernel(Omega, T):
    import jax.numpy as jnp

    import jaxqtm.oscillators as osc

    # seed 001's machine (examples/seed001/paper.py): omega = (1, 0.6), gamma2 = 100, Drude-Lorentz
    # gamma1 = 0.01, omega_c = 1.2, f_A = f_B = 1, phi = pi/2
    m = osc.OscillatorMachine(
        osc.WorkingMedium(jnp.array([1.0, 0.6]), 100.0, osc.Joint()), osc.DrudeLorentz(0.01, 1.2), T, T
    )
    d = osc.PowerLawWeights(jnp.pi / 2, 0.0, 1.2)
    o = osc.observables(m, d, Omega, noise=osc.ExactIsothermal(), throw=False)
    return dict(Q_PA=o.Q_l[0], P_A=o.P_l[0], P_B=o.P_l[1], pearson=o.pearson[0, 1], result=o.result)


def _grid(n):
    import numpy as np

    from jaxqtm.sweep import Grid

    side = int(round(n**0.5))
    return Grid(Omega=np.logspace(-2, 3, side), T=np.logspace(-2, 0.3, n // side))


def worker(mode, n, chunk, ndev):
    import jax
    import numpy as np

    import jaxqtm  # noqa: F401
    from jaxqtm.sweep import AllDevices, Auto, Fixed, NoProgressMeter, SingleDevice, sweep

    quiet = NoProgressMeter()

    out = dict(mode=mode, n=n, chunk=chunk, devices=len(jax.devices()))
    if mode == "sweep":
        t0 = time.perf_counter()
        res = sweep(
            kernel,
            _grid(n),
            chunk=Fixed(chunk),
            devices=AllDevices() if ndev > 1 else SingleDevice(),
            progress_meter=quiet,
        )
        out.update(
            total_s=time.perf_counter() - t0,
            compile_s=res.meta["timing"]["compile_s"],
            run_s=res.meta["timing"]["run_s"],
            points=int(res.codes.size),
            bytes_per_chunk=res.meta["chunk"]["bytes_per_chunk_per_device"],
            ok=int(res.ok.sum()),
        )
    elif mode == "auto":
        res = sweep(kernel, _grid(n), chunk=Auto(memory_budget=chunk), progress_meter=quiet)
        out.update(
            compile_s=res.meta["timing"]["compile_s"],
            run_s=res.meta["timing"]["run_s"],
            points=int(res.codes.size),
            chosen_chunk=res.meta["chunk"]["size"],
            bytes_per_chunk=res.meta["chunk"]["bytes_per_chunk_per_device"],
            budget=chunk,
        )
    elif mode == "loop":
        g = _grid(n)
        pts = g.points(0, chunk)
        f = jax.jit(kernel)
        t0 = time.perf_counter()
        jax.block_until_ready(f(pts["Omega"][0], pts["T"][0]))
        out["compile_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        vals = [jax.device_get(f(o, t)) for o, t in zip(pts["Omega"], pts["T"])]
        out.update(run_s=time.perf_counter() - t0, points=len(vals))
        # same numbers as the sweep (the first `chunk` points)
        ref = sweep(kernel, _grid(n), chunk=Fixed(chunk), progress_meter=quiet)
        q = np.array([v["Q_PA"] for v in vals])
        out["max_rel_diff_vs_sweep"] = float(np.nanmax(np.abs(q - ref["Q_PA"].ravel()[:chunk]) / np.abs(q)))
    out["points_per_s"] = out["points"] / out["run_s"]
    out["maxrss_MiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(out), flush=True)


def run(mode, n, chunk, ndev):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    if ndev > 1:
        env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={ndev}"
    p = subprocess.run(
        [sys.executable, __file__, "--worker", mode, str(n), str(chunk), str(ndev)],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    for line in p.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(p.stderr[-3000:])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=4096, help="grid points")
    ap.add_argument("--chunks", type=int, nargs="+", default=[64, 256, 1024, 4096])
    ap.add_argument("--devices", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument("--device-chunk", type=int, default=1024)
    ap.add_argument("--budgets-MiB", type=float, nargs="+", default=[4, 32])
    ap.add_argument("--loop", type=int, default=128, help="points in the naive Python loop")
    ap.add_argument("--worker", nargs=4, default=None, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.worker:
        mode, n, chunk, ndev = a.worker
        return worker(mode, int(n), int(chunk), int(ndev))

    print(
        f"# sweep benchmark: {a.n} points, seed-001 kernel (all observables), CPU, "
        f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}\n"
    )
    loop = run("loop", a.n, a.loop, 1)
    print(
        f"naive loop of single jitted calls: {loop['points_per_s']:.1f} points/s (compile {loop['compile_s']:.1f} s, "
        f"max rel diff vs sweep {loop['max_rel_diff_vs_sweep']:.1e}, maxrss {loop['maxrss_MiB']:.0f} MiB)\n"
    )
    print(
        "| chunk | devices | compile (s) | run (s) | points/s | x naive loop | XLA "
        "bytes/chunk/device (MiB) | maxrss (MiB) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    rows = []
    for c in a.chunks:
        rows.append(run("sweep", a.n, c, 1))
    for d in a.devices:
        if d > 1:
            rows.append(run("sweep", a.n, a.device_chunk, d))
    for r in rows:
        print(
            f"| {r['chunk']} | {r['devices']} | {r['compile_s']:.1f} | {r['run_s']:.2f} | {r['points_per_s']:.0f} | "
            f"{r['points_per_s'] / loop['points_per_s']:.1f} | {r['bytes_per_chunk'] / 2**20:.2f} | "
            f"{r['maxrss_MiB']:.0f} |"
        )
    print("\n| Auto memory budget (MiB) | chosen chunk | XLA bytes/chunk (MiB) | run (s) | points/s | maxrss (MiB) |")
    print("|---|---|---|---|---|---|")
    for b in a.budgets_MiB:
        r = run("auto", a.n, int(b * 2**20), 1)
        print(
            f"| {b:g} | {r['chosen_chunk']} | {r['bytes_per_chunk'] / 2**20:.2f} | {r['run_s']:.2f} | "
            f"{r['points_per_s']:.0f} | {r['maxrss_MiB']:.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
