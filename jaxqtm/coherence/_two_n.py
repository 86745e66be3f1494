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


def two_n_state_model(n_sites: int, omega=1.0, gamma=1.0, beta=1.0):
    """``(h, jump_ops, rates, bohr, basis)`` of the 2N-state model (``n_sites = N``)."""
    if not isinstance(n_sites, int) or n_sites < 1:
        raise ValueError(f"n_sites (N) must be a positive integer, got {n_sites!r}")
    n = n_sites
    h = jnp.diag(jnp.concatenate([jnp.zeros(n), omega * jnp.ones(n)]))
    lw = jnp.zeros((2 * n, 2 * n)).at[:n, n:].set(1.0)  # sum |g,j><e,j'|
    ops = jnp.stack([lw, lw.T])
    rates = jnp.stack([jnp.asarray(gamma, float), gamma * jnp.exp(-beta * omega)])
    bohr = jnp.array([omega, -omega])
    return h, ops, rates, bohr, jnp.eye(2 * n)


def two_n_state_rho0(n_sites: int, omega=1.0, beta=1.0):
    """``rho_0`` of seed 003 and its ``p_e``."""
    n = n_sites
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
