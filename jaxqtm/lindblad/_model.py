"""GKSL models: local (explicit jump operators) and global (Born--Markov--secular).

A :class:`LindbladModel` stores a generator

    L[rho] = -i[H, rho] + sum_k  D_k[rho]

in a *working basis* (the computational basis for local models, the
eigenbasis of ``H`` for global ones).  Each dissipative term ``k`` is stored
as an operator ``X`` (working basis), an element-wise rate ``Gamma`` and,
for secular terms, integer labels of Bohr-frequency clusters ``c``:

    D_k[rho] = sum_w Gamma_w ( X(w) rho X(w)^dag - 1/2 {X(w)^dag X(w), rho} ),
    X(w)_{ai} = X_{ai} [c_{ai} = w].

A local term is the special case of one cluster and a scalar rate.  This
element form lets the Liouvillian be assembled directly on any charge sector
(:func:`sector_generator`) without ever forming the ``n^2 x n^2`` matrix, and
keeps the secular generator exactly trace preserving and of GKSL form (one
rate per cluster, clusters are an equivalence relation).
"""

from __future__ import annotations

from typing import Callable, Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._sequence import after
from ._sector import charge_blocks, normalize_charges, sector_pairs
from ._validate import (
    check_finite,
    check_hermitian,
    check_nonnegative,
    check_positive,
    check_square,
    is_concrete,
)

_CDTYPE = jnp.complex128


# --------------------------------------------------------------------------
# spectral densities and bath rates
# --------------------------------------------------------------------------
class AbstractSpectralDensity(eqx.Module):
    """A bath spectral density ``J(w)``, extended to ``w < 0`` as an odd function.

    Subclasses implement :meth:`over_omega` = ``J(w)/w`` (even, finite at 0):
    working with ``J(w)/w`` keeps the rate finite and differentiable at ``w = 0``.
    """

    def over_omega(self, w):
        raise NotImplementedError

    def __call__(self, w):
        return w * self.over_omega(w)


class OhmicCutoff(AbstractSpectralDensity):
    """``J(w) = strength * w * cutoff^2 / (w^2 + cutoff^2)`` (seed 004, eqs. A16--A17)."""

    strength: jax.Array | float
    cutoff: jax.Array | float

    def over_omega(self, w):
        return self.strength * self.cutoff**2 / (w**2 + self.cutoff**2)


class OhmicExponential(AbstractSpectralDensity):
    """``J(w) = strength * w * exp(-|w| / cutoff)``."""

    strength: jax.Array | float
    cutoff: jax.Array | float

    def over_omega(self, w):
        return self.strength * jnp.exp(-jnp.abs(w) / self.cutoff)


def _x_over_one_minus_exp(x):
    """``x / (1 - exp(-x))`` with its removable singularity at 0 (double-where)."""
    small = jnp.abs(x) < 1e-8
    xs = jnp.where(small, 1.0, x)
    val = xs / (-jnp.expm1(-xs))
    return jnp.where(small, 1.0 + 0.5 * x, val)


def thermal_rate(spectral_density: AbstractSpectralDensity, beta, w):
    """Downward rate ``gamma(w) = J(w) [1 + n_beta(w)]`` for every real ``w``.

    ``w > 0``: the system loses energy ``w`` to the bath; ``w < 0``: absorbs
    ``|w|``, with ``gamma(-w) = exp(-beta w) gamma(w)`` (KMS) because ``J`` is odd.
    ``gamma(0) = T * lim J(w)/w``.  Written as ``(J/w) * T * x/(1-e^{-x})``,
    ``x = beta w``, so it is finite and NaN-free (values and gradients) at 0.
    """
    x = beta * w
    return spectral_density.over_omega(w) / beta * _x_over_one_minus_exp(x)


def bose(beta, w):
    """Bose occupation ``1/(exp(beta w) - 1)`` (``w > 0``)."""
    return 1.0 / jnp.expm1(beta * w)


class Bath(eqx.Module):
    """A bosonic bath coupled through operators ``ops`` (seed 004, eq. A4).

    For ``H_I = A (x) E^dag + A^dag (x) E`` pass ``ops=(A, A^dag)``; for a
    Hermitian coupling ``X (x) B`` pass ``ops=(X,)``.  Every operator ``O`` gets
    the secular dissipator ``sum_w gamma(w) D[O(w)]`` with
    ``gamma = J(w)(1 + n(w))`` from :func:`thermal_rate`; this reproduces eq. A15
    of seed 004 and QuTiP's Bloch--Redfield tensor with spectrum ``gamma``.
    """

    ops: tuple
    beta: jax.Array | float
    spectral_density: AbstractSpectralDensity
    name: str = eqx.field(static=True, default="bath")


# --------------------------------------------------------------------------
# the model
# --------------------------------------------------------------------------
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

    @property
    def sparse_ready(self) -> bool:
        """True when the sparse sector assembly applies (charges and all shifts known)."""
        return bool(self.charges) and len(self.shifts) == len(self.ops) and all(
            s is not None for s in self.shifts
        )

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
    if not charges or not is_concrete(op):
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
    if not charges or not is_concrete(h):
        return
    a = np.asarray(h)
    q = np.asarray(charges)
    nz = np.argwhere(np.abs(a) > 1e-13 * max(1.0, np.abs(a).max()))
    if np.any(q[:, nz[:, 0]] != q[:, nz[:, 1]]):
        raise ValueError("h does not commute with the given charges")


def _prep_h(h):
    if _is_qobj(h):
        h = _qobj_to_array(h)
    check_square("h", h)
    check_finite("h", h)
    check_hermitian("h", h)
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
        check_square(f"jump_ops[{k}]", c, n)
        check_finite(f"jump_ops[{k}]", c)
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
        check_nonnegative(f"rates[{k}]", r)
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
        rates=tuple(jnp.asarray(r, jnp.float64) for r in rates),
        clusters=(None,) * kk,
        channels=tuple(str(c) for c in channels),
        charges=q,
        dims=dims,
        shifts=shifts,
        heat_energy=heat_energy,
    )


def _check_dims(dims, n):
    if dims is None:
        return (n,)
    dims = tuple(int(d) for d in dims)
    if int(np.prod(dims)) != n:
        raise ValueError(f"dims {dims} do not multiply to the Hilbert dimension {n}")
    return dims


def block_eigh(h, charges):
    """Eigen-decomposition of a Hermitian ``h`` that commutes with ``charges``.

    Diagonalises each block of equal charges separately (vmapped per block
    size), so every eigenvector carries definite charges even when levels of
    different sectors are degenerate (a plain ``eigh`` would mix them).
    Eigenvector ``k`` is placed at basis position ``k`` of its block: the
    working basis has the same charge labels as the computational one.
    Returns ``(energies (n,), V (n, n))``.
    """
    n = h.shape[-1]
    q = normalize_charges(charges, n)
    energies = jnp.zeros(n, jnp.float64)
    v = jnp.zeros((n, n), h.dtype)
    for idx in charge_blocks(q, n):
        if idx.shape[1] == 1:  # 1x1 blocks: no LAPACK call
            energies = energies.at[idx[:, 0]].set(jnp.real(h[idx[:, 0], idx[:, 0]]))
            v = v.at[idx[:, 0], idx[:, 0]].set(1.0)
            continue
        hb = h[idx[:, :, None], idx[:, None, :]]
        # chain the batched eigh of each block size behind the previous results:
        # two concurrent batched LAPACK calls can deadlock jaxlib 0.10.2 on CPU
        hb = after(hb, (energies, v))
        e, u = jax.vmap(jnp.linalg.eigh)(hb)
        energies = energies.at[idx].set(e)
        v = v.at[idx[:, :, None], idx[:, None, :]].set(u)
    return energies, v


def cluster_labels(freqs, relevant, tol):
    """Integer labels grouping ``freqs`` (flattened) whose gaps are ``<= tol``.

    Frequencies are sorted and a new cluster starts wherever the gap to the
    previous one exceeds ``tol`` (an equivalence relation, unlike pairwise
    |w - w'| < tol).  Entries with ``relevant == False`` get clusters of their
    own so they cannot chain unrelated frequencies together.  Labels carry no
    gradient.
    """
    w = jax.lax.stop_gradient(freqs.ravel())
    rel = relevant.ravel()
    size = w.shape[0]
    span = jnp.max(jnp.abs(w)) + 1.0
    iso = 2.0 * span + jnp.arange(size) * (1.0 + 4.0 * tol)
    key = jnp.where(rel, w, iso)
    order = jnp.argsort(key)
    ks = key[order]
    new = jnp.concatenate([jnp.ones(1, bool), jnp.diff(ks) > tol])
    lab_sorted = jnp.cumsum(new) - 1
    labels = jnp.zeros(size, jnp.int32).at[order].set(lab_sorted.astype(jnp.int32))
    return labels.reshape(freqs.shape)


def _cluster_mean(freqs, labels):
    size = freqs.size
    flat = labels.ravel()
    s = jax.ops.segment_sum(freqs.ravel(), flat, num_segments=size)
    c = jax.ops.segment_sum(jnp.ones(size), flat, num_segments=size)
    return (s / jnp.maximum(c, 1.0))[flat].reshape(freqs.shape)


def global_model(
    h,
    baths: Sequence[Bath],
    *,
    local_ops=(),
    local_rates=(),
    local_channels: Sequence[str] | None = None,
    charges=None,
    secular_tol: float = 1e-8,
    dims: Sequence[int] | None = None,
    local_shifts=None,
) -> LindbladModel:
    """Global (Born--Markov--secular) master equation from the eigenbasis of ``h``.

    For every bath operator ``O`` the eigenoperators
    ``O(w) = sum_{e'-e=w} Pi(e) O Pi(e')`` are formed in the eigenbasis; Bohr
    frequencies whose sorted gaps are ``<= secular_tol`` (absolute, energy
    units) form one cluster with one rate ``gamma(mean w)``.  ``local_ops``
    with ``local_rates`` are added in local (fixed-rate) form, e.g. the rotor
    load of seed 004, eq. 27 ("semi-global").

    ``charges`` (optional) are conserved diagonal quantum numbers: ``h`` is
    then diagonalised block by block (:func:`block_eigh`) and the sector
    solver can be used.  Eigenvalue derivatives need non-degenerate levels
    inside each block.  ``local_shifts``: charge shifts of traced ``local_ops``
    (see :func:`lindblad_model`); bath operators must be concrete for the
    sparse sector assembly (their shifts are inferred).
    """
    auto_dims = _qobj_dims(h)
    h = _prep_h(h)
    n = h.shape[0]
    if not (np.ndim(secular_tol) == 0 and float(secular_tol) >= 0):
        raise ValueError(f"secular_tol must be a non-negative scalar; got {secular_tol}")
    q = normalize_charges(charges, n)
    _check_conserved(h, q)
    if len(baths) == 0 and len(local_ops) == 0:
        raise ValueError("baths is empty and there are no local_ops: nothing dissipates")
    bath_ops, betas, sds, names, bshifts = [], [], [], [], []
    for b_idx, bath in enumerate(baths):
        if not isinstance(bath, Bath):
            raise ValueError(f"baths[{b_idx}] must be a jaxqtm.lindblad.Bath")
        check_positive(f"baths[{b_idx}].beta", bath.beta)
        if len(bath.ops) == 0:
            raise ValueError(f"baths[{b_idx}].ops is empty")
        for k, o in enumerate(bath.ops):
            o = _qobj_to_array(o) if _is_qobj(o) else o
            check_square(f"baths[{b_idx}].ops[{k}]", o, n)
            check_finite(f"baths[{b_idx}].ops[{k}]", o)
            bshifts.append(_check_charge_shift(f"baths[{b_idx}].ops[{k}]", o, q))
            bath_ops.append(jnp.asarray(o, _CDTYPE))
            betas.append(jnp.asarray(bath.beta, jnp.float64))
            # array leaves, so that new parameter values do not trigger recompilation
            sds.append(jax.tree_util.tree_map(lambda x: jnp.asarray(x, jnp.float64), bath.spectral_density))
            names.append(bath.name)
    blocks = _use_blocks(q, n, bshifts)
    if blocks:
        energies, v, ops, rates, clusters = _global_terms_blocks(
            h, bath_ops, betas, sds, q, float(secular_tol), tuple(bshifts)
        )
    else:
        energies, v, ops, rates, clusters = _global_terms(h, bath_ops, betas, sds, q, float(secular_tol))
    ops, rates, clusters, channels = list(ops), list(rates), list(clusters), list(names)
    vd = jnp.conj(v.T)
    local_ops = [_qobj_to_array(c) if _is_qobj(c) else c for c in _as_ops(local_ops, n)]
    if len(local_rates) != len(local_ops):
        raise ValueError(
            f"local_rates has length {len(local_rates)} but there are {len(local_ops)} local_ops"
        )
    if local_channels is None:
        local_channels = [f"local{k}" for k in range(len(local_ops))]
    linferred = []
    for k, (c, r) in enumerate(zip(local_ops, local_rates)):
        check_square(f"local_ops[{k}]", c, n)
        check_finite(f"local_ops[{k}]", c)
        check_nonnegative(f"local_rates[{k}]", r)
        linferred.append(_check_charge_shift(f"local_ops[{k}]", c, q))
    lshifts = _resolve_shifts("local_shifts", local_shifts, linferred, q, len(local_ops))
    for k, (c, r) in enumerate(zip(local_ops, local_rates)):
        c = jnp.asarray(c, _CDTYPE)
        if _use_blocks(q, n, [lshifts[k]]):
            ops.append(_conjugate_block(v, c, q, lshifts[k]))
        else:
            ops.append(vd @ c @ v)
        rates.append(jnp.asarray(r, jnp.float64))
        clusters.append(None)
        channels.append(str(local_channels[k]))
    return LindbladModel(
        hamiltonian=h,
        basis=v,
        h_work=jnp.diag(energies).astype(_CDTYPE),
        ops=tuple(ops),
        rates=tuple(rates),
        clusters=tuple(clusters),
        channels=tuple(channels),
        charges=q,
        dims=_check_dims(dims if dims is not None else auto_dims, n),
        shifts=tuple(bshifts) + lshifts if q else (None,) * len(ops),
    )


def _use_blocks(q, n, shifts) -> bool:
    """Block-sparse basis change applies and is cheaper than dense ``n^3`` products."""
    from ._sparse import block_cost

    if not q or any(s is None for s in shifts):
        return False
    return all(block_cost(q, n, s) <= n**3 for s in shifts)


@eqx.filter_jit
def _conjugate_block(v, x, q, shift):
    from ._sparse import conjugate_entries, dense_from_entries

    n = v.shape[-1]
    return dense_from_entries(conjugate_entries(v, x, q, n, shift), q, n, shift)


@eqx.filter_jit
def _global_terms_blocks(h, bath_ops, betas, sds, q, tol, shifts):
    """:func:`_global_terms` using the charge blocks: ``V`` is block diagonal and a
    bath operator with charge shift ``delta`` is non-zero only between blocks
    ``beta`` and ``beta + delta``, so its eigen-operator entries, Bohr
    frequencies, cluster labels and rates are computed on those ``O(n d^2)``
    entries only (no ``n^3`` products, no sort of ``n^2`` frequencies).  Entries
    outside get rate 0 and labels of their own (their operator entries are 0)."""
    from ._sparse import conjugate_entries, shift_entries

    n = h.shape[-1]
    energies, v = block_eigh(h, q)
    ops, rates, clusters = [], [], []
    for o, beta, sd, sh in zip(bath_ops, betas, sds, shifts):
        flat, ar, ac, *_ = shift_entries(q, n, sh)
        xf = conjugate_entries(v, o, q, n, sh)
        wf = energies[ac] - energies[ar]  # w_{a'a} = E_a - E_a' (energy lost a -> a')
        mag = jnp.abs(xf)
        rel = mag > 1e-12 * jnp.max(mag)
        lab = cluster_labels(wf, rel, tol)
        wbar = _cluster_mean(wf, lab)
        ops.append(jnp.zeros(n * n, _CDTYPE).at[flat].set(xf).reshape(n, n))
        rates.append(jnp.zeros(n * n, jnp.float64).at[flat].set(thermal_rate(sd, beta, wbar)).reshape(n, n))
        base = n * n + jnp.arange(n * n, dtype=jnp.int32)  # unique labels off the entries
        clusters.append(base.at[flat].set(lab).reshape(n, n))
    return energies, v, tuple(ops), tuple(rates), tuple(clusters)


@eqx.filter_jit
def _global_terms(h, bath_ops, betas, sds, q, tol):
    """Eigenbasis, eigen-operators, cluster labels and rates of the secular terms."""
    energies, v = block_eigh(h, q)
    vd = jnp.conj(v.T)
    freqs = energies[None, :] - energies[:, None]  # w_{ai} = E_i - E_a (energy lost a<-i)
    ops, rates, clusters = [], [], []
    for o, beta, sd in zip(bath_ops, betas, sds):
        xw = vd @ o @ v
        mag = jnp.abs(xw)
        rel = mag > 1e-12 * jnp.max(mag)
        lab = cluster_labels(freqs, rel, tol)
        wbar = _cluster_mean(freqs, lab)
        ops.append(xw)
        rates.append(thermal_rate(sd, beta, wbar))
        clusters.append(lab)
    return energies, v, tuple(ops), tuple(rates), tuple(clusters)


# --------------------------------------------------------------------------
# assembly on a sector
# --------------------------------------------------------------------------
class SectorGenerator(eqx.Module):
    """The generator restricted to one sector, in the pair basis.

    ``total()[s, t]`` is the coefficient of ``|a_s><b_s|`` in
    ``L[|i_t><j_t|]`` (working basis), pairs from :func:`sector_pairs`.  With no
    charges this is the dense Liouvillian in :func:`jaxqtm.lindblad.vec` order.
    ``jumps[k]`` / ``nojumps[k]`` split term ``k`` into its ``X rho X^dag`` part
    and its anticommutator part (for counting statistics).
    """

    hamiltonian: jax.Array  # (m, m)
    jumps: jax.Array  # (T, m, m)
    nojumps: jax.Array  # (T, m, m)
    charges: tuple = eqx.field(static=True)
    n: int = eqx.field(static=True)

    @property
    def pairs(self):
        return sector_pairs(self.charges, self.n)

    def total(self):
        return self.hamiltonian + jnp.sum(self.jumps + self.nojumps, axis=0)

    def term(self, k):
        return self.jumps[k] + self.nojumps[k]


def _k_local(xs, rates):
    """``K_t = rate_t X_t^dag X_t`` for stacked local terms."""
    return rates[:, None, None] * jnp.einsum("tca,tci->tai", jnp.conj(xs), xs)


def _k_secular(xs, rates, labs):
    """``K_t = sum_w gamma_w X_t(w)^dag X_t(w)`` for stacked secular terms.

    ``K_ai = sum_c Gamma_ca conj(X_ca) X_ci [c_ca == c_ci]``; a scan over ``c``
    keeps memory at ``O(T n^2)`` instead of materialising an ``n^3`` mask.
    """
    w = rates * jnp.conj(xs)

    def body(acc, row):
        wr, xr, lr = row  # (T, n) each
        mask = lr[:, :, None] == lr[:, None, :]
        return acc + wr[:, :, None] * xr[:, None, :] * mask, None

    rows = (jnp.swapaxes(w, 0, 1), jnp.swapaxes(xs, 0, 1), jnp.swapaxes(labs, 0, 1))
    k, _ = jax.lax.scan(body, jnp.zeros_like(xs), rows)
    return k


def sector_generator(model: LindbladModel, charges=None) -> SectorGenerator:
    """Assemble the generator of ``model`` on the ``k = 0`` sector of ``charges``.

    ``charges=None`` uses ``model.charges``; ``charges=()`` gives the full
    Liouville space.  With the model's charges and known shifts the matrices are
    scattered from the sparse entry list (``O(T m^2)`` memory, no ``n^3``);
    otherwise dense gathers, cost ``O(T m^2)`` for ``m`` sector pairs (plus
    ``O(n^3)`` per term).  Terms are stacked (local / secular) so the number of
    XLA operations does not grow with the number of terms.
    """
    q = model.charges if charges is None else normalize_charges(charges, model.n)
    return _sector_generator(model, q)


def _take2(x, rows, cols):
    """``x[..., rows[:, None], cols[None, :]]`` as two 1-d takes (faster than a 2-d gather
    on CPU, and its transpose is two cheap scatter-adds)."""
    return jnp.take(jnp.take(x, rows, axis=-2), cols, axis=-1)


def _sector_terms(model, q, which):
    """Jump / no-jump sector matrices of the local (``which="local"``) or
    secular terms, stacked, with their term indices."""
    n = model.n
    a, b = sector_pairs(q, n)
    d_bj = jnp.asarray(b[:, None] == b[None, :])
    d_ai = jnp.asarray(a[:, None] == a[None, :])
    if which == "local":
        idx = [k for k, lab in enumerate(model.clusters) if lab is None]
    else:
        idx = [k for k, lab in enumerate(model.clusters) if lab is not None]
    if not idx:
        return idx, None, None
    xs = jnp.stack([model.ops[k] for k in idx])
    xa = _take2(xs, a, a)  # X[a_s, i_t]
    xb = jnp.conj(_take2(xs, b, b))  # conj X[b_s, j_t]
    if which == "local":
        rs = jnp.stack([jnp.asarray(model.rates[k], jnp.float64) for k in idx])
        jmp = rs[:, None, None] * xa * xb
        km = _k_local(xs, rs)
    else:
        rs = jnp.stack([model.rates[k] for k in idx])
        ls = jnp.stack([model.clusters[k] for k in idx])
        same = _take2(ls, a, a) == _take2(ls, b, b)
        jmp = _take2(rs, a, a) * xa * xb * same
        km = _k_secular(xs, rs, ls)
    kt = jnp.swapaxes(km, -1, -2)
    noj = -0.5 * (_take2(km, a, a) * d_bj + _take2(kt, b, b) * d_ai)
    return idx, jmp, noj


def _hamiltonian_sector(model, q):
    a, b = sector_pairs(q, model.n)
    d_bj = jnp.asarray(b[:, None] == b[None, :])
    d_ai = jnp.asarray(a[:, None] == a[None, :])
    h = model.h_work
    return -1j * _take2(h, a, a) * d_bj + 1j * _take2(h.T, b, b) * d_ai


@eqx.filter_jit
def _sector_generator(model: LindbladModel, q) -> SectorGenerator:
    n = model.n
    m = sector_pairs(q, n)[0].size
    if q and q == model.charges and model.sparse_ready:
        # known charge shifts: scatter the sparse entries (no n^3 X^dag X, no m^2 gathers)
        from ._sparse import sparse_sector

        ham, jumps, nojumps = sparse_sector(model, q).split_dense()
        return SectorGenerator(ham, jumps, nojumps, q, n)
    ham = _hamiltonian_sector(model, q)
    li, lj, ln = _sector_terms(model, q, "local")
    si, sj, sn = _sector_terms(model, q, "secular")
    parts = [(lj, ln)] if li else []
    parts += [(sj, sn)] if si else []
    if parts:
        order = np.argsort(np.asarray(li + si))  # back to the model's term order
        jumps = jnp.concatenate([p[0] for p in parts])[order]
        nojumps = jnp.concatenate([p[1] for p in parts])[order]
    else:
        jumps = nojumps = jnp.zeros((0, m, m), _CDTYPE)
    return SectorGenerator(ham, jumps, nojumps, q, n)


def apply_generator(model: LindbladModel, x, q):
    """``M x`` for a sector vector ``x`` without assembling the local terms.

    Hamiltonian and local terms act in matrix form on the ``n x n`` working-basis
    matrix (``-i[H, rho] + sum_k r_k (X rho X^dag - 1/2{X^dag X, rho})``); secular
    terms use their sector matrices.  Used for the implicit derivative of the
    steady state: its linearisation in the model is a few matrix products.
    """
    n = model.n
    a, b = sector_pairs(q, n)
    rho = jnp.zeros((n, n), _CDTYPE).at[a, b].set(x)
    h = model.h_work
    out = -1j * (h @ rho - rho @ h)
    li = [k for k, lab in enumerate(model.clusters) if lab is None]
    if li:
        xs = jnp.stack([model.ops[k] for k in li])
        rs = jnp.stack([jnp.asarray(model.rates[k], jnp.float64) for k in li]).astype(_CDTYPE)
        xr = xs @ rho
        km = jnp.einsum("tca,tci->tai", jnp.conj(xs), xs)
        terms = xr @ jnp.conj(jnp.swapaxes(xs, -1, -2)) - 0.5 * (km @ rho + rho @ km)
        out = out + jnp.einsum("t,tij->ij", rs, terms)
    y = out[a, b]
    si, sj, sn = _sector_terms(model, q, "secular")
    if si:
        y = y + jnp.einsum("tsu,u->s", sj + sn, x)
    return y


def pairs_gather(model: LindbladModel, rho, charges=None):
    """Sector vector of ``rho`` (computational basis): ``(V^dag rho V)[a_s, b_s]``."""
    q = model.charges if charges is None else normalize_charges(charges, model.n)
    a, b = sector_pairs(q, model.n)
    rw = model.to_work(rho)
    return rw[a, b]


def pairs_scatter(model: LindbladModel, x, charges=None):
    """Density matrix (computational basis) from a sector vector."""
    n = model.n
    q = model.charges if charges is None else normalize_charges(charges, n)
    a, b = sector_pairs(q, n)
    rw = jnp.zeros((n, n), _CDTYPE).at[a, b].set(x)
    return model.from_work(rw)


def pairs_expect(model: LindbladModel, op, v, charges=None, *, working=False):
    """``Tr[op X]`` for a sector vector ``v`` of ``X``; exact when ``op`` conserves the charges."""
    n = model.n
    q = model.charges if charges is None else normalize_charges(charges, n)
    a, b = sector_pairs(q, n)
    ow = op if working else model.to_work(op)
    return jnp.sum(ow[b, a] * v)
