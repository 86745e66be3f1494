"""Exact single-particle dynamics and the exact time-local generator of each reservoir.

Conventions.  Modes c = (a_1..a_N1, b_1..b_N2), H = c^dag h c.  We propagate
Gamma_pq(t) = <c_q^dag c_p>(t) (the transpose of C_ij = <c_i^dag c_j>), for which

    Gamma(t) = U(t) Gamma(0) U(t)^dag,   U(t) = exp(-i h t),   dGamma/dt = -i [h, Gamma].

Reduced dynamics of side X (Y the other side).  With G = U_XX, F = U_XY (Heisenberg:
a(t) = G a + F b), Gamma_X(t) = G Gamma_X(0) G^dag + Y(t), Y = F Gamma_Y(0) F^dag.  For an
invertible G the exact time-local generator is quadratic,

    L_t rho = -i [a^dag k a, rho] + sum_ij A_ij (a_j rho a_i^dag - 1/2 {a_i^dag a_j, rho})
                                  + sum_ij B_ij (a_i^dag rho a_j - 1/2 {a_j a_i^dag, rho}),

and on second moments it gives dGamma_X/dt = M Gamma_X + Gamma_X M^dag + B with
M = -i k - (A - B)/2.  Matching the exact solution for every initial state of X:

    M = dG/dt G^{-1},   k = (i/2)(M - M^dag),   B = dY/dt - M Y - Y M^dag,   A = B - (M + M^dag).

Minimal dissipation (Colla & Breuer, PRA 105, 052216): the Hamiltonian part is the one whose
jump operators carry no identity component.  Here the jump operators are linear in a, a^dag
(no constant), so K_X(t) = a^dag k(t) a; the additive constant is fixed by normal ordering,
which makes K_X(0) = H_X exactly.  (Checked against the finite-dimensional traceless-jump
construction of the many-body generator in tests/reservoirs/test_generator.py.)
"""

from __future__ import annotations

import functools

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._checks import as_real, check_range
from .._chunking import AbstractChunking, ArrayBudget
from .._numerics import is_traced
from .._results import (
    RESULTS,
    AbstractResult,
    ResultError,
    codes,
    finish,
    first_failure,
    from_codes,
    message,
    name_of,
)
from ._linalg import bose_matrix, propagators
from ._model import ReservoirModel


def _dag(m):
    return jnp.conj(jnp.swapaxes(m, -1, -2))


def _tr(a, b):
    """Re Tr(a b) batched over the leading axis."""
    return jnp.real(jnp.einsum("...ij,...ji->...", a, b))


def initial_correlations(model: ReservoirModel):
    """Gamma(0) = diag(n(h1; T1), n(h2; T2)), Gamma_pq = <c_q^dag c_p>."""
    g1 = bose_matrix(model.h1, model.T1)
    g2 = bose_matrix(model.h2, model.T2)
    z12 = jnp.zeros((model.n1, model.n2), dtype=g1.dtype)
    return jnp.block([[g1, z12], [z12.T, g2]])


def _side_slices(model, side):
    n1, n = model.n1, model.n1 + model.n2
    return (slice(0, n1), slice(n1, n)) if side == 1 else (slice(n1, n), slice(0, n1))


def _point_bytes(model) -> int:
    """Bytes of the largest per-time array of the kernels: one (N1+N2)^2 complex128 matrix."""
    n = model.n1 + model.n2
    return 16 * n * n


@functools.partial(jax.jit, static_argnames=("kernel", "size", "static"))
def _chunked(model, times, *, kernel, size, static=()):
    """``kernel(model, tc, *static)`` (times (c,) -> pytree with leading axis c) over ``times`` in
    chunks of ``size`` times: one compiled program, the chunks in a ``lax.map``.

    The same program runs for concrete and for traced inputs (inside a user's ``jit``/``vmap``/
    ``grad`` it is inlined).  The chunks of a ``lax.map`` run one after the other, in the
    forward and in the backward pass, so no two chunks' batched LAPACK calls can run
    concurrently (jaxlib 0.10.2 CPU deadlock, see :func:`jaxqtm._numerics.after`); inside a
    chunk the two sides are ordered by ``after`` (``_pointwise``).
    """
    nt = times.shape[0]
    if nt <= size:
        return kernel(model, times, *static)
    nc = -(-nt // size)
    pad = nc * size - nt
    tpad = jnp.concatenate([times, jnp.broadcast_to(times[-1], (pad,))]) if pad else times
    out = jax.lax.map(lambda tc: kernel(model, tc, *static), tpad.reshape(nc, size))
    return jax.tree_util.tree_map(lambda x: x.reshape((nc * size,) + x.shape[2:])[:nt], out)


def _run_chunked(kernel, model, times, chunk: AbstractChunking, *static):
    """Evaluate ``kernel`` over ``times`` in chunks chosen by ``chunk`` (see :func:`_chunked`)."""
    if not isinstance(chunk, AbstractChunking):
        raise TypeError(f"chunk must be ArrayBudget(...), Fixed(n) or Auto(...) (jaxqtm.sweep), got {chunk!r}")

    def measure(size):
        # Auto: bytes of the compiled one-chunk program (zeros of the same shapes stand in for
        # traced inputs: the program is compiled here, outside the user's trace; under vmap the
        # budget is per batch member)
        stand_in = jax.tree_util.tree_map(lambda x: np.zeros(np.shape(x), x.dtype), model)
        ma = (
            _chunked.lower(stand_in, np.zeros((size,), times.dtype), kernel=kernel, size=size, static=static)
            .compile()
            .memory_analysis()
        )
        if ma is None:  # a backend without memory analysis: the per-time arrays only
            return size * _point_bytes(model)
        return int(ma.argument_size_in_bytes + ma.output_size_in_bytes + ma.temp_size_in_bytes - ma.alias_size_in_bytes)

    size = chunk.choose(int(times.shape[0]), measure=measure, point_bytes=lambda: _point_bytes(model))
    return _chunked(model, times, kernel=kernel, size=int(size), static=static)


def _time_report(ts, code, label: str) -> list[str]:
    """One line per failure code: ``label: name at k of n output time(s): t = ...: message``."""
    ts = np.asarray(ts)
    code = np.asarray(code)
    lines = []
    for k in dict.fromkeys(int(c) for c in code[code != 0]):  # codes in order of first appearance
        bad = ts[code == k]
        shown = ", ".join(f"{t:.6g}" for t in bad[:12]) + (" ..." if bad.size > 12 else "")
        lines.append(f"{label}: {name_of(k)} at {bad.size} of {ts.size} output time(s): t = {shown}: {message(k)}")
    return lines


def _finish(out, *, throw: bool, what: str, report):
    """``out`` with the ``throw`` policy: concrete failures raise ``ResultError`` with ``report(out)``
    (the failed times); traced ones raise at run time through ``eqx.error_if`` (``finish``)."""
    if throw and not is_traced(out.result):
        text = report(out)
        if text:
            raise ResultError(
                f"{what} failed:\n{text}\nPass throw=False to get the flagged result instead "
                "(its .result and .ok say which times failed)."
            )
        return out
    return finish(out, throw=throw, what=what)


class _SideLocal(eqx.Module):
    """Per-time generator data of one side (internal)."""

    G: jax.Array
    Gd: jax.Array
    Gdd: jax.Array
    gam: jax.Array  # Gamma_X(t)
    gamd: jax.Array  # dGamma_X/dt
    gam0: jax.Array  # Gamma_X(0)


def _full_blocks(h, gamma0, ts):
    """U, hU, h^2U, Gamma, dGamma/dt at the times ``ts`` (one eigh for all)."""
    u = propagators(h, ts)
    hu = jnp.einsum("ij,tjk->tik", h, u)
    hhu = jnp.einsum("ij,tjk->tik", h, hu)
    gam = jnp.einsum("tij,jk,tlk->til", u, gamma0, jnp.conj(u))
    hg = jnp.einsum("ij,tjk->tik", h, gam)
    gamd = -1j * (hg - _dag(hg))
    return u, hu, hhu, gam, gamd


def _side_local(blocks, gamma0, sx):
    u, hu, hhu, gam, gamd = blocks
    return _SideLocal(
        G=u[:, sx, sx],
        Gd=-1j * hu[:, sx, sx],
        Gdd=-hhu[:, sx, sx],
        gam=gam[:, sx, sx],
        gamd=gamd[:, sx, sx],
        gam0=gamma0[sx, sx],
    )


def _generator_matrices(loc: _SideLocal, tol):
    """(k, dk/dt, A, B, sigma_min, ok) from the side blocks; NaN-free where G is singular."""
    n = loc.G.shape[-1]
    # sigma_min is a diagnostic only (no gradient).  It comes from eigvalsh(G^dag G), which
    # compiles far faster than an SVD; sigma_min is then accurate to ~1e-8 absolute, well
    # below any useful singular_tol (a generator with sigma_min ~ 1e-7 has |k| ~ 1e7).
    gg = jax.lax.stop_gradient(_dag(loc.G) @ loc.G)
    smin = jnp.sqrt(jnp.clip(jnp.linalg.eigvalsh(gg)[..., 0], 0.0, None))
    ok = smin > tol
    eye = jnp.eye(n, dtype=loc.G.dtype)
    # Double-where: singular G is replaced by the identity before the solve, so the masked
    # branch stays finite and gradients at the good times are unpolluted.
    gs = jnp.where(ok[:, None, None], loc.G, eye)
    # One solve for both right divisions: [Gd; Gdd] G^{-1} = (G^{-T} [Gd^T, Gdd^T])^T.
    rhs = jnp.concatenate([jnp.swapaxes(loc.Gd, -1, -2), jnp.swapaxes(loc.Gdd, -1, -2)], axis=-1)
    sol = jnp.swapaxes(jnp.linalg.solve(jnp.swapaxes(gs, -1, -2), rhs), -1, -2)
    m = sol[..., :n, :]
    md = sol[..., n:, :] - m @ m
    k = 0.5j * (m - _dag(m))
    kd = 0.5j * (md - _dag(md))
    # Noise part: Y = Gamma_X - G Gamma_X(0) G^dag and its derivative.
    y = loc.gam - gs @ loc.gam0 @ _dag(gs)
    gd_s = jnp.where(ok[:, None, None], loc.Gd, 0.0)
    yd = loc.gamd - gd_s @ loc.gam0 @ _dag(gs) - gs @ loc.gam0 @ _dag(gd_s)
    b = yd - m @ y - y @ _dag(m)
    a = b - (m + _dag(m))
    return k, kd, a, b, smin, ok


class TimeLocalGenerator(AbstractResult):
    """Exact time-local generator of one side, in single-particle form.

    **Fields** (leading axis = time): ``k`` effective Hamiltonian matrix (K_X = a^dag k a),
    ``loss`` A and ``gain`` B (Hermitian rate matrices of the dissipator, see module doc;
    not necessarily positive: negative eigenvalues signal non-Markovian back-flow),
    ``sigma_min`` the smallest singular value of G(t) = [exp(-iht)]_XX and ``result``
    (:class:`jaxqtm.RESULTS` per time): ``singular_generator`` where ``sigma_min <=
    singular_tol`` (G(t) is not invertible: no exact generator exists; ``k``, ``loss``,
    ``gain`` are NaN there), ``nonfinite`` where an input or output is not finite.
    ``ok``: ``result == successful`` (a property).
    """

    ts: jax.Array
    k: jax.Array
    loss: jax.Array
    gain: jax.Array
    sigma_min: jax.Array
    result: RESULTS


def _check_ts(ts):
    ts = as_real("ts")(ts)
    if ts.ndim != 1 or ts.shape[0] < 1:
        raise ValueError(f"ts must be a non-empty 1-D array of times, got shape {ts.shape}")
    check_range(ts, "ts", 0.0)  # finite and >= 0: times after the product-state preparation
    if not is_traced(ts):
        d = np.diff(np.asarray(ts))
        if np.any(d < 0):
            i = int(np.flatnonzero(d < 0)[0])
            raise ValueError(
                f"ts must be non-decreasing; ts[{i}] = {float(ts[i]):.6g} > ts[{i + 1}] = {float(ts[i + 1]):.6g}"
            )
    return ts


def _check_side(side):
    if side not in (1, 2):
        raise ValueError(f"side must be 1 or 2, got {side!r}")


def _check_singular_tol(tol):
    if isinstance(tol, bool) or not isinstance(tol, float):
        raise TypeError(f"singular_tol must be a float, got {tol!r} ({type(tol).__name__})")
    check_range(tol, "singular_tol", 0.0, 1.0, lo_open=True, hi_open=True)


def correlation_matrix(model: ReservoirModel, ts, *, chunk: AbstractChunking = ArrayBudget()):
    """Exact C_ij(t) = <c_i^dag c_j>(t) for c = (a, b): shape (nt, N1+N2, N1+N2).

    ``chunk``: times evaluated together (:class:`jaxqtm.sweep.ArrayBudget` (default, 32 MiB
    per (chunk, N, N) array), ``Fixed(n)`` or ``Auto(memory_budget=...)``).
    """
    ts = _check_ts(ts)
    return _run_chunked(_correlation_kernel, model, ts, chunk)


def _correlation_kernel(model, tc):
    h = model.full_hamiltonian()
    gamma0 = initial_correlations(model)
    u = propagators(h, tc)
    return jnp.swapaxes(jnp.einsum("tij,jk,tlk->til", u, gamma0, jnp.conj(u)), -1, -2)


def time_local_generator(
    model: ReservoirModel,
    ts,
    side: int,
    *,
    singular_tol: float = 1e-7,
    chunk: AbstractChunking = ArrayBudget(),
    throw: bool = True,
) -> TimeLocalGenerator:
    """Exact time-local generator (minimal-dissipation form) of reservoir ``side`` at ``ts``.

    **Arguments:** ``model`` (:class:`ReservoirModel`), ``ts`` (nt,) non-negative times,
    ``side`` 1 or 2, ``singular_tol`` threshold on sigma_min(G) below which the generator is
    reported as non-existent (``RESULTS.singular_generator``, entries NaN), ``chunk`` times per
    batch (see :func:`correlation_matrix`), ``throw``: raise if the result failed at some time
    (``jaxqtm.ResultError`` naming the times; under ``jit``/``vmap`` a runtime error through
    ``eqx.error_if``).  A singular G(t) is a property of the model, not a numerical accident:
    pass ``throw=False`` to get the flagged result.

    **Returns:** :class:`TimeLocalGenerator`.
    """
    ts = _check_ts(ts)
    _check_side(side)
    _check_singular_tol(singular_tol)
    k, a, b, smin, code = _run_chunked(_generator_kernel, model, ts, chunk, side, singular_tol)
    gen = TimeLocalGenerator(ts=ts, k=k, loss=a, gain=b, sigma_min=smin, result=from_codes(code))
    return _finish(
        gen,
        throw=throw,
        what="time_local_generator",
        report=lambda g: "\n".join(_time_report(g.ts, codes(g.result), f"side {side}")),
    )


def _generator_kernel(model, tc, side, tol):
    h = model.full_hamiltonian()
    gamma0 = initial_correlations(model)
    sx, _ = _side_slices(model, side)
    loc = _side_local(_full_blocks(h, gamma0, tc), gamma0, sx)
    k, _, a, b, smin, ok = _generator_matrices(loc, tol)
    m = ok[:, None, None]
    k, a, b = (jnp.where(m, x, jnp.nan) for x in (k, a, b))
    finite = jnp.all(jnp.isfinite(k) & jnp.isfinite(a) & jnp.isfinite(b), axis=(-2, -1))
    res = first_failure(
        (~model.valid(), RESULTS.invalid_parameters),
        (~jnp.isfinite(smin), RESULTS.nonfinite),
        (~ok, RESULTS.singular_generator),
        (~finite, RESULTS.nonfinite),
    )
    return k, a, b, smin, codes(res)
