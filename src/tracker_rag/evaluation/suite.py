"""One eval run: build the dataset's index, run its cases, write the three reports."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tracker_rag.answer.llm.factory import build_backend
from tracker_rag.answer.model_judge import ModelJudge
from tracker_rag.answer.support_judge import HeuristicJudge
from tracker_rag.errors import DatasetError
from tracker_rag.evaluation.cases import EvalCase, load_cases, stratified_sample
from tracker_rag.evaluation.judge_agreement import (
    DEFAULT_LABELLED_PAIRS,
    LabelledPair,
    cohen_kappa,
    load_labelled_pairs,
    measure_agreement,
)
from tracker_rag.evaluation.multihop import (
    DEFAULT_MULTIHOP_DIR,
    load_multihop,
    multihop_docs_dir,
)
from tracker_rag.evaluation.report_html import render_html_report
from tracker_rag.evaluation.report_markdown import render_markdown_report
from tracker_rag.evaluation.runner import ALL_MODES, CaseRunner, Progress, run_cases
from tracker_rag.evaluation.summary import PRIMARY_METRIC, summarise
from tracker_rag.evaluation.thresholds import check_thresholds, load_thresholds
from tracker_rag.index.embedder import SentenceEmbedder
from tracker_rag.retrieve.hybrid import RetrievalMode
from tracker_rag.service import TrackerRag
from tracker_rag.settings import Settings

logger = logging.getLogger(__name__)

DatasetName = Literal["tracker", "multihop-rag"]
DATASETS: tuple[DatasetName, ...] = ("tracker", "multihop-rag")
DEFAULT_CASES = Path("evals/tracker_questions.jsonl")
DEFAULT_RUNS_DIR = Path("evals/runs")


@dataclass
class EvalOptions:
    """What to evaluate, how much of it, and where the reports go."""

    dataset: DatasetName = "tracker"
    cases_file: Path = DEFAULT_CASES
    benchmark_dir: Path = DEFAULT_MULTIHOP_DIR
    limit: int | None = None
    seed: int = 13
    modes: tuple[RetrievalMode, ...] = ALL_MODES
    runs_dir: Path = DEFAULT_RUNS_DIR
    thresholds_file: Path | None = None
    labelled_pairs: Path | None = DEFAULT_LABELLED_PAIRS
    model_judge: bool = False


@dataclass
class EvalOutcome:
    """Where a run's reports are, its figures, and the thresholds it missed."""

    folder: Path
    report: dict[str, Any]
    failures: list[str] = field(default_factory=list)


def dataset_settings(settings: Settings, options: EvalOptions) -> Settings:
    """The settings of a dataset's own index: its corpus, a folder of its own."""
    corpus = (
        settings.corpus_dir
        if options.dataset == "tracker"
        else multihop_docs_dir(options.benchmark_dir)
    )
    return settings.model_copy(
        update={
            "corpus_dir": corpus,
            "index_dir": settings.eval_index_dir / options.dataset,
        }
    )


def load_dataset_cases(options: EvalOptions) -> list[EvalCase]:
    """The dataset's cases, sampled by type to `limit` when one is given."""
    if options.dataset == "multihop-rag":
        return load_multihop(options.benchmark_dir, options.limit, options.seed)
    return stratified_sample(
        load_cases(options.cases_file), options.limit, options.seed
    )


def _run_folder(runs_dir: Path, dataset: str, created: dt.datetime) -> Path:
    base = runs_dir / f"{dataset}-{created:%Y%m%d-%H%M%S}"
    folder, number = base, 1
    while folder.exists():
        number += 1
        folder = base.with_name(f"{base.name}-{number}")
    return folder


def write_reports(report: dict[str, Any], folder: Path) -> None:
    """Write report.json, summary.md and report.html into a new run folder."""
    folder.mkdir(parents=True)
    (folder / "report.json").write_text(
        json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8"
    )
    (folder / "summary.md").write_text(render_markdown_report(report), encoding="utf-8")
    (folder / "report.html").write_text(render_html_report(report), encoding="utf-8")


def _model_judge_report(
    service: TrackerRag, heuristic: HeuristicJudge, pairs: list[LabelledPair]
) -> dict[str, Any]:
    """The generative model as a judge: against the labels and the default judge."""
    generator = service.generator
    if generator is None:
        settings = service.settings.model_copy(update={"generator": "llama-cpp"})
        backend = build_backend(settings)
        assert backend is not None
    else:
        backend = generator.backend
    model_judge = ModelJudge(backend, service.settings.llm_timeout)
    started = time.perf_counter()
    against_labels = measure_agreement(model_judge, pairs)
    model_says = [model_judge.judge(p.claim, [p.passage]).supported for p in pairs]
    heuristic_says = [heuristic.judge(p.claim, [p.passage]).supported for p in pairs]
    same = sum(a == b for a, b in zip(model_says, heuristic_says, strict=True))
    return {
        "name": f"model ({backend.name}, {backend.model})",
        "agreement": against_labels.summary(),
        "with_default_judge": {
            "accuracy": round(same / len(pairs), 4),
            "kappa": round(cohen_kappa(heuristic_says, model_says), 4),
        },
        "seconds": round(time.perf_counter() - started, 1),
    }


def _answering(service: TrackerRag) -> str:
    generator = service.generator
    if generator is None:
        return "extractive"
    return f"generative ({generator.backend.name}, {generator.backend.model})"


def run_eval(
    settings: Settings,
    options: EvalOptions,
    embedder: SentenceEmbedder | None = None,
    progress: Progress | None = None,
) -> EvalOutcome:
    """Index the dataset's corpus, evaluate its cases and write the reports."""
    if options.limit is not None and options.limit < 1:
        raise DatasetError(f"--limit must be at least 1, got {options.limit}")
    limits = (
        load_thresholds(options.thresholds_file, options.dataset)
        if options.thresholds_file
        else None
    )
    cases = load_dataset_cases(options)
    service = TrackerRag(dataset_settings(settings, options), embedder)
    ingest = service.ingest()
    if ingest.failures:
        logger.warning("%d corpus files were not ingested", len(ingest.failures))

    judge = HeuristicJudge(service.embedder.embed)
    agreement = None
    model_judge_report = None
    if options.labelled_pairs and options.labelled_pairs.is_file():
        pairs = load_labelled_pairs(options.labelled_pairs)
        agreement = measure_agreement(judge, pairs)
        if options.model_judge:
            model_judge_report = _model_judge_report(service, judge, pairs)

    created = dt.datetime.now(dt.UTC).replace(microsecond=0)
    runner = CaseRunner(service, judge, options.modes)
    results, seconds = run_cases(runner, cases, progress)
    system_mode = "hybrid" if "hybrid" in options.modes else options.modes[0]
    report: dict[str, Any] = {
        "dataset": options.dataset,
        "created": created.isoformat(),
        "duration_seconds": round(seconds, 1),
        "case_count": len(cases),
        "limit": options.limit,
        "seed": options.seed,
        "primary_metric": PRIMARY_METRIC,
        "system_mode": system_mode,
        "answering": _answering(service),
        "modes": list(options.modes),
        "index": {
            "documents": len(service.index.documents),
            "chunks": len(service.index.catalog),
            "ingest_failures": [str(failure) for failure in ingest.failures],
        },
        "settings": service.settings.model_dump(
            mode="json",
            include={
                "chunk_max_tokens",
                "top_k",
                "candidate_pool",
                "rrf_k",
                "abstain_below",
                "max_answer_sentences",
            },
        ),
        "judge": {
            "name": judge.name,
            "threshold": judge.threshold,
            "agreement": agreement.summary() if agreement else None,
            "model_judge": model_judge_report,
        },
        **summarise(results, options.modes),
        "cases": results,
    }
    failures: list[str] = []
    if limits is not None:
        failures = check_thresholds(report["metrics"][system_mode], limits)
        report["gate"] = {
            "thresholds_file": str(options.thresholds_file),
            "failures": failures,
        }
    folder = _run_folder(options.runs_dir, options.dataset, created)
    write_reports(report, folder)
    return EvalOutcome(folder, report, failures)
