"""Thermodynamic bookkeeping for any :class:`LindbladModel`.

Sign convention (seed 004): energy flowing *into* the system is positive.
Heat of channel ``c`` with respect to an energy operator ``E``:
``Q_c = Tr[E D_c[rho]]`` (``D_c`` = sum of the terms of that channel).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ._model import LindbladModel, pairs_expect, sector_generator
from ._sector import sector_pairs
from ._sparse import sparse_sector, to_work_blocks, use_block_basis
from ._steady import AbstractSteadyStateMethod, SteadyState, _default_method, after, uses_sparse

MODES = ("engine", "refrigerator", "accelerator", "heater", "other")


def _rho_of(state):
    return state.rho if isinstance(state, SteadyState) else jnp.asarray(state, jnp.complex128)


def channel_rates(
    model: LindbladModel,
    state,
    observable=None,
    *,
    method: AbstractSteadyStateMethod | None = None,
    generator=None,
) -> dict:
    """``{channel: Tr[O D_channel[rho]]}`` plus ``"hamiltonian": Tr[O (-i[H, rho])]``.

    ``state`` is a density matrix or a :class:`SteadyState`; ``observable``
    defaults to the model Hamiltonian (then the channel values are the heat
    flows).  With the sector method ``O`` must conserve the model's charges
    (true for ``H``, ``L_z``, number operators ...); otherwise pass
    ``method=DenseLiouville()``.  ``generator``: a precomputed
    :func:`sector_generator` for the same charges (saves re-assembly).
    """
    obs = model.hamiltonian if observable is None else observable
    table = channel_table(model, state, [obs], method=method, generator=generator)
    keys = ("hamiltonian",) + model.channel_names
    return {k: table[0, i] for i, k in enumerate(keys)}


def channel_table(model, state, observables, *, method=None, generator=None):
    """Rates of change of several observables, split by channel, in one pass.

    Returns a real array ``(K, 1 + C)``: column 0 is ``Tr[O_k (-i[H, rho])]``,
    column ``1 + c`` is ``Tr[O_k D_c[rho]]`` for ``c`` in ``model.channel_names``.
    """
    method = _default_method(model) if method is None else method
    q = method.charges_for(model)
    rho = _rho_of(state)
    obs = jnp.stack([jnp.asarray(o, jnp.complex128) for o in observables])
    return _channel_table_core(model, rho, obs, q, generator)


@eqx.filter_jit
def _channel_table_core(model, rho, obs, q, generator):
    a, b = sector_pairs(q, model.n)
    sparse = generator is None and uses_sparse(model, q)
    # block-diagonal basis change (global ME with charges): no n^3 products
    to_work = (lambda o: to_work_blocks(model, o)) if sparse and use_block_basis(model) else model.to_work
    rw = to_work(rho)
    x = rw[a, b]
    # keep only the sector part of rho (exactness argument in the docstring)
    rw = jnp.zeros_like(rw).at[a, b].set(x)
    ow = jax.vmap(to_work)(obs)  # (K, n, n)

    def tr(o, d):  # Tr[O D] for stacked O (K,n,n) and one D (n,n)
        return jnp.real(jnp.einsum("kij,ji->k", o, d))

    if sparse:
        # sparse entries: O(nnz) per observable, no n x n products (and a cheap
        # reverse pass); exact for observables that conserve the charges
        sp = sparse_sector(model, q)
        tab = jnp.real(sp.term_table(ow[:, b, a], x))  # (K, 1 + T)
        cols = [tab[:, 0]]
        for name in model.channel_names:
            ks = [1 + k for k, c in enumerate(model.channels) if c == name]
            cols.append(jnp.sum(tab[:, ks], axis=1))
        return jnp.stack(cols, axis=1)
    h = model.h_work
    cols = [tr(ow, -1j * (h @ rw - rw @ h))]
    per_term = [None] * len(model.channels)
    loc = [k for k, lab in enumerate(model.clusters) if lab is None]
    if loc:
        # local terms in matrix form: cheap to differentiate (matrix products only)
        xs = jnp.stack([model.ops[k] for k in loc])
        rs = jnp.stack([jnp.asarray(model.rates[k], jnp.float64) for k in loc])
        xr = xs @ rw
        km = jnp.einsum("tca,tci->tai", jnp.conj(xs), xs)
        d = xr @ jnp.conj(jnp.swapaxes(xs, -1, -2)) - 0.5 * (km @ rw + rw @ km)
        vals = rs[:, None] * jnp.real(jnp.einsum("kij,tji->tk", ow, d))
        for i, k in enumerate(loc):
            per_term[k] = vals[i]
    sec = [k for k, lab in enumerate(model.clusters) if lab is not None]
    if sec:
        gen = sector_generator(model, q) if generator is None else generator
        og = ow[:, b, a]  # Tr[O X] = sum_s O_w[b_s, a_s] X_s for a sector vector X
        y = jnp.einsum("tsu,u->ts", (gen.jumps + gen.nojumps)[np.asarray(sec)], x)
        vals = jnp.real(y @ og.T)  # (T_sec, K)
        for i, k in enumerate(sec):
            per_term[k] = vals[i]
    for name in model.channel_names:
        cols.append(sum(per_term[k] for k, c in enumerate(model.channels) if c == name))
    return jnp.stack(cols, axis=1)


def heat_flows(model, state, *, energy=None, method=None) -> dict:
    """Heat flow into the system from every channel, ``Tr[E D_c[rho]]``.

    ``energy`` defaults to ``model.heat_energy`` when the model carries one
    (the rotor's local ME stores the bare ``H_S0``: seed 004, eq. 18 -- in a
    local/collision-model ME the heat is the energy the bath exchanges with the
    *bare* system, the interaction's share is work, eqs. 22--24), otherwise to
    the full Hamiltonian (global ME bookkeeping, eq. 29).
    """
    if energy is None:
        energy = model.heat_energy
    d = channel_rates(model, state, energy, method=method)
    d.pop("hamiltonian")
    return d


def energy_rate(model, state, observable=None, *, method=None):
    """``d<O>/dt = Tr[O L[rho]]`` (zero for conserved ``O`` in a steady state)."""
    d = channel_rates(model, state, observable, method=method)
    return sum(d.values())


def entropy_production(heat: dict, betas: dict):
    """Spohn entropy production ``-sum_c beta_c Q_c`` (steady state, thermal baths)."""
    return -sum(betas[c] * heat[c] for c in betas)


def efficiency(work, q_hot):
    """Engine efficiency ``eta = -W / Q_hot`` (seed 004, eq. 36)."""
    return -work / q_hot


def coefficient_of_performance(q_cold, work):
    """Refrigerator COP ``Q_cold / W`` (seed 004, eq. 37)."""
    return q_cold / work


def operating_mode(q_cold, q_hot, work):
    """Operating mode code (index into :data:`MODES`) from the signs of the flows.

    engine: Q_c < 0, Q_h > 0, W < 0; refrigerator: Q_c > 0, Q_h < 0, W > 0;
    accelerator: Q_c < 0, Q_h > 0, W > 0 (seed 004, table I); heater:
    Q_c < 0, Q_h < 0, W > 0; anything else "other".
    """
    qc, qh, w = jnp.asarray(q_cold), jnp.asarray(q_hot), jnp.asarray(work)
    code = jnp.full(jnp.broadcast_shapes(qc.shape, qh.shape, w.shape), 4)
    code = jnp.where((qc < 0) & (qh < 0) & (w > 0), 3, code)
    code = jnp.where((qc < 0) & (qh > 0) & (w > 0), 2, code)
    code = jnp.where((qc > 0) & (qh < 0) & (w > 0), 1, code)
    code = jnp.where((qc < 0) & (qh > 0) & (w < 0), 0, code)
    return code


def partial_trace(rho, dims, keep):
    """Reduced state on subsystems ``keep`` (sorted indices into ``dims``)."""
    dims = tuple(int(d) for d in dims)
    keep = sorted(int(k) for k in np.atleast_1d(keep))
    if int(np.prod(dims)) != rho.shape[-1]:
        raise ValueError(f"dims {dims} do not match the state dimension {rho.shape[-1]}")
    if not keep or keep[0] < 0 or keep[-1] >= len(dims):
        raise ValueError(f"keep must index subsystems 0..{len(dims) - 1}; got {keep}")
    nd = len(dims)
    t = rho.reshape(dims + dims)
    letters = "abcdefghijklmnopqrstuvwxyz"
    ket = [letters[i] for i in range(nd)]
    bra = [letters[i + nd] if i in keep else letters[i] for i in range(nd)]
    out = [ket[i] for i in keep] + [bra[i] for i in keep]
    t = jnp.einsum("".join(ket) + "".join(bra) + "->" + "".join(out), t)
    dk = int(np.prod([dims[i] for i in keep]))
    return t.reshape(dk, dk)


def block_eigvalsh(a, charges, dep=None):
    """Eigenvalues (unsorted) of a Hermitian ``a`` commuting with diagonal ``charges``,
    block by block (1x1 and 2x2 blocks in closed form; batched LAPACK calls chained
    after each other and after ``dep``)."""
    from ._sector import charge_blocks, normalize_charges

    n = a.shape[-1]
    q = normalize_charges(charges, n)
    out = []
    for idx in charge_blocks(q, n):
        if idx.shape[1] == 1:
            out.append(jnp.real(a[idx[:, 0], idx[:, 0]]))
            continue
        blk = a[idx[:, :, None], idx[:, None, :]]
        if idx.shape[1] == 2:  # closed form, no LAPACK
            mean = 0.5 * jnp.real(blk[:, 0, 0] + blk[:, 1, 1])
            rad = jnp.sqrt(0.25 * jnp.real(blk[:, 0, 0] - blk[:, 1, 1]) ** 2 + jnp.abs(blk[:, 0, 1]) ** 2)
            out.append(jnp.concatenate([mean - rad, mean + rad]))
            continue
        prev = out[-1] if out else dep
        if prev is not None:
            blk = after(blk, prev)
        out.append(jax.vmap(jnp.linalg.eigvalsh)(blk).ravel())
    return jnp.concatenate(out)


def ergotropy(rho, h, *, charges=None, dep=None):
    """Ergotropy ``Tr[h rho] - Tr[h rho_passive]`` (seed 004, eq. 35).

    The passive state pairs the eigenvalues of ``rho`` in decreasing order with
    the energies of ``h`` in increasing order.  ``charges`` (optional): diagonal
    quantum numbers conserved by both ``rho`` and ``h``; the spectra are then
    computed block by block (exact, much cheaper).  ``dep`` (optional): a value
    the eigen-solves must wait for (serialises LAPACK calls, see :func:`after`).
    """
    rho = 0.5 * (rho + jnp.conj(rho.T))
    if charges is not None:
        p = block_eigvalsh(rho, charges, dep)
        e = block_eigvalsh(h, charges, p)
    else:
        p = jnp.linalg.eigvalsh(rho if dep is None else after(rho, dep))
        e = jnp.linalg.eigvalsh(after(h, p))
    p = jnp.sort(p)[::-1]
    e = jnp.sort(e)
    return jnp.sum(jnp.real(h * rho.T)) - jnp.sum(p * e)
