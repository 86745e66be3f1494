"""Parameter sets of seed 001 with the paper's names."""

from __future__ import annotations

import jax.numpy as jnp

from jaxqtm.oscillators import DrudeLorentz, Joint, OscillatorMachine, PowerLawWeights, WorkingMedium

# Fig. 3 (and 4--6 unless stated): omega_A = 1, omega_B = 0.6, gamma_2 = 100, gamma_1 = 0.01, phi = pi/2.
PAPER_DEFAULTS = dict(
    omega_A=1.0,
    omega_B=0.6,
    gamma2=100.0,
    gamma1=0.01,
    omega_c=1.2,
    T1=0.1,
    T2=0.1,
    phi=float(jnp.pi / 2),
    r=0.0,
    configuration=Joint(),
)


def paper_machine(
    omega_A=1.0,
    omega_B=0.6,
    gamma2=100.0,
    gamma1=0.01,
    omega_c=1.2,
    T1=0.1,
    T2=0.1,
    phi=jnp.pi / 2,
    r=0.0,
    configuration=Joint(),
):
    """(machine, drive) of seed 001 with Drude--Lorentz bath 1 and f_A = 1, f_B = (Omega/omega_c)^r."""
    machine = OscillatorMachine(
        WorkingMedium(jnp.stack([jnp.asarray(omega_A, float), jnp.asarray(omega_B, float)]), gamma2, configuration),
        DrudeLorentz(gamma1, omega_c),
        T1,
        T2,
    )
    return machine, PowerLawWeights(phi, r, omega_c)
