"""Per-point kernels used by the sweep tests (importable by the subprocess workers)."""

import jax.numpy as jnp

from jaxqtm._results import RESULTS, first_failure


def thermal_oscillator(omega, T):
    """<x^2> = coth(omega/2T)/(2 omega) and mean energy (omega/2) coth(omega/2T) of one oscillator;
    ``result`` invalid_parameters (NaN outputs) for T <= 0 or omega <= 0 (double-where keeps
    gradients NaN-free)."""
    ok = (T > 0) & (omega > 0)
    w = jnp.where(ok, omega, 1.0)
    t = jnp.where(ok, T, 1.0)
    coth = 1.0 / jnp.tanh(w / (2.0 * t))
    return dict(
        x2=jnp.where(ok, coth / (2.0 * w), jnp.nan),
        energy=jnp.where(ok, 0.5 * w * coth, jnp.nan),
        result=first_failure((~ok, RESULTS.invalid_parameters)),
    )


def ohmic_heat(omega_c, T, n_nodes=4000):
    """A kernel with large intermediates: int_0^inf dw w^2 e^{-w/omega_c} n_B(w) on n_nodes
    trapezoid nodes (no RESULTS item: non-finite outputs are flagged by the sweep)."""
    w = jnp.linspace(1e-6, 60.0 * omega_c, n_nodes)
    f = w**2 * jnp.exp(-w / omega_c) / jnp.expm1(w / T)
    return dict(heat=jnp.trapezoid(f, w), spectrum=f[:4])


def oscillator_qpa(Omega, T, omega_c):
    import jaxqtm.oscillators as osc
    from examples.seed001.paper import paper_machine

    m, d = paper_machine(T1=T, T2=T, omega_c=omega_c)
    o = osc.observables(m, d, Omega, noise=osc.ExactIsothermal(), throw=False)
    return dict(Q_PA=o.Q_l[0], P_A=o.P_l[0], pearson=o.pearson[0, 1], result=o.result)
