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

from .._fast.vocab import CueTable, cue_counts, cue_values
from ..core.text import StemAnalyzer

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
    """A scikit-learn transformer: texts -> per-frame cue matches, scaled by the text's length.

    Parameters
    ----------
    cues : tuple of (frame, phrases)
        Each frame's cue phrases, in any language.
    scale : {"sqrt", "log"}, default="sqrt"
        ``"sqrt"``: matches divided by the square root of the text's stems (function
        words left out), as tf-idf's l2 norm scales a text's term counts, so that a
        long text does not score high for its length alone, and an article (the sum
        of its passages' matches and stems) is scaled as one text. ``"log"``:
        ``log(1 + matches)``, what models trained before it had.

    Examples
    --------
    >>> lex = CueLexicon(cues=(("econ", ("oil exports", "нефть")), ("war", ("troops",))))
    >>> X = lex.fit([]).transform(["Oil exports fell; oil exports rose.", "Нефти нет"])
    >>> (X.toarray() * 1000).round().astype(int).tolist()  # 2 / sqrt(6), 1 / sqrt(1)
    [[816, 0], [1000, 0]]
    >>> list(lex.get_feature_names_out())
    ['cue:econ', 'cue:war']
    """

    def __init__(self, *, cues: Cues = (), scale: str = "sqrt"):
        self.cues = cues
        self.scale = scale

    def phrases(self) -> list[list[tuple[str, ...]]]:
        """Each frame's phrases as the stem sequences they match."""
        analyzer = StemAnalyzer(ngram_range=(1, 1))
        return [sorted({s for s in (tuple(analyzer(p)) for p in ps) if s}) for _, ps in self.cues]

    def _table(self) -> CueTable:
        table = self.__dict__.get("_table_")
        if table is None:
            table = self.__dict__["_table_"] = CueTable(self.phrases())
        return table

    def fit(self, texts: Iterable[str] = (), y: Any = None) -> CueLexicon:
        """Nothing to learn: the lexicon is fixed. Returns self."""
        self._table()
        return self

    def counts(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Each text's matches of each frame's phrases, and its number of stems."""
        return cue_counts(list(texts), self._table())

    def values(self, counts: np.ndarray, stems: np.ndarray) -> np.ndarray:
        """The features of texts with these matches and stems (float32)."""
        # Models saved before the scale existed have log(1 + matches).
        return cue_values(counts, stems, scale=getattr(self, "scale", "log"))

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """One row per text, one column per frame (see ``scale``)."""
        return sparse.csr_matrix(self.values(*self.counts(texts)))

    def fit_transform(self, texts: Sequence[str], y: Any = None) -> sparse.csr_matrix:
        """Fit (nothing to learn) and transform."""
        return self.fit(texts).transform(texts)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """``cue:FRAME`` for each frame's column."""
        return np.array([f"cue:{frame}" for frame, _ in self.cues], dtype=object)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Parameters, for scikit-learn's cloning."""
        return {"cues": self.cues, "scale": getattr(self, "scale", "log")}

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_table_"}  # rebuilt on demand

    def set_params(self, **params: Any) -> CueLexicon:
        """Set parameters, for scikit-learn."""
        for key, value in params.items():
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        return f"CueLexicon(frames={len(self.cues)})"
