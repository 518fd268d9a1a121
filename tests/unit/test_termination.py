"""detente.history.termination: the UCDP loader, Aalen-Johansen, base rates, no leakage."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.history import _ucdp_aj as aj
from detente.history._ucdp_load import parse_date
from detente.history.termination import (
    base_rate,
    data_path,
    load_episodes,
    reference_class,
    score_out_of_time,
)
from detente.scenario.conflict_spec import ConflictSpec
from detente.scenario.errors import ScenarioError

HEADER = (
    "dyadep_id,dyadepisode,dyadterm,ependdate,ependprec,outcome,recur,conflict_id,dyad_id,year,"
    "location,side_a,side_b,incompatibility,intensity_level,type_of_conflict,start_date,"
    "start_date2,region"
)


def row(
    dyad: int,
    year: int,
    start: str,
    *,
    term: str = "0",
    end: str = "",
    outcome: str = "",
    recur: int = 0,
    conflict: int | None = None,
    inc: int = 1,
    intensity: int = 1,
    type_: int = 3,
    region: str = "4",
) -> str:
    """One dyad-year line in the file's column order (HEADER)."""
    region = f'"{region}"' if "," in region else region
    return (
        f"{dyad}01,1,{term},{end},1,{outcome},{recur},{conflict or dyad},{dyad},{year},"
        f"Place{dyad},Government,Rebels{dyad},{inc},{intensity},{type_},{start},{start},{region}"
    )


def write(tmp_path: Path, lines: list[str], name: str = "term.csv") -> Path:
    p = tmp_path / name
    p.write_text(HEADER + "\n" + "\n".join(lines) + "\n")
    return p


#: A hand-made file: dyad 1 fights 1990-91 (ends by agreement 30 June 1991) and again from
#: 15 January 1994 (ends, low activity, 31 December 1994); dyad 2 (interstate, minor in 1995,
#: war in 1996, in two regions) is still running when the data end in 1996.
SMALL = [
    row(1, 1990, "3/1/90"),
    row(1, 1991, "3/1/90", term="1", end="6/30/91", outcome="1"),
    row(1, 1994, "1/15/94", term="1", end="12/31/94", outcome="5", recur=1),
    row(2, 1995, "7/1/95", intensity=1, type_=2, region="1, 3"),
    row(2, 1996, "7/1/95", term="", intensity=2, type_=2, region="1, 3"),
]


# ---------------------------------------------------------------------------- the loader


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("7/21/46", dt.date(1946, 7, 21)),
        ("12/31/99", dt.date(1999, 12, 31)),
        ("1/1/00", dt.date(2000, 1, 1)),
        ("3/2/17", dt.date(2017, 3, 2)),
        ("12/31/21", dt.date(2021, 12, 31)),
        ("5/1/39", dt.date(1939, 5, 1)),  # a dyad's first death before 1946
        ("2022-02-24", dt.date(2022, 2, 24)),
    ],
)
def test_dates_resolve_the_century(text: str, date: dt.date) -> None:
    assert parse_date(text) == date


def test_episodes_from_a_small_file(tmp_path: Path) -> None:
    eps = load_episodes(write(tmp_path, SMALL))
    assert len(eps) == 3
    e1, e2, e3 = (eps.iloc[i] for i in range(3))
    # dyad 1, first episode: 1 March 1990 to 30 June 1991 = 486 days, a peace agreement
    assert (e1["start"], e1["end"], e1["duration"]) == (
        dt.date(1990, 3, 1),
        dt.date(1991, 6, 30),
        486,
    )
    assert (e1["event"], e1["outcome"]) == (1, 1)
    # the dyad fought again from 15 January 1994: within 5 years of the end
    assert e1["recur5"] == 1.0
    # second episode: low activity ("other"), 350 days; 5 years after it not yet observed
    assert (e2["event"], e2["outcome"], e2["duration"]) == (3, 5, 350)
    assert math.isnan(e2["recur5"])
    # dyad 2: still running on 31 December 1996 (the data's last year): censored
    assert e3["end"] is None and e3["event"] == 0 and e3["censor"] == dt.date(1996, 12, 31)
    assert e3["duration"] == (dt.date(1996, 12, 31) - dt.date(1995, 7, 1)).days
    # covariates of the first year: minor then (war only in 1996), interstate, two regions
    assert (e3["intensity"], e3["type_of_conflict"], e3["regions"]) == (1, 2, (1, 3))


def test_until_year_censors_and_forgets_later_rows(tmp_path: Path) -> None:
    eps = load_episodes(write(tmp_path, SMALL), until_year=1990)
    assert len(eps) == 1
    e = eps.iloc[0]
    assert e["event"] == 0 and e["end"] is None and e["censor"] == dt.date(1990, 12, 31)
    assert math.isnan(e["recur5"])


@pytest.mark.parametrize(
    ("bad", "field", "value", "allowed"),
    [
        (
            row(3, 1992, "1/1/92", term="1", end="6/1/92", outcome="7"),
            "outcome",
            "'7'",
            "one of 1, 2, 3",
        ),
        (row(3, 1992, "13/45/92"), "start_date2", "'13/45/92'", "m/d/yy"),
        (row(3, 1992, "1/1/92", intensity=3), "intensity_level", "'3'", "one of 1, 2"),
        (row(3, 1992, "1/1/92", region="1, 9"), "region", "'1, 9'", "region codes 1-5"),
        (
            row(3, 1992, "1/1/92", term="1", end="soon", outcome="1"),
            "ependdate",
            "'soon'",
            "m/d/yy",
        ),
    ],
)
def test_malformed_values_are_located(
    tmp_path: Path, bad: str, field: str, value: str, allowed: str
) -> None:
    p = write(tmp_path, [*SMALL[:2], bad])
    with pytest.raises(ScenarioError) as e:
        load_episodes(p)
    msg = str(e.value)
    assert msg.startswith(f"{p}:4: {field}:"), msg  # header is line 1: the bad row is line 4
    assert value in msg and allowed in msg


def test_missing_column_is_located(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_text(HEADER.replace(",outcome", ",result") + "\n" + SMALL[0] + "\n")
    with pytest.raises(ScenarioError, match=r"t\.csv:1: outcome: a column .* is missing"):
        load_episodes(p)


def test_missing_file_says_how_to_point_at_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no ../shared/data from here
    monkeypatch.delenv("DETENTE_UCDP_DATA", raising=False)
    with pytest.raises(
        ScenarioError, match=r"not found; allowed: --data PATH or DETENTE_UCDP_DATA"
    ):
        data_path()
    monkeypatch.setenv("DETENTE_UCDP_DATA", str(tmp_path / "nope.csv"))
    with pytest.raises(ScenarioError, match=r"nope\.csv: .*from \$DETENTE_UCDP_DATA"):
        data_path()
    p = write(tmp_path, SMALL)
    monkeypatch.setenv("DETENTE_UCDP_DATA", str(p))
    assert data_path() == p


# ---------------------------------------------------------------------------- Aalen-Johansen


def test_aalen_johansen_hand_computed() -> None:
    # five episodes: cause 1 at t=1, cause 2 at 2, censored at 3, cause 1 at 4, cause 2 at 5.
    # t=1: n=5, F1 = 1/5, S = 4/5; t=2: n=4, F2 = 4/5 * 1/4 = 1/5, S = 3/5;
    # t=4: n=2, F1 = 1/5 + 3/5 * 1/2 = 1/2, S = 3/10; t=5: n=1, F2 = 1/5 + 3/10 = 1/2, S = 0.
    times, cif, surv = aj.cumulative_incidence(
        np.array([1.0, 2, 3, 4, 5]), np.array([1, 2, 0, 1, 2]), (1, 2)
    )
    np.testing.assert_allclose(times, [1, 2, 4, 5])
    np.testing.assert_allclose(cif[0], [0.2, 0.2, 0.5, 0.5])
    np.testing.assert_allclose(cif[1], [0.0, 0.2, 0.2, 0.5])
    np.testing.assert_allclose(surv, [0.8, 0.6, 0.3, 0.0])
    # still running at 1.5 (delayed entry): four at risk. t=2: F2 = 1/4, S = 3/4;
    # t=4: n=2, F1 = 3/4 * 1/2 = 3/8; so within 1 (to 2.5): (0, 1/4); within 3 (4.5): (3/8, 1/4)
    p = aj.conditional_incidence(
        np.array([1.0, 2, 3, 4, 5]), np.array([1, 2, 0, 1, 2]), (1, 2), 1.5, np.array([1.0, 3.0])
    )
    np.testing.assert_allclose(p, [[0.0, 3 / 8], [0.25, 0.25]])


def test_aalen_johansen_ties_exact() -> None:
    # t=2: four at risk, one ends by each cause, one censored: F1 = F2 = 1/4, S = 1/2;
    # t=5: one at risk, cause 1: F1 = 1/4 + 1/2 = 3/4.
    _, cif, _ = aj.cumulative_incidence(np.array([2.0, 2, 2, 5]), np.array([1, 2, 0, 1]), (1, 2))
    np.testing.assert_allclose(cif[:, -1], [0.75, 0.25])


def test_aalen_johansen_matches_lifelines_without_ties() -> None:
    import warnings

    from lifelines import AalenJohansenFitter

    rng = np.random.default_rng(3)
    d = rng.exponential(4.0, 150)
    e = rng.integers(0, 3, 150)
    times, cif, _ = aj.cumulative_incidence(d, e, (1, 2))
    for k in (1, 2):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            f = AalenJohansenFitter(calculate_variance=False).fit(d, e, event_of_interest=k)
        ref = f.cumulative_density_.iloc[:, 0]
        got = aj.step_at(times, cif[k - 1], ref.index.to_numpy(), 0.0)
        np.testing.assert_allclose(got, ref.to_numpy(), atol=1e-12)


def test_wilson_interval_known_values() -> None:
    from detente.history.termination import _wilson

    # 0 of 10: lower 0, upper z^2 / (n + z^2) = 3.8415 / 13.8415
    lo, hi = _wilson(0, 10)
    assert lo == 0.0 and hi == pytest.approx(3.841459 / 13.841459, rel=1e-5)
    # 5 of 10: centred on 1/2, half-width z sqrt(1/40 + z^2/400) / (1 + z^2/10) = 0.26341
    assert _wilson(5, 10) == pytest.approx((0.236593, 0.763407), abs=1e-6)
    # 10 of 10 mirrors 0 of 10
    assert _wilson(10, 10) == pytest.approx((10 / 13.841459, 1.0), rel=1e-5)
    assert _wilson(0, 0) == (None, None)


def test_concordance_matches_lifelines() -> None:
    from lifelines.utils import concordance_index

    from detente.history._ucdp_score import concordance

    rng = np.random.default_rng(5)
    y = rng.random(200) < 0.2
    p = np.round(rng.random(200) + 0.3 * y, 2)  # with ties
    # lifelines: higher score = longer survival; yes = an earlier "time"
    ref = concordance_index(np.where(y, 0.0, 1.0), -p, np.ones(200))
    assert concordance(p, y) == pytest.approx(ref)


# ---------------------------------------------------------------------------- base rates


def _spec(**kw: object) -> ConflictSpec:
    base: dict[str, object] = {
        "type": "interstate",
        "intensity": "war",
        "incompatibility": "territory",
        "region": "europe",
        "start": dt.date(2022, 2, 24),
    }
    return ConflictSpec(**(base | kw))


def test_as_of_before_start_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"as_of: .*before the conflict's start"):
        base_rate(_spec(), dt.date(2021, 1, 1), data=write(tmp_path, SMALL), model=False)


def test_reference_class_widens_in_the_documented_order(tmp_path: Path) -> None:
    eps = load_episodes(write(tmp_path, SMALL))
    codes = {"type": 2, "intensity": 1, "incompatibility": 1, "region": 1}
    mask, used, at = reference_class(eps, codes, 10.0, min_at_risk=1)
    assert mask.tolist() == [False, False, True] and used == (
        "type",
        "intensity",
        "incompatibility",
        "region",
    )
    # three running at 10 days only once nothing is matched
    mask, used, at = reference_class(eps, codes, 10.0, min_at_risk=3)
    assert mask.all() and used == () and at == 10.0
    # more than there are: conditioned on the longest duration that leaves that many
    mask, used, at = reference_class(eps, codes, 5000.0, min_at_risk=2)
    assert used == () and at == 486 - 1


def test_base_rate_result(tmp_path: Path) -> None:
    lines = []
    # 30 dyads: each starts 1 Jan 1990; dyad d ends after d*20 days, by agreement every third,
    # ceasefire every third, low activity otherwise
    for d in range(1, 31):
        end = dt.date(1990, 1, 1) + dt.timedelta(days=20 * d)
        oc = "1" if d % 3 == 0 else "2" if d % 3 == 1 else "5"
        lines.append(
            row(
                d,
                1990,
                "1/1/90",
                term="1",
                end=f"{end.month}/{end.day}/{end.year % 100:02d}",
                outcome=oc,
            )
        )
    p = write(tmp_path, lines)
    spec = _spec(type="intrastate", region="africa", start=dt.date(2020, 1, 1))
    r = base_rate(spec, dt.date(2020, 1, 1), data=p, n_boot=50, model=False, min_at_risk=5)
    # at duration 0 all 30 are at risk; within 3 months (91.3 days) dyads 1-4 ended:
    # agreement: dyad 3 -> 1/30; ceasefire: dyads 1, 4 -> 2/30
    h3 = r.horizons_months.index(3)
    assert r.probability[0, h3] == pytest.approx(1 / 30)
    assert r.probability[1, h3] == pytest.approx(2 / 30)
    assert r.reference_class_size == 30 and r.at_risk == 30
    assert np.all(r.lower <= r.probability + 1e-12) and np.all(r.probability <= r.upper + 1e-12)
    d = r.to_dict()
    json.dumps(d, allow_nan=False)
    assert set(d["probability_agreement"]) == {"3", "6", "12", "24"}
    assert set(d["probability_agreement"]["12"]) == {"estimate", "lower", "upper", "cox"}
    assert d["reference_class_size"] == 30
    assert len(r.to_df()) == 12
    assert "Reference class: 30 episodes" in r.summary()
    import matplotlib

    matplotlib.use("Agg")
    ax = r.plot()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "agreement",
        "ceasefire",
        "other",
    ]


# ---------------------------------------------------------------------------- real data


@pytest.mark.shared_data
def test_real_file_counts(shared_data: Path) -> None:
    eps = load_episodes(shared_data / "ucdp" / "ucdp-term-dyad-3-2021.csv")
    # SOURCES.md: outcome counts on the closing rows 1 -> 106, 2 -> 95, 4 -> 69; 920 episodes
    # (dyad and start date), 64 running at the end of 2020 (dyadterm blank in 2020)
    assert (eps["outcome"] == 2).sum() == 95
    assert (eps["outcome"] == 1).sum() == 106
    assert (eps["outcome"] == 4).sum() == 69
    assert len(eps) == 920 and (eps["event"] == 0).sum() == 64
    assert eps["censor"].iloc[0] == dt.date(2020, 12, 31)
    assert eps["start"].min() >= dt.date(1946, 1, 1)


@pytest.mark.shared_data
def test_no_leakage_from_after_1999(shared_data: Path, tmp_path: Path) -> None:
    """Scrambling everything recorded after 1999 leaves the 1999 fit unchanged."""
    import csv

    from detente.history import _ucdp_cox as cx
    from detente.history._ucdp_score import base_rates

    src = shared_data / "ucdp" / "ucdp-term-dyad-3-2021.csv"
    with open(src, newline="") as f:
        rows = list(csv.reader(f))
    head, body = rows[0], rows[1:]
    col = {c: i for i, c in enumerate(head)}
    changed = []
    for r in body:
        if int(r[col["year"]]) >= 2000:
            r = list(r)
            r[col["outcome"]] = "1"
            r[col["ependdate"]] = "1/1/" + r[col["year"]][-2:]
            r[col["dyadterm"]] = "1"
            r[col["recur"]] = "1"
            r[col["intensity_level"]] = "2"
        changed.append(r)
    # and a new episode for an old dyad in 2001 (a recurrence the 1999 fit must not see)
    extra = list(next(r for r in body if r[col["year"]] == "1997"))
    extra[col["year"]], extra[col["start_date2"]], extra[col["recur"]] = "2001", "2/2/01", "1"
    p = tmp_path / "scrambled.csv"
    with open(p, "w", newline="") as f:
        csv.writer(f).writerows([head, *changed, extra])
    a = load_episodes(src, until_year=1999)
    b = load_episodes(p, until_year=1999)
    cols = ["dyad_id", "start", "end", "duration", "event", "outcome", "intensity"]
    assert a[cols].equals(b[cols])
    assert a["recur5"].equals(b["recur5"])
    assert base_rates(a, range(1946, 2000)) == base_rates(b, range(1946, 2000))
    ma, mb = cx.fit(a, (1, 2)), cx.fit(b, (1, 2))
    for k in (1, 2):
        assert ma[k].params_.equals(mb[k].params_)
    # and the full file does change (the perturbation is real)
    assert not load_episodes(p)["event"].equals(load_episodes(src)["event"])


@pytest.mark.shared_data
@pytest.mark.slow
def test_out_of_time_scores_are_well_formed(shared_data: Path) -> None:
    s = score_out_of_time(shared_data / "ucdp" / "ucdp-term-dyad-3-2021.csv")
    df = s.to_df()
    assert s.test_years == (2000, 2020) and len(df) == 9
    assert df["brier"].between(0, 1).all()
    json.dumps(s.to_dict(), allow_nan=False)
    # every test conflict-year began before its year and was running on 1 January
    f = s.forecasts
    assert (f["at"] > 0).all() and f["year"].between(2000, 2020).all()


def test_closing_row_without_end_date(tmp_path: Path) -> None:
    # dyadterm = 1 with an outcome but no end date (as dyad 861 in 1998): ends 31 December
    eps = load_episodes(write(tmp_path, [row(4, 1993, "1/1/93", term="1", outcome="1")]))
    assert eps["end"].iloc[0] == dt.date(1993, 12, 31) and eps["event"].iloc[0] == 1


# ---------------------------------------------------------------------------- invariants


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 30), st.integers(0, 3), st.integers(0, 10)),
        min_size=1,
        max_size=40,
    ),
    st.integers(0, 20),
)
def test_aalen_johansen_invariants(data: list[tuple[int, int, int]], at: int) -> None:
    """At every time the causes' incidences and the survival add to one; each incidence
    never falls; with delayed entry the same holds from the entry on."""
    d = np.array([x[0] for x in data], dtype=float)
    e = np.array([x[1] for x in data])
    entry = np.minimum(np.array([x[2] for x in data], dtype=float), d - 0.5)
    _, cif, surv = aj.cumulative_incidence(d, e, (1, 2, 3), entry=entry)
    np.testing.assert_allclose(cif.sum(axis=0) + surv, 1.0, atol=1e-12)
    assert np.all(np.diff(cif, axis=1) >= -1e-15)
    p = aj.conditional_incidence(d, e, (1, 2, 3), float(at), np.array([1.0, 5.0, 40.0]))
    if np.isfinite(p).all():
        assert np.all(p >= 0) and np.all(p.sum(axis=0) <= 1 + 1e-12)
        assert np.all(np.diff(p, axis=1) >= -1e-15)


def test_cox_conditional_probabilities_are_probabilities() -> None:
    import pandas as pd

    from detente.history import _ucdp_cox as cx

    rng = np.random.default_rng(2)
    n = 120
    eps = pd.DataFrame(
        {
            "duration": rng.exponential(600, n) + 1,
            "event": rng.integers(0, 4, n),
            "type_of_conflict": rng.choice([2, 3, 4], n),
            "intensity": rng.integers(1, 3, n),
            "incompatibility": rng.integers(1, 4, n),
            "regions": [(int(r),) for r in rng.integers(1, 6, n)],
            "decade": rng.choice([1960, 1980, 2000], n),
        }
    )
    models = cx.fit(eps, (1, 2, 3))
    x = cx.episode_design(eps.iloc[:10])
    p = cx.predict_conditional(models, x, np.linspace(0, 3, 10), np.array([0.25, 1.0, 2.0]))
    assert p.shape == (10, 3, 3)
    assert np.all(p >= 0) and np.all(p.sum(axis=1) <= 1 + 1e-9)
    assert np.all(np.diff(p, axis=2) >= -1e-12)
