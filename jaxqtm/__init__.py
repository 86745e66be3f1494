"""jaxqtm: a differentiable physics engine for quantum thermal machines.

Components (one sub-package each):

- ``jaxqtm.oscillators`` -- two (or N) oscillators with dynamically modulated
  couplings: exact frequency integrals (seed 001, slides 000).
- ``jaxqtm.lindblad`` -- GKSL Liouvillians, steady states, thermodynamic
  bookkeeping.
- ``jaxqtm.rotor`` -- the two-qubit + quantum-rotor device (seed 004).
- ``jaxqtm.fcs`` -- full counting statistics and TUR ratios of Lindblad currents.
- ``jaxqtm.coherence`` -- coherence and the current--dissipation trade-off (seed 003).
- ``jaxqtm.reservoirs`` -- two interacting bosonic reservoirs (seed 002).

Importing jaxqtm enables float64 in JAX (see ``jaxqtm._config``).
"""

from ._config import _apply_default_precision, x64_enabled as x64_enabled

_apply_default_precision()

__version__ = "0.1.0"
