"""Load corpus files of every supported type into documents.

Files with front matter follow the corpus format. Plain `.md`, `.txt`, `.html`
and `.pdf` files are accepted too: their title and dates come from the file
itself (a heading, `Published:` lines, HTML meta tags, PDF metadata), and from
the file's modification time when nothing else says.

Nothing outside the corpus folder is read: a link that leads out of it, or to
a folder, is refused with a reason, as is a file over the size limit, which is
refused before a byte of it is read.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import re
import stat
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tracker_rag.dates import parse_date
from tracker_rag.domain import CorpusDocument, DocumentKind
from tracker_rag.errors import DocumentError, InvalidDateError, UnreadableFileError
from tracker_rag.ingest.corpus_format import has_front_matter, parse_corpus_file
from tracker_rag.ingest.html_text import MAX_TAGS, count_tags, html_to_document_parts

logger = logging.getLogger(__name__)

TEXT_SUFFIXES = (".md", ".markdown", ".txt")
SUPPORTED_SUFFIXES = (*TEXT_SUFFIXES, ".html", ".htm", ".pdf")
IGNORED_NAMES = ("README.md",)
# Opened without following a last link (checked before) or waiting on a pipe.
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
)
_SNIFF_CHARS = 8192
_HEADER_LINE = re.compile(
    r"^(source|published|updated|date|author|category|url|topic)\s*:\s*(.+)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class LoadFailure:
    """A file that could not be loaded, and why."""

    path: str
    reason: str


def iter_corpus_files(root: Path) -> Iterator[Path]:
    """Yield the files under a folder that loading should try, in a stable order.

    Links to folders are not followed, but they are yielded, as are links and
    special files with a supported suffix, so that `load_document` reports why
    each is refused instead of skipping it without a word.
    """
    for path in sorted(root.rglob("*")):
        hidden = any(part.startswith(".") for part in path.relative_to(root).parts)
        if hidden or path.name in IGNORED_NAMES:
            continue
        links_to_folder = path.is_symlink() and path.is_dir()
        supported = path.suffix.lower() in SUPPORTED_SUFFIXES and not path.is_dir()
        if links_to_folder or supported:
            yield path


def printable_name(name: str) -> str:
    """The name with unprintable characters escaped, safe to log and show."""
    return "".join(
        character
        if character.isprintable()
        else character.encode("unicode_escape", "backslashreplace").decode("ascii")
        for character in name
    )


def relative_name(path: Path, root: Path) -> str:
    """The file's path below the corpus root, with '/' separators.

    Raises:
        UnreadableFileError: The path is not below the root, climbs out of it
            with '..', or its name is not valid UTF-8 or holds control
            characters.
    """
    try:
        relative = path.absolute().relative_to(root.absolute())
    except ValueError as exc:
        raise UnreadableFileError(
            path, "the path is not inside the corpus folder"
        ) from exc
    if ".." in relative.parts:
        raise UnreadableFileError(path, "the path leaves the corpus folder with '..'")
    name = relative.as_posix()
    categories = {unicodedata.category(character) for character in name}
    if "Cs" in categories:
        raise UnreadableFileError(
            printable_name(name), "the file name is not valid UTF-8"
        )
    if "Cc" in categories:
        raise UnreadableFileError(
            printable_name(name), "the file name holds control characters"
        )
    return name


def id_from_relative_name(name: str) -> str:
    """Make a stable document id from a file's path in the corpus."""
    stem = name.rsplit(".", 1)[0].lower()
    return re.sub(r"[^a-z0-9/]+", "-", stem).strip("-/") or "document"


def kind_from_relative_name(name: str) -> DocumentKind:
    """Files under an `articles/` folder are articles; all others are sources."""
    return "article" if name.split("/", 1)[0] == "articles" else "source"


def decode_text(data: bytes, path: Path) -> str:
    """Decode file bytes as UTF-8 text, refusing binary data.

    Raises:
        UnreadableFileError: The bytes are UTF-16, hold NUL or many other
            control characters, are not UTF-8, or hold nothing but white space.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableFileError(path, "UTF-16 text; save the file as UTF-8")
    if b"\x00" in data[:_SNIFF_CHARS]:
        raise UnreadableFileError(path, "binary content (NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(
            path, f"not valid UTF-8 (bad byte at offset {exc.start})"
        ) from exc
    if not text.strip():
        raise UnreadableFileError(path, "empty file")
    sample = text[:_SNIFF_CHARS]
    controls = sum(
        1 for c in sample if unicodedata.category(c) == "Cc" and not c.isspace()
    )
    if controls * 10 > len(sample):
        raise UnreadableFileError(path, "binary content (control characters), not text")
    return text.replace("\r\n", "\n")


def read_file_bytes(path: Path, max_bytes: int, shown_as: Path | None = None) -> bytes:
    """Read a regular file, never more than `max_bytes + 1` bytes of it.

    The size is checked on the open file before anything is read, so a file
    over the limit costs no memory; one that grows while read is refused too.
    A last path step that is a link is not followed.

    Args:
        path: The file to read.
        max_bytes: The size over which the file is refused.
        shown_as: The path that errors name, if not `path` (e.g. the link).

    Raises:
        UnreadableFileError: The file cannot be opened, is not a regular file
            (a folder, pipe or device) or is over the limit.
    """
    shown = shown_as or path
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise UnreadableFileError(shown, f"cannot be read ({exc.strerror})") from exc
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableFileError(shown, "not a regular file")
        if info.st_size > max_bytes:
            raise UnreadableFileError(
                shown,
                f"{info.st_size:,} bytes is over the limit of {max_bytes:,} bytes",
            )
        try:
            data = handle.read(max_bytes + 1)
        except OSError as exc:
            raise UnreadableFileError(
                shown, f"cannot be read ({exc.strerror})"
            ) from exc
    if len(data) > max_bytes:
        raise UnreadableFileError(
            shown, f"grew over the limit of {max_bytes:,} bytes while being read"
        )
    return data


def _modified_date(path: Path) -> dt.date:
    return dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC).date()


def _dates_or_mtime(
    published: dt.date | None, updated: dt.date | None, path: Path
) -> tuple[dt.date | None, dt.date | None]:
    """Fall back to the file's modification time when the file names no date."""
    if published is None and updated is None:
        return None, _modified_date(path)
    return published, updated


def _lenient_date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return parse_date(value)
    except InvalidDateError:
        return None


def load_plain_text(text: str, path: Path, name: str) -> CorpusDocument:
    """Build a document from a Markdown or text file without front matter.

    The first non-empty line is the title; `Key: value` lines right under it
    (Source, Published, Updated, URL, ...) are read as metadata.
    """
    lines = text.split("\n")
    title_index = next(index for index, line in enumerate(lines) if line.strip())
    title = lines[title_index].strip().lstrip("#").strip()
    header: dict[str, str] = {}
    for line in lines[title_index + 1 :]:
        if not line.strip():
            if header:
                break
            continue
        match = _HEADER_LINE.match(line.strip())
        if not match:
            break
        header[match.group(1).lower()] = match.group(2).strip()

    published, updated = _dates_or_mtime(
        _lenient_date(header.get("published") or header.get("date")),
        _lenient_date(header.get("updated")),
        path,
    )
    return CorpusDocument(
        doc_id=id_from_relative_name(name),
        kind=kind_from_relative_name(name),
        title=title[:300],
        text=text.strip(),
        source_path=name,
        topic=header.get("topic"),
        published=published,
        updated=updated,
        url=header.get("url"),
    )


def load_html(data: bytes, path: Path, name: str) -> CorpusDocument:
    """Build a document from an HTML page: its readable text, title and dates."""
    html = decode_text(data, path)
    if count_tags(html) > MAX_TAGS:
        raise UnreadableFileError(
            path,
            f"the HTML page has over {MAX_TAGS:,} tags; pages that large are refused",
        )
    parts = html_to_document_parts(html)
    if not parts.text.strip():
        raise UnreadableFileError(path, "the HTML page holds no readable text")
    published, updated = _dates_or_mtime(
        _lenient_date(parts.published), _lenient_date(parts.updated), path
    )
    return CorpusDocument(
        doc_id=id_from_relative_name(name),
        kind=kind_from_relative_name(name),
        title=(parts.title or path.stem)[:300],
        text=parts.text,
        source_path=name,
        published=published,
        updated=updated,
        url=parts.url,
    )


def _pdf_date(value: object) -> dt.date | None:
    match = re.match(r"^(?:D:)?(\d{4})(\d{2})(\d{2})", str(value or ""))
    if not match:
        return None
    return _lenient_date("-".join(match.groups()))


def load_pdf(data: bytes, path: Path, name: str) -> CorpusDocument:
    """Build a document from the text layer of a PDF file."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
        info: dict[str, object] = dict(reader.metadata or {})
    # A broken PDF makes pypdf raise errors of many kinds, not only its own.
    except Exception as exc:
        raise UnreadableFileError(path, f"not a readable PDF ({exc})") from exc
    text = "\n\n".join(page.strip() for page in pages if page.strip())
    if not text:
        raise UnreadableFileError(path, "the PDF has no text layer (scanned image?)")
    first_line = next(line.strip() for line in text.splitlines() if line.strip())
    title = str(info.get("/Title") or "").strip() or first_line
    created, modified = (
        _pdf_date(info.get("/CreationDate")),
        _pdf_date(info.get("/ModDate")),
    )
    published, updated = _dates_or_mtime(
        created, modified if modified != created else None, path
    )
    return CorpusDocument(
        doc_id=id_from_relative_name(name),
        kind=kind_from_relative_name(name),
        title=title[:300],
        text=text,
        source_path=name,
        published=published,
        updated=updated,
    )


def load_document(path: Path, root: Path, max_bytes: int) -> CorpusDocument:
    """Load one corpus file.

    Raises:
        DocumentError: The file cannot be turned into a document; the message
            says why.
    """
    name = relative_name(path, root)
    target = path.resolve()
    if not target.is_relative_to(root.resolve()):
        raise UnreadableFileError(path, "it links outside the corpus folder")
    if path.is_symlink() and not target.exists():
        raise UnreadableFileError(path, "it is a broken link")
    if path.is_symlink() and target.is_dir():
        raise UnreadableFileError(
            path, "it links to a folder, and links to folders are not followed"
        )
    # Known limit: a folder inside the corpus swapped for a link between the
    # check above and the read below is followed; only the last step is guarded.
    data = read_file_bytes(target, max_bytes, shown_as=path)
    if path.suffix.lower() == ".pdf":
        return load_pdf(data, path, name)
    if path.suffix.lower() in (".html", ".htm"):
        return load_html(data, path, name)
    text = decode_text(data, path)
    if has_front_matter(text):
        return parse_corpus_file(text, path, name)
    return load_plain_text(text, path, name)


def load_corpus(
    root: Path, max_bytes: int
) -> tuple[list[CorpusDocument], list[LoadFailure]]:
    """Load every supported file under a folder; failures are collected, not raised."""
    documents: list[CorpusDocument] = []
    failures: list[LoadFailure] = []
    seen: dict[str, str] = {}
    for path in iter_corpus_files(root):
        name = printable_name(path.relative_to(root).as_posix())
        try:
            document = load_document(path, root, max_bytes)
        except DocumentError as exc:
            logger.warning("skipped %s: %s", name, exc.reason)
            failures.append(LoadFailure(name, exc.reason))
            continue
        if document.doc_id in seen:
            reason = (
                f"id {document.doc_id!r} is already used by {seen[document.doc_id]}"
            )
            logger.warning("skipped %s: %s", name, reason)
            failures.append(LoadFailure(name, reason))
            continue
        seen[document.doc_id] = name
        documents.append(document)
    return documents, failures
