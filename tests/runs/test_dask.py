"""``framing score --engine dask``: the same bytes as the local engine, on a real (local) Dask cluster."""

from __future__ import annotations

import ast
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from distributed import LocalCluster
from typer.testing import CliRunner

from framing.cli import app
from framing.core.errors import InputError
from framing.model.frame_model import FrameModel
from framing.runs.dask import DaskEngineError, score_dask
from framing.runs.scoring import score

from ..conftest import article_texts, read_jsonl, strip_ansi

TEXTS = article_texts()
# A wire copy of a1 in another shard: near-duplicates are linked across shards, in input order.
WIRE = "Astana (Reuters) - " + TEXTS["a1"] + "\n\nThe ministry did not comment."
MALFORMED = '{"id": "broken", "text": \n'
CLUTTER_ONLY = {"id": "menu", "text": "Back to Top\n\nSubscribe to our weekly digest"}


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    # Workers' own logs (a task that failed on purpose) would only repeat what the errors say.
    with LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        dashboard_address=None,
        silence_logs=logging.CRITICAL,
    ) as started:
        yield started


def _write(path: Path, lines: list[dict | str]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for line in lines:
            fh.write(line if isinstance(line, str) else json.dumps(line, ensure_ascii=False) + "\n")


def _record(ident: str, shard: int, text: str | None = None) -> dict:
    return {"id": ident, "text": TEXTS[ident] if text is None else text, "outlet": f"Outlet {shard}", "group": "g"}


@pytest.fixture(scope="module")
def shards(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three folders of three shards: clean/, bad/ (a malformed line, an article of clutter only), one_bad/."""
    root = tmp_path_factory.mktemp("shards")
    clean = [
        [_record("a1", 0), _record("a2", 0), _record("a3", 0)],
        [_record("a4", 1), _record("a5", 1), _record("a1", 1, WIRE) | {"id": "wire"}],
        [_record("a6", 2), _record("a7", 2), _record("a8", 2)],
    ]
    bad = [clean[0], [*clean[1][:2], MALFORMED, clean[1][2]], [clean[2][0], CLUTTER_ONLY, *clean[2][1:]]]
    one_bad = [clean[0], [*clean[1][:2], MALFORMED, clean[1][2]], clean[2]]
    for name, content in (("clean", clean), ("bad", bad), ("one_bad", one_bad)):
        (root / name).mkdir()
        for i, lines in enumerate(content):
            _write(root / name / f"s{i}.jsonl", lines)
    return root


def _left(folder: Path) -> list[str]:
    """Parts folders and temporary outputs left in ``folder``."""
    return sorted(p.name for p in folder.iterdir() if ".parts." in p.name or p.name.endswith(".part"))


@pytest.mark.parametrize("with_passages", [False, True])
def test_same_bytes_as_the_local_engine(
    tmp_path: Path, shards: Path, model: FrameModel, cluster: LocalCluster, with_passages: bool
) -> None:
    pattern = str(shards / "clean" / "*.jsonl")
    local = score([pattern], model=model, out=tmp_path / "local.jsonl", jobs=1,
                  passages_out=tmp_path / "local-p.jsonl" if with_passages else None)
    dask = score_dask([pattern], model=model, out=tmp_path / "dask.jsonl", scheduler=cluster.scheduler_address,
                      passages_out=tmp_path / "dask-p.jsonl" if with_passages else None, keep_records=2)
    assert (tmp_path / "dask.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()
    records = read_jsonl(tmp_path / "dask.jsonl")
    assert [r["id"] for r in records] == ["a1", "a2", "a3", "a4", "a5", "wire", "a6", "a7", "a8"]
    # The wire copy in the second shard points to the first shard's article.
    assert {r["id"]: r["duplicate_of"] for r in records if r["duplicate_of"]} == {"wire": "a1"}
    assert (dask.articles, dask.passages, dask.duplicates) == (local.articles, local.passages, 1)
    assert [r["id"] for r in dask.records] == ["a1", "a2"]
    if with_passages:
        assert (tmp_path / "dask-p.jsonl").read_bytes() == (tmp_path / "local-p.jsonl").read_bytes()
        assert dask.passages == len(read_jsonl(tmp_path / "dask-p.jsonl")) > dask.articles
    else:
        assert not (tmp_path / "dask-p.jsonl").exists()
    assert _left(tmp_path) == []


def test_skip_bad_as_the_local_engine(tmp_path: Path, shards: Path, model: FrameModel, cluster: LocalCluster) -> None:
    pattern = str(shards / "bad" / "*.jsonl")
    local = score([pattern], model=model, out=tmp_path / "local.jsonl", passages_out=tmp_path / "local-p.jsonl",
                  skip_bad=True, jobs=1)
    seen: list[str] = []
    dask = score_dask([pattern], model=model, out=tmp_path / "dask.jsonl", passages_out=tmp_path / "dask-p.jsonl",
                      skip_bad=True, on_skip=lambda error: seen.append(str(error)),
                      scheduler=cluster.scheduler_address)
    assert (tmp_path / "dask.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()
    assert (tmp_path / "dask-p.jsonl").read_bytes() == (tmp_path / "local-p.jsonl").read_bytes()
    # The same messages, naming file and line (the local engine reads ahead, so its order may differ).
    assert sorted(dask.skipped) == sorted(local.skipped) == sorted(seen)
    assert len(dask.skipped) == 2
    assert dask.skipped[0].startswith(f"{shards / 'bad' / 's1.jsonl'}:3: malformed JSON")
    assert dask.skipped[1].startswith(f"{shards / 'bad' / 's2.jsonl'}:2: nothing left to score")
    assert dask.articles == local.articles == 9
    assert _left(tmp_path) == []


def test_bad_record_stops_the_run_as_locally(
    tmp_path: Path, shards: Path, model: FrameModel, cluster: LocalCluster
) -> None:
    pattern = str(shards / "one_bad" / "*.jsonl")
    with pytest.raises(InputError) as local:
        score([pattern], model=model, out=tmp_path / "local.jsonl", jobs=1)
    with pytest.raises(InputError) as dask:
        score_dask([pattern], model=model, out=tmp_path / "dask.jsonl", passages_out=tmp_path / "dask-p.jsonl",
                   scheduler=cluster.scheduler_address)
    assert str(dask.value) == str(local.value)
    assert str(dask.value).startswith(f"{shards / 'one_bad' / 's1.jsonl'}:3: malformed JSON")
    # Nothing half-written under a final name, no parts left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_cli_dask_engine(
    tmp_path: Path,
    shards: Path,
    model_file: Path,
    cluster: LocalCluster,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Relative paths, from a folder the workers were not started in: they get absolute paths,
    # and messages name the files as given.
    monkeypatch.chdir(shards)
    parts = tmp_path / "parts"
    parts.mkdir()
    common = ["score", "bad/*.jsonl", "--model", str(model_file), "--skip-bad", "--show", "2"]
    runner = CliRunner()
    local = runner.invoke(app, [*common, "--out", str(tmp_path / "local.jsonl")])
    assert local.exit_code == 0, local.output
    result = runner.invoke(
        app,
        [*common, "--out", str(tmp_path / "dask.jsonl"), "--engine", "dask",
         "--scheduler", cluster.scheduler_address, "--parts-dir", str(parts)],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "dask.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()
    # The same summary and the same "skipped:" lines on stderr. Compared without white space:
    # rich wraps lines by the output path's length (pytest's temporary folder), so where it
    # breaks them says nothing about what was printed.
    def squashed(text: str, out_name: str) -> str:
        return "".join(strip_ansi(text).split()).replace(out_name, "X")

    assert squashed(result.stdout, "dask.jsonl") == squashed(local.stdout, "local.jsonl")
    assert "scored 9 articles" in strip_ansi(result.stdout)
    assert strip_ansi(result.stderr) == strip_ansi(local.stderr)
    assert "skipped: bad/s1.jsonl:3: malformed JSON" in strip_ansi(result.stderr)
    assert list(parts.iterdir()) == []
    assert _left(tmp_path) == []


def test_cli_scheduler_needs_the_dask_engine(tmp_path: Path, shards: Path, model_file: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["score", str(shards / "clean" / "s0.jsonl"), "--model", str(model_file), "--out", str(tmp_path / "o.jsonl"),
         "--scheduler", "tcp://127.0.0.1:8786"],
    )
    assert result.exit_code == 2
    assert "--engine dask" in strip_ansi(result.output)


def test_pattern_matching_nothing(tmp_path: Path, model: FrameModel) -> None:
    pattern = str(tmp_path / "nowhere" / "*.jsonl")
    for run in (score, score_dask):
        with pytest.raises(InputError, match=r"nowhere/\*\.jsonl: no file matches this pattern"):
            run([pattern], model=model, out=tmp_path / "out.jsonl")
    assert list(tmp_path.iterdir()) == []


def test_dask_engine_reads_files_only(tmp_path: Path, shards: Path, model: FrameModel) -> None:
    with pytest.raises(InputError, match="reads shards: JSONL or CSV files"):
        score_dask([shards / "clean"], model=model, out=tmp_path / "out.jsonl")


def test_unreachable_scheduler(tmp_path: Path, shards: Path, model: FrameModel) -> None:
    with pytest.raises(DaskEngineError, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:9: Timed out"):
        score_dask([str(shards / "clean" / "*.jsonl")], model=model, out=tmp_path / "out.jsonl",
                   scheduler="tcp://127.0.0.1:9", timeout=1)
    assert list(tmp_path.iterdir()) == []


def test_without_dask_installed(tmp_path: Path, shards: Path, model: FrameModel, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed now fails
    with pytest.raises(DaskEngineError, match=r"pip install 'framing\[dask\]'"):
        score_dask([str(shards / "clean" / "*.jsonl")], model=model, out=tmp_path / "out.jsonl")
    assert list(tmp_path.iterdir()) == []


def test_dask_is_imported_only_when_the_engine_runs() -> None:
    # Statically rather than in a fresh interpreter: importing framing there takes seconds.
    # A module-level import (also under a top-level try or if) would make dask a dependency of `import framing`.
    package = Path(__file__).parent.parent.parent / "framing"
    found = []
    for module in sorted(package.rglob("*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        statements = list(tree.body)
        while statements:
            node = statements.pop()
            if isinstance(node, (ast.Try, ast.ExceptHandler, ast.If, ast.With)):
                statements.extend(ast.iter_child_nodes(node))
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            found += [f"{module.name}: {n}" for n in names if n.split(".")[0] in ("dask", "distributed")]
    assert found == []
    assert "distributed" in (package / "runs" / "dask.py").read_text(encoding="utf-8")  # imported inside, lazily
