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
)
from ._device import (
    Rectification as Rectification,
)
from ._device import (
    evolve_device as evolve_device,
)
from ._device import (
    rectification as rectification,
)
from ._device import (
    solve_device as solve_device,
)
from ._model import (
    RotorParams as RotorParams,
)
from ._model import (
    angular_momentum_current as angular_momentum_current,
)
from ._model import (
    check_truncation as check_truncation,
)
from ._model import (
    currents as currents,
)
from ._model import (
    hamiltonian_parts as hamiltonian_parts,
)
from ._model import (
    load_operators as load_operators,
)
from ._model import (
    operators as operators,
)
from ._model import (
    rotor_model as rotor_model,
)
from ._model import (
    validate_params as validate_params,
)
