"""Counting models: a GKSL generator plus the currents to count and its entropy flow.

A :class:`CountingModel` bundles ``h``, ``jump_ops``, ``rates`` with ``weights``
(``(C, K)``: weight of each jump in each named current) and ``entropy_weights``
(``(K,)``: entropy delivered to the reservoirs per jump, ``-beta_b * (energy the
jump brings into the system)``; by local detailed balance
``log(rate_k / rate_k') = -beta_b eps_k`` for a reverse pair).  In the steady state
the entropy production is the mean of that counted current,
``sigma = -sum_b beta_b Q_b``.

Builders: :func:`thermal_qubit`, :func:`three_level_maser` (textbook model
known to violate the classical TUR), :func:`random_rate_model` (classical
Markov jump process, always ``Q >= 2``) and :func:`rotor_device` (seed 004,
local master equation, written in the weak-U(1)-covariant form the sector
solver needs).
"""

from __future__ import annotations

from functools import partial

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np


class CountingModel(eqx.Module):
    """A GKSL model with counted currents (see module docstring).

    ``weight_operators``: ``None`` or a length-``K`` tuple of ``None``/``(n, n)``
    Hermitian operators (operator-valued weights, see ``counting_statistics``);
    ``charges``: ``None`` or the diagonal of a weak-U(1) charge (enables
    :class:`~jaxqtm.fcs.U1Sector`).
    """

    h: jax.Array
    jump_ops: jax.Array
    rates: jax.Array
    weights: jax.Array
    entropy_weights: jax.Array
    current_names: tuple = eqx.field(static=True)
    weight_operators: tuple | None = None
    charges: tuple | None = eqx.field(static=True, default=None)


def _bose(omega, beta):
    return 1.0 / jnp.expm1(beta * omega)


def thermal_qubit(omega=1.0, gamma=1.0, beta=1.0):
    """Qubit ``h = omega |e><e|`` in a bath at ``beta``; counts emitted quanta (net) and energy.

    Basis ``(|e>, |g>)``; jumps ``sigma_-`` (rate ``gamma (nbar + 1)``), ``sigma_+``
    (rate ``gamma nbar``).  Equilibrium: zero mean, finite noise.
    """
    sm = jnp.array([[0.0, 0.0], [1.0, 0.0]])
    nb = _bose(omega, beta)
    h = jnp.diag(jnp.array([omega, 0.0]))
    ops = jnp.stack([sm, sm.T])
    rates = jnp.stack([gamma * (nb + 1.0), gamma * nb])
    weights = jnp.array([[1.0, -1.0], [1.0, 0.0]])
    ent = beta * omega * jnp.array([1.0, -1.0])
    return CountingModel(h, ops, rates, weights, ent, ("net_emissions", "emissions"))


def three_level_maser(
    omega_h=4.0, omega_c=1.0, epsilon=0.5, gamma_h=0.1, gamma_c=0.1, beta_h=0.2, beta_c=2.0, detuning=0.0
):
    r"""Scovil--Schulz-DuBois three-level maser (rotating frame of the drive).

    Levels ``|0>`` (0), ``|1>`` (``omega_c``), ``|2>`` (``omega_h``); hot bath on
    ``0 <-> 2``, cold bath on ``0 <-> 1`` (local ME), classical drive
    ``epsilon (|1><2| + h.c.)`` at ``omega_h - omega_c + detuning``.
    Currents: ``Q_h``, ``Q_c`` (heat into the system) and output power
    ``P = Q_h + Q_c`` (energy the drive receives, counted at the baths).
    """
    h = jnp.zeros((3, 3)).at[1, 2].set(epsilon).at[2, 1].set(epsilon).at[2, 2].set(-detuning)
    e = jnp.eye(3)
    k = lambda i, j: jnp.outer(e[i], e[j])  # noqa: E731  |i><j|
    nh, nc = _bose(omega_h, beta_h), _bose(omega_c, beta_c)
    ops = jnp.stack([k(0, 2), k(2, 0), k(0, 1), k(1, 0)])
    rates = jnp.stack([gamma_h * (nh + 1.0), gamma_h * nh, gamma_c * (nc + 1.0), gamma_c * nc])
    eps = jnp.stack([-omega_h, omega_h, -omega_c, omega_c])  # energy into the system per jump
    weights = jnp.stack(
        [eps * jnp.array([1.0, 1.0, 0.0, 0.0]), eps * jnp.array([0.0, 0.0, 1.0, 1.0]), eps]
    )
    ent = -jnp.stack([beta_h, beta_h, beta_c, beta_c]) * eps
    return CountingModel(h, ops, rates, weights, ent, ("Q_h", "Q_c", "P"))


def random_rate_model(key, n_states=4, betas=(0.5, 2.0), n_random_currents=2):
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
    e = jnp.eye(n_states)
    ops, rates, eps, bath, pair_id, direction = [], [], [], [], [], []
    for b, beta in enumerate(betas):
        for p, (i, j) in enumerate(pairs):
            de = energies[j] - energies[i]  # energy gained on i -> j
            # symmetric split of the Arrhenius factor keeps both rates O(1)
            for (a, c, d, sgn) in ((i, j, de, 1.0), (j, i, -de, -1.0)):
                ops.append(jnp.outer(e[c], e[a]))  # |c><a|: a -> c
                rates.append(pref[b, p] * jnp.exp(-0.5 * beta * d))
                eps.append(d)
                bath.append(b)
                pair_id.append(p)
                direction.append(sgn)
    ops = jnp.stack(ops)
    rates = jnp.stack(rates)
    eps = jnp.stack(eps)
    bath = np.array(bath)
    heat = jnp.stack([eps * jnp.asarray(bath == b, dtype=float) for b in range(nb)])
    rnd = jax.random.normal(k3, (n_random_currents, nb * len(pairs)))
    rand_w = rnd[:, np.array(pair_id) + len(pairs) * bath] * jnp.asarray(direction)[None, :]
    weights = jnp.concatenate([heat, rand_w], axis=0)
    ent = -jnp.asarray(betas)[bath] * eps
    names = tuple(f"Q_{b}" for b in range(nb)) + tuple(f"random_{r}" for r in range(n_random_currents))
    return CountingModel(jnp.diag(energies), ops, rates, weights, ent, names)


def rotor_device(
    L=4,
    B1=4.0,
    B2=10.0,
    beta1=0.1,
    beta2=0.05,
    beta_r=0.09,
    g=1.0,
    chi=0.0,
    lam=0.1,
    gamma=5e-5,
    inertia=1.0,
):
    r"""Two qubits + quantum rotor with a dissipative load, local ME (seed 004, eqs. (1)-(17)).

    Basis ``qubit1 (x) qubit2 (x) rotor``, ``sigma^z |up> = +|up>`` (index 0 = up),
    rotor ``l = -L..L``.  The load dissipator (17),
    ``(2 I gamma/beta_r){D[A_1] + D[A_2]}``, is rewritten with the unitary mixing
    ``B_pm = (A_1 pm i A_2)/sqrt 2 = e^{pm i phi}(1 -+ beta_r L_z/(4I))/sqrt 2`` -- the
    same dissipator (tested), with jump operators of definite angular-momentum
    shift, so that ``Q_1 = L_z - sigma_1^z/2`` and ``Q_2 = (sigma_1^z + sigma_2^z)/2`` are
    weak U(1) charges (``charges`` has shape ``(2, n)``; the ``k = 0`` sector has
    dimension ~6(2L+1) instead of (4(2L+1))^2).

    Currents (energy into the system, operator weight ``H_{S,0}`` on every jump):
    ``Q_1``, ``Q_2`` (eq. (18)-(19)), ``Q_r`` (eq. (21), load heat).  Angular momentum
    is counted separately by :func:`rotor_angular_momentum_weights`.
    """
    if not isinstance(L, int) or L < 1:
        raise ValueError(f"L (rotor truncation, l = -L..L) must be a positive integer, got {L!r}")
    h, h0, ops, rates, weights, ent = _rotor_arrays(
        L, B1, B2, beta1, beta2, beta_r, g, chi, lam, gamma, inertia
    )
    s1 = np.repeat(np.array([1.0, -1.0]), 2 * (2 * L + 1))
    lvals = np.tile(np.arange(-L, L + 1, dtype=float), 4)
    s2 = np.tile(np.repeat(np.array([1.0, -1.0]), 2 * L + 1), 2)
    # two commuting weak U(1) charges: L_z - sigma_1^z/2 and (sigma_1^z + sigma_2^z)/2
    charges = (tuple(float(x) for x in lvals - 0.5 * s1), tuple(float(x) for x in 0.5 * (s1 + s2)))
    wops = tuple(h0 for _ in range(6))
    return CountingModel(h, ops, rates, weights, ent, ("Q_1", "Q_2", "Q_r"), wops, charges)


@partial(jax.jit, static_argnums=0)
def _rotor_arrays(L, B1, B2, beta1, beta2, beta_r, g, chi, lam, gamma, inertia):
    ls = jnp.arange(-L, L + 1, dtype=float)
    nr = ls.shape[0]
    eye2, eyer = jnp.eye(2), jnp.eye(nr)
    sz = jnp.diag(jnp.array([1.0, -1.0]))
    sp = jnp.array([[0.0, 1.0], [0.0, 0.0]])  # |up><down|
    sm = sp.T
    eiphi = jnp.diag(jnp.ones(nr - 1), -1)  # |l+1><l|
    lz = jnp.diag(ls)

    def kron3(a, b, c):
        return jnp.kron(jnp.kron(a, b), c)

    h0 = B1 * kron3(sz, eye2, eyer) + B2 * kron3(eye2, sz, eyer) + kron3(eye2, eye2, lz @ lz) / (2 * inertia)
    hint = lam * kron3(sp, sm, eiphi)
    hint = hint + hint.T
    h = h0 + hint
    n1 = _bose(2 * B1, beta1)
    n2 = _bose(2 * B2, beta2)
    g1, g2 = g * (1 - chi), g * (1 + chi)
    a = beta_r / (4 * inertia)
    bp = eiphi @ (eyer - a * lz) / jnp.sqrt(2.0)
    bm = eiphi.T @ (eyer + a * lz) / jnp.sqrt(2.0)
    ops = jnp.stack(
        [
            kron3(sp, eye2, eyer),
            kron3(sm, eye2, eyer),
            kron3(eye2, sp, eyer),
            kron3(eye2, sm, eyer),
            kron3(eye2, eye2, bp),
            kron3(eye2, eye2, bm),
        ]
    )
    kr = 2 * inertia * gamma / beta_r
    rates = jnp.stack([g1**2 * n1, g1**2 * (n1 + 1), g2**2 * n2, g2**2 * (n2 + 1), kr, kr])
    weights = jnp.array(
        [[1.0, 1.0, 0, 0, 0, 0], [0, 0, 1.0, 1.0, 0, 0], [0, 0, 0, 0, 1.0, 1.0]]
    )
    ent = -jnp.stack([beta1, beta1, beta2, beta2, beta_r, beta_r]).astype(float)
    return h, h0, ops, rates, weights, ent


def rotor_angular_momentum_weights():
    """Scalar weights (one current, 6 jumps of :func:`rotor_device`): angular momentum the load gives the rotor."""
    return jnp.array([[0.0, 0.0, 0.0, 0.0, 1.0, -1.0]])
