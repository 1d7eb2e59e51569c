"""Query benchmark: latency, cold start, memory and recall at several index sizes.

    .venv/bin/python bench/query_bench.py --sizes 1000,10000,100000 --http

For each size an index of exactly that many chunks is built (bench/_sizes.py:
MultiHop-RAG articles ingested by Tracker RAG, padded with synthetic copies of
their chunks when the size asks for more, which the output says) and cached in
the work folder. Then, on that index:

- cold start: a fresh Python process constructs `TrackerRag` and calls `load()`;
  its time and peak resident memory. With `--http`, also the time from
  spawning `tracker-rag serve --port 0` until `/readyz` answers 200, and the
  server's peak resident memory;
- over HTTP (with `--http`): `/v1/retrieve` and `/v1/answer`, one at a time;
- in this process, question by question in turn: `TrackerRag.retrieve`,
  llama-index's default retriever over the same Chroma collection
  (`VectorStoreIndex.from_vector_store(...).as_retriever(similarity_top_k=5)`)
  and `TrackerRag.ask` with the extractive answer;
- recall@10 of Tracker RAG's hybrid retrieval (and of llama-index's dense
  retriever) on the MultiHop-RAG questions whose evidence the real chunks hold.

Latencies are p50/p95 over `--queries` MultiHop-RAG questions after a warm-up.
The exit status is 1 when an HTTP request failed, 2 when an index could not be
built or the server could not be started.
"""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse
import datetime as dt
import json
import platform
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from _common import interrupt_on_termination, percentile

from tracker_rag.errors import DatasetError
from tracker_rag.evaluation.cases import EvalCase
from tracker_rag.evaluation.multihop import load_multihop
from tracker_rag.evaluation.relevance import (
    ChunkSpan,
    EvidenceSpan,
    covers,
    locate_evidence,
)
from tracker_rag.evaluation.retrieval_metrics import recall_at
from tracker_rag.index.embedder import SentenceEmbedder
from tracker_rag.service import TrackerRag
from tracker_rag.settings import Settings, bundled_model_path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
DEFAULT_BENCHMARK_DIR = REPO.parent / "shared" / "benchmarks" / "multihop-rag"
DEFAULT_WORK_DIR = Path(tempfile.gettempdir()) / "tracker-rag-query-bench"
SCALING_BASE = 10_000
TARGET_VERSUS_LLAMA = 0.5
TARGET_SCALING = 2.0
RECALL_DEPTH = 10
SERVER_TIMEOUT_SECONDS = 600
EXIT_FAILED, EXIT_NO_INDEX, EXIT_INTERRUPTED = 1, 2, 130
SERIES = ("retrieve", "ask", "llama_index_retrieve", "http_retrieve", "http_answer")

# Run by a fresh interpreter: how long a cold process takes to be ready.
COLD_START = """
import json, resource, sys, time
started = time.perf_counter()
from tracker_rag.service import TrackerRag
from tracker_rag.settings import Settings
imported = time.perf_counter()
service = TrackerRag(Settings(_env_file=None, index_dir=sys.argv[1], chroma_url=None))
service.load()
ready = time.perf_counter()
print(json.dumps({
    "ready_at": time.time(),
    "import_seconds": imported - started,
    "load_seconds": ready - imported,
    "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    "chunks": len(service.index.catalog),
}))
"""


class BenchError(Exception):
    """An index could not be built, or the server not started."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="1000,10000,100000", help="chunk counts, comma separated"
    )
    parser.add_argument("--queries", type=int, default=100, help="timed per series")
    parser.add_argument("--warmup", type=int, default=5, help="untimed questions")
    parser.add_argument("--http", action="store_true", help="also measure the server")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument(
        "--articles", type=int, default=50, help="real MultiHop-RAG articles ingested"
    )
    parser.add_argument(
        "--recall-cases", type=int, default=200, help="most questions for recall@10"
    )
    parser.add_argument(
        "--cold-starts", type=int, default=3, help="fresh processes timed per size"
    )
    parser.add_argument(
        "--torch-threads",
        type=int,
        help="set OMP_NUM_THREADS for every process measured (default: torch's)",
    )
    parser.add_argument("--seed", type=int, default=13, help="of samples and copies")
    parser.add_argument(
        "--work-dir", type=Path, default=DEFAULT_WORK_DIR, help="cache of indexes"
    )
    parser.add_argument("--benchmark-dir", type=Path, default=DEFAULT_BENCHMARK_DIR)
    args = parser.parse_args(argv)
    try:
        args.sizes = sorted({int(size) for size in args.sizes.split(",")})
    except ValueError:
        parser.error(f"--sizes must be whole numbers, not {args.sizes!r}")
    if min(args.sizes) < 1 or min(args.queries, args.articles, args.cold_starts) < 1:
        parser.error("--sizes, --queries, --articles and --cold-starts must be >= 1")
    return args


# Facts and figures


def machine_facts() -> dict[str, Any]:
    """What the figures were measured on, and how busy it was."""
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "date": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "cpu_model": model,
        "memory_bytes": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"),
        "load_average": [round(value, 2) for value in os.getloadavg()],
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def torch_threads() -> int:
    """The intra-op threads torch uses in this process (as the server's does)."""
    import torch

    return int(torch.get_num_threads())


def latency_summary(seconds: list[float]) -> dict[str, Any]:
    """Count, p50 and p95 in milliseconds."""
    return {
        "count": len(seconds),
        "p50_ms": round(percentile(seconds, 0.50) * 1000, 2),
        "p95_ms": round(percentile(seconds, 0.95) * 1000, 2),
    }


def stage_medians(timings: list[dict[str, float]]) -> dict[str, float]:
    """The median of each stage the service timed (its `timings`, in ms)."""
    stages: dict[str, list[float]] = {}
    for timing in timings:
        for stage, value in timing.items():
            stages.setdefault(stage, []).append(value / 1000)
    return {
        stage: round(percentile(values, 0.5) * 1000, 2)
        for stage, values in stages.items()
    }


def timed(call: Callable[[], Any], samples: list[float]) -> Any:
    """Call once, add its duration to the samples and return its result."""
    started = time.perf_counter()
    result = call()
    samples.append(time.perf_counter() - started)
    return result


# Building


def build_indexes(args: argparse.Namespace) -> dict[str, Any]:
    """Build (or find cached) the index of every size, in a process of its own."""
    with tempfile.TemporaryDirectory(prefix="query-bench-") as scratch:
        out = Path(scratch) / "built.json"
        command = [sys.executable, str(BENCH / "_sizes.py")]
        command += ["--sizes", ",".join(str(size) for size in args.sizes)]
        command += ["--articles", str(args.articles), "--seed", str(args.seed)]
        command += ["--work-dir", str(args.work_dir.resolve())]
        command += ["--benchmark-dir", str(args.benchmark_dir.resolve())]
        command += ["--json", str(out)]
        done = subprocess.run(
            command, env=clean_environment(), capture_output=True, text=True
        )
        if done.returncode != 0:
            raise BenchError(f"building the indexes failed:\n{done.stderr[-3000:]}")
        built: dict[str, Any] = json.loads(out.read_text())
        return built


def clean_environment(**settings: str) -> dict[str, str]:
    """This process's environment without any TRACKER_RAG_ setting but these."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_RAG_")}
    env.update(
        {f"TRACKER_RAG_{name.upper()}": value for name, value in settings.items()}
    )
    return env


# Cold start


def cold_start(index_dir: Path, cwd: Path) -> dict[str, Any]:
    """A fresh process loads the index and the model: how long, how much memory."""
    spawned = time.time()
    done = subprocess.run(
        [sys.executable, "-c", COLD_START, str(index_dir)],
        env=clean_environment(),
        cwd=cwd,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BenchError(f"the cold start failed:\n{done.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "spawn_to_ready_seconds": round(figures.pop("ready_at") - spawned, 2),
        "import_seconds": round(figures["import_seconds"], 2),
        "load_seconds": round(figures["load_seconds"], 2),
        "peak_rss_bytes": figures["peak_rss_bytes"],
        "chunks": figures["chunks"],
    }


def cold_starts(index_dir: Path, cwd: Path, count: int) -> dict[str, Any]:
    """The median of `count` cold starts, each figure apart; every run kept too."""
    runs = [cold_start(index_dir, cwd) for _ in range(count)]
    return {
        **{key: percentile([run[key] for run in runs], 0.5) for key in runs[0]},
        "runs": runs,
    }


# Over HTTP


def memory_of(pid: int) -> dict[str, int | None]:
    """Resident and peak resident bytes of a process (Linux /proc)."""
    figures: dict[str, int | None] = {"rss_bytes": None, "peak_rss_bytes": None}
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return figures
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            figures["rss_bytes"] = int(line.split()[1]) * 1024
        elif line.startswith("VmHWM:"):
            figures["peak_rss_bytes"] = int(line.split()[1]) * 1024
    return figures


def server_address(process: subprocess.Popen[str], log: Path, deadline: float) -> str:
    """The address `tracker-rag serve` prints once its port is bound."""
    while True:
        text = log.read_text()
        for line in text.splitlines():
            if "/ui/" in line and " at " in line:
                return line.split(" at ", 1)[1].strip().removesuffix("/ui/")
        if process.poll() is not None or time.monotonic() > deadline:
            raise BenchError(f"the server printed no address:\n{text[-3000:]}")
        time.sleep(0.02)


@contextmanager
def running_server(
    index_dir: Path, corpus_dir: Path, root: Path
) -> Iterator[tuple[str, int, float]]:
    """Start `tracker-rag serve` on an index; yield address, pid, seconds to ready."""
    env = clean_environment(
        index_dir=str(index_dir),
        corpus_dir=str(corpus_dir),
        data_dir=str(root / "data"),
        rate_limit_per_minute="0",
    )
    command = [str(Path(sys.executable).parent / "tracker-rag")]
    command += ["--generator", "extractive", "serve", "--host", "127.0.0.1"]
    command += ["--port", "0"]
    log = root / "server.log"
    started = time.perf_counter()
    with log.open("w") as output:
        process = subprocess.Popen(
            command,
            env=env,
            cwd=root,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        deadline = time.monotonic() + SERVER_TIMEOUT_SECONDS
        base = server_address(process, log, deadline)
        with httpx.Client(base_url=base, timeout=30) as client:
            while True:
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise BenchError(
                        f"the server never became ready:\n{log.read_text()[-3000:]}"
                    )
                time.sleep(0.05)
        yield base, process.pid, time.perf_counter() - started
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def measure_http(
    built: dict[str, Any], questions: list[str], warmup: int, root: Path
) -> dict[str, Any]:
    """Cold start of the server, then retrieve and answer one request at a time."""
    samples: dict[str, list[float]] = {"http_retrieve": [], "http_answer": []}
    errors: list[str] = []
    root.mkdir(parents=True, exist_ok=True)
    index_dir, corpus_dir = Path(built["index_dir"]), Path(built["corpus_dir"])
    with running_server(index_dir, corpus_dir, root) as (base, pid, ready_seconds):
        at_ready = memory_of(pid)
        with httpx.Client(base_url=base, timeout=120) as client:
            for number, question in enumerate(questions):
                for kind, path in (
                    ("http_retrieve", "/v1/retrieve"),
                    ("http_answer", "/v1/answer"),
                ):
                    started = time.perf_counter()
                    response = client.post(path, json={"question": question})
                    seconds = time.perf_counter() - started
                    if not response.is_success:
                        errors.append(f"{path}: {response.status_code} {response.text}")
                    elif number >= warmup:
                        samples[kind].append(seconds)
        at_end = memory_of(pid)
    return {
        "latency": {kind: latency_summary(v) for kind, v in samples.items() if v},
        "cold_start": {
            "spawn_to_ready_seconds": round(ready_seconds, 2),
            "peak_rss_at_ready_bytes": at_ready["peak_rss_bytes"],
            "peak_rss_bytes": at_end["peak_rss_bytes"],
        },
        "errors": errors,
    }


# In this process


class InProcess:
    """The models this process loads once and shares between sizes."""

    def __init__(self) -> None:
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding

        model = bundled_model_path()
        self.embedder = SentenceEmbedder(model)
        self.embedder.embed_query("warm up")
        self.llama_embedding = HuggingFaceEmbedding(model_name=str(model), device="cpu")

    def service(self, built: dict[str, Any]) -> TrackerRag:
        """Tracker RAG over a built index, loaded."""
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            index_dir=Path(built["index_dir"]),
            corpus_dir=Path(built["corpus_dir"]),
            chroma_url=None,
            generator="extractive",
        )
        service = TrackerRag(settings, self.embedder)
        service.load()
        return service

    def llama_retriever(self, service: TrackerRag, top_k: int) -> Any:
        """llama-index's default retriever over the service's own Chroma collection."""
        from llama_index.core import VectorStoreIndex
        from llama_index.vector_stores.chroma import ChromaVectorStore

        index = VectorStoreIndex.from_vector_store(
            ChromaVectorStore(chroma_collection=service.index.store.collection),
            embed_model=self.llama_embedding,
        )
        return index.as_retriever(similarity_top_k=top_k)


def measure_in_process(
    service: TrackerRag, llama: Any, questions: list[str], warmup: int
) -> dict[str, Any]:
    """Retrieve, llama-index retrieve and ask, question by question in turn.

    Taking the three in turn spreads the load of anything else running on the
    machine over all three alike.
    """
    samples: dict[str, list[float]] = {
        "retrieve": [],
        "llama_index_retrieve": [],
        "ask": [],
    }
    retrieve_stages: list[dict[str, float]] = []
    ask_stages: list[dict[str, float]] = []
    for number, question in enumerate(questions):
        measured = number >= warmup
        scratch: list[float] = []
        retrieval = timed(lambda q=question: service.retrieve(q), scratch)
        timed(lambda q=question: llama.retrieve(q), scratch)
        answer = timed(lambda q=question: service.ask(q), scratch)
        if measured:
            for kind, seconds in zip(samples, scratch, strict=True):
                samples[kind].append(seconds)
            retrieve_stages.append(retrieval.timings)
            ask_stages.append(answer.timings)
    return {
        "latency": {kind: latency_summary(v) for kind, v in samples.items()},
        "stages_p50_ms": {
            "retrieve": stage_medians(retrieve_stages),
            "ask": stage_medians(ask_stages),
        },
    }


# Recall


def recall_cases(
    service: TrackerRag, benchmark_dir: Path, limit: int, seed: int
) -> list[tuple[EvalCase, list[EvidenceSpan]]]:
    """MultiHop-RAG questions whose every evidence passage a real chunk holds."""
    documents = service.index.documents
    by_doc: dict[str, list[ChunkSpan]] = {}
    for chunk in service.index.catalog.chunks:
        by_doc.setdefault(chunk.doc_id, []).append(
            ChunkSpan(chunk.chunk_id, chunk.doc_id, chunk.start, chunk.end)
        )
    eligible = []
    for case in load_multihop(benchmark_dir):
        if not case.answerable or any(e.doc_id not in by_doc for e in case.evidence):
            continue
        try:
            spans = locate_evidence(
                case, lambda d: documents[d].text if d in documents else None
            )
        except DatasetError:
            continue
        if all(any(covers(c, s) for c in by_doc[s.doc_id]) for s in spans):
            eligible.append((case, spans))
    random.Random(seed).shuffle(eligible)
    return eligible[:limit]


def _span(chunk_id: str, metadata: dict[str, Any]) -> ChunkSpan:
    return ChunkSpan(
        chunk_id, str(metadata["doc_id"]), int(metadata["start"]), int(metadata["end"])
    )


def measure_recall(
    service: TrackerRag, llama: Any, cases: list[tuple[EvalCase, list[EvidenceSpan]]]
) -> dict[str, Any]:
    """Mean recall@10 of Tracker RAG (hybrid) and of llama-index (dense)."""
    tracker, baseline = [], []
    for case, spans in cases:
        retrieval = service.retrieve(case.question, top_k=RECALL_DEPTH)
        ranking = [
            ChunkSpan(s.chunk.chunk_id, s.chunk.doc_id, s.chunk.start, s.chunk.end)
            for s in retrieval.chunks
        ]
        tracker.append(recall_at(ranking, spans, RECALL_DEPTH))
        nodes = llama.retrieve(case.question)
        ranking = [_span(n.node.node_id, n.node.metadata) for n in nodes]
        baseline.append(recall_at(ranking, spans, RECALL_DEPTH))

    def mean(values: list[float]) -> float | None:
        return round(sum(values) / len(values), 4) if values else None

    return {
        "cases": len(cases),
        f"recall@{RECALL_DEPTH}": mean(tracker),
        f"llama_index_recall@{RECALL_DEPTH}": mean(baseline),
    }


# The run


def bench_questions(benchmark_dir: Path, count: int, seed: int) -> list[str]:
    """`count` MultiHop-RAG questions of every type, in a seeded order."""
    questions = [case.question for case in load_multihop(benchmark_dir)]
    random.Random(seed).shuffle(questions)
    return [questions[n % len(questions)] for n in range(count)]


def bench_size(
    args: argparse.Namespace,
    built: dict[str, Any],
    models: InProcess,
    questions: list[str],
) -> dict[str, Any]:
    """Every figure of one index size."""
    root = Path(built["folder"])
    print(f"size {built['size']:,}: cold start", file=sys.stderr, flush=True)
    row: dict[str, Any] = {
        "size": built["size"],
        "chunks": built["chunks"],
        "real_chunks": built["real_chunks"],
        "synthetic_chunks": built["synthetic_chunks"],
        "documents": built["documents"],
        "articles": built["articles"],
        "index_cached": built["cached"],
        "build_seconds": built["build_seconds"],
        "cold_start": cold_starts(Path(built["index_dir"]), root, args.cold_starts),
        "latency": {},
        "errors": [],
    }
    if row["cold_start"].pop("chunks") != built["chunks"]:
        raise BenchError(f"the index at {built['index_dir']} is not the size built")
    if args.http:
        print(f"size {built['size']:,}: over HTTP", file=sys.stderr, flush=True)
        http = measure_http(built, questions, args.warmup, root / "serve")
        row["latency"].update(http["latency"])
        row["cold_start"]["http"] = http["cold_start"]
        row["errors"] += http["errors"]

    print(f"size {built['size']:,}: in process", file=sys.stderr, flush=True)
    service = models.service(built)
    if len(service.index.catalog) != built["chunks"]:
        raise BenchError(f"the index at {built['index_dir']} is not the size built")
    in_process = measure_in_process(
        service, models.llama_retriever(service, 5), questions, args.warmup
    )
    row["latency"].update(in_process["latency"])
    row["stages_p50_ms"] = in_process["stages_p50_ms"]
    latency = row["latency"]
    row["retrieve_vs_llama_index"] = round(
        latency["retrieve"]["p50_ms"] / latency["llama_index_retrieve"]["p50_ms"], 3
    )
    cases = recall_cases(service, args.benchmark_dir, args.recall_cases, args.seed)
    row["quality"] = measure_recall(
        service, models.llama_retriever(service, RECALL_DEPTH), cases
    )
    return row


def scaling(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """p50 at the largest size over p50 at a smaller one, per series.

    The smaller one is 10,000 when that is measured and not the largest, else
    the smallest size; the target applies to the ratio against 10,000 only.
    """
    sizes = [row["size"] for row in rows]
    top_size = max(sizes)
    base_size = (
        SCALING_BASE
        if SCALING_BASE in sizes and top_size > SCALING_BASE
        else min(sizes)
    )
    result: dict[str, Any] = {
        "from": base_size,
        "to": top_size,
        "target_applies": base_size == SCALING_BASE,
    }
    base = next(row for row in rows if row["size"] == base_size)
    top = next(row for row in rows if row["size"] == top_size)
    for series in SERIES:
        if top_size == base_size or series not in top["latency"]:
            result[series] = None
            continue
        result[series] = round(
            top["latency"][series]["p50_ms"] / base["latency"][series]["p50_ms"], 3
        )
    return result


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Build, measure every size, and gather the results."""
    machine = machine_facts()
    print(f"building indexes of {args.sizes} chunks", file=sys.stderr, flush=True)
    built = build_indexes(args)
    questions = bench_questions(
        args.benchmark_dir, args.warmup + args.queries, args.seed
    )
    models = InProcess()
    rows = [bench_size(args, size, models, questions) for size in built["sizes"]]
    machine["load_average_end"] = [round(value, 2) for value in os.getloadavg()]
    machine["torch_threads"] = torch_threads()
    return {
        "machine": machine,
        "options": {
            "sizes": args.sizes,
            "queries": args.queries,
            "warmup": args.warmup,
            "http": args.http,
            "articles": args.articles,
            "seed": args.seed,
            "recall_cases": args.recall_cases,
            "cold_starts": args.cold_starts,
            "torch_threads": args.torch_threads,
        },
        "real_index": {
            "articles": built["real"]["articles"],
            "chunks": built["real"]["chunks"],
            "folder": built["real"]["folder"],
        },
        "synthetic_note": built["synthetic_note"],
        "sizes": rows,
        "scaling": scaling(rows),
        "targets": {
            "retrieve_vs_llama_index_at_most": TARGET_VERSUS_LLAMA,
            "scaling_at_most": TARGET_SCALING,
        },
    }


# The report


def _mib(value: int | None) -> str:
    return "n/a" if value is None else f"{value / 2**20:,.0f}"


def _pair(row: dict[str, Any], series: str) -> str:
    figures = row["latency"].get(series)
    if figures is None:
        return "-"
    return f"{figures['p50_ms']:,.1f} / {figures['p95_ms']:,.1f}"


def table_rows(row: dict[str, Any]) -> list[tuple[str, str]]:
    """The (label, value) lines of one size's column."""
    cold = row["cold_start"]
    http = cold.get("http", {})
    quality = row["quality"]
    recall = quality[f"recall@{RECALL_DEPTH}"]
    baseline = quality[f"llama_index_recall@{RECALL_DEPTH}"]
    ask = row["stages_p50_ms"]["ask"]
    return [
        (
            "chunks: real + synthetic",
            f"{row['real_chunks']:,} + {row['synthetic_chunks']:,}",
        ),
        ("documents", f"{row['documents']:,}"),
        ("retrieve p50 / p95 ms", _pair(row, "retrieve")),
        ("llama-index retrieve p50 / p95 ms", _pair(row, "llama_index_retrieve")),
        ("retrieve p50 ÷ llama-index p50", f"{row['retrieve_vs_llama_index']:.2f}"),
        ("ask p50 / p95 ms", _pair(row, "ask")),
        (
            "  ask stages p50 ms: embed/dense/bm25/answer",
            "/".join(
                f"{ask.get(stage, 0):,.0f}"
                for stage in ("embed_question", "dense", "keyword", "answer")
            ),
        ),
        ("HTTP retrieve p50 / p95 ms", _pair(row, "http_retrieve")),
        ("HTTP answer p50 / p95 ms", _pair(row, "http_answer")),
        (
            "cold start to ready s (load only)",
            f"{cold['spawn_to_ready_seconds']:.1f} ({cold['load_seconds']:.1f})",
        ),
        ("cold start peak RSS MiB", _mib(cold["peak_rss_bytes"])),
        (
            "HTTP spawn to /readyz s",
            f"{http['spawn_to_ready_seconds']:.1f}" if http else "-",
        ),
        ("HTTP server peak RSS MiB", _mib(http.get("peak_rss_bytes")) if http else "-"),
        (
            f"recall@{RECALL_DEPTH} Tracker / llama-index (cases)",
            "n/a"
            if recall is None
            else f"{recall:.3f} / {baseline:.3f} ({quality['cases']})",
        ),
    ]


def render(results: dict[str, Any]) -> str:
    """The results as text: machine facts, one column per size, the targets."""
    machine = results["machine"]
    lines = [
        f"{machine['date']}: {machine['cpu_count']} CPUs ({machine['cpu_model']}), "
        f"{machine['memory_bytes'] / 2**30:.0f} GiB, Python {machine['python']}, "
        f"load average {machine['load_average'][0]} at the start, "
        f"{machine['load_average_end'][0]} at the end",
        f"{results['options']['queries']} questions per series after "
        f"{results['options']['warmup']} to warm up; the real chunks come from "
        f"{results['real_index']['articles']} MultiHop-RAG articles "
        f"({results['real_index']['chunks']:,} chunks)",
    ]
    if any(row["synthetic_chunks"] for row in results["sizes"]):
        lines.append(f"SYNTHETIC DATA: {results['synthetic_note']}")
    lines.append("")

    columns = [table_rows(row) for row in results["sizes"]]
    width = max(len(label) for label, _ in columns[0]) + 2
    cell = max(14, *(len(value) + 2 for column in columns for _, value in column))
    header = "".join(f"{row['size']:>{cell},}" for row in results["sizes"])
    lines.append(f"{'chunks in the index':<{width}}{header}")
    for number, (label, _) in enumerate(columns[0]):
        values = "".join(f"{column[number][1]:>{cell}}" for column in columns)
        lines.append(f"{label:<{width}}{values}")

    lines.append("")
    for row in results["sizes"]:
        ratio = row["retrieve_vs_llama_index"]
        verdict = "met" if ratio <= TARGET_VERSUS_LLAMA else "missed"
        lines.append(
            f"retrieve p50 ÷ llama-index p50 at {row['size']:,}: {ratio:.2f} "
            f"(target ≤ {TARGET_VERSUS_LLAMA}: {verdict})"
        )
    growth = results["scaling"]
    if growth["retrieve"] is None:
        lines.append("p50 growth with size: n/a (one size only)")
    for series in SERIES:
        if growth[series] is None:
            continue
        verdict = "met" if growth[series] <= TARGET_SCALING else "missed"
        target = (
            f"target ≤ {TARGET_SCALING}: {verdict}"
            if growth["target_applies"]
            else f"the target ≤ {TARGET_SCALING} is for ÷ p50 at {SCALING_BASE:,}"
        )
        lines.append(
            f"{series} p50 at {growth['to']:,} ÷ p50 at {growth['from']:,}: "
            f"{growth[series]:.2f} ({target})"
        )
    cpus = machine["cpu_count"] or 1
    # The benchmark itself keeps up to one runnable thread per CPU busy.
    if (
        machine["load_average"][0] > cpus / 2
        or machine["load_average_end"][0] > cpus * 1.5
    ):
        lines.append(
            f"WARNING: other work kept the machine busy (load average "
            f"{machine['load_average'][0]} at the start, "
            f"{machine['load_average_end'][0]} at the end, on {cpus} CPUs; torch "
            f"uses {machine['torch_threads']} threads): latencies are inflated"
        )
    for row in results["sizes"]:
        for error in row["errors"][:5]:
            lines.append(f"error at {row['size']:,}: {error[:300]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return the exit status."""
    args = parse_args(argv)
    if args.torch_threads is not None:
        # Read by torch when it is first imported, here and in every subprocess.
        os.environ["OMP_NUM_THREADS"] = str(args.torch_threads)
    interrupt_on_termination()
    try:
        results = run(args)
    except BenchError as exc:
        print(f"query_bench: {exc}", file=sys.stderr)
        return EXIT_NO_INDEX
    except KeyboardInterrupt:
        print("query_bench: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(render(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    failed = any(row["errors"] for row in results["sizes"])
    return EXIT_FAILED if failed else 0


if __name__ == "__main__":
    sys.exit(main())
