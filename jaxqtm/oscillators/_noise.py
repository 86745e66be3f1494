"""How the noise kernel is integrated: ``noise=`` of :func:`jaxqtm.oscillators.observables`.

Every power fluctuation D_ll' needs (seed 001, eqs. 18, B20)

    int dw R(w) [coth(a) coth(b) - 1],   a = (w + Omega)/2T1,   b = w/2T2,

for a rational R = J_1(w + Omega) chi''_ll'(w). Three strategies:

- :class:`ExactIsothermal`: for T1 = T2 = T the identity coth(a)coth(b) - 1 =
  coth(a - b)(coth(b) - coth(a)), a - b = Omega/2T, turns it into the digamma closed form
  of ``_integrals.n_integral`` (exact, the fastest). It requires T1 == T2 and evaluates
  the whole machine at T = T1, so derivatives with respect to T1 are taken along T1 = T2.
- :class:`MatsubaraSum`: any T1, T2. coth(b) expanded in its Matsubara poles, each term's
  coth(a) integral done exactly (digammas), the series summed by the Abel--Plana formula
  (``_integrals.k12_matsubara``): fixed cost (~120 values of m, two digammas each), independent
  of the pole positions, ~1e-13 relative against mpmath.
- :class:`TanhSinh`: the two-temperature quadrature ``_integrals.k12_quadrature``
  (near-axis poles subtracted analytically, tanh-sinh panels between the breakpoints,
  ~1e-13), for any T1, T2; its rule sizes are fields. About 8x the cost of ``MatsubaraSum``;
  kept as the independent cross-check (tests compare the two).
- :class:`Auto` (the default): per instance, at run time, the exact value where T1 == T2
  and ``MatsubaraSum`` elsewhere; derivatives are always the separate two-temperature ones.
  It depends only on the values, never on whether they are concrete: ``observables(...)``
  and ``jax.jit(observables)(...)`` take the same numerical path.

Cost of ``Auto``: unbatched it evaluates one branch (``lax.cond``); under ``vmap`` with a
batched temperature both run (``cond`` becomes ``select``). Callers that know their machine
is isothermal pass ``noise=ExactIsothermal()``.
"""

from __future__ import annotations

import abc
from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array

from .._checks import check_int, check_positive, concrete, fmt
from . import _integrals as I
from ._polesum import PoleSum


class AbstractNoiseIntegral(eqx.Module):
    """How ``int dw R(w) [coth((w + Omega)/2T1) coth(w/2T2) - 1]`` is evaluated."""

    isothermal: eqx.AbstractClassVar[bool]
    """Whether the strategy needs T1 == T2 (then the machine is evaluated at T = T1)."""

    @abc.abstractmethod
    def integral(self, r: PoleSum, t1, t2, omega, direct=None) -> Array:
        """The integral for the rational ``r`` (residues ``(K, *batch)`` -> ``(*batch)``).

        ``direct(ws) -> (M, *batch)`` optionally evaluates R on real nodes from its factors
        (see ``_integrals.k12_quadrature``)."""

    def integral_and_bound(self, r: PoleSum, t1, t2, omega, direct=None):
        """(:meth:`integral`, its round-off bound) from one evaluation. The bound is absolute,
        shaped like the integral: the cancellation in the pole--residue sums of the series
        strategies; zeros for a quadrature, whose integrand is summed where it lives."""
        return self.integral(r, t1, t2, omega, direct), jnp.zeros(r.residues.shape[1:])

    def valid(self, t1, t2):
        """Condition on the temperatures (boolean scalar; traced for JAX inputs, numpy for numpy
        inputs); a point where it fails is flagged ``RESULTS.invalid_parameters``."""
        return True

    def check(self, t1, t2) -> None:
        """The same condition at the Python boundary, on concrete values (``ValueError``)."""
        t1, t2 = concrete(t1), concrete(t2)
        if t1 is None or t2 is None or bool(np.all(self.valid(t1, t2))):
            return
        raise ValueError(
            f"noise={type(self).__name__}() needs T1 == T2, got T1 = {fmt(t1)}, T2 = {fmt(t2)}; "
            "use noise=Auto() or TanhSinh() for two temperatures"
        )


class ExactIsothermal(AbstractNoiseIntegral):
    """Exact isothermal form (eq. 20): digamma functions, T1 == T2 required.

    The machine is evaluated at T = T1 (T2 is not used): derivatives with respect to T1
    are along T1 = T2 = T. For separate T1, T2 derivatives use ``Auto()`` or ``TanhSinh()``.
    """

    isothermal: ClassVar[bool] = True

    def integral(self, r, t1, t2, omega, direct=None):
        return self.integral_and_bound(r, t1, t2, omega, direct)[0]

    def integral_and_bound(self, r, t1, t2, omega, direct=None):
        del direct
        value, bound = I.n_integral_and_bound(r, t1, t2, omega)
        th = jnp.tanh(omega / (2.0 * t1))
        return -value / th, bound / jnp.abs(th)

    def valid(self, t1, t2):
        return t1 == t2


# narrowest resonance (|Im p| / |p|) the tanh-sinh panels resolve to ~1e-9
TS_MIN_WIDTH = 1e-8


class TanhSinh(AbstractNoiseIntegral):
    """Two-temperature quadrature (any T1, T2; ~1e-13 relative against mpmath).

    **Fields** (rule sizes; static, each value compiles once):
    - ``nodes``: nodes per side of every tanh-sinh panel and of the two exp-sinh tails
      (48 leaves ~1e-9 errors on long panels).
    - ``level``: t-range ``[-level, level]`` of the tanh-sinh panels.
    - ``tail_level``: t-range of the exp-sinh rules on the two tails.
    """

    nodes: int = eqx.field(static=True, default=I.TS_NODES)
    level: float = eqx.field(static=True, default=I.TS_LEVEL)
    tail_level: float = eqx.field(static=True, default=I.ES_LEVEL)
    isothermal: ClassVar[bool] = False

    def __check_init__(self):
        check_int(self.nodes, "TanhSinh.nodes", 1)
        check_positive(self.level, "TanhSinh.level")
        check_positive(self.tail_level, "TanhSinh.tail_level")

    def integral(self, r, t1, t2, omega, direct=None):
        return I.k12_quadrature(
            r, t1, t2, omega, direct, nodes=self.nodes, level=self.level, tail_level=self.tail_level
        )

    def integral_and_bound(self, r, t1, t2, omega, direct=None):
        # the panels resolve a resonance down to a relative width ~1e-8 (measured against the
        # series: 1e-9 at 5e-9, 3e-8 at 5e-11, 1.6e-6 at 5e-13, status 0 before this bound):
        # narrower poles make the point ill-conditioned (MatsubaraSum has no such limit)
        width = jnp.min(jnp.abs(jnp.imag(r.poles)) / jnp.maximum(jnp.abs(r.poles), 1e-300))
        bound = jnp.where(width < TS_MIN_WIDTH, jnp.inf, 0.0) * jnp.ones(r.residues.shape[1:])
        return self.integral(r, t1, t2, omega, direct), bound


class MatsubaraSum(AbstractNoiseIntegral):
    """Two temperatures by one Matsubara series summed with the Abel--Plana formula (any T1, T2).

    Fixed cost, independent of the pole positions (a resonance of width 1e-9 costs nothing);
    ~1e-13 relative against mpmath. See ``_integrals`` for the derivation.

    **Fields** (static, each value compiles once):
    - ``terms``: Matsubara terms summed directly (m = 1 .. terms-1); the rest by Abel--Plana.
    - ``tail_nodes``: nodes of the exp-sinh rule of the Plana integral along the real m-axis.
    """

    terms: int = eqx.field(static=True, default=I.MS_TERMS)
    tail_nodes: int = eqx.field(static=True, default=I.MS_TAIL_NODES)
    isothermal: ClassVar[bool] = False

    def __check_init__(self):
        check_int(self.terms, "MatsubaraSum.terms", 2)
        check_int(self.tail_nodes, "MatsubaraSum.tail_nodes", 8)

    def integral(self, r, t1, t2, omega, direct=None):
        return self.integral_and_bound(r, t1, t2, omega, direct)[0]

    def integral_and_bound(self, r, t1, t2, omega, direct=None):
        del direct  # the series needs only poles and residues
        return I.k12_matsubara_and_bound(r, t1, t2, omega, terms=self.terms, tail_nodes=self.tail_nodes)


class Auto(AbstractNoiseIntegral):
    """Per instance: exact value where T1 == T2, ``quadrature`` elsewhere (the default).

    ``quadrature`` is the two-temperature strategy, ``MatsubaraSum()`` unless given
    (``TanhSinh()`` is the alternative). Derivatives with respect to T1 and T2 separately
    always come from it (the isothermal closed form only knows their sum), also at T1 == T2.
    """

    quadrature: AbstractNoiseIntegral = MatsubaraSum()
    isothermal: ClassVar[bool] = False

    def __check_init__(self):
        if not isinstance(self.quadrature, AbstractNoiseIntegral) or self.quadrature.isothermal:
            raise TypeError(
                "Auto(quadrature=...) needs a two-temperature strategy (MatsubaraSum() or TanhSinh()), "
                f"got {type(self.quadrature).__name__}"
            )

    def integral(self, r, t1, t2, omega, direct=None):
        return self.integral_and_bound(r, t1, t2, omega, direct)[0]

    def integral_and_bound(self, r, t1, t2, omega, direct=None):
        quad = self.quadrature

        def exact(r, t1, t2, omega, direct):
            value = _exact_value_quadrature_tangent(r, t1, t2, omega, direct, quad=quad)
            return value, ExactIsothermal().integral_and_bound(r, t1, t1, omega)[1]

        def general(r, t1, t2, omega, direct):
            return quad.integral_and_bound(r, t1, t2, omega, direct)

        # one branch per point (both under a batched predicate, as for the integral itself)
        return jax.lax.cond(jnp.asarray(t1) == jnp.asarray(t2), exact, general, r, t1, t2, omega, direct)


@eqx.filter_custom_jvp
def _exact_value_quadrature_tangent(r, t1, t2, omega, direct, *, quad):
    # iso_t: the closed form stays finite where it is not selected (a batched cond is a select)
    iso_t = jnp.where(t1 == t2, t1, 1.0)
    return ExactIsothermal().integral(r, iso_t, iso_t, omega)


@_exact_value_quadrature_tangent.def_jvp
def _exact_value_quadrature_tangent_jvp(primals, tangents, *, quad):
    out = _exact_value_quadrature_tangent(*primals, quad=quad)

    def materialise(t, p):  # symbolic zero tangents (None) -> zeros for jax.jvp
        return jax.tree_util.tree_map(jnp.zeros_like, p) if t is None else t

    tangents = jax.tree_util.tree_map(materialise, tangents, primals, is_leaf=lambda t: t is None)
    _, t_out = jax.jvp(lambda *a: quad.integral(*a), tuple(primals), tuple(tangents))
    return out, t_out
