"""Full counting statistics and thermodynamic uncertainty relations of GKSL currents.

Entry points: :func:`counting_statistics` (mean, noise matrix, higher cumulants of
jump-counted currents; differentiable), :func:`tur_ratios` (``Q = sigma S / J^2`` of
a :class:`CountingModel`), with :class:`FullSpace` / :class:`U1Sector` selecting
the Liouville block the linear algebra runs in.
"""

from ._counting import (
    AbstractSpace as AbstractSpace,
    CountingStatistics as CountingStatistics,
    FullSpace as FullSpace,
    U1Sector as U1Sector,
    counting_statistics as counting_statistics,
    cumulants_from_liouvillian as cumulants_from_liouvillian,
)
from ._tur import TURResult as TURResult, tur_ratio as tur_ratio, tur_ratios as tur_ratios
from .models import (
    CountingModel as CountingModel,
    random_rate_model as random_rate_model,
    rotor_angular_momentum_weights as rotor_angular_momentum_weights,
    rotor_device as rotor_device,
    thermal_qubit as thermal_qubit,
    three_level_maser as three_level_maser,
)
