"""Focal points (models/snap.py): snapping with hand-computed answers, the rule learnt on the
training folds only, the snap: family in the registry, located errors for bad options."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from detente.models import get_model, list_models, run_model
from detente.models.registry import check_model_params
from detente.models.snap import (
    FOCAL_SETS,
    FocalPoints,
    SnapRule,
    apply_snap,
    fit_snap_rule,
    focal_points,
    nested_cv_snap,
    snap,
    snap_forecast,
    train_snap,
)
from detente.scenario.arrays import ScenarioArrays
from detente.scenario.errors import ModelParamError, ScenarioError


def _one_issue(positions: list[float], sq: float = float("nan"), anchors: tuple = ()) -> Any:
    a = ScenarioArrays.from_numpy(
        np.ones(len(positions)), np.array(positions)[:, None], 0.5, status_quo=[sq]
    )
    return replace(a, meta={"issue_anchors": (tuple(anchors),)})


def _snap1(forecast: float, arrays: Any, order: tuple[str, ...], d: float) -> float:
    return float(snap_forecast([forecast], focal_points(arrays), order, d)[0])


# ------------------------------------------------------------------ snapping by hand
def test_nearest_point_of_the_set_within_reach() -> None:
    a = _one_issue([10.0, 41.0, 45.0, 90.0])
    # 47 is 2 from 45 and 6 from 41: the nearest wins
    assert _snap1(47.0, a, ("positions",), 0.1) == 45.0
    # out of reach (3 points on a 0-100 scale = 0.03): 45 is 2 away, so 0.01 leaves it
    assert _snap1(47.0, a, ("positions",), 0.01) == 47.0
    # exactly at the reach: 47 - 45 = 2 = 0.02 x 100 snaps
    assert _snap1(47.0, a, ("positions",), 0.02) == 45.0


def test_distance_zero_leaves_every_forecast_unchanged() -> None:
    a = _one_issue([10.0, 47.0, 90.0], sq=50.0, anchors=(47.0,))
    for f in (47.0, 47.000001, 50.0, 12.3):
        assert _snap1(f, a, FOCAL_SETS, 0.0) == f


def test_a_tie_between_two_points_leaves_the_forecast_where_it_is() -> None:
    a = _one_issue([40.0, 60.0, 90.0])
    # 50 is 10 from both 40 and 60: no point stands out
    assert _snap1(50.0, a, ("positions",), 0.15) == 50.0
    # the tied set decides the issue: a later set is not consulted (30 is 10 from 20 and 40;
    # the quarter 25 would be 5 away)
    b = _one_issue([20.0, 40.0])
    fp = focal_points(b, grid=0.25)
    assert snap_forecast([30.0], fp, ("positions", "round"), 0.15)[0] == 30.0
    assert snap_forecast([30.0], fp, ("round", "positions"), 0.15)[0] == 25.0
    # 49 is nearer 40 (9) than 60 (11): snaps
    assert _snap1(49.0, a, ("positions",), 0.15) == 40.0


def test_the_first_set_with_a_point_in_reach_decides() -> None:
    a = _one_issue([0.0, 41.0, 100.0])
    # 47: position 41 is 6 away, round 50 is 3 away
    assert _snap1(47.0, a, ("positions", "round"), 0.1) == 41.0
    assert _snap1(47.0, a, ("round", "positions"), 0.1) == 50.0
    # positions out of reach at 0.05: the next set decides
    assert _snap1(47.0, a, ("positions", "round"), 0.05) == 50.0


def test_status_quo_anchors_and_the_round_grid() -> None:
    a = _one_issue([0.0, 30.0, 100.0], sq=62.0, anchors=(70.0,))
    assert _snap1(66.0, a, ("status_quo",), 0.05) == 62.0
    assert _snap1(66.0, a, ("anchors",), 0.05) == 70.0
    assert _snap1(66.0, a, ("anchors", "status_quo"), 0.05) == 70.0
    # a finer grid (quarters) adds 75
    fp = focal_points(a, grid=0.25)
    assert snap_forecast([72.0], fp, ("round",), 0.05)[0] == 75.0
    assert snap_forecast([72.0], focal_points(a), ("round",), 0.05)[0] == 72.0


def test_points_outside_the_positions_and_reference_point_are_not_candidates() -> None:
    # positions 20..60, no reference point: round 0 and 100 and anchor 95 are out of range
    a = _one_issue([20.0, 35.0, 60.0], anchors=(95.0,))
    assert _snap1(90.0, a, ("anchors",), 0.2) == 90.0
    assert _snap1(58.0, a, ("round",), 0.1) == 50.0
    assert _snap1(3.0, a, ("round",), 0.1) == 3.0


def test_units_follow_the_scale() -> None:
    # a 4-10 year scale: 0.1 of it is 0.6 years; the round points are 4, 7, 10
    a = ScenarioArrays.from_numpy([1.0, 1.0], [[4.0], [9.0]], 0.5, lo=4.0, hi=10.0)
    fp = focal_points(a)
    assert snap_forecast([7.5], fp, ("round",), 0.1)[0] == 7.0
    assert snap_forecast([7.7], fp, ("round",), 0.1)[0] == 7.7
    assert snap_forecast([8.5], fp, ("positions",), 0.1)[0] == 9.0


# ------------------------------------------------------------------ learning the rule
def _synthetic(k: int = 40, seed: int = 3) -> tuple[ScenarioArrays, np.ndarray, np.ndarray]:
    """Issues whose outcome is actor 0's position; the 'forecast' sits 4 points off it."""
    rng = np.random.default_rng(seed)
    pos = np.vstack([rng.uniform(15, 35, k), rng.uniform(65, 85, k), rng.uniform(50, 60, k)])
    a = ScenarioArrays.from_numpy([1.0, 1.0, 1.0], pos, 0.5)
    groups = np.array([f"p{j // 2}" for j in range(k)], dtype=object)
    a = replace(a, meta={"issue_groups": tuple(groups)})
    return a, pos[0].copy(), groups


def test_fit_snap_rule_finds_the_rule_that_reaches_the_outcome() -> None:
    a, y, g = _synthetic()
    f = y + 4.0
    rule = fit_snap_rule(f, y, focal_points(a), g)
    # 4 points off on 0-100: the smallest reach in the grid that covers it is 0.05, and
    # actors' positions (the first set) give every outcome exactly
    assert isinstance(rule, SnapRule)
    assert rule.focal == ("positions",) and rule.distance == 0.05 and rule.score == 0.0


def test_fit_snap_rule_keeps_the_forecast_when_snapping_only_hurts() -> None:
    a, y, g = _synthetic()
    # the forecast is the outcome; every snap moves it away from the truth
    rule = fit_snap_rule(y + 0.0, y + 1.5, focal_points(a), g)
    assert rule.distance == 0.0


def _poisoned(name: str, n_folds: int, k: int = 40) -> None:
    a, y, g = _synthetic(k)
    f = y + 4.0
    # the model 'compromise' forecasts ~ the mean; outcomes at actor 0's position
    _, clean = nested_cv_snap(name, a, y, g, n_folds=n_folds, seed=0)
    from detente.models.fitted import grouped_folds

    fold = grouped_folds(g, n_folds, 0)
    for target in range(n_folds):
        bad = y.copy()
        bad[fold == target] = np.where(f[fold == target] > 50, 0.0, 100.0)
        _, got = nested_cv_snap(name, a, bad, g, n_folds=n_folds, seed=0)
        assert got[target] == clean[target], f"fold {target}'s rule saw its own outcomes"
        others = [i for i in range(n_folds) if i != target]
        assert any(got[i] != clean[i] for i in others), "the poison did reach training folds"


def test_nested_cv_never_sees_the_outer_test_fold() -> None:
    _poisoned("snap:compromise", 4)


def test_nested_cv_with_a_fitted_inner_model_never_sees_the_outer_test_fold() -> None:
    _poisoned("snap:fitted-lite", 3, k=24)


def test_train_and_apply_hooks_on_the_training_issues_alone() -> None:
    a, y, g = _synthetic()
    keep = np.arange(20)
    p = train_snap("snap:compromise", a.subset(issues=keep), y[keep], g[keep])
    assert set(p) == {"snap_focal", "snap_distance", "snap_grid"}
    fc = apply_snap("snap:compromise", a, p, None)
    want = snap_forecast(
        run_model("compromise", a).forecast, focal_points(a), p["snap_focal"], p["snap_distance"]
    )
    np.testing.assert_array_equal(fc, want)
    info = get_model("snap:compromise")
    if hasattr(info, "train"):  # the registry's generic hook, once it exists
        assert info.train is not None and info.apply is not None


# ------------------------------------------------------------------ the registry
BASE = [m.name for m in list_models() if not m.name.startswith("snap:")]


@pytest.mark.parametrize("name", BASE)
def test_snap_resolves_for_every_registered_model(name: str) -> None:
    info = get_model(f"snap:{name}")
    assert info.name == f"snap:{name}" and "Schelling" in info.citation
    assert set(get_model(name).params) <= set(info.params)
    assert {"snap_focal", "snap_distance", "snap_grid"} <= set(info.params)
    assert snap(name) == f"snap:{name}"


def test_listed_snap_models_and_their_docs() -> None:
    listed = {m.name for m in list_models()}
    assert {"snap:compromise", "snap:fitted", "snap:fitted-lite"} <= listed
    assert "snap:smp" not in listed  # resolvable, not listed
    assert get_model("snap:compromise").fittable


def test_inner_options_pass_through() -> None:
    # two actors at 0 and 100, saliences 0.9 and 0.1: the compromise is 10 with salience and
    # 50 without; 10 snaps to 0 (within 0.1), 50 is out of reach of both
    a = ScenarioArrays.from_numpy([1.0, 1.0], [[0.0], [100.0]], [[0.9], [0.1]])
    assert run_model("snap:compromise", a).forecast[0] == 0.0
    assert run_model("snap:compromise", a, use_salience=False).forecast[0] == 50.0
    assert run_model("snap:compromise", a, snap_distance=0.05).forecast[0] == 10.0


def test_snap_with_a_rule_names_a_model_that_runs() -> None:
    name = snap("compromise", snap_focal=["round"], snap_distance=0.2)
    assert name.startswith("snap:compromise[") and get_model(name).name == name
    a = ScenarioArrays.from_numpy([1.0, 1.0], [[30.0], [100.0]], 0.5)
    # the mean 65 snaps to the round 50 (15 away, reach 20); the default rule would not move it
    assert run_model(name, a).forecast[0] == 50.0
    assert run_model("snap:compromise", a).forecast[0] == 65.0


def test_snap_of_an_unknown_or_snap_model_is_refused() -> None:
    with pytest.raises(KeyError, match="unknown model"):
        snap("no-such-model")
    with pytest.raises(KeyError):
        get_model("snap:no-such-model")
    with pytest.raises(KeyError):
        get_model("snap:snap:compromise")


# ------------------------------------------------------------------ located errors
def test_negative_distance_is_a_located_error() -> None:
    a = _one_issue([10.0, 90.0])
    with pytest.raises(ModelParamError) as e:
        run_model("snap:compromise", a, snap_distance=-0.1)
    assert e.value.field == "snap:compromise.snap_distance" and e.value.value == -0.1
    assert "[0, 1]" in str(e.value.allowed)
    with pytest.raises(ModelParamError) as e:
        snap("median", snap_distance=-1)
    assert e.value.field == "snap:median.snap_distance"


def test_unknown_focal_set_is_a_located_error() -> None:
    with pytest.raises(ModelParamError) as e:
        get_model("snap:compromise").validate_params({"snap_focal": ["positions", "texts"]})
    assert e.value.field == "snap:compromise.snap_focal" and e.value.value == "texts"
    assert all(s in str(e.value.allowed) for s in FOCAL_SETS)
    with pytest.raises(ModelParamError) as e:
        check_model_params({"snap:compromise": {"snap_focal": "nope"}}, path="talks.yaml")
    assert e.value.path == "talks.yaml"
    with pytest.raises(ModelParamError):
        snap("compromise", snap_reach=0.1)  # not an option of the rule
    with pytest.raises(ModelParamError):
        snap("compromise", snap_focal=["positions", "positions"])
    with pytest.raises(ModelParamError):
        snap("compromise", snap_grid=0.0)


def test_bad_option_in_a_scenario_file_is_one_located_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from detente.cli.app import _register_commands, app

    _register_commands()
    f = tmp_path / "s.yaml"
    f.write_text(
        "name: s\nactors:\n  - {id: A, name: A, capability: 1}\n  - {id: B, name: B, "
        "capability: 1}\nissues:\n  - {id: x, name: X}\npositions:\n  - {actor: A, issue: x, "
        "position: 30, salience: 50}\n  - {actor: B, issue: x, position: 70, salience: 50}\n"
        "model_params:\n  'snap:compromise': {snap_distance: -0.5}\n",
        encoding="utf-8",
    )
    r = CliRunner().invoke(app, ["forecast", str(f), "-m", "snap:compromise"])
    assert r.exit_code == 2, r.output
    assert "snap_distance" in r.output and "Traceback" not in r.output


# ------------------------------------------------------------------ every scenario, Miami too
def test_snap_on_the_miami_example_lands_on_its_anchors_or_positions() -> None:
    from detente.examples import load_example

    sc = load_example("miami")
    a = sc.to_arrays()
    anchors = {i.id: [x.value for x in i.scale.anchors] for i in sc.issues}
    assert a.meta["issue_anchors"] == tuple(tuple(v) for v in anchors.values())
    base = run_model("compromise", a).forecast
    got = run_model("snap:compromise", a).forecast
    moved = 0
    for j, iid in enumerate(a.issue_ids):
        if got[j] == base[j]:
            continue
        moved += 1
        span = a.hi[j] - a.lo[j]
        assert abs(got[j] - base[j]) <= 0.1 * span + 1e-9
        pos = a.position[a.present[:, j], j]
        assert got[j] in anchors[iid] or np.isclose(pos, got[j]).any()
    assert moved >= 1
    # territory: the compromise 57.3 is 7.7 from the anchor 65 (E3's line, within 10 points)
    t = a.issue_ids.index("territory")
    assert 55 < base[t] < 60 and got[t] == 65.0


def test_focal_points_take_follows_the_issues() -> None:
    a = _one_issue([10.0, 90.0], sq=40.0, anchors=(20.0, 80.0))
    b = ScenarioArrays.from_numpy([1.0, 1.0], [[10.0, 5.0], [90.0, 6.0]], 0.5, hi=[100.0, 10.0])
    fp = focal_points(b)
    one = fp.take(np.array([False, True]))
    assert isinstance(one, FocalPoints) and one.n_issues == 1 and one.span[0] == 10.0
    assert focal_points(a).sets["anchors"].tolist() == [[20.0, 80.0]]


def test_no_positions_at_all_is_refused_before_snapping() -> None:
    a = ScenarioArrays.from_numpy([1.0], [[np.nan]], 0.0)
    with pytest.raises(ScenarioError):
        run_model("snap:compromise", a)


def test_one_standard_error_choice_by_hand() -> None:
    # 20 proposals of 2 issues, one actor at 30 and one at 70 on each, outcome 30: the forecast
    # 34 snaps to 30 within 0.05 (error 0) and stays 4 off without snapping
    k = 40
    a = ScenarioArrays.from_numpy([1.0, 1.0], np.tile([[30.0], [70.0]], (1, k)), 0.5)
    g = np.array([f"p{j // 2}" for j in range(k)], dtype=object)
    y = np.full(k, 30.0)
    fp = focal_points(a)
    # the gain on every proposal alike: no spread, the best rule is chosen even with se_rule
    f = np.full(k, 34.0)
    assert fit_snap_rule(f, y, fp, g, se_rule=1.0).distance == 0.05
    # the whole gain on one proposal (other forecasts sit on the outcome already): the mean
    # gain 8/40 = 0.2 equals its clustered standard error, so no snapping is within one SE
    f = y.copy()
    f[:2] = 34.0
    assert fit_snap_rule(f, y, fp, g).distance == 0.05
    assert fit_snap_rule(f, y, fp, g, se_rule=1.0).distance == 0.0
