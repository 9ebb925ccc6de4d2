"""framing.analysis.inspect: a model's strongest terms per frame and language."""

from __future__ import annotations

from framing.analysis.inspect import strongest_terms, term_language
from framing.model.frame_model import FrameModel

from ..conftest import FRAMES


def test_term_language() -> None:
    assert term_language("санкц") == "ru" and term_language(" oil") == "en" and term_language(" . ") is None


def test_strongest_terms_per_frame_and_language(model: FrameModel) -> None:
    terms = strongest_terms(model, top=5)
    assert set(terms) == set(FRAMES)
    economy = terms["economy"]
    assert set(economy) == {"en", "ru"}
    for language, found in economy.items():
        assert 0 < len(found["up"]) <= 5 and 0 < len(found["down"]) <= 5
        assert all(term_language(t) == language for t, _ in found["up"] + found["down"])
        ups = [w for _, w in found["up"]]
        assert ups == sorted(ups, reverse=True) and all(w > 0 for w in ups)
        assert all(w < 0 for _, w in found["down"])
    names = [t for t, _ in economy["en"]["up"]] + [t for t, _ in economy["ru"]["up"]]
    assert {"sanction", "санкц"} & set(names) or any("oil" in n or "нефт" in n for n in names)
