"""Ingest benchmark: `tracker-rag ingest` against its encoder and llama-index's default.

    .venv/bin/python bench/ingest_bench.py --articles 60 --json ingest.json

Over a fixed-seed sample of the MultiHop-RAG news articles (all 609 by default),
copied into a temporary folder, one process with one model folder and one batch
size measures:

- the raw encoder, the limit: sentence-transformers `encode` over exactly the
  texts the ingest embeds (title and section lines, then the chunk text);
- the raw ONNX encoder: the same model exported to ONNX and run by
  onnxruntime (Tracker RAG's default encoder) over the same texts;
- `TrackerRag.ingest` on a fresh index (wall time of the call), once with the
  torch encoder and once with the ONNX encoder;
- a second ingest of the unchanged corpus;
- llama-index's default pipeline: `SimpleDirectoryReader`, its default
  `SentenceSplitter` and `HuggingFaceEmbedding` into a fresh embedded Chroma
  collection.

Every model is loaded and every path runs once on one article before anything
is timed. Each repeat then runs the raw encoder, the ingest, the re-ingest and
llama-index in that order, and the raw encoder runs once more at the end, so
its runs bracket the others; figures use the median. Last, recall@10 (hybrid,
as `tracker-rag eval` scores it) is measured on both indexes, on the
MultiHop-RAG questions whose evidence lies in the sample, so the faster encoder
is seen to cost no quality. The exit status is 0 when
the benchmark ran (its targets are reported, not enforced) and 1 when it could
not run.
"""

from __future__ import annotations

import os

# Bench scripts may set the environment; the models must never reach a hub.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import chromadb
from _common import (
    MULTIHOP_DOCS,
    BenchError,
    copy_articles,
    folder_bytes,
    machine_facts,
    peak_rss_bytes,
    sample_articles,
    spread,
)
from chromadb.config import Settings as ChromaSettings
from llama_index.core import Settings as LlamaSettings
from llama_index.core import SimpleDirectoryReader, StorageContext, VectorStoreIndex
from llama_index.core.ingestion import run_transformations
from llama_index.core.schema import BaseNode, MetadataMode
from llama_index.embeddings.huggingface import HuggingFaceEmbedding
from llama_index.vector_stores.chroma import ChromaVectorStore
from sentence_transformers import SentenceTransformer

from tracker_rag.evaluation.relevance import ChunkSpan
from tracker_rag.evaluation.retrieval_metrics import recall_at
from tracker_rag.index.embedder import SentenceEmbedder
from tracker_rag.index.index_files import IndexPaths
from tracker_rag.index.ingestion import (
    DOCUMENTS_PER_BATCH,
    ChunkingStep,
    IndexBuilder,
    IngestReport,
)
from tracker_rag.index.llama_embedding import TEXTS_PER_CALL
from tracker_rag.index.nodes import chunk_to_node, document_to_llama
from tracker_rag.index.offline import force_offline
from tracker_rag.ingest.chunking import StructuralChunker
from tracker_rag.ingest.loaders import load_corpus
from tracker_rag.service import TrackerRag
from tracker_rag.settings import Settings

INGEST_OVER_RAW_TARGET = 0.85
ONNX_INGEST_OVER_RAW_TARGET = 1.2
RECALL_TOLERANCE = 0.005
BENCHMARK_DIR = MULTIHOP_DOCS.parent
REINGEST_SHARE_TARGET = 0.05
PACKAGES = ("llama-index-core", "chromadb", "sentence-transformers", "transformers")
EXIT_FAILED, EXIT_INTERRUPTED = 1, 130


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, help="sample size (default: all)")
    parser.add_argument("--seed", type=int, default=0, help="of the sample")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=Settings.model_fields["embed_batch_size"].default,
        help="texts per encoder batch, for every path",
    )
    parser.add_argument("--repeats", type=int, default=1, help="runs of each path")
    parser.add_argument("--source", type=Path, default=MULTIHOP_DOCS)
    parser.add_argument(
        "--recall-cases", type=int, default=200, help="questions scored for recall"
    )
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args(argv)
    if args.batch_size < 1 or args.repeats < 1:
        parser.error("--batch-size and --repeats must be at least 1")
    return args


@dataclass
class TextSizes:
    """How much text one path gave the encoder."""

    chunks: int
    characters: int
    word_pieces_read: int
    word_pieces_cut: int
    word_pieces_padded: int


@dataclass
class Timing:
    """Wall and CPU seconds of the runs of one path."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def add(self, wall: float, cpu: float) -> None:
        """Keep one run's seconds."""
        self.wall.append(wall)
        self.cpu.append(cpu)


class Stopwatch:
    """Wall and CPU (all threads of the process) seconds since it started.

    It collects garbage first, so that earlier runs' garbage is not collected
    during the timing.
    """

    def __init__(self) -> None:
        gc.collect()
        self._wall = time.perf_counter()
        self._cpu = time.process_time()

    def read(self) -> tuple[float, float]:
        """Wall and CPU seconds so far."""
        return time.perf_counter() - self._wall, time.process_time() - self._cpu


def measure_texts(
    texts: list[str], model: SentenceTransformer, calls: list[list[int]], batch: int
) -> TextSizes:
    """Count texts, characters and the word pieces the model reads and cuts off.

    Args:
        calls: The texts' positions in each `encode` call the path makes, in
            the order of the call; it pads each batch to its longest text.
    """
    limit = int(model.max_seq_length or 512)
    lengths = [len(ids) for ids in model.tokenizer(texts)["input_ids"]]
    read = [min(length, limit) for length in lengths]
    padded = 0
    for call in calls:
        # encode sorts a call's texts by characters, longest first, then batches.
        ordered = sorted(call, key=lambda position: -len(texts[position]))
        for start in range(0, len(ordered), batch):
            positions = ordered[start : start + batch]
            padded += len(positions) * max(read[p] for p in positions)
    return TextSizes(
        chunks=len(texts),
        characters=sum(len(text) for text in texts),
        word_pieces_read=sum(read),
        word_pieces_cut=sum(
            length - pieces for length, pieces in zip(lengths, read, strict=True)
        ),
        word_pieces_padded=padded,
    )


def ingest_calls(doc_ids: list[str]) -> list[list[int]]:
    """The `encode` calls of an ingest: the chunks of each group of documents.

    The pipeline embeds `DOCUMENTS_PER_BATCH` documents at a time and hands
    their chunks to the encoder up to `TEXTS_PER_CALL` at a time, which sorts
    them by length before it cuts batches.
    """
    groups: dict[int, list[int]] = {}
    documents: dict[str, int] = {}
    for position, doc_id in enumerate(doc_ids):
        number = documents.setdefault(doc_id, len(documents))
        groups.setdefault(number // DOCUMENTS_PER_BATCH, []).append(position)
    return [
        group[start : start + TEXTS_PER_CALL]
        for group in groups.values()
        for start in range(0, len(group), TEXTS_PER_CALL)
    ]


def consecutive_calls(count: int, batch: int) -> list[list[int]]:
    """`encode` calls of `batch` texts each, in order, as llama-index makes them."""
    return [list(range(s, min(s + batch, count))) for s in range(0, count, batch)]


def embedded_texts(nodes: list[BaseNode]) -> dict[str, str]:
    """The text llama-index embeds for each node, by node id."""
    return {
        node.node_id: node.get_content(metadata_mode=MetadataMode.EMBED)
        for node in nodes
    }


def planned_nodes(settings: Settings, embedder: SentenceEmbedder) -> list[BaseNode]:
    """The chunk nodes an ingest of the corpus will embed, in its order.

    The raw encoder's first run needs the texts before any ingest has run;
    `built_texts` later checks that the ingest embedded exactly these.
    """
    builder = IndexBuilder(
        IndexPaths(settings.index_dir),
        embedder,
        settings.chunk_max_tokens,
        settings.max_file_bytes,
    )
    documents, failures = load_corpus(settings.corpus_dir, settings.max_file_bytes)
    if failures:
        raise BenchError(f"{failures[0].path} does not load: {failures[0].reason}")
    chunking = ChunkingStep(
        StructuralChunker(embedder.count_tokens, builder.chunk_max_tokens)
    )
    return chunking([document_to_llama(d) for d in documents])


def built_texts(service: TrackerRag) -> dict[str, str]:
    """The texts the built index's chunks were embedded from, by chunk id."""
    return embedded_texts([chunk_to_node(c) for c in service.index.catalog.chunks])


def tracker_settings(
    corpus: Path, index: Path, batch_size: int, encoder: str = "onnx"
) -> Settings:
    """Settings for an ingest into its own folders, with the embedded Chroma."""
    return Settings(
        corpus_dir=corpus,
        index_dir=index,
        data_dir=index.parent / f"{index.name}-data",
        chroma_url=None,
        embed_batch_size=batch_size,
        encoder=encoder,  # type: ignore[arg-type]
    )


def time_raw_encoder(
    model: SentenceTransformer, texts: list[str], batch: int
) -> tuple[float, float]:
    """Wall and CPU seconds sentence-transformers takes to embed the texts."""
    watch = Stopwatch()
    model.encode(texts, batch_size=batch, normalize_embeddings=True)
    return watch.read()


def time_onnx_encoder(
    embedder: SentenceEmbedder, texts: list[str], batch: int
) -> tuple[float, float]:
    """Wall and CPU seconds the ONNX encoder takes to embed the texts."""
    watch = Stopwatch()
    embedder.encoder.encode(texts, batch)
    return watch.read()


def time_ingest(service: TrackerRag) -> tuple[tuple[float, float], IngestReport]:
    """Wall and CPU seconds one `TrackerRag.ingest` call takes, and its report."""
    watch = Stopwatch()
    report = service.ingest()
    return watch.read(), report


def time_llama_default(
    corpus: Path, chroma_dir: Path, embedding: HuggingFaceEmbedding
) -> tuple[tuple[float, float], list[str]]:
    """Wall and CPU seconds llama-index's default pipeline takes, and its texts."""
    watch = Stopwatch()
    client = chromadb.PersistentClient(
        path=str(chroma_dir), settings=ChromaSettings(anonymized_telemetry=False)
    )
    collection = client.create_collection("llama-default", embedding_function=None)
    documents = SimpleDirectoryReader(str(corpus), recursive=True).load_data()
    VectorStoreIndex.from_documents(
        documents,
        storage_context=StorageContext.from_defaults(
            vector_store=ChromaVectorStore(chroma_collection=collection)
        ),
        embed_model=embedding,
    )
    seconds = watch.read()

    # Splitting again is deterministic: these are the texts it embedded.
    nodes = run_transformations(documents, LlamaSettings.transformations)
    if len(nodes) != collection.count():
        raise BenchError(
            f"llama-index stored {collection.count()} chunks but splits "
            f"{len(nodes)}: the count of its chunks is unknown"
        )
    return seconds, list(embedded_texts(nodes).values())


def throughput(sizes: TextSizes, timing: Timing) -> dict[str, Any]:
    """Sizes, timings and rates (at the median wall time) of one path."""
    median = statistics.median(timing.wall)
    return {
        "chunks": sizes.chunks,
        "characters": sizes.characters,
        "word_pieces_read": sizes.word_pieces_read,
        "word_pieces_cut": sizes.word_pieces_cut,
        "word_pieces_padded": sizes.word_pieces_padded,
        "seconds": spread(timing.wall),
        "cpu_seconds": spread(timing.cpu),
        "chunks_per_second": sizes.chunks / median,
        "characters_per_second": sizes.characters / median,
        "word_pieces_per_second": sizes.word_pieces_read / median,
    }


@dataclass
class Setup:
    """What the benchmark runs: its corpus, models and the texts to embed."""

    root: Path
    corpus: Path
    settings: Settings
    embedder: SentenceEmbedder
    torch_embedder: SentenceEmbedder
    raw_model: SentenceTransformer
    llama_embedding: HuggingFaceEmbedding
    planned: dict[str, str]
    doc_ids: list[str]
    batch: int


def prepare(files: list[Path], root: Path, batch: int) -> Setup:
    """Copy the sample, load every model and run every path once on one article."""
    corpus = root / "corpus"
    copy_articles(files, corpus)
    settings = tracker_settings(corpus, root / "index-1", batch)
    force_offline()
    embedder = SentenceEmbedder(
        settings.model_path, batch, "onnx", cache_dir=settings.model_cache_dir
    )
    if embedder.encoder.name != "onnx":
        raise BenchError("the default embedder is not the ONNX encoder")
    nodes = planned_nodes(settings, embedder)
    setup = Setup(
        root=root,
        corpus=corpus,
        settings=settings,
        embedder=embedder,
        torch_embedder=SentenceEmbedder(settings.model_path, batch, "torch"),
        raw_model=SentenceTransformer(str(settings.model_path), device="cpu"),
        llama_embedding=HuggingFaceEmbedding(
            model_name=str(settings.model_path), device="cpu", embed_batch_size=batch
        ),
        planned=embedded_texts(nodes),
        doc_ids=[str(node.metadata["doc_id"]) for node in nodes],
        batch=batch,
    )

    warm_up = root / "warm-up"
    copy_articles(files[:1], warm_up / "corpus")
    warm_settings = tracker_settings(warm_up / "corpus", warm_up / "index", batch)
    TrackerRag(warm_settings, embedder=embedder).ingest()
    torch_settings = tracker_settings(
        warm_up / "corpus", warm_up / "index-torch", batch, "torch"
    )
    TrackerRag(torch_settings, embedder=setup.torch_embedder).ingest()
    time_llama_default(
        warm_up / "corpus", warm_up / "llama-chroma", setup.llama_embedding
    )
    time_raw_encoder(setup.raw_model, list(setup.planned.values())[:batch], batch)
    time_onnx_encoder(embedder, list(setup.planned.values())[:batch], batch)
    return setup


@dataclass
class Measured:
    """The timings of every path, and what the last runs left behind."""

    raw: Timing = field(default_factory=Timing)
    raw_onnx: Timing = field(default_factory=Timing)
    ingest_torch: Timing = field(default_factory=Timing)
    ingest: Timing = field(default_factory=Timing)
    reingest: Timing = field(default_factory=Timing)
    llama: Timing = field(default_factory=Timing)
    llama_texts: list[str] = field(default_factory=list)
    index_bytes: int = 0
    llama_bytes: int = 0
    services: dict[str, TrackerRag] = field(default_factory=dict)


def run_paths(setup: Setup, repeats: int, memory: dict[str, int]) -> Measured:
    """Time every path `repeats` times; the raw encoder also runs once more last."""
    texts = list(setup.planned.values())
    measured = Measured()
    for repeat in range(1, repeats + 1):
        measured.raw.add(*time_raw_encoder(setup.raw_model, texts, setup.batch))
        measured.raw_onnx.add(*time_onnx_encoder(setup.embedder, texts, setup.batch))

        torch_service = TrackerRag(
            tracker_settings(
                setup.corpus, setup.root / f"index-torch-{repeat}", setup.batch, "torch"
            ),
            embedder=setup.torch_embedder,
        )
        seconds, report = time_ingest(torch_service)
        measured.ingest_torch.add(*seconds)
        if built_texts(torch_service) != setup.planned:
            raise BenchError("the torch ingest embedded other texts than planned")
        measured.services["torch"] = torch_service

        index = setup.root / f"index-{repeat}"
        service = TrackerRag(
            tracker_settings(setup.corpus, index, setup.batch),
            embedder=setup.embedder,
        )
        seconds, report = time_ingest(service)
        measured.ingest.add(*seconds)
        if built_texts(service) != setup.planned:
            raise BenchError("the ingest embedded other texts than planned")
        if report.chunks_embedded != len(texts):
            raise BenchError(
                f"the ingest embedded {report.chunks_embedded} chunks, "
                f"not the {len(texts)} of its index"
            )
        measured.index_bytes = folder_bytes(index)
        measured.services["onnx"] = service
        memory["after_ingest"] = peak_rss_bytes()
        seconds, report = time_ingest(service)
        measured.reingest.add(*seconds)
        if report.changed or report.chunks_embedded:
            raise BenchError("the second ingest of the same corpus changed the index")

        chroma_dir = setup.root / f"llama-chroma-{repeat}"
        seconds, measured.llama_texts = time_llama_default(
            setup.corpus, chroma_dir, setup.llama_embedding
        )
        measured.llama.add(*seconds)
        measured.llama_bytes = folder_bytes(chroma_dir)
        memory["after_llama_index"] = peak_rss_bytes()
    measured.raw.add(*time_raw_encoder(setup.raw_model, texts, setup.batch))
    return measured


def measure_recall(measured: Measured, limit: int, seed: int) -> dict[str, Any]:
    """recall@10 of hybrid retrieval over the torch-built and ONNX-built indexes."""
    from query_bench import RECALL_DEPTH, recall_cases

    onnx, torch = measured.services["onnx"], measured.services["torch"]
    cases = recall_cases(onnx, BENCHMARK_DIR, limit, seed)
    scores: dict[str, list[float]] = {"onnx": [], "torch": []}
    for case, spans in cases:
        for name, service in (("onnx", onnx), ("torch", torch)):
            retrieval = service.retrieve(case.question, top_k=RECALL_DEPTH)
            ranking = [
                ChunkSpan(s.chunk.chunk_id, s.chunk.doc_id, s.chunk.start, s.chunk.end)
                for s in retrieval.chunks
            ]
            scores[name].append(recall_at(ranking, spans, RECALL_DEPTH))
    recall = {
        name: round(sum(values) / len(values), 4) if values else None
        for name, values in scores.items()
    }
    return {"cases": len(cases), "depth": RECALL_DEPTH, **recall}


def summarize(setup: Setup, measured: Measured) -> dict[str, Any]:
    """Sizes, timings and rates of every path, and the ratios between them."""
    texts, batch, model = list(setup.planned.values()), setup.batch, setup.raw_model
    # Both encoders and both ingests embed the same texts in the same calls.
    raw_sizes = measure_texts(texts, model, [list(range(len(texts)))], batch)
    ingest_sizes = measure_texts(texts, model, ingest_calls(setup.doc_ids), batch)
    runs = {
        "raw_encoder": throughput(raw_sizes, measured.raw),
        "raw_onnx_encoder": throughput(raw_sizes, measured.raw_onnx),
        "tracker_ingest_torch": throughput(ingest_sizes, measured.ingest_torch),
        "tracker_ingest": throughput(ingest_sizes, measured.ingest),
        "tracker_reingest": {
            "chunks": 0,
            "seconds": spread(measured.reingest.wall),
            "cpu_seconds": spread(measured.reingest.cpu),
        },
        "llama_index_default": throughput(
            measure_texts(
                measured.llama_texts,
                model,
                consecutive_calls(len(measured.llama_texts), batch),
                batch,
            ),
            measured.llama,
        ),
    }
    raw, tracker = runs["raw_encoder"], runs["tracker_ingest"]
    torch_ingest, raw_onnx = runs["tracker_ingest_torch"], runs["raw_onnx_encoder"]
    default = runs["llama_index_default"]
    ratios = {
        "ingest_over_raw": torch_ingest["chunks_per_second"] / raw["chunks_per_second"],
        "ingest_over_raw_by_cpu_seconds": raw["cpu_seconds"]["median"]
        / torch_ingest["cpu_seconds"]["median"],
        "onnx_ingest_over_raw": tracker["chunks_per_second"] / raw["chunks_per_second"],
        "onnx_raw_over_raw": raw_onnx["chunks_per_second"] / raw["chunks_per_second"],
        "tracker_over_llama_index_chunks": tracker["chunks_per_second"]
        / default["chunks_per_second"],
        "tracker_over_llama_index_characters": tracker["characters_per_second"]
        / default["characters_per_second"],
        "tracker_over_llama_index_word_pieces": tracker["word_pieces_per_second"]
        / default["word_pieces_per_second"],
        "reingest_share": statistics.median(measured.reingest.wall)
        / statistics.median(measured.ingest.wall),
    }
    return {"runs": runs, "ratios": ratios}


def run_benchmark(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    """Prepare, warm up and time every path; return the results."""
    files = sample_articles(args.source, args.articles, args.seed)
    machine = machine_facts(PACKAGES)
    memory: dict[str, int] = {"start": peak_rss_bytes()}
    setup = prepare(files, root, args.batch_size)
    memory["warmed_up"] = peak_rss_bytes()
    measured = run_paths(setup, args.repeats, memory)
    recall = measure_recall(measured, args.recall_cases, args.seed)
    memory["end"] = peak_rss_bytes()
    machine["load_average_1min_end"] = round(os.getloadavg()[0], 2)
    return {
        "machine": machine,
        "config": {
            "articles": len(files),
            "seed": args.seed,
            "batch_size": args.batch_size,
            "repeats": args.repeats,
            "source": str(args.source),
            "model": str(setup.settings.model_path),
            "max_seq_length": int(setup.raw_model.max_seq_length or 0),
            "chunk_max_tokens": setup.settings.chunk_max_tokens,
        },
        **summarize(setup, measured),
        "recall": recall,
        "targets": {
            "ingest_over_raw": INGEST_OVER_RAW_TARGET,
            "onnx_ingest_over_raw": ONNX_INGEST_OVER_RAW_TARGET,
            "recall_tolerance": RECALL_TOLERANCE,
            "reingest_share": REINGEST_SHARE_TARGET,
        },
        "memory": {"peak_rss_bytes": memory["end"], "peak_rss_bytes_after": memory},
        "sizes": {
            "corpus_files": len(files),
            "corpus_bytes": folder_bytes(setup.corpus),
            "index_bytes": measured.index_bytes,
            "llama_index_chroma_bytes": measured.llama_bytes,
        },
    }


_ROW_NAMES = {
    "raw_encoder": "raw encoder (torch)",
    "raw_onnx_encoder": "raw encoder (onnx)",
    "tracker_ingest_torch": "tracker-rag ingest (torch)",
    "tracker_ingest": "tracker-rag ingest (onnx)",
    "tracker_reingest": "tracker-rag re-ingest",
    "llama_index_default": "llama-index default",
}
_HEADER = (
    "run",
    "chunks",
    "characters",
    "pieces read",
    "cut",
    "padded",
    "seconds",
    "cpu s",
    "chunks/s",
    "chars/s",
    "pieces/s",
    "seconds min–max (n)",
)


def _seconds_spread(figures: dict[str, Any]) -> str:
    seconds = figures["seconds"]
    if len(seconds["samples"]) < 2:
        return ""
    return f"{seconds['min']:.2f}–{seconds['max']:.2f} ({len(seconds['samples'])})"


def _table_row(name: str, figures: dict[str, Any]) -> tuple[str, ...]:
    seconds = f"{figures['seconds']['median']:.2f}"
    cpu = f"{figures['cpu_seconds']['median']:.2f}"
    if "chunks_per_second" not in figures:
        return (name, "0", *[""] * 4, seconds, cpu, *[""] * 3, _seconds_spread(figures))
    return (
        name,
        f"{figures['chunks']:,}",
        f"{figures['characters']:,}",
        f"{figures['word_pieces_read']:,}",
        f"{figures['word_pieces_cut']:,}",
        f"{figures['word_pieces_padded']:,}",
        seconds,
        cpu,
        f"{figures['chunks_per_second']:.1f}",
        f"{figures['characters_per_second']:,.0f}",
        f"{figures['word_pieces_per_second']:,.0f}",
        _seconds_spread(figures),
    )


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def format_report(results: dict[str, Any]) -> str:
    """The results as a table and a few lines, for the terminal."""
    machine, config, runs = results["machine"], results["config"], results["runs"]
    ratios, targets = results["ratios"], results["targets"]
    lines = [
        f"ingest benchmark: {config['articles']} MultiHop-RAG articles "
        f"(seed {config['seed']}), batch size {config['batch_size']}, "
        f"{config['repeats']} repeat(s)",
        f"machine: {machine['cpu_count']} CPUs ({machine['cpus_usable']} usable), "
        f"torch {machine['torch']} with {machine['torch_threads']} threads, "
        f"load average {machine['load_average_1min']} at the start and "
        f"{machine['load_average_1min_end']} at the end, {machine['date']}",
        "",
    ]
    rows = [_HEADER] + [_table_row(_ROW_NAMES[key], runs[key]) for key in _ROW_NAMES]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_HEADER))]
    for row in rows:
        cells = [row[0].ljust(widths[0])]
        cells += [
            cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells).rstrip())

    share, over_raw = ratios["reingest_share"], ratios["ingest_over_raw"]
    onnx_over_raw, recall = ratios["onnx_ingest_over_raw"], results["recall"]
    recall_close = (
        recall["onnx"] is not None
        and abs(recall["onnx"] - recall["torch"]) <= targets["recall_tolerance"]
    )
    memory, sizes = results["memory"], results["sizes"]
    lines += [
        "",
        f"ingest (torch) ÷ raw torch encoder (chunks/s): {over_raw:.3f} "
        f"(target ≥ {targets['ingest_over_raw']}: "
        f"{_verdict(over_raw >= targets['ingest_over_raw'])}); "
        f"by CPU seconds: {ratios['ingest_over_raw_by_cpu_seconds']:.3f}",
        f"ingest (onnx) ÷ raw torch encoder: {onnx_over_raw:.3f} "
        f"(target ≥ {targets['onnx_ingest_over_raw']}: "
        f"{_verdict(onnx_over_raw >= targets['onnx_ingest_over_raw'])}); "
        f"raw onnx ÷ raw torch: {ratios['onnx_raw_over_raw']:.3f}",
        f"recall@{recall['depth']} over {recall['cases']} questions: onnx "
        f"{recall['onnx']}, torch {recall['torch']} (within "
        f"{targets['recall_tolerance']}: {_verdict(recall_close)})",
        "tracker-rag ÷ llama-index default: "
        f"{ratios['tracker_over_llama_index_chunks']:.3f} by chunks/s, "
        f"{ratios['tracker_over_llama_index_characters']:.3f} by characters/s, "
        f"{ratios['tracker_over_llama_index_word_pieces']:.3f} by word pieces/s",
        f"re-ingest ÷ ingest (seconds): {share:.3f} "
        f"(target ≤ {targets['reingest_share']}: "
        f"{_verdict(share <= targets['reingest_share'])})",
        f"peak resident memory: {memory['peak_rss_bytes'] / 2**20:,.0f} MiB "
        "(four copies of the model loaded)",
        f"sizes: corpus {sizes['corpus_files']} files, "
        f"{sizes['corpus_bytes'] / 2**10:,.0f} KiB; "
        f"tracker-rag index {sizes['index_bytes'] / 2**20:,.1f} MiB; "
        f"llama-index Chroma {sizes['llama_index_chroma_bytes'] / 2**20:,.1f} MiB",
        f"pieces: word pieces the model reads; cut: those past its "
        f"{config['max_seq_length']}, never read; padded: what its batches compute",
        "cpu s: CPU time of every thread of the process, steadier than wall time "
        "on a busy machine",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table, write the JSON; return the exit status."""
    args = parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="ingest-bench-") as scratch:
            results = run_benchmark(args, Path(scratch))
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    print(format_report(results))
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
