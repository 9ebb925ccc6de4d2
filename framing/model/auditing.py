"""Find likely mislabels: labels that cross-validated predictions contradict strongly.

Every passage is scored by a model trained without its article (cross-validation
grouped by article, each fold with its own tuned thresholds). A label is
contradicted when the held-out decision differs from it: labelled with a frame
but scored under the frame's threshold, or labelled without it and scored at or
over. How strongly is the distance between score and threshold on the logit
scale, so a frame labelled present that the model scores 0.02 against a
threshold of 0.4 comes before one it scores 0.35. The top of the list is where
a second look at the labels pays most; some will be the model's errors, not
the coder's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core.errors import TrainingError
from ..core.metrics import logit
from ..labels.store import LabelledPassage
from .config import ModelConfig
from .evaluation import held_out_predictions
from .training import judged_matrix

__all__ = ["audit"]




def audit(
    passages: Sequence[LabelledPassage],
    *,
    frames: Sequence[str] | None = None,
    folds: int = 5,
    config: ModelConfig | None = None,
    unit: str = "auto",
    random_state: int = 0,
) -> dict[str, Any]:
    """Cross-validated predictions that disagree with the labels, strongest first.

    Parameters
    ----------
    passages : sequence of LabelledPassage
        The labels to audit.
    frames : sequence of str, optional
        The frame set (default: the frames the labels carry).
    folds : int, default=5
        Folds of a :class:`~sklearn.model_selection.GroupKFold` over articles.
    config, unit, random_state
        As for :func:`~framing.model.training.train`.

    Returns
    -------
    dict
        ``disagreements``: one record per contradicted (passage, frame) with
        ``id``, ``frame``, ``label`` (1 = labelled present), held-out
        ``score`` and ``threshold``, ``disagreement`` (logit distance),
        ``text`` and ``origin`` (file:line); plus ``method`` and ``checked``
        (cells looked at).
    """
    passages = list(passages)
    if not passages:
        raise TrainingError("no labelled passages to audit")
    h = held_out_predictions(
        passages, folds=folds, frames=frames, config=config, unit=unit, random_state=random_state
    )
    frame_list, Y, P, T = h.frames, h.labels, h.proba, h.thresholds
    judged = judged_matrix(passages, frame_list)
    mask = np.ones_like(Y) if judged is None else judged
    distance = logit(P) - logit(T)  # > 0: over the threshold
    # Labelled present but scored under, or labelled absent but scored at or over.
    contradicted = mask & ((Y & (P < T)) | (~Y & (P >= T)))
    strength = np.where(Y, -distance, distance)
    rows, cols = np.nonzero(contradicted)
    order = sorted(zip(rows, cols), key=lambda rc: (-strength[rc], passages[rc[0]].id, rc[1]))
    out = []
    for rank, (i, j) in enumerate(order, start=1):
        p = passages[i]
        out.append(
            {
                "rank": rank,
                "id": p.id,
                "frame": frame_list[j],
                "label": int(Y[i, j]),
                "score": round(float(P[i, j]), 4),
                "threshold": round(float(T[i, j]), 4),
                "disagreement": round(float(strength[i, j]), 4),
                "frames": list(p.frames),
                "text": p.text,
                "origin": p.origin,
            }
        )
    return {
        "method": f"{folds}-fold cross-validation grouped by article",
        "passages": len(passages),
        "checked": int(mask.sum()),
        "disagreements": out,
    }
