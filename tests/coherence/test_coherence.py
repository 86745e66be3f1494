"""Seed 003: heat current, Spohn entropy production, coherence projections, 2N-state model."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.linalg as sla

import jaxqtm  # noqa: F401
import jaxqtm.lindblad as jl
from jaxqtm import coherence as co
from jaxqtm.lindblad import liouvillian


def _bohr_components(model):
    """The global model's generator as explicit Bohr-frequency jump operators (computational
    basis), rates and frequencies: an independent, dense form of the same dissipator."""
    v = np.asarray(model.basis)
    e = np.real(np.diagonal(np.asarray(model.h_work)))
    ops, rates, bohr = [], [], []
    for x, lab, rate in zip(model.ops, model.clusters, model.rates):
        x, lab, rate = np.asarray(x), np.asarray(lab), np.asarray(rate)
        nz = np.abs(x) > 1e-12
        for c in np.unique(lab[nz]):
            mask = (lab == c) & nz
            a, i = np.argwhere(mask)[0]
            ops.append(v @ np.where(mask, x, 0) @ v.conj().T)
            rates.append(float(rate[a, i]))
            bohr.append(e[i] - e[a])
    return jnp.asarray(np.stack(ops)), jnp.asarray(rates), jnp.asarray(bohr)


def _random_degenerate_system(seed, beta=0.7):
    rng = np.random.default_rng(seed)
    energies = np.array([0.0, 0.0, 1.0, 1.0, 1.0, 2.5])
    n = energies.size
    z = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    u, _ = np.linalg.qr(z)
    h = u @ np.diag(energies) @ u.conj().T
    a = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    a = a + a.conj().T
    # Davies (global, detailed-balance) generator of one bath; degenerate levels give
    # collective jumps and a w = 0 (dephasing) component
    model = jl.global_model(h, [jl.Bath((a,), beta, jl.OhmicExponential(0.3, 2.0))], secular_tol=1e-9)
    ops, rates, bohr = _bohr_components(model)
    w = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    rho = w @ w.conj().T
    rho /= np.trace(rho)
    # eigenbasis |e, i> of H that diagonalises the state inside nothing in particular: use u
    return model, ops, rates, bohr, jnp.asarray(rho), jnp.asarray(u), beta


@pytest.mark.parametrize("seed", range(5))
def test_result1_and_cd_bounds_on_random_states(seed):
    model, ops, rates, bohr, rho, u, beta = _random_degenerate_system(seed)
    rep = co.coherence_report(model, rho, beta, basis=u)
    # A from the model's eigen-structure equals A from the explicit Bohr components
    a_ref = co.heat_fluctuation_terms(rho, ops, rates, bohr)
    assert abs(float(rep["rho"]["A"]) - float(a_ref)) < 1e-12 * abs(float(a_ref))
    # result 1: J(rho) = J(rho_bd), sigma(rho) >= sigma(rho_bd) >= 0
    assert abs(float(rep["rho"]["J"] - rep["bd"]["J"])) < 1e-12 * max(1.0, abs(float(rep["rho"]["J"])))
    assert float(rep["rho"]["sigma"]) >= float(rep["bd"]["sigma"]) - 1e-12
    assert float(rep["bd"]["sigma"]) >= 0 and float(rep["sd"]["sigma"]) >= 0
    assert float(rep["rho"]["cd_ratio"]) <= float(rep["bd"]["cd_ratio"]) + 1e-12
    # result 2 in our reading of A: J^2/sigma <= A/2 for rho_sd and rho_bd
    assert float(rep["sd"]["cd_ratio"]) <= 0.5 * float(rep["A_cl"]) * (1 + 1e-10)
    assert float(rep["bd"]["cd_ratio"]) <= 0.5 * float(rep["A_cl"] + rep["A_qm"]) * (1 + 1e-10)


def test_spohn_form_vs_relative_entropy_derivative():
    """sigma = -d/dt D(rho_t || rho_Gibbs) at t = 0: scipy expm/logm and finite differences."""
    model, ops, rates, bohr, rho, u, beta = _random_degenerate_system(11)
    h = model.hamiltonian
    lv = np.asarray(liouvillian(jnp.zeros_like(h), ops, rates))  # D only; the unitary part drops out
    lfull = np.asarray(liouvillian(h, ops, rates))
    hn = np.asarray(h)
    gibbs = sla.expm(-beta * hn)
    gibbs /= np.trace(gibbs)
    log_g = sla.logm(gibbs)

    def rel_ent(t, gen):
        r = (sla.expm(gen * t) @ np.asarray(rho).reshape(-1)).reshape(hn.shape)
        return np.real(np.trace(r @ (sla.logm(r) - log_g)))

    def deriv(gen, dt):
        return -(rel_ent(dt, gen) - rel_ent(-dt, gen)) / (2 * dt)

    ours = float(co.entropy_production(model, rho, beta))
    for gen in (lv, lfull):
        ref = (4 * deriv(gen, 1e-5) - deriv(gen, 2e-5)) / 3  # Richardson: O(dt^4)
        assert abs(ours - ref) < 1e-7 * abs(ref)


def test_heat_current_vs_superoperator():
    model, ops, rates, bohr, rho, u, beta = _random_degenerate_system(2)
    h = model.hamiltonian
    d = (np.asarray(liouvillian(jnp.zeros_like(h), ops, rates)) @ np.asarray(rho).reshape(-1)).reshape(h.shape)
    assert abs(float(co.heat_current(model, rho)) - np.real(np.trace(np.asarray(h) @ d))) < 1e-12
    # the GKSL core's dissipator in matrix form is the same superoperator
    np.testing.assert_allclose(np.asarray(jl.dissipator_action(model, rho)["bath"]), d, atol=1e-13)


def test_davies_generator_has_gibbs_steady_state():
    model, ops, rates, bohr, rho, u, beta = _random_degenerate_system(4)
    h = model.hamiltonian
    g = sla.expm(-beta * np.asarray(h))
    g /= np.trace(g)
    lv = np.asarray(liouvillian(h, ops, rates))
    assert np.max(np.abs(lv @ g.reshape(-1))) < 1e-12


@pytest.mark.parametrize("n_sites", [1, 3, 64])
def test_two_n_state_closed_form(n_sites):
    omega, gamma, beta = 1.0, 0.7, 0.5
    model, bohr = co.two_n_state_model(n_sites, omega, gamma, beta)
    h = model.hamiltonian
    rho0, pe = co.two_n_state_rho0(n_sites, omega, beta)
    j_ref, s_ref = co.two_n_state_closed_form(n_sites, omega, gamma, beta)
    # the closed form written out here again, independently of the module
    r = (1 + 1 / n_sites) * np.exp(beta * omega)
    pe_ref = 1 / (1 + r)
    assert abs(float(pe) - pe_ref) < 1e-15
    assert abs(float(j_ref) - omega * n_sites * gamma * pe_ref) < 1e-12 * n_sites
    assert abs(float(s_ref) - n_sites * gamma * pe_ref * np.log(1 + 1 / n_sites)) < 1e-14
    rep = co.coherence_report(model, rho0, beta, bohr=bohr)
    np.testing.assert_allclose(float(rep["rho"]["J"]), j_ref, rtol=1e-12)
    np.testing.assert_allclose(float(rep["rho"]["sigma"]), s_ref, rtol=1e-8)
    # rho_0 has no energy-level coherence: rho_bd = rho_0
    np.testing.assert_allclose(np.asarray(co.block_diagonal(rho0, h)), np.asarray(rho0), atol=1e-14)
    # scalings: A_qm = O(N^2), A_cl = O(N)
    a_cl = omega**2 * n_sites * (gamma * pe_ref + gamma * np.exp(-beta * omega) * (1 - pe_ref))
    np.testing.assert_allclose(float(rep["A_cl"]), a_cl, rtol=1e-12)
    np.testing.assert_allclose(float(rep["A_cl"] + rep["A_qm"]), n_sites * a_cl, rtol=1e-12)


def test_two_n_state_large_n_limit():
    """sigma(rho_0) -> gamma p_e (finite) while J = O(N): the dissipation-less current."""
    omega, gamma, beta = 1.0, 0.7, 0.5
    pe_inf = 1 / (1 + np.exp(beta * omega))
    for n in (64, 256):  # 2N = 512 levels at N = 256
        j, s = co.two_n_state_closed_form(n, omega, gamma, beta)
        model, _ = co.two_n_state_model(n, omega, gamma, beta)
        rho0, _ = co.two_n_state_rho0(n, omega, beta)
        s_num = float(co.entropy_production(model, rho0, beta))
        assert abs(s_num - gamma * pe_inf) < 2.0 * gamma / n
        j_per_site = float(co.heat_current(model, rho0)) / n
        assert abs(j_per_site - omega * gamma * pe_inf) < 2.0 * gamma / n


def test_kernel_feeding_state_has_infinite_entropy_rate_and_safe_gradients():
    model, _ = co.two_n_state_model(3, 1.0, 0.7, 0.5)
    g = jnp.zeros(6).at[:3].set(1 / jnp.sqrt(3.0))
    pure = jnp.outer(g, g)
    assert np.isinf(float(co.entropy_production(model, pure, 0.5)))

    def sig(beta):
        model, _ = co.two_n_state_model(8, 1.0, 0.7, beta)
        rho0, _ = co.two_n_state_rho0(8, 1.0, beta)
        return co.entropy_production(model, rho0, beta)

    grad = float(jax.grad(sig)(0.5))
    ref = float(jax.grad(lambda b: co.two_n_state_closed_form(8, 1.0, 0.7, b)[1])(0.5))
    assert np.isfinite(grad) and abs(grad - ref) < 1e-6 * abs(ref)
