"""Thermodynamic uncertainty ratios of counted currents of a GKSL machine."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from ._counting import AbstractSpace, FullSpace, U1Sector, counting_statistics
from .models import CountingModel


class TURResult(eqx.Module):
    """``Q_a = sigma S_aa / J_a^2`` (classical bound ``Q_a >= 2``) with its ingredients.

    ``S_aa`` is the zero-frequency noise ``lim Var(N_a)/t`` (``= D_O`` of seed 001, eq. (6));
    ``sigma`` the steady-state entropy production ``-sum_b beta_b Q_b``.
    """

    mean: jax.Array
    noise: jax.Array
    entropy_production: jax.Array
    ratio: jax.Array
    ok: jax.Array


def tur_ratio(mean, noise, entropy_production):
    """``Q = sigma S / J^2`` for arrays of means ``J``, noises ``S`` and ``sigma``."""
    return entropy_production * noise / mean**2


def tur_ratios(model: CountingModel, *, space: AbstractSpace | None = None) -> TURResult:
    """TUR ratios of every current of ``model`` (one factorisation, ``C + 1`` extra solves).

    ``space``: defaults to :class:`U1Sector` when the model carries charges, else
    :class:`FullSpace`.
    """
    if space is None:
        space = U1Sector(model.charges) if model.charges is not None else FullSpace()
    w = jnp.concatenate([model.weights, model.entropy_weights[None, :]], axis=0)
    st = counting_statistics(
        model.h, model.jump_ops, model.rates, w, order=2, weight_operators=model.weight_operators, space=space
    )
    sigma = st.mean[-1]
    mean = st.mean[:-1]
    noise = jnp.diagonal(st.noise)[:-1]
    ratio = tur_ratio(mean, noise, sigma)
    ok = st.ok & jnp.all(jnp.isfinite(ratio)) & (sigma > -1e-12)
    return TURResult(mean, noise, sigma, ratio, ok)
