"""TF-IDF vectorizers that fit as scikit-learn does and transform much faster.

Both classes are :class:`~sklearn.feature_extraction.text.TfidfVectorizer`
subclasses: fitting is scikit-learn's own code (vocabulary, ``min_df``,
``max_features`` and idf exactly as before), and the counts a transform
builds go through the same fitted :class:`~sklearn.feature_extraction.text.TfidfTransformer`,
so the matrices are the ones scikit-learn makes, bit for bit. Only the
counting differs:

* :class:`CharNgramVectorizer` (``analyzer="char_wb"``) counts character
  n-grams with numpy over a whole batch of texts at once, with no Python loop
  per n-gram. scikit-learn's loop building every n-gram string and looking it
  up in a dict was most of the time spent scoring.
* :class:`WordNgramVectorizer` (any analyzer) looks features up with
  ``dict.get`` and counts them with numpy; scikit-learn raises and catches a
  ``KeyError`` for every out-of-vocabulary n-gram.

Both also pickle the vocabulary as one string instead of a dict of strings:
joblib unpickles with Python's pure-Python unpickler, which took seconds over
a 200,000-entry dict.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain, repeat
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from .text import _STOP, StemAnalyzer, _tokens, stem

__all__ = ["CharNgramVectorizer", "WordNgramVectorizer"]

# Code point that separates padded words in a batch (whitespace never occurs
# inside a word, so no vocabulary n-gram contains it).
_SEP = "\n"
# Upper bound on the code points handled in one numpy pass; bounds memory on huge batches.
_BATCH_CHARS = 250_000  # ~1 MB of code points; its temporaries stay a few tens of MB
# Joins the vocabulary's terms in a pickle; a vocabulary with a term holding it is pickled as a dict.
_TERM_SEP = "\x00"
# Upper bound on the characters of documents counted in one numpy pass of the word path.
_WORD_BATCH_CHARS = 1_000_000
# Words remembered by a stem table before it starts afresh; bounds memory in long-lived processes.
_MAX_WORDS = 500_000


class _CompactPickle:
    """Pickle ``vocabulary_`` as one joined string and drop caches rebuilt on demand."""

    # Attributes rebuilt lazily after unpickling (derived from vocabulary_).
    _derived: tuple[str, ...] = ()

    def fit(self, raw_documents: Iterable[Any], y: Any = None) -> Any:
        """Fit as ``TfidfVectorizer.fit`` does. Returns self."""
        parent: Any = super()
        parent.fit(raw_documents, y)
        self._fitted()
        return self

    def fit_transform(self, raw_documents: Iterable[Any], y: Any = None) -> Any:
        """Fit and transform as ``TfidfVectorizer.fit_transform`` does."""
        parent: Any = super()
        X = parent.fit_transform(raw_documents, y)
        self._fitted()
        return X

    def _fitted(self) -> None:
        # A new vocabulary: drop what was derived from the old one.
        _drop_stop_words(self)
        for name in self._derived:
            self.__dict__.pop(name, None)

    def __getstate__(self) -> dict[str, Any]:
        parent: Any = super()
        state = dict(parent.__getstate__())
        for name in self._derived:
            state.pop(name, None)
        vocabulary = state.get("vocabulary_")
        # Only a plain vocabulary (string terms, columns 0..n-1) can be split back exactly.
        if (
            isinstance(vocabulary, dict)
            and vocabulary
            and all(isinstance(term, str) for term in vocabulary)
            and sorted(vocabulary.values()) == list(range(len(vocabulary)))
        ):
            terms = [""] * len(vocabulary)
            for term, col in vocabulary.items():
                terms[col] = term
            joined = _TERM_SEP.join(terms)
            if joined.count(_TERM_SEP) == len(terms) - 1:  # no term holds the separator
                del state["vocabulary_"]
                state["_vocabulary_terms"] = joined
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        joined = state.pop("_vocabulary_terms", None)
        if joined is not None:
            terms = joined.split(_TERM_SEP)
            state["vocabulary_"] = dict(zip(terms, range(len(terms))))
        parent: Any = super()
        parent.__setstate__(state)


def _drop_stop_words(vectorizer: Any) -> None:
    # scikit-learn documents ``stop_words_`` (terms pruned by min_df/max_features,
    # set by versions before 1.7) as safe to delete; it can hold millions of n-grams.
    vectorizer.__dict__.pop("stop_words_", None)


def _counts_csr(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int, dtype: Any) -> sparse.csr_matrix:
    """Count (row, col) pairs into a CSR matrix with sorted indices, as ``_count_vocab`` does."""
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
    return sparse.csr_matrix(
        (counts.astype(dtype), col.astype(index_dtype), indptr.astype(index_dtype)), shape=(n_rows, n_cols)
    )


class _Lookup:
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


class _WordCodes(dict[str, int]):
    """Word -> ``(stem id << 1) | is_stop``, filled in (by stemming) as words are met.

    One int per word, written with one dict assignment, keeps the table
    consistent without a lock (there is nothing to hold across a fork).
    """

    def __init__(self, stem_ids: dict[str, int], unknown: int):
        super().__init__()
        self.stem_ids = stem_ids
        self.unknown = unknown

    def __missing__(self, word: str) -> int:
        code = (self.stem_ids.get(stem(word), self.unknown) << 1) | (word in _STOP)
        if len(self) >= _MAX_WORDS:
            self.clear()
        self[word] = code
        return code


class _StemLookup:
    """A :class:`~framing.text.StemAnalyzer` vocabulary as numpy tables over stem ids.

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
        self.words = _WordCodes(stem_ids, self.unknown)

    def bigram_columns(self, keys: np.ndarray) -> np.ndarray:
        """Column of each bigram key, -1 where it is not in the vocabulary."""
        at = np.searchsorted(self.bigram_keys, keys)
        return np.where(self.bigram_keys[at] == keys, self.bigram_cols[at], -1)


class CharNgramVectorizer(_CompactPickle, TfidfVectorizer):
    """``TfidfVectorizer`` whose ``char_wb`` transform is vectorised with numpy.

    Takes the parameters of :class:`~sklearn.feature_extraction.text.TfidfVectorizer`
    and fits with its code. ``transform`` returns the same matrix scikit-learn
    does: for each whitespace-separated word ``w`` of the preprocessed text,
    every n-gram of ``" " + w + " "`` with ``min_n <= n <= max_n`` (a padded
    word shorter than ``min_n`` counts once, whole). Analyzers other than
    ``"char_wb"``, or an alphabet too large to pack an n-gram into 64 bits,
    use scikit-learn's own transform.

    Examples
    --------
    >>> corpus = ["Kazakhstan and Russia", "Казахстан и Россия"]
    >>> fast = CharNgramVectorizer(analyzer="char_wb", ngram_range=(2, 5)).fit(corpus)
    >>> slow = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)).fit(corpus)
    >>> X = fast.transform(corpus + ["Russia"])
    >>> X.shape, (X != slow.transform(corpus + ["Russia"])).nnz
    ((3, 128), 0)
    """

    _derived = ("_lookup",)

    def _get_lookup(self) -> _Lookup | None:
        key = (tuple(self.ngram_range), id(self.vocabulary_), len(self.vocabulary_))
        lookup = self.__dict__.get("_lookup")
        if lookup is None or lookup.key != key:
            lookup = _Lookup(self.vocabulary_, max_n=self.ngram_range[1], key=key)
            self._lookup = lookup
        return lookup if lookup.fits else None

    def transform(self, raw_documents: Iterable[Any]) -> Any:
        """Tf-idf matrix of the documents, as ``TfidfVectorizer.transform`` gives."""
        if isinstance(raw_documents, str) or self.analyzer != "char_wb" or not hasattr(self, "vocabulary_"):
            return super().transform(raw_documents)  # scikit-learn's errors and other analyzers
        lookup = self._get_lookup()
        if lookup is None:
            return super().transform(raw_documents)
        preprocess = self.build_preprocessor()
        docs = [preprocess(self.decode(doc)) for doc in raw_documents]
        blocks: list[sparse.csr_matrix] = []
        start = 0
        while start < len(docs) or not blocks:  # one block for an empty input too
            stop, size = start, 0
            while stop < len(docs) and (stop == start or size + len(docs[stop]) <= _BATCH_CHARS):
                size += len(docs[stop])
                stop += 1
            blocks.append(self._count_block(docs[start:stop], lookup))
            start = stop
        X = blocks[0] if len(blocks) == 1 else sparse.vstack(blocks, format="csr")
        if self.binary:
            X.data.fill(1)
        return self._tfidf.transform(X, copy=False)

    def _count_block(self, docs: list[str], lookup: _Lookup) -> sparse.csr_matrix:
        """Count matrix of preprocessed documents."""
        min_n, max_n = self.ngram_range
        # Each word padded as " w ", words and documents separated by _SEP:
        # an n-gram window holding _SEP crosses a word boundary and is dropped.
        inner = f" {_SEP} "
        padded = [" " + inner.join(words) + " " if (words := doc.split()) else "" for doc in docs]
        lengths = np.fromiter(map(len, padded), dtype=np.int64, count=len(padded)) + 1
        text = _SEP.join(padded) + _SEP
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        row_of = np.repeat(np.arange(len(docs), dtype=np.int32), lengths)
        ranks = lookup.ranks(codes)
        size = codes.size
        # A window holding a rank-0 character (a separator, or a character no
        # vocabulary n-gram has) matches nothing. ``room[p]``: how many characters
        # from p on are free of them, so a window of n at p counts iff room[p] >= n.
        position = np.arange(size, dtype=np.int32)
        stops = np.where(ranks == 0, position, np.int32(size))
        room = np.minimum.accumulate(stops[::-1])[::-1] - position
        is_sep = codes == ord(_SEP)
        bits = np.uint64(lookup.bits)
        n_cols = len(self.vocabulary_)
        keys = ranks
        pairs = []
        for n in range(1, min(max_n, size) + 1):
            if n > 1:
                keys = (keys[:-1] << bits) | ranks[n - 1 :]
            if n < min(min_n, 3):  # a padded word has at least 3 characters
                continue
            windows = room[: size - n + 1] >= n
            if n < min_n:
                # scikit-learn counts a padded word shorter than min_n once, whole:
                # keep the windows that span a whole padded word.
                windows &= np.concatenate(([True], is_sep[: size - n])) & np.concatenate((is_sep[n:], [True]))
            at = np.flatnonzero(windows)
            col = lookup.columns(keys[at])
            hit = col >= 0
            pairs.append((row_of[at[hit]], col[hit]))
        return _counts_csr(
            np.concatenate([r for r, _ in pairs]) if pairs else np.zeros(0, dtype=np.int32),
            np.concatenate([c for _, c in pairs]) if pairs else np.zeros(0, dtype=np.int32),
            len(docs),
            n_cols,
            self.dtype,
        )


class WordNgramVectorizer(_CompactPickle, TfidfVectorizer):
    """``TfidfVectorizer`` that counts word n-gram features with numpy.

    Fits with scikit-learn's code and transforms to the same matrix. With a
    :class:`framing.text.StemAnalyzer` of n-grams no longer than 2, transform
    builds no n-gram strings: each word maps (through a table filled in as
    words are met) to the id of its stem, and unigrams and bigrams are looked
    up as integer keys over a whole batch of documents at once. Other
    analyzers run as before, their features looked up with ``dict.get``.

    Examples
    --------
    >>> from framing.text import StemAnalyzer
    >>> corpus = ["Sanctions on oil exports", "Санкции против экспорта нефти"]
    >>> fast = WordNgramVectorizer(analyzer=StemAnalyzer(ngram_range=(1, 2))).fit(corpus)
    >>> slow = TfidfVectorizer(analyzer=StemAnalyzer(ngram_range=(1, 2))).fit(corpus)
    >>> (fast.transform(corpus) != slow.transform(corpus)).nnz
    0
    """

    _derived = ("_stem_lookup",)

    def _get_stem_lookup(self) -> _StemLookup | None:
        """The stem tables of the vocabulary, or None when the stem path does not apply."""
        analyzer = self.analyzer
        # Exactly StemAnalyzer: a subclass may analyse differently.
        if type(analyzer) is not StemAnalyzer:
            return None
        low, high = analyzer.ngram_range
        if not 1 <= low <= high <= 2:
            return None
        key = (id(self.vocabulary_), len(self.vocabulary_))
        lookup = self.__dict__.get("_stem_lookup")
        if lookup is None or lookup.key != key:
            lookup = _StemLookup(self.vocabulary_, key=key)
            self._stem_lookup = lookup
        return lookup if lookup.fits else None

    def transform(self, raw_documents: Iterable[Any]) -> Any:
        """Tf-idf matrix of the documents, as ``TfidfVectorizer.transform`` gives."""
        if isinstance(raw_documents, str) or not hasattr(self, "vocabulary_"):
            return super().transform(raw_documents)
        lookup = self._get_stem_lookup()
        if lookup is not None:
            docs = list(map(self.decode, raw_documents))
            blocks: list[sparse.csr_matrix] = []
            start = 0
            while start < len(docs) or not blocks:  # one block for an empty input too
                stop, size = start, 0
                while stop < len(docs) and (stop == start or size + len(docs[stop]) <= _WORD_BATCH_CHARS):
                    size += len(docs[stop])
                    stop += 1
                blocks.append(self._count_stems(docs[start:stop], lookup))
                start = stop
            X = blocks[0] if len(blocks) == 1 else sparse.vstack(blocks, format="csr")
            if self.binary:
                X.data.fill(1)
            return self._tfidf.transform(X, copy=False)
        analyze = self.build_analyzer()
        get = self.vocabulary_.get
        cols: list[int] = []
        lengths: list[int] = []
        for doc in raw_documents:
            features = analyze(doc)
            before = len(cols)
            cols.extend(map(get, features, repeat(-1, len(features))))
            lengths.append(len(cols) - before)
        col = np.fromiter(cols, dtype=np.int64, count=len(cols))
        row = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
        hit = col >= 0
        X = _counts_csr(row[hit], col[hit], len(lengths), len(self.vocabulary_), self.dtype)
        if self.binary:
            X.data.fill(1)
        return self._tfidf.transform(X, copy=False)

    def _count_stems(self, docs: list[str], lookup: _StemLookup) -> sparse.csr_matrix:
        """Count matrix of decoded documents, as the ``StemAnalyzer`` would count them."""
        analyzer: StemAnalyzer = self.analyzer
        low, high = analyzer.ngram_range
        tokens = list(map(_tokens, docs))  # the analyzer's own (cached) tokenisation
        lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
        codes = np.fromiter(
            map(lookup.words.__getitem__, chain.from_iterable(tokens)), dtype=np.int64, count=int(lengths.sum())
        )
        rows = np.repeat(np.arange(len(docs), dtype=np.int64), lengths)
        if analyzer.stop_words:  # dropped before n-grams are formed, as the analyzer does
            kept = (codes & 1) == 0
            codes, rows = codes[kept], rows[kept]
        stems = codes >> 1
        found_rows: list[np.ndarray] = []
        found_cols: list[np.ndarray] = []
        if low == 1:
            cols = lookup.unigram_cols[stems]
            hit = cols >= 0
            found_rows.append(rows[hit])
            found_cols.append(cols[hit])
        if high == 2:
            # Pairs in one document (no bigram crosses documents) that may be a vocabulary bigram.
            at = np.flatnonzero(lookup.first[stems[:-1]] & lookup.second[stems[1:]] & (rows[1:] == rows[:-1]))
            cols = lookup.bigram_columns((stems[at] << 32) | stems[at + 1])
            hit = cols >= 0
            found_rows.append(rows[at[hit]])
            found_cols.append(cols[hit])
        return _counts_csr(
            np.concatenate(found_rows), np.concatenate(found_cols), len(docs), len(self.vocabulary_), self.dtype
        )
