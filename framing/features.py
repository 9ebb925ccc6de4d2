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

from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, repeat
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from . import kernels
from .text import _STOP, StemAnalyzer, folded_letters, stem, tokens_of

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

    def transform(self, raw_documents: Iterable[Any]) -> Any:
        """Tf-idf matrix of the documents, as ``TfidfVectorizer.transform`` gives."""
        X = self._counts(raw_documents)
        parent: Any = super()
        if X is None:
            return parent.transform(raw_documents)  # scikit-learn's errors and other analyzers
        this: Any = self  # a TfidfVectorizer (this is its mixin)
        if this.binary:
            X.data.fill(1)
        return this._tfidf.transform(X, copy=False)

    def _counts(self, raw_documents: Iterable[Any]) -> sparse.csr_matrix | None:
        """The count matrix ``transform`` weights, or None where scikit-learn's own transform runs."""
        return None

    def decision(self, raw_documents: Sequence[Any], weights: np.ndarray) -> np.ndarray:
        """``self.transform(raw_documents) @ weights`` as a dense float64 array.

        With the compiled kernels and the usual tf-idf settings (idf, l2 norm,
        float32), the tf-idf matrix is never made: the counts go straight to
        the product (:func:`framing.kernels.tfidf_decision`), with the same
        result bit for bit. Scoring needs only this product.
        """
        this: Any = self  # a TfidfVectorizer (this is its mixin)
        fused = (
            kernels.AVAILABLE
            and this.norm == "l2"
            and this.use_idf
            and this.dtype == np.float32
            and hasattr(self, "vocabulary_")
            and weights.ndim == 2
            and weights.shape[0] == len(self.vocabulary_)
        )
        X = self._counts(raw_documents) if fused else None
        if X is None:
            return np.asarray(this.transform(raw_documents) @ weights)
        top = int(X.data.max()) if X.nnz else 0
        if this.binary:
            tf_table = np.ones(top + 1, dtype=np.float32)
        else:
            # As TfidfTransformer.transform computes them (numpy's float32 log), once per count.
            tf_table = np.arange(top + 1, dtype=np.float32)
            if this.sublinear_tf:
                tf_table[1:] = np.log(tf_table[1:])
                tf_table[1:] += 1.0
        return kernels.tfidf_decision(X.indptr, X.indices, X.data, tf_table=tf_table, idf=this.idf_, weights=weights)

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

    def _counts(self, raw_documents: Iterable[Any]) -> sparse.csr_matrix | None:
        """The count matrix of the documents; None (nothing read) where scikit-learn's transform runs."""
        if isinstance(raw_documents, str) or self.analyzer != "char_wb" or not hasattr(self, "vocabulary_"):
            return None
        lookup = self._get_lookup()
        if lookup is None:
            return None
        docs = self._preprocessed(raw_documents)
        blocks: list[sparse.csr_matrix] = []
        start = 0
        while start < len(docs) or not blocks:  # one block for an empty input too
            stop, size = start, 0
            while stop < len(docs) and (stop == start or size + len(docs[stop]) <= _BATCH_CHARS):
                size += len(docs[stop])
                stop += 1
            blocks.append(self._count_block(docs[start:stop], lookup))
            start = stop
        return blocks[0] if len(blocks) == 1 else sparse.vstack(blocks, format="csr")

    def _count_vocab(self, raw_documents: Iterable[Any], fixed_vocab: bool) -> tuple[dict[str, int], Any]:
        """Vocabulary and count matrix when fitting, as scikit-learn's ``_count_vocab`` builds them.

        This is the one counting step of scikit-learn's ``fit``: sorting the
        vocabulary, ``min_df``, ``max_df``, ``max_features`` and idf stay
        scikit-learn's own code. Only ``char_wb`` with a fitted vocabulary of
        its own takes the numpy path; everything else is scikit-learn's.
        """
        parent: Any = super()
        if fixed_vocab or self.analyzer != "char_wb":
            return parent._count_vocab(raw_documents, fixed_vocab)
        raw = list(raw_documents)
        docs = self._preprocessed(raw)
        W, words = _word_counts(docs)
        counted = _all_ngrams(words, ngram_range=self.ngram_range)
        if counted is None:  # an alphabet too large to pack, or no n-gram at all
            return parent._count_vocab(raw, fixed_vocab)
        terms, M = counted
        X = _product(W, M, self.dtype)
        return dict(zip(terms, range(len(terms)))), X

    def _preprocessed(self, raw_documents: Iterable[Any]) -> list[str]:
        """The documents decoded and preprocessed, up to white space.

        Both ways of counting split words on white space themselves, so a
        preprocessor may offer, as its attribute ``same_words``, a cheaper
        function that gives the same ``str.split()`` words; it is used instead.
        """
        preprocess = getattr(self.preprocessor, "same_words", None) or self.build_preprocessor()
        return [preprocess(self.decode(doc)) for doc in raw_documents]

    def _count_block(self, docs: list[str], lookup: _Lookup) -> sparse.csr_matrix:
        """Count matrix of preprocessed documents.

        With numba, one compiled pass (:func:`framing.kernels.char_wb_counts`).
        Without it, numpy: a ``char_wb`` n-gram never crosses a word, so a
        document's counts are the sum over its words of each word's counts,
        (documents x words) times (words x n-grams), and each distinct word of
        the batch is cut into n-grams once, however often it occurs.
        """
        n_cols = len(self.vocabulary_)
        if kernels.AVAILABLE:
            lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
            starts = np.zeros(len(docs) + 1, dtype=np.int64)
            np.cumsum(lengths, out=starts[1:])
            codes = np.frombuffer("".join(docs).encode("utf-32-le"), dtype=np.uint32)
            indptr, indices, counts = kernels.char_wb_counts(
                lookup.ranks(codes),
                _space_table()[codes],
                starts,
                pad=int(lookup.ranks(np.array([ord(" ")], dtype=np.uint32))[0]),
                bits=lookup.bits,
                ngram_range=self.ngram_range,
                table_keys=lookup.table_keys,
                table_cols=lookup.table_cols,
                shift=int(lookup.shift),
                n_cols=n_cols,
            )
            # The kernel's arrays are views of larger buffers: copy them (the astype) to free those.
            return sparse.csr_matrix((counts.astype(self.dtype), indices.copy(), indptr), shape=(len(docs), n_cols))
        W, words = _word_counts(docs)
        return _product(W, self._count_words(words, lookup), self.dtype)

    def _count_words(self, words: list[str], lookup: _Lookup) -> sparse.csr_matrix:
        """(word x vocabulary column) counts of single words, each padded as ``" w "``."""
        min_n, max_n = self.ngram_range
        n_cols = len(self.vocabulary_)
        if not words:
            return sparse.csr_matrix((0, n_cols), dtype=np.float64)
        # Each word padded as " w ", words separated by _SEP: an n-gram window
        # holding _SEP crosses a word boundary and is dropped.
        codes, row_of = _padded_words(words)
        ranks = lookup.ranks(codes)
        pairs = []
        for _n, at, keys in _windows(codes, ranks, bits=lookup.bits, min_n=min_n, max_n=max_n):
            col = lookup.columns(keys)
            hit = col >= 0
            pairs.append((row_of[at[hit]], col[hit]))
        return _counts_csr(
            np.concatenate([r for r, _ in pairs]) if pairs else np.zeros(0, dtype=np.int32),
            np.concatenate([c for _, c in pairs]) if pairs else np.zeros(0, dtype=np.int32),
            len(words),
            n_cols,
            np.float64,
        )


def _windows(
    codes: np.ndarray, ranks: np.ndarray, *, bits: int, min_n: int, max_n: int
) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """``(n, start positions, packed keys)`` of the ``char_wb`` n-grams of padded words.

    ``codes`` holds padded words (``" w "``) each followed by ``_SEP``;
    ``ranks`` the rank of each code point (1 upwards, 0 for ``_SEP`` and for
    characters that cannot match). Keys pack ranks ``bits`` apart, the last
    character in the lowest bits. As scikit-learn does, a padded word
    shorter than ``min_n`` yields itself, whole, once.
    """
    size = codes.size
    # A window holding a rank-0 character matches nothing. ``room[p]``: how many
    # characters from p on are free of them, so a window of n at p counts iff room[p] >= n.
    position = np.arange(size, dtype=np.int32)
    stops = np.where(ranks == 0, position, np.int32(size))
    room = np.minimum.accumulate(stops[::-1])[::-1] - position
    is_sep = codes == ord(_SEP)
    shift = np.uint64(bits)
    keys = ranks
    for n in range(1, min(max_n, size) + 1):
        if n > 1:
            keys = (keys[:-1] << shift) | ranks[n - 1 :]
        if n < min(min_n, 3):  # a padded word has at least 3 characters
            continue
        windows = room[: size - n + 1] >= n
        if n < min_n:
            # scikit-learn counts a padded word shorter than min_n once, whole:
            # keep the windows that span a whole padded word.
            windows &= np.concatenate(([True], is_sep[: size - n])) & np.concatenate((is_sep[n:], [True]))
        at = np.flatnonzero(windows)
        yield n, at, keys[at]


_SPACE: np.ndarray | None = None


def _space_table() -> np.ndarray:
    """Whether each code point is whitespace to ``str.split`` (all such code points are below U+3001)."""
    global _SPACE
    if _SPACE is None:
        table = np.zeros(0x110000, dtype=np.bool_)
        table[[c for c in range(0x3001) if chr(c).isspace()]] = True
        _SPACE = table
    return _SPACE


def _padded_words(words: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Code points of the words, each padded as ``" w "`` and followed by ``_SEP``, and each one's word index.

    A window holding ``_SEP`` crosses a word boundary, so no n-gram spans two words.
    """
    text = " " + f" {_SEP} ".join(words) + f" {_SEP}"
    lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words)) + 3
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    return codes, np.repeat(np.arange(len(words), dtype=np.int64), lengths)


def _word_counts(docs: list[str]) -> tuple[sparse.csr_matrix, list[str]]:
    """(document x distinct word) occurrences of whitespace-separated words, and the words.

    One entry per occurrence, repeats not summed: the matrix is only ever
    multiplied, and a product sums repeated entries as it sums any others.
    """
    tokens = [doc.split() for doc in docs]
    indptr = np.zeros(len(docs) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens)), out=indptr[1:])
    flat = list(chain.from_iterable(tokens))
    index = {word: i for i, word in enumerate(dict.fromkeys(flat))}
    ids = np.fromiter(map(index.__getitem__, flat), dtype=np.int32, count=len(flat))
    ones = np.ones(len(flat), dtype=np.float64)
    W = sparse.csr_matrix((ones, ids, indptr), shape=(len(docs), len(index)))
    return W, list(index)


def _product(W: sparse.csr_matrix, M: sparse.csr_matrix, dtype: Any) -> sparse.csr_matrix:
    """``W @ M`` as a count matrix with sorted indices, in ``dtype``.

    Counts are whole numbers far below 2**53, so the float64 product is exact.
    """
    # The product's rows come out unsorted; converting to CSC and back is two
    # linear passes that leave them sorted (cheaper than sorting every row).
    X = sparse.csr_matrix((W @ M).tocsc().tocsr())
    X.has_sorted_indices = True
    if X.dtype != dtype:
        X = X.astype(dtype)
    return X


def _stem_ngrams(
    docs: list[str], *, analyzer: StemAnalyzer, dtype: Any
) -> tuple[dict[str, int], sparse.csr_matrix] | None:
    """What the analyzer yields for each document, counted: vocabulary and count matrix.

    Returns None when there is no feature at all (scikit-learn then raises its
    error) or a stem holds a space (a bigram's string would be ambiguous).
    """
    low, high = analyzer.ngram_range
    tokens = tokens_of(docs)  # the analyzer's own tokenisation, for the whole batch at once
    lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    flat = list(chain.from_iterable(tokens))
    index = {word: i for i, word in enumerate(dict.fromkeys(flat))}
    words = list(index)
    stems = list(map(stem, words))
    stem_ids: dict[str, int] = {}
    word_stem = np.fromiter((stem_ids.setdefault(s, len(stem_ids)) for s in stems), dtype=np.int64, count=len(words))
    word_stop = np.fromiter((w in _STOP for w in words), dtype=bool, count=len(words))
    ids = np.fromiter(map(index.__getitem__, flat), dtype=np.int64, count=len(flat))
    rows = np.repeat(np.arange(len(docs), dtype=np.int64), lengths)
    if analyzer.stop_words:  # dropped before n-grams are formed, as the analyzer does
        kept = ~word_stop[ids]
        ids, rows = ids[kept], rows[kept]
    sids = word_stem[ids]
    keys: list[np.ndarray] = []
    key_rows: list[np.ndarray] = []
    if low == 1:
        keys.append(sids)
        key_rows.append(rows)
    if high == 2:
        at = np.flatnonzero(rows[1:] == rows[:-1])  # pairs within one document
        keys.append(((sids[at] + 1) << 32) | sids[at + 1])  # above every unigram key
        key_rows.append(rows[at])
    all_keys = np.concatenate(keys)
    if not all_keys.size or any(" " in s for s in stem_ids):
        return None
    distinct, cols = np.unique(all_keys, return_inverse=True)
    names = list(stem_ids)
    terms = [
        names[key] if key < 1 << 32 else f"{names[(key >> 32) - 1]} {names[key & 0xFFFFFFFF]}"
        for key in distinct.tolist()
    ]
    X = _counts_csr(np.concatenate(key_rows), cols.ravel(), len(docs), len(terms), dtype)
    return dict(zip(terms, range(len(terms)))), X


def _all_ngrams(words: list[str], *, ngram_range: tuple[int, int]) -> tuple[list[str], sparse.csr_matrix] | None:
    """Every ``char_wb`` n-gram of the words, and (word x n-gram) counts.

    Returns None when the packed keys do not fit 64 bits, when a word holds
    NUL (numpy strings drop a trailing NUL) or when there is no n-gram.
    Terms come in Python's string order: the packed keys are left-aligned,
    so sorting them sorts the strings.
    """
    min_n, max_n = ngram_range
    if not words:
        return None
    codes, row_of = _padded_words(words)
    is_sep = codes == ord(_SEP)
    alphabet = np.unique(codes[~is_sep])
    bits = max(int(alphabet.size).bit_length(), 1)
    if bits * max_n > 64 or alphabet[0] == 0:
        return None
    ranks = np.searchsorted(alphabet, codes).astype(np.uint64) + np.uint64(1)
    ranks[is_sep] = 0
    rows: list[np.ndarray] = []
    keys: list[np.ndarray] = []
    for n, at, packed in _windows(codes, ranks, bits=bits, min_n=min_n, max_n=max_n):
        rows.append(row_of[at])
        keys.append(packed << np.uint64(bits * (max_n - n)))  # left-aligned: sorts as the strings do
    if not keys:
        return None
    distinct, cols = np.unique(np.concatenate(keys), return_inverse=True)
    if not distinct.size:
        return None
    M = _counts_csr(np.concatenate(rows), cols.ravel(), len(words), distinct.size, np.float64)
    # Decode each key back to its string: max_n code points, 0 past its end.
    shifts = np.uint64(bits) * np.arange(max_n - 1, -1, -1, dtype=np.uint64)
    ranks_of = (distinct[:, None] >> shifts) & np.uint64((1 << bits) - 1)
    points = np.concatenate(([0], alphabet)).astype(np.uint32)[ranks_of.astype(np.int64)]
    terms = np.ascontiguousarray(points).view(f"<U{max_n}").ravel().tolist()
    return terms, M


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

    def _count_vocab(self, raw_documents: Iterable[Any], fixed_vocab: bool) -> tuple[dict[str, int], Any]:
        """Vocabulary and count matrix when fitting, as scikit-learn's ``_count_vocab`` builds them.

        With a :class:`~framing.text.StemAnalyzer` of n-grams no longer than 2,
        each distinct word is stemmed once and n-grams are counted as integer
        keys (stem ids) with numpy; sorting the vocabulary, ``min_df`` and idf
        stay scikit-learn's. Anything else is scikit-learn's own counting.
        """
        parent: Any = super()
        analyzer = self.analyzer
        stem_path = type(analyzer) is StemAnalyzer and 1 <= analyzer.ngram_range[0] <= analyzer.ngram_range[1] <= 2
        if fixed_vocab or not stem_path:
            return parent._count_vocab(raw_documents, fixed_vocab)
        raw = list(raw_documents)
        counted = _stem_ngrams([self.decode(doc) for doc in raw], analyzer=analyzer, dtype=self.dtype)
        if counted is None:
            return parent._count_vocab(raw, fixed_vocab)
        return counted

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

    def _counts(self, raw_documents: Iterable[Any]) -> sparse.csr_matrix | None:
        """The count matrix of the documents; None (nothing read) where scikit-learn's transform runs."""
        if isinstance(raw_documents, str) or not hasattr(self, "vocabulary_"):
            return None
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
            return blocks[0] if len(blocks) == 1 else sparse.vstack(blocks, format="csr")
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
        return _counts_csr(row[hit], col[hit], len(lengths), len(self.vocabulary_), self.dtype)

    def _count_stems(self, docs: list[str], lookup: _StemLookup) -> sparse.csr_matrix:
        """Count matrix of decoded documents, as the ``StemAnalyzer`` would count them."""
        analyzer: StemAnalyzer = self.analyzer
        low, high = analyzer.ngram_range
        if kernels.AVAILABLE:
            # The analyzer's words are the runs of letters of the folded text: find the
            # batch's distinct words in one compiled pass and look each up once, making
            # no string per token.
            joined, points, letters, starts = folded_letters(docs)
            token_word, doc_tokens, word_start, word_length = kernels.distinct_runs(points, ~letters, starts)
            ends = word_start + word_length
            words = map(joined.__getitem__, map(slice, word_start.tolist(), ends.tolist()))
            word_codes = np.fromiter(map(lookup.words.__getitem__, words), dtype=np.int64, count=word_start.size)
            codes = word_codes[token_word]
            lengths = np.diff(doc_tokens)
        else:
            tokens = tokens_of(docs)  # the analyzer's own tokenisation, for the whole batch at once
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
