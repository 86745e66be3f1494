"""Steady states by a normalised direct solve, differentiated implicitly.

The steady state ``x`` of a sector generator ``M`` (``M x = 0``, ``t.x = 1``
with ``t`` the trace functional) solves the *non-singular* system

    (M + c t t^T) x = c t.

(Proof: if ``(M + c t t^T) y = 0`` then ``t^T M = 0`` gives ``t.y = 0`` and so
``M y = 0``; uniqueness of the steady state with ``t.x = 1`` forces ``y = 0``.)
The scale ``c`` (mean |diag M|) only balances the rows.  The solve is a dense
LU of the ``m x m`` sector matrix; its reverse-mode derivative is the implicit
function theorem: one adjoint solve ``A^T lam = xbar`` with the *same* LU
factors, ``Abar = -lam x^T`` (never an unrolled iteration).  With known charge
shifts (sparse path) the derivative flows through a COO ``matvec``, so the
parameter cotangent is ``-lam[rows] x[cols]`` per stored entry: the gradient
costs about one extra triangular solve pair plus O(nnz) work.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
import numpy as np

from .._sequence import after  # serialises LAPACK calls (jaxlib 0.10.2 CPU deadlock)
from ._model import LindbladModel, sector_generator
from ._sector import charge_blocks, normalize_charges, sector_pairs
from ._sparse import from_work_blocks, sparse_matvec, sparse_sector, use_block_basis


class AbstractSteadyStateMethod(eqx.Module):
    """How the steady state is computed (strategy object)."""

    def charges_for(self, model: LindbladModel) -> tuple:
        raise NotImplementedError


class SymmetrySector(AbstractSteadyStateMethod):
    """Solve on the ``k = 0`` sector of conserved charges (weak U(1) symmetry).

    ``charges=None`` uses the charges stored in the model.  Exact: the sector
    is invariant and contains the (unique) steady state.  For the rotor device
    at truncation ``L`` the sector has ``6(2L+1) - 2`` pairs instead of
    ``16 (2L+1)^2``.
    """

    charges: tuple | None = eqx.field(static=True, default=None)

    def charges_for(self, model):
        if self.charges is None:
            return model.charges
        return normalize_charges(self.charges, model.n)


class DenseLiouville(AbstractSteadyStateMethod):
    """Full ``n^2 x n^2`` Liouville-space LU (small systems, reference).

    Refuses ``n^2 > max_dim`` (an ``n = 100`` system would need a 10^4 x 10^4 LU).
    """

    max_dim: int = eqx.field(static=True, default=4096)

    def charges_for(self, model):
        if model.n**2 > self.max_dim:
            raise ValueError(
                f"DenseLiouville: Liouville dimension n^2 = {model.n**2} exceeds max_dim = "
                f"{self.max_dim}; use SymmetrySector (charges) instead"
            )
        return ()


def _default_method(model):
    return SymmetrySector() if model.charges else DenseLiouville()


def _normalised_solve(a, b):
    """``a^{-1} b`` by one LU; derivatives by the implicit function theorem.

    ``lax.custom_linear_solve`` differentiates through ``matvec`` only
    (``dx = A^{-1}(db - dA x)``) and its transpose (reverse mode) reuses the
    same LU factors with ``trans=1`` (JAX's complex VJPs are transposes, not
    adjoints).  Works in forward and reverse mode and under vmap.  Used for
    user-supplied sector matrices (:func:`solve_sector`).
    """
    lu = jax.lax.stop_gradient(jsl.lu_factor(a))

    def matvec(x):
        return a @ x

    def solve(_, rhs):
        return jsl.lu_solve(lu, rhs)

    def transpose_solve(_, rhs):
        return jsl.lu_solve(lu, rhs, trans=1)

    return jax.lax.custom_linear_solve(matvec, b, solve, transpose_solve=transpose_solve)


def trace_vector(charges, n):
    a, b = sector_pairs(charges, n)
    return jnp.asarray((a == b).astype(np.complex128))


def solve_sector(mat, tvec):
    """Steady-state vector of a sector matrix ``mat`` (normalised, implicit gradient)."""
    c = jax.lax.stop_gradient(jnp.mean(jnp.abs(jnp.diagonal(mat))) + 1e-300)
    a = mat + c * jnp.outer(tvec, tvec)
    return _normalised_solve(a, c * tvec)


class SteadyState(eqx.Module):
    """Result of :func:`steady_state`.

    ``rho``: density matrix (computational basis).  Diagnostics: ``residual``
    = max|L x| / (max|L| max|x|); ``trace``; ``min_eigenvalue`` of the
    Hermitian part of ``rho``; ``hermiticity`` = max|rho - rho^dag|; ``ok``:
    all finite, residual < 1e-9, |trace - 1| < 1e-9, min eigenvalue > -1e-9.
    Under ``vmap`` every field is batched, so bad points are flagged in ``ok``.
    """

    rho: jax.Array
    vector: jax.Array
    residual: jax.Array
    trace: jax.Array
    min_eigenvalue: jax.Array
    hermiticity: jax.Array
    ok: jax.Array




def _min_eig_2x2(blk):
    """Smallest eigenvalue of stacked Hermitian 2x2 blocks in closed form (no LAPACK)."""
    a, d = jnp.real(blk[:, 0, 0]), jnp.real(blk[:, 1, 1])
    off = jnp.abs(blk[:, 0, 1]) ** 2
    return 0.5 * (a + d) - jnp.sqrt(0.25 * (a - d) ** 2 + off)


def min_eigenvalue_blocks(rho_work, charges):
    """Smallest eigenvalue of the Hermitian part, block by block of equal charges.

    1x1 and 2x2 blocks in closed form (no LAPACK call; the rotor device has only
    these); the batched ``eigvalsh`` of larger block sizes are chained by data
    dependencies (:func:`after`) so that no two batched LAPACK calls run
    concurrently (jaxlib 0.10.2 CPU deadlock).  Returns ``(min, used_lapack)``.
    """
    n = rho_work.shape[-1]
    herm = 0.5 * (rho_work + jnp.conj(rho_work.T))
    mins = []
    lapack = False
    for idx in charge_blocks(charges, n):
        if idx.shape[1] == 1:
            mins.append(jnp.min(jnp.real(herm[idx[:, 0], idx[:, 0]])))
            continue
        blk = herm[idx[:, :, None], idx[:, None, :]]
        if idx.shape[1] == 2:
            mins.append(jnp.min(_min_eig_2x2(blk)))
            continue
        if mins:
            blk = after(blk, mins[-1])
        mins.append(jnp.min(jax.vmap(jnp.linalg.eigvalsh)(blk)))
        lapack = True
    return jnp.min(jnp.stack(mins)), lapack


def steady_state(model: LindbladModel, *, method: AbstractSteadyStateMethod | None = None):
    """Steady state of a GKSL model with diagnostics.

    **Arguments:**

    - ``model``: a :class:`LindbladModel`.
    - ``method``: :class:`SymmetrySector` (default when the model has charges)
      or :class:`DenseLiouville` (default otherwise).

    **Returns:** a :class:`SteadyState`.  Differentiable (reverse and forward
    mode) by implicit differentiation; jit/vmap friendly (``model`` may be a
    batched pytree under ``vmap``).
    """
    if not isinstance(model, LindbladModel):
        raise ValueError("model must be a jaxqtm.lindblad.LindbladModel")
    method = _default_method(model) if method is None else method
    q = method.charges_for(model)
    return _steady_core(model, q)


@eqx.filter_jit
def _steady_core(model, q):
    # Implicit differentiation through lax.custom_linear_solve (adjoint solve with
    # the same LU).  A custom_jvp through the matrix-form apply_generator was
    # tried as an alternative and measured slower for the rotor device on CPU.
    tvec = trace_vector(q, model.n)
    if uses_sparse(model, q):
        sp = sparse_sector(model, q)
        rows, cols, vals = sp.entries()
        mat = jnp.zeros((sp.m, sp.m), vals.dtype).at[rows, cols].add(jax.lax.stop_gradient(vals))
        x = solve_sparse(mat, sparse_matvec(rows, cols, vals, sp.m), tvec)
        return _finish(model, q, mat, tvec, x)
    mat = sector_generator(model, q).total()
    x = solve_sector(mat, tvec)
    return _finish(model, q, jax.lax.stop_gradient(mat), tvec, x)


def uses_sparse(model, q) -> bool:
    """Sparse sector assembly applies: ``q`` are the model's charges and every
    term's charge shift is known (``LindbladModel.shifts``)."""
    return bool(q) and q == model.charges and model.sparse_ready


def solve_sparse(mat, matvec, tvec):
    """Steady-state vector: LU of the (gradient-free) dense sector matrix ``mat``;
    the derivative flows through ``matvec`` (COO entries), so the reverse pass
    is ``vals_bar = -lam[rows] x[cols]`` (a gather) after one adjoint LU solve
    that reuses the forward factors."""
    c = jnp.mean(jnp.abs(jnp.diagonal(mat))) + 1e-300
    lu = jsl.lu_factor(mat + c * jnp.outer(tvec, tvec))

    def mv(y):
        return matvec(y) + c * tvec * jnp.sum(tvec * y)

    def solve(_, rhs):
        return jsl.lu_solve(lu, rhs)

    def transpose_solve(_, rhs):
        return jsl.lu_solve(lu, rhs, trans=1)

    return jax.lax.custom_linear_solve(mv, c * tvec, solve, transpose_solve=transpose_solve)


def _finish(model, q, mat, tvec, x):
    r = mat @ x
    residual = jnp.max(jnp.abs(r)) / (jnp.max(jnp.abs(mat)) * jnp.max(jnp.abs(x)))
    trace = jnp.real(jnp.sum(tvec * x))
    n = model.n
    a, b = sector_pairs(q, n)
    rho_w = jnp.zeros((n, n), x.dtype).at[a, b].set(x)
    herm = jnp.max(jnp.abs(rho_w - jnp.conj(rho_w.T)))
    # eigenvalues: the working basis carries the same charges, blocks are exact
    qb = q if q else model.charges
    min_eig, lapack = min_eigenvalue_blocks(rho_w, qb)
    rho = from_work_blocks(model, rho_w) if q == model.charges and use_block_basis(model) else model.from_work(rho_w)
    if lapack:
        # the state leaves only after the diagnostic eigen-solves: later LAPACK calls
        # (e.g. the adjoint LU solve of a gradient) cannot run concurrently with them
        rho, x = after((rho, x), min_eig)
    ok = (
        jnp.isfinite(residual)
        & (residual < 1e-9)
        & (jnp.abs(trace - 1.0) < 1e-9)
        & (min_eig > -1e-9)
        & (herm < 1e-8)
    )
    return SteadyState(rho, x, residual, trace, min_eig, herm, ok)
