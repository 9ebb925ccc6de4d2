"""framing audit: cross-validated predictions that contradict the labels, strongest first."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from framing.cli import app
from framing.core.errors import TrainingError
from framing.labels.store import LabelledPassage
from framing.model.auditing import audit

from ..conftest import FRAMES, strip_ansi, write_jsonl

# Two deliberate mislabels: an obvious economy passage labelled identity only,
# and an obvious security passage labelled with no frame.
WRONG = {"a2-p1": ("identity",), "a7-p1": ()}


@pytest.fixture(scope="module")
def mislabelled(passages: list[LabelledPassage]) -> list[LabelledPassage]:
    return [dataclasses.replace(p, frames=WRONG[p.id]) if p.id in WRONG else p for p in passages]


@pytest.fixture(scope="module")
def result(mislabelled: list[LabelledPassage]) -> dict:
    return audit(mislabelled, frames=list(FRAMES), folds=4, random_state=0)


def test_deliberate_mislabels_rank_first(result: dict) -> None:
    found = result["disagreements"]
    # The two passages with a wrong label come first, on the frames they were mislabelled on.
    assert {(r["id"], r["frame"], r["label"]) for r in found[:2]} == {
        ("a7-p1", "security", 0),  # plainly security, labelled without it
        ("a2-p1", "identity", 1),  # plainly economy, labelled identity
    }
    ranks = {(r["id"], r["frame"]): r["rank"] for r in found}
    assert ranks[("a2-p1", "economy")] < len(found)  # its missing economy label is found too
    strengths = [r["disagreement"] for r in found]
    assert strengths == sorted(strengths, reverse=True)
    assert result["checked"] == 24 * 3


def test_each_disagreement_is_a_contradiction(result: dict, mislabelled: list[LabelledPassage]) -> None:
    labels = {p.id: p for p in mislabelled}
    for r in result["disagreements"]:
        carried = r["frame"] in labels[r["id"]].frames
        assert r["label"] == int(carried)
        if carried:
            assert r["score"] < r["threshold"]
        else:
            assert r["score"] >= r["threshold"]
        assert r["disagreement"] >= 0 and r["text"] == labels[r["id"]].text


def test_unjudged_cells_are_not_audited(mislabelled: list[LabelledPassage]) -> None:
    narrowed = [dataclasses.replace(p, judged=("identity",)) if p.id == "a7-p1" else p for p in mislabelled]
    found = audit(narrowed, frames=list(FRAMES), folds=2, random_state=0)
    assert ("a7-p1", "security") not in {(r["id"], r["frame"]) for r in found["disagreements"]}
    assert found["checked"] == 24 * 3 - 2
    with pytest.raises(TrainingError, match="needs at least 9 articles"):
        audit(mislabelled, frames=list(FRAMES), folds=9)


def test_cli_audit(tmp_path: Path, mislabelled: list[LabelledPassage]) -> None:
    labels = write_jsonl(tmp_path / "l.jsonl", [
        {"id": p.id, "text": p.text, "frames": list(p.frames), "language": p.language, "source": p.source}
        for p in mislabelled
    ])
    out = tmp_path / "audit.jsonl"
    result = CliRunner().invoke(app, ["audit", str(labels), "--cv", "2", "--top", "3", "--out", str(out)],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    shown = strip_ansi(result.output)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert rows[0]["rank"] == 1 and rows[0]["id"] in shown
    assert f"{len(rows)} of 72 labels contradicted (24 passages) -> {out}" in " ".join(shown.split())
