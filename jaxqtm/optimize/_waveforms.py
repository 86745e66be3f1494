"""Constrained drive parametrisations for the oscillator engine (``jaxqtm.oscillators``).

Optimisers work on unconstrained raw parameters (a dict of arrays); a waveform family maps them
to a physical drive that satisfies its constraints *by construction*:

- :class:`FourierWaveform`: g_l(t) = sum_{n=1}^H a_nl cos(n Omega t) + b_nl sin(n Omega t) with
  max_t |g_l(t)| <= g_max for every oscillator l.
- :class:`MonochromaticWaveform`: g_l(t) = f_l cos(Omega t + phi_l), phi_A = 0, 0 <= f_l <= g_max
  (or f_l = g_max for every l with ``equal_amplitudes=True``, the paper's f_A = f_B).
- :class:`Bounded`: a scalar in [lo, hi] (linear or log scale), e.g. Omega, gamma2, T.

Bound on max_t |g(t)| (choice and proof). The raw trigonometric polynomial p_l(theta) of degree H
is sampled on M equispaced phases theta_j = 2 pi j / M. At the maximiser theta* of |p| we have
p'(theta*) = 0, a grid point lies within pi/M, and Bernstein's inequality gives |p''| <= H^2 ||p||,
so  max_j |p(theta_j)| >= ||p||_inf (1 - H^2 pi^2 / (2 M^2)).  Scaling p by
rho g_max (1 - H^2 pi^2/(2 M^2)) / max_j |p(theta_j)|, rho in (0, 1), therefore guarantees
max_t |g| <= rho g_max <= g_max exactly, while losing only the factor 1 - H^2 pi^2/(2 M^2)
(0.995 for the default M = 32 H) -- far tighter than the l1-ball sum_n |a_n| + |b_n| <= g_max,
which is exact only when every harmonic peaks at the same instant. Tests check the bound on a
grid 64x finer and against the l1 map.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

import jaxqtm.oscillators as osc

from .._checks import check_int, check_positive
from .._numerics import peak

RHO_MIN = 0.05


def amplitude(raw):
    """Relative amplitude rho = clip(raw, RHO_MIN, 1). The bound rho = 1 is reached exactly (a
    sigmoid would approach it only asymptotically, and power grows with rho^2, so optima sit on
    it); beyond it the gradient vanishes and the optimiser stays on the bound. The floor
    RHO_MIN = 0.05 keeps every drive a machine: at zero drive every ratio (eta, Q) is 0/0 and
    a point that minimises a positive power (a non-engine) would otherwise collapse to it."""
    return jnp.clip(raw, RHO_MIN, 1.0)


def _check_bounds(lo, hi, name, log):
    if not (float(lo) <= float(hi)):
        raise ValueError(f"{name}: need lo <= hi, got ({lo}, {hi})")
    if log and float(lo) <= 0:
        raise ValueError(f"{name}: a log-scale range needs lo > 0, got {lo}")


class Bounded(eqx.Module):
    """A scalar parameter in [lo, hi]: lo + (hi - lo) sigmoid(raw) (``log=True``: geometric).
    ``lo == hi`` fixes it (the raw value is ignored)."""

    lo: float = eqx.field(static=True)
    hi: float = eqx.field(static=True)
    log: bool = eqx.field(static=True, default=True)
    name: str = eqx.field(static=True, default="parameter")

    def __check_init__(self):
        _check_bounds(self.lo, self.hi, self.name, self.log)

    def __call__(self, raw):
        s = jax.nn.sigmoid(raw)
        if self.log:
            return jnp.exp(jnp.log(self.lo) + (jnp.log(self.hi) - jnp.log(self.lo)) * s)
        return self.lo + (self.hi - self.lo) * s

    def inverse(self, value):
        """raw value that maps to ``value`` (strictly inside the range)."""
        if self.log:
            u = (jnp.log(value) - jnp.log(self.lo)) / (jnp.log(self.hi) - jnp.log(self.lo))
        else:
            u = (value - self.lo) / (self.hi - self.lo)
        return jnp.log(u) - jnp.log1p(-u)


class FourierWaveform(eqx.Module):
    """Truncated Fourier drives g_l(t) for ``n_osc`` oscillators with max_t |g_l(t)| <= g_max.

    Raw parameters: ``a``, ``b`` (H, N) shape of the waveform (only their direction matters),
    ``amp`` (N,) overall amplitude rho_l = clip(amp_l, RHO_MIN, 1) (see :func:`amplitude`),
    ``omega`` the raw drive frequency mapped by ``omega_range`` (a :class:`Bounded`).

    **Arguments:** ``harmonics`` H >= 1; ``n_osc`` N; ``g_max`` > 0; ``omega_range``
    (:class:`Bounded`); ``grid`` M phases for the bound (default 32 H; must exceed H pi/sqrt 2).
    """

    harmonics: int = eqx.field(static=True)
    n_osc: int = eqx.field(static=True)
    g_max: float = eqx.field(static=True)
    omega_range: Bounded
    grid: int = eqx.field(static=True, default=0)

    def __check_init__(self):
        check_int(self.harmonics, "harmonics", 1)
        check_int(self.n_osc, "n_osc", 1)
        check_positive(self.g_max, "g_max")
        if self.grid and self.grid <= self.harmonics * jnp.pi / jnp.sqrt(2.0):
            raise ValueError(f"grid must exceed harmonics*pi/sqrt(2) = {self.harmonics * 2.2214:.1f}, got {self.grid}")

    @property
    def m(self) -> int:
        return self.grid or 32 * self.harmonics

    @property
    def safety(self) -> float:
        """1 - H^2 pi^2 / (2 M^2): grid max >= safety * true max (Bernstein)."""
        return 1.0 - (self.harmonics * jnp.pi / self.m) ** 2 / 2.0

    def init(self, key):
        ka, kb, ko = jax.random.split(key, 3)
        h, n = self.harmonics, self.n_osc
        # decaying spectrum at start: low harmonics dominate random initial waveforms
        decay = 1.0 / jnp.arange(1, h + 1)[:, None]
        return dict(
            a=jax.random.normal(ka, (h, n)) * decay,
            b=jax.random.normal(kb, (h, n)) * decay,
            amp=jnp.full((n,), 0.9),
            omega=jax.random.uniform(ko, (), minval=-2.0, maxval=2.0),
        )

    def _raw_signal(self, a, b, theta):
        n = jnp.arange(1, self.harmonics + 1)
        ph = theta[:, None] * n[None, :]
        return jnp.cos(ph) @ a + jnp.sin(ph) @ b  # (T, N)

    def coefficients(self, raw):
        """(a, b) of shape (H, N) with max_t |g_l(t)| <= clip(amp_l, RHO_MIN, 1) g_max."""
        theta = 2.0 * jnp.pi * jnp.arange(self.m) / self.m
        s = self._raw_signal(raw["a"], raw["b"], theta)
        top = peak(jnp.abs(s), axis=0)  # its gradient by the argmax (see _numerics.peak)
        scale = amplitude(raw["amp"]) * self.g_max * self.safety / jnp.maximum(top, 1e-12)
        return raw["a"] * scale[None, :], raw["b"] * scale[None, :]  # scale per drive (N,) over (H, N)

    def omega(self, raw):
        return self.omega_range(raw["omega"])

    def drive(self, raw) -> osc.FourierDrive:
        a, b = self.coefficients(raw)
        return osc.FourierDrive(a, b)

    def signal(self, raw, t):
        """g_l(t) at times ``t`` (T,) -> (T, N)."""
        a, b = self.coefficients(raw)
        return self._raw_signal(a, b, self.omega(raw) * jnp.asarray(t))

    def describe(self) -> dict:
        return dict(
            family="fourier",
            harmonics=self.harmonics,
            n_osc=self.n_osc,
            g_max=self.g_max,
            grid=self.m,
            omega_range=[self.omega_range.lo, self.omega_range.hi],
            omega_log=self.omega_range.log,
        )


class MonochromaticWaveform(eqx.Module):
    """g_l(t) = f_l cos(Omega t + phi_l) with phi_0 = 0 and 0 < f_l < g_max.

    Raw parameters: ``amp`` (N,) (f_l = g_max clip(amp_l, RHO_MIN, 1); ignored with
    ``equal_amplitudes=True``: f_l = g_max), ``phase`` (N-1,) (phi_l, unconstrained angle),
    ``omega`` (raw drive frequency, see ``omega_range``).
    """

    n_osc: int = eqx.field(static=True)
    g_max: float = eqx.field(static=True)
    omega_range: Bounded
    equal_amplitudes: bool = eqx.field(static=True, default=False)

    def __check_init__(self):
        check_int(self.n_osc, "n_osc", 1)
        check_positive(self.g_max, "g_max")

    def init(self, key):
        kp, ko = jax.random.split(key)
        return dict(
            amp=jnp.full((self.n_osc,), 0.9),
            phase=jax.random.uniform(kp, (self.n_osc - 1,), minval=-jnp.pi, maxval=jnp.pi),
            omega=jax.random.uniform(ko, (), minval=-2.0, maxval=2.0),
        )

    def weights(self, raw):
        if self.equal_amplitudes:
            return jnp.full((self.n_osc,), self.g_max) + 0.0 * raw["amp"]
        return self.g_max * amplitude(raw["amp"])

    def phases(self, raw):
        return jnp.concatenate([jnp.zeros((1,)), raw["phase"]])

    def omega(self, raw):
        return self.omega_range(raw["omega"])

    def drive(self, raw) -> osc.Monochromatic:
        return osc.Monochromatic(self.weights(raw), self.phases(raw))

    def signal(self, raw, t):
        ph = self.omega(raw) * jnp.asarray(t)[:, None] + self.phases(raw)[None, :]
        return self.weights(raw)[None, :] * jnp.cos(ph)

    def describe(self) -> dict:
        return dict(
            family="monochromatic",
            n_osc=self.n_osc,
            g_max=self.g_max,
            omega_range=[self.omega_range.lo, self.omega_range.hi],
            omega_log=self.omega_range.log,
            equal_amplitudes=self.equal_amplitudes,
        )


def l1_coefficients(raw, g_max):
    """The simple alternative map (for comparison): sum_n |a_n| + |b_n| <= g_max per oscillator.
    Exact bound (triangle inequality), conservative by the ratio of l1 norm to peak value."""
    l1 = jnp.sum(jnp.abs(raw["a"]) + jnp.abs(raw["b"]), axis=0)
    scale = amplitude(raw["amp"]) * g_max / jnp.maximum(l1, 1e-12)
    return raw["a"] * scale[None, :], raw["b"] * scale[None, :]
