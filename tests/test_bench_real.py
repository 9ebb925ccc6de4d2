"""The real-coverage benchmark's figures (scripts/bench_real.py) on tiny, hand-made inputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .conftest import FRAMES, article_texts, load_script, write_jsonl

bench = load_script("bench_real")


def test_figures_by_hand() -> None:
    # Two Western and two Russian-language texts, two frames.
    gold = np.array([[1, 0], [1, 0], [0, 0], [0, 1]], dtype=bool)
    pred = np.array([[1, 1], [0, 0], [0, 0], [0, 1]], dtype=bool)
    western = np.array([True, True, False, False])
    english = western
    got = bench.figures(gold, pred, english=english, western=western)
    # tp 2, fp 1, fn 1: F1 = 4 / 6.
    assert got["micro_f1"] == 4 / 6 and got["precision"] == 2 / 3 and got["recall"] == 2 / 3
    # Gaps (Russian-language minus Western, points): tool [-50, 0], coders [-100, +50].
    assert got["gap_tool"].tolist() == [-50.0, 0.0] and got["gap_coders"].tolist() == [-100.0, 50.0]
    assert got["gap_error"] == 50.0
    assert got["frames_per_excerpt"] == 0.75


def test_bootstrap_intervals_hold_the_point_figure() -> None:
    rng = np.random.default_rng(0)
    gold = rng.random((40, 3)) < 0.3
    pred = gold ^ (rng.random((40, 3)) < 0.1)
    western = np.arange(40) < 20
    point = bench.figures(gold, pred, english=western, western=western)
    intervals = bench.bootstrap(gold, pred, english=western, western=western, draws=200, random_state=0)
    for key in ("micro_f1", "gap_error", "precision"):
        low, high = intervals[key]
        assert low <= point[key] <= high and low < high


def test_a_run_on_a_made_up_folder(tmp_path: Path, model_file: Path) -> None:
    texts = article_texts()
    folder = tmp_path / "realdev"
    folder.mkdir()
    excerpts, labels = [], []
    for i, (ident, text) in enumerate(sorted(texts.items())):
        group = "western" if i % 2 == 0 else "russian-language"
        language = "ru" if ident > "a4" else "en"
        excerpts.append({"id": ident, "text": text, "group": group, "language": language, "topic": "on"})
        labels.append({"id": ident, "frames": ["economy"] if "anction" in text or "анкци" in text else []})
    excerpts.append({"id": "off1", "text": "The football club won the cup on Saturday. " * 3, "group": "western",
                     "language": "en", "topic": "off"})
    labels.append({"id": "off1", "frames": []})
    write_jsonl(folder / "excerpts.jsonl", excerpts)
    write_jsonl(folder / "labels.jsonl", labels)
    out = tmp_path / "real.json"
    assert bench.main([str(folder), "--model", str(model_file), "--draws", "50", "--json", str(out)]) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["on_topic"] == {"n": len(texts), "en": 4, "ru": 4}
    assert set(result["gaps"]) == set(FRAMES)
    assert 0 <= result["micro_f1"] <= 1 and result["off_topic_flagged"]["en"] in (0.0, 1.0)
    assert result["off_topic_flagged"]["ru"] is None  # no Russian off-topic excerpt to count


def test_a_folder_without_the_files_is_an_error(tmp_path: Path, capsys) -> None:
    assert bench.main([str(tmp_path)]) == 1
    assert "excerpts.jsonl: not found" in capsys.readouterr().err
