"""Seed 001, fig. 4 caption: "the stronger the damping, the more pronounced the (anti)synchronization
(C -> -1)", at T = 0.1 omega_A. Decision (issue 16), pinned here: at T = 0.1 the Pearson coefficient
falls monotonically with gamma_2 but saturates at C = -0.559 (gamma_2 = 1e3; -0.561 at 1e4), and C~ of
eq. 25 at -0.69; C -> -1 is reached only as T -> 0 (-0.935 at T = 0.01, -0.987 at T = 0.001, -0.993 at
T = 0.001 and gamma_2 = 1e4). The position correlations are checked against an independent adaptive
quadrature of the fluctuation--dissipation integral."""

import numpy as np
import pytest
from scipy.integrate import quad

import jaxqtm.oscillators as osc
from examples.seed001.paper import paper_machine


def _pearson(gamma2, t):
    m, d = paper_machine(gamma2=gamma2, T1=t, T2=t)
    ob = osc.observables(m, d, 200.0, noise=osc.ExactIsothermal())
    return float(ob.pearson[0, 1]), float(ob.pearson_like[0, 1]), np.asarray(ob.xx)


def test_pearson_saturates_at_t_01_and_tends_to_minus_one_only_as_t_goes_to_zero():
    c = {(g, t): _pearson(g, t)[0] for g in (10.0, 1e3, 1e4) for t in (0.1, 0.001)}
    for t in (0.1, 0.001):  # monotone in the damping
        assert c[(1e4, t)] < c[(1e3, t)] < c[(10.0, t)] < 0
    assert -0.57 < c[(1e3, 0.1)] < -0.55 and abs(c[(1e4, 0.1)] - c[(1e3, 0.1)]) < 5e-3  # saturated, far from -1
    assert c[(1e4, 0.001)] < -0.99  # the caption's limit, at T -> 0
    c_like = _pearson(1e3, 0.1)[1]
    assert -0.70 < c_like < -0.68  # C~ (eq. 25) does not reach -1 at T = 0.1 either


@pytest.mark.parametrize("gamma2,t", [(1e3, 0.1), (1e3, 0.001)])
def test_position_correlations_against_adaptive_quadrature(gamma2, t):
    """<x_l x_l'> = int_0^inf dw/pi coth(w/2T) chi''_ll'(w) (FDT), by scipy.quad in log w."""
    _, _, xx = _pearson(gamma2, t)

    om = np.array([1.0, 0.6])  # seed 001's response, written out here: chi = (K - w^2 - i w gamma2 C)^-1, C = 1

    def integrand(u, i, j):
        w = np.exp(u)
        chi = np.linalg.inv(np.diag(om**2) - w**2 * np.eye(2) - 1j * w * gamma2 * np.ones((2, 2)))
        return w * chi.imag[i, j] / np.tanh(w / (2 * t)) / np.pi

    # overdamped pole at ~omega^2/gamma2 = 1e-3.6, the fast one at ~gamma2: breakpoints in log w
    pts = list(np.log([3.6e-4, 1e-3, 0.6, 1.0, gamma2]))
    ref = np.array(
        [
            [quad(integrand, -40, 30, args=(i, j), points=pts, limit=400, epsrel=1e-11)[0] for j in range(2)]
            for i in range(2)
        ]
    )
    np.testing.assert_allclose(xx, ref, rtol=1e-8)
    assert ref[0, 1] / np.sqrt(ref[0, 0] * ref[1, 1]) == pytest.approx(_pearson(gamma2, t)[0], rel=1e-8)
