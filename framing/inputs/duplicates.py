"""Find near-duplicate articles: one wire story published by many sites.

Each article's text (its passages, clutter already removed, so different site
furniture does not matter) is cut into word 5-grams ("shingles"). Two articles
are near-duplicates when the Jaccard similarity of their shingle sets, estimated
by a 96-hash MinHash signature, is at least 0.5: a wire story with a new
headline, a paragraph added or cut, a different byline still matches; two
stories on the same event written separately share few 5-grams and do not.

Detection streams: each article is compared, through locality-sensitive hashing
bands, with the ones before it only, and a duplicate points to the *first*
article of its cluster, so ``compare`` can count each story once by dropping
records that have a ``duplicate_of``. Only the most recent ``window`` articles
(10,000 by default) are kept for comparison, so memory stays bounded on an
archive of any size: copies of a story further apart than that in the input
are not linked (a wire story's copies come out within days of each other).
Signatures are pure functions of the text (:func:`signature`), so parallel
workers compute them and one process links them in input order.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat

import numpy as np

from .._fast import kernels
from ..core.text import fold_words, folded_letters, tokenize

__all__ = ["NearDuplicates", "shingles", "signature", "SHINGLE_WORDS", "THRESHOLD", "WINDOW"]

SHINGLE_WORDS = 5
THRESHOLD = 0.5
WINDOW = 10_000
# 32 bands of 3 rows: a pair at Jaccard 0.5 shares a band with probability
# 1 - (1 - 0.5**3)**32 = 0.986; at 0.1, 0.03 (and is then rejected by the estimate).
_BANDS, _ROWS = 32, 3
_HASHES = _BANDS * _ROWS
_BLOCK = 4096  # shingles hashed at a time, so a long article needs little memory
_MIX = np.uint64(1_000_003)


_P = 0x9E3779B97F4A7C15  # odd, so invertible modulo 2**64
_P_INV = pow(_P, -1, 1 << 64)
_powers: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _powers_upto(n: int) -> tuple[np.ndarray, np.ndarray]:
    """P**j and P**-j modulo 2**64 for j < n (n rounded up to a power of two, cached)."""
    size = 1 << max(n - 1, 1).bit_length()
    if size not in _powers:
        p = np.full(size, _P, dtype=np.uint64)
        p[0] = 1
        q = np.full(size, _P_INV, dtype=np.uint64)
        q[0] = 1
        _powers[size] = (np.cumprod(p, dtype=np.uint64), np.cumprod(q, dtype=np.uint64))
    return _powers[size]


def _word_hashes(words: Sequence[str]) -> np.ndarray:
    """A 64-bit polynomial hash of each word, all computed at once in numpy.

    The same in every process and run (unlike ``hash()``). With prefix sums
    S[i] = sum of c[j] * P**-j, a word spanning [a, b) hashes to
    (S[b-1] - S[a-1]) * P**(b-1) = sum of c[j] * P**(b-1-j), all modulo 2**64.
    """
    joined = " ".join(words)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64) + np.uint64(1)
    power, inverse = _powers_upto(len(codes))
    prefix = np.cumsum(codes * inverse[: len(codes)], dtype=np.uint64)
    ends = np.flatnonzero(codes == np.uint64(33))  # the spaces between words (code 32, plus one)
    last = np.append(ends - 1, len(codes) - 1)  # each word's last character
    before = np.concatenate((np.zeros(1, dtype=np.uint64), prefix[ends]))  # S up to the space before each word
    return (prefix[last] - before) * power[last]


def shingles(text: str | Sequence[str], *, size: int = SHINGLE_WORDS) -> np.ndarray:
    """Distinct 64-bit hashes of the text's word ``size``-grams (case, figures and punctuation ignored).

    ``text`` may be a list of passages, read as one text (each passage's words
    come from :func:`framing.core.text.tokenize`, cached, so scoring does not split
    the same passage twice).

    A text shorter than ``size`` words is one shingle.

    Examples
    --------
    >>> len(shingles("One two three four five six")), len(shingles("Too short")), len(shingles("..."))
    (2, 1, 0)
    """
    words = tokenize(text) if isinstance(text, str) else [w for passage in text for w in tokenize(passage)]
    if not words:
        return np.zeros(0, dtype=np.uint64)
    hashes = _word_hashes(words)
    n = max(len(words) - size + 1, 1) if words else 0
    out = np.zeros(n, dtype=np.uint64)
    for k in range(min(size, len(words))):
        # A polynomial hash of the n-gram, wrapping modulo 2**64 (numpy arrays wrap silently).
        out = out * _MIX + hashes[k : k + n]
    out.sort()  # distinct values by sorting: faster than np.unique on short arrays
    return out[np.concatenate(([True], out[1:] != out[:-1]))]


_RNG = np.random.default_rng(20240601)  # fixed: the same input always gives the same clusters
# Multiply-shift hashing: odd multipliers, the high 32 bits of a*x + b modulo 2**64.
_A = _RNG.integers(0, np.iinfo(np.uint64).max, size=_HASHES, dtype=np.uint64, endpoint=True) | np.uint64(1)
_B = _RNG.integers(0, np.iinfo(np.uint64).max, size=_HASHES, dtype=np.uint64, endpoint=True)
_EMPTY = np.zeros(0, dtype=np.uint32)


def signatures(texts: Sequence[str | Sequence[str]]) -> list[np.ndarray]:
    """:func:`signature` of each text (or list of passages), computed for all of them at once.

    Examples
    --------
    >>> [s.shape for s in signatures(["One two three four five six", ["..."], ["Two", "passages"]])]
    [(96,), (0,), (96,)]
    """
    if not kernels.AVAILABLE:
        return [signature(text) for text in texts]
    # The words of tokenize() are the runs of letters of the folded text: no word
    # strings are made. A text's passages are joined by a space, so no word spans two.
    parts = [[text] if isinstance(text, str) else list(text) for text in texts]
    joined = [" ".join(map(fold_words, passages)) for passages in parts]  # passages folded once, cached
    _, codes, letters, starts = folded_letters(joined, folded=True)
    rows = kernels.shingle_minhash(codes, letters, starts, size=SHINGLE_WORDS, mix=int(_MIX), p=_P, a=_A, b=_B)
    # Whether each text holds a letter: an "or" over each text's span. reduceat spans run
    # from one given start to the next, so only non-empty texts' starts are given (an empty
    # text between two others spans nothing, and one at the end starts past the array).
    has_words = np.zeros(len(parts), dtype=bool)
    filled = np.flatnonzero(starts[1:] > starts[:-1])
    if filled.size:
        has_words[filled] = np.logical_or.reduceat(letters, starts[filled])
    return [row if words else _EMPTY for row, words in zip(rows, has_words.tolist())]


def signature(text: str | Sequence[str]) -> np.ndarray:
    """The text's MinHash signature: 96 unsigned 32-bit values (empty for a text without words).

    ``text`` may be a list of passages, as for :func:`shingles`.

    Examples
    --------
    >>> signature("One two three four five six").shape, signature("...").shape
    ((96,), (0,))
    """
    if kernels.AVAILABLE:
        return signatures([text])[0]
    values = shingles(text)
    if not values.size:
        return _EMPTY
    out = np.full(_HASHES, np.iinfo(np.uint64).max, dtype=np.uint64)
    for start in range(0, len(values), _BLOCK):
        block = values[start : start + _BLOCK]
        permuted = _A[:, None] * block[None, :]
        permuted += _B[:, None]  # in place: one temporary, not three
        permuted >>= np.uint64(32)
        np.minimum(out, permuted.min(axis=1), out=out)
    return out.astype(np.uint32)


_BAND_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9], dtype=np.uint64)
_BAND_SALT = (np.arange(_BANDS, dtype=np.uint64) + np.uint64(1)) * np.uint64(0xD6E8FEB86659FD93)


def _keys_of(sigs: np.ndarray) -> np.ndarray:
    """One 64-bit key per LSH band of each signature (a row of ``sigs``): its rows mixed
    with odd multipliers, salted by band."""
    # (uint64 products and sums wrap around, as the keys' hashing means them to)
    return sigs.reshape(len(sigs), _BANDS, _ROWS).astype(np.uint64) @ _BAND_MIX + _BAND_SALT


def _band_keys(sig: np.ndarray) -> list[int]:
    """The band keys of one signature."""
    return _keys_of(sig[None, :])[0].tolist()


def band_keys(sigs: Sequence[np.ndarray]) -> list[list[int] | None]:
    """The LSH band keys of each signature, made together (None for an empty signature).

    What :meth:`NearDuplicates.add_signature` would make of each; scoring workers
    make them for a chunk at once, so that the process linking the articles need not.
    """
    filled = [i for i, sig in enumerate(sigs) if sig.size]
    out: list[list[int] | None] = [None] * len(sigs)
    if filled:
        for i, keys in zip(filled, _keys_of(np.stack([sigs[i] for i in filled])).tolist()):
            out[i] = keys
    return out


class NearDuplicates:
    """Streaming near-duplicate finder over the articles seen so far.

    Parameters
    ----------
    threshold : float, default=0.5
        Estimated Jaccard similarity of word 5-gram sets at or above which two
        articles are the same story.
    window : int, default=10000
        How many of the most recent articles a new one is compared with; memory
        is about 4-5 kB per article in the window.

    Examples
    --------
    >>> story = ("Kazakhstan will not recognise the separatist republics in eastern Ukraine, "
    ...          "President Tokayev told the forum in St Petersburg on Friday, sitting beside Vladimir Putin.")
    >>> finder = NearDuplicates()
    >>> finder.add("wire", story) is None
    True
    >>> finder.add("site-a", "Astana (Reuters) - " + story + " He did not elaborate.")
    'wire'
    >>> finder.add("other", "Oil exports through the Caspian pipeline resumed after repairs, the operator said.")
    """

    def __init__(self, *, threshold: float = THRESHOLD, window: int = WINDOW):
        if window < 1:
            raise ValueError("window must be at least 1")
        self.threshold = threshold
        self.window = window
        self._count = 0
        self._oldest = 0  # running index of the oldest article still kept
        # Per article in the window, in rings indexed by running index % (window + 1):
        # signature as a row of an array (made at the first signature; 0.4 kB an
        # article) and its cluster's first article (index and id). Most of the window's
        # ~4 kB an article is _buckets: 32 entries an article, each a 64-bit key
        # (measured: 32 MB of the 40 MB of a full window).
        size = window + 1
        self._sigs: np.ndarray | None = None
        self._first_index = [0] * size
        self._first_id = [""] * size
        # Band key -> most recent article in that bucket. An entry whose article has left
        # the window is ignored, and such entries are swept out whenever a quarter of the
        # window (at least one article) has left since the last sweep: deleting each
        # leaving article's 32 keys one by one was a third of the linking time.
        self._buckets: dict[int, int] = {}
        self._sweep_every = max(window // 4, 1)
        self._left_since_sweep = 0

    def add(self, ident: str, text: str) -> str | None:
        """Record an article; return the id of the first earlier article of its story, or None."""
        return self.add_signature(ident, signature(text))

    def add_signature(self, ident: str, sig: np.ndarray, *, keys: list[int] | None = None) -> str | None:
        """As :meth:`add`, from the article's :func:`signature` (and its :func:`band_keys`, if made already)."""
        index = self._count
        self._count += 1
        self._evict(index - self.window - 1)  # keep the previous `window` articles
        size = self.window + 1
        slot = index % size
        self._first_index[slot], self._first_id[slot] = index, ident
        if not sig.size:
            return None
        if self._sigs is None:
            self._sigs = np.zeros((size, sig.size), dtype=sig.dtype)
        elif self._sigs.shape[1] != sig.size or self._sigs.dtype != sig.dtype:
            raise ValueError("every signature must have the same length and type")
        if keys is None:
            keys = _band_keys(sig)
        # Each earlier article sharing a band is compared once (a near-copy shares most
        # of its bands with the same article): the match is the earliest story among
        # those whose signatures agree closely enough.
        match_index, match_id = -1, ""
        oldest = self._oldest
        found = dict.fromkeys(map(self._buckets.get, keys))
        at = [other % size for other in found if other is not None and other >= oldest]
        if at:
            sigs = self._sigs
            if kernels.AVAILABLE and sigs.dtype == np.uint32:  # one compiled call, not five numpy ones
                agree = kernels.agreements(sigs, np.array(at, dtype=np.int64), sig).tolist()
            else:  # (take and sum: a third of the time of fancy indexing and count_nonzero's axis path)
                agree = (sigs.take(at, axis=0) == sig).sum(axis=1).tolist()
            needed = self.threshold * _HASHES
            for other_slot, n in zip(at, agree):
                if n >= needed and (match_index < 0 or self._first_index[other_slot] < match_index):
                    match_index, match_id = self._first_index[other_slot], self._first_id[other_slot]
        self._buckets.update(zip(keys, repeat(index)))
        self._sigs[slot] = sig
        if match_index < 0:
            return None
        self._first_index[slot], self._first_id[slot] = match_index, match_id
        return match_id

    def _evict(self, oldest_gone: int) -> None:
        size = self.window + 1
        while self._oldest <= oldest_gone:
            self._first_id[self._oldest % size] = ""
            self._oldest += 1
            self._left_since_sweep += 1
        if self._left_since_sweep >= self._sweep_every:
            oldest = self._oldest
            for key in [key for key, other in self._buckets.items() if other < oldest]:
                del self._buckets[key]
            self._left_since_sweep = 0
