"""An API app over a private index, so tests may upload and delete documents."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import CORPUS, make_settings
from tracker_rag.api import create_app
from tracker_rag.index.embedder import SentenceEmbedder
from tracker_rag.service import TrackerRag


@pytest.fixture(scope="module")
def api_root(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceEmbedder
) -> Path:
    """A corpus copy with an index built once for the module."""
    root = tmp_path_factory.mktemp("api")
    shutil.copytree(CORPUS, root / "corpus")
    TrackerRag(make_settings(root), embedder=embedder).ingest()
    return root


@pytest.fixture(scope="module")
def service(api_root: Path, embedder: SentenceEmbedder) -> TrackerRag:
    """A loaded service over the module's index."""
    service = TrackerRag(make_settings(api_root), embedder=embedder)
    service.load()
    return service


@pytest.fixture
def client(api_root: Path, service: TrackerRag) -> Iterator[TestClient]:
    """A test client of an app over the module's service (no UI)."""
    app = create_app(
        make_settings(api_root), service, with_ui=False, load_on_start=False
    )
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
