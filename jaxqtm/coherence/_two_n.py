"""The 2N-state collective-jump model of seed 003 (Tajima & Funo, PRL 127, 190604).

``H = sum_j omega |e,j><e,j|``, collective jumps ``L_omega = sum_{j,j'} |g,j><e,j'|``
and ``L_{-omega} = L_omega^dag`` with rates ``gamma(omega)`` and
``gamma(-omega) = e^{-beta omega} gamma(omega)``; GKSL form ``-1/2 {L^dag L, rho}``
(the slide's "+{.,.}" is a typo).  Basis: ``|g,1..N>`` then ``|e,1..N>``.

Closed forms for ``rho_0 = p_g |g,+><g,+| + p_e |e,+><e,+|`` with
``p_g/p_e = (1 + 1/N) e^{beta omega}`` (``L_omega |e,+> = N |g,+>``: the dynamics
stays in span{|g,+>, |e,+>} with rates ``N^2 gamma(+-omega)``):
``J = omega N gamma(omega) p_e`` and ``sigma = N gamma(omega) p_e ln(1 + 1/N)``.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .._checks import check_int
from ..lindblad import LindbladModel, lindblad_model


def two_n_state_model(n_sites: int, omega=1.0, gamma=1.0, beta=1.0) -> tuple[LindbladModel, jnp.ndarray]:
    """``(model, bohr)``: the 2N-state model (``n_sites = N``) as a local
    :class:`~jaxqtm.lindblad.LindbladModel` (one channel ``"bath"``) and the Bohr
    frequencies ``(omega, -omega)`` of its two collective jumps (for :func:`heat_fluctuation`).
    Its degenerate eigenbasis ``|e, j>`` is the computational basis."""
    n = check_int(n_sites, "n_sites", 1)
    h = jnp.diag(jnp.concatenate([jnp.zeros(n), omega * jnp.ones(n)]))
    lw = np.zeros((2 * n, 2 * n))
    lw[:n, n:] = 1.0  # sum |g,j><e,j'|
    rates = [jnp.asarray(gamma, float), gamma * jnp.exp(-beta * omega)]
    model = lindblad_model(h, [lw, lw.T], rates, channels=["bath", "bath"])
    return model, jnp.stack(jnp.broadcast_arrays(omega, -omega)).astype(float)


def two_n_state_rho0(n_sites: int, omega=1.0, beta=1.0):
    """``rho_0`` of seed 003 and its ``p_e``."""
    n = check_int(n_sites, "n_sites", 1)
    r = (1.0 + 1.0 / n) * jnp.exp(beta * omega)  # p_g / p_e
    pe = 1.0 / (1.0 + r)
    pg = 1.0 - pe
    plus = jnp.ones(n) / jnp.sqrt(n)
    g = jnp.concatenate([plus, jnp.zeros(n)])
    e = jnp.concatenate([jnp.zeros(n), plus])
    return pg * jnp.outer(g, g) + pe * jnp.outer(e, e), pe


def two_n_state_closed_form(n_sites: int, omega=1.0, gamma=1.0, beta=1.0):
    """``(J, sigma)`` of ``rho_0`` in closed form."""
    _, pe = two_n_state_rho0(n_sites, omega, beta)
    n = n_sites
    return omega * n * gamma * pe, n * gamma * pe * jnp.log1p(1.0 / n)
