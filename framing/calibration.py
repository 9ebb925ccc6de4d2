"""Do scores behave like probabilities? Expected calibration error and reliability tables.

Scores are split into equal-width bins over [0, 1] (a score of exactly 1 falls
in the last bin). In each bin the mean score is set against the share of texts
that carry the frame; the expected calibration error (ECE) is the mean gap,
weighted by how many scores fall in each bin.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["BINS", "reliability_table", "expected_calibration_error", "calibration_report"]

BINS = 10


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
