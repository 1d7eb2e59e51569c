"""Structural chunking: exact spans, sections, budgets and stable ids."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

from tracker_rag.domain import Chunk, CorpusDocument
from tracker_rag.ingest.chunking import StructuralChunker, split_into_blocks
from tracker_rag.ingest.corpus_format import parse_corpus_file
from tracker_rag.ingest.sentences import sentence_spans

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "corpus" / "articles" / "frontier-labs-deals-and-ai-geopolitics.md"


def count_words(text: str) -> int:
    return len(text.split())


def make_document(text: str, title: str = "Doc", doc_id: str = "doc") -> CorpusDocument:
    return CorpusDocument(
        doc_id=doc_id, kind="source", title=title, text=text, source_path="doc.md"
    )


def split(document: CorpusDocument, max_tokens: int) -> list[Chunk]:
    return StructuralChunker(count_words, max_tokens).split_into_chunks(document)


def words(count: int, word: str = "word") -> str:
    return " ".join(f"{word}{index}" for index in range(count))


def sentence(count: int, word: str = "word") -> str:
    """A sentence of `count` words that starts with a capital and ends with a stop."""
    return f"Start {words(count - 1, word)}."


def assert_fits(chunks: list[Chunk], max_tokens: int) -> None:
    chunker = StructuralChunker(count_words, max_tokens)
    for chunk in chunks:
        prefix = chunker.embedding_prefix(chunk.title, chunk.section)
        assert count_words(prefix + chunk.text) <= max_tokens, chunk.text


SECTIONED = """\
# Doc

Opening paragraph before any section.

## Alpha

Alpha paragraph one.

- Alpha bullet.

## Beta

Beta paragraph.

### Beta Detail

Detail paragraph.
"""


@pytest.fixture(scope="module")
def committed() -> CorpusDocument:
    text = COMMITTED.read_text(encoding="utf-8")
    return parse_corpus_file(text, COMMITTED, "articles/" + COMMITTED.name)


def test_sections_follow_the_nearest_heading() -> None:
    chunks = split(make_document(SECTIONED), max_tokens=200)

    assert [(chunk.section, chunk.text) for chunk in chunks] == [
        ("Doc", "Opening paragraph before any section."),
        ("Alpha", "Alpha paragraph one.\n\n- Alpha bullet."),
        ("Beta", "Beta paragraph."),
        ("Beta Detail", "Detail paragraph."),
    ]


def test_text_before_any_heading_belongs_to_the_document_title() -> None:
    chunks = split(make_document("Just a paragraph.", title="My Title"), 200)

    assert [chunk.section for chunk in chunks] == ["My Title"]


def test_every_chunk_is_the_exact_span_of_the_document_text() -> None:
    document = make_document(SECTIONED)

    for chunk in split(document, max_tokens=200):
        assert chunk.text == document.text[chunk.start : chunk.end]


def test_chunks_carry_the_document_metadata() -> None:
    document = CorpusDocument(
        doc_id="sources/x",
        kind="article",
        title="Doc",
        text=SECTIONED,
        source_path="x.md",
        topic="Topic",
        url="https://example.com/x",
        published=dt.date(2026, 1, 2),
        updated=dt.date(2026, 3, 4),
    )

    chunk = split(document, 200)[0]

    assert (chunk.doc_id, chunk.title, chunk.kind, chunk.topic, chunk.url) == (
        "sources/x",
        "Doc",
        "article",
        "Topic",
        "https://example.com/x",
    )
    assert chunk.version_date == dt.date(2026, 3, 4)
    assert chunk.chunk_id.startswith("sources/x#")


def test_blocks_are_paragraphs_and_list_items() -> None:
    text = (
        "# T\n\nA paragraph\ncontinued.\n- Item one\n  wrapped.\n* Item two\n"
        "1. Numbered\n2) Also numbered\n\nLast."
    )

    blocks = split_into_blocks(text, "T")

    assert [text[block.start : block.end] for block in blocks] == [
        "A paragraph\ncontinued.",
        "- Item one\n  wrapped.",
        "* Item two",
        "1. Numbered",
        "2) Also numbered",
        "Last.",
    ]


def test_bullets_that_fit_are_never_split() -> None:
    bullets = [f"- {sentence(6, f'b{n}x')} {sentence(6, f'b{n}y')}" for n in range(6)]
    document = make_document("# Doc\n\n" + "\n".join(bullets))

    chunks = split(document, max_tokens=30)

    assert len(chunks) > 1
    pieces = [line for chunk in chunks for line in chunk.text.split("\n")]
    assert pieces == bullets
    assert_fits(chunks, 30)


def test_long_bullet_is_cut_only_between_sentences() -> None:
    long_bullet = "- " + " ".join(sentence(9, f"s{n}w") for n in range(6))
    document = make_document("# Doc\n\n" + long_bullet)
    sentence_ends = {end for _, end in sentence_spans(document.text)}

    chunks = split(document, max_tokens=30)

    assert len(chunks) > 1
    assert all(chunk.end in sentence_ends for chunk in chunks)
    assert " ".join(chunk.text for chunk in chunks) == long_bullet
    assert_fits(chunks, 30)


def test_single_huge_sentence_is_cut_into_word_windows_within_budget() -> None:
    huge = sentence(100)
    document = make_document("# Doc\n\n" + huge + "\n\n## Next\n\nAfter it.")

    chunks = split(document, max_tokens=30)

    huge_chunks = [chunk for chunk in chunks if chunk.section == "Doc"]
    assert len(huge_chunks) == 4
    assert " ".join(chunk.text for chunk in huge_chunks) == huge
    assert_fits(chunks, 30)


def test_long_paragraph_packs_whole_sentences_up_to_the_budget() -> None:
    paragraph = " ".join(sentence(5, f"p{n}w") for n in range(10))
    document = make_document("# Doc\n\n" + paragraph)

    chunks = split(document, max_tokens=30)

    # Budget 30 - 4 prefix words = 26; each sentence uses 5 words plus 1 joiner.
    assert [count_words(chunk.text) for chunk in chunks] == [20, 20, 10]


@pytest.mark.parametrize("max_tokens", [48, 80, 200, 400])
def test_committed_corpus_chunks_are_exact_and_within_budget(
    committed: CorpusDocument, max_tokens: int
) -> None:
    chunks = split(committed, max_tokens)

    assert chunks
    for chunk in chunks:
        assert chunk.text == committed.text[chunk.start : chunk.end]
        assert not chunk.text.startswith("#")
    assert_fits(chunks, max_tokens)


def test_committed_corpus_chunks_cover_every_sentence(
    committed: CorpusDocument,
) -> None:
    chunks = split(committed, 80)
    headings = {
        line[3:] for line in committed.text.splitlines() if line.startswith("## ")
    }

    covered = [(chunk.start, chunk.end) for chunk in chunks]
    for block in split_into_blocks(committed.text, committed.title):
        for start, end in sentence_spans(committed.text, block.start, block.end):
            assert any(a <= start and end <= b for a, b in covered)
    assert {chunk.section for chunk in chunks} == headings | {committed.title}


def test_chunk_ids_are_stable_across_runs(committed: CorpusDocument) -> None:
    first = [chunk.chunk_id for chunk in split(committed, 80)]
    second = [chunk.chunk_id for chunk in split(committed, 80)]

    assert first == second
    assert len(set(first)) == len(first)


def test_repeated_passages_get_unique_ids() -> None:
    text = "# Doc\n\n## Note\n\nSame words.\n\n## Other\n\nX.\n\n## Note\n\nSame words."
    chunks = split(make_document(text), 200)

    repeated = [chunk for chunk in chunks if chunk.text == "Same words."]

    assert len(repeated) == 2
    assert repeated[1].chunk_id == repeated[0].chunk_id + "-2"
    assert len({chunk.chunk_id for chunk in chunks}) == len(chunks)


def test_same_text_in_different_sections_gets_different_ids() -> None:
    text = "# Doc\n\n## One\n\nSame words.\n\n## Two\n\nSame words."

    first, second = split(make_document(text), 200)

    assert first.chunk_id != second.chunk_id
    assert "-" not in second.chunk_id.split("#", 1)[1]


def test_changing_one_section_changes_only_its_chunk_ids() -> None:
    before = make_document(SECTIONED)
    after = replace(
        before, text=SECTIONED.replace("Beta paragraph.", "Beta paragraph, revised.")
    )

    ids_before = {c.section: c.chunk_id for c in split(before, 200)}
    ids_after = {c.section: c.chunk_id for c in split(after, 200)}

    changed = {
        section for section in ids_before if ids_before[section] != ids_after[section]
    }
    assert changed == {"Beta"}


def test_editing_text_above_a_section_keeps_its_ids_though_offsets_move() -> None:
    before = make_document(SECTIONED)
    after = replace(
        before, text=SECTIONED.replace("Opening paragraph", "A much longer opening")
    )

    last_before, last_after = split(before, 200)[-1], split(after, 200)[-1]

    assert last_before.chunk_id == last_after.chunk_id
    assert last_before.start != last_after.start


def test_chunk_never_spans_a_heading_when_section_names_repeat() -> None:
    text = (
        "# Report\n\n## Part One\n\n### Details\n\nFirst part details.\n\n"
        "## Part Two\n\n### Details\n\nSecond part details."
    )

    chunks = split(make_document(text, title="Report"), 200)

    assert [chunk.text for chunk in chunks] == [
        "First part details.",
        "Second part details.",
    ]


def test_chunk_spanning_repeated_section_names_stays_within_budget() -> None:
    first, second = sentence(10, "a"), sentence(11, "b")
    text = (
        f"# Doc\n\n## Risks and Open Questions\n\n{first}\n\n"
        f"## Risks and Open Questions\n\n{second}"
    )

    chunks = split(make_document(text), max_tokens=30)

    assert_fits(chunks, 30)
