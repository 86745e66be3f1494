"""Periodic modulations g_1^(l)(t) of the couplings to bath 1.

To lowest order in bath 1, and after the period average, different harmonics
of the drive do not mix: the period-averaged kernels only contain
< g_l(t) g_l'(t - tau) >_t and < d/dt g_l(t) g_l'(t - tau) >_t, and for
g_l(t) = sum_n f_n^l cos(n Omega t + phi_n^l) these averages are sums over n of
the monochromatic ones (cross terms n != n' average to zero). Every observable
(P, J, D) is therefore a sum over harmonics of the monochromatic result at
drive frequency n Omega with amplitudes f_n^l and phases phi_n^l
(tests/oscillators/test_api.py checks the decomposition of the averages
against a direct time-domain evaluation).

A drive exposes ``harmonics(Omega) -> (n, f, phi)`` with shapes (H,), (H, N), (H, N).
"""

from __future__ import annotations

import abc

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array

from .._checks import Bound, as_real, bounds_hold, check_bounds, concrete, finite, positive


class AbstractDrive(eqx.Module):
    @abc.abstractmethod
    def harmonics(self, omega_drive) -> tuple[Array, Array, Array]:
        """(n (H,), f (H, N), phi (H, N)): g_l(t) = sum_h f[h,l] cos(n[h] Omega t + phi[h,l])."""

    def bounds(self) -> list[Bound]:
        """The parameters' allowed ranges, declared once for :meth:`validate` and :meth:`valid`."""
        return []

    def validate(self, n_osc: int) -> None:
        """Python-level checks on concrete values (shapes against ``n_osc``; ``ValueError``)."""
        check_bounds(self.bounds())

    def valid(self):
        """Traced form of the value checks (boolean scalar), for the kernel's invalid flag."""
        return bounds_hold(self.bounds())

    def signal(self, t, omega_drive):
        """g_l(t) on a time grid: (T,) -> (T, N)."""
        n, f, phi = self.harmonics(omega_drive)
        ph = n[None, :, None] * omega_drive * jnp.asarray(t)[:, None, None] + phi[None]
        return jnp.sum(f[None] * jnp.cos(ph), axis=1)


class Monochromatic(AbstractDrive):
    """g_l(t) = f_l cos(Omega t + phi_l) (seed 001, eq. 2: f = (f_A, f_B), phi = (0, phi)).

    ``weights`` are fixed numbers f_l; for Omega-dependent weights use ``PowerLawWeights``.
    """

    weights: Array
    phases: Array

    def __init__(self, weights, phases):
        self.weights = as_real("weights")(weights)
        self.phases = as_real("phases")(phases)

    def harmonics(self, omega_drive):
        return jnp.ones((1,)), self.weights[None, :], self.phases[None, :]

    def bounds(self):
        return [finite("weights", self.weights), finite("phases", self.phases)]

    def validate(self, n_osc):
        _check_shape(self.weights, (n_osc,), "weights")
        _check_shape(self.phases, (n_osc,), "phases")
        super().validate(n_osc)
        w = concrete(self.weights)
        if w is not None and np.all(w == 0):
            raise ValueError("drive weights are all zero: the drive has no harmonics")

    def valid(self):
        return super().valid() & jnp.any(self.weights != 0)


class PowerLawWeights(AbstractDrive):
    """The paper's family: f_A = 1, f_B = (Omega/omega_c)^r, phases (0, phi) (seed 001, sec. IV).

    The weights depend on Omega, so dP/dOmega in the generalised bound V (eq. 26)
    includes their derivative (giving V -> 2 r^2 in the diabatic limit).
    """

    phi: Array = eqx.field(converter=as_real("phi"))
    r: Array = eqx.field(converter=as_real("r"))
    omega_c: Array = eqx.field(converter=as_real("omega_c"))

    def harmonics(self, omega_drive):
        fb = (omega_drive / self.omega_c) ** self.r
        f = jnp.stack([jnp.ones_like(fb), fb])[None, :]
        phi = jnp.stack([jnp.zeros_like(jnp.asarray(self.phi, float)), jnp.asarray(self.phi, float)])[None, :]
        return jnp.ones((1,)), f, phi

    def validate(self, n_osc):
        if n_osc != 2:
            raise ValueError(f"PowerLawWeights drives exactly two oscillators (A, B); the medium has {n_osc}")
        check_bounds(self.bounds(), scalar=True)

    def bounds(self):
        return [
            finite("phi", self.phi),
            positive("r", self.r, allow_zero=True),
            positive("omega_c (of the drive weights)", self.omega_c),
        ]


class FourierDrive(AbstractDrive):
    """General periodic drive g_l(t) = sum_{n=1}^{H} a[n-1, l] cos(n Omega t) + b[n-1, l] sin(n Omega t).

    a cos x + b sin x = |c| cos(x + phase) with |c| = sqrt(a^2 + b^2), phase = -atan2(b, a).
    A constant (n = 0) term does not modulate the coupling and carries no power; it is
    not part of this parametrisation.
    """

    a: Array
    b: Array

    def __init__(self, a, b):
        self.a = jnp.atleast_2d(as_real("a")(a))
        self.b = jnp.atleast_2d(as_real("b")(b))

    def harmonics(self, omega_drive):
        h = self.a.shape[0]
        n = jnp.arange(1, h + 1, dtype=float)
        # amplitude with a NaN-safe gradient at a = b = 0 (double-where)
        sq = self.a**2 + self.b**2
        safe = jnp.where(sq > 0, sq, 1.0)
        f = jnp.where(sq > 0, jnp.sqrt(safe), 0.0)
        phi = -jnp.arctan2(jnp.where(sq > 0, self.b, 0.0), jnp.where(sq > 0, self.a, 1.0))
        return n, f, phi

    def validate(self, n_osc):
        if self.a.shape != self.b.shape:
            raise ValueError(
                f"Fourier coefficients a and b must have the same shape, got {self.a.shape} and {self.b.shape}"
            )
        if self.a.shape[1] != n_osc:
            raise ValueError(
                f"Fourier coefficients must have shape (H, {n_osc}) (harmonics x oscillators), got {self.a.shape}"
            )
        super().validate(n_osc)
        a, b = concrete(self.a), concrete(self.b)
        if a is not None and b is not None and np.all(a == 0) and np.all(b == 0):
            raise ValueError("FourierDrive has no harmonics: all coefficients a, b are zero")

    def bounds(self):
        return [finite("a", self.a), finite("b", self.b)]

    def valid(self):
        return super().valid() & (jnp.any(self.a != 0) | jnp.any(self.b != 0))


def _check_shape(x, shape, name):
    if tuple(np.shape(x)) != tuple(shape):
        raise ValueError(f"{name} must have shape {shape}, got {np.shape(x)}")
