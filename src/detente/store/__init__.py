"""The run store (SQLite, WAL): inputs hash, parameters, seeds, version, results. Planned:
see DESIGN.md §1; nothing is public here yet."""

__all__: list[str] = []
