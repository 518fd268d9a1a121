"""``detente backtest``: score models against DEU III outcomes, and blind forecasts.

``detente backtest FILE [--model NAME]...`` runs the backtest (the ``run`` subcommand is
implied); ``detente backtest predict --train DEV HOLDOUT --model NAME -o predictions.csv``
writes blind forecasts.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from detente.cli._store import NoStoreOpt, StoreOpt, recording
from detente.cli.app import STDIN, app, check_output, display_path, errors, fail, input_path

if TYPE_CHECKING:
    from detente.backtest import BacktestResult, DeuData
    from detente.cli._store import Recorder

__all__ = ["backtest_app"]


class _DefaultToRun(TyperGroup):
    """A group whose first argument, when it is not a subcommand, goes to ``run``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # click.Context (vendored)
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        parsed: list[str] = super().parse_args(ctx, args)
        return parsed


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


_OOM = "fewer models (-m compromise) or fewer bootstrap draws (--boot)"


def _check_input(file: str) -> None:
    """A missing DEU table is named before anything runs (``-`` is standard input)."""
    p = input_path(file)
    if p is not None and not p.exists():
        fail(f"{file}: no such file")


@backtest_app.command("run")
def run_cmd(  # long: Typer declares every option in the signature (--store, --no-store too)
    file: Annotated[
        str,
        typer.Argument(
            help="A DEU III table with outcomes (e.g. deu3-dev.tsv), or - for standard input."
        ),
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
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
) -> None:
    """Score models on a DEU table: MAE, RMSE, share within 10 points.

    Each with a 95% bootstrap interval resampling proposals, paired against the compromise
    model, overall and by procedure (COD/CNS) and Council rule (QMV/Unan). Fitted models are
    scored by out-of-fold forecasts of cross-validation grouped by proposal.

    Steps: check the options and outputs; read the table; estimate the models' memory and
    time (refuse what does not fit, say how long a long run will take); run and score them
    (progress on stderr past a second); print the summary; write the CSV and the plot.
    """
    from detente.backtest import run_backtest
    from detente.cli.progress import reporting

    _check_capability(capability)
    check_output(csv, "--csv", inputs=[file])
    check_output(plot, "--plot", figure=True, inputs=[file])
    if boot < 10:
        fail(f"--boot {boot} is too small; use at least 10 (2000 recommended)")
    if folds < 2:
        fail(f"--folds {folds} is too small; use at least 2")
    _check_input(file)
    params = {"input": display_path(file), "capability": capability, "boot": boot, "folds": folds}
    with recording(
        store, no_store, "backtest run", models=model or [], params=params, seed=seed
    ) as rec:
        with errors(oom_hint=_OOM):
            try:
                data = _load_table(file)
                _check_cost(data, model, folds, boot, file, capability)
                with reporting():
                    res = run_backtest(
                        data, model, capability=capability, n_boot=boot, seed=seed, n_folds=folds
                    )
                    text = res.summary()  # the bootstrap runs here, once (to_df caches it)
            except ValueError as e:
                fail(str(e))
            typer.echo(text)
            if csv is not None:
                from detente.scenario.io._common import atomic_write_text

                atomic_write_text(csv, res.to_df().to_csv(index=False))
                typer.echo(f"wrote {csv}")
            if plot is not None:
                _save_plot(res, plot)
                typer.echo(f"wrote {plot}")
        _record_table(rec, file)
        rec.models = list(res.models)
        rec.result("backtest", res)


def _load_table(file: str) -> DeuData:
    """The scored issues of a DEU table (``-``: standard input)."""
    from detente.backtest.datasets import load_deu

    return load_deu(_read_path(file))


def _check_cost(
    data: DeuData, model: list[str] | None, folds: int, boot: int, file: str, capability: str
) -> None:
    """Refuse a backtest too big for the memory (the forecasts or the bootstrap) before any
    work; say how long a long one will take."""
    from detente.backtest.runner import backtest_cost, bootstrap_cost, default_models
    from detente.cli._run import announce
    from detente.resources import check

    names = list(dict.fromkeys(["compromise", *(model or default_models())]))
    proposals = len(set(data.arrays.meta.get("issue_groups") or ())) or data.arrays.n_issues
    where = display_path(file)
    run = check(backtest_cost(data, names, capability, folds), path=where)
    boot_cost = check(bootstrap_cost(boot, proposals, len(names)), path=where)
    line = announce(
        run.seconds + boot_cost.seconds,
        data.arrays.n_actors,
        data.arrays.n_issues,
        names,
        verb="scoring",
    )
    if line is not None:
        typer.echo(line, err=True)


def _save_plot(res: BacktestResult, plot: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")

    from detente.report.figures import save_figure

    fig: Any = res.plot().figure  # a top-level Figure: plot() made it
    save_figure(fig, plot, dpi=120)


@backtest_app.command("predict")
def predict_cmd(
    holdout: Annotated[
        str,
        typer.Argument(
            help="A DEU table without outcomes (deu3-holdout-inputs.tsv), or - for standard input."
        ),
    ],
    train: Annotated[
        str,
        typer.Option(
            "--train", help="The DEU table with outcomes to fit on (dev only), or - for stdin."
        ),
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
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
) -> None:
    """Blind forecasts for every held-out issue with at least three valid positions.

    Fitted models are fitted on --train only; the held-out file's outcomes are not used (and
    in deu3-holdout-inputs.tsv there are none). Predictions are written in full precision.
    """
    from detente.backtest import predict_file
    from detente.cli.progress import reporting
    from detente.scenario.io._common import atomic_write_text

    _check_capability(capability)
    check_output(output, "--output", inputs=[train, holdout])
    if train == STDIN and holdout == STDIN:
        fail("--train - and HOLDOUT -: standard input can be read once; allowed: one of them")
    for p in (train, holdout):
        _check_input(p)
    params: dict[str, Any] = {"input": display_path(holdout), "train": display_path(train)}
    params |= {"train_sha256": _file_hash(train), "capability": capability}
    with recording(store, no_store, "backtest predict", models=[model], params=params) as rec:
        with errors(oom_hint=_OOM), reporting():
            df = predict_file(_read_path(train), _read_path(holdout), model, capability=capability)
            atomic_write_text(output, df.to_csv(index=False))
        typer.echo(f"wrote {output}: {len(df)} issues, model {model}")
        _record_table(rec, holdout)
        rec.result("predictions", _predictions(df, model))


def _read_path(file: str) -> str | Path:
    """What the DEU reader is given: a file's path, or ``-`` for standard input."""
    p = input_path(file)
    return STDIN if p is None else p


def _record_table(rec: Recorder, file: str) -> None:
    """Record a DEU table read from a file by its text (standard input, read once, is not)."""
    p = input_path(file)
    try:
        if p is not None and p.is_file():
            rec.scenario_text(p.read_text(encoding="utf-8"), name=p.name, fmt="deu")
    except (OSError, UnicodeDecodeError):  # read once already; the run is recorded without it
        pass


def _file_hash(file: str) -> str | None:
    """The SHA-256 of a file's text (``None`` for standard input or a missing file)."""
    from detente.store import scenario_hash

    p = input_path(file)
    try:
        return scenario_hash(p.read_text(encoding="utf-8")) if p and p.is_file() else None
    except (OSError, UnicodeDecodeError):  # the reader names the problem when it runs
        return None


def _predictions(df: Any, model: str) -> dict[str, Any]:
    """Blind predictions as the store's forecast payload (``issues``, ``forecast``)."""
    return {
        "model": model,
        "issues": [str(i) for i in df["issue"]],
        "forecast": [float(x) for x in df["prediction"]],
    }


# ----------------------------------------------------------------------------- historical cases
@backtest_app.command("cases")
def cases_cmd(  # long: option declarations; the body is five steps
    names: Annotated[
        list[str] | None,
        typer.Argument(
            help="Shipped case names (colombia-2016, good-friday-1998, ...) or *.case.yaml "
            "files. Default: every shipped case."
        ),
    ] = None,
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model", "-m", help="Model to score (repeatable). Default: every registered model."
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report here (atomically).")
    ] = None,
    boot: Annotated[int, typer.Option("--boot", help="Bootstrap draws.")] = 2000,
    runs: Annotated[
        int, typer.Option("--runs", help="Simulated runs per case with a process block.")
    ] = 400,
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="Seed of models, bootstrap, runs.")
    ] = 0,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
) -> None:
    """Score models on historical peace talks, per case and pooled, and ask what the eve said.

    Each case is a scenario dated on the eve of an agreement beside the recorded outcome
    (docs/explanation/historical-cases.md). Errors are absolute, in points of each issue's
    0-100 scale; per case with a bootstrap interval over its issues, pooled with one over
    whole cases (few cases: a rough band). The eve: the zone of agreement among the veto
    players' limits, the blocking issues, the outcome against each veto player's interval,
    and with a process block the probability of a ratified deal and each ratification
    stage's chance of passing the recorded terms.

    Examples:

      detente backtest cases

      detente backtest cases colombia-2016 -m compromise -m smp --format json -o cases.json
    """
    import json

    from detente.cli._forecast_output import write_text
    from detente.history.cases import score_cases

    if fmt not in ("table", "json"):
        fail(f"--format {fmt!r} is not allowed; use one of: table, json")
    if boot < 10:
        fail(f"--boot {boot} is too small; use at least 10 (2000 recommended)")
    if runs < 1:
        fail(f"--runs {runs} is too small; use at least 1")
    check_output(output, "--output", inputs=[n for n in names or [] if Path(n).exists()])
    params = {"cases": list(names or []), "boot": boot, "runs": runs}
    with recording(
        store, no_store, "backtest cases", models=model, params=params, seed=seed
    ) as rec:
        with errors():
            for m in model or []:
                _known_model(m)
            res = score_cases(
                list(names) if names else None, model, seed=seed, n_boot=boot, runs=runs
            )
            if fmt == "json":
                text = json.dumps(res.to_dict(), indent=1, allow_nan=False) + "\n"
            else:
                text = res.summary()
            write_text(text, output)
        rec.result("cases", res)
    if output is not None:
        typer.echo(f"wrote {output}", err=True)


def _known_model(name: str) -> None:
    """An unknown --model is named, with the registered ones, before anything runs."""
    from detente.models.registry import list_models

    known = [m.name for m in list_models()]
    if name not in known:
        fail(f"--model {name!r} is not a registered model; allowed: {', '.join(known)}")
