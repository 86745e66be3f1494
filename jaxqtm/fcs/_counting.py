"""Full counting statistics of jump-counted currents of a GKSL master equation.

Model: ``drho/dt = L rho = -i[H, rho] + sum_k gamma_k D[c_k] rho``.  A current
``a`` counts every jump of channel ``k`` with weight ``w_ak`` (energy quanta,
excitations, angular momentum ...).  Its counting field tilts the jump terms,

    L(chi) = L + sum_k (exp(i chi w_ak) - 1) J_k,    J_k rho = gamma_k c_k rho c_k^dag,

and the scaled cumulant generating function is the eigenvalue of ``L(chi)``
that vanishes at ``chi = 0``.  Its Taylor coefficients follow from
Rayleigh--Schroedinger perturbation theory around the steady state (the
recursive scheme of Flindt et al., PRB 82, 155407 (2010)): with
``L_p = d^p L / d(i chi)^p |_0 = sum_k w_ak^p J_k``, ``rho^(0) = rho_ss``,

    c_p       = sum_{q=1}^{p} C(p, q) tr[L_q rho^(p-q)],
    rho^(p)   = L^D sum_{q=1}^{p} C(p, q) (c_q - L_q) rho^(p-q),

with ``L^D`` the Drazin inverse, applied with the same LU factorisation as the
steady state (``jaxqtm.lindblad._linsolve``: one bordered system serves both).
Everything runs on the Liouville-space block of ``space`` (the model's U(1) charge
sector by default): the jump superoperators ``J_k`` are the ``jumps`` of the GKSL
core's :class:`~jaxqtm.lindblad.SectorGenerator`.  ``c_1`` is the mean current, ``c_2`` the zero-frequency noise
``S = lim Var(N_t)/t`` (QuTiP's ``countstat_current_noise`` convention,
``S = sum_k w_k^2 <J_k> - 2 Re tr[L_1 L^D L_1 rho]``), ``c_3`` the skewness, ...
The cross noise of two currents is
``S_ab = tr[L_2^{ab} rho] - tr[L_1^a L^D L_1^b rho] - tr[L_1^b L^D L_1^a rho]``.

*Operator weights.*  A jump operator that is not an eigen-operator of the
counted quantity ``W`` (e.g. the rotor-load operators ``e^{+-i phi}(1 -+ a L_z)``
for the rotor's kinetic energy) has no single weight.  With
``weight_operators[k] = W`` the jump term is tilted symmetrically,
``J_k(chi) = E_chi J_k E_{-chi}`` with ``E_chi X = e^{i chi W/2} X e^{i chi W/2}``:
a component of ``c_k`` that changes ``W`` by ``omega`` gets ``e^{i chi omega}``, a
coherence between components ``omega, omega'`` gets ``e^{i chi (omega+omega')/2}``.
Then ``L_p = ad_A^p(J_k)`` with ``A X = (W X + X W)/2``.  For an eigen-operator
this is exactly the scalar weight ``omega``; in general the mean current is
exactly ``tr[W gamma_k D[c_k] rho]`` (tested), higher cumulants rest on this
symmetric assignment.
"""

from __future__ import annotations

from math import comb

import equinox as eqx
import jax
import jax.numpy as jnp

from .._checks import check_int, check_type
from .._results import RESULTS, AbstractResult, combine, finish, first_failure, nan_where_invalid
from ..lindblad import AbstractSpace, AbstractSteadySolver, AutoSolver, AutoSpace, LindbladModel, sector_generator
from ..lindblad._generator import left_right_sector, liouville_operator
from ..lindblad._linsolve import bordered_lu, resolve_solver
from ..lindblad._sector import sector_pairs
from ..lindblad._space import space_charges
from ..lindblad._steady import diagnose
from ._currents import Currents, check_currents

# --------------------------------------------------------------------------- result


class CountingStatistics(AbstractResult):
    """Zero-frequency counting statistics of one or more currents in the steady state.

    **Fields:**

    - ``mean``: ``(C,)`` mean currents ``<N_a>/t``.
    - ``noise``: ``(C, C)`` zero-frequency (cross) noise ``S_ab = lim Cov(N_a, N_b)/t``
      (QuTiP's convention; the diffusion coefficient is ``S/2``).
    - ``cumulants``: ``(C, order)`` scaled cumulants ``c_1 .. c_order`` of each current.
    - ``rho``: ``(n, n)`` steady state (computational basis); ``residual`` its
      steady-state residual; ``result`` (:class:`jaxqtm.RESULTS`): the steady state's
      code (solver tolerances), else ``nonfinite``; ``ok`` = successful.
    """

    mean: jax.Array
    noise: jax.Array
    cumulants: jax.Array
    rho: jax.Array
    residual: jax.Array
    result: RESULTS

    @property
    def diffusion(self):
        """Diffusion coefficients ``D_a = S_aa / 2``."""
        return 0.5 * jnp.diagonal(self.noise, axis1=-2, axis2=-1)

    @property
    def fano(self):
        """Fano factors ``S_aa / <J_a>``."""
        return jnp.diagonal(self.noise, axis1=-2, axis2=-1) / self.mean


# --------------------------------------------------------------------------- the series


def cumulant_series(deriv_apply, w, rho, tvec, drazin, order):
    """Scaled cumulants ``(C, order)`` and the cross-noise matrix ``(C, C)``.

    ``deriv_apply(p, x)``: ``(B, m) -> (B, K, m)``, the ``p``-th counting-field
    derivative of each jump superoperator (without its weight) applied to each row of
    ``x``; ``w``: ``(C, K)`` weights; ``drazin(y)``: ``L^D (1 - P) y`` row by row.  All
    vectors carry a leading batch axis, so many right-hand sides go through ONE matrix
    solve (vmap over a solve becomes a batched triangular solve, slow on CPU).
    """
    m = rho.shape[0]
    wc = w.astype(rho.dtype)
    nc = w.shape[0]

    def lp(p, x):
        """(C, m) -> (C, m): L_p of current c applied to row c of x."""
        return jnp.einsum("ck,ckm->cm", wc**p, deriv_apply(p, x))

    rhos = [jnp.broadcast_to(rho, (nc, m))]
    outs = []
    for p in range(1, order + 1):
        c_p = sum(comb(p, q) * (lp(q, rhos[p - q]) @ tvec) for q in range(1, p + 1))  # (C,)
        outs.append(c_p)
        if p < order:
            y = sum(comb(p, q) * (outs[q - 1][:, None] * rhos[p - q] - lp(q, rhos[p - q])) for q in range(1, p + 1))
            rhos.append(drazin(y))
    cums = jnp.stack(outs, axis=1).real  # (C, order)
    # cross noise: x_b = L^D (1-P) L_1^b rho;  S_ab = tr L_2^ab rho - tr L_1^a x_b - tr L_1^b x_a
    d1rho = deriv_apply(1, rho[None])[0]  # (K, m)
    xs = drazin(wc @ d1rho)  # (C, m)
    cross = wc @ (deriv_apply(1, xs) @ tvec).T  # (C_a, C_b)
    l2 = jnp.einsum("ak,bk,k->ab", wc, wc, deriv_apply(2, rho[None])[0] @ tvec)
    noise = (l2 - cross - cross.T).real
    return cums, 0.5 * (noise + noise.T)


def _tilt(jblocks, ablocks, op_mask):
    """``deriv_apply`` of :func:`cumulant_series` for jump blocks ``(K, m, m)``.

    Scalar-weighted jump: ``J_k``; operator-weighted one: ``ad_A^p(J_k) =
    sum_q C(p,q) (-1)^(p-q) A^q J A^(p-q)`` -- mat-vecs only, never ``m x m`` products.
    """
    opm = jnp.asarray(op_mask)
    nk, m = jblocks.shape[0], jblocks.shape[-1]

    def deriv_apply(p, x):
        jx = jnp.einsum("kij,bj->bki", jblocks, x)
        if not any(op_mask):
            return jx
        ax = [jnp.broadcast_to(x[:, None, :], (x.shape[0], nk, m))]
        for _ in range(p):
            ax.append(jnp.einsum("kij,bkj->bki", ablocks, ax[-1]))
        acc = 0.0
        for q in range(p + 1):
            y = jnp.einsum("kij,bkj->bki", jblocks, ax[p - q])
            for _ in range(q):
                y = jnp.einsum("kij,bkj->bki", ablocks, y)
            acc = acc + comb(p, q) * (-1) ** (p - q) * y
        return jnp.where(opm[None, :, None], acc, jx)

    return deriv_apply


# --------------------------------------------------------------------------- entry points


def counting_statistics(
    model: LindbladModel,
    currents: Currents,
    *,
    order: int = 2,
    space: AbstractSpace = AutoSpace(),
    solver: AbstractSteadySolver = AutoSolver(),
    throw: bool = True,
) -> CountingStatistics:
    r"""Steady-state mean, noise and higher cumulants of jump-counted currents.

    **Arguments:**

    - ``model``: a :class:`~jaxqtm.lindblad.LindbladModel` (local, global, from QuTiP, a
      machine's builder such as :func:`jaxqtm.rotor.rotor_model`).
    - ``currents``: :class:`Currents` -- one weight per model term and current, optional
      operator weights.
    - ``order``: highest scaled cumulant computed for each current (1..8; ``order - 1``
      extra linear solves per current).  The cross-noise matrix is always computed.
    - ``space``: the Liouville-space block (:class:`~jaxqtm.lindblad.AutoSpace`: the model's
      charge sector when it has charges; :class:`~jaxqtm.lindblad.U1Sector`,
      :class:`~jaxqtm.lindblad.FullSpace`).
    - ``solver``: :class:`~jaxqtm.lindblad.AutoSolver` (default: dense LU for small sectors,
      matrix-free :class:`~jaxqtm.lindblad.Krylov` beyond; with Krylov and local terms the
      jump superoperators act as ``n x n`` products, so large ``n`` costs no ``m x m`` block),
      or either solver explicitly; its tolerances are behind ``ok``.
    - ``throw``: raise when the result is not successful; ``throw=False`` under ``vmap``.

    **Returns:** :class:`CountingStatistics`.  Differentiable (``grad``/``jvp``) with respect
    to everything in the model and the currents: derivatives use adjoint solves with the
    same LU factors (implicit differentiation).
    """
    check_currents(model, currents)
    check_type(
        solver, "solver", AbstractSteadySolver, "jaxqtm.lindblad steady-state solver (AutoSolver, BorderedLU, Krylov)"
    )
    order = check_int(order, "order", 1, 8)
    q = space_charges(space, model, dense=False)
    chosen, reason = resolve_solver(solver, sector_pairs(q, model.n)[0].size, model.n)
    if chosen.needs_matrix or any(lab is not None for lab in model.clusters):
        space_charges(space, model, dense=True)  # dense blocks: refuse an oversized full space
    return finish(_kernel(model, currents, q, order, chosen, reason), throw=throw, what="fcs.counting_statistics")


@eqx.filter_jit
def _kernel(model, currents, q, order, solver, reason):
    n = model.n
    op = liouville_operator(model, q, dense=solver.needs_matrix)
    system = solver.linearise(op)
    rho, info, gap = system.steady(getattr(solver, "check_unique", True))
    mask = currents.op_mask
    wops = None
    if any(mask):
        wops = jnp.stack(
            [jnp.zeros((n, n), rho.dtype) if w is None else model.to_work(w) for w in currents.weight_operators]
        )
    if solver.needs_matrix or any(lab is not None for lab in model.clusters):
        # dense sector blocks of the jump superoperators (secular terms have no n x n form)
        gen = sector_generator(model, q)
        ablocks = None
        if wops is not None:
            left, right = left_right_sector(wops, q, n)
            ablocks = 0.5 * (left + right)  # X -> (W X + X W)/2 on the sector; unused where no op
        tilt = _tilt(gen.jumps, ablocks, mask)
    else:
        tilt = _tilt_matrix(model, op, wops, mask)  # n x n products: no m x m block at any size
    cums, noise = cumulant_series(tilt, currents.weights, rho, op.tvec, lambda y: system.drazin(y, rho), order)
    st = diagnose(model, op, rho, solver, info=info, gap=gap, reason=reason)
    finite = jnp.all(jnp.isfinite(cums)) & jnp.all(jnp.isfinite(noise))
    result = combine(st.result, first_failure((~finite, RESULTS.nonfinite)))
    return nan_where_invalid(result, CountingStatistics(cums[:, 0], noise, cums, st.rho, st.residual, result))


def _tilt_matrix(model, op, wops, op_mask):
    """``deriv_apply`` of :func:`cumulant_series` for a model whose terms are all local, in
    ``n x n`` form: ``J_k X = r_k X_k X X_k^dag``, ``A X = (W X + X W)/2`` (sector vectors
    are scattered to matrices and gathered back)."""
    xs = jnp.stack(list(model.ops))
    rs = jnp.stack([jnp.asarray(r, jnp.float64) for r in model.rates])
    xs_h = jnp.conj(jnp.swapaxes(xs, -1, -2))
    opm = jnp.asarray(op_mask)

    def jump(y):  # (B, n, n) or (B, K, n, n) -> (B, K, n, n)
        y = y[:, None] if y.ndim == 3 else y
        return rs[None, :, None, None] * (xs[None] @ y @ xs_h[None])

    def a_op(y):  # (B, K, n, n): (W_k Y + Y W_k)/2
        return 0.5 * (wops[None] @ y + y @ wops[None])

    def deriv_apply(p, x):
        mats = jax.vmap(op.to_matrix)(x)
        jx = jump(mats)
        if not any(op_mask):
            return jax.vmap(jax.vmap(op.from_matrix))(jx)
        nk = xs.shape[0]
        ax = [jnp.broadcast_to(mats[:, None], (mats.shape[0], nk) + mats.shape[1:])]
        for _ in range(p):
            ax.append(a_op(ax[-1]))
        acc = 0.0
        for qq in range(p + 1):
            y = jump(ax[p - qq])
            for _ in range(qq):
                y = a_op(y)
            acc = acc + comb(p, qq) * (-1) ** (p - qq) * y
        out = jnp.where(opm[None, :, None, None], acc, jx)
        return jax.vmap(jax.vmap(op.from_matrix))(out)

    return deriv_apply


def cumulants_from_liouvillian(liouvillian, jump_superops, weights, *, order: int = 2):
    """Same series for a given dense ``(n^2, n^2)`` Liouvillian (row-major ``vec``).

    ``jump_superops``: ``(K, n^2, n^2)`` superoperators ``J_k`` (e.g.
    ``rate * sprepost(c, c^dag)``); ``weights``: ``(C, K)``.  Returns ``(mean, noise,
    cumulants, rho)``.  Useful when the generator is not of the ``H + jumps`` form.
    """
    lmat = jnp.asarray(liouvillian)
    d = lmat.shape[0]
    n = int(round(d**0.5))
    if lmat.shape != (d, d) or n * n != d:
        raise ValueError(f"liouvillian must be (n^2, n^2), got {lmat.shape}")
    js = jnp.asarray(jump_superops)
    if js.ndim != 3 or js.shape[1:] != (d, d):
        raise ValueError(f"jump_superops must have shape (K, {d}, {d}), got {js.shape}")
    w = jnp.asarray(weights)
    w = w[None] if w.ndim == 1 else w
    if w.ndim != 2 or w.shape[1] != js.shape[0]:
        raise ValueError(f"weights must have shape (C, {js.shape[0]}), got {w.shape}")
    order = check_int(order, "order", 1, 8)
    return _kernel_superop(lmat.astype(jnp.complex128), js.astype(jnp.complex128), w, order, n)


@eqx.filter_jit
def _kernel_superop(lmat, js, w, order, n):
    tvec = jnp.eye(n, dtype=lmat.dtype).reshape(-1)
    system = bordered_lu(lmat, tvec)
    rho = system.steady(check_unique=False)[0]
    cums, noise = cumulant_series(
        lambda p, x: jnp.einsum("kij,bj->bki", js, x), w, rho, tvec, lambda y: system.drazin(y, rho), order
    )
    return cums[:, 0], noise, cums, rho.reshape(n, n)
