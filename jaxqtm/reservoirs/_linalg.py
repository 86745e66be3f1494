"""Matrix functions of Hermitian single-particle matrices, with degenerate-safe derivatives.

The all-to-all reservoirs of seed 002 have massively degenerate spectra (N-1 "dark" modes at
omega - g).  Differentiating ``jnp.linalg.eigh`` there gives 1/(e_i - e_j) = inf, so the two
matrix functions the engine needs -- the propagator exp(-i h t) and the Bose matrix
n(h) = 1/(exp(h/T) - 1) -- get their own JVPs from the Daleckii--Krein formula

    d f(h)[dh] = V ((V^dag dh V) o F) V^dag,   F_ij = divided difference f[e_i, e_j],

which is finite for coinciding eigenvalues (F_ii = f'(e_i)).  The JVPs are linear in the
tangents, so reverse mode follows by transposition.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .._numerics import bose


def _sandwich(v, m):
    """``V m V^dag`` batched over leading axes of ``m``."""
    return jnp.einsum("ij,...jk,lk->...il", v, m, jnp.conj(v))


@jax.custom_jvp
def propagators(h, ts):
    """``U(t) = exp(-i h t)`` for every ``t`` in ``ts``: ``(N, N), (nt,) -> (nt, N, N)``.

    ``h`` must be Hermitian.  One ``eigh`` serves all times.
    """
    eps, v = jnp.linalg.eigh(h)
    ph = jnp.exp(-1j * ts[:, None] * eps[None, :])
    return jnp.einsum("ij,tj,kj->tik", v, ph, jnp.conj(v))


@propagators.defjvp
def _propagators_jvp(primals, tangents):
    h, ts = primals
    dh, dts = tangents
    eps, v = jnp.linalg.eigh(h)
    ph = jnp.exp(-1j * ts[:, None] * eps[None, :])
    u = jnp.einsum("ij,tj,kj->tik", v, ph, jnp.conj(v))
    # Divided difference of exp(-i e t) in e, written so that it never divides:
    # (e^{-iat} - e^{-ibt})/(a - b) = -i t e^{-i(a+b)t/2} sinc((a-b)t/2).
    t = ts[:, None, None]
    half = 0.5 * (eps[:, None] - eps[None, :])[None] * t
    mean = 0.5 * (eps[:, None] + eps[None, :])[None]
    phi = -1j * t * jnp.exp(-1j * mean * t) * jnp.sinc(half / jnp.pi)
    dh_eig = jnp.conj(v.T) @ dh @ v
    du = _sandwich(v, dh_eig[None] * phi)
    du = du + (-1j) * jnp.einsum("ij,tjk->tik", h, u) * dts[:, None, None]
    return u, du


def occupation(e, temp):
    """Bose occupation ``n(e) = 1/(e^{e/T} - 1)`` of single-particle energies ``e`` at temperature
    ``T``: :func:`jaxqtm._numerics.bose` at ``beta = 1/T`` (overflow-free for e/T >> 1).

    ``T = 0`` is the vacuum, ``n = 0`` for every mode -- also for modes with ``e <= 0``, where
    the T -> 0 limit (``bose`` at ``beta = inf``) would give -1 or inf: a reservoir prepared at
    T = 0 starts in its vacuum whatever ``h``.  The double ``where`` keeps the masked branch
    finite, so gradients at T = 0 are 0, not NaN.  At T > 0 a mode with ``e <= 0`` gives NaN.
    """
    pos = temp > 0
    t_safe = jnp.where(pos, temp, 1.0)
    # a mode with e <= 0 has no Gibbs state at T > 0 (the boundary rejects it for concrete h): NaN,
    # so a traced one is flagged (non-finite results), never a negative "occupation"
    return jnp.where(pos, jnp.where(e > 0, bose(1.0 / t_safe, e), jnp.nan), 0.0)


def _occupation_de(e, temp):
    """d n / d e = -n (n + 1) / T (0 at T = 0)."""
    pos = temp > 0
    t_safe = jnp.where(pos, temp, 1.0)
    n = occupation(e, t_safe)
    return jnp.where(pos, -n * (n + 1.0) / t_safe, 0.0)


def _occupation_dt(e, temp):
    """d n / d T = e n (n + 1) / T^2 (0 at T = 0: every derivative of e^{-e/T} vanishes)."""
    pos = temp > 0
    t_safe = jnp.where(pos, temp, 1.0)
    n = occupation(e, t_safe)
    return jnp.where(pos, e * n * (n + 1.0) / t_safe**2, 0.0)


@jax.custom_jvp
def bose_matrix(h, temp):
    """Single-particle correlation matrix of the Gibbs state of ``H = c^dag h c``.

    Returns ``n(h) = (exp(h / T) - 1)^{-1}`` (the vacuum, zero matrix, at ``T = 0``), i.e.
    ``n(h)[p, q] = <c_q^dag c_p>``.  ``h`` must be Hermitian and positive definite when T > 0.
    """
    eps, v = jnp.linalg.eigh(h)
    return _sandwich(v, jnp.diag(occupation(eps, temp)).astype(v.dtype))


@bose_matrix.defjvp
def _bose_matrix_jvp(primals, tangents):
    h, temp = primals
    dh, dtemp = tangents
    eps, v = jnp.linalg.eigh(h)
    n = occupation(eps, temp)
    out = _sandwich(v, jnp.diag(n).astype(v.dtype))
    # Divided differences of n(e).  Close pairs use the midpoint derivative: its error is
    # O(delta^2 n''') and the direct quotient's rounding error is O(eps_mach / delta); the
    # switch at delta = 1e-6 (relative) keeps both below ~1e-10.
    de = eps[:, None] - eps[None, :]
    scale = 1.0 + jnp.max(jnp.abs(eps))
    close = jnp.abs(de) < 1e-6 * scale
    de_safe = jnp.where(close, 1.0, de)
    quot = (n[:, None] - n[None, :]) / de_safe
    mid = _occupation_de(0.5 * (eps[:, None] + eps[None, :]), temp)
    dd = jnp.where(close, mid, quot)
    dh_eig = jnp.conj(v.T) @ dh @ v
    dout = _sandwich(v, dh_eig * dd + jnp.diag(_occupation_dt(eps, temp) * dtemp))
    return out, dout
