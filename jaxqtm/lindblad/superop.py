"""Superoperators in Liouville space -- the vectorisation convention of jaxqtm.

Convention (fixed, relied upon by ``jaxqtm.lindblad``, ``jaxqtm.rotor`` and
``jaxqtm.fcs``): a density matrix ``rho`` of shape ``(n, n)`` is vectorised
*row-major*, ``vec(rho) = rho.reshape(n * n)`` (JAX's native layout, no
transposes).  With this convention

    vec(A @ rho @ B) = kron(A, B.T) @ vec(rho),

so left multiplication is ``kron(A, I)`` and right multiplication is
``kron(I, B.T)``.  (QuTiP stacks columns; its superoperators are the
transposed-index version of ours: compare through ``unvec``.)

All functions are pure, shape-polymorphic in ``n`` and work under
``jit``/``vmap``/``grad``.  Dense superoperators are ``(n**2, n**2)``.
"""

from __future__ import annotations

import jax.numpy as jnp
from jax.typing import ArrayLike


def vec(rho):
    """Row-major vectorisation of the last two axes: ``(..., n, n) -> (..., n*n)``."""
    n = rho.shape[-1]
    return rho.reshape(rho.shape[:-2] + (n * n,))


def unvec(v):
    """Inverse of :func:`vec`: ``(..., n*n) -> (..., n, n)``."""
    n = int(round(v.shape[-1] ** 0.5))
    return v.reshape(v.shape[:-1] + (n, n))


def spre(a):
    """Superoperator of ``rho -> a @ rho``."""
    n = a.shape[-1]
    return jnp.kron(a, jnp.eye(n, dtype=a.dtype))


def spost(b):
    """Superoperator of ``rho -> rho @ b``."""
    n = b.shape[-1]
    return jnp.kron(jnp.eye(n, dtype=b.dtype), b.T)


def sprepost(a, b):
    """Superoperator of ``rho -> a @ rho @ b``."""
    return jnp.kron(a, b.T)


def hamiltonian_superop(h):
    """Superoperator of ``rho -> -i [h, rho]``."""
    return -1j * (spre(h) - spost(h))


def dissipator(c, rate: ArrayLike = 1.0):
    """Superoperator of ``rate * (c rho c^dag - 1/2 {c^dag c, rho})`` (GKSL form)."""
    cd = jnp.conj(c.T)
    cdc = cd @ c
    return rate * (sprepost(c, cd) - 0.5 * spre(cdc) - 0.5 * spost(cdc))


def liouvillian(h, jump_ops=(), rates=None):
    """Dense Liouvillian ``L = -i[h, .] + sum_k rate_k D[c_k]``.

    ``jump_ops`` is a sequence of ``(n, n)`` arrays or one ``(K, n, n)`` array;
    ``rates`` (optional) has length ``K``.  Python-level validation (Hermiticity,
    non-negative rates) belongs to the public builders, not here.
    """
    h = jnp.asarray(h)
    dtype = jnp.result_type(h.dtype, jnp.complex64)
    lv = hamiltonian_superop(h.astype(dtype))
    if len(jump_ops) == 0:
        return lv
    cs = jnp.asarray(jump_ops, dtype=dtype)
    if cs.ndim == 2:
        cs = cs[None]
    rs = jnp.ones(cs.shape[0]) if rates is None else jnp.asarray(rates)
    for k in range(cs.shape[0]):
        lv = lv + dissipator(cs[k], rs[k])
    return lv
