"""The fast vectorizers give scikit-learn's TF-IDF matrices exactly, and pickle compactly."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import random
from collections import Counter
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import sparse
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import TfidfVectorizer

from framing._fast import vectorizers as features
from framing._fast import vocab
from framing._fast.vectorizers import CharNgramVectorizer, WordNgramVectorizer
from framing.core.text import StemAnalyzer, normalize
from framing.model.config import ModelConfig, build_vectorizer

from ..conftest import CORPUS

TEXTS = [text for _, _, text, _ in CORPUS]

EDGE = [
    "",
    "   ",
    "a",
    "a b c d e",
    "I a o у и я",
    "x" * 300,
    "Ёлка и елка, ЁЛКА; всё ещё",
    "Kazakhстан and Rоссия mixed scripts",
    "flags 🇰🇿🇷🇺 and emoji 😀😀 in text",
    "non-BMP 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𐍈 letters",
    "tabs\tand\nnewlines\r\nand\u00a0non-breaking\u2003em\u3000ideographic spaces",
    "combining e\u0301 e\u0308 and \u00e9",
    "zzzz qqqq ⊕⊗⊘",  # only out-of-vocabulary n-grams
    "oil oil oil oil sanctions sanctions",
    "  leading and trailing whitespace  \n",
]

CHAR_SETTINGS: list[dict[str, Any]] = [
    dict(preprocessor=normalize, ngram_range=(2, 5), min_df=2, max_features=200, sublinear_tf=True),
    dict(preprocessor=normalize, ngram_range=(2, 5), min_df=1, sublinear_tf=True),
    dict(ngram_range=(1, 3), min_df=1),  # scikit-learn's own lower-casing preprocessor
    dict(ngram_range=(4, 6), min_df=1, sublinear_tf=True),  # padded words shorter than min_n: once, whole
    dict(ngram_range=(3, 3), min_df=1, binary=True, norm=None, use_idf=False),
]


def assert_same(A: Any, B: Any, *, exact: bool = True) -> None:
    A, B = sparse.csr_matrix(A, copy=True), sparse.csr_matrix(B, copy=True)
    A.sort_indices()  # fit_transform leaves them unsorted after renumbering the vocabulary
    B.sort_indices()
    assert A.shape == B.shape
    assert A.dtype == B.dtype
    assert A.nnz == B.nnz
    assert (A.indptr == B.indptr).all() and (A.indices == B.indices).all()
    if exact:
        assert (A.data == B.data).all()
    else:
        assert abs(A.data - B.data).max(initial=0) < 1e-6


def char_pair(corpus: list[str], **kw: Any) -> tuple[TfidfVectorizer, CharNgramVectorizer]:
    kw = {"analyzer": "char_wb", "dtype": np.float32, **kw}
    return TfidfVectorizer(**kw).fit(corpus), CharNgramVectorizer(**kw).fit(corpus)


def word_pair(corpus: list[str], **kw: Any) -> tuple[TfidfVectorizer, WordNgramVectorizer]:
    kw = {"analyzer": StemAnalyzer(ngram_range=(1, 2)), "dtype": np.float32, **kw}
    return TfidfVectorizer(**kw).fit(corpus), WordNgramVectorizer(**kw).fit(corpus)


@pytest.mark.parametrize("settings", CHAR_SETTINGS)
def test_char_matrix_equals_scikit_learn(settings: dict[str, Any]) -> None:
    sk, fast = char_pair(TEXTS + EDGE, **settings)
    assert fast.vocabulary_ == sk.vocabulary_
    for docs in (TEXTS, EDGE, TEXTS + EDGE):
        assert_same(fast.transform(docs), sk.transform(docs))


def test_char_matrix_on_each_edge_case_alone() -> None:
    sk, fast = char_pair(TEXTS, preprocessor=normalize, ngram_range=(2, 5), min_df=1, sublinear_tf=True)
    for doc in EDGE:
        X = fast.transform([doc])
        assert_same(X, sk.transform([doc]))
    assert fast.transform(["zzzz qqqq ⊕⊗⊘"]).nnz == 0  # nothing in the vocabulary: an empty row


def test_short_words_count_once_whole() -> None:
    # With min_n=4 the padded word " a " (3 characters) is one feature; "ab" pads to 4.
    fast = CharNgramVectorizer(analyzer="char_wb", ngram_range=(4, 5), use_idf=False, norm=None).fit(["a ab abc"])
    X = fast.transform(["a a ab"])
    counts = {term: X[0, col] for term, col in fast.vocabulary_.items() if X[0, col]}
    assert counts == {" a ": 2.0, " ab ": 1.0}


def test_fit_transform_and_transform_agree() -> None:
    # scikit-learn's own fit_transform and transform differ in the last bits of float64
    # (its fit leaves each row's entries unsorted, and the l2 norm sums them in that order);
    # the numpy fit counts in sorted order, so its fit_transform is its transform, bit for bit.
    kw: dict[str, Any] = dict(analyzer="char_wb", preprocessor=normalize, ngram_range=(2, 5), min_df=2)
    fast, sk = CharNgramVectorizer(**kw), TfidfVectorizer(**kw)
    assert_same(fast.fit_transform(TEXTS), sk.fit_transform(TEXTS), exact=False)
    assert fast.vocabulary_ == sk.vocabulary_
    assert (fast.idf_ == sk.idf_).all()
    assert_same(fast.transform(TEXTS), fast.fit_transform(TEXTS))
    words = WordNgramVectorizer(analyzer=StemAnalyzer(ngram_range=(1, 2)))
    assert_same(words.fit_transform(TEXTS), words.transform(TEXTS), exact=False)


def test_many_terms_with_probe_chains_and_several_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(0)
    letters = "abcdefghijklmnopqrstuvwxyzабвгдежзийклмнопрстуфхцчшщъыьэюя'-"
    corpus = [
        " ".join("".join(rng.choice(letters) for _ in range(rng.randint(1, 12))) for _ in range(40)) for _ in range(80)
    ]
    sk, fast = char_pair(corpus, ngram_range=(2, 5), min_df=1, sublinear_tf=True)
    assert len(fast.vocabulary_) > 20_000
    assert_same(fast.transform(corpus[:50]), sk.transform(corpus[:50]))
    monkeypatch.setattr(features, "_BATCH_CHARS", 1000)  # forces one numpy pass per few documents
    assert_same(fast.transform(corpus[:50] + EDGE), sk.transform(corpus[:50] + EDGE))


def test_lookup_finds_every_vocabulary_term() -> None:
    _, fast = char_pair(TEXTS + EDGE, ngram_range=(1, 5), min_df=1)
    lookup = fast._get_lookup()
    assert lookup is not None
    terms = list(fast.vocabulary_)
    cols = lookup.columns(lookup.keys_of_terms(terms))
    assert cols.tolist() == [fast.vocabulary_[t] for t in terms]


def test_unpackable_settings_fall_back_to_scikit_learn() -> None:
    # 12-character n-grams of a large alphabet do not fit 64 bits: scikit-learn's path.
    corpus = ["".join(chr(0x4E00 + i * 7 + j) for j in range(14)) for i in range(40)]
    sk, fast = char_pair(corpus, ngram_range=(2, 12), min_df=1)
    assert fast._get_lookup() is None
    assert fast.vocabulary_ == sk.vocabulary_
    assert_same(fast.transform(corpus), sk.transform(corpus))
    assert features._all_ngrams(corpus, ngram_range=(2, 12)) is None  # fitted by scikit-learn's code
    nul = ["a\x00 b\x00", "a\x00 c"]  # numpy strings drop a trailing NUL: scikit-learn's fit
    assert features._all_ngrams(nul, ngram_range=(2, 3)) is None
    sk, fast = char_pair(nul, ngram_range=(2, 3), min_df=1)
    assert fast.vocabulary_ == sk.vocabulary_
    sk, fast = char_pair(TEXTS, analyzer="char", ngram_range=(2, 4), min_df=1)  # not char_wb
    assert_same(fast.transform(TEXTS), sk.transform(TEXTS))


def test_unfitted_and_string_input_fail_as_scikit_learn() -> None:
    with pytest.raises(NotFittedError):
        CharNgramVectorizer(analyzer="char_wb").transform(["text"])
    with pytest.raises(NotFittedError):
        WordNgramVectorizer().transform(["text"])
    _, fast = char_pair(TEXTS)
    with pytest.raises(ValueError, match="Iterable over raw text documents"):
        fast.transform("one string")


def test_no_documents_fail_as_scikit_learn() -> None:
    for sk, fast in (char_pair(TEXTS), word_pair(TEXTS)):
        with pytest.raises(ValueError, match="0 sample"):
            sk.transform([])
        with pytest.raises(ValueError, match="0 sample"):
            fast.transform([])


def test_word_matrix_equals_scikit_learn() -> None:
    for settings in (dict(min_df=2, sublinear_tf=True), dict(min_df=1), dict(min_df=1, binary=True)):
        sk, fast = word_pair(TEXTS + EDGE, **settings)
        for docs in (TEXTS, EDGE, TEXTS + EDGE):
            assert_same(fast.transform(docs), sk.transform(docs))
    sk, fast = word_pair(TEXTS, analyzer="word", ngram_range=(1, 2))  # scikit-learn's own analyzer too
    assert_same(fast.transform(TEXTS + EDGE), sk.transform(TEXTS + EDGE))


WHITESPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2007\u200a\u2028\u2029\u202f\u205f\u3000"
unicode_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(WHITESPACE),
        st.sampled_from("abcöëЁёеАяЖ'-"),
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
    ),
    max_size=60,
)


@given(docs=st.lists(unicode_text, min_size=1, max_size=6), ngram=st.sampled_from([(2, 5), (1, 2), (4, 5)]))
def test_char_matrix_equals_scikit_learn_on_random_text(docs: list[str], ngram: tuple[int, int]) -> None:
    corpus = TEXTS[:4] + docs
    sk, fast = char_pair(corpus, preprocessor=normalize, ngram_range=ngram, min_df=1, sublinear_tf=True)
    assert fast.vocabulary_ == sk.vocabulary_
    assert (fast.idf_ == sk.idf_).all()
    assert_same(fast.transform(docs), sk.transform(docs))


@given(docs=st.lists(unicode_text, min_size=1, max_size=6))
def test_model_char_block_skipping_white_space_folding_equals_scikit_learn(docs: list[str]) -> None:
    # The model's preprocessor offers a cheaper same_words (no white-space folding);
    # scikit-learn, calling the preprocessor itself, folds: the matrices must not differ.
    from framing._fast import kernels
    from framing.model.config import _char_preprocessor

    corpus = TEXTS[:4] + docs + EDGE
    sk, fast = char_pair(corpus, preprocessor=_char_preprocessor, ngram_range=(2, 5), min_df=1, sublinear_tf=True)
    assert fast.vocabulary_ == sk.vocabulary_
    assert (fast.idf_ == sk.idf_).all()
    assert_same(fast.transform(docs + EDGE), sk.transform(docs + EDGE))
    kernels_on, kernels.AVAILABLE = kernels.AVAILABLE, False  # the numpy counting too
    try:
        assert_same(fast.transform(docs + EDGE), sk.transform(docs + EDGE))
    finally:
        kernels.AVAILABLE = kernels_on


@given(docs=st.lists(unicode_text, min_size=1, max_size=8), ngram=st.sampled_from([(2, 5), (1, 3), (4, 5)]))
def test_numpy_fit_counts_every_ngram_as_scikit_learn(docs: list[str], ngram: tuple[int, int]) -> None:
    # The numpy fit's (document x n-gram) counts against scikit-learn's analyzer, n-gram by n-gram.
    analyze = TfidfVectorizer(analyzer="char_wb", ngram_range=ngram, lowercase=False).build_analyzer()
    W, words = features._word_counts(docs)
    counted = features._all_ngrams(words, ngram_range=ngram)
    expected = [Counter(analyze(doc)) for doc in docs]
    if counted is None:  # nothing to count, or NUL in a word (then scikit-learn's path counts)
        assert not any(expected) or any("\x00" in doc for doc in docs)
        return
    terms, M = counted
    assert terms == sorted(terms) and len(set(terms)) == len(terms)
    X = features._product(W, M, np.float64)
    got = [{terms[j]: X[i, j] for j in X[i].indices} for i in range(len(docs))]
    assert got == [dict(c) for c in expected]


@given(docs=st.lists(unicode_text, min_size=1, max_size=6))
def test_word_matrix_equals_scikit_learn_on_random_text(docs: list[str]) -> None:
    sk, fast = word_pair(TEXTS[:4] + docs, min_df=1, sublinear_tf=True)
    assert_same(fast.transform(docs), sk.transform(docs))


def test_pickles_hold_the_vocabulary_as_one_string_and_load_equal(tmp_path: Path) -> None:
    _, chars = char_pair(TEXTS + EDGE, preprocessor=normalize, ngram_range=(2, 5), min_df=1)
    _, words = word_pair(TEXTS + EDGE, min_df=1)
    for fast in (chars, words):
        fast.transform(TEXTS)  # builds the lookup cache, which is not pickled
        state = fast.__getstate__()
        assert "vocabulary_" not in state and "_lookup" not in state and "_stem_lookup" not in state
        assert isinstance(state["_vocabulary_terms"], str)
        path = tmp_path / "v.joblib"
        joblib.dump(fast, path)
        for loaded in (pickle.loads(pickle.dumps(fast)), joblib.load(path)):
            assert loaded.vocabulary_ == fast.vocabulary_
            assert list(loaded.get_feature_names_out()) == list(fast.get_feature_names_out())
            assert_same(loaded.transform(TEXTS + EDGE), fast.transform(TEXTS + EDGE))


def test_a_term_holding_the_separator_keeps_the_dict() -> None:
    fast = WordNgramVectorizer(analyzer=lambda doc: doc.split("|")).fit(["a\x00b|c", "c|d"])
    state = fast.__getstate__()
    assert "_vocabulary_terms" not in state and state["vocabulary_"] == fast.vocabulary_


def test_no_stop_words_attribute_after_fit() -> None:
    _, fast = char_pair(TEXTS, min_df=2, max_features=50)
    assert not hasattr(fast, "stop_words_")


def test_feature_union_matches_plain_scikit_learn_and_pickles() -> None:
    union = build_vectorizer(ModelConfig())
    X = union.fit_transform(TEXTS)
    plain = build_vectorizer(ModelConfig())
    plain.transformer_list = [
        (name, TfidfVectorizer(**block.get_params()) if isinstance(block, TfidfVectorizer) else block)
        for name, block in plain.transformer_list
    ]
    assert not any(isinstance(b, (CharNgramVectorizer, WordNgramVectorizer)) for _, b in plain.transformer_list)
    assert_same(X, plain.fit_transform(TEXTS))
    assert_same(union.transform(TEXTS + EDGE), plain.transform(TEXTS + EDGE))
    assert list(union.get_feature_names_out()) == list(plain.get_feature_names_out())
    loaded = pickle.loads(pickle.dumps(union))
    assert_same(loaded.transform(TEXTS + EDGE), plain.transform(TEXTS + EDGE))


# Documents for the stem path: both languages, mixed scripts, stop words only, repeats, emptiness.
STEM_DOCS = [
    "",
    "   ",
    "the and of to in",  # English stop words only
    "и в не что он на",  # Russian stop words only
    "The sanctions on the oil of Russia, sanctions and oil.",
    "Санкции против экспорта нефти из России, санкции и нефть.",
    "Kazakhstan and Россия: multi-vector политика of Казахстан",
    "oil oil oil sanctions sanctions oil",
    "нефть",
    "sanction",
    "ёлка и елка ЁЛКА",
]


def stem_pair(corpus: list[str], *, ngram_range: tuple[int, int], stop_words: bool, **kw: Any) -> tuple[Any, Any]:
    analyzer = StemAnalyzer(ngram_range=ngram_range, stop_words=stop_words)
    return word_pair(corpus, analyzer=analyzer, **kw)


@pytest.mark.parametrize("ngram_range", [(1, 1), (2, 2), (1, 2)])
@pytest.mark.parametrize("stop_words", [True, False])
def test_stem_path_equals_scikit_learn(ngram_range: tuple[int, int], stop_words: bool) -> None:
    for settings in (dict(min_df=1), dict(min_df=2, sublinear_tf=True), dict(min_df=1, binary=True)):
        sk, fast = stem_pair(TEXTS + STEM_DOCS, ngram_range=ngram_range, stop_words=stop_words, **settings)
        assert fast._get_stem_lookup() is not None  # the stem path, not the fallback, is tested
        for docs in (TEXTS, STEM_DOCS, EDGE, TEXTS + STEM_DOCS + EDGE):
            assert_same(fast.transform(docs), sk.transform(docs))
        for doc in STEM_DOCS:
            assert_same(fast.transform([doc]), sk.transform([doc]))


def test_stem_path_drops_stop_words_before_forming_bigrams() -> None:
    corpus = ["sanctions of the oil", "oil sanctions"]
    for stop_words, expected in (
        (True, {"sanction", "oil", "sanction oil"}),
        (False, {"sanction", "of", "the", "oil"}),
    ):
        fast = WordNgramVectorizer(analyzer=StemAnalyzer(ngram_range=(1, 2), stop_words=stop_words)).fit(corpus)
        X = fast.transform(["sanctions of the oil"])
        found = {term for term, col in fast.vocabulary_.items() if X[0, col]}
        assert expected <= found and (stop_words or "sanction oil" not in found)
    # A document of stop words only is an empty row when they are dropped.
    fast = WordNgramVectorizer(analyzer=StemAnalyzer(ngram_range=(1, 2))).fit(corpus)
    assert fast.transform(["of the and", "oil"]).getrow(0).nnz == 0


def test_stem_path_bigrams_do_not_cross_documents() -> None:
    fast = WordNgramVectorizer(analyzer=StemAnalyzer(ngram_range=(2, 2)), norm=None, use_idf=False).fit(
        ["oil sanctions"]
    )
    assert fast.transform(["oil", "sanctions"]).nnz == 0
    assert fast.transform(["oil sanctions", "oil", "sanctions"]).toarray().tolist() == [[1.0], [0.0], [0.0]]


def test_stem_path_after_refit_and_with_a_bounded_word_table(monkeypatch: pytest.MonkeyPatch) -> None:
    sk, fast = stem_pair(TEXTS, ngram_range=(1, 2), stop_words=True, min_df=1)
    fast.transform(TEXTS)
    other = STEM_DOCS + EDGE
    fast.fit(other)  # a new vocabulary: the stem tables are rebuilt
    sk.fit(other)
    assert_same(fast.transform(TEXTS + other), sk.transform(TEXTS + other))
    monkeypatch.setattr(vocab, "_MAX_WORDS", 5)  # the word table starts afresh every few words
    monkeypatch.setattr(features, "_WORD_BATCH_CHARS", 50)  # and documents are counted a few at a time
    fast.__dict__.pop("_stem_lookup")
    assert_same(fast.transform(TEXTS + other), sk.transform(TEXTS + other))
    assert len(fast._stem_lookup.words) <= 5


class _LoudStemAnalyzer(StemAnalyzer):
    def __call__(self, doc: str) -> list[str]:
        return [term.upper() for term in super().__call__(doc)]


def test_other_stem_analyzers_use_the_general_path() -> None:
    for analyzer in (StemAnalyzer(ngram_range=(1, 3)), StemAnalyzer(ngram_range=(3, 3)), _LoudStemAnalyzer()):
        sk, fast = word_pair(TEXTS, analyzer=analyzer, min_df=1)
        assert fast._get_stem_lookup() is None
        assert_same(fast.transform(TEXTS + STEM_DOCS), sk.transform(TEXTS + STEM_DOCS))


def _transform_in_child(fast: WordNgramVectorizer, docs: list[str], queue: Any) -> None:
    queue.put(fast.transform(docs))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_stem_path_in_a_forked_process() -> None:
    sk, fast = stem_pair(TEXTS, ngram_range=(1, 2), stop_words=True, min_df=1)
    fast.transform(TEXTS[:3])  # the parent has built (and partly filled) the tables
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_transform_in_child, args=(fast, TEXTS + STEM_DOCS, queue))
    child.start()
    X = queue.get(timeout=60)
    child.join(timeout=60)
    assert child.exitcode == 0
    assert_same(X, sk.transform(TEXTS + STEM_DOCS))


@given(
    docs=st.lists(unicode_text, min_size=1, max_size=6),
    ngram=st.sampled_from([(1, 1), (2, 2), (1, 2)]),
    stop_words=st.booleans(),
)
def test_stem_path_equals_scikit_learn_on_random_text(
    docs: list[str], ngram: tuple[int, int], stop_words: bool
) -> None:
    sk, fast = stem_pair(TEXTS[:4] + docs, ngram_range=ngram, stop_words=stop_words, min_df=1, sublinear_tf=True)
    assert_same(fast.transform(docs + STEM_DOCS[:5]), sk.transform(docs + STEM_DOCS[:5]))


@pytest.mark.parametrize("ngram_range", [(1, 2), (1, 1), (2, 2)])
@pytest.mark.parametrize("stop_words", [True, False])
def test_word_fit_learns_scikit_learns_vocabulary(ngram_range: tuple[int, int], stop_words: bool) -> None:
    analyzer = StemAnalyzer(ngram_range=ngram_range, stop_words=stop_words)
    for min_df in (1, 2):
        sk, fast = word_pair(TEXTS + EDGE, analyzer=analyzer, min_df=min_df, sublinear_tf=True)
        assert fast.vocabulary_ == sk.vocabulary_
        assert (fast.idf_ == sk.idf_).all()
        assert_same(fast.fit_transform(TEXTS + EDGE), sk.fit_transform(TEXTS + EDGE), exact=False)


def test_word_fit_counts_as_the_analyzer() -> None:
    analyzer = StemAnalyzer(ngram_range=(1, 2))
    docs = ["Sanctions, sanctions and more sanctions on oil", "the oil and the gas", "и нефть и газ"]
    vocabulary, X = features._stem_ngrams(docs, analyzer=analyzer, dtype=np.float64)
    for i, doc in enumerate(docs):
        got = {term: X[i, col] for term, col in vocabulary.items() if X[i, col]}
        assert got == dict(Counter(analyzer(doc)))
    assert features._stem_ngrams(["the and of", "и в на"], analyzer=analyzer, dtype=np.float64) is None


@given(docs=st.lists(unicode_text, min_size=1, max_size=6))
def test_word_fit_equals_scikit_learn_on_random_text(docs: list[str]) -> None:
    corpus = TEXTS[:3] + docs
    sk, fast = word_pair(corpus, min_df=1)
    assert fast.vocabulary_ == sk.vocabulary_
    assert (fast.idf_ == sk.idf_).all()
