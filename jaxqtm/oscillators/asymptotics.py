"""Adiabatic (Omega -> 0) and diabatic (Omega >> omega_l, omega_c) expansion coefficients,
seed 001 appendix D, eqs. (D1)--(D10), evaluated exactly (same residue machinery).

Conventions as in the paper: phi = pi/2, f_A = 1; coefficients for oscillator l = A, B
(index 0, 1 of the medium). With these,

  P_l^(0) -> Omega^2 f_l^2 alpha_ad[l],    delta P_l -> Omega f_A f_B dalpha_ad[l]          (21)
  D_P_l   -> Omega^2 f_l^2 d_ad[l]                                                      (D5)
  P_l^(0) -> Omega J_1(Omega) f_l^2 alpha_dia[l]                                           (23)
  delta P_l -> Omega f_A f_B J_1(Omega) [dalpha_dia[l] Omega/omega_c + dbeta_dia[l]]        (D8)
  D_P_l   -> Omega^2 f_l^2 J_1(Omega) coth(Omega/2T_1) alpha_dia[l]                         (D10)

alpha_ad is the Omega-derivative at 0 of the exact power kernel (forward-mode AD of the
digamma formula equals (D2) term by term).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array

from .._checks import check_type
from .._results import RESULTS, AbstractResult, finish, first_failure
from . import _integrals as I
from ._polesum import product_decaying
from .machine import OscillatorMachine, _r_noise_direct, _rationals


class AsymptoticCoefficients(AbstractResult):
    """Coefficients of appendix D; ``result`` flags invalid machines (NaN coefficients)."""

    alpha_ad: Array  # (N,)
    dalpha_ad: Array  # (2,)  (+/- for A/B)
    d_ad: Array  # (N,)
    alpha_dia: Array  # (N,)
    dalpha_dia: Array  # (2,)
    dbeta_dia: Array  # (2,)  coefficient of coth(Omega/2T1), see (D9): dbeta = coth(Omega/2T1) * dbeta_dia
    result: RESULTS


def asymptotic_coefficients(machine: OscillatorMachine, *, throw: bool = True) -> AsymptoticCoefficients:
    """Coefficients of appendix D for a two-oscillator machine (phi = pi/2).

    Concrete parameters are checked in Python (``ValueError``); under tracing an invalid
    machine comes back with ``result = RESULTS.invalid_parameters`` and NaN coefficients
    (raising instead with ``throw=True``, the default).
    """
    check_type(machine, "machine", OscillatorMachine)
    if machine.medium.n != 2:
        raise ValueError(f"asymptotic_coefficients needs a two-oscillator medium (A, B); it has {machine.medium.n}")
    machine.validate()
    return finish(_asymptotic_coefficients(machine), throw=throw, what="jaxqtm.oscillators.asymptotic_coefficients")


@eqx.filter_jit
def _asymptotic_coefficients(machine: OscillatorMachine) -> AsymptoticCoefficients:
    t1, t2 = machine.T1, machine.T2
    rat = _rationals(machine)
    c = 1.0 / (4.0 * jnp.pi)

    def i_n(w):
        r = product_decaying(rat.J.shift(w), rat.chi_im, rat.j_at(w))
        return jnp.real(jnp.diagonal(I.n_integral(r, t1, t2, w))) * c

    # P_l^(0) = -Omega f^2 I^N_ll(Omega), I^N(0) = 0 for T1 = T2  -> alpha_ad = -dI^N/dOmega(0) (D2).
    # For T1 != T2, I^N(0) != 0 and P^(0) starts at order Omega; (D1) then refers to the Omega^2 term.
    _, di = jax.jvp(i_n, (jnp.zeros(()),), (jnp.ones(()),))
    alpha_ad = -di

    k1 = I.coth_integral(product_decaying(rat.J, rat.chi_re, rat.j_at(0.0)), t1, 0.0)
    k2 = I.coth_integral(product_decaying(rat.zeta_re, rat.chi_im, rat.zre_at(0.0)), t2, 0.0)
    k_ab = jnp.real(k1 + k2)[0, 1] * c
    dalpha_ad = jnp.stack([-k_ab, k_ab])  # (D4): delta P_{A/B} = -/+ Omega f_A f_B K_AB

    r0 = product_decaying(rat.J, rat.chi_im, rat.j_at(0.0))
    d_ad = jnp.real(jnp.diagonal(I.k12_quadrature(r0, t1, t2, 0.0, _r_noise_direct(machine, 0.0)))) * c  # (D5)

    xx4 = jnp.real(I.coth_integral(rat.chi_im, t2, 0.0)) * c  # int dw/4pi coth(w/2T2) chi''
    alpha_dia = jnp.diagonal(xx4)  # (D7)
    dalpha_dia = jnp.stack([xx4[0, 1], -xx4[0, 1]])  # (D9), first line: +/- for A/B
    plain = jnp.real(I.plain_integral(rat.chi_re))[0, 1] * c
    dbeta_dia = jnp.stack([-plain, plain])  # (D9), second line without its coth(Omega/2T1)
    fields = (alpha_ad, dalpha_ad, d_ad, alpha_dia, dalpha_dia, dbeta_dia)
    valid = machine.valid(rat.chi_poles)
    finite = jnp.all(jnp.stack([jnp.all(jnp.isfinite(x)) for x in fields]))
    fields = [jnp.where(valid, x, jnp.nan) for x in fields]
    return AsymptoticCoefficients(
        *fields, result=first_failure((~valid, RESULTS.invalid_parameters), (~finite, RESULTS.nonfinite))
    )
