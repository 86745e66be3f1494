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

import equinox as eqx
import jax
import jax.numpy as jnp

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


def _chunked(fn, ts, chunk_size):
    """In-graph chunking: ``fn`` (times (c,) -> pytree, leading axis c) via ``lax.map``."""
    nt = ts.shape[0]
    if nt <= chunk_size:
        return fn(ts)
    nc = -(-nt // chunk_size)
    pad = nc * chunk_size - nt
    tpad = jnp.concatenate([ts, jnp.broadcast_to(ts[-1], (pad,))]) if pad else ts
    out = jax.lax.map(fn, tpad.reshape(nc, chunk_size))
    return jax.tree_util.tree_map(lambda x: x.reshape((nc * chunk_size,) + x.shape[2:])[:nt], out)


def _is_traced(*trees):
    return any(isinstance(x, jax.core.Tracer) for x in jax.tree_util.tree_leaves(trees))


def _auto_chunk(chunk_size, n_modes):
    """Default chunk: ~32 MiB per (chunk, N, N) complex array, between 8 and 256 times."""
    if chunk_size is not None:
        return int(chunk_size)
    return int(max(8, min(256, (1 << 21) // max(1, n_modes * n_modes))))


def _run_chunked(kernel, model, times, chunk_size, *static):
    """Evaluate the jitted per-chunk ``kernel(model, tc, *static)`` over ``times``.

    Concrete inputs: a Python loop over fixed-size chunks (one compilation, no XLA while
    loop -- XLA:CPU's asynchronous while-loop execution was seen to deadlock intermittently
    on busy machines).  Traced inputs (inside a user's jit/vmap/grad): ``lax.map`` in-graph.
    """
    nt = times.shape[0]
    if _is_traced(model, times):
        return _chunked(lambda tc: kernel(model, tc, *static), times, chunk_size)
    c = min(chunk_size, nt)
    nc = -(-nt // c)
    pad = nc * c - nt
    tpad = jnp.concatenate([times, jnp.broadcast_to(times[-1], (pad,))]) if pad else times
    # Each chunk is awaited before the next is dispatched: with asynchronous dispatch two
    # chunks would run concurrently, and two concurrent batched LAPACK calls deadlock the
    # intra-op pool of jaxlib 0.10.2 on CPU (see README, "Known issue").
    outs = [jax.block_until_ready(kernel(model, tpad[i * c:(i + 1) * c], *static)) for i in range(nc)]
    return jax.tree_util.tree_map(lambda *xs: jnp.concatenate(xs, axis=0)[:nt], *outs)


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
        G=u[:, sx, sx], Gd=-1j * hu[:, sx, sx], Gdd=-hhu[:, sx, sx],
        gam=gam[:, sx, sx], gamd=gamd[:, sx, sx], gam0=gamma0[sx, sx])


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


class TimeLocalGenerator(eqx.Module):
    """Exact time-local generator of one side, in single-particle form.

    **Fields** (leading axis = time): ``k`` effective Hamiltonian matrix (K_X = a^dag k a),
    ``loss`` A and ``gain`` B (Hermitian rate matrices of the dissipator, see module doc;
    not necessarily positive: negative eigenvalues signal non-Markovian back-flow),
    ``sigma_min`` the smallest singular value of G(t) = [exp(-iht)]_XX, and ``ok`` = whether
    the generator exists (sigma_min > tol).  Entries at times with ``ok == False`` are NaN.
    """

    ts: jax.Array
    k: jax.Array
    loss: jax.Array
    gain: jax.Array
    sigma_min: jax.Array
    ok: jax.Array


def _check_ts(ts):
    ts = jnp.asarray(ts, dtype=jnp.float64)
    if ts.ndim != 1 or ts.shape[0] < 1:
        raise ValueError(f"ts must be a non-empty 1-D array of times, got shape {ts.shape}")
    if not isinstance(ts, jax.core.Tracer):
        import numpy as np

        tv = np.asarray(ts)
        if not np.all(np.isfinite(tv)) or np.any(tv < 0):
            raise ValueError("ts must be finite and >= 0 (times after the product-state preparation)")
        if np.any(np.diff(tv) < 0):
            raise ValueError("ts must be non-decreasing")
    return ts


def _check_side(side):
    if side not in (1, 2):
        raise ValueError(f"side must be 1 or 2, got {side!r}")


def correlation_matrix(model: ReservoirModel, ts, *, chunk_size: int | None = None):
    """Exact C_ij(t) = <c_i^dag c_j>(t) for c = (a, b): shape (nt, N1+N2, N1+N2)."""
    ts = _check_ts(ts)
    chunk = _auto_chunk(chunk_size, model.n1 + model.n2)
    return _run_chunked(_correlation_chunk, model, ts, chunk)


@eqx.filter_jit
def _correlation_chunk(model, tc):
    h = model.full_hamiltonian()
    gamma0 = initial_correlations(model)
    u = propagators(h, tc)
    return jnp.swapaxes(jnp.einsum("tij,jk,tlk->til", u, gamma0, jnp.conj(u)), -1, -2)


def time_local_generator(model: ReservoirModel, ts, side: int, *, singular_tol: float = 1e-7,
                         chunk_size: int | None = None) -> TimeLocalGenerator:
    """Exact time-local generator (minimal-dissipation form) of reservoir ``side`` at ``ts``.

    **Arguments:** ``model`` (:class:`ReservoirModel`), ``ts`` (nt,) non-negative times,
    ``side`` 1 or 2, ``singular_tol`` threshold on sigma_min(G) below which the generator is
    reported as non-existent (entries NaN, ``ok`` False), ``chunk_size`` times per batch.
    **Returns:** :class:`TimeLocalGenerator`.
    """
    ts = _check_ts(ts)
    _check_side(side)
    if not (isinstance(singular_tol, float) and 0 < singular_tol < 1):
        raise ValueError(f"singular_tol must be a float in (0, 1), got {singular_tol!r}")
    chunk = _auto_chunk(chunk_size, model.n1 + model.n2)
    k, a, b, smin, ok = _run_chunked(_generator_chunk, model, ts, chunk, side, singular_tol)
    return TimeLocalGenerator(ts=ts, k=k, loss=a, gain=b, sigma_min=smin, ok=ok)


@eqx.filter_jit
def _generator_chunk(model, tc, side, tol):
    h = model.full_hamiltonian()
    gamma0 = initial_correlations(model)
    sx, _ = _side_slices(model, side)
    loc = _side_local(_full_blocks(h, gamma0, tc), gamma0, sx)
    k, _, a, b, smin, ok = _generator_matrices(loc, tol)
    m = ok[:, None, None]
    return (jnp.where(m, k, jnp.nan), jnp.where(m, a, jnp.nan), jnp.where(m, b, jnp.nan), smin, ok)
