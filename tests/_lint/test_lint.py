"""The CI's first stage, inside the test command: lint, format and type checks.

ruff (lint + format) and pyright (basic mode, ``jaxqtm/``) as configured in
``pyproject.toml``; the ``test`` extra pins both, so every machine checks with the same
versions.  The directory name sorts first, so these run before the physics tests.
"""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.parametrize(
    "args",
    [["ruff", "check", "."], ["ruff", "format", "--check", "."], ["pyright"]],
    ids=["ruff-check", "ruff-format", "pyright"],
)
def test_tool_passes(args):
    r = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, f"{' '.join(args)} failed:\n{r.stdout[-6000:]}\n{r.stderr[-2000:]}"
