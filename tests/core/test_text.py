"""Language detection, normalisation, tokenisation, stemming and the n-gram analyzer."""

from __future__ import annotations

import pickle
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import framing.core.text as text_module
from framing.core.text import StemAnalyzer, detect_language, fold_words, normalize, stem, tokenize, tokens_of


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Всё ЕЩЁ", "все еще"),
        ("ёлка Ёлка елка", "елка елка елка"),
        ("Kazakhstan\u2019s  stance", "kazakhstan's stance"),
        ("  a\t\tb\n\nc  ", "a b c"),
        ("e\u0308", "ë"),  # combining diaeresis composed (NFC)
        ("Е\u0308ж", "еж"),  # decomposed Ё folds too
        ("Росси\u0301я ѐлка Ѝ", "россия елка и"),  # stress marks on Cyrillic letters go, composed or not
        ("cafe\u0301 q\u0301", "café q\u0301"),  # other acute accents stay
        ("", ""),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    "raw", ["J\u030c", "T\u0308", "\u0399\u0308\u0301", "Ё\u0308", "ё\u0300", "Ώ\u0345", "е\u0308\u0301", "Ѐ\u0301"]
)
def test_normalize_is_idempotent_with_combining_marks(raw: str) -> None:
    # Lower-casing can produce a letter and a mark that compose; folding ё can free a
    # second diaeresis. Either would make a second normalize() change the text.
    once = normalize(raw)
    assert normalize(once) == once
    assert "ё" not in once


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Kazakhstan refused to recognise the republics.", "en"),
        ("Казахстан отказался признать республики.", "ru"),
        ("Токаев said «нет» to Putin at the St Petersburg forum on Friday.", "en"),  # Latin outnumbers
        ("Президент Токаев заявил на форуме в Петербурге, что Kazakhstan не признает ЛНР.", "ru"),
        ("2022 — 1991", "en"),  # no letters at all: the default
        ("", "en"),
    ],
)
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_tokenize_splits_on_digits_hyphens_punctuation_and_lowercases() -> None:
    assert tokenize("Multi-vector policy, 2022: «Многовекторность»!") == [
        "multi",
        "vector",
        "policy",
        "многовекторность",
    ]
    assert tokenize("COVID19 snake_case") == ["covid", "snake", "case"]
    assert tokenize("Всё-таки ЁЖ") == ["все", "таки", "еж"]
    assert tokenize("... 123 —") == []


def test_tokenize_splits_on_numerals_that_are_not_decimal_digits() -> None:
    # "²", "¼" and "Ⅻ" are word characters to re but not letters.
    assert tokenize("x² ¼cup ⅫCentury km²") == ["x", "cup", "century", "km"]


def test_stem_english_and_russian() -> None:
    assert stem("sanctions") == stem("sanction") == "sanction"
    assert stem("санкциями") == stem("санкции") == stem("санкция")
    assert stem("санкциями").startswith("санкц")


def test_stem_chooses_the_stemmer_by_the_word_script() -> None:
    # An English word inside Russian text gets the English stemmer, and the reverse.
    assert stem("running") == "run"
    assert stem("россия") == stem("россии")
    # The Russian stemmer leaves Latin words alone and the English one Cyrillic words,
    # so a wrong choice would show as an unstemmed word.
    assert stem("sanctions") != "sanctions"
    assert stem("санкциями") != "санкциями"


def test_stem_analyzer_unigrams_and_bigrams_after_stop_words() -> None:
    analyzer = StemAnalyzer(ngram_range=(1, 2))
    assert analyzer("The sanctions on Russia") == ["sanction", "russia", "sanction russia"]
    # Stop words are removed before n-grams are formed, in Russian too.
    assert analyzer("санкции и нефть") == [stem("санкции"), stem("нефть"), f"{stem('санкции')} {stem('нефть')}"]


def test_stem_analyzer_keeps_stop_words_when_asked() -> None:
    analyzer = StemAnalyzer(ngram_range=(1, 1), stop_words=False)
    assert analyzer("The sanctions on Russia") == ["the", "sanction", "on", "russia"]


def test_stem_analyzer_ngram_ranges() -> None:
    words = ["troops", "border", "alliance", "tanks"]
    stems = [stem(w) for w in words]
    text = " ".join(words)
    assert StemAnalyzer(ngram_range=(2, 2))(text) == [" ".join(stems[i : i + 2]) for i in range(3)]
    trigrams = StemAnalyzer(ngram_range=(1, 3))(text)
    assert trigrams[:4] == stems
    assert trigrams[-2:] == [" ".join(stems[0:3]), " ".join(stems[1:4])]
    assert len(trigrams) == 4 + 3 + 2
    assert StemAnalyzer(ngram_range=(3, 3))("troops border") == []


def test_stem_analyzer_folds_yo_and_case() -> None:
    analyzer = StemAnalyzer(ngram_range=(1, 1))
    assert analyzer("ВСЁ РАВНО Ёлки") == analyzer("все равно елки")


def test_stem_analyzer_pickles() -> None:
    analyzer = StemAnalyzer(ngram_range=(1, 3), stop_words=False)
    clone = pickle.loads(pickle.dumps(analyzer))
    assert clone("Troops at the border") == analyzer("Troops at the border")
    assert repr(clone) == "StemAnalyzer(ngram_range=(1, 3), stop_words=False)"


# Property tests ------------------------------------------------------------------------------


@given(st.text())
def test_normalize_and_tokenize_never_crash(text: str) -> None:
    normalized = normalize(text)
    assert "ё" not in normalized
    assert normalized == normalized.strip()
    assert "  " not in normalized
    for token in tokenize(text):
        assert token and token.isalpha()
        assert token == token.lower()
        assert "ё" not in token


@given(st.text())
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@given(st.text(alphabet=st.characters(codec="utf-8")))
def test_stem_analyzer_never_crashes(text: str) -> None:
    grams = StemAnalyzer(ngram_range=(1, 2))(text)
    unigrams = [g for g in grams if " " not in g]
    assert len(grams) == len(unigrams) + max(len(unigrams) - 1, 0)


@settings(max_examples=300, deadline=None)
@given(st.text(
    alphabet=st.characters(codec="utf-8") | st.sampled_from("AZaz@[`{ЀӿАяёЁ\u03ff\u0500\U0001f600\ud800\udcff"),
    max_size=60,
))
def test_detect_language_counts_scripts_like_the_regex_definition(text):
    # The byte counting must agree with the plain definition: more [Ѐ-ӿ] than [A-Za-z] is Russian
    # (neighbours of the range, astral characters and lone surrogates among the inputs).
    cyrillic = len(re.findall(r"[\u0400-\u04ff]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    assert detect_language(text) == ("ru" if cyrillic > latin else "en")


def _tokenize_by_regex(text: str) -> list[str]:
    # The definition the fast tokenizer must keep: runs of letters of the normalised text.
    words = re.findall(r"[^\W\d_]+", normalize(text))
    return [part for w in words for part in "".join(c if c.isalpha() else " " for c in w).split()]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from("Ёё’'-_²Ⅻ¼ \t\n\u00a0ЀJ\u030c"), max_size=80))
def test_tokenize_is_the_runs_of_letters(text):
    assert tokenize(text) == _tokenize_by_regex(text)
    assert normalize(text) == " ".join(normalize(text).split())


def test_tokens_of_a_batch_are_each_texts_tokens() -> None:
    texts = ["Multi-vector policy, 2022", "", "Всё-таки ЁЖ", "x² ¼cup", "Multi-vector policy, 2022", "𝐀𝐁 word"]
    assert tokens_of(texts) == [tuple(tokenize(t)) for t in texts]
    assert tokens_of([]) == []


_BATCH_ALPHABET = st.characters(codec="utf-8") | st.sampled_from("Ёё’'-_²Ⅻ¼ \t\n\x00\u00a0ЀJ\u030c𝐀")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=_BATCH_ALPHABET, max_size=40), max_size=6))
def test_tokens_of_agrees_with_the_regex_definition(texts):
    # The batch pass (numpy over the joined code points) must cut exactly the words the
    # one-text definition cuts, with no word running across two texts.
    text_module._RECENT_TOKENS.clear()  # compute afresh, not from what tokenize remembered
    assert tokens_of(texts) == [tuple(_tokenize_by_regex(t)) for t in texts]


def test_tokens_of_a_batch_larger_than_the_memory_of_recent_texts() -> None:
    texts = [f"word{i} text number {i}" for i in range(text_module._RECENT_MAX + 10)]
    got = tokens_of(texts)
    assert got[0] == ("word", "text", "number") and len(got) == len(texts)
    assert len(text_module._RECENT_TOKENS) <= text_module._RECENT_MAX


@given(st.text(alphabet=_BATCH_ALPHABET))
def test_fold_words_gives_the_words_of_normalize(text: str) -> None:
    assert fold_words(text).split() == normalize(text).split()
