"""Scoring without scikit-learn: a trained model's features and weights as plain arrays.

A model file holds, beside the scikit-learn model, its *scoring form*: for each
feature block its vocabulary, idf and tf-idf settings, the classifiers' weights
stacked into one matrix, the calibration and the thresholds, all numpy arrays
and plain Python (:func:`framing.model.files.scoring_state` makes it). ``framing
score`` reads only that, so it never imports scikit-learn, which takes seconds
of every run's start-up, and it does not unpickle the model's
scikit-learn objects.

The probabilities are the model's own, bit for bit: the blocks count with the
same code as the model's vectorizers (:mod:`framing._fast.vocab`), weight and
multiply in one compiled pass as they do (:func:`framing._fast.kernels.tfidf_decision`),
and add the blocks, the intercepts and the calibration in the same order.

Models the scoring form cannot describe (opt-in cue features, uncalibrated
models, or a platform without numba) are loaded whole, with scikit-learn.

Examples
--------
>>> from framing import LabelledPassage, load_scorer, save_model, train
>>> import tempfile, pathlib
>>> labels = [LabelledPassage(text=t, frames=f, language="en", id=str(i), source=f"a{i % 4}")
...           for i, (t, f) in enumerate([("Russia sanctions trade", ["sanctions_economy"]),
...                                        ("CSTO troops arrive", ["security_alliance"])] * 6)]
>>> path = pathlib.Path(tempfile.mkdtemp()) / "m.joblib"
>>> _ = save_model(train(labels, random_state=0), path)
>>> scorer = load_scorer(path)
>>> type(scorer).__name__, scorer.frames
('Scorer', ['sanctions_economy', 'security_alliance'])
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import numpy as np

from ..core.metrics import logit, sigmoid
from ..core.text import fold_words
from . import kernels
from .vocab import (
    CueTable,
    NgramTable,
    StemTable,
    char_wb_counts,
    count_pairs,
    cue_counts,
    cue_values,
    merge_cue_counts,
    merge_rows,
    split_terms,
    stem_pairs,
    tf_table,
)

__all__ = [
    "Scorer",
    "apply_calibration",
    "constant_logit",
    "decide",
    "row_groups",
    "block_decisions",
    "passage_and_section_decisions",
    "finish_sections",
    "RELEVANT",
]

# Version of the scoring form's layout; a form of another version is not used. Version 2
# added the cue block and the relevance check; a version-1 form still reads.
STATE_VERSION = 2
_READABLE_VERSIONS = (1, 2)
# An article is about the story when the relevance check gives it at least this: above
# one half, as a frame wrongly found in an article off the story is the costlier error.
RELEVANT = 0.6
# Characters of text whose counts are built at a time when scoring: about 150
# articles of 3 kB, whose temporaries stay a few tens of MB whatever the batch.
# Larger groups share more of their words, which are looked up once a group
# (faster than groups half this size on the benchmark and SemEval articles).
_ROW_CHARS = 500_000


def apply_calibration(D: np.ndarray, calibration: np.ndarray) -> np.ndarray:
    """Calibrated probabilities from decision values."""
    return sigmoid(D * calibration[None, :, 0] + calibration[None, :, 1])


def decide(proba: np.ndarray, thresholds: np.ndarray, min_frames: int) -> np.ndarray:
    """Which frames are present: at or over each threshold, and at least ``min_frames`` of them."""
    present = proba >= thresholds[None, :]
    if min_frames and proba.shape[1]:
        # Every article carries some frame: where fewer than ``min_frames`` pass,
        # add those closest to passing (relative to their thresholds).
        short = np.flatnonzero(present.sum(axis=1) < min_frames)
        if short.size:
            ratio = proba[short] / np.maximum(thresholds[None, :], 1e-9)
            top = np.argsort(-ratio, axis=1, kind="stable")[:, :min_frames]
            present[short[:, None], top] = True
    return present


def constant_logit(prior: float) -> float:
    """The decision value of a frame whose classifier saw one class: its prior's logit."""
    return float(logit(prior, eps=1e-3))


def row_groups(texts: Sequence[str]) -> list[slice]:
    """Consecutive slices of ``texts`` of at most ``_ROW_CHARS`` characters.

    Each slice holds at least one text (a longer text is a slice of its own);
    no texts give no slices.
    """
    groups: list[slice] = []
    start, size = 0, 0
    for i, text in enumerate(texts):
        if i > start and size + len(text) > _ROW_CHARS:
            groups.append(slice(start, i))
            start, size = i, 0
        size += len(text)
    if texts:
        groups.append(slice(start, len(texts)))
    return groups


def block_decisions(
    texts: Sequence[str],
    blocks: Sequence[Any],
    rows: Sequence[slice],
    weights: np.ndarray,
    intercepts: np.ndarray,
    logits: np.ndarray,
    linear: Any,
) -> np.ndarray:
    """Decision values (log-odds scale) of each frame for each text, block by block.

    Each block's features times its ``rows`` of the stacked ``weights`` (a block's
    ``decision(texts, weights)``), summed over the blocks, plus ``intercepts``, in the
    frames' columns ``linear``; the frames without a classifier get their ``logits``.
    The feature matrix is never stacked, and texts go a group of at most ``_ROW_CHARS``
    characters at a time: that group's counts are all that is held.
    """
    out = np.empty((len(texts), logits.size))
    out[:] = logits[None, :]
    total = np.zeros((len(texts), weights.shape[1]))
    for group_rows in row_groups(texts):
        group = [texts[i] for i in range(group_rows.start, group_rows.stop)]
        for block, block_rows in zip(blocks, rows):
            total[group_rows] += block.decision(group, weights[block_rows])
    out[:, linear] = total + intercepts
    return out


class _Block:
    """One feature block: counts of its vocabulary's n-grams, weighted by tf-idf."""

    def __init__(self, state: dict[str, Any]):
        self.kind = state["kind"]
        vocabulary = split_terms(state["terms"])
        self.n_cols = len(vocabulary)
        self.idf = np.asarray(state["idf"])
        self.binary = bool(state["binary"])
        self.sublinear_tf = bool(state["sublinear_tf"])
        self.ngram_range = tuple(state["ngram_range"])
        self.analyzer = state.get("analyzer")
        self.table: NgramTable | StemTable
        if self.kind == "char_wb":
            self.table = NgramTable(vocabulary, max_n=self.ngram_range[1])
        else:
            self.table = StemTable(vocabulary)
        if not self.table.fits or self.idf.shape != (self.n_cols,):
            raise ValueError("the scoring form does not describe its vocabulary")

    def counts(self, docs: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(indptr, indices, counts)`` of the documents' count matrix, counts in float32."""
        if self.kind == "char_wb":
            assert isinstance(self.table, NgramTable)
            folded = [fold_words(doc) for doc in docs]
            indptr, indices, counts = char_wb_counts(
                folded, self.table, ngram_range=(self.ngram_range[0], self.ngram_range[1]), n_cols=self.n_cols
            )
        else:
            assert isinstance(self.table, StemTable) and self.analyzer is not None
            rows, cols = stem_pairs(docs, self.table, analyzer=self.analyzer)
            indptr, indices, counts = count_pairs(rows, cols, len(docs), self.n_cols)
        return indptr, indices, counts.astype(np.float32, copy=False)  # the word path's are int64

    def decision(self, docs: list[str], weights: np.ndarray) -> np.ndarray:
        """The documents' tf-idf matrix times ``weights``, without making the matrix."""
        return self.decision_of_counts(self.counts(docs), weights)

    def decision_of_counts(self, counts: tuple[np.ndarray, np.ndarray, np.ndarray], weights: np.ndarray) -> np.ndarray:
        """The tf-idf product of a count matrix given as ``(indptr, indices, counts)``."""
        indptr, indices, values = counts
        top = int(values.max()) if values.size else 0
        tf = tf_table(top, binary=self.binary, sublinear_tf=self.sublinear_tf)
        return kernels.tfidf_decision(indptr, indices, values, tf_table=tf, idf=self.idf, weights=weights)

    def merge(
        self, counts: tuple[np.ndarray, np.ndarray, np.ndarray], starts: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The counts of runs of documents (sections of passages) taken as one document each."""
        return merge_rows(*counts, starts, n_cols=self.n_cols)


class _CueBlock:
    """The cue block: each frame's cue-phrase matches, scaled by the text's length."""

    def __init__(self, state: dict[str, Any]):
        self.kind = "cues"
        self.scale = str(state["scale"])
        phrases = [[tuple(p.split(" ")) for p in column] for column in state["phrases"]]
        self.table = CueTable(phrases)
        self.n_cols = len(phrases)

    def counts(self, docs: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Each document's matches of each column, and its stems."""
        return cue_counts(docs, self.table)

    def decision_of_counts(self, counts: tuple[np.ndarray, np.ndarray], weights: np.ndarray) -> np.ndarray:
        """The cue features of these counts times ``weights``."""
        return cue_values(*counts, scale=self.scale).astype(np.float64) @ weights

    def decision(self, docs: list[str], weights: np.ndarray) -> np.ndarray:
        """The documents' cue features times ``weights``."""
        return self.decision_of_counts(self.counts(docs), weights)

    def merge(self, counts: tuple[np.ndarray, np.ndarray], starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The counts of runs of documents taken as one document each."""
        return merge_cue_counts(counts, starts)


def section_groups(texts: Sequence[str], starts: np.ndarray) -> list[tuple[int, int]]:
    """Runs of whole sections (``starts[a]`` is section a's first passage) of at most ``_ROW_CHARS`` characters.

    Each run holds at least one article; runs are ``(first article, past the last)``.
    """
    groups: list[tuple[int, int]] = []
    first, size = 0, 0
    n = starts.size - 1
    for a in range(n):
        length = sum(len(texts[i]) for i in range(starts[a], starts[a + 1]))
        if a > first and size + length > _ROW_CHARS:
            groups.append((first, a))
            first, size = a, 0
        size += length
    if n:
        groups.append((first, n))
    return groups


def passage_and_section_decisions(
    blocks: Sequence[Any], weights: np.ndarray, texts: Sequence[str], starts: np.ndarray, *, run_weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Feature-times-weights sums of each passage, and of each section taken as one text.

    A section's features are those of the sum of its passages' counts (their
    words, character n-grams and cue matches), weighted and normalised as one
    document. Each block counts a group's passages once and makes both products.

    Parameters
    ----------
    blocks : sequence
        Objects with ``n_cols``, ``counts(docs)``, ``merge(counts, starts)`` and
        ``decision_of_counts(counts, weights)``, in the order of the weights' rows.
    weights, run_weights : ndarray
        Stacked weights for the passages and for the sections (same rows).
    texts : sequence of str
        Every section's passages, one section after another.
    starts : ndarray
        Where each section's passages begin in ``texts``, then ``len(texts)``.
    """
    passages = np.zeros((len(texts), weights.shape[1]))
    sections = np.zeros((starts.size - 1, run_weights.shape[1]))
    widths = np.cumsum([0] + [block.n_cols for block in blocks])
    for first, last in section_groups(texts, starts):
        p0, p1 = int(starts[first]), int(starts[last])
        group = list(texts[p0:p1])
        local = starts[first : last + 1] - p0
        for block, a, b in zip(blocks, widths[:-1], widths[1:]):
            counts = block.counts(group)
            passages[p0:p1] += block.decision_of_counts(counts, weights[a:b])
            sections[first:last] += block.decision_of_counts(block.merge(counts, local), run_weights[a:b])
    return passages, sections


class Scorer:
    """A model's scoring form: probabilities and frames of texts, as the model gives them.

    Has the parts of :class:`~framing.model.frame_model.FrameModel` that scoring uses:
    ``frames``, ``thresholds``, ``unit``, ``card``, :meth:`predict_proba`,
    :meth:`decide` and :meth:`predict`. Use :func:`load_scorer` to read one.
    """

    def __init__(self, state: dict[str, Any], *, card: dict[str, Any] | None = None):
        if state.get("version") not in _READABLE_VERSIONS:
            raise ValueError(f"scoring form version {state.get('version')}, not {STATE_VERSION}")
        self.frames: list[str] = list(state["frames"])
        self.unit: str = state["unit"]
        self.thresholds = np.asarray(state["thresholds"], dtype=float)
        self.min_frames = int(state["min_frames"])
        self.calibration = np.asarray(state["calibration"])
        self.linear = np.asarray(state["linear"], dtype=np.int64)
        self.logits = np.asarray(state["logits"], dtype=float)  # of the frames without a classifier
        self.weights = np.ascontiguousarray(state["weights"], dtype=np.float64)
        self.intercepts = np.asarray(state["intercepts"], dtype=np.float64)
        self.blocks: list[_Block | _CueBlock] = [
            _CueBlock(block) if block["kind"] == "cues" else _Block(block) for block in state["blocks"]
        ]
        relevance = state.get("relevance")
        self.relevance = (
            None
            if relevance is None
            else (np.asarray(relevance["weights"], dtype=np.float64), float(relevance["intercept"]))
        )
        self.card: dict[str, Any] = card or {}
        self._state = state  # what it pickles as: its tables are rebuilt, not shipped
        widths = np.cumsum([0] + [block.n_cols for block in self.blocks])
        if widths[-1] != self.weights.shape[0] or self.weights.shape[1] != self.linear.size:
            raise ValueError("the scoring form's weights do not fit its blocks")
        self._rows = [slice(int(a), int(b)) for a, b in pairwise(widths)]

    def __reduce__(self) -> tuple[Any, ...]:
        return (_scorer, (self._state, self.card))

    def decision(self, texts: Sequence[str]) -> np.ndarray:
        """Decision values (log-odds scale) of each frame for each text."""
        return block_decisions(texts, self.blocks, self._rows, self.weights, self.intercepts, self.logits, self.linear)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probability of each frame (columns in ``self.frames`` order) for each text."""
        if len(texts) == 0:
            return np.zeros((0, len(self.frames)))
        return apply_calibration(self.decision(texts), self.calibration)

    def proba_of_sections(
        self, texts: Sequence[str], starts: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Probabilities of each passage and of each article, and each article's relevance.

        See :func:`passage_and_section_decisions`; ``starts`` says where each
        article's passages begin in ``texts``. Relevance is None for a model
        trained without off-topic passages.
        """
        return finish_sections(self, self.blocks, self.weights, self.intercepts, texts, starts)

    def section_weights(self) -> np.ndarray:
        """The stacked weights with the relevance check's beside them (made once)."""
        stacked = self.__dict__.get("_section_weights")
        if stacked is None:
            assert self.relevance is not None
            stacked = self.__dict__["_section_weights"] = np.column_stack([self.weights, self.relevance[0]])
        return stacked

    def decide(self, proba: np.ndarray) -> np.ndarray:
        """Which frames are present, from probabilities: at or over each threshold."""
        return decide(proba, self.thresholds, self.min_frames)

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """Boolean matrix: frame present (over its threshold) for each text."""
        return self.decide(self.predict_proba(texts))


def finish_sections(
    model: Any,
    blocks: Sequence[Any],
    weights: np.ndarray,
    intercepts: np.ndarray,
    texts: Sequence[str],
    starts: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """:meth:`Scorer.proba_of_sections` for a scorer or a model: their blocks, stacked weights and intercepts."""
    relevance = model.relevance
    run_weights = weights if relevance is None else model.section_weights()
    passages, sections = passage_and_section_decisions(blocks, weights, texts, starts, run_weights=run_weights)
    linear = model.linear
    out = []
    for total in (passages, sections[:, : linear.size]):
        values = np.empty((total.shape[0], len(model.frames)))
        values[:] = model.logits[None, :]
        values[:, linear] = total + intercepts
        out.append(apply_calibration(values, model.calibration))
    relevant = None if relevance is None else sigmoid(sections[:, linear.size] + relevance[1])
    return out[0], out[1], relevant


def _scorer(state: dict[str, Any], card: dict[str, Any]) -> Scorer:
    return Scorer(state, card=card)
