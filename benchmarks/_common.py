"""Builders shared by the benchmarks: jaxqtm objects from the reference parameter dicts
(tests/oscillators/data/reference_values.json), with the public API only."""

from __future__ import annotations

import jax.numpy as jnp

import jaxqtm.oscillators as osc

CONFIGURATIONS = {"joint": osc.Joint(), "independent": osc.Independent()}


def bath_from(p):
    j = p["J1"]
    if j["kind"] == "drude":
        return osc.DrudeLorentz(j["gamma1"], j["omega_c"])
    if j["kind"] == "ohmic":
        return osc.Ohmic(j["gamma1"])
    return osc.StructuredLorentzian(j["gamma1"], j["omega1"], j.get("d1", 1.0))


def machine_from(p):
    med = osc.WorkingMedium([p["omega_A"], p["omega_B"]], p["gamma2"], CONFIGURATIONS[p["configuration"]])
    return osc.OscillatorMachine(med, bath_from(p), p["T1"], p["T2"])


def drive_fixed(p):
    return osc.Monochromatic([p["f_A"], p["f_B"]], [0.0, p["phi"]])


def noise_for(p):
    """The fastest exact strategy for the point: the isothermal closed form where T1 == T2."""
    return osc.ExactIsothermal() if p["T1"] == p["T2"] else osc.MatsubaraSum()


def paper_machine(T, omega_c=1.2, gamma2=100.0, gamma1=0.01, phi=jnp.pi / 2, r=0.0):
    """Seed 001, fig. 3: omega = (1, 0.6), Drude--Lorentz bath 1, T1 = T2 = T, f_B = (Omega/omega_c)^r."""
    m = osc.OscillatorMachine(osc.WorkingMedium([1.0, 0.6], gamma2), osc.DrudeLorentz(gamma1, omega_c), T, T)
    return m, osc.PowerLawWeights(phi, r, omega_c)
