"""Coherence and the current--dissipation trade-off of GKSL dynamics (seed 003).

Works on any :class:`~jaxqtm.lindblad.LindbladModel` and any state ``rho``:

* heat current ``J(rho) = Tr[E D[rho]]`` (:func:`heat_current`);
* entropy production in the Spohn form ``sigma(rho) = dS/dt - beta J`` and the
  entropy rate: the GKSL core's :func:`jaxqtm.lindblad.entropy_production`,
  :func:`jaxqtm.lindblad.entropy_rate` (re-exported here);
* ``rho_bd = sum_e Pi_e rho Pi_e`` (energy-level coherence removed) and
  ``rho_sd = sum_{e,i} |e,i><e,i| rho |e,i><e,i|`` (also degeneracy coherence
  removed, in a given eigenbasis);
* instantaneous heat fluctuation ``A(rho) = sum_k gamma_k omega_k^2 Tr[c_k^dag c_k rho]``,
  ``A_cl = A(rho_sd)``, ``A_qm = A(rho_bd) - A(rho_sd)`` (our reading of the talk's
  "classical (rho_sd-dependent) part" and "collective jumps x degeneracy
  coherence" part; the bounds ``J^2/sigma <= A/2`` are checked numerically).

Thermally consistent generators come from :func:`jaxqtm.lindblad.global_model` (Davies /
Born--Markov--secular: each Bohr-frequency component ``c_omega`` with
``gamma(omega)/gamma(-omega) = e^{beta omega}``) or, for models whose jump operators are
eigen-operators of ``H`` (e.g. the 2N-state model), from a local model with the Bohr
frequency of every term given as ``bohr``.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._checks import check_finite, check_range, check_real, check_square, check_state, concrete
from ..lindblad import LindbladModel, entropy_production, entropy_rate
from ..lindblad._generator import _k_secular
from ..lindblad._thermo import matrix_heat_flows


def heat_current(model: LindbladModel, rho, *, energy=None):
    """``J(rho) = sum_c Tr[E D_c[rho]]``: energy per unit time from the baths into the system
    (``E`` = ``energy`` / ``model.heat_energy`` / the Hamiltonian)."""
    return sum(matrix_heat_flows(model, rho, energy=energy).values())


def cd_ratio(model: LindbladModel, rho, beta):
    """Current--dissipation ratio ``J(rho)^2 / sigma(rho)`` (one bath at ``beta``)."""
    return heat_current(model, rho) ** 2 / entropy_production(model, rho, beta)


def heat_fluctuation(model: LindbladModel, rho, bohr=None):
    """``A(rho) = sum_k gamma_k omega_k^2 Tr[c_k^dag c_k rho]`` (instantaneous heat fluctuation).

    Secular (global) terms: every Bohr-frequency component with its own frequency, from
    the eigenbasis; local terms need their Bohr frequency ``bohr[k]`` (the energy the
    system loses in a jump; ``bohr`` has one entry per model term).
    """
    if any(lab is None for lab in model.clusters) and bohr is None:
        raise ValueError("heat_fluctuation: the model has local terms; pass their Bohr frequencies as bohr")
    check_state(rho, "rho", model.n)
    if bohr is not None:
        if np.shape(bohr) != (len(model.ops),):
            raise ValueError(
                f"bohr must have one entry per model term, shape ({len(model.ops)},); got {np.shape(bohr)}"
            )
        check_finite(bohr, "bohr")
        check_real(bohr, "bohr")
    return _heat_fluctuation(model, jnp.asarray(rho, jnp.complex128), None if bohr is None else jnp.asarray(bohr))


@eqx.filter_jit
def _heat_fluctuation(model, rho, bohr):
    rw = model.to_work(rho)
    e = jnp.real(jnp.diagonal(model.h_work))
    w = e[None, :] - e[:, None]  # w_{ai} = E_i - E_a: energy lost in i -> a (eigenbasis)
    total = 0.0
    for k, (x, rate, lab) in enumerate(zip(model.ops, model.rates, model.clusters)):
        if lab is None:
            total = total + heat_fluctuation_terms(rw, x[None], jnp.asarray(rate)[None], bohr[k][None])
            continue
        kw = _k_secular(x[None], (rate * w**2)[None], lab[None])[0]
        total = total + jnp.real(jnp.sum(kw * rw.T))
    return total


def heat_fluctuation_terms(rho, jump_ops, rates, bohr):
    """:func:`heat_fluctuation` for explicit arrays of jump operators ``(K, n, n)``, rates and
    Bohr frequencies ``(K,)`` (the engine kernels' form)."""
    cd = jnp.conj(jnp.swapaxes(jump_ops, -1, -2))
    occ = jnp.real(jnp.einsum("kij,kjl,li->k", cd, jump_ops, rho))
    return jnp.sum(rates * bohr**2 * occ)


def energy_projector_mask(h, atol=1e-9):
    """Eigen-decomposition of ``h`` and the mask ``|E_a - E_b| <= atol`` of equal energies."""
    e, v = jnp.linalg.eigh(h)
    return e, v, jnp.abs(e[:, None] - e[None, :]) <= atol


def block_diagonal(rho, h, atol=1e-9):
    """``rho_bd = sum_e Pi_e rho Pi_e`` (energies equal within ``atol >= 0`` form one level)."""
    check_square(h, "h")
    check_square(rho, "rho", np.shape(h)[0])
    check_range(atol, "atol", 0.0)
    return _block_diagonal(rho, h, atol)


@jax.jit
def _block_diagonal(rho, h, atol):
    _, v, mask = energy_projector_mask(h, atol)
    r = jnp.conj(v.T) @ rho @ v
    return v @ jnp.where(mask, r, 0.0) @ jnp.conj(v.T)


def strictly_diagonal(rho, basis=None):
    """``rho_sd``: diagonal part of ``rho`` in the orthonormal ``basis`` (columns; default: computational).

    The degenerate eigenbasis ``|e, i>`` is physical input (it is the basis in which the
    jumps are collective); pass it explicitly when ``H`` is not diagonal.
    """
    check_square(rho, "rho")
    if basis is not None:
        check_square(basis, "basis", np.shape(rho)[0])
        b = concrete(basis)
        if b is not None:
            err = float(np.max(np.abs(np.conj(b.T) @ b - np.eye(b.shape[0]))))
            if not err <= 1e-8:
                raise ValueError(f"basis must be unitary (orthonormal columns); max |basis^dag basis - 1| = {err:.3g}")
    return _strictly_diagonal(rho, basis)


@jax.jit
def _strictly_diagonal(rho, basis=None):
    if basis is None:
        return jnp.diag(jnp.diagonal(rho))
    r = jnp.conj(basis.T) @ rho @ basis
    return basis @ jnp.diag(jnp.diagonal(r)) @ jnp.conj(basis.T)


def coherence_report(model: LindbladModel, rho, beta, *, bohr=None, basis=None, atol=1e-9) -> dict:
    """``J``, ``sigma``, ``J^2/sigma`` and ``A`` for ``rho``, ``rho_bd``, ``rho_sd``; plus ``A_cl``, ``A_qm``."""
    h = model.hamiltonian
    states = {"rho": rho, "bd": block_diagonal(rho, h, atol), "sd": strictly_diagonal(rho, basis)}
    out = {}
    for k, r in states.items():
        j = heat_current(model, r)
        s = entropy_production(model, r, beta)
        out[k] = {"J": j, "sigma": s, "cd_ratio": j**2 / s, "A": heat_fluctuation(model, r, bohr)}
    out["A_cl"] = out["sd"]["A"]
    out["A_qm"] = out["bd"]["A"] - out["sd"]["A"]
    return out


__all__ = [
    "block_diagonal",
    "cd_ratio",
    "coherence_report",
    "entropy_production",
    "entropy_rate",
    "heat_current",
    "heat_fluctuation",
    "heat_fluctuation_terms",
    "strictly_diagonal",
]
