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

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ..lindblad import Bath, LindbladModel, OhmicCutoff, global_model, lindblad_model
from ..lindblad._model import _check_charge_shift
from ..lindblad._sector import normalize_charges
from ..lindblad._validate import is_concrete

_C = np.complex128


class RotorParams(eqx.Module):
    """Device parameters (defaults: seed 004, Fig. 2, with ``beta2 = 0.03``).

    ``b1, b2``: qubit fields (splittings 2 B_i); ``beta1`` (cold), ``beta2``
    (hot), ``beta_r`` (load) inverse temperatures; ``g, chi``: bath couplings
    ``g_{1,2} = g (1 -/+ chi)``; ``lam``: three-body coupling; ``gamma``: load
    rate; ``inertia``: moment of inertia I; ``cutoff``: Ohmic cutoff Omega of the
    global ME (``None``: 2 max(B1, B2), the largest qubit transition frequency).
    Any field may be an array with a leading batch axis (see ``solve_device``).
    """

    b1: jax.Array | float = 4.0
    b2: jax.Array | float = 10.0
    beta1: jax.Array | float = 0.1
    beta2: jax.Array | float = 0.03
    beta_r: jax.Array | float = 0.09
    g: jax.Array | float = 1.0
    chi: jax.Array | float = 0.0
    lam: jax.Array | float = 0.1
    gamma: jax.Array | float = 5e-5
    inertia: jax.Array | float = 1.0
    cutoff: jax.Array | float | None = None

    def swapped(self) -> "RotorParams":
        """The same device with the two qubit-bath temperatures exchanged."""
        return eqx.tree_at(lambda p: (p.beta1, p.beta2), self, (self.beta2, self.beta1))


_POSITIVE = ("b1", "b2", "beta1", "beta2", "beta_r", "inertia")
_NONNEG = ("g", "gamma")


def validate_params(p: RotorParams):
    """Python-level checks (skipped for traced values); raises ``ValueError``."""
    for name in _POSITIVE + _NONNEG + ("chi", "lam", "cutoff"):
        v = getattr(p, name)
        if v is None or not is_concrete(v):
            continue
        a = np.asarray(v)
        if np.iscomplexobj(a):
            raise ValueError(f"RotorParams.{name} must be real")
        if not np.all(np.isfinite(a)):
            raise ValueError(f"RotorParams.{name} contains NaN or inf")
        if name in _POSITIVE and np.any(a <= 0):
            raise ValueError(f"RotorParams.{name} must be > 0 (got min {a.min():.6g})")
        if name in _NONNEG and np.any(a < 0):
            raise ValueError(f"RotorParams.{name} must be >= 0 (got min {a.min():.6g})")
        if name == "chi" and np.any(np.abs(a) > 1):
            raise ValueError(f"RotorParams.chi must lie in [-1, 1] (got {a.ravel()[0]:.6g})")
        if name == "cutoff" and np.any(a <= 0):
            raise ValueError("RotorParams.cutoff must be > 0")


def check_truncation(truncation) -> int:
    if not isinstance(truncation, (int, np.integer)) or isinstance(truncation, bool):
        raise ValueError(f"truncation must be a Python int L (l = -L..L); got {truncation!r}")
    if truncation < 2:
        raise ValueError(f"truncation L must be >= 2 (got {truncation}); the rotor needs room to move")
    return int(truncation)


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

    ops = dict(
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


def bose_occupation(beta, b):
    """``n = 1/(exp(2 beta B) - 1)`` (eq. 16)."""
    return 1.0 / jnp.expm1(2.0 * beta * b)


def rotor_model(
    p: RotorParams,
    truncation: int,
    *,
    master_equation: str = "local",
    load: bool = True,
    secular_tol: float = 1e-9,
) -> LindbladModel:
    """The device as a :class:`~jaxqtm.lindblad.LindbladModel`.

    ``master_equation="local"``: collision-model LME (eqs. 13--17), channels
    ``"cold"`` (qubit 1), ``"hot"`` (qubit 2), ``"load"``.
    ``"global"``: semi-global ME (eq. 27, appendix A) with Ohmic spectral
    densities ``g_i^2 w Omega^2/(w^2+Omega^2)`` (A16--A17) and the local load.
    ``load=False`` drops the load (no steady state within the truncation;
    used for the time evolution of Fig. 6).  The model carries the two
    conserved charges, so the sector solver is used by default.
    """
    truncation = check_truncation(truncation)
    validate_params(p)
    if master_equation not in ("local", "global"):
        raise ValueError(f"master_equation must be 'local' or 'global'; got {master_equation!r}")
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
    if master_equation == "local":
        n1 = bose_occupation(p.beta1, p.b1)
        n2 = bose_occupation(p.beta2, p.b2)
        ops = [o["s1p"], o["s1m"], o["s2p"], o["s2m"], *lops]
        rates = [g1**2 * n1, g1**2 * (n1 + 1), g2**2 * n2, g2**2 * (n2 + 1), *lrates]
        ch = ["cold", "cold", "hot", "hot", *lch]
        # heat of the local (collision-model) ME is measured with the bare H_S0 (eq. 18)
        return lindblad_model(
            h, ops, rates, channels=ch, charges=o["charges"], dims=o["dims"],
            shifts=[None] * 4 + lsh, heat_energy=h0,
        )
    cutoff = 2.0 * jnp.maximum(p.b1, p.b2) if p.cutoff is None else p.cutoff
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
        secular_tol=secular_tol,
        dims=o["dims"],
    )
