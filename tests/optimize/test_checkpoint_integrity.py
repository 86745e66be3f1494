"""Front checkpoints that can be trusted after a crash (issue 14, D2, D7, D19): one atomic file tied
to the run's settings and to the objective's content, a finished checkpoint resumed to the identical
result (history included), degenerate scalarisation grids rejected, restarts that never took a
finite step flagged, and the fronts command line rejecting bad arguments in one line."""

import json
import os

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxqtm.optimize as opt
from jaxqtm._results import RESULTS, codes, first_failure
from jaxqtm.optimize import _pareto

QUIET = opt.NoProgressMeter()


def objective(p):
    return jnp.stack([p["x"] ** 2, (p["x"] - 1.0) ** 2]), jnp.isfinite(p["x"])


def init(key):
    return {"x": jax.random.normal(key, ())}


GRID = opt.chebyshev_grid(4, ideal=[0.0, 0.0], scale=[1.0, 1.0])
KW = dict(steps=40, restarts=2, segments=4, key=jax.random.PRNGKey(1), optimizer=optax.adam(5e-2), hv_ref=[2.0, 2.0])


def _run(ck, fn=objective, **kw):
    return opt.pareto_front(fn, init, GRID, checkpoint=ck, progress_meter=QUIET, **(KW | kw))


def _assert_same(a, b):
    for k in ("F", "ok", "codes", "scalar", "best", "front_mask"):
        np.testing.assert_array_equal(getattr(a, k), getattr(b, k), err_msg=k)
    np.testing.assert_array_equal(a.params["x"], b.params["x"])
    for k in ("step", "hv"):
        np.testing.assert_array_equal(a.history[k], b.history[k], err_msg=k)
    assert len(a.history["wall_s"]) == len(b.history["wall_s"]) == 4
    assert a.config["n_bad_steps"] == b.config["n_bad_steps"]


class _Stop(Exception):
    pass


def _interrupted(ck, after):
    def stop(d):
        if d["event"] == "segment" and d["segment"] == after:
            raise _Stop

    with pytest.raises(_Stop):
        opt.pareto_front(objective, init, GRID, checkpoint=ck, progress_meter=opt.CallbackProgressMeter(stop), **KW)


def test_d2_finished_or_interrupted_checkpoint_resumes_to_the_identical_result(tmp_path):
    plain = _run(None)
    ck = str(tmp_path / "run")
    first = _run(ck)
    again = _run(ck)  # every segment finished: nothing runs, the same result (history included)
    _assert_same(first, plain)
    _assert_same(again, plain)
    assert np.all(np.isfinite(again.history["hv"])) and again.history["hv"][-1] > 0
    ck2 = str(tmp_path / "killed")
    _interrupted(ck2, after=2)
    _assert_same(_run(ck2), plain)


def test_r16_d7_one_atomic_file_the_json_is_only_a_copy(tmp_path):
    plain = _run(None)
    ck = str(tmp_path / "race")
    _run(ck)
    # the state a kill between the old two writes left: the json says 3 segments, the state 4
    m = json.load(open(ck + ".json"))
    json.dump(m | dict(segments_done=3), open(ck + ".json", "w"))
    _assert_same(_run(ck), plain)
    open(ck + ".json", "w").write("{trunc")  # a truncated json does not matter either
    _assert_same(_run(ck), plain)
    assert not os.path.exists(ck + ".tmp.npz")


def _npz(ck):
    with np.load(ck + ".npz") as z:
        data = {k: z[k] for k in z.files}
    return data, json.loads(str(data.pop("__meta__")))


def _write(ck, data, meta):
    np.savez(ck + ".npz", **data, __meta__=np.asarray(json.dumps(meta)))


def test_a_checkpoint_of_another_run_or_objective_is_refused_naming_what_differs(tmp_path):
    ck, other = str(tmp_path / "a"), str(tmp_path / "b")
    _interrupted(ck, after=1)
    opt.pareto_front(
        objective, init, GRID, checkpoint=other, progress_meter=QUIET, **(KW | dict(key=jax.random.PRNGKey(2)))
    )
    os.replace(other + ".npz", ck + ".npz")  # the .npz of another run (another key)
    with pytest.raises(ValueError, match=r"a\.npz was written by a run with different settings.*config:key"):
        _run(ck)

    ck = str(tmp_path / "c")
    _interrupted(ck, after=1)

    def make(c):
        return lambda p: (jnp.stack([p["x"] ** 2, (p["x"] - c) ** 2]), jnp.isfinite(p["x"]))

    with pytest.raises(ValueError, match=r"different settings.*objective_fn\.code"):  # another objective
        _run(ck, fn=lambda p: (jnp.stack([p["x"] ** 2, (p["x"] - 2.0) ** 2]), jnp.isfinite(p["x"])))
    ck2 = str(tmp_path / "d")
    _run(ck2, fn=make(1.0), steps=4)
    with pytest.raises(ValueError, match=r"objective_fn\.closure:c"):  # a changed closed-over constant
        _run(ck2, fn=make(1.5), steps=4)
    with pytest.raises(ValueError, match=r"optimizer"):  # the learning rate inside the optimizer
        _run(ck, optimizer=optax.adam(6e-2))


def test_damaged_or_edited_checkpoints_are_errors_naming_the_file(tmp_path):
    ck = str(tmp_path / "ck")
    _interrupted(ck, after=2)
    good = open(ck + ".npz", "rb").read()
    for bad in (good[: len(good) // 2], b"", b"\0" * 10):
        open(ck + ".npz", "wb").write(bad)
        with pytest.raises(ValueError, match=r"ck\.npz cannot be read .*damaged"):
            _run(ck)
    open(ck + ".npz", "wb").write(good)
    data, meta = _npz(ck)
    _write(ck, data, meta | dict(segments_done=1))  # edited inside the file: the checksum says so
    with pytest.raises(ValueError, match=r"ck\.npz was modified or damaged"):
        _run(ck)
    for done in (-1, 0, 5):  # out of range, even with a matching checksum
        m = meta | dict(segments_done=done)
        m["checksum"] = _pareto._meta_checksum(m, data)
        _write(ck, data, m)
        with pytest.raises(ValueError, match=rf"segments_done = {done} is outside its allowed range \[1, 4\]"):
            _run(ck)
    np.savez(ck + ".npz", *[data[f"state_{i}"] for i in range(3)])  # an older format
    with pytest.raises(ValueError, match="holds no metadata"):
        _run(ck)


def test_opaque_objective_warns_then_needs_objective_version(tmp_path):
    class Handle:
        __slots__ = ()

    h = Handle()

    def obj(p):
        return objective(p) if h is not None else None

    ck = str(tmp_path / "o")
    with pytest.warns(UserWarning, match="cannot fingerprint by content"):
        _run(ck, fn=obj, steps=4)
    with pytest.raises(ValueError, match="objective_version"):
        _run(ck, fn=obj, steps=4)
    os.remove(ck + ".npz")
    _run(ck, fn=obj, steps=4, objective_version="v1")
    _run(ck, fn=obj, steps=4, objective_version="v1")
    with pytest.raises(ValueError, match="objective_version"):
        _run(ck, fn=obj, steps=4, objective_version="v2")


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: opt.chebyshev_grid(3, [0, 0], [0.0, 1.0]), r"scale\[0\] = 0 is outside its allowed range > 0"),
        (lambda: opt.chebyshev_grid(3, [0, 0], [1.0, -2.0]), r"scale\[1\] = -2 is outside"),
        (lambda: opt.chebyshev_grid(3, [0, 0], [np.inf, 1.0]), r"scale\[0\] = inf must be finite"),
        (lambda: opt.chebyshev_grid(3, [np.nan, 0], [1.0, 1.0]), r"ideal\[0\] = nan must be finite"),
        (lambda: opt.chebyshev_grid(3, [0, 0], [1, 1], tau=0.0), r"tau = 0 is outside its allowed range > 0"),
        (lambda: opt.weighted_sum_grid(3, [0, 0], [1.0, 0.0]), r"scale\[1\] = 0"),
        (lambda: opt.epsilon_grid([0.1, np.nan], index=0, ideal=[0, 0], scale=[1, 1]), r"eps_values\[1\] = nan"),
        (lambda: opt.epsilon_grid([0.1], index=0, ideal=[0, 0], scale=[0, 1]), r"scale\[0\] = 0"),
        (lambda: opt.epsilon_grid([0.1], index=0, ideal=[0, 0], scale=[1, 1], mu=0.0), r"mu = 0 is outside"),
    ],
)
def test_r17_degenerate_scalarisation_grids_name_the_parameter(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_r17_restarts_without_a_finite_step_are_not_converged_not_ok():
    g = opt.chebyshev_grid(3, ideal=[0, 0], scale=[1.0, 1.0])
    zero = opt.Chebyshev(g.weights, g.ideal, g.scale.at[:, 0].set(0.0), g.rho, g.tau)  # built around the check
    r = opt.pareto_front(objective, init, zero, steps=20, restarts=1, segments=2, progress_meter=QUIET)
    assert r.config["n_bad_steps"] == 60 and not r.ok.any() and not r.front_mask.any()
    np.testing.assert_array_equal(r.codes, int(codes(RESULTS.not_converged)))
    np.testing.assert_array_equal(np.asarray(codes(r.result)), r.codes)  # a RESULTS item, like SweepResult


def test_codes_of_failed_points_follow_the_objective():
    def obj(p):
        x = p["x"]
        F = jnp.stack([x**2, jnp.where(x > 5.0, jnp.nan, (x - 1.0) ** 2)])
        return F, first_failure((x < -5.0, RESULTS.truncation_edge))

    def start(key):  # one restart far left (the objective's code), one far right (nonfinite), two fine
        return {"x": jax.random.choice(key, jnp.array([-9.0, 9.0, 0.2, 0.7]))}

    r = opt.pareto_front(obj, start, GRID, steps=1, restarts=8, optimizer=optax.sgd(0.0), progress_meter=QUIET)
    x = r.params["x"]
    want = np.where(x < -5, codes(RESULTS.truncation_edge), np.where(x > 5, codes(RESULTS.nonfinite), 0))
    np.testing.assert_array_equal(r.codes, want)
    np.testing.assert_array_equal(r.ok, want == 0)
    rb = opt.pareto_front(
        lambda p: (objective(p)[0], p["x"] < 0.5),
        start,
        GRID,
        steps=1,
        restarts=8,
        optimizer=optax.sgd(0.0),
        progress_meter=QUIET,
    )
    np.testing.assert_array_equal(rb.codes, np.where(rb.params["x"] < 0.5, 0, codes(RESULTS.invalid_parameters)))


# ---- the fronts command line (examples/fronts): every bad argument is one line and exit status 2


@pytest.mark.parametrize(
    "args, match",
    [
        (["--steps", "0"], "argument --steps: 0 is outside its allowed range: an integer >= 1"),
        (["--restarts", "0"], "argument --restarts: 0 is outside its allowed range: an integer >= 1"),
        (["--points", "0"], "argument --points: 0 is outside its allowed range: an integer >= 2"),
        (["--steps", "many"], "'many' is not an integer"),
        (["--parts", "heat,engine"], "invalid choice: 'engine'"),
    ],
)
def test_fronts_cli_bad_arguments_are_one_line(tmp_path, capsys, args, match):
    from examples.fronts.fronts import main

    with pytest.raises(SystemExit) as e:
        main(["--out", str(tmp_path), "--quick", *args])
    err = capsys.readouterr().err
    assert e.value.code == 2 and match in err and _one_error_line(err), err


def _one_error_line(err: str) -> bool:
    """argparse's usage block, then exactly one ``prog: error: ...`` line (examples/_cli.py)."""
    lines = [ln for ln in err.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ": error: " in ln]
    return len(errors) == 1 and lines[-1] == errors[0] and all(ln.startswith(("usage:", " ")) for ln in lines[:-1])


@pytest.mark.parametrize("flag", ["--out", "--checkpoint-dir"])
def test_fronts_cli_unusable_directory_is_one_line(tmp_path, capsys, flag):
    from examples.fronts.fronts import main

    blocker = tmp_path / "file"
    blocker.write_text("")
    argv = ["--out", str(tmp_path / "o"), "--quick", flag, str(blocker / "x")]
    for bad in (str(blocker / "x"), "/proc/x"):
        argv[-1] = bad
        with pytest.raises(SystemExit) as e:
            main(argv)
        err = capsys.readouterr().err
        assert e.value.code == 2 and f"argument {flag}: cannot create directory" in err and _one_error_line(err), err


@pytest.mark.slow
def test_d2_fronts_cli_rerun_from_its_checkpoints_gives_identical_fronts(tmp_path, capsys):
    # r19: a finished (quick, tiny) fronts run resumed from --checkpoint-dir; 2 points and few steps also
    # give a one-point coarse front, which now falls back to the a-priori thresholds (D18)
    from examples.fronts.fronts import main

    args = ["--quick", "--steps", "4", "--restarts", "1", "--points", "2", "--checkpoint-dir", str(tmp_path / "ck")]
    assert main(["--out", str(tmp_path / "a"), *args]) == 0
    assert main(["--out", str(tmp_path / "b"), *args]) == 0
    for name in ("heat_eta_joint", "heat_eta_independent"):
        a, b = np.load(tmp_path / "a" / f"{name}.npz"), np.load(tmp_path / "b" / f"{name}.npz")
        for k in a.files:
            if k != "hv_wall_s":
                np.testing.assert_array_equal(a[k], b[k], err_msg=f"{name}: {k}")
