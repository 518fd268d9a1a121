"""``detente baserate``: how conflicts like this one ended (UCDP base rates)."""

from __future__ import annotations

import datetime as dt
import json
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from detente.cli._store import NoStoreOpt, StoreOpt, recording
from detente.cli.app import app, check_output, display_path, errors, fail, load_scenario

if TYPE_CHECKING:
    from detente.history.termination import BaseRate
    from detente.scenario.conflict_spec import ConflictSpec
    from detente.scenario.schema import Scenario

__all__ = ["baserate_cmd", "print_historical_rate"]


class _Fmt(str, Enum):
    table = "table"
    json = "json"


_FIELDS = ("type", "intensity", "incompatibility", "region")


@app.command("baserate")
def baserate_cmd(  # long: the options are the covariates; the body is six steps
    file: Annotated[
        str | None,
        typer.Argument(
            help="Scenario file (or shipped example) whose `conflict` block and as_of to use."
        ),
    ] = None,
    type_: Annotated[
        str | None,
        typer.Option(
            "--type",
            help="interstate, intrastate, internationalized_intrastate or extrasystemic.",
        ),
    ] = None,
    intensity: Annotated[
        str | None, typer.Option("--intensity", help="war (1,000+ deaths a year) or minor.")
    ] = None,
    incompatibility: Annotated[
        str | None,
        typer.Option("--incompatibility", help="territory, government or both."),
    ] = None,
    region: Annotated[
        str | None,
        typer.Option("--region", help="europe, middle_east, asia, africa or americas."),
    ] = None,
    start: Annotated[
        str | None, typer.Option("--start", help="Start of the fighting (YYYY-MM-DD).")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Date of the question (YYYY-MM-DD); default: the file's."),
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            help="UCDP termination CSV (default: $DETENTE_UCDP_DATA, else "
            "../shared/data/ucdp/ucdp-term-dyad-3-2021.csv).",
        ),
    ] = None,
    boot: Annotated[
        int, typer.Option("--boot", help="Bootstrap resamples for the intervals.")
    ] = 1000,
    no_model: Annotated[
        bool, typer.Option("--no-model", help="Skip the Cox models (faster).")
    ] = False,
    fmt: Annotated[_Fmt, typer.Option("--format", "-f", help="table or json.")] = _Fmt.table,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead.")
    ] = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
) -> None:
    """How and when conflicts like this one ended: the probability of an agreement or a
    ceasefire within 3, 6, 12 and 24 months, given how long it has lasted (UCDP Conflict
    Termination data, Aalen-Johansen, bootstrap intervals over conflicts; Cox estimates beside).

    The conflict comes from the options, or from a scenario's `conflict` block (options
    override it); the as-of date from --as-of or the scenario's as_of.

    Steps: check the output path; read the scenario (if any); merge the options; check the
    values; read the data; compute; print or write.

    Examples:

      detente baserate miami

      detente baserate --type interstate --intensity war --incompatibility territory
      --region europe --start 2022-02-24 --as-of 2025-12-19 --format json
    """
    if not 1 <= boot <= 100_000:
        fail(f"--boot {boot}: out of range; allowed: a whole number from 1 to 100,000")
    check_output(output, "--output", inputs=[file] if file else [])
    params = {"input": display_path(file) if file else None, "boot": boot, "cox": not no_model}
    with recording(store, no_store, "baserate", params=params, seed=0) as rec, errors():
        spec, when = _conflict(file, type_, intensity, incompatibility, region, start, as_of)
        label = "--as-of" if as_of is not None or file is None else f"{display_path(file)}: as_of"
        res = _compute(spec, when, label, data, boot, not no_model)
        _emit(res, fmt, output)
        rec.params = {**params, "conflict": spec.model_dump(mode="json"), "as_of": str(when)}
        rec.result("baserate", res)


def _conflict(
    file: str | None,
    type_: str | None,
    intensity: str | None,
    incompatibility: str | None,
    region: str | None,
    start: str | None,
    as_of: str | None,
) -> tuple[ConflictSpec, dt.date]:
    """The conflict and as-of date from the file's block and the options (options win)."""
    from detente.scenario.conflict_spec import ConflictSpec

    given = {"type": type_, "intensity": intensity, "incompatibility": incompatibility}
    given |= {"region": region}
    values: dict[str, Any] = {}
    when: dt.date | None = None
    if file is not None:
        scenario = load_scenario(file)
        when = scenario.as_of
        if scenario.conflict is not None:
            c = scenario.conflict
            values = {f: getattr(c, f) for f in _FIELDS} | {"start": c.start}
        elif all(v is None for v in (*given.values(), start)):
            fail(
                f"{display_path(file)}: conflict: the scenario has no conflict block; allowed: "
                "a `conflict:` block in the file, or --type, --intensity, --incompatibility, "
                "--region and --start"
            )
    for name, v in given.items():
        if v is not None:
            values[name] = _choice(name, v)
    if start is not None:
        values["start"] = _date("--start", start)
    if as_of is not None:
        when = _date("--as-of", as_of)
    missing = [f"--{f.replace('_', '-')}" for f in (*_FIELDS, "start") if f not in values]
    if when is None:
        missing.append("--as-of")
    if missing or when is None:
        fail(f"baserate: missing {', '.join(missing)}; allowed: the options, or a scenario file")
    return ConflictSpec(**values), when


def _choice(name: str, value: str) -> str:
    """A covariate value checked against UCDP's names (one-line error with the allowed)."""
    from detente.scenario.conflict_spec import CODES

    allowed = CODES[name]
    v = value.strip().lower().replace("-", "_")
    if v not in allowed:
        fail(f"--{name} {value!r}: unknown value; allowed: {', '.join(allowed)}")
    return v


def _date(flag: str, text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(f"{flag} {text!r}: not a date; allowed: YYYY-MM-DD")


def _compute(
    spec: ConflictSpec, when: dt.date, label: str, data: Path | None, boot: int, model: bool
) -> BaseRate:
    from detente.history.termination import base_rate
    from detente.scenario.errors import ScenarioError

    try:
        return base_rate(spec, when, data=data, n_boot=boot, model=model)
    except ScenarioError as e:
        if e.field == "as_of":
            fail(
                f"{label} {when.isoformat()}: before the conflict's start "
                f"{spec.start.isoformat()}; allowed: a date on or after {spec.start.isoformat()}"
            )
        raise


def _emit(res: BaseRate, fmt: _Fmt, output: Path | None) -> None:
    from detente.cli._forecast_output import write_text

    if fmt is _Fmt.json:
        text = json.dumps(res.to_dict(), indent=2, allow_nan=False) + "\n"
    else:
        text = res.summary() + "\n"
    write_text(text, output)


def print_historical_rate(scenario: Scenario, *, stdout: bool) -> None:
    """One line for ``detente simulate``: the UCDP agreement rate within 12 months for the
    scenario's conflict block, beside the simulation's own (stdout when the simulation's
    table went there, else stderr); a note instead when the data is absent; nothing without
    a conflict block or an as-of date."""
    from detente.history.termination import base_rate, data_path
    from detente.scenario.errors import ScenarioError

    c, when = scenario.conflict, scenario.as_of
    if c is None or when is None:
        return
    try:
        data_path()
    except ScenarioError:
        typer.echo(
            "note: historical base rate skipped: UCDP termination data not found "
            "(set DETENTE_UCDP_DATA or see `detente baserate --help`)",
            err=True,
        )
        return
    try:
        r = base_rate(c, when, n_boot=200, model=False)
    except ScenarioError as e:
        typer.echo(f"note: historical base rate skipped: {e}", err=True)
        return
    h = r.horizons_months.index(12)
    typer.echo(
        f"Historical base rate (UCDP, {r.reference_class_size} similar conflicts, "
        f"{r.at_risk} lasting as long): agreement within 12 months "
        f"{r.probability[0, h]:.1%} [{r.lower[0, h]:.1%}-{r.upper[0, h]:.1%}]",
        err=not stdout,
    )
