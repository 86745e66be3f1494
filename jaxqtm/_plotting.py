"""Shared start of the ``python -m jaxqtm.<component>.figures`` scripts."""

from __future__ import annotations

import argparse
import os


def figure_script(argv=None, description: str | None = None):
    """Parse ``--out DIR [--quick]``, create DIR, select matplotlib's Agg backend.

    Returns ``(args, pyplot)``."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--out", required=True)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return args, plt
