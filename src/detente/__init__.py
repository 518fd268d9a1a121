"""detente: analyse, simulate and forecast multi-party negotiations."""

__version__ = "0.1.0"

__all__ = ["__version__"]
