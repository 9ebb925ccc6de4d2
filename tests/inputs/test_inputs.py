"""Inputs as users have them: encodings, saved web pages, page clutter, near-duplicate stories.

Library-level; the command-line battery is in test_robustness.py.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
import socket
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from framing.core.encoding import decode_bytes
from framing.core.errors import InputError, InputWarning
from framing.inputs.articles import read_articles
from framing.inputs.duplicates import NearDuplicates
from framing.inputs.passages import is_clutter, split_passages
from framing.inputs.webpages import declared_charset, extract_html
from framing.model.frame_model import FrameModel
from framing.runs.scoring import score

from ..conftest import CORPUS, article_texts, read_jsonl, write_jsonl

SEEDS = Path(__file__).resolve().parent.parent.parent / "seeds"
LABELS = Path(__file__).resolve().parent.parent.parent / "labels"

RU_HEADLINE = "Казахстан и Россия после 2022 года"
RU_1 = "Казахстан не признает самопровозглашенные республики на востоке Украины, заявил президент в пятницу."
RU_2 = "Чиновники в Астане заявили, что страна будет соблюдать западные санкции и не поможет Москве их обойти."
RU_ARTICLE = f"{RU_HEADLINE}\n\n{RU_1}\n\n{RU_2}\n"
EN_1 = "Kazakhstan will not recognise the separatist republics in eastern Ukraine, the president said on Friday."

# Real Russian sentences, short and long, mixed case and capitals: what a headline
# or a one-line file from a Russian site looks like in either legacy encoding.
RU_SENTENCES = [
    "Токаев провел переговоры с Путиным.",
    "Санкции ударили по экспорту нефти.",
    "ВОЙНА И МИР. ЧАСТЬ ПЕРВАЯ.",
    "Президент Казахстана заявил о многовекторной политике.",
    "КазМунайГаз сообщил о росте добычи нефти на 5% за год.",
    "Москва теряет поддержку Казахстана из-за войны в Украине",
    "В Алматы прошел митинг в поддержку Украины, полиция никого не задержала.",
    "Ёлка на главной площади столицы появится в декабре.",
    RU_1,
    RU_2,
]


def notes_of(inputs: list) -> tuple[list, list[str]]:
    notes: list[str] = []
    return list(read_articles(inputs, on_warning=notes.append)), notes


# Encodings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("codec", "label"),
    [("utf-8", None), ("utf-8-sig", None), ("utf-16", None), ("cp1251", "Windows-1251"), ("koi8-r", "KOI8-R")],
)
def test_a_russian_article_is_read_in_each_encoding(tmp_path: Path, codec: str, label: str | None) -> None:
    path = tmp_path / "ru.txt"
    path.write_bytes(RU_ARTICLE.encode(codec))
    if codec == "utf-16":
        assert path.read_bytes()[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    (article,), notes = notes_of([path])
    assert article.text == RU_ARTICLE
    assert article.meta["title"] == RU_HEADLINE
    assert split_passages(article.text) == [RU_1, RU_2]
    # A guess is reported, naming the file and the encoding; UTF-8 and BOMs are not guesses.
    assert notes == ([] if label is None else [f"{path}: not UTF-8; read as {label} (check that the text reads right)"])


@pytest.mark.parametrize("sentence", RU_SENTENCES)
@pytest.mark.parametrize("codec", ["cp1251", "koi8-r"])
def test_short_russian_texts_are_told_apart_in_both_legacy_encodings(sentence: str, codec: str) -> None:
    decoded = decode_bytes(sentence.encode(codec))
    assert (decoded.text, decoded.encoding, decoded.guessed) == (sentence, codecs.lookup(codec).name, True)


def test_windows_1252_western_text() -> None:
    text = "The café’s owner said “no” — twice — and the Zürich bank agreed."
    decoded = decode_bytes(text.encode("cp1252"))
    assert (decoded.text, decoded.label) == (text, "Windows-1252")


def test_utf16_without_bom_is_recognised() -> None:
    assert decode_bytes(EN_1.encode("utf-16-le")).text == EN_1


def test_jsonl_and_csv_exports_in_windows_1251(tmp_path: Path) -> None:
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_bytes("\n".join(json.dumps({"id": f"r{i}", "text": t}, ensure_ascii=False) for i, t in
                                enumerate([RU_1, RU_2])).encode("cp1251"))
    excel = tmp_path / "b.csv"  # what Excel in a Russian locale saves: cp1251, ';' between cells, odd names
    excel.write_bytes(f"ID; Text ;Издание\nx1;\"{RU_1}\";Известия\n".encode("cp1251"))
    articles, notes = notes_of([jsonl, excel])
    assert [(a.id, a.text) for a in articles] == [("r0", RU_1), ("r1", RU_2), ("x1", RU_1)]
    assert articles[2].meta == {"Издание": "Известия"}
    assert notes == [f"{p}: not UTF-8; read as Windows-1251 (check that the text reads right)" for p in (jsonl, excel)]


def test_a_sidecar_in_windows_1251_is_read_and_reported(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text(RU_ARTICLE, encoding="utf-8")
    (tmp_path / "metadata.csv").write_bytes("id,outlet,group\nx,Известия,russian\n".encode("cp1251"))
    (article,), notes = notes_of([tmp_path])
    assert article.meta == {"outlet": "Известия", "group": "russian", "title": RU_HEADLINE}
    assert notes == [f"{tmp_path / 'metadata.csv'}: not UTF-8; read as Windows-1251 (check that the text reads right)"]


def test_utf16_csv_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_bytes(f"id,text\nu1,\"{RU_1}\"\nu2,\"{EN_1}\"\n".encode("utf-16"))
    articles, notes = notes_of([path])
    assert [(a.id, a.text) for a in articles] == [("u1", RU_1), ("u2", EN_1)]
    assert notes == []


def test_without_a_callback_a_guess_is_a_python_warning(tmp_path: Path) -> None:
    path = tmp_path / "ru.txt"
    path.write_bytes(RU_ARTICLE.encode("koi8-r"))
    with pytest.warns(InputWarning, match=r"ru\.txt: not UTF-8; read as KOI8-R"):
        assert next(read_articles([path])).text == RU_ARTICLE


@pytest.mark.parametrize(
    ("data", "message", "line"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "binary file", None),
        (b"\x01\x02\x03\x04 text \x05\x06\x07\x08\x0e\x0f" * 20, "binary file", None),
        (f"{RU_HEADLINE}\n\n{RU_1}\n{RU_2}".encode() + b"\xff\xfe tail\n", "damaged UTF-8", 4),
        (bytes(range(0x80, 0x100)) * 8, "cannot tell the text encoding", None),
    ],
    ids=["png", "control-characters", "damaged-utf8", "undecodable"],
)
def test_bad_bytes_are_errors_not_mojibake(tmp_path: Path, data: bytes, message: str, line: int | None) -> None:
    path = tmp_path / "x.txt"
    path.write_bytes(data)
    with pytest.raises(InputError, match=message) as info:
        list(read_articles([path]))
    assert info.value.path == str(path)
    assert info.value.line == line


def test_a_bad_line_in_a_big_utf8_file_is_named(tmp_path: Path) -> None:
    # The encoding is decided on the first megabyte; a bad byte after it names its line.
    path = tmp_path / "big.jsonl"
    good = json.dumps({"text": EN_1}) + "\n"
    count = (1 << 20) // len(good) + 10
    path.write_bytes(good.encode() * count + '{"text": "Казахстан"}\n'.encode("cp1251"))
    with pytest.raises(InputError, match="not UTF-8 text") as info:
        list(read_articles([path]))
    assert info.value.line == count + 1


_RU_WORDS = sorted({w for _, lang, text, _ in CORPUS if lang == "ru" for w in re.findall(r"\w+", text)})


@given(
    st.lists(st.sampled_from(_RU_WORDS), min_size=8, max_size=40, unique=True),
    st.sampled_from(["lower", "capital", "upper"]),
    st.sampled_from(["cp1251", "koi8-r"]),
)
def test_a_passage_of_russian_decodes_right_in_either_encoding(words: list[str], case: str, codec: str) -> None:
    # A passage's worth of different words (8, the shortest passage kept), in any case. Shorter
    # texts are mostly right too (the sentences above) but a few words can read as either.
    text = " ".join(words)
    text = text.upper() if case == "upper" else text.capitalize() if case == "capital" else text
    assert decode_bytes(f"{text}.".encode(codec)).text == f"{text}."


@given(st.binary(max_size=3000))
def test_any_bytes_decode_or_give_an_input_error(data: bytes) -> None:
    try:
        decoded = decode_bytes(data)
    except InputError as exc:
        assert str(exc)
    else:
        assert decoded.encoding


_printable = st.text(st.characters(blacklist_categories=["Cs", "Cc"]), min_size=1).filter(
    lambda t: not t.startswith("\ufeff")
)


@given(_printable, st.sampled_from(["utf-8", "utf-16", "utf-8-sig"]))
def test_unicode_text_round_trips_through_every_unicode_encoding(text: str, codec: str) -> None:
    assert decode_bytes(text.encode(codec)).text == text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=2000), st.sampled_from([".txt", ".html", ".jsonl", ".csv"]))
def test_readers_never_crash_on_arbitrary_bytes(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"in{suffix}"
        path.write_bytes(data)
        try:
            articles, _ = notes_of([path])
        except InputError as exc:
            assert str(exc).startswith(str(path))
        else:
            assert all(a.text.strip() for a in articles)


# Saved web pages ------------------------------------------------------------------------------

PAGE_PARAGRAPHS = [
    "Kazakhstan will not recognise the separatist republics in eastern Ukraine, President Kassym-Jomart "
    "Tokayev said at the economic forum in St Petersburg, sitting a few feet from Vladimir Putin.",
    "Officials in Astana have said repeatedly that the country will comply with Western sanctions and will "
    "not help Moscow evade them, even as trade with Russia grows.",
    "The remarks drew an angry response from Russian television hosts, who accused Astana of ingratitude for "
    "the troops Moscow sent in January to help put down unrest.",
    "Analysts in Almaty say the government is trying to keep good relations with every major power while "
    "avoiding any step that could provoke the Kremlin.",
]


def saved_page(paragraphs: list[str], *, charset: str = "utf-8") -> str:
    """A page as a browser saves it: menus, ticker, cookie banner, caption, teaser, footer around the text."""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs[:1])
    rest = "\n".join(f"<p>{p}</p>" for p in paragraphs[1:])
    return f"""<!DOCTYPE html>
<html lang="en"><head>
<meta charset="{charset}">
<title>Kazakhstan Keeps Its Distance From Moscow – The Steppe Review</title>
<meta property="og:site_name" content="The Steppe Review">
<meta property="article:published_time" content="2022-06-20T08:30:00+00:00">
<link rel="canonical" href="https://steppe-review.example/2022/06/kazakhstan-distance-moscow">
<script>window.dataLayer = [];</script><style>body {{ font-family: serif; }}</style>
</head><body>
<div class="ticker">USD 90.99 ▲ EUR 98.78 ▼ OIL 84.12 ▲</div>
<header><nav class="menu"><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>
<li><a href="/politics">Politics</a></li><li><a href="/login">Login</a></li><li><a href="/subscribe">Subscribe</a></li>
</ul></nav></header>
<div id="cookie-banner">We use cookies to improve your experience on our site. By continuing to browse you
accept our use of cookies. <button>Accept all cookies</button></div>
<main><article>
<h1>Kazakhstan Keeps Its Distance From Moscow</h1>
<p class="byline">By Aigerim Seitkali</p>
{body}
<figure><img src="tokayev.jpg" alt=""><figcaption>Kazakhstan's President Kassym-Jomart Tokayev, left, and Russian
President Vladimir Putin in St Petersburg, Russia, June 17, 2022. Photo: Reuters/Pavel Mikheyev</figcaption></figure>
{rest}
<aside class="related"><h3>Read more</h3><ul><li><a href="/a">Russia and China in Central Asia: a new great
game…</a></li></ul></aside>
</article></main>
<div class="newsletter">Subscribe to our weekly digest <input type="email"> <button>Sign up</button></div>
<footer><p>© 2022 The Steppe Review. All rights reserved.</p><a href="#top">Back to Top</a></footer>
</body></html>
"""


def test_a_saved_page_gives_its_text_title_date_and_site(tmp_path: Path) -> None:
    (tmp_path / "steppe.html").write_text(saved_page(PAGE_PARAGRAPHS), encoding="utf-8")
    (tmp_path / "metadata.csv").write_text("id,group,outlet\nsteppe,western,Steppe Review\n", encoding="utf-8")
    (article,) = read_articles([tmp_path])
    assert article.id == "steppe"
    assert article.meta == {
        "title": "Kazakhstan Keeps Its Distance From Moscow",
        "date": "2022-06-20",
        "site": "The Steppe Review",
        "url": "https://steppe-review.example/2022/06/kazakhstan-distance-moscow",
        "group": "western",
        "outlet": "Steppe Review",
    }
    assert split_passages(article.text) == PAGE_PARAGRAPHS
    for clutter in ("USD 90.99", "cookies", "Login", "Subscribe", "Photo:", "Read more", "Back to Top", "©"):
        assert clutter not in article.text


def test_sidecar_metadata_wins_over_the_page(tmp_path: Path) -> None:
    (tmp_path / "p.htm").write_text(saved_page(PAGE_PARAGRAPHS), encoding="utf-8")
    (tmp_path / "metadata.jsonl").write_text(json.dumps({"id": "p", "title": "Our title", "date": "2022-06"}))
    (article,) = read_articles([tmp_path / "p.htm"])
    assert (article.meta["title"], article.meta["date"], article.meta["site"]) == ("Our title", "2022-06",
                                                                                  "The Steppe Review")


def test_a_russian_page_in_its_declared_windows_1251(tmp_path: Path) -> None:
    ru = [RU_1, RU_2, "Эксперты считают, что Астана продолжит многовекторную политику и в будущем году, "
          "несмотря на давление со стороны Москвы и западных столиц."]
    page = saved_page(ru, charset="windows-1251").replace("St Petersburg, Russia", "Петербурге")
    path = tmp_path / "ru.html"
    path.write_bytes(page.encode("cp1251", errors="replace"))
    assert declared_charset(path.read_bytes()) == "windows-1251"
    (article,), notes = notes_of([path])
    assert split_passages(article.text) == ru
    assert notes == []  # declared by the page: not a guess


def test_a_page_without_article_text_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "index.html"
    path.write_text("<html><head><title>Login</title></head><body><form><input name=u></form></body></html>")
    with pytest.raises(InputError, match="no article text found in this HTML page") as info:
        list(read_articles([path]))
    assert info.value.path == str(path)


def test_html_on_standard_input() -> None:
    import io

    (article,) = read_articles(["-"], stdin=io.StringIO(saved_page(PAGE_PARAGRAPHS)))
    assert article.meta["site"] == "The Steppe Review"
    assert split_passages(article.text) == PAGE_PARAGRAPHS


def test_extraction_needs_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    text, meta = extract_html(saved_page(PAGE_PARAGRAPHS))
    assert split_passages(text) == PAGE_PARAGRAPHS
    assert meta["date"] == "2022-06-20"


def test_page_metadata_reaches_the_scores(tmp_path: Path, model: FrameModel) -> None:
    (tmp_path / "steppe.html").write_text(saved_page(PAGE_PARAGRAPHS), encoding="utf-8")
    summary = score([tmp_path / "steppe.html"], model=model, out=tmp_path / "s.jsonl")
    (record,) = read_jsonl(summary.out)
    assert record["title"] == "Kazakhstan Keeps Its Distance From Moscow"
    assert (record["date"], record["site"], record["passages"]) == ("2022-06-20", "The Steppe Review", 4)


_sentence = st.lists(
    st.sampled_from(sorted({w for _, _, t, _ in CORPUS for w in re.findall(r"\w+", t)})),
    min_size=10,
    max_size=30,
    unique=True,
).map(lambda ws: " ".join(ws).capitalize() + ".")


@settings(max_examples=25, deadline=None)
@given(st.lists(_sentence, min_size=2, max_size=6, unique=True))
def test_every_paragraph_of_a_saved_page_comes_back_and_no_clutter(paragraphs: list[str]) -> None:
    text, _ = extract_html(saved_page(paragraphs))
    assert split_passages(text) == paragraphs


# Clutter --------------------------------------------------------------------------------------

# Lines of the seed articles that are page furniture, verbatim: tickers, menus,
# "Subscribe", "Back to Top", "Login", photo credits and captions, teasers, bios.
SEED_CLUTTER = [
    "• USD90.99", "• EUR98.78", "• OIL84", "• 2763",
    "• Kazakhstan renounces multivectorism", "• Anti-Moscow public sentiment",
    "Kazakhstan renounces multivectorism",
    "Yermek Taichibekov, who called himself a Russian imperialist, is serving seven years for inciting ethnic hatred",
    "Speaker of the lower house of the Kazakh parliament called for an investigation of the war crimes in Bucha",
    "The police make the car owners remove the Z symbols from their cars Source: Caravan portal",
    "«We are an independent state, and we will abide by the restrictions imposed on Russia and Belarus»",
    "Subscribe to our weekly digest", "Google Chrome Firefox Safari",
    "cc kremlin.ru, modified, http://en.kremlin.ru/events/president/news/68670",
    "The views expressed in this article belong to the authors alone and do not necessarily reflect those of "
    "Geopoliticalmonitor.com",
    "Back to Top", "Login", "Lost your password?",
    "Recent Features", "Features | Diplomacy | Central Asia",
    "The Complexity of Kazakhstan-Russia Relations on Display",
    "Russian President Vladimir Putin, right, and Kazakhstan’s President Kassym-Jomart Tokayev sit, during their "
    "talks on the sidelines of the St. Petersburg International Economic Forum in St.Petersburg, Russia, Friday, "
    "June 17, 2022.",
    "Credit: Gavriil Grigorov/TASS Host Photo Agency Pool via AP",
    "Check Also", "Gaza War: Banning UNRWA and the Challenges of Global Governance",
    "The ban on UNRWA imposes humanitarian challenges on its beneficiaries in the West Bank and …",
    "National identity", "Mutual dependence",
    "Anna Matveeva is Visiting Senior Research Fellow at King’s College London",
    "This article is republished from The Conversation under a Creative Commons license. Read the original article.",
]


def test_the_seeds_clutter_is_absent_from_the_scored_passages(tmp_path: Path, model: FrameModel) -> None:
    seed_text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    folded = " ".join(seed_text.split())
    for line in SEED_CLUTTER:
        assert " ".join(line.split()) in folded, f"not in the seeds: {line}"
    passages_out = tmp_path / "p.jsonl"
    score([SEEDS], model=model, out=tmp_path / "s.jsonl", passages_out=passages_out)
    scored = [r["text"] for r in read_jsonl(passages_out)]
    for line in SEED_CLUTTER:
        line = " ".join(line.split())
        assert not any(line == p or (len(line) > 12 and line in p) for p in scored), line
    # ...and nothing of the text is lost: every labelled seed passage is scored, whole.
    labelled = [json.loads(x)["text"] for x in (LABELS / "seeds.jsonl").read_text(encoding="utf-8").splitlines()]
    assert set(labelled) <= set(scored)


LONG_MENU = " ".join(["Home", "|", "World", "|", "Politics", "|", "Business", "|", "Tech", "|", "Science", "|",
                      "Health", "|", "Sport", "|", "Culture", "|", "Opinion", "|", "Video", "|", "Podcasts", "|",
                      "Newsletters", "|", "Archive", "|", "About"])
LONG_TICKER = (
    "USD 90.99 ▲ EUR 98.78 ▼ OIL 84.12 ▲ GOLD 1,820 ▼ KZT 470.5 ▲ RUB 7.80 ▼ BTC 30,000 ▲ MOEX 2,763 ▲ S&P 4,100"
)
COOKIE = (
    "We use cookies and similar technologies to personalise content and ads, to provide social media features "
    "and to analyse our traffic. You can change your cookie settings at any time. By clicking Accept you agree "
    "to our privacy policy."
)
COOKIE_RU = (
    "Мы используем файлы cookie и другие технологии, чтобы сайт работал лучше, а реклама была интереснее. "
    "Продолжая пользоваться сайтом, вы соглашаетесь с нашей политикой конфиденциальности и условиями "
    "использования сервиса."
)


@pytest.mark.parametrize(
    "line", [LONG_MENU, LONG_TICKER, COOKIE, COOKIE_RU], ids=["menu", "ticker", "cookie", "cookie-ru"]
)
def test_long_clutter_is_clutter(line: str) -> None:
    assert len(line.split()) > 25
    assert is_clutter(line)


def test_a_caption_before_its_credit_is_dropped_and_text_before_a_credit_is_kept() -> None:
    caption = ("Kazakhstan's President Kassym-Jomart Tokayev, left, and Russian President Vladimir Putin talk "
               "during a meeting in Moscow, Russia, Monday, November 28, 2022.")
    credit = "Photo: Sputnik/Mikhail Klimentyev/Kremlin via AP"
    assert split_passages(f"{EN_1}\n\n{caption}\n\n{credit}\n\n{RU_1}") == [EN_1, RU_1]
    # Text followed by a credit is not a caption when it does not read like one.
    assert split_passages(f"{EN_1}\n\n{credit}\n\n{RU_1}") == [EN_1, RU_1]


def test_a_pull_quote_is_dropped_but_a_quotation_paragraph_is_kept() -> None:
    body = ("Officials said the decision was final. «We are an independent state, and we will abide by the "
            "restrictions imposed on Russia and Belarus,» Suleymanov said in Brussels.")
    pull = "«We are an independent state, and we will abide by the restrictions imposed on Russia and Belarus»"
    assert split_passages(f"{body}\n\n{pull}\n\n{EN_1}") == [body, EN_1]
    quote = "“Kazakhstan will go its own way and will choose its partners itself,” the minister told reporters."
    assert split_passages(f"{quote}\n\n{EN_1}") == [quote, EN_1]


# Context-free furniture: not teaser headers (they swallow the lines after them), the
# pull-quote or the caption (clutter only beside their paragraph or credit).
_FURNITURE = [
    line for line in SEED_CLUTTER
    if line not in ("Check Also", "Recent Features") and not line.startswith(("«", "Russian President"))
] + [
    LONG_MENU, LONG_TICKER, COOKIE, COOKIE_RU, "Read more", "Подписывайтесь на наш канал в Telegram", "Наверх",
    "Фото: пресс-служба Акорды", "Photo: Reuters/Pavel Mikheyev",
]
_text_sentence = st.lists(
    st.sampled_from(sorted({w for _, _, t, _ in CORPUS for w in re.findall(r"\w+", t)})), min_size=10, max_size=30
).map(lambda ws: " ".join(ws) + ".")


@settings(max_examples=50)
@given(st.lists(st.tuples(_text_sentence, st.lists(st.sampled_from(_FURNITURE), max_size=3)), min_size=1, max_size=6))
def test_clutter_around_text_goes_and_every_text_paragraph_stays(blocks: list[tuple[str, list[str]]]) -> None:
    page = "\n\n".join(p for text, furniture in blocks for p in [*furniture, text])
    assert split_passages(page) == list(dict.fromkeys(text for text, _ in blocks))


# Near-duplicates -------------------------------------------------------------------------------

WIRE = [
    "Kazakhstan will not recognise the separatist republics in eastern Ukraine, President Kassym-Jomart Tokayev "
    "told the economic forum in St Petersburg on Friday, sitting beside Vladimir Putin.",
    "Tokayev said Kazakhstan would respect the territorial integrity of states and the principles of the United "
    "Nations charter, and that it would comply with Western sanctions against Russia.",
    "The remarks were the clearest sign yet of distance between Moscow and its closest Central Asian ally since "
    "Russian troops helped put down unrest in Kazakhstan in January.",
    "Russian state television hosts accused Astana of ingratitude, while the Kremlin said relations between the "
    "two countries remained those of strategic partners and allies.",
]


def wire_copy(site: str, *, headline: str, extra: str = "", cut: int = 0) -> str:
    body = WIRE[: len(WIRE) - cut]
    return "\n\n".join([headline, "Login", f"{site} (Reuters) -", *body, extra, "Subscribe to our newsletter"])


def test_one_wire_story_on_many_sites_points_to_the_first() -> None:
    finder = NearDuplicates()
    assert finder.add("reuters", "\n\n".join(WIRE)) is None
    copies = {
        "site-a": wire_copy("ASTANA", headline="Tokayev snubs Putin on separatists"),
        "site-b": wire_copy("MOSCOW", headline="Kazakhstan says no", cut=1),
        "site-c": wire_copy("ALMATY", headline="Tokayev at SPIEF",
                            extra="Kazakhstan is Russia's largest neighbour in Central Asia, with a border of "
                                  "7,600 km and a large Russian-speaking minority in the north."),
    }
    for ident, text in copies.items():
        assert finder.add(ident, "\n".join(split_passages(text))) == "reuters", ident
    for ident, text in article_texts().items():  # the same topic, written separately
        assert finder.add(ident, text) is None, ident


def test_a_russian_story_and_its_reprint() -> None:
    finder = NearDuplicates()
    story = "\n\n".join([RU_1, RU_2, "Эксперты считают, что Астана продолжит многовекторную политику и в будущем "
                                     "году, несмотря на давление со стороны Москвы."])
    assert finder.add("tass", story) is None
    assert finder.add("ria", f"Москва, 17 июня. {story} Об этом сообщает агентство.") == "tass"
    assert finder.add("other", "\n\n".join(t for _, lang, t, _ in CORPUS[12:18])) is None


def test_duplicates_are_flagged_in_the_scores(tmp_path: Path, model: FrameModel) -> None:
    texts = article_texts()
    inp = write_jsonl(tmp_path / "in.jsonl", [
        {"id": "wire", "text": "\n\n".join(WIRE)},
        {"id": "a1", "text": texts["a1"]},
        {"id": "copy1", "text": wire_copy("ASTANA", headline="Tokayev snubs Putin")},
        {"id": "copy2", "text": wire_copy("KYIV", headline="Kazakhstan keeps distance", cut=1)},
        {"id": "a5", "text": texts["a5"]},
    ])
    passages_out = tmp_path / "p.csv"
    summary = score([inp], model=model, out=tmp_path / "s.jsonl", passages_out=passages_out)
    records = read_jsonl(summary.out)
    assert {r["id"]: r["duplicate_of"] for r in records} == {
        "wire": None, "a1": None, "copy1": "wire", "copy2": "wire", "a5": None
    }
    assert summary.duplicates == 2
    with passages_out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["article_id"]: r["duplicate_of"] for r in rows} == {
        "wire": "", "a1": "", "copy1": "wire", "copy2": "wire", "a5": ""
    }


def test_compare_dedupe_counts_each_story_once(tmp_path: Path, model: FrameModel) -> None:
    from typer.testing import CliRunner

    from framing.cli import app

    texts = article_texts()
    records = [{"id": "wire", "group": "western", "text": "\n\n".join(WIRE)}]
    records += [{"id": f"copy{i}", "group": "western", "text": wire_copy(f"CITY{i}", headline=f"Headline {i}")}
                for i in range(3)]
    records += [{"id": a, "group": "western" if a <= "a4" else "russian", "text": t} for a, t in texts.items()]
    score([write_jsonl(tmp_path / "in.jsonl", records)], model=model, out=tmp_path / "s.jsonl",
          passages_out=tmp_path / "p.jsonl")
    runner = CliRunner()
    sizes = {}
    for flag in ([], ["--dedupe"]):
        out = tmp_path / f"c{len(flag)}.json"
        result = runner.invoke(app, ["compare", str(tmp_path / "s.jsonl"), str(tmp_path / "p.jsonl"), "--by", "group",
                                     "--json", str(out), "--n-boot", "2000", *flag])
        assert result.exit_code == 0, result.output
        report = json.loads(out.read_text(encoding="utf-8"))
        sizes[bool(flag)] = {g: s["articles"] for g, s in report["group_sizes"].items()}
        notes = [w for w in report["warnings"] if w.startswith("--dedupe")]
        assert notes == (["--dedupe: 3 near-duplicate articles left out (copies of a story already counted)"]
                         if flag else [])
    assert sizes == {False: {"western": 8, "russian": 4}, True: {"western": 5, "russian": 4}}


def test_compare_dedupe_reads_csv_scores_without_copies(tmp_path: Path, model: FrameModel) -> None:
    # A CSV's duplicate_of column is empty where no article is a copy: the scores were
    # still checked, so --dedupe leaves none out and must not ask to score again.
    from typer.testing import CliRunner

    from framing.cli import app

    records = [{"id": a, "group": "western" if a <= "a4" else "russian", "text": t} for a, t in article_texts().items()]
    score([write_jsonl(tmp_path / "in.jsonl", records)], model=model, out=tmp_path / "s.csv")
    result = CliRunner().invoke(app, ["compare", str(tmp_path / "s.csv"), "--by", "group", "--dedupe",
                                      "--json", str(tmp_path / "c.json"), "--n-boot", "2000"])
    assert result.exit_code == 0, result.output
    warnings = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))["warnings"]
    assert [w for w in warnings if w.startswith("--dedupe")] == [
        "--dedupe: 0 near-duplicate articles left out (copies of a story already counted)"
    ]
    assert "warning: --dedupe: 0 near-duplicate" in " ".join(result.stderr.split())  # on stderr, not in the table
    assert "--dedupe" not in result.stdout


def test_duplicates_are_looked_for_within_the_window_and_chains_keep_the_first() -> None:
    story = "\n\n".join(WIRE)
    others = [t for t in article_texts().values()]
    finder = NearDuplicates(window=2)
    assert finder.add("wire", story) is None
    assert finder.add("copy", wire_copy("ASTANA", headline="Tokayev snubs Putin")) == "wire"
    assert finder.add("x", others[0]) is None
    # "wire" has left the window, "copy" has not: the link still names the story's first article.
    assert finder.add("copy2", wire_copy("KYIV", headline="No", cut=1)) == "wire"
    assert finder.add("y", others[1]) is None
    assert finder.add("z", others[2]) is None
    # Now every copy is more than two articles back: a new copy starts a story of its own.
    assert finder.add("copy3", story) is None
    assert len(finder._buckets) <= 3 * 32  # the bands of the window and the newest: bounded


def test_a_copy_of_an_article_that_just_left_the_window_is_not_linked() -> None:
    # Window 8: the copy arrives as its original leaves, before the original's keys are swept out.
    rng = np.random.default_rng(1)
    sigs = [rng.integers(0, 2**32, size=96, dtype=np.uint64).astype(np.uint32) for _ in range(9)]
    finder = NearDuplicates(window=8)
    assert [finder.add_signature(f"a{i}", sig) for i, sig in enumerate(sigs)] == [None] * 9
    assert finder.add_signature("copy", sigs[0]) is None
    assert finder.add_signature("copy2", sigs[0]) == "copy"


def test_near_duplicates_keep_the_keys_of_a_bounded_number_of_articles() -> None:
    rng = np.random.default_rng(0)
    finder = NearDuplicates(window=40)  # keys of articles that left are swept out every 10 articles
    for i in range(500):
        finder.add_signature(f"a{i}", rng.integers(0, 2**32, size=96, dtype=np.uint64).astype(np.uint32))
        assert len(finder._buckets) <= (40 + 1 + 10) * 32


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 1), min_size=96, max_size=96) | st.just([]), min_size=1, max_size=40),
       st.integers(1, 12))
def test_near_duplicates_match_a_brute_force_reading_of_the_rule(rows: list[list[int]], window: int) -> None:
    # Each band key points to the most recent article in the window that has it; among
    # those an article's keys point to, the ones agreeing on half the hashes or more
    # link it to the earliest of their stories. Signatures of 0/1 collide and agree often.
    # (Windows of 8 or more sweep out the keys of articles that left every few articles,
    # so between sweeps the finder holds keys it must ignore.)
    from framing.inputs.duplicates import _band_keys

    sigs = [np.array(r, dtype=np.uint32) for r in rows]
    finder = NearDuplicates(window=window)
    got = [finder.add_signature(f"a{i}", sig) for i, sig in enumerate(sigs)]
    firsts: list[int] = []
    expected: list[str | None] = []
    for i, sig in enumerate(sigs):
        candidates = set()
        for key in _band_keys(sig) if sig.size else []:
            for j in range(i - 1, max(-1, i - window - 1), -1):
                if sigs[j].size and key in _band_keys(sigs[j]):
                    candidates.add(j)
                    break
        matches = [firsts[j] for j in candidates if np.count_nonzero(sigs[j] == sig) >= 48]
        firsts.append(min(matches) if matches else i)
        expected.append(f"a{firsts[-1]}" if matches else None)
    assert got == expected


def test_signatures_are_the_same_in_every_process() -> None:
    import subprocess
    import sys

    code = (
        "from framing.inputs.duplicates import signature; "
        "print(signature('one two three four five six seven').tolist())"
    )
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**__import__("os").environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert len(runs) == 1


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(codec="utf-8", exclude_characters=" "), min_size=1, max_size=12),
                min_size=1, max_size=40))
def test_word_hashes_are_the_polynomial_hash_of_each_word(words: list[str]) -> None:
    # The vectorised prefix-sum trick must give, for every word, sum c_j * P**(len-1-j) mod 2**64.
    from framing.inputs.duplicates import _P, _word_hashes

    def reference(word: str) -> int:
        h = 0
        for ch in word:
            h = (h * _P + ord(ch) + 1) % (1 << 64)
        return h

    assert _word_hashes(words).tolist() == [reference(w) for w in words]
