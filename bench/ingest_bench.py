"""Ingest benchmark: `tracker-rag ingest` against its encoder and llama-index's default.

    .venv/bin/python bench/ingest_bench.py --articles 60 --json ingest.json

Over a fixed-seed sample of the MultiHop-RAG news articles (all 609 by default),
copied into a temporary folder, one process with one model folder and one batch
size measures:

- the raw encoder, the limit: sentence-transformers `encode` over exactly the
  texts the ingest embeds (title and section lines, then the chunk text);
- `TrackerRag.ingest` on a fresh index (wall time of the call);
- a second ingest of the unchanged corpus;
- llama-index's default pipeline: `SimpleDirectoryReader`, its default
  `SentenceSplitter` and `HuggingFaceEmbedding` into a fresh embedded Chroma
  collection.

Every model is loaded and every path runs once on one article before anything
is timed. Each repeat then runs the raw encoder, the ingest, the re-ingest and
llama-index in that order, and the raw encoder runs once more at the end, so
its runs bracket the others; figures use the median. The exit status is 0 when
the benchmark ran (its targets are reported, not enforced) and 1 when it could
not run.
"""

from __future__ import annotations

import os

# Bench scripts may set the environment; the models must never reach a hub.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
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

from tracker_rag.index.embedder import SentenceEmbedder
from tracker_rag.index.index_files import IndexPaths
from tracker_rag.index.ingestion import ChunkingStep, IndexBuilder, IngestReport
from tracker_rag.index.nodes import chunk_to_node, document_to_llama
from tracker_rag.ingest.chunking import StructuralChunker
from tracker_rag.ingest.loaders import load_corpus
from tracker_rag.service import TrackerRag
from tracker_rag.settings import Settings

INGEST_OVER_RAW_TARGET = 0.85
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


def measure_texts(texts: list[str], model: SentenceTransformer) -> TextSizes:
    """Count texts, characters and the word pieces the model reads and cuts off."""
    limit = int(model.max_seq_length or 512)
    lengths = [len(ids) for ids in model.tokenizer(texts)["input_ids"]]
    return TextSizes(
        chunks=len(texts),
        characters=sum(len(text) for text in texts),
        word_pieces_read=sum(min(length, limit) for length in lengths),
        word_pieces_cut=sum(max(0, length - limit) for length in lengths),
    )


def embedded_texts(nodes: list[BaseNode]) -> dict[str, str]:
    """The text llama-index embeds for each node, by node id."""
    return {
        node.node_id: node.get_content(metadata_mode=MetadataMode.EMBED)
        for node in nodes
    }


def planned_texts(settings: Settings, embedder: SentenceEmbedder) -> dict[str, str]:
    """What an ingest of the corpus will embed, chunked as the ingest chunks.

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
    return embedded_texts(chunking([document_to_llama(d) for d in documents]))


def built_texts(service: TrackerRag) -> dict[str, str]:
    """The texts the built index's chunks were embedded from, by chunk id."""
    return embedded_texts([chunk_to_node(c) for c in service.index.catalog.chunks])


def tracker_settings(corpus: Path, index: Path, batch_size: int) -> Settings:
    """Settings for an ingest into its own folders, with the embedded Chroma."""
    return Settings(
        corpus_dir=corpus,
        index_dir=index,
        data_dir=index.parent / f"{index.name}-data",
        chroma_url=None,
        embed_batch_size=batch_size,
    )


def time_raw_encoder(model: SentenceTransformer, texts: list[str], batch: int) -> float:
    """Seconds sentence-transformers takes to embed the texts."""
    gc.collect()
    started = time.perf_counter()
    model.encode(texts, batch_size=batch, normalize_embeddings=True)
    return time.perf_counter() - started


def time_ingest(service: TrackerRag) -> tuple[float, IngestReport]:
    """Seconds one `TrackerRag.ingest` call takes, and its report."""
    gc.collect()
    started = time.perf_counter()
    report = service.ingest()
    return time.perf_counter() - started, report


def time_llama_default(
    corpus: Path, chroma_dir: Path, embedding: HuggingFaceEmbedding
) -> tuple[float, list[str]]:
    """Seconds llama-index's default pipeline takes, and the texts it embedded."""
    gc.collect()
    started = time.perf_counter()
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
    seconds = time.perf_counter() - started

    # Splitting again is deterministic: these are the texts it embedded.
    nodes = run_transformations(documents, LlamaSettings.transformations)
    if len(nodes) != collection.count():
        raise BenchError(
            f"llama-index stored {collection.count()} chunks but splits "
            f"{len(nodes)}: the count of its chunks is unknown"
        )
    return seconds, list(embedded_texts(nodes).values())


def throughput(sizes: TextSizes, seconds: list[float]) -> dict[str, Any]:
    """Sizes, timings and rates (at the median time) of one path."""
    median = statistics.median(seconds)
    return {
        "chunks": sizes.chunks,
        "characters": sizes.characters,
        "word_pieces_read": sizes.word_pieces_read,
        "word_pieces_cut": sizes.word_pieces_cut,
        "seconds": spread(seconds),
        "chunks_per_second": sizes.chunks / median,
        "characters_per_second": sizes.characters / median,
        "word_pieces_per_second": sizes.word_pieces_read / median,
    }


def run_benchmark(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    """Prepare, warm up and time every path; return the results."""
    files = sample_articles(args.source, args.articles, args.seed)
    corpus = root / "corpus"
    corpus_bytes = copy_articles(files, corpus)
    settings = tracker_settings(corpus, root / "index-1", args.batch_size)
    memory: dict[str, int] = {"start": peak_rss_bytes()}

    # Load every model and run every path once, untimed, on one article.
    embedder = SentenceEmbedder(settings.model_path, args.batch_size)
    raw_model = SentenceTransformer(str(settings.model_path), device="cpu")
    llama_embedding = HuggingFaceEmbedding(
        model_name=str(settings.model_path),
        device="cpu",
        embed_batch_size=args.batch_size,
    )
    planned = planned_texts(settings, embedder)
    texts = list(planned.values())
    warm_corpus = root / "warm-up" / "corpus"
    copy_articles(files[:1], warm_corpus)
    warm_settings = tracker_settings(
        warm_corpus, root / "warm-up" / "index", args.batch_size
    )
    TrackerRag(warm_settings, embedder=embedder).ingest()
    time_llama_default(warm_corpus, root / "warm-up" / "llama-chroma", llama_embedding)
    time_raw_encoder(raw_model, texts[: args.batch_size], args.batch_size)
    memory["warmed_up"] = peak_rss_bytes()

    raw: list[float] = []
    ingest: list[float] = []
    reingest: list[float] = []
    llama: list[float] = []
    llama_texts: list[str] = []
    index_bytes = llama_bytes = 0
    for repeat in range(1, args.repeats + 1):
        raw.append(time_raw_encoder(raw_model, texts, args.batch_size))

        index = root / f"index-{repeat}"
        service = TrackerRag(
            tracker_settings(corpus, index, args.batch_size), embedder=embedder
        )
        seconds, report = time_ingest(service)
        ingest.append(seconds)
        if repeat == 1:
            if built_texts(service) != planned:
                raise BenchError("the ingest embedded other texts than planned")
            if report.chunks_embedded != len(texts):
                raise BenchError(
                    f"the ingest embedded {report.chunks_embedded} chunks, "
                    f"not the {len(texts)} of its index"
                )
            index_bytes = folder_bytes(index)
            memory["after_ingest"] = peak_rss_bytes()
        seconds, second_report = time_ingest(service)
        reingest.append(seconds)
        if second_report.changed or second_report.chunks_embedded:
            raise BenchError("the second ingest of the same corpus changed the index")

        chroma_dir = root / f"llama-chroma-{repeat}"
        seconds, llama_texts = time_llama_default(corpus, chroma_dir, llama_embedding)
        llama.append(seconds)
        llama_bytes = folder_bytes(chroma_dir)
        memory["after_llama_index"] = peak_rss_bytes()
    raw.append(time_raw_encoder(raw_model, texts, args.batch_size))

    tracker_sizes = measure_texts(texts, raw_model)
    runs = {
        "raw_encoder": throughput(tracker_sizes, raw),
        "tracker_ingest": throughput(tracker_sizes, ingest),
        "tracker_reingest": {
            "chunks": 0,
            "seconds": spread(reingest),
        },
        "llama_index_default": throughput(measure_texts(llama_texts, raw_model), llama),
    }
    tracker, default = runs["tracker_ingest"], runs["llama_index_default"]
    ratios = {
        "ingest_over_raw": tracker["chunks_per_second"]
        / runs["raw_encoder"]["chunks_per_second"],
        "tracker_over_llama_index_chunks": tracker["chunks_per_second"]
        / default["chunks_per_second"],
        "tracker_over_llama_index_characters": tracker["characters_per_second"]
        / default["characters_per_second"],
        "tracker_over_llama_index_word_pieces": tracker["word_pieces_per_second"]
        / default["word_pieces_per_second"],
        "reingest_share": statistics.median(reingest) / statistics.median(ingest),
    }
    memory["end"] = peak_rss_bytes()
    return {
        "machine": machine_facts(PACKAGES),
        "config": {
            "articles": len(files),
            "seed": args.seed,
            "batch_size": args.batch_size,
            "repeats": args.repeats,
            "source": str(args.source),
            "model": str(settings.model_path),
            "max_seq_length": int(raw_model.max_seq_length or 0),
            "chunk_max_tokens": settings.chunk_max_tokens,
        },
        "runs": runs,
        "ratios": ratios,
        "targets": {
            "ingest_over_raw": INGEST_OVER_RAW_TARGET,
            "reingest_share": REINGEST_SHARE_TARGET,
        },
        "memory": {"peak_rss_bytes": memory["end"], "peak_rss_bytes_after": memory},
        "sizes": {
            "corpus_files": len(files),
            "corpus_bytes": corpus_bytes,
            "index_bytes": index_bytes,
            "llama_index_chroma_bytes": llama_bytes,
        },
    }


def _seconds_spread(figures: dict[str, Any]) -> str:
    seconds = figures["seconds"]
    if len(seconds["samples"]) < 2:
        return ""
    return f"{seconds['min']:.2f}–{seconds['max']:.2f} ({len(seconds['samples'])})"


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
        f"load average {machine['load_average_1min']}, {machine['date']}",
        "",
    ]
    header = (
        "run",
        "chunks",
        "characters",
        "pieces read",
        "pieces cut",
        "seconds",
        "chunks/s",
        "chars/s",
        "pieces/s",
        "spread s (n)",
    )
    rows = [header]
    names = {
        "raw_encoder": "raw encoder",
        "tracker_ingest": "tracker-rag ingest",
        "tracker_reingest": "tracker-rag re-ingest",
        "llama_index_default": "llama-index default",
    }
    for key, name in names.items():
        figures = runs[key]
        if "chunks_per_second" not in figures:
            median = f"{figures['seconds']['median']:.2f}"
            rows.append(
                (name, "0", "", "", "", median, "", "", "", _seconds_spread(figures))
            )
            continue
        rows.append(
            (
                name,
                f"{figures['chunks']:,}",
                f"{figures['characters']:,}",
                f"{figures['word_pieces_read']:,}",
                f"{figures['word_pieces_cut']:,}",
                f"{figures['seconds']['median']:.2f}",
                f"{figures['chunks_per_second']:.1f}",
                f"{figures['characters_per_second']:,.0f}",
                f"{figures['word_pieces_per_second']:,.0f}",
                _seconds_spread(figures),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        cells = [row[0].ljust(widths[0])]
        cells += [
            cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells).rstrip())

    share, over_raw = ratios["reingest_share"], ratios["ingest_over_raw"]
    memory, sizes = results["memory"], results["sizes"]
    lines += [
        "",
        f"ingest ÷ raw encoder (chunks/s): {over_raw:.2f} "
        f"(target ≥ {targets['ingest_over_raw']}: "
        f"{_verdict(over_raw >= targets['ingest_over_raw'])})",
        "tracker-rag ÷ llama-index default: "
        f"{ratios['tracker_over_llama_index_chunks']:.2f} by chunks/s, "
        f"{ratios['tracker_over_llama_index_characters']:.2f} by characters/s, "
        f"{ratios['tracker_over_llama_index_word_pieces']:.2f} by word pieces/s",
        f"re-ingest ÷ ingest (seconds): {share:.3f} "
        f"(target ≤ {targets['reingest_share']}: "
        f"{_verdict(share <= targets['reingest_share'])})",
        f"peak resident memory: {memory['peak_rss_bytes'] / 2**20:,.0f} MiB "
        "(three copies of the model loaded)",
        f"sizes: corpus {sizes['corpus_files']} files, "
        f"{sizes['corpus_bytes'] / 2**10:,.0f} KiB; "
        f"tracker-rag index {sizes['index_bytes'] / 2**20:,.1f} MiB; "
        f"llama-index Chroma {sizes['llama_index_chroma_bytes'] / 2**20:,.1f} MiB",
        f"word pieces past the model's {config['max_seq_length']} are cut off "
        "unread; per second counts only those read",
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
