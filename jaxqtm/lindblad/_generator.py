"""The generator of a :class:`LindbladModel` on a charge sector of Liouville space.

One generator, two assemblies: with known charge shifts the sector matrices are
scattered from the sparse entry list of :mod:`._sparse` (static indices, cheap
reverse pass); otherwise dense gathers of the working-basis operators.  The same
:class:`SectorGenerator` serves steady states, time evolution, heat bookkeeping
and counting statistics (its ``jumps`` / ``nojumps`` split).
"""

from __future__ import annotations

from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ._model import _CDTYPE, LindbladModel
from ._sector import normalize_charges, sector_pairs
from ._sparse import sparse_sector


class SectorGenerator(eqx.Module):
    """The generator restricted to one sector, in the pair basis.

    ``total()[s, t]`` is the coefficient of ``|a_s><b_s|`` in
    ``L[|i_t><j_t|]`` (working basis), pairs from :func:`sector_pairs`.  With no
    charges this is the dense Liouvillian in :func:`jaxqtm.lindblad.vec` order.
    ``jumps[k]`` / ``nojumps[k]`` split term ``k`` into its ``X rho X^dag`` part
    and its anticommutator part (for counting statistics).
    """

    hamiltonian: jax.Array  # (m, m)
    jumps: jax.Array  # (T, m, m)
    nojumps: jax.Array  # (T, m, m)
    charges: tuple = eqx.field(static=True)
    n: int = eqx.field(static=True)

    @property
    def pairs(self):
        return sector_pairs(self.charges, self.n)

    def total(self):
        return self.hamiltonian + jnp.sum(self.jumps + self.nojumps, axis=0)

    def term(self, k):
        return self.jumps[k] + self.nojumps[k]


def _k_local(xs, rates):
    """``K_t = rate_t X_t^dag X_t`` for stacked local terms."""
    return rates[:, None, None] * jnp.einsum("tca,tci->tai", jnp.conj(xs), xs)


def _k_secular(xs, rates, labs):
    """``K_t = sum_w gamma_w X_t(w)^dag X_t(w)`` for stacked secular terms.

    ``K_ai = sum_c Gamma_ca conj(X_ca) X_ci [c_ca == c_ci]``; a scan over ``c``
    keeps memory at ``O(T n^2)`` instead of materialising an ``n^3`` mask.
    """
    w = rates * jnp.conj(xs)

    def body(acc, row):
        wr, xr, lr = row  # (T, n) each
        mask = lr[:, :, None] == lr[:, None, :]
        return acc + wr[:, :, None] * xr[:, None, :] * mask, None

    rows = (jnp.swapaxes(w, 0, 1), jnp.swapaxes(xs, 0, 1), jnp.swapaxes(labs, 0, 1))
    k, _ = jax.lax.scan(body, jnp.zeros_like(xs), rows)
    return k


def sector_generator(model: LindbladModel, charges=None) -> SectorGenerator:
    """Assemble the generator of ``model`` on the ``k = 0`` sector of ``charges``.

    ``charges=None`` uses ``model.charges``; ``charges=()`` gives the full
    Liouville space.  With the model's charges and known shifts the matrices are
    scattered from the sparse entry list (``O(T m^2)`` memory, no ``n^3``);
    otherwise dense gathers, cost ``O(T m^2)`` for ``m`` sector pairs (plus
    ``O(n^3)`` per term).  Terms are stacked (local / secular) so the number of
    XLA operations does not grow with the number of terms.
    """
    q = model.charges if charges is None else normalize_charges(charges, model.n)
    return _sector_generator(model, q)


def _take2(x, rows, cols):
    """``x[..., rows[:, None], cols[None, :]]`` as two 1-d takes (faster than a 2-d gather
    on CPU, and its transpose is two cheap scatter-adds)."""
    return jnp.take(jnp.take(x, rows, axis=-2), cols, axis=-1)


def left_right_sector(op, q, n):
    """``(L, R)``: sector blocks of ``rho -> op rho`` and ``rho -> rho op`` (working basis).

    ``L[s, u] = op[a_s, a_u] [b_s = b_u]``, ``R[s, u] = op[b_u, b_s] [a_s = a_u]``;
    ``op`` may carry leading batch axes.  The commutator with ``H`` is ``L - R``, an
    anticommutator ``L + R``.
    """
    a, b = sector_pairs(q, n)
    lead = (None,) * (jnp.ndim(op) - 2)  # broadcast the masks over op's batch axes explicitly
    d_bj = jnp.asarray(b[:, None] == b[None, :])[lead]
    d_ai = jnp.asarray(a[:, None] == a[None, :])[lead]
    return _take2(op, a, a) * d_bj, _take2(jnp.swapaxes(op, -1, -2), b, b) * d_ai


def _sector_terms(model, q, which):
    """Jump / no-jump sector matrices of the local (``which="local"``) or
    secular terms, stacked, with their term indices."""
    n = model.n
    a, b = sector_pairs(q, n)
    if which == "local":
        idx = [k for k, lab in enumerate(model.clusters) if lab is None]
    else:
        idx = [k for k, lab in enumerate(model.clusters) if lab is not None]
    if not idx:
        return idx, None, None
    xs = jnp.stack([model.ops[k] for k in idx])
    xa = _take2(xs, a, a)  # X[a_s, i_t]
    xb = jnp.conj(_take2(xs, b, b))  # conj X[b_s, j_t]
    if which == "local":
        rs = jnp.stack([jnp.asarray(model.rates[k], jnp.float64) for k in idx])
        jmp = rs[:, None, None] * xa * xb
        km = _k_local(xs, rs)
    else:
        rs = jnp.stack([model.rates[k] for k in idx])
        ls = jnp.stack([model.clusters[k] for k in idx])
        same = _take2(ls, a, a) == _take2(ls, b, b)
        jmp = _take2(rs, a, a) * xa * xb * same
        km = _k_secular(xs, rs, ls)
    kl, kr = left_right_sector(km, q, n)
    return idx, jmp, -0.5 * (kl + kr)


def _hamiltonian_sector(model, q):
    hl, hr = left_right_sector(model.h_work, q, model.n)
    return -1j * hl + 1j * hr


@eqx.filter_jit
def _sector_generator(model: LindbladModel, q) -> SectorGenerator:
    n = model.n
    m = sector_pairs(q, n)[0].size
    if q and q == model.charges and model.sparse_ready:
        # known charge shifts: scatter the sparse entries (no n^3 X^dag X, no m^2 gathers)
        ham, jumps, nojumps = sparse_sector(model, q).split_dense()
        return SectorGenerator(ham, jumps, nojumps, q, n)
    ham = _hamiltonian_sector(model, q)
    li, lj, ln = _sector_terms(model, q, "local")
    si, sj, sn = _sector_terms(model, q, "secular")
    parts = [(lj, ln) for idx, lj, ln in ((li, lj, ln), (si, sj, sn)) if idx and lj is not None and ln is not None]
    if parts:
        order = np.argsort(np.asarray(li + si))  # back to the model's term order
        jumps = jnp.concatenate([p[0] for p in parts])[order]
        nojumps = jnp.concatenate([p[1] for p in parts])[order]
    else:
        jumps = nojumps = jnp.zeros((0, m, m), _CDTYPE)
    return SectorGenerator(ham, jumps, nojumps, q, n)


def pairs_gather(model: LindbladModel, rho, charges=None):
    """Sector vector of ``rho`` (computational basis): ``(V^dag rho V)[a_s, b_s]``."""
    q = model.charges if charges is None else normalize_charges(charges, model.n)
    a, b = sector_pairs(q, model.n)
    rw = model.to_work(rho)
    return rw[a, b]


def pairs_scatter(model: LindbladModel, x, charges=None):
    """Density matrix (computational basis) from a sector vector."""
    n = model.n
    q = model.charges if charges is None else normalize_charges(charges, n)
    a, b = sector_pairs(q, n)
    rw = jnp.zeros((n, n), _CDTYPE).at[a, b].set(x)
    return model.from_work(rw)


# --------------------------------------------------------------------------
# the generator as a linear operator (what the steady-state solvers consume)
# --------------------------------------------------------------------------
class LiouvilleOperator(eqx.Module):
    """The generator on one sector as the solvers see it (built by :func:`liouville_operator`).

    ``matvec``: sector vector ``(m,)`` -> ``L x``, carrying the derivative with respect
    to the model; ``fast_matvec``: the same map without derivative, in the cheapest form
    (sparse jump operators applied as gathers) for the iterations; ``g``: the no-jump
    generator ``-i H - K/2`` (working basis, no gradient) and ``jumps`` the amplitudes
    ``sqrt(rate) X`` of every term, for the Lyapunov preconditioner; ``scale``: largest entry of ``L`` (exact when the
    dense ``matrix`` is assembled, an upper bound for the matrix-free form); ``kind``:
    ``"sparse"`` (COO entry list), ``"dense"`` (sector matrix) or ``"matrix-free"``
    (``n x n`` products, full space of a local model).
    """

    matvec: Callable
    fast_matvec: Callable
    tvec: jax.Array
    g: jax.Array | None  # None when assembled for the LU (dense=True)
    jumps: jax.Array | None
    scale: jax.Array
    matrix: jax.Array | None
    charges: tuple = eqx.field(static=True)
    n: int = eqx.field(static=True)
    kind: str = eqx.field(static=True)

    @property
    def size(self) -> int:
        return self.tvec.shape[0]

    def to_matrix(self, x):
        """``n x n`` working-basis matrix of a sector vector (zero outside the sector)."""
        if not self.charges:
            return x.reshape(self.n, self.n)
        a, b = sector_pairs(self.charges, self.n)
        return jnp.zeros((self.n, self.n), x.dtype).at[a, b].set(x, unique_indices=True)

    def from_matrix(self, mat):
        """Sector vector of an ``n x n`` working-basis matrix."""
        if not self.charges:
            return mat.reshape(-1)
        a, b = sector_pairs(self.charges, self.n)
        return mat[a, b]


def _no_jump_k(model):
    """``K = sum_t K_t`` (working basis): the anticommutator part of every term."""
    n = model.n
    k = jnp.zeros((n, n), _CDTYPE)
    loc = [t for t, lab in enumerate(model.clusters) if lab is None]
    sec = [t for t, lab in enumerate(model.clusters) if lab is not None]
    if loc:
        xs = jnp.stack([model.ops[t] for t in loc])
        rs = jnp.stack([jnp.asarray(model.rates[t], jnp.float64) for t in loc])
        k = k + jnp.sum(_k_local(xs, rs), axis=0)
    if sec:
        xs = jnp.stack([model.ops[t] for t in sec])
        rs = jnp.stack([model.rates[t] for t in sec])
        ls = jnp.stack([model.clusters[t] for t in sec])
        k = k + jnp.sum(_k_secular(xs, rs, ls), axis=0)
    return k


def _local_matvec(model, k, *, fast: bool):
    """``x -> vec(G rho + rho G^dag + sum_t r_t X_t rho X_t^dag)`` on the full space.

    Dense: ``2 (T + 1)`` products ``n x n`` (the derivative path).  ``fast`` (no gradient):
    operators with a static sparsity pattern (:class:`~jaxqtm.lindblad._model.Pattern`)
    apply ``X rho X^dag`` as two gathers and scatter-adds, ``O(nnz n)`` instead of ``n^3``.
    """
    n = model.n
    sg = jax.lax.stop_gradient if fast else (lambda v: v)
    g = sg(-1j * model.h_work - 0.5 * k)
    pats = model.patterns if fast and len(model.patterns) == len(model.ops) else (None,) * len(model.ops)
    dense_t = [t for t, p in enumerate(pats) if p is None]
    sparse_t = [(t, p) for t, p in enumerate(pats) if p is not None]
    if dense_t:
        amp = jnp.sqrt(jnp.stack([jnp.asarray(model.rates[t], jnp.float64) for t in dense_t]))
        xs = sg(amp[:, None, None] * jnp.stack([model.ops[t] for t in dense_t]))
        xs_h = jnp.conj(jnp.swapaxes(xs, -1, -2))
    sparse = []
    for t, p in sparse_t:
        vals = sg(jnp.sqrt(jnp.asarray(model.rates[t], jnp.float64)) * model.ops[t][p.rows, p.cols])
        sparse.append((jnp.asarray(p.rows), jnp.asarray(p.cols), vals))

    gp = model.no_jump_pattern if fast else None
    if gp is not None:
        g_rows, g_cols, g_vals = jnp.asarray(gp.rows), jnp.asarray(gp.cols), g[gp.rows, gp.cols]

    def no_jump(rho):
        if gp is None:
            return g @ rho + rho @ jnp.conj(g.T)
        left = jax.ops.segment_sum(g_vals[:, None] * rho[g_cols, :], g_rows, num_segments=n)  # G rho
        right = jax.ops.segment_sum(g_vals[:, None] * jnp.conj(rho.T)[g_cols, :], g_rows, num_segments=n)
        return left + jnp.conj(right.T)  # rho G^dag = (G rho^dag)^dag

    def mv(x):
        rho = x.reshape(n, n)
        out = no_jump(rho)
        if dense_t:
            out = out + jnp.sum(xs @ rho[None] @ xs_h, axis=0)
        for rows, cols, vals in sparse:
            y = jax.ops.segment_sum(vals[:, None] * rho[cols, :], rows, num_segments=n)  # X rho
            # (Y X^dag)^T = conj(X) Y^T: the same gather on the rows of Y^T
            zt = jax.ops.segment_sum(jnp.conj(vals)[:, None] * y.T[cols, :], rows, num_segments=n)
            out = out + zt.T
        return out.reshape(-1)

    return mv


def _amplitudes(model):
    """``(T, n, n)``: ``sqrt(rate) X`` per term (element-wise for secular terms: their
    population-transfer rates ``Gamma_ac |X_ac|^2`` in the working basis)."""
    n = model.n
    if not model.ops:
        return jnp.zeros((0, n, n), _CDTYPE)
    return jnp.stack([jnp.sqrt(jnp.asarray(r, jnp.float64)) * x for x, r in zip(model.ops, model.rates)])


def _scale_bound(model, k):
    """Upper bound on the largest entry of ``L`` (no gradient): ``2 max|H| + max|K|
    + sum_t r_t max|X_t|^2``."""
    sg = jax.lax.stop_gradient
    bound = 2.0 * jnp.max(jnp.abs(sg(model.h_work))) + jnp.max(jnp.abs(sg(k)))
    for x, r in zip(model.ops, model.rates):
        bound = bound + jnp.max(jnp.abs(sg(jnp.asarray(r)))) * jnp.max(jnp.abs(sg(x))) ** 2
    return bound


def liouville_operator(model: LindbladModel, q: tuple, *, dense: bool) -> LiouvilleOperator:
    """The generator of ``model`` on the ``k = 0`` sector of ``q`` as a :class:`LiouvilleOperator`.

    Representation: with the model's charges and known shifts the COO entry list of
    :mod:`._sparse` (memory ``O(nnz)``); on the full space of a model whose terms are all
    local, ``n x n`` products (memory ``O(T n^2)``, never an ``n^2 x n^2`` array); otherwise
    the dense sector matrix.  ``dense=True`` also assembles the (gradient-free) dense
    matrix, for the LU solver.
    """
    n = model.n
    tvec = trace_vector(q, n)
    # what the Krylov preconditioner needs (T products n x n): not built for the LU path
    k = g = jumps = None
    if not dense:
        k = _no_jump_k(model)
        g = jax.lax.stop_gradient(-1j * model.h_work - 0.5 * k)
        jumps = jax.lax.stop_gradient(_amplitudes(model))
    if q and q == model.charges and model.sparse_ready:
        sp = sparse_sector(model, q)
        rows, cols, vals = sp.entries()
        mv = _coo_matvec(rows, cols, vals, sp.m)
        fast = _coo_matvec(rows, cols, jax.lax.stop_gradient(vals), sp.m)
        mat = jnp.zeros((sp.m, sp.m), vals.dtype).at[rows, cols].add(jax.lax.stop_gradient(vals)) if dense else None
        scale = _scale_bound(model, k) if mat is None else jnp.max(jnp.abs(mat))
        return LiouvilleOperator(mv, fast, tvec, g, jumps, scale, mat, q, n, "sparse")
    if not q and all(lab is None for lab in model.clusters) and not dense:
        mv, fast = _local_matvec(model, k, fast=False), _local_matvec(model, k, fast=True)
        return LiouvilleOperator(mv, fast, tvec, g, jumps, _scale_bound(model, k), None, q, n, "matrix-free")
    full = sector_generator(model, q).total()
    mat = jax.lax.stop_gradient(full)
    return LiouvilleOperator(
        lambda x: full @ x, lambda x: mat @ x, tvec, g, jumps, jnp.max(jnp.abs(mat)), mat, q, n, "dense"
    )


def trace_vector(q, n):
    """The trace functional ``t`` on the sector pairs (1 on ``(i, i)``).

    On the full space it is computed at run time from a ``(n,)`` range behind an
    optimisation barrier: an ``n^2`` constant would be folded by XLA at compile time.
    """
    if not q:
        idx = jax.lax.optimization_barrier(jnp.arange(n))
        return (idx[:, None] == idx[None, :]).astype(_CDTYPE).reshape(-1)
    a, b = sector_pairs(q, n)
    return jnp.asarray((a == b).astype(np.complex128))


def _coo_matvec(rows, cols, vals, m):
    """``y -> M y`` from COO entries (its transpose in ``vals`` is a gather)."""
    rows_j, cols_j = jnp.asarray(rows), jnp.asarray(cols)

    def mv(y):
        return jax.ops.segment_sum(vals * y[cols_j], rows_j, num_segments=m)

    return mv
