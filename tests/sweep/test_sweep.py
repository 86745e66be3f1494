"""The sweep API: correctness against direct evaluation, resume after a real kill, sharding over 4
forced host devices, memory budget, status flags, open output formats, input validation."""

import json
import os
import signal
import subprocess
import sys
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxqtm.sweep import (STATUS_FAILED, STATUS_NONFINITE, Auto, Fixed, Grid, Zip, load, sweep)

from ._kernels import ohmic_heat, thermal_oscillator

HERE = os.path.dirname(__file__)
WORKER = os.path.join(HERE, "_worker.py")


def _env(**extra):
    env = dict(os.environ)
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env.update(extra)
    return env


def test_grid_matches_closed_form_and_flags_bad_points():
    om, ts = np.linspace(0.1, 3.0, 9), np.r_[np.geomspace(0.01, 5.0, 6), 0.0, -1.0]
    res = sweep(thermal_oscillator, Grid(omega=om, T=ts), chunk=Fixed(10), progress=False)  # 72 points, padded
    assert res.shape == (9, 8) and res.dims == ("omega", "T")
    w, t = np.meshgrid(om, ts, indexing="ij")
    good = t > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        ref = 1.0 / np.tanh(w / (2 * t)) / (2 * w)  # independent numpy evaluation
    np.testing.assert_allclose(res["x2"][good], ref[good], rtol=1e-14)
    assert np.all(res.status[~good] == 1) and np.all(np.isnan(res["x2"][~good]))
    np.testing.assert_array_equal(res.ok, good)
    assert res.meta["status_counts"] == {"0": int(good.sum()), "1": int((~good).sum())}
    assert res.meta["chunk"]["n_chunks"] == 8 and res.meta["chunk"]["size"] == 10


def test_zip_axes_and_per_point_vector_parameters():
    # Zip advances T1, T2 together; `c` carries a (3,) vector per point
    def k(T1, T2, c, scale):
        return dict(s=scale * (T1 - T2) * jnp.sum(c), v=c * T1)

    cs = np.arange(12.0).reshape(4, 3)
    g = Grid(Zip(name="temps", T1=[1.0, 2.0], T2=[0.5, 0.25]), c=cs)
    res = sweep(k, g, fixed=dict(scale=2.0), chunk=Fixed(3), progress=False)
    assert res.shape == (2, 4) and res["v"].shape == (2, 4, 3)
    ref = 2.0 * (np.array([0.5, 1.75])[:, None]) * cs.sum(1)[None, :]
    np.testing.assert_array_equal(res["s"], ref)
    np.testing.assert_array_equal(res["v"][1], cs * 2.0)
    assert res.coords["T2"][0] == "temps" and res.meta["fixed"] == {"scale": 2.0}


def full_observables(Omega, T):
    import jaxqtm.oscillators as osc

    m, d = osc.paper_machine(T1=T, T2=T, omega_c=1.2)
    return osc.observables(m, d, Omega, isothermal=True)


def test_oscillator_sweep_equals_direct_calls_and_rebuilds_the_module():
    import jaxqtm.oscillators as osc

    om, ts = np.geomspace(0.1, 300.0, 4), np.array([0.05, 0.4, -0.1])
    res = sweep(full_observables, Grid(Omega=om, T=ts), chunk=Fixed(6), progress=False)
    ob = res.outputs  # the kernel's Observables module, every field shaped (4, 3, ...)
    assert isinstance(ob, osc.Observables) and ob.Q_l.shape == (4, 3, 2) and ob.pearson.shape == (4, 3, 2, 2)
    for i, o in enumerate(om):
        for j, t in enumerate(ts[:2]):
            m, d = osc.paper_machine(T1=t, T2=t, omega_c=1.2)
            direct = osc.observables(m, d, o)  # concrete, validated, separately compiled path
            np.testing.assert_allclose(ob.Q_l[i, j], direct.Q_l, rtol=1e-12)
            np.testing.assert_allclose(ob.P_l[i, j], direct.P_l, rtol=1e-12)
    assert np.all(res.status[:, 2] == osc.STATUS_INVALID_PARAMETERS) and np.all(res.ok[:, :2])
    assert np.all(np.isnan(res["Q_l"][:, 2]))


def test_nonfinite_and_failed_chunks_are_flagged_not_fatal():
    # no status leaf: a NaN temperature gives NaN outputs -> STATUS_NONFINITE
    res = sweep(ohmic_heat, Grid(omega_c=[1.0, 2.0], T=[0.5, np.nan]), chunk=Fixed(2), progress=False)
    np.testing.assert_array_equal(res.status, [[0, STATUS_NONFINITE], [0, STATUS_NONFINITE]])

    # a chunk whose program raises (eqx.error_if on x > 5) is flagged; the other chunks are computed
    def k(x):
        return dict(y=eqx.error_if(x * 2.0, x > 5.0, "x too large"))

    res = sweep(k, Grid(x=np.arange(8.0)), chunk=Fixed(3), progress=False)
    np.testing.assert_array_equal(res.status, [0, 0, 0, 0, 0, 0, STATUS_FAILED, STATUS_FAILED])
    np.testing.assert_array_equal(res["y"][:6], 2.0 * np.arange(6.0))
    assert np.all(np.isnan(res["y"][6:])) and "x too large" in res.meta["failed_chunks"]["2"]
    with pytest.raises(Exception, match="x too large"):
        sweep(k, Grid(x=np.arange(8.0)), chunk=Fixed(3), progress=False, on_error="raise")


def test_memory_budget_respected_on_a_grid_that_does_not_fit_in_one_piece():
    budget = 3 << 20  # 3 MiB per device
    g = Grid(omega_c=np.linspace(0.5, 2.0, 40), T=np.linspace(0.1, 1.0, 50))  # 2000 points
    whole = jax.jit(jax.vmap(lambda p: ohmic_heat(**p))).lower(
        {k: jax.ShapeDtypeStruct((g.size,), jnp.float64) for k in ("omega_c", "T")}).compile().memory_analysis()
    whole_bytes = whole.argument_size_in_bytes + whole.output_size_in_bytes + whole.temp_size_in_bytes
    assert whole_bytes > 5 * budget  # the grid in one piece would not fit
    seen = []
    res = sweep(ohmic_heat, g, chunk=Auto(memory_budget=budget), progress=lambda i: seen.append(i))
    ch = res.meta["chunk"]
    assert ch["bytes_per_chunk_per_device"] <= budget and ch["n_chunks"] > 4
    assert ch["size"] * whole_bytes / g.size > 0.3 * budget  # and it is not needlessly small
    assert [i["chunk"] for i in seen if i["event"] == "chunk"] == list(range(ch["n_chunks"]))
    ref = sweep(ohmic_heat, g, chunk=Fixed(g.size), progress=False)
    np.testing.assert_allclose(res["heat"], ref["heat"], rtol=1e-13)
    # the quantity itself against scipy's adaptive quadrature at two grid points (trapezoid error <= 3e-4 at the coldest point)
    from scipy.integrate import quad

    for i, j in ((3, 7), (35, 44)):
        wc, t = g.axes[0].values["omega_c"][i], g.axes[1].values["T"][j]
        v, _ = quad(lambda w: w**2 * np.exp(-w / wc) / np.expm1(w / t), 0, 60 * wc, limit=200)
        np.testing.assert_allclose(res["heat"][i, j], v, rtol=5e-4)
    with pytest.raises(ValueError, match="memory_budget"):
        sweep(ohmic_heat, g, chunk=Auto(memory_budget=1000), progress=False)


def test_resume_after_kill_equals_uninterrupted(tmp_path):
    out = str(tmp_path / "killed")
    proc = subprocess.Popen([sys.executable, WORKER, "killable", out], env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    chunks = os.path.join(out, "chunks")
    t0 = time.time()
    while time.time() - t0 < 120:
        if os.path.isdir(chunks) and len([f for f in os.listdir(chunks) if f.endswith(".npz")]) >= 3:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)  # a hard kill, no cleanup
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    n_done = len([f for f in os.listdir(chunks) if f.endswith(".npz")])
    assert 3 <= n_done < 12 and not os.path.exists(os.path.join(out, "meta.json"))

    sys.path.insert(0, HERE)
    from _worker import KILL_GRID

    seen = []
    resumed = sweep(thermal_oscillator, Grid(**KILL_GRID), chunk=Fixed(8), out=out, progress=seen.append)
    assert resumed.meta["resumed_chunks"] == n_done
    assert [i["chunk"] for i in seen if i["event"] == "chunk"] == list(range(n_done, 12))
    full = sweep(thermal_oscillator, Grid(**KILL_GRID), chunk=Fixed(8), out=str(tmp_path / "full"), progress=False)
    for k in full.arrays:
        np.testing.assert_array_equal(resumed[k], full[k])  # bit-identical (NaNs at the same places)
    np.testing.assert_array_equal(resumed.status, full.status)
    loaded = load(out)
    np.testing.assert_array_equal(loaded["energy"], full["energy"])
    # running it again computes nothing
    again = sweep(thermal_oscillator, Grid(**KILL_GRID), chunk=Fixed(8), out=out, progress=False)
    assert again.meta["resumed_chunks"] == 12 and again.meta["timing"]["points_computed"] == 0
    # a different grid in the same directory is refused, resume=False overwrites
    with pytest.raises(ValueError, match="different sweep"):
        sweep(thermal_oscillator, Grid(omega=[1.0], T=[1.0]), out=out, progress=False)
    r = sweep(thermal_oscillator, Grid(omega=[1.0], T=[1.0]), out=out, resume=False, progress=False)
    assert r.meta["resumed_chunks"] == 0 and len(os.listdir(chunks)) == 1


def test_sharded_over_four_forced_host_devices_equals_unsharded(tmp_path):
    out = str(tmp_path / "sharded.npz")
    subprocess.run([sys.executable, WORKER, "sharded", out], check=True, timeout=300,
                   env=_env(XLA_FLAGS="--xla_force_host_platform_device_count=4"))
    z = np.load(out)
    assert list(z["devices"]) == ["cpu:0", "cpu:1", "cpu:2", "cpu:3"] and int(z["batch"]) % 4 == 0
    for k in z.files:
        for pre in ("sharded_", "osc_sharded_"):
            if k.startswith(pre):
                np.testing.assert_array_equal(z[k], z[pre.replace("sharded", "single") + k[len(pre):]], err_msg=k)
    assert np.all(z["osc_status"][:, -1] == 1) and np.all(z["osc_status"][:, :-1] == 0)


def test_two_processes_joined_by_jax_distributed_equal_one(tmp_path):
    """Multi-host path on one machine: two processes, jax.distributed (gloo CPU collectives), one
    global mesh of their devices; both get the all-gathered result, process 0 writes `out`."""
    import socket

    with socket.socket() as s:
        s.bind(("localhost", 0))
        port = str(s.getsockname()[1])
    out = str(tmp_path / "mh")
    procs = [subprocess.Popen([sys.executable, WORKER, "multihost", out, str(i), port], env=_env(),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for i in (0, 1)]
    texts = []
    for p in procs:
        try:
            texts.append(p.communicate(timeout=240)[0])
        finally:
            p.kill()
    for i, t in enumerate(texts):
        assert f"RESULT pid={i} processes=2 devices=2 equal=True" in t, t[-2000:]
    meta = json.load(open(os.path.join(out, "meta.json")))
    assert meta["process_count"] == 2 and len(meta["devices"]) == 2


def test_outputs_json_npy_and_netcdf(tmp_path):
    xr = pytest.importorskip("xarray")
    out = str(tmp_path / "run")
    res = sweep(thermal_oscillator, Grid(omega=[0.5, 1.0, 2.0], T=[0.1, 1.0]), chunk=Fixed(4), out=out,
                netcdf=True, progress=False)
    meta = json.load(open(os.path.join(out, "meta.json")))
    assert meta["jaxqtm_version"] and meta["jax_version"] == jax.__version__ and meta["x64"] is True
    assert meta["grid"]["axes"][0]["omega"] == [0.5, 1.0, 2.0] and meta["grid"]["dims"] == ["omega", "T"]
    np.testing.assert_array_equal(np.load(os.path.join(out, "arrays", "x2.npy")).reshape(3, 2), res["x2"])
    ds = xr.open_dataset(os.path.join(out, "result.nc"))
    np.testing.assert_array_equal(ds["x2"].values, res["x2"])
    np.testing.assert_array_equal(ds["omega"].values, [0.5, 1.0, 2.0])
    assert json.loads(ds.attrs["jaxqtm_meta"])["kernel"].endswith("thermal_oscillator")
    np.testing.assert_array_equal(res.to_xarray()["x2"].sel(omega=1.0, T=0.1).values, res["x2"][1, 0])
    ds.close()


def test_kernel_compiled_once_per_chunk_shape():
    traces = []

    def k(x):
        traces.append(1)
        return dict(y=jnp.sin(x))

    sweep(k, Grid(x=np.linspace(0, 1, 50)), chunk=Fixed(7), progress=False)  # 8 chunks, the last padded
    assert len(traces) == 1
    # the same kernel and chunk shape on new parameter values reuses the compiled program
    r = sweep(k, Grid(x=np.linspace(1, 2, 20)), chunk=Fixed(7), progress=False)
    assert len(traces) == 1 and r.meta["timing"]["compile_s"] == 0.0
    np.testing.assert_array_equal(r["y"], np.sin(np.linspace(1, 2, 20)))
    sweep(k, Grid(x=np.linspace(1, 2, 20)), chunk=Fixed(5), progress=False)  # a new chunk shape compiles
    assert len(traces) == 2


def test_validation_errors_name_the_parameter():
    g = Grid(x=[1.0, 2.0])
    with pytest.raises(ValueError, match="same length"):
        Zip(a=[1.0, 2.0], b=[1.0])
    with pytest.raises(ValueError, match="more than one Grid axis"):
        Grid(Zip(a=[1.0]), a=[2.0])
    with pytest.raises(ValueError, match="'x'.*leading sweep axis"):
        Grid(x=1.0)
    with pytest.raises(ValueError, match="both swept and fixed"):
        sweep(lambda x: x, g, fixed=dict(x=1.0))
    with pytest.raises(ValueError, match="Fixed\\(size\\)"):
        Fixed(0)
    with pytest.raises(ValueError, match="memory_budget"):
        Auto(memory_budget=-5)
    with pytest.raises(ValueError, match="on_error"):
        sweep(lambda x: x, g, on_error="ignore")
    with pytest.raises(ValueError, match="devices"):
        sweep(lambda x: x, g, devices=[])
    with pytest.raises(ValueError, match="identifiers"):
        Grid(**{"not a name": [1.0]})
