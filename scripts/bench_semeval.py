"""Accuracy benchmark on SemEval-2023 Task 3 subtask 2 (English and Russian).

The data is under a research licence: it is read from where it lies and never
copied into the project. Runs exactly what ``framing evaluate FILE --cv 5`` runs.

Usage: python scripts/bench_semeval.py PATH/TO/semeval2023-st2 [--folds 5] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from framing import cross_validate, read_labels


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="folder holding en-train.jsonl and ru-train.jsonl")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--languages", default="en,ru")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    results = {}
    for lang in args.languages.split(","):
        path = args.path / f"{lang}-train.jsonl"
        if not path.is_file():
            print(f"error: {path}: not found (pass the folder of the SemEval data)", file=sys.stderr)
            return 1
        start = time.perf_counter()
        report = cross_validate(read_labels([path]), folds=args.folds, random_state=args.random_state)
        seconds = time.perf_counter() - start
        results[lang] = {
            "command": f"framing evaluate {path} --cv {args.folds}",
            "n": report["n"],
            "micro_f1": round(report["micro"]["f1"], 4),
            "macro_f1": round(report["macro"]["f1"], 4),
            "seconds": round(seconds, 1),
        }
        print(
            f"{lang}: {report['n']} articles, {args.folds}-fold CV micro-F1 {report['micro']['f1']:.3f} "
            f"macro-F1 {report['macro']['f1']:.3f} ({seconds:.0f} s)",
            flush=True,
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
