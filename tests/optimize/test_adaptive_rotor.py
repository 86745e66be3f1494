"""Adaptive ε-threshold placement (fast) and the rotor rectification optima at the chosen
truncation (slow: global-ME steady states with implicit gradients)."""

import numpy as np
import pytest

import jaxqtm.optimize as opt


def test_refine_thresholds_spans_the_attained_front_only():
    # coarse pass on the front f2 = (1 - sqrt(f1))^2 over f1 in [0.2, 0.7], plus dominated and
    # failed points that must not widen the range
    f1 = np.linspace(0.2, 0.7, 9)
    F = np.column_stack([f1, (1 - np.sqrt(f1)) ** 2])
    junk = np.array([[0.9, 0.9], [0.1, 0.01], [np.nan, 0.0]])  # dominated, failed (ok=False), non-finite
    ok = np.r_[np.ones(9, bool), True, False, True]
    Fall = np.vstack([F, junk])
    lo, hi = opt.front_box(Fall, ok)
    np.testing.assert_allclose(lo, [0.2, (1 - np.sqrt(0.7)) ** 2])
    np.testing.assert_allclose(hi, [0.7, (1 - np.sqrt(0.2)) ** 2])
    # minimise f1 s.t. f2 <= eps: thresholds over the attained f2 range, both ends included
    eps = opt.refine_thresholds(Fall, 12, index=0, ok=ok)
    np.testing.assert_allclose(eps, np.linspace((1 - np.sqrt(0.7)) ** 2, (1 - np.sqrt(0.2)) ** 2, 12))
    eps1 = opt.refine_thresholds(Fall, 5, index=1, ok=ok)  # constrain f1 instead
    np.testing.assert_allclose(eps1, np.linspace(0.2, 0.7, 5))
    # each threshold is attained on the analytic front: the constrained optimum f1* = (1 - sqrt(eps))^2
    # lies inside the coarse range, so no threshold is wasted outside it
    f1_star = (1 - np.sqrt(eps)) ** 2
    assert np.all((f1_star >= 0.2 - 1e-12) & (f1_star <= 0.7 + 1e-12))
    with pytest.raises(ValueError, match="n must be"):
        opt.refine_thresholds(Fall, 1, index=0, ok=ok)
    with pytest.raises(ValueError, match="index"):
        opt.refine_thresholds(Fall, 4, index=2, ok=ok)
    with pytest.raises(ValueError, match="no ok"):
        opt.front_box(Fall, np.zeros(12, bool))
    with pytest.raises(ValueError, match="single point"):
        opt.refine_thresholds(np.array([[1.0, 2.0], [1.0, 2.0]]), 4, index=0)


def test_refined_epsilon_pass_fills_the_toy_front():
    # even thresholds over a too-wide a-priori interval put few points on the front of
    # f1 = x^2, f2 = (x - 2)^2 (x in [0, 2]: f2 in [0, 4]); after refinement all 8 thresholds do
    import jax
    import jax.numpy as jnp

    def objective(p):
        x = p["x"]
        return jnp.stack([x**2, (x - 2.0) ** 2])

    init = lambda k: dict(x=jax.random.uniform(k, (), minval=-1.0, maxval=3.0))
    kw = dict(
        steps=300,
        restarts=2,
        key=jax.random.PRNGKey(0),
        optimizer=__import__("optax").adam(5e-2),
        segments=1,
        progress_meter=opt.NoProgressMeter(),
    )
    wide = np.linspace(-40.0, 40.0, 8)  # a-priori interval 10x wider than the front
    mk = lambda e: opt.epsilon_grid(jnp.asarray(e), index=0, ideal=[0.0, 0.0], scale=[1.0, 1.0], mu=1e3)
    coarse = opt.pareto_front(objective, init, mk(wide), **kw)
    eps = opt.refine_thresholds(coarse.F, 8, index=0, ok=coarse.ok)
    fine = opt.pareto_front(objective, init, mk(eps), **kw)

    def n_distinct(r):  # distinct front points among the best restart of every threshold
        Fb = r.F[np.arange(8), r.best]
        on = r.front_mask[np.arange(8), r.best]
        return len(np.unique(np.round(Fb[on, 0], 3)))

    assert n_distinct(coarse) <= 4 and n_distinct(fine) == 8
    # the refined points sit on the analytic front f2 = (sqrt(f1) - 2)^2
    Ff = fine.F.reshape(-1, 2)[fine.front_mask.reshape(-1)]
    np.testing.assert_allclose(Ff[:, 1], (np.sqrt(Ff[:, 0]) - 2) ** 2, atol=1e-3)


@pytest.mark.slow
def test_rotor_optima_not_flagged_and_converged_in_truncation():
    from examples.fronts.rotor import EDGE_TOL, rotor_optima, truncation_for

    assert truncation_for(0.03) == 32 and truncation_for(0.01) == 40 and EDGE_TOL == 1e-6
    entries, res, desc = rotor_optima(0.03, [0.0, 1.0], steps=40, restarts=1)
    assert desc["truncation"] == 32
    for e in entries:
        # ok includes "edge population < 1e-6" at L = 32 and at L + 8
        assert e["ok"] and e["ok_L_plus"], e
        assert e["dR_rel"] < 1e-6 and e["dJ_rel"] < 1e-6, e
    # alpha = 0 maximises J, alpha = 1 maximises R; a chi scan (forward only, eager) brackets them:
    # J peaks before R (seed 004, sec. IV: "J starts to decrease ..., followed by R")
    _, _, rect, _ = __import__("examples.fronts.rotor", fromlist=["x"]).rotor_problem(beta2=0.03)
    chis = np.linspace(0.6, 0.95, 15)
    grid = rect(__import__("jax.numpy", fromlist=["x"]).asarray(chis))
    Rg, Jg = np.asarray(grid["R"]), np.asarray(grid["J"])
    assert entries[0]["J"] >= Jg.max() - 1e-6 and entries[1]["R"] >= Rg.max() - 1e-6
    assert entries[0]["chi"] < entries[1]["chi"]
