"""Reading articles: .txt files and folders with a metadata sidecar, JSONL, CSV, standard input."""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from framing.core.errors import InputError
from framing.inputs.articles import read_articles

from ..conftest import article_texts, write_csv, write_jsonl

TEXT = "Kazakhstan said it would not help Russia evade the sanctions on oil exports."


def test_folder_of_txt_files_with_metadata_sidecar(articles_dir: Path) -> None:
    articles = list(read_articles([articles_dir]))
    assert [a.id for a in articles] == sorted(article_texts())
    first = articles[0]
    assert first.meta == {"title": "Title a1", "outlet": "Outlet 0", "group": "western"}
    assert articles[-1].meta["group"] == "russian"
    assert article_texts()["a1"] in first.text
    assert first.origin == str(articles_dir / "a1.txt")


def test_title_defaults_to_the_first_line_and_empty_metadata_is_dropped(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text(f"\n\n  The headline  \n\n{TEXT}\n", encoding="utf-8")
    (tmp_path / "y.txt").write_text(f"Another headline\n\n{TEXT}\n", encoding="utf-8")
    (tmp_path / "metadata.csv").write_text("id,title,outlet\ny,,Outlet Y\n", encoding="utf-8")
    x, y = read_articles([tmp_path])
    assert x.meta == {"title": "The headline"}
    assert y.meta == {"outlet": "Outlet Y", "title": "Another headline"}


def test_metadata_jsonl_sidecar_and_single_txt_file(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text(f"Headline\n\n{TEXT}", encoding="utf-8")
    write_jsonl(tmp_path / "metadata.jsonl", [{"id": "x", "group": "western", "year": 2022}])
    (article,) = read_articles([tmp_path / "x.txt"])
    assert article.meta == {"group": "western", "year": 2022, "title": "Headline"}


def test_a_metadata_id_given_twice_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text(f"Headline\n\n{TEXT}", encoding="utf-8")
    (tmp_path / "metadata.csv").write_text("id,group\nx,western\ny,russian\nx,russian\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"metadata.csv:4: id 'x' appears twice \(also line 2\)"):
        list(read_articles([tmp_path]))
    (tmp_path / "metadata.csv").unlink()
    write_jsonl(tmp_path / "metadata.jsonl", [{"id": "x"}, {"id": "x", "group": "western"}])
    with pytest.raises(InputError, match=r"metadata.jsonl:2: id 'x' appears twice \(also line 1\)"):
        list(read_articles([tmp_path]))


def test_two_metadata_sidecars_are_an_error(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text(f"Headline\n\n{TEXT}", encoding="utf-8")
    (tmp_path / "metadata.csv").write_text("id,group\nx,western\n", encoding="utf-8")
    write_jsonl(tmp_path / "metadata.jsonl", [{"id": "x", "group": "russian"}])
    with pytest.raises(InputError, match=r"both metadata\.csv and metadata\.jsonl are here; keep one of them"):
        list(read_articles([tmp_path]))
    (tmp_path / "metadata.jsonl").unlink()
    (tmp_path / "metadata.csv").unlink()
    (tmp_path / "metadata.csv").mkdir()
    with pytest.raises(InputError, match=r"metadata\.csv: is not a file"):
        list(read_articles([tmp_path]))


def test_utf8_bom_is_removed(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_bytes(("Заголовок\n\n" + TEXT).encode("utf-8-sig"))
    (article,) = read_articles([tmp_path / "x.txt"])
    assert article.text.startswith("Заголовок")
    assert article.meta["title"] == "Заголовок"


def test_jsonl_articles(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "in.jsonl",
        [{"id": "k1", "text": TEXT, "outlet": "X", "group": "western"}, {"text": "Второй текст статьи."}],
    )
    a, b = read_articles([path])
    assert (a.id, a.text, a.meta) == ("k1", TEXT, {"outlet": "X", "group": "western"})
    assert b.id == "in:2"  # file stem and line when there is no id
    assert b.origin == f"{path}:2"


def test_custom_text_and_id_fields(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [{"key": 7, "body": TEXT, "text": "ignored metadata"}])
    (a,) = read_articles([path], text_field="body", id_field="key")
    assert (a.id, a.text, a.meta) == ("7", TEXT, {"text": "ignored metadata"})


def test_malformed_jsonl_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"text": TEXT}) + "\n\n" + '{"text": "unterminated\n', encoding="utf-8")
    reader = read_articles([path])
    assert next(reader).text == TEXT  # lazily: the good record comes first
    with pytest.raises(InputError, match="malformed JSON") as info:
        next(reader)
    assert str(info.value).startswith(f"{path}:3: ")
    assert info.value.line == 3


@pytest.mark.parametrize(
    ("line", "message"),
    [("[1, 2]", "must be a JSON object"), ('{"id": "x"}', "no 'text' text"), ('{"text": "  "}', "empty 'text'")],
)
def test_bad_jsonl_records(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=message) as info:
        list(read_articles([path]))
    assert str(info.value).startswith(f"{path}:1: ")


def test_csv_articles(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "in.csv", [
        ["id", "outlet", "text"], ["c1", "Outlet", f"First line.\n\n{TEXT}"], ["", "Other", TEXT],
    ])
    a, b = read_articles([path])
    assert (a.id, a.meta, a.text) == ("c1", {"outlet": "Outlet"}, f"First line.\n\n{TEXT}")
    assert b.id.startswith("in:")


def test_csv_id_column_matches_ignoring_case_and_spaces(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(f' ID ,Text,Outlet\nc1,"{TEXT}",X\n', encoding="utf-8")
    (article,) = read_articles([path])
    assert (article.id, article.meta) == ("c1", {"Outlet": "X"})


def test_csv_named_id_and_text_columns_match_ignoring_case(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(f'Article_ID,BODY,id\nc1,"{TEXT}",other\n', encoding="utf-8")
    (article,) = read_articles([path], text_field="body", id_field="article_id")
    assert (article.id, article.text, article.meta) == ("c1", TEXT, {"id": "other"})


def test_an_exact_csv_id_column_wins_over_one_in_another_case(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(f'ID,id,text\nupper,lower,"{TEXT}"\n', encoding="utf-8")
    (article,) = read_articles([path])
    assert (article.id, article.meta) == ("lower", {"ID": "upper"})


def test_csv_without_the_text_column_lists_the_columns_found(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("id,body,outlet\n1,some text,X\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        list(read_articles([path]))
    message = str(info.value)
    assert message.startswith(f"{path}:1: no 'text' column")
    assert "'id', 'body', 'outlet'" in message


def test_not_utf8(tmp_path: Path) -> None:
    # Legacy encodings are detected and reported (more in test_inputs.py); damaged UTF-8 is an error.
    path = tmp_path / "in.jsonl"
    path.write_bytes(json.dumps({"text": TEXT}).encode() + b"\n" + '{"text": "Казахстан"}'.encode("cp1251") + b"\n")
    notes: list[str] = []
    assert [a.text for a in read_articles([path], on_warning=notes.append)] == [TEXT, "Казахстан"]
    assert notes == [f"{path}: not UTF-8; read as Windows-1251 (check that the text reads right)"]
    txt = tmp_path / "x.txt"
    txt.write_bytes("Заголовок\n\nКазахстан".encode() + b"\xff\n")
    with pytest.raises(InputError, match="damaged UTF-8") as info:
        list(read_articles([txt]))
    assert info.value.line == 3


def test_missing_inputs_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or folder"):
        list(read_articles([tmp_path / "missing.txt"]))
    with pytest.raises(InputError, match=r"holds no \.txt"):
        list(read_articles([tmp_path]))
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")
    with pytest.raises(InputError, match="empty file"):
        list(read_articles([tmp_path / "empty.txt"]))


def test_inputs_are_read_in_the_order_given(tmp_path: Path) -> None:
    (tmp_path / "b.txt").write_text(f"B\n\n{TEXT}", encoding="utf-8")
    (tmp_path / "a.txt").write_text(f"A\n\n{TEXT}", encoding="utf-8")
    assert [a.id for a in read_articles([tmp_path / "b.txt", tmp_path / "a.txt"])] == ["b", "a"]
    assert [a.id for a in read_articles([tmp_path])] == ["a", "b"]


def test_stdin_plain_text() -> None:
    (article,) = read_articles(["-"], stdin=io.StringIO(f"Headline\n\n{TEXT}\n"))
    assert article.id == "stdin"
    assert article.text == f"Headline\n\n{TEXT}\n"


def test_stdin_jsonl() -> None:
    stream = io.StringIO(json.dumps({"id": "s1", "text": TEXT, "group": "g"}) + "\n\n" + json.dumps({"text": "Два."}))
    a, b = read_articles(["-"], stdin=stream)
    assert (a.id, a.text, a.meta) == ("s1", TEXT, {"group": "g"})
    assert (b.id, b.text) == ("stdin:3", "Два.")


@pytest.mark.parametrize(
    ("data", "message", "line"),
    [("", "no input", None), ("{not json", "malformed JSON", 1), ('{"id": 1}\n', "needs a 'text' string", 1)],
)
def test_bad_stdin(data: str, message: str, line: int | None) -> None:
    with pytest.raises(InputError, match=message) as info:
        list(read_articles(["-"], stdin=io.StringIO(data)))
    assert info.value.path == "<stdin>"
    assert info.value.line == line


# Property tests: arbitrary texts round-trip through JSONL and CSV files ------------------------

_texts = st.lists(st.text(min_size=1).filter(lambda t: t.strip() != ""), min_size=1, max_size=5)


@settings(suppress_health_check=[HealthCheck.filter_too_much])
@given(_texts)
def test_texts_round_trip_through_jsonl(texts: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = write_jsonl(Path(folder) / "in.jsonl", [{"id": str(i), "text": t} for i, t in enumerate(texts)])
        articles = list(read_articles([path]))
    assert [a.text for a in articles] == texts
    assert [a.id for a in articles] == [str(i) for i in range(len(texts))]


@settings(suppress_health_check=[HealthCheck.filter_too_much])
@given(_texts)
def test_texts_round_trip_through_csv(texts: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = write_csv(Path(folder) / "in.csv", [["id", "text"], *([str(i), t] for i, t in enumerate(texts))])
        articles = list(read_articles([path]))
    assert [a.text for a in articles] == texts
    assert [a.id for a in articles] == [str(i) for i in range(len(texts))]
