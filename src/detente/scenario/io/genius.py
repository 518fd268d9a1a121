"""Readers for GENIUS XML domains/profiles and GeniusWeb JSON profiles.

GENIUS (Lin et al. 2014) stores a negotiation as one *domain* file (root
``<negotiation_template>``, the issues and their values) and one *profile* per party (root
``<utility_space>``: issue weights, per-value evaluations, optional ``<reservation>`` and
``<discount_factor>``). GeniusWeb stores a linear-additive profile as JSON
(``LinearAdditiveUtilitySpace`` with ``issueUtilities``, ``issueWeights``, ``domain`` and an
optional ``reservationBid``); its domain is a JSON object with ``issuesValues``.

This module reads them into plain data (:class:`GeniusNegotiation`: names, labels and numpy
arrays); :func:`detente.bargaining.genius.read_genius_folder` turns that into the bargaining
layer's :class:`~detente.bargaining.domain.AdditiveDomain`. (The scenario layer sits below the
bargaining layer and does not import it.)

Conventions (those of GENIUS, which NegMAS follows as well)
------------------------------------------------------------
* A discrete issue's value utility is ``evaluation / max evaluation on that issue`` (so the best
  value scores 1; GENIUS ``EvaluatorDiscrete``). Missing values score 0. If a value is listed
  twice in a profile, the last entry wins (a map ``put``).
* Issue weights are used as given (the shared files sum to 1 up to rounding); a weight must be
  a finite number >= 0.
* Integer issues become discrete issues with one value per integer; real issues are discretised
  on ``n_real`` equally spaced points (documented approximation; the reader records it in
  ``meta["discretised"]``). A linear evaluator is read from ``slope/offset``, ``parameter0``
  (offset) / ``parameter1`` (slope) or ``utility0/utility1`` (utilities at the bounds), then
  rescaled like a discrete issue (divided by its maximum over the issue's values). An issue has
  at most :data:`MAX_VALUES` values.
* The reservation value is in utility units (0–1; anything else is refused). A GeniusWeb
  ``reservationBid`` becomes the reservation value ``u(reservationBid)``.

Every problem raises :class:`GeniusFormatError` (a
:class:`~detente.scenario.errors.ScenarioError`) naming the file, the line where known, the
element or key, the value and what is allowed.

References
----------
Lin, R., Kraus, S., Baarslag, T., Tykhonov, D., Hindriks, K. & Jonker, C. M. (2014). Genius: An
integrated environment for supporting the design of generic automated negotiators.
*Computational Intelligence* 30(1), 48–70.
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from detente.scenario.errors import ScenarioError
from detente.scenario.io._common import parse_number, read_bytes, read_text

__all__ = [
    "MAX_VALUES",
    "GeniusFormatError",
    "GeniusNegotiation",
    "read_genius_domain",
    "read_genius_negotiation",
    "read_genius_profile",
    "read_geniusweb_profile",
]

_LINE = "__line__"

#: Most values one issue may have (a GeniusWeb range with a tiny step, or a huge integer
#: range, would otherwise fill the memory before any analysis starts).
MAX_VALUES = 10_000

FloatArray = NDArray[np.float64]


class GeniusFormatError(ScenarioError):
    """Malformed GENIUS / GeniusWeb input (a :class:`ScenarioError`: ``path``, ``line``,
    ``field``, ``value`` and ``allowed`` say where and what)."""


def _err(
    path: Any,
    field: str,
    value: Any,
    allowed: str,
    line: int | None = None,
    reason: str = "",
) -> GeniusFormatError:
    return GeniusFormatError(
        reason or "not valid GENIUS input",
        path=path,
        line=line,
        field=field,
        value=value,
        allowed=allowed,
    )


def _number(
    value: object,
    path: Path,
    fld: str,
    line: int | None = None,
    lo: float | None = None,
    hi: float | None = None,
) -> float:
    """:func:`~detente.scenario.io._common.parse_number`, raising a GeniusFormatError."""
    try:
        return parse_number(value, path=path, line=line, field=fld, lo=lo, hi=hi)
    except ScenarioError as e:
        raise GeniusFormatError(
            e.message, path=e.path, line=e.line, field=e.field, value=e.value, allowed=e.allowed
        ) from None


@dataclass(frozen=True, eq=False)
class GeniusNegotiation:
    """A GENIUS / GeniusWeb negotiation as read: one domain and each party's additive utility.

    Attributes
    ----------
    party_ids : tuple of str
        One per profile (the profile file's stem), sorted by file name.
    issue_ids : tuple of str
    options : tuple of tuple of str
        The value labels of each issue, in the domain's order.
    values : tuple of (n, m_j) float arrays
        Per issue, each party's utility of each value.
    weights : (n, k) float
    reservation, discount : (n,) float
    meta : dict
        ``name``, ``source``, ``format`` (``genius``/``geniusweb``), ``discretised`` (the real
        issues).
    """

    party_ids: tuple[str, ...]
    issue_ids: tuple[str, ...]
    options: tuple[tuple[str, ...], ...]
    values: tuple[FloatArray, ...]
    weights: FloatArray
    reservation: FloatArray
    discount: FloatArray
    meta: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- XML helpers
def _parse_xml(path: Path) -> ET.Element:
    """Parse with expat, storing each element's start line in the attribute ``__line__``."""
    import xml.parsers.expat as expat

    text = read_bytes(path)
    builder = ET.TreeBuilder()
    p = expat.ParserCreate()

    def start(tag: str, attrs: dict[str, str]) -> None:
        a = dict(attrs)
        a[_LINE] = str(p.CurrentLineNumber)
        builder.start(tag, a)

    p.StartElementHandler = start
    p.EndElementHandler = builder.end
    p.CharacterDataHandler = builder.data
    try:
        p.Parse(text, True)
        root = builder.close()
    except (expat.ExpatError, AssertionError, IndexError, LookupError, RecursionError) as exc:
        line = getattr(exc, "lineno", None)
        raise _err(
            path, "xml", str(exc)[:120], "well-formed XML", line=line, reason="not well-formed XML"
        ) from None
    return root


def _line(el: ET.Element) -> int | None:
    v = el.get(_LINE)
    return int(v) if v is not None else None


def _float_attr(
    path: Path,
    el: ET.Element,
    name: str,
    default: float | None = None,
    lo: float | None = None,
    hi: float | None = None,
) -> float:
    raw = el.get(name)
    if raw is None:
        if default is not None:
            return default
        raise _err(
            path, f"<{el.tag}> {name}", None, "a number", line=_line(el), reason="missing attribute"
        )
    return _number(raw, path, f"<{el.tag}> {name}", _line(el), lo, hi)


def _issue_elements(root: ET.Element) -> list[ET.Element]:
    """All ``<issue>`` elements below the root, in document order (any objective nesting)."""
    return list(root.iter("issue"))


def _issue_kind(el: ET.Element) -> str:
    for attr in ("etype", "type", "vtype"):
        v = el.get(attr)
        if v:
            return v.strip().lower()
    return "discrete"


def _too_many(path: Path, fld: str, count: float, line: int | None = None) -> GeniusFormatError:
    return _err(
        path,
        fld,
        f"{count:.0f} values",
        f"at most {MAX_VALUES:,} values per issue",
        line=line,
        reason="an issue with too many values",
    )


def _discrete_labels(path: Path, el: ET.Element, name: str) -> list[str]:
    labels: list[str] = []
    for item in el.findall("item"):
        v = item.get("value")
        if v is None:
            raise _err(
                path,
                f"issue {name!r} <item> value",
                None,
                "a value label",
                line=_line(item),
                reason="an <item> without a value",
            )
        if v not in labels:
            labels.append(v)
    if not labels:
        raise _err(
            path,
            f"issue {name!r} items",
            0,
            "at least one <item>",
            line=_line(el),
            reason="an issue without values",
        )
    return labels


def _issue_spec(path: Path, el: ET.Element, n_real: int) -> dict[str, Any]:
    """Name, kind, value labels and numeric values of one issue element."""
    name = el.get("name")
    if not name:
        raise _err(
            path,
            "<issue> name",
            name,
            "a non-empty issue name",
            line=_line(el),
            reason="an issue without a name",
        )
    kind = _issue_kind(el)
    if kind == "discrete":
        labels = _discrete_labels(path, el, name)
        return {"name": name, "kind": "discrete", "labels": labels, "numeric": None}
    if kind in ("integer", "real"):
        rng_el = el.find("range")
        src = rng_el if rng_el is not None and rng_el.get("lowerbound") is not None else el
        lo = _float_attr(path, src, "lowerbound")
        hi = _float_attr(path, src, "upperbound")
        if hi < lo:
            raise _err(
                path,
                f"issue {name!r} upperbound",
                hi,
                f">= lowerbound {lo}",
                line=_line(src),
                reason="a range whose upper bound is below its lower bound",
            )
        if kind == "integer":
            count = round(hi) - round(lo) + 1
            if count > MAX_VALUES:
                raise _too_many(path, f"issue {name!r} range", count, _line(src))
            vals = np.arange(round(lo), round(hi) + 1, dtype=float)
            labels = [str(int(v)) for v in vals]
        else:
            vals = np.linspace(lo, hi, n_real)
            labels = [f"{v:g}" for v in vals]
        return {"name": name, "kind": kind, "labels": labels, "numeric": vals}
    raise _err(
        path,
        f"issue {name!r} etype",
        kind,
        "discrete, integer or real",
        line=_line(el),
        reason="an unknown issue type",
    )


# --------------------------------------------------------------------------- public readers
def read_genius_domain(path: str | Path, *, n_real: int = 11) -> dict[str, Any]:
    """Read a GENIUS XML domain file.

    Returns
    -------
    dict with ``name``, ``issues`` (list of dicts: ``name``, ``kind`` in
    {discrete, integer, real}, ``labels``, ``numeric`` (array or None)) and ``path``.
    """
    path = Path(path)
    root = _parse_xml(path)
    us = root if root.tag == "utility_space" else root.find("utility_space")
    if root.tag not in ("negotiation_template", "utility_space") or us is None:
        raise _err(
            path,
            "root element",
            root.tag,
            "<negotiation_template> with a <utility_space>",
            line=1,
            reason="not a GENIUS domain",
        )
    issues = [_issue_spec(path, el, n_real) for el in _issue_elements(us)]
    if not issues:
        raise _err(
            path,
            "<issue>",
            0,
            "at least one issue",
            line=_line(us),
            reason="a domain without issues",
        )
    names = [i["name"] for i in issues]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise _err(
            path,
            "<issue> name",
            sorted(dup)[0],
            "unique issue names",
            reason="an issue name used twice",
        )
    obj = us.find("objective")
    dom_name = (obj.get("name") if obj is not None else None) or path.stem
    return {"name": dom_name, "issues": issues, "path": str(path)}


def _linear_eval(path: Path, ev: ET.Element, issue: dict[str, Any]) -> FloatArray:
    x = issue["numeric"]
    if ev.get("slope") is not None or ev.get("offset") is not None:
        return _float_attr(path, ev, "offset", 0.0) + _float_attr(path, ev, "slope", 0.0) * x
    if ev.get("parameter0") is not None or ev.get("parameter1") is not None:
        return (
            _float_attr(path, ev, "parameter0", 0.0) + _float_attr(path, ev, "parameter1", 0.0) * x
        )
    if ev.get("utility0") is not None:
        u0, u1 = _float_attr(path, ev, "utility0"), _float_attr(path, ev, "utility1")
        lo, hi = float(x[0]), float(x[-1])
        t = (x - lo) / (hi - lo) if hi > lo else np.zeros_like(x)
        return u0 + (u1 - u0) * t
    raise _err(
        path,
        f"issue {issue['name']!r} <evaluator>",
        dict((k, v) for k, v in ev.attrib.items() if k != _LINE),
        "ftype='linear' with slope/offset, parameter0/parameter1 or utility0/utility1",
        line=_line(ev),
        reason="an evaluator detente cannot read",
    )


def _profile_weights(path: Path, root: ET.Element) -> dict[str, float]:
    """``<weight index=...>``: one finite weight >= 0 per issue index."""
    idx_to_name = {el.get("index"): el.get("name") for el in _issue_elements(root)}
    weights: dict[str, float] = {}
    for w in root.iter("weight"):
        nm = idx_to_name.get(w.get("index"))
        if nm is None:
            raise _err(
                path,
                "<weight> index",
                w.get("index"),
                f"one of the issue indices {sorted(k for k in idx_to_name if k)}",
                line=_line(w),
                reason="a weight for no issue",
            )
        weights[nm] = _float_attr(path, w, "value", lo=0.0)
    return weights


def _discrete_evaluations(path: Path, el: ET.Element, issue: dict[str, Any]) -> FloatArray:
    """Each value's evaluation (>= 0; the last wins where listed twice; 0 where missing)."""
    nm = issue["name"]
    ev: dict[str, float] = {}
    for item in el.findall("item"):  # direct children only (not similarity functions)
        lab = item.get("value")
        if lab is None or lab not in issue["labels"]:
            raise _err(
                path,
                f"issue {nm!r} <item> value",
                lab,
                f"one of {issue['labels']}",
                line=_line(item),
                reason="a value not in the domain",
            )
        ev[lab] = _float_attr(path, item, "evaluation", lo=0.0)
    return np.array([ev.get(lab, 0.0) for lab in issue["labels"]])


def _profile_values(
    path: Path,
    dom: dict[str, Any],
    issue_els: dict[str | None, ET.Element],
    weights: dict[str, float],
    normalize: bool,
) -> dict[str, FloatArray]:
    """Each domain issue's value utilities (divided by their maximum when ``normalize``)."""
    values: dict[str, FloatArray] = {}
    for issue in dom["issues"]:
        nm = issue["name"]
        el = issue_els.get(nm)
        if el is None:
            raise _err(
                path,
                "<issue>",
                nm,
                "every domain issue evaluated in the profile",
                reason="issue missing from profile",
            )
        if nm not in weights:
            raise _err(
                path,
                "<weight>",
                nm,
                "a <weight> for every issue",
                line=_line(el),
                reason="no weight for issue",
            )
        if issue["kind"] == "discrete":
            raw = _discrete_evaluations(path, el, issue)
        else:
            evel = el.find("evaluator")
            if evel is None:
                raise _err(
                    path,
                    f"issue {nm!r} <evaluator>",
                    None,
                    "a linear <evaluator>",
                    line=_line(el),
                    reason="a numeric issue without an evaluator",
                )
            raw = _linear_eval(path, evel, issue)
        mx = raw.max()
        values[nm] = raw if not normalize else (raw / mx if mx > 0 else np.zeros_like(raw))
    return values


def read_genius_profile(
    path: str | Path,
    domain: dict[str, Any] | None = None,
    *,
    n_real: int = 11,
    normalize: bool = True,
) -> dict[str, Any]:
    """Read a GENIUS XML preference profile (linear-additive ``<utility_space>``).

    Steps
    -----
    1. Parse; the root must be ``<utility_space>``; its issues must be the domain's (or are the
       domain, when none is given).
    2. Weights (one finite number >= 0 per issue index).
    3. Per issue, the evaluations of its values (discrete) or its linear evaluator (integer,
       real), divided by their maximum when ``normalize``.
    4. Reservation value (in [0, 1], 0 if absent) and discount factor (in [0, 1], 1 if absent).

    Parameters
    ----------
    path : path-like
    domain : dict, optional
        The domain from :func:`read_genius_domain`; if omitted, the issues are taken from the
        profile itself.
    normalize : bool
        Divide each issue's evaluations by their maximum (GENIUS semantics, default). ``False``
        keeps the raw evaluations (what NegMAS 0.16 loads).

    Returns
    -------
    dict with ``name``, ``weights`` {issue: w}, ``values`` {issue: (n_values,) array in 0–1,
    in the domain's value order}, ``reservation`` (float, 0 if absent), ``discount``
    (float, 1 if absent), ``path``.

    Raises
    ------
    GeniusFormatError
    """
    path = Path(path)
    root = _parse_xml(path)
    if root.tag != "utility_space":
        raise _err(
            path,
            "root element",
            root.tag,
            "<utility_space>",
            line=1,
            reason="not a GENIUS profile",
        )
    own_issues = [_issue_spec(path, el, n_real) for el in _issue_elements(root)]
    dom: dict[str, Any] = (
        domain if domain is not None else {"name": path.stem, "issues": own_issues}
    )
    by_name = {i["name"]: i for i in dom["issues"]}
    issue_els = {el.get("name"): el for el in _issue_elements(root)}
    for nm in issue_els:
        if nm not in by_name:
            raise _err(
                path,
                "<issue> name",
                nm,
                f"an issue of domain {dom['name']!r}: {', '.join(by_name)}",
                line=_line(issue_els[nm]),
                reason="an issue not in the domain",
            )
    weights = _profile_weights(path, root)
    values = _profile_values(path, dom, issue_els, weights, normalize)
    res_el = root.find("reservation")
    disc_el = root.find("discount_factor")
    return {
        "name": path.stem,
        "weights": weights,
        "values": values,
        "reservation": 0.0 if res_el is None else _float_attr(path, res_el, "value", lo=0, hi=1),
        "discount": 1.0 if disc_el is None else _float_attr(path, disc_el, "value", lo=0, hi=1),
        "path": str(path),
        "domain": dom,
    }


# --------------------------------------------------------------------------- GeniusWeb JSON
def _json_load(path: Path) -> Any:
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise _err(
            path, "json", exc.msg, "valid JSON", line=exc.lineno, reason="not valid JSON"
        ) from None
    except (ValueError, RecursionError) as exc:
        raise _err(path, "json", str(exc)[:120], "valid JSON", reason="not valid JSON") from None


def _json_object(path: Path, fld: str, value: Any, allowed: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _err(
            path,
            fld,
            type(value).__name__ if isinstance(value, list | dict) else value,
            allowed,
            reason="not a JSON object",
        )
    return value


def _range_values(path: Path, nm: str, r: Any) -> FloatArray:
    """A GeniusWeb ``range`` ``{low, high, step}``: step > 0, high >= low, not too many
    values."""
    fld = f"issuesValues.{nm}.range"
    r = _json_object(path, fld, r, "an object {low, high, step}")
    lo = _number(r.get("low"), path, fld + ".low")
    hi = _number(r.get("high"), path, fld + ".high", lo=lo)
    step = _number(r.get("step", 1), path, fld + ".step")
    if not step > 0:
        raise _err(path, fld + ".step", r.get("step"), "a number > 0", reason="a step of 0 or less")
    count = math.floor((hi - lo) / step) + 1
    if count > MAX_VALUES:
        raise _too_many(path, fld, count)
    return np.arange(lo, hi + step / 2, step)


def _geniusweb_domain(path: Path, obj: Any) -> dict[str, Any]:
    iv = obj.get("issuesValues") if isinstance(obj, dict) else None
    if not isinstance(iv, dict) or not iv:
        raise _err(
            path,
            "issuesValues",
            iv,
            "an object {issue: {values: [...]}}",
            reason="a domain without issues",
        )
    issues = []
    for nm, spec in iv.items():
        vals = spec.get("values") if isinstance(spec, dict) else None
        if isinstance(vals, list) and vals:
            labels = [str(v) for v in vals]
            issues.append({"name": nm, "kind": "discrete", "labels": labels, "numeric": None})
        elif isinstance(spec, dict) and "range" in spec:
            vals_n = _range_values(path, nm, spec["range"])
            labels = [f"{v:g}" for v in vals_n]
            issues.append({"name": nm, "kind": "integer", "labels": labels, "numeric": vals_n})
        else:
            raise _err(
                path,
                f"issuesValues.{nm}",
                spec,
                "{values: [labels]} or {range: {low, high, step}}",
                reason="an issue without values",
            )
    return {"name": str(obj.get("name", path.stem)), "issues": issues, "path": str(path)}


def _discrete_utils(path: Path, nm: str, issue: dict[str, Any], spec: Any) -> FloatArray:
    fld = f"issueUtilities.{nm}.discreteutils"
    spec = _json_object(path, fld, spec, "an object {valueUtilities: {value: utility}}")
    vu = _json_object(
        path, fld + ".valueUtilities", spec.get("valueUtilities", {}), "an object {value: utility}"
    )
    bad = [k for k in vu if k not in issue["labels"]]
    if bad:
        raise _err(
            path,
            f"issueUtilities.{nm}.valueUtilities",
            bad[0],
            f"one of {issue['labels']}",
            reason="a value not in the domain",
        )
    return np.array(
        [
            _number(vu[lab], path, f"{fld}.valueUtilities.{lab}", lo=0.0, hi=1.0)
            if lab in vu
            else 0.0
            for lab in issue["labels"]
        ]
    )


def _number_utils(path: Path, nm: str, issue: dict[str, Any], spec: Any) -> FloatArray:
    fld = f"issueUtilities.{nm}.numberutils"
    allowed = "an object {lowValue, highValue, lowUtility, highUtility}"
    nu = _json_object(path, fld, spec, allowed)
    got = {}
    for key in ("lowValue", "highValue", "lowUtility", "highUtility"):
        if key not in nu:
            raise _err(path, f"{fld}.{key}", None, allowed, reason=f"no {key}")
        utility = key.endswith("Utility")
        got[key] = _number(
            nu[key], path, f"{fld}.{key}", lo=0.0 if utility else None, hi=1.0 if utility else None
        )
    try:
        x = (
            issue["numeric"]
            if issue["numeric"] is not None
            else np.array([float(v) for v in issue["labels"]])
        )
    except ValueError:
        raise _err(
            path, fld, issue["labels"][:5], "an issue of numbers", reason="numberutils on labels"
        ) from None
    lv, hv, lu, hu = got["lowValue"], got["highValue"], got["lowUtility"], got["highUtility"]
    t = np.clip((x - lv) / (hv - lv), 0, 1) if hv != lv else np.zeros_like(x)
    return lu + (hu - lu) * t


def _issue_utilities(
    path: Path, dom: dict[str, Any], las: dict[str, Any]
) -> tuple[dict[str, float], dict[str, FloatArray]]:
    """Each issue's weight (finite, >= 0) and value utilities (in [0, 1])."""
    iu = _json_object(
        path, "issueUtilities", las.get("issueUtilities", {}), "an object {issue: utility}"
    )
    iw = _json_object(
        path, "issueWeights", las.get("issueWeights", {}), "an object {issue: weight}"
    )
    weights: dict[str, float] = {}
    values: dict[str, FloatArray] = {}
    for issue in dom["issues"]:
        nm = issue["name"]
        if nm not in iw:
            raise _err(
                path, f"issueWeights.{nm}", None, "a weight for every issue", reason="no weight"
            )
        weights[nm] = _number(iw[nm], path, f"issueWeights.{nm}", lo=0.0)
        spec = _json_object(path, f"issueUtilities.{nm}", iu.get(nm), "an issue utility object")
        if "discreteutils" in spec:
            values[nm] = _discrete_utils(path, nm, issue, spec["discreteutils"])
        elif "numberutils" in spec:
            values[nm] = _number_utils(path, nm, issue, spec["numberutils"])
        else:
            raise _err(
                path,
                f"issueUtilities.{nm}",
                list(spec),
                "discreteutils or numberutils",
                reason="an issue utility of a kind detente cannot read",
            )
        if values[nm].min() < 0 or values[nm].max() > 1:
            raise _err(
                path,
                f"issueUtilities.{nm}",
                values[nm].tolist(),
                "utilities in [0, 1]",
                reason="utilities off the 0-1 scale",
            )
    return weights, values


def _reservation(
    path: Path,
    dom: dict[str, Any],
    las: dict[str, Any],
    weights: dict[str, float],
    values: dict[str, FloatArray],
) -> float:
    """The utility of the ``reservationBid`` (0 without one)."""
    rb = las.get("reservationBid")
    if not (isinstance(rb, dict) and isinstance(rb.get("issuevalues"), dict)):
        return 0.0
    u = 0.0
    for nm, lab in rb["issuevalues"].items():
        issue = next((i for i in dom["issues"] if i["name"] == nm), None)
        if issue is None or str(lab) not in issue["labels"]:
            raise _err(
                path,
                f"reservationBid.issuevalues.{nm}",
                lab,
                "a value of the domain",
                reason="a reservation bid off the domain",
            )
        u += weights[nm] * values[nm][issue["labels"].index(str(lab))]
    return float(u)


def read_geniusweb_profile(path: str | Path) -> dict[str, Any]:
    """Read a GeniusWeb ``LinearAdditiveUtilitySpace`` JSON profile (domain embedded).

    Returns the same dict as :func:`read_genius_profile`; the reservation value is the
    profile's utility of its ``reservationBid`` (0 if absent).

    Raises
    ------
    GeniusFormatError
        A key of the wrong type (``issueUtilities`` a list, ...), a weight that is not a finite
        number >= 0, a utility outside [0, 1], a range whose step is not > 0, ...
    """
    path = Path(path)
    obj = _json_load(path)
    las = obj.get("LinearAdditiveUtilitySpace") if isinstance(obj, dict) else None
    if not isinstance(las, dict):
        raise _err(
            path,
            "top-level key",
            list(obj)[:3] if isinstance(obj, dict) else type(obj).__name__,
            "LinearAdditiveUtilitySpace",
            reason="not a GeniusWeb linear-additive profile",
        )
    dom = _geniusweb_domain(path, las.get("domain", {}))
    weights, values = _issue_utilities(path, dom, las)
    return {
        "name": str(las.get("name", path.stem)),
        "weights": weights,
        "values": values,
        "reservation": _reservation(path, dom, las, weights, values),
        "discount": 1.0,
        "path": str(path),
        "domain": dom,
    }


# --------------------------------------------------------------------------- a folder
def _classify(path: Path) -> str:
    """'domain', 'profile', 'gw-domain', 'gw-profile' or 'other', from the file contents.

    A JSON file that is neither a GeniusWeb domain nor a profile is refused (not skipped)."""
    if path.suffix.lower() == ".json":
        obj = _json_load(path)
        if isinstance(obj, dict) and "LinearAdditiveUtilitySpace" in obj:
            return "gw-profile"
        if isinstance(obj, dict) and "issuesValues" in obj:
            return "gw-domain"
        raise _err(
            path,
            "top level",
            list(obj)[:3] if isinstance(obj, dict) else type(obj).__name__,
            "an object with issuesValues (a domain) or LinearAdditiveUtilitySpace (a profile)",
            reason="a JSON file that is neither a GeniusWeb domain nor a profile",
        )
    if path.suffix.lower() != ".xml":
        return "other"
    root = _parse_xml(path)
    if root.tag == "negotiation_template":
        return "domain"
    if root.tag == "utility_space":
        has_eval = any(it.get("evaluation") is not None for it in root.iter("item"))
        if has_eval or root.find(".//weight") is not None or root.find(".//evaluator") is not None:
            return "profile"
        return "domain"
    return "other"


def _folder_files(folder: Path) -> tuple[dict[Path, str], list[Path], list[Path]]:
    """Every XML/JSON file's kind; the domain files; the profile files."""
    if not folder.is_dir():
        raise _err(
            folder,
            "folder",
            str(folder),
            "a directory holding a GENIUS domain",
            reason="not a folder",
        )
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".xml", ".json"))
    kinds = {p: _classify(p) for p in files}
    domains = [p for p, k in kinds.items() if k in ("domain", "gw-domain")]
    profiles = [p for p, k in kinds.items() if k in ("profile", "gw-profile")]
    if not profiles:
        raise _err(
            folder,
            "profiles",
            0,
            "at least one preference profile (<utility_space> / JSON)",
            reason="no preference profile in the folder",
        )
    if len(domains) > 1:
        raise _err(
            folder,
            "domain files",
            [p.name for p in domains],
            "exactly one domain file",
            reason="more than one domain file",
        )
    return kinds, domains, profiles


def _folder_profile(
    p: Path, kind: str, dom: dict[str, Any] | None, n_real: int, normalize: bool
) -> dict[str, Any]:
    """One profile, its values in the domain's order of values."""
    if kind != "gw-profile":
        return read_genius_profile(p, dom, n_real=n_real, normalize=normalize)
    prof = read_geniusweb_profile(p)
    if dom is not None:
        _check_same_domain(p, dom, prof["domain"])
        own = {i["name"]: i["labels"] for i in prof["domain"]["issues"]}
        for i in dom["issues"]:
            order = [own[i["name"]].index(lab) for lab in i["labels"]]
            prof["values"][i["name"]] = prof["values"][i["name"]][order]
    return prof


def read_genius_negotiation(
    path: str | Path, *, n_real: int = 11, normalize: bool = True
) -> GeniusNegotiation:
    """Read a folder holding one GENIUS (XML) or GeniusWeb (JSON) domain and its profiles.

    Steps
    -----
    1. Tell domain and profiles apart by their contents (root element / top-level keys), not
       by their names; a JSON file that is neither is refused.
    2. Read the domain (when there is one) and every profile against it.
    3. Stack weights, values, reservation values and discount factors, one party per profile
       (named after the profile file's stem, sorted by name).

    ``normalize`` as in :func:`read_genius_profile` (XML profiles only). The bargaining layer
    makes this an :class:`~detente.bargaining.domain.AdditiveDomain`
    (:func:`detente.bargaining.genius.read_genius_folder`).

    Raises
    ------
    GeniusFormatError
        If the folder holds no domain, fewer than one profile, more than one domain, or a file
        is malformed.
    """
    folder = Path(path)
    kinds, domains, profiles = _folder_files(folder)
    dom = None
    if domains:
        d = domains[0]
        dom = (
            _geniusweb_domain(d, _json_load(d))
            if kinds[d] == "gw-domain"
            else read_genius_domain(d, n_real=n_real)
        )
    profs = [_folder_profile(p, kinds[p], dom, n_real, normalize) for p in profiles]
    dom = dom if dom is not None else profs[0]["domain"]
    issues = dom["issues"]
    return GeniusNegotiation(
        party_ids=tuple(pr["name"] for pr in profs),
        issue_ids=tuple(i["name"] for i in issues),
        options=tuple(tuple(i["labels"]) for i in issues),
        values=tuple(np.stack([pr["values"][i["name"]] for pr in profs]) for i in issues),
        weights=np.array([[pr["weights"][i["name"]] for i in issues] for pr in profs]),
        reservation=np.array([pr["reservation"] for pr in profs]),
        discount=np.array([pr["discount"] for pr in profs]),
        meta={
            "name": dom["name"],
            "source": str(folder),
            "format": "geniusweb" if kinds[profiles[0]] == "gw-profile" else "genius",
            "discretised": [i["name"] for i in issues if i["kind"] == "real"],
        },
    )


def _check_same_domain(path: Path, dom: dict[str, Any], other: dict[str, Any]) -> None:
    a = {i["name"]: i["labels"] for i in dom["issues"]}
    b = {i["name"]: i["labels"] for i in other["issues"]}
    if set(a) != set(b):
        raise _err(
            path,
            "domain.issuesValues",
            sorted(b),
            f"the issues {sorted(a)}",
            reason="a profile for another domain",
        )
    for nm in a:
        if sorted(a[nm]) != sorted(b[nm]):
            raise _err(
                path,
                f"domain.issuesValues.{nm}",
                b[nm],
                f"the values {a[nm]}",
                reason="a profile for another domain",
            )
