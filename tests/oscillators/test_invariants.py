"""Physics invariants and limits of the oscillator engine (independent of its own formulas)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxqtm.oscillators as osc
from examples.seed001.paper import paper_machine


def _random_points(n, seed=0):
    rng = np.random.default_rng(seed)
    return dict(
        omega_B=rng.uniform(0.3, 0.9, n),
        gamma2=10 ** rng.uniform(-2, 2, n),
        T1=10 ** rng.uniform(-1.3, 0.3, n),
        T2=10 ** rng.uniform(-1.3, 0.3, n),
        Omega=10 ** rng.uniform(-1.3, 1.7, n),
        phi=rng.uniform(0, 2 * np.pi, n),
        omega_c=10 ** rng.uniform(-0.3, 2, n),
        f_B=rng.uniform(0.0, 2.0, n),
    )


def _point(p, noise):
    m = osc.OscillatorMachine(
        osc.WorkingMedium(jnp.stack([1.0, p["omega_B"]]), p["gamma2"]),
        osc.DrudeLorentz(0.01, p["omega_c"]),
        p["T1"],
        p["T2"],
    )
    d = osc.Monochromatic(jnp.stack([1.0, p["f_B"]]), jnp.stack([0.0, p["phi"]]))
    return osc.observables(m, d, p["Omega"], noise=noise, throw=False)


@pytest.fixture(scope="module")
def random_sets():
    pts = _random_points(1000)
    obs = jax.jit(jax.vmap(lambda p: _point(p, osc.MatsubaraSum())))({k: jnp.asarray(v) for k, v in pts.items()})
    return pts, jax.device_get(obs)


def test_random_sets_all_ok(random_sets):
    _, o = random_sets
    assert np.all(o.ok) and np.all(o.status == 0)
    assert np.all(o.result == osc.RESULTS.successful)


def test_first_law_two_independent_integrals(random_sets):
    # J1 is evaluated once from the bath-1 energy (w + Omega) J1 and once through J2's own
    # integral (bath-2 energy w); their first laws must agree
    _, o = random_sets
    assert np.max(np.abs(o.first_law_residual)) < 1e-10


def test_second_law_and_tur_for_total_power(random_sets):
    _, o = random_sets
    assert np.all(o.Sdot > 0)
    assert np.all(o.Q_P >= 2.0 * (1 - 1e-12)), np.min(o.Q_P)  # appendix C: Q_P >= 2 always
    # Local TURs *can* be violated (the point of seed 001); make sure the sample sees it
    assert np.any(o.Q_l[:, 0] < 2.0)


def test_pearson_bounds(random_sets):
    _, o = random_sets
    assert np.all(np.abs(o.pearson[:, 0, 1]) <= 1.0)


def test_isothermal_exact_form_equals_general_quadrature():
    # eq. (20) route (exact, single coth) against the two-temperature quadrature at T1 = T2
    pts = _random_points(24, seed=1)
    pts["T2"] = pts["T1"]
    p = {k: jnp.asarray(v) for k, v in pts.items()}
    a = jax.vmap(lambda q: _point(q, osc.ExactIsothermal()))(p)
    for general in (osc.MatsubaraSum(), osc.TanhSinh()):
        b = jax.vmap(lambda q: _point(q, general))(p)
        np.testing.assert_allclose(b.D_l, a.D_l, rtol=1e-10)
        np.testing.assert_allclose(b.D_P, a.D_P, rtol=1e-10)
    # eq. (20): D_PA = Omega coth(Omega/2T) P_A^(0) at phi = pi/2
    m, d = paper_machine(T1=0.3, T2=0.3)
    o = osc.observables(m, d, 2.5, noise=osc.MatsubaraSum())
    np.testing.assert_allclose(o.D_l[0], 2.5 / np.tanh(2.5 / 0.6) * o.P0[0], rtol=1e-10)


def test_phase_parity_and_no_delta_p_without_trs_breaking():
    m, _ = paper_machine(T1=0.4, T2=0.15)
    f = lambda phi: osc.observables(m, osc.Monochromatic([1.0, 0.7], [0.0, phi]), 1.7)
    a, b, z = f(0.9), f(-0.9), f(0.0)
    np.testing.assert_allclose([a.P, a.J1, a.D_P], [b.P, b.J1, b.D_P], rtol=1e-12)
    np.testing.assert_allclose(a.dP, -b.dP, rtol=1e-12)
    np.testing.assert_allclose(a.P0, b.P0, rtol=1e-12)
    assert np.all(np.abs(z.dP) < 1e-14 * np.abs(z.P0).max())
    assert np.all(z.Q_l >= 2)  # no TRS breaking -> no local TUR violation here


def test_response_matrix_decision_eq9():
    # chi = M^{-1}: the A-A element carries omega_B (eq. 9 as printed carries omega_l)
    med = osc.WorkingMedium([1.0, 0.6], 0.3)
    w = 0.77
    dd = (w**2 - 1.0) * (w**2 - 0.36) + 1j * w * (2 * w**2 - 1.36) * 0.3
    chi = np.asarray(med.chi(w + 0j))
    np.testing.assert_allclose(chi[0, 0], -(w**2 - 0.36 + 1j * w * 0.3) / dd, rtol=1e-13)
    assert abs(chi[0, 0] - (-(w**2 - 1.0 + 1j * w * 0.3) / dd)) > 0.1 * abs(chi[0, 0])
    # gamma2 -> 0: the A-A element is the bare A oscillator, not B
    weak = np.asarray(osc.WorkingMedium([1.0, 0.6], 1e-9).chi(w + 0j))
    np.testing.assert_allclose(weak[0, 0], 1.0 / (1.0 - w**2), rtol=1e-7)
    # pole--residue form against direct inversion, across damping strengths
    for g2 in (0.01, 1.0, 100.0):
        m = osc.WorkingMedium([1.0, 0.6], g2)
        r = m.chi_rational()
        for z in (0.3, 1.7 - 0.2j, 5.0 + 1j):
            np.testing.assert_allclose(r(z), m.chi(z), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("t", [0.05, 0.5, 3.0])
def test_position_variance_prefactor_weak_damping(t):
    # <x^2> = coth(omega/2T)/(2 omega) for a weakly damped oscillator: fixes the 1/(2 pi m)
    # prefactor (eq. 12 prints 1/(4 pi m), which gives half of it)
    m = osc.OscillatorMachine(osc.WorkingMedium([1.0, 0.6], 1e-6, osc.Independent()), osc.DrudeLorentz(0.01, 1.2), t, t)
    o = osc.observables(m, osc.Monochromatic([1.0, 1.0], [0.0, 0.0]), 1.0)
    for i, w0 in enumerate((1.0, 0.6)):
        np.testing.assert_allclose(o.xx[i, i], 1 / np.tanh(w0 / (2 * t)) / (2 * w0), rtol=1e-5)


def test_equipartition_high_temperature():
    m = osc.OscillatorMachine(osc.WorkingMedium([1.0, 0.6], 2.0), osc.DrudeLorentz(0.01, 1.2), 200.0, 200.0)
    o = osc.observables(m, osc.Monochromatic([1.0, 1.0], [0.0, 0.0]), 1.0)
    np.testing.assert_allclose(o.xx[0, 0], 200.0 / 1.0**2, rtol=2e-3)
    np.testing.assert_allclose(o.xx[1, 1], 200.0 / 0.6**2, rtol=2e-3)
    assert abs(o.xx[0, 1]) < 1e-3 * o.xx[0, 0]  # classical statics: no bath-induced correlation


def test_resonance_width_independence():
    # gamma2 = 1e4: the antiphase resonance has width ~4e-6; results are finite, laws hold
    m, d = paper_machine(gamma2=1e4, T1=0.05, T2=0.05)
    o = osc.observables(m, d, 0.83)
    assert int(o.status) == 0 and o.Sdot > 0 and o.Q_P >= 2
    assert abs(o.first_law_residual) < 1e-10


def test_asymptotic_forms():
    m, d = paper_machine(T1=0.1, T2=0.1)
    a = osc.asymptotic_coefficients(m)
    small = osc.observables(m, d, 1e-3)
    np.testing.assert_allclose(small.P0 / 1e-6, a.alpha_ad, rtol=1e-5)  # (21)
    np.testing.assert_allclose(small.dP / 1e-3, a.dalpha_ad, rtol=1e-5)  # (21), f_B(Omega) -> 1 at r = 0
    np.testing.assert_allclose(small.D_l / 1e-6, a.d_ad, rtol=1e-4)  # (D5)
    om = 1e4
    big = osc.observables(m, d, om)
    j = 0.01 * om / (1 + (om / 1.2) ** 2)
    np.testing.assert_allclose(big.P0 / (om * j), a.alpha_dia, rtol=1e-3)  # (23)
    np.testing.assert_allclose(big.dP / (om * j * om / 1.2), a.dalpha_dia, rtol=1e-3)  # (D8)
    np.testing.assert_allclose(big.D_l / (om**2 * j * a.alpha_dia), 1.0, rtol=1e-3)  # (D10)
    # (24): Q_PA^dia = (Omega/T)(1 + f_B^2 a_B/a_A)/(1 + C~ f_B Omega/omega_c)^2 with C~ = da_A/a_A
    ct = a.dalpha_dia[0] / a.alpha_dia[0]
    q24 = om / 0.1 * (1 + a.alpha_dia[1] / a.alpha_dia[0]) / (1 + ct * om / 1.2) ** 2
    np.testing.assert_allclose(big.Q_l[0], q24, rtol=2e-3)
    np.testing.assert_allclose(ct, big.pearson_like[0, 1], rtol=1e-10)  # eq. (25)


def test_spectral_densities_response_and_damping_kernel():
    # eq. (B16): Drude zeta' = -(w/omega_c) J, zeta'' = J; gamma'' = J/(m omega_c), gamma' = J/(m w)
    w = np.array([-3.0, -0.4, 0.2, 1.1, 7.0])
    dl = osc.DrudeLorentz(0.03, 1.7)
    z = np.asarray(dl.zeta_of(w + 0j))
    np.testing.assert_allclose(z.imag, dl.J(w), rtol=1e-14)
    np.testing.assert_allclose(z.real, -(w / 1.7) * dl.J(w), rtol=1e-14)
    gk = np.asarray(dl.damping_kernel(w))
    np.testing.assert_allclose(gk.imag, dl.J(w) / 1.7, rtol=1e-13)
    np.testing.assert_allclose(gk.real, dl.J(w) / w, rtol=1e-13)
    assert np.all(np.imag(np.asarray(dl.poles())) < 0)  # retarded: analytic in the upper half plane
    # pole--residue forms of J and zeta' against the closed forms, for every density
    for sd in (dl, osc.Ohmic(0.02), osc.StructuredLorentzian(0.3, 1.5, 0.01)):
        jr, zr = sd.J_rational(), sd.zeta_re_rational()
        for x in w:
            np.testing.assert_allclose(np.real(jr(x)), sd.J(x), rtol=1e-12, atol=1e-15)
            np.testing.assert_allclose(np.real(zr(x)), np.real(sd.zeta_of(x + 0j)), rtol=1e-12, atol=1e-15)
    # structured Lorentzian: Kramers-Kronig pair (zeta' from J by a principal-value integral)
    from scipy.integrate import quad

    sl = osc.StructuredLorentzian(0.3, 1.5, 0.01)
    x0 = 0.9
    pv = quad(lambda u: float(sl.J(u)), -60, 60, weight="cauchy", wvar=x0, limit=400)[0]
    pv0 = quad(lambda u: float(sl.J(u)) / u if u != 0 else 0.0, -60, 60, points=[0.0], limit=400)[0]
    tail = 2 * 0.01 * 0.3 / (3 * 60**3)  # J ~ d gamma / u^3 beyond the window, odd -> small
    np.testing.assert_allclose(np.real(sl.zeta_of(x0 + 0j)), (pv - pv0) / np.pi, rtol=1e-6, atol=tail)
