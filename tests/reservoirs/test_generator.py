"""Exact time-local generator and minimal-dissipation K_X against brute-force constructions."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxqtm  # noqa: F401
from jaxqtm._results import RESULTS, ResultError, codes
from jaxqtm.reservoirs import (
    all_to_all,
    correlation_matrix,
    energetics,
    failure_report,
    reservoir_model,
    time_local_generator,
)

from . import _manybody as mb


def _herm(rng, n, shift):
    x = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    return 0.2 * (x + x.conj().T) + shift * np.eye(n)


def test_reference_md_formula_on_known_gksl():
    """The finite-dim reference recovers the traceless H of a GKSL generator with traceless jumps."""
    rng = np.random.default_rng(5)
    d = 4
    hmat = _herm(rng, d, 0.0)
    jumps = []
    for _ in range(3):
        c = rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))
        jumps.append(c - np.trace(c) / d * np.eye(d))
    sup = mb.gksl_superop(hmat, jumps, [0.3, 0.7, 1.1])
    h0 = hmat - np.trace(hmat) / d * np.eye(d)
    assert np.max(np.abs(mb.md_hamiltonian_finite(sup, d) - h0)) < 1e-12


def _single_particle_superop(k, a_mat, b_mat, ops):
    """Row-major superoperator of the quadratic generator with truncated mode operators."""
    n = len(ops)
    kmb = mb.quadratic(k, ops)
    ops = [o.toarray() for o in ops]
    d = kmb.shape[0]
    eye = np.eye(d)
    sup = -1j * (np.kron(kmb, eye) - np.kron(eye, kmb.T))
    for i in range(n):
        for j in range(n):
            ai, aj = ops[i], ops[j]
            x = ai.conj().T @ aj
            sup = sup + a_mat[i, j] * (np.kron(aj, ai.conj()) - 0.5 * np.kron(x, eye) - 0.5 * np.kron(eye, x.T))
            y = aj @ ai.conj().T
            sup = sup + b_mat[i, j] * (np.kron(ai.conj().T, aj.T) - 0.5 * np.kron(y, eye) - 0.5 * np.kron(eye, y.T))
    return sup


def test_generator_and_K_vs_many_body_zero_temperature_partner():
    """T2 = 0: the reduced map of side 1 is closed on <= nmax particles, so Phi_t, its exact
    generator dPhi Phi^{-1} and the minimal-dissipation K are computed exactly in finite dim."""
    rng = np.random.default_rng(7)
    n1, n2, nmax = 2, 2, 3
    h1, h2 = _herm(rng, n1, 1.0), _herm(rng, n2, 1.4)
    g = 0.35 * (rng.normal(size=(n1, n2)) + 1j * rng.normal(size=(n1, n2)))
    m = reservoir_model(h1, h2, g, 0.5, 0.0)
    hfull = np.block([[h1, g], [g.conj().T, h2]])
    states, ops = mb.annihilators(n1 + n2, nmax)
    hmb = mb.quadratic(hfull, ops)
    xs, xidx = mb.fock_basis(n1, nmax)
    ys, yidx = mb.fock_basis(n2, nmax)
    dx = len(xs)
    _, xops = mb.annihilators(n1, nmax)
    w, v = np.linalg.eigh(hmb)
    ts = np.array([0.8, 2.1, 4.4])
    gen = time_local_generator(m, jnp.asarray(ts), 1)
    assert bool(np.all(gen.ok))
    for it, t in enumerate(ts):
        u = (v * np.exp(-1j * w * t)) @ v.conj().T
        ud = -1j * hmb @ u
        psi = np.zeros((dx, dx, len(ys)), dtype=complex)  # [input x, output x, output y]
        psid = np.zeros_like(psi)
        for s_idx, s in enumerate(states):
            x, y = xidx[s[:n1]], yidx[s[n1:]]
            for xin in range(dx):
                col = states.index(xs[xin] + (0,) * n2)
                psi[xin, x, y] = u[s_idx, col]
                psid[xin, x, y] = ud[s_idx, col]
        phi = np.zeros((dx * dx, dx * dx), dtype=complex)
        phid = np.zeros_like(phi)
        for mm in range(dx):
            for nn in range(dx):
                out = psi[mm] @ psi[nn].conj().T
                outd = psid[mm] @ psi[nn].conj().T + psi[mm] @ psid[nn].conj().T
                phi[:, mm * dx + nn] = out.reshape(-1)
                phid[:, mm * dx + nn] = outd.reshape(-1)
        lt = phid @ np.linalg.inv(phi)
        # whole generator: -i[a^dag k a, .] + loss dissipator (gain = 0 for a vacuum partner)
        k, a_mat, b_mat = (np.asarray(x[it]) for x in (gen.k, gen.loss, gen.gain))
        assert np.max(np.abs(b_mat)) < 1e-12
        sup = _single_particle_superop(k, a_mat, b_mat, xops)
        assert np.max(np.abs(sup - lt)) < 1e-9 * max(1.0, np.max(np.abs(lt)))
        # minimal-dissipation Hamiltonian (traceless jumps) = a^dag k a up to the identity
        kmd = mb.md_hamiltonian_finite(lt, dx)
        kq = mb.quadratic(k, xops)
        kq = kq - np.trace(kq) / dx * np.eye(dx)
        assert np.max(np.abs(kmd - kq)) < 1e-9
        # K genuinely differs from H_1 here (strong coupling): the test discriminates
        h1q = mb.quadratic(h1, xops)
        assert np.max(np.abs(kmd - (h1q - np.trace(h1q) / dx * np.eye(dx)))) > 1e-2


@pytest.mark.parametrize("n1,n2", [(1, 2), pytest.param(2, 1, marks=pytest.mark.slow)])
def test_generator_on_trajectory_finite_temperature(n1, n2):
    """Both temperatures > 0: d rho_1/dt from the many-body evolution equals L_t[rho_1(t)]."""
    rng = np.random.default_rng(11 + n1)
    h1, h2 = _herm(rng, n1, 1.5), _herm(rng, n2, 1.8)
    assert np.linalg.eigvalsh(h2)[0] > 0.9 and np.linalg.eigvalsh(h1)[0] > 0.9
    g = 0.3 * (rng.normal(size=(n1, n2)) + 1j * rng.normal(size=(n1, n2)))
    t1, t2 = 0.35, 0.3  # low occupations: the dropped weight above nmax is ~1e-14
    nmax = 12
    m = reservoir_model(h1, h2, g, t1, t2)
    rho0, ops = mb.thermal_product(h1, h2, t1, t2, nmax)
    hfull = np.block([[h1, g], [g.conj().T, h2]])
    hmb = mb.quadratic(hfull, ops)
    states, _ = mb.fock_basis(n1 + n2, nmax)
    _, xops = mb.annihilators(n1, nmax)
    ts = np.array([1.1, 3.7])
    gen = time_local_generator(m, jnp.asarray(ts), 1)
    rhos = mb.evolve(hmb, rho0, ts)
    for it in range(len(ts)):
        rho = rhos[it]
        red = mb.partial_trace_first(rho, states, n1, nmax)
        dred = mb.partial_trace_first(-1j * (hmb @ rho - rho @ hmb), states, n1, nmax)
        k, a_mat, b_mat = (np.asarray(x[it]) for x in (gen.k, gen.loss, gen.gain))
        pred = mb.apply_quadratic_generator(k, a_mat, b_mat, xops, red)
        assert np.max(np.abs(pred - dred)) < 1e-9, np.max(np.abs(pred - dred))
        assert np.max(np.abs(b_mat)) > 1e-4  # the gain (finite-T) part is exercised


def test_K_at_t0_and_work_rate_vs_finite_difference():
    rng = np.random.default_rng(3)
    h1, h2 = _herm(rng, 3, 1.2), _herm(rng, 4, 0.9)
    g = 0.2 * rng.normal(size=(3, 4))
    m = reservoir_model(h1, h2, g, 0.8, 0.3)
    ts = jnp.linspace(0.0, 30.0, 61)  # the shape shared by the other tests (one compilation)
    gen0 = time_local_generator(m, ts, 1)
    assert np.max(np.abs(np.asarray(gen0.k[0]) - h1)) < 1e-13  # K_1(0) = H_1
    assert np.max(np.abs(np.asarray(gen0.loss[0]))) < 1e-13
    dt = 1e-4
    tc = ts + 1.0
    r = energetics(m, tc)
    gm, gp = time_local_generator(m, tc - dt, 1), time_local_generator(m, tc + dt, 1)
    kdot = (np.asarray(gp.k) - np.asarray(gm.k)) / (2 * dt)
    gam1 = np.swapaxes(np.asarray(correlation_matrix(m, tc))[:, :3, :3], 1, 2)  # Gamma = C^T
    wr_fd = np.real(np.einsum("tij,tji->t", kdot, gam1))
    np.testing.assert_allclose(np.asarray(r.side1.work_rate_md), wr_fd, rtol=1e-6, atol=1e-8)
    assert np.max(np.abs(wr_fd)) > 1e-3


def test_all_to_all_K_closed_form_and_peak_height():
    """Uniform mode: K eigenvalue = -Im(dG_s/dt / G_s) with the two-mode Rabi G_s; dark modes
    keep omega - g.  Its peak is Omega^2 / (2 Delta) above the mean frequency."""
    n1, n2, w1, w2, gi, gam = 4, 5, 1.0, 0.96, 0.01, 0.02
    m = all_to_all(n1, n2, omega1=w1, omega2=w2, g=gi, gamma=gam, T1=1.0, T2=0.5)
    nu1, nu2 = w1 + (n1 - 1) * gi, w2 + (n2 - 1) * gi
    delta, big = nu1 - nu2, 2 * np.sqrt(n1 * n2) * gam
    om = np.sqrt(delta**2 + big**2)
    nub = 0.5 * (nu1 + nu2)
    ts = np.linspace(0.0, 2 * np.pi / om, 401)
    x = om * ts / 2
    gs = np.exp(-1j * nub * ts) * (np.cos(x) - 1j * delta / om * np.sin(x))
    gsd = -1j * nub * gs + np.exp(-1j * nub * ts) * (om / 2) * (-np.sin(x) - 1j * delta / om * np.cos(x))
    ks = -np.imag(gsd / gs)
    gen = time_local_generator(m, jnp.asarray(ts), 1)
    uvec = np.ones(n1) / np.sqrt(n1)
    k = np.asarray(gen.k)
    k_unif = np.einsum("i,tij,j->t", uvec, k, uvec)
    assert np.max(np.abs(k_unif - ks)) < 1e-9 * np.max(np.abs(ks))
    # dark subspace: k restricted there equals (omega1 - g) exactly
    proj = np.eye(n1) - np.outer(uvec, uvec)
    dark = np.einsum("ij,tjk,kl->til", proj, k, proj)
    assert np.max(np.abs(dark - (w1 - gi) * proj[None])) < 1e-10
    assert np.max(ks) - nub == pytest.approx(om**2 / (2 * delta), rel=1e-3)


def test_singular_reduced_propagator_is_reported():
    """Resonant single modes: G(t) = e^{-i w t} cos(gamma t) vanishes at t* = pi / (2 gamma)."""
    gam = 0.1
    tstar = np.pi / (2 * gam)
    m = reservoir_model([[1.0]], [[1.0]], [[gam]], 0.7, 0.2)
    ts = jnp.asarray(np.concatenate([np.linspace(0, 14, 8), [tstar], np.linspace(16, 20, 3)]))
    # throw=True (default) raises, naming the code and the singular time
    with pytest.raises(ResultError, match=f"singular_generator.*non-invertible.*t = {tstar:.6g}"):
        energetics(m, ts)
    with pytest.raises(ResultError, match=f"side 1: singular_generator at 1 of 12 output time.*{tstar:.6g}"):
        time_local_generator(m, ts, 1)
    r = energetics(m, ts, throw=False)
    s = r.side1
    ok = np.asarray(s.generator_ok)
    assert not ok[8] and ok[:8].all() and ok[9:].all()
    np.testing.assert_allclose(np.asarray(s.sigma_min), np.abs(np.cos(gam * np.asarray(ts))), atol=1e-8)
    md_ok = np.asarray(s.md_ok)
    assert md_ok[:8].all() and not md_ok[8:].any()
    # one RESULTS code per time: singular from t* on (the md integrals from 0 are undefined there)
    sg = int(codes(RESULTS.singular_generator))
    np.testing.assert_array_equal(np.asarray(codes(s.result)), [0] * 8 + [sg] * 4)
    np.testing.assert_array_equal(np.asarray(r.ok), md_ok)  # side 2 is singular at the same times
    np.testing.assert_array_equal(np.asarray(s.ok), md_ok)
    assert np.all(np.isfinite(np.asarray(s.U_md)[9:]))  # pointwise md quantities exist again after t*
    gen = time_local_generator(m, ts, 1, throw=False)
    np.testing.assert_array_equal(np.asarray(gen.ok), ok)  # the generator itself: only at t*
    assert np.all(np.isnan(np.asarray(gen.k)[8])) and np.all(np.isfinite(np.asarray(gen.k)[9:]))
    # inside jit the same flags come back (throw=False), or the run raises (throw=True)
    jr = jax.jit(lambda t: energetics(m, t, throw=False))(ts)
    np.testing.assert_array_equal(np.asarray(codes(jr.result)), np.asarray(codes(r.result)))
    with pytest.raises(Exception, match="G\\(t\\) is not invertible"):
        jax.block_until_ready(jax.jit(lambda t: energetics(m, t).U1)(ts))
    assert np.all(np.isfinite(np.asarray(s.minimal_dissipation.Q)[:8]))
    assert np.all(np.isfinite(np.asarray(s.bare.Q)))  # other assignments are unaffected
    rep = failure_report(r)
    assert "side 1" in rep and "side 2" in rep and f"{tstar:.6g}" in rep
    # nothing to report away from the singular time
    r2 = energetics(m, jnp.linspace(0, 10, 6))
    assert failure_report(r2) == "" and bool(np.all(r2.ok))
