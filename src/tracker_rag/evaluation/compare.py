"""What changed between two eval runs: the metrics, then case by case."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tracker_rag.errors import DatasetError
from tracker_rag.evaluation.report_markdown import SUMMARY_METRICS

REPORT_FILE = "report.json"
CASE_SCORES = ("recall@10", "mrr@10", "token_f1", "citation_recall")


def load_report(path: Path) -> dict[str, Any]:
    """Read a run's JSON report, given its folder or the file itself."""
    file = path / REPORT_FILE if path.is_dir() else path
    try:
        report: dict[str, Any] = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DatasetError(f"cannot read eval report {file}: {exc.strerror}") from exc
    except ValueError as exc:
        raise DatasetError(f"{file} is not a JSON eval report: {exc}") from exc
    if "cases" not in report or "metrics" not in report:
        raise DatasetError(f"{file} is not a JSON eval report (no cases or metrics)")
    return report


def _number(value: object) -> str:
    return (
        "–"
        if value is None
        else f"{value:.3f}"
        if isinstance(value, float)
        else str(value)
    )


def _case_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    changes = []
    if before["abstained"] != after["abstained"]:
        changes.append("now abstains" if after["abstained"] else "now answers")
    for name in CASE_SCORES:
        old, new = before["scores"].get(name), after["scores"].get(name)
        if old != new and not (old is None and new is None):
            changes.append(f"{name} {_number(old)} → {_number(new)}")
    if before["answer"] != after["answer"] and not after["abstained"]:
        changes.append("answer text changed")
    return changes


def compare_reports(first: dict[str, Any], second: dict[str, Any]) -> str:
    """A markdown account of the metric deltas and of every case that changed."""
    mode = second.get("system_mode", "hybrid")
    if mode not in first["metrics"]:
        raise DatasetError(f"the first run has no {mode!r} mode to compare with")
    lines = [
        f"# {first['dataset']} {first['created']} → {second['dataset']} "
        f"{second['created']} ({mode})",
        "",
        "| metric | A | B | change |",
        "|---|---|---|---|",
    ]
    for name in SUMMARY_METRICS:
        old = first["metrics"][mode].get(name)
        new = second["metrics"][mode].get(name)
        delta = f"{new - old:+.3f}" if old is not None and new is not None else "–"
        lines.append(f"| {name} | {_number(old)} | {_number(new)} | {delta} |")

    before = {case["id"]: case for case in first["cases"]}
    after = {case["id"]: case for case in second["cases"]}
    changed = []
    for case_id in sorted(before.keys() & after.keys()):
        old_mode = before[case_id]["modes"].get(mode)
        new_mode = after[case_id]["modes"].get(mode)
        if old_mode is None or new_mode is None:
            continue
        changes = _case_changes(old_mode, new_mode)
        if changes:
            question = after[case_id]["question"][:70]
            changed.append(f"- `{case_id}` {question}: " + "; ".join(changes))
    lines += ["", f"## Cases that changed ({len(changed)} of {len(after)})", ""]
    lines += changed or ["None."]
    only_first = sorted(before.keys() - after.keys())
    only_second = sorted(after.keys() - before.keys())
    if only_first:
        lines += ["", "Only in A: " + ", ".join(only_first)]
    if only_second:
        lines += ["", "Only in B: " + ", ".join(only_second)]
    return "\n".join(lines) + "\n"
