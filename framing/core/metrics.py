"""The numbers framing measures with: logit and sigmoid, F1 from counts or predictions, calibration.

Do scores behave like probabilities? Scores are split into equal-width bins over [0, 1] (a score of exactly 1 falls
in the last bin). In each bin the mean score is set against the share of texts
that carry the frame; the expected calibration error (ECE) is the mean gap,
weighted by how many scores fall in each bin.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "BINS",
    "logit",
    "sigmoid",
    "f1_from_counts",
    "micro_f1",
    "scores_from_predictions",
    "reliability_table",
    "expected_calibration_error",
    "calibration_report",
]

BINS = 10


def logit(p: Any, *, eps: float = 1e-6) -> Any:
    """Log-odds of probabilities, clipped to ``[eps, 1 - eps]`` first so that 0 and 1 stay finite.

    Examples
    --------
    >>> float(logit(0.5)), round(float(logit(1.0)), 2), round(float(logit(0.0, eps=1e-3)), 3)
    (0.0, 13.82, -6.907)
    """
    p = np.clip(p, eps, 1 - eps)
    return np.log(p / (1 - p))


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function (inverse of :func:`logit`), its argument clipped to +-35 against overflow.

    Examples
    --------
    >>> sigmoid(np.array([0.0, 100.0])).round(6).tolist()
    [0.5, 1.0]
    """
    return 1.0 / (1.0 + np.exp(-np.clip(z, -35, 35)))


def f1_from_counts(tp: Any, fp: Any, fn: Any) -> Any:
    """F1 from true positive, false positive and false negative counts (arrays work element-wise); 0 where all are 0.

    Examples
    --------
    >>> float(f1_from_counts(3, 1, 2)), float(f1_from_counts(0, 0, 0))
    (0.6666666666666666, 0.0)
    """
    denominator = 2 * tp + fp + fn
    return np.where(denominator > 0, 2 * tp / np.maximum(denominator, 1), 0.0)


def micro_f1(Y: np.ndarray, pred: np.ndarray, judged: np.ndarray | None = None) -> float:
    """Micro-averaged F1 of boolean predictions against labels, counting only ``judged`` cells (all if None).

    Examples
    --------
    >>> micro_f1(np.array([[1, 0], [0, 1]]), np.array([[True, False], [True, True]]))
    0.8
    """
    truth = Y.astype(bool) if judged is None else Y.astype(bool) & judged
    if judged is not None:
        pred = pred & judged
    tp = (pred & truth).sum()
    return float(f1_from_counts(tp, pred.sum() - tp, truth.sum() - tp))


def scores_from_predictions(Y_true: np.ndarray, Y_pred: np.ndarray, frames: Sequence[str]) -> dict[str, Any]:
    """Micro and macro precision/recall/F1 and per-frame figures.

    Examples
    --------
    >>> r = scores_from_predictions(np.array([[1, 0], [0, 1]]), np.array([[1, 0], [1, 1]]), ["a", "b"])
    >>> round(r["micro"]["f1"], 3), r["per_frame"]["a"]["precision"]
    (0.8, 0.5)
    """
    from sklearn.metrics import precision_recall_fscore_support

    Y_true = np.asarray(Y_true, dtype=bool)
    Y_pred = np.asarray(Y_pred, dtype=bool)
    out: dict[str, Any] = {"n": int(Y_true.shape[0])}
    extra: dict[str, Any] = {}
    if Y_true.ndim == 2 and Y_true.shape[1] == 1:
        # One frame: scikit-learn reads a single column as two classes (absent,
        # present) rather than one label; score the "present" class only.
        Y_true, Y_pred = Y_true.ravel(), Y_pred.ravel()
        extra = {"labels": [True]}
    for average in ("micro", "macro"):
        p, r, f, _ = precision_recall_fscore_support(Y_true, Y_pred, average=average, zero_division=0, **extra)
        out[average] = {"precision": float(p), "recall": float(r), "f1": float(f)}
    p, r, f, s = precision_recall_fscore_support(Y_true, Y_pred, average=None, zero_division=0, **extra)
    out["per_frame"] = {
        frame: {"precision": float(p[j]), "recall": float(r[j]), "f1": float(f[j]), "support": int(s[j])}
        for j, frame in enumerate(frames)
    }
    return out


def _bin_index(p: np.ndarray, bins: int) -> np.ndarray:
    return np.minimum((np.clip(p, 0.0, 1.0) * bins).astype(int), bins - 1)


def reliability_table(y: np.ndarray, p: np.ndarray, *, bins: int = BINS) -> list[dict[str, Any]]:
    """One row per non-empty bin: its bounds, mean predicted score, observed rate and count.

    Examples
    --------
    >>> rows = reliability_table(np.array([0, 1, 1, 1]), np.array([0.05, 0.95, 0.9, 0.92]))
    >>> [(r["bin"], r["count"], r["observed"]) for r in rows]
    [(0, 1, 0.0), (9, 3, 1.0)]
    """
    y = np.asarray(y, dtype=float).ravel()
    p = np.asarray(p, dtype=float).ravel()
    index = _bin_index(p, bins)
    rows = []
    for k in range(bins):
        in_bin = index == k
        n = int(in_bin.sum())
        if n == 0:
            continue
        rows.append(
            {
                "bin": k,
                "low": k / bins,
                "high": (k + 1) / bins,
                "mean_predicted": float(p[in_bin].mean()),
                "observed": float(y[in_bin].mean()),
                "count": n,
            }
        )
    return rows


def expected_calibration_error(y: np.ndarray, p: np.ndarray, *, bins: int = BINS) -> float:
    """Count-weighted mean gap between mean score and observed rate over equal-width bins.

    Examples
    --------
    >>> expected_calibration_error(np.array([0, 1]), np.array([0.0, 1.0]))
    0.0
    >>> round(expected_calibration_error(np.array([0, 0, 0, 1]), np.array([0.75] * 4)), 3)
    0.5
    """
    y = np.asarray(y, dtype=float).ravel()
    if y.size == 0:
        return float("nan")
    rows = reliability_table(y, p, bins=bins)
    return float(sum(r["count"] * abs(r["mean_predicted"] - r["observed"]) for r in rows) / y.size)


def calibration_report(
    Y: np.ndarray,
    P: np.ndarray,
    frames: Sequence[str],
    *,
    judged: np.ndarray | None = None,
    bins: int = BINS,
) -> dict[str, Any]:
    """ECE and a reliability table per frame, and the ECE over every (text, frame) score.

    Parameters
    ----------
    Y : ndarray of bool (texts, frames)
        The labels.
    P : ndarray of float (texts, frames)
        The scores.
    frames : sequence of str
        Column names.
    judged : ndarray of bool, optional
        Cells to count (a passage not judged on a frame is left out); default all.
    bins : int, default=10
        Equal-width bins over [0, 1].

    Returns
    -------
    dict
        ``{"bins", "overall": {"ece", "count"}, "per_frame": {frame: {"ece", "count", "table"}}}``;
        ``overall`` pools every counted cell of every frame; ``ece`` is None
        where there is nothing to count.
    """
    Y = np.asarray(Y, dtype=float)
    P = np.asarray(P, dtype=float)
    mask = np.ones(Y.shape, dtype=bool) if judged is None else np.asarray(judged, dtype=bool)
    per_frame = {}
    for j, frame in enumerate(frames):
        y, p = Y[mask[:, j], j], P[mask[:, j], j]
        per_frame[frame] = {
            "ece": expected_calibration_error(y, p, bins=bins) if y.size else None,
            "count": int(y.size),
            "table": reliability_table(y, p, bins=bins),
        }
    return {
        "bins": bins,
        "overall": {
            "ece": expected_calibration_error(Y[mask], P[mask], bins=bins) if mask.any() else None,
            "count": int(mask.sum()),
        },
        "per_frame": per_frame,
    }
