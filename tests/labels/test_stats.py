"""Label statistics: passages per frame, language and source, and frames under the minimum (library and CLI)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from typer.testing import CliRunner

from framing.cli import app
from framing.labels.stats import label_stats
from framing.labels.store import LabelledPassage

from ..conftest import FRAMES, strip_ansi, write_jsonl

runner = CliRunner()


def test_label_stats(passages: list[LabelledPassage]) -> None:
    extra = [
        LabelledPassage("x1", "Oil and gas.", ("energy",), "en", judged=("energy",)),
        LabelledPassage("x2", "Troops.", (), "ru", "a9", judged=("security", "energy")),
    ]
    # The corpus as read under a codebook that added "energy" later: judged on the first three frames.
    older = [dataclasses.replace(p, judged=FRAMES) for p in passages]
    stats = label_stats([*older, *extra], [*FRAMES, "energy"])
    assert stats["passages"] == 26
    assert stats["frames"]["economy"] == {"positives": 8, "by_language": {"en": 4, "ru": 4}, "judged": 24,
                                          "negatives": 16}
    assert stats["frames"]["security"]["judged"] == 25
    assert stats["frames"]["energy"] == {"positives": 1, "by_language": {"en": 1, "ru": 0}, "judged": 2,
                                         "negatives": 1}
    assert stats["below_minimum"] == {"energy": "only 1 positive passages (need 3)"}
    assert stats["by_language"] == {"en": 13, "ru": 13}
    assert stats["by_source"]["a1"] == 3 and stats["by_source"]["authored"] == 1 and stats["by_source"]["a9"] == 1
    assert stats["no_frame"] == 5


def test_cli_labels_stats(labels_dir: Path, tmp_path: Path) -> None:
    write_jsonl(labels_dir / "few.jsonl", [{"text": "Tanks.", "frames": ["security"], "id": "t1"}])
    out_json = tmp_path / "stats.json"
    result = runner.invoke(app, ["labels", "stats", str(labels_dir), "--json", str(out_json)],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = strip_ansi(result.output)
    assert "25 labelled passages" in out
    assert "every frame has at least 3 positive passages" in out
    # No frame is under the minimum: the table ends at "negatives", with no empty flag column.
    header = next(line for line in out.splitlines() if "negatives" in line)
    assert header.rstrip().rstrip("┃│|").rstrip().endswith("negatives")
    stats = json.loads(out_json.read_text(encoding="utf-8"))
    assert stats["frames"]["security"]["positives"] == 9
    write_jsonl(labels_dir / "corpus.jsonl", [{"text": "Tanks.", "frames": ["security"], "id": "t2"},
                                              {"text": "Oil.", "frames": [], "id": "t3"}])
    result = runner.invoke(app, ["labels", "stats", str(labels_dir)], env={"COLUMNS": "200"})
    out = strip_ansi(result.output)
    assert "under the minimum" in out and "economy, security, identity" in out
    assert "only 2 positive passages (need 3)" in out  # security: flagged in its row
