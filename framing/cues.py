"""Cue-lexicon features: per frame, how often a text uses the codebook's cue phrases.

The codebook lists cue phrases for each frame in English and in Russian. Both
languages' phrases count towards the same column, so the features mean the same
in either language: a model trained on English passages alone can use them on
Russian text. Phrases and texts are matched as sequences of Snowball stems
(function words dropped, ``ё`` folded), as the word features are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from scipy import sparse

from .text import StemAnalyzer

__all__ = ["CueLexicon", "cues_from_codebook"]

Cues = tuple[tuple[str, tuple[str, ...]], ...]


def cues_from_codebook(codebook: Any) -> Cues:
    """``ModelConfig(cues=...)`` from a codebook: each frame's English and Russian cue phrases.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> book = NS(frames=[NS(id="econ", cues_en=("sanctions",), cues_ru=("санкции",))])
    >>> cues_from_codebook(book)
    (('econ', ('sanctions', 'санкции')),)
    """
    return tuple((f.id, (*f.cues_en, *f.cues_ru)) for f in codebook.frames)


class CueLexicon:
    """A scikit-learn transformer: texts -> per-frame cue counts, ``log(1 + count)``.

    Parameters
    ----------
    cues : tuple of (frame, phrases)
        Each frame's cue phrases, in any language.

    Examples
    --------
    >>> lex = CueLexicon(cues=(("econ", ("oil exports", "нефть")), ("war", ("troops",))))
    >>> X = lex.fit([]).transform(["Oil exports fell; oil exports rose.", "Нефти нет"])
    >>> (X.toarray() * 1000).round().astype(int).tolist()  # log(1 + 2), log(1 + 1)
    [[1099, 0], [693, 0]]
    >>> list(lex.get_feature_names_out())
    ['cue:econ', 'cue:war']
    """

    def __init__(self, *, cues: Cues = ()):
        self.cues = cues

    def _patterns(self) -> list[list[tuple[str, ...]]]:
        analyzer = StemAnalyzer(ngram_range=(1, 1))
        out = []
        for _, phrases in self.cues:
            stems = {tuple(analyzer(p)) for p in phrases}
            out.append(sorted(s for s in stems if s))
        return out

    def fit(self, texts: Iterable[str] = (), y: Any = None) -> CueLexicon:
        """Nothing to learn: the lexicon is fixed. Returns self."""
        self.patterns_ = self._patterns()
        return self

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """One row per text, one column per frame: ``log(1 + matches)``."""
        patterns = getattr(self, "patterns_", None) or self._patterns()
        analyzer = StemAnalyzer(ngram_range=(1, 1))
        rows = np.zeros((len(texts), len(patterns)), dtype=np.float32)
        for i, text in enumerate(texts):
            stems = analyzer(text)
            grams: dict[tuple[str, ...], int] = {}
            lengths = {len(p) for ps in patterns for p in ps}
            for n in lengths:
                for k in range(len(stems) - n + 1):
                    gram = tuple(stems[k : k + n])
                    grams[gram] = grams.get(gram, 0) + 1
            for j, phrases in enumerate(patterns):
                rows[i, j] = np.log1p(sum(grams.get(p, 0) for p in phrases))
        return sparse.csr_matrix(rows)

    def fit_transform(self, texts: Sequence[str], y: Any = None) -> sparse.csr_matrix:
        """Fit (nothing to learn) and transform."""
        return self.fit(texts).transform(texts)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """``cue:FRAME`` for each frame's column."""
        return np.array([f"cue:{frame}" for frame, _ in self.cues], dtype=object)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Parameters, for scikit-learn's cloning."""
        return {"cues": self.cues}

    def set_params(self, **params: Any) -> CueLexicon:
        """Set parameters, for scikit-learn."""
        for key, value in params.items():
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        return f"CueLexicon(frames={len(self.cues)})"
