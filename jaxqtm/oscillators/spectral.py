"""Spectral densities of the bath coupled through the modulated couplings (bath 1).

Each spectral density J(w) (odd, J >= 0 for w >= 0, mass m = 1) comes with the
retarded response of its fluctuating force, shifted to vanish at zero
frequency (seed 001, eqs. B11--B16):

    zeta(w) = chi_xi(w) - chi_xi(0),   Im zeta(w) = J(w),   zeta(w) = i w gamma(w),

with gamma(w) the Fourier transform of the memory-friction kernel. zeta is
analytic in the upper half plane; for rational J it is the rational function
with J as imaginary part and poles only in the lower half plane. We keep it
in pole--residue form (``PoleSum``); J, zeta' and zeta'' follow exactly.
"""

from __future__ import annotations

import abc

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array

from .._checks import Bound, as_real, bounds_hold, check_bounds, concrete, positive
from ._configuration import POLE_GAP_RTOL
from ._polesum import PoleSum, imag_part, real_part


class AbstractSpectralDensity(eqx.Module):
    """Base class: a bath spectral density with its retarded response."""

    @abc.abstractmethod
    def zeta(self) -> PoleSum:
        """Shifted retarded response zeta(w) in pole--residue form."""

    @abc.abstractmethod
    def J(self, w):
        """J(w) for real w (elementwise), from its closed form."""

    def J_continued(self, z):
        """Analytic continuation of J(w) (a rational function) to complex z, from its
        closed form; used to evaluate J at the poles of other factors without the
        cancellations of a partial-fraction sum."""
        return self.J(z)

    def zeta_re_continued(self, z):
        """Analytic continuation of zeta'(w) = Re zeta(w) (w real) to complex z."""
        return 0.5 * (self.zeta_of(z) + jnp.conj(self.zeta_of(jnp.conj(z))))

    def zeta_of(self, z):
        """zeta(z) from its closed form."""
        return self.zeta()(z)

    def damping_kernel(self, w):
        """Fourier transform of the memory-friction kernel, gamma(w) = gamma'(w) + i gamma''(w)
        = zeta(w) / (i w) (m = 1; eq. B15: gamma' = zeta''/w, gamma'' = -zeta'/w)."""
        w = jnp.asarray(w)
        return self.zeta_of(w + 0j) / (1j * w)

    def poles(self):
        """Poles of the retarded response zeta (lower half plane); J has these and their conjugates."""
        return self.zeta().poles

    def J_rational(self) -> PoleSum:
        return imag_part(self.zeta())

    def zeta_re_rational(self) -> PoleSum:
        return real_part(self.zeta())

    def bounds(self, name: str = "bath1") -> list[Bound]:
        """The parameters' allowed ranges, declared once for :meth:`validate` and :meth:`valid`."""
        return []

    def validate(self, name: str = "bath1") -> None:
        """Python-level checks on concrete parameters (raises ValueError naming the parameter)."""
        check_bounds(self.bounds(name), scalar=True)

    def valid(self):
        """Traced form of :meth:`validate` (boolean scalar), for the kernel's invalid flag."""
        return bounds_hold(self.bounds())


class Ohmic(AbstractSpectralDensity):
    """Strictly Ohmic J(w) = gamma w (no cut-off; memory-less friction)."""

    gamma: Array = eqx.field(converter=as_real("gamma"))

    def zeta(self):
        g = jnp.asarray(self.gamma, dtype=float)
        # zeta(w) = i gamma w: a pure polynomial
        poly = jnp.stack([jnp.zeros_like(g) + 0j, 1j * g])
        return PoleSum(poly, jnp.zeros((0,), complex), jnp.zeros((0,), complex))

    def J(self, w):
        return self.gamma * jnp.asarray(w)

    def zeta_of(self, z):
        return 1j * self.gamma * z

    def bounds(self, name="bath1"):
        # gamma = 0 decouples bath 1: no power flows and every TUR ratio is 0/0
        return [positive(f"{name}.gamma", self.gamma)]


class DrudeLorentz(AbstractSpectralDensity):
    """Drude--Lorentz J(w) = gamma w / (1 + w^2/omega_c^2) (seed 001, eq. 19).

    zeta(w) = i gamma w omega_c / (omega_c - i w) = -gamma omega_c + i gamma omega_c^2 / (w + i omega_c),
    so zeta' = -(w/omega_c) J and zeta'' = J (eq. B16).
    """

    gamma: Array = eqx.field(converter=as_real("gamma"))
    omega_c: Array = eqx.field(converter=as_real("omega_c"))

    def zeta(self):
        g = jnp.asarray(self.gamma, dtype=float)
        wc = jnp.asarray(self.omega_c, dtype=float)
        poly = jnp.stack([-g * wc + 0j])
        return PoleSum(poly, jnp.stack([-1j * wc]), jnp.stack([1j * g * wc**2]))

    def J(self, w):
        w = jnp.asarray(w)
        return self.gamma * w / (1.0 + (w / self.omega_c) ** 2)

    def zeta_of(self, z):
        return 1j * self.gamma * z * self.omega_c / (self.omega_c - 1j * z)

    def bounds(self, name="bath1"):
        return [positive(f"{name}.gamma", self.gamma), positive(f"{name}.omega_c", self.omega_c)]


class StructuredLorentzian(AbstractSpectralDensity):
    """Structured (peaked) J(w) = d gamma w / ((w^2 - omega_1^2)^2 + gamma^2 w^2) (slides, seed 000).

    The force response is that of a damped mode: chi_xi(w) = d / (omega_1^2 - w^2 - i gamma w),
    whose imaginary part is J; zeta = chi_xi - d/omega_1^2. Poles
    w_pm = -i gamma/2 +- sqrt(omega_1^2 - gamma^2/4) (lower half plane). The critically
    damped point gamma = 2 omega_1 (double pole) is rejected.
    """

    gamma: Array = eqx.field(converter=as_real("gamma"))
    omega_1: Array = eqx.field(converter=as_real("omega_1"))
    d: Array = eqx.field(converter=as_real("d"), default=1.0)

    def zeta(self):
        g = jnp.asarray(self.gamma, dtype=float)
        w1 = jnp.asarray(self.omega_1, dtype=float)
        d = jnp.asarray(self.d, dtype=float)
        s = jnp.sqrt(w1**2 - g**2 / 4 + 0j)
        wp, wm = -0.5j * g + s, -0.5j * g - s
        # d/(w1^2 - w^2 - i g w) = -d / ((w - wp)(w - wm))
        res = jnp.stack([-d / (wp - wm), -d / (wm - wp)])
        poly = jnp.stack([-d / w1**2 + 0j])
        return PoleSum(poly, jnp.stack([wp, wm]), res)

    def J(self, w):
        w = jnp.asarray(w)
        return self.d * self.gamma * w / ((w**2 - self.omega_1**2) ** 2 + self.gamma**2 * w**2)

    def zeta_of(self, z):
        return self.d / (self.omega_1**2 - z**2 - 1j * self.gamma * z) - self.d / self.omega_1**2

    def bounds(self, name="bath1"):
        return [
            positive(f"{name}.gamma", self.gamma),
            positive(f"{name}.omega_1", self.omega_1),
            positive(f"{name}.d", self.d),  # d = 0 decouples bath 1 (0/0 TUR ratios)
        ]

    @staticmethod
    def _pole_gap(g, w1, xp):
        """Relative distance of the two poles, 2|s| / |w_pm| (0 at critical damping); numpy for
        numpy values (the boundary check, also inside a trace), traced otherwise."""
        s = xp.sqrt(xp.asarray(w1**2 - g**2 / 4 + 0j))
        return 2.0 * xp.abs(s) / xp.maximum(xp.abs(-0.5j * g + s), xp.abs(-0.5j * g - s))

    def validate(self, name="bath1"):
        super().validate(name)
        vals = concrete((self.gamma, self.omega_1))
        if vals is None:
            return
        gap = float(self._pole_gap(float(vals[0]), float(vals[1]), np))
        if not gap >= POLE_GAP_RTOL:
            raise ValueError(
                f"{name}: gamma = {float(vals[0]):.6g} is within {gap:.2g} (relative pole gap) of critical "
                f"damping gamma = 2 omega_1 = {2 * float(vals[1]):.6g}, below the allowed {POLE_GAP_RTOL:g}: "
                "the nearly double pole would cost accuracy; move gamma away from 2 omega_1"
            )

    def valid(self):
        return super().valid() & (self._pole_gap(self.gamma, self.omega_1, jnp) >= POLE_GAP_RTOL)
