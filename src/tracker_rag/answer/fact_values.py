"""The checkable facts of a text: numbers, months and names, made comparable."""

from __future__ import annotations

import re

from tracker_rag.answer.answer_types import names_in

_SCALES = {
    "k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "b": 1e9,
    "bn": 1e9, "billion": 1e9, "t": 1e12, "tn": 1e12, "trillion": 1e12,
}  # fmt: skip
_NUMBER = re.compile(
    r"(?<![\w.])(\d+(?:,\d{3})*(?:\.\d+)?)\s*"
    r"(thousand|million|billion|trillion|mn|bn|tn|[kmbt](?![a-z]))?",
    re.IGNORECASE,
)
# "one" is left out: it is far more often a pronoun than a count.
_WORD_NUMBERS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20, "hundred": 100,
    "dozen": 12, "half": 0.5, "twice": 2, "double": 2, "triple": 3,
}  # fmt: skip
_WORD = re.compile(r"[a-z]+")
_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6,
    "july": 7, "august": 8, "september": 9, "october": 10, "november": 11,
    "december": 12, "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7,
    "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
# Abbreviations that are also words are months only before a day or a year.
_AMBIGUOUS_MONTHS = frozenset({"may", "mar", "jun", "dec"})
_MONTH = re.compile(
    r"\b(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b\.?(\s+\d{1,4})?",
    re.IGNORECASE,
)
_NAME_PREFIX = 4
_WORD_TOKEN = re.compile(r"[a-z0-9@][\w.’'-]*")


def _plain_word(word: str) -> str:
    """A word without dots, possessive or trailing punctuation: "U.S." gives "us"."""
    word = word.rstrip(".,:;-’'").removesuffix("’s").removesuffix("'s")
    return word.replace(".", "")


def numbers_in(text: str) -> set[float]:
    """Every quantity in a text, scaled: "$30 billion" and "30B" both give 3e10."""
    values: set[float] = set()
    for match in _NUMBER.finditer(text):
        digits, scale = match.group(1), match.group(2)
        value = float(digits.replace(",", ""))
        if scale:
            value *= _SCALES[scale.lower()]
        values.add(value)
    for word in _WORD.findall(text.lower()):
        if word in _WORD_NUMBERS:
            values.add(float(_WORD_NUMBERS[word]))
    return values


def months_in(text: str) -> set[int]:
    """Months named in a text (1 to 12)."""
    months = set()
    for match in _MONTH.finditer(text):
        word = match.group(1).lower()
        if word in _AMBIGUOUS_MONTHS and not match.group(2):
            continue
        months.add(_MONTHS[word])
    return months


_PHRASE = re.compile(r"\b[A-Z][a-z]+(?:\s+(?:of\s+)?[A-Z][a-z]+)+")


def _phrases_by_initials(text: str) -> dict[str, set[str]]:
    """Capitalised phrases by their initials: "United States" under "us"."""
    phrases: dict[str, set[str]] = {}
    for phrase in _PHRASE.finditer(text):
        words = [
            word.lower()
            for word in phrase.group(0).split()
            if word[0].isupper() and word not in ("The", "A", "An")
        ]
        phrases.setdefault("".join(word[0] for word in words), set()).update(words)
    return phrases


def _shares_stem(name: str, word: str) -> bool:
    if name == word:
        return True
    shorter = min(len(name), len(word))
    if shorter < _NAME_PREFIX:
        return False
    common = 0
    for left, right in zip(name, word, strict=False):
        if left != right:
            break
        common += 1
    return common >= _NAME_PREFIX and common >= 0.6 * shorter


def missing_names(claim: str, evidence: str) -> set[str]:
    """Names in the claim that the evidence never mentions, in any form."""
    words = {_plain_word(word) for word in _WORD_TOKEN.findall(evidence.lower())}
    words |= set(_phrases_by_initials(evidence))
    spelled_out = set()
    for initials, phrase_words in _phrases_by_initials(claim).items():
        if initials in words:
            spelled_out |= phrase_words
    names = {_plain_word(name) for name in names_in(claim) - spelled_out}
    return {
        name
        for name in names - set(_MONTHS)
        if name and not any(_shares_stem(name, word) for word in words)
    }


def missing_numbers(claim: str, evidence: str) -> set[float]:
    """Quantities in the claim that the evidence does not state."""
    stated = numbers_in(evidence)
    return {
        value
        for value in numbers_in(claim)
        if not any(
            abs(value - other) <= 1e-9 * max(1.0, abs(value)) for other in stated
        )
    }


def missing_months(claim: str, evidence: str) -> set[int]:
    """Months in the claim that the evidence does not name."""
    return months_in(claim) - months_in(evidence)
