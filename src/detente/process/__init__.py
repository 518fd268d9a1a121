"""Talks as a process: protocols, strategies and the world around the table over time.

Submodules are imported where used (no work at import).
"""

__all__: list[str] = []
