"""GKSL models: the :class:`LindbladModel` and its local builder.

A :class:`LindbladModel` stores a generator

    L[rho] = -i[H, rho] + sum_k  D_k[rho]

in a *working basis* (the computational basis for local models, the
eigenbasis of ``H`` for global ones, see :mod:`._global`).  Each dissipative term
``k`` is stored as an operator ``X`` (working basis), an element-wise rate
``Gamma`` and, for secular terms, integer labels of Bohr-frequency clusters ``c``:

    D_k[rho] = sum_w Gamma_w ( X(w) rho X(w)^dag - 1/2 {X(w)^dag X(w), rho} ),
    X(w)_{ai} = X_{ai} [c_{ai} = w].

A local term is the special case of one cluster and a scalar rate.  This
element form lets the Liouvillian be assembled directly on any charge sector
(:func:`sector_generator`) without ever forming the ``n^2 x n^2`` matrix, and
keeps the secular generator exactly trace preserving and of GKSL form (one
rate per cluster, clusters are an equivalence relation).
"""

from __future__ import annotations

from collections.abc import Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._checks import (
    as_real,
    bounds_hold,
    check_finite,
    check_hermitian,
    check_positive,
    check_square,
    hermitian_holds,
    nonnegative,
)
from .._numerics import is_traced
from ._sector import normalize_charges

_CDTYPE = jnp.complex128


class LindbladModel(eqx.Module):
    """A GKSL generator in a working basis (see module docstring).

    Build it with :func:`lindblad_model` (local) or :func:`global_model`.
    ``channels[k]`` names the reservoir of term ``k``; heat flows are reported
    per channel.  ``charges`` (static) are conserved diagonal quantum numbers
    of the *working* basis, used by the sector solver.
    """

    hamiltonian: jax.Array  # (n, n), computational basis
    basis: jax.Array | None  # (n, n) unitary V (columns = working basis); None = identity
    h_work: jax.Array  # V^dag H V
    ops: tuple  # working-basis operators X_k
    rates: tuple  # scalar or (n, n) element-wise rates
    clusters: tuple  # None (local) or (n, n) int labels
    channels: tuple = eqx.field(static=True)
    charges: tuple = eqx.field(static=True)
    dims: tuple = eqx.field(static=True)
    # per term: the fixed charge shift (tuple of ints) of its operator, or None when
    # unknown (traced operator, no ``shifts`` given); all known -> sparse assembly
    shifts: tuple = eqx.field(static=True, default=())
    # energy operator for heat bookkeeping (computational basis); None = hamiltonian
    heat_energy: jax.Array | None = None
    # per term: the static non-zero pattern of a concrete, sparse operator (working basis),
    # or None; the matrix-free Krylov iteration applies X rho X^dag as gathers there
    patterns: tuple = eqx.field(static=True, default=())
    # static pattern of the no-jump generator -iH - K/2 (concrete, sparse local models)
    no_jump_pattern: Pattern | None = eqx.field(static=True, default=None)
    # traced validity of the parameters the builder could not check in Python (rates >= 0,
    # beta > 0, spectral-density ranges under jit/vmap): False flags every result computed
    # from the model as RESULTS.invalid_parameters (None = built from concrete, checked values)
    valid: jax.Array | None = None

    def is_valid(self) -> jax.Array:
        """Boolean scalar: the builder's range conditions hold and every rate is finite, >= 0."""
        ok = jnp.asarray(True) if self.valid is None else jnp.asarray(self.valid)
        return ok & bounds_hold([nonnegative("rates", r) for r in self.rates])

    @property
    def sparse_ready(self) -> bool:
        """True when the sparse sector assembly applies (charges and all shifts known)."""
        return bool(self.charges) and len(self.shifts) == len(self.ops) and all(s is not None for s in self.shifts)

    @property
    def n(self) -> int:
        return self.hamiltonian.shape[-1]

    @property
    def channel_names(self) -> tuple:
        """Distinct channel names, in order of first appearance."""
        return tuple(dict.fromkeys(self.channels))

    def to_work(self, op):
        """Operator in the working basis, ``V^dag op V``."""
        op = jnp.asarray(op, _CDTYPE)
        if self.basis is None:  # local model: no transform (also avoids XLA constant folding)
            return op
        v = self.basis
        return jnp.conj(v.T) @ op @ v

    def from_work(self, op):
        if self.basis is None:
            return op
        v = self.basis
        return v @ op @ jnp.conj(v.T)


class Pattern:
    """Static, hashable non-zero pattern ``(rows, cols)`` of an ``n x n`` operator."""

    __slots__ = ("rows", "cols", "_key")

    def __init__(self, rows, cols):
        self.rows = np.asarray(rows, np.int32)
        self.cols = np.asarray(cols, np.int32)
        self.rows.setflags(write=False)
        self.cols.setflags(write=False)
        self._key = hash((self.rows.tobytes(), self.cols.tobytes()))

    def __hash__(self):
        return self._key

    def __eq__(self, other):
        return (
            isinstance(other, Pattern)
            and self._key == other._key
            and np.array_equal(self.rows, other.rows)
            and np.array_equal(self.cols, other.cols)
        )

    @property
    def nnz(self) -> int:
        return int(self.rows.size)


def sparsity_pattern(op, max_fill: float = 0.125):
    """:class:`Pattern` of a concrete operator with at most ``max_fill n^2`` non-zeros, else None."""
    if is_traced(op):
        return None
    a = np.asarray(op)
    n = a.shape[-1]
    rows, cols = np.nonzero(a)
    if rows.size > max_fill * n * n:
        return None
    return Pattern(rows, cols)


def _no_jump_pattern(h, ops, max_fill: float = 0.125):
    """Pattern of ``-iH - K/2``, ``K = sum r X^dag X``: ``|H| > 0`` or ``|X|^T |X| > 0`` for some
    ``X`` (independent of the rate values, which may be traced); None if traced or dense."""
    if is_traced(h, *ops):
        return None
    mask = np.abs(np.asarray(h)) > 0
    for x in ops:
        b = (np.abs(np.asarray(x)) > 0).astype(np.float64)
        mask |= (b.T @ b) > 0
    rows, cols = np.nonzero(mask)
    if rows.size > max_fill * mask.size:
        return None
    return Pattern(rows, cols)


def _as_ops(jump_ops, n):
    if jump_ops is None:
        return []
    if hasattr(jump_ops, "ndim") and jump_ops.ndim == 3:
        return [jump_ops[k] for k in range(jump_ops.shape[0])]
    if hasattr(jump_ops, "ndim") and jump_ops.ndim == 2:
        return [jump_ops]
    return list(jump_ops)


def _check_charge_shift(name, op, charges):
    """Each jump operator must shift every charge by one fixed amount.

    Returns that shift (tuple of ints; zeros for a zero operator), or None when
    the operator is traced (unknown at build time) or there are no charges.
    """
    if not charges or is_traced(op):
        return None
    a = np.asarray(op)
    q = np.asarray(charges)
    nz = np.argwhere(np.abs(a) > 1e-13 * max(1.0, np.abs(a).max()))
    if nz.size == 0:
        return tuple(0 for _ in range(q.shape[0]))
    shifts = q[:, nz[:, 0]] - q[:, nz[:, 1]]
    if not np.all(shifts == shifts[:, :1]):
        raise ValueError(
            f"{name} does not shift the given charges by a fixed amount: the weak U(1) "
            "symmetry assumed by charges does not hold"
        )
    return tuple(int(v) for v in shifts[:, 0])


def _resolve_shifts(name, given, inferred, charges, count):
    """Merge user-given shifts (static structure of traced operators) with inferred ones."""
    if not charges:
        return (None,) * count
    if given is None:
        return tuple(inferred)
    given = list(given)
    if len(given) != count:
        raise ValueError(f"{name} has length {len(given)} but there are {count} operators")
    out = []
    nc = len(charges)
    for k, (g, i) in enumerate(zip(given, inferred)):
        if g is None:
            out.append(i)
            continue
        g = tuple(int(v) for v in np.atleast_1d(g))
        if len(g) != nc:
            raise ValueError(f"{name}[{k}] must have one entry per charge ({nc}); got {g}")
        if i is not None and i != g and any(v != 0 for v in i):
            raise ValueError(f"{name}[{k}] = {g} but the operator shifts the charges by {i}")
        out.append(g)
    return tuple(out)


def _check_conserved(h, charges):
    if not charges or is_traced(h):
        return
    a = np.asarray(h)
    q = np.asarray(charges)
    nz = np.argwhere(np.abs(a) > 1e-13 * max(1.0, np.abs(a).max()))
    if np.any(q[:, nz[:, 0]] != q[:, nz[:, 1]]):
        raise ValueError("h does not commute with the given charges")


def _prep_h(h):
    if _is_qobj(h):
        h = _qobj_to_array(h)
    check_square(h, "h")
    if np.shape(h)[0] < 1:
        raise ValueError("h must be at least 1 x 1; got shape (0, 0)")
    check_finite(h, "h")
    check_hermitian(h, "h")
    return jnp.asarray(h, _CDTYPE)


def _is_qobj(x) -> bool:
    return type(x).__name__ == "Qobj" and hasattr(x, "full")


def _qobj_to_array(x):
    return np.asarray(x.full())


def _qobj_dims(h):
    if _is_qobj(h):
        d = h.dims[0]
        if isinstance(d, (list, tuple)) and all(isinstance(v, (int, np.integer)) for v in d):
            return tuple(int(v) for v in d)
    return None


def lindblad_model(
    h,
    jump_ops=(),
    rates=None,
    *,
    channels: Sequence[str] | None = None,
    charges=None,
    dims: Sequence[int] | None = None,
    shifts=None,
    heat_energy=None,
) -> LindbladModel:
    """Local GKSL model ``-i[h, .] + sum_k rates[k] D[jump_ops[k]]``.

    **Arguments:**

    - ``h``: Hermitian ``(n, n)`` Hamiltonian (array or QuTiP ``Qobj``).
    - ``jump_ops``: sequence of ``(n, n)`` operators (arrays or ``Qobj``) or a
      ``(K, n, n)`` array.
    - ``rates``: ``K`` non-negative rates (default 1).
    - ``channels``: name of the reservoir of each jump operator (default
      ``"c0", "c1", ...``); heat flows are summed per name.
    - ``charges``: optional conserved diagonal charges, shape ``(n,)`` or
      ``(c, n)`` (weak U(1) symmetry; checked when values are concrete).
    - ``dims``: optional subsystem dimensions (for reduced states).
    - ``shifts``: optional per-operator charge shifts (``None`` entries are
      inferred from concrete operators).  Needed only for operators that are
      traced at build time (e.g. depend on parameters under ``jit``); when every
      shift is known the solvers use the sparse sector assembly.
    - ``heat_energy``: optional Hermitian energy operator used by
      :func:`heat_flows` by default (e.g. the bare Hamiltonian of a local master
      equation, seed 004 eq. 18); ``None`` = ``h``.

    Raises ``ValueError`` naming the offending argument.
    """
    auto_dims = _qobj_dims(h)
    h = _prep_h(h)
    n = h.shape[0]
    ops = _as_ops(jump_ops, n)
    ops = [_qobj_to_array(c) if _is_qobj(c) else c for c in ops]
    for k, c in enumerate(ops):
        check_square(c, f"jump_ops[{k}]", n)
        check_finite(c, f"jump_ops[{k}]")
    kk = len(ops)
    if rates is None:
        rates = [1.0] * kk
    if not isinstance(rates, (list, tuple)) and jnp.ndim(rates) == 0:
        rates = [rates] * kk
    rates = list(rates) if isinstance(rates, (list, tuple)) else [rates[k] for k in range(len(rates))]
    if len(rates) != kk:
        raise ValueError(f"rates has length {len(rates)} but there are {kk} jump_ops")
    for k, r in enumerate(rates):
        if jnp.ndim(r) != 0:
            raise ValueError(f"rates[{k}] must be a scalar")
        check_positive(r, f"rates[{k}]", allow_zero=True)
    if channels is None:
        channels = [f"c{k}" for k in range(kk)]
    if len(channels) != kk:
        raise ValueError(f"channels has length {len(channels)} but there are {kk} jump_ops")
    q = normalize_charges(charges, n)
    _check_conserved(h, q)
    inferred = [_check_charge_shift(f"jump_ops[{k}]", c, q) for k, c in enumerate(ops)]
    shifts = _resolve_shifts("shifts", shifts, inferred, q, kk)
    if heat_energy is not None:
        heat_energy = _prep_h(heat_energy)
        if heat_energy.shape != h.shape:
            raise ValueError(f"heat_energy must have shape {h.shape}; got {heat_energy.shape}")
    dims = _check_dims(dims if dims is not None else auto_dims, n)
    return LindbladModel(
        hamiltonian=h,
        basis=None,
        h_work=h,
        # optimization_barrier: stops XLA from constant-folding products of constant
        # operators (e.g. X^dag X of fixed Pauli/shift matrices), which takes minutes
        # for n ~ 200 inside jit; it is the identity otherwise.
        ops=tuple(jax.lax.optimization_barrier(jnp.asarray(c, _CDTYPE)) for c in ops),
        rates=tuple(as_real(f"rates[{k}]")(r) for k, r in enumerate(rates)),
        clusters=(None,) * kk,
        channels=tuple(str(c) for c in channels),
        charges=q,
        dims=dims,
        shifts=shifts,
        heat_energy=heat_energy,
        patterns=tuple(sparsity_pattern(c) for c in ops),
        no_jump_pattern=_no_jump_pattern(h, ops),
        # a traced h skipped the boundary's Hermiticity check: the same rule, traced
        valid=hermitian_holds(h) if is_traced(h) else None,
    )


def _check_dims(dims, n):
    if dims is None:
        return (n,)
    dims = tuple(int(d) for d in dims)
    if int(np.prod(dims)) != n:
        raise ValueError(f"dims {dims} do not multiply to the Hilbert dimension {n}")
    return dims


def from_qutip(h, c_ops=(), *, charges=None, channels=None) -> LindbladModel:
    """Model from a QuTiP Hamiltonian and collapse operators.

    QuTiP's collapse operators carry their rate inside (``sqrt(rate) * a``);
    they become jump operators with rate 1 (same generator).  ``h`` and each
    ``c_op`` may be ``Qobj`` or arrays.  Subsystem dimensions are taken from the
    ``Qobj``.  QuTiP itself is only needed to create the inputs.
    """
    ops = list(c_ops)
    if any(type(c).__name__ == "QobjEvo" for c in [h, *ops]):
        raise ValueError("time-dependent QobjEvo inputs are not supported; pass constant Qobj")
    for k, c in enumerate(ops):
        if type(c).__name__ == "Qobj" and c.issuper:
            raise ValueError(f"c_ops[{k}] is a superoperator; pass collapse operators")
    return lindblad_model(h, ops, np.ones(len(ops)), charges=charges, channels=channels)
