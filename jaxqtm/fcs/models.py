"""Counting setups: a GKSL model, the currents to count and its entropy current.

Each builder returns a :class:`CountingSetup` ``(model, currents, entropy)``: the
model is a :class:`~jaxqtm.lindblad.LindbladModel` (local master equation), the
currents a :class:`Currents` with one weight per jump term, and ``entropy`` the
one-row current whose mean is the entropy production: each jump delivers
``-beta_b * (energy the jump brings into the system)`` to the reservoirs (local
detailed balance ``log(rate_k / rate_k') = -beta_b eps_k`` for a reverse pair), so
``sigma = -sum_b beta_b Q_b`` in the steady state.

Builders: :func:`thermal_qubit`, :func:`three_level_maser` (textbook model known to
violate the classical TUR), :func:`random_rate_model` (classical Markov jump process,
always ``Q >= 2``).  The qubit--rotor device of seed 004 is built by
:func:`jaxqtm.rotor.rotor_model`; its currents are :func:`jaxqtm.rotor.currents`.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .._numerics import bose
from ..lindblad import lindblad_model
from ._currents import CountingSetup, Currents


def thermal_qubit(omega=1.0, gamma=1.0, beta=1.0) -> CountingSetup:
    """Qubit ``h = omega |e><e|`` in a bath at ``beta``; counts emitted quanta (net) and energy.

    Basis ``(|e>, |g>)``; jumps ``sigma_-`` (rate ``gamma (nbar + 1)``), ``sigma_+``
    (rate ``gamma nbar``).  Equilibrium: zero mean, finite noise.
    """
    sm = jnp.array([[0.0, 0.0], [1.0, 0.0]])
    nb = bose(beta, omega)
    h = jnp.diag(jnp.stack([jnp.asarray(omega, float), jnp.zeros(())]))
    model = lindblad_model(h, [sm, sm.T], [gamma * (nb + 1.0), gamma * nb], channels=["bath", "bath"])
    cur = Currents(jnp.array([[1.0, -1.0], [1.0, 0.0]]), None, ("net_emissions", "emissions"))
    ent = Currents((beta * omega * jnp.array([1.0, -1.0]))[None], None, ("entropy",))
    return CountingSetup(model, cur, ent)


def three_level_maser(
    omega_h=4.0, omega_c=1.0, epsilon=0.5, gamma_h=0.1, gamma_c=0.1, beta_h=0.2, beta_c=2.0, detuning=0.0
) -> CountingSetup:
    r"""Scovil--Schulz-DuBois three-level maser (rotating frame of the drive).

    Levels ``|0>`` (0), ``|1>`` (``omega_c``), ``|2>`` (``omega_h``); hot bath on
    ``0 <-> 2``, cold bath on ``0 <-> 1`` (local ME), classical drive
    ``epsilon (|1><2| + h.c.)`` at ``omega_h - omega_c + detuning``.
    Currents: ``Q_h``, ``Q_c`` (heat into the system) and output power
    ``P = Q_h + Q_c`` (energy the drive receives, counted at the baths).
    """
    h = jnp.zeros((3, 3)).at[1, 2].set(epsilon).at[2, 1].set(epsilon).at[2, 2].set(-detuning)
    e = np.eye(3)
    k = lambda i, j: np.outer(e[i], e[j])  # noqa: E731  |i><j|
    nh, nc = bose(beta_h, omega_h), bose(beta_c, omega_c)
    rates = [gamma_h * (nh + 1.0), gamma_h * nh, gamma_c * (nc + 1.0), gamma_c * nc]
    # heat is the energy the baths exchange with the *bare* levels (local ME): in the
    # drive's rotating frame H carries no level energies, so heat_energy must be given
    h0 = jnp.diag(jnp.stack(jnp.broadcast_arrays(0.0, omega_c, omega_h)).astype(float))
    model = lindblad_model(
        h, [k(0, 2), k(2, 0), k(0, 1), k(1, 0)], rates, channels=["hot", "hot", "cold", "cold"], heat_energy=h0
    )
    eps = jnp.stack(jnp.broadcast_arrays(-omega_h, omega_h, -omega_c, omega_c)).astype(float)  # energy in per jump
    weights = jnp.stack([eps * jnp.array([1.0, 1.0, 0.0, 0.0]), eps * jnp.array([0.0, 0.0, 1.0, 1.0]), eps])
    ent = -jnp.stack(jnp.broadcast_arrays(beta_h, beta_h, beta_c, beta_c)).astype(float) * eps
    return CountingSetup(model, Currents(weights, None, ("Q_h", "Q_c", "P")), Currents(ent[None], None, ("entropy",)))


def random_rate_model(key, n_states=4, betas=(0.5, 2.0), n_random_currents=2) -> CountingSetup:
    """Classical Markov jump process: ``n_states`` levels, one transition per pair and bath.

    Energies and rate prefactors are random; rates obey local detailed balance
    with each bath.  Currents: heat from every bath, plus ``n_random_currents``
    currents with random antisymmetric increments.  ``h`` is diagonal, so the
    dynamics of populations is the classical master equation.
    """
    k1, k2, k3 = jax.random.split(key, 3)
    energies = jax.random.uniform(k1, (n_states,), minval=0.0, maxval=3.0)
    pairs = [(i, j) for i in range(n_states) for j in range(i + 1, n_states)]
    nb = len(betas)
    pref = jax.random.uniform(k2, (nb, len(pairs)), minval=0.1, maxval=1.0)
    e = np.eye(n_states)
    ops, rates, eps, bath, pair_id, direction = [], [], [], [], [], []
    for b, beta in enumerate(betas):
        for p, (i, j) in enumerate(pairs):
            de = energies[j] - energies[i]  # energy gained on i -> j
            # symmetric split of the Arrhenius factor keeps both rates O(1)
            for a, c, d, sgn in ((i, j, de, 1.0), (j, i, -de, -1.0)):
                ops.append(np.outer(e[c], e[a]))  # |c><a|: a -> c
                rates.append(pref[b, p] * jnp.exp(-0.5 * beta * d))
                eps.append(d)
                bath.append(b)
                pair_id.append(p)
                direction.append(sgn)
    eps = jnp.stack(eps)
    bath = np.array(bath)
    model = lindblad_model(jnp.diag(energies), ops, rates, channels=[f"bath{b}" for b in bath])
    heat = jnp.stack([eps * jnp.asarray(bath == b, dtype=float) for b in range(nb)])
    rnd = jax.random.normal(k3, (n_random_currents, nb * len(pairs)))
    rand_w = rnd[:, np.array(pair_id) + len(pairs) * bath] * jnp.asarray(direction)[None, :]
    weights = jnp.concatenate([heat, rand_w], axis=0)
    ent = -jnp.asarray(betas)[bath] * eps
    names = tuple(f"Q_{b}" for b in range(nb)) + tuple(f"random_{r}" for r in range(n_random_currents))
    return CountingSetup(model, Currents(weights, None, names), Currents(ent[None], None, ("entropy",)))
