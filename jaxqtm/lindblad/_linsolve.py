"""The one linear solve of the GKSL core: steady states and the Drazin inverse.

For a (sector) generator ``M`` (``m x m``) with a unique steady state, the bordered matrix

    A = [[M, v], [t^T, 0]],   t = trace functional (1 on the pairs (i, i)), v = t / (t.t),

is non-singular, and ONE LU factorisation of it gives

* the steady state: ``A [x; mu] = [0; 1]``  =>  ``M x = 0``, ``t.x = 1`` (tracing the
  first block row, ``t^T M = 0``, gives ``mu = 0``);
* the Drazin inverse on traceless vectors: ``A [x; mu] = [y; 0]`` with ``t.y = 0`` gives
  ``M x = y``, ``t.x = 0``, i.e. ``x = M^D y`` -- the vectors of the counting-field
  perturbation series (a round-off trace in ``y`` is absorbed in ``mu``, not in ``x``).

Why bordered and not the rank-one update ``M + c t t^T`` (same solutions): for the
qubit--rotor device at L = 12 the update with ``c`` = mean |diag M| has condition number
2e7 against 8e5 for the bordered matrix, and its steady state is 3e-10 (relative) away
from QuTiP's against 9e-12 (measured; see ``tests/lindblad``).

Differentiation: the LU factors are computed from ``stop_gradient(A)`` and every solve goes
through ``lax.custom_linear_solve`` with ``M`` only in the mat-vec.  Reverse mode therefore
costs one *transposed* solve with the same factors (``trans=1``: JAX's complex VJPs are
transposes, not adjoints) per solve -- the adjoint of the implicit function theorem, never
an unrolled iteration -- and derivatives with respect to ``M`` enter only through
``M @ x``.  With a sparse generator the mat-vec is a COO product, so the parameter
cotangent is a gather.
"""

from __future__ import annotations

import abc
from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl


class AbstractSteadySolver(eqx.Module):
    """How the steady-state system is solved, and how accurate ``ok`` means.

    ``rtol``: largest accepted residual ``max|M x| / (max|M| max|x|)``; ``atol``:
    largest accepted ``|tr - 1|``, negative eigenvalue and non-Hermiticity.
    """

    rtol: eqx.AbstractVar[float]
    atol: eqx.AbstractVar[float]

    @abc.abstractmethod
    def linearise(self, mat, tvec, matvec: Callable | None = None) -> BorderedSystem:
        """Factor the bordered system of ``mat`` once; ``matvec`` (default ``mat @ x``)
        carries the derivative."""


class BorderedSystem(eqx.Module):
    """A factorised bordered system: :meth:`steady` and :meth:`drazin` reuse one LU."""

    solve: Callable  # (m + 1,) or (m + 1, B) -> same
    tvec: jax.Array

    def steady(self):
        """Steady-state vector with ``t.x = 1``."""
        m = self.tvec.shape[0]
        rhs = jnp.zeros(m + 1, self.tvec.dtype).at[m].set(1.0)
        return self.solve(rhs)[:m]

    def drazin(self, y, rho):
        """``M^D (1 - P) y`` for ``y`` of shape ``(m,)`` or ``(B, m)``; ``P = |rho><t|``."""
        single = y.ndim == 1
        y2 = y[None] if single else y
        y2 = y2 - rho[None, :] * (y2 @ self.tvec)[:, None]
        rhs = jnp.concatenate([y2.T, jnp.zeros((1, y2.shape[0]), y2.dtype)], axis=0)
        x = self.solve(rhs)[:-1].T
        return x[0] if single else x


class BorderedLU(AbstractSteadySolver):
    """Dense LU of the ``(m + 1) x (m + 1)`` bordered (sector) system (``O(m^3)``).

    ``rtol = 1e-9``, ``atol = 1e-9``: the tolerances behind ``ok``.
    """

    rtol: float = eqx.field(static=True, default=1e-9)
    atol: float = eqx.field(static=True, default=1e-9)

    def linearise(self, mat, tvec, matvec=None):
        return bordered_lu(mat, tvec, matvec)


def bordered_lu(mat, tvec, matvec: Callable | None = None) -> BorderedSystem:
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
        x, mu = z[:m], z[m:]
        top = mv(x) + (jnp.multiply.outer(v, mu[0]) if z.ndim > 1 else v * mu[0])
        return jnp.concatenate([top, jnp.tensordot(tvec, x, axes=1)[None]], axis=0)

    def lu_solve(_, rhs):
        return jsl.lu_solve(lu, rhs)

    def lu_solve_t(_, rhs):
        return jsl.lu_solve(lu, rhs, trans=1)

    def solve(rhs):
        return jax.lax.custom_linear_solve(full_mv, rhs, lu_solve, transpose_solve=lu_solve_t)

    return BorderedSystem(solve, tvec)


def sparse_matvec(rows, cols, vals, m):
    """``y -> M y`` from COO entries, for ``y`` of shape ``(m,)`` or ``(m, B)`` (its
    transpose in ``vals`` is a gather)."""
    rows_j, cols_j = jnp.asarray(rows), jnp.asarray(cols)

    def mv(y):
        v = vals if y.ndim == 1 else vals[:, None]
        return jax.ops.segment_sum(v * y[cols_j], rows_j, num_segments=m)

    return mv
