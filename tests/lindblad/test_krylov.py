"""The matrix-free Krylov steady state: QuTiP, the dense LU, finite differences, failure codes."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import qutip as qt

import jaxqtm
import jaxqtm.lindblad as jl
from benchmarks._steady_models import DEFAULT_PARAMS, cavity_qubits, cavity_qubits_parametric, maser_cavity, spin_chain
from jaxqtm._results import codes, name_of


def _qutip_ss(h, c_ops, dims=None):
    d = None if dims is None else [list(dims)] * 2
    # CSR: a dense Qobj keeps QuTiP's Liouvillian dense
    return qt.steadystate(qt.Qobj(h, dims=d).to("CSR"), [qt.Qobj(c, dims=d).to("CSR") for c in c_ops]).full()


@pytest.mark.parametrize(
    "build", [lambda: cavity_qubits(6), lambda: spin_chain(5), lambda: maser_cavity(8)], ids=["cavity", "spin", "maser"]
)
def test_generic_models_agree_with_qutip_and_the_lu(build):
    h, c, dims = build()
    m = jl.from_qutip(h, c)
    kr = jl.steady_state(m, solver=jl.Krylov())
    lu = jl.steady_state(m, solver=jl.BorderedLU())
    ref = _qutip_ss(h, c, dims)
    assert kr.method == "Krylov" and int(kr.matvecs) > 0 and kr.residual < 1e-12
    np.testing.assert_allclose(np.asarray(kr.rho), ref, atol=1e-10)
    np.testing.assert_allclose(np.asarray(kr.rho), np.asarray(lu.rho), atol=1e-10)
    assert 1e-6 < float(kr.gap) < 1.0  # unique state, gap estimate of the right order
    # same probe solution; the matrix-free scale is an upper bound of the LU's max|M|
    assert 1.0 <= float(lu.gap) / float(kr.gap) < 10.0


@pytest.mark.parametrize("n,k,seed", [(5, 2, 0), (12, 3, 1), (20, 2, 2)])
def test_random_gksl_models_agree_with_qutip(n, k, seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    h = a + a.conj().T
    c = [(rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))) / np.sqrt(n) for _ in range(k)]
    for method in ("bicgstab", "gmres") if n == 12 else ("bicgstab",):
        ss = jl.steady_state(jl.from_qutip(h, c), solver=jl.Krylov(method=method))
        np.testing.assert_allclose(np.asarray(ss.rho), _qutip_ss(h, c), atol=1e-10)


def test_dark_state_converges():
    """T = 0 cavity decay with a weak drive off: |0> is dark (K|0> = 0), the Lyapunov
    preconditioner is singular there without its shift."""
    n = 12
    a = np.diag(np.sqrt(np.arange(1, n)), 1)
    h = np.diag(np.arange(n) * 1.0) + 0.1 * (a @ a + a.T @ a.T)  # squeezing: not number-conserving
    ss = jl.steady_state(jl.from_qutip(h, [np.sqrt(0.4) * a]), solver=jl.Krylov())
    np.testing.assert_allclose(np.asarray(ss.rho), _qutip_ss(h, [np.sqrt(0.4) * a]), atol=1e-10)


def test_sparse_fast_matvec_equals_the_dense_generator():
    """The gathers of the static-pattern path are the same map as the dense generator."""
    from jaxqtm.lindblad._generator import liouville_operator

    h, c, _ = cavity_qubits(10)
    m = jl.from_qutip(h, c)
    assert all(p is not None for p in m.patterns) and m.no_jump_pattern is not None
    op = liouville_operator(m, (), dense=False)
    dense = jl.sector_generator(m, ()).total()
    x = jnp.asarray(np.random.default_rng(3).normal(size=m.n**2) + 0j)
    np.testing.assert_allclose(np.asarray(op.fast_matvec(x)), np.asarray(dense @ x), atol=1e-12)
    np.testing.assert_allclose(np.asarray(op.matvec(x)), np.asarray(dense @ x), atol=1e-12)


def _heat(params, solver):
    h, ops, rates, ch = cavity_qubits_parametric(3)(params)
    m = jl.lindblad_model(h, ops, rates, channels=ch)
    return jl.heat_flows(m, jl.steady_state(m, solver=solver, throw=False))["cavity"]


# compiled once per solver (the solver is a static-field Module): op-by-op dispatch of the reverse
# pass through the Krylov loops took most of these tests' time
_heat_jit = eqx.filter_jit(_heat)
_grad_jit = eqx.filter_jit(jax.grad(_heat))


@pytest.mark.parametrize("method", ["bicgstab", pytest.param("gmres", marks=pytest.mark.slow)])
def test_implicit_gradients_match_finite_differences(method):
    solver = jl.Krylov(method=method)
    p0 = jnp.asarray(DEFAULT_PARAMS)
    g = _grad_jit(p0, solver)
    eps = 1e-6
    fd = np.array(
        [(_heat_jit(p0.at[i].add(eps), solver) - _heat_jit(p0.at[i].add(-eps), solver)) / (2 * eps) for i in range(7)]
    )
    np.testing.assert_allclose(np.asarray(g), fd, rtol=1e-5, atol=1e-9)
    # forward mode through the same solver
    tangent = jnp.zeros(7).at[3].set(1.0)
    jv = eqx.filter_jit(lambda p, t: jax.jvp(lambda q: _heat(q, solver), (p,), (t,))[1])(p0, tangent)
    assert float(jv) == pytest.approx(fd[3], rel=1e-5)
    # and against the dense LU's gradient
    np.testing.assert_allclose(np.asarray(g), np.asarray(_grad_jit(p0, jl.BorderedLU())), rtol=1e-7)


def test_vmap_batch_matches_single_calls_and_gradients_batch():
    solver = jl.Krylov()
    pts = jnp.asarray(DEFAULT_PARAMS)[None] * jnp.array([0.8, 1.0, 1.2])[:, None]
    batched = eqx.filter_jit(jax.vmap(lambda p: _heat(p, solver)))(pts)
    single = np.array([float(_heat_jit(p, solver)) for p in pts])
    np.testing.assert_allclose(np.asarray(batched), single, rtol=1e-10)
    gb = eqx.filter_jit(jax.vmap(jax.grad(lambda p: _heat(p, solver))))(pts)
    np.testing.assert_allclose(np.asarray(gb[1]), np.asarray(_grad_jit(pts[1], solver)), rtol=1e-8)


def _two_blocks(coupling=0.0):
    """Two 3-level blocks, each with its own decay chain; ``coupling`` links them."""
    rng = np.random.default_rng(5)
    h = np.zeros((6, 6), complex)
    h[:3, :3] = rng.normal(size=(3, 3))
    h[3:, 3:] = rng.normal(size=(3, 3))
    h = h + h.conj().T
    l1 = np.zeros((6, 6), complex)
    l1[0, 1], l1[1, 2] = 1.0, 0.5
    l2 = np.zeros((6, 6), complex)
    l2[3, 4], l2[4, 5] = 1.0, 0.7
    l3 = np.zeros((6, 6), complex)
    l3[0, 3] = 1.0
    return jl.lindblad_model(h, [l1, l2, l3], [1.0, 1.0, coupling])


@pytest.mark.parametrize("solver", [jl.BorderedLU(), jl.Krylov()], ids=["lu", "krylov"])
def test_non_unique_steady_state_is_flagged_also_inside_vmap(solver):
    ss = jl.steady_state(_two_blocks(), solver=solver, throw=False)
    assert name_of(int(codes(ss.result))) == "not_unique" and float(ss.gap) < 1e-12
    with pytest.raises(jaxqtm.ResultError, match="not_unique"):
        jl.steady_state(_two_blocks(), solver=solver)
    # a batch with one decoupled point: only that point is flagged
    rates = jnp.array([0.0, 0.3, 1.0])

    def one(r):
        m = _two_blocks()
        m = jl.lindblad_model(m.hamiltonian, list(m.ops), [1.0, 1.0, r])
        return jl.steady_state(m, solver=solver, throw=False)

    batch = jax.vmap(one)(rates)
    assert [name_of(int(v)) for v in codes(batch.result)] == ["not_unique", "successful", "successful"]


def test_iteration_budget_exhausted_is_flagged():
    h, c, _ = cavity_qubits(6)
    m = jl.from_qutip(h, c)
    ss = jl.steady_state(m, solver=jl.Krylov(max_steps=2, max_restarts=2, check_unique=False), throw=False)
    assert name_of(int(codes(ss.result))) in ("not_converged", "stagnated") and not ss.ok
    assert ss.residual > 1e-9 and int(ss.matvecs) > 0
    with pytest.raises(jaxqtm.ResultError, match="not_converged|stagnated"):
        jl.steady_state(m, solver=jl.Krylov(max_steps=2, max_restarts=2, check_unique=False))


def test_auto_choice_and_reason():
    small = jl.steady_state(jl.from_qutip(*cavity_qubits(3)[:2]))  # m = 144
    large = jl.steady_state(jl.from_qutip(*cavity_qubits(8)[:2]))  # m = 1024
    assert small.method == "BorderedLU" and "crossover" in small.reason
    assert large.method == "Krylov" and "crossover" in large.reason
    assert jl.steady_state(jl.from_qutip(*cavity_qubits(3)[:2]), solver=jl.Krylov()).method == "Krylov"
    with pytest.raises(ValueError, match="method = 'cg'"):
        jl.Krylov(method="cg")


def test_no_recompilation_on_new_parameter_values(monkeypatch):
    import jaxqtm.lindblad._steady as st

    traced = []
    orig = st.liouville_operator
    monkeypatch.setattr(st, "liouville_operator", lambda *a, **k: traced.append(1) or orig(*a, **k))
    h, c, _ = spin_chain(4)
    for scale in (1.0, 1.1, 0.9):
        jl.steady_state(jl.from_qutip(h * scale, c), solver=jl.Krylov())
    assert len(traced) == 1


def test_no_liouville_sized_constant_in_the_program():
    """Compile time: the program of an n = 24 full-space solve holds no constant with
    n^2 = 576 or more entries (XLA folds such constants at compile time)."""
    import re

    import jaxqtm.lindblad._steady as st

    h, c, _ = cavity_qubits(6)
    m = jl.from_qutip(h, c)
    text = st._steady_core.lower(m, (), jl.Krylov(), "").as_text()
    shapes = re.findall(r"constant (?:dense|dense_resource)<[^>]*> : tensor<((?:\d+x)*)", text)
    sizes = [int(np.prod([int(d) for d in s.split("x") if d])) for s in shapes]
    assert sizes and max(sizes) < m.n**2


def test_sector_krylov_equals_sector_lu_on_the_rotor():
    import jaxqtm.rotor as jr

    m = jr.rotor_model(jr.RotorParams(lam=0.1, beta2=0.04), 6)
    lu = jl.steady_state(m, solver=jl.BorderedLU())
    kr = jl.steady_state(m, solver=jl.Krylov())
    assert kr.method == "Krylov" and kr.ok and int(kr.matvecs) < 100  # population block on (rates 1e-5)
    np.testing.assert_allclose(np.asarray(kr.rho), np.asarray(lu.rho), atol=1e-9)
    slow = jl.steady_state(m, solver=jl.Krylov(populations=False), throw=False)
    assert int(slow.matvecs) > 10 * int(kr.matvecs)


def test_counting_statistics_on_the_krylov_core():
    """fcs noise through the matrix-free Drazin solves equals the dense LU series."""
    import jaxqtm.fcs as fcs

    h, c, _ = cavity_qubits(5)
    m = jl.from_qutip(h, c)
    cur = fcs.currents([[1.0, -1.0, 0, 0, 0, 0]], names=["photons"])
    kr = fcs.counting_statistics(m, cur, order=3, solver=jl.Krylov())
    lu = fcs.counting_statistics(m, cur, order=3, solver=jl.BorderedLU())
    np.testing.assert_allclose(np.asarray(kr.cumulants), np.asarray(lu.cumulants), rtol=1e-8)
    # the mean from the state alone: emitted minus absorbed photons
    rho = np.asarray(kr.rho)
    mean = sum(np.real(np.trace(x @ rho @ x.conj().T)) * w for x, w in zip(c[:2], (1.0, -1.0)))
    assert float(kr.mean[0]) == pytest.approx(mean, rel=1e-9)


def test_bicgstab_stops_at_a_breakdown_instead_of_spending_its_budget():
    """A right-hand side outside the range of a singular operator (the gap probe of a model with no
    unique state) makes (shadow, A p) round-off: BiCGStab used to run its 2000-step budget on noise
    (7.9 s for the zero generator at n = 80, 19 s in the test build), now the cycle ends there."""
    from jaxqtm.lindblad._krylov import bicgstab

    m = 400
    rng = np.random.default_rng(0)
    t = jnp.asarray(rng.normal(size=m) + 0j)
    u = jnp.asarray(rng.normal(size=m) + 0j)
    matvec = lambda x: u * jnp.dot(t, x)  # rank one: range = span(u)
    b = jnp.asarray(rng.normal(size=m) + 0j)
    b = b - u * (jnp.vdot(u, b) / jnp.vdot(u, u))  # orthogonal to the range: no solution
    x, info = jax.jit(lambda b: bicgstab(matvec, b, lambda y: y, tol=1e-14, max_steps=2000, max_restarts=25))(b)
    assert not bool(info.converged) and int(info.matvecs) < 20 and np.all(np.isfinite(np.asarray(x)))
    # a regular system is unaffected: solved to the tolerance
    a = jnp.asarray(np.eye(m) * 3.0 + rng.normal(size=(m, m)) / np.sqrt(m) + 0j)
    x, info = bicgstab(lambda x: a @ x, b, lambda y: y, tol=1e-12, max_steps=2000, max_restarts=25)
    assert bool(info.converged) and float(jnp.linalg.norm(a @ x - b) / jnp.linalg.norm(b)) < 1e-12
