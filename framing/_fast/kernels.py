# mypy: ignore-errors
# (numba types the kernel bodies; their numpy scalar arithmetic is beyond numpy's stubs)
"""Compiled inner loops (numba) for the two hottest steps of scoring.

* :func:`char_wb_counts` counts the ``char_wb`` n-grams of many documents
  that are in a fitted vocabulary, as :class:`framing._fast.vectorizers.CharNgramVectorizer`
  does with numpy, in one pass with no temporaries per n-gram.
* :func:`shingle_minhash` is :func:`framing.inputs.duplicates.signature` from the
  words' code points: word hashes, shingles and MinHash in one pass.

The functions are compiled on first use and cached on disk (numba's
``cache=True``), so later processes load them instead of compiling. Where
numba is not installed, :data:`AVAILABLE` is False and callers use their
numpy code, which gives the same results.
"""

from __future__ import annotations

import signal
import sys
import threading
from typing import Any

import numpy as np

try:  # numba is a dependency, but a platform without its wheels must still work
    from numba import njit
except ImportError:  # pragma: no cover - exercised only where numba is missing
    AVAILABLE = False
else:
    AVAILABLE = True

__all__ = [
    "AVAILABLE", "agreements", "char_wb_counts", "distinct_runs", "ensure_compiled", "ensure_compiled_for_scoring_run",
    "merge_runs", "minhash", "shingle_minhash", "tfidf_decision",
]

# Fibonacci hashing constant (2**64 / phi), as in framing._fast.vocab.NgramTable.
_PHI = 0x9E3779B97F4A7C15


def _debruijn_index() -> np.ndarray:
    # Position of a lone set bit b from the top 6 bits of b * 0x03F79D71B4CB0A89 (a de Bruijn sequence).
    table = np.zeros(64, dtype=np.int64)
    for i in range(64):
        table[(((1 << i) * 0x03F79D71B4CB0A89) & (2**64 - 1)) >> 58] = i
    return table


_DEBRUIJN_INDEX = _debruijn_index()


def _distinct_runs(
    values: np.ndarray, separator: np.ndarray, doc_starts: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The tokens of documents and the distinct ones among them.

    A token is a maximal run of positions where ``separator`` is False, within
    one document (``values[doc_starts[d]:doc_starts[d + 1]]``); tokens with the
    same values are the same word. Returns ``(token_word, doc_tokens,
    word_start, word_length)``: each token's word id (0, 1, ... in order of
    first occurrence), the tokens of document d as
    ``token_word[doc_tokens[d]:doc_tokens[d + 1]]``, and where each word
    first occurs and its length. Open addressing on a hash of the values.
    """
    n_docs = doc_starts.size - 1
    size = values.size
    # The table starts small and doubles when half full: sized for every possible
    # word up front it was tens of MB for a batch of articles (filling it, and
    # probing it with cache misses, cost more than the words it held).
    slots = 1024
    slot_word = np.full(slots, -1, dtype=np.int64)
    # As many tokens as positions at most (one-character documents); np.empty
    # touches no memory, so only what is written costs.
    word_start = np.empty(size + 1, dtype=np.int64)  # first occurrence of each distinct word
    word_length = np.empty(size + 1, dtype=np.int64)
    word_hash = np.empty(size + 1, dtype=np.uint64)
    # Each distinct word's values again, one after another: comparing a token with
    # the word's first occurrence in ``values`` was a cache miss per token on a large
    # batch; this copy is small and stays in cache.
    word_at = np.empty(size + 1, dtype=np.int64)
    store = np.empty(size + 1, dtype=values.dtype)
    token_word = np.empty(size + 1, dtype=np.int64)
    doc_tokens = np.zeros(n_docs + 1, dtype=np.int64)
    state = np.zeros(_RUN_STATE, dtype=np.int64)  # where the scan is and what it has made
    if n_docs > 0:
        state[_AT] = doc_starts[0]
    # The scan stops before the table gets more than half full; it is doubled, its
    # words placed again, and the scan goes on. (Doubling the table inside the scan
    # made every probe of the scan about twice as slow: numba then reloads the
    # reassigned array at each access.)
    while not _runs_scan(values, separator, doc_starts, slot_word, word_start, word_length, word_hash, word_at,
                         store, token_word, doc_tokens, state):
        slots *= 2
        mask = np.uint64(slots - 1)
        slot_word = np.full(slots, -1, dtype=np.int64)
        for v in range(state[_WORDS]):
            at = np.int64(word_hash[v] & mask)
            while slot_word[at] >= 0:
                at = (at + 1) & (slots - 1)
            slot_word[at] = v
    n_tokens, n_words = state[_TOKENS], state[_WORDS]
    return token_word[:n_tokens], doc_tokens, word_start[:n_words], word_length[:n_words]


# The scan's state, kept in an array between the calls of _runs_scan.
_DOC, _AT, _STORED, _WORDS, _TOKENS, _RUN_STATE = 0, 1, 2, 3, 4, 5


def _runs_scan(
    values: np.ndarray,
    separator: np.ndarray,
    doc_starts: np.ndarray,
    slot_word: np.ndarray,
    word_start: np.ndarray,
    word_length: np.ndarray,
    word_hash: np.ndarray,
    word_at: np.ndarray,
    store: np.ndarray,
    token_word: np.ndarray,
    doc_tokens: np.ndarray,
    state: np.ndarray,
) -> bool:
    """:func:`_distinct_runs`'s scan from ``state`` on: True when done, False (at a
    token not yet counted) when one more word would fill more than half the table."""
    n_docs = doc_starts.size - 1
    slots = slot_word.size
    mask = np.uint64(slots - 1)
    prime = np.uint64(1099511628211)
    d, i = state[_DOC], state[_AT]
    n_stored, n_words, n_tokens = state[_STORED], state[_WORDS], state[_TOKENS]
    while d < n_docs:
        stop = doc_starts[d + 1]
        while i < stop:
            if separator[i]:
                i += 1
                continue
            j = i
            h = np.uint64(14695981039346656037)
            while j < stop and not separator[j]:
                h = (h ^ values[j]) * prime
                j += 1
            length = j - i
            mixed = (h ^ (h >> np.uint64(29))) * np.uint64(_PHI)
            slot = np.int64(mixed & mask)
            while True:
                w = slot_word[slot]
                if w < 0:
                    if 2 * (n_words + 1) > slots:  # no room: the caller doubles the table
                        state[_DOC], state[_AT] = d, i
                        state[_STORED], state[_WORDS], state[_TOKENS] = n_stored, n_words, n_tokens
                        return False
                    w = n_words
                    slot_word[slot] = w
                    word_start[w] = i
                    word_length[w] = length
                    word_hash[w] = mixed
                    word_at[w] = n_stored
                    for k in range(length):
                        store[n_stored + k] = values[i + k]
                    n_stored += length
                    n_words += 1
                    break
                if word_hash[w] == mixed and word_length[w] == length:
                    other = word_at[w]
                    same = True
                    for k in range(length):
                        if store[other + k] != values[i + k]:
                            same = False
                            break
                    if same:
                        break
                slot = (slot + 1) & (slots - 1)
            token_word[n_tokens] = w
            n_tokens += 1
            i = j
        doc_tokens[d + 1] = n_tokens
        d += 1
        if d < n_docs:
            i = doc_starts[d]
    state[_DOC], state[_AT] = d, i
    state[_STORED], state[_WORDS], state[_TOKENS] = n_stored, n_words, n_tokens
    return True


def _char_wb_counts(
    ranks: np.ndarray,
    space: np.ndarray,
    doc_starts: np.ndarray,
    pad: int,
    bits: int,
    min_n: int,
    max_n: int,
    table_keys: np.ndarray,
    table_cols: np.ndarray,
    shift: int,
    n_cols: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR arrays ``(indptr, indices, counts)`` of the documents' vocabulary n-grams.

    ``ranks[i]`` is the vocabulary rank of character i (0: in no vocabulary
    term), ``space[i]`` whether it is whitespace; document d is
    ``ranks[doc_starts[d]:doc_starts[d + 1]]``. Each whitespace-separated
    word ``w`` is padded as ``" " + w + " "`` (``pad`` is the rank of " ")
    and every window of ``min_n`` to ``max_n`` characters inside it is
    looked up; a padded word shorter than ``min_n`` counts once, whole. Keys
    pack ranks ``bits`` apart, the last character lowest, and are found in
    the open-addressing table of :class:`framing._fast.vocab.NgramTable`.
    Indices come sorted within each document.

    Words repeat, so each distinct word (distinct sequence of ranks: words
    differing only in characters of rank 0 give the same n-grams) is cut
    and looked up once; a document then adds up its words' columns.
    """
    n_docs = doc_starts.size - 1
    size = ranks.size
    # 1. Tokens, and a distinct-word id for each.
    token_word, doc_tokens, word_start, word_length = _distinct_runs(ranks, space, doc_starts)
    n_words = word_start.size
    # 2. The vocabulary columns of each distinct word's n-grams (a column once per occurrence).
    windows = 0
    for w in range(n_words):
        windows += (word_length[w] + 2) * (max_n - min_n + 1) + 1
    word_cols_at = np.zeros(n_words + 1, dtype=np.int64)
    word_cols = np.empty(windows, dtype=np.int32)
    padded = np.empty(max_word_length(word_length, n_words) + 2, dtype=np.uint64)
    phi = np.uint64(_PHI)
    ushift = np.uint64(shift)
    ubits = np.uint64(bits)
    found_cols = 0
    for w in range(n_words):
        length = word_length[w] + 2
        padded[0] = pad
        start = word_start[w]
        for k in range(word_length[w]):
            padded[k + 1] = ranks[start + k]
        padded[length - 1] = pad
        starts_end = 1 if length < min_n else length - min_n + 1
        for s in range(starts_end):
            key = np.uint64(0)
            for n in range(1, max_n + 1):
                if s + n > length:
                    break
                r = padded[s + n - 1]
                if r == 0:  # a character in no term: no longer window from s matches
                    break
                key = (key << ubits) | r
                if n < min_n and not (length < min_n and n == length):
                    continue
                slot = np.int64((key * phi) >> ushift)
                while True:
                    found = table_keys[slot]
                    if found == key:
                        word_cols[found_cols] = table_cols[slot]
                        found_cols += 1
                        break
                    if found == 0:
                        break
                    slot += 1
        word_cols_at[w + 1] = found_cols
    # 3. Number the columns the words hit 0, 1, ... in column order, so that the
    # per-document tables below are small enough to stay in cache.
    used = np.zeros(n_cols, dtype=np.bool_)
    for k in range(found_cols):
        used[word_cols[k]] = True
    local_of = np.empty(n_cols, dtype=np.int32)
    n_local = 0
    for c in range(n_cols):
        if used[c]:
            local_of[c] = n_local
            n_local += 1
    global_of = np.empty(n_local, dtype=np.int32)
    for c in range(n_cols):
        if used[c]:
            global_of[local_of[c]] = c
    for k in range(found_cols):
        word_cols[k] = local_of[word_cols[k]]
    # 4. Each document: its distinct words with their counts, then the sum of
    # their columns (a word repeated in a document is expanded once). A bitmap
    # over the local columns marks those hit; reading it word by word lists
    # them in column order without sorting.
    indptr = np.zeros(n_docs + 1, dtype=np.int64)
    # Grown by doubling; prose has about 1.7 distinct 2-5-grams per character.
    capacity = max(2 * size, 1024)
    indices = np.empty(capacity, dtype=np.int32)
    counts = np.empty(capacity, dtype=np.float32)  # whole numbers: exact
    scratch = np.zeros(n_local, dtype=np.int32)
    n_blocks = (n_local + 63) // 64
    bitmap = np.zeros(n_blocks + 1, dtype=np.uint64)
    debruijn = np.uint64(0x03F79D71B4CB0A89)
    bit_of = _DEBRUIJN_INDEX
    word_count = np.zeros(n_words, dtype=np.int32)
    doc_words = np.empty(n_words, dtype=np.int64)
    one = np.uint64(1)
    low6 = np.uint64(63)
    fifty_eight = np.uint64(58)
    out = 0
    for d in range(n_docs):
        n_doc_words = 0
        for t in range(doc_tokens[d], doc_tokens[d + 1]):
            w = token_word[t]
            if word_count[w] == 0:
                doc_words[n_doc_words] = w
                n_doc_words += 1
            word_count[w] += 1
        n_touched = 0  # an upper bound on the columns hit: what the capacity needs
        for q in range(n_doc_words):
            w = doc_words[q]
            times = word_count[w]
            word_count[w] = 0
            n_touched += word_cols_at[w + 1] - word_cols_at[w]
            for k in range(word_cols_at[w], word_cols_at[w + 1]):
                col = word_cols[k]
                # No test whether the column is new: setting a set bit again is
                # harmless, and the branch it would take is unpredictable.
                bitmap[col >> 6] |= one << (np.uint64(col) & low6)
                scratch[col] += times
        if out + n_touched > capacity:
            capacity = max(2 * capacity, out + n_touched)
            grown_indices = np.empty(capacity, dtype=np.int32)
            grown_indices[:out] = indices[:out]
            indices = grown_indices
            grown_counts = np.empty(capacity, dtype=np.float32)
            grown_counts[:out] = counts[:out]
            counts = grown_counts
        for block in range(n_blocks):
            bits_set = bitmap[block]
            if bits_set == 0:
                continue
            bitmap[block] = 0
            base = block << 6
            while bits_set:
                lowest = bits_set & (~bits_set + one)  # the lowest set bit alone
                col = base + bit_of[np.int64((lowest * debruijn) >> fifty_eight)]
                indices[out] = global_of[col]
                counts[out] = scratch[col]
                scratch[col] = 0
                out += 1
                bits_set ^= lowest
        indptr[d + 1] = out
    return indptr, indices[:out], counts[:out]  # views: the caller copies what it keeps


def max_word_length(word_length: np.ndarray, n_words: int) -> int:
    """The longest of the first ``n_words`` lengths (0 when there are none)."""
    longest = 0
    for w in range(n_words):
        if word_length[w] > longest:
            longest = word_length[w]
    return longest


def _minhash(values: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For each hash k, the least ``(a[k] * v + b[k]) >> 32`` over the values (modulo 2**64)."""
    out = np.full(a.size, np.iinfo(np.uint64).max, dtype=np.uint64)
    thirty_two = np.uint64(32)
    for v in values:
        for k in range(a.size):
            h = (a[k] * v + b[k]) >> thirty_two
            if h < out[k]:
                out[k] = h
    return out.astype(np.uint32)


def _shingle_minhash(
    codes: np.ndarray, inside: np.ndarray, doc_starts: np.ndarray, params: np.ndarray, a: np.ndarray, b: np.ndarray
) -> np.ndarray:
    """MinHash of each document's word ``size``-grams, as :func:`framing.inputs.duplicates.signature`.

    Document d is ``codes[doc_starts[d]:doc_starts[d + 1]]``; its words are the
    maximal runs of code points where ``inside`` is True. Word hashes are
    ``sum of (c + 1) * p**(len - 1 - j)`` over the word's code points,
    shingles ``sum of h * mix**(size - 1 - k)``, all modulo 2**64 (Horner's
    rule gives the same values as the numpy prefix sums). Repeated shingles
    need no removing: a minimum over a multiset is the minimum over its set.
    Returns one row per document; the row of a document without words is left
    at 2**32 - 1 throughout (callers give such documents no signature).
    """
    # The parameters come in a uint64 array: a Python int at or above 2**63 as an
    # argument sends every call through numba's slow type dispatch.
    size = np.int64(params[0])
    umix = params[1]
    up = params[2]
    n_docs = doc_starts.size - 1
    out = np.full((n_docs, a.size), np.iinfo(np.uint32).max, dtype=np.uint32)
    hashes = np.empty(codes.size // 2 + 1, dtype=np.uint64)
    for d in range(n_docs):
        n_words = 0
        h = np.uint64(0)
        before = False
        for i in range(doc_starts[d], doc_starts[d + 1]):
            if inside[i]:
                if not before:
                    n_words += 1
                    h = np.uint64(0)
                h = h * up + np.uint64(codes[i]) + np.uint64(1)
                hashes[n_words - 1] = h
            before = inside[i]
        if n_words == 0:
            continue
        n = max(n_words - size + 1, 1)
        span = min(size, n_words)
        values = np.empty(n, dtype=np.uint64)
        for i in range(n):
            v = np.uint64(0)
            for k in range(span):
                v = v * umix + hashes[i + k]
            values[i] = v
        out[d] = _minhash_compiled(values, a, b)
    return out


def _agreements(rows: np.ndarray, at: np.ndarray, sig: np.ndarray) -> np.ndarray:
    """For each ``r`` in ``at``, in how many places ``rows[r]`` equals ``sig``."""
    out = np.zeros(at.size, dtype=np.int64)
    for i in range(at.size):
        row = at[i]
        same = 0
        for h in range(sig.size):
            same += rows[row, h] == sig[h]
        out[i] = same
    return out


def _merge_runs(
    indptr: np.ndarray, indices: np.ndarray, counts: np.ndarray, starts: np.ndarray, n_cols: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR rows summed in runs (``starts``); see :func:`framing._fast.vocab.merge_rows`.

    One pass: a run's columns come in the order they first appear in it.
    """
    n_runs = starts.size - 1
    seen = np.full(n_cols, -1, dtype=np.int64)
    slot = np.empty(n_cols, dtype=np.int64)
    out_indptr = np.zeros(n_runs + 1, dtype=np.int64)
    out_indices = np.empty(indptr[starts[n_runs]] - indptr[starts[0]], dtype=np.int32)
    out_counts = np.zeros(out_indices.size, dtype=np.float32)
    at = 0
    for r in range(n_runs):
        for k in range(indptr[starts[r]], indptr[starts[r + 1]]):
            col = indices[k]
            if seen[col] != r:
                seen[col] = r
                slot[col] = at
                out_indices[at] = col
                at += 1
            out_counts[slot[col]] += counts[k]
        out_indptr[r + 1] = at
    return out_indptr, out_indices[:at].copy(), out_counts[:at].copy()


def _tfidf_decision(
    indptr: np.ndarray,
    indices: np.ndarray,
    counts: np.ndarray,
    tf_table: np.ndarray,
    idf: np.ndarray,
    weights: np.ndarray,
) -> np.ndarray:
    """``l2-normalised (tf(counts) * idf) @ weights`` of a count matrix, without making the tf-idf matrix.

    The count matrix is CSR (``indptr``, ``indices``, float32 ``counts``);
    ``tf_table[c]`` is the weight of a count of c (float32, as scikit-learn
    computes it: c, 1, or log(c) + 1). Every step is scikit-learn's and
    scipy's, in their order and precision: the tf-idf value in float32, the
    row's sum of squares in float64 from float32 squares, each value divided
    by the norm in float64 and rounded to float32, then the product
    accumulated in float64 entry by entry. So the result is the same, bit for
    bit, as ``TfidfTransformer.transform(X) @ weights``.
    """
    n_docs = indptr.size - 1
    k = weights.shape[1]
    flat = weights.ravel()  # (C order) the row of column c starts at c * k
    out = np.zeros((n_docs, k))
    longest = 0
    for d in range(n_docs):
        longest = max(longest, indptr[d + 1] - indptr[d])
    values = np.empty(longest)  # each float32 value, held exactly in float64
    rows = np.empty(longest, dtype=np.uint64)  # where each column's weights start
    uk = np.uint64(k)
    one = np.uint64(1)
    # Unsigned indices throughout: numba then skips its negative-index handling.
    for d in range(n_docs):
        start = np.uint64(indptr[d])
        n = np.uint64(indptr[d + 1]) - start
        total = 0.0
        for j in range(n):
            v = tf_table[np.uint64(counts[start + j])] * idf[np.uint64(indices[start + j])]  # float32
            values[j] = v
            total += np.float64(v * v)
        if total != 0.0:
            norm = np.sqrt(total)
            for j in range(n):
                values[j] = np.float32(values[j] / norm)
        for j in range(n):
            rows[j] = np.uint64(indices[start + j]) * uk
        # The frames eight at a time, then two, then one, each frame's sum in a
        # register of its own (about 15% faster than a loop over an array of sums);
        # every sum still adds its terms in column order, so the result is the same.
        t = 0
        while t + 8 <= k:
            a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = 0.0
            ut = np.uint64(t)
            for j in range(n):
                a = values[j]
                b = rows[j] + ut
                a0 += a * flat[b]
                a1 += a * flat[b + one]
                a2 += a * flat[b + np.uint64(2)]
                a3 += a * flat[b + np.uint64(3)]
                a4 += a * flat[b + np.uint64(4)]
                a5 += a * flat[b + np.uint64(5)]
                a6 += a * flat[b + np.uint64(6)]
                a7 += a * flat[b + np.uint64(7)]
            out[d, t] = a0
            out[d, t + 1] = a1
            out[d, t + 2] = a2
            out[d, t + 3] = a3
            out[d, t + 4] = a4
            out[d, t + 5] = a5
            out[d, t + 6] = a6
            out[d, t + 7] = a7
            t += 8
        while t + 2 <= k:
            a0 = a1 = 0.0
            ut = np.uint64(t)
            for j in range(n):
                a = values[j]
                b = rows[j] + ut
                a0 += a * flat[b]
                a1 += a * flat[b + one]
            out[d, t] = a0
            out[d, t + 1] = a1
            t += 2
        if t < k:
            a0 = 0.0
            ut = np.uint64(t)
            for j in range(n):
                a0 += values[j] * flat[rows[j] + ut]
            out[d, t] = a0
    return out


if AVAILABLE:
    _runs_scan = njit(cache=True, nogil=True)(_runs_scan)
    _distinct_runs = njit(cache=True, nogil=True)(_distinct_runs)
    _minhash_compiled: Any = njit(cache=True, nogil=True)(_minhash)
    _shingle_minhash_compiled: Any = njit(cache=True, nogil=True)(_shingle_minhash)
    max_word_length = njit(cache=True, nogil=True)(max_word_length)
    _compiled: Any = njit(cache=True, nogil=True)(_char_wb_counts)
    _tfidf_decision_compiled: Any = njit(cache=True, nogil=True)(_tfidf_decision)
    _agreements_compiled: Any = njit(cache=True, nogil=True)(_agreements)
    _merge_runs_compiled: Any = njit(cache=True, nogil=True)(_merge_runs)
else:  # pragma: no cover
    _compiled = _minhash_compiled = _shingle_minhash_compiled = _tfidf_decision_compiled = None
    _agreements_compiled = _merge_runs_compiled = None


def char_wb_counts(
    ranks: np.ndarray,
    space: np.ndarray,
    doc_starts: np.ndarray,
    *,
    pad: int,
    bits: int,
    ngram_range: tuple[int, int],
    table_keys: np.ndarray,
    table_cols: np.ndarray,
    shift: int,
    n_cols: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Compiled :func:`_char_wb_counts`; raises RuntimeError where numba is missing."""
    if _compiled is None:  # pragma: no cover
        raise RuntimeError("numba is not installed")
    ensure_compiled()
    min_n, max_n = ngram_range
    return _compiled(
        _plain(ranks, np.uint64),
        _plain(space, np.bool_),
        _plain(doc_starts, np.int64),
        int(pad),
        int(bits),
        int(min_n),
        int(max_n),
        _plain(table_keys, np.uint64),
        _plain(table_cols, np.int32),
        int(shift),
        int(n_cols),
    )


def distinct_runs(
    values: np.ndarray, separator: np.ndarray, doc_starts: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Compiled :func:`_distinct_runs`; raises RuntimeError where numba is missing.

    Values of up to 32 bits (code points) are compared as they are: widening a
    batch of them to 64 bits was a copy of every character.
    """
    if _compiled is None:  # pragma: no cover
        raise RuntimeError("numba is not installed")
    ensure_compiled()
    narrow = values.dtype.kind == "u" and values.dtype.itemsize <= 4
    return _distinct_runs(
        _plain(values, np.uint32 if narrow else np.uint64), _plain(separator, np.bool_), _plain(doc_starts, np.int64)
    )


def minhash(values: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Compiled :func:`_minhash` (uint64 values and multipliers); raises RuntimeError where numba is missing."""
    if _minhash_compiled is None:  # pragma: no cover
        raise RuntimeError("numba is not installed")
    ensure_compiled()
    return _minhash_compiled(_plain(values, np.uint64), _plain(a, np.uint64), _plain(b, np.uint64))


def shingle_minhash(
    codes: np.ndarray,
    inside: np.ndarray,
    doc_starts: np.ndarray,
    *,
    size: int,
    mix: int,
    p: int,
    a: np.ndarray,
    b: np.ndarray,
) -> np.ndarray:
    """Compiled :func:`_shingle_minhash`; raises RuntimeError where numba is missing."""
    if _shingle_minhash_compiled is None:  # pragma: no cover
        raise RuntimeError("numba is not installed")
    ensure_compiled()
    params = np.array([size, mix, p], dtype=np.uint64)
    return _shingle_minhash_compiled(
        _plain(codes, np.uint32), _plain(inside, np.bool_), _plain(doc_starts, np.int64), params, a, b
    )


def tfidf_decision(
    indptr: np.ndarray,
    indices: np.ndarray,
    counts: np.ndarray,
    *,
    tf_table: np.ndarray,
    idf: np.ndarray,
    weights: np.ndarray,
) -> np.ndarray:
    """Compiled :func:`_tfidf_decision`; raises RuntimeError where numba is missing."""
    if _tfidf_decision_compiled is None:  # pragma: no cover
        raise RuntimeError("numba is not installed")
    ensure_compiled()
    return _tfidf_decision_compiled(
        _plain(indptr, np.int64),
        _plain(indices, np.int32),
        _plain(counts, np.float32),
        _plain(tf_table, np.float32),
        _plain(idf, np.float32),
        _plain(weights, np.float64),
    )


def merge_runs(
    indptr: np.ndarray, indices: np.ndarray, counts: np.ndarray, starts: np.ndarray, *, n_cols: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Compiled :func:`_merge_runs` (float32 counts); raises RuntimeError where numba is missing."""
    if _merge_runs_compiled is None:  # pragma: no cover
        raise RuntimeError("numba is not installed")
    ensure_compiled()
    return _merge_runs_compiled(
        _plain(indptr, np.int64),
        _plain(indices, np.int32),
        _plain(counts, np.float32),
        _plain(starts, np.int64),
        n_cols,
    )


def agreements(rows: np.ndarray, at: np.ndarray, sig: np.ndarray) -> np.ndarray:
    """Compiled :func:`_agreements` (uint32 signatures); raises RuntimeError where numba is missing."""
    if _agreements_compiled is None:  # pragma: no cover
        raise RuntimeError("numba is not installed")
    ensure_compiled()
    return _agreements_compiled(_plain(rows, np.uint32), _plain(at, np.int64), _plain(sig, np.uint32))


_READY: list[bool] = []
# What numba imports, when it first loads a compiled function, to see whether it can
# do linear algebra (np.dot, np.linalg in compiled code): scipy.linalg with its BLAS.
_NUMBA_BLAS_PROBE = "scipy.linalg.cython_blas"


def ensure_compiled_for_scoring_run() -> None:
    """:func:`ensure_compiled`, without numba setting up compiled linear algebra.

    For a process that ends with its scoring run (``framing score``): numba's
    first load of a compiled function imports scipy.linalg to find a BLAS, a
    sizeable part of the run's start-up, and none of these kernels uses
    one. numba is shown the BLAS module as missing while the kernels load, and
    so skips it; afterwards scipy.linalg imports as usual, but functions compiled
    later in this process cannot use ``np.dot`` or ``np.linalg``. Hence not in
    :func:`ensure_compiled`, which library callers' processes run.
    """
    if _READY or _compiled is None:
        return
    if "numba.np.arraymath" in sys.modules or _NUMBA_BLAS_PROBE in sys.modules:  # numba looked already
        ensure_compiled()
        return
    sys.modules[_NUMBA_BLAS_PROBE] = None  # type: ignore[assignment]  # import of it raises ImportError
    try:
        ensure_compiled()
    finally:
        if sys.modules.get(_NUMBA_BLAS_PROBE, False) is None:
            del sys.modules[_NUMBA_BLAS_PROBE]


def ensure_compiled() -> None:
    """Compile (or load from the cache) every kernel now, with Ctrl-C held until done.

    numba compiles through LLVM callbacks made with ctypes, and ctypes prints
    and drops an exception raised inside a callback: a Ctrl-C (or the
    KeyboardInterrupt ``framing`` raises on SIGTERM) arriving while a kernel
    compiles would be lost and the run would go on. So SIGINT and SIGTERM are
    only noted while the kernels are built, and raised again as soon as they are.
    Scoring calls this before it forks its workers, so that no worker compiles.
    """
    if _READY or _compiled is None:
        return
    held: list[int] = []
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():  # only it may set handlers
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, lambda number, frame: held.append(number))
    try:
        ranks = np.array([1, 0, 2], dtype=np.uint64)
        space = np.array([False, True, False])
        starts = np.array([0, 3], dtype=np.int64)
        keys = np.zeros(4, dtype=np.uint64)
        cols = np.full(4, -1, dtype=np.int32)
        _compiled(ranks, space, starts, 1, 2, 2, 5, keys, cols, 62, 1)
        a = np.ones(2, dtype=np.uint64)
        _minhash_compiled(a, a, a)
        _shingle_minhash_compiled(
            np.array([97, 32, 98], dtype=np.uint32), ~space, starts, np.array([5, 3, 7], dtype=np.uint64), a, a
        )
        _distinct_runs(ranks, space, starts)
        _distinct_runs(ranks.astype(np.uint32), space, starts)  # code points, as the word path passes them
        one = np.ones(1, dtype=np.float32)
        _tfidf_decision_compiled(
            starts[:2] // 3, np.zeros(1, dtype=np.int32), one, np.ones(2, dtype=np.float32), one, np.ones((1, 1))
        )
        _agreements_compiled(np.zeros((2, 3), dtype=np.uint32), starts // 3, np.zeros(3, dtype=np.uint32))
        _merge_runs_compiled(starts[:2] // 3, np.zeros(1, dtype=np.int32), one, starts[:2] // 3, 1)
        _READY.append(True)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if held:
            signal.raise_signal(held[0])  # now handled as it would have been


def _plain(array: np.ndarray, dtype: Any) -> np.ndarray:
    # numba compiles once per argument type, and a read-only array (np.frombuffer's)
    # is another type: every call gets writable C-contiguous arrays of one dtype, the
    # types ensure_compiled builds, so nothing compiles later (in a worker, say).
    if type(array) is np.ndarray and array.dtype == dtype and array.flags.c_contiguous and array.flags.writeable:
        return array  # as np.require would return it, without its checks (linking calls this per article)
    return np.require(array, dtype=dtype, requirements=["C", "W"])
