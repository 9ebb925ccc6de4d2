"""framing sample, agree and validate through typer's CliRunner, on authored score files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from framing.cli import app
from framing.model.files import FORMATS, card_path

from ..conftest import strip_ansi, write_jsonl

runner = CliRunner()


def invoke(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def _scores(folder: Path) -> tuple[Path, Path, dict[str, set[str]]]:
    """60 articles in two groups, a classifier with more false positives on the 'en' side."""
    rng = np.random.default_rng(0)
    articles, passages, truth = [], [], {}
    for i in range(60):
        group = "en" if i < 30 else "ru"
        carries = bool(rng.random() < 0.4)
        decided = carries or (group == "en" and rng.random() < 0.5)
        key = f"{group}{i:02d}"
        truth[key] = {"econ"} if carries else set()
        articles.append({"id": key, "group": group, "scores": {"econ": 0.9 if decided else 0.1},
                         "frames": ["econ"] if decided else []})
        passages.append({"article_id": key, "passage": 0, "group": group, "text": f"text of {key}",
                         "scores": {"econ": 0.5}, "frames": []})
    scores, texts = folder / "scores.jsonl", folder / "passages.jsonl"
    write_jsonl(scores, articles)
    write_jsonl(texts, passages)
    return scores, texts, truth


def test_sample_writes_a_sheet(tmp_path):
    scores, texts, _ = _scores(tmp_path)
    sheet = tmp_path / "sheet.jsonl"
    result = invoke("sample", scores, texts, "--by", "group", "-n", "5", "--seed", "3", "--out", sheet)
    assert result.exit_code == 0, result.output
    assert "drew 10 articles by group (en 5 of 30, ru 5 of 30), seed 3" in strip_ansi(result.stdout)
    rows = [json.loads(line) for line in sheet.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 10 and all(r["text"] == f"text of {r['id']}" and r["frames"] is None for r in rows)
    again = invoke("sample", scores, texts, "--by", "group", "-n", "5", "--seed", "3", "--out", sheet)
    assert again.exit_code == 1 and "--force" in strip_ansi(again.stderr)
    bad = invoke("sample", scores, "--by", "outlet", "-n", "5", "--out", tmp_path / "s.csv")
    assert bad.exit_code == 1 and strip_ansi(bad.stderr).startswith("error: 60 of 60 articles have no 'outlet'")
    assert not (tmp_path / "s.csv").exists()


def test_agree_and_validate(tmp_path):
    scores, _, truth = _scores(tmp_path)
    coded = list(truth)[::2]  # every other article: 15 a group
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    write_jsonl(first, [{"id": k, "frames": sorted(truth[k]), "coder": "ann"} for k in coded])
    flipped = coded[0]
    write_jsonl(second, [{"id": k, "frames": sorted(truth[k] ^ ({"econ"} if k == flipped else set()))}
                         for k in coded])
    result = invoke("agree", first, second)
    assert result.exit_code == 0, result.output
    out = strip_ansi(result.stdout)
    assert "Agreement on 30 articles coded by both" in out and flipped in out and "29 of 30" in out
    result = invoke("validate", scores, "--gold", first, "--by", "group")
    assert result.exit_code == 0, result.output
    out = strip_ansi(result.stdout)
    assert "15/30" in out and "corrected" in out
    write_jsonl(second, [{"id": "zz", "frames": []}])
    result = invoke("validate", scores, "--gold", second)
    assert result.exit_code == 1
    assert strip_ansi(result.stderr).strip() == "error: 1 hand-coded articles were not scored: 'zz'"


def test_sample_plan_reads_the_card(tmp_path):
    scores, _, _ = _scores(tmp_path)
    model = tmp_path / "m.joblib"
    model.write_bytes(b"not read")
    card = {"format": FORMATS[-1], "cv_metrics": {"per_frame": {"econ": {"precision": 0.8, "recall": 0.9}}}}
    card_path(model).write_text(json.dumps(card), encoding="utf-8")
    result = invoke("sample", scores, "--by", "group", "--plan", "--model", model, "--width", "0.3")
    assert result.exit_code == 0, result.output
    out = strip_ansi(result.stdout)
    assert "for every frame: en" in out and "ru" in out
    assert not list(tmp_path.glob("*.csv"))
    result = invoke("sample", scores, "--by", "group", "--plan")
    assert result.exit_code == 2 and "--plan needs --model" in strip_ansi(result.output)
