"""Profile the hot paths, as they were and as they are: answering and ingesting.

    .venv/bin/python bench/profile_hot_paths.py [--articles 20] [--questions 40]
        [--out DIR]

Builds an index of `--articles` MultiHop-RAG articles in a scratch folder, then
runs pyinstrument over two hot paths in two configurations each:

- `ask` (extractive) over `--questions` MultiHop-RAG questions. Before: the
  torch encoder, and every retrieved sentence embedded in batches of 32.
  After: the defaults, the ONNX encoder embedding only the most promising
  sentences, one text per run.
- `ingest` of the same articles into a fresh index. Before: the torch
  encoder. After: the default ONNX encoder.

"before" is the code path this project had before its performance work,
rebuilt here through settings (and, for the batches, by handing the answerer the
batched embedding); it is not a different checkout. The table gives the wall
time per operation and the share of it spent in each part (encoder, Chroma,
keyword index, the rest), read from the profile's call tree. Each profile is
also written in full as text under `--out`.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from _common import MULTIHOP_DOCS, copy_articles, machine_facts, sample_articles
from pyinstrument import Profiler
from pyinstrument.frame import Frame

from tracker_rag.service import TrackerRag
from tracker_rag.settings import Settings

QUESTIONS = MULTIHOP_DOCS.parent / "qa.jsonl"
PARTS = ("encoder", "chroma", "keyword index")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--out", type=Path, help="folder for the full profiles")
    parser.add_argument("--json", type=Path, help="write the summary here")
    args = parser.parse_args(argv)
    if args.articles < 1 or args.questions < 1:
        parser.error("--articles and --questions must be at least 1")
    return args


def settings_for(root: Path, name: str, **values: Any) -> Settings:
    """Settings over the scratch corpus and an index of its own."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        corpus_dir=root / "corpus",
        index_dir=root / f"index-{name}",
        data_dir=root / f"data-{name}",
        chroma_url=None,
        **values,
    )


def part_of(frame: Frame) -> str | None:
    """Which part a frame belongs to, if any: the outermost frame of a part wins."""
    where = f"{frame.file_path or ''}:{frame.function}"
    if frame.function == "encode" and (
        "_encoder" in where or "sentence_transformers" in where
    ):
        return "encoder"
    if "chromadb" in where:
        return "chroma"
    if "bm25s" in where or "keyword_index" in where:
        return "keyword index"
    return None


def shares(root: Frame) -> dict[str, float]:
    """Seconds of the profile in each part; what no part claims is 'other'."""
    seconds = dict.fromkeys([*PARTS, "other"], 0.0)

    def walk(frame: Frame) -> None:
        part = part_of(frame)
        if part is not None:
            seconds[part] += frame.time
            return
        for child in frame.children:
            walk(child)

    walk(root)
    seconds["other"] = max(0.0, root.time - sum(seconds.values()))
    return seconds


@contextmanager
def profiled(name: str, out: Path | None, results: dict[str, Any]) -> Iterator[None]:
    """Profile the block; keep its time split by part, and write it in full."""
    profiler = Profiler(interval=0.001)
    started = time.perf_counter()
    profiler.start()
    yield
    profiler.stop()
    wall = time.perf_counter() - started
    session = profiler.last_session
    root = session.root_frame() if session else None
    parts = shares(root) if root else {}
    total = sum(parts.values()) or 1.0
    results[name] = {
        "seconds": round(wall, 3),
        "share": {part: round(value / total, 3) for part, value in parts.items()},
    }
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        text = profiler.output_text(unicode=True, color=False)
        (out / f"{name}.txt").write_text(text, encoding="utf-8")


def load_questions(count: int, seed: int) -> list[str]:
    """MultiHop-RAG questions in a seeded order."""
    with QUESTIONS.open(encoding="utf-8") as lines:
        questions = [json.loads(line)["question"] for line in lines if line.strip()]
    random.Random(seed).shuffle(questions)
    return questions[:count]


def ask_all(service: TrackerRag, questions: list[str]) -> None:
    """Answer every question."""
    for question in questions:
        service.ask(question)


def profile_asks(
    root: Path, args: argparse.Namespace, out: Path | None, results: dict[str, Any]
) -> None:
    """Profile answering before and after, on the index the 'after' ingest built."""
    questions = load_questions(args.questions + 3, args.seed)
    warm, timed = questions[:3], questions[3:]
    configs: dict[str, tuple[dict[str, Any], bool]] = {
        "ask before": ({"encoder": "torch", "answer_sentence_budget": 0}, True),
        "ask after": ({}, False),
    }
    for name, (values, batched) in configs.items():
        settings = settings_for(root, "after", **values)
        service = TrackerRag(settings)
        if batched:
            embedder = service.embedder
            embedder.embed_each = embedder.embed  # type: ignore[method-assign]
        service.load()
        ask_all(service, warm)
        with profiled(name, out, results):
            ask_all(service, timed)
        results[name]["per_operation_ms"] = round(
            results[name]["seconds"] / len(timed) * 1000, 1
        )


def profile_ingests(root: Path, out: Path | None, results: dict[str, Any]) -> None:
    """Profile a fresh ingest with each encoder."""
    for name, encoder in (("ingest before", "torch"), ("ingest after", "onnx")):
        index_name = name.split()[1]
        service = TrackerRag(settings_for(root, index_name, encoder=encoder))
        service.embedder.load()
        with profiled(name, out, results):
            report = service.ingest()
        results[name]["chunks"] = report.chunks_embedded
        results[name]["per_operation_ms"] = round(
            results[name]["seconds"] / max(1, report.chunks_embedded) * 1000, 2
        )


def render(results: dict[str, Any]) -> str:
    """The summary as a table."""
    facts = results["machine"]
    lines = [
        f"{facts['date']}: {facts['cpu_count']} CPUs, load average "
        f"{facts['load_average_1min']} at the start",
        "",
        f"{'path':<14} {'seconds':>8} {'ms per op':>10}  "
        + "  ".join(f"{part:>13}" for part in [*PARTS, "other"]),
    ]
    for name, row in results.items():
        if name == "machine":
            continue
        cells = "  ".join(
            f"{row['share'].get(part, 0) * 100:>12.1f}%" for part in [*PARTS, "other"]
        )
        lines.append(
            f"{name:<14} {row['seconds']:>8.2f} {row['per_operation_ms']:>10}  {cells}"
        )
    lines.append("(ms per op: per question for ask, per chunk for ingest)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Build, profile, print; return the exit status."""
    args = parse_args(argv)
    results: dict[str, Any] = {"machine": machine_facts()}
    with tempfile.TemporaryDirectory(prefix="profile-") as scratch:
        root = Path(scratch)
        copy_articles(
            sample_articles(MULTIHOP_DOCS, args.articles, args.seed), root / "corpus"
        )
        profile_ingests(root, args.out, results)
        profile_asks(root, args, args.out, results)
    print(render(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
