"""Strict test configuration (as diffrax's): float64, rank promotion raises."""

import os

# Single-threaded BLAS: on 2 shared cores multi-threaded OpenBLAS makes small complex LUs
# 10-100x slower. Set before numpy/jax load BLAS.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

# The test run is compile-bound (about 2700 programs, 60 % of its CPU time in XLA's backend
# compiler), so its programs are compiled with LLVM at -O0: 2.5-3x less compile CPU per
# program, 1.5x slower runs, the same numbers to round-off. tests/test_compile_flags.py
# compares the main kernels against a process with the optimised build (what users run).
# JAXQTM_TEST_OPT=1 compiles the whole run optimised instead.
if os.environ.get("JAXQTM_TEST_OPT", "0") != "1" and "xla_backend_optimization_level" not in os.environ.get(
    "XLA_FLAGS", ""
):
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_backend_optimization_level=0").strip()

import jax

import jaxqtm  # noqa: F401  (enables float64)

jax.config.update("jax_enable_x64", True)
# implicit broadcasting of arrays of different rank hides shape bugs: make it an error
jax.config.update("jax_numpy_rank_promotion", os.environ.get("JAXQTM_RANK_PROMOTION", "raise"))
