"""Spectra of operators that commute with diagonal charges, block by block.

Diagonalising each block of equal charges separately keeps every eigenvector at
definite charges even when levels of different sectors are degenerate (a plain
``eigh`` would mix them) and is far cheaper.  1x1 and 2x2 blocks are done in closed
form (no LAPACK call; the qubit--rotor device has only these); the batched LAPACK
calls of larger block sizes are chained by data dependencies (:func:`after`) so that
no two of them run concurrently (jaxlib 0.10.2 CPU deadlock).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .._numerics import after
from ._sector import charge_blocks, normalize_charges


def block_eigh(h, charges):
    """Eigen-decomposition of a Hermitian ``h`` that commutes with ``charges``.

    Diagonalises each block of equal charges separately (vmapped per block
    size), so every eigenvector carries definite charges even when levels of
    different sectors are degenerate (a plain ``eigh`` would mix them).
    Eigenvector ``k`` is placed at basis position ``k`` of its block: the
    working basis has the same charge labels as the computational one.
    Returns ``(energies (n,), V (n, n))``.
    """
    n = h.shape[-1]
    q = normalize_charges(charges, n)
    energies = jnp.zeros(n, jnp.float64)
    v = jnp.zeros((n, n), h.dtype)
    for idx in charge_blocks(q, n):
        if idx.shape[1] == 1:  # 1x1 blocks: no LAPACK call
            energies = energies.at[idx[:, 0]].set(jnp.real(h[idx[:, 0], idx[:, 0]]))
            v = v.at[idx[:, 0], idx[:, 0]].set(1.0)
            continue
        hb = h[idx[:, :, None], idx[:, None, :]]
        # chain the batched eigh of each block size behind the previous results:
        # two concurrent batched LAPACK calls can deadlock jaxlib 0.10.2 on CPU
        hb = after(hb, (energies, v))
        e, u = jax.vmap(jnp.linalg.eigh)(hb)
        energies = energies.at[idx].set(e)
        v = v.at[idx[:, :, None], idx[:, None, :]].set(u)
    return energies, v


def block_eigvalsh(a, charges, dep=None):
    """Eigenvalues (unsorted) of a Hermitian ``a`` that commutes with diagonal ``charges``.

    ``dep`` (optional): a value the first LAPACK call must wait for.  Returns
    ``(eigenvalues (n,), used_lapack)``; ``used_lapack`` is static (block sizes > 2).
    """
    n = a.shape[-1]
    q = normalize_charges(charges, n)
    out = []
    lapack = False
    for idx in charge_blocks(q, n):
        if idx.shape[1] == 1:
            out.append(jnp.real(a[idx[:, 0], idx[:, 0]]))
            continue
        blk = a[idx[:, :, None], idx[:, None, :]]
        if idx.shape[1] == 2:  # closed form, no LAPACK
            mean = 0.5 * jnp.real(blk[:, 0, 0] + blk[:, 1, 1])
            rad = jnp.sqrt(0.25 * jnp.real(blk[:, 0, 0] - blk[:, 1, 1]) ** 2 + jnp.abs(blk[:, 0, 1]) ** 2)
            out.append(jnp.concatenate([mean - rad, mean + rad]))
            continue
        prev = out[-1] if out else dep
        if prev is not None:
            blk = after(blk, prev)
        out.append(jax.vmap(jnp.linalg.eigvalsh)(blk).ravel())
        lapack = True
    return jnp.concatenate(out), lapack
