"""The house style is part of the build: ruff's lint rules hold on the whole tree."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_ruff_check_passes() -> None:
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(ruff).exists():
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    p = subprocess.run(
        [ruff, "check", "src", "tests", "benchmarks", "--output-format", "concise"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 0, p.stdout + p.stderr


def test_mypy_passes() -> None:
    # pyproject.toml's [tool.mypy]: src/detente, warn_unused_ignores = true.
    pytest.importorskip("mypy", reason="mypy is not installed (pip install -e '.[test]')")
    p = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert p.returncode == 0, p.stdout + p.stderr


def test_no_work_at_import() -> None:
    # `import detente` must not import numpy-heavy modules or register models.
    code = (
        "import sys, detente; "
        "bad = [m for m in ('pandas', 'matplotlib', 'scipy', 'detente.models._builtin') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and p.stdout.strip() == "", p.stdout + p.stderr


#: Longest function (lines from ``def`` to its end, docstring included) without a reason.
MAX_FUNCTION_LINES = 80


def test_no_long_function_without_a_reason() -> None:
    """Long functions are split into named steps; one that stays long says why on its
    ``def`` line (``def f(  # long: ...``)."""
    import ast

    long = []
    for path in sorted((ROOT / "src" / "detente").rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                size = node.end_lineno - node.lineno + 1
                if size > MAX_FUNCTION_LINES and "# long:" not in lines[node.lineno - 1]:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({size})")
    assert long == []
