"""Bath spectral densities and thermal transition rates of the GKSL core."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from .._checks import Bound, nonnegative, positive


class AbstractSpectralDensity(eqx.Module):
    """A bath spectral density ``J(w)``, extended to ``w < 0`` as an odd function.

    Subclasses implement :meth:`over_omega` = ``J(w)/w`` (even, finite at 0):
    working with ``J(w)/w`` keeps the rate finite and differentiable at ``w = 0``.
    """

    def over_omega(self, w):
        raise NotImplementedError

    def bounds(self, name: str = "spectral_density") -> list[Bound]:
        """Allowed parameter ranges (checked concretely by :func:`global_model`, traced in the
        model's validity flag)."""
        return []

    def __call__(self, w):
        return w * self.over_omega(w)


class OhmicCutoff(AbstractSpectralDensity):
    """``J(w) = strength * w * cutoff^2 / (w^2 + cutoff^2)`` (seed 004, eqs. A16--A17)."""

    strength: jax.Array | float
    cutoff: jax.Array | float

    def over_omega(self, w):
        return self.strength * self.cutoff**2 / (w**2 + self.cutoff**2)

    def bounds(self, name="spectral_density"):
        # strength 0 is a decoupled bath (zero rates, allowed); a negative one flips every rate
        return [nonnegative(f"{name}.strength", self.strength), positive(f"{name}.cutoff", self.cutoff)]


class OhmicExponential(AbstractSpectralDensity):
    """``J(w) = strength * w * exp(-|w| / cutoff)``."""

    strength: jax.Array | float
    cutoff: jax.Array | float

    def over_omega(self, w):
        return self.strength * jnp.exp(-jnp.abs(w) / self.cutoff)

    def bounds(self, name="spectral_density"):
        return [nonnegative(f"{name}.strength", self.strength), positive(f"{name}.cutoff", self.cutoff)]


def _x_over_one_minus_exp(x):
    """``x / (1 - exp(-x))`` with its removable singularity at 0 (double-where)."""
    small = jnp.abs(x) < 1e-8
    xs = jnp.where(small, 1.0, x)
    val = xs / (-jnp.expm1(-xs))
    return jnp.where(small, 1.0 + 0.5 * x, val)


def thermal_rate(spectral_density: AbstractSpectralDensity, beta, w):
    """Downward rate ``gamma(w) = J(w) [1 + n_beta(w)]`` for every real ``w``.

    ``w > 0``: the system loses energy ``w`` to the bath; ``w < 0``: absorbs
    ``|w|``, with ``gamma(-w) = exp(-beta w) gamma(w)`` (KMS) because ``J`` is odd.
    ``gamma(0) = T * lim J(w)/w``.  Written as ``(J/w) * T * x/(1-e^{-x})``,
    ``x = beta w``, so it is finite and NaN-free (values and gradients) at 0.
    """
    x = beta * w
    return spectral_density.over_omega(w) / beta * _x_over_one_minus_exp(x)
