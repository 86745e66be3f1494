"""Shared inputs of the property tests: small GKSL models and hypothesis strategies."""

import math

import jax.numpy as jnp
import numpy as np
from hypothesis import strategies as st

N = 3
_E = np.eye(N)
_IU = np.triu_indices(N, 1)
# every transition |i><j| (i != j): with positive rates the jump graph is connected
JUMPS = [np.outer(_E[i], _E[j]).astype(complex) for i in range(N) for j in range(N) if i != j]
K = len(JUMPS)

H_ENTRIES = st.lists(st.floats(-2.0, 2.0), min_size=9, max_size=9).map(np.array)
RATES = st.lists(st.floats(0.05, 3.0), min_size=K, max_size=K).map(np.array)
NONFINITE = st.sampled_from([math.nan, math.inf, -math.inf])


def hermitian(v, xp=jnp):
    """(3, 3) Hermitian matrix from 9 reals: diagonal, real and imaginary upper parts."""
    v = xp.asarray(v)
    off = v[3:6] + 1j * v[6:9]
    if xp is np:
        h = np.zeros((N, N), complex)
        h[np.diag_indices(N)] = v[:3]
        h[_IU] = off
        h[(_IU[1], _IU[0])] = np.conj(off)
        return h
    h = jnp.zeros((N, N), complex).at[jnp.diag_indices(N)].set(v[:3].astype(complex))
    return h.at[_IU].set(off).at[(_IU[1], _IU[0])].set(jnp.conj(off))
