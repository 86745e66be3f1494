"""Matrix-free linear algebra of the GKSL core: restarted GMRES and the no-jump Lyapunov preconditioner.

Everything here works with a generator given only as a mat-vec (``n x n`` matrix
products, a sparse entry list or a dense sector matrix) -- never an ``n^2 x n^2``
factorisation -- and uses matrix products, ``eig`` of one ``n x n`` matrix and
triangular solves of the small Hessenberg system: no host callback.

* :func:`gmres`: right-preconditioned restarted GMRES (classical Gram--Schmidt with
  re-orthogonalisation, so every Arnoldi step is two dense products with the basis
  instead of ``j`` dependent dot products; complex Givens rotations).  It reports the
  number of mat-vecs, the true relative residual of the last restart and whether the
  iteration stagnated (a restart cycle that reduced the residual by less than 2x).
* :func:`bicgstab`: right-preconditioned BiCGStab (two mat-vecs per step, four vectors
  of memory, no basis to orthogonalise: on this CPU 3x faster than GMRES(40) on the
  cavity models, whose basis streams from memory at every step), restarted from the
  true residual when the recursive one has converged or the recurrence breaks down.
* :class:`LyapunovPreconditioner`: the inverse of the no-jump part
  ``N[X] = G X + X G^dag``, ``G = -i H - K/2``, ``K = sum_k gamma_k L_k^dag L_k``,
  from one eigendecomposition ``G = U diag(lam) U^-1``:
  ``N^-1[Y] = U ( (U^-1 Y U^-dag)_ab / (lam_a + conj(lam_b) - mu) ) U^dag``.
  A dark state (``K |d> = 0``) makes ``lam_a + conj(lam_a) = 0``; the shift ``mu > 0``
  (relative to the largest decay rate) keeps the preconditioner finite there.  The
  deflation term of the solved system (``c v t^T``) is folded in by Sherman--Morrison.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl


class KrylovInfo(NamedTuple):
    """Diagnostics of one :func:`gmres` / :func:`bicgstab` solve (arrays, batched under ``vmap``)."""

    matvecs: jax.Array  # number of operator applications
    residual: jax.Array  # ||b - A x|| / ||b|| at exit (recomputed, not the Arnoldi estimate)
    converged: jax.Array  # residual <= tol
    stagnated: jax.Array  # a restart cycle gained less than a factor 2 (or broke down)


def _givens(a, b):
    """Complex rotation ``(c, s)`` with ``[[conj(c), s], [-s, c]] @ [a, b] = [r, 0]`` (``b`` real >= 0)."""
    r = jnp.sqrt(jnp.abs(a) ** 2 + b**2)
    safe = jnp.where(r > 0, r, 1.0)
    c = jnp.where(r > 0, a / safe, 1.0 + 0j)
    s = jnp.where(r > 0, b / safe, 0.0)
    return c, s


def _restarted(cycle, matvec, b, x, bnorm_safe, tol, max_restarts) -> tuple[jax.Array, KrylovInfo]:
    """Restart ``cycle`` (``x -> (x', mat-vecs used)``) from the true residual until it is
    ``<= tol``, ``max_restarts`` cycles ran, or a cycle gained less than 2x (stagnation);
    a cycle that made the true residual worse (or non-finite) is discarded."""

    def outer_cond(state):
        _, it, res, prev, _ = state
        return (it < max_restarts) & (res > tol) & (res < 0.5 * prev)

    def outer(state):
        x, it, res, _, nmv = state
        x_new, used = cycle(x)
        new = jnp.linalg.norm(b - matvec(x_new)) / bnorm_safe
        better = jnp.isfinite(new) & (new < res)
        return jnp.where(better, x_new, x), it + 1, jnp.where(better, new, res), res, nmv + used + 2

    res0 = jnp.linalg.norm(b - matvec(x)) / bnorm_safe
    big = jnp.asarray(jnp.inf, res0.dtype)
    x, it, res, prev, nmv = jax.lax.while_loop(outer_cond, outer, (x, 0, res0, big, 1))
    converged = res <= tol
    stagnated = (~converged) & (res >= 0.5 * prev) & (it < max_restarts)
    return x, KrylovInfo(jnp.asarray(nmv), res, converged, stagnated)


def gmres(
    matvec: Callable,
    b: jax.Array,
    precond: Callable,
    *,
    tol: float,
    restart: int,
    max_restarts: int,
    x0: jax.Array | None = None,
) -> tuple[jax.Array, KrylovInfo]:
    """Solve ``A x = b`` by restarted GMRES, right-preconditioned: ``A M u = b``, ``x = M u``.

    ``matvec`` and ``precond`` act on flat complex vectors.  Stops when the true relative
    residual ``||b - A x|| / ||b||`` is ``<= tol``, after ``max_restarts`` cycles of
    ``restart`` Arnoldi steps, or when a cycle stagnates (see :class:`KrylovInfo`).
    """
    size = b.shape[0]
    k = max(1, min(restart, size))
    bnorm = jnp.linalg.norm(b)
    bnorm_safe = jnp.where(bnorm > 0, bnorm, 1.0)
    x = jnp.zeros_like(b) if x0 is None else x0

    def cycle(x):
        r = b - matvec(x)
        beta = jnp.linalg.norm(r)
        v = jnp.zeros((k + 1, size), b.dtype).at[0].set(r / jnp.where(beta > 0, beta, 1.0))
        h = jnp.zeros((k + 1, k), b.dtype)
        cs = jnp.ones(k, b.dtype)
        sn = jnp.zeros(k, b.real.dtype)
        g = jnp.zeros(k + 1, b.dtype).at[0].set(beta)

        def cond(state):
            j, _, _, _, _, g, _ = state
            return (j < k) & (jnp.abs(g[j]) > tol * bnorm_safe)

        def step(state):
            j, v, h, cs, sn, g, nmv = state
            w = matvec(precond(v[j]))
            live = (jnp.arange(k + 1) <= j).astype(b.real.dtype)
            # classical Gram--Schmidt, twice ("twice is enough")
            # V^dag w as conj(V conj(w)): no conjugated copy of the whole basis
            c1 = jnp.conj(v @ jnp.conj(w)) * live
            w = w - c1 @ v
            c2 = jnp.conj(v @ jnp.conj(w)) * live
            w = w - c2 @ v
            col = c1 + c2
            hn = jnp.linalg.norm(w)
            v = v.at[j + 1].set(w / jnp.where(hn > 0, hn, 1.0))
            col = col.at[j + 1].set(hn)

            # previous rotations on the new column
            def rot(i, col):
                a, bb = col[i], col[i + 1]
                ci, si = cs[i], sn[i]
                new_a = jnp.conj(ci) * a + si * bb
                new_b = -si * a + ci * bb
                keep = i < j
                return col.at[i].set(jnp.where(keep, new_a, a)).at[i + 1].set(jnp.where(keep, new_b, bb))

            col = jax.lax.fori_loop(0, k, rot, col)
            c, s = _givens(col[j], jnp.abs(col[j + 1]))
            col = col.at[j].set(jnp.conj(c) * col[j] + s * jnp.abs(col[j + 1])).at[j + 1].set(0.0)
            h = h.at[:, j].set(col)
            cs = cs.at[j].set(c)
            sn = sn.at[j].set(s)
            gj = g[j]
            g = g.at[j].set(jnp.conj(c) * gj).at[j + 1].set(-s * gj)
            return j + 1, v, h, cs, sn, g, nmv + 1

        j, v, h, cs, sn, g, nmv = jax.lax.while_loop(cond, step, (0, v, h, cs, sn, g, 0))
        # upper-triangular solve on the first j columns (identity elsewhere)
        used = jnp.arange(k) < j
        rmat = jnp.where(used[:, None] & used[None, :], h[:k, :k], jnp.eye(k, dtype=h.dtype))
        rmat = rmat + jnp.diag(jnp.where(jnp.diagonal(rmat) == 0, 1.0, 0.0))  # exact breakdown
        y = jsl.solve_triangular(rmat, jnp.where(used, g[:k], 0.0), lower=False)
        x = x + precond(jnp.where(used, y, 0.0) @ v[:k])
        return x, nmv

    return _restarted(cycle, matvec, b, x, bnorm_safe, tol, max_restarts)


# relative size of (shadow, A p) below which BiCGStab's step is round-off: 64 eps
_BREAKDOWN = 64.0 * float(jnp.finfo(jnp.float64).eps)


def bicgstab(
    matvec: Callable,
    b: jax.Array,
    precond: Callable,
    *,
    tol: float,
    max_steps: int,
    max_restarts: int,
    x0: jax.Array | None = None,
) -> tuple[jax.Array, KrylovInfo]:
    """Solve ``A x = b`` by right-preconditioned BiCGStab (van der Vorst 1992).

    Each cycle runs the recurrence until its recursive residual is ``<= tol ||b||``, it
    breaks down (``rho`` or ``omega`` = 0, or ``(shadow, A p)`` at round-off relative to
    ``|shadow| |A p|``: a right-hand side outside the range of a singular operator) or
    ``max_steps`` steps; the true residual is then
    recomputed and, if above ``tol``, a new cycle starts from the current ``x`` with a fresh
    shadow vector (at most ``max_restarts`` cycles; a cycle gaining less than 2x stops).
    """
    bnorm = jnp.linalg.norm(b)
    bnorm_safe = jnp.where(bnorm > 0, bnorm, 1.0)
    x = jnp.zeros_like(b) if x0 is None else x0
    tiny = jnp.finfo(b.real.dtype).tiny

    def dot(a, c):  # a^dag c
        return jnp.sum(jnp.conj(a) * c)

    def cycle(x):
        r = b - matvec(x)
        shadow = r
        snorm = jnp.linalg.norm(shadow)
        one = jnp.ones((), b.dtype)
        zero = jnp.zeros_like(b)
        state = (x, r, zero, zero, one, one, one, 0, jnp.linalg.norm(r), False)

        def cond(st):
            *_, k, rn, broke = st
            return (k < max_steps) & (rn > tol * bnorm_safe) & (~broke)

        def step(st):
            x, r, p, v, rho_old, alpha, omega, k, r_norm, _ = st
            rho = dot(shadow, r)
            beta = (rho / rho_old) * (alpha / omega)
            p = r + beta * (p - omega * v)
            y = precond(p)
            v = matvec(y)
            sv = dot(shadow, v)
            alpha = rho / jnp.where(jnp.abs(sv) > tiny, sv, tiny)
            # (shadow, v) at round-off level relative to |shadow| |v|: the recurrence has broken
            # down (alpha would be noise); the cycle ends and a restart takes a fresh shadow
            sv_lost = jnp.abs(sv) <= _BREAKDOWN * snorm * jnp.linalg.norm(v)
            h = x + alpha * y
            s_ = r - alpha * v
            sn = jnp.linalg.norm(s_)
            z = precond(s_)
            t = matvec(z)
            tt = dot(t, t)
            omega = dot(t, s_) / jnp.where(jnp.abs(tt) > tiny, tt, tiny)
            done_half = sn <= tol * bnorm_safe
            x_new = jnp.where(done_half, h, h + omega * z)
            r_new = jnp.where(done_half, s_, s_ - omega * t)
            rn = jnp.where(done_half, sn, jnp.linalg.norm(r_new))
            broke = (jnp.abs(rho) <= tiny) | ((jnp.abs(omega) <= tiny) & ~done_half) | ~jnp.isfinite(rn)
            broke = broke | sv_lost
            x_new, r_new = jnp.where(sv_lost, x, x_new), jnp.where(sv_lost, r, r_new)
            rn = jnp.where(sv_lost, r_norm, rn)  # the carried ||r|| (no second norm)
            return x_new, r_new, p, v, rho, alpha, omega, k + 1, rn, broke

        out = jax.lax.while_loop(cond, step, state)
        return out[0], 2 * out[7]

    return _restarted(cycle, matvec, b, x, bnorm_safe, tol, max_restarts)


class LyapunovPreconditioner(eqx.Module):
    """``(N + J_pop - mu)^-1`` on ``n x n`` matrices: the no-jump part ``N[X] = G X + X G^dag``
    solved exactly in the eigenbasis of ``G``, plus (optionally) the jumps between its
    eigen-populations (a classical rate matrix, one ``n x n`` LU)."""

    u: jax.Array
    u_inv: jax.Array
    denom: jax.Array  # (n, n): lam_a + conj(lam_b) - mu
    pop_lu: tuple | None  # LU of diag(denom_aa) + W on the eigen-populations
    use_pop: jax.Array  # run-time switch (bool): apply the population block

    def __call__(self, y):
        yt = self.u_inv @ y @ jnp.conj(self.u_inv.T)
        xt = yt / self.denom
        if self.pop_lu is not None:
            d = jnp.diagonal(yt)
            p = jnp.where(self.use_pop, jsl.lu_solve(self.pop_lu, d), d / jnp.diagonal(self.denom))
            xt = xt - jnp.diag(jnp.diagonal(xt)) + jnp.diag(p)
        return self.u @ xt @ jnp.conj(self.u.T)


def lyapunov_preconditioner(g, shift: float, jumps=None, populations=None) -> LyapunovPreconditioner:
    """Eigendecompose ``G`` (no gradient), fix the shift ``mu = shift * max |Re lam|``.

    ``jumps``: ``(T, n, n)`` jump amplitudes ``sqrt(rate) X`` (element-wise rates allowed):
    the population block ``W_ac = sum_t |(U^-1 X_t U)_ac|^2`` of ``X rho X^dag`` can then
    be inverted exactly with the no-jump part.  ``populations``: True / False, or None to
    decide at run time: on when the damping is weak against the spectral width of ``G``,
    ``max(-Re lam) < 0.05 (max Im lam - min Im lam)`` (the secular regime, where the slow
    modes are the populations, moved only by jumps).  Measured (BiCGStab mat-vecs): the
    qubit--rotor sector at L = 6 (ratio 0.04) 5781 -> 13; the maser in a cavity at n = 129
    (0.03) 121 -> 65; but the dissipative Ising chain (0.07) 29 -> 85 and the driven cavity
    with qubits (0.35) 123 -> 471 at n = 128, where coherences and populations mix.
    """
    g = jax.lax.stop_gradient(g)
    lam, u = jnp.linalg.eig(g)
    u_inv = jnp.linalg.inv(u)
    decay = -jnp.real(lam)
    mu = shift * jnp.maximum(jnp.max(decay), jnp.finfo(decay.dtype).tiny)
    denom = lam[:, None] + jnp.conj(lam)[None, :] - mu
    pop_lu = None
    width = jnp.max(jnp.imag(lam)) - jnp.min(jnp.imag(lam))
    use_pop = jnp.asarray(True if populations else False)
    if populations is None:
        use_pop = jnp.max(decay) < 0.05 * width
    if jumps is not None and jumps.shape[0] > 0 and populations is not False:
        lt = u_inv[None] @ jax.lax.stop_gradient(jumps) @ u[None]
        w = jnp.sum(jnp.abs(lt) ** 2, axis=0)
        pop_lu = jsl.lu_factor(w + jnp.diag(jnp.diagonal(denom)))
    return LyapunovPreconditioner(u, u_inv, denom, pop_lu, use_pop)
