"""Heat current, entropy production and coherence projections for arbitrary states (seed 003).

GKSL generator ``L rho = -i[H, rho] + D[rho]``, ``D = sum_k gamma_k D[c_k]`` with
thermally consistent jump operators (each ``c_k`` lowers/raises the energy by
its Bohr frequency ``omega_k``; ``gamma(omega)/gamma(-omega) = e^{beta omega}``).

* heat current ``J(rho) = Tr[H D[rho]]``;
* entropy production (Spohn form) ``sigma(rho) = dS/dt - beta J
  = -Tr[D[rho] (ln rho - ln rho_Gibbs)]``: the unitary part does not change
  ``S(rho)``, and ``ln rho_Gibbs = -beta H - ln Z`` with ``Tr D[rho] = 0``;
* ``rho_bd = sum_e Pi_e rho Pi_e`` (energy-level coherence removed) and
  ``rho_sd = sum_{e,i} |e,i><e,i| rho |e,i><e,i|`` (also degeneracy coherence
  removed, in a given eigenbasis);
* instantaneous heat fluctuation ``A(rho) = sum_k gamma_k omega_k^2 Tr[c_k^dag c_k rho]``,
  ``A_cl = A(rho_sd)``, ``A_qm = A(rho_bd) - A(rho_sd)`` (our reading of the talk's
  "classical (rho_sd-dependent) part" and "collective jumps x degeneracy
  coherence" part; the bounds ``J^2/sigma <= A/2`` are checked numerically).

``ln rho`` of a rank-deficient state: ``-Tr[D[rho] ln rho] = -sum_a <a|D[rho]|a> ln p_a``
over the eigenvectors of ``rho``.  On the kernel (``p_a = 0``) positivity forces
``<a|D[rho]|a> >= 0``; a zero diagonal contributes 0 (the limit ``x ln x``), a
positive one makes ``dS/dt = +inf`` (returned as ``inf``).  The logarithm is
guarded by a double ``where`` so gradients stay finite.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


def dissipator_apply(rho, jump_ops, rates):
    """``D[rho] = sum_k gamma_k (c rho c^dag - {c^dag c, rho}/2)`` (Hilbert-space, no superoperators)."""
    cd = jnp.conj(jnp.swapaxes(jump_ops, -1, -2))
    jump = jnp.einsum("k,kij,jl,klm->im", rates, jump_ops, rho, cd)
    cdc = jnp.einsum("k,kij,kjl->il", rates, cd, jump_ops)
    return jump - 0.5 * (cdc @ rho + rho @ cdc)


@jax.jit
def heat_current(rho, h, jump_ops, rates):
    """``J(rho) = Tr[H D[rho]]`` (energy per unit time from the bath into the system)."""
    return jnp.real(jnp.trace(h @ dissipator_apply(rho, jump_ops, rates)))


@jax.jit
def entropy_rate(rho, jump_ops, rates, rel_tol=1e-12):
    """``dS/dt = -Tr[D[rho] ln rho]`` (``+inf`` when ``D`` feeds the kernel of ``rho``)."""
    d = dissipator_apply(rho, jump_ops, rates)
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


@jax.jit
def entropy_production(rho, h, jump_ops, rates, beta):
    """``sigma(rho) = dS/dt - beta J(rho)`` for one bath at inverse temperature ``beta`` (>= 0)."""
    return entropy_rate(rho, jump_ops, rates) - beta * heat_current(rho, h, jump_ops, rates)


@jax.jit
def cd_ratio(rho, h, jump_ops, rates, beta):
    """Current--dissipation ratio ``J(rho)^2 / sigma(rho)``."""
    return heat_current(rho, h, jump_ops, rates) ** 2 / entropy_production(rho, h, jump_ops, rates, beta)


def energy_projector_mask(h, atol=1e-9):
    """Eigen-decomposition of ``h`` and the mask ``|E_a - E_b| <= atol`` of equal energies."""
    e, v = jnp.linalg.eigh(h)
    return e, v, jnp.abs(e[:, None] - e[None, :]) <= atol


@jax.jit
def block_diagonal(rho, h, atol=1e-9):
    """``rho_bd = sum_e Pi_e rho Pi_e`` (energies equal within ``atol`` form one level)."""
    _, v, mask = energy_projector_mask(h, atol)
    r = jnp.conj(v.T) @ rho @ v
    return v @ jnp.where(mask, r, 0.0) @ jnp.conj(v.T)


@jax.jit
def strictly_diagonal(rho, basis=None):
    """``rho_sd``: diagonal part of ``rho`` in the orthonormal ``basis`` (columns; default: computational).

    The degenerate eigenbasis ``|e, i>`` is physical input (it is the basis in which the
    jumps are collective); pass it explicitly when ``H`` is not diagonal.
    """
    if basis is None:
        return jnp.diag(jnp.diagonal(rho))
    r = jnp.conj(basis.T) @ rho @ basis
    return basis @ jnp.diag(jnp.diagonal(r)) @ jnp.conj(basis.T)


@jax.jit
def heat_fluctuation(rho, jump_ops, rates, bohr):
    """``A(rho) = sum_k gamma_k omega_k^2 Tr[c_k^dag c_k rho]`` (instantaneous heat fluctuation)."""
    cd = jnp.conj(jnp.swapaxes(jump_ops, -1, -2))
    occ = jnp.real(jnp.einsum("kij,kjl,li->k", cd, jump_ops, rho))
    return jnp.sum(rates * bohr**2 * occ)


@jax.jit
def coherence_report(rho, h, jump_ops, rates, beta, bohr, basis=None, atol=1e-9):
    """``J``, ``sigma``, ``J^2/sigma`` and ``A`` for ``rho``, ``rho_bd``, ``rho_sd``; plus ``A_cl``, ``A_qm``."""
    states = {"rho": rho, "bd": block_diagonal(rho, h, atol), "sd": strictly_diagonal(rho, basis)}
    out = {}
    for k, r in states.items():
        j = heat_current(r, h, jump_ops, rates)
        s = entropy_production(r, h, jump_ops, rates, beta)
        out[k] = {"J": j, "sigma": s, "cd_ratio": j**2 / s, "A": heat_fluctuation(r, jump_ops, rates, bohr)}
    out["A_cl"] = out["sd"]["A"]
    out["A_qm"] = out["bd"]["A"] - out["sd"]["A"]
    return out


def davies_jump_operators(h, coupling, beta, rate_fn, atol=1e-9):
    """Bohr-frequency components of a coupling operator (global, detailed-balance GKSL).

    ``c_omega = sum_{E_b - E_a = omega} Pi_a A Pi_b`` for every distinct
    ``omega = E_b - E_a`` (grouped within ``atol``), rate
    ``gamma(omega) = rate_fn(omega)`` for ``omega >= 0`` and
    ``gamma(-omega) = e^{-beta omega} gamma(omega)`` (detailed balance).
    Concrete inputs only (the number of Bohr frequencies sets shapes).

    **Returns:** ``(jump_ops (K, n, n), rates (K,), bohr (K,))`` with ``bohr_k`` the
    energy the system *loses* in a jump of ``c_k``.
    """
    import numpy as np

    e, v = np.linalg.eigh(np.asarray(h))
    a = np.conj(v.T) @ np.asarray(coupling) @ v
    diffs = e[None, :] - e[:, None]  # omega_ab = E_b - E_a for |a><b|
    freqs = []
    for w in np.sort(diffs.ravel()):
        if not freqs or abs(w - freqs[-1]) > atol:
            freqs.append(w)
    ops, rates, bohr = [], [], []
    for w in freqs:
        mask = np.abs(diffs - w) <= atol
        c = np.where(mask, a, 0.0)
        if np.max(np.abs(c)) < 1e-14:
            continue
        wp = abs(w)
        g = float(rate_fn(wp))
        rate = g if w >= 0 else g * np.exp(-beta * wp)
        ops.append(v @ c @ np.conj(v.T))
        rates.append(rate)
        bohr.append(w)
    return jnp.asarray(np.stack(ops)), jnp.asarray(rates), jnp.asarray(bohr)


__all__ = [
    "block_diagonal",
    "cd_ratio",
    "coherence_report",
    "davies_jump_operators",
    "dissipator_apply",
    "entropy_production",
    "entropy_rate",
    "heat_current",
    "heat_fluctuation",
    "strictly_diagonal",
]
