"""Generic GKSL models without a conserved charge, for the steady-state scale benchmark and tests.

Each builder returns ``(h, c_ops, dims)`` as numpy arrays (collapse operators carry their
rates, QuTiP's convention), so the same model goes to :func:`jaxqtm.lindblad.from_qutip`
and to QuTiP's ``steadystate``.
"""

from __future__ import annotations

import numpy as np


def _destroy(d):
    return np.diag(np.sqrt(np.arange(1, d)), 1).astype(complex)


def _kron(*ops):
    out = np.ones((1, 1), complex)
    for o in ops:
        out = np.kron(out, o)
    return out


_SM = np.array([[0, 0], [1, 0]], complex)  # |e> = (1, 0): sigma_- maps e -> g
_SZ = np.diag([1.0, -1.0]).astype(complex)
_SX = np.array([[0, 1], [1, 0]], complex)
_I2 = np.eye(2, dtype=complex)


def cavity_qubits(levels: int, *, drive=0.3, kerr=0.05, g=0.2, kappa=0.5, n_th=0.2, gamma=0.1, dephasing=0.02):
    """Two qubits coupled to a driven Kerr cavity with ``levels`` Fock states (``n = 4 levels``).

    ``H = d_c a^dag a + (K/2) a^dag a^dag a a + sum_j [d_q sz_j / 2 + g (a s+_j + h.c.)]
    + drive (a + a^dag)``; thermal cavity loss (``kappa``, ``n_th``), qubit decay and
    dephasing.  The drive breaks the excitation-number symmetry.
    """
    a1 = _destroy(levels)
    ic = np.eye(levels, dtype=complex)
    a = _kron(a1, _I2, _I2)
    s1 = _kron(ic, _SM, _I2)
    s2 = _kron(ic, _I2, _SM)
    z1 = _kron(ic, _SZ, _I2)
    z2 = _kron(ic, _I2, _SZ)
    ad = a.conj().T
    h = 0.1 * ad @ a + 0.5 * kerr * ad @ ad @ a @ a
    for s, z, dq in ((s1, z1, 0.15), (s2, z2, -0.1)):
        h = h + 0.5 * dq * z + g * (a @ s.conj().T + ad @ s)
    h = h + drive * (a + ad)
    c_ops = [np.sqrt(kappa * (1 + n_th)) * a, np.sqrt(kappa * n_th) * ad]
    for s, z in ((s1, z1), (s2, z2)):
        c_ops += [np.sqrt(gamma) * s, np.sqrt(dephasing) * z]
    return h, c_ops, (levels, 2, 2)


def spin_chain(spins: int, *, coupling=1.0, field=0.7, gamma=0.3):
    """Dissipative transverse-field Ising chain (open ends): ``n = 2^spins``.

    ``H = J sum_i sz_i sz_{i+1} + h sum_i sx_i``, decay ``sqrt(gamma) s-_i`` on every site.
    """

    def site(op, i):
        return _kron(*[op if k == i else _I2 for k in range(spins)])

    h = sum(coupling * site(_SZ, i) @ site(_SZ, i + 1) for i in range(spins - 1))
    h = h + sum(field * site(_SX, i) for i in range(spins))
    c_ops = [np.sqrt(gamma) * site(_SM, i) for i in range(spins)]
    return np.asarray(h, complex), c_ops, (2,) * spins


def maser_cavity(levels: int, *, g=0.15, gamma_h=0.1, n_h=3.0, gamma_c=0.2, n_c=0.05, kappa=0.05, drive=0.02):
    """Three-level maser (levels 0 < 1 < 2) in a weakly driven cavity (``n = 3 levels``).

    Hot bath on 0<->2, cold bath on 0<->1 (thermal, occupations ``n_h``, ``n_c``), the
    1<->2 transition resonant with the cavity (Jaynes--Cummings ``g``), cavity loss
    ``kappa``; the drive breaks the excitation-number symmetry.
    """
    a1 = _destroy(levels)
    ic = np.eye(levels, dtype=complex)
    e = np.eye(3, dtype=complex)

    def ket(i, j):
        return np.outer(e[i], e[j])

    w = (0.0, 0.4, 1.4)
    wc = w[2] - w[1]
    a = np.kron(a1, np.eye(3))
    ad = a.conj().T
    h = wc * ad @ a + sum(wi * np.kron(ic, ket(i, i)) for i, wi in enumerate(w))
    h = h + g * (a @ np.kron(ic, ket(2, 1)) + ad @ np.kron(ic, ket(1, 2)))
    h = h + drive * (a + ad)
    # rotating frame of the cavity frequency on cavity and 1<->2 is not needed: the drive is
    # static in the lab frame here (a generic time-independent model)
    lo_h, lo_c = np.kron(ic, ket(0, 2)), np.kron(ic, ket(0, 1))
    c_ops = [
        np.sqrt(gamma_h * (1 + n_h)) * lo_h,
        np.sqrt(gamma_h * n_h) * lo_h.conj().T,
        np.sqrt(gamma_c * (1 + n_c)) * lo_c,
        np.sqrt(gamma_c * n_c) * lo_c.conj().T,
        np.sqrt(kappa) * a,
    ]
    return h, c_ops, (levels, 3)


MODELS = {"cavity_qubits": (cavity_qubits, 4), "spin_chain": (spin_chain, None), "maser_cavity": (maser_cavity, 3)}


def build(name: str, n_target: int):
    """The model ``name`` with Hilbert dimension closest to ``n_target`` (``(h, c_ops, dims)``)."""
    fn, per = MODELS[name]
    if per is None:
        return fn(max(2, int(round(np.log2(n_target)))))
    return fn(max(2, int(round(n_target / per))))


def cavity_qubits_parametric(levels: int):
    """``params -> (h, ops, rates, channels)`` of :func:`cavity_qubits` with traceable parameters.

    ``params = (drive, kerr, g, kappa, n_th, gamma, dephasing)``; ``h`` is linear in the
    first three, the rates are ``kappa (1 + n_th), kappa n_th, gamma, dephasing`` (x2 qubits).
    Built from the numpy builder at unit values, so it is the same model.
    """
    import jax.numpy as jnp

    zero = dict(drive=0.0, kerr=0.0, g=0.0)
    h0, c1, _ = cavity_qubits(levels, **zero, kappa=1.0, n_th=1.0, gamma=1.0, dephasing=1.0)
    hs = [cavity_qubits(levels, **{**zero, k: 1.0})[0] - h0 for k in ("drive", "kerr", "g")]
    # collapse operators at unit rate: a (sqrt(1+1) removed), a^dag, s1, z1, s2, z2
    ops = [c1[0] / np.sqrt(2.0), c1[1], c1[2], c1[3], c1[4], c1[5]]
    channels = ["cavity", "cavity", "qubit1", "qubit1", "qubit2", "qubit2"]

    def build(params):
        drive, kerr, g, kappa, n_th, gamma, dephasing = (params[i] for i in range(7))
        h = h0 + drive * hs[0] + kerr * hs[1] + g * hs[2]
        rates = [kappa * (1 + n_th), kappa * n_th, gamma, dephasing, gamma, dephasing]
        return jnp.asarray(h), ops, rates, channels

    return build


DEFAULT_PARAMS = (0.3, 0.05, 0.2, 0.5, 0.2, 0.1, 0.02)
