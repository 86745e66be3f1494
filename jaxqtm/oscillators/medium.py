"""The working medium: N oscillators with a strong static bath (bath 2).

Equation of motion in frequency space (mass m = 1, strictly Ohmic bath 2,
J_2 = gamma_2 w, counter-terms included so frequencies are not renormalised):

    M(w) x(w) = xi_2(w) c,   M(w) = diag(omega_l^2) - w^2 1 - i w gamma_2 C,

where C is the bath-2 coupling pattern: all ones for the *joint* configuration
(every oscillator on the same bath, seed 001) and the identity for the
*independent* one (each oscillator on its own bath, slides 000). The response
matrix is chi(w) = M(w)^{-1} (seed 001 eq. 8 includes the mass, so chi = m chi_std).

Decision on eq. (9) of seed 001: the printed diagonal element
chi^(l,l) = -(w^2 - omega_l^2 + i w gamma_2)/D carries the wrong frequency.
Inverting the 2x2 matrix gives chi^(A,A) = -(w^2 - omega_B^2 + i w gamma_2)/D (the
*other* oscillator's frequency), which reduces to 1/(omega_A^2 - w^2 - i w gamma_2)
-> the bare A oscillator as gamma_2 -> 0; the printed form would give the B
oscillator. D(w) of eq. (10) is right. Tests pin this (tests/oscillators).

Poles: det M(w) = 0 is a quadratic eigenvalue problem. We linearise it,
A = [[0, 1], [K, -i gamma_2 C]] (K = diag omega^2), whose 2N eigenvalues are the poles
(all in the lower half plane), and

    chi(w) = -[(w - A)^{-1}]_{top-right} = sum_k R_k / (w - p_k),  R_k = -V[x,k] (V^{-1})[k,y],
and the poles and residues are then polished (see ``chi_rational``).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array

from .._checks import POINT_HINT, as_real, check_range, check_scalar, check_type, concrete
from .._numerics import after
from ._configuration import POLE_GAP_RTOL, RESONANCE_RTOL, AbstractConfiguration, Joint
from ._polesum import PoleSum, imag_part, real_part

# largest frequency or damping accepted (far beyond any physics; keeps omega^2 finite)
OMEGA_MAX = 1e100


def _damped_poles(omega, gamma2, xp):
    """Poles p+-, both in the lower half plane, of 1 / (omega^2 - w^2 - i gamma2 w) per oscillator."""
    s = xp.sqrt(omega**2 - gamma2**2 / 4 + 0j)  # principal root: real (underdamped) or +i|.| (overdamped)
    return -0.5j * gamma2 + s, -0.5j * gamma2 - s


class WorkingMedium(eqx.Module):
    """N uncoupled oscillators (frequencies ``omega``) on a static Ohmic bath 2.

    **Arguments:**
    - ``omega``: (N,) oscillator frequencies (the paper: (omega_A, omega_B)).
    - ``gamma2``: damping strength of bath 2 (J_2 = gamma2 w).
    - ``configuration``: ``Joint()`` (one common bath 2, the default) or ``Independent()``
      (each oscillator on its own bath 2).
    """

    omega: Array
    gamma2: Array
    configuration: AbstractConfiguration

    def __init__(self, omega, gamma2, configuration: AbstractConfiguration = Joint()):
        self.omega = as_real("omega")(omega)
        self.gamma2 = as_real("gamma2")(gamma2)
        check_type(
            configuration,
            "configuration",
            AbstractConfiguration,
            "jaxqtm.oscillators.Joint() or jaxqtm.oscillators.Independent()",
        )
        self.configuration = configuration

    @property
    def n(self) -> int:
        return self.omega.shape[-1]

    def coupling_pattern(self):
        return self.configuration.coupling_pattern(self.n)

    def valid(self, chi_poles=None):
        """Traced form of :meth:`validate` (boolean scalar): gamma2 > 0, omega > 0, no
        resonant pair, no nearly coincident poles (same conditions, same tolerances).
        ``chi_poles``: the poles of :meth:`chi_rational` when the caller has them already."""
        om = self.omega
        ok = (self.gamma2 > 0) & (self.gamma2 <= OMEGA_MAX) & jnp.all((om > 0) & (om <= OMEGA_MAX))
        ok = ok & ~jnp.any(self.configuration.resonant(om))
        poles = self.chi_rational().poles if chi_poles is None else chi_poles
        return ok & (self.pole_gap(poles) >= POLE_GAP_RTOL)

    def pole_groups(self) -> np.ndarray:
        """Block of each of the 2N poles (poles of different blocks never share a residue:
        only the Independent configuration has more than one block)."""
        n = self.n
        return np.tile(np.arange(n), 2) if self.configuration.diagonal else np.zeros(2 * n, int)

    def pole_gap(self, poles):
        """Smallest relative distance |p_i - p_j| / max(|p_i|, |p_j|) between two poles of one
        block (numpy for numpy poles, traced otherwise); inf when no block has two poles."""
        xp = np if isinstance(poles, np.ndarray) else jnp
        g = self.pole_groups()
        same = (g[:, None] == g[None, :]) & ~np.eye(g.size, dtype=bool)
        p = xp.asarray(poles)
        gap = xp.abs(p[:, None] - p[None, :]) / xp.maximum(xp.maximum(xp.abs(p[:, None]), xp.abs(p[None, :])), 1e-300)
        return xp.min(xp.where(same, gap, xp.inf))

    def poles_numpy(self) -> np.ndarray:
        """The poles of chi from numpy (unpolished, for the boundary check): closed form when
        chi is diagonal, eigenvalues of the linearisation A otherwise."""
        om, g2 = np.asarray(self.omega, float), float(np.asarray(self.gamma2))
        if self.configuration.diagonal:
            return np.concatenate(_damped_poles(om, g2, np))
        n = self.n
        a = np.block(
            [[np.zeros((n, n)), np.eye(n)], [np.diag(om**2), -1j * g2 * self.configuration.coupling_pattern(n, np)]]
        )
        return np.linalg.eigvals(a)

    def validate(self) -> None:
        """Python-level checks on concrete values (raises ``ValueError`` naming the parameter)."""
        check_scalar(self.gamma2, "gamma2", POINT_HINT)
        g2 = concrete(self.gamma2)
        if g2 is not None and np.any(g2 == 0):
            raise ValueError(
                f"gamma2 = 0 is outside its allowed range (0, {OMEGA_MAX:g}]: without the static bath the "
                "oscillators have no steady state"
            )
        check_range(self.gamma2, "gamma2", 0.0, OMEGA_MAX, lo_open=True)
        om = concrete(self.omega)
        if om is None:
            return
        if om.ndim != 1 or om.size < 1:
            raise ValueError(f"omega must be a 1-D array of oscillator frequencies, got shape {om.shape}")
        # (1e100: omega^2 and the companion matrix stay far from overflow)
        check_range(om, "omega", 0.0, OMEGA_MAX, lo_open=True)
        bad = np.triu(np.asarray(self.configuration.resonant(om)), 1)
        if np.any(bad):
            i, j = (int(k[0]) for k in np.nonzero(bad))
            raise ValueError(
                f"omega[{i}] = {om[i]} and omega[{j}] = {om[j]} are resonant (|difference| <= "
                f"{RESONANCE_RTOL} relative): with a common bath the relative coordinate is a "
                "dissipation-free normal mode and there is no steady state (seed 001, sec. III). "
                "Use distinct frequencies, e.g. omega_B = 0.6 omega_A."
            )
        if concrete(self.gamma2) is None:
            return
        gap = float(self.pole_gap(self.poles_numpy()))
        if not gap >= POLE_GAP_RTOL:
            raise ValueError(
                f"gamma2 = {float(self.gamma2):.6g} with omega = {om.tolist()} ({self.configuration.name}) puts two "
                f"poles of the response chi within {gap:.2g} (relative) of each other, below the allowed "
                f"{POLE_GAP_RTOL:g} (critical damping; for one oscillator gamma2 = 2 omega): the pole-residue "
                "kernels would lose accuracy (~3e-16 / gap^3). Move gamma2 or omega off it by ~1e-3 relative."
            )

    def matrix(self, w):
        """M(w) = K - w^2 - i w gamma2 C."""
        k = jnp.diag(self.omega**2)
        return k - w**2 * jnp.eye(self.n) - 1j * w * self.gamma2 * self.coupling_pattern()

    def chi(self, w):
        """Response matrix chi(w) = M(w)^{-1} at a (complex) frequency, by direct inversion."""
        return jnp.linalg.inv(self.matrix(w))

    def chi_many(self, ws):
        """chi at an array of frequencies, (M,) -> (M, N, N). For N = 2 the explicit inverse
        (adjugate / determinant) keeps this elementwise: batched LAPACK calls on 2x2 blocks
        dominate the two-temperature quadrature otherwise."""
        ws = jnp.asarray(ws)
        if self.n != 2:
            return jax.vmap(self.chi)(ws)
        g = self.gamma2 * self.coupling_pattern()
        a = self.omega[0] ** 2 - ws**2 - 1j * ws * g[0, 0]
        d = self.omega[1] ** 2 - ws**2 - 1j * ws * g[1, 1]
        b = -1j * ws * g[0, 1]
        det = a * d - b * b
        return jnp.stack([jnp.stack([d, -b], -1), jnp.stack([-b, a], -1)], -2) / det[:, None, None]

    def chi_rational(self) -> PoleSum:
        """chi(w) in pole--residue form (2N poles, residues (2N, N, N))."""
        if self.configuration.diagonal:
            return self._chi_rational_diagonal()
        if self.n == 2:
            return self._chi_rational_two()
        return self._chi_rational_general()

    def _chi_rational_diagonal(self) -> PoleSum:
        """chi = diag(1 / (omega_l^2 - w^2 - i gamma2 w)) = -diag(1 / ((w - p+)(w - p-))): poles and
        residues in closed form, exact also for equal frequencies (poles of different oscillators
        coincide but never share a residue), no eigen-solve. Order: p+ of every oscillator, then p-."""
        pp, pm = _damped_poles(self.omega, self.gamma2, jnp)
        eye = jnp.eye(self.n)
        rp = -(eye[:, :, None] * eye[:, None, :]) / (pp - pm)[:, None, None]  # e_l e_l^T (-1/(p+ - p-)) at p+_l
        res = jnp.concatenate([rp, -rp])
        return PoleSum(jnp.zeros((0, self.n, self.n), complex), jnp.concatenate([pp, pm]), res)

    def _chi_rational_two(self) -> PoleSum:
        """N = 2 without any LAPACK call but one eigenvalue solve.

        jaxlib 0.10's batched CPU LAPACK kernels fan out to the intra-op thread pool and block
        on it; two of them running concurrently deadlock a 2-thread pool (seen on this project's
        2-core machines). For two oscillators everything but the initial pole estimates is
        elementwise: det M = a d - b^2 and its derivative in closed form, residues
        R = adj M(p) / (d det M/dw)(p), poles polished by Newton steps whose last step, taken from
        a stop-gradient start, carries exactly the implicit-function derivative.
        """
        k = jnp.diag(self.omega**2).astype(complex)
        g = self.gamma2 * self.coupling_pattern()
        a_mat = jnp.block([[jnp.zeros((2, 2), complex), jnp.eye(2, dtype=complex)], [k, -1j * g]])
        p0 = jax.lax.stop_gradient(jnp.linalg.eigvals(a_mat))

        def parts(w):
            a = self.omega[0] ** 2 - w**2 - 1j * w * g[0, 0]
            d = self.omega[1] ** 2 - w**2 - 1j * w * g[1, 1]
            b = -1j * w * g[0, 1]
            da = -2.0 * w - 1j * g[0, 0]
            dd = -2.0 * w - 1j * g[1, 1]
            db = -1j * g[0, 1]
            return a, b, d, a * d - b * b, da * d + a * dd - 2.0 * b * db

        def newton(w):
            _, _, _, det, ddet = parts(w)
            step = det / ddet
            return w - jnp.where(jnp.isfinite(step), step, 0.0)

        p = jax.lax.stop_gradient(newton(newton(newton(p0))))
        p = newton(p)  # value ~unchanged; derivative = implicit derivative of det M(p) = 0
        a, b, d, _, _ = parts(p)
        # adj M(p) is rank one at a pole: R = c c^T / (c^T M'(p) c) with c the larger of its two
        # columns (d, -b), (-b, a) -- avoids the small, cancellation-prone entry of adj M
        c1 = jnp.stack([d, -b], -1)
        c2 = jnp.stack([-b, a], -1)
        use1 = (jnp.abs(d) ** 2 + jnp.abs(b) ** 2) >= (jnp.abs(a) ** 2 + jnp.abs(b) ** 2)
        c = jnp.where(use1[:, None], c1, c2)
        gp = -2.0 * p[:, None, None] * jnp.eye(2)[None] - 1j * g[None]
        den = jnp.einsum("ki,kij,kj->k", c, gp, c)
        res = c[:, :, None] * c[:, None, :] / den[:, None, None]
        return PoleSum(jnp.zeros((0, 2, 2), complex), p, res)

    def _chi_rational_general(self) -> PoleSum:
        n = self.n
        k = jnp.diag(self.omega**2).astype(complex)
        a = jnp.block(
            [
                [jnp.zeros((n, n), complex), jnp.eye(n, dtype=complex)],
                [k, -1j * self.gamma2 * self.coupling_pattern()],
            ]
        )
        # Companion eigen-decomposition: differentiable (poles distinct), but its residues lose
        # relative accuracy on narrow poles when gamma2 >> omega (|A| ~ gamma2).
        p_eig, v = jax.lax.linalg.eig(a, compute_left_eigenvectors=False, enable_eigvec_derivs=True)
        # Values are therefore polished without gradient: Newton steps on det M(w)
        # (d/dw log det M = tr(M^{-1} M')), then the residue from the null vector u (SVD) of
        # the complex-symmetric M(p): R = u u^T / (u^T M'(p) u). Derivatives come from the
        # eigen-decomposition (value-polished, derivative-exact "straight-through" form).
        eye = jnp.eye(n)
        cpat = self.coupling_pattern()

        def dmat(w):
            return -2.0 * w * eye - 1j * self.gamma2 * cpat

        def polish(pk):
            for _ in range(2):
                step = 1.0 / jnp.trace(jnp.linalg.solve(self.matrix(pk), dmat(pk)))
                # an exactly singular M (pole already exact) gives inf/nan: keep pk
                pk = pk - jnp.where(jnp.isfinite(step), step, 0.0)
            _, _, vh = jnp.linalg.svd(self.matrix(pk), full_matrices=False)
            u = jnp.conj(vh[-1])
            return pk, jnp.outer(u, u) / (u @ dmat(pk) @ u)

        p_val, res_val = jax.lax.stop_gradient(jax.vmap(polish)(p_eig))
        # Keep every LAPACK call of this function in one dependency chain (eig -> solves -> svd
        # -> inv): two concurrent batched LAPACK calls can deadlock jaxlib 0.10.2 on CPU
        # (see jaxqtm/_numerics.py, ``after``).
        v = after(v, (p_val, res_val))
        res_eig = -jnp.einsum("ik,kj->kij", v[:n, :], jnp.linalg.inv(v)[:, n:])
        p = p_val + (p_eig - jax.lax.stop_gradient(p_eig))
        res = res_val + (res_eig - jax.lax.stop_gradient(res_eig))
        # chi is symmetric; symmetrise away round-off.
        res = 0.5 * (res + jnp.swapaxes(res, -1, -2))
        return PoleSum(jnp.zeros((0, n, n), complex), p, res)

    def chi_imag_rational(self) -> PoleSum:
        """chi''(w) (elementwise imaginary part on the real axis)."""
        return imag_part(self.chi_rational())

    def chi_real_rational(self) -> PoleSum:
        return real_part(self.chi_rational())

    def chi_imag_eig(self, w):
        """Eigenvalues and eigenvectors of the real symmetric matrix chi''(w) (seed 001, fig. 2a)."""
        c = jnp.imag(self.chi(w + 0j))
        return jnp.linalg.eigh(0.5 * (c + c.T))
