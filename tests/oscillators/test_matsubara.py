"""The two-temperature noise integral by one Matsubara series (``MatsubaraSum``, the default of
``Auto`` for T1 != T2), checked against references that share none of its code:

- the Gauss rule of the Abel--Plana weight y/(e^{2 pi y} - 1) stored in ``_integrals`` is rebuilt
  here from the weight's moments (n+1)! zeta(n+2)/(2 pi)^(n+2) with 80-digit mpmath;
- the integral itself against 30-digit mpmath quadrature of R(w)[coth(a)coth(b) - 1] on synthetic
  rational functions (resonances of width 1e-9, T1/T2 from 1/50 to 50, Omega from 1e-2 to 200);
- the machine's noise against the 30-digit reference points of ``test_vs_mpmath`` (and against
  the independent tanh-sinh quadrature, ``TanhSinh``, in ``test_strategies``);
- derivatives with respect to T1, T2 and Omega against central finite differences.
"""

import json
import os

import jax
import jax.numpy as jnp
import mpmath as mp
import numpy as np
import pytest

import jaxqtm.oscillators as osc
from benchmarks._common import drive_fixed, machine_from
from jaxqtm.oscillators import _integrals as I
from jaxqtm.oscillators._polesum import PoleSum

HERE = os.path.dirname(os.path.abspath(__file__))


def _gauss_rule_from_moments(n):
    """Gauss nodes/weights of y/(e^{2 pi y}-1) on (0, inf): Chebyshev algorithm on the moments."""
    with mp.workdps(80):
        mom = [mp.factorial(k + 1) * mp.zeta(k + 2) / (2 * mp.pi) ** (k + 2) for k in range(2 * n)]
        a, b = [mp.mpf(0)] * n, [mp.mpf(0)] * n
        a[0], b[0] = mom[1] / mom[0], mom[0]
        prev, cur = [mp.mpf(0)] * (2 * n), mom[:]
        for k in range(1, n):
            new = [mp.mpf(0)] * (2 * n)
            for l in range(k, 2 * n - k):
                new[l] = cur[l + 1] - a[k - 1] * cur[l] - b[k - 1] * prev[l]
            a[k] = new[k + 1] / new[k] - cur[k] / cur[k - 1]
            b[k] = new[k] / cur[k - 1]
            prev, cur = cur, new
        jac = mp.matrix(n, n)
        for i in range(n):
            jac[i, i] = a[i]
            if i + 1 < n:
                jac[i, i + 1] = jac[i + 1, i] = mp.sqrt(b[i + 1])
        e, q = mp.eigsy(jac)
        return [float(e[i]) for i in range(n)], [float(b[0] * q[0, i] ** 2 / e[i]) for i in range(n)]


def test_stored_plana_rule_is_the_gauss_rule_of_its_weight():
    y, w = _gauss_rule_from_moments(len(I._PLANA_Y))
    np.testing.assert_allclose(I._PLANA_Y, y, rtol=1e-14)
    np.testing.assert_allclose(I._PLANA_W, w, rtol=1e-12)
    # and it integrates an odd analytic function (as the Plana difference g(M+iy) - g(M-iy) is)
    # against 1/(e^{2 pi y} - 1) (independent mpmath quadrature)
    f = lambda t: mp.sin(t) / (1 + t * t / 9)
    ref = float(mp.quad(lambda t: f(t) / mp.expm1(2 * mp.pi * t), [0, mp.inf]))
    approx = sum(wi * float(f(yi)) for yi, wi in zip(I._PLANA_Y, I._PLANA_W))
    assert abs(approx - ref) < 1e-12 * abs(ref)


def _rational(omega, upper):
    """R(w) = w (w + Omega) / prod_k |w - p_k|^2: real on the axis, O(1/w^4), R(0) = R(-Omega) = 0."""
    poles = np.concatenate([upper, np.conj(upper)])
    res = np.array(
        [p * (p + omega) / np.prod([p - q for j, q in enumerate(poles) if j != i]) for i, p in enumerate(poles)]
    )
    return poles, res


def _mp_reference(omega, t1, t2, poles, res):
    mp.mp.dps = 30

    def f(w):
        if w == 0 or w == -omega:  # removable points (R = 0 there), never inside a panel
            return mp.mpf(0)
        r = sum(mp.mpc(c) / (w - mp.mpc(p)) for p, c in zip(poles, res))
        return mp.re(r * (mp.coth((w + omega) / (2 * t1)) * mp.coth(w / (2 * t2)) - 1))

    pts = {-omega, 0.0}
    for p in poles:
        for k in (0, 1, -1, 10, -10):
            pts.add(float(p.real) + k * abs(float(p.imag)))
    for c in (0.0, -omega):
        for t in (t1, t2):
            for k in (1, -1, 10, -10, 40, -40):
                pts.add(c + k * t)
    return float(mp.quad(f, [-mp.inf] + sorted(pts) + [mp.inf]))


CASES = [  # (Omega, T1, T2, upper poles)
    (1.3, 0.8, 0.2, [1 + 0.1j, 0.6 + 0.05j, -0.3 + 2j]),
    (0.5, 1.0, 0.05, [1 + 1e-6j, 0.6 + 0.05j, 100j]),  # overdamped pole on the imaginary axis
    (3.0, 0.19, 0.01, [1 + 0.005j, 0.6 + 0.005j, -3 + 1.2j]),
    (200.0, 0.95, 0.05, [1 + 0.005j, 0.6 + 0.005j, -200 + 1.2j]),
    (1.0, 0.5, 0.2, [1 + 1e-9j, 0.9999 + 1e-9j, 3j]),  # two resonances of width 1e-9, 1e-4 apart
    (0.05, 1.0, 0.02, [1 + 0.01j, 0.6 + 0.01j, 50j, -0.05 + 1000j]),  # T1/T2 = 50, adiabatic
    (0.7, 0.02, 1.0, [1 + 0.02j, 0.3 + 0.2j]),  # T1/T2 = 1/50
]


@pytest.mark.parametrize("case", CASES, ids=[f"Omega={c[0]},T1={c[1]},T2={c[2]}" for c in CASES])
def test_series_against_mpmath_quadrature(case):
    omega, t1, t2, upper = case
    poles, res = _rational(omega, np.array(upper))
    ref = _mp_reference(omega, t1, t2, poles, res)
    r = PoleSum(jnp.zeros((0,)), jnp.asarray(poles), jnp.asarray(res))
    v = complex(jax.jit(I.k12_matsubara)(r, t1, t2, omega))
    # relative to the integral, and to the pole-residue scale where the residues nearly cancel
    scale = max(abs(ref), 1e-4 * float(np.sum(np.abs(res))))
    assert abs(v.real - ref) < 3e-11 * scale, (v, ref)
    assert abs(v.imag) < 3e-11 * scale


def _machine(t1, t2):
    return osc.OscillatorMachine(osc.WorkingMedium([1.0, 0.6], 3.0), osc.DrudeLorentz(0.01, 1.2), t1, t2)


DRIVE = osc.Monochromatic([1.0, 0.7], [0.0, 1.1])


def test_machine_noise_against_the_mpmath_points():
    # the six two-temperature points of the 30-digit reference (test_vs_mpmath), full machine;
    # TanhSinh is compared with the series in test_strategies
    data = json.load(open(os.path.join(HERE, "data", "reference_values.json")))
    ours = {"D_PA": ("D_l", 0), "D_PB": ("D_l", 1), "D_P": ("D_P", None)}
    f = jax.jit(lambda m, d, w: osc.observables(m, d, w, noise=osc.MatsubaraSum(), throw=False))
    checked = 0
    for s in data["sets"]:
        p = s["params"]
        if p["T1"] == p["T2"]:
            continue
        o = f(machine_from(p), drive_fixed(p), p["Omega"])
        for k, (field, i) in ours.items():
            v = float(getattr(o, field) if i is None else getattr(o, field)[i])
            ref = float(s["values"][k])
            # worst: the near-degenerate point (two resonances of width 2.5e-9, 1e-4 apart), 8.5e-12
            # (their residues nearly cancel); the tanh-sinh panels are 3.7e-10 off there
            assert abs(v - ref) < 1e-11 * abs(ref), (s["name"], k, v, ref)
        checked += 1
    assert checked == 6


def test_equal_temperatures_give_the_isothermal_closed_form():
    m = _machine(0.3, 0.3)
    a = osc.observables(m, DRIVE, 1.5, noise=osc.MatsubaraSum())
    b = osc.observables(m, DRIVE, 1.5, noise=osc.ExactIsothermal())
    np.testing.assert_allclose(a.D_l, b.D_l, rtol=1e-12)
    np.testing.assert_allclose(a.D_P, b.D_P, rtol=1e-12)


def test_derivatives_against_finite_differences():
    def d_pa(t1, t2, om):
        return osc.observables(_machine(t1, t2), DRIVE, om, noise=osc.MatsubaraSum(), throw=False).D_l[0]

    x = (0.4, 0.15, 1.5)
    g = jax.jit(jax.grad(d_pa, argnums=(0, 1, 2)))(*x)
    f = jax.jit(d_pa)
    for i in range(3):
        h = 1e-5 * x[i]
        up, dn = list(x), list(x)
        up[i] += h
        dn[i] -= h
        fd = (float(f(*up)) - float(f(*dn))) / (2 * h)
        assert abs(float(g[i]) - fd) < 1e-7 * abs(fd), (i, float(g[i]), fd)
