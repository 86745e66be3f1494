"""Model-agnostic multi-objective optimisation: scalarisations, non-dominated filtering,
2-D hypervolume and one compiled front run (front points x restarts vmapped, optax steps in a
``lax.scan``, chunked into segments for progress and checkpoints).

Every objective is *minimised*. A front run optimises, for every scalarisation k of a grid and
every random restart r, the scalar ``s_k(F(theta))``; the reported front is the non-dominated
subset of all final points that evaluate successfully (``ok``) -- failures never enter a front.
``ok`` is a boolean or any component's :class:`jaxqtm.RESULTS` item / result object, so every
component's kernel plugs in as an objective.
"""

from __future__ import annotations

import abc
import functools
import hashlib
import json
import os
import time
import warnings
from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jaxtyping import Array

from .._checks import check_finite, check_range
from .._fingerprint import changed_parts, digest_arrays, fingerprint
from .._progress import AbstractProgressMeter, TextProgressMeter, check_progress_meter, compile_event
from .._results import RESULTS, codes, from_codes, is_result, is_successful, result_items

# ---------------------------------------------------------------------------
# Pareto utilities (numpy, on concrete results)
# ---------------------------------------------------------------------------


def nondominated(F, ok=None) -> np.ndarray:
    """Mask of the non-dominated rows of ``F`` (n, k) (minimisation).

    Row i is dominated if some row j has ``F[j] <= F[i]`` everywhere and ``<`` somewhere.
    Rows with ``ok = False`` or non-finite entries are never non-dominated and never
    dominate. Identical rows do not dominate each other (both are kept). Two objectives:
    one sort, O(n log n) (a 20001-point front in milliseconds); more: pairwise, O(n^2 k), in
    blocks of rows (bounded memory).
    """
    F = np.asarray(F, dtype=float)
    if F.ndim != 2:
        raise ValueError(f"F must have shape (n, k), got {F.shape}")
    good = np.all(np.isfinite(F), axis=1)
    if ok is not None:
        good &= np.asarray(ok, dtype=bool).reshape(-1)
    G = F[good]
    dominated = _dominated_2d(G) if G.shape[1] == 2 else _dominated_pairwise(G)
    mask = np.zeros(F.shape[0], dtype=bool)
    mask[np.flatnonzero(good)[~dominated]] = True
    return mask


def _dominated_2d(G) -> np.ndarray:
    """Sweep in (f0, f1) order: a row is dominated by an earlier group of smaller f0 whose least f1
    is <= its own, or within its own group of equal f0 by a strictly smaller f1."""
    n = G.shape[0]
    out = np.zeros(n, dtype=bool)
    if n == 0:
        return out
    order = np.lexsort((G[:, 1], G[:, 0]))
    f0, f1 = G[order, 0], G[order, 1]
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = f0[1:] != f0[:-1]
    start = np.maximum.accumulate(np.where(new_group, np.arange(n), 0))  # first row of each row's group
    prefix_min = np.minimum.accumulate(f1)
    before = np.where(start > 0, prefix_min[np.maximum(start - 1, 0)], np.inf)  # least f1 of smaller f0
    out[order] = (before <= f1) | (f1[start] < f1)
    return out


def _dominated_pairwise(G, block: int = 512) -> np.ndarray:
    dominated = np.zeros(G.shape[0], dtype=bool)
    for i0 in range(0, G.shape[0], block):
        Gi = G[i0 : i0 + block]
        le = np.all(G[:, None, :] <= Gi[None, :, :], axis=-1)  # le[j, i]: G[j] <= Gi[i]
        lt = np.any(G[:, None, :] < Gi[None, :, :], axis=-1)
        dominated[i0 : i0 + block] = np.any(le & lt, axis=0)
    return dominated


def hypervolume_2d(F, ref, ok=None) -> float:
    """Area dominated by the points ``F`` (n, 2) and bounded by the reference point ``ref``
    (minimisation): the measure of the union of boxes [F_i, ref]. Points that do not
    strictly dominate ``ref`` (or are not ``ok``/finite) contribute nothing.

    Sweep over the non-dominated points sorted by the first objective: exact, O(n log n).
    """
    F = np.asarray(F, dtype=float)
    ref = np.asarray(ref, dtype=float)
    if F.ndim != 2 or F.shape[1] != 2 or ref.shape != (2,):
        raise ValueError(f"hypervolume_2d needs F of shape (n, 2) and ref of shape (2,), got {F.shape}, {ref.shape}")
    keep = np.all(np.isfinite(F), axis=1) & np.all(F < ref, axis=1)
    if ok is not None:
        keep &= np.asarray(ok, dtype=bool).reshape(-1)
    G = F[keep]
    if G.shape[0] == 0:
        return 0.0
    G = G[nondominated(G)]
    G = G[np.lexsort((G[:, 1], G[:, 0]))]
    x_next = np.append(G[1:, 0], ref[0])
    return float(np.sum((x_next - G[:, 0]) * (ref[1] - G[:, 1])))


def front_box(F, ok=None):
    """(ideal, nadir) of the non-dominated subset of ``F`` (n, k): the componentwise min and max
    over the front. Use them to place a second, refined scalarisation grid over the attained range
    (e.g. ``chebyshev_grid(n, ideal, nadir - ideal)``); raises ``ValueError`` if no point is ok."""
    F = np.asarray(F, dtype=float).reshape(-1, np.shape(F)[-1])
    mask = nondominated(F, None if ok is None else np.asarray(ok).reshape(-1))
    if not mask.any():
        raise ValueError("front_box: F has no ok, finite point (the coarse pass failed everywhere)")
    G = F[mask]
    return G.min(axis=0), G.max(axis=0)


def refine_thresholds(F, n: int, *, index: int, ok=None) -> np.ndarray:
    """ε thresholds for a second pass, spread evenly over the range that a coarse pass attained.

    For two objectives, ``index`` is the objective that the ε-constraint minimises; the other
    one, j, is constrained. A coarse front (any thresholds) gives the two end points of the
    front: the best attained F_j (one extreme, e.g. the max-efficiency engine) and F_j at the
    best attained F_index (the other extreme, e.g. the max-power engine). The ``n`` returned
    thresholds are ``linspace`` between them, both ends included, so every threshold of the
    refined pass lies on the front (evenly spread thresholds over an a-priori interval waste
    the ones outside the attained range).
    """
    F = np.asarray(F, dtype=float)
    if F.shape[-1] != 2:
        raise ValueError(f"refine_thresholds needs two objectives, got F of shape {F.shape}")
    if index not in (0, 1):
        raise ValueError(f"index must be 0 or 1, got {index}")
    if n < 2:
        raise ValueError(f"n must be >= 2, got {n}")
    lo, hi = front_box(F, ok)
    j = 1 - index
    if not hi[j] > lo[j]:  # a one-point front: nothing to spread over
        raise ValueError(f"refine_thresholds: the coarse front is a single point (F_{j} = {lo[j]:.6g})")
    return np.linspace(lo[j], hi[j], n)


def warm_start(params, F, eps, restarts: int, *, index: int, ok=None):
    """Initial parameters for an ε-constraint pass from the final points of an earlier pass.

    For each threshold ``eps[k]`` (on objective j = 1 - index) the ``restarts`` earlier points
    that satisfy F_j <= eps[k] with the lowest F_index are taken (cycled if fewer; if none
    satisfies it, the ones with the lowest F_j). ``params`` / ``F`` / ``ok`` carry the earlier
    run's leading axes (any shape, flattened). Returns a pytree with leading axes
    (len(eps), restarts) for :func:`pareto_front`'s ``init_params``. (Random initial points
    under a tight threshold are driven by the penalty into low-power basins; starting from the
    coarse front keeps each refined point in the basin of the front.)
    """
    lead = np.ndim(F) - 1  # leading (points, restarts) axes shared by F and the params leaves
    F = np.asarray(F, dtype=float).reshape(-1, 2)
    good = np.all(np.isfinite(F), axis=1) & (np.ones(len(F), bool) if ok is None else np.asarray(ok).reshape(-1))
    if not good.any():
        raise ValueError("warm_start: no ok point in the earlier pass")
    j = 1 - index
    idx = np.flatnonzero(good)
    rows = []
    for e in np.asarray(eps, dtype=float):
        feas = idx[F[idx, j] <= e]
        cand = feas[np.argsort(F[feas, index])] if feas.size else idx[np.argsort(F[idx, j])]
        rows.append(np.resize(cand, restarts))
    rows = np.asarray(rows)
    return jax.tree_util.tree_map(lambda x: np.asarray(x).reshape((-1,) + np.shape(x)[lead:])[rows], params)


# ---------------------------------------------------------------------------
# Scalarisations (strategy objects; batch = leading axis on every array leaf)
# ---------------------------------------------------------------------------


class AbstractScalarisation(eqx.Module):
    """Maps an objective vector F (k,) to the scalar minimised for one front point.

    ``ideal`` and ``scale`` normalise the objectives, ``(F - ideal)/scale``, so that weights
    and thresholds are comparable across objectives.
    """

    @abc.abstractmethod
    def __call__(self, F: Array) -> Array: ...

    @property
    def n_points(self) -> int:
        leaves = [x for x in jax.tree_util.tree_leaves(self) if eqx.is_array(x)]
        if not leaves or leaves[0].ndim < 1:
            raise ValueError("a scalarisation grid needs a leading batch axis (use chebyshev_grid, epsilon_grid, ...)")
        return int(leaves[0].shape[0])


def _norm(F, ideal, scale):
    return (F - ideal) / scale


class WeightedSum(AbstractScalarisation):
    """sum_i w_i (F_i - z_i)/s_i. Reaches only the convex hull of a front (kept for comparison)."""

    weights: Array
    ideal: Array
    scale: Array

    def __call__(self, F):
        return jnp.sum(self.weights * _norm(F, self.ideal, self.scale))


class Chebyshev(AbstractScalarisation):
    """Augmented weighted Chebyshev: max_i w_i (F_i - z_i)/s_i + rho sum_i (F_i - z_i)/s_i.

    With the ideal point z below the front, every Pareto-optimal point (convex or not) is
    the minimiser for some weights; the small ``rho`` term removes weakly-optimal solutions.
    The max is evaluated as a log-sum-exp with temperature ``tau`` (a smooth upper bound,
    exact to tau log k) so that Adam sees a gradient that does not flip between objectives.
    """

    weights: Array
    ideal: Array
    scale: Array
    rho: Array
    tau: Array

    def __call__(self, F):
        u = self.weights * _norm(F, self.ideal, self.scale)
        smooth_max = self.tau * jax.scipy.special.logsumexp(u / self.tau, axis=-1)
        return smooth_max + self.rho * jnp.sum(_norm(F, self.ideal, self.scale))


class EpsilonConstraint(AbstractScalarisation):
    """Minimise objective ``index`` subject to F_j <= eps_j for every other j.

    Constraints enter as a smooth exterior penalty mu * max(0, (F_j - eps_j)/s_j)^2 (continuous
    gradient, exact at feasible points); large ``mu`` keeps the final violation ~1/mu.
    ``eps`` has an entry for every objective (the one at ``index`` is ignored).
    """

    eps: Array
    index: Array  # int, objective minimised
    ideal: Array
    scale: Array
    mu: Array

    def __call__(self, F):
        k = F.shape[-1]
        sel = jnp.arange(k) == self.index
        Fn = _norm(F, self.ideal, self.scale)
        en = _norm(self.eps, self.ideal, self.scale)
        viol = jnp.where(sel, 0.0, jnp.maximum(Fn - en, 0.0))
        return jnp.sum(jnp.where(sel, Fn, 0.0)) + self.mu * jnp.sum(viol**2)


def _bcast(x, n, k=None):
    x = jnp.asarray(x, dtype=float)
    shape = (n,) if k is None else (n, k)
    return jnp.broadcast_to(x, shape) + jnp.zeros(shape)


def _check_box(ideal, scale):
    # a zero scale divides by zero in every step (all steps non-finite): rejected here
    for name, v in (("ideal", ideal), ("scale", scale)):
        if np.shape(v)[-1:] != (2,):
            raise ValueError(f"{name} must have 2 entries (one per objective, last axis); got shape {np.shape(v)}")
    check_finite(ideal, "ideal")
    check_range(scale, "scale", 0.0, None, lo_open=True)


def chebyshev_grid(n: int, ideal, scale, *, rho=1e-3, tau=1e-3) -> Chebyshev:
    """``n`` Chebyshev scalarisations for two objectives, weight directions evenly spread in
    angle (w = (cos a, sin a), a in [0, pi/2]); a batch of ``n`` front points. ``ideal`` must be
    finite, ``scale > 0``, ``rho >= 0``, ``tau > 0`` (else ``ValueError`` naming the entry)."""
    if n < 2:
        raise ValueError(f"n (front points) must be >= 2, got {n}")
    _check_box(ideal, scale)
    check_range(rho, "rho", 0.0, None)
    check_range(tau, "tau", 0.0, None, lo_open=True)
    a = jnp.linspace(0.0, jnp.pi / 2, n)
    w = jnp.stack([jnp.cos(a), jnp.sin(a)], -1)
    # a weight exactly 0 ignores an objective: floor it so every point stays Pareto-optimal
    w = jnp.maximum(w, 1e-3)
    return Chebyshev(w, _bcast(ideal, n, 2), _bcast(scale, n, 2), _bcast(rho, n), _bcast(tau, n))


def weighted_sum_grid(n: int, ideal, scale) -> WeightedSum:
    """``n`` weighted sums for two objectives, w = (1 - t, t), t in [0, 1] (finite ``ideal``,
    ``scale > 0``)."""
    if n < 2:
        raise ValueError(f"n (front points) must be >= 2, got {n}")
    _check_box(ideal, scale)
    t = jnp.linspace(0.0, 1.0, n)
    return WeightedSum(jnp.stack([1 - t, t], -1), _bcast(ideal, n, 2), _bcast(scale, n, 2))


def epsilon_grid(eps_values, *, index: int, ideal, scale, mu=1e3) -> EpsilonConstraint:
    """ε-constraint scalarisations for two objectives: minimise F[index] subject to
    F[1 - index] <= eps for each value in ``eps_values`` (finite thresholds, finite ``ideal``,
    ``scale > 0``, ``mu > 0``)."""
    e = jnp.asarray(eps_values, dtype=float)
    if e.ndim != 1 or e.shape[0] < 1:
        raise ValueError(f"eps_values must be a non-empty 1-D array, got shape {e.shape}")
    check_finite(e, "eps_values")
    if index not in (0, 1):
        raise ValueError(f"index must be 0 or 1 for two objectives, got {index}")
    _check_box(ideal, scale)
    check_range(mu, "mu", 0.0, None, lo_open=True)
    n = e.shape[0]
    eps = jnp.zeros((n, 2)).at[:, 1 - index].set(e)
    return EpsilonConstraint(eps, jnp.full((n,), index), _bcast(ideal, n, 2), _bcast(scale, n, 2), _bcast(mu, n))


# ---------------------------------------------------------------------------
# The front run
# ---------------------------------------------------------------------------


class FrontResult(eqx.Module):
    """Result of :func:`pareto_front` (numpy arrays; P front points x R restarts).

    - ``params``: final parameters, pytree with leading axes (P, R).
    - ``F`` (P, R, k), ``ok`` (P, R): objectives and success flags of the final points;
      ``aux``: the objective's auxiliary outputs at the final points (leading axes (P, R)).
    - ``codes`` (P, R): int32 :class:`jaxqtm.RESULTS` code of each final point (``ok`` is
      ``codes == 0``; ``result`` gives them as a RESULTS item, like ``SweepResult``): the
      objective's own code (its first failure) when it returns a RESULTS item or result object,
      ``invalid_parameters`` when it returns a boolean ``ok = False``, ``nonfinite`` for a
      non-finite F, ``not_converged`` when every optimiser step of the restart was non-finite
      (the point never left its initial value).
    - ``scalar`` (P, R): scalarised objective (inf where not ok); ``best`` (P,): best restart.
    - ``front_mask`` (P, R): final points that are ok and non-dominated among all final points.
    - ``history``: dict of per-segment arrays: ``step``, ``wall_s`` (cumulative, excluding
      compilation), ``hv`` (hypervolume of the ok points w.r.t. ``hv_ref``, if given); the
      segments of an earlier run come from its checkpoint.
    - ``compile_s``: compilation time; ``config``: every setting needed to reproduce the run.
    """

    params: Any
    F: np.ndarray
    ok: np.ndarray
    codes: np.ndarray
    aux: Any
    scalar: np.ndarray
    best: np.ndarray
    front_mask: np.ndarray
    history: dict
    compile_s: float
    config: dict

    @property
    def result(self) -> RESULTS:
        """The per-point ``codes`` as a :class:`jaxqtm.RESULTS` item."""
        return from_codes(self.codes)

    def front(self, with_aux: bool = False):
        """(F, params[, aux]) of the front points, sorted by the first objective."""
        Fm = self.F[self.front_mask]
        order = np.argsort(Fm[:, 0], kind="stable")
        pick = lambda tree: jax.tree_util.tree_map(lambda x: np.asarray(x)[self.front_mask][order], tree)
        return (Fm[order], pick(self.params), pick(self.aux)) if with_aux else (Fm[order], pick(self.params))


class _State(eqx.Module):
    params: Any
    opt_state: Any
    step: Array
    n_bad: Array  # steps skipped because loss or gradient was not finite


def _ok_of(ok):
    """Boolean success of an objective's ``ok``: a bool (array), a ``RESULTS`` item, or any pytree
    holding ``RESULTS`` items (a component's result object): successful iff every code is."""
    if is_result(ok):
        return jnp.all(is_successful(ok))
    items = result_items(ok)
    if items:
        return jnp.all(jnp.stack([jnp.all(is_successful(r)) for r in items]))
    dtype = getattr(ok, "dtype", None)
    if not (
        isinstance(ok, (bool, np.bool_))
        or (dtype is not None and (jnp.issubdtype(dtype, jnp.bool_) or jnp.issubdtype(dtype, jnp.integer)))
    ):
        raise TypeError(
            "the objective's ok must be a boolean (array), a jaxqtm.RESULTS item or a result object "
            f"holding one; got {type(ok).__name__}"
        )
    return jnp.asarray(ok, dtype=bool)


_INVALID = int(RESULTS.invalid_parameters._value)  # pyright: ignore[reportAttributeAccessIssue]
_NONFINITE = int(RESULTS.nonfinite._value)  # pyright: ignore[reportAttributeAccessIssue]
_NOT_CONVERGED = int(RESULTS.not_converged._value)  # pyright: ignore[reportAttributeAccessIssue]


def _code_of(ok):
    """The RESULTS code of an objective's ``ok``: the first failure of its RESULTS items (in tree
    order, along each item's axes), or ``invalid_parameters`` for a boolean ``False``."""
    items = [ok] if is_result(ok) else result_items(ok)
    if not items:
        return jnp.where(jnp.all(_ok_of(ok)), 0, _INVALID).astype(jnp.int32)
    code = jnp.zeros((), jnp.int32)
    for r in items:
        c = codes(r).astype(jnp.int32).ravel()
        first = c[jnp.argmax(c != 0)] if c.size else jnp.zeros((), jnp.int32)
        code = jnp.where(code == 0, first, code)
    return code


def _objective_parts(objective_fn, params):
    """(F, code, aux) from ``F``, ``(F, ok)`` or ``(F, ok, aux)``; ``code`` the point's RESULTS
    code (0: ok)."""
    out = objective_fn(params)
    aux = {}
    if isinstance(out, tuple):
        if len(out) == 3:
            F, ok, aux = out
        elif len(out) == 2:
            F, ok = out
        else:
            raise TypeError(f"the objective must return F, (F, ok) or (F, ok, aux); got a tuple of {len(out)}")
    else:
        F, ok = out, jnp.asarray(True)
    F = jnp.asarray(F)
    code = _code_of(ok)
    code = jnp.where((code == 0) & ~jnp.all(jnp.isfinite(F)), _NONFINITE, code)
    return F, code, aux


def pareto_front(
    objective_fn: Callable,
    init_params_fn: Callable,
    scalarisations: AbstractScalarisation,
    *,
    steps: int = 500,
    restarts: int = 4,
    key=None,
    optimizer: optax.GradientTransformation | None = None,
    segments: int = 10,
    checkpoint: str | None = None,
    progress_meter: AbstractProgressMeter = TextProgressMeter(),
    hv_ref=None,
    config: dict | None = None,
    init_params=None,
    objective_version: str | None = None,
) -> FrontResult:
    """Gradient-based Pareto front: every scalarisation x every restart optimised at once.

    **Arguments:**
    - ``objective_fn(params) -> F``, ``(F, ok)`` or ``(F, ok, aux)``: objective vector (k,) to
      minimise for one parameter pytree (pure JAX, differentiable); ``ok`` flags failed
      evaluations: a boolean, a :class:`jaxqtm.RESULTS` item, or a component's result object
      (any pytree holding RESULTS items; ok iff every code is successful), so e.g.
      ``return F, obs, aux`` with ``obs`` computed with ``throw=False``; points with a
      non-finite ``F`` are failed too; ``aux`` (a pytree) is returned for the final points only.
    - ``init_params_fn(key) -> params``: random initial parameters (unconstrained raw values).
    - ``scalarisations``: a batched :class:`AbstractScalarisation` (leading axis = front points),
      e.g. :func:`chebyshev_grid`, :func:`epsilon_grid`.
    - ``steps``: optimiser steps; ``restarts``: random restarts per front point.
    - ``key``: PRNG key (default ``PRNGKey(0)``); ``optimizer``: optax transformation
      (default ``adam(1e-2)``).
    - ``segments``: the scan is split into this many compiled segments; between them progress
      is printed and the checkpoint written.
    - ``checkpoint``: path prefix; after each segment ``<path>.npz`` is replaced atomically: ONE
      file with the state, the last evaluation, the history and the metadata (fingerprint,
      segments done, checksum), so no kill can leave parts that disagree (``<path>.json`` is a
      readable copy of the metadata, never read back). An existing checkpoint is resumed from,
      and the result, ``history`` included, equals the uninterrupted run's (``wall_s`` aside),
      also when it was already finished. On resume the file must be an intact checkpoint of
      this very run: its checksum must match its content, its fingerprint the settings -- steps,
      segments, restarts, key, ``hv_ref``, ``config``, ``objective_version``, the initial state, the
      scalarisations and the *content* of ``objective_fn``, ``init_params_fn`` and ``optimizer``
      (code and closed-over constants, see :mod:`jaxqtm._fingerprint`) -- and ``segments_done``
      and every array's shape and dtype must fit the run; otherwise ``ValueError`` names the
      file and what differs (never a silent reuse). Callables with parts that cannot be
      fingerprinted warn when the checkpoint is created and are not resumed unless both runs
      pass the same ``objective_version``.
    - ``progress_meter``: ``TextProgressMeter()`` (one line per segment to stderr),
      ``NoProgressMeter()`` or ``CallbackProgressMeter(f)`` (``jaxqtm.sweep`` exports them):
      ``f`` gets dicts with ``task="pareto_front"`` and ``event`` ``"start"`` (``segments``,
      ``steps``, ``n_points``, ``restarts``, ``compile_s``), ``"segment"`` (``segment``,
      ``segments``, ``step``, ``steps``, ``hv``, ``ok``, ``total``, ``n_bad``, ``wall_s``,
      ``compile_s``) and ``"end"`` (``wall_s``, ``compile_s``, ``ok``, ``total``, ``n_front``);
      an exception raised by ``f`` stops the run (resume it from ``checkpoint``).
    - ``hv_ref``: reference point for the hypervolume history (2 objectives).
    - ``config``: extra JSON-serialisable description stored with the result and checkpoint.
    - ``init_params``: optional initial raw parameters with leading axes (points, restarts)
      (a warm start, e.g. :func:`warm_start` from a coarse pass); replaces ``init_params_fn``.
    - ``objective_version``: optional string, part of the checkpoint's fingerprint (see
      ``checkpoint``).

    Steps where the scalarised loss or its gradient is not finite leave the parameters
    unchanged (counted in ``n_bad``); final points that are not ``ok`` never enter the front,
    and a restart whose every step was non-finite is ``RESULTS.not_converged`` (see
    :class:`FrontResult` ``codes``).
    """
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    if restarts < 1:
        raise ValueError(f"restarts must be >= 1, got {restarts}")
    if segments < 1:
        raise ValueError(f"segments must be >= 1, got {segments}")
    if not isinstance(scalarisations, AbstractScalarisation):
        raise ValueError("scalarisations must be an AbstractScalarisation (e.g. chebyshev_grid(...))")
    if objective_version is not None and not isinstance(objective_version, str):
        raise TypeError(f"objective_version must be a string or None, got {objective_version!r}")
    report = check_progress_meter(progress_meter)
    key = jax.random.PRNGKey(0) if key is None else key
    typed = isinstance(key, jax.Array) and jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key)
    if not (typed or (isinstance(key, jax.Array) and key.shape == (2,))):
        raise TypeError(f"key must be a JAX PRNG key (jax.random.PRNGKey(seed) or jax.random.key(seed)); got {key!r}")
    optimizer = optax.adam(1e-2) if optimizer is None else optimizer
    if not isinstance(optimizer, optax.GradientTransformation):
        raise TypeError(f"optimizer must be an optax.GradientTransformation (e.g. optax.adam(1e-2)); got {optimizer!r}")
    if checkpoint is not None:
        folder = os.path.dirname(os.path.abspath(str(checkpoint)))
        if not os.path.isdir(folder):
            raise ValueError(f"checkpoint = {str(checkpoint)!r}: the folder {folder!r} does not exist (create it)")
    n_pts = scalarisations.n_points
    segments = min(segments, steps)
    seg_len = [steps // segments + (1 if i < steps % segments else 0) for i in range(segments)]

    cache_key = (objective_fn, init_params_fn, optimizer, n_pts, restarts, jax.tree_util.tree_structure(scalarisations))
    try:
        programs = _PROGRAMS.pop(cache_key, None)  # re-inserted below: least recently used goes first
    except TypeError:  # unhashable callables: no reuse
        programs, cache_key = None, None
    if programs is None:
        programs = _build_programs(objective_fn, init_params_fn, optimizer, n_pts, restarts)
    if cache_key is not None:
        while len(_PROGRAMS) >= _PROGRAMS_MAX:
            _PROGRAMS.pop(next(iter(_PROGRAMS)))
        _PROGRAMS[cache_key] = programs
    initial_state, run_segment, compiled = programs

    t0 = time.perf_counter()
    state = initial_state(key)
    if init_params is not None:
        p0 = jax.tree_util.tree_map(lambda x, r: jnp.asarray(x, dtype=r.dtype), init_params, state.params)
        shapes = [
            (np.shape(a), np.shape(b))
            for a, b in zip(jax.tree_util.tree_leaves(p0), jax.tree_util.tree_leaves(state.params))
        ]
        if any(a != b for a, b in shapes):
            raise ValueError(f"init_params must have leading axes ({n_pts}, {restarts}); got shapes {shapes}")
        state = _State(p0, jax.jit(jax.vmap(jax.vmap(optimizer.init)))(p0), state.step, state.n_bad)
    t_init = time.perf_counter() - t0

    cfg = dict(
        steps=steps,
        restarts=restarts,
        segments=segments,
        n_points=n_pts,
        key=np.asarray(jax.random.key_data(key) if jnp.issubdtype(key.dtype, jax.dtypes.prng_key) else key).tolist(),
        optimizer=type(optimizer).__name__,
        hv_ref=None if hv_ref is None else np.asarray(hv_ref, dtype=float).tolist(),  # (the history's)
        user=config or {},
    )
    # the content of the callables (code, closed-over constants: the learning rate inside the
    # optimizer too) joins the settings: a checkpoint of another objective is never resumed
    # (only a checkpoint needs them)
    fns = dict(objective_fn=objective_fn, init_params_fn=init_params_fn, optimizer=optimizer)
    code_fps = {k: fingerprint(f) for k, f in fns.items()} if checkpoint is not None else {}
    opaque = [f"{k}: {o}" for k, f in code_fps.items() for o in f.opaque]
    parts = _settings_parts(cfg, state, scalarisations, code_fps, objective_version)
    fp = _digest_parts(parts)
    opaque_note = (
        f"the objective, init_params_fn or optimizer hold parts that jaxqtm cannot fingerprint by "
        f"content ({'; '.join(opaque)})"
    )
    done, hist, last = 0, dict(step=[], wall_s=[], hv=[]), None
    if checkpoint is not None and os.path.exists(checkpoint + ".npz"):
        if opaque and objective_version is None:
            raise ValueError(
                f"checkpoint {checkpoint + '.npz'!r} exists, but {opaque_note}, so it cannot be verified to "
                "come from this objective: delete it, pass another checkpoint=, or objective_version='...' "
                "(the same string in the run that writes it and in every resume)"
            )
        state, done, hist, last = _load_checkpoint(
            checkpoint,
            state,
            fp,
            parts,
            segments,
            lambda st: jax.eval_shape(lambda s: run_segment(s, scalarisations, 0)[1:], st),
        )
    elif checkpoint is not None and opaque and objective_version is None:
        warnings.warn(
            f"pareto_front(checkpoint={checkpoint!r}): {opaque_note}; a later run will refuse to resume "
            "from it unless both pass the same objective_version='...'",
            stacklevel=2,
        )

    t_compile = t_init
    t_run = hist["wall_s"][-1] if hist["wall_s"] else 0.0  # wall_s stays cumulative over a resume
    report(
        dict(
            task="pareto_front",
            event="start",
            segments=segments,
            steps=steps,
            n_points=n_pts,
            restarts=restarts,
            compile_s=t_compile,
            resumed_segments=done,
            message=f"{n_pts} front points x {restarts} restarts, {steps} steps in {segments} segments"
            + (f"; resumed {done}/{segments} segments from {checkpoint}" if done else ""),
        )
    )
    for i in range(done, segments):
        n = seg_len[i]
        if n not in compiled:  # ahead-of-time compilation, timed separately
            report(compile_event("pareto_front", f"a segment of {n} optimiser steps", steps=n))
            t0 = time.perf_counter()
            compiled[n] = run_segment.lower(state, scalarisations, n).compile()
            t_compile += time.perf_counter() - t0
        t0 = time.perf_counter()
        state, *out = jax.block_until_ready(compiled[n](state, scalarisations))
        last = tuple(out)
        t_run += time.perf_counter() - t0
        step = int(sum(seg_len[: i + 1]))
        F, code = np.asarray(last[0]), np.asarray(last[1])
        ok = _final_codes(code, state.n_bad, step) == 0
        hv = hypervolume_2d(F.reshape(-1, F.shape[-1]), hv_ref, ok.reshape(-1)) if hv_ref is not None else np.nan
        hist["step"].append(step)
        hist["wall_s"].append(t_run)
        hist["hv"].append(hv)
        if checkpoint is not None:
            _save_checkpoint(checkpoint, state, last, i + 1, fp, parts, cfg, hist)
        hv_text = "" if not np.isfinite(hv) else f"  HV={hv:.6g}"
        report(
            dict(
                task="pareto_front",
                event="segment",
                segment=i + 1,
                segments=segments,
                step=step,
                steps=steps,
                hv=hv,
                ok=int(ok.sum()),
                total=ok.size,
                n_bad=int(np.asarray(state.n_bad).sum()),
                wall_s=t_run,
                compile_s=t_compile,
                message=f"segment {i + 1}/{segments}  step {step}/{steps}  ok {int(ok.sum())}/{ok.size}"
                f"{hv_text}  (run {t_run:.1f} s, compile {t_compile:.1f} s)",
            )
        )
    assert last is not None  # a finished checkpoint carries the last evaluation
    F, code, sc, aux = last
    F, sc = np.asarray(F), np.asarray(sc)
    code = _final_codes(np.asarray(code), state.n_bad, steps)
    ok = code == 0
    sc = np.where(ok, sc, np.inf)
    front = nondominated(F.reshape(-1, F.shape[-1]), ok.reshape(-1)).reshape(ok.shape)
    cfg["n_bad_steps"] = int(np.asarray(state.n_bad).sum())
    report(
        dict(
            task="pareto_front",
            event="end",
            wall_s=t_run,
            compile_s=t_compile,
            ok=int(ok.sum()),
            total=ok.size,
            n_front=int(front.sum()),
            message=f"done: {int(front.sum())} front points from {int(ok.sum())}/{ok.size} ok final points "
            f"(run {t_run:.1f} s, compile {t_compile:.1f} s)",
        )
    )
    return FrontResult(
        params=jax.tree_util.tree_map(np.asarray, state.params),
        F=F,
        ok=ok,
        codes=code,
        scalar=sc,
        best=np.argmin(sc, axis=1),
        front_mask=front,
        aux=jax.tree_util.tree_map(np.asarray, aux),
        history={k: np.asarray(v, dtype=int if k == "step" else float) for k, v in hist.items()},
        compile_s=t_compile,
        config=cfg,
    )


def _final_codes(code, n_bad, steps_done):
    """Per-point codes with ``not_converged`` where every step so far was non-finite."""
    code = np.asarray(code).astype(np.int32)
    stuck = np.asarray(n_bad) >= steps_done
    return np.where((code == 0) & stuck, _NOT_CONVERGED, code).astype(np.int32)


# Compiled programs of recent front runs, keyed by (objective, init, optimizer, shapes): a later call
# with the same callables and shapes reuses them.  Bounded like jaxqtm.sweep's cache, so that new
# lambda objectives (a notebook cell run again) do not keep every old program alive.
_PROGRAMS: dict = {}
_PROGRAMS_MAX = 16


def _build_programs(objective_fn, init_params_fn, optimizer, n_pts, restarts):
    @jax.jit
    def initial_state(key):
        keys = jax.random.split(key, n_pts * restarts)
        keys = keys.reshape((n_pts, restarts) + keys.shape[1:])  # raw uint32 keys or typed keys
        params0 = jax.vmap(jax.vmap(init_params_fn))(keys)
        opt0 = jax.vmap(jax.vmap(optimizer.init))(params0)
        z = jnp.zeros((n_pts, restarts), jnp.int32)
        return _State(params0, opt0, z, z)

    def loss_one(params, scal):
        F, _, _ = _objective_parts(objective_fn, params)
        return scal(F)

    def step_one(st: _State, scal):
        loss, g = jax.value_and_grad(loss_one)(st.params, scal)
        upd, new_opt = optimizer.update(g, st.opt_state, st.params)
        new_params = optax.apply_updates(st.params, upd)
        finite = jnp.isfinite(loss) & jnp.all(
            jnp.stack([jnp.all(jnp.isfinite(x)) for x in jax.tree_util.tree_leaves(g)])
        )
        keep = lambda new, old: jax.tree_util.tree_map(lambda a, b: jnp.where(finite, a, b), new, old)
        return _State(
            keep(new_params, st.params),
            keep(new_opt, st.opt_state),
            st.step + 1,
            st.n_bad + (~finite).astype(jnp.int32),
        )

    # (points x restarts) flattened to one batch axis; restarts share their point's scalarisation
    def flat(tree):
        return jax.tree_util.tree_map(lambda x: x.reshape((n_pts * restarts,) + x.shape[2:]), tree)

    def unflat(tree):
        return jax.tree_util.tree_map(lambda x: x.reshape((n_pts, restarts) + x.shape[1:]), tree)

    def evaluate_one(params, scal):
        F, code, aux = _objective_parts(objective_fn, params)
        return F, code, scal(F), aux

    @functools.partial(jax.jit, static_argnums=2)
    def run_segment(st, scal, n):
        """n optimiser steps, then the objectives of the new points (one compiled program)."""
        scal_rep = jax.tree_util.tree_map(lambda x: jnp.repeat(x, restarts, axis=0), scal)
        step_all = jax.vmap(step_one)

        def body(s, _):
            return step_all(s, scal_rep), None

        st = unflat(jax.lax.scan(body, flat(st), None, length=n)[0]) if n > 0 else st
        F, code, sc, aux = unflat(jax.vmap(evaluate_one)(flat(st.params), scal_rep))
        return st, F, code, sc, aux

    return initial_state, run_segment, {}


CHECKPOINT_FORMAT = "jaxqtm-front-checkpoint/2"  # /2: one .npz with the metadata inside


def _sha(x) -> str:
    return hashlib.sha256(json.dumps(x, sort_keys=True, default=str).encode()).hexdigest()


def _settings_parts(cfg, state, scal, code_fps, objective_version) -> dict[str, str]:
    """label -> digest of everything a checkpoint must match (to name what differs)."""
    parts = {f"config:{k}": _sha(v) for k, v in cfg.items()}
    for label, tree in (("initial_state", state), ("scalarisations", scal)):
        leaves = [np.asarray(x) for x in jax.tree_util.tree_leaves(tree) if eqx.is_array(x)]
        parts[label] = _sha(list(digest_arrays({str(i): a for i, a in enumerate(leaves)}).values()))
    for name, f in code_fps.items():
        parts.update({f"{name}.{k}": v for k, v in f.parts.items()})
    parts["objective_version"] = _sha(objective_version)
    return parts


def _digest_parts(parts) -> str:
    return _sha(sorted(parts.items()))


def _meta_checksum(meta, arrays) -> str:
    """Checksum of a checkpoint's metadata and of the sha256 of every array in it (so neither
    segments_done nor one array can be edited alone)."""
    body = {k: v for k, v in meta.items() if k != "checksum"}
    return _sha([body, digest_arrays(arrays)])


def _save_checkpoint(path, state, last, done, fp, parts, cfg, hist):
    """One file, ``<path>.npz``, replaced atomically: state, last evaluation, history and the
    metadata (fingerprint, segments done) inside it, so they can never disagree. ``<path>.json``
    is a readable copy of the metadata, written after it and never read back."""
    arrays = {f"state_{i}": np.asarray(x) for i, x in enumerate(jax.tree_util.tree_leaves(state))}
    arrays |= {f"last_{i}": np.asarray(x) for i, x in enumerate(jax.tree_util.tree_leaves(last))}
    arrays |= {f"hist_{k}": np.asarray(v, dtype=int if k == "step" else float) for k, v in hist.items()}
    meta = dict(format=CHECKPOINT_FORMAT, segments_done=done, fingerprint=fp, parts=parts, config=cfg)
    meta["checksum"] = _meta_checksum(meta, arrays)
    tmp = path + ".tmp.npz"
    with open(tmp, "wb") as fh:
        arrays["__meta__"] = np.asarray(json.dumps(meta, default=str))  # (after the checksum)
        np.savez(fh, **arrays)  # pyright: ignore[reportArgumentType]
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path + ".npz")  # atomic: a kill leaves the old checkpoint or the new one
    tmp = path + ".tmp.json"
    with open(tmp, "w") as f:
        json.dump(meta | dict(note="a copy of the metadata inside the .npz; not read on resume"), f, indent=1)
    os.replace(tmp, path + ".json")


def _load_checkpoint(path, state, fp, parts, segments, last_shapes):
    """(state, segments done, history, last evaluation) from ``<path>.npz``; anything that is not
    an intact checkpoint of this very run raises ``ValueError`` naming the file."""
    f = path + ".npz"
    advice = f"delete {f} (the run then starts over) or pass another checkpoint="
    try:
        with np.load(f, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
        meta = json.loads(str(data.pop("__meta__")))
    except KeyError:
        raise ValueError(
            f"checkpoint {f} holds no metadata: written by an older jaxqtm (metadata in {path}.json) or not "
            f"by pareto_front; {advice}"
        ) from None
    except Exception as e:  # noqa: BLE001 - truncated, empty, garbage, pickled data, bad JSON
        raise ValueError(
            f"checkpoint {f} cannot be read ({type(e).__name__}: {str(e)[:200]}): it is damaged; {advice}"
        ) from None
    if not isinstance(meta, dict) or meta.get("checksum") != _meta_checksum(meta, data):
        raise ValueError(f"checkpoint {f} was modified or damaged (its checksum does not match its content); {advice}")
    if meta.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"checkpoint {f} has format {meta.get('format')!r}, expected {CHECKPOINT_FORMAT!r}; {advice}")
    if meta.get("fingerprint") != fp:
        what = changed_parts(meta.get("parts") or {}, parts)
        raise ValueError(
            f"checkpoint {f} was written by a run with different settings (what differs: "
            f"{', '.join(what) or 'unknown'}); {advice}"
        )
    done = meta.get("segments_done")
    if isinstance(done, bool) or not isinstance(done, int) or not 1 <= done <= segments:
        raise ValueError(
            f"checkpoint {f}: segments_done = {done!r} is outside its allowed range [1, {segments}]; {advice}"
        )
    leaves, treedef = jax.tree_util.tree_flatten(state)
    want_last = jax.tree_util.tree_flatten(last_shapes(state))
    got = {}
    for prefix, want in (("state", leaves), ("last", want_last[0])):
        for i, x in enumerate(want):
            k = f"{prefix}_{i}"
            a = data.get(k)
            if a is None or a.shape != tuple(np.shape(x)) or a.dtype != np.dtype(x.dtype):
                raise ValueError(
                    f"checkpoint {f}: array {k} has shape {None if a is None else a.shape} and dtype "
                    f"{None if a is None else a.dtype}, expected {np.shape(x)} and {x.dtype}; {advice}"
                )
            got[k] = a
    if {k for k in data if k.startswith(("state_", "last_"))} != set(got):
        raise ValueError(f"checkpoint {f} holds more arrays than this run's state; {advice}")
    hist = {k: data[f"hist_{k}"].tolist() for k in ("step", "wall_s", "hv")}
    if any(len(v) != done for v in hist.values()):
        raise ValueError(f"checkpoint {f}: its history does not have segments_done = {done} entries; {advice}")
    new_state = jax.tree_util.tree_unflatten(treedef, [jnp.asarray(got[f"state_{i}"]) for i in range(len(leaves))])
    last = jax.tree_util.tree_unflatten(want_last[1], [got[f"last_{i}"] for i in range(len(want_last[0]))])
    return new_state, done, hist, last
