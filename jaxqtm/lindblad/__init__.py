"""The GKSL core of jaxqtm: models, Liouville-space blocks, steady states, thermodynamics.

Every Lindblad component (``jaxqtm.rotor``, ``jaxqtm.fcs``, ``jaxqtm.coherence``)
builds on this package: one model type, one generator, one linear solve.

- models: :func:`lindblad_model` (local jump operators), :func:`global_model`
  (Born--Markov--secular, from the eigenbasis of H) with :class:`Bath` and the spectral
  densities :class:`OhmicCutoff`, :class:`OhmicExponential` (:func:`thermal_rate`);
  :func:`from_qutip`.  All give a :class:`LindbladModel`.  Master-equation strategies
  for machine builders: :class:`LocalME`, :class:`GlobalME`.
- spaces (where the linear algebra runs): :class:`AutoSpace`, :class:`U1Sector`
  (weak U(1) charge sector), :class:`FullSpace`.
- generator: :func:`sector_generator` -> :class:`SectorGenerator` (Hamiltonian / jump /
  no-jump parts per term), :func:`pairs_gather`, :func:`pairs_scatter`.
- solvers: :func:`steady_state` -> :class:`SteadyState` with ``solver=``
  :class:`AutoSolver` (default: :class:`BorderedLU` for small sectors, the matrix-free
  :class:`Krylov` -- BiCGStab or GMRES with the no-jump Lyapunov preconditioner, ``n x n``
  products only -- beyond the measured crossover); :func:`evolve` -> :class:`Evolution`.
- thermodynamics: :func:`channel_rates`, :func:`channel_table`, :func:`heat_flows`,
  :func:`energy_rate`, :func:`dissipator_action`, :func:`entropy_rate`,
  :func:`entropy_production` (Spohn form, any state),
  :func:`entropy_production_from_heat`, :func:`efficiency`,
  :func:`coefficient_of_performance`, :func:`operating_mode` (:data:`MODES`),
  :func:`ergotropy`, :func:`partial_trace`.
- conventions: :func:`vec`, :func:`unvec`, :func:`spre`, :func:`spost`,
  :func:`sprepost`, :func:`dissipator`, :func:`liouvillian` (dense reference, row-major).

Performance path: when a model has charges and every term's charge shift is known
(``LindbladModel.shifts``: inferred from concrete operators, or given via
``lindblad_model(..., shifts=)`` / ``global_model(..., local_shifts=)`` for operators
traced under ``jit``), the sector generator is assembled as a sparse entry list from
static indices (``_sparse.py``): no ``n^3`` products, and the reverse pass of a
steady-state gradient is a gather + scatter of a few thousand numbers.  The global
builder then works on the charge blocks (block ``eigh``, eigen-operator entries and
Bohr-frequency clusters on ``O(n d^2)`` entries), with fixed shapes, so it jits and
vmaps.  Heat bookkeeping: ``heat_flows`` uses ``model.heat_energy`` when set
(``lindblad_model(..., heat_energy=H_S0)``, the bare Hamiltonian of a local ME), else
the full Hamiltonian.

Large models without a symmetry: :class:`Krylov` never forms an ``n^2 x n^2`` array.  The
generator acts as ``n x n`` products (``G rho + rho G^dag`` and ``X rho X^dag``; operators
with a static sparsity pattern, recorded by :func:`lindblad_model` from concrete inputs,
as gathers), the preconditioner is the exact inverse of the no-jump part from one
``eig`` of ``G = -iH - K/2`` (plus the population block in the secular regime), the
uniqueness of the state is checked by a second right-hand side in the same loop, and
gradients are implicit (one transposed solve).
"""

from .._numerics import bose as bose
from ._blocks import block_eigh as block_eigh
from ._blocks import block_eigvalsh as block_eigvalsh
from ._equation import (
    AbstractMasterEquation as AbstractMasterEquation,
)
from ._equation import (
    GlobalME as GlobalME,
)
from ._equation import (
    LocalME as LocalME,
)
from ._evolve import Evolution as Evolution
from ._evolve import evolve as evolve
from ._generator import (
    SectorGenerator as SectorGenerator,
)
from ._generator import (
    pairs_gather as pairs_gather,
)
from ._generator import (
    pairs_scatter as pairs_scatter,
)
from ._generator import (
    sector_generator as sector_generator,
)
from ._global import Bath as Bath
from ._global import global_model as global_model
from ._linsolve import (
    AbstractSteadySolver as AbstractSteadySolver,
)
from ._linsolve import (
    AutoSolver as AutoSolver,
)
from ._linsolve import (
    BorderedLU as BorderedLU,
)
from ._linsolve import (
    Krylov as Krylov,
)
from ._model import LindbladModel as LindbladModel
from ._model import from_qutip as from_qutip
from ._model import lindblad_model as lindblad_model
from ._sector import charge_blocks as charge_blocks
from ._sector import sector_pairs as sector_pairs
from ._space import (
    AbstractSpace as AbstractSpace,
)
from ._space import (
    AutoSpace as AutoSpace,
)
from ._space import (
    FullSpace as FullSpace,
)
from ._space import (
    U1Sector as U1Sector,
)
from ._spectral import (
    AbstractSpectralDensity as AbstractSpectralDensity,
)
from ._spectral import (
    OhmicCutoff as OhmicCutoff,
)
from ._spectral import (
    OhmicExponential as OhmicExponential,
)
from ._spectral import (
    thermal_rate as thermal_rate,
)
from ._steady import SteadyState as SteadyState
from ._steady import steady_state as steady_state
from ._thermo import (
    MODES as MODES,
)
from ._thermo import (
    channel_rates as channel_rates,
)
from ._thermo import (
    channel_table as channel_table,
)
from ._thermo import (
    coefficient_of_performance as coefficient_of_performance,
)
from ._thermo import (
    dissipator_action as dissipator_action,
)
from ._thermo import (
    efficiency as efficiency,
)
from ._thermo import (
    energy_rate as energy_rate,
)
from ._thermo import (
    entropy_production as entropy_production,
)
from ._thermo import (
    entropy_production_from_heat as entropy_production_from_heat,
)
from ._thermo import (
    entropy_rate as entropy_rate,
)
from ._thermo import (
    ergotropy as ergotropy,
)
from ._thermo import (
    heat_flows as heat_flows,
)
from ._thermo import (
    operating_mode as operating_mode,
)
from ._thermo import (
    partial_trace as partial_trace,
)
from .superop import (
    dissipator as dissipator,
)
from .superop import (
    hamiltonian_superop as hamiltonian_superop,
)
from .superop import (
    liouvillian as liouvillian,
)
from .superop import (
    spost as spost,
)
from .superop import (
    spre as spre,
)
from .superop import (
    sprepost as sprepost,
)
from .superop import (
    unvec as unvec,
)
from .superop import (
    vec as vec,
)
