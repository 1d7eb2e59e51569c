"""Split text into sentences, keeping each sentence's character span."""

from __future__ import annotations

import re

ABBREVIATIONS = frozenset(
    {
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "inc", "ltd",
        "co", "corp", "no", "fig", "approx", "est", "dept", "gov", "sen", "rep",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
        "dec", "e.g", "i.e", "u.s", "u.k", "u.n", "e.u", "a.i", "ph.d",
    }
)  # fmt: skip
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9@#$£€])")
_LAST_WORD = re.compile(r"([A-Za-z][A-Za-z.]*)$")


def _is_abbreviation(text_before: str) -> bool:
    match = _LAST_WORD.search(text_before)
    if not match:
        return False
    word = match.group(1).rstrip(".").lower()
    return word in ABBREVIATIONS or len(word) == 1


def sentence_spans(
    text: str, start: int = 0, end: int | None = None
) -> list[tuple[int, int]]:
    """Return the spans of the sentences in `text[start:end]`, stripped of white space.

    Spans are offsets into `text`; nothing outside the range is looked at, so
    callers can split one block of a document without crossing into the next.
    """
    stop = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in _BOUNDARY.finditer(text, start, stop):
        stop_mark = match.end()
        punctuation_start = match.start()
        if text[punctuation_start] == "." and _is_abbreviation(
            text[cursor:punctuation_start]
        ):
            continue
        spans.append((cursor, stop_mark))
        cursor = stop_mark
    spans.append((cursor, stop))
    return [span for span in (_strip_span(text, a, b) for a, b in spans) if span]


def _strip_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None
