"""Sparse (COO) assembly of the sector generator from the static charge structure.

When every term of a model shifts the conserved charges by a *known* amount
``delta_t`` (``LindbladModel.shifts``), the ``k = 0`` sector is the set of
block-diagonal matrices (blocks = basis states of equal charges) and

- a jump ``X rho X^dag`` maps block ``beta`` into block ``beta + delta``:
  entries ``M[(a',b'), (a,b)] = Gamma_{a'a} X_{a'a} conj(X_{b'b})`` with
  ``a, b`` in ``beta`` and ``a', b'`` in ``beta + delta`` (``sum d^4`` entries
  instead of ``m^2``);
- ``K = sum_w Gamma_w X(w)^dag X(w)`` and ``H`` are block diagonal, so they are
  needed only at the sector pairs themselves, and enter ``M`` at the
  "same-block" positions ``M[s, u]`` with ``b_s = b_u`` (``-i H - K/2`` at
  ``(a_s, a_u)``) or ``a_s = a_u`` (``+i H - K/2`` at ``(b_u, b_s)``).

All index arrays are numpy, computed once per (charges, n, shift) and cached;
the traced values are gathers of the operators at those positions.  The point
of this form is the reverse pass: the cotangent of an entry list is a gather
and its transpose a scatter-add of a few thousand numbers, never a dense
``m x m`` or ``n^3`` product (the dense assembly's reverse pass dominated the
gradient cost).  ``K`` is a padded sum over the target block (no ``n^3``
``X^dag X``).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from ._sector import sector_pairs

_CDTYPE = jnp.complex128


def _frozen(*arrays):
    for a in arrays:
        a.setflags(write=False)
    return arrays


@functools.lru_cache(maxsize=128)
def block_structure(charges: tuple, n: int):
    """``(keys, labels, members, index)``: distinct charge vectors, block label of
    every basis state, member states of every block, charge-vector -> block."""
    q = np.asarray(charges, np.int64).T  # (n, c)
    keys, labels = np.unique(q, axis=0, return_inverse=True)
    labels = labels.ravel()
    members = tuple(np.flatnonzero(labels == k) for k in range(len(keys)))
    index = {tuple(int(v) for v in k): i for i, k in enumerate(keys)}
    return keys, labels, members, index


@functools.lru_cache(maxsize=128)
def pair_index(charges: tuple, n: int):
    """``(n, n)`` int array: position of the pair ``(i, j)`` in the sector, -1 outside."""
    a, b = sector_pairs(charges, n)
    pid = -np.ones((n, n), np.int64)
    pid[a, b] = np.arange(a.size)
    pid.setflags(write=False)
    return pid


@functools.lru_cache(maxsize=256)
def shift_structure(charges: tuple, n: int, shift: tuple):
    """Static indices of one term that shifts the charges by ``shift``.

    Returns ``(rows, cols, ia, ib, ka, kb, kmask)``: jump entries
    ``M[rows, cols] += G[ia] X[ia] conj(X[ib])`` (flat indices into ``(n, n)``
    arrays) and the padded gather ``K_s = sum_j kmask[s, j] G[ka] conj(X[ka]) X[kb]``
    of ``K`` at every sector pair ``s`` (``ka = c*n + a_s``, ``kb = c*n + b_s``,
    ``c`` over the target block).
    """
    keys, labels, members, index = block_structure(charges, n)
    a, b = sector_pairs(charges, n)
    m = a.size
    pid = pair_index(charges, n)
    dmax = max(len(v) for v in members)
    rows, cols, ia, ib = [], [], [], []
    kc = np.zeros((m, dmax), np.int64)
    kmask = np.zeros((m, dmax), bool)
    dv = np.asarray(shift, np.int64)
    for beta, mem in enumerate(members):
        tgt = index.get(tuple(int(v) for v in keys[beta] + dv))
        if tgt is None:  # the operator annihilates this block (truncation edge)
            continue
        mt = members[tgt]
        x, y, xp, yp = np.meshgrid(mem, mem, mt, mt, indexing="ij")
        rows.append(pid[xp, yp].ravel())
        cols.append(pid[x, y].ravel())
        ia.append((xp * n + x).ravel())
        ib.append((yp * n + y).ravel())
        s = pid[np.repeat(mem, mem.size), np.tile(mem, mem.size)]
        kc[s, : mt.size] = mt
        kmask[s, : mt.size] = True
    cat = lambda v: np.concatenate(v) if v else np.zeros(0, np.int64)  # noqa: E731
    ka = kc * n + a[:, None]
    kb = kc * n + b[:, None]
    return _frozen(cat(rows), cat(cols), cat(ia), cat(ib), ka, kb, kmask)


@functools.lru_cache(maxsize=128)
def same_block_structure(charges: tuple, n: int):
    """``(rows1, cols1, kpos1, rows2, cols2, kpos2)``: the positions where a
    block-diagonal operator ``A`` (given at the sector pairs) enters ``M``:
    ``A[a_s, a_u]`` when ``b_s = b_u`` (left action) and ``A[b_u, b_s]`` when
    ``a_s = a_u`` (right action)."""
    keys, labels, members, index = block_structure(charges, n)
    pid = pair_index(charges, n)
    out = [[] for _ in range(6)]
    for mem in members:
        x, y, x2, y2 = np.meshgrid(mem, mem, mem, mem, indexing="ij")
        s, u = pid[x, y], pid[x2, y2]
        left = y == y2
        out[0].append(s[left])
        out[1].append(u[left])
        out[2].append(pid[x, x2][left])
        right = x == x2
        out[3].append(s[right])
        out[4].append(u[right])
        out[5].append(pid[y2, y][right])
    return _frozen(*(np.concatenate(v) for v in out))


def _seg(vals, rows, m):
    return jax.ops.segment_sum(vals, jnp.asarray(rows), num_segments=m)


class SparseSector:
    """Traced entry values of the sector generator plus their static indices.

    Plain Python container (lives inside one traced function).  ``jump[t]``:
    jump-entry values of term ``t``; ``kv[t]``: ``K_t`` at the sector pairs (rate
    included); ``hv``: ``H`` at the sector pairs.
    """

    def __init__(self, charges, n, shifts, hv, jump, kv):
        self.charges, self.n, self.shifts = charges, n, shifts
        self.m = sector_pairs(charges, n)[0].size
        self.hv, self.jump, self.kv = hv, jump, kv
        self.sb = same_block_structure(charges, n)
        self.st = [shift_structure(charges, n, s) for s in shifts]

    # -- total generator ---------------------------------------------------
    def entries(self):
        """``(rows, cols, vals)`` of the whole generator (duplicates are summed)."""
        r1, c1, k1, r2, c2, k2 = self.sb
        ksum = jnp.sum(jnp.stack(self.kv), axis=0) if self.kv else jnp.zeros_like(self.hv)
        w1 = -1j * self.hv - 0.5 * ksum
        w2 = 1j * self.hv - 0.5 * ksum
        rows = np.concatenate([st[0] for st in self.st] + [r1, r2])
        cols = np.concatenate([st[1] for st in self.st] + [c1, c2])
        vals = jnp.concatenate(list(self.jump) + [w1[k1], w2[k2]])
        return rows, cols, vals

    def dense(self):
        rows, cols, vals = self.entries()
        return jnp.zeros((self.m, self.m), _CDTYPE).at[rows, cols].add(vals)

    def split_dense(self):
        """Dense ``(H (m, m), jumps (T, m, m), nojumps (T, m, m))`` (for
        :class:`~jaxqtm.lindblad.SectorGenerator`), scattered from the entries."""
        r1, c1, k1, r2, c2, k2 = self.sb
        m = self.m
        z = jnp.zeros((m, m), _CDTYPE)
        ham = z.at[r1, c1].add(-1j * self.hv[k1]).at[r2, c2].add(1j * self.hv[k2])
        jumps = [z.at[st[0], st[1]].add(v) for st, v in zip(self.st, self.jump)]
        noj = [z.at[r1, c1].add(-0.5 * kv[k1]).at[r2, c2].add(-0.5 * kv[k2]) for kv in self.kv]
        if not jumps:
            return ham, jnp.zeros((0, m, m), _CDTYPE), jnp.zeros((0, m, m), _CDTYPE)
        return ham, jnp.stack(jumps), jnp.stack(noj)

    # -- per-term expectation values ---------------------------------------
    def term_table(self, og, x):
        """``(K, 1 + T)`` complex: column 0 ``og_k . (M_H x)``, column ``1 + t``
        ``og_k . (M_t x)``; ``og`` is ``(K, m)`` (``O[b_s, a_s]``), ``x`` the state."""
        r1, c1, k1, r2, c2, k2 = self.sb
        m = self.m
        # z1[k, p] = sum over left entries with kpos = p of og[k, row] x[col]
        z1 = jax.vmap(lambda o: _seg(o[r1] * x[c1], k1, m))(og)
        z2 = jax.vmap(lambda o: _seg(o[r2] * x[c2], k2, m))(og)
        cols = [(-1j * z1 + 1j * z2) @ self.hv]
        zz = z1 + z2
        for t, st in enumerate(self.st):
            rows, cc = st[0], st[1]
            jmp = (og[:, rows] * (self.jump[t] * x[cc])[None, :]).sum(axis=1)
            cols.append(jmp - 0.5 * zz @ self.kv[t])
        return jnp.stack(cols, axis=1)


def _gather(a, idx):
    return a.reshape(-1)[jnp.asarray(idx)]


def sparse_sector(model, q) -> SparseSector:
    """Assemble the sparse sector generator of ``model`` (all shifts known)."""
    n = model.n
    a, b = sector_pairs(q, n)
    hv = model.h_work[a, b]
    jump, kv = [], []
    for t, shift in enumerate(model.shifts):
        rows, cols, ia, ib, ka, kb, kmask = shift_structure(q, n, shift)
        x = model.ops[t]
        lab = model.clusters[t]
        xa, xb = _gather(x, ia), _gather(x, ib)
        xka, xkb = _gather(x, ka), _gather(x, kb)
        if lab is None:  # local term: one scalar rate
            r = jnp.asarray(model.rates[t], jnp.float64)
            jump.append(r * xa * jnp.conj(xb))
            kv.append(r * jnp.sum(jnp.where(kmask, jnp.conj(xka) * xkb, 0.0), axis=1))
        else:  # secular: rate and cluster label per element, same-cluster mask
            g = model.rates[t]
            same = _gather(lab, ia) == _gather(lab, ib)
            jump.append(jnp.where(same, _gather(g, ia) * xa * jnp.conj(xb), 0.0))
            ksame = kmask & (_gather(lab, ka) == _gather(lab, kb))
            kv.append(jnp.sum(jnp.where(ksame, _gather(g, ka) * jnp.conj(xka) * xkb, 0.0), axis=1))
    return SparseSector(q, n, model.shifts, hv, tuple(jump), tuple(kv))


# --------------------------------------------------------------------------
# block-diagonal basis changes (global ME): V^dag X V only where it can be non-zero
# --------------------------------------------------------------------------
@functools.lru_cache(maxsize=256)
def shift_entries(charges: tuple, n: int, shift: tuple):
    """Entries ``(a', a)`` (``a`` in block ``beta``, ``a'`` in ``beta + shift``) where an
    operator with that charge shift can be non-zero, with the padded members of
    both blocks: ``(flat, ar, ac, cpad, cmask, epad, emask)``."""
    keys, labels, members, index = block_structure(charges, n)
    dmax = max(len(v) for v in members)
    dv = np.asarray(shift, np.int64)
    ar, ac, cp, ep = [], [], [], []
    for beta, mem in enumerate(members):
        tgt = index.get(tuple(int(v) for v in keys[beta] + dv))
        if tgt is None:
            continue
        mt = members[tgt]
        xp, x = np.meshgrid(mt, mem, indexing="ij")
        ar.append(xp.ravel())
        ac.append(x.ravel())
        cp.append(np.repeat(np.pad(mt, (0, dmax - mt.size), constant_values=-1)[None], xp.size, 0))
        ep.append(np.repeat(np.pad(mem, (0, dmax - mem.size), constant_values=-1)[None], xp.size, 0))
    ar, ac = np.concatenate(ar), np.concatenate(ac)
    cp, ep = np.concatenate(cp), np.concatenate(ep)
    cmask, emask = cp >= 0, ep >= 0
    cp, ep = np.where(cmask, cp, 0), np.where(emask, ep, 0)
    return _frozen(ar * n + ac, ar, ac, cp, cmask, ep, emask)


def block_cost(charges: tuple, n: int, shift: tuple) -> int:
    """Number of multiply-adds of :func:`conjugate_entries` (to choose it over ``n^3``)."""
    flat, ar, ac, cp, cmask, ep, emask = shift_entries(charges, n, shift)
    return int(flat.size * cp.shape[1] * ep.shape[1])


def conjugate_entries(v, x, charges, n, shift):
    """``(V^dag X V)[a', a]`` at the :func:`shift_entries` of ``shift``, for a
    block-diagonal unitary ``V`` (charge blocks) and an ``X`` with that charge
    shift: ``sum_{c in block(a'), e in block(a)} conj(V[c,a']) X[c,e] V[e,a]``."""
    flat, ar, ac, cp, cmask, ep, emask = shift_entries(charges, n, shift)
    left = jnp.where(cmask, jnp.conj(v[cp, ar[:, None]]), 0.0)  # (F, d)
    right = jnp.where(emask, v[ep, ac[:, None]], 0.0)  # (F, d)
    xs = x[cp[:, :, None], ep[:, None, :]]  # (F, d, d)
    return jnp.einsum("fc,fce,fe->f", left, xs, right)


def dense_from_entries(vals, charges, n, shift, fill=0):
    """Dense ``(n, n)`` array with ``vals`` at the :func:`shift_entries` positions."""
    flat = shift_entries(charges, n, shift)[0]
    base = jnp.full((n * n,), fill, vals.dtype)
    return base.at[flat].set(vals).reshape(n, n)


def _zero(charges):
    return tuple(0 for _ in charges)


def use_block_basis(model) -> bool:
    """Basis changes of a charge-conserving operator can use the blocks of ``V``."""
    q = model.charges
    return model.basis is not None and bool(q) and block_cost(q, model.n, _zero(q)) <= model.n**3


def to_work_blocks(model, op):
    """``V^dag op V`` for a charge-conserving ``op`` (block-diagonal result)."""
    q, n = model.charges, model.n
    vals = conjugate_entries(model.basis, jnp.asarray(op, _CDTYPE), q, n, _zero(q))
    return dense_from_entries(vals, q, n, _zero(q))


def from_work_blocks(model, op):
    """``V op V^dag`` for a block-diagonal working-basis ``op``."""
    q, n = model.charges, model.n
    vd = jnp.conj(model.basis.T)
    vals = conjugate_entries(vd, jnp.asarray(op, _CDTYPE), q, n, _zero(q))
    return dense_from_entries(vals, q, n, _zero(q))
