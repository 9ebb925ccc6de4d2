"""Model files saved by earlier versions of framing still load and score the same.

``tests/data/legacy-model/`` holds two small models trained by the code before the package was
split into subpackages (when its classes lived in ``framing.model``, ``framing.features``,
``framing.text`` and ``framing.cues``), with the scores they gave the seed articles then:
``plain`` (``labels/seeds.jsonl``, ``--no-cues``) and ``cues`` (``labels/seeds.jsonl`` and
``labels/background-ru.jsonl``, with the default cue features and relevance check).
"""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import pytest

import framing
from framing.runs.scoring import score

LEGACY = Path(__file__).parent.parent / "data" / "legacy-model"
SEEDS = Path(__file__).parent.parent.parent / "seeds"


def _made_with_this_scikit_learn(model: Path) -> bool:
    card = json.loads(model.with_suffix("").with_suffix(".card.json").read_text(encoding="utf-8"))
    return bool(card["versions"]["scikit-learn"] == version("scikit-learn"))


@pytest.mark.parametrize("name", ["plain", "cues"])
def test_a_model_file_of_the_earlier_layout_loads_and_scores_as_it_did(name: str, tmp_path: Path) -> None:
    model = LEGACY / f"{name}.joblib"
    if not _made_with_this_scikit_learn(model):
        pytest.skip("the fixture was made with another scikit-learn, which load_model refuses by design")
    loaded = framing.load_model(model)
    assert isinstance(loaded, framing.FrameModel)
    assert len(loaded.frames) == 10
    out = tmp_path / "scores.jsonl"
    score([SEEDS], model=model, out=out)
    assert out.read_bytes() == (LEGACY / f"{name}-seed-scores.jsonl").read_bytes()
