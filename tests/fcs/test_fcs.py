"""Full counting statistics: analytic cumulants, QuTiP reference, sectors, gradients, TUR."""

import jax
import jax.numpy as jnp
import mpmath as mp
import numpy as np
import pytest
import qutip as qt

import jaxqtm  # noqa: F401
import jaxqtm.lindblad as jl
import jaxqtm.rotor as jr
from jaxqtm import fcs
from jaxqtm._results import ResultError, codes, name_of
from jaxqtm.lindblad import liouvillian
from tests.fcs._qutip_ref import qutip_current_noise
from tests.rotor import qutip_reference as rref

MASER_VIOLATING = dict(epsilon=0.1, beta_h=0.01, beta_c=1.0, gamma_h=0.01, gamma_c=0.1)


def _arrays(model, cur):
    """``(h, jump_ops, rates, weights)`` of a local model, for the QuTiP reference."""
    return model.hamiltonian, jnp.stack(model.ops), jnp.stack(model.rates), cur.weights


# ----------------------------------------------------------------- analytic


def test_two_state_renewal_cumulants_vs_mpmath():
    """Counting emissions of a two-state jump process: the SCGF is an explicit square root."""
    ku, kd = 0.3, 0.7
    sm = jnp.array([[0.0, 0.0], [1.0, 0.0]])
    model = jl.lindblad_model(jnp.diag(jnp.array([1.0, 0.0])), [sm, sm.T], [kd, ku])
    st = fcs.counting_statistics(model, fcs.currents([1.0, 0.0]), order=5)
    k = ku + kd
    lam = lambda s: -k / 2 + mp.sqrt(k**2 / 4 + ku * kd * (mp.e**s - 1))  # noqa: E731
    ref = np.array([float(mp.diff(lam, 0, p)) for p in range(1, 6)])
    np.testing.assert_allclose(np.asarray(st.cumulants[0]), ref, rtol=1e-11)
    # Fano factor of the renewal process, closed form
    assert abs(float(st.fano[0]) - (1 - 2 * ku * kd / k**2)) < 1e-12
    assert bool(st.ok)


# ----------------------------------------------------------------- QuTiP


def _driven_qubit():
    sm = np.array([[0.0, 0.0], [1.0, 0.0]])
    h = np.array([[0.3, 0.7], [0.7, -0.3]])
    return jl.lindblad_model(h, [sm, sm.T], [1.2, 0.2]), fcs.currents([[1.0, -1.0], [1.0, 0.0]])


def _random_quantum(seed=3, n=4, k=3):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    h = (a + a.conj().T) / 2
    cs = rng.normal(size=(k, n, n)) + 1j * rng.normal(size=(k, n, n))
    model = jl.lindblad_model(h, cs, rng.uniform(0.2, 1.0, k))
    return model, fcs.currents(rng.normal(size=(2, k)))


def _setup(name):
    if name == "thermal_qubit":
        return fcs.thermal_qubit(omega=1.3, gamma=0.7, beta=0.8)[:2]
    if name == "driven_qubit":
        return _driven_qubit()
    if name == "maser":
        return fcs.three_level_maser(**MASER_VIOLATING)[:2]
    if name == "random_quantum":
        return _random_quantum()
    return jr.currents(jr.RotorParams(), int(name[-1]))[:2]


@pytest.mark.parametrize(
    "name",
    [
        "thermal_qubit",
        "driven_qubit",
        "maser",
        "random_quantum",
        "rotor_L2",
        pytest.param("rotor_L3", marks=pytest.mark.slow),
    ],
)
def test_mean_and_noise_vs_qutip(name):
    model, cur = _setup(name)
    st = fcs.counting_statistics(model, cur)  # rotor: its charge sector (AutoSpace)
    mean, noise, _ = qutip_current_noise(*_arrays(model, cur), weight_operators=cur.weight_operators)
    assert bool(st.ok)
    scale = np.max(np.abs(mean))
    # QuTiP's steady state itself is accurate to ~1e-12: compare relative to the largest current
    assert np.max(np.abs(np.asarray(st.mean) - mean)) <= 1e-8 * scale
    # (a bounded current, e.g. net emissions of a qubit, has zero noise: absolute floor)
    np.testing.assert_allclose(np.diagonal(np.asarray(st.noise)), noise, rtol=1e-8, atol=1e-12 * np.max(noise))


def test_third_cumulant_vs_qutip_unit_weights():
    """QuTiP's skewness assumes unit weights (w^3 = w): compare there."""
    model, _ = _driven_qubit()
    cur = fcs.currents([[1.0, -1.0]])
    st = fcs.counting_statistics(model, cur, order=3)
    _, _, skew = qutip_current_noise(*_arrays(model, cur))
    np.testing.assert_allclose(float(st.cumulants[0, 2]), skew[0], rtol=1e-8)


def test_superoperator_entry_point_matches():
    model, cur = _random_quantum()
    st = fcs.counting_statistics(model, cur, order=3)
    from jaxqtm.lindblad import sprepost

    h, cs, rates, w = _arrays(model, cur)
    js = jnp.stack([r * sprepost(c, jnp.conj(c.T)) for r, c in zip(rates, cs)])
    mean, noise, cums, rho = fcs.cumulants_from_liouvillian(liouvillian(h, cs, rates), js, w, order=3)
    np.testing.assert_allclose(np.asarray(cums), np.asarray(st.cumulants), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(np.asarray(noise), np.asarray(st.noise), rtol=1e-10, atol=1e-13)


# ----------------------------------------------------------------- operator weights, sectors, global models


def test_operator_weight_reduces_to_scalar_for_eigenoperators():
    model, _, _ = fcs.thermal_qubit(omega=1.3, gamma=0.7, beta=0.8)
    h = model.hamiltonian
    a = fcs.counting_statistics(model, fcs.currents([[1.0, 1.0]], weight_operators=[h, h]), order=4)
    b = fcs.counting_statistics(model, fcs.currents([[-1.3, 1.3]]), order=4)
    np.testing.assert_allclose(np.asarray(a.cumulants), np.asarray(b.cumulants), rtol=1e-12, atol=1e-14)


def test_rotor_heat_means_equal_heat_flows_and_qutip_state():
    """Operator-weighted means equal Tr[H_S0 L_i rho] (eqs. 18, 21) from the heat bookkeeping,
    and the counting statistics' state is QuTiP's steady state of the same device."""
    L, p = 3, jr.RotorParams()
    model, cur, _ = jr.currents(p, L)
    st = fcs.counting_statistics(model, cur)
    flows = jl.heat_flows(model, jl.steady_state(model))
    np.testing.assert_allclose(np.asarray(st.mean), [flows["cold"], flows["hot"], flows["load"]], rtol=1e-9, atol=1e-16)
    pd = rref.params_dict(p)
    h0, hi = rref.hamiltonian(pd, L)
    c = rref.local_cops(pd, L)
    rho = qt.steadystate(h0 + hi, c["cold"] + c["hot"] + c["load"])
    np.testing.assert_allclose(np.asarray(st.rho), rho.full(), atol=1e-10)


def test_sector_equals_full_space():
    model, cur, _ = jr.currents(jr.RotorParams(), 2)
    b = fcs.counting_statistics(model, cur, space=jl.FullSpace(), order=3)
    # both charges (the model's: sector dim 28) and the first charge alone (dim 68)
    for space in (jl.U1Sector(), jl.U1Sector(np.asarray(model.charges[0]))):
        a = fcs.counting_statistics(model, cur, space=space, order=3)
        np.testing.assert_allclose(np.asarray(a.cumulants), np.asarray(b.cumulants), rtol=1e-8, atol=1e-18)
        np.testing.assert_allclose(np.asarray(a.noise), np.asarray(b.noise), rtol=1e-8, atol=1e-18)


def test_sector_rejects_broken_symmetry():
    model, cur, _ = jr.currents(jr.RotorParams(), 2)
    ops = list(model.ops)
    ops[4] = ops[4] + ops[5]  # mixes angular-momentum shifts +1 and -1
    bad = jl.lindblad_model(model.hamiltonian, ops, model.rates)
    with pytest.raises(ValueError, match=r"model.ops\[4\] does not shift"):
        fcs.counting_statistics(bad, cur, space=jl.U1Sector(np.asarray(model.charges)))
    with pytest.raises(ValueError, match=r"jump_ops\[4\] does not shift"):
        jl.lindblad_model(model.hamiltonian, ops, model.rates, charges=np.asarray(model.charges))


def test_global_model_energy_current_vs_qutip():
    """A global (secular) model: bath terms mix Bohr frequencies, so energy is counted with
    the operator weight H (eigen-operators of H in the working basis) -- vs QuTiP's noise
    of the same generator, written as jump operators in the computational basis."""
    s1p = np.kron([[0, 1], [0, 0]], np.eye(2))
    s2p = np.kron(np.eye(2), [[0, 1], [0, 0]])
    h = 1.0 * s1p @ s1p.T + 1.3 * s2p @ s2p.T + 0.2 * (s1p @ s2p.T + s2p @ s1p.T)
    baths = [
        jl.Bath((s1p.T, s1p), 1.0, jl.OhmicCutoff(0.05, 5.0), name="cold"),
        jl.Bath((s2p.T, s2p), 0.3, jl.OhmicCutoff(0.08, 5.0), name="hot"),
    ]
    model = jl.global_model(h, baths)
    hw = np.asarray(model.hamiltonian)
    cur = fcs.currents(np.array([[1.0, 1.0, 0, 0], [0, 0, 1.0, 1.0]]), weight_operators=[hw] * 4)
    st = fcs.counting_statistics(model, cur)
    # the same generator as explicit Bohr-frequency jump operators (computational basis)
    v = np.asarray(model.basis)
    jops, jrates, jw = [], [], []
    for k in range(4):
        x, lab, rate = (np.asarray(a) for a in (model.ops[k], model.clusters[k], model.rates[k]))
        for c in np.unique(lab[np.abs(x) > 1e-12]):
            mask = (lab == c) & (np.abs(x) > 1e-12)
            jops.append(v @ np.where(mask, x, 0) @ v.conj().T)
            jrates.append(float(rate[mask][0]))
            jw.append(1.0 if k < 2 else 0.0)
    jw = np.asarray(jw)
    mean, noise, _ = qutip_current_noise(
        hw, np.stack(jops), np.asarray(jrates), np.stack([jw, 1 - jw]), weight_operators=[hw] * len(jops)
    )
    assert bool(st.ok)
    np.testing.assert_allclose(np.asarray(st.mean), mean, rtol=1e-8)
    np.testing.assert_allclose(np.diagonal(np.asarray(st.noise)), noise, rtol=1e-8)
    flows = jl.heat_flows(model, jl.steady_state(model))
    np.testing.assert_allclose(np.asarray(st.mean), [flows["cold"], flows["hot"]], rtol=1e-9)


# ----------------------------------------------------------------- gradients


def _maser_q(params):
    eps, bh = params
    r = fcs.tur_ratios(*fcs.three_level_maser(epsilon=eps, beta_h=bh, beta_c=1.0, gamma_h=0.01, gamma_c=0.1))
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
        model, cur, _ = jr.currents(jr.RotorParams(lam=lam), 2)
        return fcs.counting_statistics(model, cur).noise[1, 1]

    g = float(jax.grad(noise_q2)(0.1))
    h = 1e-4
    fd = (float(noise_q2(0.1 + h)) - float(noise_q2(0.1 - h))) / (2 * h)
    assert abs(g - fd) <= 1e-5 * abs(fd)


# ----------------------------------------------------------------- TUR


def test_tur_classical_random_rate_models_obey_bound():
    keys = jax.random.split(jax.random.PRNGKey(0), 3)
    ratios = []
    for k in keys:
        r = fcs.tur_ratios(*fcs.random_rate_model(k))
        assert bool(r.ok)
        assert float(r.entropy_production) > 0
        ratios.append(np.asarray(r.ratio))
    ratios = np.concatenate(ratios)
    assert np.all(ratios >= 2.0 - 1e-9), ratios.min()


def test_tur_maser_violates_classical_bound_and_entropy_matches_heat():
    model, cur, ent = fcs.three_level_maser(**MASER_VIOLATING)
    r = fcs.tur_ratios(model, cur, ent)
    assert bool(r.ok)
    assert float(r.ratio[2]) < 1.995  # quantum coherent drive: classical TUR violated
    # sigma = -beta_h Q_h - beta_c Q_c from the counted heat currents
    sig = -0.01 * r.mean[0] - 1.0 * r.mean[1]
    assert abs(float(sig - r.entropy_production)) < 1e-14
    # independent: the same Q from QuTiP's noise
    mean, noise, _ = qutip_current_noise(*_arrays(model, cur))
    q_ref = float(sig) * noise[2] / mean[2] ** 2
    assert abs(float(r.ratio[2]) - q_ref) < 1e-8 * q_ref
    # and sigma from the Spohn form of the GKSL core, at the steady state
    spohn = jl.entropy_production(model, r_rho := fcs.counting_statistics(model, cur).rho, {"hot": 0.01, "cold": 1.0})
    assert abs(float(spohn) - float(sig)) < 1e-10 * abs(float(sig)) and r_rho.shape == (3, 3)


def test_vmap_flags_bad_points():
    def run(rate_scale):
        model, cur, _ = fcs.thermal_qubit(omega=1.0, gamma=rate_scale, beta=0.5)
        return fcs.counting_statistics(model, cur, throw=False)

    out = jax.vmap(run)(jnp.array([1.0, 0.0, 2.0]))  # zero rates: no unique steady state
    assert np.asarray(out.ok).tolist() == [True, False, True]
    assert name_of(int(codes(out.result)[1])) != "successful"
    with pytest.raises(ResultError, match="fcs.counting_statistics failed"):
        run_throw = fcs.thermal_qubit(omega=1.0, gamma=0.0, beta=0.5)
        fcs.counting_statistics(*run_throw[:2])


def test_validation_errors_name_the_parameter():
    model, cur, ent = fcs.thermal_qubit()
    with pytest.raises(ValueError, match=r"currents.weights must have shape \(C, 2\)"):
        fcs.counting_statistics(model, fcs.currents(jnp.ones((2, 3))))
    with pytest.raises(ValueError, match="order = 0 is outside its allowed range"):
        fcs.counting_statistics(model, cur, order=0)
    with pytest.raises(TypeError, match="currents must be a jaxqtm.fcs.Currents"):
        fcs.counting_statistics(model, jnp.ones((2, 2)))
    with pytest.raises(TypeError, match="model must be a jaxqtm.lindblad.LindbladModel"):
        fcs.counting_statistics(jnp.eye(2), cur)
    with pytest.raises(ValueError, match=r"currents.weight_operators\[0\] must be Hermitian"):
        fcs.counting_statistics(
            model, fcs.currents([[1.0, 1.0]], weight_operators=[jnp.array([[0, 1.0], [0, 0]]), None])
        )
    with pytest.raises(ValueError, match="currents.weights.* must be finite"):
        fcs.counting_statistics(model, fcs.currents([[1.0, jnp.nan]]))
    with pytest.raises(ValueError, match="entropy must be one current"):
        fcs.tur_ratios(model, cur, cur)
