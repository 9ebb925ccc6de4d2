"""Scores from predictions, held-out evaluation and cross-validation."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from framing.core.errors import TrainingError
from framing.core.metrics import scores_from_predictions
from framing.labels.store import LabelledPassage
from framing.model.evaluation import cross_validate, evaluate_model
from framing.model.frame_model import FrameModel

from ..conftest import FRAMES


def test_scores_from_predictions_against_hand_computed_figures() -> None:
    Y_true = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 0]])
    Y_pred = np.array([[1, 0, 0], [1, 1, 0], [1, 0, 0], [0, 0, 1]])
    r = scores_from_predictions(Y_true, Y_pred, ["a", "b", "c"])
    # a: tp 2, fp 1, fn 0.  b: tp 1, fp 0, fn 1.  c: tp 0, fp 1, fn 1.
    assert r["n"] == 4
    assert r["per_frame"]["a"] == pytest.approx({"precision": 2 / 3, "recall": 1.0, "f1": 0.8, "support": 2})
    assert r["per_frame"]["b"] == pytest.approx({"precision": 1.0, "recall": 0.5, "f1": 2 / 3, "support": 2})
    assert r["per_frame"]["c"] == pytest.approx({"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1})
    # micro: tp 3, fp 2, fn 2.
    assert r["micro"] == pytest.approx({"precision": 0.6, "recall": 0.6, "f1": 0.6})
    # macro: unweighted means of the per-frame figures.
    assert r["macro"] == pytest.approx({"precision": (2 / 3 + 1) / 3, "recall": 1.5 / 3, "f1": (0.8 + 2 / 3) / 3})


def test_scores_perfect_and_empty_predictions() -> None:
    Y = np.array([[1, 0], [0, 1], [1, 1]])
    perfect = scores_from_predictions(Y, Y, ["a", "b"])
    assert perfect["micro"]["f1"] == perfect["macro"]["f1"] == 1.0
    nothing = scores_from_predictions(Y, np.zeros_like(Y), ["a", "b"])
    assert nothing["micro"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    assert {f: m["support"] for f, m in nothing["per_frame"].items()} == {"a": 2, "b": 2}


def test_scores_accept_booleans_and_are_json_types() -> None:
    r = scores_from_predictions(np.array([[True, False]]), np.array([[True, True]]), ["a", "b"])
    assert type(r["micro"]["f1"]) is float
    assert type(r["per_frame"]["a"]["support"]) is int
    assert r["micro"]["precision"] == pytest.approx(0.5)


def test_evaluate_model_on_held_out_passages(model: FrameModel, passages: list[LabelledPassage]) -> None:
    report = evaluate_model(model, passages)
    assert report["method"] == "held-out"
    assert report["n"] == len(passages)
    assert {f: m["support"] for f, m in report["per_frame"].items()} == {"economy": 8, "security": 8, "identity": 6}
    pred = model.predict([p.text for p in passages])
    truth = np.array([[f in p.frames for f in FRAMES] for p in passages])
    assert report["micro"]["f1"] == pytest.approx(scores_from_predictions(truth, pred, FRAMES)["micro"]["f1"])


def test_evaluate_model_ignores_frames_the_model_does_not_know(
    model: FrameModel, passages: list[LabelledPassage]
) -> None:
    extra = [dataclasses.replace(p, frames=(*p.frames, "unknown")) for p in passages]
    assert evaluate_model(model, extra)["micro"] == evaluate_model(model, passages)["micro"]
    with pytest.raises(TrainingError):
        evaluate_model(model, [])


def _supports(report: dict) -> dict[str, int]:
    return {f: m["support"] for f, m in report["per_frame"].items()}


def test_cross_validate_three_folds(passages: list[LabelledPassage]) -> None:
    report = cross_validate(passages, folds=3, frames=list(FRAMES), random_state=0)
    assert report["method"] == "3-fold grouped by article"
    assert report["folds"] == 3
    assert report["n"] == len(passages)
    assert _supports(report) == {"economy": 8, "security": 8, "identity": 6}
    for m in (report["micro"], report["macro"], *report["per_frame"].values()):
        assert 0 <= m["f1"] <= 1


def test_cross_validate_leave_one_article_out(passages: list[LabelledPassage]) -> None:
    # Authored passages are always trained on, never held out.
    authored = [
        LabelledPassage(f"x{i}", p.text, p.frames, p.language, "authored")
        for i, p in enumerate(passages[:6])
    ]
    report = cross_validate([*passages, *authored], folds="article", frames=list(FRAMES), random_state=0)
    assert report["method"] == "leave-one-article-out"
    assert report["folds"] == 8
    assert report["n"] == len(passages)
    assert _supports(report) == {"economy": 8, "security": 8, "identity": 6}


def test_cross_validate_is_reproducible(passages: list[LabelledPassage]) -> None:
    a = cross_validate(passages, folds=3, random_state=5)
    b = cross_validate(passages, folds=3, random_state=5)
    assert a == b


def test_cross_validate_errors(passages: list[LabelledPassage]) -> None:
    with pytest.raises(TrainingError, match="needs at least 9 articles"):
        cross_validate(passages, folds=9)
    with pytest.raises(TrainingError, match="takes 2 or more folds"):
        cross_validate(passages, folds=1)
    authored = [dataclasses.replace(p, source="authored") for p in passages]
    with pytest.raises(TrainingError, match="all are 'authored'"):
        cross_validate(authored, folds="article")


def test_cross_validate_with_train_only_passages(passages: list[LabelledPassage]) -> None:
    english = [p for p in passages if p.language == "en"]
    russian = [p for p in passages if p.language == "ru"]
    report = cross_validate(russian, folds=2, frames=list(FRAMES), random_state=0, extra=english)
    assert report["n"] == len(russian)  # the English passages are never tested
    assert report["extra_training"] == len(english)
    assert _supports(report) == {"economy": 4, "security": 4, "identity": 3}
    # Alone, a fold's two Russian articles hold too few positives to train on at all.
    with pytest.raises(TrainingError, match="too few positive"):
        cross_validate(russian, folds=2, frames=list(FRAMES), random_state=0)


def test_cli_train_only_labels_and_cues(tmp_path: Path, codebook_file: Path) -> None:
    import json

    from typer.testing import CliRunner

    from framing.cli import app
    from framing.model.files import read_card

    from ..conftest import make_passages, write_jsonl

    def run(*args: object):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(app, [str(a) for a in args])

    english = tmp_path / "en.jsonl"
    russian = tmp_path / "ru.jsonl"
    for path, language in ((english, "en"), (russian, "ru")):
        write_jsonl(path, [
            {"id": p.id, "text": p.text, "frames": list(p.frames), "language": p.language, "source": p.source}
            for p in make_passages() if p.language == language
        ])
    out = tmp_path / "m.joblib"
    result = run("train", english, "--also-train", russian, "--codebook", codebook_file, "--cues", "--out", out)
    assert result.exit_code == 0, result.output
    card = read_card(out)
    assert card["cv_metrics"]["n"] == 12 and card["extra_training"]["passages"] == 12
    assert card["extra_label_files"] == [str(russian)]
    assert dict((f, tuple(c)) for f, c in card["config"]["cues"])["economy"] == ("sanctions", "oil", "санкции", "нефть")
    # Without --cues there are no cue features.
    plain = tmp_path / "plain.joblib"
    assert run("train", english, "--out", plain).exit_code == 0
    assert read_card(plain)["config"]["cues"] is None
    # --cues needs the codebook's phrases; --also-train belongs to cross-validation.
    assert run("train", english, "--cues", "--out", tmp_path / "x.joblib").exit_code == 2
    assert run("evaluate", english, "--model", out, "--also-train", russian).exit_code == 2
    report = tmp_path / "cv.json"
    result = run("evaluate", russian, "--cv", "2", "--also-train", english, "--json", report)
    assert result.exit_code == 0, result.output
    assert "+12 train-only" in result.output
    figures = json.loads(report.read_text(encoding="utf-8"))
    assert figures["n"] == 12 and figures["extra_training"] == 12
