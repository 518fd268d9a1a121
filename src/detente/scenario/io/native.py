"""detente's own scenario format: YAML (read with the YAML 1.2 core schema) or JSON.

YAML 1.1's traps are closed: ``NO``, ``off`` and ``y`` stay text (only ``true``/``false`` are
booleans), ``1e3`` is the number 1000, duplicate keys are an error, and every problem is
reported with the line it is on.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import yaml

from detente.scenario.errors import ScenarioError
from detente.scenario.io._common import atomic_write_text, build_scenario, read_text
from detente.scenario.schema import Scenario

__all__ = ["dump_json", "dump_yaml", "read_json", "read_yaml", "scenario_to_dict"]


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema scalars."""


_Loader.yaml_implicit_resolvers = {
    ch: [
        (tag, rx)
        for tag, rx in rs
        if tag not in {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
    ]
    for ch, rs in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"),
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


class _Dumper(yaml.SafeDumper):
    """SafeDumper that quotes every string the YAML 1.2 loader above would read as non-text."""


_Dumper.yaml_implicit_resolvers = {
    ch: list(rs) for ch, rs in _Loader.yaml_implicit_resolvers.items()
}


def _scalar(node: yaml.ScalarNode) -> Any:
    tag, v = node.tag, node.value
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:bool":
        return v.lower() == "true"
    if tag == "tag:yaml.org,2002:int":
        if v.startswith("0o"):
            return int(v[2:], 8)
        if v.startswith("0x"):
            return int(v[2:], 16)
        return int(v)
    if tag == "tag:yaml.org,2002:float":
        low = v.lower().lstrip("+")
        if low in {".inf", "-.inf"}:
            return -math.inf if low.startswith("-") else math.inf
        if low == ".nan":
            return math.nan
        return float(v)
    if tag == "tag:yaml.org,2002:timestamp":
        value = yaml.SafeLoader.construct_yaml_timestamp(_Loader(""), node)
        return value
    if tag in {"tag:yaml.org,2002:str", "tag:yaml.org,2002:binary"} or tag.startswith("tag:"):
        return v
    return v


#: Most values a YAML scenario may expand to (guards against alias bombs).
_MAX_NODES = 1_000_000
_DEEP = "nested too deeply (more levels than the reader's stack holds)"


def _construct(
    node: yaml.Node, path: tuple[Any, ...], lines: dict[tuple[Any, ...], int], file: Path
) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if len(lines) > _MAX_NODES:
        raise ScenarioError(
            "too many values (YAML aliases expanding without bound?)",
            path=file,
            line=node.start_mark.line + 1,
            allowed=f"at most {_MAX_NODES:,} values in a scenario",
        )
    if isinstance(node, yaml.ScalarNode):
        try:
            return _scalar(node)
        except ValueError as e:
            raise ScenarioError(
                f"not a valid value: {e}"[:200],
                path=file,
                line=node.start_mark.line + 1,
                field=".".join(str(x) for x in path) or None,
                value=node.value,
                allowed="a number of at most 4300 digits, a valid date (YYYY-MM-DD), or text",
            ) from None
    if isinstance(node, yaml.SequenceNode):
        return [_construct(c, (*path, n), lines, file) for n, c in enumerate(node.value)]
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for knode, vnode in node.value:
            if not isinstance(knode, yaml.ScalarNode):
                raise ScenarioError(
                    "a mapping key must be plain text", path=file, line=knode.start_mark.line + 1
                )
            key = knode.value
            if key == "<<":
                raise ScenarioError(
                    "YAML merge keys (<<) are not supported",
                    path=file,
                    line=knode.start_mark.line + 1,
                )
            if key in out:
                raise ScenarioError(
                    "duplicate key",
                    path=file,
                    line=knode.start_mark.line + 1,
                    field=".".join(str(p) for p in (*path, key)),
                    value=key,
                    allowed="each key once per mapping",
                )
            lines[(*path, key)] = knode.start_mark.line + 1
            out[key] = _construct(vnode, (*path, key), lines, file)
        return out
    raise ScenarioError("unsupported YAML node", path=file, line=node.start_mark.line + 1)


def _single_node(text: str, path: Path) -> Any:
    """The one YAML document of ``text`` as a node; a syntax error located at its line, an
    empty file refused."""
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise ScenarioError(
            f"not valid YAML: {e.problem or e.context}",
            path=path,
            line=None if mark is None else mark.line + 1,
        ) from None
    if node is None:
        raise ScenarioError("the file holds no YAML document", path=path)
    return node


def read_yaml(path: str | Path, text: str | None = None) -> Scenario:
    """Read a detente scenario written in YAML.

    Raises
    ------
    ScenarioError
        Located at the file, line and field of the first problem.
    """
    p = Path(path)
    text = read_text(p) if text is None else text
    try:
        node = _single_node(text, p)
    except yaml.YAMLError as e:
        raise ScenarioError(f"not valid YAML: {e}", path=p) from None
    except RecursionError:
        raise ScenarioError(_DEEP, path=p, allowed="a scenario's few levels of nesting") from None
    lines: dict[tuple[Any, ...], int] = {}
    try:
        data = _construct(node, (), lines, p)
    except RecursionError:
        raise ScenarioError(_DEEP, path=p, allowed="a scenario's few levels of nesting") from None
    return build_scenario(data, p, lines)


def read_json(path: str | Path, text: str | None = None) -> Scenario:
    """Read a detente scenario written in JSON (same fields as the YAML form)."""
    p = Path(path)
    text = read_text(p) if text is None else text

    def _no_dupes(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in pairs:
            if k in out:
                raise ScenarioError(
                    "duplicate key", path=p, value=k, allowed="each key once per object"
                )
            out[k] = v
        return out

    def _bad_constant(name: str) -> float:
        raise ScenarioError(f"{name} is not a number JSON allows", path=p, allowed="finite numbers")

    try:
        data = json.loads(text, object_pairs_hook=_no_dupes, parse_constant=_bad_constant)
    except json.JSONDecodeError as e:
        raise ScenarioError(f"not valid JSON: {e.msg}", path=p, line=e.lineno) from None
    except RecursionError:
        raise ScenarioError(_DEEP, path=p, allowed="a scenario's few levels of nesting") from None
    except ScenarioError:
        raise
    except ValueError as e:  # e.g. an integer of more than 4300 digits
        raise ScenarioError(
            f"not valid JSON: {e}"[:200], path=p, allowed="numbers of at most 4300 digits"
        ) from None
    lines = _json_lines(text)
    return build_scenario(data, p, lines)


def _json_lines(text: str) -> dict[tuple[Any, ...], int]:
    # JSON scenarios are usually pretty-printed one field per line; a light scan gives the
    # line of every list element's start, which is enough to locate a bad entry.
    lines: dict[tuple[Any, ...], int] = {}
    key_rx = re.compile(r'^\s*"(actors|issues|positions|sources|accommodation)"\s*:')
    current: str | None = None
    depth = 0
    index = -1
    for n, line in enumerate(text.splitlines(), start=1):
        m = key_rx.match(line)
        if m and depth <= 1:
            current, index = m.group(1), -1
            lines[(current,)] = n
        stripped = line.strip()
        if current and stripped.startswith("{") and depth == 2:
            index += 1
            lines[(current, index)] = n
        depth += line.count("{") + line.count("[") - line.count("}") - line.count("]")
    return lines


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """Plain, JSON-safe dict of a scenario, without fields left at their defaults."""
    return scenario.model_dump(mode="json", exclude_defaults=True)


def dump_yaml(scenario: Scenario) -> str:
    """YAML text of a scenario (round-trips through :func:`read_yaml`)."""
    data = scenario_to_dict(scenario)
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def dump_json(scenario: Scenario) -> str:
    """JSON text of a scenario (round-trips through :func:`read_json`)."""
    return json.dumps(scenario_to_dict(scenario), indent=2, ensure_ascii=False) + "\n"


def write_yaml(scenario: Scenario, path: str | Path) -> None:
    """Write a scenario as YAML (atomically)."""
    atomic_write_text(path, dump_yaml(scenario))


def write_json(scenario: Scenario, path: str | Path) -> None:
    """Write a scenario as JSON (atomically)."""
    atomic_write_text(path, dump_json(scenario))
