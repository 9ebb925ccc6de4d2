"""The scoring form: the model's own probabilities, without scikit-learn."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framing._fast.scorer import RELEVANT, Scorer
from framing.analysis.scoring import score_articles
from framing.core.errors import ModelError
from framing.inputs.articles import Article
from framing.model.config import ModelConfig
from framing.model.files import card_path, load_model, load_scorer, save_model, scoring_state, sha256_of
from framing.model.frame_model import FrameModel
from framing.model.training import train
from framing.runs.scoring import score

from .._fast.test_vectorizers import EDGE, TEXTS
from ..conftest import FRAMES, OFF_TOPIC, article_texts, make_passages, off_topic_passages, read_jsonl

RUSSIAN = [
    "Казахстан не признаёт ЛНР и ДНР, заявил Токаев на форуме в Петербурге.",
    "Ёлки, ёж и ЕЛКИ: санкции, транзит нефти через КТК и «многовекторность».",
]


def scorer_of(model: FrameModel, tmp_path: Path) -> Scorer:
    path = tmp_path / "m.joblib"
    save_model(model, path)
    scorer = load_scorer(path)
    assert isinstance(scorer, Scorer)  # the scoring form, not the whole model
    assert scorer.card["scoring_form"] is True
    return scorer


def test_probabilities_and_frames_are_the_models_bit_for_bit(model: FrameModel, tmp_path: Path) -> None:
    scorer = scorer_of(model, tmp_path)
    texts = TEXTS + EDGE + RUSSIAN + list(article_texts().values())
    expected = model.predict_proba(texts)
    got = scorer.predict_proba(texts)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(scorer.decide(got), model.decide(expected))
    assert scorer.frames == model.frames and scorer.unit == model.unit
    np.testing.assert_array_equal(scorer.thresholds, model.thresholds)
    assert scorer.predict_proba([]).shape == (0, len(model.frames))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("abcxyz KAZ-ёеЁЕкзах,.\n\t\u00a0\u0301é")), max_size=80),
                min_size=1, max_size=6))
def test_any_text_scores_as_the_model_does(_trained: FrameModel, texts: list[str]) -> None:
    scorer = Scorer(scoring_state(_trained))  # type: ignore[arg-type]
    np.testing.assert_array_equal(scorer.predict_proba(texts), _trained.predict_proba(texts))


def test_stress_marks_do_not_change_a_russian_score(model: FrameModel, tmp_path: Path) -> None:
    # Textbook-style stress marks ("Росси́я") split words before they were folded away.
    stressed = [t.replace("а", "а\u0301").replace("о", "о\u0300").replace("е", "\u0450") for t in RUSSIAN]
    assert all("\u0301" in t for t in stressed)
    scorer = scorer_of(model, tmp_path)
    np.testing.assert_array_equal(model.predict_proba(stressed), model.predict_proba(RUSSIAN))
    np.testing.assert_array_equal(scorer.predict_proba(stressed), scorer.predict_proba(RUSSIAN))


def test_rows_in_groups_score_as_one_group(model: FrameModel, tmp_path: Path, monkeypatch) -> None:
    import framing._fast.scorer as scorer_module

    scorer = scorer_of(model, tmp_path)
    texts = TEXTS + EDGE + RUSSIAN
    whole = scorer.predict_proba(texts)
    monkeypatch.setattr(scorer_module, "_ROW_CHARS", 100)
    assert len(scorer_module.row_groups(texts)) > 5
    np.testing.assert_array_equal(scorer.predict_proba(texts), whole)


def test_a_pickled_scorer_scores_the_same(model: FrameModel, tmp_path: Path) -> None:
    # The dask engine ships the scorer to its workers.
    scorer = scorer_of(model, tmp_path)
    scorer.predict_proba(TEXTS)  # tables built: they are not what is pickled
    copy = pickle.loads(pickle.dumps(scorer))
    assert len(pickle.dumps(scorer)) < 3 * len(pickle.dumps(scorer._state))
    np.testing.assert_array_equal(copy.predict_proba(TEXTS + RUSSIAN), scorer.predict_proba(TEXTS + RUSSIAN))
    assert copy.card == scorer.card


def test_models_without_a_scoring_form_are_loaded_whole(passages, tmp_path: Path) -> None:
    uncalibrated = train(passages, frames=list(FRAMES), config=ModelConfig(calibrate=False), random_state=0)
    assert scoring_state(uncalibrated) is None
    path = tmp_path / "raw.joblib"
    save_model(uncalibrated, path)
    loaded = load_scorer(path)
    assert isinstance(loaded, FrameModel)
    np.testing.assert_array_equal(loaded.predict_proba(TEXTS), uncalibrated.predict_proba(TEXTS))
    assert loaded.card["scoring_form"] is False


def test_a_first_format_model_file_still_loads_and_scores(model: FrameModel, tmp_path: Path) -> None:
    # Files written before the scoring form: the model itself in the payload.
    path = tmp_path / "old.joblib"
    joblib.dump({"format": "framing-model/1", "model": model}, path, compress=3)
    card = {**model.card, "format": "framing-model/1", "model_sha256": sha256_of(path)}
    card_path(path).write_text(json.dumps(card), encoding="utf-8")
    loaded = load_scorer(path)
    assert isinstance(loaded, FrameModel)
    np.testing.assert_array_equal(loaded.predict_proba(TEXTS), model.predict_proba(TEXTS))
    assert isinstance(load_model(path), FrameModel)


def test_a_damaged_scoring_form_is_a_clear_model_error(model: FrameModel, tmp_path: Path) -> None:
    path = tmp_path / "bad.joblib"
    state = scoring_state(model)
    assert state is not None
    state["weights"] = state["weights"][:-3]  # no longer fits its blocks
    joblib.dump({"format": "framing-model/2", "model": pickle.dumps(model), "scorer": state}, path)
    card_path(path).write_text(
        json.dumps({**model.card, "format": "framing-model/2", "model_sha256": sha256_of(path)}), encoding="utf-8"
    )
    with pytest.raises(ModelError, match=r"bad\.joblib: damaged scoring form .*retrain it"):
        load_scorer(path)


def test_score_writes_the_same_records_from_a_file_as_from_the_model(
    model: FrameModel, articles_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "m.joblib"
    save_model(model, path)
    from_file = score([articles_dir], model=path, out=tmp_path / "a.jsonl", jobs=1)
    from_model = score([articles_dir], model=model, out=tmp_path / "b.jsonl", jobs=1)
    assert from_file.articles == from_model.articles > 0
    assert read_jsonl(tmp_path / "a.jsonl") == read_jsonl(tmp_path / "b.jsonl")


def test_the_score_command_does_not_import_scikit_learn(model_file: Path, tmp_path: Path) -> None:
    articles = tmp_path / "in.jsonl"
    articles.write_text(
        "".join(json.dumps({"id": p.id, "text": p.text}) + "\n" for p in make_passages()[:6]), encoding="utf-8"
    )
    out = tmp_path / "out.jsonl"
    program = (
        "import sys\n"
        "from framing.cli import run\n"
        f"sys.argv = ['framing', 'score', {str(articles)!r}, '--model', {str(model_file)!r}, "
        f"'--out', {str(out)!r}, '--jobs', '1']\n"
        "try:\n    run()\nexcept SystemExit as exit:\n    code = exit.code\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] == 'sklearn' or m.startswith(('scipy.sparse', "
        "'scipy.stats', 'scipy.linalg')) or m in ('framing.model.frame_model', 'framing._fast.vectorizers')]\n"
        "print(code, heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=300)
    assert done.stdout.split("\n")[-2] == "0 []", done.stdout + done.stderr
    assert len(read_jsonl(out)) == 6


CUES = (("economy", ("sanctions", "oil exports", "нефть")), ("security", ("troops",)), ("identity", ("language",)))


@pytest.fixture(scope="module")
def cue_model() -> FrameModel:
    """A model with cue features and a relevance check."""
    return train([*make_passages(), *off_topic_passages()], frames=list(FRAMES), config=ModelConfig(cues=CUES),
                 random_state=0)


def test_sections_score_as_the_model_scores_them_bit_for_bit(cue_model: FrameModel, tmp_path: Path) -> None:
    scorer = scorer_of(cue_model, tmp_path)
    texts = [*article_texts().values(), *OFF_TOPIC, *RUSSIAN]
    starts = np.array([0, 3, 4, 9, len(texts)])
    got, want = scorer.proba_of_sections(texts, starts), cue_model.proba_of_sections(texts, starts)
    for a, b in zip(got, want, strict=True):
        assert a is not None and np.array_equal(a, b)
    # Passages score as they always did.
    assert np.array_equal(got[0], scorer.predict_proba(texts))


def test_an_article_off_the_story_gets_no_frames(cue_model: FrameModel, tmp_path: Path) -> None:
    scorer = scorer_of(cue_model, tmp_path)
    off = Article("off", "\n\n".join(OFF_TOPIC[:3]))
    on = Article("on", next(iter(article_texts().values())))
    records = [r for r, _ in score_articles([off, on], scorer)]
    assert records[0]["relevance"] < RELEVANT and records[0]["frames"] == [] and records[0]["evidence"] == {}
    assert records[1]["relevance"] >= RELEVANT and records[1]["frames"]
    _, rows = next(score_articles([off], scorer))
    assert all(row["frames"] == [] for row in rows)  # nor do its passages


def test_a_first_version_scoring_form_still_reads(model: FrameModel) -> None:
    state = scoring_state(model)
    assert state is not None
    state = {k: v for k, v in state.items() if k != "relevance"} | {"version": 1}
    scorer = Scorer(state)
    texts = list(article_texts().values())
    assert np.array_equal(scorer.predict_proba(texts), model.predict_proba(texts))
    assert scorer.relevance is None
