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
    Chebyshev as Chebyshev,
    EpsilonConstraint as EpsilonConstraint,
    FrontResult as FrontResult,
    WeightedSum as WeightedSum,
    chebyshev_grid as chebyshev_grid,
    epsilon_grid as epsilon_grid,
    front_box as front_box,
    hypervolume_2d as hypervolume_2d,
    nondominated as nondominated,
    pareto_front as pareto_front,
    refine_thresholds as refine_thresholds,
    warm_start as warm_start,
    weighted_sum_grid as weighted_sum_grid,
)
from ._waveforms import (
    Bounded as Bounded,
    FourierWaveform as FourierWaveform,
    MonochromaticWaveform as MonochromaticWaveform,
    l1_coefficients as l1_coefficients,
)
