"""The validation sample (framing.analysis.sampling): random within groups, blind to scores,
reproducible, written atomically."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from framing.analysis.sampling import SheetRow, allocate, draw_sample, write_sheet
from framing.core.errors import FramingError, OutputError, ValidationError


def _articles(rng: np.random.Generator, sizes: dict[str, int]) -> list[dict]:
    out = []
    for group, size in sizes.items():
        for i in range(size):
            out.append({"id": f"{group}{i:03d}", "group": group, "scores": {"econ": float(rng.random())},
                        "frames": []})
    return out


def test_n_per_group_and_the_sampling_frame():
    arts = _articles(np.random.default_rng(0), {"en": 50, "ru": 8})
    rows = draw_sample(articles=arts, by="group", n=10, seed=4)
    by_group = {g: [r for r in rows if r.group == g] for g in ("en", "ru")}
    assert len(by_group["en"]) == 10 and len(by_group["ru"]) == 8  # all of a smaller group
    assert {r.frame_size for r in by_group["en"]} == {50} and {r.frame_size for r in by_group["ru"]} == {8}
    assert len({r.id for r in rows}) == len(rows)
    assert all(r.seed == 4 for r in rows)


def test_never_chooses_by_score():
    rng = np.random.default_rng(1)
    arts = _articles(rng, {"en": 40, "ru": 40})
    changed = [{**a, "scores": {"econ": 1.0 - a["scores"]["econ"]}, "frames": ["econ"]} for a in arts]
    assert draw_sample(articles=arts, by="group", n=7, seed=9) == draw_sample(articles=changed, by="group", n=7, seed=9)
    assert draw_sample(articles=arts, by="group", n=7, seed=9) != draw_sample(articles=arts, by="group", n=7, seed=10)


def test_every_article_equally_likely():
    """Over many seeds each of 20 articles is drawn about 5/20 of the time (binomial bounds, 4 SE)."""
    arts = _articles(np.random.default_rng(2), {"en": 20})
    seeds = 2000
    hits = np.zeros(20)
    for seed in range(seeds):
        for row in draw_sample(articles=arts, by="group", n=5, seed=seed):
            hits[int(row.id[2:])] += 1
    share = hits / seeds
    se = np.sqrt(0.25 * 0.75 / seeds)
    assert np.all(np.abs(share - 0.25) < 4 * se), share


def test_proportional_allocation_adds_up():
    assert allocate(sizes={"a": 70, "b": 20, "c": 10}, n=10, proportional=True) == {"a": 7, "b": 2, "c": 1}
    assert sum(allocate(sizes={"a": 5, "b": 5, "c": 5}, n=7, proportional=True).values()) == 7
    arts = _articles(np.random.default_rng(3), {"en": 90, "ru": 30})
    rows = draw_sample(articles=arts, by="group", n=20, seed=0, proportional=True)
    assert [r.group for r in rows].count("en") == 15 and [r.group for r in rows].count("ru") == 5


def test_passages_give_the_text_and_can_be_the_unit():
    arts = [{"id": "a", "group": "en"}, {"id": "b", "group": "ru"}]
    passages = [
        {"article_id": "a", "passage": 1, "text": "second"},
        {"article_id": "a", "passage": 0, "text": "first"},
        {"article_id": "b", "passage": 0, "text": "only"},
    ]
    rows = draw_sample(articles=arts, by="group", n=5, seed=0, passages=passages)
    assert [(r.id, r.text) for r in rows] == [("a", "first\n\nsecond"), ("b", "only")]
    rows = draw_sample(articles=arts, by="group", n=5, seed=0, passages=passages, unit="passage")
    assert [(r.id, r.article_id, r.passage, r.text, r.frame_size) for r in rows] == [
        ("a:0", "a", 0, "first", 2), ("a:1", "a", 1, "second", 2), ("b:0", "b", 0, "only", 1)
    ]


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"articles": [{"id": "a"}], "by": "group", "n": 1, "seed": 0}, "no 'group' field"),
        ({"articles": [{"id": "a", "group": "x"}], "by": "group", "n": 0, "seed": 0}, "at least 1"),
        ({"articles": [{"id": "a", "group": "x"}], "by": "group", "n": 1, "seed": 0, "unit": "passage"}, "passages"),
        ({"articles": [{"id": "a", "group": "x"}], "by": "group", "n": 1, "seed": 0, "unit": "word"}, "unit"),
    ],
)
def test_errors(kwargs, words):
    with pytest.raises(ValidationError) as info:
        draw_sample(**kwargs)
    assert isinstance(info.value, FramingError) and words in str(info.value) and "--" not in str(info.value)


def test_sheet_jsonl_and_csv(tmp_path):
    rows = [SheetRow(id="a1", group="en", seed=3, frame_size=6, text="Hé, \"quoted\"\nline"),
            SheetRow(id="b:0", group="ru", seed=3, frame_size=2, article_id="b", passage=0)]
    path = write_sheet(rows, tmp_path / "sheet.jsonl")
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert records[0] == {"id": "a1", "group": "en", "seed": 3, "frame_size": 6, "text": "Hé, \"quoted\"\nline",
                          "frames": None}
    assert records[1]["article_id"] == "b" and records[1]["passage"] == 0
    with pytest.raises(OutputError):
        write_sheet(rows, path)  # exists
    write_sheet(rows[:1], path, force=True)
    assert len(path.read_text(encoding="utf-8").splitlines()) == 1
    path = write_sheet(rows, tmp_path / "sheet.csv")
    with open(path, encoding="utf-8", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert table[0]["text"] == "Hé, \"quoted\"\nline" and table[0]["frames"] == "" and table[1]["passage"] == "0"
    with pytest.raises(OutputError):
        write_sheet(rows, tmp_path / "sheet.txt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sheet.csv", "sheet.jsonl"]  # no temporary left
