"""framing.render.explanation: the explanation as an HTML page."""

from __future__ import annotations

from framing.analysis.explain import explain_text
from framing.model.frame_model import FrameModel
from framing.render.explanation import explanation_html

from ..conftest import article_texts


def test_html_is_self_contained(model: FrameModel) -> None:
    page = explanation_html([("a1", explain_text(model, article_texts()["a1"]))])
    assert "<script" not in page and "http" not in page
    assert "economy" in page and "sanctions" in page
