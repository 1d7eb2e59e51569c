"""The events of an answer as it is written: pieces of text, then the whole answer."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracker_rag.domain import Answer

_AFTER_MARKER = re.compile(r"(?<=\])\s+(?=\S)")


@dataclass(frozen=True)
class AnswerDelta:
    """A piece of the answer's text, as it is produced."""

    text: str


@dataclass(frozen=True)
class AnswerDone:
    """The finished answer: checked text, citations, search and timings."""

    answer: Answer


def answer_pieces(text: str) -> list[str]:
    """Cut a finished answer after each citation marker, keeping every character."""
    pieces, start = [], 0
    for match in _AFTER_MARKER.finditer(text):
        pieces.append(text[start : match.end()])
        start = match.end()
    pieces.append(text[start:])
    return [piece for piece in pieces if piece]
