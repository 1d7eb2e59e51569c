"""Read an answer text back into the statements it makes and the markers of each."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracker_rag.ingest.sentences import sentence_spans

_MARKER_GROUP = re.compile(r"(?:\s*\[\d+\])+")
_MARKER = re.compile(r"\[(\d+)\]")
_LEADING_PUNCTUATION = re.compile(r"^[\s.,;:!?]+")


@dataclass(frozen=True)
class MarkedStatement:
    """Answer text without markers, and the `[n]` markers that cite it."""

    text: str
    markers: tuple[int, ...]


def strip_markers(text: str) -> str:
    """Remove `[n]` markers and the space before them."""
    return _MARKER_GROUP.sub("", text).strip()


def split_marked_statements(answer: str) -> list[MarkedStatement]:
    """Split an answer into statements, each with the markers that close it.

    A statement is the text from the previous marker group up to the next one,
    so "A. B [1]." is one statement cited by [1] (the extractive answerer cites
    a sentence together with the one it leans on that way). Text after the last
    marker is split into sentences that cite nothing.
    """
    statements: list[MarkedStatement] = []
    cursor = 0
    for group in _MARKER_GROUP.finditer(answer):
        text = _LEADING_PUNCTUATION.sub("", answer[cursor : group.start()]).strip()
        markers = tuple(int(number) for number in _MARKER.findall(group.group(0)))
        if text:
            statements.append(MarkedStatement(text=text, markers=markers))
        elif statements:
            # "A [1] [2]" and "A [1]. [2]" both cite A twice.
            last = statements[-1]
            statements[-1] = MarkedStatement(last.text, last.markers + markers)
        cursor = group.end()

    rest = answer[cursor:]
    for start, end in sentence_spans(rest):
        text = _LEADING_PUNCTUATION.sub("", rest[start:end]).strip()
        if text:
            statements.append(MarkedStatement(text=text, markers=()))
    return statements
