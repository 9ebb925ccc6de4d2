"""Each part of the real-coverage recipe taken out in turn, measured on every real data set.

Trains the default model (labels/, the codebook) with one change, scores the realdev excerpts
and the off-topic SemEval articles with ``scripts/bench_real.py``, and scores each seed article
whole with a model trained without its passages (article-level F1 against the union of its
passages' labels). The data are read where they lie, never copied.

Usage: python scripts/ablate_real.py VARIANT PATH/TO/realdev PATH/TO/semeval2023-st2 [--random-state N] [--json FILE]

Variants: final, no-relevance, max-rule (the best passage, the old rule), whole-article (no
sections), no-cues, cue-log (cue features as log(1 + matches)), relevance-C1 (C = 1, cut 0.5),
no-background, plus-labels (with ``--plus FILE``: more label files, e.g. rejected ones).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import bench_real

import framing._fast.scorer as fast_scorer
import framing.analysis.scoring as scoring
import framing.model.training as training
from framing import Article, ModelConfig, load_codebook, read_labels, save_model, score_articles, train
from framing.model.cues import CueLexicon, cues_from_codebook

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = (
    "final", "no-relevance", "max-rule", "whole-article", "no-cues", "cue-log", "relevance-C1", "no-background",
    "plus-labels",
)


def _patch(variant: str) -> None:
    """Swap in the variant's rule (this process only)."""
    if variant == "max-rule":  # one section per passage: the article takes its best passage
        scoring.section_starts = lambda words, **_: list(range(len(words)))  # type: ignore[assignment]
    elif variant == "whole-article":
        scoring.section_starts = lambda words, **_: [0]  # type: ignore[assignment]
    elif variant == "relevance-C1":
        training.RELEVANCE_C = 1.0
        scoring.RELEVANT = fast_scorer.RELEVANT = 0.5
    elif variant == "cue-log":
        init = CueLexicon.__init__

        def log_scale(self: CueLexicon, *, cues: tuple = (), scale: str = "log") -> None:
            init(self, cues=cues, scale="log")

        CueLexicon.__init__ = log_scale  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variant", choices=VARIANTS)
    parser.add_argument("realdev", type=Path)
    parser.add_argument("bench", type=Path)
    parser.add_argument("--plus", type=Path, action="append", default=[], help="label files added (plus-labels)")
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    _patch(args.variant)
    book = load_codebook(ROOT / "labels" / "codebook.toml")
    files = sorted((ROOT / "labels").glob("*.jsonl"))
    if args.variant == "no-background":
        files = [f for f in files if not f.name.startswith("background")]
    passages = read_labels([*files, *args.plus], codebook=book)
    config = ModelConfig(cues=None if args.variant == "no-cues" else cues_from_codebook(book))

    def trained(labels: list) -> object:
        model = train(labels, frames=book.ids, config=config, random_state=args.random_state)
        if args.variant == "no-relevance":
            model.relevance = None
        return model

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.joblib"
        save_model(trained(passages), path)
        out = Path(folder) / "real.json"
        bench_real.main([str(args.realdev), "--model", str(path), "--bench", str(args.bench), "--json", str(out)])
        result = json.loads(out.read_text(encoding="utf-8"))
    seeds = sorted({p.source for p in passages if (ROOT / "seeds" / f"{p.source}.txt").is_file()})
    hits = extra = missed = 0
    for seed in seeds:
        model = trained([p for p in passages if p.source != seed])
        text = (ROOT / "seeds" / f"{seed}.txt").read_text(encoding="utf-8")
        record, _ = next(score_articles([Article(seed, text)], model))
        gold = {f for p in passages if p.source == seed for f in p.frames}
        found = set(record["frames"])
        hits, extra, missed = hits + len(gold & found), extra + len(found - gold), missed + len(gold - found)
    result["variant"] = args.variant
    result["seeds_article_f1"] = round(2 * hits / max(2 * hits + extra + missed, 1), 3)
    result["seeds_article"] = {"found": hits, "extra": extra, "missed": missed}
    print(f"seeds, article level: F1 {result['seeds_article_f1']} ({hits} found, {extra} extra, {missed} missed)")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
