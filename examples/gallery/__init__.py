"""The reproduction gallery: ``reproduce(out, quick=False, only=None)`` regenerates figures 2-10
of seed 001 and 2-8 of seed 004, and writes ``index.html`` / ``GALLERY.md`` setting each figure
beside its printed caption with notes on the differences and the paper's claims checked on our
data. Command line (from the repository root):
``python -m examples.gallery --out DIR [--quick] [--only 001,001-appendix,004]``."""

from ._reproduce import FIGURES as FIGURES
from ._reproduce import UNITS as UNITS
from ._reproduce import main as main
from ._reproduce import reproduce as reproduce
