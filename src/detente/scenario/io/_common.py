"""Shared plumbing for the scenario readers and writers: safe reading (files, standard input,
pipes and devices, always under a byte cap), one number parser, errors located in the file, and
writes that never replace what they should write through."""

from __future__ import annotations

import csv
import errno
import io
import math
import os
import re
import select
import stat
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from detente.scenario.errors import ExportWarning, ScenarioError
from detente.scenario.schema import Scenario, SchemaProblem

__all__ = [
    "FIFO_WAIT_SECONDS",
    "MAX_BYTES",
    "STDIN",
    "STDIN_NAME",
    "atomic_write_text",
    "build_scenario",
    "csv_records",
    "current_umask",
    "decode_text",
    "is_stdin",
    "parse_number",
    "read_bytes",
    "read_text",
    "unique_ids",
    "warn_dropped",
    "write_target",
]

#: Largest scenario file read (bytes). The biggest real input (a DEU III table) is ~90 kB;
#: the limit keeps a wrong file (a log, a database dump, ``/dev/zero``) from eating the
#: machine. Override with the environment variable ``DETENTE_MAX_FILE_MB`` (a positive number
#: of megabytes, at most ``_MAX_MB``).
MAX_BYTES = 20 * 1024 * 1024
_MAX_MB = 1_000_000.0  # 1 TB: far above any scenario; keeps the byte count an exact integer

#: The path that means standard input, and the name errors give it.
STDIN = "-"
STDIN_NAME = "<stdin>"

#: How long a named pipe may stay without a writer (or without data) before reading it is
#: refused, in seconds. A FIFO nobody writes to would otherwise hang the command for ever.
FIFO_WAIT_SECONDS = 10.0

_CHUNK = 1 << 16


def _max_bytes() -> int:
    """The byte cap: ``DETENTE_MAX_FILE_MB`` if set, else :data:`MAX_BYTES`.

    Raises
    ------
    ScenarioError
        When the variable is not a number of megabytes above 0 and at most ``_MAX_MB`` (text,
        ``nan``, ``inf``, zero or negative).
    """
    env = os.environ.get("DETENTE_MAX_FILE_MB")
    if env is None or not env.strip():
        return MAX_BYTES
    try:
        mb = float(env)
    except ValueError:
        mb = math.nan
    if not (math.isfinite(mb) and 0.0 < mb <= _MAX_MB):
        raise ScenarioError(
            "the environment variable sets no usable size limit",
            field="DETENTE_MAX_FILE_MB",
            value=env,
            allowed=f"a number of megabytes above 0 and at most {_MAX_MB:,.0f} (or unset it)",
        )
    return max(1, int(mb * 1024 * 1024))


def _too_large(path: str | Path, size: str, limit: int) -> ScenarioError:
    return ScenarioError(
        f"file is {size}, too large for a scenario",
        path=path,
        allowed=f"files up to {limit / 1e6:.0f} MB (set DETENTE_MAX_FILE_MB to raise the limit)",
    )


def is_stdin(path: str | Path) -> bool:
    """Whether ``path`` is ``-``, the name of standard input."""
    return str(path) == STDIN


def _read_capped(fh: IO[bytes], path: str | Path, limit: int) -> bytes:
    """At most ``limit`` bytes of a stream; more is refused without reading on."""
    parts: list[bytes] = []
    got = 0
    while got <= limit:
        chunk = fh.read(min(_CHUNK, limit + 1 - got))
        if not chunk:
            return b"".join(parts)
        parts.append(chunk)
        got += len(chunk)
    raise _too_large(path, f"more than {limit / 1e6:.1f} MB", limit)


def _read_fifo(p: Path, limit: int) -> bytes:
    """A named pipe, without hanging: opened non-blocking, refused when no writer sends data or
    closes within :data:`FIFO_WAIT_SECONDS`, then read to its end under the byte cap."""
    fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK)
    try:
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLHUP)
        if not poller.poll(FIFO_WAIT_SECONDS * 1000):
            raise ScenarioError(
                f"a named pipe (FIFO) that nothing wrote to in {FIFO_WAIT_SECONDS:g} s",
                path=p,
                allowed="a regular file, or data piped to standard input (`-`)",
            )
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return _read_capped(fh, p, limit)
    finally:
        os.close(fd)


def read_bytes(path: str | Path) -> bytes:
    """The bytes of a scenario file, read once and never more than the size limit.

    ``-`` is standard input. Regular files are refused from their reported size before any
    reading; standard input, pipes and character devices (``/dev/stdin``, ``/dev/zero``) are
    read as streams, stopping one byte past the limit. A named pipe waits at most
    :data:`FIFO_WAIT_SECONDS` for a writer. Block devices and sockets are refused.

    Raises
    ------
    ScenarioError
        Missing file, a folder, a block device or socket, a silent FIFO, more bytes than the
        limit, or an error of the system (permission denied, ...).
    """
    limit = _max_bytes()
    if is_stdin(path):
        stream = sys.stdin.buffer if sys.stdin is not None else None
        if stream is None:
            return b""
        return _read_capped(stream, STDIN_NAME, limit)
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise ScenarioError("no such file", path=p) from None
    except OSError as e:
        raise ScenarioError(f"cannot read: {e.strerror or e}", path=p) from None
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        raise ScenarioError("is a folder, not a file", path=p)
    if stat.S_ISBLK(mode) or stat.S_ISSOCK(mode):
        raise ScenarioError(
            "a block device or socket, not a scenario file",
            path=p,
            allowed="a regular file, a pipe, or standard input (`-`)",
        )
    if stat.S_ISREG(mode) and st.st_size > limit:
        raise _too_large(p, f"{st.st_size / 1e6:.1f} MB", limit)
    try:
        if stat.S_ISFIFO(mode):
            return _read_fifo(p, limit)
        with p.open("rb") as fh:
            return _read_capped(fh, p, limit)
    except OSError as e:
        raise ScenarioError(f"cannot read: {e.strerror or e}", path=p) from None


def decode_text(raw: bytes, path: str | Path, *, allow_empty: bool = False) -> str:
    """UTF-8 text of ``raw`` (BOM tolerated), refusing what cannot be a scenario.

    Raises
    ------
    ScenarioError
        Not valid UTF-8 (with the line and byte offset of the first bad byte), a NUL byte, or
        nothing but blanks (unless ``allow_empty``, for a reader with its own message).
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise ScenarioError(
            f"not valid UTF-8 text (byte 0x{raw[e.start]:02x} at offset {e.start})",
            path=path,
            line=line,
            allowed="UTF-8 encoded text; re-save the file as UTF-8",
        ) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ScenarioError("binary data (NUL byte) in a text file", path=path, line=line)
    if not text.strip() and not allow_empty:
        raise ScenarioError("the file is empty", path=path, allowed="a scenario")
    return text


def read_text(path: str | Path, *, allow_empty: bool = False) -> str:
    """Read a UTF-8 text file (BOM tolerated), refusing what cannot be a scenario.

    Steps: :func:`read_bytes` (``-`` for standard input; the size limit), then
    :func:`decode_text`.

    Raises
    ------
    ScenarioError
        Missing file, a directory, over the size limit, empty, or not valid UTF-8 (with the
        line and byte offset of the first bad byte).
    """
    where: str | Path = STDIN_NAME if is_stdin(path) else Path(path)
    return decode_text(read_bytes(path), where, allow_empty=allow_empty)


def csv_records(
    text: str, path: str | Path, *, allowed: str, what: str = "CSV", **reader_kwargs: Any
) -> Iterator[tuple[int, list[str]]]:
    """Each record of the CSV ``text`` with the 1-based line it starts on.

    A quoted cell may hold a newline, so a record may span lines; the line given is its first.
    Records come one at a time, so a reader's own checks of an early record come before any
    CSV error further down.

    Parameters
    ----------
    text : str
        The file's text.
    path : str or Path
        The file, named in errors.
    allowed : str
        What the file should hold, said in the error.
    what : str
        The kind of file, in the error's message ("not readable as <what>: ...").
    **reader_kwargs
        Passed to :func:`csv.reader` (``delimiter``, ``quotechar``, ``skipinitialspace``, ...).

    Raises
    ------
    ScenarioError
        The csv module's error (a cell over its size limit, ...), located at the line the
        record being read starts on.
    """
    reader = csv.reader(io.StringIO(text), **reader_kwargs)
    start = 1
    try:
        for row in reader:
            yield start, row
            start = reader.line_num + 1
    except csv.Error as e:
        raise ScenarioError(
            f"not readable as {what}: {e}", path=path, line=start, allowed=allowed
        ) from None


def parse_number(
    cell: object,
    *,
    path: str | Path | None,
    line: int | None = None,
    field: str | None = None,
    lo: float | None = None,
    hi: float | None = None,
    allowed: str | None = None,
    finite: bool = True,
) -> float:
    """The number in one cell (text, or a number from JSON), or a located error.

    Every reader parses its numbers here, so that a bad one is always reported the same way:
    the file, the line, the field or column, the text as written and what is allowed.

    Parameters
    ----------
    cell : str or int or float
        The cell's text (surrounding blanks ignored) or a JSON number; ``True``/``False``,
        ``None``, lists and objects are refused.
    path, line, field
        Where the cell is, for the error.
    lo, hi : float, optional
        The range allowed (inclusive).
    allowed : str, optional
        What the reader allows, in words (default: ``a finite number`` or the range).
    finite : bool
        Refuse ``nan`` and ``inf`` (default). ``False`` returns them, for readers with their
        own rule for missing values.

    Raises
    ------
    ScenarioError
        Not a number, not finite, or outside ``lo..hi``.
    """
    if lo is not None and hi is not None:
        default = f"a number from {lo:g} to {hi:g}"
    elif lo is not None:
        default = f"a finite number >= {lo:g}"
    elif hi is not None:
        default = f"a finite number <= {hi:g}"
    else:
        default = "a finite number"
    want = allowed or default

    def fail(message: str) -> ScenarioError:
        return ScenarioError(message, path=path, line=line, field=field, value=cell, allowed=want)

    if isinstance(cell, bool) or not isinstance(cell, str | int | float):
        raise fail("not a number")
    try:
        value = float(cell.strip() if isinstance(cell, str) else cell)
    except (ValueError, OverflowError):
        raise fail("not a number") from None
    if not math.isfinite(value):
        if finite:
            raise fail("not a finite number")
        return value
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise fail("out of range")
    return value


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


def write_target(path: str | Path) -> Path:
    """Where a write to ``path`` lands: the final target of a symbolic link (so that the link
    stays a link and its target gets the content), else ``path`` itself."""
    p = Path(path)
    return Path(os.path.realpath(p)) if p.is_symlink() else p


def _write_stream(path: Path, shown: Path, text: str, newline: str | None, fifo: bool) -> None:
    """Write into a character device or a named pipe as a stream (no temporary file, no
    rename: the device node or FIFO stays what it is)."""
    flags = os.O_WRONLY | (os.O_NONBLOCK if fifo else 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        if fifo and e.errno == errno.ENXIO:
            raise ScenarioError(
                "cannot write: a named pipe (FIFO) that nothing reads",
                path=shown,
                allowed="a file, or a pipe with a reader at its other end",
            ) from None
        raise ScenarioError(f"cannot write: {e.strerror or e}", path=shown) from None
    try:
        os.set_blocking(fd, True)
        with open(fd, "w", encoding="utf-8", newline=newline, closefd=False) as fh:
            fh.write(text)
    except OSError as e:
        raise ScenarioError(f"cannot write: {e.strerror or e}", path=shown) from None
    finally:
        os.close(fd)


def atomic_write_text(path: str | Path, text: str, *, newline: str | None = None) -> None:
    """Write ``text`` to ``path`` (UTF-8): a regular file through a temporary file beside it,
    renamed into place; a device or pipe as a stream.

    * A **regular file** (or a new name) is written to a temporary file in the same folder and
      renamed over ``path``: a failed write leaves neither half a file nor the temporary file
      behind, and never touches another file than ``path`` (the temporary name is unique).
      The file gets the permissions a newly created file gets (0666 less the umask), not the
      temporary file's 0600.
    * A **symbolic link** is followed on purpose: its final target is replaced as above and the
      link stays a link.
    * A **character device** (``/dev/null``, a terminal) or a **named pipe** is written as a
      stream, so it stays a device or a pipe; a pipe with no reader is refused, not waited on.
    * A block device or a socket is refused.

    Raises
    ------
    ScenarioError
        Naming ``path`` (never the temporary file): its folder does not exist, it is a folder
        or a block device, or the system refuses the write (permission denied, disk full, ...).
    """
    p = Path(path)
    target = write_target(p)
    mode = _mode(target)
    if mode is not None and (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
        _write_stream(target, p, text, newline, fifo=stat.S_ISFIFO(mode))
        return
    with atomic_path(p) as tmp, open(tmp, "w", encoding="utf-8", newline=newline) as fh:
        fh.write(text)


def _mode(target: Path) -> int | None:
    """``target``'s file mode, ``None`` when it does not exist (or cannot be looked at)."""
    try:
        return target.stat().st_mode
    except OSError:
        return None


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary file beside ``path`` for the block to write (by name: a figure, a Parquet
    file, text), renamed over ``path`` when the block ends without an error and removed when
    it does not: a failed or interrupted write leaves neither half a file nor the temporary
    file. A symbolic link's final target is replaced (the link stays a link); the file gets
    the permissions a new file gets (0666 less the umask).

    Raises
    ------
    ScenarioError
        Naming ``path``: it is a folder, a device, a pipe or a socket, its folder does not
        exist, or the system refuses the write (permission denied, disk full, ...).
    """
    p = Path(path)
    target = write_target(p)
    mode = _mode(target)
    if mode is not None and stat.S_ISDIR(mode):
        raise ScenarioError("cannot write: this is a folder", path=p, allowed="a file name")
    if mode is not None and not stat.S_ISREG(mode):
        raise ScenarioError("cannot write: a device, pipe or socket", path=p, allowed="a file name")
    parent = target.parent
    if not parent.is_dir():
        raise ScenarioError(
            f"cannot write: the folder {parent} does not exist",
            path=p,
            allowed="a file in an existing folder",
        )
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix="." + target.name + ".", dir=parent)
        os.close(fd)
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, target)
        tmp = None
    except OSError as e:
        raise ScenarioError(f"cannot write: {e.strerror or e}", path=p) from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def _dropped(scenario: Scenario) -> dict[str, str]:
    """What a scenario holds beyond actors, issues, positions and saliences, by part name
    (the names writers list as kept), each described for a warning."""
    sc = scenario
    counts = (
        ("veto", sum(a.veto for a in sc.actors), "veto", "vetoes"),
        ("role", sum(a.role != "party" for a in sc.actors), "actor role", "actor roles"),
        (
            "reservation",
            sum(p.reservation is not None for p in sc.positions),
            "reservation point",
            "reservation points",
        ),
        ("range", sum(p.range is not None for p in sc.positions), "position range", "ranges"),
        (
            "status_quo",
            sum(i.status_quo is not None for i in sc.issues),
            "status quo",
            "status quos",
        ),
        ("anchors", sum(len(i.scale.anchors) for i in sc.issues), "scale anchor", "scale anchors"),
        (
            "scale_meanings",
            sum(bool(i.scale.lo_means or i.scale.hi_means) for i in sc.issues),
            "issue's scale-end meanings",
            "issues' scale-end meanings",
        ),
        ("group", sum(bool(i.group) for i in sc.issues), "issue group", "issue groups"),
        (
            "attributes",
            sum(bool(i.attributes) for i in sc.issues),
            "issue's attributes",
            "issues' attributes",
        ),
        ("accommodation", len(sc.accommodation), "accommodation entry", "accommodation entries"),
        ("sources", len(sc.sources), "source", "sources"),
        ("as_of", int(sc.as_of is not None), "as-of date", "as-of dates"),
    )
    out = {part: f"{n} {one if n == 1 else many}" for part, n, one, many in counts if n}
    if sc.model_params:
        out["model_params"] = "the model parameters (" + ", ".join(sorted(sc.model_params)) + ")"
    return out


def warn_dropped(scenario: Scenario, fmt: str, kept: tuple[str, ...] = ()) -> None:
    """Warn (:class:`~detente.scenario.errors.ExportWarning`) about every part of ``scenario``
    that format ``fmt`` has no place for, naming each (``kept`` lists the parts it does hold:
    ``veto``, ``reservation``, ``range``, ``status_quo``, ``anchors``, ``scale_meanings``,
    ``group``, ``attributes``, ``accommodation``, ``sources``, ``model_params``, ``as_of``,
    ``role``)."""
    lost = [text for part, text in _dropped(scenario).items() if part not in kept]
    if lost:
        warnings.warn(
            f"{fmt} has no place for {', '.join(lost)}: written without them",
            ExportWarning,
            stacklevel=3,
        )
