"""Judged-on frames: a frame added to the codebook does not turn older passages into its negatives."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from framing.core.errors import LabelError, TrainingError
from framing.core.metrics import scores_from_predictions
from framing.labels.codebook import load_codebook
from framing.labels.store import LabelledPassage, labels_digest, read_labels
from framing.model.evaluation import cross_validate, evaluate_model
from framing.model.frame_model import FrameModel
from framing.model.training import judged_matrix, train

from ..conftest import CODEBOOK_TOML, FRAMES, make_passages, write_jsonl

# Version 2 of the codebook adds "energy". The older passages (the conftest
# corpus) include oil and pipeline passages that a coder under version 2 might
# well mark "energy": they were simply never asked.
ENERGY_TOML = CODEBOOK_TOML + """
[[frames]]
id = "energy"
label = "Energy"
definition = "Oil, gas, pipelines, power."
added = 2
"""

NEW_PASSAGES: list[tuple[str, str, tuple[str, ...]]] = [
    ("en", "Gas flows through the pipeline to China doubled, and the new power plant on the steppe began selling "
     "electricity.", ("energy",)),
    ("en", "Kazakhstan's uranium and coal exports fed power stations abroad while domestic electricity tariffs "
     "rose.", ("energy",)),
    ("en", "The oil terminal at the Caspian port handled record crude volumes as the pipeline consortium expanded "
     "capacity.", ("energy", "economy")),
    ("ru", "Поставки газа по трубопроводу в Китай выросли вдвое, а новая электростанция начала продавать "
     "электроэнергию.", ("energy",)),
    ("ru", "Экспорт урана и угля обеспечил зарубежные электростанции, а тарифы на электричество внутри страны "
     "выросли.", ("energy",)),
    ("ru", "Нефтяной терминал в каспийском порту принял рекордные объемы нефти, а трубопроводный консорциум "
     "расширил мощности.", ("energy", "economy")),
    ("en", "Border guards stopped a convoy of troops near the northern checkpoint, officials said on Friday.",
     ("security",)),
    ("en", "Schools began teaching Kazakh history with new textbooks about the Soviet past and the national "
     "language.", ("identity",)),
    ("ru", "Банки заморозили платежи, а инвесторы ушли с рынка после новых санкций против торговли.", ("economy",)),
    ("ru", "Футбольный клуб из столицы выиграл кубок страны в воскресенье при полном стадионе.", ()),
]
ALL_FRAMES = [*FRAMES, "energy"]


def _energy_codebook(tmp_path: Path) -> Path:
    path = tmp_path / "codebook.toml"
    path.write_text(ENERGY_TOML, encoding="utf-8")
    return path


def _label_files(tmp_path: Path, *, stamp_old: bool) -> Path:
    """Old passages (unstamped, or stamped version 1) and new ones stamped version 2."""
    folder = tmp_path / "labels"
    folder.mkdir(parents=True)
    old = []
    for p in make_passages():
        record = {"id": p.id, "text": p.text, "frames": list(p.frames), "language": p.language, "source": p.source}
        if stamp_old:
            record["codebook_version"] = 1
        old.append(record)
    write_jsonl(folder / "old.jsonl", old)
    write_jsonl(
        folder / "new.jsonl",
        [
            {"id": f"n{i}", "text": t, "frames": list(f), "language": lang, "source": f"n{i}", "codebook_version": 2}
            for i, (lang, t, f) in enumerate(NEW_PASSAGES)
        ],
    )
    return folder


@pytest.fixture(scope="module")
def energy(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Codebook version 2 with "energy", the labels, and models trained with and without judged-on frames."""
    tmp = tmp_path_factory.mktemp("energy")
    book = load_codebook(_energy_codebook(tmp))
    passages = read_labels([_label_files(tmp, stamp_old=False)], codebook=book)
    model = train(passages, frames=book.ids, random_state=0)
    # What a naive retrain does: every older passage counts as a negative of "energy".
    naive = train([dataclasses.replace(p, judged=None) for p in passages], frames=book.ids, random_state=0)
    return {"book": book, "passages": passages, "model": model, "naive": naive}


def test_frame_added_to_the_codebook_is_not_learnt_from_older_passages(energy: dict) -> None:
    """The "Must show" test: older passages do not count as negatives of a frame added later."""
    book, passages, model, naive = energy["book"], energy["passages"], energy["model"], energy["naive"]
    assert book.frames_at(1) == list(FRAMES)
    old = [p for p in passages if not p.id.startswith("n")]
    new = [p for p in passages if p.id.startswith("n")]
    assert all(p.judged == FRAMES for p in old)  # judged on version 1's frames only
    assert all(p.judged is None for p in new)  # version 2: every frame
    assert model.card["judged"] == {"economy": 34, "security": 34, "identity": 34, "energy": len(NEW_PASSAGES)}

    # The energy classifier is exactly the one fitted on the version-2 passages alone.
    j = book.ids.index("energy")
    X_new = model.vectorizer.transform([p.text for p in new])
    y_new = np.array(["energy" in p.frames for p in new], dtype=np.int8)
    alone = LogisticRegression(
        C=model.config.C, class_weight=model.config.class_weight, solver="liblinear", dual=True,
        max_iter=model.config.max_iter, tol=model.config.tol, random_state=0,
    ).fit(X_new, y_new)
    np.testing.assert_allclose(model.classifiers[j].coef_, alone.coef_)

    # Counting the older passages as negatives teaches "oil and pipelines are not
    # energy"; judged-on labels do not. Compared on the classifiers' own log-odds.
    oil = [p.text for p in old if "oil" in p.text.lower() or "нефт" in p.text]
    assert len(oil) == 6
    masked = model.classifiers[j].decision_function(model.vectorizer.transform(oil))
    counted = naive.classifiers[j].decision_function(naive.vectorizer.transform(oil))
    assert (masked > counted).all()
    assert (counted < 0).all()  # the naive model calls every one of them "not energy"


def test_stamped_and_unstamped_older_labels_are_judged_alike(tmp_path: Path) -> None:
    book = load_codebook(_energy_codebook(tmp_path))
    unstamped = read_labels([_label_files(tmp_path / "a", stamp_old=False)], codebook=book)
    stamped = read_labels([_label_files(tmp_path / "b", stamp_old=True)], codebook=book)
    assert [p.judged for p in unstamped] == [p.judged for p in stamped]
    assert sum(p.judged == FRAMES for p in stamped) == 24


def test_evaluation_counts_a_frame_only_on_passages_judged_for_it(energy: dict) -> None:
    book, passages, model = energy["book"], energy["passages"], energy["model"]
    report = evaluate_model(model, passages)
    energy_row = report["per_frame"]["energy"]
    assert energy_row["support"] == sum("energy" in f for _, _, f in NEW_PASSAGES)
    # The same figures as scoring the version-2 passages alone on energy.
    j = book.ids.index("energy")
    new = [p for p in passages if p.id.startswith("n")]
    truth = np.array([["energy" in p.frames] for p in new])
    pred = model.predict([p.text for p in new])[:, [j]]
    assert energy_row == scores_from_predictions(truth, pred, ["energy"])["per_frame"]["energy"]
    # Whatever the model says about "energy" on the older passages is neither hit nor miss.
    flipped = [dataclasses.replace(p, frames=(*p.frames, "energy")) if not p.id.startswith("n") else p
               for p in passages]
    assert evaluate_model(model, flipped)["per_frame"]["energy"]["support"] > energy_row["support"]
    assert evaluate_model(model, passages)["per_frame"]["identity"] == report["per_frame"]["identity"]


def test_cross_validation_masks_unjudged_cells(energy: dict) -> None:
    report = cross_validate(energy["passages"], folds=3, frames=energy["book"].ids, random_state=0)
    assert report["per_frame"]["energy"]["support"] == 6
    assert report["per_frame"]["economy"]["support"] == 8 + 3  # the corpus's 8 and three new ones


def test_fully_judged_labels_train_exactly_as_before(passages: list[LabelledPassage], model: FrameModel) -> None:
    judged = [dataclasses.replace(p, judged=FRAMES) for p in passages]
    assert judged_matrix(judged, list(FRAMES)) is None
    a = model  # trained on the same passages with judged=None
    b = train(judged, frames=list(FRAMES), random_state=0)
    np.testing.assert_array_equal(a.thresholds, b.thresholds)
    for ca, cb in zip(a.classifiers, b.classifiers):
        np.testing.assert_array_equal(ca.coef_, cb.coef_)
    assert "judged" not in a.card and "judged" not in b.card


def test_judged_matrix_counts_carried_frames_as_judged() -> None:
    ps = [
        LabelledPassage("1", "x", ("b",), "en", judged=("a",)),  # carries b: judged on it whatever the list says
        LabelledPassage("2", "y", (), "en"),
    ]
    np.testing.assert_array_equal(judged_matrix(ps, ["a", "b", "c"]), [[True, True, False], [True, True, True]])


def test_a_frame_needs_a_judged_negative(passages: list[LabelledPassage]) -> None:
    # Every passage judged on "identity" carries it: no negative to learn from.
    narrowed = [p if "identity" in p.frames else dataclasses.replace(p, judged=("economy", "security"))
                for p in passages]
    with pytest.raises(TrainingError, match="every passage carries identity"):
        train(narrowed, frames=list(FRAMES), random_state=0)


def test_read_labels_judged_and_codebook_version(tmp_path: Path) -> None:
    book = load_codebook(_energy_codebook(tmp_path))
    path = write_jsonl(tmp_path / "l.jsonl", [
        {"text": "Oil and gas.", "frames": ["energy"], "codebook_version": 1},
        {"text": "Troops.", "frames": [], "judged": ["security"]},
        {"text": "Troops and oil.", "frames": [], "codebook_version": 2},
        {"text": "Schools.", "frames": ["identity"]},
    ])
    p = read_labels([path], codebook=book)
    assert p[0].judged == (*FRAMES, "energy")  # version 1, but it carries energy: judged on it
    assert p[1].judged == ("security",)
    assert p[2].judged is None
    assert p[3].judged == FRAMES
    # Without a codebook the version cannot be read; an explicit list still counts.
    plain = read_labels([path])
    assert [x.judged for x in plain] == [None, ("security",), None, None]
    # Narrowed judgements change the digest; fully judged labels keep theirs.
    assert labels_digest(p) != labels_digest(plain)
    assert labels_digest(plain[2:]) == labels_digest([dataclasses.replace(x, judged=None) for x in plain[2:]])


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"text": "t", "frames": [], "judged": ["enrgy"]}, "2: unknown frame 'enrgy' in 'judged'; did you mean"),
        ({"text": "t", "frames": [], "judged": 5}, "2: 'judged' must be a list"),
        ({"text": "t", "frames": [], "codebook_version": 3}, "2: codebook_version 3 is not a version of the"),
        ({"text": "t", "frames": [], "codebook_version": "two"}, "2: codebook_version 'two' is not a version"),
    ],
)
def test_bad_judged_fields_name_the_line(tmp_path: Path, record: dict, message: str) -> None:
    book = load_codebook(_energy_codebook(tmp_path))
    path = write_jsonl(tmp_path / "l.jsonl", [{"text": "fine", "frames": []}, record])
    with pytest.raises(LabelError) as info:
        read_labels([path], codebook=book)
    assert str(info.value).startswith(f"{path}:")
    assert message in str(info.value)


def test_csv_labels_carry_codebook_version(tmp_path: Path) -> None:
    book = load_codebook(_energy_codebook(tmp_path))
    path = tmp_path / "l.csv"
    path.write_text("text,frames,codebook_version\nOil.,economy,1\nGas.,energy,2\n", encoding="utf-8")
    p = read_labels([path], codebook=book)
    assert p[0].judged == FRAMES and p[1].judged is None


@pytest.mark.parametrize("added", ["3", "0", '"2"', "true"])
def test_codebook_added_must_be_a_version(tmp_path: Path, added: str) -> None:
    path = tmp_path / "codebook.toml"
    path.write_text(ENERGY_TOML.replace("added = 2", f"added = {added}"), encoding="utf-8")
    with pytest.raises(LabelError, match="'added' must be a codebook version"):
        load_codebook(path)


def test_write_labels_keeps_judged(tmp_path: Path) -> None:
    from framing.labels.store import write_labels

    path = tmp_path / "out.jsonl"
    write_labels([LabelledPassage("p", "Oil.", (), "en", judged=("economy",))], path)
    assert json.loads(path.read_text(encoding="utf-8"))["judged"] == ["economy"]
    assert read_labels([path])[0].judged == ("economy",)
