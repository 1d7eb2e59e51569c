"""`tracker-rag serve`: the API and the chat UI on one port, in one or more workers."""

from __future__ import annotations

import argparse
import logging
import os
import socket
from typing import Any, TextIO

from tracker_rag.errors import ConfigurationError, InputError
from tracker_rag.settings import Settings


def add_serve_parser(commands: Any) -> None:
    """Add the `serve` command and its options."""
    serve = commands.add_parser(
        "serve", help="serve the API and the chat UI on one port"
    )
    serve.add_argument("--host", help="address to bind (default 127.0.0.1)")
    serve.add_argument(
        "--port", type=int, help="port (default 8000; 0 picks a free one)"
    )
    serve.add_argument(
        "--workers",
        type=int,
        help="worker processes sharing the port (default TRACKER_RAG_WORKERS, 1)",
    )


def bind_listening_socket(host: str, port: int) -> socket.socket:
    """Bind and listen at once, so clients that come early wait in the backlog.

    Raises:
        InputError: The address cannot be bound.
    """
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.listen(2048)
    return sock


def run_serve(
    settings: Settings,
    args: argparse.Namespace,
    out: TextIO,
    overrides: dict[str, str],
) -> int:
    """Serve until interrupted; print the UI's address once the port is bound.

    Args:
        overrides: Settings given on the command line, as `TRACKER_RAG_*`
            variables, so that worker processes build the same settings.
    """
    import uvicorn

    host = args.host or settings.host
    port = settings.port if args.port is None else args.port
    workers = args.workers or settings.workers
    if workers < 1:
        raise InputError(f"--workers must be at least 1, not {workers}")
    if workers > 1 and settings.chroma_url is None:
        raise ConfigurationError(
            f"{workers} workers need a Chroma server (set TRACKER_RAG_CHROMA_URL); "
            "the embedded Chroma may be opened by one process only"
        )
    sock = bind_listening_socket(host, port)
    bound_port = sock.getsockname()[1]
    shown_host = f"[{host}]" if ":" in host else host
    logging.getLogger("tracker_rag").setLevel(logging.INFO)
    if workers == 1:
        from tracker_rag.api import create_app

        config = uvicorn.Config(
            create_app(settings), log_level="warning", access_log=False
        )
    else:
        # Export the model once here rather than in every worker at once.
        from tracker_rag.index.embedder import SentenceEmbedder

        SentenceEmbedder.from_settings(settings).prepare()
        os.environ.update(overrides)
        if settings.encoder_threads is None:
            # Each worker encodes on its share of the cores; more threads than
            # cores make the workers' encoder threads stall one another.
            share = max(1, (os.cpu_count() or 1) // workers)
            os.environ["TRACKER_RAG_ENCODER_THREADS"] = str(share)
        config = uvicorn.Config(
            "tracker_rag.api.worker_app:create_worker_app",
            factory=True,
            workers=workers,
            log_level="warning",
            access_log=False,
        )
    print(
        f"Tracker RAG is serving the chat UI at http://{shown_host}:{bound_port}/ui/",
        file=out,
    )
    print(
        f"API documentation: http://{shown_host}:{bound_port}/docs"
        + (f" ({workers} workers)" if workers > 1 else ""),
        file=out,
        flush=True,
    )
    if workers == 1:
        uvicorn.Server(config).run(sockets=[sock])
    else:
        from uvicorn.supervisors import Multiprocess

        Multiprocess(config, sockets=[sock]).run()
    return 0
