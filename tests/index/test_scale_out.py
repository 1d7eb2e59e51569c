"""The index under concurrency and faults: a Chroma server that goes away,
several API workers, queries during an ingest, and export and import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.chroma_server import ChromaServer, free_port
from tests.conftest import CORPUS, REPO, make_settings
from tracker_rag.api import create_app
from tracker_rag.errors import ArchiveError, StoreError
from tracker_rag.index.embedder import SentenceEmbedder
from tracker_rag.service import TrackerRag

QUESTION = "What is the Anthropic Institute valued at?"


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[ChromaServer]:
    server = ChromaServer(tmp_path / "chroma-server")
    server.start()
    yield server
    server.stop()


@pytest.mark.slow
def test_the_api_says_503_while_the_chroma_server_is_down_then_recovers(
    tmp_path: Path, embedder: SentenceEmbedder, chroma_server: ChromaServer
) -> None:
    shutil.copytree(CORPUS, tmp_path / "corpus")
    settings = make_settings(tmp_path, chroma_url=chroma_server.url)
    service = TrackerRag(settings, embedder=embedder)
    service.ingest()
    app = create_app(settings, service, with_ui=False, load_on_start=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.post("/v1/answer", json={"question": QUESTION}).status_code == 200

        chroma_server.stop()
        down = client.post("/v1/answer", json={"question": QUESTION})
        listing = client.get("/v1/documents")

        assert down.status_code == 503
        assert f"Chroma server at {chroma_server.url}" in down.json()["error"]
        # What needs no vectors is still served.
        assert listing.status_code == 200

        chroma_server.start()
        again = client.post("/v1/answer", json={"question": QUESTION})
        assert again.status_code == 200
        assert "$380 billion" in again.json()["answer"]


@pytest.mark.slow
def test_two_workers_on_one_chroma_server_both_answer_from_each_new_commit(
    tmp_path: Path, embedder: SentenceEmbedder, chroma_server: ChromaServer
) -> None:
    shutil.copytree(CORPUS, tmp_path / "corpus")
    settings = make_settings(tmp_path, chroma_url=chroma_server.url)
    TrackerRag(settings, embedder=embedder).ingest()
    port = free_port()
    environment = {
        **os.environ,
        "TRACKER_RAG_CHROMA_URL": chroma_server.url,
        "TRACKER_RAG_CORPUS_DIR": str(tmp_path / "corpus"),
        "TRACKER_RAG_INDEX_DIR": str(tmp_path / "index"),
        "TRACKER_RAG_DATA_DIR": str(tmp_path / "data"),
        "TRACKER_RAG_RATE_LIMIT_PER_MINUTE": "0",
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("tracker-rag")),
            "serve",
            "--port",
            str(port),
            "--workers",
            "2",
        ],
        env=environment,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600
        ready = 0
        while ready < 6 and time.monotonic() < deadline:
            try:
                ok = httpx.get(f"{base}/readyz", timeout=10).status_code == 200
            except httpx.HTTPError:
                ok = False
            ready += ok
            if not ok:
                time.sleep(0.5)
        assert ready >= 6, "the workers never became ready"

        # Another process commits a new version of the article.
        article = next((tmp_path / "corpus" / "articles").glob("*.md"))
        text = article.read_text(encoding="utf-8")
        assert "approximately $380 billion" in text
        article.write_text(
            text.replace("approximately $380 billion", "approximately $415 billion"),
            encoding="utf-8",
        )
        ingest = subprocess.run(
            [str(Path(sys.executable).with_name("tracker-rag")), "ingest"],
            env=environment,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert ingest.returncode == 0, ingest.stderr

        answers = []
        for _ in range(12):
            # A new connection each time, so the kernel spreads them over workers.
            with httpx.Client(timeout=60) as client:
                response = client.post(f"{base}/v1/answer", json={"question": QUESTION})
            assert response.status_code == 200, response.text
            answers.append(response.json()["answer"])
        assert all("$415 billion" in answer for answer in answers)

        # A job accepted by one worker can be followed through any of them.
        with httpx.Client(timeout=60) as client:
            accepted = client.post(
                f"{base}/v1/documents",
                files={
                    "files": ("depot.md", b"# Depot\n\nThe depot holds 7 crates.\n")
                },
            )
        assert accepted.status_code == 202, accepted.text
        job_id = accepted.json()["id"]
        for _ in range(8):
            with httpx.Client(timeout=60) as client:
                followed = client.get(f"{base}/v1/jobs/{job_id}")
            assert followed.status_code == 200, followed.text
    finally:
        server.terminate()
        server.wait(timeout=60)


@pytest.mark.slow
def test_queries_are_answered_during_an_ingest_and_a_second_ingest_is_refused(
    tmp_path: Path, embedder: SentenceEmbedder
) -> None:
    shutil.copytree(CORPUS, tmp_path / "corpus")
    service = TrackerRag(make_settings(tmp_path), embedder=embedder)
    service.ingest()
    for number in range(40):
        (tmp_path / "corpus" / f"note-{number:02d}.md").write_text(
            f"# Note {number}\n\nNote {number} says the depot holds {number} crates "
            "of spare parts for the regional fleet.\n" * 3,
            encoding="utf-8",
        )
    errors: list[BaseException] = []
    refusals: list[str] = []

    def second_ingest() -> None:
        try:
            TrackerRag(make_settings(tmp_path), embedder=embedder).ingest()
        except StoreError as exc:
            refusals.append(str(exc))

    def first_ingest() -> None:
        try:
            service.ingest()
        except BaseException as exc:
            errors.append(exc)

    ingesting = threading.Thread(target=first_ingest)
    ingesting.start()
    time.sleep(0.5)
    second = threading.Thread(target=second_ingest)
    second.start()
    answered = 0
    while ingesting.is_alive():
        answer = service.ask(QUESTION)
        assert "$380 billion" in answer.answer
        answered += 1
    ingesting.join()
    second.join()

    assert not errors
    assert answered > 0
    assert refusals and "another ingest is running" in refusals[0]
    found = service.retrieve("Note 12 depot crates of spare parts", top_k=1)
    assert found.chunks[0].chunk.doc_id == "note-12"


@pytest.mark.slow
def test_an_exported_index_imports_elsewhere_and_answers_the_same(
    tmp_path: Path, embedder: SentenceEmbedder, built_service: TrackerRag
) -> None:
    questions = [
        QUESTION,
        "Who leads Anthropic?",
        "What did the Pentagon decide about Anthropic?",
        "What is the capital of Peru?",
    ]
    archive = tmp_path / "backup" / "index.tar.gz"

    exported = built_service.export_index(archive)
    restored = TrackerRag(make_settings(tmp_path / "elsewhere"), embedder=embedder)
    imported = restored.import_index(archive)

    assert imported.chunks == exported.chunks == len(built_service.index.catalog)
    for question in questions:
        before = built_service.ask(question)
        after = restored.ask(question)
        assert after.answer == before.answer
        assert after.abstained == before.abstained
        assert [c.chunk_id for c in after.citations] == [
            c.chunk_id for c in before.citations
        ]
    # Importing again over a live index is one more commit, not a mix.
    again = restored.import_index(archive)
    assert again.generation == imported.generation + 1
    assert restored.index.store.record_ids() == {
        c.chunk_id for c in restored.index.catalog.chunks
    }


def test_importing_something_that_is_not_an_archive_names_the_file(
    tmp_path: Path, embedder: SentenceEmbedder
) -> None:
    bogus = tmp_path / "notes.tar.gz"
    bogus.write_text("not a tar file")
    service = TrackerRag(make_settings(tmp_path), embedder=embedder)

    with pytest.raises(ArchiveError, match=r"notes\.tar\.gz"):
        service.import_index(bogus)
    assert not service.paths.exists()


def test_a_service_notices_a_commit_made_by_another_and_reloads(
    tmp_path: Path, embedder: SentenceEmbedder
) -> None:
    shutil.copytree(CORPUS, tmp_path / "corpus")
    writer = TrackerRag(make_settings(tmp_path), embedder=embedder)
    writer.ingest()
    reader = TrackerRag(make_settings(tmp_path), embedder=embedder)
    assert "$380 billion" in reader.ask(QUESTION).answer
    first = reader.index.generation

    article = next((tmp_path / "corpus" / "articles").glob("*.md"))
    article.write_text(
        article.read_text(encoding="utf-8").replace(
            "approximately $380 billion", "approximately $415 billion"
        ),
        encoding="utf-8",
    )
    writer.ingest()

    assert "$415 billion" in reader.ask(QUESTION).answer
    assert reader.index.generation == first + 1
