"""Property-based checks of the GKSL core ``jaxqtm.lindblad`` (issue 14, item 5).

Random small models (n = 3: a random Hermitian H from nine real numbers, fixed jump or bath
operators with random non-negative rates, random temperatures) keep the invariants of a
steady state and of thermodynamics; random invalid inputs give a ``ValueError`` naming the
argument (concrete) or a flagged point (traced), never status 0.

Every example goes through one ``jax.jit`` per property (fixed shapes, parameters as float
arrays: compiled once per process).
"""

import math
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import assume, example, given, note
from hypothesis import strategies as st

import jaxqtm.lindblad as lb
from jaxqtm import RESULTS
from jaxqtm._results import codes, name_of
from tests.properties._models import H_ENTRIES, JUMPS, NONFINITE, RATES, K, N, hermitian

INVALID = int(codes(RESULTS.invalid_parameters))
# fixed Hermitian bath couplings (generic: every matrix element in any eigenbasis is non-zero)
X_A = np.array([[0.0, 1.0, 0.3], [1.0, 0.0, 0.5], [0.3, 0.5, 0.0]], complex)
X_B = np.array([[0.2, 0.4 - 0.3j, 1.0], [0.4 + 0.3j, -0.3, 0.7j], [1.0, -0.7j, 0.1]], complex)


def _state_report(ss):
    return dict(
        status=ss.status,
        rho=ss.rho,
        trace=ss.trace,
        min_eigenvalue=ss.min_eigenvalue,
        hermiticity=ss.hermiticity,
        residual=ss.residual,
    )


@jax.jit
def _local(hv, rates):
    m = lb.lindblad_model(hermitian(hv), JUMPS, [rates[k] for k in range(K)])
    return _state_report(lb.steady_state(m, throw=False))


@jax.jit
def _local_h(h, rates):
    """The same model with the Hamiltonian passed as a (traced) complex matrix."""
    m = lb.lindblad_model(h, JUMPS, [rates[k] for k in range(K)])
    return _state_report(lb.steady_state(m, throw=False))


def _two_baths(hv, b):
    """beta_a, beta_b, strength_a, cutoff_a, strength_b, cutoff_b."""
    baths = [
        lb.Bath((X_A,), b[0], lb.OhmicCutoff(b[2], b[3]), name="a"),
        lb.Bath((X_B,), b[1], lb.OhmicCutoff(b[4], b[5]), name="b"),
    ]
    return lb.global_model(hermitian(hv), baths)


@jax.jit
def _global2(hv, b):
    m = _two_baths(hv, b)
    ss = lb.steady_state(m, throw=False)
    out = _state_report(ss)
    out["heat"] = lb.heat_flows(m, ss)
    out["sigma"] = lb.entropy_production(m, ss, {"a": b[0], "b": b[1]})
    return out


@jax.jit
def _global1(hv, b):
    m = lb.global_model(hermitian(hv), [lb.Bath((X_A,), b[0], lb.OhmicCutoff(b[1], b[2]), name="a")])
    return _state_report(lb.steady_state(m, throw=False))


def _get(out):
    out = jax.device_get(out)
    note(f"status {int(out['status'])} ({name_of(int(out['status']))})")
    return out


def _liouvillian_residual(h, rates, rho):
    """max |L[rho]| from numpy (independent of the library's generator)."""
    out = -1j * (h @ rho - rho @ h)
    for r, c in zip(rates, JUMPS):
        cd = c.conj().T
        out += r * (c @ rho @ cd - 0.5 * (cd @ c @ rho + rho @ cd @ c))
    return float(np.max(np.abs(out)))


def _check_density_matrix(out, tol=1e-10):
    rho = np.asarray(out["rho"])
    assert np.all(np.isfinite(rho)), rho
    assert abs(np.trace(rho) - 1.0) <= tol, np.trace(rho)
    assert np.max(np.abs(rho - rho.conj().T)) <= tol
    assert np.min(np.linalg.eigvalsh(0.5 * (rho + rho.conj().T))) >= -tol
    assert abs(float(out["trace"]) - 1.0) <= tol and float(out["min_eigenvalue"]) >= -tol
    assert float(out["hermiticity"]) <= tol and float(out["residual"]) <= 1e-9
    return rho


BETA = st.floats(0.2, 3.0)
STRENGTH = st.floats(0.01, 1.0)
CUTOFF = st.floats(1.0, 20.0)


def _min_gap(hv):
    e = np.linalg.eigvalsh(hermitian(hv, np))
    return float(np.min(np.diff(e)))


@given(hv=H_ENTRIES, rates=RATES)
def test_local_steady_state_is_a_density_matrix_and_stationary(hv, rates):
    """Random H, every transition with a positive rate (connected jump graph): the GKSL
    steady state is unique, so the solve succeeds and gives a density matrix -- trace 1,
    Hermitian, no eigenvalue below -1e-10 -- with L[rho] = 0, checked with an independent
    numpy form of the generator."""
    out = _get(_local(jnp.asarray(hv), jnp.asarray(rates)))
    assert int(out["status"]) == 0, name_of(int(out["status"]))
    rho = _check_density_matrix(out)
    h = hermitian(hv, np)
    scale = max(1.0, float(np.max(np.abs(h))), float(np.sum(rates)))
    assert _liouvillian_residual(h, rates, rho) <= 1e-11 * scale


@given(hv=H_ENTRIES, beta=st.tuples(BETA, BETA), sd=st.tuples(STRENGTH, CUTOFF, STRENGTH, CUTOFF))
def test_global_two_baths_first_and_second_law(hv, beta, sd):
    """Global (Davies) master equation with two thermal baths: no drive, so in the steady
    state the heats balance, Q_a + Q_b = 0 (first law, energy measured with the full H);
    each bath's dissipator obeys detailed balance (KMS rates), so Spohn's inequality gives
    -beta_a Q_a - beta_b Q_b >= 0 (second law); ``entropy_production`` (Spohn form of the
    state) equals it in a steady state."""
    assume(_min_gap(hv) > 0.05)  # non-degenerate levels: a unique steady state
    b = np.array([beta[0], beta[1], sd[0], sd[1], sd[2], sd[3]])
    out = _get(_global2(jnp.asarray(hv), jnp.asarray(b)))
    assert int(out["status"]) == 0, name_of(int(out["status"]))
    _check_density_matrix(out)
    qa, qb = float(out["heat"]["a"]), float(out["heat"]["b"])
    scale = abs(qa) + abs(qb) + 1e-300
    assert abs(qa + qb) <= 1e-9 * scale + 1e-14, (qa, qb)
    sigma = -beta[0] * qa - beta[1] * qb
    # round-off floor: heats of order 1e-17 at beta_a = beta_b (equilibrium, Q = 0)
    assert sigma >= -1e-12 * (beta[0] + beta[1]) * scale - 1e-14, sigma
    assert abs(float(out["sigma"]) - sigma) <= 1e-8 * (beta[0] + beta[1]) * scale + 1e-13, (float(out["sigma"]), sigma)


@given(hv=H_ENTRIES, beta=BETA, strength=STRENGTH, cutoff=CUTOFF)
def test_global_one_bath_relaxes_to_gibbs(hv, beta, strength, cutoff):
    """One thermal bath: the Davies generator satisfies detailed balance with respect to the
    Gibbs state, which is its unique steady state for non-degenerate levels coupled by a
    generic operator: rho = exp(-beta H) / Z (computed here from numpy's eigh)."""
    assume(_min_gap(hv) > 0.05)
    out = _get(_global1(jnp.asarray(hv), jnp.asarray([beta, strength, cutoff])))
    assert int(out["status"]) == 0, name_of(int(out["status"]))
    rho = _check_density_matrix(out)
    e, v = np.linalg.eigh(hermitian(hv, np))
    p = np.exp(-beta * (e - e.min()))
    gibbs = (v * (p / p.sum())) @ v.conj().T
    np.testing.assert_allclose(rho, gibbs, atol=1e-10)


# ----------------------------------------------------------------------------- invalid input
def _bad_nonnegative():
    return st.one_of(st.floats(-10.0, -1e-6), NONFINITE)


def _bad_positive():
    return st.one_of(st.floats(-10.0, 0.0), NONFINITE)


def _assert_flagged_with_nan(out, what):
    assert int(out["status"]) == INVALID, f"{what}: status {int(out['status'])} ({name_of(int(out['status']))})"
    assert np.all(np.isnan(np.asarray(out["rho"]))), f"{what}: flagged invalid, but rho = {out['rho']} is not NaN"


@given(hv=H_ENTRIES, rates=RATES, k=st.integers(0, K - 1), data=st.data())
def test_invalid_rate_is_named_or_flagged(hv, rates, k, data):
    """A negative, NaN or infinite rate: concrete -> ValueError naming ``rates[k]``; traced
    (the same jitted program as the valid models) -> ``RESULTS.invalid_parameters`` and NaN
    numbers (README, numerical policy: never silent numbers)."""
    rates = rates.copy()
    rates[k] = data.draw(_bad_nonnegative(), label="rate")
    with pytest.raises(ValueError, match=re.escape(f"rates[{k}]")):
        lb.lindblad_model(hermitian(hv, np), JUMPS, list(rates))
    _assert_flagged_with_nan(_get(_local(jnp.asarray(hv), jnp.asarray(rates))), f"rates[{k}] = {rates[k]}")


@given(hv=H_ENTRIES, rates=RATES, k=st.integers(0, K - 1), imag=st.floats(0.01, 2.0))
def test_complex_rate_is_never_truncated(hv, rates, k, imag):
    """A complex rate: concrete -> ValueError "rates[k] = a+bj must be real"; traced -> a
    TypeError or a flagged point -- never the real part used silently with status 0."""
    cr = rates.astype(complex)
    cr[k] += 1j * imag
    with pytest.raises(ValueError, match=re.escape(f"rates[{k}]") + ".*must be real"):
        lb.lindblad_model(hermitian(hv, np), JUMPS, list(cr))
    try:
        out = _get(_local(jnp.asarray(hv), jnp.asarray(cr)))
    except TypeError as e:
        assert "rates" in str(e), str(e)
        return
    assert int(out["status"]) != 0, f"traced complex rates[{k}] = {cr[k]}: status 0 (imaginary part dropped)"


@given(
    hv=H_ENTRIES,
    rates=RATES,
    i=st.integers(0, N - 1),
    j=st.integers(0, N - 1),
    nonfinite=st.booleans(),
    bad=NONFINITE,
    asymmetry=st.floats(0.01, 2.0),
)
# H = diag(0, 1, 2) + 0.5 |0><1| with equal rates: the generator's fixed point is I/3, which
# passes every diagnostic of the state, so nothing but a check of H itself can flag it
@example(
    hv=np.array([0.0, 1.0, 2.0, 0, 0, 0, 0, 0, 0]),
    rates=np.ones(K),
    i=0,
    j=1,
    nonfinite=False,
    bad=math.nan,
    asymmetry=0.5,
)
def test_invalid_hamiltonian_is_named_or_flagged(hv, rates, i, j, nonfinite, bad, asymmetry):
    """H with a non-finite entry, or not Hermitian: concrete -> ValueError naming ``h``;
    traced -> a flagged point (status != 0), never a 'steady state' with status 0."""
    h = hermitian(hv, np)
    if nonfinite:
        h[i, j] = bad
    else:
        assume(i != j)
        h[i, j] += asymmetry
    with pytest.raises(ValueError, match=r"\bh\b"):
        lb.lindblad_model(h, JUMPS, list(rates))
    out = _get(_local_h(jnp.asarray(h), jnp.asarray(rates)))
    assert int(out["status"]) != 0, f"traced invalid h = {h.tolist()}: status 0"


@given(hv=H_ENTRIES, beta=st.tuples(BETA, BETA), sd=st.tuples(STRENGTH, CUTOFF, STRENGTH, CUTOFF), data=st.data())
def test_invalid_bath_parameters_are_named_or_flagged(hv, beta, sd, data):
    """beta <= 0 (or non-finite), a negative spectral strength, a cutoff <= 0: concrete ->
    ValueError naming ``baths[i].beta`` / ``baths[i].spectral_density.strength`` /
    ``...cutoff``; traced -> ``RESULTS.invalid_parameters`` with NaN numbers."""
    assume(_min_gap(hv) > 0.05)
    b = np.array([beta[0], beta[1], sd[0], sd[1], sd[2], sd[3]])
    which = data.draw(st.sampled_from(range(6)), label="parameter")
    names = ["baths[0].beta", "baths[1].beta", "baths[0].spectral_density.strength"]
    names += ["baths[0].spectral_density.cutoff", "baths[1].spectral_density.strength"]
    names += ["baths[1].spectral_density.cutoff"]
    b[which] = data.draw(_bad_nonnegative() if which in (2, 4) else _bad_positive(), label="value")
    with pytest.raises(ValueError, match=re.escape(names[which])):
        _two_baths(hv, b)
    out = _get(_global2(jnp.asarray(hv), jnp.asarray(b)))
    _assert_flagged_with_nan(out, f"{names[which]} = {b[which]}")
    for c, q in out["heat"].items():
        assert np.isnan(q), f"{names[which]} = {b[which]}: flagged invalid, but heat[{c!r}] = {q}"


@jax.jit
def _global2_complex(hv, b):
    m = _two_baths(hv, b)
    return _state_report(lb.steady_state(m, throw=False))


@given(
    hv=H_ENTRIES, beta=st.tuples(BETA, BETA), sd=st.tuples(STRENGTH, CUTOFF, STRENGTH, CUTOFF), which=st.integers(0, 5)
)
def test_complex_bath_parameters_are_rejected_or_flagged(hv, beta, sd, which):
    """A complex beta, strength or cutoff: concrete -> ValueError "... must be real" naming
    it; traced -> ``RESULTS.invalid_parameters`` (the imaginary part is never dropped)."""
    assume(_min_gap(hv) > 0.05)
    b = np.array([beta[0], beta[1], sd[0], sd[1], sd[2], sd[3]], complex)
    b[which] += 0.5j
    names = ["baths[0].beta", "baths[1].beta", "baths[0].spectral_density.strength"]
    names += ["baths[0].spectral_density.cutoff", "baths[1].spectral_density.strength"]
    names += ["baths[1].spectral_density.cutoff"]
    with pytest.raises(ValueError, match=re.escape(names[which]) + ".*must be real"):
        _two_baths(hv, b)
    out = _get(_global2_complex(jnp.asarray(hv), jnp.asarray(b)))
    assert int(out["status"]) == INVALID, f"traced complex {names[which]} = {b[which]}: status {int(out['status'])}"
