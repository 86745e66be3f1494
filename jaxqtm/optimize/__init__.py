"""Gradient-based multi-objective optimisation (Pareto fronts) with optax.

- generic (model-agnostic): :func:`pareto_front` -> :class:`FrontResult` (an objective's ``ok`` may be
  a boolean or any component's ``RESULTS`` item / result object; progress through
  :class:`TextProgressMeter`, :class:`NoProgressMeter`, :class:`CallbackProgressMeter`); scalarisations
  :class:`Chebyshev`, :class:`EpsilonConstraint`, :class:`WeightedSum` (grids:
  :func:`chebyshev_grid`, :func:`epsilon_grid`, :func:`weighted_sum_grid`);
  :func:`nondominated`, :func:`hypervolume_2d`; adaptive grids
  :func:`front_box`, :func:`refine_thresholds`, :func:`warm_start` (second pass over the attained range).
- drives for ``jaxqtm.oscillators``: :class:`FourierWaveform` (max_t |g_l(t)| <= g_max by
  construction), :class:`MonochromaticWaveform`, :class:`Bounded` scalars.
- the fronts of the seeds (heat engine, work-to-work conversion, qubit--rotor rectification) are
  an application of this package, outside the library: ``python -m examples.fronts --out DIR [--quick]``
  from the repository root (``examples/fronts/``).
"""

from .._progress import AbstractProgressMeter as AbstractProgressMeter
from .._progress import CallbackProgressMeter as CallbackProgressMeter
from .._progress import NoProgressMeter as NoProgressMeter
from .._progress import TextProgressMeter as TextProgressMeter
from ._pareto import (
    AbstractScalarisation as AbstractScalarisation,
)
from ._pareto import (
    Chebyshev as Chebyshev,
)
from ._pareto import (
    EpsilonConstraint as EpsilonConstraint,
)
from ._pareto import (
    FrontResult as FrontResult,
)
from ._pareto import (
    WeightedSum as WeightedSum,
)
from ._pareto import (
    chebyshev_grid as chebyshev_grid,
)
from ._pareto import (
    epsilon_grid as epsilon_grid,
)
from ._pareto import (
    front_box as front_box,
)
from ._pareto import (
    hypervolume_2d as hypervolume_2d,
)
from ._pareto import (
    nondominated as nondominated,
)
from ._pareto import (
    pareto_front as pareto_front,
)
from ._pareto import (
    refine_thresholds as refine_thresholds,
)
from ._pareto import (
    warm_start as warm_start,
)
from ._pareto import (
    weighted_sum_grid as weighted_sum_grid,
)
from ._waveforms import (
    Bounded as Bounded,
)
from ._waveforms import (
    FourierWaveform as FourierWaveform,
)
from ._waveforms import (
    MonochromaticWaveform as MonochromaticWaveform,
)
from ._waveforms import (
    l1_coefficients as l1_coefficients,
)
