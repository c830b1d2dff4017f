"""Error-bound measurements of the golden model's approximations.

Each measurement module returns a JSON-ready section for
``reports/errorbounds/summary.json`` plus markdown and plots; ``gates.py``
holds the limits of DESIGN.md section 3 that the ``test`` session enforces.
Run ``python -m golden.errorbounds --help``.
"""
