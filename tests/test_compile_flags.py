"""The test run compiles for compile speed (LLVM -O0, classic CPU fusion emitters; tests/conftest.py);
users run XLA's optimised build. The two must give the same numbers: the main kernels are
evaluated here (test build) and in a fresh process with the default build, and compared to
round-off."""

import json
import os
import subprocess
import sys

import numpy as np

_KERNELS = r"""
import json, sys
import jax.numpy as jnp
import numpy as np
import jaxqtm
from jaxqtm import fcs, oscillators as osc, rotor


def values():
    out = {}
    medium = osc.WorkingMedium([1.0, 0.6], 100.0)
    drive = osc.PowerLawWeights(jnp.pi / 2, 0.0, 1.2)
    for name, t2 in (("iso", 0.1), ("two_t", 0.17)):
        ob = osc.observables(osc.OscillatorMachine(medium, osc.DrudeLorentz(0.01, 1.2), 0.1, t2), drive, 0.5)
        for f in ("P_l", "J1", "J2", "D_l", "Q_l", "pearson"):
            out[f"{name}.{f}"] = np.ravel(getattr(ob, f)).tolist()
    dev = rotor.solve_device(rotor.RotorParams(), 40)
    for f in ("q_cold", "q_hot", "q_load", "w_net", "lz", "lz2"):
        out[f"rotor.{f}"] = np.ravel(getattr(dev, f)).tolist()
    s = fcs.three_level_maser()
    cs = fcs.counting_statistics(s.model, s.currents)
    out["maser.mean"] = np.ravel(cs.mean).tolist()
    out["maser.noise"] = np.ravel(cs.noise).tolist()
    return out


if __name__ == "__main__":
    json.dump(values(), sys.stdout)
"""


def test_optimised_build_gives_the_numbers_of_the_test_build(tmp_path):
    assert "xla_backend_optimization_level=0" in os.environ.get("XLA_FLAGS", "") or (
        os.environ.get("JAXQTM_TEST_OPT") == "1"
    )
    script = tmp_path / "kernels.py"
    script.write_text(_KERNELS)
    env = dict(os.environ)
    test_build = ("optimization_level", "fusion_emitters")
    env["XLA_FLAGS"] = " ".join(f for f in env.get("XLA_FLAGS", "").split() if not any(t in f for t in test_build))
    env["JAXQTM_CACHE_DIR"] = "0"  # compile here, not load the test build's programs
    proc = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    optimised = json.loads(proc.stdout)

    sys.path.insert(0, str(tmp_path))
    try:
        import kernels  # the same code, in this process (compiled at -O0)
    finally:
        sys.path.remove(str(tmp_path))
    here = kernels.values()
    assert here.keys() == optimised.keys()
    # absolute tolerance on the scale of the component's largest number (a net power of 1e-16 is
    # a round-off zero of O(1e-3) heats)
    group_scale = {}
    for k, v in optimised.items():
        g = k.split(".")[0]
        group_scale[g] = max(group_scale.get(g, 0.0), float(np.max(np.abs(v))))
    for k in here:
        a, b = np.asarray(here[k]), np.asarray(optimised[k])
        scale = group_scale[k.split(".")[0]]
        assert np.all(np.isfinite(a)) and np.all(np.isfinite(b)), k
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13 * scale, err_msg=k)
