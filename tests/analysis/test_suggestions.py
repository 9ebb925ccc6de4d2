"""framing suggest: uncertainty sampling with a diversity rule, excluding what is labelled."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from framing.analysis.suggestions import suggest, uncertainty
from framing.cli import app
from framing.inputs.passages import split_passages
from framing.labels.store import text_key
from framing.model.files import save_model
from framing.model.frame_model import FrameModel

from ..conftest import article_texts, read_jsonl, strip_ansi, write_jsonl

WIRE = "Astana (Reuters) - "
DATELINES = [WIRE, "ALMATY, March 3 (AP) - ", "Moscow (Interfax) - "]


def _articles(tmp_path: Path, *, copies: int = 0) -> Path:
    """The corpus's eight articles, plus wire copies of a3 and a7 (each with its own dateline per paragraph)."""
    records = [{"id": a, "text": t, "outlet": f"Outlet {a}"} for a, t in article_texts().items()]
    for k in range(copies):
        for a in ("a3", "a7"):
            text = "\n\n".join(f"{DATELINES[k]}{p}" for p in article_texts()[a].split("\n\n"))
            records.append({"id": f"{a}-copy{k}", "text": text, "outlet": f"Site {k}"})
    return write_jsonl(tmp_path / "articles.jsonl", records)


def test_uncertainty_is_the_nearest_threshold_on_the_logit_scale() -> None:
    proba = np.array([[0.9, 0.45, 0.2], [0.5, 0.5, 0.99]])
    thresholds = np.array([0.5, 0.5, 0.3])
    u, nearest = uncertainty(proba, thresholds)
    logit = lambda p: np.log(p / (1 - p))  # noqa: E731
    assert u[0] == pytest.approx(abs(logit(0.45) - logit(0.5)))
    assert list(nearest) == [1, 0]
    assert u[1] == pytest.approx(0.0)
    # 0.99 vs 0.94 is further than 0.50 vs 0.45 on the logit scale, though both differ by 0.05.
    far, _ = uncertainty(np.array([[0.99]]), np.array([0.94]))
    near, _ = uncertainty(np.array([[0.50]]), np.array([0.45]))
    assert far[0] > near[0]


def test_suggest_least_certain_first_and_excludes_labelled(tmp_path: Path, model: FrameModel, labels_file: Path,
                                                           passages: list) -> None:
    labelled = write_jsonl(tmp_path / "labelled.jsonl", [
        {"id": p.id, "text": p.text.upper(), "frames": list(p.frames)} for p in passages if p.source in ("a1", "a5")
    ])
    out = tmp_path / "queue.jsonl"
    summary = suggest([_articles(tmp_path)], model=model, n=5, out=out, labels=[labelled])
    queue = read_jsonl(out)
    assert len(queue) == 5 == len(summary.queue)
    assert [r["rank"] for r in queue] == [1, 2, 3, 4, 5]
    assert summary.labelled == 6  # a1's and a5's passages, matched despite the case change
    assert not {r["article_id"] for r in queue} & {"a1", "a5"}
    u = [r["uncertainty"] for r in queue]
    assert u == sorted(u)
    # The first is the least certain of every passage that could be chosen.
    eligible = [t for a, text in article_texts().items() if a not in ("a1", "a5") for t in split_passages(text)]
    all_u, _ = uncertainty(model.predict_proba(eligible), model.thresholds)
    assert queue[0]["uncertainty"] == pytest.approx(all_u.min(), abs=1e-4)
    first = queue[0]
    assert first["text"] in eligible and first["source"] == first["article_id"]
    assert first["outlet"].startswith("Outlet") and set(first["scores"]) == set(model.frames)
    assert first["nearest_frame"] in model.frames


def test_suggest_takes_one_copy_of_a_wire_story(tmp_path: Path, model: FrameModel) -> None:
    out = tmp_path / "queue.jsonl"
    summary = suggest([_articles(tmp_path, copies=3)], model=model, n=30, out=out, labels=[])
    queue = read_jsonl(out)
    assert summary.passages == 24 + 3 * 6  # every copy is a distinct text: none is an exact repeat
    stories = [text_key(_undated(r["text"])) for r in queue]
    assert len(stories) == len(set(stories))  # never the same paragraph twice, however it is dated
    assert len(queue) <= 24 and summary.similar >= 18  # all 18 copied paragraphs were turned away
    # With a lower similarity limit, passages on the same topic give way too.
    strict = suggest([_articles(tmp_path, copies=3)], model=model, n=30, out=tmp_path / "q2.jsonl", labels=[],
                     max_similarity=0.2)
    assert len(strict.queue) < len(queue)


def _undated(text: str) -> str:
    for dateline in DATELINES:
        text = text.removeprefix(dateline)
    return text


def test_suggest_defaults_to_the_models_training_labels(tmp_path: Path, model: FrameModel, labels_file: Path) -> None:
    model_path = tmp_path / "m.joblib"
    save_model(copy.deepcopy(model), model_path, extra_card={"labels": [{"path": str(labels_file), "sha256": "-"}]})
    summary = suggest([_articles(tmp_path, copies=1)], model=model_path, n=10, out=tmp_path / "q.jsonl")
    assert summary.labelled == 24
    assert all(r["text"].startswith(WIRE) for r in summary.queue)  # only the unlabelled wire copies remain


def test_cli_suggest(tmp_path: Path, model_file: Path) -> None:
    out = tmp_path / "queue.jsonl"
    args = ["suggest", str(_articles(tmp_path)), "--model", str(model_file), "-n", "3", "--out", str(out)]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "queued 3 of 24 passages from 8 articles" in strip_ansi(result.output)
    assert len(read_jsonl(out)) == 3
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1 and "already exists; pass --force" in strip_ansi(result.stderr)
    result = CliRunner().invoke(app, [*args, "--force", "-n", "0"])
    assert result.exit_code == 1 and "-n must be at least 1" in strip_ansi(result.stderr)


def test_suggest_finds_the_cards_labels_from_another_folder(
    tmp_path: Path, labels_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The card records label paths as given to 'framing train' (relative to where it ran);
    # from another folder they are found through the model's folder instead.
    project = tmp_path / "project"
    (project / "labels").mkdir(parents=True)
    (project / "models").mkdir()
    (project / "labels" / "l.jsonl").write_bytes(labels_file.read_bytes())
    monkeypatch.chdir(project)
    result = CliRunner().invoke(app, ["train", "labels/l.jsonl", "--out", "models/m.joblib"])
    assert result.exit_code == 0, result.output
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    articles = _articles(tmp_path, copies=1)
    summary = suggest([articles], model=project / "models" / "m.joblib", n=10, out=elsewhere / "q.jsonl")
    assert summary.labelled == 24 and summary.missing_labels == []
    # Moved away from both places: not found, and said so.
    (project / "labels" / "l.jsonl").rename(tmp_path / "l.jsonl")
    args = ["suggest", str(articles), "--model", str(project / "models" / "m.joblib"), "-n", "3",
            "--out", str(elsewhere / "q2.jsonl")]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "warning: the model's label files not found from here: labels/l.jsonl" in strip_ansi(result.stderr)
    assert "0 already labelled" in strip_ansi(result.stdout)


def test_suggest_refuses_labels_that_do_not_exist(tmp_path: Path, model_file: Path) -> None:
    missing = tmp_path / "typo.jsonl"
    args = ["suggest", str(_articles(tmp_path)), "--model", str(model_file), "--out", str(tmp_path / "q.jsonl"),
            "--labels", str(missing)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    assert strip_ansi(result.stderr).strip() == f"error: {missing}: no such label file or folder (given with --labels)"
    assert not (tmp_path / "q.jsonl").exists()
