"""Two interacting bosonic reservoirs (seed 002): the model and its constructors.

    H = sum_ij h1_ij a_i^dag a_j + sum_kl h2_kl b_k^dag b_l + sum_ik (g_ik a_i^dag b_k + h.c.)

is quadratic and number conserving, so everything follows from the single-particle matrix
h = [[h1, g], [g^dag, h2]].  The initial state is the product of the Gibbs states of H_1 and
H_2 at temperatures T1 and T2.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._checks import (
    as_real,
    bounds_hold,
    check_finite,
    check_hermitian,
    check_int,
    check_range,
    check_square,
    concrete,
    finite,
    nonnegative,
)
from .._numerics import is_traced


class ReservoirModel(eqx.Module):
    """Single-particle data of the two reservoirs (build with :func:`reservoir_model`).

    **Fields:** ``h1`` (N1, N1) and ``h2`` (N2, N2) Hermitian, ``g`` (N1, N2) inter-reservoir
    coupling, ``T1``, ``T2`` initial temperatures (scalars, >= 0).  All complex128 / float64.
    """

    h1: jax.Array
    h2: jax.Array
    g: jax.Array
    T1: jax.Array
    T2: jax.Array

    def valid(self) -> jax.Array:
        """Traced form of the builder's value checks (boolean scalar): T1, T2 >= 0 and every
        entry finite (positive definiteness at T > 0 shows up as a non-finite Gibbs state)."""
        return bounds_hold(
            [nonnegative("T1", self.T1), nonnegative("T2", self.T2)]
            + [finite(k, getattr(self, k), real=False) for k in ("h1", "h2", "g")]
        )

    @property
    def n1(self) -> int:
        return self.h1.shape[-1]

    @property
    def n2(self) -> int:
        return self.h2.shape[-1]

    def full_hamiltonian(self):
        """The (N1+N2, N1+N2) single-particle matrix h = [[h1, g], [g^dag, h2]]."""
        top = jnp.concatenate([self.h1, self.g], axis=-1)
        bot = jnp.concatenate([jnp.conj(self.g.T), self.h2], axis=-1)
        return jnp.concatenate([top, bot], axis=-2)


def _check_square_hermitian(m, name):
    check_square(m, name)
    if m.shape[0] < 1:
        raise ValueError(f"{name} must be a square (N, N) matrix with N >= 1, got shape {m.shape}")
    check_finite(m, name)
    check_hermitian(m, name, tol=1e-12)


def reservoir_model(h1, h2, g, T1, T2) -> ReservoirModel:
    """Build and validate a :class:`ReservoirModel`.

    **Arguments:**
    - ``h1``: (N1, N1) Hermitian single-particle Hamiltonian of reservoir 1.
    - ``h2``: (N2, N2) Hermitian single-particle Hamiltonian of reservoir 2.
    - ``g``: (N1, N2) couplings, H_I = sum_ik g_ik a_i^dag b_k + h.c.
    - ``T1``, ``T2``: initial temperatures, >= 0 (0 means the vacuum).  For T > 0 the
      corresponding h must be positive definite (a bosonic Gibbs state exists).

    Raises ``ValueError`` naming the offending parameter, its value and the allowed range.
    Checks that need values are skipped for traced inputs (inside ``jit``/``vmap``), so the
    builder is transformable; there a non-finite input shows up as ``RESULTS.nonfinite`` in the
    results of :func:`energetics` and :func:`time_local_generator`.
    """
    for name, v in (("h1", h1), ("h2", h2), ("g", g)):
        concrete(v, name)  # a TypeError naming it for anything non-numeric (a string, an object)
    h1 = jnp.asarray(h1, dtype=jnp.complex128)
    h2 = jnp.asarray(h2, dtype=jnp.complex128)
    g = jnp.asarray(g, dtype=jnp.complex128)
    T1 = as_real("T1")(T1)
    T2 = as_real("T2")(T2)
    _check_square_hermitian(h1, "h1")
    _check_square_hermitian(h2, "h2")
    if g.shape != (h1.shape[0], h2.shape[0]):
        raise ValueError(f"g must have shape (N1, N2) = {(h1.shape[0], h2.shape[0])}, got {g.shape}")
    for name, t in (("T1", T1), ("T2", T2)):
        if t.ndim != 0:
            raise ValueError(f"{name} must be a scalar temperature, got shape {t.shape}")
    check_finite(g, "g")
    for name, t, h, hn in (("T1", T1, h1, "h1"), ("T2", T2, h2, "h2")):
        check_range(t, name, 0.0)
        if not is_traced(t, h) and float(t) > 0:
            emin = float(np.linalg.eigvalsh(np.asarray(h))[0])
            if emin <= 0:
                raise ValueError(
                    f"{hn} must be positive definite for a thermal state at {name} = {float(t):.6g} > 0 "
                    f"(its lowest eigenvalue is {emin:.6g}); use {name} = 0 for the vacuum"
                )
    return ReservoirModel(h1, h2, g, T1, T2)


def all_to_all(n1: int, n2: int, *, omega1, omega2, g, gamma, T1, T2) -> ReservoirModel:
    """The talk's family: all-to-all intra couplings ``g`` and inter couplings ``gamma``.

    h1 = omega1 on the diagonal and ``g`` on every off-diagonal entry (likewise h2 with
    omega2), g_ik = gamma for every pair.  Leading eigenvalues nu_X = omega_X + (N_X - 1) g,
    detuning Delta = nu1 - nu2, effective coupling Gamma = 2 sqrt(N1 N2) gamma (see
    :func:`all_to_all_scales`).  Only the two uniform modes couple; the other modes (at
    omega_X - g) are dark.  Float parameters may be traced (jit/vmap/grad); n1, n2 are static.
    """
    n1 = check_int(n1, "n1", 1)
    n2 = check_int(n2, "n2", 1)

    def block(n, w):
        return (w - g) * jnp.eye(n) + g * jnp.ones((n, n))

    h1 = block(n1, jnp.asarray(omega1, dtype=jnp.float64))
    h2 = block(n2, jnp.asarray(omega2, dtype=jnp.float64))
    cpl = jnp.asarray(gamma, dtype=jnp.float64) * jnp.ones((n1, n2))
    return reservoir_model(h1, h2, cpl, T1, T2)


def all_to_all_scales(n1, n2, *, omega1, omega2, g, gamma):
    """(nu1, nu2, Delta, Gamma) of the all-to-all family, as defined in the talk."""
    nu1 = omega1 + (n1 - 1) * g
    nu2 = omega2 + (n2 - 1) * g
    return nu1, nu2, nu1 - nu2, 2.0 * np.sqrt(n1 * n2) * gamma
