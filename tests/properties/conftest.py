"""Hypothesis profiles of the property-based layer (issue 14, item 5).

``default``: few examples, derandomised (the same examples on every machine and every run,
so CI is reproducible), no deadline (the first example of each property pays for one XLA
compilation), no example database (hypothesis still keeps a self-gitignored ``.hypothesis/``
for its caches and the patches it writes for failing examples).
``slow``: many more examples, still reproducible; select it with ``HYPOTHESIS_PROFILE=slow``
(e.g. ``HYPOTHESIS_PROFILE=slow python -m pytest tests/properties -n 0``); it also runs hypothesis'
explain phase on a failure (which parts of the minimal example matter).
"""

import os

from hypothesis import HealthCheck, Phase, settings

_COMMON = dict(
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)

# no explain phase by default: on a failing property it re-runs hundreds of variations of
# the minimal example (~15 s per failing test here); the shrunk example is still printed
settings.register_profile("default", max_examples=20, phases=tuple(p for p in Phase if p != Phase.explain), **_COMMON)
settings.register_profile("slow", max_examples=400, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
