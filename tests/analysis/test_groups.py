"""framing.analysis.groups: prevalence, bootstrap intervals, permutation tests, q-values,
distinctive words, evidence, periods; score files in and JSON/CSV out; the CLI.

The statistics are checked on hand-made records where the answer is known:
counts worked out by hand, planted frame rates (60% against 20% over 80
articles a group) whose difference the interval must cover, and null cases
(equal rates) that must not be called significant.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from framing.analysis.groups import (
    MIN_ARTICLES,
    ScoreData,
    _exact_permutation_p,
    _permutation_p,
    benjamini_hochberg,
    compare,
    drop_duplicates,
    period_of,
    read_scores,
)
from framing.cli import app
from framing.core.errors import InputError, OutputError
from framing.runs.comparing import compare_files

ROOT = Path(__file__).resolve().parent.parent.parent
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def plain(text: str) -> str:
    """Output without colour codes, with rich's line wrapping undone."""
    return re.sub(r"\s+", " ", _ANSI.sub("", text))


def article(ident: str, group: str, present: Sequence[str], frames: Sequence[str] = ("f",), **meta: Any) -> dict:
    """An article record as ``framing score`` writes it; present frames score 0.9, others 0.1."""
    return {
        "id": ident,
        "group": group,
        **meta,
        "language": meta.get("language", "en"),
        "passages": 1,
        "scores": {f: (0.9 if f in present else 0.1) for f in frames},
        "frames": [f for f in frames if f in present],
        "evidence": {},
    }


def planted(rates: dict[str, dict[str, float]], n: int, seed: int) -> list[dict]:
    """``n`` articles per group, each frame drawn present with its group's planted rate."""
    rng = np.random.default_rng(seed)
    frames = tuple(next(iter(rates.values())))
    out = []
    for group, by_frame in rates.items():
        draws = {f: rng.random(n) < rate for f, rate in by_frame.items()}
        for i in range(n):
            out.append(article(f"{group}{i}", group, [f for f in frames if draws[f][i]], frames))
    return out


def exact(counts: dict[str, tuple[int, int]]) -> list[dict]:
    """Articles with exactly ``present`` of ``n`` carrying frame ``f`` in each group."""
    return [
        article(f"{g}{i}", g, ["f"] if i < present else [])
        for g, (present, n) in counts.items()
        for i in range(n)
    ]


# --------------------------------------------------------------------------- prevalence by hand


def test_prevalence_and_difference_by_hand() -> None:
    records = [
        article("a1", "a", ["f"]),
        article("a2", "a", ["f"]),
        article("a3", "a", []),
        article("b1", "b", []),
        article("b2", "b", ["f"]),
    ]
    records[0]["scores"]["f"] = 0.8  # mean score of a: (0.8 + 0.9 + 0.1) / 3
    result = compare(records, by="group")
    a, b = result.stat("f", "a"), result.stat("f", "b")
    assert (a.n, a.present, a.articles) == (3, 2, 3)
    assert a.share == pytest.approx(2 / 3)
    assert a.mean_score == pytest.approx(0.6)
    assert (b.n, b.present) == (2, 1)
    assert b.share == pytest.approx(0.5)
    assert a.share_low <= a.share <= a.share_high
    c = result.contrast("f", "a")
    assert c.other == "b"
    assert c.diff == pytest.approx(2 / 3 - 1 / 2)
    assert c.mean_diff == pytest.approx(0.6 - 0.5)
    # b against a mirrors a against b.
    r = result.contrast("f", "b")
    assert (r.diff, r.low, r.high, r.p, r.q) == pytest.approx((-c.diff, -c.high, -c.low, c.p, c.q))
    assert result.groups == ["a", "b"]
    assert result.group_sizes == {"a": {"articles": 3, "units": 3}, "b": {"articles": 2, "units": 2}}


def test_a_group_of_one_has_a_wide_interval_and_no_verdict() -> None:
    records = exact({"a": (1, 1), "b": (2, 4)})
    result = compare(records, by="group")
    s = result.stat("f", "a")
    # Wilson's interval for 1 of 1 (the percentile bootstrap gave [1, 1]).
    assert s.share == s.share_high == 1.0 and s.share_low == pytest.approx(0.2065, abs=1e-4)
    assert s.too_few
    c = result.contrast("f", "a")
    assert c.verdict == "too few" and not c.significant
    assert c.diff == pytest.approx(0.5)  # the numbers are still there
    assert result.too_few
    assert any("Too few articles" in w and "'a' has 1 article" in w for w in result.warnings)


# --------------------------------------------------------------------------- planted truth


@pytest.mark.parametrize("seed", range(5))
def test_interval_covers_a_planted_difference(seed: int) -> None:
    records = planted({"a": {"f": 0.6, "g": 0.3}, "b": {"f": 0.2, "g": 0.3}}, 80, seed)
    result = compare(records, by="group", random_state=seed)
    c = result.contrast("f", "a")
    assert c.low <= 0.4 <= c.high, (c.low, c.high)
    assert c.verdict == "higher" and c.significant and c.q < 0.05
    assert result.contrast("f", "b").verdict == "lower"
    assert not result.too_few and not result.warnings


def test_interval_around_exact_planted_counts() -> None:
    result = compare(exact({"a": (48, 80), "b": (16, 80)}), by="group")
    c = result.contrast("f", "a")
    assert c.diff == pytest.approx(0.4)
    # The normal approximation's half-width is 1.96 * sqrt(.6*.4/80 + .2*.8/80) = 0.139.
    assert c.low == pytest.approx(0.4 - 0.139, abs=0.03)
    assert c.high == pytest.approx(0.4 + 0.139, abs=0.03)
    assert c.p < 1e-5


@pytest.mark.parametrize("seed", range(5))
def test_null_case_is_not_called_significant(seed: int) -> None:
    frames = {f"f{j}": 0.4 for j in range(10)}
    records = planted({"a": frames, "b": frames}, 80, 100 + seed)
    result = compare(records, by="group", random_state=seed)
    assert not any(c.significant for c in result.contrasts)
    assert {c.verdict for c in result.contrasts} == {"no clear difference"}


def test_coverage_and_false_positives_over_many_samples() -> None:
    """Over 40 planted samples the 95% interval covers the truth about 95% of the time,
    and a null difference is called about 5% of the time or less."""
    covered = called = 0
    for seed in range(40):
        c = compare(planted({"a": {"f": 0.6}, "b": {"f": 0.2}}, 80, seed), by="group",
                    random_state=seed).contrast("f", "a")
        covered += c.low <= 0.4 <= c.high
        n = compare(planted({"a": {"f": 0.3}, "b": {"f": 0.3}}, 80, 1000 + seed), by="group",
                    random_state=seed).contrast("f", "a")
        called += n.significant
    assert covered >= 35  # 95% expected; fewer than 35 of 40 has probability < 1%
    assert called <= 6


def test_seeded_results_repeat_and_seeds_matter() -> None:
    records = planted({"a": {"f": 0.5}, "b": {"f": 0.3}}, 30, 7)
    one = compare(records, by="group", random_state=3).contrast("f", "a")
    two = compare(records, by="group", random_state=3).contrast("f", "a")
    other = compare(records, by="group", random_state=4).contrast("f", "a")
    assert (one.low, one.high, one.mean_low) == (two.low, two.high, two.mean_low)
    # Share intervals and the test are exact formulas; the mean score's interval is still a bootstrap.
    assert (one.low, one.high) == (other.low, other.high)
    assert (one.mean_low, one.mean_high) != (other.mean_low, other.mean_high)


# --------------------------------------------------------------------------- the too-few rule


def test_no_verdict_below_min_articles_however_large_the_difference() -> None:
    few = compare(exact({"a": (MIN_ARTICLES - 1, MIN_ARTICLES - 1), "b": (0, 40)}), by="group")
    c = few.contrast("f", "a")
    assert c.verdict == "too few" and c.diff == 1.0 and c.p < 0.001  # the test alone would call it
    enough = compare(exact({"a": (MIN_ARTICLES, MIN_ARTICLES), "b": (0, MIN_ARTICLES)}), by="group")
    assert enough.contrast("f", "a").verdict == "higher"
    assert f"fewer than {MIN_ARTICLES} articles" in few.rule


def test_at_least_2000_resamples() -> None:
    with pytest.raises(InputError, match="at least 2000"):
        compare(exact({"a": (1, 3), "b": (1, 3)}), by="group", n_boot=500)


def test_min_articles_can_be_set() -> None:
    result = compare(exact({"a": (4, 5), "b": (0, 5)}), by="group", min_articles=3)
    assert result.contrast("f", "a").verdict != "too few"


# --------------------------------------------------------------------------- tests and corrections


def test_exact_permutation_p_equals_full_enumeration() -> None:
    K = np.array([[1, 0], [1, 1], [0, 0], [1, 0], [0, 1], [0, 0], [1, 1], [0, 0]], dtype=float)
    member = np.array([True, True, True, False, False, False, False, False])

    def diff(mask: np.ndarray) -> np.ndarray:
        return K[mask].mean(axis=0) - K[~mask].mean(axis=0)

    observed = np.abs(diff(member))
    arrangements = [np.isin(np.arange(8), combo) for combo in itertools.combinations(range(8), 3)]
    as_extreme = np.mean([np.abs(diff(m)) >= observed - 1e-12 for m in arrangements], axis=0)
    assert _exact_permutation_p(K, member) == pytest.approx(as_extreme)


def test_monte_carlo_permutation_agrees_with_the_exact_test() -> None:
    rng = np.random.default_rng(0)
    K = (rng.random((60, 3)) < [0.2, 0.5, 0.7]).astype(float)
    member = np.arange(60) < 25
    K[:25, 0] = rng.random(25) < 0.5  # a real difference in the first frame
    mc = _permutation_p(K, np.ones(60), member, 4000, np.random.default_rng(1))
    assert mc == pytest.approx(_exact_permutation_p(K, member), abs=0.02)


def test_benjamini_hochberg_by_hand() -> None:
    p = [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216]
    # q_i = min over j >= i of p_j * m / j (m = 10), capped at 1.
    expected = [0.01, 0.04, 0.084, 0.084, 0.084, 0.1, 0.10571, 0.216, 0.216, 0.216]
    assert benjamini_hochberg(p) == pytest.approx(expected, abs=1e-5)
    order = (3, 0, 9, 5, 1, 8, 2, 7, 4, 6)
    assert benjamini_hochberg([p[i] for i in order]) == pytest.approx([expected[i] for i in order], abs=1e-5)
    assert benjamini_hochberg([0.9, 0.95]).max() <= 1.0
    assert benjamini_hochberg([]).size == 0


def test_q_values_are_taken_across_frames() -> None:
    # Ten frames, one with a planted difference: its q is its p times at most 10.
    rates_a = {f"f{j}": 0.3 for j in range(10)} | {"f0": 0.7}
    rates_b = {f"f{j}": 0.3 for j in range(10)}
    result = compare(planted({"a": rates_a, "b": rates_b}, 80, 5), by="group")
    contrasts = [result.contrast(f"f{j}", "a") for j in range(10)]
    assert all(c.q >= c.p for c in contrasts)
    assert benjamini_hochberg([c.p for c in contrasts]) == pytest.approx([c.q for c in contrasts])
    assert contrasts[0].significant and not any(c.significant for c in contrasts[1:])


# --------------------------------------------------------------------------- more than two groups, passages


def test_each_group_against_the_rest() -> None:
    records = exact({"a": (30, 40), "b": (8, 40), "c": (10, 40)})
    result = compare(records, by="group")
    c = result.contrast("f", "a")
    assert c.other == "rest"
    assert c.diff == pytest.approx(30 / 40 - 18 / 80)
    assert c.verdict == "higher"
    assert result.contrast("f", "b").diff == pytest.approx(8 / 40 - 40 / 80)
    assert len(result.contrasts) == 3


def passage(
    aid: str, k: int, group: str, present: bool, text: str = "", score: float | None = None, **meta: Any
) -> dict:
    return {
        "article_id": aid,
        "passage": k,
        "group": group,
        **meta,
        "language": meta.get("language", "en"),
        "text": text or f"passage {k} of {aid}",
        "scores": {"f": score if score is not None else (0.9 if present else 0.1)},
        "frames": ["f"] if present else [],
    }


def test_passage_unit_counts_passages_and_resamples_articles() -> None:
    articles = [article("a1", "a", ["f"]), article("a2", "a", []), article("b1", "b", ["f"])]
    passages = [
        passage("a1", 0, "a", True), passage("a1", 1, "a", True), passage("a1", 2, "a", False),
        passage("a2", 0, "a", False),
        passage("b1", 0, "b", True), passage("b1", 1, "b", False),
    ]
    result = compare(articles, by="group", unit="passage", passages=passages)
    a = result.stat("f", "a")
    assert (a.n, a.articles, a.present) == (4, 2, 2)
    assert a.share == pytest.approx(0.5)
    # Two articles: the clustered Wilson interval (t on 1 degree of freedom) is nearly [0, 1].
    assert 0.0 <= a.share_low < 0.05 and 0.95 < a.share_high <= 1.0 and a.too_few
    b = result.stat("f", "b")
    # One article is one observation: the interval is Wilson's for 1 of 2 passages taken as 1 unit.
    assert b.share_low < 0.5 < b.share_high and b.too_few
    assert result.unit == "passage"
    assert "articles count, not passages" in result.rule


def test_passage_unit_needs_passages() -> None:
    with pytest.raises(InputError, match="passage"):
        compare([article("a", "a", [])], by="group", unit="passage")


def test_fewer_than_two_groups_is_an_error() -> None:
    with pytest.raises(InputError, match="fewer than two groups"):
        compare(exact({"a": (1, 3)}), by="group")


def test_missing_group_value_is_an_error() -> None:
    records = exact({"a": (1, 3), "b": (1, 3)})
    del records[2]["group"]
    with pytest.raises(InputError, match="'a2' has no 'group' value"):
        compare(records, by="group")


# --------------------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("value", "over", "expected"),
    [
        ("2022-06-09", "month", "2022-06"),
        ("2022-06", "month", "2022-06"),
        ("2022-06-09", "week", "2022-W23"),
        ("2023-01-01", "week", "2022-W52"),  # ISO weeks: 1 January 2023 is a Sunday of 2022's last week
        ("2022-06-09T10:00:00Z", "year", "2022"),
        ("2022", "year", "2022"),
    ],
)
def test_period_of(value: str, over: str, expected: str) -> None:
    assert period_of(value, over) == expected


@pytest.mark.parametrize(("value", "over"), [("2022-06", "week"), ("June 2022", "month"), ("2022-13", "month"),
                                              ("2022-02-30", "week"), ("2022", "month")])
def test_period_of_rejects(value: str, over: str) -> None:
    with pytest.raises(ValueError):
        period_of(value, over)


def test_over_month_gives_prevalence_per_period_and_group() -> None:
    records = []
    for i in range(6):
        records.append(article(f"a{i}", "a", ["f"] if i < 4 else [], date=f"2022-0{1 + i % 2}-15"))
        records.append(article(f"b{i}", "b", ["f"] if i < 1 else [], date="2022-01-03"))
    records.append(article("undated", "a", ["f"]))
    result = compare(records, by="group", over="month")
    cells = {(p.period, p.group): p for p in result.periods if p.frame == "f"}
    assert set(cells) == {("2022-01", "a"), ("2022-02", "a"), ("2022-01", "b")}
    jan_a = cells[("2022-01", "a")]  # a0, a2, a4: two carry f
    assert (jan_a.n, jan_a.present) == (3, 2) and jan_a.too_few
    assert cells[("2022-01", "b")].share == pytest.approx(1 / 6)
    assert any("1 of 13 articles have no date" in w for w in result.warnings)


def test_over_without_any_date_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="--over month needs dates"):
        compare(exact({"a": (1, 3), "b": (1, 3)}), by="group", over="month")


# --------------------------------------------------------------------------- distinctive words


def test_distinctive_terms_within_a_language() -> None:
    articles = [article(f"{g}{i}", g, ["f"]) for g in "ab" for i in range(3)]
    passages = []
    for i in range(3):
        passages.append(passage(f"a{i}", 0, "a", True, "The pipeline carried oil westward as the pipeline expanded."))
        passages.append(passage(f"b{i}", 0, "b", True, "Tanks crossed the border and the tanks carried oil westward."))
    passages.append(passage("a0", 1, "a", False, "Nothing about the frame here at all, just weather and parks."))
    result = compare(articles, by="group", passages=passages)
    lists = {t.group: t for t in result.terms if t.frame == "f"}
    assert lists["a"].kind == "versus" and lists["a"].language == "en" and lists["a"].other == "b"
    assert lists["a"].terms[0]["word"] == "pipeline" and lists["a"].terms[0]["count"] == 6
    assert lists["b"].terms[0]["word"] == "tanks"
    z_a = {t["word"]: t["z"] for t in lists["a"].terms}
    assert "the" not in z_a and "and" not in z_a  # stop words
    assert "weather" not in z_a  # the passage does not carry the frame
    assert z_a.get("oil", 0) < z_a["pipeline"] / 3  # used by both groups
    assert result.text_source.startswith("all passages")


def test_groups_without_a_shared_language_get_their_own_terms() -> None:
    articles = [article("a0", "a", ["f"]), article("b0", "b", ["f"])]
    passages = [
        passage("a0", 0, "a", True, "Sanctions hit oil exports and sanctions hurt trade."),
        passage("a0", 1, "a", False, "The weather was mild and parks were full of families."),
        passage("b0", 0, "b", True, "Санкции ударили по экспорту нефти, санкции били по торговле.", language="ru"),
        passage("b0", 1, "b", False, "Погода была мягкой, и в парках гуляли семьи.", language="ru"),
    ]
    result = compare(articles, by="group", passages=passages)
    notes = " ".join(result.term_notes["f"])
    assert "no language in common" in notes and "a: en" in notes and "b: ru" in notes
    own = {t.group: t for t in result.terms if t.frame == "f"}
    assert {t.kind for t in own.values()} == {"own"}
    assert own["a"].language == "en" and own["a"].terms[0]["word"] == "sanctions"
    assert own["b"].language == "ru" and own["b"].terms[0]["word"] == "санкции"


def test_evidence_is_the_strongest_passages_with_ids_and_outlets() -> None:
    articles = [article("a1", "a", ["f"]), article("a2", "a", ["f"]), article("b1", "b", ["f"])]
    passages = [
        passage("a1", 0, "a", True, score=0.7, outlet="Daily A"),
        passage("a1", 1, "a", True, score=0.95, outlet="Daily A"),
        passage("a2", 0, "a", True, score=0.8, outlet="Weekly A"),
        passage("a2", 1, "a", True, score=0.6, outlet="Weekly A"),
        passage("a2", 2, "a", False, score=0.1, outlet="Weekly A"),
        passage("b1", 0, "b", True, score=0.5, outlet="B News"),
    ]
    result = compare(articles, by="group", passages=passages)
    shown = [(e.article_id, e.passage, e.outlet, e.score) for e in result.evidence if e.group == "a"]
    assert shown == [("a1", 1, "Daily A", 0.95), ("a2", 0, "Weekly A", 0.8), ("a1", 0, "Daily A", 0.7)]
    assert [e.article_id for e in result.evidence if e.group == "b"] == ["b1"]


def test_evidence_falls_back_to_the_articles_evidence_passages() -> None:
    records = exact({"a": (2, 3), "b": (1, 3)})
    records[0]["evidence"] = {"f": {"passage": 4, "score": 0.93, "text": "Sanctions cut oil exports sharply."}}
    records[0]["outlet"] = "Daily A"
    result = compare(records, by="group")
    ev = [e for e in result.evidence if e.group == "a"]
    assert [(e.article_id, e.passage, e.outlet, e.score) for e in ev] == [("a0", 4, "Daily A", 0.93)]
    assert result.text_source.startswith("each article's evidence passage")


# --------------------------------------------------------------------------- reading score files


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def write_csv(path: Path, rows: list[dict]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_read_scores_splits_articles_and_passages(tmp_path: Path) -> None:
    arts = write_jsonl(tmp_path / "s.jsonl", [article("a1", "a", ["f"]), article("b1", "b", [])])
    pas = write_jsonl(tmp_path / "p.jsonl", [passage("a1", 0, "a", True), passage("b1", 0, "b", False)])
    data = read_scores([arts, pas])
    assert [a["id"] for a in data.articles] == ["a1", "b1"]
    assert [(p["article_id"], p["passage"]) for p in data.passages] == [("a1", 0), ("b1", 0)]
    assert data.frames == ["f"]
    assert data.article_origins == [(str(arts), 1), (str(arts), 2)]


def test_read_scores_csv_as_framing_score_writes_it(tmp_path: Path) -> None:
    rows = [
        {"id": "a1", "outlet": "X", "group": "a", "language": "en", "passages": 2, "frames": "f;g",
         "score_f": 0.9, "score_g": 0.7, "date": ""},
        {"id": "b1", "outlet": "Y", "group": "b", "language": "ru", "passages": 1, "frames": "",
         "score_f": 0.1, "score_g": 0.2, "date": "2022-06"},
    ]
    path = write_csv(tmp_path / "s.csv", rows)
    data = read_scores([path])
    first, second = data.articles
    assert first["frames"] == ["f", "g"] and first["scores"] == {"f": 0.9, "g": 0.7}
    assert "date" not in first and second["date"] == "2022-06" and second["frames"] == []
    p_rows = [{"article_id": "a1", "passage": "0", "group": "a", "language": "en", "text": "Hello there.",
               "frames": "f", "score_f": "0.9", "score_g": "0.1"}]
    passages = read_scores([write_csv(tmp_path / "p.csv", p_rows)]).passages
    assert passages[0]["passage"] == 0 and passages[0]["frames"] == ["f"]


@pytest.mark.parametrize(
    ("lines", "line", "message"),
    [
        (['{"id": "a", "scores": {"f": 0.5}, "frames": []}', "{not json"], 2, "malformed JSON"),
        (['{"id": "a", "scores": {"f": 1.5}, "frames": []}'], 1, "from 0 to 1"),
        (['{"id": "a", "scores": {"f": "high"}, "frames": []}'], 1, "from 0 to 1"),
        (['{"id": "a", "frames": []}'], 1, "no frame scores"),
        (['{"id": "a", "scores": {"f": 0.5}, "frames": ["g"]}'], 1, "'g', which has no score"),
        (['{"id": "a", "scores": {"f": 0.5}, "frames": "f"}'], 1, "must be a list"),
        (['{"scores": {"f": 0.5}, "frames": []}'], 1, "no 'id'"),
        (['{"id": "a", "scores": {"f": 0.5}, "frames": []}', '{"id": "b", "scores": {"g": 0.5}, "frames": []}'],
         2, "frames differ"),
        (['{"id": "a", "scores": {"f": 0.5}, "frames": []}', '{"id": "a", "scores": {"f": 0.2}, "frames": []}'],
         2, "duplicate article id 'a'"),
        (['{"id": "a", "scores": {"f": 0.5}, "frames": []}',
          '{"article_id": "a", "passage": 0, "text": "x", "scores": {"f": 0.5}, "frames": []}'],
         2, "keep articles and passages in separate files"),
        (['{"article_id": "a", "passage": "first", "text": "x", "scores": {"f": 0.5}, "frames": []}'],
         1, "whole number"),
        (["[1, 2]"], 1, "JSON object"),
    ],
)
def test_read_scores_names_file_and_line(tmp_path: Path, lines: list[str], line: int, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_scores([path])
    assert info.value.path == str(path) and info.value.line == line
    assert message in str(info.value)


def test_read_scores_rejects_missing_empty_and_foreign_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_scores([tmp_path / "nope.jsonl"])
    (tmp_path / "empty.jsonl").write_text("\n", encoding="utf-8")
    with pytest.raises(InputError, match="no records"):
        read_scores([tmp_path / "empty.jsonl"])
    (tmp_path / "x.txt").write_text("text", encoding="utf-8")
    with pytest.raises(InputError, match=r"\.jsonl or \.csv"):
        read_scores([tmp_path / "x.txt"])


# --------------------------------------------------------------------------- files out


@pytest.fixture
def two_groups(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "scores.jsonl", exact({"a": (9, 12), "b": (3, 12)}))


def test_compare_files_writes_json_and_csv(tmp_path: Path, two_groups: Path) -> None:
    out_json, out_csv = tmp_path / "c.json", tmp_path / "c.csv"
    result = compare_files([two_groups], by="group", json_out=out_json, csv_out=out_csv)
    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert data == json.loads(json.dumps(result.to_dict()))
    assert data["contrasts"][0]["significant"] == result.contrasts[0].significant
    assert data["sources"] == [str(two_groups)]
    with out_csv.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["frame"], r["group"]) for r in rows] == [("f", "a"), ("f", "b")]
    assert float(rows[0]["share"]) == pytest.approx(0.75) and rows[0]["compared_with"] == "b"
    assert float(rows[1]["diff"]) == pytest.approx(-0.5)


def test_compare_files_refuses_existing_outputs_and_leaves_them(tmp_path: Path, two_groups: Path) -> None:
    out = tmp_path / "c.json"
    out.write_text("old", encoding="utf-8")
    with pytest.raises(OutputError, match="already exists"):
        compare_files([two_groups], by="group", json_out=out)
    assert out.read_text(encoding="utf-8") == "old"
    compare_files([two_groups], by="group", json_out=out, force=True)
    assert json.loads(out.read_text(encoding="utf-8"))["by"] == "group"


def test_compare_files_checks_outputs_before_work(tmp_path: Path, two_groups: Path) -> None:
    with pytest.raises(OutputError, match=r"must end in \.json"):
        compare_files([two_groups], by="group", json_out=tmp_path / "c.txt")
    with pytest.raises(OutputError, match="folder"):
        compare_files([two_groups], by="group", csv_out=tmp_path / "missing" / "c.csv")
    with pytest.raises(InputError, match="--over"):
        compare_files([two_groups], by="group", over="fortnight")


def test_bad_date_is_reported_at_its_line(tmp_path: Path) -> None:
    records = exact({"a": (1, 2), "b": (1, 2)})
    records[1]["date"] = "June 2022"
    path = write_jsonl(tmp_path / "s.jsonl", records)
    with pytest.raises(InputError) as info:
        compare_files([path], by="group", over="month")
    assert (info.value.path, info.value.line) == (str(path), 2)


# --------------------------------------------------------------------------- the command line, on the seeds


@pytest.fixture(scope="module")
def seed_scores(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The five seed articles scored by a small model trained on part of the project's labels.

    Three frames and 200 labels keep this to a couple of seconds; ``compare``
    sees the same kind of files the default model would write.
    """
    from framing.labels.store import read_labels
    from framing.model.training import train
    from framing.runs.scoring import score

    folder = tmp_path_factory.mktemp("seeds")
    labels = read_labels([ROOT / "labels" / "authored-en-1.jsonl"])
    model = train(labels, frames=["sanctions_economy", "security_alliance", "information_war"], random_state=0)
    out, passages = folder / "seed-scores.jsonl", folder / "seed-passages.jsonl"
    score([ROOT / "seeds"], model=model, out=out, passages_out=passages)
    return out, passages


def test_cli_compare_on_the_seeds_says_too_few(seed_scores: tuple[Path, Path], tmp_path: Path) -> None:
    out, passages = seed_scores
    result = CliRunner().invoke(
        app, ["compare", str(out), str(passages), "--by", "group", "--json", str(tmp_path / "c.json"),
              "--csv", str(tmp_path / "c.csv"),],
    )
    assert result.exit_code == 0, result.output
    text = plain(result.output)
    assert "Too few articles for a verdict" in text
    assert "'russian-language' has 1 article" in text and "'western' has 4 articles" in text
    assert f"at least {MIN_ARTICLES} articles on each side" in text
    for frame in ("sanctions_economy", "security_alliance", "information_war"):
        assert frame in text
    assert "too few" in text and "]*" not in text  # no interval starred as significant
    data = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    assert data["group_sizes"] == {"russian-language": {"articles": 1, "units": 1},
                                   "western": {"articles": 4, "units": 4}}
    assert {c["verdict"] for c in data["contrasts"]} == {"too few"}
    assert (tmp_path / "c.csv").is_file()


def test_cli_compare_passage_unit_on_the_seeds(seed_scores: tuple[Path, Path]) -> None:
    out, passages = seed_scores
    result = CliRunner().invoke(app, ["compare", str(out), str(passages), "--by", "group", "--unit", "passage",
                                     ])
    assert result.exit_code == 0, result.output
    assert "compared passages by group" in plain(result.output)


def test_cli_bad_scores_file_exits_1_with_file_and_line(tmp_path: Path, two_groups: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    lines = two_groups.read_text(encoding="utf-8").splitlines()
    assert '"f": 0.1' in lines[10]  # the eleventh article does not carry the frame
    lines[10] = lines[10].replace('"f": 0.1', '"f": 7')
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report, out_json = tmp_path / "r.html", tmp_path / "c.json"
    result = CliRunner().invoke(app, ["compare", str(bad), "--by", "group", "--report", str(report),
                                      "--json", str(out_json)])
    assert result.exit_code == 1
    text = plain(result.output)
    assert f"error: {bad}:11: score of frame 'f'" in text
    assert "Traceback" not in result.output
    assert not report.exists() and not out_json.exists()
    assert not list(tmp_path.glob(".*part"))


def test_cli_missing_field_and_bad_options(two_groups: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["compare", str(two_groups), "--by", "outlet"])
    assert result.exit_code == 1
    assert f"{two_groups}:1: no 'outlet' value" in plain(result.output)
    result = runner.invoke(app, ["compare", str(two_groups), "--by", "group", "--unit", "sentence"])
    assert result.exit_code == 1 and "--unit must be" in plain(result.output)


def _story_data(ids_groups_copies: list[tuple[str, str, str | None]], carries: set[str]) -> ScoreData:
    """Score records: (id, group, duplicate_of); the articles in ``carries`` carry frame "econ"."""
    articles = [
        {"id": i, "group": g, "duplicate_of": d, "frames": ["econ"] if i in carries else [], "scores": {"econ": 0.9}}
        for i, g, d in ids_groups_copies
    ]
    return ScoreData(articles=articles, frames=["econ"], article_origins=[("s", n) for n in range(len(articles))])


def test_a_story_both_groups_ran_is_kept_once_in_each() -> None:
    # One wire story, printed twice in each group: counted once per group, not once in all.
    rows = [("w", "west", None), ("w2", "west", "w"), ("r1", "ru", "w"), ("r2", "ru", "w"), ("x", "ru", None)]
    data = _story_data(rows, carries={"w", "w2", "r1", "r2"})
    assert drop_duplicates(data, by="group") == (2, True)
    assert [r["id"] for r in data.articles] == ["w", "r1", "x"]
    # Counted once in all, the story would look like the Western group's alone.
    everywhere = _story_data(rows, carries={"w", "w2", "r1", "r2"})
    drop_duplicates(everywhere)
    assert [r["id"] for r in everywhere.articles] == ["w", "x"]


def test_copies_without_dedupe_are_named_in_a_warning(tmp_path: Path) -> None:
    rows = [("w", "west", None), ("w2", "west", "w"), ("r1", "ru", "w"), ("x", "ru", None)]
    path = tmp_path / "s.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in _story_data(rows, carries={"w"}).articles), encoding="utf-8")
    plain = compare_files([path], by="group", json_out=tmp_path / "a.json")
    assert [w for w in plain.warnings if w.startswith("near-duplicates: 2 articles are copies")]
    deduped = compare_files([path], by="group", json_out=tmp_path / "b.json", dedupe=True)
    assert not [w for w in deduped.warnings if w.startswith("near-duplicates")]
