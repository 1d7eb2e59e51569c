"""Render the JSON evaluation report as a short markdown summary."""

from __future__ import annotations

from typing import Any

from tracker_rag.evaluation.summary import LOWER_IS_BETTER

SUMMARY_METRICS = (
    "recall@1",
    "recall@5",
    "recall@10",
    "mrr@10",
    "ndcg@10",
    "all_gold_docs@10",
    "containment",
    "token_f1",
    "citation_recall",
    "citation_precision",
    "draft_citation_recall",
    "draft_citation_precision",
    "fallback_rate",
    "abstention_precision",
    "abstention_recall",
    "wrong_abstention_rate",
    "answered_rate",
)
TYPE_METRICS = ("recall@10", "mrr@10", "token_f1", "answered_rate")


def _cell(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def render_markdown_report(report: dict[str, Any]) -> str:
    """Headline, metrics per mode, per question type, latency, judge, gate."""
    modes: list[str] = report["modes"]
    system = report["system_mode"]
    metrics = report["metrics"]
    primary = report["primary_metric"]
    lines = [
        f"# Eval: {report['dataset']} ({report['created']})",
        "",
        f"{report['case_count']} cases in {report['duration_seconds']:.0f} s. "
        f"Primary metric **{primary} = {_cell(metrics[system].get(primary))}** "
        f"({system}, the system). Modes `dense` and `keyword` are baselines: the "
        "same answerer drawing on one ranking alone. Answers: "
        f"{report.get('answering', 'extractive')}.",
        "",
        "## Metrics",
        "",
    ]
    header = ["metric", *(f"{m} (system)" if m == system else m for m in modes)]
    rows = []
    for name in SUMMARY_METRICS:
        if all(metrics[mode].get(name) is None for mode in modes):
            continue
        label = f"{name} (lower is better)" if name in LOWER_IS_BETTER else name
        rows.append([label, *(_cell(metrics[mode].get(name)) for mode in modes)])
    lines += _table(header, rows)

    lines += ["", f"## By question type ({system})", ""]
    by_type = report["by_type"][system]
    type_rows = [
        [
            kind,
            _cell(figures.get("count")),
            *(_cell(figures.get(m)) for m in TYPE_METRICS),
        ]
        for kind, figures in by_type.items()
    ]
    lines += _table(["type", "cases", *TYPE_METRICS], type_rows)

    lines += ["", f"## Latency ({system}, ms)", ""]
    latency = report["latency_ms"][system]
    lines += _table(
        ["stage", "p50", "p95"],
        [[stage, _cell(v["p50"]), _cell(v["p95"])] for stage, v in latency.items()],
    )

    judge = report.get("judge") or {}
    agreement = judge.get("agreement")
    lines += ["", "## Support judge", ""]
    if agreement:
        lines.append(
            f"`{judge.get('name')}`: agrees with {agreement['pairs']} hand-labelled "
            f"pairs {agreement['accuracy']:.1%} of the time (Cohen's kappa "
            f"{agreement['kappa']:.2f}; precision {_cell(agreement.get('precision'))}, "
            f'recall {_cell(agreement.get("recall"))} on "supported").'
        )
    else:
        lines.append(f"`{judge.get('name')}`: agreement not measured in this run.")
    model_judge = judge.get("model_judge")
    if model_judge:
        theirs = model_judge["agreement"]
        both = model_judge["with_default_judge"]
        lines.append(
            f"\n`{model_judge['name']}` as a judge: agrees with the labels "
            f"{theirs['accuracy']:.1%} of the time (kappa {theirs['kappa']:.2f}) "
            f"and with the default judge {both['accuracy']:.1%} (kappa "
            f"{both['kappa']:.2f}); {model_judge['seconds']:.0f} s for "
            f"{theirs['pairs']} pairs."
        )

    gate = report.get("gate")
    if gate is not None:
        lines += ["", "## Gate", ""]
        if gate["failures"]:
            lines += [f"- FAILED: {failure}" for failure in gate["failures"]]
        else:
            lines.append(f"Passed every threshold of `{gate['thresholds_file']}`.")
    return "\n".join(lines) + "\n"
