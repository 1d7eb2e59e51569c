"""Split documents into chunks along their structure.

A document's text is read as Markdown blocks: headings open sections, and
paragraphs and list items are blocks. Blocks of one section are packed into
chunks up to a budget of word pieces; a block over the budget is cut between
sentences, only a single sentence over the budget is cut between words, and
only a single word over it (a long run of punctuation, or of Chinese text) is
cut between characters. Each chunk is an exact span of the document text, and
with its title and section it fits the token limit.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from tracker_rag.domain import Chunk, CorpusDocument
from tracker_rag.ingest.sentences import sentence_spans

TokenCounter = Callable[[str], int]
# Below this many tokens left for the text, a chunk's title and section are cut.
MIN_TEXT_TOKENS = 16

# The closing '#'s of a heading are stripped in code: a lazy pattern ahead of
# `\s*#*\s*$` backtracks cubically on a heading line full of spaces.
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•●▪]|\d{1,3}[.)])\s+")


@dataclass(frozen=True)
class Block:
    """A paragraph or list item: its span in the text and its section."""

    start: int
    end: int
    section: str
    section_number: int = 0


def heading_text(line_rest: str) -> str:
    """The title of a heading line without its closing '#'s and spaces."""
    # Known limit: runs of spaces inside a heading are kept, so a heading padded
    # with megabytes of spaces makes a section name as long (it costs no tokens).
    return line_rest.rstrip().rstrip("#").rstrip()


def _line_spans(text: str) -> Iterator[tuple[int, int]]:
    position = 0
    for line in text.split("\n"):
        yield position, position + len(line)
        position += len(line) + 1


def split_into_blocks(text: str, title: str) -> list[Block]:
    """Read a text as Markdown blocks, each tagged with its section title."""
    blocks: list[Block] = []
    section = title
    section_number = 0
    open_start: int | None = None
    open_end = 0

    def close() -> None:
        nonlocal open_start
        if open_start is not None:
            blocks.append(Block(open_start, open_end, section, section_number))
        open_start = None

    for start, end in _line_spans(text):
        line = text[start:end]
        heading = _HEADING.match(line)
        if not line.strip():
            close()
        elif heading:
            close()
            section = heading_text(heading.group(2)) or section
            section_number += 1
        elif _LIST_ITEM.match(line):
            close()
            open_start, open_end = start + len(line) - len(line.lstrip()), end
        elif open_start is None:
            open_start, open_end = start + len(line) - len(line.lstrip()), end
        else:
            open_end = end
    close()
    return blocks


class StructuralChunker:
    """Chunk documents so that each chunk fits the embedding model whole."""

    def __init__(self, count_tokens: TokenCounter, max_tokens: int) -> None:
        self._count_tokens = count_tokens
        self._max_tokens = max_tokens

    def embedding_prefix(self, title: str, section: str) -> str:
        """The text embedded before a chunk's own text."""
        return f"title: {title}\nsection: {section}\n\n"

    def split_into_chunks(self, document: CorpusDocument) -> list[Chunk]:
        """Split one document into chunks with stable ids and exact spans."""
        text = document.text
        chunks: list[Chunk] = []
        pieces: list[tuple[int, int, int]] = []
        names: tuple[str, str] | None = None
        budget = 0
        section_number = -1
        for block in split_into_blocks(text, document.title):
            # Every heading closes a chunk, even one repeating an earlier title.
            if block.section_number != section_number:
                chunks += self._pack(document, pieces, names)
                names = self._fitted_names(document.title, block.section)
                budget = self._max_tokens - self._prefix_tokens(*names)
                pieces, section_number = [], block.section_number
            pieces += self._pieces(text, block, max(1, budget))
        chunks += self._pack(document, pieces, names)
        return _with_unique_ids(chunks)

    def _prefix_tokens(self, title: str, section: str) -> int:
        return self._count_tokens(self.embedding_prefix(title, section))

    def _fitted_names(self, title: str, section: str) -> tuple[str, str]:
        """The title and section to embed, shortened if they crowd out the text.

        Names that leave fewer than `MIN_TEXT_TOKENS` for the text (a heading
        line thousands of words long) are cut, the section first, until they
        take at most half of the limit; other names are kept as they are.
        """
        if self._prefix_tokens(title, section) + MIN_TEXT_TOKENS <= self._max_tokens:
            return title, section
        limit = self._max_tokens // 2
        section = _shortened(section, lambda s: self._prefix_tokens(title, s) <= limit)
        if self._prefix_tokens(title, section) > limit:
            title = _shortened(
                title, lambda t: self._prefix_tokens(t, section) <= limit
            )
        return title, section

    def _pieces(
        self, text: str, block: Block, budget: int
    ) -> list[tuple[int, int, int]]:
        """Cut a block into (start, end, tokens) pieces that each fit the budget."""
        tokens = self._count_tokens(text[block.start : block.end])
        if tokens <= budget:
            return [(block.start, block.end, tokens)]
        pieces = []
        for start, end in sentence_spans(text, block.start, block.end):
            tokens = self._count_tokens(text[start:end])
            if tokens <= budget:
                pieces.append((start, end, tokens))
            else:
                pieces += self._word_windows(text, start, end, budget)
        return pieces

    def _word_windows(
        self, text: str, start: int, end: int, budget: int
    ) -> list[tuple[int, int, int]]:
        windows = []
        words = [match.span() for match in re.finditer(r"\S+", text[start:end])]
        first = 0
        while first < len(words):
            last, used = first, 0
            while last < len(words):
                word_tokens = self._count_tokens(
                    text[start + words[last][0] : start + words[last][1]]
                )
                if used + word_tokens > budget and last > first:
                    break
                used += word_tokens
                last += 1
            window = (start + words[first][0], start + words[last - 1][1], used)
            if used > budget:
                # One word over the budget, such as a long run of punctuation.
                windows += self._character_windows(text, window[0], window[1], budget)
            else:
                windows.append(window)
            first = last
        return windows

    def _character_windows(
        self, text: str, start: int, end: int, budget: int
    ) -> list[tuple[int, int, int]]:
        """Cut one over-long word into the longest runs of characters that fit."""
        windows = []
        while start < end:
            # Double the cut while it fits, then search between the bounds found.
            fits, too_long = 1, end - start + 1
            size = min(end - start, budget)
            while size > fits:
                if self._count_tokens(text[start : start + size]) <= budget:
                    fits, size = size, min(too_long - 1, size * 2)
                else:
                    too_long, size = size, fits + (size - fits) // 2
            tokens = self._count_tokens(text[start : start + fits])
            windows.append((start, start + fits, tokens))
            start += fits
        return windows

    def _pack(
        self,
        document: CorpusDocument,
        pieces: list[tuple[int, int, int]],
        names: tuple[str, str] | None,
    ) -> list[Chunk]:
        if not pieces or names is None:
            return []
        budget = self._max_tokens - self._prefix_tokens(*names)
        groups: list[list[tuple[int, int, int]]] = [[]]
        used = 0
        for piece in pieces:
            # Pieces are joined by a newline or a space: count one more token each.
            if groups[-1] and used + piece[2] + 1 > budget:
                groups.append([])
                used = 0
            groups[-1].append(piece)
            used += piece[2] + 1
        return [
            self._make_chunk(document, group[0][0], group[-1][1], *names)
            for group in groups
        ]

    def _make_chunk(
        self, document: CorpusDocument, start: int, end: int, title: str, section: str
    ) -> Chunk:
        text = document.text[start:end]
        digest = hashlib.sha1(f"{section}\n{text}".encode()).hexdigest()[:12]
        return Chunk(
            chunk_id=f"{document.doc_id}#{digest}",
            doc_id=document.doc_id,
            text=text,
            start=start,
            end=end,
            section=section,
            title=title,
            kind=document.kind,
            topic=document.topic,
            url=document.url,
            published=document.published,
            updated=document.updated,
        )


def _shortened(name: str, fits: Callable[[str], bool]) -> str:
    """The longest run of the name's first words, closed by '…', that fits."""
    words = name.split()
    low, high = 0, len(words)
    while low < high:
        middle = (low + high + 1) // 2
        if fits(" ".join(words[:middle]) + "…"):
            low = middle
        else:
            high = middle - 1
    return " ".join(words[:low]) + "…"


def _with_unique_ids(chunks: list[Chunk]) -> list[Chunk]:
    """Suffix repeated ids (a document repeating a passage) so each is unique."""
    seen: dict[str, int] = {}
    unique = []
    for chunk in chunks:
        count = seen.get(chunk.chunk_id, 0)
        seen[chunk.chunk_id] = count + 1
        if count:
            chunk = Chunk(
                **{**chunk.__dict__, "chunk_id": f"{chunk.chunk_id}-{count + 1}"}
            )
        unique.append(chunk)
    return unique
