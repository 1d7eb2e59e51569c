"""The corpus file format: front matter read and written, and every way it breaks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tracker_rag.domain import CorpusDocument
from tracker_rag.errors import MetadataError
from tracker_rag.ingest.corpus_format import (
    has_front_matter,
    parse_corpus_file,
    render_corpus_file,
)

PATH = Path("corpus/sources/example.md")
BODY = "# Heading of the body\n\nA first paragraph.\n\n- A bullet point.\n"


def corpus_file(*header: str, body: str = BODY) -> str:
    """A corpus file with the given front matter lines and body."""
    return "\n".join(["---", *header, "---", body])


def parse(text: str) -> CorpusDocument:
    return parse_corpus_file(text, PATH, "sources/example.md")


def test_rendered_document_parses_back_to_the_same_document() -> None:
    document = CorpusDocument(
        doc_id="sources/chip-deal",
        kind="source",
        title="Chip deal: what was signed, and why",
        text="# Chip deal\n\nNvidia signed it.\n\n## Terms\n\n- $2.81 million paid.",
        source_path="sources/chip-deal.md",
        tracker="LLM Insight Tracker",
        topic="Frontier Labs, Deals and AI Geopolitics",
        published=dt.date(2026, 1, 5),
        updated=dt.date(2026, 3, 16),
        url="https://example.com/news/chip-deal?id=7#terms",
        cites=("source-one", "source-two"),
    )

    parsed = parse_corpus_file(
        render_corpus_file(document), PATH, "sources/chip-deal.md"
    )

    assert parsed == document


def test_rendered_document_without_optional_fields_parses_back() -> None:
    document = CorpusDocument(
        doc_id="bare",
        kind="article",
        title="Bare",
        text="# Bare\n\nOnly a body.",
        source_path="bare.md",
    )

    rendered = render_corpus_file(document)

    assert has_front_matter(rendered)
    assert parse_corpus_file(rendered, PATH, "bare.md") == document


def test_title_keeps_everything_after_the_first_colon() -> None:
    document = parse(
        corpus_file("id: a", "kind: article", "title: AI: The Race: Part 2")
    )

    assert document.title == "AI: The Race: Part 2"


def test_url_value_keeps_its_own_colons() -> None:
    document = parse(
        corpus_file("id: a", "kind: source", "url: https://example.com:8080/a")
    )

    assert document.url == "https://example.com:8080/a"


def test_title_falls_back_to_the_first_heading_of_the_body() -> None:
    document = parse(corpus_file("id: a", "kind: source"))

    assert document.title == "Heading of the body"


def test_cites_may_be_comma_separated_on_one_line() -> None:
    document = parse(corpus_file("id: a", "kind: article", "cites: one, two ,three"))

    assert document.cites == ("one", "two", "three")


def test_cites_may_be_given_as_item_lines_under_an_empty_key() -> None:
    document = parse(
        corpus_file(
            "id: a",
            "kind: article",
            "cites:",
            "  - one",
            "- two",
            "title: After the list",
        )
    )

    assert document.cites == ("one", "two")
    assert document.title == "After the list"


def test_comment_and_blank_lines_in_front_matter_are_ignored() -> None:
    document = parse(
        corpus_file(
            "# a note for editors: id: not-this",
            "id: a",
            "",
            "   # an indented note",
            "kind: source",
        )
    )

    assert document.doc_id == "a"
    assert document.kind == "source"


def test_body_is_stripped_and_a_later_fence_stays_in_the_body() -> None:
    document = parse(
        corpus_file(
            "id: a", "kind: source", "title: T", body="\n\nText.\n---\nMore.\n\n"
        )
    )

    assert document.text == "Text.\n---\nMore."


def test_windows_line_endings_are_accepted() -> None:
    text = corpus_file("id: a", "kind: source", "title: T").replace("\n", "\r\n")

    document = parse(text)

    assert (document.doc_id, document.title) == ("a", "T")


def test_dates_are_parsed_and_an_empty_date_is_none() -> None:
    document = parse(
        corpus_file("id: a", "kind: source", "published: Mar 16, 2026", "updated:")
    )

    assert document.published == dt.date(2026, 3, 16)
    assert document.updated is None
    assert document.version_date == dt.date(2026, 3, 16)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("---\nid: a\n", True),
        ("---\r\nid: a\r\n", True),
        ("# Title\n---\n", False),
        ("----\nid: a\n", False),
    ],
)
def test_front_matter_is_recognised_only_by_an_opening_fence(
    text: str, expected: bool
) -> None:
    assert has_front_matter(text) is expected


def test_unclosed_fence_is_rejected() -> None:
    with pytest.raises(MetadataError, match="never closed"):
        parse("---\nid: a\nkind: source\n# Title\n\nBody.\n")


def test_unknown_key_is_rejected_with_its_line_number() -> None:
    with pytest.raises(MetadataError, match=r"line 3: unknown key 'author'") as error:
        parse(corpus_file("id: a", "author: Someone", "kind: source"))

    assert error.value.path == PATH
    assert "known: id, kind" in error.value.reason


def test_repeated_key_is_rejected_with_its_line_number() -> None:
    with pytest.raises(MetadataError, match=r"line 4: key 'title' is given twice"):
        parse(corpus_file("id: a", "title: One", "title: Two", "kind: source"))


def test_line_that_is_not_key_value_is_rejected() -> None:
    with pytest.raises(MetadataError, match=r"line 3: expected 'key: value'"):
        parse(corpus_file("id: a", "just some words", "kind: source"))


def test_item_line_without_an_open_list_is_rejected() -> None:
    with pytest.raises(MetadataError, match=r"line 3: expected 'key: value'"):
        parse(corpus_file("id: a", "- stray", "kind: source"))


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        (("kind: source",), "id"),
        (("id: a",), "kind"),
        (("id:", "kind: source"), "id"),
    ],
)
def test_missing_required_key_is_named(header: tuple[str, ...], missing: str) -> None:
    with pytest.raises(MetadataError, match=f"lacks the required key '{missing}'"):
        parse(corpus_file(*header))


def test_unknown_kind_is_rejected_naming_the_allowed_kinds() -> None:
    with pytest.raises(
        MetadataError, match=r"kind 'blog' must be one of article, source"
    ):
        parse(corpus_file("id: a", "kind: blog"))


def test_kind_is_read_case_insensitively() -> None:
    assert parse(corpus_file("id: a", "kind: Article")).kind == "article"


@pytest.mark.parametrize(
    "bad_id", ["../x", "a/../b", "/etc/passwd", ".hidden", "has space", "a" * 201]
)
def test_unsafe_id_is_rejected(bad_id: str) -> None:
    with pytest.raises(MetadataError, match="must start with a letter or digit"):
        parse(corpus_file(f"id: {bad_id}", "kind: source"))


@pytest.mark.parametrize("good_id", ["a", "sources/2026/chip-deal_v2.1", "A" * 200])
def test_safe_id_is_accepted(good_id: str) -> None:
    assert parse(corpus_file(f"id: {good_id}", "kind: source")).doc_id == good_id


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("published: 2026-02-30", "'published' '2026-02-30' is not a real date"),
        ("updated: last spring", "'updated' 'last spring' is not a date"),
    ],
)
def test_bad_date_is_rejected_naming_the_key(line: str, problem: str) -> None:
    with pytest.raises(MetadataError) as error:
        parse(corpus_file("id: a", "kind: source", line))

    assert problem in error.value.reason


def test_empty_body_is_rejected() -> None:
    with pytest.raises(MetadataError, match="body after the front matter is empty"):
        parse(corpus_file("id: a", "kind: source", "title: T", body="\n  \n"))


def test_body_without_a_title_or_heading_is_rejected() -> None:
    with pytest.raises(MetadataError, match="no title"):
        parse(corpus_file("id: a", "kind: source", body="Plain text, no heading.\n"))
