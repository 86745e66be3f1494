"""One way of writing a figure with its data and parameters."""

from __future__ import annotations

import json
import os


def _jsonable(o):
    """``json.dump`` fallback: arrays and numpy/JAX scalars as lists/numbers, anything else as text."""
    if hasattr(o, "tolist"):
        return o.tolist()
    return str(o)


def save_figure(fig, out, name, data=None, params=None, *, dpi=120, close=True) -> str:
    """Write ``<out>/<name>.png``, and with them ``<name>.npz`` (``data``: a dict of arrays) and
    ``<name>.json`` (``params``: a JSON-able dict; arrays become lists) when given.

    Creates ``out`` if needed and closes ``fig`` unless ``close=False``. Returns the PNG path."""
    os.makedirs(out, exist_ok=True)
    png = os.path.join(out, f"{name}.png")
    fig.savefig(png, dpi=dpi)
    if close:
        import matplotlib.pyplot as plt

        plt.close(fig)
    if data is not None:
        import numpy as np

        np.savez(os.path.join(out, f"{name}.npz"), **data)
    if params is not None:
        with open(os.path.join(out, f"{name}.json"), "w") as fh:
            json.dump(params, fh, indent=1, default=_jsonable)
    return png
