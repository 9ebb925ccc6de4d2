"""Explanations: term contributions add up to the decision value, and the score is the model's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from framing._fast.scorer import RELEVANT
from framing.analysis.explain import explain_passages, explain_text, feature_names, token_weights
from framing.analysis.scoring import score_articles
from framing.cli import app
from framing.core.errors import InputError
from framing.inputs.articles import Article
from framing.model.frame_model import FrameModel
from framing.model.training import train

from ..conftest import CORPUS, FRAMES, OFF_TOPIC, article_texts, off_topic_passages, strip_ansi

TEXTS = [text for _, _, text, _ in CORPUS]


def test_contributions_add_up_to_the_decision_value(model: FrameModel) -> None:
    explained = explain_passages(model, TEXTS)
    X = model.vectorizer.transform(TEXTS)
    proba = model.predict_proba(TEXTS)
    for j, clf in enumerate(model.classifiers):
        decision = clf.decision_function(X)
        for i, per_frame in enumerate(explained):
            pf = per_frame[j]
            total = sum(t.contribution for t in pf.terms) + pf.intercept
            assert np.isclose(total, decision[i], atol=1e-9)
            assert np.isclose(pf.decision, decision[i], atol=1e-9)
            assert np.isclose(pf.score, proba[i, j])


def test_terms_are_named_from_both_vectorizers(model: FrameModel) -> None:
    names, kinds = feature_names(model)
    assert len(names) == len(kinds) == model.vectorizer.transform(["x"]).shape[1]
    assert set(kinds) == {"words", "chars"}
    pf = explain_passages(model, [TEXTS[0]])[0][FRAMES.index("economy")]
    up, _ = pf.top(50)
    assert {"words", "chars"} <= {t.kind for t in pf.terms}
    assert "sanction" in [t.name for t in up]  # "sanctions" stemmed
    for t in pf.terms:
        assert np.isclose(t.contribution, t.weight * t.value)


def test_explain_text_scores_as_score_does(model: FrameModel) -> None:
    text = article_texts()["a3"]
    explanation = explain_text(model, text)
    proba = model.predict_proba(explanation.passages)
    record, _ = next(score_articles([Article("a3", text)], model))
    assert [fe.frame for fe in explanation.frames] == list(FRAMES)
    assert [fe.frame for fe in explanation.frames if fe.present] == record["frames"]
    for j, fe in enumerate(explanation.frames):
        assert fe.score == pytest.approx(record["scores"][fe.frame], abs=1e-4)  # the article's, as score gives it
        assert fe.threshold == pytest.approx(model.thresholds[j])
        assert fe.passages and fe.passages[0].score == pytest.approx(proba[:, j].max())  # its best passage first
    economy = explanation.frames[FRAMES.index("economy")]
    assert economy.present and all(pf.score >= economy.threshold for pf in economy.passages)


def test_explain_text_finds_no_frame_where_score_finds_the_text_off_the_story(passages: list) -> None:
    model = train([*passages, *off_topic_passages()], frames=list(FRAMES), random_state=0)
    text = "\n\n".join(OFF_TOPIC[:3])
    record, _ = next(score_articles([Article("off", text)], model))
    assert record["frames"] == [] and record["relevance"] < RELEVANT
    assert not any(fe.present for fe in explain_text(model, text).frames)


def test_token_weights_cover_the_passage(model: FrameModel) -> None:
    pf = explain_passages(model, [TEXTS[0]])[0][FRAMES.index("economy")]
    pieces = token_weights(pf)
    assert "".join(p for p, _ in pieces) == TEXTS[0]
    weights = dict(pieces)
    assert weights["sanctions"] > 0


def test_nothing_to_explain_is_an_error(model: FrameModel) -> None:
    with pytest.raises(InputError):
        explain_text(model, "   ")


def test_explain_command(model_file: Path, tmp_path: Path) -> None:
    article = tmp_path / "a1.txt"
    article.write_text(article_texts()["a1"], encoding="utf-8")
    page = tmp_path / "why.html"
    result = CliRunner().invoke(app, ["explain", str(article), "--model", str(model_file), "--html", str(page)])
    assert result.exit_code == 0, result.output
    shown = strip_ansi(result.output)
    assert "economy" in shown and "threshold" in shown and "up:" in shown
    assert page.is_file() and "<html>" in page.read_text(encoding="utf-8")
    again = CliRunner().invoke(app, ["explain", str(article), "--model", str(model_file), "--html", str(page)])
    assert again.exit_code == 1  # no --force: the page is not replaced


def test_explain_reads_stdin(model_file: Path) -> None:
    result = CliRunner().invoke(app, ["explain", "-", "--model", str(model_file)], input=article_texts()["a5"])
    assert result.exit_code == 0, result.output
    assert "security" in strip_ansi(result.output)


def test_inspect_command(model_file: Path) -> None:
    result = CliRunner().invoke(app, ["inspect", str(model_file), "--top", "3"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    shown = strip_ansi(result.output)
    for needle in ("economy", "security", "identity", "scikit-learn", "threshold", " en ", " ru ", "scoring form: yes"):
        assert needle in shown


def test_inspect_missing_model(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["inspect", str(tmp_path / "none.joblib")])
    assert result.exit_code == 1 and "error" in result.output
