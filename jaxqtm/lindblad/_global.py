"""The global (Born--Markov--secular) master equation from the eigenbasis of ``H``."""

from __future__ import annotations

from collections.abc import Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._checks import (
    as_real,
    bounds_hold,
    check_bounds,
    check_finite,
    check_positive,
    check_square,
    check_type,
    concrete,
    hermitian_holds,
    positive,
)
from .._numerics import is_traced
from ._blocks import block_eigh
from ._model import (
    _CDTYPE,
    LindbladModel,
    _as_ops,
    _check_charge_shift,
    _check_conserved,
    _check_dims,
    _is_qobj,
    _prep_h,
    _qobj_dims,
    _qobj_to_array,
    _resolve_shifts,
)
from ._sector import normalize_charges
from ._sparse import block_cost, conjugate_entries, dense_from_entries, shift_entries
from ._spectral import AbstractSpectralDensity, thermal_rate


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
    bath_ops, betas, sds, names, bshifts, valid_terms = [], [], [], [], [], []
    for b_idx, bath in enumerate(baths):
        check_type(bath, f"baths[{b_idx}]", Bath, "jaxqtm.lindblad.Bath")
        earlier = [i for i in range(b_idx) if baths[i].name == bath.name]
        if earlier:
            # heat flows are reported per name: two baths under one name would be summed into one
            # channel (zero net heat between a hot and a cold bath)
            raise ValueError(
                f"baths[{b_idx}].name = {bath.name!r} repeats baths[{earlier[0]}].name: every bath needs its "
                "own name (e.g. Bath(..., name='hot'), Bath(..., name='cold'))"
            )
        check_positive(bath.beta, f"baths[{b_idx}].beta")
        check_type(bath.spectral_density, f"baths[{b_idx}].spectral_density", AbstractSpectralDensity)
        sd_bounds = bath.spectral_density.bounds(f"baths[{b_idx}].spectral_density")
        check_bounds(sd_bounds)
        valid_terms += [positive(f"baths[{b_idx}].beta", bath.beta), *sd_bounds]
        if len(bath.ops) == 0:
            raise ValueError(f"baths[{b_idx}].ops is empty")
        for k, o in enumerate(bath.ops):
            o = _qobj_to_array(o) if _is_qobj(o) else o
            check_square(o, f"baths[{b_idx}].ops[{k}]", n)
            check_finite(o, f"baths[{b_idx}].ops[{k}]")
            bshifts.append(_check_charge_shift(f"baths[{b_idx}].ops[{k}]", o, q))
            bath_ops.append(jnp.asarray(o, _CDTYPE))
            betas.append(jnp.asarray(bath.beta, jnp.float64))
            # array leaves, so that new parameter values do not trigger recompilation
            sds.append(jax.tree_util.tree_map(lambda x: jnp.asarray(x, jnp.float64), bath.spectral_density))
            names.append(bath.name)
        maybe = [concrete(_qobj_to_array(o) if _is_qobj(o) else o) for o in bath.ops]
        ops_c = [o for o in maybe if o is not None]
        if len(ops_c) == len(maybe):
            # H_I = sum_k O_k (x) B_k is Hermitian only if the set {O_k} is closed under the adjoint
            for k, o in enumerate(ops_c):
                scale = max(1.0, float(np.max(np.abs(o)))) if o.size else 1.0
                if not any(np.max(np.abs(np.conj(o.T) - p)) <= 1e-10 * scale for p in ops_c if p.shape == o.shape):
                    raise ValueError(
                        f"baths[{b_idx}].ops[{k}] has no adjoint among the bath's operators: pass a Hermitian "
                        "coupling (X,) or the pair (A, A^dag) (see Bath)"
                    )
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
        raise ValueError(f"local_rates has length {len(local_rates)} but there are {len(local_ops)} local_ops")
    if local_channels is None:
        local_channels = [f"local{k}" for k in range(len(local_ops))]
    linferred = []
    for k, (c, r) in enumerate(zip(local_ops, local_rates)):
        check_square(c, f"local_ops[{k}]", n)
        check_finite(c, f"local_ops[{k}]")
        check_positive(r, f"local_rates[{k}]", allow_zero=True)
        linferred.append(_check_charge_shift(f"local_ops[{k}]", c, q))
    lshifts = _resolve_shifts("local_shifts", local_shifts, linferred, q, len(local_ops))
    for k, (c, r) in enumerate(zip(local_ops, local_rates)):
        c = jnp.asarray(c, _CDTYPE)
        if _use_blocks(q, n, [lshifts[k]]):
            ops.append(_conjugate_block(v, c, q, lshifts[k]))
        else:
            ops.append(vd @ c @ v)
        rates.append(as_real(f"local_rates[{k}]")(r))
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
        valid=bounds_hold(valid_terms) & (hermitian_holds(h) if is_traced(h) else True),
    )


def _use_blocks(q, n, shifts) -> bool:
    """Block-sparse basis change applies and is cheaper than dense ``n^3`` products."""

    if not q or any(s is None for s in shifts):
        return False
    return all(block_cost(q, n, s) <= n**3 for s in shifts)


@eqx.filter_jit
def _conjugate_block(v, x, q, shift):

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
