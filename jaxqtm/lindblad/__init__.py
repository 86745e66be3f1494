"""GKSL master equations: Liouvillians, steady states, thermodynamics."""

from .superop import (
    dissipator as dissipator,
    hamiltonian_superop as hamiltonian_superop,
    liouvillian as liouvillian,
    spost as spost,
    spre as spre,
    sprepost as sprepost,
    unvec as unvec,
    vec as vec,
)
