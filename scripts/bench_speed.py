"""Speed and memory benchmark of ``framing score`` against a plain scikit-learn script (``make bench-speed``).

In one run, on one corpus:

1. builds the corpus: by default 20,000 articles of about 3 kB made of the seeds' passages
   reshuffled with a fixed seed, as JSONL (``id``, ``text``); or takes ``--corpus PATH``;
2. trains the default model on ``labels/`` (``framing train``) and the plain baseline
   (``scripts/plain_sklearn.py train``: TF-IDF + one-vs-rest logistic regression) on the same
   labels; training is not timed here;
3. times, end to end as subprocesses (wall clock, process start, model load and writing the
   output included), the plain script's ``score``, ``framing score --jobs 1`` and
   ``framing score --jobs N``, best of ``--repeat`` runs each, and prints seconds, articles/s,
   MB/s of input and the ratio of throughput to the plain script's, with the targets
   (all cores >= 1.5x, one core >= 0.8x); then the start-up of the plain script and of
   ``framing score --jobs 1``: each on the corpus's first article alone, best of 3 or more;
4. builds a JSONL file of ``--memory-size-mb`` (default 1 GiB) by repeating the corpus with new
   ids, streamed to disk, and scores it with all cores and with ``--jobs 1`` while sampling the
   whole process tree every ``--interval`` seconds: peak RSS of the main process, peak of the
   tree's summed PSS (forked workers share pages, so summed RSS counts them twice; PSS splits
   shared pages between the processes sharing them) and, for reference, peak summed RSS
   (target: under 400 MB). This part reads /proc, so it needs Linux;
5. builds 10,000 labelled passages from ``labels/*.jsonl`` (2-3 labelled passages of one language
   joined, frames the union, about 5 passages per synthetic source article so grouped
   cross-validation works) and times ``framing train`` on them (target < 60 s).

MB means 2**20 bytes throughout. Everything is written to the work folder (a temporary one,
removed at the end, unless ``--workdir`` is given). Run from anywhere; the defaults point into
the repository holding this script. Example of a quick run::

    python scripts/bench_speed.py --articles 500 --memory-size-mb 20 --train-passages 1000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from framing.core.errors import FramingError
from framing.inputs.articles import read_articles
from framing.inputs.passages import split_passages
from framing.labels.store import read_labels

REPO = Path(__file__).resolve().parents[1]
PLAIN_SCRIPT = Path(__file__).resolve().with_name("plain_sklearn.py")
MB = 2**20

# Issue 5's targets on the project's 2-core machine.
TARGET_ALL_CORES = 1.5  # throughput ratio to the plain script, all cores
TARGET_ONE_CORE = 0.8  # the same, --jobs 1
TARGET_MEMORY_MB = 400.0  # peak memory scoring a 1 GB JSONL file
TARGET_TRAIN_SECONDS = 60.0  # training on 10,000 passages


class BenchError(FramingError):
    """A benchmark step failed: a command exited non-zero or an input is unusable."""


# --------------------------------------------------------------------------- corpora


@dataclass
class CorpusInfo:
    """A JSONL corpus on disk: where, how many articles and how many bytes."""

    path: str
    articles: int
    bytes: int


def seed_passages(seeds: Path) -> list[str]:
    """The passages of the seed articles, as ``framing score`` splits them.

    Parameters
    ----------
    seeds : Path
        Folder (or file) of seed articles, anything ``read_articles`` reads.

    Returns
    -------
    list of str
        Every passage once, in reading order.
    """
    passages: list[str] = []
    for article in read_articles([seeds]):
        passages.extend(split_passages(article.text))
    unique = list(dict.fromkeys(passages))
    if len(unique) < 2:
        raise BenchError(f"{seeds}: fewer than 2 passages to build a corpus from")
    return unique


def build_corpus(
    *, passages: Sequence[str], out: Path, articles: int, article_bytes: int = 3000, seed: int = 0
) -> CorpusInfo:
    """Write ``articles`` synthetic articles of about ``article_bytes`` UTF-8 bytes as JSONL.

    Each article is the next passages of a deck shuffled with ``seed`` (reshuffled when used up),
    joined by blank lines until it reaches ``article_bytes``; a passage is not repeated within
    an article, since ``framing score`` would drop the repeat and score less text than the
    plain script.

    Parameters
    ----------
    passages : sequence of str
        The passages to draw from (at least 2).
    out : Path
        JSONL file to write, one ``{"id": "a000000", "text": ...}`` a line.
    articles : int
        How many articles.
    article_bytes : int, default=3000
        Size an article grows to (it stops at the first passage that reaches it).
    seed : int, default=0
        Seed of the shuffles: the same arguments give the same file.

    Returns
    -------
    CorpusInfo
    """
    if len(passages) < 2:
        raise BenchError("need at least 2 passages to build a corpus")
    rng = random.Random(seed)
    deck: list[str] = []
    written = 0
    with out.open("w", encoding="utf-8") as lines:
        for i in range(articles):
            chosen: list[str] = []
            size = 0
            while size < article_bytes and len(chosen) < len(passages):
                if not deck:
                    deck = list(passages)
                    rng.shuffle(deck)
                passage = deck.pop()
                if passage in chosen:
                    continue
                chosen.append(passage)
                size += len(passage.encode("utf-8")) + 2
            line = json.dumps({"id": f"a{i:06d}", "text": "\n\n".join(chosen)}, ensure_ascii=False) + "\n"
            lines.write(line)
            written += len(line.encode("utf-8"))
    return CorpusInfo(path=str(out), articles=articles, bytes=written)


def corpus_info(path: Path) -> CorpusInfo:
    """Count the articles (non-blank lines) and bytes of a JSONL file without loading it."""
    if not path.is_file():
        raise BenchError(f"{path}: no such file")
    count = 0
    with path.open("rb") as lines:
        for line in lines:
            count += bool(line.strip())
    if not count:
        raise BenchError(f"{path}: no articles")
    return CorpusInfo(path=str(path), articles=count, bytes=path.stat().st_size)


def build_big_corpus(*, corpus: Path, out: Path, size_bytes: int) -> CorpusInfo:
    """Repeat a JSONL corpus with new ids until the file reaches ``size_bytes``.

    Streamed: one line is held at a time, so a 1 GB file costs no memory here. Repeat ``r``
    of an article ``ID`` gets the id ``rR-ID``; records without an id get ``rR-lineN``.

    Parameters
    ----------
    corpus : Path
        JSONL with a ``text`` field (and usually ``id``).
    out : Path
        JSONL file to write.
    size_bytes : int
        Size to reach; the file stops at the first line that reaches it.

    Returns
    -------
    CorpusInfo
    """
    written = 0
    count = 0
    repeat = 0
    with out.open("w", encoding="utf-8") as sink:
        while written < size_bytes:
            before = written
            with corpus.open(encoding="utf-8") as source:
                for number, line in enumerate(source, 1):
                    if not line.strip():
                        continue
                    record = json.loads(line)
                    record["id"] = f"r{repeat}-{record.get('id', f'line{number}')}"
                    text = json.dumps(record, ensure_ascii=False) + "\n"
                    sink.write(text)
                    written += len(text.encode("utf-8"))
                    count += 1
                    if written >= size_bytes:
                        break
            if written == before:
                raise BenchError(f"{corpus}: no articles to repeat")
            repeat += 1
    return CorpusInfo(path=str(out), articles=count, bytes=written)


def build_training_set(
    *, labels: Sequence[Path], out: Path, passages: int, seed: int = 0, per_source: int = 5
) -> dict[str, Any]:
    """Write ``passages`` labelled passages made by joining 2-3 labelled passages of one language.

    A new passage's frames are the union of its parts' frames. Consecutive runs of
    ``per_source`` passages share a language and a synthetic ``source`` article id, so the
    trainer's grouped cross-validation has articles to group by. Where a part records the frames
    it was judged on, the new passage is judged on the frames all its parts were judged on
    (plus the frames it carries).

    Parameters
    ----------
    labels : sequence of Path
        Label files or folders, as ``framing train`` takes them.
    out : Path
        JSONL file to write.
    passages : int
        How many passages to write.
    seed : int, default=0
        Seed of the draws.
    per_source : int, default=5
        Passages per synthetic source article.

    Returns
    -------
    dict
        ``passages``, ``sources``, ``words`` (mean words a passage) and ``path``.
    """
    by_language: dict[str, list[Any]] = {}
    for passage in read_labels(labels):
        by_language.setdefault(passage.language, []).append(passage)
    if not by_language:
        raise BenchError("no labelled passages to build a training set from")
    languages = sorted(by_language)
    weights = [len(by_language[lang]) for lang in languages]
    rng = random.Random(seed)
    words = 0
    sources = 0
    language = languages[0]
    with out.open("w", encoding="utf-8") as lines:
        for i in range(passages):
            if i % per_source == 0:
                # A source article is in one language, like a real one.
                language = rng.choices(languages, weights)[0]
                sources += 1
            pool = by_language[language]
            parts = rng.sample(pool, min(len(pool), rng.choice((2, 3))))
            frames = sorted({frame for part in parts for frame in part.frames})
            record: dict[str, Any] = {
                "id": f"syn-{i:06d}",
                "text": " ".join(part.text for part in parts),
                "frames": frames,
                "language": language,
                "source": f"synthetic-{sources:06d}",
            }
            judged = [set(part.judged) for part in parts if part.judged is not None]
            if judged:
                record["judged"] = sorted(set.intersection(*judged) | set(frames))
            words += len(record["text"].split())
            lines.write(json.dumps(record, ensure_ascii=False) + "\n")
    return {"path": str(out), "passages": passages, "sources": sources, "words": round(words / max(passages, 1), 1)}


# --------------------------------------------------------------------------- processes


def framing_executable(given: str | None = None) -> str:
    """The ``framing`` console script: ``given``, else beside this Python, else on PATH."""
    if given:
        return given
    beside = Path(sys.executable).parent / "framing"
    if beside.is_file():
        return str(beside)
    found = shutil.which("framing")
    if found is None:
        raise BenchError("no 'framing' command beside this Python or on PATH; install the package or pass --framing")
    return found


def supports_jobs(framing: str) -> bool:
    """Whether ``framing score`` accepts ``--jobs`` (read from its ``--help``)."""
    result = subprocess.run([framing, "score", "--help"], capture_output=True, text=True, check=False)
    return "--jobs" in result.stdout + result.stderr


def _fail(command: Sequence[str], log: Path, code: int) -> BenchError:
    tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:] if log.exists() else []
    return BenchError(f"exit code {code}: {' '.join(command)}\n" + "\n".join(tail))


def run_timed(command: Sequence[str], *, log: Path) -> float:
    """Run ``command`` with its output going to ``log``; return its wall-clock seconds."""
    with log.open("w", encoding="utf-8") as sink:
        start = time.perf_counter()
        code = subprocess.run(list(command), stdout=sink, stderr=subprocess.STDOUT, check=False).returncode
        seconds = time.perf_counter() - start
    if code:
        raise _fail(command, log, code)
    return seconds


def _children_files_work() -> bool:
    return Path(f"/proc/self/task/{os.getpid()}/children").exists()


def _children(pid: int, *, by_task: bool) -> list[int]:
    """Direct children of ``pid``: from /proc/PID/task/*/children, else by scanning /proc."""
    kids: list[int] = []
    if by_task:
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            return kids
        for task in tasks:
            try:
                with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as handle:
                    kids.extend(int(child) for child in handle.read().split())
            except OSError:
                continue
        return kids
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as handle:
                    # The command name may hold spaces and parentheses: fields follow the last ')'.
                    if int(handle.read().rsplit(")", 1)[1].split()[1]) == pid:
                        kids.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return kids


def process_tree(pid: int, *, by_task: bool = True) -> list[int]:
    """``pid`` and all its descendants (those alive now)."""
    tree = [pid]
    index = 0
    while index < len(tree):
        tree.extend(_children(tree[index], by_task=by_task))
        index += 1
    return tree


def _kib_field(path: str, name: str) -> int | None:
    """A ``Name:  123 kB`` field of a /proc file, in bytes; None when the process is gone."""
    try:
        with open(path, encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith(name):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


@dataclass
class MemoryPeaks:
    """Peaks of one sampled run, in bytes (seconds is its wall clock)."""

    seconds: float = 0.0
    samples: int = 0
    main_rss: int = 0
    main_hwm: int = 0  # the kernel's own high-water mark of the main process's RSS
    tree_pss: int = 0
    tree_rss: int = 0
    processes: int = 0
    pss_available: bool = True
    series: list[tuple[float, int, int]] = field(default_factory=list)  # (t, main RSS, tree PSS), thinned


def sample_tree(pid: int, *, by_task: bool) -> tuple[int, int, int, int, int, bool]:
    """One sample: main RSS, main high-water mark, tree PSS, tree RSS, processes, PSS readable."""
    main_rss = _kib_field(f"/proc/{pid}/status", "VmRSS:") or 0
    main_hwm = _kib_field(f"/proc/{pid}/status", "VmHWM:") or 0
    pss_total = rss_total = alive = 0
    pss_ok = True
    for member in process_tree(pid, by_task=by_task):
        rss = _kib_field(f"/proc/{member}/status", "VmRSS:")
        if rss is None:
            continue  # exited between listing and reading
        pss = _kib_field(f"/proc/{member}/smaps_rollup", "Pss:")
        if pss is None:
            if not os.path.exists(f"/proc/{member}"):
                continue  # exited between the two reads
            # No smaps_rollup (kernels before 4.14) or not allowed to read it: count RSS, say so.
            pss_ok = False
            pss = rss
        alive += 1
        rss_total += rss
        pss_total += pss
    return main_rss, main_hwm, pss_total, rss_total, alive, pss_ok


def run_sampled(command: Sequence[str], *, log: Path, interval: float = 0.05) -> MemoryPeaks:
    """Run ``command``, sampling its process tree every ``interval`` seconds until it exits."""
    if not Path("/proc/self/status").exists():
        raise BenchError("the memory benchmark reads /proc: it needs Linux (or pass --skip-memory)")
    by_task = _children_files_work()
    peaks = MemoryPeaks()
    with log.open("w", encoding="utf-8") as sink:
        start = time.perf_counter()
        process = subprocess.Popen(list(command), stdout=sink, stderr=subprocess.STDOUT)
        last_kept = -1.0
        while process.poll() is None:
            main_rss, main_hwm, tree_pss, tree_rss, alive, pss_ok = sample_tree(process.pid, by_task=by_task)
            if alive:
                now = time.perf_counter() - start
                peaks.samples += 1
                peaks.main_rss = max(peaks.main_rss, main_rss)
                peaks.main_hwm = max(peaks.main_hwm, main_hwm)
                peaks.tree_pss = max(peaks.tree_pss, tree_pss)
                peaks.tree_rss = max(peaks.tree_rss, tree_rss)
                peaks.processes = max(peaks.processes, alive)
                peaks.pss_available &= pss_ok
                if now - last_kept >= 1.0:  # one point a second is enough to see growth
                    peaks.series.append((round(now, 2), main_rss, tree_pss))
                    last_kept = now
            time.sleep(interval)
        peaks.seconds = time.perf_counter() - start
    if process.returncode:
        raise _fail(command, log, process.returncode)
    return peaks


def count_lines(path: Path) -> int:
    """Non-blank lines of a file (records of a JSONL output)."""
    with path.open("rb") as lines:
        return sum(1 for line in lines if line.strip())


# --------------------------------------------------------------------------- the benchmark


def _mb(value: float) -> float:
    return round(value / MB, 1)


def _verdict(ok: bool) -> str:
    return "[green]PASS[/green]" if ok else "[red]FAIL[/red]"


@dataclass
class Run:
    """One timed command: its name, the command line and every repeat's seconds."""

    name: str
    command: list[str]
    output: Path
    times: list[float] = field(default_factory=list)

    @property
    def best(self) -> float:
        return min(self.times)


def _speed(
    args: argparse.Namespace,
    *,
    framing: str,
    work: Path,
    corpus: CorpusInfo,
    models: dict[str, Path],
    jobs_ok: bool,
    note: Console,
) -> dict[str, Any]:
    source = corpus.path
    runs = [
        Run(
            "plain scikit-learn",
            [
                sys.executable,
                str(PLAIN_SCRIPT),
                "score",
                source,
                "--model",
                str(models["plain"]),
                "--out",
                str(work / "plain-scores.jsonl"),
            ],
            work / "plain-scores.jsonl",
        ),
    ]
    framing_out = work / "framing-scores.jsonl"
    base = [framing, "score", source, "--model", str(models["framing"]), "--out", str(framing_out), "--force"]
    if jobs_ok:
        runs.append(Run("framing --jobs 1", [*base, "--jobs", "1"], framing_out))
        runs.append(Run(f"framing --jobs {args.jobs}", [*base, "--jobs", str(args.jobs)], framing_out))
    else:
        note.print(
            "[yellow]note:[/yellow] 'framing score' has no --jobs yet: timing it as it is (one process) "
            "and skipping the all-cores run"
        )
        runs.append(Run("framing (no --jobs: one process)", base, framing_out))
    # Repeats go round the commands rather than one command at a time, so a burst of load from
    # elsewhere on the machine is spread over all of them instead of landing on one.
    for repeat in range(args.repeat):
        for run in runs:
            note.print(f"timing {run.name} ({repeat + 1}/{args.repeat}) on {corpus.articles:,} articles ...")
            run.times.append(run_timed(run.command, log=work / "score.log"))
            written = count_lines(run.output)
            if written != corpus.articles:
                note.print(
                    f"[yellow]warning:[/yellow] {run.name} wrote {written} records for {corpus.articles} articles"
                )
    plain = runs[0].best
    startup = _startup(runs[:2], corpus=corpus, work=work, tries=max(3, args.repeat))
    results: dict[str, Any] = {"runs": [], "startup": startup}
    for run in runs:
        results["runs"].append(
            {
                "name": run.name,
                "command": " ".join(run.command),
                "seconds": round(run.best, 3),
                "all_seconds": [round(t, 3) for t in run.times],
                "articles_per_s": round(corpus.articles / run.best, 1),
                "mb_per_s": round(corpus.bytes / MB / run.best, 3),
                "ratio": round(plain / run.best, 3),
            }
        )
    one = results["runs"][1]
    results["targets"] = [
        {
            "what": "one core (--jobs 1) vs plain",
            "ratio": one["ratio"],
            "target": TARGET_ONE_CORE,
            "pass": one["ratio"] >= TARGET_ONE_CORE,
        }
    ]
    if jobs_ok:
        every = results["runs"][2]
        results["targets"].insert(
            0,
            {
                "what": f"all cores (--jobs {args.jobs}) vs plain",
                "ratio": every["ratio"],
                "target": TARGET_ALL_CORES,
                "pass": every["ratio"] >= TARGET_ALL_CORES,
            },
        )
    return results


def _startup(runs: list[Run], *, corpus: CorpusInfo, work: Path, tries: int) -> list[dict[str, Any]]:
    """Seconds of each command on the corpus's first article alone, best of ``tries``: its start-up.

    Interpreter, imports, model load and compiled-kernel cache load, with next to no scoring.
    """
    one = work / "one-article.jsonl"
    with Path(corpus.path).open(encoding="utf-8") as lines:
        one.write_text(lines.readline(), encoding="utf-8")
    out = []
    for run in runs:
        command = [str(one) if arg == corpus.path else arg for arg in run.command]
        best = min(run_timed(command, log=work / "score.log") for _ in range(tries))
        out.append({"name": run.name, "seconds": round(best, 3), "tries": tries})
    return out


def _memory(
    args: argparse.Namespace, *, framing: str, work: Path, corpus: CorpusInfo, model: Path, jobs_ok: bool, note: Console
) -> dict[str, Any]:
    big_path = work / "memory-corpus.jsonl"
    note.print(f"building a {args.memory_size_mb:,} MB JSONL file from the corpus ...")
    big = build_big_corpus(corpus=Path(corpus.path), out=big_path, size_bytes=int(args.memory_size_mb * MB))
    out = work / "memory-scores.jsonl"
    base = [framing, "score", str(big_path), "--model", str(model), "--out", str(out), "--force"]
    variants = [
        (f"framing --jobs {args.jobs}", [*base, "--jobs", str(args.jobs)]),
        ("framing --jobs 1", [*base, "--jobs", "1"]),
    ]
    if not jobs_ok:
        note.print("[yellow]note:[/yellow] no --jobs yet: measuring one run of 'framing score' as it is")
        variants = [("framing (no --jobs: one process)", base)]
    results: dict[str, Any] = {"corpus": asdict(big), "runs": []}
    try:
        for name, command in variants:
            note.print(f"measuring memory: {name} on {big.articles:,} articles ({_mb(big.bytes):,} MB) ...")
            peaks = run_sampled(command, log=work / "memory.log", interval=args.interval)
            peak = max(peaks.tree_pss, peaks.main_rss)
            results["runs"].append(
                {
                    "name": name,
                    "command": " ".join(command),
                    "seconds": round(peaks.seconds, 2),
                    "articles_per_s": round(big.articles / peaks.seconds, 1),
                    "samples": peaks.samples,
                    "main_rss_mb": _mb(peaks.main_rss),
                    "main_hwm_mb": _mb(peaks.main_hwm),
                    "tree_pss_mb": _mb(peaks.tree_pss),
                    "tree_rss_mb": _mb(peaks.tree_rss),
                    "processes": peaks.processes,
                    "pss_available": peaks.pss_available,
                    "target_mb": TARGET_MEMORY_MB,
                    # Judged on the larger of the tree's PSS and the main process's RSS.
                    "pass": _mb(peak) < TARGET_MEMORY_MB,
                    "series_mb": [(t, _mb(rss), _mb(pss)) for t, rss, pss in peaks.series],
                }
            )
            out.unlink(missing_ok=True)
    finally:
        big_path.unlink(missing_ok=True)  # a gigabyte is not worth keeping around
    return results


def _train(args: argparse.Namespace, *, framing: str, work: Path, note: Console) -> dict[str, Any]:
    labels = work / "train-passages.jsonl"
    note.print(f"building {args.train_passages:,} labelled passages from {args.labels} ...")
    built = build_training_set(labels=[args.labels], out=labels, passages=args.train_passages, seed=args.seed)
    model = work / "model-train.joblib"
    command = [
        framing,
        "train",
        str(labels),
        "--codebook",
        str(args.codebook),
        "--unit",
        "passage",
        "--out",
        str(model),
        "--force",
    ]
    note.print(f"timing framing train on {args.train_passages:,} passages ...")
    seconds = run_timed(command, log=work / "train.log")
    return {
        **built,
        "command": " ".join(command),
        "seconds": round(seconds, 2),
        "target_s": TARGET_TRAIN_SECONDS,
        "pass": seconds < TARGET_TRAIN_SECONDS,
    }


def _print(report: dict[str, Any], console: Console) -> None:
    corpus = report["corpus"]
    console.print(f"Corpus: {corpus['path']}, {corpus['articles']:,} articles, {_mb(corpus['bytes']):,} MB")
    if "speed" in report:
        table = Table(
            title=f"Scoring {corpus['articles']:,} articles ({_mb(corpus['bytes']):,} MB of JSONL), "
            f"best of {report['settings']['repeat']}"
        )
        for column in ("run", "seconds", "articles/s", "MB/s", "ratio to plain"):
            table.add_column(column, justify="left" if column == "run" else "right")
        for run in report["speed"]["runs"]:
            table.add_row(
                run["name"],
                f"{run['seconds']:.2f}",
                f"{run['articles_per_s']:,.1f}",
                f"{run['mb_per_s']:.2f}",
                f"{run['ratio']:.2f}x",
            )
        console.print(table)
        for target in report["speed"]["targets"]:
            console.print(
                f"  target {target['what']}: {target['ratio']:.2f}x >= {target['target']}x  {_verdict(target['pass'])}"
            )
        startup = report["speed"].get("startup", [])
        if startup:
            console.print(
                f"  start-up (one article, best of {startup[0]['tries']}): "
                + ", ".join(f"{run['name']} {run['seconds']:.2f} s" for run in startup)
            )
        if len(report["speed"]["targets"]) == 1:
            console.print("  target all cores: [yellow]not measured[/yellow] ('framing score' has no --jobs yet)")
    if "memory" in report:
        memory = report["memory"]
        table = Table(
            title=f"Peak memory scoring {memory['corpus']['articles']:,} articles "
            f"({_mb(memory['corpus']['bytes']):,} MB of JSONL), MB"
        )
        for column in (
            "run",
            "seconds",
            "main RSS",
            "tree PSS",
            "tree RSS (sum)",
            "processes",
            f"< {TARGET_MEMORY_MB:g}",
        ):
            table.add_column(column, justify="left" if column == "run" else "right")
        for run in memory["runs"]:
            table.add_row(
                run["name"],
                f"{run['seconds']:.1f}",
                f"{run['main_rss_mb']:.0f}",
                f"{run['tree_pss_mb']:.0f}",
                f"{run['tree_rss_mb']:.0f}",
                str(run["processes"]),
                _verdict(run["pass"]),
            )
        console.print(table)
        if not all(run["pss_available"] for run in memory["runs"]):
            console.print("  [yellow]note:[/yellow] /proc/PID/smaps_rollup was unreadable: PSS counted as RSS there")
    if "train" in report:
        train = report["train"]
        console.print(
            f"Training on {train['passages']:,} passages ({train['sources']:,} sources, "
            f"{train['words']:.0f} words each): {train['seconds']:.1f} s < {TARGET_TRAIN_SECONDS:g} s  "
            f"{_verdict(train['pass'])}"
        )


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench_speed.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="The memory part samples /proc/PID/status and /proc/PID/smaps_rollup, so it needs Linux\n"
        "(--skip-memory elsewhere). A memory run passes when the larger of the tree's PSS and the main\n"
        "process's RSS stays under 400 MB. Timings are wall clock and share the machine with whatever\n"
        "else runs: use a quiet machine, or --repeat.",
    )
    parser.add_argument("--corpus", type=Path, help="JSONL corpus (id, text) to use instead of building one")
    parser.add_argument("--articles", type=_positive, default=20_000, help="articles to build (default 20000)")
    parser.add_argument("--article-bytes", type=_positive, default=3000, help="size of a built article (default 3000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the built corpora (default 0)")
    parser.add_argument("--seeds", type=Path, default=REPO / "seeds", help="articles the corpus is built from")
    parser.add_argument("--labels", type=Path, default=REPO / "labels", help="training labels (default labels/)")
    parser.add_argument(
        "--codebook",
        type=Path,
        default=REPO / "labels" / "codebook.toml",
        help="codebook of the labels (default labels/codebook.toml)",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        help="folder for corpora, models and outputs (default: a temporary one, removed at the end); kept when given",
    )
    parser.add_argument(
        "--jobs",
        type=_positive,
        default=os.cpu_count() or 1,
        help="processes of the all-cores run (default: os.cpu_count())",
    )
    parser.add_argument("--repeat", type=_positive, default=1, help="runs of each timed command; the best counts")
    parser.add_argument(
        "--memory-size-mb",
        type=float,
        default=1024.0,
        help="size in MB (2**20 bytes) of the JSONL file scored for peak memory (default 1024)",
    )
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between memory samples (default 0.05)")
    parser.add_argument(
        "--train-passages", type=_positive, default=10_000, help="passages of the training-time run (default 10000)"
    )
    parser.add_argument("--framing", help="the framing command (default: beside this Python, else on PATH)")
    parser.add_argument("--skip-speed", action="store_true", help="skip the timed scoring runs")
    parser.add_argument("--skip-memory", action="store_true", help="skip the peak-memory runs")
    parser.add_argument("--skip-train", action="store_true", help="skip the training-time run")
    parser.add_argument("--json", type=Path, help="write every figure to this JSON file")
    return parser.parse_args(argv)


def benchmark(args: argparse.Namespace, *, work: Path, note: Console) -> dict[str, Any]:
    """Run the benchmark's parts in ``work`` and return every figure (see the module docstring)."""
    scoring = not (args.skip_speed and args.skip_memory)
    framing = framing_executable(args.framing) if scoring or not args.skip_train else ""
    jobs_ok = supports_jobs(framing) if scoring else False
    report: dict[str, Any] = {
        "settings": {key: str(value) if isinstance(value, Path) else value for key, value in vars(args).items()},
        "machine": {
            "cpu_count": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        },
        "framing": framing,
        "jobs_supported": jobs_ok,
    }
    if args.corpus:
        corpus = corpus_info(args.corpus)
    else:
        note.print(f"building {args.articles:,} articles from the passages of {args.seeds} ...")
        corpus = build_corpus(
            passages=seed_passages(args.seeds),
            out=work / "corpus.jsonl",
            articles=args.articles,
            article_bytes=args.article_bytes,
            seed=args.seed,
        )
    report["corpus"] = asdict(corpus)
    models = {"framing": work / "model.joblib", "plain": work / "plain.joblib"}
    if scoring:
        note.print("training the default model and the plain baseline (not timed) ...")
        command = [
            framing,
            "train",
            str(args.labels),
            "--codebook",
            str(args.codebook),
            "--out",
            str(models["framing"]),
            "--force",
        ]
        report["default_model_train_seconds"] = round(run_timed(command, log=work / "train-default.log"), 2)
        if not args.skip_speed:
            run_timed(
                [sys.executable, str(PLAIN_SCRIPT), "train", str(args.labels), "--out", str(models["plain"])],
                log=work / "train-plain.log",
            )
    if not args.skip_speed:
        report["speed"] = _speed(
            args, framing=framing, work=work, corpus=corpus, models=models, jobs_ok=jobs_ok, note=note
        )
    if not args.skip_memory:
        report["memory"] = _memory(
            args, framing=framing, work=work, corpus=corpus, model=models["framing"], jobs_ok=jobs_ok, note=note
        )
    if not args.skip_train:
        report["train"] = _train(args, framing=framing, work=work, note=note)
    return report


@contextmanager
def _workdir(given: Path | None) -> Iterator[Path]:
    if given is not None:
        given.mkdir(parents=True, exist_ok=True)
        yield given
        return
    with tempfile.TemporaryDirectory(prefix="framing-bench-") as folder:
        yield Path(folder)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # Rich falls back to 80 columns when stdout is a file or a pipe (make's log): too narrow for the tables.
    console = Console() if sys.stdout.isatty() else Console(width=110)
    note = Console(stderr=True)
    try:
        with _workdir(args.workdir) as work:
            report = benchmark(args, work=work, note=note)
            _print(report, console)
            if args.json:
                args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
                note.print(f"figures written to {args.json}")
    except FramingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        note.print("error: interrupted")
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
