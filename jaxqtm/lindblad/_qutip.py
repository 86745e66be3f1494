"""QuTiP interoperability: turn an existing QuTiP script into a differentiable model."""

from __future__ import annotations

import numpy as np

from ._model import LindbladModel, lindblad_model


def from_qutip(h, c_ops=(), *, charges=None, channels=None) -> LindbladModel:
    """Model from a QuTiP Hamiltonian and collapse operators.

    QuTiP's collapse operators carry their rate inside (``sqrt(rate) * a``);
    they become jump operators with rate 1 (same generator).  ``h`` and each
    ``c_op`` may be ``Qobj`` or arrays.  Subsystem dimensions are taken from the
    ``Qobj``.  QuTiP itself is only needed to create the inputs.
    """
    ops = list(c_ops)
    if any(type(c).__name__ == "QobjEvo" for c in [h, *ops]):
        raise ValueError("time-dependent QobjEvo inputs are not supported; pass constant Qobj")
    for k, c in enumerate(ops):
        if type(c).__name__ == "Qobj" and c.issuper:
            raise ValueError(f"c_ops[{k}] is a superoperator; pass collapse operators")
    return lindblad_model(h, ops, np.ones(len(ops)), charges=charges, channels=channels)
