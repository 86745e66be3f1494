"""Generic multi-objective machinery: non-dominated filter, hypervolume, scalarisations,
the compiled front run (toy problems with analytic fronts), checkpoints and failures."""

import itertools
import json

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxqtm.optimize as opt
from jaxqtm._results import RESULTS, first_failure

QUIET = opt.NoProgressMeter()


def _brute_nondominated(F):
    n = len(F)
    out = np.ones(n, bool)
    for i, j in itertools.product(range(n), range(n)):
        if np.all(F[j] <= F[i]) and np.any(F[j] < F[i]):
            out[i] = False
    return out


def test_nondominated_matches_brute_force_and_drops_failures():
    rng = np.random.default_rng(0)
    F = rng.integers(0, 6, size=(60, 3)).astype(float)  # many ties and duplicates
    np.testing.assert_array_equal(opt.nondominated(F), _brute_nondominated(F))
    F2 = np.array([[0.0, 0.0], [1.0, 1.0], [np.nan, -5.0], [-1.0, 2.0]])
    ok = np.array([False, True, True, True])
    # the failed (not ok) dominating point and the NaN point never enter, never dominate
    np.testing.assert_array_equal(opt.nondominated(F2, ok), [False, True, False, True])


def _hv_grid(F, ref, n=2001):
    """Independent estimate: fraction of a fine midpoint grid covered by the union of boxes."""
    lo = F.min(0)
    xs = lo[0] + (np.arange(n) + 0.5) * (ref[0] - lo[0]) / n
    ys = lo[1] + (np.arange(n) + 0.5) * (ref[1] - lo[1]) / n
    X, Y = np.meshgrid(xs, ys, indexing="ij")
    cov = np.zeros_like(X, bool)
    for f in F:
        cov |= (X >= f[0]) & (Y >= f[1])
    return cov.mean() * (ref[0] - lo[0]) * (ref[1] - lo[1])


def test_hypervolume_exact_cases_and_grid_reference():
    assert opt.hypervolume_2d([[0.0, 0.0]], [1.0, 2.0]) == pytest.approx(2.0)
    # staircase of three points: 1*3 + 1*2 + 1*1 = 6 with ref (3, 3) and points (0,2),(1,1),(2,0)
    assert opt.hypervolume_2d([[0, 2], [1, 1], [2, 0], [2, 2]], [3, 3]) == pytest.approx(6.0)
    assert opt.hypervolume_2d([[4.0, 0.0]], [3.0, 3.0]) == 0.0  # outside the reference box
    rng = np.random.default_rng(1)
    F = rng.random((25, 2))
    ref = np.array([1.2, 1.1])
    assert opt.hypervolume_2d(F, ref) == pytest.approx(_hv_grid(F, ref), rel=3e-3)
    # the continuous front f2 = 1 - f1^2 sampled densely: HV -> integral (closed form)
    x = np.linspace(0, 1, 4001)
    hv = opt.hypervolume_2d(np.stack([x, 1 - x**2], 1), [1.0, 1.0])
    assert hv == pytest.approx(1 - 2 / 3, abs=1e-3)


def _zdt2(p):
    # concave front f2 = 1 - f1^2 (non-convex for minimisation), reached when y = 0
    x = jax.nn.sigmoid(p["x"])
    g = 1.0 + jnp.sum(p["y"] ** 2)
    return jnp.stack([x, g * (1.0 - (x / g) ** 2)])


def _zdt2_init(k):
    k1, k2 = jax.random.split(k)
    return dict(x=jax.random.normal(k1, ()), y=jax.random.normal(k2, (3,)))


def _run(grid, **kw):
    kw = dict(steps=300, restarts=2, optimizer=optax.adam(5e-2), segments=1, progress_meter=QUIET) | kw
    return opt.pareto_front(_zdt2, _zdt2_init, grid, **kw)


def test_chebyshev_and_epsilon_reach_the_nonconvex_front_weighted_sum_cannot():
    ref = [1.1, 1.1]
    cheb = _run(opt.chebyshev_grid(9, [0.0, 0.0], [1.0, 1.0]), hv_ref=ref)
    eps = _run(opt.epsilon_grid(jnp.linspace(0.1, 0.9, 9), index=1, ideal=[0, 0], scale=[1, 1], mu=1e4))
    ws = _run(opt.weighted_sum_grid(9, [0.0, 0.0], [1.0, 1.0]))
    for r in (cheb, eps):
        F, _ = r.front()
        # on the analytic front (y -> 0) ...
        np.testing.assert_allclose(F[:, 1], 1 - F[:, 0] ** 2, atol=2e-4)
        # ... and spread over its interior (the non-convex part)
        assert np.sum((F[:, 0] > 0.15) & (F[:, 0] < 0.85)) >= 5
    # weighted sums end at the two anchors only
    Fw, _ = ws.front()
    assert np.all((Fw[:, 0] < 0.02) | (Fw[:, 0] > 0.98))
    # every reported point is non-dominated among all final points
    F_all = cheb.F.reshape(-1, 2)
    assert np.all(opt.nondominated(F_all, cheb.ok.reshape(-1))[cheb.front_mask.reshape(-1)])
    # hypervolume: below the continuous front's, and equal to that of the same f1 values
    # placed exactly on the analytic front (optimality along the front)
    x = np.linspace(0, 1, 20001)
    hv_true = opt.hypervolume_2d(np.stack([x, 1 - x**2], 1), ref)
    Fc, _ = cheb.front()
    hv_proj = opt.hypervolume_2d(np.stack([Fc[:, 0], 1 - Fc[:, 0] ** 2], 1), ref)
    assert cheb.history["hv"][-1] <= hv_true + 1e-9
    assert cheb.history["hv"][-1] == pytest.approx(hv_proj, abs=1e-3)
    # epsilon constraints hold (penalty 1e4: violation ~1e-4)
    Fe = eps.F[np.arange(9), eps.best]
    assert np.all(Fe[:, 0] <= np.linspace(0.1, 0.9, 9) + 1e-3)


def test_convex_toy_front_recovered():
    # f1 = x^2, f2 = (x - 2)^2 (x in R): front f2 = (sqrt f1 - 2)^2, 0 <= f1 <= 4
    def obj(p):
        return jnp.stack([p**2, (p - 2.0) ** 2])

    r = opt.pareto_front(
        obj,
        lambda k: 3.0 * jax.random.normal(k, ()),
        opt.chebyshev_grid(7, [0, 0], [4, 4]),
        steps=400,
        restarts=1,
        optimizer=optax.adam(5e-2),
        segments=1,
        progress_meter=QUIET,
    )
    F, x = r.front()
    np.testing.assert_allclose(F[:, 1], (np.sqrt(F[:, 0]) - 2) ** 2, atol=1e-8)
    assert np.all((x >= -1e-4) & (x <= 2 + 1e-4)) and len(F) >= 6


def test_scalarisation_gradients_against_finite_differences():
    F = jnp.array([0.3, 0.7])
    scals = [
        opt.Chebyshev(jnp.array([0.4, 0.6]), jnp.zeros(2), jnp.array([1.0, 2.0]), 1e-3, 0.05),
        opt.EpsilonConstraint(jnp.array([0.0, 0.5]), 0, jnp.zeros(2), jnp.ones(2), 10.0),
        opt.WeightedSum(jnp.array([0.2, 0.8]), jnp.zeros(2), jnp.ones(2)),
    ]
    for s in scals:
        g = jax.grad(s)(F)
        for i in range(2):
            e = jnp.zeros(2).at[i].set(1e-6)
            np.testing.assert_allclose(g[i], (s(F + e) - s(F - e)) / 2e-6, rtol=1e-6, atol=1e-9)
    # the smooth Chebyshev max is an upper bound of the exact max within tau log 2
    c = scals[0]
    exact = jnp.max(c.weights * F / c.scale) + c.rho * jnp.sum(F / c.scale)
    assert exact <= c(F) <= exact + c.tau * np.log(2) + 1e-12


def test_checkpoint_resume_gives_identical_result(tmp_path):
    grid = opt.chebyshev_grid(4, [0, 0], [1, 1])
    kw = dict(
        steps=40, restarts=2, segments=4, key=jax.random.PRNGKey(3), optimizer=optax.adam(3e-2), progress_meter=QUIET
    )
    full = opt.pareto_front(_zdt2, _zdt2_init, grid, **kw)
    ck = str(tmp_path / "run")

    class Stop(Exception):
        pass

    seen = []

    def interrupt(d):
        seen.append(d["event"])
        if d["event"] == "segment" and d["segment"] == 2:
            raise Stop

    with pytest.raises(Stop):
        opt.pareto_front(
            _zdt2, _zdt2_init, grid, checkpoint=ck, **(kw | dict(progress_meter=opt.CallbackProgressMeter(interrupt)))
        )
    assert [e for e in seen if e != "compile"] == ["start", "segment", "segment"]
    meta = json.load(open(ck + ".json"))
    assert meta["segments_done"] == 2 and meta["config"]["steps"] == 40
    resumed = opt.pareto_front(_zdt2, _zdt2_init, grid, checkpoint=ck, **kw)
    np.testing.assert_array_equal(resumed.F, full.F)
    np.testing.assert_array_equal(resumed.params["x"], full.params["x"])
    # a checkpoint written with other settings is refused, naming the problem
    with pytest.raises(ValueError, match="different settings"):
        opt.pareto_front(_zdt2, _zdt2_init, grid, checkpoint=ck, **(kw | dict(steps=41)))


def test_failures_are_flagged_never_on_the_front():
    def obj(p):
        F = jnp.stack([p**2, (p - 1.0) ** 2])
        return F, p < 0.8  # points ending beyond 0.8 count as failed evaluations

    def init(k):
        return jax.random.uniform(k, (), minval=-1.0, maxval=2.0)

    r = opt.pareto_front(
        obj,
        init,
        opt.chebyshev_grid(5, [0, 0], [1, 1]),
        steps=300,
        restarts=2,
        optimizer=optax.adam(5e-2),
        segments=1,
        progress_meter=QUIET,
    )
    assert not np.all(r.ok)  # the w -> (0, 1) points converge near p = 1: flagged
    assert not np.any(r.front_mask & ~r.ok)
    assert np.all(np.isinf(r.scalar[~r.ok]))

    # NaN objectives: steps are skipped (counted), the point is flagged
    def nan_obj(p):
        return jnp.stack([jnp.sqrt(p), p])  # NaN for p < 0

    r2 = opt.pareto_front(
        nan_obj,
        lambda k: jnp.asarray(-1.0),
        opt.chebyshev_grid(2, [0, 0], [1, 1]),
        steps=5,
        restarts=1,
        segments=1,
        progress_meter=QUIET,
    )
    assert r2.config["n_bad_steps"] == 10 and not np.any(r2.ok) and not np.any(r2.front_mask)


class _Eval(eqx.Module):
    """A component-like result object: numbers plus a RESULTS item (``ok`` is a property)."""

    F: jax.Array
    result: RESULTS


def test_results_items_and_result_objects_as_ok_never_enter_the_front():
    def evaluate(p):  # the "component": fails (finite numbers!) beyond p = 0.8
        return _Eval(jnp.stack([p**2, (p - 1.0) ** 2]), first_failure((p >= 0.8, RESULTS.truncation_edge)))

    def init(k):
        return jax.random.uniform(k, (), minval=-1.0, maxval=2.0)

    kw = dict(steps=300, restarts=2, optimizer=optax.adam(5e-2), segments=1, progress_meter=QUIET)
    grid = opt.chebyshev_grid(5, [0, 0], [1, 1])
    ref = opt.pareto_front(lambda p: (evaluate(p).F, p < 0.8), init, grid, **kw)  # the boolean form
    for objective in (
        lambda p: (evaluate(p).F, evaluate(p).result),  # a RESULTS item
        lambda p: (evaluate(p).F, evaluate(p), evaluate(p)),
    ):  # a whole result object (+ aux)
        r = opt.pareto_front(objective, init, grid, **kw)
        np.testing.assert_array_equal(r.ok, ref.ok)
        np.testing.assert_array_equal(r.F, ref.F)
        np.testing.assert_array_equal(r.front_mask, ref.front_mask)
        assert not np.all(r.ok) and not np.any(r.front_mask & ~r.ok) and np.all(np.isfinite(r.F))
    assert isinstance(r.aux, _Eval)  # aux comes back with its RESULTS item (numpy codes)
    with pytest.raises(TypeError, match="ok must be"):
        opt.pareto_front(lambda p: (evaluate(p).F, "fine"), init, grid, **(kw | dict(steps=2)))


def test_compiled_program_cache_is_bounded(monkeypatch):
    from jaxqtm.optimize import _pareto

    assert _pareto._PROGRAMS_MAX == 16
    monkeypatch.setattr(_pareto, "_PROGRAMS_MAX", 3)  # (16 in use; 3 keeps the test short)
    grid = opt.chebyshev_grid(2, [0, 0], [1, 1])
    objectives = [lambda p, i=i: jnp.stack([p**2 + i, (p - 1.0) ** 2]) for i in range(5)]
    for f in objectives:  # a new lambda objective each time (a re-run notebook cell)
        opt.pareto_front(f, lambda k: jnp.zeros(()), grid, steps=1, restarts=1, segments=1, progress_meter=QUIET)
        assert len(_pareto._PROGRAMS) <= 3
    assert [k[0] for k in list(_pareto._PROGRAMS)[-3:]] == objectives[-3:]  # the oldest were dropped


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: opt.chebyshev_grid(1, [0, 0], [1, 1]), "front points"),
        (lambda: opt.epsilon_grid([0.1], index=2, ideal=[0, 0], scale=[1, 1]), "index"),
        (lambda: opt.pareto_front(_zdt2, _zdt2_init, opt.chebyshev_grid(2, [0, 0], [1, 1]), steps=0), "steps"),
        (lambda: opt.pareto_front(_zdt2, _zdt2_init, opt.chebyshev_grid(2, [0, 0], [1, 1]), restarts=0), "restarts"),
        (lambda: opt.pareto_front(_zdt2, _zdt2_init, "chebyshev"), "scalarisations"),
        (lambda: opt.hypervolume_2d(np.zeros((3, 3)), [1, 1]), "shape"),
    ],
)
def test_bad_arguments_name_the_parameter(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def _dominated_by_definition(F):
    # the definition, one pair at a time (the independent reference)
    n = len(F)
    return np.array(
        [any(all(F[j] <= F[i]) and any(F[j] < F[i]) for j in range(n) if j != i) for i in range(n)], dtype=bool
    )


def test_two_objective_sweep_equals_the_pairwise_definition_with_ties():
    from jaxqtm.optimize._pareto import _dominated_2d, _dominated_pairwise

    rng = np.random.default_rng(3)
    for n in (1, 2, 7, 120):
        for levels in (3, 20, None):  # few levels: many ties in each objective and identical rows
            F = rng.normal(size=(n, 2)) if levels is None else rng.integers(0, levels, size=(n, 2)).astype(float)
            ref = _dominated_by_definition(F)
            np.testing.assert_array_equal(_dominated_2d(F), ref)
            np.testing.assert_array_equal(_dominated_pairwise(F, block=16), ref)
    # and through the public function, with failed and non-finite rows
    F = rng.integers(0, 5, size=(200, 2)).astype(float)
    F[::17, 1] = np.nan
    ok = rng.random(200) > 0.2
    brute = np.zeros(200, bool)
    good = np.flatnonzero(np.all(np.isfinite(F), 1) & ok)
    brute[good[~_dominated_pairwise(F[good])]] = True
    np.testing.assert_array_equal(opt.nondominated(F, ok), brute)
    # three objectives: the pairwise path, also in blocks
    F3 = rng.integers(0, 4, size=(90, 3)).astype(float)
    np.testing.assert_array_equal(_dominated_pairwise(F3, block=7), _dominated_by_definition(F3))
