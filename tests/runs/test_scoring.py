"""Scoring articles and writing the scores (JSONL and CSV), passage output, article models."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from framing.analysis.scoring import score_articles
from framing.core.errors import InputError, OutputError
from framing.inputs.articles import Article, read_articles
from framing.inputs.passages import SECTION_WORDS, split_passages
from framing.model.frame_model import FrameModel
from framing.runs.scoring import score

from ..conftest import FRAMES, article_texts, make_passages, read_csv, read_jsonl, write_jsonl

CLUTTER = ("• USD90.99", "Subscribe to our weekly digest", "Back to Top", "Headline of")


def test_score_jsonl_one_record_per_article(tmp_path: Path, articles_dir: Path, model: FrameModel) -> None:
    out = tmp_path / "scores.jsonl"
    summary = score([articles_dir], model=model, out=out)
    records = read_jsonl(out)
    assert summary.articles == len(records) == 8
    assert summary.frames == list(FRAMES)
    assert [r["id"] for r in records] == sorted(article_texts())
    articles = {a.id: a for a in read_articles([articles_dir])}
    for r in records:
        # Metadata from metadata.csv passes through.
        assert r["title"] == f"Title {r['id']}"
        assert r["outlet"].startswith("Outlet ")
        assert r["group"] in ("western", "russian")
        assert r["language"] == ("en" if r["id"] <= "a4" else "ru")
        # A score for every frame; the frames named are those at or over their thresholds.
        assert list(r["scores"]) == list(FRAMES)
        assert all(0 <= s <= 1 for s in r["scores"].values())
        passages = split_passages(articles[r["id"]].text)
        assert r["passages"] == len(passages) == 3
        proba = model.predict_proba(passages)
        # Under SECTION_WORDS words: one section, scored as one text made of its passages.
        _, whole, relevance = model.proba_of_sections(passages, np.array([0, len(passages)]))
        assert relevance is None and "relevance" not in r  # trained without off-topic passages
        assert [r["scores"][f] for f in FRAMES] == pytest.approx(whole[0], abs=1e-4)
        expected = [f for f, keep in zip(FRAMES, model.decide(whole)[0], strict=True) if keep]
        assert r["frames"] == expected
        # Evidence: for each frame present, the passage that scores highest, taken from the article.
        assert list(r["evidence"]) == r["frames"]
        for frame, ev in r["evidence"].items():
            j = FRAMES.index(frame)
            assert ev["text"] == passages[ev["passage"]]
            assert ev["text"] in articles[r["id"]].text
            assert ev["passage"] == int(proba[:, j].argmax())
            assert ev["score"] == pytest.approx(proba[ev["passage"], j], abs=1e-4)  # the passage's own score


def test_scores_find_the_labelled_frames(tmp_path: Path, articles_dir: Path, model: FrameModel) -> None:
    # The model was trained on these very passages: each passage's own frames come out on top.
    out, passages_out = tmp_path / "scores.jsonl", tmp_path / "passages.jsonl"
    score([articles_dir], model=model, out=out, passages_out=passages_out)
    labelled = {p.text: p.frames for p in make_passages()}
    rows = [r for r in read_jsonl(passages_out) if labelled.get(r["text"])]
    assert len(rows) >= 12
    for r in rows:
        wanted = labelled[r["text"]]
        others = [f for f in FRAMES if f not in wanted]
        assert min(r["scores"][f] for f in wanted) > max((r["scores"][f] for f in others), default=0)


def test_a_long_article_takes_its_best_sections_scores(model: FrameModel) -> None:
    # Three sections of at least SECTION_WORDS words: a frame carried by one of them is not
    # drowned by the others, and the article's score for it is that section's.
    economy = "Sanctions on oil and grain exports cut trade, and companies moved their money abroad. " * 25
    weather = "It rained in the capital on Sunday and families stayed at home with their children. " * 25
    passages = [weather, economy, weather]
    assert all(len(p.split()) >= SECTION_WORDS for p in passages)
    record, _ = next(score_articles([Article("long", "\n\n".join(passages))], model))
    _, sections, _ = model.proba_of_sections(passages, np.arange(4))
    assert [record["scores"][f] for f in FRAMES] == pytest.approx(sections.max(axis=0), abs=1e-4)
    economy_col = FRAMES.index("economy")
    assert record["scores"]["economy"] == pytest.approx(sections[1, economy_col], abs=1e-4)
    _, whole, _ = model.proba_of_sections(passages, np.array([0, 3]))
    assert whole[0, economy_col] < sections[1, economy_col]  # one text would have diluted it


def test_score_csv(tmp_path: Path, articles_dir: Path, model: FrameModel) -> None:
    jsonl, csv_out = tmp_path / "s.jsonl", tmp_path / "s.csv"
    score([articles_dir], model=model, out=jsonl)
    score([articles_dir], model=model, out=csv_out)
    rows = read_csv(csv_out)
    records = read_jsonl(jsonl)
    assert len(rows) == len(records) == 8
    assert {"id", "title", "outlet", "group", "language", "passages", "frames"} <= set(rows[0])
    assert {f"score_{f}" for f in FRAMES} <= set(rows[0])
    assert "scores" not in rows[0] and "evidence" not in rows[0]
    for row, r in zip(rows, records, strict=True):
        assert row["id"] == r["id"]
        assert row["group"] == r["group"]
        assert row["frames"] == ";".join(r["frames"])
        assert [float(row[f"score_{f}"]) for f in FRAMES] == [r["scores"][f] for f in FRAMES]


def test_passages_output(tmp_path: Path, articles_dir: Path, model: FrameModel) -> None:
    out, passages_out = tmp_path / "s.jsonl", tmp_path / "p.jsonl"
    summary = score([articles_dir], model=model, out=out, passages_out=passages_out)
    rows = read_jsonl(passages_out)
    assert summary.passages == len(rows) == 24
    assert summary.passages_out == passages_out
    texts = article_texts()
    for row in rows:
        assert row["text"] in texts[row["article_id"]]
        assert row["group"] in ("western", "russian")
        assert "title" not in row
        assert list(row["scores"]) == list(FRAMES)
        proba = model.predict_proba([row["text"]])[0]
        assert [row["scores"][f] for f in FRAMES] == pytest.approx(proba, abs=1e-4)
        assert row["frames"] == [f for f, p, t in zip(FRAMES, proba, model.thresholds, strict=True) if p >= t]
    assert [r["passage"] for r in rows if r["article_id"] == "a1"] == [0, 1, 2]
    for line in CLUTTER:
        assert not any(line in r["text"] for r in rows)


def test_passages_output_csv(tmp_path: Path, articles_dir: Path, model: FrameModel) -> None:
    passages_out = tmp_path / "p.csv"
    score([articles_dir], model=model, out=tmp_path / "s.csv", passages_out=passages_out)
    rows = read_csv(passages_out)
    assert len(rows) == 24
    assert {"article_id", "passage", "text", "frames", *(f"score_{f}" for f in FRAMES)} <= set(rows[0])


def test_article_model_scores_whole_texts(tmp_path: Path, articles_dir: Path, article_model: FrameModel) -> None:
    out, passages_out = tmp_path / "s.jsonl", tmp_path / "p.jsonl"
    score([articles_dir], model=article_model, out=out, passages_out=passages_out)
    records = read_jsonl(out)
    articles = list(read_articles([articles_dir]))
    whole = article_model.predict_proba([a.text for a in articles])
    for r, a, proba in zip(records, articles, whole, strict=True):
        assert r["id"] == a.id
        assert [r["scores"][f] for f in FRAMES] == pytest.approx(proba, abs=1e-4)
        assert r["frames"]  # an article model trained on framed articles always names one
        decided = article_model.decide(proba[None, :])[0]
        assert r["frames"] == [f for f, keep in zip(FRAMES, decided, strict=True) if keep]
        for ev in r["evidence"].values():
            assert ev["text"] in split_passages(a.text)
    # The whole-text scores are not the best passage's scores.
    passage_max = [article_model.predict_proba(split_passages(a.text)).max(axis=0) for a in articles]
    assert not np.allclose(np.array(passage_max), whole, atol=1e-3)
    assert len(read_jsonl(passages_out)) == 24


def test_score_from_a_model_file_and_stdin(tmp_path: Path, model_file: Path) -> None:
    out = tmp_path / "s.jsonl"
    text = article_texts()["a5"]
    summary = score(["-"], model=model_file, out=out, stdin=io.StringIO(text), keep_records=5)
    (record,) = read_jsonl(out)
    assert record["id"] == "stdin"
    assert record["language"] == "ru"
    assert summary.records == [record]


def test_score_jsonl_input_keeps_metadata(tmp_path: Path, model: FrameModel) -> None:
    texts = article_texts()
    inp = write_jsonl(tmp_path / "in.jsonl", [{"id": "j1", "text": texts["a1"], "outlet": "X", "year": 2022}])
    out = tmp_path / "s.csv"
    score([inp], model=model, out=out)
    (row,) = read_csv(out)
    assert (row["id"], row["outlet"], row["year"]) == ("j1", "X", "2022")


def test_chunks_do_not_change_the_scores(model: FrameModel) -> None:
    articles = [Article(a, t) for a, t in article_texts().items()]
    one = [r for r, _ in score_articles(articles, model, chunk_size=1)]
    many = [r for r, _ in score_articles(articles, model, chunk_size=3)]
    assert one == many


def test_output_exists_without_force(tmp_path: Path, articles_dir: Path, model: FrameModel) -> None:
    out = tmp_path / "s.jsonl"
    out.write_text("old\n", encoding="utf-8")
    with pytest.raises(OutputError, match="already exists"):
        score([articles_dir], model=model, out=out)
    assert out.read_text(encoding="utf-8") == "old\n"
    score([articles_dir], model=model, out=out, force=True)
    assert len(read_jsonl(out)) == 8


@pytest.mark.parametrize("name", ["s.txt", "s.json"])
def test_output_must_be_jsonl_or_csv(tmp_path: Path, articles_dir: Path, model: FrameModel, name: str) -> None:
    with pytest.raises(OutputError, match=r"must end in \.jsonl or \.csv"):
        score([articles_dir], model=model, out=tmp_path / name)


def test_out_and_passages_must_differ(tmp_path: Path, articles_dir: Path, model: FrameModel) -> None:
    with pytest.raises(OutputError, match="must be different files"):
        score([articles_dir], model=model, out=tmp_path / "s.jsonl", passages_out=tmp_path / "s.jsonl")


def _only(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir())


def test_bad_input_midway_writes_no_output(tmp_path: Path, model: FrameModel) -> None:
    texts = article_texts()
    inp = tmp_path / "in.jsonl"
    inp.write_text(json.dumps({"text": texts["a1"]}) + "\n" + '{"text": broken\n', encoding="utf-8")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with pytest.raises(InputError, match=r"in\.jsonl:2: malformed JSON"):
        score([inp], model=model, out=out_dir / "s.jsonl", passages_out=out_dir / "p.jsonl")
    assert _only(out_dir) == []


def test_an_article_of_clutter_only_is_an_error_naming_it(tmp_path: Path, model: FrameModel) -> None:
    inp = write_jsonl(tmp_path / "in.jsonl", [{"text": article_texts()["a1"]}, {"text": "Back to Top\n\nLogin"}])
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with pytest.raises(InputError, match="nothing left to score") as info:
        score([inp], model=model, out=out_dir / "s.jsonl")
    assert str(info.value).startswith(f"{inp}:2: ")
    assert _only(out_dir) == []


def test_no_articles(tmp_path: Path, model: FrameModel) -> None:
    inp = tmp_path / "in.jsonl"
    inp.write_text("\n", encoding="utf-8")
    with pytest.raises(InputError, match="no articles"):
        score([inp], model=model, out=tmp_path / "s.jsonl")
    assert _only(tmp_path) == ["in.jsonl"]


def test_what_workers_send_reads_back_as_they_made_it(model: FrameModel) -> None:
    # Chunks go to the workers as pickled articles; signatures and band keys come back as bytes.
    import pickle

    from framing.runs.scoring import _received, _score_for_writing, _score_to_send, _set_worker_model

    chunk = [Article(name, text, {"outlet": "x"}, f"in.jsonl:{i}") for i, (name, text) in
             enumerate(article_texts().items())] + [Article("menu", "Home | News | Sport", {}, "in.jsonl:9")]
    assert pickle.loads(pickle.dumps(chunk)) == chunk
    _set_worker_model(model, True)
    made = _score_for_writing(chunk)
    sent = pickle.loads(pickle.dumps(_score_to_send(chunk)))
    assert len(sent) == len(made) > 2 and made[0][0] == "error"  # (errors come first: found while splitting)
    for got, expected in zip(map(_received, sent), made):
        assert got[:5] == expected[:5]
        if expected[0] == "ok":
            assert got[5].dtype == expected[5].dtype and np.array_equal(got[5], expected[5])
            assert got[6] == expected[6] and len(got[6]) == 32


@given(st.lists(st.floats(0.0, 1.0) | st.integers(0, 20_000).map(lambda k: (k + 0.5) / 10_000)
                | st.floats(-1e6, 1e6) | st.sampled_from([0.03125, 0.00005, 1 - 2**-53, 2**-1074]),
                min_size=1, max_size=30))
def test_rounded4_gives_what_round_gives(values: list[float]) -> None:
    # Scores are rounded a matrix at a time; each must be the float round(x, 4) is, sign included.
    import math

    from framing.analysis.scoring import rounded4

    matrix = np.array(values).reshape(-1, 1)
    got = [row[0] for row in rounded4(matrix)]
    expected = [round(x, 4) for x in values]
    assert got == expected
    assert [math.copysign(1, x) for x in got] == [math.copysign(1, x) for x in expected]
