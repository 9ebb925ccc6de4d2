"""Training, threshold tuning, saving and loading frame models."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import sklearn

from framing._fast.scorer import RELEVANT
from framing.core.errors import ModelError, OutputError, TrainingError
from framing.labels.store import MIN_POSITIVES, LabelledPassage, labels_digest
from framing.model.config import ModelConfig
from framing.model.files import card_path, load_model, read_card, save_model
from framing.model.frame_model import FrameModel
from framing.model.training import MIN_TOPIC, _best_threshold, cv_groups, frames_of, infer_unit, train, tune_thresholds

from ..conftest import FRAMES, OFF_TOPIC, article_passages, make_passages, off_topic_passages

_LOW, _HIGH, _STEP = ModelConfig().threshold_grid
GRID = np.arange(_LOW, _HIGH + _STEP / 2, _STEP)

UNSEEN = [
    "New sanctions on oil exports and grain trade hurt the economy, the banks said.",
    "Troops and tanks of the military alliance moved to the border, soldiers said.",
    "Советские памятники, национальный язык и память об истории разделяют людей.",
]


# Threshold tuning on hand-made probabilities ---------------------------------------------------


def test_best_threshold_separable() -> None:
    # Positives at 0.905 and 0.805, negatives at 0.305 and 0.205: F1 is 1 for every
    # threshold in (0.305, 0.805], and the middle of that plateau is about 0.555.
    y = np.array([1, 1, 0, 0])
    p = np.array([0.905, 0.805, 0.305, 0.205])
    t = _best_threshold(y, p, GRID)
    assert 0.305 < t <= 0.805
    assert abs(t - 0.555) <= 0.011


def test_best_threshold_takes_every_positive_when_that_is_best() -> None:
    # Thresholds <= 0.405 take both positives and one negative: F1 = 4/5.
    # (0.405, 0.505] gives F1 1/2 and (0.505, 0.805] gives 2/3, so the best is <= 0.405.
    y = np.array([1, 0, 1])
    p = np.array([0.805, 0.505, 0.405])
    t = _best_threshold(y, p, GRID)
    assert t <= 0.405
    assert abs(t - (_LOW + 0.40) / 2) <= 0.011  # the middle of the best plateau


def test_best_threshold_unique_best() -> None:
    # Only thresholds in (0.60, 0.62] separate the classes.
    y = np.array([0, 1, 1, 0, 0])
    p = np.array([0.60, 0.625, 0.9, 0.1, 0.2])
    t = _best_threshold(y, p, GRID)
    assert 0.60 < t <= 0.625


def test_best_threshold_with_no_positives_is_the_middle_of_the_grid() -> None:
    t = _best_threshold(np.zeros(4, dtype=int), np.array([0.1, 0.2, 0.7, 0.9]), GRID)
    assert abs(t - 0.5) <= 0.011


def test_tune_thresholds_per_column() -> None:
    Y = np.array([[1, 0], [1, 1], [0, 1], [0, 0]])
    P = np.array([[0.905, 0.305], [0.805, 0.255], [0.305, 0.155], [0.205, 0.125]])
    thresholds = tune_thresholds(Y, P, ModelConfig(threshold_mode="frame"))
    assert thresholds.shape == (2,)
    assert 0.305 < thresholds[0] <= 0.805
    assert 0.125 < thresholds[1] <= 0.155
    assert list(thresholds) == [_best_threshold(Y[:, j], P[:, j], GRID) for j in range(2)]


def test_shared_threshold_maximises_micro_f1_over_all_frames() -> None:
    # One cut for both frames: it must be the grid's best micro-F1, which here
    # beats the cut that would suit frame 0 alone (> 0.305: tp 2, fn 2 -> 2/3).
    Y = np.array([[1, 0], [1, 1], [0, 1], [0, 0]])
    P = np.array([[0.905, 0.305], [0.805, 0.255], [0.305, 0.155], [0.205, 0.125]])
    thresholds = tune_thresholds(Y, P, ModelConfig(threshold_mode="shared"))
    assert thresholds[0] == thresholds[1]
    pred = P >= thresholds[None, :]
    tp = (pred & (Y == 1)).sum()
    micro = 2 * tp / (pred.sum() + Y.sum())
    best = max(
        2 * ((P >= t) & (Y == 1)).sum() / ((P >= t).sum() + Y.sum()) for t in GRID
    )
    assert micro == pytest.approx(best)
    assert micro > 2 * 2 / (2 + 4)  # better than the cut that suits frame 0 alone


def test_tune_thresholds_respects_the_grid() -> None:
    Y = np.array([[1], [0]])
    P = np.array([[0.99], [0.01]])
    (t,) = tune_thresholds(Y, P, ModelConfig(threshold_grid=(0.3, 0.4, 0.05)))
    assert t == pytest.approx(0.35)


# Training --------------------------------------------------------------------------------------


def test_train_passage_model(model: FrameModel, passages: list[LabelledPassage]) -> None:
    assert model.frames == list(FRAMES)
    assert model.unit == "passage"
    assert model.thresholds.shape == (3,)
    assert ((model.thresholds >= 0.05) & (model.thresholds <= 0.95)).all()
    card = model.card
    assert card["frames"] == list(FRAMES)
    assert card["labels_sha256"] == labels_digest(passages)
    assert card["label_counts"]["positives"]["identity"] == {"en": 3, "ru": 3}
    assert card["thresholds"] == {f: pytest.approx(t, abs=1e-4) for f, t in zip(FRAMES, model.thresholds, strict=True)}
    assert card["versions"]["scikit-learn"] == sklearn.__version__
    cv = card["cv_metrics"]
    assert cv["n"] == len(passages)
    assert {f: m["support"] for f, m in cv["per_frame"].items()} == {"economy": 8, "security": 8, "identity": 6}
    assert 0 <= cv["micro"]["f1"] <= 1


def test_model_tells_the_frames_apart(model: FrameModel) -> None:
    proba = model.predict_proba(UNSEEN)
    assert proba.shape == (3, 3)
    assert ((proba >= 0) & (proba <= 1)).all()
    assert list(proba.argmax(axis=1)) == [0, 1, 2]
    present = model.predict(UNSEEN)
    assert present.dtype == bool
    assert (present == (proba >= model.thresholds)).all()


def test_predict_on_no_texts(model: FrameModel) -> None:
    assert model.predict_proba([]).shape == (0, 3)
    assert model.predict([]).shape == (0, 3)


def test_frames_default_to_those_in_the_labels(passages: list[LabelledPassage]) -> None:
    assert frames_of(passages) == ["economy", "security", "identity"]
    reordered = train(passages, frames=["identity", "economy", "security"], random_state=0)
    assert reordered.frames == ["identity", "economy", "security"]


def test_random_state_makes_training_reproducible(passages: list[LabelledPassage]) -> None:
    a = train(passages, random_state=3)
    b = train(passages, random_state=3)
    assert np.array_equal(a.thresholds, b.thresholds)
    assert np.array_equal(a.predict_proba(UNSEEN), b.predict_proba(UNSEEN))
    assert a.card["cv_metrics"] == b.card["cv_metrics"]


def test_a_frame_with_too_few_positives_is_named(passages: list[LabelledPassage]) -> None:
    kept = 0
    thinned = []
    for p in passages:
        if "identity" in p.frames:
            kept += 1
            if kept > MIN_POSITIVES - 1:
                p = dataclasses.replace(p, frames=tuple(f for f in p.frames if f != "identity"))
        thinned.append(p)
    with pytest.raises(TrainingError, match=rf"identity \({MIN_POSITIVES - 1}\)") as info:
        train(thinned, frames=list(FRAMES))
    assert "economy" not in str(info.value)


def test_a_codebook_frame_missing_from_the_labels_is_named(passages: list[LabelledPassage]) -> None:
    with pytest.raises(TrainingError, match=r"betrayal \(0\)"):
        train(passages, frames=[*FRAMES, "betrayal"])


def test_a_frame_on_every_passage_cannot_be_learnt(passages: list[LabelledPassage]) -> None:
    everywhere = [dataclasses.replace(p, frames=(*p.frames, "always")) for p in passages]
    with pytest.raises(TrainingError, match="every passage carries always"):
        train(everywhere)


def test_no_labels_or_no_frames(passages: list[LabelledPassage]) -> None:
    with pytest.raises(TrainingError, match="no labelled passages"):
        train([])
    with pytest.raises(TrainingError, match="no frames"):
        train([dataclasses.replace(p, frames=()) for p in passages])


def test_thresholds_need_two_articles(passages: list[LabelledPassage]) -> None:
    one_article = [dataclasses.replace(p, source="a1") for p in passages]
    with pytest.raises(TrainingError, match="at least two articles"):
        train(one_article)


def test_bad_unit(passages: list[LabelledPassage]) -> None:
    with pytest.raises(TrainingError, match="unit must be"):
        train(passages, unit="sentence")


def test_infer_unit_and_cv_groups(passages: list[LabelledPassage]) -> None:
    assert infer_unit(passages) == "passage"
    assert infer_unit(article_passages()) == "article"
    groups = cv_groups(passages, "passage")
    assert groups[:3] == ["a1", "a1", "a1"] and len(set(groups)) == 8
    assert cv_groups(passages, "article") == [p.id for p in passages]


def test_article_model(article_model: FrameModel) -> None:
    assert article_model.unit == "article"
    # Every labelled article carries a frame, so the model always names at least one.
    assert article_model.config.at_least_one
    assert article_model.card["unit"] == "article"
    assert article_model.predict(["Nothing at all in common with the labels here, only birds and trees."]).any()


def test_decide_at_least_one_takes_the_frame_closest_to_its_threshold(model: FrameModel) -> None:
    m = FrameModel(
        vectorizer=model.vectorizer,
        classifiers=model.classifiers,
        frames=list(FRAMES),
        thresholds=np.array([0.5, 0.2, 0.8]),
        unit="article",
        config=ModelConfig(at_least_one=True),
    )
    proba = np.array([[0.3, 0.15, 0.1], [0.9, 0.1, 0.9], [0.1, 0.1, 0.7]])
    # Row 1: relative scores 0.6, 0.75, 0.125 -> security. Row 2 passes on its own.
    # Row 3: 0.2, 0.5, 0.875 -> identity.
    assert m.decide(proba).tolist() == [[False, True, False], [True, False, True], [False, False, True]]
    m.min_frames = 0
    assert m.decide(proba).tolist() == [[False, False, False], [True, False, True], [False, False, False]]
    m.min_frames = 2
    # Row 1 adds its two closest (security, betrayal-like first column); row 2 already has two.
    assert m.decide(proba).tolist() == [[True, True, False], [True, False, True], [False, True, True]]


# Saving and loading ----------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_save_writes_the_model_and_its_card(tmp_path: Path, model: FrameModel) -> None:
    path = tmp_path / "m.joblib"
    card_file = save_model(model, path, extra_card={"label_files": ["x.jsonl"]})
    assert card_file == card_path(path) == tmp_path / "m.card.json"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.card.json", "m.joblib"]  # no temporary files
    card = json.loads(card_file.read_text(encoding="utf-8"))
    assert card["model_sha256"] == _sha256(path)
    assert card["model_file"] == "m.joblib"
    assert card["label_files"] == ["x.jsonl"]
    assert card["frames"] == list(FRAMES)
    assert card["created"]
    assert read_card(path) == card


def test_predictions_are_identical_after_a_round_trip(tmp_path: Path, model: FrameModel) -> None:
    path = tmp_path / "m.joblib"
    save_model(model, path)
    loaded = load_model(path)
    assert loaded.frames == model.frames
    assert loaded.unit == model.unit
    assert np.array_equal(loaded.thresholds, model.thresholds)
    texts = UNSEEN + [p.text for p in make_passages()]
    assert np.array_equal(loaded.predict_proba(texts), model.predict_proba(texts))
    assert loaded.card["model_sha256"] == _sha256(path)


def test_save_refuses_to_overwrite_without_force(tmp_path: Path, model: FrameModel) -> None:
    path = tmp_path / "m.joblib"
    save_model(model, path)
    before = path.read_bytes(), card_path(path).read_bytes()
    with pytest.raises(OutputError, match="already exists"):
        save_model(model, path)
    assert (path.read_bytes(), card_path(path).read_bytes()) == before
    save_model(model, path, force=True)
    load_model(path)


def test_save_refuses_when_only_the_card_exists(tmp_path: Path, model: FrameModel) -> None:
    path = tmp_path / "m.joblib"
    card_path(path).write_text("{}", encoding="utf-8")
    with pytest.raises(OutputError, match=r"m\.card\.json: already exists"):
        save_model(model, path)
    assert not path.exists()


def test_save_into_a_missing_folder(tmp_path: Path, model: FrameModel) -> None:
    with pytest.raises(OutputError, match="does not exist"):
        save_model(model, tmp_path / "nowhere" / "m.joblib")


@pytest.fixture
def saved(tmp_path: Path, model: FrameModel) -> Path:
    path = tmp_path / "m.joblib"
    save_model(model, path)
    return path


@pytest.fixture
def no_unpickling(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if joblib.load is called at all."""
    def refuse(*args, **kwargs):
        raise AssertionError("joblib.load called on an unverified file")

    monkeypatch.setattr("framing.model.files._unpickle_file", refuse)  # where model files are unpickled


def test_a_changed_byte_is_refused_before_unpickling(saved: Path, no_unpickling: None) -> None:
    data = bytearray(saved.read_bytes())
    data[len(data) // 2] ^= 0x01
    saved.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="sha256 mismatch") as info:
        load_model(saved)
    assert str(saved) in str(info.value)


def test_a_truncated_file_is_refused(saved: Path, no_unpickling: None) -> None:
    saved.write_bytes(saved.read_bytes()[:-100])
    with pytest.raises(ModelError, match="sha256 mismatch"):
        load_model(saved)


def test_a_truncated_file_whose_card_was_edited_to_match_fails_cleanly(saved: Path) -> None:
    saved.write_bytes(saved.read_bytes()[:-100])
    card_file = card_path(saved)
    card = json.loads(card_file.read_text(encoding="utf-8"))
    card["model_sha256"] = _sha256(saved)
    card_file.write_text(json.dumps(card), encoding="utf-8")
    with pytest.raises(ModelError, match="cannot load model"):
        load_model(saved)


def test_a_missing_card_is_refused(saved: Path, no_unpickling: None) -> None:
    card_path(saved).unlink()
    with pytest.raises(ModelError, match=r"no card m\.card\.json beside it"):
        load_model(saved)


def test_a_missing_model_file(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="no such model file; train one"):
        load_model(tmp_path / "missing.joblib")


@pytest.mark.parametrize("content", ["not json", "[]", '{"format": "something-else/1"}'])
def test_a_damaged_card_is_refused(saved: Path, no_unpickling: None, content: str) -> None:
    card_path(saved).write_text(content, encoding="utf-8")
    with pytest.raises(ModelError, match="model card"):
        load_model(saved)


def test_another_scikit_learn_version_is_refused_with_a_clear_message(saved: Path, no_unpickling: None) -> None:
    card_file = card_path(saved)
    card = json.loads(card_file.read_text(encoding="utf-8"))
    card["versions"]["scikit-learn"] = "0.24.2"
    card_file.write_text(json.dumps(card), encoding="utf-8")
    with pytest.raises(ModelError) as info:
        load_model(saved)
    message = str(info.value)
    assert "made with scikit-learn 0.24.2" in message
    assert f"this is {sklearn.__version__}" in message
    assert "retrain" in message


def test_calibration_falls_back_to_the_base_rate_when_ranking_is_inverted() -> None:
    from framing._fast.scorer import apply_calibration
    from framing.model.training import fit_calibration

    # Out-of-fold decision values that rank the positives lowest: a Platt fit would
    # invert the scores; the fallback gives every text the frame's base rate (1/4).
    D = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    Y = np.array([[1], [0], [0], [0]])
    calibration = fit_calibration(D, Y)
    assert calibration[0, 0] == 0.0
    assert apply_calibration(D, calibration)[:, 0] == pytest.approx([0.25] * 4)
    # And a well-ranked frame keeps a positive slope, so higher decisions score higher.
    good = fit_calibration(-D, Y)
    assert good[0, 0] > 0
    assert np.all(np.diff(apply_calibration(np.sort(-D, axis=0), good)[:, 0]) > 0)


# Train-only passages (train(extra=...)) --------------------------------------------------------


def test_extra_passages_train_the_classifiers_but_not_the_thresholds(passages: list[LabelledPassage]) -> None:
    from framing.model.evaluation import evaluate_model

    english = [p for p in passages if p.language == "en"]
    russian = [p for p in passages if p.language == "ru"]
    alone = train(english, frames=list(FRAMES), random_state=0)
    both = train(english, frames=list(FRAMES), random_state=0, extra=russian)
    # The Russian passages taught the classifiers Russian words...
    assert evaluate_model(both, russian)["micro"]["f1"] > evaluate_model(alone, russian)["micro"]["f1"]
    # ...but were never held out: the out-of-fold figures are the English passages' alone.
    assert both.card["cv_metrics"]["n"] == len(english)
    assert both.card["extra_training"]["passages"] == len(russian)
    assert both.card["extra_training"]["label_counts"]["positives"]["identity"] == {"en": 0, "ru": 3}
    assert both.card["extra_training"]["labels_sha256"] == labels_digest(russian)
    assert "extra_training" not in alone.card


def test_out_of_fold_never_holds_out_the_extra_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    from scipy import sparse

    import framing.model.training as model_module

    # Four main rows in two groups, then two train-only rows.
    X = sparse.csr_matrix(np.arange(12, dtype=float).reshape(6, 2))
    Y = np.array([[1], [0], [1], [0], [1], [0]])
    seen: list[list[float]] = []
    fit = model_module._fit_one

    def spy(X_fit, y_fit, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(sorted(X_fit[:, 0].toarray().ravel().tolist()))
        return fit(X_fit, y_fit, *args, **kwargs)

    monkeypatch.setattr(model_module, "_fit_one", spy)  # one process: the spy sees every fit
    P = model_module._out_of_fold(X, Y, ["a", "a", "b", "b"], ModelConfig(cv_folds=2), 0, jobs=1)
    assert P.shape == (4, 1)  # one value per main row, none for the train-only rows
    # Each fold trains on the other group's two rows plus both train-only rows (first features 8, 10).
    assert sorted(seen) == [[0.0, 2.0, 8.0, 10.0], [4.0, 6.0, 8.0, 10.0]]


def test_min_frames_is_chosen_on_texts_its_threshold_was_not_tuned_on() -> None:
    from framing.model.training import MIN_FRAMES_CHOICES, choose_min_frames

    config = ModelConfig()
    rng = np.random.default_rng(3)
    Y = (rng.random((24, 4)) < 0.35).astype(int)
    Y[np.arange(24), rng.integers(0, 4, 24)] = 1  # every text carries a frame
    P = np.clip(0.35 * Y + 0.65 * rng.random((24, 4)), 0, 1)
    rows = np.arange(24)
    splits = [(rows[rows % 3 != i], rows[rows % 3 == i]) for i in range(3)]

    def thresholds_for(k: int, subset: np.ndarray | None) -> np.ndarray:
        at = rows if subset is None else subset
        return tune_thresholds(Y[at], P[at], config, min_frames=k)

    def held_out_f1(k: int) -> float:  # by hand: tune on two thirds, name frames on the rest
        tp = predicted = 0
        for tune_rows, test_rows in splits:
            t = thresholds_for(k, tune_rows)
            for i in test_rows:
                chosen = set(np.flatnonzero(P[i] >= t))
                for j in np.argsort(-P[i] / t, kind="stable"):
                    if len(chosen) >= k:
                        break
                    chosen.add(j)
                tp += sum(Y[i, j] for j in chosen)
                predicted += len(chosen)
        return 2 * tp / (predicted + Y.sum())

    expected = max(MIN_FRAMES_CHOICES, key=lambda k: (round(held_out_f1(k), 12), -k))
    k, thresholds = choose_min_frames(Y, P, thresholds_for, None, splits=splits)
    assert k == expected
    assert thresholds == pytest.approx(thresholds_for(k, None))
    # Scored on the texts it was tuned on, another k wins: the splits are what decided.
    assert choose_min_frames(Y, P, thresholds_for, None)[0] != k


def test_a_model_saved_with_plain_scikit_learn_blocks_loads_with_the_fast_ones(tmp_path: Path) -> None:
    # Models trained by early versions hold plain TfidfVectorizer blocks, which transform
    # an order of magnitude slower; loading gives them framing's own, with the same scores.
    import copy

    from sklearn.feature_extraction.text import TfidfVectorizer

    from framing._fast.vectorizers import CharNgramVectorizer, WordNgramVectorizer

    old = copy.deepcopy(train(make_passages(), frames=list(FRAMES), random_state=0))
    for _, block in old.vectorizer.transformer_list:
        block.__class__ = TfidfVectorizer
    texts = [p.text for p in make_passages()[:6]] + ["Sanctions and oil exports through Russia."]
    expected = old.predict_proba(texts)
    path = tmp_path / "old.joblib"
    save_model(old, path)
    loaded = load_model(path)
    kinds = {name: type(block) for name, block in loaded.vectorizer.transformer_list}
    assert kinds == {"words": WordNgramVectorizer, "chars": CharNgramVectorizer}
    np.testing.assert_array_equal(loaded.predict_proba(texts), expected)


def test_off_topic_passages_train_the_relevance_check_not_the_frames(passages: list[LabelledPassage]) -> None:
    model = train([*passages, *off_topic_passages()], frames=list(FRAMES), random_state=0)
    assert model.relevance is not None
    framed = sum(bool(p.frames) for p in passages)
    assert model.card["relevance"] == {"on": framed, "off": len(OFF_TOPIC), "threshold": RELEVANT}
    # The frames learn from the passages about the story alone.
    assert model.card["labels_sha256"] == labels_digest(passages)
    assert model.card["label_counts"]["passages"] == len(passages)
    _, _sections, relevance = model.proba_of_sections([*OFF_TOPIC[:2], passages[0].text], np.array([0, 2, 3]))
    assert relevance is not None and relevance[0] < RELEVANT <= relevance[1]


def test_too_few_off_topic_passages_train_no_relevance_check(passages: list[LabelledPassage]) -> None:
    model = train([*passages, *off_topic_passages()[: MIN_TOPIC - 1]], frames=list(FRAMES), random_state=0)
    assert model.relevance is None and "relevance" not in model.card
    _, _, relevance = model.proba_of_sections([passages[0].text], np.array([0, 1]))
    assert relevance is None


def test_every_passage_off_topic_is_a_training_error() -> None:
    with pytest.raises(TrainingError, match="off-topic"):
        train(off_topic_passages(), random_state=0)


def test_a_section_is_scored_as_the_sum_of_its_passages_counts(passages: list[LabelledPassage]) -> None:
    from scipy import sparse
    from sklearn.feature_extraction.text import CountVectorizer

    from framing._fast.scorer import apply_calibration
    from framing.model.cues import CueLexicon

    cues = (("economy", ("sanctions", "oil", "нефть")), ("security", ("troops",)), ("identity", ("language",)))
    model = train(passages, frames=list(FRAMES), config=ModelConfig(cues=cues), random_state=0)
    texts = [p.text for p in passages[:5]]
    _, got, _ = model.proba_of_sections(texts, np.array([0, 2, 5]))
    # By hand, with scikit-learn's own counting: sum the counts, weight, normalise, multiply.
    blocks = []
    for _, block in model.vectorizer.transformer_list:
        if isinstance(block, CueLexicon):
            counts, stems = block.counts(texts)
            summed = np.add.reduceat(counts, [0, 2]), np.add.reduceat(stems, [0, 2])
            blocks.append(sparse.csr_matrix(block.values(*summed)))
        else:
            counts = CountVectorizer.transform(block, texts).toarray()
            summed = sparse.csr_matrix(np.add.reduceat(counts, [0, 2], axis=0).astype(np.float32))
            blocks.append(block._tfidf.transform(summed))
    X = sparse.hstack(blocks).tocsr()
    decision = np.column_stack([clf.decision_function(X) for clf in model.classifiers])
    assert np.allclose(got, apply_calibration(decision, model.calibration), atol=1e-6)
