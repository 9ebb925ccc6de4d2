"""Reading and validating labelled passages, and the labels' digest."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest

from framing.core.errors import LabelError
from framing.labels.codebook import load_codebook
from framing.labels.store import (
    append_record,
    check_tail,
    label_counts,
    label_files,
    labels_digest,
    read_labels,
    remove_record,
    text_key,
    write_labels,
)

from ..conftest import FRAMES, make_passages, read_jsonl, write_csv, write_jsonl

EN = "Kazakhstan said it would not help Russia evade the sanctions on oil exports."
RU = "Казахстан заявил, что не поможет России обходить санкции на экспорт нефти."


def test_read_jsonl_labels(labels_file: Path, codebook_file: Path) -> None:
    passages = read_labels([labels_file], codebook=load_codebook(codebook_file))
    expected = make_passages()
    assert [p.id for p in passages] == [p.id for p in expected]
    assert [p.frames for p in passages] == [p.frames for p in expected]
    assert [p.language for p in passages] == [p.language for p in expected]
    assert [p.source for p in passages] == [p.source for p in expected]
    assert passages[0].origin == f"{labels_file}:1"
    assert passages[0].group == "a1"


def test_read_csv_labels_with_semicolon_separated_frames(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "labels.csv", [
        ["id", "text", "frames", "source"],
        ["x1", EN, "economy; security", "art1"],
        ["x2", RU, "", ""],
        ["x3", f"{EN}\nSecond line, same record.", "identity;;economy;identity", "art1"],
    ])
    passages = read_labels([path])
    assert [p.frames for p in passages] == [("economy", "security"), (), ("identity", "economy")]
    assert [p.language for p in passages] == ["en", "ru", "en"]
    assert passages[1].source == "authored"
    assert passages[1].group == "x2"  # an authored passage is its own group
    assert passages[2].group == "art1"
    assert passages[1].origin == f"{path}:3"
    assert "\n" in passages[2].text


@pytest.mark.parametrize("frames", ["Frames", "FRAMES", " frames "])
def test_csv_frames_column_matches_ignoring_case_and_spaces(tmp_path: Path, frames: str) -> None:
    path = tmp_path / "labels.csv"
    path.write_text(f'id,Text,{frames}\nx1,"{EN}",economy;security\n', encoding="utf-8")
    (passage,) = read_labels([path])
    assert passage.frames == ("economy", "security")


def test_every_csv_label_column_matches_ignoring_case_and_spaces(tmp_path: Path) -> None:
    book = tmp_path / "book.toml"
    book.write_text(
        "version = 2\n[[frames]]\nid = 'economy'\n[[frames]]\nid = 'security'\n"
        "[[frames]]\nid = 'identity'\nadded = 2\n",
        encoding="utf-8",
    )
    judged = write_csv(tmp_path / "a.csv", [[" ID ", "TEXT", "Frames", "Language ", "SOURCE", " Judged"],
                                            ["x1", RU, "economy", "en", "art1", "economy"]])
    versioned = write_csv(tmp_path / "b.csv", [["Id", "text", "frames", "Codebook_Version"], ["x2", EN, "", "2"]])
    first, second = read_labels([judged, versioned], codebook=load_codebook(book))
    assert (first.id, first.frames, first.language, first.source, first.judged) == (
        "x1", ("economy",), "en", "art1", ("economy",)
    )
    # Labelled under version 2, so judged on every frame (version 1 would leave out identity).
    assert (second.id, second.judged) == ("x2", None)


def test_an_empty_judged_cell_is_not_given(tmp_path: Path) -> None:
    book = tmp_path / "book.toml"
    book.write_text("[[frames]]\nid = 'economy'\n[[frames]]\nid = 'security'\n", encoding="utf-8")
    path = write_csv(tmp_path / "a.csv", [
        ["id", "text", "frames", "judged"], ["x1", EN, "economy", "economy"], ["x2", RU, "", ""], ["x3", EN, "", "  "],
    ])
    first, second, third = read_labels([path], codebook=load_codebook(book))
    assert first.judged == ("economy",)
    # Judged on every frame: a negative of both, as a JSONL record without 'judged' is.
    assert second.judged is None and third.judged is None


def test_an_exact_csv_column_name_wins_over_one_in_another_case(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text(f'ID,id,text,Frames,frames\nupper,lower,"{EN}",security,economy\n', encoding="utf-8")
    (passage,) = read_labels([path])
    assert (passage.id, passage.frames) == ("lower", ("economy",))


def test_language_is_detected_when_absent_and_kept_when_given(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "l.jsonl",
        [
            {"text": EN, "frames": []},
            {"text": RU, "frames": []},
            {"text": RU, "frames": [], "language": "en", "id": "forced"},
        ],
    )
    assert [p.language for p in read_labels([path])] == ["en", "ru", "en"]


def test_ids_default_to_file_and_line(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "mine.jsonl", [{"text": EN, "frames": []}, {"text": RU, "frames": []}])
    assert [p.id for p in read_labels([path])] == ["mine:1", "mine:2"]


def test_frames_are_deduplicated_and_text_stripped(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "l.jsonl", [{"text": f"  {EN}\n", "frames": ["economy", " economy ", "security"]}])
    (p,) = read_labels([path])
    assert p.frames == ("economy", "security")
    assert p.text == EN


def test_folder_of_label_files_is_read_in_name_order(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "b.jsonl", [{"id": "b", "text": EN, "frames": []}])
    write_jsonl(tmp_path / "a.jsonl", [{"id": "a", "text": RU, "frames": []}])
    (tmp_path / "notes.txt").write_text("not labels", encoding="utf-8")
    assert [p.id for p in read_labels([tmp_path])] == ["a", "b"]
    assert label_files([tmp_path]) == [tmp_path / "a.jsonl", tmp_path / "b.jsonl"]


def test_unknown_frame_names_file_line_frame_and_closest_id(tmp_path: Path, codebook_file: Path) -> None:
    path = write_jsonl(
        tmp_path / "l.jsonl",
        [{"text": EN, "frames": ["economy"]}, {"text": RU, "frames": ["securty"]}],
    )
    with pytest.raises(LabelError) as info:
        read_labels([path], codebook=load_codebook(codebook_file))
    message = str(info.value)
    assert message.startswith(f"{path}:2: ")
    assert "'securty'" in message
    assert "did you mean 'security'?" in message
    assert info.value.line == 2
    assert info.value.path == str(path)


def test_unknown_frame_with_nothing_close(tmp_path: Path, codebook_file: Path) -> None:
    path = write_jsonl(tmp_path / "l.jsonl", [{"text": EN, "frames": ["zzzz"]}])
    with pytest.raises(LabelError, match=r"unknown frame 'zzzz'$"):
        read_labels([path], codebook=load_codebook(codebook_file))


def test_without_a_codebook_any_frame_is_accepted(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "l.jsonl", [{"text": EN, "frames": ["anything"]}])
    assert read_labels([path])[0].frames == ("anything",)


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"frames": ["economy"]}, "no 'text'"),
        ({"text": "   ", "frames": ["economy"]}, "no 'text'"),
        ({"text": 3, "frames": ["economy"]}, "no 'text'"),
        ({"text": EN}, "no 'frames'"),
        ({"text": EN, "frames": None}, "no 'frames'"),
        ({"text": EN, "frames": {"economy": 1}}, "must be a list"),
        ({"text": EN, "frames": [1]}, "must be a list"),
        ({"text": EN, "frames": [], "language": "kk"}, "language 'kk'"),
        ({"text": EN, "frames": [], "topic": "maybe"}, "'topic' must be 'on' or 'off'"),
        ({"text": EN, "frames": ["economy"], "topic": "off"}, "topic' off carries no frame"),
    ],
)
def test_invalid_records(tmp_path: Path, record: dict, message: str) -> None:
    path = write_jsonl(tmp_path / "l.jsonl", [{"text": RU, "frames": []}, record])
    with pytest.raises(LabelError, match=message) as info:
        read_labels([path])
    assert str(info.value).startswith(f"{path}:2: ")


def test_missing_frames_column_in_csv(tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    path.write_text(f"text,language\n{EN},en\n", encoding="utf-8")
    with pytest.raises(LabelError, match=r":2: no 'frames'"):
        read_labels([path])


def test_missing_text_column_in_csv_lists_the_columns(tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    path.write_text("body,frames\nsome text here,economy\n", encoding="utf-8")
    with pytest.raises(LabelError) as info:
        read_labels([path])
    assert str(info.value).startswith(f"{path}:1: ")
    assert "'body', 'frames'" in str(info.value)


def test_duplicate_ids(tmp_path: Path) -> None:
    first = write_jsonl(tmp_path / "a.jsonl", [{"id": "same", "text": EN, "frames": []}])
    second = write_jsonl(
        tmp_path / "b.jsonl", [{"id": "other", "text": RU, "frames": []}, {"id": "same", "text": RU, "frames": []}]
    )
    with pytest.raises(LabelError) as info:
        read_labels([first, second])
    assert str(info.value).startswith(f"{second}:2: ")
    assert f"'same' already used at {first}:1" in str(info.value)


def test_malformed_json_line(tmp_path: Path) -> None:
    path = tmp_path / "l.jsonl"
    path.write_text('{"text": "ok text here", "frames": []}\n{"text": \n', encoding="utf-8")
    with pytest.raises(LabelError, match="malformed JSON") as info:
        read_labels([path])
    assert info.value.line == 2


@pytest.mark.parametrize("content", ["", "\n\n", "text,frames\n"])
def test_empty_file(tmp_path: Path, content: str) -> None:
    path = tmp_path / ("l.csv" if "," in content else "l.jsonl")
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LabelError, match="no labelled passages found") as info:
        read_labels([path])
    assert str(path) in str(info.value)


def test_missing_file_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(LabelError, match="no such file"):
        read_labels([tmp_path / "missing.jsonl"])
    with pytest.raises(LabelError, match=r"no \.jsonl or \.csv label files"):
        read_labels([tmp_path])


def test_labels_digest_is_order_free(passages: list) -> None:
    shuffled = list(passages)
    random.Random(1).shuffle(shuffled)
    assert shuffled != passages
    assert labels_digest(shuffled) == labels_digest(passages)
    # The order of frames within a passage does not matter either.
    swapped = [dataclasses.replace(p, frames=tuple(reversed(p.frames))) for p in passages]
    assert labels_digest(swapped) == labels_digest(passages)
    # Origin and source are not content.
    moved = [dataclasses.replace(p, origin="elsewhere:9") for p in passages]
    assert labels_digest(moved) == labels_digest(passages)


@pytest.mark.parametrize(
    "change",
    [
        {"frames": ("economy", "identity")},
        {"frames": ()},
        {"text": "A different text about the sanctions entirely."},
        {"language": "ru"},
        {"id": "renamed"},
    ],
)
def test_labels_digest_changes_when_a_label_changes(passages: list, change: dict) -> None:
    changed = list(passages)
    changed[0] = dataclasses.replace(changed[0], **change)
    assert labels_digest(changed) != labels_digest(passages)
    assert labels_digest(changed[:-1]) != labels_digest(changed)


def test_label_counts(passages: list) -> None:
    counts = label_counts(passages, list(FRAMES))
    assert counts["passages"] == 24
    assert counts["by_language"] == {"en": 12, "ru": 12}
    assert counts["no_frame"] == 4
    assert counts["positives"] == {
        "economy": {"en": 4, "ru": 4},
        "security": {"en": 4, "ru": 4},
        "identity": {"en": 3, "ru": 3},
    }


def test_topic_is_read_kept_and_written(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "l.jsonl",
        [
            {"text": EN, "frames": [], "topic": "off"},
            {"text": RU, "frames": [], "topic": "on"},
            {"text": EN + " x", "frames": []},
        ],
    )
    read = read_labels([path])
    assert [p.topic for p in read] == ["off", "on", None]
    again = read_labels([write_labels(read, tmp_path / "copy.jsonl")])
    assert [p.topic for p in again] == ["off", "on", None]


def test_a_topic_enters_the_digest_only_when_given(passages: list) -> None:
    replace = dataclasses.replace
    assert labels_digest([replace(p, topic=None) for p in passages]) == labels_digest(passages)
    marked = [replace(p, topic="on") if i == 0 else p for i, p in enumerate(passages)]
    assert labels_digest(marked) != labels_digest(passages)


def test_text_key_ignores_case_spacing_punctuation_and_yo() -> None:
    assert text_key("«Всё», — сказал он.") == text_key("все сказал он")
    assert text_key("Oil  exports ROSE.") == "oil exports rose"
    assert text_key("oil exports rose") != text_key("oil exports fell")


# --- appending and undoing ------------------------------------------------------


def test_append_and_remove_record(tmp_path: Path) -> None:
    path = tmp_path / "l.jsonl"
    path.write_bytes(b'{"id": "a", "text": "x", "frames": []}')  # no final newline
    append_record(path, {"id": "b", "text": "y", "frames": ["economy"]})
    append_record(path, {"id": "c", "text": "z", "frames": []})
    assert [r["id"] for r in read_jsonl(path)] == ["a", "b", "c"]
    assert remove_record(path, "b") is True
    assert path.read_bytes() == b'{"id": "a", "text": "x", "frames": []}\n{"id": "c", "text": "z", "frames": []}\n'
    assert (tmp_path / "l.jsonl.bak").is_file()
    assert remove_record(path, "nope") is False


def test_check_tail_reports_a_cut_off_last_line(tmp_path: Path) -> None:
    path = tmp_path / "l.jsonl"
    path.write_text('{"id": "a", "text": "x", "frames": []}\n{"id": "b", "te', encoding="utf-8")
    with pytest.raises(LabelError, match=r"l.jsonl:2: the last line is incomplete"):
        check_tail(path)
    path.write_text('{"id": "a", "text": "x", "frames": []}', encoding="utf-8")
    check_tail(path)  # complete, only without the final newline
    check_tail(tmp_path / "missing.jsonl")
