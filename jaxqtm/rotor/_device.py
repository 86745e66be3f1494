"""Steady-state thermodynamics of the qubit--rotor device (seed 004, secs. II--III)."""

from __future__ import annotations

import functools

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ..lindblad import (
    channel_table,
    ergotropy,
    evolve,
    partial_trace,
    steady_state,
)
from ..lindblad._thermo import block_eigvalsh
from .._sequence import after
from ..lindblad._validate import is_concrete
from ._model import (
    RotorParams,
    check_truncation,
    hamiltonian_parts,
    operators,
    rotor_model,
    validate_params,
)


class DeviceResult(eqx.Module):
    """Steady-state (or instantaneous) thermodynamics of the device.

    Heat flows into the system (positive = energy enters the device):
    ``q_cold`` (qubit 1's bath), ``q_hot`` (qubit 2's bath), ``q_load``.  For
    the local ME they are measured with the bare ``H_S0`` (eqs. 18, 21) and
    ``w_q`` (eqs. 22--24), ``w_r`` (eq. 25) are the work terms; for the global
    ME heat is measured with ``H_S`` (eq. 29) and ``w_q = 0``; ``q_load``,
    ``w_r`` as in eq. 28.  ``first_law`` = dU_S/dt - (sum of all flows) (zero by
    construction) and ``energy_rate`` = dU_S/dt (zero in a steady state).
    Rotor: ``lz``, ``lz2`` expectations; powers (eqs. 30--34) ``w_kin``,
    ``w_int``, ``q_ba``, ``w_net``.  Ergotropies (eq. 35) of the whole device
    (``H_S``), the two qubits (``B1 s1z + B2 s2z``), each qubit, the rotor
    (``L_z^2/2I``).  ``edge_population``: rotor population at ``|l| = L``.
    Steady-state diagnostics ``residual``, ``trace``, ``min_eigenvalue``;
    ``truncation_ok`` = edge population below the tolerance; ``ok`` = solve
    and truncation both fine.
    """

    q_cold: jax.Array
    q_hot: jax.Array
    q_load: jax.Array
    w_q: jax.Array
    w_r: jax.Array
    energy_rate: jax.Array
    first_law: jax.Array
    lz: jax.Array
    lz2: jax.Array
    w_kin: jax.Array
    w_int: jax.Array
    q_ba: jax.Array
    w_net: jax.Array
    ergotropy_total: jax.Array
    ergotropy_qubits: jax.Array
    ergotropy_qubit1: jax.Array
    ergotropy_qubit2: jax.Array
    ergotropy_rotor: jax.Array
    edge_population: jax.Array
    rotor_populations: jax.Array
    residual: jax.Array
    trace: jax.Array
    min_eigenvalue: jax.Array
    truncation_ok: jax.Array
    ok: jax.Array


def _observables(p, truncation, model, rho, master_equation, edge_tol, dep=None):
    o = operators(truncation)
    h0, hi = hamiltonian_parts(p, truncation)
    h = h0 + hi
    e_heat = h0 if master_equation == "local" else h
    # one pass over all observables: columns (hamiltonian, *channels)
    names = ("hamiltonian",) + model.channel_names
    table = channel_table(model, rho, [e_heat, hi, h, o["lz2"], o["lz"], h0])
    col = {k: i for i, k in enumerate(names)}
    r_heat, r_int, r_full, r_lz2, r_lz, r_h0 = (
        {k: table[j, col[k]] for k in names} for j in range(6)
    )
    q_cold, q_hot = r_heat["cold"], r_heat["hot"]
    has_load = "load" in model.channels
    q_load = r_h0["load"] if has_load else jnp.zeros(())
    if master_equation == "local":
        w_q = r_int["cold"] + r_int["hot"]
    else:
        w_q = jnp.zeros(())
    w_r = r_int["load"] if has_load else jnp.zeros(())
    du = sum(r_full.values())
    first = du - (q_cold + q_hot + q_load + w_q + w_r)
    # diagonal observables: Tr[O rho] from the diagonals (no n^3 matmul)
    lz = jnp.sum(np.real(np.diagonal(o["lz"])) * jnp.real(jnp.diagonal(rho)))
    lz2 = jnp.sum(np.real(np.diagonal(o["lz2"])) * jnp.real(jnp.diagonal(rho)))
    inv2i = 1.0 / (2.0 * p.inertia)
    w_int = inv2i * r_lz2["hamiltonian"]
    q_ba = inv2i * (sum(r_lz2.values()) - r_lz2["hamiltonian"])
    w_kin = w_int + q_ba
    w_net = lz * sum(r_lz.values()) / p.inertia
    dims = o["dims"]
    rq = partial_trace(rho, dims, [0, 1])
    r1 = partial_trace(rho, dims, [0])
    r2 = partial_trace(rho, dims, [1])
    rr = partial_trace(rho, dims, [2])
    sz = jnp.diag(jnp.array([1.0, -1.0]))
    hq = p.b1 * jnp.kron(sz, jnp.eye(2)) + p.b2 * jnp.kron(jnp.eye(2), sz)
    lzr = jnp.asarray(o["rotor_lz"])
    hr = (lzr @ lzr) * inv2i
    pops = jnp.real(jnp.diagonal(rr))
    edge = pops[0] + pops[-1]
    # ergotropies: eigenvalues block by block (rho and H_S conserve the charges)
    # and every eigen-solve chained after the previous one (no two concurrent
    # batched LAPACK calls under vmap: jaxlib 0.10.2 CPU deadlock)
    e_tot = ergotropy(rho, h, charges=o["charges"], dep=dep)
    e_q = ergotropy(rq, hq, dep=e_tot)
    e_1 = ergotropy(r1, p.b1 * sz, dep=e_q)
    e_2 = ergotropy(r2, p.b2 * sz, dep=e_1)
    e_r = ergotropy(rr, hr, dep=e_2)
    return dict(
        q_cold=q_cold,
        q_hot=q_hot,
        q_load=q_load,
        w_q=w_q,
        w_r=w_r,
        energy_rate=du,
        first_law=first,
        lz=lz,
        lz2=lz2,
        w_kin=w_kin,
        w_int=w_int,
        q_ba=q_ba,
        w_net=w_net,
        ergotropy_total=e_tot,
        ergotropy_qubits=e_q,
        ergotropy_qubit1=e_1,
        ergotropy_qubit2=e_2,
        ergotropy_rotor=e_r,
        edge_population=edge,
        rotor_populations=pops,
        truncation_ok=edge < edge_tol,
    )


@functools.partial(jax.jit, static_argnames=("truncation", "master_equation"))
def _device_kernel(p, truncation, master_equation, edge_tol):
    model = rotor_model(p, truncation, master_equation=master_equation)
    ss = steady_state(model)
    obs = _observables(p, truncation, model, ss.rho, master_equation, edge_tol, dep=ss.min_eigenvalue)
    return DeviceResult(
        **obs,
        residual=ss.residual,
        trace=ss.trace,
        min_eigenvalue=ss.min_eigenvalue,
        ok=ss.ok & obs["truncation_ok"],
    )


def _batch_shape(p: RotorParams):
    shapes = [jnp.shape(v) for v in jax.tree_util.tree_leaves(p)]
    return jnp.broadcast_shapes(*shapes) if shapes else ()


def solve_device(
    params: RotorParams,
    *,
    truncation: int,
    master_equation: str = "local",
    edge_tol: float = 1e-6,
) -> DeviceResult:
    """Steady state of the device and all its thermodynamic quantities.

    **Arguments:**

    - ``params``: :class:`RotorParams`; fields may carry a common batch shape
      (broadcast), the kernel is then ``vmap``-ed over it.
    - ``truncation``: rotor cut-off ``L`` (basis ``l = -L..L``).
    - ``master_equation``: ``"local"`` (collision model) or ``"global"``.
    - ``edge_tol``: largest acceptable rotor population at ``|l| = L``.

    **Returns:** :class:`DeviceResult` (batched like ``params``).  An unbatched
    call whose state reaches the truncation edge raises ``ValueError``; in a
    batch the point is flagged (``truncation_ok``/``ok`` False) instead.
    Differentiable w.r.t. every parameter (implicit differentiation).
    """
    truncation = check_truncation(truncation)
    validate_params(params)
    if master_equation not in ("local", "global"):
        raise ValueError(f"master_equation must be 'local' or 'global'; got {master_equation!r}")
    if not (0 < float(edge_tol) < 1):
        raise ValueError(f"edge_tol must lie in (0, 1); got {edge_tol}")
    shape = _batch_shape(params)
    if shape == ():
        res = _device_kernel(params, truncation, master_equation, jnp.float64(edge_tol))
        if is_concrete(res.edge_population) and not bool(res.truncation_ok):
            raise ValueError(
                f"truncation L = {truncation} cuts the rotor state off: population at |l| = L is "
                f"{float(res.edge_population):.3e} > edge_tol = {edge_tol:g}; increase truncation"
            )
        return res
    flat = jax.tree_util.tree_map(
        lambda v: jnp.broadcast_to(jnp.asarray(v, jnp.float64), shape).reshape(-1), params
    )
    kernel = functools.partial(
        _device_kernel, truncation=truncation, master_equation=master_equation,
        edge_tol=jnp.float64(edge_tol),
    )
    # local and global ME alike: one vmapped kernel (the global builder works on
    # the charge blocks with fixed shapes: block eigh, eigen-operator entries and
    # Bohr-frequency clusters of O(n) entries, see lindblad.global_model)
    res = jax.vmap(kernel)(flat)
    return jax.tree_util.tree_map(lambda v: v.reshape(shape + v.shape[1:]), res)


def rectification(
    params: RotorParams,
    *,
    truncation: int,
    alpha=0.5,
    master_equation: str = "global",
    edge_tol: float = 1e-6,
) -> dict:
    """Heat and angular-momentum rectification (eqs. 38--44).

    ``Q = Q_2`` (heat into the device from bath 2), ``Q_swap = Q_1`` after
    exchanging ``beta1`` and ``beta2``; ``R = |(Q - Q_swap)/(Q + Q_swap)|``,
    ``J = max(|Q|, |Q_swap|)/(lam g^2)``, ``Gamma = alpha R + (1 - alpha) J``;
    the angular versions use ``<L_z>`` (``J_angular`` not rescaled, eq. 43).
    Returns a dict of arrays (batched like ``params``) incl. ``ok``.
    """
    a = solve_device(params, truncation=truncation, master_equation=master_equation, edge_tol=edge_tol)
    # The swapped solve must not run concurrently with the first one (two batched LU calls at
    # once can deadlock jaxlib 0.10.2 on CPU, jaxqtm/_sequence.py): a data dependency when
    # traced, and waiting for the first result when executed eagerly.
    swapped = after(params.swapped(), a)
    if not any(isinstance(x, jax.core.Tracer) for x in jax.tree_util.tree_leaves(a)):
        jax.block_until_ready(a)
    s = solve_device(swapped, truncation=truncation, master_equation=master_equation, edge_tol=edge_tol)
    q, qs = a.q_hot, s.q_cold
    r = jnp.abs((q - qs) / (q + qs))
    j = jnp.maximum(jnp.abs(q), jnp.abs(qs)) / (params.lam * params.g**2)
    ra = jnp.abs((a.lz - s.lz) / (a.lz + s.lz))
    ja = jnp.maximum(jnp.abs(a.lz), jnp.abs(s.lz))
    return dict(
        q=q,
        q_swap=qs,
        R=r,
        J=j,
        Gamma=alpha * r + (1 - alpha) * j,
        lz=a.lz,
        lz_swap=s.lz,
        R_angular=ra,
        J_angular=ja,
        Gamma_angular=alpha * ra + (1 - alpha) * ja,
        ok=a.ok & s.ok,
    )


def evolve_device(
    params: RotorParams,
    ts,
    *,
    truncation: int,
    master_equation: str = "local",
    load: bool = True,
    rho0=None,
) -> DeviceResult:
    """Time evolution of the device and its thermodynamics along the way.

    ``rho0`` defaults to each qubit thermal at its bath temperature (w.r.t.
    ``B_i s_iz``) times the rotor at rest ``|l=0><l=0|``.  Returns a
    :class:`DeviceResult` with a leading time axis (``w_kin``, ``w_net`` are now
    non-zero; ``residual``, ``trace``, ``min_eigenvalue`` describe each state).
    """
    truncation = check_truncation(truncation)
    validate_params(params)
    o = operators(truncation)
    d = 2 * truncation + 1
    if rho0 is None:
        def qubit(beta, b):
            w = jnp.array([jnp.exp(-beta * b), jnp.exp(beta * b)])
            return jnp.diag(w / jnp.sum(w))

        rot = jnp.zeros((d, d)).at[truncation, truncation].set(1.0)
        rho0 = jnp.kron(jnp.kron(qubit(params.beta1, params.b1), qubit(params.beta2, params.b2)), rot)
    model = rotor_model(params, truncation, master_equation=master_equation, load=load)
    ev = evolve(model, rho0, ts)

    def one(rho):
        obs = _observables(params, truncation, model, rho, master_equation, 1.0)
        tr = jnp.real(jnp.trace(rho))
        herm = 0.5 * (rho + jnp.conj(rho.T))
        # chained after the ergotropies' eigen-solves (no concurrent batched LAPACK)
        mine = jnp.min(block_eigvalsh(herm, o["charges"], obs["ergotropy_rotor"]))
        return DeviceResult(**obs, residual=jnp.nan, trace=tr, min_eigenvalue=mine, ok=mine > -1e-9)

    return jax.vmap(one)(ev.rho)
