"""Shared fixtures: the real embedding model, loaded once, and built indexes."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tracker_rag.index.embedder import SentenceEmbedder
from tracker_rag.service import TrackerRag
from tracker_rag.settings import Settings, bundled_model_path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
QUESTIONS = REPO / "evals" / "tracker_questions.jsonl"
ARTICLE_ID = "frontier-labs-deals-and-ai-geopolitics"


@pytest.fixture(scope="session")
def chroma_url() -> str | None:
    """The Chroma server the suite runs against (TRACKER_RAG_CHROMA_URL), if any."""
    return Settings().chroma_url


@pytest.fixture(scope="session")
def embedder() -> SentenceEmbedder:
    """The real all-MiniLM-L6-v2, loaded from its package once per test session."""
    return SentenceEmbedder(bundled_model_path())


def make_settings(root: Path, **overrides: object) -> Settings:
    """Settings whose folders all lie under `root`."""
    return Settings(
        corpus_dir=root / "corpus",
        index_dir=root / "index",
        data_dir=root / "data",
        **overrides,  # type: ignore[arg-type]
    )


def make_service(
    index_dir: Path, corpus_dir: Path, embedder: SentenceEmbedder, **settings: object
) -> TrackerRag:
    """A service over its own index folder, sharing the loaded model."""
    return TrackerRag(
        Settings(index_dir=index_dir, corpus_dir=corpus_dir, **settings),  # type: ignore[arg-type]
        embedder=embedder,
    )


@pytest.fixture(scope="session")
def built_service(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceEmbedder
) -> TrackerRag:
    """A service over an index of the project's corpus, built once per session."""
    root = tmp_path_factory.mktemp("built")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    service = make_service(root / "index", corpus, embedder)
    report = service.ingest()
    assert not report.failures
    return service


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Iterator[Path]:
    """A private copy of the corpus folder that a test may change."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    yield target
