"""Steady states of GKSL models: one entry point, implicit gradients, RESULTS-coded failure.

``steady_state(model, *, space=AutoSpace(), solver=AutoSolver(), throw=True)`` builds
the generator on the chosen Liouville-space block as a
:class:`~jaxqtm.lindblad._generator.LiouvilleOperator` (sparse entry list, dense sector
matrix or ``n x n`` products), solves with the chosen solver of :mod:`._linsolve`
(:class:`BorderedLU` for small sectors, matrix-free :class:`Krylov` beyond the measured
crossover) and judges the result against the solver's tolerances.  Gradients are
implicit (one transposed solve per reverse pass), see :mod:`._linsolve`.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from .._checks import check_type
from .._numerics import after  # serialises LAPACK calls (jaxlib 0.10.2 CPU deadlock)
from .._results import RESULTS, AbstractResult, finish, first_failure, nan_where_invalid
from ._blocks import block_eigvalsh
from ._generator import LiouvilleOperator, liouville_operator, trace_vector  # noqa: F401 (re-export)
from ._linsolve import AbstractSteadySolver, AutoSolver, SolveInfo, resolve_solver
from ._model import LindbladModel
from ._sector import sector_pairs
from ._space import AbstractSpace, AutoSpace, space_charges
from ._sparse import from_work_blocks, use_block_basis


class SteadyState(AbstractResult):
    """Result of :func:`steady_state` (batched field by field under ``vmap``).

    ``rho``: density matrix (computational basis); ``vector``: its sector vector
    (working basis).  Diagnostics: ``residual`` = max|M x| / (scale max|x|) (``scale``:
    the largest entry of ``M``, or an upper bound for it in the matrix-free form);
    ``trace``; ``min_eigenvalue`` of the Hermitian part of ``rho``; ``hermiticity`` =
    max|rho - rho^dag|; ``gap``: relative spectral-gap estimate (``inf`` when not
    checked); ``matvecs``: operator applications of an iterative solve (0 for the LU);
    ``solver_residual``: the iteration's own relative residual.  ``method`` (static):
    the solver that ran and ``reason``: why it was chosen.  ``result``:
    :class:`jaxqtm.RESULTS` (``nonfinite``, ``not_unique``, ``stagnated``,
    ``not_converged``, ``not_stationary``, ``not_normalised``, ``not_positive``,
    ``not_hermitian`` against the solver's tolerances); ``ok`` = successful.
    """

    rho: jax.Array
    vector: jax.Array
    residual: jax.Array
    trace: jax.Array
    min_eigenvalue: jax.Array
    hermiticity: jax.Array
    gap: jax.Array
    matvecs: jax.Array
    solver_residual: jax.Array
    method: str = eqx.field(static=True)
    reason: str = eqx.field(static=True)
    result: RESULTS


def steady_state(
    model: LindbladModel,
    *,
    space: AbstractSpace = AutoSpace(),
    solver: AbstractSteadySolver = AutoSolver(),
    throw: bool = True,
) -> SteadyState:
    """Steady state of a GKSL model with diagnostics.

    **Arguments:**

    - ``model``: a :class:`LindbladModel`.
    - ``space``: :class:`AutoSpace` (default: the model's charge sector when it has
      charges, else the full space), :class:`U1Sector` or :class:`FullSpace`.
    - ``solver``: :class:`AutoSolver` (default: dense :class:`BorderedLU` up to its
      measured ``crossover`` of sector pairs, matrix-free :class:`Krylov` beyond), or
      either of them to override; their ``rtol``, ``atol``, ``gap_tol`` are behind ``ok``.
      The choice and why are in ``method`` / ``reason`` of the result.
    - ``throw``: raise when the result is not successful (inside ``jit`` too); pass
      ``throw=False`` under ``vmap`` / in sweeps to get flagged points.

    **Returns:** a :class:`SteadyState`.  Differentiable (reverse and forward mode)
    by implicit differentiation; jit/vmap friendly (``model`` may be a batched pytree).
    """
    check_type(
        solver, "solver", AbstractSteadySolver, "jaxqtm.lindblad steady-state solver (AutoSolver, BorderedLU, Krylov)"
    )
    q = space_charges(space, model, dense=False)
    chosen, reason = resolve_solver(solver, sector_pairs(q, model.n)[0].size, model.n)
    if chosen.needs_matrix:
        space_charges(space, model, dense=True)  # the LU refuses an oversized full space
    return finish(_steady_core(model, q, chosen, reason), throw=throw, what="steady_state", detail=_detail)


def _detail(ss, idx):
    return (
        f"{ss.method}: residual {float(ss.residual[idx]):.2e}, trace {float(ss.trace[idx]):.12g}, "
        f"min eigenvalue {float(ss.min_eigenvalue[idx]):.2e}, non-Hermiticity {float(ss.hermiticity[idx]):.2e}, "
        f"gap {float(ss.gap[idx]):.2e}, {int(ss.matvecs[idx])} mat-vecs"
    )


# error of the state per unit of inverse relative gap (round-off amplified by a slow mode)
STATE_ROUNDOFF = 1e-16


def uses_sparse(model, q) -> bool:
    """Sparse sector assembly applies: ``q`` are the model's charges and every
    term's charge shift is known (``LindbladModel.shifts``)."""
    return bool(q) and q == model.charges and model.sparse_ready


@eqx.filter_jit
def _steady_core(model, q, solver, reason):
    op = liouville_operator(model, q, dense=solver.needs_matrix)
    system = solver.linearise(op)
    x, info, gap = system.steady(getattr(solver, "check_unique", True))
    return diagnose(model, op, x, solver, info=info, gap=gap, reason=reason)


def diagnose(
    model, op: LiouvilleOperator, x, solver, *, info: SolveInfo | None = None, gap=None, reason: str = ""
) -> SteadyState:
    """The :class:`SteadyState` of a sector vector ``x`` of ``op`` (residual, trace,
    eigenvalues, Hermiticity, gap) judged against ``solver.rtol`` / ``atol`` / ``gap_tol``."""
    sg = jax.lax.stop_gradient
    r = op.fast_matvec(sg(x))  # gradient-free, cheapest form (gathers for sparse operators)
    residual = jnp.max(jnp.abs(r)) / (op.scale * jnp.max(jnp.abs(x)))
    tvec = op.tvec
    q = op.charges
    trace = jnp.real(jnp.sum(tvec * x))
    rho_w = op.to_matrix(x)
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
    if info is None:
        info = SolveInfo(jnp.asarray(0, jnp.int32), jnp.asarray(0.0), jnp.asarray(True), jnp.asarray(False))
    gap = jnp.asarray(jnp.inf) if gap is None else gap
    bad = residual >= solver.rtol
    result = first_failure(
        (~model.is_valid(), RESULTS.invalid_parameters),
        (~jnp.isfinite(residual) | ~jnp.all(jnp.isfinite(x)), RESULTS.nonfinite),
        (gap < solver.gap_tol, RESULTS.not_unique),
        # a slow mode of relative rate gap leaves the state accurate to ~1e-16 / gap only (measured
        # on a 4-state chain: 1.4e-9 at gap 7.5e-8, 1.1e-5 at 7.5e-12): beyond atol it is not ok
        (STATE_ROUNDOFF / gap > solver.atol, RESULTS.ill_conditioned),
        (bad & info.stagnated, RESULTS.stagnated),
        (bad & ~info.converged, RESULTS.not_converged),
        (bad, RESULTS.not_stationary),
        (jnp.abs(trace - 1.0) >= solver.atol, RESULTS.not_normalised),
        (min_eig <= -solver.atol, RESULTS.not_positive),
        (herm >= 10 * solver.atol, RESULTS.not_hermitian),
    )
    rho, x = nan_where_invalid(result, (rho, x))  # no state from parameters outside their range
    return SteadyState(
        rho,
        x,
        residual,
        trace,
        min_eig,
        herm,
        gap,
        info.matvecs,
        info.solver_residual,
        type(solver).__name__,
        reason,
        result,
    )
