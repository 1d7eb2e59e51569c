"""`tracker-rag index export|import PATH`: back up, move and restore an index."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from tracker_rag.service import TrackerRag


def add_index_parser(commands: Any) -> None:
    """Add the `index` command and its actions."""
    index = commands.add_parser(
        "index", help="export the index to an archive, or import one"
    )
    index.add_argument(
        "action",
        choices=("export", "import"),
        help="export: write the committed index, vectors included; "
        "import: replace the index with an archive's",
    )
    index.add_argument("path", type=Path, help="the archive file (.tar.gz)")


def run_index_command(
    service: TrackerRag, args: argparse.Namespace, out: TextIO
) -> int:
    """Export or import; print one line saying what moved."""
    if args.action == "export":
        summary = service.export_index(args.path)
        verb = "exported"
    else:
        summary = service.import_index(args.path)
        verb = "imported"
    print(
        f"{verb} {summary.documents} documents, {summary.chunks} chunks "
        f"({summary.model_name}, commit {summary.generation}) "
        f"{'to' if verb == 'exported' else 'from'} {summary.path} "
        f"in {summary.seconds:.1f} s",
        file=out,
    )
    return 0
