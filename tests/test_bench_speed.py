"""The speed benchmark's building blocks (scripts/bench_speed.py, scripts/plain_sklearn.py) on tiny inputs.

Nothing here times anything: the benchmark's figures depend on the machine. These tests check that
the corpora, the training set, the plain baseline and the memory sampler do what the benchmark
reports them as doing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import SCRIPTS, load_script

REPO = Path(__file__).resolve().parents[1]


bench = load_script("bench_speed")


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def seed_texts() -> list[str]:
    return bench.seed_passages(REPO / "seeds")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, seed_texts):
    out = tmp_path_factory.mktemp("corpus") / "corpus.jsonl"
    info = bench.build_corpus(passages=seed_texts, out=out, articles=30, article_bytes=3000, seed=0)
    return info, out


def test_corpus_is_thirty_articles_of_about_3kb_made_of_seed_passages(corpus, seed_texts):
    info, out = corpus
    records = _records(out)
    assert info.articles == len(records) == 30
    assert info.bytes == out.stat().st_size
    assert [r["id"] for r in records] == [f"a{i:06d}" for i in range(30)]
    longest = max(len(p.encode("utf-8")) for p in seed_texts)
    known = set(seed_texts)
    for record in records:
        assert set(record) == {"id", "text"}
        parts = record["text"].split("\n\n")
        assert set(parts) <= known
        assert len(parts) == len(set(parts)), "a passage repeated within an article"
        size = len(record["text"].encode("utf-8"))
        assert 3000 - 2 * len(parts) <= size <= 3000 + longest


def test_corpus_is_the_same_for_a_seed_and_differs_for_another(tmp_path, corpus, seed_texts):
    _, out = corpus
    again = bench.build_corpus(passages=seed_texts, out=tmp_path / "again.jsonl", articles=30, seed=0)
    other = bench.build_corpus(passages=seed_texts, out=tmp_path / "other.jsonl", articles=30, seed=1)
    assert Path(again.path).read_bytes() == out.read_bytes()
    assert Path(other.path).read_bytes() != out.read_bytes()


def test_big_corpus_repeats_the_articles_with_new_ids_up_to_the_size(tmp_path, corpus):
    info, out = corpus
    big = bench.build_big_corpus(corpus=out, out=tmp_path / "big.jsonl", size_bytes=2 * info.bytes + 200)
    records = _records(tmp_path / "big.jsonl")
    # New ids make a copy 3 bytes an article longer (30 articles: 90 bytes): two whole copies, then one line.
    assert big.articles == len(records) == 61
    assert big.bytes == (tmp_path / "big.jsonl").stat().st_size >= 2 * info.bytes + 200
    assert len({r["id"] for r in records}) == len(records)
    originals = _records(out)
    assert records[30]["id"] == f"r1-{originals[0]['id']}"
    assert [r["text"] for r in records[:30]] == [r["text"] for r in originals]
    assert bench.corpus_info(tmp_path / "big.jsonl") == big


def test_training_set_joins_passages_of_one_language_with_the_union_of_their_frames(tmp_path):
    labels = tmp_path / "labels.jsonl"
    parts = {}
    with labels.open("w", encoding="utf-8") as out:
        for i in range(12):
            language = "en" if i < 6 else "ru"
            text = f"Token{i} passage in English about trade." if language == "en" else f"Токен{i} текст о торговле."
            frames = [f"f{i % 4}"] + (["f9"] if i % 5 == 0 else [])
            parts[text] = (language, set(frames))
            out.write(json.dumps({"id": f"p{i}", "text": text, "frames": frames, "language": language}) + "\n")
    built = bench.build_training_set(labels=[labels], out=tmp_path / "train.jsonl", passages=40, seed=3)
    records = _records(tmp_path / "train.jsonl")
    assert built["passages"] == len(records) == 40
    assert built["sources"] == 8
    by_source: dict[str, set[str]] = {}
    for record in records:
        used = [text for text in parts if text in record["text"]]
        assert 2 <= len(used) <= 3
        assert {parts[text][0] for text in used} == {record["language"]}
        assert set(record["frames"]) == set().union(*(parts[text][1] for text in used))
        by_source.setdefault(record["source"], set()).add(record["language"])
    assert len(by_source) == 8
    assert all(len(languages) == 1 for languages in by_source.values())
    assert sorted(sum(1 for r in records if r["source"] == s) for s in by_source) == [5] * 8


def test_plain_script_trains_on_labels_and_scores_every_article_in_order(tmp_path, corpus, labels_file):
    _, out = corpus
    model = tmp_path / "plain.joblib"
    scores = tmp_path / "plain-scores.jsonl"
    plain = str(SCRIPTS / "plain_sklearn.py")
    subprocess.run(
        [sys.executable, plain, "train", str(labels_file), "--out", str(model)], check=True, capture_output=True
    )
    subprocess.run(
        [sys.executable, plain, "score", str(out), "--model", str(model), "--out", str(scores), "--chunk", "7"],
        check=True,
        capture_output=True,
    )
    frames = {frame for record in _records(labels_file) for frame in record["frames"]}
    assert len(frames) == 3
    records = _records(scores)
    assert [r["id"] for r in records] == [r["id"] for r in _records(out)]
    for record in records:
        assert set(record["scores"]) == frames
        assert all(0.0 <= value <= 1.0 for value in record["scores"].values())


@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="reads /proc (Linux)")
def test_memory_sampler_sees_a_child_process_and_its_memory(tmp_path):
    # The parent stays small; its child holds 80 MB of private pages for a moment.
    child = "b = bytearray(80 * 2**20); import time; time.sleep(0.8)"
    parent = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {child!r}], check=True)"
    peaks = bench.run_sampled([sys.executable, "-c", parent], log=tmp_path / "log", interval=0.05)
    assert peaks.processes == 2
    assert peaks.tree_rss >= 80 * 2**20
    assert peaks.tree_pss >= 75 * 2**20
    assert peaks.main_rss < 60 * 2**20
    assert peaks.main_hwm >= peaks.main_rss


def test_failing_command_is_an_error_with_its_output(tmp_path):
    command = [sys.executable, "-c", "import sys; print('boom'); sys.exit(3)"]
    with pytest.raises(bench.BenchError, match=r"(?s)exit code 3.*boom"):
        bench.run_timed(command, log=tmp_path / "log")


def test_jobs_option_is_read_from_the_help(tmp_path):
    with_jobs, without = tmp_path / "with", tmp_path / "without"
    with_jobs.write_text("#!/bin/sh\necho '  --jobs  -j  <int>  Processes.'\n")
    without.write_text("#!/bin/sh\necho '  --force  Replace.'\n")
    for script in (with_jobs, without):
        script.chmod(0o755)
    assert bench.supports_jobs(str(with_jobs)) is True
    assert bench.supports_jobs(str(without)) is False


def test_corpus_only_run_writes_its_figures(tmp_path):
    figures = tmp_path / "bench.json"
    code = bench.main(
        [
            "--articles",
            "30",
            "--workdir",
            str(tmp_path / "work"),
            "--skip-speed",
            "--skip-memory",
            "--skip-train",
            "--json",
            str(figures),
        ]
    )
    assert code == 0
    report = json.loads(figures.read_text(encoding="utf-8"))
    assert report["corpus"]["articles"] == 30
    assert report["corpus"]["bytes"] == (tmp_path / "work" / "corpus.jsonl").stat().st_size
    assert not {"speed", "memory", "train"} & set(report)


def test_startup_runs_each_command_on_the_first_article_alone(tmp_path, corpus):
    info, _ = corpus
    seen = tmp_path / "seen.txt"
    # Each run notes how many lines the input it was given holds.
    program = "import sys; open(sys.argv[2], 'a').write(str(open(sys.argv[1]).read().count(chr(10))) + ' ')"
    runs = [bench.Run(name, [sys.executable, "-c", program, info.path, str(seen)], tmp_path / "x") for name in "ab"]
    out = bench._startup(runs, corpus=info, work=tmp_path, tries=3)
    assert [run["name"] for run in out] == ["a", "b"]
    assert all(run["seconds"] > 0 and run["tries"] == 3 for run in out)
    assert seen.read_text().split() == ["1"] * 6  # 2 commands x 3 tries, each on one article
    first = Path(info.path).read_text(encoding="utf-8").splitlines()[0]
    assert (tmp_path / "one-article.jsonl").read_text(encoding="utf-8") == first + "\n"
