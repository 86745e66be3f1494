"""Strict test configuration (as diffrax's): float64, rank promotion raises."""

import os

# Single-threaded BLAS: on 2 shared cores multi-threaded OpenBLAS makes small complex LUs
# 10-100x slower. Set before numpy/jax load BLAS.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import jax

import jaxqtm  # noqa: F401  (enables float64)

jax.config.update("jax_enable_x64", True)
# implicit broadcasting of arrays of different rank hides shape bugs: make it an error
jax.config.update("jax_numpy_rank_promotion", os.environ.get("JAXQTM_RANK_PROMOTION", "raise"))
