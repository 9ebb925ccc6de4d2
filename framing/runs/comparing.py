"""Compare score files: read them, compare the groups, write the JSON, CSV and HTML reports.

The comparison itself is :func:`framing.analysis.groups.compare`; the HTML page is
:func:`framing.render.comparison.render_html`.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path

from ..analysis.groups import (
    MIN_ARTICLES,
    PERIODS,
    UNITS,
    Comparison,
    check_dates,
    check_field,
    compare,
    drop_duplicates,
    read_scores,
)
from ..core.atomic import atomic_write, check_writable
from ..core.errors import InputError, OutputError
from ..model.files import read_card
from ..render.comparison import render_html

__all__ = ["compare_files"]


def _output(path: str | Path | None, suffixes: tuple[str, ...], what: str, force: bool) -> Path | None:
    if path is None:
        return None
    path = Path(path)
    if path.suffix.lower() not in suffixes:
        raise OutputError(f"{path}: {what} must end in {' or '.join(suffixes)}")
    return check_writable(path, force=force)


def compare_files(
    paths: Sequence[str | Path],
    *,
    by: str,
    unit: str = "article",
    over: str | None = None,
    report: str | Path | None = None,
    json_out: str | Path | None = None,
    csv_out: str | Path | None = None,
    model: str | Path | None = None,
    force: bool = False,
    n_boot: int = 2000,
    random_state: int = 0,
    min_articles: int = MIN_ARTICLES,
    dedupe: bool = False,
) -> Comparison:
    """Read score files, :func:`compare` them and write the requested outputs.

    Outputs are checked before any work (refused when they exist, unless
    ``force``) and each is written under a temporary name and renamed into place
    only when everything has been computed and rendered, so an error leaves no
    output behind.

    Parameters
    ----------
    paths : sequence of path
        Score files from ``framing score`` (``--out`` and, optionally, ``--passages``).
    by, unit, over, n_boot, random_state, min_articles
        As :func:`compare`.
    report : path, optional
        Self-contained HTML report to write.
    json_out, csv_out : path, optional
        Every figure as JSON; one row per frame and group as CSV.
    model : path, optional
        Model whose card (read as JSON, never unpickled) goes into the methods note.
    force : bool, default=False
        Replace existing outputs.
    dedupe : bool, default=False
        Count each story once in each group: leave out near-duplicates (:func:`drop_duplicates`);
        without it, a warning says how many copies the scores hold.
    """
    if unit not in UNITS:
        raise InputError(f"--unit must be 'article' or 'passage', not {unit!r}")
    if over is not None and over not in PERIODS:
        raise InputError(f"--over must be month, week or year, not {over!r}")
    targets = [
        _output(report, (".html", ".htm"), "--report", force),
        _output(json_out, (".json",), "--json", force),
        _output(csv_out, (".csv",), "--csv", force),
    ]
    chosen = [t.resolve() for t in targets if t is not None]
    if len(set(chosen)) < len(chosen):
        raise OutputError("--report, --json and --csv must be different files")
    card = None
    if model is not None:
        card = read_card(model)
    data = read_scores(paths)
    dedupe_note = None
    if dedupe:
        dropped, flagged = drop_duplicates(data, by=by)
        dedupe_note = (
            f"--dedupe: {dropped} near-duplicate articles left out (copies of a story already counted)"
            if flagged
            else "--dedupe: these scores do not flag near-duplicates (no 'duplicate_of'); score the articles "
            "again with this version of 'framing score'"
        )
    else:
        copies = sum(1 for r in data.articles if r.get("duplicate_of") not in (None, ""))
        if copies:
            dedupe_note = (
                f"near-duplicates: {copies} articles are copies of a story already in these scores (one wire "
                "story on many sites); each counts as an independent article here, which overstates how sure "
                "the differences are: --dedupe counts each story once in each group"
            )
    if unit == "article" and not data.articles:
        raise InputError(
            "no article records in the inputs: give the --out file of 'framing score', not only --passages"
        )
    if unit == "passage" and not data.passages:
        raise InputError("--unit passage needs passage records: add the --passages file of 'framing score'")
    check_field(data, by, unit)
    if over is not None:
        check_dates(data, over, unit)
    result = compare(
        data.articles,
        by=by,
        unit=unit,
        passages=data.passages or None,
        over=over,
        n_boot=n_boot,
        random_state=random_state,
        min_articles=min_articles,
    )
    result.sources = data.sources
    result.model_card = card
    if dedupe_note is not None:
        result.warnings.append(dedupe_note)
    report_path, json_path, csv_path = targets
    html = None
    if report_path is not None:
        html = render_html(result)
    if json_path is not None:
        with atomic_write(json_path, force=force) as fh:
            json.dump(result.to_dict(), fh, indent=2, ensure_ascii=False)
            fh.write("\n")
    if csv_path is not None:
        rows = result.rows()
        with atomic_write(csv_path, force=force) as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    if report_path is not None and html is not None:
        with atomic_write(report_path, force=force) as fh:
            fh.write(html)
    return result
