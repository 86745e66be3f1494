"""Counted currents of a GKSL model: which jumps count, and by how much."""

from __future__ import annotations

from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._checks import as_real, check_finite, check_hermitian, check_real, check_type
from ..lindblad import LindbladModel


class Currents(eqx.Module):
    """Jump-counted currents of a :class:`~jaxqtm.lindblad.LindbladModel`.

    - ``weights``: ``(C, K)`` real; ``weights[a, k]`` is what one jump of the model's
      term ``k`` adds to current ``a`` (energy quanta, excitations, ...).
    - ``weight_operators``: ``None`` or a length-``K`` tuple of ``None`` / Hermitian
      ``(n, n)`` operators ``W_k`` (computational basis): count the change of ``W_k``
      caused by jump ``k`` (times ``weights[:, k]``), with the symmetric tilt of
      :mod:`jaxqtm.fcs._counting`.  Needed when a jump operator is not an
      eigen-operator of the counted quantity, e.g. the rotor load's energy, or any
      bath term of a global (secular) model, which mixes Bohr frequencies.
    - ``names``: one name per current.
    """

    weights: jax.Array
    weight_operators: tuple | None = None
    names: tuple = eqx.field(static=True, default=())

    def __check_init__(self):
        w = self.weights
        if jnp.ndim(w) != 2:
            raise ValueError(f"Currents.weights must have shape (C, K) (currents x model terms); got {jnp.shape(w)}")
        if self.names and len(self.names) != jnp.shape(w)[0]:
            raise ValueError(f"Currents.names has {len(self.names)} entries for {jnp.shape(w)[0]} currents")

    @property
    def op_mask(self) -> tuple:
        """Static: which terms carry an operator weight."""
        if self.weight_operators is None:
            return (False,) * int(jnp.shape(self.weights)[1])
        return tuple(op is not None for op in self.weight_operators)


def currents(weights, weight_operators=None, names=None) -> Currents:
    """:class:`Currents` from ``weights`` (``(C, K)`` or ``(K,)``) with default names."""
    w = as_real("weights")(weights)
    w = w[None] if w.ndim == 1 else w
    if w.ndim != 2:
        raise ValueError(f"weights must have shape (C, K) or (K,) (currents x model terms); got {w.shape}")
    if names is None:
        names = tuple(f"J{a}" for a in range(w.shape[0]))
    wops = None if weight_operators is None else tuple(weight_operators)
    return Currents(w, wops, tuple(names))


class CountingSetup(NamedTuple):
    """A model with the currents to count and its entropy current (for TUR ratios):
    ``model, currents, entropy = fcs.three_level_maser()``; ``fcs.tur_ratios(*setup)``."""

    model: LindbladModel
    currents: Currents
    entropy: Currents


def check_currents(model: LindbladModel, cur: Currents, name: str = "currents") -> None:
    """Boundary checks: types, one weight per model term, real finite weights, Hermitian
    operator weights of the model's dimension."""
    check_type(model, "model", LindbladModel, "jaxqtm.lindblad.LindbladModel")
    check_type(cur, name, Currents, "jaxqtm.fcs.Currents")
    k = len(model.ops)
    if jnp.shape(cur.weights)[1] != k:
        raise ValueError(
            f"{name}.weights must have shape (C, {k}) (one weight per model term); got {jnp.shape(cur.weights)}"
        )
    check_finite(cur.weights, f"{name}.weights")
    check_real(cur.weights, f"{name}.weights")
    if cur.weight_operators is not None:
        if len(cur.weight_operators) != k:
            raise ValueError(f"{name}.weight_operators must have length {k} (None or an (n, n) operator per term)")
        for j, op in enumerate(cur.weight_operators):
            if op is None:
                continue
            if jnp.shape(op) != (model.n, model.n):
                raise ValueError(
                    f"{name}.weight_operators[{j}] must have shape ({model.n}, {model.n}); got {jnp.shape(op)}"
                )
            check_hermitian(op, f"{name}.weight_operators[{j}]")


def same_operator_weights(a: Currents, b: Currents) -> bool:
    """Whether two current sets use the same operator weights (required to count them
    together; compared by value when concrete)."""
    if a.op_mask != b.op_mask:
        return False
    if a.weight_operators is None or a.weight_operators is b.weight_operators:
        return True
    for x, y in zip(a.weight_operators, b.weight_operators or ()):
        if x is None or x is y:
            continue
        try:
            if not np.array_equal(np.asarray(x), np.asarray(y)):
                return False
        except Exception:  # noqa: BLE001 - traced: cannot compare, trust the caller
            return True
    return True
