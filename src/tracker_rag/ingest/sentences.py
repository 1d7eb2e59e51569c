"""Split text into sentences, keeping each sentence's character span."""

from __future__ import annotations

import re
import string

ABBREVIATIONS = frozenset(
    {
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "inc", "ltd",
        "co", "corp", "no", "fig", "approx", "est", "dept", "gov", "sen", "rep",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
        "dec", "e.g", "i.e", "u.s", "u.k", "u.n", "e.u", "a.i", "ph.d",
    }
)  # fmt: skip
# A match starts only where a run of stops starts, and never backtracks into it:
# a long run of dots or of spaces costs one pass, not one pass per character.
_BOUNDARY = re.compile(
    r"(?<![.!?…])[.!?…]++[\"'”’)\]]*+(?=\s++[\"'“‘(\[]?[A-Z0-9@#$£€])"
)
_WORD_CHARACTERS = frozenset(string.ascii_letters + ".")


def _is_abbreviation(text: str, start: int, end: int) -> bool:
    """Tell whether the word ending `text[start:end]` is an abbreviation.

    The word is the last run of ASCII letters and dots, from its first letter.
    It is found by stepping back from `end`, so the cost is the word's length,
    not the length of the whole sentence before it.
    """
    first = end
    while first > start and text[first - 1] in _WORD_CHARACTERS:
        first -= 1
    word = text[first:end].lstrip(".").rstrip(".").lower()
    return bool(word) and (word in ABBREVIATIONS or len(word) == 1)


def sentence_spans(
    text: str, start: int = 0, end: int | None = None
) -> list[tuple[int, int]]:
    """Return the spans of the sentences in `text[start:end]`, stripped of white space.

    Spans are offsets into `text`; nothing outside the range is looked at, so
    callers can split one block of a document without crossing into the next.
    """
    stop = len(text) if end is None else end
    # Matched on the range alone, so that a stop just before `start` is not seen.
    segment = text[start:stop]
    spans: list[tuple[int, int]] = []
    cursor = 0
    for match in _BOUNDARY.finditer(segment):
        stop_mark = match.end()
        punctuation_start = match.start()
        if segment[punctuation_start] == "." and _is_abbreviation(
            segment, cursor, punctuation_start
        ):
            continue
        spans.append((cursor, stop_mark))
        cursor = stop_mark
    spans.append((cursor, len(segment)))
    stripped = (_strip_span(segment, a, b) for a, b in spans)
    return [(start + a, start + b) for a, b in (span for span in stripped if span)]


def _strip_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None
