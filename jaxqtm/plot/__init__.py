"""Reusable plotting helpers (matplotlib, the ``plot`` extra; imported only when called).

- :func:`save_figure`: ``<name>.png`` with its data (``.npz``) and parameters (``.json``).

The paper figures themselves live outside the library, in ``examples/`` of the repository
(their command-line parsing in ``examples/_cli.py``).
"""

from ._script import save_figure as save_figure
