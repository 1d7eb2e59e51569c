"""Properties of the structural chunker over generated Markdown-like documents.

Whatever the document, chunks are exact spans of its text, together they cover
every character outside heading lines, each fits the token limit with its
title and section, and their ids are unique and the same on every run.
"""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tracker_rag.domain import Chunk, CorpusDocument
from tracker_rag.index.embedder import SentenceEmbedder
from tracker_rag.ingest.chunking import (
    MIN_TEXT_TOKENS,
    StructuralChunker,
    TokenCounter,
)

HEADING_LINE = re.compile(r"#{1,6}\s")
PROPERTIES = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def count_words(text: str) -> int:
    """A fast stand-in for the tokenizer: one token per run of non-space."""
    return len(text.split())


SPACES = st.sampled_from([" ", "  ", "\t", " \t ", "\u00a0", "\u3000", "\u2009"])
WORDS = st.one_of(
    st.sampled_from(
        [
            "chip", "deal", "Nvidia", "OpenAI’s", "$2.81", "e.g.", "U.S.", "Dr.",
            "2026-03-16", "naïve", "Zürich", "東京", "данные", "🙂", "x", "#tag",
            "...", "!!", "—", "“quoted”", "(aside)", "1.", "-", "*", "a.b.c",
        ]
    ),
    st.text(
        st.characters(
            blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc"),
            blacklist_characters="\n\r",
        ),
        min_size=1,
        max_size=12,
    ),
)  # fmt: skip


@st.composite
def sentences(draw: st.DrawFn) -> str:
    """Words joined by odd white space, sometimes closed by a stop."""
    words = draw(st.lists(WORDS, min_size=1, max_size=18))
    text = words[0]
    for word in words[1:]:
        text += draw(SPACES) + word
    return text + draw(st.sampled_from(["", ".", "!", "?", "…", '."', ".)"]))


@st.composite
def lines(draw: st.DrawFn) -> str:
    """One line of a Markdown-like document."""
    kind = draw(
        st.sampled_from(["heading", "bullet", "numbered", "text", "text", "blank"])
    )
    if kind == "blank":
        return draw(st.sampled_from(["", " ", "\t", "  \u00a0 "]))
    body = " ".join(draw(st.lists(sentences(), min_size=1, max_size=3)))
    if kind == "heading":
        hashes = "#" * draw(st.integers(1, 7))
        closing = draw(st.sampled_from(["", " #", " ##", "   ", "#"]))
        return f"{hashes}{draw(SPACES)}{body}{closing}"
    indent = draw(st.sampled_from(["", " ", "  ", "\t"]))
    if kind == "bullet":
        return f"{indent}{draw(st.sampled_from(['-', '*', '+', '•']))} {body}"
    if kind == "numbered":
        return (
            f"{indent}{draw(st.integers(1, 999))}{draw(st.sampled_from('.)'))} {body}"
        )
    return f"{indent}{body}{draw(st.sampled_from(['', ' ', '  ']))}"


@st.composite
def documents(draw: st.DrawFn) -> CorpusDocument:
    """A document of generated lines under a generated title."""
    text = "\n".join(draw(st.lists(lines(), max_size=30)))
    title = draw(st.one_of(sentences(), st.just("Doc")))
    return CorpusDocument(
        doc_id="sources/generated",
        kind="source",
        title=title,
        text=text,
        source_path="sources/generated.md",
    )


def split(
    document: CorpusDocument, max_tokens: int, count: TokenCounter = count_words
) -> list[Chunk]:
    return StructuralChunker(count, max_tokens).split_into_chunks(document)


def heading_line_spans(text: str) -> list[tuple[int, int]]:
    """The spans of the lines that are Markdown headings."""
    spans, position = [], 0
    for line in text.split("\n"):
        if HEADING_LINE.match(line):
            spans.append((position, position + len(line)))
        position += len(line) + 1
    return spans


def assert_chunk_properties(
    document: CorpusDocument,
    chunks: list[Chunk],
    max_tokens: int,
    count: TokenCounter = count_words,
) -> None:
    text = document.text
    chunker = StructuralChunker(count, max_tokens)
    headings = heading_line_spans(text)

    for chunk in chunks:
        assert 0 <= chunk.start < chunk.end <= len(text)
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.text.strip()
        assert not any(chunk.start <= start < chunk.end for start, _ in headings)
        prefix = chunker.embedding_prefix(chunk.title, chunk.section)
        assert count(prefix + chunk.text) <= max_tokens, (chunk.section, chunk.text)
        assert chunk.doc_id == document.doc_id
        assert chunk.chunk_id.startswith(document.doc_id + "#")

    for before, after in itertools.pairwise(chunks):
        assert before.end <= after.start

    covered = bytearray(len(text))
    for chunk in chunks:
        covered[chunk.start : chunk.end] = b"\x01" * (chunk.end - chunk.start)
    for start, end in headings:
        covered[start:end] = b"\x01" * (end - start)
    missed = [i for i, c in enumerate(text) if not c.isspace() and not covered[i]]
    assert missed == [], [text[i] for i in missed[:20]]

    ids = [chunk.chunk_id for chunk in chunks]
    assert len(set(ids)) == len(ids)


@PROPERTIES
@given(documents(), st.integers(32, 256))
@example(
    CorpusDocument(
        doc_id="d",
        kind="source",
        title="A title long enough to crowd the section out of a small budget",
        text="# A heading that is also long enough to crowd out the text\n\nBody.",
        source_path="d.md",
    ),
    32,
)
def test_chunks_are_exact_covering_spans_within_the_limit(
    document: CorpusDocument, max_tokens: int
) -> None:
    chunks = split(document, max_tokens)

    assert_chunk_properties(document, chunks, max_tokens)


@PROPERTIES
@given(documents(), st.integers(32, 256))
def test_chunk_ids_are_the_same_on_every_run(
    document: CorpusDocument, max_tokens: int
) -> None:
    first = split(document, max_tokens)
    second = split(document, max_tokens)

    assert first == second


@PROPERTIES
@given(documents(), st.integers(32, 256), sentences())
def test_a_section_added_at_the_end_leaves_earlier_chunks_alone(
    document: CorpusDocument, max_tokens: int, added: str
) -> None:
    longer = CorpusDocument(
        **{**document.__dict__, "text": document.text + "\n\n# Added\n\n" + added}
    )

    before = split(document, max_tokens)
    after = split(longer, max_tokens)

    assert after[: len(before)] == before


def is_shortened_from(short: str, full: str) -> bool:
    """Tell whether `short` is the first words of `full` closed by '…'."""
    kept = short.removesuffix("…").split()
    return short.endswith("…") and full.split()[: len(kept)] == kept


@PROPERTIES
@given(documents(), st.integers(32, 256))
def test_each_chunk_is_in_the_section_of_the_nearest_heading_above_it(
    document: CorpusDocument, max_tokens: int
) -> None:
    text = document.text
    chunker = StructuralChunker(count_words, max_tokens)
    named = [
        (start, text[start:end].lstrip("#").strip().rstrip("#").strip())
        for start, end in heading_line_spans(text)
    ]

    for chunk in split(document, max_tokens):
        above = [name for start, name in named if start < chunk.start and name]
        expected = above[-1] if above else document.title
        if chunk.section.split() == expected.split():
            assert chunk.title == document.title
            continue
        # Names are shortened only when they would leave the text too little room.
        assert is_shortened_from(chunk.section, expected), (chunk.section, expected)
        assert chunk.title == document.title or is_shortened_from(
            chunk.title, document.title
        )
        full_prefix = chunker.embedding_prefix(document.title, expected)
        assert count_words(full_prefix) + MIN_TEXT_TOKENS > max_tokens


HOSTILE_TEXTS = [
    "# Wall\n\n" + "=" * 3000,
    "# Chinese\n\n" + "人工智能公司在二零二六年签署了新的芯片协议" * 150,
    "# Link\n\nSee https://example.com/" + "a1/b2?c=3&d=4;" * 300 + " for details.",
    "# Blob\n\n" + "QUJD+/ZGVm=" * 500,
    "# Dots\n\nWait" + "." * 5000 + " Then it went on.",
    "#" + " " * 3000 + "x\n\n" + "Words after a heading of spaces. " * 50,
]


@pytest.mark.real_model
@pytest.mark.parametrize("max_tokens", [32, 200])
@pytest.mark.parametrize("text", HOSTILE_TEXTS, ids=lambda text: text.split("\n")[0])
def test_hostile_text_fits_the_real_tokenizer(
    embedder: SentenceEmbedder, text: str, max_tokens: int
) -> None:
    document = CorpusDocument(
        doc_id="hostile", kind="source", title="Hostile", text=text, source_path="h.md"
    )

    chunks = split(document, max_tokens, embedder.count_tokens)

    assert chunks
    assert_chunk_properties(document, chunks, max_tokens, embedder.count_tokens)


@pytest.mark.real_model
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(document=documents())
def test_generated_documents_fit_the_real_tokenizer(
    embedder: SentenceEmbedder, document: CorpusDocument
) -> None:
    chunks = split(document, 64, embedder.count_tokens)

    assert_chunk_properties(document, chunks, 64, embedder.count_tokens)
