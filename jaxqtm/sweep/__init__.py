"""Batched parameter sweeps: memory-bounded chunks, progress, checkpoint/resume, per-point status
flags, open output formats, and multi-device / multi-host execution through JAX sharding.

    import numpy as np
    import jaxqtm.oscillators as osc
    from jaxqtm.sweep import Grid, Zip, Auto, Fixed, sweep

    def q_pa(Omega, T, omega_c):                       # pure kernel for ONE point
        m, d = osc.paper_machine(T1=T, T2=T, omega_c=omega_c)
        o = osc.observables(m, d, Omega, isothermal=True)
        return dict(Q_PA=o.Q_l[0], P_A=o.P_l[0], status=o.status)

    res = sweep(q_pa, Grid(Omega=np.logspace(-2, 3, 256), T=np.logspace(-2, 0.3, 256)),
                fixed=dict(omega_c=1.2), chunk=Auto(memory_budget=2 << 30), out="runs/fig3b")
    res["Q_PA"]          # (256, 256), res.ok / res.status flag bad points
    res.to_xarray()      # labelled arrays; res.to_netcdf("fig3b.nc")

**Axes.** ``Grid(**axes)`` is the cartesian product; ``Zip(T1=..., T2=...)`` advances several
parameters along one dimension; ``Grid(Zip(...), Omega=...)`` mixes both.

**Chunks.** ``vmap(fn)`` is jit-compiled once for one chunk shape (the last chunk is padded).
``Auto(memory_budget=bytes)`` picks the largest chunk whose compiled program (XLA's
``memory_analysis``: arguments + outputs + temporaries, per device) fits the budget; ``Fixed(n)``.

**Checkpoints.** With ``out=DIR`` each finished chunk is written atomically to ``DIR/chunks``;
running the same call again resumes (finished chunks are read, not recomputed) and the result is
bit-identical to an uninterrupted run. The final ``DIR/arrays/*.npy`` (memory-mapped) and
``DIR/meta.json`` (grid values, fixed parameters, kernel, jaxqtm/jax versions, devices, chunking,
timings, status counts) are open formats; ``netcdf=True`` adds ``DIR/result.nc``; ``load(DIR)``.

**Failures are data.** A kernel leaf named ``status`` (0 = ok) becomes ``result.status``; without
one, points with non-finite float outputs get ``STATUS_NONFINITE``; a chunk that raises gets
``STATUS_FAILED`` and NaN outputs (``on_error="raise"`` to stop instead), and is retried on resume.

**Several devices.** ``devices="all"`` (or a list) shards each chunk's point axis over a 1-D
``jax.sharding.Mesh`` with ``NamedSharding``; chunks are rounded to a multiple of the device
count. On one machine with several GPUs this uses them all. On a cluster, start one process per
host (or per GPU) and call ``jax.distributed.initialize()`` (arguments, or auto-detected under
SLURM / Open MPI / Kubernetes) before anything else touches JAX; then ``jax.devices()`` lists the
devices of every process and ``sweep(..., devices="all")`` spans all of them. Every process runs
the same call (the grid is built identically everywhere), results are all-gathered, process 0
writes ``out`` (put it on a shared filesystem so that a restarted job resumes). CPU-only
clusters need ``jax.config.update("jax_cpu_collectives_implementation", "gloo")`` before
``initialize``; ``tests/sweep`` runs two such processes on one machine and checks their joint
sweep against a single-process one. ``XLA_FLAGS=--xla_force_host_platform_device_count=4`` (set
before importing jax) gives 4 host devices on one CPU for testing.

**Compilation** is cached per (kernel object, fixed values, chunk shape, devices), as ``jax.jit``
caches per function: re-running a sweep on new grid values of the same shape does not recompile.
"""

from ._axes import Grid as Grid
from ._axes import Zip as Zip
from ._chunking import Auto as Auto
from ._chunking import ChunkStrategy as ChunkStrategy
from ._chunking import Fixed as Fixed
from ._chunking import default_memory_budget as default_memory_budget
from ._sweep import STATUS_FAILED as STATUS_FAILED
from ._sweep import STATUS_MESSAGES as STATUS_MESSAGES
from ._sweep import STATUS_NONFINITE as STATUS_NONFINITE
from ._sweep import STATUS_OK as STATUS_OK
from ._sweep import SweepResult as SweepResult
from ._sweep import load as load
from ._sweep import sweep as sweep
