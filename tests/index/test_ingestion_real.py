"""Incremental ingest through the real model and a real embedded Chroma."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ARTICLE_ID, make_service
from tracker_rag.errors import ModelMismatchError
from tracker_rag.index.embedder import SentenceEmbedder
from tracker_rag.settings import bundled_model_path

ARTICLE_FILE = Path("articles") / f"{ARTICLE_ID}.md"
SOURCE_TEXT = """---
id: glass-chip-report
kind: source
title: Glass substrates reach the fab
published: 2025-01-10
url: https://example.org/glass
---
# Glass substrates reach the fab

Fabricators in Penang began volume runs of glass core substrates in January.
The first customer is a maker of accelerator cards for data centres.
"""


def count_encoded_texts(
    monkeypatch: pytest.MonkeyPatch, embedder: SentenceEmbedder
) -> list[int]:
    """Record how many texts each call to the model's encoder receives."""
    calls: list[int] = []
    original = embedder.encoder.encode

    def counting_encode(texts: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(1 if isinstance(texts, str) else len(texts))
        return original(texts, *args, **kwargs)

    monkeypatch.setattr(embedder.encoder, "encode", counting_encode)
    return calls


def test_reingest_of_unchanged_corpus_embeds_nothing(
    tmp_path: Path,
    corpus_copy: Path,
    embedder: SentenceEmbedder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    service = make_service(tmp_path / "index", corpus_copy, embedder)
    first = service.ingest()
    assert first.added == [ARTICLE_ID]
    assert first.chunks_total == first.chunks_embedded > 5

    calls = count_encoded_texts(monkeypatch, embedder)
    second = service.ingest()

    assert calls == []
    assert second.skipped == [ARTICLE_ID]
    assert (second.added, second.updated, second.removed) == ([], [], [])
    assert second.chunks_total == first.chunks_total


def test_changed_document_keeps_its_id_and_replaces_its_chunks(
    tmp_path: Path, corpus_copy: Path, embedder: SentenceEmbedder
) -> None:
    service = make_service(tmp_path / "index", corpus_copy, embedder)
    service.ingest()
    before = {c.chunk_id: c.text for c in service.index.catalog.chunks}

    path = corpus_copy / ARTICLE_FILE
    text = path.read_text(encoding="utf-8")
    assert "approximately $380 billion" in text
    path.write_text(
        text.replace("approximately $380 billion", "approximately $415 billion")
    )
    report = service.ingest()

    assert report.updated == [ARTICLE_ID]
    after = {c.chunk_id: c.text for c in service.index.catalog.chunks}
    assert service.index.store.count() == len(after)
    assert not any("$380 billion" in chunk for chunk in after.values())
    assert sum("$415 billion" in chunk for chunk in after.values()) == 1
    # Only the edited section's chunk changed content; every record id names
    # the new version, so the old records could stay until the commit.
    content_ids = {chunk_id.split("@")[0] for chunk_id in before}
    assert len(content_ids - {chunk_id.split("@")[0] for chunk_id in after}) == 1
    assert not set(before) & set(after)
    answer = service.ask("What is the Anthropic Institute valued at?")
    assert "$415 billion" in answer.answer


def test_removed_file_is_removed_from_the_index(
    tmp_path: Path, corpus_copy: Path, embedder: SentenceEmbedder
) -> None:
    source = corpus_copy / "sources" / "glass-chip-report.md"
    source.parent.mkdir(exist_ok=True)
    source.write_text(SOURCE_TEXT, encoding="utf-8")
    service = make_service(tmp_path / "index", corpus_copy, embedder)
    first = service.ingest()
    assert sorted(first.added) == sorted([ARTICLE_ID, "glass-chip-report"])
    assert (
        "Penang"
        in service.ask("Where did glass core substrate volume runs begin?").answer
    )

    source.unlink()
    report = service.ingest()

    assert report.removed == ["glass-chip-report"]
    doc_ids = {chunk.doc_id for chunk in service.index.catalog.chunks}
    assert doc_ids == {ARTICLE_ID}
    assert service.index.store.count() == len(service.index.catalog)
    retrieval = service.retrieve("Penang glass core substrate volume runs", top_k=20)
    assert all(scored.chunk.doc_id == ARTICLE_ID for scored in retrieval.chunks)


def test_unreadable_files_are_reported_by_name_and_the_rest_is_ingested(
    tmp_path: Path, corpus_copy: Path, embedder: SentenceEmbedder
) -> None:
    (corpus_copy / "sources").mkdir(exist_ok=True)
    (corpus_copy / "sources" / "blob.txt").write_bytes(b"\x00\x01\x02binary")
    (corpus_copy / "sources" / "latin1.md").write_bytes(
        "caf\xe9 cr\xe8me".encode("latin-1")
    )
    (corpus_copy / "sources" / "empty.md").write_text("   \n")
    (corpus_copy / "sources" / "bad-meta.md").write_text(
        "---\nid: x\nkind: memo\n---\nText.\n"
    )
    service = make_service(tmp_path / "index", corpus_copy, embedder)

    report = service.ingest()

    reasons = {failure.path: failure.reason for failure in report.failures}
    assert set(reasons) == {
        "sources/blob.txt",
        "sources/latin1.md",
        "sources/empty.md",
        "sources/bad-meta.md",
    }
    assert "binary" in reasons["sources/blob.txt"]
    assert "UTF-8" in reasons["sources/latin1.md"]
    assert "empty" in reasons["sources/empty.md"]
    assert "memo" in reasons["sources/bad-meta.md"]
    assert report.added == [ARTICLE_ID]


def test_document_whose_front_matter_breaks_keeps_its_indexed_version(
    tmp_path: Path, corpus_copy: Path, embedder: SentenceEmbedder
) -> None:
    service = make_service(tmp_path / "index", corpus_copy, embedder)
    service.ingest()
    count = service.index.store.count()
    path = corpus_copy / ARTICLE_FILE
    path.write_text(path.read_text().replace("kind: article", "kind: articel"))

    report = service.ingest()

    assert report.kept == [ARTICLE_ID]
    assert report.removed == []
    assert [failure.path for failure in report.failures] == [ARTICLE_FILE.as_posix()]
    assert service.index.store.count() == count
    assert not service.ask("What is the Anthropic Institute valued at?").abstained


def _copy_of_model_with_other_config(tmp_path: Path) -> Path:
    """The bundled model's files, but a configuration that differs by one key."""
    original = bundled_model_path()
    copy = tmp_path / "other-model"
    shutil.copytree(
        original, copy, symlinks=False, ignore=shutil.ignore_patterns("*.safetensors")
    )
    (copy / "model.safetensors").symlink_to(original / "model.safetensors")
    config = (copy / "config.json").read_text()
    (copy / "config.json").write_text(
        config.replace("{", '{\n  "note": "retrained",', 1)
    )
    return copy


def test_index_refuses_vectors_of_another_model(
    tmp_path: Path, corpus_copy: Path, embedder: SentenceEmbedder
) -> None:
    make_service(tmp_path / "index", corpus_copy, embedder).ingest()
    # On torch, so that the other model leaves no ONNX export in the user's cache.
    other = SentenceEmbedder(
        _copy_of_model_with_other_config(tmp_path), encoder="torch"
    )
    assert other.fingerprint != embedder.fingerprint
    service = make_service(tmp_path / "index", corpus_copy, other)

    with pytest.raises(ModelMismatchError, match="rebuild"):
        service.ingest()
    with pytest.raises(ModelMismatchError):
        service.ask("What is the Anthropic Institute valued at?")

    report = service.rebuild()
    assert report.added == [ARTICLE_ID]
    assert not service.ask("What is the Anthropic Institute valued at?").abstained
