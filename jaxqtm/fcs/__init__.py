"""Full counting statistics and thermodynamic uncertainty relations of GKSL currents.

Built on the GKSL core (:mod:`jaxqtm.lindblad`): every entry point takes a
:class:`~jaxqtm.lindblad.LindbladModel` and the :class:`Currents` to count.

- :func:`counting_statistics` -> :class:`CountingStatistics` (mean, noise matrix,
  higher cumulants of jump-counted currents; differentiable);
- :func:`tur_ratios` -> :class:`TURResult` (``Q = sigma S / J^2``);
- :func:`cumulants_from_liouvillian` (any dense generator with given jump superoperators);
- counting setups ``(model, currents, entropy)``: :func:`thermal_qubit`,
  :func:`three_level_maser`, :func:`random_rate_model`; the qubit--rotor device's are
  :func:`jaxqtm.rotor.currents`.

The Liouville-space block is chosen by ``space=`` (:class:`~jaxqtm.lindblad.AutoSpace`,
:class:`~jaxqtm.lindblad.U1Sector`, :class:`~jaxqtm.lindblad.FullSpace`), as for
steady states.
"""

from ._counting import (
    CountingStatistics as CountingStatistics,
)
from ._counting import (
    counting_statistics as counting_statistics,
)
from ._counting import (
    cumulants_from_liouvillian as cumulants_from_liouvillian,
)
from ._currents import CountingSetup as CountingSetup
from ._currents import Currents as Currents
from ._currents import currents as currents
from ._tur import TURResult as TURResult
from ._tur import tur_ratio as tur_ratio
from ._tur import tur_ratios as tur_ratios
from .models import (
    random_rate_model as random_rate_model,
)
from .models import (
    thermal_qubit as thermal_qubit,
)
from .models import (
    three_level_maser as three_level_maser,
)
