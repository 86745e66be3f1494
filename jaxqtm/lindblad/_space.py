"""Which block of Liouville space the linear algebra runs in (strategy objects).

One space abstraction for steady states, time evolution, heat bookkeeping and
counting statistics.  A *weak* U(1) symmetry is a set of diagonal integer charges
``Q_c`` (working basis) with ``[H, Q_c] = 0`` and jump operators that shift every
charge by a fixed amount; the coherence sector ``{|i><j| : q(i) = q(j)}`` is then
invariant under the generator and under every jump superoperator, and it holds
the steady state and every vector of the counting-field perturbation series (see
:mod:`._sector`).  The qubit--rotor device at truncation ``L`` has ``6(2L+1) - 2``
sector pairs instead of ``16 (2L+1)^2``.
"""

from __future__ import annotations

import abc

import equinox as eqx
import numpy as np

from .._checks import check_type
from .._numerics import is_traced
from ._model import LindbladModel, _check_charge_shift, _check_conserved
from ._sector import normalize_charges


class AbstractSpace(eqx.Module):
    """Selects the Liouville-space block (by its conserved charges) for a model."""

    @abc.abstractmethod
    def charges_for(self, model: LindbladModel) -> tuple:
        """Normalised charges of the block (``()`` = the full Liouville space)."""


class FullSpace(AbstractSpace):
    """The whole ``n^2``-dimensional Liouville space.

    Dense consumers (the LU, time evolution, the Liouville-space heat table, counting
    statistics) refuse ``n^2 > max_dim`` (an ``n = 100`` system would need a
    ``10^4 x 10^4`` matrix); the matrix-free :class:`~jaxqtm.lindblad.Krylov` steady state
    has no such limit.
    """

    max_dim: int = eqx.field(static=True, default=4096)

    def charges_for(self, model):
        return ()


class U1Sector(AbstractSpace):
    """The ``k = 0`` sector of conserved charges (weak U(1) symmetries).

    ``charges=None`` uses the charges stored in the model (the fast path: with
    known charge shifts the generator is a sparse entry list).  Other charges,
    shape ``(n,)`` or ``(c, n)`` in the model's working basis, must be integer
    multiples of a common unit (half-integers are rescaled); the symmetry is
    checked on concrete operators.  Exact: the sector is invariant and contains
    the (unique) steady state.
    """

    charges: tuple | None = eqx.field(static=True, default=None)

    def __init__(self, charges=None):
        self.charges = None if charges is None else _integer_charges(charges)

    def charges_for(self, model):
        if self.charges is None:
            if not model.charges:
                raise ValueError("U1Sector(): the model carries no charges; pass charges= or use FullSpace()")
            return model.charges
        q = normalize_charges(self.charges, model.n)
        if q != model.charges and not is_traced(model.h_work, model.ops):
            _check_conserved(np.asarray(model.h_work), q)
            for k, op in enumerate(model.ops):
                _check_charge_shift(f"model.ops[{k}]", np.asarray(op), q)
        return q


class AutoSpace(AbstractSpace):
    """:class:`U1Sector` of the model's charges when it has any, else :class:`FullSpace`."""

    def charges_for(self, model):
        return model.charges


def _integer_charges(charges):
    """Charges as integers: rows scaled by the smallest of 1, 2, 3, 4, 6, 12 that makes them integral."""
    q = np.atleast_2d(np.asarray(charges, dtype=float))
    if not np.all(np.isfinite(q)):
        raise ValueError("U1Sector: charges must be finite")
    out = []
    for row in q:
        for f in (1, 2, 3, 4, 6, 12):
            if np.allclose(row * f, np.round(row * f), atol=1e-9):
                out.append(np.round(row * f).astype(np.int64))
                break
        else:
            raise ValueError(
                "U1Sector: charges must be integer multiples of a common unit (e.g. integers or "
                f"half-integers); got {row[:6].tolist()}..."
            )
    return tuple(tuple(int(v) for v in row) for row in out)


def space_charges(space: AbstractSpace, model: LindbladModel, *, dense: bool = True) -> tuple:
    """``space.charges_for(model)`` after checking the types of both; ``dense``: the caller
    builds a dense matrix on the block, so the full space is refused beyond ``max_dim``."""
    check_type(model, "model", LindbladModel, "jaxqtm.lindblad.LindbladModel")
    check_type(space, "space", AbstractSpace, "jaxqtm.lindblad space (FullSpace, U1Sector, AutoSpace)")
    q = space.charges_for(model)
    limit = space.max_dim if isinstance(space, FullSpace) else FullSpace().max_dim
    if dense and not q and model.n**2 > limit:
        raise ValueError(
            f"full Liouville space: dimension n^2 = {model.n**2} exceeds max_dim = {limit} for a dense "
            "matrix; use the matrix-free steady state (solver=Krylov()), give the model conserved "
            "charges (U1Sector()), or raise FullSpace(max_dim=...)"
        )
    return q
