"""Train a frame model: features, one classifier per frame fitted over grouped folds, calibration, thresholds.

The (fold, frame) fits are independent tasks, run in worker processes (:mod:`framing._fast.pool`)
on a feature matrix the workers share; the model is the same whatever the number of processes.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import FeatureUnion

from .._fast.pool import available_cores, keep_freed_memory, ordered_map
from .._fast.scorer import RELEVANT, apply_calibration
from .._fast.scorer import decide as _decide
from ..core.errors import TrainingError
from ..core.metrics import f1_from_counts, logit, micro_f1, scores_from_predictions
from ..labels.store import MIN_POSITIVES, LabelledPassage, label_counts, labels_digest
from .config import ARTICLE_WORDS, ModelConfig, build_vectorizer
from .files import FORMAT, library_versions
from .frame_model import FrameModel, _decision, _proba

__all__ = [
    "train",
    "fit_features",
    "tune_thresholds",
    "fit_calibration",
    "choose_min_frames",
    "cv_groups",
    "frames_of",
    "infer_unit",
    "judged_matrix",
    "label_matrix",
]

# Passages marked off-topic (and passages about the story) needed to learn the relevance check.
MIN_TOPIC = 10
# The relevance check's regularisation: weaker than the frames' (C=1), so that its
# probabilities spread out instead of crowding around one half (see docs/benchmarks.md).
RELEVANCE_C = 10.0


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
            out[j] = (0.0, logit(float(y.mean()) if y.size else 0.5, eps=1e-3))
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
            out[j] = (0.0, logit(float(y.mean()), eps=1e-3))
    return out


def _shared_threshold(
    Y: np.ndarray, P: np.ndarray, grid: np.ndarray, min_frames: int, judged: np.ndarray | None
) -> float:
    """The one threshold maximising micro-F1; the middle of the best plateau on ties."""
    f1 = np.array([micro_f1(Y, _decide(P, np.full(Y.shape[1], t), min_frames), judged) for t in grid])
    best = np.flatnonzero(f1 >= f1.max() - 1e-12)
    return float(grid[best[len(best) // 2]])


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
        scores[k] = micro_f1(Y, pred, judged)
    best = max(scores.values())
    k = min(k for k, f1 in scores.items() if f1 >= best - 1e-12)
    return k, thresholds_for(k, None)


def _best_threshold(y: np.ndarray, p: np.ndarray, grid: np.ndarray) -> float:
    """The threshold maximising F1; the middle of the best plateau on ties."""
    pos = y.sum()
    pred = p[None, :] >= grid[:, None]
    tp = (pred & (y[None, :] == 1)).sum(axis=1)
    fp = pred.sum(axis=1) - tp
    f1 = f1_from_counts(tp, fp, pos - tp)
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


def label_matrix(passages: Sequence[LabelledPassage], frames: Sequence[str]) -> np.ndarray:
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
    framing._fast.pool.WorkerError
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
    Y = label_matrix(passages, frame_list)
    extra = list(extra)
    # Train-only rows go after the passages' (_out_of_fold never holds them out);
    # they count towards the positives a classifier needs.
    Y_fit = np.vstack([Y, label_matrix(extra, frame_list)]) if extra else Y
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
