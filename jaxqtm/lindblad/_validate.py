"""Python-level validation at the public boundary (skipped for traced values)."""

from __future__ import annotations

import jax
import numpy as np


def is_concrete(*xs) -> bool:
    """True when none of ``xs`` is a JAX tracer (so values can be inspected)."""
    leaves = jax.tree_util.tree_leaves(xs)
    return not any(isinstance(x, jax.core.Tracer) for x in leaves)


def check_square(name: str, a, n: int | None = None):
    shape = np.shape(a)
    if len(shape) != 2 or shape[0] != shape[1]:
        raise ValueError(f"{name} must be a square (n, n) matrix; got shape {shape}")
    if n is not None and shape[0] != n:
        raise ValueError(
            f"{name} has dimension {shape[0]} but the Hamiltonian has dimension {n} "
            "(mismatched dimensions)"
        )


def check_finite(name: str, a):
    if is_concrete(a) and not np.all(np.isfinite(np.asarray(a))):
        raise ValueError(f"{name} contains NaN or inf")


def check_hermitian(name: str, h, tol: float = 1e-10):
    if not is_concrete(h):
        return
    a = np.asarray(h)
    scale = max(1.0, float(np.max(np.abs(a)))) if a.size else 1.0
    err = float(np.max(np.abs(a - a.conj().T))) if a.size else 0.0
    if err > tol * scale:
        raise ValueError(f"{name} must be Hermitian; max |H - H^dag| = {err:.3e}")


def check_nonnegative(name: str, x):
    if not is_concrete(x):
        return
    a = np.asarray(x)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or inf")
    if np.any(np.iscomplex(a)) and np.any(np.abs(np.imag(a)) > 0):
        raise ValueError(f"{name} must be real")
    if np.any(np.real(a) < 0):
        raise ValueError(f"{name} must be >= 0; got min {np.min(np.real(a)):.6g}")


def check_positive(name: str, x):
    if not is_concrete(x):
        return
    a = np.asarray(x)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or inf")
    if np.any(a <= 0):
        raise ValueError(f"{name} must be > 0; got {np.min(a):.6g}")
