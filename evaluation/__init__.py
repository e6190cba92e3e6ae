"""How well the service's verdicts match a labelled set of claims: ``python -m evaluation`` (``make eval``).

:mod:`evaluation.score` holds the pure part (loading labelled claims, the metrics,
the printed report) so it can be tested without a model; :mod:`evaluation.runner`
serves the real app on a fresh DATA_DIR and asks it about each claim.
"""
