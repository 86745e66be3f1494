"""Build jaxqtm objects from the reference parameter dicts (tests/oscillators/data): the
builders shared with the benchmarks (one copy, in ``benchmarks/_common.py``, public API only)."""

import jaxqtm.oscillators as osc
from benchmarks._common import CONFIGURATIONS, bath_from, drive_fixed, machine_from

__all__ = ["CONFIGURATIONS", "bath_from", "drive_fixed", "drive_r", "machine_from"]


def drive_r(p):
    return osc.PowerLawWeights(p["phi"], p["r"], p["J1"]["omega_c"])
