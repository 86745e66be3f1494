"""Exact single-particle dynamics: conservation, brute-force many-body, two-mode closed form."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxqtm  # noqa: F401
from jaxqtm.reservoirs import all_to_all, correlation_matrix, energetics, reservoir_model

from . import _manybody as mb

TS = jnp.linspace(0.0, 30.0, 61)  # one shape for all tests: one compilation


def _random_model(rng, n1, n2, t1, t2, shift=1.5, cpl=0.3):
    def herm(n):
        x = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
        return 0.2 * (x + x.conj().T) + shift * np.eye(n)

    g = cpl * (rng.normal(size=(n1, n2)) + 1j * rng.normal(size=(n1, n2)))
    return reservoir_model(herm(n1), herm(n2), g, t1, t2)


def test_energy_conservation_random():
    rng = np.random.default_rng(0)
    m = _random_model(rng, 3, 4, 1.3, 0.4, cpl=0.4)
    ts = TS
    r = energetics(m, ts)
    tot = r.U1 + r.U2 + r.UI
    scale = float(jnp.abs(r.U1[0]) + jnp.abs(r.U2[0]))
    # Delta U1 + Delta U2 + Delta UI = 0 (UI(0) = 0 for the product state)
    err = float(jnp.max(jnp.abs(tot - (r.U1[0] + r.U2[0]))))
    assert err < 1e-12 * max(1.0, scale), err
    assert float(r.UI[0]) == pytest.approx(0.0, abs=1e-14)
    # the bare energies really move (the test is not vacuous)
    assert float(jnp.max(jnp.abs(r.U1 - r.U1[0]))) > 1e-2


def test_against_many_body_fock():
    """C(t) = <c_i^dag c_j>(t) against brute-force evolution in a truncated Fock space."""
    rng = np.random.default_rng(1)
    m = _random_model(rng, 1, 2, 0.6, 0.35, shift=1.2, cpl=0.25)
    h1, h2, g = (np.asarray(x) for x in (m.h1, m.h2, m.g))
    nmax = 14
    rho0, ops = mb.thermal_product(h1, h2, 0.6, 0.35, nmax)
    hfull = np.block([[h1, g], [g.conj().T, h2]])
    hmb = mb.quadratic(hfull, ops)
    ts = np.array([0.0, 0.7, 2.3, 5.0, 11.0])
    rhos = mb.evolve(hmb, rho0, ts)
    pairs = [[(ops[i].conj().T @ ops[j]).toarray() for j in range(3)] for i in range(3)]
    c_mb = np.array([[[np.sum(r * pairs[i][j].T) for j in range(3)] for i in range(3)] for r in rhos])
    c = np.asarray(correlation_matrix(m, jnp.asarray(ts)))
    err = np.max(np.abs(c - c_mb))
    assert err < 1e-9, err
    # the interaction energy from the many-body state vs 2 Re Tr(g Gamma_21), Gamma = C^T
    hi = mb.quadratic(np.block([[np.zeros((1, 1)), g], [g.conj().T, np.zeros((2, 2))]]), ops)
    ui_mb = np.real([np.sum(x * hi.T) for x in rhos])
    ui = 2 * np.real(np.einsum("ik,tik->t", g, c[:, :1, 1:]))
    assert np.max(np.abs(ui - ui_mb)) < 1e-9


def _two_mode_closed_form(n1, n2, w1, w2, gi, gam, t1, t2, ts):
    """All-to-all: only the uniform modes (nu1, nu2) couple, with strength Gamma/2."""
    nu1, nu2 = w1 + (n1 - 1) * gi, w2 + (n2 - 1) * gi
    delta, big_gamma = nu1 - nu2, 2 * np.sqrt(n1 * n2) * gam
    om = np.sqrt(delta**2 + big_gamma**2)
    p = (big_gamma / om) ** 2 * np.sin(om * ts / 2) ** 2
    na, nb = 1 / np.expm1(nu1 / t1), 1 / np.expm1(nu2 / t2)
    du1 = nu1 * p * (nb - na)
    du2 = nu2 * p * (na - nb)
    return du1, du2, -(du1 + du2)


def test_all_to_all_two_mode_reduction():
    args = dict(omega1=1.0, omega2=0.7, g=0.02, gamma=0.015, T1=1.5, T2=0.4)
    m = all_to_all(3, 4, **args)
    ev = np.linalg.eigvalsh(np.asarray(m.h1))
    assert ev[-1] == pytest.approx(1.0 + 2 * 0.02, abs=1e-13)  # nu1 = omega1 + (N1-1) g
    ts = np.asarray(TS) * 3
    r = energetics(m, jnp.asarray(ts))
    du1, du2, dui = _two_mode_closed_form(3, 4, 1.0, 0.7, 0.02, 0.015, 1.5, 0.4, ts)
    assert np.max(np.abs(np.asarray(r.side1.bare.dU) - du1)) < 1e-12
    assert np.max(np.abs(np.asarray(r.side2.bare.dU) - du2)) < 1e-12
    assert np.max(np.abs(np.asarray(r.UI) - dui)) < 1e-12


def test_jit_vmap_over_coupling():
    ts = TS

    def du1(gam):
        m = all_to_all(3, 4, omega1=1.0, omega2=0.8, g=0.01, gamma=gam, T1=1.0, T2=0.5)
        return energetics(m, ts).side1.bare.dU  # throw=True under jit/vmap: an eqx.error_if

    gams = jnp.array([0.01, 0.02, 0.05])
    batched = jax.jit(jax.vmap(du1))(gams)
    for i, gm in enumerate(gams):
        np.testing.assert_allclose(batched[i], du1(gm), atol=1e-13)
    assert batched.dtype == jnp.float64
