"""Build committed indexes of a chosen size from MultiHop-RAG articles, for benches.

    .venv/bin/python bench/_sizes.py --sizes 1000,10000 --articles 50 --json out.json

The real part is a sample of MultiHop-RAG articles, ingested by Tracker RAG
itself once and cached in the work folder. An index of another size starts as a
copy of that one: when it must be smaller, whole articles (those that hold no
question's evidence first) are dropped, their last one possibly cut short; when
it must be larger, synthetic copies of the real chunks are added. A copy has a
share of its words replaced by other words of the sample and its vector moved
by Gaussian noise and renormalised; it belongs to a synthetic document of its
own (`<article>-copy<N>`), so it never counts as evidence. Copies go straight
into the Chroma collection, and a new snapshot (catalog, BM25, document store)
is committed as an ingest would, so the product sees one consistent index.

Every build runs in this process: benches start it as a subprocess, so that
the embedded Chroma is closed, and flushed, before anyone else opens it.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import logging
import os
import random
import re
import shutil
import sys
import time
from pathlib import Path
from typing import Any

os.environ["HF_HUB_OFFLINE"] = "1"

import numpy as np
from llama_index.core.schema import Document, MetadataMode
from llama_index.core.vector_stores.utils import node_to_metadata_dict

from tracker_rag.domain import Chunk, CorpusDocument
from tracker_rag.evaluation.multihop import load_multihop
from tracker_rag.index.chroma_store import ChromaStore, open_chroma_store
from tracker_rag.index.chunk_catalog import ChunkCatalog
from tracker_rag.index.embedder import SentenceEmbedder
from tracker_rag.index.index_files import IndexPaths, IndexState
from tracker_rag.index.ingestion import ingest_lock
from tracker_rag.index.nodes import (
    chunk_to_node,
    document_to_llama,
    llama_to_document,
)
from tracker_rag.index.snapshot import (
    prune_snapshots,
    read_snapshot,
    write_snapshot,
)
from tracker_rag.service import TrackerRag
from tracker_rag.settings import Settings, bundled_model_path

logger = logging.getLogger("bench.sizes")

REPO = Path(__file__).resolve().parents[1]
DEFAULT_BENCHMARK_DIR = REPO.parent / "shared" / "benchmarks" / "multihop-rag"
DEFAULT_WORK_DIR = Path("/tmp/tracker-rag-query-bench")
# Bump when the way indexes are built changes, so cached ones are rebuilt.
BUILD_VERSION = 1
BUILT_FILE = "built.json"
# A copy has this share of its words replaced by other words of the sample...
WORD_REPLACE_SHARE = 0.25
# ...and its unit vector moved by noise of this length (cosine to it ≈ 0.8).
VECTOR_NOISE = 0.75
SYNTHETIC_NOTE = (
    f"synthetic chunks are copies of real ones with {WORD_REPLACE_SHARE:.0%} of "
    f"their words replaced and their vector plus Gaussian noise of length "
    f"{VECTOR_NOISE} (renormalised), in synthetic documents of their own"
)
_WORD = re.compile(r"[A-Za-z]{3,}")


def clean_settings(**values: Any) -> Settings:
    """Settings from the given values and defaults only (no .env file)."""
    return Settings(_env_file=None, chroma_url=None, **values)  # type: ignore[call-arg]


# The real index


def select_articles(benchmark_dir: Path, count: int, seed: int) -> list[str]:
    """Article ids to ingest: the evidence of whole questions first, in that order.

    Questions are taken in a seeded random order; one joins when all its
    evidence articles still fit, so the sample answers as many questions as it
    can. Articles that no chosen question needs fill what is left.
    """
    every = sorted(path.stem for path in (benchmark_dir / "docs").glob("*.md"))
    cases = [case for case in load_multihop(benchmark_dir) if case.answerable]
    random.Random(seed).shuffle(cases)
    chosen: list[str] = []
    for case in cases:
        if len(chosen) >= count:
            break
        needed = [
            doc_id
            for doc_id in dict.fromkeys(item.doc_id for item in case.evidence)
            if doc_id not in chosen
        ]
        if len(chosen) + len(needed) <= count:
            chosen += needed
    rest = [doc_id for doc_id in every if doc_id not in set(chosen)]
    random.Random(seed).shuffle(rest)
    return (chosen + rest)[:count]


def _read_built(folder: Path, expected: dict[str, Any]) -> dict[str, Any] | None:
    path = folder / BUILT_FILE
    if not path.exists():
        return None
    built: dict[str, Any] = json.loads(path.read_text())
    if any(built.get(key) != value for key, value in expected.items()):
        return None
    return built


def build_real_index(
    work_dir: Path,
    benchmark_dir: Path,
    articles: int,
    seed: int,
    embedder: SentenceEmbedder,
) -> dict[str, Any]:
    """Ingest a sample of articles with Tracker RAG, unless it is cached."""
    folder = work_dir / f"real-{articles}a-seed{seed}"
    expected = {"version": BUILD_VERSION, "articles": articles, "seed": seed}
    built = _read_built(folder, expected)
    if built is not None:
        built["cached"] = True
        return built

    shutil.rmtree(folder, ignore_errors=True)
    corpus = folder / "corpus"
    corpus.mkdir(parents=True)
    chosen = select_articles(benchmark_dir, articles, seed)
    for doc_id in chosen:
        shutil.copy2(benchmark_dir / "docs" / f"{doc_id}.md", corpus)

    started = time.perf_counter()
    service = TrackerRag(
        clean_settings(corpus_dir=corpus, index_dir=folder / "index"), embedder
    )
    report = service.ingest()
    if report.failures:
        raise RuntimeError(f"articles failed to load: {report.failures[:3]}")
    built = {
        **expected,
        "folder": str(folder),
        "index_dir": str(folder / "index"),
        "corpus_dir": str(corpus),
        "order": chosen,
        "chunks": report.chunks_total,
        "embed_seconds": round(time.perf_counter() - started, 1),
    }
    (folder / BUILT_FILE).write_text(json.dumps(built, indent=1) + "\n")
    built["cached"] = False
    return built


# Synthetic copies


def perturb_text(text: str, rng: random.Random, vocabulary: list[str]) -> str:
    """Replace a share of the words of a text with words drawn from a vocabulary."""
    matches = list(_WORD.finditer(text))
    if not matches:
        return text
    replaced = max(1, round(WORD_REPLACE_SHARE * len(matches)))
    chosen = sorted(rng.sample(range(len(matches)), min(replaced, len(matches))))
    pieces, last = [], 0
    for number in chosen:
        match = matches[number]
        pieces += [text[last : match.start()], rng.choice(vocabulary)]
        last = match.end()
    pieces.append(text[last:])
    return "".join(pieces)


def perturb_vector(vector: np.ndarray, rng: np.random.Generator) -> list[float]:
    """The vector plus Gaussian noise of length about VECTOR_NOISE, renormalised."""
    noise = rng.normal(0.0, VECTOR_NOISE / np.sqrt(len(vector)), len(vector))
    moved = vector + noise
    return [float(value) for value in moved / np.linalg.norm(moved)]


def chroma_record(chunk: Chunk, vector: list[float]) -> dict[str, Any]:
    """A chunk as the llama-index Chroma store writes it during an ingest."""
    node = chunk_to_node(chunk)
    metadata = node_to_metadata_dict(node, remove_text=True, flat_metadata=True)
    metadata = {key: "" if value is None else value for key, value in metadata.items()}
    return {
        "id": chunk.chunk_id,
        "text": node.get_content(metadata_mode=MetadataMode.NONE),
        "metadata": metadata,
        "vector": vector,
    }


@dataclasses.dataclass
class SyntheticDocument:
    """A perturbed copy of (the first chunks of) one real document."""

    document: CorpusDocument
    chunks: list[Chunk]
    records: list[dict[str, Any]]


def copy_document(
    source: CorpusDocument,
    chunks: list[Chunk],
    vectors: dict[str, np.ndarray],
    copy: int,
    rngs: tuple[random.Random, np.random.Generator],
    vocabulary: list[str],
) -> SyntheticDocument:
    """Make copy number `copy` of a document from perturbed copies of its chunks."""
    text_rng, vector_rng = rngs
    doc_id = f"{source.doc_id}-copy{copy:03d}"
    texts = [perturb_text(chunk.text, text_rng, vocabulary) for chunk in chunks]
    document = dataclasses.replace(
        source,
        doc_id=doc_id,
        text="\n\n".join(texts),
        source_path=f"synthetic/{doc_id}.md",
    )
    version = document_to_llama(document).hash[:8]
    copies, records, start = [], [], 0
    for chunk, text in zip(chunks, texts, strict=True):
        digest = hashlib.sha1(f"{chunk.section}\n{text}".encode()).hexdigest()[:12]
        copied = dataclasses.replace(
            chunk,
            chunk_id=f"{doc_id}#{digest}@{version}",
            doc_id=doc_id,
            text=text,
            start=start,
            end=start + len(text),
        )
        start += len(text) + 2
        copies.append(copied)
        records.append(
            chroma_record(copied, perturb_vector(vectors[chunk.chunk_id], vector_rng))
        )
    return SyntheticDocument(document, copies, records)


# Indexes of a size


def _grouped(chunks: list[Chunk], order: list[str]) -> list[tuple[str, list[Chunk]]]:
    by_doc: dict[str, list[Chunk]] = {}
    for chunk in sorted(chunks, key=lambda c: c.start):
        by_doc.setdefault(chunk.doc_id, []).append(chunk)
    return [(doc_id, by_doc[doc_id]) for doc_id in order if doc_id in by_doc]


def build_sized_index(
    real: dict[str, Any], size: int, embedder: SentenceEmbedder
) -> dict[str, Any]:
    """An index of exactly `size` chunks made from the real one, unless cached."""
    real_folder = Path(real["folder"])
    folder = real_folder.parent / f"{real_folder.name}-size{size}"
    expected = {
        "version": BUILD_VERSION,
        "size": size,
        "real_index_chunks": real["chunks"],
    }
    built = _read_built(folder, expected)
    if built is not None:
        built["cached"] = True
        return built

    started = time.perf_counter()
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    shutil.copytree(real["index_dir"], folder / "index")
    paths = IndexPaths(folder / "index")
    with ingest_lock(paths.lock):
        state = IndexState.load(paths.state)
        assert state is not None
        catalog, _, docstore = read_snapshot(paths.snapshot(state.generation))
        store = open_chroma_store(paths, embedder, None)
        groups = _grouped(catalog.chunks, list(real["order"]))

        kept: list[Chunk] = []
        for _, chunks in groups:
            kept += chunks[: size - len(kept)]
        kept_ids = {chunk.chunk_id for chunk in kept}
        dropped = [c.chunk_id for c in catalog.chunks if c.chunk_id not in kept_ids]
        store.delete_ids(dropped)
        kept_docs = {chunk.doc_id for chunk in kept}
        for doc_id in set(state.documents) - kept_docs:
            docstore.delete_document(doc_id, raise_error=False)
            del state.documents[doc_id]
        state.files = {n: d for n, d in state.files.items() if d in kept_docs}

        synthetic = add_synthetic(
            store, docstore, state, _grouped(kept, list(real["order"])), size
        )
        catalog = ChunkCatalog(
            sorted(kept + synthetic, key=lambda c: (c.doc_id, c.start))
        )
        state.generation += 1
        state.chunk_count = len(catalog)
        write_snapshot(paths.snapshot(state.generation), catalog, docstore)
        state.save(paths.state)
        prune_snapshots(paths, state.generation)
        stored = store.count()
    if stored != len(catalog):
        raise RuntimeError(f"Chroma holds {stored} records, the catalog {size}")

    built = {
        **expected,
        "folder": str(folder),
        "index_dir": str(paths.root),
        "corpus_dir": real["corpus_dir"],
        "chunks": len(catalog),
        "real_chunks": len(kept),
        "synthetic_chunks": len(synthetic),
        "documents": len(state.documents),
        "real_documents": len(kept_docs),
        "articles": real["articles"],
        "build_seconds": round(time.perf_counter() - started, 1),
    }
    (folder / BUILT_FILE).write_text(json.dumps(built, indent=1) + "\n")
    built["cached"] = False
    return built


def add_synthetic(
    store: ChromaStore,
    docstore: Any,
    state: IndexState,
    groups: list[tuple[str, list[Chunk]]],
    size: int,
) -> list[Chunk]:
    """Add perturbed copies of the real documents until the index has `size` chunks.

    Copy 1 of every document comes before copy 2 of any, so each real chunk
    has about the same number of copies; the last document may be cut short.
    """
    real = [chunk for _, chunks in groups for chunk in chunks]
    need = size - len(real)
    if need <= 0:
        return []
    vectors = {
        record["id"]: np.asarray(record["vector"], dtype=np.float64)
        for record in store.records([chunk.chunk_id for chunk in real])
    }
    vocabulary = sorted({w for c in real for w in _WORD.findall(c.text)})
    rngs = (random.Random(size), np.random.default_rng(size))
    documents = {
        doc_id: llama_to_document(document)
        for doc_id, document in docstore.docs.items()
        if isinstance(document, Document)
    }
    added: list[Chunk] = []
    pending: list[dict[str, Any]] = []
    copy = 0
    while len(added) < need:
        copy += 1
        for doc_id, chunks in groups:
            wanted = chunks[: need - len(added)]
            if not wanted:
                break
            made = copy_document(
                documents[doc_id], wanted, vectors, copy, rngs, vocabulary
            )
            llama_document = document_to_llama(made.document)
            docstore.add_documents([llama_document])
            docstore.set_document_hash(llama_document.id_, llama_document.hash)
            state.documents[llama_document.id_] = llama_document.hash
            added += made.chunks
            pending += made.records
            if len(pending) >= 5000:
                store.upsert_records(pending)
                pending = []
    store.upsert_records(pending)
    state.documents = dict(sorted(state.documents.items()))
    return added


def build_all(
    work_dir: Path,
    benchmark_dir: Path,
    articles: int,
    sizes: list[int],
    seed: int,
) -> dict[str, Any]:
    """The real index and one index per size; what each holds and where."""
    embedder = SentenceEmbedder(bundled_model_path())
    real = build_real_index(work_dir, benchmark_dir, articles, seed, embedder)
    return {
        "real": real,
        "sizes": [build_sized_index(real, size, embedder) for size in sizes],
        "synthetic_note": SYNTHETIC_NOTE,
    }


def main(argv: list[str] | None = None) -> int:
    """Build the indexes the command line names; write what was built as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", required=True, help="chunk counts, comma separated")
    parser.add_argument("--articles", type=int, default=50, help="real articles")
    parser.add_argument("--seed", type=int, default=13, help="of the article sample")
    parser.add_argument("--work-dir", type=Path, default=DEFAULT_WORK_DIR)
    parser.add_argument("--benchmark-dir", type=Path, default=DEFAULT_BENCHMARK_DIR)
    parser.add_argument("--json", type=Path, help="write what was built here")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    built = build_all(
        args.work_dir.resolve(),
        args.benchmark_dir.resolve(),
        args.articles,
        sizes,
        args.seed,
    )
    text = json.dumps(built, indent=1)
    if args.json:
        args.json.write_text(text + "\n")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
