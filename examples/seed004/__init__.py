"""Seed 004 (two qubits + quantum rotor): ``python -m examples.seed004.figures --out DIR [--quick]`` (figs. 2-8)."""
