"""Answer correctness against a reference, and the quality of abstaining."""

from __future__ import annotations

import re
import string
from collections import Counter

from tracker_rag.answer.citation_markers import strip_markers

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = str.maketrans(dict.fromkeys(string.punctuation + "“”‘’—–", " "))


def normalise_answer(text: str) -> str:
    """Lower-case, drop markers, punctuation and articles, squeeze white space."""
    lowered = strip_markers(text).lower().translate(_PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", lowered).split())


def containment(answer: str, reference: str) -> float:
    """1.0 when the normalised reference stands whole in the normalised answer."""
    expected = normalise_answer(reference)
    if not expected:
        return 0.0
    return 1.0 if f" {expected} " in f" {normalise_answer(answer)} " else 0.0


def token_f1(answer: str, reference: str) -> float:
    """Harmonic mean of token precision and recall against the reference."""
    answer_tokens = normalise_answer(answer).split()
    reference_tokens = normalise_answer(reference).split()
    common = sum((Counter(answer_tokens) & Counter(reference_tokens)).values())
    if not common:
        return 0.0
    precision = common / len(answer_tokens)
    recall = common / len(reference_tokens)
    return 2 * precision * recall / (precision + recall)


def abstention_scores(
    answerable: list[bool], abstained: list[bool]
) -> dict[str, float | None]:
    """Precision and recall of abstaining on unanswerable cases; wrong abstentions.

    Positive means "abstained"; a case the corpus cannot answer should be one.
    """
    refused_unanswerable = sum(
        1 for can, did in zip(answerable, abstained, strict=True) if did and not can
    )
    refused_answerable = sum(
        1 for can, did in zip(answerable, abstained, strict=True) if did and can
    )
    unanswerable = answerable.count(False)
    answerable_count = answerable.count(True)
    refusals = refused_unanswerable + refused_answerable
    return {
        "abstention_precision": refused_unanswerable / refusals if refusals else None,
        "abstention_recall": refused_unanswerable / unanswerable
        if unanswerable
        else None,
        "wrong_abstention_rate": refused_answerable / answerable_count
        if answerable_count
        else None,
    }
