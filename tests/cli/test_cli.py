"""The command line, through typer's CliRunner: commands, files written and error messages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from framing import __version__
from framing.cli import app
from framing.model.files import card_path, load_model

from ..conftest import FRAMES, read_csv, read_jsonl, strip_ansi, write_jsonl

runner = CliRunner()


def invoke(*args: object, input: str | None = None):
    return runner.invoke(app, [str(a) for a in args], input=input)


def assert_one_line_error(result, *starts: str) -> str:
    """Exit 1, one line on stderr starting with 'error: ' and one of ``starts``, no traceback."""
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    err = strip_ansi(result.stderr).strip()
    assert "\n" not in err, err
    assert err.startswith("error: "), err
    message = err.removeprefix("error: ")
    assert any(message.startswith(s) for s in starts), err
    assert "Traceback" not in result.output
    return message


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"framing {__version__}"


def test_no_arguments_shows_help() -> None:
    result = invoke()
    assert result.exit_code in (0, 2)  # click >= 8.2 exits 2 after showing help for no arguments
    shown = strip_ansi(result.output)
    assert "Usage:" in shown
    for command in ("train", "score", "evaluate"):
        assert command in shown


def test_train(tmp_path: Path, labels_file: Path, codebook_file: Path) -> None:
    out = tmp_path / "m.joblib"
    result = invoke("train", labels_file, "--codebook", codebook_file, "--out", out)
    assert result.exit_code == 0, result.output
    assert out.is_file() and card_path(out).is_file()
    card = json.loads(card_path(out).read_text(encoding="utf-8"))
    assert card["frames"] == list(FRAMES)
    assert card["codebook"] == {"path": str(codebook_file), "version": 2, "name": "Test codebook"}
    assert card["label_files"] == [str(labels_file)]
    assert card["unit"] == "passage"
    stdout = strip_ansi(result.stdout)
    assert "trained on 24 passages, 3 frames" in stdout
    assert load_model(out).frames == list(FRAMES)
    # With a codebook, its cue phrases are features unless --no-cues.
    assert dict((f, tuple(c)) for f, c in card["config"]["cues"])["economy"] == ("sanctions", "oil", "санкции", "нефть")
    plain = tmp_path / "plain.joblib"
    result = invoke("train", labels_file, "--codebook", codebook_file, "--no-cues", "--out", plain)
    assert result.exit_code == 0, result.output
    assert json.loads(card_path(plain).read_text(encoding="utf-8"))["config"]["cues"] is None
    result = invoke("train", labels_file, "--cues", "--out", tmp_path / "no-book.joblib")
    assert result.exit_code == 2 and "give --codebook" in " ".join(strip_ansi(result.output).replace("│", " ").split())


def test_train_jobs_give_the_same_model(tmp_path: Path, labels_file: Path) -> None:
    outs = [tmp_path / "one.joblib", tmp_path / "two.joblib"]
    for out, jobs in zip(outs, ("1", "2")):
        result = invoke("train", labels_file, "--out", out, "--jobs", jobs)
        assert result.exit_code == 0, result.output
    one, two = (load_model(out) for out in outs)
    assert np.array_equal(one.thresholds, two.thresholds)
    for a, b in zip(one.classifiers, two.classifiers):
        assert (a.coef_ == b.coef_).all()
    result = invoke("train", labels_file, "--out", tmp_path / "zero.joblib", "--jobs", "0")
    assert_one_line_error(result, "jobs must be at least 1")
    assert not (tmp_path / "zero.joblib").exists()


def test_train_refuses_to_overwrite_without_force(tmp_path: Path, labels_file: Path) -> None:
    out = tmp_path / "m.joblib"
    out.write_bytes(b"old model")
    result = invoke("train", labels_file, "--out", out)
    assert_one_line_error(result, f"{out}: already exists")
    assert out.read_bytes() == b"old model"
    assert files(tmp_path) == sorted(["m.joblib", "labels.jsonl"])
    result = invoke("train", labels_file, "--out", out, "--force")
    assert result.exit_code == 0, result.output
    assert load_model(out).frames == list(FRAMES)


@pytest.fixture
def no_training(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail if the command trains or cross-validates: it should refuse before that."""

    def refuse(*args, **kwargs):
        raise AssertionError("trained before checking the output")

    # Loaded first: a module imported while the patch is on would keep `refuse` as its `train`
    # for the rest of the session (framing.model.evaluation binds it at import).
    import framing.model.evaluation  # noqa: F401

    monkeypatch.setattr("framing.model.training.train", refuse)  # the commands import them when run
    monkeypatch.setattr("framing.model.evaluation.cross_validate", refuse)


def test_train_checks_the_output_before_training(tmp_path: Path, labels_file: Path, no_training: None) -> None:
    out = tmp_path / "m.joblib"
    card_path(out).write_text("{}", encoding="utf-8")
    assert_one_line_error(invoke("train", labels_file, "--out", out), f"{card_path(out)}: already exists")
    assert_one_line_error(invoke("train", labels_file, "--out", tmp_path / "no" / "m.joblib"), f"{tmp_path / 'no'}")
    assert not out.exists()


def test_evaluate_checks_the_json_output_before_cross_validating(
    tmp_path: Path, labels_file: Path, no_training: None
) -> None:
    json_out = tmp_path / "cv.json"
    json_out.write_text("{}", encoding="utf-8")
    result = invoke("evaluate", labels_file, "--cv", "3", "--json", json_out)
    assert_one_line_error(result, f"{json_out}: already exists")
    assert json_out.read_text(encoding="utf-8") == "{}"


def test_train_unknown_frame(tmp_path: Path, labels_file: Path, codebook_file: Path) -> None:
    lines = labels_file.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[4])
    record["frames"] = ["identiy"]
    lines[4] = json.dumps(record, ensure_ascii=False)
    labels_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "m.joblib"
    result = invoke("train", labels_file, "--codebook", codebook_file, "--out", out)
    message = assert_one_line_error(result, f"{labels_file}:5: ")
    assert "unknown frame 'identiy'; did you mean 'identity'?" in message
    assert not out.exists() and not card_path(out).exists()


def test_train_malformed_labels(tmp_path: Path, labels_file: Path) -> None:
    with labels_file.open("a", encoding="utf-8") as fh:
        fh.write('{"text": "half a record", \n')
    out = tmp_path / "m.joblib"
    result = invoke("train", labels_file, "--out", out)
    assert_one_line_error(result, f"{labels_file}:25: malformed JSON")
    assert not out.exists()


def test_train_too_few_examples(tmp_path: Path) -> None:
    labels = write_jsonl(
        tmp_path / "l.jsonl",
        [
            {"text": f"Sanctions hit oil trade number {i} this week.", "frames": ["economy"] if i < 2 else []}
            for i in range(6)
        ],
    )
    result = invoke("train", labels, "--out", tmp_path / "m.joblib")
    assert_one_line_error(result, "too few positive passages (need 3) for: economy (2)")
    assert files(tmp_path) == ["l.jsonl"]


def test_train_into_a_missing_folder(tmp_path: Path, labels_file: Path) -> None:
    out = tmp_path / "nowhere" / "m.joblib"
    result = invoke("train", labels_file, "--out", out)
    assert_one_line_error(result, f"{out}: folder")
    assert not out.parent.exists()


def test_score(tmp_path: Path, model_file: Path, articles_dir: Path) -> None:
    out, passages = tmp_path / "s.jsonl", tmp_path / "p.csv"
    result = invoke("score", articles_dir, "--model", model_file, "--out", out, "--passages", passages)
    assert result.exit_code == 0, result.output
    records = read_jsonl(out)
    assert [r["id"] for r in records] == [f"a{i}" for i in range(1, 9)]
    assert all(r["group"] in ("western", "russian") for r in records)
    assert len(read_csv(passages)) == 24
    stdout = strip_ansi(result.stdout)
    assert f"scored 8 articles (24 passages) (2 more not shown) -> {out} and {passages}" in " ".join(stdout.split())
    for frame in FRAMES:
        assert frame in stdout


def test_score_stdin(tmp_path: Path, model_file: Path) -> None:
    out = tmp_path / "s.csv"
    stream = "\n".join(
        json.dumps({"id": f"s{i}", "text": t})
        for i, t in enumerate(
            [
                "Western sanctions cut oil exports and trade through the pipeline, and the tenge fell this week.",
                "Войска военного союза вошли в столицу, солдаты охраняли аэропорт, а армия патрулировала границу.",
            ]
        )
    )
    result = invoke("score", "-", "--model", model_file, "--out", out, input=stream)
    assert result.exit_code == 0, result.output
    rows = read_csv(out)
    assert [r["id"] for r in rows] == ["s0", "s1"]
    assert [r["language"] for r in rows] == ["en", "ru"]


def test_score_malformed_jsonl(tmp_path: Path, model_file: Path) -> None:
    inp = tmp_path / "in.jsonl"
    good = json.dumps({"text": "Western sanctions cut oil exports and trade through the pipeline, officials said."})
    inp.write_text(f"{good}\n{good}\n{{'text': 'single quotes'}}\n", encoding="utf-8")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = invoke(
        "score", inp, "--model", model_file, "--out", out_dir / "s.jsonl", "--passages", out_dir / "p.jsonl"
    )
    assert_one_line_error(result, f"{inp}:3: malformed JSON")
    assert files(out_dir) == []


def test_score_missing_model(tmp_path: Path, articles_dir: Path) -> None:
    model = tmp_path / "missing.joblib"
    out = tmp_path / "s.jsonl"
    result = invoke("score", articles_dir, "--model", model, "--out", out)
    assert_one_line_error(result, f"{model}: no such model file")
    assert not out.exists()


def test_score_output_exists_without_force(tmp_path: Path, model_file: Path, articles_dir: Path) -> None:
    out = tmp_path / "s.jsonl"
    out.write_text("old\n", encoding="utf-8")
    result = invoke("score", articles_dir, "--model", model_file, "--out", out)
    assert_one_line_error(result, f"{out}: already exists; pass --force")
    assert out.read_text(encoding="utf-8") == "old\n"
    result = invoke("score", articles_dir, "--model", model_file, "--out", out, "--force")
    assert result.exit_code == 0, result.output
    assert len(read_jsonl(out)) == 8


def test_score_output_folder_missing(tmp_path: Path, model_file: Path, articles_dir: Path) -> None:
    out = tmp_path / "nowhere" / "s.jsonl"
    result = invoke("score", articles_dir, "--model", model_file, "--out", out)
    assert_one_line_error(result, f"{out}: folder")
    assert not out.parent.exists()


def test_score_missing_input(tmp_path: Path, model_file: Path) -> None:
    result = invoke("score", tmp_path / "nothing.txt", "--model", model_file, "--out", tmp_path / "s.jsonl")
    assert_one_line_error(result, f"{tmp_path / 'nothing.txt'}: no such file or folder")
    assert files(tmp_path) == []


def test_evaluate_model_with_json(tmp_path: Path, model_file: Path, labels_file: Path) -> None:
    json_out = tmp_path / "eval.json"
    result = invoke("evaluate", labels_file, "--model", model_file, "--json", json_out)
    assert result.exit_code == 0, result.output
    report = json.loads(json_out.read_text(encoding="utf-8"))
    assert report["method"] == "held-out"
    assert report["n"] == 24
    assert set(report["per_frame"]) == set(FRAMES)
    stdout = strip_ansi(result.stdout)
    for word in ("micro", "macro", *FRAMES):
        assert word in stdout
    assert report["unknown_frames"] == {} and "warning" not in strip_ansi(result.stderr)
    # --json refuses to overwrite without --force.
    result = invoke("evaluate", labels_file, "--model", model_file, "--json", json_out)
    assert_one_line_error(result, f"{json_out}: already exists")


def test_evaluate_model_names_label_frames_it_does_not_score(
    tmp_path: Path, model_file: Path, labels_file: Path
) -> None:
    records = read_jsonl(labels_file)
    records[0]["frames"] = [*records[0]["frames"], "energy"]
    records[1]["frames"] = ["energy"]
    held_out = write_jsonl(tmp_path / "held.jsonl", records)
    result = invoke("evaluate", held_out, "--model", model_file, "--json", tmp_path / "e.json")
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "e.json").read_text(encoding="utf-8"))["unknown_frames"] == {"energy": 2}
    err = " ".join(strip_ansi(result.stderr).split())
    assert err == f"warning: frames in the labels that {model_file} does not score, left out: energy (2 passages)"


def test_evaluate_cv(tmp_path: Path, labels_file: Path, codebook_file: Path) -> None:
    json_out = tmp_path / "cv.json"
    result = invoke("evaluate", labels_file, "--cv", "3", "--codebook", codebook_file, "--json", json_out)
    assert result.exit_code == 0, result.output
    report = json.loads(json_out.read_text(encoding="utf-8"))
    assert report["method"] == "3-fold grouped by article"
    assert {f: m["support"] for f, m in report["per_frame"].items()} == {"economy": 8, "security": 8, "identity": 6}


@pytest.mark.parametrize("extra", [[], ["--model", "m.joblib", "--cv", "3"]])
def test_evaluate_needs_exactly_one_of_model_and_cv(labels_file: Path, extra: list[str]) -> None:
    result = invoke("evaluate", labels_file, *extra)
    assert result.exit_code == 2
    assert "exactly one of --model or --cv" in strip_ansi(result.output)
    assert "Traceback" not in result.output


def test_evaluate_bad_cv_value(labels_file: Path) -> None:
    result = invoke("evaluate", labels_file, "--cv", "three")
    assert result.exit_code == 2
    assert "--cv takes a number of folds or 'article'" in " ".join(strip_ansi(result.output).split())


@pytest.mark.parametrize("folds", ["0", "1", "-2"])
def test_evaluate_too_few_folds(labels_file: Path, folds: str) -> None:
    result = invoke("evaluate", labels_file, "--cv", folds)
    assert_one_line_error(result, f"--cv takes 2 or more folds (or 'article'), not {folds}")


def test_evaluate_missing_model(tmp_path: Path, labels_file: Path) -> None:
    model = tmp_path / "nope.joblib"
    result = invoke("evaluate", labels_file, "--model", model)
    assert_one_line_error(result, f"{model}: no such model file")


def test_long_paths_stay_on_one_line(tmp_path: Path, model_file: Path) -> None:
    # rich must not wrap a long message at the terminal width.
    deep = tmp_path / ("a-rather-long-folder-name-" * 6) / "input.jsonl"
    deep.parent.mkdir()
    deep.write_text("{broken\n", encoding="utf-8")
    result = invoke("score", deep, "--model", model_file, "--out", tmp_path / "s.jsonl")
    message = assert_one_line_error(result, f"{deep}:1: malformed JSON")
    assert re.search(r"column \d+\)$", message)


def test_a_lone_surrogate_escape_is_an_error_naming_its_line(tmp_path: Path, model_file: Path) -> None:
    # JSON can escape half of a surrogate pair ("\ud800"); that is no character and cannot be
    # scored or written as UTF-8. A whole pair (an emoji) is a character and scores.
    text = "Kazakhstan said on Friday it would not help Russia evade the sanctions over the war in Ukraine"
    good = json.dumps({"id": "ok", "text": text + " \U0001f600."})
    bad = json.dumps({"id": "x", "text": text + " \ud800."})
    assert "\\ud83d\\ude00" in good and "\\ud800" in bad
    path = tmp_path / "in.jsonl"
    path.write_text(f"{good}\n{bad}\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    message = assert_one_line_error(invoke("score", path, "--model", model_file, "--out", out), f"{path}:2: ")
    assert "surrogate" in message and not out.exists()
    result = invoke("score", "-", "--model", model_file, "--out", out, input=f"{good}\n{bad}\n")
    assert "<stdin>:2: " in assert_one_line_error(result, "<stdin>:2: ")
    result = invoke("score", path, "--model", model_file, "--out", out, "--skip-bad")
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in read_jsonl(out)] == ["ok"]


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [("--dedupe-window", "0", "--dedupe-window must be at least 1, not 0"), ("--show", "-1", "--show must be 0")],
)
def test_score_option_out_of_range_is_a_one_line_error(
    tmp_path: Path, model_file: Path, articles_dir: Path, option: str, value: str, message: str
) -> None:
    out = tmp_path / "s.jsonl"
    result = invoke("score", articles_dir, "--model", model_file, "--out", out, option, value)
    assert_one_line_error(result, message)
    assert files(tmp_path) == ["articles"]  # no output, not even a temporary file


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="needs /dev/null")
def test_score_writes_to_a_device(model_file: Path, articles_dir: Path) -> None:
    # README: "Devices such as /dev/null are written directly" (no suffix to choose a format by).
    result = invoke("score", articles_dir, "--model", model_file, "--out", "/dev/null", "--passages", "/dev/null")
    assert result.exit_code == 1  # the same file twice is still refused
    result = invoke("score", articles_dir, "--model", model_file, "--out", "/dev/null")
    assert result.exit_code == 0, result.output
    assert "scored 8 articles" in strip_ansi(result.output)
    assert Path("/dev/null").is_char_device()


def test_train_refuses_a_model_name_that_could_be_a_label_file(
    tmp_path: Path, labels_file: Path, codebook_file: Path
) -> None:
    before = labels_file.read_bytes(), codebook_file.read_bytes()
    for target in (labels_file, codebook_file):
        result = invoke("train", labels_file, "--codebook", codebook_file, "--out", target, "--force")
        assert_one_line_error(result, f"{target}: a model file's name must end in .joblib")
    assert (labels_file.read_bytes(), codebook_file.read_bytes()) == before
    assert not list(tmp_path.glob("*.card.json")) and not list(tmp_path.glob("*.bak"))


@pytest.mark.parametrize("command", ["explain", "inspect"])
def test_a_negative_top_is_refused(tmp_path: Path, model_file: Path, command: str) -> None:
    text = write_jsonl(tmp_path / "a.jsonl", [{"id": "a", "text": "Astana keeps hedging between Moscow, Beijing "
                                               "and Brussels while sanctions bite into its trade with Russia."}])
    args = [command, text, "--model", model_file] if command == "explain" else [command, model_file]
    assert invoke(*args, "--top", "1").exit_code == 0
    result = invoke(*args, "--top", "-1")
    assert result.exit_code == 2
    assert "--top" in strip_ansi(result.output) and "Traceback" not in result.output
