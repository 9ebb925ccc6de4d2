"""Show a :class:`~framing.analysis.groups.Comparison`: a terminal table and a self-contained HTML report.

The report is one HTML file that needs nothing else: styles are inline, the
charts are matplotlib figures embedded as inline SVG (text drawn as paths, so
no fonts are fetched), and there is no script. Matplotlib is used through its
object-oriented API (``Figure``), which needs no GUI backend and leaves
pyplot's global state alone.
"""

from __future__ import annotations

import html
import io
import re
from datetime import UTC, datetime
from typing import Any

import matplotlib
from matplotlib.figure import Figure
from rich.markup import escape
from rich.table import Table

from .. import __version__
from ..analysis.groups import Comparison, Contrast
from ..analysis.terms import TermList

__all__ = ["GROUP_COLOURS", "comparison_table", "forest_chart", "prevalence_chart", "render_html", "time_chart"]

# Colours of the groups, in order (matplotlib's tab10). The page's own styles use
# greys only, so these colours on screen come from the charts.
GROUP_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf")
_GREY = "#8a8a8a"


def _colour(i: int) -> str:
    return GROUP_COLOURS[i % len(GROUP_COLOURS)]


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _pp(x: float) -> str:
    return f"{100 * x:+.1f}"


def _interval(c: Contrast) -> str:
    return f"[{100 * c.low:+.1f}, {100 * c.high:+.1f}]"


def _unit_word(result: Comparison, n: int = 2) -> str:
    return result.unit + ("s" if n != 1 else "")


# --------------------------------------------------------------------------- terminal


def comparison_table(result: Comparison) -> Table:
    """A rich table: frames as rows, groups as columns, differences with intervals.

    With two groups the last columns give the first group minus the second, in
    percentage points with the 95% interval and the q-value, and the verdict;
    with more, each group's cell carries its difference from the rest.
    Significant differences are bold and starred; none is starred where there
    are too few articles for a verdict.
    """
    two = len(result.groups) == 2
    alpha = result.settings["alpha"]
    table = Table(
        title=f"Frames by {result.by}: % of {result.unit}s carrying each frame (mean score below)",
        title_justify="left",
        caption=(
            "differences in percentage points [95% interval for that difference alone]; "
            f"q = Benjamini-Hochberg across all {_n_contrasts(result)} contrasts; * = q < {alpha} (the star is the "
            "corrected test, the interval is not corrected: † marks where they disagree)"
            + ("" if two else "; under each share: that group minus the rest")
            + ("; too few = too few articles for a verdict; ‡ = too few articles to trust the share's interval"
               if result.too_few else "")
        ),
        caption_justify="left",
    )
    table.add_column("frame", no_wrap=True)
    for g in result.groups:
        size = result.group_sizes[g]
        n = f"n={size['units']}" + (f"\n{size['articles']} art." if result.unit == "passage" else "")
        table.add_column(f"{_breakable(g)}\n[dim]{n}[/]", justify="right", overflow="fold", min_width=8)
    if two:
        a, b = result.groups
        head = f"{a} − {b}" if len(a) + len(b) <= 13 else f"{_breakable(a)}\n− {_breakable(b)}"
        table.add_column(escape(head) if "\n" not in head else head, justify="right", overflow="fold", min_width=13)
        table.add_column("verdict", overflow="fold")
    for f in result.frames:
        cells = [f]
        for g in result.groups:
            s = result.stat(f, g)
            cell = f"{_pct(s.share)}{'‡' if s.too_few else ''} {s.present}/{s.n}\n[dim]({s.mean_score:.2f})[/]"
            if not two:
                cell += "\n" + _diff_cell(result.contrast(f, g))
            cells.append(cell)
        if two:
            c = result.contrast(f, result.groups[0])
            cells += [_diff_cell(c), _verdict_cell(c)]
        table.add_row(*cells)
    return table


def _breakable(name: str, width: int = 10) -> str:
    """Break a long group name after its hyphens or underscores: rich wraps only at spaces."""
    if len(name) <= width:
        return escape(name)
    return escape(re.sub(r"(?<=[-_/])", "\n", name))


def _n_contrasts(result: Comparison) -> int:
    return len(result.contrasts) // (2 if len(result.groups) == 2 else 1)


def _mark(c: Contrast) -> str:
    """The star of a called difference, and † where the interval and the star disagree."""
    return ("*" if c.significant else "") + ("†" if c.disagrees else "")


def _diff_cell(c: Contrast) -> str:
    text = f"{100 * c.diff:+.0f} [{100 * c.low:+.0f}, {100 * c.high:+.0f}]" + _mark(c)
    text += "\nq < 0.001" if c.q < 0.001 else f"\nq {c.q:.3f}"
    if c.significant:
        return f"[bold]{text}[/]"
    if c.verdict == "too few":
        return f"[dim]{text}[/]"
    return text


def _verdict_cell(c: Contrast) -> str:
    if c.verdict == "too few":
        return "[yellow]too few[/]"
    if c.significant:
        return f"[bold]{c.group} {c.verdict}[/]"
    return "no clear difference"


# --------------------------------------------------------------------------- charts


def _svg(fig: Figure) -> str:
    buffer = io.StringIO()
    # Text as paths: the SVG needs no font; a fixed hash salt keeps ids stable between runs.
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "framing"}):
        fig.savefig(
            buffer, format="svg", bbox_inches="tight",
            metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
        )
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _style(ax: Any) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8)


def prevalence_chart(result: Comparison) -> Figure:
    """Horizontal bars: the share of units carrying each frame, per group, with 95% intervals."""
    frames, groups = result.frames, result.groups
    height = max(3.0, 0.22 * len(frames) * len(groups) + 1.2)
    fig = Figure(figsize=(7.5, height))
    ax = fig.add_subplot()
    bar = 0.8 / len(groups)
    for i, g in enumerate(groups):
        stats = [result.stat(f, g) for f in frames]
        ys = [k + (i - (len(groups) - 1) / 2) * bar for k in range(len(frames))]
        shares = [100 * s.share for s in stats]
        err = [[100 * (s.share - s.share_low) for s in stats], [100 * (s.share_high - s.share) for s in stats]]
        size = result.group_sizes[g]
        ax.barh(ys, shares, height=bar * 0.9, color=_colour(i), label=f"{g} (n={size['units']})")
        ax.errorbar(shares, ys, xerr=err, fmt="none", ecolor="#333333", elinewidth=0.9, capsize=2)
    ax.set_yticks(range(len(frames)), frames)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(f"% of {result.unit}s carrying the frame (bars: 95% Wilson interval)", fontsize=8)
    ax.legend(fontsize=8, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=min(len(groups), 4), frameon=False)
    _style(ax)
    return fig


def forest_chart(result: Comparison) -> Figure:
    """Differences in share with 95% intervals, one panel per comparison (a forest plot).

    Filled markers are significant differences; hollow ones are not; grey
    markers are comparisons with too few articles for a verdict.
    """
    frames = result.frames
    panels = result.groups[:1] if len(result.groups) == 2 else result.groups
    height = max(2.8, 0.32 * len(frames) + 1.2)
    fig = Figure(figsize=(min(4.2 * len(panels), 12.0) if len(panels) > 1 else 7.5, height))
    axes = fig.subplots(1, len(panels), sharey=True, squeeze=False)[0]
    for ax, g in zip(axes, panels, strict=True):
        colour = _colour(result.groups.index(g))
        contrasts = [result.contrast(f, g) for f in frames]
        ax.axvline(0, color="#444444", linewidth=0.8)
        for k, c in enumerate(contrasts):
            col = _GREY if c.verdict == "too few" else colour
            ax.plot([100 * c.low, 100 * c.high], [k, k], color=col, linewidth=2.2, solid_capstyle="butt")
            ax.plot(
                [100 * c.diff], [k], marker="o", markersize=7, color=col,
                markerfacecolor=col if c.significant else "white", markeredgewidth=1.6,
            )
        ax.set_yticks(range(len(frames)), frames)
        other = c.other if contrasts else "rest"
        ax.set_title(f"{g} − {other}", fontsize=9)
        ax.set_xlabel("difference in share, percentage points", fontsize=8)
        lim = max([abs(100 * v) for c in contrasts for v in (c.low, c.high)] + [5.0]) * 1.1
        ax.set_xlim(-lim, lim)
        _style(ax)
    axes[0].invert_yaxis()
    return fig


def time_chart(result: Comparison) -> Figure:
    """Share carrying each frame by period and group: one small panel per frame."""
    periods = sorted({p.period for p in result.periods})
    frames = result.frames
    cols = 3 if len(frames) > 4 else max(1, len(frames))
    rows = -(-len(frames) // cols)
    fig = Figure(figsize=(3.2 * cols, 2.3 * rows + 0.6))
    axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False)
    index = {p: i for i, p in enumerate(periods)}
    for k, f in enumerate(frames):
        ax = axes[k // cols][k % cols]
        for i, g in enumerate(result.groups):
            cells = [p for p in result.periods if p.frame == f and p.group == g]
            if not cells:
                continue
            xs = [index[p.period] + (i - (len(result.groups) - 1) / 2) * 0.08 for p in cells]
            ys = [100 * p.share for p in cells]
            err = [[100 * (p.share - p.share_low) for p in cells], [100 * (p.share_high - p.share) for p in cells]]
            ax.errorbar(xs, ys, yerr=err, color=_colour(i), marker="none", linewidth=1.4, capsize=2, label=g)
            # Hollow markers: too few articles in that period to read on its own.
            faces = ["white" if p.too_few else _colour(i) for p in cells]
            ax.scatter(xs, ys, s=22, c=faces, edgecolors=_colour(i), linewidths=1.2, zorder=3)
        ax.set_title(f, fontsize=8)
        ax.set_ylim(-5, 105)
        ax.set_xlim(-0.5, len(periods) - 0.5)
        ax.set_xticks(range(len(periods)), periods, rotation=45, ha="right", fontsize=7)
        ax.tick_params(labelbottom=True)
        _style(ax)
    for k in range(len(frames), rows * cols):
        axes[k // cols][k % cols].set_visible(False)
    handles, labels = axes[0][0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="upper center", ncol=len(labels), fontsize=8, frameon=False)
    fig.supylabel(f"% of {result.unit}s", fontsize=8)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return fig


# --------------------------------------------------------------------------- HTML

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1a1a1a; background: #fff;
       max-width: 980px; margin: 2em auto; padding: 0 1em; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
h3 { margin-bottom: 0.3em; } .sub { color: #555; margin-top: 0; }
.warning { border: 2px solid #333; background: #f2f2f2; padding: 0.6em 1em; margin: 1em 0; }
.warning strong { text-transform: uppercase; letter-spacing: 0.05em; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.92em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.6em; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; } .sig { font-weight: bold; } .few { color: #777; }
figure { margin: 1em 0; } figure svg { max-width: 100%; height: auto; } figcaption { color: #555; font-size: 0.9em; }
.terms { display: flex; flex-wrap: wrap; gap: 1.5em; } .terms table { min-width: 14em; font-size: 0.82em; }
.terms td, .terms th { padding: 0.05em 0.5em; }
.note { color: #555; font-size: 0.92em; margin: 0.2em 0; }
blockquote { margin: 0.5em 0 1em 0; padding: 0.3em 1em; border-left: 4px solid #bbb; background: #fafafa; }
.meta { color: #555; font-size: 0.85em; } code { background: #f2f2f2; padding: 0 0.2em; }
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _anchor(text: str) -> str:
    return re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-") or "x"


def _p(x: float) -> str:
    return "&lt;0.001" if x < 0.001 else f"{x:.3f}"


def _summary_table(result: Comparison) -> str:
    two = len(result.groups) == 2
    head = "".join(
        f"<th>{_e(g)}<br><span class='meta'>n={result.group_sizes[g]['units']}</span></th>" for g in result.groups
    )
    if two:
        a, b = result.groups
        head += f"<th>{_e(a)} − {_e(b)}<br><span class='meta'>pp [95% CI]</span></th>"
        head += "<th>p</th><th>q</th><th>verdict</th>"
    rows = []
    for f in result.frames:
        cells = [f"<td>{_e(f)}</td>"]
        for g in result.groups:
            s = result.stat(f, g)
            cell = (
                f"{_pct(s.share)}{'‡' if s.too_few else ''} ({s.present}/{s.n})"
                f"<br><span class='meta'>mean score {s.mean_score:.2f}</span>"
            )
            if not two:
                c = result.contrast(f, g)
                css = "sig" if c.significant else ("few" if c.verdict == "too few" else "")
                cell += (
                    f"<br><span class='{css}'>vs rest {_pp(c.diff)} {_interval(c)}"
                    f"{_mark(c)} q={_p(c.q)}</span>"
                )
            cells.append(f"<td>{cell}</td>")
        if two:
            c = result.contrast(f, result.groups[0])
            css = "sig" if c.significant else ("few" if c.verdict == "too few" else "")
            verdict = "too few to say" if c.verdict == "too few" else (
                f"{c.group} {c.verdict}" if c.significant else c.verdict
            )
            cells.append(f"<td class='{css}'>{_pp(c.diff)} {_interval(c)}{_mark(c)}</td>")
            cells.append(f"<td>{_p(c.p)}</td><td>{_p(c.q)}</td><td class='{css}'>{_e(verdict)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr><th>frame</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _term_table(t: TermList) -> str:
    if t.kind == "versus":
        title = f"{_e(t.group)} vs {_e(t.other)}"
    else:
        title = f"{_e(t.group)}: its own strongest terms"
    caption = (
        f"<span class='meta'>{_e(t.language)}; {t.passages} passage{'s' if t.passages != 1 else ''} "
        f"against {t.other_passages}"
        + ("" if t.kind == "versus" else " of its passages without the frame")
        + (f"; bold: |z| ≥ {t.threshold:.2f}" if t.kind == "versus" and t.threshold != float("inf") else "")
        + "</span>"
    )
    if not t.terms:
        body = "<tr><td colspan='3' class='few'>no word stands out</td></tr>"
    else:
        body = "".join(
            f"<tr class='{'sig' if x.get('marked') else ''}'><td>{_e(x['word'])}</td><td>{x['z']:.2f}</td>"
            f"<td>{x['count']}/{x['other_count']}</td></tr>"
            for x in t.terms
        )
    return (
        f"<div><strong>{title}</strong><br>{caption}<table><thead><tr><th>word</th><th>z</th>"
        f"<th>count (here/other)</th></tr></thead><tbody>{body}</tbody></table></div>"
    )


def _terms_section(result: Comparison) -> str:
    parts = [
        "<h2 id='terms'>Distinctive language</h2>",
        "<p class='note'>Words that set one group's passages apart, among the passages carrying the frame: "
        "weighted log-odds with an informative Dirichlet prior (Monroe, Colaresi and Quinn 2008), compared "
        "within one language at a time. Bold where |z| reaches the 95% point of the largest |z| over 1,000 "
        "random reassignments of whole articles between the sides, so that two sides that do not differ show a "
        "bold word in at most 5% of lists; the bar is given under each list (own-term lists have none). Stop "
        f"lists in English and Russian drop function words and news boilerplate. Text: {_e(result.text_source)}.</p>",
    ]
    if result.too_few:
        parts.append(
            "<p class='note'><strong>Too few articles:</strong> with so few texts these lists describe the "
            "texts at hand, not the groups.</p>"
        )
    for f in result.frames:
        lists = [t for t in result.terms if t.frame == f]
        notes = result.term_notes.get(f, [])
        parts.append(f"<h3 id='terms-{_anchor(f)}'>{_e(f)}</h3>")
        parts.extend(f"<p class='note'>{_e(n)}</p>" for n in notes)
        if lists:
            parts.append("<div class='terms'>" + "".join(_term_table(t) for t in lists) + "</div>")
        elif not notes:
            parts.append("<p class='note'>No passages carry this frame.</p>")
    return "\n".join(parts)


def _evidence_section(result: Comparison) -> str:
    parts = [
        "<h2 id='evidence'>Evidence</h2>",
        "<p class='note'>For each frame and group, the passages that carry the frame most strongly.</p>",
    ]
    for f in result.frames:
        parts.append(f"<h3>{_e(f)}</h3>")
        for g in result.groups:
            items = [e for e in result.evidence if e.frame == f and e.group == g]
            parts.append(f"<p><strong>{_e(g)}</strong></p>")
            if not items:
                parts.append("<p class='note'>No passage of this group carries the frame.</p>")
            for e in items:
                where = f"article {_e(e.article_id)}" + (f", passage {e.passage}" if e.passage is not None else "")
                outlet = f" · {_e(e.outlet)}" if e.outlet else ""
                meta = f"<div class='meta'>{where}{outlet} · score {e.score:.2f}</div>"
                parts.append(f"<blockquote>{_e(e.text)}{meta}</blockquote>")
    return "\n".join(parts)


def _card_section(card: dict[str, Any] | None) -> str:
    if not card:
        return "<p>No model given (<code>--model</code>), so the model's card is not included here.</p>"
    cv = card.get("cv_metrics", {})
    counts = card.get("label_counts", {})
    rows = [
        ("model file", card.get("model_file", "")),
        ("trained", card.get("created", "")),
        ("unit", card.get("unit", "")),
        ("labelled texts", counts.get("passages", "")),
        ("by language", ", ".join(f"{k}: {v}" for k, v in counts.get("by_language", {}).items())),
        ("out-of-fold micro-F1", f"{cv['micro']['f1']:.3f}" if "micro" in cv else ""),
        ("out-of-fold macro-F1", f"{cv['macro']['f1']:.3f}" if "macro" in cv else ""),
        ("note on those figures", cv.get("note", "")),
        ("model sha256", card.get("model_sha256", "")),
    ]
    info = "".join(f"<tr><td>{_e(k)}</td><td style='text-align:left'>{_e(v)}</td></tr>" for k, v in rows if v != "")
    thresholds = card.get("thresholds", {})
    per_frame = cv.get("per_frame", {})
    frame_rows = "".join(
        f"<tr><td>{_e(f)}</td><td>{t:.2f}</td>"
        f"<td>{format(per_frame[f]['f1'], '.3f') if f in per_frame else ''}</td></tr>"
        for f, t in thresholds.items()
    )
    return (
        f"<table><tbody>{info}</tbody></table>"
        f"<table><thead><tr><th>frame</th><th>threshold</th><th>out-of-fold F1</th></tr></thead>"
        f"<tbody>{frame_rows}</tbody></table>"
    )


def _permutation_note(result: Comparison) -> str:
    n_perm = result.settings["n_perm"]
    if n_perm == "exact":
        return (
            "the exact unconditional test of two binomial shares with the pooled z statistic (Suissa and "
            "Shuster 1985; Barnard 1947): the largest, over the unknown common share, of the probability of a "
            "table at least as extreme. Its size is at most 5% at every common share, and unlike Fisher's exact "
            "test it is not far under 5% with few articles."
        )
    return (
        f"from {n_perm:,} random permutations of the group labels over articles (an article's passages move "
        "together) of the difference divided by its cluster-robust standard error (a studentized permutation "
        "test, Janssen 1997; Chung and Romano 2013, which keeps its level when the groups' articles differ in "
        "length): p = (1 + permuted statistics at least as large in absolute value) / (1 + permutations)."
    )


def _methods(result: Comparison) -> str:
    s = result.settings
    unit = result.unit
    present = (
        "A frame is <em>present</em> when the model's probability for it reaches the frame's threshold "
        "(tuned to maximise F1 on cross-validated predictions; see the card below). "
    )
    model_unit = (result.model_card or {}).get("unit")
    if model_unit == "article":
        present += (
            "This model scores whole articles: an article carries a frame when its own score reaches the threshold."
        )
    else:
        present += (
            "With a passage model (the usual case) an article is scored in sections of at least 200 words, each "
            "as one text: the article's score for a frame is its best section's, and an article the model's "
            "relevance check finds off the story carries no frame."
        )
    share = (
        "the share of articles carrying the frame" if unit == "article"
        else "the share of passages carrying the frame (all passages of the group's articles pooled)"
    )
    return f"""
<h2 id='methods'>Methods</h2>
<p>{present}</p>
<p><strong>Prevalence</strong> is {share}; the <strong>mean score</strong> is the mean of the frame's
probability over the same units. Intervals for shares are 95% Wilson score intervals (Wilson 1927){'' if
unit == 'article' else ', taken on the effective sample size: the design effect of passages clustered in articles '
'(the ratio estimator variance over articles against the binomial one) divides the passage count, and a t '
'quantile on articles − 1 degrees of freedom replaces 1.96 (Korn and Graubard 1998)'}. Intervals for mean scores
are 95% percentile bootstrap intervals from {s['n_boot']:,} resamples of articles within each group, seeded
(random state {s['random_state']}).</p>
<p><strong>Differences</strong> are {'one group minus the other' if len(result.groups) == 2 else
'each group minus the rest (all other groups pooled)'}, in percentage points, with Newcombe's hybrid score
interval built from the two sides' intervals (Newcombe 1998, method 10{'' if unit == 'article' else
'; with clustered limits, Zou and Donner 2004'}). The <strong>p-value</strong> is two-sided: {_permutation_note(result)}
<strong>q-values</strong> correct the p-values of all {_n_contrasts(result)} contrasts of the table (every frame{
'' if len(result.groups) == 2 else ' and every group against the rest'}) for multiple testing
(Benjamini-Hochberg, controlling the false discovery rate); a difference is called (starred) when q &lt;
{s['alpha']}. The interval of a difference is not corrected for the other contrasts, so the two can disagree:
† marks those.</p>
<p><strong>Too few to say.</strong> {_e(result.rule)}</p>
<p><strong>Distinctive language</strong>: counts of lower-cased surface words (ё folded into е, function words
dropped) in the passages carrying the frame; weighted log-odds ratio with an informative Dirichlet prior from the
two sides' pooled counts (prior weight α₀ = {s['prior_weight']:g}); z = log-odds difference / its approximate
standard error (Monroe, Colaresi and Quinn 2008, “Fightin' Words”). Words differ trivially between languages,
so each comparison is made within one language that both sides have text in; where they share none, each group's
own strongest terms for the frame (its frame passages against its other passages) are listed instead.</p>
<p>Inputs: {', '.join(f'<code>{_e(p)}</code>' for p in result.sources) or 'records given in memory'}.
Written by framing {__version__}.</p>
<h3>The model's card</h3>
{_card_section(result.model_card)}
"""


def _figure(fig: Figure, caption: str, ident: str) -> str:
    return f"<figure id='{ident}'>{_svg(fig)}<figcaption>{caption}</figcaption></figure>"


def render_html(result: Comparison, *, title: str | None = None) -> str:
    """The whole report as one self-contained HTML page (inline CSS and SVG, no scripts, no links out).

    Examples
    --------
    >>> from framing.analysis.groups import compare
    >>> recs = [{"id": str(i), "g": "ab"[i % 2], "scores": {"econ": 0.5}, "frames": ["econ"] * (i % 3 == 0)}
    ...         for i in range(24)]
    >>> page = render_html(compare(recs, by="g"))
    >>> page.startswith("<!DOCTYPE html>"), page.count("<svg") >= 2, "http://" not in page.split("<svg")[0]
    (True, True, True)
    """
    title = title or f"Frames by {result.by}"
    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    sizes = ", ".join(
        f"{_e(g)}: {result.group_sizes[g]['units']} {_unit_word(result, result.group_sizes[g]['units'])}"
        + (f" from {result.group_sizes[g]['articles']} articles" if result.unit == "passage" else "")
        for g in result.groups
    )
    warnings = "".join(f"<div class='warning'><strong>Warning</strong> {_e(w)}</div>" for w in result.warnings)
    two = len(result.groups) == 2
    parts = [
        "<!DOCTYPE html>",
        "<html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f"<p class='sub'>{sizes}. Made {made}.</p>",
        warnings,
        "<h2 id='summary'>Prevalence and differences</h2>",
        _summary_table(result),
        f"<p class='note'>* q &lt; {result.settings['alpha']} after Benjamini-Hochberg correction across all "
        f"{_n_contrasts(result)} contrasts of the table (every frame"
        + ("" if two else " and every group against the rest") + "). Intervals are 95% for each difference "
        "on its own, not corrected; † marks a difference whose interval and star disagree (the interval leaves "
        "out 0 but the corrected test calls nothing, or the reverse near the edge). "
        "Grey: too few articles for a verdict. Shares of groups or periods with fewer than "
        f"{result.settings['min_articles']} articles are marked ‡: their intervals rest on too few articles "
        "to be trusted.</p>",
        _figure(
            prevalence_chart(result),
            f"Share of {result.unit}s carrying each frame, by {_e(result.by)}, with 95% Wilson intervals"
            + ("" if result.unit == "article" else " (on the effective sample size: passages cluster in articles)")
            + ".",
            "prevalence",
        ),
        _figure(
            forest_chart(result),
            ("Difference in share between the groups" if two else "Each group against the rest")
            + " (percentage points) with 95% Newcombe intervals. Filled: significant (q &lt; "
            f"{result.settings['alpha']}); hollow: not; grey: too few articles for a verdict.",
            "differences",
        ),
    ]
    if result.over is not None:
        parts.append(f"<h2 id='time'>Over time (by {_e(result.over)})</h2>")
        parts.append(
            _figure(
                time_chart(result),
                f"Share of {result.unit}s carrying each frame per {_e(result.over)} and group, with 95% Wilson "
                f"intervals. Periods with fewer than {result.settings['min_articles']} articles in a group are too "
                "few to read on their own.",
                "time-chart",
            )
        )
    parts += [_terms_section(result), _evidence_section(result), _methods(result), "</body></html>"]
    return "\n".join(p for p in parts if p)
