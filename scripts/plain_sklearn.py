"""The plain scikit-learn script a user would otherwise write: the baseline of ``make bench``.

TF-IDF (scikit-learn's defaults) + one-vs-rest logistic regression, ``predict_proba`` on the raw
article texts. No passages, calibration, thresholds or input checks: it is the yardstick
``framing score`` is timed against (see scripts/bench_speed.py), not a model to use.

Usage:
  python scripts/plain_sklearn.py train LABELS... --out MODEL.joblib
  python scripts/plain_sklearn.py score CORPUS.jsonl --model MODEL.joblib --out SCORES.jsonl [--chunk 256]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

import joblib
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import MultiLabelBinarizer


def _label_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.jsonl")) if path.is_dir() else [path])
    return files


def train(args: argparse.Namespace) -> int:
    """Fit the vectoriser, the binariser and the classifier on labelled passages and dump them."""
    texts: list[str] = []
    frames: list[list[str]] = []
    for file in _label_files(args.labels):
        with file.open(encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    record = json.loads(line)
                    texts.append(record["text"])
                    frames.append(record["frames"])
    binarizer = MultiLabelBinarizer()
    y = binarizer.fit_transform(frames)
    vectorizer = TfidfVectorizer()
    classifier = OneVsRestClassifier(LogisticRegression()).fit(vectorizer.fit_transform(texts), y)
    joblib.dump({"vectorizer": vectorizer, "classifier": classifier, "frames": list(binarizer.classes_)}, args.out)
    print(f"trained on {len(texts)} passages, {len(binarizer.classes_)} frames: {args.out}", file=sys.stderr)
    return 0


def score(args: argparse.Namespace) -> int:
    """Score a JSONL corpus (``id``, ``text``) chunk by chunk, writing ``id`` and ``scores`` per line."""
    model = joblib.load(args.model)
    vectorizer, classifier, frames = model["vectorizer"], model["classifier"], model["frames"]
    count = 0
    with args.corpus.open(encoding="utf-8") as lines, args.out.open("w", encoding="utf-8") as out:
        while chunk := [json.loads(line) for line in itertools.islice(lines, args.chunk)]:
            probabilities = classifier.predict_proba(vectorizer.transform([r["text"] for r in chunk]))
            for record, row in zip(chunk, probabilities):
                scores = dict(zip(frames, row.round(4).tolist()))
                out.write(json.dumps({"id": record["id"], "scores": scores}, ensure_ascii=False) + "\n")
            count += len(chunk)
    print(f"scored {count} articles: {args.out}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    fit = commands.add_parser("train", help="fit on labelled passages (JSONL files or folders of them)")
    fit.add_argument("labels", type=Path, nargs="+")
    fit.add_argument("--out", type=Path, required=True, help="model file to write (joblib)")
    fit.set_defaults(run=train)
    apply = commands.add_parser("score", help="score a JSONL corpus with id and text fields")
    apply.add_argument("corpus", type=Path)
    apply.add_argument("--model", type=Path, required=True)
    apply.add_argument("--out", type=Path, required=True, help="JSONL to write: id and scores per article")
    apply.add_argument("--chunk", type=int, default=256, help="articles read and scored at a time (default 256)")
    apply.set_defaults(run=score)
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
