"""The real server, driven in headless Chromium: ask, read the sources, vote, reload."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import CORPUS, REPO

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"
QUESTION = "What is the Anthropic Institute valued at?"

pytestmark = pytest.mark.browser

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI must install Debian's chromium for the browser test")
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)


def is_ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz").status_code == 200
    except httpx.TransportError:
        return False


@contextmanager
def running_server(root: Path, **settings: str) -> Iterator[tuple[str, Path]]:
    """`tracker-rag serve` on a free loopback port over a freshly ingested corpus."""
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copytree(CORPUS, root / "corpus")
    env = {
        **os.environ,
        "TRACKER_RAG_CORPUS_DIR": str(root / "corpus"),
        "TRACKER_RAG_INDEX_DIR": str(root / "index"),
        "TRACKER_RAG_DATA_DIR": str(root / "data"),
        **{f"TRACKER_RAG_{key.upper()}": value for key, value in settings.items()},
    }
    command = [sys.executable, "-m", "tracker_rag.cli"]
    subprocess.run(
        [*command, "ingest"], env=env, check=True, capture_output=True, timeout=300
    )
    log = root / "server.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [*command, "serve", "--port", "0"], env=env, stdout=output, stderr=output
        )
    try:
        deadline = time.monotonic() + 180
        while "/ui/" not in log.read_text():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "server printed no address"
            time.sleep(0.2)
        first_line = log.read_text().splitlines()[0]
        url = first_line.split(" at ", 1)[1].strip()
        base = url.removesuffix("/ui/")
        while not is_ready(base):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "server never became ready"
            time.sleep(0.5)
        yield url, root / "data" / "feedback.sqlite3"
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.copy(log, ARTIFACTS / f"server-{root.name}.log")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The server with extractive answers."""
    with running_server(tmp_path_factory.mktemp("served")) as served:
        yield served


def launch_chromium(playwright: Any) -> Any:
    """Debian's Chromium, headless, with no background traffic."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    )


def stored_votes(database: Path) -> list[tuple[str, str]]:
    if not database.exists():
        return []
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT vote, question FROM feedback").fetchall()


def test_a_person_asks_sees_highlighted_sources_votes_and_reloads(
    server: tuple[str, Path],
) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, database = server
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            page.locator("#tr-question textarea").fill(QUESTION)
            page.locator("#tr-ask").click()

            cited = page.locator("#tr-sources mark.tr-cited").first
            expect(cited).to_contain_text("$380 billion", timeout=60_000)
            expect(page.locator("#tr-chat")).to_contain_text("[1]")
            expect(page.locator("#tr-sources .tr-source h4").first).to_contain_text(
                "The New Frontlines of AI"
            )
            expect(page.locator("#tr-sources .tr-meta").first).to_contain_text(
                "2026-03-16"
            )
            passage = page.locator("#tr-sources .tr-passage").first.inner_text()
            assert len(passage) > len(
                cited.inner_text()
            )  # highlighted inside its context
            page.screenshot(path=str(ARTIFACTS / "ui-answer.png"), full_page=True)

            page.get_by_label("Like", exact=True).last.click()
            deadline = time.monotonic() + 20
            while ("up", QUESTION) not in stored_votes(database):
                assert time.monotonic() < deadline, stored_votes(database)
                time.sleep(0.2)

            page.reload()
            expect(page.locator("#tr-chat")).to_contain_text(QUESTION, timeout=30_000)
            expect(page.locator("#tr-chat")).to_contain_text("$380 billion")
            expect(page.locator("#tr-sources mark.tr-cited").first).to_contain_text(
                "$380 billion"
            )
        finally:
            browser.close()


@pytest.mark.llm
@pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None and not os.environ.get("CI"),
    reason="llama-cpp-python is not installed (install.sh --llm)",
)
def test_with_the_bundled_model_the_chat_shows_a_written_checked_answer(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    root = tmp_path_factory.mktemp("served-llm")
    with (
        running_server(root, generator="llama-cpp") as (url, _),
        sync_playwright() as playwright,
    ):
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            page.locator("#tr-question textarea").fill(QUESTION)
            page.locator("#tr-ask").click()

            check = page.locator("#tr-sources .tr-check")
            expect(check).to_contain_text("sentences checked", timeout=120_000)
            expect(check).to_contain_text("Written by qwen2.5-coder")
            expect(page.locator("#tr-sources mark.tr-cited").first).to_contain_text(
                "$380 billion"
            )
            expect(page.locator("#tr-chat")).to_contain_text("[1]")
            page.screenshot(
                path=str(ARTIFACTS / "ui-written-answer.png"), full_page=True
            )
        finally:
            browser.close()
