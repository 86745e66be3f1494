"""Property-based checks of ``jaxqtm.fcs`` (issue 14, item 5).

- any GKSL model (random H, random rates, random jump weights): the zero-frequency noise
  matrix ``S = lim Cov(N)/t`` is a covariance, so positive semi-definite (variances >= 0);
  the mean current equals sum_k w_k Tr[rate_k c_k rho c_k^dag] (numpy, from the state);
- a classical Markov jump process with local detailed balance (``h`` diagonal, jumps between
  levels, two baths at random temperatures): the TUR Q = sigma S / J^2 >= 2 holds for every
  current (Barato--Seifert; Gingrich et al., PRL 116, 120601 (2016)), sigma >= 0, and
  sigma = -beta_0 Q_0 - beta_1 Q_1;
- invalid inputs: a clear error (concrete) or a flagged point (traced), never status 0.

One ``jax.jit`` per property, fixed shapes, parameters as float arrays.
"""

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import assume, given, note
from hypothesis import strategies as st

import jaxqtm.fcs as fcs
import jaxqtm.lindblad as lb
from jaxqtm import RESULTS
from jaxqtm._results import codes, name_of
from tests.properties._models import H_ENTRIES, JUMPS, NONFINITE, RATES, K, hermitian

INVALID = int(codes(RESULTS.invalid_parameters))
SECOND_LAW = int(codes(RESULTS.second_law_violated))

# ----------------------------------------------------------------------------- quantum model


@jax.jit
def _quantum(hv, rates, weights):
    m = lb.lindblad_model(hermitian(hv), JUMPS, [rates[k] for k in range(K)])
    st_ = fcs.counting_statistics(m, fcs.Currents(weights), throw=False)
    return dict(status=st_.status, mean=st_.mean, noise=st_.noise, cumulants=st_.cumulants, rho=st_.rho)


def _get(out):
    out = jax.device_get(out)
    note(f"status {int(out['status'])} ({name_of(int(out['status']))})")
    return out


WEIGHT = st.one_of(st.floats(0.1, 2.0), st.floats(-2.0, -0.1))
WEIGHTS = st.lists(WEIGHT, min_size=2 * K, max_size=2 * K).map(lambda v: np.array(v).reshape(2, K))


@given(hv=H_ENTRIES, rates=RATES, weights=WEIGHTS)
def test_noise_is_a_covariance_and_mean_is_the_jump_rate(hv, rates, weights):
    """S_ab = lim Cov(N_a, N_b)/t is a covariance matrix: symmetric, positive semi-definite
    (every variance S_aa >= 0); c_1 = mean, c_2 = S_aa; and the mean current is
    sum_k w_ak rate_k Tr[c_k rho c_k^dag] evaluated in numpy from the returned state."""
    out = _get(_quantum(jnp.asarray(hv), jnp.asarray(rates), jnp.asarray(weights)))
    assert int(out["status"]) == 0, name_of(int(out["status"]))
    s, mean, rho = np.asarray(out["noise"]), np.asarray(out["mean"]), np.asarray(out["rho"])
    scale = float(np.max(np.abs(weights)) ** 2 * np.sum(rates))
    assert np.all(np.isfinite(s)) and np.all(np.isfinite(mean))
    np.testing.assert_allclose(s, s.T, atol=1e-13 * scale)
    assert np.min(np.linalg.eigvalsh(s)) >= -1e-10 * scale, np.linalg.eigvalsh(s)
    assert np.all(np.diag(s) >= -1e-12 * scale)
    np.testing.assert_allclose(out["cumulants"][:, 0], mean, rtol=1e-12, atol=1e-14 * scale)
    np.testing.assert_allclose(out["cumulants"][:, 1], np.diag(s), rtol=1e-10, atol=1e-13 * scale)
    jump_rates = np.array([r * np.real(np.trace(c @ rho @ c.conj().T)) for r, c in zip(rates, JUMPS)])
    np.testing.assert_allclose(mean, weights @ jump_rates, rtol=1e-9, atol=1e-12 * scale)


# ----------------------------------------------------------------------------- classical model
PAIRS = [(0, 1), (0, 2), (1, 2)]
_E3 = np.eye(3)
# term order: bath b, pair p, then (i -> j, j -> i)
CL_OPS = [np.outer(_E3[c], _E3[a]).astype(complex) for _b in range(2) for i, j in PAIRS for a, c in ((i, j), (j, i))]
CL_BATH = np.repeat([0, 1], 2 * len(PAIRS))
CL_SIGN = np.tile([1.0, -1.0], 2 * len(PAIRS))
CL_PAIR = np.tile(np.repeat(np.arange(len(PAIRS)), 2), 2)
KC = len(CL_OPS)


def _jump_energies(energies):
    """Energy each term brings into the system (E_final - E_initial)."""
    e = jnp.asarray(energies)
    de = jnp.stack([e[j] - e[i] for i, j in PAIRS])  # (3,)
    return de[CL_PAIR] * CL_SIGN


def _classical_setup(energies, pref, betas, u):
    """Three levels, every pair coupled to both baths; rates pref exp(-beta eps / 2) obey
    local detailed balance rate(a->c)/rate(c->a) = exp(-beta_b eps).  Currents: heat of
    bath 0, heat of bath 1, one current with random antisymmetric increments u."""
    eps = _jump_energies(energies)
    beta_k = jnp.asarray(betas)[CL_BATH]
    rates = jnp.asarray(pref)[CL_BATH * len(PAIRS) + CL_PAIR] * jnp.exp(-0.5 * beta_k * eps)
    model = lb.lindblad_model(
        jnp.diag(jnp.asarray(energies)).astype(complex),
        CL_OPS,
        [rates[k] for k in range(KC)],
        channels=[f"bath{b}" for b in CL_BATH],
    )
    heat = jnp.stack([eps * (CL_BATH == b) for b in range(2)])
    rand = (jnp.asarray(u)[CL_BATH * len(PAIRS) + CL_PAIR] * CL_SIGN)[None]
    cur = fcs.Currents(jnp.concatenate([heat, rand], axis=0), None, ("Q_0", "Q_1", "random"))
    ent = fcs.Currents((-beta_k * eps)[None], None, ("entropy",))
    return model, cur, ent


@jax.jit
def _classical(x):
    """x = energies (3), prefactors (6), betas (2), increments u (6), entropy sign (1)."""
    model, cur, ent = _classical_setup(x[0:3], x[3:9], x[9:11], x[11:17])
    ent = fcs.Currents(x[17] * ent.weights, None, ent.names)
    r = fcs.tur_ratios(model, cur, ent, throw=False)
    return dict(status=r.status, mean=r.mean, noise=r.noise, sigma=r.entropy_production, ratio=r.ratio)


@st.composite
def classical_points(draw):
    energies = draw(st.lists(st.floats(0.0, 3.0), min_size=3, max_size=3))
    pref = draw(st.lists(st.floats(0.1, 1.0), min_size=6, max_size=6))
    b0 = draw(st.floats(0.1, 3.0))
    b1 = draw(st.floats(0.1, 3.0))
    u = draw(st.lists(st.floats(-2.0, 2.0), min_size=6, max_size=6))
    return np.array(energies + pref + [b0, b1] + u + [1.0])


@given(x=classical_points())
def test_classical_tur_and_second_law(x):
    """Out of equilibrium (|beta_0 - beta_1| >= 0.1, level spacings >= 0.05) every current
    of a Markov jump process obeys Q = sigma S / J^2 >= 2 with the total entropy production
    sigma = sum_k J_k ln(rate_k / rate_k') = -beta_0 Q_0 - beta_1 Q_1 >= 0 (local detailed
    balance)."""
    e, betas = x[0:3], x[9:11]
    assume(abs(betas[0] - betas[1]) >= 0.1 and np.min(np.abs(np.subtract.outer(e, e))[np.triu_indices(3, 1)]) >= 0.05)
    out = _get(_classical(jnp.asarray(x)))
    assert int(out["status"]) == 0, name_of(int(out["status"]))
    mean, noise, sigma, ratio = (np.asarray(out[k]) for k in ("mean", "noise", "sigma", "ratio"))
    assert np.all(np.isfinite(ratio)) and np.all(noise >= 0), (noise, ratio)
    assert float(sigma) >= 0.0, float(sigma)
    np.testing.assert_allclose(float(sigma), -betas[0] * mean[0] - betas[1] * mean[1], rtol=1e-9, atol=1e-14)
    # the heats balance (no work in a classical rate model): Q_0 + Q_1 = 0
    assert abs(mean[0] + mean[1]) <= 1e-10 * (abs(mean[0]) + abs(mean[1])) + 1e-15
    assert np.all(ratio >= 2.0 * (1.0 - 1e-8)), ratio


# ----------------------------------------------------------------------------- invalid input
@given(hv=H_ENTRIES, rates=RATES, weights=WEIGHTS, a=st.integers(0, 1), k=st.integers(0, K - 1), bad=NONFINITE)
def test_nonfinite_weight_is_named_or_flagged(hv, rates, weights, a, k, bad):
    """A NaN/inf counting weight: concrete -> ValueError naming ``currents.weights[a, k]``;
    traced -> a flagged point (status != 0) with NaN numbers, never status 0."""
    w = weights.copy()
    w[a, k] = bad
    m = lb.lindblad_model(hermitian(hv, np), JUMPS, list(rates))
    with pytest.raises(ValueError, match=re.escape(f"currents.weights[{a}, {k}]")):
        fcs.counting_statistics(m, fcs.Currents(w))
    out = _get(_quantum(jnp.asarray(hv), jnp.asarray(rates), jnp.asarray(w)))
    assert int(out["status"]) != 0, f"traced weights[{a}, {k}] = {bad}: status 0"
    assert np.isnan(out["mean"][a]) and np.isnan(out["noise"][a, a])


@given(hv=H_ENTRIES, rates=RATES, weights=WEIGHTS, k=st.integers(0, K - 1), data=st.data())
def test_invalid_rate_is_flagged_in_counting_statistics(hv, rates, weights, k, data):
    """A negative / non-finite rate reaches the counting statistics only traced (the model
    builder rejects it concretely): ``RESULTS.invalid_parameters`` and NaN numbers."""
    rates = rates.copy()
    rates[k] = data.draw(st.one_of(st.floats(-10.0, -1e-6), NONFINITE), label="rate")
    out = _get(_quantum(jnp.asarray(hv), jnp.asarray(rates), jnp.asarray(weights)))
    assert int(out["status"]) == INVALID, f"rates[{k}] = {rates[k]}: status {int(out['status'])}"
    for key in ("mean", "noise"):
        assert np.all(np.isnan(out[key])), f"rates[{k}] = {rates[k]}: flagged invalid, but {key} = {out[key]}"


@given(x=classical_points())
def test_entropy_current_of_the_wrong_sign_is_flagged(x):
    """An 'entropy current' that is not one (the sign of -beta eps flipped) has a negative
    mean out of equilibrium: ``tur_ratios`` flags it ``second_law_violated``, never status 0
    (a TUR ratio with a negative sigma is meaningless)."""
    e, betas = x[0:3], x[9:11]
    assume(abs(betas[0] - betas[1]) >= 0.1 and np.min(np.abs(np.subtract.outer(e, e))[np.triu_indices(3, 1)]) >= 0.05)
    x = x.copy()
    x[17] = -1.0
    out = _get(_classical(jnp.asarray(x)))
    assert float(out["sigma"]) < 0
    assert int(out["status"]) == SECOND_LAW, name_of(int(out["status"]))
