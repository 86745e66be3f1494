"""Reproductions of the seeds' figures and the Pareto fronts, built on the ``jaxqtm`` library.

Not part of the installed package (the wheel ships ``jaxqtm`` only): run from the repository root,

    python -m examples.seed001.figures --out results/oscillators [--quick]   # seed 001 (the main job)
    python -m examples.seed002.figures --out DIR [--quick]                   # seed 002 (reservoirs)
    python -m examples.seed003.coherence_figures --out DIR [--quick]         # seed 003 (coherence)
    python -m examples.seed003.fcs_figures --out DIR [--quick]               # seed 003 (FCS / TUR)
    python -m examples.seed004.figures --out DIR [--quick]                   # seed 004 (qubit--rotor)
    python -m examples.fronts --out DIR [--quick]                            # Pareto fronts (optax)
    python -m examples.gallery --out DIR [--quick]                           # figures beside captions
"""
