"""Citation recall and precision in the manner of ALCE (Gao et al., 2023).

For each statement of an answer, the passages it cites are judged together:
citation recall is the share of statements they fully support. A citation is
precise unless its statement is supported and it is not needed: it does not
support the statement alone and the other citations still do without it.
Citation precision is the share of precise citations.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker_rag.answer.citation_markers import split_marked_statements
from tracker_rag.answer.support_judge import Judgement, SupportJudge
from tracker_rag.domain import Answer


@dataclass(frozen=True)
class StatementJudgement:
    """One answer statement, its markers and whether they support it."""

    text: str
    markers: tuple[int, ...]
    judgement: Judgement


@dataclass(frozen=True)
class CitationQuality:
    """Citation recall and precision of one answer, with the judged statements."""

    recall: float | None
    precision: float | None
    statements: list[StatementJudgement]


def judge_citations(answer: Answer, judge: SupportJudge) -> CitationQuality:
    """Judge every statement of an answer against what it cites."""
    if answer.abstained:
        return CitationQuality(None, None, [])
    passages = {citation.marker: citation.text for citation in answer.citations}
    return judge_statements(answer.answer, passages, judge)


def judge_draft(answer: Answer, judge: SupportJudge) -> CitationQuality:
    """Judge a generated answer as the model wrote it, before the check.

    Each marker then names a whole passage of the prompt. Answers that were
    not generated, or fell back, have no draft figures.
    """
    generation = answer.generation
    if answer.abstained or generation is None or generation.fallback:
        return CitationQuality(None, None, [])
    passages = {passage.number: passage.text for passage in generation.passages}
    return judge_statements(generation.draft, passages, judge)


def judge_statements(
    text: str, passages: dict[int, str], judge: SupportJudge
) -> CitationQuality:
    """Citation recall and precision of a marked text against numbered passages."""
    statements = split_marked_statements(text)
    if not statements:
        return CitationQuality(None, None, [])

    judged: list[StatementJudgement] = []
    citations_total = 0
    precise = 0
    for statement in statements:
        cited = [passages[m] for m in statement.markers if m in passages]
        together = judge.judge(statement.text, cited)
        judged.append(StatementJudgement(statement.text, statement.markers, together))
        citations_total += len(statement.markers)
        if not together.supported:
            continue
        if len(cited) <= 1:
            precise += len(statement.markers)
            continue
        for index, passage in enumerate(cited):
            if judge.judge(statement.text, [passage]).supported:
                precise += 1
                continue
            others = cited[:index] + cited[index + 1 :]
            if not judge.judge(statement.text, others).supported:
                precise += 1

    recall = sum(item.judgement.supported for item in judged) / len(judged)
    precision = precise / citations_total if citations_total else None
    return CitationQuality(recall, precision, judged)
