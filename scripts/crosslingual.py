"""Cross-lingual transfer: train on English labelled passages only, evaluate on the Russian ones.

Trains the same model twice, without and with the codebook's bilingual cue-lexicon
features (``ModelConfig(cues=...)``), and prints micro and macro F1 of each on the
Russian passages, which neither model saw.

Usage: python scripts/crosslingual.py [LABELS...] [--codebook labels/codebook.toml] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

from framing import read_labels
from framing.core.errors import FramingError
from framing.labels.codebook import load_codebook
from framing.model.config import ModelConfig
from framing.model.cues import cues_from_codebook
from framing.model.evaluation import evaluate_model
from framing.model.training import train


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels", nargs="*", type=Path, default=[Path("labels")], help="label files or folders")
    parser.add_argument("--codebook", type=Path, default=Path("labels/codebook.toml"))
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    try:
        book = load_codebook(args.codebook)
        passages = read_labels(args.labels, codebook=book)
        english = [p for p in passages if p.language == "en"]
        russian = [p for p in passages if p.language == "ru"]
        results = {}
        base = ModelConfig()
        for name, config in (("without cues", base), ("with cues", replace(base, cues=cues_from_codebook(book)))):
            start = time.perf_counter()
            model = train(english, frames=book.ids, config=config, random_state=args.random_state)
            report = evaluate_model(model, russian)
            seconds = time.perf_counter() - start
            results[name] = {
                "train_en": len(english),
                "test_ru": len(russian),
                "micro_f1": round(report["micro"]["f1"], 4),
                "macro_f1": round(report["macro"]["f1"], 4),
                "ece": round(report["calibration"]["overall"]["ece"], 4),
                "seconds": round(seconds, 1),
            }
            print(
                f"{name}: trained on {len(english)} English passages, tested on {len(russian)} Russian: "
                f"micro-F1 {report['micro']['f1']:.3f}, macro-F1 {report['macro']['f1']:.3f} ({seconds:.0f} s)",
                flush=True,
            )
    except FramingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
