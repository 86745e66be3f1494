"""Reservoirs beyond N1 + N2 = 20, where jaxlib 0.10.2 used to deadlock.

The energetics kernel evaluates both sides in one program; their batched LAPACK calls
(eigvalsh, getrf, trsm) ran concurrently and blocked the 2-thread intra-op pool forever.
The run happens in a subprocess with a time limit, so a regression fails instead of
hanging the suite; its U_md and heat rates are checked against the per-side generator
(a separate program with one side only) and the first law.  A second run splits the time
axis into 5 chunks (``Fixed(48)``: the chunks run in a ``lax.map`` inside one program) and
must give the same numbers.
"""

import json
import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import json
    import numpy as np
    import jaxqtm
    import jax
    from jaxqtm.reservoirs import EnergeticsOptions, all_to_all, energetics, time_local_generator
    from jaxqtm.sweep import Fixed
    n = 12
    # dispersive regime (Delta = 0.2 >> Gamma = 0.04): G(t) stays well conditioned
    m = all_to_all(n, n, omega1=1.0, omega2=0.8, g=0.02 / n, gamma=0.02 / n, T1=2.0, T2=0.5)
    ts = np.linspace(0.0, 20.0, 24)
    e = energetics(m, ts)
    out = {}
    for side, s in ((1, e.side1), (2, e.side2)):
        gen = time_local_generator(m, ts, side)
        out[side] = dict(
            ok=bool(np.all(np.asarray(s.md_ok))),
            k_vs_separate=float(np.max(np.abs(np.asarray(gen.sigma_min) - np.asarray(s.sigma_min)))),
            first_law=float(np.nanmax(np.abs(np.asarray(s.first_law_residual)))),
            scale=float(np.max(np.abs(np.asarray(s.U_md)))))
    cons = np.asarray(e.U1 - e.U1[0] + e.U2 - e.U2[0] + e.UI - e.UI[0])
    out["conservation"] = float(np.max(np.abs(cons)))
    ec = energetics(m, ts, options=EnergeticsOptions(chunk=Fixed(48)))  # 24 * 9 = 216 times: 5 chunks
    diff = jax.tree_util.tree_map(lambda a, b: float(np.nanmax(np.abs(np.asarray(a) - np.asarray(b)), initial=0.0)),
                                  (e.side1, e.side2), (ec.side1, ec.side2))
    out["chunked_vs_one"] = max(jax.tree_util.tree_leaves(diff))
    print(json.dumps(out))
""")


def test_energetics_n24_completes_and_is_consistent():
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["conservation"] < 1e-11
    assert out["chunked_vs_one"] < 1e-12
    for side in ("1", "2"):
        r = out[side]
        assert r["ok"]
        assert r["k_vs_separate"] < 1e-10
        # first law of the minimal-dissipation assignment (Gauss-Legendre integrals)
        assert r["first_law"] < 1e-8 * max(1.0, r["scale"])
