"""Reusable plotting helpers (matplotlib, the ``plot`` extra; imported only when called).

- :func:`figure_script`: ``--out DIR [--quick]`` argument parsing plus matplotlib's Agg backend,
  the start of a figure script.
- :func:`save_figure`: ``<name>.png`` with its data (``.npz``) and parameters (``.json``).

The paper figures themselves live outside the library, in ``examples/`` of the repository.
"""

from ._script import figure_script as figure_script
from ._script import save_figure as save_figure
