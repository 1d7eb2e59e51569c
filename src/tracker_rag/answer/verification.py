"""Check each sentence of a generated answer against the passage it cites.

A sentence keeps its citation when the support judge finds the cited passage
(one of its sentences, or the passage as a whole) supports it. A sentence that
cites nothing or the wrong passage gets the retrieved passage that does
support it, if one does. A sentence nothing retrieved supports is dropped, or
kept and marked, as the settings say. Each citation points at the exact
sentence that supports the claim, not just at the chunk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from tracker_rag.answer.citation_markers import MarkedStatement, split_marked_statements
from tracker_rag.answer.extractive import cite_span
from tracker_rag.answer.passages import candidate_sentences
from tracker_rag.answer.support_judge import Judgement, SupportJudge, content_coverage
from tracker_rag.domain import CheckedStatement, Citation, ScoredChunk
from tracker_rag.ingest.sentences import sentence_spans

UNSUPPORTED_MARK = "[unsupported]"
# Of the passages a sentence did not cite, how many sentences the judge reads.
_SEARCH_WIDTH = 8


@dataclass(frozen=True)
class Evidence:
    """A citable span: one sentence of a passage, or the whole passage."""

    passage: int
    text: str
    start: int
    end: int
    scored: ScoredChunk


@dataclass
class VerifiedAnswer:
    """The checked answer text, its citations and the record of each sentence."""

    text: str
    citations: list[Citation]
    statements: list[CheckedStatement]
    supported_count: int = 0
    removed: int = 0
    marked: int = 0
    _numbers: dict[tuple[str, int, int], int] = field(default_factory=dict)

    def cite(self, evidence: Evidence) -> int:
        """The marker of this evidence, numbering new evidence in order."""
        key = (evidence.scored.chunk.doc_id, evidence.start, evidence.end)
        if key not in self._numbers:
            marker = len(self._numbers) + 1
            self._numbers[key] = marker
            self.citations.append(
                cite_span(
                    marker,
                    evidence.scored.chunk,
                    evidence.text,
                    evidence.start,
                    evidence.end,
                )
            )
        return self._numbers[key]


def _as_sentence(text: str) -> str:
    """The text closed by a full stop, unless it already ends a sentence."""
    return text if text.endswith((".", "!", "?", "…", '"', "”")) else text + "."


def generated_statements(text: str) -> list[MarkedStatement]:
    """Split a reply into sentences; the markers closing a group go to its last."""
    statements: list[MarkedStatement] = []
    for group in split_marked_statements(text):
        pieces = [
            group.text[start:end].strip() for start, end in sentence_spans(group.text)
        ]
        pieces = [piece for piece in pieces if piece] or [group.text]
        statements += [MarkedStatement(piece, ()) for piece in pieces[:-1]]
        statements.append(MarkedStatement(pieces[-1], group.markers))
    return statements


def evidence_of(passages: list[ScoredChunk]) -> dict[int, list[Evidence]]:
    """Each passage's sentences, then the passage as a whole, by passage number."""
    by_number: dict[int, list[Evidence]] = {n: [] for n in range(1, len(passages) + 1)}
    for sentence in candidate_sentences(passages):
        number = sentence.chunk_rank + 1
        by_number[number].append(
            Evidence(
                number, sentence.text, sentence.start, sentence.end, sentence.scored
            )
        )
    for number, scored in enumerate(passages, start=1):
        chunk = scored.chunk
        by_number[number].append(
            Evidence(number, chunk.text, chunk.start, chunk.end, scored)
        )
    return by_number


class CachedEmbedding:
    """An embedding function that embeds each distinct text once.

    Passages recur from answer to answer; the cache is emptied when it holds
    `limit` texts, so a long-running server does not grow without bound.
    """

    def __init__(
        self, embed: Callable[[list[str]], np.ndarray], limit: int = 4096
    ) -> None:
        self._embed = embed
        self._limit = limit
        self._vectors: dict[str, np.ndarray] = {}

    def __call__(self, texts: list[str]) -> np.ndarray:
        # Read into a local map first: another thread may empty the cache.
        known: dict[str, np.ndarray] = {}
        for text in dict.fromkeys(texts):
            vector = self._vectors.get(text)
            if vector is not None:
                known[text] = vector
        missing = [text for text in dict.fromkeys(texts) if text not in known]
        if missing:
            fresh = dict(zip(missing, self._embed(missing), strict=True))
            known.update(fresh)
            if len(self._vectors) + len(fresh) > self._limit:
                self._vectors.clear()
            self._vectors.update(fresh)
        return np.stack([known[text] for text in texts])


class CitationVerifier:
    """Check, repair or remove the citations of a generated answer."""

    def __init__(
        self, judge: SupportJudge, unsupported: Literal["drop", "mark"] = "drop"
    ) -> None:
        self._judge = judge
        self._unsupported = unsupported

    def _best(
        self, claim: str, candidates: list[Evidence]
    ) -> tuple[Evidence | None, Judgement | None]:
        """The candidate that supports the claim best, and the best judgement seen."""
        found: Evidence | None = None
        best: Judgement | None = None
        for evidence in candidates:
            judgement = self._judge.judge(claim, [evidence.text])
            better = best is None or judgement.score > best.score
            if judgement.supported and (found is None or better):
                found, best = evidence, judgement
            elif found is None and better:
                best = judgement
        return found, best

    def _search_others(
        self, claim: str, evidence: dict[int, list[Evidence]], skip: set[int]
    ) -> list[Evidence]:
        """The sentences of uncited passages that share most words with the claim."""
        pool = [e for n, items in evidence.items() if n not in skip for e in items]
        pool.sort(key=lambda e: content_coverage(claim, e.text), reverse=True)
        return pool[:_SEARCH_WIDTH]

    def verify(self, reply: str, passages: list[ScoredChunk]) -> VerifiedAnswer:
        """Check every sentence of `reply` against the numbered `passages`."""
        evidence = evidence_of(passages)
        result = VerifiedAnswer(text="", citations=[], statements=[])
        pieces: list[str] = []
        for statement in generated_statements(reply):
            cited = sorted({m for m in statement.markers if m in evidence})
            own = [e for number in cited for e in evidence[number]]
            found, judgement = self._best(statement.text, own)
            action = "kept"
            if found is None:
                others = self._search_others(statement.text, evidence, set(cited))
                found, other = self._best(statement.text, others)
                closer = other is not None and (
                    judgement is None or other.score > judgement.score
                )
                if found is not None or closer:
                    judgement = other
                action = "recited" if statement.markers else "attached"
            if found is not None and judgement is not None:
                marker = result.cite(found)
                pieces.append(f"{_as_sentence(statement.text)} [{marker}]")
                result.supported_count += 1
                markers = [marker]
            elif self._unsupported == "mark":
                action = "marked"
                pieces.append(f"{_as_sentence(statement.text)} {UNSUPPORTED_MARK}")
                result.marked += 1
                markers = []
            else:
                action = "dropped"
                result.removed += 1
                markers = []
            result.statements.append(
                CheckedStatement(
                    text=statement.text,
                    cited_passages=list(statement.markers),
                    markers=markers,
                    supported=found is not None,
                    action=action,  # type: ignore[arg-type]
                    score=judgement.score if judgement else 0.0,
                    reason=judgement.reason if judgement else "no passage to check",
                )
            )
        result.text = " ".join(pieces)
        return result
