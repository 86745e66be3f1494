"""The two-qubit + quantum-rotor device of seed 004 (Leitch, Hammam, De Chiara).

Hilbert space ``qubit 1 (x) qubit 2 (x) rotor``; qubit basis as QuTiP
(index 0 = excited, ``sigma_z = diag(1, -1)``, ``sigma^+ = |0><1|``); rotor basis
``|l>``, ``l = -L..L`` (index ``l + L``), ``L_z |l> = l |l>`` and the truncated
shift ``e^{i phi} |l> = |l+1>`` (``e^{i phi}|L> = 0``).

    H_S = B1 s1z + B2 s2z + L_z^2/(2I) + lam (s1+ s2- e^{i phi} + h.c.)      (1)-(3)

Conserved charges (weak U(1) symmetries, verified in the tests): the total
qubit excitation ``n1 + n2`` and ``l - n1`` (``H_I`` moves (n1, n2, l) by
(+1, -1, +1); every jump operator shifts both charges by a fixed amount).
Their ``k = 0`` sector has ``6(2L+1) - 2`` coherence pairs.

The load (eq. 17) is ``(2 I gamma / beta_r) (D[A] + D[B])`` with
``A = cos phi - i kappa sin phi L_z``, ``B = sin phi + i kappa cos phi L_z``,
``kappa = beta_r/(4I)``.  Since ``D[A] + D[B] = D[(A+iB)/sqrt2] + D[(A-iB)/sqrt2]``
(invariance under unitary mixing) and ``A + iB = e^{i phi}(1 - kappa L_z)``,
``A - iB = e^{-i phi}(1 + kappa L_z)`` as an operator identity (it holds for the
truncated shift too), the load is
``(I gamma/beta_r) (D[e^{i phi}(1 - kappa L_z)] + D[e^{-i phi}(1 + kappa L_z)])``:
two charge-shifting jumps.  A test checks this against the literal eq. 17.
"""

from __future__ import annotations

import functools
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._checks import Bound, as_real, bounds_hold, check_bounds, check_int, check_type
from .._numerics import bose
from ..fcs import CountingSetup, Currents
from ..lindblad import (
    AbstractMasterEquation,
    Bath,
    GlobalME,
    LindbladModel,
    LocalME,
    OhmicCutoff,
    global_model,
    lindblad_model,
)
from ..lindblad._model import _check_charge_shift
from ..lindblad._sector import normalize_charges

_C = np.complex128


class RotorParams(eqx.Module):
    """Device parameters (defaults: seed 004, Fig. 2, with ``beta2 = 0.03``).

    ``b1, b2``: qubit fields (splittings 2 B_i); ``beta1`` (cold), ``beta2``
    (hot), ``beta_r`` (load) inverse temperatures; ``g, chi``: bath couplings
    ``g_{1,2} = g (1 -/+ chi)``; ``lam``: three-body coupling; ``gamma``: load
    rate; ``inertia``: moment of inertia I.  Every field is stored as a float64
    array (new values never recompile) and may carry a batch shape (see
    ``solve_device``).  The Ohmic cut-off of the global ME is a field of
    :class:`jaxqtm.lindblad.GlobalME`.
    """

    b1: jax.Array = eqx.field(default=4.0, converter=as_real("RotorParams.b1"))
    b2: jax.Array = eqx.field(default=10.0, converter=as_real("RotorParams.b2"))
    beta1: jax.Array = eqx.field(default=0.1, converter=as_real("RotorParams.beta1"))
    beta2: jax.Array = eqx.field(default=0.03, converter=as_real("RotorParams.beta2"))
    beta_r: jax.Array = eqx.field(default=0.09, converter=as_real("RotorParams.beta_r"))
    g: jax.Array = eqx.field(default=1.0, converter=as_real("RotorParams.g"))
    chi: jax.Array = eqx.field(default=0.0, converter=as_real("RotorParams.chi"))
    lam: jax.Array = eqx.field(default=0.1, converter=as_real("RotorParams.lam"))
    gamma: jax.Array = eqx.field(default=5e-5, converter=as_real("RotorParams.gamma"))
    inertia: jax.Array = eqx.field(default=1.0, converter=as_real("RotorParams.inertia"))

    def bounds(self) -> list[Bound]:
        """Allowed ranges, declared once for :func:`validate_params` and :func:`param_violation`."""
        return [
            Bound(f"RotorParams.{name}", getattr(self, name), lo, 1.0 if name == "chi" else None, lo_open=lo_open)
            for name, (lo, lo_open) in _RANGES.items()
        ]

    def swapped(self) -> RotorParams:
        """The same device with the two qubit-bath temperatures exchanged."""
        return eqx.tree_at(lambda p: (p.beta1, p.beta2), self, (self.beta2, self.beta1))


# allowed ranges: (lo, lo_open); chi also has hi = 1
_RANGES = dict(
    b1=(0.0, True),
    b2=(0.0, True),
    beta1=(0.0, True),
    beta2=(0.0, True),
    beta_r=(0.0, True),
    inertia=(0.0, True),
    g=(0.0, False),
    gamma=(0.0, False),
    lam=(None, False),
    chi=(-1.0, False),
)


def validate_params(p: RotorParams) -> None:
    """Boundary checks of concrete fields (every entry of array fields); ``ValueError``
    naming the field, its value and the allowed range.  Traced fields are checked in
    the kernel (:func:`param_violation`)."""
    check_type(p, "params", RotorParams, "jaxqtm.rotor.RotorParams")
    check_bounds(p.bounds())


def param_violation(p: RotorParams):
    """Traced form of :func:`validate_params`: True where some field is out of range."""
    return ~bounds_hold(p.bounds())


def check_truncation(truncation) -> int:
    """The rotor cut-off ``L`` (basis ``l = -L..L``): a Python int >= 2."""
    return check_int(truncation, "truncation", 2)


@functools.lru_cache(maxsize=64)
def operators(truncation: int) -> dict:
    """Static (numpy) operators of the device on the truncated space."""
    ll = int(truncation)
    d = 2 * ll + 1
    i2, idr = np.eye(2), np.eye(d)
    sz = np.diag([1.0, -1.0])
    sp = np.array([[0.0, 1.0], [0.0, 0.0]])
    sm = sp.T
    shift = np.eye(d, k=-1)  # e^{i phi}: |l> -> |l+1>, i.e. shift[l+1, l] = 1
    lz = np.diag(np.arange(-ll, ll + 1, dtype=float))

    def k3(a, b, c):
        return np.kron(np.kron(a, b), c).astype(_C)

    ops: dict[str, Any] = dict(
        s1z=k3(sz, i2, idr),
        s2z=k3(i2, sz, idr),
        s1p=k3(sp, i2, idr),
        s1m=k3(sm, i2, idr),
        s2p=k3(i2, sp, idr),
        s2m=k3(i2, sm, idr),
        eiphi=k3(i2, i2, shift),
        lz=k3(i2, i2, lz),
        lz2=k3(i2, i2, lz @ lz),
        mill=k3(sp, sm, shift),  # s1+ s2- e^{i phi}
        rotor_lz=lz.astype(_C),
    )
    n1 = np.kron(np.kron([1, 0], [1, 1]), np.ones(d)).astype(np.int64)
    n2 = np.kron(np.kron([1, 1], [1, 0]), np.ones(d)).astype(np.int64)
    lvals = np.kron(np.ones(4), np.arange(-ll, ll + 1)).astype(np.int64)
    ops["charges"] = np.stack([n1 + n2, lvals - n1])
    ops["dims"] = (2, 2, d)
    # static charge shifts of the load's jumps e^{+-i phi}(1 -+ kappa L_z): they are
    # traced under jit (kappa), so the sparse assembly is told their structure
    qn = normalize_charges(ops["charges"], 4 * d)
    ops["load_shifts"] = (
        _check_charge_shift("e^{i phi}", ops["eiphi"], qn),
        _check_charge_shift("e^{-i phi}", ops["eiphi"].T, qn),
    )
    for v in ops.values():
        if isinstance(v, np.ndarray):
            v.setflags(write=False)
    return ops


def hamiltonian_parts(p: RotorParams, truncation: int):
    """``(H_S0, H_SI)``: bare (eq. 2) and three-body interaction (eq. 3) parts."""
    o = operators(truncation)
    h0 = p.b1 * o["s1z"] + p.b2 * o["s2z"] + o["lz2"] / (2.0 * p.inertia)
    mill = jnp.asarray(o["mill"])
    hi = p.lam * (mill + jnp.conj(mill.T))
    return jnp.asarray(h0, jnp.complex128), hi.astype(jnp.complex128)


def load_operators(p: RotorParams, truncation: int):
    """The load's two jump operators and their common rate ``I gamma / beta_r``."""
    o = operators(truncation)
    kappa = p.beta_r / (4.0 * p.inertia)
    e = jnp.asarray(o["eiphi"])
    lzd = jnp.asarray(np.real(np.diagonal(o["lz"])))
    # L_z is diagonal: right-multiplication is a column scaling (an n^3 matmul
    # here cost more than the whole sparse steady-state solve at L = 40)
    cp = e * (1.0 - kappa * lzd)[None, :]
    cm = jnp.conj(e.T) * (1.0 + kappa * lzd)[None, :]
    return (cp, cm), p.inertia * p.gamma / p.beta_r


def rotor_model(
    params: RotorParams,
    truncation: int,
    *,
    equation: AbstractMasterEquation = LocalME(),
    load: bool = True,
) -> LindbladModel:
    """The device as a :class:`~jaxqtm.lindblad.LindbladModel`.

    ``equation=LocalME()``: collision-model LME (eqs. 13--17), channels
    ``"cold"`` (qubit 1), ``"hot"`` (qubit 2), ``"load"``; heat is measured with the
    bare ``H_S0`` (eq. 18, ``model.heat_energy``).  ``GlobalME(secular_tol, cutoff)``:
    semi-global ME (eq. 27, appendix A) with Ohmic spectral densities
    ``g_i^2 w Omega^2/(w^2+Omega^2)`` (A16--A17; ``cutoff=None``: ``Omega = 2 max(B1, B2)``,
    the largest qubit transition frequency) and the local load.  ``load=False`` drops
    the load (no steady state within the truncation; used for the time evolution of
    Fig. 6).  The model carries the two conserved charges, so the sector solver is used
    by default.
    """
    truncation = check_truncation(truncation)
    validate_params(params)
    check_type(equation, "equation", (LocalME, GlobalME), "LocalME() or GlobalME(...)")
    p = params
    o = operators(truncation)
    h0, hi = hamiltonian_parts(p, truncation)
    h = h0 + hi
    g1 = p.g * (1.0 - p.chi)
    g2 = p.g * (1.0 + p.chi)
    (cp, cm), rload = load_operators(p, truncation)
    lops = [cp, cm] if load else []
    lrates = [rload, rload] if load else []
    lch = ["load", "load"] if load else []
    lsh = list(o["load_shifts"]) if load else []
    if isinstance(equation, LocalME):
        n1 = bose(p.beta1, 2.0 * p.b1)  # eq. 16: n = 1/(exp(2 beta B) - 1)
        n2 = bose(p.beta2, 2.0 * p.b2)
        ops = [o["s1p"], o["s1m"], o["s2p"], o["s2m"], *lops]
        rates = [g1**2 * n1, g1**2 * (n1 + 1), g2**2 * n2, g2**2 * (n2 + 1), *lrates]
        ch = ["cold", "cold", "hot", "hot", *lch]
        # heat of the local (collision-model) ME is measured with the bare H_S0 (eq. 18)
        return lindblad_model(
            h,
            ops,
            rates,
            channels=ch,
            charges=o["charges"],
            dims=o["dims"],
            shifts=[None] * 4 + lsh,
            heat_energy=h0,
        )
    assert isinstance(equation, GlobalME)
    cutoff = 2.0 * jnp.maximum(p.b1, p.b2) if equation.cutoff is None else equation.cutoff
    baths = [
        Bath((o["s1m"], o["s1p"]), p.beta1, OhmicCutoff(g1**2, cutoff), name="cold"),
        Bath((o["s2m"], o["s2p"]), p.beta2, OhmicCutoff(g2**2, cutoff), name="hot"),
    ]
    return global_model(
        h,
        baths,
        local_ops=lops,
        local_rates=lrates,
        local_channels=lch,
        local_shifts=lsh,
        charges=o["charges"],
        secular_tol=equation.secular_tol,
        dims=o["dims"],
    )


def currents(params: RotorParams, truncation: int) -> CountingSetup:
    """The local-ME device with its counted heat currents (for :mod:`jaxqtm.fcs`).

    ``(model, currents, entropy)``: ``model = rotor_model(params, truncation)``; currents
    ``Q_1`` (cold bath, eqs. 18--19), ``Q_2`` (hot bath), ``Q_r`` (load heat, eq. 21), each
    the energy its jumps bring in measured with the bare ``H_S0`` (operator weights: the
    load's jumps ``e^{+-i phi}(1 -+ kappa L_z)`` are not eigen-operators of ``H_S0``);
    ``entropy``: ``-beta_c`` times the same energies, whose mean is the entropy
    production ``-sum_c beta_c Q_c``.
    """
    model = rotor_model(params, truncation)
    h0 = model.heat_energy
    wops = (h0,) * len(model.ops)
    weights = jnp.array([[1.0, 1.0, 0, 0, 0, 0], [0, 0, 1.0, 1.0, 0, 0], [0, 0, 0, 0, 1.0, 1.0]])
    p = params
    ent = -jnp.stack(jnp.broadcast_arrays(p.beta1, p.beta1, p.beta2, p.beta2, p.beta_r, p.beta_r))
    return CountingSetup(model, Currents(weights, wops, ("Q_1", "Q_2", "Q_r")), Currents(ent[None], wops, ("entropy",)))


def angular_momentum_current() -> Currents:
    """Angular momentum the load gives the rotor (scalar weights ``+1``/``-1`` on its two
    jumps ``e^{+-i phi}``), for the terms of :func:`rotor_model` with the load."""
    return Currents(jnp.array([[0.0, 0.0, 0.0, 0.0, 1.0, -1.0]]), None, ("L_z",))
