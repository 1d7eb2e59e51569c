"""Run every case of a dataset through the service, once per retrieval mode.

Each case is retrieved (20 deep, for the metrics) and answered under each mode,
so the report shows side by side what BM25 alone, dense alone and the hybrid
system are worth on the same data in the same run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from tracker_rag.answer.support_judge import SupportJudge
from tracker_rag.domain import Answer
from tracker_rag.errors import NotFoundError
from tracker_rag.evaluation.answer_metrics import containment, token_f1
from tracker_rag.evaluation.cases import EvalCase
from tracker_rag.evaluation.citation_metrics import judge_citations, judge_draft
from tracker_rag.evaluation.relevance import (
    ChunkSpan,
    EvidenceSpan,
    count_relevant,
    is_relevant,
    locate_evidence,
)
from tracker_rag.evaluation.retrieval_metrics import (
    CURVE_DEPTH,
    recall_curve,
    retrieval_scores,
)
from tracker_rag.retrieve.hybrid import RetrievalMode
from tracker_rag.service import TrackerRag

logger = logging.getLogger(__name__)

ALL_MODES: tuple[RetrievalMode, ...] = ("hybrid", "dense", "keyword")
Progress = Callable[[int, int], None]


class CaseRunner:
    """Retrieve, answer and score cases against one built index."""

    def __init__(
        self,
        service: TrackerRag,
        judge: SupportJudge,
        modes: Sequence[RetrievalMode] = ALL_MODES,
    ) -> None:
        self.service = service
        self.judge = judge
        self.modes = tuple(modes)
        self._texts: dict[str, str | None] = {}
        self._chunks = [
            ChunkSpan(chunk.chunk_id, chunk.doc_id, chunk.start, chunk.end)
            for chunk in service.index.catalog.chunks
        ]

    def document_text(self, doc_id: str) -> str | None:
        """The indexed text of a document, or None when it is not indexed."""
        if doc_id not in self._texts:
            try:
                self._texts[doc_id] = self.service.get_document(doc_id).text
            except NotFoundError:
                self._texts[doc_id] = None
        return self._texts[doc_id]

    def run(self, case: EvalCase) -> dict[str, Any]:
        """Every mode's retrieval, answer and scores for one case."""
        spans = locate_evidence(case, self.document_text) if case.answerable else []
        relevant_total = count_relevant(self._chunks, spans)
        return {
            "id": case.id,
            "question": case.question,
            "type": case.type,
            "answerable": case.answerable,
            "reference_answer": case.reference_answer,
            "gold_doc_ids": case.gold_doc_ids,
            "modes": {
                mode: self._run_mode(case, mode, spans, relevant_total)
                for mode in self.modes
            },
        }

    def _run_mode(
        self,
        case: EvalCase,
        mode: RetrievalMode,
        spans: list[EvidenceSpan],
        relevant_total: int,
    ) -> dict[str, Any]:
        retrieval = self.service.retrieve(
            case.question, case.filters, top_k=CURVE_DEPTH, mode=mode
        )
        ranking = [
            ChunkSpan(
                item.chunk.chunk_id, item.chunk.doc_id, item.chunk.start, item.chunk.end
            )
            for item in retrieval.chunks
        ]
        relevant = [is_relevant(chunk, spans) for chunk in ranking]
        answer = self.service.ask(case.question, case.filters, mode=mode)

        scores: dict[str, Any] = {"abstained": answer.abstained}
        curve: list[float] = []
        if case.answerable:
            scores |= retrieval_scores(
                ranking, relevant, spans, relevant_total, case.gold_doc_ids
            )
            curve = recall_curve(ranking, spans)
            scores |= self._correctness(answer, case.reference_answer or "")
        quality = judge_citations(answer, self.judge)
        scores["citation_recall"] = quality.recall
        scores["citation_precision"] = quality.precision
        generation = answer.generation
        if generation is not None:
            draft = judge_draft(answer, self.judge)
            scores["draft_citation_recall"] = draft.recall
            scores["draft_citation_precision"] = draft.precision
            scores["fallback"] = generation.fallback is not None

        return {
            "answer": answer.answer,
            "abstained": answer.abstained,
            "confidence": answer.search.confidence,
            "citations": [
                {
                    "marker": citation.marker,
                    "doc_id": citation.doc_id,
                    "title": citation.title,
                    "chunk_id": citation.chunk_id,
                    "text": citation.text,
                }
                for citation in answer.citations
            ],
            "statements": [
                {
                    "text": item.text,
                    "markers": list(item.markers),
                    "supported": item.judgement.supported,
                    "score": item.judgement.score,
                    "reason": item.judgement.reason,
                }
                for item in quality.statements
            ],
            "retrieved": [
                {
                    "rank": rank,
                    "chunk_id": chunk.chunk_id,
                    "doc_id": chunk.doc_id,
                    "relevant": flag,
                }
                for rank, (chunk, flag) in enumerate(
                    zip(ranking, relevant, strict=True), start=1
                )
            ],
            "recall_curve": curve,
            "generation": None
            if generation is None
            else {
                "draft": generation.draft,
                "fallback": generation.fallback,
                "checks": [
                    {"text": item.text, "action": item.action, "score": item.score}
                    for item in generation.statements
                ],
            },
            "timings": answer.timings,
            "scores": scores,
        }

    @staticmethod
    def _correctness(answer: Answer, reference: str) -> dict[str, float]:
        if answer.abstained or not reference:
            return {"containment": 0.0, "token_f1": 0.0}
        return {
            "containment": containment(answer.answer, reference),
            "token_f1": token_f1(answer.answer, reference),
        }


def run_cases(
    runner: CaseRunner, cases: Sequence[EvalCase], progress: Progress | None = None
) -> tuple[list[dict[str, Any]], float]:
    """Run every case; return the case results and the seconds it took."""
    started = time.perf_counter()
    results = []
    for number, case in enumerate(cases, start=1):
        results.append(runner.run(case))
        if progress:
            progress(number, len(cases))
    seconds = time.perf_counter() - started
    logger.info("evaluated %d cases in %.1f s", len(cases), seconds)
    return results, seconds
