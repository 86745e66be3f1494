"""Command lines: ``jaxqtm oscillator`` and the example scripts (``python -m examples.X``).

Every bad argument ends the process with a non-zero status and one error line on stderr (argparse's
usage lines allowed), never a traceback; the printed JSON is standard (``null``, never ``NaN``).
Each invocation runs in a subprocess; bad arguments are rejected before anything is compiled.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_ENV = dict(os.environ, JAX_PLATFORMS="cpu")  # no accelerator probing or its warnings on stderr


def _run(*args, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, env=_ENV, capture_output=True, text=True, timeout=timeout
    )


def _message_lines(err):
    """stderr without argparse's usage block (``usage: ...`` and its indented continuation lines)."""
    return [s for s in err.splitlines() if s.strip() and not s.startswith(("usage:", " "))]


def _strict_json(text):
    def reject(token):
        raise ValueError(f"non-standard JSON constant {token}")

    return json.loads(text, parse_constant=reject)


def _assert_one_error(proc, prog, *fragments, rc=2):
    assert proc.returncode == rc, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    (line,) = _message_lines(proc.stderr)
    assert line.startswith(f"{prog}: error: "), line
    for f in fragments:
        assert f in line, (f, line)


@pytest.mark.parametrize(
    "argv, fragments",
    [
        (["--T", "nan"], ["T1", "nan"]),
        (["--Omega", "inf"], ["Omega", "inf"]),
        (["--T1", "-1"], ["T1", "-1", "> 0"]),
        (["--gamma1", "-1"], ["gamma", "-1", "range"]),
        (["--omega_B", "1.0"], ["resonant"]),
        # f_B = (Omega/omega_c)^r overflows: reported before anything is computed
        (["--Omega", "1e5", "--r", "100"], ["f_B", "100000", "r = 100"]),
        (["--Omega", "abc"], ["--Omega", "abc"]),
        (["--spectral", "gauss"], ["--spectral", "gauss", "drude"]),
        (["--nonsense", "1"], ["--nonsense"]),
        # an explicit --T1 is never silently replaced by --T
        (["--T", "0.1", "--T1", "0.2"], ["--T", "--T1"]),
    ],
)
def test_oscillator_bad_argument_is_one_error_line(argv, fragments):
    proc = _run("jaxqtm.cli", "oscillator", *argv)
    _assert_one_error(proc, "jaxqtm oscillator", *fragments)
    assert proc.stdout == ""


def test_oscillator_unknown_or_missing_command():
    for argv in (["figures", "--out", "unused"], []):
        proc = _run("jaxqtm.cli", *argv)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
        (line,) = _message_lines(proc.stderr)
        assert line.startswith("jaxqtm: error: ") and "oscillator" in line


def test_oscillator_prints_standard_json():
    proc = _run("jaxqtm.cli", "oscillator", "--Omega", "200", "--T", "0.1")
    assert proc.returncode == 0 and proc.stderr == ""
    out = _strict_json(proc.stdout)
    assert out["observables"]["status"] == 0 and out["parameters"]["f_B"] == 1.0
    # not a heat engine here: eta_heat is not applicable (null), which does not flag the point
    assert out["observables"]["eta_heat"] is None and out["observables"]["Q_PA"] > 0


def test_oscillator_flagged_point_prints_null_and_fails():
    # f_B ~ 1e295 is finite, the powers are not: the library flags the point (status nonfinite)
    proc = _run("jaxqtm.cli", "oscillator", "--Omega", "1e5", "--r", "60")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    obs = _strict_json(proc.stdout)["observables"]
    assert obs["status"] != 0 and obs["result"] == "nonfinite" and obs["P_B"] is None
    (line,) = _message_lines(proc.stderr)
    assert line.startswith("jaxqtm oscillator: flagged point: status ") and "nonfinite" in line


def test_oscillator_decoupled_bath_is_never_a_silent_nan():
    # gamma1 = 0: rejected at the boundary (rc 2, no JSON), or computed and flagged (Q = 0/0 printed
    # as null, rc 1); both are fine, "ok" with NaN is not
    proc = _run("jaxqtm.cli", "oscillator", "--gamma1", "0")
    assert proc.returncode in (1, 2) and "Traceback" not in proc.stderr and "NaN" not in proc.stdout
    (line,) = _message_lines(proc.stderr)
    assert line.startswith("jaxqtm oscillator: ")
    if proc.returncode == 1:
        assert _strict_json(proc.stdout)["observables"]["Q_PA"] is None
    else:
        assert line.startswith("jaxqtm oscillator: error: ") and proc.stdout == ""


# {out}: a fresh directory name; {bad}: a path that cannot be created (its parent is a file)
@pytest.mark.parametrize(
    "script, argv, fragments",
    [
        ("examples.seed001.figures", ["--out", "{out}", "--quick", "--n", "0"], ["--n", "0", ">= 2"]),
        ("examples.seed001.figures", ["--out", "{out}", "--n", "-3"], ["--n", "-3", ">= 2"]),
        ("examples.seed001.figures", ["--out", "{out}", "--n", "many"], ["--n", "'many'"]),
        ("examples.seed001.figures", ["--out", "{bad}"], ["--out", "cannot create"]),
        ("examples.gallery", ["--out", "{out}", "--only", "nonsense"], ["--only", "'nonsense'", "001-appendix"]),
        ("examples.gallery", ["--out", "{out}", "--only", ""], ["--only", "empty"]),
        ("examples.gallery", ["--out", "{bad}"], ["--out"]),
        ("examples.seed002.figures", ["--out", "{bad}"], ["--out"]),
        ("examples.seed003.coherence_figures", ["--out", "{bad}", "--quick"], ["--out"]),
        ("examples.seed003.fcs_figures", ["--out", "{bad}"], ["--out"]),
        ("examples.seed004.figures", ["--out", "{out}", "--figs", "2,3"], ["--figs", "'3'", "2, 4, 6, 8"]),
        ("examples.seed004.figures", ["--quick"], ["--out", "required"]),
    ],
)
def test_example_script_bad_argument_is_one_error_line(tmp_path, script, argv, fragments):
    (tmp_path / "file").write_text("")
    out, bad = tmp_path / "out", tmp_path / "file" / "out"
    proc = _run(script, *(a.format(out=out, bad=bad) for a in argv))
    _assert_one_error(proc, f"python -m {script}", *fragments)
    assert not out.exists()  # a rejected command line creates nothing


def test_strict_json_replaces_every_non_finite_float():
    from jaxqtm.cli import _strict

    nan, inf = float("nan"), float("inf")
    got = _strict({"a": [1.0, nan, (-inf, 2)], "b": {"c": {"d": inf}}, "s": "NaN", "n": None})
    assert got == {"a": [1.0, None, [None, 2]], "b": {"c": {"d": None}}, "s": "NaN", "n": None}
    assert _strict_json(json.dumps(got, allow_nan=False)) == got
