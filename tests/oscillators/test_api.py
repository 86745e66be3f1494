"""Differentiability, batching, drives and input validation of the oscillator engine."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxqtm.oscillators as osc
from examples.seed001.paper import paper_machine
from jaxqtm._results import codes


def _qpa(params):
    m = osc.OscillatorMachine(
        osc.WorkingMedium(jnp.stack([params["omega_A"], params["omega_B"]]), params["gamma2"]),
        osc.DrudeLorentz(params["gamma1"], params["omega_c"]),
        params["T1"],
        params["T2"],
    )
    d = osc.PowerLawWeights(params["phi"], params["r"], params["omega_c"])
    return osc.observables(m, d, params["Omega"]).Q_l[0]


@pytest.mark.parametrize("t2", [0.3, 0.12])
def test_gradient_of_q_against_finite_differences(t2):
    p = dict(omega_A=1.0, omega_B=0.6, gamma2=3.0, gamma1=0.01, omega_c=1.2, T1=0.3, T2=t2, Omega=2.0, phi=1.3, r=0.5)
    p = {k: jnp.asarray(v) for k, v in p.items()}
    g = jax.jit(jax.grad(_qpa))(p)
    f = jax.jit(_qpa)
    for k in p:
        h = 1e-5 * max(1.0, abs(float(p[k])))
        fd = (f({**p, k: p[k] + h}) - f({**p, k: p[k] - h})) / (2 * h)
        np.testing.assert_allclose(g[k], fd, rtol=2e-6, atol=1e-9 * abs(float(f(p))), err_msg=k)


def test_generalised_bound_v_from_autodiff_equals_finite_difference():
    m, d = paper_machine(T1=0.2, T2=0.2, r=0.5)
    om, h = 7.0, 1e-4
    o = osc.observables(m, d, om)
    pa = lambda x: osc.observables(m, d, x).P_l[0]
    dp = (pa(om + h) - pa(om - h)) / (2 * h)
    np.testing.assert_allclose(o.dP_l_dOmega[0], dp, rtol=1e-7)
    np.testing.assert_allclose(o.V_l[0], 2 * (1 - om * dp / o.P_l[0]) ** 2, rtol=1e-6)
    # diabatic limit with f_B = (Omega/omega_c)^r: V_PA -> 2 r^2 (seed 001, sec. IV B)
    np.testing.assert_allclose(osc.observables(m, d, 1e5).V_l[0], 2 * 0.5**2, rtol=2e-2)


def test_vmap_grid_matches_pointwise_and_flags_bad_points():
    def point(om, t):
        m, d = paper_machine(T1=t, T2=t)
        return osc.observables(m, d, om, noise=osc.ExactIsothermal(), throw=False)

    oms = jnp.array([0.5, 3.0, -1.0, 2.0])
    ts = jnp.array([0.1, 0.4, 0.2, jnp.nan])
    o = jax.jit(jax.vmap(point))(oms, ts)
    invalid = int(codes(osc.RESULTS.invalid_parameters))
    assert list(np.asarray(o.status)) == [0, 0, invalid, invalid]
    assert list(np.asarray(o.ok)) == [True, True, False, False]
    assert np.all(np.isnan(o.P_l[2:])) and np.all(np.isnan(o.Q_l[2:]))
    for i in range(2):
        m, d = paper_machine(T1=float(ts[i]), T2=float(ts[i]))
        np.testing.assert_allclose(o.P_l[i], osc.observables(m, d, float(oms[i])).P_l, rtol=1e-13)


def test_no_recompilation_on_second_call():
    m, d = paper_machine(T1=0.2, T2=0.2)
    f = eqx.filter_jit(
        eqx.debug.assert_max_traces(
            lambda m, d, om: osc.observables(m, d, om, noise=osc.ExactIsothermal()), max_traces=1
        )
    )
    f(m, d, jnp.asarray(1.0))
    m2, d2 = paper_machine(T1=0.7, T2=0.7, gamma2=3.0, omega_c=5.0)
    f(m2, d2, jnp.asarray(2.0))


def test_fourier_drive_harmonic_decomposition_time_domain():
    # The period average <dg_l/dt(t) g_l'(t - tau)>_t (the only drive dependence of the
    # lowest-order powers, seed 001 eqs. B5-B8) decomposes into harmonics; checked on a time grid.
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    drive = osc.FourierDrive(a, b)
    om = 1.3
    t = np.linspace(0, 2 * np.pi / om, 4096, endpoint=False)
    n, f, phi = (np.asarray(x) for x in drive.harmonics(om))

    def g(tt):
        return sum(
            a[h] * np.cos((h + 1) * om * tt)[:, None] + b[h] * np.sin((h + 1) * om * tt)[:, None] for h in range(3)
        )

    def gdot(tt):
        return sum(
            (h + 1) * om * (-a[h] * np.sin((h + 1) * om * tt)[:, None] + b[h] * np.cos((h + 1) * om * tt)[:, None])
            for h in range(3)
        )

    for tau in (0.0, 0.37, 2.1):
        direct = np.einsum("tl,tm->lm", gdot(t), g(t - tau)) / t.size
        # monochromatic pieces: <d/dt f cos(n om t + p_l) f' cos(n om (t - tau) + p_m)>
        mono = sum(
            -0.5
            * n[h]
            * om
            * f[h][:, None]
            * f[h][None, :]
            * np.sin(n[h] * om * tau + phi[h][:, None] - phi[h][None, :])
            for h in range(3)
        )
        np.testing.assert_allclose(direct, mono, atol=1e-12)
    # and the engine's sum over harmonics equals explicit monochromatic evaluations
    m, _ = paper_machine(T1=0.3, T2=0.3)
    tot = osc.observables(m, drive, om)
    parts = [osc.observables(m, osc.Monochromatic(f[h], phi[h]), (h + 1) * om) for h in range(3)]
    np.testing.assert_allclose(tot.P_l, sum(p.P_l for p in parts), rtol=1e-12)
    np.testing.assert_allclose(tot.D_P, sum(p.D_P for p in parts), rtol=1e-12)
    np.testing.assert_allclose(tot.J1, sum(p.J1 for p in parts), rtol=1e-12)
    assert np.allclose(drive.signal(t[:5], om), g(t[:5]))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(omega_B=1.0), "resonant"),
        (dict(T1=-0.1), r"T1 = -0.1 is outside its allowed range > 0"),
        (dict(T2=0.0), r"T2 = 0 is outside its allowed range > 0"),
        (dict(gamma2=-1.0), "gamma2"),
        (dict(omega_c=-1.0), "omega_c"),
        (dict(gamma1=float("nan")), "gamma"),
        (dict(T1=float("nan")), "T1"),
    ],
)
def test_bad_input_names_the_parameter(kwargs, match):
    m, d = paper_machine(**kwargs)
    with pytest.raises(ValueError, match=match):
        osc.observables(m, d, 1.0)


def test_bad_drive_and_frequency():
    m, d = paper_machine()
    with pytest.raises(ValueError, match="Omega"):
        osc.observables(m, d, -2.0)
    with pytest.raises(ValueError, match="no harmonics"):
        osc.observables(m, osc.FourierDrive(np.zeros((2, 2)), np.zeros((2, 2))), 1.0)
    with pytest.raises(ValueError, match="shape"):
        osc.observables(m, osc.Monochromatic([1.0, 1.0, 1.0], [0, 0, 0]), 1.0)
    with pytest.raises(TypeError, match="configuration must be a jaxqtm.oscillators.Joint()"):
        osc.WorkingMedium([1.0, 0.6], 1.0, "joint")  # strings were replaced by Joint() / Independent()


def test_three_oscillators_not_hard_coded_to_two():
    m = osc.OscillatorMachine(osc.WorkingMedium([1.0, 0.6, 0.8], 2.0), osc.DrudeLorentz(0.01, 1.2), 0.3, 0.2)
    o = osc.observables(m, osc.Monochromatic([1.0, 0.5, 0.8], [0.0, 1.0, 2.0]), 1.5)
    assert o.P_l.shape == (3,) and int(o.status) == 0 and bool(o.ok)
    assert o.Sdot > 0 and o.Q_P >= 2 and abs(o.first_law_residual) < 1e-10
    np.testing.assert_allclose(np.sum(o.dP), 0.0, atol=1e-14)  # delta P redistributes, never adds


def test_cli_prints_every_observable_as_json(capsys):
    import json

    from jaxqtm.cli import main

    assert main(["oscillator", "--Omega", "200", "--T", "0.1", "--omega_c", "1.2"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["parameters"]["T1"] == out["parameters"]["T2"] == 0.1
    obs = out["observables"]
    assert (
        obs["status"] == 0 and obs["result"] == "successful" and obs["Q_PA"] < 2 and obs["P_A"] < 0
    )  # fig. 4 point: precise extracted power
    for k in ("P_A0", "dP_A", "P_B", "J1", "J2", "Sdot", "D_PA", "D_P", "Q_P", "V_PA", "pearson_C", "eta_work"):
        assert k in obs
    assert main(["oscillator", "--omega_B", "1.0"]) == 2
    assert "resonant" in capsys.readouterr().err
    # the paper figures, gallery and fronts are not commands of the installed package (examples/)
    for gone in ("figures", "figures-rotor", "reproduce", "fronts"):
        assert main([gone, "--out", "unused"]) == 2
    assert "commands: oscillator\n" in capsys.readouterr().out
    assert main(["--help"]) == 0 and "python -m examples.gallery" in capsys.readouterr().out


@pytest.mark.slow
def test_figures_quick_mode(tmp_path):
    from examples.seed001.figures import main

    assert main(["--quick", "--n", "16", "--out", str(tmp_path)]) == 0
    for f in ("fig2.png", "fig3.png", "fig4.png", "fig5_fig6.png", "fig8.png", "figures.json", "fig3_omega_c_1.2.npz"):
        assert (tmp_path / f).exists()
    import json

    meta = json.loads((tmp_path / "figures.json").read_text())
    assert set(meta["figures"]) >= {"fig2", "fig3", "fig4", "fig5", "fig6", "fig8"}
    assert set(meta["timings_s"]) >= {"fig3_omega_c=1000.0", "fig3_omega_c=1.2", "fig4", "fig2", "fig5", "fig6", "fig8"}
