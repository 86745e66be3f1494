"""Time evolution by exact propagators ``exp(M dt)`` on the sector."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .._checks import as_real, check_finite, check_square
from .._numerics import expm, expm_in_range, is_traced
from .._results import RESULTS, AbstractResult, finish, first_failure, nan_where_invalid
from ._generator import sector_generator
from ._model import LindbladModel
from ._sector import sector_pairs
from ._space import AbstractSpace, AutoSpace, space_charges
from ._sparse import from_work_blocks, use_block_basis

# ||L dt|| up to 2^127 ~ 1.7e38 (skipped squarings cost a scalar test each); longer steps flagged
_MAX_SQUARINGS = 128
# |tr rho(t) - tr rho0| above this flags the trajectory (propagators keep it at round-off)
_TRACE_ATOL = 1e-8


class Evolution(AbstractResult):
    """States along a trajectory: ``rho[k]`` at ``ts[k]`` (computational basis);
    ``vector[k]`` the sector vectors (working basis).

    Diagnostics: ``trace_error`` = max_k |tr rho[k] - tr rho0|, ``hermiticity`` =
    max_k max |rho[k] - rho[k]^dag|; ``result`` is ``invalid_parameters`` (the model's
    traced range conditions), ``nonfinite``, ``not_converged`` (a step with ||L dt|| beyond
    2^127, where the propagator cannot be formed) or ``not_normalised``
    (``trace_error > 1e-8``)."""

    ts: jax.Array
    rho: jax.Array
    vector: jax.Array
    trace_error: jax.Array
    hermiticity: jax.Array
    result: RESULTS


def evolve(model: LindbladModel, rho0, ts, *, space: AbstractSpace = AutoSpace(), throw: bool = True) -> Evolution:
    """Solve ``d rho/dt = L rho`` exactly on the grid ``ts`` (``ts[0]`` = initial time).

    Uses the propagator ``expm(M dt)`` of the sector generator (one matrix
    exponential when the grid is uniform; :func:`jaxqtm._numerics.expm`, scaling and
    squaring, so long steps of stiff generators stay accurate, and reverse-mode
    differentiable).  With a charge sector (the default for models with charges)
    ``rho0`` must lie in the ``k = 0`` sector (e.g. any state diagonal in the
    computational basis); otherwise pass ``space=FullSpace()``.

    The propagator keeps the trace exactly (``expm(..., left_invariant=)``: the trace
    functional is restored after every squaring), so steps up to ||L dt|| ~ 1e38 stay
    normalised to round-off.  ``throw``: raise on a failed trajectory (see
    :class:`Evolution`), or with ``False`` return it flagged.
    """
    n = model.n
    check_square(rho0, "rho0", n)
    q = space_charges(space, model)
    a, b = sector_pairs(q, n)
    rw = model.to_work(jnp.asarray(rho0, jnp.complex128))
    if q and not is_traced(rw):
        mask = np.ones((n, n), bool)
        mask[a, b] = False
        outside = float(np.max(np.abs(np.asarray(rw)[mask]))) if mask.any() else 0.0
        if outside > 1e-12:
            raise ValueError(
                f"rho0 has coherences outside the symmetry sector (max {outside:.2e}); use space=FullSpace()"
            )
    ts_arr = as_real("ts")(ts)
    if ts_arr.ndim != 1 or ts_arr.shape[0] < 1:
        raise ValueError("ts must be a 1-d array of times")
    x0 = rw[a, b]
    mat = sector_generator(model, q).total()
    tvec = np.asarray(a == b, float)  # trace functional on sector vectors

    def propagator(m):
        return expm(m, max_squarings=_MAX_SQUARINGS, left_invariant=tvec)

    dts = jnp.diff(ts_arr)
    uniform = False
    if not is_traced(dts) and dts.size > 0:
        d = np.asarray(dts)
        check_finite(ts_arr, "ts")
        if np.any(d < 0):
            k = int(np.flatnonzero(d < 0)[0])
            t0, t1 = float(ts_arr[k]), float(ts_arr[k + 1])
            raise ValueError(f"ts must be non-decreasing; ts[{k + 1}] = {t1:.6g} < ts[{k}] = {t0:.6g}")
        uniform = bool(np.allclose(d, d[0], rtol=1e-12, atol=0))
    in_range = jnp.asarray(True)
    if dts.size == 0:
        xs = x0[None]
    elif uniform:
        prop = propagator(mat * dts[0])
        in_range = expm_in_range(mat * dts[0], max_squarings=_MAX_SQUARINGS)

        def uniform_step(x, _):
            y = prop @ x
            return y, y

        _, xs = jax.lax.scan(uniform_step, x0, None, length=dts.size)
        xs = jnp.concatenate([x0[None], xs])
    else:

        def step(x, dt):
            y = propagator(mat * dt) @ x
            return y, y

        _, xs = jax.lax.scan(step, x0, dts)
        xs = jnp.concatenate([x0[None], xs])
        in_range = jnp.all(expm_in_range(mat * jnp.max(dts), max_squarings=_MAX_SQUARINGS))

    from_work = model.from_work
    if q and q == model.charges and use_block_basis(model):
        from_work = lambda r: from_work_blocks(model, r)  # noqa: E731  (no n^3 products)

    def to_rho(x):
        return from_work(jnp.zeros((n, n), x.dtype).at[a, b].set(x))

    rhos = jax.vmap(to_rho)(xs)
    traces = xs @ tvec.astype(xs.dtype)
    trace_error = jnp.max(jnp.abs(traces - traces[0]))
    herm = jnp.max(jnp.abs(rhos - jnp.conj(jnp.swapaxes(rhos, -1, -2))))
    result = first_failure(
        # a traced grid skipped the boundary's ordering check: the same condition, traced
        (~model.is_valid() | ~jnp.all(dts >= 0) | ~jnp.all(jnp.isfinite(ts_arr)), RESULTS.invalid_parameters),
        (~jnp.all(jnp.isfinite(xs)), RESULTS.nonfinite),
        (~in_range, RESULTS.not_converged),
        (~(trace_error <= _TRACE_ATOL), RESULTS.not_normalised),
    )
    rhos, xs = nan_where_invalid(result, (rhos, xs))
    out = Evolution(ts_arr, rhos, xs, trace_error, herm, result)
    return finish(out, throw=throw, what="lindblad.evolve")
