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


def _strict(o):
    """``o`` with every non-finite float replaced by ``None`` (lists, tuples and dicts recursively),
    so that ``json.dumps(..., allow_nan=False)`` writes standard JSON (``null``, never ``NaN``)."""
    if isinstance(o, dict):
        return {k: _strict(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_strict(v) for v in o]
    if isinstance(o, float) and not math.isfinite(o):
        return None
    return o


def _weight_b(omega, omega_c, r):
    """f_B = (Omega/omega_c)^r without Python's OverflowError (inf when it overflows); ``None`` when
    the inputs are out of range (the library's validation reports those)."""
    if not (math.isfinite(omega) and math.isfinite(omega_c) and math.isfinite(r) and omega > 0 and omega_c > 0):
        return None
    try:
        return math.exp(r * math.log(omega / omega_c))
    except OverflowError:
        return math.inf


# NaN in these means "not applicable" (not a heat engine / not a work-to-work converter), not a failure
_NOT_APPLICABLE = ("eta_heat", "eta_work")


def _oscillator(argv):
    prog = "jaxqtm oscillator"
    p = argparse.ArgumentParser(
        prog=prog,
        description="Observables of the two-oscillator machine (seed 001) at one parameter point, printed as "
        "standard JSON (a non-finite number is null). Exit status: 0 ok; 1 the point is flagged (status != 0 "
        "or a non-finite observable; the JSON is still printed); 2 bad arguments.",
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
    p.add_argument("--T1", type=float, default=None, help="bath-1 temperature (default 0.1)")
    p.add_argument("--T2", type=float, default=None, help="bath-2 temperature (default 0.1)")
    p.add_argument("--Omega", type=float, default=200.0, help="drive frequency")
    p.add_argument("--phi", type=float, default=math.pi / 2)
    p.add_argument("--r", type=float, default=0.0, help="f_A = 1, f_B = (Omega/omega_c)^r")
    p.add_argument("--configuration", choices=["joint", "independent"], default="joint")
    a = p.parse_args(argv)

    def say(msg, rc):
        print(f"{prog}: {' '.join(str(msg).split())}", file=sys.stderr)  # one line
        return rc

    def error(msg):
        return say(f"error: {msg}", 2)

    import jaxqtm.oscillators as osc

    if a.T is not None and (a.T1 is not None or a.T2 is not None):
        p.error("--T sets both temperatures; give either --T or --T1/--T2, not both")
    t1, t2 = (a.T, a.T) if a.T is not None else (0.1 if a.T1 is None else a.T1, 0.1 if a.T2 is None else a.T2)
    try:  # the library validates at the boundary (ValueError/TypeError) before anything is compiled
        bath = {
            "drude": lambda: osc.DrudeLorentz(a.gamma1, a.omega_c),
            "ohmic": lambda: osc.Ohmic(a.gamma1),
            "lorentzian": lambda: osc.StructuredLorentzian(a.gamma1, a.omega_1, a.d1),
        }[a.spectral]()
        configuration = {"joint": osc.Joint(), "independent": osc.Independent()}[a.configuration]
        machine = osc.OscillatorMachine(
            osc.WorkingMedium([a.omega_A, a.omega_B], a.gamma2, configuration), bath, t1, t2
        )
        drive = osc.PowerLawWeights(a.phi, a.r, a.omega_c)
        f_b = _weight_b(a.Omega, a.omega_c, a.r)
        if f_b == math.inf:
            return error(
                f"f_B = (Omega/omega_c)^r overflows float64 for Omega = {a.Omega:g}, omega_c = {a.omega_c:g}, "
                f"r = {a.r:g}; the drive weight must be finite: r log10(Omega/omega_c) < 308"
            )
        obs = osc.observables(machine, drive, a.Omega, throw=False)  # a flagged point is printed with its result
    except (ValueError, TypeError) as e:
        return error(e)
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
        f_B=f_b,
    )
    if a.spectral == "lorentzian":
        params.update(omega_1=a.omega_1, d1=a.d1)
    result = obs.to_dict()
    print(json.dumps(_strict(dict(parameters=params, observables=result)), indent=2, allow_nan=False))
    bad = [k for k, v in result.items() if isinstance(v, float) and not math.isfinite(v) and k not in _NOT_APPLICABLE]
    if result["status"] != 0:
        return say(f"flagged point: status {result['status']} ({result['result']}): {result['status_message']}", 1)
    if bad:
        return say(f"flagged point: {', '.join(bad)} not finite (printed as null) although status is 0", 1)
    return 0


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = {"oscillator": _oscillator}
    if argv and argv[0] in commands:
        return commands[argv[0]](argv[1:])
    print(__doc__)
    print("commands:", ", ".join(commands))
    if argv and argv[0] in ("-h", "--help"):
        return 0
    got = f"unknown command {argv[0]!r}" if argv else "no command"
    print(f"jaxqtm: error: {got} (choose from {', '.join(commands)}; figure scripts: jaxqtm --help)", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
