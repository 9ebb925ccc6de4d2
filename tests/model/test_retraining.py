"""The whole retraining loop on a small corpus, through the command line:
train, suggest, label (scripted), retrain, evaluate the new model against the old."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from framing.cli import app
from framing.labels.codebook import load_codebook
from framing.labels.store import read_labels
from framing.model.evaluation import evaluate_model
from framing.model.files import card_path, load_model

from ..conftest import CODEBOOK_TOML, CORPUS, FRAMES, article_texts, make_passages, read_jsonl, strip_ansi, write_jsonl

# Labelled from the start: six of the eight articles; a3 and a7 are new coverage to label.
START = {"a1", "a2", "a4", "a5", "a6", "a8"}

HELD_OUT = [
    ("en", "New sanctions on oil and metal exports squeezed trade, and the currency slid again this week.",
     ["economy"]),
    ("en", "Soldiers and tanks of the alliance moved toward the border as the army raised its readiness.",
     ["security"]),
    ("en", "The debate over the Russian language and Soviet monuments reopened questions of national identity.",
     ["identity"]),
    ("en", "The city marathon drew thousands of runners on a sunny Sunday morning in the capital.", []),
    ("ru", "Новые санкции против нефти и металлов сократили торговлю, а валюта снова упала.", ["economy"]),
    ("ru", "Солдаты и танки союза двинулись к границе, а армия повысила готовность.", ["security"]),
    ("ru", "Спор о русском языке и советских памятниках вновь поднял вопрос национальной идентичности.",
     ["identity"]),
    ("ru", "Городской марафон собрал тысячи бегунов солнечным воскресным утром.", []),
]


def invoke(*args: object, input: str | None = None):
    result = CliRunner().invoke(app, [str(a) for a in args], input=input, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return strip_ansi(result.output)


def answers_for(queue: list[dict], frames: list[str]) -> str:
    """The keys a coder types: toggle where the model's guess differs from the truth, then enter."""
    truth = {text: set(f) for _, _, text, f in CORPUS}
    lines = []
    for item in queue:
        wrong = set(item["frames"]) ^ truth[item["text"]]
        if wrong:
            lines.append("".join(str(frames.index(f) + 1) for f in sorted(wrong, key=frames.index)))
        lines.append("")
    return "\n".join(lines) + "\n"


def test_train_suggest_label_retrain_evaluate_against(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    labels = Path("labels")
    labels.mkdir()
    (labels / "codebook.toml").write_text(CODEBOOK_TOML, encoding="utf-8")
    write_jsonl(labels / "start.jsonl", [
        {"id": p.id, "text": p.text, "frames": list(p.frames), "language": p.language, "source": p.source}
        for p in make_passages() if p.source in START
    ])
    texts = article_texts()
    write_jsonl(Path("incoming.jsonl"), [{"id": a, "text": texts[a], "outlet": "Wire"} for a in ("a3", "a1", "a7")])
    held_out = write_jsonl(Path("held-out.jsonl"), [
        {"id": f"h{i}", "text": t, "frames": f, "language": lang, "source": f"h{i}"}
        for i, (lang, t, f) in enumerate(HELD_OUT)
    ])

    # 1. Train the first model.
    invoke("train", labels, "--codebook", labels / "codebook.toml", "--out", "v1.joblib")

    # 2. Suggest what to label next; a1 is labelled already (the model's card knows its labels).
    out = invoke("suggest", "incoming.jsonl", "--model", "v1.joblib", "-n", "6", "--out", "queue.jsonl")
    queue = read_jsonl(Path("queue.jsonl"))
    assert "3 already labelled" in out
    assert {r["article_id"] for r in queue} <= {"a3", "a7"} and len(queue) == 6
    assert [r["uncertainty"] for r in queue] == sorted(r["uncertainty"] for r in queue)

    # 3. Label the queue in the terminal, scripted, with a quit and a restart in the middle.
    script = answers_for(queue, list(FRAMES))
    first, rest = script.split("\n\n", 1)[0] + "\n\n", script.split("\n\n", 1)[1]
    invoke("label", "queue.jsonl", "--into", labels / "new.jsonl", input=first + "q\n")
    assert len(read_jsonl(labels / "new.jsonl")) == 1
    out = invoke("label", "queue.jsonl", "--into", labels / "new.jsonl", input=rest)
    assert "0 of 6 to go" in out
    answered = read_jsonl(labels / "new.jsonl")
    truth = {text: f for _, _, text, f in CORPUS}
    assert [r["id"] for r in answered] == [r["id"] for r in queue]
    assert all(sorted(r["frames"]) == sorted(truth[r["text"]]) for r in answered)
    assert all(r["codebook_version"] == 2 and r["source"] in ("a3", "a7") for r in answered)

    # 4. Retrain on everything; the old model is kept and recorded as the parent.
    invoke("train", labels, "--codebook", labels / "codebook.toml", "--out", "v2.joblib", "--parent", "v1.joblib")
    card1 = json.loads(card_path("v1.joblib").read_text(encoding="utf-8"))
    card2 = json.loads(card_path("v2.joblib").read_text(encoding="utf-8"))
    assert card2["parent"]["model_sha256"] == card1["model_sha256"]
    assert card2["parent"]["labels_sha256"] == card1["labels_sha256"] != card2["labels_sha256"]
    assert card2["label_counts"]["passages"] == 18 + 6 == card1["label_counts"]["passages"] + 6
    assert {Path(e["path"]).name for e in card2["labels"]} == {"new.jsonl", "start.jsonl"}

    # 5. New against old on the same held-out passages: both sets of figures side by side.
    out = invoke("evaluate", held_out, "--model", "v2.joblib", "--against", "v1.joblib", "--json", "cmp.json")
    report = json.loads(Path("cmp.json").read_text(encoding="utf-8"))
    book = load_codebook(labels / "codebook.toml")
    passages = read_labels([held_out], codebook=book)
    new, old = evaluate_model(load_model("v2.joblib"), passages), evaluate_model(load_model("v1.joblib"), passages)
    for frame in FRAMES:
        row = report["frames"][frame]
        assert (row["old"], row["new"]) == (old["per_frame"][frame]["f1"], new["per_frame"][frame]["f1"])
        line = next(x for x in out.splitlines() if x.strip(" │┃").startswith(frame))
        assert f"{row['old']:.3f}" in line and f"{row['new']:.3f}" in line and f"{row['diff']:+.3f}" in line
        low, high = row["ci"]
        assert -1 <= low <= high <= 1
    assert "paired bootstrap over 8 articles, 2000 resamples" in out
