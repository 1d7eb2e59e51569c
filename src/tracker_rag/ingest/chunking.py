"""Split documents into chunks along their structure.

A document's text is read as Markdown blocks: headings open sections, and
paragraphs and list items are blocks. Blocks of one section are packed into
chunks up to a budget of word pieces; a block over the budget is cut between
sentences, and only a single sentence over the budget is cut between words.
Each chunk is an exact span of the document text.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from tracker_rag.domain import Chunk, CorpusDocument
from tracker_rag.ingest.sentences import sentence_spans

TokenCounter = Callable[[str], int]

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•●▪]|\d{1,3}[.)])\s+")


@dataclass(frozen=True)
class Block:
    """A paragraph or list item: its span in the text and its section."""

    start: int
    end: int
    section: str
    section_number: int = 0


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
            section = heading.group(2) or section
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
        section = None
        section_number = -1
        for block in split_into_blocks(text, document.title):
            # Every heading closes a chunk, even one repeating an earlier title.
            if block.section_number != section_number:
                chunks += self._pack(document, pieces, section)
                pieces, section, section_number = (
                    [],
                    block.section,
                    block.section_number,
                )
            budget = self._budget(document.title, block.section)
            pieces += self._pieces(text, block, budget)
        chunks += self._pack(document, pieces, section)
        return _with_unique_ids(chunks)

    def _budget(self, title: str, section: str) -> int:
        prefix_tokens = self._count_tokens(self.embedding_prefix(title, section))
        return max(16, self._max_tokens - prefix_tokens)

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
            windows.append((start + words[first][0], start + words[last - 1][1], used))
            first = last
        return windows

    def _pack(
        self,
        document: CorpusDocument,
        pieces: list[tuple[int, int, int]],
        section: str | None,
    ) -> list[Chunk]:
        if not pieces or section is None:
            return []
        budget = self._budget(document.title, section)
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
            self._make_chunk(document, group[0][0], group[-1][1], section)
            for group in groups
        ]

    def _make_chunk(
        self, document: CorpusDocument, start: int, end: int, section: str
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
            title=document.title,
            kind=document.kind,
            topic=document.topic,
            url=document.url,
            published=document.published,
            updated=document.updated,
        )


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
