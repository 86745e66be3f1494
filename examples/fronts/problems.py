"""Objective functions of the seeds' Pareto problems (pure JAX, differentiable, one parameter point).

Each builder returns a :class:`Problem`: ``objective(raw) -> (F, result, aux)`` with every objective to
be minimised, the observables' :class:`jaxqtm.RESULTS` item as ``ok`` (so a front run reports each
point's exact failure code) and the physical quantities in ``aux``, ``report(raw) -> dict`` of the physical
quantities at a point, ``init(key)`` and a JSON description. Objectives and their physical meaning:

- :func:`heat_engine` (slides 000): ``("power", "efficiency")`` -> F = (P, -eta_ext), or
  ``("power", "Q_P")`` -> F = (P, Q_P). P < 0 is extracted power, eta = -P/J_hot. eta_ext
  extends the efficiency continuously to non-engines: eta_ext = -P / max(J_hot, |P|/eta_C);
  for every engine (P < 0) the second law gives J_hot >= -P/eta_C, so eta_ext = eta exactly;
  otherwise eta_ext in [-eta_C, 0] and such points are dominated by any engine.
- :func:`work_to_work` (seed 001): ``("P_A", "Q_PA")`` -> F = (P_A, Q_PA) or ``("P_A", "Q_over_V")`` ->
  F = (P_A, Q_PA / V_PA) (P_A < 0: power extracted from oscillator A).
- :func:`rotor_rectification` (seed 004): F = (-R, -J) over the couplings (chi, lam).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import jax.numpy as jnp

import jaxqtm.oscillators as osc
from jaxqtm.optimize import Bounded, FourierWaveform, MonochromaticWaveform

from ..seed001.paper import paper_machine


@dataclasses.dataclass(frozen=True)
class Problem:
    """One multi-objective problem: ``objective(raw) -> (F, ok, aux)``, ``report(raw) -> dict``,
    ``init(key) -> raw``, objective ``names``, JSON ``description``, the drive ``waveform``."""

    objective: Callable
    report: Callable
    init: Callable
    names: tuple
    description: dict
    waveform: object = None


# ---------------------------------------------------------------------------
# Heat engine (slides 000): structured Lorentzian bath 1 (hot), Ohmic bath 2 (cold)
# ---------------------------------------------------------------------------

# The slides' Pareto figure (000) cites Carrega et al., AVS Quantum Sci. 6, 025001 (2024), whose
# parameters we could not retrieve: omega_B = 0.6 omega_A and gamma2 = 0.1 omega_A are the slides';
# the structured bath (peak omega_1 = 1.5, width gamma1 = 0.2, weight d1 = 0.1) and T_hot = T1 = 1,
# T_cold = T2 = 0.25 (eta_C = 0.75) are our choice (bath 1 hot: the slides' eta(sigma, P) uses T2 as T_c).
HEAT_ENGINE_DEFAULTS = dict(omega_A=1.0, omega_B=0.6, gamma2=0.1, gamma1=0.2, omega_1=1.5, d1=0.1, T1=1.0, T2=0.25)


def heat_machine(configuration, omega_A=1.0, omega_B=0.6, gamma2=0.1, gamma1=0.2, omega_1=1.5, d1=0.1, T1=1.0, T2=0.5):
    return osc.OscillatorMachine(
        osc.WorkingMedium(jnp.stack([jnp.asarray(omega_A, float), jnp.asarray(omega_B, float)]), gamma2, configuration),
        osc.StructuredLorentzian(gamma1, omega_1, d1),
        T1,
        T2,
    )


def _heat_quantities(o, t1, t2):
    eta_c = 1.0 - jnp.minimum(t1, t2) / jnp.maximum(t1, t2)
    j_hot = jnp.where(t1 >= t2, o.J1, o.J2)
    t_cold = jnp.minimum(t1, t2)
    p = o.P
    eta_ext = -p / jnp.maximum(j_hot, jnp.abs(p) / eta_c)
    eta = jnp.where(p < 0, -p / j_hot, jnp.nan)
    # Pietzonka--Seifert (PRL 120, 190602): (-P) eta T_c / ((eta_C - eta) Delta_P) <= 1/2 for classical
    # steady-state engines; with Sdot = J_hot (eta_C - eta)/T_c it equals 1/Q_P identically
    ps = jnp.where(p < 0, -p * eta * t_cold / ((eta_c - eta) * o.D_P), jnp.nan)
    return dict(
        P=p,
        eta=eta,
        eta_ext=eta_ext,
        eta_C=eta_c,
        J_hot=j_hot,
        Q_P=o.Q_P,
        D_P=o.D_P,
        Sdot=o.Sdot,
        pietzonka_seifert=ps,
        first_law_residual=o.first_law_residual,
        status=o.status,
    )


def heat_engine(
    objectives=("power", "efficiency"),
    *,
    configuration=osc.Joint(),
    harmonics=3,
    g_max=1.0,
    omega_range=(0.05, 3.0),
    monochromatic=False,
    **machine_kwargs,
) -> Problem:
    """The (eta, -P) or (Q_P, -P) heat-engine problem over periodic drives g_A(t), g_B(t) and Omega.

    ``machine_kwargs`` override :data:`HEAT_ENGINE_DEFAULTS` (omega_A, omega_B, gamma2, gamma1,
    omega_1, d1, T1 (hot, bath 1), T2 (cold, bath 2)).
    """
    objectives = tuple(objectives)
    if objectives not in (("power", "efficiency"), ("power", "Q_P")):
        raise ValueError(f"objectives must be ('power', 'efficiency') or ('power', 'Q_P'), got {objectives}")
    unknown = set(machine_kwargs) - set(HEAT_ENGINE_DEFAULTS)
    if unknown:
        raise ValueError(f"unknown machine parameters {sorted(unknown)}; allowed: {sorted(HEAT_ENGINE_DEFAULTS)}")
    mp = {**HEAT_ENGINE_DEFAULTS, **machine_kwargs}
    if not mp["T1"] > mp["T2"]:
        raise ValueError(
            f"T1 (hot, bath 1) must exceed T2 (cold, bath 2) for a heat engine, got {mp['T1']}, {mp['T2']}"
        )
    machine = heat_machine(configuration, **mp)
    machine.validate()
    om = Bounded(omega_range[0], omega_range[1], True, "omega_range")
    wf = MonochromaticWaveform(2, g_max, om) if monochromatic else FourierWaveform(harmonics, 2, g_max, om)

    def observe(raw):
        return osc.observables(machine, wf.drive(raw), wf.omega(raw), noise=osc.MatsubaraSum(), throw=False)

    def objective(raw):
        o = observe(raw)
        q = _heat_quantities(o, machine.T1, machine.T2)
        second = -q["eta_ext"] if objectives[1] == "efficiency" else q["Q_P"]
        return jnp.stack([q["P"], second]), o.result, {**q, "Omega": wf.omega(raw)}

    def report(raw):
        q = _heat_quantities(observe(raw), machine.T1, machine.T2)
        return {**q, "Omega": wf.omega(raw)}

    desc = dict(
        problem="heat_engine",
        objectives=list(objectives),
        configuration=configuration.name,
        machine={k: float(v) for k, v in mp.items()},
        spectral="structured_lorentzian",
        waveform=wf.describe(),
        F=["P", "-eta_ext" if objectives[1] == "efficiency" else "Q_P"],
    )
    return Problem(objective, report, wf.init, objectives, desc, wf)


# ---------------------------------------------------------------------------
# Work-to-work conversion (seed 001): isothermal, strong damping, Drude--Lorentz bath 1
# ---------------------------------------------------------------------------

WORK_DEFAULTS = dict(omega_A=1.0, omega_B=0.6, gamma2=100.0, gamma1=0.01, omega_c=1.2, T=0.1)


def work_to_work(
    objectives=("P_A", "Q_PA"),
    *,
    harmonics=2,
    g_max=1.0,
    omega_range=(1.0, 1000.0),
    monochromatic=False,
    equal_amplitudes=False,
    **machine_kwargs,
) -> Problem:
    """(Q_PA, -P_A) or (Q_PA / V_PA, -P_A) for periodic drives of both couplings (isothermal)."""
    objectives = tuple(objectives)
    if objectives not in (("P_A", "Q_PA"), ("P_A", "Q_over_V"), ("dP_A",)):
        raise ValueError(f"objectives must be ('P_A', 'Q_PA'), ('P_A', 'Q_over_V') or ('dP_A',), got {objectives}")
    unknown = set(machine_kwargs) - set(WORK_DEFAULTS)
    if unknown:
        raise ValueError(f"unknown machine parameters {sorted(unknown)}; allowed: {sorted(WORK_DEFAULTS)}")
    mp = {**WORK_DEFAULTS, **machine_kwargs}
    machine, _ = paper_machine(
        omega_A=mp["omega_A"],
        omega_B=mp["omega_B"],
        gamma2=mp["gamma2"],
        gamma1=mp["gamma1"],
        omega_c=mp["omega_c"],
        T1=mp["T"],
        T2=mp["T"],
    )
    machine.validate()
    om = Bounded(omega_range[0], omega_range[1], True, "omega_range")
    wf = (
        MonochromaticWaveform(2, g_max, om, equal_amplitudes)
        if monochromatic
        else FourierWaveform(harmonics, 2, g_max, om)
    )

    def observe(raw):
        return osc.observables(machine, wf.drive(raw), wf.omega(raw), noise=osc.ExactIsothermal(), throw=False)

    def quantities(o):
        return dict(
            P_A=o.P_l[0],
            P_B=o.P_l[1],
            dP_A=o.dP[0],
            P=o.P,
            Q_PA=o.Q_l[0],
            V_PA=o.V_l[0],
            Q_over_V=o.Q_l[0] / o.V_l[0],
            eta_work=o.eta_work,
            Sdot=o.Sdot,
            D_PA=o.D_l[0],
            status=o.status,
        )

    def objective(raw):
        o = observe(raw)
        q = quantities(o)
        F = jnp.stack([q[k] for k in objectives])
        return F, o.result, {**q, "Omega": wf.omega(raw)}

    def report(raw):
        return {**quantities(observe(raw)), "Omega": wf.omega(raw)}

    desc = dict(
        problem="work_to_work",
        objectives=list(objectives),
        machine={k: float(v) for k, v in mp.items()},
        spectral="drude_lorentz",
        isothermal=True,
        waveform=wf.describe(),
        F=list(objectives),
    )
    return Problem(objective, report, wf.init, objectives, desc, wf)
