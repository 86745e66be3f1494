"""Sequence points between independent LAPACK calls (jaxlib 0.10.2 CPU workaround).

jaxlib 0.10.2 runs a *batched* LAPACK call (eig, eigh, getrf, trsm, gesdd, ...) by fanning
its batch out to XLA:CPU's intra-op thread pool and blocking the calling pool thread until
the pieces finish.  Two such calls that XLA schedules concurrently (they are independent in
the dataflow graph) can occupy every thread of a small pool and wait for each other forever
(observed on 2-core machines; jaxlib 0.11 removed the parallel path).
``jax.lax.optimization_barrier`` does not help: XLA:CPU removes barriers before the thunk
executor derives its concurrency from buffer dependencies.  :func:`after` creates a real
data dependency instead, by adding ``0 * s`` with ``s`` a finite scalar reduced from
``dep`` (XLA does not fold floating-point ``x * 0``, which is not an identity for NaN/inf).
Values and gradients are unchanged (``dep`` enters through ``stop_gradient``).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


def after(tree, dep):
    """``tree`` unchanged in value, but computed only once ``dep`` is available."""
    leaves = [x for x in jax.tree_util.tree_leaves(jax.lax.stop_gradient(dep))
              if hasattr(x, "dtype") and jnp.issubdtype(x.dtype, jnp.inexact)]
    if not leaves:
        return tree
    zero = 0.0 * sum(jnp.sum(jnp.nan_to_num(jnp.real(x))) for x in leaves)

    def tie(x):
        if hasattr(x, "dtype") and jnp.issubdtype(x.dtype, jnp.inexact):
            return x + zero.astype(jnp.real(x).dtype)
        return x

    return jax.tree_util.tree_map(tie, tree)
