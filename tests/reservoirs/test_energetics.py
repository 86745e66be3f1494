"""Energy assignments: first laws, weak-coupling limit, gradients, validation."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxqtm  # noqa: F401
from jaxqtm.reservoirs import (
    EnergeticsOptions,
    all_to_all,
    correlation_matrix,
    energetics,
    reservoir_model,
    time_local_generator,
    weak_coupling_heat,
)

TS = jnp.linspace(0.0, 30.0, 61)


def _disordered(gamma, t1=1.0, t2=0.4):
    """Non-degenerate reservoirs (3 and 4 modes) with a generic coupling pattern."""
    rng = np.random.default_rng(21)
    h1 = np.diag([1.0, 1.13, 1.31]) + 0.03 * np.ones((3, 3))
    h2 = np.diag([0.82, 0.97, 1.2, 1.41]) + 0.02 * np.ones((4, 4))
    pattern = rng.uniform(0.5, 1.5, size=(3, 4))
    return reservoir_model(h1, h2, gamma * pattern, t1, t2)


def test_md_first_law_and_quadrature_convergence():
    m = all_to_all(3, 4, omega1=1.0, omega2=0.9, g=0.03, gamma=0.04, T1=1.0, T2=0.3)
    r = energetics(m, TS)
    r16 = energetics(m, TS, options=EnergeticsOptions(nodes_per_panel=16))
    for s, s16 in ((r.side1, r16.side1), (r.side2, r16.side2)):
        md = s.minimal_dissipation
        assert bool(jnp.all(s.md_ok))
        # dU_md is pointwise, Q and W are independent integrals: the first law is a real check
        assert float(jnp.max(jnp.abs(s.first_law_residual))) < 1e-11
        assert float(jnp.max(jnp.abs(md.Q - s16.minimal_dissipation.Q))) < 1e-11
        assert float(jnp.max(jnp.abs(md.W))) > 1e-3  # emergent md work is nonzero
        for a in (s.bare, s.interaction):
            np.testing.assert_allclose(a.dU, a.Q + a.W, atol=1e-14)
    # bare and interaction assignments: same heat, different energy and work
    np.testing.assert_allclose(r.side1.bare.Q, r.side1.interaction.Q, atol=1e-14)
    np.testing.assert_allclose(r.side1.bare.Q, -r.side2.bare.dU, atol=1e-12)  # Q_1 = -Delta Ut_2
    assert float(jnp.max(jnp.abs(r.side1.bare.dU - r.side1.interaction.dU))) > 1e-3


def test_weak_coupling_reference_matches_exact_bare_energy():
    """The closed-form O(gamma^2) heat equals the exact Delta Ut_X up to O(gamma^4)."""
    errs = []
    for gam in (4e-3, 2e-3):
        m = _disordered(gam)
        r = energetics(m, TS)
        for side, s in ((1, r.side1), (2, r.side2)):
            qwc = weak_coupling_heat(m, TS, side)
            rel = float(jnp.max(jnp.abs(s.bare.dU - qwc)) / jnp.max(jnp.abs(qwc)))
            errs.append(rel)
    # relative error ~ (gamma t)^2 (near-resonant pairs): small, and quartering with gamma
    assert max(errs) < 2e-2
    assert errs[2] / errs[0] == pytest.approx(0.25, rel=0.1)
    assert errs[3] / errs[1] == pytest.approx(0.25, rel=0.1)


def test_md_heat_reaches_weak_coupling_limit_only():
    """As gamma -> 0: K_X -> H_X (error ~ gamma^2), Q_md / Q_wc -> 1 (error ~ gamma^2), while the
    bare/interaction heat keeps an O(1) relative offset (the interaction energy)."""
    out = []
    for gam in (8e-3, 4e-3, 2e-3):
        # detuned all-to-all reservoirs: Delta Ut_I / Delta Ut_1 = -Delta / nu1 exactly
        m = all_to_all(3, 4, omega1=1.0, omega2=0.6, g=0.03, gamma=gam, T1=1.0, T2=0.4)
        r = energetics(m, TS)
        gen = time_local_generator(m, TS, 1)
        dk = float(jnp.max(jnp.abs(gen.k - m.h1[None])))
        qwc = weak_coupling_heat(m, TS, 1)
        scale = float(jnp.max(jnp.abs(qwc)))
        md_err = float(jnp.max(jnp.abs(r.side1.minimal_dissipation.Q - qwc))) / scale
        bare_err = float(jnp.max(jnp.abs(r.side1.bare.Q - qwc))) / scale
        out.append((dk, md_err, bare_err))
    (k0, md0, b0), (k1, md1, b1), (k2, md2, b2) = out
    assert k1 / k0 == pytest.approx(0.25, rel=0.1) and k2 / k1 == pytest.approx(0.25, rel=0.1)
    assert md1 / md0 == pytest.approx(0.25, rel=0.15) and md2 / md1 == pytest.approx(0.25, rel=0.15)
    assert md2 < 5e-3
    # bare heat misses by Delta / nu1 = 0.4 / 1.06, whatever gamma
    assert min(b0, b1, b2) > 0.3 and b2 / b0 == pytest.approx(1.0, rel=0.05)


def _fd(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


def test_gradients_vs_finite_differences_degenerate_spectrum():
    """All-to-all reservoirs have degenerate spectra: the custom JVPs must stay finite/exact."""
    ts = jnp.linspace(0.0, 25.0, 26)

    def model(gam, t1, w2):
        return all_to_all(3, 4, omega1=1.0, omega2=w2, g=0.03, gamma=gam, T1=t1, T2=0.3)

    def obs(p):
        r = energetics(model(p[0], p[1], p[2]), ts)
        s = r.side1
        return (
            s.minimal_dissipation.Q[-1]
            + 0.7 * s.minimal_dissipation.W[-1]
            + 0.3 * s.bare.W[-1]
            + 0.2 * r.side2.U_md[-1]
        )

    p0 = jnp.array([0.04, 1.0, 0.9])
    grad = jax.jit(jax.grad(obs))(p0)
    assert bool(jnp.all(jnp.isfinite(grad)))
    for i, h in enumerate((1e-5, 1e-5, 1e-5)):
        e = jnp.zeros(3).at[i].set(1.0)
        fd = float(_fd(lambda x: obs(p0 + x * e), 0.0, h))
        assert float(grad[i]) == pytest.approx(fd, rel=2e-6, abs=1e-9)


@pytest.mark.slow
def test_gradient_wrt_generic_matrix_entries():
    rng = np.random.default_rng(4)
    dh = rng.normal(size=(3, 3))
    dh = dh + dh.T
    base = _disordered(0.05)

    def obs(x):
        m = reservoir_model(base.h1 + x * dh, base.h2, base.g, base.T1, base.T2)
        return energetics(m, TS).side2.minimal_dissipation.W[-1]

    g = float(jax.grad(obs)(0.0))
    assert g == pytest.approx(float(_fd(obs, 0.0, 1e-5)), rel=1e-6, abs=1e-10)


def test_chunking_strategies_give_the_same_numbers():
    """The time axis (61 output times x 9 = 549 points) in chunks of the sweep's strategies: the
    default ArrayBudget (256 here: 3 chunks in a lax.map) and Auto -- same numbers as one chunk."""
    from jaxqtm.sweep import ArrayBudget, Auto, Fixed

    m = _disordered(0.05)
    ref = energetics(m, TS, options=EnergeticsOptions(chunk=Fixed(549)))  # one chunk
    for chunk in (ArrayBudget(), Auto(memory_budget=8 << 20, max_chunk=200)):
        r = energetics(m, TS, options=EnergeticsOptions(chunk=chunk))
        for a, b in zip(jax.tree_util.tree_leaves(r), jax.tree_util.tree_leaves(ref)):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-13, atol=1e-14)
    c1 = np.asarray(correlation_matrix(m, TS, chunk=Fixed(7)))
    np.testing.assert_allclose(c1, np.asarray(correlation_matrix(m, TS)), rtol=0, atol=1e-14)
    # the default rule is the reservoirs' one: 2^21 / (N1 + N2)^2 times, clipped to [8, 256]
    assert ArrayBudget().choose(10_000, point_bytes=lambda: 16 * 49) == 256
    assert ArrayBudget().choose(10_000, point_bytes=lambda: 16 * 400**2) == 13
    assert ArrayBudget().choose(10_000, point_bytes=lambda: 16 * 2000**2) == 8
    assert ArrayBudget().choose(5, point_bytes=lambda: 16) == 5
    with pytest.raises(TypeError, match="chunk"):
        EnergeticsOptions(chunk=64)


def test_vacuum_partner_values_and_gradients_are_finite():
    """T2 = 0 is the vacuum (n = 0 for every mode, even for an h2 that is not positive definite):
    the Bose matrix and its custom JVP are NaN-free there, in T and in h."""

    def obs(p):
        m = reservoir_model(
            np.diag([1.0, 1.2]) + 0.0 * p[0], np.array([[-0.3]]) + p[1], [[0.05], [0.04]], 1.0 + p[0], p[2]
        )
        r = energetics(m, TS[:21])
        return r.side1.minimal_dissipation.Q[-1] + r.side2.bare.dU[-1]

    p0 = jnp.array([0.0, 0.0, 0.0])
    g = jax.grad(obs)(p0)
    assert bool(jnp.all(jnp.isfinite(g)))
    for i in (0, 1):
        e = jnp.zeros(3).at[i].set(1.0)
        fd = float(_fd(lambda x: obs(p0 + x * e), 0.0, 1e-5))
        assert float(g[i]) == pytest.approx(fd, rel=1e-6, abs=1e-10)


def test_validation_errors_name_the_parameter():
    ok = dict(h1=[[1.0]], h2=[[1.0]], g=[[0.1]], T1=0.5, T2=0.5)
    with pytest.raises(ValueError, match="T1"):
        reservoir_model(**{**ok, "T1": -1.0})
    with pytest.raises(ValueError, match="h2"):
        reservoir_model(**{**ok, "h2": [[1.0, 0.3], [0.1, 1.0]]})
    with pytest.raises(ValueError, match="g must have shape"):
        reservoir_model(**{**ok, "g": [[0.1, 0.2]]})
    with pytest.raises(ValueError, match="h1 must be positive definite"):
        reservoir_model(**{**ok, "h1": [[-0.5]]})
    reservoir_model(**{**ok, "h1": [[-0.5]], "T1": 0.0})  # vacuum is fine
    m = reservoir_model(**ok)
    with pytest.raises(ValueError, match="ts"):
        energetics(m, jnp.array([1.0, 0.5]))
    with pytest.raises(ValueError, match="ts"):
        energetics(m, jnp.array([-1.0, 0.5]))
    with pytest.raises(ValueError, match="side"):
        time_local_generator(m, jnp.array([1.0]), 3)
    with pytest.raises(ValueError, match="nodes_per_panel"):
        EnergeticsOptions(nodes_per_panel=0)
    with pytest.raises(TypeError, match="options"):
        energetics(m, jnp.array([1.0]), options=dict(nodes_per_panel=4))
    with pytest.raises(TypeError, match="singular_tol"):
        time_local_generator(m, jnp.array([1.0]), 1, singular_tol=1)
    with pytest.raises(ValueError, match="n1"):
        all_to_all(0, 2, omega1=1.0, omega2=1.0, g=0.0, gamma=0.1, T1=1.0, T2=1.0)
