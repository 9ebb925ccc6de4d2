"""Decision values block by block equal those of the whole feature matrix."""

from __future__ import annotations

import numpy as np
from sklearn.pipeline import FeatureUnion

from framing.model.frame_model import FrameModel

from .._fast.test_vectorizers import EDGE, TEXTS


def test_block_decision_equals_whole_matrix_decision(model: FrameModel) -> None:
    texts = TEXTS + EDGE
    blocks = model._decision_of_texts(texts)
    whole = model._decision(model.vectorizer.transform(texts))
    assert blocks.shape == whole.shape == (len(texts), len(model.frames))
    np.testing.assert_allclose(blocks, whole, rtol=0, atol=1e-12)
    assert np.isfinite(blocks).all()


def test_block_decision_falls_back_for_weighted_unions(model: FrameModel) -> None:
    # Weighted blocks are scaled inside the union: the block path must not skip that.
    weighted = FeatureUnion(model.vectorizer.transformer_list, transformer_weights={"words": 2.0, "chars": 1.0})
    model.vectorizer = weighted
    texts = TEXTS[:5]
    np.testing.assert_allclose(model._decision_of_texts(texts), model._decision(weighted.transform(texts)), atol=1e-12)


def test_decision_in_groups_of_rows_equals_one_group(model: FrameModel, monkeypatch) -> None:
    # Scoring builds the matrices of at most _ROW_CHARS characters at a time.
    import framing._fast.scorer as scorer_module

    texts = TEXTS + EDGE
    whole = model._decision_of_texts(texts)
    monkeypatch.setattr(scorer_module, "_ROW_CHARS", 120)
    assert len(scorer_module.row_groups(texts)) > 5
    np.testing.assert_array_equal(model._decision_of_texts(texts), whole)
    assert model._decision_of_texts([]).shape == (0, len(model.frames))


def test_row_groups_cover_every_text_once_in_order(monkeypatch) -> None:
    import framing._fast.scorer as scorer_module

    monkeypatch.setattr(scorer_module, "_ROW_CHARS", 10)
    texts = ["a" * 4, "b" * 4, "c" * 30, "", "d" * 2, "e" * 9]
    groups = scorer_module.row_groups(texts)
    assert [texts[g] for g in groups] == [texts[0:2], texts[2:3], texts[3:5], texts[5:6]]
    assert scorer_module.row_groups([]) == []
