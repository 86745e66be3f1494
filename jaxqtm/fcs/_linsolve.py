"""The bordered linear system shared by the steady state and the Drazin inverse.

For a Liouvillian block ``L`` (``m x m``) with a unique steady state, the
bordered matrix

    M = [[L, v], [t^T, 0]],   t = vec(identity) (trace functional), v = t / n,

is non-singular.  One LU factorisation of ``M`` gives

* the steady state: ``M [rho; mu] = [0; 1]``  =>  ``L rho = 0``, ``tr rho = 1``
  (tracing the first row gives ``mu tr v = 0``);
* the Drazin inverse on traceless vectors: ``M [x; mu] = [y; 0]`` with
  ``tr y = 0`` gives ``L x = y``, ``tr x = 0``, i.e. ``x = L^D y`` (again
  ``mu = 0``; a round-off trace in ``y`` is absorbed in ``mu``, not in ``x``).

Differentiation: the LU factors are computed from ``stop_gradient(M)`` and every
solve goes through ``lax.custom_linear_solve`` with ``M`` only in the
mat-vec.  Reverse mode therefore costs one *transposed* solve with the same
factors per solve (the adjoint of the implicit function theorem), and
derivatives with respect to ``M`` enter only through ``M @ x``; nothing is
unrolled.
"""

from __future__ import annotations

import jax.numpy as jnp
from jax import lax
from jax.scipy.linalg import lu_factor, lu_solve


def bordered_matrix(lblock, tvec, n):
    """``[[L, t/n], [t^T, 0]]`` for a block ``L`` and its trace vector ``t``."""
    m = lblock.shape[0]
    dtype = lblock.dtype
    top = jnp.concatenate([lblock, (tvec / n).astype(dtype)[:, None]], axis=1)
    bottom = jnp.concatenate([tvec.astype(dtype), jnp.zeros((1,), dtype)])[None, :]
    return jnp.concatenate([top, bottom], axis=0)


def make_solver(mat):
    """Return ``solve(b)`` for ``mat x = b`` with one LU factorisation (see module doc)."""
    factors = lu_factor(lax.stop_gradient(mat))

    def matvec(x):
        return mat @ x

    def _solve(_, b):
        return lu_solve(factors, b)

    def _tsolve(_, b):
        return lu_solve(factors, b, trans=1)

    def solve(b):
        return lax.custom_linear_solve(matvec, b, solve=_solve, transpose_solve=_tsolve)

    return solve


def drazin_apply(solve, tvec, rho, y):
    """``L^D (1 - P) y`` with ``P = |rho><t|``, through the bordered solve."""
    y = y - rho * (tvec @ y)
    rhs = jnp.concatenate([y, jnp.zeros((1,), y.dtype)])
    return solve(rhs)[:-1]


def steady_state_vector(solve, m, dtype):
    """Steady-state vector in the block (trace one)."""
    rhs = jnp.zeros((m + 1,), dtype).at[m].set(1.0)
    return solve(rhs)[:-1]

