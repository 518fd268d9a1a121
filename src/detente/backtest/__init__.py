"""Backtesting forecasting models against recorded negotiation outcomes (DEU III).

``run_backtest`` scores registered models on a DEU table with outcomes (MAE, RMSE, share within
10 points, proposal-bootstrap intervals, paired against the compromise model, by procedure and
vote rule); ``predict_file`` writes blind forecasts for a table without outcomes.
"""

from detente.backtest.datasets import CAPABILITY_OPTIONS, DeuData, load_deu, proposal_arrays
from detente.backtest.metrics import Interval, bootstrap_metric, mae, paired_bootstrap, rmse, within
from detente.backtest.runner import BacktestResult, predict_deu, predict_file, run_backtest

__all__ = [
    "CAPABILITY_OPTIONS",
    "BacktestResult",
    "DeuData",
    "Interval",
    "bootstrap_metric",
    "load_deu",
    "mae",
    "paired_bootstrap",
    "predict_deu",
    "predict_file",
    "proposal_arrays",
    "rmse",
    "run_backtest",
    "within",
]
