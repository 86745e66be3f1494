"""Constrained drives and the seeds' objectives: bound on a fine time grid, monochromatic optimum
phi = pi/2 for delta P_A (seed 001), gradients against finite differences, physics identities."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxqtm.optimize as opt
import jaxqtm.oscillators as osc
from examples.fronts import problems
from examples.seed001.paper import paper_machine


@pytest.mark.parametrize("harmonics", [1, 3, 6])
def test_fourier_waveform_bound_holds_on_a_64x_finer_grid_and_is_tight(harmonics):
    wf = opt.FourierWaveform(harmonics, 2, 0.7, opt.Bounded(0.5, 2.0))
    keys = jax.random.split(jax.random.PRNGKey(0), 200)
    raws = jax.vmap(wf.init)(keys)
    raws["amp"] = jnp.full((200, 2), 1.5)  # rho = 1: the bound is active
    t = jnp.linspace(0.0, 1.0, 64 * wf.m, endpoint=False)  # in units of the period

    def peak(raw):
        om = wf.omega(raw)
        return jnp.max(jnp.abs(wf.signal(raw, t * 2 * jnp.pi / om)), axis=0)

    pk = np.asarray(jax.vmap(peak)(raws))
    assert np.all(pk <= 0.7 * (1 + 1e-12))
    assert np.min(pk) >= 0.7 * wf.safety * (1 - 1e-12)  # loses at most the Bernstein factor
    # the l1-ball map is exact but conservative: its peaks fall short of g_max
    a, b = jax.vmap(lambda r: opt.l1_coefficients(r, 0.7))(raws)
    th = 2 * jnp.pi * t
    n = jnp.arange(1, harmonics + 1)
    sig = jnp.einsum("tn,rnl->rtl", jnp.cos(th[:, None] * n[None, :]), a) + jnp.einsum(
        "tn,rnl->rtl", jnp.sin(th[:, None] * n[None, :]), b
    )
    pk1 = np.max(np.abs(np.asarray(sig)), axis=1)
    assert np.all(pk1 <= 0.7 * (1 + 1e-12))
    if harmonics > 1:
        assert np.median(pk1) < 0.9 * 0.7


def test_monochromatic_family_and_bounded_scalars():
    om = opt.Bounded(0.1, 10.0, True, "Omega")
    assert float(om(om.inverse(2.5))) == pytest.approx(2.5, rel=1e-12)
    assert 0.1 < float(om(-50.0)) < 0.1 * 1.001 and float(om(50.0)) == pytest.approx(10.0, rel=1e-6)
    wf = opt.MonochromaticWaveform(2, 1.0, om, equal_amplitudes=True)
    raw = dict(amp=jnp.zeros(2), phase=jnp.array([1.2]), omega=jnp.asarray(0.0))
    d = wf.drive(raw)
    np.testing.assert_allclose(d.weights, [1.0, 1.0])
    np.testing.assert_allclose(d.phases, [0.0, 1.2])
    with pytest.raises(ValueError, match="omega_range"):
        opt.Bounded(2.0, 1.0, True, "omega_range")
    with pytest.raises(ValueError, match="g_max"):
        opt.FourierWaveform(2, 2, -1.0, om)
    with pytest.raises(ValueError, match="harmonics"):
        opt.FourierWaveform(0, 2, 1.0, om)


def test_monochromatic_optimum_at_equal_weights_is_phi_pi_over_2():
    # seed 001 drives g_A = cos(Omega t), g_B = cos(Omega t + phi) and takes phi = pi/2 to make
    # delta P_A (the phase-dependent power, eq. B18) maximally negative: recover it by gradient
    # descent from random phases at the fig. 4 point (Omega = 200, T = 0.1, omega_c = 1.2)
    prob = problems.work_to_work(("dP_A",), monochromatic=True, equal_amplitudes=True, omega_range=(200.0, 200.0))
    grid = opt.WeightedSum(jnp.ones((1, 1)), jnp.zeros((1, 1)), jnp.full((1, 1), 1e-3))
    r = opt.pareto_front(
        prob.objective,
        prob.init,
        grid,
        steps=200,
        restarts=4,
        optimizer=optax.adam(optax.cosine_decay_schedule(0.1, 200)),
        segments=1,
        progress_meter=opt.NoProgressMeter(),
    )
    phi = np.mod(np.asarray(r.params["phase"][0, :, 0]), 2 * np.pi)
    np.testing.assert_allclose(phi, np.pi / 2, atol=1e-4)
    assert np.all(r.ok) and np.all(r.F[..., 0] < 0)
    # and the value matches the engine directly at phi = pi/2, where dP_A is -|max|
    m, _ = paper_machine(T1=0.1, T2=0.1, omega_c=1.2)
    o = osc.observables(m, osc.Monochromatic([1.0, 1.0], [0.0, np.pi / 2]), 200.0)
    np.testing.assert_allclose(r.F[0, :, 0], o.dP[0], rtol=1e-8)
    o2 = osc.observables(m, osc.Monochromatic([1.0, 1.0], [0.0, 1.3]), 200.0)
    np.testing.assert_allclose(o2.dP[0], o.dP[0] * np.sin(1.3), rtol=1e-10)  # dP_A ~ sin(phi)


@pytest.mark.slow  # ~30 s: two compilations of the two-temperature engine (value and gradient)
def test_heat_engine_objectives_gradient_vs_finite_differences_and_identities():
    prob = problems.heat_engine(("power", "Q_P"), harmonics=2)
    raw = prob.init(jax.random.PRNGKey(4))
    scal = opt.Chebyshev(jnp.array([0.5, 0.5]), jnp.array([-0.02, 2.0]), jnp.array([0.02, 5.0]), 1e-3, 1e-2)
    both = jax.jit(lambda r: (scal(prob.objective(r)[0]), prob.report(r)))
    f = lambda r: both(r)[0]
    g = jax.jit(jax.grad(lambda r: scal(prob.objective(r)[0])))(raw)
    for k in ("a", "b", "amp", "omega"):
        x = np.asarray(raw[k], float)
        for idx in list(np.ndindex(x.shape))[:2]:
            h = 1e-5
            xp, xm = x.copy(), x.copy()
            xp[idx] += h
            xm[idx] -= h
            fd = (f({**raw, k: jnp.asarray(xp)}) - f({**raw, k: jnp.asarray(xm)})) / (2 * h)
            np.testing.assert_allclose(np.asarray(g[k])[idx], fd, rtol=2e-5, atol=1e-10, err_msg=f"{k}{idx}")
    rep = both(raw)[1]
    # first law closes, Q_P >= 2 (seed 001, app. C), and Pietzonka--Seifert ratio = 1/Q_P for engines
    assert abs(float(rep["first_law_residual"])) < 1e-9 and float(rep["Q_P"]) >= 2
    if float(rep["P"]) < 0:
        np.testing.assert_allclose(rep["pietzonka_seifert"], 1 / rep["Q_P"], rtol=1e-10)
        np.testing.assert_allclose(rep["eta_ext"], rep["eta"], rtol=1e-12)
    else:
        assert -rep["eta_C"] * (1 + 1e-12) <= rep["eta_ext"] <= 0


def test_problem_arguments_are_validated():
    with pytest.raises(ValueError, match="objectives"):
        problems.heat_engine(("power", "noise"))
    with pytest.raises(ValueError, match="T1"):
        problems.heat_engine(T1=0.2, T2=0.5)
    with pytest.raises(ValueError, match="unknown machine parameters"):
        problems.work_to_work(Temperature=0.1)
    with pytest.raises(ValueError, match="resonant"):
        problems.work_to_work(omega_B=1.0)


def test_waveform_peak_gradient_goes_to_one_maximiser():
    from jaxqtm._numerics import peak

    x = jnp.array([[1.0, 3.0, 3.0, 2.0], [0.5, -1.0, 0.25, 0.5]]).T
    np.testing.assert_array_equal(peak(x, axis=0), jnp.max(x, axis=0))
    g = jax.grad(lambda x: jnp.sum(peak(x, axis=0) * jnp.array([1.0, 2.0])))(x)
    # ties: the whole cotangent to the first maximiser (jnp.max would split it 1/2, 1/2)
    np.testing.assert_array_equal(g, [[0.0, 2.0], [1.0, 0.0], [0.0, 0.0], [0.0, 0.0]])


def test_front_objective_gradient_is_finite_and_matches_finite_differences_at_the_initial_points():
    """The heat-engine front's first restart of seed 1 got an infinite gradient (every Adam step
    skipped, the point stuck at its start) when the waveform peak's equality-mask derivative found
    no maximiser: the peak was recomputed in two fusions with different roundings (LLVM -O0, the test
    build). The peak's gradient now goes through its argmax."""
    prob = problems.heat_engine(("power", "efficiency"), configuration=osc.Joint(), harmonics=1)
    raws = jax.vmap(prob.init)(jax.random.split(jax.random.PRNGKey(1), 6))
    f = jax.jit(lambda raw: prob.objective(raw)[0])
    jac = jax.jit(jax.vmap(jax.jacrev(lambda raw: prob.objective(raw)[0])))(raws)
    for leaf in jax.tree_util.tree_leaves(jac):
        assert np.all(np.isfinite(np.asarray(leaf)))
    # central differences along the drive-B Fourier coefficient that was infinite, every point
    h = 1e-6
    for i in range(6):
        raw = jax.tree_util.tree_map(lambda x: x[i], raws)
        for name in ("a", "b"):
            e = jnp.zeros_like(raw[name]).at[0, 1].set(h)
            fd = (f({**raw, name: raw[name] + e}) - f({**raw, name: raw[name] - e})) / (2 * h)
            np.testing.assert_allclose(jac[name][i, :, 0, 1], fd, rtol=1e-5, atol=1e-9)
