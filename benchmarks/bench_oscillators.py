"""jaxqtm's exact oscillator engine against scipy.integrate.quad (benchmarks/scipy_baseline.py),
in the same run, at the same parameter points (tests/oscillators/data/reference_values.json),
accuracy checked against the 30-digit mpmath reference.

    python benchmarks/bench_oscillators.py [--grid 256] [--quick]

Prints: per-point wall time of the full observable set (scipy vs jaxqtm single call vs jaxqtm
batched), speed-up ratios, worst relative errors; the fig. 3 grid (n x n) timing after
compilation (and the compile time); the cost of grad Q_PA w.r.t. all parameters relative to one
forward evaluation.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import jax
import jax.numpy as jnp
import numpy as np

# run as a script: benchmarks/ is on sys.path
from _common import drive_fixed, machine_from, noise_for, paper_machine
from scipy_baseline import scipy_observables

import jaxqtm.oscillators as osc

HERE = os.path.dirname(os.path.abspath(__file__))

KEYS = [
    "P_A0",
    "P_B0",
    "dP_A",
    "dP_B",
    "P_A",
    "P_B",
    "P",
    "J1",
    "J2",
    "Sdot",
    "D_PA",
    "D_PB",
    "D_P",
    "Q_PA",
    "Q_PB",
    "Q_P",
    "xx_AA",
    "xx_BB",
    "xx_AB",
    "V_PA",
    "V_PB",
]
OURS = {"C": "pearson_C", "C_tilde": "pearson_like_C_tilde"}


def _best(f, repeat=5):
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        jax.block_until_ready(f())
        ts.append(time.perf_counter() - t)
    return min(ts)


def _worst_err(vals, ref, ours=True):
    errs = []
    for k in KEYS + list(OURS):
        if ref.get(k) is None:
            continue
        r = float(ref[k])
        v = vals[OURS.get(k, k) if ours else k]
        if r != 0:
            errs.append(abs(v - r) / abs(r))
    return max(errs)


def per_point(sets, scipy_repeat):
    rows = []
    for s in sets:
        p = s["params"]
        m, d = machine_from(p), drive_fixed(p)
        noise = noise_for(p)
        f = jax.jit(lambda m, d, om: osc.observables(m, d, om, noise=noise, throw=False))
        om = jnp.asarray(p["Omega"])
        jax.block_until_ready(f(m, d, om))  # compile
        t_jax = _best(lambda: f(m, d, om))
        ours = jax.device_get(f(m, d, om)).to_dict()
        # batched: 1024 copies of the point (throughput per point)
        batch = jax.tree_util.tree_map(
            lambda x: jnp.broadcast_to(x, (1024,) + jnp.shape(x)) if eqx_array(x) else x, (m, d)
        )
        fb = jax.jit(jax.vmap(lambda mm, dd: osc.observables(mm, dd, om, noise=noise, throw=False)))
        jax.block_until_ready(fb(*batch))
        t_batch = _best(lambda: fb(*batch), 3) / 1024
        t0 = time.perf_counter()
        for _ in range(scipy_repeat):
            sp = scipy_observables(p)
        t_sp = (time.perf_counter() - t0) / scipy_repeat
        rows.append(
            dict(
                name=s["name"],
                scipy_s=t_sp,
                jax_call_s=t_jax,
                jax_batched_s=t_batch,
                err_jax=_worst_err(ours, s["values"]),
                err_scipy=_worst_err(sp, s["values"], ours=False),
            )
        )
        r = rows[-1]
        print(
            f"{r['name']:32s} scipy {t_sp * 1e3:8.1f} ms  jaxqtm call {t_jax * 1e3:6.2f} ms ({t_sp / t_jax:7.0f}x)  "
            f"batched {t_batch * 1e6:7.1f} us ({t_sp / t_batch:8.0f}x)  worst rel err: jaxqtm {r['err_jax']:.1e}, "
            f"scipy {r['err_scipy']:.1e}",
            flush=True,
        )
    return rows


def eqx_array(x):
    return isinstance(x, jax.Array)


def grid(n):
    def point(o, t):
        m, d = paper_machine(t, omega_c=1.2)
        ob = osc.observables(m, d, o, noise=osc.ExactIsothermal(), throw=False)
        return ob.Q_l[0], ob.P_l[0]

    f = jax.jit(jax.vmap(point))
    xx, yy = np.meshgrid(np.logspace(-2, 3, n), np.logspace(-2, np.log10(2), n))
    x, y = jnp.asarray(xx.ravel()), jnp.asarray(yy.ravel())
    t0 = time.perf_counter()
    jax.block_until_ready(f(x, y))
    t_first = time.perf_counter() - t0
    t_run = _best(lambda: f(x, y), 3)
    return t_first - t_run, t_run


def gradient_cost():
    def q(params):
        m = osc.OscillatorMachine(
            osc.WorkingMedium(jnp.stack([params["omega_A"], params["omega_B"]]), params["gamma2"]),
            osc.DrudeLorentz(params["gamma1"], params["omega_c"]),
            params["T1"],
            params["T2"],
        )
        d = osc.PowerLawWeights(params["phi"], params["r"], params["omega_c"])
        return osc.observables(m, d, params["Omega"], throw=False).Q_l[0]  # noise=Auto()

    out = {}
    for label, t2 in (("isothermal", 0.1), ("Delta T", 0.01)):
        p = {
            k: jnp.asarray(v)
            for k, v in dict(
                omega_A=1.0,
                omega_B=0.6,
                gamma2=100.0,
                gamma1=0.01,
                omega_c=1.2,
                T1=0.1,
                T2=t2,
                Omega=200.0,
                phi=np.pi / 2,
                r=0.5,
            ).items()
        }
        fwd = jax.jit(q)
        grd = jax.jit(jax.grad(q))
        jax.block_until_ready(fwd(p))
        jax.block_until_ready(grd(p))
        tf, tg = _best(lambda: fwd(p), 20), _best(lambda: grd(p), 20)
        # batched (per point)
        pb = {k: jnp.broadcast_to(v, (256,)) for k, v in p.items()}
        fwdb, grdb = jax.jit(jax.vmap(q)), jax.jit(jax.vmap(jax.grad(q)))
        jax.block_until_ready(fwdb(pb))
        jax.block_until_ready(grdb(pb))
        tfb, tgb = _best(lambda: fwdb(pb), 3), _best(lambda: grdb(pb), 3)
        out[label] = (tf, tg, tfb / 256, tgb / 256)
        print(
            f"grad Q_PA wrt all 10 parameters ({label}): forward {tf * 1e3:.2f} ms, grad {tg * 1e3:.2f} ms "
            f"({tg / tf:.2f}x); batched per point: forward {tfb / 256 * 1e6:.1f} us, grad {tgb / 256 * 1e6:.1f} us "
            f"({tgb / tfb:.2f}x)",
            flush=True,
        )
    return out


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--grid", type=int, default=256)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args(argv)
    data = json.load(open(os.path.join(HERE, "..", "tests", "oscillators", "data", "reference_values.json")))
    sets = data["sets"][:3] if a.quick else data["sets"]
    print(f"jax {jax.__version__}, devices {jax.devices()}, x64 {jax.config.jax_enable_x64}")
    rows = per_point(sets, 1 if a.quick else 2)
    sp = np.array([r["scipy_s"] for r in rows])
    jc = np.array([r["jax_call_s"] for r in rows])
    jb = np.array([r["jax_batched_s"] for r in rows])
    print(
        f"\nmedian speed-up over scipy.quad: single call {np.median(sp / jc):.0f}x, batched {np.median(sp / jb):.0f}x "
        f"(geometric mean {np.exp(np.mean(np.log(sp / jb))):.0f}x)"
    )
    comp, run = grid(64 if a.quick else a.grid)
    n = 64 if a.quick else a.grid
    print(f"fig. 3 grid {n}x{n}: {run:.2f} s after compilation ({n * n / run:.0f} points/s), compile {comp:.1f} s")
    gradient_cost()


if __name__ == "__main__":
    main()
