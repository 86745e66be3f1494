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

with ``L^D`` the Drazin inverse applied through one bordered LU factorisation
(``_linsolve``).  ``c_1`` is the mean current, ``c_2`` the zero-frequency noise
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

from functools import partial
from math import comb

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ._linsolve import bordered_matrix, drazin_apply, make_solver, steady_state_vector
from ._sectors import (
    anticommutator_block,
    check_weak_symmetry,
    full_space_indices,
    jump_blocks,
    liouvillian_block,
    sector_indices,
)


# --------------------------------------------------------------------------- spaces


class AbstractSpace(eqx.Module):
    """Which block of Liouville space the linear algebra runs in."""

    def indices(self, n, h=None, jump_ops=None):  # pragma: no cover - interface
        raise NotImplementedError


class FullSpace(AbstractSpace):
    """The whole ``n^2``-dimensional Liouville space (dense LU, ``O(n^6)``): for ``n`` up to ~40."""

    def indices(self, n, h=None, jump_ops=None):
        return full_space_indices(n)


class U1Sector(AbstractSpace):
    """The ``k = 0`` coherence sector of a weak U(1) symmetry (or of several commuting ones).

    ``charges``: ``diag(Q)`` (length ``n``) or ``(n_charges, n)``.  Requires
    ``[H, Q] = 0`` and jump operators that each shift every ``Q`` by a fixed
    amount (checked on concrete inputs, ``ValueError`` otherwise).  The steady
    state and every counting-field correction then live in the sector, and the
    cumulants are exact while the linear algebra shrinks from ``n^2`` to
    ``sum_q d_q^2``.
    """

    charges: tuple = eqx.field(static=True)
    atol: float = eqx.field(static=True, default=1e-9)

    def __init__(self, charges, atol: float = 1e-9):
        q = np.asarray(charges, dtype=float)
        q = q[None, :] if q.ndim == 1 else q
        if q.ndim != 2:
            raise ValueError(f"U1Sector.charges must have shape (n,) or (n_charges, n), got {q.shape}")
        self.charges = tuple(tuple(float(x) for x in row) for row in q)
        self.atol = float(atol)

    def indices(self, n, h=None, jump_ops=None):
        if len(self.charges[0]) != n:
            raise ValueError(f"U1Sector.charges has length {len(self.charges[0])}, expected Hilbert dimension {n}")
        if h is not None and not _is_traced(h) and not _is_traced(jump_ops):
            check_weak_symmetry(np.asarray(h), np.asarray(jump_ops), self.charges)
        return sector_indices(self.charges, 0.0, self.atol)


# --------------------------------------------------------------------------- result


class CountingStatistics(eqx.Module):
    """Zero-frequency counting statistics of one or more currents in the steady state.

    **Fields:**
    - ``mean``: ``(C,)`` mean currents ``<N_a>/t``.
    - ``noise``: ``(C, C)`` zero-frequency (cross) noise ``S_ab = lim Cov(N_a, N_b)/t``
      (QuTiP's convention; the diffusion coefficient is ``S/2``).
    - ``cumulants``: ``(C, order)`` scaled cumulants ``c_1 .. c_order`` of each current.
    - ``steady_state``: ``(n, n)`` density matrix.
    - ``residual``: ``||L rho||_inf / ||L||_inf``; ``ok``: finite, ``residual < 1e-8`` and
      non-negative populations (flag bad points in batched sweeps instead of raising).
    """

    mean: jax.Array
    noise: jax.Array
    cumulants: jax.Array
    steady_state: jax.Array
    residual: jax.Array
    ok: jax.Array

    @property
    def diffusion(self):
        """Diffusion coefficients ``D_a = S_aa / 2``."""
        return 0.5 * jnp.diagonal(self.noise, axis1=-2, axis2=-1)

    @property
    def fano(self):
        """Fano factors ``S_aa / <J_a>``."""
        return jnp.diagonal(self.noise, axis1=-2, axis2=-1) / self.mean


# --------------------------------------------------------------------------- helpers


def _is_traced(x):
    leaves = jax.tree_util.tree_leaves(x)
    return any(isinstance(leaf, jax.core.Tracer) for leaf in leaves)


def _validate(h, jump_ops, rates, weights, weight_operators, order):
    h = jnp.asarray(h)
    if h.ndim != 2 or h.shape[0] != h.shape[1]:
        raise ValueError(f"h must be a square (n, n) matrix, got shape {h.shape}")
    n = h.shape[0]
    cs = jnp.asarray(jump_ops)
    if cs.ndim == 2:
        cs = cs[None]
    if cs.ndim != 3 or cs.shape[1:] != (n, n) or cs.shape[0] == 0:
        raise ValueError(f"jump_ops must have shape (K, {n}, {n}) with K >= 1, got {cs.shape}")
    nk = cs.shape[0]
    rates = jnp.ones(nk) if rates is None else jnp.asarray(rates)
    if rates.shape != (nk,):
        raise ValueError(f"rates must have shape ({nk},), got {rates.shape}")
    w = jnp.asarray(weights)
    if w.ndim == 1:
        w = w[None]
    if w.ndim != 2 or w.shape[1] != nk:
        raise ValueError(f"weights must have shape (C, {nk}) (C currents x K jump operators), got {w.shape}")
    if not isinstance(order, int) or not 1 <= order <= 8:
        raise ValueError(f"order must be an integer in [1, 8], got {order!r}")
    if not _is_traced((h, rates, w)):
        hn = np.asarray(h)
        if np.max(np.abs(hn - hn.conj().T)) > 1e-10 * max(1.0, np.max(np.abs(hn))):
            raise ValueError("h must be Hermitian")
        if np.any(np.asarray(rates) < 0):
            raise ValueError("rates must be >= 0")
        if np.iscomplexobj(np.asarray(w)) or not np.all(np.isfinite(np.asarray(w))):
            raise ValueError("weights must be finite real numbers")
    mask = tuple(False for _ in range(nk))
    wops = None
    if weight_operators is not None:
        if len(weight_operators) != nk:
            raise ValueError(f"weight_operators must have length K={nk} (None or an (n, n) Hermitian matrix each)")
        mask = tuple(op is not None for op in weight_operators)
        wops = jnp.stack(
            [jnp.zeros((n, n)) if op is None else jnp.asarray(op) for op in weight_operators]
        ).astype(jnp.complex128)
        for k, op in enumerate(weight_operators):
            if op is not None and jnp.shape(op) != (n, n):
                raise ValueError(f"weight_operators[{k}] must have shape ({n}, {n}), got {jnp.shape(op)}")
    return h, cs, rates, w, wops, mask


# --------------------------------------------------------------------------- kernel


@partial(jax.jit, static_argnames=("order", "op_mask", "n"))
def _kernel(h, cs, rates, w, wops, rows, cols, *, order, op_mask, n):
    cdtype = jnp.complex128 if jax.config.jax_enable_x64 else jnp.complex64
    h = h.astype(cdtype)
    cs = cs.astype(cdtype)
    rates = rates.astype(h.real.dtype)
    w = w.astype(h.real.dtype)
    m = rows.shape[0]
    tvec = (rows == cols).astype(cdtype)

    jblocks = jump_blocks(cs, rates, rows, cols)  # (K, m, m)
    lblock = liouvillian_block(h, cs, rates, rows, cols, jblocks)

    # d^p J_k(chi)/d(i chi)^p at 0 (without the scalar weight), applied to a vector:
    # J_k for a scalar-weighted jump; ad_A^p(J_k) = sum_q C(p,q) (-1)^(p-q) A^q J A^(p-q)
    # for an operator-weighted one -- mat-vecs only, never m x m products.
    opm = jnp.asarray(op_mask)
    if any(op_mask):
        ablocks = anticommutator_block(wops.astype(cdtype), rows, cols)  # (K, m, m); unused where no op

    # All vectors carry a leading batch axis: x has shape (B, m).  Many right-hand
    # sides go through ONE matrix solve (vmap over a solve becomes a batched
    # triangular solve, which is slow on CPU).
    def deriv_apply(p, x):
        """(B, m) -> (B, K, m): d^p J_k / d(i chi)^p applied to each row of x."""
        jx = jnp.einsum("kij,bj->bki", jblocks, x)
        if not any(op_mask):
            return jx
        ax = [jnp.broadcast_to(x[:, None, :], (x.shape[0], len(op_mask), m))]
        for _ in range(p):
            ax.append(jnp.einsum("kij,bkj->bki", ablocks, ax[-1]))
        acc = 0.0
        for q in range(p + 1):
            y = jnp.einsum("kij,bkj->bki", jblocks, ax[p - q])
            for _ in range(q):
                y = jnp.einsum("kij,bkj->bki", ablocks, y)
            acc = acc + comb(p, q) * (-1) ** (p - q) * y
        return jnp.where(opm[None, :, None], acc, jx)

    mat = bordered_matrix(lblock, tvec, n)
    solve = make_solver(mat)
    rho = steady_state_vector(solve, m, cdtype)
    wc_ = w.astype(cdtype)
    nc = w.shape[0]

    def lp(p, x):
        """(C, m) -> (C, m): L_p of current c applied to row c of x."""
        return jnp.einsum("ck,ckm->cm", wc_**p, deriv_apply(p, x))

    def drazin_many(y):
        y = y - rho[None, :] * (y @ tvec)[:, None]
        rhs = jnp.concatenate([y.T, jnp.zeros((1, y.shape[0]), y.dtype)], axis=0)
        return solve(rhs)[:-1].T

    rhos = [jnp.broadcast_to(rho, (nc, m))]
    outs = []
    for p in range(1, order + 1):
        c_p = sum(comb(p, q) * (lp(q, rhos[p - q]) @ tvec) for q in range(1, p + 1))  # (C,)
        outs.append(c_p)
        if p < order:
            y = sum(comb(p, q) * (outs[q - 1][:, None] * rhos[p - q] - lp(q, rhos[p - q])) for q in range(1, p + 1))
            rhos.append(drazin_many(y))
    cums = jnp.stack(outs, axis=1).real  # (C, order)

    # cross noise matrix: x_b = L^D (1-P) L_1^b rho;  S_ab = tr L_2^ab rho - tr L_1^a x_b - tr L_1^b x_a
    d1rho = deriv_apply(1, rho[None])[0]  # (K, m)
    xs = drazin_many(wc_ @ d1rho)  # (C, m)
    d1x = deriv_apply(1, xs) @ tvec  # (C_b, K)
    cross = wc_ @ d1x.T  # (C_a, C_b)
    l2 = jnp.einsum("ak,bk,k->ab", wc_, wc_, deriv_apply(2, rho[None])[0] @ tvec)
    noise = (l2 - cross - cross.T).real
    noise = 0.5 * (noise + noise.T)
    mean = cums[:, 0]

    rho_full = jnp.zeros((n, n), cdtype).at[rows, cols].set(rho)
    lnorm = jnp.max(jnp.sum(jnp.abs(lblock), axis=1))
    residual = jnp.max(jnp.abs(lblock @ rho)) / jnp.maximum(lnorm, 1e-300)
    pops = jnp.real(jnp.diagonal(rho_full))
    finite = jnp.all(jnp.isfinite(cums)) & jnp.all(jnp.isfinite(noise)) & jnp.all(jnp.isfinite(rho))
    ok = finite & (residual < 1e-8) & (jnp.min(pops) > -1e-8)
    return CountingStatistics(mean, noise, cums, rho_full, residual, ok)


def counting_statistics(
    h,
    jump_ops,
    rates,
    weights,
    *,
    order: int = 2,
    weight_operators=None,
    space: AbstractSpace = FullSpace(),
) -> CountingStatistics:
    r"""Steady-state mean, noise and higher cumulants of jump-counted currents.

    **Arguments:**
    - ``h``: ``(n, n)`` Hermitian Hamiltonian.
    - ``jump_ops``: ``(K, n, n)`` jump operators ``c_k``; ``rates``: ``(K,)`` rates ``gamma_k >= 0``
      (``None``: all one).  ``L = -i[h, .] + sum_k gamma_k D[c_k]``.
    - ``weights``: ``(C, K)`` (or ``(K,)``) real weight of each jump in each counted current.
    - ``order``: highest scaled cumulant computed for each current (1..8; ``order - 1``
      extra linear solves per current).  The cross-noise matrix is always computed.
    - ``weight_operators``: optional length-``K`` list of ``None`` / Hermitian ``(n, n)``
      operators ``W_k``: count the change of ``W_k`` (times ``weights[:, k]``) caused by jump
      ``k`` with the symmetric tilt described in the module docstring.
    - ``space``: :class:`FullSpace` (default) or :class:`U1Sector` (weak U(1) symmetry).

    **Returns:** :class:`CountingStatistics`.  Differentiable (``jax.grad``/``jvp``) with
    respect to ``h``, ``jump_ops``, ``rates``, ``weights`` and ``weight_operators``:
    derivatives use adjoint solves with the same LU factors (implicit differentiation).
    Use ``jax.vmap`` over parameter batches; check ``ok``.
    """
    h, cs, rates, w, wops, mask = _validate(h, jump_ops, rates, weights, weight_operators, order)
    n = h.shape[0]
    rows, cols = space.indices(n, h, cs)
    if wops is None:
        wops = jnp.zeros((cs.shape[0], 1, 1), jnp.complex128)
    return _kernel(
        h, cs, rates, w, wops, jnp.asarray(rows), jnp.asarray(cols), order=order, op_mask=mask, n=n
    )


def cumulants_from_liouvillian(liouvillian, jump_superops, weights, *, order: int = 2):
    """Same as :func:`counting_statistics` for a given dense ``(n^2, n^2)`` Liouvillian.

    ``jump_superops``: ``(K, n^2, n^2)`` superoperators ``J_k`` (row-major vec, e.g.
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
    if w.shape[1] != js.shape[0]:
        raise ValueError(f"weights must have shape (C, {js.shape[0]}), got {w.shape}")
    if not isinstance(order, int) or not 1 <= order <= 8:
        raise ValueError(f"order must be an integer in [1, 8], got {order!r}")
    return _kernel_superop(lmat.astype(jnp.complex128), js.astype(jnp.complex128), w, order=order, n=n)


@partial(jax.jit, static_argnames=("order", "n"))
def _kernel_superop(lmat, js, w, *, order, n):
    rows, cols = full_space_indices(n)
    tvec = jnp.asarray(rows == cols).astype(lmat.dtype)
    solve = make_solver(bordered_matrix(lmat, tvec, n))
    rho = steady_state_vector(solve, n * n, lmat.dtype)

    def lp(wc, p, x):
        return jnp.einsum("k,kij,j->i", (wc**p).astype(lmat.dtype), js, x)

    cums = []
    for a in range(w.shape[0]):
        rhos, out = [rho], []
        for p in range(1, order + 1):
            out.append(sum(comb(p, q) * (tvec @ lp(w[a], q, rhos[p - q])) for q in range(1, p + 1)))
            if p < order:
                y = sum(comb(p, q) * (out[q - 1] * rhos[p - q] - lp(w[a], q, rhos[p - q])) for q in range(1, p + 1))
                rhos.append(drazin_apply(solve, tvec, rho, y))
        cums.append(jnp.stack(out).real)
    cums = jnp.stack(cums)
    xs = [drazin_apply(solve, tvec, rho, lp(w[b], 1, rho)) for b in range(w.shape[0])]
    nc = w.shape[0]
    cross = jnp.stack([jnp.stack([tvec @ lp(w[a], 1, xs[b]) for b in range(nc)]) for a in range(nc)])
    l2 = jnp.einsum("ak,bk,kij,j->abi", w.astype(lmat.dtype), w.astype(lmat.dtype), js, rho) @ tvec
    noise = (l2 - cross - cross.T).real
    return cums[:, 0], 0.5 * (noise + noise.T), cums, rho.reshape(n, n)
