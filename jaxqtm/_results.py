"""One failure scheme for every component: the :class:`RESULTS` enumeration.

Every result object of jaxqtm carries ``result: RESULTS`` (an
``equinox.internal.Enumeration`` item, batched like the result under ``vmap``);
``ok`` is a property ``result == RESULTS.successful``.  Entry points take
``throw: bool = True``: with ``throw=True`` a failed (unbatched or batched) result
raises a runtime error carrying the message of its code (``eqx.error_if``, also
inside ``jit``); with ``throw=False`` the result is returned and the failed
points are flagged (their numbers NaN where the component says so).
:func:`jaxqtm.sweep.sweep` and :func:`jaxqtm.optimize.pareto_front` read the
code from any kernel output that contains a ``RESULTS`` item.

Codes are ordered by precedence only through :func:`first_failure`: the first
failing condition in the order given wins.
"""

from __future__ import annotations

import equinox as eqx
import equinox.internal as eqxi
import jax
import jax.numpy as jnp
import numpy as np
from equinox._enum import EnumerationItem

from ._numerics import is_traced


class RESULTS(eqxi.Enumeration):
    """Outcome of a computation (one code per point)."""

    successful = ""
    invalid_parameters = (
        "A parameter is outside its allowed range (T <= 0, negative rate or coupling, resonant "
        "frequencies, nearly coincident response poles, ...); the point's numbers are NaN."
    )
    nonfinite = "The result is not finite (NaN or inf)."
    not_stationary = "Steady-state residual above the solver's tolerance (rtol)."
    not_normalised = "The state's trace differs from 1 by more than the solver's tolerance."
    not_positive = "The state has an eigenvalue below -atol (not a density matrix)."
    not_hermitian = "The state is not Hermitian within the solver's tolerance."
    truncation_edge = "Population at the truncation edge exceeds edge_tol; increase the truncation."
    singular_generator = "The reduced propagator G(t) is not invertible: no exact time-local generator."
    not_converged = "The iteration did not converge within its step budget."
    second_law_violated = (
        "Negative entropy production: the entropy current or the model is not thermodynamically consistent."
    )
    chunk_failed = "The sweep chunk holding this point raised (see the sweep metadata)."
    # appended, so that the integer codes of saved results stay valid
    stagnated = "The iterative solve stagnated (a restart cycle gained less than 2x) above the tolerance."
    not_unique = (
        "The steady state is not unique (decoupled subspaces or a conserved quantity besides the "
        "trace): the relative spectral gap is below gap_tol."
    )
    ill_conditioned = (
        "Cancellation in a pole-residue sum leaves an estimated relative error above its tolerance "
        "(a result exponentially small against its terms, e.g. T and Omega far below the oscillator "
        "frequencies); for the noise, noise=TanhSinh() integrates without it."
    )


def from_codes(codes) -> RESULTS:
    """A ``RESULTS`` item holding an integer array of codes (any shape)."""
    return EnumerationItem(jnp.asarray(codes, jnp.int32), RESULTS)  # pyright: ignore[reportCallIssue, reportReturnType]


def codes(result) -> jax.Array:
    """The integer codes of a ``RESULTS`` item (an int32 array, batched like the result)."""
    return jnp.asarray(result._value)


def first_failure(*pairs) -> RESULTS:
    """``RESULTS`` of the first ``(failed, code)`` pair whose condition holds, else successful.

    ``failed`` are boolean arrays, broadcast together (so the result may be batched);
    works under ``jit``/``vmap``.
    """
    shape = jnp.broadcast_shapes(*(jnp.shape(f) for f, _ in pairs)) if pairs else ()
    out = jnp.zeros(shape, jnp.int32)
    for failed, code in reversed(pairs):
        out = jnp.where(failed, codes(code), out)
    return from_codes(out)


def nan_where_invalid(result, tree):
    """``tree`` with every inexact array leaf NaN where ``result`` is ``invalid_parameters``
    (broadcast over each leaf's leading axes): a point computed from parameters outside their
    range carries no numbers, only its flag."""
    bad = codes(result) == codes(RESULTS.invalid_parameters)

    def mask(x):
        if not (eqx.is_array(x) and jnp.issubdtype(x.dtype, jnp.inexact)):
            return x
        b = jnp.reshape(bad, bad.shape + (1,) * (x.ndim - bad.ndim)) if x.ndim >= bad.ndim else bad
        return jnp.where(b, jnp.asarray(jnp.nan, x.dtype), x)

    return jax.tree_util.tree_map(mask, tree)


def combine(*results) -> RESULTS:
    """The first non-successful code among ``results`` (broadcast), else successful."""
    return first_failure(*((codes(r) != 0, r) for r in results))


def is_successful(result) -> jax.Array:
    """Boolean array: ``result == RESULTS.successful`` (batched like the result)."""
    return codes(result) == 0


def is_result(x) -> bool:
    """Whether ``x`` is a ``RESULTS`` item (for ``tree_leaves(..., is_leaf=is_result)``)."""
    return isinstance(x, EnumerationItem) and x._enumeration is RESULTS


def result_items(tree) -> list:
    """Every ``RESULTS`` item in a pytree, in tree order."""
    return [x for x in jax.tree_util.tree_leaves(tree, is_leaf=is_result) if is_result(x)]


def name_of(code: int) -> str:
    """Name of an integer code, e.g. ``2 -> "nonfinite"``."""
    for name, item in RESULTS._name_to_item.items():  # pyright: ignore[reportAttributeAccessIssue]
        if int(item._value) == int(code):
            return name
    raise ValueError(f"unknown RESULTS code {code}")


def message(code: int) -> str:
    """Message of an integer code (``""`` for success)."""
    return RESULTS._index_to_message[int(code)]  # pyright: ignore[reportAttributeAccessIssue]


class AbstractResult(eqx.Module):
    """Base of every result object: subclasses declare a ``result: RESULTS`` field (batched
    like the result; declared there, not here, so that it keeps its place in each class's
    field order) and inherit the ``ok`` / ``status`` properties derived from it."""

    @property
    def ok(self) -> jax.Array:
        """Boolean (batched like the result): ``result == RESULTS.successful``."""
        return is_successful(getattr(self, "result"))  # noqa: B009

    @property
    def status(self) -> jax.Array:
        """Integer code of ``result`` (0 = successful; :func:`name_of`, :func:`message`)."""
        return codes(getattr(self, "result"))  # noqa: B009


class ResultError(RuntimeError):
    """A computation ended with a non-successful :class:`RESULTS` code and ``throw=True``."""


def finish(out, *, throw: bool, what: str = "result", detail=None):
    """Return ``out`` (a Module with a ``result`` field); with ``throw`` raise on failure.

    Concrete results raise :class:`ResultError` naming the code, its message and the
    first failed point; ``detail(out, index)`` (optional) adds the numbers behind it
    (``index`` is the point's index tuple, ``()`` unbatched).  Inside ``jit``/``vmap`` the
    check is an ``eqx.error_if`` on ``out`` (a batched result raises with the message of
    its first failed point).
    """
    if not throw:
        return out
    c = codes(out.result)
    if not is_traced(c):
        cn = np.asarray(c)
        bad = np.flatnonzero(cn.ravel() != 0)
        if bad.size:
            k = int(cn.ravel()[bad[0]])
            idx = tuple(int(i) for i in np.unravel_index(bad[0], cn.shape))
            where = "" if cn.ndim == 0 else f" at point {idx} ({bad.size} of {cn.size} points failed)"
            extra = f" ({detail(out, idx)})" if detail is not None else ""
            raise ResultError(
                f"{what} failed{where}: {name_of(k)}: {message(k)}{extra} Pass throw=False to get the "
                "flagged result instead (its .result and .ok say which points failed)."
            )
        return out
    c = c.ravel()
    failed = c != 0
    first = c[jnp.argmax(failed)] if c.size else jnp.zeros((), jnp.int32)
    return from_codes(first).error_if(out, jnp.any(failed))


__all__ = [
    "AbstractResult",
    "RESULTS",
    "ResultError",
    "codes",
    "combine",
    "finish",
    "first_failure",
    "from_codes",
    "is_result",
    "is_successful",
    "message",
    "name_of",
    "nan_where_invalid",
    "result_items",
]
