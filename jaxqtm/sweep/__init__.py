"""Batched parameter sweeps: memory-bounded chunks, progress, checkpoint/resume, per-point
``RESULTS`` codes, open output formats, and multi-device / multi-host execution through JAX sharding.

    import numpy as np
    import jaxqtm.reservoirs as rs
    from jaxqtm.sweep import AllDevices, Auto, Fixed, Grid, Zip, sweep

    ts = np.linspace(0.0, 50.0, 101)

    def heat(gamma, T2, omega2):                        # pure kernel for ONE point
        m = rs.all_to_all(4, 4, omega1=1.0, omega2=omega2, g=0.01, gamma=gamma, T1=2.0, T2=T2)
        e = rs.energetics(m, ts, throw=False)           # flagged, not raised, under vmap
        return dict(Q_md=e.side1.minimal_dissipation.Q[-1], Q_bare=e.side1.bare.Q[-1], result=e.result)

    res = sweep(heat, Grid(gamma=np.geomspace(1e-3, 0.1, 64), T2=np.linspace(0.1, 2.0, 64)),
                fixed=dict(omega2=0.9), chunk=Auto(memory_budget=2 << 30), out="runs/heat",
                devices=AllDevices())
    res["Q_md"]          # (64, 64); res.result / res.ok flag the failed points
    res.to_xarray()      # labelled arrays; res.to_netcdf("fig3b.nc")

**Axes.** ``Grid(**axes)`` is the cartesian product; ``Zip(T1=..., T2=...)`` advances several
parameters along one dimension; ``Grid(Zip(...), Omega=...)`` mixes both.

**Chunks.** ``vmap(fn)`` is jit-compiled once for one chunk shape (the last chunk is padded).
``Auto(memory_budget=bytes)`` picks the largest chunk whose compiled program (XLA's
``memory_analysis``: arguments + outputs + temporaries, per device) fits the budget; ``Fixed(n)``;
``ArrayBudget(bytes_per_array)`` (analytic, no compilation).  The same classes chunk the time axis
of ``jaxqtm.reservoirs`` (one chunking concept, ``AbstractChunking``).

**Checkpoints.** With ``out=DIR`` each finished chunk is written atomically to ``DIR/chunks``;
running the same call again resumes (finished chunks are read, not recomputed) and the result is
bit-identical to an uninterrupted run. The directory is tied to the kernel's *content*
(``jaxqtm._fingerprint``: its code, closed-over constants, defaults, referenced globals and helper
functions, not its name or line numbers): another kernel, or the same one edited, is refused with a
``ValueError`` saying what differs (``resume=False`` recomputes); a kernel holding objects that cannot
be read deterministically needs ``kernel_version=``. Each chunk file carries the dtype, shape and
sha256 of its arrays; a damaged, truncated or foreign chunk is named in a warning and recomputed,
never cast or broadcast; ``load(DIR, verify=True)`` checks the final arrays against ``meta.json``.
The final ``DIR/arrays/*.npy`` (memory-mapped) and
``DIR/meta.json`` (grid values, fixed parameters, kernel, jaxqtm/jax versions, devices, chunking,
timings, the RESULTS code table and the count of every code by name; the integer code of each point
in ``DIR/arrays/__result__.npy``) are open formats; ``netcdf=True`` adds ``DIR/result.nc``; ``load(DIR)``.

**Failures are data.** Every ``jaxqtm.RESULTS`` item anywhere in the kernel's output (a
component's result object, or ``result=first_failure(...)``) gives the point's ``result`` (first
failure wins); a kernel without one gets ``RESULTS.nonfinite`` where a float output is not finite;
a chunk that raises gets ``RESULTS.chunk_failed`` and NaN outputs, and is retried on resume.
``throw=True`` raises instead (the chunk's error, or ``jaxqtm.ResultError`` at the first failed
point).

**Several devices.** ``devices=AllDevices()`` (or ``MeshDevices(mesh)``, or a bare
``jax.sharding.Mesh``) shards each chunk's point axis over the mesh with ``NamedSharding``;
chunks are rounded to a multiple of the device count. On one machine with several GPUs this
uses them all. On a cluster, start one process per host (or per GPU) and call
``jax.distributed.initialize()`` (arguments, or auto-detected under SLURM / Open MPI /
Kubernetes) before anything else touches JAX; then ``jax.devices()`` lists the devices of every
process and ``sweep(..., devices=AllDevices())`` spans all of them. Every process runs the same
call (the grid is built identically everywhere), results are all-gathered, process 0 writes
``out`` (put it on a shared filesystem so that a restarted job resumes). CPU-only clusters need
``jax.config.update("jax_cpu_collectives_implementation", "gloo")`` before ``initialize``;
``tests/sweep`` runs two such processes on one machine and checks their joint sweep against a
single-process one. ``XLA_FLAGS=--xla_force_host_platform_device_count=4`` (set before
importing jax) gives 4 host devices on one CPU for testing.

**Progress.** ``progress_meter=TextProgressMeter()`` (default, stderr), ``NoProgressMeter()`` or
``CallbackProgressMeter(f)`` (shared with ``jaxqtm.optimize.pareto_front``).

**Compilation** is cached per (kernel object, fixed values, chunk shape, devices), as ``jax.jit``
caches per function: re-running a sweep on new grid values of the same shape does not recompile.
"""

from .._chunking import AbstractChunking as AbstractChunking
from .._chunking import ArrayBudget as ArrayBudget
from .._chunking import Auto as Auto
from .._chunking import Fixed as Fixed
from .._chunking import default_memory_budget as default_memory_budget
from .._progress import AbstractProgressMeter as AbstractProgressMeter
from .._progress import CallbackProgressMeter as CallbackProgressMeter
from .._progress import NoProgressMeter as NoProgressMeter
from .._progress import TextProgressMeter as TextProgressMeter
from ._axes import Grid as Grid
from ._axes import Zip as Zip
from ._devices import AbstractDevices as AbstractDevices
from ._devices import AllDevices as AllDevices
from ._devices import MeshDevices as MeshDevices
from ._devices import SingleDevice as SingleDevice
from ._sweep import SweepResult as SweepResult
from ._sweep import load as load
from ._sweep import result_table as result_table
from ._sweep import sweep as sweep
