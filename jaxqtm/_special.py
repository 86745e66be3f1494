"""Special functions that JAX lacks, written to be jit/vmap/grad-safe.

``digamma`` here accepts complex arguments (``jax.scipy.special.digamma`` is
real-only). The Matsubara sums of jaxqtm reduce to digamma functions of
arguments with positive real part, which is the domain handled here.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

# Bernoulli numbers B_2k / (2k) for the asymptotic series
#   psi(w) ~ log w - 1/(2w) - sum_k B_2k / (2k w^2k).
_B2K_OVER_2K = (
    1.0 / 12.0,
    -1.0 / 120.0,
    1.0 / 252.0,
    -1.0 / 240.0,
    1.0 / 132.0,
    -691.0 / 32760.0,
    1.0 / 12.0,
    -3617.0 / 8160.0,
)
# Recurrence shift: after moving the argument to |w| >= 1 + _SHIFT the
# truncated series above is accurate to ~1e-17 relative (next term ~ B_18/18 w^18).
_SHIFT = 10


def digamma(z):
    """Complex digamma function psi(z) for Re z > 0 (also fine for real z > 0).

    Uses psi(z) = psi(z + n) - sum_{j<n} 1/(z + j) with a fixed n, then the
    asymptotic (Stirling) series. Fixed cost, differentiable, ~1e-15 accurate.
    """
    z = jnp.asarray(z)
    dtype = jnp.result_type(z.dtype, jnp.complex64)
    z = z.astype(dtype)
    # sum_{j<n} 1/(z + j) in pairs j, n-1-j: (2z + n - 1) / ((z + j)(z + n - 1 - j)), with
    # (z + j)(z + n-1-j) = z(z + n-1) + j(n-1-j): half the complex divisions. One broadcast op over
    # the pair index keeps the compiled graph small; no cancellation for Re z > -1/2.
    j = np.arange(_SHIFT // 2, dtype=float)
    consts = jnp.asarray(j * (_SHIFT - 1 - j), dtype=z.real.dtype).reshape((1,) * z.ndim + (_SHIFT // 2,))
    u = z * (z + (_SHIFT - 1))
    acc = (2.0 * z + (_SHIFT - 1)) * jnp.sum(1.0 / (u[..., None] + consts), axis=-1)
    w = z + _SHIFT
    inv2 = 1.0 / (w * w)
    series = jnp.zeros_like(w)
    for c in reversed(_B2K_OVER_2K):
        series = (series + c) * inv2
    return jnp.log(w) - 0.5 / w - series - acc


def digamma_pair(z):
    """psi(z) + psi(z + 1) = 2 psi(z) + 1/z (the combination in Matsubara sums)."""
    return 2.0 * digamma(z) + 1.0 / z
