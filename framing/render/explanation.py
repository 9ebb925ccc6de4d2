"""An explanation (:mod:`framing.analysis.explain`) as a self-contained HTML page (``framing explain --html``)."""

from __future__ import annotations

import html
from collections.abc import Sequence

from ..analysis.explain import Explanation, token_weights

__all__ = ["explanation_html"]


def _css_colour(weight: float, scale: float) -> str:
    alpha = min(abs(weight) / scale, 1.0) * 0.6 if scale > 0 else 0.0
    rgb = "40,160,60" if weight > 0 else "210,50,50"
    return f"rgba({rgb},{alpha:.2f})"


def explanation_html(
    explanations: Sequence[tuple[str, Explanation]], *, title: str = "framing explain", top: int = 8
) -> str:
    """Explanations as one self-contained HTML page (no scripts, nothing fetched)."""
    esc = html.escape
    head = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{esc(title)}</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.5}"
        ".up{color:#1a7f37}.down{color:#c62828}.p{border-left:3px solid #ccc;padding-left:.8em;margin:.6em 0}"
        "table{border-collapse:collapse}td,th{padding:.2em .6em;text-align:left}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        "<p>Green words pushed a frame's score up, red ones down (coefficient &times; feature value; "
        "a word's shade sums the word and character n-grams it takes part in).</p>",
    ]
    body = [_article_html(ident, e, top) for ident, e in explanations]
    return "\n".join([*head, *body, "</body></html>\n"])


def _article_html(ident: str, explanation: Explanation, top: int) -> str:
    esc = html.escape
    parts = [f"<h2>{esc(ident)}</h2><p>{len(explanation.passages)} passages; {esc(explanation.unit)} model</p>"]
    for fe in explanation.frames:
        mark = "present" if fe.present else "absent"
        parts.append(
            f"<h3>{esc(fe.frame)}: {fe.score:.3f} (threshold {fe.threshold:.3f}, {mark})</h3>"
        )
        for pf in fe.passages:
            pieces = token_weights(pf)
            scale = max((abs(w) for _, w in pieces), default=0.0)
            body = "".join(
                f"<span style='background:{_css_colour(w, scale)}'>{esc(t)}</span>" if w else esc(t)
                for t, w in pieces
            )
            up, down = pf.top(top)
            parts.append(
                f"<div class='p'><p><b>passage {pf.passage + 1}</b>: score {pf.score:.3f}, decision "
                f"{pf.decision:+.3f} (intercept {pf.intercept:+.3f})</p><p>{body}</p>"
                "<table><tr><th>up</th><th>down</th></tr>"
            )
            for k in range(max(len(up), len(down))):
                u = f"<span class='up'>{esc(up[k].name)} {up[k].contribution:+.3f}</span>" if k < len(up) else ""
                d = (
                    f"<span class='down'>{esc(down[k].name)} {down[k].contribution:+.3f}</span>"
                    if k < len(down) else ""
                )
                parts.append(f"<tr><td>{u}</td><td>{d}</td></tr>")
            parts.append("</table></div>")
    return "\n".join(parts)
