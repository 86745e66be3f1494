"""The driven two-oscillator machine of seed 001: one parameter set -> every observable.

Conventions (hbar = k_B = m = 1): P_l > 0 is power injected into oscillator l by
its drive; J_nu > 0 is heat flowing from bath nu into the working medium; first
law P + J_1 + J_2 = 0; entropy production Sdot = -J_1/T_1 - J_2/T_2 >= 0.

To lowest order in bath 1 and all orders in bath 2 (seed 001, eqs. 13--18, B17--B20),
for one harmonic g_l = f_l cos(w t + phi_l) and every pair (l, l'):

  I^N_ll' = int dw'/4pi J_1(w'+w) N(w', w) chi''_ll'(w')                       (powers, 14/16)
  K_ll'   = int dw'/4pi [zeta''(w'+w) chi'_ll' coth((w'+w)/2T1)
                         + zeta'(w'+w) chi''_ll' coth(w'/2T2)]               (delta P, B18)
  H_ll'   = int dw'/4pi (w'+w) J_1(w'+w) N(w', w) chi''_ll'(w')                (heat, 17)
  D_ll'   = int dw'/4pi J_1(w'+w) [coth a coth b - 1] chi''_ll'(w')              (noise, 18/B20)

  P_l   = -w sum_l' f_l f_l' [cos(phi_l' - phi_l) I^N_ll' + sin(phi_l' - phi_l) K_ll']
  J_1   =  sum_ll' f_l f_l' cos(phi_l' - phi_l) H_ll'
  D_P_l =  w^2 f_l^2 D_ll,   D_P = w^2 sum_ll' f_l f_l' cos(phi_l' - phi_l) D_ll'

For N = 2, (f_A, f_B) and phi_B - phi_A = phi this is exactly eqs. (14)--(18), (B20);
for general periodic drives the harmonics add (see ``drives``).

Prefactors (our decision, pinned by tests): the powers' 1/(4 pi m) is right (it is
the absorbed power (f^2/2) w chi''_{x xi}(w) of the perturbation -f cos(wt) x xi).
The position correlations of eq. (12) need 1/(2 pi m), not 1/(4 pi m):
<x_l x_l'> = int dw/(2 pi) coth(w/2T2) chi''_ll'(w) (fluctuation--dissipation theorem
with chi = m chi_std), which gives equipartition T/omega^2 at high T and
coth(omega/2T)/(2 omega) at weak damping; eq. (12) as printed gives half of both.
Pearson coefficients do not depend on it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array

from .._checks import POINT_HINT, as_real, check_positive, check_scalar, check_type
from .._config import oscillator_compiler_options, top_level
from .._results import RESULTS, AbstractResult, finish, first_failure, message, name_of
from . import _integrals as I
from ._noise import AbstractNoiseIntegral, Auto
from ._polesum import PoleSum, imag_part, product_decaying, real_part
from .drives import AbstractDrive
from .medium import WorkingMedium
from .spectral import AbstractSpectralDensity

# Largest round-off bound (relative) of the powers, entropy production, noise (and heats, where
# eta_heat uses them) accepted as ok: beyond it the point is RESULTS.ill_conditioned. The bound
# is an upper estimate, 10-100x above the errors measured against mpmath (e.g. D_A off by 1.5e-10
# at a bound of 1.2e-9), so ok means "accurate to ~1e-9 or better"
BOUND_RTOL = 1e-8


class OscillatorMachine(eqx.Module):
    """Working medium + bath 1 (spectral density, temperature T1) + bath 2 (temperature T2)."""

    medium: WorkingMedium
    bath1: AbstractSpectralDensity
    T1: Array = eqx.field(converter=as_real("T1"))
    T2: Array = eqx.field(converter=as_real("T2"))

    def validate(self):
        """Python-level checks on concrete values (``ValueError`` naming the parameter)."""
        self.medium.validate()
        self.bath1.validate("bath1")
        for name in ("T1", "T2"):
            check_scalar(getattr(self, name), name, POINT_HINT)
            check_positive(getattr(self, name), name)

    def valid(self, chi_poles=None):
        """Traced form of the checks (boolean scalar): T1, T2 > 0, the medium's and the bath's
        conditions and every float leaf finite (``chi_poles``: see ``WorkingMedium.valid``)."""
        ok = (self.T1 > 0) & (self.T2 > 0) & self.medium.valid(chi_poles) & self.bath1.valid()
        for x in jax.tree_util.tree_leaves(self):
            if eqx.is_array_like(x):
                ok = ok & jnp.all(jnp.isfinite(jnp.asarray(x)))
        return ok


class Observables(AbstractResult):
    """Period-averaged observables of one parameter point (arrays over oscillators l where noted).

    ``result`` (a :class:`jaxqtm.RESULTS` item) says whether the point is valid:
    ``RESULTS.invalid_parameters`` (NaN observables), ``RESULTS.nonfinite`` or
    ``RESULTS.ill_conditioned`` (the round-off bound of a power, the entropy production, the noise
    or, where ``eta_heat`` is defined, the heats exceeds ``BOUND_RTOL = 1e-8`` relative); ``ok`` and
    ``status`` (its integer code, 0 = successful) are properties. ``J1``, ``J2`` alone can lose
    digits at Omega << omega without affecting the rest (``heat_error_bound`` says how many).
    """

    P0: Array  # (N,) P_l^(0)
    dP: Array  # (N,) delta P_l
    P_l: Array  # (N,) P_l = P_l^(0) + delta P_l
    P: Array  # total power
    J1: Array
    J2: Array
    Sdot: Array
    D_l: Array  # (N,) D_{P_l}
    D_P: Array
    Q_l: Array  # (N,) Q_{P_l}
    Q_P: Array
    V_l: Array  # (N,) generalised bound V_{P_l} = 2 (1 - Omega dP_l/dOmega / P_l)^2
    dP_l_dOmega: Array  # (N,)
    xx: Array  # (N, N) <x_l x_l'> (symmetrised, equilibrium of bath 2 at T2)
    pearson: Array  # (N, N) C_ll'
    pearson_like: Array  # (N, N) C~_ll' = <x_l x_l'>/<x_l x_l>  (eq. 25, row l)
    eta_work: Array  # -P_A / P_B where P_A < 0 < P_B (work-to-work converter, N = 2), else NaN
    eta_heat: Array  # -P / J_hot where P < 0 < J_hot (heat engine), else NaN
    first_law_residual: Array  # (P + J1 + J2)/(|P|+|J1|+|J2|) with J1 from its own integral
    heat_error_bound: Array  # round-off bound (absolute) of J1 and J2: judge the heats by it
    result: RESULTS

    def to_dict(self, names=("A", "B")):
        """Flat dict with the paper's names (P_A, Q_PA, ...), Python floats."""
        n = self.P_l.shape[-1]
        lab = list(names[:n]) if n <= len(names) else [str(i) for i in range(n)]
        out = {}
        for i, l in enumerate(lab):
            out[f"P_{l}0"] = float(self.P0[i])
            out[f"dP_{l}"] = float(self.dP[i])
            out[f"P_{l}"] = float(self.P_l[i])
            out[f"D_P{l}"] = float(self.D_l[i])
            out[f"Q_P{l}"] = float(self.Q_l[i])
            out[f"V_P{l}"] = float(self.V_l[i])
            out[f"dP_{l}_dOmega"] = float(self.dP_l_dOmega[i])
            for j, m in enumerate(lab):
                if j >= i:
                    out[f"xx_{l}{m}"] = float(self.xx[i, j])
        out.update(
            P=float(self.P),
            J1=float(self.J1),
            J2=float(self.J2),
            Sdot=float(self.Sdot),
            D_P=float(self.D_P),
            Q_P=float(self.Q_P),
            eta_heat=float(self.eta_heat),
            first_law_residual=float(self.first_law_residual),
            heat_error_bound=float(self.heat_error_bound),
        )
        if n == 2:
            out["pearson_C"] = float(self.pearson[0, 1])
            out["pearson_like_C_tilde"] = float(self.pearson_like[0, 1])
            out["eta_work"] = float(self.eta_work)
        code = int(self.status)
        out["status"] = code
        out["result"] = name_of(code)
        out["status_message"] = message(code) or "ok"
        return out


# ---------------------------------------------------------------------------
# Per-harmonic kernels
# ---------------------------------------------------------------------------


class _Rationals(eqx.Module):
    """Drive-frequency independent rational pieces of one machine."""

    chi_poles: Array  # the 2N poles of chi, in WorkingMedium.pole_groups order
    chi_im: PoleSum
    chi_re: PoleSum
    J: PoleSum
    zeta_re: PoleSum
    uJ: PoleSum  # u J(u)
    chi_im_w: PoleSum  # w chi''(w)
    bath1: AbstractSpectralDensity  # closed forms, evaluated at the poles of chi

    def j_at(self, w):
        return lambda z: self.bath1.J_continued(z + w)

    def uj_at(self, w):
        return lambda z: (z + w) * self.bath1.J_continued(z + w)

    def zre_at(self, w):
        return lambda z: self.bath1.zeta_re_continued(z + w)


def _rationals(machine: OscillatorMachine) -> _Rationals:
    j = machine.bath1.J_rational()
    chi = machine.medium.chi_rational()  # once: its parts below share the poles (and one eigen-solve)
    chi_im = imag_part(chi)
    return _Rationals(
        chi_poles=chi.poles,
        chi_im=chi_im,
        chi_re=real_part(chi),
        J=j,
        zeta_re=machine.bath1.zeta_re_rational(),
        uJ=j.times_w(),
        chi_im_w=chi_im.times_w(),
        bath1=machine.bath1,
    )


class _NoiseFactors(eqx.Module):
    """R(w') = J_1(w' + w) chi''(w') evaluated from its factors on real nodes, (M,) -> (M, N, N)
    (a pytree, so that noise strategies can differentiate through it)."""

    machine: OscillatorMachine
    w: Array

    def __call__(self, ws):
        j = self.machine.bath1.J(ws + self.w)
        assert j is not None
        chi_im = jnp.imag(self.machine.medium.chi_many(ws + 0j))
        return j[:, None, None] * chi_im


def _r_noise_direct(machine: OscillatorMachine, w) -> _NoiseFactors:
    return _NoiseFactors(machine, jnp.asarray(w, dtype=float))


def _power_kernels(rat: _Rationals, t1, t2, w):
    """R = J(w'+w) chi'' (reused by the heats and the noise), the I^N and K matrices (divided by
    4 pi) for drive frequency w, and the round-off bounds (``_integrals.contract_bound``, no
    gradient) of I^N and K."""
    c = 1.0 / (4.0 * jnp.pi)
    r_p = product_decaying(rat.J.shift(w), rat.chi_im, rat.j_at(w))
    # J(w'+w) chi' has the poles of r_p (chi' and chi'' both carry chi's poles and their conjugates)
    r_k1 = product_decaying(rat.J.shift(w), rat.chi_re, rat.j_at(w))
    (i_n, e_n), (k1, e_k1) = I.n_and_coth_integrals_and_bounds(r_p, r_k1, t1, t2, w)
    k2, e_k2 = I.coth_integral_and_bound(product_decaying(rat.zeta_re.shift(w), rat.chi_im, rat.zre_at(w)), t2, 0.0)
    bounds = jax.lax.stop_gradient((e_n * c, (e_k1 + e_k2) * c))
    return r_p, jnp.real(i_n) * c, jnp.real(k1 + k2) * c, bounds


def _kernels(rat: _Rationals, r_p: PoleSum, t1, t2, w, noise: AbstractNoiseIntegral, r_direct=None):
    """(H, H2, D) matrices for drive frequency w (each divided by 4 pi) and the round-off bounds
    (``_integrals.contract_bound``, no gradient) of D and H2; ``r_p`` = J(w'+w) chi'' from
    ``_power_kernels`` (the power kernels and their bounds are there, differentiated in Omega).

    H uses (w'+w) J(w'+w) and H2 = int dw'/4pi J(w'+w) N w' chi''(w') uses the bath-2 energy w';
    H = w I^N + H2 identically, so the two give independent evaluations of the first law. Both
    products have the poles of ``r_p`` (those of J shifted, then chi's), so one stacked
    contraction evaluates both (one set of digamma transforms)."""
    c = 1.0 / (4.0 * jnp.pi)
    r_h = product_decaying(rat.uJ.shift(w), rat.chi_im, rat.uj_at(w))
    r_h2 = product_decaying(rat.J.shift(w), rat.chi_im_w, rat.j_at(w))
    res = jnp.stack([r_h.residues, r_h2.residues], axis=1)
    both = PoleSum(jnp.zeros((0,) + res.shape[1:], res.dtype), r_p.poles, res)
    hh, e_hh = I.n_integral_and_bound(both, t1, t2, w)
    d, e_d = noise.integral_and_bound(r_p, t1, t2, w, r_direct)
    bounds = jax.lax.stop_gradient((e_d * c, e_hh[1] * c))
    return (*(jnp.real(x) * c for x in (hh[0], hh[1], d)), bounds)


def _power_parts(kern_n, kern_k, w, f, phi):
    """P^(0)_l and delta P_l for one harmonic."""
    dphi = phi[None, :] - phi[:, None]  # phi_l' - phi_l
    ff = f[:, None] * f[None, :]
    p0 = -w * jnp.sum(ff * jnp.cos(dphi) * kern_n, axis=1)
    dp = -w * jnp.sum(ff * jnp.sin(dphi) * kern_k, axis=1)
    return p0, dp


def _powers(rat, t1, t2, drive: AbstractDrive, omega):
    """P^(0)_l, delta P_l summed over harmonics; per harmonic R = J(w'+w) chi'' and the bounds
    of the power kernels (reused by ``_kernels``)."""
    n, f, phi = drive.harmonics(omega)

    def one(nh, fh, ph):
        w = nh * omega
        r_p, i_n, k, bounds = _power_kernels(rat, t1, t2, w)
        return _power_parts(i_n, k, w, fh, ph), r_p, bounds

    (p0, dp), r_p, bounds = jax.vmap(one)(n, f, phi)
    return (p0.sum(0), dp.sum(0)), (r_p, bounds)


def _validity(machine: OscillatorMachine, drive: AbstractDrive, omega, noise: AbstractNoiseIntegral, chi_poles):
    """Traced validity of one point: the same conditions as the boundary checks."""
    omega = jnp.asarray(omega)
    ok = machine.valid(chi_poles) & drive.valid() & (omega > 0) & jnp.isfinite(omega)
    return ok & noise.valid(machine.T1, machine.T2)


def _observables(machine: OscillatorMachine, drive: AbstractDrive, omega, noise: AbstractNoiseIntegral):
    rat = _rationals(machine)  # (the medium does not depend on T2, replaced below)
    valid = _validity(machine, drive, omega, noise, rat.chi_poles)
    if noise.isothermal:
        # isothermal machine at T = T1: T2 is not used, and derivatives with respect to T1
        # are taken along T1 = T2 = T (use noise=Auto() or TanhSinh() for separate T1, T2 gradients)
        machine = dataclasses.replace(machine, T2=machine.T1)
    t1, t2 = machine.T1, machine.T2
    n, f, phi = drive.harmonics(omega)

    # the powers and, by forward-mode differentiation in Omega (weights included), dP_l/dOmega
    # (R = J(w'+w) chi'' and the power kernels' bounds per harmonic ride along as primal outputs)
    ((p0, dp), (r_p, (e_n, e_k))), ((dp0_do, ddp_do), _) = jax.jvp(
        lambda om: _powers(rat, t1, t2, drive, om), (omega,), (jnp.ones_like(omega),)
    )
    p_l = p0 + dp
    dpdo = dp0_do + ddp_do

    def one(nh, fh, ph, r_p, e_n, e_k):
        w = nh * omega
        kh, kh2, kd, (e_d, e_h2) = _kernels(rat, r_p, t1, t2, w, noise, _r_noise_direct(machine, w))
        dphi = ph[None, :] - ph[:, None]
        cosd = jnp.cos(dphi)
        ff = fh[:, None] * fh[None, :]
        j1 = jnp.sum(ff * cosd * kh)
        j2 = -jnp.sum(ff * cosd * kh2)
        d_l = w**2 * fh**2 * jnp.diagonal(kd)
        d_p = w**2 * jnp.sum(ff * cosd * kd)
        # the bounds through the same linear combinations (absolute values of the coefficients)
        aff = jnp.abs(ff)
        e_p = jnp.abs(w) * (jnp.sum(aff * jnp.abs(cosd) * e_n, 1) + jnp.sum(aff * jnp.abs(jnp.sin(dphi)) * e_k, 1))
        err = (w**2 * fh**2 * jnp.diagonal(e_d), w**2 * jnp.sum(aff * jnp.abs(cosd) * e_d), e_p)
        return j1, j2, d_l, d_p, err + (jnp.sum(aff * jnp.abs(cosd) * e_h2),)

    j1_direct, j2, d_l, d_p, (d_l_err, d_p_err, e_p, e_j2) = jax.vmap(one)(n, f, phi, r_p, e_n, e_k)
    j1_direct, j2, d_l, d_p = j1_direct.sum(), j2.sum(), d_l.sum(0), d_p.sum()
    e_p, e_j2 = e_p.sum(0), e_j2.sum()
    # accuracy self-check: each quantity's round-off bound against its value (BOUND_RTOL)
    ill = jnp.any(d_l_err.sum(0) > BOUND_RTOL * jnp.abs(d_l)) | (d_p_err.sum() > BOUND_RTOL * jnp.abs(d_p))

    p_tot = jnp.sum(p0)
    # J2 from its own integral (bath-2 energy w'); J1 from the first law. The direct J1
    # integral (bath-1 energy w'+w) only serves the first-law diagnostic: its rational
    # factor w J(w) has a large constant part when omega_c >> 1 and loses digits.
    j1 = -p_tot - j2
    # J2 (and J1 = -P - J2) can lose digits at Omega << omega (their terms cancel) where P and Sdot
    # do not: Sdot = P/T1 + J2 (1/T1 - 1/T2), so J2's bound enters it only through 1/T1 - 1/T2; the
    # heats' own bound is reported (heat_error_bound) and flags only where eta_heat uses them
    e_heat = jnp.sum(e_p) + e_j2
    e_sdot = jnp.sum(e_p) / t1 + jnp.abs(1.0 / t1 - 1.0 / t2) * e_j2
    first_law = (p_tot + j1_direct + j2) / jnp.maximum(jnp.abs(p_tot) + jnp.abs(j1_direct) + jnp.abs(j2), 1e-300)
    sdot = -j1 / t1 - j2 / t2
    ill = ill | jnp.any(e_p > BOUND_RTOL * jnp.abs(p_l)) | (e_sdot > BOUND_RTOL * jnp.abs(sdot))
    q_l = sdot * d_l / p_l**2
    q_p = sdot * d_p / p_tot**2
    v_l = 2.0 * (1.0 - omega * dpdo / p_l) ** 2

    xx = jnp.real(I.coth_integral(rat.chi_im, t2, 0.0)) / (2.0 * jnp.pi)
    dg = jnp.diagonal(xx)
    pearson = xx / jnp.sqrt(dg[:, None] * dg[None, :])
    pearson_like = xx / dg[:, None]
    # efficiencies only where the machine works as the named device, NaN elsewhere
    if p_l.shape[0] == 2:
        eta_work = jnp.where((p_l[0] < 0) & (p_l[1] > 0), -p_l[0] / p_l[1], jnp.nan)
    else:
        eta_work = jnp.nan
    j_hot = jnp.where(t1 >= t2, j1, j2)
    eta_heat = jnp.where((p_tot < 0) & (j_hot > 0), -p_tot / j_hot, jnp.nan)
    ill = ill | (jnp.isfinite(eta_heat) & (e_heat > BOUND_RTOL * jnp.abs(j_hot)))

    # every reported number of a valid point must be finite (the efficiencies are NaN by
    # definition outside their device region); a 0/0 TUR ratio is a failed point, not "ok"
    finite = jnp.all(jnp.stack([jnp.all(jnp.isfinite(x)) for x in (p_l, j1, j2, d_l, d_p, xx, dpdo, q_l, q_p, v_l)]))
    fields = (
        p0,
        dp,
        p_l,
        p_tot,
        j1,
        j2,
        sdot,
        d_l,
        d_p,
        q_l,
        q_p,
        v_l,
        dpdo,
        xx,
        pearson,
        pearson_like,
        jnp.asarray(eta_work),
        eta_heat,
        first_law,
        e_heat,
    )
    # flagged points carry NaN, never silent numbers
    fields = [jnp.where(valid, x, jnp.nan) for x in fields]
    result = first_failure(
        (~valid, RESULTS.invalid_parameters), (~finite, RESULTS.nonfinite), (ill, RESULTS.ill_conditioned)
    )
    return Observables(*fields, result=result)


def compiler_options() -> dict | None:
    """XLA compile options for programs built around :func:`observables`, e.g.
    ``jax.jit(jax.vmap(f), compiler_options=osc.compiler_options())``: the classic CPU fusion
    emitters, which compile the oscillator kernels 1.4-1.6x faster for the same run time (an outer
    ``jit`` ignores the options of the ``observables`` call inside it). ``None`` where they do not
    apply (``JAXQTM_XLA_DEFAULTS=0``, a jaxlib not known to have the option, or the user's own
    ``--xla_cpu_use_fusion_emitters`` in ``XLA_FLAGS``)."""
    return oscillator_compiler_options()


_observables_jit = eqx.filter_jit(_observables)
# JAX accepts compile options only on a top-level jit: called from inside a user's jit/vmap/grad the
# plain one is used (the user's own jit can pass compiler_options())
_JIT_OPTIONS: dict[str, Any] = {"compiler_options": compiler_options()}
_observables_jit_top = eqx.filter_jit(_observables, **_JIT_OPTIONS)


def observables(
    machine: OscillatorMachine,
    drive: AbstractDrive,
    omega_drive,
    *,
    noise: AbstractNoiseIntegral = Auto(),
    throw: bool = True,
) -> Observables:
    """Every period-averaged observable of the driven oscillator machine at one parameter point.

    **Arguments:**
    - ``machine``: ``OscillatorMachine`` (working medium, bath-1 spectral density, T1, T2).
    - ``drive``: a ``Drive`` (``Monochromatic``, ``PowerLawWeights``, ``FourierDrive``).
    - ``omega_drive``: the drive frequency Omega > 0.
    - ``noise``: how the noise kernel is integrated. ``Auto()`` (default): exact where
      T1 == T2, the two-temperature Matsubara series elsewhere, decided per point at run time
      (separate T1, T2 derivatives everywhere). ``ExactIsothermal()``: T1 == T2 required, the
      machine is evaluated at T = T1 (derivatives along T1 = T2), the fastest path.
      ``MatsubaraSum()``: always the series (~1e-13, fixed cost). ``TanhSinh(...)``: always the
      tanh-sinh quadrature (~1e-13, ~8x the cost; the independent cross-check).
    - ``throw``: with ``True`` (default) a failed point raises (``jaxqtm._results.ResultError``
      for concrete inputs, an ``eqx.error_if`` runtime error under ``jit``/``vmap``); with
      ``False`` the result comes back flagged: ``result`` is ``RESULTS.invalid_parameters``
      (NaN observables) or ``RESULTS.nonfinite``. Batched work passes ``throw=False``.

    **Returns:** an ``Observables``.

    One code path for concrete and traced inputs: concrete values are first checked in Python
    (``ValueError`` naming the parameter and its allowed range; traced values are skipped
    there), then the same jit-compiled kernel runs. Works under ``jit``, ``vmap`` and ``grad``
    (with respect to every float leaf of ``machine``, ``drive`` and ``omega_drive``).
    """
    check_type(machine, "machine", OscillatorMachine)
    check_type(drive, "drive", AbstractDrive)
    check_type(noise, "noise", AbstractNoiseIntegral)
    omega_drive = as_real("Omega (drive frequency)")(omega_drive)
    machine.validate()
    drive.validate(machine.medium.n)
    check_scalar(omega_drive, "Omega (drive frequency)", POINT_HINT)
    check_positive(omega_drive, "Omega (drive frequency)")
    noise.check(machine.T1, machine.T2)
    kernel = _observables_jit_top if top_level() else _observables_jit
    out = kernel(machine, drive, omega_drive, noise)
    return finish(out, throw=throw, what="jaxqtm.oscillators.observables")
