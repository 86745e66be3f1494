"""Numerical policy of jaxqtm.

jaxqtm computes in float64 / complex128 by default: the TUR ratios, Pearson
coefficients and Matsubara sums it evaluates lose many digits in float32 (a
Q_P close to 2 is a difference of nearly equal numbers). Importing jaxqtm
therefore switches JAX's ``jax_enable_x64`` flag on, process-wide, unless the
environment variable ``JAXQTM_ENABLE_X64=0`` is set before the import. Code
that wants float32 on an accelerator can pass float32 arrays explicitly after
setting that variable; results are then documented as approximate.

Compilation is cached across runs: importing jaxqtm points JAX's persistent compilation
cache at ``$XDG_CACHE_HOME/jaxqtm/jax`` (``~/.cache/jaxqtm/jax`` when unset), so a second run
of any job loads its programs instead of compiling them again. ``JAXQTM_CACHE_DIR=/path``
moves it, ``JAXQTM_CACHE_DIR=0`` (or ``off``) disables it; a cache directory the user already
gave JAX (``JAX_COMPILATION_CACHE_DIR`` or ``jax.config``) is left alone.
:func:`compilation_cache_dir` tells which directory is in use.

Compilation of the oscillator engine is made cheaper: on the CPU, XLA's newer fusion emitters
compile its kernels (hundreds of small fusions of complex arithmetic) 1.4-1.6x slower than the
classic emitters for the same run time, so its programs are compiled with the classic ones
(:func:`oscillator_compiler_options`, also for programs a user builds around ``observables``). The
Lindblad programs are not: there the classic emitters compile 1.2x slower.
``JAXQTM_XLA_DEFAULTS=0`` turns this off.
"""

from __future__ import annotations

import os

import jax
import jaxlib


def _apply_default_precision() -> None:
    if os.environ.get("JAXQTM_ENABLE_X64", "1") != "0":
        jax.config.update("jax_enable_x64", True)


# Measured on jaxlib 0.10.2, 2-core CPU, compile CPU time: observables 9.5 -> 6.1 s, vmap(observables)
# over 4096 points 12.2 -> 7.7 s (run 435 -> 440 ms, results equal to round-off); but the Krylov steady
# state 8.0 -> 9.9 s and rotor.solve_device 6.2 -> 6.5 s, hence per program, not process-wide. An
# option XLA does not know is an error, so it is only passed for the jaxlib versions checked to have it.
_OSCILLATOR_OPTIONS = {"xla_cpu_use_fusion_emitters": False}
_OPTIONS_JAXLIB = ((0, 5, 3), (0, 11, 0))  # [first, last) jaxlib version with the option


def _jaxlib_version() -> tuple[int, ...]:
    parts = []
    for piece in jaxlib.__version__.split(".")[:3]:
        digits = "".join(c for c in piece if c.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def oscillator_compiler_options() -> dict | None:
    """XLA compile options of the oscillator engine's programs (``jax.jit(f, compiler_options=...)``):
    the classic CPU fusion emitters, 1.4-1.6x faster to compile for the same run time. ``None`` where
    they do not apply (``JAXQTM_XLA_DEFAULTS=0``, a jaxlib not known to have the option, or the user's
    own ``--xla_cpu_use_fusion_emitters`` in ``XLA_FLAGS``, which then rules every program)."""
    if os.environ.get("JAXQTM_XLA_DEFAULTS", "1").strip().lower() in ("0", "off", "false", "no"):
        return None
    lo, hi = _OPTIONS_JAXLIB
    if not lo <= _jaxlib_version() < hi or "xla_cpu_use_fusion_emitters" in os.environ.get("XLA_FLAGS", ""):
        return None
    return dict(_OSCILLATOR_OPTIONS)


try:
    from jax._src.core import trace_state_clean as _trace_state_clean
except ImportError:  # a JAX without it: never pass options
    _trace_state_clean = None


def top_level() -> bool:
    """Whether no JAX transformation is tracing right now (a jit here is a top-level one, which
    alone may carry compile options)."""
    return _trace_state_clean is not None and bool(_trace_state_clean())


# programs that compile faster than this are not written to the persistent cache (JAX's default
# of 1 s would skip most of jaxqtm's kernels, which compile in 0.2-1 s each but add up to minutes)
_CACHE_MIN_COMPILE_S = 0.1


def _default_cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "jaxqtm", "jax")


def _apply_compilation_cache() -> None:
    setting = os.environ.get("JAXQTM_CACHE_DIR")
    if setting is not None and setting.strip().lower() in ("0", "off", "false", "no", ""):
        return
    if compilation_cache_dir() is not None or os.environ.get("JAX_COMPILATION_CACHE_DIR"):
        return  # the user's own choice
    path = os.path.abspath(os.path.expanduser(setting)) if setting else _default_cache_dir()
    try:
        os.makedirs(path, exist_ok=True)
    except OSError:
        return  # read-only home (some clusters): run without a cache rather than fail the import
    jax.config.update("jax_compilation_cache_dir", path)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", _CACHE_MIN_COMPILE_S)


def compilation_cache_dir() -> str | None:
    """The directory of JAX's persistent compilation cache (``None``: no cache)."""
    return getattr(jax.config, "jax_compilation_cache_dir", None)


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
