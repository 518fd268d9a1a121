"""Hypothesis strategies for scenario input: valid scenarios as plain dicts, and mutations of
real files (byte flips, line deletions and duplications, junk cells, truncation, non-UTF-8
bytes) for fuzzing the loaders."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import strategies as st

__all__ = ["JUNK_CELLS", "mutate", "mutations", "random_text_files", "valid_scenario_dicts"]

_ID = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,7}", fullmatch=True)
_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=20
).map(str.strip)
_FINITE = st.floats(allow_nan=False, allow_infinity=False, width=64)


@st.composite
def valid_scenario_dicts(draw: st.DrawFn, max_actors: int = 6, max_issues: int = 4) -> dict:
    """A valid detente scenario as a plain dict (the shape of the YAML/JSON format).

    Ids are unique, positions and reservations lie on their issue's scale, saliences on
    0–100, capabilities >= 0; some actors are absent from some issues.
    """
    n = draw(st.integers(1, max_actors))
    k = draw(st.integers(1, max_issues))
    aids = draw(st.lists(_ID, min_size=n, max_size=n, unique_by=str.lower))
    iids = draw(st.lists(_ID, min_size=k, max_size=k, unique_by=str.lower))
    sources = [{"id": f"S{m}", "title": draw(_TEXT) or "t"} for m in range(draw(st.integers(0, 2)))]
    actors = [
        {
            "id": a,
            "name": draw(_TEXT) or a,
            "capability": draw(st.floats(0, 1e6, allow_nan=False)),
            "veto": draw(st.booleans()),
            "role": draw(st.sampled_from(["party", "mediator", "guarantor", "observer"])),
        }
        for a in aids
    ]
    issues = []
    for i in iids:
        lo = draw(st.floats(-1e6, 1e6, allow_nan=False))
        width = draw(st.floats(1e-3, 1e6, allow_nan=False))
        hi = lo + width
        if not hi > lo:  # pragma: no cover - rounding at extreme magnitudes
            hi = lo + 1.0
        issue: dict[str, Any] = {"id": i, "name": draw(_TEXT) or i, "scale": {"lo": lo, "hi": hi}}
        if draw(st.booleans()):
            issue["status_quo"] = draw(st.floats(lo, hi))
        if draw(st.booleans()):
            issue["scale"]["anchors"] = [
                {"value": draw(st.floats(lo, hi)), "label": draw(_TEXT) or "anchor"}
            ]
        issues.append(issue)
    positions = []
    for a in aids:
        for issue in issues:
            if draw(st.integers(0, 4)) == 0:
                continue  # absent
            lo, hi = issue["scale"]["lo"], issue["scale"]["hi"]
            pos: dict[str, Any] = {
                "actor": a,
                "issue": issue["id"],
                "position": draw(st.floats(lo, hi)),
                "salience": draw(st.floats(0, 100)),
            }
            if draw(st.booleans()):
                pos["reservation"] = draw(st.floats(lo, hi))
            if sources and draw(st.booleans()):
                pos["sources"] = [sources[0]["id"]]
                pos["basis"] = "documented"
            positions.append(pos)
    return {
        "name": draw(_TEXT) or "fuzz",
        "actors": actors,
        "issues": issues,
        "positions": positions,
        "sources": sources,
    }


#: Cell contents that a loader must refuse or read correctly, never crash on.
JUNK_CELLS = [
    "", " ", "NaN", "nan", "-nan", "inf", "-inf", "Infinity", "1e309", "-1e309", "-1", "-0",
    "1e3", "0x10", "1_000", "9" * 400, "1" + "0" * 30, "NO", "yes", "null", "~", "[]", "{}",
    "abc", "é", "\u202e", '"', "'", "''", ",", ";", "\t", "<", "</Actor>", "<!--", "]]>",
    "&amp;", "&bogus;", "#A", "#D", "- x", ": x", "&anchor", "*alias", "!!python/object:x",
    "%YAML 1.1", "---", "...", "=", "1,5", "1.2.3", "+5", ".5", "5.", "1e-400",
    "x" * 140_000,  # beyond Python's csv field limit (131072)
    "[" * 3000 + "]" * 3000,  # deeper than the parsers' stacks
]  # fmt: skip
_BAD_BYTES = [b"\xff", b"\xfe\xff", b"\xc3", b"\xe2\x82", b"\x80", b"\xed\xa0\x80", b"\x00"]
_SPLIT = re.compile(r"(\t|,|;|\s+|<|>)")


def _cells(line: bytes) -> list[bytes]:
    return re.split(rb"(\t|,|;|\s+|<|>)", line)


@st.composite
def _one_mutation(draw: st.DrawFn, data: bytes) -> bytes:
    lines = data.split(b"\n")
    kind = draw(
        st.sampled_from(
            ["flip", "delete", "duplicate", "swap", "cell", "truncate", "bad_bytes", "insert"]
        )
    )
    if kind == "flip" and data:
        i = draw(st.integers(0, len(data) - 1))
        return data[:i] + bytes([data[i] ^ draw(st.integers(1, 255))]) + data[i + 1 :]
    if kind == "delete" and lines:
        del lines[draw(st.integers(0, len(lines) - 1))]
        return b"\n".join(lines)
    if kind == "duplicate" and lines:
        i = draw(st.integers(0, len(lines) - 1))
        lines.insert(i, lines[i])
        return b"\n".join(lines)
    if kind == "swap" and len(lines) > 1:
        i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]
        return b"\n".join(lines)
    if kind == "cell" and lines:
        i = draw(st.integers(0, len(lines) - 1))
        parts = _cells(lines[i])
        cells = [n for n, c in enumerate(parts) if c and not _SPLIT.fullmatch(c.decode("latin-1"))]
        if cells:
            n = draw(st.sampled_from(cells))
            parts[n] = draw(st.sampled_from(JUNK_CELLS)).encode("utf-8")
            lines[i] = b"".join(parts)
        return b"\n".join(lines)
    if kind == "truncate":
        return data[: draw(st.integers(0, max(len(data) - 1, 0)))]
    if kind == "bad_bytes":
        i = draw(st.integers(0, len(data)))
        return data[:i] + draw(st.sampled_from(_BAD_BYTES)) + data[i:]
    if kind == "insert" and lines:
        i = draw(st.integers(0, len(lines)))
        lines.insert(i, draw(st.sampled_from(JUNK_CELLS)).encode("utf-8"))
        return b"\n".join(lines)
    return data


@st.composite
def mutations(draw: st.DrawFn, data: bytes, max_steps: int = 3) -> bytes:
    """``data`` after 1 to ``max_steps`` random mutations."""
    for _ in range(draw(st.integers(1, max_steps))):
        data = draw(_one_mutation(data))
    return data


def mutate(data: bytes) -> st.SearchStrategy[bytes]:
    """Shorthand for :func:`mutations` with the default number of steps."""
    return mutations(data)


def random_text_files() -> st.SearchStrategy[bytes]:
    """Random bytes, random text, and random lines of junk cells joined by separators."""
    junk_line = st.lists(st.sampled_from(JUNK_CELLS), max_size=8).map(
        lambda cs: ",".join(cs)
    )  # fmt: skip
    return st.one_of(
        st.binary(max_size=512),
        st.text(max_size=512).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.lists(junk_line, max_size=12).map(lambda ls: "\n".join(ls).encode("utf-8")),
    )
