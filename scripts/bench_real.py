"""Accuracy on real coverage: the realdev excerpts, and off-topic SemEval articles.

The data is other people's writing under research use: it is read from where it
lies and never copied into the project. Scores the excerpts as ``framing score``
does (the model file's scoring form, passages split the same way), then compares
the frame decisions with the adjudicated hand codes.

Reports, with 95% intervals from a bootstrap over excerpts (resampled within each
group, 2,000 draws, seed 0):
- on-topic micro-F1 (all, English, Russian), precision and recall;
- per frame, the Russian-language minus Western share of excerpts carrying it, by
  the tool and by the coders, the mean absolute difference of the two gaps over
  the frames, and the frames whose gap has the wrong sign where the coders' gap is
  10 points or more;
- the share of off-topic excerpts given any frame; with ``--bench``, the same for
  the SemEval training articles that mention none of the story's names.

Usage: python scripts/bench_real.py PATH/TO/realdev [--model M] [--bench PATH/TO/semeval2023-st2] [--json FILE]
Without ``--model`` it trains the default model from labels/ first (as ``make demo`` does).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from framing import Article, load_scorer, score_articles

ROOT = Path(__file__).resolve().parent.parent
# An article that matches none of these is off the story (Russia, Kazakhstan, Ukraine,
# sanctions, the Soviet past), in English or Russian.
STORY = re.compile(
    r"russ|kazakh|ukrain|sanction|soviet|ussr|moscow|kremlin|putin|astana|almaty|"
    r"росси|русск|казах|украин|санкц|советск|ссср|москв|кремл|путин|астан|алмат",
    re.IGNORECASE,
)


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def default_model(folder: Path) -> Path:
    """Train the default model from labels/ into ``folder`` as ``make demo`` does; return its path."""
    path = folder / "default.joblib"
    framing = Path(sys.executable).with_name("framing")
    command = [str(framing), "train", "labels/", "--codebook", "labels/codebook.toml", "--out", str(path)]
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return path


def decisions(scorer: Any, texts: list[str], frames: list[str]) -> np.ndarray:
    """Frame decisions for each text, as ``framing score`` makes them."""
    articles = [Article(f"a{i}", text) for i, text in enumerate(texts)]
    out = np.zeros((len(texts), len(frames)), dtype=bool)
    for i, (record, _) in enumerate(score_articles(articles, scorer)):
        out[i] = [f in record["frames"] for f in frames]
    return out


def _share_flagged(pred: np.ndarray) -> float | None:
    """The share of texts given any frame; None for no texts."""
    return round(float(pred.any(axis=1).mean()), 4) if len(pred) else None


def _f1(gold: np.ndarray, pred: np.ndarray) -> tuple[float, float, float]:
    tp = float((gold & pred).sum())
    fp = float((~gold & pred).sum())
    fn = float((gold & ~pred).sum())
    return 2 * tp / max(2 * tp + fp + fn, 1), tp / max(tp + fp, 1), tp / max(tp + fn, 1)


def figures(gold: np.ndarray, pred: np.ndarray, *, english: np.ndarray, western: np.ndarray) -> dict[str, Any]:
    """The on-topic figures of one draw (rows: on-topic excerpts)."""
    f1, precision, recall = _f1(gold, pred)
    gap_tool = (pred[~western].mean(axis=0) - pred[western].mean(axis=0)) * 100
    gap_coders = (gold[~western].mean(axis=0) - gold[western].mean(axis=0)) * 100
    return {
        "micro_f1": f1,
        "precision": precision,
        "recall": recall,
        "micro_f1_en": _f1(gold[english], pred[english])[0],
        "micro_f1_ru": _f1(gold[~english], pred[~english])[0],
        "gap_error": float(np.abs(gap_tool - gap_coders).mean()),
        "gap_tool": gap_tool,
        "gap_coders": gap_coders,
        "frames_per_excerpt": float(pred.sum(axis=1).mean()),
    }


def bootstrap(
    gold: np.ndarray, pred: np.ndarray, *, english: np.ndarray, western: np.ndarray, draws: int, random_state: int
) -> dict[str, tuple[float, float]]:
    """95% percentile intervals of the scalar figures, resampling excerpts within each group."""
    rng = np.random.default_rng(random_state)
    groups = [np.flatnonzero(western), np.flatnonzero(~western)]
    samples: dict[str, list[float]] = {}
    for _ in range(draws):
        rows = np.concatenate([rng.choice(g, size=g.size) for g in groups])
        for key, value in figures(gold[rows], pred[rows], english=english[rows], western=western[rows]).items():
            if isinstance(value, float):
                samples.setdefault(key, []).append(value)
    return {k: (float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))) for k, v in samples.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="folder holding excerpts.jsonl and labels.jsonl")
    parser.add_argument("--model", type=Path, help="model file (default: train one from labels/)")
    parser.add_argument(
        "--bench", type=Path, help="SemEval folder (en-train.jsonl, ru-train.jsonl) for off-topic articles"
    )
    parser.add_argument("--draws", type=int, default=2000, help="bootstrap draws")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    for name in ("excerpts.jsonl", "labels.jsonl"):
        if not (args.path / name).is_file():
            print(f"error: {args.path / name}: not found (pass the realdev folder)", file=sys.stderr)
            return 1
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        model_path = args.model or default_model(Path(folder))
        scorer = load_scorer(model_path)
        frames = list(scorer.frames)
        excerpts = _read_jsonl(args.path / "excerpts.jsonl")
        codes = {r["id"]: set(r["frames"]) for r in _read_jsonl(args.path / "labels.jsonl")}
        pred = decisions(scorer, [e["text"] for e in excerpts], frames)
        offtopic_articles = {}
        if args.bench:
            for lang in ("en", "ru"):
                rows = [r for r in _read_jsonl(args.bench / f"{lang}-train.jsonl") if not STORY.search(r["text"])]
                offtopic_articles[lang] = decisions(scorer, [r["text"] for r in rows], frames)
    gold = np.array([[f in codes[e["id"]] for f in frames] for e in excerpts], dtype=bool)
    on = np.array([e["topic"] == "on" for e in excerpts])
    english = np.array([e["language"] == "en" for e in excerpts])
    western = np.array([e["group"] == "western" for e in excerpts])
    point = figures(gold[on], pred[on], english=english[on], western=western[on])
    intervals = bootstrap(
        gold[on], pred[on], english=english[on], western=western[on], draws=args.draws, random_state=0
    )
    wrong_sign = [
        f
        for f, tool, coders in zip(frames, point["gap_tool"], point["gap_coders"])
        if abs(coders) >= 10 and np.sign(tool) != np.sign(coders)
    ]
    result: dict[str, Any] = {
        "command": "python scripts/bench_real.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "on_topic": {"n": int(on.sum()), "en": int((on & english).sum()), "ru": int((on & ~english).sum())},
        **{k: round(v, 4) for k, v in point.items() if isinstance(v, float)},
        "intervals": {k: [round(lo, 4), round(hi, 4)] for k, (lo, hi) in intervals.items()},
        "gaps": {
            f: {"tool": round(float(t), 1), "coders": round(float(c), 1)}
            for f, t, c in zip(frames, point["gap_tool"], point["gap_coders"])
        },
        "wrong_sign": wrong_sign,
        "off_topic_flagged": {
            lang: _share_flagged(pred[~on & (english if lang == "en" else ~english)]) for lang in ("en", "ru")
        },
        "semeval_off_topic_flagged": {
            lang: {"n": len(p), "flagged": _share_flagged(p)}
            for lang, p in offtopic_articles.items()
        },
        "seconds": round(time.perf_counter() - start, 1),
    }
    ci = result["intervals"]
    n = result["on_topic"]
    print(f"realdev on-topic: {n['n']} excerpts ({n['en']} en, {n['ru']} ru)")
    for key in ("micro_f1", "micro_f1_en", "micro_f1_ru", "precision", "recall", "gap_error", "frames_per_excerpt"):
        print(f"  {key:20s} {result[key]:7.3f}  [{ci[key][0]:.3f}, {ci[key][1]:.3f}]")
    print("  gap (russian-language - western, points): frame  tool  coders")
    for f, g in result["gaps"].items():
        print(f"    {f:24s} {g['tool']:+6.1f} {g['coders']:+6.1f}")
    print(f"  wrong sign (coders' gap >= 10 points): {', '.join(wrong_sign) or 'none'}")
    flagged = {k: "none" if v is None else f"{v:.2f}" for k, v in result["off_topic_flagged"].items()}
    print(f"realdev off-topic flagged: en {flagged['en']}, ru {flagged['ru']}")
    for lang, r in result["semeval_off_topic_flagged"].items():
        print(f"SemEval off-topic articles flagged ({lang}, n={r['n']}): {r['flagged']}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
