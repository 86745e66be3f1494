"""Steady states of GKSL models: one entry point, implicit gradients, RESULTS-coded failure.

``steady_state(model, *, space=AutoSpace(), solver=BorderedLU(), throw=True)``
assembles the generator on the chosen Liouville-space block (:mod:`._space`),
solves the bordered system of :mod:`._linsolve` and judges the result against
the solver's tolerances.  With known charge shifts the generator is a sparse
entry list: the LU is of the (gradient-free) dense sector matrix and the
derivative flows through the COO mat-vec, so the reverse pass is
``vals_bar = -lam[rows] x[cols]`` (a gather) after one adjoint LU solve.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._checks import check_type
from .._numerics import after  # serialises LAPACK calls (jaxlib 0.10.2 CPU deadlock)
from .._results import RESULTS, AbstractResult, finish, first_failure
from ._blocks import block_eigvalsh
from ._generator import sector_generator
from ._linsolve import AbstractSteadySolver, BorderedLU, sparse_matvec
from ._model import LindbladModel
from ._sector import sector_pairs
from ._space import AbstractSpace, AutoSpace, space_charges
from ._sparse import from_work_blocks, sparse_sector, use_block_basis


class SteadyState(AbstractResult):
    """Result of :func:`steady_state` (batched field by field under ``vmap``).

    ``rho``: density matrix (computational basis); ``vector``: its sector vector
    (working basis).  Diagnostics: ``residual`` = max|M x| / (max|M| max|x|);
    ``trace``; ``min_eigenvalue`` of the Hermitian part of ``rho``; ``hermiticity``
    = max|rho - rho^dag|; ``result``: :class:`jaxqtm.RESULTS` (``not_stationary``,
    ``not_normalised``, ``not_positive``, ``not_hermitian``, ``nonfinite`` against
    the solver's ``rtol``/``atol``); ``ok`` = successful.
    """

    rho: jax.Array
    vector: jax.Array
    residual: jax.Array
    trace: jax.Array
    min_eigenvalue: jax.Array
    hermiticity: jax.Array
    result: RESULTS


def trace_vector(charges, n):
    """The trace functional ``t`` on the sector pairs (1 on ``(i, i)``)."""
    a, b = sector_pairs(charges, n)
    return jnp.asarray((a == b).astype(np.complex128))


def steady_state(
    model: LindbladModel,
    *,
    space: AbstractSpace = AutoSpace(),
    solver: AbstractSteadySolver = BorderedLU(),
    throw: bool = True,
) -> SteadyState:
    """Steady state of a GKSL model with diagnostics.

    **Arguments:**

    - ``model``: a :class:`LindbladModel`.
    - ``space``: :class:`AutoSpace` (default: the model's charge sector when it has
      charges, else the full space), :class:`U1Sector` or :class:`FullSpace`.
    - ``solver``: :class:`BorderedLU` (tolerances ``rtol``, ``atol`` behind ``ok``).
    - ``throw``: raise when the result is not successful (inside ``jit`` too); pass
      ``throw=False`` under ``vmap`` / in sweeps to get flagged points.

    **Returns:** a :class:`SteadyState`.  Differentiable (reverse and forward mode)
    by implicit differentiation; jit/vmap friendly (``model`` may be a batched pytree).
    """
    check_type(solver, "solver", AbstractSteadySolver, "jaxqtm.lindblad steady-state solver (BorderedLU)")
    q = space_charges(space, model)
    return finish(_steady_core(model, q, solver), throw=throw, what="steady_state", detail=_detail)


def _detail(ss, idx):
    return (
        f"residual {float(ss.residual[idx]):.2e}, trace {float(ss.trace[idx]):.12g}, "
        f"min eigenvalue {float(ss.min_eigenvalue[idx]):.2e}, non-Hermiticity {float(ss.hermiticity[idx]):.2e}"
    )


def uses_sparse(model, q) -> bool:
    """Sparse sector assembly applies: ``q`` are the model's charges and every
    term's charge shift is known (``LindbladModel.shifts``)."""
    return bool(q) and q == model.charges and model.sparse_ready


@eqx.filter_jit
def _steady_core(model, q, solver):
    tvec = trace_vector(q, model.n)
    if uses_sparse(model, q):
        sp = sparse_sector(model, q)
        rows, cols, vals = sp.entries()
        mat = jnp.zeros((sp.m, sp.m), vals.dtype).at[rows, cols].add(jax.lax.stop_gradient(vals))
        system = solver.linearise(mat, tvec, sparse_matvec(rows, cols, vals, sp.m))
    else:
        mat = sector_generator(model, q).total()
        system = solver.linearise(mat, tvec)
    x = system.steady()
    return diagnose(model, q, jax.lax.stop_gradient(mat), tvec, x, solver)


def diagnose(model, q, mat, tvec, x, solver) -> SteadyState:
    """The :class:`SteadyState` of a sector vector ``x`` of ``mat`` (residual, trace,
    eigenvalues, Hermiticity) judged against ``solver.rtol`` / ``solver.atol``."""
    r = mat @ x
    residual = jnp.max(jnp.abs(r)) / (jnp.max(jnp.abs(mat)) * jnp.max(jnp.abs(x)))
    trace = jnp.real(jnp.sum(tvec * x))
    n = model.n
    a, b = sector_pairs(q, n)
    rho_w = jnp.zeros((n, n), x.dtype).at[a, b].set(x)
    herm = jnp.max(jnp.abs(rho_w - jnp.conj(rho_w.T)))
    # eigenvalues: the working basis carries the same charges, blocks are exact
    evals, lapack = block_eigvalsh(0.5 * (rho_w + jnp.conj(rho_w.T)), q if q else model.charges)
    min_eig = jnp.min(evals)
    if q and q == model.charges and use_block_basis(model):
        rho = from_work_blocks(model, rho_w)
    else:
        rho = model.from_work(rho_w)
    if lapack:
        # the state leaves only after the diagnostic eigen-solves: later LAPACK calls
        # (e.g. the adjoint LU solve of a gradient) cannot run concurrently with them
        rho, x = after((rho, x), min_eig)
    result = first_failure(
        (~jnp.isfinite(residual) | ~jnp.all(jnp.isfinite(x)), RESULTS.nonfinite),
        (residual >= solver.rtol, RESULTS.not_stationary),
        (jnp.abs(trace - 1.0) >= solver.atol, RESULTS.not_normalised),
        (min_eig <= -solver.atol, RESULTS.not_positive),
        (herm >= 10 * solver.atol, RESULTS.not_hermitian),
    )
    return SteadyState(rho, x, residual, trace, min_eig, herm, result)
