"""Aggregate case results into the figures of a report: per mode, per type, latency."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from statistics import fmean
from typing import Any

import numpy as np

from tracker_rag.evaluation.answer_metrics import abstention_scores
from tracker_rag.evaluation.retrieval_metrics import CURVE_DEPTH, RECALL_CUTOFFS

PRIMARY_METRIC = "recall@10"
RETRIEVAL_METRICS = (
    *(f"recall@{k}" for k in RECALL_CUTOFFS),
    "mrr@10",
    "ndcg@10",
    "all_gold_docs@10",
)
ANSWER_METRICS = ("containment", "token_f1")
CITATION_METRICS = (
    "citation_recall",
    "citation_precision",
    # Generated answers as the model wrote them, before the check.
    "draft_citation_recall",
    "draft_citation_precision",
)
# Lower is better for these; a thresholds file gives them a maximum.
LOWER_IS_BETTER = frozenset({"wrong_abstention_rate"})


def _mean(values: Sequence[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return round(fmean(present), 4) if present else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def summarise_mode(cases: Sequence[dict[str, Any]], mode: str) -> dict[str, Any]:
    """The figures of one retrieval mode over a set of case results."""
    results = [case["modes"][mode] for case in cases if mode in case["modes"]]
    answerable = [case for case in cases if case["answerable"]]
    scores = [case["modes"][mode]["scores"] for case in answerable]

    metrics: dict[str, Any] = {
        name: _mean([score.get(name) for score in scores])
        for name in (*RETRIEVAL_METRICS, *ANSWER_METRICS)
    }
    for name in CITATION_METRICS:
        metrics[name] = _mean([result["scores"].get(name) for result in results])
    metrics |= {
        name: _round(value)
        for name, value in abstention_scores(
            [case["answerable"] for case in cases],
            [case["modes"][mode]["abstained"] for case in cases],
        ).items()
    }
    metrics["answered_rate"] = _round(
        sum(not result["abstained"] for result in results) / len(results)
        if results
        else None
    )
    fallbacks = [r["scores"]["fallback"] for r in results if "fallback" in r["scores"]]
    if fallbacks:
        metrics["fallback_rate"] = _round(sum(fallbacks) / len(fallbacks))
    metrics["count"] = len(cases)
    return metrics


def recall_curve(cases: Sequence[dict[str, Any]], mode: str) -> dict[str, float]:
    """Mean recall@k over answerable cases for k = 1 … 20."""
    curves = [
        case["modes"][mode]["recall_curve"]
        for case in cases
        if case["answerable"] and case["modes"][mode]["recall_curve"]
    ]
    if not curves:
        return {}
    return {
        str(k): round(fmean(curve[k - 1] for curve in curves), 4)
        for k in range(1, CURVE_DEPTH + 1)
    }


def latency(cases: Sequence[dict[str, Any]], mode: str) -> dict[str, dict[str, float]]:
    """Median and 95th percentile milliseconds of each answer stage."""
    by_stage: dict[str, list[float]] = defaultdict(list)
    for case in cases:
        for stage, value in case["modes"][mode]["timings"].items():
            by_stage[stage].append(value)
    return {
        stage: {
            "p50": round(float(np.percentile(values, 50)), 2),
            "p95": round(float(np.percentile(values, 95)), 2),
        }
        for stage, values in by_stage.items()
    }


def summarise(cases: Sequence[dict[str, Any]], modes: Sequence[str]) -> dict[str, Any]:
    """Metrics, per-type metrics, recall curves and latency, for every mode."""
    types = sorted({case["type"] for case in cases})
    return {
        "metrics": {mode: summarise_mode(cases, mode) for mode in modes},
        "by_type": {
            mode: {
                kind: summarise_mode([c for c in cases if c["type"] == kind], mode)
                for kind in types
            }
            for mode in modes
        },
        "recall_curve": {mode: recall_curve(cases, mode) for mode in modes},
        "latency_ms": {mode: latency(cases, mode) for mode in modes},
    }
