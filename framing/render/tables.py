"""The command line's terminal tables (rich): each built from a library result, printed by its command.

Compare's table is :func:`framing.render.comparison.comparison_table`, beside its HTML report.
"""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table

__all__ = [
    "against_table",
    "audit_table",
    "conflicts_table",
    "duplicates_table",
    "fmt",
    "frames_table",
    "label_counts_tables",
    "metrics_table",
    "scores_table",
    "short",
    "strongest_terms_table",
    "suggestions_table",
]


def fmt(x: float) -> str:
    """A figure with three decimals."""
    return f"{x:.3f}"


def _fmt_or_blank(x: float | None) -> str:
    return "" if x is None else fmt(x)


def short(text: str, width: int = 70) -> str:
    """A text on one line, cut to ``width`` characters with an ellipsis, escaped for rich markup."""
    text = " ".join(text.split())
    return escape(text if len(text) <= width else text[: width - 1] + "…")


def scores_table(frames: list[str], records: list[dict[str, Any]]) -> Table:
    """Scored articles: frames as rows and articles as columns, so frame names stay readable at 80 columns."""
    table = Table(title="Frame scores (* = over the frame's threshold)", title_justify="left")
    table.add_column("frame", no_wrap=True, min_width=max(map(len, frames), default=5))
    for record in records:
        label = str(record["id"])[:8]
        if record.get("group"):
            label += f"\n[dim]{str(record['group'])[:8]}[/]"
        table.add_column(label, justify="right", max_width=8, no_wrap=True)
    for frame in frames:
        cells = [
            f"[bold]{r['scores'][frame]:.2f}*[/]" if frame in r["frames"] else f"[dim]{r['scores'][frame]:.2f}[/]"
            for r in records
        ]
        table.add_row(frame, *cells)
    return table


def metrics_table(report: dict[str, Any], title: str) -> Table:
    """Per-frame precision, recall, F1 and support (and ECE when the report has it), then micro and macro."""
    calibration = report.get("calibration")
    caption = (
        f"ECE: expected calibration error of the scores ({calibration['bins']} equal-width bins); "
        "the micro row pools every frame's scores"
        if calibration
        else None
    )
    table = Table(title=title, title_justify="left", caption=caption, caption_justify="left")
    columns = ("frame", "precision", "recall", "F1", "support", *(("ECE",) if calibration else ()))
    for col in columns:
        table.add_column(col, justify="left" if col == "frame" else "right")
    for frame, m in report["per_frame"].items():
        ece = (_fmt_or_blank(calibration["per_frame"][frame]["ece"]),) if calibration else ()
        table.add_row(frame, fmt(m["precision"]), fmt(m["recall"]), fmt(m["f1"]), str(m["support"]), *ece)
    table.add_section()
    for avg in ("micro", "macro"):
        m = report[avg]
        ece = ((_fmt_or_blank(calibration["overall"]["ece"]) if avg == "micro" else ""),) if calibration else ()
        table.add_row(
            f"[bold]{avg}[/]", fmt(m["precision"]), fmt(m["recall"]), f"[bold]{fmt(m['f1'])}[/]", "", *ece
        )
    return table


def against_table(report: dict[str, Any], title: str) -> Table:
    """Old and new F1 side by side, the difference and its paired bootstrap interval."""
    level = round(100 * report["level"])
    table = Table(title=title, title_justify="left", caption=report["method"], caption_justify="left")
    for col in ("frame", "support", "old F1", "new F1", "new - old", f"{level}% interval", ""):
        table.add_column(col, justify="left" if col == "frame" else "right")

    def add(name: str, row: dict[str, Any], support: str) -> None:
        low, high = row["ci"]
        verdict = "better" if low > 0 else "worse" if high < 0 else ""
        style = "green" if verdict == "better" else "red" if verdict == "worse" else "dim"
        table.add_row(
            name, support, fmt(row["old"]), fmt(row["new"]), f"{row['diff']:+.3f}",
            f"[{low:+.3f}, {high:+.3f}]", f"[{style}]{verdict or 'no clear change'}[/]",
        )

    for frame, row in report["frames"].items():
        add(frame, row, str(row["support"]))
    table.add_section()
    for avg in ("micro", "macro"):
        add(f"[bold]{avg}[/]", report[avg], "")
    return table


def suggestions_table(queue: list[dict[str, Any]]) -> Table:
    """The first 20 suggested passages, least certain first."""
    table = Table(title="Suggested for labelling (least certain first)", title_justify="left")
    for col in ("#", "id", "closest to", "uncertainty", "model's guess", "text"):
        table.add_column(col, justify="right" if col in ("#", "uncertainty") else "left")
    for rank, record in enumerate(queue[:20], start=1):
        table.add_row(
            str(rank), escape(record["id"]), record["nearest_frame"], f"{record['uncertainty']:.2f}",
            ", ".join(record["frames"]) or "none", short(record["text"], 50),
        )
    return table


def audit_table(result: dict[str, Any], top: int) -> Table:
    """The ``top`` strongest disagreements of an audit."""
    table = Table(title=f"Labels the {result['method']} contradicts, strongest first", title_justify="left")
    for col in ("#", "id", "frame", "label", "score", "threshold", "strength", "text"):
        table.add_column(col, justify="right" if col in ("#", "score", "threshold", "strength") else "left")
    for row in result["disagreements"][:top]:
        table.add_row(
            str(row["rank"]), escape(row["id"]), row["frame"], "present" if row["label"] else "absent",
            f"{row['score']:.2f}", f"{row['threshold']:.2f}", f"{row['disagreement']:.2f}", short(row["text"], 50),
        )
    return table


def duplicates_table(duplicates: list[tuple[str, str, str]]) -> Table:
    """Imported records that repeat passages already labelled (the first 10)."""
    table = Table(title="Duplicates of passages already labelled (left out)", title_justify="left")
    for col in ("record", "already at", "match"):
        table.add_column(col)
    for where, other, kind in duplicates[:10]:
        table.add_row(escape(where), escape(other), kind)
    if len(duplicates) > 10:
        table.caption = f"{len(duplicates) - 10} more not shown"
    return table


def conflicts_table(conflicts: list[tuple[str, str, list[str], list[str]]]) -> Table:
    """Imported records that give a labelled passage other frames."""
    table = Table(title="Conflicts: the same passage with other frames (not imported)", title_justify="left")
    for col in ("record", "its frames", "other record", "other frames"):
        table.add_column(col)
    for where, other, frames, theirs in conflicts:
        table.add_row(escape(where), ", ".join(frames) or "none", escape(other), ", ".join(theirs) or "none")
    return table


def label_counts_tables(stats: dict[str, Any]) -> tuple[Table, Table, Table]:
    """Label stats as three tables: positives per frame, passages per language, passages per source."""
    table = Table(title=f"{stats['passages']} labelled passages: positives per frame", title_justify="left")
    # The last column flags frames under the minimum; without any it would be an empty one.
    flags = bool(stats["below_minimum"])
    for col in ("frame", "positives", "en", "ru", "judged on", "negatives") + (("",) if flags else ()):
        table.add_column(col, justify="left" if col in ("frame", "") else "right")
    for frame, row in stats["frames"].items():
        flag = stats["below_minimum"].get(frame, "")
        cells = [
            frame, str(row["positives"]), str(row["by_language"]["en"]), str(row["by_language"]["ru"]),
            str(row["judged"]), str(row["negatives"]),
        ]
        table.add_row(*cells, *([f"[bold red]{flag}[/]" if flag else ""] if flags else []))
    table.add_section()
    table.add_row("[dim]no frame[/]", str(stats["no_frame"]), *[""] * (len(table.columns) - 2))
    languages = Table(title="Per language", title_justify="left")
    languages.add_column("language")
    languages.add_column("passages", justify="right")
    for language, count in stats["by_language"].items():
        languages.add_row(language, str(count))
    sources = Table(title="Per source (article id, or authored)", title_justify="left")
    sources.add_column("source")
    sources.add_column("passages", justify="right")
    shown = list(stats["by_source"].items())
    for source, count in shown[:15]:
        sources.add_row(escape(source), str(count))
    if len(shown) > 15:
        sources.add_row(f"[dim]{len(shown) - 15} more sources[/]", str(sum(c for _, c in shown[15:])))
    return table, languages, sources


def frames_table(
    frames: list[str], thresholds: Any, positives: dict[str, Any], metrics: dict[str, Any]
) -> Table:
    """A model's frames: threshold, positives by language, out-of-fold F1."""
    table = Table(title="Frames", title_justify="left")
    for col in ("frame", "threshold", "positives", "out-of-fold F1"):
        table.add_column(col, justify="left" if col in ("frame", "positives") else "right")
    for j, frame in enumerate(frames):
        f1 = metrics.get("per_frame", {}).get(frame, {}).get("f1")
        pos = positives.get(frame, {})
        table.add_row(
            frame, f"{thresholds[j]:.2f}", escape(", ".join(f"{k} {v}" for k, v in pos.items())),
            "" if f1 is None else fmt(f1),
        )
    return table


def strongest_terms_table(terms: dict[str, dict[str, dict[str, list[tuple[str, float]]]]]) -> Table:
    """The strongest terms per frame and language (from :func:`framing.analysis.inspect.strongest_terms`)."""
    table = Table(title="Strongest terms (classifier coefficients; word stems and character n-grams)",
                  title_justify="left")
    for col in ("frame", "lang", "up", "down"):
        table.add_column(col)
    for frame, per_language in terms.items():
        for language, found in per_language.items():
            table.add_row(
                frame, language,
                "[green]" + escape(", ".join(f"{t!r} {w:+.2f}" for t, w in found["up"])) + "[/]",
                "[red]" + escape(", ".join(f"{t!r} {w:+.2f}" for t, w in found["down"])) + "[/]",
            )
        table.add_section()
    return table
