"""jaxqtm: a differentiable physics engine for quantum thermal machines.

Components (one sub-package each, imported on first access: ``import jaxqtm`` then
``jaxqtm.lindblad`` works):

- ``jaxqtm.lindblad`` -- the GKSL core: models, Liouville-space blocks, steady states,
  time evolution, thermodynamic bookkeeping.
- ``jaxqtm.fcs`` -- full counting statistics and TUR ratios of Lindblad currents.
- ``jaxqtm.coherence`` -- coherence, the current--dissipation trade-off and the
  superradiant engine (seed 003).
- ``jaxqtm.rotor`` -- the two-qubit + quantum-rotor device (seed 004).
- ``jaxqtm.oscillators`` -- two (or N) oscillators with dynamically modulated couplings:
  exact frequency integrals (seed 001, slides 000).
- ``jaxqtm.reservoirs`` -- two interacting bosonic reservoirs (seed 002).
- ``jaxqtm.optimize`` -- Pareto fronts of drives and couplings with optax.
- ``jaxqtm.sweep`` -- chunked, resumable, sharded parameter sweeps of any kernel.
- ``jaxqtm.plot`` -- reusable figure helpers.

Failure scheme: :class:`RESULTS` (every result's ``result``), :class:`ResultError` (what
``throw=True`` raises).  Precision: importing jaxqtm switches JAX to float64
(``JAXQTM_ENABLE_X64=0`` before the import opts out); :func:`set_precision` changes it
later, :func:`x64_enabled` tells. Compilation: programs are cached across runs in
``~/.cache/jaxqtm/jax`` (``JAXQTM_CACHE_DIR`` moves it, ``=0`` disables it);
:func:`compilation_cache_dir` tells.
"""

import importlib as _importlib
from typing import TYPE_CHECKING

from ._config import _apply_compilation_cache, _apply_default_precision
from ._config import compilation_cache_dir as compilation_cache_dir
from ._config import set_precision as set_precision
from ._config import x64_enabled as x64_enabled

_apply_default_precision()
_apply_compilation_cache()

from ._results import RESULTS as RESULTS  # noqa: E402  (after the precision switch)
from ._results import ResultError as ResultError  # noqa: E402
from ._results import codes as result_codes  # noqa: E402  (integer codes of a RESULTS item)
from ._results import name_of as result_name  # noqa: E402  (name of an integer code)

__version__ = "0.1.0"

if TYPE_CHECKING:  # the components, for static checkers (imported lazily at run time)
    from . import coherence, fcs, lindblad, optimize, oscillators, plot, reservoirs, rotor, sweep  # noqa: F401

_COMPONENTS = ("coherence", "fcs", "lindblad", "optimize", "oscillators", "plot", "reservoirs", "rotor", "sweep")


def __getattr__(name):
    if name in _COMPONENTS:
        return _importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'jaxqtm' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_COMPONENTS))


__all__ = [
    "RESULTS",
    "ResultError",
    "result_codes",
    "result_name",
    "coherence",
    "fcs",
    "lindblad",
    "optimize",
    "oscillators",
    "plot",
    "reservoirs",
    "rotor",
    "set_precision",
    "sweep",
    "x64_enabled",
]
