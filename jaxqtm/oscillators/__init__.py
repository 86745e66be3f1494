"""Two (or N) oscillators with dynamically modulated couplings (seed 001, slides 000).

Exact, differentiable frequency integrals: every observable is a rational function of
frequency times coth factors, evaluated by residues and digamma functions (see
``_integrals``). One call evaluates one parameter set and works under jit/vmap/grad::

    import jaxqtm.oscillators as osc
    m = osc.OscillatorMachine(osc.WorkingMedium([1.0, 0.6], gamma2=100.0),
                              osc.DrudeLorentz(gamma=0.01, omega_c=1.2), T1=0.1, T2=0.1)
    obs = osc.observables(m, osc.PowerLawWeights(phi=jnp.pi / 2, r=0.0, omega_c=1.2), 200.0)
    obs.Q_l[0]   # Q_{P_A}

The "how" is a strategy object: ``noise=Auto() | ExactIsothermal() | MatsubaraSum() | TanhSinh(...)`` (how the
noise kernel is integrated) and ``WorkingMedium(..., configuration=Joint() | Independent())``.
Failures are data: ``obs.result`` is a ``RESULTS`` item (``obs.ok``, ``obs.status``);
``observables(..., throw=False)`` returns flagged points (NaN numbers) instead of raising, for
``vmap``/sweeps.
"""

from .._results import RESULTS as RESULTS
from ._configuration import AbstractConfiguration as AbstractConfiguration
from ._configuration import Independent as Independent
from ._configuration import Joint as Joint
from ._noise import AbstractNoiseIntegral as AbstractNoiseIntegral
from ._noise import Auto as Auto
from ._noise import ExactIsothermal as ExactIsothermal
from ._noise import MatsubaraSum as MatsubaraSum
from ._noise import TanhSinh as TanhSinh
from .asymptotics import AsymptoticCoefficients as AsymptoticCoefficients
from .asymptotics import asymptotic_coefficients as asymptotic_coefficients
from .drives import AbstractDrive as AbstractDrive
from .drives import FourierDrive as FourierDrive
from .drives import Monochromatic as Monochromatic
from .drives import PowerLawWeights as PowerLawWeights
from .machine import Observables as Observables
from .machine import OscillatorMachine as OscillatorMachine
from .machine import compiler_options as compiler_options
from .machine import observables as observables
from .medium import WorkingMedium as WorkingMedium
from .spectral import AbstractSpectralDensity as AbstractSpectralDensity
from .spectral import DrudeLorentz as DrudeLorentz
from .spectral import Ohmic as Ohmic
from .spectral import StructuredLorentzian as StructuredLorentzian
