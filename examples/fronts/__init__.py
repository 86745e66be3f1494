"""Pareto fronts of the seeds by gradient descent (``jaxqtm.optimize`` + optax).

- ``problems``: the objective functions (heat engine, work-to-work conversion).
- ``rotor``: rectification of the qubit--rotor device (seed 004, fig. 4).
- ``fronts``: the runs, figures and records; ``python -m examples.fronts --out DIR [--quick]
  [--parts heat,heat_q,work,rotor]``.
"""
