"""Shared command-line pieces of the example scripts: argparse ``type=`` functions and the common
``--out DIR [--quick]`` parser.

A bad value becomes an argparse error (the usage, then one line ``prog: error: argument --n: ...``,
exit status 2) while the arguments are parsed, before any JAX work starts; an output directory that
cannot be created is one too.
"""

from __future__ import annotations

import argparse
import os


def count(minimum: int = 1):
    """``type=`` for an integer count ``>= minimum`` (0 is an error, never "use the default")."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is outside its allowed range: an integer >= {minimum}")
        return value

    return parse


positive_int = count(1)


def subset(choices):
    """``type=`` for a non-empty comma-separated subset of ``choices`` (strings); returns a list in
    the order given, without repeats."""
    choices = tuple(choices)

    def parse(text):
        items = [s.strip() for s in text.split(",") if s.strip()]
        if not items:
            raise argparse.ArgumentTypeError(f"empty selection (choose from {', '.join(choices)})")
        for s in items:
            if s not in choices:
                raise argparse.ArgumentTypeError(f"invalid choice: {s!r} (choose from {', '.join(choices)})")
        return list(dict.fromkeys(items))

    return parse


def make_output_dir(path) -> str | None:
    """Create the directory ``path`` if missing; ``None`` on success, else what is wrong (one line)."""
    if os.path.exists(path) and not os.path.isdir(path):
        return f"{path!r} exists and is not a directory"
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as e:
        return f"cannot create directory {path!r}: {e.strerror}"
    if not os.access(path, os.W_OK | os.X_OK):
        return f"directory {path!r} is not writable"
    return None


class _FigureParser(argparse.ArgumentParser):
    # --out is created after every argument parsed: a bad --n leaves no directory behind
    def parse_args(self, args=None, namespace=None):
        ns = super().parse_args(args, namespace)
        problem = make_output_dir(ns.out)
        if problem:
            self.error(f"argument --out: {problem}")
        return ns


def figure_parser(
    prog: str, description: str | None = None, *, out_default: str | None = None, **kwargs
) -> argparse.ArgumentParser:
    """An ``ArgumentParser`` with ``--out DIR`` (required unless ``out_default`` is given) and
    ``--quick``; scripts add their own options. Its ``parse_args`` creates ``--out`` (an argparse
    error if that fails, see :func:`make_output_dir`)."""
    p = _FigureParser(prog=prog, description=description, **kwargs)
    p.add_argument(
        "--out",
        required=out_default is None,
        default=out_default,
        help="output directory (created)" + ("" if out_default is None else f"; default {out_default}"),
    )
    p.add_argument("--quick", action="store_true", help="coarse grids and fewer points (CI)")
    return p


def pyplot():
    """matplotlib's ``pyplot`` on the non-interactive Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
