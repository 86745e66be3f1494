"""Every notebook in notebooks/ runs top to bottom in quick mode (JAXQTM_QUICK=1), is stored
without outputs, and follows the QUICK convention (first code cell reads JAXQTM_QUICK)."""

import concurrent.futures
import glob
import os
import subprocess
import sys

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

# one xdist worker for the whole module: the fixture below runs every notebook once
pytestmark = pytest.mark.xdist_group("notebooks")

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


# Each notebook runs in its own process (its own kernel); two at a time, since the runs are
# dominated by single-threaded XLA compilation and CI has two cores.
_RUNNER = """
import sys, nbformat, nbclient
path, workdir = sys.argv[1], sys.argv[2]
nb = nbformat.read(path, as_version=4)
nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                        resources={"metadata": {"path": workdir}}).execute()
errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
          if o.get("output_type") == "error"]
sys.exit(3 if errors else 0)
"""


def _run_notebook(path, workdir):
    # the kernel inherits this environment: quick sizes, no display, one BLAS thread
    env = dict(os.environ, JAXQTM_QUICK="1", MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1",
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", _RUNNER, path, str(workdir)], env=env,
                          capture_output=True, text=True, timeout=900)
    return proc.returncode, (proc.stdout + proc.stderr)[-4000:]


@pytest.fixture(scope="module")
def notebook_runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("notebooks")
    dirs = {p: base / os.path.basename(p)[: -len(".ipynb")] for p in NOTEBOOKS}
    for d in dirs.values():
        d.mkdir()
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = {p: pool.submit(_run_notebook, p, dirs[p]) for p in NOTEBOOKS}
        return {p: f.result() for p, f in futures.items()}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[os.path.basename(p) for p in NOTEBOOKS])
def test_notebook_runs_in_quick_mode(path, notebook_runs):
    rc, log = notebook_runs[path]
    # nbclient raises CellExecutionError (cell source and traceback in the log) on any failure
    assert rc == 0, log
