"""ALCE citation recall and precision, with a judge whose verdicts are plain."""

from __future__ import annotations

from collections.abc import Sequence

from tracker_rag.answer.support_judge import Judgement
from tracker_rag.domain import Answer, Citation, Filters, SearchSummary
from tracker_rag.evaluation.citation_metrics import judge_citations


class WordJudge:
    """Supports a claim when the evidence holds every one of its words."""

    name = "words"

    def judge(self, claim: str, evidence: Sequence[str]) -> Judgement:
        words = set(" ".join(evidence).lower().split())
        supported = bool(evidence) and set(claim.lower().split()) <= words
        return Judgement(supported, 1.0 if supported else 0.0, "words")


def citation(marker: int, text: str) -> Citation:
    return Citation(
        marker=marker,
        doc_id="d",
        title="T",
        kind="article",
        section="S",
        chunk_id="d#1",
        text=text,
        start=0,
        end=len(text),
        chunk_text=text,
        chunk_start=0,
    )


def answer(text: str, citations: list[Citation], abstained: bool = False) -> Answer:
    return Answer(
        question="q",
        answer=text,
        abstained=abstained,
        citations=citations,
        search=SearchSummary(
            chunks_in_scope=1,
            chunks_retrieved=1,
            filters=Filters(),
            confidence=1.0,
            threshold=0.5,
        ),
        timings={},
    )


def test_every_statement_supported_by_needed_citations_scores_one() -> None:
    quality = judge_citations(
        answer(
            "alpha beta [1] gamma [2]",
            [citation(1, "alpha beta"), citation(2, "gamma")],
        ),
        WordJudge(),
    )
    assert quality.recall == 1.0
    assert quality.precision == 1.0


def test_an_unneeded_citation_costs_precision_not_recall() -> None:
    quality = judge_citations(
        answer("alpha beta [1] [2]", [citation(1, "alpha beta"), citation(2, "zeta")]),
        WordJudge(),
    )
    assert quality.recall == 1.0
    assert quality.precision == 0.5


def test_two_citations_needed_together_are_both_precise() -> None:
    quality = judge_citations(
        answer("alpha gamma [1] [2]", [citation(1, "alpha"), citation(2, "gamma")]),
        WordJudge(),
    )
    assert quality.recall == 1.0
    assert quality.precision == 1.0


def test_unsupported_and_uncited_statements_lower_recall() -> None:
    quality = judge_citations(
        answer("alpha [1] omega [1] Uncited words.", [citation(1, "alpha")]),
        WordJudge(),
    )
    assert quality.recall == 1 / 3
    assert quality.precision == 0.5
    assert [item.judgement.supported for item in quality.statements] == [
        True,
        False,
        False,
    ]


def test_an_abstention_has_no_citation_scores() -> None:
    quality = judge_citations(answer("No answer.", [], abstained=True), WordJudge())
    assert quality.recall is None and quality.precision is None
