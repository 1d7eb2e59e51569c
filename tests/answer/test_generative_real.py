"""Generative answers from the real Qwen2.5-Coder-0.5B, in-process and over HTTP.

CI installs llama.cpp and the model parts (`scripts/install.sh --llm`); on a
machine without them these tests are skipped, in CI they must run.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from tracker_rag.answer.answer_events import AnswerDelta, AnswerDone
from tracker_rag.answer.llm.bundled_model import bundled_model_file
from tracker_rag.answer.llm.llama_cpp_backend import LlamaCppBackend
from tracker_rag.answer.llm.openai_backend import OpenAICompatibleBackend
from tracker_rag.api import create_app
from tracker_rag.domain import Answer
from tracker_rag.service import TrackerRag

pytestmark = [pytest.mark.llm, pytest.mark.real_model, pytest.mark.slow]

if importlib.util.find_spec("llama_cpp") is None:
    if os.environ.get("CI"):
        raise RuntimeError("CI must install the llm extra (install.sh --llm)")
    pytest.skip("llama-cpp-python is not installed", allow_module_level=True)

QUESTION = "What is the Anthropic Institute valued at?"
OUTSIDE = "Who won the football world cup in 2022?"


@pytest.fixture(scope="module")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled GGUF, joined from its packages and checked."""
    return bundled_model_file(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="module")
def in_process(built_service: TrackerRag, model_file: Path) -> TrackerRag:
    """A service answering with llama.cpp in this process."""
    return TrackerRag(
        built_service.settings.model_copy(update={"generator": "llama-cpp"}),
        embedder=built_service.embedder,
        backend=LlamaCppBackend(model_file, context_tokens=4096),
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def model_server(model_file: Path, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """llama.cpp's OpenAI-compatible server on a free loopback port."""
    port = free_port()
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable, "-m", "llama_cpp.server", "--model", str(model_file),
            "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096",
            "--model_alias", "qwen", "--n_threads", str(os.cpu_count() or 2),
        ],
        stdout=log, stderr=log,
    )  # fmt: skip
    process.base_url = f"http://127.0.0.1:{port}/v1"  # type: ignore[attr-defined]
    deadline = time.monotonic() + 120
    while True:
        assert process.poll() is None, (tmp_path / "server.log").read_text()
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/models").status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "the model server never came up"
        time.sleep(0.3)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGCONT)
            process.kill()
        process.wait(timeout=30)
        log.close()


def over_http(
    built_service: TrackerRag, base_url: str, **settings: object
) -> TrackerRag:
    """A service answering through the OpenAI-compatible server."""
    updated = built_service.settings.model_copy(
        update={"generator": "openai", "llm_base_url": base_url, **settings}
    )
    backend = OpenAICompatibleBackend(
        base_url,
        "qwen",
        connect_timeout=updated.llm_connect_timeout,
        timeout=updated.llm_timeout,
        stall_timeout=updated.llm_stall_timeout,
    )
    return TrackerRag(updated, embedder=built_service.embedder, backend=backend)


def assert_cited_answer(answer: Answer) -> None:
    """A written answer whose every shown sentence is supported by what it cites."""
    assert answer.mode == "generative" and not answer.abstained, answer.answer
    assert answer.generation is not None and answer.generation.draft.strip()
    assert any("$380 billion" in citation.text for citation in answer.citations)
    for statement in answer.generation.statements:
        assert statement.supported == (statement.action not in ("dropped", "marked"))
        assert statement.supported or statement.text not in answer.answer


def test_the_in_process_model_writes_a_cited_checked_answer(
    in_process: TrackerRag,
) -> None:
    assert_cited_answer(in_process.ask(QUESTION))


def test_a_question_outside_the_corpus_is_refused(in_process: TrackerRag) -> None:
    answer = in_process.ask(OUTSIDE)

    assert answer.abstained and not answer.citations
    assert "does not answer" in answer.answer


def test_the_api_streams_the_model_text_then_the_checked_answer(
    in_process: TrackerRag,
) -> None:
    app = create_app(
        in_process.settings, in_process, with_ui=False, load_on_start=False
    )
    with TestClient(app) as client:
        response = client.post(
            "/v1/answer", json={"question": QUESTION, "stream": True}
        )

    blocks = response.text.strip().split("\n\n")
    names = [block.split("\n")[0].removeprefix("event: ") for block in blocks]
    assert names[-1] == "done" and set(names[:-1]) == {"delta"} and len(names) > 2
    payloads = [json.loads(block.split("data: ", 1)[1]) for block in blocks]
    streamed = "".join(payload["text"] for payload in payloads[:-1])
    assert streamed == payloads[-1]["generation"]["draft"]
    assert payloads[-1]["citations"]


def test_the_check_removes_what_a_deliberately_wrong_passage_does_not_support(
    in_process: TrackerRag,
) -> None:
    answer = in_process.ask(QUESTION)
    assert answer.generation is not None
    wrong = [
        scored
        for scored in in_process.retrieve(
            "What do glass substrate AI chips promise?"
        ).chunks
        if "Anthropic Institute" not in scored.chunk.text
    ]
    generator = in_process.generator
    assert generator is not None

    checked = generator.check(answer.generation.draft, wrong)

    assert checked.outcome == "unusable"
    assert checked.verified.removed == len(checked.verified.statements) > 0
    assert all(not s.supported for s in checked.generation.statements)


def test_the_openai_compatible_server_answers_with_checked_citations(
    built_service: TrackerRag, model_server: subprocess.Popen[bytes]
) -> None:
    service = over_http(built_service, model_server.base_url)  # type: ignore[attr-defined]

    answer = service.ask(QUESTION)

    assert_cited_answer(answer)
    assert answer.generation is not None and answer.generation.backend == "openai"


def test_a_server_stopped_mid_answer_falls_back_and_a_dead_one_too(
    built_service: TrackerRag, model_server: subprocess.Popen[bytes]
) -> None:
    service = over_http(
        built_service,
        model_server.base_url,  # type: ignore[attr-defined]
        llm_stall_timeout=8.0,
    )

    # Two passages keep the prompt short, so the first token comes quickly.
    events = service.ask_events(QUESTION, top_k=2)
    assert isinstance(next(events), AnswerDelta)  # the reply has begun
    model_server.send_signal(signal.SIGSTOP)
    started = time.monotonic()
    done = [event for event in events if isinstance(event, AnswerDone)]
    assert time.monotonic() - started < 40
    answer = done[0].answer
    assert answer.mode == "extractive" and "$380 billion" in answer.answer
    assert answer.generation is not None
    assert "language model failed" in str(answer.generation.fallback)

    model_server.send_signal(signal.SIGCONT)
    model_server.kill()
    model_server.wait(timeout=30)
    answer = service.ask(QUESTION)
    assert answer.mode == "extractive"
    assert "cannot be reached" in str(answer.generation and answer.generation.fallback)
