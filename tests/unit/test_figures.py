"""Readable outputs (issue 14, part 3): every actor's line labelled, full titles, labels that
do not overlap, model names a reader cannot confuse, option labels not cut, numbers rounded,
and analyze's short summary."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import pytest
from typer.testing import CliRunner

from detente.cli.app import _register_commands, app
from detente.models.registry import display_name, run_model
from detente.report import plot_forecasts
from detente.report.figures import _spread, spread_labels
from detente.report.words import nearest_option, option_words, round_sensibly, short_name
from detente.scenario.io import load

matplotlib.use("Agg")
import matplotlib.pyplot as plt

runner = CliRunner()

LONG = "a very long documented option label that goes on and on past any column until zebra"
SMALL = f"""\
name: Three sides
actors:
- {{id: AAA, name: Alpha, capability: 3.0, veto: true}}
- {{id: BBB, name: Beta, capability: 2.0, veto: true}}
- {{id: CCC, name: Gamma, capability: 1.0}}
issues:
- id: x
  name: An issue with a name far longer than fifty characters, which used to be cut short
  scale:
    anchors:
    - {{value: 20, label: Alpha's last offer}}
    - {{value: 60, label: Beta's last offer}}
    - {{value: 26, label: '{LONG}'}}
- {{id: y, name: The money}}
positions:
- {{actor: AAA, issue: x, position: 10, salience: 100, reservation: 30}}
- {{actor: BBB, issue: x, position: 80, salience: 30, reservation: 50}}
- {{actor: CCC, issue: x, position: 50, salience: 60}}
- {{actor: AAA, issue: y, position: 20, salience: 50}}
- {{actor: BBB, issue: y, position: 70, salience: 50}}
- {{actor: CCC, issue: y, position: 40, salience: 50}}
"""


@pytest.fixture
def small(tmp_path: Path) -> Path:
    f = tmp_path / "small.yaml"
    f.write_text(SMALL)
    return f


def _no_overlap(ax: object, fig: object) -> None:
    fig.canvas.draw()  # type: ignore[attr-defined]
    from matplotlib.text import Text

    # the text's own box (an Annotation's box would include its leader line)
    boxes = [Text.get_window_extent(t) for t in ax.texts if t.get_text()]  # type: ignore[attr-defined]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), "two labels overlap"


def test_every_actor_line_is_labelled_with_full_titles(small: Path) -> None:
    s = load(small)
    arrays = s.to_arrays()
    res = [
        run_model("compromise", arrays),
        run_model("smp", arrays, rng=1),
        run_model("eu", arrays),
    ]
    fig = plot_forecasts(res, issue_names=[i.name for i in s.issues])
    assert fig is not None
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.has_data()]
    assert len(panels) == 2
    for ax, issue in zip(panels, s.issues, strict=True):
        labels = " ".join(t.get_text() for t in ax.texts)
        for actor in ("AAA", "BBB", "CCC"):
            assert actor in labels, (issue.id, actor)
        assert " ".join(ax.get_title().split()) == issue.name  # wrapped, never cut
        _no_overlap(ax, fig)
    legend = [t.get_text() for t in panels[0].get_legend().get_texts()]
    assert "expected utility (BDM)" in legend and "eu" not in legend
    plt.close(fig)


def test_spread_keeps_labels_apart_and_on_the_axes() -> None:
    # three labels at one height: pushed up one gap at a time
    assert _spread([50.0, 50.0, 50.0], 5.0, 0.0, 100.0) == [50.0, 55.0, 60.0]
    # at the top: the stack slides down below the top
    assert _spread([99.0, 99.0, 99.0], 5.0, 0.0, 100.0) == [90.0, 95.0, 100.0]
    fig, ax = plt.subplots()
    ax.set_ylim(0, 100)
    ax.plot([0, 1], [50, 50])
    anns = spread_labels(ax, 1, [(50.0, "one", "k"), (50.2, "two", "k"), (49.9, "three", "k")])
    assert sorted(a.get_text() for a in anns) == ["one", "three", "two"]
    _no_overlap(ax, fig)
    plt.close(fig)


def test_limits_chart_legend_names_each_thing_once(small: Path) -> None:
    """The bar labels ("gap: no value all sign") were repeated once per row: barh labels its
    container, which the check for labels already used did not look at."""
    from detente.bargaining import analyze

    s = load(small).model_copy(
        update={"positions": [*load(small).positions]}
    )  # two issues, both with limits after the next line
    res = analyze(s, grid=5)
    fig, ax = plt.subplots()
    res.plot_limits(ax)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(labels) == len(set(labels)), labels
    assert {"AAA", "BBB"} <= set(labels)
    plt.close(fig)


def test_forecast_plot_title_is_the_display_name(small: Path) -> None:
    res = run_model("eu", load(small).to_arrays())
    fig, ax = plt.subplots()
    res.plot(ax)
    assert ax.get_title() == "expected utility (BDM)"
    labels = " ".join(t.get_text() for t in ax.texts)
    assert all(a in labels for a in ("AAA", "BBB", "CCC"))  # every actor's line, by name
    _no_overlap(ax, fig)
    plt.close(fig)


def test_forecast_table_names_and_labels(small: Path) -> None:
    _register_commands()
    r = runner.invoke(app, ["forecast", str(small), "-m", "compromise", "-m", "eu", "--no-store"])
    assert r.exit_code == 0, r.output
    assert "expected utility" in r.stdout and "(BDM)" in r.stdout
    assert not re.search(r"\beu\b", r.stdout)  # the column is not "eu"
    assert "zebra" in r.stdout and "..." not in r.stdout  # the option label wraps, whole
    csv = runner.invoke(app, ["forecast", str(small), "-m", "eu", "--format", "csv", "--no-store"])
    assert csv.stdout.splitlines()[1].startswith("eu,")  # the machine name stays in CSV


def test_display_names_never_read_eu() -> None:
    from detente.models import list_models

    for m in list_models():
        assert display_name(m.name) not in ("eu", "EU")
    assert display_name("eu") == "expected utility (BDM)"
    assert display_name("no-such-model") == "no-such-model"


def test_words() -> None:
    from detente.scenario.schema import Issue

    iss = Issue.model_validate(
        {
            "id": "t",
            "name": "T",
            "scale": {
                "lo_means": "the low end",
                "anchors": [{"value": 20, "label": "freeze"}, {"value": 65, "label": "leave"}],
            },
        }
    )
    assert option_words(iss, 20.4) == "«freeze»"
    assert option_words(iss, 0) == "«the low end»"
    assert option_words(iss, 42) == "between «freeze» and «leave»"
    assert option_words(iss, 62) == "close to «leave»"
    assert option_words(iss, 90) == "beyond «leave»"
    # the short form: on an option within 1% of the scale, else the nearest (42 is 22 from
    # freeze, 23 from leave)
    assert nearest_option(iss, 20.4) == "«freeze»"
    assert nearest_option(iss, 42) == "near «freeze»"
    assert nearest_option(iss, 3) == "near «the low end»"
    assert round_sensibly(91.66666677) == "91.7" and round_sensibly(40.0) == "40"
    assert short_name("Russia (Putin; envoys Dmitriev and Ushakov)") == "Russia"


def test_analyze_short_summary_and_detail(small: Path) -> None:
    """A [0, 30] against B [50, 100] on x: blocked, gap 20. Balanced split: equal
    salience-weighted moves, 1.0 d_A = 0.3 d_B with d_A + d_B = 20, so they meet at
    30 + 20 * 0.3 / 1.3 = 34.6 (printed rounded, not 34.61538...)."""
    _register_commands()
    r = runner.invoke(app, ["analyze", str(small), "--grid", "5", "--no-store"])
    assert r.exit_code == 0, r.output
    lines = r.stdout.strip().splitlines()
    assert len(lines) <= 12
    assert "zone of agreement: EMPTY" in r.stdout
    assert "x: BBB needs at least 50; AAA signs at most 30" not in r.stdout  # named by options
    assert "BBB needs at least 50 " in r.stdout and "AAA signs at most 30 " in r.stdout
    assert "(gap 20)" in r.stdout and "meet at x 34.6" in r.stdout
    assert "alone" in r.stdout and "--detail" in r.stdout
    d = runner.invoke(app, ["analyze", str(small), "--grid", "5", "--detail", "--no-store"])
    assert d.exit_code == 0 and "AAA alone" in d.stdout and "reservation points used" in d.stdout
    assert not re.search(r"\d\.\d{5,}", d.stdout)  # no 34.6153846 in the detail either
