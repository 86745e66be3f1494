"""Which master equation a machine builder writes down (strategy objects).

A machine with a system Hamiltonian ``H_S = H_S0 + H_I`` and baths attached to
its parts can be described by

- :class:`LocalME`: each bath acts on its own part through the bare operators
  (collision-model / local master equation); heat is exchanged with the *bare*
  ``H_S0`` (seed 004, eq. 18), the interaction's share is work;
- :class:`GlobalME`: the Born--Markov--secular master equation in the eigenbasis of
  the full ``H_S`` (Bohr frequencies closer than ``secular_tol`` form one cluster),
  with Ohmic spectral densities of cut-off ``cutoff``; heat is measured with ``H_S``.
"""

from __future__ import annotations

import equinox as eqx
import jax

from .._checks import as_float, check_positive


class AbstractMasterEquation(eqx.Module):
    """How a builder turns a system + baths into a :class:`LindbladModel`."""


class LocalME(AbstractMasterEquation):
    """Local (collision-model) master equation."""


class GlobalME(AbstractMasterEquation):
    """Global (Born--Markov--secular) master equation.

    ``secular_tol``: Bohr frequencies whose sorted gaps are ``<= secular_tol``
    (absolute, energy units) share one rate (static: it sets the cluster structure);
    ``cutoff``: Ohmic cut-off ``Omega`` of the spectral densities (traced; ``None``: the
    builder's default, e.g. the largest qubit transition frequency of seed 004).
    """

    secular_tol: float = eqx.field(static=True, default=1e-9)
    cutoff: jax.Array | None = eqx.field(default=None, converter=lambda c: None if c is None else as_float(c))

    def __check_init__(self):
        check_positive(self.secular_tol, "GlobalME.secular_tol", allow_zero=True)
        if self.cutoff is not None:
            check_positive(self.cutoff, "GlobalME.cutoff")
