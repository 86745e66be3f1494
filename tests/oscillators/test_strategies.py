"""Strategy objects (noise integration, bath-2 configuration) and failure-as-data of the oscillator
entry points: one code path for concrete and traced inputs, ``throw=`` and ``RESULTS``."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxqtm.oscillators as osc
from jaxqtm._results import ResultError, codes

FIELDS = ("P_l", "P0", "dP", "J1", "J2", "Sdot", "D_l", "D_P", "Q_l", "V_l", "dP_l_dOmega", "xx", "pearson")


_JOINT = osc.Joint()


def _machine(t1, t2, configuration=_JOINT):
    return osc.OscillatorMachine(osc.WorkingMedium([1.0, 0.6], 3.0, configuration), osc.DrudeLorentz(0.01, 1.2), t1, t2)


DRIVE = osc.Monochromatic([1.0, 0.7], [0.0, 1.1])


def _assert_same(a, b, rtol=0.0):
    for k in FIELDS:
        if rtol == 0.0:
            np.testing.assert_array_equal(getattr(a, k), getattr(b, k), err_msg=k)
        else:
            np.testing.assert_allclose(getattr(a, k), getattr(b, k), rtol=rtol, err_msg=k)


def test_strategy_objects_are_modules_with_abstract_bases():
    for s in (osc.Auto(), osc.ExactIsothermal(), osc.MatsubaraSum(), osc.TanhSinh(nodes=48)):
        assert isinstance(s, osc.AbstractNoiseIntegral)
    for c in (osc.Joint(), osc.Independent()):
        assert isinstance(c, osc.AbstractConfiguration)
    assert osc.Auto() == osc.Auto() and hash(osc.Auto()) == hash(osc.Auto())  # no recompilation per instance
    assert osc.Auto().quadrature == osc.MatsubaraSum()
    assert osc.ExactIsothermal.isothermal and not osc.Auto.isothermal and not osc.TanhSinh.isothermal
    assert not osc.MatsubaraSum.isothermal
    with pytest.raises(TypeError, match="two-temperature strategy"):
        osc.Auto(quadrature=osc.ExactIsothermal())
    with pytest.raises(ValueError, match="MatsubaraSum.terms"):
        osc.MatsubaraSum(terms=1)
    with pytest.raises(TypeError):
        osc.AbstractNoiseIntegral()
    with pytest.raises(ValueError, match="TanhSinh.nodes"):
        osc.TanhSinh(nodes=0)
    with pytest.raises(TypeError, match="TanhSinh.nodes"):
        osc.TanhSinh(nodes=2.5)
    with pytest.raises(TypeError, match="noise must be"):
        osc.observables(_machine(0.3, 0.3), DRIVE, 1.5, noise="exact")
    np.testing.assert_array_equal(osc.Joint().coupling_pattern(2), np.ones((2, 2)))
    np.testing.assert_array_equal(osc.Independent().coupling_pattern(3), np.eye(3))
    assert osc.Joint.name == "joint" and osc.Independent.name == "independent"


def test_auto_is_exact_isothermal_at_equal_temperatures_and_quadrature_otherwise():
    iso = _machine(0.3, 0.3)
    auto, exact = osc.observables(iso, DRIVE, 1.5), osc.observables(iso, DRIVE, 1.5, noise=osc.ExactIsothermal())
    # the same formulas in two programs (Auto's inside a cond) fuse and round differently: delta P, a
    # sum of sin-weighted terms that cancel to ~1e-5 of their size, differs by 1.4e-14 relative
    _assert_same(auto, exact, rtol=5e-14)
    # both two-temperature strategies agree with the exact form to their accuracy, but are different numbers
    for general in (osc.MatsubaraSum(), osc.TanhSinh()):
        np.testing.assert_allclose(osc.observables(iso, DRIVE, 1.5, noise=general).D_l, exact.D_l, rtol=1e-10)
    two = _machine(0.4, 0.15)
    series = osc.observables(two, DRIVE, 1.5, noise=osc.MatsubaraSum())
    _assert_same(osc.observables(two, DRIVE, 1.5), series, rtol=1e-14)
    # the two independent two-temperature methods (Matsubara series, tanh-sinh panels) agree
    panels = osc.observables(two, DRIVE, 1.5, noise=osc.TanhSinh())
    np.testing.assert_allclose(panels.D_l, series.D_l, rtol=1e-11)
    np.testing.assert_allclose(panels.D_P, series.D_P, rtol=1e-11)
    # a coarser rule is a different, close quadrature
    coarse = osc.observables(two, DRIVE, 1.5, noise=osc.TanhSinh(nodes=48))
    np.testing.assert_allclose(coarse.D_l, osc.observables(two, DRIVE, 1.5).D_l, rtol=1e-6)


@pytest.mark.parametrize("t2", [0.3, 0.15])
def test_same_numbers_concrete_and_under_jit(t2):
    # one code path: the choice of Auto depends on the values only, never on whether they are concrete.
    # A coarse quadrature branch (12 tanh-sinh nodes, ~5e-7 off the exact form) makes the two branches
    # differ far above round-off, so the agreements below pin the branch taken, not only the digits
    # (bitwise equality is not asked: two programs may order their roundings differently)
    noise = osc.Auto(quadrature=osc.TanhSinh(nodes=12))
    m = _machine(0.3, t2)
    plain = osc.observables(m, DRIVE, 1.5, noise=noise)
    jitted = jax.jit(lambda m: osc.observables(m, DRIVE, 1.5, noise=noise))(m)
    _assert_same(plain, jitted, rtol=1e-13)
    assert bool(plain.ok) and bool(jitted.ok)
    branch = osc.ExactIsothermal() if t2 == 0.3 else noise.quadrature
    _assert_same(plain, osc.observables(m, DRIVE, 1.5, noise=branch), rtol=1e-13)
    other = noise.quadrature if t2 == 0.3 else None
    if other is not None:  # and visibly not the other branch
        d = np.asarray(plain.D_l) - np.asarray(osc.observables(m, DRIVE, 1.5, noise=other).D_l)
        assert np.max(np.abs(d) / np.abs(np.asarray(plain.D_l))) > 1e-9


def test_auto_derivatives_are_the_two_temperature_ones():
    # at T1 == T2 Auto's value is exact, its T1 and T2 derivatives separately those of the quadrature;
    # ExactIsothermal ties T2 to T1, so its T1 derivative is their sum
    def d_pa(noise):  # jitted: one compiled program instead of op-by-op dispatch of the reverse pass
        return jax.jit(
            jax.grad(
                lambda t1, t2: osc.observables(_machine(t1, t2), DRIVE, 1.5, noise=noise, throw=False).D_l[0],
                argnums=(0, 1),
            )
        )(0.3, 0.3)

    ga, gq, ge = d_pa(osc.Auto()), d_pa(osc.MatsubaraSum()), d_pa(osc.ExactIsothermal())
    np.testing.assert_allclose(ga, gq, rtol=1e-12)
    np.testing.assert_allclose(ge[0], ga[0] + ga[1], rtol=1e-8)
    assert ge[1] == 0.0
    # batched (cond -> select): the same numbers as unbatched, values and gradients
    ts = jnp.array([0.3, 0.4])
    f = lambda t1, t2: osc.observables(_machine(t1, t2), DRIVE, 1.5, throw=False).D_l[0]
    gb = jax.jit(jax.vmap(jax.grad(f, argnums=(0, 1))))(ts, jnp.array([0.3, 0.2]))
    np.testing.assert_allclose([gb[0][0], gb[1][0]], ga, rtol=1e-12)


def test_exact_isothermal_needs_equal_temperatures():
    with pytest.raises(ValueError, match="T1 == T2"):
        osc.observables(_machine(0.3, 0.2), DRIVE, 1.5, noise=osc.ExactIsothermal())
    # traced: flagged, not silently evaluated at T1
    o = jax.jit(lambda t2: osc.observables(_machine(0.3, t2), DRIVE, 1.5, noise=osc.ExactIsothermal(), throw=False))(
        0.2
    )
    assert o.result == osc.RESULTS.invalid_parameters and np.all(np.isnan(o.P_l))


def test_throw_true_raises_for_a_traced_invalid_point_throw_false_flags_it():
    m = _machine(0.3, 0.3)
    f = jax.jit(lambda om, throw: osc.observables(m, DRIVE, om, throw=throw), static_argnums=1)
    with pytest.raises(Exception, match="outside its allowed range"):
        jax.block_until_ready(f(-1.0, True))
    o = f(-1.0, False)
    assert o.result == osc.RESULTS.invalid_parameters
    assert not bool(o.ok) and int(o.status) == int(codes(osc.RESULTS.invalid_parameters))
    for k in FIELDS:
        assert np.all(np.isnan(getattr(o, k))), k
    good = f(1.5, True)
    assert good.result == osc.RESULTS.successful and bool(good.ok) and int(good.status) == 0
    # under vmap with throw=True one bad point fails the batch; throw=False returns flagged points
    oms = jnp.array([1.5, -1.0])
    with pytest.raises(Exception, match="outside its allowed range"):
        jax.block_until_ready(jax.vmap(lambda om: osc.observables(m, DRIVE, om))(oms))
    ob = jax.vmap(lambda om: osc.observables(m, DRIVE, om, throw=False))(oms)
    assert list(np.asarray(ob.ok)) == [True, False]
    np.testing.assert_allclose(ob.P_l[0], good.P_l, rtol=1e-14)
    # concrete inputs are checked at the boundary first: a ValueError naming the parameter
    with pytest.raises(ValueError, match=r"Omega \(drive frequency\) = -1 is outside its allowed range > 0"):
        osc.observables(m, DRIVE, -1.0, throw=False)


def test_result_error_for_a_concrete_failed_result():
    # the concrete path of throw=True: a flagged result raises ResultError naming the code
    from jaxqtm._results import finish, from_codes

    o = jax.jit(lambda om: osc.observables(_machine(0.3, 0.3), DRIVE, om, throw=False))(-1.0)
    assert o.result == from_codes(1)
    with pytest.raises(ResultError, match="invalid_parameters"):
        finish(o, throw=True, what="observables")


def test_observables_ok_status_properties_and_dict():
    o = osc.observables(_machine(0.3, 0.2), DRIVE, 1.5)
    assert isinstance(o.result, type(osc.RESULTS.successful))
    assert bool(o.ok) and int(o.status) == 0
    d = o.to_dict()
    assert d["status"] == 0 and d["result"] == "successful"
    assert not hasattr(osc, "STATUS_OK") and not hasattr(osc, "JOINT")


def test_resonance_condition_is_one_definition_for_python_and_traced():
    # gamma2 = 3 (not 1: at gamma2 = omega = 1 the joint common mode is critically damped,
    # a double pole of chi, which is flagged on its own)
    def traced_valid(om):
        return bool(jax.jit(lambda x: osc.WorkingMedium(x, 3.0).valid())(jnp.asarray(om)))

    for om, resonant in (
        ([1.0, 1.0 + 0.9e-6], True),
        ([1.0, 1.0 + 1.1e-6], False),
        ([1.0, 0.6, 1.0], True),
        ([0.6, 1.0], False),
    ):
        assert traced_valid(om) == (not resonant), om
        if resonant:
            with pytest.raises(ValueError, match="resonant"):
                osc.WorkingMedium(om, 3.0).validate()
        else:
            osc.WorkingMedium(om, 3.0).validate()
    # independent baths: equal frequencies are fine
    osc.WorkingMedium([1.0, 1.0], 1.0, osc.Independent()).validate()
    assert bool(jax.jit(lambda x: osc.WorkingMedium(x, 1.0, osc.Independent()).valid())(jnp.array([1.0, 1.0])))


def test_asymptotic_coefficients_result_and_throw():
    a = osc.asymptotic_coefficients(_machine(0.1, 0.1))
    assert bool(a.ok) and int(a.status) == 0
    flagged = jax.jit(lambda t: osc.asymptotic_coefficients(_machine(t, t), throw=False))(-0.1)
    assert flagged.result == osc.RESULTS.invalid_parameters and np.all(np.isnan(flagged.alpha_ad))
    with pytest.raises(ValueError, match="T1"):
        osc.asymptotic_coefficients(_machine(-0.1, 0.1))
