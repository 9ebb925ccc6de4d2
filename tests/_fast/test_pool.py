"""Parallel scoring: --jobs gives the same output as one process, in input order, and stops cleanly."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from framing._fast.pool import WorkerError, available_cores, ordered_map
from framing.cli import app
from framing.cli import base as cli
from framing.core.errors import InputError
from framing.model.frame_model import FrameModel
from framing.runs.scoring import score

from ..conftest import article_texts, read_jsonl, write_jsonl


def _square(x: int) -> int:
    return x * x


def _die(x: int) -> int:
    if x == 3:
        os._exit(1)  # a worker killed mid-run (the OOM killer, say)
    return x


def _pid(_: int) -> int:
    import time

    time.sleep(0.05)  # long enough that both workers get items
    return os.getpid()


def test_ordered_map_keeps_input_order_in_any_number_of_processes() -> None:
    items = list(range(50))
    assert list(ordered_map(_square, items, jobs=1)) == [x * x for x in items]
    assert list(ordered_map(_square, iter(items), jobs=3)) == [x * x for x in items]


def test_ordered_map_uses_worker_processes_and_runs_one_item_here() -> None:
    pids = set(ordered_map(_pid, range(8), jobs=2))
    assert os.getpid() not in pids and len(pids) == 2
    assert list(ordered_map(_pid, [0], jobs=2)) == [os.getpid()]  # one item: no processes started


def test_a_dead_worker_is_a_clear_error() -> None:
    with pytest.raises(WorkerError, match="fewer --jobs"):
        list(ordered_map(_die, range(10), jobs=2))


def test_ordered_map_reads_input_lazily() -> None:
    # Only a bounded number of items is taken from the input ahead of the output.
    taken = []

    def source():
        for i in range(1000):
            taken.append(i)
            yield i

    results = ordered_map(_square, source(), jobs=2)
    assert next(results) == 0
    assert len(taken) <= 2 * 2 + 1
    results.close()


def _frozen(_: int) -> int:
    import gc

    return gc.get_freeze_count()


def test_workers_fork_from_a_frozen_heap_and_this_process_unfreezes_after() -> None:
    # Frozen objects are skipped by the garbage collector, so neither side copies the
    # shared pages by collecting; afterwards this process's objects are collectable again.
    import gc

    assert gc.get_freeze_count() == 0
    assert min(ordered_map(_frozen, range(6), jobs=2)) > 0
    assert gc.get_freeze_count() == 0
    with pytest.raises(WorkerError):
        list(ordered_map(_die, range(10), jobs=2))
    assert gc.get_freeze_count() == 0


def test_available_cores_is_positive() -> None:
    assert available_cores() >= 1


def _inputs(tmp_path: Path) -> Path:
    texts = article_texts()
    rows = []
    for k in range(3):
        for ident, text in texts.items():
            rows.append({"id": f"{ident}-{k}", "text": text, "group": "x" if k else "y"})
    rows.insert(5, {"id": "clutter", "text": "Subscribe to our weekly digest\n\nBack to Top"})
    return write_jsonl(tmp_path / "in.jsonl", rows)


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_jobs_give_the_same_files_as_one_process(tmp_path: Path, model: FrameModel, suffix: str) -> None:
    inp = _inputs(tmp_path)
    outputs = {}
    for jobs in (1, 2):
        out, passages = tmp_path / f"s{jobs}{suffix}", tmp_path / f"p{jobs}{suffix}"
        summary = score([inp], model=model, out=out, passages_out=passages, jobs=jobs, chunk_size=2, skip_bad=True)
        outputs[jobs] = (out.read_bytes(), passages.read_bytes(), summary.articles, summary.passages,
                         summary.skipped, summary.duplicates)
    assert outputs[1] == outputs[2]
    assert outputs[1][2] == 24 and len(outputs[1][4]) == 1 and "in.jsonl:6" in outputs[1][4][0]
    # Every copy after the first of each text is a near-duplicate of the first.
    assert outputs[1][5] == 16


def test_jobs_stop_at_a_bad_article_without_skip_bad(tmp_path: Path, model: FrameModel) -> None:
    inp = _inputs(tmp_path)
    with pytest.raises(InputError, match=r"in\.jsonl:6: nothing left to score"):
        score([inp], model=model, out=tmp_path / "s.jsonl", jobs=2, chunk_size=2)
    assert not (tmp_path / "s.jsonl").exists()
    assert list(tmp_path.iterdir()) == [inp]  # no temporary files left behind


def test_progress_is_reported_after_each_chunk(tmp_path: Path, model: FrameModel) -> None:
    seen: list[int] = []
    score([_inputs(tmp_path)], model=model, out=tmp_path / "s.jsonl", jobs=2, chunk_size=5, skip_bad=True,
          on_progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 24 and len(seen) == 5


def test_cli_jobs_and_progress_bar_on_a_terminal(tmp_path: Path, model_file: Path, monkeypatch) -> None:
    import io

    from rich.console import Console

    stream = io.StringIO()
    monkeypatch.setattr(cli, "err_console", Console(file=stream, force_terminal=True, width=100))
    out = tmp_path / "s.jsonl"
    result = CliRunner().invoke(app, ["score", str(_inputs(tmp_path)), "--model", str(model_file),
                                          "--out", str(out), "--jobs", "2", "--skip-bad"])
    assert result.exit_code == 0, result.output
    assert len(read_jsonl(out)) == 24
    assert "articles" in stream.getvalue()  # the progress line was drawn on the terminal


def test_cli_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path: Path, model_file: Path) -> None:
    out = tmp_path / "s.jsonl"
    result = CliRunner().invoke(app, ["score", str(_inputs(tmp_path)), "--model", str(model_file),
                                          "--out", str(out), "--skip-bad"])
    assert result.exit_code == 0
    assert "articles/s" not in result.output and "scoring:" not in result.output


def test_cli_rejects_zero_jobs(tmp_path: Path, model_file: Path) -> None:
    result = CliRunner().invoke(app, ["score", str(_inputs(tmp_path)), "--model", str(model_file),
                                          "--out", str(tmp_path / "s.jsonl"), "--jobs", "0"])
    assert result.exit_code != 0 and "--jobs must be at least 1" in result.output


def _sum_after_keeping_freed_memory(n: int) -> float:
    from framing._fast.pool import keep_freed_memory

    keep_freed_memory()
    big = np.arange(n * 1_000_000, dtype=np.float64)  # over glibc's 32 MB mmap threshold
    return float(big.sum())


def test_keep_freed_memory_in_a_worker_leaves_results_alone() -> None:
    # The allocator setting changes where memory comes from, never what is computed.
    got = list(ordered_map(_sum_after_keeping_freed_memory, [5, 6], jobs=2))
    assert got == [float(np.arange(n * 1_000_000, dtype=np.float64).sum()) for n in (5, 6)]


def _keeps(_: int) -> bool:
    from framing._fast.pool import keeps_freed_memory

    return keeps_freed_memory()


def test_scoring_workers_keep_freed_memory_and_a_library_caller_does_not(model, monkeypatch) -> None:
    # A worker ends with the run, so it reuses what it frees instead of page-faulting fresh
    # pages for every chunk; a process that called score() as a library goes on after it.
    from framing._fast import pool as parallel
    from framing.runs import scoring as score_module

    monkeypatch.setattr(parallel, "_KEEPING", [])
    got = list(ordered_map(_keeps, [1, 2], jobs=2, initializer=score_module._set_worker_model, initargs=(model, False)))
    assert got == [True, True]
    score_module._set_worker_model(model, False)  # in this process, as --jobs 1 does
    assert not parallel.keeps_freed_memory()


def test_the_score_command_keeps_freed_memory(tmp_path: Path, model_file: Path, monkeypatch) -> None:
    from framing._fast import pool as parallel

    monkeypatch.setattr(parallel, "_KEEPING", [])
    result = CliRunner().invoke(app, ["score", str(_inputs(tmp_path)), "--model", str(model_file),
                                          "--out", str(tmp_path / "s.jsonl"), "--jobs", "1", "--skip-bad"])
    assert result.exit_code == 0, result.output
    assert parallel.keeps_freed_memory()
