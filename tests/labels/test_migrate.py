"""Frame migrations: renames and merges in label files and the codebook, checked before writing (library and CLI)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from framing.cli import app
from framing.cli.labels import parse_steps
from framing.core.errors import LabelError
from framing.labels.codebook import load_codebook
from framing.labels.migrate import migrate_labels
from framing.labels.store import read_labels

from ..conftest import CODEBOOK_TOML, read_jsonl, strip_ansi, write_csv, write_jsonl

runner = CliRunner()


@pytest.mark.parametrize("with_codebook", [True, False])
def test_a_rename_into_an_existing_frame_is_refused(labels_dir: Path, with_codebook: bool) -> None:
    # It would merge two frames without saying so; --merge says so.
    codebook = labels_dir / "codebook.toml" if with_codebook else None
    before = {p.name: p.read_bytes() for p in labels_dir.iterdir()}
    with pytest.raises(LabelError, match=r"'security' is already a frame; .* use --merge economy,security=security"):
        migrate_labels([labels_dir], steps=parse_steps(["economy=security"]), codebook=codebook)
    assert {p.name: p.read_bytes() for p in labels_dir.iterdir()} == before
    # Renaming away first frees the name.
    migrate_labels([labels_dir], steps=parse_steps(["security=defence", "economy=security"]), codebook=codebook)
    frames = {f for p in read_labels([labels_dir]) for f in p.frames}
    assert {"defence", "security"} <= frames and "economy" not in frames


def test_migrate_rename_in_jsonl_csv_and_codebook(tmp_path: Path, labels_dir: Path) -> None:
    csv_file = write_csv(labels_dir / "extra.csv", [["Text", "frames", "judged", "note"],
                                               ["Oil and sanctions again.", "economy;identity", "economy;identity",
                                                "kept"]])
    codebook = labels_dir / "codebook.toml"
    before = {p.name: p.read_bytes() for p in labels_dir.iterdir()}
    report = migrate_labels([labels_dir], steps=parse_steps(["economy=trade"]), codebook=codebook)
    assert report.files == {str(labels_dir / "corpus.jsonl"): 8, str(labels_dir / "extra.csv"): 1}
    book = load_codebook(codebook)
    assert book.ids == ["trade", "security", "identity"]
    assert book.frames[0].label == "Economy"  # the rest of the table kept
    passages = read_labels([labels_dir], codebook=book)
    assert sum("trade" in p.frames for p in passages) == 9
    assert not any("economy" in p.frames for p in passages)
    row = read_labels([csv_file], codebook=book)[0]
    assert row.frames == ("trade", "identity") and row.judged == ("trade", "identity")
    assert "note" in csv_file.read_text(encoding="utf-8").splitlines()[0]  # header and columns kept
    assert "Text" in csv_file.read_text(encoding="utf-8").splitlines()[0]
    for name in ("corpus.jsonl", "extra.csv", "codebook.toml"):
        assert (labels_dir / f"{name}.bak").read_bytes() == before[name]


def test_migrate_merge_judged_and_added(tmp_path: Path) -> None:
    codebook = tmp_path / "codebook.toml"
    codebook.write_text(
        CODEBOOK_TOML
        + '\n[[frames]]\nid = "energy"\nlabel = "Energy"\nadded = 2\n'
        + '\n[[frames]]\nid = "other"\nexcludes = ["oil sanctions -> energy", "-> economyish stays"]\n',
        encoding="utf-8",
    )
    labels = write_jsonl(tmp_path / "l.jsonl", [
        {"id": "1", "text": "Oil.", "frames": ["energy"], "judged": ["energy", "economy"]},
        {"id": "2", "text": "Gas.", "frames": [], "judged": ["energy"]},
        {"id": "3", "text": "Banks.", "frames": ["economy", "security"], "codebook_version": 1},
        {"id": "4", "text": "Tanks.", "frames": ["security"], "codebook_version": 2},
    ])
    report = migrate_labels([labels], steps=parse_steps([], ["economy,energy=resources"]), codebook=codebook)
    assert report.removed_tables == ["energy"]
    book = load_codebook(codebook)
    assert book.ids == ["resources", "security", "identity", "other"]
    assert book.frames[0].added == 2  # judged on it only when judged on both
    assert book.frames[3].excludes == ("oil sanctions -> resources", "-> economyish stays")
    records = read_jsonl(labels)
    assert [r["frames"] for r in records] == [["resources"], [], ["resources", "security"], ["security"]]
    assert records[0]["judged"] == ["resources"]
    assert records[1]["judged"] == []  # judged on energy only: not on the merged frame
    passages = {p.id: p for p in read_labels([labels], codebook=book)}
    assert passages["3"].judged == ("security", "identity", "other", "resources")  # version 1 + what it carries
    assert passages["4"].judged is None
    assert "resources" not in passages["2"].judged  # type: ignore[operator]


def test_migrate_checks_before_writing(tmp_path: Path, labels_dir: Path) -> None:
    codebook = labels_dir / "codebook.toml"
    with pytest.raises(LabelError, match="the codebook has no frame 'economyy'; did you mean 'economy'"):
        migrate_labels([labels_dir], steps=parse_steps(["economyy=trade"]), codebook=codebook)
    # A label file the migrated codebook would not cover: refused, and no file is touched.
    write_jsonl(labels_dir / "odd.jsonl", [{"id": "z", "text": "Oil.", "frames": ["economy", "weird"]}])
    before = {p.name: p.read_bytes() for p in labels_dir.iterdir()}
    with pytest.raises(LabelError, match=r"odd.jsonl: after the migration: unknown frame 'weird'.*nothing changed"):
        migrate_labels([labels_dir], steps=parse_steps(["economy=trade"]), codebook=codebook)
    assert {p.name: p.read_bytes() for p in labels_dir.iterdir()} == before


def test_cli_labels_migrate(labels_dir: Path) -> None:
    result = runner.invoke(app, ["labels", "migrate", str(labels_dir), "--rename", "identity=memory",
                                 "--codebook", str(labels_dir / "codebook.toml")], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = strip_ansi(result.output)
    assert "corpus.jsonl: 6 records changed" in out and "backups:" in out
    assert tomllib.loads((labels_dir / "codebook.toml").read_text(encoding="utf-8"))["frames"][2]["id"] == "memory"
    result = runner.invoke(app, ["labels", "migrate", str(labels_dir)])
    assert result.exit_code == 1 and "nothing to migrate" in strip_ansi(result.stderr)
