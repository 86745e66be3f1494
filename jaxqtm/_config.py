"""Numerical policy of jaxqtm.

jaxqtm computes in float64 / complex128 by default: the TUR ratios, Pearson
coefficients and Matsubara sums it evaluates lose many digits in float32 (a
Q_P close to 2 is a difference of nearly equal numbers). Importing jaxqtm
therefore switches JAX's ``jax_enable_x64`` flag on, process-wide, unless the
environment variable ``JAXQTM_ENABLE_X64=0`` is set before the import. Code
that wants float32 on an accelerator can pass float32 arrays explicitly after
setting that variable; results are then documented as approximate.
"""

from __future__ import annotations

import os

import jax


def _apply_default_precision() -> None:
    if os.environ.get("JAXQTM_ENABLE_X64", "1") != "0":
        jax.config.update("jax_enable_x64", True)


def x64_enabled() -> bool:
    """Whether JAX currently computes in double precision."""
    return bool(jax.config.read("jax_enable_x64"))


def set_precision(precision: str) -> None:
    """``"double"`` (float64/complex128, jaxqtm's default) or ``"single"`` (float32).

    Call it before building models or compiling: arrays created earlier keep their dtype.
    Single precision loses digits in TUR ratios, Pearson coefficients and Matsubara sums
    (differences of nearly equal numbers); results are then approximate.
    """
    if precision not in ("double", "single"):
        raise ValueError(f"precision must be 'double' or 'single'; got {precision!r}")
    jax.config.update("jax_enable_x64", precision == "double")
