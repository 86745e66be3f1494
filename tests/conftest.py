"""Strict test configuration (as diffrax's): float64, rank promotion raises."""

import os

# Single-threaded BLAS: on 2 shared cores multi-threaded OpenBLAS makes small complex LUs
# 10-100x slower. Set before numpy/jax load BLAS.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

# The test run is compile-bound (about 2800 programs, 60 % of its CPU time in XLA's backend
# compiler), so its programs are compiled for compile speed: LLVM at -O0 and the classic CPU
# fusion emitters (together 2.5-3.5x less compile CPU per program, 1.5x slower runs, the same
# numbers to round-off). tests/test_compile_flags.py compares the main kernels against a process
# with the optimised build (what users run). JAXQTM_TEST_OPT=1 compiles the whole run optimised.
# (an XLA flag the installed jaxlib does not know aborts the process: the emitter flag only where
# jaxqtm's own check says the jaxlib has it)
from jaxqtm._config import oscillator_compiler_options  # noqa: E402  (imports jax; the backend starts later)

_TEST_BUILD = ["--xla_backend_optimization_level=0"]
if os.environ.get("JAXQTM_XLA_DEFAULTS") != "0" and oscillator_compiler_options() is not None:
    _TEST_BUILD.append("--xla_cpu_use_fusion_emitters=false")
if os.environ.get("JAXQTM_TEST_OPT", "0") != "1":
    _flags = os.environ.get("XLA_FLAGS", "")
    for _f in _TEST_BUILD:
        if _f.split("=")[0] not in _flags:
            _flags = f"{_flags} {_f}".strip()
    os.environ["XLA_FLAGS"] = _flags

import jax

import jaxqtm  # noqa: F401  (enables float64)

jax.config.update("jax_enable_x64", True)
# implicit broadcasting of arrays of different rank hides shape bugs: make it an error
jax.config.update("jax_numpy_rank_promotion", os.environ.get("JAXQTM_RANK_PROMOTION", "raise"))
