"""Choose the passages worth labelling next (active learning by uncertainty, with diversity).

A passage is worth a coder's time when the model is least sure of it: its
score for some frame sits close to that frame's threshold. Uncertainty is the
smallest distance, over frames, between the score and the threshold on the
logit scale (so 0.50 vs 0.45 counts as closer than 0.99 vs 0.94). Passages are
taken most uncertain first, skipping any too like one already taken: cosine
similarity of the model's own TF-IDF vectors over ``max_similarity``, or the
same story by word 5-gram shingles (Jaccard at least ``dedupe.THRESHOLD``), so
one wire story copied by twenty sites fills one place in the queue, not twenty.
Passages already labelled are left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.preprocessing import normalize as l2_normalize

from ..core.atomic import atomic_write, check_writable
from ..core.errors import InputError, TrainingError
from ..core.metrics import logit
from ..core.text import detect_language
from ..inputs.articles import Article, read_articles
from ..inputs.duplicates import THRESHOLD as SHINGLE_THRESHOLD
from ..inputs.duplicates import shingles
from ..inputs.passages import split_passages
from ..labels.store import check_given_labels, existing_labels, text_key
from ..model.files import load_model
from ..model.frame_model import FrameModel

__all__ = ["suggest", "SuggestSummary", "trained_labels", "uncertainty", "MAX_SIMILARITY"]

MAX_SIMILARITY = 0.8
# Passages kept for the final greedy pass, per place in the queue: enough that
# the diversity rule can skip many, bounded so memory does not grow with input.
_POOL_PER_PICK = 50
_POOL_MIN = 2000
_CHUNK = 256



def uncertainty(proba: np.ndarray, thresholds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's smallest |logit(p) - logit(t)| over frames, and the frame where it is smallest.

    Examples
    --------
    >>> u, j = uncertainty(np.array([[0.9, 0.45], [0.99, 0.01]]), np.array([0.5, 0.5]))
    >>> [round(float(x), 2) for x in u], [int(x) for x in j]
    ([0.2, 4.6], [1, 0])
    """
    distance = np.abs(logit(proba) - logit(thresholds)[None, :])
    nearest = distance.argmin(axis=1)
    return distance[np.arange(len(distance)), nearest], nearest


@dataclass
class SuggestSummary:
    """What :func:`suggest` did, for the command line to print."""

    out: Path
    queue: list[dict[str, Any]]
    articles: int = 0
    passages: int = 0
    labelled: int = 0  # passages left out because they are already labelled
    # The model's label files (from its card) not found from here: their passages
    # could not be left out.
    missing_labels: list[str] = field(default_factory=list)
    repeated: int = 0  # passages left out as exact repeats of one already seen
    similar: int = 0  # candidates skipped by the diversity rule


@dataclass
class _Candidate:
    u: float
    order: int
    record: dict[str, Any]


def _passages_of(articles: Iterable[Article]) -> Iterable[tuple[Article, int, str]]:
    for article in articles:
        for k, text in enumerate(split_passages(article.text)):
            yield article, k, text


def trained_labels(card: dict[str, Any], *, model_dir: Path | None = None) -> tuple[list[Path], list[str]]:
    """The label files a model's card records, found from here; and those not found.

    A card records each path as given to ``framing train`` (relative to the
    folder it ran in) and, since this version, relative to the model's folder
    (``from_model``); the second finds the labels from any working folder.
    """
    entries = [e for e in card.get("labels", []) if isinstance(e, dict) and "path" in e]
    if not entries:
        entries = [{"path": p} for p in card.get("label_files", []) if isinstance(p, str)]
    found: list[Path] = []
    missing: list[str] = []
    for entry in entries:
        candidates = [Path(entry["path"])]
        if model_dir is not None and isinstance(entry.get("from_model"), str):
            candidates.append(model_dir / entry["from_model"])
        hit = next((c for c in candidates if c.exists()), None)
        if hit is None:
            missing.append(str(entry["path"]))
        else:
            found.append(hit)
    return found, missing


def suggest(
    inputs: Sequence[str | Path],
    *,
    model: FrameModel | str | Path,
    n: int = 50,
    out: str | Path,
    labels: Sequence[str | Path] | None = None,
    max_similarity: float = MAX_SIMILARITY,
    force: bool = False,
) -> SuggestSummary:
    """Write a queue of the ``n`` passages most worth labelling next.

    Parameters
    ----------
    inputs : sequence of str or Path
        Articles, as for :func:`framing.inputs.articles.read_articles`; they are split
        into passages as ``framing score`` splits them.
    model : FrameModel or path
        The current model.
    n : int, default=50
        Length of the queue.
    out : str or Path
        The queue to write (JSONL; one passage a line, with the model's scores
        and guess), for ``framing label``.
    labels : sequence of str or Path, optional
        Label files or folders: passages already in them (same text, with case,
        spacing and punctuation ignored) are left out; each must exist. Default:
        the label files the model was trained on (from its card), found from the
        working folder or from the model's; those not found are listed in the
        summary's ``missing_labels``.
    max_similarity : float, default=0.8
        Cosine similarity of TF-IDF vectors above which a passage is too like
        one already in the queue.
    force : bool, default=False
        Replace an existing queue file.

    Returns
    -------
    SuggestSummary
    """
    if n < 1:
        raise TrainingError(f"-n must be at least 1, not {n}")
    if not 0 < max_similarity <= 1:
        raise TrainingError(f"the similarity limit must be in (0, 1], not {max_similarity}")
    out = check_writable(out, force=force)
    if labels is not None:
        labels = check_given_labels(labels)
    model_dir = None
    if not isinstance(model, FrameModel):
        model_dir = Path(model).parent
        model = load_model(model)
    if not model.frames:
        raise TrainingError("the model has no frames")
    missing: list[str] = []
    if labels is None:
        labels, missing = trained_labels(model.card, model_dir=model_dir)
    known = {text_key(p.text) for p in existing_labels(labels)} if labels else set()
    summary = SuggestSummary(out=out, queue=[], missing_labels=missing)
    pool: list[_Candidate] = []
    keep = max(_POOL_MIN, _POOL_PER_PICK * n)
    seen: set[str] = set()
    chunk: list[tuple[Article, int, str]] = []
    articles_seen: set[str] = set()

    def flush() -> None:
        nonlocal pool
        if not chunk:
            return
        proba = model.predict_proba([text for _, _, text in chunk])
        u, nearest = uncertainty(proba, model.thresholds)
        present = model.decide(proba)
        for i, (article, k, text) in enumerate(chunk):
            record = {
                "id": f"{article.id}:{k}",
                "article_id": article.id,
                "passage": k,
                **{key: v for key, v in article.meta.items() if key not in ("language", "text")},
                "language": detect_language(text),
                "source": article.id,
                "text": text,
                "scores": {f: round(float(s), 4) for f, s in zip(model.frames, proba[i])},
                "frames": [f for f, on in zip(model.frames, present[i]) if on],
                "uncertainty": round(float(u[i]), 4),
                "nearest_frame": model.frames[int(nearest[i])],
            }
            pool.append(_Candidate(float(u[i]), summary.passages + i, record))
        summary.passages += len(chunk)
        chunk.clear()
        if len(pool) > 2 * keep:
            pool = sorted(pool, key=lambda c: (c.u, c.order))[:keep]

    for article, k, text in _passages_of(read_articles(inputs)):
        articles_seen.add(article.id)
        key = text_key(text)
        if key in known:
            summary.labelled += 1
            continue
        if key in seen:
            summary.repeated += 1
            continue
        seen.add(key)
        chunk.append((article, k, text))
        if len(chunk) >= _CHUNK:
            flush()
    flush()
    summary.articles = len(articles_seen)
    if not pool and summary.labelled == 0:
        raise InputError("no passages to suggest from (after removing clutter)")
    pool = sorted(pool, key=lambda c: (c.u, c.order))[:keep]
    summary.queue = _diverse(pool, model, n=n, max_similarity=max_similarity, summary=summary)
    with atomic_write(out, force=force) as fh:
        for rank, record in enumerate(summary.queue, start=1):
            fh.write(json.dumps({"rank": rank, **record}, ensure_ascii=False) + "\n")
    return summary


def _diverse(
    pool: list[_Candidate], model: FrameModel, *, n: int, max_similarity: float, summary: SuggestSummary
) -> list[dict[str, Any]]:
    """Greedy: most uncertain first, skipping candidates too like one already taken."""
    if not pool:
        return []
    X = l2_normalize(model.vectorizer.transform([c.record["text"] for c in pool]))
    chosen: list[int] = []
    chosen_shingles: list[np.ndarray] = []
    for i, candidate in enumerate(pool):
        if len(chosen) >= n:
            break
        if chosen:
            similarity = (X[chosen] @ X[i].T).toarray().ravel()
            if similarity.max() > max_similarity:
                summary.similar += 1
                continue
        mine = shingles(candidate.record["text"])
        if any(_jaccard(mine, theirs) >= SHINGLE_THRESHOLD for theirs in chosen_shingles):
            summary.similar += 1
            continue
        chosen.append(i)
        chosen_shingles.append(mine)
    return [pool[i].record for i in chosen]


def _jaccard(a: np.ndarray, b: np.ndarray) -> float:
    if not a.size or not b.size:
        return 0.0
    common = np.intersect1d(a, b, assume_unique=True).size
    return common / (a.size + b.size - common)
