"""Loading the codebook and suggesting the closest frame id."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from framing.codebook import closest_frame, load_codebook
from framing.errors import LabelError

from .conftest import FRAMES


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
    book = load_codebook(Path(__file__).parent.parent / "labels" / "codebook.toml")
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
