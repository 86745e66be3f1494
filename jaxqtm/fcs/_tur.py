"""Thermodynamic uncertainty ratios of counted currents of a GKSL machine."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .._checks import check_finite, check_range
from .._results import RESULTS, AbstractResult, combine, finish, first_failure
from ..lindblad import AbstractSpace, AbstractSteadySolver, AutoSolver, AutoSpace, LindbladModel
from ._counting import counting_statistics
from ._currents import Currents, check_currents, same_operator_weights


class TURResult(AbstractResult):
    """``Q_a = sigma S_aa / J_a^2`` (classical bound ``Q_a >= 2``) with its ingredients.

    ``S_aa`` is the zero-frequency noise ``lim Var(N_a)/t`` (``= D_O`` of seed 001, eq. (6));
    ``sigma`` the steady-state entropy production (the mean of the entropy current).
    ``result``: the counting statistics' code, else ``nonfinite``, else
    ``second_law_violated`` when ``sigma < 0`` (an entropy current that is not one).
    """

    mean: jax.Array
    noise: jax.Array
    entropy_production: jax.Array
    ratio: jax.Array
    result: RESULTS


def tur_ratio(mean, noise, entropy_production):
    """``Q = sigma S / J^2`` for arrays of means ``J``, noises ``S >= 0`` and ``sigma >= 0``
    (concrete values checked; a zero mean gives inf, as the ratio's limit)."""
    check_range(noise, "noise", 0.0)
    check_range(entropy_production, "entropy_production", 0.0)
    check_finite(mean, "mean")
    return _ratio(jnp.asarray(mean, jnp.result_type(float)), noise, entropy_production)


def _ratio(mean, noise, entropy_production):
    return entropy_production * noise / mean**2


def tur_ratios(
    model: LindbladModel,
    currents: Currents,
    entropy: Currents,
    *,
    space: AbstractSpace = AutoSpace(),
    solver: AbstractSteadySolver = AutoSolver(),
    throw: bool = True,
) -> TURResult:
    """TUR ratios of every current (one factorisation, ``C + 1`` extra solves).

    ``entropy``: a one-row :class:`Currents` whose mean is the entropy production
    (``-beta_b`` times the energy each jump brings in, by local detailed balance); it
    must use the same operator weights as ``currents``.  ``fcs.tur_ratios(*setup)``
    with a :class:`CountingSetup` from the model builders.
    """
    check_currents(model, currents)
    check_currents(model, entropy, "entropy")
    if entropy.weights.shape[0] != 1:
        raise ValueError(f"entropy must be one current (weights of shape (1, K)); got {entropy.weights.shape}")
    if not same_operator_weights(currents, entropy):
        raise ValueError("entropy must use the same weight_operators as currents (they are counted together)")
    both = Currents(
        jnp.concatenate([currents.weights, entropy.weights], axis=0),
        currents.weight_operators,
        tuple(currents.names) + tuple(entropy.names) if currents.names and entropy.names else (),
    )
    st = counting_statistics(model, both, order=2, space=space, solver=solver, throw=False)
    sigma = st.mean[-1]
    mean = st.mean[:-1]
    noise = jnp.diagonal(st.noise)[:-1]
    ratio = _ratio(mean, noise, sigma)  # sign checks are the result's (second_law_violated)
    result = combine(
        st.result,
        first_failure(
            (~jnp.all(jnp.isfinite(ratio)), RESULTS.nonfinite), (sigma < -1e-12, RESULTS.second_law_violated)
        ),
    )
    return finish(TURResult(mean, noise, sigma, ratio, result), throw=throw, what="fcs.tur_ratios")
