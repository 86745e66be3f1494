"""The generator of a :class:`LindbladModel` on a charge sector of Liouville space.

One generator, two assemblies: with known charge shifts the sector matrices are
scattered from the sparse entry list of :mod:`._sparse` (static indices, cheap
reverse pass); otherwise dense gathers of the working-basis operators.  The same
:class:`SectorGenerator` serves steady states, time evolution, heat bookkeeping
and counting statistics (its ``jumps`` / ``nojumps`` split).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ._model import _CDTYPE, LindbladModel
from ._sector import normalize_charges, sector_pairs
from ._sparse import sparse_sector


class SectorGenerator(eqx.Module):
    """The generator restricted to one sector, in the pair basis.

    ``total()[s, t]`` is the coefficient of ``|a_s><b_s|`` in
    ``L[|i_t><j_t|]`` (working basis), pairs from :func:`sector_pairs`.  With no
    charges this is the dense Liouvillian in :func:`jaxqtm.lindblad.vec` order.
    ``jumps[k]`` / ``nojumps[k]`` split term ``k`` into its ``X rho X^dag`` part
    and its anticommutator part (for counting statistics).
    """

    hamiltonian: jax.Array  # (m, m)
    jumps: jax.Array  # (T, m, m)
    nojumps: jax.Array  # (T, m, m)
    charges: tuple = eqx.field(static=True)
    n: int = eqx.field(static=True)

    @property
    def pairs(self):
        return sector_pairs(self.charges, self.n)

    def total(self):
        return self.hamiltonian + jnp.sum(self.jumps + self.nojumps, axis=0)

    def term(self, k):
        return self.jumps[k] + self.nojumps[k]


def _k_local(xs, rates):
    """``K_t = rate_t X_t^dag X_t`` for stacked local terms."""
    return rates[:, None, None] * jnp.einsum("tca,tci->tai", jnp.conj(xs), xs)


def _k_secular(xs, rates, labs):
    """``K_t = sum_w gamma_w X_t(w)^dag X_t(w)`` for stacked secular terms.

    ``K_ai = sum_c Gamma_ca conj(X_ca) X_ci [c_ca == c_ci]``; a scan over ``c``
    keeps memory at ``O(T n^2)`` instead of materialising an ``n^3`` mask.
    """
    w = rates * jnp.conj(xs)

    def body(acc, row):
        wr, xr, lr = row  # (T, n) each
        mask = lr[:, :, None] == lr[:, None, :]
        return acc + wr[:, :, None] * xr[:, None, :] * mask, None

    rows = (jnp.swapaxes(w, 0, 1), jnp.swapaxes(xs, 0, 1), jnp.swapaxes(labs, 0, 1))
    k, _ = jax.lax.scan(body, jnp.zeros_like(xs), rows)
    return k


def sector_generator(model: LindbladModel, charges=None) -> SectorGenerator:
    """Assemble the generator of ``model`` on the ``k = 0`` sector of ``charges``.

    ``charges=None`` uses ``model.charges``; ``charges=()`` gives the full
    Liouville space.  With the model's charges and known shifts the matrices are
    scattered from the sparse entry list (``O(T m^2)`` memory, no ``n^3``);
    otherwise dense gathers, cost ``O(T m^2)`` for ``m`` sector pairs (plus
    ``O(n^3)`` per term).  Terms are stacked (local / secular) so the number of
    XLA operations does not grow with the number of terms.
    """
    q = model.charges if charges is None else normalize_charges(charges, model.n)
    return _sector_generator(model, q)


def _take2(x, rows, cols):
    """``x[..., rows[:, None], cols[None, :]]`` as two 1-d takes (faster than a 2-d gather
    on CPU, and its transpose is two cheap scatter-adds)."""
    return jnp.take(jnp.take(x, rows, axis=-2), cols, axis=-1)


def left_right_sector(op, q, n):
    """``(L, R)``: sector blocks of ``rho -> op rho`` and ``rho -> rho op`` (working basis).

    ``L[s, u] = op[a_s, a_u] [b_s = b_u]``, ``R[s, u] = op[b_u, b_s] [a_s = a_u]``;
    ``op`` may carry leading batch axes.  The commutator with ``H`` is ``L - R``, an
    anticommutator ``L + R``.
    """
    a, b = sector_pairs(q, n)
    lead = (None,) * (jnp.ndim(op) - 2)  # broadcast the masks over op's batch axes explicitly
    d_bj = jnp.asarray(b[:, None] == b[None, :])[lead]
    d_ai = jnp.asarray(a[:, None] == a[None, :])[lead]
    return _take2(op, a, a) * d_bj, _take2(jnp.swapaxes(op, -1, -2), b, b) * d_ai


def _sector_terms(model, q, which):
    """Jump / no-jump sector matrices of the local (``which="local"``) or
    secular terms, stacked, with their term indices."""
    n = model.n
    a, b = sector_pairs(q, n)
    if which == "local":
        idx = [k for k, lab in enumerate(model.clusters) if lab is None]
    else:
        idx = [k for k, lab in enumerate(model.clusters) if lab is not None]
    if not idx:
        return idx, None, None
    xs = jnp.stack([model.ops[k] for k in idx])
    xa = _take2(xs, a, a)  # X[a_s, i_t]
    xb = jnp.conj(_take2(xs, b, b))  # conj X[b_s, j_t]
    if which == "local":
        rs = jnp.stack([jnp.asarray(model.rates[k], jnp.float64) for k in idx])
        jmp = rs[:, None, None] * xa * xb
        km = _k_local(xs, rs)
    else:
        rs = jnp.stack([model.rates[k] for k in idx])
        ls = jnp.stack([model.clusters[k] for k in idx])
        same = _take2(ls, a, a) == _take2(ls, b, b)
        jmp = _take2(rs, a, a) * xa * xb * same
        km = _k_secular(xs, rs, ls)
    kl, kr = left_right_sector(km, q, n)
    return idx, jmp, -0.5 * (kl + kr)


def _hamiltonian_sector(model, q):
    hl, hr = left_right_sector(model.h_work, q, model.n)
    return -1j * hl + 1j * hr


@eqx.filter_jit
def _sector_generator(model: LindbladModel, q) -> SectorGenerator:
    n = model.n
    m = sector_pairs(q, n)[0].size
    if q and q == model.charges and model.sparse_ready:
        # known charge shifts: scatter the sparse entries (no n^3 X^dag X, no m^2 gathers)
        ham, jumps, nojumps = sparse_sector(model, q).split_dense()
        return SectorGenerator(ham, jumps, nojumps, q, n)
    ham = _hamiltonian_sector(model, q)
    li, lj, ln = _sector_terms(model, q, "local")
    si, sj, sn = _sector_terms(model, q, "secular")
    parts = [(lj, ln) for idx, lj, ln in ((li, lj, ln), (si, sj, sn)) if idx and lj is not None and ln is not None]
    if parts:
        order = np.argsort(np.asarray(li + si))  # back to the model's term order
        jumps = jnp.concatenate([p[0] for p in parts])[order]
        nojumps = jnp.concatenate([p[1] for p in parts])[order]
    else:
        jumps = nojumps = jnp.zeros((0, m, m), _CDTYPE)
    return SectorGenerator(ham, jumps, nojumps, q, n)


def pairs_gather(model: LindbladModel, rho, charges=None):
    """Sector vector of ``rho`` (computational basis): ``(V^dag rho V)[a_s, b_s]``."""
    q = model.charges if charges is None else normalize_charges(charges, model.n)
    a, b = sector_pairs(q, model.n)
    rw = model.to_work(rho)
    return rw[a, b]


def pairs_scatter(model: LindbladModel, x, charges=None):
    """Density matrix (computational basis) from a sector vector."""
    n = model.n
    q = model.charges if charges is None else normalize_charges(charges, n)
    a, b = sector_pairs(q, n)
    rw = jnp.zeros((n, n), _CDTYPE).at[a, b].set(x)
    return model.from_work(rw)
