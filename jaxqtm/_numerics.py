"""Numerical primitives shared by every component (one implementation each).

- :func:`bose`: Bose--Einstein occupation, NaN-free in value and gradient at
  ``beta * w -> 0``, ``T = 0`` (``beta = inf``) and on far tails.
- :func:`expm`: matrix exponential by scaling and squaring of a Taylor polynomial
  (matmuls only, reverse- and forward-mode differentiable, batched).
- :func:`is_traced`: whether any leaf of a pytree is a JAX tracer.
- :func:`after`: a data dependency that orders independent LAPACK calls
  (jaxlib 0.10.2 CPU deadlock workaround; see its docstring).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

# |Re x| beyond this: n(x) = e^{-x} to 1e-304 and e^{x} would overflow; clipping keeps the
# value exact and the gradient finite (no inf/inf) far out on the tails.
_XMAX = 700.0


def bose(beta, w):
    """Bose occupation ``n = 1 / (exp(beta w) - 1)``, for real or complex ``w``.

    - ``beta = inf`` (zero temperature): ``0`` for ``Re w > 0``, ``-1`` for ``Re w < 0``.
    - ``beta w = 0``: ``+inf`` (the physical pole), with a zero (not NaN) gradient: a
      double ``where`` keeps ``1/expm1(0)`` out of the differentiated graph.
    - ``|Re(beta w)| > 700``: clipped, so the value is exact to 1e-304 and the gradient
      finite.  Through ``expm1``, accurate for small ``beta w``.
    """
    beta = jnp.asarray(beta)
    w = jnp.asarray(w)
    cold = jnp.isinf(beta)
    x = jnp.where(cold, 1.0, beta) * w
    pole = x == 0
    xs = jnp.where(pole, 1.0, x)
    if jnp.iscomplexobj(xs):
        xs = jax.lax.complex(jnp.clip(jnp.real(xs), -_XMAX, _XMAX), jnp.imag(xs))
    else:
        xs = jnp.clip(xs, -_XMAX, _XMAX)
    n = 1.0 / jnp.expm1(xs)
    n = jnp.where(pole, jnp.inf, n)
    frozen = jnp.where(jnp.real(w) > 0, 0.0, jnp.where(jnp.real(w) < 0, -1.0, jnp.inf))
    return jnp.where(cold, frozen.astype(n.dtype), n)


def peak(x, axis: int):
    """``jnp.max(x, axis)`` whose derivative goes to one maximiser (the ``argmax``).

    ``jnp.max``'s derivative spreads the cotangent over the elements *equal* to the maximum and
    divides by their number; when the compiler recomputes ``x`` in another fusion with a different
    rounding, no element matches and the gradient is infinite (seen at LLVM -O0 on a waveform's
    peak). Indexing by the argmax has no such comparison.
    """
    i = jnp.argmax(x, axis=axis, keepdims=True)
    return jnp.squeeze(jnp.take_along_axis(x, i, axis=axis), axis)


def expm(a, *, order: int = 14, max_squarings: int = 60, left_invariant=None):
    """Matrix exponential of ``a`` (``(..., n, n)``, batched) by scaling and squaring.

    The scaling ``2^-s`` brings the 1-norm below 1/2, where the order-14 Taylor
    remainder is < 0.5^15/15! ~ 2e-17; ``max_squarings = 60`` admits norms up to ~1e17
    (long steps of stiff generators).  Matmuls only: no LAPACK call (no batched LU that
    could deadlock jaxlib 0.10.2 on CPU), fast to compile, and ``s`` is piecewise
    constant in ``a``, so gradients flow through the polynomial and the squarings in both
    modes.  A squaring is skipped when no matrix of the batch needs it.

    ``left_invariant``: a real vector ``l`` with ``l^T exp(a) = l^T`` exactly (the trace
    functional of a GKSL generator).  Each squaring doubles the round-off of the eigenvalue 1,
    so after ``s`` squarings ``l^T exp(a)`` drifts by ~``2^s eps`` (the trace of a Lindblad
    propagator was off by 1e-4 at ||a|| ~ 1e12, by 0.5 at 1e16); with ``l`` given, the
    invariance is restored after every squaring, ``c <- c + u (l^T - l^T c)``, ``u = l / |l|^2``
    (a rank-one correction of round-off size).
    """
    a = jnp.asarray(a)
    nrm = jnp.max(jnp.sum(jnp.abs(a), axis=-2), axis=-1)
    safe = jnp.where(nrm > 0, nrm, 1.0)  # double where: no log(0)
    s = jnp.clip(jnp.ceil(jnp.log2(safe)) + 1.0, 0.0, max_squarings)
    x = a * (2.0 ** (-s))[..., None, None].astype(a.dtype)
    eye = jnp.broadcast_to(jnp.eye(a.shape[-1], dtype=a.dtype), x.shape)  # batched: no rank promotion

    # Horner form of sum_k x^k / k! as a loop (one compiled matmul body: fast compilation)
    def horner(i, acc):
        return eye + (x @ acc) / (order - i).astype(jnp.real(x).dtype)

    out = jax.lax.fori_loop(0, order, horner, eye)

    if left_invariant is None:
        fix = lambda c: c  # noqa: E731
    else:
        ell = jnp.asarray(left_invariant, jnp.real(a).dtype)
        u = (ell / jnp.sum(ell * ell)).astype(a.dtype)

        def fix(c):
            drift = ell.astype(a.dtype) - jnp.einsum("i,...ij->...j", ell.astype(a.dtype), c)
            return c + u[:, None] * drift[..., None, :]

    out = fix(out)

    def square(c, i):
        need = i < s
        return jax.lax.cond(
            jnp.any(need), lambda c: jnp.where(need[..., None, None], fix(c @ c), c), lambda c: c, c
        ), None

    out, _ = jax.lax.scan(square, out, jnp.arange(max_squarings))
    return out


def expm_in_range(a, *, max_squarings: int = 60):
    """Boolean (batched): ``||a||_1 <= 2^(max_squarings - 1)``, where :func:`expm` is accurate."""
    nrm = jnp.max(jnp.sum(jnp.abs(jnp.asarray(a)), axis=-2), axis=-1)
    return jnp.isfinite(nrm) & (nrm <= 2.0 ** (max_squarings - 1))


def is_traced(*trees) -> bool:
    """Whether any leaf of ``trees`` is a JAX tracer (values cannot be inspected)."""
    return any(isinstance(x, jax.core.Tracer) for x in jax.tree_util.tree_leaves(trees))  # pyright: ignore[reportAttributeAccessIssue]


def after(tree, dep):
    """``tree`` unchanged in value, but computed only once ``dep`` is available.

    jaxlib 0.10.2 runs a *batched* LAPACK call (eig, eigh, getrf, trsm, gesdd, ...) by
    fanning its batch out to XLA:CPU's intra-op thread pool and blocking the calling pool
    thread until the pieces finish.  Two such calls that XLA schedules concurrently
    (independent in the dataflow graph) can occupy every thread of a small pool and wait
    for each other forever (observed on 2-core machines; jaxlib 0.11 removed the parallel
    path).  ``jax.lax.optimization_barrier`` does not help: XLA:CPU removes barriers before
    the thunk executor derives its concurrency from buffer dependencies.  This adds
    ``0 * s`` with ``s`` a finite scalar reduced from ``dep`` (XLA does not fold
    floating-point ``x * 0``, which is not an identity for NaN/inf).  Values and gradients
    are unchanged (``dep`` enters through ``stop_gradient``).
    """
    leaves = [
        x
        for x in jax.tree_util.tree_leaves(jax.lax.stop_gradient(dep))
        if hasattr(x, "dtype") and jnp.issubdtype(x.dtype, jnp.inexact)
    ]
    if not leaves:
        return tree
    zero = jnp.asarray(0.0 * sum(jnp.sum(jnp.nan_to_num(jnp.real(x))) for x in leaves))

    def tie(x):
        if hasattr(x, "dtype") and jnp.issubdtype(x.dtype, jnp.inexact):
            return x + zero.astype(jnp.real(x).dtype)
        return x

    return jax.tree_util.tree_map(tie, tree)
