"""The HTML evaluation report and its inline SVG charts."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from html.parser import HTMLParser
from typing import Any

import pytest

from tracker_rag.evaluation.report_html import render_html_report
from tracker_rag.evaluation.svg_charts import (
    grouped_bar_chart,
    histogram,
    line_chart,
    no_data_chart,
)

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE_QUESTION = "Who wrote <script>alert(1)</script> here?"
HOSTILE_ANSWER = "Anthropic & OpenAI <both> [1]\nsecond line is hidden"


def mode_result(
    answer: str, *, f1: float | None, recall: float | None, confidence: float
) -> dict[str, Any]:
    """One mode's result for one case."""
    return {
        "answer": answer,
        "abstained": False,
        "confidence": confidence,
        "citations": [],
        "statements": [],
        "retrieved": [],
        "scores": {
            "recall@10": recall,
            "mrr@10": recall,
            "token_f1": f1,
            "containment": 0.0,
            "citation_recall": 1.0,
            "citation_precision": 1.0,
            "abstained": False,
        },
    }


def make_report() -> dict[str, Any]:
    """A small report: three cases, two modes, one hostile question."""
    cases = [
        {
            "id": "t001",
            "question": HOSTILE_QUESTION,
            "type": "fact",
            "answerable": True,
            "reference_answer": "Anthropic",
            "modes": {
                "hybrid": mode_result(
                    HOSTILE_ANSWER, f1=0.5, recall=1.0, confidence=0.7
                ),
                "dense": mode_result(
                    "Anthropic [1]", f1=0.4, recall=0.0, confidence=0.6
                ),
            },
        },
        {
            "id": "t002",
            "question": "When was the deal signed?",
            "type": "paraphrase",
            "answerable": True,
            "reference_answer": "March 2026",
            "modes": {
                "hybrid": mode_result(
                    "In March 2026 [1]", f1=0.8, recall=1.0, confidence=0.9
                ),
                "dense": mode_result("In 2026 [2]", f1=0.3, recall=1.0, confidence=0.5),
            },
        },
        {
            "id": "t003",
            "question": "What colour is the moon's flag?",
            "type": "unanswerable",
            "answerable": False,
            "reference_answer": "",
            "modes": {
                "hybrid": mode_result("", f1=None, recall=None, confidence=0.1),
                "dense": mode_result("Blue [1]", f1=None, recall=None, confidence=0.4),
            },
        },
    ]
    return {
        "dataset": "tracker",
        "created": "2026-12-03T22:10:00+00:00",
        "duration_seconds": 81.2,
        "case_count": 3,
        "primary_metric": "recall@10",
        "system_mode": "hybrid",
        "modes": ["dense", "hybrid"],
        "judge": {
            "name": "heuristic",
            "agreement": {
                "pairs": 130,
                "accuracy": 0.86,
                "kappa": 0.71,
                "precision": 0.88,
                "recall": 0.83,
            },
        },
        "metrics": {
            "hybrid": {"recall@10": 0.9123, "token_f1": 0.4567, "mrr@10": None},
            "dense": {"recall@10": 0.6111, "token_f1": 0.3333, "mrr@10": 0.5},
        },
        "by_type": {
            mode: {
                "fact": {"recall@10": 0.9, "token_f1": 0.5, "count": 1},
                "paraphrase": {"recall@10": 0.8, "token_f1": 0.6, "count": 1},
                "unanswerable": {"recall@10": None, "token_f1": None, "count": 1},
            }
            for mode in ("hybrid", "dense")
        },
        "recall_curve": {
            "hybrid": {"1": 0.5, "5": 0.8, "10": 0.9},
            "dense": {"1": 0.3, "5": 0.5, "10": 0.6},
        },
        "latency_ms": {
            "hybrid": {"total": {"p50": 14.2, "p95": 20.1}},
            "dense": {"total": {"p50": 9.0, "p95": 12.5}},
        },
        "cases": cases,
    }


class TagCounter(HTMLParser):
    """Walk a page, counting start tags."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: dict[str, int] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.counts[tag] = self.counts.get(tag, 0) + 1


def svg_elements(page: str) -> list[str]:
    """Every inline SVG element of a page, as text."""
    return re.findall(r"<svg\b.*?</svg>", page, flags=re.DOTALL)


def test_page_walks_and_holds_five_charts() -> None:
    page = render_html_report(make_report())
    counter = TagCounter()
    counter.feed(page)
    counter.close()
    assert counter.counts["svg"] == 5
    assert page.count("<svg") == 5
    charts = svg_elements(page)
    assert len(charts) == 5
    for chart in charts:
        root = ElementTree.fromstring(chart)
        assert root.find(f"{SVG}title") is not None
    line_charts = [chart for chart in charts if "<polyline" in chart]
    bar_charts = [chart for chart in charts if "by question type" in chart]
    histograms = [chart for chart in charts if "confidence" in chart or "F1 (" in chart]
    assert len(line_charts) == 1
    assert len(bar_charts) == 2
    assert len(histograms) == 2
    assert "<script" not in page.replace("&lt;script", "")
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_metric_table_has_system_mode_first_and_its_values() -> None:
    page = render_html_report(make_report())
    metrics = page.split("<h2>Metrics</h2>", 1)[1].split("</section>", 1)[0]
    assert metrics.index("hybrid (system)") < metrics.index("dense")
    assert "0.912" in metrics
    assert "0.457" in metrics
    assert "—" in metrics
    assert '<span class="headline">0.912</span>' in page


def test_hostile_text_is_escaped_never_raw() -> None:
    page = render_html_report(make_report())
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Anthropic &amp; OpenAI &lt;both&gt; [1]" in page
    assert "<both>" not in page
    assert "second line is hidden" not in page


def test_judge_and_latency_are_shown() -> None:
    page = render_html_report(make_report())
    assert "heuristic" in page
    assert "0.710" in page
    assert "14.2" in page and "20.1" in page


def test_partial_report_still_renders() -> None:
    page = render_html_report({"dataset": "<x>", "judge": {"agreement": None}})
    counter = TagCounter()
    counter.feed(page)
    counter.close()
    assert "&lt;x&gt;" in page
    assert "not measured" in page
    assert page.count("no data") == 5


@pytest.mark.parametrize(
    "chart",
    [
        line_chart("Recall", "k", "recall", {}),
        line_chart("Recall", "k", "recall", {"hybrid": []}),
        grouped_bar_chart("Bars", "recall", [], {"hybrid": []}),
        grouped_bar_chart("Bars", "recall", ["fact"], {"hybrid": [None]}),
        histogram("Scores", "score", {}),
        histogram("Scores", "score", {"hybrid": []}),
    ],
)
def test_empty_series_give_the_no_data_chart(chart: str) -> None:
    assert "no data" in chart
    ElementTree.fromstring(chart)


def test_line_chart_marks_every_point() -> None:
    series = {
        "hybrid": [(1.0, 0.5), (2.0, 0.6), (5.0, 0.8), (10.0, 0.9)],
        "dense": [(1.0, 0.3), (10.0, 0.6)],
        "keyword": [(3.0, 0.4)],
    }
    chart = line_chart("Recall@k", "k", "recall", series)
    root = ElementTree.fromstring(chart)
    markers = [
        element
        for element in root.iter(f"{SVG}circle")
        if element.get("class") == "marker"
    ]
    assert len(markers) == 7
    assert root.find(f"{SVG}g[@class='legend']") is not None
    texts = "".join(root.itertext())
    assert "recall" in texts and "k" in texts


def test_chart_labels_are_escaped_and_parse_as_xml() -> None:
    hostile = "<b>&'\""
    charts = [
        line_chart(hostile, hostile, hostile, {hostile: [(1.0, 0.5)]}),
        grouped_bar_chart(hostile, hostile, [hostile], {hostile: [0.5], "b": [0.2]}),
        histogram(hostile, hostile, {hostile: [0.1, 0.95, 2.0], "b": [0.5]}, bins=5),
        no_data_chart(hostile),
    ]
    for chart in charts:
        assert "<b>" not in chart
        root = ElementTree.fromstring(chart)
        assert root.findtext(f"{SVG}title") == hostile


def test_histogram_counts_every_value() -> None:
    chart = histogram("Scores", "score", {"a": [0.0, 0.05, 0.5, 1.0, 1.5]}, bins=10)
    root = ElementTree.fromstring(chart)
    bars = [
        element for element in root.iter(f"{SVG}rect") if element.get("class") == "bar"
    ]
    counts = [
        int((bar.findtext(f"{SVG}title") or "").rsplit(": ", 1)[1]) for bar in bars
    ]
    assert sum(counts) == 5
    assert len(bars) == 3
