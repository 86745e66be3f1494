"""Coherence and the current--dissipation trade-off of GKSL dynamics (seed 003).

Heat current and Spohn entropy production of any :class:`~jaxqtm.lindblad.LindbladModel`
for arbitrary states, the coherence projections ``rho_bd`` / ``rho_sd``, the
heat-fluctuation coefficients ``A_cl``/``A_qm``, the 2N-state collective-jump model, and the two-qubit
superradiant (collective vs independent emission) Carnot-type engine with its
power--efficiency trade-off ``P <= (A_cl + A_qm)/2 beta_C eta (eta_C - eta)``.
"""

from ._superradiant import (
    AbstractDissipation as AbstractDissipation,
)
from ._superradiant import (
    CarnotCycle as CarnotCycle,
)
from ._superradiant import (
    Collective as Collective,
)
from ._superradiant import (
    Dicke as Dicke,
)
from ._superradiant import (
    EngineResult as EngineResult,
)
from ._superradiant import (
    Independent as Independent,
)
from ._superradiant import (
    IndependentQubits as IndependentQubits,
)
from ._superradiant import (
    dicke_basis as dicke_basis,
)
from ._superradiant import (
    power_efficiency_curve as power_efficiency_curve,
)
from ._superradiant import (
    superradiant_engine as superradiant_engine,
)
from ._superradiant import (
    two_qubit_model as two_qubit_model,
)
from ._thermo import (
    block_diagonal as block_diagonal,
)
from ._thermo import (
    cd_ratio as cd_ratio,
)
from ._thermo import (
    coherence_report as coherence_report,
)
from ._thermo import (
    entropy_production as entropy_production,
)
from ._thermo import (
    entropy_rate as entropy_rate,
)
from ._thermo import (
    heat_current as heat_current,
)
from ._thermo import (
    heat_fluctuation as heat_fluctuation,
)
from ._thermo import (
    heat_fluctuation_terms as heat_fluctuation_terms,
)
from ._thermo import (
    strictly_diagonal as strictly_diagonal,
)
from ._two_n import (
    two_n_state_closed_form as two_n_state_closed_form,
)
from ._two_n import (
    two_n_state_model as two_n_state_model,
)
from ._two_n import (
    two_n_state_rho0 as two_n_state_rho0,
)
