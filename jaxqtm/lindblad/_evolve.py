"""Time evolution by exact propagators ``exp(M dt)`` on the sector."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._checks import check_square
from .._numerics import expm, is_traced
from ._generator import sector_generator
from ._model import LindbladModel
from ._sector import sector_pairs
from ._space import AbstractSpace, AutoSpace, space_charges
from ._sparse import from_work_blocks, use_block_basis


class Evolution(eqx.Module):
    """States along a trajectory: ``rho[k]`` at ``ts[k]`` (computational basis);
    ``vector[k]`` the sector vectors (working basis)."""

    ts: jax.Array
    rho: jax.Array
    vector: jax.Array


def evolve(model: LindbladModel, rho0, ts, *, space: AbstractSpace = AutoSpace()):
    """Solve ``d rho/dt = L rho`` exactly on the grid ``ts`` (``ts[0]`` = initial time).

    Uses the propagator ``expm(M dt)`` of the sector generator (one matrix
    exponential when the grid is uniform; :func:`jaxqtm._numerics.expm`, scaling and
    squaring, so long steps of stiff generators stay accurate, and reverse-mode
    differentiable).  With a charge sector (the default for models with charges)
    ``rho0`` must lie in the ``k = 0`` sector (e.g. any state diagonal in the
    computational basis); otherwise pass ``space=FullSpace()``.
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
    ts_arr = jnp.asarray(ts, jnp.float64)
    if ts_arr.ndim != 1 or ts_arr.shape[0] < 1:
        raise ValueError("ts must be a 1-d array of times")
    x0 = rw[a, b]
    mat = sector_generator(model, q).total()
    dts = jnp.diff(ts_arr)
    uniform = False
    if not is_traced(dts) and dts.size > 0:
        d = np.asarray(dts)
        if np.any(d < 0):
            raise ValueError("ts must be non-decreasing")
        uniform = bool(np.allclose(d, d[0], rtol=1e-12, atol=0))
    if dts.size == 0:
        xs = x0[None]
    elif uniform:
        prop = expm(mat * dts[0])

        def uniform_step(x, _):
            y = prop @ x
            return y, y

        _, xs = jax.lax.scan(uniform_step, x0, None, length=dts.size)
        xs = jnp.concatenate([x0[None], xs])
    else:

        def step(x, dt):
            y = expm(mat * dt) @ x
            return y, y

        _, xs = jax.lax.scan(step, x0, dts)
        xs = jnp.concatenate([x0[None], xs])

    from_work = model.from_work
    if q and q == model.charges and use_block_basis(model):
        from_work = lambda r: from_work_blocks(model, r)  # noqa: E731  (no n^3 products)

    def to_rho(x):
        return from_work(jnp.zeros((n, n), x.dtype).at[a, b].set(x))

    return Evolution(ts_arr, jax.vmap(to_rho)(xs), xs)
