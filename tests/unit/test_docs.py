"""Docs that run: every ```python block of the README and docs/ is executed; the model
reference page agrees with the registry."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from detente.models.registry import list_models, render_models_markdown

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def _docs_with_code() -> list[str]:
    return [str(p.relative_to(ROOT)) for p in DOCS if BLOCK.search(p.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("doc", _docs_with_code())
def test_python_blocks_run(doc: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The blocks of one page run in order in one namespace, as a reader would run them."""
    blocks = [m.group(1) for m in BLOCK.finditer((ROOT / doc).read_text(encoding="utf-8"))]
    code = "\n".join(blocks)
    import matplotlib

    matplotlib.use("Agg")
    if "../shared/data" in code:
        # Blocks that read the reference data run from the repository root, as a user would.
        if not (ROOT / ".." / "shared" / "data").is_dir():
            pytest.skip("../shared/data not found beside the repository")
        monkeypatch.chdir(ROOT)
    else:
        monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for n, block in enumerate(blocks):
        exec(compile(block, f"{doc}[block {n}]", "exec"), namespace)


def test_readme_starts_with_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    bash = re.findall(r"```bash\n(.*?)```", text, re.S)
    assert "detente forecast miami" in bash[0]
    assert "pytest" in bash[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert bash[1].strip() in ci, ".ci/run runs exactly the README's test command"


def test_models_reference_page_is_generated_from_the_registry() -> None:
    page = (ROOT / "docs" / "reference" / "models.md").read_text(encoding="utf-8")
    assert page == render_models_markdown(), (
        "regenerate: python -m detente.models.registry > docs/reference/models.md"
    )
    for m in list_models():
        assert f"`{m.name}`" in page


def test_model_order_does_not_depend_on_import_order() -> None:
    import subprocess
    import sys

    code = (
        "import detente.models.fitted, detente.models.procedural; "
        "from detente.models import list_models; print(','.join(m.name for m in list_models()))"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.stdout.strip() == ",".join(m.name for m in list_models())
