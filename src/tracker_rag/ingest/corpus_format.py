"""Read and write the corpus file format: front matter, then a Markdown body.

A corpus file looks like this (see `corpus/README.md` for the full description):

    ---
    id: frontier-labs-deals-and-ai-geopolitics
    kind: article
    title: The New Frontlines of AI
    updated: 2026-03-16
    cites: source-one, source-two
    ---
    # The New Frontlines of AI

    Opening paragraph.

    ## A section

    - A bullet point.

Each front matter line is `key: value`; the value is everything after the first
colon, so titles need no quoting. A list is comma separated on one line, or given
as `- item` lines under an empty `key:` line.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from tracker_rag.dates import parse_date
from tracker_rag.domain import DOCUMENT_KINDS, CorpusDocument
from tracker_rag.errors import InvalidDateError, MetadataError

FENCE = "---"
REQUIRED_KEYS = ("id", "kind")
LIST_KEYS = ("cites",)
KNOWN_KEYS = (
    "id",
    "kind",
    "tracker",
    "topic",
    "title",
    "published",
    "updated",
    "url",
    "cites",
)
# No date is written in more characters; a longer value is not quoted whole.
_MAX_DATE_CHARS = 40
_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$")
_KEY_LINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*:(.*)$")
_LIST_ITEM = re.compile(r"^\s+-\s+(.+)$|^-\s+(.+)$")


def _quoted(text: str, limit: int = 80) -> str:
    """The text quoted for an error message, cut so that a huge line stays short."""
    return repr(text if len(text) <= limit else text[:limit] + "…")


def has_front_matter(text: str) -> bool:
    """Tell whether a text opens with a front matter fence."""
    return text.startswith(FENCE + "\n") or text.startswith(FENCE + "\r\n")


def split_front_matter(text: str, path: Path) -> tuple[list[str], str]:
    """Split a corpus file into its front matter lines and its body."""
    lines = text.splitlines(keepends=True)
    for number, line in enumerate(lines[1:], start=1):
        if line.rstrip("\r\n") == FENCE:
            header = [raw.rstrip("\r\n") for raw in lines[1:number]]
            body = "".join(lines[number + 1 :])
            return header, body
    raise MetadataError(path, "front matter opened with '---' is never closed")


def parse_front_matter(lines: list[str], path: Path) -> dict[str, str | list[str]]:
    """Parse `key: value` lines into a dict, rejecting unknown or repeated keys."""
    fields: dict[str, str | list[str]] = {}
    open_list: str | None = None
    for number, line in enumerate(lines, start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        item = _LIST_ITEM.match(line)
        if item and open_list is not None:
            value = fields[open_list]
            assert isinstance(value, list)
            value.append((item.group(1) or item.group(2)).strip())
            continue
        match = _KEY_LINE.match(line)
        if not match:
            raise MetadataError(
                path, f"line {number}: expected 'key: value', got {_quoted(line)}"
            )
        key, value_text = match.group(1).lower(), match.group(2).strip()
        if key not in KNOWN_KEYS:
            known = ", ".join(KNOWN_KEYS)
            raise MetadataError(
                path, f"line {number}: unknown key {_quoted(key)} (known: {known})"
            )
        if key in fields:
            raise MetadataError(path, f"line {number}: key {key!r} is given twice")
        if key in LIST_KEYS:
            fields[key] = [
                part.strip() for part in value_text.split(",") if part.strip()
            ]
            open_list = key if not value_text else None
        else:
            fields[key] = value_text
            open_list = None
    return fields


def _optional_date(
    fields: dict[str, str | list[str]], key: str, path: Path
) -> dt.date | None:
    value = fields.get(key)
    if not value:
        return None
    if len(str(value)) > _MAX_DATE_CHARS:
        raise MetadataError(path, f"{key!r} {_quoted(str(value))} is not a date")
    try:
        return parse_date(str(value), what=f"{key!r}")
    except InvalidDateError as exc:
        raise MetadataError(path, str(exc)) from exc


def first_heading(body: str) -> str | None:
    """Return the text of the first Markdown heading in a body, if any."""
    for line in body.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            return stripped.lstrip("#").strip() or None
    return None


def parse_corpus_file(text: str, path: Path, source_path: str) -> CorpusDocument:
    """Build a document from the text of a corpus file with front matter.

    Raises:
        MetadataError: The front matter is missing a key, has an unknown key,
            a bad id, kind or date, or the body is empty.
    """
    header, body = split_front_matter(text, path)
    fields = parse_front_matter(header, path)
    for key in REQUIRED_KEYS:
        if not fields.get(key):
            raise MetadataError(path, f"front matter lacks the required key {key!r}")

    doc_id = str(fields["id"])
    if not _ID_PATTERN.match(doc_id) or ".." in doc_id:
        raise MetadataError(
            path,
            f"id {_quoted(doc_id)} must start with a letter or digit and use only "
            "letters, digits, '.', '_', '-' and '/'",
        )
    kind = str(fields["kind"]).lower()
    if kind not in DOCUMENT_KINDS:
        raise MetadataError(
            path, f"kind {_quoted(kind)} must be one of {', '.join(DOCUMENT_KINDS)}"
        )

    body = body.strip()
    if not body:
        raise MetadataError(path, "the body after the front matter is empty")
    title = str(fields.get("title") or "") or first_heading(body)
    if not title:
        raise MetadataError(path, "no title: give 'title:' or start the body with '# '")

    cites = fields.get("cites") or []
    return CorpusDocument(
        doc_id=doc_id,
        kind=kind,
        title=title,
        text=body,
        source_path=source_path,
        tracker=str(fields.get("tracker") or "") or None,
        topic=str(fields.get("topic") or "") or None,
        published=_optional_date(fields, "published", path),
        updated=_optional_date(fields, "updated", path),
        url=str(fields.get("url") or "") or None,
        cites=tuple(cites if isinstance(cites, list) else [cites]),
    )


def render_corpus_file(document: CorpusDocument) -> str:
    """Write a document in the corpus format; `parse_corpus_file` reads it back."""
    lines = [FENCE, f"id: {document.doc_id}", f"kind: {document.kind}"]
    optional = {
        "tracker": document.tracker,
        "topic": document.topic,
        "title": document.title,
        "published": document.published.isoformat() if document.published else "",
        "updated": document.updated.isoformat() if document.updated else "",
        "url": document.url,
        "cites": ", ".join(document.cites),
    }
    lines += [f"{key}: {value or ''}".rstrip() for key, value in optional.items()]
    lines.append(FENCE)
    return "\n".join(lines) + "\n" + document.text.strip() + "\n"
