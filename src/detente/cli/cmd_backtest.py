"""``detente backtest``: score models against DEU III outcomes, and blind forecasts.

``detente backtest FILE [--model NAME]...`` runs the backtest (the ``run`` subcommand is
implied); ``detente backtest predict --train DEV HOLDOUT --model NAME -o predictions.csv``
writes blind forecasts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from detente.cli.app import app, check_output, errors, fail
from detente.scenario.io._common import atomic_write_text

__all__ = ["backtest_app"]


class _DefaultToRun(TyperGroup):
    """A group whose first argument, when it is not a subcommand, goes to ``run``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)  # type: ignore[no-any-return]


backtest_app = typer.Typer(
    cls=_DefaultToRun,
    no_args_is_help=True,
    help=(
        "Score forecasting models against recorded outcomes (DEU III), or forecast blind.\n\n"
        "Examples:\n\n"
        "  detente backtest ../shared/data/deu3/deu3-dev.tsv\n\n"
        "  detente backtest ../shared/data/deu3/deu3-dev.tsv -m compromise -m fitted "
        "--csv metrics.csv --plot mae.png\n\n"
        "  detente backtest predict --train ../shared/data/deu3/deu3-dev.tsv "
        "../shared/data/deu3/deu3-holdout-inputs.tsv --model compromise -o predictions.csv"
    ),
)
app.add_typer(backtest_app, name="backtest")

_CAPS = "equal, gdp, council (treaty Council votes by date), council-roles (+ Commission/EP roles)"


def _check_capability(capability: str) -> None:
    from detente.backtest.datasets import CAPABILITY_OPTIONS

    if capability not in CAPABILITY_OPTIONS:
        fail(
            f"--capability {capability!r} is not allowed; use one of: {', '.join(CAPABILITY_OPTIONS)}"
        )


@backtest_app.command("run")
def run_cmd(
    file: Annotated[
        Path, typer.Argument(help="A DEU III table with outcomes (e.g. deu3-dev.tsv).")
    ],
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model", "-m", help="Model to score (repeatable). Default: every registered model."
        ),
    ] = None,
    capability: Annotated[
        str, typer.Option("--capability", "-c", help=f"Capability option: {_CAPS}.")
    ] = "equal",
    csv: Annotated[
        Path | None,
        typer.Option("--csv", help="Write the per-model metrics table (every subset) here."),
    ] = None,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write the MAE plot (PNG/SVG/PDF) here.")
    ] = None,
    boot: Annotated[
        int, typer.Option("--boot", help="Bootstrap draws (proposals resampled).")
    ] = 2000,
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="Seed of the bootstrap and the CV folds.")
    ] = 0,
    folds: Annotated[
        int, typer.Option("--folds", help="Folds of the grouped CV for fitted models.")
    ] = 10,
) -> None:
    """Score models on a DEU table: MAE, RMSE, share within 10 points.

    Each with a 95% bootstrap interval resampling proposals, paired against the compromise
    model, overall and by procedure (COD/CNS) and Council rule (QMV/Unan). Fitted models are
    scored by out-of-fold forecasts of cross-validation grouped by proposal.
    """
    from detente.backtest import run_backtest

    _check_capability(capability)
    check_output(csv, "--csv")
    check_output(plot, "--plot", figure=True)
    if boot < 10:
        fail(f"--boot {boot} is too small; use at least 10 (2000 recommended)")
    if folds < 2:
        fail(f"--folds {folds} is too small; use at least 2")
    with errors():
        if not file.exists():
            fail(f"{file}: no such file")
        try:
            res = run_backtest(
                file, model, capability=capability, n_boot=boot, seed=seed, n_folds=folds
            )
        except ValueError as e:
            fail(str(e))
        typer.echo(res.summary())
        if csv is not None:
            atomic_write_text(csv, res.to_df().to_csv(index=False))
            typer.echo(f"wrote {csv}")
        if plot is not None:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt

            fig: Any = res.plot().figure  # a top-level Figure: plot() made it
            fig.tight_layout()
            try:
                fig.savefig(plot, dpi=120)
            finally:
                plt.close(fig)
            typer.echo(f"wrote {plot}")


@backtest_app.command("predict")
def predict_cmd(
    holdout: Annotated[
        Path, typer.Argument(help="A DEU table without outcomes (deu3-holdout-inputs.tsv).")
    ],
    train: Annotated[
        Path, typer.Option("--train", help="The DEU table with outcomes to fit on (dev only).")
    ],
    model: Annotated[
        str, typer.Option("--model", "-m", help="The model to forecast with.")
    ] = "compromise",
    output: Annotated[
        Path, typer.Option("--output", "-o", help="CSV to write: issue,model,prediction.")
    ] = Path("predictions.csv"),
    capability: Annotated[
        str, typer.Option("--capability", "-c", help=f"Capability option: {_CAPS}.")
    ] = "equal",
) -> None:
    """Blind forecasts for every held-out issue with at least three valid positions.

    Fitted models are fitted on --train only; the held-out file's outcomes are not used (and
    in deu3-holdout-inputs.tsv there are none).
    """
    from detente.backtest import predict_file

    _check_capability(capability)
    check_output(output, "--output")
    with errors():
        for p in (train, holdout):
            if not p.exists():
                fail(f"{p}: no such file")
        df = predict_file(train, holdout, model, capability=capability)
        atomic_write_text(output, df.to_csv(index=False, float_format="%.4f"))
    typer.echo(f"wrote {output}: {len(df)} issues, model {model}")
