"""Measure a model: on held-out labels, or by cross-validation grouped by article."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.model_selection import GroupKFold

from ..core.errors import TrainingError
from ..core.metrics import calibration_report, scores_from_predictions
from ..labels.store import AUTHORED, LabelledPassage
from .config import ModelConfig
from .frame_model import FrameModel
from .training import cv_groups, frames_of, infer_unit, judged_matrix, label_matrix, train

__all__ = ["evaluate_model", "cross_validate", "held_out_predictions", "HeldOut"]


def evaluate_model(model: FrameModel, passages: Sequence[LabelledPassage]) -> dict[str, Any]:
    """Score a trained model on held-out labelled passages.

    Frames the model does not know are left out, and listed with their passage
    counts in ``unknown_frames``; frames it knows but the labels never mention
    count as absent. A frame counts only on the passages judged
    on it (a passage labelled before the frame existed is neither hit nor miss).
    ``calibration`` holds the expected calibration error and reliability tables
    (see :func:`~framing.core.metrics.calibration_report`).
    """
    if not passages:
        raise TrainingError("no labelled passages to evaluate on")
    Y = label_matrix(passages, model.frames).astype(bool)
    proba = model.predict_proba([p.text for p in passages])
    pred = model.decide(proba)
    judged = judged_matrix(passages, model.frames)
    calibration = calibration_report(Y, proba, model.frames, judged=judged)
    if judged is not None:
        Y, pred = Y & judged, pred & judged
    report = scores_from_predictions(Y, pred, model.frames)
    report["method"] = "held-out"
    report["calibration"] = calibration
    known = set(model.frames)
    unknown = Counter(f for p in passages for f in p.frames if f not in known)
    report["unknown_frames"] = dict(sorted(unknown.items()))
    return report


@dataclass
class HeldOut:
    """Out-of-fold predictions: every held-out passage scored by a model that never saw it."""

    frames: list[str]
    labels: np.ndarray  # passages x frames, bool
    proba: np.ndarray  # held-out scores
    pred: np.ndarray  # held-out decisions of the fold's model
    thresholds: np.ndarray  # the fold model's thresholds, per passage and frame
    held: np.ndarray  # indices of the passages that were held out
    method: str
    folds: int


def held_out_predictions(
    passages: Sequence[LabelledPassage],
    *,
    folds: int | str = 5,
    frames: Sequence[str] | None = None,
    config: ModelConfig | None = None,
    unit: str = "auto",
    random_state: int = 0,
    extra: Sequence[LabelledPassage] = (),
) -> HeldOut:
    """Train on each fold's training part and score its held-out part.

    Shared by :func:`cross_validate` and :func:`framing.model.auditing.audit`; the folds
    are as described for :func:`cross_validate`. ``extra`` passages join every
    fold's training part and are never held out (see :func:`~framing.model.training.train`).
    """
    passages = list(passages)
    frame_list = list(frames) if frames is not None else frames_of(passages)
    if unit == "auto":
        unit = infer_unit(passages)
    Y = label_matrix(passages, frame_list).astype(bool)
    groups = np.array(cv_groups(passages, unit))
    if folds == "article":
        articles = sorted({p.source for p in passages if p.source not in ("", AUTHORED)})
        if not articles:
            raise TrainingError("no passages come from an article (all are 'authored')")
        splits = [(np.flatnonzero(groups != a), np.flatnonzero(groups == a)) for a in articles]
        method = "leave-one-article-out"
    else:
        k = int(folds)
        if k < 2:
            raise TrainingError(f"cross-validation takes 2 or more folds (or 'article'), not {k}")
        if len(set(groups)) < k:
            raise TrainingError(
                f"cross-validation in {k} folds needs at least {max(k, 2)} articles (have {len(set(groups))})"
            )
        splitter = GroupKFold(n_splits=k, shuffle=True, random_state=random_state)
        splits = list(splitter.split(passages, groups=groups))
        method = f"{k}-fold grouped by article"
    pred = np.zeros_like(Y)
    proba = np.zeros(Y.shape, dtype=float)
    thresholds = np.zeros(Y.shape, dtype=float)
    for train_idx, test_idx in splits:
        model = train(
            [passages[i] for i in train_idx], frames=frame_list, config=config, unit=unit,
            random_state=random_state, extra=extra,
        )
        proba[test_idx] = model.predict_proba([passages[i].text for i in test_idx])
        pred[test_idx] = model.decide(proba[test_idx])
        thresholds[test_idx] = model.thresholds[None, :]
    held = np.concatenate([t for _, t in splits])
    return HeldOut(frame_list, Y, proba, pred, thresholds, held, method, len(splits))


def cross_validate(
    passages: Sequence[LabelledPassage],
    *,
    folds: int | str = 5,
    frames: Sequence[str] | None = None,
    config: ModelConfig | None = None,
    unit: str = "auto",
    random_state: int = 0,
    extra: Sequence[LabelledPassage] = (),
) -> dict[str, Any]:
    """Cross-validated figures for the training procedure itself.

    Parameters
    ----------
    folds : int or "article"
        Number of folds of a :class:`~sklearn.model_selection.GroupKFold` over
        articles (shuffled with ``random_state``), or ``"article"`` for
        leave-one-article-out over the passages whose ``source`` is an article:
        each article is held out in turn and the model trained on everything
        else, authored passages included.
    frames, config, unit, random_state
        As for :func:`~framing.model.training.train`; every fold trains with its own
        inner threshold tuning, so held-out passages never touch the thresholds.
    extra : sequence of LabelledPassage, optional
        Train-only passages (e.g. another language's labels): they join every
        fold's training part and are never tested; the figures are for
        ``passages`` alone.

    Returns
    -------
    dict
        As :func:`scores_from_predictions`, pooled over all held-out passages,
        plus ``method``, ``folds`` and ``calibration`` (expected calibration
        error and reliability tables of the held-out scores, see
        :func:`~framing.core.metrics.calibration_report`).
    """
    h = held_out_predictions(
        passages, folds=folds, frames=frames, config=config, unit=unit, random_state=random_state, extra=extra
    )
    Y, pred, held, frame_list = h.labels, h.pred, h.held, h.frames
    judged = judged_matrix(list(passages), frame_list)
    calibration = calibration_report(
        Y[held], h.proba[held], frame_list, judged=None if judged is None else judged[held]
    )
    if judged is not None:  # unjudged cells are neither hits nor misses
        Y, pred = Y & judged, pred & judged
    report = scores_from_predictions(Y[held], pred[held], frame_list)
    report["method"] = h.method
    report["folds"] = h.folds
    report["calibration"] = calibration
    if extra:
        report["extra_training"] = len(extra)
    return report
