"""Liouville-space blocks: the full space, or one U(1) coherence sector.

A *weak* U(1) symmetry is a diagonal charge ``Q = diag(q)`` with ``[H, Q] = 0``
and jump operators that each shift the charge by a fixed amount
(``[Q, c] = s c``).  Then the operator components ``|i><j|`` with
``q_i - q_j = k`` form invariant subspaces of the Liouvillian *and* of every
jump superoperator ``rho -> c rho c^dag``.  The steady state, and every vector of
the counting-field perturbation series, lives in the ``k = 0`` sector, whose
dimension ``sum_q d_q^2`` is far below ``n^2`` (the qubit-rotor device at
``L = 12``: 416 instead of 10^4).

A block is described by two static integer arrays ``(rows, cols)`` of Hilbert
indices: Liouville index ``a`` of the block is the operator ``|rows[a]><cols[a]|``.
With jaxqtm's row-major convention ``vec(A rho B) = kron(A, B.T) vec(rho)``, the
block of ``kron(A, B)`` is ``A[rows][:, rows] * B[cols][:, cols]`` -- a gather, so
the dense ``n^2 x n^2`` superoperator is never formed.
"""

from __future__ import annotations

import numpy as np
import jax.numpy as jnp


def full_space_indices(n: int):
    """``(rows, cols)`` of the whole Liouville space (row-major order)."""
    rows, cols = np.divmod(np.arange(n * n), n)
    return rows, cols


def _as_charge_rows(charges):
    q = np.asarray(charges, dtype=float)
    if q.ndim == 1:
        q = q[None, :]
    if q.ndim != 2:
        raise ValueError(f"charges must have shape (n,) or (n_charges, n), got {q.shape}")
    return q


def sector_indices(charges, k: float = 0.0, atol: float = 1e-9):
    """``(rows, cols)`` of the coherence sector ``q_i - q_j = k`` (every charge, if several).

    **Arguments:** ``charges``: the diagonal of ``Q`` (concrete, length ``n``), or
    ``(n_charges, n)`` for several commuting U(1) charges; ``k``: the sector label
    (the same for every charge); ``atol``: tolerance when comparing charges.
    """
    q = _as_charge_rows(charges)
    ok = np.ones((q.shape[1], q.shape[1]), dtype=bool)
    for row in q:
        ok &= np.abs(row[:, None] - row[None, :] - k) <= atol
    rows, cols = np.nonzero(ok)
    if rows.size == 0:
        raise ValueError(f"sector k={k} is empty for the given charges")
    return rows, cols


def check_weak_symmetry(h, jump_ops, charges, atol: float = 1e-10):
    """Raise ``ValueError`` unless ``[H, Q] = 0`` and each jump operator shifts ``Q`` by a fixed amount.

    Runs on concrete (NumPy-convertible) inputs only, for every charge; returns the shifts
    ``(n_charges, K)``.
    """
    h = np.asarray(h)
    out = []
    for row in _as_charge_rows(charges):
        dq = row[:, None] - row[None, :]
        scale = max(1.0, float(np.max(np.abs(h))))
        if np.max(np.abs(h * dq)) > atol * scale:
            raise ValueError("h does not commute with the charge: [H, Q] != 0 (weak U(1) symmetry broken)")
        shifts = []
        for k, c in enumerate(jump_ops):
            c = np.asarray(c)
            nz = np.abs(c) > atol * max(1.0, float(np.max(np.abs(c))))
            vals = np.unique(np.round(dq[nz], 9))
            if vals.size > 1:
                raise ValueError(
                    f"jump_ops[{k}] mixes charge shifts {vals.tolist()}; each jump operator must shift "
                    "the charge by one fixed amount (split it into components, e.g. e^{+i phi} and e^{-i phi} parts)"
                )
            shifts.append(float(vals[0]) if vals.size else 0.0)
        out.append(shifts)
    return out


def kron_block(a, b, rows, cols):
    """Block of ``kron(a, b)`` on the index set ``(rows, cols)``; ``a``, ``b`` may carry a
    leading batch axis ``(K, n, n)`` (one gather for all ``K``: small XLA graphs)."""
    # two separable takes (row slices, then columns) are much cheaper than one
    # element-wise 2-d gather on CPU
    ga = jnp.take(jnp.take(a, rows, axis=-2), rows, axis=-1)
    gb = jnp.take(jnp.take(b, cols, axis=-2), cols, axis=-1)
    return ga * gb


def liouvillian_block(h, jump_ops, rates, rows, cols, jblocks=None):
    """Block of ``L = -i[h, .] + sum_k rates_k D[c_k]`` on ``(rows, cols)``.

    Equal to ``liouvillian(h, jump_ops, rates)[idx][:, idx]`` with
    ``idx = rows * n + cols`` (checked in the tests).
    """
    n = h.shape[-1]
    eye = jnp.eye(n, dtype=h.dtype)
    # -i[h, .] + the anticommutator part: -i (K_eff rho - rho K_eff^dag),
    # K_eff = h - (i/2) sum_k gamma_k c_k^dag c_k
    cdc = jnp.einsum("k,kji,kjl->il", rates.astype(h.dtype), jnp.conj(jump_ops), jump_ops)
    keff = h - 0.5j * cdc
    out = -1j * kron_block(keff, eye, rows, cols) + 1j * kron_block(eye, jnp.conj(keff), rows, cols)
    if jblocks is None:
        jblocks = jump_blocks(jump_ops, rates, rows, cols)
    return out + jnp.sum(jblocks, axis=0)


def jump_blocks(jump_ops, rates, rows, cols):
    """Blocks of the jump superoperators ``rho -> rates_k c_k rho c_k^dag``, shape ``(K, m, m)``."""
    return rates[:, None, None] * kron_block(jump_ops, jnp.conj(jump_ops), rows, cols)


def anticommutator_block(w, rows, cols):
    """Block of ``X -> (w X + X w) / 2`` (the Jordan product with a Hermitian ``w``)."""
    n = w.shape[-1]
    eye = jnp.eye(n, dtype=w.dtype)
    return 0.5 * (kron_block(w, eye, rows, cols) + kron_block(eye, jnp.swapaxes(w, -1, -2), rows, cols))
