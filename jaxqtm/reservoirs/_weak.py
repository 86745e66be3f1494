"""Weak-coupling reference: the heat of a reservoir to second order in the coupling.

To O(g^2) the Heisenberg solution a(t) = G a + F b has, in the eigenbases of h_X (e_a) and
h_Y (f_b), |F_ab|^2 = |V_ab|^2 t^2 sinc^2((e_a - f_b) t / 2) with V the coupling in those
bases, and unitarity (G G^dag + F F^dag = 1) gives the weak-coupling heat (the change of
the bare energy Tr[H_X rho_X], which is the heat of weak-coupling thermodynamics for a
time-independent H_X):

    Q_wc(t) = sum_ab e_a |F_ab|^2 (n_Y(f_b) - n_X(e_a)).

This closed form does not use the exact propagator: it is the independent reference for
"minimal-dissipation heat -> weak-coupling heat as the coupling -> 0".
"""

from __future__ import annotations

import jax.numpy as jnp

from ._dynamics import _check_side, _check_ts
from ._linalg import occupation
from ._model import ReservoirModel


def weak_coupling_heat(model: ReservoirModel, ts, side: int):
    """Second-order (weak-coupling) heat of reservoir ``side`` at times ``ts``: shape (nt,)."""
    ts = _check_ts(ts)
    _check_side(side)
    hx, hy, tx, ty = (model.h1, model.h2, model.T1, model.T2) if side == 1 else (model.h2, model.h1, model.T2, model.T1)
    cpl = model.g if side == 1 else jnp.conj(model.g.T)
    ex, vx = jnp.linalg.eigh(hx)
    ey, vy = jnp.linalg.eigh(hy)
    v2 = jnp.abs(jnp.conj(vx.T) @ cpl @ vy) ** 2
    de = ex[:, None] - ey[None, :]
    x = 0.5 * de[None] * ts[:, None, None]
    f2 = v2[None] * (ts[:, None, None] * jnp.sinc(x / jnp.pi)) ** 2
    occ = occupation(ey, ty)[None, :] - occupation(ex, tx)[:, None]
    return jnp.einsum("a,tab,ab->t", ex, f2, occ)
