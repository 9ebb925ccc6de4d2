"""Splitting articles into passages and dropping page clutter."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framing.inputs.passages import MIN_WORDS, is_clutter, split_passages

EN_1 = "Kazakhstan will not recognise the separatist republics in eastern Ukraine, the president said on Friday."
EN_2 = "Officials in Astana said the country would comply with Western sanctions and would not help Moscow evade them."
RU_1 = "Казахстан не признает самопровозглашенные республики на востоке Украины, заявил президент в пятницу."
RU_2 = "Чиновники в Астане заявили, что страна будет соблюдать западные санкции и не поможет Москве их обойти."
LONG_SUBSCRIBE = (
    "Readers who subscribe to state television in the north of the country hear a very different account "
    "of the war, one in which Kazakhstan owes Russia its loyalty and its borders, analysts say."
)


def test_blank_lines_separate_passages_in_reading_order() -> None:
    assert split_passages(f"{EN_1}\n\n{RU_1}\n\n\n{EN_2}") == [EN_1, RU_1, EN_2]


def test_lines_of_a_block_ending_in_punctuation_are_separate_passages() -> None:
    assert split_passages(f"{EN_1}\n{EN_2}") == [EN_1, EN_2]


def test_hard_wrapped_lines_are_joined() -> None:
    wrapped = (
        "Kazakhstan will not recognise the separatist\n"
        "republics in eastern Ukraine, the president\n"
        "said on Friday."
    )
    assert split_passages(wrapped) == [EN_1]
    wrapped_ru = "Казахстан не признает самопровозглашенные республики\nна востоке Украины, заявил президент в пятницу."
    assert split_passages(wrapped_ru) == [RU_1]


def test_a_line_followed_by_a_capitalised_line_is_not_joined() -> None:
    # A heading then the text: the heading stays separate and is dropped as clutter.
    assert split_passages(f"Kazakhstan and the war in Ukraine\n{EN_1}") == [EN_1]


def test_white_space_is_folded_and_windows_line_ends_and_bom_are_handled() -> None:
    messy = "\ufeff" + EN_1.replace(" ", "  \t", 3) + "\r\n\r\n" + EN_2 + "\r\n"
    assert split_passages(messy) == [EN_1, EN_2]


def test_repeated_paragraphs_are_kept_once() -> None:
    assert split_passages(f"{EN_1}\n\n{EN_2}\n\n{EN_1}\n\n{RU_1}\n\n{RU_1}") == [EN_1, EN_2, RU_1]


def test_clutter_from_a_news_page_is_dropped() -> None:
    page = f"""• USD90.99
  • EUR98.78

A New Central Asia? Kazakhstan's Drift from Moscow

Login

{EN_1}

Tokayev and Putin at the forum in St Petersburg (Photo: Kremlin press service)

Photo: Reuters/Pavel Mikheyev

{EN_2}

{LONG_SUBSCRIBE}

Jane Doe is Visiting Senior Research Fellow at the Institute of Central Asian Studies.

Subscribe to our weekly digest

Back to Top

Check Also

Russia and China in Central Asia: a new great game

Analysts say the rivalry between the two powers is growing as trade routes shift away from…

© 2022 All rights reserved
"""
    assert split_passages(page) == [EN_1, EN_2, LONG_SUBSCRIBE]


def test_russian_clutter_is_dropped() -> None:
    page = f"""Казахстан и Россия после 2022 года

{RU_1}

Фото: пресс-служба Акорды

{RU_2}

Подписывайтесь на наш канал в Telegram

Наверх

Читайте также

Токаев провел переговоры с Путиным в Москве о поставках нефти и газа.

Эксперты считают, что Астана продолжит многовекторную политику и в будущем году.
"""
    assert split_passages(page) == [RU_1, RU_2]


def test_teaser_section_ends_at_a_long_paragraph() -> None:
    long_text = " ".join([EN_1, EN_2, EN_1.lower(), EN_2.lower()])
    assert len(long_text.split()) > 40
    text = f"{EN_1}\n\nRead also:\n\nSome teaser headline about another story\n\n{long_text}"
    assert split_passages(text) == [EN_1, long_text]


def test_min_words() -> None:
    short = "Kazakhstan refused, the minister said."
    assert split_passages(short) == []
    assert split_passages(short, min_words=3) == [short]


def test_nothing_left() -> None:
    assert split_passages("") == []
    assert split_passages("Back to Top\n\nLogin\n\n• USD90.99") == []


@pytest.mark.parametrize(
    "line",
    [
        "• USD90.99",
        "Subscribe to our weekly digest",
        "Back to Top",
        "Login",
        "Check Also",
        "Photo: Reuters/Pavel Mikheyev",
        "Tokayev and Putin at the St Petersburg International Economic Forum in June 2022",
        "Kazakhstan's Drift from Moscow Is Real, and the Kremlin Knows It",
        "Jane Doe is Visiting Senior Research Fellow at the Institute of Central Asian Studies.",
        "John Smith is a journalist based in Almaty who covers Central Asian politics.",
        "The rivalry between the two powers is growing as trade routes shift away from…",
        "- Kazakhstan refuses to recognise the republics, says the foreign ministry.",
        "This article is republished from The Conversation under a Creative Commons license.",
        "Фото: пресс-служба Акорды; на снимке президент Токаев во время встречи с журналистами в Астане.",
        "Подписывайтесь на наш канал, чтобы не пропустить важные новости.",
        "Токаев провел переговоры с Путиным в Москве о поставках нефти и газа",
    ],
)
def test_is_clutter(line: str) -> None:
    assert is_clutter(line)


@pytest.mark.parametrize("paragraph", [EN_1, EN_2, RU_1, RU_2, LONG_SUBSCRIBE])
def test_text_is_not_clutter(paragraph: str) -> None:
    assert not is_clutter(paragraph)


def test_short_lines_are_clutter_by_min_words() -> None:
    seven = "Kazakhstan refused to help Moscow, officials said."
    assert len(seven.split()) < MIN_WORDS
    assert is_clutter(seven)
    assert not is_clutter(seven, min_words=5)


# Property tests ------------------------------------------------------------------------------

_VOCABULARY = (
    "Kazakhstan Russia Astana Moscow president minister said would not recognise the republics war "
    "sanctions trade oil border troops alliance country people language history memory government "
    "Казахстан Россия Москва президент министр заявил не признает республики война санкции торговля "
    "нефть граница войска союз страна люди язык история память правительство"
).split()

_sentence = st.lists(st.sampled_from(_VOCABULARY), min_size=10, max_size=30).map(lambda ws: " ".join(ws) + ".")


@given(st.lists(_sentence, min_size=1, max_size=8))
def test_text_paragraphs_always_come_back(paragraphs: list[str]) -> None:
    # Sentences of 10-30 words ending in "." separated by blank lines are text, never clutter,
    # and come back in order, each once.
    for p in paragraphs:
        assert not is_clutter(p)
    assert split_passages("\n\n".join(paragraphs)) == list(dict.fromkeys(paragraphs))


_word = st.text(alphabet=st.characters(categories=["L"]), min_size=1, max_size=12)
_any_sentence = st.lists(_word, min_size=10, max_size=30).map(lambda ws: " ".join(ws) + ".")


@given(st.lists(_any_sentence, min_size=1, max_size=6), st.sampled_from(["\n\n", "\n \n", "\r\n\r\n", "\n\n\n"]))
def test_no_paragraph_that_is_not_clutter_is_lost(paragraphs: list[str], separator: str) -> None:
    out = split_passages(separator.join(paragraphs))
    assert out == list(dict.fromkeys(p for p in paragraphs if not is_clutter(p)))


@given(st.text())
def test_split_passages_never_crashes_and_only_returns_text_from_the_input(text: str) -> None:
    out = split_passages(text)
    assert len(out) == len(set(out))
    flat = " " + " ".join(text.replace("\ufeff", "").split()) + " "
    for p in out:
        assert p == p.strip() and "\n" not in p
        assert not is_clutter(p)
        assert f" {' '.join(p.replace(chr(0xFEFF), '').split())} " in flat


def test_teaser_header_swallows_at_most_two_short_lines():
    short = "The minister met farmers in Kostanay on Tuesday to discuss the harvest."
    text = (
        "Read also\n\nTeaser headline about another story here today, friends.\n\n"
        "A standfirst for that other story, also short but complete.\n\n" + short
    )
    assert split_passages(text) == [short]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(
    ["Subscribe", "SIGN UP", "Login", "log in", "Share this", "SHARE ON", "©", "Copyright", "Photo:", "Via AP",
     "Cookie", "uses cookies", "Terms of Use", "Privacy Policy", "Оформите подписку", "ПОДПИСЫВАЙТЕСЬ",
     "Читайте также", "Фото:", "the", "Kazakhstan", "said", "Россия", "заявил", ".", ",", "ap", "photo",
     "via", "reuters/", "Getty Images", "Read more"]), max_size=30))
def test_clutter_hints_never_hide_a_regex_match(words):
    # The substring pre-check may only skip searches that could not match.
    from framing.inputs.passages import _BANNER, _BANNER_HINTS, _FURNITURE, _FURNITURE_HINTS, _may_match

    text = " ".join(words)
    if _FURNITURE.search(text):
        assert _may_match(text, _FURNITURE_HINTS)
    if _BANNER.search(text):
        assert _may_match(text, _BANNER_HINTS)


@given(st.text(alphabet=st.sampled_from("ab \t\n\r\u00a0\u3000\u2028.Кя"), max_size=200))
def test_paragraphs_are_folded_so_spaces_count_words(text: str) -> None:
    # split_passages counts a paragraph's words as its spaces plus one; that needs folded paragraphs.
    from framing.inputs.passages import _folded_words, _paragraphs, _words

    for paragraph in _paragraphs(text):
        assert paragraph and paragraph == " ".join(paragraph.split())
        assert _folded_words(paragraph) == _words(paragraph)


@given(st.text(alphabet=st.sampled_from("ab .!?\t\n\r\u00a0\u2028…"), max_size=200))
def test_sentence_marks_of_folded_paragraphs_are_found_as_the_regex_finds_them(text: str) -> None:
    # split_passages looks for a full stop in its folded paragraphs with substring tests.
    from framing.inputs.passages import _SENTENCE_MARK, _has_sentence_mark, _paragraphs

    for paragraph in _paragraphs(text):
        assert _has_sentence_mark(paragraph, folded=True) == (_SENTENCE_MARK.search(paragraph) is not None)
    assert _has_sentence_mark(text, folded=False) == (_SENTENCE_MARK.search(text) is not None)


@given(
    st.text(
        alphabet=st.characters(codec="utf-8")
        | st.sampled_from(" \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\xad\u1680\u2000\u200b\u2028\u2029\u202f\u3000\ufeff"),
        max_size=200,
    )
)
def test_paragraphs_are_folded_whatever_the_characters(text: str) -> None:
    # Paragraphs that look folded already (printable, no double space) skip the folding.
    from framing.inputs.passages import _paragraphs

    for paragraph in _paragraphs(text):
        assert paragraph == " ".join(paragraph.split())
