"""A small corpus in two versions, and a driver that kills ingests of it.

Run as a script with a list of scenarios, it runs each in a forked child
that ingests version 1 of the corpus, switches the folder to version 2 and
ingests again with a trap armed that sends SIGKILL to the child at one chosen
point: the Nth call of a function, before or after it runs, or after a delay.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import signal
import sys
import threading
import traceback
from pathlib import Path
from typing import Any

TOPICS = ("turbines", "satellites", "vaccines", "reactors", "bridges", "chips")


def document_text(number: int, version: int) -> str:
    """A document of three sections whose facts name the document and version."""
    topic = TOPICS[number % len(TOPICS)]
    price = number * 100 + version
    sections = []
    for section in range(3):
        sentences = " ".join(
            f"The {topic} programme number {number} reached milestone {section}.{k} "
            f"in year {2000 + number + k} after careful review by the board."
            for k in range(2)
        )
        sections.append(f"## Part {section}\n\n{sentences}")
    return (
        f"# Dossier {number}\n\n"
        f"Dossier {number} records that unit {number} costs {price} credits "
        f"(version {version}).\n\n" + "\n\n".join(sections) + "\n"
    )


def write_version(corpus: Path, version: int) -> dict[str, str]:
    """Make `corpus` hold one version; return doc id to text of what it holds.

    Version 2 changes documents 0-3, removes 10-11 and adds 12-14.
    """
    shutil.rmtree(corpus, ignore_errors=True)
    corpus.mkdir(parents=True)
    numbers = range(12) if version == 1 else [*range(10), 12, 13, 14]
    texts = {}
    for number in numbers:
        changed = version == 2 and number < 4
        text = document_text(number, 2 if changed else 1)
        (corpus / f"dossier-{number:02d}.md").write_text(text, encoding="utf-8")
        texts[f"dossier-{number:02d}"] = text
    return texts


def _arm(target: str, when: str, nth: int) -> None:
    """Replace `module:Class.function` by a wrapper that dies at its Nth call."""
    module_name, _, attribute = target.partition(":")
    owner: Any = importlib.import_module(module_name)
    *path, name = attribute.split(".")
    for part in path:
        owner = getattr(owner, part)
    original = getattr(owner, name)
    calls = 0

    def trap(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if when == "before" and calls == nth:
            os.kill(os.getpid(), signal.SIGKILL)
        result = original(*args, **kwargs)
        if when == "after" and calls == nth:
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    setattr(owner, name, trap)


def run_scenario(root: Path, scenario: dict[str, Any], embedder: Any) -> None:
    """Ingest version 1, then version 2 with the scenario's trap armed."""
    from tracker_rag.index import ingestion
    from tracker_rag.service import TrackerRag
    from tracker_rag.settings import Settings

    # Small batches, so the embedding phase has several commit-free steps.
    ingestion.DOCUMENTS_PER_BATCH = 3
    service = TrackerRag(
        Settings(index_dir=root / "index", corpus_dir=root / "corpus"),
        embedder=embedder,
    )
    write_version(root / "corpus", 1)
    service.ingest()
    write_version(root / "corpus", 2)

    if scenario.get("target"):
        _arm(scenario["target"], scenario["when"], scenario["nth"])
    if scenario.get("after_seconds") is not None:
        timer = threading.Timer(
            scenario["after_seconds"], lambda: os.kill(os.getpid(), signal.SIGKILL)
        )
        timer.daemon = True
        timer.start()
    (root / "armed").touch()
    service.ingest()


def main() -> None:
    """Run each scenario in a forked child; print their exit statuses as JSON.

    The modules and the model's weights are loaded once, before forking, so
    each run pays only for its ingests; nothing that starts threads runs
    before the fork.
    """
    parser = argparse.ArgumentParser()
    parser.add_argument("scenarios", type=Path, help="JSON list of scenarios")
    args = parser.parse_args()
    scenarios = json.loads(args.scenarios.read_text())

    from tracker_rag.index.embedder import SentenceEmbedder
    from tracker_rag.settings import bundled_model_path

    # Export the model now, but open no session: its thread pools would not
    # survive the fork, so each child opens its own.
    embedder = SentenceEmbedder(bundled_model_path())
    embedder.prepare()

    statuses = {}
    for scenario in scenarios:
        root = Path(scenario["root"])
        pid = os.fork()
        if pid == 0:
            try:
                run_scenario(root, scenario, embedder)
            except BaseException:
                traceback.print_exc()
                os._exit(1)
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        statuses[scenario["root"]] = (
            -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        )
    print(json.dumps(statuses), flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
