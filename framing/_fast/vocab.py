"""Vocabularies as numpy tables, and the counting that looks texts up in them.

The fitted vocabulary of a feature block becomes tables that whole batches of
text are looked up in at once: :class:`NgramTable` for character n-grams,
:class:`StemTable` for stemmed word n-grams. The counting functions give a
batch's count matrix as CSR arrays. Both :mod:`framing._fast.vectorizers` (the
scikit-learn vectorizers, for training and ``transform``) and
:mod:`framing._fast.scorer` (scoring without scikit-learn) count with them, so the
two give the same counts. Nothing here imports scikit-learn or scipy.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

import numpy as np

from ..core.text import STOP_WORDS, StemAnalyzer, folded_letters, stem, tokens_of
from . import kernels

__all__ = [
    "CueTable", "NgramTable", "StemTable", "WordCodes", "char_wb_counts", "count_pairs", "cue_counts", "join_terms",
    "cue_values", "merge_cue_counts", "merge_rows", "space_table", "split_terms", "stem_pairs", "tf_table",
]

# Joins a vocabulary's terms into one string (a pickle of a vectorizer, a model's scoring form):
# one string unpickles in a moment where a dict of 200,000 strings took seconds.
TERM_SEP = "\x00"

# Words remembered by a stem table before it starts afresh; bounds memory in long-lived processes.
_MAX_WORDS = 500_000


def join_terms(vocabulary: Any) -> str | None:
    """A vocabulary's terms in column order joined by :data:`TERM_SEP`; None where that
    would not split back to the same vocabulary (:func:`split_terms`).

    Only a plain vocabulary can: a non-empty dict of string terms to the columns 0..n-1,
    no term holding the separator.
    """
    if (
        not isinstance(vocabulary, dict)
        or not vocabulary
        or not all(isinstance(term, str) for term in vocabulary)
        or sorted(vocabulary.values()) != list(range(len(vocabulary)))
    ):
        return None
    terms = [""] * len(vocabulary)
    for term, col in vocabulary.items():
        terms[col] = term
    joined = TERM_SEP.join(terms)
    return joined if joined.count(TERM_SEP) == len(terms) - 1 else None


def split_terms(joined: str) -> dict[str, int]:
    """The vocabulary (term -> column) that :func:`join_terms` joined."""
    terms = joined.split(TERM_SEP)
    return dict(zip(terms, range(len(terms))))


def count_pairs(
    rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Count (row, col) pairs: ``(indptr, indices, counts)`` of a CSR matrix with sorted indices.

    The matrix scikit-learn's ``_count_vocab`` builds (``counts`` are int64).
    """
    # One sortable key per pair, row-major; int32 when it fits (sorts twice as fast).
    wide = n_rows * n_cols >= np.iinfo(np.int32).max
    key_dtype: Any = np.int64 if wide else np.int32
    pairs: np.ndarray = rows.astype(key_dtype, copy=False) * n_cols
    pairs += cols
    pairs.sort()
    counts: np.ndarray
    unique: np.ndarray
    if pairs.size:
        change = np.empty(pairs.size, dtype=bool)
        change[0] = True
        np.not_equal(pairs[1:], pairs[:-1], out=change[1:])
        starts = np.flatnonzero(change)
        counts = np.empty(starts.size, dtype=np.int64)
        np.subtract(starts[1:], starts[:-1], out=counts[:-1])
        counts[-1] = pairs.size - starts[-1]
        unique = pairs[starts]
    else:
        counts = unique = np.zeros(0, dtype=key_dtype)
    row, col = np.divmod(unique, n_cols)
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=n_rows), out=indptr[1:])
    index_dtype = np.int32 if max(unique.size, n_cols) < np.iinfo(np.int32).max else np.int64
    return indptr.astype(index_dtype), col.astype(index_dtype), counts


class NgramTable:
    """Exact packed n-gram keys -> column, in a numpy open-addressing hash table.

    Each character of the vocabulary's alphabet gets a rank from 1 to ``A``
    (``bits`` bits); an n-gram's key is its ranks packed ``bits`` bits apart.
    The ranks are never 0, so keys of different lengths differ too: the key
    is a one-to-one encoding of the n-gram, and a match is never a collision.
    """

    def __init__(self, vocabulary: dict[str, int], *, max_n: int, key: Any = None):
        self.key = key  # what the tables were built for (stale when it changes)
        terms = list(vocabulary)
        columns = np.fromiter(vocabulary.values(), dtype=np.int64, count=len(terms))
        alphabet = np.unique(np.frombuffer("".join(terms).encode("utf-32-le"), dtype=np.uint32))
        self.bits = max(int(alphabet.size).bit_length(), 1)
        longest = max(map(len, terms), default=0)
        # The caller falls back to scikit-learn's path when keys do not fit 64 bits.
        self.fits = self.bits * max(longest, max_n) <= 64
        self.alphabet = alphabet
        self.rank_of: np.ndarray | None = None
        if not self.fits:
            return
        keys = self.keys_of_terms(terms)
        ordered = np.sort(keys)
        if (ordered[1:] == ordered[:-1]).any():  # cannot happen (the packing is one-to-one); be safe
            self.fits = False
            return
        size = 1 << max(int(4 * len(terms)).bit_length(), 4)  # load factor <= 1/4: short probes
        self.shift = np.uint64(64 - (size.bit_length() - 1))
        home = self._slots(keys)
        # Linear probing, built in one pass: in order of home slot, each key takes
        # the first free slot at or after its home. Slots run past ``size`` rather
        # than wrapping, and the table ends with an empty slot that stops every probe.
        order = np.argsort(home, kind="stable")
        home = home[order]
        rank = np.arange(len(terms))
        slots = rank + np.maximum.accumulate(home - rank)  # pos[i] = max(home[i], pos[i-1] + 1)
        length = max(size, int(slots.max(initial=0)) + 1) + 1
        self.table_keys = np.zeros(length, dtype=np.uint64)  # 0: empty slot (no key is 0)
        self.table_cols = np.full(length, -1, dtype=np.int32)
        self.table_keys[slots] = keys[order]
        self.table_cols[slots] = columns[order]

    def ranks(self, codes: np.ndarray) -> np.ndarray:
        """Rank of each code point (0 where not in the vocabulary's alphabet)."""
        if self.rank_of is None:
            # A table over every code point: one gather per character instead of a search.
            table = np.zeros(0x110000, dtype=np.uint64)
            table[self.alphabet] = np.arange(1, self.alphabet.size + 1, dtype=np.uint64)
            self.rank_of = table
        return self.rank_of[codes]

    def keys_of_terms(self, terms: list[str]) -> np.ndarray:
        """The packed key of each term."""
        lengths = np.fromiter(map(len, terms), dtype=np.int64, count=len(terms))
        ranks = self.ranks(np.frombuffer("".join(terms).encode("utf-32-le"), dtype=np.uint32))
        starts = np.cumsum(lengths) - lengths
        keys = np.zeros(len(terms), dtype=np.uint64)
        for i in range(int(lengths.max(initial=0))):  # the i-th character of the terms that long
            has = lengths > i
            keys[has] = (keys[has] << np.uint64(self.bits)) | ranks[starts[has] + i]
        return keys

    def _slots(self, keys: np.ndarray) -> np.ndarray:
        # Fibonacci hashing: the top bits of key * 2**64/phi spread packed keys evenly.
        return ((keys * np.uint64(0x9E3779B97F4A7C15)) >> self.shift).astype(np.int64)

    def columns(self, keys: np.ndarray) -> np.ndarray:
        """Column of each key, -1 where it is not in the vocabulary."""
        slots = self._slots(keys)
        found = self.table_keys[slots]
        # Most keys are settled by their first slot: their own key, or an empty slot.
        out = self.table_cols[slots]
        missed = found != keys
        out[missed] = -1
        pending = np.flatnonzero(missed & (found != 0))
        slots = slots[pending]
        while pending.size:  # the rest probe the following slots until settled
            slots = slots + 1
            found = self.table_keys[slots]
            wanted = keys[pending]
            hit = found == wanted
            out[pending[hit]] = self.table_cols[slots[hit]]
            more = ~hit & (found != 0)
            pending, slots = pending[more], slots[more]
        return out


class WordCodes(dict[str, int]):
    """Word -> ``(stem id << 1) | is_stop``, filled in (by stemming) as words are met.

    One int per word, written with one dict assignment, keeps the table
    consistent without a lock (there is nothing to hold across a fork).
    """

    def __init__(self, stem_ids: dict[str, int], unknown: int):
        super().__init__()
        self.stem_ids = stem_ids
        self.unknown = unknown

    def __missing__(self, word: str) -> int:
        code = (self.stem_ids.get(stem(word), self.unknown) << 1) | (word in STOP_WORDS)
        if len(self) >= _MAX_WORDS:
            self.clear()
        self[word] = code
        return code


class StemTable:
    """A :class:`~framing.core.text.StemAnalyzer` vocabulary as numpy tables over stem ids.

    Each stem in a vocabulary term gets an id ``0 .. unknown - 1``; a word
    whose stem is in no term gets ``unknown``, so no n-gram holding it matches.
    Unigram ``s`` is found by ``unigram_cols[id(s)]``, bigram ``"a b"`` (stems
    hold no space) by its key ``id(a) << 32 | id(b)`` among ``bigram_keys``;
    ``first[id]`` and ``second[id]`` say whether a stem starts or ends a
    vocabulary bigram, so most pairs are settled without a search.
    """

    def __init__(self, vocabulary: dict[str, int], *, key: Any = None):
        self.key = key  # what the tables were built for (stale when it changes)
        self.fits = all(isinstance(term, str) for term in vocabulary)
        stem_ids: dict[str, int] = {}
        number = stem_ids.setdefault
        unigrams: list[tuple[int, int]] = []
        bigrams: list[tuple[int, int]] = []
        for term, col in vocabulary.items() if self.fits else ():
            parts = term.split(" ")
            if len(parts) == 1:
                unigrams.append((number(parts[0], len(stem_ids)), col))
            elif len(parts) == 2:  # longer terms are no n-gram of length <= 2
                first = number(parts[0], len(stem_ids))
                bigrams.append(((first << 32) | number(parts[1], len(stem_ids)), col))
        self.unknown = len(stem_ids)
        self.fits = self.fits and self.unknown < 1 << 31
        self.unigram_cols = np.full(self.unknown + 1, -1, dtype=np.int64)
        if unigrams:
            ids, cols = np.array(unigrams, dtype=np.int64).T
            self.unigram_cols[ids] = cols
        pairs = np.array(bigrams, dtype=np.int64).reshape(-1, 2)
        order = np.argsort(pairs[:, 0])
        # One sentinel key past every real one, so that searchsorted's index is always valid.
        self.bigram_keys = np.append(pairs[order, 0], np.iinfo(np.int64).max)
        self.bigram_cols = np.append(pairs[order, 1], -1)
        self.first = np.zeros(self.unknown + 1, dtype=bool)
        self.first[pairs[:, 0] >> 32] = True
        self.second = np.zeros(self.unknown + 1, dtype=bool)
        self.second[pairs[:, 0] & 0xFFFFFFFF] = True
        self.words = WordCodes(stem_ids, self.unknown)

    def bigram_columns(self, keys: np.ndarray) -> np.ndarray:
        """Column of each bigram key, -1 where it is not in the vocabulary."""
        at = np.searchsorted(self.bigram_keys, keys)
        return np.where(self.bigram_keys[at] == keys, self.bigram_cols[at], -1)


_SPACE: np.ndarray | None = None


def space_table() -> np.ndarray:
    """Whether each code point is whitespace to ``str.split`` (all such code points are below U+3001)."""
    global _SPACE
    if _SPACE is None:
        table = np.zeros(0x110000, dtype=np.bool_)
        table[[c for c in range(0x3001) if chr(c).isspace()]] = True
        _SPACE = table
    return _SPACE


def char_wb_counts(
    docs: list[str], table: NgramTable, *, ngram_range: tuple[int, int], n_cols: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counts of the ``char_wb`` n-grams of preprocessed documents that are in the table.

    One compiled pass (:func:`framing._fast.kernels.char_wb_counts`); returns the
    ``(indptr, indices, counts)`` of the count matrix, indices sorted. Needs
    the kernels (:data:`framing._fast.kernels.AVAILABLE`) and a table that fits.
    """
    lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
    starts = np.zeros(len(docs) + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    codes = np.frombuffer("".join(docs).encode("utf-32-le"), dtype=np.uint32)
    indptr, indices, counts = kernels.char_wb_counts(
        table.ranks(codes),
        space_table()[codes],
        starts,
        pad=int(table.ranks(np.array([ord(" ")], dtype=np.uint32))[0]),
        bits=table.bits,
        ngram_range=ngram_range,
        table_keys=table.table_keys,
        table_cols=table.table_cols,
        shift=int(table.shift),
        n_cols=n_cols,
    )
    # The kernel's arrays are views of larger buffers: copy them to free those.
    return indptr, indices.copy(), counts.copy()  # counts: float32, as the kernel makes them


def stem_pairs(docs: list[str], table: StemTable, *, analyzer: StemAnalyzer) -> tuple[np.ndarray, np.ndarray]:
    """``(row, column)`` of every vocabulary n-gram the analyzer finds in decoded documents.

    Counting the pairs (:func:`count_pairs`) gives the count matrix the
    analyzer's n-grams would; no n-gram string is made.
    """
    low, high = analyzer.ngram_range
    rows, codes = _token_codes(docs, table.words)
    if analyzer.stop_words:  # dropped before n-grams are formed, as the analyzer does
        kept = (codes & 1) == 0
        codes, rows = codes[kept], rows[kept]
    stems = codes >> 1
    found_rows: list[np.ndarray] = []
    found_cols: list[np.ndarray] = []
    if low == 1:
        cols = table.unigram_cols[stems]
        hit = cols >= 0
        found_rows.append(rows[hit])
        found_cols.append(cols[hit])
    if high == 2:
        # Pairs in one document (no bigram crosses documents) that may be a vocabulary bigram.
        at = np.flatnonzero(table.first[stems[:-1]] & table.second[stems[1:]] & (rows[1:] == rows[:-1]))
        cols = table.bigram_columns((stems[at] << 32) | stems[at + 1])
        hit = cols >= 0
        found_rows.append(rows[at[hit]])
        found_cols.append(cols[hit])
    return np.concatenate(found_rows), np.concatenate(found_cols)


# The last batch's distinct words: the word and cue blocks tokenise the same batch (the same
# list object) one after the other, so the second finds its words here.
_LAST_WORDS: list[Any] = [None, None]


def _distinct_words(docs: list[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The batch's distinct words, each token's word and where each document's tokens begin."""
    if _LAST_WORDS[0] is docs:
        return _LAST_WORDS[1]
    _, points, letters, starts = folded_letters(docs)
    token_word, doc_tokens, word_start, word_length = kernels.distinct_runs(points, ~letters, starts)
    found = (words_at(points, word_start, word_length), token_word, doc_tokens)
    _LAST_WORDS[:] = [docs, found]
    return found


def _token_codes(docs: list[str], words: WordCodes) -> tuple[np.ndarray, np.ndarray]:
    """``(row, code)`` of every word of the documents, in order: the analyzer's tokens, coded by ``words``."""
    if kernels.AVAILABLE:
        # The analyzer's words are the runs of letters of the folded text: find the
        # batch's distinct words in one compiled pass and look each up once, making
        # no string per token.
        found, token_word, doc_tokens = _distinct_words(docs)
        word_codes = np.fromiter(map(words.__getitem__, found), dtype=np.int64, count=len(found))
        codes = word_codes[token_word]
        lengths = np.diff(doc_tokens)
    else:
        tokens = tokens_of(docs)  # the analyzer's own tokenisation, for the whole batch at once
        lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
        codes = np.fromiter(
            map(words.__getitem__, chain.from_iterable(tokens)), dtype=np.int64, count=int(lengths.sum())
        )
    return np.repeat(np.arange(len(docs), dtype=np.int64), lengths), codes


class CueTable:
    """Cue phrases (stem sequences, each for some columns) as tables over stem ids.

    A phrase of n stems is found by its key, the stems' ids as the digits of a
    number in base ``unknown + 1``; the phrases of each length are sorted by key.

    Examples
    --------
    >>> table = CueTable([[("sanction",), ("oil", "export")], [("troop",)]])
    >>> counts, stems = cue_counts(["Oil exports and sanctions; more sanctions.", "No troops."], table)
    >>> counts.tolist(), stems.tolist()
    ([[3.0, 0.0], [0.0, 1.0]], [4.0, 1.0])
    """

    def __init__(self, phrases: list[list[tuple[str, ...]]]):
        self.n_cols = len(phrases)
        stem_ids: dict[str, int] = {}
        for column in phrases:
            for phrase in column:
                for part in phrase:
                    stem_ids.setdefault(part, len(stem_ids))
        self.unknown = len(stem_ids)
        base = self.unknown + 1
        by_length: dict[int, list[tuple[int, int]]] = {}
        for col, column in enumerate(phrases):
            for phrase in set(column):
                key = 0
                for part in phrase:
                    key = key * base + stem_ids[part]
                by_length.setdefault(len(phrase), []).append((key, col))
        longest = max(by_length, default=0)
        if base ** max(longest, 1) >= 1 << 62:
            raise ValueError("cue phrases too long or too many to key")
        self.base = base
        self.keys: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for n, pairs in sorted(by_length.items()):
            array = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
            self.keys[n] = (array[:, 0], array[:, 1])
        self.words = WordCodes(stem_ids, self.unknown)


def cue_counts(docs: list[str], table: CueTable) -> tuple[np.ndarray, np.ndarray]:
    """Each document's matches of each column's phrases, and its count of stems (function words left out).

    Phrases match as :class:`~framing.core.text.StemAnalyzer` n-grams do: over a
    document's stems in order, function words dropped first, within one document.
    """
    rows, codes = _token_codes(docs, table.words)
    kept = (codes & 1) == 0
    rows, stems = rows[kept], codes[kept] >> 1
    counts = np.zeros((len(docs), table.n_cols))
    for n, (keys, cols) in table.keys.items():
        if stems.size < n:
            continue
        window = stems.size - n + 1
        key = np.zeros(window, dtype=np.int64)
        same = np.ones(window, dtype=bool)
        for i in range(n):
            key = key * table.base + stems[i : i + window]
            same &= (stems[i : i + window] != table.unknown) & (rows[i : i + window] == rows[:window])
        at = np.flatnonzero(same)
        if at.size == 0:
            continue
        # A key can stand for several columns: search the first and walk the run of equal keys.
        first = np.searchsorted(keys, key[at], side="left")
        last = np.searchsorted(keys, key[at], side="right")
        for shift in range(int((last - first).max())):
            hit = first + shift < last
            np.add.at(counts, (rows[at[hit]], cols[first[hit] + shift]), 1.0)
    return counts, np.bincount(rows, minlength=len(docs)).astype(np.float64)


def merge_cue_counts(counts: tuple[np.ndarray, np.ndarray], starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`cue_counts` of runs of documents (``starts``: where each begins, then the end) summed.

    Examples
    --------
    >>> counts = (np.array([[1.0], [2.0], [0.0]]), np.array([3.0, 4.0, 5.0]))
    >>> matches, stems = merge_cue_counts(counts, np.array([0, 2, 3]))
    >>> matches.tolist(), stems.tolist()
    ([[3.0], [0.0]], [7.0, 5.0])
    """
    matches, stems = counts
    return np.add.reduceat(matches, starts[:-1], axis=0), np.add.reduceat(stems, starts[:-1])


def cue_values(counts: np.ndarray, stems: np.ndarray, *, scale: str) -> np.ndarray:
    """Cue features (float32) of texts with these matches and stems.

    ``"sqrt"``: matches over the square root of the stems, as tf-idf's l2 norm
    scales a text's counts; ``"log"``: ``log(1 + matches)``.
    """
    if scale == "log":
        return np.log1p(counts).astype(np.float32)
    return (counts / np.sqrt(np.maximum(stems, 1.0))[:, None]).astype(np.float32)


def merge_rows(
    indptr: np.ndarray, indices: np.ndarray, counts: np.ndarray, starts: np.ndarray, *, n_cols: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A count matrix's rows summed in runs (``starts``: where each run begins, then the end), as CSR.

    A section is the sum of its passages' counts. Each column appears once in a
    row; with the compiled kernels (float32 counts) in the order it first appears
    in the run, else sorted. The counts keep their dtype.

    Examples
    --------
    >>> indptr, indices, counts = np.array([0, 2, 3, 4]), np.array([1, 3, 1, 0]), np.array([1.0, 2.0, 5.0, 1.0])
    >>> [a.tolist() for a in merge_rows(indptr, indices, counts, np.array([0, 2, 3]), n_cols=4)]
    [[0, 2, 3], [1, 3, 0], [6.0, 2.0, 1.0]]
    """
    if kernels.AVAILABLE and counts.dtype == np.float32:
        out_indptr, out_indices, summed = kernels.merge_runs(indptr, indices, counts, starts, n_cols=n_cols)
        return out_indptr, out_indices.astype(indices.dtype, copy=False), summed
    passage_rows = np.repeat(np.arange(indptr.size - 1, dtype=np.int64), np.diff(indptr))
    run_of_row = np.repeat(np.arange(starts.size - 1, dtype=np.int64), np.diff(starts))
    keys = run_of_row[passage_rows] * n_cols + indices
    unique, inverse = np.unique(keys, return_inverse=True)
    summed = np.zeros(unique.size, dtype=counts.dtype)
    np.add.at(summed, inverse, counts)
    runs = unique // n_cols
    out_indptr = np.zeros(starts.size, dtype=np.int64)
    np.cumsum(np.bincount(runs, minlength=starts.size - 1), out=out_indptr[1:])
    return out_indptr, (unique % n_cols).astype(indices.dtype), summed


def words_at(points: np.ndarray, word_start: np.ndarray, word_length: np.ndarray) -> list[str]:
    """The strings of words given as runs of code points, none of which is a space.

    ``points[word_start[i]:word_start[i] + word_length[i]]`` is word i. The
    words' code points are gathered one after another with a space between, then
    decoded and split once: a third of the time of slicing a string per word.

    Examples
    --------
    >>> points = np.frombuffer("oil, gas".encode("utf-32-le"), dtype=np.uint32)
    >>> words_at(points, np.array([0, 5]), np.array([3, 3]))
    ['oil', 'gas']
    """
    if word_start.size == 0:
        return []
    ends = np.cumsum(word_length + 1)  # where each word and the space after it end in the gathered points
    total = int(ends[-1]) - 1  # (no space after the last word)
    source = np.arange(total) + np.repeat(word_start - (ends - word_length - 1), word_length + 1)[:total]
    gathered = points[np.minimum(source, points.size - 1)]  # (a space's source is overwritten)
    gathered[ends[:-1] - 1] = ord(" ")
    return gathered.astype(np.uint32, copy=False).tobytes().decode("utf-32-le").split(" ")


def tf_table(top: int, *, binary: bool, sublinear_tf: bool) -> np.ndarray:
    """The tf weight of each count 0..top, as ``TfidfTransformer.transform`` computes it (float32)."""
    if binary:
        return np.ones(top + 1, dtype=np.float32)
    table = np.arange(top + 1, dtype=np.float32)
    if sublinear_tf:  # numpy's float32 log, as scikit-learn applies it to float32 data
        table[1:] = np.log(table[1:])
        table[1:] += 1.0
    return table
