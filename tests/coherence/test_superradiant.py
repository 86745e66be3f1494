"""Two-qubit superradiant engine (seed 003, cf. Tajima & Funo PRL 127, 190604): independent checks.

References used here, none of which calls the engine kernel: classical rate equations
(scalar single-qubit recursion; 3-level Dicke ladder with scipy expm), QuTiP mesolve
with the same operators, the Dicke-ladder emission rates, Gibbs-state closed forms of
the quasi-static staircase, central finite differences.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import qutip
import scipy.linalg as sla

import jaxqtm  # noqa: F401
from jaxqtm import coherence as co
from jaxqtm._results import codes, name_of

KAPPA = 1.0


def _nb(beta, w):
    return 1.0 / np.expm1(beta * w)


def _schedule_np(c, steps):
    s = (np.arange(steps) + 0.5) / steps
    r = c.beta_hot / c.beta_cold
    w = np.concatenate(
        [c.omega_start + (c.omega_end - c.omega_start) * s, r * (c.omega_end + (c.omega_start - c.omega_end) * s)]
    )
    b = np.concatenate([np.full(steps, c.beta_hot), np.full(steps, c.beta_cold)])
    dt = np.concatenate(
        [np.full(steps, c.tau * c.hot_fraction / steps), np.full(steps, c.tau * (1 - c.hot_fraction) / steps)]
    )
    return w, b, dt


def _independent_reference(c, steps):
    """Two independent qubits = twice a single-qubit engine; p_e obeys a scalar rate equation."""
    w, b, dt = _schedule_np(c, steps)
    n = _nb(b, w)
    gam = c.kappa * (2 * n + 1)
    pbar = n / (2 * n + 1)
    decay = np.exp(-gam * dt)
    a, off = 1.0, 0.0  # p_end = a p_0 + off
    for k in range(2 * steps):
        a, off = decay[k] * a, pbar[k] + decay[k] * (off - pbar[k])
    p = [off / (1 - a)]
    for k in range(2 * steps):
        p.append(pbar[k] + (p[-1] - pbar[k]) * decay[k])
    p = np.array(p)
    heat = 2 * w * np.diff(p)
    pint = pbar * dt + (p[:-1] - pbar) * (1 - decay) / gam
    a_int = 2 * w**2 * (c.kappa * (n + 1) * pint + c.kappa * n * (dt - pint))
    qh, qc = heat[:steps].sum(), heat[steps:].sum()
    return dict(
        power=(qh + qc) / c.tau,
        efficiency=(qh + qc) / qh,
        q_hot=qh,
        a_mean=a_int.sum() / c.tau,
        a_cl_mean=a_int.sum() / c.tau,
    )


def _collective_reference(c, steps):
    """Triplet ladder |gg>, |T0>, |ee> as a classical 3-state rate process (rates 2 kappa (n+1), 2 kappa n)."""
    w, b, dt = _schedule_np(c, steps)
    mats, ints = [], []
    for k in range(2 * steps):
        n = _nb(b[k], w[k])
        d, u = 2 * c.kappa * (n + 1), 2 * c.kappa * n  # |<1,m-1|J_-|1,m>|^2 = 2 for m = 1, 0
        rate = np.array([[-u, d, 0], [u, -u - d, d], [0, u, -d]])
        aug = np.zeros((6, 6))
        aug[:3, :3], aug[:3, 3:] = rate * dt[k], np.eye(3) * dt[k]
        e = sla.expm(aug)
        mats.append(e[:3, :3])
        ints.append(e[:3, 3:])
    phi = np.eye(3)
    for m in mats:
        phi = m @ phi
    mm = phi - np.eye(3)
    mm[0] = 1.0
    p = [np.linalg.solve(mm, np.array([1.0, 0, 0]))]
    for m in mats:
        p.append(m @ p[-1])
    p = np.array(p)
    nexc = p[:, 1] + 2 * p[:, 2]
    heat = w * np.diff(nexc)
    a_tot = a_cl = 0.0
    for k in range(2 * steps):
        n = _nb(b[k], w[k])
        gd, gu = c.kappa * (n + 1), c.kappa * n
        p0, pt, p2 = ints[k] @ p[k]
        a_tot += w[k] ** 2 * (gd * 2 * (pt + p2) + gu * 2 * (p0 + pt))  # <J+J-> = 2 on |T0>, |ee>
        a_cl += w[k] ** 2 * (gd * (pt + 2 * p2) + gu * (2 * p0 + pt))  # rho_sd: |T0> -> (|ge>,|eg>)/2
    qh, qc = heat[:steps].sum(), heat[steps:].sum()
    return dict(
        power=(qh + qc) / c.tau, efficiency=(qh + qc) / qh, q_hot=qh, a_mean=a_tot / c.tau, a_cl_mean=a_cl / c.tau
    )


CYCLE = co.CarnotCycle(
    beta_hot=0.5, beta_cold=1.2, omega_start=2.0, omega_end=0.8, kappa=KAPPA, tau=7.0, hot_fraction=0.4
)


@pytest.mark.parametrize("name", ["collective", "independent"])
def test_engine_against_rate_equations(name):
    steps = 8
    diss = co.Collective() if name == "collective" else co.Independent()
    ref = (_collective_reference if name == "collective" else _independent_reference)(CYCLE, steps)
    r = co.superradiant_engine(CYCLE, dissipation=diss, steps=steps)
    assert bool(r.ok)
    for key, val in ref.items():
        np.testing.assert_allclose(float(getattr(r, key)), val, rtol=1e-10, err_msg=key)
    # first law (quench works summed independently of the heats) and second law
    assert abs(float(r.work - r.work_direct)) < 1e-13
    assert float(r.entropy_production) > 0
    np.testing.assert_allclose(
        float(r.entropy_production),
        CYCLE.beta_cold * float(r.q_hot) * (float(r.eta_carnot) - float(r.efficiency)),
        rtol=1e-12,
    )
    if name == "independent":
        assert abs(float(r.a_qm_mean)) < 1e-14  # A_qm = 0: the classical (SST) bound is recovered
        assert float(r.bound) == pytest.approx(float(r.bound_classical), rel=1e-13)
    else:
        assert float(r.a_qm_mean) > 0.1 * float(r.a_cl_mean)


@pytest.mark.parametrize("name", ["collective", "independent"])
def test_cycle_against_qutip(name):
    """QuTiP evolves the same staircase from our limit cycle: it must come back, with the same heats."""
    steps = 8  # same compiled program as the rate-equation test
    diss = co.Collective() if name == "collective" else co.Independent()
    r = co.superradiant_engine(CYCLE, dissipation=diss, steps=steps)
    w, b, dt = _schedule_np(CYCLE, steps)
    dims = [[2, 2], [2, 2]]
    rho = qutip.Qobj(np.asarray(r.rho[0]), dims=dims)
    opts = {"atol": 1e-12, "rtol": 1e-11, "nsteps": 100000}
    for k in range(2 * steps):
        model, _ = co.two_qubit_model(w[k], b[k], KAPPA, dissipation=diss)
        h, ops, rates = model.hamiltonian, model.ops, model.rates
        hq = qutip.Qobj(np.asarray(h), dims=dims)
        cq = [np.sqrt(float(g)) * qutip.Qobj(np.asarray(o), dims=dims) for o, g in zip(ops, rates)]
        tl = np.linspace(0, dt[k], 129)  # Simpson error ~1e-9 relative
        res = qutip.mesolve(hq, rho, tl, cq, options=opts)
        ld = qutip.liouvillian(0 * hq, cq)
        jt = [qutip.expect(hq, qutip.vector_to_operator(ld * qutip.operator_to_vector(s))) for s in res.states]
        q_quad = sla_simpson(np.real(jt), tl)  # heat = int Tr[H D[rho]] dt along QuTiP's trajectory
        np.testing.assert_allclose(q_quad, float(r.heat[k]), rtol=1e-7, atol=1e-10)
        rho = res.states[-1]
        np.testing.assert_allclose(rho.full(), np.asarray(r.rho[k + 1]), atol=1e-8)
    np.testing.assert_allclose(rho.full(), np.asarray(r.rho[0]), atol=1e-8)  # limit cycle


def sla_simpson(y, x):
    from scipy.integrate import simpson

    return simpson(y, x=x)


def test_superradiant_emission_rates():
    """Zero temperature: Dicke ladder |J_-|1,m>|^2 = (1+m)(2-m): J = -2 kappa omega from |1,1> and |1,0>."""
    omega, beta = 1.3, 60.0
    mc, _ = co.two_qubit_model(omega, beta, KAPPA, dissipation=co.Collective())
    mi, _ = co.two_qubit_model(omega, beta, KAPPA, dissipation=co.Independent())
    db = np.asarray(co.dicke_basis())
    states = {"ee": db[:, 2], "T0": db[:, 1], "S": db[:, 3], "eg": np.eye(4)[2]}
    dicke = {m: (1 + m) * (2 - m) for m in (1, 0)}
    jc = {k: float(co.heat_current(mc, jnp.outer(v, v))) for k, v in states.items()}
    ji = {k: float(co.heat_current(mi, jnp.outer(v, v))) for k, v in states.items()}
    np.testing.assert_allclose(jc["ee"], -dicke[1] * KAPPA * omega, rtol=1e-12)
    np.testing.assert_allclose(jc["T0"], -dicke[0] * KAPPA * omega, rtol=1e-12)  # superradiant: 2x
    assert abs(jc["S"]) < 1e-20  # subradiant (dark) singlet
    np.testing.assert_allclose(jc["eg"], -KAPPA * omega, rtol=1e-12)  # half triplet, half singlet
    np.testing.assert_allclose(ji["T0"], -KAPPA * omega, rtol=1e-12)  # independent: no enhancement
    np.testing.assert_allclose(ji["ee"], -2 * KAPPA * omega, rtol=1e-12)


@pytest.mark.parametrize("beta_omega", [0.1, 1.0, 4.0])
def test_thermal_triplet_a_qm_is_one_third_of_a_cl(beta_omega):
    """Gibbs state in the triplet, x = e^{-beta omega}: A_cl = 3x(1+x) c, A_qm = x(1+x) c by hand -> ratio 1/3.

    (A_cl from rho_sd, where |T_0><T_0| -> (|ge><ge| + |eg><eg|)/2; detailed balance gamma_up = x gamma_down.)
    For independent emission A_qm = 0 for any state, e.g. the same one."""
    omega = 1.7
    beta = beta_omega / omega
    x = np.exp(-beta_omega)
    db = np.asarray(co.dicke_basis())[:, :3]
    rho = jnp.asarray(db @ np.diag([1, x, x**2]) @ db.T / (1 + x + x**2))
    for name, diss in [("collective", co.Collective()), ("independent", co.Independent())]:
        model, bohr = co.two_qubit_model(omega, beta, KAPPA, dissipation=diss)
        rep = co.coherence_report(model, rho, beta, bohr=bohr)
        gd = KAPPA / (1 - x)  # kappa (1 + n_B)
        pref = omega**2 * gd / (1 + x + x**2)
        if name == "collective":
            np.testing.assert_allclose(float(rep["A_cl"]), 3 * x * (1 + x) * pref, rtol=1e-12)
            np.testing.assert_allclose(float(rep["A_qm"]), x * (1 + x) * pref, rtol=1e-12)
            assert abs(float(rep["rho"]["J"])) < 1e-13  # Gibbs state of the triplet: no current
        else:
            assert abs(float(rep["A_qm"])) < 1e-14


def test_collective_operators_are_davies_components():
    """J_-, J_+ with rates kappa(1+n), kappa n are the Bohr components of sigma_x^1 + sigma_x^2."""
    omega, beta = 0.9, 0.7
    import jaxqtm.lindblad as jl

    class Flat(jl.AbstractSpectralDensity):
        """J(w) = kappa sign(w): downward rate kappa (1 + n(w)); 0 at w = 0 (no such component here)."""

        kappa: float

        def over_omega(self, w):
            return self.kappa * jnp.abs(w) / (w**2 + 1e-30)

    model, bohr = co.two_qubit_model(omega, beta, KAPPA, dissipation=co.Collective())
    sx = np.array([[0, 1], [1, 0]])
    coupling = np.kron(sx, np.eye(2)) + np.kron(np.eye(2), sx)
    davies = jl.global_model(model.hamiltonian, [jl.Bath((coupling,), beta, Flat(KAPPA))])
    np.testing.assert_allclose(
        np.asarray(jl.sector_generator(davies, ()).total())
        @ np.kron(np.asarray(davies.basis).conj().T, np.asarray(davies.basis).T),
        np.kron(np.asarray(davies.basis).conj().T, np.asarray(davies.basis).T)
        @ np.asarray(jl.liouvillian(model.hamiltonian, model.ops, model.rates)),
        atol=1e-13,
    )
    assert sorted(np.asarray(bohr).tolist()) == [-omega, omega]


def _quasi_static_deficit(name, steps):
    """Check the tau -> infinity staircase against Gibbs closed forms; return eta_C - eta."""
    diss = co.Collective() if name == "collective" else co.Independent()

    def nbar(beta, w):
        x = np.exp(-beta * w)
        if name == "collective":
            return (x + 2 * x**2) / (1 + x + x**2)
        return 2 * x / (1 + x)

    # kappa dt = 1250: every sub-stroke ends in its Gibbs state (to e^{-1250})
    c = co.CarnotCycle(beta_hot=0.5, beta_cold=1.0, omega_start=2.0, omega_end=1.0, kappa=1.0, tau=2e4)
    r = co.superradiant_engine(c, dissipation=diss, steps=steps)
    w, b, _ = _schedule_np(c, steps)
    nb = nbar(b, w)
    heat = w * (nb - np.roll(nb, 1))
    qh = heat[:steps].sum()
    np.testing.assert_allclose(float(r.q_hot), qh, rtol=1e-9)
    np.testing.assert_allclose(float(r.efficiency), heat.sum() / qh, rtol=1e-9)
    deficit = float(r.eta_carnot - r.efficiency)
    assert deficit > 0
    return deficit


@pytest.mark.parametrize("name", ["collective", "independent"])
def test_quasi_static_staircase_closed_form(name):
    """tau -> infinity: every sub-stroke ends in the Gibbs state of its omega (closed form)."""
    _quasi_static_deficit(name, 8)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["collective", "independent"])
def test_quasi_static_staircase_tends_to_carnot(name):
    """eta_C - eta = O(1/steps): the staircase tends to the Carnot cycle."""
    d8, d16, d32 = (_quasi_static_deficit(name, m) for m in (8, 16, 32))
    assert 1.8 < d8 / d16 < 2.2 and 1.9 < d16 / d32 < 2.1


def _continuous_ramp_qutip(c, diss, n_t=201, cycles=4):
    """The continuous linear-ramp Carnot cycle with QuTiP (time-dependent H and rates), iterated to its limit cycle.

    Heat from Simpson quadrature of J(t) = Tr[H(t) D_t[rho(t)]]; returns (P, eta)."""
    from scipy.integrate import simpson

    dims = [[2, 2], [2, 2]]
    m1, _ = co.two_qubit_model(1.0, 1.0, c.kappa, dissipation=diss)
    h1, ops = m1.hamiltonian, m1.ops
    kinds = np.asarray(diss.jump_operators()[1])  # +1 lowering, -1 raising
    num = qutip.Qobj(np.asarray(h1), dims=dims)
    r = c.beta_hot / c.beta_cold
    strokes = [
        (c.beta_hot, c.omega_start, c.omega_end, c.tau * c.hot_fraction),
        (c.beta_cold, r * c.omega_end, r * c.omega_start, c.tau * (1 - c.hot_fraction)),
    ]
    v = np.asarray(diss.subspace())
    rho = qutip.Qobj(v @ v.T / v.shape[1], dims=dims)  # maximally mixed in the engine's subspace
    opts = {"atol": 1e-12, "rtol": 1e-10, "nsteps": 100000}
    for _ in range(cycles):
        qs = []
        for b, wa, wb, dur in strokes:

            def w(t, wa=wa, wb=wb, dur=dur):
                return wa + (wb - wa) * t / dur

            def nb(t, b=b, w=w):
                return 1 / np.expm1(b * w(t))

            cl = []
            for o, kd in zip(ops, kinds):
                oq = qutip.Qobj(np.asarray(o), dims=dims)
                if kd == 1:
                    cl.append(qutip.QobjEvo([[oq, lambda t, nb=nb: np.sqrt(c.kappa * (1 + nb(t)))]]))
                else:
                    cl.append(qutip.QobjEvo([[oq, lambda t, nb=nb: np.sqrt(c.kappa * nb(t))]]))
            tl = np.linspace(0, dur, n_t)
            res = qutip.mesolve(qutip.QobjEvo([[num, w]]), rho, tl, cl, options=opts)
            jt = []
            for t, st in zip(tl, res.states):
                ld = qutip.liouvillian(0 * num, [x(t) for x in cl])
                jt.append(w(t) * qutip.expect(num, qutip.vector_to_operator(ld * qutip.operator_to_vector(st))))
            qs.append(simpson(np.real(jt), x=tl))
            rho = res.states[-1]
    return (qs[0] + qs[1]) / c.tau, (qs[0] + qs[1]) / qs[0]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["collective", "independent"])
def test_staircase_converges_to_linear_ramp_second_order(name):
    """Staircase -> continuous linear ramp as 1/steps^2; Richardson limit equals QuTiP's continuous cycle."""
    diss = co.Collective() if name == "collective" else co.Independent()
    rs = [co.superradiant_engine(CYCLE, dissipation=diss, steps=m) for m in (16, 32, 64)]
    ps = [float(r.power) for r in rs]
    es = [float(r.efficiency) for r in rs]
    assert 3.6 < (ps[0] - ps[1]) / (ps[1] - ps[2]) < 4.4
    p_ref, e_ref = _continuous_ramp_qutip(CYCLE, diss)
    np.testing.assert_allclose((4 * ps[2] - ps[1]) / 3, p_ref, rtol=2e-5)
    np.testing.assert_allclose((4 * es[2] - es[1]) / 3, e_ref, rtol=2e-5)


def test_tradeoff_bound_on_power_efficiency_curves():
    taus = np.geomspace(0.3, 3000.0, 10)
    curves = co.power_efficiency_curve(CYCLE, taus, steps=8)
    for name, r in curves.items():
        ok = np.asarray(r.ok)
        assert ok.all(), name
        p, bound, eng = np.asarray(r.power), np.asarray(r.bound), np.asarray(r.is_engine)
        assert eng.sum() >= 6 and not eng.all()  # engine at slow cycles, not at the fastest
        assert np.all(p[eng] <= bound[eng] * (1 + 1e-12)), name
        assert np.all(np.asarray(r.efficiency)[eng] < np.asarray(r.eta_carnot)[eng])
        # the inequality behind the bound holds at every point, engine or not:
        # Q_H^2 <= tau (A_bar/2) Sigma
        lhs = np.asarray(r.q_hot) ** 2
        rhs = taus * 0.5 * np.asarray(r.a_mean) * np.asarray(r.entropy_production)
        assert np.all(lhs <= rhs * (1 + 1e-12)), name
        assert np.all(np.asarray(r.entropy_production) > 0)
    ind, col = curves["independent"], curves["collective"]
    assert np.max(np.abs(np.asarray(ind.a_qm_mean))) < 1e-14
    assert np.all(np.asarray(col.a_qm_mean) > 0)
    # superradiance: same per-qubit coupling, more power at every engine point
    eng = np.asarray(col.is_engine) & np.asarray(ind.is_engine)
    assert np.all(np.asarray(col.power)[eng] > np.asarray(ind.power)[eng])


def test_instantaneous_current_dissipation_ratio_exceeds_classical_part():
    """Along the collective cycle J^2/sigma <= (A_cl + A_qm)/2 and > A_cl/2 (degeneracy coherence).

    (At very slow cycles J and sigma are round-off small at the sub-stroke ends: tau = 7 keeps
    sigma >= 1e-3.)"""
    r = co.superradiant_engine(CYCLE, steps=8)
    exceed = 0
    for k in range(16):
        model, bohr = co.two_qubit_model(r.omegas[k], r.betas[k], 1.0)
        rep = co.coherence_report(model, r.rho[k], r.betas[k], bohr=bohr)
        ratio = float(rep["rho"]["cd_ratio"])
        assert ratio <= 0.5 * float(rep["A_cl"] + rep["A_qm"]) * (1 + 1e-9)
        exceed += ratio > 0.5 * float(rep["A_cl"]) * 1.2
    assert exceed == 16


@pytest.mark.parametrize("name", ["collective", pytest.param("independent", marks=pytest.mark.slow)])
def test_gradients_against_finite_differences(name):
    """Gradient of a random combination of outputs along a random direction of all 7 parameters."""
    diss = co.Collective() if name == "collective" else co.Independent()
    steps = 8
    fields = list(CYCLE.__dataclass_fields__)
    outs = ["power", "efficiency", "bound", "bound_classical", "a_mean", "a_qm_mean", "q_hot"]
    rng = np.random.default_rng(3)
    wts = jnp.asarray(rng.normal(size=len(outs)))
    x0 = jnp.asarray([float(getattr(CYCLE, f)) for f in fields])
    direction = jnp.asarray(rng.normal(size=len(fields))) * x0 * 0.1  # relative scales

    def f(x):
        c = co.CarnotCycle(**{k: x[i] for i, k in enumerate(fields)})
        r = co.superradiant_engine(c, dissipation=diss, steps=steps)
        return sum(wts[i] * getattr(r, o) for i, o in enumerate(outs))

    g = float(jnp.dot(jax.grad(f)(x0), direction))
    h = 1e-4
    f2 = [float(f(x0 + s * h * direction)) for s in (2, 1, -1, -2)]
    fd = (-f2[0] + 8 * f2[1] - 8 * f2[2] + f2[3]) / (12 * h)  # O(h^4)
    assert abs(g - fd) < 1e-7 * max(abs(fd), 1e-3), (g, fd)


def eqx_replace(c, field, x):
    import equinox as eqx

    return eqx.tree_at(lambda m: getattr(m, field), c, x)


@pytest.mark.slow
def test_dephasing_destroys_the_collective_advantage():
    """Local dephasing kills <ge|rho|eg>: collective -> independent engine as O(1/dephasing), A_qm -> 0."""
    ri = co.superradiant_engine(CYCLE, dissipation=co.Independent(), steps=8)
    rc = co.superradiant_engine(CYCLE, dissipation=co.Collective(), steps=8)
    assert float(rc.power) > 1.1 * float(ri.power)
    errs = []
    for g in (1e3, 1e4):
        r = co.superradiant_engine(CYCLE, dissipation=co.Collective(dephasing=g), steps=8)
        assert bool(r.ok)
        assert float(r.q_hot) ** 2 <= CYCLE.tau * 0.5 * float(r.a_mean) * float(r.entropy_production)
        assert abs(float(r.a_qm_mean)) < 10 * KAPPA / g * float(r.a_cl_mean)
        errs.append(abs(float(r.power) / float(ri.power) - 1))
        np.testing.assert_allclose(float(r.efficiency), float(ri.efficiency), rtol=1e-3)
    assert errs[0] < 1e-3 and 7 < errs[0] / errs[1] < 13


def test_dicke_a_split_against_product_space():
    """Dicke(N): A and the closed-form A_cl against 2^N product-space operators (N = 3, random symmetric state)."""
    from itertools import combinations
    from math import comb

    n, omega, beta = 3, 1.3, 0.8
    dim = 2**n
    sm = np.array([[0.0, 1.0], [0.0, 0.0]])
    jm = sum(np.kron(np.kron(np.eye(2**i), sm), np.eye(2 ** (n - i - 1))) for i in range(n))
    # Dicke states |k> = uniform superposition of product states with k excitations (bit = 1: excited)
    basis = np.zeros((dim, n + 1))
    for k in range(n + 1):
        for exc in combinations(range(n), k):
            basis[sum(1 << (n - 1 - q) for q in exc), k] = 1 / np.sqrt(comb(n, k))
    rng = np.random.default_rng(0)
    z = rng.normal(size=(n + 1, n + 1)) + 1j * rng.normal(size=(n + 1, n + 1))
    rho_r = z @ z.conj().T
    rho_r /= np.trace(rho_r)
    nb = 1 / np.expm1(beta * omega)
    ops = jnp.asarray(np.stack([jm, jm.T]))
    rates = jnp.asarray([KAPPA * (1 + nb), KAPPA * nb])
    bohr = jnp.asarray([omega, -omega])
    rho_full = jnp.asarray(basis @ rho_r @ basis.T)
    a_ref = float(co.heat_fluctuation_terms(rho_full, ops, rates, bohr))
    a_cl_ref = float(co.heat_fluctuation_terms(co.strictly_diagonal(rho_full), ops, rates, bohr))
    a, a_cl = co.Dicke(n).a_split(jnp.asarray(rho_r), omega, beta, KAPPA)
    np.testing.assert_allclose(float(a), a_ref, rtol=1e-12)
    np.testing.assert_allclose(float(a_cl), a_cl_ref, rtol=1e-12)
    # the ladder itself: <k-1|J_-|k> from the product space
    ladder = basis.T @ jm @ basis
    np.testing.assert_allclose(np.asarray(co.Dicke(n).jump_operators()[0][0]), ladder, atol=1e-14)


@pytest.mark.slow
def test_n_qubit_strategies_reduce_to_two_qubit_ones():
    for a, b in [(co.Collective(), co.Dicke(2)), (co.Independent(), co.IndependentQubits(2))]:
        ra = co.superradiant_engine(CYCLE, dissipation=a, steps=8)
        rb = co.superradiant_engine(CYCLE, dissipation=b, steps=8)
        for f in ("power", "efficiency", "q_hot", "a_mean", "a_cl_mean", "bound", "bound_classical"):
            np.testing.assert_allclose(float(getattr(rb, f)), float(getattr(ra, f)), rtol=1e-12, atol=1e-15)


@pytest.mark.slow
def test_many_qubit_superradiant_engine_beats_classical_part_bound():
    """N = 32: A_qm > 2 A_cl and P exceeds (A_cl/2) beta_C eta(eta_C - eta), never (A/2) ...; independent = N x one."""
    taus = np.geomspace(0.05, 50.0, 16)
    n = 32
    cur = co.power_efficiency_curve(
        CYCLE,
        taus,
        steps=16,
        dissipations={"d": co.Dicke(n), "i": co.IndependentQubits(n), "one": co.IndependentQubits(1)},
    )
    d, i, one = cur["d"], cur["i"], cur["one"]
    eng = np.asarray(d.is_engine)
    assert np.all(np.asarray(d.ok)) and eng.sum() >= 6
    assert np.all(np.asarray(d.power)[eng] <= np.asarray(d.bound)[eng])
    assert np.max(np.asarray(d.power / d.bound_classical)[eng]) > 1.05
    assert np.all(np.asarray(d.a_qm_mean) > 2 * np.asarray(d.a_cl_mean))
    np.testing.assert_allclose(np.asarray(i.power), n * np.asarray(one.power), rtol=1e-12)
    assert np.max(np.asarray(d.power)) > 2 * np.max(np.asarray(i.power))


def test_validation_errors_name_parameters():
    with pytest.raises(ValueError, match="beta_hot"):
        co.superradiant_engine(co.CarnotCycle(beta_hot=2.0, beta_cold=1.0))
    with pytest.raises(ValueError, match="omega_start"):
        co.superradiant_engine(co.CarnotCycle(omega_start=0.5, omega_end=1.0))
    with pytest.raises(ValueError, match="kappa"):
        co.superradiant_engine(co.CarnotCycle(kappa=-1.0))
    with pytest.raises(ValueError, match="hot_fraction"):
        co.superradiant_engine(co.CarnotCycle(hot_fraction=1.0))
    with pytest.raises(ValueError, match="steps = 0 is outside its allowed range >= 1"):
        co.superradiant_engine(co.CarnotCycle(), steps=0)
    with pytest.raises(ValueError, match="taus"):
        co.power_efficiency_curve(co.CarnotCycle(), [1.0, -2.0])
    with pytest.raises(ValueError, match="n_qubits"):
        co.Dicke(0)
    with pytest.raises(ValueError, match="dephasing"):
        co.Collective(dephasing=-1.0)
    with pytest.raises(TypeError, match="dissipation must be a jaxqtm.coherence dissipation"):
        co.superradiant_engine(co.CarnotCycle(), dissipation="collective")
    # array-valued fields: every entry is checked (the bad one is named with its index)
    with pytest.raises(ValueError, match=r"CarnotCycle.kappa\[1\] = -1 is outside its allowed range > 0"):
        co.superradiant_engine(co.CarnotCycle(kappa=jnp.array([1.0, -1.0])))
    # traced invalid parameters: a flagged result (throw=False), never a silent number
    r = jax.jit(lambda k: co.superradiant_engine(co.CarnotCycle(kappa=k), steps=4, throw=False))(-1.0)
    assert not bool(r.ok) and name_of(int(codes(r.result))) == "invalid_parameters"
