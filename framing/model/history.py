"""Model versions: where a model came from, and whether a new one is better than an old one.

A model's card records the label files it was trained on (path and sha256 of
each) and its parent: the model it replaces or was retrained from (its file's
sha256 and its labels' digest). :func:`compare_models` scores two models on the
same labelled passages and gives each frame's F1 difference with a paired
bootstrap interval, so "better" is a measured word.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import ModelError, TrainingError
from ..core.metrics import f1_from_counts, scores_from_predictions
from ..labels.store import LabelledPassage, label_files
from .files import read_card
from .files import sha256_of as file_sha256
from .frame_model import FrameModel
from .training import judged_matrix, label_matrix

__all__ = ["lineage", "file_sha256", "compare_models", "MIN_BOOT"]

# Fewer resamples make the interval's ends wobble from one seed to the next.
MIN_BOOT = 2000
_CHUNK = 500  # resamples computed at a time: memory stays small however many articles


def lineage(
    labels: Iterable[str | Path], *, parent: str | Path | None = None, model: str | Path | None = None
) -> dict[str, Any]:
    """Card fields recording a model's labels and its parent model.

    Parameters
    ----------
    labels : iterable of str or Path
        The label files or folders trained on; folders are listed file by file.
    parent : str or Path, optional
        The model this one replaces or was retrained from. Only its card and
        its bytes' sha256 are read; it is not unpickled.
    model : str or Path, optional
        Where the new model will be written. Each label file's path is then
        also recorded relative to the model's folder (``from_model``), so that
        the labels can be found from any working folder.

    Returns
    -------
    dict
        ``labels``: a list of ``{"path", "sha256"}`` (and ``from_model`` with
        ``model``); ``parent``: the parent's
        path, ``model_sha256``, ``labels_sha256``, ``created`` and frames, or None.

    Raises
    ------
    ModelError
        When ``parent`` is not a framing model with its card.
    """
    entries = []
    for p in label_files(labels):
        entry = {"path": str(p), "sha256": file_sha256(p)}
        if model is not None:
            try:
                entry["from_model"] = Path(os.path.relpath(Path(p).resolve(), Path(model).resolve().parent)).as_posix()
            except ValueError:  # another drive (Windows): no relative path; the plain one stays
                pass
        entries.append(entry)
    out: dict[str, Any] = {"labels": entries}
    out["parent"] = None
    if parent is not None:
        card = read_card(parent)
        out["parent"] = {
            "path": str(parent),
            "model_sha256": file_sha256(parent),
            "labels_sha256": card.get("labels_sha256"),
            "created": card.get("created"),
            "frames": card.get("frames"),
        }
        if card.get("model_sha256") not in (None, out["parent"]["model_sha256"]):
            raise ModelError(f"{parent}: file differs from its card (sha256 mismatch); not a trustworthy parent")
    return out


def _figures(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> dict[str, Any]:
    """F1 per frame (last axis), micro and macro, for count arrays of shape (..., frames)."""
    per = f1_from_counts(tp, fp, fn)
    micro = f1_from_counts(tp.sum(axis=-1), fp.sum(axis=-1), fn.sum(axis=-1))
    return {"per_frame": per, "micro": micro, "macro": per.mean(axis=-1)}


def compare_models(
    new: FrameModel,
    old: FrameModel,
    passages: Sequence[LabelledPassage],
    *,
    n_boot: int = MIN_BOOT,
    random_state: int = 0,
    level: float = 0.95,
) -> dict[str, Any]:
    """Both models on the same labelled passages: F1 per frame, and new minus old with a paired bootstrap interval.

    Parameters
    ----------
    new, old : FrameModel
        The models; frames both know are compared.
    passages : sequence of LabelledPassage
        Held-out labels neither model was trained on. A frame counts only on
        the passages judged on it.
    n_boot : int, default=2000
        Bootstrap resamples (at least 2000).
    random_state : int, default=0
        Seeds the resampling.
    level : float, default=0.95
        Coverage of the percentile interval.

    Returns
    -------
    dict
        ``frames`` (frame -> support, old and new F1, ``diff`` and ``ci``),
        ``micro`` and ``macro`` (the same), ``old`` and ``new`` (full
        precision/recall/F1 figures), ``not_compared`` and the settings.

    Notes
    -----
    The resampling unit is the article (``LabelledPassage.group``): passages
    of one article rise and fall together, and the *same* resample scores both
    models, so the interval is for the difference itself (a paired bootstrap),
    far narrower than two separate intervals would suggest.
    """
    if n_boot < MIN_BOOT:
        raise TrainingError(f"use at least {MIN_BOOT} bootstrap resamples, not {n_boot}")
    if not passages:
        raise TrainingError("no labelled passages to compare the models on")
    frames = [f for f in new.frames if f in old.frames]
    not_compared = sorted(set(new.frames) ^ set(old.frames))
    if not frames:
        raise TrainingError("the two models share no frame; nothing to compare")
    texts = [p.text for p in passages]
    truth = label_matrix(passages, frames).astype(bool)
    judged = judged_matrix(passages, frames)
    mask = np.ones_like(truth) if judged is None else judged
    preds = {}
    for name, model in (("new", new), ("old", old)):
        columns = [model.frames.index(f) for f in frames]
        preds[name] = model.predict(texts)[:, columns] & mask
    truth &= mask

    groups = [p.group for p in passages]
    names, inverse = np.unique(groups, return_inverse=True)
    G = len(names)
    counts: dict[str, dict[str, np.ndarray]] = {}
    for name, pred in preds.items():
        per_group = {}
        for kind, cells in (("tp", pred & truth), ("fp", pred & ~truth), ("fn", ~pred & truth)):
            table = np.zeros((G, len(frames)))
            np.add.at(table, inverse, cells.astype(float))
            per_group[kind] = table
        counts[name] = per_group

    point = {
        name: _figures(*(c[k].sum(axis=0) for k in ("tp", "fp", "fn"))) for name, c in counts.items()
    }
    rng = np.random.default_rng(random_state)
    diffs: dict[str, list[np.ndarray]] = {"per_frame": [], "micro": [], "macro": []}
    done = 0
    while done < n_boot:
        size = min(_CHUNK, n_boot - done)
        weights = rng.multinomial(G, np.full(G, 1 / G), size=size).astype(float)  # (size, G)
        figures = {
            name: _figures(*(weights @ c[k] for k in ("tp", "fp", "fn"))) for name, c in counts.items()
        }
        for key in diffs:
            diffs[key].append(figures["new"][key] - figures["old"][key])
        done += size
    alpha = (1 - level) / 2
    stacked = {key: np.concatenate(parts, axis=0) for key, parts in diffs.items()}
    low = {key: np.quantile(v, alpha, axis=0) for key, v in stacked.items()}
    high = {key: np.quantile(v, 1 - alpha, axis=0) for key, v in stacked.items()}

    def row(key: str, j: int | None = None) -> dict[str, Any]:
        pick = (lambda a: a[j]) if j is not None else (lambda a: a)
        old_f1 = float(pick(point["old"][key]))
        new_f1 = float(pick(point["new"][key]))
        return {
            "old": old_f1,
            "new": new_f1,
            "diff": new_f1 - old_f1,
            "ci": [float(pick(low[key])), float(pick(high[key]))],
        }

    support = truth.sum(axis=0)
    return {
        "method": f"paired bootstrap over {G} articles, {n_boot} resamples",
        "n": len(passages),
        "groups": G,
        "n_boot": n_boot,
        "level": level,
        "random_state": random_state,
        "frames": {f: {"support": int(support[j]), **row("per_frame", j)} for j, f in enumerate(frames)},
        "micro": row("micro"),
        "macro": row("macro"),
        "new": scores_from_predictions(truth, preds["new"], frames),
        "old": scores_from_predictions(truth, preds["old"], frames),
        "not_compared": not_compared,
    }
