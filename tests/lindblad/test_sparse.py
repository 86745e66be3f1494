"""The sparse (known charge shift) sector assembly and the block-sparse global ME
against independent code paths: kron Liouvillians, the dense sector assembly,
the dense (no-charge) global builder, explicit numpy traces."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxqtm.lindblad as jl
from jaxqtm.lindblad._sparse import sparse_sector

RNG = np.random.default_rng(77)


def three_qubits(seed=77):
    """Random model conserving the excitation number (blocks of size 1, 3, 3, 1)."""
    rng = np.random.default_rng(seed)
    n = 8
    q = np.array([bin(i).count("1") for i in range(n)])  # excitations of |b2 b1 b0>
    same = q[:, None] == q[None, :]
    up = q[:, None] == q[None, :] + 1
    a = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    h = np.where(same, a + a.conj().T, 0.0)
    ops = [
        np.where(up, rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n)), 0.0),  # shift +1
        np.where(up.T, rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n)), 0.0),  # shift -1
        np.where(same, rng.normal(size=(n, n)), 0.0),  # shift 0 (dephasing-like)
    ]
    rates = [0.3, 0.7, 0.2]
    return h, ops, rates, q


def dense_path(model):
    """The same model with the charge shifts forgotten -> dense sector assembly."""
    return dataclasses.replace(model, shifts=(None,) * len(model.ops))


def test_sparse_assembly_matches_kron_and_dense_path():
    h, ops, rates, q = three_qubits()
    m = jl.lindblad_model(h, ops, rates, charges=q, channels=["a", "a", "b"])
    assert m.shifts == ((1,), (-1,), (0,)) and m.sparse_ready
    a, b = jl.sector_pairs(m.charges, 8)
    idx = a * 8 + b
    full = np.asarray(jl.liouvillian(h, ops, rates))  # kron-based, independent
    sp = sparse_sector(m, m.charges)
    np.testing.assert_allclose(sp.dense(), full[np.ix_(idx, idx)], atol=1e-13)
    gs, gd = jl.sector_generator(m), jl.sector_generator(dense_path(m))
    for f in ("hamiltonian", "jumps", "nojumps"):
        np.testing.assert_allclose(getattr(gs, f), getattr(gd, f), atol=1e-13)

    # traced operators: structure from `shifts`, values traced
    def build(s):
        return jl.lindblad_model(h, [s * ops[0], ops[1], ops[2]], rates, charges=q, shifts=[(1,), None, None])

    traced = jax.jit(lambda s: sparse_sector(build(s), build(1.0).charges).dense())(1.0)
    np.testing.assert_allclose(traced, sp.dense(), atol=1e-13)
    with pytest.raises(ValueError, match=r"shifts\[0\] = \(-1,\) but the operator shifts"):
        jl.lindblad_model(h, ops, rates, charges=q, shifts=[(-1,), None, None])
    with pytest.raises(ValueError, match="one entry per charge"):
        jl.lindblad_model(h, ops, rates, charges=q, shifts=[(1, 0), None, None])


def test_sparse_steady_state_and_heat_table_vs_numpy():
    h, ops, rates, q = three_qubits()
    m = jl.lindblad_model(h, ops, rates, charges=q, channels=["a", "a", "b"])
    ss, ssd = jl.steady_state(m), jl.steady_state(dense_path(m))
    assert bool(ss.ok)
    full = np.asarray(jl.liouvillian(h, ops, rates))
    w, v = np.linalg.eig(full)
    ref = v[:, np.argmin(np.abs(w))].reshape(8, 8)
    ref = ref / np.trace(ref)
    np.testing.assert_allclose(ss.rho, ref, atol=1e-12)
    np.testing.assert_allclose(ss.rho, ssd.rho, atol=1e-13)
    # observables conserving the charge: table from the sparse entries vs explicit traces
    obs = [h, np.diag(q).astype(complex), np.where(q[:, None] == q[None, :], RNG.normal(size=(8, 8)), 0)]
    obs[2] = obs[2] + obs[2].T
    tab = np.asarray(jl.channel_table(m, ss, obs))
    rho = np.asarray(ss.rho)

    def d(c, r):
        cd = c.conj().T
        return r * (c @ rho @ cd - 0.5 * (cd @ c @ rho + rho @ cd @ c))

    for k, o in enumerate(obs):
        ex = [
            np.trace(-1j * o @ (h @ rho - rho @ h)).real,
            np.trace(o @ (d(ops[0], rates[0]) + d(ops[1], rates[1]))).real,
            np.trace(o @ d(ops[2], rates[2])).real,
        ]
        np.testing.assert_allclose(tab[k], ex, atol=1e-12)
    tabd = np.asarray(jl.channel_table(dense_path(m), ssd, obs))
    np.testing.assert_allclose(tab, tabd, atol=1e-12)


def _transform(model):
    v = np.asarray(model.basis)
    t = np.kron(v, v.conj())  # row-major vec of V rho V^dag
    return t @ np.asarray(jl.sector_generator(model, ()).total()) @ t.conj().T


@pytest.mark.parametrize("degenerate", [False, True])
def test_block_global_builder_matches_dense_builder(degenerate):
    """Charges on (block eigh, eigen-operators and Bohr clusters on O(n) entries)
    vs charges off (dense eigh, n^2 frequencies): same generator, same state."""
    if degenerate:  # identical qubits, equal couplings: degenerate Bohr frequencies
        q = np.array([bin(i).count("1") for i in range(8)])
        sm = np.array([[0, 1], [0, 0]], complex)  # |1> -> |0>: lowers the excitation
        i2 = np.eye(2)
        loc = [np.kron(np.kron(sm, i2), i2), np.kron(np.kron(i2, sm), i2), np.kron(np.kron(i2, i2), sm)]
        h = sum(c.conj().T @ c for c in loc) + 0.0j
        x = sum(loc)
        baths = [jl.Bath((x, x.conj().T), 0.8, jl.OhmicCutoff(0.1, 5.0), name="hot")]
    else:
        h, ops, rates, q = three_qubits()
        hot_a = ops[0] + 0.3 * ops[0] @ np.diag(q)
        baths = [
            jl.Bath((ops[0], ops[0].conj().T), 0.6, jl.OhmicCutoff(0.05, 8.0), name="cold"),
            # a coupling is Hermitian: the pair (A, A^dag) (a lone non-Hermitian A is rejected)
            jl.Bath((hot_a, hot_a.conj().T), 0.2, jl.OhmicExponential(0.08, 6.0), name="hot"),
        ]
    lops = [np.diag(np.arange(8) % 2).astype(complex)]  # dephasing of one qubit
    mb = jl.global_model(h, baths, local_ops=lops, local_rates=[0.01], charges=q, secular_tol=1e-9)
    md = jl.global_model(h, baths, local_ops=lops, local_rates=[0.01], secular_tol=1e-9)
    assert mb.sparse_ready and not md.sparse_ready
    np.testing.assert_allclose(_transform(mb), _transform(md), atol=1e-12)
    # (steady states and heat flows of the block path are checked against QuTiP's
    # Bloch-Redfield tensor in tests/rotor and test_lindblad)


def test_sector_steady_state_gradient_reuses_structure():
    """Reverse mode through the sparse path (traced operator with a given shift) vs
    finite differences (forward mode: test_lindblad's gradient test)."""
    h, ops, rates, q = three_qubits()
    pert = three_qubits(seed=5)[0]  # another charge-conserving Hermitian matrix

    def f(theta):
        m = jl.lindblad_model(
            h + theta[0] * pert,
            [theta[1] * ops[0], ops[1], ops[2]],
            [rates[0], theta[2], rates[2]],
            charges=q,
            shifts=[(1,), None, None],
            channels=["a", "a", "b"],
        )
        return jl.heat_flows(m, jl.steady_state(m))["b"]

    th = jnp.array([0.2, 1.1, 0.5])
    g = jax.jit(jax.grad(f))(th)
    fj = jax.jit(f)
    fd = [(fj(th + e) - fj(th - e)) / 2e-6 for e in 1e-6 * np.eye(3)]
    assert np.min(np.abs(g)) > 1e-3  # every parameter matters
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-9)


def test_blockwise_eigenvalues_closed_forms_vs_numpy():
    """Blocks of size 1, 2 (closed forms) and 3 (LAPACK): min eigenvalue, spectrum, ergotropy."""

    rng = np.random.default_rng(3)
    q = np.array([0, 1, 1, 2, 2, 2, 3, 4, 4])  # blocks 1, 2, 3, 1, 2
    same = q[:, None] == q[None, :]
    a = rng.normal(size=(9, 9)) + 1j * rng.normal(size=(9, 9))
    h = np.where(same, a + a.conj().T, 0)
    ref = np.linalg.eigvalsh(h)
    evals, lapack = jl.block_eigvalsh(jnp.asarray(h), q)
    assert lapack  # the 3x3 block goes to LAPACK, the 1x1 and 2x2 ones are closed forms
    assert abs(float(jnp.min(evals)) - ref[0]) < 1e-13
    np.testing.assert_allclose(np.sort(np.asarray(evals)), ref, atol=1e-13)
    rho = np.where(same, rng.normal(size=(9, 9)), 0)
    rho = rho @ rho.T
    rho = rho / np.trace(rho)
    assert abs(float(jl.ergotropy(rho, h, charges=q)) - float(jl.ergotropy(rho, h))) < 1e-13
