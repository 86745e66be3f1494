"""Exact thermal frequency integrals of rational functions.

For a rational R(w) = sum_k r_k/(w - p_k) (no real poles, R -> 0 at infinity)
and a Bose kernel coth((w - s)/2T), expanding coth in its Matsubara poles
i nu_n = 2 pi i n T and summing the residues gives, with the symmetric cut-off
|w| < L,

  int_{-L}^{L} R(w) coth((w - s)/2T) dw = sum_k r_k G_T(p_k - s) + 2 log(L) sum_k r_k + o(1),

  G_T(q) = -[psi(z) + psi(z + 1)] - 2 log(2 pi T),  z = -i q sgn(Im q) / (2 pi T)  (Re z > 0),

psi the complex digamma function. The divergent piece depends on R only, so it
cancels exactly in the combinations the machine needs (N(w, Omega) = coth(a) -
coth(b) has two kernels acting on the same R) and vanishes when sum_k r_k = 0
(R = O(1/w^2)). The result is exact to round-off for every pole position:
a resonance of width 1e-9 costs the same as a broad one. Cost: two digamma
evaluations per pole.

Kernels whose real poles (w = -Omega for coth(a), w = 0 for coth(b)) are
cancelled by zeros of R (J_1(0) = 0, chi''(0) = 0) are removable singularities:
the formula above is the principal value, which equals the regular integral.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .._numerics import bose
from .._special import digamma_pair
from ._polesum import PoleSum


def g_branch(q, temperature, sgn):
    """G_T(q) on the branch ``sgn`` (+1: the upper half-plane's, -1: the lower's), continued
    analytically across the real axis (valid while Re z > -1/2, z below)."""
    two_pi_t = 2.0 * jnp.pi * temperature
    z = -1j * q * sgn / two_pi_t
    return -digamma_pair(z) - 2.0 * jnp.log(two_pi_t)


def g_tilde(q, temperature):
    """Regularised Matsubara transform G_T(q) of 1/(w - q) against coth(w/2T)."""
    return g_branch(q, temperature, jnp.where(jnp.imag(q) >= 0, 1.0, -1.0))


def _contract(residues, weights):
    """sum_k residues[k, ...] * weights[k]."""
    extra = (None,) * (residues.ndim - 1)
    return jnp.sum(residues * weights[(...,) + extra], axis=0)


# Round-off of one term r_k w_k of a pole--residue contraction (residues, poles and transforms each
# carry ~1e-15 relative error): a sum far smaller than its largest terms keeps only
# ROUNDOFF * sum |r_k w_k| of absolute accuracy, the bound reported by ``contract_bound``.
ROUNDOFF = 4.0 * float(np.finfo(np.float64).eps)


def contract_bound(residues, weights_abs):
    """Round-off bound of ``_contract(residues, weights)``: ROUNDOFF * sum_k |residues[k]| weights_abs[k]
    (``weights_abs``: a bound on |weights[k]| including the cancellations inside it)."""
    return ROUNDOFF * _contract(jnp.abs(residues), weights_abs)


def coth_integral(r: PoleSum, temperature, shift=0.0):
    """int dw R(w) coth((w - shift)/2T), for R = O(1/w^2) (or inside a combination)."""
    return coth_integral_and_bound(r, temperature, shift)[0]


def coth_integral_and_bound(r: PoleSum, temperature, shift=0.0):
    """(:func:`coth_integral`, its round-off bound ``contract_bound``)."""
    g = g_tilde(r.poles - shift, temperature)
    return _contract(r.residues, g), contract_bound(r.residues, jnp.abs(g))


def n_integral(r: PoleSum, t1, t2, omega):
    """int dw R(w) N(w, Omega), N = coth((w + Omega)/2T1) - coth(w/2T2) (seed 001)."""
    return n_integral_and_bound(r, t1, t2, omega)[0]


def n_integral_and_bound(r: PoleSum, t1, t2, omega):
    """(:func:`n_integral`, its round-off bound ``contract_bound``)."""
    g1, g2 = g_tilde(r.poles + omega, t1), g_tilde(r.poles, t2)
    return _contract(r.residues, g1 - g2), contract_bound(r.residues, jnp.abs(g1) + jnp.abs(g2))


def n_and_coth_integrals_and_bounds(r_n: PoleSum, r_c: PoleSum, t1, t2, omega):
    """(:func:`n_integral` of ``r_n``, :func:`coth_integral` of ``r_c`` at T1, shift -Omega) and
    their round-off bounds, for two rationals with the same poles (the caller's guarantee): both
    use G_T1(p + Omega), so one set of digamma transforms serves the two."""
    g1, g2 = g_tilde(r_n.poles + omega, t1), g_tilde(r_n.poles, t2)
    n_val = _contract(r_n.residues, g1 - g2)
    n_bound = contract_bound(r_n.residues, jnp.abs(g1) + jnp.abs(g2))
    return (n_val, n_bound), (_contract(r_c.residues, g1), contract_bound(r_c.residues, jnp.abs(g1)))


def plain_integral(r: PoleSum):
    """int dw R(w) for R = O(1/w^2): 2 pi i times the upper-half-plane residues."""
    upper = jnp.where(jnp.imag(r.poles) > 0, 1.0, 0.0)
    return 2j * jnp.pi * _contract(r.residues, upper)


# ----------------------------------------------------------------------------
# Two temperatures by one Matsubara series (``_noise.MatsubaraSum``, the default).
#
# Expand only coth(b) = 2 T2 sum_m 1/(w - i mu_m), mu_m = 2 pi m T2 (symmetric sum, m in Z), and do
# the coth(a) integral of each term exactly with ``g_tilde`` (G1 = G_T1 at shift -Omega):
#
#   int R(w) coth(a)/(w - z) dw = sum_k r_k G1(p_k)/(p_k - z) + R(z) G1(z),  G1(p) := G_T1(p + Omega).
#
# Summing over m with 2 T2 sum_m 1/(p - i mu_m) = coth(p/2T2) (which cancels between the two parts):
#
#   I = -2 T2 sum_k r_k sum_m D_k(m) - int R dw,   D_k(m) = [G1(i mu_m) - G1(p_k)] / (p_k - i mu_m).
#
# (Needs R = O(1/w^2) and R(0) = R(-Omega) = 0, which the machine's J_1(w + Omega) chi''(w) has; the
# m = 0 term is then -sum_k r_k G1(p_k)/p_k.) D_k is a divided difference: analytic in m for Re m > 0
# (the poles of R cancel; psi's poles lie at Re m <= 0), so a resonance of width 1e-9 costs nothing and
# loses nothing. The pairs g_k(m) = D_k(m) + D_k(-m) decay only as log(m)/m^2, so the sum is not
# truncated: terms m < M are summed, the rest by the Abel--Plana formula
#
#   sum_{m>=M} g(m) = g(M)/2 + int_0^inf g(M + x) dx + i int_0^inf [g(M + iy) - g(M - iy)]/(e^{2 pi y} - 1) dy,
#
# the x-integral by an exp-sinh rule, the y-integral by the Gauss rule of the weight y/(e^{2 pi y} - 1)
# (10 nodes; generated with mpmath by ``tests/oscillators/test_matsubara.py``, which checks this table).
# The coth expanded is the hotter bath's (w -> -w - Omega swaps the two; see ``k12_matsubara``).
# Fixed cost: 118 points on the real m-axis (one complex digamma each: G1(-i mu) = conj G1(i mu)) and
# 10 Plana pairs (two each), then one division per point and pole; independent of every pole position.
# 6-8x faster than the tanh-sinh panels below (``benchmarks/bench_oscillators.py``).
# ----------------------------------------------------------------------------

MS_TERMS = 8  # direct terms m = 1..M-1 (default of ``MatsubaraSum.terms``)
MS_TAIL_NODES = 100  # nodes of the exp-sinh rule on int_0^inf g(M + x) dx
MS_TAIL_LEVEL = 4.2  # its t-range [-level, level]

_PLANA_Y = (
    0.027259495050115,
    0.14191414271806976,
    0.34293055777507904,
    0.62722361378214791,
    0.99838770805505126,
    1.4673820296004246,
    2.0524826809621218,
    2.7840369728247153,
    3.7202577393636386,
    5.0103456080999662,
)
# Gauss weights of y/(e^{2 pi y} - 1), divided by the node y (the rule integrates f(y)/(e^{2 pi y} - 1))
_PLANA_W = (
    0.37332511225691462,
    0.11027400280937124,
    0.031829851166225079,
    0.0064689648087249038,
    0.00078945035172270058,
    5.1837638502028241e-5,
    1.6344816568151559e-6,
    2.0751041766103179e-8,
    7.5677567243588597e-11,
    3.3819474086617239e-14,
)


def matsubara_nodes(terms=MS_TERMS, tail_nodes=MS_TAIL_NODES, tail_level=MS_TAIL_LEVEL):
    """Points m and weights W with sum_{m>=1} g(m) ~ sum_j W_j g(m_j) for g analytic in Re m > 0."""
    t = np.linspace(-tail_level, tail_level, tail_nodes)
    h = t[1] - t[0]
    x = np.exp(0.5 * np.pi * np.sinh(t))
    wx = h * 0.5 * np.pi * np.cosh(t) * x
    y, wy = np.asarray(_PLANA_Y), np.asarray(_PLANA_W)
    m = np.concatenate([np.arange(1.0, terms + 1.0), terms + x, terms + 1j * y, terms - 1j * y])
    w = np.concatenate([np.ones(terms - 1), [0.5], wx, 1j * wy, -1j * wy])
    return m.astype(complex), w.astype(complex)


def k12_matsubara(r: PoleSum, t1, t2, omega, *, terms=MS_TERMS, tail_nodes=MS_TAIL_NODES, tail_level=MS_TAIL_LEVEL):
    """:func:`k12_matsubara_and_bound` without its bound."""
    return k12_matsubara_and_bound(r, t1, t2, omega, terms=terms, tail_nodes=tail_nodes, tail_level=tail_level)[0]


def k12_matsubara_and_bound(
    r: PoleSum, t1, t2, omega, *, terms=MS_TERMS, tail_nodes=MS_TAIL_NODES, tail_level=MS_TAIL_LEVEL
):
    """int dw R(w) [coth((w+Omega)/2T1) coth(w/2T2) - 1] by the Matsubara series above (any T1, T2 > 0).

    Per pole p_k the series gives the Cauchy transform H(p) = int K(w)/(w - p) dw (K the kernel):
    I = sum_k r_k H(p_k). A narrow resonance has a pair p, conj(p) whose two transforms differ by
    the jump 2 pi i K(x) across the axis, which is exponentially small where K is (T << x): taken as
    a difference of two O(1) values it would lose those digits. So a lower pole closer to the axis
    than pi min(T1, T2) uses the upper transform continued below the axis minus 2 pi i K(p), and
    the pair's sum keeps full relative precision.

    Returns (value, round-off bound ``contract_bound``, the cancellations inside each H(p_k)
    included): far below the oscillator frequencies (T, Omega << omega) the
    integral is exponentially small against its pole terms and the series loses digits.
    """
    m, wm = matsubara_nodes(terms, tail_nodes, tail_level)
    # expand the hotter bath's coth (the wider Matsubara spacing puts every pole's structure at
    # smaller m, where the rules are dense): w -> -w - Omega swaps the two kernels and maps
    # R(w) to R(-w - Omega), poles p -> -p - Omega, residues r -> -r
    swap = t1 > t2
    poles = jnp.where(swap, -r.poles - omega, r.poles)
    res = jnp.where(swap, -1.0, 1.0) * r.residues
    t1, t2 = jnp.where(swap, t2, t1), jnp.where(swap, t1, t2)
    near = jnp.abs(jnp.imag(poles)) < jnp.pi * jnp.minimum(t1, t2)
    sgn = jnp.where((jnp.imag(poles) >= 0) | near, 1.0, -1.0)  # the branch each pole is evaluated on
    g_p = g_branch(poles + omega, t1, sgn)  # (K,)
    q = 2j * jnp.pi * t2 * jnp.asarray(m)  # (J,): i mu at the nodes (Im q > 0)
    # G1(i mu) (upper branch) and G1(-i mu) (lower) at every node from half as many digammas: on the
    # real m-axis G1(-i mu) = conj G1(i mu); the Plana nodes M -/+ iy mirror M +/- iy the same way
    n_real, n_v = terms + tail_nodes, len(_PLANA_Y)
    up, dn = q[: n_real + n_v] + omega, -q[n_real : n_real + n_v] + omega
    g = g_branch(jnp.concatenate([up, dn]), t1, np.concatenate([np.ones(n_real + n_v), -np.ones(n_v)]))
    g_re, g_a, g_b = g[:n_real], g[n_real : n_real + n_v], g[n_real + n_v :]
    g_up = jnp.concatenate([g_re, g_a, jnp.conj(g_b)])[:, None]  # G1(i mu), upper branch
    g_dn = jnp.concatenate([jnp.conj(g_re), g_b, jnp.conj(g_a)])[:, None]  # G1(-i mu), lower branch
    # D_k(m) + D_k(-m) over one division: [(g+ - g_p)(p + q) + (g- - g_p)(p - q)] / (p^2 - q^2)
    pp, qq = poles[None, :], q[:, None]
    gp = g_p[None, :]
    pair = ((g_up - gp) * (pp + qq) + (g_dn - gp) * (pp - qq)) / (pp * pp - qq * qq)  # (J, K)
    c = jnp.tensordot(jnp.asarray(wm), pair, axes=(0, 0)) - g_p / poles  # (K,)
    # -1 of the kernel: -int dw/(w - p) = -i pi (branch sign); the jump where a lower pole is continued
    lower = jnp.imag(poles) < 0
    jump = jnp.where(near & lower, _k12(jnp.where(near & lower, poles, 1j), t1, t2, omega), 0.0)
    h = -2.0 * t2 * c - 1j * jnp.pi * sgn - 2j * jnp.pi * jump
    value = _contract(res, h)
    c_abs = jnp.tensordot(jnp.abs(jnp.asarray(wm)), jnp.abs(pair), axes=(0, 0)) + jnp.abs(g_p / poles)
    # discretisation of the Abel--Plana tail: the nested rule of step 2h (every other node, same
    # values) differs from the step-h rule by ~its own error d; double-exponential rules square
    # the relative error when h halves, so the step-h rule is off by ~d^2 / |c|
    tail = np.zeros(len(wm), complex)
    tail[terms : terms + tail_nodes : 2] = 2.0 * np.asarray(wm)[terms : terms + tail_nodes : 2]
    tail[terms : terms + tail_nodes] -= np.asarray(wm)[terms : terms + tail_nodes]
    d = jnp.abs(jnp.tensordot(jnp.asarray(tail), pair, axes=(0, 0)))
    disc = d * jnp.minimum(1.0, d / jnp.maximum(c_abs, 1e-300)) / ROUNDOFF
    return value, contract_bound(res, 2.0 * t2 * (c_abs + disc) + jnp.pi + 2.0 * jnp.pi * jnp.abs(jump))


# ----------------------------------------------------------------------------
# Two temperatures: int R(w) [coth(a) coth(b) - 1] dw, a = (w + Omega)/2T1, b = w/2T2.
#
# For T1 = T2 = T the identity coth(a)coth(b) - 1 = coth(a - b)(coth(b) - coth(a)) with
# a - b = Omega/2T reduces it exactly to ``n_integral`` (``_noise.ExactIsothermal``). For T1 != T2
# the product of two coth's with incommensurate Matsubara lattices has no closed form. Besides the
# series above, ``_noise.TanhSinh`` integrates it numerically (the independent cross-check), in a way
# whose accuracy does not depend on resonance widths:
#  1. every pole p_k of R closer to the real axis than pi*min(T1, T2) is subtracted with
#     its residue times K12(p_k), paired with a mirror pole q_k on the other side of the axis
#     (the pair decays as 1/w^2 and integrates exactly to 2 pi i sgn(Im p_k) K12(p_k));
#  2. what is left is analytic within ~ pi*min(T) of the real axis, with all its structure
#     located at the real parts of the poles and at the kernel's removable points 0, -Omega;
#  3. it is integrated with tanh-sinh panels between those breakpoints (clustering nodes
#     double-exponentially towards each breakpoint, so fine structure there is resolved)
#     and exp-sinh rules on the two tails.
# Accuracy ~1e-12 relative against mpmath (tests/oscillators); cost ~100 nodes per breakpoint.
# ----------------------------------------------------------------------------

TS_LEVEL = 3.2  # t-range of the tanh-sinh rules (default of ``TanhSinh.level``)
TS_NODES = 96  # nodes per side per panel (48 leaves ~1e-9 errors on long panels, tests/oscillators)
ES_LEVEL = 4.0  # t-range of the exp-sinh tail rules


def _tanh_sinh_unit(level=TS_LEVEL, nodes=TS_NODES):
    t = np.linspace(-level, level, 2 * nodes + 1)
    h = t[1] - t[0]
    u = 0.5 * np.pi * np.sinh(t)
    # distance of the node from the left / right end of [0, 1], computed without cancellation
    left = 1.0 / (1.0 + np.exp(-2.0 * u))
    right = 1.0 / (1.0 + np.exp(2.0 * u))
    w = h * 0.5 * np.pi * np.cosh(t) / (2.0 * np.cosh(u) ** 2)
    return left, right, w


def _exp_sinh_unit(level=ES_LEVEL, nodes=TS_NODES):
    t = np.linspace(-level, level, 2 * nodes + 1)
    h = t[1] - t[0]
    x = np.exp(0.5 * np.pi * np.sinh(t))
    w = h * 0.5 * np.pi * np.cosh(t) * x
    return x, w


def _k12(w, t1, t2, omega):
    # coth(x) = 1 + 2 n(x), n(x) = 1/(e^{2x} - 1):  coth(a)coth(b) - 1 = 2 n_a + 2 n_b + 4 n_a n_b.
    # This form never overflows (n -> 0 or -1 at large |x|), unlike cosh/sinh ratios; ``bose``
    # clips |Re x| at 700, so far-tail values are exact and gradients finite.
    na = bose(1.0, 2.0 * (w + omega) / (2.0 * t1))
    nb = bose(1.0, 2.0 * w / (2.0 * t2))
    return 2.0 * na + 2.0 * nb + 4.0 * na * nb


def k12_quadrature(r: PoleSum, t1, t2, omega, r_direct=None, *, nodes=TS_NODES, level=TS_LEVEL, tail_level=ES_LEVEL):
    """int dw R(w) [coth((w+Omega)/2T1) coth(w/2T2) - 1] for any T1, T2 (see notes above).

    ``r_direct(ws) -> (M, *batch)`` optionally evaluates R on real nodes from its factors.
    Near the removable points R -> 0 while each pole term of the partial-fraction sum stays
    O(1); the factored form keeps full relative precision there (needed when Omega -> 0,
    where the two removable points merge into a double one).
    """
    tmin = jnp.minimum(t1, t2)
    poles, res = r.poles, r.residues
    extra = (None,) * (res.ndim - 1)
    near = jnp.abs(jnp.imag(poles)) < jnp.pi * tmin
    sgn = jnp.where(jnp.imag(poles) >= 0, 1.0, -1.0)
    mirror = jnp.real(poles) - 1j * sgn * jnp.pi * tmin
    # K12 at the poles that get subtracted (far from the Matsubara points i 2 pi n T)
    kp = jnp.where(near, _k12(jnp.where(near, poles, 1j * jnp.pi * tmin), t1, t2, omega), 0.0)
    sub_exact = _contract(res, 2j * jnp.pi * sgn * kp)

    def integrand(ws):
        ws = ws.astype(complex)
        # nodes that round exactly onto the removable points w = 0, -Omega would give 0*inf;
        # they carry weights ~1e-17 and are dropped (double-where keeps gradients finite)
        bad = (jnp.real(ws) == 0.0) | (jnp.real(ws) == -omega)
        ws_safe = jnp.where(bad, ws + 1.0, ws)
        rv = r.at(ws_safe) if r_direct is None else r_direct(jnp.real(ws_safe)).astype(complex)  # (M, *batch)
        kv = _k12(ws_safe, t1, t2, omega)
        main = jnp.where(bad[(...,) + extra], 0.0, rv * kv[(...,) + extra])
        d1 = 1.0 / (ws[:, None] - poles[None, :])
        d2 = 1.0 / (ws[:, None] - mirror[None, :])
        sub = jnp.tensordot((d1 - d2) * kp[None, :], res, axes=(1, 0))
        return main - sub

    # R is real on the real axis, so its poles come in conjugate pairs: the upper-half-plane
    # ones already give every distinct real part (half as many panels as all poles would)
    re_upper = jnp.sort(jnp.where(jnp.imag(poles) > 0, jnp.real(poles), jnp.inf))[: poles.shape[0] // 2]
    breaks = jnp.sort(jnp.concatenate([re_upper, jnp.stack([jnp.zeros(()), -jnp.asarray(omega, float)])]))
    left, right, wts = _tanh_sinh_unit(level, nodes)
    lo, hi = breaks[:-1], breaks[1:]
    length = hi - lo
    # nodes measured from the nearer end keep full relative precision near each breakpoint
    xs = jnp.where(
        left[None, :] <= 0.5,
        lo[:, None] + length[:, None] * left[None, :],
        hi[:, None] - length[:, None] * right[None, :],
    )
    ws_panel = (length[:, None] * wts[None, :]).reshape(-1)
    xe, we = _exp_sinh_unit(tail_level, nodes)
    scale = jnp.maximum(jnp.maximum(t1, t2), 1e-300)
    x_right = breaks[-1] + scale * xe
    x_left = breaks[0] - scale * xe
    xs_all = jnp.concatenate([xs.reshape(-1), x_right, x_left])
    weights = jnp.concatenate([ws_panel, scale * we, scale * we])
    vals = integrand(xs_all)
    total = jnp.tensordot(weights, vals, axes=(0, 0))
    return total + sub_exact
