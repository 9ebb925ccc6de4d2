"""Importing labels from other tools: kept bytes, conflicts, duplicates, checked frames (library and CLI)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from framing.cli import app
from framing.core.errors import LabelError
from framing.labels.codebook import load_codebook
from framing.labels.importing import import_labels
from framing.labels.store import read_labels

from ..conftest import read_jsonl, strip_ansi, write_csv, write_jsonl

runner = CliRunner()


def test_import_csv_with_own_columns_keeps_what_was_there(tmp_path: Path, labels_dir: Path) -> None:
    into = labels_dir / "corpus.jsonl"
    before = into.read_bytes()
    corpus_text = read_jsonl(into)[0]["text"]  # already labelled: economy
    source = write_csv(tmp_path / "export.csv", [
        ["Passage", "Codes", "outlet"],
        ["  New   sanctions\thit the   banks and oil trade. ", "economy|security", "Reuters"],
        [corpus_text, "economy", "x"],  # exact duplicate of a labelled passage
        [corpus_text.upper().replace(",", ""), "economy", "x"],  # same passage, other case and punctuation
        ["A quiet day in the capital with nothing to report at all.", "", "y"],
    ])
    book = load_codebook(labels_dir / "codebook.toml")
    report = import_labels([source], into=into, codebook=book, text_col="passage", frames_col="codes", sep="|")
    assert (report.read, report.added) == (4, 2)
    assert [d[2] for d in report.duplicates] == ["exact", "normalised"]
    assert report.duplicates[0][0] == f"{source}:3" and report.duplicates[0][1].endswith("corpus.jsonl:1")
    data = into.read_bytes()
    assert data.startswith(before)  # nothing already in it is lost or changed
    added = [json.loads(line) for line in data[len(before):].decode("utf-8").splitlines()]
    assert added[0]["text"] == "New sanctions hit the banks and oil trade."  # white space folded
    assert added[0]["frames"] == ["economy", "security"]
    assert added[0]["codebook_version"] == 2 and added[0]["outlet"] == "Reuters"
    assert added[1]["frames"] == [] and added[1]["language"] == "en"
    assert added[0]["id"] == "corpus-00001" and added[1]["id"] == "corpus-00002"
    assert len(read_labels([labels_dir], codebook=book)) == 26
    assert (labels_dir / "corpus.jsonl.bak").read_bytes() == before


def test_import_reports_conflicts_instead_of_choosing(tmp_path: Path, labels_dir: Path) -> None:
    into = labels_dir / "new.jsonl"
    corpus_text = read_jsonl(labels_dir / "corpus.jsonl")[1]["text"]  # labelled security
    source = write_jsonl(tmp_path / "in.jsonl", [
        {"text": corpus_text, "frames": ["identity"]},  # conflicts with the label held
        {"text": "Troops and tanks moved to the border overnight, the ministry said.", "frames": ["security"]},
        {"text": "Troops and tanks moved to the border overnight,  the ministry said!", "frames": ["economy"]},
        {"text": "Monuments came down as the nation rethought its Soviet history.", "frames": "identity"},
    ])
    report = import_labels([source], into=into, codebook=load_codebook(labels_dir / "codebook.toml"))
    assert report.added == 1
    assert [(c[0].rsplit(":", 1)[1], c[2], c[3]) for c in report.conflicts] == [
        ("1", ["identity"], ["security"]),
        ("3", ["economy"], ["security"]),
    ]
    # Neither side of the conflict inside the import is taken.
    assert [r["text"][:9] for r in read_jsonl(into)] == ["Monuments"]


def test_import_unknown_frame_names_file_line_and_closest_id(tmp_path: Path, labels_dir: Path) -> None:
    into = labels_dir / "corpus.jsonl"
    before = into.read_bytes()
    source = write_csv(tmp_path / "bad.csv", [["text", "frames"], ["Fine passage about oil.", "economy"],
                                         ["Troops at the border.", "economy;securty"]])
    with pytest.raises(LabelError) as info:
        import_labels([source], into=into, codebook=load_codebook(labels_dir / "codebook.toml"))
    assert str(info.value) == f"{source}:3: unknown frame 'securty'; did you mean 'security'?"
    assert into.read_bytes() == before  # nothing written
    assert sorted(p.name for p in labels_dir.iterdir()) == ["codebook.toml", "corpus.jsonl"]


def test_import_refuses_an_id_already_used_for_another_passage(tmp_path: Path, labels_dir: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "a1-p1", "text": "Another passage on oil.", "frames": []}])
    book = load_codebook(labels_dir / "codebook.toml")
    with pytest.raises(LabelError, match=r"in.jsonl:1: id 'a1-p1' is already used at .*corpus.jsonl:1"):
        import_labels([source], into=labels_dir / "new.jsonl", codebook=book)
    report = import_labels([source], into=labels_dir / "new.jsonl", codebook=book, id_col="")
    assert report.added == 1 and read_jsonl(labels_dir / "new.jsonl")[0]["id"] == "new-00001"


def test_reimporting_adds_nothing(tmp_path: Path, labels_dir: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [{"text": "Gas prices rose after the pipeline closed.", "frames": []}])
    book = load_codebook(labels_dir / "codebook.toml")
    assert import_labels([source], into=labels_dir / "new.jsonl", codebook=book).added == 1
    again = import_labels([source], into=labels_dir / "new.jsonl", codebook=book)
    assert (again.added, len(again.duplicates)) == (0, 1)
    assert len(read_jsonl(labels_dir / "new.jsonl")) == 1


def test_cli_labels_import(tmp_path: Path, labels_dir: Path) -> None:
    source = write_csv(tmp_path / "x.csv", [["text", "frames"], ["Banks froze payments as sanctions hit.", "economy"],
                                       ["Banks froze payments as sanctions hit.", "security"]])
    result = runner.invoke(app, ["labels", "import", str(source), "--into", str(labels_dir / "more.jsonl")],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = strip_ansi(result.output)
    assert "imported 0 of 2 passages" in out and "1 conflicts to settle by hand" in out
    bad = write_csv(tmp_path / "y.csv", [["text", "frames"], ["Oil.", "econmy"]])
    result = runner.invoke(app, ["labels", "import", str(bad), "--into", str(labels_dir / "more.jsonl")])
    assert result.exit_code == 1
    assert strip_ansi(result.stderr).strip() == f"error: {bad}:2: unknown frame 'econmy'; did you mean 'economy'?"


def test_import_refuses_given_labels_that_do_not_exist(tmp_path: Path, labels_dir: Path) -> None:
    # A typo in --labels must not silently turn off the duplicate check.
    into = labels_dir / "corpus.jsonl"
    before = into.read_bytes()
    source = write_jsonl(tmp_path / "again.jsonl", read_jsonl(into)[:3])
    typo = labels_dir / "corpsu.jsonl"
    book = load_codebook(labels_dir / "codebook.toml")
    with pytest.raises(LabelError, match="no such label file or folder"):
        import_labels([source], into=labels_dir / "new.jsonl", codebook=book, existing=[typo])
    assert not (labels_dir / "new.jsonl").exists()
    result = runner.invoke(app, ["labels", "import", str(source), "--into", str(labels_dir / "new.jsonl"),
                                 "--labels", str(typo)])
    assert result.exit_code == 1
    assert strip_ansi(result.stderr).strip() == f"error: {typo}: no such label file or folder (given with --labels)"
    assert not (labels_dir / "new.jsonl").exists() and into.read_bytes() == before
    # Named correctly, the three are duplicates.
    report = import_labels([source], into=labels_dir / "new.jsonl", codebook=book, existing=[into])
    assert (report.read, report.added, len(report.duplicates)) == (3, 0, 3)


def test_import_refuses_an_empty_separator(tmp_path: Path, labels_dir: Path) -> None:
    source = write_csv(tmp_path / "x.csv", [["text", "frames"], ["Banks froze payments as sanctions hit.", "economy"]])
    result = runner.invoke(app, ["labels", "import", str(source), "--into", str(labels_dir / "more.jsonl"),
                                 "--sep", ""])
    assert result.exit_code == 1
    message = "error: --sep, what separates frame ids in a text cell, must not be empty"
    assert strip_ansi(result.stderr).strip() == message
    assert not (labels_dir / "more.jsonl").exists()


def test_cli_import_needs_a_codebook(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "x.csv", [["text", "frames"], ["Oil.", "economy"]])
    result = runner.invoke(app, ["labels", "import", str(source), "--into", str(tmp_path / "l.jsonl")])
    assert result.exit_code == 1
    assert "pass --codebook" in strip_ansi(result.stderr)
