"""The FastAPI + Jinja2 + HTMX dashboard over the run store (extra ``detente[web]``).
Planned: see DESIGN.md §1; nothing is public here yet."""

__all__: list[str] = []
