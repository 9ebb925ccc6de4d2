"""Label management: import, statistics, frame migrations, durable appends (library and CLI)."""

from __future__ import annotations

import dataclasses
import json
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from framing.cli import app
from framing.core.errors import LabelError
from framing.labels.codebook import load_codebook
from framing.labels.manage import (
    append_record,
    check_tail,
    import_labels,
    label_stats,
    migrate_labels,
    parse_steps,
    remove_record,
    text_key,
)
from framing.labels.store import LabelledPassage, read_labels

from ..conftest import CODEBOOK_TOML, FRAMES, read_jsonl, strip_ansi, write_csv, write_jsonl

runner = CliRunner()


@pytest.fixture
def labels_dir(tmp_path: Path, labels_file: Path) -> Path:
    """labels/ with the codebook and the conftest corpus as corpus.jsonl."""
    folder = tmp_path / "labels"
    folder.mkdir()
    (folder / "codebook.toml").write_text(CODEBOOK_TOML, encoding="utf-8")
    labels_file.rename(folder / "corpus.jsonl")
    return folder


# --- import -------------------------------------------------------------------


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


def test_text_key_ignores_case_spacing_punctuation_and_yo() -> None:
    assert text_key("«Всё», — сказал он.") == text_key("все сказал он")
    assert text_key("Oil  exports ROSE.") == "oil exports rose"
    assert text_key("oil exports rose") != text_key("oil exports fell")


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


# --- stats --------------------------------------------------------------------


def test_label_stats(passages: list[LabelledPassage]) -> None:
    extra = [
        LabelledPassage("x1", "Oil and gas.", ("energy",), "en", judged=("energy",)),
        LabelledPassage("x2", "Troops.", (), "ru", "a9", judged=("security", "energy")),
    ]
    # The corpus as read under a codebook that added "energy" later: judged on the first three frames.
    older = [dataclasses.replace(p, judged=FRAMES) for p in passages]
    stats = label_stats([*older, *extra], [*FRAMES, "energy"])
    assert stats["passages"] == 26
    assert stats["frames"]["economy"] == {"positives": 8, "by_language": {"en": 4, "ru": 4}, "judged": 24,
                                          "negatives": 16}
    assert stats["frames"]["security"]["judged"] == 25
    assert stats["frames"]["energy"] == {"positives": 1, "by_language": {"en": 1, "ru": 0}, "judged": 2,
                                         "negatives": 1}
    assert stats["below_minimum"] == {"energy": "only 1 positive passages (need 3)"}
    assert stats["by_language"] == {"en": 13, "ru": 13}
    assert stats["by_source"]["a1"] == 3 and stats["by_source"]["authored"] == 1 and stats["by_source"]["a9"] == 1
    assert stats["no_frame"] == 5


def test_cli_labels_stats(labels_dir: Path, tmp_path: Path) -> None:
    write_jsonl(labels_dir / "few.jsonl", [{"text": "Tanks.", "frames": ["security"], "id": "t1"}])
    out_json = tmp_path / "stats.json"
    result = runner.invoke(app, ["labels", "stats", str(labels_dir), "--json", str(out_json)],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = strip_ansi(result.output)
    assert "25 labelled passages" in out
    assert "every frame has at least 3 positive passages" in out
    # No frame is under the minimum: the table ends at "negatives", with no empty flag column.
    header = next(line for line in out.splitlines() if "negatives" in line)
    assert header.rstrip().rstrip("┃│|").rstrip().endswith("negatives")
    stats = json.loads(out_json.read_text(encoding="utf-8"))
    assert stats["frames"]["security"]["positives"] == 9
    write_jsonl(labels_dir / "corpus.jsonl", [{"text": "Tanks.", "frames": ["security"], "id": "t2"},
                                              {"text": "Oil.", "frames": [], "id": "t3"}])
    result = runner.invoke(app, ["labels", "stats", str(labels_dir)], env={"COLUMNS": "200"})
    out = strip_ansi(result.output)
    assert "under the minimum" in out and "economy, security, identity" in out
    assert "only 2 positive passages (need 3)" in out  # security: flagged in its row


# --- migrate ------------------------------------------------------------------


def test_parse_steps() -> None:
    assert parse_steps(["a=b"], ["c,d=e"]) == [(["a"], "b"), (["c", "d"], "e")]
    for bad in (["a"], ["a,b=c"], ["=b"]):
        with pytest.raises(LabelError, match="--rename takes OLD=NEW"):
            parse_steps(bad, [])
    with pytest.raises(LabelError, match="at least two"):
        parse_steps([], ["a=b"])
    with pytest.raises(LabelError, match="nothing to migrate"):
        parse_steps([], [])
    with pytest.raises(LabelError, match="renames a frame to itself"):
        parse_steps(["a=a"], [])
    with pytest.raises(LabelError, match="at least two"):
        parse_steps([], ["a,a=b"])


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
