"""How bath 2 couples to the oscillators: the pattern C in M(w) = K - w^2 - i w gamma_2 C.

- :class:`Joint`: every oscillator on one common bath 2 (seed 001), C = all ones.
- :class:`Independent`: each oscillator on its own bath 2 (slides 000), C = identity.

The choice is structure (it fixes which matrix is built), so a configuration carries no
array leaves and is part of the static tree structure of a ``WorkingMedium``.
"""

from __future__ import annotations

import abc
from typing import ClassVar

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike

# Two frequencies of a joint medium closer than this (relative to the larger one) are
# resonant. The one definition behind both the boundary ValueError
# (``WorkingMedium.validate``) and the traced ``RESULTS.invalid_parameters`` flag.
RESONANCE_RTOL = 1e-6

# Two poles of chi within one coupled block closer than this (relative to the larger modulus)
# are flagged (critical damping, gamma_2 near 2 omega or its joint analogue): the pole-residue
# kernels divide by the gap and lose accuracy as ~3e-16 / gap^3 (measured against the mpmath
# reference near the joint critical point: 1e-11 at gap 3e-2, 3e-10 at 1e-2, 1e-8 at 3e-3).
POLE_GAP_RTOL = 1e-2


class AbstractConfiguration(eqx.Module):
    """How bath 2 couples to the N oscillators."""

    name: eqx.AbstractClassVar[str]
    # chi is diagonal (each oscillator its own damped mode): poles and residues in closed form
    diagonal: eqx.AbstractClassVar[bool]

    @abc.abstractmethod
    def coupling_pattern(self, n: int, xp=jnp) -> Array:
        """The (n, n) coupling pattern C of bath 2 (``xp=np`` for a numpy array)."""

    @abc.abstractmethod
    def resonant(self, omega: ArrayLike) -> Array | np.ndarray:
        """(N, N) boolean: pairs (i != j) whose frequencies leave no steady state.

        Traced for a JAX array, numpy for a numpy array (the boundary check inside a
        ``jit`` trace must not stage out operations)."""


class Joint(AbstractConfiguration):
    """Every oscillator couples to the same bath 2 (seed 001): C = all ones.

    Resonant frequencies, ``|omega_i - omega_j| <= RESONANCE_RTOL * max(omega_i, omega_j)``,
    are invalid: the relative coordinate is then a dissipation-free normal mode and there
    is no steady state (seed 001, sec. III).
    """

    name: ClassVar[str] = "joint"
    diagonal: ClassVar[bool] = False

    def coupling_pattern(self, n: int, xp=jnp) -> Array:
        return xp.ones((n, n))

    def resonant(self, omega: ArrayLike) -> Array | np.ndarray:
        xp = np if isinstance(omega, np.ndarray) else jnp
        om = xp.asarray(omega)
        n = om.shape[-1]
        gap = xp.abs(om[:, None] - om[None, :])
        scale = xp.maximum(om[:, None], om[None, :])
        return (gap <= RESONANCE_RTOL * scale) & ~xp.eye(n, dtype=bool)


class Independent(AbstractConfiguration):
    """Each oscillator couples to its own bath 2 (slides 000): C = identity. Any frequencies."""

    name: ClassVar[str] = "independent"
    diagonal: ClassVar[bool] = True

    def coupling_pattern(self, n: int, xp=jnp) -> Array:
        return xp.eye(n)

    def resonant(self, omega: ArrayLike) -> Array | np.ndarray:
        xp = np if isinstance(omega, np.ndarray) else jnp
        n = np.shape(omega)[-1]
        return xp.zeros((n, n), dtype=bool)
