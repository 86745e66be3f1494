"""Two interacting bosonic reservoirs: exact dynamics and three energy assignments (seed 002).

H = sum h1 a^dag a + sum h2 b^dag b + sum g (a^dag b + h.c.) is quadratic and number
conserving; its dynamics from a product of thermal states is exact through single-particle
matrices.  For each reservoir the package gives internal energy, heat and work under the
"bare", "interaction" and minimal-dissipation (Colla & Breuer, PRA 105, 052216; Colla,
Vacchini & Smirne, arXiv:2510.06929) assignments.  See ``energetics``.

Failures are data: every result carries ``result`` (a ``jaxqtm.RESULTS`` item per time;
``singular_generator`` where the reduced propagator G(t) is not invertible) and ``ok``;
``energetics`` and ``time_local_generator`` take ``throw`` (default ``True``: raise; pass
``throw=False`` for models whose G(t) is singular at some times).  The time axis is chunked by
the chunking strategies of ``jaxqtm.sweep`` (``EnergeticsOptions(chunk=Fixed(64))``).
"""

from ._dynamics import (
    TimeLocalGenerator as TimeLocalGenerator,
)
from ._dynamics import (
    correlation_matrix as correlation_matrix,
)
from ._dynamics import (
    time_local_generator as time_local_generator,
)
from ._energetics import (
    Assignment as Assignment,
)
from ._energetics import (
    Energetics as Energetics,
)
from ._energetics import (
    EnergeticsOptions as EnergeticsOptions,
)
from ._energetics import (
    SideEnergetics as SideEnergetics,
)
from ._energetics import (
    energetics as energetics,
)
from ._energetics import (
    failure_report as failure_report,
)
from ._model import (
    ReservoirModel as ReservoirModel,
)
from ._model import (
    all_to_all as all_to_all,
)
from ._model import (
    all_to_all_scales as all_to_all_scales,
)
from ._model import (
    reservoir_model as reservoir_model,
)
from ._weak import weak_coupling_heat as weak_coupling_heat
