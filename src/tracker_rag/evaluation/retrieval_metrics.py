"""Chunk-level retrieval metrics of one ranking: recall@k, MRR@10, nDCG@10.

`recall@k` is the share of a case's evidence passages held by some chunk in the
top k, so a two-hop question scores 0.5 when only one hop is found.
"""

from __future__ import annotations

import math

from tracker_rag.evaluation.relevance import ChunkSpan, EvidenceSpan, covers

RECALL_CUTOFFS = (1, 3, 5, 10, 20)
CURVE_DEPTH = 20
RANK_CUTOFF = 10


def recall_at(ranking: list[ChunkSpan], spans: list[EvidenceSpan], k: int) -> float:
    """Share of evidence passages that some chunk of the top k holds."""
    if not spans:
        return 0.0
    top = ranking[:k]
    found = sum(1 for span in spans if any(covers(chunk, span) for chunk in top))
    return found / len(spans)


def reciprocal_rank(relevant: list[bool], cutoff: int = RANK_CUTOFF) -> float:
    """1 / rank of the first relevant chunk within the cutoff, else 0."""
    for rank, flag in enumerate(relevant[:cutoff], start=1):
        if flag:
            return 1 / rank
    return 0.0


def ndcg(relevant: list[bool], relevant_total: int, cutoff: int = RANK_CUTOFF) -> float:
    """Binary nDCG: gain of the ranking over the best possible one."""
    gain = sum(
        1 / math.log2(rank + 1)
        for rank, flag in enumerate(relevant[:cutoff], start=1)
        if flag
    )
    ideal = sum(
        1 / math.log2(rank + 1) for rank in range(1, min(relevant_total, cutoff) + 1)
    )
    return gain / ideal if ideal else 0.0


def all_gold_documents(
    ranking: list[ChunkSpan], gold_doc_ids: list[str], cutoff: int = RANK_CUTOFF
) -> float:
    """1.0 when every gold document has a chunk in the top `cutoff`, else 0.0."""
    if not gold_doc_ids:
        return 0.0
    found = {chunk.doc_id for chunk in ranking[:cutoff]}
    return 1.0 if set(gold_doc_ids) <= found else 0.0


def retrieval_scores(
    ranking: list[ChunkSpan],
    relevant: list[bool],
    spans: list[EvidenceSpan],
    relevant_total: int,
    gold_doc_ids: list[str],
) -> dict[str, float]:
    """Every retrieval metric of one answerable case."""
    scores = {f"recall@{k}": recall_at(ranking, spans, k) for k in RECALL_CUTOFFS}
    scores["mrr@10"] = reciprocal_rank(relevant)
    scores["ndcg@10"] = ndcg(relevant, max(relevant_total, sum(relevant)))
    scores["all_gold_docs@10"] = all_gold_documents(ranking, gold_doc_ids)
    return scores


def recall_curve(
    ranking: list[ChunkSpan], spans: list[EvidenceSpan], depth: int = CURVE_DEPTH
) -> list[float]:
    """recall@k for k = 1 … depth."""
    return [recall_at(ranking, spans, k) for k in range(1, depth + 1)]
