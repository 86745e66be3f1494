"""Seed 002 (two interacting bosonic reservoirs): ``python -m examples.seed002.figures --out DIR [--quick]``."""
