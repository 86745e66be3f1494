"""Full counting statistics: analytic cumulants, QuTiP reference, sectors, gradients, TUR."""

import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import mpmath as mp
import numpy as np
import pytest

import jaxqtm  # noqa: F401
from jaxqtm import fcs
from jaxqtm.fcs._sectors import liouvillian_block, sector_indices
from jaxqtm.lindblad import dissipator, liouvillian

sys.path.insert(0, str(Path(__file__).parent))
from _qutip_ref import qutip_current_noise  # noqa: E402

MASER_VIOLATING = dict(epsilon=0.1, beta_h=0.01, beta_c=1.0, gamma_h=0.01, gamma_c=0.1)


def _stats(model, **kw):
    return fcs.counting_statistics(
        model.h, model.jump_ops, model.rates, model.weights, weight_operators=model.weight_operators, **kw
    )


# ----------------------------------------------------------------- analytic


def test_two_state_renewal_cumulants_vs_mpmath():
    """Counting emissions of a two-state jump process: the SCGF is an explicit square root."""
    ku, kd = 0.3, 0.7
    sm = jnp.array([[0.0, 0.0], [1.0, 0.0]])
    st = fcs.counting_statistics(
        jnp.diag(jnp.array([1.0, 0.0])), jnp.stack([sm, sm.T]), jnp.array([kd, ku]), jnp.array([1.0, 0.0]), order=5
    )
    k = ku + kd
    lam = lambda s: -k / 2 + mp.sqrt(k**2 / 4 + ku * kd * (mp.e**s - 1))  # noqa: E731
    ref = np.array([float(mp.diff(lam, 0, p)) for p in range(1, 6)])
    np.testing.assert_allclose(np.asarray(st.cumulants[0]), ref, rtol=1e-11)
    # Fano factor of the renewal process, closed form
    assert abs(float(st.fano[0]) - (1 - 2 * ku * kd / k**2)) < 1e-12
    assert bool(st.ok)


# ----------------------------------------------------------------- QuTiP


def _driven_qubit():
    sm = jnp.array([[0.0, 0.0], [1.0, 0.0]])
    h = jnp.array([[0.3, 0.7], [0.7, -0.3]])
    return h, jnp.stack([sm, sm.T]), jnp.array([1.2, 0.2]), jnp.array([[1.0, -1.0], [1.0, 0.0]])


def _random_quantum(seed=3, n=4, k=3):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    h = (a + a.conj().T) / 2
    cs = rng.normal(size=(k, n, n)) + 1j * rng.normal(size=(k, n, n))
    return jnp.asarray(h), jnp.asarray(cs), jnp.asarray(rng.uniform(0.2, 1.0, k)), jnp.asarray(rng.normal(size=(2, k)))


@pytest.mark.parametrize(
    "name",
    ["thermal_qubit", "driven_qubit", "maser", "random_quantum", "rotor_L1",
     pytest.param("rotor_L3", marks=pytest.mark.slow)],
)
def test_mean_and_noise_vs_qutip(name):
    space, wops = fcs.FullSpace(), None
    if name == "thermal_qubit":
        m = fcs.thermal_qubit(omega=1.3, gamma=0.7, beta=0.8)
        args = (m.h, m.jump_ops, m.rates, m.weights)
    elif name == "driven_qubit":
        args = _driven_qubit()
    elif name == "maser":
        m = fcs.three_level_maser(**MASER_VIOLATING)
        args = (m.h, m.jump_ops, m.rates, m.weights)
    elif name == "random_quantum":
        args = _random_quantum()
    else:
        m = fcs.rotor_device(L=int(name[-1]), beta2=0.03)
        args, wops, space = (m.h, m.jump_ops, m.rates, m.weights), m.weight_operators, fcs.U1Sector(m.charges)
    st = fcs.counting_statistics(*args, weight_operators=wops, space=space)
    cur, noise, _ = qutip_current_noise(*args, weight_operators=wops)
    assert bool(st.ok)
    scale = np.max(np.abs(cur))
    # QuTiP's steady state itself is accurate to ~1e-12: compare relative to the largest current
    assert np.max(np.abs(np.asarray(st.mean) - cur)) <= 1e-8 * scale
    # (a bounded current, e.g. net emissions of a qubit, has zero noise: absolute floor)
    np.testing.assert_allclose(np.diagonal(np.asarray(st.noise)), noise, rtol=1e-8, atol=1e-12 * np.max(noise))


def test_third_cumulant_vs_qutip_unit_weights():
    """QuTiP's skewness assumes unit weights (w^3 = w): compare there."""
    h, cs, rates, _ = _driven_qubit()
    w = jnp.array([[1.0, -1.0]])
    st = fcs.counting_statistics(h, cs, rates, w, order=3)
    _, _, skew = qutip_current_noise(h, cs, rates, w)
    np.testing.assert_allclose(float(st.cumulants[0, 2]), skew[0], rtol=1e-8)


def test_superoperator_entry_point_matches():
    h, cs, rates, w = _random_quantum()
    st = fcs.counting_statistics(h, cs, rates, w, order=3)
    from jaxqtm.lindblad import sprepost

    js = jnp.stack([r * sprepost(c, jnp.conj(c.T)) for r, c in zip(rates, cs)])
    mean, noise, cums, rho = fcs.cumulants_from_liouvillian(liouvillian(h, cs, rates), js, w, order=3)
    np.testing.assert_allclose(np.asarray(cums), np.asarray(st.cumulants), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(np.asarray(noise), np.asarray(st.noise), rtol=1e-10, atol=1e-13)


# ----------------------------------------------------------------- operator weights and sectors


def test_operator_weight_reduces_to_scalar_for_eigenoperators():
    m = fcs.thermal_qubit(omega=1.3, gamma=0.7, beta=0.8)
    w_op = [m.h, m.h]  # sigma_-/+ change h by -/+ omega
    a = fcs.counting_statistics(m.h, m.jump_ops, m.rates, jnp.array([[1.0, 1.0]]), weight_operators=w_op, order=4)
    b = fcs.counting_statistics(m.h, m.jump_ops, m.rates, jnp.array([[-1.3, 1.3]]), order=4)
    np.testing.assert_allclose(np.asarray(a.cumulants), np.asarray(b.cumulants), rtol=1e-12, atol=1e-14)


def test_rotor_load_form_and_heat_mean():
    """B_pm form of the load equals eq. (17); operator-weighted means equal Tr[H_S0 L_i rho] (eqs. 18, 21)."""
    L, beta_r, inertia, gamma = 3, 0.09, 1.0, 5e-5
    m = fcs.rotor_device(L=L)
    nr = 2 * L + 1
    ls = jnp.arange(-L, L + 1, dtype=float)
    e = jnp.diag(jnp.ones(nr - 1), -1)
    cphi, sphi, lz = (e + e.T) / 2, (e - e.T) / 2j, jnp.diag(ls)
    a = beta_r / (4 * inertia)
    eye4 = jnp.eye(4)
    a1 = jnp.kron(eye4, cphi - 1j * a * sphi @ lz)
    a2 = jnp.kron(eye4, sphi + 1j * a * cphi @ lz)
    kr = 2 * inertia * gamma / beta_r
    ref = dissipator(a1, kr) + dissipator(a2, kr)
    ours = dissipator(m.jump_ops[4], m.rates[4]) + dissipator(m.jump_ops[5], m.rates[5])
    np.testing.assert_allclose(np.asarray(ours), np.asarray(ref), atol=1e-14)

    st = _stats(m, space=fcs.U1Sector(m.charges))
    rho, h0 = st.steady_state, m.weight_operators[0]
    expect = []
    for ks in ((0, 1), (2, 3), (4, 5)):
        d = sum(dissipator(m.jump_ops[k], m.rates[k]) for k in ks) @ rho.reshape(-1)
        expect.append(float(jnp.trace(h0 @ d.reshape(rho.shape)).real))
    np.testing.assert_allclose(np.asarray(st.mean), expect, rtol=1e-9, atol=1e-16)


def test_sector_block_and_sector_equals_full():
    m = fcs.rotor_device(L=2, beta2=0.03)
    sp = fcs.U1Sector(m.charges)
    rows, cols = sector_indices(m.charges)
    n = m.h.shape[0]
    full = liouvillian(m.h, m.jump_ops, m.rates)
    idx = rows * n + cols
    blk = liouvillian_block(m.h.astype(complex), m.jump_ops.astype(complex), m.rates, jnp.asarray(rows), jnp.asarray(cols))
    np.testing.assert_allclose(np.asarray(blk), np.asarray(full)[np.ix_(idx, idx)], atol=1e-14)
    # the sector is invariant: no leakage out of it
    out = np.setdiff1d(np.arange(n * n), idx)
    assert np.max(np.abs(np.asarray(full)[np.ix_(out, idx)])) == 0.0
    b = _stats(m, space=fcs.FullSpace(), order=3)
    # both charges (sector dim 28) and the first charge alone (sector dim 68)
    for space in (sp, fcs.U1Sector(m.charges[0])):
        a = _stats(m, space=space, order=3)
        np.testing.assert_allclose(np.asarray(a.cumulants), np.asarray(b.cumulants), rtol=1e-8, atol=1e-18)
        np.testing.assert_allclose(np.asarray(a.noise), np.asarray(b.noise), rtol=1e-8, atol=1e-18)


def test_sector_rejects_broken_symmetry():
    m = fcs.rotor_device(L=2)
    bad = m.jump_ops.at[4].set(m.jump_ops[4] + m.jump_ops[5])  # mixes shifts +1 and -1
    with pytest.raises(ValueError, match="jump_ops\\[4\\]"):
        fcs.counting_statistics(m.h, bad, m.rates, m.weights, space=fcs.U1Sector(m.charges))


# ----------------------------------------------------------------- gradients


def _maser_q(params):
    eps, bh = params
    m = fcs.three_level_maser(epsilon=eps, beta_h=bh, beta_c=1.0, gamma_h=0.01, gamma_c=0.1)
    r = fcs.tur_ratios(m)
    return r.noise[2], r.ratio[2]


def test_gradients_of_noise_and_tur_ratio_vs_finite_differences():
    x0 = jnp.array([0.1, 0.01])
    jac = jax.jacrev(lambda p: jnp.stack(_maser_q(p)))(x0)
    fd = np.zeros((2, 2))
    for i in range(2):
        h = 1e-5 * float(x0[i])
        e = jnp.zeros(2).at[i].set(h)
        # 4th-order central difference
        f = lambda s: np.asarray(jnp.stack(_maser_q(x0 + s * e)))  # noqa: E731
        fd[:, i] = (-f(2) + 8 * f(1) - 8 * f(-1) + f(-2)) / (12 * h)
    np.testing.assert_allclose(np.asarray(jac), fd, rtol=1e-6)


@pytest.mark.slow
def test_forward_and_reverse_mode_agree():
    x0 = jnp.array([0.1, 0.01])
    f = lambda p: jnp.stack(_maser_q(p))  # noqa: E731
    np.testing.assert_allclose(np.asarray(jax.jacfwd(f)(x0)), np.asarray(jax.jacrev(f)(x0)), rtol=1e-10)


@pytest.mark.slow
def test_gradient_rotor_sector_vs_fd():
    def noise_q2(lam):
        m = fcs.rotor_device(L=2, lam=lam, beta2=0.03)
        st = _stats(m, space=fcs.U1Sector(m.charges))
        return st.noise[1, 1]

    g = float(jax.grad(noise_q2)(0.1))
    h = 1e-4
    fd = (float(noise_q2(0.1 + h)) - float(noise_q2(0.1 - h))) / (2 * h)
    assert abs(g - fd) <= 1e-5 * abs(fd)


# ----------------------------------------------------------------- TUR


def test_tur_classical_random_rate_models_obey_bound():
    keys = jax.random.split(jax.random.PRNGKey(0), 3)
    ratios = []
    for k in keys:
        r = fcs.tur_ratios(fcs.random_rate_model(k))
        assert bool(r.ok)
        assert float(r.entropy_production) > 0
        ratios.append(np.asarray(r.ratio))
    ratios = np.concatenate(ratios)
    assert np.all(ratios >= 2.0 - 1e-9), ratios.min()


def test_tur_maser_violates_classical_bound_and_entropy_matches_heat():
    m = fcs.three_level_maser(**MASER_VIOLATING)
    r = fcs.tur_ratios(m)
    assert bool(r.ok)
    assert float(r.ratio[2]) < 1.995  # quantum coherent drive: classical TUR violated
    # sigma = -beta_h Q_h - beta_c Q_c from the counted heat currents
    sig = -0.01 * r.mean[0] - 1.0 * r.mean[1]
    assert abs(float(sig - r.entropy_production)) < 1e-14
    # independent: the same Q from QuTiP's noise
    cur, noise, _ = qutip_current_noise(m.h, m.jump_ops, m.rates, m.weights)
    q_ref = float(sig) * noise[2] / cur[2] ** 2
    assert abs(float(r.ratio[2]) - q_ref) < 1e-8 * q_ref


def test_vmap_flags_bad_points():
    def run(rate_scale):
        m = fcs.thermal_qubit(omega=1.0, gamma=1.0, beta=0.5)
        return fcs.counting_statistics(m.h, m.jump_ops, m.rates * rate_scale, m.weights)

    out = jax.vmap(run)(jnp.array([1.0, 0.0, 2.0]))  # zero rates: no unique steady state
    assert np.asarray(out.ok).tolist() == [True, False, True]


def test_validation_errors_name_the_parameter():
    m = fcs.thermal_qubit()
    with pytest.raises(ValueError, match="rates"):
        fcs.counting_statistics(m.h, m.jump_ops, -m.rates, m.weights)
    with pytest.raises(ValueError, match="weights"):
        fcs.counting_statistics(m.h, m.jump_ops, m.rates, jnp.ones((2, 3)))
    with pytest.raises(ValueError, match="order"):
        fcs.counting_statistics(m.h, m.jump_ops, m.rates, m.weights, order=0)
    with pytest.raises(ValueError, match="Hermitian"):
        fcs.counting_statistics(m.h + jnp.array([[0, 1.0], [0, 0]]), m.jump_ops, m.rates, m.weights)


def test_rotor_device_matches_lindblad_and_rotor_packages():
    """Same device built independently by jaxqtm.rotor, solved by jaxqtm.lindblad.steady_state."""
    rotor = pytest.importorskip("jaxqtm.rotor")
    lindblad = pytest.importorskip("jaxqtm.lindblad")
    if not hasattr(rotor, "rotor_model") or not hasattr(lindblad, "steady_state"):
        pytest.skip("rotor/lindblad helpers not available")
    ss = lindblad.steady_state(rotor.rotor_model(rotor.RotorParams(beta2=0.03), 3))
    m = fcs.rotor_device(L=3, beta2=0.03)
    st = _stats(m, space=fcs.U1Sector(m.charges))
    np.testing.assert_allclose(np.asarray(st.steady_state), np.asarray(ss.rho), atol=1e-10)
