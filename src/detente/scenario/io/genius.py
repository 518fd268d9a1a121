"""Readers for GENIUS XML domains/profiles and GeniusWeb JSON profiles.

GENIUS (Lin et al. 2014) stores a negotiation as one *domain* file (root
``<negotiation_template>``, the issues and their values) and one *profile* per party (root
``<utility_space>``: issue weights, per-value evaluations, optional ``<reservation>`` and
``<discount_factor>``). GeniusWeb stores a linear-additive profile as JSON
(``LinearAdditiveUtilitySpace`` with ``issueUtilities``, ``issueWeights``, ``domain`` and an
optional ``reservationBid``); its domain is a JSON object with ``issuesValues``.

Conventions (those of GENIUS, which NegMAS follows as well)
------------------------------------------------------------
* A discrete issue's value utility is ``evaluation / max evaluation on that issue`` (so the best
  value scores 1; GENIUS ``EvaluatorDiscrete``). Missing values score 0. If a value is listed
  twice in a profile, the last entry wins (a map ``put``).
* Issue weights are used as given (the shared files sum to 1 up to rounding).
* Integer issues become discrete issues with one value per integer; real issues are discretised
  on ``n_real`` equally spaced points (documented approximation; the reader records it in
  ``meta["discretised"]``). A linear evaluator is read from ``slope/offset``, ``parameter0``
  (offset) / ``parameter1`` (slope) or ``utility0/utility1`` (utilities at the bounds), then
  rescaled like a discrete issue (divided by its maximum over the issue's values).
* The reservation value is in utility units (0–1). A GeniusWeb ``reservationBid`` becomes the
  reservation value ``u(reservationBid)``.

References
----------
Lin, R., Kraus, S., Baarslag, T., Tykhonov, D., Hindriks, K. & Jonker, C. M. (2014). Genius: An
integrated environment for supporting the design of generic automated negotiators.
*Computational Intelligence* 30(1), 48–70.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "GeniusFormatError",
    "read_genius_domain",
    "read_genius_folder",
    "read_genius_profile",
    "read_geniusweb_profile",
]

_LINE = "__line__"


class GeniusFormatError(ValueError):
    """Malformed GENIUS / GeniusWeb input.

    Attributes
    ----------
    path : str
        The file (or folder).
    line : int or None
        1-based line of the offending element, where known.
    field : str
        The element / attribute / key at fault.
    value : object
        The offending value.
    allowed : str
        What would have been accepted.
    """

    def __init__(
        self,
        path: Any,
        field: str,
        value: Any,
        allowed: str,
        line: int | None = None,
        reason: str = "",
    ) -> None:
        self.path = str(path)
        self.line = line
        self.field = field
        self.value = value
        self.allowed = allowed
        where = f"{self.path}" + (f", line {line}" if line is not None else "")
        why = f" ({reason})" if reason else ""
        super().__init__(f"{where}: {field} = {value!r}{why}; allowed: {allowed}")


# --------------------------------------------------------------------------- XML helpers
def _parse_xml(path: Path) -> ET.Element:
    """Parse with expat, storing each element's start line in the attribute ``__line__``."""
    import xml.parsers.expat as expat

    try:
        text = path.read_bytes()
    except OSError as exc:
        raise GeniusFormatError(
            path, "file", str(path), "a readable file", reason=str(exc)
        ) from exc
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
    except (expat.ExpatError, AssertionError, IndexError) as exc:
        line = getattr(exc, "lineno", None)
        raise GeniusFormatError(
            path, "xml", str(exc), "well-formed XML", line=line, reason="parse error"
        ) from exc
    return root


def _line(el: ET.Element) -> int | None:
    v = el.get(_LINE)
    return int(v) if v is not None else None


def _float_attr(path: Path, el: ET.Element, name: str, default: float | None = None) -> float:
    raw = el.get(name)
    if raw is None:
        if default is not None:
            return default
        raise GeniusFormatError(
            path, f"<{el.tag}> {name}", None, "a number", line=_line(el), reason="missing attribute"
        )
    try:
        val = float(raw)
    except ValueError as exc:
        raise GeniusFormatError(
            path, f"<{el.tag}> {name}", raw, "a number", line=_line(el)
        ) from exc
    if not np.isfinite(val):
        raise GeniusFormatError(path, f"<{el.tag}> {name}", raw, "a finite number", line=_line(el))
    return val


def _issue_elements(root: ET.Element) -> list[ET.Element]:
    """All ``<issue>`` elements below the root, in document order (any objective nesting)."""
    return list(root.iter("issue"))


def _issue_kind(el: ET.Element) -> str:
    for attr in ("etype", "type", "vtype"):
        v = el.get(attr)
        if v:
            return v.strip().lower()
    return "discrete"


def _issue_spec(path: Path, el: ET.Element, n_real: int) -> dict[str, Any]:
    """Name, kind, value labels and numeric values of one issue element."""
    name = el.get("name")
    if not name:
        raise GeniusFormatError(
            path, "<issue> name", name, "a non-empty issue name", line=_line(el)
        )
    kind = _issue_kind(el)
    if kind == "discrete":
        labels = []
        for item in el.findall("item"):
            v = item.get("value")
            if v is None:
                raise GeniusFormatError(
                    path, f"issue {name!r} <item> value", None, "a value label", line=_line(item)
                )
            if v not in labels:
                labels.append(v)
        if not labels:
            raise GeniusFormatError(
                path, f"issue {name!r} items", 0, "at least one <item>", line=_line(el)
            )
        return {"name": name, "kind": "discrete", "labels": labels, "numeric": None}
    if kind in ("integer", "real"):
        rng_el = el.find("range")
        src = rng_el if rng_el is not None and rng_el.get("lowerbound") is not None else el
        lo = _float_attr(path, src, "lowerbound")
        hi = _float_attr(path, src, "upperbound")
        if hi < lo:
            raise GeniusFormatError(
                path, f"issue {name!r} upperbound", hi, f">= lowerbound {lo}", line=_line(src)
            )
        if kind == "integer":
            vals = np.arange(round(lo), round(hi) + 1, dtype=float)
            labels = [str(int(v)) for v in vals]
        else:
            vals = np.linspace(lo, hi, n_real)
            labels = [f"{v:g}" for v in vals]
        return {"name": name, "kind": kind, "labels": labels, "numeric": vals}
    raise GeniusFormatError(
        path, f"issue {name!r} etype", kind, "discrete, integer or real", line=_line(el)
    )


# --------------------------------------------------------------------------- public readers
def read_genius_domain(path: Any, *, n_real: int = 11) -> dict[str, Any]:
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
        raise GeniusFormatError(
            path, "root element", root.tag, "<negotiation_template> with a <utility_space>", line=1
        )
    issues = [_issue_spec(path, el, n_real) for el in _issue_elements(us)]
    if not issues:
        raise GeniusFormatError(path, "<issue>", 0, "at least one issue", line=_line(us))
    names = [i["name"] for i in issues]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise GeniusFormatError(path, "<issue> name", sorted(dup)[0], "unique issue names")
    obj = us.find("objective")
    dom_name = (obj.get("name") if obj is not None else None) or path.stem
    return {"name": dom_name, "issues": issues, "path": str(path)}


def _linear_eval(path: Path, ev: ET.Element, issue: dict[str, Any]) -> np.ndarray:
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
    raise GeniusFormatError(
        path,
        f"issue {issue['name']!r} <evaluator>",
        dict((k, v) for k, v in ev.attrib.items() if k != _LINE),
        "ftype='linear' with slope/offset, parameter0/parameter1 or utility0/utility1",
        line=_line(ev),
    )


def read_genius_profile(
    path: Any, domain: dict[str, Any] | None = None, *, n_real: int = 11, normalize: bool = True
) -> dict[str, Any]:
    """Read a GENIUS XML preference profile (linear-additive ``<utility_space>``).

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
    """
    path = Path(path)
    root = _parse_xml(path)
    if root.tag != "utility_space":
        raise GeniusFormatError(path, "root element", root.tag, "<utility_space>", line=1)
    own_issues = [_issue_spec(path, el, n_real) for el in _issue_elements(root)]
    dom = domain if domain is not None else {"name": path.stem, "issues": own_issues}
    by_name = {i["name"]: i for i in dom["issues"]}
    issue_els = {el.get("name"): el for el in _issue_elements(root)}
    for nm in issue_els:
        if nm not in by_name:
            raise GeniusFormatError(
                path,
                "<issue> name",
                nm,
                f"an issue of domain {dom['name']!r}: {', '.join(by_name)}",
                line=_line(issue_els[nm]),
            )
    # weights: <weight index=...> refer to issue indices
    idx_to_name = {el.get("index"): el.get("name") for el in _issue_elements(root)}
    weights: dict[str, float] = {}
    for w in root.iter("weight"):
        nm = idx_to_name.get(w.get("index"))
        if nm is None:
            raise GeniusFormatError(
                path,
                "<weight> index",
                w.get("index"),
                f"one of the issue indices {sorted(k for k in idx_to_name if k)}",
                line=_line(w),
            )
        val = _float_attr(path, w, "value")
        if val < 0:
            raise GeniusFormatError(path, "<weight> value", val, "a weight >= 0", line=_line(w))
        weights[nm] = val
    values: dict[str, np.ndarray] = {}
    for issue in dom["issues"]:
        nm = issue["name"]
        el = issue_els.get(nm)
        if el is None:
            raise GeniusFormatError(
                path,
                "<issue>",
                nm,
                "every domain issue evaluated in the profile",
                line=None,
                reason="issue missing from profile",
            )
        if nm not in weights:
            raise GeniusFormatError(
                path,
                "<weight>",
                nm,
                "a <weight> for every issue",
                line=_line(el),
                reason="no weight for issue",
            )
        if issue["kind"] == "discrete":
            ev: dict[str, float] = {}
            for item in el.findall("item"):  # direct children only (not similarity functions)
                lab = item.get("value")
                if lab is None or lab not in issue["labels"]:
                    raise GeniusFormatError(
                        path,
                        f"issue {nm!r} <item> value",
                        lab,
                        f"one of {issue['labels']}",
                        line=_line(item),
                    )
                e = _float_attr(path, item, "evaluation")
                if e < 0:
                    raise GeniusFormatError(
                        path,
                        f"issue {nm!r} <item> evaluation",
                        e,
                        "a number >= 0",
                        line=_line(item),
                    )
                ev[lab] = e
            raw = np.array([ev.get(lab, 0.0) for lab in issue["labels"]])
        else:
            evel = el.find("evaluator")
            if evel is None:
                raise GeniusFormatError(
                    path, f"issue {nm!r} <evaluator>", None, "a linear <evaluator>", line=_line(el)
                )
            raw = _linear_eval(path, evel, issue)
        mx = raw.max()
        values[nm] = raw if not normalize else (raw / mx if mx > 0 else np.zeros_like(raw))
    res_el = root.find("reservation")
    reservation = _float_attr(path, res_el, "value") if res_el is not None else 0.0
    disc_el = root.find("discount_factor")
    discount = _float_attr(path, disc_el, "value") if disc_el is not None else 1.0
    if not 0.0 <= discount <= 1.0:
        raise GeniusFormatError(
            path,
            "<discount_factor> value",
            discount,
            "0 <= d <= 1",
            line=None if disc_el is None else _line(disc_el),
        )
    return {
        "name": path.stem,
        "weights": weights,
        "values": values,
        "reservation": reservation,
        "discount": discount,
        "path": str(path),
        "domain": dom,
    }


def _json_load(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise GeniusFormatError(
            path, "json", exc.msg, "valid JSON", line=exc.lineno, reason="parse error"
        ) from exc


def _geniusweb_domain(path: Path, obj: Any) -> dict[str, Any]:
    iv = obj.get("issuesValues") if isinstance(obj, dict) else None
    if not isinstance(iv, dict) or not iv:
        raise GeniusFormatError(path, "issuesValues", iv, "an object {issue: {values: [...]}}")
    issues = []
    for nm, spec in iv.items():
        vals = spec.get("values") if isinstance(spec, dict) else None
        if isinstance(vals, list) and vals:
            issues.append(
                {"name": nm, "kind": "discrete", "labels": [str(v) for v in vals], "numeric": None}
            )
        elif isinstance(spec, dict) and "range" in spec:
            r = spec["range"]
            lo, hi, step = float(r["low"]), float(r["high"]), float(r.get("step", 1))
            vals_n = np.arange(lo, hi + step / 2, step)
            issues.append(
                {
                    "name": nm,
                    "kind": "integer",
                    "labels": [f"{v:g}" for v in vals_n],
                    "numeric": vals_n,
                }
            )
        else:
            raise GeniusFormatError(
                path, f"issuesValues.{nm}", spec, "{values: [labels]} or {range: {low, high, step}}"
            )
    return {"name": str(obj.get("name", path.stem)), "issues": issues, "path": str(path)}


def read_geniusweb_profile(path: Any) -> dict[str, Any]:
    """Read a GeniusWeb ``LinearAdditiveUtilitySpace`` JSON profile (domain embedded).

    Returns the same dict as :func:`read_genius_profile`; the reservation value is the
    profile's utility of its ``reservationBid`` (0 if absent).
    """
    path = Path(path)
    obj = _json_load(path)
    las = obj.get("LinearAdditiveUtilitySpace") if isinstance(obj, dict) else None
    if not isinstance(las, dict):
        raise GeniusFormatError(
            path,
            "top-level key",
            list(obj)[:3] if isinstance(obj, dict) else type(obj).__name__,
            "LinearAdditiveUtilitySpace",
        )
    dom = _geniusweb_domain(path, las.get("domain", {}))
    iu, iw = las.get("issueUtilities", {}), las.get("issueWeights", {})
    weights: dict[str, float] = {}
    values: dict[str, np.ndarray] = {}
    for issue in dom["issues"]:
        nm = issue["name"]
        if nm not in iw:
            raise GeniusFormatError(path, f"issueWeights.{nm}", None, "a weight for every issue")
        try:
            weights[nm] = float(iw[nm])
        except (TypeError, ValueError) as exc:
            raise GeniusFormatError(path, f"issueWeights.{nm}", iw[nm], "a number") from exc
        spec = iu.get(nm)
        if not isinstance(spec, dict):
            raise GeniusFormatError(path, f"issueUtilities.{nm}", spec, "an issue utility object")
        if "discreteutils" in spec:
            vu = spec["discreteutils"].get("valueUtilities", {})
            bad = [k for k in vu if k not in issue["labels"]]
            if bad:
                raise GeniusFormatError(
                    path, f"issueUtilities.{nm}.valueUtilities", bad[0], f"one of {issue['labels']}"
                )
            values[nm] = np.array([float(vu.get(lab, 0.0)) for lab in issue["labels"]])
        elif "numberutils" in spec:
            nu = spec["numberutils"]
            x = (
                issue["numeric"]
                if issue["numeric"] is not None
                else np.array([float(v) for v in issue["labels"]])
            )
            lv, hv = float(nu["lowValue"]), float(nu["highValue"])
            lu, hu = float(nu["lowUtility"]), float(nu["highUtility"])
            t = np.clip((x - lv) / (hv - lv), 0, 1) if hv != lv else np.zeros_like(x)
            values[nm] = lu + (hu - lu) * t
        else:
            raise GeniusFormatError(
                path, f"issueUtilities.{nm}", list(spec), "discreteutils or numberutils"
            )
        if values[nm].min() < 0 or values[nm].max() > 1:
            raise GeniusFormatError(
                path, f"issueUtilities.{nm}", values[nm].tolist(), "utilities in [0, 1]"
            )
    reservation = 0.0
    rb = las.get("reservationBid")
    if isinstance(rb, dict) and isinstance(rb.get("issuevalues"), dict):
        u = 0.0
        for nm, lab in rb["issuevalues"].items():
            issue = next((i for i in dom["issues"] if i["name"] == nm), None)
            if issue is None or str(lab) not in issue["labels"]:
                raise GeniusFormatError(
                    path, f"reservationBid.issuevalues.{nm}", lab, "a value of the domain"
                )
            u += weights[nm] * values[nm][issue["labels"].index(str(lab))]
        reservation = float(u)
    return {
        "name": str(las.get("name", path.stem)),
        "weights": weights,
        "values": values,
        "reservation": reservation,
        "discount": 1.0,
        "path": str(path),
        "domain": dom,
    }


def _classify(path: Path) -> str:
    """'domain', 'profile', 'gw-domain', 'gw-profile' or 'other', from the file contents."""
    if path.suffix.lower() == ".json":
        obj = _json_load(path)
        if isinstance(obj, dict) and "LinearAdditiveUtilitySpace" in obj:
            return "gw-profile"
        if isinstance(obj, dict) and "issuesValues" in obj:
            return "gw-domain"
        return "other"
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


def read_genius_folder(path: Any, *, n_real: int = 11, normalize: bool = True) -> Any:
    """Read a folder holding one GENIUS (XML) or GeniusWeb (JSON) domain and its profiles.

    Domain and profiles are told apart by their contents (root element / top-level keys), not
    by their names. ``normalize`` as in :func:`read_genius_profile` (XML profiles only). Returns an :class:`~detente.bargaining.domain.AdditiveDomain` with one
    party per profile (named after the profile file's stem, sorted by name).

    Raises
    ------
    GeniusFormatError
        If the folder holds no domain, fewer than one profile, more than one domain, or a file
        is malformed.
    """
    from detente.bargaining.domain import AdditiveDomain

    folder = Path(path)
    if not folder.is_dir():
        raise GeniusFormatError(
            folder, "folder", str(folder), "a directory holding a GENIUS domain"
        )
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".xml", ".json"))
    kinds = {p: _classify(p) for p in files}
    domains = [p for p, k in kinds.items() if k in ("domain", "gw-domain")]
    profiles = [p for p, k in kinds.items() if k in ("profile", "gw-profile")]
    if not profiles:
        raise GeniusFormatError(
            folder, "profiles", 0, "at least one preference profile (<utility_space> / JSON)"
        )
    if len(domains) > 1:
        raise GeniusFormatError(
            folder, "domain files", [p.name for p in domains], "exactly one domain file"
        )
    dom = None
    if domains:
        d = domains[0]
        dom = (
            _geniusweb_domain(d, _json_load(d))
            if kinds[d] == "gw-domain"
            else read_genius_domain(d, n_real=n_real)
        )
    profs = []
    for p in profiles:
        if kinds[p] == "gw-profile":
            prof = read_geniusweb_profile(p)
            if dom is not None:
                _check_same_domain(p, dom, prof["domain"])
                own = {i["name"]: i["labels"] for i in prof["domain"]["issues"]}
                for i in dom["issues"]:
                    order = [own[i["name"]].index(lab) for lab in i["labels"]]
                    prof["values"][i["name"]] = prof["values"][i["name"]][order]
        else:
            prof = read_genius_profile(p, dom, n_real=n_real, normalize=normalize)
        profs.append(prof)
    dom = dom if dom is not None else profs[0]["domain"]
    issues = dom["issues"]
    weights = np.array([[pr["weights"][i["name"]] for i in issues] for pr in profs])
    values = tuple(np.stack([pr["values"][i["name"]] for pr in profs]) for i in issues)
    return AdditiveDomain(
        party_ids=tuple(pr["name"] for pr in profs),
        issue_ids=tuple(i["name"] for i in issues),
        options=tuple(tuple(i["labels"]) for i in issues),
        values=values,
        weights=weights,
        reservation=np.array([pr["reservation"] for pr in profs]),
        discount=np.array([pr["discount"] for pr in profs]),
        meta={
            "name": dom["name"],
            "source": str(folder),
            "format": "geniusweb" if profiles and kinds[profiles[0]] == "gw-profile" else "genius",
            "discretised": [i["name"] for i in issues if i["kind"] == "real"],
        },
    )


def _check_same_domain(path: Path, dom: dict[str, Any], other: dict[str, Any]) -> None:
    a = {i["name"]: i["labels"] for i in dom["issues"]}
    b = {i["name"]: i["labels"] for i in other["issues"]}
    if set(a) != set(b):
        raise GeniusFormatError(path, "domain.issuesValues", sorted(b), f"the issues {sorted(a)}")
    for nm in a:
        if sorted(a[nm]) != sorted(b[nm]):
            raise GeniusFormatError(path, f"domain.issuesValues.{nm}", b[nm], f"the values {a[nm]}")
