"""GKSL master equations: Liouvillians, steady states, thermodynamics.

Public API (stable; ``jaxqtm.fcs`` builds on it):

- conventions: :func:`vec`, :func:`unvec`, :func:`spre`, :func:`spost`,
  :func:`sprepost`, :func:`dissipator`, :func:`liouvillian` (dense, row-major).
- models: :func:`lindblad_model` (local jump operators), :func:`global_model`
  (Born--Markov--secular from the eigenbasis of H) with :class:`Bath`,
  :class:`OhmicCutoff`, :class:`OhmicExponential`, :func:`thermal_rate`,
  :func:`bose`; the result is a :class:`LindbladModel`.
- symmetry: :func:`sector_pairs`, :func:`charge_blocks`, :func:`block_eigh`,
  :func:`sector_generator` -> :class:`SectorGenerator` (generator restricted to a
  charge sector, split into Hamiltonian / jump / no-jump parts per term),
  :func:`apply_generator` (matrix-free ``M x``).
- solvers: :func:`steady_state` (methods :class:`SymmetrySector`,
  :class:`DenseLiouville`) -> :class:`SteadyState`; :func:`evolve` -> :class:`Evolution`.
- thermodynamics: :func:`channel_rates`, :func:`channel_table`, :func:`heat_flows`, :func:`energy_rate`,
  :func:`entropy_production`, :func:`efficiency`, :func:`coefficient_of_performance`,
  :func:`operating_mode` (:data:`MODES`), :func:`ergotropy`, :func:`partial_trace`.
- QuTiP interop: :func:`from_qutip` (Hamiltonian + collapse operators -> model).

Performance path: when a model has charges and every term's charge shift is
known (``LindbladModel.shifts``: inferred from concrete operators, or given via
``lindblad_model(..., shifts=)`` / ``global_model(..., local_shifts=)`` for
operators traced under ``jit``), the sector generator is assembled as a sparse
entry list from static indices (``_sparse.py``): no ``n^3`` products, and the
reverse pass of a steady-state gradient is a gather + scatter of a few thousand
numbers.  The global builder then works on the charge blocks (block ``eigh``,
eigen-operator entries and Bohr-frequency clusters on ``O(n d^2)`` entries),
with fixed shapes, so it jits and vmaps.  Heat bookkeeping: ``heat_flows`` uses
``model.heat_energy`` when set (``lindblad_model(..., heat_energy=H_S0)``, the
bare Hamiltonian of a local ME), else the full Hamiltonian.
"""

from ._evolve import Evolution as Evolution, evolve as evolve
from ._model import (
    AbstractSpectralDensity as AbstractSpectralDensity,
    Bath as Bath,
    LindbladModel as LindbladModel,
    OhmicCutoff as OhmicCutoff,
    OhmicExponential as OhmicExponential,
    apply_generator as apply_generator,
    SectorGenerator as SectorGenerator,
    block_eigh as block_eigh,
    bose as bose,
    cluster_labels as cluster_labels,
    global_model as global_model,
    lindblad_model as lindblad_model,
    pairs_expect as pairs_expect,
    pairs_gather as pairs_gather,
    pairs_scatter as pairs_scatter,
    sector_generator as sector_generator,
    thermal_rate as thermal_rate,
)
from ._qutip import from_qutip as from_qutip
from ._sector import charge_blocks as charge_blocks, sector_pairs as sector_pairs
from ._steady import (
    AbstractSteadyStateMethod as AbstractSteadyStateMethod,
    DenseLiouville as DenseLiouville,
    SteadyState as SteadyState,
    SymmetrySector as SymmetrySector,
    solve_sector as solve_sector,
    steady_state as steady_state,
    trace_vector as trace_vector,
)
from ._thermo import (
    MODES as MODES,
    channel_rates as channel_rates,
    channel_table as channel_table,
    coefficient_of_performance as coefficient_of_performance,
    efficiency as efficiency,
    energy_rate as energy_rate,
    entropy_production as entropy_production,
    ergotropy as ergotropy,
    heat_flows as heat_flows,
    operating_mode as operating_mode,
    partial_trace as partial_trace,
)
from .superop import (
    dissipator as dissipator,
    hamiltonian_superop as hamiltonian_superop,
    liouvillian as liouvillian,
    spost as spost,
    spre as spre,
    sprepost as sprepost,
    unvec as unvec,
    vec as vec,
)
