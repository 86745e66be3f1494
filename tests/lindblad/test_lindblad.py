"""Tests of the generic GKSL engine (jaxqtm.lindblad) against independent references."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import qutip as qt

import jaxqtm
import jaxqtm.lindblad as jl
from jaxqtm._results import ResultError, codes, message, name_of
from tests.rotor import qutip_reference as ref

RNG = np.random.default_rng(1234)


def rand_herm(n, rng=RNG):
    a = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    return a + a.conj().T


def rand_op(n, rng=RNG):
    return rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))


# --------------------------------------------------------------------------
# a model with a weak U(1) symmetry: two qubits exchanging an excitation
# (charge = total excitation number), decay/pumping of each qubit
# --------------------------------------------------------------------------
def two_qubits(w1=1.0, w2=1.37, j=0.21):
    sp = np.array([[0, 1], [0, 0]], complex)
    sz = np.diag([1.0, -1.0])
    i2 = np.eye(2)
    s1p, s2p = np.kron(sp, i2), np.kron(i2, sp)
    h = 0.5 * w1 * np.kron(sz, i2) + 0.5 * w2 * np.kron(i2, sz) + j * (s1p @ s2p.T + s2p @ s1p.T)
    charge = np.array([2, 1, 1, 0])  # excitations of |ee>,|eg>,|ge>,|gg>
    return h, s1p, s2p, charge


def test_assembly_matches_kron_liouvillian():
    n = 4
    h = rand_herm(n)
    cs = [rand_op(n) for _ in range(3)]
    rates = [0.3, 0.5, 0.2]
    m = jl.lindblad_model(h, cs, rates)
    ours = jl.sector_generator(m, ()).total()
    ref = jl.liouvillian(h, cs, rates)  # kron-based, independent code path
    np.testing.assert_allclose(ours, ref, atol=1e-13)


def test_sector_is_restriction_of_full_liouvillian():
    h, s1p, s2p, q = two_qubits()
    ops = [s1p, s1p.T, s2p, s2p.T]
    rates = [0.1, 0.4, 0.3, 0.05]
    m = jl.lindblad_model(h, ops, rates, charges=q)
    full = np.asarray(jl.liouvillian(h, ops, rates))
    a, b = jl.sector_pairs(m.charges, 4)
    idx = a * 4 + b
    sec = np.asarray(jl.sector_generator(m).total())
    np.testing.assert_allclose(sec, full[np.ix_(idx, idx)], atol=1e-13)
    # invariance: no leakage from the sector to the rest of Liouville space
    rest = np.setdiff1d(np.arange(16), idx)
    assert np.max(np.abs(full[np.ix_(rest, idx)])) < 1e-14


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dense_steady_state_vs_qutip(seed):
    rng = np.random.default_rng(seed)
    n = 5
    h = rand_herm(n, rng)
    cs = [rand_op(n, rng) for _ in range(3)]
    rates = rng.uniform(0.1, 1.0, 3)
    ss = jl.steady_state(jl.lindblad_model(h, cs, rates))
    ref = qt.steadystate(qt.Qobj(h), [np.sqrt(r) * qt.Qobj(c) for r, c in zip(rates, cs)])
    np.testing.assert_allclose(ss.rho, ref.full(), atol=1e-12)
    assert bool(ss.ok)
    assert abs(float(ss.trace) - 1) < 1e-13 and float(ss.residual) < 1e-12
    assert float(ss.min_eigenvalue) > 0


def test_sector_steady_state_vs_qutip_and_dense():
    h, s1p, s2p, q = two_qubits()
    ops = [s1p, s1p.T, s2p, s2p.T]
    rates = [0.1, 0.4, 0.3, 0.05]
    m = jl.lindblad_model(h, ops, rates, charges=q)
    ss = jl.steady_state(m)
    dense = jl.steady_state(m, space=jl.FullSpace())
    ref = qt.steadystate(qt.Qobj(h), [np.sqrt(r) * qt.Qobj(c) for r, c in zip(rates, ops)])
    np.testing.assert_allclose(ss.rho, ref.full(), atol=1e-12)
    np.testing.assert_allclose(ss.rho, dense.rho, atol=1e-13)


def test_from_qutip_roundtrip():
    h, s1p, s2p, q = two_qubits()
    H = qt.Qobj(h, dims=[[2, 2], [2, 2]])
    cops = [np.sqrt(0.3) * qt.Qobj(s1p.T, dims=H.dims), np.sqrt(0.2) * qt.Qobj(s2p, dims=H.dims)]
    m = jl.from_qutip(H, cops)
    assert m.dims == (2, 2)
    ss = jl.steady_state(m)
    np.testing.assert_allclose(ss.rho, qt.steadystate(H, cops).full(), atol=1e-12)


def test_time_evolution_vs_qutip_and_long_time_limit():
    h, s1p, s2p, q = two_qubits()
    ops = [s1p, s1p.T, s2p, s2p.T]
    rates = [0.1, 0.4, 0.3, 0.05]
    m = jl.lindblad_model(h, ops, rates, charges=q)
    rho0 = np.diag([0.0, 1.0, 0.0, 0.0]).astype(complex)
    ts = np.linspace(0.0, 5.0, 11)
    ev = jl.evolve(m, rho0, ts)
    ref = qt.mesolve(
        qt.Qobj(h),
        qt.Qobj(rho0),
        ts,
        [np.sqrt(r) * qt.Qobj(c) for r, c in zip(rates, ops)],
        options={"atol": 1e-12, "rtol": 1e-10},
    )
    for k in range(len(ts)):
        np.testing.assert_allclose(ev.rho[k], ref.states[k].full(), atol=1e-8)
    late = jl.evolve(m, rho0, np.array([0.0, 400.0, 1e7]))  # 1e7: a very long single step
    np.testing.assert_allclose(late.rho[1], jl.steady_state(m).rho, atol=1e-12)
    np.testing.assert_allclose(late.rho[2], jl.steady_state(m).rho, atol=1e-10)
    with pytest.raises(ValueError, match="outside the symmetry sector"):
        jl.evolve(m, np.full((4, 4), 0.25, complex), ts)
    # the dense method handles coherent initial states
    evd = jl.evolve(m, np.full((4, 4), 0.25, complex), ts[:3], space=jl.FullSpace())
    assert np.isfinite(np.asarray(evd.rho)).all()


# --------------------------------------------------------------------------
# global (secular) master equation
# --------------------------------------------------------------------------
# QuTiP's spectrum J(w)(1 + n(w)), J odd: one reference, shared with the rotor tests
qutip_spectrum = ref.ohmic_rate


def test_thermal_rate_kms_and_zero_frequency():
    sd = jl.OhmicCutoff(0.7, 5.0)
    beta = 0.8
    w = jnp.array([0.3, 1.0, 4.0])
    up = jl.thermal_rate(sd, beta, -w)
    down = jl.thermal_rate(sd, beta, w)
    np.testing.assert_allclose(up / down, np.exp(-beta * np.asarray(w)), rtol=1e-13)
    ref = np.array([qutip_spectrum(0.7, 5.0, beta)(x) for x in [-1.0, 0.0, 2.0]])
    np.testing.assert_allclose(jl.thermal_rate(sd, beta, jnp.array([-1.0, 0.0, 2.0])), ref, rtol=1e-13)
    # NaN-free derivative at the removable singularity w = 0 (double-where)
    g0 = jax.grad(lambda x: jl.thermal_rate(sd, beta, x))(0.0)
    eps = 1e-5
    fd = (jl.thermal_rate(sd, beta, eps) - jl.thermal_rate(sd, beta, -eps)) / (2 * eps)
    assert np.isfinite(g0) and abs(g0 - fd) < 1e-8


def test_global_single_bath_gives_gibbs_state():
    h, s1p, s2p, q = two_qubits()
    beta = 0.7
    bath = jl.Bath((s1p.T, s1p), beta, jl.OhmicCutoff(0.3, 10.0), name="b")
    bath2 = jl.Bath((s2p.T, s2p), beta, jl.OhmicCutoff(0.2, 10.0), name="b2")
    m = jl.global_model(h, [bath, bath2], charges=q)
    ss = jl.steady_state(m)
    e, v = np.linalg.eigh(h)
    gibbs = v @ np.diag(np.exp(-beta * e) / np.exp(-beta * e).sum()) @ v.conj().T
    np.testing.assert_allclose(ss.rho, gibbs, atol=1e-12)
    flows = jl.heat_flows(m, ss)
    assert abs(float(flows["b"])) < 1e-13 and abs(float(flows["b2"])) < 1e-13


def test_global_vs_qutip_bloch_redfield_and_spohn():
    h, s1p, s2p, q = two_qubits()
    b1, b2 = 1.3, 0.4
    sd1, sd2 = (0.05, 6.0), (0.08, 6.0)
    m = jl.global_model(
        h,
        [
            jl.Bath((s1p.T, s1p), b1, jl.OhmicCutoff(*sd1), name="cold"),
            jl.Bath((s2p.T, s2p), b2, jl.OhmicCutoff(*sd2), name="hot"),
        ],
        local_ops=[0.3 * np.kron(np.diag([1.0, -1.0]), np.eye(2))],
        local_rates=[0.01],
        local_channels=["dephasing"],
        charges=q,
    )
    H = qt.Qobj(h)
    R = qt.bloch_redfield_tensor(
        H,
        [(qt.Qobj(s1p + s1p.T), qutip_spectrum(*sd1, b1)), (qt.Qobj(s2p + s2p.T), qutip_spectrum(*sd2, b2))],
        c_ops=[np.sqrt(0.01) * qt.Qobj(0.3 * np.kron(np.diag([1.0, -1.0]), np.eye(2)))],
        fock_basis=True,
    )
    # QuTiP stacks columns; ours is row-major: L_ours[(i,j),(k,l)] = L_qt[(j,i),(l,k)]
    lq = R.full().reshape(4, 4, 4, 4).transpose(1, 0, 3, 2).reshape(16, 16)
    ours = np.asarray(jl.sector_generator(m, ()).total())
    # compare in the eigenbasis-independent form: act on a random state
    rho = rand_herm(4) + 8 * np.eye(4)
    np.testing.assert_allclose(ours @ _work_vec(m, rho), _work_vec(m, _unvec(lq @ rho.ravel())), atol=1e-12)
    ss = jl.steady_state(m)
    ref = qt.steadystate(R)
    np.testing.assert_allclose(ss.rho, ref.full(), atol=1e-11)
    fl = jl.heat_flows(m, ss)
    # Spohn: -sum beta_c Q_c >= 0 for KMS baths (dephasing commutes with nothing
    # special, so include it only in the first law check)
    sig = jl.entropy_production_from_heat({k: fl[k] for k in ("cold", "hot")}, {"cold": b1, "hot": b2})
    assert float(sig) > 0
    assert abs(sum(float(v) for v in fl.values())) < 1e-13  # first law in the steady state


def _unvec(v):
    n = int(round(np.sqrt(v.size)))
    return v.reshape(n, n)


def _work_vec(m, rho):
    v = np.asarray(m.basis)
    return (v.conj().T @ rho @ v).ravel()


def test_degenerate_bohr_frequencies_are_grouped():
    # two identical qubits: equal Bohr frequencies must be grouped (collective decay)
    sm = np.array([[0, 0], [1, 0]], complex)
    i2 = np.eye(2)
    h = 0.5 * (np.kron(np.diag([1.0, -1.0]), i2) + np.kron(i2, np.diag([1.0, -1.0])))
    x = np.kron(sm, i2) + np.kron(i2, sm)
    m = jl.global_model(h, [jl.Bath((x, x.conj().T), 2.0, jl.OhmicCutoff(0.1, 10.0))])
    # collective decay conserves the antisymmetric (dark) singlet: compare with
    # the explicit collective dissipator D[x] at one Bohr frequency
    gam = jl.thermal_rate(jl.OhmicCutoff(0.1, 10.0), 2.0, 1.0)
    gup = jl.thermal_rate(jl.OhmicCutoff(0.1, 10.0), 2.0, -1.0)
    ref = jl.liouvillian(h, [x, x.conj().T], [gam, gup])
    v = np.asarray(m.basis)
    t = np.kron(v, v.conj())  # row-major vec of V rho V^dag
    ours = t @ np.asarray(jl.sector_generator(m, ()).total()) @ np.linalg.inv(t)
    np.testing.assert_allclose(ours, ref, atol=1e-12)


# --------------------------------------------------------------------------
# gradients (implicit differentiation) vs finite differences
# --------------------------------------------------------------------------
def _flow_local(theta):
    w1, j, r = theta
    h, s1p, s2p, q = two_qubits(w1=w1, j=j)
    m = jl.lindblad_model(h, [s1p, s1p.T, s2p, s2p.T], [0.1, r, 0.3, 0.05], channels=["a", "a", "b", "b"], charges=q)
    return jl.heat_flows(m, jl.steady_state(m))["a"]


def _flow_global(theta):
    w1, j, beta = theta
    h, s1p, s2p, q = two_qubits(w1=w1, j=j)
    m = jl.global_model(
        h,
        [
            jl.Bath((s1p.T, s1p), 1.0, jl.OhmicCutoff(0.05, 6.0), name="cold"),
            jl.Bath((s2p.T, s2p), beta, jl.OhmicCutoff(0.08, 6.0), name="hot"),
        ],
        charges=q,
    )
    return jl.heat_flows(m, jl.steady_state(m))["hot"]


@pytest.mark.parametrize(
    "fun,theta",
    [(_flow_local, [1.0, 0.21, 0.4]), pytest.param(_flow_global, [1.0, 0.21, 0.3], marks=pytest.mark.slow)],
)
def test_gradient_matches_finite_differences(fun, theta):
    theta = jnp.asarray(theta)
    fun = jax.jit(fun)
    g = jax.jit(jax.grad(fun))(theta)
    fd = []
    for k in range(3):
        e = np.zeros(3)
        e[k] = 1e-5
        fd.append((fun(theta + e) - fun(theta - e)) / 2e-5)
    np.testing.assert_allclose(g, np.array(fd), rtol=1e-6, atol=1e-10)
    # forward mode agrees with reverse mode
    jf = jax.jit(jax.jacfwd(fun))(theta)
    np.testing.assert_allclose(jf, g, rtol=1e-10, atol=1e-14)


def test_vmap_batch_matches_loop_and_flags():
    h, s1p, s2p, q = two_qubits()

    def solve(r, throw=False):
        m = jl.lindblad_model(h, [s1p, s1p.T, s2p, s2p.T], jnp.array([0.1, 1.0, 0.3, 0.05]) * r, charges=q)
        ss = jl.steady_state(m, throw=throw)
        return ss.rho, ss.ok, ss.result

    rs = jnp.array([0.5, 1.0, 2.0, 0.0])  # r = 0: no dissipation -> no unique steady state
    rhos, ok, result = jax.vmap(solve)(rs)
    for k in range(3):
        np.testing.assert_allclose(rhos[k], solve(rs[k])[0], atol=1e-14)
    assert list(np.asarray(ok)) == [True, True, True, False]
    assert [int(c) for c in codes(result)[:3]] == [0, 0, 0] and name_of(int(codes(result)[3])) != "successful"
    # throw=True (the default): the failed point raises, unbatched and under vmap
    with pytest.raises(ResultError, match="steady_state failed"):
        solve(0.0, throw=True)
    with pytest.raises(Exception, match=message(int(codes(result)[3]))[:20]):
        jax.vmap(lambda r: solve(r, throw=True))(rs)


# --------------------------------------------------------------------------
# thermodynamic helpers
# --------------------------------------------------------------------------
def test_ergotropy_and_partial_trace():
    # qubit with population inversion: ergotropy = 2 B (p_e - p_g) for H = B sz
    b = 1.7
    rho = np.diag([0.8, 0.2])
    assert abs(float(jl.ergotropy(jnp.asarray(rho), jnp.diag(jnp.array([b, -b])))) - 2 * b * 0.6) < 1e-14
    assert abs(float(jl.ergotropy(jnp.asarray(np.diag([0.3, 0.7])), jnp.diag(jnp.array([b, -b]))))) < 1e-14
    r = qt.rand_dm([2, 3, 2], seed=3)
    for keep in ([0], [1], [2], [0, 2], [1, 2]):
        np.testing.assert_allclose(
            jl.partial_trace(jnp.asarray(r.full()), (2, 3, 2), keep), r.ptrace(keep).full(), atol=1e-14
        )


def test_operating_modes_and_efficiencies():
    codes = jl.operating_mode(
        jnp.array([-1.0, 1.0, -1.0, -1.0]), jnp.array([2.0, -2.0, 0.5, -0.1]), jnp.array([-1.0, 1.0, 0.5, 1.1])
    )
    assert [jl.MODES[int(c)] for c in codes] == ["engine", "refrigerator", "accelerator", "heater"]
    assert float(jl.efficiency(-1.0, 4.0)) == 0.25
    assert float(jl.coefficient_of_performance(1.0, 4.0)) == 0.25


# --------------------------------------------------------------------------
# bad input gets a clear error
# --------------------------------------------------------------------------
def test_bad_input_errors():
    h, s1p, s2p, q = two_qubits()
    with pytest.raises(ValueError, match="Hermitian"):
        jl.lindblad_model(h + 0.1j * np.eye(4) @ s1p, [s1p])
    with pytest.raises(ValueError, match=r"rates\[0\] = -1 is outside its allowed range >= 0"):
        jl.lindblad_model(h, [s1p], [-1.0])
    with pytest.raises(ValueError, match="has dimension 3 but the model has dimension 4"):
        jl.lindblad_model(h, [np.eye(3)], [1.0])
    with pytest.raises(ValueError, match=r"h\[0, 0\] = nan must be finite"):
        jl.lindblad_model(h * np.nan, [s1p], [1.0])
    with pytest.raises(ValueError, match=r"rates\[0\] = nan must be finite"):
        jl.lindblad_model(h, [s1p], [np.nan])
    with pytest.raises(ValueError, match=r"baths\[0\].beta = -1 is outside its allowed range > 0"):
        jl.global_model(h, [jl.Bath((s1p,), -1.0, jl.OhmicCutoff(1.0, 1.0))])
    with pytest.raises(ValueError, match="fixed amount"):
        jl.lindblad_model(h, [s1p + s1p.T], [1.0], charges=q)
    with pytest.raises(ValueError, match="commute"):
        jl.lindblad_model(h + 0.1 * np.kron(np.array([[0, 1], [1, 0]]), np.eye(2)), [s1p], charges=q)
    with pytest.raises(ValueError, match="rates has length"):
        jl.lindblad_model(h, [s1p, s2p], [1.0])
    with pytest.raises(ValueError, match="max_dim"):
        jl.steady_state(jl.lindblad_model(np.eye(80), [np.eye(80)]), space=jl.FullSpace(), solver=jl.BorderedLU())
    # the matrix-free solve has no size limit, and says why this model has no unique state
    with pytest.raises(jaxqtm.ResultError, match="not_unique"):
        jl.steady_state(jl.lindblad_model(np.eye(80), [np.eye(80)]), space=jl.FullSpace())


def test_bordered_solve_accuracy_on_an_ill_conditioned_generator():
    """Decision pinned (``_linsolve``): the bordered system [[M, t/n], [t^T, 0]], not the
    rank-one update M + c t t^T with c = mean|diag M|.  The qubit-rotor device at L = 12
    (rates from 1e-5 to 10) is ill-conditioned: the update's steady state is 3e-10 (relative)
    from QuTiP's sparse-LU state, the bordered one 9e-12."""
    import jaxqtm.rotor as jr

    m = jr.rotor_model(jr.RotorParams(lam=0.1, beta2=0.04), 12)
    ss = jl.steady_state(m)
    # CSR operators: QuTiP keeps a dense Qobj's Liouvillian dense (a 10^4 x 10^4 LU, minutes)
    h = qt.Qobj(np.asarray(m.hamiltonian)).to("CSR")
    cs = [(np.sqrt(float(r)) * qt.Qobj(np.asarray(c))).to("CSR") for c, r in zip(m.ops, m.rates)]
    ref = qt.steadystate(h, cs).full()
    err = np.max(np.abs(np.asarray(ss.rho) - ref)) / np.max(np.abs(ref))
    assert err < 5e-11, err
    # the rejected alternative, written out: measurably worse on the same sector matrix
    sec = np.asarray(jl.sector_generator(m).total())
    a, b = jl.sector_pairs(m.charges, m.n)
    t = (a == b).astype(complex)
    c = np.mean(np.abs(np.diag(sec)))
    x = np.linalg.solve(sec + c * np.outer(t, t), c * t)
    assert np.max(np.abs(x - ref[a, b])) / np.max(np.abs(ref)) > 3 * err
