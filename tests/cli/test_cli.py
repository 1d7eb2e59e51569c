"""The `tracker-rag` command: output, batch mode, errors, and no network use."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import ARTICLE_ID, QUESTIONS, REPO
from tracker_rag.cli.main import run
from tracker_rag.service import TrackerRag

# Blocks every internet socket in a child Python and records each attempt.
NETWORK_GUARD = textwrap.dedent(
    """
    import os, socket

    _log = os.environ["NETWORK_ATTEMPTS_LOG"]
    _connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex
    _getaddrinfo = socket.getaddrinfo

    def _record(what):
        with open(_log, "a") as handle:
            handle.write(what + "\\n")

    def _blocked(self, address, *args):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _record(f"connect {address!r}")
            raise OSError("network access blocked by the test")
        return _connect(self, address, *args)

    def _blocked_ex(self, address, *args):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _record(f"connect_ex {address!r}")
            return 111
        return _connect_ex(self, address, *args)

    def _blocked_lookup(host, *args, **kwargs):
        _record(f"getaddrinfo {host!r}")
        raise socket.gaierror("name lookup blocked by the test")

    socket.socket.connect = _blocked
    socket.socket.connect_ex = _blocked_ex
    socket.getaddrinfo = _blocked_lookup
    """
)


def run_cli(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the installed command in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "tracker_rag.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=REPO,
        timeout=300,
        check=False,
    )


def test_ask_prints_the_answer_then_numbered_sources(built_service: TrackerRag) -> None:
    out = io.StringIO()
    status = run(
        [
            "--index-dir",
            str(built_service.paths.root),
            "ask",
            "What is the Anthropic Institute valued at?",
        ],
        out,
    )

    text = out.getvalue()
    assert status == 0
    assert "$380 billion" in text.split("Sources:")[0]
    assert "[1] The New Frontlines of AI" in text
    assert "(2026-03-16)" in text
    assert "Market Dynamics, Geopolitics, and Hardware Innovation" in text


def test_ask_json_prints_the_answer_object(built_service: TrackerRag) -> None:
    out = io.StringIO()
    run(
        [
            "--index-dir",
            str(built_service.paths.root),
            "ask",
            "What does EVATok enhance?",
            "--json",
            "--top-k",
            "3",
        ],
        out,
    )

    answer = json.loads(out.getvalue())
    assert {"question", "answer", "abstained", "citations", "timings"} <= set(answer)
    citation = answer["citations"][0]
    assert {
        "marker",
        "doc_id",
        "title",
        "updated",
        "url",
        "chunk_id",
        "text",
        "start",
        "end",
    } <= set(citation)
    assert citation["doc_id"] == ARTICLE_ID
    assert answer["search"]["chunks_retrieved"] <= 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["ask", "Who?", "--as-of", "16/03/2026"],
            "--as-of '16/03/2026' is not a date",
        ),
        (["ask", "Who?", "--as-of", "2026-02-30"], "is not a real date"),
        (["ask", "Who?", "--top-k", "0"], "--top-k 0 is out of range"),
        (["ask", "   "], "question is empty"),
        (["ask", "Who?", "--topic", "Cooking"], "unknown topic 'Cooking'"),
    ],
)
def test_bad_input_is_one_line_and_a_failing_status(
    built_service: TrackerRag,
    args: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = run(["--index-dir", str(built_service.paths.root), *args], io.StringIO())

    error = capsys.readouterr().err.strip()
    assert status == 1
    assert error.startswith("tracker-rag: error:")
    assert message in error
    assert "\n" not in error


def test_asking_before_any_ingest_says_how_to_build_the_index(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = run(
        ["--index-dir", str(tmp_path / "empty"), "ask", "What is GPT-5.4?"],
        io.StringIO(),
    )

    assert status == 1
    assert capsys.readouterr().err.strip() == (
        f"tracker-rag: error: no index in {tmp_path / 'empty'} yet; "
        "build it with `tracker-rag ingest`"
    )


def test_ingest_of_a_missing_folder_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = run(
        ["--index-dir", str(tmp_path / "index"), "ingest", str(tmp_path / "nowhere")],
        io.StringIO(),
    )

    assert status == 1
    assert "corpus folder" in capsys.readouterr().err


def test_ingest_and_batch_answers_run_without_any_network(
    tmp_path: Path, corpus_copy: Path
) -> None:
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(NETWORK_GUARD)
    attempts = tmp_path / "attempts.log"
    env = {
        "PYTHONPATH": str(guard),
        "NETWORK_ATTEMPTS_LOG": str(attempts),
        "TRACKER_RAG_INDEX_DIR": str(tmp_path / "index"),
        # The embedded Chroma: this test is about using no network at all.
        "TRACKER_RAG_CHROMA_URL": "",
    }
    cases = [
        json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()
    ]
    questions = [case["question"] for case in cases[:12]]

    ingest = run_cli("ingest", str(corpus_copy), env=env)
    ask = run_cli("ask", "-", "--json", stdin="\n".join(questions) + "\n", env=env)

    assert ingest.returncode == 0, ingest.stderr
    assert "1 added" in ingest.stdout
    assert ask.returncode == 0, ask.stderr
    answers = [json.loads(line) for line in ask.stdout.splitlines()]
    assert [answer["question"] for answer in answers] == questions
    assert not attempts.exists(), attempts.read_text()


def test_network_guard_catches_a_connection_attempt(tmp_path: Path) -> None:
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(NETWORK_GUARD)
    attempts = tmp_path / "attempts.log"
    script = textwrap.dedent(
        """
        import urllib.request
        try:
            urllib.request.urlopen("http://example.org", timeout=2)
        except OSError:
            pass
        """
    )

    subprocess.run(
        [sys.executable, "-c", script],
        env={
            **os.environ,
            "PYTHONPATH": str(guard),
            "NETWORK_ATTEMPTS_LOG": str(attempts),
        },
        check=True,
        timeout=60,
    )

    assert "example.org" in attempts.read_text()


def test_index_export_and_import_print_what_moved(
    built_service: TrackerRag, tmp_path: Path
) -> None:
    archive = tmp_path / "index.tar.gz"
    exported, imported = io.StringIO(), io.StringIO()
    chunks = len(built_service.index.catalog)

    status_out = run(
        ["--index-dir", str(built_service.paths.root), "index", "export", str(archive)],
        exported,
    )
    status_in = run(
        ["--index-dir", str(tmp_path / "moved"), "index", "import", str(archive)],
        imported,
    )

    assert (status_out, status_in) == (0, 0)
    assert exported.getvalue().startswith(f"exported 1 documents, {chunks} chunks")
    assert imported.getvalue().startswith(f"imported 1 documents, {chunks} chunks")


def test_several_workers_without_a_chroma_server_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRACKER_RAG_CHROMA_URL", raising=False)

    status = run(
        ["--index-dir", str(tmp_path), "serve", "--port", "0", "--workers", "2"],
        io.StringIO(),
    )

    assert status == 1
    assert "need a Chroma server" in capsys.readouterr().err
