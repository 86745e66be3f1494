"""Progress meters for the long host-side loops of jaxqtm (sweep chunks, Pareto-front segments).

A meter is a strategy object passed as ``progress_meter=`` (as in diffrax and dynamiqs):

- :class:`TextProgressMeter` (the default) prints one line per event to stderr;
- :class:`NoProgressMeter` prints nothing;
- :class:`CallbackProgressMeter` hands every event to a callable (logging, a progress bar,
  stopping a run by raising from the callback).

An event is a dict with at least ``task`` (``"sweep"``, ``"pareto_front"``), ``event``
(``"compile"`` before each compilation that can take long, with ``what`` and ``cache``;
``"start"``, then one ``"chunk"`` / ``"segment"`` per finished piece, then ``"end"``) and
``message`` (the line the text meter prints); every other key is task-specific and documented
by the entry point that emits it.  The loop itself runs in Python between compiled programs, so
meters are plain host code (no callbacks inside ``jit``).
"""

from __future__ import annotations

import abc
import sys
from collections.abc import Callable
from typing import Any

import equinox as eqx

from ._config import compilation_cache_dir


class AbstractProgressMeter(eqx.Module):
    """Receives the progress events of one run (see the module docstring for their keys)."""

    @abc.abstractmethod
    def __call__(self, info: dict[str, Any]) -> None: ...


class NoProgressMeter(AbstractProgressMeter):
    """Reports nothing."""

    def __call__(self, info: dict[str, Any]) -> None:
        return None


class TextProgressMeter(AbstractProgressMeter):
    """Prints ``[task] message`` for every event to stderr (flushed: visible in batch logs)."""

    def __call__(self, info: dict[str, Any]) -> None:
        print(
            f"[{info.get('task', 'jaxqtm')}] {info.get('message', info.get('event', ''))}", file=sys.stderr, flush=True
        )


class CallbackProgressMeter(AbstractProgressMeter):
    """Calls ``callback(info)`` for every event; an exception raised by the callback stops the run
    (a checkpointed run then resumes from its last finished piece)."""

    callback: Callable[[dict[str, Any]], None] = eqx.field(static=True)

    def __check_init__(self):
        if not callable(self.callback):
            raise TypeError(f"CallbackProgressMeter needs a callable, got {type(self.callback).__name__}")

    def __call__(self, info: dict[str, Any]) -> None:
        self.callback(info)


def compile_event(task: str, what: str, **extra) -> dict[str, Any]:
    """The ``"compile"`` event sent before a long compilation, saying what compiles and whether
    the next run can load it from the persistent compilation cache (see :mod:`jaxqtm._config`)."""
    cache = compilation_cache_dir()
    where = f"cached in {cache} for the next run" if cache else "no compilation cache (JAXQTM_CACHE_DIR=0)"
    return dict(task=task, event="compile", what=what, cache=cache, message=f"compiling {what} ({where}) ...", **extra)


def check_progress_meter(meter) -> AbstractProgressMeter:
    """``meter`` if it is a progress meter, else ``TypeError`` naming the choices."""
    if not isinstance(meter, AbstractProgressMeter):
        raise TypeError(
            "progress_meter must be TextProgressMeter(), NoProgressMeter() or CallbackProgressMeter(fn); "
            f"got {type(meter).__name__}"
        )
    return meter


__all__ = ["AbstractProgressMeter", "CallbackProgressMeter", "NoProgressMeter", "TextProgressMeter"]
