"""Simulated negotiation processes (mediated rounds, strategies, time-varying BATNAs,
sequencing). Planned: see DESIGN.md §1; nothing is public here yet."""

__all__: list[str] = []
