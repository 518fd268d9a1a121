"""Known-answer properties of the SMP model, and the stochastic smpExample run in distribution."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from detente.models import _smp_core as _core
from detente.models import get_model, run_model
from detente.models.smp import plot_positions, plot_power_landscape
from detente.scenario.arrays import ScenarioArrays
from detente.scenario.io.ktab_scenario import read_ktab_xml_scenario


def _random(n: int, k: int, seed: int) -> ScenarioArrays:
    g = np.random.default_rng(seed)
    sal = g.uniform(0.05, 1, (n, k))
    sal = sal / sal.sum(1, keepdims=True) * g.uniform(0.3, 1.0, (n, 1))
    return ScenarioArrays.from_numpy(
        g.uniform(1, 100, n), np.round(g.uniform(0, 100, (n, k)), 1), sal
    )


def test_registered_with_ktab_defaults() -> None:
    info = get_model("smp")
    assert info.dynamic
    assert (
        info.params["VotingRule"] == "Proportional"
        and info.params["BargnModel"] == "InitOnlyInterp"
    )
    assert len([p for p in info.params if p not in ("max_turns", "exhaustive")]) == 9


def test_all_agree_nothing_moves() -> None:
    a = ScenarioArrays.from_numpy([10, 20, 30], [[40, 60]] * 3, [[0.3, 0.2]] * 3)
    fc = run_model("smp", a)
    assert np.all(fc.history == fc.history[0])
    np.testing.assert_allclose(fc.forecast, [40, 60])
    np.testing.assert_allclose(fc.extra["prob"], 1.0)


def test_single_actor() -> None:
    a = ScenarioArrays.from_numpy([5.0], [[70.0]], [[0.5]])
    fc = run_model("smp", a)
    np.testing.assert_allclose(fc.forecast, [70.0])


def test_two_actors_hand_computed_first_turn() -> None:
    """Two actors on one issue: no third parties, so P and the bargain follow in closed form.

    A (cap 3, sal .5, at 0) and B (cap 1, sal .5, at 100): d_AB = 1, R from the 2-option PCE
    (A's weight 3 > 1) gives R_A = 1, R_B = -1/2; A's view of B's R is (2*1 - .5)/3 = .5.
    A's vote 3*.5*(1 - 0) = 1.5; B's vote for itself .5*1*(1 - 0) = .5; P = 1.5/2 = .75.
    A's gain .5*(1 - 2*.5*.25) > 0, so A challenges B; S2P2 weights .25*.5625 and
    .25*.0625, so both are proposed 100*(.015625/(.140625+.015625+1e-6)) = 10.0 (rounded).
    """
    a = ScenarioArrays.from_numpy([3.0, 1.0], [[0.0], [100.0]], [[0.5], [0.5]])
    fc = run_model("smp", a, max_turns=1)
    wi, wj = 0.25 * 0.75**2, 0.25 * 0.25**2
    expect = round(wj / (wi + 1e-6 + wj), 4) * 100
    assert fc.history[1, 1, 0] == pytest.approx(expect, abs=1e-9)
    np.testing.assert_allclose(fc.extra["risk"][0], [1.0, -0.5])


def test_positions_stay_in_bounds_and_probabilities_sum_to_one() -> None:
    fc = run_model("smp", _random(25, 3, 7))
    assert np.nanmin(fc.history) >= 0 and np.nanmax(fc.history) <= 100
    p = fc.extra["prob"]
    assert ((p >= 0) & (p <= 1)).all()


def test_pruned_equals_exhaustive_random() -> None:
    a = _random(30, 2, 3)
    np.testing.assert_array_equal(
        run_model("smp", a).history, run_model("smp", a, exhaustive=True).history
    )


def test_stochastic_is_deterministic_under_seed() -> None:
    a = _random(12, 2, 1)
    kw = {"StateTransitions": "Stochastic"}
    h1 = run_model("smp", a, rng=5, **kw).history
    h2 = run_model("smp", a, rng=5, **kw).history
    np.testing.assert_array_equal(h1, h2)
    runs = {run_model("smp", a, rng=s, **kw).history.tobytes() for s in range(6)}
    assert len(runs) > 1


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("VictoryProbModel", "Octic"),
        ("VictoryProbModel", "Binary"),
        ("PCEModel", "MarkovUniform"),
        ("PCEModel", "MarkovIncentive"),
        ("VotingRule", "PropCbc"),
        ("VotingRule", "Binary"),
        ("BigRAdjust", "Full"),
        ("BigRRange", "Max"),
        ("ThirdPartyCommit", "FullCommit"),
        ("InterVecBrgn", "S1P1"),
        ("InterVecBrgn", "S2PMax"),
        ("BargnModel", "InitRcvrInterp"),
        ("BargnModel", "PWCompInterp"),
    ],
)
def test_every_parameter_value_runs(key: str, value: str) -> None:
    fc = run_model("smp", _random(8, 2, 2), **{key: value})
    assert np.isfinite(fc.forecast).all() and fc.history.shape[0] >= 2


def test_bad_parameter_is_named() -> None:
    with pytest.raises(ValueError, match="VotingRule"):
        run_model("smp", _random(4, 1, 0), VotingRule="Majority")


def test_plots() -> None:
    import matplotlib

    matplotlib.use("Agg")
    fc = run_model("smp", _random(6, 2, 0))
    assert plot_positions(fc, 0) is not None
    assert plot_power_landscape(fc, 1) is not None


def _smp_example(shared_data: Path, tmp_path: Path) -> ScenarioArrays:
    # The shared copy lacks Alice's first coordinate; KTAB's log starts her at 52.8.
    src = (shared_data / "ktab" / "smpExample.xml").read_text(encoding="utf-8-sig")
    f = tmp_path / "smpExample.xml"
    f.write_text(src.replace("<dCoord></dCoord>", "<dCoord>52.8</dCoord>"))
    return read_ktab_xml_scenario(f).to_arrays()


@pytest.mark.slow
def test_smp_example_matches_in_distribution(shared_data: Path, tmp_path: Path) -> None:
    """KTAB's stochastic log is one draw; check that it is a typical draw of ours.

    KTAB's own log (smpExample): 15 states, final positions below. Over 120 seeds: the
    log's number of states lies inside our central 90 %, every final coordinate lies in our
    2.5-97.5 % band, and some of our draws reproduce KTAB's first turn exactly.
    """
    a = _smp_example(shared_data, tmp_path)
    prm = a.meta["model_params"]["smp"]
    log = (shared_data / "ktab" / "ref-output-smpExample.txt").read_text().splitlines()
    rows = [ln for ln in log if ":" in ln and "," in ln and "prob" not in ln and "seed" not in ln]
    ref = np.array([[float(v) for v in ln.split(":", 1)[1].split()] for ln in rows])  # (n*k, T)
    ref = ref.reshape(5, 3, -1).transpose(2, 0, 1)
    runs = [run_model("smp", a, rng=s, **prm) for s in range(120)]
    states = np.array([r.history.shape[0] for r in runs])
    lo_s, hi_s = np.percentile(states, [5, 95])
    assert lo_s <= ref.shape[0] <= hi_s
    fin = np.stack([r.history[-1] for r in runs])
    lo, hi = np.percentile(fin, [2.5, 97.5], axis=0)
    assert ((ref[-1] >= lo - 0.05) & (ref[-1] <= hi + 0.05)).all()
    first = np.array([np.abs(r.history[1] - ref[1]).max() for r in runs])
    assert (first <= 0.1).any()
    # and the deterministic reading does not reproduce the log's first turn
    det = run_model("smp", a, **{**prm, "StateTransitions": "Deterministic"})
    assert np.abs(det.history[1] - ref[1]).max() > 1.0


# ----------------------------------------------------------------------------- fast == reference
def _turn_state(n: int, k: int, seed: int, acc: bool = False):  # type: ignore[no-untyped-def]
    """One SMP state with risk attitudes, as the turn loop builds it (0-1 scale)."""

    g = np.random.default_rng(seed)
    pos = np.round(g.uniform(0, 1, (n, k)), 3)
    sal = g.uniform(0.05, 1, (n, k))
    sal = sal / sal.sum(1, keepdims=True) * g.uniform(0.3, 1.0, (n, 1))
    cap = g.uniform(1, 100, n)
    ideal = pos.copy()
    if acc:  # ideals pulled part of the way toward other actors: u_nn < 1
        ideal = np.clip(pos + g.normal(0, 0.05, (n, k)), 0, 1)
    dist = _core.distance(ideal, pos, sal)
    r = _core.big_r(_core.pce(1.0 - dist, cap, "Proportional", "Linear", "Conditional"), "Mid")
    return dist, r, sal.sum(1) * cap, sal.sum(1)


@pytest.mark.parametrize("acc", [False, True])
@pytest.mark.parametrize(
    ("rule", "commit"),
    [("Proportional", "SemiCommit"), ("Cubic", "SemiCommit"), ("Proportional", "FullCommit")],
)
def test_block_kernel_equals_reference_contest(rule: str, commit: str, acc: bool) -> None:
    """The blocked third-party sums give the reference triple-wise P (to rounding)."""

    n = 23
    dist, r, w, _ = _turn_state(n, 3, 5, acc)
    tables = _core._pair_tables(dist, r, w, rule, "OneThird")
    cand = ~np.eye(n, dtype=bool)
    t = np.zeros((n, n))
    ab = np.zeros((n, n))
    _core._evaluate_pairs(
        cand, np.ascontiguousarray(dist.T), w, tables, rule, commit, t, ab, block=500
    )
    ci = tables.coal_i + 0.5 * (ab + t)
    cj = tables.coal_j + 0.5 * (ab - t)
    hi, ji = np.nonzero(cand)
    ref, _, _ = _core.contest(hi, hi, ji, dist, r, w, rule, commit, "OneThird")
    np.testing.assert_allclose((ci / (ci + cj))[hi, ji], ref, rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    ("n", "k", "seed", "acc"),
    [(40, 2, 1, False), (80, 3, 2, False), (90, 1, 3, False), (70, 2, 4, True)],
)
def test_pruned_targets_equal_exhaustive(n: int, k: int, seed: int, acc: bool) -> None:
    """Bounds, sampled third parties and pruning pick exactly the exhaustive targets."""

    dist, r, w, s = _turn_state(n, k, seed, acc)
    args = (dist, r, w, s, "Proportional", "SemiCommit", "OneThird")
    fast = _core.best_challenges(*args)
    ref = _core.best_challenges(*args, exhaustive=True)
    np.testing.assert_array_equal(fast[0], ref[0])
    ok = fast[0] >= 0
    np.testing.assert_allclose(fast[1][ok], ref[1][ok], rtol=0, atol=1e-12)


def test_distance_equals_per_dimension_loop() -> None:
    """Both ways of computing distances add the dimensions in the plain loop's order: the
    small-array one (all dimensions in one array; also from 8 dimensions on, with zero
    saliences) and the large one (blocks of rows, a last partial block)."""

    g = np.random.default_rng(11)
    shapes = [tuple(int(v) for v in g.integers(1, [30, 60, 25])) for _ in range(300)]
    for n, m, k in [*shapes, (300, 250, 3), (70, 1100, 4)]:
        ideal = np.round(g.uniform(0, 1, (n, k)), 3)
        pos = np.round(g.uniform(0, 1, (m, k)), 2)
        sal = g.uniform(0, 1, (n, k)) * (g.uniform(0, 1, (n, k)) > 0.3)
        s2 = sal * sal
        num = np.zeros((n, m))
        for kk in range(k):  # the reference order: one dimension after the other
            num += (ideal[:, kk, None] - pos[None, :, kk]) ** 2 * s2[:, kk, None]
        den = s2.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            ref = np.where(den[:, None] > 0, num / np.where(den > 0, den, 1.0)[:, None], 0.0)
        np.testing.assert_array_equal(_core.distance(ideal, pos, sal), np.sqrt(np.clip(ref, 0, 1)))


def test_small_cityblock_equals_scipy() -> None:
    """The cityblock used for small PCEs (cdist) gives pdist's numbers exactly."""
    from scipy.spatial.distance import pdist, squareform

    g = np.random.default_rng(12)
    for t in range(300):
        m, k = int(g.integers(2, 60)), int(g.integers(1, 60))
        x = g.uniform(-1, 1, (m, k)) * g.uniform(0, 100, k)
        x[g.integers(0, m, m // 2)] = x[0]  # equal options
        x = np.asfortranarray(x) if t % 2 else x
        np.testing.assert_array_equal(_core._cityblock(x), squareform(pdist(x, "cityblock")))


@pytest.mark.parametrize("acc", [False, True])
def test_small_pair_kernel_equals_blocked(acc: bool) -> None:
    """Every pair in one array (small n) gives the blocked kernel's sums bit for bit."""

    n = 31
    dist, r, w, _ = _turn_state(n, 3, 9, acc)
    tables = _core._pair_tables(dist, r, w, "Proportional", "OneThird")
    dist_t = np.ascontiguousarray(dist.T)
    cand = ~np.eye(n, dtype=bool)
    t = np.zeros((n, n))
    ab = np.zeros((n, n))
    _core._evaluate_pairs(cand, dist_t, w, tables, "Proportional", "SemiCommit", t, ab, block=700)
    t2, ab2 = _core._all_pairs_semicommit(dist_t, tables)
    np.testing.assert_array_equal(t2[cand], t[cand])
    np.testing.assert_array_equal(ab2[cand], ab[cand])


def test_pce_over_distinct_options_equals_full() -> None:
    """Coalitions computed once per distinct position and spread: the same election."""

    g = np.random.default_rng(0)
    u_distinct = g.uniform(0, 1, (30, 9))
    inv = g.integers(0, 9, 25)
    inv[:9] = np.arange(9)
    cap = g.uniform(1, 10, 30)
    full = _core.pce(u_distinct[:, inv], cap, "Proportional", "Linear", "Conditional")
    spread = _core.pce(u_distinct, cap, "Proportional", "Linear", "Conditional", inverse=inv)
    np.testing.assert_array_equal(full, spread)


@pytest.mark.parametrize(
    ("n", "k", "seed", "kw"),
    [
        (70, 2, 6, {}),
        (90, 1, 7, {}),
        (50, 4, 8, {"StateTransitions": "Stochastic"}),
        (30, 2, 4, {"VotingRule": "Cubic"}),
        (40, 1, 5, {"BargnModel": "InitRcvrInterp"}),
    ],
)
def test_optimised_history_equals_reference_path(n: int, k: int, seed: int, kw: dict) -> None:  # type: ignore[type-arg]
    """Whole runs: the optimised path (pruned search, one-pass queue PCE) and the reference
    path (every pair by the triple-wise contest, one PCE per queue size) give the same
    history, bit for bit."""
    a = _random(n, k, seed)
    h1 = run_model("smp", a, rng=3, **kw).history
    h2 = run_model("smp", a, rng=3, exhaustive=True, **kw).history
    assert h1.shape == h2.shape
    np.testing.assert_array_equal(h1, h2)


def test_file_parameters_and_seed_are_used(shared_data: Path, tmp_path: Path) -> None:
    """A KTAB XML scenario runs with its own ModelParameters; keyword arguments win."""
    from detente.scenario.io.ktab_scenario import read_ktab_xml_scenario

    src = (shared_data / "ktab" / "smpExample.xml").read_text(encoding="utf-8-sig")
    f = tmp_path / "smpExample.xml"
    f.write_text(src.replace("<dCoord></dCoord>", "<dCoord>52.8</dCoord>"))
    a = read_ktab_xml_scenario(f).to_arrays()
    fc = run_model("smp", a, max_turns=3)
    assert fc.extra["params"]["PCEModel"] == "MarkovIncentive"
    assert fc.extra["params"]["VotingRule"] == "PropCbc"
    assert fc.extra["params"]["StateTransitions"] == "Stochastic"
    # the file's seed makes the stochastic run repeatable
    np.testing.assert_array_equal(fc.history, run_model("smp", a, max_turns=3).history)
    fc2 = run_model("smp", a, max_turns=3, StateTransitions="Deterministic")
    assert fc2.extra["params"]["StateTransitions"] == "Deterministic"
    assert fc2.extra["params"]["PCEModel"] == "MarkovIncentive"
    # the arrays made straight from the KTAB reader carry the same parameters
    b = _smp_example(shared_data, tmp_path)
    assert run_model("smp", b, max_turns=1).extra["params"]["VotingRule"] == "PropCbc"
