"""The property tests' speed rests on one compiled program per property: new parameter
values must reuse it (JAX recompiles only for new shapes, dtypes or static structure)."""

import numpy as np
import pytest

from tests.properties import test_fcs as tf
from tests.properties import test_lindblad as tl
from tests.properties import test_oscillators as to
from tests.properties import test_rotor as tr

_OSC = np.array([1.0, 0.6, 10.0, 0.01, 1.2, 0.1, 0.2, 2.0, 1.0, 0.5])
_HV = np.array([0.3, -0.2, 0.9, 0.1, 0.4, -0.3, 0.2, 0.0, 0.5])
_RATES = np.linspace(0.2, 1.2, tl.K)
_BATHS = np.array([0.5, 2.0, 0.1, 5.0, 0.2, 4.0])
_CLASSICAL = np.array([0.0, 1.0, 2.5, 0.3, 0.5, 0.7, 0.9, 0.2, 0.4, 0.5, 2.0, 1.0, -0.5, 0.3, 0.8, -1.2, 0.4, 1.0])
_ROTOR = np.array([1.5, 2.5, 0.6, 0.2, 0.8, 0.7, 0.3, 0.4, 5e-2, 0.8])

CASES = {
    "oscillators-joint": (to._JIT["joint"], (_OSC,)),
    "oscillators-independent": (to._JIT["independent"], (_OSC,)),
    "lindblad-local": (tl._local, (_HV, _RATES)),
    "lindblad-global2": (tl._global2, (_HV, _BATHS)),
    "lindblad-global1": (tl._global1, (_HV, _BATHS[[0, 2, 3]])),
    "fcs-quantum": (tf._quantum, (_HV, _RATES, np.ones((2, tl.K)))),
    "fcs-classical": (tf._classical, (_CLASSICAL,)),
    "rotor": (tr._device, (_ROTOR,)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_new_values_do_not_recompile(case):
    f, args = CASES[case]
    f(*args)
    size = f._cache_size()
    f(*(1.01 * a for a in args))
    assert f._cache_size() == size
