"""Old name of :mod:`detente.models.eu_plots` (kept so that existing imports work)."""

from detente.models.eu_plots import REGIONS, plot_quadrants, regions

__all__ = ["REGIONS", "plot_quadrants", "regions"]
