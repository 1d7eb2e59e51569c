"""Reciprocal rank fusion of several rankings."""

from __future__ import annotations

import pytest

from tracker_rag.retrieve.fusion import fuse_rankings


def order(fused: list[tuple[str, float]]) -> list[str]:
    return [item for item, _ in fused]


def test_item_ranked_well_by_both_beats_item_first_in_only_one() -> None:
    dense = ["a", "b", "c"]
    keyword = ["b", "d", "a"]

    fused = fuse_rankings([dense, keyword])

    assert order(fused) == ["b", "a", "d", "c"]


def test_scores_are_the_sum_of_reciprocal_ranks() -> None:
    fused = dict(fuse_rankings([["a", "b"], ["b"]], k=10))

    assert fused["a"] == pytest.approx(1 / 11)
    assert fused["b"] == pytest.approx(1 / 12 + 1 / 11)


def test_item_in_one_ranking_only_is_kept() -> None:
    fused = dict(fuse_rankings([["a"], ["b", "c"]]))

    assert set(fused) == {"a", "b", "c"}
    assert fused["c"] == pytest.approx(1 / 62)


def test_weights_scale_each_rankings_contribution() -> None:
    dense = ["a", "b"]
    keyword = ["b", "a"]

    assert order(fuse_rankings([dense, keyword], weights=[2.0, 1.0])) == ["a", "b"]
    assert order(fuse_rankings([dense, keyword], weights=[1.0, 2.0])) == ["b", "a"]
    assert dict(fuse_rankings([dense, keyword], k=0, weights=[3.0, 1.0]))[
        "a"
    ] == pytest.approx(3.0 + 0.5)


def test_small_k_lets_one_top_rank_beat_agreement_lower_down() -> None:
    rankings = [["a", "x", "b"], ["y", "z", "b"]]

    assert order(fuse_rankings(rankings, k=0))[0] == "a"
    assert order(fuse_rankings(rankings, k=60))[0] == "b"


def test_ties_keep_the_order_in_which_items_were_first_seen() -> None:
    fused = fuse_rankings([["x", "y"], ["y", "x"]])

    assert order(fused) == ["x", "y"]
    assert fused[0][1] == pytest.approx(fused[1][1])


def test_scores_come_best_first() -> None:
    fused = fuse_rankings([["a", "b", "c", "d"], ["d", "c"], ["c"]])

    scores = [score for _, score in fused]
    assert scores == sorted(scores, reverse=True)
    assert order(fused)[0] == "c"


@pytest.mark.parametrize("rankings", [[], [[]], [[], []]])
def test_empty_input_gives_an_empty_result(rankings: list[list[str]]) -> None:
    assert fuse_rankings(rankings) == []


def test_one_ranking_keeps_its_order() -> None:
    assert order(fuse_rankings([["c", "a", "b"]])) == ["c", "a", "b"]


def test_weights_must_match_the_rankings() -> None:
    with pytest.raises(ValueError):
        fuse_rankings([["a"], ["b"]], weights=[1.0])
