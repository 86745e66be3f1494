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

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._checks import check_int, check_type
from .._chunking import AbstractChunking, ArrayBudget
from .._numerics import after
from .._results import RESULTS, AbstractResult, codes, combine, first_failure
from ._dynamics import (
    _check_singular_tol,
    _check_ts,
    _finish,
    _full_blocks,
    _generator_matrices,
    _run_chunked,
    _side_local,
    _side_slices,
    _time_report,
    _tr,
    initial_correlations,
)
from ._model import ReservoirModel


class EnergeticsOptions(eqx.Module):
    """How :func:`energetics` computes (all static).

    - ``nodes_per_panel``: Gauss--Legendre nodes between consecutive output times for the
      md heat and work integrals (the integrands are analytic where G(t) is invertible).
    - ``singular_tol``: G(t) with smallest singular value below this is "non-invertible":
      the exact generator does not exist there.
    - ``chunk``: times (output times and quadrature nodes) evaluated together, the chunking
      strategy of :mod:`jaxqtm.sweep`: ``ArrayBudget()`` (default: 32 MiB per
      (chunk, N1+N2, N1+N2) complex array, between 8 and 256 times), ``Fixed(n)`` (exactly n),
      or ``Auto(memory_budget=bytes)`` (the largest chunk whose compiled program fits).
    """

    nodes_per_panel: int = eqx.field(static=True, default=8)
    singular_tol: float = eqx.field(static=True, default=1e-7)
    chunk: AbstractChunking = eqx.field(static=True, default=ArrayBudget())

    def __check_init__(self):
        check_int(self.nodes_per_panel, "nodes_per_panel", 1, 64)
        _check_singular_tol(self.singular_tol)
        check_type(self.chunk, "chunk", AbstractChunking, "jaxqtm.sweep chunking (ArrayBudget(), Fixed(n), Auto())")


class Assignment(eqx.Module):
    """First-law triple of one energy assignment: ``dU = Q + W`` (each of shape (nt,))."""

    dU: jax.Array
    Q: jax.Array
    W: jax.Array


class SideEnergetics(AbstractResult):
    """Energetics of one reservoir.

    ``bare``, ``interaction``, ``minimal_dissipation``: :class:`Assignment`.
    ``U_md``: Tr[K_X(t) rho_X(t)].  ``heat_rate_md``/``work_rate_md``: Tr[K drho/dt],
    Tr[dK/dt rho] at each t.  ``sigma_min``: smallest singular value of G(t).
    ``first_law_residual``: dU_md - Q_md - W_md (quadrature error).

    ``result`` (:class:`jaxqtm.RESULTS`, one per output time): ``singular_generator`` where
    G(s) is not invertible (sigma_min <= ``singular_tol``) at some output time or quadrature
    node s in [0, t] -- the exact generator does not exist there, so the minimal-dissipation
    integrals from 0 to t are undefined (``minimal_dissipation.Q``/``.W`` and
    ``first_law_residual`` are NaN from the first singular time on; a physical property of
    the model, not a numerical failure); ``nonfinite`` where an input or a result is not
    finite.  The bare and interaction assignments exist at every time.

    Properties: ``ok`` (``result == successful``), ``md_ok`` (the same: the md assignment is
    defined at t), ``generator_ok`` (G(t) is invertible at t itself: ``U_md``, the md rates
    and ``minimal_dissipation.dU`` exist there, NaN elsewhere).  :func:`failure_report` lists
    the failed times.
    """

    bare: Assignment
    interaction: Assignment
    minimal_dissipation: Assignment
    U_md: jax.Array
    heat_rate_md: jax.Array
    work_rate_md: jax.Array
    sigma_min: jax.Array
    first_law_residual: jax.Array
    result: RESULTS
    singular_tol: float = eqx.field(static=True)

    @property
    def md_ok(self) -> jax.Array:
        return self.ok

    @property
    def generator_ok(self) -> jax.Array:
        return self.sigma_min > self.singular_tol


class Energetics(AbstractResult):
    """Result of :func:`energetics`: ``ts``; bare energies ``U1``, ``U2``, ``UI``
    (Tr[H_X rho(t)], X = 1, 2, I); ``side1``, ``side2`` (:class:`SideEnergetics`);
    ``result`` (:class:`jaxqtm.RESULTS` per output time): side 1's code, else side 2's, else
    ``nonfinite`` where a bare energy is not finite; ``ok`` (a property)."""

    ts: jax.Array
    U1: jax.Array
    U2: jax.Array
    UI: jax.Array
    side1: SideEnergetics
    side2: SideEnergetics
    result: RESULTS


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
            # concurrently and jaxlib 0.10.2 can deadlock (jaxqtm._numerics.after): side 2
            # waits for side 1's solve outputs; values are unchanged.
            loc = after(loc, prev[:3])
        k, kd, _, _, smin, ok = _generator_matrices(loc, tol)
        out[side] = prev = (_tr(k, loc.gam), _tr(k, loc.gamd), _tr(kd, loc.gam), smin, ok)
    u1 = _tr(model.h1[None], gam[:, :n1, :n1])
    u2 = _tr(model.h2[None], gam[:, n1:, n1:])
    ui = 2.0 * _tr(model.g[None], gam[:, n1:, :n1])
    return out, (u1, u2, ui)


def energetics(
    model: ReservoirModel, ts, *, options: EnergeticsOptions = EnergeticsOptions(), throw: bool = True
) -> Energetics:
    """Exact energetics of two interacting bosonic reservoirs from a product thermal state.

    **Arguments:**
    - ``model``: :class:`ReservoirModel` (see :func:`reservoir_model`, :func:`all_to_all`).
    - ``ts``: (nt,) non-decreasing times >= 0.  Cumulative quantities are integrals from 0.
    - ``options``: :class:`EnergeticsOptions`.
    - ``throw``: raise if the result failed at some output time (``jaxqtm.ResultError`` with
      :func:`failure_report`'s text; inside ``jit``/``vmap`` a runtime error through
      ``eqx.error_if``, with the same code path).  Where G(t) is singular the exact generator
      does not exist -- a fact of the model (e.g. resonant reservoirs at strong coupling) --
      so pass ``throw=False`` to get the flagged result (``.result``, ``.ok`` per time, md
      quantities NaN there, the bare and interaction assignments complete).

    **Returns:** :class:`Energetics`.  Pure and jit/vmap/grad-compatible through its kernel
    (``ts`` and the model's arrays may be traced; validation is skipped for tracers).
    """
    ts = _check_ts(ts)
    check_type(options, "options", EnergeticsOptions)
    res = _energetics_impl(model, ts, options)
    return _finish(res, throw=throw, what="energetics", report=failure_report)


def _nodes(ts, n):
    """Gauss--Legendre nodes/weights on the panels [t_{j-1}, t_j], t_{-1} = 0."""
    xg, wg = np.polynomial.legendre.leggauss(n)
    lo = jnp.concatenate([jnp.zeros(1), ts[:-1]])
    half = 0.5 * (ts - lo)
    nodes = (0.5 * (ts + lo))[:, None] + half[:, None] * jnp.asarray(xg)[None, :]
    return nodes, half, jnp.asarray(wg)


def _eval_kernel(model, tc, tol):
    h = model.full_hamiltonian()
    gamma0 = initial_correlations(model)
    return _pointwise(model, h, gamma0, tc, tol)


def _energetics_impl(model, ts, options):
    # Output times and quadrature nodes go through one chunked evaluation.
    nodes, _, _ = _nodes(ts, options.nodes_per_panel)
    allt = jnp.concatenate([ts, nodes.reshape(-1)])
    res, bare = _run_chunked(_eval_kernel, model, allt, options.chunk, options.singular_tol)
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
    u20 = _tr(model.h2, gamma0[model.n1 :, model.n1 :])
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
        a_bare = Assignment(dU=dx, Q=dx + di, W=-di)
        a_int = Assignment(dU=dx + di, Q=dx + di, W=zero)
        md = Assignment(dU=jnp.where(ok, dumd, nan), Q=jnp.where(md_ok, q, nan), W=jnp.where(md_ok, w, nan))
        u_md, hr_md, wr_md = jnp.where(ok, umd, nan), jnp.where(ok, hr, nan), jnp.where(ok, wr, nan)
        residual = jnp.where(md_ok, dumd - q - w, nan)
        values = jax.tree_util.tree_leaves((a_bare, a_int, md, u_md, hr_md, wr_md, smin, residual))
        finite = jnp.all(jnp.stack([jnp.isfinite(x) for x in values]), axis=0)
        result = first_failure(
            (~model.valid(), RESULTS.invalid_parameters),
            (~jnp.isfinite(smin), RESULTS.nonfinite),
            (~md_ok, RESULTS.singular_generator),
            (~finite, RESULTS.nonfinite),
        )
        sides[side] = SideEnergetics(
            bare=a_bare,
            interaction=a_int,
            minimal_dissipation=md,
            U_md=u_md,
            heat_rate_md=hr_md,
            work_rate_md=wr_md,
            sigma_min=smin,
            first_law_residual=residual,
            result=result,
            singular_tol=options.singular_tol,
        )
    bare_ok = jnp.isfinite(u1) & jnp.isfinite(u2) & jnp.isfinite(ui)
    result = combine(sides[1].result, sides[2].result, first_failure((~bare_ok, RESULTS.nonfinite)))
    return Energetics(ts=ts, U1=u1, U2=u2, UI=ui, side1=sides[1], side2=sides[2], result=result)


def failure_report(result: Energetics) -> str:
    """Human-readable summary of the failed times of an :class:`Energetics` result, built from its
    :class:`jaxqtm.RESULTS` codes (concrete results only).

    Returns ``""`` when both sides succeeded at every output time.  Otherwise one line per side
    and code (name, message, the times), and for ``singular_generator`` the output times where
    G(t) itself is singular and the time from which the md heat/work integrals are undefined.
    """
    lines = []
    ts = np.asarray(result.ts)
    sg = int(codes(RESULTS.singular_generator))
    for name, s in (("side 1", result.side1), ("side 2", result.side2)):
        code = np.asarray(codes(s.result))
        sing = code == sg
        if sing.any():
            bad = ts[~np.asarray(s.generator_ok)]
            shown = ", ".join(f"{t:.6g}" for t in bad[:12]) + (" ..." if bad.size > 12 else "")
            lines.append(
                f"{name}: singular_generator: reduced propagator G(t) non-invertible (no exact time-local "
                f"generator) at {bad.size} output time(s)"
                + (f": t = {shown}" if bad.size else " (between output times)")
                + f"; minimal-dissipation heat/work undefined (set to NaN) at the {int(sing.sum())} output time(s) "
                f"from t = {ts[np.argmax(sing)]:.6g} on (min sigma_min(G) at output times = "
                f"{np.nanmin(np.asarray(s.sigma_min)):.3e})"
            )
        lines += _time_report(ts, np.where(sing, 0, code), name)  # the other codes
    code = np.asarray(codes(result.result))
    if code.any() and not lines:  # only the bare energies failed
        lines += _time_report(ts, code, "bare energies")
    return "\n".join(lines)
