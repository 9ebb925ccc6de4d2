"""Language detection, tokenisation and stemming for English and Russian.

Only parts of nltk that need no downloaded data are used (the Snowball
stemmers), so nothing here touches the network.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
import types
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from itertools import islice, pairwise
from typing import Any

import numpy as np

__all__ = [
    "detect_language",
    "normalize",
    "tokenize",
    "tokens_of",
    "fold_words",
    "folded_letters",
    "stem",
    "StemAnalyzer",
    "LANGUAGES",
]

LANGUAGES = ("en", "ru")

_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def _snowball_stemmers() -> dict[str, Any]:
    """nltk's Snowball stemmers for English and Russian, imported quickly where possible.

    ``import nltk`` runs nltk's package ``__init__``, which loads most of nltk plus
    scipy.stats and parts of scikit-learn: seconds on every command start, for
    stemmers that need none of it. So the stemmer module is first imported with
    a bare stand-in for the ``nltk`` package (and for ``nltk.corpus``, whose
    stopword lists the stemmers use only with ``ignore_stopwords=True``). If
    that fails, or the stemmers do not stem a probe word as expected (another
    nltk version, say), the ordinary import is used.
    """
    if "nltk" not in sys.modules:
        spec = importlib.util.find_spec("nltk")
        if spec is not None and spec.submodule_search_locations is not None:
            package = types.ModuleType("nltk")
            package.__path__ = list(spec.submodule_search_locations)
            corpus = types.ModuleType("nltk.corpus")
            corpus.stopwords = None  # type: ignore[attr-defined]
            before = set(sys.modules)
            sys.modules["nltk"], sys.modules["nltk.corpus"] = package, corpus
            try:
                snowball = importlib.import_module("nltk.stem.snowball")
                stemmers = {"en": snowball.SnowballStemmer("english"), "ru": snowball.SnowballStemmer("russian")}
                if stemmers["en"].stem("sanctions") == "sanction" and stemmers["ru"].stem("санкциями") == "санкц":
                    return stemmers
            except Exception:  # any failure means: import nltk the ordinary way
                pass
            finally:
                # Forget every module imported under the stand-in: the stemmers keep
                # what they use, and a later "import nltk" loads nltk afresh, whole.
                for name in set(sys.modules) - before:
                    if name == "nltk" or name.startswith("nltk."):
                        del sys.modules[name]
    from nltk.stem.snowball import SnowballStemmer

    return {"en": SnowballStemmer("english"), "ru": SnowballStemmer("russian")}


_STEMMERS = _snowball_stemmers()

# Function words carry no frame. Dropping them keeps word bigrams meaningful
# ("sovereignty of" -> "sovereignti kazakhstan" after removal is not wanted either,
# so removal happens before n-grams are formed). Short hand-written lists: the
# nltk stopwords corpus needs a download.
STOP_WORDS = frozenset(
    """a an the and or but if of to in on at by for with from as is are was were be been being
    it its this that these those he she they them his her their we our you your i me my not no
    so than too very can will would should could may might must do does did has have had also
    which who whom whose what when where while there here about into over after before such
    only own same other some any each both more most all just""".split()
    + """и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по
    только ее её мне было вот от меня еще ещё нет о из ему теперь когда даже ну вдруг ли если
    уже или ни быть был него до вас нибудь опять уж вам ведь там потом себя ничего ей может
    они тут где есть надо ней для мы тебя их чем была сам чтоб без будто чего раз тоже себе
    под будет ж тогда кто этот того потому этого какой совсем ним здесь этом один почти мой
    тем чтобы нее неё сейчас были куда зачем всех никогда можно при наконец два об другой
    хоть после над больше тот через эти нас про всего них какая много разве три эту моя
    впрочем хорошо свою этой перед иногда лучше чуть том нельзя такой им более всегда
    конечно всю между это также""".split()
)


def normalize(text: str) -> str:
    """Lower-case, fold ``ё`` into ``е``, drop stress marks on Cyrillic letters and unify apostrophes and spaces.

    Russian outlets write ``ё`` or ``е`` at will; folding makes them one word.

    Examples
    --------
    >>> normalize("Всё  ЕЩЁ")
    'все еще'
    >>> normalize("Росси\u0301я")
    'россия'
    """
    # split/join folds the same (Unicode) white space as re's \s+, several times faster.
    return " ".join(_fold(text).replace("\u2019", "'").split())


def fold_words(text: str) -> str:
    """:func:`normalize` without its white-space folding: the same words (``str.split()``).

    For code that splits on white space itself, and so need not pay for joining
    the words with single spaces first.

    Examples
    --------
    >>> fold_words("Всё  ЕЩЁ’s")
    "все  еще's"
    """
    return _fold(text).replace("\u2019", "'")


# Stress marks (acute, grave) on Cyrillic letters, as dictionaries, textbooks and some
# quotations print them: "Росси́я" is "Россия". NFC has no composed form for most of
# them, so the mark would split the word in two for the tokenizer.
_STRESS = re.compile("([\u0400-\u04ff][\u0302-\u036f]*)[\u0300\u0301]+")
# A text may hold one when, lower-cased, it holds a mark itself or one of the two
# letters NFC composes with a grave (ѐ U+0450, ѝ U+045D): the tests in _fold.


@lru_cache(maxsize=2048)
def _fold(text: str) -> str:
    # Cached for the most recent texts: scoring folds each passage for its word
    # features (via _tokens) and again for its character features (via normalize).
    # NFC after lower-casing: lower() can leave a letter and a combining mark
    # that compose ("J̌" -> "ǰ"), which would make a second call change the text.
    text = unicodedata.normalize("NFC", text.lower())
    while True:
        while "ё" in text:  # folding can free a second diaeresis to make another ё
            text = unicodedata.normalize("NFC", text.replace("ё", "е"))
        # (Four substring tests, not any() over a generator: this runs for every passage scored.)
        if not ("\u0301" in text or "\u0300" in text or "\u0450" in text or "\u045d" in text):
            return text
        # Dropping a mark can make a new ё (е, acute, diaeresis) and folding ё a new
        # ѐ (ё, grave): repeat until neither changes the text, so folding is idempotent.
        stripped = unicodedata.normalize("NFC", _STRESS.sub(r"\1", unicodedata.normalize("NFD", text)))
        if stripped == text:
            return text
        text = stripped


class _LetterTable(dict[int, int]):
    """A ``str.translate`` table keeping letters and turning anything else into a space.

    Filled in as characters are met, so it holds only the alphabet actually seen.
    """

    def __missing__(self, code: int) -> int:
        value = code if chr(code).isalpha() else 32
        self[code] = value
        return value


_LETTERS = _LetterTable()


def detect_language(text: str) -> str:
    """Return ``"ru"`` when Cyrillic letters outnumber Latin ones, else ``"en"``.

    Examples
    --------
    >>> detect_language("Казахстан и Россия")
    'ru'
    >>> detect_language("Kazakhstan and Russia")
    'en'
    """
    # Counted on the UTF-8 bytes at C speed: the characters U+0400-U+04FF are exactly
    # those whose lead byte is 0xD0-0xD3 (counted by bytes.count, which searches a
    # byte with memchr), and an ASCII letter's byte occurs nowhere else in UTF-8
    # (counted by bytes.translate deleting every other byte).
    data = text.encode("utf-8", "surrogatepass")
    cyrillic = data.count(b"\xd0") + data.count(b"\xd1") + data.count(b"\xd2") + data.count(b"\xd3")
    latin = len(data.translate(None, _NOT_LATIN))
    return "ru" if cyrillic > latin else "en"

_NOT_LATIN = bytes(b for b in range(256) if not (0x41 <= b <= 0x5A or 0x61 <= b <= 0x7A))


def tokenize(text: str) -> list[str]:
    """Split normalised text into words (letters only).

    Examples
    --------
    >>> tokenize("Multi-vector policy, 2022: «многовекторность»!")
    ['multi', 'vector', 'policy', 'многовекторность']
    """
    return list(_tokens(text))


# Token tuples of the most recent texts, shared by tokenize and tokens_of. Without
# the compiled kernels, scoring tokenizes each passage for its word features (a
# batch at once, through tokens_of) and again for its near-duplicate shingles
# (through tokenize); with them, both read runs of letters instead, and training's
# word vocabulary is the main user. Oldest first; the oldest quarter goes when full.
_RECENT_TOKENS: dict[str, tuple[str, ...]] = {}
_RECENT_MAX = 4096


def _remember(text: str, tokens: tuple[str, ...]) -> None:
    if len(_RECENT_TOKENS) >= _RECENT_MAX:
        for old in list(islice(_RECENT_TOKENS, _RECENT_MAX // 4)):
            del _RECENT_TOKENS[old]
    _RECENT_TOKENS[text] = tokens


def _tokens(text: str) -> tuple[str, ...]:
    tokens = _RECENT_TOKENS.get(text)
    if tokens is None:
        # Words are the runs of letters (str.isalpha) of the folded text: digits and
        # underscores split words, and hyphenated words are split into their parts so
        # "multi-vector" and "multi vector" share features.
        tokens = tuple(_fold(text).translate(_LETTERS).split())
        _remember(text, tokens)
    return tokens


def tokens_of(texts: Sequence[str]) -> list[tuple[str, ...]]:
    """The tokens of each text, as :func:`tokenize` gives them, found for a whole batch at once.

    ``str.translate`` with a lazily filled table costs about 200 ns a character
    (a Python-level mapping lookup each); here one numpy pass over the batch's
    code points marks the letters and only the words themselves are sliced out
    in Python, several times faster on passages of a few hundred words.

    Examples
    --------
    >>> tokens_of(["Multi-vector policy, 2022", "Всё-таки"])
    [('multi', 'vector', 'policy'), ('все', 'таки')]
    """
    found = [_RECENT_TOKENS.get(text) for text in texts]
    todo = list(dict.fromkeys(text for text, tokens in zip(texts, found) if tokens is None))
    if not todo:
        return found  # type: ignore[return-value]
    new = dict(zip(todo, _letter_runs(todo)))
    for text, tokens in new.items():  # a batch larger than the memory pushes out its own first texts
        _remember(text, tokens)
    return [tokens if tokens is not None else new[text] for text, tokens in zip(texts, found)]


_ALPHA: np.ndarray | None = None


def _alpha_table() -> np.ndarray:
    """``chr(c).isalpha()`` for every code point of the Basic Multilingual Plane."""
    global _ALPHA
    if _ALPHA is None:
        _ALPHA = np.array([chr(c).isalpha() for c in range(0x10000)], dtype=bool)
    return _ALPHA


def folded_letters(
    texts: Sequence[str], *, sep: str = "", folded: bool = False
) -> tuple[str, np.ndarray, np.ndarray, np.ndarray]:
    """The texts folded as :func:`tokenize` folds them, joined by ``sep``; its code
    points (uint32); whether each is a letter; where each text starts in it (and
    where the last ends). The words of :func:`tokenize` are the runs of letters.
    With ``folded``, the texts are taken as folded already (by :func:`fold_words`).

    Examples
    --------
    >>> joined, codes, letters, starts = folded_letters(["Всё-таки", "OK"], sep=" ")
    >>> joined, letters.astype(int).tolist(), starts.tolist()
    ('все-таки ok', [1, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1], [0, 9, 11])
    """
    parts = list(texts) if folded else list(map(_fold, texts))
    joined = sep.join(parts)
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    letters = _alpha_table()[np.minimum(codes, 0xFFFF)]
    astral = np.flatnonzero(codes > 0xFFFF)
    if astral.size:
        letters[astral] = [chr(c).isalpha() for c in codes[astral].tolist()]
    starts = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum([len(text) + len(sep) for text in parts], out=starts[1:])
    if parts:
        starts[-1] -= len(sep)  # no separator after the last text
    return joined, codes, letters, starts


def _letter_runs(texts: list[str]) -> list[tuple[str, ...]]:
    """The maximal runs of letters of each text."""
    # "\x00" is no letter: no run crosses from one text to the next.
    joined, _, letters, offsets = folded_letters(texts, sep="\x00")
    edges = np.flatnonzero(np.diff(letters.view(np.int8), prepend=np.int8(0), append=np.int8(0)))
    starts, ends = edges[0::2], edges[1::2]
    words = list(map(joined.__getitem__, map(slice, starts.tolist(), ends.tolist())))
    # A text's words are those starting between its first character and the next text's.
    bounds = [*np.searchsorted(starts, offsets[:-1]).tolist(), len(words)]
    return [tuple(words[a:b]) for a, b in pairwise(bounds)]


@lru_cache(maxsize=500_000)
def stem(word: str) -> str:
    """Snowball-stem one word, choosing the stemmer by the word's own script.

    Stemming by the word's script rather than the text's keeps Latin names in
    Russian text (and the reverse) from being mangled by the wrong stemmer.

    Examples
    --------
    >>> stem("sanctions"), stem("санкциями")
    ('sanction', 'санкц')
    """
    lang = "ru" if _CYRILLIC.match(word) else "en"
    return _STEMMERS[lang].stem(word)


class StemAnalyzer:
    """Callable analyzer for scikit-learn vectorizers: stemmed word n-grams.

    A class rather than a closure so that fitted models pickle.

    Parameters
    ----------
    ngram_range : tuple of int, default=(1, 2)
        Smallest and largest n-gram length.
    stop_words : bool, default=True
        Drop English and Russian function words before forming n-grams.

    Examples
    --------
    >>> StemAnalyzer(ngram_range=(1, 2))("The sanctions on Russia")
    ['sanction', 'russia', 'sanction russia']
    """

    def __init__(self, *, ngram_range: tuple[int, int] = (1, 2), stop_words: bool = True):
        self.ngram_range = ngram_range
        self.stop_words = stop_words

    def __call__(self, doc: str) -> list[str]:
        words = tokenize(doc)
        if self.stop_words:
            words = [w for w in words if w not in STOP_WORDS]
        stems = list(map(stem, words))  # map over the cached stemmer: no Python-level loop
        low, high = self.ngram_range
        out: list[str] = []
        for n in range(low, high + 1):
            if n == 1:
                out.extend(stems)
            elif n == 2:
                out.extend(a + " " + b for a, b in pairwise(stems))
            else:
                out.extend(" ".join(stems[i : i + n]) for i in range(len(stems) - n + 1))
        return out

    def __repr__(self) -> str:
        return f"StemAnalyzer(ngram_range={self.ngram_range}, stop_words={self.stop_words})"
