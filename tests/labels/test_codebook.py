"""Loading the codebook and suggesting the closest frame id."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from framing.core.errors import LabelError
from framing.labels.codebook import closest_frame, load_codebook

from ..conftest import FRAMES


def test_load_codebook(codebook_file: Path) -> None:
    book = load_codebook(codebook_file)
    assert book.ids == list(FRAMES)
    assert book.version == 2
    assert book.name == "Test codebook"
    assert book.path == str(codebook_file)
    economy = book.frames[0]
    assert economy.label == "Economy"
    assert economy.cues_en == ("sanctions", "oil")
    assert economy.cues_ru == ("санкции", "нефть")
    assert book.frames[1].includes == ("troops at the border",)
    assert book.frames[2].cues_en == ()
    assert "security" in book
    assert "securty" not in book


def test_the_project_codebook_loads() -> None:
    book = load_codebook(Path(__file__).parent.parent.parent / "labels" / "codebook.toml")
    assert len(book.ids) == len(set(book.ids)) >= 2
    assert all(f.definition for f in book.frames)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("version = 1\n", "no [[frames]]"),
        ("[[frames]]\nlabel = 'x'\n", "frame number 1 has no id"),
        ("[[frames]]\nid = 'a'\n[[frames]]\nid = 'a'\n", "'a' appears twice"),
        ("[[frames]\nid = 'a'\n", "not a valid TOML"),
    ],
)
def test_bad_codebooks(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "book.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LabelError, match=re.escape(message)) as info:
        load_codebook(path)
    assert str(info.value).startswith(f"{path}: ")


@pytest.mark.parametrize("version", ['"one"', "[1]", "1.5", "true", "0", "-1", "{ major = 1 }"])
def test_a_version_that_is_not_a_whole_number_of_1_or_more(tmp_path: Path, version: str) -> None:
    path = tmp_path / "book.toml"
    path.write_text(f"version = {version}\n[[frames]]\nid = 'a'\n", encoding="utf-8")
    with pytest.raises(LabelError) as info:
        load_codebook(path)
    message = str(info.value)
    assert message.startswith(f"{path}: 'version' must be a whole number of 1 or more, not ")
    assert "\n" not in message


@pytest.mark.parametrize("field", ["cues_en", "cues_ru", "includes", "excludes"])
@pytest.mark.parametrize(
    ("value", "detail"),
    [("5", "not 5"), ('"oil"', "not 'oil'"), ('["oil", 5]', "but item 2 is 5"), ("{ oil = 1 }", "not {'oil': 1}")],
)
def test_a_frame_list_that_is_not_a_list_of_strings(tmp_path: Path, field: str, value: str, detail: str) -> None:
    path = tmp_path / "book.toml"
    path.write_text(f"[[frames]]\nid = 'a'\n[[frames]]\nid = 'b'\n{field} = {value}\n", encoding="utf-8")
    with pytest.raises(LabelError) as info:
        load_codebook(path)
    assert str(info.value) == f"{path}: frame 'b': {field!r} must be a list of strings, {detail}"


def test_frame_lists_may_be_empty_or_absent(tmp_path: Path) -> None:
    path = tmp_path / "book.toml"
    path.write_text("version = 3\n[[frames]]\nid = 'a'\ncues_en = []\nadded = 3\n", encoding="utf-8")
    book = load_codebook(path)
    assert book.version == 3
    assert (book.frames[0].cues_en, book.frames[0].cues_ru, book.frames[0].added) == ((), (), 3)


def test_missing_codebook(tmp_path: Path) -> None:
    with pytest.raises(LabelError, match=r"missing\.toml"):
        load_codebook(tmp_path / "missing.toml")


@pytest.mark.parametrize(
    ("name", "expected"),
    [("betrayl", "betrayal"), ("Betrayal", "betrayal"), ("decolonail", "decolonial"), ("xyz", None)],
)
def test_closest_frame(name: str, expected: str | None) -> None:
    assert closest_frame(name, ["betrayal", "decolonial", "economy"]) == expected


def test_closest_frame_with_no_known_frames() -> None:
    assert closest_frame("economy", []) is None
