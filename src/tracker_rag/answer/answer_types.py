"""Expected answer types: a "who" question needs a name, "how much" a number.

A passage can share every word of a question and still not answer it: "Who
built GPT-5.3 Instant?" against a sentence about GPT-5.3 Instant that names
nobody. When a question asks for a name, a quantity or a date, a sentence only
answers it if it holds one that the question does not already contain.
"""

from __future__ import annotations

import re
from enum import Enum


class AnswerType(Enum):
    """What kind of fact a question asks for."""

    NAME = "name"
    QUANTITY = "quantity"
    DATE = "date"
    ANY = "any"


_NAME_NOUNS = (
    "company|companies|firm|firms|lab|labs|laboratory|university|universities|"
    "organization|organisation|organizations|organisations|manufacturer|maker|"
    "developer|developers|startup|person|people|official|officials|executive|"
    "executives|ceo|founder|founders|investor|investors|country|countries|government|"
    "agency|agencies|team|group|individual|researcher|researchers|author|vendor"
)
_NAME_QUESTION = re.compile(
    rf"^\s*(who|whom|whose)\b|\b(which|what)\s+(\w+\s+)?({_NAME_NOUNS})\b",
    re.IGNORECASE,
)
_QUANTITY_QUESTION = re.compile(
    r"\bhow\s+(much|many|large|big|high|long)\b|\b(percentage|amount|price|prices|"
    r"cost|costs|valuation|valued|worth|revenue|funding|budget|salary)\b",
    re.IGNORECASE,
)
_DATE_QUESTION = re.compile(
    r"^\s*when\b|\b(what|which)\s+(date|day|month|year|years)\b|\bsince\s+when\b",
    re.IGNORECASE,
)
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|"
    "december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_DATE_VALUE = re.compile(
    rf"\b(1[89]\d\d|20\d\d)s?\b|\b({_MONTHS})\.?\s+\d{{1,2}}\b|\bQ[1-4]\b|"
    r"\b(yesterday|today|tomorrow|last|next)\s+(week|month|year|quarter)\b",
    re.IGNORECASE,
)
_QUANTITY_VALUE = re.compile(
    r"[$€£¥]\s?\d[\d,.]*\s*(?:[kmb]n?|million|billion|trillion|thousand)?\+?|"
    r"\b\d[\d,.]*\s*(?:%|percent|million|billion|trillion|thousand|hundred)?\b|"
    r"\b(one|two|three|four|five|six|seven|eight|nine|ten|dozens?|hundreds?|"
    r"thousands?|millions?|billions?)\b",
    re.IGNORECASE,
)
# Capitalised words that name a field or a role, not an answer to "who".
_GENERIC_CAPITALS = frozenset(
    {"ai", "ml", "llm", "llms", "api", "apis", "gpu", "gpus", "cpu", "cpus", "ceo",
     "cto", "cfo", "ip", "it"}
)  # fmt: skip
_POSSESSIVE = re.compile(r"[’']s$")
_INNER_MARK = re.compile(r"[A-Z0-9]")
_NAME_VALUE = re.compile(r"@\w+|\b[A-Z][\w’'.-]*[A-Za-z0-9](?:\s+[A-Z][\w’'.-]*)*")


def expected_answer_type(question: str) -> AnswerType:
    """Guess what kind of fact a question asks for."""
    if _DATE_QUESTION.search(question):
        return AnswerType.DATE
    if _QUANTITY_QUESTION.search(question):
        return AnswerType.QUANTITY
    if _NAME_QUESTION.search(question):
        return AnswerType.NAME
    return AnswerType.ANY


def _values(pattern: re.Pattern[str], text: str) -> set[str]:
    return {match.group(0).strip().lower() for match in pattern.finditer(text)}


def names_in(text: str) -> set[str]:
    """Capitalised words and handles.

    The first word of a sentence is capitalised anyway, so it counts only when
    it looks like a name by itself (inner capitals or digits: OpenAI, GPT-5).
    Known limit: a plain name opening a sentence ("Anthropic signed...") is missed.
    """
    names = set()
    for match in _NAME_VALUE.finditer(text):
        words = match.group(0).split()
        before = text[: match.start()].rstrip()
        opens_sentence = not before or before[-1] in ".!?:\n"
        if (
            opens_sentence
            and not words[0].startswith("@")
            and not _INNER_MARK.search(words[0][1:])
        ):
            words = words[1:]
        for part in words:
            word = _POSSESSIVE.sub("", part.lower()).strip("’'.")
            if word and word not in _GENERIC_CAPITALS:
                names.add(word)
    return names


def holds_new_answer(answer_type: AnswerType, question: str, sentence: str) -> bool:
    """Tell whether a sentence holds a value of the expected type the question lacks."""
    if answer_type is AnswerType.ANY:
        return True
    if answer_type is AnswerType.NAME:
        question_words = {
            _POSSESSIVE.sub("", word.lower().strip("?’'.,"))
            for word in question.split()
        }
        return bool(names_in(sentence) - question_words)
    pattern = _DATE_VALUE if answer_type is AnswerType.DATE else _QUANTITY_VALUE
    return bool(_values(pattern, sentence) - _values(pattern, question))
