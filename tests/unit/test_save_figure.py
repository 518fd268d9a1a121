"""report.figures.save_figure: the figure lands whole or not at all (every --plot of the CLI
saves through it)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from detente.report.figures import save_figure
from detente.scenario.errors import ScenarioError


def test_written_whole_and_no_temporary_left(tmp_path: Path) -> None:
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    out = tmp_path / "fig.png"
    save_figure(fig, out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["fig.png"]
    assert not plt.fignum_exists(fig.number)  # closed


def test_a_failed_save_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fig, _ = plt.subplots()

    def half_written(path: Path, **kw: object) -> None:
        Path(path).write_bytes(b"\x89PNG half")
        raise OSError("disk full")

    monkeypatch.setattr(fig, "savefig", half_written)
    out = tmp_path / "fig.png"
    with pytest.raises(ScenarioError, match="disk full") as e:
        save_figure(fig, out)
    assert e.value.path == str(out)  # the error names the picture, not the temporary file
    assert list(tmp_path.iterdir()) == []
