"""Checks at the public boundary, shared by every component (one implementation).

Every check takes ``(x, name, ...)``, runs on concrete values only (a traced value is
skipped here: inside ``jit``/``vmap`` the kernels flag the point through
:class:`jaxqtm.RESULTS` instead) and raises ``ValueError`` whose message names the
parameter, its value as a plain number and the allowed range; wrong *types* raise
``TypeError``.  Never skipped because a value is an array: every entry is checked and
the first offending one is named with its index.
"""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import jax.numpy as jnp
import numpy as np

from ._numerics import is_traced


def concrete(x, name: str | None = None) -> np.ndarray | None:
    """``x`` as a numpy array, or ``None`` when it is (or contains) a tracer.  With ``name``,
    a value that is not numeric (a string, an object) raises ``TypeError`` naming it."""
    if is_traced(x):
        return None
    try:
        a = np.asarray(x)
    except Exception:  # noqa: BLE001 - anything numpy cannot read is not checkable here
        a = None
    if name is not None and (a is None or a.dtype.kind not in "biufc"):
        raise TypeError(f"{name} must be a number or an array of numbers; got {x!r} ({type(x).__name__})")
    return a


def fmt(v) -> str:
    """A plain, short rendering of a number (no ``Array(...)`` wrapper)."""
    if np.iscomplexobj(v):
        c = complex(v)
        if c.imag == 0 or not np.isfinite(c.real):
            return f"{c.real:.6g}"
        if not np.isfinite(c.imag):
            return f"{c.imag:.6g}j"
        return f"{c.real:.6g}{c.imag:+.6g}j"
    return f"{float(v):.6g}"


def _first(a: np.ndarray, bad: np.ndarray) -> tuple[str, Any]:
    """``("[i, j]", value)`` of the first ``True`` of ``bad`` (``""`` for a scalar)."""
    if a.ndim == 0:
        return "", a.item()
    idx = np.unravel_index(int(np.flatnonzero(bad.ravel())[0]), a.shape)
    return "[" + ", ".join(str(int(i)) for i in idx) + "]", a[idx]


def check_finite(x, name: str) -> None:
    """Every entry of ``x`` is finite."""
    a = concrete(x, name)
    if a is None or a.size == 0:
        return
    bad = ~np.isfinite(a)
    if np.any(bad):
        where, v = _first(a, bad)
        raise ValueError(f"{name}{where} = {fmt(v)} must be finite")


def check_real(x, name: str) -> None:
    """``x`` is real (a complex dtype with zero imaginary part is accepted)."""
    a = concrete(x)
    if a is None or not np.iscomplexobj(a):
        return
    bad = np.imag(a) != 0
    if np.any(bad):
        where, v = _first(a, bad)
        raise ValueError(f"{name}{where} = {fmt(v)} must be real")


def check_range(
    x,
    name: str,
    lo: float | None = None,
    hi: float | None = None,
    *,
    lo_open: bool = False,
    hi_open: bool = False,
) -> None:
    """Every entry of the real ``x`` is finite and lies in the interval ``[lo, hi]``
    (``(lo, ...`` with ``lo_open``; ``None`` = unbounded)."""
    a = concrete(x, name)
    if a is None or a.size == 0:
        return
    check_finite(a, name)
    check_real(a, name)
    a = np.real(a)
    bad = np.zeros(a.shape, bool)
    if lo is not None:
        bad |= (a <= lo) if lo_open else (a < lo)
    if hi is not None:
        bad |= (a >= hi) if hi_open else (a > hi)
    if np.any(bad):
        where, v = _first(a, bad)
        raise ValueError(f"{name}{where} = {fmt(v)} is outside its allowed range {interval(lo, hi, lo_open, hi_open)}")


def interval(lo, hi, lo_open=False, hi_open=False) -> str:
    """Readable interval, e.g. ``"> 0"``, ``">= 0"``, ``"[-1, 1]"``."""
    if lo is not None and hi is None:
        return f"{'>' if lo_open else '>='} {fmt(lo)}"
    if hi is not None and lo is None:
        return f"{'<' if hi_open else '<='} {fmt(hi)}"
    if lo is None and hi is None:
        return "(-inf, inf)"
    return f"{'(' if lo_open else '['}{fmt(lo)}, {fmt(hi)}{')' if hi_open else ']'}"


class Bound(NamedTuple):
    """One declared range: ``value`` (every entry) finite, real and in ``[lo, hi]``.

    A component lists its parameters' bounds once; :func:`check_bounds` enforces them on
    concrete values at the boundary (``ValueError``) and :func:`bounds_hold` is the same
    condition traced, for the kernel's ``RESULTS.invalid_parameters`` flag, so the two can
    never drift apart.
    """

    name: str
    value: Any
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    real: bool = True  # False: a complex value is allowed (then only finiteness is declared)


def positive(name: str, value, *, allow_zero: bool = False) -> Bound:
    """``value > 0`` (``>= 0`` with ``allow_zero``)."""
    return Bound(name, value, 0.0, None, lo_open=not allow_zero)


def nonnegative(name: str, value) -> Bound:
    return Bound(name, value, 0.0)


def finite(name: str, value, *, real: bool = True) -> Bound:
    return Bound(name, value, real=real)


POINT_HINT = " (observables take one parameter point; batch with jax.vmap or jaxqtm.sweep)"


def check_bounds(bounds, *, scalar: bool = False) -> None:
    """Raise the ``ValueError`` of the first violated bound (concrete values; traced skipped);
    with ``scalar`` every value must also be a scalar (shape ``()``)."""
    for b in bounds:
        if scalar:
            check_scalar(b.value, b.name, POINT_HINT)
        if b.real:
            check_range(b.value, b.name, b.lo, b.hi, lo_open=b.lo_open, hi_open=b.hi_open)
        else:
            check_finite(b.value, b.name)


def bounds_hold(bounds, *, elementwise: bool = False):
    """Traced boolean: every bound holds (finite, real part in range; works on tracers).
    A scalar, or with ``elementwise`` the values' broadcast shape (one flag per batch point)."""
    ok = jnp.asarray(True)
    for b in bounds:
        v = jnp.asarray(b.value)
        good = jnp.isfinite(v)
        if not b.real:
            ok = ok & (good if elementwise else jnp.all(good))
            continue
        if jnp.iscomplexobj(v):
            good = good & (jnp.imag(v) == 0)
            v = jnp.real(v)
        if b.lo is not None:
            good = good & ((v > b.lo) if b.lo_open else (v >= b.lo))
        if b.hi is not None:
            good = good & ((v < b.hi) if b.hi_open else (v <= b.hi))
        ok = ok & (good if elementwise else jnp.all(good))
    return ok


def check_positive(x, name: str, *, allow_zero: bool = False) -> None:
    """``x > 0`` (``>= 0`` with ``allow_zero``), finite and real."""
    check_range(x, name, 0.0, None, lo_open=not allow_zero)


def check_scalar(x, name: str, hint: str = "") -> None:
    """``x`` is a scalar (shape ``()``); ``hint`` says how to batch instead."""
    shape = np.shape(x)
    if shape != ():
        raise ValueError(f"{name} must be a scalar; got shape {shape}{hint}")


def check_int(x, name: str, lo: int | None = None, hi: int | None = None) -> int:
    """A Python/numpy integer (not ``bool``) in ``[lo, hi]``; returns it as ``int``."""
    if isinstance(x, bool) or not isinstance(x, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {x!r} ({type(x).__name__})")
    v = int(x)
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise ValueError(f"{name} = {v} is outside its allowed range {interval(lo, hi)}")
    return v


def check_square(x, name: str, n: int | None = None) -> None:
    """``x`` has shape ``(n, n)`` (any ``n`` when ``n`` is None)."""
    shape = np.shape(x)
    if len(shape) != 2 or shape[0] != shape[1]:
        raise ValueError(f"{name} must be a square (n, n) matrix; got shape {shape}")
    if n is not None and shape[0] != n:
        raise ValueError(f"{name} has dimension {shape[0]} but the model has dimension {n} (shape {shape})")


def check_hermitian(x, name: str, tol: float = 1e-10) -> None:
    """``max |x - x^dag| <= tol * max(1, max |x|)``."""
    a = concrete(x)
    if a is None or a.size == 0:
        return
    scale = max(1.0, float(np.max(np.abs(a))))
    err = float(np.max(np.abs(a - np.conj(a.T))))
    if not err <= tol * scale:
        raise ValueError(f"{name} must be Hermitian; max |{name} - {name}^dag| = {fmt(err)} > {fmt(tol * scale)}")


def check_state(rho, name: str, n: int, tol: float = 1e-8) -> None:
    """``rho`` is a density matrix of dimension ``n``: square, finite, Hermitian, trace 1 and
    no eigenvalue below ``-tol`` (each within ``tol``; concrete values only).  Thermodynamic
    functionals (heat flows, Spohn's entropy production) are linear or worse in ``rho``: an
    unnormalised or non-Hermitian argument would give numbers of no meaning."""
    check_square(rho, name, n)
    a = concrete(rho)
    if a is None:
        return
    check_finite(a, name)
    check_hermitian(a, name, tol)
    tr = complex(np.trace(a))
    if not abs(tr - 1.0) <= tol:
        raise ValueError(f"{name} must have trace 1 (a density matrix); got trace {fmt(tr)}")
    low = float(np.min(np.linalg.eigvalsh(0.5 * (a + np.conj(a.T)))))
    if not low >= -tol:
        raise ValueError(f"{name} must be positive semi-definite; its smallest eigenvalue is {fmt(low)} < -{fmt(tol)}")


def hermitian_holds(x, tol: float = 1e-10):
    """Traced form of :func:`check_hermitian` (boolean scalar, same tolerance rule)."""
    a = jnp.asarray(x)
    scale = jnp.maximum(1.0, jnp.max(jnp.abs(a)))
    return jnp.max(jnp.abs(a - jnp.conj(a.T))) <= tol * scale


def batch_shape(obj) -> tuple:
    """The broadcast shape of a parameter Module's fields (a batch of parameter points), or a
    ``ValueError`` listing the fields' shapes when they do not broadcast."""
    shapes = {f.name: np.shape(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    try:
        return tuple(np.broadcast_shapes(*shapes.values())) if shapes else ()
    except ValueError:
        given = ", ".join(f"{k} {v}" for k, v in shapes.items() if v != ())
        raise ValueError(f"{type(obj).__name__} fields must broadcast to one batch shape; got shapes {given}") from None


def check_type(x, name: str, cls, what: str | None = None) -> None:
    """``isinstance(x, cls)``, else ``TypeError`` naming what is expected."""
    if not isinstance(x, cls):
        want = what or (cls.__name__ if isinstance(cls, type) else " or ".join(c.__name__ for c in cls))
        raise TypeError(f"{name} must be a {want}; got {type(x).__name__}")


def as_real(name: str):
    """Converter of a real parameter ``name`` (an ``eqx.field(converter=...)``): a float64 JAX
    array; a complex value with a nonzero imaginary part raises ``ValueError`` (never silently
    truncated to its real part), a complex *traced* value ``TypeError`` (its dtype is static),
    anything non-numeric ``TypeError`` naming the parameter."""

    def convert(x):
        if is_traced(x):
            if jnp.iscomplexobj(x):
                raise TypeError(f"{name} must be real; got a traced value of dtype {jnp.result_type(x)}")
            return jnp.asarray(x, dtype=jnp.result_type(float))
        try:
            a = np.asarray(x)
            if a.dtype.kind not in "biufc":
                raise TypeError
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be a real number or array; got {x!r} ({type(x).__name__})") from None
        if np.iscomplexobj(a):
            check_real(a, name)
            x = np.real(a)
        return jnp.asarray(x, dtype=jnp.result_type(float))

    return convert


def as_float(x):
    """Store a parameter as a JAX array, never as a Python float (``jit`` treats Python
    floats in a pytree as static and would recompile for every new value); float64 under
    jaxqtm's x64 policy."""
    return jnp.asarray(x, dtype=jnp.result_type(float))
