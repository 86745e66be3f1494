"""Property-based checks of ``jaxqtm.oscillators.observables`` (issue 14, item 5).

Random valid parameter points keep the laws the model obeys as theorems; random invalid
points give a ``ValueError`` naming the parameter (concrete input) or come back flagged
``RESULTS.invalid_parameters`` with NaN numbers (traced input), never status 0.

Speed: hypothesis draws *values*; every example goes through one ``jax.jit`` per bath-2
configuration, compiled once per process, with all parameters in one float64 vector of
fixed shape (new values never recompile).
"""

import math
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import assume, given, note, settings
from hypothesis import strategies as st

import jaxqtm.oscillators as osc
from jaxqtm import RESULTS
from jaxqtm._results import codes, name_of

# the parameter vector: one point of the two-oscillator machine driven by
# g_A = cos(Omega t), g_B = f_B cos(Omega t + phi), bath 1 Drude--Lorentz
NAMES = ("omega_A", "omega_B", "gamma2", "gamma1", "omega_c", "T1", "T2", "Omega", "phi", "f_B")
IDX = {k: i for i, k in enumerate(NAMES)}
CONFIGURATIONS = {"joint": osc.Joint(), "independent": osc.Independent()}
INVALID = int(codes(RESULTS.invalid_parameters))
ILL = int(codes(RESULTS.ill_conditioned))
# every number an Observables reports (the efficiencies are NaN by definition outside their
# device region and are left out of the finiteness checks)
NUMBERS = ("P0", "dP", "P_l", "P", "J1", "J2", "Sdot", "D_l", "D_P", "Q_l", "Q_P", "V_l", "dP_l_dOmega", "xx")
NUMBERS_ALL = NUMBERS + ("pearson", "pearson_like", "first_law_residual")


def _build(x, configuration):
    """(machine, drive, Omega) from the parameter vector, or a sequence of scalars (concrete
    or traced)."""
    wa, wb, g2, g1, wc, t1, t2, om, phi, fb = (x[i] for i in range(len(NAMES)))
    machine = osc.OscillatorMachine(
        osc.WorkingMedium(jnp.stack([wa, wb]), g2, configuration), osc.DrudeLorentz(g1, wc), t1, t2
    )
    drive = osc.Monochromatic(jnp.stack([jnp.ones_like(fb), fb]), jnp.stack([jnp.zeros_like(phi), phi]))
    return machine, drive, om


def _observe(x, configuration):
    machine, drive, om = _build(x, configuration)
    return osc.observables(machine, drive, om, throw=False)


# one compiled program per configuration (the configuration is static structure)
_JIT = {name: jax.jit(lambda x, c=c: _observe(x, c)) for name, c in CONFIGURATIONS.items()}


def _run(x, configuration):
    o = jax.device_get(_JIT[configuration](jnp.asarray(x, jnp.float64)))
    note(f"{configuration} {dict(zip(NAMES, np.asarray(x).tolist()))} -> status {int(o.status)}")
    return o


def _concrete_call(x, configuration):
    """``observables`` of concrete ``x`` with ``throw=True``."""
    machine, drive, om = _build(np.asarray(x), CONFIGURATIONS[configuration])
    return osc.observables(machine, drive, om)


def _concrete_error(x, configuration):
    """The ValueError / TypeError the public boundary raises for concrete ``x`` (None if valid)."""
    try:
        machine, drive, om = _build(np.asarray(x), CONFIGURATIONS[configuration])
        machine.validate()
        drive.validate(2)
        if not (np.isfinite(np.real(om)) and np.real(om) > 0 and np.imag(om) == 0):
            osc.observables(machine, drive, om)  # raises the boundary error for Omega
    except (ValueError, TypeError) as e:
        return e
    return None


def _name(o):
    return name_of(int(o.status))


def _log(lo, hi):
    return st.floats(lo, hi).map(lambda e: 10.0**e)


# (lo, hi) of each drawn parameter: plain for omega_A and phi, log10 for the rest; "ratio" is
# omega_B / omega_A (two intervals, away from the joint resonance), f_B is drawn with either sign
VALID_BOX = dict(
    omega_A=(0.5, 2.0),
    ratio=((0.3, 0.9), (1.1, 2.5)),
    T=(-1.3, 0.3),
    gamma2=(-2.0, 2.0),
    gamma1=(-3.0, -1.0),
    omega_c=(-0.3, 2.0),
    Omega=(-1.3, 1.7),
    f_B=(0.05, 2.0),
)
# wider (still inside every allowed range): temperatures down to 0.01, weak bath 2 down to
# gamma2 = 1e-3, slow drives down to Omega = 0.01, cut-offs up to 1000 -- thermally suppressed
# points whose powers and heats are as small as 1e-13
WIDE_BOX = dict(
    omega_A=(0.3, 3.0),
    ratio=((0.1, 0.9), (1.1, 4.0)),
    T=(-2.0, 1.0),
    gamma2=(-3.0, 3.0),
    gamma1=(-4.0, 0.0),
    omega_c=(-1.0, 3.0),
    Omega=(-2.0, 3.0),
    f_B=(0.05, 3.0),
)


def _draw_point(draw, box, t2):
    """One parameter vector from ``box``; ``t2(t1)`` is the strategy of T2 given T1."""
    wa = draw(st.floats(*box["omega_A"]))
    ratio = draw(st.one_of(st.floats(*box["ratio"][0]), st.floats(*box["ratio"][1])))
    t1 = draw(_log(*box["T"]))
    lo, hi = box["f_B"]
    x = dict(
        omega_A=wa,
        omega_B=wa * ratio,
        gamma2=draw(_log(*box["gamma2"])),
        gamma1=draw(_log(*box["gamma1"])),
        omega_c=draw(_log(*box["omega_c"])),
        T1=t1,
        T2=draw(t2(t1)),
        Omega=draw(_log(*box["Omega"])),
        phi=draw(st.floats(0.0, 2 * math.pi)),
        f_B=draw(st.one_of(st.floats(lo, hi), st.floats(-hi, -lo))),
    )
    return np.array([x[k] for k in NAMES])


@st.composite
def valid_points(draw, isothermal=False):
    """Physically sensible points: frequencies at least 10 % apart (far from the resonance of
    the joint configuration), weak bath 1, drive weight f_B away from 0 (f_B = 0 makes
    Q_{P_B} = 0/0, a point the library flags ``nonfinite`` on purpose)."""
    return _draw_point(draw, VALID_BOX, lambda t1: st.just(t1) if isothermal else _log(*VALID_BOX["T"]))


def _check_flagged_point(o, x, configuration):
    """A flagged point must be flagged for a reason: ``invalid_parameters`` with every number
    NaN, and the concrete boundary check must reject the same values (near critical damping
    the response has two nearly coincident poles: ``WorkingMedium.validate``), or
    ``ill_conditioned`` (the accuracy self-check) with the numbers kept and the point's concrete
    call raising the same code."""
    if int(o.status) == ILL:
        with pytest.raises(Exception, match="ill_conditioned"):
            _concrete_call(x, configuration)
        return
    assert int(o.status) == INVALID, f"valid input flagged with code {int(o.status)} ({_name(o)})"
    for k in NUMBERS_ALL:
        assert np.all(np.isnan(getattr(o, k))), f"{k} = {getattr(o, k)} not NaN at a flagged point"
    err = _concrete_error(x, configuration)
    assert isinstance(err, ValueError) and "poles" in str(err), f"traced flag without a concrete error: {err!r}"


def _check_ok_point(o, x, configuration):
    assert _concrete_error(x, configuration) is None, "status 0 for values the boundary rejects"
    for k in NUMBERS:
        assert np.all(np.isfinite(getattr(o, k))), f"status 0 with non-finite {k} = {getattr(o, k)}"


@pytest.mark.parametrize("configuration", sorted(CONFIGURATIONS))
@given(x=valid_points())
def test_valid_points_obey_first_and_second_law_and_total_power_tur(configuration, x):
    """Theorems of the model (seed 001), on every valid point:

    - first law P + J1 + J2 = 0: ``first_law_residual`` compares J1 from its own integral
      (bath-1 energy w' + Omega) with J2 from bath 2's (energy w'), two independent
      evaluations; and P = P_A + P_B, since the TRS-breaking parts cancel, dP_A = -dP_B;
    - second law Sdot = -J1/T1 - J2/T2 >= 0 (sec. II);
    - Q_P = Sdot D_P / P^2 >= 2 for the *total* power, for any phi and spectral density
      (appendix C).  The local ratios Q_{P_l} may violate both 2 and the generalised bound
      V_{P_l} (that is the point of seed 001), so they are not asserted here;
    - D_{P_l} >= 0 and D_P >= 0: the integrand J_1(w'+w) [coth a coth b - 1] chi''(w') is
      non-negative pointwise (coth a coth b - 1 and J_1(w'+w) chi''_ll(w') change sign
      together) and chi''(w') is positive semi-definite for w' > 0 (passivity), so every
      diffusion coefficient is a non-negative quadratic form.

    A point may come back flagged only with a reason (near critical damping), see
    ``_check_flagged_point``; status 0 with a non-finite number is a failure."""
    o = _run(x, configuration)
    if int(o.status) != 0:
        _check_flagged_point(o, x, configuration)
        return
    _check_ok_point(o, x, configuration)
    p, j1, j2 = float(o.P), float(o.J1), float(o.J2)
    t1, t2 = x[IDX["T1"]], x[IDX["T2"]]
    assert abs(float(o.first_law_residual)) <= 1e-8, float(o.first_law_residual)
    assert abs(p + j1 + j2) <= 1e-12 * (abs(p) + abs(j1) + abs(j2))
    assert abs(float(np.sum(o.P_l)) - p) <= 1e-10 * float(np.sum(np.abs(o.P_l)) + abs(p))
    scale = abs(j1) / t1 + abs(j2) / t2
    assert float(o.Sdot) >= -1e-12 * scale, (float(o.Sdot), scale)
    assert float(o.Q_P) >= 2.0 * (1.0 - 1e-9), float(o.Q_P)
    assert np.all(o.D_l >= 0.0), o.D_l
    assert float(o.D_P) >= 0.0, float(o.D_P)


@pytest.mark.parametrize("configuration", sorted(CONFIGURATIONS))
@given(x=valid_points(isothermal=True))
def test_isothermal_machine_extracts_no_work_kelvin_planck(configuration, x):
    """T1 = T2 = T: with one temperature the first and second laws give Sdot = P/T >= 0, so
    the total power is never extracted (Kelvin--Planck; seed 001 sec. IV: "the total power
    remains positive") even where one oscillator delivers work (P_A < 0)."""
    o = _run(x, configuration)
    if int(o.status) != 0:
        _check_flagged_point(o, x, configuration)
        return
    _check_ok_point(o, x, configuration)
    p, t = float(o.P), x[IDX["T1"]]
    assert abs(float(o.first_law_residual)) <= 1e-8, float(o.first_law_residual)
    scale = float(np.sum(np.abs(o.P_l)))
    assert p >= -1e-12 * scale, (p, o.P_l)
    assert abs(float(o.Sdot) - p / t) <= 1e-9 * (abs(p) / t + float(abs(o.J1) + abs(o.J2)) / t)
    assert float(o.Q_P) >= 2.0 * (1.0 - 1e-9), float(o.Q_P)


@st.composite
def wide_points(draw):
    """``WIDE_BOX`` points, isothermal or not."""
    return _draw_point(draw, WIDE_BOX, lambda t1: st.one_of(st.just(t1), _log(*WIDE_BOX["T"])))


@pytest.mark.slow
@pytest.mark.parametrize("configuration", sorted(CONFIGURATIONS))
@settings(max_examples=max(1000, settings.default.max_examples))
@given(x=wide_points())
def test_wide_range_points_keep_the_first_law_or_are_flagged(configuration, x):
    """The wider ranges (down to T, Omega ~ 0.01 omega): a point is flagged with a reason, or it
    keeps Sdot >= 0 and Q_P >= 2. The heats alone may lose digits there (Omega << omega: J1, J2 were
    off by up to 3e-4 relative with status 0 before they had a bound); such a point must report a
    ``heat_error_bound`` that covers its first-law mismatch with the direct J1 integral."""
    o = _run(x, configuration)
    if int(o.status) != 0:
        _check_flagged_point(o, x, configuration)
        return
    _check_ok_point(o, x, configuration)
    scale = abs(float(o.P)) + abs(float(o.J1)) + abs(float(o.J2))
    mismatch = abs(float(o.first_law_residual)) * scale
    assert mismatch <= 1e-10 * scale or mismatch <= 100.0 * float(o.heat_error_bound), (mismatch, o.heat_error_bound)
    assert float(o.Sdot) >= 0.0 and float(o.Q_P) >= 2.0 * (1.0 - 1e-9)


# ----------------------------------------------------------------------------- invalid input
# parameter -> name the library uses in its message
MESSAGE_NAME = dict(
    omega_A="omega[0]",
    omega_B="omega[1]",
    gamma2="gamma2",
    gamma1="bath1.gamma",
    omega_c="bath1.omega_c",
    T1="T1",
    T2="T2",
    Omega="Omega",
    phi="phases[1]",
    f_B="weights[1]",
)
# the converters of the bath and drive classes name their own fields (DrudeLorentz.gamma, ...)
COMPLEX_NAME = dict(
    MESSAGE_NAME, gamma1="gamma", omega_c="omega_c", phi="phases", f_B="weights", omega_A="omega", omega_B="omega"
)
POSITIVE = ("omega_A", "omega_B", "gamma2", "gamma1", "omega_c", "T1", "T2", "Omega")
NONFINITE = st.sampled_from([math.nan, math.inf, -math.inf])


def _invalid_value(name):
    """A value outside the range of ``name``: <= 0 where the parameter must be positive,
    NaN or +-inf anywhere."""
    return st.one_of(st.floats(-10.0, 0.0), NONFINITE) if name in POSITIVE else NONFINITE


@pytest.mark.parametrize("configuration", sorted(CONFIGURATIONS))
@given(x=valid_points(), data=st.data())
def test_invalid_points_raise_a_named_error_or_are_flagged_with_nan(configuration, x, data):
    """One parameter of a valid point replaced by an invalid value (or, for the joint medium,
    omega_B = omega_A: resonance, a dissipation-free normal mode without steady state).
    Concrete: ``ValueError`` whose message names the parameter as the library names it.
    Traced (the same jitted program as the valid points): ``RESULTS.invalid_parameters``
    with every number NaN -- never status 0, never plausible numbers."""
    assume(_concrete_error(x, configuration) is None)  # the other parameters are valid
    choices = list(NAMES) + (["resonance"] if configuration == "joint" else [])
    name = data.draw(st.sampled_from(choices), label="parameter")
    x = x.copy()
    if name == "resonance":
        x[IDX["omega_B"]] = x[IDX["omega_A"]]
        name = "omega_A"
    else:
        x[IDX[name]] = data.draw(_invalid_value(name), label="value")
    err = _concrete_error(x, configuration)
    assert isinstance(err, ValueError), f"no ValueError for {name} = {x[IDX[name]]}: {err!r}"
    assert MESSAGE_NAME[name] in str(err), f"message does not name {MESSAGE_NAME[name]!r}: {err}"
    o = _run(x, configuration)
    assert int(o.status) == INVALID, f"traced {name} = {x[IDX[name]]} gave status {int(o.status)}"
    for k in NUMBERS_ALL:
        assert np.all(np.isnan(getattr(o, k))), f"{k} = {getattr(o, k)} at an invalid point"


@given(x=valid_points(), name=st.sampled_from(NAMES), imag=st.floats(0.01, 2.0))
def test_complex_values_of_real_parameters_are_rejected(x, name, imag):
    """A complex number where a real one is required is never truncated to its real part:
    concrete -> ValueError "<name> = a+bj must be real"; traced (the dtype is static) ->
    TypeError naming the parameter, raised while tracing (nothing is compiled)."""
    assume(_concrete_error(x, "joint") is None)
    z = complex(x[IDX[name]], imag)
    xc = x.astype(complex)
    xc[IDX[name]] = z
    err = _concrete_error(xc, "joint")
    assert isinstance(err, ValueError) and "must be real" in str(err), repr(err)
    assert COMPLEX_NAME[name] in str(err), str(err)
    # traced: only this parameter complex, the others real
    i = IDX[name]

    def f(v, zz):
        vals = [v[k] for k in range(len(NAMES))]
        vals[i] = zz
        return _observe(vals, osc.Joint()).P

    with pytest.raises(TypeError, match=re.escape(COMPLEX_NAME[name]) + ".* must be real"):
        jax.jit(f)(jnp.asarray(x), jnp.asarray(z))
