"""One base for every result object (detente.results.Result): the interface, JSON-safe
``to_dict`` on the shipped examples, the bargaining analysis's chart, the forecast figure's
issue choice, and the cost check before an analysis runs."""

from __future__ import annotations

import dataclasses
import inspect
import json
import math

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from detente.backtest.runner import BacktestResult
from detente.bargaining import (
    BargainingAnalysis,
    Frontier,
    Zone,
    analyze,
    estimate_cost,
    pareto_fold,
)
from detente.cli.app import load_scenario
from detente.models import Forecast, list_models
from detente.results import Result, jsonable
from detente.scenario.arrays import ScenarioArrays
from detente.scenario.errors import TooCostlyError

EXAMPLES = ("miami", "eu-emissions")


def _subclasses(cls: type) -> set[type]:
    out = set()
    for c in cls.__subclasses__():
        out |= {c} | _subclasses(c)
    return out


@pytest.fixture(scope="module")
def analyses() -> dict[str, BargainingAnalysis]:
    return {name: analyze(load_scenario(name).to_arrays()) for name in EXAMPLES}


def test_every_result_class_implements_the_interface() -> None:
    classes = _subclasses(Result)
    assert {Forecast, BargainingAnalysis, BacktestResult, Frontier} <= classes
    for cls in classes:
        assert not inspect.isabstract(cls), cls
        for name in ("to_df", "summary", "plot", "to_dict"):
            assert getattr(cls, name) is not getattr(Result, name), (cls, name)
        assert "ax" in inspect.signature(cls.plot).parameters
        # the short repr and the Jupyter view are the base's, not a dataclass's
        assert cls.__repr__ is Result.__repr__ and cls._repr_html_ is Result._repr_html_


def test_result_cannot_be_instantiated_without_the_four_methods() -> None:
    class Half(Result):
        def summary(self) -> str:
            return "half"

    with pytest.raises(TypeError):
        Half()  # type: ignore[abstract]


@pytest.mark.parametrize("name", EXAMPLES)
def test_to_dict_is_strict_json_on_the_shipped_examples(name, analyses) -> None:
    arrays = load_scenario(name).to_arrays()
    results: list[Result] = []
    for m in list_models():
        results.append(m.run(arrays, rng=0) if m.stochastic else m.run(arrays))
    res = analyses[name]
    results += [res, res.frontier]
    for r in results:
        d = r.to_dict()
        text = json.dumps(d, allow_nan=False)  # raises on NaN / inf / numpy scalars
        assert json.loads(text) == d, type(r).__name__


def test_forecast_to_dict_writes_none_where_no_forecast() -> None:
    fc = Forecast("x", ("a", "b"), ("A",), np.array([1.5, np.nan]))
    d = fc.to_dict()
    assert d["forecast"] == [1.5, None] and d["history"] is None and d["n_rounds"] == 0
    json.dumps(d, allow_nan=False)


def test_backtest_result_to_dict_strict_json() -> None:
    import pandas as pd

    issues = pd.DataFrame(
        {
            "issue": ["i1", "i2", "i1", "i2"],
            "proposal": ["p1", "p2", "p1", "p2"],
            "proc": ["COD", "CNS", "COD", "CNS"],
            "vote": ["QMV", "QMV", "QMV", "QMV"],
            "outcome": [50.0, 0.0, 50.0, 0.0],
            "model": ["compromise", "compromise", "median", "median"],
            "prediction": [40.0, 10.0, 50.0, np.nan],
            "error": [10.0, 10.0, 0.0, np.nan],
            "fallback": [False, False, False, True],
        }
    )
    r = BacktestResult(issues, "equal", "compromise", n_boot=20, seed=0, level=0.95)
    d = r.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["models"] == ["compromise", "median"]
    assert [x["prediction"] for x in d["issues"]] == [40.0, 10.0, 50.0, None]
    assert repr(r).startswith("<BacktestResult: DEU backtest of 2 models on 2 issues")


def test_jsonable_plain_values() -> None:
    out = jsonable(
        {1: np.float32(0.5), "b": np.array([[1, 2]]), "c": (np.bool_(True), -np.inf), "d": {3}}
    )
    assert out == {"1": 0.5, "b": [[1, 2]], "c": [True, None], "d": [3]}


def test_repr_short_and_html_view(analyses) -> None:
    res = analyses["miami"]
    r = repr(res)
    assert r.startswith("<BargainingAnalysis: Bargaining space: 5 parties, 12 issues")
    assert len(r) <= 130 and "\n" not in r
    html = res._repr_html_()
    assert "zone of agreement: EMPTY" in html and "<table" in html
    assert f"first 20 of {res.frontier.size} rows" in html


def test_zone_is_a_frozen_dataclass(analyses) -> None:
    z = analyses["miami"].zone
    assert isinstance(z, Zone) and z.nonempty is False and z.n_packages == 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        z.nonempty = True  # type: ignore[misc]


# ------------------------------------------------------------------ the analysis's chart
def _signable_from_file(name: str) -> tuple[dict[tuple[str, str], tuple[float, float]], list]:
    """Each veto player's signable interval per issue, straight from the scenario file."""
    sc = load_scenario(name)
    veto = {a.id for a in sc.actors if a.veto}
    scale = {i.id: (i.scale.lo, i.scale.hi) for i in sc.issues}
    out = {}
    for p in sc.positions:
        if p.actor in veto and p.reservation is not None:
            rad = abs(p.reservation - p.position)
            lo, hi = scale[p.issue]
            out[(p.actor, p.issue)] = (max(lo, p.position - rad), min(hi, p.position + rad))
    order = [i.id for i in sc.issues if any(k[1] == i.id for k in out)]
    return out, order


def test_analysis_plot_draws_every_veto_players_range(analyses) -> None:
    expect, issues = _signable_from_file("miami")
    assert len(expect) >= 6
    ax = analyses["miami"].plot()
    segs = {
        tuple(line.get_gid().split(":")[1:]): tuple(line.get_xdata())
        for line in ax.get_lines()
        if (line.get_gid() or "").startswith("limit:")
    }
    assert set(segs) == set(expect)
    for key, (lo, hi) in expect.items():
        assert segs[key] == pytest.approx((lo, hi))
    assert [t.get_text() for t in ax.get_yticklabels()] == issues
    assert ax.get_xlim() == (0.0, 100.0)  # every Miami issue is on a 0-100 scale
    labels = {t.get_text() for t in ax.get_legend().get_texts()}
    assert {"RUS", "UKR", "own position", "gap: no value all sign"} <= labels
    assert "blocked on" in ax.get_title()
    plt.close("all")


def test_analysis_plot_without_limits_is_the_utility_plane() -> None:
    n, k = 2, 2
    arrays = ScenarioArrays(
        actor_ids=("A", "B"),
        issue_ids=("x", "y"),
        capability=np.ones(n),
        position=np.array([[0.0, 100.0], [100.0, 0.0]]),
        salience=np.array([[0.8, 0.2], [0.2, 0.8]]),
        present=np.ones((n, k), bool),
        veto=np.ones(n, bool),
        reservation=np.full((n, k), np.nan),
        status_quo=np.full(k, np.nan),
        lo=np.zeros(k),
        hi=np.full(k, 100.0),
    )
    ax = analyze(arrays, grid=5).plot()
    assert ax.get_xlabel() == "utility of A" and ax.get_ylabel() == "utility of B"
    plt.close("all")


# ------------------------------------------------------------------ forecast figures
def _forecasts(k: int) -> list[Forecast]:
    ids = tuple(f"issue{j}" for j in range(k))
    return [Forecast("m", ids, ("A",), np.linspace(0, 100, k))]


def test_plot_forecasts_says_when_it_leaves_issues_out() -> None:
    from detente.report import MAX_ISSUES, plot_forecasts

    fig = plot_forecasts(_forecasts(40))
    assert MAX_ISSUES == 12
    assert fig._suptitle is not None and fig._suptitle.get_text() == "first 12 of 40 issues"
    assert sum(ax.get_visible() and ax.axison for ax in fig.axes) == 12
    fig = plot_forecasts(_forecasts(40), issues=[0, 5, 39])
    titles = [ax.get_title() for ax in fig.axes if ax.axison]
    assert titles == ["issue0", "issue5", "issue39"]
    assert fig._suptitle.get_text() == "issues 1, 6, 40 of 40"
    fig = plot_forecasts(_forecasts(12))
    assert fig._suptitle is None
    with pytest.raises(ValueError, match="allowed: indices 0 to 39"):
        plot_forecasts(_forecasts(40), issues=[40])
    plt.close("all")


# ------------------------------------------------------------------ cost before running
def _big(n: int, k: int) -> ScenarioArrays:
    r = np.random.default_rng(0)
    return ScenarioArrays(
        actor_ids=tuple(f"a{i}" for i in range(n)),
        issue_ids=tuple(f"i{j}" for j in range(k)),
        capability=np.ones(n),
        position=np.round(r.uniform(0, 100, (n, k))),
        salience=r.uniform(0.1, 1, (n, k)),
        present=np.ones((n, k), bool),
        veto=np.arange(n) < 2,
        reservation=np.full((n, k), np.nan),
        status_quo=np.full(k, np.nan),
        lo=np.zeros(k),
        hi=np.full(k, 100.0),
    )


def test_too_costly_analysis_is_refused_before_any_work(monkeypatch) -> None:
    import detente.bargaining.analysis as an

    def never(*a, **k):
        raise AssertionError("the analysis started")

    monkeypatch.setenv("DETENTE_MAX_MEMORY_MB", "50")
    monkeypatch.setattr(an, "pareto_fold", never)
    monkeypatch.setattr(an, "domain_from_arrays", never)
    with pytest.raises(TooCostlyError) as e:
        analyze(load_scenario("miami").to_arrays(), grid=2000)
    msg = str(e.value)
    assert "5 parties x 12 issues" in msg and "--grid 2000" in msg
    assert "smaller --grid" in msg


def test_normal_analysis_runs_under_a_small_cap(monkeypatch) -> None:
    monkeypatch.setenv("DETENTE_MAX_MEMORY_MB", "50")
    res = analyze(load_scenario("eu-emissions").to_arrays())
    assert res.frontier.size > 0


def test_fold_refuses_a_step_that_would_not_fit(monkeypatch) -> None:
    from detente.bargaining.utility import domain_from_arrays

    dom = domain_from_arrays(_big(2, 6), grid=3000).subset([0, 1])
    monkeypatch.setenv("DETENTE_MAX_MEMORY_MB", "50")
    with pytest.raises(TooCostlyError, match="Pareto frontier over 2 parties"):
        pareto_fold(dom)


def test_estimate_cost_grows_with_the_sizes() -> None:
    small = estimate_cost(_big(10, 20))
    big = estimate_cost(_big(10, 500))
    assert "10 parties x 500 issues" in big.what and "--grid 21" in big.what
    # logrolls visit every pair of issues: 500 issues are over 300 times 20 issues' pairs
    assert big.seconds > 100 * small.seconds and big.seconds > 600
    fine = estimate_cost(load_scenario("miami").to_arrays(), grid=2000)
    coarse = estimate_cost(load_scenario("miami").to_arrays())
    assert fine.bytes > 1000 * coarse.bytes and "--grid" in fine.hint
    assert math.isfinite(coarse.seconds) and coarse.seconds < 60


def test_logrolls_keep_the_order_of_a_full_sort() -> None:
    from detente.bargaining.packages import _pair_trades, logrolls
    from detente.bargaining.utility import domain_from_arrays

    a = _big(5, 8)
    # a twin of actor 0: every trade of a0 has an equal-scoring twin (ties to order)
    a = dataclasses.replace(
        a,
        position=np.vstack([a.position[:4], a.position[:1]]),
        salience=np.vstack([a.salience[:4], a.salience[:1]]),
    )
    dom = domain_from_arrays(a, grid=5)
    ref = np.full(dom.n_issues, 2, dtype=np.intp)
    deltas = [dom.contributions(j) - dom.contributions(j)[2] for j in range(dom.n_issues)]
    every = []
    for j in range(dom.n_issues):
        for kk in range(j + 1, dom.n_issues):
            every += _pair_trades(dom, j, kk, deltas[j], deltas[kk], 1e-12)
    every.sort(key=lambda t: -t[0])  # stable: ties in the order found
    scores = [t[0] for t in every]
    assert len(every) > 20 and len(set(scores)) < len(scores)
    for top in (1, 3, 10, len(every) + 5):
        assert logrolls(dom, ref, top=top) == [d for _, d in every[:top]]


def test_eu_plots_is_public_and_the_old_name_still_imports() -> None:
    from detente.models import _eu_plots, eu_plots

    assert _eu_plots.plot_quadrants is eu_plots.plot_quadrants
    assert _eu_plots.regions is eu_plots.regions and _eu_plots.REGIONS is eu_plots.REGIONS
