"""Model versions: the card's lineage, and new against old with a paired bootstrap."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from framing.cli import app
from framing.core.errors import ModelError, TrainingError
from framing.core.metrics import scores_from_predictions
from framing.labels.store import LabelledPassage
from framing.model.evaluation import evaluate_model
from framing.model.files import card_path
from framing.model.frame_model import FrameModel
from framing.model.history import compare_models, lineage
from framing.model.training import train

from ..conftest import FRAMES, strip_ansi

runner = CliRunner()


@pytest.fixture(scope="module")
def older(passages: list[LabelledPassage]) -> FrameModel:
    """A model trained on six of the eight articles."""
    return train([p for p in passages if p.source <= "a6"], frames=list(FRAMES), random_state=0)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_scores_for_a_single_frame_count_the_frame_not_its_absence() -> None:
    truth = np.array([[1], [1], [0], [0], [0]])
    pred = np.array([[1], [0], [1], [0], [0]])
    r = scores_from_predictions(truth, pred, ["a"])
    assert r["per_frame"]["a"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert r["micro"]["f1"] == r["macro"]["f1"] == 0.5


def test_a_model_against_itself_differs_by_nothing(model: FrameModel, passages: list[LabelledPassage]) -> None:
    report = compare_models(model, model, passages, random_state=0)
    for row in (*report["frames"].values(), report["micro"], report["macro"]):
        assert row["diff"] == 0.0 and row["ci"] == [0.0, 0.0]
    assert report["groups"] == 8 and report["n_boot"] == 2000


def test_new_against_old(model: FrameModel, older: FrameModel, passages: list[LabelledPassage]) -> None:
    report = compare_models(model, older, passages, random_state=1)
    new, old = evaluate_model(model, passages), evaluate_model(older, passages)
    for frame, row in report["frames"].items():
        assert row["new"] == pytest.approx(new["per_frame"][frame]["f1"])
        assert row["old"] == pytest.approx(old["per_frame"][frame]["f1"])
        assert row["diff"] == pytest.approx(row["new"] - row["old"])
        assert row["support"] == new["per_frame"][frame]["support"]
    assert report["micro"]["new"] == pytest.approx(new["micro"]["f1"])
    assert report["macro"]["old"] == pytest.approx(old["macro"]["f1"])
    assert report["new"]["micro"] == new["micro"]
    assert compare_models(model, older, passages, random_state=1) == report  # seeded
    with pytest.raises(TrainingError, match="at least 2000"):
        compare_models(model, older, passages, n_boot=500)


def test_paired_bootstrap_matches_resampling_articles_by_hand(
    model: FrameModel, older: FrameModel, passages: list[LabelledPassage]
) -> None:
    report = compare_models(model, older, passages, random_state=3)
    truth = np.array([[f in p.frames for f in FRAMES] for p in passages])
    texts = [p.text for p in passages]
    pred = {"new": model.predict(texts), "old": older.predict(texts)}
    groups = sorted({p.group for p in passages})
    members = {g: [i for i, p in enumerate(passages) if p.group == g] for g in groups}
    rng = np.random.default_rng(3)
    diffs = []
    for _ in range(4):  # the same draws, 500 at a time, as compare_models makes them
        for counts in rng.multinomial(len(groups), np.full(len(groups), 1 / len(groups)), size=500):
            rows = [i for g, c in zip(groups, counts) for _ in range(c) for i in members[g]]
            f1 = {}
            for name, p in pred.items():
                t, q = truth[rows], p[rows]
                tp, fp, fn = (q & t).sum(), (q & ~t).sum(), (~q & t).sum()
                f1[name] = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
            diffs.append(f1["new"] - f1["old"])
    assert report["micro"]["ci"] == pytest.approx([np.quantile(diffs, 0.025), np.quantile(diffs, 0.975)])


def test_lineage_records_label_files_and_parent(tmp_path: Path, labels_file: Path, model_file: Path) -> None:
    info = lineage([labels_file], parent=model_file)
    assert info["labels"] == [{"path": str(labels_file), "sha256": _sha(labels_file)}]
    parent_card = json.loads(card_path(model_file).read_text(encoding="utf-8"))
    assert info["parent"]["model_sha256"] == _sha(model_file) == parent_card["model_sha256"]
    assert info["parent"]["labels_sha256"] == parent_card["labels_sha256"]
    with pytest.raises(ModelError, match="no such model file"):
        lineage([labels_file], parent=tmp_path / "none.joblib")


def test_cli_train_records_parent_and_never_overwrites_silently(
    tmp_path: Path, labels_file: Path, codebook_file: Path
) -> None:
    v1 = tmp_path / "v1.joblib"
    base = ["train", str(labels_file), "--codebook", str(codebook_file)]
    assert runner.invoke(app, [*base, "--out", str(v1)]).exit_code == 0
    card1 = json.loads(card_path(v1).read_text(encoding="utf-8"))
    assert card1["parent"] is None
    # Both the path as given and the path from the model's folder (here, the same folder).
    assert labels_file.parent == v1.parent
    assert card1["labels"] == [{"path": str(labels_file), "sha256": _sha(labels_file), "from_model": labels_file.name}]
    old_sha = _sha(v1)

    result = runner.invoke(app, [*base, "--out", str(v1)])
    assert result.exit_code == 1 and "already exists; pass --force" in strip_ansi(result.stderr)
    assert _sha(v1) == old_sha

    v2 = tmp_path / "v2.joblib"
    result = runner.invoke(app, [*base, "--out", str(v2), "--parent", str(v1)])
    assert result.exit_code == 0, result.output
    card2 = json.loads(card_path(v2).read_text(encoding="utf-8"))
    assert card2["parent"]["path"] == str(v1) and card2["parent"]["model_sha256"] == old_sha
    assert card2["parent"]["labels_sha256"] == card1["labels_sha256"]

    # Replacing with --force: the replaced model becomes the parent.
    result = runner.invoke(app, [*base, "--out", str(v1), "--force", "--random-state", "1"])
    assert result.exit_code == 0, result.output
    assert "parent model:" in strip_ansi(result.output)
    card3 = json.loads(card_path(v1).read_text(encoding="utf-8"))
    assert card3["parent"]["model_sha256"] == old_sha != card3["model_sha256"]

    result = runner.invoke(app, [*base, "--out", str(tmp_path / "v3.joblib"), "--parent", str(tmp_path / "no")])
    assert result.exit_code == 1 and "no such model file" in strip_ansi(result.stderr)
    assert not (tmp_path / "v3.joblib").exists()


def test_cli_evaluate_against(tmp_path: Path, labels_file: Path, model_file: Path, older: FrameModel) -> None:
    from framing.model.files import save_model

    old_file = tmp_path / "old.joblib"
    save_model(older, old_file)
    out = tmp_path / "cmp.json"
    args = ["evaluate", str(labels_file), "--model", str(model_file), "--against", str(old_file), "--json", str(out)]
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    shown = strip_ansi(result.output)
    for heading in ("old F1", "new F1", "new - old", "95% interval", "paired bootstrap over 8 articles"):
        assert heading in shown
    report = json.loads(out.read_text(encoding="utf-8"))
    assert set(report["frames"]) == set(FRAMES)
    assert f"{report['micro']['old']:.3f}" in shown and f"{report['micro']['new']:.3f}" in shown
    result = runner.invoke(app, ["evaluate", str(labels_file), "--cv", "3", "--against", str(old_file)])
    assert result.exit_code == 2 and "--against compares two trained models" in strip_ansi(result.output)
    result = runner.invoke(app, [*args[:-2], "--n-boot", "100"])
    assert result.exit_code == 1 and "at least 2000" in strip_ansi(result.stderr)
