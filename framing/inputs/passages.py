"""Split article text into passages (paragraphs) and drop page clutter.

The rule, in order:

1. Blank lines separate blocks. Inside a block each line is a paragraph,
   except that a line not ending in sentence punctuation is joined with the
   next when that one starts in lower case (hard-wrapped text).
2. White space is folded; a paragraph repeated in the same article (pull-quotes,
   captions printed twice) is kept once.
3. Clutter is dropped: paragraphs under ``min_words`` words (tickers, menus,
   headings), short lines that match site furniture ("Subscribe", "Back to Top",
   "Login", "Read more", photo credits, copyright lines, closing author bios),
   headings and captions (under 25 words with no closing punctuation),
   short bullet lines, truncated teasers ending in "…", and up to two short
   lines (a teaser's headline and standfirst) after a "Check Also" /
   "Related" / "Читайте также" header.
4. Longer clutter is dropped too: cookie, privacy and paywall notices (up to
   60 words), menus and ticker rows of any length (no sentence punctuation,
   nearly every word capitalised or a separator such as "|"), a photo caption
   (up to 60 words, saying who is "left"/"right" or ending in the date) when
   the next paragraph is a photo credit, and a pull-quote: a short paragraph
   in quotation marks whose words appear inside another paragraph.
"""

from __future__ import annotations

import re

__all__ = ["split_passages", "is_clutter", "section_starts", "MIN_WORDS", "SECTION_WORDS"]

MIN_WORDS = 8
# An article is scored in sections of consecutive passages of at least this many words:
# long enough to be scored as reliably as a short news excerpt, short enough that a frame
# one part of a long article carries is not drowned by the rest (see docs/methods.md).
SECTION_WORDS = 200
# Furniture is short; a long paragraph that happens to say "subscribe" is text.
_FURNITURE_MAX_WORDS = 25
_BULLET_MAX_WORDS = 20

_SENTENCE_END_CHARS = frozenset(".!?:;\"'”»…)]")
_STARTS_LOWER = re.compile(r"^[a-zа-яё]")
_BULLET = re.compile(r"^\s*[•·▪►*\-–—]\s+")
_FURNITURE = re.compile(
    r"(subscribe|sign up|newsletter|back to top|log ?in|sign in|read more|read also|"
    r"check also|see also|related:|share (this|on)|follow us|cookie|all rights reserved|©|"
    r"copyright|photo:|photo credit|image:|getty images|reuters/|\bap photo|"
    r"credit:|\bvia (ap|afp|reuters|getty)\b|republished|creative commons|views expressed|"
    r"necessarily reflect|lost your password|recent features|"
    r"подпис|читайте также|читать далее|войти|наверх|все права защищены|фото:|браузер)",
    re.IGNORECASE,
)
# Literal pieces one of which any match of _FURNITURE / _BANNER must contain:
# a substring test on them is far cheaper than a case-blind regex search, which
# is run only when one is there.
_FURNITURE_HINTS = (
    "subscribe", "sign up", "newsletter", "back to top", "log", "sign in", "read more", "read also",
    "check also", "see also", "related:", "share ", "follow us", "cookie", "all rights reserved", "©",
    "copyright", "photo:", "photo credit", "image:", "getty images", "reuters/", "ap photo", "credit:",
    "via ", "republished", "creative commons", "views expressed", "necessarily reflect",
    "lost your password", "recent features", "подпис", "читайте также", "читать далее", "войти",
    "наверх", "все права защищены", "фото:", "браузер",
)
_BANNER_HINTS = (
    "cookie", "privacy policy", "terms of ", "article limit", "already a subscriber",
    "конфиденциальности", "оформите подписку",
)


def _may_match(paragraph: str, hints: tuple[str, ...]) -> bool:
    lowered = paragraph.lower()
    return any(hint in lowered for hint in hints)


# A line that announces teasers for other stories; the short lines after it are
# those teasers (headline, truncated standfirst), not part of this article.
_TEASER_HEADER = re.compile(
    r"^(check also|read also|see also|related( stories| articles)?|more on this|recent features|"
    r"читайте также|по теме|еще по теме)\W*$",
    re.IGNORECASE,
)
_TEASER_MAX_WORDS = 40
# A teaser is a headline and perhaps a standfirst: never swallow more than this.
_TEASER_MAX_LINES = 2
_TRUNCATED = ("…", "...")
# "Jane Doe is Visiting Senior Research Fellow at ..." closing bios.
_BIO = re.compile(
    r"^[A-ZА-Я][\w.'’\- ]+ (is|was) (a |an |the )?([\w-]+ ){0,4}"
    r"(?i:fellow|professor|lecturer|analyst|journalist|editor|researcher|correspondent|director)\b",
)
# Headings, titles and photo captions: short and without closing punctuation.
_HEADING_MAX_WORDS = 25
# Consent banners and paywall prompts run longer than furniture, but say these things.
_BANNER_MAX_WORDS = 60
_BANNER = re.compile(
    r"(\buses? cookies|cookie (policy|settings|preferences)|accept (all )?cookies|(our|this site's) privacy policy|"
    r"terms of (use|service)|reached your (free )?article limit|already a subscriber|"
    r"использу\w* (файлы )?cookie|файл\w* cookie|политик\w* конфиденциальности|оформите подписку)",
    re.IGNORECASE,
)
# Menus and ticker rows: separators between items, or nothing but capitalised words and figures.
_SEPARATOR = re.compile(r"^[^\w]+$")  # "|", "/", "•", "▲": tokens with no letter or figure
_CAPITALISED = re.compile(r"^[\W\d]*[A-ZА-ЯЁ\d]")
_SENTENCE_MARK = re.compile(r"[.!?](\s|$)")  # a full stop, not the point in "90.99"
# Photo credit lines; a short paragraph right before one is its caption when it reads like one.
_CREDIT = re.compile(
    r"^(credit|photo|photograph|image|picture|source|фото|источник|иллюстрация)s?\s*:|"
    r"\b(ap photo|getty images|reuters/|afp/|via (ap|afp|reuters|getty))\b",
    re.IGNORECASE,
)
_CREDIT_MAX_WORDS = 25
_CAPTION_MAX_WORDS = 60
_MONTH = r"(january|february|march|april|may|june|july|august|september|october|november|december)"
_CAPTION_HINT = re.compile(
    r"(, (far |second from |2nd from )?(left|right|center|centre)[,)]|\((left|right|слева|справа|в центре)\)|"
    rf"\b{_MONTH} \d{{1,2}}, \d{{4}}\.?$|\b\d{{1,2}} {_MONTH} \d{{4}}\.?$)",
    re.IGNORECASE,
)
# Pull-quotes: a quotation printed again, large, beside the paragraph it comes from.
_QUOTE_START = re.compile(r"^[\"“«„‘']")
_PULL_QUOTE_MAX_WORDS = 40
_PULL_QUOTE_PREFIX = 4  # words of a quote looked up in the other paragraphs
_WORD = re.compile(r"\w+")


def _chomp(line: str) -> str:
    # What a regex "$" allows: one line break at the very end.
    return line[:-1] if line.endswith("\n") else line


def _ends_sentence(line: str) -> bool:
    # A look at the last character: a regex search ending in "$" scans the whole line.
    return _chomp(line)[-1:] in _SENTENCE_END_CHARS


def _words(line: str) -> int:
    return len(line.split())


def _folded_words(paragraph: str) -> int:
    # A folded paragraph (from _paragraphs: non-empty, single spaces, no other
    # white space) has one word more than spaces; no list of words is built.
    return paragraph.count(" ") + 1


def is_clutter(paragraph: str, *, min_words: int = MIN_WORDS) -> bool:
    """True for page furniture rather than text.

    Examples
    --------
    >>> is_clutter("Subscribe to our weekly digest")
    True
    >>> is_clutter("Kazakhstan will not recognise the separatist republics, the president said.")
    False
    """
    return _is_clutter(paragraph, _words(paragraph), min_words=min_words)


def _is_clutter(paragraph: str, n: int, *, min_words: int, folded: bool = False) -> bool:
    """:func:`is_clutter` of a paragraph of ``n`` words (``folded``: as :func:`_paragraphs` makes them)."""
    if n < min_words:
        return True
    if n <= _BANNER_MAX_WORDS and _may_match(paragraph, _BANNER_HINTS) and _BANNER.search(paragraph):
        return True
    if _is_menu(paragraph, folded=folded):
        return True
    if n <= _FURNITURE_MAX_WORDS and (
        (_may_match(paragraph, _FURNITURE_HINTS) and _FURNITURE.search(paragraph)) or _BIO.match(paragraph)
    ):
        return True
    if n <= _TEASER_MAX_WORDS and _chomp(paragraph).endswith(_TRUNCATED):
        return True
    if n < _HEADING_MAX_WORDS and not _ends_sentence(paragraph):
        return True
    return n <= _BULLET_MAX_WORDS and bool(_BULLET.match(paragraph))


def _has_sentence_mark(paragraph: str, *, folded: bool) -> bool:
    if folded:  # its only white space is single spaces inside: three substring tests beat the regex
        return ". " in paragraph or "! " in paragraph or "? " in paragraph or paragraph.endswith((".", "!", "?"))
    return _SENTENCE_MARK.search(paragraph) is not None


def _is_menu(paragraph: str, *, folded: bool = False) -> bool:
    """Navigation and ticker rows of any length: items, no sentences."""
    if _has_sentence_mark(paragraph, folded=folded):
        return False
    tokens = paragraph.split()
    separators = sum(1 for t in tokens if _SEPARATOR.match(t))
    if separators >= 3 and separators * 5 >= len(tokens):
        return True
    capitalised = sum(1 for t in tokens if _CAPITALISED.match(t))
    return len(tokens) >= _HEADING_MAX_WORDS and capitalised >= 0.8 * len(tokens)


def _is_caption(paragraph: str, n: int, following: str | None, following_n: int) -> bool:
    """A photo caption: reads like one, and a credit line follows it (both folded
    paragraphs, of ``n`` and ``following_n`` words)."""
    return (
        following is not None
        and following_n <= _CREDIT_MAX_WORDS
        and bool(_CREDIT.search(following))
        and n <= _CAPTION_MAX_WORDS
        and bool(_CAPTION_HINT.search(paragraph))
    )


def _without_pull_quotes(paragraphs: list[str]) -> list[str]:
    """Drop short quoted paragraphs whose words appear within another paragraph."""
    quotes = [
        i for i, p in enumerate(paragraphs) if _QUOTE_START.match(p) and _words(p) <= _PULL_QUOTE_MAX_WORDS
    ]
    if not quotes:
        return paragraphs
    words = [_WORD.findall(p.casefold()) for p in paragraphs]
    # Look each quote up by its first words, then check the whole of it: linear in the article's length.
    starts: dict[tuple[str, ...], list[int]] = {}
    for i in quotes:
        if len(words[i]) >= _PULL_QUOTE_PREFIX:
            starts.setdefault(tuple(words[i][:_PULL_QUOTE_PREFIX]), []).append(i)
    dropped: set[int] = set()
    for j, ws in enumerate(words):
        joined = None
        for k in range(len(ws) - _PULL_QUOTE_PREFIX + 1):
            for i in starts.get(tuple(ws[k : k + _PULL_QUOTE_PREFIX]), ()):
                if i == j or i in dropped or len(words[i]) >= len(ws):
                    continue
                joined = joined if joined is not None else f" {' '.join(ws)} "
                if f" {' '.join(words[i])} " in joined:
                    dropped.add(i)
    return [p for i, p in enumerate(paragraphs) if i not in dropped]


def _paragraphs(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    out: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        current = ""
        for raw in block.split("\n"):
            line = raw.strip()
            if not line:
                continue
            if current and not _ends_sentence(current) and _STARTS_LOWER.match(line):
                current = f"{current} {line}"
            else:
                if current:
                    out.append(current)
                current = line
        if current:
            out.append(current)
    # split/join folds the same (Unicode) white space as re's \s+, several times faster.
    # Most paragraphs need none: printable text holds no white space but the ASCII
    # space (every other white-space character is in a Separator or Other category),
    # and the lines were stripped, so without a double space it is folded already.
    return [p if p.isprintable() and "  " not in p else " ".join(p.split()) for p in out]


def split_passages(text: str, *, min_words: int = MIN_WORDS) -> list[str]:
    """Split an article into its passages, clutter removed, in reading order.

    Parameters
    ----------
    text : str
        The article, paragraphs separated by line breaks.
    min_words : int, default=8
        Shorter paragraphs count as clutter (headings, tickers, menu items).

    Returns
    -------
    list of str
        Paragraphs with white space folded; repeats kept once.

    Examples
    --------
    >>> split_passages("• USD 90.99\\n\\nKazakhstan said it would not help Russia evade the sanctions.\\n"
    ...                "Back to Top")
    ['Kazakhstan said it would not help Russia evade the sanctions.']
    """
    seen: set[str] = set()
    out: list[str] = []
    teasers_left = 0
    paragraphs = _paragraphs(text)
    # Each paragraph's words, counted once (a paragraph is also the one after another).
    words = [*map(_folded_words, paragraphs), 0]
    for i, p in enumerate(paragraphs):
        if _TEASER_HEADER.match(p):
            teasers_left = _TEASER_MAX_LINES
            continue
        n = words[i]
        if teasers_left and n <= _TEASER_MAX_WORDS:
            teasers_left -= 1
            continue
        teasers_left = 0
        if p in seen or _is_clutter(p, n, min_words=min_words, folded=True):
            continue
        if _is_caption(p, n, paragraphs[i + 1] if i + 1 < len(paragraphs) else None, words[i + 1]):
            continue
        seen.add(p)
        out.append(p)
    return _without_pull_quotes(out)


def section_starts(word_counts: list[int], *, min_words: int = SECTION_WORDS) -> list[int]:
    """Where each section of an article's passages begins: runs of at least ``min_words`` words.

    Passages join the current section until it holds ``min_words`` words; a
    shorter last run joins the section before it, so only an article shorter
    than ``min_words`` has a section that short.

    Examples
    --------
    >>> section_starts([120, 90, 50, 150, 30], min_words=200)
    [0, 2]
    >>> section_starts([40, 30], min_words=200)
    [0]
    """
    starts = [0]
    words = 0
    for i, n in enumerate(word_counts):
        if words >= min_words:
            starts.append(i)
            words = 0
        words += n
    if len(starts) > 1 and words < min_words:
        starts.pop()
    return starts
