"""Convert a tracker page exported as plain text into a corpus document.

The export holds, one item a line: the tracker's name, the topic description
(sometimes twice), the topic title, the article title, an opening paragraph,
sections (a title alone on a line, an optional lead paragraph, bullet lines),
then `Sources (N)` and `Updated <date>`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tracker_rag.dates import parse_date
from tracker_rag.domain import CorpusDocument
from tracker_rag.errors import InvalidDateError, MetadataError
from tracker_rag.ingest.corpus_format import render_corpus_file

BULLET_CHARACTERS = "•●▪◦‣-*"
_SOURCES_LINE = re.compile(r"^Sources\s*\((\d+)\)$")
_UPDATED_LINE = re.compile(r"^Updated\s+(.+)$")
_SENTENCE_END = (".", ":", "!", "?", "…", '"', "”")
_MAX_TITLE_WORDS = 20


@dataclass(frozen=True)
class TrackerExport:
    """A parsed export: the article as a corpus document plus what the format drops."""

    document: CorpusDocument
    topic_description: str
    source_count: int | None


def _is_bullet(line: str) -> bool:
    return line[:1] in BULLET_CHARACTERS and line[1:2].isspace()


def _looks_like_section_title(line: str) -> bool:
    return not line.endswith(_SENTENCE_END) and len(line.split()) <= _MAX_TITLE_WORDS


def slug_from_path(path: Path) -> str:
    """Make a document id from a file name: lower case, words joined by '-'."""
    return re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-") or "document"


def parse_tracker_export(text: str, path: Path) -> TrackerExport:
    """Parse the text of a tracker export.

    Raises:
        MetadataError: The text does not have the export's layout.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) < 5:
        raise MetadataError(
            path, "too short for a tracker export (needs name, topic, title)"
        )
    tracker, description = lines[0], lines[1]
    position = 3 if lines[2] == description else 2
    topic, title = lines[position], lines[position + 1]
    remaining = lines[position + 2 :]

    source_count: int | None = None
    updated = None
    body: list[str] = [f"# {title}", ""]
    footer: list[str] = []
    in_list = False
    for line in remaining:
        if match := _SOURCES_LINE.match(line):
            source_count = int(match.group(1))
            footer.append(line)
            continue
        if match := _UPDATED_LINE.match(line):
            try:
                updated = parse_date(match.group(1), what="the 'Updated' line")
            except InvalidDateError as exc:
                raise MetadataError(path, str(exc)) from exc
            footer.append(line)
            continue
        if _is_bullet(line):
            body.append("- " + line[1:].strip())
            in_list = True
            continue
        if in_list:
            body.append("")
            in_list = False
        if _looks_like_section_title(line):
            body += [f"## {line}", ""]
        else:
            body += [line, ""]

    # The page's footer stays in the text too, so that questions about it can cite it.
    if in_list:
        body.append("")
    body += [line for item in footer for line in (item, "")]
    document = CorpusDocument(
        doc_id=slug_from_path(path),
        kind="article",
        title=title,
        text="\n".join(body).strip() + "\n",
        source_path=path.name,
        tracker=tracker,
        topic=topic,
        updated=updated,
    )
    return TrackerExport(document, description, source_count)


def render_export(export: TrackerExport) -> str:
    """Render an export as a corpus file, keeping the dropped facts as comments."""
    rendered = render_corpus_file(export.document)
    notes = [f"# topic description: {export.topic_description}"]
    if export.source_count is not None:
        notes.append(
            f"# the export cites {export.source_count} sources without their ids; "
            "list their ids under 'cites' as they are added to corpus/sources/"
        )
    head, rest = rendered.split("\n", 1)
    return "\n".join([head, *notes, rest])
