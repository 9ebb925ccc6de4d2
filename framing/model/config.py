"""A model's settings: the features, the classifiers and threshold tuning, and the feature union they build."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.pipeline import FeatureUnion

from .._fast.vectorizers import CharNgramVectorizer, WordNgramVectorizer
from ..core.text import StemAnalyzer, fold_words, normalize
from ..labels.store import MIN_POSITIVES
from .cues import CueLexicon

__all__ = ["ARTICLE_WORDS", "MIN_POSITIVES", "ModelConfig", "build_vectorizer"]


# Median words per training text above which texts are taken to be whole articles.
ARTICLE_WORDS = 300


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
    # liblinear's stopping tolerance. scikit-learn's default, 1e-4, takes more passes over
    # the data for decision values that differ by about 1e-4; the SemEval CV figures stay the
    # same to four places (training time: scripts/bench_speed.py).
    # (liblinear's own default for this solver is 0.1.)
    tol: float = 1e-3
    # Opt-in cue-lexicon features: (frame, cue phrases in any language) pairs, e.g.
    # framing.model.cues.cues_from_codebook(book); None (the default) adds none.
    cues: tuple[tuple[str, tuple[str, ...]], ...] | None = None


def _char_preprocessor(text: str) -> str:
    return normalize(text)


# The character block splits words on white space itself, so it may use this
# cheaper function, which gives the same words (see CharNgramVectorizer).
_char_preprocessor.same_words = fold_words  # type: ignore[attr-defined]


def build_vectorizer(config: ModelConfig) -> FeatureUnion:
    """The feature union: stemmed word n-grams and character n-grams (and cue counts with ``cues``).

    Both blocks fit as scikit-learn's ``TfidfVectorizer`` does and transform to the
    same matrices, only faster (see :mod:`framing._fast.vectorizers`).
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
