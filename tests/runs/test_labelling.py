"""The interactive labelling loop, driven by scripted input."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from framing.core.errors import LabelError
from framing.labels.codebook import load_codebook
from framing.labels.store import read_labels
from framing.runs.labelling import annotate, parse_toggles, skipped_path

from ..conftest import CODEBOOK_TOML, read_jsonl, strip_ansi, write_jsonl

QUEUE = [
    {"id": "q1", "text": "Troops crossed the border near the northern town overnight.", "frames": ["economy"],
     "scores": {"economy": 0.52, "security": 0.48, "identity": 0.1}, "source": "art1", "language": "en",
     "uncertainty": 0.1, "nearest_frame": "economy", "outlet": "Wire"},
    {"id": "q2", "text": "Sanctions on oil hit the tenge, and schools debated the language law.", "frames": [],
     "source": "art2"},
    {"id": "q3", "text": "Памятники советскому прошлому снесли в нескольких городах страны.", "frames": ["economy"]},
    {"id": "q4", "text": "The football season opened on Saturday with a draw in the capital.", "frames": []},
]


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path, object]:
    (tmp_path / "labels").mkdir()
    book_file = tmp_path / "labels" / "codebook.toml"
    book_file.write_text(CODEBOOK_TOML, encoding="utf-8")
    queue = write_jsonl(tmp_path / "queue.jsonl", QUEUE)
    return queue, tmp_path / "labels" / "new.jsonl", load_codebook(book_file)


def run(queue: Path, into: Path, book, script: str):
    console = Console(file=io.StringIO(), width=100, color_system=None)
    summary = annotate(queue, into=into, codebook=book, stdin=io.StringIO(script), console=console)
    return summary, console.file.getvalue()  # type: ignore[attr-defined]


def test_toggle_save_skip_undo_quit(setup) -> None:
    queue, into, book = setup
    script = "\n".join([
        "2",      # q1: guess economy; tick security
        "1",      # untick economy
        "",       # save q1: security
        "s",      # skip q2
        "u",      # undo the skip: back to q2
        "13",     # q2: tick economy and identity
        "",       # save
        "",       # q3: save the guess (economy)
        "u",      # undo that answer: removed from the file, q3 shown again with it ticked
        "1 3",    # untick economy, tick identity
        "",       # save q3: identity
        "q",
    ]) + "\n"
    summary, shown = run(queue, into, book, script)
    assert (summary.answered, summary.skipped, summary.undone, summary.remaining) == (3, 0, 2, 1)
    records = read_jsonl(into)
    assert [(r["id"], r["frames"]) for r in records] == [
        ("q1", ["security"]), ("q2", ["economy", "identity"]), ("q3", ["identity"]),
    ]
    first = records[0]
    assert first["codebook_version"] == 2 and first["source"] == "art1" and first["outlet"] == "Wire"
    assert "scores" not in first and "uncertainty" not in first  # the model's fields stay in the queue
    assert records[2]["language"] == "ru" and records[2]["source"] == "authored"
    assert skipped_path(into).read_text(encoding="utf-8") == ""  # the skip was undone
    assert "undone: skip of q2" in shown and "undone: label of q3" in shown
    assert "model's guess: economy" in shown
    # The label file is valid labels, and stamps say under which codebook they were judged.
    assert [p.judged for p in read_labels([into], codebook=book)] == [None, None, None]


def test_each_answer_is_on_disk_before_the_next_passage_is_shown(setup) -> None:
    queue, into, book = setup

    class Watching(io.StringIO):
        """Records how many answers the file holds each time a command is read."""

        def __init__(self, script: str):
            super().__init__(script)
            self.seen: list[int] = []

        def readline(self, *args) -> str:  # type: ignore[override]
            self.seen.append(len(read_jsonl(into)) if into.exists() else 0)
            return super().readline(*args)

    stream = Watching("\n\n2\n\nq\n")
    annotate(queue, into=into, codebook=book, stdin=stream, console=Console(file=io.StringIO()))
    assert stream.seen == [0, 1, 2, 2, 3]


def test_restart_resumes_after_the_last_answer_or_skip(setup) -> None:
    queue, into, book = setup
    summary, _ = run(queue, into, book, "\ns\nq\n")  # answer q1, skip q2, quit at q3
    assert (summary.answered, summary.skipped, summary.remaining) == (1, 1, 2)
    assert skipped_path(into).read_text(encoding="utf-8") == "q2\n"
    summary, shown = run(queue, into, book, "\n")  # q3 first; then the input ends
    assert summary.already == 2
    assert "[3/4]  q3" in shown and QUEUE[0]["text"] not in shown and QUEUE[1]["text"] not in shown
    assert [r["id"] for r in read_jsonl(into)] == ["q1", "q3"]
    summary, shown = run(queue, into, book, "\n")
    assert summary.remaining == 0 and "queue done" in shown
    summary, shown = run(queue, into, book, "")
    assert summary.answered == 0 and "queue done" in shown


def test_bad_keys_change_nothing(setup) -> None:
    queue, into, book = setup
    _, shown = run(queue, into, book, "7\nx\n?\n\nq\n")
    assert "no frame number 7" in shown and "'x' is neither a frame number nor a frame id" in shown
    assert [r["frames"] for r in read_jsonl(into)] == [["economy"]]  # the guess, untouched
    _, shown = run(queue, into, book, "u\nq\n")
    assert "nothing to undo in this session" in shown


def test_parse_toggles_more_than_ten_frames() -> None:
    frames = [f"f{i}" for i in range(1, 13)]
    assert parse_toggles("11 2 f5", frames) == ["f11", "f2", "f5"]
    with pytest.raises(ValueError, match="no frame number 13"):
        parse_toggles("13", frames)
    assert parse_toggles("0", [f"g{i}" for i in range(10)]) == ["g9"]


def test_refuses_a_cut_off_label_file_and_a_bad_queue(setup, tmp_path: Path) -> None:
    queue, into, book = setup
    into.write_text('{"id": "x", "text": "t", "fra', encoding="utf-8")
    with pytest.raises(LabelError, match="the last line is incomplete"):
        run(queue, into, book, "q\n")
    bad = write_jsonl(tmp_path / "bad.jsonl", [{"id": "a", "text": "x"}, {"id": "a", "text": "y"}])
    with pytest.raises(LabelError, match=r"bad.jsonl:2: id 'a' appears twice in the queue"):
        run(bad, tmp_path / "labels" / "other.jsonl", book, "q\n")


def test_cli_label_with_scripted_input(setup) -> None:
    from framing.cli import app

    queue, into, _ = setup
    result = CliRunner().invoke(app, ["label", str(queue), "--into", str(into)], input="2\n\ns\nq\n",
                                env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    out = strip_ansi(result.output)
    assert "1 answered, 1 skipped, 0 undone this session; 2 of 4 to go" in out
    assert [(r["id"], r["frames"]) for r in read_jsonl(into)] == [("q1", ["economy", "security"])]
