"""The two-qubit + quantum-rotor device of seed 004 (Leitch, Hammam & De Chiara).

- :class:`RotorParams`, :func:`rotor_model` (``equation=LocalME()`` collision-model ME
  or ``GlobalME(...)`` semi-global ME, as a :class:`jaxqtm.lindblad.LindbladModel`; the
  only builder of the device), :func:`operators`, :func:`hamiltonian_parts`,
  :func:`load_operators`, :func:`currents` (its counted heat currents for ``jaxqtm.fcs``).
- :func:`solve_device` -> :class:`DeviceResult` (heat, work, rotor powers,
  ergotropies, truncation control; batched and differentiable).
- :func:`rectification` -> :class:`Rectification` (R, J, Gamma for heat and angular momentum).
- :func:`evolve_device` (time evolution, Figs. 6--8).
- ``python -m examples.seed004.figures --out DIR [--quick]`` reproduces Figs. 2--8.
"""

from ._device import (
    DeviceResult as DeviceResult,
    Rectification as Rectification,
    evolve_device as evolve_device,
    rectification as rectification,
    solve_device as solve_device,
)
from ._model import (
    RotorParams as RotorParams,
    angular_momentum_current as angular_momentum_current,
    currents as currents,
    check_truncation as check_truncation,
    hamiltonian_parts as hamiltonian_parts,
    load_operators as load_operators,
    operators as operators,
    rotor_model as rotor_model,
    validate_params as validate_params,
)
