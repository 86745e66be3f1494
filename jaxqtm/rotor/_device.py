"""Steady-state thermodynamics of the qubit--rotor device (seed 004, secs. II--III)."""

from __future__ import annotations

import functools
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._checks import Bound, batch_shape, bounds_hold, check_bounds, check_range, check_type
from .._numerics import after, is_traced
from .._results import RESULTS, AbstractResult, combine, finish, first_failure, nan_where_invalid
from ..lindblad import (
    AbstractMasterEquation,
    GlobalME,
    LocalME,
    block_eigvalsh,
    channel_table,
    evolve,
    partial_trace,
    steady_state,
)
from ..lindblad._thermo import chained_ergotropy
from ._model import (
    RotorParams,
    check_truncation,
    hamiltonian_parts,
    operators,
    param_violation,
    rotor_model,
    validate_params,
)


class DeviceResult(AbstractResult):
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
    ``result`` (:class:`jaxqtm.RESULTS`): the steady state's code, else
    ``truncation_edge`` when the edge population exceeds ``edge_tol``, else
    ``nonfinite``; invalid (traced) parameters give ``invalid_parameters``.
    ``truncation_ok`` and ``ok`` are properties.
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
    edge_tol: jax.Array
    result: RESULTS

    @property
    def truncation_ok(self):
        """Rotor population at ``|l| = L`` below ``edge_tol``."""
        return self.edge_population < self.edge_tol


def _observables(p, truncation, model, rho, local, dep=None) -> dict[str, Any]:
    o = operators(truncation)
    h0, hi = hamiltonian_parts(p, truncation)
    h = h0 + hi
    e_heat = h0 if local else h
    # one pass over all observables: columns (hamiltonian, *channels)
    names = ("hamiltonian",) + model.channel_names
    table = channel_table(model, rho, [e_heat, hi, h, o["lz2"], o["lz"], h0])
    col = {k: i for i, k in enumerate(names)}
    r_heat, r_int, r_full, r_lz2, r_lz, r_h0 = ({k: table[j, col[k]] for k in names} for j in range(6))
    q_cold, q_hot = r_heat["cold"], r_heat["hot"]
    has_load = "load" in model.channels
    q_load = r_h0["load"] if has_load else jnp.zeros(())
    if local:
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
    e_tot = chained_ergotropy(rho, h, charges=o["charges"], dep=dep)
    e_q = chained_ergotropy(rq, hq, dep=e_tot)
    e_1 = chained_ergotropy(r1, p.b1 * sz, dep=e_q)
    e_2 = chained_ergotropy(r2, p.b2 * sz, dep=e_1)
    e_r = chained_ergotropy(rr, hr, dep=e_2)
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
    )


def _nonfinite(*xs):
    return ~jnp.all(jnp.stack([jnp.all(jnp.isfinite(x)) for x in xs]))


@eqx.filter_jit
def _device_kernel(p, truncation, equation, edge_tol):
    model = rotor_model(p, truncation, equation=equation)
    ss = steady_state(model, throw=False)
    obs = _observables(p, truncation, model, ss.rho, isinstance(equation, LocalME), dep=ss.min_eigenvalue)
    result = combine(
        first_failure((param_violation(p), RESULTS.invalid_parameters)),
        ss.result,
        first_failure(
            (~(obs["edge_population"] < edge_tol), RESULTS.truncation_edge),
            (_nonfinite(*obs.values()), RESULTS.nonfinite),
        ),
    )
    out = DeviceResult(
        **obs,
        residual=ss.residual,
        trace=ss.trace,
        min_eigenvalue=ss.min_eigenvalue,
        edge_tol=edge_tol,
        result=result,
    )
    return nan_where_invalid(result, out)


def _check_call(params, truncation, equation, edge_tol=None):
    truncation = check_truncation(truncation)
    validate_params(params)
    check_type(equation, "equation", (LocalME, GlobalME), "LocalME() or GlobalME(...)")
    if edge_tol is not None:
        check_range(edge_tol, "edge_tol", 0.0, 1.0, lo_open=True, hi_open=True)
    return truncation


def solve_device(
    params: RotorParams,
    truncation: int,
    *,
    equation: AbstractMasterEquation = LocalME(),
    edge_tol: float = 1e-6,
    throw: bool = True,
) -> DeviceResult:
    """Steady state of the device and all its thermodynamic quantities.

    **Arguments:**

    - ``params``: :class:`RotorParams`; fields may carry a common batch shape
      (broadcast), the kernel is then ``vmap``-ed over it.
    - ``truncation``: rotor cut-off ``L`` (basis ``l = -L..L``).
    - ``equation``: :class:`~jaxqtm.lindblad.LocalME` (collision model, default) or
      :class:`~jaxqtm.lindblad.GlobalME` (semi-global ME with its ``secular_tol``, ``cutoff``).
    - ``edge_tol``: largest acceptable rotor population at ``|l| = L``.
    - ``throw``: raise when a point fails (state at the truncation edge, solve not
      accurate, ...); ``throw=False`` returns the flagged result (``result``, ``ok``).

    **Returns:** :class:`DeviceResult` (batched like ``params``).  The same code path
    with and without ``jit``.  Differentiable w.r.t. every parameter (implicit
    differentiation).
    """
    truncation = _check_call(params, truncation, equation, edge_tol)
    shape = batch_shape(params)
    tol = jnp.float64(edge_tol)
    if shape == ():
        res = _device_kernel(params, truncation, equation, tol)
    else:
        flat = jax.tree_util.tree_map(
            lambda v: jnp.broadcast_to(jnp.asarray(v, jnp.float64), shape).reshape(-1), params
        )
        kernel = functools.partial(_device_kernel, truncation=truncation, equation=equation, edge_tol=tol)
        # local and global ME alike: one vmapped kernel (the global builder works on
        # the charge blocks with fixed shapes: block eigh, eigen-operator entries and
        # Bohr-frequency clusters of O(n) entries, see lindblad.global_model)
        res = jax.vmap(kernel)(flat)
        res = jax.tree_util.tree_map(lambda v: v.reshape(shape + v.shape[1:]), res)
    return finish(res, throw=throw, what=f"rotor.solve_device (truncation L = {truncation})", detail=_detail)


def _detail(res, idx):
    return (
        f"population at |l| = L is {float(res.edge_population[idx]):.3e}, edge_tol = {float(res.edge_tol[idx]):g}; "
        f"steady-state residual {float(res.residual[idx]):.2e}, min eigenvalue {float(res.min_eigenvalue[idx]):.2e}"
    )


class Rectification(AbstractResult):
    """Heat and angular-momentum rectification of the device (eqs. 38--44).

    ``q`` = ``Q_2`` (heat into the device from bath 2), ``q_swap`` = ``Q_1`` after
    exchanging ``beta1`` and ``beta2``; ``R = |(Q - Q_swap)/(Q + Q_swap)|``,
    ``J = max(|Q|, |Q_swap|)/(lam g^2)``, ``Gamma = alpha R + (1 - alpha) J``; the
    angular versions use ``<L_z>`` (``J_angular`` not rescaled, eq. 43).  ``result``
    combines both solves and flags non-finite ratios; ``lam = 0`` or ``g = 0`` (``J`` would
    be ``0/0``) is rejected at the boundary and flagged ``invalid_parameters`` when traced.
    """

    q: jax.Array
    q_swap: jax.Array
    R: jax.Array
    J: jax.Array
    Gamma: jax.Array
    lz: jax.Array
    lz_swap: jax.Array
    R_angular: jax.Array
    J_angular: jax.Array
    Gamma_angular: jax.Array
    result: RESULTS


def rectification(
    params: RotorParams,
    truncation: int,
    *,
    alpha=0.5,
    equation: AbstractMasterEquation = GlobalME(),
    edge_tol: float = 1e-6,
    throw: bool = True,
) -> Rectification:
    """Heat and angular-momentum rectification (eqs. 38--44), batched like ``params``;
    see :class:`Rectification`.  Two steady states (the device and its swapped twin)."""
    truncation = _check_call(params, truncation, equation, edge_tol)
    check_range(alpha, "alpha", 0.0, 1.0)
    # J is normalised by the three-body coupling: lam = 0 or g = 0 leave it 0/0
    coupled = [Bound("|RotorParams.lam| (rectification)", jnp.abs(params.lam), 0.0, lo_open=True)]
    coupled.append(Bound("RotorParams.g (rectification)", params.g, 0.0, lo_open=True))
    check_bounds(coupled)
    a = solve_device(params, truncation, equation=equation, edge_tol=edge_tol, throw=False)
    # The swapped solve must not run concurrently with the first one (two batched LU calls
    # at once can deadlock jaxlib 0.10.2 on CPU, jaxqtm/_numerics.after): a data dependency
    # orders them in one program, and eager calls wait for the first result.
    swapped = after(params.swapped(), a)
    if not is_traced(a):
        jax.block_until_ready(a)
    s = solve_device(swapped, truncation, equation=equation, edge_tol=edge_tol, throw=False)
    q, qs = a.q_hot, s.q_cold
    r = jnp.abs((q - qs) / (q + qs))
    j = jnp.maximum(jnp.abs(q), jnp.abs(qs)) / (jnp.abs(params.lam) * params.g**2)
    ra = jnp.abs((a.lz - s.lz) / (a.lz + s.lz))
    ja = jnp.maximum(jnp.abs(a.lz), jnp.abs(s.lz))
    nonfinite = ~(jnp.isfinite(r) & jnp.isfinite(j) & jnp.isfinite(ra) & jnp.isfinite(ja))
    result = combine(
        first_failure((~bounds_hold(coupled, elementwise=True), RESULTS.invalid_parameters)),
        a.result,
        s.result,
        first_failure((nonfinite, RESULTS.nonfinite)),
    )
    out = Rectification(
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
        result=result,
    )
    return finish(out, throw=throw, what="rotor.rectification")


def evolve_device(
    params: RotorParams,
    ts,
    truncation: int,
    *,
    equation: AbstractMasterEquation = LocalME(),
    load: bool = True,
    rho0=None,
) -> DeviceResult:
    """Time evolution of the device and its thermodynamics along the way.

    ``rho0`` defaults to each qubit thermal at its bath temperature (w.r.t.
    ``B_i s_iz``) times the rotor at rest ``|l=0><l=0|``.  Returns a
    :class:`DeviceResult` with a leading time axis (``w_kin``, ``w_net`` are now
    non-zero; ``residual``, ``trace``, ``min_eigenvalue`` describe each state).
    """
    truncation = _check_call(params, truncation, equation)
    o = operators(truncation)
    d = 2 * truncation + 1
    if rho0 is None:

        def qubit(beta, b):
            w = jnp.array([jnp.exp(-beta * b), jnp.exp(beta * b)])
            return jnp.diag(w / jnp.sum(w))

        rot = jnp.zeros((d, d)).at[truncation, truncation].set(1.0)
        rho0 = jnp.kron(jnp.kron(qubit(params.beta1, params.b1), qubit(params.beta2, params.b2)), rot)
    model = rotor_model(params, truncation, equation=equation, load=load)
    ev = evolve(model, rho0, ts, throw=False)  # its flag joins every point's result below

    def one(rho):
        obs = _observables(params, truncation, model, rho, isinstance(equation, LocalME))
        tr = jnp.real(jnp.trace(rho))
        herm = 0.5 * (rho + jnp.conj(rho.T))
        # chained after the ergotropies' eigen-solves (no concurrent batched LAPACK)
        mine = jnp.min(block_eigvalsh(herm, o["charges"], obs["ergotropy_rotor"])[0])
        result = combine(
            ev.result,
            first_failure(
                (_nonfinite(*obs.values()), RESULTS.nonfinite),
                (mine <= -1e-9, RESULTS.not_positive),
                (jnp.abs(tr - 1.0) >= 1e-9, RESULTS.not_normalised),
            ),
        )
        return DeviceResult(
            **obs,
            residual=jnp.asarray(jnp.nan),
            trace=tr,
            min_eigenvalue=mine,
            edge_tol=jnp.float64(1.0),
            result=result,
        )

    out = jax.vmap(one)(ev.rho)
    return nan_where_invalid(out.result, out)
