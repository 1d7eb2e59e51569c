"""`tracker-rag eval`: run a dataset, compare two runs, or draft cases from feedback."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO, cast

from tracker_rag.errors import InputError
from tracker_rag.settings import Settings

EXIT_GATE_FAILED = 2
_MODES = ("hybrid", "dense", "keyword")


def add_eval_parser(commands: Any) -> None:
    """Add the `eval` command and its options."""
    evaluate = commands.add_parser(
        "eval",
        help="measure retrieval, answers and citations on an eval dataset",
        description="Evaluate on the project's own questions or MultiHop-RAG; "
        "write JSON, markdown and HTML reports into evals/runs/.",
    )
    evaluate.add_argument(
        "--dataset", choices=("tracker", "multihop-rag"), default="tracker"
    )
    evaluate.add_argument(
        "--cases",
        type=Path,
        default=Path("evals/tracker_questions.jsonl"),
        help="case file of the tracker dataset",
    )
    evaluate.add_argument(
        "--benchmark-dir",
        type=Path,
        default=Path("../shared/benchmarks/multihop-rag"),
        help="the MultiHop-RAG folder (read in place, never copied)",
    )
    evaluate.add_argument(
        "--limit", type=int, help="run a stratified sample of N cases"
    )
    evaluate.add_argument("--seed", type=int, default=13, help="seed of the sample")
    evaluate.add_argument(
        "--modes",
        default=",".join(_MODES),
        help="retrieval modes to run, comma-separated (hybrid is the system)",
    )
    evaluate.add_argument(
        "--out", type=Path, default=Path("evals/runs"), help="folder for run reports"
    )
    evaluate.add_argument(
        "--thresholds",
        type=Path,
        help="fail (exit 2) when a metric misses this file's bounds",
    )
    evaluate.add_argument(
        "--labelled-pairs",
        type=Path,
        default=Path("evals/support_judgements.jsonl"),
        help="hand-labelled support judgements to measure the judge against",
    )
    evaluate.add_argument(
        "--model-judge",
        action="store_true",
        help="also judge the labelled pairs with the generative model "
        "(the configured one, else the bundled model in llama.cpp)",
    )
    evaluate.add_argument(
        "--compare",
        nargs=2,
        type=Path,
        metavar=("A", "B"),
        help="show what changed between two runs (folders or report.json files)",
    )
    evaluate.add_argument(
        "--feedback-to-cases",
        type=Path,
        metavar="DATABASE",
        help="print draft cases (JSON Lines) from the UI's feedback database",
    )


def _modes(text: str) -> tuple[Any, ...]:
    modes = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [mode for mode in modes if mode not in _MODES]
    if unknown or not modes:
        raise InputError(
            f"--modes {text!r}: choose from {', '.join(_MODES)} (comma-separated)"
        )
    return modes


def _progress(done: int, total: int) -> None:
    if done == total or done % 10 == 0:
        print(f"\r{done}/{total} cases", end="\n" if done == total else "",
              file=sys.stderr, flush=True)  # fmt: skip


def run_eval_command(settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    """Do what the options ask; exit 2 when the gate fails."""
    if args.compare:
        from tracker_rag.evaluation.compare import compare_reports, load_report

        first, second = (load_report(path) for path in args.compare)
        print(compare_reports(first, second), file=out, end="")
        return 0
    if args.feedback_to_cases:
        from tracker_rag.evaluation.feedback_cases import feedback_to_cases

        for row in feedback_to_cases(args.feedback_to_cases):
            print(json.dumps(row, ensure_ascii=False), file=out)
        return 0

    from tracker_rag.evaluation.suite import EvalOptions, run_eval

    options = EvalOptions(
        dataset=cast(Any, args.dataset),
        cases_file=args.cases,
        benchmark_dir=args.benchmark_dir,
        limit=args.limit,
        seed=args.seed,
        modes=_modes(args.modes),
        runs_dir=args.out,
        thresholds_file=args.thresholds,
        labelled_pairs=args.labelled_pairs,
        model_judge=args.model_judge,
    )
    show_progress = _progress if sys.stderr.isatty() else None
    outcome = run_eval(settings, options, progress=show_progress)
    print((outcome.folder / "summary.md").read_text(encoding="utf-8"), file=out)
    print(f"reports written to {outcome.folder}/", file=out)
    if outcome.failures:
        for failure in outcome.failures:
            print(f"tracker-rag: gate failed: {failure}", file=sys.stderr)
        return EXIT_GATE_FAILED
    return 0
