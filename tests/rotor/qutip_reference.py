"""Independent QuTiP implementation of the seed-004 device (test reference).

Written from the seed's equations with QuTiP's own operators: the load uses the
literal cos/sin form of eq. 17 (not jaxqtm's e^{+-i phi} rewriting), the global
ME uses QuTiP's Bloch--Redfield tensor with sigma_x couplings.
"""

import numpy as np
import qutip as qt


def rotor_ops(L):
    d = 2 * L + 1
    # CSR: a Qobj built from a numpy array is dense, and so would be every product with it
    shift = qt.Qobj(np.eye(d, k=-1)).to("CSR")  # e^{i phi}|l> = |l+1>
    lz = qt.Qobj(np.diag(np.arange(-L, L + 1, dtype=float))).to("CSR")
    i2, idr = qt.qeye(2), qt.qeye(d)
    op = dict(
        s1z=qt.tensor(qt.sigmaz(), i2, idr),
        s2z=qt.tensor(i2, qt.sigmaz(), idr),
        s1p=qt.tensor(qt.sigmap(), i2, idr),
        s1m=qt.tensor(qt.sigmam(), i2, idr),
        s2p=qt.tensor(i2, qt.sigmap(), idr),
        s2m=qt.tensor(i2, qt.sigmam(), idr),
        e=qt.tensor(i2, i2, shift),
        lz=qt.tensor(i2, i2, lz),
    )
    return op


def hamiltonian(p, L):
    o = rotor_ops(L)
    h0 = p["b1"] * o["s1z"] + p["b2"] * o["s2z"] + o["lz"] * o["lz"] / (2 * p["inertia"])
    hi = p["lam"] * (o["s1p"] * o["s2m"] * o["e"] + o["s1m"] * o["s2p"] * o["e"].dag())
    return h0, hi


def load_cops(p, L):
    o = rotor_ops(L)
    e, lz = o["e"], o["lz"]
    cos = 0.5 * (e + e.dag())
    sin = (e - e.dag()) / 2j
    k = p["beta_r"] / (4 * p["inertia"])
    a = cos - 1j * k * sin * lz
    b = sin + 1j * k * cos * lz
    pref = 2 * p["inertia"] * p["gamma"] / p["beta_r"]
    return [np.sqrt(pref) * a, np.sqrt(pref) * b]


def local_cops(p, L):
    """Collapse operators of eq. 13--17, grouped by channel."""
    o = rotor_ops(L)
    g1, g2 = p["g"] * (1 - p["chi"]), p["g"] * (1 + p["chi"])
    n1 = 1 / (np.exp(2 * p["beta1"] * p["b1"]) - 1)
    n2 = 1 / (np.exp(2 * p["beta2"] * p["b2"]) - 1)
    return dict(
        cold=[np.sqrt(g1**2 * n1) * o["s1p"], np.sqrt(g1**2 * (n1 + 1)) * o["s1m"]],
        hot=[np.sqrt(g2**2 * n2) * o["s2p"], np.sqrt(g2**2 * (n2 + 1)) * o["s2m"]],
        load=load_cops(p, L),
    )


def dissipate(c, rho):
    return c * rho * c.dag() - 0.5 * (c.dag() * c * rho + rho * c.dag() * c)


def ohmic_rate(strength, cutoff, beta):
    """gamma(w) = J(w)(1+n(w)), J odd; plain numpy with explicit branches."""

    def s(w):
        w = float(np.real(w))
        if w == 0.0:
            return strength / beta
        jw = strength * abs(w) * cutoff**2 / (w**2 + cutoff**2)
        nb = 1.0 / np.expm1(beta * abs(w))
        return jw * (nb + 1.0) if w > 0 else jw * nb

    return s


def params_dict(p, cutoff=None):
    d = {
        k: float(getattr(p, k)) for k in ("b1", "b2", "beta1", "beta2", "beta_r", "g", "chi", "lam", "gamma", "inertia")
    }
    d["cutoff"] = 2 * max(d["b1"], d["b2"]) if cutoff is None else float(cutoff)
    return d
