"""Combine several rankings into one."""

from __future__ import annotations

from collections.abc import Sequence


def fuse_rankings(
    rankings: Sequence[Sequence[str]],
    k: int = 60,
    weights: Sequence[float] | None = None,
) -> list[tuple[str, float]]:
    """Reciprocal rank fusion: each ranking adds `weight / (k + rank)` to an item.

    Args:
        rankings: Item ids, best first, one list per ranking.
        k: Damps the lead of top ranks; 60 is the usual choice.
        weights: One weight per ranking (all 1 when omitted).

    Returns:
        (item id, fused score) pairs, best first; ties keep first-seen order.
    """
    weights = weights or [1.0] * len(rankings)
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda pair: -pair[1])
