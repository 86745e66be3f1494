"""Seed 001 (two oscillators with modulated couplings): ``paper.paper_machine`` (the paper's
parameter sets) and ``python -m examples.seed001.figures --out DIR [--quick]`` (figs. 2-10)."""
