"""Thermodynamic bookkeeping for any :class:`LindbladModel`.

Sign convention (seed 004): energy flowing *into* the system is positive.
Heat of channel ``c`` with respect to an energy operator ``E``:
``Q_c = Tr[E D_c[rho]]`` (``D_c`` = sum of the terms of that channel).
"""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._checks import bounds_hold, check_finite, check_positive, check_square, check_state, hermitian_holds, positive
from .._numerics import after, is_traced
from ._blocks import block_eigvalsh
from ._generator import _sector_terms, sector_generator
from ._model import LindbladModel
from ._sector import sector_pairs
from ._space import AbstractSpace, AutoSpace, space_charges
from ._sparse import sparse_sector, to_work_blocks, use_block_basis
from ._steady import SteadyState, uses_sparse

MODES = ("engine", "refrigerator", "accelerator", "heater", "other")


def _rho_of(state, model: LindbladModel, dtype=jnp.complex128):
    """The density matrix of ``state`` (a :class:`SteadyState` or an array), checked at the
    boundary when concrete (:func:`jaxqtm._checks.check_state`)."""
    if isinstance(state, SteadyState):
        return state.rho
    check_state(state, "state", model.n)
    rho = jnp.asarray(state, dtype)
    if is_traced(rho):
        # the same conditions traced (positivity aside: it needs an eigen-solve): a state that is
        # not one carries NaN into every functional of it, never a number
        ok = (jnp.abs(jnp.trace(rho) - 1.0) <= 1e-8) & hermitian_holds(rho, 1e-8)
        rho = jnp.where(ok, rho, jnp.asarray(jnp.nan, rho.dtype))
    return rho


def channel_rates(
    model: LindbladModel,
    state,
    observable=None,
    *,
    space: AbstractSpace = AutoSpace(),
    generator=None,
) -> dict:
    """``{channel: Tr[O D_channel[rho]]}`` plus ``"hamiltonian": Tr[O (-i[H, rho])]``.

    ``state`` is a density matrix or a :class:`SteadyState`; ``observable``
    defaults to the model Hamiltonian (then the channel values are the heat
    flows).  On a charge sector (the default for models with charges) ``O``
    must conserve the model's charges (true for ``H``, ``L_z``, number
    operators ...); otherwise pass ``space=FullSpace()``.  ``generator``: a precomputed
    :func:`sector_generator` for the same charges (saves re-assembly).
    """
    if observable is not None:
        check_square(observable, "observable (energy)", model.n)
        check_finite(observable, "observable (energy)")
    obs = model.hamiltonian if observable is None else observable
    table = channel_table(model, state, [obs], space=space, generator=generator)
    keys = ("hamiltonian",) + model.channel_names
    return {k: table[0, i] for i, k in enumerate(keys)}


def channel_table(model, state, observables, *, space: AbstractSpace = AutoSpace(), generator=None):
    """Rates of change of several observables, split by channel, in one pass.

    Returns a real array ``(K, 1 + C)``: column 0 is ``Tr[O_k (-i[H, rho])]``,
    column ``1 + c`` is ``Tr[O_k D_c[rho]]`` for ``c`` in ``model.channel_names``.
    """
    # local terms act in n x n form at any size; only secular terms need the dense generator
    q = space_charges(space, model, dense=any(lab is not None for lab in model.clusters))
    rho = _rho_of(state, model)
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
    cols: list[Any] = [tr(ow, -1j * (h @ rw - rw @ h))]
    per_term: list[Any] = [None] * len(model.channels)
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


def heat_flows(model, state, *, energy=None, space: AbstractSpace = AutoSpace()) -> dict:
    """Heat flow into the system from every channel, ``Tr[E D_c[rho]]``.

    ``energy`` defaults to ``model.heat_energy`` when the model carries one
    (the rotor's local ME stores the bare ``H_S0``: seed 004, eq. 18 -- in a
    local/collision-model ME the heat is the energy the bath exchanges with the
    *bare* system, the interaction's share is work, eqs. 22--24), otherwise to
    the full Hamiltonian (global ME bookkeeping, eq. 29).
    """
    if energy is None:
        energy = model.heat_energy
    d = channel_rates(model, state, energy, space=space)
    d.pop("hamiltonian")
    return d


def energy_rate(model, state, observable=None, *, space: AbstractSpace = AutoSpace()):
    """``d<O>/dt = Tr[O L[rho]]`` (zero for conserved ``O`` in a steady state)."""
    d = channel_rates(model, state, observable, space=space)
    return sum(d.values())


def entropy_production_from_heat(heat: dict, betas: dict):
    """Steady-state entropy production ``-sum_c beta_c Q_c`` from the heat flows into the
    system (thermal baths; ``betas`` maps channel names to inverse temperatures)."""
    return -sum(betas[c] * heat[c] for c in betas)


def dissipator_action(model: LindbladModel, state) -> dict:
    """``{channel: D_c[rho]}``: each channel's dissipator applied to ``rho`` (``(n, n)``,
    computational basis), for any state (no symmetry assumed).

    Local terms act in matrix form (``O(n^3)`` each, any size); secular terms through
    their dense full-space generator (``O(n^4)``: meant for small global models).
    """
    return _dissipator_action(model, _rho_of(state, model))


@eqx.filter_jit
def _dissipator_action(model, rho):
    n = model.n
    rw = model.to_work(rho)
    per_term: list[Any] = [None] * len(model.ops)
    loc = [k for k, lab in enumerate(model.clusters) if lab is None]
    if loc:
        xs = jnp.stack([model.ops[k] for k in loc])
        rs = jnp.stack([jnp.asarray(model.rates[k], jnp.float64) for k in loc])
        km = jnp.einsum("tca,tci->tai", jnp.conj(xs), xs)
        d = xs @ rw @ jnp.conj(jnp.swapaxes(xs, -1, -2)) - 0.5 * (km @ rw + rw @ km)
        for i, k in enumerate(loc):
            per_term[k] = rs[i] * d[i]
    sec, jumps, nojumps = _sector_terms(model, (), "secular")
    if sec and jumps is not None and nojumps is not None:
        ds = jnp.einsum("tij,j->ti", jumps + nojumps, rw.reshape(-1)).reshape(len(sec), n, n)
        for i, k in enumerate(sec):
            per_term[k] = ds[i]
    out = {}
    for name in model.channel_names:
        out[name] = model.from_work(sum(per_term[k] for k, c in enumerate(model.channels) if c == name))
    return out


def entropy_rate(model: LindbladModel, state, rel_tol: float = 1e-12):
    """``dS/dt = -Tr[L[rho] ln rho]`` of the von Neumann entropy (the unitary part drops out).

    ``ln rho`` of a rank-deficient state: ``-Tr[D[rho] ln rho] = -sum_a <a|D[rho]|a> ln p_a``
    over the eigenvectors of ``rho``.  On the kernel (``p_a = 0``) positivity forces
    ``<a|D[rho]|a> >= 0``; a zero diagonal contributes 0 (the limit ``x ln x``), a positive
    one makes ``dS/dt = +inf`` (returned as ``inf``).  The logarithm is guarded by a double
    ``where`` so gradients stay finite.
    """
    # eigh of the state as given: a real state keeps the real-symmetric eigh, whose
    # derivative stays finite on degenerate spectra (the complex one's does not)
    rho = _rho_of(state, model, None)
    d = sum(dissipator_action(model, rho).values())
    return _entropy_rate(rho, d, rel_tol)


@jax.jit
def _entropy_rate(rho, d, rel_tol):
    p, v = jnp.linalg.eigh(0.5 * (rho + jnp.conj(rho.T)))
    daa = jnp.real(jnp.einsum("ia,ij,ja->a", jnp.conj(v), d, v))
    floor = rel_tol * jnp.max(p)
    pos = p > floor
    safe_p = jnp.where(pos, p, 1.0)  # double where: no log(0) in the graph
    logs = jnp.where(pos, jnp.log(safe_p), 0.0)
    dscale = jnp.max(jnp.abs(daa))
    feeds_kernel = jnp.any((~pos) & (daa > 1e-9 * dscale))
    val = -jnp.sum(jnp.where(pos, daa * logs, 0.0))
    return jnp.where(feeds_kernel, jnp.inf, val)


def matrix_heat_flows(model: LindbladModel, state, *, energy=None) -> dict:
    """:func:`heat_flows` of any state (no symmetry assumed), from :func:`dissipator_action`
    in matrix form -- the path for arbitrary states of large local models, where the
    Liouville-space table of :func:`heat_flows` would need the full space."""
    return _heat_of(dissipator_action(model, state), _heat_energy(model, energy))


def _heat_of(dissipators: dict, e) -> dict:
    """``{channel: Tr[E D_c]}`` for dissipators already applied to a state."""
    return {c: jnp.real(jnp.sum(e * d.T)) for c, d in dissipators.items()}


def _heat_energy(model, energy):
    if energy is not None:
        check_square(energy, "energy", model.n)
        check_finite(energy, "energy")
        return jnp.asarray(energy, jnp.complex128)
    return model.hamiltonian if model.heat_energy is None else model.heat_energy


def entropy_production(model: LindbladModel, state, betas, *, energy=None):
    """Spohn entropy production of any state, ``sigma = dS/dt - sum_c beta_c J_c(rho)``.

    ``betas``: a dict mapping every channel name to the inverse temperature of its bath,
    or one number for a model whose channels all see the same bath.
    ``J_c = Tr[E D_c[rho]]`` (:func:`matrix_heat_flows`).  Equals ``-sum_c beta_c Q_c`` in a
    steady state and is ``>= 0`` for thermal (detailed-balance) generators (Spohn's
    inequality); ``+inf`` for a state whose kernel the dissipator feeds.
    """
    rho = _rho_of(state, model, None)  # dtype kept, as entropy_rate
    if not isinstance(betas, dict):
        betas = {c: betas for c in model.channel_names}
    missing = [c for c in model.channel_names if c not in betas]
    if missing:
        raise ValueError(f"betas has no inverse temperature for the channels {missing} of the model")
    for c in model.channel_names:
        check_positive(betas[c], f"betas[{c!r}]")
    extra = sorted(set(betas) - set(model.channel_names))
    if extra:
        raise ValueError(f"betas names channels {extra} that the model does not have {list(model.channel_names)}")
    d = dissipator_action(model, rho)
    heat = _heat_of(d, _heat_energy(model, energy))  # matrix_heat_flows, reusing d
    sigma = _entropy_rate(rho, sum(d.values()), 1e-12) - sum(betas[c] * heat[c] for c in model.channel_names)
    beta_ok = bounds_hold([positive(f"betas[{c!r}]", betas[c]) for c in model.channel_names])  # traced betas
    return jnp.where(beta_ok, sigma, jnp.nan)


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


def ergotropy(rho, h, *, charges=None):
    """Ergotropy ``Tr[h rho] - Tr[h rho_passive]`` (seed 004, eq. 35).

    The passive state pairs the eigenvalues of ``rho`` in decreasing order with
    the energies of ``h`` in increasing order.  ``charges`` (optional): diagonal
    quantum numbers conserved by both ``rho`` and ``h``; the spectra are then
    computed block by block (exact, much cheaper).
    """
    check_square(h, "h")
    check_square(rho, "rho", np.shape(h)[0])
    return chained_ergotropy(rho, h, charges=charges)


def chained_ergotropy(rho, h, *, charges=None, dep=None):
    """:func:`ergotropy` whose eigen-solves wait for ``dep`` (engine code that runs several
    batched LAPACK calls in one program chains them: jaxlib 0.10.2 CPU deadlock)."""
    rho = 0.5 * (rho + jnp.conj(rho.T))
    if charges is not None:
        p, _ = block_eigvalsh(rho, charges, dep)
        e, _ = block_eigvalsh(h, charges, p)
    else:
        p = jnp.linalg.eigvalsh(rho if dep is None else after(rho, dep))
        e = jnp.linalg.eigvalsh(after(h, p))
    p = jnp.sort(p)[::-1]
    e = jnp.sort(e)
    return jnp.sum(jnp.real(h * rho.T)) - jnp.sum(p * e)
