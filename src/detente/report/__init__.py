"""Static reports (matplotlib): figures of forecasts and histories, written as PNG or SVG."""

from detente.report.figures import MAX_ISSUES, plot_forecasts, scenario_panels

__all__ = ["MAX_ISSUES", "plot_forecasts", "scenario_panels"]
