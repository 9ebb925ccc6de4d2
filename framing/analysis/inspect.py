"""What a model has learnt: the strongest terms of each frame's classifier, per language (``framing inspect``)."""

from __future__ import annotations

import re

import numpy as np

from ..model.frame_model import FrameModel
from .explain import feature_names

__all__ = ["strongest_terms", "term_language"]

_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LETTER = re.compile(r"[^\W\d_]")


def term_language(term: str) -> str | None:
    """``"ru"`` for a term with Cyrillic letters, ``"en"`` for other letters, None for none.

    Examples
    --------
    >>> term_language("санкц"), term_language("sanction"), term_language(", ")
    ('ru', 'en', None)
    """
    if _CYRILLIC.search(term):
        return "ru"
    return "en" if _LETTER.search(term) else None


def strongest_terms(model: FrameModel, *, top: int = 10) -> dict[str, dict[str, dict[str, list[tuple[str, float]]]]]:
    """The terms with the largest positive and negative coefficients per frame and language.

    A term's language is its script's (Cyrillic: ``ru``; other letters: ``en``);
    terms without letters (character n-grams of punctuation and spaces) are left out.
    Features of other blocks than words and characters (the language-independent
    cue counts of ``ModelConfig(cues=...)``) are listed under ``"any"``.

    Returns
    -------
    dict
        ``{frame: {language: {"up": [(term, coefficient), ...], "down": [...]}}}``,
        strongest first; a frame whose classifier is a constant has no terms.
    """
    names, kinds = feature_names(model)
    languages = np.array(
        [term_language(str(n)) if k in ("words", "chars") else "any" for n, k in zip(names, kinds)], dtype=object
    )
    out: dict[str, dict[str, dict[str, list[tuple[str, float]]]]] = {}
    for frame, clf in zip(model.frames, model.classifiers):
        per_language: dict[str, dict[str, list[tuple[str, float]]]] = {}
        if not isinstance(clf, float):
            coef = np.asarray(clf.coef_[0], dtype=float)
            for language in ("en", "ru", "any"):
                cols = np.flatnonzero(languages == language)
                if language == "any" and not cols.size:
                    continue
                order = cols[np.argsort(-coef[cols], kind="stable")]
                up = [(str(names[k]), float(coef[k])) for k in order[:top] if coef[k] > 0]
                down = [(str(names[k]), float(coef[k])) for k in order[::-1][:top] if coef[k] < 0]
                per_language[language] = {"up": up, "down": down}
        out[frame] = per_language
    return out
