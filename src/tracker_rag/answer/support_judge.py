"""Decide whether passages support a claim, behind one interface.

The default judge runs offline with the embedding model alone, since no
entailment model ships here. A claim is supported when

- every number, month and name it states is also stated by the evidence
  (a changed amount or a swapped company is the commonest unsupported claim),
- it does not negate what the evidence says, and
- a blend of its meaning similarity to the evidence and the share of its
  content words the evidence holds reaches a threshold.

A generative model can stand in as another `SupportJudge` later.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from tracker_rag.answer.citation_markers import strip_markers
from tracker_rag.answer.fact_values import (
    missing_months,
    missing_names,
    missing_numbers,
)
from tracker_rag.index.keyword_index import query_terms
from tracker_rag.ingest.sentences import sentence_spans

DEFAULT_SUPPORT_THRESHOLD = 0.55
SIMILARITY_WEIGHT = 0.5
_NEGATION = re.compile(
    r"\b(not|no|never|neither|nor|without|none|cannot|n[o’']t|\w+n[’']t)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Judgement:
    """Whether evidence supports a claim, how strongly, and why."""

    supported: bool
    score: float
    reason: str


class SupportJudge(Protocol):
    """Anything that can tell whether passages support a claim."""

    name: str

    def judge(self, claim: str, evidence: Sequence[str]) -> Judgement:
        """Judge one claim against the passages it cites (all of them together)."""
        ...


def content_coverage(claim: str, evidence: str) -> float:
    """Share of the claim's stemmed content words that the evidence holds."""
    claim_terms = set(query_terms(claim))
    if not claim_terms:
        return 1.0
    return len(claim_terms & set(query_terms(evidence))) / len(claim_terms)


# Words of direction; a claim going one way where its evidence goes the other
# ("cut back" against "expanded") reverses it.
_DIRECTIONS = {
    "up": "increas|rise|rising|rose|grow|grew|soar|expand|deepen|boost|gain|rais|"
    "strengthen|more|higher|accelerat|surg|climb|heighten|widen|improv|enhanc",
    "down": "decreas|fall|fell|declin|drop|shrink|shrank|cut|reduc|scal\\w* back|"
    "less|lower|weaken|slow|plung|lose|lost|loss|narrow|diminish|worsen|curb",
}
_DIRECTION_WORDS = {
    direction: re.compile(rf"\b(?:{stems})\w*", re.IGNORECASE)
    for direction, stems in _DIRECTIONS.items()
}


def _negates(claim: str, evidence: str) -> bool:
    return bool(_NEGATION.search(claim)) and not _NEGATION.search(evidence)


def _directions(text: str) -> set[str]:
    return {name for name, words in _DIRECTION_WORDS.items() if words.search(text)}


def _reverses(claim: str, evidence: str) -> bool:
    """The claim moves only one way and the evidence only the other."""
    claimed, stated = _directions(claim), _directions(evidence)
    return len(claimed) == 1 and len(stated) == 1 and claimed != stated


class HeuristicJudge:
    """Support from embeddings, shared content words and exactly agreeing facts."""

    name = "heuristic"

    def __init__(
        self,
        embed: Callable[[list[str]], np.ndarray],
        threshold: float = DEFAULT_SUPPORT_THRESHOLD,
    ) -> None:
        self._embed = embed
        self.threshold = threshold

    def similarity(self, claim: str, evidence: Sequence[str]) -> float:
        """Best cosine similarity of the claim to the evidence or one sentence of it."""
        joined = " ".join(evidence)
        pieces = [joined] + [joined[start:end] for start, end in sentence_spans(joined)]
        vectors = self._embed([claim, *pieces])
        scores = vectors[1:] @ vectors[0]
        return float(np.clip(scores.max(), 0.0, 1.0))

    def score(self, claim: str, evidence: Sequence[str]) -> float:
        """The blended support score in [0, 1], before the fact checks."""
        joined = " ".join(evidence)
        return SIMILARITY_WEIGHT * self.similarity(claim, evidence) + (
            1 - SIMILARITY_WEIGHT
        ) * content_coverage(claim, joined)

    def judge(self, claim: str, evidence: Sequence[str]) -> Judgement:
        """Judge one claim against all of the passages it cites."""
        text = strip_markers(claim)
        joined = " ".join(passage for passage in evidence if passage.strip())
        if not text or not joined:
            return Judgement(False, 0.0, "no evidence" if text else "empty claim")

        score = round(self.score(text, [joined]), 4)
        if numbers := missing_numbers(text, joined):
            shown = ", ".join(f"{value:g}" for value in sorted(numbers))
            return Judgement(False, score, f"numbers not in the evidence: {shown}")
        if months := missing_months(text, joined):
            shown = ", ".join(str(month) for month in sorted(months))
            return Judgement(False, score, f"months not in the evidence: {shown}")
        if names := missing_names(text, joined):
            shown = ", ".join(sorted(names))
            return Judgement(False, score, f"names not in the evidence: {shown}")
        if _negates(text, joined):
            return Judgement(False, score, "the claim negates; the evidence does not")
        if _reverses(text, joined):
            return Judgement(
                False, score, "the claim reverses the evidence's direction"
            )
        if score < self.threshold:
            return Judgement(False, score, f"support {score:.2f} < {self.threshold}")
        return Judgement(True, score, f"support {score:.2f} >= {self.threshold}")
