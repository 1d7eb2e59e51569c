"""The generative model as a support judge, through a replaying backend."""

from __future__ import annotations

from tests.fakes import ReplayBackend
from tracker_rag.answer.model_judge import ModelJudge


def test_a_yes_supports_and_anything_else_does_not() -> None:
    backend = ReplayBackend("Yes.", "no", "Maybe, it depends")
    judge = ModelJudge(backend)

    verdicts = [judge.judge("A claim [1].", ["A passage."]).supported for _ in range(3)]

    assert verdicts == [True, False, False]
    prompt = backend.prompts[0][1].content
    assert "Claim: A claim." in prompt and "<<<\nA passage.\n>>>" in prompt


def test_a_claim_without_evidence_is_unsupported_without_asking() -> None:
    backend = ReplayBackend()
    judgement = ModelJudge(backend).judge("A claim.", ["   "])

    assert not judgement.supported and judgement.reason == "no evidence"
    assert backend.prompts == []
