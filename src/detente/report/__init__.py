"""Static reports (matplotlib): figures of forecasts and histories, written as PNG or SVG."""

from detente.report.figures import plot_forecasts

__all__ = ["plot_forecasts"]
