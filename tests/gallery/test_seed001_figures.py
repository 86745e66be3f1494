"""The main job (``examples.seed001.figures``): its batched evaluator (points grouped into rows of one
machine, the machine's poles and residues computed once per row) gives the numbers of direct
``observables`` calls, whatever the grouping and padding; its density panels put the colour scale's
middle on the bound."""

import numpy as np
import pytest

from examples.seed001 import figures as F
from examples.seed001.paper import paper_machine
from jaxqtm.oscillators import ExactIsothermal, MatsubaraSum, observables


def test_rows_cover_every_point_once_with_one_machine_per_row():
    rng = np.random.default_rng(1)
    machines = rng.choice([0.5, 3.0, 100.0], size=(300, 1))
    machines = np.concatenate([machines, np.full((300, 1), 1.2)], axis=1)
    rows = F._rows(machines)
    flat = np.concatenate(rows)
    assert sorted(flat.tolist()) == list(range(300))
    for r in rows:
        assert 1 <= len(r) <= F._PER_ROW and len(np.unique(machines[r], axis=0)) == 1


@pytest.mark.parametrize("isothermal", [True, False], ids=["isothermal", "two-temperature"])
def test_row_batched_evaluator_equals_direct_observables(isothermal):
    n = 70  # three dampings: one machine spans a full row and a short one, the others short rows
    om = np.logspace(-1, 2.5, n)
    g2 = np.full(n, 100.0)
    g2[::9] = 3.0
    g2[-3:] = 0.5
    t1 = np.linspace(0.05, 0.5, n)
    t2 = t1 if isothermal else 0.6 * t1
    d = F.evaluate(isothermal, Omega=om, T1=t1, T2=t2, gamma2=g2, r=0.5)
    noise = ExactIsothermal() if isothermal else MatsubaraSum()
    for i in (0, 9, 17, 66, 67, 69):
        m, dr = paper_machine(gamma2=g2[i], T1=t1[i], T2=t2[i], r=0.5)
        ob = observables(m, dr, om[i], noise=noise)
        got = [d[k][i] for k in ("Q_PA", "P_A", "P_B", "V_PA", "pearson")]
        want = [ob.Q_l[0], ob.P_l[0], ob.P_l[1], ob.V_l[0], ob.pearson[0, 1]]
        np.testing.assert_allclose(got, np.asarray(want, dtype=float), rtol=1e-11, err_msg=f"point {i}")
        assert d["status"][i] == 0.0


@pytest.mark.parametrize("center", [2.0, 1.0])
def test_density_colours_are_centred_on_the_bound(center):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xx, yy = np.meshgrid(np.logspace(-2, 3, 12), np.logspace(-2, 0.3, 10))
    z = center * xx**0.7 / yy**0.2  # spans ~4 decades above the bound and ~1.5 below: not symmetric
    fig, ax = plt.subplots()
    F._density(ax, xx, yy, z, "t", center, "coolwarm", "Q", log_norm=True)
    mesh = ax.collections[0]
    assert mesh.norm(center) == pytest.approx(0.5, abs=1e-12)  # white (the map's middle) at the bound
    cbar = fig.axes[-1]
    ticks = cbar.get_yticks()
    assert np.any(np.isclose(ticks, center)) and f"{center:g}" in [t.get_text() for t in cbar.get_yticklabels()]
    # a symmetric-log panel: ticks at 0 and every second decade, none crowded around 0
    fig2, ax2 = plt.subplots()
    F._density(ax2, xx, yy, (xx - 3.0) * 1e-3, "p", 0.0, "coolwarm", "P")
    t2 = np.sort(fig2.axes[-1].get_yticks())
    assert len(t2) == 5 and t2[2] == 0.0 and t2[3] / t2[4] == pytest.approx(1e-2)
    plt.close(fig)
    plt.close(fig2)
