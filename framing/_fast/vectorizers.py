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

from ..core.text import STOP_WORDS, StemAnalyzer, stem, tokens_of
from . import kernels
from .vocab import (
    NgramTable,
    StemTable,
    char_wb_counts,
    count_pairs,
    join_terms,
    split_terms,
    stem_pairs,
    tf_table,
)

__all__ = ["CharNgramVectorizer", "WordNgramVectorizer"]

# Code point that separates padded words in a batch (whitespace never occurs
# inside a word, so no vocabulary n-gram contains it).
_SEP = "\n"
# Upper bound on the code points handled in one numpy pass; bounds memory on huge batches.
_BATCH_CHARS = 250_000  # ~1 MB of code points; its temporaries stay a few tens of MB
# Upper bound on the characters of documents counted in one numpy pass of the word path.
_WORD_BATCH_CHARS = 1_000_000


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
        the product (:func:`framing._fast.kernels.tfidf_decision`), with the same
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
        tf = tf_table(top, binary=this.binary, sublinear_tf=this.sublinear_tf)
        return kernels.tfidf_decision(X.indptr, X.indices, X.data, tf_table=tf, idf=this.idf_, weights=weights)

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
        joined = join_terms(state.get("vocabulary_"))
        if joined is not None:
            del state["vocabulary_"]
            state["_vocabulary_terms"] = joined
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        joined = state.pop("_vocabulary_terms", None)
        if joined is not None:
            state["vocabulary_"] = split_terms(joined)
        parent: Any = super()
        parent.__setstate__(state)


def _counts_csr(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int, dtype: Any) -> sparse.csr_matrix:
    """Count (row, col) pairs into a CSR matrix with sorted indices, as ``_count_vocab`` does."""
    indptr, indices, counts = count_pairs(rows, cols, n_rows, n_cols)
    return sparse.csr_matrix((counts.astype(dtype), indices, indptr), shape=(n_rows, n_cols))


def _drop_stop_words(vectorizer: Any) -> None:
    # scikit-learn documents ``stop_words_`` (terms pruned by min_df/max_features,
    # set by versions before 1.7) as safe to delete; it can hold millions of n-grams.
    vectorizer.__dict__.pop("stop_words_", None)


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

    def _get_lookup(self) -> NgramTable | None:
        key = (tuple(self.ngram_range), id(self.vocabulary_), len(self.vocabulary_))
        lookup = self.__dict__.get("_lookup")
        if lookup is None or lookup.key != key:
            lookup = NgramTable(self.vocabulary_, max_n=self.ngram_range[1], key=key)
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

    def _count_block(self, docs: list[str], lookup: NgramTable) -> sparse.csr_matrix:
        """Count matrix of preprocessed documents.

        With numba, one compiled pass (:func:`framing._fast.kernels.char_wb_counts`).
        Without it, numpy: a ``char_wb`` n-gram never crosses a word, so a
        document's counts are the sum over its words of each word's counts,
        (documents x words) times (words x n-grams), and each distinct word of
        the batch is cut into n-grams once, however often it occurs.
        """
        n_cols = len(self.vocabulary_)
        if kernels.AVAILABLE:
            indptr, indices, counts = char_wb_counts(docs, lookup, ngram_range=self.ngram_range, n_cols=n_cols)
            return sparse.csr_matrix(
                (counts.astype(self.dtype, copy=False), indices, indptr), shape=(len(docs), n_cols)
            )
        W, words = _word_counts(docs)
        return _product(W, self._count_words(words, lookup), self.dtype)

    def _count_words(self, words: list[str], lookup: NgramTable) -> sparse.csr_matrix:
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
    word_stop = np.fromiter((w in STOP_WORDS for w in words), dtype=bool, count=len(words))
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
    :class:`framing.core.text.StemAnalyzer` of n-grams no longer than 2, transform
    builds no n-gram strings: each word maps (through a table filled in as
    words are met) to the id of its stem, and unigrams and bigrams are looked
    up as integer keys over a whole batch of documents at once. Other
    analyzers run as before, their features looked up with ``dict.get``.

    Examples
    --------
    >>> from framing.core.text import StemAnalyzer
    >>> corpus = ["Sanctions on oil exports", "Санкции против экспорта нефти"]
    >>> fast = WordNgramVectorizer(analyzer=StemAnalyzer(ngram_range=(1, 2))).fit(corpus)
    >>> slow = TfidfVectorizer(analyzer=StemAnalyzer(ngram_range=(1, 2))).fit(corpus)
    >>> (fast.transform(corpus) != slow.transform(corpus)).nnz
    0
    """

    _derived = ("_stem_lookup",)

    def _count_vocab(self, raw_documents: Iterable[Any], fixed_vocab: bool) -> tuple[dict[str, int], Any]:
        """Vocabulary and count matrix when fitting, as scikit-learn's ``_count_vocab`` builds them.

        With a :class:`~framing.core.text.StemAnalyzer` of n-grams no longer than 2,
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

    def _get_stem_lookup(self) -> StemTable | None:
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
            lookup = StemTable(self.vocabulary_, key=key)
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

    def _count_stems(self, docs: list[str], lookup: StemTable) -> sparse.csr_matrix:
        """Count matrix of decoded documents, as the ``StemAnalyzer`` would count them."""
        rows, cols = stem_pairs(docs, lookup, analyzer=self.analyzer)
        return _counts_csr(rows, cols, len(docs), len(self.vocabulary_), self.dtype)
