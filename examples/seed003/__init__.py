"""Seed 003 (coherence and the current--dissipation trade-off):
``python -m examples.seed003.coherence_figures --out DIR [--quick]`` and
``python -m examples.seed003.fcs_figures --out DIR [--quick]`` (full counting statistics, TUR)."""
