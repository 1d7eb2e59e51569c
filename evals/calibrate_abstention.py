"""Print answer confidence on the project's own questions, to set `abstain_below`.

Run from the checkout after `tracker-rag ingest`:

    .venv/bin/python evals/calibrate_abstention.py [evals/tracker_questions.jsonl]

For every question it prints the confidence and whether the first cited
sentence is one of the question's gold passages; then, for each threshold, how
many answerable questions would be answered and unanswerable ones refused.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tracker_rag.service import TrackerRag
from tracker_rag.settings import Settings


def main() -> None:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "evals/tracker_questions.jsonl")
    cases = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    service = TrackerRag(Settings(abstain_below=0.0))
    rows = []
    for case in cases:
        answer = service.ask(case["question"])
        cited = [citation.text for citation in answer.citations]
        hit = any(p in c or c in p for p in case["passages"] for c in cited)
        rows.append((case["answerable"], answer.search.confidence, hit))
        flag = "ok " if hit else ("-- " if case["answerable"] else "   ")
        print(
            f"{case['id']} {flag}{answer.search.confidence:.3f} "
            f"{case['type']:<13} {case['question'][:70]}"
        )

    answerable = [r for r in rows if r[0]]
    unanswerable = [r for r in rows if not r[0]]
    print(f"\ngold passage cited: {sum(r[2] for r in answerable)}/{len(answerable)}")
    print("threshold  answered(answerable)  refused(unanswerable)  balanced accuracy")
    for step in range(30, 66, 2):
        threshold = step / 100
        answered = sum(r[1] >= threshold for r in answerable) / len(answerable)
        refused = sum(r[1] < threshold for r in unanswerable) / len(unanswerable)
        print(
            f"{threshold:9.2f}  {answered:20.2f}  {refused:21.2f}  "
            f"{(answered + refused) / 2:17.3f}"
        )


if __name__ == "__main__":
    main()
