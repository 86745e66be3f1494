"""Benchmark: current noise of the qubit-rotor device, jaxqtm vs QuTiP's countstat_current_noise.

Device of seed 004 (local ME) at rotor truncation L (default 12: Hilbert dimension
100, Liouville dimension 10^4).  Current: heat from bath 2 (weights +-2 B_2 on
sigma_2^{+-}).  QuTiP gets the "sparse-state workaround": the steady state is
computed beforehand with ``qutip.steadystate``, converted to CSR and passed as
``rhoss`` (with QuTiP's defaults the dense projector |rho><1| of size 10^4 x 10^4
is formed: out of memory on the 23 GB benchmark machine); its timing is reported
separately.  jaxqtm runs in the k = 0
sector of the weak U(1) symmetry (``U1Sector``), compiled once, then timed.

Run:  python benchmarks/bench_fcs.py [--L 12] [--repeat 3]
"""

from __future__ import annotations

import os

# Single-threaded BLAS/XLA for both codes: on a shared 2-core machine multi-threaded
# BLAS oversubscribes and slows dense algebra ~10x; it also makes the comparison fair.
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

import argparse  # noqa: E402
import time  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import qutip as qt  # noqa: E402

import jaxqtm  # noqa: F401, E402
import jaxqtm.lindblad as jl  # noqa: E402
import jaxqtm.rotor as jr  # noqa: E402
from jaxqtm import fcs  # noqa: E402


def model_args(L, lam=0.1, beta2=0.04):
    """The seed-004 device (local ME, its charge sector) and the heat current from bath 2."""
    m = jr.rotor_model(jr.RotorParams(lam=lam, beta2=beta2), L)
    # terms (s1+, s1-, s2+, s2-, load, load); B2 = 10: s2+ brings 2 B2 into the system
    w = fcs.currents([[0.0, 0.0, 2 * 10.0, -2 * 10.0, 0.0, 0.0]])
    return m, w


def jaxqtm_noise(lam, L):
    m, w = model_args(L, lam)
    st = fcs.counting_statistics(m, w)
    return st.noise[0, 0], st.mean[0]


def qutip_noise(L, lam=0.1):
    m, w = model_args(L, lam)
    # CSR operators, as a QuTiP user builds them (dense Qobj would make every superoperator dense)
    h = qt.Qobj(np.asarray(m.hamiltonian)).to("csr")
    cs = [qt.Qobj(np.asarray(c)).tidyup(1e-15).to("csr") for c in m.ops]
    rates = np.asarray(jnp.stack(m.rates))
    t0 = time.perf_counter()
    lv = qt.liouvillian(h, [np.sqrt(r) * c for r, c in zip(rates, cs)])
    t1 = time.perf_counter()
    # sparse-state workaround: with a dense rhoss QuTiP forms the dense n^2 x n^2
    # projector |rho><1| (10^8 entries at L = 12: out of memory here); as CSR it stays sparse
    rhoss = qt.steadystate(lv).tidyup(1e-14).to("csr")
    t2 = time.perf_counter()
    ww = np.asarray(w.weights[0])
    jsup = [r * qt.sprepost(c, c.dag()) for r, c in zip(rates, cs)]
    i_op = sum(float(x) * j for x, j in zip(ww, jsup) if x != 0)
    j_op = sum(float(x) ** 2 * j for x, j in zip(ww, jsup) if x != 0)
    cur, noise, _ = qt.countstat_current_noise(lv, [], rhoss=rhoss, I_ops=[i_op], J_ops=[j_op])
    t3 = time.perf_counter()
    return float(noise[0, 0, 0]), float(cur[0]), dict(build=t1 - t0, steadystate=t2 - t1, noise=t3 - t2, total=t3 - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--L", type=int, default=12)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    L = args.L
    m, _ = model_args(L)
    sector = jl.sector_pairs(m.charges, m.n)[0].size
    print(f"rotor device L={L}: Hilbert dim {m.n}, Liouville dim {m.n**2}, k=0 sector dim {sector}")

    f = lambda lam: jaxqtm_noise(lam, L)  # noqa: E731
    g = jax.grad(lambda lam: f(lam)[0])

    t = time.perf_counter()
    jax.block_until_ready(f(0.1))
    c_val = time.perf_counter() - t
    t = time.perf_counter()
    jax.block_until_ready(g(0.1))
    c_grad = time.perf_counter() - t

    def best(fn):
        ts = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            jax.block_until_ready(fn(0.1))
            ts.append(time.perf_counter() - t)
        return min(ts)

    t_val, t_grad = best(f), best(g)
    s_j, j_j = (float(x) for x in f(0.1))

    q_times = []
    for _ in range(max(1, args.repeat - 1)):
        s_q, j_q, tq = qutip_noise(L)
        q_times.append(tq)
    tq = min(q_times, key=lambda d: d["total"])

    print(f"mean current   jaxqtm {j_j:.12e}  qutip {j_q:.12e}  rel.diff {abs(j_j / j_q - 1):.2e}")
    print(f"noise          jaxqtm {s_j:.12e}  qutip {s_q:.12e}  rel.diff {abs(s_j / s_q - 1):.2e}")
    print(f"jaxqtm compile: value {c_val:.2f} s, gradient {c_grad:.2f} s (first calls, incl. compile)")
    print(f"jaxqtm noise (model build + sector + solves): {t_val * 1e3:.1f} ms")
    print(
        f"jaxqtm d noise / d lambda:                    {t_grad * 1e3:.1f} ms  = "
        f"{t_grad / t_val:.2f} x one noise evaluation"
    )
    print(
        "qutip  countstat_current_noise with precomputed rhoss: "
        f"build {tq['build']:.2f} s, steadystate {tq['steadystate']:.2f} s, noise {tq['noise']:.2f} "
        f"s, total {tq['total']:.2f} s"
    )
    print(
        f"speed-up (qutip total / jaxqtm): {tq['total'] / t_val:.1f} x;  (qutip noise call only / "
        f"jaxqtm): {tq['noise'] / t_val:.1f} x"
    )


if __name__ == "__main__":
    main()
