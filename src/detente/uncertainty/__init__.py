"""Uncertainty: draws of a scenario's inputs, ensembles, sensitivity analysis and executors.

Submodules are imported where used (no work at import): :mod:`~detente.uncertainty.executors`
runs chunks of draws in-process, in a process pool or on Dask.
"""

__all__: list[str] = []
