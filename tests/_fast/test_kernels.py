"""The compiled kernels give what the numpy code gives, on hand-written and on random text."""

from __future__ import annotations

import random
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from framing._fast import kernels, vocab
from framing._fast.vectorizers import CharNgramVectorizer, WordNgramVectorizer
from framing.core.text import StemAnalyzer, normalize
from framing.inputs import duplicates as dedupe

from .._fast.test_vectorizers import EDGE, TEXTS, assert_same, unicode_text

pytestmark = pytest.mark.skipif(not kernels.AVAILABLE, reason="numba is not installed")


@contextmanager
def numpy_only() -> Iterator[None]:
    """The numpy code instead of the kernels (a context manager: hypothesis tests take no monkeypatch)."""
    kernels_on = kernels.AVAILABLE
    kernels.AVAILABLE = False
    try:
        yield
    finally:
        kernels.AVAILABLE = kernels_on


def both_paths(vectorizer: CharNgramVectorizer, docs: list[str]) -> tuple[Any, Any]:
    compiled = vectorizer.transform(docs)
    with numpy_only():
        plain = vectorizer.transform(docs)
    return compiled, plain


@pytest.mark.parametrize("ngram_range", [(2, 5), (1, 3), (4, 6), (3, 3)])
def test_char_counts_equal_numpy_and_scikit_learn(ngram_range: tuple[int, int]) -> None:
    kw: dict[str, Any] = dict(analyzer="char_wb", preprocessor=normalize, ngram_range=ngram_range, min_df=1)
    fast = CharNgramVectorizer(**kw).fit(TEXTS)
    sk = TfidfVectorizer(**kw).fit(TEXTS)
    docs = TEXTS + EDGE + ["oil oil oil " * 50, "a " * 30]
    compiled, plain = both_paths(fast, docs)
    assert compiled.has_sorted_indices
    assert_same(compiled, plain)
    assert_same(compiled, sk.transform(docs))


def test_a_batch_of_many_distinct_words_grows_the_word_table() -> None:
    # The kernel's table of distinct words starts at 1,024 slots and doubles when half
    # full: thousands of distinct words (some repeated across documents) must count
    # as the numpy code and scikit-learn count them.
    rng = random.Random(7)
    letters = "abcdefghijklmnopqrstuvwxyzабвгдежзийклмнопрстуфхцчшщыэюя"
    words = ["".join(rng.choice(letters) for _ in range(rng.randint(1, 9))) for _ in range(6000)]
    docs = [" ".join(rng.choice(words) for _ in range(rng.randint(0, 400))) for _ in range(60)]
    kw: dict[str, Any] = dict(analyzer="char_wb", ngram_range=(2, 5), min_df=1)
    fast = CharNgramVectorizer(**kw).fit(docs[:30])
    compiled, plain = both_paths(fast, docs)
    assert len({w for doc in docs for w in doc.split()}) > 4000
    assert_same(compiled, plain)
    assert_same(compiled, TfidfVectorizer(**kw).fit(docs[:30]).transform(docs))


def test_many_one_character_documents() -> None:
    # Each document a token of its own: more tokens than half the characters.
    docs = list("abcdefghij" * 30)
    fast = CharNgramVectorizer(analyzer="char_wb", ngram_range=(1, 3), min_df=1).fit(["abc def ghij"])
    compiled, plain = both_paths(fast, docs)
    assert compiled.nnz == plain.nnz > 0
    assert_same(compiled, plain)


def test_repeated_words_count_every_time() -> None:
    fast = CharNgramVectorizer(analyzer="char_wb", ngram_range=(2, 3), use_idf=False, norm=None).fit(["oil gas"])
    X = fast.transform(["oil oil gas oil", "gas"])
    assert X[0, fast.vocabulary_[" oi"]] == 3
    assert X[0, fast.vocabulary_["gas"]] == 1
    assert X[1, fast.vocabulary_["oil"]] == 0 and X[1, fast.vocabulary_["as "]] == 1


@settings(max_examples=60, deadline=None)
@given(docs=st.lists(unicode_text, min_size=1, max_size=8), ngram=st.sampled_from([(2, 5), (1, 2), (4, 5)]))
def test_char_counts_equal_numpy_on_random_text(docs: list[str], ngram: tuple[int, int]) -> None:
    fast = CharNgramVectorizer(analyzer="char_wb", ngram_range=ngram, min_df=1).fit(TEXTS[:4] + docs[:2])
    compiled = fast.transform(docs)
    with numpy_only():
        plain = fast.transform(docs)
    assert_same(compiled, plain)


@settings(max_examples=80, deadline=None)
@given(text=st.one_of(unicode_text, st.lists(unicode_text, max_size=5)))
def test_signature_equals_numpy_on_random_text(text: Any) -> None:
    compiled = dedupe.signature(text)
    with numpy_only():
        plain = dedupe.signature(text)
    assert compiled.dtype == plain.dtype == np.uint32
    assert compiled.shape == plain.shape
    assert (compiled == plain).all()


def test_signature_of_long_and_short_texts_equal_numpy(monkeypatch: Any) -> None:
    texts = [" ".join(TEXTS), TEXTS, "one two", "one two three four five", "Ёлка и ЕЛКА 𝔘𝔫𝔦 ok", "..."]
    compiled = [dedupe.signature(t) for t in texts]
    monkeypatch.setattr(kernels, "AVAILABLE", False)
    plain = [dedupe.signature(t) for t in texts]
    for a, b in zip(compiled, plain):
        assert a.shape == b.shape and (a == b).all()
    assert compiled[0].shape == (96,) and compiled[-1].shape == (0,)


def test_features_numpy_fallback_is_used_without_numba(monkeypatch: Any) -> None:
    # Without numba the numpy path runs and the kernel is never called.
    fast = CharNgramVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=1).fit(TEXTS)
    monkeypatch.setattr(kernels, "AVAILABLE", False)

    def fail(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("kernel called")

    monkeypatch.setattr(kernels, "char_wb_counts", fail)
    monkeypatch.setattr(kernels, "shingle_minhash", fail)
    assert fast.transform(TEXTS).nnz > 0
    assert dedupe.signature(TEXTS[0]).shape == (96,)
    assert vocab.space_table()[ord("\u3000")] and not vocab.space_table()[ord("a")]


def test_ensure_compiled_holds_sigint_and_delivers_it_after() -> None:
    # A Ctrl-C during compiling would be dropped inside numba's ctypes callbacks;
    # held, it arrives as soon as the kernels are built.
    import os
    import signal

    real = kernels._compiled

    def compile_with_a_signal(*args: Any) -> Any:
        os.kill(os.getpid(), signal.SIGINT)  # arrives while the kernels are being built
        return real(*args)

    kernels._READY.clear()
    kernels._compiled = compile_with_a_signal
    # Python's own Ctrl-C handler, whatever this run inherited (a background job ignores SIGINT).
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            kernels.ensure_compiled()
    finally:
        kernels._compiled = real
        signal.signal(signal.SIGINT, inherited)
    assert kernels._READY == [True]  # built before the held signal was delivered


def test_real_calls_use_the_types_ensure_compiled_built() -> None:
    # Scoring builds the kernels before forking; a call with other argument types (a
    # read-only array, say) would compile again in every worker.
    kernels.ensure_compiled()
    compiled = (kernels._compiled, kernels._shingle_minhash_compiled, kernels._distinct_runs,
                kernels._tfidf_decision_compiled, kernels._agreements_compiled)
    before = {k: len(k.signatures) for k in compiled}
    fast = CharNgramVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=1, dtype=np.float32).fit(TEXTS)
    fast.transform(TEXTS + EDGE)
    fast.decision(TEXTS + EDGE, np.ones((len(fast.vocabulary_), 2)))
    words = WordNgramVectorizer(analyzer=StemAnalyzer(ngram_range=(1, 2)), min_df=1, dtype=np.float32).fit(TEXTS)
    words.transform(TEXTS + EDGE)
    words.decision(TEXTS + EDGE, np.ones((len(words.vocabulary_), 2)))
    dedupe.signature(TEXTS[0])
    dedupe.signature(TEXTS[:3])
    kernels.minhash(dedupe.shingles(TEXTS[0]), dedupe._A, dedupe._B)
    finder = dedupe.NearDuplicates()
    for i, text in enumerate([TEXTS[0], TEXTS[0], TEXTS[1]]):  # the second is compared with the first
        finder.add_signature(str(i), dedupe.signature(text))
    assert {k: len(k.signatures) for k in before} == before


@settings(max_examples=60, deadline=None)
@given(docs=st.lists(unicode_text, min_size=1, max_size=8))
def test_word_counts_equal_numpy_on_random_text(docs: list[str]) -> None:
    # The compiled word path (distinct runs of letters) against tokenize() and a dict per token.
    fast = WordNgramVectorizer(analyzer=StemAnalyzer(ngram_range=(1, 2)), min_df=1).fit(TEXTS[:4] + docs[:2])
    compiled = fast.transform(docs + EDGE)
    with numpy_only():
        plain = fast.transform(docs + EDGE)
    assert_same(compiled, plain)


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(st.one_of(unicode_text, st.lists(unicode_text, max_size=4)), max_size=6))
def test_signatures_of_a_batch_equal_each_texts_numpy_signature(texts: list[Any]) -> None:
    # One pass over a chunk's articles (empty ones, and ones without a letter, among them).
    texts = [*texts, "", [], ["...", "1 2 3"]]
    batch = dedupe.signatures(texts)
    with numpy_only():
        one_by_one = [dedupe.signature(text) for text in texts]
    assert len(batch) == len(one_by_one)
    for got, expected in zip(batch, one_by_one):
        assert got.dtype == expected.dtype and np.array_equal(got, expected)


def _weights(vectorizer: Any, k: int = 7) -> np.ndarray:
    return np.random.default_rng(3).normal(size=(len(vectorizer.vocabulary_), k))


@pytest.mark.parametrize("options", [{}, {"binary": True}, {"sublinear_tf": False}, {"dtype": np.float64}])
def test_decision_equals_the_tfidf_matrix_times_the_weights_bit_for_bit(options: dict[str, Any]) -> None:
    # Scoring multiplies each block by its weights straight from the counts; the
    # fused kernel must give the product of scikit-learn's tf-idf matrix exactly.
    settings: dict[str, Any] = dict(sublinear_tf=True, dtype=np.float32, min_df=1) | options
    docs = TEXTS + EDGE + ["oil oil oil " * 50, "санкции " * 70, ""]
    blocks = [
        CharNgramVectorizer(analyzer="char_wb", preprocessor=normalize, ngram_range=(2, 5), **settings).fit(TEXTS),
        WordNgramVectorizer(analyzer=StemAnalyzer(ngram_range=(1, 2)), **settings).fit(TEXTS),
    ]
    for vectorizer in blocks:
        for k in (7, 1, 2, 8, 10, 19):  # the kernel adds up frames 8, 2 and 1 at a time
            W = _weights(vectorizer, k)
            expected = np.asarray(vectorizer.transform(docs) @ W)
            np.testing.assert_array_equal(vectorizer.decision(docs, W), expected)
        with numpy_only():  # and without the kernels, the product of the matrix
            np.testing.assert_array_equal(vectorizer.decision(docs, W), expected)


@settings(max_examples=40, deadline=None)
@given(st.lists(unicode_text, min_size=1, max_size=8))
def test_decision_equals_the_matrix_product_on_random_text(docs: list[str]) -> None:
    char = CharNgramVectorizer(analyzer="char_wb", preprocessor=normalize, ngram_range=(2, 5), min_df=1,
                               sublinear_tf=True, dtype=np.float32).fit(TEXTS + docs)
    W = _weights(char, 3)
    np.testing.assert_array_equal(char.decision(docs, W), np.asarray(char.transform(docs) @ W))


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.integers(0, 0x10FFFF), max_size=60),
    seps=st.lists(st.booleans(), min_size=60, max_size=60),
    cuts=st.lists(st.integers(0, 60), max_size=4),
)
def test_distinct_runs_of_code_points_are_the_same_at_either_width(values, seps, cuts) -> None:
    # The word path passes 32-bit code points as they are; the character kernel, 64-bit ranks.
    points = np.array(values, dtype=np.uint32)
    separator = np.array(seps[: points.size], dtype=bool)
    starts = np.array([0, *sorted(min(c, points.size) for c in cuts), points.size], dtype=np.int64)
    narrow = kernels.distinct_runs(points, separator, starts)
    wide = kernels.distinct_runs(points.astype(np.uint64), separator, starts)
    for a, b in zip(narrow, wide):
        np.testing.assert_array_equal(a, b)
    token_word, doc_tokens, word_start, word_length = narrow
    # Tokens with equal values share a word id, different ones do not.
    spans = {}
    for d in range(starts.size - 1):
        for t in range(doc_tokens[d], doc_tokens[d + 1]):
            w = token_word[t]
            spans.setdefault(w, tuple(points[word_start[w] : word_start[w] + word_length[w]].tolist()))
    assert len(set(spans.values())) == len(spans)


def _runs_by_definition(values: list[int], separator: list[bool], starts: list[int]) -> tuple[list[int], ...]:
    """distinct_runs read off its docstring: maximal runs within each document, ids by first occurrence."""
    ids: dict[tuple[int, ...], int] = {}
    token_word, doc_tokens, word_start, word_length = [], [0], [], []
    for d in range(len(starts) - 1):
        i = starts[d]
        while i < starts[d + 1]:
            if separator[i]:
                i += 1
                continue
            j = i
            while j < starts[d + 1] and not separator[j]:
                j += 1
            key = tuple(values[i:j])
            if key not in ids:
                ids[key] = len(ids)
                word_start.append(i)
                word_length.append(j - i)
            token_word.append(ids[key])
            i = j
        doc_tokens.append(len(token_word))
    return token_word, doc_tokens, word_start, word_length


def _check_runs(values: list[int], separator: list[bool], starts: list[int]) -> None:
    got = kernels.distinct_runs(np.array(values, dtype=np.uint32), np.array(separator, dtype=bool),
                                np.array(starts, dtype=np.int64))
    for a, b in zip(got, _runs_by_definition(values, separator, starts)):
        assert a.tolist() == b


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.integers(0, 3), max_size=80),
    seps=st.lists(st.booleans(), min_size=80, max_size=80),
    cuts=st.lists(st.integers(0, 80), max_size=5),
)
def test_distinct_runs_follow_their_definition(values, seps, cuts) -> None:
    # A small alphabet, so that words repeat within and across documents.
    _check_runs(values, seps[: len(values)], [0, *sorted(min(c, len(values)) for c in cuts), len(values)])


def test_distinct_runs_with_more_words_than_the_first_table_holds() -> None:
    # 3,000 distinct words (each twice) make the table double several times, mid-document.
    rng = np.random.default_rng(0)
    words = [[int(c) for c in rng.integers(1, 30, size=rng.integers(1, 8))] for _ in range(3000)]
    words = list({tuple(w): w for w in words}.values())
    values: list[int] = []
    for w in words + words[::-1]:
        values += [*w, 0]
    separator = [v == 0 for v in values]
    _check_runs(values, separator, [0, len(values) // 3, len(values) // 3, len(values)])
    assert len(words) > 2048  # more than half of a table doubled twice


def test_a_scoring_run_loads_the_kernels_without_scipy_linalg_and_leaves_it_importable() -> None:
    # In a fresh process: numba's BLAS probe is skipped while the kernels load, and
    # nothing of the trick is left behind for later imports.
    program = (
        "import sys\n"
        "from framing._fast import kernels\n"
        "kernels.ensure_compiled_for_scoring_run()\n"
        "print(bool(kernels._READY), 'scipy.linalg' in sys.modules, kernels._NUMBA_BLAS_PROBE in sys.modules)\n"
        "import scipy.linalg\n"
        "print(scipy.linalg.norm([3.0, 4.0]))\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["True False False", "5.0"], done.stdout


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 3), min_size=5, max_size=5), min_size=1, max_size=6), st.data())
def test_agreements_count_equal_places(rows: list[list[int]], data: Any) -> None:
    table = np.array(rows, dtype=np.uint32)
    at = np.array(data.draw(st.lists(st.integers(0, len(rows) - 1), max_size=8)), dtype=np.int64)
    sig = np.array(data.draw(st.lists(st.integers(0, 3), min_size=5, max_size=5)), dtype=np.uint32)
    assert kernels.agreements(table, at, sig).tolist() == [int((table[r] == sig).sum()) for r in at.tolist()]


def test_band_keys_of_a_chunk_are_each_signatures_own() -> None:
    sigs = [dedupe.signature(text) for text in [*TEXTS[:4], "...", ""]]
    keys = dedupe.band_keys(sigs)
    assert keys[-2:] == [None, None]  # no words, no signature, no keys
    assert keys[:4] == [dedupe._band_keys(sig) for sig in sigs[:4]]


@settings(max_examples=80, deadline=None)
@given(st.lists(unicode_text, max_size=6))
def test_words_at_are_the_slices_of_the_text(docs: list[str]) -> None:
    # The word path makes its distinct words' strings in one decode instead of one slice each.
    from framing.core.text import folded_letters

    joined, points, letters, starts = folded_letters(docs)
    _, _, word_start, word_length = kernels.distinct_runs(points, ~letters, starts)
    expected = [joined[a : a + n] for a, n in zip(word_start.tolist(), word_length.tolist())]
    assert vocab.words_at(points, word_start, word_length) == expected
