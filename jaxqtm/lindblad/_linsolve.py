"""The linear solves of the GKSL core: steady states and the Drazin inverse, by LU or by Krylov.

Both solvers take a :class:`~jaxqtm.lindblad._generator.LiouvilleOperator` ``M`` (``m x m``
on a sector, ``m = n^2`` on the full space) with trace functional ``t`` and return a
:class:`SteadySystem` whose :meth:`~SteadySystem.steady` gives the state (``M x = 0``,
``t.x = 1``) and whose :meth:`~SteadySystem.drazin` gives ``M^D y`` on traceless vectors
(the vectors of the counting-field perturbation series).

* :class:`BorderedLU`: dense LU of the bordered matrix ``A = [[M, v], [t^T, 0]]``,
  ``v = t / (t.t)``; ``A [x; mu] = [0; 1]`` is the steady state and ``A [x; mu] = [y; 0]``
  (``t.y = 0``) the Drazin inverse.  ``O(m^3)``: the choice for small sectors.  Why
  bordered and not the rank-one update ``M + c t t^T`` (same solutions): for the
  qubit--rotor device at L = 12 the update with ``c`` = mean |diag M| has condition number
  2e7 against 8e5 for the bordered matrix, and its steady state is 3e-10 (relative) away
  from QuTiP's against 9e-12 (measured; see ``tests/lindblad``).
* :class:`Krylov`: restarted GMRES on the deflated operator ``A x = M x + c v (t.x)``
  (``c`` = the operator's scale), right-preconditioned by the inverse of its no-jump part
  (:mod:`._krylov`).  ``A x = c v`` is the steady state (tracing gives ``t.x = 1``, then
  ``M x = 0``) and ``A x = y`` with ``t.y = 0`` the Drazin inverse (``t.x = 0``).  Memory
  ``O(k m)`` for ``k`` Krylov vectors; cost per step one mat-vec (``n x n`` products for a
  local model) and one Lyapunov solve (four ``n x n`` products).  A rank-one update is
  harmless here: GMRES sees its spectrum only through the preconditioned operator.

Uniqueness.  Both systems are non-singular exactly when the steady state is unique.
:meth:`SteadySystem.gap` solves once more, for a pseudo-random traceless ``r``: in the
unique case ``M y = r`` is solvable and ``||r|| / (scale ||y||)`` estimates the relative
spectral gap; with two decoupled subspaces ``r`` has a component along the second conserved
quantity, the LU returns a ``1/eps``-sized ``y`` and GMRES stagnates -- both read as gap ~ 0.

Differentiation: every solve goes through ``lax.custom_linear_solve`` with ``M`` only in
the mat-vec (LU factors and preconditioner from ``stop_gradient``).  Reverse mode costs
one *transposed* solve (``trans=1`` for the LU, GMRES on the transposed operator with the
transposed preconditioner for Krylov -- JAX's complex VJPs are transposes, not adjoints)
-- the adjoint of the implicit function theorem, never an unrolled iteration.  With a
sparse generator the mat-vec is a COO product, so the parameter cotangent is a gather.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl

from ._generator import LiouvilleOperator
from ._krylov import bicgstab, gmres, lyapunov_preconditioner


class SolveInfo(eqx.Module):
    """Diagnostics of a steady-state solve: ``matvecs`` (0 for the LU), the solver's own
    relative residual, and whether the iteration ``converged`` / ``stagnated``."""

    matvecs: jax.Array
    solver_residual: jax.Array
    converged: jax.Array
    stagnated: jax.Array


class SteadySystem(eqx.Module):
    """A prepared steady-state system (see module docstring)."""

    tvec: jax.Array
    scale: jax.Array

    @abc.abstractmethod
    def steady(self, check_unique: bool = True) -> tuple[jax.Array, SolveInfo, jax.Array]:
        """Steady-state vector with ``t.x = 1``, the solve's diagnostics and the relative
        spectral-gap estimate (``inf`` when ``check_unique`` is False)."""

    @abc.abstractmethod
    def solve_traceless(self, y):
        """``x`` with ``M x = y``, ``t.x = 0`` for traceless ``y`` of shape ``(m,)``."""

    def drazin(self, y, rho):
        """``M^D (1 - P) y`` for ``y`` of shape ``(m,)`` or ``(B, m)``; ``P = |rho><t|``."""
        single = y.ndim == 1
        y2 = y[None] if single else y
        y2 = y2 - rho[None, :] * (y2 @ self.tvec)[:, None]
        x = jax.vmap(self.solve_traceless)(y2)
        return x[0] if single else x  # pyright: ignore[reportOptionalSubscript]

    def probe(self):
        """A pseudo-random traceless vector (made at run time: no ``m``-sized constant)."""
        m = self.tvec.shape[0]
        key = jax.lax.optimization_barrier(jax.random.PRNGKey(20261201))
        kr, ki = jax.random.split(key)
        r = jax.random.normal(kr, (m,)) + 1j * jax.random.normal(ki, (m,))
        return r - self.tvec * (self.tvec @ r) / (self.tvec @ self.tvec)

    def gap_of(self, r, y, ok):
        """Relative spectral-gap estimate ``||r|| / (scale ||M^D r||)`` (no gradient); 0 when
        the solve for ``r`` failed (a non-unique steady state makes it unsolvable)."""
        y = jax.lax.stop_gradient(y)
        g = jnp.linalg.norm(r) / (self.scale * jnp.linalg.norm(y))
        return jnp.where(ok & jnp.isfinite(g), g, 0.0)


class AbstractSteadySolver(eqx.Module):
    """How the steady-state system is solved, and how accurate ``ok`` means.

    ``rtol``: largest accepted residual ``max|M x| / (scale max|x|)``; ``atol``: largest
    accepted ``|tr - 1|``, negative eigenvalue and non-Hermiticity; ``gap_tol``: smallest
    accepted relative spectral gap (below it the steady state is reported not unique).
    """

    rtol: eqx.AbstractVar[float]
    atol: eqx.AbstractVar[float]
    gap_tol: eqx.AbstractVar[float]

    #: whether :meth:`linearise` needs the dense matrix of the operator
    needs_matrix: ClassVar[bool] = False

    @abc.abstractmethod
    def linearise(self, op: LiouvilleOperator) -> SteadySystem:
        """Prepare the steady-state system of ``op`` (factorisation or preconditioner)."""


# --------------------------------------------------------------------------
# dense bordered LU
# --------------------------------------------------------------------------
class BorderedLU(AbstractSteadySolver):
    """Dense LU of the ``(m + 1) x (m + 1)`` bordered (sector) system (``O(m^3)``).

    ``rtol = 1e-9``, ``atol = 1e-9``: the tolerances behind ``ok`` (the full space is
    limited by :class:`~jaxqtm.lindblad.FullSpace` ``max_dim``; use :class:`Krylov` beyond).
    """

    rtol: float = eqx.field(static=True, default=1e-9)
    atol: float = eqx.field(static=True, default=1e-9)
    gap_tol: float = eqx.field(static=True, default=1e-12)
    needs_matrix: ClassVar[bool] = True

    def linearise(self, op):
        if op.matrix is None:
            raise ValueError("BorderedLU needs the assembled generator (liouville_operator(dense=True))")
        return bordered_lu(op.matrix, op.tvec, op.matvec, scale=op.scale)


class BorderedSystem(SteadySystem):
    """A factorised bordered system: :meth:`steady` and :meth:`drazin` reuse one LU."""

    solve: Callable  # (m + 1,) -> same

    def steady(self, check_unique=True):
        m = self.tvec.shape[0]
        rhs = jnp.zeros(m + 1, self.tvec.dtype).at[m].set(1.0)
        x = self.solve(rhs)[:m]
        info = SolveInfo(jnp.asarray(0, jnp.int32), jnp.asarray(0.0), jnp.asarray(True), jnp.asarray(False))
        gap = jnp.asarray(jnp.inf)
        if check_unique:
            r = self.probe()
            y = self.solve_traceless(r)
            gap = self.gap_of(r, y, jnp.all(jnp.isfinite(y)))
        return x, info, gap

    def solve_traceless(self, y):
        return self.solve(jnp.concatenate([y, jnp.zeros((1,), y.dtype)]))[:-1]


def bordered_lu(mat, tvec, matvec: Callable | None = None, *, scale=None) -> BorderedSystem:
    """Factor ``A = [[M, t/(t.t)], [t^T, 0]]`` (LU of ``stop_gradient(A)``); solves
    differentiate implicitly through ``matvec`` (default ``mat @ x``)."""
    m0 = jax.lax.stop_gradient(mat)
    dtype = m0.dtype
    tvec = jnp.asarray(tvec, dtype)
    m = tvec.shape[0]
    v = tvec / jnp.sum(tvec * tvec)
    top = jnp.concatenate([m0, v[:, None]], axis=1)
    bottom = jnp.concatenate([tvec, jnp.zeros((1,), dtype)])[None, :]
    lu = jsl.lu_factor(jnp.concatenate([top, bottom], axis=0))
    mv = (lambda y: mat @ y) if matvec is None else matvec

    def full_mv(z):
        x, mu = z[:m], z[m]
        return jnp.concatenate([mv(x) + v * mu, jnp.dot(tvec, x)[None]])

    def lu_solve(_, rhs):
        return jsl.lu_solve(lu, rhs)

    def lu_solve_t(_, rhs):
        return jsl.lu_solve(lu, rhs, trans=1)

    def solve(rhs):
        return jax.lax.custom_linear_solve(full_mv, rhs, lu_solve, transpose_solve=lu_solve_t)

    sc = jnp.max(jnp.abs(m0)) if scale is None else scale
    return BorderedSystem(tvec, sc, solve)


# --------------------------------------------------------------------------
# matrix-free Krylov
# --------------------------------------------------------------------------
class Krylov(AbstractSteadySolver):
    """Matrix-free Krylov solve, right-preconditioned by the no-jump Lyapunov solve.

    - ``method``: ``"bicgstab"`` (default; at most ``max_steps = 2000`` steps per cycle)
      or ``"gmres"`` (``restart = 40`` Krylov vectors per cycle);
    - ``tol = 1e-14``: the iteration stops at relative residual ``||b - A x|| / ||b|| <= tol``
      (the state's error is about ``tol / gap``: on the ill-conditioned qubit--rotor full
      space, gap 1e-4, tol 1e-12 left 6e-8 in the third cumulant, 1e-14 5e-9, 1e-15 5e-11,
      for 797 / 841 / 859 mat-vecs: the last digits are cheap);
      at most ``max_restarts = 25`` cycles (each restarted from the true residual);
    - ``shift = 1e-6``: Lyapunov shift relative to the largest decay rate (keeps the
      preconditioner finite on a dark state);
    - ``populations = None``: whether the preconditioner also inverts the jumps between
      the eigen-populations of ``G`` (an ``n x n`` rate matrix): None decides at run time
      (on in the weakly damped, secular regime; see :func:`._krylov.lyapunov_preconditioner`);
    - ``check_unique = True``: one more solve to estimate the spectral gap (flags a
      non-unique steady state; ``False`` halves the cost);
    - ``rtol``, ``atol``, ``gap_tol``: the tolerances behind ``ok`` (as for :class:`BorderedLU`).
    """

    rtol: float = eqx.field(static=True, default=1e-9)
    atol: float = eqx.field(static=True, default=1e-9)
    gap_tol: float = eqx.field(static=True, default=1e-12)
    method: str = eqx.field(static=True, default="bicgstab")
    tol: float = eqx.field(static=True, default=1e-14)
    max_steps: int = eqx.field(static=True, default=2000)
    restart: int = eqx.field(static=True, default=40)
    max_restarts: int = eqx.field(static=True, default=25)
    shift: float = eqx.field(static=True, default=1e-6)
    check_unique: bool = eqx.field(static=True, default=True)
    populations: bool | None = eqx.field(static=True, default=None)

    def __check_init__(self):
        if self.method not in ("bicgstab", "gmres"):
            raise ValueError(f"Krylov: method = {self.method!r}; allowed: 'bicgstab', 'gmres'")

    def iterate(self, matvec, b, precond, tol=None):
        """Run the chosen iteration on ``A x = b`` (``tol`` overrides ``self.tol``)."""
        tol = self.tol if tol is None else tol
        if self.method == "gmres":
            return gmres(matvec, b, precond, tol=tol, restart=self.restart, max_restarts=self.max_restarts)
        return bicgstab(matvec, b, precond, tol=tol, max_steps=self.max_steps, max_restarts=self.max_restarts)

    def linearise(self, op):
        return krylov_system(op, self)


class KrylovSystem(SteadySystem):
    """Deflated operator ``A = M + c v t^T`` with its Sherman--Morrison-corrected preconditioner."""

    op: LiouvilleOperator
    precond: Callable
    solver: Krylov

    def _deflated(self, matvec):
        c, v, t = self.scale, self.tvec / (self.tvec @ self.tvec), self.tvec
        return lambda x: matvec(x) + (c * jnp.dot(t, x)) * v

    def _run(self, b, tols):
        """``x = A^-1 b`` for the rows of ``b`` (``(B, m)``, tolerances ``tols``) with implicit
        derivatives, and the iteration's diagnostics (one batched loop for all rows)."""
        s = self.solver
        a = jax.vmap(self._deflated(self.op.matvec))  # carries the derivative
        fast = self._deflated(self.op.fast_matvec)  # what the iterations apply
        pre = self.precond
        tols = jnp.asarray(tols, jnp.float64)

        def solve(_, rhs):
            return jax.vmap(lambda r, t: s.iterate(fast, r, pre, t))(rhs, tols)

        def solve_t(_, rhs):
            fast_t = jax.linear_transpose(fast, rhs[0])
            pre_t = jax.linear_transpose(pre, rhs[0])
            return jax.vmap(lambda r: s.iterate(lambda y: fast_t(y)[0], r, lambda y: pre_t(y)[0]))(rhs)

        return jax.lax.custom_linear_solve(a, b, solve, transpose_solve=solve_t, has_aux=True)

    def steady(self, check_unique=True):
        v = self.tvec / (self.tvec @ self.tvec)
        b = (self.scale * v)[None]
        tols = [self.solver.tol]
        if check_unique:  # the gap probe rides in the same loop, to a loose tolerance
            b = jnp.concatenate([b, jax.lax.stop_gradient(self.probe())[None]])
            tols.append(max(self.solver.tol, 1e-6))
        x, info = self._run(b, tols)
        gap = self.gap_of(b[1], x[1], info.converged[1]) if check_unique else jnp.asarray(jnp.inf)
        return x[0], SolveInfo(info.matvecs[0], info.residual[0], info.converged[0], info.stagnated[0]), gap

    def solve_traceless(self, y):
        return self._run(y[None], [self.solver.tol])[0][0]


def krylov_system(op: LiouvilleOperator, solver: Krylov) -> KrylovSystem:
    """Preconditioner of ``A = M + c v t^T``: ``(N_mu + c v t^T)^-1`` by Sherman--Morrison,
    ``N_mu^-1`` the shifted Lyapunov solve of the no-jump part (in ``n x n`` form)."""
    if op.g is None:
        raise ValueError("Krylov needs the operator built for it (liouville_operator(dense=False))")
    lyap = lyapunov_preconditioner(op.g, solver.shift, op.jumps, solver.populations)
    t = op.tvec
    v = t / (t @ t)
    c = jax.lax.stop_gradient(op.scale)

    def n_inv(y):
        return op.from_matrix(lyap(op.to_matrix(y)))

    zv = n_inv(v)
    denom = 1.0 + c * jnp.dot(t, zv)

    def precond(y):
        z = n_inv(y)
        return z - zv * (c * jnp.dot(t, z) / denom)

    return KrylovSystem(op.tvec, c, op, precond, solver)


# --------------------------------------------------------------------------
# automatic choice
# --------------------------------------------------------------------------
class AutoSolver(AbstractSteadySolver):
    """:class:`BorderedLU` up to ``crossover`` sector pairs, :class:`Krylov` beyond.

    ``crossover = 600``: measured on a 2-core CPU (generic models of
    ``benchmarks/_steady_models.py``): the run times cross at m ~ 150-250 (at m = 256:
    LU 7-8 ms, Krylov 2-6 ms; at m = 576: 30-37 ms against 8-14 ms; at m = 1024: 170 ms
    against 6-32 ms), while the Krylov program compiles ~3 s longer (1.5 s against 4.5 s)
    and the LU is exact to rounding on ill-conditioned generators, so sectors up to a few
    tens of ms of LU stay on it.  ``sector_ratio = 8``: a Krylov step costs about
    eight ``n x n`` products (its preconditioner works on ``n x n`` matrices whatever the
    sector), so against the sector LU's ``m^3 / 3`` it pays only for ``m^3 >~ 400 n^3``
    steps-worth, i.e. ``m > 8 n``: a thin charge sector (the qubit--rotor device has
    ``m ~ 1.5 n``) stays on the LU at any size, the full space (``m = n^2``) does not.
    ``rtol``/``atol``/``gap_tol`` are passed to the chosen solver.
    """

    rtol: float = eqx.field(static=True, default=1e-9)
    atol: float = eqx.field(static=True, default=1e-9)
    gap_tol: float = eqx.field(static=True, default=1e-12)
    crossover: int = eqx.field(static=True, default=600)
    sector_ratio: float = eqx.field(static=True, default=8.0)

    def choose(self, m: int, n: int) -> tuple[AbstractSteadySolver, str]:
        """The solver for a sector of ``m`` pairs of an ``n``-level model, and why."""
        rtol, atol, gap_tol = self.rtol, self.atol, self.gap_tol
        if m <= self.crossover:
            return BorderedLU(rtol, atol, gap_tol), f"m = {m} <= crossover {self.crossover}: dense bordered LU"
        if m <= self.sector_ratio * n:
            return BorderedLU(rtol, atol, gap_tol), (
                f"m = {m} <= {self.sector_ratio:g} n = {self.sector_ratio * n:g}: a thin sector, its LU is "
                "cheaper than Krylov steps on n x n matrices"
            )
        return Krylov(rtol, atol, gap_tol), (
            f"m = {m} > crossover {self.crossover} and > {self.sector_ratio:g} n = {self.sector_ratio * n:g}: "
            "matrix-free Krylov"
        )

    def linearise(self, op):
        return self.choose(op.size, op.n)[0].linearise(op)


def resolve_solver(solver: AbstractSteadySolver, m: int, n: int) -> tuple[AbstractSteadySolver, str]:
    """The concrete solver behind ``solver`` for ``m`` sector pairs of an ``n``-level model, and why."""
    if isinstance(solver, AutoSolver):
        return solver.choose(m, n)
    return solver, f"{type(solver).__name__} requested"
