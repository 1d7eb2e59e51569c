"""Hostile corpus files: each is refused with its reason or read within bounds.

A corpus folder holds a few good files beside empty, binary, badly encoded,
oversized, malformed, deeply nested and linked ones. The good files must load,
every bad one must fail alone with a reason that names what is wrong, and
nothing outside the corpus folder may be opened, listed or changed.
"""

from __future__ import annotations

import os
import random
import sys
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfWriter

from tracker_rag.domain import CorpusDocument
from tracker_rag.errors import UnreadableFileError
from tracker_rag.index.embedder import SentenceEmbedder
from tracker_rag.ingest.chunking import StructuralChunker
from tracker_rag.ingest.loaders import LoadFailure, load_corpus, load_document
from tracker_rag.service import TrackerRag
from tracker_rag.settings import Settings

MB = 1_000_000
LIMIT = Settings.model_fields["max_file_bytes"].default
SECRET = "OUTSIDE-SECRET-7f3a9c"
SCRIPT_MARK = "SCRIPT-MARK-41d2"
STYLE_MARK = "STYLE-MARK-88e0"
DEPTH = 100_000

GLASS_ARTICLE = """\
---
id: glass-chip-report
kind: article
title: Glass substrates reach the fab
published: 2025-01-10
---
# Glass substrates reach the fab

Fabricators in Penang began volume runs of glass core substrates in January.
The first customer is a maker of accelerator cards for data centres.
"""
NOTES = """\
Harbour crane notes
Published: 2025-02-03

The port of Rotterdam ordered twelve electric cranes from a Finnish maker.
"""
BAD_FRONT_MATTER = {
    "unclosed.md": ("---\nid: a\nkind: source\n# Body\n", "never closed"),
    "flow-yaml.md": (
        "---\n{id: b, kind: source}\n---\n# B\n\nText.\n",
        "line 2: expected 'key: value', got '{id: b, kind: source}'",
    ),
    "nested-yaml.md": (
        "---\nid: c\nkind: source\nauthor:\n  name: X\n---\n# C\n\nText.\n",
        "unknown key 'author'",
    ),
    "unknown-kind.md": ("---\nid: d\nkind: blog\n---\n# D\n\nT.\n", "kind 'blog'"),
    "impossible-date.md": (
        "---\nid: e\nkind: source\npublished: 2025-13-45\n---\n# E\n\nT.\n",
        "'published' '2025-13-45' is not a real date",
    ),
    "word-date.md": (
        "---\nid: f\nkind: source\nupdated: yesterday\n---\n# F\n\nT.\n",
        "'updated' 'yesterday' is not a date",
    ),
    "no-id.md": ("---\nkind: source\n---\n# G\n\nT.\n", "lacks the required key 'id'"),
    "climbing-id.md": (
        "---\nid: ../../etc/passwd\nkind: source\n---\n# H\n\nT.\n",
        "id '../../etc/passwd' must start with a letter or digit",
    ),
    "repeated-key.md": (
        "---\nid: i\nid: j\nkind: source\n---\n# I\n\nT.\n",
        "key 'id' is given twice",
    ),
    "no-body.md": ("---\nid: k\nkind: source\n---\n\n", "body after the front matter"),
    "huge-date.md": (
        "---\nid: m\nkind: source\nupdated: " + "9" * 100_000 + "\n---\n# M\n\nT.\n",
        "'updated' '99999",
    ),
    "huge-line.md": (
        "---\n" + "x" * 1_000_000 + "\n---\nT.\n",
        "expected 'key: value', got 'xxxx",
    ),
}


def write(path: Path, content: str | bytes) -> Path:
    """Write a file, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def write_text_of_size(path: Path, size: int) -> Path:
    """Write `size` bytes of plain prose a megabyte at a time."""
    line = b"Plain words fill this file line after line. " * 20 + b"\n"
    block = line * (MB // len(line) + 1)
    with path.open("wb") as handle:
        written = 0
        while written < size:
            piece = block[: min(len(block), size - written)]
            handle.write(piece)
            written += len(piece)
    return path


def write_blank_pdf(path: Path) -> Path:
    """Write a valid one-page PDF that has no text layer."""
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def deep_html() -> str:
    """A page nested 100,000 divs deep, a paragraph every 100 levels.

    A script and a style sit at the bottom, to be dropped from the text.
    """
    levels = "".join(
        "<div>" + (f"<p>Level {depth}.</p>" if depth % 100 == 0 else "")
        for depth in range(DEPTH)
    )
    return (
        "<html><head><title>Deep page</title>"
        f"<style>body {{ content: '{STYLE_MARK}'; }}</style></head><body>"
        + levels
        + f"<script>var mark = '{SCRIPT_MARK}';</script>"
        + f"<style>.x {{ content: '{STYLE_MARK}'; }}</style>"
        + "<p>Deep text survives the nesting.</p>"
        + "</div>" * DEPTH
        + "</body></html>"
    )


def build_corpus(root: Path) -> tuple[Path, Path]:
    """Fill `root` with a corpus folder and an `outside` folder beside it."""
    corpus, outside = root / "corpus", root / "outside"
    write(outside / "secret.md", f"# Secret\n\n{SECRET} must never be read.\n")
    write(outside / "folder" / "inner.md", f"# Inner\n\n{SECRET} inner copy.\n")

    write(corpus / "articles" / "glass.md", GLASS_ARTICLE)
    write(corpus / "sources" / "notes.txt", NOTES)
    write(
        corpus / "sources" / "notes..v2.md", "# Dotted name\n\nA file name with dots.\n"
    )
    write(corpus / "sources" / "deep.html", deep_html())
    write(corpus / "sources" / "tag-bomb.html", "<i>" * 300_000 + "text")

    write(corpus / "sources" / "empty.txt", b"")
    write(corpus / "sources" / "blank.md", " \n\t\n\u00a0\n")
    noise = random.Random(7)
    write(corpus / "sources" / "random.txt", noise.randbytes(64 * 1024))
    write(corpus / "sources" / "random.md", noise.randbytes(64 * 1024))
    write(corpus / "sources" / "controls.txt", bytes(range(1, 9)) * 1000)
    write(corpus / "sources" / "utf16.md", "# Title\n\nText.\n".encode("utf-16"))
    invalid = b"Valid start. \xff\xfe\xc3\x28 and more text.\n"
    write(corpus / "sources" / "invalid-utf8.txt", invalid)
    write(corpus / "sources" / "invalid-utf8.md", b"# Heading\n\n" + invalid)
    write_text_of_size(corpus / "sources" / "huge.txt", 50 * MB)
    for name, (text, _) in BAD_FRONT_MATTER.items():
        write(corpus / "front-matter" / name, text)
    write_blank_pdf(corpus / "sources" / "scan.pdf")
    write(corpus / "sources" / "fake.pdf", b"%PDF-1.7\n" + noise.randbytes(4096))

    links = corpus / "links"
    links.mkdir()
    (links / "to-secret.md").symlink_to(outside / "secret.md")
    (links / "to-outside-folder").symlink_to(outside / "folder")
    (links / "to-articles").symlink_to(corpus / "articles")
    (links / "relative-escape.md").symlink_to(Path("..", "..", "outside", "secret.md"))
    (links / "to-dev-zero.txt").symlink_to("/dev/zero")
    (links / "dangling.md").symlink_to(corpus / "missing.md")
    os.mkfifo(corpus / "sources" / "pipe.md")
    write(corpus / "names" / "line\nbreak.md", "# Break\n\nText.\n")
    write(corpus / "names" / os.fsdecode(b"caf\xe9.md"), "# Cafe\n\nText.\n")
    return corpus, outside


EXPECTED_FAILURES = {
    "sources/empty.txt": "empty file",
    "sources/blank.md": "empty file",
    "sources/random.txt": "binary content",
    "sources/random.md": "binary content",
    "sources/controls.txt": "binary content (control characters)",
    "sources/utf16.md": "UTF-16 text",
    "sources/invalid-utf8.txt": "not valid UTF-8 (bad byte at offset 13)",
    "sources/invalid-utf8.md": "not valid UTF-8 (bad byte at offset 24)",
    "sources/huge.txt": "50,000,000 bytes is over the limit of 20,000,000 bytes",
    "sources/scan.pdf": "the PDF has no text layer",
    "sources/tag-bomb.html": "the HTML page has over 200,000 tags",
    "sources/fake.pdf": "not a readable PDF",
    "sources/pipe.md": "not a regular file",
    "links/to-secret.md": "it links outside the corpus folder",
    "links/to-outside-folder": "it links outside the corpus folder",
    "links/to-articles": "links to folders are not followed",
    "links/relative-escape.md": "it links outside the corpus folder",
    "links/to-dev-zero.txt": "it links outside the corpus folder",
    "links/dangling.md": "it is a broken link",
    "names/line\\nbreak.md": "the file name holds control characters",
    "names/caf\\udce9.md": "the file name is not valid UTF-8",
    **{
        f"front-matter/{name}": reason for name, (_, reason) in BAD_FRONT_MATTER.items()
    },
}
GOOD_IDS = ["glass-chip-report", "sources/deep", "sources/notes", "sources/notes-v2"]


def tree_state(root: Path) -> dict[str, tuple[int, int, int]]:
    """Every entry under `root` with its mode, size and modification time."""
    state = {}
    for folder, folders, files in os.walk(root):
        for name in folders + files:
            path = Path(folder, name)
            info = path.lstat()
            key = path.relative_to(root).as_posix()
            state[key] = (info.st_mode, info.st_size, info.st_mtime_ns)
    return state


_watched: list[tuple[str, str]] | None = None


def _record_file_access(event: str, args: tuple[Any, ...]) -> None:
    if _watched is not None and event in ("open", "os.scandir", "os.listdir"):
        target = args[0] if args else None
        if isinstance(target, str | bytes | os.PathLike):
            _watched.append((event, os.fsdecode(target)))


sys.addaudithook(_record_file_access)


@contextmanager
def file_access() -> Iterator[list[tuple[str, str]]]:
    """Record every file opened and folder listed while the block runs."""
    global _watched
    _watched = []
    try:
        yield _watched
    finally:
        _watched = None


def accessed_outside(
    accesses: list[tuple[str, str]], root: Path, corpus: Path
) -> list[tuple[str, str]]:
    """The accesses under `root` whose real path is not inside `corpus`."""
    inside = corpus.resolve()
    return [
        (event, path)
        for event, path in accesses
        if Path(path).resolve().is_relative_to(root.resolve())
        and not Path(path).resolve().is_relative_to(inside)
    ]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """The root folder, its corpus and its outside folder, built once."""
    root = tmp_path_factory.mktemp("hostile")
    corpus, outside = build_corpus(root)
    return root, corpus, outside


@pytest.fixture(scope="module")
def loaded(
    hostile: tuple[Path, Path, Path],
) -> tuple[list[CorpusDocument], list[LoadFailure], list[tuple[str, str]], float]:
    """One load of the hostile corpus, with the file accesses and time it took."""
    root, corpus, _ = hostile
    before = tree_state(root)
    started = time.perf_counter()
    with file_access() as accesses:
        documents, failures = load_corpus(corpus, LIMIT)
    seconds = time.perf_counter() - started
    assert tree_state(root) == before
    return documents, failures, list(accesses), seconds


def test_good_files_load_beside_hostile_ones(loaded: Any) -> None:
    documents, _, _, seconds = loaded

    assert sorted(document.doc_id for document in documents) == GOOD_IDS
    glass = next(d for d in documents if d.doc_id == "glass-chip-report")
    assert "Penang" in glass.text
    assert seconds < 30


def test_every_hostile_file_fails_alone_with_a_reason_naming_its_fault(
    loaded: Any,
) -> None:
    _, failures, _, _ = loaded

    reasons = {failure.path: failure.reason for failure in failures}
    assert sorted(reasons) == sorted(EXPECTED_FAILURES)
    assert len(failures) == len(reasons)
    for path, expected in EXPECTED_FAILURES.items():
        assert expected in reasons[path], (path, reasons[path])
    assert all(len(reason) < 300 for reason in reasons.values())


def test_nothing_outside_the_corpus_is_opened_or_listed(
    loaded: Any, hostile: tuple[Path, Path, Path]
) -> None:
    documents, _, accesses, _ = loaded
    root, corpus, outside = hostile
    with file_access() as probe:
        (outside / "secret.md").read_bytes()
    assert accessed_outside(list(probe), root, corpus), "the audit hook sees nothing"

    assert accessed_outside(accesses, root, corpus) == []
    for document in documents:
        assert SECRET not in document.text and SECRET not in document.title


def test_deeply_nested_html_keeps_its_text_and_drops_script_and_style(
    loaded: Any,
) -> None:
    documents, _, _, _ = loaded

    page = next(d for d in documents if d.doc_id == "sources/deep")
    assert page.title == "Deep page"
    levels = [f"Level {depth}." for depth in range(0, DEPTH, 100)]
    assert page.text.split("\n\n") == [*levels, "Deep text survives the nesting."]
    assert SCRIPT_MARK not in page.text and STYLE_MARK not in page.text


def test_a_dotted_file_name_gets_a_plain_id(loaded: Any) -> None:
    documents, _, _, _ = loaded

    dotted = next(d for d in documents if d.doc_id == "sources/notes-v2")
    assert dotted.source_path == "sources/notes..v2.md"


def test_a_file_over_the_limit_is_refused_without_being_read(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_text_of_size(corpus / "huge.txt", 50 * MB)

    tracemalloc.start()
    started = time.perf_counter()
    try:
        documents, failures = load_corpus(corpus, LIMIT)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert documents == []
    assert failures == [
        LoadFailure(
            "huge.txt", "50,000,000 bytes is over the limit of 20,000,000 bytes"
        )
    ]
    assert peak < 1 * MB
    assert time.perf_counter() - started < 2


def test_a_large_file_under_the_limit_loads_and_chunks_in_bounded_time_and_memory(
    tmp_path: Path,
) -> None:
    # Five megabytes, with the shapes that make naive patterns backtrack: a run
    # of dots, a run of abbreviations, a heading line of spaces, a giant word.
    path = tmp_path / "large.md"
    write_text_of_size(path, 4 * MB)
    with path.open("ab") as handle:
        handle.write(b"\n\n# Dots" + b" " * 200_000 + b"end\n\n")
        handle.write(b"Wait" + b"." * 300_000 + b" Then more.\n\n")
        handle.write(b"A. " * 100_000 + b"done.\n\n")
        handle.write(b"=" * 300_000 + b"\n")
    size = path.stat().st_size
    assert 4.5 * MB < size < LIMIT

    tracemalloc.start()
    started = time.perf_counter()
    try:
        document = load_document(path, tmp_path, LIMIT)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    chunks = StructuralChunker(lambda text: len(text.split()), 200).split_into_chunks(
        document
    )
    chunk_seconds = time.perf_counter() - started

    assert document.text.startswith("Plain words") and len(document.text) > 4 * MB
    # The bytes, the decoded text and its cleaned copy: a few times the file.
    assert peak < 6 * size
    assert load_seconds < 10
    assert chunk_seconds < 30
    assert all(document.text[c.start : c.end] == c.text for c in chunks)
    dots = [c for c in chunks if c.section.startswith("Dots ")]
    assert dots and dots[0].section.endswith(" end")


def test_paths_that_leave_the_corpus_folder_are_refused(
    hostile: tuple[Path, Path, Path],
) -> None:
    _, corpus, outside = hostile

    climbing = [
        corpus / ".." / "outside" / "secret.md",
        corpus / "sources" / ".." / ".." / "outside" / "secret.md",
    ]
    for path in climbing:
        with pytest.raises(UnreadableFileError, match="leaves the corpus folder"):
            load_document(path, corpus, LIMIT)
    for path in (outside / "secret.md", Path("/etc/hostname"), Path("relative.md")):
        with pytest.raises(UnreadableFileError, match="not inside the corpus folder"):
            load_document(path, corpus, LIMIT)


def test_ingest_through_the_service_skips_hostile_files_and_answers_from_good_ones(
    hostile: tuple[Path, Path, Path], tmp_path: Path, embedder: SentenceEmbedder
) -> None:
    root, corpus, _ = hostile
    before = tree_state(root)
    settings = Settings(
        corpus_dir=corpus, index_dir=tmp_path / "index", data_dir=tmp_path / "data"
    )
    service = TrackerRag(settings, embedder=embedder)

    with file_access() as accesses:
        report = service.ingest()

    assert tree_state(root) == before
    assert accessed_outside(list(accesses), root, corpus) == []
    assert sorted(report.added) == GOOD_IDS
    assert {failure.path for failure in report.failures} == set(EXPECTED_FAILURES)
    chunks = service.index.catalog.chunks
    assert not any(SECRET in chunk.text for chunk in chunks)
    assert {chunk.doc_id for chunk in chunks} == set(GOOD_IDS)

    answer = service.ask("Where did fabricators begin volume runs of glass substrates?")

    assert not answer.abstained, answer.answer
    assert "Penang" in answer.answer
    assert answer.citations
    assert all(c.doc_id == "glass-chip-report" for c in answer.citations)
    glass = service.get_document("glass-chip-report")
    for citation in answer.citations:
        assert glass.text[citation.start : citation.end] == citation.text
