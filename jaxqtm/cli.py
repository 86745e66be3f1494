"""Command-line entry point: ``jaxqtm <command> ...``.

    jaxqtm oscillator --Omega 200 --T 0.1 --omega_c 1.2      # every observable of one point, as JSON

The paper figures, the gallery and the Pareto fronts are not part of the installed package: run
them from the repository root as ``python -m examples.seed001.figures --out DIR [--quick]``,
``python -m examples.gallery ...``, ``python -m examples.fronts ...`` (see the README).

Parameter names follow seed 001 (omega_A, omega_B, gamma2, gamma1, omega_c, T1, T2, Omega,
phi, r); units hbar = k_B = m = 1.
"""

from __future__ import annotations

import argparse
import json
import math
import sys


def _oscillator(argv):
    p = argparse.ArgumentParser(
        prog="jaxqtm oscillator",
        description="Observables of the two-oscillator machine (seed 001) at one parameter point, printed as JSON.",
    )
    p.add_argument("--omega_A", type=float, default=1.0)
    p.add_argument("--omega_B", type=float, default=0.6)
    p.add_argument("--gamma2", type=float, default=100.0, help="static bath-2 damping")
    p.add_argument("--gamma1", type=float, default=0.01, help="bath-1 coupling strength")
    p.add_argument("--spectral", choices=["drude", "ohmic", "lorentzian"], default="drude")
    p.add_argument("--omega_c", type=float, default=1.2, help="Drude cut-off (also sets f_B = (Omega/omega_c)^r)")
    p.add_argument("--omega_1", type=float, default=1.0, help="structured Lorentzian peak")
    p.add_argument("--d1", type=float, default=1.0, help="structured Lorentzian weight")
    p.add_argument("--T", type=float, default=None, help="sets T1 = T2 = T")
    p.add_argument("--T1", type=float, default=0.1)
    p.add_argument("--T2", type=float, default=0.1)
    p.add_argument("--Omega", type=float, default=200.0, help="drive frequency")
    p.add_argument("--phi", type=float, default=math.pi / 2)
    p.add_argument("--r", type=float, default=0.0, help="f_A = 1, f_B = (Omega/omega_c)^r")
    p.add_argument("--configuration", choices=["joint", "independent"], default="joint")
    a = p.parse_args(argv)
    import jaxqtm.oscillators as osc

    t1, t2 = (a.T, a.T) if a.T is not None else (a.T1, a.T2)
    bath = {
        "drude": lambda: osc.DrudeLorentz(a.gamma1, a.omega_c),
        "ohmic": lambda: osc.Ohmic(a.gamma1),
        "lorentzian": lambda: osc.StructuredLorentzian(a.gamma1, a.omega_1, a.d1),
    }[a.spectral]()
    try:
        configuration = {"joint": osc.Joint(), "independent": osc.Independent()}[a.configuration]
        machine = osc.OscillatorMachine(
            osc.WorkingMedium([a.omega_A, a.omega_B], a.gamma2, configuration), bath, t1, t2
        )
        drive = osc.PowerLawWeights(a.phi, a.r, a.omega_c)
        obs = osc.observables(machine, drive, a.Omega, throw=False)  # a flagged point is printed with its result
    except ValueError as e:
        print(f"jaxqtm: error: {e}", file=sys.stderr)
        return 2
    params = dict(
        omega_A=a.omega_A,
        omega_B=a.omega_B,
        gamma2=a.gamma2,
        gamma1=a.gamma1,
        spectral=a.spectral,
        omega_c=a.omega_c,
        T1=t1,
        T2=t2,
        Omega=a.Omega,
        phi=a.phi,
        r=a.r,
        configuration=a.configuration,
        f_A=1.0,
        f_B=(a.Omega / a.omega_c) ** a.r,
    )
    if a.spectral == "lorentzian":
        params.update(omega_1=a.omega_1, d1=a.d1)
    print(json.dumps(dict(parameters=params, observables=obs.to_dict()), indent=2))
    return 0


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = {"oscillator": _oscillator}
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in commands:
        print(__doc__)
        print("commands:", ", ".join(commands))
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main())
