"""Saved web pages: the article's text, title, date and site, without the page around it.

Extraction is trafilatura's (menus, cookie banners, comments and related-story
boxes are left out by its page model); the passage splitter then drops what
clutter survives, as for any text. trafilatura works on the page alone: it
fetches nothing, so reading pages needs no network.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..core.errors import InputError

__all__ = ["HTML_SUFFIXES", "extract_html", "declared_charset", "looks_like_html"]

HTML_SUFFIXES = (".html", ".htm")

# <meta charset="..."> or <meta http-equiv="Content-Type" content="text/html; charset=...">;
# browsers look for it in the first 1024 bytes, saved pages sometimes push it further.
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_CHARSET_WINDOW = 8192
_HTML_START = re.compile(
    r"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.IGNORECASE | re.DOTALL
)
# Metadata fields carried into the scores, from trafilatura's names.
_FIELDS = (("title", "title"), ("date", "date"), ("site", "sitename"), ("url", "url"))


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in a ``<meta>`` tag near its start, if any.

    Examples
    --------
    >>> declared_charset(b'<html><head><meta charset="windows-1251"></head>')
    'windows-1251'
    """
    found = _META_CHARSET.search(data[:_CHARSET_WINDOW])
    return found.group(1).decode("ascii") if found else None


def looks_like_html(text: str) -> bool:
    """True when text starts like an HTML document (for standard input).

    Examples
    --------
    >>> looks_like_html("<!DOCTYPE html><html><body></body></html>"), looks_like_html("Plain text")
    (True, False)
    """
    return bool(_HTML_START.match(text[:4096]))


@lru_cache(maxsize=1)
def _config() -> Any:
    """trafilatura's settings, but no whole-page "rescue" for short articles.

    Below MIN_EXTRACTED_SIZE characters (250 by default) trafilatura falls back
    to dumping the page's text as one line: a two-paragraph news brief would come
    back merged with its byline, photo caption and credit. A precise short
    extraction is what the passage splitter needs, so that floor is lowered.
    """
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "1")
    return config


def _quiet() -> None:
    # trafilatura and its helpers log at WARNING about odd pages; with no handler
    # configured Python would print those to stderr between our own messages.
    for name in ("trafilatura", "htmldate", "courlan", "justext"):
        logger = logging.getLogger(name)
        if not logger.handlers:
            logger.addHandler(logging.NullHandler())
        logger.propagate = False


def extract_html(html: str, *, path: str | Path | None = None) -> tuple[str, dict[str, Any]]:
    """The main text of a page and its metadata (``title``, ``date``, ``site``, ``url``).

    Paragraphs come back one a line, in reading order; fields the page does
    not give are left out.

    Raises
    ------
    InputError
        When the page holds no article text (an index page, a login wall, an
        empty or broken file).

    Examples
    --------
    >>> page = ('<html><head><title>Talks in Astana</title><meta name="date" content="2022-06-17"></head>'
    ...         '<body><nav><a href="/">Home</a> <a href="/login">Login</a></nav><article><p>Kazakhstan '
    ...         'will not recognise the separatist republics, the president said on Friday.</p>'
    ...         '<p>Officials said the country would comply with Western sanctions.</p></article>'
    ...         '<footer>Subscribe to our newsletter</footer></body></html>')
    >>> text, meta = extract_html(page)
    >>> print(text)
    Kazakhstan will not recognise the separatist republics, the president said on Friday.
    Officials said the country would comply with Western sanctions.
    >>> meta
    {'title': 'Talks in Astana', 'date': '2022-06-17'}
    """
    import trafilatura

    _quiet()
    try:
        doc = trafilatura.bare_extraction(
            html,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            include_images=False,
            deduplicate=False,
            config=_config(),
        )
    except Exception as exc:  # a third-party parser on arbitrary input: any failure means a bad page
        raise InputError(f"cannot read this HTML page ({type(exc).__name__}: {exc})", path=path) from None
    text = (getattr(doc, "text", None) or "") if doc is not None else ""
    if not text.strip():
        raise InputError(
            "no article text found in this HTML page (an index page, a login wall or an empty page?)", path=path
        )
    meta: dict[str, Any] = {}
    for ours, theirs in _FIELDS:
        value = getattr(doc, theirs, None)
        if theirs == "sitename" and not value:
            value = getattr(doc, "hostname", None)
        if isinstance(value, str) and value.strip():
            meta[ours] = value.strip()
    return text, meta
