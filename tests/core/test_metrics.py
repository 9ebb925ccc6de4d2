"""Expected calibration error and reliability tables, on probabilities where the answer is known."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from framing.cli import app
from framing.core.metrics import calibration_report, expected_calibration_error, reliability_table
from framing.labels.store import LabelledPassage
from framing.model.evaluation import cross_validate, evaluate_model
from framing.model.frame_model import FrameModel

from ..conftest import FRAMES, strip_ansi


def test_perfect_scores_have_no_error() -> None:
    assert expected_calibration_error(np.array([0, 0, 1, 1]), np.array([0.0, 0.0, 1.0, 1.0])) == 0.0


def test_calibrated_bins_have_no_error() -> None:
    # 10 scores of 0.3 of which 3 carry the frame; 10 of 0.8 of which 8 do.
    y = np.array([1] * 3 + [0] * 7 + [1] * 8 + [0] * 2)
    p = np.array([0.3] * 10 + [0.8] * 10)
    assert expected_calibration_error(y, p) == pytest.approx(0.0)


def test_known_error() -> None:
    # Bin 9 (0.9, none present): gap 0.9 over 2 scores; bin 1 (0.1, both present): gap 0.9 over 2;
    # bin 5 (0.5, one of two): gap 0. ECE = (2 * 0.9 + 2 * 0.9 + 0) / 6 = 0.6.
    y = np.array([0, 0, 1, 1, 1, 0])
    p = np.array([0.9, 0.9, 0.1, 0.1, 0.5, 0.5])
    assert expected_calibration_error(y, p) == pytest.approx(0.6)


def test_overconfident_scores() -> None:
    # Everything scored 0.95 but only half present: ECE = 0.45.
    assert expected_calibration_error(np.array([1, 0] * 5), np.full(10, 0.95)) == pytest.approx(0.45)


def test_reliability_table_bins() -> None:
    rows = reliability_table(np.array([0, 1, 1, 0]), np.array([0.0, 0.15, 1.0, 0.99]))
    assert [r["bin"] for r in rows] == [0, 1, 9]  # 1.0 falls in the last bin; empty bins left out
    last = rows[-1]
    assert last["count"] == 2 and last["observed"] == 0.5 and last["mean_predicted"] == pytest.approx(0.995)
    assert (last["low"], last["high"]) == (0.9, 1.0)
    assert sum(r["count"] for r in rows) == 4


def test_report_per_frame_and_overall_with_judged_cells() -> None:
    Y = np.array([[1, 0], [0, 0], [1, 1]])
    P = np.array([[1.0, 0.95], [0.0, 0.0], [1.0, 1.0]])
    judged = np.array([[True, False], [True, True], [True, True]])  # the 0.95 miss was never judged
    report = calibration_report(Y, P, ["a", "b"], judged=judged)
    assert report["bins"] == 10
    assert report["per_frame"]["a"]["ece"] == 0.0 and report["per_frame"]["b"]["ece"] == 0.0
    assert report["per_frame"]["b"]["count"] == 2
    assert report["overall"] == {"ece": 0.0, "count": 5}
    unjudged = calibration_report(Y, P, ["a", "b"])
    assert unjudged["per_frame"]["b"]["ece"] == pytest.approx(0.95 / 3)
    assert unjudged["overall"]["ece"] == pytest.approx(0.95 / 6)


def test_evaluate_model_reports_calibration(model: FrameModel, passages: list[LabelledPassage]) -> None:
    report = evaluate_model(model, passages)
    proba = model.predict_proba([p.text for p in passages])
    truth = np.array([[f in p.frames for f in FRAMES] for p in passages])
    for j, frame in enumerate(FRAMES):
        assert report["calibration"]["per_frame"][frame]["ece"] == pytest.approx(
            expected_calibration_error(truth[:, j], proba[:, j])
        )
    assert 0.0 <= report["calibration"]["overall"]["ece"] <= 1.0


def test_cross_validate_reports_calibration(passages: list[LabelledPassage]) -> None:
    report = cross_validate(passages, folds=4, frames=list(FRAMES), random_state=0)
    calibration = report["calibration"]
    assert set(calibration["per_frame"]) == set(FRAMES)
    assert calibration["overall"]["count"] == len(passages) * len(FRAMES)
    for frame in FRAMES:
        assert sum(r["count"] for r in calibration["per_frame"][frame]["table"]) == len(passages)


def test_evaluate_command_shows_ece(model_file: Path, labels_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "eval.json"
    result = CliRunner().invoke(
        app, ["evaluate", str(labels_file), "--model", str(model_file), "--json", str(out)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "ECE" in strip_ansi(result.output)
    saved = json.loads(out.read_text(encoding="utf-8"))
    table = saved["calibration"]["per_frame"]["economy"]["table"]
    assert {"bin", "mean_predicted", "observed", "count"} <= set(table[0])
