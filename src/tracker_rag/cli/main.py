"""`tracker-rag`: ingest a corpus, ask questions, serve, evaluate, convert exports.

Each command parses its arguments, calls the service and prints; expected
failures become one line on standard error and a non-zero exit status.
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

from pydantic import ValidationError

from tracker_rag.cli.eval_command import add_eval_parser, run_eval_command
from tracker_rag.cli.index_command import add_index_parser, run_index_command
from tracker_rag.cli.render import render_answer, render_ingest_report
from tracker_rag.cli.serve_command import add_serve_parser, run_serve
from tracker_rag.dates import parse_date
from tracker_rag.domain import DOCUMENT_KINDS, Filters
from tracker_rag.errors import InputError, MetadataError, TrackerRagError
from tracker_rag.service import TrackerRag
from tracker_rag.settings import Settings

EXIT_ERROR = 1


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    parser = argparse.ArgumentParser(
        prog="tracker-rag",
        description="Answer questions about the LLM Insight Tracker, with citations.",
    )
    parser.add_argument("--index-dir", type=Path, help="index folder (default: index/)")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log more")
    parser.add_argument(
        "--generator",
        choices=("extractive", "openai", "llama-cpp"),
        help="how answers are written (default: TRACKER_RAG_GENERATOR, extractive)",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    ingest = commands.add_parser("ingest", help="index a corpus folder incrementally")
    ingest.add_argument(
        "path", nargs="?", type=Path, help="corpus folder (default: corpus/)"
    )
    ingest.add_argument(
        "--rebuild",
        action="store_true",
        help="drop the index and embed everything again",
    )

    ask = commands.add_parser("ask", help="answer a question ('-' reads one per line)")
    ask.add_argument(
        "question", help="the question, or '-' to read questions from stdin"
    )
    ask.add_argument("--json", action="store_true", help="print answer objects as JSON")
    ask.add_argument("--as-of", help="only documents dated on or before YYYY-MM-DD")
    ask.add_argument("--topic", help="only documents of this topic")
    ask.add_argument("--kind", choices=DOCUMENT_KINDS, help="only articles or sources")
    ask.add_argument("--top-k", type=int, help="chunks to draw the answer from (1-50)")

    add_serve_parser(commands)
    add_eval_parser(commands)
    add_index_parser(commands)

    model = commands.add_parser(
        "model", help="the bundled generative model (Qwen2.5-Coder-0.5B GGUF)"
    )
    model.add_argument(
        "action",
        choices=("prepare",),
        help="prepare: join its parts, check the SHA-256, print the file's path",
    )

    convert = commands.add_parser(
        "convert-export", help="turn a tracker page export into a corpus file"
    )
    convert.add_argument("export", type=Path, help="the exported .txt file")
    convert.add_argument(
        "--corpus",
        type=Path,
        default=Path("corpus"),
        help="corpus folder to write into",
    )
    convert.add_argument(
        "--force", action="store_true", help="overwrite an existing file"
    )
    return parser


def configure_logging(verbosity: int) -> None:
    """Send logs to stderr: errors only by default, more with -v."""
    level = [logging.ERROR, logging.INFO, logging.DEBUG][min(verbosity, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    for noisy in (
        "bm25s",
        "chromadb",
        "httpx",
        "sentence_transformers",
        "transformers",
    ):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
    if verbosity < 2:
        warnings.filterwarnings("ignore")


def filters_from(args: argparse.Namespace) -> Filters:
    """Build filters from the command's options."""
    as_of = parse_date(args.as_of, what="--as-of") if args.as_of else None
    return Filters(topic=args.topic, kind=args.kind, as_of=as_of)


def read_questions(stream: TextIO) -> Iterator[str]:
    """Yield the non-empty lines of a stream."""
    for line in stream:
        if line.strip():
            yield line.strip()


def run_ask(service: TrackerRag, args: argparse.Namespace, out: TextIO) -> int:
    """Answer one question or a stream of them."""
    if args.top_k is not None and not 1 <= args.top_k <= 50:
        raise InputError(f"--top-k {args.top_k} is out of range (1 to 50)")
    filters = filters_from(args)
    if args.question != "-":
        answer = service.ask(args.question, filters, args.top_k)
        print(
            answer.model_dump_json() if args.json else render_answer(answer), file=out
        )
        return 0

    status = 0
    for number, question in enumerate(read_questions(sys.stdin), start=1):
        try:
            answer = service.ask(question, filters, args.top_k)
        except InputError as exc:
            status = EXIT_ERROR
            print(f"tracker-rag: error: line {number}: {exc}", file=sys.stderr)
            continue
        if args.json:
            print(answer.model_dump_json(), file=out, flush=True)
        else:
            print(f"Q: {question}\n{render_answer(answer)}\n", file=out, flush=True)
    return status


def run_convert(args: argparse.Namespace, out: TextIO) -> int:
    """Write a tracker export as a corpus file."""
    from tracker_rag.ingest.loaders import decode_text
    from tracker_rag.ingest.tracker_export import parse_tracker_export, render_export

    try:
        data = args.export.read_bytes()
    except OSError as exc:
        raise MetadataError(args.export, f"cannot be read ({exc.strerror})") from exc
    export = parse_tracker_export(decode_text(data, args.export), args.export)
    target = args.corpus / "articles" / f"{export.document.doc_id}.md"
    if target.exists() and not args.force:
        raise InputError(f"{target} exists; pass --force to overwrite it")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_export(export), encoding="utf-8")
    print(f"wrote {target}", file=out)
    return 0


def run(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run a command; return the exit status."""
    out = out or sys.stdout
    args = build_parser().parse_args(argv)
    configure_logging(args.verbose)
    overrides: dict[str, str] = {}
    if args.index_dir is not None:
        overrides["index_dir"] = str(args.index_dir)
    if args.generator is not None:
        overrides["generator"] = args.generator
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        print(
            f"tracker-rag: error: setting TRACKER_RAG_{field.upper()}: {first['msg']}",
            file=sys.stderr,
        )
        return EXIT_ERROR
    service = TrackerRag(settings)
    try:
        if args.command == "ingest":
            show_progress = sys.stderr.isatty()
            action = service.rebuild if args.rebuild else service.ingest
            report = action(
                str(args.path) if args.path else None, show_progress=show_progress
            )
            print(render_ingest_report(report), file=out)
            return EXIT_ERROR if report.failures else 0
        if args.command == "ask":
            return run_ask(service, args, out)
        if args.command == "serve":
            variables = {f"TRACKER_RAG_{k.upper()}": v for k, v in overrides.items()}
            return run_serve(settings, args, out, variables)
        if args.command == "index":
            return run_index_command(service, args, out)
        if args.command == "eval":
            return run_eval_command(settings, args, out)
        if args.command == "model":
            from tracker_rag.answer.llm.bundled_model import bundled_model_file

            print(bundled_model_file(settings.models_dir), file=out)
            return 0
        return run_convert(args, out)
    except TrackerRagError as exc:
        print(f"tracker-rag: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("tracker-rag: interrupted", file=sys.stderr)
        return 130


def main() -> None:
    """Console entry point."""
    sys.exit(run())
