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
records that have a ``duplicate_of``. Memory grows by about 1 kB per article.
"""

from __future__ import annotations

import re
import zlib

import numpy as np

__all__ = ["NearDuplicates", "shingles", "SHINGLE_WORDS", "THRESHOLD"]

SHINGLE_WORDS = 5
THRESHOLD = 0.5
# 32 bands of 3 rows: a pair at Jaccard 0.5 shares a band with probability
# 1 - (1 - 0.5**3)**32 = 0.986; at 0.1, 0.03 (and is then rejected by the estimate).
_BANDS, _ROWS = 32, 3
_HASHES = _BANDS * _ROWS
_BLOCK = 4096  # shingles hashed at a time, so a long article needs little memory
_MIX = np.uint64(1_000_003)
_WORD = re.compile(r"\w+")


def shingles(text: str, *, size: int = SHINGLE_WORDS) -> np.ndarray:
    """Distinct 64-bit hashes of the text's word ``size``-grams (case and punctuation ignored).

    A text shorter than ``size`` words is one shingle.

    Examples
    --------
    >>> len(shingles("One two three four five six")), len(shingles("Too short")), len(shingles("..."))
    (2, 1, 0)
    """
    words = _WORD.findall(text.casefold())
    hashes = np.fromiter((zlib.crc32(w.encode("utf-8")) for w in words), dtype=np.uint64, count=len(words))
    n = max(len(words) - size + 1, 1) if words else 0
    out = np.zeros(n, dtype=np.uint64)
    for k in range(min(size, len(words))):
        # A polynomial hash of the n-gram, wrapping modulo 2**64 (numpy arrays wrap silently).
        out = out * _MIX + hashes[k : k + n]
    return np.unique(out)


class NearDuplicates:
    """Streaming near-duplicate finder over articles seen so far.

    Parameters
    ----------
    threshold : float, default=0.5
        Estimated Jaccard similarity of word 5-gram sets at or above which two
        articles are the same story.

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

    def __init__(self, *, threshold: float = THRESHOLD):
        self.threshold = threshold
        rng = np.random.default_rng(20240601)  # fixed: the same input always gives the same clusters
        # Multiply-shift hashing: odd multipliers, the high 32 bits of a*x + b modulo 2**64.
        self._a = rng.integers(0, np.iinfo(np.uint64).max, size=_HASHES, dtype=np.uint64, endpoint=True) | np.uint64(1)
        self._b = rng.integers(0, np.iinfo(np.uint64).max, size=_HASHES, dtype=np.uint64, endpoint=True)
        self._signatures: list[np.ndarray] = []
        self._first: list[int] = []  # for each article, the index of its cluster's first article
        self._ids: list[str] = []
        self._buckets: dict[int, int] = {}  # hash of (band, rows) -> first article in that bucket

    def _signature(self, values: np.ndarray) -> np.ndarray:
        signature = np.full(_HASHES, np.iinfo(np.uint64).max, dtype=np.uint64)
        for start in range(0, len(values), _BLOCK):
            block = values[start : start + _BLOCK]
            permuted = (self._a[:, None] * block[None, :] + self._b[:, None]) >> np.uint64(32)
            np.minimum(signature, permuted.min(axis=1), out=signature)
        return signature

    def add(self, ident: str, text: str) -> str | None:
        """Record an article; return the id of the first earlier article of its story, or None."""
        hashes = shingles(text)
        index = len(self._ids)
        self._ids.append(ident)
        if not hashes.size:
            self._signatures.append(np.zeros(0, dtype=np.uint64))
            self._first.append(index)
            return None
        signature = self._signature(hashes)
        self._signatures.append(signature)
        keys = [hash((band, signature[band * _ROWS : (band + 1) * _ROWS].tobytes())) for band in range(_BANDS)]
        match = None
        for key in keys:
            other = self._buckets.get(key)
            if other is None or (match is not None and self._first[other] >= self._first[match]):
                continue
            theirs = self._signatures[other]
            if theirs.size and float(np.mean(theirs == signature)) >= self.threshold:
                match = other
        for key in keys:
            self._buckets.setdefault(key, index)
        first = self._first[match] if match is not None else index
        self._first.append(first)
        return self._ids[first] if first != index else None
