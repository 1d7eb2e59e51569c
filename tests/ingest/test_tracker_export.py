"""Converting the tracker's plain-text export into the corpus format."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from tracker_rag.errors import MetadataError
from tracker_rag.ingest.corpus_format import parse_corpus_file
from tracker_rag.ingest.sentences import sentence_spans
from tracker_rag.ingest.tracker_export import (
    TrackerExport,
    parse_tracker_export,
    render_export,
    slug_from_path,
)

REPO = Path(__file__).resolve().parents[2]
EXPORT = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "corpus-source"
    / "frontier-labs-deals-and-ai-geopolitics.txt"
)
COMMITTED = REPO / "corpus" / "articles" / "frontier-labs-deals-and-ai-geopolitics.md"
BULLET_LINE = re.compile(r"^\s*[•●▪◦‣*-]\s+")

needs_export = pytest.mark.skipif(
    not EXPORT.exists(), reason=f"the shared export is not at {EXPORT}"
)

SYNTHETIC = """\
Tracker Name

What the topic covers

What the topic covers

Topic Title

Article Title: With a Colon

An opening paragraph that ends like a sentence.

First Section

A lead paragraph for the first section.

  • A bullet with two sentences. Here is the second.

  * A starred bullet.

Second Section

- A dashed bullet.

Closing words of the article.

Sources (3)
Updated 2026-02-01
"""


@pytest.fixture(scope="module")
def real_export() -> TrackerExport:
    return parse_tracker_export(EXPORT.read_text(encoding="utf-8"), EXPORT)


@needs_export
def test_real_export_yields_tracker_topic_title_and_footer(
    real_export: TrackerExport,
) -> None:
    document = real_export.document

    assert document.doc_id == "frontier-labs-deals-and-ai-geopolitics"
    assert document.kind == "article"
    assert document.tracker == "LLM Insight Tracker"
    assert document.topic == "Frontier Labs, Deals and AI Geopolitics"
    assert document.title == (
        "The New Frontlines of AI: Intensified Competition, Security Challenges, "
        "and Strategic Innovations in 2026"
    )
    assert document.updated == dt.date(2026, 3, 16)
    assert real_export.source_count == 36
    assert real_export.topic_description.startswith("Competition among frontier labs")


@needs_export
def test_real_export_sections_become_level_two_headings(
    real_export: TrackerExport,
) -> None:
    headings = [
        line for line in real_export.document.text.splitlines() if line.startswith("#")
    ]

    assert headings[0] == f"# {real_export.document.title}"
    assert headings[1:] == [
        "## Heightened Competition and Deepening Government Alliances",
        "## Shadows of Covert Models and Provenance Challenges",
        "## Breakthroughs in Model Architectures and Reasoning Capabilities",
        "## Autonomous Agents and the Challenge of Safety",
        "## Market Dynamics, Geopolitics, and Hardware Innovation",
        "## Regulatory and Policy Developments: Toward International Standards",
        "## Open-Source and Decentralized Innovation",
        "## Current Status and Future Outlook",
    ]


@needs_export
def test_real_export_bullets_become_dash_lines(real_export: TrackerExport) -> None:
    export_lines = EXPORT.read_text(encoding="utf-8").splitlines()
    export_bullets = [BULLET_LINE.sub("", line) for line in export_lines if "•" in line]
    document_bullets = [
        line[2:] for line in real_export.document.text.splitlines() if line[:2] == "- "
    ]

    assert len(export_bullets) > 20
    assert document_bullets == export_bullets
    assert "•" not in real_export.document.text


@needs_export
def test_every_sentence_of_the_real_article_is_in_the_document_verbatim(
    real_export: TrackerExport,
) -> None:
    lines = [
        line for line in EXPORT.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    # The tracker's name, the topic's description (given twice) and the topic's
    # title are metadata; everything from the article's title on is body text.
    header, article = lines[:4], lines[4:]
    sentences = []
    for line in article:
        content = BULLET_LINE.sub("", line).strip()
        sentences += [content[start:end] for start, end in sentence_spans(content)]

    missing = [
        sentence for sentence in sentences if sentence not in real_export.document.text
    ]

    assert len(sentences) > 60
    assert missing == []
    assert header == [
        real_export.document.tracker,
        real_export.topic_description,
        real_export.topic_description,
        real_export.document.topic,
    ]


@needs_export
def test_committed_corpus_file_is_the_converted_export(
    real_export: TrackerExport,
) -> None:
    assert COMMITTED.read_text(encoding="utf-8") == render_export(real_export)


@needs_export
def test_rendered_export_reads_back_as_the_same_document(
    real_export: TrackerExport,
) -> None:
    document = real_export.document

    parsed = parse_corpus_file(
        render_export(real_export), COMMITTED, document.source_path
    )

    assert parsed.text == document.text.strip()
    assert (parsed.doc_id, parsed.title, parsed.topic, parsed.updated) == (
        document.doc_id,
        document.title,
        document.topic,
        document.updated,
    )


def test_synthetic_export_layout_becomes_markdown() -> None:
    export = parse_tracker_export(SYNTHETIC, Path("My Topic Export.txt"))

    assert export.document.text == (
        "# Article Title: With a Colon\n"
        "\n"
        "An opening paragraph that ends like a sentence.\n"
        "\n"
        "## First Section\n"
        "\n"
        "A lead paragraph for the first section.\n"
        "\n"
        "- A bullet with two sentences. Here is the second.\n"
        "- A starred bullet.\n"
        "\n"
        "## Second Section\n"
        "\n"
        "- A dashed bullet.\n"
        "\n"
        "Closing words of the article.\n"
        "\n"
        "Sources (3)\n"
        "\n"
        "Updated 2026-02-01\n"
    )
    assert export.document.doc_id == "my-topic-export"
    assert export.document.source_path == "My Topic Export.txt"
    assert (export.document.tracker, export.document.topic) == (
        "Tracker Name",
        "Topic Title",
    )
    assert export.topic_description == "What the topic covers"
    assert export.source_count == 3
    assert export.document.updated == dt.date(2026, 2, 1)


def test_description_given_once_is_read_the_same_way() -> None:
    once = SYNTHETIC.replace("What the topic covers\n\n", "", 1)

    export = parse_tracker_export(once, Path("x.txt"))

    assert export.document.topic == "Topic Title"
    assert export.document.title == "Article Title: With a Colon"


def test_export_without_footer_has_no_count_date_or_sources_note() -> None:
    text = SYNTHETIC.split("Sources (3)")[0]

    export = parse_tracker_export(text, Path("x.txt"))
    rendered = render_export(export)

    assert export.source_count is None
    assert export.document.updated is None
    assert "# topic description: What the topic covers" in rendered
    assert "sources without their ids" not in rendered


def test_rendered_export_keeps_dropped_facts_as_front_matter_comments() -> None:
    rendered = render_export(parse_tracker_export(SYNTHETIC, Path("x.txt")))

    lines = rendered.splitlines()
    assert lines[0] == "---"
    assert lines[1] == "# topic description: What the topic covers"
    assert lines[2].startswith("# the export cites 3 sources")
    assert parse_corpus_file(rendered, Path("x.md"), "x.md").doc_id == "x"


def test_too_short_file_is_rejected() -> None:
    with pytest.raises(MetadataError, match="too short for a tracker export"):
        parse_tracker_export("Tracker\n\nDescription\n\nTopic\n", Path("short.txt"))


def test_unreadable_updated_date_is_rejected() -> None:
    broken = SYNTHETIC.replace("Updated 2026-02-01", "Updated sometime soon")

    with pytest.raises(MetadataError, match="the 'Updated' line"):
        parse_tracker_export(broken, Path("x.txt"))


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Frontier Labs, Deals & AI.txt", "frontier-labs-deals-ai"),
        ("--!!--.txt", "document"),
    ],
)
def test_document_id_is_a_slug_of_the_file_name(name: str, slug: str) -> None:
    assert slug_from_path(Path(name)) == slug
