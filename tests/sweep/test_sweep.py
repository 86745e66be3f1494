"""The sweep API: correctness against direct evaluation, resume after a real kill, sharding over 4
forced host devices, memory budget, RESULTS codes, open output formats, input validation."""

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

from jaxqtm._results import RESULTS, ResultError, codes, first_failure
from jaxqtm.sweep import (
    AllDevices,
    ArrayBudget,
    Auto,
    CallbackProgressMeter,
    Fixed,
    Grid,
    MeshDevices,
    NoProgressMeter,
    SingleDevice,
    Zip,
    load,
    sweep,
)

from ._kernels import ohmic_heat, thermal_oscillator

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# the worker runs as a module of the tests package, from the repository root (imports tests.*, examples.*)
WORKER = ["-m", "tests.sweep._worker"]
QUIET = NoProgressMeter()


def _env(**extra):
    env = dict(os.environ)
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def test_grid_matches_closed_form_and_flags_bad_points():
    om, ts = np.linspace(0.1, 3.0, 9), np.r_[np.geomspace(0.01, 5.0, 6), 0.0, -1.0]
    res = sweep(thermal_oscillator, Grid(omega=om, T=ts), chunk=Fixed(10), progress_meter=QUIET)  # 72 points, padded
    assert res.shape == (9, 8) and res.dims == ("omega", "T")
    w, t = np.meshgrid(om, ts, indexing="ij")
    good = t > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        ref = 1.0 / np.tanh(w / (2 * t)) / (2 * w)  # independent numpy evaluation
    np.testing.assert_allclose(res["x2"][good], ref[good], rtol=1e-14)
    assert np.all(res.codes[~good] == codes(RESULTS.invalid_parameters)) and np.all(np.isnan(res["x2"][~good]))
    np.testing.assert_array_equal(res.ok, good)
    np.testing.assert_array_equal(codes(res.result), res.codes)  # a RESULTS item over the grid
    assert res.meta["result_counts"] == {"successful": int(good.sum()), "invalid_parameters": int((~good).sum())}
    assert res.meta["chunk"]["n_chunks"] == 8 and res.meta["chunk"]["size"] == 10


def test_zip_axes_and_per_point_vector_parameters():
    # Zip advances T1, T2 together; `c` carries a (3,) vector per point
    def k(T1, T2, c, scale):
        return dict(s=scale * (T1 - T2) * jnp.sum(c), v=c * T1)

    cs = np.arange(12.0).reshape(4, 3)
    g = Grid(Zip(name="temps", T1=[1.0, 2.0], T2=[0.5, 0.25]), c=cs)
    res = sweep(k, g, fixed=dict(scale=2.0), chunk=Fixed(3), progress_meter=QUIET)
    assert res.shape == (2, 4) and res["v"].shape == (2, 4, 3)
    ref = 2.0 * (np.array([0.5, 1.75])[:, None]) * cs.sum(1)[None, :]
    np.testing.assert_array_equal(res["s"], ref)
    np.testing.assert_array_equal(res["v"][1], cs * 2.0)
    assert res.coords["T2"][0] == "temps" and res.meta["fixed"] == {"scale": 2.0}


def full_observables(Omega, T):
    import jaxqtm.oscillators as osc
    from examples.seed001.paper import paper_machine  # imported here: only the oscillator tests need it

    m, d = paper_machine(T1=T, T2=T, omega_c=1.2)
    return osc.observables(m, d, Omega, noise=osc.ExactIsothermal(), throw=False)


def test_oscillator_sweep_equals_direct_calls_and_rebuilds_the_module():
    import jaxqtm.oscillators as osc

    om, ts = np.geomspace(0.1, 300.0, 4), np.array([0.05, 0.4, -0.1])
    res = sweep(full_observables, Grid(Omega=om, T=ts), chunk=Fixed(6), progress_meter=QUIET)
    ob = res.outputs  # the kernel's Observables module, every field shaped (4, 3, ...)
    assert isinstance(ob, osc.Observables) and ob.Q_l.shape == (4, 3, 2) and ob.pearson.shape == (4, 3, 2, 2)
    for i, o in enumerate(om):
        for j, t in enumerate(ts[:2]):
            from examples.seed001.paper import paper_machine

            m, d = paper_machine(T1=t, T2=t, omega_c=1.2)
            direct = osc.observables(m, d, o)  # concrete, validated, separately compiled path
            np.testing.assert_allclose(ob.Q_l[i, j], direct.Q_l, rtol=1e-12)
            np.testing.assert_allclose(ob.P_l[i, j], direct.P_l, rtol=1e-12)
    assert np.all(res.codes[:, 2] == codes(RESULTS.invalid_parameters)) and np.all(res.ok[:, :2])
    assert isinstance(ob.result, type(RESULTS.successful))  # the kernel's own RESULTS item, rebuilt
    assert np.all(np.isnan(res["Q_l"][:, 2]))


def test_nonfinite_and_failed_chunks_are_flagged_not_fatal():
    # no RESULTS item: a NaN temperature gives NaN outputs -> RESULTS.nonfinite
    res = sweep(ohmic_heat, Grid(omega_c=[1.0, 2.0], T=[0.5, np.nan]), chunk=Fixed(2), progress_meter=QUIET)
    nf, cf = int(codes(RESULTS.nonfinite)), int(codes(RESULTS.chunk_failed))
    np.testing.assert_array_equal(res.codes, [[0, nf], [0, nf]])

    # a chunk whose program raises (eqx.error_if on x > 5) is flagged; the other chunks are computed
    def k(x):
        return dict(y=eqx.error_if(x * 2.0, x > 5.0, "x too large"))

    res = sweep(k, Grid(x=np.arange(8.0)), chunk=Fixed(3), progress_meter=QUIET)
    np.testing.assert_array_equal(res.codes, [0, 0, 0, 0, 0, 0, cf, cf])
    assert res.meta["result_counts"] == {"successful": 6, "chunk_failed": 2}
    np.testing.assert_array_equal(res["y"][:6], 2.0 * np.arange(6.0))
    assert np.all(np.isnan(res["y"][6:])) and "x too large" in res.meta["failed_chunks"]["2"]
    with pytest.raises(Exception, match="x too large"):
        sweep(k, Grid(x=np.arange(8.0)), chunk=Fixed(3), progress_meter=QUIET, throw=True)


class _Probe(eqx.Module):
    """A rotor-like result object: finite numbers, a RESULTS item, ``ok`` only as a property."""

    q: jax.Array
    eta: jax.Array
    result: RESULTS

    @property
    def ok(self):
        return codes(self.result) == 0


def _probe(L, gamma):
    # finite numbers everywhere; the truncation is "too small" for L < 3 and the rate invalid
    # for gamma < 0 (first failure wins: invalid_parameters before truncation_edge)
    res = first_failure((gamma < 0, RESULTS.invalid_parameters), (L < 3, RESULTS.truncation_edge))
    eta = jnp.where(gamma > 0.5, jnp.nan, gamma)  # NaN where a quantity is undefined: trusted, not "nonfinite"
    return _Probe(q=L * gamma + 1.0, eta=eta, result=res)


def test_any_results_item_flags_the_point_and_counts_go_to_meta(tmp_path):
    out = str(tmp_path / "probe")
    g = Grid(L=np.arange(1.0, 6.0), gamma=[-0.1, 0.2, 0.9])
    res = sweep(_probe, g, chunk=Fixed(4), out=out, progress_meter=QUIET)
    L, gam = np.meshgrid(np.arange(1.0, 6.0), [-0.1, 0.2, 0.9], indexing="ij")
    want = np.where(gam < 0, codes(RESULTS.invalid_parameters), np.where(L < 3, codes(RESULTS.truncation_edge), 0))
    np.testing.assert_array_equal(res.codes, want)
    assert np.all(np.isfinite(res["q"])) and not res.ok[0, 1]  # finite numbers, still failed
    assert res.ok[4, 2] and np.isnan(res["eta"][4, 2])  # the kernel's NaN at a successful point is kept
    ob = res.outputs  # the kernel's Module, its RESULTS field rebuilt from the saved codes
    assert isinstance(ob, _Probe) and ob.q.shape == (5, 3)
    np.testing.assert_array_equal(np.asarray(ob.ok), res.ok)
    counts = {"successful": int((want == 0).sum()), "invalid_parameters": 5, "truncation_edge": 4}
    assert res.meta["result_counts"] == counts
    meta = json.load(open(os.path.join(out, "meta.json")))
    assert meta["result_counts"] == counts and meta["results"] == ["result"]
    table = meta["result_codes"]  # code -> name and message, to read the saved codes without jaxqtm
    te = table[str(int(codes(RESULTS.truncation_edge)))]
    assert table["0"] == dict(name="successful", message="") and te["name"] == "truncation_edge"
    assert "increase the truncation" in te["message"]
    np.testing.assert_array_equal(np.load(os.path.join(out, "arrays", "__result__.npy")).reshape(5, 3), want)
    np.testing.assert_array_equal(np.load(os.path.join(out, "arrays", "result.npy")).reshape(5, 3), want)
    loaded = load(out)
    np.testing.assert_array_equal(loaded.codes, want)
    np.testing.assert_array_equal(loaded.ok, want == 0)
    # throw=True: the first failed point raises, naming the point, the code and its message
    with pytest.raises(ResultError, match=r"\(0, 0\) \(L=1.0, gamma=-0.1\) failed: invalid_parameters"):
        sweep(_probe, g, chunk=Fixed(4), progress_meter=QUIET, throw=True)
    ok_grid = Grid(L=[3.0, 4.0], gamma=[0.1, 0.2])
    assert sweep(_probe, ok_grid, chunk=Fixed(4), progress_meter=QUIET, throw=True).ok.all()


def test_several_results_items_first_failure_wins_and_status_is_not_special():
    def k(x):
        inner = first_failure((x > 2, RESULTS.not_converged))
        per_time = first_failure((jnp.arange(4.0) * x > 3.5, RESULTS.singular_generator))  # one code per "time"
        # an old-style ``status`` key means nothing now: only RESULTS items flag points
        return dict(a=dict(r=inner, y=x), b=per_time, status=jnp.ones((), jnp.int32))

    res = sweep(k, Grid(x=np.arange(5.0)), chunk=Fixed(5), progress_meter=QUIET)
    nc, sg = int(codes(RESULTS.not_converged)), int(codes(RESULTS.singular_generator))
    # x = 0, 1: fine; x = 2: singular from t = 2 on (2 * 2 > 3.5); x = 3, 4: not_converged comes first in tree order
    np.testing.assert_array_equal(res.codes, [0, 0, sg, nc, nc])
    np.testing.assert_array_equal(res["b"][2], [0, 0, sg, sg])  # the per-time codes are saved as they are
    assert res.meta["results"] == ["a.r", "b"]


def test_array_budget_and_explicit_placements():
    g = Grid(x=np.linspace(0.0, 1.0, 40))
    k = lambda x: dict(y=jnp.cos(x) * jnp.ones(16))  # noqa: E731  (16 floats = 128 B per point)
    r = sweep(k, g, chunk=ArrayBudget(bytes_per_array=1280, min_chunk=2, max_chunk=64), progress_meter=QUIET)
    assert r.meta["chunk"]["size"] == 10 and r.meta["chunk"]["n_chunks"] == 4
    one = jax.sharding.Mesh(np.asarray(jax.devices()[:1]), ("p",))
    for dev in (SingleDevice(jax.devices()[0]), AllDevices(), one, MeshDevices(one)):
        r2 = sweep(k, g, chunk=Fixed(16), devices=dev, progress_meter=QUIET)
        np.testing.assert_array_equal(r2["y"], r["y"])
    assert r2.meta["sharded"] is True


def test_memory_budget_respected_on_a_grid_that_does_not_fit_in_one_piece():
    budget = 3 << 20  # 3 MiB per device
    g = Grid(omega_c=np.linspace(0.5, 2.0, 40), T=np.linspace(0.1, 1.0, 50))  # 2000 points
    whole = (
        jax.jit(jax.vmap(lambda p: ohmic_heat(**p)))
        .lower({k: jax.ShapeDtypeStruct((g.size,), jnp.float64) for k in ("omega_c", "T")})
        .compile()
        .memory_analysis()
    )
    whole_bytes = whole.argument_size_in_bytes + whole.output_size_in_bytes + whole.temp_size_in_bytes
    assert whole_bytes > 5 * budget  # the grid in one piece would not fit
    seen = []
    res = sweep(ohmic_heat, g, chunk=Auto(memory_budget=budget), progress_meter=CallbackProgressMeter(seen.append))
    ch = res.meta["chunk"]
    assert ch["bytes_per_chunk_per_device"] <= budget and ch["n_chunks"] > 4
    assert ch["size"] * whole_bytes / g.size > 0.3 * budget  # and it is not needlessly small
    assert [i["chunk"] for i in seen if i["event"] == "chunk"] == list(range(ch["n_chunks"]))
    ref = sweep(ohmic_heat, g, chunk=Fixed(g.size), progress_meter=QUIET)
    np.testing.assert_allclose(res["heat"], ref["heat"], rtol=1e-13)
    # the quantity itself against scipy's adaptive quadrature at two grid points
    # (trapezoid error <= 3e-4 at the coldest point)
    from scipy.integrate import quad

    for i, j in ((3, 7), (35, 44)):
        wc, t = g.axes[0].values["omega_c"][i], g.axes[1].values["T"][j]
        v, _ = quad(lambda w: w**2 * np.exp(-w / wc) / np.expm1(w / t), 0, 60 * wc, limit=200)
        np.testing.assert_allclose(res["heat"][i, j], v, rtol=5e-4)
    with pytest.raises(ValueError, match="memory_budget"):
        sweep(ohmic_heat, g, chunk=Auto(memory_budget=1000), progress_meter=QUIET)


def test_resume_after_kill_equals_uninterrupted(tmp_path):
    out = str(tmp_path / "killed")
    proc = subprocess.Popen(
        [sys.executable, *WORKER, "killable", out],
        env=_env(),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
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

    from ._worker import KILL_GRID

    seen = []
    resumed = sweep(
        thermal_oscillator,
        Grid(**KILL_GRID),
        chunk=Fixed(8),
        out=out,
        progress_meter=CallbackProgressMeter(seen.append),
    )
    assert resumed.meta["resumed_chunks"] == n_done
    assert [i["chunk"] for i in seen if i["event"] == "chunk"] == list(range(n_done, 12))
    full = sweep(
        thermal_oscillator, Grid(**KILL_GRID), chunk=Fixed(8), out=str(tmp_path / "full"), progress_meter=QUIET
    )
    for k in full.arrays:
        np.testing.assert_array_equal(resumed[k], full[k])  # bit-identical (NaNs at the same places)
    np.testing.assert_array_equal(resumed.codes, full.codes)
    loaded = load(out)
    np.testing.assert_array_equal(loaded["energy"], full["energy"])
    # running it again computes nothing
    again = sweep(thermal_oscillator, Grid(**KILL_GRID), chunk=Fixed(8), out=out, progress_meter=QUIET)
    assert again.meta["resumed_chunks"] == 12 and again.meta["timing"]["points_computed"] == 0
    # a different grid in the same directory is refused, resume=False overwrites
    with pytest.raises(ValueError, match="different sweep"):
        sweep(thermal_oscillator, Grid(omega=[1.0], T=[1.0]), out=out, progress_meter=QUIET)
    r = sweep(thermal_oscillator, Grid(omega=[1.0], T=[1.0]), out=out, resume=False, progress_meter=QUIET)
    assert r.meta["resumed_chunks"] == 0 and len(os.listdir(chunks)) == 1


def test_sharded_over_four_forced_host_devices_equals_unsharded(tmp_path):
    out = str(tmp_path / "sharded.npz")
    subprocess.run(
        [sys.executable, *WORKER, "sharded", out],
        check=True,
        timeout=300,
        cwd=ROOT,
        env=_env(XLA_FLAGS="--xla_force_host_platform_device_count=4"),
    )
    z = np.load(out)
    assert list(z["devices"]) == ["cpu:0", "cpu:1", "cpu:2", "cpu:3"] and int(z["batch"]) % 4 == 0
    for k in z.files:
        for pre in ("sharded_", "osc_sharded_"):
            if k.startswith(pre):
                np.testing.assert_array_equal(z[k], z[pre.replace("sharded", "single") + k[len(pre) :]], err_msg=k)
    bad = int(codes(RESULTS.invalid_parameters))
    assert np.all(z["osc_codes"][:, -1] == bad) and np.all(z["osc_codes"][:, :-1] == 0)


def test_two_processes_joined_by_jax_distributed_equal_one(tmp_path):
    """Multi-host path on one machine: two processes, jax.distributed (gloo CPU collectives), one
    global mesh of their devices; both get the all-gathered result, process 0 writes `out`."""
    import socket

    with socket.socket() as s:
        s.bind(("localhost", 0))
        port = str(s.getsockname()[1])
    out = str(tmp_path / "mh")
    procs = [
        subprocess.Popen(
            [sys.executable, *WORKER, "multihost", out, str(i), port],
            env=_env(),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for i in (0, 1)
    ]
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
    res = sweep(
        thermal_oscillator,
        Grid(omega=[0.5, 1.0, 2.0], T=[0.1, 1.0]),
        chunk=Fixed(4),
        out=out,
        netcdf=True,
        progress_meter=QUIET,
    )
    meta = json.load(open(os.path.join(out, "meta.json")))
    assert meta["jaxqtm_version"] and meta["jax_version"] == jax.__version__ and meta["x64"] is True
    assert meta["grid"]["axes"][0]["omega"] == [0.5, 1.0, 2.0] and meta["grid"]["dims"] == ["omega", "T"]
    np.testing.assert_array_equal(np.load(os.path.join(out, "arrays", "x2.npy")).reshape(3, 2), res["x2"])
    ds = xr.open_dataset(os.path.join(out, "result.nc"))
    np.testing.assert_array_equal(ds["x2"].values, res["x2"])
    np.testing.assert_array_equal(ds["omega"].values, [0.5, 1.0, 2.0])
    assert json.loads(ds.attrs["jaxqtm_meta"])["kernel"].endswith("thermal_oscillator")
    np.testing.assert_array_equal(res.to_xarray()["x2"].sel(omega=1.0, T=0.1).values, res["x2"][1, 0])
    # the sweep's codes and ok flags; the kernel's own RESULTS output (named "result") is prefixed
    np.testing.assert_array_equal(ds["result"].values, res.codes)
    np.testing.assert_array_equal(ds["ok"].values, res.ok.astype(np.int8))
    np.testing.assert_array_equal(ds["out_result"].values, res["result"])
    ds.close()


def test_kernel_compiled_once_per_chunk_shape():
    traces = []

    def k(x):
        traces.append(1)
        return dict(y=jnp.sin(x))

    sweep(k, Grid(x=np.linspace(0, 1, 50)), chunk=Fixed(7), progress_meter=QUIET)  # 8 chunks, the last padded
    assert len(traces) == 1
    # the same kernel and chunk shape on new parameter values reuses the compiled program
    r = sweep(k, Grid(x=np.linspace(1, 2, 20)), chunk=Fixed(7), progress_meter=QUIET)
    assert len(traces) == 1 and r.meta["timing"]["compile_s"] == 0.0
    np.testing.assert_array_equal(r["y"], np.sin(np.linspace(1, 2, 20)))
    sweep(k, Grid(x=np.linspace(1, 2, 20)), chunk=Fixed(5), progress_meter=QUIET)  # a new chunk shape compiles
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
    with pytest.raises(TypeError, match="throw"):
        sweep(lambda x: x, g, throw="ignore")
    with pytest.raises(TypeError, match="devices"):
        sweep(lambda x: x, g, devices=[])
    with pytest.raises(TypeError, match="devices"):
        sweep(lambda x: x, g, devices="all")
    with pytest.raises(TypeError, match="progress_meter"):
        sweep(lambda x: x, g, progress_meter=False)
    with pytest.raises(TypeError, match="chunk"):
        sweep(lambda x: x, g, chunk=16)
    with pytest.raises(TypeError, match="Mesh"):
        MeshDevices(jax.devices())
    with pytest.raises(ValueError, match="identifiers"):
        Grid(**{"not a name": [1.0]})
