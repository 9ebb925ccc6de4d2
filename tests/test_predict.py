"""Decision values block by block equal those of the whole feature matrix."""

from __future__ import annotations

import numpy as np
from sklearn.pipeline import FeatureUnion

from framing.model import FrameModel

from .test_features import EDGE, TEXTS


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
