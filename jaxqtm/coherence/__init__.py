"""Coherence and the current--dissipation trade-off of GKSL dynamics (seed 003).

Heat current and Spohn entropy production of any :class:`~jaxqtm.lindblad.LindbladModel`
for arbitrary states, the coherence projections ``rho_bd`` / ``rho_sd``, the
heat-fluctuation coefficients ``A_cl``/``A_qm``, the 2N-state collective-jump model, and the two-qubit
superradiant (collective vs independent emission) Carnot-type engine with its
power--efficiency trade-off ``P <= (A_cl + A_qm)/2 beta_C eta (eta_C - eta)``.
"""

from ._thermo import (
    block_diagonal as block_diagonal,
    cd_ratio as cd_ratio,
    coherence_report as coherence_report,
    entropy_production as entropy_production,
    entropy_rate as entropy_rate,
    heat_current as heat_current,
    heat_fluctuation as heat_fluctuation,
    heat_fluctuation_terms as heat_fluctuation_terms,
    strictly_diagonal as strictly_diagonal,
)
from ._two_n import (
    two_n_state_closed_form as two_n_state_closed_form,
    two_n_state_model as two_n_state_model,
    two_n_state_rho0 as two_n_state_rho0,
)
from ._superradiant import (
    AbstractDissipation as AbstractDissipation,
    CarnotCycle as CarnotCycle,
    Collective as Collective,
    Dicke as Dicke,
    EngineResult as EngineResult,
    Independent as Independent,
    IndependentQubits as IndependentQubits,
    dicke_basis as dicke_basis,
    power_efficiency_curve as power_efficiency_curve,
    superradiant_engine as superradiant_engine,
    two_qubit_model as two_qubit_model,
)
