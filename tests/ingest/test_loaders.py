"""Loading corpus files of every supported type, and reporting the ones that fail."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from tracker_rag.domain import CorpusDocument
from tracker_rag.errors import UnreadableFileError
from tracker_rag.ingest.html_text import html_to_document_parts
from tracker_rag.ingest.loaders import (
    LoadFailure,
    id_from_relative_name,
    load_corpus,
    load_document,
)

LIMIT = 1_000_000
# 2024-05-06 12:00 UTC, a modification time far from today.
MTIME = dt.datetime(2024, 5, 6, 12, tzinfo=dt.UTC).timestamp()

PLAIN_MARKDOWN = """\
# Amazon sellers sound off on the FTC's antitrust case

Source: Example News | Business
Published: 2023-10-06 21:31:00.000000000Z
Author: unknown
Category: business
URL: https://example.com/2023/10/06/amazon-sellers.html

It was late in the day when the email arrived.
"""

PAGE = """\
<!doctype html>
<html>
<head>
  <title>Chip Deal Signed</title>
  <meta property="article:published_time" content="2025-04-01T10:00:00Z">
  <meta name="dateModified" content="2025-04-03">
  <link rel="canonical" href="https://example.com/chip-deal">
  <script>var tracking = "should never be read";</script>
  <style>p { color: red; }</style>
</head>
<body>
  <nav><a href="/">Home</a></nav>
  <h1>Chip deal signed</h1>
  <p>Nvidia and   a partner
     signed the deal.</p>
  <ul><li>First point.</li><li>Second point.</li></ul>
  <p>After the list.</p>
  <footer>Copyright notice</footer>
</body>
</html>
"""


def write(path: Path, content: str | bytes, mtime: float = MTIME) -> Path:
    """Write a file, creating its folder, with a known modification time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    os.utime(path, (mtime, mtime))
    return path


def write_pdf(path: Path, lines: list[str], metadata: dict[str, str]) -> Path:
    """Write a one-page PDF whose text layer holds the given lines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = PdfWriter()
    page = writer.add_blank_page(width=612, height=792)
    if lines:
        font = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
        shown = " 0 -20 Td ".join(f"({line}) Tj" for line in lines)
        content = DecodedStreamObject()
        content.set_data(f"BT /F1 12 Tf 72 720 Td {shown} ET".encode("latin-1"))
        page.replace_contents(content)
    if metadata:
        writer.add_metadata(metadata)
    with path.open("wb") as handle:
        writer.write(handle)
    os.utime(path, (MTIME, MTIME))
    return path


def load_one(root: Path, name: str, max_bytes: int = LIMIT) -> CorpusDocument:
    return load_document(root / name, root, max_bytes)


def test_plain_markdown_header_lines_give_title_dates_and_url(tmp_path: Path) -> None:
    write(tmp_path / "news" / "amazon.md", PLAIN_MARKDOWN)

    document = load_one(tmp_path, "news/amazon.md")

    assert document.doc_id == "news/amazon"
    assert document.kind == "source"
    assert document.title == "Amazon sellers sound off on the FTC's antitrust case"
    assert document.published == dt.date(2023, 10, 6)
    assert document.updated is None
    assert document.url == "https://example.com/2023/10/06/amazon-sellers.html"
    assert document.text == PLAIN_MARKDOWN.strip()
    assert document.source_path == "news/amazon.md"


def test_header_lines_after_the_first_paragraph_are_not_metadata(
    tmp_path: Path,
) -> None:
    write(tmp_path / "a.md", "# Title\n\nSome text.\n\nPublished: 2020-01-01\n")

    document = load_one(tmp_path, "a.md")

    assert document.published is None
    assert document.updated == dt.date(2024, 5, 6)


def test_plain_text_without_dates_falls_back_to_the_modification_time(
    tmp_path: Path,
) -> None:
    write(tmp_path / "notes.txt", "\n\nA title line\nAnd a body that names no date.\n")

    document = load_one(tmp_path, "notes.txt")

    assert document.title == "A title line"
    assert document.published is None
    assert document.updated == dt.date(2024, 5, 6)
    assert document.version_date == dt.date(2024, 5, 6)


def test_unreadable_header_date_falls_back_to_the_modification_time(
    tmp_path: Path,
) -> None:
    write(tmp_path / "a.md", "# Title\nPublished: sometime last spring\n\nBody.\n")

    assert load_one(tmp_path, "a.md").updated == dt.date(2024, 5, 6)


def test_file_with_front_matter_follows_the_corpus_format(tmp_path: Path) -> None:
    write(
        tmp_path / "articles" / "x.md",
        "---\nid: custom-id\nkind: source\ntitle: Given\n---\n# Heading\n\nBody.\n",
    )

    document = load_one(tmp_path, "articles/x.md")

    assert (document.doc_id, document.kind, document.title) == (
        "custom-id",
        "source",
        "Given",
    )
    assert document.source_path == "articles/x.md"
    assert document.updated is None


def test_byte_order_mark_and_windows_line_endings_are_removed(tmp_path: Path) -> None:
    write(tmp_path / "a.md", "\ufeff# Title\r\n\r\nBody line.\r\n".encode())

    document = load_one(tmp_path, "a.md")

    assert document.title == "Title"
    assert document.text == "# Title\n\nBody line."


def test_html_page_gives_title_dates_url_and_structured_text(tmp_path: Path) -> None:
    write(tmp_path / "pages" / "chip.html", PAGE)

    document = load_one(tmp_path, "pages/chip.html")

    assert document.doc_id == "pages/chip"
    assert document.title == "Chip Deal Signed"
    assert document.published == dt.date(2025, 4, 1)
    assert document.updated == dt.date(2025, 4, 3)
    assert document.url == "https://example.com/chip-deal"
    assert document.text == (
        "# Chip deal signed\n"
        "\n"
        "Nvidia and a partner signed the deal.\n"
        "\n"
        "- First point.\n"
        "- Second point.\n"
        "\n"
        "After the list."
    )


def test_html_scripts_styles_navigation_and_footer_are_dropped() -> None:
    parts = html_to_document_parts(PAGE)

    for dropped in ("tracking", "color", "Home", "Copyright"):
        assert dropped not in parts.text


def test_html_without_block_tags_keeps_its_body_text() -> None:
    parts = html_to_document_parts(
        "<html><body><div>Loose <span>text</span> here</div></body></html>"
    )

    assert parts.text == "Loose text here"
    assert parts.title is None
    assert parts.published is None


def test_html_inline_markup_adds_no_space_before_punctuation() -> None:
    parts = html_to_document_parts(
        "<p>Read the <a href='/r'>report</a>, then <b>Open</b>AI’s reply.</p>"
    )

    assert parts.text == "Read the report, then OpenAI’s reply."


def test_html_block_inside_a_list_item_is_read_once() -> None:
    parts = html_to_document_parts("<ul><li><p>Nested paragraph.</p></li></ul>")

    assert parts.text == "- Nested paragraph."


def test_html_time_tag_gives_the_date_when_no_meta_does(tmp_path: Path) -> None:
    write(
        tmp_path / "t.htm",
        '<h1>Heading</h1><p>Posted <time datetime="2025-06-07">June 7</time>.</p>',
    )

    document = load_one(tmp_path, "t.htm")

    assert document.title == "Heading"
    assert document.published == dt.date(2025, 6, 7)
    assert document.updated is None


def test_html_without_readable_text_is_unreadable(tmp_path: Path) -> None:
    write(tmp_path / "empty.html", "<html><script>only();</script></html>")

    with pytest.raises(UnreadableFileError, match="holds no readable text"):
        load_one(tmp_path, "empty.html")


def test_pdf_text_layer_and_metadata_are_read(tmp_path: Path) -> None:
    write_pdf(
        tmp_path / "articles" / "report.pdf",
        ["Quarterly Report", "Revenue grew by ten percent."],
        {
            "/Title": "Q1 Report",
            "/CreationDate": "D:20250102120000Z",
            "/ModDate": "D:20250210090000Z",
        },
    )

    document = load_one(tmp_path, "articles/report.pdf")

    assert document.doc_id == "articles/report"
    assert document.kind == "article"
    assert document.title == "Q1 Report"
    assert "Quarterly Report" in document.text
    assert "Revenue grew by ten percent." in document.text
    assert document.published == dt.date(2025, 1, 2)
    assert document.updated == dt.date(2025, 2, 10)


def test_pdf_without_metadata_takes_its_first_line_and_the_file_date(
    tmp_path: Path,
) -> None:
    write_pdf(tmp_path / "plain.pdf", ["First line of the page", "More text."], {})

    document = load_one(tmp_path, "plain.pdf")

    assert document.title == "First line of the page"
    assert document.published is None
    assert document.updated == dt.date(2024, 5, 6)


def test_pdf_without_text_is_unreadable(tmp_path: Path) -> None:
    write_pdf(tmp_path / "scan.pdf", [], {})

    with pytest.raises(UnreadableFileError, match="no text layer"):
        load_one(tmp_path, "scan.pdf")


def test_file_that_is_not_a_pdf_is_unreadable(tmp_path: Path) -> None:
    write(tmp_path / "fake.pdf", b"%PDF-1.4 and then nothing a reader can use")

    with pytest.raises(UnreadableFileError, match="not a readable PDF"):
        load_one(tmp_path, "fake.pdf")


@pytest.fixture
def mixed_corpus(tmp_path: Path) -> Path:
    """A corpus folder where good files sit beside every kind of bad one."""
    root = tmp_path / "corpus"
    write(root / "articles" / "tracker.md", "# Tracker article\n\nBody.\n")
    write(root / "sources" / "news.md", PLAIN_MARKDOWN)
    write(root / "sources" / "page.html", PAGE)
    write(root / "sources" / "binary.txt", b"PK\x03\x04\x00\x00binary")
    write(root / "sources" / "latin1.md", "Café au lait\n".encode("latin-1"))
    write(root / "sources" / "empty.txt", " \n\t\n")
    write(root / "sources" / "huge.txt", b"word " * 300_000)
    write(root / "sources" / "bad-front-matter.md", "---\nid: x\nkind: blog\n---\nB\n")
    write(root / "sources" / "news.txt", "News\n\nSame id as news.md.\n")
    write(root / "README.md", "# How this folder works\n")
    write(root / "notes.json", "{}")
    write(root / ".hidden.md", "# Hidden\n")

    outside = write(tmp_path / "outside" / "secret.md", "# Secret\n\nNot corpus.\n")
    (root / "sources" / "link.md").symlink_to(outside)
    return root


def test_load_corpus_loads_good_files_and_reports_each_bad_one(
    mixed_corpus: Path,
) -> None:
    documents, failures = load_corpus(mixed_corpus, LIMIT)

    assert [document.doc_id for document in documents] == [
        "articles/tracker",
        "sources/news",
        "sources/page",
    ]
    reasons = {failure.path: failure.reason for failure in failures}
    assert sorted(reasons) == [
        "sources/bad-front-matter.md",
        "sources/binary.txt",
        "sources/empty.txt",
        "sources/huge.txt",
        "sources/latin1.md",
        "sources/link.md",
        "sources/news.txt",
    ]
    assert "binary" in reasons["sources/binary.txt"]
    assert "not valid UTF-8 (bad byte at offset 3)" in reasons["sources/latin1.md"]
    assert reasons["sources/empty.txt"] == "empty file"
    assert reasons["sources/huge.txt"] == (
        "1,500,000 bytes is over the limit of 1,000,000 bytes"
    )
    assert reasons["sources/link.md"] == "it links outside the corpus folder"
    assert "kind 'blog'" in reasons["sources/bad-front-matter.md"]
    assert reasons["sources/news.txt"] == (
        "id 'sources/news' is already used by sources/news.md"
    )


def test_load_corpus_logs_one_warning_per_skipped_file(
    mixed_corpus: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("WARNING", logger="tracker_rag.ingest.loaders"):
        _, failures = load_corpus(mixed_corpus, LIMIT)

    assert len(caplog.records) == len(failures)
    assert all("skipped sources/" in record.getMessage() for record in caplog.records)


def test_kind_comes_from_the_top_folder(mixed_corpus: Path) -> None:
    documents, _ = load_corpus(mixed_corpus, LIMIT)

    kinds = {document.doc_id: document.kind for document in documents}
    assert kinds == {
        "articles/tracker": "article",
        "sources/news": "source",
        "sources/page": "source",
    }


def test_nested_articles_folder_does_not_make_an_article(tmp_path: Path) -> None:
    write(tmp_path / "sources" / "articles" / "a.md", "# A\n")

    document = load_one(tmp_path, "sources/articles/a.md")

    assert document.kind == "source"


def test_symlink_inside_the_corpus_folder_is_loaded(tmp_path: Path) -> None:
    target = write(tmp_path / "real.md", "# Real\n\nText.\n")
    (tmp_path / "alias.md").symlink_to(target)

    documents, failures = load_corpus(tmp_path, LIMIT)

    assert failures == []
    assert [document.doc_id for document in documents] == ["alias", "real"]


def test_files_inside_hidden_folders_are_skipped(tmp_path: Path) -> None:
    write(tmp_path / "notes.md", "# Notes\n\nText.\n")
    write(tmp_path / ".ipynb_checkpoints" / "notes-checkpoint.md", "# Notes\n\nOld.\n")

    documents, failures = load_corpus(tmp_path, LIMIT)

    assert [document.doc_id for document in documents] == ["notes"]
    assert failures == []


def test_empty_corpus_folder_loads_nothing(tmp_path: Path) -> None:
    assert load_corpus(tmp_path, LIMIT) == ([], [])


def test_load_failure_names_the_file_relative_to_the_corpus(tmp_path: Path) -> None:
    write(tmp_path / "deep" / "er" / "zero.md", b"\x00")

    _, failures = load_corpus(tmp_path, LIMIT)

    assert failures == [
        LoadFailure("deep/er/zero.md", "binary content (NUL bytes), not text")
    ]


@pytest.mark.parametrize(
    ("name", "doc_id"),
    [
        ("sources/Chip Deal (2025).md", "sources/chip-deal-2025"),
        ("articles/frontier-labs.v2.md", "articles/frontier-labs-v2"),
        ("!!!.md", "document"),
    ],
)
def test_document_id_comes_from_the_relative_path(name: str, doc_id: str) -> None:
    assert id_from_relative_name(name) == doc_id
