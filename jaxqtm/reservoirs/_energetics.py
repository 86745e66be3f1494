"""Internal energy, heat and work of each reservoir under three energy assignments.

Bare energies Ut_X = Tr[H_X rho(t)] (X = 1, 2, I).  H is time independent, so every
"tilde" work vanishes and the tilde heats are Qt_X = Delta Ut_X.  For side X (the other side
playing the bath), following the talk (seed 002):

* bare:        Delta U = Delta Ut_X,              Q = Delta Ut_X + Delta Ut_I,  W = -Delta Ut_I
* interaction: Delta U = Delta Ut_X + Delta Ut_I,  Q = Delta Ut_X + Delta Ut_I,  W = 0
* minimal dissipation: U = Tr[K_X(t) rho_X(t)] = Tr[k Gamma_X],
  Q = int_0^t Tr[K_X d rho_X] = int Tr[k dGamma_X],  W = int_0^t Tr[dK_X rho_X] = int Tr[dk Gamma_X].

Both md integrals are computed independently (Gauss--Legendre panels between consecutive
output times), so ``first_law_residual = Delta U - Q - W`` is a quadrature-error estimate.
"""

from __future__ import annotations

import warnings

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ._dynamics import (
    _check_ts,
    _auto_chunk,
    _is_traced,
    _run_chunked,
    _generator_matrices,
    _full_blocks,
    _side_local,
    _side_slices,
    _tr,
    initial_correlations,
)
from .._sequence import after
from ._model import ReservoirModel


class EnergeticsOptions(eqx.Module):
    """How :func:`energetics` computes (all static).

    - ``nodes_per_panel``: Gauss--Legendre nodes between consecutive output times for the
      md heat and work integrals (the integrands are analytic where G(t) is invertible).
    - ``singular_tol``: G(t) with smallest singular value below this is "non-invertible":
      the exact generator does not exist there.
    - ``chunk_size``: times evaluated together (memory ~ chunk_size * (N1+N2)^2 * 16 B
      per array); ``None`` picks ~32 MiB per array, between 8 and 256.
    """

    nodes_per_panel: int = 8
    singular_tol: float = 1e-7
    chunk_size: int | None = None

    def __check_init__(self):
        if not (isinstance(self.nodes_per_panel, int) and 1 <= self.nodes_per_panel <= 64):
            raise ValueError(f"nodes_per_panel must be an int in [1, 64], got {self.nodes_per_panel!r}")
        if not (isinstance(self.singular_tol, float) and 0 < self.singular_tol < 1):
            raise ValueError(f"singular_tol must be a float in (0, 1), got {self.singular_tol!r}")
        if self.chunk_size is not None and not (isinstance(self.chunk_size, int) and self.chunk_size >= 1):
            raise ValueError(f"chunk_size must be an int >= 1, got {self.chunk_size!r}")


class Assignment(eqx.Module):
    """First-law triple of one energy assignment: ``dU = Q + W`` (each of shape (nt,))."""

    dU: jax.Array
    Q: jax.Array
    W: jax.Array


class SideEnergetics(eqx.Module):
    """Energetics of one reservoir.

    ``bare``, ``interaction``, ``minimal_dissipation``: :class:`Assignment`.
    ``U_md``: Tr[K_X(t) rho_X(t)].  ``heat_rate_md``/``work_rate_md``: Tr[K drho/dt],
    Tr[dK/dt rho] at each t.  ``sigma_min``: smallest singular value of G(t).
    ``generator_ok``: the exact generator exists at t.  ``md_ok``: it exists at every
    quadrature node of [0, t] (the md integrals are defined).  md entries are NaN where the
    corresponding flag is False; :func:`failure_report` lists those times.
    ``first_law_residual``: dU_md - Q_md - W_md (quadrature error).
    """

    bare: Assignment
    interaction: Assignment
    minimal_dissipation: Assignment
    U_md: jax.Array
    heat_rate_md: jax.Array
    work_rate_md: jax.Array
    sigma_min: jax.Array
    generator_ok: jax.Array
    md_ok: jax.Array
    first_law_residual: jax.Array


class Energetics(eqx.Module):
    """Result of :func:`energetics`: ``ts``; bare energies ``U1``, ``U2``, ``UI``
    (Tr[H_X rho(t)], X = 1, 2, I); ``side1``, ``side2`` (:class:`SideEnergetics`)."""

    ts: jax.Array
    U1: jax.Array
    U2: jax.Array
    UI: jax.Array
    side1: SideEnergetics
    side2: SideEnergetics


def _pointwise(model, h, gamma0, tc, tol):
    """Per-time quantities for a chunk of times (both sides)."""
    n1 = model.n1
    blocks = _full_blocks(h, gamma0, tc)
    gam = blocks[3]
    out = {}
    prev = None
    for side in (1, 2):
        sx, _ = _side_slices(model, side)
        loc = _side_local(blocks, gamma0, sx)
        if prev is not None:
            # The sides are independent, so XLA:CPU would run their batched LAPACK calls
            # concurrently and jaxlib 0.10.2 can deadlock (jaxqtm/_sequence.py): side 2
            # waits for side 1's solve outputs; values are unchanged.
            loc = after(loc, prev[:3])
        k, kd, _, _, smin, ok = _generator_matrices(loc, tol)
        out[side] = prev = (_tr(k, loc.gam), _tr(k, loc.gamd), _tr(kd, loc.gam), smin, ok)
    u1 = _tr(model.h1[None], gam[:, :n1, :n1])
    u2 = _tr(model.h2[None], gam[:, n1:, n1:])
    ui = 2.0 * _tr(model.g[None], gam[:, n1:, :n1])
    return out, (u1, u2, ui)


def energetics(model: ReservoirModel, ts, *, options: EnergeticsOptions = EnergeticsOptions(),
               warn: bool = True) -> Energetics:
    """Exact energetics of two interacting bosonic reservoirs from a product thermal state.

    **Arguments:**
    - ``model``: :class:`ReservoirModel` (see :func:`reservoir_model`, :func:`all_to_all`).
    - ``ts``: (nt,) non-decreasing times >= 0.  Cumulative quantities are integrals from 0.
    - ``options``: :class:`EnergeticsOptions`.
    - ``warn``: emit a ``RuntimeWarning`` listing the times where the exact generator of a
      side does not exist (only outside of jit/vmap).

    **Returns:** :class:`Energetics`.  Pure and jit/vmap/grad-compatible through its kernel
    (``ts`` and the model's arrays may be traced; validation is skipped for tracers).
    """
    ts = _check_ts(ts)
    if not isinstance(options, EnergeticsOptions):
        raise ValueError("options must be an EnergeticsOptions instance")
    res = _energetics_impl(model, ts, options)
    if warn and not isinstance(res.ts, jax.core.Tracer):
        rep = failure_report(res)
        if rep:
            warnings.warn(rep, RuntimeWarning, stacklevel=2)
    return res


def _nodes(ts, n):
    """Gauss--Legendre nodes/weights on the panels [t_{j-1}, t_j], t_{-1} = 0."""
    xg, wg = np.polynomial.legendre.leggauss(n)
    lo = jnp.concatenate([jnp.zeros(1), ts[:-1]])
    half = 0.5 * (ts - lo)
    nodes = (0.5 * (ts + lo))[:, None] + half[:, None] * jnp.asarray(xg)[None, :]
    return nodes, half, jnp.asarray(wg)


@eqx.filter_jit
def _eval_chunk(model, tc, tol):
    h = model.full_hamiltonian()
    gamma0 = initial_correlations(model)
    return _pointwise(model, h, gamma0, tc, tol)


def _energetics_impl(model, ts, options):
    # Output times and quadrature nodes go through one chunked evaluation.
    nodes, _, _ = _nodes(ts, options.nodes_per_panel)
    allt = jnp.concatenate([ts, nodes.reshape(-1)])
    chunk = _auto_chunk(options.chunk_size, model.n1 + model.n2)
    res, bare = _run_chunked(_eval_chunk, model, allt, chunk, options.singular_tol)
    return _assemble(model, ts, res, bare, options)


@eqx.filter_jit
def _assemble(model, ts, res, bare, options):
    gamma0 = initial_correlations(model)
    nt = ts.shape[0]
    _, half, wg = _nodes(ts, options.nodes_per_panel)
    u1, u2, ui = (x[:nt] for x in bare)
    point = {s: tuple(x[:nt] for x in res[s]) for s in (1, 2)}
    nodal = {s: tuple(x[nt:] for x in res[s]) for s in (1, 2)}

    sides = {}
    # Delta Ut relative to t = 0 (not to ts[0]):
    u10 = _tr(model.h1, gamma0[: model.n1, : model.n1])
    u20 = _tr(model.h2, gamma0[model.n1:, model.n1:])
    d1, d2, di = u1 - u10, u2 - u20, ui  # Ut_I(0) = 0 for a product state
    for side in (1, 2):
        umd, hr, wr, smin, ok = point[side]
        _, hr_n, wr_n, _, ok_n = nodal[side]
        ok_n = ok_n.reshape(nt, -1)
        hr_n = jnp.where(ok_n, hr_n.reshape(nt, -1), 0.0)
        wr_n = jnp.where(ok_n, wr_n.reshape(nt, -1), 0.0)
        q = jnp.cumsum(half * (hr_n @ wg))
        w = jnp.cumsum(half * (wr_n @ wg))
        # the integrals from 0 to t exist only if G is invertible at every node and output time up to t
        md_ok = jnp.cumprod((jnp.all(ok_n, axis=1) & ok).astype(jnp.int32)) > 0
        sx, _ = _side_slices(model, side)
        hx = model.h1 if side == 1 else model.h2
        umd0 = _tr(hx, gamma0[sx, sx])  # K_X(0) = H_X
        dumd = umd - umd0
        nan = jnp.nan
        dx = d1 if side == 1 else d2
        zero = jnp.zeros_like(dx)
        sides[side] = SideEnergetics(
            bare=Assignment(dU=dx, Q=dx + di, W=-di),
            interaction=Assignment(dU=dx + di, Q=dx + di, W=zero),
            minimal_dissipation=Assignment(
                dU=jnp.where(ok, dumd, nan), Q=jnp.where(md_ok, q, nan), W=jnp.where(md_ok, w, nan)),
            U_md=jnp.where(ok, umd, nan),
            heat_rate_md=jnp.where(ok, hr, nan),
            work_rate_md=jnp.where(ok, wr, nan),
            sigma_min=smin,
            generator_ok=ok,
            md_ok=md_ok,
            first_law_residual=jnp.where(md_ok, dumd - q - w, nan),
        )
    return Energetics(ts=ts, U1=u1, U2=u2, UI=ui, side1=sides[1], side2=sides[2])


def failure_report(result: Energetics) -> str:
    """Human-readable list of the times where an exact generator does not exist.

    Returns ``""`` when the generators of both sides exist at every output time and every
    quadrature node.  Otherwise names the side, the output times with ``generator_ok`` False
    and the first time from which the md heat/work integrals are undefined.
    """
    lines = []
    ts = np.asarray(result.ts)
    for name, s in (("side 1", result.side1), ("side 2", result.side2)):
        ok = np.asarray(s.generator_ok)
        mok = np.asarray(s.md_ok)
        if ok.all() and mok.all():
            continue
        bad = ts[~ok]
        shown = ", ".join(f"{t:.6g}" for t in bad[:12]) + (" ..." if bad.size > 12 else "")
        msg = (f"{name}: reduced propagator G(t) non-invertible (no exact time-local generator) "
               f"at {bad.size} output time(s)" + (f": t = {shown}" if bad.size else ""))
        if not mok.all():
            t0 = ts[np.argmin(mok)]
            msg += (f"; minimal-dissipation heat/work undefined (set to NaN) from t = {t0:.6g} on "
                    f"(min sigma_min(G) at output times = {np.nanmin(np.asarray(s.sigma_min)):.3e})")
        lines.append(msg)
    return "\n".join(lines)
