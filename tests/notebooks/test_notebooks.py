"""Every notebook in notebooks/ runs top to bottom in quick mode (JAXQTM_QUICK=1), is stored
without outputs, and follows the QUICK convention (first code cell reads JAXQTM_QUICK)."""

import glob
import os

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NOTEBOOKS = sorted(glob.glob(os.path.join(ROOT, "notebooks", "*.ipynb")))


def test_there_are_notebooks():
    names = {os.path.basename(p) for p in NOTEBOOKS}
    for required in ("oscillators_quickstart.ipynb", "gradient_maps.ipynb", "drive_optimisation.ipynb",
                     "rotor_device.ipynb", "reservoirs.ipynb"):
        assert required in names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[os.path.basename(p) for p in NOTEBOOKS])
def test_notebook_stored_clean_with_quick_switch(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "notebook has no code"
    assert 'os.environ.get("JAXQTM_QUICK", "0") == "1"' in code[0].source.replace("'", '"'), \
        "the first code cell must read QUICK = os.environ.get('JAXQTM_QUICK', '0') == '1'"
    for c in code:
        assert not c.get("outputs") and c.get("execution_count") is None, "store notebooks without outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[os.path.basename(p) for p in NOTEBOOKS])
def test_notebook_runs_in_quick_mode(path, monkeypatch, tmp_path):
    # the kernel inherits this environment: quick sizes, no display, one BLAS thread
    monkeypatch.setenv("JAXQTM_QUICK", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    monkeypatch.setenv("PYTHONPATH", ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=240, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError (with the cell and traceback) on any failure
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
