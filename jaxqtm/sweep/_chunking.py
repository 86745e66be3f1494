"""How many points one compiled call evaluates: ``Fixed(n)`` or ``Auto(memory_budget=...)``.

``Auto`` reads XLA's own accounting of the compiled program
(``compiled.memory_analysis()``: arguments + outputs + temporaries, per device) instead of
guessing: it compiles a small probe chunk, scales the per-point cost to the budget, compiles the
candidate, and halves it until the compiler's figure fits. The probe overestimates the
per-point cost (it includes the fixed overhead), so the first candidate usually fits.
"""

from __future__ import annotations

import os

import equinox as eqx


class ChunkStrategy(eqx.Module):
    """Base class: ``choose(n_points, n_devices, compile_at) -> (size, compiled, bytes)``."""

    def choose(self, n_points, n_devices, compile_at, devices=None):
        raise NotImplementedError


def _round_up(n, m):
    return -(-n // m) * m


class Fixed(ChunkStrategy):
    """Exactly ``size`` points per compiled call (rounded up to a multiple of the device count)."""

    size: int = eqx.field(static=True)

    def __check_init__(self):
        if not isinstance(self.size, int) or isinstance(self.size, bool) or self.size < 1:
            raise ValueError(f"Fixed(size) needs an integer size >= 1, got {self.size!r}")

    def choose(self, n_points, n_devices, compile_at, devices=None):
        size = _round_up(min(self.size, _round_up(n_points, n_devices)), n_devices)
        compiled, nbytes = compile_at(size)
        return size, compiled, nbytes


def default_memory_budget(devices) -> int:
    """Per-device budget when none is given: half the accelerator memory (``bytes_limit`` from
    ``memory_stats``), or on CPU a quarter of physical RAM shared by the host devices."""
    dev = devices[0]
    try:
        stats = dev.memory_stats() or {}
    except Exception:  # CPU backends may not implement memory_stats
        stats = {}
    if stats.get("bytes_limit"):
        return int(stats["bytes_limit"] * 0.5)
    try:
        ram = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        ram = 8 << 30
    return int(ram * 0.25 / max(1, len(devices)))


class Auto(ChunkStrategy):
    """Largest chunk whose compiled program fits ``memory_budget`` bytes per device.

    **Arguments:**
    - ``memory_budget``: bytes per device for arguments + outputs + temporaries of one
      compiled chunk (XLA's ``memory_analysis``); default: half the accelerator memory, or a
      quarter of RAM on CPU.
    - ``max_chunk``: upper bound on points per chunk (keeps progress and checkpoints frequent).
    - ``probe``: points in the probe compilation.
    """

    memory_budget: int | None = eqx.field(static=True, default=None)
    max_chunk: int = eqx.field(static=True, default=65536)
    probe: int = eqx.field(static=True, default=16)

    def __check_init__(self):
        if self.memory_budget is not None and (not isinstance(self.memory_budget, int) or self.memory_budget <= 0):
            raise ValueError(f"Auto(memory_budget) must be a positive integer number of bytes, got {self.memory_budget!r}")
        if not isinstance(self.max_chunk, int) or self.max_chunk < 1:
            raise ValueError(f"Auto(max_chunk) must be an integer >= 1, got {self.max_chunk!r}")
        if not isinstance(self.probe, int) or self.probe < 1:
            raise ValueError(f"Auto(probe) must be an integer >= 1, got {self.probe!r}")

    def choose(self, n_points, n_devices, compile_at, devices=None):
        budget = self.memory_budget or default_memory_budget(devices)
        cap = _round_up(min(self.max_chunk, n_points), n_devices)
        size = _round_up(min(self.probe, cap), n_devices)
        compiled, nbytes = compile_at(size)
        if nbytes > budget:
            if size == n_devices:
                raise ValueError(f"memory_budget={budget} bytes is too small: one point per device needs "
                                 f"{nbytes} bytes (compiled program: arguments + outputs + temporaries)")
        else:
            per_point = nbytes / size  # overestimate: includes the fixed overhead
            cand = max(n_devices, min(cap, int(budget // max(per_point, 1e-30)) // n_devices * n_devices))
            if cand <= size:
                return size, compiled, nbytes
            size = cand
            compiled, nbytes = compile_at(size)
        while nbytes > budget:
            if size <= n_devices:
                raise ValueError(f"memory_budget={budget} bytes is too small: one point per device needs "
                                 f"{nbytes} bytes (compiled program: arguments + outputs + temporaries)")
            size = max(n_devices, (size // 2) // n_devices * n_devices)
            compiled, nbytes = compile_at(size)
        return size, compiled, nbytes
