"""How many points one compiled call evaluates: the one chunking concept of jaxqtm.

Used for the point axis of :func:`jaxqtm.sweep.sweep` and for the time axis of
:mod:`jaxqtm.reservoirs` (``EnergeticsOptions(chunk=...)``):

- :class:`Fixed` ``(n)``: exactly ``n`` points per call.
- :class:`Auto` ``(memory_budget=...)``: the largest chunk whose *compiled* program fits the
  budget.  It reads XLA's own accounting (``compiled.memory_analysis()``: arguments + outputs +
  temporaries, per device) instead of guessing: it compiles a small probe chunk, scales the
  per-point cost to the budget, compiles the candidate and halves it until the compiler's
  figure fits.  The probe overestimates the per-point cost (it includes the fixed overhead),
  so the first candidate usually fits.
- :class:`ArrayBudget` ``(bytes_per_array=...)``: an analytic rule without compiling: the
  largest per-point array of one chunk (e.g. a ``(chunk, N, N)`` complex matrix stack) stays
  within the budget.  The reservoirs' default (32 MiB per array, 8 to 256 times).

A caller asks ``chunking.choose(n_points, measure=..., point_bytes=..., n_devices=...)`` for
the chunk size; ``measure(size)`` compiles the chunk program at ``size`` and returns its bytes
per device (only :class:`Auto` calls it), ``point_bytes()`` returns the bytes of the largest
per-point array (only :class:`ArrayBudget` calls it).
"""

from __future__ import annotations

import abc
import os
from collections.abc import Callable

import equinox as eqx


def _round_up(n, m):
    return -(-n // m) * m


def _check_count(value, what: str, lo: int = 1):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an integer, got {value!r} ({type(value).__name__})")
    if value < lo:
        raise ValueError(f"{what} = {value} is outside its allowed range >= {lo}")


class AbstractChunking(eqx.Module):
    """Chooses the number of points per compiled call."""

    @abc.abstractmethod
    def choose(
        self,
        n_points: int,
        *,
        measure: Callable[[int], int] | None = None,
        point_bytes: Callable[[], int] | None = None,
        n_devices: int = 1,
        devices=None,
    ) -> int:
        """Points per chunk: a multiple of ``n_devices``, at most ``n_points`` rounded up to it.

        **Arguments:**
        - ``n_points``: points to evaluate in all.
        - ``measure(size)``: bytes per device of the compiled chunk program at ``size``.
        - ``point_bytes()``: bytes of the largest per-point array of the chunk program.
        - ``n_devices``: devices the point axis is sharded over; ``devices``: those devices
          (for the default memory budget).
        """


class Fixed(AbstractChunking):
    """Exactly ``size`` points per compiled call (fewer if there are fewer points; rounded up to a
    multiple of the device count)."""

    size: int = eqx.field(static=True)

    def __check_init__(self):
        _check_count(self.size, "Fixed(size)")

    def choose(self, n_points, *, measure=None, point_bytes=None, n_devices=1, devices=None):
        return _round_up(min(self.size, _round_up(n_points, n_devices)), n_devices)


def default_memory_budget(devices) -> int:
    """Per-device budget when none is given: half the accelerator memory (``bytes_limit`` from
    ``memory_stats``), or on CPU a quarter of physical RAM shared by the host devices."""
    if not devices:
        import jax

        devices = [jax.devices()[0]]
    dev = devices[0]
    try:
        stats = dev.memory_stats() or {}
    except Exception:  # noqa: BLE001 - CPU backends may not implement memory_stats
        stats = {}
    if stats.get("bytes_limit"):
        return int(stats["bytes_limit"] * 0.5)
    try:
        ram = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        ram = 8 << 30
    return int(ram * 0.25 / max(1, len(devices)))


class Auto(AbstractChunking):
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
        if self.memory_budget is not None:
            b = self.memory_budget
            if isinstance(b, bool) or not isinstance(b, int) or b <= 0:
                raise ValueError(
                    f"Auto(memory_budget) must be a positive integer number of bytes, got {self.memory_budget!r}"
                )
        _check_count(self.max_chunk, "Auto(max_chunk)")
        _check_count(self.probe, "Auto(probe)")

    def budget(self, devices=None) -> int:
        """The budget in bytes per device (``memory_budget`` or the default for ``devices``)."""
        return self.memory_budget or default_memory_budget(devices)

    def choose(self, n_points, *, measure=None, point_bytes=None, n_devices=1, devices=None):
        if measure is None:
            raise TypeError("Auto chunking needs measure(size) (the compiled program's bytes)")
        budget = self.budget(devices)
        cap = _round_up(min(self.max_chunk, n_points), n_devices)
        size = _round_up(min(self.probe, cap), n_devices)
        nbytes = measure(size)
        too_small = (
            f"memory_budget={budget} bytes is too small: one point per device needs {{}} bytes "
            "(compiled program: arguments + outputs + temporaries)"
        )
        if nbytes > budget:
            if size == n_devices:
                raise ValueError(too_small.format(nbytes))
        else:
            per_point = nbytes / size  # overestimate: includes the fixed overhead
            cand = max(n_devices, min(cap, int(budget // max(per_point, 1e-30)) // n_devices * n_devices))
            if cand <= size:
                return size
            size = cand
            nbytes = measure(size)
        while nbytes > budget:
            if size <= n_devices:
                raise ValueError(too_small.format(nbytes))
            size = max(n_devices, (size // 2) // n_devices * n_devices)
            nbytes = measure(size)
        return size


class ArrayBudget(AbstractChunking):
    """Chunk from an analytic memory rule, without compiling: the largest per-point array of one
    chunk (``chunk * point_bytes()`` bytes) stays within ``bytes_per_array``; the chunk is then
    clipped to ``[min_chunk, max_chunk]``.

    The default of :mod:`jaxqtm.reservoirs` (32 MiB per ``(chunk, N, N)`` complex array,
    between 8 and 256 times).  For :func:`jaxqtm.sweep.sweep` the per-point arrays are the
    kernel's arguments and outputs (its temporaries are not counted: use :class:`Auto` when
    they dominate).
    """

    bytes_per_array: int = eqx.field(static=True, default=32 << 20)
    min_chunk: int = eqx.field(static=True, default=8)
    max_chunk: int = eqx.field(static=True, default=256)

    def __check_init__(self):
        _check_count(self.bytes_per_array, "ArrayBudget(bytes_per_array)")
        _check_count(self.min_chunk, "ArrayBudget(min_chunk)")
        _check_count(self.max_chunk, "ArrayBudget(max_chunk)")
        if self.min_chunk > self.max_chunk:
            raise ValueError(f"ArrayBudget needs min_chunk <= max_chunk, got {self.min_chunk} > {self.max_chunk}")

    def choose(self, n_points, *, measure=None, point_bytes=None, n_devices=1, devices=None):
        if point_bytes is None:
            raise TypeError("ArrayBudget chunking needs point_bytes() (bytes of the largest per-point array)")
        size = int(max(self.min_chunk, min(self.max_chunk, self.bytes_per_array // max(1, int(point_bytes())))))
        return _round_up(min(size, _round_up(n_points, n_devices)), n_devices)


__all__ = ["AbstractChunking", "ArrayBudget", "Auto", "Fixed", "default_memory_budget"]
