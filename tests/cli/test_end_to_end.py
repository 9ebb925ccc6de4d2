"""End to end on the project's own data: train on labels/, score seeds/ (about 40 s)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from framing.cli import app
from framing.labels.codebook import load_codebook

from ..conftest import read_jsonl

ROOT = Path(__file__).parent.parent.parent
SEED_CLUTTER = ("Subscribe to our weekly digest", "Back to Top", "USD90.99", "EUR98.78", "Check Also")


@pytest.mark.slow
def test_train_on_labels_and_score_the_seeds(tmp_path: Path) -> None:
    runner = CliRunner()
    model = tmp_path / "default.joblib"
    result = runner.invoke(
        app, ["train", str(ROOT / "labels"), "--codebook", str(ROOT / "labels" / "codebook.toml"), "--out", str(model)]
    )
    assert result.exit_code == 0, result.output
    frames = load_codebook(ROOT / "labels" / "codebook.toml").ids

    scores, passages = tmp_path / "scores.jsonl", tmp_path / "passages.jsonl"
    result = runner.invoke(
        app, ["score", str(ROOT / "seeds"), "--model", str(model), "--out", str(scores), "--passages", str(passages)]
    )
    assert result.exit_code == 0, result.output

    with (ROOT / "seeds" / "metadata.csv").open(encoding="utf-8", newline="") as fh:
        metadata = {row["id"]: row for row in csv.DictReader(fh)}
    records = read_jsonl(scores)
    assert len(records) == 5
    assert [r["id"] for r in records] == sorted(metadata)
    for r in records:
        assert r["group"] == metadata[r["id"]]["group"]
        assert r["outlet"] == metadata[r["id"]]["outlet"]
        assert list(r["scores"]) == frames
        assert set(r["frames"]) <= set(frames)
        text = (ROOT / "seeds" / f"{r['id']}.txt").read_text(encoding="utf-8")
        for ev in r["evidence"].values():
            assert " ".join(ev["text"].split()) in " ".join(text.split())
    assert {r["group"] for r in records} == {"western", "russian-language"}

    rows = read_jsonl(passages)
    assert sum(r["passages"] for r in records) == len(rows)
    for line in SEED_CLUTTER:
        assert not any(line in row["text"] for row in rows), line
    # Each clutter line really is in the seeds, so its absence means something.
    seeds_text = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "seeds").glob("*.txt"))
    for line in SEED_CLUTTER:
        assert line in seeds_text
