"""Dated revisions (issue 14, part 2): the revision block, the series loader, the movement
table on a hand-made series with known answers, the date rule on the shipped Russia-Ukraine
series, and validate's warning on a late source."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import re
import warnings
from pathlib import Path

import matplotlib
import pytest
import yaml
from typer.testing import CliRunner

from detente.cli.app import _register_commands, app
from detente.examples import example_path, series_examples
from detente.scenario.errors import ScenarioError
from detente.scenario.io import load
from detente.scenario.revision_spec import LateSourceWarning, late_sources, warn_late
from detente.scenario.revisions import load_series, run_revisions

matplotlib.use("Agg")

runner = CliRunner()

FIRST = """\
name: Two sides
as_of: '2025-01-10'
actors:
- {id: A, name: Alpha (the first side), capability: 1.0, veto: true}
- {id: B, name: Beta, capability: 1.0, veto: true}
issues:
- id: x
  name: The border
  scale:
    anchors:
    - {value: 20, label: Alpha's line}
    - {value: 40, label: Alpha's last offer}
    - {value: 60, label: Beta's last offer}
    - {value: 80, label: Beta's line}
- {id: y, name: The money}
positions:
- {actor: A, issue: x, position: 20, salience: 100, reservation: 40}
- {actor: B, issue: x, position: 80, salience: 100, reservation: 60}
- {actor: A, issue: y, position: 10, salience: 50}
- {actor: B, issue: y, position: 30, salience: 50}
sources:
- {id: S1, title: First talks, date: '2025-01-05'}
revision: {series: two-sides, label: first round}
"""
# The second round: B moves from 80 to 60 on x and its limit from 60 to 30.
SECOND = (
    FIRST.replace("as_of: '2025-01-10'", "as_of: '2025-02-10'")
    .replace(
        "{actor: B, issue: x, position: 80, salience: 100, reservation: 60}",
        "{actor: B, issue: x, position: 60, salience: 100, reservation: 30}",
    )
    .replace(
        "revision: {series: two-sides, label: first round}",
        "revision: {series: two-sides, label: second round, previous: r1.yaml,"
        " changes: ['B moves to 60 [S1]']}",
    )
)


@pytest.fixture
def series(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "r1.yaml").write_text(FIRST)
    (tmp_path / "r2.yaml").write_text(SECOND)
    return tmp_path / "r1.yaml", tmp_path / "r2.yaml"


def test_movement_on_a_hand_made_series(series: tuple[Path, Path]) -> None:
    """Equal capabilities and saliences: the compromise is the plain mean of the positions,
    (20 + 80) / 2 = 50 on x, then (20 + 60) / 2 = 40 (change -10); y stays (10 + 30) / 2 = 20.
    Limits: A signs [0, 40], B [60, 100] (gap 20) -> blocked; then B signs [30, 90] -> a zone."""
    revs = load_series(series[1])  # the chain of previous links, oldest first
    assert [r.label for r in revs] == ["first round", "second round"]
    res = run_revisions(revs, ["compromise"], grid=5)
    df = res.to_df().set_index(["revision", "issue"])
    assert df.loc[(1, "x"), "forecast"] == pytest.approx(50.0)
    assert df.loc[(2, "x"), "forecast"] == pytest.approx(40.0)
    assert df.loc[(2, "x"), "change"] == pytest.approx(-10.0)
    assert df.loc[(2, "y"), "change"] == pytest.approx(0.0)
    assert math.isnan(df.loc[(1, "x"), "change"])
    assert [r.zone for r in res.runs] == [False, True]
    assert [r.blocking for r in res.runs] == [["x"], []]
    assert res.blocking_change(1) == ([], ["x"])  # x stopped blocking; nothing started
    assert bool(df.loc[(1, "x"), "blocking"]) and not bool(df.loc[(2, "x"), "blocking"])
    text = res.summary()
    assert "blocked on x (gap 20)" in text and "no longer blocking: x" in text
    assert "40.0 (-10.0)" in text
    json.dumps(res.to_dict(), allow_nan=False)


def test_files_in_any_order_are_sorted_by_date(series: tuple[Path, Path]) -> None:
    revs = load_series([str(series[1]), str(series[0])])
    assert [r.as_of for r in revs] == [dt.date(2025, 1, 10), dt.date(2025, 2, 10)]


def test_same_date_twice_is_refused(tmp_path: Path, series: tuple[Path, Path]) -> None:
    twin = tmp_path / "twin.yaml"
    twin.write_text(FIRST.replace("label: first round", "label: twin"))
    with pytest.raises(ScenarioError, match="share one as_of") as e:
        load_series([series[0], twin])
    assert e.value.field == "as_of"


def test_mixed_series_and_broken_links_are_refused(tmp_path: Path) -> None:
    a = tmp_path / "a.yaml"
    a.write_text(FIRST)
    b = tmp_path / "b.yaml"
    b.write_text(SECOND.replace("series: two-sides", "series: other"))
    with pytest.raises(ScenarioError, match="different series"):
        load_series([a, b])
    c = tmp_path / "c.yaml"
    c.write_text(SECOND.replace("previous: r1.yaml", "previous: gone.yaml"))
    with pytest.raises(ScenarioError, match="does not exist") as e:
        load_series(c)
    assert e.value.field == "revision.previous"


def test_a_revision_needs_as_of(tmp_path: Path) -> None:
    f = tmp_path / "n.yaml"
    f.write_text(FIRST.replace("as_of: '2025-01-10'\n", ""))
    with pytest.raises(ScenarioError, match="needs the scenario's as_of") as e:
        load(f)
    assert e.value.field is not None and "revision" in e.value.field


def test_revision_block_survives_tidy_csv(tmp_path: Path, series: tuple[Path, Path]) -> None:
    from detente.scenario.io import save

    s = load(series[1])
    save(s, tmp_path / "tidy", format="tidy-csv")
    back = load(tmp_path / "tidy")
    assert back.revision == s.revision


def test_cli_revisions_json_and_plot(tmp_path: Path, series: tuple[Path, Path]) -> None:
    _register_commands()
    png = tmp_path / "moved.png"
    r = runner.invoke(
        app,
        ["revisions", str(series[0]), str(series[1]), "-m", "compromise", "--grid", "5",
         "--format", "json", "--plot", str(png), "--no-store"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    rows = {(m["revision"], m["issue"]): m for m in d["movement"]}
    assert rows[(2, "x")]["change"] == pytest.approx(-10.0)
    assert [v["zone"] for v in d["revisions"]] == [False, True]
    assert png.stat().st_size > 0


def test_cli_revisions_refuses_a_single_revision(series: tuple[Path, Path]) -> None:
    _register_commands()
    r = runner.invoke(app, ["revisions", str(series[0]), "-m", "compromise", "--no-store"])
    assert r.exit_code == 2 and "one revision only" in r.output


def test_plot_labels_every_issue_without_overlap(series: tuple[Path, Path]) -> None:
    import matplotlib.pyplot as plt

    res = run_revisions(load_series(series[1]), ["compromise"], grid=5)
    fig, ax = plt.subplots(figsize=(8, 5))
    res.plot(ax)
    fig.canvas.draw()
    labels = {t.get_text(): t for t in ax.texts}
    assert {"x", "y"} <= set(labels)
    boxes = [t.get_window_extent() for t in ax.texts]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b)
    assert "blocks the zone of agreement" in [t.get_text() for t in ax.get_legend().get_texts()]
    plt.close(fig)


# ------------------------------------------------------------- the shipped series
UKRAINE = [example_path(n) for n in series_examples("ukraine-2025")]
CSV = (
    Path(__file__).resolve().parents[2].parent / "shared" / "data" / "ukraine-2025" / "sources.csv"
)


def _cited(obj: object) -> set[str]:
    """Every source id cited in ``obj``: ``*sources`` lists and ``[S1, S2]`` brackets."""
    out: set[str] = set()
    if isinstance(obj, dict):
        for k, v in obj.items():
            if str(k).endswith("sources") and isinstance(v, list):
                out |= {str(x) for x in v}
            else:
                out |= _cited(v)
    elif isinstance(obj, list):
        for v in obj:
            out |= _cited(v)
    elif isinstance(obj, str):
        for grp in re.findall(r"\[([^\]]+)\]", obj):
            out |= {t.strip() for t in re.split(r"[,;]", grp) if re.fullmatch(r"S\d+", t.strip())}
    return out


@pytest.mark.parametrize("path", UKRAINE, ids=lambda p: p.name)
def test_every_cited_source_is_public_by_the_revisions_date(path: Path) -> None:
    d = yaml.safe_load(path.read_text())
    as_of = dt.date.fromisoformat(str(d["as_of"]))
    dates = {str(s["id"]): dt.date.fromisoformat(str(s["date"])) for s in d["sources"]}
    body = {k: v for k, v in d.items() if k not in ("sources",)}
    cited = _cited(body)
    assert cited, "no citation found"
    missing = sorted(cited - set(dates))
    assert not missing, f"cited but not listed: {missing}"
    late = sorted(s for s in cited if dates[s] > as_of)
    assert not late, f"cited after {as_of}: {late}"
    assert late_sources(load(path)) == []


def test_the_series_is_three_dated_revisions() -> None:
    revs = load_series("ukraine-2025")
    assert [str(r.as_of) for r in revs] == ["2025-12-19", "2025-12-24", "2026-01-24"]
    assert {r.scenario.revision.series for r in revs} == {"ukraine-2025"}  # type: ignore[union-attr]
    # the newest revision's previous links lead back to Miami
    assert [r.as_of for r in load_series(UKRAINE[-1])] == [r.as_of for r in revs]


@pytest.mark.skipif(not CSV.is_file(), reason="../shared/data/ukraine-2025 not available")
def test_new_sources_carry_the_public_date_of_the_shared_table() -> None:
    """The sources the two new revisions add are dated by the table's second date (when
    public): S17, S25 on 24 Dec; S26 on 26 Dec (so it is not usable on 24 Dec); S18's
    January poll on 2 Jan, S19 on 15 Jan, S22 on 24 Jan 2026."""
    with CSV.open() as f:
        public = {r["source_id"]: r["last_date"] for r in csv.DictReader(f)}
    dec = {s.id: s.date for s in load(UKRAINE[1]).sources}
    jan = {s.id: s.date for s in load(UKRAINE[2]).sources}
    for sid in ("S17", "S25"):
        assert str(dec[sid]) == public[sid]
    assert "S26" not in dec and public["S26"] > "2025-12-24"
    for sid in ("S17", "S18", "S19", "S22", "S25", "S26"):
        assert str(jan[sid]) == public[sid], sid


def test_validate_warns_on_a_late_source(tmp_path: Path) -> None:
    text = example_path("miami").read_text()
    late = text.replace(
        "  url: https://www.etvbharat.com/en/international/us-secretary-rubio-to-not-force-deal"
        "-on-ukraine-as-europeans-join-miami-talks-enn25122000646\n  date: '2025-12-19'",
        "  url: https://www.etvbharat.com/en/international/us-secretary-rubio-to-not-force-deal"
        "-on-ukraine-as-europeans-join-miami-talks-enn25122000646\n  date: '2026-01-02'",
    )
    assert late != text
    f = tmp_path / "late.yaml"
    f.write_text(late)
    _register_commands()
    r = runner.invoke(app, ["validate", str(f)])
    assert r.exit_code == 0, r.output
    assert "warning:" in r.stderr and "source S16 is dated 2026-01-02" in r.stderr
    with pytest.warns(LateSourceWarning, match="S16"):
        warn_late(load(f), str(f))
    clean = runner.invoke(app, ["validate", "miami"])
    assert "warning" not in clean.stderr
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert warn_late(load(example_path("miami"))) == []
