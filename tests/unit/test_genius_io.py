"""GENIUS XML / GeniusWeb JSON readers on every shared file, and located errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from detente.bargaining.genius import read_genius_folder
from detente.scenario.io.genius import (
    GeniusFormatError,
    read_genius_domain,
    read_genius_profile,
)

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "genius"

# (folder, parties, values per issue) — counted by hand from the XML/JSON files
EXPECTED = {
    "AMPOvsCity": (2, (6, 5, 6, 5, 3, 4, 3, 6, 2, 5)),
    "AirportSiteSelectionA": (2, (10, 7, 6)),
    "EnglandZimbabwe": (2, (4, 4, 3, 3, 4)),
    "ItexvsCypress": (2, (5, 4, 3, 3)),
    "Laptop": (2, (3, 3, 3)),
    "Politics": (3, (4, 3, 3, 4, 5, 2, 4, 4)),
    "ZoningPlan": (9, (7, 4, 4, 4)),
    "geniusweb_Party": (2, (4, 4, 4, 4, 3, 4)),
}


def _need_data():
    if not DATA.is_dir():
        pytest.skip(f"../shared/data not found: {DATA}")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_shared_folder_reads(name):
    _need_data()
    d = read_genius_folder(DATA / name)
    n, m = EXPECTED[name]
    assert d.n_parties == n
    assert d.n_options == m
    # GENIUS semantics: per issue, the best value of every party scores 1 (XML profiles)
    for v in d.values:
        assert np.all(v <= 1 + 1e-12) and np.all(v >= 0)
    assert np.all(d.weights >= 0)


def test_england_profile_values_by_hand():
    _need_data()
    dom = read_genius_domain(DATA / "EnglandZimbabwe" / "EnglandZimbabwe_domain.xml")
    p = read_genius_profile(DATA / "EnglandZimbabwe" / "England.xml", dom)
    # Size of Fund: evaluations 5, 7, 9, 1 -> divided by the maximum 9
    assert np.allclose(p["values"]["Size of Fund"], [5 / 9, 7 / 9, 1.0, 1 / 9])
    assert p["weights"]["Size of Fund"] == pytest.approx(0.3031462333758278)
    assert p["reservation"] == 0.0 and p["discount"] == 1.0


def test_reservation_and_discount_read():
    _need_data()
    air = read_genius_folder(DATA / "AirportSiteSelectionA")
    assert np.allclose(air.reservation, [0.5, 0.5])
    lap = read_genius_folder(DATA / "Laptop")
    assert np.allclose(lap.discount, [0.42441038, 0.42441038])


def test_ampo_duplicate_item_last_wins_and_similarity_ignored():
    _need_data()
    d = read_genius_folder(DATA / "AMPOvsCity", normalize=False)
    i = d.party_ids.index("ampo_vs_city_ampo_space")
    # issue 'Increase in starting salaries': value "0" listed with 0 then 8; last wins
    j = d.issue_ids.index("Increase in starting salaries")
    assert d.values[j][i].tolist() == [8.0, 36.0, 64.0, 84.0, 96.0, 100.0]


def test_geniusweb_reservation_bid_utility():
    _need_data()
    d = read_genius_folder(DATA / "geniusweb_Party")
    i = d.party_ids.index("party2")
    # party2's reservationBid, valued by hand from party2.json
    bid = {
        "Food": "Finger-Food",
        "Drinks": "Non-Alcoholic",
        "Location": "Party Tent",
        "Invitations": "Photo",
        "Music": "Band",
        "Cleanup": "Specialized Materials",
    }
    pkg = [d.options[j].index(bid[iss]) for j, iss in enumerate(d.issue_ids)]
    assert d.reservation[i] == pytest.approx(d.utility(pkg)[i])
    assert d.reservation[i] == pytest.approx(0.36638)


def test_malformed_xml_names_file_and_line(tmp_path):
    f = tmp_path / "bad.xml"
    f.write_text("<utility_space>\n<objective>\n<issue name='a'>\n</objective>\n")
    with pytest.raises(GeniusFormatError) as e:
        read_genius_profile(f)
    assert e.value.path == str(f) and e.value.line is not None
    assert "bad.xml" in str(e.value)


def test_bad_evaluation_value_located(tmp_path):
    (tmp_path / "dom.xml").write_text(
        "<negotiation_template><utility_space><objective name='x'>\n"
        "<issue index='1' name='a' etype='discrete'><item value='u'/><item value='v'/></issue>"
        "\n</objective></utility_space></negotiation_template>"
    )
    (tmp_path / "p.xml").write_text(
        "<utility_space><objective name='x'>\n<weight index='1' value='1'/>\n"
        "<issue index='1' name='a' etype='discrete'>\n<item value='u' evaluation='high'/>\n"
        "</issue></objective></utility_space>"
    )
    with pytest.raises(GeniusFormatError) as e:
        read_genius_folder(tmp_path)
    err = e.value
    assert err.line == 4 and err.value == "high" and "number" in err.allowed
    assert "evaluation" in err.field


def test_unknown_value_in_profile(tmp_path):
    (tmp_path / "dom.xml").write_text(
        "<negotiation_template><utility_space><objective name='x'>"
        "<issue index='1' name='a' etype='discrete'><item value='u'/></issue>"
        "</objective></utility_space></negotiation_template>"
    )
    (tmp_path / "p.xml").write_text(
        "<utility_space><objective name='x'><weight index='1' value='1'/>"
        "<issue index='1' name='a' etype='discrete'><item value='zzz' evaluation='1'/>"
        "</issue></objective></utility_space>"
    )
    with pytest.raises(GeniusFormatError, match="zzz"):
        read_genius_folder(tmp_path)


def test_integer_issue_linear_evaluator(tmp_path):
    (tmp_path / "dom.xml").write_text(
        "<negotiation_template><utility_space><objective name='x'>"
        "<issue index='1' name='n' etype='integer' lowerbound='0' upperbound='4'/>"
        "</objective></utility_space></negotiation_template>"
    )
    (tmp_path / "p.xml").write_text(
        "<utility_space><objective name='x'><weight index='1' value='1'/>"
        "<issue index='1' name='n' etype='integer' lowerbound='0' upperbound='4'>"
        "<evaluator ftype='linear' slope='0.5' offset='1'/></issue>"
        "</objective></utility_space>"
    )
    d = read_genius_folder(tmp_path)
    assert d.options == (("0", "1", "2", "3", "4"),)
    assert np.allclose(d.values[0][0], np.array([1, 1.5, 2, 2.5, 3]) / 3)


def test_folder_without_profiles(tmp_path):
    with pytest.raises(GeniusFormatError, match="profile"):
        read_genius_folder(tmp_path)
