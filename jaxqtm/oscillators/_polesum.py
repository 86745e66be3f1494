"""Rational functions in pole--residue form.

Every integrand of the two-oscillator machine is a rational function of the
frequency times coth factors. We keep rational functions as

    f(w) = sum_j c_j w^j + sum_k r_k / (w - p_k)

with simple poles ``p_k`` and residues ``r_k`` (the residues may carry trailing
matrix axes, e.g. ``(K, N, N)`` for the response matrix chi). This form makes
the frequency integrals exact: a coth kernel turns each pole into a digamma
function (see ``_integrals``).
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array


class PoleSum(eqx.Module):
    """``f(w) = poly(w) + sum_k residues[k] / (w - poles[k])``.

    ``poly`` holds ascending polynomial coefficients (possibly empty), with the
    same trailing axes as ``residues``.
    """

    poly: Array  # (P, *batch)
    poles: Array  # (K,)
    residues: Array  # (K, *batch)

    def __call__(self, w):
        """Evaluate at a scalar (complex) point."""
        w = jnp.asarray(w)
        extra = (None,) * (self.residues.ndim - 1)
        val = jnp.sum(self.residues / (w - self.poles)[(...,) + extra], axis=0)
        for j in range(self.poly.shape[0]):
            val = val + self.poly[j] * w**j
        return val

    def at(self, ws):
        """Evaluate at an array of points ``ws`` of shape (M,) -> (M, *batch)."""
        ws = jnp.asarray(ws)
        extra = (None,) * (self.residues.ndim - 1)
        d = 1.0 / (ws[:, None] - self.poles[None, :])  # (M, K)
        val = jnp.tensordot(d, self.residues, axes=(1, 0))
        for j in range(self.poly.shape[0]):
            val = val + self.poly[j][None] * (ws**j)[(...,) + extra]
        return val

    def reflect(self):
        """``f*(w) = conj(f(conj(w)))``: the function whose values on the real
        axis are the complex conjugates of ``f``'s."""
        return PoleSum(jnp.conj(self.poly), jnp.conj(self.poles), jnp.conj(self.residues))

    def shift(self, s):
        """``w -> f(w + s)``."""
        poly = self.poly
        if poly.shape[0] > 0:
            # binomial re-expansion of sum_j c_j (w + s)^j
            deg = poly.shape[0]
            new = [jnp.zeros_like(poly[0]) for _ in range(deg)]
            from math import comb

            for j in range(deg):
                for i in range(j + 1):
                    new[i] = new[i] + poly[j] * comb(j, i) * s ** (j - i)
            poly = jnp.stack(new)
        return PoleSum(poly, self.poles - s, self.residues)

    def times_w(self):
        """``w -> w f(w)``; exact, including the polynomial part."""
        extra = (None,) * (self.residues.ndim - 1)
        res = self.residues * self.poles[(...,) + extra]
        const = jnp.sum(self.residues, axis=0)
        # w (c_0 + c_1 w + ...) + sum_k r_k = sum_k r_k + c_0 w + c_1 w^2 + ...
        poly = jnp.concatenate([const[None], self.poly.astype(const.dtype)], axis=0)
        return PoleSum(poly, self.poles, res)


def add(f: PoleSum, g: PoleSum, cf: complex = 1.0, cg: complex = 1.0) -> PoleSum:
    """``cf f + cg g`` (pole lists are concatenated)."""
    pf, pg = f.poly, g.poly
    n = max(pf.shape[0], pg.shape[0])
    batch = f.residues.shape[1:]

    def pad(p):
        if p.shape[0] == n:
            return p
        z = jnp.zeros((n - p.shape[0],) + batch, dtype=jnp.result_type(pf, pg, f.residues))
        return jnp.concatenate([p.astype(z.dtype), z], axis=0)

    poly = cf * pad(pf) + cg * pad(pg) if n > 0 else jnp.zeros((0,) + batch, f.residues.dtype)
    return PoleSum(
        poly,
        jnp.concatenate([f.poles, g.poles]),
        jnp.concatenate([cf * f.residues, cg * g.residues]),
    )


def real_part(f: PoleSum) -> PoleSum:
    """Rational continuation of Re f(w) for real w: (f + f*)/2."""
    return add(f, f.reflect(), 0.5, 0.5)


def imag_part(f: PoleSum) -> PoleSum:
    """Rational continuation of Im f(w) for real w: (f - f*)/(2i)."""
    return add(f, f.reflect(), -0.5j, 0.5j)


def product_decaying(f: PoleSum, g: PoleSum, f_direct=None) -> PoleSum:
    """Polar part of ``f * g`` where ``f`` is scalar-valued.

    The residue at a pole of one factor is its residue times the other factor
    evaluated there (poles of f and g must be distinct). The polynomial part of
    the product is dropped: callers use this only for products that vanish at
    infinity, which every integrand of the machine does (tests check the
    reconstruction pointwise). ``f_direct(z)``, if given, evaluates f from a closed
    form at g's poles (a partial-fraction sum with a large constant part, like
    w J(w) for a Drude density with omega_c >> 1, cancels catastrophically there).
    """
    extra = (None,) * (g.residues.ndim - 1)
    g_at_f = g.at(f.poles)  # (Kf, *batch)
    f_at_g = f.at(g.poles) if f_direct is None else f_direct(g.poles)  # (Kg,)
    res = jnp.concatenate([f.residues[(...,) + extra] * g_at_f, g.residues * f_at_g[(...,) + extra]])
    poles = jnp.concatenate([f.poles, g.poles])
    return PoleSum(jnp.zeros((0,) + g.residues.shape[1:], res.dtype), poles, res)
