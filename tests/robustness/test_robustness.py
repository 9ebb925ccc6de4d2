"""The bad-input battery, through the command line.

Every case checks the exit code, a one-line message naming the file, line or
field (no traceback), and that the output folder holds no output and no
temporary file afterwards: nothing half-written, nothing the user had lost.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import pytest
import sklearn
from typer.testing import CliRunner

import framing.cli
import framing.core.atomic
from framing.cli import app
from framing.core.atomic import backup_path
from framing.core.errors import OutputError
from framing.labels.store import LabelledPassage, read_labels, write_labels
from framing.model.files import card_path

from ..conftest import CODEBOOK_TOML, CORPUS, article_texts, read_jsonl, strip_ansi, write_csv, write_jsonl

runner = CliRunner()
TEXT = article_texts()["a1"]
GOOD = json.dumps({"id": "good", "text": TEXT})


def invoke(*args: object, input: str | None = None):
    return runner.invoke(app, [str(a) for a in args], input=input)


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def fails_cleanly(result, *starts: str) -> str:
    """Exit 1, one 'error: ' line on stderr starting with one of ``starts``, no traceback."""
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    err = strip_ansi(result.stderr).strip()
    assert err.startswith("error: ") and "\n" not in err, err
    assert "Traceback" not in result.output
    message = err.removeprefix("error: ")
    assert any(message.startswith(s) for s in starts), message
    return message


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def score_fails(inputs: list[Path], model_file: Path, out_dir: Path, *starts: str) -> str:
    """Score into ``out_dir`` (--out and --passages); it must fail and leave the folder empty."""
    result = invoke("score", *inputs, "--model", model_file, "--out", out_dir / "s.jsonl",
                    "--passages", out_dir / "p.csv")
    message = fails_cleanly(result, *starts)
    assert listing(out_dir) == []
    return message


# Inputs ----------------------------------------------------------------------------------------


def test_empty_file(tmp_path: Path, model_file: Path, out_dir: Path) -> None:
    for name in ("empty.txt", "empty.jsonl", "empty.csv", "empty.html"):
        (tmp_path / name).write_bytes(b"")
        score_fails([tmp_path / name], model_file, out_dir, f"{tmp_path / name}: empty file")


def test_binary_file(tmp_path: Path, model_file: Path, out_dir: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 16
    for name in ("photo.txt", "photo.jsonl", "photo.html"):
        (tmp_path / name).write_bytes(png)
        message = score_fails([tmp_path / name], model_file, out_dir, f"{tmp_path / name}: binary file")
        assert "give text, HTML, JSONL or CSV" in message


def test_a_file_of_only_clutter(tmp_path: Path, model_file: Path, out_dir: Path) -> None:
    path = tmp_path / "page.txt"
    path.write_text("• USD90.99\n\nLogin\n\nSubscribe to our weekly digest\n\nBack to Top\n", encoding="utf-8")
    score_fails([path], model_file, out_dir, f"{path}: nothing left to score after removing clutter")


@pytest.mark.parametrize("suffix", [".txt", ".html"])
def test_a_50_mb_single_line_file_is_refused_before_reading(tmp_path: Path, model_file: Path, out_dir: Path,
                                                            suffix: str) -> None:
    path = tmp_path / f"huge{suffix}"
    with path.open("wb") as fh:
        fh.truncate(50 * 2**20)  # 50 MB of NUL bytes, one line, written instantly
    started = time.monotonic()
    message = score_fails([path], model_file, out_dir, f"{path}: 52,428,800 bytes: too long for one article")
    assert "split it into articles" in message
    assert time.monotonic() - started < 5


def test_malformed_jsonl_on_line_n(tmp_path: Path, model_file: Path, out_dir: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(f"{GOOD}\n\n{GOOD[:-1]}\n{GOOD}\n", encoding="utf-8")
    score_fails([path], model_file, out_dir, f"{path}:3: malformed JSON")


def test_csv_without_the_text_column(tmp_path: Path, model_file: Path, out_dir: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(f'id,Body,outlet\nx1,"{TEXT}",Daily\n', encoding="utf-8")
    message = score_fails([path], model_file, out_dir, f"{path}:1: no 'text' column")
    assert "(columns found: 'id', 'Body', 'outlet'); choose it with --text-field" in message
    # ...and with the column named, the export scores (matched ignoring case).
    result = invoke("score", path, "--model", model_file, "--out", out_dir / "s.jsonl", "--text-field", "body")
    assert result.exit_code == 0, result.output
    assert [(r["id"], r["outlet"]) for r in read_jsonl(out_dir / "s.jsonl")] == [("x1", "Daily")]


def test_csv_columns_match_ignoring_case_and_spaces(tmp_path: Path, model_file: Path, out_dir: Path) -> None:
    articles = tmp_path / "export.csv"
    articles.write_text(f' ID , Text ,Outlet\nx1,"{TEXT}",Daily\n', encoding="utf-8")
    result = invoke("score", articles, "--model", model_file, "--out", out_dir / "s.jsonl")
    assert result.exit_code == 0, result.output
    assert [(r["id"], r["Outlet"]) for r in read_jsonl(out_dir / "s.jsonl")] == [("x1", "Daily")]
    assert "ID" not in read_jsonl(out_dir / "s.jsonl")[0]
    labels = write_csv(tmp_path / "labels.csv", [
        ["ID", "Text", "FRAMES", " Source "],
        *([f"p{n}", text, ";".join(frames), article] for n, (article, _, text, frames) in enumerate(CORPUS, start=1)),
    ])
    result = invoke("labels", "stats", labels, "--json", out_dir / "stats.json")
    assert result.exit_code == 0, result.output
    stats = json.loads((out_dir / "stats.json").read_text(encoding="utf-8"))
    assert stats["frames"]["security"]["positives"] == sum("security" in f for *_, f in CORPUS) > 0
    assert stats["by_source"] == dict.fromkeys(sorted({a for a, *_ in CORPUS}), 3)


def test_a_jsonl_record_without_the_text_field_names_the_fields(tmp_path: Path, model_file: Path,
                                                                out_dir: Path) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [{"id": 1, "text": TEXT}, {"id": 2, "content": TEXT}])
    message = score_fails([path], model_file, out_dir, f"{path}:2: no 'text' text in this record")
    assert "(fields: 'id', 'content'); choose it with --text-field" in message


@pytest.mark.parametrize(("value", "kind"), [(5, "a number"), (None, "null"), (["a"], "a list"), ({}, "an object")])
def test_a_jsonl_text_that_is_not_a_string_says_so(tmp_path: Path, model_file: Path, out_dir: Path,
                                                   value: object, kind: str) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [{"id": 1, "text": TEXT}, {"id": 2, "text": value}])
    score_fails([path], model_file, out_dir, f"{path}:2: 'text' must be a string, not {kind}")


def test_a_legacy_encoding_on_standard_input_is_read_with_a_warning(tmp_path: Path, model_file: Path) -> None:
    data = f"Казахстан и Россия\n\n{CORPUS[13][2]}\n".encode("koi8-r")
    result = runner.invoke(app, ["score", "-", "--model", str(model_file), "--out", str(tmp_path / "s.jsonl")],
                           input=data)
    assert result.exit_code == 0, result.output
    assert strip_ansi(result.stderr).strip() == (
        "warning: <stdin>: not UTF-8; read as KOI8-R (check that the text reads right)"
    )
    (record,) = read_jsonl(tmp_path / "s.jsonl")
    assert (record["language"], record["frames"]) == ("ru", ["security"])


# Labels ----------------------------------------------------------------------------------------


def labels_with(tmp_path: Path, records: list[dict]) -> Path:
    return write_jsonl(tmp_path / "labels.jsonl", records)


def corpus_records() -> list[dict]:
    return [{"text": t, "frames": list(f), "source": a} for a, _, t, f in CORPUS]


def train_fails(labels: Path, out_dir: Path, *starts: str, codebook: Path | None = None) -> str:
    extra = ["--codebook", codebook] if codebook else []
    result = invoke("train", labels, *extra, "--out", out_dir / "m.joblib")
    message = fails_cleanly(result, *starts)
    assert listing(out_dir) == []
    return message


def test_a_labels_file_with_an_unknown_frame(tmp_path: Path, codebook_file: Path, out_dir: Path) -> None:
    records = corpus_records()
    records[6]["frames"] = ["securty"]
    labels = labels_with(tmp_path, records)
    message = train_fails(labels, out_dir, f"{labels}:7: unknown frame 'securty'", codebook=codebook_file)
    assert message.endswith("did you mean 'security'?")


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("version = 2", 'version = "two"', "'version' must be a whole number of 1 or more, not 'two'"),
        ("version = 2", "version = 1.5", "'version' must be a whole number of 1 or more, not 1.5"),
        ('cues_en = ["sanctions", "oil"]', "cues_en = 5",
         "frame 'economy': 'cues_en' must be a list of strings, not 5"),
    ],
)
def test_a_codebook_with_a_bad_version_or_cue_list(tmp_path: Path, out_dir: Path, old: str, new: str,
                                                    reason: str) -> None:
    assert old in CODEBOOK_TOML
    codebook = tmp_path / "codebook.toml"
    codebook.write_text(CODEBOOK_TOML.replace(old, new), encoding="utf-8")
    labels = labels_with(tmp_path, corpus_records())
    assert train_fails(labels, out_dir, f"{codebook}: ", codebook=codebook) == f"{codebook}: {reason}"


def test_an_empty_labels_file(tmp_path: Path, out_dir: Path) -> None:
    labels = tmp_path / "labels.jsonl"
    labels.write_text("\n\n", encoding="utf-8")
    train_fails(labels, out_dir, f"{labels}: no labelled passages found")


def test_a_frame_with_a_single_example(tmp_path: Path, out_dir: Path) -> None:
    records = corpus_records()
    records[5]["frames"] = ["sovereignty"]
    labels = labels_with(tmp_path, records)
    message = train_fails(labels, out_dir, "too few positive passages (need 3) for: sovereignty (1)")
    assert message.endswith("label more or drop the frame")


def test_a_labels_file_in_windows_1251_is_read_with_a_warning(tmp_path: Path, labels_file: Path,
                                                               model_file: Path) -> None:
    legacy = tmp_path / "legacy.jsonl"
    legacy.write_bytes(labels_file.read_text(encoding="utf-8").encode("cp1251"))
    result = invoke("evaluate", legacy, "--model", model_file)
    assert result.exit_code == 0, result.output
    assert strip_ansi(result.stderr).strip() == (
        f"warning: {legacy}: not UTF-8; read as Windows-1251 (check that the text reads right)"
    )


def test_labels_are_never_rewritten_without_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    first = [LabelledPassage("p1", TEXT, ("economy",), "en", "a1")]
    write_labels(first, path)
    with pytest.raises(OutputError, match="already exists; pass --force"):
        write_labels([], path)
    second = [LabelledPassage("p1", TEXT, ("security",), "en", "a1")]
    write_labels(second, path, force=True)
    assert read_labels([path])[0].frames == ("security",)
    # The backup is NAME.jsonl.bak: a folder of labels given to 'framing train' does not read it twice.
    assert json.loads(backup_path(path).read_text(encoding="utf-8"))["frames"] == ["economy"]

    def broken():
        yield LabelledPassage("p2", TEXT, (), "en")
        raise RuntimeError("coder's tool crashed")

    before = path.read_bytes()
    with pytest.raises(RuntimeError):
        write_labels(broken(), path, force=True)
    assert path.read_bytes() == before  # untouched: the half-written file never replaced it
    assert listing(tmp_path) == ["labels.jsonl", "labels.jsonl.bak"]


# Models ----------------------------------------------------------------------------------------


@pytest.fixture
def own_model(tmp_path: Path, model_file: Path) -> Path:
    """A private copy of the trained model and its card, to damage."""
    folder = tmp_path / "models"
    folder.mkdir()
    shutil.copy(model_file, folder / model_file.name)
    shutil.copy(card_path(model_file), card_path(folder / model_file.name))
    return folder / model_file.name


@pytest.fixture
def no_unpickling(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("unpickled a model that should have been refused first")

    monkeypatch.setattr("framing.model.files._unpickle_file", refuse)  # where model files are unpickled


def score_with(model: Path, articles: Path, out_dir: Path, *starts: str) -> str:
    return score_fails([articles], model, out_dir, *starts)


def test_a_missing_model(tmp_path: Path, articles_dir: Path, out_dir: Path) -> None:
    model = tmp_path / "nowhere.joblib"
    message = score_with(model, articles_dir, out_dir, f"{model}: no such model file")
    assert message.endswith("train one with 'framing train'")


def test_a_truncated_model(own_model: Path, articles_dir: Path, out_dir: Path, no_unpickling: None) -> None:
    data = own_model.read_bytes()
    own_model.write_bytes(data[: len(data) // 2])
    message = score_with(own_model, articles_dir, out_dir, f"{own_model}: file differs from its card (sha256")
    assert "Retrain, or restore the original file" in message


def test_a_model_changed_after_training(own_model: Path, articles_dir: Path, out_dir: Path,
                                        no_unpickling: None) -> None:
    data = bytearray(own_model.read_bytes())
    data[len(data) // 2] ^= 0xFF
    own_model.write_bytes(bytes(data))
    score_with(own_model, articles_dir, out_dir, f"{own_model}: file differs from its card (sha256 mismatch)")


def test_a_model_made_by_another_scikit_learn(own_model: Path, articles_dir: Path, out_dir: Path,
                                              no_unpickling: None) -> None:
    card = json.loads(card_path(own_model).read_text(encoding="utf-8"))
    card["versions"]["scikit-learn"] = "0.24.2"  # the sha256 covers the model file, not its card
    card_path(own_model).write_text(json.dumps(card), encoding="utf-8")
    message = score_with(own_model, articles_dir, out_dir,
                         f"{own_model}: made with scikit-learn 0.24.2, this is {sklearn.__version__}")
    assert "retrain it with 'framing train'" in message
    assert "pickle" not in message.lower()


# Outputs ---------------------------------------------------------------------------------------


def test_an_existing_output_is_refused_without_force(model_file: Path, articles_dir: Path, out_dir: Path) -> None:
    out = out_dir / "s.jsonl"
    out.write_text("the user's earlier scores\n", encoding="utf-8")
    result = invoke("score", articles_dir, "--model", model_file, "--out", out)
    fails_cleanly(result, f"{out}: already exists; pass --force to replace it")
    assert out.read_text(encoding="utf-8") == "the user's earlier scores\n"
    assert listing(out_dir) == ["s.jsonl"]


def test_a_missing_output_folder(tmp_path: Path, model_file: Path, articles_dir: Path) -> None:
    out = tmp_path / "no-such-folder" / "s.jsonl"
    result = invoke("score", articles_dir, "--model", model_file, "--out", out)
    fails_cleanly(result, f"{out}: folder {out.parent} does not exist")
    assert not out.parent.exists()


def test_an_output_that_is_a_folder(tmp_path: Path, model_file: Path, labels_file: Path) -> None:
    result = invoke("evaluate", labels_file, "--model", model_file, "--json", tmp_path)
    fails_cleanly(result, f"{tmp_path}: is a folder")


def test_a_device_is_written_directly_without_force(model_file: Path, labels_file: Path) -> None:
    result = invoke("evaluate", labels_file, "--model", model_file, "--json", os.devnull)
    assert result.exit_code == 0, result.output
    assert not os.path.isfile(os.devnull)


full = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs Linux /dev/full")


@full
def test_writing_to_a_full_device(model_file: Path, labels_file: Path) -> None:
    result = invoke("evaluate", labels_file, "--model", model_file, "--json", "/dev/full")
    message = fails_cleanly(result, "/dev/full: cannot write (No space left on device)")
    assert message.endswith("free some space or write elsewhere, then run again")
    assert os.path.exists("/dev/full") and not os.path.isfile("/dev/full")  # a device, never replaced


@full
def test_scores_onto_a_full_disk(model_file: Path, articles_dir: Path, out_dir: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # The temporary files are real files in out/, but every byte written to them goes to /dev/full.
    real = framing.core.atomic.make_temp
    made: list[Path] = []

    def on_a_full_disk(path: Path):
        fd, tmp = real(path)
        made.append(tmp)
        device = os.open("/dev/full", os.O_WRONLY)
        os.dup2(device, fd)
        os.close(device)
        return fd, tmp

    monkeypatch.setattr(framing.core.atomic, "make_temp", on_a_full_disk)
    out = out_dir / "s.jsonl"
    message = score_fails([articles_dir], model_file, out_dir, f"{out}: cannot write (No space left on device)")
    assert "free some space" in message
    assert made and not any(p.exists() for p in made)


@full
def test_scores_onto_a_link_to_a_full_device(model_file: Path, articles_dir: Path, out_dir: Path) -> None:
    out = out_dir / "s.jsonl"
    out.symlink_to("/dev/full")
    result = invoke("score", articles_dir, "--model", model_file, "--out", out)
    fails_cleanly(result, f"{out}: cannot write (No space left on device)")
    assert out.is_symlink() and listing(out_dir) == ["s.jsonl"]


# --skip-bad ------------------------------------------------------------------------------------


def test_skip_bad_goes_on_and_reports_each_bad_record(tmp_path: Path, model_file: Path, out_dir: Path) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    texts = article_texts()
    (folder / "a.jsonl").write_text(
        "\n".join([
            json.dumps({"id": "j1", "text": texts["a1"]}),
            '{"id": "j2", "text": ',
            json.dumps({"id": "j3", "body": texts["a2"]}),
            json.dumps({"id": "j4", "text": "Back to Top\n\nLogin"}),
            json.dumps({"id": "j5", "text": texts["a5"]}),
        ]) + "\n",
        encoding="utf-8",
    )
    (folder / "b.txt").write_bytes(b"\x00\x01binary\x00" * 50)
    (folder / "c.txt").write_text("", encoding="utf-8")
    (folder / "d.txt").write_bytes(f"Заголовок\n\n{texts['a6']}".encode("cp1251"))
    (folder / "e.csv").write_text("id,body\n1,x\n", encoding="utf-8")
    result = invoke("score", folder, tmp_path / "missing.txt", "--model", model_file,
                    "--out", out_dir / "s.jsonl", "--skip-bad")
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in read_jsonl(out_dir / "s.jsonl")] == ["j1", "j5", "d"]
    assert listing(out_dir) == ["s.jsonl"]
    err = strip_ansi(result.stderr).splitlines()
    assert err == [
        f"skipped: {folder / 'a.jsonl'}:2: malformed JSON (Expecting value, column 22)",
        f"skipped: {folder / 'a.jsonl'}:3: no 'text' text in this record (fields: 'id', 'body'); "
        "choose it with --text-field",
        f"skipped: {folder / 'b.txt'}: binary file, not text (control characters); give text, HTML, JSONL or CSV",
        f"skipped: {folder / 'c.txt'}: empty file; give it the article text, or leave it out",
        f"warning: {folder / 'd.txt'}: not UTF-8; read as Windows-1251 (check that the text reads right)",
        f"skipped: {folder / 'e.csv'}:1: no 'text' column (columns found: 'id', 'body'); choose it with --text-field",
        f"skipped: {tmp_path / 'missing.txt'}: no such file or folder",
        f"skipped: {folder / 'a.jsonl'}:4: nothing left to score after removing clutter (menus, tickers, headings, "
        "short lines)",
    ]
    assert "7 bad records skipped" in " ".join(strip_ansi(result.stdout).split())


def test_skip_bad_with_nothing_good_fails(tmp_path: Path, model_file: Path, out_dir: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text("{broken\n", encoding="utf-8")
    result = invoke("score", path, "--model", model_file, "--out", out_dir / "s.jsonl", "--skip-bad")
    assert result.exit_code == 1
    assert strip_ansi(result.stderr).splitlines()[-1] == "error: no articles scored: all 1 inputs found were bad"
    assert listing(out_dir) == []


# Memory and signals ---------------------------------------------------------------------------------


def test_a_50_mb_jsonl_line_is_skipped_in_bounded_memory(tmp_path: Path, model_file: Path, out_dir: Path) -> None:
    big = tmp_path / "big.jsonl"
    with big.open("w", encoding="utf-8") as fh:
        fh.write(f"{GOOD}\n")
        fh.write('{"id": "huge", "text": "' + "Sanctions hit oil exports. " * (50 * 2**20 // 27) + '"}\n')
        fh.write(json.dumps({"id": "after", "text": TEXT}) + "\n")
    assert big.stat().st_size > 50 * 2**20
    # Without --skip-bad: a clear error naming the line.
    tracemalloc.start()
    try:
        result = invoke("score", big, "--model", model_file, "--out", out_dir / "s.jsonl")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = fails_cleanly(result, f"{big}:2: 8,000,000 characters or more in one line: too long for one article")
    assert message.endswith("split it into articles")
    assert listing(out_dir) == []
    assert peak < 80 * 2**20, peak  # read a bounded piece at a time, never the 50 MB line whole
    # With --skip-bad: the records around it are scored.
    result = invoke("score", big, "--model", model_file, "--out", out_dir / "s.jsonl", "--skip-bad")
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in read_jsonl(out_dir / "s.jsonl")] == ["good", "after"]
    assert strip_ansi(result.stderr).strip() == (
        f"skipped: {big}:2: 8,000,000 characters or more in one line: too long for one article "
        "(the limit is 1,000,000 characters); split it into articles"
    )


def big_batch(path: Path, n: int = 20_000) -> Path:
    texts = list(article_texts().values())
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"id": f"n{i}", "text": f"{texts[i % 8]}\n\nStory number {i} of the batch today."}))
            fh.write("\n")
    return path


def writing_started(folder: Path) -> bool:
    """Scores are being written: the temporary file exists and has grown."""
    return any(p.name.startswith(".s.jsonl.") and p.suffix == ".part" and p.stat().st_size > 0
               for p in folder.iterdir())


def test_sigint_in_the_middle_of_a_long_score(tmp_path: Path, model_file: Path, out_dir: Path) -> None:
    # Long enough that the run cannot finish between its first write and the signal
    # (20,000 of these short articles took under 3 s once scoring was compiled).
    big = big_batch(tmp_path / "big.jsonl", n=200_000)
    command = [sys.executable, "-c", "from framing.cli import run; run()", "score", str(big), "--model",
               str(model_file), "--out", str(out_dir / "s.jsonl"), "--passages", str(out_dir / "p.jsonl")]
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    # A shell starts background jobs with SIGINT ignored, and the child would inherit
    # that (a test run launched with "&"): give it the default disposition, as a terminal does.
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 90
    while not writing_started(out_dir):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "scoring never started writing"
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert err.strip() == "error: interrupted; unfinished outputs were removed, run the command again"
    assert listing(out_dir) == []  # nothing under the final names, no .part left behind


def test_sigterm_cleans_up_as_sigint_does(tmp_path: Path, model_file: Path, out_dir: Path) -> None:
    # In this process, to spare a second start-up: the handler 'framing' installs, a real signal.
    big = big_batch(tmp_path / "big.jsonl", n=5_000)
    previous = signal.signal(signal.SIGTERM, framing.cli._terminate)
    stop = threading.Event()

    def kill_when_writing() -> None:
        while not stop.is_set():
            if writing_started(out_dir):
                os.kill(os.getpid(), signal.SIGTERM)
                return
            time.sleep(0.02)

    watcher = threading.Thread(target=kill_when_writing, daemon=True)
    watcher.start()
    try:
        result = invoke("score", big, "--model", model_file, "--out", out_dir / "s.jsonl")
    finally:
        stop.set()
        watcher.join()
        signal.signal(signal.SIGTERM, previous)
    assert result.exit_code == 130, result.output
    assert strip_ansi(result.stderr).strip() == (
        "error: interrupted; unfinished outputs were removed, run the command again"
    )
    assert listing(out_dir) == []


def test_disk_full_and_quota_messages_say_what_to_do(tmp_path: Path) -> None:
    from framing.core.atomic import _cannot_write

    for code in (errno.ENOSPC, errno.EDQUOT):
        message = str(_cannot_write(tmp_path / "x", OSError(code, os.strerror(code))))
        assert message.endswith("free some space or write elsewhere, then run again")
