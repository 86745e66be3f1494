"""The one linear solve of the GKSL core: steady states and the Drazin inverse.

The steady state ``x`` of a (sector) generator ``M`` (``M x = 0``, ``t.x = 1``
with ``t`` the trace functional) solves the *non-singular* system

    A x = (M + c t t^T) x = c t.

(Proof: if ``A y = 0`` then ``t^T M = 0`` gives ``c (t.t)(t.y) = 0``, so
``t.y = 0`` and ``M y = 0``; uniqueness of the steady state with ``t.x = 1``
forces ``y = 0``.)  The scale ``c`` (mean |diag M|) only balances the rows.  The
*same* factorisation applies the Drazin inverse: for a traceless ``y``,
``A x = y`` gives ``t.x = 0`` (trace the equation) and ``M x = y``, i.e.
``x = M^D y`` -- the vectors of the counting-field perturbation series.

Differentiation: the LU factors are computed from ``stop_gradient(A)`` and every
solve goes through ``lax.custom_linear_solve`` with ``M`` only in the mat-vec.
Reverse mode therefore costs one *transposed* solve with the same factors
(``trans=1``: JAX's complex VJPs are transposes, not adjoints) per solve -- the
adjoint of the implicit function theorem, never an unrolled iteration -- and
derivatives with respect to ``M`` enter only through ``M @ x``.  With a sparse
generator the mat-vec is a COO product, so the parameter cotangent is a gather.
"""

from __future__ import annotations

import abc
from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl


class AbstractSteadySolver(eqx.Module):
    """How the normalised steady-state system is solved, and how accurate ``ok`` means.

    ``rtol``: largest accepted residual ``max|M x| / (max|M| max|x|)``; ``atol``:
    largest accepted ``|tr - 1|``, negative eigenvalue and non-Hermiticity.
    """

    rtol: eqx.AbstractVar[float]
    atol: eqx.AbstractVar[float]

    @abc.abstractmethod
    def linearise(self, mat, tvec, matvec: Callable | None = None) -> NormalisedSystem:
        """Factor ``M + c t t^T`` once; ``matvec`` (default ``mat @ x``) carries the derivative."""


class NormalisedSystem(eqx.Module):
    """A factorised normalised system: :meth:`steady` and :meth:`drazin` reuse one LU."""

    solve: Callable
    tvec: jax.Array
    scale: jax.Array

    def steady(self):
        """Steady-state vector with ``t.x = 1``."""
        return self.solve(self.scale * self.tvec)

    def drazin(self, y, rho):
        """``M^D (1 - P) y`` for ``y`` of shape ``(m,)`` or ``(B, m)``; ``P = |rho><t|``."""
        single = y.ndim == 1
        y2 = y[None] if single else y
        y2 = y2 - rho[None, :] * (y2 @ self.tvec)[:, None]
        x = self.solve(y2.T).T
        return x[0] if single else x


class NormalisedLU(AbstractSteadySolver):
    """Dense LU of the ``m x m`` normalised (sector) system (``O(m^3)``).

    ``rtol = 1e-9``, ``atol = 1e-9``: the tolerances behind ``ok``.
    """

    rtol: float = eqx.field(static=True, default=1e-9)
    atol: float = eqx.field(static=True, default=1e-9)

    def linearise(self, mat, tvec, matvec=None):
        return normalised_lu(mat, tvec, matvec)


def normalised_lu(mat, tvec, matvec: Callable | None = None) -> NormalisedSystem:
    """Factor ``A = M + c t t^T`` (LU of ``stop_gradient(A)``); solves differentiate implicitly."""
    m0 = jax.lax.stop_gradient(mat)
    tvec = jnp.asarray(tvec, m0.dtype)
    c = jnp.mean(jnp.abs(jnp.diagonal(m0))) + 1e-300
    lu = jsl.lu_factor(m0 + c * jnp.outer(tvec, tvec))
    mv = (lambda y: mat @ y) if matvec is None else matvec

    def full_mv(y):
        ty = jnp.tensordot(tvec, y, axes=1)
        return mv(y) + c * (jnp.multiply.outer(tvec, ty) if y.ndim > 1 else tvec * ty)

    def lu_solve(_, rhs):
        return jsl.lu_solve(lu, rhs)

    def lu_solve_t(_, rhs):
        return jsl.lu_solve(lu, rhs, trans=1)

    def solve(rhs):
        return jax.lax.custom_linear_solve(full_mv, rhs, lu_solve, transpose_solve=lu_solve_t)

    return NormalisedSystem(solve, tvec, c)


def sparse_matvec(rows, cols, vals, m):
    """``y -> M y`` from COO entries, for ``y`` of shape ``(m,)`` or ``(m, B)`` (its
    transpose in ``vals`` is a gather)."""
    rows_j, cols_j = jnp.asarray(rows), jnp.asarray(cols)

    def mv(y):
        v = vals if y.ndim == 1 else vals[:, None]
        return jax.ops.segment_sum(v * y[cols_j], rows_j, num_segments=m)

    return mv
