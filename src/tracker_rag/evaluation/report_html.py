"""Render the JSON evaluation report as one standalone HTML page.

The page carries its CSS and SVG charts inline and loads nothing from elsewhere.
Every string taken from the report is escaped: questions and answers are untrusted.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable
from typing import Any

from tracker_rag.evaluation.svg_charts import grouped_bar_chart, histogram, line_chart

_MISSING = "—"
_ANSWER_PREVIEW_LIMIT = 240
_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0;
  color: #1f2328; background: #ffffff; line-height: 1.4; }
main { max-width: 1320px; margin: 0 auto; padding: 24px; }
h1 { font-size: 1.6rem; margin: 0 0 12px; }
h2 { font-size: 1.25rem; margin: 32px 0 12px; border-bottom: 1px solid #d0d7de;
  padding-bottom: 4px; }
dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px;
  margin: 0; }
dl.summary dt { font-weight: 600; }
dl.summary dd { margin: 0; }
.headline { font-size: 1.4rem; font-weight: 700; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 0.9rem; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { border: 1px solid #d0d7de; padding: 4px 8px; vertical-align: top; }
th { background: #f6f8fa; text-align: left; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
.system { background: #eaf2fb; }
.latency { display: flex; flex-wrap: wrap; gap: 24px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr));
  gap: 16px; }
figure { margin: 0; }
figure svg { max-width: 100%; height: auto; }
td.text { max-width: 420px; overflow-wrap: anywhere; }
.note { color: #57606a; }
"""


def render_html_report(report: dict[str, Any]) -> str:
    """Render the evaluation report dictionary as one standalone HTML page."""
    modes = _ordered_modes(report)
    system_mode = _string(report.get("system_mode")) or (modes[0] if modes else "")
    dataset = _string(report.get("dataset")) or "unknown dataset"
    sections = [
        _header_section(report, dataset, system_mode),
        _metrics_section(report, modes, system_mode),
        _judge_section(report),
        _latency_section(report, modes, system_mode),
        _charts_section(report, modes, system_mode),
        _cases_section(report, system_mode),
    ]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>Evaluation report: {_escape(dataset)}</title>",
            f"<style>{_STYLE}</style>",
            "</head>",
            "<body>",
            "<main>",
            *sections,
            "</main>",
            "</body>",
            "</html>",
        ]
    )


def _header_section(report: dict[str, Any], dataset: str, system_mode: str) -> str:
    primary = _string(report.get("primary_metric")) or "recall@10"
    system_metrics = _mapping(_mapping(report.get("metrics")).get(system_mode))
    duration = _number(report.get("duration_seconds"))
    rows = [
        ("Dataset", _escape(dataset)),
        ("Created", _escape(_string(report.get("created")) or _MISSING)),
        ("Cases", _escape(_format_count(report.get("case_count")))),
        ("Duration", _MISSING if duration is None else f"{duration:.1f} s"),
        ("System mode", _escape(system_mode or _MISSING)),
        ("Primary metric", _escape(primary)),
        (
            f"{_escape(primary)} ({_escape(system_mode)})",
            f'<span class="headline">'
            f"{_format_score(system_metrics.get(primary))}</span>",
        ),
    ]
    items = "\n".join(f"<dt>{term}</dt><dd>{value}</dd>" for term, value in rows)
    return (
        f"<header><h1>Evaluation report: {_escape(dataset)}</h1>"
        f'<dl class="summary">\n{items}\n</dl></header>'
    )


def _metrics_section(report: dict[str, Any], modes: list[str], system_mode: str) -> str:
    metrics = _mapping(report.get("metrics"))
    names = _union_keys(_mapping(metrics.get(mode)) for mode in modes)
    if not names:
        return '<section><h2>Metrics</h2><p class="note">No metrics.</p></section>'
    header = "".join(_mode_header(mode, system_mode) for mode in modes)
    rows = []
    for name in names:
        cells = "".join(
            _number_cell(
                _format_score(_mapping(metrics.get(mode)).get(name)),
                system=mode == system_mode,
            )
            for mode in modes
        )
        rows.append(f"<tr><th>{_escape(name)}</th>{cells}</tr>")
    return (
        "<section><h2>Metrics</h2><table>"
        f"<thead><tr><th>metric</th>{header}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _judge_section(report: dict[str, Any]) -> str:
    judge = _mapping(report.get("judge"))
    name = _string(judge.get("name")) or _MISSING
    agreement = _mapping(judge.get("agreement"))
    if not agreement:
        detail = '<p class="note">Agreement with human labels was not measured.</p>'
    else:
        rows = [
            f"<tr><th>pairs</th>"
            f"{_number_cell(_escape(_format_count(agreement.get('pairs'))))}</tr>"
        ]
        for key in ("accuracy", "kappa", "precision", "recall"):
            value = _format_score(agreement.get(key))
            rows.append(f"<tr><th>{key}</th>{_number_cell(value)}</tr>")
        detail = (
            "<table><caption>Agreement with human labels</caption>"
            f"<tbody>{''.join(rows)}</tbody></table>"
        )
    return (
        f"<section><h2>Judge</h2><p>Judge: <strong>{_escape(name)}</strong></p>"
        f"{detail}</section>"
    )


def _latency_section(report: dict[str, Any], modes: list[str], system_mode: str) -> str:
    latency = _mapping(report.get("latency_ms"))
    tables = []
    for mode in modes:
        stages = _mapping(latency.get(mode))
        if not stages:
            continue
        rows = []
        for stage, timing in stages.items():
            timing_map = _mapping(timing)
            cells = "".join(
                _number_cell(_format_milliseconds(timing_map.get(key)))
                for key in ("p50", "p95")
            )
            rows.append(f"<tr><th>{_escape(str(stage))}</th>{cells}</tr>")
        marker = " (system)" if mode == system_mode else ""
        tables.append(
            f"<table><caption>{_escape(mode)}{marker}</caption>"
            "<thead><tr><th>stage</th><th>p50 (ms)</th><th>p95 (ms)</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
        )
    body = "".join(tables) or '<p class="note">No latency measured.</p>'
    return f'<section><h2>Latency</h2><div class="latency">{body}</div></section>'


def _charts_section(report: dict[str, Any], modes: list[str], system_mode: str) -> str:
    primary = _string(report.get("primary_metric")) or "recall@10"
    curves: dict[str, list[tuple[float, float]]] = {}
    for mode in modes:
        points = []
        for k, value in _mapping(
            _mapping(report.get("recall_curve")).get(mode)
        ).items():
            position, recall = _number(_parse_float(k)), _number(value)
            if position is not None and recall is not None:
                points.append((position, recall))
        curves[mode] = sorted(points)
    charts = [
        line_chart("Recall@k by retrieval mode", "k", "recall", curves),
        _by_type_chart(report, modes, system_mode, primary),
        _by_type_chart(report, modes, system_mode, "token_f1"),
        histogram(
            f"Per-case token F1 ({system_mode})",
            "token F1",
            _split_by_answerable(report, system_mode, "token_f1"),
        ),
        histogram(
            f"Answer confidence ({system_mode})",
            "confidence",
            _split_by_answerable(report, system_mode, "confidence"),
        ),
    ]
    figures = "".join(f"<figure>{chart}</figure>" for chart in charts)
    return f'<section><h2>Charts</h2><div class="charts">{figures}</div></section>'


def _by_type_chart(
    report: dict[str, Any], modes: list[str], system_mode: str, metric: str
) -> str:
    by_type = _mapping(report.get("by_type"))
    types = _union_keys(_mapping(by_type.get(mode)) for mode in modes)
    system_types = _mapping(by_type.get(system_mode))
    labels = []
    for question_type in types:
        count = _mapping(system_types.get(question_type)).get("count")
        suffix = f" (n={count})" if isinstance(count, int) else ""
        labels.append(f"{question_type}{suffix}")
    series = {
        mode: [
            _number(_mapping(_mapping(by_type.get(mode)).get(type_name)).get(metric))
            for type_name in types
        ]
        for mode in modes
    }
    return grouped_bar_chart(f"{metric} by question type", metric, labels, series)


def _split_by_answerable(
    report: dict[str, Any], mode: str, field: str
) -> dict[str, list[float]]:
    split: dict[str, list[float]] = {"answerable": [], "unanswerable": []}
    for case in _sequence(report.get("cases")):
        case_map = _mapping(case)
        result = _mapping(_mapping(case_map.get("modes")).get(mode))
        source = result if field == "confidence" else _mapping(result.get("scores"))
        value = _number(source.get(field))
        if value is None:
            continue
        key = "unanswerable" if case_map.get("answerable") is False else "answerable"
        split[key].append(value)
    return {name: values for name, values in split.items() if values}


def _cases_section(report: dict[str, Any], system_mode: str) -> str:
    columns = ("abstained", "token_f1", "recall@10", "citation_recall")
    header = "".join(f"<th>{name}</th>" for name in ("id", "type", "question"))
    header += "".join(f"<th>{name}</th>" for name in columns) + "<th>answer</th>"
    rows = []
    for case in _sequence(report.get("cases")):
        case_map = _mapping(case)
        result = _mapping(_mapping(case_map.get("modes")).get(system_mode))
        scores = _mapping(result.get("scores"))
        abstained = scores.get("abstained", result.get("abstained"))
        cells = [
            f"<td>{_escape(_string(case_map.get('id')))}</td>",
            f"<td>{_escape(_string(case_map.get('type')))}</td>",
            f'<td class="text">{_escape(_string(case_map.get("question")))}</td>',
            f"<td>{_format_flag(abstained)}</td>",
            *(_number_cell(_format_score(scores.get(name))) for name in columns[1:]),
            f'<td class="text">{_escape(_first_line(result.get("answer")))}</td>',
        ]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f"<section><h2>Cases ({len(rows)})</h2>"
        f'<p class="note">Answers and scores of the system mode '
        f"({_escape(system_mode)}).</p>"
        f"<table><thead><tr>{header}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _ordered_modes(report: dict[str, Any]) -> list[str]:
    listed = [_string(mode) for mode in _sequence(report.get("modes"))]
    listed += [_string(mode) for mode in _mapping(report.get("metrics"))]
    system_mode = _string(report.get("system_mode"))
    ordered = [system_mode] if system_mode else []
    for mode in listed:
        if mode and mode not in ordered:
            ordered.append(mode)
    return ordered


def _mode_header(mode: str, system_mode: str) -> str:
    if mode == system_mode:
        return f'<th class="system">{_escape(mode)} (system)</th>'
    return f"<th>{_escape(mode)}</th>"


def _number_cell(text: str, *, system: bool = False) -> str:
    classes = "number system" if system else "number"
    return f'<td class="{classes}">{text}</td>'


def _union_keys(mappings: Iterable[dict[str, Any]]) -> list[str]:
    keys: list[str] = []
    for mapping in mappings:
        for key in mapping:
            if str(key) not in keys:
                keys.append(str(key))
    return keys


def _first_line(answer: object) -> str:
    lines = _string(answer).strip().splitlines()
    first = lines[0].strip() if lines else ""
    if len(first) > _ANSWER_PREVIEW_LIMIT:
        return first[: _ANSWER_PREVIEW_LIMIT - 1] + "…"
    return first


def _format_score(value: object) -> str:
    number = _number(value)
    return _MISSING if number is None else f"{number:.3f}"


def _format_milliseconds(value: object) -> str:
    number = _number(value)
    return _MISSING if number is None else f"{number:.1f}"


def _format_count(value: object) -> str:
    number = _number(value)
    return _MISSING if number is None else f"{number:g}"


def _format_flag(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return _MISSING


def _parse_float(text: object) -> float | None:
    try:
        return float(str(text))
    except ValueError:
        return None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _sequence(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _string(value: object) -> str:
    return "" if value is None else str(value)


def _escape(text: str) -> str:
    return html.escape(text, quote=True)
