"""Subprocess worker for the sweep tests: ``python -m tests.sweep._worker MODE OUT`` (repository root).

MODE ``killable``: a 12-chunk sweep that sleeps after each chunk (the parent kills it).
MODE ``sharded``: runs the same sweeps on 4 forced host devices and on one, saves both.
MODE ``multihost PID PORT``: one of two processes joined by ``jax.distributed`` (CPU, gloo).
"""

import sys
import time

import jax
import numpy as np

import jaxqtm  # noqa: F401
from jaxqtm.sweep import AllDevices, CallbackProgressMeter, Fixed, Grid, MeshDevices, NoProgressMeter, Zip, sweep
from tests.sweep._kernels import oscillator_qpa, thermal_oscillator

KILL_GRID = dict(omega=np.linspace(0.1, 3.0, 12), T=np.r_[np.geomspace(0.01, 5.0, 7), 0.0])


def killable(out):
    def slow(info):
        if info["event"] == "chunk":
            print(f"chunk {info['chunk']}", flush=True)
            time.sleep(0.4)

    sweep(thermal_oscillator, Grid(**KILL_GRID), chunk=Fixed(8), out=out, progress_meter=CallbackProgressMeter(slow))


def sharded(out):
    assert len(jax.devices()) == 4, jax.devices()
    g = Grid(Zip(T=np.geomspace(0.02, 2.0, 5)), omega=np.linspace(0.2, 3.0, 7))  # 35 points: padding
    a = sweep(thermal_oscillator, g, chunk=Fixed(8), devices=AllDevices(), progress_meter=NoProgressMeter())
    b = sweep(thermal_oscillator, g, chunk=Fixed(8), progress_meter=NoProgressMeter())
    go = Grid(Omega=np.geomspace(0.05, 500.0, 6), T=np.r_[np.geomspace(0.02, 1.5, 4), -1.0])  # 30 points
    mesh = jax.sharding.Mesh(np.asarray(jax.devices()).reshape(2, 2), ("a", "b"))  # points over both axes
    c = sweep(
        oscillator_qpa,
        go,
        fixed=dict(omega_c=1.2),
        chunk=Fixed(12),
        devices=MeshDevices(mesh),
        progress_meter=NoProgressMeter(),
    )
    d = sweep(oscillator_qpa, go, fixed=dict(omega_c=1.2), chunk=Fixed(12), progress_meter=NoProgressMeter())
    np.savez(
        out,
        **{f"sharded_{k}": v for k, v in a.arrays.items()},
        **{f"single_{k}": v for k, v in b.arrays.items()},
        **{f"osc_sharded_{k}": v for k, v in c.arrays.items()},
        **{f"osc_single_{k}": v for k, v in d.arrays.items()},
        devices=np.asarray(a.meta["devices"]),
        batch=a.meta["chunk"]["batch"],
        osc_codes=c.codes,
    )


def multihost(out, pid, port):
    g = Grid(omega=np.linspace(0.2, 3.0, 7), T=np.r_[np.geomspace(0.02, 2.0, 4), -1.0])  # 35 points
    r = sweep(thermal_oscillator, g, chunk=Fixed(8), devices=AllDevices(), out=out, progress_meter=NoProgressMeter())
    ref = sweep(thermal_oscillator, g, chunk=Fixed(8), progress_meter=NoProgressMeter())  # own device only
    same = all(np.array_equal(r[k], ref[k], equal_nan=True) for k in r.arrays)
    print(f"RESULT pid={pid} processes={jax.process_count()} devices={len(r.meta['devices'])} equal={same}", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "multihost":
        pid, port = int(sys.argv[3]), sys.argv[4]
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
        jax.distributed.initialize(coordinator_address=f"localhost:{port}", num_processes=2, process_id=pid)
        multihost(sys.argv[2], pid, port)
    else:
        {"killable": killable, "sharded": sharded}[sys.argv[1]](sys.argv[2])
