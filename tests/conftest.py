"""Shared fixtures: a tiny hand-written bilingual labelled corpus, its codebook,
trained models and a folder of articles to score.

The corpus has three frames (economy, security, identity) and 24 passages,
12 English and 12 Russian, from 8 "articles" of 3 passages each. Each frame
has its own vocabulary in both languages, so a model trained on it separates
the frames, but nothing in the tests depends on more than that.
"""

from __future__ import annotations

import copy
import csv
import importlib.util
import json
import os
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest
from hypothesis import settings

from framing.labels.store import LabelledPassage
from framing.model.config import ModelConfig
from framing.model.files import save_model
from framing.model.frame_model import FrameModel
from framing.model.training import train

FRAMES = ("economy", "security", "identity")

# (article, language, text, frames)
CORPUS: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("a1", "en", "Western sanctions cut oil exports and trade through the pipeline, and the tenge fell "
     "against the dollar this week.", ("economy",)),
    ("a1", "en", "Troops from the military alliance landed at the airport as soldiers guarded the border "
     "and the army patrolled the capital.", ("security",)),
    ("a1", "en", "The old Soviet monuments and the Russian language divide the nation, as people debate "
     "their history and identity.", ("identity",)),
    ("a2", "en", "Banks froze payments and investors fled as sanctions on oil, grain and metal trade hit "
     "the economy hard.", ("economy",)),
    ("a2", "en", "The language law and Soviet memory shaped a new national identity, with schools teaching "
     "Kazakh history anew.", ("identity",)),
    ("a2", "en", "The weather in the capital was mild on Tuesday, and the city parks were full of families "
     "walking together.", ()),
    ("a3", "en", "Military drills near the border and new missile troops alarmed officials who fear the "
     "army could invade the north.", ("security",)),
    ("a3", "en", "Oil exports, pipeline tariffs and trade with Europe rose as companies rerouted goods "
     "around the sanctions.", ("economy",)),
    ("a3", "en", "Soldiers of the alliance and tanks at the border show the military threat, while "
     "sanctions hurt the trade in grain.", ("security", "economy")),
    ("a4", "en", "Monuments to the Soviet past came down and the national language gained ground as people "
     "rethink their identity and history.", ("identity",)),
    ("a4", "en", "The army and border guards raised readiness after the troops of the alliance left, "
     "officials said on Monday.", ("security",)),
    ("a4", "en", "A football match drew a large crowd to the stadium on Saturday evening, and the home team "
     "won by two goals.", ()),
    ("a5", "ru", "Санкции ударили по экспорту нефти и торговле, банки заморозили платежи, а тенге упал "
     "к доллару.", ("economy",)),
    ("a5", "ru", "Войска военного союза вошли в столицу, солдаты охраняли аэропорт, а армия патрулировала "
     "границу.", ("security",)),
    ("a5", "ru", "Советские памятники и русский язык разделяют общество, люди спорят об истории и "
     "национальной идентичности.", ("identity",)),
    ("a6", "ru", "Экспорт нефти и зерна через трубопровод вырос, компании обходят санкции и расширяют "
     "торговлю с Европой.", ("economy",)),
    ("a6", "ru", "Закон о языке и память о советском прошлом формируют новую национальную идентичность "
     "и историю страны.", ("identity",)),
    ("a6", "ru", "В субботу в городском парке прошел концерт, и семьи с детьми гуляли до позднего "
     "вечера.", ()),
    ("a7", "ru", "Военные учения у границы и новые ракетные войска встревожили чиновников, которые "
     "опасаются вторжения армии.", ("security",)),
    ("a7", "ru", "Санкции против нефти и металлов ударили по экономике, инвесторы ушли, а торговля "
     "сократилась.", ("economy",)),
    ("a7", "ru", "Солдаты союза и танки у границы показывают военную угрозу, а санкции бьют по торговле "
     "зерном.", ("security", "economy")),
    ("a8", "ru", "Памятники советскому прошлому снесли, национальный язык укрепился, а люди "
     "переосмысливают историю и идентичность.", ("identity",)),
    ("a8", "ru", "Армия и пограничники повысили готовность после того, как войска союза покинули страну, "
     "сообщили чиновники.", ("security",)),
    ("a8", "ru", "Футбольный матч собрал много зрителей на стадионе в субботу вечером, и хозяева "
     "выиграли со счетом два ноль.", ()),
]

CODEBOOK_TOML = """\
version = 2
name = "Test codebook"
description = "Three frames for the tests."

[[frames]]
id = "economy"
label = "Economy"
definition = "Trade, sanctions, oil, money."
cues_en = ["sanctions", "oil"]
cues_ru = ["санкции", "нефть"]

[[frames]]
id = "security"
label = "Security"
definition = "Troops, borders, the military alliance."
includes = ["troops at the border"]
excludes = ["a football match"]

[[frames]]
id = "identity"
label = "Identity"
definition = "Language, memory, the Soviet past."
"""

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


def load_script(name: str):
    """A benchmark script of scripts/ as a module (they are not a package)."""
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Registered before running it: dataclasses look their module up in sys.modules.
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def strip_ansi(text: str) -> str:
    """Output without colour codes (rich adds them when FORCE_COLOR or CI is set)."""
    return _ANSI.sub("", text)


# HYPOTHESIS_PROFILE=thorough runs the property tests on many more examples.
settings.register_profile("thorough", max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: trains on the project's real labels (about 40 s)")


def make_passages() -> list[LabelledPassage]:
    counters: dict[str, int] = {}
    out = []
    for article, language, text, frames in CORPUS:
        counters[article] = counters.get(article, 0) + 1
        ident = f"{article}-p{counters[article]}"
        out.append(LabelledPassage(ident, text, frames, language, article, "corpus"))
    return out


OFF_TOPIC = [
    "The football club won the cup final on Saturday in front of a full stadium.",
    "Heavy rain is expected across the south on Sunday, forecasters said, with cooler nights.",
    "The orchestra opens its season with a concert of Brahms and Dvorak next week.",
    "A new bakery on the high street sells bread, cakes and coffee from seven in the morning.",
    "The tennis player reached the semi-final after a long match in the afternoon heat.",
    "Scientists found a new species of frog in the rainforest, the university said.",
    "В субботу прошел концерт симфонического оркестра, зрители аплодировали стоя.",
    "Синоптики обещают дожди и похолодание на выходных, ночью до пяти градусов.",
    "Хоккейная команда выиграла матч в овертайме и вышла в финал турнира.",
    "В городском парке открыли новую детскую площадку и летнее кафе.",
    "Ученые нашли в лесу новый вид лягушки, сообщил университет.",
    "Театр показал премьеру спектакля по пьесе Чехова, билеты раскупили за день.",
]


def off_topic_passages() -> list[LabelledPassage]:
    """Passages on other subjects, marked off-topic (they teach the relevance check)."""
    return [
        LabelledPassage(f"off-{i}", text, (), "ru" if i >= 6 else "en", f"off-{i}", "corpus", topic="off")
        for i, text in enumerate(OFF_TOPIC)
    ]


def article_texts() -> dict[str, str]:
    """Each article's passages joined as paragraphs, in order."""
    texts: dict[str, list[str]] = {}
    for article, _, text, _ in CORPUS:
        texts.setdefault(article, []).append(text)
    return {a: "\n\n".join(ps) for a, ps in texts.items()}


def article_frames() -> dict[str, list[str]]:
    """Union of the frames of each article's passages, in codebook order."""
    found: dict[str, set[str]] = {}
    for article, _, _, frames in CORPUS:
        found.setdefault(article, set()).update(frames)
    return {a: [f for f in FRAMES if f in fs] for a, fs in found.items()}


def write_jsonl(path: Path, records: list[dict]) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path


def write_csv(path: Path, rows: Iterable[Sequence[object]]) -> Path:
    """Write ``rows`` (the header first) as CSV, quoting as the csv module does."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def article_passages() -> list[LabelledPassage]:
    """The corpus as 8 labelled articles over 300 words each (for article-unit models)."""
    out = []
    frames = article_frames()
    for article, text in article_texts().items():
        body = text
        while len(body.split()) <= 320:
            body = f"{body}\n\n{text}"
        language = "en" if article <= "a4" else "ru"
        out.append(LabelledPassage(article, body, tuple(frames[article]), language, "authored", "articles"))
    return out


@pytest.fixture(scope="session")
def passages() -> list[LabelledPassage]:
    return make_passages()


@pytest.fixture
def labels_file(tmp_path: Path) -> Path:
    """The corpus as a JSONL labels file."""
    records = [
        {"id": p.id, "text": p.text, "frames": list(p.frames), "language": p.language, "source": p.source}
        for p in make_passages()
    ]
    return write_jsonl(tmp_path / "labels.jsonl", records)


@pytest.fixture
def codebook_file(tmp_path: Path) -> Path:
    path = tmp_path / "codebook.toml"
    path.write_text(CODEBOOK_TOML, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def _trained(passages: list[LabelledPassage]) -> FrameModel:
    return train(passages, frames=list(FRAMES), random_state=0)


@pytest.fixture(scope="session")
def article_model() -> FrameModel:
    # Eight articles are too few for out-of-fold Platt scaling (it falls back to
    # each frame's base rate, so every text would score alike); the tests using
    # this model are about the scoring unit, not calibration.
    return train(article_passages(), frames=list(FRAMES), config=ModelConfig(calibrate=False), random_state=0)


@pytest.fixture
def model(_trained: FrameModel) -> FrameModel:
    """A passage model trained on the corpus (a private copy: save_model edits the card)."""
    return copy.deepcopy(_trained)


@pytest.fixture(scope="session")
def model_file(tmp_path_factory: pytest.TempPathFactory, _trained: FrameModel) -> Path:
    """The trained model saved with its card (shared: tests must not change it)."""
    path = tmp_path_factory.mktemp("model") / "test.joblib"
    save_model(copy.deepcopy(_trained), path)
    return path


@pytest.fixture
def articles_dir(tmp_path: Path) -> Path:
    """A folder of .txt articles with clutter around the text and a metadata.csv sidecar."""
    folder = tmp_path / "articles"
    folder.mkdir()
    for article, text in article_texts().items():
        body = f"Headline of {article}\n\n• USD90.99\n\n{text}\n\nSubscribe to our weekly digest\n\nBack to Top\n"
        (folder / f"{article}.txt").write_text(body, encoding="utf-8")
    write_csv(folder / "metadata.csv", [
        ["id", "title", "outlet", "group"],
        *([article, f"Title {article}", f"Outlet {i}", "western" if i < 4 else "russian"]
          for i, article in enumerate(sorted(article_texts()))),
    ])
    return folder
