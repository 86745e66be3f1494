"""The fronts command line: argument errors (fast) and a quick heat-engine run (slow) whose every
reported point is non-dominated, ok and feasible on a fine time grid, with reproducible JSON."""

import json

import numpy as np
import pytest

import jaxqtm.optimize as opt
from examples.fronts.fronts import main


def test_cli_rejects_unknown_parts_and_bad_sizes(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["--out", str(tmp_path), "--parts", "heat,engine"])
    assert e.value.code == 2 and "engine" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--out", str(tmp_path), "--points", "1"])


@pytest.mark.slow
def test_quick_heat_fronts_are_nondominated_feasible_and_documented(tmp_path):
    assert main(["--quick", "--out", str(tmp_path)]) == 0
    rec = json.load(open(tmp_path / "fronts.json"))
    assert (tmp_path / "heat_engine_eta_power.png").exists()
    for conf in ("joint", "independent"):
        name = f"heat_eta_{conf}"
        d = np.load(tmp_path / f"{name}.npz")
        F_all, ok, mask = d["all_F"].reshape(-1, 2), d["all_ok"].reshape(-1), d["front_mask"].reshape(-1)
        assert mask.any() and np.all(ok[mask])
        np.testing.assert_array_equal(opt.nondominated(F_all, ok), mask)
        # every front point is an engine (P < 0) with eta < eta_C, and the drive bound holds
        assert np.all(d["front_P"] < 0) and np.all(d["front_eta"] < d["front_eta_C"])
        assert rec[name]["max_abs_g_on_fine_grid"] <= rec[name]["g_max"] * (1 + 1e-12)
        # Pietzonka--Seifert ratio = 1/Q_P <= 1/2 along the front (Q_P >= 2, seed 001 app. C)
        np.testing.assert_allclose(d["front_pietzonka_seifert"], 1 / d["front_Q_P"], rtol=1e-9)
        assert np.all(d["front_pietzonka_seifert"] <= 0.5)
        # everything needed to reproduce the run is recorded
        cfg = rec[name]["config"]
        assert cfg["problem"]["machine"]["gamma2"] == 0.1 and cfg["seed"] == 1 and len(cfg["eps"]) == 4
