"""Build jaxqtm objects from the reference parameter dicts (tests/oscillators/data)."""

import jaxqtm.oscillators as osc


def bath_from(p):
    j = p["J1"]
    if j["kind"] == "drude":
        return osc.DrudeLorentz(j["gamma1"], j["omega_c"])
    if j["kind"] == "ohmic":
        return osc.Ohmic(j["gamma1"])
    return osc.StructuredLorentzian(j["gamma1"], j["omega1"], j.get("d1", 1.0))


CONFIGURATIONS = {"joint": osc.Joint(), "independent": osc.Independent()}


def machine_from(p):
    med = osc.WorkingMedium([p["omega_A"], p["omega_B"]], p["gamma2"], CONFIGURATIONS[p["configuration"]])
    return osc.OscillatorMachine(med, bath_from(p), p["T1"], p["T2"])


def drive_fixed(p):
    return osc.Monochromatic([p["f_A"], p["f_B"]], [0.0, p["phi"]])


def drive_r(p):
    return osc.PowerLawWeights(p["phi"], p["r"], p["J1"]["omega_c"])
