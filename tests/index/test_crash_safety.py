"""Kill an ingest with SIGKILL at many points; the index must stay consistent.

Each run ingests version 1 of a small corpus in a child process, switches the
folder to version 2 and ingests again until a trap kills the process at one
point of one phase. The parent then checks that readers see exactly version
1 or exactly version 2 (documents, chunk catalog, BM25 and Chroma agreeing),
and that a new ingest completes version 2 and leaves no orphan records.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.index.crash_corpus import write_version
from tracker_rag.domain import Filters
from tracker_rag.index.embedder import SentenceEmbedder
from tracker_rag.index.index_files import IndexState
from tracker_rag.index.ingestion import versioned_chunk
from tracker_rag.index.nodes import document_to_llama
from tracker_rag.ingest.chunking import StructuralChunker
from tracker_rag.ingest.loaders import load_corpus
from tracker_rag.service import TrackerRag
from tracker_rag.settings import Settings

DRIVER = Path(__file__).with_name("crash_corpus.py")
REPO = Path(__file__).resolve().parents[2]

PHASES = "tracker_rag.index.ingestion:IndexBuilder._phase"
ADD = "llama_index.vector_stores.chroma:ChromaVectorStore.add"
DELETE = "tracker_rag.index.chroma_store:ChromaStore.delete_ids"

# (trap, before or after the call, which call); phases come in this order:
# recovered, loaded, batch-added x3, snapshot-written, committed, cleaned, pruned.
KILL_POINTS = [
    *[(PHASES, "after", n) for n in range(1, 10)],
    (ADD, "before", 1),
    (ADD, "after", 1),
    (ADD, "before", 3),
    ("tracker_rag.index.keyword_index:KeywordIndex.save", "after", 1),
    ("tracker_rag.index.chunk_catalog:ChunkCatalog.save", "after", 1),
    ("tracker_rag.index.snapshot:_sync_tree", "before", 1),
    ("tracker_rag.index.index_files:IndexState.save", "before", 1),
    ("os:replace", "before", 1),
    (DELETE, "before", 1),
    (DELETE, "after", 1),
]
KILL_DELAYS = [0.1, 0.25, 0.5, 0.9]


def expected_versions(
    corpus: Path, embedder: SentenceEmbedder, version: int
) -> dict[str, tuple[str, set[str]]]:
    """Doc id to (hash, chunk ids) of a corpus version, computed from scratch."""
    write_version(corpus, version)
    documents, failures = load_corpus(corpus, 10_000_000)
    assert not failures
    chunker = StructuralChunker(embedder.count_tokens, embedder.max_tokens - 2)
    expected = {}
    for document in documents:
        digest = document_to_llama(document).hash
        ids = {
            versioned_chunk(chunk, digest).chunk_id
            for chunk in chunker.split_into_chunks(document)
        }
        expected[document.doc_id] = (digest, ids)
    return expected


@pytest.fixture(scope="module")
def versions(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceEmbedder
) -> dict[int, dict[str, tuple[str, set[str]]]]:
    folder = tmp_path_factory.mktemp("versions")
    return {v: expected_versions(folder / f"v{v}", embedder, v) for v in (1, 2)}


SCENARIOS = [
    *[
        {"name": f"{t.rsplit(':', 1)[1]}-{w}-{n}", "target": t, "when": w, "nth": n}
        for t, w, n in KILL_POINTS
    ],
    *[{"name": f"after-{d}s", "after_seconds": d} for d in KILL_DELAYS],
]


@pytest.fixture(scope="module")
def killed_runs(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, tuple[Path, int]]:
    """Run every scenario once; name to (its folder, the child's exit status)."""
    folder = tmp_path_factory.mktemp("crashes")
    listed = [{**s, "root": str(folder / s["name"])} for s in SCENARIOS]
    plan = folder / "scenarios.json"
    plan.write_text(json.dumps(listed))
    completed = subprocess.run(
        [sys.executable, str(DRIVER), str(plan)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    statuses = json.loads(completed.stdout.strip().splitlines()[-1])
    return {s["name"]: (Path(s["root"]), statuses[s["root"]]) for s in listed}


def check_consistent(
    service: TrackerRag, versions: dict[int, dict[str, tuple[str, set[str]]]]
) -> int:
    """Assert the committed index is one whole version; return which."""
    state = IndexState.load(service.paths.state)
    assert state is not None
    index = service.index
    by_doc: dict[str, set[str]] = {}
    for chunk in index.catalog.chunks:
        by_doc.setdefault(chunk.doc_id, set()).add(chunk.chunk_id)
    seen = {doc_id: (state.documents[doc_id], ids) for doc_id, ids in by_doc.items()}
    matches = [v for v, expected in versions.items() if seen == expected]
    assert len(matches) == 1, "the catalog mixes versions or lost chunks"
    version = matches[0]

    # The document store, the state, BM25 and Chroma agree with the catalog.
    assert set(index.documents) == set(versions[version])
    assert state.documents == {d: h for d, (h, _) in versions[version].items()}
    assert index.keyword.size == len(index.catalog) == state.chunk_count
    committed = {chunk.chunk_id for chunk in index.catalog.chunks}
    stored = index.store.record_ids()
    assert committed <= stored, "committed chunks are missing from Chroma"
    other = versions[3 - version]
    # Records beyond the commit are only the other version's, never strays.
    allowed = set().union(*(ids for _, ids in other.values()))
    assert stored - committed <= allowed
    # Readers never see uncommitted records.
    hits = service.retrieve("unit costs credits", Filters(), top_k=20)
    assert {hit.chunk.chunk_id for hit in hits.chunks} <= committed
    return version


@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["name"] for s in SCENARIOS])
def test_a_killed_ingest_leaves_one_whole_version_and_a_rerun_completes_it(
    killed_runs: dict[str, tuple[Path, int]],
    embedder: SentenceEmbedder,
    versions: dict[int, dict[str, tuple[str, set[str]]]],
    scenario: dict[str, object],
) -> None:
    root, status = killed_runs[str(scenario["name"])]
    assert (root / "armed").exists(), "the first ingest failed"
    if "target" in scenario:
        assert status == -signal.SIGKILL, "the trap never fired"
    else:
        assert status in (-signal.SIGKILL, 0)

    service = TrackerRag(
        Settings(index_dir=root / "index", corpus_dir=root / "corpus"),
        embedder=embedder,
    )
    check_consistent(service, versions)

    report = service.ingest()

    assert not report.failures
    assert check_consistent(service, versions) == 2
    index = service.index
    assert index.store.record_ids() == {c.chunk_id for c in index.catalog.chunks}
    snapshots = sorted(p.name for p in service.paths.snapshots.iterdir())
    assert len(snapshots) <= 2
    answer = service.ask("How many credits does unit 2 cost?")
    assert "202 credits" in answer.answer
