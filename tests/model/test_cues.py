"""Cue-lexicon features: language-independent per-frame counts, opt-in via ModelConfig(cues=...)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from framing.analysis.explain import explain_passages
from framing.labels.codebook import load_codebook
from framing.labels.store import LabelledPassage
from framing.model.config import ModelConfig, build_vectorizer
from framing.model.cues import CueLexicon, cues_from_codebook
from framing.model.training import train

from ..conftest import FRAMES

CUES = (("economy", ("sanctions", "oil exports", "санкции", "экспорт нефти")), ("security", ("troops",)))


def test_both_languages_count_in_one_column() -> None:
    lex = CueLexicon(cues=CUES, scale="log").fit([])
    X = lex.transform(["Sanctions hit oil exports.", "Санкции ударили по экспорту нефти.", "Nothing here."])
    economy = X.toarray()[:, 0]
    assert np.isclose(economy[0], np.log1p(2)) and np.isclose(economy[1], np.log1p(2))  # stems match inflections
    assert economy[2] == 0
    assert list(lex.get_feature_names_out()) == ["cue:economy", "cue:security"]


def test_matches_are_scaled_by_the_square_root_of_the_stems() -> None:
    lex = CueLexicon(cues=CUES).fit([])
    # Two matches among four stems each ("по" is a function word): 2 / sqrt(4).
    X = lex.transform(["Sanctions hit oil exports.", "Санкции ударили по экспорту нефти."]).toarray()
    assert np.allclose(X[:, 0], 1.0)
    # The same matches in a text four times as long weigh half as much.
    longer = lex.transform(["Sanctions hit oil exports. " + "Weather was mild in the hills today, locals said."])
    assert 0 < longer.toarray()[0, 0] < 1.0


def test_counts_of_passages_add_up_to_their_article() -> None:
    lex = CueLexicon(cues=CUES).fit([])
    passages = ["Sanctions hit oil exports.", "Troops left. Санкции продлили."]
    counts, stems = lex.counts(passages)
    whole_counts, whole_stems = lex.counts([" ".join(passages)])
    assert np.array_equal(counts.sum(axis=0), whole_counts[0]) and stems.sum() == whole_stems[0]
    assert np.allclose(lex.values(whole_counts, whole_stems), lex.transform([" ".join(passages)]).toarray())


def test_old_models_keep_their_log_scale() -> None:
    lex = CueLexicon(cues=CUES)
    del lex.__dict__["scale"]  # as unpickled from a model saved before the scale existed
    assert np.isclose(lex.transform(["Sanctions hit oil exports."]).toarray()[0, 0], np.log1p(2))


def test_phrases_match_whole_sequences_of_stems() -> None:
    lex = CueLexicon(cues=(("economy", ("oil exports",)),)).fit([])
    assert lex.transform(["exports of oil", "oil prices and exports"]).sum() == 0
    assert lex.transform(["OIL EXPORTING"]).sum() > 0


def test_cues_from_codebook(codebook_file: Path) -> None:
    cues = dict(cues_from_codebook(load_codebook(codebook_file)))
    assert cues["economy"] == ("sanctions", "oil", "санкции", "нефть")
    assert cues["security"] == ()


def test_default_config_adds_no_cues() -> None:
    assert ModelConfig().cues is None
    assert [name for name, _ in build_vectorizer(ModelConfig()).transformer_list] == ["words", "chars"]


def test_model_with_cues_trains_and_explains(passages: list[LabelledPassage]) -> None:
    model = train(passages, frames=list(FRAMES), config=ModelConfig(cues=CUES), random_state=0)
    assert [name for name, _ in model.vectorizer.transformer_list] == ["words", "chars", "cues"]
    texts = [p.text for p in passages[:4]]
    proba = model.predict_proba(texts)
    decision = model.classifiers[0].decision_function(model.vectorizer.transform(texts))
    for i, per_frame in enumerate(explain_passages(model, texts)):
        pf = per_frame[0]
        assert np.isclose(sum(t.contribution for t in pf.terms) + pf.intercept, decision[i])
        assert np.isclose(pf.score, proba[i, 0])
    assert "cue:economy" in [t.name for t in explain_passages(model, [texts[0]])[0][0].terms]


def test_inspect_lists_cue_features_under_any_language(passages: list[LabelledPassage]) -> None:
    from framing.analysis.inspect import strongest_terms

    model = train(passages, frames=list(FRAMES), config=ModelConfig(cues=CUES), random_state=0)
    terms = strongest_terms(model, top=3)
    assert "cue:economy" in [t for t, _ in terms["economy"]["any"]["up"]]
    assert all(not t.startswith("cue:") for t, _ in terms["economy"]["en"]["up"] + terms["economy"]["en"]["down"])
