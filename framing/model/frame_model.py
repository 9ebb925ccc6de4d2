"""The frame model: features, one classifier and one threshold per frame.

A model is TF-IDF features (word n-grams over Snowball stems plus character
n-grams) feeding one logistic regression per frame, with a decision threshold
per frame tuned on cross-validated predictions grouped by article. It is made by
:func:`framing.model.training.train` and saved and loaded by :mod:`framing.model.files`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.pipeline import FeatureUnion

from .._fast import kernels
from .._fast.scorer import apply_calibration, block_decisions, constant_logit, finish_sections
from .._fast.scorer import decide as _decide
from .._fast.vocab import merge_cue_counts, merge_rows, tf_table
from .config import ModelConfig
from .cues import CueLexicon

__all__ = ["FrameModel"]



def _proba(classifiers: Sequence[Any], X: Any) -> np.ndarray:
    cols = []
    for clf in classifiers:
        if isinstance(clf, float):
            cols.append(np.full(X.shape[0], clf))
        else:
            cols.append(clf.predict_proba(X)[:, 1])
    return np.column_stack(cols) if cols else np.zeros((X.shape[0], 0))


def _decision(classifiers: Sequence[Any], X: Any) -> np.ndarray:
    """Decision values (log-odds scale); a constant classifier gives its prior's logit."""
    cols = []
    for clf in classifiers:
        if isinstance(clf, float):
            cols.append(np.full(X.shape[0], constant_logit(clf)))
        else:
            cols.append(clf.decision_function(X))
    return np.column_stack(cols) if cols else np.zeros((X.shape[0], 0))


class FrameModel:
    """A trained frame model: features, one classifier and one threshold per frame.

    Use :func:`train` to make one and :func:`load_model` to read one.
    """

    def __init__(
        self,
        *,
        vectorizer: FeatureUnion,
        classifiers: list[Any],
        frames: list[str],
        thresholds: np.ndarray,
        unit: str,
        config: ModelConfig,
        card: dict[str, Any] | None = None,
        calibration: np.ndarray | None = None,
        min_frames: int | None = None,
        relevance: Any = None,
    ):
        self.calibration = calibration
        # Is a text about the story at all: a logistic regression on the same features,
        # trained on passages marked off-topic against the rest; None without such labels.
        self.relevance = relevance
        self.min_frames = int(config.at_least_one) if min_frames is None else min_frames
        self.vectorizer = vectorizer
        self.classifiers = classifiers
        self.frames = list(frames)
        self.thresholds = np.asarray(thresholds, dtype=float)
        self.unit = unit
        self.config = config
        self.card: dict[str, Any] = card or {}

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probability of each frame (columns in ``self.frames`` order) for each text."""
        if len(texts) == 0:
            return np.zeros((0, len(self.frames)))
        calibration = getattr(self, "calibration", None)  # absent in models saved before it existed
        if calibration is not None:
            return apply_calibration(self._decision_of_texts(texts), calibration)
        return _proba(self.classifiers, self.vectorizer.transform(texts))

    def _decision_of_texts(self, texts: Sequence[str]) -> np.ndarray:
        """``self._decision(self.vectorizer.transform(texts))`` without building the whole matrix.

        A feature union's blocks are multiplied by their own rows of the stacked
        weights and added, which skips stacking the blocks side by side (a
        conversion of every entry); only the order of the additions differs.
        """
        union = self.vectorizer
        linear = [j for j, clf in enumerate(self.classifiers) if not isinstance(clf, float)]
        if not isinstance(union, FeatureUnion) or union.transformer_weights or len(linear) < 2:
            return self._decision(union.transform(texts))
        blocks = [t for _, t in union.transformer_list if t not in ("drop", "passthrough")]
        if len(blocks) != len(union.transformer_list):
            return self._decision(union.transform(texts))
        if not all(isinstance(block, CueLexicon) or hasattr(block, "vocabulary_") for block in blocks):
            return self._decision(union.transform(texts))
        weights, intercepts = self._stacked_weights(linear)
        widths = np.cumsum([0] + [_width(block) for block in blocks])
        if widths[-1] != weights.shape[0]:  # not the fitted layout: the general path
            return self._decision(union.transform(texts))
        # framing's vectorizers give the product straight from the counts; other blocks their matrix times it.
        deciders = [block if hasattr(block, "decision") else _TransformBlock(block) for block in blocks]
        logits = np.array([0.0 if j in linear else constant_logit(c) for j, c in enumerate(self.classifiers)])
        rows = [slice(int(a), int(b)) for a, b in pairwise(widths)]
        return block_decisions(texts, deciders, rows, weights, intercepts, logits, linear)

    def proba_of_sections(
        self, texts: Sequence[str], starts: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Probabilities of each passage and of each article, and each article's relevance.

        An article is scored as one text made of its passages' summed counts (see
        :func:`framing._fast.scorer.passage_and_section_decisions`); ``starts`` says where
        each article's passages begin in ``texts``, then ``len(texts)``. Relevance
        (the probability that the article is about the story at all) is None for
        a model trained without off-topic passages.
        """
        linear = [j for j, clf in enumerate(self.classifiers) if not isinstance(clf, float)]
        weights, intercepts = self._stacked_weights(linear)
        calibration = getattr(self, "calibration", None)
        relevance = getattr(self, "relevance", None)
        view = _ScoringView(
            stacked=(weights, intercepts),
            frames=self.frames,
            linear=np.asarray(linear, dtype=np.int64),
            logits=np.array([0.0 if j in linear else constant_logit(c) for j, c in enumerate(self.classifiers)]),
            # An uncalibrated model's probabilities are its classifiers' own: sigmoid(decision).
            calibration=calibration if calibration is not None else np.tile([1.0, 0.0], (len(self.frames), 1)),
            relevance=None if relevance is None else (relevance.coef_.ravel(), float(relevance.intercept_[0])),
        )
        blocks = [_FittedBlock(block) for _, block in self.vectorizer.transformer_list]
        return finish_sections(view, blocks, weights, intercepts, texts, starts)

    def _stacked_weights(self, linear: list[int]) -> tuple[np.ndarray, np.ndarray]:
        stacked = self.__dict__.get("_stacked")
        if stacked is None:
            weights = np.column_stack([self.classifiers[j].coef_.ravel() for j in linear])
            intercepts = np.array([self.classifiers[j].intercept_[0] for j in linear])
            stacked = self.__dict__["_stacked"] = (weights, intercepts)
        return stacked

    def _decision(self, X: Any) -> np.ndarray:
        """Decision values of every frame in one sparse product (as ``_decision`` gives them).

        One pass over X for all frames instead of one per frame; the stacked
        coefficients are built once per process and never pickled.
        """
        linear = [j for j, clf in enumerate(self.classifiers) if not isinstance(clf, float)]
        if len(linear) < 2:
            return _decision(self.classifiers, X)
        stacked = self._stacked_weights(linear)
        out = _decision([0.5 if j in linear else clf for j, clf in enumerate(self.classifiers)], X[:, :0])
        out[:, linear] = np.asarray(X @ stacked[0]) + stacked[1]
        return out

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_stacked", None)  # rebuilt on first use
        return state

    def decide(self, proba: np.ndarray) -> np.ndarray:
        """Which frames are present, from probabilities: at or over each threshold."""
        # Models saved before min_frames existed name one frame when at_least_one.
        min_frames = getattr(self, "min_frames", int(self.config.at_least_one))
        return _decide(proba, self.thresholds, min_frames)

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """Boolean matrix: frame present (over its threshold) for each text."""
        return self.decide(self.predict_proba(texts))


@dataclass(frozen=True)
class _ScoringView:
    """What :func:`framing._fast.scorer.finish_sections` reads of a model, as a scorer has it."""

    stacked: tuple[np.ndarray, np.ndarray]
    frames: list[str]
    linear: np.ndarray
    logits: np.ndarray
    calibration: np.ndarray
    relevance: tuple[np.ndarray, float] | None

    def section_weights(self) -> np.ndarray:
        assert self.relevance is not None
        return np.column_stack([self.stacked[0], self.relevance[0]])


class _TransformBlock:
    """A feature block without a ``decision`` of its own: its matrix times the weights."""

    def __init__(self, block: Any):
        self.block = block

    def decision(self, docs: list[str], weights: np.ndarray) -> np.ndarray:
        return np.asarray(self.block.transform(docs) @ weights)


def _width(block: Any) -> int:
    """A fitted block's number of columns."""
    return len(block.cues) if isinstance(block, CueLexicon) else len(block.vocabulary_)


class _FittedBlock:
    """A fitted feature block as :func:`framing._fast.scorer.passage_and_section_decisions` uses it."""

    def __init__(self, block: Any):
        self.block = block
        self.n_cols = _width(block)

    def counts(self, docs: list[str]) -> Any:
        if isinstance(self.block, CueLexicon):
            return self.block.counts(docs)
        X = self.block._counts(docs)
        if X is None:  # scikit-learn's own counting (no compiled kernels)
            X = CountVectorizer.transform(self.block, docs)
        return X.indptr, X.indices, X.data

    def merge(self, counts: Any, starts: np.ndarray) -> Any:
        if isinstance(self.block, CueLexicon):
            return merge_cue_counts(counts, starts)
        indptr, indices, values = counts
        return merge_rows(indptr, indices, values, starts, n_cols=self.n_cols)

    def decision_of_counts(self, counts: Any, weights: np.ndarray) -> np.ndarray:
        block = self.block
        if isinstance(block, CueLexicon):
            return block.values(*counts).astype(np.float64) @ weights
        indptr, indices, values = counts
        if kernels.AVAILABLE and block.norm == "l2" and block.use_idf and block.dtype == np.float32:
            # As the block's own decision: the product straight from the counts.
            top = int(values.max()) if values.size else 0
            tf = tf_table(top, binary=block.binary, sublinear_tf=block.sublinear_tf)
            return kernels.tfidf_decision(indptr, indices, values, tf_table=tf, idf=block.idf_, weights=weights)
        X = sparse.csr_matrix((values, indices, indptr), shape=(indptr.size - 1, self.n_cols))
        if block.binary:
            X.data.fill(1)
        return np.asarray(block._tfidf.transform(X) @ weights)
