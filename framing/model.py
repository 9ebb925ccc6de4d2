"""Train, save and load frame models.

A model is TF-IDF features (word n-grams over Snowball stems plus character
n-grams) feeding one logistic regression per frame, with a decision threshold
per frame tuned on cross-validated predictions grouped by article.

A model file is a joblib pickle. Unpickling runs code, so a model is loaded
only when its sha256 matches the card written beside it at training time, and
only models you trust should be loaded at all.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import pickle
import platform
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import FeatureUnion

from . import kernels
from .atomic import check_writable, make_temp
from .cues import CueLexicon
from .errors import ModelError, OutputError, TrainingError
from .features import CharNgramVectorizer, WordNgramVectorizer
from .labels import LabelledPassage, label_counts, labels_digest
from .modelfile import FORMAT, card_path, check_model_path, read_card, read_payload, sha256_of
from .parallel import available_cores, keep_freed_memory, ordered_map
from .scorer import RELEVANT, STATE_VERSION, apply_calibration, constant_logit, finish_sections, row_groups
from .scorer import decide as _decide
from .text import StemAnalyzer, fold_words, normalize
from .vocab import join_terms, merge_rows, tf_table

__all__ = [
    "ModelConfig",
    "FrameModel",
    "train",
    "save_model",
    "load_model",
    "read_card",
    "card_path",
    "scoring_state",
    "build_vectorizer",
    "fit_features",
    "tune_thresholds",
    "fit_calibration",
    "apply_calibration",
    "infer_unit",
    "frames_of",
    "cv_groups",
    "judged_matrix",
    "library_versions",
    "MIN_POSITIVES",
]

# A frame seen fewer times than this cannot be learnt or have a threshold tuned.
MIN_POSITIVES = 3
# Median words per training text above which texts are taken to be whole articles.
ARTICLE_WORDS = 300
# Passages marked off-topic (and passages about the story) needed to learn the relevance check.
MIN_TOPIC = 10
# The relevance check's regularisation: weaker than the frames' (C=1), so that its
# probabilities spread out instead of crowding around one half (see docs/benchmarks.md).
RELEVANCE_C = 10.0


@dataclass(frozen=True)
class ModelConfig:
    """Settings of the features, the classifiers and threshold tuning."""

    word_ngram_range: tuple[int, int] = (1, 2)
    word_min_df: int = 2
    char_ngram_range: tuple[int, int] = (2, 5)
    char_min_df: int = 2
    char_max_features: int | None = 200_000
    sublinear_tf: bool = True
    C: float = 1.0
    class_weight: str | None = "balanced"
    cv_folds: int = 5
    threshold_grid: tuple[float, float, float] = (0.02, 0.98, 0.01)
    at_least_one: bool = False  # predict the top frame when none passes (article data)
    # Platt-scale each frame's decision values on out-of-fold predictions, so that
    # scores behave like probabilities (balanced class weights inflate raw ones).
    calibrate: bool = True
    # "shared": one threshold on calibrated probabilities, chosen for micro-F1;
    # "frame": each frame's own threshold, chosen for that frame's F1.
    threshold_mode: str = "shared"
    max_iter: int = 2000
    # liblinear's stopping tolerance. scikit-learn's default, 1e-4, takes about 18 passes
    # over the data on 10,000 passages where 1e-3 takes 14 (training 58 s -> 44 s) and moves
    # decision values by about 1e-4; the SemEval CV figures stay the same to four places.
    # (liblinear's own default for this solver is 0.1.)
    tol: float = 1e-3
    # Opt-in cue-lexicon features: (frame, cue phrases in any language) pairs, e.g.
    # framing.cues.cues_from_codebook(book); None (the default) adds none.
    cues: tuple[tuple[str, tuple[str, ...]], ...] | None = None


def _char_preprocessor(text: str) -> str:
    return normalize(text)


# The character block splits words on white space itself, so it may use this
# cheaper function, which gives the same words (see CharNgramVectorizer).
_char_preprocessor.same_words = fold_words  # type: ignore[attr-defined]


def build_vectorizer(config: ModelConfig) -> FeatureUnion:
    """The feature union: stemmed word n-grams and character n-grams (and cue counts with ``cues``).

    Both blocks fit as scikit-learn's ``TfidfVectorizer`` does and transform to the
    same matrices, only faster (see :mod:`framing.features`).
    """
    words = WordNgramVectorizer(
        analyzer=StemAnalyzer(ngram_range=config.word_ngram_range),
        min_df=config.word_min_df,
        sublinear_tf=config.sublinear_tf,
        dtype=np.float32,
    )
    chars = CharNgramVectorizer(
        analyzer="char_wb",
        preprocessor=_char_preprocessor,
        ngram_range=config.char_ngram_range,
        min_df=config.char_min_df,
        max_features=config.char_max_features,
        sublinear_tf=config.sublinear_tf,
        dtype=np.float32,
    )
    blocks: list[tuple[str, Any]] = [("words", words), ("chars", chars)]
    if config.cues:
        # Per-frame cue counts: the same columns whatever the text's language.
        blocks.append(("cues", CueLexicon(cues=config.cues)))
    return FeatureUnion(blocks)


def _fit_one(X: Any, y: np.ndarray, config: ModelConfig, random_state: int) -> Any:
    """One frame's logistic regression; the one label seen (a float) where ``y`` lacks a class."""
    if y.size == 0:
        return 0.0
    if y.min() == y.max():
        return float(y[0])
    clf = LogisticRegression(
        C=config.C,
        class_weight=config.class_weight,
        solver="liblinear",
        dual=True,  # far more features than samples: the dual problem is smaller
        max_iter=config.max_iter,
        tol=config.tol,
        # Seeds liblinear's process-wide RNG afresh for each fit, so a fit's result
        # does not depend on which process made it or what it fitted before.
        random_state=random_state,
    )
    return clf.fit(X, y)


def _judged_rows(judged: np.ndarray | None, j: int) -> np.ndarray | None:
    """Rows judged on frame ``j``, or None when all of them are."""
    if judged is None or judged[:, j].all():
        return None
    return np.flatnonzero(judged[:, j])


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


def fit_calibration(D: np.ndarray, Y: np.ndarray, judged: np.ndarray | None = None) -> np.ndarray:
    """Platt scaling per frame: ``p = sigmoid(a * decision + b)``; returns (frames, 2).

    Fitted on out-of-fold decision values, as scikit-learn's CalibratedClassifierCV
    does with ``ensemble=False``.
    """
    out = np.zeros((Y.shape[1], 2))
    for j in range(Y.shape[1]):
        rows = slice(None) if judged is None else judged[:, j]
        d, y = D[rows, j], Y[rows, j]
        if y.size == 0 or y.min() == y.max():
            prior = min(max(float(y.mean()) if y.size else 0.5, 1e-3), 1 - 1e-3)
            out[j] = (0.0, np.log(prior / (1 - prior)))
            continue
        platt = LogisticRegression(C=1e4).fit(d[:, None], y)
        slope = platt.coef_[0, 0]
        if slope > 0:
            out[j] = (slope, platt.intercept_[0])
        else:
            # Out of fold the classifier ranked no better than chance (tiny or
            # degenerate folds): inverting it would be wrong and its raw,
            # class-weighted probabilities are inflated, so the honest
            # probability is the frame's base rate.
            prior = min(max(float(y.mean()), 1e-3), 1 - 1e-3)
            out[j] = (0.0, np.log(prior / (1 - prior)))
    return out


def _shared_threshold(
    Y: np.ndarray, P: np.ndarray, grid: np.ndarray, min_frames: int, judged: np.ndarray | None
) -> float:
    """The one threshold maximising micro-F1; the middle of the best plateau on ties."""
    f1 = np.array([_micro_f1(Y, _decide(P, np.full(Y.shape[1], t), min_frames), judged) for t in grid])
    best = np.flatnonzero(f1 >= f1.max() - 1e-12)
    return float(grid[best[len(best) // 2]])


def _micro_f1(Y: np.ndarray, pred: np.ndarray, judged: np.ndarray | None) -> float:
    truth = Y.astype(bool) if judged is None else Y.astype(bool) & judged
    if judged is not None:
        pred = pred & judged
    tp = (pred & truth).sum()
    return float(2 * tp / max(pred.sum() + truth.sum(), 1))


# Candidates for the fewest frames named per text, where every text carries one.
MIN_FRAMES_CHOICES = (1, 2, 3)


def choose_min_frames(
    Y: np.ndarray,
    P: np.ndarray,
    thresholds_for: Any,
    judged: np.ndarray | None,
    *,
    splits: Sequence[tuple[np.ndarray, np.ndarray]] | None = None,
) -> tuple[int, np.ndarray]:
    """The fewest frames to name per text, and its thresholds, that maximise micro-F1.

    Parameters
    ----------
    Y, P : ndarray (texts, frames)
        Labels and out-of-fold probabilities.
    thresholds_for : callable
        ``thresholds_for(k, rows)`` tunes thresholds for ``k`` on the texts
        ``rows`` (``None``: all of them).
    judged : ndarray of bool, optional
        Cells that count (see :func:`judged_matrix`).
    splits : sequence of (tuning rows, scoring rows), optional
        A partition of the texts. Each ``k`` is then scored on texts its
        threshold was not tuned on, pooled over the splits. Without it, on the
        very texts it was tuned on, where a larger ``k`` can win by chance on
        small data (SemEval Russian: 0.518 against 0.531 with splits).

    Returns
    -------
    (int, ndarray)
        ``k`` (ties go to the smaller) and its thresholds tuned on all texts.
    """
    scores: dict[int, float] = {}
    for k in MIN_FRAMES_CHOICES:
        if splits is None:
            pred = _decide(P, thresholds_for(k, None), k)
        else:
            pred = np.zeros(Y.shape, dtype=bool)
            for tune_rows, test_rows in splits:
                pred[test_rows] = _decide(P[test_rows], thresholds_for(k, tune_rows), k)
        scores[k] = _micro_f1(Y, pred, judged)
    best = max(scores.values())
    k = min(k for k, f1 in scores.items() if f1 >= best - 1e-12)
    return k, thresholds_for(k, None)


def _best_threshold(y: np.ndarray, p: np.ndarray, grid: np.ndarray) -> float:
    """The threshold maximising F1; the middle of the best plateau on ties."""
    pos = y.sum()
    pred = p[None, :] >= grid[:, None]
    tp = (pred & (y[None, :] == 1)).sum(axis=1)
    fp = pred.sum(axis=1) - tp
    f1 = np.where(tp > 0, 2 * tp / np.maximum(2 * tp + fp + (pos - tp), 1), 0.0)
    best = np.flatnonzero(f1 == f1.max())
    return float(grid[best[len(best) // 2]])


def tune_thresholds(
    Y: np.ndarray, P: np.ndarray, config: ModelConfig, judged: np.ndarray | None = None, min_frames: int | None = None
) -> np.ndarray:
    """Thresholds from out-of-fold probabilities (of passages judged on each frame).

    ``config.threshold_mode == "frame"``: each frame's threshold maximises its F1.
    ``"shared"``: one threshold for all frames maximises micro-F1 (meant for
    calibrated probabilities, where one cut means the same for every frame).
    """
    low, high, step = config.threshold_grid
    grid = np.arange(low, high + step / 2, step)
    if min_frames is None:
        min_frames = int(config.at_least_one)
    if config.threshold_mode == "shared":
        return np.full(Y.shape[1], _shared_threshold(Y, P, grid, min_frames, judged))
    if judged is None:
        return np.array([_best_threshold(Y[:, j], P[:, j], grid) for j in range(Y.shape[1])])
    return np.array(
        [_best_threshold(Y[judged[:, j], j], P[judged[:, j], j], grid) for j in range(Y.shape[1])]
    )


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
        weights, intercepts = self._stacked_weights(linear)
        constant = [0.5 if j in linear else clf for j, clf in enumerate(self.classifiers)]
        out = _decision(constant, np.zeros((len(texts), 0)))
        total = np.zeros((len(texts), len(linear)))
        # Rows a group at a time: the matrices (and their float64 copies for the
        # product) of a group of at most _ROW_CHARS characters are all that is held.
        for rows in row_groups(texts):
            group = [texts[i] for i in range(rows.start, rows.stop)]
            start = 0
            for block in blocks:
                if hasattr(block, "decision") and hasattr(block, "vocabulary_"):
                    # framing's vectorizers: the product straight from the counts
                    width = len(block.vocabulary_)
                    if start + width > weights.shape[0]:  # not the fitted layout: the general path
                        return self._decision(union.transform(texts))
                    total[rows] += block.decision(group, weights[start : start + width])
                    start += width
                    continue
                Xb = block.transform(group)
                if start + Xb.shape[1] > weights.shape[0]:
                    return self._decision(union.transform(texts))
                total[rows] += np.asarray(Xb @ weights[start : start + Xb.shape[1]])
                start += Xb.shape[1]
            if start != weights.shape[0]:
                return self._decision(union.transform(texts))
        out[:, linear] = total + intercepts
        return out

    def proba_of_sections(
        self, texts: Sequence[str], starts: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Probabilities of each passage and of each article, and each article's relevance.

        An article is scored as one text made of its passages' summed counts (see
        :func:`framing.scorer.passage_and_article_decisions`); ``starts`` says where
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
    """What :func:`framing.scorer.finish_sections` reads of a model, as a scorer has it."""

    stacked: tuple[np.ndarray, np.ndarray]
    frames: list[str]
    linear: np.ndarray
    logits: np.ndarray
    calibration: np.ndarray
    relevance: tuple[np.ndarray, float] | None

    def section_weights(self) -> np.ndarray:
        assert self.relevance is not None
        return np.column_stack([self.stacked[0], self.relevance[0]])


def _width(block: Any) -> int:
    """A fitted block's number of columns."""
    return len(block.cues) if isinstance(block, CueLexicon) else len(block.vocabulary_)


class _FittedBlock:
    """A fitted feature block as :func:`framing.scorer.passage_and_article_decisions` uses it."""

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
            matches, stems = counts
            return np.add.reduceat(matches, starts[:-1], axis=0), np.add.reduceat(stems, starts[:-1])
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


def _label_matrix(passages: Sequence[LabelledPassage], frames: Sequence[str]) -> np.ndarray:
    index = {f: j for j, f in enumerate(frames)}
    Y = np.zeros((len(passages), len(frames)), dtype=np.int8)
    for i, p in enumerate(passages):
        for f in p.frames:
            if f in index:
                Y[i, index[f]] = 1
    return Y


def judged_matrix(passages: Sequence[LabelledPassage], frames: Sequence[str]) -> np.ndarray | None:
    """Which frames each passage was judged on (passages x frames), or None when all of them.

    None keeps training on fully judged labels exactly as it was (and as fast).
    A frame a passage carries counts as judged whatever its ``judged`` says.
    """
    if all(p.judged is None for p in passages):
        return None
    index = {f: j for j, f in enumerate(frames)}
    J = np.ones((len(passages), len(frames)), dtype=bool)
    for i, p in enumerate(passages):
        if p.judged is not None:
            J[i] = False
            for f in (*p.judged, *p.frames):
                if f in index:
                    J[i, index[f]] = True
    return None if J.all() else J


def infer_unit(passages: Sequence[LabelledPassage]) -> str:
    """``"article"`` when the median training text is article-length, else ``"passage"``."""
    words = np.median([len(p.text.split()) for p in passages])
    return "article" if words > ARTICLE_WORDS else "passage"


def cv_groups(passages: Sequence[LabelledPassage], unit: str) -> list[str]:
    """Cross-validation groups: each article alone, or a seed article's passages together."""
    return [p.id if unit == "article" else p.group for p in passages]


def frames_of(passages: Sequence[LabelledPassage]) -> list[str]:
    """Frames present in the labels, in order of first appearance."""
    return list(dict.fromkeys(f for p in passages for f in p.frames))


def _cv_splits(groups: Sequence[str], config: ModelConfig, random_state: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The grouped cross-validation folds of the texts: (training rows, held-out rows) each."""
    folds = min(config.cv_folds, len(set(groups)))
    if folds < 2:
        raise TrainingError("need passages from at least two articles to tune thresholds")
    splitter = GroupKFold(n_splits=folds, shuffle=True, random_state=random_state)
    return list(splitter.split(np.zeros(len(groups)), groups=groups))


@dataclass(frozen=True)
class _FitRun:
    """What every classifier fit of one training run reads."""

    X: Any
    Y: np.ndarray
    judged: np.ndarray | None
    # Per fold: training rows (train-only rows included) and held-out rows.
    splits: list[tuple[np.ndarray, np.ndarray]]
    config: ModelConfig
    random_state: int


# The training run being fitted, in this process. Set before the workers fork,
# so they share the feature matrix's pages instead of each receiving a copy; the
# tasks sent to them are (fold, frame) pairs only.
_RUN: dict[str, _FitRun] = {}
# This process's rows of its latest fold: a worker takes tasks in order, so
# consecutive tasks mostly share a fold and copy its rows once.
_FOLD_ROWS: dict[str, Any] = {}


def _set_run(run: _FitRun | None) -> None:
    _FOLD_ROWS.clear()
    _RUN.clear()
    if run is not None:
        _RUN["run"] = run
        if multiprocessing.parent_process() is not None:  # a fit worker, which ends with the training
            keep_freed_memory()


def _fit_task(task: tuple[int, int]) -> Any:
    """Fit frame ``j`` on fold ``fold``'s training rows, or on every row when ``fold`` is -1.

    Returns the classifier of a fit on every row; of a fold's fit, only its
    decision values (or probabilities) on the fold's held-out rows, which are
    small to send back.
    """
    fold, j = task
    run = _RUN["run"]
    if _FOLD_ROWS.get("fold") != fold:
        _FOLD_ROWS.clear()  # free the previous fold's copy before making the next
        if fold < 0:
            X_fit, X_test, Y, judged = run.X, None, run.Y, run.judged
        else:
            train_idx, test_idx = run.splits[fold]
            X_fit, X_test, Y = run.X[train_idx], run.X[test_idx], run.Y[train_idx]
            judged = None if run.judged is None else run.judged[train_idx]
        _FOLD_ROWS.update(fold=fold, X_fit=X_fit, X_test=X_test, Y=Y, judged=judged)
    X_fit, Y = _FOLD_ROWS["X_fit"], _FOLD_ROWS["Y"]
    rows = _judged_rows(_FOLD_ROWS["judged"], j)
    if rows is None:
        clf = _fit_one(X_fit, Y[:, j], run.config, run.random_state)
    else:
        clf = _fit_one(X_fit[rows], Y[rows, j], run.config, run.random_state)
    if fold < 0:
        return clf
    # Decision values when calibrating (Platt works on the log-odds scale).
    values = _decision if run.config.calibrate else _proba
    return values([clf], _FOLD_ROWS["X_test"])[:, 0]


# Below this many stored values (nonzeros) of X a training run fits in this
# process by default: its fits take less time than starting workers would save.
_PARALLEL_MIN_NNZ = 200_000


def _fit_all(
    X: Any,
    Y: np.ndarray,
    groups: Sequence[str],
    config: ModelConfig,
    random_state: int,
    judged: np.ndarray | None = None,
    *,
    final: bool = True,
    jobs: int | None = 1,
) -> tuple[np.ndarray, list[Any]]:
    """Out-of-fold values of the first ``len(groups)`` rows, and the classifiers fitted on all rows.

    Every (fold, frame) fit, and with ``final`` every frame's fit on all rows, is
    an independent task run in ``jobs`` processes (``None``: all cores, or this
    process alone for a small ``X``). Each fit is seeded with ``random_state``
    itself, so the results are the same bits whatever ``jobs`` is.

    Rows of ``X``, ``Y`` and ``judged`` past ``len(groups)`` are train-only
    passages (``train(extra=...)``): they join every fold's training part and
    are never held out.
    """
    n = len(groups)
    always = np.arange(n, Y.shape[0])
    splits = [
        (np.concatenate([train_idx, always]) if always.size else train_idx, test_idx)
        for train_idx, test_idx in _cv_splits(groups, config, random_state)
    ]
    frames = range(Y.shape[1])
    # Fits on every row first: they are the longest, and starting them early
    # leaves short ones to even out the workers' loads at the end.
    tasks = [(-1, j) for j in frames] if final else []
    tasks += [(fold, j) for fold in range(len(splits)) for j in frames]
    if jobs is None:
        jobs = available_cores() if X.nnz >= _PARALLEL_MIN_NNZ else 1
    if jobs < 1:
        raise TrainingError(f"jobs must be at least 1, not {jobs}")
    run = _FitRun(X=X, Y=Y, judged=judged, splits=splits, config=config, random_state=random_state)
    try:
        results = list(
            ordered_map(
                _fit_task,
                tasks,
                jobs=min(jobs, len(tasks)),
                initializer=_set_run,
                initargs=(run,),
                in_flight=len(tasks),  # tasks are index pairs: no worker waits behind a slow fit
                what="training",
            )
        )
    finally:
        _set_run(None)  # the one-process path ran here: drop its references to X
    classifiers = results[: Y.shape[1]] if final else []
    P = np.zeros((n, Y.shape[1]), dtype=float)
    by_task = dict(zip(tasks, results))
    for fold, (_, test_idx) in enumerate(splits):
        for j in frames:
            P[test_idx, j] = by_task[fold, j]
    return P, classifiers


def _out_of_fold(
    X: Any,
    Y: np.ndarray,
    groups: Sequence[str],
    config: ModelConfig,
    random_state: int,
    judged: np.ndarray | None = None,
    *,
    jobs: int | None = 1,
) -> np.ndarray:
    """Out-of-fold decision values (or probabilities) of the first ``len(groups)`` rows.

    Rows of ``X``, ``Y`` and ``judged`` past ``len(groups)`` are train-only
    passages (``train(extra=...)``): they join every fold's training part and
    are never held out. See :func:`_fit_all`.
    """
    return _fit_all(X, Y, groups, config, random_state, judged, final=False, jobs=jobs)[0]


# Below this many characters of training text the feature blocks are fitted in this
# process by default: starting a worker and sending a block's matrix back cost more.
_PARALLEL_MIN_CHARS = 2_000_000
_BLOCK_RUN: dict[str, Any] = {}


def _set_block_run(union: FeatureUnion | None, texts: Sequence[str] | None) -> None:
    _BLOCK_RUN.clear()
    if union is not None:
        _BLOCK_RUN.update(union=union, texts=texts)


def _fit_block(i: int) -> tuple[Any, Any]:
    block = _BLOCK_RUN["union"].transformer_list[i][1]
    return block, sparse.csr_matrix(block.fit_transform(_BLOCK_RUN["texts"]))


def fit_features(union: FeatureUnion, texts: Sequence[str], *, jobs: int | None = None) -> sparse.csr_matrix:
    """Fit the feature blocks of ``union`` on ``texts``: the matrix ``union.fit_transform`` gives, as CSR.

    With ``jobs`` above 1 (``None``: all cores for a large input), each block
    (word n-grams, character n-grams, ...) is fitted in its own forked process
    and the fitted blocks replace those of ``union``; the matrix and the fitted
    blocks are the same as fitting them one after the other here.
    """
    blocks = union.transformer_list
    if jobs is None:
        jobs = available_cores() if sum(map(len, texts)) >= _PARALLEL_MIN_CHARS else 1
    if jobs <= 1 or len(blocks) < 2 or union.transformer_weights:
        return sparse.csr_matrix(union.fit_transform(texts))
    try:
        fitted = list(
            ordered_map(
                _fit_block,
                range(len(blocks)),
                jobs=min(jobs, len(blocks)),
                initializer=_set_block_run,
                initargs=(union, texts),
                in_flight=len(blocks),
                what="feature fitting",
            )
        )
    finally:
        _set_block_run(None, None)
    union.transformer_list = [(name, block) for (name, _), (block, _) in zip(blocks, fitted)]
    return sparse.hstack([X for _, X in fitted], format="csr")


def train(
    passages: Sequence[LabelledPassage],
    *,
    frames: Sequence[str] | None = None,
    config: ModelConfig | None = None,
    unit: str = "auto",
    random_state: int = 0,
    extra: Sequence[LabelledPassage] = (),
    jobs: int | None = None,
) -> FrameModel:
    """Train a frame model on labelled passages.

    Parameters
    ----------
    passages : sequence of LabelledPassage
        The training labels. Each frame learns, and has its threshold tuned,
        only on the passages judged on it (``LabelledPassage.judged``).
    frames : sequence of str, optional
        The frame set (a codebook's ids); default: the frames the labels contain.
    config : ModelConfig, optional
        Feature and classifier settings.
    unit : {"auto", "passage", "article"}
        What the labels are; ``auto`` decides from the texts' median length.
    random_state : int, default=0
        Seeds the cross-validation folds and the solvers.
    extra : sequence of LabelledPassage, optional
        Train-only passages (e.g. labels in another language): they join the
        classifiers' training in every inner fold and in the final fit, but are
        never held out, so calibration, thresholds and ``min_frames`` are tuned
        on ``passages`` alone. Frames they carry outside the frame set are ignored.
    jobs : int, optional
        Processes fitting the classifiers (frames x folds, each fit on its own);
        default: all cores, or this process alone for small data. The model is
        the same whatever it is.

    Returns
    -------
    FrameModel
        With ``card`` holding frames, counts, thresholds and cross-validated metrics.

    Raises
    ------
    TrainingError
        When a frame has fewer than ``MIN_POSITIVES`` positive passages, or
        ``jobs`` is below 1.
    framing.parallel.WorkerError
        When a fitting process dies (killed, or out of memory).

    Notes
    -----
    Out-of-fold decision values come from a
    :class:`~sklearn.model_selection.GroupKFold` over articles (a seed article's
    passages never sit on both sides). Each frame's values are Platt-scaled into
    probabilities on them, and the thresholds are tuned on those probabilities
    (see ``ModelConfig.threshold_mode``). The vectorizer is fitted once on all
    training texts and shared by the folds: it sees no labels, and refitting it
    per fold would multiply training time for little change in the thresholds.
    """
    config = config or ModelConfig()
    if jobs is not None and jobs < 1:  # before the minutes of feature extraction
        raise TrainingError(f"jobs must be at least 1, not {jobs}")
    if not passages:
        raise TrainingError("no labelled passages to train on")
    # Off-topic passages teach the relevance check what the story is not; the frames
    # learn from passages about the story (and those that do not say).
    off_topic = [p for p in [*passages, *extra] if p.topic == "off"]
    if off_topic:
        passages = [p for p in passages if p.topic != "off"]
        extra = [p for p in extra if p.topic != "off"]
        if not passages:
            raise TrainingError("every labelled passage is marked off-topic; nothing to learn frames from")
    frame_list = list(frames) if frames is not None else frames_of(passages)
    if not frame_list:
        raise TrainingError("the labels carry no frames at all; nothing to learn")
    Y = _label_matrix(passages, frame_list)
    extra = list(extra)
    # Train-only rows go after the passages' (_out_of_fold never holds them out);
    # they count towards the positives a classifier needs.
    Y_fit = np.vstack([Y, _label_matrix(extra, frame_list)]) if extra else Y
    counts = Y_fit.sum(axis=0)
    thin = [f"{f} ({int(c)})" for f, c in zip(frame_list, counts) if c < MIN_POSITIVES]
    if thin:
        raise TrainingError(
            f"too few positive passages (need {MIN_POSITIVES}) for: {', '.join(thin)}; "
            "label more or drop the frame"
        )
    judged = judged_matrix(passages, frame_list)
    judged_fit = judged_matrix([*passages, *extra], frame_list) if extra else judged
    negatives = (len(Y_fit) if judged_fit is None else judged_fit.sum(axis=0)) - counts
    if (negatives < 1).any():
        full = [f for f, n in zip(frame_list, negatives) if n < 1]
        raise TrainingError(f"every passage carries {', '.join(full)}; need negative examples too")
    if unit == "auto":
        unit = infer_unit(passages)
    if unit not in ("passage", "article"):
        raise TrainingError(f"unit must be 'passage', 'article' or 'auto', not {unit!r}")
    if config.at_least_one is False and unit == "article" and all(p.frames for p in passages):
        # Article collections where every text carries a frame (as in the
        # SemEval data) are scored best by always naming at least one.
        config = ModelConfig(**{**asdict(config), "at_least_one": True})

    texts = [p.text for p in passages] + [p.text for p in extra] + [p.text for p in off_topic]
    groups = cv_groups(passages, unit)
    vectorizer = build_vectorizer(config)
    X = fit_features(vectorizer, texts, jobs=jobs)
    # Canonical (sorted) indices once, here: LogisticRegression's liblinear path
    # calls X.max(), which would otherwise sort every fold's copy of the rows.
    X.sum_duplicates()
    X_fit = X[: len(Y_fit)] if off_topic else X
    P, classifiers = _fit_all(X_fit, Y_fit, groups, config, random_state, judged_fit, jobs=jobs)
    relevance, topic_counts = _fit_relevance(
        X, [*passages, *extra, *off_topic], unit=unit, config=config, random_state=random_state
    )
    calibration = fit_calibration(P, Y, judged) if config.calibrate else None
    if calibration is not None:
        P = apply_calibration(P, calibration)
    if config.at_least_one:

        def thresholds_for(k: int, rows: np.ndarray | None) -> np.ndarray:
            if rows is None:
                return tune_thresholds(Y, P, config, judged, min_frames=k)
            return tune_thresholds(Y[rows], P[rows], config, None if judged is None else judged[rows], min_frames=k)

        # k is chosen on texts its threshold was not tuned on: the inner folds again.
        splits = _cv_splits(groups, config, random_state)
        min_frames, thresholds = choose_min_frames(Y, P, thresholds_for, judged, splits=splits)
    else:
        min_frames, thresholds = 0, tune_thresholds(Y, P, config, judged)
    model = FrameModel(
        vectorizer=vectorizer,
        classifiers=classifiers,
        frames=frame_list,
        thresholds=thresholds,
        unit=unit,
        config=config,
        calibration=calibration,
        min_frames=min_frames,
        relevance=relevance,
    )
    from .evaluate import scores_from_predictions  # evaluate imports model

    Y_true, Y_pred = Y.astype(bool), model.decide(P)
    if judged is not None:  # a passage not judged on a frame is neither a hit nor a miss for it
        Y_true, Y_pred = Y_true & judged, Y_pred & judged
    oof = scores_from_predictions(Y_true, Y_pred, frame_list)
    model.card = {
        "format": FORMAT,
        "unit": unit,
        "frames": frame_list,
        "thresholds": {f: round(float(t), 4) for f, t in zip(frame_list, thresholds)},
        "min_frames": min_frames,
        "label_counts": label_counts(passages, frame_list),
        "labels_sha256": labels_digest(passages),
        "config": asdict(config),
        "random_state": random_state,
        "features": int(X.shape[1]),
        "cv_metrics": {
            "note": "out-of-fold, grouped by article, with thresholds tuned on the same folds "
            "(optimistic); 'framing evaluate --cv' gives an unbiased figure",
            "folds": min(config.cv_folds, len(set(groups))),
            **oof,
        },
        "versions": library_versions(),
    }
    if judged is not None:
        model.card["judged"] = {f: int(n) for f, n in zip(frame_list, judged.sum(axis=0))}
    if relevance is not None:
        model.card["relevance"] = {**topic_counts, "threshold": RELEVANT}
    if extra:
        model.card["extra_training"] = {
            "passages": len(extra),
            "label_counts": label_counts(extra, frame_list),
            "labels_sha256": labels_digest(extra),
        }
    return model


def _fit_relevance(
    X: Any, passages: Sequence[LabelledPassage], *, unit: str, config: ModelConfig, random_state: int
) -> tuple[Any, dict[str, int]]:
    """The relevance check: passages about the story (a frame, or topic "on") against topic "off" ones.

    None (and no counts) for article models, or with fewer than ``MIN_TOPIC``
    passages on either side; passages that say nothing of their topic and carry
    no frame take no part.
    """
    on = np.array([bool(p.frames) or p.topic == "on" for p in passages])
    off = np.array([p.topic == "off" for p in passages])
    if unit != "passage" or on.sum() < MIN_TOPIC or off.sum() < MIN_TOPIC:
        return None, {}
    rows = np.flatnonzero(on | off)
    clf = _fit_one(X[rows], on[rows].astype(int), replace(config, C=RELEVANCE_C), random_state)
    return clf, {"on": int(on.sum()), "off": int(off.sum())}


def library_versions() -> dict[str, str]:
    """Versions of the libraries a model file depends on."""
    from importlib.metadata import version

    import joblib
    import scipy
    import sklearn

    from . import __version__

    return {
        "framing": __version__,
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "nltk": version("nltk"),  # not nltk.__version__: importing nltk whole takes seconds
        "joblib": joblib.__version__,
    }


def scoring_state(model: FrameModel) -> dict[str, Any] | None:
    """The model's scoring form (read by :class:`framing.scorer.Scorer`), or None where it has none.

    Plain arrays and Python: each block's vocabulary, idf and tf-idf settings,
    the stacked weights, intercepts, calibration and thresholds. A model has
    one when it is calibrated, has at least two fitted classifiers and its
    features are framing's own word and character blocks with the usual tf-idf
    settings; its scores are then the model's own, bit for bit.
    """
    union = model.vectorizer
    calibration = getattr(model, "calibration", None)
    linear = [j for j, clf in enumerate(model.classifiers) if not isinstance(clf, float)]
    if calibration is None or not isinstance(union, FeatureUnion) or union.transformer_weights or len(linear) < 2:
        return None
    blocks: list[dict[str, Any]] = []
    for _, block in union.transformer_list:
        if isinstance(block, CueLexicon):
            phrases = [[" ".join(p) for p in column] for column in block.phrases()]
            blocks.append({"kind": "cues", "phrases": phrases, "scale": getattr(block, "scale", "log")})
            continue
        if not (
            isinstance(block, (CharNgramVectorizer, WordNgramVectorizer))
            and hasattr(block, "vocabulary_")
            and block.norm == "l2"
            and block.use_idf
            and block.dtype == np.float32
            and block.input == "content"
        ):
            return None
        terms = join_terms(block.vocabulary_)
        if terms is None:
            return None
        common = {
            "terms": terms,
            "idf": np.asarray(block.idf_),
            "binary": bool(block.binary),
            "sublinear_tf": bool(block.sublinear_tf),
        }
        if isinstance(block, CharNgramVectorizer):
            # The scorer folds text with fold_words, the character block's own preprocessing.
            if block.analyzer != "char_wb" or getattr(block.preprocessor, "same_words", None) is not fold_words:
                return None
            if block._get_lookup() is None:
                return None
            blocks.append({"kind": "char_wb", "ngram_range": tuple(block.ngram_range), **common})
        else:
            if block._get_stem_lookup() is None:
                return None
            analyzer = block.analyzer
            blocks.append({"kind": "stems", "ngram_range": analyzer.ngram_range, "analyzer": analyzer, **common})
    weights, intercepts = model._stacked_weights(linear)
    if sum(_width(block) for _, block in union.transformer_list) != weights.shape[0]:
        return None
    relevance = getattr(model, "relevance", None)
    return {
        "version": STATE_VERSION,
        "frames": list(model.frames),
        "unit": model.unit,
        "thresholds": np.asarray(model.thresholds, dtype=float),
        "min_frames": int(getattr(model, "min_frames", int(model.config.at_least_one))),
        "calibration": np.asarray(calibration),
        "linear": linear,
        "logits": [0.0 if j in linear else constant_logit(clf) for j, clf in enumerate(model.classifiers)],
        "weights": weights,
        "intercepts": intercepts,
        "blocks": blocks,
        "relevance": None
        if relevance is None
        else {"weights": relevance.coef_.ravel().astype(np.float64), "intercept": float(relevance.intercept_[0])},
    }


def save_model(
    model: FrameModel, path: str | Path, *, force: bool = False, extra_card: dict[str, Any] | None = None
) -> Path:
    """Write the model and its JSON card beside it; return the card's path.

    The file holds the model and its scoring form (see :mod:`framing.modelfile`).
    Both files are written to temporary names and renamed into place only when
    both are complete, so a failed save leaves any older model as it was.
    """
    import joblib

    path = check_model_path(path)
    card_file = card_path(path)
    check_writable(path, force=force)
    check_writable(card_file, force=force)
    card = {**model.card, **(extra_card or {})}
    card["format"] = FORMAT
    card["created"] = datetime.now(UTC).isoformat(timespec="seconds")
    card["model_file"] = path.name
    model.card = card
    # The model is pickled into bytes of its own, so that scoring reads the file
    # without unpickling it (and without importing scikit-learn).
    state = scoring_state(model)
    card["scoring_form"] = state is not None
    payload = {"format": FORMAT, "model": pickle.dumps(model, protocol=5), "scorer": state}
    tmp_model = tmp_card = None
    try:
        fd, tmp_model = make_temp(path)
        os.close(fd)
        joblib.dump(payload, tmp_model, compress=3)
        card["model_sha256"] = sha256_of(tmp_model)
        fd, tmp_card = make_temp(card_file)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(card, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
        os.replace(tmp_model, path)
        os.replace(tmp_card, card_file)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write model ({exc.strerror or exc})") from None
    finally:
        for tmp in (tmp_model, tmp_card):
            if tmp is not None:
                tmp.unlink(missing_ok=True)
    return card_file


def load_model(path: str | Path) -> FrameModel:
    """Load a model after checking it against its card.

    The file's sha256 must equal the card's before a byte is unpickled, and the
    scikit-learn version must match the one it was trained with. To score, the
    lighter :func:`framing.scorer.load_scorer` reads only the scoring form.

    Raises
    ------
    ModelError
        Missing file or card, changed or truncated file, other scikit-learn version.
    """
    payload, card = read_payload(path)
    return model_of_payload(payload, card, path)


def model_of_payload(payload: dict[str, Any], card: dict[str, Any], path: str | Path) -> FrameModel:
    """The model a checked model file holds (see :func:`framing.modelfile.read_payload`)."""
    model = payload.get("model")
    if isinstance(model, bytes):
        try:
            model = pickle.loads(model)
        except Exception as exc:  # any unpickling failure means a damaged file
            raise ModelError(f"{path}: cannot load model ({type(exc).__name__}); retrain it") from None
    if not isinstance(model, FrameModel):
        raise ModelError(f"{path}: not a framing model")
    model.card = card
    _use_fast_blocks(model.vectorizer)
    return model


def _use_fast_blocks(vectorizer: Any) -> None:
    """Give feature blocks saved as plain ``TfidfVectorizer`` (models trained before
    framing had its own) the fast subclasses, which transform to the same matrices.
    """
    for _, block in getattr(vectorizer, "transformer_list", []):
        if type(block) is TfidfVectorizer and hasattr(block, "vocabulary_"):
            if block.analyzer == "char_wb":
                block.__class__ = CharNgramVectorizer
            elif type(block.analyzer) is StemAnalyzer:
                block.__class__ = WordNgramVectorizer

