r"""Independent high-precision (mpmath) reference for the two-oscillator machine.

Seed 001 (Razzoli et al., "Synchronization-induced violation of thermodynamic uncertainty
relations"), sections II-IV and appendices B, C, D, F.  Units hbar = k_B = m = 1.

This module is deliberately independent of ``jaxqtm.oscillators``: it evaluates every
observable as a real-line integral with arbitrary-precision tanh-sinh quadrature
(the nodes of ``mpmath``'s ``TanhSinh`` rule), split at the real parts of all poles of the
integrand, with geometric refinement around near-real poles so that resonance widths down
to 1e-9 and below are resolved.  Run ``python tests/oscillators/reference.py`` to regenerate
``tests/oscillators/data/reference_values.json``.

Conventions (each re-derived, see ``CONVENTIONS`` below and the report):

* chi_2 = M(w)^{-1}, M = [[wA^2 - w^2 - i w g2, -i w g2], [-i w g2, wB^2 - w^2 - i w g2]]
  ("joint"), or diag(1/(w_l^2 - w^2 - i w g2)) ("independent").  Hence
  chi^(AA) = -(w^2 - wB^2 + i w g2)/D(w), chi^(AB) = i w g2/D(w), D = det M = eq. (10).
  (Eq. (9) as printed carries w_l in the diagonal element; that is the wrong oscillator.)
* P_l^(0) (14), dP_l (B18), P (16), J1 (17), D_{P_l} (18), D_P (B20): prefactor 1/(4 pi).
  Checked against Fermi's golden rule on Fock states (self-check tests).
  J2 = -int dw/(4 pi) w J1(w+W) N chi_eff''(w) (evaluated as its own integral); the balance
  P + J1 + J2 = 0 then holds; J_nu > 0 means energy leaving bath nu (entering the WM).
  Sdot = -J1/T1 - J2/T2.
* <dx_l dx_l'> = int dw/(2 pi) coth(w/2T2) chi''_ll'(w) (FDT for chi = m chi_std), NOT the
  1/(4 pi) printed in (12) (which gives half of equipartition).
* N(w,W) J1(w+W) chi''(w) and N coth(lambda) are evaluated through
  N = sinh(b-a)/(sinh a sinh b), N coth(b-a) = coth a coth b - 1 = cosh(a-b)/(sinh a sinh b),
  a = (w+W)/2T1, b = w/2T2, with x/sinh(x), x coth(x) written removably (C9-C10).
* Bath-1 shifted response zeta1 = chi1 - chi1(0), chi1 retarded with chi1'' = J1:
  Drude   chi1 = g1 wc^2/(wc - i w)          -> zeta1' = -(w/wc) J1
  Ohmic   chi1 = i g1 w                      -> zeta1' = 0
  Lorentz chi1 = d1/(w1^2 - w^2 - i g1 w)    -> zeta1' = d1 (w1^2-w^2)/Q(w) - d1/w1^2,
          Q = (w^2-w1^2)^2 + g1^2 w^2   (poles in the lower half plane, decays: KK-consistent).
* dP_l uses P_l = <dot g_l dH/dg_l> (the convention behind (B2)/(B10)): the counter-term
  x_l x_lbar share produces the -chi1(0) of zeta1.
* V_{P_l} (26): two conventions for dP_l/dW: "fixed" (f_A, f_B held fixed) and "r"
  (f_A fixed, f_B(W') = f_B (W'/W)^r, i.e. the paper's f_B = (W/wc)^r when f_B was given
  as (W/wc)^r).  Derivative by a 4th-order central stencil at the working precision,
  h = 1e-6 W (mpmath.diff's default would redo every quadrature at doubled precision).
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import mpmath as mp

__all__ = [
    "observables",
    "x_correlations",
    "asymptotic_coefficients",
    "validate_params",
    "PARAMETER_SETS",
    "FGR_SETS",
]

CONVENTIONS = __doc__

_DATA = Path(__file__).resolve().parent / "data" / "reference_values.json"


# --------------------------------------------------------------------------- validation
def validate_params(p: dict) -> dict:
    """Check a parameter dict and return a normalised copy (floats / strings)."""
    if not isinstance(p, dict):
        raise ValueError("params must be a dict")
    q = dict(p)
    for name in ("omega_A", "omega_B", "gamma2", "T1", "T2", "Omega"):
        if name not in q:
            raise ValueError(f"missing parameter {name!r}")
        if not (q[name] > 0):
            raise ValueError(f"{name} must be > 0 (got {q[name]!r})")
    q.setdefault("phi", math.pi / 2)
    q.setdefault("f_A", 1.0)
    q.setdefault("f_B", 1.0)
    q.setdefault("r", 0.0)
    q.setdefault("configuration", "joint")
    if q["configuration"] not in ("joint", "independent"):
        raise ValueError(f"configuration must be 'joint' or 'independent' (got {q['configuration']!r})")
    if q["configuration"] == "joint" and q["omega_A"] == q["omega_B"]:
        raise ValueError(
            "omega_A == omega_B in the joint configuration: the relative mode is "
            "dissipation-free and there is no steady state (seed 001, sec. III)"
        )
    j = q.get("J1")
    if not isinstance(j, dict) or "kind" not in j:
        raise ValueError("J1 must be a dict with a 'kind' in {'drude','ohmic','lorentzian'}")
    j = dict(j)
    if j["kind"] not in ("drude", "ohmic", "lorentzian"):
        raise ValueError(f"J1['kind'] must be 'drude', 'ohmic' or 'lorentzian' (got {j['kind']!r})")
    if not (j.get("gamma1", 0) > 0):
        raise ValueError("J1['gamma1'] must be > 0")
    if j["kind"] == "drude" and not (j.get("omega_c", 0) > 0):
        raise ValueError("J1['omega_c'] must be > 0 for the Drude-Lorentz J1")
    if j["kind"] == "lorentzian":
        for k in ("d1", "omega1"):
            if not (j.get(k, 0) > 0):
                raise ValueError(f"J1[{k!r}] must be > 0 for the structured Lorentzian J1")
    q["J1"] = j
    return q


# --------------------------------------------------------------------------- model
def _sa(x):
    """x / sinh(x), removable at 0."""
    if x == 0:
        return mp.mpf(1)
    if abs(x) > 10**6:  # e^{-10^6}: negligible, avoid the huge-exponent arithmetic
        return mp.mpf(0)
    return x / mp.sinh(x)


def _xcoth(x):
    """x coth(x), removable at 0 (= |x| for large |x|)."""
    if x == 0:
        return mp.mpf(1)
    ax = abs(x)
    if ax > 10**6:
        return ax
    return x / mp.tanh(x)


class _Model:
    """Parameters as mpf at the current working precision, plus the elementary functions."""

    def __init__(self, p: dict):
        p = validate_params(p)
        self.p = p
        f = mp.mpf
        self.wA, self.wB, self.g2 = f(p["omega_A"]), f(p["omega_B"]), f(p["gamma2"])
        self.T1, self.T2, self.W = f(p["T1"]), f(p["T2"]), f(p["Omega"])
        self.phi, self.fA, self.fB, self.r = f(p["phi"]), f(p["f_A"]), f(p["f_B"]), f(p["r"])
        self.joint = p["configuration"] == "joint"
        j = p["J1"]
        self.kind = j["kind"]
        self.g1 = f(j["gamma1"])
        self.wc = f(j.get("omega_c", 1))
        self.d1 = f(j.get("d1", 1))
        self.w1 = f(j.get("omega1", 1))
        self.a, self.b = self.wA**2, self.wB**2

    # ---- bath 1 ----
    def j_over_u(self, u):
        """J1(u)/u (even, smooth)."""
        if self.kind == "drude":
            return self.g1 / (1 + (u / self.wc) ** 2)
        if self.kind == "ohmic":
            return self.g1
        q = (u * u - self.w1**2) ** 2 + (self.g1 * u) ** 2
        return self.d1 * self.g1 / q

    def J(self, u):
        return u * self.j_over_u(u)

    def Jdot(self, u):
        if self.kind == "drude":
            x2 = (u / self.wc) ** 2
            return self.g1 * (1 - x2) / (1 + x2) ** 2
        if self.kind == "ohmic":
            return self.g1
        w12 = self.w1**2
        q = (u * u - w12) ** 2 + (self.g1 * u) ** 2
        dq = 4 * u * (u * u - w12) + 2 * self.g1**2 * u
        return self.d1 * self.g1 * (q - u * dq) / q**2

    def zeta_re(self, u):
        """zeta1'(u) = Re[chi1(u) - chi1(0)] (see module docstring)."""
        if self.kind == "drude":
            return -(u / self.wc) * self.J(u)
        if self.kind == "ohmic":
            return mp.mpf(0)
        w12 = self.w1**2
        q = (w12 - u * u) ** 2 + (self.g1 * u) ** 2
        return self.d1 * (w12 - u * u) / q - self.d1 / w12

    def J_poles(self):
        """(real part, |imag part|) of the poles of J1(u)."""
        if self.kind == "drude":
            return [(mp.mpf(0), self.wc)]
        if self.kind == "ohmic":
            return []
        w12, g = self.w1**2, self.g1
        roots = mp.polyroots([1, 0, g * g - 2 * w12, 0, w12 * w12], maxsteps=200, extraprec=60)
        return [(mp.re(z), abs(mp.im(z))) for z in roots]

    # ---- bath 2 / response ----
    def chi(self, w):
        """(chi''_AA/w, chi''_BB/w, chi''_AB/w, chi'_AB) at real w (all finite at w = 0)."""
        g = self.g2
        if self.joint:
            a, b = self.a, self.b
            w2 = w * w
            s = 2 * w2 - a - b
            dr = (w2 - a) * (w2 - b)
            di = w * g * s
            d2 = dr * dr + di * di
            caa = -g * ((b - w2) * s + dr) / d2
            cbb = -g * ((a - w2) * s + dr) / d2
            cab = g * dr / d2
            cab_re = w * g * di / d2
            return caa, cbb, cab, cab_re
        w2 = w * w
        da = (self.a - w2) ** 2 + (w * g) ** 2
        db = (self.b - w2) ** 2 + (w * g) ** 2
        return g / da, g / db, mp.mpf(0), mp.mpf(0)

    def chi_poles(self):
        g = self.g2
        if self.joint:
            a, b = self.a, self.b
            # D(w) = w^4 + 2 i g w^3 - (a+b) w^2 - i g (a+b) w + a b
            coeffs = [1, 2j * g, -(a + b), -1j * g * (a + b), a * b]
            roots = mp.polyroots(coeffs, maxsteps=400, extraprec=4 * mp.mp.prec)
        else:
            roots = []
            for w0sq in (self.a, self.b):
                disc = mp.sqrt(mp.mpc(4 * w0sq - g * g))
                roots += [(-1j * g + disc) / 2, (-1j * g - disc) / 2]
        return [(mp.re(z), abs(mp.im(z))) for z in roots]


# --------------------------------------------------------------------------- quadrature
_RULE = None


def _rule():
    global _RULE
    if _RULE is None or _RULE.ctx is not mp.mp:
        _RULE = mp.calculus.quadrature.TanhSinh(mp.mp)
    return _RULE


def _split_points(features, extra=()):
    """Break points: every feature (x0, eps) -> x0 and x0 +- eps * 8^k up to O(max(1,|x0|))."""
    pts = set(extra)
    for x0, eps in features:
        pts.add(x0)
        span = 4 * max(mp.mpf(1), abs(x0))
        d = eps
        while d < span:
            pts.add(x0 + d)
            pts.add(x0 - d)
            d *= 8
        pts.add(x0 + span)
        pts.add(x0 - span)
    pts = sorted(pts)
    out = [pts[0]]
    for x in pts[1:]:
        if x - out[-1] > mp.eps * 2**8 * max(mp.mpf(1), abs(x)):
            out.append(x)
    return [mp.ninf] + out + [mp.inf]


def _vquad(fvec, points, ncomp, maxdegree=10):
    """Vector tanh-sinh quadrature over consecutive intervals of ``points``.

    All components share the nodes (one integrand evaluation per node).  Per interval the
    degree is raised until every component changes by less than eps * int|f_i| (a global
    scale from a first pass), so tiny tail intervals do not force pointless refinement.
    Returns (values, error estimates, converged flag); the error of a component is the sum
    over intervals of the last level-to-level change (conservative for tanh-sinh).
    """
    rule = _rule()
    prec = mp.mp.prec
    intervals = list(zip(points[:-1], points[1:]))
    cache = {}

    def level_sums(a, b, maxdeg, prev=None):
        # yields per-degree vector results, reusing tanh-sinh nesting like sum_next
        results = prev or []
        start = len(results) + 1
        for deg in range(start, maxdeg + 1):
            nodes = rule.get_nodes(a, b, deg, prec)
            h = mp.ldexp(1, -deg)
            if results:
                S = [r / (2 * h) for r in results[-1]]
            else:
                S = [mp.mpf(0)] * ncomp
            for x, wt in nodes:
                key = (a, b, x)
                v = cache.get(key)
                if v is None:
                    v = fvec(x)
                    cache[key] = v
                for i in range(ncomp):
                    S[i] += wt * v[i]
            results.append([h * s for s in S])
        return results

    with mp.workprec(prec + 20):
        # pass 1: coarse magnitude of int |f_i| (degree 3, absolute values)
        scale = [mp.mpf(0)] * ncomp
        first = {}
        for a, b in intervals:
            res = level_sums(a, b, 3)
            first[(a, b)] = res
            for i in range(ncomp):
                scale[i] += abs(res[-1][i])
        eps = mp.ldexp(1, -prec)
        vals = [mp.mpf(0)] * ncomp
        errs = [mp.mpf(0)] * ncomp
        ok = True
        for a, b in intervals:
            res = first[(a, b)]
            deg = 3
            while True:
                diff = [abs(res[-1][i] - res[-2][i]) for i in range(ncomp)]
                if all(diff[i] <= eps * scale[i] or diff[i] == 0 for i in range(ncomp)):
                    break
                if deg >= maxdegree:
                    ok = False
                    break
                deg += 1
                res = level_sums(a, b, deg, res)
            for i in range(ncomp):
                vals[i] += res[-1][i]
                # floor at one ulp-ish of the interval contribution: a zero level-to-level
                # change only says "converged to working precision"
                errs[i] += max(diff[i], eps * abs(res[-1][i]))
    return vals, errs, ok


# --------------------------------------------------------------------------- integrands
_NAMES_W = [
    "K_AA",
    "K_BB",
    "K_AB",
    "uK_AA",
    "uK_BB",
    "uK_AB",
    "wK_AA",
    "wK_BB",
    "wK_AB",
    "Dk_AA",
    "Dk_BB",
    "Dk_AB",
    "E",
]
_NAMES_W_LIGHT = ["K_AA", "K_BB", "K_AB", "E"]
_NAMES_0 = ["cx_AA", "cx_BB", "cx_AB", "chiR_AB", "D2_AA", "D2_BB", "E0", "D5_AA", "D5_BB"]


def _integrand_W(m: _Model, light=False):
    """Omega-dependent integrands (u = w + Omega, a = u/2T1, b = w/2T2):

    K   = J1(u) N chi''(w)                      (P^(0), P, with u-> J1, with w-> J2)
    Dk  = J1(u) N coth(b - a) chi''(w)          (D_P, D_{P_l})
    E   = zeta1''(u) chi'_AB coth(a) + zeta1'(u) chi''_AB coth(b)        (dP, B18)
    """
    T1, T2, W = m.T1, m.T2, m.W
    c4 = 4 * T1 * T2

    def f(w):
        u = w + W
        a = u / (2 * T1)
        b = w / (2 * T2)
        ju = m.j_over_u(u)
        caa, cbb, cab, cab_re = m.chi(w)
        sab = c4 * _sa(a) * _sa(b)
        kf = ju * sab * mp.sinh(b - a)
        E = ju * 2 * T1 * _xcoth(a) * cab_re + m.zeta_re(u) * cab * 2 * T2 * _xcoth(b)
        if light:
            return (kf * caa, kf * cbb, kf * cab, E)
        df = ju * sab * mp.cosh(a - b)
        return (
            kf * caa,
            kf * cbb,
            kf * cab,
            u * kf * caa,
            u * kf * cbb,
            u * kf * cab,
            w * kf * caa,
            w * kf * cbb,
            w * kf * cab,
            df * caa,
            df * cbb,
            df * cab,
            E,
        )

    return f


def _integrand_0(m: _Model):
    """Omega-free integrands: <x x> (coth chi''), chi'_AB, and (D2), (D4), (D5) at W = 0."""
    T1, T2 = m.T1, m.T2

    def f(w):
        a = w / (2 * T1)
        b = w / (2 * T2)
        ju = m.j_over_u(w)
        caa, cbb, cab, cab_re = m.chi(w)
        xb = 2 * T2 * _xcoth(b)
        xa = 2 * T1 * _xcoth(a)
        wN0 = xa - xb  # w N(w, 0)
        jd = m.Jdot(w)
        s2 = 2 * T1 * _sa(a) ** 2  # w^2/(2T1 sinh^2 a)
        d2f = jd * wN0 - ju * s2  # [J' N - J/(2T1 sinh^2)] / (chi''/w)
        d5f = ju * 4 * T1 * T2 * _sa(a) * _sa(b) * mp.cosh(a - b)
        E0 = ju * xa * cab_re + m.zeta_re(w) * cab * xb
        return (xb * caa, xb * cbb, xb * cab, cab_re, d2f * caa, d2f * cbb, E0, d5f * caa, d5f * cbb)

    return f


def _features_W(m: _Model):
    feats = list(m.chi_poles())
    feats += [(x - m.W, e) for (x, e) in m.J_poles()]
    # coth transitions / nearest Matsubara poles at w = 0 and w = -Omega
    feats += [(mp.mpf(0), 2 * mp.pi * m.T2), (-m.W, 2 * mp.pi * m.T1)]
    return _split_points(feats, extra=[mp.mpf(0), -m.W])


def _features_0(m: _Model):
    feats = list(m.chi_poles()) + list(m.J_poles())
    feats += [(mp.mpf(0), 2 * mp.pi * min(m.T1, m.T2))]
    return _split_points(feats, extra=[mp.mpf(0)])


def _integrate_W(p, light=False):
    m = _Model(p)
    names = _NAMES_W_LIGHT if light else _NAMES_W
    vals, errs, ok = _vquad(_integrand_W(m, light), _features_W(m), len(names))
    return dict(zip(names, vals)), dict(zip(names, errs)), ok


def _integrate_0(p):
    m = _Model(p)
    vals, errs, ok = _vquad(_integrand_0(m), _features_0(m), len(_NAMES_0))
    return dict(zip(_NAMES_0, vals)), dict(zip(_NAMES_0, errs)), ok


# --------------------------------------------------------------------------- observables
def _propagate(fun, I, E):
    """Value of fun(I) and a first-order error bound sum_i |fun(I + e_i E_i) - fun(I)|."""
    base = fun(I)
    # floor: rounding at the working precision
    err = {k: (abs(v) * mp.mpf(10) ** (-mp.mp.dps) if v is not None else None) for k, v in base.items()}
    # perturb at extra precision, else I + e rounds back to I (e ~ 1e-35 |I|)
    with mp.workdps(mp.mp.dps + 30):
        base_hi = fun(I)
        for name, e in E.items():
            if e == 0:
                continue
            J = dict(I)
            J[name] = I[name] + e
            pert = fun(J)
            for k in base:
                if base_hi[k] is None or pert[k] is None:
                    continue
                err[k] += abs(pert[k] - base_hi[k])
    return base, err


def _powers(m: _Model, I, fA, fB):
    W, c, s = m.W, mp.cos(m.phi), mp.sin(m.phi)
    k = 1 / (4 * mp.pi)
    PA0 = -W * k * (fA**2 * I["K_AA"] + c * fA * fB * I["K_AB"])
    PB0 = -W * k * (fB**2 * I["K_BB"] + c * fA * fB * I["K_AB"])
    dPA = -W * fA * fB * s * k * I["E"]
    return PA0, PB0, dPA, -dPA


def _derived(m: _Model, I):
    """All Omega-dependent observables from the integrals (pure arithmetic)."""
    fA, fB, W, c = m.fA, m.fB, m.W, mp.cos(m.phi)
    k = 1 / (4 * mp.pi)
    PA0, PB0, dPA, dPB = _powers(m, I, fA, fB)
    PA, PB = PA0 + dPA, PB0 + dPB
    P = PA0 + PB0
    J1 = k * (fA**2 * I["uK_AA"] + fB**2 * I["uK_BB"] + 2 * c * fA * fB * I["uK_AB"])
    J2 = -k * (fA**2 * I["wK_AA"] + fB**2 * I["wK_BB"] + 2 * c * fA * fB * I["wK_AB"])
    Sdot = -J1 / m.T1 - J2 / m.T2
    DPA = W**2 * fA**2 * k * I["Dk_AA"]
    DPB = W**2 * fB**2 * k * I["Dk_BB"]
    DP = W**2 * k * (fA**2 * I["Dk_AA"] + fB**2 * I["Dk_BB"] + 2 * c * fA * fB * I["Dk_AB"])

    def Q(D, O):
        return None if O == 0 else Sdot * D / O**2

    out = dict(
        P_A0=PA0,
        P_B0=PB0,
        dP_A=dPA,
        dP_B=dPB,
        P_A=PA,
        P_B=PB,
        P=P,
        J1=J1,
        J2=J2,
        Sdot=Sdot,
        D_PA=DPA,
        D_PB=DPB,
        D_P=DP,
        Q_PA=Q(DPA, PA),
        Q_PB=Q(DPB, PB),
        Q_P=Q(DP, P),
    )
    out["eta_ww"] = None if PB == 0 else -PA / PB
    if m.T1 > m.T2:
        Jh = J1
    elif m.T2 > m.T1:
        Jh = J2
    else:
        Jh = None  # isothermal: no hot bath
    out["eta_he"] = None if (Jh is None or Jh == 0) else -P / Jh
    return out


def _derived_0(m: _Model, I):
    k = 1 / (4 * mp.pi)
    W, fA, fB = m.W, m.fA, m.fB
    xx = {l: I["cx_" + l] / (2 * mp.pi) for l in ("AA", "BB", "AB")}
    out = dict(xx_AA=xx["AA"], xx_BB=xx["BB"], xx_AB=xx["AB"])
    out["C"] = xx["AB"] / mp.sqrt(xx["AA"] * xx["BB"])
    out["C_tilde"] = xx["AB"] / xx["AA"]
    cothW1 = mp.coth(W / (2 * m.T1))
    JW = m.J(W)
    # (D2) alpha_l^(ad); (D4) delta alpha^(ad)_{A/B}; (D5) D^(ad)_{P_l} at this W, f_l
    out["alpha_ad_A"] = -k * I["D2_AA"]
    out["alpha_ad_B"] = -k * I["D2_BB"]
    out["dalpha_ad_A"] = -k * I["E0"]
    out["dalpha_ad_B"] = k * I["E0"]
    out["D_ad_PA"] = W**2 * fA**2 * k * I["D5_AA"]
    out["D_ad_PB"] = W**2 * fB**2 * k * I["D5_BB"]
    # the same without the W^2 f_l^2 prefactor (an Omega- and drive-free coefficient)
    out["d_ad_A"] = k * I["D5_AA"]
    out["d_ad_B"] = k * I["D5_BB"]
    # (D7), (D9), (D10)
    out["alpha_dia_A"] = k * I["cx_AA"]
    out["alpha_dia_B"] = k * I["cx_BB"]
    out["dalpha_dia_A"] = k * I["cx_AB"]
    out["dalpha_dia_B"] = -k * I["cx_AB"]
    out["dbeta_dia_A"] = -cothW1 * k * I["chiR_AB"]
    out["dbeta_dia_B"] = cothW1 * k * I["chiR_AB"]
    out["D_dia_PA"] = W**2 * fA**2 * JW * cothW1 * k * I["cx_AA"]
    out["D_dia_PB"] = W**2 * fB**2 * JW * cothW1 * k * I["cx_BB"]
    return out


def _V(m: _Model, p: dict, hrel=mp.mpf("1e-6")):
    """V_{P_l} (26) in both conventions via a 4th-order central difference in Omega."""
    W = m.W
    h = hrel * W
    PA = {"fixed": [], "r": []}
    PB = {"fixed": [], "r": []}
    qerr = mp.mpf(0)
    for kstep in (-2, -1, 1, 2):
        Wk = W + kstep * h
        q = dict(p, Omega=Wk)
        I, E, _ = _integrate_W(q, light=True)
        mk = _Model(q)
        for conv in ("fixed", "r"):
            fB = m.fB if conv == "fixed" else m.fB * (Wk / W) ** m.r
            a0, b0, da, db = _powers(mk, I, m.fA, fB)
            PA[conv].append(a0 + da)
            PB[conv].append(b0 + db)
        qerr = max(qerr, max(abs(E[n] / I[n]) if I[n] != 0 else 0 for n in I))
    out, err = {}, {}
    for conv, suffix in (("fixed", ""), ("r", "_r")):
        for lab, vals in (("PA", PA[conv]), ("PB", PB[conv])):
            fm2, fm1, fp1, fp2 = vals
            d4 = (8 * (fp1 - fm1) - (fp2 - fm2)) / (12 * h)
            d2 = (fp1 - fm1) / (2 * h)
            P0 = (fm1 + fp1) / 2  # only used for the error scale
            out[f"dP{lab[1]}dW{suffix}"] = d4
            # truncation ~ |d4 - d2| * h^2 (d2 carries the h^2 term); round-off ~ qerr P / h
            err[f"dP{lab[1]}dW{suffix}"] = abs(d4 - d2) * hrel**2 + qerr * abs(P0) / h
    return out, err


def observables(params: dict, dps: int = 30, derivatives: bool = True, asymptotics: bool = True) -> dict:
    """Every observable of the two-oscillator machine for one parameter dict.

    **Arguments:**
    - params: {omega_A, omega_B, gamma2, T1, T2, Omega, phi, f_A, f_B, r (optional, for V_r),
      J1: {kind: 'drude'|'ohmic'|'lorentzian', gamma1, omega_c | (d1, omega1)},
      configuration: 'joint'|'independent'}.
    - dps: decimal working precision (>= 30 for the stored references).
    - derivatives: also compute V_{P_l} (four extra quadrature passes).
    - asymptotics: also compute <dx dx>, C, C_tilde and the appendix-D coefficients.

    **Returns:** dict name -> (mpf value or None, mpf error estimate or None), plus the key
    ``'_converged'`` (bool: every interval reached the tolerance within the max degree).
    """
    with mp.workdps(dps):
        m = _Model(params)
        I, E, ok = _integrate_W(params)
        vals, errs = _propagate(lambda J: _derived(m, J), I, E)
        res = {k: (vals[k], errs[k] if vals[k] is not None else None) for k in vals}
        if asymptotics:
            I0, E0, ok0 = _integrate_0(params)
            ok = ok and ok0
            v0, e0 = _propagate(lambda J: _derived_0(m, J), I0, E0)
            res.update({k: (v0[k], e0[k]) for k in v0})
        if derivatives:
            d, de = _V(m, validate_params(params))
            for l in ("A", "B"):
                P = res[f"P_{l}"][0]
                Perr = res[f"P_{l}"][1]
                for suffix in ("", "_r"):
                    key = f"V_P{l}{suffix}"
                    dP = d[f"dP{l}dW{suffix}"]
                    if P == 0:
                        res[key] = (None, None)
                        continue
                    x = 1 - m.W * dP / P
                    v = 2 * x**2
                    # dV = 4 |x| W (|d dP| / |P| + |dP| |dP| / P^2)
                    ev = 4 * abs(x) * m.W * (de[f"dP{l}dW{suffix}"] / abs(P) + abs(dP) * Perr / P**2)
                    res[key] = (v, ev)
                    res[f"dP_{l}/dOmega{suffix}"] = (dP, de[f"dP{l}dW{suffix}"])
        res["_converged"] = ok
    return res


def x_correlations(params: dict, dps: int = 30) -> dict:
    """<dx_l dx_l'> = int dw/(2 pi) coth(w/2T2) chi''_ll'(w) only (cheap)."""
    with mp.workdps(dps):
        I, E, ok = _integrate_0(params)
        return {l: (I["cx_" + l] / (2 * mp.pi), E["cx_" + l] / (2 * mp.pi)) for l in ("AA", "BB", "AB")}


def asymptotic_coefficients(params: dict, dps: int = 30) -> dict:
    """Appendix-D coefficients (D2), (D4), (D5), (D7), (D9), (D10) (see ``_derived_0``)."""
    res = observables(params, dps=dps, derivatives=False, asymptotics=True)
    keys = [k for k in res if k.startswith(("alpha", "dalpha", "dbeta", "D_ad", "d_ad", "D_dia"))]
    return {k: res[k] for k in keys}


# --------------------------------------------------------------------------- parameter sets
_PI2 = math.pi / 2


def _set(name, note, **kw):
    base = dict(omega_A=1.0, omega_B=0.6, phi=_PI2, f_A=1.0, f_B=1.0, r=0.0, configuration="joint")
    base.update(kw)
    return {"name": name, "note": note, "params": base}


def _drude(g1=0.01, wc=1.2):
    return {"kind": "drude", "gamma1": g1, "omega_c": wc}


PARAMETER_SETS = [
    _set(
        "strong_dia_iso_wc1.2",
        "fig. 4 point: strong damping, diabatic, isothermal T=0.1",
        gamma2=100.0,
        T1=0.1,
        T2=0.1,
        Omega=200.0,
        J1=_drude(wc=1.2),
    ),
    _set(
        "strong_ad_iso_wc1000",
        "strong damping, adiabatic, isothermal T=0.5, wc=1000",
        gamma2=100.0,
        T1=0.5,
        T2=0.5,
        Omega=0.05,
        J1=_drude(wc=1000.0),
    ),
    _set(
        "weak_dia_grad1.8_phi0.7",
        "weak damping, diabatic, dT/Tbar=1.8 (Tbar=0.5), phi=0.7",
        gamma2=0.01,
        T1=0.95,
        T2=0.05,
        Omega=200.0,
        phi=0.7,
        J1=_drude(wc=1.2),
    ),
    _set(
        "weak_ad_iso_T0.01",
        "weak damping, adiabatic, isothermal T=0.01",
        gamma2=0.01,
        T1=0.01,
        T2=0.01,
        Omega=0.05,
        J1=_drude(wc=1.2),
    ),
    _set(
        "strong_grad1.8_T2_0.01_phi0.7",
        "strong damping, Omega=3, dT/Tbar=1.8 (Tbar=0.1)",
        gamma2=100.0,
        T1=0.19,
        T2=0.01,
        Omega=3.0,
        phi=0.7,
        J1=_drude(wc=1.2),
    ),
    _set(
        "lorentzian_joint",
        "structured Lorentzian J1, moderate damping, T1>T2, phi=0.7",
        gamma2=1.0,
        T1=0.8,
        T2=0.2,
        Omega=1.3,
        phi=0.7,
        J1={"kind": "lorentzian", "gamma1": 0.3, "d1": 0.01, "omega1": 1.5},
    ),
    _set(
        "independent_drude",
        "independent configuration (chi diagonal), T1>T2",
        gamma2=1.0,
        T1=1.0,
        T2=0.3,
        Omega=1.1,
        J1=_drude(wc=5.0),
        configuration="independent",
    ),
    _set(
        "strong_dia_iso_wc1000_r0.5",
        "wc=1000, diabatic, isothermal T=1, f_B=(W/wc)^r, r=1/2",
        gamma2=100.0,
        T1=1.0,
        T2=1.0,
        Omega=200.0,
        f_B=(200.0 / 1000.0) ** 0.5,
        r=0.5,
        J1=_drude(wc=1000.0),
    ),
    _set(
        "ohmic_strong_iso",
        "strictly Ohmic J1 (zeta1'=0), strong damping, isothermal",
        gamma2=100.0,
        T1=0.3,
        T2=0.3,
        Omega=1.0,
        J1={"kind": "ohmic", "gamma1": 0.01},
    ),
    _set(
        "lorentzian_engine_phi_pi",
        "heat engine (P < 0): g2=100, phi=pi, Lorentzian J1 peaked "
        "at omega_bar + Omega, T1=1 >> T2=0.05 (slides 000, joint configuration)",
        gamma2=100.0,
        T1=1.0,
        T2=0.05,
        Omega=0.5,
        phi=math.pi,
        J1={"kind": "lorentzian", "gamma1": 0.1, "d1": 0.01, "omega1": math.sqrt((1.0 + 0.36) / 2) + 0.5},
    ),
    _set(
        "narrow_g2_1e4",
        "g2=1e4: antiphase mode width ~1e-5 (narrow resonance)",
        gamma2=1.0e4,
        T1=0.1,
        T2=0.1,
        Omega=2.0,
        J1=_drude(wc=1.2),
    ),
    _set(
        "near_degenerate",
        "omega_B = 1 - 1e-4, g2 = 1: relative-mode pole ~1e-8 from the axis",
        omega_B=1.0 - 1.0e-4,
        gamma2=1.0,
        T1=0.5,
        T2=0.2,
        Omega=1.0,
        J1=_drude(wc=1.2),
    ),
]

# One driven oscillator (f_B = 0), independent configuration, small gamma2: compared with
# Fermi's golden rule on Fock states in the self-check tests (prefactor / sign check).
FGR_SETS = []
for _W in (0.7, 2.5):
    for _g2 in (1e-4, 1e-5, 1e-6):
        FGR_SETS.append(
            {
                "name": f"fgr_W{_W}_g2_{_g2:g}",
                "note": "one oscillator, weak damping",
                "params": dict(
                    omega_A=1.0,
                    omega_B=0.6,
                    gamma2=_g2,
                    T1=0.5,
                    T2=0.3,
                    Omega=_W,
                    phi=_PI2,
                    f_A=1.0,
                    f_B=0.0,
                    r=0.0,
                    configuration="independent",
                    J1=_drude(wc=1.2),
                ),
            }
        )


def _fmt(x, digits=25):
    if x is None:
        return None
    if isinstance(x, bool):
        return x
    return mp.nstr(x, digits, min_fixed=-1, max_fixed=-1) if x != 0 else "0"


def _serialise(res, digits=25):
    vals = {k: _fmt(v[0], digits) for k, v in res.items() if not k.startswith("_")}
    errs = {k: _fmt(v[1], 3) for k, v in res.items() if not k.startswith("_")}
    return vals, errs


def generate(path: Path = _DATA, dps: int = 30, only=None, verbose: bool = True) -> dict:
    """Recompute the parameter sets and write the JSON file.

    only: iterable of set names to (re)compute and merge into the existing file (the other
    entries are kept); None recomputes everything.  meta.total_seconds is the sum of the
    per-set times.
    """
    groups = (("sets", PARAMETER_SETS, {}), ("fgr_sets", FGR_SETS, dict(derivatives=False, asymptotics=False)))
    old = {"sets": {}, "fgr_sets": {}}
    if only is not None:
        prev = json.loads(path.read_text())
        for g in old:
            old[g] = {e["name"]: e for e in prev[g]}
        only = set(only)
        known = {s["name"] for _, sets, _ in groups for s in sets}
        if not only <= known:
            raise ValueError(f"unknown set names: {sorted(only - known)}")
    out = {
        "meta": {
            "dps": dps,
            "mpmath": mp.__version__,
            "units": "hbar=k_B=m=1",
            "conventions": CONVENTIONS.strip(),
            "generator": "python tests/oscillators/reference.py [--only NAME ...]",
        },
        "sets": [],
        "fgr_sets": [],
    }
    for group, sets, kw in groups:
        for s in sets:
            if only is not None and s["name"] not in only:
                if s["name"] in old[group]:
                    out[group].append(old[group][s["name"]])
                continue
            t0 = time.time()
            res = observables(s["params"], dps=dps, **kw)
            dt = time.time() - t0
            vals, errs = _serialise(res)
            out[group].append(
                {
                    "name": s["name"],
                    "note": s["note"],
                    "params": s["params"],
                    "values": vals,
                    "errors": errs,
                    "converged": res["_converged"],
                    "seconds": round(dt, 2),
                }
            )
            if verbose:
                print(
                    f"[{group}] {s['name']}: {dt:.1f} s, converged={res['_converged']}, "
                    f"P_A={vals['P_A']}, Q_PA={vals['Q_PA']}",
                    flush=True,
                )
    out["meta"]["total_seconds"] = round(sum(e["seconds"] for g in ("sets", "fgr_sets") for e in out[g]), 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=1) + "\n")
    if verbose:
        print(f"wrote {path}; sum of per-set times {out['meta']['total_seconds']} s")
    return out


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="regenerate data/reference_values.json")
    ap.add_argument("--dps", type=int, default=30)
    ap.add_argument("--only", nargs="+", default=None, help="recompute these sets and merge")
    ap.add_argument("--out", type=Path, default=_DATA)
    args = ap.parse_args()
    generate(path=args.out, dps=args.dps, only=args.only)
