"""Tell the text encoding of a file and decode it, or refuse clearly.

Users have UTF-8 (with or without a byte-order mark), UTF-16 with a BOM, and
legacy files: Windows-1251 and KOI8-R from Russian-language sites, Windows-1252
from Western ones. The order of the decision:

1. A byte-order mark settles it (UTF-8, UTF-16, UTF-32).
2. NUL bytes: UTF-16 without a BOM when they sit at every other byte of mostly
   ASCII text, otherwise a binary file (an error).
3. Valid UTF-8 is UTF-8. Mostly valid UTF-8 with a few bad bytes is a damaged
   file (an error naming the line), never re-read as another encoding.
4. A charset the file declares itself (an HTML ``<meta charset>``), when the
   bytes decode with it.
5. A guess among Windows-1251, KOI8-R and Windows-1252, by what the decoded
   text looks like: Cyrillic letters in Cyrillic words with Russian letter
   frequencies and case, or accented Latin letters inside Latin words. General
   detectors (charset-normalizer) misjudge short Russian texts (a headline in
   KOI8-R comes out as Shift-JIS), which is why this comes first; the detector
   is the fallback for other encodings.
6. Nothing plausible: an error saying to save the file as UTF-8.

A guess is reported (``Decoded.guessed``) so the caller can warn, naming the
file and the encoding chosen: the user should know the text was not UTF-8.
"""

from __future__ import annotations

import codecs
import itertools
import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

__all__ = ["Decoded", "decode_bytes", "detect_encoding", "encoding_label", "check_text"]

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16: its BOM starts with UTF-16-LE's
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_LABELS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (with BOM)",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16LE",
    "utf-16-be": "UTF-16BE",
    "utf-32": "UTF-32",
    "cp1251": "Windows-1251",
    "koi8-r": "KOI8-R",
    "cp1252": "Windows-1252",
}
_CYRILLIC_GUESSES = ("cp1251", "koi8-r")
_LATIN_GUESS = "cp1252"

# Relative frequency of Russian letters (case-folded), per 1000 letters.
_RU_FREQ = {
    "о": 109.7, "е": 84.5, "а": 80.1, "и": 73.5, "н": 67.0, "т": 62.6, "с": 54.7, "р": 47.3,
    "в": 45.4, "л": 44.0, "к": 34.9, "м": 32.1, "д": 29.8, "п": 28.1, "у": 26.2, "я": 20.1,
    "ы": 19.0, "ь": 17.4, "г": 17.0, "з": 16.5, "б": 15.9, "ч": 14.4, "й": 12.1, "х": 9.7,
    "ж": 9.4, "ш": 7.3, "ю": 6.4, "ц": 4.8, "щ": 3.6, "э": 3.2, "ф": 2.6, "ъ": 0.4, "ё": 0.4,
    "і": 1.0, "ї": 0.3, "є": 0.3, "ґ": 0.1,  # Ukrainian letters, present in Windows-1251
}
_RU_LOGP = {c: math.log(f / 1000) for c, f in _RU_FREQ.items()}
_RARE_LOGP = math.log(0.05 / 1000)
# Mean log-probability per letter: about -3.0 for Russian text; a wrong decoding
# or random bytes give rarer letters and fall well below this.
_MIN_RU_LOGP = -3.9
# Typographic characters both legacy code pages carry; fine anywhere in text.
_PUNCT = set("«»“”„‘’‚–—…•·№°±§©®™€£\u00a0\u00ad")
_RUSSIAN = re.compile(r"[А-Яа-яЁёІіЇїЄєҐґ]")
_WORDS = re.compile(r"[^\W\d_]+")
# C0 controls other than tab, line feed, vertical tab, form feed and carriage return, and DEL.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
# More of these than this share of the characters: not text.
_MAX_CONTROL_SHARE = 0.01
# A guess is kept only when at least this share of the non-ASCII characters make sense.
_MIN_PLAUSIBLE = 0.9
_SAMPLE_BYTES = 1 << 16


@dataclass(frozen=True)
class Decoded:
    """Text decoded from bytes, the codec used and whether it was a guess."""

    text: str
    encoding: str
    guessed: bool = False

    @property
    def label(self) -> str:
        """The encoding's usual name, e.g. ``Windows-1251``."""
        return encoding_label(self.encoding)


def encoding_label(codec: str) -> str:
    """Usual name of a Python codec: ``cp1251`` -> ``Windows-1251``.

    Examples
    --------
    >>> encoding_label("koi8_r"), encoding_label("cp1251")
    ('KOI8-R', 'Windows-1251')
    """
    name = codecs.lookup(codec).name
    return _LABELS.get(name, _LABELS.get(codec, name))


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _utf16_without_bom(data: bytes) -> str | None:
    """The codec when NUL bytes sit at every other byte (ASCII-heavy UTF-16)."""
    if len(data) < 2 or len(data) % 2:
        return None
    even, odd = data[0::2], data[1::2]
    half = len(data) // 2
    for codec, zeros, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if zeros.count(0) >= 0.4 * half and other.count(0) <= 0.05 * half:
            return codec
    return None


def _russian_score(text: str) -> float:
    """Mean log-probability of the Cyrillic letters, less a penalty for capitals inside words."""
    letters = _RUSSIAN.findall(text)
    if not letters:
        return -math.inf
    logp = sum(_RU_LOGP.get(c.lower(), _RARE_LOGP) for c in letters) / len(letters)
    # Windows-1251 read as KOI8-R (and the reverse) swaps the case of letters:
    # "Казахстан" comes out as "йюГЮУЯРЮМ", a capital after a small letter.
    inner_caps = sum(1 for a, b in itertools.pairwise(text) if a.islower() and b.isupper() and _RUSSIAN.match(b))
    return logp - 4.0 * inner_caps / len(letters)


def _plausible_share(text: str, *, script: str) -> float:
    """Share of the non-ASCII characters that make sense in text of ``script``.

    Cyrillic: Russian letters in words without Latin letters, and typography.
    Latin: accented letters in words where they are a minority, and typography.
    """
    total = good = 0
    for word in _WORDS.finditer(text):
        w = word.group()
        wide = [c for c in w if ord(c) > 127]
        if not wide:
            continue
        total += len(wide)
        if script == "cyrillic":
            if not re.search(r"[A-Za-z]", w):
                good += sum(1 for c in wide if _RUSSIAN.match(c))
        else:
            latin = all("LATIN" in unicodedata.name(c, "") for c in wide)
            if latin and (len(w) == 1 or len(wide) <= len(w) / 2):
                good += len(wide)
    for c in text:
        if ord(c) > 127 and not (c.isalpha()):
            total += 1
            good += c in _PUNCT
    return good / total if total else 1.0


def _guess(data: bytes) -> str | None:
    """The legacy code page whose decoding reads as text, or None."""
    # The beginning of a file tells its encoding as well as the whole of it does.
    data = data[:_SAMPLE_BYTES]
    decoded: dict[str, str] = {}
    for codec in (*_CYRILLIC_GUESSES, _LATIN_GUESS):
        try:
            decoded[codec] = data.decode(codec)
        except UnicodeDecodeError:  # Windows-125x leave a few bytes undefined
            continue
    cyrillic = [c for c in _CYRILLIC_GUESSES if c in decoded]
    best_cyrillic = max(cyrillic, key=lambda c: _russian_score(decoded[c]), default=None)
    candidates: list[tuple[float, str]] = []
    if best_cyrillic is not None:
        text = decoded[best_cyrillic]
        if _russian_score(text) >= _MIN_RU_LOGP:
            candidates.append((_plausible_share(text, script="cyrillic"), best_cyrillic))
    if _LATIN_GUESS in decoded:
        candidates.append((_plausible_share(decoded[_LATIN_GUESS], script="latin"), _LATIN_GUESS))
    # Equal shares: the Cyrillic reading, listed first (this project's texts are Russian or English).
    share, codec = max(candidates, key=lambda sc: sc[0], default=(0.0, ""))
    if share >= _MIN_PLAUSIBLE:
        return codec
    return _fallback(data)


def _fallback(data: bytes) -> str | None:
    """Ask charset-normalizer about encodings the guess above does not cover."""
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    best = from_bytes(data[:_SAMPLE_BYTES]).best()
    if best is None or best.chaos > 0.1:
        return None
    text = str(best)
    # Only English and Russian are scored: a reading in another script is more
    # likely a detector's guess on noise (random bytes come out as Shift-JIS)
    # than a text to score, so it is refused with the advice to save as UTF-8.
    if _plausible_share(text, script="latin") < _MIN_PLAUSIBLE and _RUSSIAN.search(text) is None:
        return None
    return str(best.encoding)


def detect_encoding(
    data: bytes, *, path: str | Path | None = None, declared: str | None = None, final: bool = True
) -> tuple[str, bool]:
    """The codec to read ``data`` with, and whether it is a guess.

    Parameters
    ----------
    data : bytes
        A whole file, or its beginning (``final=False``: a multi-byte character
        may be cut at the end).
    path : str or Path, optional
        Named in error messages.
    declared : str, optional
        A charset the file declares (HTML ``<meta charset>``); used when the
        bytes are not UTF-8 and decode with it.
    final : bool, default=True
        Whether ``data`` is the whole file.

    Raises
    ------
    InputError
        A binary file, damaged UTF-8, or no encoding that reads as text.

    Examples
    --------
    >>> detect_encoding("Война и мир".encode("koi8_r"))
    ('koi8-r', True)
    >>> detect_encoding("Война и мир".encode("utf-8"))
    ('utf-8', False)
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec, False
    has_nul = b"\x00" in data
    if has_nul:
        utf16 = _utf16_without_bom(data)
        if utf16 is not None:
            return utf16, True
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(data, final=final)
        # A stray NUL in valid UTF-8 is still text; whole files are checked for
        # control characters by check_text.
        return "utf-8", False
    except UnicodeDecodeError as exc:
        bad_at = exc.start
    if has_nul:
        raise InputError("binary file, not text (it holds NUL bytes); give text, HTML, JSONL or CSV", path=path)
    loose = data.decode("utf-8", errors="replace")
    invalid = loose.count("\ufffd")
    valid_wide = len(loose) - len(loose.encode("ascii", errors="ignore")) - invalid
    if valid_wide >= invalid:
        raise InputError(
            f"damaged UTF-8: invalid byte at offset {bad_at} among valid UTF-8 text; "
            "fix or re-save the file as UTF-8",
            path=path,
            line=_line_of(data, bad_at),
        )
    if declared:
        try:
            codec = codecs.lookup(declared).name
            data.decode(codec)
            return codec, False
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong or unknown declaration: guess instead
    guess = _guess(data)
    if guess is None:
        raise InputError(
            "cannot tell the text encoding (not UTF-8, Windows-1251, KOI8-R or Windows-1252); "
            "save the file as UTF-8",
            path=path,
        )
    return codecs.lookup(guess).name, True


def check_text(text: str, *, path: str | Path | None = None) -> str:
    """Refuse text that is mostly control characters (a binary file that decoded)."""
    if text:
        controls = len(_CONTROL.findall(text[:1_000_000]))
        if controls > _MAX_CONTROL_SHARE * min(len(text), 1_000_000):
            raise InputError("binary file, not text (control characters); give text, HTML, JSONL or CSV", path=path)
    return text


def decode_bytes(data: bytes, *, path: str | Path | None = None, declared: str | None = None) -> Decoded:
    """Decode a whole file's bytes: see the module notes for the rule.

    Examples
    --------
    >>> d = decode_bytes("Казахстан не признает республики.".encode("cp1251"))
    >>> d.text, d.label, d.guessed
    ('Казахстан не признает республики.', 'Windows-1251', True)
    """
    codec, guessed = detect_encoding(data, path=path, declared=declared)
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:  # broken UTF-16/32, or a byte past the guessing sample
        raise InputError(
            f"not valid {encoding_label(codec)} (byte {exc.start}); re-save the file as UTF-8", path=path
        ) from None
    if codec in ("utf-16", "utf-32"):
        text = text.lstrip("\ufeff")
    return Decoded(check_text(text, path=path), codec, guessed)
