"""Python-boundary checks shared by all components: clear errors that name the
parameter and its allowed range. They run on concrete values only; inside
jit/vmap, kernels flag bad points instead (see each component's ``status``)."""

from __future__ import annotations

import numpy as np


def _concrete(x):
    try:
        return np.asarray(x, dtype=complex if np.iscomplexobj(x) else float)
    except Exception:  # traced value: cannot check here
        return None


def require_finite(x, name: str):
    a = _concrete(x)
    if a is not None and not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite, got {x!r}")


def require_positive(x, name: str, allow_zero: bool = False):
    a = _concrete(x)
    if a is None:
        return
    require_finite(a, name)
    if np.iscomplexobj(a):
        raise ValueError(f"{name} must be real, got {x!r}")
    bad = a < 0 if allow_zero else a <= 0
    if np.any(bad):
        rng = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {rng}, got {x!r}")


def as_float(x):
    """Store a model parameter as a JAX array, never as a Python float (``jit`` treats Python
    floats in a pytree as static and would recompile for every new value); float64 under
    jaxqtm's x64 policy."""
    import jax.numpy as jnp

    return jnp.asarray(x, dtype=jnp.result_type(float))
