"""Shared plumbing for the scenario readers: safe reading, and errors located in the file."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from detente.scenario.errors import ScenarioError
from detente.scenario.schema import Scenario, SchemaProblem

__all__ = [
    "MAX_BYTES",
    "atomic_write_text",
    "build_scenario",
    "current_umask",
    "read_text",
    "unique_ids",
]

#: Largest scenario file read (bytes). The biggest real input (a DEU III table) is ~90 kB;
#: the limit keeps a wrong file (a log, a database dump) from eating the machine.
#: Override with the environment variable ``DETENTE_MAX_FILE_MB``.
MAX_BYTES = 20 * 1024 * 1024


def _max_bytes() -> int:
    env = os.environ.get("DETENTE_MAX_FILE_MB")
    if env:
        try:
            return int(float(env) * 1024 * 1024)
        except ValueError:
            pass
    return MAX_BYTES


def read_text(path: str | Path) -> str:
    """Read a UTF-8 text file (BOM tolerated), refusing what cannot be a scenario.

    Raises
    ------
    ScenarioError
        Missing file, a directory, over the size limit, empty, or not valid UTF-8 (with the
        line and byte offset of the first bad byte).
    """
    p = Path(path)
    if not p.exists():
        raise ScenarioError("no such file", path=p)
    if p.is_dir():
        raise ScenarioError("is a folder, not a file", path=p)
    size = p.stat().st_size
    limit = _max_bytes()
    if size > limit:
        raise ScenarioError(
            f"file is {size / 1e6:.1f} MB, too large for a scenario",
            path=p,
            allowed=f"files up to {limit / 1e6:.0f} MB (set DETENTE_MAX_FILE_MB to raise the limit)",
        )
    raw = p.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise ScenarioError(
            f"not valid UTF-8 text (byte 0x{raw[e.start]:02x} at offset {e.start})",
            path=p,
            line=line,
            allowed="UTF-8 encoded text; re-save the file as UTF-8",
        ) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ScenarioError("binary data (NUL byte) in a text file", path=p, line=line)
    if not text.strip():
        raise ScenarioError("the file is empty", path=p, allowed="a scenario")
    return text


def _loc_text(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _line_for(loc: tuple[Any, ...], lines: Mapping[tuple[Any, ...], int] | None) -> int | None:
    if not lines:
        return None
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in lines:
            return lines[loc[:cut]]
    return None


_ALLOWED = {
    "extra_forbidden": "only the fields of the detente scenario schema (see docs/reference/scenario-format.md)",
    "bool_type": "true or false",
    "float_type": "a number",
    "string_type": "text",
    "missing": None,
    "literal_error": None,
    "greater_than_equal": None,
    "less_than_equal": None,
    "finite_number": "a finite number",
    "string_pattern_mismatch": "letters, digits and _ . : - only",
}


def build_scenario(
    data: Any,
    path: str | Path | None,
    lines: Mapping[tuple[Any, ...], int] | None = None,
    *,
    describe: Callable[[tuple[Any, ...]], str] | None = None,
) -> Scenario:
    """Validate a plain mapping into a :class:`Scenario`, turning the first problem into a
    :class:`ScenarioError` located by file, line and field.

    ``lines`` maps a location tuple (as pydantic reports it) to a 1-based line number;
    ``describe`` may rename a location for formats whose fields are columns.
    """
    if not isinstance(data, Mapping):
        raise ScenarioError(
            "the top level must be a mapping of scenario fields",
            path=path,
            line=1,
            value=type(data).__name__,
            allowed="name, actors, issues, positions, sources, ...",
        )
    try:
        return Scenario.model_validate(dict(data))
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        loc = tuple(err.get("loc", ()))
        ctx = err.get("ctx") or {}
        inner = ctx.get("error")
        allowed: str | None
        if isinstance(inner, SchemaProblem):
            loc = inner.loc
            message, value = inner.message, inner.value
            allowed = inner.allowed
        else:
            message = err.get("msg", "invalid value")
            if message.startswith("Value error, "):
                message = message[len("Value error, ") :]
            value = err.get("input", ...)
            if err.get("type") == "missing" or isinstance(value, Mapping):
                value = ...
            allowed = _ALLOWED.get(err.get("type", ""))
            if err.get("type") == "literal_error" and "expected" in ctx:
                allowed = f"one of {ctx['expected']}"
            elif err.get("type") == "greater_than_equal" and "ge" in ctx:
                allowed = f"a number of at least {ctx['ge']:g}"
            elif err.get("type") == "less_than_equal" and "le" in ctx:
                allowed = f"a number of at most {ctx['le']:g}"
        field = describe(loc) if describe else _loc_text(loc)
        more = exc.error_count() - 1
        if more > 0:
            message += f" ({more} more problem{'s' if more > 1 else ''} after this one)"
        raise ScenarioError(
            message,
            path=path,
            line=_line_for(loc, lines),
            field=field or None,
            value=value,
            allowed=allowed,
        ) from None


def unique_ids(names: list[str], fallback: str = "A") -> list[str]:
    """Identifiers from free-text names: unsafe characters become ``_``, at most 72 characters,
    ``{fallback}{n}`` (1-based) for a name with nothing left, and ``_2``, ``_3``… for repeats."""
    out: list[str] = []
    used: set[str] = set()
    for n, name in enumerate(names, start=1):
        base = re.sub(r"[^A-Za-z0-9_.:\-]+", "_", name.strip()).strip("_")[:72] or f"{fallback}{n}"
        ident, k = base, 1
        while ident in used:
            k += 1
            ident = f"{base}_{k}"
        used.add(ident)
        out.append(ident)
    return out


def current_umask() -> int:
    """The process's file-creation mask (read by setting it and putting it back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: str | Path, text: str, *, newline: str | None = None) -> None:
    """Write ``text`` to ``path`` (UTF-8) through a temporary file beside it, renamed into place.

    A failed write leaves neither half a file nor the temporary file behind, and never touches
    another file than ``path`` (the temporary name is unique). The file gets the permissions a
    newly created file gets (0666 less the umask), not the temporary file's 0600.

    Raises
    ------
    ScenarioError
        Naming ``path`` (never the temporary file): its folder does not exist, it is a folder,
        or the system refuses the write (permission denied, disk full, ...).
    """
    p = Path(path)
    parent = p.parent
    if not parent.is_dir():
        raise ScenarioError(
            f"cannot write: the folder {parent} does not exist",
            path=p,
            allowed="a file in an existing folder",
        )
    if p.is_dir():
        raise ScenarioError("cannot write: this is a folder", path=p, allowed="a file name")
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix="." + p.name + ".", dir=parent)
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as fh:
            fh.write(text)
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, p)
    except OSError as e:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise ScenarioError(f"cannot write: {e.strerror or e}", path=p) from None
    except BaseException:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise
