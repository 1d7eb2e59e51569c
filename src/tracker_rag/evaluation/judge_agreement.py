"""How often a support judge agrees with support judgements labelled by hand.

The labelled file is JSON Lines: `{"id", "claim", "passage", "supported", "kind",
"note"}`, where `supported` is the human verdict that the passage alone fully
supports the claim and `kind` says how the claim was made (paraphrase, changed
number, swapped name, added fact, ...).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ValidationError

from tracker_rag.answer.support_judge import SupportJudge
from tracker_rag.errors import DatasetError

DEFAULT_LABELLED_PAIRS = Path("evals/support_judgements.jsonl")


class LabelledPair(BaseModel):
    """A claim, a passage and whether a person found the passage supports it."""

    id: str
    claim: str
    passage: str
    supported: bool
    kind: str = "unspecified"
    note: str = ""


@dataclass(frozen=True)
class Agreement:
    """The judge against the labels: accuracy, Cohen's kappa, per-kind accuracy."""

    pairs: int
    accuracy: float
    kappa: float
    precision: float | None
    recall: float | None
    by_kind: dict[str, float]
    disagreements: list[dict[str, object]]

    def summary(self) -> dict[str, object]:
        """The figures without the disagreeing pairs."""
        return {
            "pairs": self.pairs,
            "accuracy": round(self.accuracy, 4),
            "kappa": round(self.kappa, 4),
            "precision": None if self.precision is None else round(self.precision, 4),
            "recall": None if self.recall is None else round(self.recall, 4),
            "by_kind": {kind: round(value, 4) for kind, value in self.by_kind.items()},
        }


def load_labelled_pairs(path: Path) -> list[LabelledPair]:
    """Read labelled pairs; a bad line is an error naming file and line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DatasetError(
            f"cannot read labelled pairs {path}: {exc.strerror}"
        ) from exc
    pairs = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            pairs.append(LabelledPair.model_validate(json.loads(line)))
        except (ValueError, ValidationError) as exc:
            reason = str(exc).splitlines()[0]
            raise DatasetError(f"{path}:{number}: {reason}") from exc
    if not pairs:
        raise DatasetError(f"{path} holds no labelled pairs")
    return pairs


def cohen_kappa(truth: list[bool], predicted: list[bool]) -> float:
    """Agreement beyond chance between two yes/no raters."""
    total = len(truth)
    observed = sum(a == b for a, b in zip(truth, predicted, strict=True)) / total
    yes_truth = sum(truth) / total
    yes_predicted = sum(predicted) / total
    expected = yes_truth * yes_predicted + (1 - yes_truth) * (1 - yes_predicted)
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0


def measure_agreement(judge: SupportJudge, pairs: list[LabelledPair]) -> Agreement:
    """Run the judge on every labelled pair and compare with the labels."""
    truth = [pair.supported for pair in pairs]
    predicted = []
    correct_by_kind: dict[str, list[bool]] = defaultdict(list)
    disagreements: list[dict[str, object]] = []
    for pair in pairs:
        judgement = judge.judge(pair.claim, [pair.passage])
        predicted.append(judgement.supported)
        correct_by_kind[pair.kind].append(judgement.supported == pair.supported)
        if judgement.supported != pair.supported:
            disagreements.append(
                {
                    "id": pair.id,
                    "kind": pair.kind,
                    "label": pair.supported,
                    "score": judgement.score,
                    "reason": judgement.reason,
                }
            )

    both = sum(a and b for a, b in zip(truth, predicted, strict=True))
    return Agreement(
        pairs=len(pairs),
        accuracy=sum(a == b for a, b in zip(truth, predicted, strict=True))
        / len(pairs),
        kappa=cohen_kappa(truth, predicted),
        precision=both / sum(predicted) if any(predicted) else None,
        recall=both / sum(truth) if any(truth) else None,
        by_kind={
            kind: sum(flags) / len(flags)
            for kind, flags in sorted(correct_by_kind.items())
        },
        disagreements=disagreements,
    )
