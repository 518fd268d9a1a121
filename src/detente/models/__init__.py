"""Forecasting models: ``run(arrays, *, rng=None, **params) -> Forecast`` behind a registry."""

from detente.models.registry import ModelInfo, get_model, list_models, register, run_model
from detente.models.result import Forecast

__all__ = ["Forecast", "ModelInfo", "get_model", "list_models", "register", "run_model"]
