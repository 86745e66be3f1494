"""Weak U(1) symmetries: charge sectors of Liouville space.

If diagonal "charges" ``Q_c`` (in the computational basis) commute with ``H``
and every jump operator shifts every charge by a fixed amount, the Liouvillian
maps the coherence sector ``{|i><j| : q_c(i) - q_c(j) = k_c for all c}`` into
itself (the sector is also invariant under the adjoint action of the jump
operators and of ``H``).  The trace lives in ``k = 0``; the steady state, when
unique, commutes with every ``exp(i theta Q_c)`` and therefore lives there too.

This module only handles the *static* (index) side: it lists the pairs
``(i, j)`` of a sector in row-major order and groups basis states into blocks
of equal charges.  Everything is plain numpy, cached, and usable at trace time.
"""

from __future__ import annotations

import functools

import numpy as np


def normalize_charges(charges, n: int) -> tuple[tuple[int, ...], ...]:
    """Validate charges and return them as a hashable tuple of int tuples.

    ``charges`` is ``None``/``()`` (no symmetry), one vector of length ``n``, or
    an array of shape ``(c, n)``.  Charges must be integers (they label sectors).
    """
    if charges is None:
        return ()
    q = np.asarray(charges)
    if q.size == 0:
        return ()
    if q.ndim == 1:
        q = q[None, :]
    if q.ndim != 2 or q.shape[1] != n:
        raise ValueError(f"charges must have shape (n,) or (c, n) with n = {n}; got {np.shape(charges)}")
    if not np.all(np.isfinite(q)) or not np.allclose(q, np.round(q)):
        raise ValueError("charges must be finite integers (diagonal quantum numbers)")
    return tuple(tuple(int(v) for v in row) for row in np.round(q).astype(np.int64))


@functools.lru_cache(maxsize=256)
def sector_pairs(charges: tuple, n: int, k: tuple | None = None):
    """Row-major list of the pairs ``(i, j)`` with ``q(i) - q(j) == k``.

    Returns two int arrays ``(rows, cols)``.  With no charges every pair is
    listed, in the order of :func:`jaxqtm.lindblad.vec`.
    """
    ii, jj = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    ii, jj = ii.ravel(), jj.ravel()
    if len(charges) == 0:
        return ii, jj
    q = np.asarray(charges, dtype=np.int64)
    kk = np.zeros(q.shape[0], np.int64) if k is None else np.asarray(k, np.int64)
    keep = np.all(q[:, ii] - q[:, jj] == kk[:, None], axis=0)
    rows, cols = ii[keep], jj[keep]
    rows.setflags(write=False)
    cols.setflags(write=False)
    return rows, cols


@functools.lru_cache(maxsize=256)
def charge_blocks(charges: tuple, n: int):
    """Group basis states by their charge vector.

    Returns a tuple of int arrays, one per distinct block size ``s``, each of
    shape ``(n_blocks_s, s)`` listing the basis indices of every block of that
    size.  With no charges there is a single block of size ``n``.
    """
    if len(charges) == 0:
        return (np.arange(n)[None, :],)
    q = np.asarray(charges, dtype=np.int64).T  # (n, c)
    _, labels = np.unique(q, axis=0, return_inverse=True)
    labels = labels.ravel()
    groups: dict[int, list[np.ndarray]] = {}
    for lab in np.unique(labels):
        idx = np.flatnonzero(labels == lab)
        groups.setdefault(idx.size, []).append(idx)
    return tuple(np.stack(groups[s]) for s in sorted(groups))
