"""Why a text scored: each frame's score, its passages and the terms that moved it.

A frame's classifier is linear: its decision value for a passage is
``coef . x + intercept`` over the features of the model's
:class:`~sklearn.pipeline.FeatureUnion` (stemmed word n-grams and character
n-grams). Each feature present in the passage contributes ``coef * value``;
those contributions plus the intercept add up to the decision value exactly,
and the score is that value Platt-scaled (``sigmoid(a * decision + b)``) as in
:meth:`~framing.model.frame_model.FrameModel.predict_proba`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np
from scipy import sparse

from ..core.errors import InputError
from ..core.metrics import logit, sigmoid
from ..core.text import normalize, tokenize
from ..inputs.passages import split_passages
from ..model.frame_model import FrameModel
from .scoring import RELEVANT, article_scores

__all__ = [
    "Term",
    "PassageFrame",
    "FrameExplanation",
    "Explanation",
    "feature_names",
    "explain_passages",
    "explain_text",
    "explain_input",
    "token_weights",
]


@dataclass(frozen=True)
class Term:
    """One feature present in a passage and what it added to a frame's decision value."""

    name: str  # the stem n-gram or character n-gram
    kind: str  # the FeatureUnion block: "words", "chars", ...
    value: float  # the feature's value in the passage
    weight: float  # the classifier's coefficient
    contribution: float  # weight * value


@dataclass
class PassageFrame:
    """One frame on one passage: the decision value, its parts and the score."""

    passage: int
    text: str
    decision: float
    intercept: float
    score: float
    terms: list[Term]  # every feature present, strongest contribution (by size) first

    def top(self, n: int = 8) -> tuple[list[Term], list[Term]]:
        """The ``n`` terms pushing the score up most and the ``n`` pushing it down most."""
        up = sorted((t for t in self.terms if t.contribution > 0), key=lambda t: -t.contribution)[:n]
        down = sorted((t for t in self.terms if t.contribution < 0), key=lambda t: t.contribution)[:n]
        return up, down


@dataclass
class FrameExplanation:
    """One frame on a text: its score and threshold, and the passages that carry it."""

    frame: str
    score: float
    threshold: float
    present: bool
    passages: list[PassageFrame] = field(default_factory=list)  # carrying passages, highest score first


@dataclass
class Explanation:
    """Every frame of a model on one text."""

    unit: str
    passages: list[str]
    frames: list[FrameExplanation]

    def as_dict(self, *, top: int = 8) -> dict[str, Any]:
        """A JSON-ready summary (``top`` terms each way per passage)."""
        out = []
        for fe in self.frames:
            rows = []
            for pf in fe.passages:
                up, down = pf.top(top)
                rows.append(
                    {
                        "passage": pf.passage,
                        "score": pf.score,
                        "decision": pf.decision,
                        "intercept": pf.intercept,
                        "up": [(t.name, t.contribution) for t in up],
                        "down": [(t.name, t.contribution) for t in down],
                    }
                )
            out.append(
                {"frame": fe.frame, "score": fe.score, "threshold": fe.threshold, "present": fe.present,
                 "passages": rows}
            )
        return {"unit": self.unit, "frames": out}


def feature_names(model: FrameModel) -> tuple[np.ndarray, np.ndarray]:
    """Every column's name and its FeatureUnion block, in the union's column order.

    Each block's names come from its own ``get_feature_names_out``; the union
    stacks the blocks in ``transformer_list`` order, so a block's columns start
    where the previous block's end.
    """
    names: list[np.ndarray] = []
    kinds: list[np.ndarray] = []
    for block, transformer in model.vectorizer.transformer_list:
        if transformer in ("drop", None):
            continue
        block_names = np.asarray(transformer.get_feature_names_out(), dtype=object)
        names.append(block_names)
        kinds.append(np.full(len(block_names), block, dtype=object))
    if not names:
        return np.zeros(0, dtype=object), np.zeros(0, dtype=object)
    return np.concatenate(names), np.concatenate(kinds)


def _calibrate(model: FrameModel, j: int, decision: float) -> float:
    calibration = getattr(model, "calibration", None)
    clf = model.classifiers[j]
    if calibration is not None:
        a, b = calibration[j]
        return float(sigmoid(np.array(a * decision + b)))
    if isinstance(clf, float):
        return float(clf)
    return float(sigmoid(np.array(decision)))


def explain_passages(model: FrameModel, texts: Sequence[str]) -> list[list[PassageFrame]]:
    """Decompose every frame's decision value on each text into term contributions.

    Parameters
    ----------
    model : FrameModel
        A trained model.
    texts : sequence of str
        The passages (or whole texts) to explain.

    Returns
    -------
    list of list of PassageFrame
        ``out[i][j]``: text ``i`` on frame ``j`` (``model.frames`` order). The
        contributions of ``terms`` plus ``intercept`` equal ``decision``, and
        ``score`` equals ``model.predict_proba`` for that text and frame.
    """
    if len(texts) == 0:
        return []
    X = sparse.csr_matrix(model.vectorizer.transform(list(texts)))
    names, kinds = feature_names(model)
    out: list[list[PassageFrame]] = []
    for i, text in enumerate(texts):
        row = X[i]
        idx, values = row.indices, row.data.astype(float)
        per_frame = []
        for j, clf in enumerate(model.classifiers):
            if isinstance(clf, float):  # a constant: its prior's logit, no terms
                intercept = float(logit(clf, eps=1e-3))
                terms: list[Term] = []
                decision = intercept
            else:
                coef = np.asarray(clf.coef_[0], dtype=float)
                intercept = float(clf.intercept_[0])
                weights = coef[idx]
                contrib = weights * values
                decision = float(contrib.sum() + intercept)
                order = np.argsort(-np.abs(contrib), kind="stable")
                terms = [
                    Term(str(names[idx[k]]), str(kinds[idx[k]]), float(values[k]), float(weights[k]),
                         float(contrib[k]))
                    for k in order
                    if contrib[k] != 0
                ]
            per_frame.append(PassageFrame(i, text, decision, intercept, _calibrate(model, j, decision), terms))
        out.append(per_frame)
    return out


def explain_text(model: FrameModel, text: str, *, max_passages: int = 3) -> Explanation:
    """Explain a text's frame scores the way ``framing score`` computes them.

    A passage model's score for a frame is its best section's (see
    :func:`framing.analysis.scoring.article_scores`), and a text its relevance check finds
    off the story carries no frame; an article model scores the whole text. The
    passages shown for a frame are those at or over its threshold (at most
    ``max_passages``, highest first), or the single highest-scoring passage
    when none is.

    Raises
    ------
    InputError
        When nothing is left to explain after clutter is removed.
    """
    passages = split_passages(text)
    if not passages:
        raise InputError("nothing left to explain after removing clutter (menus, tickers, headings, short lines)")
    per_passage = explain_passages(model, passages)
    if model.unit == "article":
        whole = model.predict_proba([text])[0]
        present = model.decide(whole[None, :])[0]
    else:
        _, articles, relevance = article_scores(model, [passages])
        whole = articles[0]
        present = model.decide(articles)[0] & (relevance is None or bool(relevance[0] >= RELEVANT))
    frames = []
    for j, frame in enumerate(model.frames):
        ranked = sorted((pp[j] for pp in per_passage), key=lambda pf: -pf.score)
        carrying = [pf for pf in ranked if pf.score >= model.thresholds[j]][:max_passages] or ranked[:1]
        frames.append(
            FrameExplanation(frame, float(whole[j]), float(model.thresholds[j]), bool(present[j]), carrying)
        )
    return Explanation(model.unit, passages, frames)


_TOKEN = re.compile(r"\S+")



def token_weights(pf: PassageFrame) -> list[tuple[str, float]]:
    """The passage cut into pieces (words and the spaces between), each with its share of the decision.

    Word n-gram contributions go to the words whose stems make them (a 2-gram's
    shared equally); a character n-gram's goes to the words containing it, split
    over its occurrences. Spaces and unattributed pieces carry 0.
    """
    from ..core.text import stem

    text = pf.text
    spans = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
    weights = np.zeros(len(spans))
    stems = []
    padded = []
    for s, e in spans:
        words = tokenize(text[s:e])
        stems.append({stem(w) for w in words})
        padded.append(f" {normalize(text[s:e])} ")
    for term in pf.terms:
        if term.kind == "words":
            parts = term.name.split(" ")
            for part in parts:
                hits = [k for k, st in enumerate(stems) if part in st]
                for k in hits:
                    weights[k] += term.contribution / len(parts) / len(hits)
        elif term.kind == "chars":
            counts = np.array([p.count(term.name) for p in padded], dtype=float)
            total = counts.sum()
            if total:
                weights += term.contribution * counts / total
    pieces: list[tuple[str, float]] = []
    last = 0
    for (s, e), w in zip(spans, weights):
        if s > last:
            pieces.append((text[last:s], 0.0))
        pieces.append((text[s:e], float(w)))
        last = e
    if last < len(text):
        pieces.append((text[last:], 0.0))
    return pieces


def explain_input(
    source: str, *, model: FrameModel, stdin: IO[str] | None = None, max_passages: int = 3
) -> list[tuple[str, Explanation]]:
    """Explain every article in a file (any input ``framing score`` reads) or ``"-"`` (stdin).

    Returns
    -------
    list of (str, Explanation)
        Each article's id and its explanation, in input order.
    """
    from ..inputs.articles import read_articles

    out = []
    for article in read_articles([source], stdin=stdin):
        try:
            out.append((article.id, explain_text(model, article.text, max_passages=max_passages)))
        except InputError as exc:
            raise InputError(str(exc), path=article.origin) from None
    if not out:
        raise InputError("no articles to explain", path=source)
    return out
