"""Keys, who may write, CORS and body limits, as a client on the network meets them."""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

from tests.api.conftest import make_settings
from tracker_rag.api import auth, create_app
from tracker_rag.service import TrackerRag
from tracker_rag.settings import Settings

KEY = "k3y-that-must-never-be-logged-7f3a"
QUESTION = {"question": "What is EVATok?"}
NOTE = b"---\nid: security-note\nkind: source\n---\n# A note\n\nSome text.\n"


@pytest.fixture
def build_app(api_root: Path, service: TrackerRag) -> Callable[..., FastAPI]:
    """Build an app over the module's service with some settings changed."""

    def build(**overrides: object) -> FastAPI:
        settings = make_settings(api_root, **overrides)
        return create_app(settings, service, with_ui=False, load_on_start=False)

    return build


@pytest.fixture
def keyed_client(build_app: Callable[..., FastAPI]) -> Iterator[TestClient]:
    """A client of an app with the API key set and reads closed too."""
    app = build_app(api_key=KEY, reads_need_key=True)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def bearer(key: str | bytes) -> dict[str, str | bytes]:
    prefix = b"Bearer " if isinstance(key, bytes) else "Bearer "
    return {"Authorization": prefix + key}  # type: ignore[operator]


# Keys


@pytest.mark.parametrize(
    "presented",
    [
        "",
        "k",
        KEY[:-1],
        KEY + "x",
        KEY.upper(),
        "x" * 10_000,
        "clé-secrète".encode(),
        b"\xff\xfe\x00\x01",
    ],
    ids=["empty", "short", "prefix", "longer", "case", "huge", "utf8", "binary"],
)
def test_a_wrong_key_of_any_length_or_alphabet_is_401_not_an_error(
    keyed_client: TestClient, presented: str | bytes
) -> None:
    response = keyed_client.post("/v1/answer", json=QUESTION, headers=bearer(presented))

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "Authorization: Bearer" in response.json()["error"]


def test_the_right_key_opens_reads_and_writes(keyed_client: TestClient) -> None:
    read = keyed_client.post("/v1/answer", json=QUESTION, headers=bearer(KEY))
    write = keyed_client.delete("/v1/documents/no-such-doc", headers=bearer(KEY))
    other_scheme = keyed_client.post(
        "/v1/answer", json=QUESTION, headers={"Authorization": f"Basic {KEY}"}
    )

    assert read.status_code == 200
    assert write.status_code == 404  # allowed, and then the id is unknown
    assert other_scheme.status_code == 401


def test_a_non_ascii_key_matches_when_sent_as_utf8(
    build_app: Callable[..., FastAPI],
) -> None:
    app = build_app(api_key="clé-secrète", reads_need_key=True)
    with TestClient(app) as client:
        right = client.post(
            "/v1/answer", json=QUESTION, headers=bearer("clé-secrète".encode())
        )
        wrong = client.post("/v1/answer", json=QUESTION, headers=bearer(b"cle-secrete"))
    assert right.status_code == 200
    assert wrong.status_code == 401


def test_keys_are_compared_in_constant_time(
    keyed_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    compared: list[tuple[bytes, bytes]] = []

    def spy(expected: bytes, presented: bytes) -> bool:
        compared.append((expected, presented))
        return hmac.compare_digest(expected, presented)

    monkeypatch.setattr(auth.hmac, "compare_digest", spy)
    keyed_client.post("/v1/answer", json=QUESTION, headers=bearer("wrong"))
    keyed_client.post("/v1/answer", json=QUESTION, headers=bearer(KEY))

    assert (KEY.encode(), b"wrong") in compared
    assert (KEY.encode(), KEY.encode()) in compared


def test_the_key_appears_in_no_log_record(
    keyed_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    keyed_client.post("/v1/answer", json=QUESTION, headers=bearer(KEY))
    keyed_client.post("/v1/answer", json=QUESTION, headers=bearer(KEY + "-wrong"))
    keyed_client.post("/v1/answer", json=QUESTION, headers=bearer(KEY[:8]))
    keyed_client.post(
        "/v1/documents",
        files=[("files", ("bad name/..md", NOTE, "text/markdown"))],
        headers=bearer(KEY),
    )
    keyed_client.get("/v1/jobs/none", headers=bearer(KEY))
    keyed_client.delete("/v1/documents/none", headers=bearer("wrong-" + KEY))

    assert caplog.records, "the requests were not logged at all"
    for record in caplog.records:
        text = f"{record.getMessage()} {record.args!r} {record.exc_text or ''}"
        assert KEY not in text
        assert KEY[:8] not in text


def test_settings_never_show_the_key() -> None:
    settings = Settings(api_key=KEY, llm_api_key="llm-" + KEY)

    shown = [repr(settings), str(settings), settings.model_dump_json()]

    assert all(KEY not in text for text in shown)
    assert settings.api_key is not None
    assert settings.api_key.get_secret_value() == KEY


# Who may write


@pytest.mark.parametrize(
    "address", ["203.0.113.5", "10.0.0.8", "2001:db8::5", "::ffff:203.0.113.5"]
)
def test_without_a_key_no_write_is_accepted_from_another_machine(
    build_app: Callable[..., FastAPI], api_root: Path, address: str
) -> None:
    before = sorted(path for path in api_root.rglob("*") if path.is_file())
    app = build_app()
    # A forwarding header naming loopback is no way around it.
    spoofed = {"X-Forwarded-For": "127.0.0.1", "X-Real-IP": "127.0.0.1"}
    with TestClient(app, client=(address, 1234)) as client:
        upload = client.post(
            "/v1/documents",
            files=[("files", ("note.md", NOTE, "text/markdown"))],
            headers=spoofed,
        )
        delete = client.delete("/v1/documents/frontier-labs-deals-and-ai-geopolitics")
        read = client.post("/v1/answer", json=QUESTION)

    assert upload.status_code == delete.status_code == 403
    assert "loopback" in upload.json()["error"]
    assert read.status_code == 200
    assert sorted(path for path in api_root.rglob("*") if path.is_file()) == before


@pytest.mark.parametrize("address", ["127.0.0.1", "127.5.5.5", "::1"])
def test_without_a_key_loopback_may_write(
    build_app: Callable[..., FastAPI], address: str
) -> None:
    with TestClient(build_app(), client=(address, 1234)) as client:
        delete = client.delete("/v1/documents/no-such-doc")
    assert delete.status_code == 404  # allowed, and then the id is unknown


# CORS

PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization,content-type",
}


def test_cors_is_off_unless_origins_are_configured(
    build_app: Callable[..., FastAPI],
) -> None:
    with TestClient(build_app()) as client:
        preflight = client.options(
            "/v1/answer", headers={"Origin": "https://app.example", **PREFLIGHT}
        )
        answer = client.post(
            "/v1/answer", json=QUESTION, headers={"Origin": "https://app.example"}
        )

    assert preflight.status_code == 405
    for response in (preflight, answer):
        assert "access-control-allow-origin" not in response.headers


def test_cors_allows_only_the_configured_origins(
    build_app: Callable[..., FastAPI],
) -> None:
    app = build_app(cors_origins=["https://app.example"])
    with TestClient(app) as client:
        allowed = client.options(
            "/v1/answer", headers={"Origin": "https://app.example", **PREFLIGHT}
        )
        refused = client.options(
            "/v1/answer", headers={"Origin": "https://evil.example", **PREFLIGHT}
        )
        answer = client.post(
            "/v1/answer", json=QUESTION, headers={"Origin": "https://app.example"}
        )
        other = client.post(
            "/v1/answer", json=QUESTION, headers={"Origin": "https://evil.example"}
        )

    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    assert "POST" in allowed.headers["access-control-allow-methods"]
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    assert answer.headers["access-control-allow-origin"] == "https://app.example"
    assert "X-Request-ID" in answer.headers["access-control-expose-headers"]
    assert "access-control-allow-origin" not in other.headers


def test_cors_origins_are_read_comma_separated_and_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRACKER_RAG_CORS_ORIGINS", "https://a.example, http://b:3000")
    assert Settings().cors_origins == ["https://a.example", "http://b:3000"]
    with pytest.raises(ValidationError, match="no path"):
        Settings(cors_origins=["https://a.example/"])
    with pytest.raises(ValidationError, match="no path"):
        Settings(cors_origins=["a.example"])


# Body limits


def test_an_upload_with_too_many_files_is_413_and_writes_nothing(
    build_app: Callable[..., FastAPI], api_root: Path
) -> None:
    app = build_app(max_upload_files=2)
    files = [("files", (f"n{i}.md", NOTE, "text/markdown")) for i in range(3)]
    with TestClient(app) as client:
        response = client.post("/v1/documents", files=files)

    assert response.status_code == 413
    assert response.json()["error"] == "files: at most 2 files per upload"
    assert response.json()["field"] == "files"
    assert not (api_root / "corpus" / "sources" / "n0.md").exists()


def test_a_file_over_its_size_limit_is_413_naming_it(
    build_app: Callable[..., FastAPI], api_root: Path
) -> None:
    app = build_app(max_upload_bytes=1000)
    files = [
        ("files", ("small.md", NOTE, "text/markdown")),
        ("files", ("large.md", b"x" * 1001, "text/markdown")),
    ]
    with TestClient(app) as client:
        response = client.post("/v1/documents", files=files)

    assert response.status_code == 413
    assert "'large.md' is over the limit of 1,000 bytes" in response.json()["error"]
    # Every file is checked before any is written.
    assert not (api_root / "corpus" / "sources" / "small.md").exists()


def test_a_json_body_over_its_limit_is_413_in_the_error_format(
    build_app: Callable[..., FastAPI],
) -> None:
    app = build_app(max_body_bytes=2000)
    with TestClient(app) as client:
        response = client.post("/v1/answer", json={"question": "x" * 3000})

    assert response.status_code == 413
    assert response.json()["error"] == (
        "body: the request body is over the limit of 2,000 bytes"
    )
    assert response.json()["request_id"] == response.headers["X-Request-ID"]


MULTIPART_HEAD = (
    b"--b\r\n"
    b'Content-Disposition: form-data; name="files"; filename="endless.md"\r\n'
    b"Content-Type: text/markdown\r\n\r\n"
)


def call_with_body(
    app: FastAPI, headers: dict[str, str], chunks: Iterator[bytes]
) -> tuple[int, bytes, int]:
    """POST an upload straight through ASGI; return status, body, chunks read."""
    read = 0
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        nonlocal read
        if sent:  # the response has begun: the client hangs up
            return {"type": "http.disconnect"}
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        read += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/documents",
        "raw_path": b"/v1/documents",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (name.lower().encode(), value.encode()) for name, value in headers.items()
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    status = int(sent[0]["status"])  # type: ignore[call-overload]
    body = b"".join(m.get("body", b"") for m in sent[1:])  # type: ignore[misc]
    return status, body, read


def endless_upload() -> Iterator[bytes]:
    """A file part of about 13 MB, sent in 64 KiB chunks with no length."""
    yield MULTIPART_HEAD
    for _ in range(200):
        yield b"x" * 65_536


def test_a_chunked_upload_without_a_length_is_cut_off_at_the_limit(
    build_app: Callable[..., FastAPI], api_root: Path
) -> None:
    app = build_app(max_upload_files=1, max_upload_bytes=100_000)
    headers = {"content-type": "multipart/form-data; boundary=b"}

    status, body, read = call_with_body(app, headers, endless_upload())

    assert status == 413
    assert b"the upload is over the limit of 116,384 bytes in all" in body
    assert read <= 3  # the head and two 64 KiB chunks, never the other 198
    assert not (api_root / "corpus" / "sources" / "endless.md").exists()


def test_an_upload_announcing_a_large_body_is_refused_before_it_is_read(
    build_app: Callable[..., FastAPI],
) -> None:
    app = build_app(max_upload_files=1, max_upload_bytes=100_000)
    headers = {
        "content-type": "multipart/form-data; boundary=b",
        "content-length": str(50_000_000),
    }

    status, body, read = call_with_body(app, headers, endless_upload())

    assert status == 413
    assert b'"field":"files"' in body
    assert read == 0
