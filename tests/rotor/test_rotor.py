"""The qubit--rotor device of seed 004 against independent references."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import qutip as qt

import jaxqtm.lindblad as jl
import jaxqtm.rotor as jr
from jaxqtm._results import ResultError, codes, name_of
from tests.rotor import qutip_reference as ref

# three parameter sets with a well-confined rotor at small truncation
SETS = [
    dict(b1=4.0, b2=10.0, beta1=0.1, beta2=0.03, beta_r=0.5, g=1.0, chi=0.0, lam=0.1, gamma=2e-2, inertia=1.0),
    dict(b1=1.5, b2=2.5, beta1=0.6, beta2=0.2, beta_r=0.8, g=0.7, chi=0.3, lam=0.4, gamma=5e-2, inertia=0.8),
    dict(b1=3.0, b2=2.0, beta1=0.3, beta2=0.5, beta_r=0.8, g=1.2, chi=-0.4, lam=0.25, gamma=0.15, inertia=1.5),
]
L_SMALL = 6


def batched(sets):
    return jr.RotorParams(**{k: jnp.array([s[k] for s in sets]) for k in sets[0]})


@pytest.fixture(scope="module")
def local_batch():
    return jr.solve_device(batched(SETS), truncation=L_SMALL, edge_tol=1e-3)


def qutip_local(p, L):
    h0, hi = ref.hamiltonian(p, L)
    c = ref.local_cops(p, L)
    rho = qt.steadystate(h0 + hi, c["cold"] + c["hot"] + c["load"])
    flows = {}
    for ch in ("cold", "hot", "load"):
        d = sum(ref.dissipate(op, rho) for op in c[ch])
        flows[ch] = (qt.expect(h0, d), qt.expect(hi, d))
    return rho, flows


def test_charges_and_sector_size():
    for L in (2, 7):
        o = jr.operators(L)
        m = jr.rotor_model(jr.RotorParams(), L)  # builder verifies [H, Q] = 0 and fixed shifts
        a, b = jl.sector_pairs(m.charges, m.n)
        assert a.size == 6 * (2 * L + 1) - 2
        h = np.asarray(m.hamiltonian)
        for qv in o["charges"]:
            qd = np.diag(qv)
            assert np.max(np.abs(h @ qd - qd @ h)) < 1e-14


def test_load_identity_against_literal_eq17():
    p = jr.RotorParams(beta_r=0.3, gamma=0.1, inertia=0.7)
    L = 3
    ours = jl.liouvillian(np.zeros((28, 28)), *_load_ops_rates(p, L))
    pd = ref.params_dict(p)
    lit = [np.asarray(c.full()) for c in ref.load_cops(pd, L)]
    lit_l = jl.liouvillian(np.zeros((28, 28)), lit, [1.0, 1.0])
    np.testing.assert_allclose(ours, lit_l, atol=1e-14)


def _load_ops_rates(p, L):
    (cp, cm), r = jr.load_operators(p, L)
    return [np.asarray(cp), np.asarray(cm)], [float(r), float(r)]


def test_local_me_vs_qutip(local_batch):
    res = local_batch
    for k, s in enumerate(SETS):
        rho, flows = qutip_local(s, L_SMALL)
        p = jr.RotorParams(**s)
        m = jr.rotor_model(p, L_SMALL)
        ss = jl.steady_state(m)
        scale = np.max(np.abs(rho.full()))
        assert np.max(np.abs(np.asarray(ss.rho) - rho.full())) / scale < 1e-8
        for ours, theirs in [
            (res.q_cold[k], flows["cold"][0]),
            (res.q_hot[k], flows["hot"][0]),
            (res.q_load[k], flows["load"][0]),
            (res.w_q[k], flows["cold"][1] + flows["hot"][1]),
            (res.w_r[k], flows["load"][1]),
        ]:
            assert abs(float(ours) - theirs) <= 1e-8 * abs(theirs) + 1e-14, (k, float(ours), theirs)
        assert bool(res.ok[k])


def test_closed_forms_eq19_eq23(local_batch):
    res = local_batch
    o = jr.operators(L_SMALL)
    for k, s in enumerate(SETS):
        ss = jl.steady_state(jr.rotor_model(jr.RotorParams(**s), L_SMALL))
        rho = np.asarray(ss.rho)

        def ev(op):
            return np.trace(op @ rho)

        g = [s["g"] * (1 - s["chi"]), s["g"] * (1 + s["chi"])]
        n = [1 / np.expm1(2 * s["beta1"] * s["b1"]), 1 / np.expm1(2 * s["beta2"] * s["b2"])]
        for i, (sp, sm, b, q) in enumerate(
            [(o["s1p"], o["s1m"], s["b1"], res.q_cold[k]), (o["s2p"], o["s2m"], s["b2"], res.q_hot[k])]
        ):
            eq19 = 2 * b * g[i] ** 2 * (n[i] * ev(sm @ sp) - (n[i] + 1) * ev(sp @ sm)).real
            assert abs(float(q) - eq19) < 1e-10 * abs(eq19) + 1e-15
        mill = ev(o["mill"])
        eq23 = -0.5 * s["lam"] * (g[0] ** 2 * (2 * n[0] + 1) + g[1] ** 2 * (2 * n[1] + 1)) * 2 * mill.real
        assert abs(float(res.w_q[k]) - eq23) < 1e-10 * abs(eq23) + 1e-15


def test_first_law_and_diagnostics(local_batch):
    r = local_batch
    scale = np.abs(np.asarray(r.q_hot)).max()
    assert np.max(np.abs(r.first_law)) < 1e-12 * max(scale, 1)
    # steady state: dU/dt = Q1 + Q2 + Qr + W_Q + W_r = 0 to solver accuracy
    total = r.q_cold + r.q_hot + r.q_load + r.w_q + r.w_r
    assert np.max(np.abs(total)) < 1e-10 * max(scale, 1)
    assert np.max(np.abs(r.w_kin)) < 1e-10 and np.max(np.abs(r.w_net)) < 1e-10
    np.testing.assert_allclose(r.w_int, -r.q_ba, atol=1e-10)
    assert np.all(np.asarray(r.residual) < 1e-12) and np.all(np.abs(np.asarray(r.trace) - 1) < 1e-12)
    assert np.all(np.asarray(r.min_eigenvalue) > -1e-12)


def test_rotor_with_load_relaxes_close_to_thermal():
    # lam = 0 decouples the rotor: its state is set by the load alone
    L = 30
    p = jr.RotorParams(lam=0.0, beta_r=0.09, inertia=1.0, gamma=5e-5)
    ss = jl.steady_state(jr.rotor_model(p, L))
    assert bool(ss.ok)
    pops = np.real(np.diag(np.asarray(jl.partial_trace(ss.rho, (2, 2, 2 * L + 1), [2]))))
    ls = np.arange(-L, L + 1)
    kappa = 0.09 / 4
    # birth-death chain: up-rate (1 - kappa l)^2, down-rate (1 + kappa l)^2 (exact)
    logp = np.concatenate([[0.0], np.cumsum(2 * np.log(np.abs((1 - kappa * ls[:-1]) / (1 + kappa * ls[1:]))))])
    exact = np.exp(logp - logp.max())
    exact /= exact.sum()
    np.testing.assert_allclose(pops, exact, atol=1e-10)  # rates span 5 decades: ~1e-11 noise
    thermal = np.exp(-0.09 * ls**2 / 2)
    thermal /= thermal.sum()
    bulk = np.abs(ls) <= 8  # >95% of the weight
    assert np.max(np.abs(pops[bulk] / thermal[bulk] - 1)) < 0.02
    assert abs(np.sum(pops * ls**2) - 1 / 0.09) / (1 / 0.09) < 0.02


@pytest.mark.slow
def test_time_evolution_reaches_steady_state():
    s = dict(SETS[1])
    p = jr.RotorParams(**s)
    ev = jr.evolve_device(p, np.array([0.0, 1.0, 2000.0]), truncation=L_SMALL)
    st = jr.solve_device(p, truncation=L_SMALL, edge_tol=1e-3)
    assert abs(float(ev.q_hot[-1]) - float(st.q_hot)) < 1e-8 * abs(float(st.q_hot))
    assert abs(float(ev.lz[-1]) - float(st.lz)) < 1e-8
    # along the way: W_kin = W_int + Q_BA, and the trace is conserved
    np.testing.assert_allclose(ev.trace, 1.0, atol=1e-12)
    assert abs(float(ev.w_kin[1])) > 1e-8


def _q_hot(p, cutoff, me, L):
    equation = jl.LocalME() if me == "local" else jl.GlobalME(cutoff=cutoff)
    return jr.solve_device(p, L, equation=equation, edge_tol=0.5).q_hot


@pytest.mark.parametrize("me", ["local", pytest.param("global", marks=pytest.mark.slow)])
def test_gradient_wrt_all_parameters(me):
    L = 4
    p = jr.RotorParams(**SETS[1])
    cutoff = jnp.float64(6.0)
    f = jax.jit(lambda q, c: _q_hot(q, c, me, L))
    g, gc = jax.jit(jax.grad(lambda q, c: _q_hot(q, c, me, L), argnums=(0, 1)))(p, cutoff)
    for name in ("b1", "b2", "beta1", "beta2", "beta_r", "g", "chi", "lam", "gamma", "inertia"):
        v = getattr(p, name)
        h = 1e-5 * max(1.0, abs(v))
        up = f(eqx_set(p, name, v + h), cutoff)
        dn = f(eqx_set(p, name, v - h), cutoff)
        fd = (up - dn) / (2 * h)
        assert abs(float(getattr(g, name)) - float(fd)) <= 1e-5 * abs(float(fd)) + 1e-9, (name, getattr(g, name), fd)
    fd = (f(p, cutoff + 6e-5) - f(p, cutoff - 6e-5)) / 1.2e-4  # the GlobalME cut-off is traced too
    assert abs(float(gc) - float(fd)) <= 1e-5 * abs(float(fd)) + 1e-9, ("cutoff", gc, fd)


def eqx_set(p, name, value):
    import equinox as eqx

    return eqx.tree_at(lambda q: getattr(q, name), p, value)


def test_global_me_vs_qutip_bloch_redfield():
    L = 3
    s = dict(SETS[1])
    p = jr.RotorParams(**s)
    pd = ref.params_dict(p)
    h0, hi = ref.hamiltonian(pd, L)
    H = h0 + hi
    o = ref.rotor_ops(L)
    g1, g2 = pd["g"] * (1 - pd["chi"]), pd["g"] * (1 + pd["chi"])
    e = H.eigenenergies()
    dw = np.abs(e[:, None] - e[None, :])
    dw_min = dw[dw > 0].min()
    a_ops = [
        (o["s1p"] + o["s1m"], ref.ohmic_rate(g1**2, pd["cutoff"], pd["beta1"])),
        (o["s2p"] + o["s2m"], ref.ohmic_rate(g2**2, pd["cutoff"], pd["beta2"])),
    ]
    # QuTiP keeps |w_ab - w_cd| < sec_cutoff * dw_min: make that 1e-9 absolute
    R = qt.bloch_redfield_tensor(H, a_ops, c_ops=ref.load_cops(pd, L), sec_cutoff=1e-9 / dw_min, fock_basis=True)
    rho = qt.steadystate(R)
    m = jr.rotor_model(p, L, equation=jl.GlobalME())
    ss = jl.steady_state(m)
    assert np.max(np.abs(np.asarray(ss.rho) - rho.full())) < 1e-9
    flows = jl.heat_flows(m, ss)  # Tr[H_S D_i rho] (eq. 29)
    # heat of bath i: Tr[H_S D_i rho], with D_i read off QuTiP's tensor of bath i alone
    for name, (aop, spec), ours in [("cold", a_ops[0], flows["cold"]), ("hot", a_ops[1], flows["hot"])]:
        Ri = qt.bloch_redfield_tensor(H, [(aop, spec)], sec_cutoff=1e-9 / dw_min, fock_basis=True)
        Li = qt.liouvillian(H)
        drho = qt.vector_to_operator((Ri - Li) * qt.operator_to_vector(rho))
        theirs = qt.expect(H, drho)
        assert abs(float(ours) - theirs) < 1e-8 * abs(theirs), (name, float(ours), theirs)
    assert abs(sum(float(v) for v in flows.values())) < 1e-12  # dU/dt = 0 (first law, eq. 28)
    # the batched device kernel (one vmap, no Python loop) on two parameter sets:
    # point 0 against QuTiP's Bloch-Redfield heat, point 1 against the single-point engine
    res = jr.solve_device(batched([SETS[1], SETS[2]]), truncation=L, equation=jl.GlobalME(), edge_tol=0.5)
    assert abs(float(res.q_hot[0]) - float(flows["hot"])) < 1e-10 * abs(float(flows["hot"]))
    assert abs(float(res.q_cold[0]) - float(flows["cold"])) < 1e-10 * abs(float(flows["cold"]))
    m2 = jr.rotor_model(jr.RotorParams(**SETS[2]), L, equation=jl.GlobalME())
    f2 = jl.heat_flows(m2, jl.steady_state(m2))
    assert abs(float(res.q_hot[1]) - float(f2["hot"])) < 1e-10 * abs(float(f2["hot"]))
    assert abs(float(res.q_hot[1]) - float(res.q_hot[0])) > 1e-3 * abs(float(res.q_hot[0]))
    assert np.all(np.abs(np.asarray(res.first_law)) < 1e-12) and bool(np.all(res.ok))


def test_global_generator_equals_local_at_zero_coupling():
    # lam = 0: the GME generator equals the LME one with rates J_i(2 B_i) (seed, appendix A)
    L = 2
    s = dict(SETS[1], lam=0.0)
    p = jr.RotorParams(**s)
    glob = jr.rotor_model(p, L, equation=jl.GlobalME(cutoff=6.0))
    j = [
        (s["g"] * (1 + sgn * s["chi"])) ** 2 * 2 * b * 36 / (4 * b**2 + 36) for sgn, b in [(-1, s["b1"]), (1, s["b2"])]
    ]
    g_eff = 0.5 * (np.sqrt(j[1]) + np.sqrt(j[0]))
    chi_eff = (np.sqrt(j[1]) - np.sqrt(j[0])) / (np.sqrt(j[1]) + np.sqrt(j[0]))
    loc = jr.rotor_model(jr.RotorParams(**dict(s, g=g_eff, chi=chi_eff)), L)
    v = np.asarray(glob.basis)
    t = np.kron(v, v.conj())  # row-major vec of V rho V^dag
    lg = t @ np.asarray(jl.sector_generator(glob, ()).total()) @ t.conj().T
    ll = np.asarray(jl.sector_generator(loc, ()).total())
    np.testing.assert_allclose(lg, ll, atol=1e-12)


def test_truncation_control_and_bad_input():
    p = jr.RotorParams()  # Fig. 2 engine: the rotor spreads far beyond L = 4
    with pytest.raises(ResultError, match="truncation_edge"):
        jr.solve_device(p, truncation=4)
    # the same code path under jit: the flagged result (throw=False) or a runtime error
    jitted = jax.jit(lambda q: jr.solve_device(q, 4, throw=False))(p)
    assert (
        not bool(jitted.ok)
        and not bool(jitted.truncation_ok)
        and name_of(int(codes(jitted.result))) == "truncation_edge"
    )
    with pytest.raises(Exception, match="truncation edge"):
        jax.block_until_ready(jax.jit(lambda q: jr.solve_device(q, 4).q_hot)(p))
    bad = dict(SETS[1], beta_r=0.09, gamma=5e-5)
    flagged = jr.solve_device(batched([SETS[1], bad, SETS[2]]), truncation=L_SMALL, edge_tol=1e-4, throw=False)
    assert list(np.asarray(flagged.truncation_ok)) == [True, False, True]
    assert list(np.asarray(flagged.ok)) == [True, False, True]
    # traced invalid parameters are flagged, never silent numbers
    neg = jax.jit(lambda b: jr.solve_device(jr.RotorParams(**dict(SETS[1], beta2=b)), L_SMALL, throw=False))(-0.1)
    assert name_of(int(codes(neg.result))) == "invalid_parameters"
    with pytest.raises(ValueError, match=r"truncation = 1 is outside its allowed range >= 2"):
        jr.solve_device(p, truncation=1)
    with pytest.raises(TypeError, match="truncation must be an integer"):
        jr.solve_device(p, truncation=4.5)
    with pytest.raises(ValueError, match=r"RotorParams.beta2 = -0.1 is outside its allowed range > 0"):
        jr.solve_device(jr.RotorParams(beta2=-0.1), truncation=10)
    with pytest.raises(ValueError, match=r"RotorParams.gamma = -1 is outside its allowed range >= 0"):
        jr.solve_device(jr.RotorParams(gamma=-1.0), truncation=10)
    with pytest.raises(ValueError, match=r"RotorParams.lam = nan must be finite"):
        jr.solve_device(jr.RotorParams(lam=np.nan), truncation=10)
    with pytest.raises(ValueError, match=r"RotorParams.chi = 1.5 is outside its allowed range \[-1, 1\]"):
        jr.solve_device(jr.RotorParams(chi=1.5), truncation=10)
    with pytest.raises(ValueError, match=r"RotorParams.beta1\[1\] = -1 is outside"):  # every entry of an array
        jr.solve_device(jr.RotorParams(beta1=jnp.array([0.1, -1.0])), truncation=10)
    with pytest.raises(TypeError, match="equation must be a LocalME"):
        jr.solve_device(p, truncation=10, equation="redfield")


def test_params_never_retrace():
    """Python floats are stored as arrays: new values reuse the compiled program."""
    import equinox as eqx

    f = eqx.filter_jit(eqx.debug.assert_max_traces(lambda q: jr.solve_device(q, 3, throw=False).q_hot, max_traces=1))
    f(jr.RotorParams(gamma=2e-2))
    f(jr.RotorParams(gamma=3e-2))


def test_local_heat_uses_bare_hamiltonian_eq18():
    """Seed 004, eq. 18: the local ME's heat is Tr[H_S0 L_i[rho]] (the interaction's
    share is the work W^(Q), eqs. 22-24).  lindblad.heat_flows must use H_S0 by default
    for the rotor's local model; the full H_S gives a different number."""
    s = SETS[0]
    p = jr.RotorParams(**s)
    m = jr.rotor_model(p, L_SMALL)
    ss = jl.steady_state(m)
    flows = jl.heat_flows(m, ss)  # default energy = model.heat_energy
    o = jr.operators(L_SMALL)
    rho = np.asarray(ss.rho)
    g2, n2 = s["g"] * (1 + s["chi"]), 1 / np.expm1(2 * s["beta2"] * s["b2"])
    ev = lambda op: np.trace(op @ rho)  # noqa: E731
    eq19 = 2 * s["b2"] * g2**2 * (n2 * ev(o["s2m"] @ o["s2p"]) - (n2 + 1) * ev(o["s2p"] @ o["s2m"])).real
    assert abs(float(flows["hot"]) - eq19) < 1e-10 * abs(eq19)
    full = jl.heat_flows(m, ss, energy=m.hamiltonian)
    assert abs(float(full["hot"]) - eq19) > 1e-4 * abs(eq19)  # H_S would mix in the work W^(Q)
    np.testing.assert_allclose(m.heat_energy, jr.hamiltonian_parts(p, L_SMALL)[0], atol=0)
    # global ME: heat is measured with the full H_S (eq. 29)
    assert jr.rotor_model(p, L_SMALL, equation=jl.GlobalME()).heat_energy is None
