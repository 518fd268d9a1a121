"""`detente baserate` and the historical line of `detente simulate` (hand-made data files)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from test_termination import row, write  # the hand-made file writer (same folder)
from typer.testing import CliRunner


def _cli(args: list[str], env: dict[str, str] | None = None):
    from detente.cli.app import _register_commands, app

    _register_commands()
    return CliRunner().invoke(app, args, env=env)


def _data(tmp_path: Path) -> Path:
    """40 dyads from 1 January 1990: dyad d ends after 30*d days, by agreement every fourth,
    ceasefire every fourth, low activity otherwise; half interstate in Europe."""
    lines = []
    for d in range(1, 41):
        end = dt.date(1990, 1, 1) + dt.timedelta(days=30 * d)
        oc = "1" if d % 4 == 0 else "2" if d % 4 == 1 else "5"
        lines.append(
            row(
                d,
                end.year,
                "1/1/90",
                term="1",
                end=f"{end.month}/{end.day}/{end.year % 100:02d}",
                outcome=oc,
                type_=2 if d % 2 else 3,
                region="1" if d % 2 else "4",
            )
        )
    return write(tmp_path, lines)


OPTS = [
    "--type",
    "interstate",
    "--intensity",
    "minor",
    "--incompatibility",
    "territory",
    "--region",
    "europe",
    "--start",
    "2022-02-24",
    "--as-of",
    "2022-02-24",
    "--boot",
    "50",
    "--no-model",
]


def test_json_keys_and_values(tmp_path: Path) -> None:
    r = _cli(["baserate", *OPTS, "--data", str(_data(tmp_path)), "--format", "json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    for key in ("probability_agreement", "probability_ceasefire"):
        assert set(d[key]) == {"3", "6", "12", "24"}
        assert set(d[key]["12"]) == {"estimate", "lower", "upper", "cox"}
    # the 20 odd dyads are interstate in Europe, all running at day 0: 20 at risk, no widening
    assert d["reference_class_size"] == 20 and d["reference_class"]["matched"] == [
        "type",
        "intensity",
        "incompatibility",
        "region",
    ]
    # odd dyads 1..39; within 3 months (91.3 days) dyads 1 and 3 ended (30, 90 days):
    # dyad 1 ceasefire (1 % 4 == 1), dyad 3 low activity -> ceasefire 1/20, agreement 0
    assert d["probability_ceasefire"]["3"]["estimate"] == pytest.approx(1 / 20)
    assert d["probability_agreement"]["3"]["estimate"] == 0.0


def test_table_and_atomic_output(tmp_path: Path) -> None:
    out = tmp_path / "rate.txt"
    r = _cli(["baserate", *OPTS, "--data", str(_data(tmp_path)), "-o", str(out)])
    assert r.exit_code == 0, r.output
    text = out.read_text()
    assert "Reference class: 20 episodes" in text and "12 months" in text
    assert not list(tmp_path.glob("*.tmp*"))


def test_reads_the_scenario_conflict_block_and_options_override(tmp_path: Path) -> None:
    data = str(_data(tmp_path))
    r = _cli(
        ["baserate", "miami", "--data", data, "--format", "json", "--boot", "20", "--no-model"]
    )
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["conflict"] == {
        "type": "interstate",
        "intensity": "war",
        "incompatibility": "territory",
        "region": "europe",
        "start": "2022-02-24",
    }
    assert d["as_of"] == "2025-12-19" and d["duration_so_far_days"] == 1394
    r = _cli(
        [
            "baserate",
            "miami",
            "--region",
            "asia",
            "--data",
            data,
            "-f",
            "json",
            "--boot",
            "20",
            "--no-model",
        ]
    )
    assert json.loads(r.stdout)["conflict"]["region"] == "asia"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--as-of", "2020-01-01"], "--as-of 2020-01-01: before the conflict's start 2022-02-24"),
        (
            ["--type", "civil"],
            "--type 'civil': unknown value; allowed: extrasystemic, interstate, intrastate, "
            "internationalized_intrastate",
        ),
        (["--region", "oceania"], "allowed: europe, middle_east, asia, africa, americas"),
        (["--start", "24/2/2022"], "--start '24/2/2022': not a date; allowed: YYYY-MM-DD"),
    ],
)
def test_located_errors_exit_2(tmp_path: Path, args: list[str], words: str) -> None:
    base = list(OPTS)
    for flag, value in zip(args[::2], args[1::2], strict=True):
        i = base.index(flag)
        base[i + 1] = value
    r = _cli(["baserate", *base, "--data", str(_data(tmp_path))])
    assert r.exit_code == 2, r.output
    assert words in r.output and "Traceback" not in r.output


def test_scenario_without_conflict_block(tmp_path: Path) -> None:
    r = _cli(["baserate", "eu-emissions", "--data", str(_data(tmp_path))])
    assert r.exit_code == 2
    assert "the scenario has no conflict block; allowed: a `conflict:` block" in r.output


def test_missing_options_are_named(tmp_path: Path) -> None:
    r = _cli(["baserate", "--type", "interstate", "--data", str(_data(tmp_path))])
    assert r.exit_code == 2
    assert "missing --intensity, --incompatibility, --region, --start, --as-of" in r.output


def test_missing_data_file(tmp_path: Path) -> None:
    r = _cli(["baserate", *OPTS, "--data", str(tmp_path / "none.csv")])
    assert r.exit_code == 2
    assert "none.csv: the UCDP Conflict Termination file (given) was not found" in r.output
    r = _cli(["baserate", *OPTS], env={"DETENTE_UCDP_DATA": str(tmp_path / "gone.csv")})
    assert r.exit_code == 2 and "gone.csv" in r.output and "DETENTE_UCDP_DATA" in r.output


def test_malformed_data_file_is_located(tmp_path: Path) -> None:
    p = write(tmp_path, [row(1, 1990, "1/1/90", term="1", end="2/1/90", outcome="9")])
    r = _cli(["baserate", *OPTS, "--data", str(p)])
    assert r.exit_code == 2
    assert (
        f"{p}:2: outcome: not a valid value (got '9'); allowed: one of 1, 2, 3, 4, 5, 6" in r.output
    )


def test_output_must_not_overwrite_the_input(tmp_path: Path) -> None:
    from detente.examples import example_path

    scen = tmp_path / "m.yaml"
    scen.write_text(example_path("miami").read_text())
    r = _cli(["baserate", str(scen), "-o", str(scen), "--data", str(_data(tmp_path))])
    assert r.exit_code == 2 and "would destroy an input" in r.output


def test_simulate_prints_the_historical_rate(tmp_path: Path) -> None:
    args = ["simulate", "miami", "--point", "--runs", "1", "--rounds", "2", "--seed", "1"]
    r = _cli(args, env={"DETENTE_UCDP_DATA": str(_data(tmp_path))})
    assert r.exit_code == 0, r.output
    line = [x for x in r.stdout.splitlines() if x.startswith("Historical base rate")]
    assert len(line) == 1 and "similar conflicts" in line[0]
    assert "agreement within 12 months" in line[0]
    r = _cli(args, env={"DETENTE_UCDP_DATA": str(tmp_path / "absent.csv")})
    assert r.exit_code == 0, r.output
    assert "note: historical base rate skipped" in r.output
    assert "Historical base rate" not in r.stdout


def test_file_as_of_before_an_overriding_start(tmp_path: Path) -> None:
    r = _cli(["baserate", "miami", "--start", "2026-01-01", "--data", str(_data(tmp_path))])
    assert r.exit_code == 2
    assert "miami: as_of 2025-12-19: before the conflict's start 2026-01-01" in r.output
