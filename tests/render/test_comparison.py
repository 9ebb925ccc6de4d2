"""framing.render.comparison: the terminal table, the charts and the self-contained HTML report,
rendered at the end in headless Chromium (skipped where Chromium is absent)."""

from __future__ import annotations

import base64
import io
import json
import os
import re
import select
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib.image import imread
from matplotlib.patches import Rectangle
from rich.console import Console

from framing.analysis.groups import Comparison, compare
from framing.render.comparison import (
    GROUP_COLOURS,
    comparison_table,
    forest_chart,
    prevalence_chart,
    render_html,
    time_chart,
)
from framing.runs.comparing import compare_files

WORDS = {
    "a": "The pipeline carried oil to the port as exports grew and the pipeline expanded.",
    "b": "Tanks moved to the border while troops and tanks guarded the crossing.",
    "c": "Officials spoke about the weather and the harvest in the northern fields.",
}


def records(groups: dict[str, tuple[float, float]], n: int = 40, seed: int = 0) -> tuple[list[dict], list[dict]]:
    """Articles and passages: per group the planted rates of frames ``econ`` and ``army``, dates over three months."""
    rng = np.random.default_rng(seed)
    articles, passages = [], []
    for g, (econ, army) in groups.items():
        for i in range(n):
            present = [f for f, rate in (("econ", econ), ("army", army)) if rng.random() < rate]
            aid = f"{g}{i}"
            scores = {f: (0.9 if f in present else 0.1) for f in ("econ", "army")}
            articles.append({
                "id": aid, "group": g, "outlet": f"{g.upper()} Daily", "date": f"2022-0{1 + i % 3}-10",
                "language": "en", "passages": 1, "scores": scores, "frames": present, "evidence": {},
            })
            passages.append({
                "article_id": aid, "passage": 0, "group": g, "outlet": f"{g.upper()} Daily", "language": "en",
                "text": WORDS[g] + (" <b>not markup</b>" if i == 0 else ""), "scores": scores, "frames": present,
            })
    return articles, passages


@pytest.fixture(scope="module")
def two() -> Comparison:
    articles, passages = records({"a": (0.7, 0.3), "b": (0.2, 0.3)})
    return compare(articles, by="group", passages=passages, over="month")


@pytest.fixture(scope="module")
def few() -> Comparison:
    articles, passages = records({"a": (0.7, 0.3), "b": (0.2, 0.3)}, n=3)
    return compare(articles, by="group", passages=passages)


@pytest.fixture(scope="module")
def three() -> Comparison:
    articles, passages = records({"a": (0.7, 0.3), "b": (0.2, 0.3), "c": (0.2, 0.3)})
    return compare(articles, by="group", passages=passages)


@pytest.fixture(scope="module")
def page(two: Comparison) -> str:
    return render_html(two)


# --------------------------------------------------------------------------- terminal


def table_text(result: Comparison, width: int = 140) -> str:
    console = Console(record=True, width=width, color_system=None)
    console.print(comparison_table(result))
    return console.export_text()


def test_table_rows_are_frames_and_columns_groups(two: Comparison) -> None:
    text = table_text(two)
    assert re.search(r"│ econ\s+│", text) and re.search(r"│ army\s+│", text)
    header = text.split("econ")[0]
    assert re.search(r"┃\s+a\s+┃\s+b\s+┃", header) and "− b" in header  # a, b, then a − b
    s = two.stat("econ", "a")
    assert f"{round(100 * s.share)}% {s.present}/{s.n}" in text
    c = two.contrast("econ", "a")
    assert c.significant
    assert f"{100 * c.diff:+.0f} [{100 * c.low:+.0f}, {100 * c.high:+.0f}]*" in text
    assert "a higher" in text
    army = two.contrast("army", "a")
    assert not army.significant and "no clear difference" in text
    assert f"{100 * army.diff:+.0f} [{100 * army.low:+.0f}, {100 * army.high:+.0f}]*" not in text


def test_table_marks_nothing_when_too_few(few: Comparison) -> None:
    text = table_text(few)
    assert "too few" in text and "]*" not in text


def test_table_with_more_groups_shows_each_against_the_rest(three: Comparison) -> None:
    text = table_text(three)
    assert "minus the rest" in text
    c = three.contrast("econ", "a")
    assert f"{100 * c.diff:+.0f} [{100 * c.low:+.0f}, {100 * c.high:+.0f}]" in text


# --------------------------------------------------------------------------- charts


def test_prevalence_chart_has_a_bar_and_error_bar_per_frame_and_group(two: Comparison) -> None:
    fig = prevalence_chart(two)
    ax = fig.axes[0]
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(bars) == len(ax.patches) == 4
    widths = sorted(round(b.get_width(), 6) for b in bars)
    assert widths == sorted(round(100 * s.share, 6) for s in two.stats)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["econ", "army"]


def test_forest_chart_panels(two: Comparison, three: Comparison) -> None:
    assert len(forest_chart(two).axes) == 1
    assert [ax.get_title() for ax in forest_chart(three).axes] == ["a − rest", "b − rest", "c − rest"]


def test_time_chart_one_panel_per_frame(two: Comparison) -> None:
    fig = time_chart(two)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == ["econ", "army"]
    assert [t.get_text() for t in visible[0].get_xticklabels()] == ["2022-01", "2022-02", "2022-03"]


# --------------------------------------------------------------------------- HTML


def test_report_is_self_contained(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    for tag in ("<script", "<link", "<img", "<iframe", "@import"):
        assert tag not in page.lower()
    references = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)""", page)
    assert references and all(ref.startswith("#") for ref in references)
    urls = re.findall(r"url\(([^)]*)\)", page)
    assert all(u.strip("'\"").startswith("#") for u in urls)
    assert page.count("<svg") == 3  # prevalence, differences, time


def test_report_contents(page: str, two: Comparison) -> None:
    for needle in ("Prevalence and differences", "Distinctive language", "Evidence", "Methods",
                   "Benjamini-Hochberg", "Monroe, Colaresi and Quinn", "percentile bootstrap", "Wilson",
                   "Newcombe", "exact unconditional",
                   "Too few to say", "pipeline", "tanks", "A Daily", "Over time (by month)"):
        assert needle in page, needle
    c = two.contrast("econ", "a")
    assert f"{100 * c.diff:+.1f} [{100 * c.low:+.1f}, {100 * c.high:+.1f}]*" in page
    assert "&lt;b&gt;not markup&lt;/b&gt;" in page and "<b>not markup</b>" not in page
    assert "No model given" in page
    assert "class='warning'" not in page


def test_report_warns_when_too_few(few: Comparison) -> None:
    page = render_html(few)
    assert "class='warning'" in page and "Too few articles for a verdict" in page
    assert page.count("<svg") == 2  # no time chart without --over
    assert "these lists describe the texts at hand" in page


def test_report_methods_include_the_model_card(two: Comparison) -> None:
    card = {
        "unit": "passage", "model_file": "m.joblib", "created": "2026-01-01T00:00:00+00:00",
        "thresholds": {"econ": 0.31, "army": 0.27},
        "label_counts": {"passages": 123, "by_language": {"en": 100, "ru": 23}},
        "cv_metrics": {"micro": {"f1": 0.7}, "macro": {"f1": 0.65}, "per_frame": {"econ": {"f1": 0.81}}},
        "model_sha256": "ab" * 32,
    }
    two.model_card = card
    try:
        page = render_html(two)
    finally:
        two.model_card = None
    for needle in ("m.joblib", "<td>econ</td><td>0.31</td><td>0.810</td>", "<td>army</td><td>0.27</td><td></td>",
                   "en: 100, ru: 23", "0.700", "ab" * 32):
        assert needle in page, needle


def test_compare_files_writes_the_report(tmp_path: Path) -> None:
    articles, _ = records({"a": (0.7, 0.3), "b": (0.2, 0.3)}, n=12)
    scores = tmp_path / "s.jsonl"
    scores.write_text("".join(json.dumps(r) + "\n" for r in articles), encoding="utf-8")
    target = tmp_path / "report.html"
    compare_files([scores], by="group", report=target)
    text = target.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.count("<svg") == 2
    assert "evidence passage per frame only" in text  # no passages file given


# --------------------------------------------------------------------------- headless Chromium


def chromium_binary() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


class DevTools:
    """Chromium driven over the DevTools protocol on a pipe (fds 3 and 4): no port, no network."""

    def __init__(self, binary: str, profile: Path, *, timeout: float = 60.0):
        self.deadline = time.monotonic() + timeout
        self.events: list[dict[str, Any]] = []
        self.buffer = b""
        self.next_id = 0
        to_child_read, self.to_child = os.pipe()
        self.from_child, from_child_write = os.pipe()

        def wire() -> None:  # runs in the child: the protocol's fixed descriptors
            os.dup2(to_child_read, 3)
            os.dup2(from_child_write, 4)

        self.process = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--remote-debugging-pipe", f"--user-data-dir={profile}", "--no-first-run",
             "--no-default-browser-check", "--hide-scrollbars", "--window-size=1200,900", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=wire, close_fds=False,
        )
        os.close(to_child_read)
        os.close(from_child_write)

    def _message(self) -> dict[str, Any]:
        while b"\0" not in self.buffer:
            left = self.deadline - time.monotonic()
            if left <= 0 or not select.select([self.from_child], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self.from_child, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_child, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._message()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            self.events.append(reply)

    def wait_for(self, method: str) -> dict[str, Any]:
        for event in self.events:
            if event.get("method") == method:
                return event
        while True:
            event = self._message()
            self.events.append(event)
            if event.get("method") == method:
                return event

    def close(self) -> None:
        try:  # politely first, so the browser takes its helper processes down with it
            os.write(self.to_child, json.dumps({"id": 0, "method": "Browser.close"}).encode() + b"\0")
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait(timeout=10)
        finally:
            for fd in (self.to_child, self.from_child):
                os.close(fd)


def render_in_chromium(path: Path, profile: Path) -> tuple[np.ndarray, list[dict[str, float]], list[dict[str, Any]]]:
    """Load ``path``; return the full-page screenshot, the charts' boxes and the network events."""
    binary = chromium_binary()
    assert binary is not None
    browser = DevTools(binary, profile)
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        browser.send("Network.enable", session=session)
        browser.send("Page.enable", session=session)
        browser.send("Emulation.setDeviceMetricsOverride",
                     {"width": 1200, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session)
        browser.send("Page.navigate", {"url": path.as_uri()}, session)
        browser.wait_for("Page.loadEventFired")
        script = (
            "JSON.stringify({height: document.documentElement.scrollHeight, charts: "
            "[...document.querySelectorAll('figure svg')].map(e => {const r = e.getBoundingClientRect(); "
            "return {x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height};})})"
        )
        value = browser.send("Runtime.evaluate", {"expression": script, "returnByValue": True}, session)
        layout = json.loads(value["result"]["value"])
        shot = browser.send(
            "Page.captureScreenshot",
            {"format": "png", "captureBeyondViewport": True,
             "clip": {"x": 0, "y": 0, "width": 1200, "height": layout["height"], "scale": 1}},
            session,
        )
        image = imread(io.BytesIO(base64.b64decode(shot["data"])), format="png")
        network = [e for e in browser.events if str(e.get("method", "")).startswith("Network.")]
        return image, layout["charts"], network
    finally:
        browser.close()


def test_report_renders_in_headless_chromium(tmp_path: Path, two: Comparison) -> None:
    if chromium_binary() is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium); the report-rendering check needs it")
    report = tmp_path / "report.html"
    report.write_text(render_html(two), encoding="utf-8")
    image, charts, network = render_in_chromium(report, tmp_path / "profile")

    # No failed requests, and nothing asked of the network: the page is one file.
    failed = [e["params"] for e in network if e["method"] == "Network.loadingFailed"]
    assert not failed, failed
    urls = [e["params"]["request"]["url"] for e in network if e["method"] == "Network.requestWillBeSent"]
    assert report.as_uri() in urls
    assert all(u.startswith(("file:", "data:", "about:")) for u in urls), urls

    # Three charts laid out at a readable size, each visibly drawn in colour.
    assert len(charts) == 3
    rgb = image[..., :3]
    for box in charts:
        assert box["width"] > 300 and box["height"] > 150, box
        top, left = int(box["y"]), int(box["x"])
        area = rgb[top : top + int(box["height"]), left : left + int(box["width"])]
        assert area.size, box
        coloured = (area.max(axis=2) - area.min(axis=2)) > 0.3
        assert coloured.sum() > 300, (box, coloured.sum())
    # The group colours themselves are on screen (the page's own styles are grey).
    for colour in GROUP_COLOURS[:2]:
        target = np.array([int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
        assert (np.abs(rgb - target).max(axis=2) < 0.05).sum() > 500, colour
