"""Property-based checks of the qubit--rotor device, ``jaxqtm.rotor.solve_device`` (issue 14,
item 5), at a small truncation L = 3 (basis l = -3..3, n = 28).

The truncated device is still a GKSL model, so its steady state obeys the invariants of
any steady state whatever the population at the edge; ``edge_tol = 0.5`` only keeps the
edge check from flagging the points (it is not what is tested here).

One ``jax.jit`` (all ten parameters in one float vector), compiled once per process.
"""

import math
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, note
from hypothesis import strategies as st

import jaxqtm.rotor as rotor
from jaxqtm import RESULTS
from jaxqtm._results import codes, name_of

L = 3
EDGE_TOL = 0.5
FIELDS = ("b1", "b2", "beta1", "beta2", "beta_r", "g", "chi", "lam", "gamma", "inertia")
INVALID = int(codes(RESULTS.invalid_parameters))
EDGE = int(codes(RESULTS.truncation_edge))
NUMBERS = (
    "q_cold",
    "q_hot",
    "q_load",
    "w_q",
    "w_r",
    "energy_rate",
    "first_law",
    "lz",
    "lz2",
    "w_kin",
    "w_int",
    "q_ba",
    "w_net",
    "ergotropy_total",
    "ergotropy_qubits",
    "ergotropy_qubit1",
    "ergotropy_qubit2",
    "ergotropy_rotor",
    "edge_population",
    "rotor_populations",
)


def _params(x):
    return rotor.RotorParams(**{k: x[i] for i, k in enumerate(FIELDS)})


@jax.jit
def _device(x):
    return rotor.solve_device(_params(x), L, edge_tol=EDGE_TOL, throw=False)


def _run(x):
    r = jax.device_get(_device(jnp.asarray(x, jnp.float64)))
    note(f"{dict(zip(FIELDS, np.asarray(x).tolist()))} -> status {int(r.status)} ({name_of(int(r.status))})")
    return r


@st.composite
def valid_params(draw):
    """Ranges around the seed's sets with a rotor well confined at small L (strong load,
    cold load bath); g > 0 (g = 0 decouples the qubits: no unique steady state)."""
    x = dict(
        b1=draw(st.floats(0.5, 5.0)),
        b2=draw(st.floats(0.5, 5.0)),
        beta1=draw(st.floats(0.05, 1.0)),
        beta2=draw(st.floats(0.05, 1.0)),
        beta_r=draw(st.floats(0.3, 2.0)),
        g=draw(st.floats(0.3, 1.5)),
        chi=draw(st.floats(-0.5, 0.5)),
        lam=draw(st.floats(-0.5, 0.5)),
        gamma=draw(st.floats(0.01, 0.3)),
        inertia=draw(st.floats(0.5, 2.0)),
    )
    return np.array([x[k] for k in FIELDS])


@given(x=valid_params())
def test_steady_state_is_a_density_matrix_and_the_flows_balance(x):
    """For every valid parameter set: the steady state is a density matrix (trace 1, no
    eigenvalue below -1e-10, residual below the solver's tolerance); energy balance, the
    first law (26), dU/dt = Q_1 + Q_2 + Q_r + W_Q + W_r = 0 in a steady state; stationarity
    of <L_z> and <L_z^2> gives W_kin = 0, W_net = 0 and W_int = -Q_ba (eqs. 30--34); every
    ergotropy (35) is >= 0 (the passive state is the minimum-energy unitary orbit point);
    rotor populations sum to 1.

    Not asserted: the Clausius form -sum beta_c Q_c >= 0.  The qubit dissipators are thermal
    (Spohn's inequality holds for them), but the load's jump operators only relax the rotor
    *close to* exp(-beta_r L_z^2/2I) (seed 004, sec. IV A), so the load term is not a
    detailed-balance dissipator and the inequality is not a theorem of the model."""
    r = _run(x)
    if int(r.status) == EDGE:  # flagged with its reason: the rotor reaches |l| = L
        assert float(r.edge_population) >= EDGE_TOL
        return
    assert int(r.status) == 0, name_of(int(r.status))
    for k in NUMBERS:
        assert np.all(np.isfinite(getattr(r, k))), k
    assert abs(float(r.trace) - 1.0) <= 1e-10 and float(r.min_eigenvalue) >= -1e-10
    assert float(r.residual) <= 1e-9
    flows = [float(getattr(r, k)) for k in ("q_cold", "q_hot", "q_load", "w_q", "w_r")]
    # round-off floor: energies (b1 + b2 + L^2/2I) times rates (g^2, gamma); the flows
    # themselves vanish at lam = 0 (qubits decoupled from the rotor: equilibrium)
    p = dict(zip(FIELDS, x))
    floor = 1e-13 * (p["b1"] + p["b2"] + L**2 / p["inertia"]) * (p["g"] ** 2 + p["gamma"] + 1.0)
    scale = sum(abs(f) for f in flows)
    assert abs(sum(flows)) <= 1e-9 * scale + floor, flows
    assert abs(float(r.energy_rate)) <= 1e-9 * scale + floor
    assert abs(float(r.first_law)) <= 1e-12 * scale + floor
    tol = 1e-9 * (abs(float(r.w_int)) + abs(float(r.q_ba))) + floor
    assert abs(float(r.w_kin)) <= tol and abs(float(r.w_net)) <= 1e-9 * abs(float(r.lz)) + floor
    assert abs(float(r.w_int) + float(r.q_ba)) <= tol
    for k in ("ergotropy_total", "ergotropy_qubits", "ergotropy_qubit1", "ergotropy_qubit2", "ergotropy_rotor"):
        assert float(getattr(r, k)) >= -1e-10, (k, float(getattr(r, k)))
    pops = np.asarray(r.rotor_populations)
    assert abs(pops.sum() - 1.0) <= 1e-10 and pops.min() >= -1e-10


# ----------------------------------------------------------------------------- invalid input
NONFINITE = st.sampled_from([math.nan, math.inf, -math.inf])
BAD = dict(
    positive=st.one_of(st.floats(-10.0, 0.0), NONFINITE),
    nonnegative=st.one_of(st.floats(-10.0, -1e-6), NONFINITE),
    finite=NONFINITE,
    chi=st.one_of(st.floats(1.0 + 1e-6, 10.0), st.floats(-10.0, -1.0 - 1e-6), NONFINITE),
)
KIND = dict(g="nonnegative", gamma="nonnegative", lam="finite", chi="chi")


@given(x=valid_params(), name=st.sampled_from(FIELDS), data=st.data())
def test_invalid_parameters_are_named_or_flagged_with_nan(x, name, data):
    """One field out of its range (beta, B, I <= 0; g, gamma < 0; |chi| > 1; NaN/inf
    anywhere): concrete -> ValueError naming ``RotorParams.<field>``; traced (the same
    jitted program) -> ``RESULTS.invalid_parameters`` with NaN numbers (README, numerical
    policy: "never silent numbers")."""
    x = x.copy()
    i = FIELDS.index(name)
    x[i] = data.draw(BAD[KIND.get(name, "positive")], label="value")
    with pytest.raises(ValueError, match=re.escape(f"RotorParams.{name}")):
        rotor.solve_device(_params(x), L, edge_tol=EDGE_TOL)
    r = _run(x)
    assert int(r.status) == INVALID, f"RotorParams.{name} = {x[i]}: status {int(r.status)}"
    for k in NUMBERS:
        assert np.all(np.isnan(getattr(r, k))), f"RotorParams.{name} = {x[i]} flagged, but {k} = {getattr(r, k)}"


@given(x=valid_params(), name=st.sampled_from(FIELDS), imag=st.floats(0.01, 2.0))
def test_complex_parameters_are_rejected(x, name, imag):
    """Complex where a real number is required: ValueError "RotorParams.<field> = a+bj must
    be real" (concrete) and TypeError naming the field while tracing."""
    i = FIELDS.index(name)
    vals = list(x)
    vals[i] = complex(x[i], imag)
    with pytest.raises(ValueError, match=re.escape(f"RotorParams.{name}") + ".*must be real"):
        _params(vals)

    def f(v, z):
        w = [v[k] for k in range(len(FIELDS))]
        w[i] = z
        return rotor.solve_device(_params(w), L, edge_tol=EDGE_TOL, throw=False).q_hot

    with pytest.raises(TypeError, match=re.escape(f"RotorParams.{name}")):
        jax.jit(f)(jnp.asarray(x), jnp.asarray(vals[i]))
